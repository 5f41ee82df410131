// Slots and their packing into words, the globals, the machine's slots
// (which ones: model/machine/layout.hpp) and the boot page tables.
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

std::uint32_t Lowering::alloc_slot(std::string name, std::string type, int cpu, std::int64_t lo, std::int64_t hi, TypeKind kind,
                           std::uint32_t enum_id) {
  ModelSlot s;
  s.pub.name = std::move(name);
  s.pub.type = std::move(type);
  s.pub.cpu = cpu;
  s.lo = lo;
  s.hi = hi;
  s.kind = kind;
  s.enum_id = enum_id;
  s.decl_src = decl_src_;
  s.pub.width = bits_for(std::uint64_t(hi - lo) + 1);
  s.variable = static_cast<std::uint32_t>(out_.program.slots.size());
  out_.program.slots.push_back(std::move(s));
  return static_cast<std::uint32_t>(out_.program.slots.size() - 1);
}

void Lowering::make_private(std::uint32_t first, std::uint32_t count, std::uint32_t process) {
  for (std::uint32_t k = first; k < first + count; ++k) out_.program.slots[k].owner = static_cast<std::int32_t>(process);
}

std::uint32_t Lowering::alloc_var(const std::string& name, const Type& t, int cpu) {
  std::uint32_t first = static_cast<std::uint32_t>(out_.program.slots.size());
  for (const Leaf& leaf : analyzed_.leaves(t, 0)) {
    auto [lo, hi] = range_of(leaf.type);
    std::uint32_t slot = alloc_slot(name + leaf.path, type_name(leaf.type, analyzed_.enums), cpu, lo, hi, leaf.type.kind, leaf.type.enum_id);
    out_.program.slots[slot].variable = first;
  }
  return first;
}

std::vector<std::int64_t> Lowering::initial_of(const Type& t, std::optional<std::int64_t> init) const {
  Type scalar = t;
  scalar.dims.clear();
  std::int64_t v = 0;
  if (init) v = *init;
  else if (scalar.kind == TypeKind::Mm || scalar.kind == TypeKind::Frame || scalar.kind == TypeKind::Task) v = -1;  // none
  else if (scalar.kind == TypeKind::Int) v = std::clamp<std::int64_t>(0, scalar.lo, scalar.hi);
  std::vector<std::int64_t> out;
  for (const Leaf& leaf : analyzed_.leaves(t, v)) out.push_back(leaf.init);
  return out;
}

void Lowering::allocate_globals() {
  global_base_.resize(analyzed_.globals.size());
  for (std::size_t i = 0; i < analyzed_.globals.size(); ++i) {
    const GlobalInfo& g = analyzed_.globals[i];
    const DeclaredAt declared(*this, g.loc.offset);
    if (g.percpu) {
      for (int c = 0; c < analyzed_.cpus; ++c) {
        std::uint32_t b = alloc_var("cpu" + std::to_string(c) + "." + std::string(g.name), g.type, c);
        if (c == 0) global_base_[i] = b;
      }
    } else {
      global_base_[i] = alloc_var(std::string(g.name), g.type, -1);
    }
    std::uint32_t per = elements(g.type);
    std::uint32_t n = per * (g.percpu ? analyzed_.cpus : 1);
    const std::vector<std::int64_t> inits = g.inits.size() == per ? g.inits : initial_of(g.type, g.init);
    for (std::uint32_t k = 0; k < n; ++k) initial_values_.push_back({global_base_[i] + k, inits[k % per]});
  }
}

std::vector<machine::Machine::BootMap> Lowering::boot_maps() const {
  std::vector<machine::Machine::BootMap> maps;
  for (const MapInfo& m : analyzed_.maps) maps.push_back({int(m.mm), std::int64_t(m.page), m.writable});
  return maps;
}

