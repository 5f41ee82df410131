// lost-write's marks and explanation on hand-made copies.
#include <catch2/catch.hpp>

#include "properties/lost_write.hpp"

using namespace tlbcheck::properties;

TEST_CASE("lost-write: a copy marks its source only while a CPU can write it and no table lets anyone", "[properties]") {
  // just inside: a CPU holds a writable entry, the tables allow no write
  CHECK(mark_after_copy(true, false) == FrameCopy::Copied);
  // just outside: the tables still allow a write (a snapshot of a live page), or no CPU can write
  CHECK(mark_after_copy(true, true) == FrameCopy::None);
  CHECK(mark_after_copy(false, false) == FrameCopy::None);
}

TEST_CASE("lost-write: the explanation names the store, the frame and the copy", "[properties]") {
  const StepContext where{"store(V, 2);", "a2 on cpu1", "t.tlb:30", ""};
  CHECK(explain_lost_write({FrameCopy::Copied, 2, 0}, "V", where) ==
        "lost-write: 'store(V, 2);' by a2 on cpu1 at t.tlb:30 writes frame 2 through its TLB entry for V after the kernel copied frame 2 elsewhere, "
        "and no page table lets anyone write it: the write is lost");
  CHECK(explain_lost_write({FrameCopy::WrittenBack, 2, 0}, "V", where).find("after the kernel wrote frame 2 to disk") != std::string::npos);
}
