// Pass 2: the types and initial values of globals, where processes and
// tasks run, the machine's fields, and constant expressions.
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

// A read of the booted machine (a pure machine built-in on constant
// arguments, such as pte_frame(M, V) or pgd(M)): a global may start with it.
bool Analysis::boot_read(ExprId id) {
  const Expr& e = node(id);
  if (e.kind != ExprKind::Call || e.sym != SymKind::Builtin) return false;
  const BuiltinInfo& b = builtin_info(Builtin(e.sym_index));
  if (!b.machine() || !b.pure() || b.needs_cpu()) return false;
  for (ExprId a : e.args) {
    if (!node(a).cval) return false;
  }
  return true;
}

bool Analysis::resolve_record(std::uint32_t id) {
  RecordInfo& r = out_.records[id];
  if (r.state == RecordInfo::State::Resolved) return r.slots > 0;
  if (r.state == RecordInfo::State::Resolving) {
    error(DiagKind::TypeMismatch, r.loc, "struct '" + r.name + "' contains itself: a field of it has its type, directly or through another struct");
    return false;
  }
  r.state = RecordInfo::State::Resolving;
  std::vector<RecordField> fields;
  std::set<std::string_view> seen;
  std::uint32_t offset = 0;
  bool ok = true;
  for (const Param& p : r.decl->params) {
    if (!seen.insert(p.name).second) {
      error(DiagKind::Redeclared, p.loc, "struct '" + r.name + "' already has a field '" + std::string(p.name) + "'");
      ok = false;
      continue;
    }
    RecordField f;
    f.name = p.name;
    f.loc = p.loc;
    f.type = resolve_type(p.type, r.name + "." + std::string(p.name));
    if (f.type.kind == TypeKind::Error) {
      ok = false;
      continue;
    }
    f.init = default_value(f.type);
    if (p.init.valid()) {
      Type scalar = f.type;
      scalar.dims.clear();
      if (scalar.kind == TypeKind::Record) {
        error(DiagKind::TypeMismatch, node(p.init).loc, "field '" + std::string(p.name) + "' is a struct: it starts with the initial values its own fields declare");
        ok = false;
        continue;
      }
      Context ctx;
      Type vt = check_expr(p.init, ctx, &scalar);
      if (vt.kind == TypeKind::Error) {
        ok = false;
        continue;
      }
      if (!node(p.init).cval) {
        error(DiagKind::NotConstant, node(p.init).loc, "the initial value of field '" + std::string(p.name) + "' must be a constant");
        ok = false;
        continue;
      }
      if (!assignable(scalar, vt, p.init, "field '" + std::string(p.name) + "'")) {
        ok = false;
        continue;
      }
      if (!in_range(scalar, *node(p.init).cval)) {
        error(DiagKind::BadRange, node(p.init).loc, "initial value " + std::to_string(*node(p.init).cval) + " is outside '" + type_text(scalar) + "'");
        ok = false;
        continue;
      }
      f.init = *node(p.init).cval;
    }
    f.offset = offset;
    offset += out_.slots_of(f.type);
    fields.push_back(f);
  }
  if (ok && fields.empty()) {
    error(DiagKind::TypeMismatch, r.loc, "struct '" + r.name + "' has no fields");
    ok = false;
  }
  if (ok && offset > kMaxArray) {
    error(DiagKind::BadRange, r.loc, "struct '" + r.name + "' has " + std::to_string(offset) + " scalars: at most " + std::to_string(kMaxArray));
    ok = false;
  }
  r.fields = std::move(fields);
  r.slots = ok ? offset : 0;
  r.state = RecordInfo::State::Resolved;
  return ok;
}

