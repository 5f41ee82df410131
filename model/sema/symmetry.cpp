// What tells CPUs apart in a protocol's text, for CPU symmetry reduction
// (checker/symmetry.hpp explains the reduction; lower/symmetry.cpp finds the
// interchangeable CPUs).
//
// Renaming CPUs maps the protocol's behaviours onto each other only if the
// text treats cpus as names: a cpu may be stored in a cpu variable, compared
// with another cpu for equality, put in or looked up in a cpumask, and used
// to pick a per-CPU variable's copy or an element of a global array whose
// first dimension only cpus index. Each of these commutes with a renaming.
// What does not:
// - a constant cpu (`owner == 0`, `per_cpu(x, 1)`, `cpumask_of(2)`, an array
//   element picked by a number where cpus pick the others): it names that
//   CPU, which then keeps its name (it is in no class);
// - a cpu computed from an integer that is not a constant, or used as an
//   integer (arithmetic, `<`, an int variable): the order of the CPUs
//   matters, and no CPU is interchangeable;
// - `for (c: cpu)` in code: the CPUs are visited in order, a step for each;
// - a cpu indexing any other array (a local's, a struct field's): not
//   followed by the renaming, so it breaks symmetry as well.
// Quantifiers (`forall`, `exists`, `count`) and `choose c: cpu` take every
// CPU alike and commute with renamings.
#include "model/sema/analysis.hpp"

#include "model/machine/builtins.hpp"

