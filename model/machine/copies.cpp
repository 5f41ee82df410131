// lost-write's and dirty-dropped's record of the kernel's copies
// (properties/lost_write.hpp, dirty_dropped.hpp): the mark a copy_page or
// disk_write leaves on its source frame while a CPU can still write it, the
// judgement of a write-back, and of a store that lands in a marked frame.
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

bool Machine::tables_allow_write(const checker::Word* s, std::int64_t f) const {
  for (std::int64_t t = 0; t < frames_; ++t) {
    if (FrameKind(get(s, slots_.kind[std::size_t(t)])) != FrameKind::Table) continue;
    for (int i = 0; i < config_.entries; ++i) {
      const std::int64_t raw = get(s, slots_.entry[std::size_t(t * config_.entries + i)]);
      if (!pte_.present(raw) || !pte_.writable(raw)) continue;
      const std::int64_t g = pte_.frame(raw);
      const int block = pte_.block_level(raw);
      // an entry to a data frame maps it (a block: a run of them); one to a table does not
      if (block > 0 ? f >= g && f < g + block_span(block) : g == f && FrameKind(get(s, slots_.kind[std::size_t(g)])) == FrameKind::Data) return true;
    }
  }
  return false;
}

void Machine::mark_copy(checker::Word* s, std::int64_t f, bool writeback) const {
  if (slots_.copied.empty() || f < 0 || f >= frames_) return;
  bool cpu_can_write = false;
  for (int c = 0; c < config_.cpus && !cpu_can_write; ++c) {
    for (std::int64_t t = 0; t < tags() && !cpu_can_write; ++t) {
      for (std::int64_t p = 0; p < pages() && !cpu_can_write; ++p) {
        const std::int64_t raw = get(s, tlb_slot(c, t, p));
        cpu_can_write = pte_.holds_frame(raw) && pte_.frame(raw) == f && pte_.writable(raw);
      }
    }
  }
  // (cheap test first: the tables are scanned only when a CPU can write)
  const properties::FrameCopy mark = properties::mark_after_copy(writeback, cpu_can_write, cpu_can_write && tables_allow_write(s, f));
  if (mark != properties::FrameCopy::None) set(s, slots_.copied[std::size_t(f)], std::int64_t(mark));
}

Effect Machine::judge_writeback(const checker::Word* s, std::int64_t f) const {
  const bool dirty_bits = pte_.carries(pte_flag::kDirty);
  for (int c = 0; c < config_.cpus; ++c) {
    for (std::int64_t t = 0; t < tags(); ++t) {
      for (std::int64_t p = 0; p < pages(); ++p) {
        const std::int64_t raw = get(s, tlb_slot(c, t, p));
        if (!pte_.holds_frame(raw) || pte_.frame(raw) != f) continue;
        const bool silent_store = pte_.writable(raw) && (!dirty_bits || pte_.has(raw, pte_flag::kDirty));
        bool tables_show = false;
        for (int m = 0; m < mms_ && !tables_show; ++m) {
          const std::int64_t now = translation(s, m, p);
          tables_show = pte_.holds_frame(now) && pte_.frame(now) == f && (dirty_bits ? pte_.has(now, pte_flag::kDirty) : pte_.writable(now));
        }
        if (!properties::writeback_drops_dirt(silent_store, tables_show)) continue;
        Effect e;
        e.kind = Effect::Violation;
        e.dirty_dropped = true;
        e.frame = f;
        e.dirt = {std::int32_t(f), std::int16_t(c), std::int32_t(p)};
        return e;
      }
    }
  }
  return {};
}

Effect Machine::judge_store(const checker::Word* s, std::int64_t f, std::int64_t page, unsigned claims) const {
  if (slots_.copied.empty()) return {};
  const auto mark = properties::FrameCopy(get(s, slots_.copied[std::size_t(f)]));
  if (mark == properties::FrameCopy::None) return {};
  const bool as_dirt = mark == properties::FrameCopy::WrittenBack && (claims & kClaimWriteback) != 0;
  if (!as_dirt && (claims & kClaimCopy) == 0) return {};
  Effect e;
  e.kind = Effect::Violation;
  e.frame = f;
  e.lost = {mark, std::int32_t(f), std::int32_t(page)};
  (as_dirt ? e.dirty_dropped : e.lost_write) = true;
  return e;
}

}  // namespace tlbcheck::model::machine
