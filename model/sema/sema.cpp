#include "model/sema/sema.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

namespace tlbcheck::model {

namespace {

constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();
constexpr std::uint32_t kMaxArray = 4096;
constexpr std::int64_t kMaxQuantRange = 1024;

std::int64_t clamp_int(std::int64_t v) { return std::clamp(v, kIntMin, kIntMax); }

Type make(TypeKind k, std::int64_t lo = 0, std::int64_t hi = 0) {
  Type t;
  t.kind = k;
  t.lo = lo;
  t.hi = hi;
  return t;
}

bool int_like(const Type& t) { return t.dims.empty() && (t.kind == TypeKind::Int || t.kind == TypeKind::Cpu); }

// Edit distance, for "did you mean" hints.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

struct Symbol {
  SymKind kind = SymKind::None;
  std::uint32_t index = 0;
  Loc loc;
};

struct Context {
  BodyInfo* body = nullptr;       // null: a global context (invariant, constant)
  bool has_cpu = false;           // this_cpu and per-CPU names are available
  bool in_function = false;
  bool in_task = false;
  int loops = 0;                  // enclosing loops not separated by an atomic
  int atomic = 0;
  std::uint32_t function = UINT32_MAX;  // index when checking a function body
  std::vector<std::vector<std::pair<std::string_view, std::uint32_t>>> scopes;
  std::vector<std::pair<std::string_view, Type>> quants;
};

class Checker {
 public:
  Checker(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags)
      : defines_(defines), defines_file_(defines_file), diags_(diags) {
    out_.module = std::move(module);
    file_ = out_.module.file;
    used_define_.assign(defines.size(), false);
  }

  AnalyzedModule run() {
    declare_all();
    if (!diags_.saturated()) evaluate_globals();
    if (!diags_.saturated()) evaluate_machine();
    if (!diags_.saturated()) check_bodies();
    if (!diags_.saturated()) check_recursion();
    report_unused_defines();
    if (out_.processes.empty() && !diags_.has_errors()) {
      bool empty = out_.module.decls.empty();
      diags_.error(empty ? DiagKind::EmptyFile : DiagKind::NoProcess, file_, {0, 1},
                   empty ? "the file declares nothing: expected at least one process"
                         : "the protocol declares no process: expected 'process NAME on cpu N { ... }'");
    }
    if (out_.protocol.empty()) out_.protocol = file_->name();
    return std::move(out_);
  }

 private:
  Module& m() { return out_.module; }
  Expr& E(ExprId id) { return out_.module.at(id); }
  Stmt& S(StmtId id) { return out_.module.at(id); }

  void error(DiagKind k, Loc loc, std::string msg) { diags_.error(k, file_, loc, std::move(msg)); }
  std::string tn(const Type& t) const { return type_name(t, out_.enums); }

  // ---- pass 1: names, enums, options, constants, machine --------------------
  void declare(std::string_view name, Loc loc, Symbol sym) {
    if (name == "nr_cpus" || name == "this_cpu" || name == "CPU_MASK_NONE" || name == "CPU_MASK_ALL" ||
        builtin_of(name).has_value()) {
      error(DiagKind::Redeclared, loc, "'" + std::string(name) + "' is a built-in name and cannot be declared");
      return;
    }
    auto [it, inserted] = globals_.emplace(name, sym);
    if (!inserted) {
      error(DiagKind::Redeclared, loc, "'" + std::string(name) + "' is already declared");
      diags_.note(file_, it->second.loc, "previous declaration of '" + std::string(name) + "' is here");
      return;
    }
    sym.loc = loc;
    it->second = sym;
  }

  Type mm_type() const { return make(TypeKind::Mm, -1, 0); }

  std::uint32_t add_const(const Type& t, std::int64_t value) {
    const_values_.push_back({t, value});
    return static_cast<std::uint32_t>(const_values_.size() - 1);
  }

  void declare_builtin_const(std::string_view name, const Type& t, std::int64_t value) {
    globals_[name] = Symbol{SymKind::Const, add_const(t, value), {}};
  }

  std::uint32_t add_enum(std::string name, const std::vector<std::string_view>& members, const std::vector<Loc>& locs) {
    std::uint32_t id = static_cast<std::uint32_t>(out_.enums.size());
    EnumInfo info;
    info.name = std::move(name);
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!seen.insert(members[i]).second) {
        error(DiagKind::Redeclared, locs[i], "enumerator '" + std::string(members[i]) + "' appears twice in enum '" + info.name + "'");
        continue;
      }
      info.members.emplace_back(members[i]);
      enumerators_[members[i]].push_back({id, static_cast<std::uint32_t>(info.members.size() - 1)});
    }
    if (info.members.empty()) error(DiagKind::BadRange, locs.empty() ? Loc{} : locs[0], "enum '" + info.name + "' has no members");
    out_.enums.push_back(std::move(info));
    return id;
  }

  void declare_all() {
    out_.mms.push_back({"init_mm", {}});
    declare_builtin_const("init_mm", mm_type(), 0);
    bool has_machine_block = false;
    for (const Decl& d : m().decls) has_machine_block = has_machine_block || d.kind == DeclKind::Machine;
    if (!has_machine_block) finish_machine();
    for (Decl& d : m().decls) {
      if (diags_.saturated()) return;
      switch (d.kind) {
        case DeclKind::Protocol:
          out_.protocol = std::string(d.text);
          break;
        case DeclKind::Enum: {
          if (types_.count(d.name) != 0) {
            error(DiagKind::Redeclared, d.name_loc, "type '" + std::string(d.name) + "' is already declared");
            break;
          }
          types_[d.name] = add_enum(std::string(d.name), d.members, d.member_locs);
          break;
        }
        case DeclKind::Option:
        case DeclKind::Const: {
          Context ctx;
          Type declared;
          if (d.has_type) declared = resolve_type(d.type, std::string(d.name));
          std::optional<std::int64_t> v;
          Type vt = check_expr(d.value, ctx, d.has_type ? &declared : nullptr);
          if (vt.kind != TypeKind::Error) {
            v = E(d.value).cval;
            if (!v) error(DiagKind::NotConstant, E(d.value).loc, "the value of '" + std::string(d.name) + "' must be known before exploration");
          }
          Type t = d.has_type ? declared : vt;
          if (d.has_type && vt.kind != TypeKind::Error && declared.kind != TypeKind::Error) {
            assignable(declared, vt, E(d.value).loc, "'" + std::string(d.name) + "'");
          }
          if (t.kind == TypeKind::Int && !d.has_type && v) t = make(TypeKind::Int, *v, *v);
          if (t.is_array()) {
            error(DiagKind::TypeMismatch, d.type.loc, "an option or constant must have a scalar type, not '" + tn(t) + "'");
            break;
          }
          std::int64_t value = v.value_or(0);
          if (d.kind == DeclKind::Option) {
            if (auto over = take_define(std::string(d.name), t)) value = *over;
            else if (v && !in_range(t, value)) error(DiagKind::BadRange, E(d.value).loc, "default " + std::to_string(value) + " is outside '" + tn(t) + "'");
            out_.options.push_back({std::string(d.name), t, value, show_value(t, value)});
          }
          std::uint32_t idx = static_cast<std::uint32_t>(const_values_.size());
          const_values_.push_back({t, value});
          declare(d.name, d.name_loc, {SymKind::Const, idx, {}});
          break;
        }
        case DeclKind::Machine:
          machine(d);
          finish_machine();
          break;
        case DeclKind::Mm:
          declare(d.name, d.name_loc, {SymKind::Const, add_const(mm_type(), std::int64_t(out_.mms.size())), {}});
          out_.mms.push_back({std::string(d.name), d.name_loc});
          break;
        case DeclKind::MmFields:
          if (mm_fields_seen_) {
            error(DiagKind::Redeclared, d.loc, "the fields of mm are declared once");
            break;
          }
          mm_fields_seen_ = true;
          mm_fields_decl_ = &d;
          break;
        case DeclKind::Page: {
          std::int64_t index = std::int64_t(out_.pages.size());
          if (d.at.valid()) {
            Context ctx;
            auto v = const_int(d.at, ctx);
            if (!v) break;
            index = *v;
          }
          for (const PageInfo& other : out_.pages) {
            if (other.index == index) {
              error(DiagKind::Redeclared, d.name_loc, "pages '" + other.name + "' and '" + std::string(d.name) + "' have the same address " + std::to_string(index));
            }
          }
          declare(d.name, d.name_loc, {SymKind::Const, add_const(make(TypeKind::Page, 0, 0), std::int64_t(out_.pages.size())), {}});
          out_.pages.push_back({std::string(d.name), index, d.flag, d.name_loc});
          out_.uses_machine = true;
          break;
        }
        case DeclKind::Map:
          out_.uses_machine = true;
          break;
        case DeclKind::Irq: {
          out_.uses_machine = true;
          if (irq_index_.count(d.name) != 0 || globals_.count(d.name) != 0) {
            error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared");
            break;
          }
          irq_index_[d.name] = static_cast<std::uint32_t>(out_.irqs.size());
          IrqInfo irq;
          irq.body.decl = &d;
          irq.device = d.at.valid();
          out_.irqs.push_back(std::move(irq));
          break;
        }
        case DeclKind::Hook: {
          out_.uses_machine = true;
          if (d.name != "page_fault" && d.name != "context_switch") {
            error(DiagKind::BadMachine, d.name_loc, "unknown hook 'on " + std::string(d.name) + "': expected 'on page_fault(p: page, write: bool)' or 'on context_switch(prev: task, next: task)'");
            break;
          }
          int& hook = d.name == "page_fault" ? out_.page_fault_hook : out_.context_switch_hook;
          if (hook >= 0) {
            error(DiagKind::Redeclared, d.name_loc, "'on " + std::string(d.name) + "' is declared twice");
            break;
          }
          hook = int(out_.functions.size());
          BodyInfo b;
          b.decl = &d;
          out_.functions.push_back(std::move(b));
          break;
        }
        case DeclKind::Task:
          out_.uses_machine = true;
          task_decls_.push_back(&d);
          break;
        case DeclKind::Var:
        case DeclKind::Percpu: {
          GlobalInfo g;
          g.name = d.name;
          g.percpu = d.kind == DeclKind::Percpu;
          g.loc = d.name_loc;
          declare(d.name, d.name_loc, {g.percpu ? SymKind::Percpu : SymKind::Global, static_cast<std::uint32_t>(out_.globals.size()), {}});
          out_.globals.push_back(g);
          break;
        }
        case DeclKind::Fn: {
          BodyInfo b;
          b.decl = &d;
          declare(d.name, d.name_loc, {SymKind::Function, static_cast<std::uint32_t>(out_.functions.size()), {}});
          out_.functions.push_back(std::move(b));
          break;
        }
        case DeclKind::Process:
        case DeclKind::Invariant:
          break;
      }
    }
  }

