// The name and type analysis (sema), as passes over one shared state:
//   declarations.cpp  pass 1: names, enums, options, constants, the machine block
//   options.cpp       the -D values: parsing, checking, unused ones
//   values.cpp        pass 2: types and initial values of globals, placement
//                     of processes and tasks, the machine's fields, constant
//                     expressions
//   statements.cpp    pass 3: function, process, handler and invariant bodies
//   expressions.cpp   expressions: names, operators, calls, the machine's built-ins
//   recursion.cpp     a cycle in the call graph is an error (Boost.Graph)
// analysis.cpp runs them in order. Internal to model/sema/: the rest of
// tlbcheck sees sema.hpp.
#pragma once

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/sema/sema.hpp"

namespace tlbcheck::model::sema {

inline constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();
inline constexpr std::uint32_t kMaxArray = 4096;
inline constexpr std::int64_t kMaxQuantRange = 1024;

inline std::int64_t clamp_int(std::int64_t v) { return std::clamp(v, kIntMin, kIntMax); }

inline Type make(TypeKind k, std::int64_t lo = 0, std::int64_t hi = 0) {
  Type t;
  t.kind = k;
  t.lo = lo;
  t.hi = hi;
  return t;
}

inline bool int_like(const Type& t) { return t.dims.empty() && (t.kind == TypeKind::Int || t.kind == TypeKind::Cpu); }

// Edit distance, for "did you mean" hints.
std::size_t distance(std::string_view a, std::string_view b);

// The // comment on the lines directly above the declaration at `offset`
// and after it on its own line, joined, without the slashes ("": none).
std::string declaration_comment(std::string_view text, std::uint32_t offset);

// Where an expression stands: a call of a function or an access (which
// may fault) must stand alone, as a statement or as the whole value of a
// let, an assignment or a return.
enum class Standing : std::uint8_t { Nested, Value, Statement };

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
  struct LetBinding {
    std::string_view name;
    std::uint32_t expr;  // the Let expression
    Type type;
  };
  std::vector<LetBinding> lets;  // `let NAME = VALUE in ...` around the expression
  const Decl* owner = nullptr;   // the declaration whose body this is (labels belong to it)
};

class Analysis {
 public:
  Analysis(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags);

  AnalyzedModule run();

 private:
  Module& module() { return out_.module; }
  Expr& node(ExprId id) { return out_.module.at(id); }
  Stmt& node(StmtId id) { return out_.module.at(id); }

  void error(DiagKind k, Loc loc, std::string msg) { diags_.error(k, file_, loc, std::move(msg)); }
  std::string type_text(const Type& t) const { return type_name(t, out_.enums, &out_.records); }

  // ---- pass 1: names, enums, options, constants, machine --------------------
  void declare(std::string_view name, Loc loc, Symbol sym);

  Type mm_type() const { return make(TypeKind::Mm, -1, 0); }

  std::uint32_t add_const(const Type& t, std::int64_t value);

  void declare_builtin_const(std::string_view name, const Type& t, std::int64_t value);

  std::uint32_t add_enum(std::string name, const std::vector<std::string_view>& members, const std::vector<Loc>& locs);

  void declare_all();

  void machine(Decl& d);

  void set_field(const machine::FieldSpec& spec, std::int64_t v);

  // After the declarations: -D overrides of machine fields, and the option list.
  void finish_machine();

  // ---- settings that do not fit (settings.cpp) -------------------------------
  // An option's `if COND`: a -D giving it another value than its default
  // while COND is false is an error.
  void option_condition(const Decl& d, OptionInfo& option, std::int64_t declared);
  void declare_supports(const Decl& d);
  // After the bodies (which tell whether the protocol uses the machine):
  // machine fields that mean nothing here, and the supports declarations.
  void check_machine_dependencies();
  void check_supports();
  // The -D that sets `name` (dcache for dcache.colours), the last one; -1: none.
  int define_index(std::string_view name) const;
  // Where a machine field got its value: its -D, else its line in the machine block.
  void note_setting(std::string_view field);

  // ---- -D handling ----------------------------------------------------------
  Loc define_value_loc(std::size_t i) const;

  std::optional<std::int64_t> take_define(const std::string& name, const Type& t);

  void report_unused_defines();

  static bool in_range(const Type& t, std::int64_t v);

  std::string show_value(const Type& t, std::int64_t v) const;

  // ---- pass 2: types and initial values of globals --------------------------
  void evaluate_globals();
  bool boot_read(ExprId id);

  // The CPUs a process or task runs on: `on each cpu`, `on cpu N`, or
  // `on cpus LO..HI` (every CPU of the range; none when it is empty).
  bool placement(const Decl& d, std::vector<int>& cpus);

  // Tasks get ids in declaration order (one per CPU for `on each cpu`) and
  // become names of type task.
  void number_tasks();

  void evaluate_machine();

  std::int64_t default_value(const Type& t) const;

  Type resolve_type(const TypeSyntax& ts, const std::string& owner);

  // A struct's fields, offsets and initial values; false if it cannot be
  // laid out (an unknown type, or it contains itself).
  bool resolve_record(std::uint32_t id);

  // Whether a value of `value` can be copied into `target` whole (two
  // arrays of the same shape, or two records of one struct).
  bool same_shape(const Type& target, const Type& value) const;

