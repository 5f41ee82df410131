// The lowering: an analysed module becomes a Program (slots, packed
// layout, initial state, bytecode), as one pass over one shared state:
//   lower.cpp        the order of the work (run)
//   layout.cpp       slots and their packing, the globals, the machine's
//                    slots (machine/layout.hpp says which) and boot
//   emission.cpp     emitting instructions, sites, step ends (yields)
//   processes.cpp    process, task and handler instances; the scheduler's
//                    switch code and preemption stubs; step locations
//   statements.cpp   statements, and calls inlined
//   expressions.cpp  addresses and expressions, built-ins, memory accesses
//                    and the page-fault hook
//   cfg.cpp          control-flow checks: yield-free cycles, unreachable code
//   liveness.cpp     live variables per instance; the dead-variable reset
//   snippets.cpp     the code that evaluates the terms an explanation names
//   limits.cpp       what the lowering may expand into, and the stack check
// Internal to model/lower/: the rest of tlbcheck sees lower.hpp.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "model/bytecode/stack_check.hpp"
#include "model/lower/lower.hpp"
#include "model/machine/layout.hpp"
#include "model/machine/machine.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model::lowering {

using properties::BuiltinProperty;

inline std::uint32_t bits_for(std::uint64_t values) {  // bits to store 0..values-1
  return values <= 1 ? 0 : static_cast<std::uint32_t>(std::bit_width(values - 1));
}

struct Frame;

// What a local stands for in one inlined call: a constant, its own slots,
// or (a reference parameter) the caller's variable.
struct Binding {
  bool is_const = false;
  std::int64_t value = 0;
  std::uint32_t slot = 0;  // the first slot (a reference: the caller's variable's)
  // a reference parameter
  bool reference = false;
  bool shared = false;                      // the variable it names is shared state
  std::optional<std::uint32_t> offset_slot; // the caller's variable was indexed at run time: its offset from `slot`
  std::uint32_t extent = 0;                 // then: how many slots the offset ranges over
  // a parameter or `let` of a function called inside an expression: the
  // expression it names, evaluated where it is used, in the caller's frame
  // and with the caller's quantifier values
  std::optional<ExprId> expr;
  Frame* expr_frame = nullptr;
  std::vector<std::int64_t> expr_quants;
  // the declared range the value must lie in where it is used (nothing is
  // stored, so nothing else checks it), and the model-bound site that says so
  bool checked = false;
  std::int64_t lo = 0, hi = 0;
  std::int32_t site = 0;
};

struct LoopCtx {
  std::uint32_t head = 0;
  std::vector<std::uint32_t> breaks;
  bool unrolled = false;                 // a `for`: continue jumps on to the next copy
  std::vector<std::uint32_t> continues;
};

struct Frame {
  const BodyInfo* body = nullptr;
  std::vector<std::optional<Binding>> locals;
  std::string prefix;  // slot-name prefix: "waiter@cpu1." / "waiter@cpu1.flush."
  int cpu = -1;
  std::uint32_t process = 0;
  std::optional<std::uint32_t> result_slot;
  std::vector<std::uint32_t> return_jumps;
  std::vector<LoopCtx> loops;
};

// A place to read or write: a slot id known now, or a base slot plus an
// offset computed at run time (already pushed on the stack).
struct Address {
  std::uint32_t base = 0;
  bool dynamic = false;
  Type type;
  std::uint32_t extent = 1;  // the slots of the root variable from `base`: the offset is below it
};

class Lowering {
 public:
  Lowering(const AnalyzedModule& cm, const std::vector<bool>& enabled, Diagnostics& diags, bool reset_dead)
      : analyzed_(cm), module_(cm.module), enabled_(enabled), diags_(diags), reset_dead_(reset_dead) {}

  Lowered run();

