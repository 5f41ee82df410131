#include "properties/sw_use_after_free.hpp"

namespace tlbcheck::properties {

bool walker_reads_freed(FrameState state) { return state != FrameState::Table; }

std::string explain_walker_read(std::int64_t frame, FrameState state, const StepContext& where) {
  return "sw-use-after-free: '" + where.statement + "' by " + where.who + " at " + where.at + " reads frame " + std::to_string(frame) +
         " as a page table, but it is " + (state == FrameState::Free ? "free" : "no longer a page table") + " (a software walker's use after free)";
}

}  // namespace tlbcheck::properties
