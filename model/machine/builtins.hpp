// The built-in functions of the language: one table (builtins.def) that the
// name and type checks, the lowering and the runtime all read, so a
// built-in's name, signature, result and purity are stated once.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "model/lang/ast.hpp"
#include "model/machine/config.hpp"

namespace tlbcheck::model {

enum class Builtin : std::uint8_t {
#define TLBCHECK_BUILTIN(id, name, result, flags, ...) id,
#include "model/machine/builtins.def"
#undef TLBCHECK_BUILTIN
};

// The kinds of argument the checks accept (model/sema/sema.cpp says what each
// admits); None pads a signature, and IpiArg stands for one of send_ipi's
// handler arguments (typed like the handler's parameter).
enum class BuiltinArg : std::uint8_t { None, Mm, Page, Frame, Bool, Value, Level, CpuOrMask, Irq, Task, IpiArg, Pte };

namespace builtin_flag {
inline constexpr std::uint16_t kMachine = 1, kNeedsCpu = 2, kPure = 4, kAccess = 8, kReadsCache = 16, kWalksSoftware = 32, kValue = 64, kWritesTables = 128,
                                kChangesEntries = 256, kInvalidates = 512, kFlushesCache = 1024;
}
inline constexpr std::size_t kMaxBuiltinArgs = 4;

struct BuiltinInfo {
  Builtin id;
  std::string_view name;
  TypeKind result;  // Void: used as a statement only
  std::uint16_t flags;
  std::array<BuiltinArg, kMaxBuiltinArgs> args;

  bool machine() const { return (flags & builtin_flag::kMachine) != 0; }
  bool needs_cpu() const { return (flags & builtin_flag::kNeedsCpu) != 0; }
  bool pure() const { return (flags & builtin_flag::kPure) != 0; }
  bool access() const { return (flags & builtin_flag::kAccess) != 0; }
  bool reads_cache() const { return (flags & builtin_flag::kReadsCache) != 0; }
  bool walks_software() const { return (flags & builtin_flag::kWalksSoftware) != 0; }
  bool writes_tables() const { return (flags & builtin_flag::kWritesTables) != 0; }  // judged by break-before-make
  bool changes_entries() const { return (flags & builtin_flag::kChangesEntries) != 0; }  // stale-permission's record
  bool value() const { return (flags & builtin_flag::kValue) != 0; }
  bool has_result() const { return result != TypeKind::Void; }
  std::uint32_t arity() const {
    std::uint32_t n = 0;
    while (n < args.size() && args[n] != BuiltinArg::None) ++n;
    return n;
  }
};

namespace builtin_detail {
using enum BuiltinArg;
using namespace builtin_flag;
inline constexpr BuiltinInfo kTable[] = {
#define TLBCHECK_BUILTIN(id, name, result, flags, ...) {Builtin::id, name, TypeKind::result, flags, {__VA_ARGS__}},
#include "model/machine/builtins.def"
#undef TLBCHECK_BUILTIN
};
}  // namespace builtin_detail

inline const BuiltinInfo& builtin_info(Builtin b) { return builtin_detail::kTable[std::size_t(b)]; }

// The kernel's cpumask helpers (include/linux/cpumask.h), which are the
// bit operations on a cpumask with the same arguments in the same order.
inline constexpr std::pair<std::string_view, std::string_view> kBuiltinAliases[] = {
    {"cpumask_set_cpu", "set_bit"},
    {"cpumask_clear_cpu", "clear_bit"},
    {"cpumask_test_cpu", "test_bit"},
    {"cpumask_test_and_set_cpu", "test_and_set_bit"},
    {"cpumask_test_and_clear_cpu", "test_and_clear_bit"},
};

// The built-in called `name`, if there is one; with `arity`, the one of
// that name taking that many arguments if there is one (else the first).
inline std::optional<Builtin> builtin_named(std::string_view name, std::optional<std::size_t> arity = std::nullopt) {
  for (const auto& [alias, builtin] : kBuiltinAliases) {
    if (name == alias) name = builtin;
  }
  std::optional<Builtin> first;
  for (const BuiltinInfo& info : builtin_detail::kTable) {
    if (info.name != name) continue;
    if (!first) first = info.id;
    if (arity && info.arity() == *arity) return info.id;
  }
  return first;
}

// Whether a built-in touches the machine's shared state: a statement that
// uses one is a step of its own.
inline bool builtin_is_machine(Builtin b) { return builtin_info(b).machine() && !builtin_info(b).value(); }

// The values a built-in with an Int result can return on a machine of
// this configuration, with `pages` pages and `mms` address spaces
// (builtins.cpp).
struct IntRange {
  std::int64_t lo = 0, hi = 0;
};
IntRange int_result(Builtin b, const machine::Config& config, int pages, int mms);

}  // namespace tlbcheck::model
