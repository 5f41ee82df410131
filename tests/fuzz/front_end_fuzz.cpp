// Harness (a): the front end on arbitrary bytes. Lex, parse, analyse and
// lower must end in a model or in located diagnostics; a model is then
// explored a little (64 states) and its report rendered as text and JSON,
// so that whatever the text let through is run too.
#include <cstdint>
#include <string>

#include "tests/fuzz/harness.hpp"

using namespace tlbcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return -1;  // (libFuzzer keeps inputs far smaller: -max_len)
  const std::string name = "fuzz.tlb";
  cli::Request request;
  request.file = name;
  request.text = std::string(reinterpret_cast<const char*>(data), size);
  const cli::Loaded loaded = cli::load(request);
  if (!loaded.result.system) {
    fuzz::expect_located(loaded);
    return 0;
  }
  const checker::Report report = fuzz::explore_small(loaded, name, 64, true);
  checker::render_text(*loaded.result.system, report);
  checker::json_text(checker::render_json(*loaded.result.system, report));
  return 0;
}
