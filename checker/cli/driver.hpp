// The pipeline behind every front door: load a protocol into a System
// (model/), choose how its steps run, explore it (checker/) and describe
// the outcome as a Report. The command line and the tests run it through
// here, so none of them repeats it. With app.cpp (the command line), this
// folder is the one place that sees both model/ and checker/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "checker/trace.hpp"
#include "model/load.hpp"

namespace tlbcheck::cli {

// How the steps run. Native compiles them to C (model/runtime/native.hpp)
// and falls back to the interpreter, saying why, when that fails; Fastest
// is Native when a C compiler is found (model::c_compiler_found) and the
// interpreter otherwise (the command line's default for check).
enum class Engine { Interpreter, Native, Fastest };

struct Request {
  std::string file;                 // the protocol's path, as reports name it
  std::optional<std::string> text;  // its text; read from `file` when empty
  model::LoadOptions load;          // -D values and the properties checked
  Engine engine = Engine::Interpreter;
};

struct Loaded {
  model::LoadResult result;  // diagnostics; result.system is null on an error
  std::string engine = "interpreter";  // what runs the steps: "interpreter" or "native"
  // why the steps are interpreted where native steps were asked for (or
  // were the default): no compiler was found, or it failed ("": they are not)
  std::string engine_note;
  bool compiler_failed = false;  // the note is a failed compile (a warning), not a missing compiler
};

// Lex, parse, analyse and lower the protocol; build native steps if asked.
Loaded load(const Request& request);

// What to say on stderr about the engine of a loaded protocol: a warning
// when the compiler failed, a note when Fastest found no compiler (unless
// `quiet`); "" when there is nothing to say.
std::string engine_message(const Loaded& loaded, bool quiet);

// Explores a loaded protocol and describes the outcome: the Report has the
// protocol, options, verdict, numbers and, for a violation, the steps.
checker::Report explore(const Loaded& loaded, const std::string& file, const checker::ExploreOptions& options);

// A Report with the protocol, file, options, state size and engine of a
// loaded protocol and nothing explored yet (simulations fill the rest).
checker::Report report_header(const Loaded& loaded, const std::string& file);

// The properties a loaded protocol checks, for the report's closing line.
void list_checked(const model::ModelSystem& system, checker::Report& report);

// The text report without its timing line, which differs run to run (for
// comparing reports).
std::string stable_text(const checker::System& system, const checker::Report& report);

}  // namespace tlbcheck::cli
