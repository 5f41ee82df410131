// Harness (b): structure-aware. The bytes are decisions (choices.hpp) that
// either generate a well-typed protocol from the grammar, with knobs for
// size, depth, tasks, schedule() sites, calls and quantifiers that reach
// far past the limits of LANGUAGE.md (protocol_generator.hpp), or mutate a
// bundled protocol token by token. What loads is explored with a small
// --max-states, and the answers are cross-checked:
// - a violation's trace, written as JSON, replays to the same violation;
// - a complete run with CPU symmetry reduction has the verdict of the run
//   without it;
// - on one input in 16 (a byte decides, so the input alone says which),
//   where a C compiler is found and $TLBCHECK_FUZZ_NATIVE is not 0, the
//   native engine explores the same states, transitions and verdict as the
//   interpreter, with a trace of the same length.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checker/replay.hpp"
#include "model/runtime/native.hpp"
#include "tests/fuzz/harness.hpp"
#include "tests/fuzz/protocol_generator.hpp"

using namespace tlbcheck;

namespace {

struct Seed {
  std::string path, text;
};
std::vector<Seed> g_seeds;  // the bundled protocols, and the files they import
bool g_native = false;
bool g_print = false;  // $TLBCHECK_FUZZ_PRINT: each protocol and its diagnostics on stderr (to read what the generator makes)

std::string describe(const checker::Report& r) {
  std::ostringstream s;
  s << checker::outcome_name(r.result.outcome) << " states=" << r.result.states << " transitions=" << r.result.transitions << " depth=" << r.result.depth
    << " property=" << r.result.property.v << " trace=" << r.result.trace.groups.size();
  return s.str();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const char* dir : {"protocols", "examples"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(fuzz::source_dir() + "/" + dir)) {
      if (e.path().extension() != ".tlb") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      g_seeds.push_back({e.path().string(), text.str()});
    }
  }
  std::sort(g_seeds.begin(), g_seeds.end(), [](const Seed& a, const Seed& b) { return a.path < b.path; });
  g_print = std::getenv("TLBCHECK_FUZZ_PRINT") != nullptr;
  std::string why;
  const char* native = std::getenv("TLBCHECK_FUZZ_NATIVE");
  g_native = (native == nullptr || std::string(native) != "0") && model::c_compiler_found(why);
  if (g_native && std::getenv("TLBCHECK_CACHE") == nullptr) {
    // the objects compiled here are many and used once: not the user's cache
    const std::string cache = (std::filesystem::temp_directory_path() / ("tlbcheck-fuzz-cache-" + std::to_string(getpid()))).string();
    setenv("TLBCHECK_CACHE", cache.c_str(), 1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (g_seeds.empty()) LLVMFuzzerInitialize(nullptr, nullptr);
  fuzz::Choices choices(data, size);
  const std::uint32_t mode = choices.byte();
  cli::Request request;
  if (mode % 4 == 3) {
    const Seed& seed = g_seeds[choices.below(std::uint32_t(g_seeds.size()))];
    request.file = seed.path;  // (its imports are found from its folder)
    request.text = fuzz::mutate_protocol(choices, seed.text);
  } else {
    request.file = "generated.tlb";
    const fuzz::Knobs knobs = fuzz::choose_knobs(choices);
    request.text = fuzz::generate_protocol(choices, knobs);
  }
  const cli::Loaded loaded = cli::load(request);
  if (g_print) std::fprintf(stderr, "---- %s\n%s\n---- diagnostics\n%s\n", request.file.c_str(), request.text->c_str(), loaded.result.diagnostics.c_str());
  if (!loaded.result.system) {
    fuzz::expect_located(loaded);
    return 0;
  }
  const model::ModelSystem& system = *loaded.result.system;
  const std::uint64_t max_states = 20 + choices.below(400);
  const bool symmetry = !choices.one_in(3);
  const checker::Report report = fuzz::explore_small(loaded, request.file, max_states, symmetry);
  checker::render_text(system, report);
  const nlohmann::json json = checker::render_json(system, report);
  checker::json_text(json);

  if (report.result.outcome == checker::Outcome::Violated) {
    const checker::ReplayResult replayed = checker::replay(system, json);
    if (replayed.outcome != checker::ReplayOutcome::Violated) {
      fuzz::fuzz_fail("the counterexample does not replay: " + replayed.message, *request.text + "\n" + describe(report));
    }
  }
  if (symmetry && report.result.symmetry && report.result.outcome != checker::Outcome::Incomplete) {
    const checker::Report full = fuzz::explore_small(loaded, request.file, 4000, false);
    if (full.result.outcome != checker::Outcome::Incomplete && full.result.outcome != report.result.outcome) {
      fuzz::fuzz_fail("symmetry reduction changed the verdict", *request.text + "\nreduced: " + describe(report) + "\nfull: " + describe(full));
    }
  }
  if (g_native && mode % 16 == 5) {
    cli::Request native = request;
    native.engine = cli::Engine::Native;
    const cli::Loaded compiled = cli::load(native);
    if (compiled.engine != "native") fuzz::fuzz_fail("the native engine did not build: " + compiled.engine_note, *request.text);
    const checker::Report other = fuzz::explore_small(compiled, request.file, max_states, symmetry);
    if (describe(other) != describe(report)) {
      fuzz::fuzz_fail("the engines disagree", *request.text + "\ninterpreter: " + describe(report) + "\nnative: " + describe(other));
    }
    std::error_code ec;
    std::filesystem::remove(compiled.result.system->native()->object_path(), ec);  // loaded already; used once
  }
  return 0;
}
