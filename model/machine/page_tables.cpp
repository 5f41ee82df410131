// Page tables as the kernel's software sees them: reading and writing an
// entry at any level of an mm's tables (pt_get, pt_put).
#include "model/machine/machine.hpp"

#include <algorithm>

namespace tlbcheck::model::machine {

std::int64_t Machine::table_at(const checker::Word* s, std::int64_t mm, std::int64_t page, int level, Effect& e) const {
  if (mm < 0 || mm >= mms_) {
    e = Effect::runtime_error("mm none has no page tables");
    return -1;
  }
  std::int64_t t = get(s, slots_.pgd[std::size_t(mm)]);
  std::int64_t n = page_index_[std::size_t(page)];
  for (int l = config_.levels;; --l) {
    if (t < 0) return -1;
    if (FrameKind(get(s, slots_.kind[std::size_t(t)])) != FrameKind::Table) {
      e = Effect::runtime_error("frame " + std::to_string(t) + " in the page tables is not a page table");
      return -1;
    }
    if (l == level) return t;
    std::int64_t raw = get(s, slots_.entry[std::size_t(t * config_.entries + index_at(n, l))]);
    t = pte_.present(raw) ? pte_.frame(raw) : -1;
  }
}

Effect Machine::pt_get(const checker::Word* s, std::int64_t mm, std::int64_t page, int level) const {
  Effect e;
  std::int64_t t = table_at(s, mm, page, level, e);
  if (e.kind != Effect::Ok) return e;
  e.value = t < 0 ? 0 : get(s, slots_.entry[std::size_t(t * config_.entries + index_at(page_index_[std::size_t(page)], level))]);
  return e;
}

Effect Machine::pt_put(checker::Word* s, std::int64_t mm, std::int64_t page, int level, std::int64_t raw) const {
  Effect e;
  std::int64_t t = table_at(s, mm, page, level, e);
  if (e.kind != Effect::Ok) return e;
  if (t < 0) return Effect::runtime_error("no page table at level " + std::to_string(level) + " for this page: set the entry at level " + std::to_string(level + 1) + " first");
  std::uint32_t slot = slots_.entry[std::size_t(t * config_.entries + index_at(page_index_[std::size_t(page)], level))];
  std::int64_t old = get(s, slot);
  if (raw != 0 && !pte_.holds_frame(raw) && !pte_.is_swap(raw)) return Effect::runtime_error("not a page-table entry: " + std::to_string(raw));
  if (pte_.is_swap(raw) && level != 1) return Effect::runtime_error("a swap entry belongs in a leaf (level 1), not at level " + std::to_string(level));
  if (pte_.holds_frame(raw)) {
    std::int64_t f = pte_.frame(raw);
    if (f < 0 || f >= frames_) return Effect::runtime_error("an entry must point to a frame, not none");
    FrameKind want = level == 1 ? FrameKind::Data : FrameKind::Table;
    FrameKind have = FrameKind(get(s, slots_.kind[std::size_t(f)]));
    if (have != want) {
      return Effect::runtime_error("a level-" + std::to_string(level) + " entry must point to a " + (level == 1 ? "data frame" : "page-table frame") + ", and frame " +
                     std::to_string(f) + " is " + (have == FrameKind::Free ? "free" : have == FrameKind::Data ? "a data frame" : "a page table"));
    }
  }
  if (level == 1) {
    if (pte_.holds_frame(old)) {
      std::uint32_t maps = slots_.maps[std::size_t(pte_.frame(old))];
      set(s, maps, std::max<std::int64_t>(0, get(s, maps) - 1));
    }
    if (pte_.holds_frame(raw)) {
      std::int64_t f = pte_.frame(raw);
      std::uint32_t maps = slots_.maps[std::size_t(f)];
      std::int64_t n = get(s, maps);
      if (n >= (*layout_)[maps].hi) return Effect::runtime_error("frame " + std::to_string(f) + " would be mapped more than " + std::to_string(n) + " times");
      std::uint32_t owners = slots_.owner[std::size_t(f)];
      set(s, owners, get(s, owners) | (std::int64_t(1) << mm));  // mm has mapped it since its allocation
      set(s, maps, n + 1);
    }
  }
  set(s, slot, raw);
  return e;
}

}  // namespace tlbcheck::model::machine
