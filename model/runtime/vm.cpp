// The step interpreter: runs one process's step on a copy of the state,
// and evaluates invariants and explanation snippets, with one dispatch each
// over the op table (evaluating instructions: runtime/expression.hpp).
// Hot path: no allocation, no exceptions; the only recursion is at `either`
// (one level per nested fork, bounded by kMaxForkDepth).
#include "model/runtime/model_system.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>

#include "model/runtime/expression.hpp"
#include "model/runtime/scratch.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

std::int64_t ModelSystem::read(std::uint32_t slot, const checker::Word* s) const { return program_.access[slot].get(s); }

void ModelSystem::write(std::uint32_t slot, checker::Word* s, std::int64_t v) const { program_.access[slot].set(s, v); }

void ModelSystem::run_process(std::uint32_t p, checker::ConstStateRef s, Scratch& w, checker::EmitFn emit) const {
  const ProcessInstance& proc = program_.processes[p];
  std::int64_t loc = read(proc.pc_slot, s.data());
  if (loc == 0) return;  // ended
  checker::Word* st = w.buffer(0);
  checker::copy_state(st, s.data(), s.size());
  w.emit = &emit;
  w.group = checker::GroupId{proc.first_group + std::uint32_t(loc) - 1};
  w.process = p;
  w.budget = kStepBudget;
  start(proc.locations[std::size_t(loc)], st, w);
}

// A step from `ip` (w.process, w.group, w.emit and w.budget set): compiled
// when native code is loaded, interpreted otherwise.
void ModelSystem::start(std::uint32_t ip, checker::Word* st, Scratch& w) const {
  if (!native_ || w.trail != nullptr) {  // (a re-run that records its calls: interpreted)
    exec(ip, st, 0, w);
    return;
  }
  native_->step(w.process)(&w.env, ip, st, 0);
}

