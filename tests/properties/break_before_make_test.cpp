// break-before-make's explanations on hand-made breaks.
#include <catch2/catch.hpp>

#include "properties/break_before_make.hpp"

using namespace tlbcheck::properties;

TEST_CASE("break-before-make: each way of breaking it names the entry, the cache and the frames", "[properties]") {
  const StepContext where{"set_block(M, V, 2, huge);", "khugepaged on cpu0", "c.tlb:40", ""};
  BrokenBreakBeforeMake b;
  b.level = 2;
  b.new_frame = 4;
  b.new_block = true;
  b.old_frame = 1;
  CHECK(explain_break_before_make(b, "V", where) ==
        "break-before-make: 'set_block(M, V, 2, huge);' by khugepaged on cpu0 at c.tlb:40 changes the level-2 entry covering V from a "
        "table, frame 1 to a block at frame 4 while it is valid: it must be made invalid and the TLBs invalidated first");
  b.kind = BrokenBreakBeforeMake::TlbStillHolds;
  b.cpu = 1;
  b.cached_frame = 2;
  CHECK(explain_break_before_make(b, "V", where) ==
        "break-before-make: 'set_block(M, V, 2, huge);' by khugepaged on cpu0 at c.tlb:40 makes the level-2 entry covering V a block at "
        "frame 4 while cpu1's TLB still holds a translation of V to frame 2: the invalid entry was not followed by a TLB invalidation");
  b.kind = BrokenBreakBeforeMake::WalkCacheStillHolds;
  b.new_block = false;
  b.new_table = true;
  CHECK(explain_break_before_make(b, "V", where).find("makes the level-2 entry covering V a table, frame 4 while cpu1's walk cache still holds it pointing to frame 2") !=
        std::string::npos);
}
