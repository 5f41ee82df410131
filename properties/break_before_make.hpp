// The `break-before-make` property (on request): a page-table entry that
// the hardware may have cached is never changed from one translation to
// another in a single write. Arm's rule (Arm ARM D8.14, "Translation table
// entry updates"; before it, "break-before-make" in v8's D4.10.1): to change
// the output address or the size of a valid entry (a block split into a
// table, pages collapsed into a block), first write an invalid entry, then
// invalidate the TLBs (TLBI + DSB), then write the new one. Otherwise two
// TLB entries for one address may coexist (a TLB conflict abort, or either
// translation used at random). x86 does not state the rule, but AMD's
// erratum 383 and Intel's "multiple TLB entries for different page sizes"
// make the kernel follow it there too when it splits huge pages.
//
// The machine judges every write that makes an entry valid (set_pte,
// set_pte_at, pt_set, set_block); this file says what broke the rule.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// What the machine reports (plain values: it travels in every step's effect).
struct BrokenBreakBeforeMake {
  enum Kind : std::uint8_t { ValidToValid, TlbStillHolds, WalkCacheStillHolds } kind = ValidToValid;
  bool old_block = false, new_block = false, new_table = false;
  bool cached_block = false;  // the cached translation came from a block
  std::int8_t level = 1;      // the entry written
  std::int16_t cpu = -1;      // TlbStillHolds, WalkCacheStillHolds: whose cache
  std::int32_t page = -1;     // a page it covers (its id; the explanation is given its name)
  std::int32_t old_frame = -1, new_frame = -1, cached_frame = -1;
};

// "break-before-make: 'set_block(M, V, 2, f);' by khugepaged on cpu0 at
// t.tlb:40 makes the level-2 entry covering V a block (frame 4) while
// cpu1's TLB still holds a translation of V to frame 2: ..."
std::string explain_break_before_make(const BrokenBreakBeforeMake& broken, const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
