// The step interpreter: runs one process's step on a copy of the state.
// Hot path: no allocation, no exceptions; the only recursion is at `either`
// (one level per nested fork, bounded by kMaxForkDepth).
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>

#include "model/runtime/model_system.hpp"
#include "model/runtime/expression.hpp"
#include "properties/assertion.hpp"
#include "properties/catalogue.hpp"
#include "properties/deadlock.hpp"
#include "properties/invariant.hpp"
#include "properties/runtime_error.hpp"
#include "properties/stale_cache.hpp"
#include "properties/stale_translation.hpp"

namespace tlbcheck::model {

namespace {

constexpr int kMaxForkDepth = kNativeMaxForkDepth;
constexpr std::uint32_t kStepBudget = 1u << 20;  // instructions one step may run

}  // namespace

struct ModelSystem::Scratch final : checker::Scratch {
  Scratch(const ModelSystem& system, std::uint32_t words) : buffers(std::size_t(words) * (kMaxForkDepth + 1)), words(words) {
    env = NativeEnv{const_cast<ModelSystem*>(&system), this, buffers.data(), &budget, &native_end, &native_violate, &native_resume};
  }
  Scratch(const Scratch&) = delete;  // env points into it
  Scratch& operator=(const Scratch&) = delete;
  checker::Word* buffer(int depth) { return buffers.data() + std::size_t(depth) * words; }

