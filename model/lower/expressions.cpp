// Addresses and expressions (quantifiers unrolled), the built-ins, memory
// accesses and the page-fault hook they run on a fault.
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

bool Lowering::harmless(ExprId id) const {
  const Expr& e = module_.at(id);
  if (e.cval) return true;
  switch (e.kind) {
    case ExprKind::Int: case ExprKind::Bool: case ExprKind::ThisCpu: return true;
    case ExprKind::Name: return e.sym != SymKind::LetVar;
    case ExprKind::Unary: return e.op != Tok::Amp && harmless(e.args[0]);
    case ExprKind::Binary: return e.op != Tok::Slash && e.op != Tok::Percent && harmless(e.args[0]) && harmless(e.args[1]);
    default: return false;  // an index, a field of an object, a call: may fail at run time
  }
}

std::optional<std::int64_t> Lowering::known(ExprId id, const Frame& f) const {
  const Expr& e = module_.at(id);
  if (e.cval) return e.cval;
  if (e.kind == ExprKind::ThisCpu && f.cpu >= 0) return f.cpu;
  if (e.kind == ExprKind::Name && e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->is_const) return f.locals[e.sym_index]->value;
  return std::nullopt;
}

Address Lowering::address(ExprId id, Frame& f) {
  const Expr& e = module_.at(id);
  switch (e.kind) {
    case ExprKind::Name: {
      Address a;
      a.type = e.type;
      a.extent = elements(e.type);
      if (e.sym == SymKind::LetVar || (e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->expr)) {
        // a name inside a function called in an expression (or a let ... in):
        // where the expression it stands for lies, in its own frame
        const Binding b = e.sym == SymKind::LetVar ? let_bindings_.at(e.sym_index).back() : *f.locals[e.sym_index];  // (a copy: the stack may grow)
        std::vector<std::int64_t> saved = std::move(quant_values_);
        quant_values_ = b.expr_quants;
        Address bound = address(*b.expr, *b.expr_frame);
        quant_values_ = std::move(saved);
        return bound;
      }
      if (e.sym == SymKind::Local) {
        const auto& b = f.locals[e.sym_index];
        if (b && b->reference) {  // the caller's variable
          a.base = b->slot;
          if (b->offset_slot) {
            emit(Op::Load, std::int32_t(*b->offset_slot));
            a.dynamic = true;
            a.extent = b->extent;
          }
          return a;
        }
        a.base = local_slot(f, e.sym_index);
      } else if (e.sym == SymKind::Global) {
        a.base = global_base_[e.sym_index];
      } else {  // per-CPU: this CPU's copy
        a.base = global_base_[e.sym_index] + std::uint32_t(f.cpu) * elements(analyzed_.globals[e.sym_index].type);
      }
      return a;
    }
    case ExprKind::Call: {  // per_cpu(x, c)
      const Expr& var = module_.at(e.args[0]);
      Address a;
      a.type = var.type;
      std::uint32_t stride = elements(analyzed_.globals[var.sym_index].type);
      a.base = global_base_[var.sym_index];
      a.extent = std::uint32_t(analyzed_.cpus) * stride;
      const auto cpu = known(e.args[1], f);
      if (cpu && *cpu >= 0 && *cpu < analyzed_.cpus) {
        a.base += std::uint32_t(*cpu) * stride;
      } else {
        emit(Op::Push, 0);
        emit_expr(e.args[1], f);
        emit(Op::Index, analyzed_.cpus, std::int32_t(stride), std::int32_t(runtime_site(SiteKind::CpuRange, f)));
        a.dynamic = true;
      }
      return a;
    }
    case ExprKind::Index: {
      Address a = address(e.args[0], f);
      Type elem = a.type.element();
      std::uint32_t stride = elements(elem);
      const auto idx = known(e.args[1], f);
      if (idx && *idx >= 0 && *idx < std::int64_t(a.type.dims[0]) && !a.dynamic) {
        a.base += std::uint32_t(*idx) * stride;
      } else {
        if (!a.dynamic) emit(Op::Push, 0);
        emit_expr(e.args[1], f);
        emit(Op::Index, std::int32_t(a.type.dims[0]), std::int32_t(stride), std::int32_t(runtime_site(SiteKind::Index, f)));
        a.dynamic = true;
      }
      a.type = elem;
      return a;
    }
    case ExprKind::Member: {  // r.field; m.field, m.pgd, t.mm, t.active_mm
      if (e.sym == SymKind::RecordField) {  // the field's slots within the record's
        Address a = address(e.args[0], f);
        a.base += analyzed_.records[a.type.enum_id].fields[e.sym_index].offset;
        a.type = e.type;
        return a;
      }
      const Program& p = out_.program;
      Address a;
      a.type = e.type;
      std::uint32_t base = 0, stride = 1;
      if (e.sym == SymKind::MachineField && ObjectField(e.sym_index) != ObjectField::MmPgd) {
        const auto& table = ObjectField(e.sym_index) == ObjectField::TaskMm ? p.hw.task_mm : p.hw.task_active_mm;
        const auto task = known(e.args[0], f);
        if (task && *task >= 0 && *task < std::int64_t(table.size())) {
          a.base = table[std::size_t(*task)];
        } else {  // task slots of one kind are allocated apart: index through a table of slots
          emit(Op::Push, 0);
          emit_expr(e.args[0], f);
          emit(Op::Index, analyzed_.tasks, 1, std::int32_t(runtime_site(SiteKind::Index, f)));
          a.base = table_base(table);
          a.dynamic = true;
          a.extent = std::uint32_t(analyzed_.tasks);
        }
        return a;
      }
      // m.pgd, m.field, f.field: a slot per object, `stride` apart, indexed by the object
      std::int32_t count = std::int32_t(analyzed_.mms.size());
      if (e.sym == SymKind::MachineField) {
        base = p.hw.pgd[0];
      } else if (e.sym == SymKind::FrameField) {
        base = p.frame_field_base[e.sym_index];
        stride = p.frame_field_stride[e.sym_index];
        count = std::int32_t(p.hw.kind.size());
      } else {
        base = p.mm_field_base[e.sym_index];
        stride = p.mm_field_stride[e.sym_index];
      }
      a.base = base;
      a.extent = std::uint32_t(count) * stride;
      const auto object = known(e.args[0], f);
      if (object && *object >= 0 && *object < count) {
        a.base += std::uint32_t(*object) * stride;
      } else {
        emit(Op::Push, 0);
        emit_expr(e.args[0], f);
        emit(Op::Index, count, std::int32_t(stride), std::int32_t(runtime_site(SiteKind::Index, f)));
        a.dynamic = true;
      }
      return a;
    }
    default:
      return {};
  }
}

