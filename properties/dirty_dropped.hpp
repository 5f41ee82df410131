// The `dirty-dropped` property: the kernel never treats a page as clean
// (writes it back: disk_write) while a CPU can still dirty it unseen, and
// no write lands in a frame after its last write-back with no mapping left
// to mark it dirty. The kernel learns that a page was written from the
// dirty bit of a page-table entry (ptep_get_and_clear, page_mkclean); a
// CPU whose TLB entry is writable and already dirty stores through it
// without a walk, so once that entry's page-table entry is cleaned or gone
// its stores reach the frame with nothing to tell the kernel, and they
// are lost when the clean page is dropped.
//
// Judged at each write-back (disk_write(p, f)): a violation if some CPU's
// TLB holds an entry to f that it can store through without a walk
// (writable and dirty; every writable entry when the machine has no dirty
// bits) while no page table maps that page to f with the dirty bit set
// (writable, without dirty bits). And at a store into a frame marked
// written back (see lost_write.hpp).
//
// Not a violation: a write-back while the entry is still dirty in the
// tables (the kernel will see it and write again), or while a CPU holds a
// clean writable entry (its first store walks the tables and sets the
// dirty bit there, or faults).
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// Whether a write-back drops dirt: a TLB entry lets a CPU store without a
// walk (`silent_store`: writable, and dirty or no dirty bits) and no page
// table shows such a store (`tables_show`: an entry for the page to the
// frame, dirty, or writable without dirty bits).
bool writeback_drops_dirt(bool silent_store, bool tables_show);

// What the machine reports of a write-back that drops dirt.
struct DroppedDirt {
  std::int32_t frame = -1;
  std::int16_t cpu = -1;   // whose TLB entry
  std::int32_t page = -1;  // the entry's page (its id)
};

// "dirty-dropped: 'disk_write(V, page);' by kswapd on cpu0 at t.tlb:40
// writes frame 2 back while cpu1's TLB holds a writable, dirty entry for V
// to it that no page table shows dirty: a store through it dirties the
// frame unseen"
std::string explain_dropped_dirt(const DroppedDirt& dirt, const std::string& page, const StepContext& where);
// "dirty-dropped: 'store(V, 2);' by user on cpu1 at t.tlb:30 writes frame 2
// through its TLB entry for V after the frame was written back, with no
// page-table entry left to mark it dirty: the write is lost when the
// frame is dropped"
std::string explain_store_after_writeback(std::int64_t frame, const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
