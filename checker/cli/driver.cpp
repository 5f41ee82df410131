#include "checker/cli/driver.hpp"

#include <sstream>

#include "model/runtime/native.hpp"

namespace tlbcheck::cli {

namespace {

std::vector<checker::Unsupported> unsupported(const model::ModelSystem& system) {
  std::vector<checker::Unsupported> out;
  for (const model::SupportInfo& s : system.module().supports) {
    if (!s.holds) out.push_back({s.found, s.text, s.reason});
  }
  return out;
}

}  // namespace

Loaded load(const Request& request) {
  Loaded loaded;
  loaded.result = request.text ? model::load_text(request.file, *request.text, request.load) : model::load_file(request.file, request.load);
  if (!loaded.result.system || request.engine == Engine::Interpreter) return loaded;
  std::string why;
  if (request.engine == Engine::Fastest && !model::c_compiler_found(why)) {
    loaded.engine_note = "no C compiler: " + why;
  } else if (loaded.result.system->use_native(why)) {
    loaded.engine = "native";
  } else {
    loaded.engine_note = why;
    loaded.compiler_failed = true;
  }
  return loaded;
}

std::string engine_message(const Loaded& loaded, bool quiet) {
  if (loaded.engine_note.empty()) return "";
  if (loaded.compiler_failed) return "tlbcheck: warning: native steps: " + loaded.engine_note + "; interpreting the steps instead\n";
  if (quiet) return "";
  return "tlbcheck: note: " + loaded.engine_note + "; interpreting the steps (set $TLBCHECK_CC to a C compiler, or choose --engine interpreter)\n";
}

checker::Report explore(const Loaded& loaded, const std::string& file, const checker::ExploreOptions& options) {
  const model::ModelSystem& system = *loaded.result.system;
  checker::Report report;
  report.result = checker::explore(system, options);
  report.protocol = std::string(system.name());
  report.file = file;
  for (const auto& opt : system.options()) {
    report.options.push_back({opt.name, opt.shown});
    // typed by the option's declared type: a bool is a JSON boolean, an enum
    // its member's name, any other scalar (int, cpu, frame, ...) the integer
    // `shown` spells in decimal
    if (opt.type.kind == model::TypeKind::Bool) report.option_values.push_back(opt.value != 0);
    else if (opt.type.kind == model::TypeKind::Enum) report.option_values.push_back(opt.shown);
    else report.option_values.push_back(opt.value);
  }
  report.unsupported = unsupported(system);
  report.state_bytes = system.layout().words * 8;
  report.engine = loaded.engine;
  report.dead_reset = system.program().dead_reset;
  report.symmetry_asked = options.symmetry;
  report.por_asked = options.por;
  if (options.symmetry) {
    report.symmetry_classes = system.renaming().classes();
    report.symmetry_notes = system.renaming().notes();
    for (const std::string& note : system.renaming().value_notes()) report.symmetry_notes.push_back(note);
    for (const auto& set : system.renaming().scalarsets()) {
      checker::Report::SymmetricValues v{set.name, {}};
      for (int value : set.free) v.values.push_back(set.members[std::size_t(value)]);
      report.symmetry_values.push_back(std::move(v));
    }
  }
  report.engine_note = loaded.engine_note;
  checker::describe(system, report);
  return report;
}

checker::Report report_header(const Loaded& loaded, const std::string& file) {
  const model::ModelSystem& system = *loaded.result.system;
  checker::Report report;
  report.protocol = std::string(system.name());
  report.file = file;
  for (const auto& opt : system.options()) report.options.push_back({opt.name, opt.shown});
  report.unsupported = unsupported(system);
  report.state_bytes = system.layout().words * 8;
  report.engine = loaded.engine;
  report.dead_reset = system.program().dead_reset;
  report.engine_note = loaded.engine_note;
  list_checked(system, report);
  return report;
}

void list_checked(const model::ModelSystem& system, checker::Report& report) {
  for (std::size_t i = 0; i < system.properties().size(); ++i) {
    if (system.enabled()[i]) report.checked.push_back(system.properties()[i].name);
  }
}

std::string stable_text(const checker::System& system, const checker::Report& report) {
  std::istringstream in(checker::render_text(system, report));
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("time: ", 0) != 0) out += line + "\n";
  }
  return out;
}

}  // namespace tlbcheck::cli
