#include "properties/dirty_dropped.hpp"

namespace tlbcheck::properties {

FrameCopy mark_after_writeback(bool silent_store, bool tables_show_dirty) {
  return silent_store && !tables_show_dirty ? FrameCopy::WrittenBack : FrameCopy::None;
}

std::string explain_store_after_writeback(std::int64_t frame, const std::string& page, const StepContext& where) {
  return "dirty-dropped: '" + where.statement + "' by " + where.who + " at " + where.at + " writes frame " + std::to_string(frame) + " through its TLB entry for " +
         page + " after the frame was written back, with no page-table entry left to mark it dirty: the write is lost when the frame is dropped";
}

}  // namespace tlbcheck::properties