  void machine(Decl& d) {
    if (machine_seen_) {
      error(DiagKind::Redeclared, d.loc, "only one machine block is allowed");
      return;
    }
    machine_seen_ = true;
    for (MachineField& f : d.fields) {
      const machine::FieldSpec* spec = nullptr;
      for (const machine::FieldSpec& fs : machine::fields()) {
        if (fs.name == f.name) spec = &fs;
      }
      if (spec == nullptr) {
        std::string known;
        for (const machine::FieldSpec& fs : machine::fields()) known += (known.empty() ? "" : ", ") + std::string(fs.name);
        error(DiagKind::BadMachine, f.loc, "unknown machine field '" + std::string(f.name) + "': expected one of " + known);
        continue;
      }
      Context ctx;
      Type t = check_expr(f.value, ctx, nullptr);
      if (t.kind == TypeKind::Error) continue;
      auto v = E(f.value).cval;
      bool kind_ok = spec->boolean ? t.scalar_is(TypeKind::Bool) : int_like(t);
      if (!kind_ok || !v) {
        error(DiagKind::BadMachine, E(f.value).loc, "machine field '" + std::string(f.name) + "' needs a constant " + (spec->boolean ? "bool" : "integer"));
        continue;
      }
      if (*v < spec->lo || *v > spec->hi) {
        error(DiagKind::BadMachine, E(f.value).loc, std::string(f.name) + " = " + std::to_string(*v) + " is outside " + std::to_string(spec->lo) + ".." + std::to_string(spec->hi));
        continue;
      }
      set_field(*spec, *v);
      machine_set_.insert(std::string(spec->name));
    }
  }

  void set_field(const machine::FieldSpec& spec, std::int64_t v) {
    if (spec.boolean) out_.machine.*(spec.bool_field) = v != 0;
    else out_.machine.*(spec.int_field) = int(v);
    if (spec.name == "cpus") out_.cpus = int(v);
  }

  // After the declarations: -D overrides of machine fields, and the option list.
  void finish_machine() {
    // -D dcache=none|vipt: the block's sugar, on the command line
    for (std::size_t i = 0; i < defines_.size(); ++i) {
      if (defines_[i].name != "dcache") continue;
      used_define_[i] = true;
      const std::string& v = defines_[i].value;
      if (v != "none" && v != "vipt") {
        diags_.error(DiagKind::BadOption, &defines_file_, define_value_loc(i), "bad value '" + v + "' for 'dcache': expected none or vipt (or set dcache.colours)");
        continue;
      }
      out_.machine.colours = v == "none" ? 0 : std::max(out_.machine.colours, 2);
      machine_set_.insert("dcache.colours");
    }
    for (const machine::FieldSpec& spec : machine::fields()) {
      Type t = spec.boolean ? make(TypeKind::Bool, 0, 1) : make(TypeKind::Int, spec.lo, spec.hi);
      if (auto over = take_define(std::string(spec.name), t)) {
        set_field(spec, *over);
        machine_set_.insert(std::string(spec.name));
      }
      if (spec.name != "cpus" && machine_set_.count(std::string(spec.name)) == 0) continue;
      std::int64_t v = spec.boolean ? (out_.machine.*(spec.bool_field) ? 1 : 0) : out_.machine.*(spec.int_field);
      out_.options.push_back({std::string(spec.name), t, v, show_value(t, v)});
    }
  }

  // ---- -D handling ----------------------------------------------------------
  Loc define_value_loc(std::size_t i) const {
    std::uint32_t offset = 0;
    for (std::size_t k = 0; k < i; ++k) offset += static_cast<std::uint32_t>(4 + defines_[k].name.size() + defines_[k].value.size());
    offset += static_cast<std::uint32_t>(3 + defines_[i].name.size() + 1);
    return {offset, static_cast<std::uint32_t>(std::max<std::size_t>(1, defines_[i].value.size()))};
  }

  std::optional<std::int64_t> take_define(const std::string& name, const Type& t) {
    std::optional<std::int64_t> result;
    for (std::size_t i = 0; i < defines_.size(); ++i) {
      if (defines_[i].name != name) continue;
      used_define_[i] = true;
      const std::string& text = defines_[i].value;
      std::optional<std::int64_t> v;
      if (t.kind == TypeKind::Bool) {
        if (text == "true" || text == "1") v = 1;
        else if (text == "false" || text == "0") v = 0;
      } else if (t.kind == TypeKind::Enum) {
        const auto& members = out_.enums[t.enum_id].members;
        auto it = std::find(members.begin(), members.end(), text);
        if (it != members.end()) v = it - members.begin();
      } else {
        std::size_t used = 0;
        try {
          long long parsed = std::stoll(text, &used, 0);
          if (used == text.size()) v = parsed;
        } catch (...) {
        }
      }
      if (!v || !in_range(t, *v)) {
        std::string expect;
        if (t.kind == TypeKind::Enum) {
          for (const auto& mem : out_.enums[t.enum_id].members) expect += (expect.empty() ? "" : ", ") + mem;
          expect = "one of " + expect;
        } else if (t.kind == TypeKind::Bool) {
          expect = "true or false";
        } else {
          expect = "an integer in " + std::to_string(t.lo) + ".." + std::to_string(t.hi);
        }
        diags_.error(DiagKind::BadOption, &defines_file_, define_value_loc(i),
                     "bad value '" + text + "' for option '" + name + "': expected " + expect);
        continue;
      }
      result = v;
    }
    return result;
  }

  void report_unused_defines() {
    for (std::size_t i = 0; i < defines_.size(); ++i) {
      if (used_define_[i]) continue;
      std::string known;
      for (const auto& o : out_.options) known += (known.empty() ? "" : ", ") + o.name;
      Loc loc = define_value_loc(i);
      loc.offset -= static_cast<std::uint32_t>(defines_[i].name.size() + 1);
      loc.length = static_cast<std::uint32_t>(defines_[i].name.size());
      diags_.error(DiagKind::BadOption, &defines_file_, loc,
                   "unknown option '" + defines_[i].name + "': expected one of " + (known.empty() ? "(none)" : known));
    }
  }

  static bool in_range(const Type& t, std::int64_t v) {
    switch (t.kind) {
      case TypeKind::Bool: return v == 0 || v == 1;
      case TypeKind::Int: case TypeKind::Cpu: return v >= t.lo && v <= t.hi;
      default: return true;
    }
  }

  std::string show_value(const Type& t, std::int64_t v) const {
    if (t.kind == TypeKind::Bool) return v ? "true" : "false";
    if (t.kind == TypeKind::Enum && v >= 0 && std::size_t(v) < out_.enums[t.enum_id].members.size()) return out_.enums[t.enum_id].members[v];
    return std::to_string(v);
  }

  // ---- pass 2: types and initial values of globals --------------------------
  void evaluate_globals() {
    for (Decl& d : m().decls) {
      if (d.kind != DeclKind::Var && d.kind != DeclKind::Percpu) continue;
      auto it = globals_.find(d.name);
      if (it == globals_.end() || (it->second.kind != SymKind::Global && it->second.kind != SymKind::Percpu)) continue;
      GlobalInfo& g = out_.globals[it->second.index];
      if (g.loc.offset != d.name_loc.offset) continue;  // a redeclaration, already reported
      g.type = resolve_type(d.type, std::string(d.name));
      g.init = default_value(g.type);
      if (!d.inits.empty()) {
        std::size_t count = 1;
        for (std::uint32_t n : g.type.dims) count *= n;
        Type scalar = g.type;
        scalar.dims.clear();
        if (d.inits.size() != count) {
          error(DiagKind::TypeMismatch, E(d.inits[0]).loc, "'" + std::string(d.name) + "' has " + std::to_string(count) + " element" + (count == 1 ? "" : "s") + ", but " +
                                                              std::to_string(d.inits.size()) + " initial value" + (d.inits.size() == 1 ? " is" : "s are") + " given");
          continue;
        }
        for (ExprId init : d.inits) {
          Context ctx;
          Type vt = check_expr(init, ctx, &scalar);
          if (vt.kind == TypeKind::Error) break;
          if (!E(init).cval) {
            error(DiagKind::NotConstant, E(init).loc, "the initial values of '" + std::string(d.name) + "' must be constants");
            break;
          }
          if (!assignable(scalar, vt, E(init).loc, "an element of '" + std::string(d.name) + "'")) break;
          if (!in_range(scalar, *E(init).cval)) {
            error(DiagKind::BadRange, E(init).loc, "initial value " + std::to_string(*E(init).cval) + " is outside '" + tn(scalar) + "'");
            break;
          }
          g.inits.push_back(*E(init).cval);
        }
      }
      if (d.value.valid()) {
        Context ctx;
        Type scalar = g.type;
        scalar.dims.clear();
        Type vt = check_expr(d.value, ctx, &scalar);
        if (vt.kind == TypeKind::Error) continue;
        if (!E(d.value).cval) {
          error(DiagKind::NotConstant, E(d.value).loc, "the initial value of '" + std::string(d.name) + "' must be a constant");
          continue;
        }
        if (!assignable(scalar, vt, E(d.value).loc, "'" + std::string(d.name) + "'")) continue;
        g.init = *E(d.value).cval;
        if (!in_range(scalar, g.init)) error(DiagKind::BadRange, E(d.value).loc, "initial value " + std::to_string(g.init) + " is outside '" + tn(scalar) + "'");
      }
    }
  }

