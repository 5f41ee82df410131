// Helpers shared by the tests: running the CLI, reading files, and the
// `// expect:` lines every bundled protocol carries.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "checker/cli/driver.hpp"
#include "model/runtime/model_system.hpp"

namespace tlbcheck::testing {

inline std::string source_dir() { return TLBCHECK_SOURCE_DIR; }

// The command line of the test binary's flavour (tests/default_cli.cpp).
const char* default_cli();

// The CLI under test: the flavour's, or the one named by $TLBCHECK_CLI.
inline std::string cli() {
  const char* env = std::getenv("TLBCHECK_CLI");
  return env != nullptr && *env != '\0' ? env : default_cli();
}

struct RunResult {
  int exit = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command with a time limit; a hang shows as exit 124.
inline RunResult run(const std::string& command, int seconds = 120) {
  RunResult r;
  std::string full = "timeout " + std::to_string(seconds) + " " + command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = pclose(pipe);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `tlbcheck check` with the steps interpreted. Its default compiles each
// configuration's steps to C when a C compiler is found; the tests that are
// not about the engine say --engine interpreter, so that they do not wait
// for a compiler (tests/checker/cli_test.cpp tests the default).
inline std::string check_cli() { return quote(cli()) + " check --engine interpreter"; }

// Every bundled protocol: the .tlb files under examples/ and protocols/,
// relative to the source folder, sorted; not protocols/lib/, which holds
// pieces protocols import (their importers test them).
inline std::vector<std::string> bundled_protocols() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "protocols"}) {
    std::filesystem::path root = std::filesystem::path(source_dir()) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.path().extension() == ".tlb" && e.path().parent_path().filename() != "lib") {
        out.push_back(std::filesystem::relative(e.path(), source_dir()).string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("tlbcheck-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A protocol given as text, loaded as "t.tlb"; the test fails with its
// diagnostics if it does not load.
inline cli::Loaded load_text(const std::string& text) {
  cli::Request request;
  request.file = "t.tlb";
  request.text = text;
  cli::Loaded loaded = cli::load(request);
  INFO(loaded.result.diagnostics);
  REQUIRE(loaded.result.system);
  return loaded;
}

// Checks a protocol given as text, as `tlbcheck check` would: the report
// with its verdict, counts, property, explanation and trace. The protocol
// must load (the test fails with its diagnostics otherwise).
inline checker::Report check_text(const std::string& text, std::vector<model::Define> defines = {}, std::vector<std::string> only = {},
                                  unsigned threads = 1) {
  cli::Request request;
  request.file = "t.tlb";
  request.text = text;
  request.load.defines = std::move(defines);
  request.load.only_properties = std::move(only);
  cli::Loaded loaded = cli::load(request);
  INFO(loaded.result.diagnostics);
  REQUIRE(loaded.result.system);
  checker::ExploreOptions options;
  options.threads = threads;
  return cli::explore(loaded, request.file, options);
}

// CPU symmetry reduction is sound only if swapping two interchangeable CPUs
// maps steps onto steps and keeps every judgement. Checks it on the first
// `limit` reachable states (breadth first, unreduced): for each, and each
// swap of two neighbours in a class (they generate every renaming), the
// successors of the swapped state are the swapped successors, and check(),
// is_final() and expand() agree; and the successors of its canonical form
// are canonicalized alike with and without the explorer's shortcut. Returns
// the states checked.
inline std::size_t check_renamings_commute(const model::ModelSystem& system, std::size_t limit = 1500) {
  using Words = std::vector<checker::Word>;
  // the generators: swaps of neighbours in a class of CPUs or among a symmetric enum's free values
  std::vector<std::pair<std::size_t, std::size_t>> swaps;
  for (const std::vector<int>& cls : system.renaming().classes()) {
    for (std::size_t k = 0; k + 1 < cls.size(); ++k) swaps.push_back({std::size_t(cls[k]), std::size_t(cls[k + 1])});
  }
  for (const auto& set : system.renaming().scalarsets()) {
    for (std::size_t k = 0; k + 1 < set.free.size(); ++k) swaps.push_back({set.offset + std::size_t(set.free[k]), set.offset + std::size_t(set.free[k + 1])});
  }
  if (swaps.empty()) return 0;
  const std::size_t words = system.layout().words;
  auto scratch = system.make_scratch();
  std::vector<Words> queue(1, Words(words));
  system.initial(queue[0]);
  std::set<Words> seen(queue.begin(), queue.end());
  auto successors = [&](const Words& s) {
    std::set<Words> out;
    system.next(s, *scratch, [&](checker::GroupId, checker::ConstStateRef t) { out.insert(Words(t.begin(), t.end())); });
    return out;
  };
  std::vector<std::uint32_t> sigma(system.renaming().objects());
  std::size_t done = 0;
  for (; done < queue.size() && done < limit; ++done) {
    const Words s = queue[done];
    const std::set<Words> succ = successors(s);
    for (const Words& t : succ) {
      if (queue.size() < limit && seen.insert(t).second) queue.push_back(t);
    }
    // the explorer's shortcut: a successor of a canonical form is canonicalized
    // by canonicalize_successor() exactly as by canonicalize()
    Words canon = s;
    system.canonicalize(canon, *scratch);
    Words again = canon;
    system.canonicalize(again, *scratch);
    CHECK(again == canon);  // a canonical form is its own (what the shortcut relies on)
    for (const Words& t : successors(canon)) {
      Words shortcut = t, full = t;
      system.canonicalize_successor(shortcut, canon, *scratch);
      system.canonicalize(full, *scratch);
      INFO("state " << done << ": a successor of its canonical form");
      CHECK(shortcut == full);
    }
    for (const auto& [a, b] : swaps) {
      for (std::size_t c = 0; c < sigma.size(); ++c) sigma[c] = std::uint32_t(c);
      std::swap(sigma[a], sigma[b]);
      Words swapped(words);
      system.rename(s, sigma, swapped);
      std::set<Words> expected;
      for (const Words& t : succ) {
        Words u(words);
        system.rename(t, sigma, u);
        expected.insert(u);
      }
      INFO("state " << done << ", object " << a << " <-> object " << b);
      CHECK(successors(swapped) == expected);
      CHECK(system.check(swapped).violated == system.check(s).violated);
      CHECK(system.check(swapped).property == system.check(s).property);
      CHECK(system.is_final(swapped) == system.is_final(s));
      CHECK(system.expand(swapped) == system.expand(s));
    }
  }
  return done;
}

// `// expect: [NAME=VALUE ...] holds|violated [PROPERTY] states=N`
struct Expectation {
  std::vector<std::pair<std::string, std::string>> defines;
  std::vector<std::string> properties;  // `property=NAME`: check only these (as --property)
  std::string verdict;
  std::string property;
  long long states = -1;
  long long reduced = -1;  // `reduced=N`: the states stored under CPU symmetry reduction (where the model has it)
  std::string line;
};

inline std::vector<Expectation> expectations(const std::string& text) {
  std::vector<Expectation> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto at = line.find("// expect:");
    if (at != 0) continue;
    Expectation e;
    e.line = line;
    std::istringstream words(line.substr(10));
    std::string w;
    while (words >> w) {
      auto eq = w.find('=');
      if (w.rfind("states=", 0) == 0) {
        e.states = w.substr(7) == "?" ? -1 : std::stoll(w.substr(7));
      } else if (w.rfind("reduced=", 0) == 0) {
        e.reduced = std::stoll(w.substr(8));
      } else if (w.rfind("property=", 0) == 0) {
        e.properties.push_back(w.substr(9));
      } else if (eq != std::string::npos) {
        e.defines.push_back({w.substr(0, eq), w.substr(eq + 1)});
      } else if (e.verdict.empty()) {
        e.verdict = w;
      } else {
        e.property = w;
      }
    }
    out.push_back(e);
  }
  return out;
}

// The protocol of a bundled file (`rel`, its text) as one of its
// `// expect:` lines runs it.
inline cli::Request expectation_request(const std::string& rel, const std::string& text, const Expectation& e) {
  cli::Request request;
  request.file = rel;
  request.text = text;
  for (const auto& [k, v] : e.defines) request.load.defines.push_back({k, v});
  request.load.only_properties = e.properties;
  return request;
}

}  // namespace tlbcheck::testing
