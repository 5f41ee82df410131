// Pass 1: every top-level name is declared (globals, constants, enums,
// options, functions, processes, tasks, irqs, mms and pages), and the
// machine block is read.
#include "model/sema/analysis.hpp"

#include "model/machine/encoding.hpp"

namespace tlbcheck::model::sema {

namespace {

// the hardware bits of an entry, as pte_flags() and pfn_pte() name them
// (x86's names; arm64's PTE_VALID, PTE_WRITE, PTE_USER, PTE_AF, PTE_DIRTY, !PTE_NG)
constexpr std::pair<std::string_view, std::int64_t> kHardwareBits[] = {
    {"_PAGE_PRESENT", machine::pte_flag::kPresent}, {"_PAGE_RW", machine::pte_flag::kRw},    {"_PAGE_USER", machine::pte_flag::kUser},
    {"_PAGE_ACCESSED", machine::pte_flag::kAccessed}, {"_PAGE_DIRTY", machine::pte_flag::kDirty}, {"_PAGE_GLOBAL", machine::pte_flag::kGlobal}};

bool hardware_pte_bit(std::string_view name) {
  for (const auto& [bit, value] : kHardwareBits) {
    if (bit == name) return true;
  }
  return false;
}

}  // namespace

void Analysis::declare(std::string_view name, Loc loc, Symbol sym) {
  if (name == "nr_cpus" || name == "this_cpu" || name == "CPU_MASK_NONE" || name == "CPU_MASK_ALL" || hardware_pte_bit(name) ||
      builtin_named(name).has_value()) {
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

std::uint32_t Analysis::add_const(const Type& t, std::int64_t value) {
  const_values_.push_back({t, value});
  return static_cast<std::uint32_t>(const_values_.size() - 1);
}

void Analysis::declare_builtin_const(std::string_view name, const Type& t, std::int64_t value) {
  globals_[name] = Symbol{SymKind::Const, add_const(t, value), {}};
}

std::uint32_t Analysis::add_enum(std::string name, const std::vector<std::string_view>& members, const std::vector<Loc>& locs) {
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

void Analysis::declare_all() {
  out_.mms.push_back({"init_mm", {}});
  declare_builtin_const("init_mm", mm_type(), 0);
  for (const auto& [name, bit] : kHardwareBits) declare_builtin_const(name, make(TypeKind::Int, bit, bit), bit);
  bool has_machine_block = false;
  for (const Decl& d : module().decls) has_machine_block = has_machine_block || d.kind == DeclKind::Machine;
  if (!has_machine_block) finish_machine();
  for (Decl& d : module().decls) {
    if (diags_.saturated()) return;
    switch (d.kind) {
      case DeclKind::Protocol:
        out_.protocol = std::string(d.text);
        break;
      case DeclKind::Struct: {
        if (types_.count(d.name) != 0 || records_.count(d.name) != 0) {
          error(DiagKind::Redeclared, d.name_loc, "type '" + std::string(d.name) + "' is already declared");
          break;
        }
        records_[d.name] = static_cast<std::uint32_t>(out_.records.size());
        RecordInfo r;
        r.name = std::string(d.name);
        r.loc = d.name_loc;
        r.decl = &d;
        out_.records.push_back(std::move(r));
        break;
      }
      case DeclKind::Enum: {
        if (types_.count(d.name) != 0 || records_.count(d.name) != 0) {
          error(DiagKind::Redeclared, d.name_loc, "type '" + std::string(d.name) + "' is already declared");
          break;
        }
        if (globals_.count(d.name) != 0) {  // `bool[NAME]` could mean either
          error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared as a constant or option: an enum needs a name of its own");
          break;
        }
        types_[d.name] = add_enum(std::string(d.name), d.members, d.member_locs);
        out_.enums[types_[d.name]].symmetric = d.flag;
        break;
      }
      case DeclKind::Option:
      case DeclKind::Const: {
        if (types_.count(d.name) != 0) {  // `bool[NAME]` could mean either
          error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared as an enum: a constant or option needs a name of its own");
          break;
        }
        Context ctx;
        Type declared;
        if (d.has_type) declared = resolve_type(d.type, std::string(d.name));
        std::optional<std::int64_t> v;
        const std::size_t errors_before = diags_.error_count();
        Type vt = check_expr(d.value, ctx, d.has_type ? &declared : nullptr);
        // a variable named here has no type yet (variables come later): an
        // error type nobody reported, which must not pass as a value of 0
        if (vt.kind == TypeKind::Error && diags_.error_count() == errors_before) {
          error(DiagKind::NotConstant, node(d.value).loc, "the value of '" + std::string(d.name) + "' must be known before exploration (options and constants, not variables)");
        }
        if (vt.kind != TypeKind::Error) {
          v = node(d.value).cval;
          if (!v) error(DiagKind::NotConstant, node(d.value).loc, "the value of '" + std::string(d.name) + "' must be known before exploration");
        }
        Type t = d.has_type ? declared : vt;
        if (d.has_type && vt.kind != TypeKind::Error && declared.kind != TypeKind::Error) {
          assignable(declared, vt, d.value, "'" + std::string(d.name) + "'");
        }
        if (t.kind == TypeKind::Int && !d.has_type && v) t = make(TypeKind::Int, *v, *v);
        if (t.is_array()) {
          error(DiagKind::TypeMismatch, d.type.loc, "an option or constant must have a scalar type, not '" + type_text(t) + "'");
          break;
        }
        std::int64_t value = v.value_or(0);
        if (d.kind == DeclKind::Option) {
          if (auto over = take_define(std::string(d.name), t)) value = *over;
          else if (v && !in_range(t, value)) error(DiagKind::BadRange, node(d.value).loc, "default " + std::to_string(value) + " is outside '" + type_text(t) + "'");
          OptionInfo option{std::string(d.name), t, value, show_value(t, value)};
          option.default_shown = show_value(t, v.value_or(0));
          option.comment = declaration_comment(file_->text(), d.loc.offset);
          if (d.condition.valid()) option_condition(d, option, v.value_or(0));
          out_.options.push_back(std::move(option));
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
      case DeclKind::Mm:  // an mm (and its fields) is the machine's
        out_.uses_machine = true;
        declare(d.name, d.name_loc, {SymKind::Const, add_const(mm_type(), std::int64_t(out_.mms.size())), {}});
        out_.mms.push_back({std::string(d.name), d.name_loc});
        break;
      case DeclKind::FrameFields:
        if (frame_fields_decl_ != nullptr) {
          error(DiagKind::Redeclared, d.loc, "the fields of frame are declared once");
          break;
        }
        frame_fields_decl_ = &d;
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
      case DeclKind::PteBits:
      case DeclKind::SwpEntry: {
        // software bits are flags (64, 128, ...); swap types number from 0
        out_.uses_machine = true;
        const bool bits = d.kind == DeclKind::PteBits;
        std::vector<std::string>& names = bits ? out_.machine.pte_soft_bits : out_.machine.swap_types;
        const std::size_t most = std::size_t(bits ? machine::pte_flag::kMaxSoft : machine::pte_flag::kMaxSwapTypes);
        if (!names.empty()) {
          error(DiagKind::Redeclared, d.loc, "'" + std::string(d.name) + "' is declared once");
          break;
        }
        if (d.members.empty()) error(DiagKind::BadRange, d.loc, "'" + std::string(d.name) + "' names nothing");
        for (std::size_t i = 0; i < d.members.size(); ++i) {
          if (i == most) {
            error(DiagKind::BadRange, d.member_locs[i], "at most " + std::to_string(most) + (bits ? " software bits" : " swap types"));
            break;
          }
          std::int64_t v = bits ? machine::pte_flag::kSoftFirst << i : std::int64_t(i);
          declare(d.members[i], d.member_locs[i], {SymKind::Const, add_const(make(TypeKind::Int, v, v), v), {}});
          names.emplace_back(d.members[i]);
        }
        break;
      }
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
      case DeclKind::Supports:
        declare_supports(d);
        break;
      case DeclKind::Process:
      case DeclKind::Invariant:
      case DeclKind::Constraint:
      case DeclKind::Import:  // (the loader has joined the imported files)
        break;
    }
  }
}

void Analysis::machine(Decl& d) {
  if (machine_seen_) {
    error(DiagKind::Redeclared, d.loc, "only one machine block is allowed");
    return;
  }
  machine_seen_ = true;
  machine_loc_ = d.loc;
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
    auto v = node(f.value).cval;
    bool kind_ok = spec->boolean ? t.scalar_is(TypeKind::Bool) : int_like(t);
    if (!kind_ok || !v) {
      error(DiagKind::BadMachine, node(f.value).loc, "machine field '" + std::string(f.name) + "' needs a constant " + (spec->boolean ? "bool" : "integer"));
      continue;
    }
    if (*v < spec->lo || *v > spec->hi) {
      error(DiagKind::BadMachine, node(f.value).loc, std::string(f.name) + " = " + std::to_string(*v) + " is outside " + std::to_string(spec->lo) + ".." + std::to_string(spec->hi));
      continue;
    }
    set_field(*spec, *v);
    machine_set_.insert(std::string(spec->name));
    machine_field_locs_[std::string(spec->name)] = f.loc;
  }
}

void Analysis::set_field(const machine::FieldSpec& spec, std::int64_t v) {
  if (spec.boolean) out_.machine.*(spec.bool_field) = v != 0;
  else out_.machine.*(spec.int_field) = int(v);
  if (spec.name == "cpus") out_.cpus = int(v);
}

void Analysis::finish_machine() {
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
    if (spec.name == "pae" && out_.machine.pae && out_.machine.levels < 2) {
      error(DiagKind::BadMachine, machine_loc_, "pae latches the top-level entries of a multi-level table: it needs levels >= 2 (x86 PAE: levels = 3)");
    }
    if (spec.name == "tlb.asids" && out_.machine.asids > 0 && out_.machine.pcid) {
      error(DiagKind::BadMachine, machine_loc_, "tlb.pcid tags entries with address spaces and tlb.asids with ASID values: set one of them");
    }
    std::int64_t v = spec.boolean ? (out_.machine.*(spec.bool_field) ? 1 : 0) : out_.machine.*(spec.int_field);
    OptionInfo field{std::string(spec.name), t, v, show_value(t, v)};
    field.machine = true;
    out_.options.push_back(std::move(field));
  }
}

}  // namespace tlbcheck::model::sema