void Lowering::count_frames() {
  Program& p = out_.program;
  std::vector<std::int64_t> index;
  for (const PageInfo& pg : analyzed_.pages) index.push_back(pg.index);
  int needed = machine::Machine::boot_frames(analyzed_.machine, int(analyzed_.mms.size()), index, boot_maps());
  p.frames = analyzed_.machine.frames != 0 ? analyzed_.machine.frames : needed + 2;
  if (p.frames < needed) {
    diags_.error(DiagKind::BadMachine, module_.file, {0, 1}, "frames = " + std::to_string(p.frames) + " is too few: the boot mappings need " + std::to_string(needed));
  }
}

std::pair<std::int64_t, std::int64_t> Lowering::range_of(const Type& t) const {
  switch (t.kind) {
    case TypeKind::Mask: case TypeKind::Bool: case TypeKind::Enum: return {0, t.hi};
    case TypeKind::Mm: return {-1, std::int64_t(analyzed_.mms.size()) - 1};
    case TypeKind::Frame: return {-1, std::int64_t(out_.program.frames) - 1};
    case TypeKind::Page: return {0, std::max<std::int64_t>(0, std::int64_t(analyzed_.pages.size()) - 1)};
    case TypeKind::Pte: return {0, machine::PteFormat(analyzed_.machine, out_.program.frames).max()};
    default: return {t.lo, t.hi};
  }
}

