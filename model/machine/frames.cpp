// Physical frames: allocation and freeing (a freed frame reads as zeroes:
// its entries, its words and its cache lines).
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

Effect Machine::alloc(checker::Word* s, FrameKind kind) const {
  Effect e;
  e.value = -1;
  for (int f = 0; f < frames_; ++f) {
    if (FrameKind(get(s, slots_.kind[std::size_t(f)])) != FrameKind::Free) continue;
    set(s, slots_.kind[std::size_t(f)], std::int64_t(kind));
    set(s, slots_.owner[std::size_t(f)], 0);
    e.value = f;
    return e;
  }
  // Every frame is in use: the machine's `frames` is a bound of the model,
  // not memory pressure the kernel could handle, so say which bound to raise.
  return Effect::runtime_error(std::string(kind == FrameKind::Data ? "alloc_frame()" : "alloc_table()") + ": all " + std::to_string(frames_) +
                               " frames of the machine are in use: raise its 'frames' (-D frames=" + std::to_string(frames_ + 2) + ")");
}

Effect Machine::alloc_run(checker::Word* s, std::int64_t span) const {
  Effect e;
  for (std::int64_t f = 0; f + span <= frames_; f += span) {
    bool free = true;
    for (std::int64_t g = f; g < f + span && free; ++g) free = FrameKind(get(s, slots_.kind[std::size_t(g)])) == FrameKind::Free;
    if (!free) continue;
    for (std::int64_t g = f; g < f + span; ++g) {
      set(s, slots_.kind[std::size_t(g)], std::int64_t(FrameKind::Data));
      set(s, slots_.owner[std::size_t(g)], 0);
    }
    e.value = f;
    return e;
  }
  return Effect::runtime_error("alloc_block(): no " + std::to_string(span) + " free frames in a row (aligned) among the machine's " + std::to_string(frames_) +
                               ": raise its 'frames'");
}

Effect Machine::release(checker::Word* s, std::int64_t f, FrameKind kind) const {
  if (f < 0 || f >= frames_) return Effect::runtime_error("cannot free frame none");
  FrameKind have = FrameKind(get(s, slots_.kind[std::size_t(f)]));
  if (have != kind) {
    return Effect::runtime_error(std::string(kind == FrameKind::Data ? "free_frame" : "free_table") + "(" + std::to_string(f) + "): frame " + std::to_string(f) + " is " +
                   (have == FrameKind::Free ? "already free" : have == FrameKind::Data ? "a data frame: use free_frame" : "a page table: use free_table"));
  }
  set(s, slots_.kind[std::size_t(f)], std::int64_t(FrameKind::Free));
  set(s, slots_.owner[std::size_t(f)], 0);
  set(s, slots_.maps[std::size_t(f)], 0);
  if (!slots_.copied.empty()) set(s, slots_.copied[std::size_t(f)], 0);
  for (int w = 0; w < config_.words; ++w) set(s, value_slot(f, w), 0);
  // the page allocator hands out a clean struct page: the frame's declared fields start over
  for (std::uint32_t i = 0; i < slots_.frame_field_count; ++i) {
    const std::size_t k = std::size_t(f) * slots_.frame_field_count + i;
    set(s, slots_.frame_field[k], slots_.frame_field_init[k]);
  }
  for (int i = 0; i < config_.entries; ++i) set(s, slots_.entry[std::size_t(f * config_.entries + i)], 0);
  if (config_.colours > 0) {  // a freed frame's lines are dropped (the allocator's clean page)
    for (int w = 0; w < config_.words; ++w) {
      for (int c = 0; c < config_.colours; ++c) set(s, line_slot(c, f, w), 0);
      set(s, latest_slot(f, w), 0);
    }
  }
  return {};
}

}  // namespace tlbcheck::model::machine
