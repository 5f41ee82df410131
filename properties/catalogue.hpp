// The catalogue of built-in properties: their ids, names, meanings and
// whether each can be turned off. Each property has a file of its own with
// its judgement (where the language or the machine needs one) and its
// explanation in one sentence:
//   assertion.hpp          assert, BUG_ON, BUG
//   runtime_error.hpp      indexes, division, CPU numbers, runaway steps, machine errors
//   deadlock.hpp           no process can move (the explorer finds the states; the
//                          System names the property: checker::System::deadlock_property)
//   stale_translation.hpp  the uses of roots, walk caches, tables and TLB entries
//   stale_cache.hpp        reads through a virtually indexed cache
//   freed_root.hpp         no CPU keeps a freed page table loaded (on request)
//   sw_use_after_free.hpp  a software page-table walker reads no freed table
//   break_before_make.hpp  no entry goes from one translation to another in one write (on request)
//   asid_alias.hpp         no CPU runs an mm under an ASID that still translates for another
//   stale_permission.hpp   no access uses more than the tables grant once a `sync` function returned
//   lost_write.hpp         no write lands in a frame the kernel copied when no table let it be written
//   dirty_dropped.hpp      no write-back while a CPU can dirty the page unseen
//   model_bound.hpp        no value leaves its declared range (an error of the model: exit 2)
//   invariant.hpp          a protocol's own invariants, which follow the built-in ones
// The machine (model/machine/) reports what happened where the hardware
// does it; a step that breaks a property records the violation in the
// state it produces, so checker::System::check() is the one place verdicts
// come from. The files here include nothing of model/ or checker/.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tlbcheck::properties {

enum class BuiltinProperty : std::uint8_t { Assertion, RuntimeError, Deadlock, StaleTranslation, StaleCache, FreedRoot, SwUseAfterFree, BreakBeforeMake, AsidAlias, StalePermission, LostWrite, DirtyDropped, ModelBound };

struct Entry {
  BuiltinProperty id;
  std::string_view name;
  std::string_view meaning;
  bool can_disable;
  bool by_default = true;  // checked unless turned off; else only on request (--property +NAME)
  // A violation is the model's fault, not the protocol's: reported as an
  // error of the input (exit 2), not as a finding (model-bound).
  bool model_error = false;
};

// In the order of their PropertyId: builtin i has PropertyId{i}.
std::span<const Entry> builtin_properties();

inline constexpr std::uint32_t kFirstInvariant = 13;

}  // namespace tlbcheck::properties
