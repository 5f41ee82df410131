// sw-use-after-free's judgement and explanation on hand-made reads.
#include <catch2/catch.hpp>

#include "properties/sw_use_after_free.hpp"

using namespace tlbcheck::properties;

TEST_CASE("sw-use-after-free: a walker may read only frames that are page tables", "[properties]") {
  CHECK_FALSE(walker_reads_freed(FrameState::Table));
  CHECK(walker_reads_freed(FrameState::Free));
  CHECK(walker_reads_freed(FrameState::Data));  // freed and reused for data
  const StepContext where{"let pte: frame = pt_read(pmd, V, 1);", "gup_fast on cpu1", "walker.tlb:30", ""};
  CHECK(explain_walker_read(3, FrameState::Free, where) ==
        "sw-use-after-free: 'let pte: frame = pt_read(pmd, V, 1);' by gup_fast on cpu1 at walker.tlb:30 reads frame 3 as a "
        "page table, but it is free (a software walker's use after free)");
  CHECK(explain_walker_read(4, FrameState::Data, where).find("reads frame 4 as a page table, but it is no longer a page table") !=
        std::string::npos);
}
