// Process, task and handler instances: their bodies, the scheduler's switch
// code with the protocol's context-switch hook, preemption stubs, and the
// locations a step can start at.
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

void Lowering::lower_process(std::uint32_t index, int cpu) {
  const ProcessInfo& info = analyzed_.processes[index];
  Program& p = out_.program;
  ProcessInstance inst;
  inst.name = std::string(info.body.decl->name) + (info.cpus.size() > 1 ? "@cpu" + std::to_string(cpu) : "");
  inst.cpu = cpu;
  if (info.task) {
    std::size_t k = std::size_t(std::find(info.cpus.begin(), info.cpus.end(), cpu) - info.cpus.begin());
    inst.task = info.first_task_id + int(k);
    p.task_process[std::size_t(inst.task)] = std::uint32_t(p.processes.size());
  }
  Frame f = add_instance(std::move(inst), info.body, cpu);
  std::uint32_t pid = f.process;
  finish_instance(pid, f, info.body.decl, info.task ? Op::Exit : Op::Halt, 1);
  if (info.task && analyzed_.machine.preemption) lower_preempt_stub(pid, f);
}

std::vector<int> Lowering::candidates(int cpu, int self) const {
  std::vector<int> out;
  for (int t = 0; t < analyzed_.tasks; ++t) {
    if (t != self && analyzed_.task_cpu[std::size_t(t)] == cpu) out.push_back(t);
  }
  return out;
}

void Lowering::emit_switch(Frame& f, bool none_too, Op after) {
  Program& p = out_.program;
  int self = p.processes[f.process].task;
  std::vector<int> cand = candidates(f.cpu, self);
  std::size_t mark_from = here();
  std::uint32_t next_slot = alloc_slot(f.prefix + "next", "task", f.cpu, -1, analyzed_.tasks - 1, TypeKind::Task);
  initial_values_.push_back({next_slot, -1});
  make_private(next_slot, 1, f.process);  // the task switched to: read only within the switch's step
  if (cand.empty()) {  // nothing else runs on this CPU: no switch at all
    if (after != Op::Jmp) emit_end(after);
    return;
  }
  std::size_t alts = cand.size() + (none_too ? 1 : 0);
  emit(Op::Fork, std::int32_t(alts));
  std::vector<std::uint32_t> jumps;
  for (std::size_t k = 0; k < alts; ++k) jumps.push_back(emit(Op::Jmp));
  std::vector<std::uint32_t> to_common, to_done;
  for (std::size_t k = 0; k < cand.size(); ++k) {
    patch(jumps[k], here());
    emit(Op::Runnable, cand[k]);
    emit(Op::Await);
    emit(Op::Push, cand[k]);
    emit(Op::Store, std::int32_t(next_slot), std::int32_t(runtime_site(SiteKind::Range, f, next_slot)));
    to_common.push_back(emit(Op::Jmp));
  }
  if (none_too) {  // nothing else is runnable: go on
    patch(jumps.back(), here());
    for (int t : cand) {
      emit(Op::Runnable, t);
      emit(Op::Not);
      emit(Op::Await);
    }
    to_done.push_back(emit(Op::Jmp));
  }
  for (std::uint32_t j : to_common) patch(j, here());
  if (analyzed_.context_switch_hook >= 0) inline_switch_hook(f, self, next_slot);
  emit(Op::Load, std::int32_t(next_slot));
  emit(Op::Switch);
  if (after == Op::Jmp) emit(Op::Yield, std::int32_t(here() + 1));
  else emit_end(after);
  for (std::uint32_t j : to_done) patch(j, here());
  p.no_preempt.resize(code().size(), false);
  for (std::size_t i = mark_from; i < here(); ++i) p.no_preempt[i] = true;
}