void Analysis::evaluate_globals() {
  for (std::uint32_t id = 0; id < out_.records.size(); ++id) resolve_record(id);  // with its errors, once
  for (Decl& d : module().decls) {
    if (d.kind != DeclKind::Var && d.kind != DeclKind::Percpu) continue;
    auto it = globals_.find(d.name);
    if (it == globals_.end() || (it->second.kind != SymKind::Global && it->second.kind != SymKind::Percpu)) continue;
    GlobalInfo& g = out_.globals[it->second.index];
    if (g.loc.offset != d.name_loc.offset) continue;  // a redeclaration, already reported
    g.type = resolve_type(d.type, std::string(d.name));
    g.init = default_value(g.type);
    if (g.type.kind == TypeKind::Record && (!d.inits.empty() || d.value.valid())) {
      error(DiagKind::TypeMismatch, node(d.inits.empty() ? d.value : d.inits[0]).loc,
            "'" + std::string(d.name) + "' is a struct: it starts with the initial values its struct declares");
      continue;
    }
    if (!d.inits.empty()) {
      std::size_t count = 1;
      for (std::uint32_t n : g.type.dims) count *= n;
      Type scalar = g.type;
      scalar.dims.clear();
      if (d.inits.size() != count) {
        error(DiagKind::TypeMismatch, node(d.inits[0]).loc, "'" + std::string(d.name) + "' has " + std::to_string(count) + " element" + (count == 1 ? "" : "s") + ", but " +
                                                            std::to_string(d.inits.size()) + " initial value" + (d.inits.size() == 1 ? " is" : "s are") + " given");
        continue;
      }
      for (ExprId init : d.inits) {
        Context ctx;
        Type vt = check_expr(init, ctx, &scalar);
        if (vt.kind == TypeKind::Error) break;
        if (!node(init).cval) {
          error(DiagKind::NotConstant, node(init).loc, "the initial values of '" + std::string(d.name) + "' must be constants");
          break;
        }
        if (!assignable(scalar, vt, init, "an element of '" + std::string(d.name) + "'")) break;
        if (!in_range(scalar, *node(init).cval)) {
          error(DiagKind::BadRange, node(init).loc, "initial value " + std::to_string(*node(init).cval) + " is outside '" + type_text(scalar) + "'");
          break;
        }
        g.inits.push_back(*node(init).cval);
      }
    }
    if (d.value.valid()) {
      Context ctx;
      Type scalar = g.type;
      scalar.dims.clear();
      Type vt = check_expr(d.value, ctx, &scalar);
      if (vt.kind == TypeKind::Error) continue;
      if (boot_read(d.value)) {  // the booted machine's: evaluated once the boot tables exist
        if (assignable(scalar, vt, d.value, "'" + std::string(d.name) + "'")) g.boot_init = d.value;
        continue;
      }
      if (!node(d.value).cval) {
        error(DiagKind::NotConstant, node(d.value).loc, "the initial value of '" + std::string(d.name) + "' must be a constant");
        continue;
      }
      if (!assignable(scalar, vt, d.value, "'" + std::string(d.name) + "'")) continue;
      g.init = *node(d.value).cval;
      if (!in_range(scalar, g.init)) error(DiagKind::BadRange, node(d.value).loc, "initial value " + std::to_string(g.init) + " is outside '" + type_text(scalar) + "'");
    }
  }
}

bool Analysis::placement(const Decl& d, std::vector<int>& cpus) {
  if (d.each_cpu) {
    for (int c = 0; c < out_.cpus; ++c) cpus.push_back(c);
    return true;
  }
  Context ctx;
  auto lo = const_int(d.cpu, ctx);
  if (!lo) return false;
  std::optional<std::int64_t> hi = lo;
  if (d.at.valid()) hi = const_int(d.at, ctx);
  if (!hi) return false;
  for (std::int64_t c = *lo; c <= *hi; ++c) {
    if (c < 0 || c >= out_.cpus) {
      error(DiagKind::BadRange, node(d.at.valid() ? d.at : d.cpu).loc, "cpu " + std::to_string(c) + " does not exist: the machine has cpus 0.." + std::to_string(out_.cpus - 1));
      return false;
    }
    cpus.push_back(int(c));
  }
  return true;
}

void Analysis::number_tasks() {
  for (const Decl* dp : task_decls_) {
    const Decl& d = *dp;
    ProcessInfo p;
    p.body.decl = &d;
    p.task = true;
    p.sleeping = d.flag;
    if (!placement(d, p.cpus)) continue;
    if (!d.kernel_task) {
      auto mm = std::find_if(out_.mms.begin(), out_.mms.end(), [&](const MmInfo& i) { return i.name == d.mm; });
      if (mm == out_.mms.end()) {
        error(DiagKind::UnknownName, d.mm_loc, "unknown mm '" + std::string(d.mm) + "': declare it with 'mm " + std::string(d.mm) + ";'");
        continue;
      }
      p.mm = int(mm - out_.mms.begin());
    }
    p.first_task_id = out_.tasks;
    for (int c : p.cpus) {
      out_.task_names.push_back(std::string(d.name) + (p.cpus.size() > 1 ? "@cpu" + std::to_string(c) : ""));
      out_.task_cpu.push_back(c);
    }
    out_.tasks += int(p.cpus.size());
    if (p.cpus.size() == 1) declare(d.name, d.name_loc, {SymKind::Const, add_const(make(TypeKind::Task, -1, 0), p.first_task_id), {}});
    pending_tasks_.push_back(std::move(p));
  }
}