void ModelSystem::native_end(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st) {
  auto& w = *static_cast<Scratch*>(env->scratch);
  w.end_ip = ip;
  (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
}

void ModelSystem::native_violate(const NativeEnv* env, std::uint32_t ip, std::int32_t site, std::int64_t value, std::uint64_t* st) {
  static_cast<const ModelSystem*>(env->system)->emit_violation(*static_cast<Scratch*>(env->scratch), ip, site, value, st);
}

// The step ends at instruction ip with a violation of `site` (value: the
// offending value, for the explanation): recorded in the state, emitted.
void ModelSystem::emit_violation(Scratch& w, std::uint32_t ip, std::int32_t site, std::int64_t value, checker::Word* st) const {
  w.diag_value = value;
  w.end_ip = ip;
  write(program_.violation_slot, st, site);
  (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
}

void ModelSystem::native_resume(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st, int depth, const std::int64_t* stack, int sp) {
  const auto& self = *static_cast<const ModelSystem*>(env->system);
  auto& w = *static_cast<Scratch*>(env->scratch);
  std::copy(stack, stack + sp, w.stack.begin());
  self.exec(ip, st, depth, w, sp);
}

bool ModelSystem::use_native(std::string& error) {
  native_ = NativeCode::build(program_, module_.cpus, error);
  return native_ != nullptr;
}

// Executes from `ip` until the step ends; emits the successor (if any).
void ModelSystem::exec(std::uint32_t ip, checker::Word* st, int depth, Scratch& w, int sp) const {
  if (w.trail != nullptr) exec_steps<true>(ip, st, depth, w, sp);
  else exec_steps<false>(ip, st, depth, w, sp);
}

template <bool kTrail>
void ModelSystem::exec_steps(std::uint32_t ip, checker::Word* st, int depth, Scratch& w, int sp) const {
  std::int64_t* stack = w.stack.data();
  const Instr* code = program_.code.data();
  const ProcessInstance& proc = program_.processes[w.process];
  const std::int64_t cpus = module_.cpus;
  auto violate = [&](std::int32_t site, std::int64_t value) { emit_violation(w, ip, site, value, st); };
  for (;;) {
    // bytecode/stack_check.hpp bounds the stack of every step at compile time
    assert(sp >= 0 && std::uint32_t(sp) <= kMaxStack && "the stack check missed a path");
    if (--w.budget == 0) {
      violate(std::int32_t(proc.runaway_site), 0);
      return;
    }
    const Instr& in = code[ip];
    if constexpr (kTrail) {
      const Ran ran{in.ctx, in.src, -1, ip};
      if (w.trail->empty() || w.trail->back() != ran) w.trail->push_back(ran);
    }
    std::int32_t failed_site = 0;
    std::int64_t failed_value = 0;
    auto read_slot = [&](std::uint32_t slot) { return read(slot, st); };
    switch (in.op) {
#define TLBCHECK_EVALUATE(name)                                                                          \
  case Op::name:                                                                                         \
    if (!expression_op<Op::name>(in, stack, sp, ip, cpus, read_slot, failed_site, failed_value)) {       \
      violate(failed_site, failed_value);                                                                \
      return;                                                                                            \
    }                                                                                                    \
    continue;
      TLBCHECK_EVALUATING_OPS(TLBCHECK_EVALUATE)
#undef TLBCHECK_EVALUATE
      case Op::Store:
      case Op::StoreDyn: {
        std::int64_t v = stack[--sp];
        std::uint32_t slot = std::uint32_t(in.a);
        if (in.op == Op::StoreDyn) slot += std::uint32_t(stack[--sp]);
        const ModelSlot& m = program_.slots[slot];
        if (v < m.lo || v > m.hi) {
          violate(in.b, v);
          return;
        }
        write(slot, st, v);
        ++ip;
        break;
      }
      case Op::BitRmw: {
        std::int64_t c = stack[--sp];
        std::uint32_t slot = std::uint32_t(in.a + stack[--sp]);
        if (c < 0 || c >= cpus) {
          violate(in.c, c);
          return;
        }
        std::int64_t old = read(slot, st);
        write(slot, st, in.b != 0 ? (old | (std::int64_t(1) << c)) : (old & ~(std::int64_t(1) << c)));
        stack[sp++] = (old >> c) & 1;
        ++ip;
        break;
      }
      case Op::Fork: {
        if (depth >= kMaxForkDepth) {
          violate(std::int32_t(proc.runaway_site), 0);
          return;
        }
        // alternatives 1..n-1 on copies, the last one in place
        const std::size_t trail_at = kTrail ? w.trail->size() : 0;
        for (std::int32_t k = 1; k < in.a; ++k) {
          checker::Word* copy = w.buffer(depth + 1);
          std::memcpy(copy, st, std::size_t(w.words) * sizeof(checker::Word));
          exec(std::uint32_t(code[ip + std::uint32_t(k)].a), copy, depth + 1, w);
          if (w.budget == 0) return;
          if constexpr (kTrail) w.trail->resize(trail_at);
        }
        ip = std::uint32_t(code[ip + std::uint32_t(in.a)].a);
        break;
      }
      case Op::Await:
        if (stack[--sp] == 0) return;  // not enabled
        ++ip;
        break;
      case Op::Check:
        if (stack[--sp] == 0) {
          violate(in.a, 0);
          return;
        }
        ++ip;
        break;
      case Op::Fail:
        violate(in.a, 0);
        return;
      case Op::Yield:
        w.end_ip = ip;
        write(proc.pc_slot, st, in.b);
        program_.reset_dead(w.process, in.b, st);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Halt:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
        program_.reset_dead(w.process, 0, st);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::IrqReturn:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
        program_.reset_dead(w.process, 0, st);
        machine_.set(st, program_.hw.irq_depth[std::size_t(proc.cpu)], machine_.depth(st, proc.cpu) - 1);
        machine_.set(st, program_.hw.irqs_on[std::size_t(proc.cpu)], 1);  // iret restores IF
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Runnable: {
        std::size_t t = std::size_t(in.a);
        const ProcessInstance& other = program_.processes[program_.task_process[t]];
        std::int64_t loc = read(other.pc_slot, st);
        bool ok = machine_.get(st, program_.hw.task_asleep[t]) == 0 && loc != 0 && loc != other.zombie_location;
        stack[sp++] = ok ? 1 : 0;
        ++ip;
        break;
      }
      case Op::Switch:
        machine_.set(st, program_.hw.current[std::size_t(proc.cpu)], stack[--sp]);
        ++ip;
        break;
      case Op::Resume: {
        w.end_ip = ip;
        std::uint32_t slot = program_.hw.task_resume[std::size_t(proc.task)];
        const std::int64_t resumed = read(slot, st);
        write(proc.pc_slot, st, resumed);
        write(slot, st, 0);
        program_.reset_dead(w.process, resumed, st);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      }
      case Op::Exit:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
        program_.reset_dead(w.process, 0, st);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Access: {
        const AccessKind access = AccessKind(in.a);
        const bool writes = access == AccessKind::Store || access == AccessKind::StoreWord;
        const bool by_word = access == AccessKind::LoadWord || access == AccessKind::StoreWord;
        std::int64_t value = writes ? stack[--sp] : 0;
        std::int64_t word = by_word ? stack[--sp] : 0;
        std::int64_t page = stack[--sp];
        int kind = writes ? 2 : access == AccessKind::Touch ? 0 : 1;  // machine_.access: 0 touch, 1 read, 2 write
        if (word < 0 || word >= program_.machine.words) {
          machine::Effect bad;
          bad.kind = machine::Effect::Violation;
          bad.runtime = "word " + std::to_string(word) + " is outside the page (words = " + std::to_string(program_.machine.words) + ")";
          w.diag_effect = bad;
          violate(in.b + 1, word);
          return;
        }
        bool check = enabled_[std::size_t(properties::BuiltinProperty::StaleTranslation)];
        std::int64_t space = proc.task >= 0 ? machine_.get(st, program_.hw.task_mm[std::size_t(proc.task)]) : -2;
        bool check_cache = enabled_[std::size_t(properties::BuiltinProperty::StaleCache)];
        machine::Effect e = machine_.access(st, proc.cpu, page, kind, value, check, space >= 0 ? space : -2, check_cache, int(word), access_claims_);
        if (e.kind == machine::Effect::Fault) {
          if (in.c < 0) {  // no page-fault handler
            w.diag_page = page;
            violate(in.b + 3, page);
            return;
          }
          ip = std::uint32_t(in.c);
          break;
        }
        if (e.kind == machine::Effect::Violation) {
          w.diag_effect = e;
          w.diag_page = page;
          // b + 1, b + 2: the access's runtime-error and stale-cache sites;
          // then those of the kernel's claims (Program::access_claim_site)
          violate(!e.runtime.empty()      ? in.b + 1
                  : e.stale_read          ? in.b + 2
                  : e.stale_permission    ? in.b + program_.access_claim_site(SiteKind::StalePermission)
                  : e.lost_write          ? in.b + program_.access_claim_site(SiteKind::LostWrite)
                  : e.dirty_dropped       ? in.b + program_.access_claim_site(SiteKind::DirtyDropped)
                                          : in.b,
                  value);
          return;
        }
        if (kind == 1) stack[sp++] = e.value;
        ++ip;
        break;
      }
      case Op::Hw: {
        if constexpr (kTrail) w.trail->push_back(Ran{in.ctx, in.src, in.a, ip});
        const StackEffect effect = stack_effect(in);
        sp -= effect.pops;
        machine::BuiltinCall call;
        call.state = st;
        call.cpu = proc.cpu;
        call.args = stack + sp;
        call.extra = in.extra;
        call.mask_target = Builtin(in.a) == Builtin::SendIpi && in.c == 1;
        call.check_stale_cache = enabled_[std::size_t(properties::BuiltinProperty::StaleCache)];
        call.check_walker = enabled_[std::size_t(properties::BuiltinProperty::SwUseAfterFree)];
        call.check_bbm = enabled_[std::size_t(properties::BuiltinProperty::BreakBeforeMake)];
        call.mark_copies = enabled_[std::size_t(properties::BuiltinProperty::LostWrite)];
        call.mark_writebacks = call.mark_copies || enabled_[std::size_t(properties::BuiltinProperty::DirtyDropped)];
        call.track_narrowing = enabled_[std::size_t(properties::BuiltinProperty::StalePermission)];
        call.process = int(w.process);
        call.in_sync = program_.in_sync[ip];
        if (!machine_.call(Builtin(in.a), call)) {
          w.diag_effect = std::move(call.effect);
          w.diag_value = call.offending;
          violate(w.diag_effect.judged_by_other_property() ? in.c : in.b, w.diag_value);
          return;
        }
        if (effect.pushes != 0) stack[sp++] = call.result;
        ++ip;
        break;
      }
      case Op::Return:
        return;  // not reached in a step
      default:
        assert(false && "every instruction is handled");
        return;
    }
  }
}

// Evaluates side-effect-free code (an invariant or an explanation snippet).
// Returns nothing when the evaluation itself fails (an index out of range...).
std::optional<std::int64_t> ModelSystem::eval(std::uint32_t ip, const checker::Word* st) const {
  std::array<std::int64_t, kMaxStack + 8> stack;
  int sp = 0;
  const Instr* code = program_.code.data();
  const std::int64_t cpus = module_.cpus;
  for (std::uint32_t steps = 0; steps < kStepBudget; ++steps) {
    const Instr& in = code[ip];
    std::int32_t site = 0;
    std::int64_t value = 0;
    auto read_slot = [&](std::uint32_t slot) { return read(slot, st); };
    switch (in.op) {
#define TLBCHECK_EVALUATE(name)                                                                          \
  case Op::name:                                                                                         \
    if (!expression_op<Op::name>(in, stack.data(), sp, ip, cpus, read_slot, site, value)) return std::nullopt; \
    continue;
      TLBCHECK_EVALUATING_OPS(TLBCHECK_EVALUATE)
#undef TLBCHECK_EVALUATE
      case Op::Return:
        return stack[sp - 1];
      case Op::Hw: {  // pure machine reads (allowed in invariants)
        sp -= stack_effect(in).pops;
        machine::BuiltinCall call;
        call.state = const_cast<checker::Word*>(st);  // a pure built-in only reads it
        call.args = stack.data() + sp;
        if (!builtin_info(Builtin(in.a)).pure() || !machine_.call(Builtin(in.a), call)) return std::nullopt;
        stack[sp++] = call.result;
        break;
      }
      default:
        return std::nullopt;  // not an expression instruction
    }
    ++ip;
  }
  return std::nullopt;
}

}  // namespace tlbcheck::model
