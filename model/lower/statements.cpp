// Statements, and function calls inlined at their call sites.
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

void Lowering::lower_stmt(StmtId id, Frame& f) {
  if (!id.valid() || gave_up_) return;
  const Stmt& s = module_.at(id);
  if (!s.label.empty()) {  // at(p, LABEL): the code of this statement, in this instance
    const std::uint32_t begin = here();
    const std::size_t slot = label_ranges_[id.v].size();
    label_ranges_[id.v].push_back({f.process, begin, begin});
    lower_unlabelled(id, f);
    // a statement with no code of its own (skip) labels the step that begins where it stands
    label_ranges_[id.v][slot].end = std::max(here(), begin + 1);
    return;
  }
  lower_unlabelled(id, f);
}

void Lowering::lower_unlabelled(StmtId id, Frame& f) {
  const Stmt& s = module_.at(id);
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
        const std::vector<std::int64_t> inits = initial_of(local.type);
        for (std::uint32_t k = 0; k < elements(local.type); ++k) {
          mark();
          emit(Op::Push, std::int32_t(inits[k]));
          emit(Op::Store, std::int32_t(slot + k), std::int32_t(runtime_site(SiteKind::Range, f, slot + k)));
        }
        break;
      }
      const Expr& v = module_.at(s.value);
      if (local.type.is_aggregate()) {  // a copy of a whole array or struct
        mark();
        copy_whole(std::nullopt, local_slot(f, s.local), f, s.value, f);
        yield_if(shared(s.value, f));
        break;
      }
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
      yield_if(shared(s.value, f));
      break;
    }
    case StmtKind::Assign: {
      const Expr& v = module_.at(s.value);
      if (v.kind == ExprKind::Call && v.sym == SymKind::Function) {
        // x = f(...): the body runs first, then its result is stored
        auto [lo, hi] = range_of(v.type);
        std::uint32_t tmp = alloc_slot(f.prefix + std::string(v.name) + ".result", type_name(v.type, analyzed_.enums), f.cpu, lo, hi, v.type.kind, v.type.enum_id);
        initial_values_.push_back({tmp, out_.program.slots[tmp].lo});
        make_private(tmp, 1, f.process);
        inline_call(s.value, f, tmp);
        cur_src_ = s.loc.offset;
        mark();
        Address a = address(s.target, f);
        emit(Op::Load, std::int32_t(tmp));
        store(a, f);
        yield_if(shared(s.target, f));
        break;
      }
      if (s.op == Tok::Assign && is_access(s.value)) {
        Address a = address(s.target, f);
        if (a.dynamic) {
          diags_.error(DiagKind::NotAssignable, module_.file, module_.at(s.target).loc, "the result of a load needs a target with constant indices");
          break;
        }
        lower_access(s.value, f, a);
        break;
      }
      mark();
      if (module_.at(s.target).type.is_aggregate()) {
        copy_whole(s.target, 0, f, s.value, f);
        yield_if(shared(s.target, f) || shared(s.value, f));
        break;
      }
      Address a = address(s.target, f);
      if (s.op != Tok::Assign) {
        std::optional<std::uint32_t> offset;
        if (a.dynamic) {  // the target's offset, computed once: read, then written
          offset = scratch_slot(f, 0, a.extent);
          emit(Op::Store, std::int32_t(*offset), std::int32_t(runtime_site(SiteKind::Range, f, *offset)));
          emit(Op::Load, std::int32_t(*offset));
          emit(Op::Load, std::int32_t(*offset));
        }
        load(a);
        emit_expr(s.value, f);
        emit(s.op == Tok::PlusAssign ? Op::Add : Op::Sub);
        store(a, f);
        if (offset) {
          emit(Op::Push, 0);
          emit(Op::Store, std::int32_t(*offset), std::int32_t(runtime_site(SiteKind::Range, f, *offset)));
        }
      } else {
        emit_expr(s.value, f);
        store(a, f);
      }
      yield_if(shared(s.target, f) || shared(s.value, f));
      break;
    }
    case StmtKind::Call: {
      const Expr& call = module_.at(s.value);
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
          diags_.error(DiagKind::BadCall, module_.file, call.loc, "'schedule()' switches tasks, but it is reached from '" + out_.program.processes[f.process].name + "', which is no task");
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
      if (!builtin_is_machine(b) || builtin_info(b).has_result()) emit(Op::Pop);  // discard a result, if there is one
      yield_if(shared(s.value, f));
      break;
    }
    case StmtKind::If: {
      if (auto c = module_.at(s.value).cval) {  // a constant condition (an option): only the branch taken
        lower_stmt(*c ? s.body : s.else_body, f);
        break;
      }
      mark();
      emit_expr(s.value, f);
      std::uint32_t jz = emit(Op::Jz);
      bool touched = shared(s.value, f);
      yield_if(touched, kBranchTrue);
      lower_stmt(s.body, f);
      cur_src_ = s.loc.offset;  // the code below belongs to the if, not to its last nested statement
      std::uint32_t jend = emit(Op::Jmp);
      patch(jz, here());
      yield_if(touched, kBranchFalse);
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
      bool touched = shared(s.value, f);
      yield_if(touched, kBranchTrue);
      f.loops.push_back({head, {}});
      lower_stmt(s.body, f);
      cur_src_ = s.loc.offset;
      back_edge(head);
      patch(jz, here());
      yield_if(touched, kBranchFalse);
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
      if (f.loops.back().unrolled) f.loops.back().continues.push_back(emit(Op::Jmp));
      else back_edge(f.loops.back().head);
      break;
    case StmtKind::Return: {
      if (s.value.valid()) {
        const Expr& v = module_.at(s.value);
        if (v.kind == ExprKind::Call && v.sym == SymKind::Function) {
          inline_call(s.value, f, f.result_slot);
        } else {
          mark();
          emit_expr(s.value, f);
          emit(Op::Store, std::int32_t(*f.result_slot), std::int32_t(runtime_site(SiteKind::Range, f, *f.result_slot)));
          yield_if(shared(s.value, f));
        }
      }
      cur_src_ = s.loc.offset;
      mark();
      f.return_jumps.push_back(emit(Op::Jmp));
      break;
    }
    case StmtKind::Atomic: {
      std::uint32_t before = shared_statements_;
      const std::uint32_t begin = here();  // the block's code, callees inlined, is [begin, its yield)
      std::uint32_t saved_first = atomic_first_src_;
      if (atomic_ == 0) atomic_first_src_ = UINT32_MAX;
      ++atomic_;
      lower_stmt(s.body, f);
      --atomic_;
      cur_src_ = atomic_first_src_ != UINT32_MAX ? atomic_first_src_ : s.loc.offset;
      if (shared_statements_ != before && atomic_ == 0) {
        Instr& end = code()[emit(Op::Yield, std::int32_t(here() + 1))];
        end.extra = kAtomicEnd;
        end.c = std::int32_t(begin);
      }
      cur_src_ = s.loc.offset;
      if (atomic_ == 0) atomic_first_src_ = saved_first;
      break;
    }
    case StmtKind::Await:
      mark();
      emit_expr(s.value, f);
      emit(Op::Await);
      yield_if(shared(s.value, f));
      break;
    case StmtKind::Assert:
    case StmtKind::BugOn: {
      if (!enabled_[std::size_t(BuiltinProperty::Assertion)]) break;
      mark();
      emit_expr(s.value, f);
      if (s.kind == StmtKind::BugOn) emit(Op::Not);
      emit(Op::Check, std::int32_t(add_site(s.kind == StmtKind::Assert ? SiteKind::Assert : SiteKind::BugOn, 0, s.value, 0, f)));
      yield_if(shared(s.value, f));
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
    case StmtKind::For: {  // the body once per value, the variable a constant in each copy
      const LocalInfo& var = f.body->locals[s.local];
      const Type t = var.type;
      const auto [lo, hi] = range_of(t);
      f.loops.push_back({here(), {}, true, {}});
      const bool object = t.kind == TypeKind::Mm || t.kind == TypeKind::Task || t.kind == TypeKind::Frame;  // not none
      for (std::int64_t v = object ? 0 : lo; v <= hi && !gave_up_; ++v) {
        f.locals[s.local] = Binding{true, v, 0};
        lower_stmt(s.body, f);
        for (std::uint32_t c : f.loops.back().continues) patch(c, here());
        f.loops.back().continues.clear();
      }
      for (std::uint32_t b : f.loops.back().breaks) patch(b, here());
      f.loops.pop_back();
      f.locals[s.local].reset();
      break;
    }
    case StmtKind::Choose: {  // one successor per value, within this step
      const LocalInfo& var = f.body->locals[s.local];
      const auto [lo, hi] = range_of(var.type);
      const bool object = var.type.kind == TypeKind::Mm || var.type.kind == TypeKind::Task || var.type.kind == TypeKind::Frame;  // not none
      const std::int64_t first = object ? 0 : lo;
      const std::uint32_t slot = local_slot(f, s.local);
      mark();
      emit(Op::Fork, std::int32_t(hi - first + 1));
      std::vector<std::uint32_t> jumps, ends;
      for (std::int64_t v = first; v <= hi; ++v) jumps.push_back(emit(Op::Jmp));
      for (std::int64_t v = first; v <= hi; ++v) {
        patch(jumps[std::size_t(v - first)], here());
        emit(Op::Push, std::int32_t(v));
        emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
        ends.push_back(emit(Op::Jmp));
      }
      for (std::uint32_t e : ends) patch(e, here());
      break;
    }
  }
}

