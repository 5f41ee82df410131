#include "model/lower/lower.hpp"

#include <algorithm>
#include <cassert>
#include <bit>
#include <map>
#include <optional>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "model/bytecode/stack_check.hpp"
#include "model/machine/layout.hpp"
#include "model/machine/machine.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

namespace {

using properties::BuiltinProperty;

std::uint32_t bits_for(std::uint64_t values) {  // bits to store 0..values-1
  return values <= 1 ? 0 : static_cast<std::uint32_t>(std::bit_width(values - 1));
}

struct Binding {
  bool is_const = false;
  std::int64_t value = 0;
  std::uint32_t slot = 0;
};

struct LoopCtx {
  std::uint32_t head = 0;
  std::vector<std::uint32_t> breaks;
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
};

class Lowerer {
 public:
  Lowerer(const AnalyzedModule& cm, const std::vector<bool>& enabled, Diagnostics& diags)
      : cm_(cm), m_(cm.module), enabled_(enabled), diags_(diags) {}

  Lowered run() {
    Program& p = out_.program;
    p.sites.push_back({});  // site 0: no violation
    out_.site_terms.push_back({});
    if (cm_.uses_machine) count_frames();
    allocate_globals();
    if (cm_.uses_machine) allocate_machine();
    for (std::uint32_t i = 0; i < cm_.processes.size(); ++i) {
      for (int cpu : cm_.processes[i].cpus) lower_process(i, cpu);
    }
    for (std::uint32_t h = 0; h < cm_.irqs.size(); ++h) {
      for (int cpu = 0; cpu < cm_.cpus; ++cpu) {
        if (cm_.irqs[h].device && cm_.irqs[h].cpu != cpu) continue;
        for (int level = 1; level <= cm_.machine.irq_nesting; ++level) lower_handler(h, cpu, level);
      }
    }
    for (const InvariantInfo& inv : cm_.invariants) {
      Frame f;
      cur_src_ = inv.loc.offset;
      p.invariant_entry.push_back(static_cast<std::uint32_t>(p.code.size()));
      emit_expr(inv.expr, f);
      emit(Op::Return);
      out_.invariant_terms.push_back(collect_terms(inv.expr, f));
      out_.invariant_witness.push_back(witness(inv.expr, f));
    }
    append_snippets();
    if (!diags_.has_errors()) check_evaluation_stack();
    out_.program.no_preempt.resize(out_.program.code.size(), false);
    p.violation_slot = alloc_slot("violation", "site", -1, 0, std::int64_t(p.sites.size()) - 1, TypeKind::Int);
    p.slots[p.violation_slot].pub.internal = true;
    pack();
    if (p.has_machine && !diags_.has_errors()) boot();
    return std::move(out_);
  }

 private:
  // ---- slots and layout -------------------------------------------------------
  std::uint32_t alloc_slot(std::string name, std::string type, int cpu, std::int64_t lo, std::int64_t hi, TypeKind kind,
                           std::uint32_t enum_id = 0) {
    ModelSlot s;
    s.pub.name = std::move(name);
    s.pub.type = std::move(type);
    s.pub.cpu = cpu;
    s.lo = lo;
    s.hi = hi;
    s.kind = kind;
    s.enum_id = enum_id;
    s.pub.width = bits_for(std::uint64_t(hi - lo) + 1);
    out_.program.slots.push_back(std::move(s));
    return static_cast<std::uint32_t>(out_.program.slots.size() - 1);
  }

  // Allocates one slot per element of `t`, consecutively; returns the first.
  std::uint32_t alloc_var(const std::string& name, const Type& t, int cpu) {
    Type scalar = t;
    scalar.dims.clear();
    std::uint32_t count = 1;
    for (std::uint32_t d : t.dims) count *= d;
    std::uint32_t first = static_cast<std::uint32_t>(out_.program.slots.size());
    for (std::uint32_t i = 0; i < count; ++i) {
      std::string n = name;
      std::uint32_t rest = i;
      std::vector<std::uint32_t> idx(t.dims.size());
      for (std::size_t k = t.dims.size(); k-- > 0;) {
        idx[k] = rest % t.dims[k];
        rest /= t.dims[k];
      }
      for (std::uint32_t k : idx) n += "[" + std::to_string(k) + "]";
      auto [lo, hi] = range_of(scalar);
      alloc_slot(n, type_name(scalar, cm_.enums), cpu, lo, hi, scalar.kind, scalar.enum_id);
    }
    return first;
  }

  static std::uint32_t elements(const Type& t) {
    std::uint32_t n = 1;
    for (std::uint32_t d : t.dims) n *= d;
    return n;
  }

  void allocate_globals() {
    global_base_.resize(cm_.globals.size());
    for (std::size_t i = 0; i < cm_.globals.size(); ++i) {
      const GlobalInfo& g = cm_.globals[i];
      if (g.percpu) {
        for (int c = 0; c < cm_.cpus; ++c) {
          std::uint32_t b = alloc_var("cpu" + std::to_string(c) + "." + std::string(g.name), g.type, c);
          if (c == 0) global_base_[i] = b;
        }
      } else {
        global_base_[i] = alloc_var(std::string(g.name), g.type, -1);
      }
      std::uint32_t per = elements(g.type);
      std::uint32_t n = per * (g.percpu ? cm_.cpus : 1);
      for (std::uint32_t k = 0; k < n; ++k) {
        std::int64_t v = g.inits.size() == per ? g.inits[k % per] : g.init;
        initial_values_.push_back({global_base_[i] + k, v});
      }
    }
  }

  // ---- the machine -----------------------------------------------------------------
  std::vector<machine::Machine::BootMap> boot_maps() const {
    std::vector<machine::Machine::BootMap> maps;
    for (const MapInfo& m : cm_.maps) maps.push_back({int(m.mm), std::int64_t(m.page), m.writable});
    return maps;
  }

  void count_frames() {
    Program& p = out_.program;
    std::vector<std::int64_t> index;
    for (const PageInfo& pg : cm_.pages) index.push_back(pg.index);
    int needed = machine::Machine::boot_frames(cm_.machine, int(cm_.mms.size()), index, boot_maps());
    p.frames = cm_.machine.frames != 0 ? cm_.machine.frames : needed + 2;
    if (p.frames < needed) {
      diags_.error(DiagKind::BadMachine, m_.file, {0, 1}, "frames = " + std::to_string(p.frames) + " is too few: the boot mappings need " + std::to_string(needed));
    }
  }

  // The stored range of a scalar type; machine objects have a none (-1).
  std::pair<std::int64_t, std::int64_t> range_of(const Type& t) const {
    switch (t.kind) {
      case TypeKind::Mask: case TypeKind::Bool: case TypeKind::Enum: return {0, t.hi};
      case TypeKind::Mm: return {-1, std::int64_t(cm_.mms.size()) - 1};
      case TypeKind::Frame: return {-1, std::int64_t(out_.program.frames) - 1};
      case TypeKind::Page: return {0, std::max<std::int64_t>(0, std::int64_t(cm_.pages.size()) - 1)};
      default: return {t.lo, t.hi};
    }
  }

