// The groups' read and write sets for partial-order reduction
// (checker/system.hpp: PorInfo; checker/por.hpp uses them), derived once
// from the compiled program, before any state exists:
// - a process's group (an instance at a location) covers every instruction
//   its step can run from there, through branches, `either` and the
//   page-fault hook, up to where the step ends: the slots it loads and
//   stores (a run-time index or reference: its whole variable), what the
//   machine's built-ins and accesses it calls touch (machine/footprint.cpp),
//   the scheduler's instructions (Runnable reads a task's location and
//   sleep, Switch writes the CPU's current task, Resume the resume slot),
//   and what decides whether it runs: its program counter, its CPU's
//   interrupt depth and current task. A step that ends writes the program
//   counter and the dead slots the reset puts back (lower/liveness.cpp);
//   every step may record a violation (the transient violation slot).
// - the hardware's groups: an interrupt delivery (the CPU's interrupt flag,
//   depth, pending IPIs or firings left, the IPI's arguments, and the
//   handler instances' program counters and parameters it starts), a
//   preemption (what preemptible() reads, the task's location, its resume
//   slot, and the first step of its preemption stub, the protocol's
//   context-switch hook included), a speculative walk, a cache line's
//   write-back or eviction.
// - visible: the slots check() and expand() read besides the violation slot:
//   those invariants and constraints read (their code, as above), and for
//   freed-root and asid-alias, which judge the machine's state, all of it.
#include <algorithm>

#include "model/runtime/model_system.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