void Analysis::evaluate_fields(const Decl& d, std::string_view what, std::vector<MmFieldInfo>& out) {
  const std::string kind(what);
  std::set<std::string_view> seen;
  for (const Param& p : d.params) {
    if (!seen.insert(p.name).second || (kind == "mm" && p.name == "pgd")) {
      error(DiagKind::Redeclared, p.loc, kind + " field '" + std::string(p.name) + "' is already declared");
      continue;
    }
    MmFieldInfo f;
    f.name = p.name;
    f.loc = p.loc;
    f.type = resolve_type(p.type, kind + "." + std::string(p.name));
    f.init = default_value(f.type);
    if (p.init.valid() && f.type.kind == TypeKind::Record) {
      error(DiagKind::TypeMismatch, node(p.init).loc, kind + " field '" + std::string(p.name) + "' is a struct: it starts with the initial values its struct declares");
      continue;
    }
    if (p.init.valid() && f.type.kind != TypeKind::Error) {
      Context ctx;
      Type scalar = f.type;
      scalar.dims.clear();
      Type vt = check_expr(p.init, ctx, &scalar);
      if (vt.kind == TypeKind::Error) continue;
      if (!node(p.init).cval) {
        error(DiagKind::NotConstant, node(p.init).loc, "the initial value of " + kind + " field '" + std::string(p.name) + "' must be a constant");
        continue;
      }
      if (!assignable(scalar, vt, p.init, kind + " field '" + std::string(p.name) + "'")) continue;
      if (!in_range(scalar, *node(p.init).cval)) {
        error(DiagKind::BadRange, node(p.init).loc, "initial value " + std::to_string(*node(p.init).cval) + " is outside '" + type_text(scalar) + "'");
        continue;
      }
      f.init = *node(p.init).cval;
    }
    out.push_back(f);
  }
}