void Lowering::load_element(ExprId id, Frame& f, std::uint32_t k) {
  Address a = address(id, f);
  if (a.dynamic) emit_dynamic(a.extent, Op::LoadDyn, std::int32_t(a.base + k));
  else emit(Op::Load, std::int32_t(a.base + k));
}

std::uint32_t Lowering::scratch_slot(Frame& f, int which, std::uint32_t extent) {
  auto [it, fresh] = scratch_slots_.try_emplace({f.process, which}, 0);
  if (fresh) {
    const DeclaredAt declared(*this, cur_src_);
    it->second = alloc_slot(out_.program.processes[f.process].name + ".offset" + std::to_string(which), "offset", f.cpu, 0, 0, TypeKind::Int);
    out_.program.slots[it->second].pub.internal = true;
  }
  ModelSlot& s = out_.program.slots[it->second];
  if (s.hi < std::int64_t(extent) - 1) {  // widened before the slots are packed
    s.hi = std::int64_t(extent) - 1;
    s.pub.width = bits_for(std::uint64_t(s.hi - s.lo) + 1);
  }
  return it->second;
}

void Lowering::copy_whole(std::optional<ExprId> target, std::uint32_t target_slot, Frame& tf, ExprId source, Frame& sf) {
  Address src = address(source, sf);
  std::optional<std::uint32_t> src_offset, dst_offset;
  if (src.dynamic) {
    src_offset = scratch_slot(tf, 0, src.extent);
    emit(Op::Store, std::int32_t(*src_offset), std::int32_t(runtime_site(SiteKind::Range, tf, *src_offset)));
  }
  Address dst;
  dst.base = target_slot;
  if (target) dst = address(*target, tf);
  if (dst.dynamic) {
    dst_offset = scratch_slot(tf, 1, dst.extent);
    emit(Op::Store, std::int32_t(*dst_offset), std::int32_t(runtime_site(SiteKind::Range, tf, *dst_offset)));
  }
  const std::uint32_t n = elements(src.type);
  for (std::uint32_t k = 0; k < n; ++k) {
    if (dst_offset) emit(Op::Load, std::int32_t(*dst_offset));
    if (src_offset) {
      emit(Op::Load, std::int32_t(*src_offset));
      emit_dynamic(src.extent, Op::LoadDyn, std::int32_t(src.base + k));
    } else {
      emit(Op::Load, std::int32_t(src.base + k));
    }
    const std::int32_t site = std::int32_t(runtime_site(SiteKind::Range, tf, dst.base + k));
    if (dst_offset) emit_dynamic(dst.extent, Op::StoreDyn, std::int32_t(dst.base + k), site);
    else emit(Op::Store, std::int32_t(dst.base + k), site);
  }
  for (auto slot : {src_offset, dst_offset}) {
    if (!slot) continue;
    emit(Op::Push, 0);
    emit(Op::Store, std::int32_t(*slot), std::int32_t(runtime_site(SiteKind::Range, tf, *slot)));
  }
}