void Lowering::allocate_machine() {
  Program& p = out_.program;
  const machine::Config& mc = analyzed_.machine;
  p.has_machine = true;
  p.machine = mc;
  for (const PageInfo& pg : analyzed_.pages) {
    p.page_index.push_back(pg.index);
    p.page_names.push_back(pg.name);
    p.page_kernel.push_back(pg.kernel);
  }
  for (const MmInfo& mm : analyzed_.mms) p.mm_names.push_back(mm.name);
  for (const IrqInfo& irq : analyzed_.irqs) {
    p.irq_names.emplace_back(irq.body.decl->name);
    p.irq_device.push_back(irq.device);
    p.irq_cpu.push_back(irq.cpu);
  }
  int mms = int(analyzed_.mms.size());
  machine::Shape shape = machine_shape();
  machine::lay_out_processors_and_memory(shape, slot_sink_, p.hw);
  p.permission_record = shape.sync;
  p.copy_record = shape.copies;
  for (std::size_t fi = 0; fi < analyzed_.mm_fields.size(); ++fi) {
    const MmFieldInfo& field = analyzed_.mm_fields[fi];
    const DeclaredAt declared(*this, field.loc.offset);
    std::uint32_t base = 0;
    for (int m = 0; m < mms; ++m) {
      const MmInfo& mm = analyzed_.mms[std::size_t(m)];
      std::uint32_t b = alloc_var(mm.name + "." + std::string(field.name), field.type, -1);
      if (m == 0) base = b;
      std::int64_t init = field.init;  // the mm's own value, `mm A = { .field = value }`, else the field's
      for (const auto& [f, value] : mm.field_inits) {
        if (f == fi) init = value;
      }
      const std::vector<std::int64_t> inits = initial_of(field.type, init);
      for (std::uint32_t k = 0; k < elements(field.type); ++k) initial_values_.push_back({b + k, inits[k]});
    }
    p.mm_field_base.push_back(base);
    p.mm_field_stride.push_back(elements(field.type));
  }
  // frame { ... }: every frame's fields, which the machine resets when it is freed
  const int frames = int(p.hw.kind.size());
  p.hw.frame_field_count = 0;
  for (const MmFieldInfo& field : analyzed_.frame_fields) p.hw.frame_field_count += elements(field.type);
  p.hw.frame_field.assign(std::size_t(frames) * p.hw.frame_field_count, 0);
  p.hw.frame_field_init.assign(p.hw.frame_field.size(), 0);
  std::uint32_t offset = 0;
  for (const MmFieldInfo& field : analyzed_.frame_fields) {
    const DeclaredAt declared(*this, field.loc.offset);
    std::uint32_t base = 0;
    for (int k = 0; k < frames; ++k) {
      std::uint32_t b = alloc_var("frame" + std::to_string(k) + "." + std::string(field.name), field.type, -1);
      if (k == 0) base = b;
      const std::vector<std::int64_t> inits = initial_of(field.type, field.init);
      for (std::uint32_t i = 0; i < elements(field.type); ++i) {
        initial_values_.push_back({b + i, inits[i]});
        p.hw.frame_field[std::size_t(k) * p.hw.frame_field_count + offset + i] = b + i;
        p.hw.frame_field_init[std::size_t(k) * p.hw.frame_field_count + offset + i] = inits[i];
      }
    }
    p.frame_field_base.push_back(base);
    p.frame_field_stride.push_back(elements(field.type));
    offset += elements(field.type);
  }
  p.hw.ipi_args.resize(std::size_t(analyzed_.cpus) * analyzed_.irqs.size());
  for (int c = 0; c < analyzed_.cpus; ++c) {
    for (std::size_t h = 0; h < analyzed_.irqs.size(); ++h) {
      const BodyInfo& body = analyzed_.irqs[h].body;
      for (std::uint32_t i = 0; i < body.params; ++i) {
        auto [lo, hi] = range_of(body.locals[i].type);
        const DeclaredAt declared(*this, body.locals[i].loc.offset);
        std::string name = "cpu" + std::to_string(c) + ".ipi." + std::string(body.decl->name) + "." + std::string(body.locals[i].name);
        std::uint32_t slot = alloc_slot(name, type_name(body.locals[i].type, analyzed_.enums), c, lo, hi, body.locals[i].type.kind, body.locals[i].type.enum_id);
        initial_values_.push_back({slot, lo < 0 ? -1 : std::clamp<std::int64_t>(0, lo, hi)});
        p.hw.ipi_args[std::size_t(c) * analyzed_.irqs.size() + h].push_back(slot);
      }
    }
  }
  machine::lay_out_devices_and_cache(shape, slot_sink_, p.hw);
  Frame none;
  p.speculation_site = add_site(SiteKind::Stale, std::uint32_t(BuiltinProperty::StaleTranslation), {}, 0, none);
  p.cache_site = add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, none);
  if (analyzed_.tasks > 0) {
    std::vector<machine::TaskShape> tasks(std::size_t(analyzed_.tasks));
    std::vector<std::int64_t> first(std::size_t(analyzed_.cpus), -1);  // the task each CPU starts with: its first awake one
    for (const ProcessInfo& pi : analyzed_.processes) {
      if (!pi.task) continue;
      for (std::size_t k = 0; k < pi.cpus.size(); ++k) {
        std::size_t id = std::size_t(pi.first_task_id) + k;
        tasks[id] = {analyzed_.task_names[id], pi.cpus[k], pi.mm, pi.sleeping};
        std::int64_t& on_cpu = first[std::size_t(pi.cpus[k])];
        if (on_cpu < 0 && !pi.sleeping) on_cpu = std::int64_t(id);
      }
    }
    std::int64_t lazy_mm = analyzed_.mms.size() > 1 ? 1 : 0;  // a kernel task starts lazy on the first mm
    machine::lay_out_scheduler(shape, tasks, first, lazy_mm, slot_sink_, p.hw);
    p.task_process.resize(tasks.size());
  }
}

