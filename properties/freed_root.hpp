// The `freed-root` property (checked on request: --property +freed-root):
// no CPU has a page table loaded as its root (CR3, TTBR) once that table
// was freed. A CPU that still holds a freed root can walk through it at
// any time (speculatively, or on its next access), so the kernel must
// switch every CPU away from an address space, lazy ones included, before
// freeing its page directory. stale-translation catches the walk when it
// happens; this property catches the state at once, at the step that
// freed the table.
//
// Judged on every state: the machine reports each CPU's loaded root and
// what that frame now holds.
#pragma once

#include <cstdint>
#include <string>

#include "properties/stale_translation.hpp"

namespace tlbcheck::properties {

// Whether a CPU's loaded root (`root`: a frame, -1 none) is a freed or
// reused table.
bool root_was_freed(std::int64_t root, FrameState state);

// "cpu1's loaded root (cr3) is frame 2, which is free: a page table was
// freed while a CPU still had it loaded"
std::string explain_freed_root(int cpu, std::int64_t root, FrameState state);

}  // namespace tlbcheck::properties