void Lowering::back_edge(std::uint32_t head) {
  std::uint32_t j = emit(Op::Jmp, std::int32_t(head));
  if (atomic_ == 0) back_edges_.push_back(j);
}

std::uint32_t Lowering::local_slot(Frame& f, std::uint32_t local) {
  if (f.locals[local] && !f.locals[local]->is_const) return f.locals[local]->slot;
  const LocalInfo& info = f.body->locals[local];
  const DeclaredAt declared(*this, info.loc.offset);
  std::uint32_t slot = alloc_var(f.prefix + std::string(info.name), info.type, f.cpu);
  make_private(slot, elements(info.type), f.process);
  const std::vector<std::int64_t> inits = initial_of(info.type);
  for (std::uint32_t k = 0; k < elements(info.type); ++k) initial_values_.push_back({slot + k, inits[k]});
  f.locals[local] = Binding{false, 0, slot};
  return slot;
}

Binding Lowering::bind_reference(ExprId arg, Frame& caller, Frame& callee, std::uint32_t local) {
  const Expr& a = module_.at(arg);
  if (a.kind == ExprKind::Name) return *caller.locals[a.sym_index];  // a reference passed on: the same variable
  const ExprId target = a.args[0];  // &target
  Binding b;
  b.reference = true;
  b.shared = shared_root(target, caller);
  Address at = address(target, caller);
  b.slot = at.base;
  if (at.dynamic) {  // where it lies is fixed at the call, as a pointer is
    const LocalInfo& info = callee.body->locals[local];
    const DeclaredAt declared(*this, info.loc.offset);
    b.offset_slot = alloc_slot(callee.prefix + std::string(info.name) + ".offset", "offset", callee.cpu, 0, std::int64_t(at.extent) - 1, TypeKind::Int);
    out_.program.slots[*b.offset_slot].pub.internal = true;  // the call's text says what it names
    initial_values_.push_back({*b.offset_slot, 0});
    b.extent = at.extent;
    emit(Op::Store, std::int32_t(*b.offset_slot), std::int32_t(runtime_site(SiteKind::Range, callee, *b.offset_slot)));
  }
  return b;
}

