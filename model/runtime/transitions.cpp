// The model's transitions as the checker sees them (checker/system.hpp):
// the steps of the runnable processes and the hardware's own (interrupt
// delivery, speculative walks, preemption, cache write-back and eviction),
// one group at a time or all of them; and the verdict of a state.
#include "model/runtime/model_system.hpp"

#include <algorithm>
#include <cstring>

#include "model/runtime/scratch.hpp"
#include "properties/catalogue.hpp"
#include "properties/freed_root.hpp"

namespace tlbcheck::model {

// A process runs when its CPU is not in an interrupt handler; a handler
// instance runs when it is the innermost one on its CPU.
bool ModelSystem::runnable(const ProcessInstance& p, const checker::Word* s) const {
  if (!program_.has_machine) return true;
  int depth = machine_.depth(s, p.cpu);
  if (p.handler) return depth == p.level;
  if (depth != 0) return false;
  return p.task < 0 || machine_.get(s, program_.hw.current[std::size_t(p.cpu)]) == p.task;
}

void ModelSystem::next(checker::ConstStateRef s, checker::Scratch& scratch, checker::EmitFn emit) const {
  auto& w = static_cast<Scratch&>(scratch);
  for (std::uint32_t p = 0; p < program_.processes.size(); ++p) {
    if (runnable(program_.processes[p], s.data())) run_process(p, s, w, emit);
  }
  for (std::uint32_t g = 0; g < hw_groups_.size(); ++g) run_hardware(g, s, w, emit);
}

void ModelSystem::next_in_group(checker::ConstStateRef s, checker::Scratch& scratch, checker::GroupId group, checker::EmitFn emit) const {
  auto& w = static_cast<Scratch&>(scratch);
  if (group.v >= first_hw_group_) {
    run_hardware(group.v - first_hw_group_, s, w, emit);
    return;
  }
  const std::uint32_t p = group_process_[group.v];
  const ProcessInstance& proc = program_.processes[p];
  const std::int64_t loc = read(proc.pc_slot, s.data());  // the group of a process is its location
  if (loc == 0 || proc.first_group + std::uint32_t(loc) - 1 != group.v || !runnable(proc, s.data())) return;
  run_process(p, s, w, emit);
}

std::optional<checker::PropertyId> ModelSystem::deadlock_property() const {
  const auto deadlock = std::size_t(properties::BuiltinProperty::Deadlock);
  if (!enabled_[deadlock]) return std::nullopt;
  return checker::PropertyId{std::uint32_t(deadlock)};
}

// Hardware transitions: an interrupt is taken, or a CPU walks the page
// tables on its own (speculation). Only transitions that change the state
// are reported.
void ModelSystem::run_hardware(std::uint32_t g, checker::ConstStateRef s, Scratch& w, checker::EmitFn emit) const {
  const HwGroup& hg = hw_groups_[g];
  checker::GroupId group{first_hw_group_ + g};
  checker::Word* st = w.buffer(0);
  if (hg.kind == HwGroup::Deliver) {  // the CPU takes the interrupt: its handler starts
    const int c = hg.cpu;
    if (!machine_.can_take_interrupt(s.data(), c, hg.index)) return;
    std::memcpy(st, s.data(), s.size_bytes());
    const int level = machine_.take_interrupt(st, c, hg.index);
    for (const ProcessInstance& p : program_.processes) {
      if (!p.handler || p.cpu != c || p.level != level || p.irq != hg.index) continue;
      write(p.pc_slot, st, 1);
      const auto& args = program_.hw.ipi_args[std::size_t(c) * program_.irq_names.size() + std::size_t(hg.index)];
      for (std::size_t i = 0; i < p.param_slots.size() && i < args.size(); ++i) write(p.param_slots[i], st, read(args[i], st));
    }
    emit(group, checker::ConstStateRef(st, w.words));
    return;
  }
  if (hg.kind == HwGroup::Writeback || hg.kind == HwGroup::Evict) {
    const machine::Machine::LineKey line = machine_.line_key(hg.index);
    std::memcpy(st, s.data(), s.size_bytes());
    bool changed = hg.kind == HwGroup::Writeback ? machine_.cache_writeback(st, line.colour, line.frame, line.word)
                                                 : machine_.cache_evict(st, line.colour, line.frame, line.word);
    if (changed) emit(group, checker::ConstStateRef(st, w.words));
    return;
  }
  if (hg.kind == HwGroup::Preempt) {
    // the task is switched away at a step boundary with preemption allowed
    int c = hg.cpu;
    std::uint32_t pid = program_.task_process[std::size_t(hg.index)];
    const ProcessInstance& proc = program_.processes[pid];
    if (!machine_.preemptible(s.data(), c, hg.index)) return;
    std::int64_t loc = read(proc.pc_slot, s.data());
    if (loc == 0 || loc == proc.zombie_location || program_.no_preempt[proc.locations[std::size_t(loc)]]) return;
    std::memcpy(st, s.data(), s.size_bytes());
    write(program_.hw.task_resume[std::size_t(hg.index)], st, loc);
    w.group = group;
    w.process = pid;
    w.budget = kStepBudget;
    auto filtered = [&](checker::GroupId gid, checker::ConstStateRef succ) {
      if (!std::equal(succ.begin(), succ.end(), s.begin())) emit(gid, succ);
    };
    checker::EmitFn forward(filtered);
    w.emit = &forward;
    start(proc.preempt_entry, st, w);
    return;
  }
  std::memcpy(st, s.data(), s.size_bytes());
  bool check = enabled_[std::size_t(properties::BuiltinProperty::StaleTranslation)];
  machine::Effect e = machine_.speculate(st, hg.cpu, hg.index, check);
  if (e.kind == machine::Effect::Violation) {
    w.diag_effect = e;
    w.diag_page = hg.index;
    write(program_.violation_slot, st, program_.speculation_site);
    emit(group, checker::ConstStateRef(st, w.words));
    return;
  }
  if (!std::equal(st, st + w.words, s.data())) emit(group, checker::ConstStateRef(st, w.words));
}

checker::Verdict ModelSystem::check(checker::ConstStateRef s) const {
  std::int64_t site = read(program_.violation_slot, s.data());
  if (site != 0) return {true, checker::PropertyId{program_.sites[std::size_t(site)].property}};
  if (const auto freed_root = std::size_t(properties::BuiltinProperty::FreedRoot); program_.has_machine && enabled_[freed_root]) {
    if (cpu_with_freed_root(s.data()) >= 0) return {true, checker::PropertyId{std::uint32_t(freed_root)}};
  }
  if (const auto alias = std::size_t(properties::BuiltinProperty::AsidAlias); program_.has_machine && enabled_[alias]) {
    if (machine_.asid_alias(s.data()).cpu >= 0) return {true, checker::PropertyId{std::uint32_t(alias)}};
  }
  for (std::uint32_t i = 0; i < program_.invariant_entry.size(); ++i) {
    std::uint32_t pid = properties::kFirstInvariant + i;
    if (!enabled_[pid]) continue;
    auto v = eval(program_.invariant_entry[i], s.data());
    if (!v || *v == 0) return {true, checker::PropertyId{pid}};
  }
  // a constraint that cannot be evaluated (a division by zero, an index out
  // of range) says nothing about whether to go on: a runtime-error, not a cut
  if (const auto rt = std::size_t(properties::BuiltinProperty::RuntimeError); enabled_[rt] && failing_constraint(s.data()) >= 0) {
    return {true, checker::PropertyId{std::uint32_t(rt)}};
  }
  return {};
}

std::string ModelSystem::constraint() const {
  std::string names;
  for (const std::string& n : program_.constraint_names) names += (names.empty() ? "'" : ", '") + n + "'";
  return names;
}

int ModelSystem::failing_constraint(const checker::Word* s) const {
  for (std::uint32_t i = 0; i < program_.constraint_entry.size(); ++i) {
    if (!eval(program_.constraint_entry[i], s)) return int(i);
  }
  return -1;
}

bool ModelSystem::expand(checker::ConstStateRef s) const {
  for (std::uint32_t entry : program_.constraint_entry) {
    auto v = eval(entry, s.data());
    if (!v || *v == 0) return false;
  }
  return true;
}

bool ModelSystem::is_final(checker::ConstStateRef s) const {
  for (const ProcessInstance& p : program_.processes) {
    std::int64_t loc = read(p.pc_slot, s.data());
    if (loc == 0 || loc == p.zombie_location) continue;
    if (p.task >= 0 && machine_.get(s.data(), program_.hw.task_asleep[std::size_t(p.task)]) != 0) continue;  // never woken
    return false;
  }
  return true;
}

void ModelSystem::initial(checker::StateRef out) const {
  std::copy(program_.initial.begin(), program_.initial.end(), out.begin());
}

std::unique_ptr<checker::Scratch> ModelSystem::make_scratch() const {
  auto scratch = std::make_unique<Scratch>(*this, program_.words);
  if (renaming_->any()) scratch->renaming = renaming_->make_buffers();
  return scratch;
}

void ModelSystem::canonicalize(checker::StateRef s, checker::Scratch& scratch, std::vector<std::uint32_t>* renaming) const {
  CpuRenaming::Buffers& b = static_cast<Scratch&>(scratch).renaming;
  renaming_->canonicalize(s.data(), b);
  if (renaming) renaming->assign(b.sigma.begin(), b.sigma.end());
}

void ModelSystem::canonicalize_successor(checker::StateRef s, checker::ConstStateRef parent, checker::Scratch& scratch) const {
  if (renaming_->keeps_form(parent.data(), s.data())) return;
  CpuRenaming::Buffers& b = static_cast<Scratch&>(scratch).renaming;
  renaming_->canonicalize_successor(parent.data(), s.data(), b);
}

void ModelSystem::rename(checker::ConstStateRef s, std::span<const std::uint32_t> renaming, checker::StateRef out) const {
  std::vector<int> sigma(renaming.begin(), renaming.end());
  sigma.resize(renaming_->objects());
  for (std::size_t c = renaming.size(); c < sigma.size(); ++c) sigma[c] = int(c);
  renaming_->rename(s.data(), sigma.data(), out.data());
}

// The first CPU whose loaded root is a freed table (freed-root), or -1.
int ModelSystem::cpu_with_freed_root(const checker::Word* s) const {
  for (int c = 0; c < module_.cpus; ++c) {
    std::int64_t root = machine_.loaded_root(s, c);
    if (root >= 0 && properties::root_was_freed(root, machine::frame_state(machine_.frame_kind(s, root)))) return c;
  }
  return -1;
}

}  // namespace tlbcheck::model
