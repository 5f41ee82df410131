// stale-translation's judgement and explanation on hand-made reports, no
// front end or machine involved.
#include <catch2/catch.hpp>

#include "properties/stale_translation.hpp"

using namespace tlbcheck::properties;

TEST_CASE("stale-translation: a walk needs a loaded root and tables all the way", "[properties]") {
  CHECK(judge_root(-1, FrameState::Free) == StaleTranslation::NoRoot);
  CHECK(judge_root(3, FrameState::Table) == StaleTranslation::None);
  CHECK(judge_root(3, FrameState::Free) == StaleTranslation::RootNotTable);
  CHECK(judge_root(3, FrameState::Data) == StaleTranslation::RootNotTable);
  CHECK(judge_table(FrameState::Table) == StaleTranslation::None);
  CHECK(judge_table(FrameState::Free) == StaleTranslation::WalkNotTable);
  CHECK(judge_table(FrameState::Data) == StaleTranslation::WalkNotTable);
}

TEST_CASE("stale-translation: the frame an access reaches", "[properties]") {
  Reached r;
  r.state = FrameState::Data;
  r.owners = 0b100;  // mm 2's
  r.space = 2;
  r.maps = 1;
  CHECK(judge_frame(r) == StaleTranslation::None);
  r.space = 1;  // another address space's frame
  CHECK(judge_frame(r) == StaleTranslation::ForeignFrame);
  r.owners = 0b101;  // the kernel's (mm 0) is everybody's
  CHECK(judge_frame(r) == StaleTranslation::None);
  r.space = -1;  // no address space known: nothing to compare
  r.owners = 0b100;
  CHECK(judge_frame(r) == StaleTranslation::None);
  r.space = 2;
  r.maps = 2;  // shared copy-on-write: reading is fine, writing is not
  CHECK(judge_frame(r) == StaleTranslation::None);
  r.write = true;
  CHECK(judge_frame(r) == StaleTranslation::CowWrite);
  r.maps = 1;
  CHECK(judge_frame(r) == StaleTranslation::None);
  r.state = FrameState::Free;
  CHECK(judge_frame(r) == StaleTranslation::FrameFree);
  r.state = FrameState::Table;
  CHECK(judge_frame(r) == StaleTranslation::FrameIsTable);
}

TEST_CASE("stale-translation: each finding explained, naming the frame", "[properties]") {
  StaleUse use;
  use.frame = 1;
  use.why = StaleTranslation::FrameFree;
  CHECK(explain(use) == "the translation leads to frame 1, which is free");
  use.why = StaleTranslation::FrameIsTable;
  CHECK(explain(use) == "the translation leads to frame 1, which was reused as a page table");
  use.why = StaleTranslation::WalkNotTable;
  CHECK(explain(use) == "the page walk went through frame 1, which is no longer a page table (a stale walk-cache entry or root)");
  use.why = StaleTranslation::RootNotTable;
  CHECK(explain(use) == "the loaded root (cr3) is frame 1, which is no longer a page table");
  use.why = StaleTranslation::NoRoot;
  CHECK(explain(use) == "no page table is loaded (cr3 is none)");
  use.why = StaleTranslation::CowWrite;
  use.maps = 2;
  CHECK(explain(use) == "a write through a writable translation reaches frame 1, which is mapped 2 times (copy-on-write)");
  use.why = StaleTranslation::ForeignFrame;
  CHECK(explain(use) == "the translation leads to frame 1, which belongs to another address space (none: it was freed and allocated again)");
  use.owners = {"A", "B"};
  use.task_space = true;
  CHECK(explain(use) == "the translation leads to frame 1, which belongs to another address space (A, B), not to the running task's address space");
  use.task_space = false;
  StepContext where{"touch(V);", "b on cpu1", "t.tlb:26", ""};
  CHECK(explain_access(use, "V", where) ==
        "stale-translation: 'touch(V);' by b on cpu1 at t.tlb:26 uses page V: the translation leads to frame 1, which belongs to another address space (A, B), "
        "not to the loaded root's address space");
  use.why = StaleTranslation::WalkNotTable;
  CHECK(explain_speculation(use, "V", 1) ==
        "stale-translation: a speculative walk of page V by cpu1: the page walk went through frame 1, which is no longer a page table (a stale walk-cache entry or root)");
}
