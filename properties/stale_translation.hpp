// The `stale-translation` property: no access or page walk goes through a
// translation (the loaded root, a walk-cache entry, a table entry, a TLB
// entry) to a frame that is free, reused, or another address space's, and
// no write reaches a frame mapped copy-on-write.
//
// The machine (model/machine/) reports each use of a translation where the
// hardware makes it: the root a walk starts from, each table frame a walk
// goes through, the frame an access reaches. The judge_* functions decide;
// explain() says why in words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// What a physical frame holds, as the machine reports it.
enum class FrameState : std::uint8_t { Free, Data, Table };

// Why a use of a translation is stale (None: it is not).
enum class StaleTranslation : std::uint8_t {
  None,
  NoRoot,        // no page table is loaded
  RootNotTable,  // the loaded root is free or reused
  WalkNotTable,  // a walk (through a walk-cache entry or a table) reached a frame that is no table
  FrameFree,     // the translation leads to a free frame
  FrameIsTable,  // ... to a frame reused as a page table
  ForeignFrame,  // ... to another address space's frame
  CowWrite,      // a write through a writable translation to a frame mapped more than once
};

// A walk starts at the loaded root (-1: none is loaded) ...
StaleTranslation judge_root(std::int64_t root, FrameState root_state);
// ... and goes through table frames, from the root, a walk-cache entry or a
// table entry.
StaleTranslation judge_table(FrameState state);

// The frame an access reaches through its translation.
struct Reached {
  FrameState state = FrameState::Data;
  std::uint64_t owners = 0;  // the address spaces that mapped it since it was allocated (bit m: mm m; mm 0 is the kernel's)
  std::int64_t space = -1;   // the address space the access belongs to (-1: none known)
  bool write = false;
  std::int64_t maps = 0;     // how many page-table entries map it now
};
StaleTranslation judge_frame(const Reached& reached);

// What the explanation names: the frame and, for a foreign frame, whose it
// is (empty: nobody's, it was freed and allocated again).
struct StaleUse {
  StaleTranslation why = StaleTranslation::None;
  std::int64_t frame = -1;
  std::int64_t maps = 0;                 // CowWrite
  std::vector<std::string> owners;       // ForeignFrame
  bool task_space = false;               // ForeignFrame: the access was the running task's (else the loaded root's)
};

// "the translation leads to frame 1, which is free"
std::string explain(const StaleUse& use);
// "stale-translation: 'touch(V);' by b on cpu1 at t.tlb:26 uses page V: ..."
std::string explain_access(const StaleUse& use, const std::string& page, const StepContext& where);
// "stale-translation: a speculative walk of page V by cpu1: ..."
std::string explain_speculation(const StaleUse& use, const std::string& page, int cpu);

}  // namespace tlbcheck::properties