 private:
  // ---- slots and layout -------------------------------------------------------
  // While one lives, the slots allocated are those of the variable declared
  // at `src` (model-bound names the declaration to widen).
  struct DeclaredAt {
    DeclaredAt(Lowering& l, std::uint32_t src) : lowering(l), saved(l.decl_src_) { l.decl_src_ = src; }
    ~DeclaredAt() { lowering.decl_src_ = saved; }
    DeclaredAt(const DeclaredAt&) = delete;
    DeclaredAt& operator=(const DeclaredAt&) = delete;
    Lowering& lowering;
    std::uint32_t saved;
  };
  std::uint32_t decl_src_ = 0;
  int sync_depth_ = 0;  // functions marked `sync` being inlined around the code emitted now
  std::uint32_t alloc_slot(std::string name, std::string type, int cpu, std::int64_t lo, std::int64_t hi, TypeKind kind,
                           std::uint32_t enum_id = 0);

  // Marks `count` slots from `first` as a variable private to `process`
  // (ModelSlot::owner): a candidate for the dead-variable reset.
  void make_private(std::uint32_t first, std::uint32_t count, std::uint32_t process);

  // Allocates one slot per element of `t`, consecutively; returns the first.
  std::uint32_t alloc_var(const std::string& name, const Type& t, int cpu);

  std::uint32_t elements(const Type& t) const { return analyzed_.slots_of(t); }

  // The initial value of each slot of a variable of type `t`: `init` for
  // its scalars outside structs (by default the type's: 0, or none for a
  // machine object), a struct's fields as it declares.
  std::vector<std::int64_t> initial_of(const Type& t, std::optional<std::int64_t> init = std::nullopt) const;

  void allocate_globals();

  // ---- the machine -----------------------------------------------------------------
  std::vector<machine::Machine::BootMap> boot_maps() const;

  void count_frames();

  // The stored range of a scalar type; machine objects have a none (-1).
  std::pair<std::int64_t, std::int64_t> range_of(const Type& t) const;

  void allocate_machine();

  // The machine as machine/layout.hpp sees the protocol.
  machine::Shape machine_shape() const;

  // The lowering's slots, for the machine's layout.
  struct MachineSlotSink final : machine::SlotSink {
    Lowering& l;
    explicit MachineSlotSink(Lowering& lowerer) : l(lowerer) {}
    std::uint32_t add(machine::SlotRequest r) override {
      std::uint32_t slot = l.alloc_slot(std::move(r.name), std::move(r.type), r.cpu, r.lo, r.hi, r.kind);
      ModelSlot& s = l.out_.program.slots[slot];
      s.format = r.format;
      s.pub.hardware = r.hardware;
      if (r.initial) l.initial_values_.push_back({slot, *r.initial});
      return slot;
    }
  };
  MachineSlotSink slot_sink_{*this};

  // Builds the boot page tables into the initial state and loads a root on
  // every CPU: the first declared mm's, else init_mm's.
  void boot();

  void lower_handler(std::uint32_t h, int cpu, int level);

  void pack();

  // ---- emission ----------------------------------------------------------------
  std::uint32_t here() const { return static_cast<std::uint32_t>(code().size()); }
  std::vector<Instr>& code() { return *target_; }
  const std::vector<Instr>& code() const { return *target_; }

  std::uint32_t emit(Op op, std::int32_t a = 0, std::int32_t b = 0, std::int32_t c = 0);
  // A LoadDyn, StoreDyn or BitRmw whose run-time offset lies in 0..extent-1
  // (Address::extent): Program::dynamic_extent records how far it reaches.
  std::uint32_t emit_dynamic(std::uint32_t extent, Op op, std::int32_t a = 0, std::int32_t b = 0, std::int32_t c = 0) {
    const std::uint32_t at = emit(op, a, b, c);
    // a snippet's instructions move when append_snippets() puts them after the program
    (target_ == &out_.program.code ? out_.program.dynamic_extent : snippet_extent_)[at] = extent;
    return at;
  }

  void patch(std::uint32_t at, std::uint32_t target) { code()[at].a = static_cast<std::int32_t>(target); }

