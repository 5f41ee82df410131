// Pass 3: the bodies of functions, processes, handlers and invariants,
// statement by statement.
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

void Analysis::check_bodies() {
  for (std::uint32_t i = 0; i < out_.functions.size(); ++i) {
    if (diags_.saturated()) return;
    BodyInfo& b = out_.functions[i];
    const Decl& d = *b.decl;
    Context ctx;
    ctx.body = &b;
    ctx.has_cpu = true;
    ctx.in_function = true;
    ctx.function = i;
    ctx.owner = &d;
    ctx.scopes.emplace_back();
    for (const Param& p : d.params) {
      allow_reference_ = d.kind == DeclKind::Fn;  // (not the hooks': the machine calls them)
      Type t = resolve_type(p.type, std::string(d.name) + "." + std::string(p.name));
      allow_reference_ = false;
      std::uint32_t local = declare_local(ctx, p.name, p.loc, t);
      b.locals[local].reference = p.type.reference;
    }
    b.params = static_cast<std::uint32_t>(d.params.size());
    if (d.has_type) {
      b.has_result = true;
      b.result = resolve_type(d.type, std::string(d.name));
      if (b.result.is_aggregate()) {
        error(DiagKind::TypeMismatch, d.type.loc, "functions return scalars: give back '" + type_text(b.result) + "' through a reference parameter (fn f(out: &T))");
      }
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
    ctx.owner = &d;
    if (irq.device && !d.params.empty()) error(DiagKind::BadCall, d.params[0].loc, "a device interrupt takes no arguments: only IPIs do");
    for (const Param& p : d.params) {
      Type t = resolve_type(p.type, std::string(d.name) + "." + std::string(p.name));
      if (t.is_array()) error(DiagKind::TypeMismatch, p.type.loc, "IPI arguments must have scalar types, not '" + type_text(t) + "'");
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
    ctx.owner = stored.body.decl;
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
  for (Decl& d : module().decls) {
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
      ctx.owner = &d;
      ctx.has_cpu = true;
      ctx.scopes.emplace_back();
      check_stmt(d.body, ctx);
    } else if (d.kind == DeclKind::Constraint) {
      Context ctx;
      Type t = check_expr(d.value, ctx, nullptr);
      if (t.kind != TypeKind::Error && !t.scalar_is(TypeKind::Bool)) {
        error(DiagKind::TypeMismatch, node(d.value).loc, "a constraint must be a bool, found '" + type_text(t) + "'");
        continue;
      }
      std::string_view name = d.name.empty() ? std::string_view("constraint") : d.name;
      bool again = false;
      for (const InvariantInfo& c : out_.constraints) again = again || c.name == name;
      if (again && !d.name.empty()) {
        error(DiagKind::Redeclared, d.name_loc, "constraint '" + std::string(name) + "' is already declared");
        continue;
      }
      out_.constraints.push_back({name, d.value, d.name.empty() ? d.loc : d.name_loc, false});
    } else if (d.kind == DeclKind::Invariant) {
      if (invariant_names_.count(d.name) != 0 || globals_.count(d.name) != 0) {
        error(DiagKind::Redeclared, d.name_loc, "'" + std::string(d.name) + "' is already declared");
        continue;
      }
      invariant_names_.insert(d.name);
      Context ctx;
      Type t = check_expr(d.value, ctx, nullptr);
      if (t.kind != TypeKind::Error && !t.scalar_is(TypeKind::Bool)) {
        error(DiagKind::TypeMismatch, node(d.value).loc, "an invariant must be a bool, found '" + type_text(t) + "'");
        continue;
      }
      out_.invariants.push_back({d.name, d.value, d.name_loc, d.flag});
    }
  }
  check_expression_calls();
  resolve_at_predicates();
}

std::uint32_t Analysis::declare_local(Context& ctx, std::string_view name, Loc loc, const Type& t) {
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

void Analysis::check_block(StmtId id, Context& ctx) {
  ctx.scopes.emplace_back();
  check_stmt(id, ctx);
  ctx.scopes.pop_back();
}

Type Analysis::check_value(ExprId value, Context& ctx, const Type* expected) {
  return check_expr(value, ctx, expected, Standing::Value);
}

void Analysis::check_stmt(StmtId id, Context& ctx) {
  if (!id.valid() || diags_.saturated()) return;
  Stmt& s = node(id);
  if (!s.label.empty()) {
    for (const LabelInfo& l : out_.labels) {
      if (l.name == s.label && l.owner == ctx.owner) {
        error(DiagKind::Redeclared, s.label_loc, "label '" + std::string(s.label) + "' is already used in this body");
        break;
      }
    }
    out_.labels.push_back({s.label, id, ctx.owner});
  }
  switch (s.kind) {
    case StmtKind::For: {
      Type t = resolve_type(s.type, std::string(s.name));
      if (t.kind != TypeKind::Error && !enumerable(t)) {
        error(DiagKind::TypeMismatch, s.type.loc, "a for variable needs a small scalar type (bool, cpu, an enum or an int range of at most 1024 values), not '" + type_text(t) + "'");
        t = make(TypeKind::Error);
      }
      ctx.scopes.emplace_back();
      s.local = declare_local(ctx, s.name, s.name_loc, t);
      ctx.body->locals[s.local].loop_var = true;
      ++ctx.loops;
      check_block(s.body, ctx);
      --ctx.loops;
      ctx.scopes.pop_back();
      break;
    }
    case StmtKind::Choose: {
      Type t = resolve_type(s.type, std::string(s.name));
      if (t.kind != TypeKind::Error && !enumerable(t)) {
        error(DiagKind::TypeMismatch, s.type.loc, "choose takes a value of a small scalar type (bool, cpu, an enum or an int range of at most 1024 values), not '" + type_text(t) + "'");
        t = make(TypeKind::Error);
      } else if (t.kind != TypeKind::Error && (t.kind == TypeKind::Mm || t.kind == TypeKind::Task || t.kind == TypeKind::Frame ? t.hi < 0 : t.hi < t.lo)) {
        error(DiagKind::BadRange, s.type.loc, "choose has no value to take: '" + type_text(t) + "' has none here (none itself is not chosen)");
        t = make(TypeKind::Error);
      }
      s.local = declare_local(ctx, s.name, s.name_loc, t);
      ctx.body->locals[s.local].assigned = true;  // a value the step picks
      break;
    }
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
          if (vt.kind != TypeKind::Error && declared.kind != TypeKind::Error) {
            assignable(declared, vt, s.value, "'" + std::string(s.name) + "'");
          }
        } else {
          t = vt;
          if (vt.kind == TypeKind::Void) {
            error(DiagKind::TypeMismatch, node(s.value).loc, "this call returns no value");
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
      if (s.op != Tok::Assign && !int_like(tt)) {
        error(DiagKind::TypeMismatch, s.loc, "'+=' and '-=' need an integer target, found '" + type_text(tt) + "'");
        break;
      }
      Type vt = check_value(s.value, ctx, &tt);
      if (vt.kind == TypeKind::Error) break;
      if (s.op != Tok::Assign) {
        if (!int_like(vt)) error(DiagKind::TypeMismatch, node(s.value).loc, "expected an integer, found '" + type_text(vt) + "'");
      } else {
        assignable(tt, vt, s.value, "the target");
      }
      break;
    }
    case StmtKind::Call: {
      check_expr(s.value, ctx, nullptr, Standing::Statement);
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
        error(DiagKind::TypeMismatch, s.loc, "function '" + std::string(b.decl->name) + "' must return a value of type '" + type_text(b.result) + "'");
      } else if (!b.has_result && s.value.valid()) {
        error(DiagKind::TypeMismatch, node(s.value).loc, "function '" + std::string(b.decl->name) + "' returns no value: declare '-> TYPE' to return one");
      } else if (s.value.valid()) {
        Type vt = check_value(s.value, ctx, &b.result);
        if (vt.kind != TypeKind::Error) assignable(b.result, vt, s.value, "the result");
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

void Analysis::expect_bool(ExprId id, Context& ctx, const char* what) {
  Type t = check_expr(id, ctx, nullptr);
  if (t.kind != TypeKind::Error && !t.scalar_is(TypeKind::Bool)) {
    error(DiagKind::TypeMismatch, node(id).loc, std::string(what) + " needs a bool, found '" + type_text(t) + "'");
  }
}

bool Analysis::same_shape(const Type& target, const Type& value) const {
  if (target.dims != value.dims) return false;
  if (target.kind == TypeKind::Record || value.kind == TypeKind::Record) return target.kind == value.kind && target.enum_id == value.enum_id;
  if (target.kind == TypeKind::Int || target.kind == TypeKind::Cpu) return value.kind == TypeKind::Int || value.kind == TypeKind::Cpu;
  if (target.kind == TypeKind::Enum) return value.kind == TypeKind::Enum && value.enum_id == target.enum_id;
  return target.kind == value.kind;
}

bool Analysis::assignable(const Type& target, const Type& value, ExprId value_expr, const std::string& what) {
  const Loc loc = node(value_expr).loc;
  if (target.kind == TypeKind::Error || value.kind == TypeKind::Error) return false;
  // an integer stored as a cpu, or a cpu as an integer: CPU symmetry needs to know (symmetry.cpp)
  if ((target.kind == TypeKind::Cpu && value.kind == TypeKind::Int) || (target.kind == TypeKind::Int && value.kind == TypeKind::Cpu)) {
    cpu_conversions_.push_back({value_expr, target.kind == TypeKind::Cpu});
  }
  bool ok = false;
  if (target.is_aggregate() || value.is_aggregate()) ok = same_shape(target, value);  // copied whole, element by element
  else if (target.kind == TypeKind::Int || target.kind == TypeKind::Cpu) ok = int_like(value);
  else if (target.kind == TypeKind::Enum) ok = value.kind == TypeKind::Enum && value.enum_id == target.enum_id;
  else ok = target.kind == value.kind;
  if (!ok) error(DiagKind::TypeMismatch, loc, "cannot store a '" + type_text(value) + "' into " + what + " of type '" + type_text(target) + "'");
  return ok;
}

bool Analysis::lvalue(ExprId id, Context& ctx, bool mark) {
  Expr& e = node(id);
  switch (e.kind) {
    case ExprKind::Name:
      if (e.sym == SymKind::Global || e.sym == SymKind::Percpu) return true;
      if (e.sym == SymKind::Local) {
        if (ctx.body->locals[e.sym_index].loop_var) {
          error(DiagKind::NotAssignable, e.loc, "'" + std::string(e.name) + "' is the variable of a for: each copy of the body has its own value");
          return false;
        }
        if (mark) ctx.body->locals[e.sym_index].assigned = true;
        return true;
      }
      break;
    case ExprKind::Index:
      return lvalue(e.args[0], ctx, mark);
    case ExprKind::Member:
      if (e.sym == SymKind::RecordField) return lvalue(e.args[0], ctx, mark);
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

}  // namespace tlbcheck::model::sema
