// Emitting instructions, the sites where a property can be violated, and
// the ends of steps (a Yield after every statement that touches shared state).
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

std::uint32_t Lowering::emit(Op op, std::int32_t a, std::int32_t b, std::int32_t c) {
  if (code().size() >= kMaxInstructions && !gave_up_) {
    diags_.error(DiagKind::StateTooLarge, module_.file, {cur_src_, 1},
                 "the compiled model passes " + std::to_string(kMaxInstructions) + " instructions here: fewer calls, quantifiers or processes");
    gave_up_ = true;
  }
  if (gave_up_ && code().size() >= kMaxInstructions) return here() - 1;
  code().push_back({op, 0, a, b, c, cur_src_, cur_ctx_});
  if (target_ == &out_.program.code) {  // a statement of the program, not a snippet
    stmt_start_.push_back(mark_next_ && !generated_);
    mark_next_ = false;
    if (sync_depth_ > 0) {
      out_.program.in_sync.resize(code().size(), false);
      out_.program.in_sync.back() = true;
    }
  }
  return here() - 1;
}

void Lowering::emit_end(Op op) {
  std::uint32_t at = emit(op);
  if (op_is(op, kEnds)) code()[at].extra = kBodyEnd;
}

std::uint32_t Lowering::table_base(const std::vector<std::uint32_t>& table) {
  for (std::size_t i = 1; i < table.size(); ++i) assert(table[i] == table[0] + i && "task slots must be consecutive");
  return table.empty() ? 0 : table[0];
}

bool Lowering::is_access(ExprId id) const {
  const Expr& e = module_.at(id);
  if (e.kind != ExprKind::Call || e.sym != SymKind::Builtin) return false;
  return builtin_info(Builtin(e.sym_index)).access();
}

std::uint32_t Lowering::add_site(SiteKind kind, std::uint32_t property, ExprId expr, std::uint32_t slot, Frame& f) {
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

std::uint32_t Lowering::runtime_site(SiteKind kind, Frame& f, std::uint32_t slot) {
  // a value outside its declared range: the model's bound is too small, not the kernel wrong
  const BuiltinProperty property = kind == SiteKind::Range ? BuiltinProperty::ModelBound : BuiltinProperty::RuntimeError;
  return add_site(kind, std::uint32_t(property), {}, slot, f);
}

bool Lowering::shared(ExprId id, const Frame& f) const {
  if (!id.valid()) return false;
  const Expr& e = module_.at(id);
  if (e.sym == SymKind::Global || e.sym == SymKind::Percpu) return true;
  if (e.kind == ExprKind::Name && e.sym == SymKind::Local) {
    const auto& b = f.locals[e.sym_index];
    return b && b->reference && b->shared;
  }
  if (e.kind == ExprKind::Call && e.sym == SymKind::Function) {
    // a call inside an expression is an expression: shared if its arguments
    // or what its body reads are (a call standing alone is not asked here)
    for (ExprId a : e.args) {
      if (shared(a, f)) return true;
    }
    return body_reads_shared(e.sym_index);
  }
  if (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && builtin_is_machine(Builtin(e.sym_index))) return true;
  if (e.kind == ExprKind::Member && e.sym != SymKind::RecordField) return true;
  for (ExprId a : e.args) {
    if (shared(a, f)) return true;
  }
  return false;
}

bool Lowering::body_reads_shared(std::uint32_t fn) const {
  if (auto it = reads_shared_.find(fn); it != reads_shared_.end()) return it->second;
  reads_shared_[fn] = true;  // (no recursion: the analysis rejects it)
  const BodyInfo& callee = analyzed_.functions[fn];
  Frame none;  // its parameters stand for the arguments, asked about separately
  none.locals.resize(callee.locals.size());
  std::function<bool(StmtId)> reads = [&](StmtId id) -> bool {
    if (!id.valid()) return false;
    const Stmt& s = module_.at(id);
    if (s.value.valid() && shared(s.value, none)) return true;
    if (s.target.valid() && shared(s.target, none)) return true;
    for (StmtId c : s.list) {
      if (reads(c)) return true;
    }
    return reads(s.body) || reads(s.else_body);
  };
  const bool r = reads(callee.decl->body);
  reads_shared_[fn] = r;
  return r;
}

bool Lowering::shared_address(ExprId id, const Frame& f) const {
  const Expr& e = module_.at(id);
  switch (e.kind) {
    case ExprKind::Index: return shared_address(e.args[0], f) || shared(e.args[1], f);
    case ExprKind::Member: return e.sym == SymKind::RecordField ? shared_address(e.args[0], f) : shared(e.args[0], f);
    case ExprKind::Call: return shared(e.args[1], f);  // per_cpu(x, c)
    default: return false;
  }
}

bool Lowering::shared_root(ExprId id, const Frame& f) const {
  const Expr& e = module_.at(id);
  switch (e.kind) {
    case ExprKind::Name: return shared(id, f);
    case ExprKind::Index: return shared_root(e.args[0], f);
    case ExprKind::Member: return e.sym == SymKind::RecordField ? shared_root(e.args[0], f) : true;
    default: return true;  // per_cpu(x, c)
  }
}

std::uint32_t Lowering::context(const std::string& text) {
  Program& p = out_.program;
  auto [at, added] = context_index_.try_emplace({cur_ctx_, text}, std::uint32_t(p.contexts.size()));
  if (added) {
    p.contexts.push_back(text);
    p.context_parent.push_back(cur_ctx_);
  }
  return at->second;
}

void Lowering::yield_if(bool touched, std::uint8_t mark) {
  if (!touched) return;
  ++shared_statements_;
  if (atomic_ > 0) {  // the atomic block's step is named after its first shared statement
    if (atomic_first_src_ == UINT32_MAX) atomic_first_src_ = cur_src_;
    return;
  }
  code()[emit(Op::Yield, std::int32_t(here() + 1))].extra = mark;
}

}  // namespace tlbcheck::model::lowering
