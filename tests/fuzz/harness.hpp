// What the fuzz harnesses share. Each harness is one LLVMFuzzerTestOneInput
// (and, where it needs set-up, LLVMFuzzerInitialize); the same source links
// with libFuzzer (-DTLBCHECK_FUZZ=ON, clang) to fuzz, and with corpus_main.cpp
// (any compiler, both flavours) to replay the corpus in tests/fuzz/corpus/ as
// a regression test. A harness reports a broken promise (an error without a
// location, engines that disagree) with fuzz_fail(), which aborts: libFuzzer
// saves the input, and the regression test fails.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checker/cli/driver.hpp"

namespace tlbcheck::fuzz {

[[noreturn]] inline void fuzz_fail(const std::string& what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz: %s\n%s\n", what.c_str(), detail.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::string source_dir() { return TLBCHECK_SOURCE_DIR; }

// A protocol that failed to load must say why, at a place in a text: at
// least one error rendered as `FILE:LINE:COL: error: ...` (FILE: the
// protocol, or a file it imports), and none of them an internal error (a
// check of the compiler's own output that failed).
inline void expect_located(const cli::Loaded& loaded) {
  const std::string& d = loaded.result.diagnostics;
  bool located = false;
  for (std::size_t begin = 0; begin < d.size();) {
    std::size_t end = d.find('\n', begin);
    if (end == std::string::npos) end = d.size();
    const std::string line = d.substr(begin, end - begin);
    begin = end + 1;
    // a diagnostic's first line (the quoted source below it is indented, and may say anything)
    const std::size_t error = line.find(": error: ");
    if (line.empty() || line[0] == ' ' || error == std::string::npos) continue;
    if (line.size() >= 10 && line.compare(line.size() - 10, 10, "[Internal]") == 0) fuzz_fail("an internal error: the compiler's own check failed", d);
    // FILE:LINE:COL just before it
    std::size_t at = error;
    int fields = 0;
    for (; fields < 2; ++fields) {
      std::size_t digits = 0;
      while (at > 0 && line[at - 1] >= '0' && line[at - 1] <= '9') --at, ++digits;
      if (digits == 0 || at == 0 || line[at - 1] != ':') break;
      --at;
    }
    located = located || (fields == 2 && at > 0);
  }
  if (!located) fuzz_fail("the protocol did not load, and no error says where", d);
}

// A small exploration, one thread, as `check --max-states N` runs it.
inline checker::Report explore_small(const cli::Loaded& loaded, const std::string& name, std::uint64_t max_states, bool symmetry) {
  checker::ExploreOptions options;
  options.threads = 1;
  options.max_states = max_states;
  options.symmetry = symmetry;
  return cli::explore(loaded, name, options);
}

}  // namespace tlbcheck::fuzz