namespace {

void normalize(std::vector<std::uint32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

// The slots a LoadDyn, StoreDyn or BitRmw at `ip` may reach: from its
// operand as far as its offset goes (Program::dynamic_extent), else every
// slot of its operand's variable.
void ModelSystem::dynamic_slots(std::uint32_t ip, std::vector<std::uint32_t>& out) const {
  const auto slot = std::uint32_t(program_.code[ip].a);
  if (auto e = program_.dynamic_extent.find(ip); e != program_.dynamic_extent.end()) {
    for (std::uint32_t s = slot; s < slot + e->second && s < program_.slots.size(); ++s) out.push_back(s);
    return;
  }
  const std::uint32_t v = program_.slots[slot].variable;
  for (std::uint32_t s = v; s < program_.slots.size() && program_.slots[s].variable == v; ++s) out.push_back(s);
}

// What the code from `entry` reads and writes until it ends (a step of
// process `pid`, or with pid -1 an invariant's or constraint's evaluation).
// `reset`: the slots the instance's step ends may put back (dead variables).
void ModelSystem::code_footprint(std::int64_t pid, std::uint32_t entry, const std::vector<std::uint32_t>& reset, std::vector<std::uint32_t>& reads,
                                 std::vector<std::uint32_t>& writes) const {
  const ProcessInstance* proc = pid >= 0 ? &program_.processes[std::size_t(pid)] : nullptr;
  const int cpu = proc ? proc->cpu : -1;
  auto ends = [&] {
    if (!proc) return;
    writes.push_back(proc->pc_slot);
    writes.insert(writes.end(), reset.begin(), reset.end());
  };
  std::vector<bool> seen(program_.code.size(), false);
  std::vector<std::uint32_t> work{entry};
  while (!work.empty()) {
    const std::uint32_t ip = work.back();
    work.pop_back();
    if (ip >= program_.code.size() || seen[ip]) continue;
    seen[ip] = true;
    const Instr& in = program_.code[ip];
    switch (in.op) {
      case Op::Load: reads.push_back(std::uint32_t(in.a)); break;
      case Op::LoadDyn: dynamic_slots(ip, reads); break;
      case Op::Store: writes.push_back(std::uint32_t(in.a)); break;
      case Op::StoreDyn: case Op::BitRmw: dynamic_slots(ip, writes); break;
      case Op::Hw: machine_.builtin_footprint(Builtin(in.a), cpu, reads, writes); break;
      case Op::Access:
        machine_.access_footprint(cpu, reads, writes);
        if (proc && proc->task >= 0) reads.push_back(program_.hw.task_mm[std::size_t(proc->task)]);
        break;
      case Op::Runnable: {
        const std::size_t t = std::size_t(in.a);
        reads.push_back(program_.processes[program_.task_process[t]].pc_slot);
        reads.push_back(program_.hw.task_asleep[t]);
        break;
      }
      case Op::Switch:
        if (cpu >= 0) writes.push_back(program_.hw.current[std::size_t(cpu)]);
        break;
      case Op::Resume:
        if (!proc) break;
        writes.push_back(program_.hw.task_resume[std::size_t(proc->task)]);
        ends();
        break;
      case Op::IrqReturn:
        if (!proc) break;
        writes.push_back(program_.hw.irq_depth[std::size_t(cpu)]);
        writes.push_back(program_.hw.irqs_on[std::size_t(cpu)]);
        ends();
        break;
      case Op::Yield: case Op::Halt: case Op::Exit: ends(); break;
      default: break;
    }
    for_each_next(program_.code, ip, 0, [&](std::uint32_t next, int, bool) { work.push_back(next); });
  }
  if (proc) writes.push_back(program_.violation_slot);
}

void ModelSystem::build_por() const {
  checker::PorInfo& info = por_;
  const std::size_t n = groups_.size();
  info.reads.assign(n, {});
  info.writes.assign(n, {});
  const bool hw = program_.has_machine;
  // per instance, the slots its step ends may put back (at any location)
  std::vector<std::vector<std::uint32_t>> reset(program_.processes.size());
  {
    std::vector<std::vector<std::uint32_t>> in_word(program_.words);
    for (std::uint32_t s = 0; s < program_.access.size(); ++s) {
      if (program_.access[s].mask != 0) in_word[program_.access[s].word].push_back(s);
    }
    for (std::size_t pid = 0; pid < program_.processes.size(); ++pid) {
      const std::vector<std::uint32_t>& at = program_.processes[pid].reset_at;
      for (std::uint32_t k = at.empty() ? 0 : at.front(); !at.empty() && k < at.back(); ++k) {
        const WordReset& r = program_.resets[k];
        for (std::uint32_t s : in_word[r.word]) {
          if ((program_.access[s].mask & ~r.keep) != 0) reset[pid].push_back(s);
        }
      }
      normalize(reset[pid]);
    }
  }
  // what decides whether instance p runs at all (runnable())
  auto runs = [&](const ProcessInstance& p, std::vector<std::uint32_t>& reads) {
    reads.push_back(p.pc_slot);
    if (!hw) return;
    reads.push_back(program_.hw.irq_depth[std::size_t(p.cpu)]);
    if (p.task >= 0) reads.push_back(program_.hw.current[std::size_t(p.cpu)]);
  };
  for (std::uint32_t g = 0; g < first_hw_group_; ++g) {
    const std::uint32_t pid = group_process_[g];
    const ProcessInstance& p = program_.processes[pid];
    runs(p, info.reads[g]);
    code_footprint(pid, p.locations[g - p.first_group + 1], reset[pid], info.reads[g], info.writes[g]);
  }
  for (std::uint32_t k = 0; k < hw_groups_.size(); ++k) {
    const HwGroup& hg = hw_groups_[k];
    std::vector<std::uint32_t>& reads = info.reads[first_hw_group_ + k];
    std::vector<std::uint32_t>& writes = info.writes[first_hw_group_ + k];
    switch (hg.kind) {
      case HwGroup::Deliver: {
        const auto c = std::size_t(hg.cpu);
        reads.push_back(program_.hw.irqs_on[c]);
        reads.push_back(program_.hw.irq_depth[c]);
        writes.push_back(program_.hw.irqs_on[c]);
        writes.push_back(program_.hw.irq_depth[c]);
        if (std::int64_t fires = machine_.fires_slot(hg.index); fires >= 0) writes.push_back(std::uint32_t(fires));
        else writes.push_back(program_.hw.ipi_pending[c]);
        for (std::uint32_t s : program_.hw.ipi_args[c * program_.irq_names.size() + std::size_t(hg.index)]) reads.push_back(s);
        for (const ProcessInstance& p : program_.processes) {
          if (!p.handler || p.cpu != hg.cpu || p.irq != hg.index) continue;
          writes.push_back(p.pc_slot);
          writes.insert(writes.end(), p.param_slots.begin(), p.param_slots.end());
        }
        break;
      }
      case HwGroup::Preempt: {
        const auto c = std::size_t(hg.cpu);
        const std::uint32_t pid = program_.task_process[std::size_t(hg.index)];
        const ProcessInstance& p = program_.processes[pid];
        for (const auto* slots : {&program_.hw.current, &program_.hw.irq_depth, &program_.hw.irqs_on, &program_.hw.preempt_count}) reads.push_back((*slots)[c]);
        reads.push_back(p.pc_slot);
        writes.push_back(program_.hw.task_resume[std::size_t(hg.index)]);
        code_footprint(pid, p.preempt_entry, reset[pid], reads, writes);
        break;
      }
      case HwGroup::Writeback: case HwGroup::Evict: {
        const machine::Machine::LineKey line = machine_.line_key(hg.index);
        writes.push_back(machine_.line_slot(line.colour, line.frame, line.word));
        writes.push_back(machine_.value_slot(line.frame, line.word));
        break;
      }
      case HwGroup::Speculate: machine_.speculate_footprint(hg.cpu, reads, writes); break;
    }
    if (hg.kind != HwGroup::Writeback && hg.kind != HwGroup::Evict) writes.push_back(program_.violation_slot);
  }
  for (std::size_t g = 0; g < n; ++g) {
    info.reads[g].insert(info.reads[g].end(), info.writes[g].begin(), info.writes[g].end());
    normalize(info.reads[g]);
    normalize(info.writes[g]);
  }
  info.transient = {program_.violation_slot};
  // what check() and expand() read
  std::vector<std::uint32_t> unused;
  for (std::uint32_t i = 0; i < program_.invariant_entry.size(); ++i) {
    if (enabled_[properties::kFirstInvariant + i]) code_footprint(-1, program_.invariant_entry[i], {}, info.visible, unused);
  }
  for (std::uint32_t entry : program_.constraint_entry) code_footprint(-1, entry, {}, info.visible, unused);
  using BP = properties::BuiltinProperty;
  if (hw && (enabled_[std::size_t(BP::FreedRoot)] || enabled_[std::size_t(BP::AsidAlias)])) machine_.all_slots(info.visible);
  info.visible.insert(info.visible.end(), unused.begin(), unused.end());
  normalize(info.visible);
  std::erase(info.visible, program_.violation_slot);
}

void ModelSystem::enabling_slots(checker::ConstStateRef s, checker::GroupId group, std::vector<std::uint32_t>& out) const {
  const std::vector<std::uint32_t>& reads = por_info()->reads[group.v];
  const bool hw = program_.has_machine;
  if (group.v < first_hw_group_) {
    // an instance runs the group of its location when runnable()
    const ProcessInstance& p = program_.processes[group_process_[group.v]];
    if (read(p.pc_slot, s.data()) != std::int64_t(group.v - p.first_group + 1)) {
      out.push_back(p.pc_slot);
      return;
    }
    if (hw) {
      const int depth = machine_.depth(s.data(), p.cpu);
      if (p.handler ? depth != p.level : depth != 0) {
        out.push_back(program_.hw.irq_depth[std::size_t(p.cpu)]);
        return;
      }
      if (p.task >= 0 && machine_.get(s.data(), program_.hw.current[std::size_t(p.cpu)]) != p.task) {
        out.push_back(program_.hw.current[std::size_t(p.cpu)]);
        return;
      }
    }
    out.insert(out.end(), reads.begin(), reads.end());  // an await: whatever the step reads
    return;
  }
  const HwGroup& hg = hw_groups_[group.v - first_hw_group_];
  const auto c = std::size_t(hg.cpu);
  if (hg.kind == HwGroup::Deliver) {  // can_take_interrupt()
    if (!machine_.irqs_on(s.data(), hg.cpu)) out.push_back(program_.hw.irqs_on[c]);
    else if (machine_.depth(s.data(), hg.cpu) >= program_.machine.irq_nesting) out.push_back(program_.hw.irq_depth[c]);
    else if (std::int64_t fires = machine_.fires_slot(hg.index); fires >= 0) out.push_back(std::uint32_t(fires));
    else out.push_back(program_.hw.ipi_pending[c]);
    return;
  }
  if (hg.kind == HwGroup::Preempt) {  // preemptible(), then the task's location
    for (const auto* slots : {&program_.hw.current, &program_.hw.irq_depth, &program_.hw.irqs_on, &program_.hw.preempt_count}) {
      const std::uint32_t slot = (*slots)[c];
      const std::int64_t v = machine_.get(s.data(), slot);
      const bool fails = slots == &program_.hw.current ? v != hg.index : slots == &program_.hw.irqs_on ? v == 0 : v != 0;
      if (fails) {
        out.push_back(slot);
        return;
      }
    }
  }
  if (hg.kind == HwGroup::Writeback || hg.kind == HwGroup::Evict) {  // a dirty line, a line at all
    const machine::Machine::LineKey line = machine_.line_key(hg.index);
    out.push_back(machine_.line_slot(line.colour, line.frame, line.word));
    return;
  }
  out.insert(out.end(), reads.begin(), reads.end());
}

}  // namespace tlbcheck::model
