// Explanation snippets: code that evaluates each term a violated condition
// mentions (and each value of a forall's variable), appended after the
// program, for the one-sentence explanations.
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

Witness Lowering::witness(ExprId id, Frame& f) {
  Witness w;
  const Expr& e = module_.at(id);
  if (e.kind != ExprKind::Quant || e.op != Tok::KwForall) return w;
  w.var = std::string(e.name);
  Type vt = quant_type(e);
  UnrollScope unroll(*this, e, vt);
  if (!unroll.ok) return w;
  quant_values_.push_back(0);
  for (std::int64_t v = vt.lo; v <= vt.hi; ++v) {
    quant_values_.back() = v;
    std::uint32_t entry = emit_snippet(e.args[0], f);
    std::string shown = std::to_string(v);
    if (vt.kind == TypeKind::Enum && e.quant_type.base == Tok::Ident) {
      for (const EnumInfo& en : analyzed_.enums) {
        if (en.name == e.quant_type.name && std::size_t(v) < en.members.size()) shown = en.members[std::size_t(v)];
      }
    }
    w.values.push_back({shown, entry});
    w.terms.push_back(collect_terms(e.args[0], f, /*bound*/ true));
  }
  quant_values_.pop_back();
  return w;
}

std::vector<std::pair<std::string, std::uint32_t>> Lowering::collect_terms(ExprId id, Frame& f, bool bound) {
  std::vector<std::pair<std::string, std::uint32_t>> terms;
  std::set<std::string> seen;
  collect(id, f, bound, terms, seen);
  return terms;
}

// Code that evaluates expression `id` and returns its value, in the
// snippets (appended after the program): its entry, marked with the high
// bit until append_snippets() relocates it.
std::uint32_t Lowering::emit_snippet(ExprId id, Frame& f) {
  std::vector<Instr>* saved = target_;
  target_ = &snippet_code_;
  std::uint32_t entry = here();
  emit_expr(id, f);
  emit(Op::Return);
  target_ = saved;
  return entry | 0x80000000u;
}

void Lowering::collect(ExprId id, Frame& f, bool bound, std::vector<std::pair<std::string, std::uint32_t>>& terms, std::set<std::string>& seen) {
  const Expr& e = module_.at(id);
  const bool variable = (e.kind == ExprKind::Name && (e.sym == SymKind::Global || e.sym == SymKind::Percpu || e.sym == SymKind::Local)) ||
                        e.kind == ExprKind::Index || e.kind == ExprKind::Member ||
                        (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && Builtin(e.sym_index) == Builtin::PerCpu);
  bool leaf = (variable && !e.type.is_array()) ||
              (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && builtin_info(Builtin(e.sym_index)).machine() && builtin_info(Builtin(e.sym_index)).pure());
  if (e.kind == ExprKind::Quant) return;  // its bound variable has no value outside
  if (e.kind == ExprKind::Let) {  // the terms of its body, with the name bound as it is there
    collect(e.args[0], f, bound, terms, seen);
    Binding b;
    b.expr = e.args[0];
    b.expr_frame = &f;
    b.expr_quants = quant_values_;
    let_bindings_[id.v].push_back(std::move(b));
    collect(e.args[1], f, bound, terms, seen);
    let_bindings_[id.v].pop_back();
    return;
  }
  if (variable && e.type.is_aggregate() && (!uses_quant(id) || bound)) {  // a struct or array compared whole: its first scalars
    constexpr std::size_t kShown = 8;
    const std::string text = source_text(id);
    if (!seen.insert(text).second) return;
    const std::vector<Leaf> leaves = analyzed_.leaves(e.type, 0);
    for (std::uint32_t k = 0; k < leaves.size() && k < kShown; ++k) {
      if (!seen.insert(text + leaves[k].path).second) continue;
      std::vector<Instr>* saved = target_;
      target_ = &snippet_code_;
      const std::uint32_t entry = here();
      load_element(id, f, k);
      emit(Op::Return);
      target_ = saved;
      terms.push_back({text + leaves[k].path, entry | 0x80000000u});
    }
    return;
  }
  if (leaf && (!uses_quant(id) || bound)) {
    const std::string text = source_text(id);
    if (!seen.insert(text).second) return;
    if (e.kind == ExprKind::Name && e.sym == SymKind::Local && f.locals[e.sym_index] && f.locals[e.sym_index]->is_const) return;
    terms.push_back({text, emit_snippet(id, f)});
    return;
  }
  for (ExprId a : e.args) collect(a, f, bound, terms, seen);
}

bool Lowering::uses_quant(ExprId id) const {
  const Expr& e = module_.at(id);
  if (e.sym == SymKind::QuantVar) return true;
  if (e.kind == ExprKind::Name && e.sym == SymKind::LetVar) return uses_quant(module_.at(ExprId{e.sym_index}).args[0]);  // what it names
  for (ExprId a : e.args) {
    if (uses_quant(a)) return true;
  }
  return false;
}

std::string Lowering::source_text(ExprId id) const {
  std::uint32_t lo = UINT32_MAX, hi = 0;
  span(id, lo, hi);
  return std::string(module_.file->text().substr(lo, hi - lo));
}

void Lowering::span(ExprId id, std::uint32_t& lo, std::uint32_t& hi) const {
  const Expr& e = module_.at(id);
  lo = std::min(lo, e.loc.offset);
  std::uint32_t end = e.loc.offset + e.loc.length;
  if (e.kind == ExprKind::Call) {  // up to the closing parenthesis
    std::string_view t = module_.file->text();
    std::uint32_t i = e.loc.offset;
    int depth = 0;
    while (i < t.size()) {
      if (t[i] == '(') ++depth;
      if (t[i] == ')' && --depth == 0) break;
      ++i;
    }
    end = std::min<std::uint32_t>(i + 1, std::uint32_t(t.size()));
  } else if (e.kind == ExprKind::Index) {
    std::string_view t = module_.file->text();
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

void Lowering::append_snippets() {
  Program& p = out_.program;
  std::uint32_t base = static_cast<std::uint32_t>(p.code.size());
  for (Instr in : snippet_code_) {
    if (in.op == Op::Jmp || in.op == Op::Jz || in.op == Op::JzKeep || in.op == Op::JnzKeep) in.a += std::int32_t(base);
    p.code.push_back(in);
  }
  for (const auto& [at, extent] : snippet_extent_) p.dynamic_extent[base + at] = extent;
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

}  // namespace tlbcheck::model::lowering
