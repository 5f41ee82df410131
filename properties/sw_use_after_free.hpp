// The `sw-use-after-free` property: no software page-table walker reads a
// table frame that was freed (or freed and reused). The kernel's lockless
// walkers (GUP-fast, the page-table dumpers, perf's walker) read the tables
// through the kernel's mapping, not through a TLB, one level at a time with
// nothing but RCU or disabled interrupts holding the tables; a table freed
// between two of their reads is a use after free in the kernel itself (the
// reason for x86's tlb_remove_table and RCU table freeing).
//
// The machine reports each read a walker makes (pt_read) with what the
// table frame holds then; this file decides and explains.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"
#include "properties/stale_translation.hpp"

namespace tlbcheck::properties {

// Whether a software walker's read of table frame `frame` is a use after
// free: the frame is no longer a page table.
bool walker_reads_freed(FrameState state);

// "'let t = pt_read(root, V, 2);' by gup on cpu1 at t.tlb:30 reads frame 3
// as a page table, but it is free (a software walker's use after free)"
std::string explain_walker_read(std::int64_t frame, FrameState state, const StepContext& where);

}  // namespace tlbcheck::properties