  // The end of a body (Halt, Exit, IrqReturn) that no statement ends: the
  // step that reaches it ran only local statements, and is labelled with
  // where it began. (A statement's own step end moved onto the terminator
  // keeps that statement: see finish_instance.)
  void emit_end(Op op);

  // Task slots of one kind must be consecutive to be indexed by a task value.
  std::uint32_t table_base(const std::vector<std::uint32_t>& table);

  bool is_access(ExprId id) const;

  std::uint32_t add_site(SiteKind kind, std::uint32_t property, ExprId expr, std::uint32_t slot, Frame& f);
  std::uint32_t runtime_site(SiteKind kind, Frame& f, std::uint32_t slot = 0);

  // Whether evaluating `id` reads or writes shared state (globals, per-CPU
  // data, and references bound to them).
  bool shared(ExprId id, const Frame& f) const;
  // Whether computing where the lvalue `id` lies reads shared state (an
  // index or an object that is).
  bool shared_address(ExprId id, const Frame& f) const;
  // Whether the variable the lvalue `id` names is shared state.
  bool shared_root(ExprId id, const Frame& f) const;
  // Whether a function's body reads shared state (for a call inside an expression).
  bool body_reads_shared(std::uint32_t fn) const;
  mutable std::map<std::uint32_t, bool> reads_shared_;

  // Ends the step here unless inside an atomic block.
  // Ends the step here if the statement touched shared state (outside an
  // atomic block). `mark` labels the yield for traces (kBranchTrue, ...).
  void yield_if(bool touched, std::uint8_t mark = 0);
  // The context (Program::contexts) of a call with this text made where
  // the code being lowered runs now: one per (text, caller's context), so a
  // trace can name the chain of calls a statement runs in.
  std::uint32_t context(const std::string& text);

  // ---- processes ---------------------------------------------------------------
  void lower_process(std::uint32_t index, int cpu);

  // ---- tasks ------------------------------------------------------------------------
  // The tasks another task on `cpu` could switch to.
  std::vector<int> candidates(int cpu, int self) const;

  // Picks a runnable task, runs the context-switch hook (prev = this task)
  // and makes the choice current; the switch ends the step, and `after` is
  // where this task goes on when it is switched back. With `none_too`, a
  // further alternative for "nothing else can run" goes straight on.
  // Every instruction emitted is marked non-preemptible (the scheduler runs
  // with preemption off).
  void emit_switch(Frame& f, bool none_too, Op after);

  void inline_switch_hook(Frame& caller, int self, std::uint32_t next_slot);

  // Preemption: the task is switched away at a step boundary and resumes
  // there. The stub runs the same switch as schedule(), then Resume.
  void lower_preempt_stub(std::uint32_t pid, Frame& f);

  // Lowers a body, ends it with `terminator`, places step boundaries and
  // numbers the locations. `initial_pc`: 1 starts at the entry, 0 idle.
  // The frame of a body inlined into `caller`'s process; its slots are named
  // "<caller prefix><name>.".
  static Frame inlined_frame(const BodyInfo& callee, const Frame& caller, const std::string& name);

  // Registers a process instance whose code starts here, and the frame its
  // body is compiled in.
  Frame add_instance(ProcessInstance inst, const BodyInfo& body, int cpu);

  void finish_instance(std::uint32_t pid, Frame& f, const Decl* decl, Op terminator, std::int64_t initial_pc);

  // A loop back edge closes a cycle; if some path around it has no Yield the
  // step could run forever, so the back edge itself becomes a Yield.
  void close_yield_free_cycles(std::uint32_t begin, std::uint32_t end);

  template <typename F>
  void for_each_successor(std::uint32_t i, F&& f, bool through_yield) const;

  void warn_unreachable(std::uint32_t begin, std::uint32_t end, std::uint32_t entry);