void Analysis::evaluate_machine() {
  number_tasks();
  if (mm_fields_decl_ != nullptr) evaluate_fields(*mm_fields_decl_, "mm", out_.mm_fields);
  if (frame_fields_decl_ != nullptr) evaluate_fields(*frame_fields_decl_, "frame", out_.frame_fields);
  // each mm's own initial values: mm A = { .field = value, ... }
  std::size_t next_mm = 1;  // mms[0] is init_mm
  for (Decl& d : module().decls) {
    if (d.kind != DeclKind::Mm || next_mm >= out_.mms.size()) continue;
    MmInfo& info = out_.mms[next_mm++];
    for (const Param& p : d.params) {
      auto field = std::find_if(out_.mm_fields.begin(), out_.mm_fields.end(), [&](const MmFieldInfo& f) { return f.name == p.name; });
      if (field == out_.mm_fields.end()) {
        error(DiagKind::UnknownName, p.loc, "mm has no field '" + std::string(p.name) + "': declare it in mm { ... }");
        continue;
      }
      Context ctx;
      Type scalar = field->type;
      scalar.dims.clear();
      Type vt = check_expr(p.init, ctx, &scalar);
      if (vt.kind == TypeKind::Error) continue;
      if (!node(p.init).cval) {
        error(DiagKind::NotConstant, node(p.init).loc, "the initial value of " + info.name + "." + std::string(p.name) + " must be a constant");
        continue;
      }
      if (!assignable(scalar, vt, p.init, info.name + "." + std::string(p.name))) continue;
      if (!in_range(scalar, *node(p.init).cval)) {
        error(DiagKind::BadRange, node(p.init).loc, "initial value " + std::to_string(*node(p.init).cval) + " is outside '" + type_text(scalar) + "'");
        continue;
      }
      info.field_inits.push_back({std::size_t(field - out_.mm_fields.begin()), *node(p.init).cval});
    }
  }
  for (Decl& d : module().decls) {
    if (d.kind == DeclKind::Map) {
      MapInfo map;
      map.loc = d.name_loc;
      map.writable = !d.flag;
      auto mm = std::find_if(out_.mms.begin(), out_.mms.end(), [&](const MmInfo& i) { return i.name == d.mm; });
      auto page = std::find_if(out_.pages.begin(), out_.pages.end(), [&](const PageInfo& i) { return i.name == d.name; });
      if (mm == out_.mms.end()) {
        error(DiagKind::UnknownName, d.mm_loc, "unknown mm '" + std::string(d.mm) + "': declare it with 'mm " + std::string(d.mm) + ";'");
        continue;
      }
      if (page == out_.pages.end()) {
        error(DiagKind::UnknownName, d.name_loc, "unknown page '" + std::string(d.name) + "': declare it with 'page " + std::string(d.name) + ";'");
        continue;
      }
      map.mm = static_cast<std::uint32_t>(mm - out_.mms.begin());
      map.page = static_cast<std::uint32_t>(page - out_.pages.begin());
      for (const MapInfo& other : out_.maps) {
        if (other.mm == map.mm && other.page == map.page) error(DiagKind::Redeclared, d.name_loc, "page '" + std::string(d.name) + "' is mapped twice in '" + std::string(d.mm) + "'");
      }
      out_.maps.push_back(map);
    } else if (d.kind == DeclKind::Irq && d.at.valid()) {
      auto it = irq_index_.find(d.name);
      if (it == irq_index_.end()) continue;
      IrqInfo& irq = out_.irqs[it->second];
      Context ctx;
      auto fires = const_int(d.at, ctx);
      auto cpu = const_int(d.cpu, ctx);
      if (!fires || !cpu) continue;
      if (*fires < 0 || *fires > 7) error(DiagKind::BadRange, node(d.at).loc, "an interrupt fires 0..7 times, not " + std::to_string(*fires));
      if (*cpu < 0 || *cpu >= out_.cpus) error(DiagKind::BadRange, node(d.cpu).loc, "cpu " + std::to_string(*cpu) + " does not exist: the machine has cpus 0.." + std::to_string(out_.cpus - 1));
      irq.fires = *fires;
      irq.cpu = int(*cpu);
    }
  }
  const machine::Config& mc = out_.machine;
  std::int64_t span = 1;
  for (int l = 0; l < mc.levels; ++l) span *= mc.entries;
  for (const PageInfo& p : out_.pages) {
    if (p.index < 0 || p.index >= span) {
      error(DiagKind::BadRange, p.loc, "page '" + p.name + "' at " + std::to_string(p.index) + " is outside the address space 0.." + std::to_string(span - 1) +
                                           " (levels = " + std::to_string(mc.levels) + ", entries = " + std::to_string(mc.entries) + ")");
    }
  }
}

std::int64_t Analysis::default_value(const Type& t) const {
  if (t.kind == TypeKind::Mm || t.kind == TypeKind::Frame || t.kind == TypeKind::Task) return -1;  // none
  return t.kind == TypeKind::Int ? std::clamp<std::int64_t>(0, t.lo, t.hi) : 0;
}

