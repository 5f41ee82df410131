// The catalogue of built-in properties: what each one means and whether it
// can be turned off. The machine (model/) checks them where the relevant
// step happens and records a violation in the state it produces; the
// explorer reports deadlocks. A protocol's own `invariant`s follow the
// built-in ones.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tlbcheck::properties {

enum class BuiltinProperty : std::uint8_t { Assertion, RuntimeError, Deadlock, StaleTranslation, StaleCache };

struct Entry {
  BuiltinProperty id;
  std::string_view name;
  std::string_view meaning;
  bool can_disable;
};

// In the order of their PropertyId: builtin i has PropertyId{i}.
std::span<const Entry> builtin_properties();

inline constexpr std::uint32_t kFirstInvariant = 5;

}  // namespace tlbcheck::properties
