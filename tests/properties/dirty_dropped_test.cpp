// dirty-dropped's judgement and explanations on hand-made write-backs.
#include <catch2/catch.hpp>

#include "properties/dirty_dropped.hpp"

using namespace tlbcheck::properties;

TEST_CASE("dirty-dropped: a write-back drops dirt when a CPU can store unseen and no table shows it", "[properties]") {
  CHECK(writeback_drops_dirt(/*silent store*/ true, /*tables show*/ false));
  // just outside, either way: the tables still show the entry dirty, or the CPU's next store walks them
  CHECK_FALSE(writeback_drops_dirt(true, true));
  CHECK_FALSE(writeback_drops_dirt(false, false));
}

TEST_CASE("dirty-dropped: the explanations name the write-back or the store, the CPU and the frame", "[properties]") {
  const StepContext where{"disk_write(V, page);", "kswapd on cpu0", "t.tlb:40", ""};
  CHECK(explain_dropped_dirt({2, 1, 0}, "V", where) ==
        "dirty-dropped: 'disk_write(V, page);' by kswapd on cpu0 at t.tlb:40 writes frame 2 back while cpu1's TLB holds a writable, dirty entry for V "
        "to it that no page table shows dirty: a store through it dirties the frame unseen");
  const StepContext store{"store(V, 2);", "user on cpu1", "t.tlb:30", ""};
  CHECK(explain_store_after_writeback(2, "V", store) ==
        "dirty-dropped: 'store(V, 2);' by user on cpu1 at t.tlb:30 writes frame 2 through its TLB entry for V after the frame was written back, with no "
        "page-table entry left to mark it dirty: the write is lost when the frame is dropped");
}
