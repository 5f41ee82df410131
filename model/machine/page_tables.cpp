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
    t = pte_.present(raw) && pte_.block_level(raw) == 0 ? pte_.frame(raw) : -1;  // (no table below a block)
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
  // a leaf maps data frames: one page's, or a block's (entries^(level-1) of them)
  auto leaf = [&](std::int64_t r) { return pte_.holds_frame(r) && (level == 1 || pte_.block_level(r) > 0); };
  const std::int64_t span = level == 1 ? 1 : block_span(level);
  if (pte_.holds_frame(raw)) {
    if (pte_.block_level(raw) > 0 && pte_.block_level(raw) != level) return Effect::runtime_error("a level-" + std::to_string(pte_.block_level(raw)) + " block at level " + std::to_string(level));
    std::int64_t f = pte_.frame(raw);
    if (f < 0 || f >= frames_) return Effect::runtime_error("an entry must point to a frame, not none");
    FrameKind want = leaf(raw) ? FrameKind::Data : FrameKind::Table;
    for (std::int64_t g = f; g < f + (leaf(raw) ? span : 1); ++g) {
      FrameKind have = g < frames_ ? FrameKind(get(s, slots_.kind[std::size_t(g)])) : FrameKind::Free;
      if (have != want) {
        return Effect::runtime_error("a level-" + std::to_string(level) + (leaf(raw) && level > 1 ? " block" : " entry") + " must point to " +
                                     (want == FrameKind::Data ? leaf(raw) && level > 1 ? std::to_string(span) + " data frames" : std::string("a data frame") : "a page-table frame") +
                                     ", and frame " + std::to_string(g) + " is " +
                                     (g >= frames_ ? "beyond the machine's frames" : have == FrameKind::Free ? "free" : have == FrameKind::Data ? "a data frame" : "a page table"));
      }
    }
  }
  if (leaf(old)) {
    for (std::int64_t g = pte_.frame(old); g < pte_.frame(old) + span; ++g) {
      std::uint32_t maps = slots_.maps[std::size_t(g)];
      set(s, maps, std::max<std::int64_t>(0, get(s, maps) - 1));
    }
  }
  if (leaf(raw)) {
    for (std::int64_t f = pte_.frame(raw); f < pte_.frame(raw) + span; ++f) {
      std::uint32_t maps = slots_.maps[std::size_t(f)];
      std::int64_t n = get(s, maps);
      if (n >= (*layout_)[maps].hi) return Effect::runtime_error("frame " + std::to_string(f) + " would be mapped more than " + std::to_string(n) + " times");
      std::uint32_t owners = slots_.owner[std::size_t(f)];
      set(s, owners, get(s, owners) | (std::int64_t(1) << mm));  // mm has mapped it since its allocation
      set(s, maps, n + 1);
      // a mapping that lets a CPU write it again: a copy taken before is no longer the truth (lost-write)
      if (!slots_.copied.empty() && pte_.present(raw) && pte_.writable(raw)) set(s, slots_.copied[std::size_t(f)], 0);
    }
  }
  set(s, slot, raw);
  return e;
}

}  // namespace tlbcheck::model::machine

namespace tlbcheck::model::machine {

Effect Machine::judge_entry_write(const checker::Word* s, std::int64_t mm, std::int64_t page, int level, std::int64_t raw) const {
  if (!pte_.present(raw)) return {};  // breaking is always allowed
  Effect e = pt_get(s, mm, page, level);
  if (e.kind != Effect::Ok) return {};  // (pt_put reports it)
  const std::int64_t old = e.value;
  const std::int64_t n = page_index_[std::size_t(page)];
  const bool new_leaf = level == 1 || pte_.block_level(raw) > 0;
  properties::BrokenBreakBeforeMake b;
  b.level = std::int8_t(level);
  b.new_frame = std::int32_t(pte_.frame(raw));
  b.new_block = level > 1 && new_leaf;
  b.new_table = !new_leaf;
  auto violation = [&](std::int64_t on_page) {
    Effect v;
    v.kind = Effect::Violation;
    v.break_before_make = true;
    v.bbm = b;
    v.bbm.page = std::int32_t(on_page);
    return v;
  };
  if (pte_.present(old) && (pte_.frame(old) != pte_.frame(raw) || pte_.block_level(old) != pte_.block_level(raw))) {
    b.kind = properties::BrokenBreakBeforeMake::ValidToValid;
    b.old_frame = std::int32_t(pte_.frame(old));
    b.old_block = pte_.block_level(old) > 0;
    return violation(page);
  }
  // the entry is (re)made valid: no CPU running this mm may still cache a
  // different translation for an address it covers
  const std::int64_t root = get(s, slots_.pgd[std::size_t(mm)]);
  for (int c = 0; c < config_.cpus; ++c) {
    // with PCIDs, the mm's entries on every CPU (a switch back uses them);
    // else the CPUs that have its root loaded
    std::int64_t tag = mm;
    if (!config_.pcid) {
      if (get(s, slots_.cr3[std::size_t(c)]) != root) continue;
      tag = current_tag(s, c);
      if (tag < 0) continue;
    }
    b.cpu = std::int16_t(c);
    for (std::int64_t q = 0; q < pages(); ++q) {
      const std::int64_t nq = page_index_[std::size_t(q)];
      if (prefix_at(nq, level) != prefix_at(n, level)) continue;
      const std::int64_t te = get(s, tlb_slot(c, tag, q));
      if (!pte_.holds_frame(te)) continue;
      bool conflict = false;
      if (!new_leaf) conflict = pte_.block_level(te) == level;  // a block replaced by a table
      else if (level == 1) conflict = pte_.frame(te) != pte_.frame(raw);
      else conflict = pte_.frame(te) != pte_.frame(raw) + nq % block_span(level) || pte_.block_level(te) != level;
      if (conflict) {
        b.kind = properties::BrokenBreakBeforeMake::TlbStillHolds;
        b.cached_frame = std::int32_t(pte_.frame(te));
        b.cached_block = pte_.block_level(te) > 0;
        return violation(q);
      }
    }
    if (level > 1 && !walk_keys_.empty()) {  // a cached pointer to another table, or any when a block replaces it
      const int k = walk_key(level, page);
      const std::int64_t we = k < 0 ? 0 : get(s, walk_slot(c, tag, std::size_t(k)));
      if (we != 0 && (new_leaf || WalkEntry::frame(we) != pte_.frame(raw))) {
        b.kind = properties::BrokenBreakBeforeMake::WalkCacheStillHolds;
        b.cached_frame = std::int32_t(WalkEntry::frame(we));
        return violation(page);
      }
    }
  }
  return {};
}

}  // namespace tlbcheck::model::machine
