#include "properties/lost_write.hpp"

namespace tlbcheck::properties {

FrameCopy mark_after_copy(bool cpu_can_write, bool tables_allow_write) {
  return cpu_can_write && !tables_allow_write ? FrameCopy::Copied : FrameCopy::None;
}

std::string explain_lost_write(const LostWriteUse& use, const std::string& page, const StepContext& where) {
  const std::string frame = "frame " + std::to_string(use.frame);
  return "lost-write: '" + where.statement + "' by " + where.who + " at " + where.at + " writes " + frame + " through its TLB entry for " + page +
         " after the kernel " + (use.mark == FrameCopy::WrittenBack ? "wrote " + frame + " to disk" : "copied " + frame + " elsewhere") +
         ", and no page table lets anyone write it: the write is lost";
}

}  // namespace tlbcheck::properties