  // The CPUs a process or task runs on: `on each cpu`, `on cpu N`, or
  // `on cpus LO..HI` (every CPU of the range; none when it is empty).
  bool placement(const Decl& d, std::vector<int>& cpus) {
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
        error(DiagKind::BadRange, E(d.at.valid() ? d.at : d.cpu).loc, "cpu " + std::to_string(c) + " does not exist: the machine has cpus 0.." + std::to_string(out_.cpus - 1));
        return false;
      }
      cpus.push_back(int(c));
    }
    return true;
  }

  // Tasks get ids in declaration order (one per CPU for `on each cpu`) and
  // become names of type task.
  void number_tasks() {
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

  void evaluate_machine() {
    number_tasks();
    if (mm_fields_decl_ != nullptr) {
      std::set<std::string_view> seen;
      for (const Param& p : mm_fields_decl_->params) {
        if (!seen.insert(p.name).second || p.name == "pgd") {
          error(DiagKind::Redeclared, p.loc, "mm field '" + std::string(p.name) + "' is already declared");
          continue;
        }
        MmFieldInfo f;
        f.name = p.name;
        f.loc = p.loc;
        f.type = resolve_type(p.type, "mm." + std::string(p.name));
        f.init = default_value(f.type);
        if (p.init.valid() && f.type.kind != TypeKind::Error) {
          Context ctx;
          Type scalar = f.type;
          scalar.dims.clear();
          Type vt = check_expr(p.init, ctx, &scalar);
          if (vt.kind == TypeKind::Error) continue;
          if (!E(p.init).cval) {
            error(DiagKind::NotConstant, E(p.init).loc, "the initial value of mm field '" + std::string(p.name) + "' must be a constant");
            continue;
          }
          if (assignable(scalar, vt, E(p.init).loc, "mm field '" + std::string(p.name) + "'")) f.init = *E(p.init).cval;
        }
        out_.mm_fields.push_back(f);
      }
    }
    for (Decl& d : m().decls) {
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
        if (*fires < 0 || *fires > 7) error(DiagKind::BadRange, E(d.at).loc, "an interrupt fires 0..7 times, not " + std::to_string(*fires));
        if (*cpu < 0 || *cpu >= out_.cpus) error(DiagKind::BadRange, E(d.cpu).loc, "cpu " + std::to_string(*cpu) + " does not exist: the machine has cpus 0.." + std::to_string(out_.cpus - 1));
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

  std::int64_t default_value(const Type& t) const {
    if (t.kind == TypeKind::Mm || t.kind == TypeKind::Frame || t.kind == TypeKind::Task) return -1;  // none
    return t.kind == TypeKind::Int ? std::clamp<std::int64_t>(0, t.lo, t.hi) : 0;
  }

  Type resolve_type(const TypeSyntax& ts, const std::string& owner) {
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
        if (it == types_.end() && ts.name == "page") {
          t = make(TypeKind::Page, 0, std::int64_t(out_.pages.size()) - 1);
          break;
        }
        if (it == types_.end()) {
          error(DiagKind::UnknownName, ts.loc, "unknown type '" + std::string(ts.name) + "': expected bool, int[lo..hi], cpu, cpumask, mm, page, frame or an enum");
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
      auto n = const_int(dim, ctx);
      if (!n) return make(TypeKind::Error);
      if (*n < 1 || *n > kMaxArray) {
        error(DiagKind::BadRange, E(dim).loc, "array size " + std::to_string(*n) + " is outside 1.." + std::to_string(kMaxArray));
        return make(TypeKind::Error);
      }
      total *= std::uint64_t(*n);
      t.dims.push_back(static_cast<std::uint32_t>(*n));
    }
    if (total > kMaxArray) {
      error(DiagKind::BadRange, ts.loc, "array of " + std::to_string(total) + " elements: at most " + std::to_string(kMaxArray));
      return make(TypeKind::Error);
    }
    return t;
  }

  std::optional<std::int64_t> const_int(ExprId id, Context& ctx) {
    Type t = check_expr(id, ctx, nullptr);
    if (t.kind == TypeKind::Error) return std::nullopt;
    if (!int_like(t)) {
      error(DiagKind::TypeMismatch, E(id).loc, "expected an integer, found '" + tn(t) + "'");
      return std::nullopt;
    }
    if (!E(id).cval) {
      error(DiagKind::NotConstant, E(id).loc, "expected a constant: this value is not known before exploration");
      return std::nullopt;
    }
    return E(id).cval;
  }

  // ---- pass 3: bodies ---------------------------------------------------------
  void check_bodies() {
    for (std::uint32_t i = 0; i < out_.functions.size(); ++i) {
      if (diags_.saturated()) return;
      BodyInfo& b = out_.functions[i];
      const Decl& d = *b.decl;
      Context ctx;
      ctx.body = &b;
      ctx.has_cpu = true;
      ctx.in_function = true;
      ctx.function = i;
      ctx.scopes.emplace_back();
      for (const Param& p : d.params) {
        Type t = resolve_type(p.type, std::string(d.name) + "." + std::string(p.name));
        if (t.is_array()) error(DiagKind::TypeMismatch, p.type.loc, "parameters must have scalar types, not '" + tn(t) + "'");
        declare_local(ctx, p.name, p.loc, t);
      }
      b.params = static_cast<std::uint32_t>(d.params.size());
      if (d.has_type) {
        b.has_result = true;
        b.result = resolve_type(d.type, std::string(d.name));
        if (b.result.is_array()) error(DiagKind::TypeMismatch, d.type.loc, "functions must return scalar types");
      }
      check_stmt(d.body, ctx);
    }
    for (IrqInfo& irq : out_.irqs) {
      if (diags_.saturated()) return;
      Context ctx;
      ctx.body = &irq.body;
      ctx.has_cpu = true;
      ctx.scopes.emplace_back();
      const Decl& d = *irq.body.decl;
      if (irq.device && !d.params.empty()) error(DiagKind::BadCall, d.params[0].loc, "a device interrupt takes no arguments: only IPIs do");
      for (const Param& p : d.params) {
        Type t = resolve_type(p.type, std::string(d.name) + "." + std::string(p.name));
        if (t.is_array()) error(DiagKind::TypeMismatch, p.type.loc, "IPI arguments must have scalar types, not '" + tn(t) + "'");
        std::uint32_t local = declare_local(ctx, p.name, p.loc, t);
        irq.body.locals[local].assigned = true;  // filled in at delivery
      }
      irq.body.params = static_cast<std::uint32_t>(d.params.size());
      check_stmt(d.body, ctx);
    }
    for (ProcessInfo& p : pending_tasks_) {
      if (diags_.saturated()) return;
      out_.processes.push_back(std::move(p));
      ProcessInfo& stored = out_.processes.back();
      Context ctx;
      ctx.body = &stored.body;
      ctx.has_cpu = true;
      ctx.in_task = true;
      ctx.scopes.emplace_back();
      check_stmt(stored.body.decl->body, ctx);
    }
    pending_tasks_.clear();
    if (out_.context_switch_hook >= 0) {
      const BodyInfo& b = out_.functions[std::size_t(out_.context_switch_hook)];
      bool ok = b.locals.size() >= 2 && b.decl->params.size() == 2 && b.locals[0].type.scalar_is(TypeKind::Task) && b.locals[1].type.scalar_is(TypeKind::Task) && !b.has_result;
      if (!ok) error(DiagKind::BadCall, b.decl->name_loc, "the context-switch hook must be 'on context_switch(prev: task, next: task) { ... }'");
    }
    if (out_.page_fault_hook >= 0) {
      const BodyInfo& b = out_.functions[std::size_t(out_.page_fault_hook)];
      const auto& ps = b.decl->params;
      bool ok = ps.size() == 2 && b.locals.size() >= 2 && b.locals[0].type.scalar_is(TypeKind::Page) && b.locals[1].type.scalar_is(TypeKind::Bool) && !b.has_result;
      if (!ok) error(DiagKind::BadCall, b.decl->name_loc, "the page-fault hook must be 'on page_fault(p: page, write: bool) { ... }'");
    }
    for (Decl& d : m().decls) {
      if (diags_.saturated()) return;
      if (d.kind == DeclKind::Process) {
        ProcessInfo p;
        p.body.decl = &d;
        if (!placement(d, p.cpus)) continue;
        if (process_names_.count(d.name) != 0 || globals_.count(d.name) != 0) {
          error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared");
          continue;
        }
        process_names_.insert(d.name);
        out_.processes.push_back(std::move(p));
        ProcessInfo& stored = out_.processes.back();
        Context ctx;
        ctx.body = &stored.body;
        ctx.has_cpu = true;
        ctx.scopes.emplace_back();
        check_stmt(d.body, ctx);
      } else if (d.kind == DeclKind::Invariant) {
        if (invariant_names_.count(d.name) != 0 || globals_.count(d.name) != 0) {
          error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared");
          continue;
        }
        invariant_names_.insert(d.name);
        Context ctx;
        Type t = check_expr(d.value, ctx, nullptr);
        if (t.kind != TypeKind::Error && !t.scalar_is(TypeKind::Bool)) {
          error(DiagKind::TypeMismatch, E(d.value).loc, "an invariant must be a bool, found '" + tn(t) + "'");
          continue;
        }
        out_.invariants.push_back({d.name, d.value, d.name_loc, d.flag});
      }
    }
  }

  std::uint32_t declare_local(Context& ctx, std::string_view name, Loc loc, const Type& t) {
    for (auto& [n, idx] : ctx.scopes.back()) {
      if (n == name) {
        error(DiagKind::Redeclared, loc, "'" + std::string(name) + "' is already declared in this block");
        diags_.note(file_, ctx.body->locals[idx].loc, "previous declaration of '" + std::string(name) + "' is here");
      }
    }
    std::uint32_t idx = static_cast<std::uint32_t>(ctx.body->locals.size());
    ctx.body->locals.push_back({name, t, loc, false});
    ctx.scopes.back().push_back({name, idx});
    return idx;
  }

  void check_block(StmtId id, Context& ctx) {
    ctx.scopes.emplace_back();
    check_stmt(id, ctx);
    ctx.scopes.pop_back();
  }

  // A call of a user function may only stand alone: as a statement or as the
  // whole right-hand side of a let, an assignment or a return.
  Type check_value(ExprId value, Context& ctx, const Type* expected) {
    if (value.valid() && E(value).kind == ExprKind::Call) allowed_call_ = value.v;
    Type t = check_expr(value, ctx, expected);
    allowed_call_ = UINT32_MAX;
    return t;
  }

  void check_stmt(StmtId id, Context& ctx) {
    if (!id.valid() || diags_.saturated()) return;
    Stmt& s = S(id);
    switch (s.kind) {
      case StmtKind::Block:
        ctx.scopes.emplace_back();
        for (StmtId c : s.list) check_stmt(c, ctx);
        ctx.scopes.pop_back();
        break;
      case StmtKind::Let: {
        Type declared;
        if (s.has_type) declared = resolve_type(s.type, std::string(s.name));
        Type t = declared;
        if (s.value.valid()) {
          Type vt = check_value(s.value, ctx, s.has_type ? &declared : nullptr);
          if (s.has_type) {
            if (declared.is_array() && vt.kind != TypeKind::Error) {
              error(DiagKind::TypeMismatch, E(s.value).loc, "an array cannot be initialized from a value; declare it without '='");
            } else if (vt.kind != TypeKind::Error && declared.kind != TypeKind::Error) {
              assignable(declared, vt, E(s.value).loc, "'" + std::string(s.name) + "'");
            }
          } else {
            t = vt;
            if (vt.kind == TypeKind::Void) {
              error(DiagKind::TypeMismatch, E(s.value).loc, "this call returns no value");
              t = make(TypeKind::Error);
            } else if (vt.is_array()) {
              error(DiagKind::TypeMismatch, E(s.value).loc, "cannot copy an array into a local");
              t = make(TypeKind::Error);
            }
          }
        }
        s.local = declare_local(ctx, s.name, s.name_loc, t);
        break;
      }
      case StmtKind::Assign: {
        Type tt = check_expr(s.target, ctx, nullptr);
        if (tt.kind == TypeKind::Error) break;
        if (!lvalue(s.target, ctx, true)) break;
        if (tt.is_array()) {
          error(DiagKind::NotAssignable, E(s.target).loc, "cannot assign a whole array: assign its elements");
          break;
        }
        if (s.op != Tok::Assign && !int_like(tt)) {
          error(DiagKind::TypeMismatch, s.loc, "'+=' and '-=' need an integer target, found '" + tn(tt) + "'");
          break;
        }
        Type vt = check_value(s.value, ctx, &tt);
        if (vt.kind == TypeKind::Error) break;
        if (s.op != Tok::Assign) {
          if (!int_like(vt)) error(DiagKind::TypeMismatch, E(s.value).loc, "expected an integer, found '" + tn(vt) + "'");
        } else {
          assignable(tt, vt, E(s.value).loc, "the target");
        }
        break;
      }
      case StmtKind::Call: {
        Expr& call = E(s.value);
        allowed_call_ = s.value.v;
        statement_call_ = s.value.v;
        check_expr(s.value, ctx, nullptr);
        allowed_call_ = UINT32_MAX;
        statement_call_ = UINT32_MAX;
        (void)call;
        break;
      }
      case StmtKind::If:
      case StmtKind::While:
        expect_bool(s.value, ctx, s.kind == StmtKind::If ? "an 'if' condition" : "a 'while' condition");
        if (s.kind == StmtKind::While) ++ctx.loops;
        check_block(s.body, ctx);
        if (s.kind == StmtKind::While) --ctx.loops;
        if (s.else_body.valid()) check_block(s.else_body, ctx);
        break;
      case StmtKind::Loop:
        ++ctx.loops;
        check_block(s.body, ctx);
        --ctx.loops;
        break;
      case StmtKind::Atomic: {
        int saved = ctx.loops;
        ctx.loops = 0;
        ++ctx.atomic;
        check_block(s.body, ctx);
        --ctx.atomic;
        ctx.loops = saved;
        break;
      }
      case StmtKind::Break:
      case StmtKind::Continue:
        if (ctx.loops == 0) {
          error(DiagKind::MisplacedStatement, s.loc,
                std::string("'") + (s.kind == StmtKind::Break ? "break" : "continue") +
                    (ctx.atomic > 0 ? "' cannot leave an atomic block" : "' outside a loop"));
        }
        break;
      case StmtKind::Return: {
        if (!ctx.in_function) {
          error(DiagKind::MisplacedStatement, s.loc, "'return' outside a function");
          break;
        }
        if (ctx.atomic > 0) {
          error(DiagKind::MisplacedStatement, s.loc, "'return' cannot leave an atomic block");
          break;
        }
        BodyInfo& b = *ctx.body;
        if (b.has_result && !s.value.valid()) {
          error(DiagKind::TypeMismatch, s.loc, "function '" + std::string(b.decl->name) + "' must return a value of type '" + tn(b.result) + "'");
        } else if (!b.has_result && s.value.valid()) {
          error(DiagKind::TypeMismatch, E(s.value).loc, "function '" + std::string(b.decl->name) + "' returns no value: declare '-> TYPE' to return one");
        } else if (s.value.valid()) {
          Type vt = check_value(s.value, ctx, &b.result);
          if (vt.kind != TypeKind::Error) assignable(b.result, vt, E(s.value).loc, "the result");
        }
        break;
      }
      case StmtKind::Await:
        expect_bool(s.value, ctx, "'await'");
        break;
      case StmtKind::Assert:
        expect_bool(s.value, ctx, "'assert'");
        break;
      case StmtKind::BugOn:
        expect_bool(s.value, ctx, "'BUG_ON'");
        break;
      case StmtKind::Either:
        for (StmtId alt : s.list) check_block(alt, ctx);
        break;
      case StmtKind::Skip:
        break;
    }
  }

  void expect_bool(ExprId id, Context& ctx, const char* what) {
    Type t = check_expr(id, ctx, nullptr);
    if (t.kind != TypeKind::Error && !t.scalar_is(TypeKind::Bool)) {
      error(DiagKind::TypeMismatch, E(id).loc, std::string(what) + " needs a bool, found '" + tn(t) + "'");
    }
  }

  // Can `value_type` be stored into `target`? Integers are checked against
  // the target's range at run time (a violation, not a wrap-around).
  bool assignable(const Type& target, const Type& value, Loc loc, const std::string& what) {
    if (target.kind == TypeKind::Error || value.kind == TypeKind::Error) return false;
    bool ok = false;
    if (target.is_array() || value.is_array()) ok = false;
    else if (target.kind == TypeKind::Int || target.kind == TypeKind::Cpu) ok = int_like(value);
    else if (target.kind == TypeKind::Enum) ok = value.kind == TypeKind::Enum && value.enum_id == target.enum_id;
    else ok = target.kind == value.kind;
    if (!ok) error(DiagKind::TypeMismatch, loc, "cannot store a '" + tn(value) + "' into " + what + " of type '" + tn(target) + "'");
    return ok;
  }

  bool lvalue(ExprId id, Context& ctx, bool mark) {
    Expr& e = E(id);
    switch (e.kind) {
      case ExprKind::Name:
        if (e.sym == SymKind::Global || e.sym == SymKind::Percpu) return true;
        if (e.sym == SymKind::Local) {
          if (mark) ctx.body->locals[e.sym_index].assigned = true;
          return true;
        }
        break;
      case ExprKind::Index:
        return lvalue(e.args[0], ctx, mark);
      case ExprKind::Member:
        if (ctx.body != nullptr) return true;
        break;
      case ExprKind::Call:
        if (e.sym == SymKind::Builtin && Builtin(e.sym_index) == Builtin::PerCpu) return true;
        break;
      default:
        break;
    }
    error(DiagKind::NotAssignable, e.loc, "cannot assign to this expression: expected a variable or an array element");
    return false;
  }

  // ---- expressions -------------------------------------------------------------
  static std::optional<Builtin> builtin_of(std::string_view name) { return builtin_named(name); }

  Type fail_expr(Expr& e) {
    e.type = make(TypeKind::Error);
    return e.type;
  }

  Type check_expr(ExprId id, Context& ctx, const Type* expected) {
    if (!id.valid()) return make(TypeKind::Error);
    Expr& e = E(id);
    Type t = check_expr_inner(id, e, ctx, expected);
    E(id).type = t;
    return t;
  }

  Type check_expr_inner(ExprId id, Expr& e, Context& ctx, const Type* expected) {
    switch (e.kind) {
      case ExprKind::Int:
        e.cval = e.value;
        return make(TypeKind::Int, e.value, e.value);
      case ExprKind::Bool:
        e.cval = e.value;
        return make(TypeKind::Bool, 0, 1);
      case ExprKind::ThisCpu:
        if (!ctx.has_cpu) {
          error(DiagKind::UnknownName, e.loc, "'this_cpu' is only defined inside a process or a function");
          return make(TypeKind::Error);
        }
        return make(TypeKind::Cpu, 0, out_.cpus - 1);
      case ExprKind::Name:
        return check_name(e, ctx, expected);
      case ExprKind::Index: {
        Type base = check_expr(e.args[0], ctx, nullptr);
        Type idx = check_expr(e.args[1], ctx, nullptr);
        if (base.kind == TypeKind::Error || idx.kind == TypeKind::Error) return make(TypeKind::Error);
        if (!base.is_array()) {
          error(DiagKind::TypeMismatch, E(e.args[0]).loc, "cannot index a '" + tn(base) + "': it is not an array");
          return make(TypeKind::Error);
        }
        if (!int_like(idx) && !idx.scalar_is(TypeKind::Enum) && !idx.scalar_is(TypeKind::Bool)) {
          error(DiagKind::TypeMismatch, E(e.args[1]).loc, "an array index must be an integer, an enum or a bool, found '" + tn(idx) + "'");
          return make(TypeKind::Error);
        }
        if (auto c = E(e.args[1]).cval; c && (*c < 0 || *c >= base.dims[0])) {
          error(DiagKind::BadRange, E(e.args[1]).loc, "index " + std::to_string(*c) + " is outside 0.." + std::to_string(base.dims[0] - 1));
          return make(TypeKind::Error);
        }
        return base.element();
      }
      case ExprKind::Unary: {
        Type a = check_expr(e.args[0], ctx, expected);
        if (a.kind == TypeKind::Error) return a;
        auto c = E(e.args[0]).cval;
        if (e.op == Tok::Bang) {
          if (!a.scalar_is(TypeKind::Bool)) return mismatch(e, "'!' needs a bool", a);
          if (c) e.cval = !*c;
          return a;
        }
        if (e.op == Tok::Minus) {
          if (!int_like(a)) return mismatch(e, "unary '-' needs an integer", a);
          if (c) e.cval = -*c;
          return make(TypeKind::Int, clamp_int(-a.hi), clamp_int(-a.lo));
        }
        if (a.scalar_is(TypeKind::Mask)) {
          if (c) e.cval = ~*c & a.hi;
          return a;
        }
        if (!int_like(a)) return mismatch(e, "'~' needs a cpumask or an integer", a);
        if (c) e.cval = ~*c;
        return make(TypeKind::Int, clamp_int(-a.hi - 1), clamp_int(-a.lo - 1));
      }
      case ExprKind::Binary:
        return check_binary(e, ctx);
      case ExprKind::Cond: {
        expect_bool(e.args[0], ctx, "the condition of '?:'");
        Type a = check_expr(e.args[1], ctx, expected);
        Type b = check_expr(e.args[2], ctx, a.kind == TypeKind::Enum ? &a : expected);
        if (a.kind == TypeKind::Error || b.kind == TypeKind::Error) return make(TypeKind::Error);
        auto c = E(e.args[0]).cval;
        if (c) e.cval = *c ? E(e.args[1]).cval : E(e.args[2]).cval;
        if (int_like(a) && int_like(b)) return make(TypeKind::Int, std::min(a.lo, b.lo), std::max(a.hi, b.hi));
        if (a.is_array() || b.is_array() || a.kind != b.kind || (a.kind == TypeKind::Enum && a.enum_id != b.enum_id)) {
          error(DiagKind::TypeMismatch, e.loc, "the two branches of '?:' have different types '" + tn(a) + "' and '" + tn(b) + "'");
          return make(TypeKind::Error);
        }
        return a;
      }
      case ExprKind::Quant: {
        Type vt = resolve_type(e.quant_type, std::string(e.name));
        if (vt.kind == TypeKind::Error) return vt;
        if (vt.is_array() || vt.kind == TypeKind::Mask || vt.hi - vt.lo + 1 > kMaxQuantRange) {
          error(DiagKind::TypeMismatch, e.quant_type.loc, "a bound variable needs a small scalar type (bool, cpu, an enum or an int range of at most 1024 values)");
          return make(TypeKind::Error);
        }
        ctx.quants.push_back({e.name, vt});
        Type body = check_expr(e.args[0], ctx, nullptr);
        ctx.quants.pop_back();
        if (body.kind == TypeKind::Error) return body;
        if (!body.scalar_is(TypeKind::Bool)) return mismatch(e, "the body of a quantifier must be a bool", body);
        if (e.op == Tok::KwCount) return make(TypeKind::Int, 0, vt.hi - vt.lo + 1);
        return make(TypeKind::Bool, 0, 1);
      }
      case ExprKind::Call:
        return check_call(id, e, ctx);
      case ExprKind::Member: {
        Type base = check_expr(e.args[0], ctx, nullptr);
        if (base.kind == TypeKind::Error) return base;
        if (base.scalar_is(TypeKind::Mm)) {
          if (ctx.body == nullptr && !ctx.quants.empty() && false) return make(TypeKind::Error);
          if (e.name == "pgd") {
            e.sym = SymKind::MachineField;
            e.sym_index = std::uint32_t(ObjectField::MmPgd);
            return make(TypeKind::Frame, -1, 0);
          }
          for (std::size_t i = 0; i < out_.mm_fields.size(); ++i) {
            if (out_.mm_fields[i].name == e.name) {
              e.sym = SymKind::MmField;
              e.sym_index = static_cast<std::uint32_t>(i);
              return out_.mm_fields[i].type;
            }
          }
          std::string known = "pgd";
          for (const MmFieldInfo& f : out_.mm_fields) known += ", " + std::string(f.name);
          error(DiagKind::UnknownName, e.loc, "an mm has no field '" + std::string(e.name) + "': expected one of " + known);
          return make(TypeKind::Error);
        }
        if (base.scalar_is(TypeKind::Task)) {
          if (e.name == "mm" || e.name == "active_mm") {
            e.sym = SymKind::MachineField;
            e.sym_index = std::uint32_t(e.name == "mm" ? ObjectField::TaskMm : ObjectField::TaskActiveMm);
            return make(TypeKind::Mm, -1, std::int64_t(out_.mms.size()) - 1);
          }
          error(DiagKind::UnknownName, e.loc, "a task has no field '" + std::string(e.name) + "': expected mm or active_mm");
          return make(TypeKind::Error);
        }
        error(DiagKind::TypeMismatch, e.loc, "a '" + tn(base) + "' has no fields: '." + std::string(e.name) + "' needs an mm or a task");
        return make(TypeKind::Error);
      }
    }
    return make(TypeKind::Error);
  }

  Type mismatch(Expr& e, const std::string& what, const Type& found) {
    error(DiagKind::TypeMismatch, e.loc, what + ", found '" + tn(found) + "'");
    return make(TypeKind::Error);
  }

  Type check_name(Expr& e, Context& ctx, const Type* expected) {
    // locals, innermost scope first
    for (auto scope = ctx.scopes.rbegin(); scope != ctx.scopes.rend(); ++scope) {
      for (auto it = scope->rbegin(); it != scope->rend(); ++it) {
        if (it->first == e.name) {
          e.sym = SymKind::Local;
          e.sym_index = it->second;
          return ctx.body->locals[it->second].type;
        }
      }
    }
    for (std::size_t i = ctx.quants.size(); i-- > 0;) {
      if (ctx.quants[i].first == e.name) {
        e.sym = SymKind::QuantVar;
        e.sym_index = static_cast<std::uint32_t>(i);
        return ctx.quants[i].second;
      }
    }
    if (e.name == "current" && !out_.task_names.empty()) {
      if (!ctx.has_cpu) {
        error(DiagKind::UnknownName, e.loc, "'current' is only defined inside a process, a handler or a function");
        return make(TypeKind::Error);
      }
      e.sym = SymKind::MachineField;
      e.sym_index = std::uint32_t(-1);  // the running CPU's current task
      return make(TypeKind::Task, -1, out_.tasks - 1);
    }
    if (e.name == "nr_cpus") {
      e.sym = SymKind::Const;
      e.cval = out_.cpus;
      return make(TypeKind::Int, out_.cpus, out_.cpus);
    }
    if (e.name == "CPU_MASK_NONE" || e.name == "CPU_MASK_ALL") {
      e.sym = SymKind::Const;
      e.cval = e.name == "CPU_MASK_NONE" ? 0 : (1LL << out_.cpus) - 1;
      return make(TypeKind::Mask, 0, (1LL << out_.cpus) - 1);
    }
    if (e.name == "none" && expected != nullptr && expected->dims.empty() &&
        (expected->kind == TypeKind::Mm || expected->kind == TypeKind::Frame || expected->kind == TypeKind::Task)) {
      e.sym = SymKind::Const;
      e.cval = -1;
      Type t = *expected;
      return t;
    }
    auto it = globals_.find(e.name);
    // An enumerator of the expected enum wins over an unrelated global name.
    if (expected && expected->kind == TypeKind::Enum) {
      if (auto en = enumerators_.find(e.name); en != enumerators_.end()) {
        for (auto [enum_id, member] : en->second) {
          if (enum_id == expected->enum_id) return enumerator(e, enum_id, member);
        }
      }
    }
    if (it != globals_.end()) {
      const Symbol& sym = it->second;
      e.sym = sym.kind;
      e.sym_index = sym.index;
      switch (sym.kind) {
        case SymKind::Const:
          e.cval = const_values_[sym.index].second;
          return const_values_[sym.index].first;
        case SymKind::Global:
          if (ctx.body == nullptr && ctx.quants.empty() && in_constant_context_) break;
          return out_.globals[sym.index].type;
        case SymKind::Percpu:
          if (!ctx.has_cpu) {
            error(DiagKind::UnknownName, e.loc, "per-CPU variable '" + std::string(e.name) + "' needs a CPU here: write per_cpu(" + std::string(e.name) + ", c)");
            return make(TypeKind::Error);
          }
          return out_.globals[sym.index].type;
        case SymKind::Function:
          error(DiagKind::TypeMismatch, e.loc, "function '" + std::string(e.name) + "' used as a value: expected a call, as in " + std::string(e.name) + "(...)");
          return make(TypeKind::Error);
        default:
          break;
      }
    }
    if (auto en = enumerators_.find(e.name); en != enumerators_.end()) {
      if (en->second.size() == 1) return enumerator(e, en->second[0].first, en->second[0].second);
      std::string owners;
      for (auto [enum_id, member] : en->second) owners += (owners.empty() ? "" : ", ") + out_.enums[enum_id].name;
      error(DiagKind::AmbiguousName, e.loc, "'" + std::string(e.name) + "' is a member of several enums (" + owners + "): compare it with a value of the enum you mean");
      return make(TypeKind::Error);
    }
    // unknown: suggest the closest visible name
    std::string best;
    std::size_t best_d = 3;
    auto consider = [&](std::string_view cand) {
      std::size_t d = distance(cand, e.name);
      if (d < best_d) {
        best_d = d;
        best = std::string(cand);
      }
    };
    for (auto& scope : ctx.scopes) for (auto& [n, idx] : scope) consider(n);
    for (auto& [n, sym] : globals_) consider(n);
    for (auto& [n, list] : enumerators_) consider(n);
    std::string msg = "unknown name '" + std::string(e.name) + "'";
    if (!best.empty()) msg += ": did you mean '" + best + "'?";
    error(DiagKind::UnknownName, e.loc, msg);
    return make(TypeKind::Error);
  }

  Type enumerator(Expr& e, std::uint32_t enum_id, std::uint32_t member) {
    e.sym = SymKind::Enumerator;
    e.sym_index = enum_id;
    e.cval = member;
    Type t = make(TypeKind::Enum, 0, static_cast<std::int64_t>(out_.enums[enum_id].members.size()) - 1);
    t.enum_id = enum_id;
    return t;
  }

  Type check_binary(Expr& e, Context& ctx) {
    Tok op = e.op;
    Type a = check_expr(e.args[0], ctx, nullptr);
    // enumerators on the right are resolved against the left operand's enum
    bool contextual = a.kind == TypeKind::Enum || a.kind == TypeKind::Mm || a.kind == TypeKind::Frame || a.kind == TypeKind::Task;
    Type b = check_expr(e.args[1], ctx, contextual ? &a : nullptr);
    if (a.kind == TypeKind::Error || b.kind == TypeKind::Error) return make(TypeKind::Error);
    if (op == Tok::AmpAmp || op == Tok::PipePipe) {
      if (E(e.args[1]).kind == ExprKind::Call && E(e.args[1]).sym == SymKind::Function) {
        error(DiagKind::BadCall, E(e.args[1]).loc, "a function call cannot stand on the right of '&&' or '||': use an if");
        return make(TypeKind::Error);
      }
    }
    if (a.is_array() || b.is_array()) {
      error(DiagKind::TypeMismatch, e.loc, "operator " + std::string(tok_spelling(op)) + " cannot take an array");
      return make(TypeKind::Error);
    }
    auto ca = E(e.args[0]).cval, cb = E(e.args[1]).cval;
    auto both = ca && cb;
    switch (op) {
      case Tok::AmpAmp:
      case Tok::PipePipe:
        if (!a.scalar_is(TypeKind::Bool) || !b.scalar_is(TypeKind::Bool)) {
          return mismatch(e, std::string(tok_spelling(op)) + " needs two bools", a.kind == TypeKind::Bool ? b : a);
        }
        if (both) e.cval = op == Tok::AmpAmp ? (*ca && *cb) : (*ca || *cb);
        else if (ca && ((op == Tok::AmpAmp && !*ca) || (op == Tok::PipePipe && *ca))) e.cval = *ca;
        return a;
      case Tok::Eq:
      case Tok::Ne: {
        bool ok = (int_like(a) && int_like(b)) || (a.kind == b.kind && a.kind != TypeKind::Enum) ||
                  (a.kind == TypeKind::Enum && b.kind == TypeKind::Enum && a.enum_id == b.enum_id);
        if (!ok) {
          error(DiagKind::TypeMismatch, e.loc, "cannot compare '" + tn(a) + "' with '" + tn(b) + "'");
          return make(TypeKind::Error);
        }
        if (both) e.cval = (op == Tok::Eq) == (*ca == *cb);
        return make(TypeKind::Bool, 0, 1);
      }
      case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge:
        if (!int_like(a) || !int_like(b)) return mismatch(e, std::string(tok_spelling(op)) + " needs two integers", int_like(a) ? b : a);
        if (both) {
          e.cval = op == Tok::Lt ? *ca < *cb : op == Tok::Le ? *ca <= *cb : op == Tok::Gt ? *ca > *cb : *ca >= *cb;
        }
        return make(TypeKind::Bool, 0, 1);
      case Tok::Amp: case Tok::Pipe: case Tok::Caret:
        if (a.kind == b.kind && (a.kind == TypeKind::Mask || a.kind == TypeKind::Bool)) {
          if (both) e.cval = op == Tok::Amp ? (*ca & *cb) : op == Tok::Pipe ? (*ca | *cb) : (*ca ^ *cb);
          return a;
        }
        if (int_like(a) && int_like(b)) {
          if (both) e.cval = op == Tok::Amp ? (*ca & *cb) : op == Tok::Pipe ? (*ca | *cb) : (*ca ^ *cb);
          std::int64_t hi = 1;
          while (hi <= std::max(a.hi, b.hi) && hi < kIntMax) hi <<= 1;
          bool nonneg = a.lo >= 0 && b.lo >= 0;
          return nonneg ? make(TypeKind::Int, 0, clamp_int(hi - 1)) : make(TypeKind::Int, kIntMin, kIntMax);
        }
        return mismatch(e, std::string(tok_spelling(op)) + " needs two cpumasks, two bools or two integers", int_like(a) ? b : a);
      default:
        break;
    }
    // arithmetic
    if (!int_like(a) || !int_like(b)) return mismatch(e, std::string(tok_spelling(op)) + " needs two integers", int_like(a) ? b : a);
    if (both) {
      std::int64_t x = *ca, y = *cb;
      switch (op) {
        case Tok::Plus: e.cval = x + y; break;
        case Tok::Minus: e.cval = x - y; break;
        case Tok::Star: e.cval = x * y; break;
        case Tok::Slash: case Tok::Percent:
          if (y == 0) {
            error(DiagKind::BadRange, e.loc, "division by zero");
            return make(TypeKind::Error);
          }
          e.cval = op == Tok::Slash ? x / y : x % y;
          break;
        case Tok::Shl: e.cval = (y < 0 || y > 31) ? 0 : x << y; break;
        case Tok::Shr: e.cval = (y < 0 || y > 31) ? 0 : x >> y; break;
        default: break;
      }
      if (e.cval && (*e.cval < kIntMin || *e.cval > kIntMax)) {
        error(DiagKind::BadRange, e.loc, "constant " + std::to_string(*e.cval) + " does not fit in 32 bits");
        return make(TypeKind::Error);
      }
    }
    switch (op) {
      case Tok::Plus: return make(TypeKind::Int, clamp_int(a.lo + b.lo), clamp_int(a.hi + b.hi));
      case Tok::Minus: return make(TypeKind::Int, clamp_int(a.lo - b.hi), clamp_int(a.hi - b.lo));
      case Tok::Star: {
        std::int64_t c[] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
        return make(TypeKind::Int, clamp_int(*std::min_element(c, c + 4)), clamp_int(*std::max_element(c, c + 4)));
      }
      case Tok::Slash: {
        std::int64_t m = std::max(std::abs(a.lo), std::abs(a.hi));
        return make(TypeKind::Int, -m, m);
      }
      case Tok::Percent: {
        std::int64_t m = std::max(std::abs(b.lo), std::abs(b.hi));
        m = m > 0 ? m - 1 : 0;
        return make(TypeKind::Int, a.lo < 0 ? -m : 0, m);
      }
      default:
        return make(TypeKind::Int, kIntMin, kIntMax);
    }
  }

  Type check_call(ExprId id, Expr& e, Context& ctx) {
    auto arity = [&](std::size_t n) {
      if (e.args.size() == n) return true;
      error(DiagKind::BadCall, e.loc, "'" + std::string(e.name) + "' takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", found " + std::to_string(e.args.size()));
      return false;
    };
    if (auto b = builtin_of(e.name)) {
      e.sym = SymKind::Builtin;
      e.sym_index = static_cast<std::uint32_t>(*b);
      bool statement = statement_call_ == id.v;
      Type mask = make(TypeKind::Mask, 0, (1LL << out_.cpus) - 1);
      auto cpu_arg = [&](ExprId a) {
        Type t = check_expr(a, ctx, nullptr);
        if (t.kind == TypeKind::Error) return false;
        if (!int_like(t)) {
          error(DiagKind::TypeMismatch, E(a).loc, "expected a cpu, found '" + tn(t) + "'");
          return false;
        }
        return true;
      };
      auto mask_arg = [&](ExprId a) {
        Type t = check_expr(a, ctx, nullptr);
        if (t.kind == TypeKind::Error) return false;
        if (!t.scalar_is(TypeKind::Mask)) {
          error(DiagKind::TypeMismatch, E(a).loc, "expected a cpumask, found '" + tn(t) + "'");
          return false;
        }
        return true;
      };
      switch (*b) {
        case Builtin::PerCpu: {
          if (!arity(2)) return make(TypeKind::Error);
          Expr& var = E(e.args[0]);
          auto it = globals_.find(var.name);
          if (var.kind != ExprKind::Name || it == globals_.end() || it->second.kind != SymKind::Percpu) {
            error(DiagKind::BadCall, var.loc, "the first argument of per_cpu must name a per-CPU variable");
            return make(TypeKind::Error);
          }
          var.sym = SymKind::Percpu;
          var.sym_index = it->second.index;
          var.type = out_.globals[it->second.index].type;
          if (!cpu_arg(e.args[1])) return make(TypeKind::Error);
          return var.type;
        }
        case Builtin::TestBit:
          if (!arity(2) || !cpu_arg(e.args[0]) || !mask_arg(e.args[1])) return make(TypeKind::Error);
          return make(TypeKind::Bool, 0, 1);
        case Builtin::CpumaskOf:
          if (!arity(1) || !cpu_arg(e.args[0])) return make(TypeKind::Error);
          return mask;
        case Builtin::CpumaskEmpty:
          if (!arity(1) || !mask_arg(e.args[0])) return make(TypeKind::Error);
          return make(TypeKind::Bool, 0, 1);
        case Builtin::CpumaskWeight:
          if (!arity(1) || !mask_arg(e.args[0])) return make(TypeKind::Error);
          return make(TypeKind::Int, 0, out_.cpus);
        case Builtin::TestAndSetBit:
        case Builtin::TestAndClearBit:
        case Builtin::SetBit:
        case Builtin::ClearBit: {
          bool value = *b == Builtin::TestAndSetBit || *b == Builtin::TestAndClearBit;
          if (!value && !statement) {
            error(DiagKind::BadCall, e.loc, "'" + std::string(e.name) + "' returns nothing: it must stand alone as a statement");
            return make(TypeKind::Error);
          }
          if (ctx.body == nullptr) {
            error(DiagKind::BadCall, e.loc, "'" + std::string(e.name) + "' changes state: not allowed in an invariant");
            return make(TypeKind::Error);
          }
          if (!arity(2) || !cpu_arg(e.args[0]) || !mask_arg(e.args[1])) return make(TypeKind::Error);
          if (!lvalue(e.args[1], ctx, true)) return make(TypeKind::Error);
          return value ? make(TypeKind::Bool, 0, 1) : make(TypeKind::Void);
        }
        default:
          return check_machine_call(id, e, ctx, *b, statement);
        case Builtin::Bug:
          if (!statement) {
            error(DiagKind::BadCall, e.loc, "'BUG()' must stand alone as a statement");
            return make(TypeKind::Error);
          }
          if (!arity(0)) return make(TypeKind::Error);
          return make(TypeKind::Void);
      }
    }
    auto it = globals_.find(e.name);
    if (it == globals_.end() || it->second.kind != SymKind::Function) {
      std::string msg = it == globals_.end() ? "unknown function '" + std::string(e.name) + "'" : "'" + std::string(e.name) + "' is not a function";
      error(DiagKind::UnknownName, e.loc, msg);
      for (ExprId a : e.args) check_expr(a, ctx, nullptr);
      return make(TypeKind::Error);
    }
    e.sym = SymKind::Function;
    e.sym_index = it->second.index;
    if (ctx.body == nullptr) {
      error(DiagKind::BadCall, e.loc, "function '" + std::string(e.name) + "' cannot be called here: only processes and functions call functions");
      return make(TypeKind::Error);
    }
    if (allowed_call_ != id.v) {
      error(DiagKind::BadCall, e.loc, "a call of function '" + std::string(e.name) + "' must stand alone: as a statement or as the whole value of a let, an assignment or a return");
      return make(TypeKind::Error);
    }
    allowed_call_ = UINT32_MAX;
    if (ctx.atomic > 0) {
      // fine: the body is inlined into the atomic block
    }
    const Decl& callee = *out_.functions[e.sym_index].decl;
    if (e.args.size() != callee.params.size()) {
      error(DiagKind::BadCall, e.loc, "function '" + std::string(e.name) + "' takes " + std::to_string(callee.params.size()) + " argument" +
                                          (callee.params.size() == 1 ? "" : "s") + ", found " + std::to_string(e.args.size()));
      return make(TypeKind::Error);
    }
    if (ctx.function != UINT32_MAX) calls_.push_back({ctx.function, e.sym_index, e.loc});
    bool ok = true;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      // parameter types are resolved when the callee's body is checked; resolve
      // them here too if the callee comes later in the file
      Type pt = param_type(e.sym_index, i);
      Type at = check_expr(e.args[i], ctx, pt.kind == TypeKind::Error ? nullptr : &pt);
      if (at.kind == TypeKind::Error || pt.kind == TypeKind::Error) {
        ok = false;
        continue;
      }
      if (!assignable(pt, at, E(e.args[i]).loc, "parameter '" + std::string(callee.params[i].name) + "'")) ok = false;
    }
    if (!ok) return make(TypeKind::Error);
    const BodyInfo& b = out_.functions[e.sym_index];
    if (callee.has_type) return b.has_result ? b.result : result_type(e.sym_index);
    return make(TypeKind::Void);
  }

  // The machine's built-ins, checked from their rows of the built-ins table
  // (model/machine/builtins.def); send_ipi takes its handler's arguments too.
  using Arg = BuiltinArg;
  struct Signature {
    std::vector<Arg> args;
    TypeKind result;     // Void: a statement
    bool needs_cpu;      // runs on "this CPU"
    bool pure;           // reads only: allowed in invariants
  };
  static Signature signature(Builtin b) {
    const BuiltinInfo& info = builtin_info(b);
    if (!info.machine()) return {{}, TypeKind::Error, false, false};
    Signature sig{{}, info.result, info.needs_cpu(), info.pure()};
    sig.args.assign(info.args.begin(), info.args.begin() + info.arity());
    return sig;
  }

  Type check_machine_call(ExprId id, Expr& e, Context& ctx, Builtin b, bool statement) {
    out_.uses_machine = true;
    Signature sig = signature(b);
    std::string name(e.name);
    if (b == Builtin::SendIpi && e.args.size() >= 2) {  // send_ipi(target, handler, args of the handler...)
      const Expr& h = E(e.args[1]);
      auto it = h.kind == ExprKind::Name ? irq_index_.find(h.name) : irq_index_.end();
      if (it != irq_index_.end()) {
        const Decl& d = *out_.irqs[it->second].body.decl;
        for (const Param& p : d.params) {
          (void)p;
          sig.args.push_back(Arg::IpiArg);
        }
        ipi_target_ = it->second;
      }
    }
    if (e.args.size() != sig.args.size()) {
      error(DiagKind::BadCall, e.loc, "'" + name + "' takes " + std::to_string(sig.args.size()) + " argument" + (sig.args.size() == 1 ? "" : "s") + ", found " + std::to_string(e.args.size()));
      return make(TypeKind::Error);
    }
    if (sig.result == TypeKind::Void && !statement) {
      error(DiagKind::BadCall, e.loc, "'" + name + "' returns nothing: it must stand alone as a statement");
      return make(TypeKind::Error);
    }
    bool access = b == Builtin::Touch || b == Builtin::Load || b == Builtin::Store || b == Builtin::LoadWord || b == Builtin::StoreWord;
    if (access && !statement && allowed_call_ != id.v) {
      error(DiagKind::BadCall, e.loc, "an access ('" + name + "') may fault, so it must stand alone: as a statement or as the whole value of a let or an assignment");
      return make(TypeKind::Error);
    }
    if (access) allowed_call_ = UINT32_MAX;
    if (b == Builtin::Schedule && !ctx.in_task && !ctx.in_function) {
      error(DiagKind::BadCall, e.loc, "'schedule()' switches tasks: only a task may call it (declare 'task NAME: ... { ... }')");
      return make(TypeKind::Error);
    }
    if (b == Builtin::Schedule && ctx.atomic > 0) {
      error(DiagKind::BadCall, e.loc, "'schedule()' cannot run inside an atomic block");
      return make(TypeKind::Error);
    }
    if (ctx.body == nullptr && !sig.pure) {
      error(DiagKind::BadCall, e.loc, "'" + name + "' runs on a CPU: not allowed in an invariant or a constant");
      return make(TypeKind::Error);
    }
    if (sig.needs_cpu && !ctx.has_cpu) {
      error(DiagKind::BadCall, e.loc, "'" + name + "' runs on a CPU: only processes, handlers and functions may use it");
      return make(TypeKind::Error);
    }
    bool ok = true;
    for (std::size_t i = 0; i < sig.args.size(); ++i) {
      ExprId a = e.args[i];
      if (sig.args[i] == Arg::Irq) {
        Expr& arg = E(a);
        auto it = arg.kind == ExprKind::Name ? irq_index_.find(arg.name) : irq_index_.end();
        if (it == irq_index_.end()) {
          error(DiagKind::BadCall, arg.loc, "the second argument of send_ipi must name an interrupt handler declared with 'irq NAME { ... }'");
          ok = false;
          continue;
        }
        arg.sym = SymKind::Const;
        arg.cval = it->second;
        arg.type = make(TypeKind::Int, 0, 0);
        continue;
      }
      if (sig.args[i] == Arg::IpiArg) {  // typed like the handler's parameter
        const Decl& d = *out_.irqs[ipi_target_].body.decl;
        const Param& p = d.params[i - 2];
        Type want = param_of_irq(ipi_target_, i - 2, p);
        Type t = check_expr(a, ctx, &want);
        if (t.kind == TypeKind::Error || want.kind == TypeKind::Error) {
          ok = false;
          continue;
        }
        if (!assignable(want, t, E(a).loc, "argument '" + std::string(p.name) + "' of '" + std::string(d.name) + "'")) ok = false;
        continue;
      }
      Type want;
      switch (sig.args[i]) {
        case Arg::Mm: want = make(TypeKind::Mm, -1, 0); break;
        case Arg::Page: want = make(TypeKind::Page, 0, 0); break;
        case Arg::Frame: want = make(TypeKind::Frame, -1, 0); break;
        case Arg::Bool: want = make(TypeKind::Bool, 0, 1); break;
        case Arg::Task: want = make(TypeKind::Task, -1, 0); break;
        default: want = make(TypeKind::Int, 0, 0); break;
      }
      Type t = check_expr(a, ctx, &want);
      if (t.kind == TypeKind::Error) {
        ok = false;
        continue;
      }
      bool fits = false;
      switch (sig.args[i]) {
        case Arg::Mm: case Arg::Page: case Arg::Frame: case Arg::Bool: case Arg::Task: fits = t.scalar_is(want.kind); break;
        case Arg::Value: fits = int_like(t); break;
        case Arg::CpuOrMask: fits = int_like(t) || t.scalar_is(TypeKind::Mask); break;
        case Arg::Level: {
          fits = int_like(t);
          auto v = E(a).cval;
          if (fits && (!v || *v < 1 || *v > out_.machine.levels)) {
            error(DiagKind::BadRange, E(a).loc, "a page-table level must be a constant in 1.." + std::to_string(out_.machine.levels) + " (1 is the leaf)");
            ok = false;
            continue;
          }
          break;
        }
        default: break;
      }
      if (!fits) {
        const char* what = sig.args[i] == Arg::CpuOrMask ? "a cpu or a cpumask" : sig.args[i] == Arg::Value || sig.args[i] == Arg::Level ? "an integer" : nullptr;
        error(DiagKind::TypeMismatch, E(a).loc, "argument " + std::to_string(i + 1) + " of '" + name + "' must be " + (what ? std::string(what) : "a '" + tn(want) + "'") + ", found '" + tn(t) + "'");
        ok = false;
      }
    }
    if (!ok) return make(TypeKind::Error);
    switch (sig.result) {
      case TypeKind::Void: return make(TypeKind::Void);
      case TypeKind::Bool: return make(TypeKind::Bool, 0, 1);
      case TypeKind::Int: return b == Builtin::PreemptCount ? make(TypeKind::Int, 0, 7) : make(TypeKind::Int, 0, out_.machine.values - 1);
      case TypeKind::Frame: return make(TypeKind::Frame, -1, 0);
      case TypeKind::Task:
        if (out_.tasks == 0) {
          error(DiagKind::BadCall, e.loc, "'" + name + "' needs tasks: the protocol declares none");
          return make(TypeKind::Error);
        }
        return make(TypeKind::Task, -1, out_.tasks - 1);
      default: return make(TypeKind::Error);
    }
  }

  Type param_of_irq(std::uint32_t irq, std::size_t i, const Param& p) {
    const BodyInfo& b = out_.irqs[irq].body;
    if (b.locals.size() > i && b.params > i) return b.locals[i].type;
    Diagnostics scratch;  // errors in the signature are reported with the handler
    std::swap(scratch, diags_);
    Type t = resolve_type(p.type, "");
    std::swap(scratch, diags_);
    return t;
  }

  Type param_type(std::uint32_t fn, std::size_t i) {
    const BodyInfo& b = out_.functions[fn];
    if (b.locals.size() > i && b.params > i) return b.locals[i].type;
    auto key = std::make_pair(fn, i);
    if (auto it = param_cache_.find(key); it != param_cache_.end()) return it->second;
    const Decl& d = *b.decl;
    Diagnostics scratch;  // errors in the signature are reported when the callee is checked
    std::swap(scratch, diags_);
    Type t = resolve_type(d.params[i].type, "");
    std::swap(scratch, diags_);
    param_cache_[key] = t;
    return t;
  }

  Type result_type(std::uint32_t fn) {
    const Decl& d = *out_.functions[fn].decl;
    Diagnostics scratch;
    std::swap(scratch, diags_);
    Type t = resolve_type(d.type, "");
    std::swap(scratch, diags_);
    return t;
  }

  // ---- recursion: a cycle in the call graph is an error ------------------------
  void check_recursion() {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, boost::property<boost::edge_index_t, std::size_t>>;
    Graph g(out_.functions.size());
    for (std::size_t i = 0; i < calls_.size(); ++i) boost::add_edge(calls_[i].caller, calls_[i].callee, i, g);
    std::vector<std::size_t> pred(out_.functions.size(), SIZE_MAX);
    struct Visitor : boost::default_dfs_visitor {
      std::vector<std::size_t>* pred;
      std::vector<std::pair<std::size_t, std::size_t>>* back;  // (edge index, unused)
      void tree_edge(Graph::edge_descriptor e, const Graph& gr) { (*pred)[boost::target(e, gr)] = boost::source(e, gr); }
      void back_edge(Graph::edge_descriptor e, const Graph& gr) { back->push_back({boost::get(boost::edge_index, gr, e), 0}); }
    };
    std::vector<std::pair<std::size_t, std::size_t>> back;
    Visitor vis;
    vis.pred = &pred;
    vis.back = &back;
    if (out_.functions.empty()) return;
    boost::depth_first_search(g, boost::visitor(vis));
    for (auto [edge, unused] : back) {
      const Call& c = calls_[edge];
      std::vector<std::uint32_t> cycle{c.caller};
      for (std::size_t v = c.caller; v != c.callee && pred[v] != SIZE_MAX;) {
        v = pred[v];
        cycle.push_back(static_cast<std::uint32_t>(v));
      }
      std::reverse(cycle.begin(), cycle.end());
      std::string path;
      for (std::uint32_t f : cycle) path += std::string(out_.functions[f].decl->name) + " -> ";
      path += std::string(out_.functions[c.callee].decl->name);
      error(DiagKind::Recursion, c.loc, "recursive call: " + path + " (functions are inlined, so they cannot recurse)");
    }
  }

  struct Call {
    std::uint32_t caller, callee;
    Loc loc;
  };

  const std::vector<Define>& defines_;
  const SourceFile& defines_file_;
  Diagnostics& diags_;
  const SourceFile* file_ = nullptr;
  AnalyzedModule out_;
  std::map<std::string_view, Symbol> globals_;
  std::map<std::string_view, std::uint32_t> types_;
  std::map<std::string_view, std::vector<std::pair<std::uint32_t, std::uint32_t>>> enumerators_;
  std::vector<std::pair<Type, std::int64_t>> const_values_;
  std::set<std::string_view> process_names_, invariant_names_;
  std::vector<bool> used_define_;
  std::vector<Call> calls_;
  std::map<std::pair<std::uint32_t, std::size_t>, Type> param_cache_;
  std::uint32_t allowed_call_ = UINT32_MAX;
  std::uint32_t statement_call_ = UINT32_MAX;
  bool machine_seen_ = false;
  bool mm_fields_seen_ = false;
  const Decl* mm_fields_decl_ = nullptr;
  std::set<std::string> machine_set_;
  std::map<std::string_view, std::uint32_t> irq_index_;
  std::vector<const Decl*> task_decls_;
  std::uint32_t ipi_target_ = 0;
  std::vector<ProcessInfo> pending_tasks_;
  bool in_constant_context_ = false;
};

}  // namespace

std::string defines_text(const std::vector<Define>& defines) {
  std::string text;
  for (const Define& d : defines) text += "-D " + d.name + "=" + d.value + "\n";
  return text;
}

std::string type_name(const Type& t, const std::vector<EnumInfo>& enums) {
  std::string s;
  switch (t.kind) {
    case TypeKind::Error: s = "<error>"; break;
    case TypeKind::Void: s = "no value"; break;
    case TypeKind::Bool: s = "bool"; break;
    case TypeKind::Int: s = "int[" + std::to_string(t.lo) + ".." + std::to_string(t.hi) + "]"; break;
    case TypeKind::Enum: s = t.enum_id < enums.size() ? "enum " + enums[t.enum_id].name : "enum"; break;
    case TypeKind::Cpu: s = "cpu"; break;
    case TypeKind::Mask: s = "cpumask"; break;
    case TypeKind::Mm: s = "mm"; break;
    case TypeKind::Frame: s = "frame"; break;
    case TypeKind::Page: s = "page"; break;
    case TypeKind::Task: s = "task"; break;
  }
  for (std::uint32_t d : t.dims) s += "[" + std::to_string(d) + "]";
  return s;
}

AnalyzedModule analyze(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags) {
  Checker c(std::move(module), defines, defines_file, diags);
  return c.run();
}

}  // namespace tlbcheck::model