void Lowering::store(const Address& a, Frame& f) {
  std::int32_t site = std::int32_t(runtime_site(SiteKind::Range, f, a.base));
  if (a.dynamic) emit_dynamic(a.extent, Op::StoreDyn, std::int32_t(a.base), site);
  else emit(Op::Store, std::int32_t(a.base), site);
}

void Lowering::load(const Address& a) {
  if (a.dynamic) emit_dynamic(a.extent, Op::LoadDyn, std::int32_t(a.base));
  else emit(Op::Load, std::int32_t(a.base));
}

void Lowering::emit_expr(ExprId id, Frame& f) {
  if (gave_up_) return;
  const Expr& e = module_.at(id);
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
    case ExprKind::Let: {  // the body, with NAME standing for VALUE where it is used
      Binding b;
      b.expr = e.args[0];
      b.expr_frame = &f;
      b.expr_quants = quant_values_;
      let_bindings_[id.v].push_back(std::move(b));
      emit_expr(e.args[1], f);
      let_bindings_[id.v].pop_back();
      return;
    }
    case ExprKind::Name:
      if (e.sym == SymKind::LetVar) {
        const Binding b = let_bindings_.at(e.sym_index).back();  // (a copy: the stack may grow)
        std::vector<std::int64_t> saved = std::move(quant_values_);
        quant_values_ = b.expr_quants;
        emit_expr(*b.expr, *b.expr_frame);
        quant_values_ = std::move(saved);
        return;
      }
      if (e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->expr) {  // a parameter or let of a function called in an expression
        const Binding b = *f.locals[e.sym_index];
        std::vector<std::int64_t> saved = std::move(quant_values_);
        quant_values_ = b.expr_quants;
        emit_expr(*b.expr, *b.expr_frame);
        quant_values_ = std::move(saved);
        emit_range_check(b);
        return;
      }
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
      if (module_.at(e.args[0]).type.is_aggregate()) {  // equal when every slot is
        const std::uint32_t n = elements(module_.at(e.args[0]).type);
        for (std::uint32_t k = 0; k < n; ++k) {
          load_element(e.args[0], f, k);
          load_element(e.args[1], f, k);
          emit(Op::Eq);
          if (k > 0) emit(Op::BitAnd);
        }
        if (e.op == Tok::Ne) emit(Op::Not);
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
      if (first) emit(Op::Push, e.op == Tok::KwForall ? 1 : 0);  // no value at all (no task here): forall holds, exists does not, count is 0
      quant_values_.pop_back();
      return;
    }
    case ExprKind::Call:
      if (e.sym == SymKind::Function) return emit_expression_call(id, f);
      if (e.sym == SymKind::At) return emit_at(e, f);
      emit_builtin(id, f);
      return;
  }
}

