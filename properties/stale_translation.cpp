#include "properties/stale_translation.hpp"

namespace tlbcheck::properties {

StaleTranslation judge_root(std::int64_t root, FrameState root_state) {
  if (root < 0) return StaleTranslation::NoRoot;
  return root_state == FrameState::Table ? StaleTranslation::None : StaleTranslation::RootNotTable;
}

StaleTranslation judge_table(FrameState state) { return state == FrameState::Table ? StaleTranslation::None : StaleTranslation::WalkNotTable; }

StaleTranslation judge_frame(const Reached& r) {
  if (r.state == FrameState::Free) return StaleTranslation::FrameFree;
  if (r.state == FrameState::Table) return StaleTranslation::FrameIsTable;
  // the access's own address space's frame, or the kernel's (init_mm, mm 0)
  const bool mine = r.space < 0 || r.space >= 64 || ((r.owners >> r.space) & 1) != 0 || (r.owners & 1) != 0;
  if (!mine) return StaleTranslation::ForeignFrame;
  if (r.write && r.maps > 1) return StaleTranslation::CowWrite;
  return StaleTranslation::None;
}

std::string explain(const StaleUse& use) {
  const std::string f = "frame " + std::to_string(use.frame);
  switch (use.why) {
    case StaleTranslation::None: return "";
    case StaleTranslation::NoRoot: return "no page table is loaded (cr3 is none)";
    case StaleTranslation::RootNotTable: return "the loaded root (cr3) is " + f + ", which is no longer a page table";
    case StaleTranslation::WalkNotTable: return "the page walk went through " + f + ", which is no longer a page table (a stale walk-cache entry or root)";
    case StaleTranslation::FrameFree: return "the translation leads to " + f + ", which is free";
    case StaleTranslation::FrameIsTable: return "the translation leads to " + f + ", which was reused as a page table";
    case StaleTranslation::ForeignFrame: {
      std::string text = "the translation leads to " + f + ", which belongs to another address space";
      if (use.owners.empty()) return text + " (none: it was freed and allocated again)";
      std::string names;
      for (const std::string& o : use.owners) names += (names.empty() ? "" : ", ") + o;
      return text + " (" + names + "), not to " + (use.task_space ? "the running task's" : "the loaded root's") + " address space";
    }
    case StaleTranslation::CowWrite:
      return "a write through a writable translation reaches " + f + ", which is mapped " + std::to_string(use.maps) + " times (copy-on-write)";
  }
  return "";
}

std::string explain_access(const StaleUse& use, const std::string& page, const StepContext& where) {
  return "stale-translation: '" + where.statement + "' by " + where.who + " at " + where.at + " uses page " + page + ": " + explain(use);
}

std::string explain_speculation(const StaleUse& use, const std::string& page, int cpu) {
  return "stale-translation: a speculative walk of page " + page + " by cpu" + std::to_string(cpu) + ": " + explain(use);
}

}  // namespace tlbcheck::properties