  // ---- dead-variable reset (liveness.cpp) --------------------------------------------
  // Live-variable analysis over every instance's control-flow graph; fills
  // ProcessInstance::reset_at and Program::resets (after pack() and boot(),
  // which give the initial values).
  void reset_dead_variables();
  void reset_dead_in(std::uint32_t pid, const std::vector<std::uint32_t>& candidates);

  // ---- statements ---------------------------------------------------------------
  void lower_block(StmtId id, Frame& f) { lower_stmt(id, f); }

  void lower_stmt(StmtId id, Frame& f);
  void lower_unlabelled(StmtId id, Frame& f);

  // Statement starts are flagged by lower_stmt (mark_next_); kept as a hook
  // where a statement's first instruction is emitted.
  void mark() {}

  void back_edge(std::uint32_t head);

  std::uint32_t local_slot(Frame& f, std::uint32_t local);

  void inline_call(ExprId call_id, Frame& caller, std::optional<std::uint32_t> result_slot);

  // A reference parameter bound to the argument `&x` (or to a reference
  // passed on): its Binding in the callee.
  Binding bind_reference(ExprId arg, Frame& caller, Frame& callee, std::uint32_t local);

  // Copies a whole array or struct, slot by slot: from the lvalue `source`
  // (in `sf`) to the lvalue `target` (in `tf`), or to the slots from
  // `target_slot`. Where each lies is computed once, before the first
  // store (a per-process scratch slot holds a run-time offset).
  void copy_whole(std::optional<ExprId> target, std::uint32_t target_slot, Frame& tf, ExprId source, Frame& sf);

  // A per-process slot that holds an offset within one statement (0 again
  // when it ends, so it never tells states apart); `which`: 0 or 1.
  std::uint32_t scratch_slot(Frame& f, int which, std::uint32_t extent);
  std::map<std::pair<std::uint32_t, int>, std::uint32_t> scratch_slots_;

  // Pushes element k of an lvalue's slots (its address computed anew).
  void load_element(ExprId id, Frame& f, std::uint32_t k);

  // A function called inside an expression: its body (lets, ifs, returns;
  // sema checked) inlined as an expression that leaves the result.
  void emit_expression_call(ExprId call_id, Frame& caller);
  void emit_expression_body(const std::vector<StmtId>& list, std::size_t i, Frame& f, std::vector<std::uint32_t>& ends);
  // A value of type `value` bound to a name (or a result) declared `declared`:
  // when the declaration is narrower, the range check its use needs, and a
  // model-bound site naming `what` (a slot of no width says what it is).
  void range_check(Binding& b, const Type& declared, const Type& value, const std::string& what, std::uint32_t decl_src, Frame& f);
  void emit_range_check(const Binding& b) {
    if (b.checked) emit(Op::CheckRange, std::int32_t(b.lo), std::int32_t(b.hi), b.site);
  }
  // `let NAME = VALUE in BODY`: the Let expression -> where VALUE is evaluated
  std::map<std::uint32_t, std::vector<Binding>> let_bindings_;  // a stack: a function may call itself inside an argument

  // at(PROCESS, LABEL): the code each instance has for a labelled statement
  // or an inlined function, and the instances' declarations
  struct CodeRange {
    std::uint32_t process, begin, end;
  };
  std::map<std::uint32_t, std::vector<CodeRange>> label_ranges_;     // by StmtId
  std::map<std::uint32_t, std::vector<CodeRange>> function_ranges_;  // by function index
  std::vector<const Decl*> instance_decl_;
  void emit_at(const Expr& e, Frame& f);

  // ---- addresses and expressions ---------------------------------------------------
  // A value known while lowering: a constant, this_cpu (each instance is
  // lowered for its CPU), or a parameter bound to a constant.
  std::optional<std::int64_t> known(ExprId id, const Frame& f) const;
  // Whether evaluating `id` can neither fail nor change anything (so an
  // argument nobody reads need not run).
  bool harmless(ExprId id) const;