namespace tlbcheck::model::sema {

namespace {

// An expression's whole text: from its leftmost to its rightmost token.
Loc whole_text(const Module& m, std::string_view text, ExprId id) {
  std::uint32_t begin = UINT32_MAX, end = 0;
  std::vector<ExprId> work{id};
  while (!work.empty()) {
    const Expr& e = m.at(work.back());
    work.pop_back();
    begin = std::min(begin, e.loc.offset);
    end = std::max(end, e.loc.offset + e.loc.length);
    for (ExprId a : e.args) {
      if (a.valid()) work.push_back(a);
    }
  }
  // an index or a call ends with its bracket, which no operand covers
  for (;;) {
    const std::string_view inside = text.substr(begin, end - begin);
    const auto open = [&](char o, char c) { return std::count(inside.begin(), inside.end(), o) > std::count(inside.begin(), inside.end(), c); };
    std::size_t k = end;
    while (k < text.size() && text[k] == ' ') ++k;
    if (k < text.size() && ((text[k] == ']' && open('[', ']')) || (text[k] == ')' && open('(', ')')))) end = std::uint32_t(k + 1);
    else break;
  }
  return Loc{begin, end - begin};
}

// "t.tlb:12: 'owner == 0'": where a place is, and its text (60 characters at most).
std::string quote(const SourceFile& file, Loc loc) {
  std::string text(file.text().substr(loc.offset, std::min<std::uint32_t>(loc.length, 60)));
  for (char& c : text) c = c == '\n' ? ' ' : c;
  return file.name_at(loc.offset) + ":" + std::to_string(file.line_of(loc.offset)) + ": '" + text + "'";
}

}  // namespace

void Analysis::find_cpu_symmetry_facts() {
  CpuSymmetryFacts& f = out_.symmetry;
  const Module& m = out_.module;
  f.named.assign(std::size_t(out_.cpus), false);
  f.named_why.assign(std::size_t(out_.cpus), "");
  auto span = [&](ExprId id) { return whole_text(m, file_->text(), id); };
  auto where = [&](Loc loc) { return quote(*file_, loc); };
  auto breaks = [&](Loc loc, const std::string& why) {
    if (f.broken.empty()) f.broken = where(loc) + " " + why;
  };
  auto name_cpu = [&](std::int64_t c, Loc loc) {
    if (c < 0 || c >= out_.cpus) return;  // not a CPU: a range error where it is stored
    if (!f.named[std::size_t(c)]) f.named_why[std::size_t(c)] = where(loc) + " names it";
    f.named[std::size_t(c)] = true;
  };
  // an integer used where a cpu is expected: a constant names that CPU
  auto int_as_cpu = [&](ExprId id) {
    const Expr& e = m.at(id);
    if (e.cval) name_cpu(*e.cval, span(id));
    else breaks(span(id), "computes a cpu from an integer");
  };
  for (const auto& [id, to_cpu] : cpu_conversions_) {
    if (to_cpu) int_as_cpu(id);
    else breaks(span(id), "uses a cpu as an integer");
  }

  // the globals whose first dimension a cpu indexes, and the other indexes of them
  std::vector<bool> cpu_indexed(out_.globals.size(), false);
  std::vector<ExprId> int_indexes;
  auto global_of = [&](const Expr& base) -> int {
    if (base.kind != ExprKind::Name || (base.sym != SymKind::Global && base.sym != SymKind::Percpu)) return -1;
    return int(base.sym_index);
  };
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    auto type_of = [&](std::size_t k) { return m.at(e.args[k]).type; };
    auto is_cpu = [&](std::size_t k) { return type_of(k).scalar_is(TypeKind::Cpu); };
    auto is_int = [&](std::size_t k) { return type_of(k).scalar_is(TypeKind::Int); };
    switch (e.kind) {
      case ExprKind::Binary:
        if (e.args.size() != 2 || !(is_cpu(0) || is_cpu(1))) break;
        if (e.op == Tok::Eq || e.op == Tok::Ne) {
          if (is_int(0)) int_as_cpu(e.args[0]);
          if (is_int(1)) int_as_cpu(e.args[1]);
        } else if (e.op != Tok::AmpAmp && e.op != Tok::PipePipe) {
          breaks(span(ExprId{i}), "orders or computes with cpus");
        }
        break;
      case ExprKind::Unary:
        if (!e.args.empty() && is_cpu(0) && e.op != Tok::Amp) breaks(span(ExprId{i}), "computes with a cpu");
        break;
      case ExprKind::Cond:
        if (e.args.size() != 3) break;
        if (e.type.scalar_is(TypeKind::Cpu)) {
          if (is_int(1)) int_as_cpu(e.args[1]);
          if (is_int(2)) int_as_cpu(e.args[2]);
        } else if (is_cpu(1) || is_cpu(2)) {
          breaks(span(ExprId{i}), "uses a cpu as an integer");
        }
        break;
      case ExprKind::Index: {
        if (e.args.size() != 2) break;
        const int g = global_of(m.at(e.args[0]));
        if (is_cpu(1)) {
          if (g >= 0 && !out_.globals[std::size_t(g)].percpu) cpu_indexed[std::size_t(g)] = true;
          else breaks(span(ExprId{i}), "indexes an array with a cpu (only a global array's first dimension may be)");
        } else if (g >= 0) {
          int_indexes.push_back(ExprId{i});
        }
        break;
      }
      default: break;
    }
  }
  for (ExprId id : int_indexes) {
    const Expr& e = m.at(id);
    if (cpu_indexed[m.at(e.args[0]).sym_index]) int_as_cpu(e.args[1]);
  }
  // An array that cpus index, used whole (copied, compared, passed by value
  // or by reference), escapes the renaming: its copy's elements would not
  // follow their CPUs.
  std::vector<bool> indexed_base(m.exprs.size(), false);
  for (const Expr& e : m.exprs) {
    if (e.kind == ExprKind::Index && e.args.size() == 2) indexed_base[e.args[0].v] = true;
  }
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    const int g = global_of(e);
    if (g >= 0 && cpu_indexed[std::size_t(g)] && !indexed_base[i]) breaks(e.loc, "uses the whole array, whose elements belong to CPUs");
  }
  // A reference to an element picked by a cpu other than this_cpu keeps the
  // element's place in a slot of its own, which no renaming follows.
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    if (e.kind != ExprKind::Unary || e.op != Tok::Amp || e.args.empty()) continue;
    std::vector<ExprId> work{e.args[0]};
    while (!work.empty()) {
      const Expr& x = m.at(work.back());
      work.pop_back();
      const bool picks = (x.kind == ExprKind::Index && x.args.size() == 2 && m.at(x.args[1]).type.scalar_is(TypeKind::Cpu) && m.at(x.args[1]).kind != ExprKind::ThisCpu) ||
                         (x.kind == ExprKind::Call && x.sym == SymKind::Builtin && Builtin(x.sym_index) == Builtin::PerCpu && x.args.size() == 2 &&
                          m.at(x.args[1]).kind != ExprKind::ThisCpu && !m.at(x.args[1]).cval);
      if (picks) {
        breaks(span(ExprId{i}), "passes a reference to an element a cpu picks");
        break;
      }
      for (ExprId a : x.args) {
        if (a.valid()) work.push_back(a);
      }
    }
  }
  for (std::uint32_t g = 0; g < cpu_indexed.size(); ++g) {
    if (!cpu_indexed[g]) continue;
    const GlobalInfo& info = out_.globals[g];
    if (info.type.dims.empty() || info.type.dims[0] < std::uint32_t(out_.cpus)) {
      breaks(info.loc, "is indexed by cpus but has fewer elements than CPUs");
      continue;
    }
    f.cpu_indexed.push_back(g);
  }

  for (const Stmt& s : m.stmts) {
    if (s.kind == StmtKind::For && s.type.base == Tok::KwCpu) breaks(s.loc, "visits the CPUs in order, one after another");
    if (s.kind == StmtKind::Assign && s.op != Tok::Assign &&
        ((s.target.valid() && m.at(s.target).type.scalar_is(TypeKind::Cpu)) || (s.value.valid() && m.at(s.value).type.scalar_is(TypeKind::Cpu)))) {
      const Loc t = span(s.target), v = span(s.value);
      breaks(Loc{t.offset, v.offset + v.length - t.offset}, "computes with a cpu");
    }
  }
  for (const AtPredicate& at : out_.at_predicates) {
    if (at.cpu.valid() && m.at(at.cpu).type.scalar_is(TypeKind::Int)) int_as_cpu(at.cpu);
  }
  for (const IrqInfo& irq : out_.irqs) {
    if (irq.device) name_cpu(irq.cpu, irq.body.decl->loc);
  }
}

}  // namespace tlbcheck::model::sema