  void allocate_machine() {
    Program& p = out_.program;
    const machine::Config& mc = cm_.machine;
    p.has_machine = true;
    p.machine = mc;
    for (const PageInfo& pg : cm_.pages) {
      p.page_index.push_back(pg.index);
      p.page_names.push_back(pg.name);
      p.page_kernel.push_back(pg.kernel);
    }
    for (const MmInfo& mm : cm_.mms) p.mm_names.push_back(mm.name);
    for (const IrqInfo& irq : cm_.irqs) {
      p.irq_names.emplace_back(irq.body.decl->name);
      p.irq_device.push_back(irq.device);
      p.irq_cpu.push_back(irq.cpu);
    }
    int mms = int(cm_.mms.size());
    machine::Shape shape = machine_shape();
    machine::lay_out_processors_and_memory(shape, slot_sink_, p.hw);
    for (std::size_t fi = 0; fi < cm_.mm_fields.size(); ++fi) {
      const MmFieldInfo& field = cm_.mm_fields[fi];
      std::uint32_t base = 0;
      for (int m = 0; m < mms; ++m) {
        std::uint32_t b = alloc_var(cm_.mms[std::size_t(m)].name + "." + std::string(field.name), field.type, -1);
        if (m == 0) base = b;
        for (std::uint32_t k = 0; k < elements(field.type); ++k) initial_values_.push_back({b + k, field.init});
      }
      p.mm_field_base.push_back(base);
      p.mm_field_stride.push_back(elements(field.type));
    }
    p.hw.ipi_args.resize(std::size_t(cm_.cpus) * cm_.irqs.size());
    for (int c = 0; c < cm_.cpus; ++c) {
      for (std::size_t h = 0; h < cm_.irqs.size(); ++h) {
        const BodyInfo& body = cm_.irqs[h].body;
        for (std::uint32_t i = 0; i < body.params; ++i) {
          auto [lo, hi] = range_of(body.locals[i].type);
          std::string name = "cpu" + std::to_string(c) + ".ipi." + std::string(body.decl->name) + "." + std::string(body.locals[i].name);
          std::uint32_t slot = alloc_slot(name, type_name(body.locals[i].type, cm_.enums), c, lo, hi, body.locals[i].type.kind, body.locals[i].type.enum_id);
          initial_values_.push_back({slot, lo < 0 ? -1 : std::clamp<std::int64_t>(0, lo, hi)});
          p.hw.ipi_args[std::size_t(c) * cm_.irqs.size() + h].push_back(slot);
        }
      }
    }
    machine::lay_out_devices_and_cache(shape, slot_sink_, p.hw);
    Frame none;
    p.speculation_site = add_site(SiteKind::Stale, std::uint32_t(BuiltinProperty::StaleTranslation), {}, 0, none);
    p.cache_site = add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, none);
    if (cm_.tasks > 0) {
      std::vector<machine::TaskShape> tasks(std::size_t(cm_.tasks));
      std::vector<std::int64_t> first(std::size_t(cm_.cpus), -1);  // the task each CPU starts with: its first awake one
      for (const ProcessInfo& pi : cm_.processes) {
        if (!pi.task) continue;
        for (std::size_t k = 0; k < pi.cpus.size(); ++k) {
          std::size_t id = std::size_t(pi.first_task_id) + k;
          tasks[id] = {cm_.task_names[id], pi.cpus[k], pi.mm, pi.sleeping};
          std::int64_t& on_cpu = first[std::size_t(pi.cpus[k])];
          if (on_cpu < 0 && !pi.sleeping) on_cpu = std::int64_t(id);
        }
      }
      std::int64_t lazy_mm = cm_.mms.size() > 1 ? 1 : 0;  // a kernel task starts lazy on the first mm
      machine::lay_out_scheduler(shape, tasks, first, lazy_mm, slot_sink_, p.hw);
      p.task_process.resize(tasks.size());
    }
  }

  // The machine as machine/layout.hpp sees the protocol.
  machine::Shape machine_shape() const {
    machine::Shape shape;
    shape.config = cm_.machine;
    shape.config.cpus = cm_.cpus;
    shape.frames = out_.program.frames;
    for (const PageInfo& pg : cm_.pages) {
      shape.pages.push_back(pg.name);
      shape.page_index.push_back(pg.index);
    }
    for (const MmInfo& mm : cm_.mms) shape.mms.push_back(mm.name);
    for (const IrqInfo& irq : cm_.irqs) {
      shape.irqs.emplace_back(irq.body.decl->name);
      shape.device_fires.push_back(irq.device ? irq.fires : -1);
      shape.irq_cpu.push_back(irq.cpu);
    }
    return shape;
  }

  // The lowering's slots, for the machine's layout.
  struct MachineSlotSink final : machine::SlotSink {
    Lowerer& l;
    explicit MachineSlotSink(Lowerer& lowerer) : l(lowerer) {}
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
  void boot() {
    Program& p = out_.program;
    machine::Machine machine(cm_.machine, int(cm_.mms.size()), p.page_index, p.page_kernel, p.irq_device, p.hw, &p.slots, &p.access);
    std::string error;
    if (!machine.boot(p.initial.data(), boot_maps(), error)) {
      diags_.error(DiagKind::BadMachine, m_.file, {0, 1}, error);
      return;
    }
    std::int64_t root = cm_.mms.size() > 1 ? machine.get(p.initial.data(), p.hw.pgd[1]) : machine.get(p.initial.data(), p.hw.pgd[0]);
    for (int c = 0; c < cm_.cpus; ++c) {
      std::int64_t cpu_root = root;
      if (!p.hw.current.empty()) {  // the current task's (active) mm
        std::int64_t t = machine.get(p.initial.data(), p.hw.current[std::size_t(c)]);
        if (t >= 0) {
          std::int64_t mm = machine.get(p.initial.data(), p.hw.task_active_mm[std::size_t(t)]);
          if (mm >= 0) cpu_root = machine.get(p.initial.data(), p.hw.pgd[std::size_t(mm)]);
        }
      }
      machine.set(p.initial.data(), p.hw.cr3[std::size_t(c)], cpu_root);
    }
  }

  void lower_handler(std::uint32_t h, int cpu, int level) {
    const IrqInfo& irq = cm_.irqs[h];
    Program& p = out_.program;
    ProcessInstance inst;
    inst.name = std::string(irq.body.decl->name) + "@cpu" + std::to_string(cpu) + (cm_.machine.irq_nesting > 1 ? "#" + std::to_string(level) : "");
    inst.cpu = cpu;
    inst.handler = true;
    inst.level = level;
    inst.irq = int(h);
    Frame f = add_instance(std::move(inst), irq.body, cpu);
    std::uint32_t pid = f.process;
    for (std::uint32_t i = 0; i < irq.body.params; ++i) p.processes[pid].param_slots.push_back(local_slot(f, i));
    finish_instance(pid, f, irq.body.decl, Op::IrqReturn, 0);
  }

  void pack() {
    Program& p = out_.program;
    std::vector<std::uint32_t> order(p.slots.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    // per-CPU blocks first (CPU 0, 1, ...), shared state after, violation last
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      auto key = [&](std::uint32_t s) { return p.slots[s].pub.cpu < 0 ? cm_.cpus + (s == p.violation_slot) : p.slots[s].pub.cpu; };
      return key(a) < key(b);
    });
    std::uint32_t word = 0, shift = 0;
    for (std::uint32_t s : order) {
      ModelSlot& slot = p.slots[s];
      if (slot.pub.width == 0) {
        slot.pub.word = word;
        slot.pub.shift = 0;
        continue;
      }
      if (shift + slot.pub.width > 64) {
        ++word;
        shift = 0;
      }
      slot.pub.word = word;
      slot.pub.shift = shift;
      shift += slot.pub.width;
      p.bits += slot.pub.width;
    }
    p.words = word + 1;
    if (p.words > kMaxStateWords) {
      diags_.error(DiagKind::StateTooLarge, m_.file, {0, 1},
                   "the state needs " + std::to_string(p.words) + " words: at most " + std::to_string(kMaxStateWords));
    }
    for (const ModelSlot& slot : p.slots) {
      SlotAccess a;
      a.word = slot.pub.word;
      a.shift = slot.pub.shift;
      a.mask = slot.pub.width == 0 ? 0 : (slot.pub.width >= 64 ? ~0ULL : ((1ULL << slot.pub.width) - 1)) << slot.pub.shift;
      a.lo = slot.lo;
      p.access.push_back(a);
    }
    p.initial.assign(p.words, 0);
    for (auto [slot, value] : initial_values_) {
      const ModelSlot& s = p.slots[slot];
      std::uint64_t raw = std::uint64_t(value - s.lo);
      if (s.pub.width > 0) p.initial[s.pub.word] |= raw << s.pub.shift;
    }
  }

  // ---- emission ----------------------------------------------------------------
  std::uint32_t here() const { return static_cast<std::uint32_t>(code().size()); }
  std::vector<Instr>& code() { return in_snippet_ ? snippet_code_ : out_.program.code; }
  const std::vector<Instr>& code() const { return in_snippet_ ? snippet_code_ : out_.program.code; }