void Lowering::inline_call(ExprId call_id, Frame& caller, std::optional<std::uint32_t> result_slot) {
  const Expr& call = module_.at(call_id);
  const BodyInfo& callee = analyzed_.functions[call.sym_index];
  std::string fname(callee.decl->name);
  InlineScope scope(*this, fname + "()", call.loc.offset);
  if (!scope.ok) return;
  int n = ++inline_counts_[fname];
  Frame f = inlined_frame(callee, caller, fname + (n > 1 ? "#" + std::to_string(n) : ""));
  f.result_slot = result_slot;
  if (callee.has_result && !f.result_slot) {
    auto [lo, hi] = range_of(callee.result);
    const DeclaredAt declared(*this, callee.decl->type.loc.offset != 0 ? callee.decl->type.loc.offset : callee.decl->loc.offset);
    f.result_slot = alloc_slot(f.prefix + "result", type_name(callee.result, analyzed_.enums), f.cpu, lo, hi, callee.result.kind, callee.result.enum_id);
    initial_values_.push_back({*f.result_slot, out_.program.slots[*f.result_slot].lo});
    make_private(*f.result_slot, 1, f.process);
  }
  bool touched = false;
  mark();
  std::uint32_t saved_ctx = cur_ctx_;
  const std::uint32_t ctx = context(source_text(call_id));
  std::vector<std::uint32_t> offsets;  // the references' offset slots, reset when the call returns
  for (std::uint32_t i = 0; i < callee.params; ++i) {
    ExprId arg = call.args[i];
    const Expr& a = module_.at(arg);
    if (callee.locals[i].reference) {
      const Expr& target = a.kind == ExprKind::Unary && a.op == Tok::Amp ? module_.at(a.args[0]) : a;
      const bool passed_on = &target == &a;  // a reference parameter passed on keeps its offset slot
      f.locals[i] = bind_reference(arg, caller, f, i);
      if (f.locals[i]->offset_slot && !passed_on) offsets.push_back(*f.locals[i]->offset_slot);
      touched = touched || shared_address(a.kind == ExprKind::Unary ? a.args[0] : arg, caller);
      continue;
    }
    if (callee.locals[i].type.is_aggregate()) {  // a struct or an array by value: a copy
      copy_whole(std::nullopt, local_slot(f, i), f, arg, caller);
      touched = touched || shared(arg, caller);
      continue;
    }
    if (!callee.locals[i].named) {  // a parameter its body never names: no slot, but its argument runs
      if (!harmless(arg)) {
        emit_expr(arg, caller);
        emit(Op::Pop);
        touched = touched || shared(arg, caller);
      }
      continue;
    }
    const auto [lo, hi] = range_of(callee.locals[i].type);
    // known now: a constant, this_cpu (every instance is lowered for its own
    // CPU), or a parameter of the caller that is one of those
    const std::optional<std::int64_t> known = this->known(arg, caller);
    const bool fits = known && *known >= lo && *known <= hi;
    if (known && !callee.locals[i].assigned && fits) {  // (one that does not fit is stored, and model-bound says so)
      f.locals[i] = Binding{true, *known, 0};
      continue;
    }
    std::uint32_t slot = local_slot(f, i);
    emit_expr(arg, caller);
    emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
    touched = touched || shared(arg, caller);
  }
  yield_if(touched);
  cur_ctx_ = ctx;
  // stale-permission: what a `sync` function narrows, nested ones included,
  // is declared complete when the outermost one returns
  const bool sync = callee.decl->sync && out_.program.permission_record;
  sync_depth_ += sync ? 1 : 0;
  const std::uint32_t body_begin = here();
  lower_stmt(callee.decl->body, f);
  for (std::uint32_t j : f.return_jumps) patch(j, here());
  function_ranges_[call.sym_index].push_back({caller.process, body_begin, here()});
  for (std::uint32_t slot : offsets) {  // a dead offset would tell states apart
    emit(Op::Push, 0);
    emit(Op::Store, std::int32_t(slot), std::int32_t(runtime_site(SiteKind::Range, f, slot)));
  }
  sync_depth_ -= sync ? 1 : 0;
  if (sync && sync_depth_ == 0) {
    // it changes nothing another CPU can see, so it needs no step of its
    // own: it runs with whatever statement the process takes next
    emit(Op::Hw, std::int32_t(Builtin::SyncReturn), std::int32_t(add_site(SiteKind::Machine, std::uint32_t(BuiltinProperty::RuntimeError), {}, 0, f)), 0);
  }
  cur_ctx_ = saved_ctx;
}

}  // namespace tlbcheck::model::lowering