namespace tlbcheck::model::sema {

// What tells the values of each `symmetric enum` apart. Renaming the values
// maps behaviours onto behaviours if the text only stores them, compares
// them for equality, quantifies over them (`forall`, `exists`, `count`,
// `choose`) and picks with them an element of a global array whose first
// dimension only they index. What does not:
// - an enumerator written in the text (`owner == T1`, `x = T2`) names that
//   value, which keeps its identity (a variable's initial value does too:
//   lower/symmetry.cpp);
// - `for (x: E)` in code visits the values in order;
// - a value indexing any other array, an array they index used whole or by
//   a reference to an element they pick, or indexed by something else than
//   the enum's values (a constant number names the value of that index).
void Analysis::find_value_symmetry_facts() {
  const Module& m = out_.module;
  auto span = [&](ExprId id) { return whole_text(m, file_->text(), id); };
  auto where = [&](Loc loc) { return quote(*file_, loc); };
  std::vector<int> fact_of(out_.enums.size(), -1);
  for (std::uint32_t k = 0; k < out_.enums.size(); ++k) {
    if (!out_.enums[k].symmetric) continue;
    fact_of[k] = int(out_.value_symmetry.size());
    ValueSymmetryFacts f;
    f.enum_id = k;
    f.named_why.assign(out_.enums[k].members.size(), "");
    out_.value_symmetry.push_back(std::move(f));
  }
  if (out_.value_symmetry.empty()) return;
  auto facts_of = [&](const Type& t) -> ValueSymmetryFacts* {
    if (!t.scalar_is(TypeKind::Enum) || fact_of[t.enum_id] < 0) return nullptr;
    return &out_.value_symmetry[std::size_t(fact_of[t.enum_id])];
  };
  auto breaks = [&](ValueSymmetryFacts& f, Loc loc, const std::string& why) {
    if (f.broken.empty()) f.broken = where(loc) + " " + why;
  };
  auto name_value = [&](ValueSymmetryFacts& f, std::int64_t v, Loc loc) {
    if (v >= 0 && std::size_t(v) < f.named_why.size() && f.named_why[std::size_t(v)].empty()) f.named_why[std::size_t(v)] = where(loc) + " names it";
  };
  auto global_of = [&](const Expr& base) -> int {
    if (base.kind != ExprKind::Name || (base.sym != SymKind::Global && base.sym != SymKind::Percpu)) return -1;
    return int(base.sym_index);
  };

  // which enum's values index each global's first dimension
  std::vector<int> indexed_by(out_.globals.size(), -1);
  std::vector<bool> indexed_base(m.exprs.size(), false);
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    if (e.cval) {
      if (ValueSymmetryFacts* f = facts_of(e.type)) name_value(*f, *e.cval, span(ExprId{i}));
    }
    if (e.kind != ExprKind::Index || e.args.size() != 2) continue;
    indexed_base[e.args[0].v] = true;
    ValueSymmetryFacts* f = facts_of(m.at(e.args[1]).type);
    if (f == nullptr) continue;
    const int g = global_of(m.at(e.args[0]));
    if (g < 0 || out_.globals[std::size_t(g)].percpu) {
      breaks(*f, span(ExprId{i}), "indexes an array with a value of '" + out_.enums[f->enum_id].name + "' (only a global array's first dimension may be)");
    } else if (indexed_by[std::size_t(g)] >= 0 && indexed_by[std::size_t(g)] != int(f->enum_id)) {
      breaks(*f, span(ExprId{i}), "indexes an array that another enum's values index too");
    } else {
      indexed_by[std::size_t(g)] = int(f->enum_id);
    }
  }
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    const int g = global_of(e);
    if (g < 0 || indexed_by[std::size_t(g)] < 0) continue;
    ValueSymmetryFacts& f = out_.value_symmetry[std::size_t(fact_of[std::size_t(indexed_by[std::size_t(g)])])];
    if (!indexed_base[i]) {
      breaks(f, e.loc, "uses the whole array, whose elements belong to values of '" + out_.enums[f.enum_id].name + "'");
      continue;
    }
  }
  for (std::uint32_t i = 0; i < m.exprs.size(); ++i) {
    const Expr& e = m.exprs[i];
    if (e.kind == ExprKind::Index && e.args.size() == 2) {
      const int g = global_of(m.at(e.args[0]));
      if (g < 0 || indexed_by[std::size_t(g)] < 0) continue;
      ValueSymmetryFacts& f = out_.value_symmetry[std::size_t(fact_of[std::size_t(indexed_by[std::size_t(g)])])];
      const Expr& index = m.at(e.args[1]);
      if (facts_of(index.type) == &f) continue;
      if (index.cval) name_value(f, *index.cval, span(ExprId{i}));
      else breaks(f, span(ExprId{i}), "picks an element of an array the values of '" + out_.enums[f.enum_id].name + "' index by something else than such a value");
    }
    // a reference to an element a value picks keeps the element's place in a slot of its own
    if (e.kind == ExprKind::Unary && e.op == Tok::Amp && !e.args.empty()) {
      std::vector<ExprId> work{e.args[0]};
      while (!work.empty()) {
        const Expr& x = m.at(work.back());
        work.pop_back();
        if (x.kind == ExprKind::Index && x.args.size() == 2 && !m.at(x.args[1]).cval) {
          if (ValueSymmetryFacts* f = facts_of(m.at(x.args[1]).type)) breaks(*f, span(ExprId{i}), "passes a reference to an element a value picks");
        }
        for (ExprId a : x.args) {
          if (a.valid()) work.push_back(a);
        }
      }
    }
  }
  for (std::uint32_t g = 0; g < indexed_by.size(); ++g) {
    if (indexed_by[g] < 0) continue;
    ValueSymmetryFacts& f = out_.value_symmetry[std::size_t(fact_of[std::size_t(indexed_by[g])])];
    const GlobalInfo& info = out_.globals[g];
    if (info.type.dims.empty() || info.type.dims[0] != f.named_why.size()) {
      breaks(f, info.loc, "is indexed by the values of '" + out_.enums[f.enum_id].name + "' but has not one element per value (declare it '[" + out_.enums[f.enum_id].name + "]')");
      continue;
    }
    f.indexed.push_back(g);
  }
  for (const Stmt& s : m.stmts) {
    if (s.kind != StmtKind::For || s.type.base != Tok::Ident) continue;
    for (ValueSymmetryFacts& f : out_.value_symmetry) {
      if (out_.enums[f.enum_id].name == s.type.name) breaks(f, s.loc, "visits the values in order, one after another");
    }
  }
}

}  // namespace tlbcheck::model::sema
