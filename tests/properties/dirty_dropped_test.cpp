// dirty-dropped's mark and explanation on hand-made write-backs.
#include <catch2/catch.hpp>

#include "properties/dirty_dropped.hpp"

using namespace tlbcheck::properties;

TEST_CASE("dirty-dropped: a write-back marks the frame when a CPU can store unseen and no table shows it dirty", "[properties]") {
  CHECK(mark_after_writeback(/*silent store*/ true, /*tables show dirty*/ false) == FrameCopy::WrittenBack);
  // just outside, either way: the tables still show the frame dirty, or every CPU's next store walks them
  CHECK(mark_after_writeback(true, true) == FrameCopy::None);
  CHECK(mark_after_writeback(false, false) == FrameCopy::None);
}

TEST_CASE("dirty-dropped: the explanation names the store, the frame and the write-back", "[properties]") {
  const StepContext store{"store(V, 2);", "user on cpu1", "t.tlb:30", ""};
  CHECK(explain_store_after_writeback(2, "V", store) ==
        "dirty-dropped: 'store(V, 2);' by user on cpu1 at t.tlb:30 writes frame 2 through its TLB entry for V after the frame was written back, with no "
        "page-table entry left to mark it dirty: the write is lost when the frame is dropped");
}
