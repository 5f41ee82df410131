// freed-root's judgement and explanation on hand-made roots.
#include <catch2/catch.hpp>

#include "properties/freed_root.hpp"

using namespace tlbcheck::properties;

TEST_CASE("freed-root: a loaded root must still be a page table", "[properties]") {
  CHECK_FALSE(root_was_freed(-1, FrameState::Free));  // no root loaded
  CHECK_FALSE(root_was_freed(2, FrameState::Table));
  CHECK(root_was_freed(2, FrameState::Free));
  CHECK(root_was_freed(2, FrameState::Data));  // freed and reused
  CHECK(explain_freed_root(1, 2, FrameState::Free) ==
        "cpu1's loaded root (cr3) is frame 2, which is free: a page table was freed while a CPU still had it loaded");
  CHECK(explain_freed_root(0, 3, FrameState::Data) ==
        "cpu0's loaded root (cr3) is frame 3, which is no longer a page table: a page table was freed while a CPU still had it loaded");
}