void Lowering::emit_expression_call(ExprId call_id, Frame& caller) {
  const Expr& call = module_.at(call_id);
  const BodyInfo& callee = analyzed_.functions[call.sym_index];
  InlineScope scope(*this, std::string(callee.decl->name) + "()", call.loc.offset);
  if (!scope.ok) return;
  Frame f = inlined_frame(callee, caller, std::string(callee.decl->name));
  for (ExprId arg : call.args) {  // an argument that can fail is evaluated once, used or not, as C would
    if (harmless(arg)) continue;
    emit_expr(arg, caller);
    emit(Op::Pop);
  }
  for (std::uint32_t i = 0; i < callee.params; ++i) {  // each parameter stands for its argument
    Binding b;
    b.expr = call.args[i];
    b.expr_frame = &caller;
    b.expr_quants = quant_values_;
    const LocalInfo& param = callee.locals[i];
    range_check(b, param.type, module_.at(call.args[i]).type, f.prefix + std::string(param.name), param.loc.offset, caller);
    f.locals[i] = std::move(b);
  }
  // the callee's own quantifiers count from 0
  std::vector<std::int64_t> saved = std::move(quant_values_);
  quant_values_.clear();
  std::vector<std::uint32_t> ends;
  emit_expression_body(module_.at(callee.decl->body).list, 0, f, ends);
  for (std::uint32_t j : ends) patch(j, here());
  quant_values_ = std::move(saved);
}

void Lowering::emit_expression_body(const std::vector<StmtId>& list, std::size_t i, Frame& f, std::vector<std::uint32_t>& ends) {
  for (; i < list.size() && !gave_up_; ++i) {
    const Stmt& s = module_.at(list[i]);
    switch (s.kind) {
      case StmtKind::Let: {
        Binding b;
        b.expr = s.value;
        b.expr_frame = &f;
        b.expr_quants = quant_values_;
        const LocalInfo& local = f.body->locals[s.local];
        if (s.has_type) range_check(b, local.type, module_.at(s.value).type, f.prefix + std::string(local.name), local.loc.offset, f);
        f.locals[s.local] = std::move(b);
        break;
      }
      case StmtKind::Return: {
        emit_expr(s.value, f);
        Binding result;
        range_check(result, f.body->result, module_.at(s.value).type, f.prefix + "result",
                    f.body->decl->type.loc.offset != 0 ? f.body->decl->type.loc.offset : f.body->decl->loc.offset, f);
        emit_range_check(result);
        ends.push_back(emit(Op::Jmp));
        return;
      }
      case StmtKind::If: {
        emit_expr(s.value, f);
        const std::uint32_t jz = emit(Op::Jz);
        emit_expression_body(module_.at(s.body).list, 0, f, ends);
        patch(jz, here());
        if (s.else_body.valid()) {
          const Stmt& alt = module_.at(s.else_body);
          const std::vector<StmtId> one{s.else_body};
          emit_expression_body(alt.kind == StmtKind::Block ? alt.list : one, 0, f, ends);
          return;
        }
        break;  // the rest of the body is the else
      }
      default:  // skip (the analysis allows nothing else)
        break;
    }
  }
}

void Lowering::range_check(Binding& b, const Type& declared, const Type& value, const std::string& what, std::uint32_t decl_src, Frame& f) {
  const bool ints = (declared.kind == TypeKind::Int || declared.kind == TypeKind::Cpu) && declared.dims.empty() &&
                    (value.kind == TypeKind::Int || value.kind == TypeKind::Cpu) && value.dims.empty();
  if (!ints || (value.lo >= declared.lo && value.hi <= declared.hi)) return;  // fits by its type
  const DeclaredAt declared_at(*this, decl_src);
  const std::uint32_t slot = alloc_slot(what, type_name(declared, analyzed_.enums), f.cpu, 0, 0, TypeKind::Int);
  out_.program.slots[slot].pub.internal = true;  // (no bits: it names the value for model-bound)
  b.checked = true;
  b.lo = declared.lo;
  b.hi = declared.hi;
  b.site = std::int32_t(runtime_site(SiteKind::Range, f, slot));
}