Type Analysis::resolve_type(const TypeSyntax& ts, const std::string& owner) {
  Type t;
  switch (ts.base) {
    case Tok::KwBool: t = make(TypeKind::Bool, 0, 1); break;
    case Tok::KwCpu: t = make(TypeKind::Cpu, 0, out_.cpus - 1); break;
    case Tok::KwCpumask: t = make(TypeKind::Mask, 0, (1LL << out_.cpus) - 1); break;
    case Tok::KwInt: {
      Context ctx;
      auto lo = const_int(ts.lo, ctx), hi = const_int(ts.hi, ctx);
      if (!lo || !hi) return make(TypeKind::Error);
      if (*lo > *hi) {
        error(DiagKind::BadRange, ts.loc, "empty range " + std::to_string(*lo) + ".." + std::to_string(*hi));
        return make(TypeKind::Error);
      }
      if (*lo < kIntMin || *hi > kIntMax) {
        error(DiagKind::BadRange, ts.loc, "range must lie within -2147483648..2147483647");
        return make(TypeKind::Error);
      }
      t = make(TypeKind::Int, *lo, *hi);
      break;
    }
    case Tok::KwEnum:
      t = make(TypeKind::Enum);
      t.enum_id = add_enum(owner, ts.members, ts.member_locs);
      t.hi = static_cast<std::int64_t>(out_.enums[t.enum_id].members.size()) - 1;
      break;
    case Tok::Ident: {
      if (auto r = records_.find(ts.name); r != records_.end()) {
        if (!resolve_record(r->second)) return make(TypeKind::Error);
        t = make(TypeKind::Record);
        t.enum_id = r->second;
        break;
      }
      auto it = types_.find(ts.name);
      if (it == types_.end() && ts.name == "mm") {
        t = make(TypeKind::Mm, -1, std::int64_t(out_.mms.size()) - 1);
        out_.uses_machine = true;
        break;
      }
      if (it == types_.end() && ts.name == "frame") {
        t = make(TypeKind::Frame, -1, 0);  // the frame count is known after boot (compile)
        out_.uses_machine = true;
        break;
      }
      if (it == types_.end() && ts.name == "task") {
        t = make(TypeKind::Task, -1, out_.tasks - 1);
        out_.uses_machine = true;
        break;
      }
      if (it == types_.end() && ts.name == "pte") {
        t = make(TypeKind::Pte, 0, 0);  // the encoding is known after boot (compile)
        out_.uses_machine = true;
        break;
      }
      if (it == types_.end() && ts.name == "page") {
        t = make(TypeKind::Page, 0, std::int64_t(out_.pages.size()) - 1);
        break;
      }
      if (it == types_.end()) {
        error(DiagKind::UnknownName, ts.loc, "unknown type '" + std::string(ts.name) + "': expected bool, int[lo..hi], cpu, cpumask, mm, page, frame, task, pte, an enum or a struct");
        return make(TypeKind::Error);
      }
      t = make(TypeKind::Enum);
      t.enum_id = it->second;
      t.hi = static_cast<std::int64_t>(out_.enums[t.enum_id].members.size()) - 1;
      break;
    }
    default:
      return make(TypeKind::Error);
  }
  std::uint64_t total = 1;
  for (ExprId dim : ts.dims) {
    Context ctx;
    // `T[E]`: an element per value of the enum E, indexed by E's values
    const Expr& named = node(dim);
    if (auto e = types_.find(named.kind == ExprKind::Name ? named.name : std::string_view{}); e != types_.end() && named.args.empty()) {
      const std::uint32_t n = std::uint32_t(out_.enums[e->second].members.size());
      total *= n;
      t.dim_enums.resize(t.dims.size(), -1);
      t.dims.push_back(n);
      t.dim_enums.push_back(std::int32_t(e->second));
      continue;
    }
    auto n = const_int(dim, ctx);
    if (!n) return make(TypeKind::Error);
    if (*n < 1 || *n > kMaxArray) {
      error(DiagKind::BadRange, node(dim).loc, "array size " + std::to_string(*n) + " is outside 1.." + std::to_string(kMaxArray));
      return make(TypeKind::Error);
    }
    total *= std::uint64_t(*n);
    t.dims.push_back(static_cast<std::uint32_t>(*n));
  }
  if (total > kMaxArray) {
    error(DiagKind::BadRange, ts.loc, "array of " + std::to_string(total) + " elements: at most " + std::to_string(kMaxArray));
    return make(TypeKind::Error);
  }
  if (t.kind == TypeKind::Record && out_.slots_of(t) > kMaxArray) {
    error(DiagKind::BadRange, ts.loc, "'" + type_text(t) + "' has " + std::to_string(out_.slots_of(t)) + " scalars: at most " + std::to_string(kMaxArray));
    return make(TypeKind::Error);
  }
  if (ts.reference && !allow_reference_) {
    error(DiagKind::TypeMismatch, ts.loc, "'&' makes a reference parameter (fn f(x: &T)): only a function's parameters can be references");
  }
  return t;
}

std::optional<std::int64_t> Analysis::const_int(ExprId id, Context& ctx) {
  Type t = check_expr(id, ctx, nullptr);
  if (t.kind == TypeKind::Error) return std::nullopt;
  if (!int_like(t)) {
    error(DiagKind::TypeMismatch, node(id).loc, "expected an integer, found '" + type_text(t) + "'");
    return std::nullopt;
  }
  if (!node(id).cval) {
    error(DiagKind::NotConstant, node(id).loc, "expected a constant: this value is not known before exploration");
    return std::nullopt;
  }
  return node(id).cval;
}

}  // namespace tlbcheck::model::sema
