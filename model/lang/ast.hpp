// The syntax tree of one protocol file. Nodes live in vectors owned by the
// Module and refer to each other by typed index; the analysis (sema/sema.cpp)
// fills in the `sema` fields of expressions in place.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/lang/source.hpp"
#include "model/lang/token.hpp"

namespace tlbcheck::model {

struct ExprId {
  std::uint32_t v = UINT32_MAX;
  bool valid() const { return v != UINT32_MAX; }
};
struct StmtId {
  std::uint32_t v = UINT32_MAX;
  bool valid() const { return v != UINT32_MAX; }
};

// ---- types ----------------------------------------------------------------

// Mm, Frame, Page and Task are the machine's objects: small integers with a
// `none` value one past the last (pages have no none). Pte is a page-table
// entry as a value (the machine's encoding, model/machine/encoding.hpp).
// Record is a `struct`: its fields' slots, one after another.
enum class TypeKind : std::uint8_t { Error, Void, Bool, Int, Enum, Cpu, Mask, Mm, Frame, Page, Task, Pte, Record };

// A scalar type with optional array dimensions (outermost first).
struct Type {
  TypeKind kind = TypeKind::Error;
  std::int64_t lo = 0, hi = 0;  // Int: the range; Cpu: 0..cpus-1
  std::uint32_t enum_id = 0;    // Enum: which enum; Record: which struct
  std::vector<std::uint32_t> dims;
  // per dimension, the enum whose values index it (`T[E]`), or -1; shorter
  // than dims where the rest are sized by numbers
  std::vector<std::int32_t> dim_enums;

  bool is_array() const { return !dims.empty(); }
  bool scalar_is(TypeKind k) const { return kind == k && dims.empty(); }
  // Several slots: an array or a struct (copied and compared slot by slot).
  bool is_aggregate() const { return !dims.empty() || kind == TypeKind::Record; }
  Type element() const {
    Type t = *this;
    t.dims.erase(t.dims.begin());
    if (!t.dim_enums.empty()) t.dim_enums.erase(t.dim_enums.begin());
    return t;
  }
};

struct TypeSyntax {
  Loc loc;
  Tok base = Tok::End;               // KwBool, KwInt, KwCpu, KwCpumask, KwEnum (inline), Ident
  std::string_view name;             // Ident: the enum's name
  ExprId lo, hi;                     // KwInt
  std::vector<std::string_view> members;  // inline enum
  std::vector<Loc> member_locs;
  std::vector<ExprId> dims;
  bool reference = false;            // `&T`: a parameter that aliases the caller's variable
};

// ---- expressions -----------------------------------------------------------

// Let: `let NAME = VALUE in BODY` (args: value, body).
enum class ExprKind : std::uint8_t { Int, Bool, Name, ThisCpu, Index, Unary, Binary, Call, Quant, Cond, Member, Let };

enum class SymKind : std::uint8_t {
  None, Const, Global, Percpu, Local, QuantVar, Enumerator, Function, Builtin,
  MmField,      // Member: a declared per-mm field (sym_index: which)
  FrameField,   // Member: a declared per-frame field (sym_index: which)
  MachineField, // Member: a built-in field of a machine object (sym_index: ObjectField)
  RecordField,  // Member: a field of a struct (sym_index: which field of the base's struct)
  LetVar,       // Name: bound by `let ... in` (sym_index: the Let expression's id)
  At,           // Call at(PROCESS, LABEL): sym_index into AnalyzedModule::at_predicates
};

struct Expr {
  ExprKind kind = ExprKind::Int;
  Loc loc;
  Tok op = Tok::End;          // Unary/Binary operator (Unary Amp: `&x`, a reference argument);
                              // Quant: KwForall/KwExists/KwCount; Member: Dot or Arrow
  std::int64_t value = 0;     // Int, Bool
  std::string_view name;      // Name, Call (callee), Quant (bound variable), Member (field)
  std::vector<ExprId> args;   // operands, index base+index, call arguments, cond c/a/b, member base
  TypeSyntax quant_type;      // Quant: the range of the bound variable