void Lowering::emit_at(const Expr& e, Frame& f) {
  const AtPredicate& at = analyzed_.at_predicates[e.sym_index];
  const Program& p = out_.program;
  bool any = false, found = false;
  for (std::uint32_t pid = 0; pid < p.processes.size(); ++pid) {
    if (instance_decl_[pid] != at.process) continue;
    // the instance's locations whose steps begin inside the label or function
    std::vector<CodeRange> ranges;
    for (StmtId s : at.labelled) {
      if (auto it = label_ranges_.find(s.v); it != label_ranges_.end()) ranges.insert(ranges.end(), it->second.begin(), it->second.end());
    }
    if (at.function >= 0) {
      if (auto it = function_ranges_.find(std::uint32_t(at.function)); it != function_ranges_.end()) ranges.insert(ranges.end(), it->second.begin(), it->second.end());
    }
    std::vector<std::uint32_t> locations;
    const ProcessInstance& inst = p.processes[pid];
    for (std::uint32_t l = 1; l < inst.locations.size(); ++l) {
      for (const CodeRange& r : ranges) {
        if (r.process == pid && inst.locations[l] >= r.begin && inst.locations[l] < r.end) {
          locations.push_back(l);
          break;
        }
      }
    }
    // (pc is one of them) [&& the instance is on the CPU asked for]
    emit(Op::Push, 0);
    for (std::uint32_t l : locations) {
      emit(Op::Load, std::int32_t(inst.pc_slot));
      emit(Op::Push, std::int32_t(l));
      emit(Op::Eq);
      emit(Op::BitOr);
    }
    if (at.cpu.valid()) {
      emit_expr(at.cpu, f);
      emit(Op::Push, inst.cpu);
      emit(Op::Eq);
      emit(Op::BitAnd);
    }
    if (any) emit(Op::BitOr);
    any = true;
    found = found || !locations.empty();
  }
  if (!any) emit(Op::Push, 0);
  if (!found && warned_.insert(e.loc.offset).second) {
    diags_.warning(DiagKind::Unreachable, module_.file, e.loc,
                   "at(" + std::string(at.process->name) + ", " + std::string(at.target) + ") is never true: no step of " + std::string(at.process->name) + " begins inside it");
  }
}

