// Name and type checking. Resolves every name, computes every expression's
// type (and its value when it is known before exploration), evaluates
// options (with the -D overrides), constants and the machine block, numbers
// the locals of every function and process, and rejects recursion.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/lang/ast.hpp"
#include "model/lang/diagnostics.hpp"
#include "model/machine/builtins.hpp"
#include "model/machine/config.hpp"

namespace tlbcheck::model {

inline constexpr int kMaxCpus = 32;

struct EnumInfo {
  std::string name;
  std::vector<std::string> members;
  bool symmetric = false;  // `symmetric enum`: its values are interchangeable where the text names none
};

// struct NAME { FIELD: TYPE [= INIT]; ... }: its fields lie one after
// another, each `offset` slots from the record's first.
struct RecordField {
  std::string_view name;
  Type type;
  std::int64_t init = 0;   // the initial value of each of the field's scalars (a struct field: its own fields')
  std::uint32_t offset = 0;
  Loc loc;
};

struct RecordInfo {
  std::string name;
  std::vector<RecordField> fields;
  std::uint32_t slots = 0;  // the scalars of one record, nested structs and arrays flattened
  Loc loc;
  const Decl* decl = nullptr;
  enum class State : std::uint8_t { Declared, Resolving, Resolved } state = State::Declared;
};

// One scalar of a variable: its path below the variable (".start",
// "[1].fullmm"), its type and its initial value.
struct Leaf {
  std::string path;
  Type type;
  std::int64_t init = 0;
};

struct GlobalInfo {
  std::string_view name;
  Type type;
  bool percpu = false;
  std::int64_t init = 0;  // every element starts with this value ...
  std::vector<std::int64_t> inits;  // ... unless each has its own (`= { ... }`, flattened)
  ExprId boot_init;  // or a machine read of the booted machine, `= pte_frame(M, V)` (evaluated after boot)
  Loc loc;
};

struct LocalInfo {
  std::string_view name;
  Type type;
  Loc loc;
  bool assigned = false;  // written after its declaration (parameters: ever)
  bool reference = false; // a parameter `NAME: &TYPE`: it aliases the caller's variable
  bool loop_var = false;  // the variable of a `for`: a constant in each copy of the body
  bool named = false;     // its name appears in the body (a parameter that is never named needs no slot)
};

// A function or process body: its locals (parameters first).
struct BodyInfo {
  const Decl* decl = nullptr;
  std::vector<LocalInfo> locals;
  std::uint32_t params = 0;
  bool has_result = false;
  Type result;
};

struct ProcessInfo {
  BodyInfo body;
  std::vector<int> cpus;  // one instance per CPU listed
  // a task: scheduled on its CPU, with an mm (user) or none (kernel)
  bool task = false;
  int mm = -1;
  bool sleeping = false;  // starts asleep until wake_up()
  int first_task_id = 0;  // task ids of its instances: first_task_id + index in cpus
};

struct MmInfo {
  std::string name;  // index 0 is init_mm, the kernel's reference tables
  Loc loc;
  std::vector<std::pair<std::size_t, std::int64_t>> field_inits;  // (field, value) of `mm A = { .field = value }`
};

struct MmFieldInfo {
  std::string_view name;
  Type type;
  std::int64_t init = 0;
  Loc loc;
};

struct PageInfo {
  std::string name;
  std::int64_t index = 0;  // the virtual page number: selects the entry at each level
  bool kernel = false;
  Loc loc;
};

struct MapInfo {  // a mapping present at boot
  std::uint32_t mm = 0, page = 0;
  bool writable = true;
  Loc loc;
};

struct IrqInfo {
  BodyInfo body;
  bool device = false;    // fires by itself (a bounded number of times) on `cpu`
  std::int64_t fires = 0;
  int cpu = 0;
};

// at(PROCESS, LABEL[, CPU]): the process's next step begins inside the
// labelled statement, or inside a call of the named function.
struct AtPredicate {
  const Decl* process = nullptr;       // a process or task declaration
  std::string_view target;             // the label or the function
  std::vector<StmtId> labelled;        // the statements with that label in any body
  int function = -1;                   // or the function
  ExprId cpu;                          // the instance on that CPU; invalid: any instance
};

// A statement label, `LABEL: statement`.
struct LabelInfo {
  std::string_view name;
  StmtId stmt;
  const Decl* owner = nullptr;  // the function, process, task or handler it is in
};

struct InvariantInfo {
  std::string_view name;
  ExprId expr;
  Loc loc;
  bool on_request = false;  // checked only when selected with --property
};

struct OptionInfo {
  std::string name;
  Type type;
  std::int64_t value = 0;
  std::string shown;  // the value as people write it ("upstream", "3", "true")
  // declared options (`option NAME: TYPE = DEFAULT [if COND]`); machine fields leave them empty
  std::string default_shown;  // DEFAULT as people write it
  std::string condition;      // COND: the option means something only when it holds ("": always)
  std::string comment;        // the // comment above or beside the declaration, without the slashes
  bool machine = false;       // a machine field, not a declared option
};

// supports FIELD = VALUE ["why"]; / supports FIELD in LO..HI ["why"];: the
// machine settings the protocol was written for. A run outside them is
// warned about (DiagKind::Unsupported) and says so in its report.
struct SupportInfo {
  std::string field;           // a machine field's name
  std::int64_t lo = 0, hi = 0;  // the values it supports
  std::string text;            // as declared: "tlb.pcid = false"
  std::string reason;          // "" when it gives none
  Loc loc;
  bool holds = true;           // this run's value is one of them
  std::string found;           // this run's setting: "tlb.pcid=true"
};

// A command-line definition -D NAME=VALUE, kept as a tiny source file so a
// bad value gets the usual caret diagnostic.
struct Define {
  std::string name;
  std::string value;
};

// What the protocol's text says about telling CPUs apart (sema/symmetry.cpp),
// for CPU symmetry reduction: CPUs the lowering finds running the same
// code, and that no constant names, are interchangeable.
struct CpuSymmetryFacts {
  std::vector<bool> named;  // per CPU: a constant names it (`c == 0`, `per_cpu(x, 1)`, `on cpu 0` of a device irq)
  std::vector<std::string> named_why;  // per CPU: the first place that names it ("line 12: 'owner == 0'"), "" if none
  std::string broken;       // non-empty: the text tells CPUs apart in a way no renaming follows; where and how
  std::vector<std::uint32_t> cpu_indexed;  // globals whose first dimension is indexed by cpus (elements follow their CPU)
};

// What tells the values of a `symmetric enum` apart (sema/symmetry.cpp),
// for value symmetry reduction (lower/symmetry.cpp).
struct ValueSymmetryFacts {
  std::uint32_t enum_id = 0;
  std::vector<std::string> named_why;  // per value: the first place that names it, "" if none
  std::string broken;                  // non-empty: the text tells every value apart; where and how
  std::vector<std::uint32_t> indexed;  // globals whose first dimension the enum's values index
};

struct AnalyzedModule {
  Module module;
  std::string protocol;  // from `protocol "..."`, else the file name
  int cpus = 1;
  std::vector<EnumInfo> enums;
  std::vector<RecordInfo> records;   // the structs, indexed by Type::enum_id of a Record
  std::vector<GlobalInfo> globals;
  std::vector<BodyInfo> functions;   // indexed like Expr::sym_index for SymKind::Function
  std::vector<ProcessInfo> processes;
  std::vector<InvariantInfo> invariants;
  std::vector<InvariantInfo> constraints;   // constraint [NAME:] EXPR: states that break one are not expanded
  std::vector<AtPredicate> at_predicates;
  std::vector<LabelInfo> labels;
  std::vector<OptionInfo> options;   // options and machine fields, in declaration order
  std::vector<SupportInfo> supports;
  machine::Config machine;
  std::vector<MmInfo> mms;           // [0] = init_mm
  std::vector<MmFieldInfo> mm_fields;
  std::vector<MmFieldInfo> frame_fields;  // frame { ... }: every frame's (reset when it is freed)
  std::vector<PageInfo> pages;
  std::vector<MapInfo> maps;
  std::vector<IrqInfo> irqs;
  int page_fault_hook = -1;          // index into functions, or -1
  int context_switch_hook = -1;      // index into functions, or -1
  int tasks = 0;                     // task instances (ids 0..tasks-1)
  std::vector<std::string> task_names;
  std::vector<int> task_cpu;
  bool uses_machine = false;         // any page, map, irq or machine built-in
  CpuSymmetryFacts symmetry;
  std::vector<ValueSymmetryFacts> value_symmetry;  // one per symmetric enum

  // The scalars a value of type `t` occupies: one per array element and
  // struct field, nested ones flattened, in the order of their slots.
  std::uint32_t slots_of(const Type& t) const;
  // Each of those scalars; the ones outside any struct start as `init`,
  // a struct's fields as the struct declares.
  std::vector<Leaf> leaves(const Type& t, std::int64_t init) const;
};

// Built-in fields of machine objects (SymKind::MachineField).
enum class ObjectField : std::uint8_t { MmPgd, TaskMm, TaskActiveMm };

// `defines_file` must outlive the diagnostics (it holds the -D text).
AnalyzedModule analyze(Module module, const std::vector<Define>& defines,
                    const SourceFile& defines_file, Diagnostics& diags);

// The text a SourceFile for the defines holds: one "-D NAME=VALUE" per line.
std::string defines_text(const std::vector<Define>& defines);

std::string type_name(const Type& t, const std::vector<EnumInfo>& enums, const std::vector<RecordInfo>* records = nullptr);

}  // namespace tlbcheck::model