  std::uint32_t emit(Op op, std::int32_t a = 0, std::int32_t b = 0, std::int32_t c = 0) {
    if (code().size() >= kMaxInstructions && !gave_up_) {
      diags_.error(DiagKind::StateTooLarge, m_.file, {cur_src_, 1},
                   "the compiled model passes " + std::to_string(kMaxInstructions) + " instructions here: fewer calls, quantifiers or processes");
      gave_up_ = true;
    }
    if (gave_up_ && code().size() >= kMaxInstructions) return here() - 1;
    code().push_back({op, 0, a, b, c, cur_src_, cur_ctx_});
    if (!in_snippet_) {
      stmt_start_.push_back(mark_next_ && !generated_);
      mark_next_ = false;
    }
    return here() - 1;
  }

  void patch(std::uint32_t at, std::uint32_t target) { code()[at].a = static_cast<std::int32_t>(target); }

  // The end of a body (Halt, Exit, IrqReturn) that no statement ends: the
  // step that reaches it ran only local statements, and is labelled with
  // where it began. (A statement's own step end moved onto the terminator
  // keeps that statement: see finish_instance.)
  void emit_end(Op op) {
    std::uint32_t at = emit(op);
    if (op_is(op, kEnds)) code()[at].extra = kBodyEnd;
  }

  // Task slots of one kind must be consecutive to be indexed by a task value.
  std::uint32_t table_base(const std::vector<std::uint32_t>& table) {
    for (std::size_t i = 1; i < table.size(); ++i) assert(table[i] == table[0] + i && "task slots must be consecutive");
    return table.empty() ? 0 : table[0];
  }

  bool is_access(ExprId id) const {
    const Expr& e = m_.at(id);
    if (e.kind != ExprKind::Call || e.sym != SymKind::Builtin) return false;
    Builtin b = Builtin(e.sym_index);
    return b == Builtin::Touch || b == Builtin::Load || b == Builtin::Store || b == Builtin::LoadWord || b == Builtin::StoreWord;
  }

  std::uint32_t add_site(SiteKind kind, std::uint32_t property, ExprId expr, std::uint32_t slot, Frame& f) {
    Site s;
    s.kind = kind;
    s.property = property;
    s.src = cur_src_;
    s.expr = expr;
    s.slot = slot;
    s.process = f.process;
    out_.program.sites.push_back(s);
    out_.site_terms.push_back({});
    std::uint32_t id = static_cast<std::uint32_t>(out_.program.sites.size() - 1);
    // collecting may add sites of its own (an index inside a term)
    if (expr.valid()) {
      auto terms = collect_terms(expr, f);
      out_.site_terms[id].terms = std::move(terms);
    }
    return id;
  }
  std::uint32_t runtime_site(SiteKind kind, Frame& f, std::uint32_t slot = 0) {
    return add_site(kind, std::uint32_t(BuiltinProperty::RuntimeError), {}, slot, f);
  }

  // Whether evaluating `id` reads or writes shared state (globals, per-CPU data).
  bool shared(ExprId id) const {
    if (!id.valid()) return false;
    const Expr& e = m_.at(id);
    if (e.sym == SymKind::Global || e.sym == SymKind::Percpu) return true;
    if (e.kind == ExprKind::Call && e.sym == SymKind::Function) return true;  // conservatively
    if (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && builtin_is_machine(Builtin(e.sym_index))) return true;
    if (e.kind == ExprKind::Member) return true;
    for (ExprId a : e.args) {
      if (shared(a)) return true;
    }
    return false;
  }

  // Ends the step here unless inside an atomic block.
  void yield_if(bool touched) {
    if (!touched) return;
    ++shared_statements_;
    if (atomic_ > 0) {  // the atomic block's step is named after its first shared statement
      if (atomic_first_src_ == UINT32_MAX) atomic_first_src_ = cur_src_;
      return;
    }
    emit(Op::Yield, std::int32_t(here() + 1));
  }

  // ---- processes ---------------------------------------------------------------
  void lower_process(std::uint32_t index, int cpu) {
    const ProcessInfo& info = cm_.processes[index];
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
    if (info.task && cm_.machine.preemption) lower_preempt_stub(pid, f);
  }

  // ---- tasks ------------------------------------------------------------------------
  // The tasks another task on `cpu` could switch to.
  std::vector<int> candidates(int cpu, int self) const {
    std::vector<int> out;
    for (int t = 0; t < cm_.tasks; ++t) {
      if (t != self && cm_.task_cpu[std::size_t(t)] == cpu) out.push_back(t);
    }
    return out;
  }

  // Picks a runnable task, runs the context-switch hook (prev = this task)
  // and makes the choice current; the switch ends the step, and `after` is
  // where this task goes on when it is switched back. With `none_too`, a
  // further alternative for "nothing else can run" goes straight on.
  // Every instruction emitted is marked non-preemptible (the scheduler runs
  // with preemption off).
  void emit_switch(Frame& f, bool none_too, Op after) {
    Program& p = out_.program;
    int self = p.processes[f.process].task;
    std::vector<int> cand = candidates(f.cpu, self);
    std::size_t mark_from = here();
    std::uint32_t next_slot = alloc_slot(f.prefix + "next", "task", f.cpu, -1, cm_.tasks - 1, TypeKind::Task);
    initial_values_.push_back({next_slot, -1});
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
    if (cm_.context_switch_hook >= 0) inline_switch_hook(f, self, next_slot);
    emit(Op::Load, std::int32_t(next_slot));
    emit(Op::Switch);
    if (after == Op::Jmp) emit(Op::Yield, std::int32_t(here() + 1));
    else emit_end(after);
    for (std::uint32_t j : to_done) patch(j, here());
    p.no_preempt.resize(code().size(), false);
    for (std::size_t i = mark_from; i < here(); ++i) p.no_preempt[i] = true;
  }

