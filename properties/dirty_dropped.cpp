#include "properties/dirty_dropped.hpp"

namespace tlbcheck::properties {

bool writeback_drops_dirt(bool silent_store, bool tables_show) { return silent_store && !tables_show; }

std::string explain_dropped_dirt(const DroppedDirt& dirt, const std::string& page, const StepContext& where) {
  return "dirty-dropped: '" + where.statement + "' by " + where.who + " at " + where.at + " writes frame " + std::to_string(dirt.frame) + " back while cpu" +
         std::to_string(dirt.cpu) + "'s TLB holds a writable, dirty entry for " + page +
         " to it that no page table shows dirty: a store through it dirties the frame unseen";
}

std::string explain_store_after_writeback(std::int64_t frame, const std::string& page, const StepContext& where) {
  return "dirty-dropped: '" + where.statement + "' by " + where.who + " at " + where.at + " writes frame " + std::to_string(frame) + " through its TLB entry for " +
         page + " after the frame was written back, with no page-table entry left to mark it dirty: the write is lost when the frame is dropped";
}

}  // namespace tlbcheck::properties