void Lowering::inline_switch_hook(Frame& caller, int self, std::uint32_t next_slot) {
  const BodyInfo& callee = analyzed_.functions[std::size_t(analyzed_.context_switch_hook)];
  if (in_switch_hook_) {
    diags_.error(DiagKind::Recursion, module_.file, {cur_src_, 1}, "the context-switch hook calls schedule()");
    return;
  }
  InlineScope scope(*this, "context_switch", cur_src_);
  if (!scope.ok) return;
  in_switch_hook_ = true;
  Frame f = inlined_frame(callee, caller, "context_switch");
  f.locals[0] = Binding{true, self, 0};
  if (!callee.locals[1].assigned) {
    f.locals[1] = Binding{false, 0, next_slot};
  } else {
    std::uint32_t slot = local_slot(f, 1);
    emit(Op::Load, std::int32_t(next_slot));
    emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
  }
  std::uint32_t saved_ctx = cur_ctx_;
  cur_ctx_ = context("context_switch");
  std::uint32_t saved_src = cur_src_;
  lower_stmt(callee.decl->body, f);
  for (std::uint32_t j : f.return_jumps) patch(j, here());
  cur_ctx_ = saved_ctx;
  cur_src_ = saved_src;
  in_switch_hook_ = false;
}

void Lowering::lower_preempt_stub(std::uint32_t pid, Frame& f) {
  Program& p = out_.program;
  std::uint32_t begin = here();
  p.processes[pid].preempt_entry = begin;
  cur_src_ = p.processes[pid].locations.size() > 1 ? p.code[p.processes[pid].locations[1]].src : cur_src_;
  emit_switch(f, false, Op::Resume);
  std::uint32_t end = here();
  p.no_preempt.resize(code().size(), false);
  for (std::uint32_t i = begin; i < end; ++i) p.no_preempt[i] = true;
  // the stub's step boundaries get locations of this task
  ProcessInstance& pi = p.processes[pid];
  if (p.location_of.size() < end) p.location_of.resize(end, -1);
  for (std::uint32_t i = begin; i < end; ++i) {
    if (p.code[i].op != Op::Yield) continue;
    std::uint32_t t = std::uint32_t(p.code[i].a);
    if (p.location_of[t] < 0) {
      p.location_of[t] = std::int32_t(pi.locations.size());
      pi.locations.push_back(t);
    }
    p.code[i].b = p.location_of[t];
  }
  // the pc slot must cover the new locations
  ModelSlot& pc = p.slots[pi.pc_slot];
  pc.hi = std::int64_t(pi.locations.size()) - 1;
  pc.pub.width = bits_for(std::uint64_t(pc.hi) + 1);
  p.hw.task_resume[std::size_t(pi.task)] = alloc_slot(pi.name + ".resume", "location", pi.cpu, 0, std::int64_t(pi.locations.size()) - 1, TypeKind::Int);
  p.slots[p.hw.task_resume[std::size_t(pi.task)]].pub.internal = true;
}

Frame Lowering::inlined_frame(const BodyInfo& callee, const Frame& caller, const std::string& name) {
  Frame f;
  f.body = &callee;
  f.locals.resize(callee.locals.size());
  f.prefix = caller.prefix + name + ".";
  f.cpu = caller.cpu;
  f.process = caller.process;
  return f;
}

Frame Lowering::add_instance(ProcessInstance inst, const BodyInfo& body, int cpu) {
  inst.entry = here();
  Frame f;
  f.body = &body;
  f.locals.resize(body.locals.size());
  f.prefix = inst.name + ".";
  f.cpu = cpu;
  f.process = static_cast<std::uint32_t>(out_.program.processes.size());
  out_.program.processes.push_back(std::move(inst));
  instance_decl_.push_back(body.decl);
  return f;
}