  void inline_switch_hook(Frame& caller, int self, std::uint32_t next_slot) {
    const BodyInfo& callee = cm_.functions[std::size_t(cm_.context_switch_hook)];
    if (in_switch_hook_) {
      diags_.error(DiagKind::Recursion, m_.file, {cur_src_, 1}, "the context-switch hook calls schedule()");
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
    std::string text = "context_switch";
    auto& contexts = out_.program.contexts;
    auto it = std::find(contexts.begin(), contexts.end(), text);
    cur_ctx_ = static_cast<std::uint32_t>(it - contexts.begin());
    if (it == contexts.end()) contexts.push_back(text);
    std::uint32_t saved_src = cur_src_;
    lower_stmt(callee.decl->body, f);
    for (std::uint32_t j : f.return_jumps) patch(j, here());
    cur_ctx_ = saved_ctx;
    cur_src_ = saved_src;
    in_switch_hook_ = false;
  }

  // Preemption: the task is switched away at a step boundary and resumes
  // there. The stub runs the same switch as schedule(), then Resume.
  void lower_preempt_stub(std::uint32_t pid, Frame& f) {
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

  // Lowers a body, ends it with `terminator`, places step boundaries and
  // numbers the locations. `initial_pc`: 1 starts at the entry, 0 idle.
  // The frame of a body inlined into `caller`'s process; its slots are named
  // "<caller prefix><name>.".
  static Frame inlined_frame(const BodyInfo& callee, const Frame& caller, const std::string& name) {
    Frame f;
    f.body = &callee;
    f.locals.resize(callee.locals.size());
    f.prefix = caller.prefix + name + ".";
    f.cpu = caller.cpu;
    f.process = caller.process;
    return f;
  }

  // Registers a process instance whose code starts here, and the frame its
  // body is compiled in.
  Frame add_instance(ProcessInstance inst, const BodyInfo& body, int cpu) {
    inst.entry = here();
    Frame f;
    f.body = &body;
    f.locals.resize(body.locals.size());
    f.prefix = inst.name + ".";
    f.cpu = cpu;
    f.process = static_cast<std::uint32_t>(out_.program.processes.size());
    out_.program.processes.push_back(std::move(inst));
    return f;
  }

  void finish_instance(std::uint32_t pid, Frame& f, const Decl* decl, Op terminator, std::int64_t initial_pc) {
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

  // A loop back edge closes a cycle; if some path around it has no Yield the
  // step could run forever, so the back edge itself becomes a Yield.
  void close_yield_free_cycles(std::uint32_t begin, std::uint32_t end) {
    Program& p = out_.program;
    for (std::uint32_t j : back_edges_) {
      std::uint32_t head = static_cast<std::uint32_t>(p.code[j].a);
      std::vector<char> seen(end - begin, 0);
      std::vector<std::uint32_t> work{head};
      bool reaches = false;
      while (!work.empty() && !reaches) {
        std::uint32_t i = work.back();
        work.pop_back();
        if (i < begin || i >= end || seen[i - begin]) continue;
        seen[i - begin] = 1;
        if (i == j) {
          reaches = true;
          break;
        }
        for_each_successor(i, [&](std::uint32_t s) { work.push_back(s); }, /*through_yield=*/false);
      }
      if (reaches) p.code[j].op = Op::Yield;
    }
  }

  template <typename F>
  void for_each_successor(std::uint32_t i, F&& f, bool through_yield) const {
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

  void warn_unreachable(std::uint32_t begin, std::uint32_t end, std::uint32_t entry) {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    Graph g(end - begin);
    for (std::uint32_t i = begin; i < end; ++i) {
      for_each_successor(i, [&](std::uint32_t s) {
        if (s >= begin && s < end) boost::add_edge(i - begin, s - begin, g);
      }, true);
    }
    std::vector<boost::default_color_type> color(end - begin, boost::white_color);
    auto colors = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
    boost::breadth_first_search(g, boost::vertex(entry - begin, g), boost::color_map(colors));
    for (std::uint32_t i = begin; i < end; ++i) {
      if (color[i - begin] != boost::white_color || !stmt_start_[i]) continue;
      std::uint32_t src = out_.program.code[i].src;
      if (!warned_.insert(src).second) continue;
      diags_.warning(DiagKind::Unreachable, m_.file, {src, 1}, "statement is never reached");
    }
  }

  // ---- statements ---------------------------------------------------------------
  void lower_block(StmtId id, Frame& f) { lower_stmt(id, f); }

  void lower_stmt(StmtId id, Frame& f) {
    if (!id.valid() || gave_up_) return;
    const Stmt& s = m_.at(id);
    if (s.kind != StmtKind::Block) {
      cur_src_ = s.loc.offset;
      mark_next_ = true;
      if (++statements_ > kMaxInlinedStatements) return give_up_statements();
    }
    switch (s.kind) {
      case StmtKind::Block:
        for (StmtId c : s.list) lower_stmt(c, f);
        break;
      case StmtKind::Let: {
        const LocalInfo& local = f.body->locals[s.local];
        if (!s.value.valid()) {
          std::uint32_t slot = local_slot(f, s.local);
          for (std::uint32_t k = 0; k < elements(local.type); ++k) {
            const ModelSlot& ms = out_.program.slots[slot + k];
            mark();
            emit(Op::Push, std::int32_t(ms.kind == TypeKind::Int ? std::clamp<std::int64_t>(0, ms.lo, ms.hi) : ms.lo < 0 ? -1 : 0));
            emit(Op::Store, std::int32_t(slot + k), std::int32_t(runtime_site(SiteKind::Range, f, slot + k)));
          }
          break;
        }
        const Expr& v = m_.at(s.value);
        if (v.kind == ExprKind::Call && v.sym == SymKind::Function) {
          std::uint32_t slot = local_slot(f, s.local);
          inline_call(s.value, f, slot);
          break;
        }
        if (is_access(s.value)) {
          Address a;
          a.base = local_slot(f, s.local);
          a.type = local.type;
          lower_access(s.value, f, a);
          break;
        }
        if (v.cval && !local.assigned) {  // a constant: no slot needed
          f.locals[s.local] = Binding{true, *v.cval, 0};
          break;
        }
        std::uint32_t slot = local_slot(f, s.local);
        mark();
        emit_expr(s.value, f);
        emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
        yield_if(shared(s.value));
        break;
      }
      case StmtKind::Assign: {
        const Expr& v = m_.at(s.value);
        if (v.kind == ExprKind::Call && v.sym == SymKind::Function) {
          // x = f(...): the body runs first, then its result is stored
          auto [lo, hi] = range_of(v.type);
          std::uint32_t tmp = alloc_slot(f.prefix + std::string(v.name) + ".result", type_name(v.type, cm_.enums), f.cpu, lo, hi, v.type.kind, v.type.enum_id);
          initial_values_.push_back({tmp, out_.program.slots[tmp].lo});
          inline_call(s.value, f, tmp);
          cur_src_ = s.loc.offset;
          mark();
          Address a = address(s.target, f);
          emit(Op::Load, std::int32_t(tmp));
          store(a, f);
          yield_if(shared(s.target));
          break;
        }
        if (s.op == Tok::Assign && is_access(s.value)) {
          Address a = address(s.target, f);
          if (a.dynamic) {
            diags_.error(DiagKind::NotAssignable, m_.file, m_.at(s.target).loc, "the result of a load needs a target with constant indices");
            break;
          }
          lower_access(s.value, f, a);
          break;
        }
        mark();
        Address a = address(s.target, f);
        if (s.op != Tok::Assign) {
          if (a.dynamic) {
            diags_.error(DiagKind::NotAssignable, m_.file, m_.at(s.target).loc, "'+=' and '-=' need a target with constant indices");
            break;
          }
          emit(Op::Load, std::int32_t(a.base));
          emit_expr(s.value, f);
          emit(s.op == Tok::PlusAssign ? Op::Add : Op::Sub);
        } else {
          emit_expr(s.value, f);
        }
        store(a, f);
        yield_if(shared(s.target) || shared(s.value));
        break;
      }
      case StmtKind::Call: {
        const Expr& call = m_.at(s.value);
        if (call.sym == SymKind::Function) {
          inline_call(s.value, f, std::nullopt);
          break;
        }
        if (is_access(s.value)) {
          lower_access(s.value, f, std::nullopt);
          break;
        }
        if (call.sym == SymKind::Builtin && Builtin(call.sym_index) == Builtin::Schedule) {
          if (out_.program.processes[f.process].task < 0) {
            diags_.error(DiagKind::BadCall, m_.file, call.loc, "'schedule()' switches tasks, but it is reached from '" + out_.program.processes[f.process].name + "', which is no task");
            break;
          }
          emit_switch(f, true, Op::Jmp);
          break;
        }
        mark();
        if (call.sym == SymKind::Builtin && Builtin(call.sym_index) == Builtin::Bug) {
          if (enabled_[std::size_t(BuiltinProperty::Assertion)]) emit(Op::Fail, std::int32_t(add_site(SiteKind::Bug, 0, {}, 0, f)));
          break;
        }
        emit_expr(s.value, f);
        Builtin b = Builtin(call.sym_index);
        if (!builtin_is_machine(b) || hw_result(b)) emit(Op::Pop);  // discard a result, if there is one
        yield_if(shared(s.value));
        break;
      }
      case StmtKind::If: {
        if (auto c = m_.at(s.value).cval) {  // a constant condition (an option): only the branch taken
          lower_stmt(*c ? s.body : s.else_body, f);
          break;
        }
        mark();
        emit_expr(s.value, f);
        std::uint32_t jz = emit(Op::Jz);
        bool touched = shared(s.value);
        yield_if(touched);
        lower_stmt(s.body, f);
        cur_src_ = s.loc.offset;  // the code below belongs to the if, not to its last nested statement
        std::uint32_t jend = emit(Op::Jmp);
        patch(jz, here());
        yield_if(touched);
        if (touched) --shared_statements_;
        lower_stmt(s.else_body, f);
        patch(jend, here());
        break;
      }
      case StmtKind::While: {
        std::uint32_t head = here();
        mark();
        emit_expr(s.value, f);
        std::uint32_t jz = emit(Op::Jz);
        bool touched = shared(s.value);
        yield_if(touched);
        f.loops.push_back({head, {}});
        lower_stmt(s.body, f);
        cur_src_ = s.loc.offset;
        back_edge(head);
        patch(jz, here());
        yield_if(touched);
        if (touched) --shared_statements_;
        for (std::uint32_t b : f.loops.back().breaks) patch(b, here());
        f.loops.pop_back();
        break;
      }
      case StmtKind::Loop: {
        std::uint32_t head = here();
        f.loops.push_back({head, {}});
        lower_stmt(s.body, f);
        cur_src_ = s.loc.offset;
        back_edge(head);
        for (std::uint32_t b : f.loops.back().breaks) patch(b, here());
        f.loops.pop_back();
        break;
      }
      case StmtKind::Break:
        mark();
        f.loops.back().breaks.push_back(emit(Op::Jmp));
        break;
      case StmtKind::Continue:
        mark();
        back_edge(f.loops.back().head);
        break;
      case StmtKind::Return: {
        if (s.value.valid()) {
          const Expr& v = m_.at(s.value);
          if (v.kind == ExprKind::Call && v.sym == SymKind::Function) {
            inline_call(s.value, f, f.result_slot);
          } else {
            mark();
            emit_expr(s.value, f);
            emit(Op::Store, std::int32_t(*f.result_slot), std::int32_t(runtime_site(SiteKind::Range, f, *f.result_slot)));
            yield_if(shared(s.value));
          }
        }
        cur_src_ = s.loc.offset;
        mark();
        f.return_jumps.push_back(emit(Op::Jmp));
        break;
      }
      case StmtKind::Atomic: {
        std::uint32_t before = shared_statements_;
        std::uint32_t saved_first = atomic_first_src_;
        if (atomic_ == 0) atomic_first_src_ = UINT32_MAX;
        ++atomic_;
        lower_stmt(s.body, f);
        --atomic_;
        cur_src_ = atomic_first_src_ != UINT32_MAX ? atomic_first_src_ : s.loc.offset;
        if (shared_statements_ != before && atomic_ == 0) emit(Op::Yield, std::int32_t(here() + 1));
        cur_src_ = s.loc.offset;
        if (atomic_ == 0) atomic_first_src_ = saved_first;
        break;
      }
      case StmtKind::Await:
        mark();
        emit_expr(s.value, f);
        emit(Op::Await);
        yield_if(shared(s.value));
        break;
      case StmtKind::Assert:
      case StmtKind::BugOn: {
        if (!enabled_[std::size_t(BuiltinProperty::Assertion)]) break;
        mark();
        emit_expr(s.value, f);
        if (s.kind == StmtKind::BugOn) emit(Op::Not);
        emit(Op::Check, std::int32_t(add_site(s.kind == StmtKind::Assert ? SiteKind::Assert : SiteKind::BugOn, 0, s.value, 0, f)));
        yield_if(shared(s.value));
        break;
      }
      case StmtKind::Either: {
        mark();
        std::uint32_t fork = emit(Op::Fork, std::int32_t(s.list.size()));
        std::vector<std::uint32_t> jumps;
        for (std::size_t k = 0; k < s.list.size(); ++k) jumps.push_back(emit(Op::Jmp));
        std::vector<std::uint32_t> ends;
        for (std::size_t k = 0; k < s.list.size(); ++k) {
          patch(jumps[k], here());
          lower_stmt(s.list[k], f);
          ends.push_back(emit(Op::Jmp));
        }
        for (std::uint32_t e : ends) patch(e, here());
        (void)fork;
        break;
      }
      case StmtKind::Skip:
        break;
    }
  }

  // Statement starts are flagged by lower_stmt (mark_next_); kept as a hook
  // where a statement's first instruction is emitted.
  void mark() {}

  void back_edge(std::uint32_t head) {
    std::uint32_t j = emit(Op::Jmp, std::int32_t(head));
    if (atomic_ == 0) back_edges_.push_back(j);
  }

  std::uint32_t local_slot(Frame& f, std::uint32_t local) {
    if (f.locals[local] && !f.locals[local]->is_const) return f.locals[local]->slot;
    const LocalInfo& info = f.body->locals[local];
    std::uint32_t slot = alloc_var(f.prefix + std::string(info.name), info.type, f.cpu);
    for (std::uint32_t k = 0; k < elements(info.type); ++k) {
      const ModelSlot& ms = out_.program.slots[slot + k];
      initial_values_.push_back({slot + k, ms.kind == TypeKind::Int ? std::clamp<std::int64_t>(0, ms.lo, ms.hi) : (ms.lo < 0 ? -1 : 0)});
    }
    f.locals[local] = Binding{false, 0, slot};
    return slot;
  }

  void inline_call(ExprId call_id, Frame& caller, std::optional<std::uint32_t> result_slot) {
    const Expr& call = m_.at(call_id);
    const BodyInfo& callee = cm_.functions[call.sym_index];
    std::string fname(callee.decl->name);
    InlineScope scope(*this, fname + "()", call.loc.offset);
    if (!scope.ok) return;
    int n = ++inline_counts_[fname];
    Frame f = inlined_frame(callee, caller, fname + (n > 1 ? "#" + std::to_string(n) : ""));
    f.result_slot = result_slot;
    if (callee.has_result && !f.result_slot) {
      auto [lo, hi] = range_of(callee.result);
      f.result_slot = alloc_slot(f.prefix + "result", type_name(callee.result, cm_.enums), f.cpu, lo, hi, callee.result.kind, callee.result.enum_id);
      initial_values_.push_back({*f.result_slot, out_.program.slots[*f.result_slot].lo});
    }
    bool touched = false;
    mark();
    std::uint32_t saved_ctx = cur_ctx_;
    std::string text = source_text(call_id);
    auto& contexts = out_.program.contexts;
    auto it = std::find(contexts.begin(), contexts.end(), text);
    std::uint32_t ctx = static_cast<std::uint32_t>(it - contexts.begin());
    if (it == contexts.end()) contexts.push_back(text);
    for (std::uint32_t i = 0; i < callee.params; ++i) {
      ExprId arg = call.args[i];
      const Expr& a = m_.at(arg);
      if (a.cval && !callee.locals[i].assigned) {
        f.locals[i] = Binding{true, *a.cval, 0};
        continue;
      }
      std::uint32_t slot = local_slot(f, i);
      emit_expr(arg, caller);
      emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
      touched = touched || shared(arg);
    }
    yield_if(touched);
    cur_ctx_ = ctx;
    lower_stmt(callee.decl->body, f);
    for (std::uint32_t j : f.return_jumps) patch(j, here());
    cur_ctx_ = saved_ctx;
  }

  // ---- addresses and expressions ---------------------------------------------------
  // The root variable of an lvalue chain: its first slot, per-CPU stride and type.
  Address address(ExprId id, Frame& f) {
    const Expr& e = m_.at(id);
    switch (e.kind) {
      case ExprKind::Name: {
        Address a;
        a.type = e.type;
        if (e.sym == SymKind::Local) {
          a.base = local_slot(f, e.sym_index);
        } else if (e.sym == SymKind::Global) {
          a.base = global_base_[e.sym_index];
        } else {  // per-CPU: this CPU's copy
          a.base = global_base_[e.sym_index] + std::uint32_t(f.cpu) * elements(cm_.globals[e.sym_index].type);
        }
        return a;
      }
      case ExprKind::Call: {  // per_cpu(x, c)
        const Expr& var = m_.at(e.args[0]);
        Address a;
        a.type = var.type;
        std::uint32_t stride = elements(cm_.globals[var.sym_index].type);
        a.base = global_base_[var.sym_index];
        const Expr& cpu = m_.at(e.args[1]);
        if (cpu.cval && *cpu.cval >= 0 && *cpu.cval < cm_.cpus) {
          a.base += std::uint32_t(*cpu.cval) * stride;
        } else {
          emit(Op::Push, 0);
          emit_expr(e.args[1], f);
          emit(Op::Index, cm_.cpus, std::int32_t(stride), std::int32_t(runtime_site(SiteKind::CpuRange, f)));
          a.dynamic = true;
        }
        return a;
      }
      case ExprKind::Index: {
        Address a = address(e.args[0], f);
        Type elem = a.type.element();
        std::uint32_t stride = elements(elem);
        const Expr& idx = m_.at(e.args[1]);
        if (idx.cval && !a.dynamic) {
          a.base += std::uint32_t(*idx.cval) * stride;
        } else {
          if (!a.dynamic) emit(Op::Push, 0);
          emit_expr(e.args[1], f);
          emit(Op::Index, std::int32_t(a.type.dims[0]), std::int32_t(stride), std::int32_t(runtime_site(SiteKind::Index, f)));
          a.dynamic = true;
        }
        a.type = elem;
        return a;
      }
      case ExprKind::Member: {  // m.field, m.pgd, t.mm, t.active_mm
        const Program& p = out_.program;
        Address a;
        a.type = e.type;
        std::uint32_t base = 0, stride = 1;
        if (e.sym == SymKind::MachineField && ObjectField(e.sym_index) != ObjectField::MmPgd) {
          const auto& table = ObjectField(e.sym_index) == ObjectField::TaskMm ? p.hw.task_mm : p.hw.task_active_mm;
          const Expr& task = m_.at(e.args[0]);
          if (task.cval && *task.cval >= 0) {
            a.base = table[std::size_t(*task.cval)];
          } else {  // task slots of one kind are allocated apart: index through a table of slots
            emit(Op::Push, 0);
            emit_expr(e.args[0], f);
            emit(Op::Index, cm_.tasks, 1, std::int32_t(runtime_site(SiteKind::Index, f)));
            a.base = table_base(table);
            a.dynamic = true;
          }
          return a;
        }
        if (e.sym == SymKind::MachineField) {
          base = p.hw.pgd[0];
        } else {
          base = p.mm_field_base[e.sym_index];
          stride = p.mm_field_stride[e.sym_index];
        }
        a.base = base;
        const Expr& mm = m_.at(e.args[0]);
        if (mm.cval && *mm.cval >= 0) {
          a.base += std::uint32_t(*mm.cval) * stride;
        } else {
          emit(Op::Push, 0);
          emit_expr(e.args[0], f);
          emit(Op::Index, std::int32_t(cm_.mms.size()), std::int32_t(stride), std::int32_t(runtime_site(SiteKind::Index, f)));
          a.dynamic = true;
        }
        return a;
      }
      default:
        return {};
    }
  }

  void store(const Address& a, Frame& f) {
    std::int32_t site = std::int32_t(runtime_site(SiteKind::Range, f, a.base));
    if (a.dynamic) emit(Op::StoreDyn, std::int32_t(a.base), site);
    else emit(Op::Store, std::int32_t(a.base), site);
  }

  void load(const Address& a) {
    if (a.dynamic) emit(Op::LoadDyn, std::int32_t(a.base));
    else emit(Op::Load, std::int32_t(a.base));
  }

  void emit_expr(ExprId id, Frame& f) {
    if (gave_up_) return;
    const Expr& e = m_.at(id);
    if (e.cval && e.kind != ExprKind::Call) {
      emit(Op::Push, std::int32_t(*e.cval));
      return;
    }
    switch (e.kind) {
      case ExprKind::Int:
      case ExprKind::Bool:
        emit(Op::Push, std::int32_t(e.value));
        return;
      case ExprKind::ThisCpu:
        emit(Op::Push, f.cpu);
        return;
      case ExprKind::Name:
        if (e.sym == SymKind::QuantVar) {
          emit(Op::Push, std::int32_t(quant_values_[e.sym_index]));
          return;
        }
        if (e.sym == SymKind::MachineField) {  // current
          emit(Op::Load, std::int32_t(out_.program.hw.current[std::size_t(f.cpu)]));
          return;
        }
        if (e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->is_const) {
          emit(Op::Push, std::int32_t(f.locals[e.sym_index]->value));
          return;
        }
        load(address(id, f));
        return;
      case ExprKind::Index:
      case ExprKind::Member:
        load(address(id, f));
        return;
      case ExprKind::Unary:
        emit_expr(e.args[0], f);
        if (e.op == Tok::Bang) emit(Op::Not);
        else if (e.op == Tok::Minus) emit(Op::Neg);
        else emit(Op::Compl, e.type.kind == TypeKind::Mask ? std::int32_t(e.type.hi) : 0);
        return;
      case ExprKind::Binary: {
        if (e.op == Tok::AmpAmp || e.op == Tok::PipePipe) {
          emit_expr(e.args[0], f);
          std::uint32_t j = emit(e.op == Tok::AmpAmp ? Op::JzKeep : Op::JnzKeep);
          emit_expr(e.args[1], f);
          patch(j, here());
          return;
        }
        emit_expr(e.args[0], f);
        emit_expr(e.args[1], f);
        switch (e.op) {
          case Tok::Plus: emit(Op::Add); break;
          case Tok::Minus: emit(Op::Sub); break;
          case Tok::Star: emit(Op::Mul); break;
          case Tok::Slash: emit(Op::Div, 0, 0, std::int32_t(runtime_site(SiteKind::DivZero, f))); break;
          case Tok::Percent: emit(Op::Mod, 0, 0, std::int32_t(runtime_site(SiteKind::DivZero, f))); break;
          case Tok::Shl: emit(Op::Shl); break;
          case Tok::Shr: emit(Op::Shr); break;
          case Tok::Amp: emit(Op::BitAnd); break;
          case Tok::Pipe: emit(Op::BitOr); break;
          case Tok::Caret: emit(Op::BitXor); break;
          case Tok::Eq: emit(Op::Eq); break;
          case Tok::Ne: emit(Op::Ne); break;
          case Tok::Lt: emit(Op::Lt); break;
          case Tok::Le: emit(Op::Le); break;
          case Tok::Gt: emit(Op::Gt); break;
          case Tok::Ge: emit(Op::Ge); break;
          default: break;
        }
        return;
      }
      case ExprKind::Cond: {
        emit_expr(e.args[0], f);
        std::uint32_t jz = emit(Op::Jz);
        emit_expr(e.args[1], f);
        std::uint32_t jend = emit(Op::Jmp);
        patch(jz, here());
        emit_expr(e.args[2], f);
        patch(jend, here());
        return;
      }
      case ExprKind::Quant: {
        Type vt = quant_type(e);
        UnrollScope unroll(*this, e, vt);
        if (!unroll.ok) return;
        quant_values_.push_back(0);
        bool first = true;
        for (std::int64_t v = vt.lo; v <= vt.hi; ++v) {
          quant_values_.back() = v;
          emit_expr(e.args[0], f);
          if (!first) emit(e.op == Tok::KwForall ? Op::BitAnd : e.op == Tok::KwExists ? Op::BitOr : Op::Add);
          first = false;
        }
        quant_values_.pop_back();
        return;
      }
      case ExprKind::Call:
        emit_builtin(id, f);
        return;
    }
  }

  Type quant_type(const Expr& e) const {
    const TypeSyntax& ts = e.quant_type;
    Type t;
    switch (ts.base) {
      case Tok::KwBool: t.kind = TypeKind::Bool; t.lo = 0; t.hi = 1; break;
      case Tok::KwCpu: t.kind = TypeKind::Cpu; t.lo = 0; t.hi = cm_.cpus - 1; break;
      case Tok::KwInt: t.kind = TypeKind::Int; t.lo = *m_.at(ts.lo).cval; t.hi = *m_.at(ts.hi).cval; break;
      case Tok::Ident:
        if (ts.name == "mm" || ts.name == "page") {
          t.kind = TypeKind::Int;
          t.lo = 0;
          t.hi = std::int64_t(ts.name == "mm" ? cm_.mms.size() : cm_.pages.size()) - 1;
          break;
        }
        [[fallthrough]];
      default: {  // an enum
        t.kind = TypeKind::Enum;
        std::size_t n = ts.members.size();
        if (n == 0) {
          for (const EnumInfo& en : cm_.enums) {
            if (en.name == ts.name) n = en.members.size();
          }
        }
        t.lo = 0;
        t.hi = std::int64_t(n) - 1;
        break;
      }
    }
    return t;
  }

  void emit_builtin(ExprId id, Frame& f) {
    const Expr& e = m_.at(id);
    switch (Builtin(e.sym_index)) {
      case Builtin::PerCpu:
        load(address(id, f));
        return;
      case Builtin::TestBit:
        emit_expr(e.args[0], f);
        emit_expr(e.args[1], f);
        emit(Op::TestBit, 0, 0, std::int32_t(runtime_site(SiteKind::CpuRange, f)));
        return;
      case Builtin::CpumaskOf:
        emit_expr(e.args[0], f);
        emit(Op::MaskOf, 0, 0, std::int32_t(runtime_site(SiteKind::CpuRange, f)));
        return;
      case Builtin::CpumaskEmpty:
        emit_expr(e.args[0], f);
        emit(Op::Push, 0);
        emit(Op::Eq);
        return;
      case Builtin::CpumaskWeight:
        emit_expr(e.args[0], f);
        emit(Op::Weight);
        return;
      case Builtin::TestAndSetBit:
      case Builtin::TestAndClearBit:
      case Builtin::SetBit:
      case Builtin::ClearBit: {
        Address a = address(e.args[1], f);
        if (!a.dynamic) emit(Op::Push, 0);
        emit_expr(e.args[0], f);
        bool set = Builtin(e.sym_index) == Builtin::TestAndSetBit || Builtin(e.sym_index) == Builtin::SetBit;
        emit(Op::BitRmw, std::int32_t(a.base), set ? 1 : 0, std::int32_t(runtime_site(SiteKind::CpuRange, f)));
        return;
      }
      case Builtin::Bug:
        return;
      default: {  // the machine
        if (Builtin(e.sym_index) == Builtin::SendIpi) {  // the handler's arguments first, then target and handler
          for (std::size_t i = 2; i < e.args.size(); ++i) emit_expr(e.args[i], f);
          emit_expr(e.args[0], f);
          emit_expr(e.args[1], f);
        } else {
          for (ExprId a : e.args) emit_expr(a, f);
        }
        Builtin b = Builtin(e.sym_index);
        bool mask = b == Builtin::SendIpi && m_.at(e.args[0]).type.kind == TypeKind::Mask;
        std::int32_t extra = mask ? 1 : 0;
        if (b == Builtin::KernelLoad || b == Builtin::CopyPage) extra = std::int32_t(add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, f));
        std::uint32_t at = emit(Op::Hw, std::int32_t(e.sym_index), std::int32_t(add_site(SiteKind::Machine, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f)), extra);
        code()[at].extra = std::uint8_t(e.args.size() - builtin_info(b).arity());  // send_ipi's handler arguments
        return;
      }
    }
  }

  static bool hw_result(Builtin b) { return builtin_info(b).has_result(); }

  // An access statement (touch, load, store), or `x = load(p)`: the access
  // retries after the protocol's page-fault handler runs.
  //   retry: <page> [<value>] Access kind site fault   ; store the result
  //          Jmp done
  //   fault: <the page-fault hook, inlined> ; Jmp retry (a back edge)
  //   done:
  void lower_access(ExprId call_id, Frame& f, std::optional<Address> target) {
    const Expr& call = m_.at(call_id);
    Builtin b = Builtin(call.sym_index);
    AccessKind kind = b == Builtin::Touch ? AccessKind::Touch : b == Builtin::Load ? AccessKind::Load : b == Builtin::Store ? AccessKind::Store : b == Builtin::LoadWord ? AccessKind::LoadWord : AccessKind::StoreWord;
    std::uint32_t retry = here();
    for (ExprId a : call.args) emit_expr(a, f);
    std::uint32_t site = add_site(SiteKind::Stale, std::uint32_t(BuiltinProperty::StaleTranslation), {}, 0, f);
    std::uint32_t runtime = add_site(SiteKind::Machine, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f);
    std::uint32_t cache = add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, f);
    std::uint32_t no_handler = add_site(SiteKind::NoFaultHandler, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f);
    // site + 1, + 2, + 3: where the interpreter reports an access's runtime errors, stale reads, and a fault with no handler
    (void)runtime, (void)cache, (void)no_handler;
    std::uint32_t access = emit(Op::Access, std::int32_t(kind), std::int32_t(site));
    if (kind == AccessKind::Load || kind == AccessKind::LoadWord) {
      if (target) store(*target, f);
      else emit(Op::Pop);
    }
    yield_if(true);
    std::uint32_t done = emit(Op::Jmp);
    if (cm_.page_fault_hook < 0) {
      patch_c(access, std::uint32_t(-1));  // a fault is reported at site + 3
    } else {
      patch_c(access, here());
      // Taking the fault is a step of its own: the handler starts in a
      // later step, so an interrupt can arrive in between (a trap gate keeps
      // interrupts on), as on the hardware.
      if (atomic_ == 0) emit(Op::Yield, std::int32_t(here() + 1));
      inline_hook(std::uint32_t(cm_.page_fault_hook), {call.args[0]}, kind == AccessKind::Store || kind == AccessKind::StoreWord, f);
      back_edge(retry);
    }
    patch(done, here());
  }

  void patch_c(std::uint32_t at, std::uint32_t target) { code()[at].c = static_cast<std::int32_t>(target); }

  // Inlines the page-fault hook with (page, write) as its arguments.
  void inline_hook(std::uint32_t fn, std::vector<ExprId> page_arg, bool write, Frame& caller) {
    const BodyInfo& callee = cm_.functions[fn];
    InlineScope scope(*this, "page_fault", cur_src_);
    if (!scope.ok) return;
    Frame f = inlined_frame(callee, caller, "page_fault");
    std::uint32_t saved_ctx = cur_ctx_;
    std::string text = "page fault";
    auto& contexts = out_.program.contexts;
    auto it = std::find(contexts.begin(), contexts.end(), text);
    std::uint32_t ctx = static_cast<std::uint32_t>(it - contexts.begin());
    if (it == contexts.end()) contexts.push_back(text);
    const Expr& page = m_.at(page_arg[0]);
    if (page.cval && !callee.locals[0].assigned) {
      f.locals[0] = Binding{true, *page.cval, 0};
    } else {
      std::uint32_t slot = local_slot(f, 0);
      emit_expr(page_arg[0], caller);
      emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
    }
    if (!callee.locals[1].assigned) {
      f.locals[1] = Binding{true, write ? 1 : 0, 0};
    } else {
      std::uint32_t slot = local_slot(f, 1);
      emit(Op::Push, write ? 1 : 0);
      emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
    }
    cur_ctx_ = ctx;
    lower_stmt(callee.decl->body, f);
    for (std::uint32_t j : f.return_jumps) patch(j, here());
    cur_ctx_ = saved_ctx;
  }

  // ---- explanation snippets --------------------------------------------------------
  Witness witness(ExprId id, Frame& f) {
    Witness w;
    const Expr& e = m_.at(id);
    if (e.kind != ExprKind::Quant || e.op != Tok::KwForall) return w;
    w.var = std::string(e.name);
    Type vt = quant_type(e);
    UnrollScope unroll(*this, e, vt);
    if (!unroll.ok) return w;
    quant_values_.push_back(0);
    for (std::int64_t v = vt.lo; v <= vt.hi; ++v) {
      quant_values_.back() = v;
      bool saved = in_snippet_;
      in_snippet_ = true;
      std::uint32_t entry = here();
      emit_expr(e.args[0], f);
      emit(Op::Return);
      in_snippet_ = saved;
      std::string shown = std::to_string(v);
      if (vt.kind == TypeKind::Enum && e.quant_type.base == Tok::Ident) {
        for (const EnumInfo& en : cm_.enums) {
          if (en.name == e.quant_type.name && std::size_t(v) < en.members.size()) shown = en.members[std::size_t(v)];
        }
      }
      w.values.push_back({shown, entry | 0x80000000u});
      quant_bound_ = true;
      w.terms.push_back(collect_terms(e.args[0], f));
      quant_bound_ = false;
    }
    quant_values_.pop_back();
    return w;
  }

  // The variables a condition mentions, each with code that evaluates it.
  std::vector<std::pair<std::string, std::uint32_t>> collect_terms(ExprId id, Frame& f) {
    std::vector<std::pair<std::string, std::uint32_t>> terms;
    std::set<std::string> seen;
    collect(id, f, terms, seen);
    return terms;
  }

  void collect(ExprId id, Frame& f, std::vector<std::pair<std::string, std::uint32_t>>& terms, std::set<std::string>& seen) {
    const Expr& e = m_.at(id);
    bool leaf = (e.kind == ExprKind::Name && (e.sym == SymKind::Global || e.sym == SymKind::Percpu || e.sym == SymKind::Local) && !e.type.is_array()) ||
                (e.kind == ExprKind::Index && !e.type.is_array()) || (e.kind == ExprKind::Member && !e.type.is_array()) ||
                (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && Builtin(e.sym_index) == Builtin::PerCpu && !e.type.is_array()) ||
                (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && pure_machine_read(Builtin(e.sym_index)));
    if (e.kind == ExprKind::Quant) return;  // its bound variable has no value outside
    if (leaf && (!uses_quant(id) || quant_bound_)) {
      std::string text(m_.file->text().substr(e.loc.offset, 0));
      text = source_text(id);
      if (!seen.insert(text).second) return;
      if (e.kind == ExprKind::Name && e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->is_const) return;
      bool saved_snippet = in_snippet_;
      in_snippet_ = true;
      std::uint32_t entry = here();
      emit_expr(id, f);
      emit(Op::Return);
      in_snippet_ = saved_snippet;
      terms.push_back({text, entry | 0x80000000u});  // high bit: a snippet offset, relocated later
      return;
    }
    for (ExprId a : e.args) collect(a, f, terms, seen);
  }

  static bool pure_machine_read(Builtin b) { return builtin_info(b).machine() && builtin_info(b).pure(); }

  bool uses_quant(ExprId id) const {
    const Expr& e = m_.at(id);
    if (e.sym == SymKind::QuantVar) return true;
    for (ExprId a : e.args) {
      if (uses_quant(a)) return true;
    }
    return false;
  }

  // The source text of an expression: from its leftmost to its rightmost token.
  std::string source_text(ExprId id) const {
    std::uint32_t lo = UINT32_MAX, hi = 0;
    span(id, lo, hi);
    return std::string(m_.file->text().substr(lo, hi - lo));
  }
  void span(ExprId id, std::uint32_t& lo, std::uint32_t& hi) const {
    const Expr& e = m_.at(id);
    lo = std::min(lo, e.loc.offset);
    std::uint32_t end = e.loc.offset + e.loc.length;
    if (e.kind == ExprKind::Call) {  // up to the closing parenthesis
      std::string_view t = m_.file->text();
      std::uint32_t i = e.loc.offset;
      int depth = 0;
      while (i < t.size()) {
        if (t[i] == '(') ++depth;
        if (t[i] == ')' && --depth == 0) break;
        ++i;
      }
      end = std::min<std::uint32_t>(i + 1, std::uint32_t(t.size()));
    } else if (e.kind == ExprKind::Index) {
      std::string_view t = m_.file->text();
      std::uint32_t i = e.loc.offset;
      int depth = 0;
      while (i < t.size()) {
        if (t[i] == '[') ++depth;
        if (t[i] == ']' && --depth == 0) break;
        ++i;
      }
      end = std::min<std::uint32_t>(i + 1, std::uint32_t(t.size()));
    }
    hi = std::max(hi, end);
    for (ExprId a : e.args) span(a, lo, hi);
  }

  void append_snippets() {
    Program& p = out_.program;
    std::uint32_t base = static_cast<std::uint32_t>(p.code.size());
    for (Instr in : snippet_code_) {
      if (in.op == Op::Jmp || in.op == Op::Jz || in.op == Op::JzKeep || in.op == Op::JnzKeep) in.a += std::int32_t(base);
      p.code.push_back(in);
    }
    auto fix = [&](std::uint32_t& entry) {
      if (entry & 0x80000000u) entry = (entry & 0x7fffffffu) + base;
    };
    for (SiteTerms& st : out_.site_terms) for (auto& t : st.terms) fix(t.second);
    for (auto& list : out_.invariant_terms) for (auto& t : list) fix(t.second);
    for (Witness& w : out_.invariant_witness) {
      for (auto& v : w.values) fix(v.second);
      for (auto& list : w.terms) for (auto& t : list) fix(t.second);
    }
    p.location_of.resize(p.code.size(), -1);
  }

  // ---- limits on what the lowering expands ----------------------------------
  // Calls are inlined and quantifiers unrolled, so a few lines can ask for
  // an exponential program (each function calling the next twice). Each
  // limit is reported where it is crossed, and the lowering stops there.

  // A call being inlined (or a hook): nests at most kMaxCallDepth deep.
  struct InlineScope {
    Lowerer& l;
    bool ok;
    bool pushed = false;
    InlineScope(Lowerer& lowerer, std::string what, std::uint32_t src) : l(lowerer), ok(!lowerer.gave_up_) {
      if (!ok) return;
      l.inline_chain_.push_back({std::move(what), src});
      pushed = true;
      if (l.inline_chain_.size() > kMaxCallDepth) {
        l.diags_.error(DiagKind::TooDeep, l.m_.file, {src, 1},
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
    Lowerer& l;
    bool ok;
    std::uint64_t saved;
    UnrollScope(Lowerer& lowerer, const Expr& e, const Type& t) : l(lowerer), ok(!lowerer.gave_up_), saved(lowerer.unrolled_) {
      if (!ok) return;
      std::uint64_t copies = saved * std::uint64_t(t.hi - t.lo + 1);
      if (copies > kMaxUnrolledCopies) {
        l.diags_.error(DiagKind::StateTooLarge, l.m_.file, {e.loc.offset, e.loc.length},
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
  std::string chain_text() const {
    std::string text;
    std::size_t n = inline_chain_.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (n > 8 && i == 4) {
        text += " > ... (" + std::to_string(n - 7) + " more)";
        i = n - 4;
      }
      text += (i == 0 ? "" : " > ") + inline_chain_[i].first;
    }
    return text;
  }

  // A process instance grew past kMaxInlinedStatements: reported at the
  // outermost call that leads to the statement that crossed it.
  void give_up_statements() {
    std::uint32_t at = inline_chain_.empty() ? cur_src_ : inline_chain_.front().second;
    std::string where = inline_chain_.empty() ? "" : " (the limit is crossed inside " + chain_text() + ")";
    diags_.error(DiagKind::StateTooLarge, m_.file, {at, 1},
                 "'" + instance_name_ + "' has more than " + std::to_string(kMaxInlinedStatements) + " statements once its calls are inlined" + where +
                     ": call the functions from fewer places, or from a loop");
    gave_up_ = true;
  }

  // Every step, invariant and snippet must run within the interpreter's
  // evaluation stack (kMaxStack values), whatever path it takes: computed
  // here once for the whole program (bytecode/stack_check.hpp), so the
  // interpreter never checks it.
  void check_evaluation_stack() {
    Program& p = out_.program;
    std::vector<std::uint32_t> entries;
    for (const ProcessInstance& proc : p.processes) {
      entries.insert(entries.end(), proc.locations.begin() + (proc.locations.empty() ? 0 : 1), proc.locations.end());
      if (proc.preempt_entry != 0) entries.push_back(proc.preempt_entry);
      if (proc.zombie_entry != 0) entries.push_back(proc.zombie_entry);
    }
    entries.insert(entries.end(), p.invariant_entry.begin(), p.invariant_entry.end());
    auto terms = [&](const std::vector<std::pair<std::string, std::uint32_t>>& list) {
      for (const auto& t : list) entries.push_back(t.second);
    };
    for (const SiteTerms& st : out_.site_terms) terms(st.terms);
    for (const auto& list : out_.invariant_terms) terms(list);
    for (const Witness& w : out_.invariant_witness) {
      terms(w.values);
      for (const auto& list : w.terms) terms(list);
    }
    StackCheck check = check_stack(p.code, entries, kMaxStack);
    p.max_stack = check.max_depth;
    if (check.kind == StackCheck::Problem::TooDeep) {
      diags_.error(DiagKind::StateTooLarge, m_.file, {p.code[check.at].src, 1}, "expression too deep to evaluate: " + check.problem);
    } else if (!check.ok()) {
      assert(false && "the lowering left the evaluation stack unbalanced");
      diags_.error(DiagKind::Internal, m_.file, {p.code[check.at].src, 1}, "the compiled code is wrong here (" + check.problem + "): a bug of tlbcheck, please report it with this protocol");
    }
  }

  const AnalyzedModule& cm_;
  const Module& m_;
  const std::vector<bool>& enabled_;
  Diagnostics& diags_;
  Lowered out_;
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
  std::uint32_t shared_statements_ = 0;
  int atomic_ = 0;
  bool in_snippet_ = false;
  bool mark_next_ = false;
  bool in_switch_hook_ = false;
  bool generated_ = false;
  bool quant_bound_ = false;  // collecting terms with the bound variables fixed
  std::uint32_t atomic_first_src_ = UINT32_MAX;  // the first shared statement of the atomic block being lowered
};

}  // namespace

Lowered lower(const AnalyzedModule& cm, const std::vector<bool>& enabled, Diagnostics& diags) {
  Lowerer l(cm, enabled, diags);
  return l.run();
}

}  // namespace tlbcheck::model
