// The `lost-write` property: no write lands in a frame after the kernel
// copied it elsewhere (a COW break, a migration, a snapshot: copy_page;
// a write-back: disk_write) at a time when no page table allowed a write
// to it. The kernel copies a page once it has made it read-only or
// unmapped it everywhere; a CPU that still holds a writable TLB entry
// then writes into the old frame, which no mapping will show again: the
// copy is what the address space sees, and the write is gone.
//
// "Copied" needs no annotation: the machine marks the source of copy_page
// when, at that moment, some CPU's TLB holds a writable entry to it while
// no page table allows a write to it (without such an entry no write can
// follow, so nothing is marked). The mark goes when an entry that allows a
// write to the frame is written (the kernel reuses the page: do_wp_page's
// reuse, a new mapping) or the frame is freed. A write that lands in a
// marked frame is a lost write. A disk_write marks its frame too
// (dirty_dropped.hpp); a write that lands there while no table lets anyone
// write the frame is a lost write as well, when dirty-dropped does not
// report it first.
//
// Not a lost write: a write through a stale entry to a frame no one
// copied (an munmap racing with the program's own store: the data goes
// with the mapping, as the program asked), or to a frame a page table
// still lets someone write.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

enum class FrameCopy : std::uint8_t { None, Copied, WrittenBack };

// The mark a copy_page of a frame leaves: whether a CPU's TLB holds a
// writable entry to the frame; whether a page table allows a write to it.
// (A disk_write's is dirty-dropped's: mark_after_writeback.)
FrameCopy mark_after_copy(bool cpu_can_write, bool tables_allow_write);

// What the machine reports of a write into a marked frame.
struct LostWriteUse {
  FrameCopy mark = FrameCopy::None;
  std::int32_t frame = -1;
  std::int32_t page = -1;  // the page written (its id; the explanation is given its name)
};

// "lost-write: 'store(V, 2);' by a2 on cpu1 at t.tlb:30 writes frame 2
// through its TLB entry for V after the kernel copied frame 2 elsewhere,
// and no page table lets anyone write it: the write is lost"
std::string explain_lost_write(const LostWriteUse& use, const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
