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

#include "model/ast.hpp"
#include "model/diagnostics.hpp"

namespace tlbcheck::model {

inline constexpr int kMaxCpus = 32;

enum class Builtin : std::uint8_t {
  PerCpu, TestBit, CpumaskOf, CpumaskEmpty, CpumaskWeight, TestAndSetBit, TestAndClearBit,
  SetBit, ClearBit, Bug,
};

struct EnumInfo {
  std::string name;
  std::vector<std::string> members;
};

struct GlobalInfo {
  std::string_view name;
  Type type;
  bool percpu = false;
  std::int64_t init = 0;  // every element starts with this value
  Loc loc;
};

struct LocalInfo {
  std::string_view name;
  Type type;
  Loc loc;
  bool assigned = false;  // written after its declaration (parameters: ever)
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
};

struct InvariantInfo {
  std::string_view name;
  ExprId expr;
  Loc loc;
};

struct OptionInfo {
  std::string name;
  Type type;
  std::int64_t value = 0;
  std::string shown;  // the value as people write it ("upstream", "3", "true")
};

// A command-line definition -D NAME=VALUE, kept as a tiny source file so a
// bad value gets the usual caret diagnostic.
struct Define {
  std::string name;
  std::string value;
};

struct CheckedModule {
  Module module;
  std::string protocol;  // from `protocol "..."`, else the file name
  int cpus = 1;
  std::vector<EnumInfo> enums;
  std::vector<GlobalInfo> globals;
  std::vector<BodyInfo> functions;   // indexed like Expr::sym_index for SymKind::Function
  std::vector<ProcessInfo> processes;
  std::vector<InvariantInfo> invariants;
  std::vector<OptionInfo> options;   // options and machine fields, in declaration order
};

// `defines_file` must outlive the diagnostics (it holds the -D text).
CheckedModule check(Module module, const std::vector<Define>& defines,
                    const SourceFile& defines_file, Diagnostics& diags);

// The text a SourceFile for the defines holds: one "-D NAME=VALUE" per line.
std::string defines_text(const std::vector<Define>& defines);

std::string type_name(const Type& t, const std::vector<EnumInfo>& enums);

}  // namespace tlbcheck::model