  // Filled in by the checker.
  Type type;
  SymKind sym = SymKind::None;
  std::uint32_t sym_index = 0;       // which global/local/function/builtin/quant var
  std::optional<std::int64_t> cval;  // the value, when known before exploration
};

// ---- statements ------------------------------------------------------------

enum class StmtKind : std::uint8_t {
  Let, Assign, Call, If, While, Loop, Break, Continue, Return, Atomic, Await, Assert,
  BugOn, Either, Skip, Block,
  For,     // for (NAME: TYPE) BODY: the body once per value (name, type, body)
  Choose,  // choose NAME in LO..HI; / choose NAME: TYPE; one value, any of them (name, type)
};

struct Stmt {
  StmtKind kind = StmtKind::Skip;
  Loc loc;                    // the whole statement's first token
  Tok op = Tok::Assign;       // Assign: Assign, PlusAssign, MinusAssign
  std::string_view name;      // Let
  Loc name_loc;
  bool has_type = false;
  TypeSyntax type;            // Let
  ExprId target, value;       // Assign: target = value; Let/Return/Await/Assert/If/While: value
  StmtId body, else_body;     // If/While/Loop/Atomic: body; If: else
  std::vector<StmtId> list;   // Block: statements; Either: alternatives
  std::uint32_t local = 0;    // Let, For, Choose: the local's index in its function (checker)
  std::string_view label;     // `LABEL: statement`, for at(PROCESS, LABEL)
  Loc label_loc;
};

// ---- declarations ----------------------------------------------------------

enum class DeclKind : std::uint8_t {
  Protocol, Option, Const, Enum, Machine, Var, Percpu, Invariant, Fn, Process,
  Mm,        // mm NAME;
  MmFields,  // mm { FIELD: TYPE [= INIT]; ... }
  FrameFields,  // frame { FIELD: TYPE [= INIT]; ... }
  Page,      // page NAME [at N] [kernel];
  Map,       // map MM.PAGE [readonly];
  Irq,       // irq NAME [fires N on cpu C] { ... }
  Task,      // task NAME: user(MM) | kernel on cpu C | on each cpu [sleeping] { ... }
  Hook,      // on page_fault(...) { ... }, on context_switch(...) { ... }
  PteBits,   // pte_bits { NAME, ... }: software bits of page-table entries
  SwpEntry,  // swp_entry { NAME, ... }: the types of non-present (swap) entries
  Import,    // import "PATH": another file's declarations (text: the path; the loader joins the files)
  Struct,    // struct NAME { FIELD: TYPE [= INIT]; ... } (params: the fields)
  Constraint,  // constraint [NAME:] EXPR; states that break it are checked but not expanded
  Supports,  // supports FIELD = VALUE ["why"]; / supports FIELD in LO..HI ["why"];: the machine it was written for
};

struct Param {
  std::string_view name;
  Loc loc;
  TypeSyntax type;
  ExprId init;  // MmFields, FrameFields, Struct: the initial value
};

struct MachineField {
  std::string_view name;  // may be dotted: "tlb.speculative"
  Loc loc;
  ExprId value;
};

struct Decl {
  DeclKind kind = DeclKind::Const;
  Loc loc;
  std::string_view name;
  Loc name_loc;
  bool has_type = false;
  TypeSyntax type;                  // Option/Const/Var/Percpu; Fn: return type if has_type
  ExprId value;                     // Option default, Const, Var/Percpu init, Invariant
  std::vector<ExprId> inits;        // Var/Percpu: `= { e1, e2, ... }`, one per element
  std::vector<std::string_view> members;  // Enum
  std::vector<Loc> member_locs;
  std::vector<MachineField> fields; // Machine
  std::vector<Param> params;        // Fn
  StmtId body;                      // Fn, Process
  bool each_cpu = false;            // Process: `on each cpu`
  ExprId cpu;                       // Process: `on cpu EXPR`
  std::string_view text;            // Protocol: the name without quotes; Supports: the reason
  ExprId condition;                 // Option: `if COND`, the option means something only when it holds
  Loc condition_loc;                // Option: COND's text; Supports: FIELD = VALUE / FIELD in LO..HI
  ExprId last;                      // Supports: HI of `in LO..HI` (invalid: `= VALUE`, in `value`)
  // machine declarations
  std::string_view mm;              // Map: the mm; Task: user(MM)
  Loc mm_loc;
  ExprId at;                        // Page: `at N`; Irq: `fires N`
  bool flag = false;                // Page: kernel; Map: readonly; Task: sleeping; Enum: symmetric
  bool kernel_task = false;         // Task: kernel
  bool sync = false;                // Fn: `sync`, its return declares its narrowings complete
};

struct Module {
  const SourceFile* file = nullptr;
  std::vector<Expr> exprs;
  std::vector<Stmt> stmts;
  std::vector<Decl> decls;

  Expr& at(ExprId id) { return exprs[id.v]; }
  const Expr& at(ExprId id) const { return exprs[id.v]; }
  Stmt& at(StmtId id) { return stmts[id.v]; }
  const Stmt& at(StmtId id) const { return stmts[id.v]; }
};

}  // namespace tlbcheck::model
