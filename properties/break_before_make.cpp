#include "properties/break_before_make.hpp"

namespace tlbcheck::properties {

namespace {

std::string entry_text(std::int64_t frame, bool block, bool table) {
  return (block ? "a block at frame " : table ? "a table, frame " : "frame ") + std::to_string(frame);
}

}  // namespace

std::string explain_break_before_make(const BrokenBreakBeforeMake& b, const std::string& page, const StepContext& where) {
  std::string out = "break-before-make: '" + where.statement + "' by " + where.who + " at " + where.at + " ";
  const std::string entry = "the level-" + std::to_string(b.level) + " entry covering " + page;
  const std::string to = entry_text(b.new_frame, b.new_block, b.new_table);
  if (b.kind == BrokenBreakBeforeMake::ValidToValid) {
    return out + "changes " + entry + " from " + entry_text(b.old_frame, b.old_block, !b.old_block && b.level > 1) + " to " + to +
           " while it is valid: it must be made invalid and the TLBs invalidated first";
  }
  out += "makes " + entry + " " + to + " while cpu" + std::to_string(b.cpu) + "'s ";
  if (b.kind == BrokenBreakBeforeMake::WalkCacheStillHolds) {
    return out + "walk cache still holds it pointing to frame " + std::to_string(b.cached_frame) + ": the invalid entry was not followed by a TLB invalidation";
  }
  return out + "TLB still holds a translation of " + page + " to frame " + std::to_string(b.cached_frame) + (b.cached_block ? " from a block" : "") +
         ": the invalid entry was not followed by a TLB invalidation";
}

}  // namespace tlbcheck::properties