  std::vector<checker::Word> buffers;
  std::uint32_t words;
  std::array<std::int64_t, kMaxStack + 8> stack{};
  // the step being run
  const checker::EmitFn* emit = nullptr;
  checker::GroupId group;
  std::uint32_t process = 0;
  std::uint32_t budget = 0;
  // the last violation recorded (for explanations)
  std::int64_t diag_value = 0;
  machine::Effect diag_effect;
  std::int64_t diag_page = -1;
  std::uint32_t end_ip = 0;  // the instruction that ended the step last emitted
  NativeEnv env{};           // native steps' view of this scratch
};

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
  if (!native_) {
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

// A process runs when its CPU is not in an interrupt handler; a handler
// instance runs when it is the innermost one on its CPU.
bool ModelSystem::runnable(const ProcessInstance& p, const checker::Word* s) const {
  if (!program_.has_machine) return true;
  int depth = machine_.depth(s, p.cpu);
  if (p.handler) return depth == p.level;
  if (depth != 0) return false;
  return p.task < 0 || machine_.get(s, program_.hw.current[std::size_t(p.cpu)]) == p.task;
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

std::optional<ModelSystem::StepRecord> ModelSystem::rerun(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  Scratch w(*this, program_.words);
  std::optional<StepRecord> found;
  next_in_group(before, w, group, [&](checker::GroupId, checker::ConstStateRef succ) {
    if (!found && std::equal(succ.begin(), succ.end(), after.begin(), after.end())) found = StepRecord{w.end_ip, w.diag_value, w.diag_effect, w.diag_page};
  });
  return found;
}

void ModelSystem::next(checker::ConstStateRef s, checker::Scratch& scratch, checker::EmitFn emit) const {
  auto& w = static_cast<Scratch&>(scratch);
  for (std::uint32_t p = 0; p < program_.processes.size(); ++p) {
    if (runnable(program_.processes[p], s.data())) run_process(p, s, w, emit);
  }
  for (std::uint32_t g = 0; g < hw_groups_.size(); ++g) run_hardware(g, s, w, emit);
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

// Executes from `ip` until the step ends; emits the successor (if any).
void ModelSystem::exec(std::uint32_t ip, checker::Word* st, int depth, Scratch& w, int sp) const {
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
      case Op::Pop: --sp; ++ip; break;
      case Op::Fork: {
        if (depth >= kMaxForkDepth) {
          violate(std::int32_t(proc.runaway_site), 0);
          return;
        }
        // alternatives 1..n-1 on copies, the last one in place
        for (std::int32_t k = 1; k < in.a; ++k) {
          checker::Word* copy = w.buffer(depth + 1);
          std::memcpy(copy, st, std::size_t(w.words) * sizeof(checker::Word));
          exec(std::uint32_t(code[ip + std::uint32_t(k)].a), copy, depth + 1, w);
          if (w.budget == 0) return;
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
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Halt:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::IrqReturn:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
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
        write(proc.pc_slot, st, read(slot, st));
        write(slot, st, 0);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      }
      case Op::Exit:
        w.end_ip = ip;
        write(proc.pc_slot, st, 0);
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
        machine::Effect e = machine_.access(st, proc.cpu, page, kind, value, check, space >= 0 ? space : -2, check_cache, int(word));
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
          // b + 1, b + 2: the access's runtime-error and stale-cache sites
          violate(!e.runtime.empty() ? in.b + 1 : e.stale_read ? in.b + 2 : in.b, value);
          return;
        }
        if (kind == 1) stack[sp++] = e.value;
        ++ip;
        break;
      }
      case Op::Hw: {
        const StackEffect effect = stack_effect(in);
        sp -= effect.pops;
        machine::BuiltinCall call;
        call.state = st;
        call.cpu = proc.cpu;
        call.args = stack + sp;
        call.extra = in.extra;
        call.mask_target = Builtin(in.a) == Builtin::SendIpi && in.c == 1;
        call.check_stale_cache = enabled_[std::size_t(properties::BuiltinProperty::StaleCache)];
        if (!machine_.call(Builtin(in.a), call)) {
          w.diag_effect = std::move(call.effect);
          w.diag_value = call.offending;
          violate(w.diag_effect.stale_read ? in.c : in.b, w.diag_value);
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

checker::Verdict ModelSystem::check(checker::ConstStateRef s) const {
  std::int64_t site = read(program_.violation_slot, s.data());
  if (site != 0) return {true, checker::PropertyId{program_.sites[std::size_t(site)].property}};
  for (std::uint32_t i = 0; i < program_.invariant_entry.size(); ++i) {
    std::uint32_t pid = properties::kFirstInvariant + i;
    if (!enabled_[pid]) continue;
    auto v = eval(program_.invariant_entry[i], s.data());
    if (!v || *v == 0) return {true, checker::PropertyId{pid}};
  }
  return {};
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
  return std::make_unique<Scratch>(*this, program_.words);
}

// ---- explanations ------------------------------------------------------------

std::string ModelSystem::explain_violation(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  std::int64_t site_id = read(program_.violation_slot, after.data());
  if (site_id == 0) {
    checker::Verdict v = check(after);
    if (!v.violated) return "no property is violated";
    std::uint32_t i = v.property.v - properties::kFirstInvariant;
    const InvariantInfo& inv = module_.invariants[i];
    properties::BrokenInvariant broken{std::string(inv.name), where(inv.loc.offset), "", terms_text(invariant_terms_[i], after.data())};
    const Witness& wit = invariant_witness_[i];
    for (std::size_t k = 0; k < wit.values.size(); ++k) {  // name the value that breaks a forall
      auto holds = eval(wit.values[k].second, after.data());
      if (holds && *holds != 0) continue;
      broken.witness = wit.var + " = " + wit.values[k].first;
      broken.values = terms_text(wit.terms[k], after.data());
      break;
    }
    return properties::explain_invariant(broken);
  }
  const Site& site = program_.sites[std::size_t(site_id)];
  // Re-run the step to recover the offending value.
  const StepRecord record = rerun(before, group, after).value_or(StepRecord{});
  const std::int64_t value = record.value, page = record.page;
  const machine::Effect& effect = record.effect;
  if (std::size_t(site_id) == program_.speculation_site) {
    const HwGroup& hg = hw_groups_[group.v - first_hw_group_];
    return properties::explain_speculation(stale_use(effect, false), module_.pages[std::size_t(hg.index)].name, hg.cpu);
  }
  const ProcessInstance& proc = program_.processes[site.process];
  properties::StepContext context{line_text(site.src), proc.name + " on cpu" + std::to_string(proc.cpu), where(site.src), ""};
  const std::string page_name = page >= 0 && std::size_t(page) < module_.pages.size() ? module_.pages[std::size_t(page)].name : std::string("?");
  switch (site.kind) {
    case SiteKind::Assert:
    case SiteKind::BugOn:
    case SiteKind::Bug:
      context.values = terms_text(site_terms_[std::size_t(site_id)].terms, after.data());
      return properties::explain_assertion(site.kind == SiteKind::Assert ? properties::AssertionKind::Assert
                                           : site.kind == SiteKind::BugOn ? properties::AssertionKind::BugOn
                                                                          : properties::AssertionKind::Bug,
                                           context);
    case SiteKind::Range: return properties::explain_out_of_range(value, program_.slots[site.slot].pub.name, program_.slots[site.slot].pub.type, context);
    case SiteKind::Index: return properties::explain_bad_index(value, context);
    case SiteKind::DivZero: return properties::explain_division_by_zero(context);
    case SiteKind::CpuRange: return properties::explain_bad_cpu(value, module_.cpus, context);
    case SiteKind::Runaway: return properties::explain_runaway(context);
    case SiteKind::Stale: return properties::explain_access(stale_use(effect, proc.task >= 0), page_name, context);
    case SiteKind::Machine: return properties::explain_machine_error(effect.runtime, context);
    case SiteKind::StaleCache:
      if (site.src == 0 && std::size_t(site_id) == program_.cache_site) return "stale-cache: " + properties::explain(cache_read(effect));
      return properties::explain_access(cache_read(effect), context);
    case SiteKind::NoFaultHandler: return properties::explain_no_fault_handler(page_name, context);
  }
  return "violation";
}

// The machine's report of a stale translation, in the property's terms.
properties::StaleUse ModelSystem::stale_use(const machine::Effect& effect, bool task_space) const {
  properties::StaleUse use;
  use.why = effect.stale;
  use.frame = effect.frame;
  use.maps = effect.other;
  use.task_space = task_space;
  if (effect.stale == properties::StaleTranslation::ForeignFrame) {
    for (std::size_t m = 0; m < module_.mms.size() && effect.other > 0; ++m) {
      if ((effect.other >> m) & 1) use.owners.push_back(module_.mms[m].name);
    }
  }
  return use;
}

// The machine's report of a stale read, in the property's terms.
properties::CacheRead ModelSystem::cache_read(const machine::Effect& effect) const {
  properties::CacheRead read;
  read.frame = effect.frame;
  read.word = effect.word;
  read.show_word = program_.machine.words > 1;
  read.alias = effect.colour;
  read.alias_is_kernel = effect.colour == machine_.kernel_colour();
  read.value = effect.value;
  read.latest = effect.other;
  read.dirty_alias = effect.dirty_colour;
  read.dirty_is_kernel = effect.dirty_colour == machine_.kernel_colour();
  return read;
}

checker::System::StepText ModelSystem::describe_step(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  const checker::Group& g = groups_[group.v];
  StepText text{g.action, g.loc.line};
  if (group.v >= first_hw_group_) return text;
  std::optional<StepRecord> record = rerun(before, group, after);
  if (!record) return text;
  const Instr& in = program_.code[record->end_ip];
  if (in.op == Op::Resume) {  // the switch away from a preempted task
    std::int64_t next = machine_.get(after.data(), program_.hw.current[std::size_t(program_.processes[group_process_[group.v]].cpu)]);
    text.action = "[preempted] switch to " + (next >= 0 ? module_.task_names[std::size_t(next)] : std::string("none"));
    return text;
  }
  // A step is labelled with the statement that ended it: the one whose
  // effect on shared state made it a step (LANGUAGE.md, "Steps"). A step of
  // local statements only that runs into the end of the body has none: it
  // is labelled with where it began.
  if (in.op != Op::Yield && op_is(in.op, kEnds) && in.extra == kBodyEnd) return text;
  text.action = line_text(in.src);
  if (in.ctx != 0) text.action = program_.contexts[in.ctx] + ": " + text.action;
  text.line = file_->line_of(in.src);
  return text;
}

std::vector<std::uint32_t> ModelSystem::involved_slots(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  std::int64_t site_id = read(program_.violation_slot, after.data());
  SiteKind kind = site_id == 0 ? SiteKind::Assert : program_.sites[std::size_t(site_id)].kind;
  if (kind != SiteKind::Stale && kind != SiteKind::StaleCache) return {};
  const machine::Effect effect = rerun(before, group, after).value_or(StepRecord{}).effect;
  if (effect.frame < 0) return {};
  std::size_t f = std::size_t(effect.frame);
  switch (effect.stale) {
    case properties::StaleTranslation::ForeignFrame: return {program_.hw.owner[f]};
    case properties::StaleTranslation::CowWrite: return {program_.hw.maps[f]};
    default:
      if (effect.stale_read) return {program_.hw.latest[f * std::size_t(program_.machine.words) + std::size_t(effect.word)]};
      return {program_.hw.kind[f]};
  }
}

std::string ModelSystem::explain_deadlock(checker::ConstStateRef s) const {
  std::vector<properties::Blocked> blocked;
  for (const ProcessInstance& p : program_.processes) {
    std::int64_t loc = read(p.pc_slot, s.data());
    if (loc == 0) continue;
    const Instr& in = program_.code[p.locations[std::size_t(loc)]];
    blocked.push_back({p.name, p.cpu, in.ctx != 0 ? program_.contexts[in.ctx] : "", where(in.src), line_text(in.src)});
  }
  return properties::explain_deadlock(blocked);
}

std::string ModelSystem::terms_text(const std::vector<std::pair<std::string, std::uint32_t>>& terms, const checker::Word* st) const {
  std::string out;
  for (const auto& [text, entry] : terms) {
    auto v = eval(entry, st);
    // format like the slot the term finally reads (for an element: its array's first slot)
    std::string shown = v ? std::to_string(*v) : "?";
    if (v) {
      std::uint32_t j = entry;
      for (; j < program_.code.size() && program_.code[j].op != Op::Return; ++j) {
        const Instr& in = program_.code[j];
        if (in.op == Op::Load || in.op == Op::LoadDyn) shown = format_value(std::uint32_t(in.a), *v);
      }
      const Instr& last = program_.code[j - 1];  // a machine read decides the kind of its value
      if (j > entry && last.op == Op::Hw) {
        switch (Builtin(last.a)) {
          case Builtin::Cr3Of: case Builtin::Pgd: case Builtin::PteFrame: case Builtin::PtFrame:
            shown = *v < 0 ? "none" : "frame" + std::to_string(*v);
            break;
          case Builtin::CurrentOf:
            shown = *v < 0 ? "none" : module_.task_names[std::size_t(*v)];
            break;
          default:
            shown = *v ? "true" : "false";
            break;
        }
      }
    }
    out += (out.empty() ? "" : ", ") + text + " = " + shown;
  }
  return out;
}

std::string ModelSystem::format_value(std::uint32_t slot, std::int64_t v) const {
  const ModelSlot& m = program_.slots[slot];
  switch (m.format) {
    case ModelSlot::Format::Entry: return machine::Pte::format(v);
    case ModelSlot::Format::WalkEntry: return machine::WalkEntry::format(v);
    case ModelSlot::Format::FrameKind: return machine::format_frame_kind(v);
    case ModelSlot::Format::MmSet: return machine::format_set(v, program_.mm_names);
    case ModelSlot::Format::Line: return machine::CacheLine::format(v);
    case ModelSlot::Format::IrqSet: return machine::format_set(v, program_.irq_names);
    case ModelSlot::Format::Plain:
      break;
  }
  switch (m.kind) {
    case TypeKind::Mm:
      return v < 0 ? "none" : std::size_t(v) < module_.mms.size() ? module_.mms[std::size_t(v)].name : std::to_string(v);
    case TypeKind::Frame:
      return v < 0 ? "none" : "frame" + std::to_string(v);
    case TypeKind::Page:
      return std::size_t(v) < module_.pages.size() ? module_.pages[std::size_t(v)].name : std::to_string(v);
    case TypeKind::Task:
      return v < 0 ? "none" : std::size_t(v) < module_.task_names.size() ? module_.task_names[std::size_t(v)] : std::to_string(v);
    case TypeKind::Bool:
      return v ? "true" : "false";
    case TypeKind::Enum:
      if (v >= 0 && std::size_t(v) < module_.enums[m.enum_id].members.size()) return module_.enums[m.enum_id].members[std::size_t(v)];
      return std::to_string(v);
    case TypeKind::Mask: {
      std::string s = "{";
      bool first = true;
      for (int c = 0; c < module_.cpus; ++c) {
        if ((v >> c) & 1) {
          s += (first ? "" : ",") + std::to_string(c);
          first = false;
        }
      }
      return s + "}";
    }
    default:
      return std::to_string(v);
  }
}

std::string ModelSystem::format_slot(std::uint32_t slot, checker::ConstStateRef s) const {
  if (slot == program_.violation_slot) {
    std::int64_t site = read(slot, s.data());
    return site == 0 ? "none" : "site " + std::to_string(site);
  }
  for (const ProcessInstance& p : program_.processes) {
    if (p.pc_slot == slot) {
      std::int64_t loc = read(slot, s.data());
      if (loc == 0) return "ended";
      return where(program_.code[p.locations[std::size_t(loc)]].src);
    }
  }
  return format_value(slot, read(slot, s.data()));
}

std::string ModelSystem::where(std::uint32_t src) const {
  return file_->name() + ":" + std::to_string(file_->line_of(src));
}

std::string ModelSystem::line_text(std::uint32_t src) const {
  std::string_view t = file_->line_text(file_->line_of(src));
  std::size_t b = t.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  t.remove_prefix(b);
  std::size_t c = t.find("//");
  if (c != std::string_view::npos) t = t.substr(0, c);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return std::string(t);
}

}  // namespace tlbcheck::model