  // An argument for a reference parameter: `&lvalue`, or a reference
  // parameter passed on.
  bool reference_argument(ExprId arg, const Type& param, const std::string& what, Context& ctx);

  std::optional<std::int64_t> const_int(ExprId id, Context& ctx);

  // ---- pass 3: bodies ---------------------------------------------------------
  void check_bodies();

  std::uint32_t declare_local(Context& ctx, std::string_view name, Loc loc, const Type& t);

  void check_block(StmtId id, Context& ctx);

  // A call of a user function may only stand alone: as a statement or as the
  // whole right-hand side of a let, an assignment or a return.
  Type check_value(ExprId value, Context& ctx, const Type* expected);

  void check_stmt(StmtId id, Context& ctx);

  void expect_bool(ExprId id, Context& ctx, const char* what);

  // Can `value_type` be stored into `target`? Integers are checked against
  // the target's range at run time (a violation, not a wrap-around).
  bool assignable(const Type& target, const Type& value, ExprId value_expr, const std::string& what);

  bool lvalue(ExprId id, Context& ctx, bool mark);

  // ---- expressions -------------------------------------------------------------

  Type fail_expr(Expr& e);

  Type check_expr(ExprId id, Context& ctx, const Type* expected, Standing standing = Standing::Nested);

  Type check_expr_inner(Expr& e, Context& ctx, const Type* expected, Standing standing);

  Type mismatch(Expr& e, const std::string& what, const Type& found);

  Type check_name(Expr& e, Context& ctx, const Type* expected);

  Type enumerator(Expr& e, std::uint32_t enum_id, std::uint32_t member);

  Type check_binary(Expr& e, Context& ctx);

  Type check_call(Expr& e, Context& ctx, Standing standing);

  // The machine's built-ins, checked from their rows of the built-ins table
  // (model/machine/builtins.def); send_ipi takes its handler's arguments too.
  using Arg = BuiltinArg;
  struct Signature {
    std::vector<Arg> args;
    TypeKind result;     // Void: a statement
    bool needs_cpu;      // runs on "this CPU"
    bool pure;           // reads only: allowed in invariants
  };
  static Signature signature(Builtin b);

  Type check_machine_call(Expr& e, Context& ctx, Builtin b, Standing standing);

  Type param_of_irq(std::uint32_t irq, std::size_t i, const Param& p);

  Type param_type(std::uint32_t fn, std::size_t i);

  Type result_type(std::uint32_t fn);

  // ---- functions called inside expressions, at() ---------------------------------
  // A function called inside an expression (or an invariant) is inlined as
  // an expression: its body may only name values (`let`), choose (`if`) and
  // `return`, and read state. Checked once every body is.
  struct ExpressionCall {
    std::uint32_t fn;
    Loc loc;
    bool in_invariant;
  };
  std::vector<ExpressionCall> expression_calls_;
  // Whether `fn`'s body is of that form; `why` says what is not.
  bool expression_function(std::uint32_t fn, bool in_invariant, std::string& why, int depth = 0);
  bool pure_expression(ExprId id, bool in_invariant, std::string& why, int depth);
  bool pure_statements(const std::vector<StmtId>& list, bool in_invariant, std::string& why, int depth);
  void check_expression_calls();

  Type check_at(Expr& e, Context& ctx);
  void resolve_at_predicates();
  // a small scalar type a variable can take every value of (for, choose, quantifiers)
  bool enumerable(const Type& t) const { return !t.is_aggregate() && t.kind != TypeKind::Mask && t.kind != TypeKind::Error && t.hi - t.lo + 1 <= kMaxQuantRange; }

  // ---- recursion: a cycle in the call graph is an error ------------------------
  void check_recursion();

  // ---- CPU symmetry: what tells CPUs apart (symmetry.cpp) ---------------------
  void find_cpu_symmetry_facts();
  void find_value_symmetry_facts();
  // an integer stored, passed or compared as a cpu (true), or a cpu used as an integer (false)
  std::vector<std::pair<ExprId, bool>> cpu_conversions_;

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
  std::map<std::string_view, std::uint32_t> types_;    // enums
  std::map<std::string_view, std::uint32_t> records_;  // structs
  bool allow_reference_ = false;  // resolving a function's parameter: `&T` is allowed
  std::map<std::string_view, std::vector<std::pair<std::uint32_t, std::uint32_t>>> enumerators_;
  std::vector<std::pair<Type, std::int64_t>> const_values_;
  std::set<std::string_view> process_names_, invariant_names_;
  std::vector<bool> used_define_;
  std::vector<Call> calls_;
  std::map<std::pair<std::uint32_t, std::size_t>, Type> param_cache_;
  bool machine_seen_ = false;
  Loc machine_loc_{0, 1};  // the machine block, for errors about its fields together
  bool mm_fields_seen_ = false;
  const Decl* mm_fields_decl_ = nullptr;
  const Decl* frame_fields_decl_ = nullptr;
  // The fields of `mm { ... }` or `frame { ... }` (`what`), with their initial values.
  void evaluate_fields(const Decl& d, std::string_view what, std::vector<MmFieldInfo>& out);
  std::set<std::string> machine_set_;
  std::map<std::string, Loc> machine_field_locs_;  // each field the machine block sets
  std::map<std::string_view, std::uint32_t> irq_index_;
  std::vector<const Decl*> task_decls_;
  std::vector<ProcessInfo> pending_tasks_;
};

}  // namespace tlbcheck::model::sema
