// Expressions: names, operators, quantifiers, calls of functions and of
// the built-ins (the machine's from their table, model/machine/builtins.def).
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

Type Analysis::fail_expr(Expr& e) {
  e.type = make(TypeKind::Error);
  return e.type;
}

Type Analysis::check_expr(ExprId id, Context& ctx, const Type* expected, Standing standing) {
  if (!id.valid()) return make(TypeKind::Error);
  Expr& e = node(id);
  Type t = check_expr_inner(e, ctx, expected, standing);
  node(id).type = t;
  return t;
}

Type Analysis::check_expr_inner(Expr& e, Context& ctx, const Type* expected, Standing standing) {
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
        error(DiagKind::TypeMismatch, node(e.args[0]).loc, "cannot index a '" + type_text(base) + "': it is not an array");
        return make(TypeKind::Error);
      }
      if (!int_like(idx) && !idx.scalar_is(TypeKind::Enum) && !idx.scalar_is(TypeKind::Bool)) {
        error(DiagKind::TypeMismatch, node(e.args[1]).loc, "an array index must be an integer, an enum or a bool, found '" + type_text(idx) + "'");
        return make(TypeKind::Error);
      }
      if (auto c = node(e.args[1]).cval; c && (*c < 0 || *c >= base.dims[0])) {
        error(DiagKind::BadRange, node(e.args[1]).loc, "index " + std::to_string(*c) + " is outside 0.." + std::to_string(base.dims[0] - 1));
        return make(TypeKind::Error);
      }
      return base.element();
    }
    case ExprKind::Unary: {
      if (e.op == Tok::Amp) {  // (check_call takes `&x` where a reference parameter wants it)
        check_expr(e.args[0], ctx, nullptr);
        error(DiagKind::TypeMismatch, e.loc, "'&' passes a variable by reference: it stands only as the argument of a reference parameter (fn f(x: &T))");
        return make(TypeKind::Error);
      }
      Type a = check_expr(e.args[0], ctx, expected);
      if (a.kind == TypeKind::Error) return a;
      auto c = node(e.args[0]).cval;
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
      auto c = node(e.args[0]).cval;
      if (c) e.cval = *c ? node(e.args[1]).cval : node(e.args[2]).cval;
      if (int_like(a) && int_like(b)) return make(TypeKind::Int, std::min(a.lo, b.lo), std::max(a.hi, b.hi));
      if (a.is_aggregate() || b.is_aggregate()) {
        error(DiagKind::TypeMismatch, e.loc, "'?:' chooses between scalars, not '" + type_text(a.is_aggregate() ? a : b) + "': use an if");
        return make(TypeKind::Error);
      }
      if (a.kind != b.kind || (a.kind == TypeKind::Enum && a.enum_id != b.enum_id)) {
        error(DiagKind::TypeMismatch, e.loc, "the two branches of '?:' have different types '" + type_text(a) + "' and '" + type_text(b) + "'");
        return make(TypeKind::Error);
      }
      return a;
    }
    case ExprKind::Quant: {
      Type vt = resolve_type(e.quant_type, std::string(e.name));
      if (vt.kind == TypeKind::Error) return vt;
      // the values a quantifier lists, as `for` does (frames, tasks and mms
      // without none); a PTE's values are the machine's encodings, not a list
      if (!enumerable(vt) || vt.kind == TypeKind::Pte) {
        error(DiagKind::TypeMismatch, e.quant_type.loc,
              "a bound variable needs a small scalar type (bool, cpu, mm, page, frame, task, an enum or an int range of at most 1024 values), not '" +
                  type_text(vt) + "'");
        return make(TypeKind::Error);
      }
      for (const auto& l : ctx.lets) {
        if (l.name == e.name) {
          error(DiagKind::Redeclared, e.loc, "'" + std::string(e.name) + "' is already named by a 'let' around this quantifier: choose another name");
          return make(TypeKind::Error);
        }
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
      return check_call(e, ctx, standing);
    case ExprKind::Let: {  // let NAME = VALUE in BODY
      Type vt = check_expr(e.args[0], ctx, nullptr);
      if (vt.kind == TypeKind::Error) return vt;
      if (vt.is_aggregate() || vt.kind == TypeKind::Void) return mismatch(e, "'let ... in' names a scalar value", vt);
      for (const auto& l : ctx.lets) {
        if (l.name == e.name) {
          error(DiagKind::Redeclared, e.loc, "'" + std::string(e.name) + "' is already named by a 'let' around this one");
          return make(TypeKind::Error);
        }
      }
      for (const auto& q : ctx.quants) {
        if (q.first == e.name) {
          error(DiagKind::Redeclared, e.loc, "'" + std::string(e.name) + "' is already the variable of a quantifier around this 'let': choose another name");
          return make(TypeKind::Error);
        }
      }
      const std::uint32_t self = static_cast<std::uint32_t>(&e - &out_.module.exprs[0]);
      ctx.lets.push_back({e.name, self, vt});
      Type body = check_expr(e.args[1], ctx, expected);
      ctx.lets.pop_back();
      node(ExprId{self}).cval = node(node(ExprId{self}).args[1]).cval;
      return body;
    }
    case ExprKind::Member: {
      Type base = check_expr(e.args[0], ctx, nullptr);
      if (base.kind == TypeKind::Error) return base;
      if (base.scalar_is(TypeKind::Record)) {
        const Expr& b = node(e.args[0]);
        const bool through_reference = b.kind == ExprKind::Name && b.sym == SymKind::Local && ctx.body->locals[b.sym_index].reference;
        if (e.op == Tok::Arrow && !through_reference) {
          error(DiagKind::TypeMismatch, e.loc, "'->' follows a reference parameter (x: &T) or an mm, a frame or a task: write '." + std::string(e.name) + "' for a field of this struct");
          return make(TypeKind::Error);
        }
        const RecordInfo& r = out_.records[base.enum_id];
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
          if (r.fields[i].name == e.name) {
            e.sym = SymKind::RecordField;
            e.sym_index = static_cast<std::uint32_t>(i);
            return r.fields[i].type;
          }
        }
        std::string known;
        for (const RecordField& f : r.fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
        error(DiagKind::UnknownName, e.loc, "struct '" + r.name + "' has no field '" + std::string(e.name) + "': expected one of " + known);
        return make(TypeKind::Error);
      }
      if (e.op == Tok::Arrow && !base.scalar_is(TypeKind::Mm) && !base.scalar_is(TypeKind::Frame) && !base.scalar_is(TypeKind::Task)) {
        error(DiagKind::TypeMismatch, e.loc, "'->' follows a reference parameter (x: &T) or an mm, a frame or a task, not a '" + type_text(base) + "'");
        return make(TypeKind::Error);
      }
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
      if (base.scalar_is(TypeKind::Frame)) {  // frame { ... }: the kernel's struct page
        for (std::size_t i = 0; i < out_.frame_fields.size(); ++i) {
          if (out_.frame_fields[i].name == e.name) {
            e.sym = SymKind::FrameField;
            e.sym_index = static_cast<std::uint32_t>(i);
            return out_.frame_fields[i].type;
          }
        }
        std::string known;
        for (const MmFieldInfo& f : out_.frame_fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
        error(DiagKind::UnknownName, e.loc,
              "a frame has no field '" + std::string(e.name) + "': " + (known.empty() ? "declare the fields every frame has in frame { ... }" : "expected one of " + known));
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
      error(DiagKind::TypeMismatch, e.loc, "a '" + type_text(base) + "' has no fields: '." + std::string(e.name) + "' needs a struct, an mm, a frame or a task");
      return make(TypeKind::Error);
    }
  }
  return make(TypeKind::Error);
}

Type Analysis::mismatch(Expr& e, const std::string& what, const Type& found) {
  error(DiagKind::TypeMismatch, e.loc, what + ", found '" + type_text(found) + "'");
  return make(TypeKind::Error);
}

Type Analysis::check_name(Expr& e, Context& ctx, const Type* expected) {
  for (std::size_t i = ctx.lets.size(); i-- > 0;) {  // `let ... in`, innermost first
    if (ctx.lets[i].name == e.name) {
      e.sym = SymKind::LetVar;
      e.sym_index = ctx.lets[i].expr;
      e.cval = node(node(ExprId{ctx.lets[i].expr}).args[0]).cval;
      return ctx.lets[i].type;
    }
  }
  // locals, innermost scope first
  for (auto scope = ctx.scopes.rbegin(); scope != ctx.scopes.rend(); ++scope) {
    for (auto it = scope->rbegin(); it != scope->rend(); ++it) {
      if (it->first == e.name) {
        e.sym = SymKind::Local;
        e.sym_index = it->second;
        ctx.body->locals[it->second].named = true;
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

Type Analysis::enumerator(Expr& e, std::uint32_t enum_id, std::uint32_t member) {
  e.sym = SymKind::Enumerator;
  e.sym_index = enum_id;
  e.cval = member;
  Type t = make(TypeKind::Enum, 0, static_cast<std::int64_t>(out_.enums[enum_id].members.size()) - 1);
  t.enum_id = enum_id;
  return t;
}

Type Analysis::check_binary(Expr& e, Context& ctx) {
  Tok op = e.op;
  Type a = check_expr(e.args[0], ctx, nullptr);
  // enumerators on the right are resolved against the left operand's enum
  bool contextual = a.kind == TypeKind::Enum || a.kind == TypeKind::Mm || a.kind == TypeKind::Frame || a.kind == TypeKind::Task;
  Type b = check_expr(e.args[1], ctx, contextual ? &a : nullptr);
  if (a.kind == TypeKind::Error || b.kind == TypeKind::Error) return make(TypeKind::Error);
  // (a call inside an expression is an expression call: pure, so && and || may skip it)
  if (a.is_aggregate() || b.is_aggregate()) {  // two arrays or structs: equal when every element is
    if ((op == Tok::Eq || op == Tok::Ne) && same_shape(a, b)) return make(TypeKind::Bool, 0, 1);
    error(DiagKind::TypeMismatch, e.loc,
          op == Tok::Eq || op == Tok::Ne ? "cannot compare '" + type_text(a) + "' with '" + type_text(b) + "'"
                                         : "operator " + std::string(tok_spelling(op)) + " cannot take '" + type_text(a.is_aggregate() ? a : b) + "'");
    return make(TypeKind::Error);
  }
  auto ca = node(e.args[0]).cval, cb = node(e.args[1]).cval;
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
        error(DiagKind::TypeMismatch, e.loc, "cannot compare '" + type_text(a) + "' with '" + type_text(b) + "'");
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

Type Analysis::check_call(Expr& e, Context& ctx, Standing standing) {
  auto arity = [&](std::size_t n) {
    if (e.args.size() == n) return true;
    error(DiagKind::BadCall, e.loc, "'" + std::string(e.name) + "' takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", found " + std::to_string(e.args.size()));
    return false;
  };
  if (auto b = builtin_named(e.name, e.args.size())) {
    e.sym = SymKind::Builtin;
    e.sym_index = static_cast<std::uint32_t>(*b);
    const bool statement = standing == Standing::Statement;
    Type mask = make(TypeKind::Mask, 0, (1LL << out_.cpus) - 1);
    auto cpu_arg = [&](ExprId a) {
      Type t = check_expr(a, ctx, nullptr);
      if (t.kind == TypeKind::Error) return false;
      if (!int_like(t)) {
        error(DiagKind::TypeMismatch, node(a).loc, "expected a cpu, found '" + type_text(t) + "'");
        return false;
      }
      if (t.kind == TypeKind::Int) cpu_conversions_.push_back({a, true});
      return true;
    };
    auto mask_arg = [&](ExprId a) {
      Type t = check_expr(a, ctx, nullptr);
      if (t.kind == TypeKind::Error) return false;
      if (!t.scalar_is(TypeKind::Mask)) {
        error(DiagKind::TypeMismatch, node(a).loc, "expected a cpumask, found '" + type_text(t) + "'");
        return false;
      }
      return true;
    };
    switch (*b) {
      case Builtin::PerCpu: {
        if (!arity(2)) return make(TypeKind::Error);
        Expr& var = node(e.args[0]);
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
        return check_machine_call(e, ctx, *b, standing);
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
  if (e.name == "at" && (it == globals_.end() || it->second.kind != SymKind::Function)) return check_at(e, ctx);
  if (it == globals_.end() || it->second.kind != SymKind::Function) {
    std::string msg = it == globals_.end() ? "unknown function '" + std::string(e.name) + "'" : "'" + std::string(e.name) + "' is not a function";
    // an imported file may call a function its importer is to define (a library's hook)
    if (it == globals_.end() && file_ != nullptr && file_->imported(e.loc.offset)) msg += ": this imported file expects the importing protocol to define it";
    error(DiagKind::UnknownName, e.loc, msg);
    for (ExprId a : e.args) check_expr(a, ctx, nullptr);
    return make(TypeKind::Error);
  }
  e.sym = SymKind::Function;
  e.sym_index = it->second.index;
  if (ctx.body == nullptr || standing == Standing::Nested) {
    // inside an expression or an invariant: inlined as an expression (checked
    // once every body is: check_expression_calls)
    if (!out_.functions[e.sym_index].decl->has_type) {
      error(DiagKind::BadCall, e.loc, "function '" + std::string(e.name) + "' returns no value: it cannot stand inside an expression");
      return make(TypeKind::Error);
    }
    expression_calls_.push_back({e.sym_index, e.loc, ctx.body == nullptr});
  }
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
  if (callee.params.size() > 0 && (ctx.body == nullptr || standing == Standing::Nested)) {
    for (const Param& p : callee.params) {
      if (p.type.reference) {
        error(DiagKind::BadCall, e.loc, "function '" + std::string(e.name) + "' takes a reference ('" + std::string(p.name) + "'): it cannot stand inside an expression");
        return make(TypeKind::Error);
      }
    }
  }
  bool ok = true;
  for (std::size_t i = 0; i < e.args.size(); ++i) {
    // parameter types are resolved when the callee's body is checked; resolve
    // them here too if the callee comes later in the file
    Type pt = param_type(e.sym_index, i);
    if (callee.params[i].type.reference) {
      if (!reference_argument(e.args[i], pt, "parameter '" + std::string(callee.params[i].name) + "'", ctx)) ok = false;
      continue;
    }
    Type at = check_expr(e.args[i], ctx, pt.kind == TypeKind::Error ? nullptr : &pt);
    if (at.kind == TypeKind::Error || pt.kind == TypeKind::Error) {
      ok = false;
      continue;
    }
    if (!assignable(pt, at, e.args[i], "parameter '" + std::string(callee.params[i].name) + "'")) {
      ok = false;
    } else if (ctx.body == nullptr || standing == Standing::Nested) {
      // the argument stands for the parameter wherever the body names it, so
      // it must not change state
      std::string why;
      if (!pure_expression(e.args[i], false, why, 0)) {
        error(DiagKind::BadCall, node(e.args[i]).loc, "an argument of a function called inside an expression must not change state: " + why);
        ok = false;
      }
    }
  }
  if (!ok) return make(TypeKind::Error);
  const BodyInfo& b = out_.functions[e.sym_index];
  if (callee.has_type) return b.has_result ? b.result : result_type(e.sym_index);
  return make(TypeKind::Void);
}

bool Analysis::pure_expression(ExprId id, bool in_invariant, std::string& why, int depth) {
  const Expr& e = node(id);
  if (e.kind == ExprKind::ThisCpu && in_invariant) {
    why = "it uses this_cpu, which an invariant does not have";
    return false;
  }
  if (e.kind == ExprKind::Name && in_invariant && e.sym == SymKind::Percpu) {
    why = "it names per-CPU '" + std::string(e.name) + "' without per_cpu(), which needs a CPU an invariant does not have";
    return false;
  }
  if (e.kind == ExprKind::Name && in_invariant && e.sym == SymKind::MachineField) {
    why = "it names 'current', which needs a CPU an invariant does not have";
    return false;
  }
  if (e.kind == ExprKind::Call && e.sym == SymKind::Builtin && Builtin(e.sym_index) == Builtin::PerCpu) {
    return pure_expression(e.args[1], in_invariant, why, depth);  // per_cpu(v, c) names v's copies: no CPU needed
  }
  if (e.kind == ExprKind::Call && e.sym == SymKind::Function) {
    if (!expression_function(e.sym_index, in_invariant, why, depth + 1)) return false;
  }
  if (e.kind == ExprKind::Call && e.sym == SymKind::Builtin) {
    const Builtin b = Builtin(e.sym_index);
    const BuiltinInfo& info = builtin_info(b);
    const bool changes = b == Builtin::TestAndSetBit || b == Builtin::TestAndClearBit || b == Builtin::SetBit || b == Builtin::ClearBit || b == Builtin::Bug ||
                         (info.machine() && !info.pure());
    if (changes) {
      why = "it calls '" + std::string(e.name) + "', which changes state";
      return false;
    }
    if (in_invariant && info.machine() && info.needs_cpu()) {
      why = "it calls '" + std::string(e.name) + "', which needs a CPU an invariant does not have";
      return false;
    }
  }
  for (ExprId a : e.args) {
    if (a.valid() && !pure_expression(a, in_invariant, why, depth)) return false;
  }
  return true;
}

bool Analysis::pure_statements(const std::vector<StmtId>& list, bool in_invariant, std::string& why, int depth) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Stmt& s = node(list[i]);
    const bool last = i + 1 == list.size();
    switch (s.kind) {
      case StmtKind::Let:
        if (!s.value.valid()) {
          why = "'let " + std::string(s.name) + "' has no value";
          return false;
        }
        if (!pure_expression(s.value, in_invariant, why, depth)) return false;
        break;
      case StmtKind::Return:
        if (!pure_expression(s.value, in_invariant, why, depth)) return false;
        return true;  // (what follows is never reached)
      case StmtKind::If: {
        if (!pure_expression(s.value, in_invariant, why, depth)) return false;
        if (!pure_statements(node(s.body).list, in_invariant, why, depth)) return false;
        if (s.else_body.valid()) {
          const Stmt& alt = node(s.else_body);
          const std::vector<StmtId> one{s.else_body};
          if (!pure_statements(alt.kind == StmtKind::Block ? alt.list : one, in_invariant, why, depth)) return false;
          return true;  // both branches returned
        }
        break;
      }
      case StmtKind::Skip:
        break;
      default:
        why = "its body has a statement other than 'let', 'if' and 'return' (line " + std::to_string(file_->line_of(s.loc.offset)) + ")";
        return false;
    }
    if (last) {
      why = "a path through its body ends without 'return'";
      return false;
    }
  }
  why = "a path through its body ends without 'return'";
  return false;
}

bool Analysis::expression_function(std::uint32_t fn, bool in_invariant, std::string& why, int depth) {
  if (depth > 16) {
    why = "functions called inside expressions nest too deep";
    return false;
  }
  const Decl& d = *out_.functions[fn].decl;
  for (const Param& p : d.params) {
    if (p.type.reference) {
      why = "it takes a reference ('" + std::string(p.name) + "')";
      return false;
    }
  }
  if (!d.body.valid()) return true;  // (reported elsewhere)
  std::string inner;
  if (!pure_statements(node(d.body).list, in_invariant, inner, depth)) {
    why = "'" + std::string(d.name) + "': " + inner;
    return false;
  }
  return true;
}

void Analysis::check_expression_calls() {
  for (const ExpressionCall& c : expression_calls_) {
    std::string why;
    if (expression_function(c.fn, c.in_invariant, why)) continue;
    error(DiagKind::BadCall, c.loc,
          "a function called inside " + std::string(c.in_invariant ? "an invariant" : "an expression") +
              " must be one that only names values ('let'), chooses ('if') and returns, reading state: " + why +
              (c.in_invariant ? "" : ". Call it as a statement or as the whole value of a let, an assignment or a return instead"));
  }
  expression_calls_.clear();
}

Type Analysis::check_at(Expr& e, Context& ctx) {
  if (ctx.body != nullptr) {
    error(DiagKind::BadCall, e.loc, "at() says where a process is: it stands in invariants and constraints");
    return make(TypeKind::Error);
  }
  if (e.args.size() != 2 && e.args.size() != 3) {
    error(DiagKind::BadCall, e.loc, "at() takes a process or task, a label or a function, and optionally a CPU: at(p, label), at(p, label, c)");
    return make(TypeKind::Error);
  }
  Expr& proc = node(e.args[0]);
  Expr& target = node(e.args[1]);
  AtPredicate at;
  if (proc.kind == ExprKind::Name) {
    for (const Decl& d : module().decls) {
      if ((d.kind == DeclKind::Process || d.kind == DeclKind::Task) && d.name == proc.name) at.process = &d;
    }
  }
  if (at.process == nullptr) {
    error(DiagKind::UnknownName, proc.loc, "at() needs the name of a process or a task here");
    return make(TypeKind::Error);
  }
  if (target.kind != ExprKind::Name) {
    error(DiagKind::UnknownName, target.loc, "at() needs a statement label or a function's name here");
    return make(TypeKind::Error);
  }
  proc.type = make(TypeKind::Void);
  target.type = make(TypeKind::Void);
  at.target = target.name;
  if (e.args.size() == 3) {
    at.cpu = e.args[2];
    Type t = check_expr(e.args[2], ctx, nullptr);
    if (t.kind == TypeKind::Error) return t;
    if (!int_like(t)) return mismatch(node(e.args[2]), "the third argument of at() is a CPU", t);
    if (auto c = node(e.args[2]).cval; c && (*c < 0 || *c >= out_.cpus)) {
      error(DiagKind::BadRange, node(e.args[2]).loc, "cpu " + std::to_string(*c) + " does not exist: the machine has cpus 0.." + std::to_string(out_.cpus - 1));
      return make(TypeKind::Error);
    }
  }
  e.sym = SymKind::At;
  e.sym_index = static_cast<std::uint32_t>(out_.at_predicates.size());
  out_.at_predicates.push_back(at);
  return make(TypeKind::Bool, 0, 1);
}

void Analysis::resolve_at_predicates() {
  for (std::size_t i = 0; i < out_.at_predicates.size(); ++i) {
    AtPredicate& at = out_.at_predicates[i];
    for (const LabelInfo& l : out_.labels) {
      if (l.name == at.target) at.labelled.push_back(l.stmt);
    }
    if (auto it = globals_.find(at.target); it != globals_.end() && it->second.kind == SymKind::Function) at.function = int(it->second.index);
    if (at.labelled.empty() && at.function < 0) {
      // find the call's location: the predicate's target name
      for (const Expr& x : out_.module.exprs) {
        if (x.kind == ExprKind::Call && x.sym == SymKind::At && x.sym_index == i) {
          error(DiagKind::UnknownName, node(x.args[1]).loc, "no statement is labelled '" + std::string(at.target) + "' and no function has that name");
          break;
        }
      }
    }
  }
}

bool Analysis::reference_argument(ExprId arg, const Type& param, const std::string& what, Context& ctx) {
  Expr& a = node(arg);
  ExprId target = arg;
  if (a.kind == ExprKind::Unary && a.op == Tok::Amp) {
    target = a.args[0];
  } else {
    Type t = check_expr(arg, ctx, nullptr);
    if (t.kind == TypeKind::Error) return false;
    if (a.kind != ExprKind::Name || a.sym != SymKind::Local || !ctx.body->locals[a.sym_index].reference) {
      error(DiagKind::TypeMismatch, a.loc, what + " is a reference: pass a variable with '&' in front" + (a.kind == ExprKind::Name ? ", as in &" + std::string(a.name) : std::string()));
      return false;
    }
  }
  Type t = target.v == arg.v ? node(arg).type : check_expr(target, ctx, nullptr);
  if (t.kind == TypeKind::Error || param.kind == TypeKind::Error) return false;
  if (!lvalue(target, ctx, true)) return false;
  const Expr& x = node(target);
  if (x.kind == ExprKind::Member && x.sym == SymKind::MachineField) {
    error(DiagKind::NotAssignable, x.loc, "'" + std::string(x.name) + "' is the machine's: it cannot be passed by reference");
    return false;
  }
  // the callee reads and writes the caller's slots: the types must be the same
  const bool same = same_shape(param, t) && ((param.kind != TypeKind::Int && param.kind != TypeKind::Cpu) || (param.kind == t.kind && param.lo == t.lo && param.hi == t.hi));
  if (!same) {
    error(DiagKind::TypeMismatch, node(arg).loc, what + " is a reference to '" + type_text(param) + "', but this is a '" + type_text(t) + "': a reference needs exactly its type");
    return false;
  }
  node(arg).type = t;
  return true;
}

Analysis::Signature Analysis::signature(Builtin b) {
  const BuiltinInfo& info = builtin_info(b);
  if (!info.machine()) return {{}, TypeKind::Error, false, false};
  Signature sig{{}, info.result, info.needs_cpu(), info.pure()};
  sig.args.assign(info.args.begin(), info.args.begin() + info.arity());
  return sig;
}

Type Analysis::check_machine_call(Expr& e, Context& ctx, Builtin b, Standing standing) {
  const bool statement = standing == Standing::Statement;
  std::uint32_t ipi_target = 0;  // send_ipi: the handler
  out_.uses_machine = true;
  Signature sig = signature(b);
  std::string name(e.name);
  if (b == Builtin::SendIpi && e.args.size() >= 2) {  // send_ipi(target, handler, args of the handler...)
    const Expr& h = node(e.args[1]);
    auto it = h.kind == ExprKind::Name ? irq_index_.find(h.name) : irq_index_.end();
    if (it != irq_index_.end()) {
      const Decl& d = *out_.irqs[it->second].body.decl;
      for (const Param& p : d.params) {
        (void)p;
        sig.args.push_back(Arg::IpiArg);
      }
      ipi_target = it->second;
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
  if (builtin_info(b).access() && standing == Standing::Nested) {
    error(DiagKind::BadCall, e.loc, "an access ('" + name + "') may fault, so it must stand alone: as a statement or as the whole value of a let or an assignment");
    return make(TypeKind::Error);
  }
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
      Expr& arg = node(a);
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
      const Decl& d = *out_.irqs[ipi_target].body.decl;
      const Param& p = d.params[i - 2];
      Type want = param_of_irq(ipi_target, i - 2, p);
      Type t = check_expr(a, ctx, &want);
      if (t.kind == TypeKind::Error || want.kind == TypeKind::Error) {
        ok = false;
        continue;
      }
      if (!assignable(want, t, a, "argument '" + std::string(p.name) + "' of '" + std::string(d.name) + "'")) ok = false;
      continue;
    }
    Type want;
    switch (sig.args[i]) {
      case Arg::Mm: want = make(TypeKind::Mm, -1, 0); break;
      case Arg::Page: want = make(TypeKind::Page, 0, 0); break;
      case Arg::Frame: want = make(TypeKind::Frame, -1, 0); break;
      case Arg::Bool: want = make(TypeKind::Bool, 0, 1); break;
      case Arg::Task: want = make(TypeKind::Task, -1, 0); break;
      case Arg::Pte: want = make(TypeKind::Pte, 0, 0); break;
      default: want = make(TypeKind::Int, 0, 0); break;
    }
    Type t = check_expr(a, ctx, &want);
    if (t.kind == TypeKind::Error) {
      ok = false;
      continue;
    }
    bool fits = false;
    switch (sig.args[i]) {
      case Arg::Mm: case Arg::Page: case Arg::Frame: case Arg::Bool: case Arg::Task: case Arg::Pte: fits = t.scalar_is(want.kind); break;
      case Arg::Value:
        fits = int_like(t);
        if (t.scalar_is(TypeKind::Cpu)) cpu_conversions_.push_back({a, false});  // a cpu stored or used as a number
        break;
      case Arg::CpuOrMask:
        fits = int_like(t) || t.scalar_is(TypeKind::Mask);
        if (t.scalar_is(TypeKind::Int)) cpu_conversions_.push_back({a, true});
        break;
      case Arg::Level: {
        fits = int_like(t);
        auto v = node(a).cval;
        if (fits && (!v || *v < 1 || *v > out_.machine.levels)) {
          error(DiagKind::BadRange, node(a).loc, "a page-table level must be a constant in 1.." + std::to_string(out_.machine.levels) + " (1 is the leaf)");
          ok = false;
          continue;
        }
        break;
      }
      default: break;
    }
    if (!fits) {
      const char* what = sig.args[i] == Arg::CpuOrMask ? "a cpu or a cpumask" : sig.args[i] == Arg::Value || sig.args[i] == Arg::Level ? "an integer" : nullptr;
      error(DiagKind::TypeMismatch, node(a).loc, "argument " + std::to_string(i + 1) + " of '" + name + "' must be " + (what ? std::string(what) : "a '" + type_text(want) + "'") + ", found '" + type_text(t) + "'");
      ok = false;
    }
  }
  if (!ok) return make(TypeKind::Error);
  switch (sig.result) {
    case TypeKind::Void: return make(TypeKind::Void);
    case TypeKind::Bool: return make(TypeKind::Bool, 0, 1);
    case TypeKind::Int: {
      const IntRange r = int_result(b, out_.machine, int(out_.pages.size()), int(out_.mms.size()));
      return make(TypeKind::Int, r.lo, r.hi);
    }
    case TypeKind::Frame: return make(TypeKind::Frame, -1, 0);
    case TypeKind::Pte: return make(TypeKind::Pte, 0, 0);
    case TypeKind::Task:
      if (out_.tasks == 0) {
        error(DiagKind::BadCall, e.loc, "'" + name + "' needs tasks: the protocol declares none");
        return make(TypeKind::Error);
      }
      return make(TypeKind::Task, -1, out_.tasks - 1);
    default: return make(TypeKind::Error);
  }
}

Type Analysis::param_of_irq(std::uint32_t irq, std::size_t i, const Param& p) {
  const BodyInfo& b = out_.irqs[irq].body;
  if (b.locals.size() > i && b.params > i) return b.locals[i].type;
  Diagnostics scratch;  // errors in the signature are reported with the handler
  std::swap(scratch, diags_);
  Type t = resolve_type(p.type, "");
  std::swap(scratch, diags_);
  return t;
}

Type Analysis::param_type(std::uint32_t fn, std::size_t i) {
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

Type Analysis::result_type(std::uint32_t fn) {
  const Decl& d = *out_.functions[fn].decl;
  Diagnostics scratch;
  std::swap(scratch, diags_);
  Type t = resolve_type(d.type, "");
  std::swap(scratch, diags_);
  return t;
}

}  // namespace tlbcheck::model::sema
