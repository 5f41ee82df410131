// The `dirty-dropped` property: no write reaches a page after the kernel
// treated it as clean (wrote it back: disk_write) through a translation
// that lets the CPU store without telling the kernel. The kernel learns
// that a page was written from the dirty bit of a page-table entry
// (ptep_get_and_clear, page_mkclean); a CPU whose TLB entry is writable
// and already dirty stores through it without a walk, so once that entry's
// PTE is cleaned or gone its stores reach the frame with nothing to tell
// the kernel, and they are lost when the clean page is dropped.
//
// The machine marks the frame at the write-back when some CPU's TLB holds
// an entry to it that it can store through without a walk (writable and
// dirty; every writable entry on a machine without dirty bits) while no
// page table shows the frame dirty (an entry to it with the dirty bit;
// writable, without dirty bits). A store that then lands in the frame while
// still no table shows it dirty is the violation. The mark goes when an
// entry that allows a write to the frame is written or the frame is freed.
//
// Judged at the store, not at the write-back, so that an entry that is
// never used again is no alarm: a lazy CPU's, or another PCID's, which the
// kernel flushes before it runs that mm again. Not a violation either: a
// write-back while the PTE is still dirty (the kernel will see it and
// write again), a store whose walk sets the dirty bit in the tables.
#pragma once

#include <cstdint>
#include <string>

#include "properties/lost_write.hpp"
#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// The mark a write-back of a frame leaves: whether a CPU's TLB holds an
// entry it can store through without a walk (`silent_store`); whether a
// page table shows the frame dirty.
FrameCopy mark_after_writeback(bool silent_store, bool tables_show_dirty);

// "dirty-dropped: 'store(V, 2);' by user on cpu1 at t.tlb:30 writes frame 2
// through its TLB entry for V after the frame was written back, with no
// page-table entry left to mark it dirty: the write is lost when the
// frame is dropped"
std::string explain_store_after_writeback(std::int64_t frame, const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
