// Harness (c): `replay` on arbitrary trace JSON. The bytes are parsed as a
// JSON document; one that has the shape of a trace (trace_shape_error) is
// replayed against two bundled protocols (one the traces in the corpus were
// made on, one they were not) and the outcome described as text and JSON,
// as `tlbcheck replay` does. Any document must end in an outcome, never a
// crash or a library exception.
#include <memory>
#include <string>
#include <vector>

#include "checker/replay.hpp"
#include "tests/fuzz/harness.hpp"

using namespace tlbcheck;

namespace {

std::vector<std::unique_ptr<cli::Loaded>> g_protocols;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const char* file : {"protocols/lazy_tlb_2_4.tlb", "examples/litmus/02_ipi_shootdown.tlb"}) {
    cli::Request request;
    request.file = fuzz::source_dir() + "/" + file;
    auto loaded = std::make_unique<cli::Loaded>(cli::load(request));
    if (!loaded->result.system) fuzz::fuzz_fail(std::string("cannot load ") + file, loaded->result.diagnostics);
    g_protocols.push_back(std::move(loaded));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (g_protocols.empty()) LLVMFuzzerInitialize(nullptr, nullptr);
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return 0;
  const std::string shape = checker::trace_shape_error(doc);
  if (!shape.empty()) return 0;
  for (const auto& loaded : g_protocols) {
    const model::ModelSystem& system = *loaded->result.system;
    const checker::ReplayResult r = checker::replay(system, doc);
    if (r.malformed) {
      if (r.message.empty()) fuzz::fuzz_fail("a malformed trace without a message");
      continue;
    }
    if (doc.contains("options") && doc["options"].is_object()) {
      for (const auto& [name, value] : doc["options"].items()) checker::option_text(value);
    }
    checker::Report report = cli::report_header(*loaded, "fuzz.json");
    report.trace_only = true;
    checker::describe_replay(system, r, report);
    checker::render_text(system, report);
    checker::json_text(checker::replay_json(system, r, report));
  }
  return 0;
}
