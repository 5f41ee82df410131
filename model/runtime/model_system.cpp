#include "model/runtime/model_system.hpp"

#include <algorithm>

#include "properties/catalogue.hpp"

namespace tlbcheck::model {

ModelSystem::ModelSystem(std::unique_ptr<SourceFile> file, AnalyzedModule module, Lowered compiled, std::vector<bool> enabled)
    : file_(std::move(file)),
      module_(std::move(module)),
      program_(std::move(compiled.program)),
      site_terms_(std::move(compiled.site_terms)),
      invariant_terms_(std::move(compiled.invariant_terms)),
      invariant_witness_(std::move(compiled.invariant_witness)),
      enabled_(std::move(enabled)) {
  renaming_ = std::make_unique<CpuRenaming>(program_);
  layout_.words = program_.words;
  layout_.bits = program_.bits;
  for (const ModelSlot& s : program_.slots) layout_.slots.push_back(s.pub);

  for (const auto& p : properties::builtin_properties()) properties_.push_back({std::string(p.name), std::string(p.meaning), p.model_error});
  for (const InvariantInfo& inv : module_.invariants) {
    properties_.push_back({std::string(inv.name), "the invariant at " + where(inv.loc.offset) + " holds in every reachable state"});
  }

  // A property that cannot fire in this model is not checked, so that a
  // verdict of holds does not claim it: the machine's without a machine,
  // stale-cache without a data cache, asid-alias without ASID values,
  // sw-use-after-free without a software walker, the kernel's claims
  // without what makes them (a `sync` function; a copy; a write-back).
  using BP = properties::BuiltinProperty;
  auto vacuous = [&](BP p, bool when) {
    if (when) enabled_[std::size_t(p)] = false;
  };
  auto calls = [&](Builtin b) {
    return std::any_of(program_.code.begin(), program_.code.end(), [&](const Instr& in) { return in.op == Op::Hw && Builtin(in.a) == b; });
  };
  const bool hw = program_.has_machine;
  for (BP p : {BP::StaleTranslation, BP::FreedRoot, BP::BreakBeforeMake}) vacuous(p, !hw);
  vacuous(BP::SwUseAfterFree, !calls(Builtin::PtRead));
  vacuous(BP::StaleCache, !hw || program_.machine.colours == 0);
  vacuous(BP::AsidAlias, !hw || program_.machine.asids == 0);
  vacuous(BP::StalePermission, !program_.permission_record);
  vacuous(BP::LostWrite, !calls(Builtin::CopyPage) && !calls(Builtin::DiskWrite));
  vacuous(BP::DirtyDropped, !calls(Builtin::DiskWrite));
  access_claims_ = (enabled_[std::size_t(BP::StalePermission)] ? machine::Machine::kClaimPermission : 0u) |
                   (enabled_[std::size_t(BP::LostWrite)] ? machine::Machine::kClaimCopy : 0u) |
                   (enabled_[std::size_t(BP::DirtyDropped)] ? machine::Machine::kClaimWriteback : 0u);

  if (program_.has_machine) {
    machine_ = machine::Machine(program_.machine, int(module_.mms.size()), program_.page_index, program_.page_kernel, program_.irq_device, program_.hw, &program_.slots,
                                &program_.access);
  }
  number_statements();
  // one group per (process instance, location)
  for (std::uint32_t p = 0; p < program_.processes.size(); ++p) {
    ProcessInstance& proc = program_.processes[p];
    proc.first_group = static_cast<std::uint32_t>(groups_.size());
    for (std::size_t loc = 1; loc < proc.locations.size(); ++loc) {
      const Instr& in = program_.code[proc.locations[loc]];
      checker::Group g;
      g.process = proc.name;
      g.context = proc.handler ? "irq" : "process";
      g.action = in.op == Op::Halt ? "(end of " + proc.name + ")" : statement_text(in.src);
      if (in.ctx != 0 && in.op != Op::Halt) g.action = program_.contexts[in.ctx] + ": " + g.action;
      g.name = proc.name + ": " + g.action;
      g.loc = {file_->name_at(in.src), file_->line_of(in.src), file_->column_of(in.src)};
      g.cpu = proc.cpu;
      groups_.push_back(std::move(g));
      group_process_.push_back(p);
    }
  }
  // hardware transitions: interrupt delivery, speculative walks, preemption,
  // cache write-back and eviction
  first_hw_group_ = static_cast<std::uint32_t>(groups_.size());
  if (program_.has_machine) {
    int words = program_.machine.words;
    for (int c = 0; c < program_.machine.colours; ++c) {
      for (int f = 0; f < program_.frames; ++f) {
        for (int wd = 0; wd < words; ++wd) {
          for (HwGroup::Kind kind : {HwGroup::Writeback, HwGroup::Evict}) {
            checker::Group g;
            g.process = "dcache";
            g.context = "hardware";
            g.action = std::string(kind == HwGroup::Writeback ? "data cache writes back" : "data cache evicts") + " frame" + std::to_string(f) +
                       (words > 1 ? " word " + std::to_string(wd) : "") + " (colour " + std::to_string(c) + ")";
            g.name = g.process + ": " + g.action;
            g.loc = {file_->name(), 1, 1};
            g.cpu = -1;
            groups_.push_back(std::move(g));
            group_process_.push_back(0);
            hw_groups_.push_back({kind, -1, (c * program_.frames + f) * words + wd});
          }
        }
      }
    }
    for (int c = 0; c < module_.cpus; ++c) {
      for (std::size_t h = 0; h < module_.irqs.size(); ++h) {
        if (module_.irqs[h].device && module_.irqs[h].cpu != c) continue;
        checker::Group g;
        const Decl& d = *module_.irqs[h].body.decl;
        g.process = "cpu" + std::to_string(c);
        g.context = "hardware";
        g.action = std::string(module_.irqs[h].device ? "takes the interrupt " : "takes the IPI ") + std::string(d.name);
        g.name = g.process + ": " + g.action;
        g.loc = {file_->name_at(d.loc.offset), file_->line_of(d.loc.offset), file_->column_of(d.loc.offset)};
        g.cpu = c;
        groups_.push_back(std::move(g));
        group_process_.push_back(0);
        hw_groups_.push_back({HwGroup::Deliver, c, int(h)});
      }
      for (int t = 0; t < module_.tasks && program_.machine.preemption; ++t) {
        if (module_.task_cpu[std::size_t(t)] != c) continue;
        checker::Group g;
        const ProcessInstance& proc = program_.processes[program_.task_process[std::size_t(t)]];
        g.process = proc.name;
        g.context = "hardware";
        g.action = "timer interrupt: preempts " + module_.task_names[std::size_t(t)];
        g.name = proc.name + ": " + g.action;
        g.loc = {file_->name_at(program_.code[proc.entry].src), file_->line_of(program_.code[proc.entry].src), 1};
        g.cpu = c;
        groups_.push_back(std::move(g));
        group_process_.push_back(program_.task_process[std::size_t(t)]);
        hw_groups_.push_back({HwGroup::Preempt, c, t});
      }
      if (!program_.machine.speculative) continue;
      for (std::size_t pg = 0; pg < module_.pages.size(); ++pg) {
        checker::Group g;
        g.process = "cpu" + std::to_string(c);
        g.context = "hardware";
        g.action = "speculative page walk of " + module_.pages[pg].name;
        g.name = g.process + ": " + g.action;
        g.loc = {file_->name_at(module_.pages[pg].loc.offset), file_->line_of(module_.pages[pg].loc.offset), file_->column_of(module_.pages[pg].loc.offset)};
        g.cpu = c;
        groups_.push_back(std::move(g));
        group_process_.push_back(0);
        hw_groups_.push_back({HwGroup::Speculate, c, int(pg)});
      }
    }
  }
}

}  // namespace tlbcheck::model