machine::Shape Lowering::machine_shape() const {
  machine::Shape shape;
  shape.config = analyzed_.machine;
  shape.config.cpus = analyzed_.cpus;
  shape.frames = out_.program.frames;
  for (const PageInfo& pg : analyzed_.pages) {
    shape.pages.push_back(pg.name);
    shape.page_index.push_back(pg.index);
  }
  for (const MmInfo& mm : analyzed_.mms) shape.mms.push_back(mm.name);
  for (const IrqInfo& irq : analyzed_.irqs) {
    shape.irqs.emplace_back(irq.body.decl->name);
    shape.device_fires.push_back(irq.device ? irq.fires : -1);
    shape.irq_cpu.push_back(irq.cpu);
  }
  for (const Decl& d : module_.decls) shape.sync = shape.sync || (d.kind == DeclKind::Fn && d.sync);
  for (const Expr& e : module_.exprs) {
    const bool copy = e.kind == ExprKind::Call && e.sym == SymKind::Builtin && (Builtin(e.sym_index) == Builtin::CopyPage || Builtin(e.sym_index) == Builtin::DiskWrite);
    shape.copies = shape.copies || copy;
  }
  return shape;
}

void Lowering::boot() {
  Program& p = out_.program;
  machine::Machine machine(analyzed_.machine, int(analyzed_.mms.size()), p.page_index, p.page_kernel, p.irq_device, p.hw, &p.slots, &p.access);
  std::string error;
  if (!machine.boot(p.initial.data(), boot_maps(), error)) {
    diags_.error(DiagKind::BadMachine, module_.file, {0, 1}, error);
    return;
  }
  std::int64_t root = analyzed_.mms.size() > 1 ? machine.get(p.initial.data(), p.hw.pgd[1]) : machine.get(p.initial.data(), p.hw.pgd[0]);
  for (int c = 0; c < analyzed_.cpus; ++c) {
    std::int64_t cpu_root = root;
    if (!p.hw.current.empty()) {  // the current task's (active) mm
      std::int64_t t = machine.get(p.initial.data(), p.hw.current[std::size_t(c)]);
      if (t >= 0) {
        std::int64_t mm = machine.get(p.initial.data(), p.hw.task_active_mm[std::size_t(t)]);
        if (mm >= 0) cpu_root = machine.get(p.initial.data(), p.hw.pgd[std::size_t(mm)]);
      }
    }
    machine.load_root(p.initial.data(), c, cpu_root);
  }
  // globals that start with a read of the booted machine (`= pte_frame(M, V)`)
  for (std::size_t i = 0; i < analyzed_.globals.size(); ++i) {
    const GlobalInfo& g = analyzed_.globals[i];
    if (!g.boot_init.valid()) continue;
    const Expr& e = module_.at(g.boot_init);
    std::vector<std::int64_t> args;
    for (ExprId a : e.args) args.push_back(*module_.at(a).cval);
    machine::BuiltinCall call;
    call.state = p.initial.data();
    call.args = args.data();
    if (!machine.call(Builtin(e.sym_index), call)) {
      diags_.error(DiagKind::BadMachine, module_.file, {e.loc.offset, e.loc.length}, "the initial value of '" + std::string(g.name) + "' cannot be read from the booted machine: " + call.effect.runtime);
      continue;
    }
    std::uint32_t n = elements(g.type) * (g.percpu ? std::uint32_t(analyzed_.cpus) : 1u);
    for (std::uint32_t k = 0; k < n; ++k) {
      const ModelSlot& slot = p.slots[global_base_[i] + k];
      if (call.result < slot.lo || call.result > slot.hi) {
        diags_.error(DiagKind::BadRange, module_.file, {e.loc.offset, e.loc.length}, "the booted machine's value " + std::to_string(call.result) + " does not fit '" + std::string(g.name) + "'");
        break;
      }
      p.access[global_base_[i] + k].set(p.initial.data(), call.result);
    }
  }
}

void Lowering::pack() {
  Program& p = out_.program;
  std::vector<std::uint32_t> order(p.slots.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  // per-CPU blocks first (CPU 0, 1, ...), shared state after, violation last
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    auto key = [&](std::uint32_t s) { return p.slots[s].pub.cpu < 0 ? analyzed_.cpus + (s == p.violation_slot) : p.slots[s].pub.cpu; };
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
    diags_.error(DiagKind::StateTooLarge, module_.file, {0, 1},
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

}  // namespace tlbcheck::model::lowering