  // The root variable of an lvalue chain: its first slot, per-CPU stride and type.
  Address address(ExprId id, Frame& f);

  void store(const Address& a, Frame& f);

  void load(const Address& a);

  void emit_expr(ExprId id, Frame& f);

  Type quant_type(const Expr& e) const;

  void emit_builtin(ExprId id, Frame& f);


  // An access statement (touch, load, store), or `x = load(p)`: the access
  // retries after the protocol's page-fault handler runs.
  //   retry: <page> [<value>] Access kind site fault   ; store the result
  //          Jmp done
  //   fault: <the page-fault hook, inlined> ; Jmp retry (a back edge)
  //   done:
  void lower_access(ExprId call_id, Frame& f, std::optional<Address> target);

  void patch_c(std::uint32_t at, std::uint32_t target) { code()[at].c = static_cast<std::int32_t>(target); }

  // Inlines the page-fault hook with (page, write) as its arguments.
  void inline_hook(std::uint32_t fn, std::vector<ExprId> page_arg, bool write, Frame& caller);

  // ---- explanation snippets --------------------------------------------------------
  Witness witness(ExprId id, Frame& f);

  // The variables a condition mentions, each with code that evaluates it.
  // The terms a condition mentions, each with snippet code; `bound`: a forall's variable has a value
  std::vector<std::pair<std::string, std::uint32_t>> collect_terms(ExprId id, Frame& f, bool bound = false);
  std::uint32_t emit_snippet(ExprId id, Frame& f);

  void collect(ExprId id, Frame& f, bool bound, std::vector<std::pair<std::string, std::uint32_t>>& terms, std::set<std::string>& seen);


  bool uses_quant(ExprId id) const;

  // The source text of an expression: from its leftmost to its rightmost token.
  std::string source_text(ExprId id) const;
  void span(ExprId id, std::uint32_t& lo, std::uint32_t& hi) const;

  void append_snippets();

  // ---- limits on what the lowering expands ----------------------------------
  // Calls are inlined and quantifiers unrolled, so a few lines can ask for
  // an exponential program (each function calling the next twice). Each
  // limit is reported where it is crossed, and the lowering stops there.

  // A call being inlined (or a hook): nests at most kMaxCallDepth deep.
  struct InlineScope {
    Lowering& l;
    bool ok;
    bool pushed = false;
    InlineScope(Lowering& lowerer, std::string what, std::uint32_t src) : l(lowerer), ok(!lowerer.gave_up_) {
      if (!ok) return;
      l.inline_chain_.push_back({std::move(what), src});
      pushed = true;
      if (l.inline_chain_.size() > kMaxCallDepth) {
        l.diags_.error(DiagKind::TooDeep, l.module_.file, {src, 1},
                       "calls nest more than " + std::to_string(kMaxCallDepth) + " deep once inlined (" + l.chain_text() + ")");
        l.gave_up_ = true;
        ok = false;
      }
    }
    ~InlineScope() {
      if (pushed) l.inline_chain_.pop_back();
    }
  };

  // A quantifier being unrolled: its body is copied once per value, and
  // once more per value of every quantifier around it.
  struct UnrollScope {
    Lowering& l;
    bool ok;
    std::uint64_t saved;
    UnrollScope(Lowering& lowerer, const Expr& e, const Type& t) : l(lowerer), ok(!lowerer.gave_up_), saved(lowerer.unrolled_) {
      if (!ok) return;
      std::uint64_t copies = saved * std::uint64_t(t.hi - t.lo + 1);
      if (copies > kMaxUnrolledCopies) {
        l.diags_.error(DiagKind::StateTooLarge, l.module_.file, {e.loc.offset, e.loc.length},
                       "unrolling this quantifier" + std::string(saved > 1 ? " inside the ones around it" : "") + " copies its body " + std::to_string(copies) +
                           " times, more than the limit of " + std::to_string(kMaxUnrolledCopies) + ": narrow the range of its variable");
        l.gave_up_ = true;
        ok = false;
        return;
      }
      l.unrolled_ = copies;
    }
    ~UnrollScope() { l.unrolled_ = saved; }
  };