Type Lowering::quant_type(const Expr& e) const {
  const TypeSyntax& ts = e.quant_type;
  Type t;
  switch (ts.base) {
    case Tok::KwBool: t.kind = TypeKind::Bool; t.lo = 0; t.hi = 1; break;
    case Tok::KwCpu: t.kind = TypeKind::Cpu; t.lo = 0; t.hi = analyzed_.cpus - 1; break;
    case Tok::KwInt: t.kind = TypeKind::Int; t.lo = *module_.at(ts.lo).cval; t.hi = *module_.at(ts.hi).cval; break;
    case Tok::Ident:
      if (ts.name == "mm" || ts.name == "page") {
        t.kind = TypeKind::Int;
        t.lo = 0;
        t.hi = std::int64_t(ts.name == "mm" ? analyzed_.mms.size() : analyzed_.pages.size()) - 1;
        break;
      }
      if (ts.name == "frame" || ts.name == "task") {  // every frame or task, not none, as `for` lists them
        t.kind = ts.name == "frame" ? TypeKind::Frame : TypeKind::Task;
        t.lo = 0;
        t.hi = ts.name == "frame" ? std::int64_t(out_.program.frames) - 1 : std::int64_t(analyzed_.tasks) - 1;
        break;
      }
      [[fallthrough]];
    default: {  // an enum
      t.kind = TypeKind::Enum;
      std::size_t n = ts.members.size();
      if (n == 0) {
        for (const EnumInfo& en : analyzed_.enums) {
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

void Lowering::emit_builtin(ExprId id, Frame& f) {
  const Expr& e = module_.at(id);
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
      if (a.dynamic) emit_dynamic(a.extent, Op::BitRmw, std::int32_t(a.base), set ? 1 : 0, std::int32_t(runtime_site(SiteKind::CpuRange, f)));
      else emit(Op::BitRmw, std::int32_t(a.base), set ? 1 : 0, std::int32_t(runtime_site(SiteKind::CpuRange, f)));
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
      bool mask = b == Builtin::SendIpi && module_.at(e.args[0]).type.kind == TypeKind::Mask;
      std::int32_t extra = mask ? 1 : 0;
      // c: the site of the other property a built-in's table row says judges it
      if (builtin_info(b).reads_cache()) extra = std::int32_t(add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, f));
      if (builtin_info(b).walks_software()) extra = std::int32_t(add_site(SiteKind::SwUseAfterFree, std::uint32_t(BuiltinProperty::SwUseAfterFree), {}, 0, f));
      if (builtin_info(b).writes_tables()) extra = std::int32_t(add_site(SiteKind::BreakBeforeMake, std::uint32_t(BuiltinProperty::BreakBeforeMake), {}, 0, f));
      std::uint32_t at = emit(Op::Hw, std::int32_t(e.sym_index), std::int32_t(add_site(SiteKind::Machine, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f)), extra);
      // send_ipi's handler arguments; more than kMaxStack never get here (the
      // stack check stops them as they are pushed), so 16 bits always hold them
      const std::size_t handler_arguments = e.args.size() - builtin_info(b).arity();
      code()[at].extra = std::uint16_t(handler_arguments > 0xffff ? 0xffff : handler_arguments);
      return;
    }
  }
}

void Lowering::lower_access(ExprId call_id, Frame& f, std::optional<Address> target) {
  const Expr& call = module_.at(call_id);
  Builtin b = Builtin(call.sym_index);
  AccessKind kind = b == Builtin::Touch ? AccessKind::Touch : b == Builtin::Load ? AccessKind::Load : b == Builtin::Store ? AccessKind::Store : b == Builtin::LoadWord ? AccessKind::LoadWord : AccessKind::StoreWord;
  std::uint32_t retry = here();
  for (ExprId a : call.args) emit_expr(a, f);
  std::uint32_t site = add_site(SiteKind::Stale, std::uint32_t(BuiltinProperty::StaleTranslation), {}, 0, f);
  std::uint32_t runtime = add_site(SiteKind::Machine, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f);
  std::uint32_t cache = add_site(SiteKind::StaleCache, std::uint32_t(BuiltinProperty::StaleCache), {}, 0, f);
  std::uint32_t no_handler = add_site(SiteKind::NoFaultHandler, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f);
  // site + 1, + 2, + 3: where the interpreter reports an access's runtime errors, stale reads, and a fault with no handler;
  // then the kernel's claims it can break, where the machine keeps their records (Program::access_claim_site)
  (void)runtime, (void)cache, (void)no_handler;
  if (out_.program.permission_record) add_site(SiteKind::StalePermission, std::uint32_t(BuiltinProperty::StalePermission), {}, 0, f);
  if (out_.program.copy_record) {
    add_site(SiteKind::LostWrite, std::uint32_t(BuiltinProperty::LostWrite), {}, 0, f);
    add_site(SiteKind::DirtyDropped, std::uint32_t(BuiltinProperty::DirtyDropped), {}, 0, f);
  }
  std::uint32_t access = emit(Op::Access, std::int32_t(kind), std::int32_t(site));
  if (kind == AccessKind::Load || kind == AccessKind::LoadWord) {
    if (target) store(*target, f);
    else emit(Op::Pop);
  }
  yield_if(true);
  std::uint32_t done = emit(Op::Jmp);
  if (analyzed_.page_fault_hook < 0) {
    patch_c(access, std::uint32_t(-1));  // a fault is reported at site + 3
  } else {
    patch_c(access, here());
    // Taking the fault is a step of its own: the handler starts in a
    // later step, so an interrupt can arrive in between (a trap gate keeps
    // interrupts on), as on the hardware.
    if (atomic_ == 0) emit(Op::Yield, std::int32_t(here() + 1));
    inline_hook(std::uint32_t(analyzed_.page_fault_hook), {call.args[0]}, kind == AccessKind::Store || kind == AccessKind::StoreWord, f);
    back_edge(retry);
  }
  patch(done, here());
}

void Lowering::inline_hook(std::uint32_t fn, std::vector<ExprId> page_arg, bool write, Frame& caller) {
  const BodyInfo& callee = analyzed_.functions[fn];
  InlineScope scope(*this, "page_fault", cur_src_);
  if (!scope.ok) return;
  Frame f = inlined_frame(callee, caller, "page_fault");
  std::uint32_t saved_ctx = cur_ctx_;
  const std::uint32_t ctx = context("page fault");
  const Expr& page = module_.at(page_arg[0]);
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

}  // namespace tlbcheck::model::lowering
