#include "properties/freed_root.hpp"

namespace tlbcheck::properties {

bool root_was_freed(std::int64_t root, FrameState state) { return root >= 0 && state != FrameState::Table; }

std::string explain_freed_root(int cpu, std::int64_t root, FrameState state) {
  return "cpu" + std::to_string(cpu) + "'s loaded root (cr3) is frame " + std::to_string(root) + ", which is " +
         (state == FrameState::Free ? "free" : "no longer a page table") + ": a page table was freed while a CPU still had it loaded";
}

}  // namespace tlbcheck::properties