  // The calls being inlined, outermost first, as "f() > g() > page_fault".
  std::string chain_text() const;

  // A process instance grew past kMaxInlinedStatements: reported at the
  // outermost call that leads to the statement that crossed it.
  void give_up_statements();

  // Every step, invariant and snippet must run within the interpreter's
  // evaluation stack (kMaxStack values), whatever path it takes: computed
  // here once for the whole program (bytecode/stack_check.hpp), so the
  // interpreter never checks it.
  void check_evaluation_stack();

  const AnalyzedModule& analyzed_;
  const Module& module_;
  const std::vector<bool>& enabled_;
  Diagnostics& diags_;
  bool reset_dead_;
  Lowered out_;
  // CPU symmetry (symmetry.cpp): the classes of interchangeable CPUs
  void find_cpu_symmetry();
  void find_value_symmetry();
  struct InstanceSites {
    std::uint32_t begin = 0, end = 0;  // the sites lowering the instance added
    bool alone = true;                  // it was the only instance that lowering made
  };
  std::vector<InstanceSites> instance_sites_;  // per process instance
  std::vector<std::uint32_t> global_base_;
  std::vector<std::pair<std::uint32_t, std::int64_t>> initial_values_;
  std::vector<std::uint32_t> back_edges_;
  std::vector<bool> stmt_start_;
  std::vector<std::int64_t> quant_values_;
  std::map<std::string, int> inline_counts_;
  std::set<std::uint32_t> warned_;
  std::vector<Instr> snippet_code_;
  std::vector<std::pair<std::string, std::uint32_t>> inline_chain_;  // calls being inlined: (text, source offset)
  std::uint64_t unrolled_ = 1;      // copies of the expression being emitted (the quantifiers around it)
  std::uint32_t statements_ = 0;    // statements of the instance being lowered, calls inlined
  std::string instance_name_;       // the instance being lowered
  bool gave_up_ = false;            // a limit was crossed: the lowering stops
  std::uint32_t cur_src_ = 0;
  std::uint32_t cur_ctx_ = 0;
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> context_index_;  // (caller's context, call text) -> context
  std::uint32_t shared_statements_ = 0;
  int atomic_ = 0;
  std::vector<Instr>* target_ = &out_.program.code;  // where code goes: the program, or the snippets
  std::unordered_map<std::uint32_t, std::uint32_t> snippet_extent_;  // Program::dynamic_extent of the snippets, before they move
  bool mark_next_ = false;
  bool in_switch_hook_ = false;
  bool generated_ = false;
  std::uint32_t atomic_first_src_ = UINT32_MAX;  // the first shared statement of the atomic block being lowered
};

// Where control can go from instruction i within its instance's code (a
// Yield: with `through_yield`, to where the next step begins).
template <class F>
void Lowering::for_each_successor(std::uint32_t i, F&& f, bool through_yield) const {
  const Instr& in = out_.program.code[i];
  switch (in.op) {
    case Op::Jmp: f(std::uint32_t(in.a)); break;
    case Op::Jz: case Op::JzKeep: case Op::JnzKeep:
      f(std::uint32_t(in.a));
      f(i + 1);
      break;
    case Op::Fork:
      for (std::int32_t k = 1; k <= in.a; ++k) f(i + std::uint32_t(k));
      break;
    case Op::Yield:
      if (through_yield) f(std::uint32_t(in.a));
      break;
    case Op::Access:
      if (in.c >= 0) f(std::uint32_t(in.c));
      f(i + 1);
      break;
    case Op::Halt: case Op::Fail: case Op::Return: case Op::IrqReturn: case Op::Exit: case Op::Resume: break;
    default: f(i + 1); break;
  }
}

}  // namespace tlbcheck::model::lowering