void Lowering::finish_instance(std::uint32_t pid, Frame& f, const Decl* decl, Op terminator, std::int64_t initial_pc) {
  Program& p = out_.program;
  back_edges_.clear();
  inline_counts_.clear();
  std::uint32_t begin = here();
  cur_src_ = decl->loc.offset;
  p.processes[pid].runaway_site = runtime_site(SiteKind::Runaway, f);
  statements_ = 0;
  instance_name_ = p.processes[pid].name;
  lower_stmt(decl->body, f);
  if (gave_up_) return;
  cur_src_ = decl->loc.offset;
  if (terminator == Op::Exit) {
    // The task ends. If other tasks share its CPU it lingers as a zombie:
    // still current, done for termination, until one of them can run;
    // then the context switch hands the CPU over and the task is gone.
    std::uint32_t zombie = here();
    if (!candidates(f.cpu, p.processes[pid].task).empty()) {
      emit(Op::Yield, std::int32_t(zombie + 1));
      generated_ = true;  // no unreachable-statement warnings for the generated exit path
      emit_switch(f, false, Op::Exit);
      generated_ = false;
      p.processes[pid].zombie_entry = zombie + 1;
    } else {
      emit_end(Op::Exit);
    }
  } else {
    emit_end(terminator);
  }
  std::uint32_t end = here();
  close_yield_free_cycles(begin, end);
  warn_unreachable(begin, end, p.processes[pid].entry);
  ProcessInstance& pi = p.processes[pid];
  if (p.location_of.size() < end) p.location_of.resize(end, -1);
  pi.locations.push_back(0);  // location 0: ended (or, for a handler, idle)
  auto add_location = [&](std::uint32_t instr) {
    if (p.location_of[instr] < 0) {
      p.location_of[instr] = static_cast<std::int32_t>(pi.locations.size());
      pi.locations.push_back(instr);
    }
    return static_cast<std::uint32_t>(p.location_of[instr]);
  };
  // A step may start at a jump (a loop's back edge, the end of a branch)
  // or at a yield that only moves on: start it where the work is instead,
  // so one program point never gets two locations.
  auto resolve = [&](std::uint32_t target) {
    std::uint32_t t = target;
    for (std::uint32_t hops = 0; hops < end - begin; ++hops) {
      const Instr& in = p.code[t];
      if (in.op != Op::Jmp && in.op != Op::Yield) return t;
      t = static_cast<std::uint32_t>(in.a);
      if (t == target) return target;  // an empty loop: keep it as it is
    }
    return target;
  };
  pi.entry = resolve(pi.entry);
  add_location(pi.entry);
  for (std::uint32_t i = begin; i < end; ++i) {
    if (p.code[i].op == Op::Yield) {
      std::uint32_t t = resolve(static_cast<std::uint32_t>(p.code[i].a));
      if (p.code[t].op == terminator) {  // the last step ends the instance itself
        p.code[i].op = terminator;
        continue;
      }
      p.code[i].a = static_cast<std::int32_t>(t);
      p.code[i].b = static_cast<std::int32_t>(add_location(t));
    }
  }
  if (pi.zombie_entry != 0) pi.zombie_location = p.location_of[pi.zombie_entry];
  pi.pc_slot = alloc_slot(pi.name + ".pc", "location", pi.cpu, 0, std::int64_t(pi.locations.size()) - 1, TypeKind::Int);
  p.slots[pi.pc_slot].pub.internal = true;
  initial_values_.push_back({pi.pc_slot, initial_pc});
}

void Lowering::lower_handler(std::uint32_t h, int cpu, int level) {
  const IrqInfo& irq = analyzed_.irqs[h];
  Program& p = out_.program;
  ProcessInstance inst;
  inst.name = std::string(irq.body.decl->name) + "@cpu" + std::to_string(cpu) + (analyzed_.machine.irq_nesting > 1 ? "#" + std::to_string(level) : "");
  inst.cpu = cpu;
  inst.handler = true;
  inst.level = level;
  inst.irq = int(h);
  Frame f = add_instance(std::move(inst), irq.body, cpu);
  std::uint32_t pid = f.process;
  for (std::uint32_t i = 0; i < irq.body.params; ++i) p.processes[pid].param_slots.push_back(local_slot(f, i));
  finish_instance(pid, f, irq.body.decl, Op::IrqReturn, 0);
}

}  // namespace tlbcheck::model::lowering
