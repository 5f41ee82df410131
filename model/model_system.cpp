#include "model/model_system.hpp"

#include "properties/catalogue.hpp"

namespace tlbcheck::model {

ModelSystem::ModelSystem(std::unique_ptr<SourceFile> file, CheckedModule module, Compiled compiled, std::vector<bool> enabled)
    : file_(std::move(file)),
      module_(std::move(module)),
      program_(std::move(compiled.program)),
      site_terms_(std::move(compiled.site_terms)),
      invariant_terms_(std::move(compiled.invariant_terms)),
      enabled_(std::move(enabled)) {
  layout_.words = program_.words;
  layout_.bits = program_.bits;
  for (const ModelSlot& s : program_.slots) layout_.slots.push_back(s.pub);

  for (const auto& p : properties::builtin_properties()) properties_.push_back({std::string(p.name), std::string(p.meaning)});
  for (const InvariantInfo& inv : module_.invariants) {
    properties_.push_back({std::string(inv.name), "the invariant at " + where(inv.loc.offset) + " holds in every reachable state"});
  }

  // one group per (process instance, location)
  for (std::uint32_t p = 0; p < program_.processes.size(); ++p) {
    ProcessInstance& proc = program_.processes[p];
    proc.first_group = static_cast<std::uint32_t>(groups_.size());
    for (std::size_t loc = 1; loc < proc.locations.size(); ++loc) {
      const Instr& in = program_.code[proc.locations[loc]];
      checker::Group g;
      g.process = proc.name;
      g.context = "process";
      g.action = in.op == Op::Halt ? "(end of " + proc.name + ")" : line_text(in.src);
      if (in.ctx != 0 && in.op != Op::Halt) g.action = program_.contexts[in.ctx] + ": " + g.action;
      g.name = proc.name + ": " + g.action;
      g.loc = {file_->name(), file_->line_of(in.src), file_->column_of(in.src)};
      g.cpu = proc.cpu;
      groups_.push_back(std::move(g));
      group_process_.push_back(p);
    }
  }
}

}  // namespace tlbcheck::model
