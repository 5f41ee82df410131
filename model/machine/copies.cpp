// lost-write's and dirty-dropped's record of the kernel's copies
// (properties/lost_write.hpp, dirty_dropped.hpp): the mark a copy_page or a
// disk_write leaves on its source frame while a CPU can still write it
// unseen, and the judgement of a store that lands in a marked frame.
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

template <typename Entry>
bool Machine::any_table_entry_to(const checker::Word* s, std::int64_t f, Entry&& entry) const {
  for (std::int64_t t = 0; t < frames_; ++t) {
    if (FrameKind(get(s, slots_.kind[std::size_t(t)])) != FrameKind::Table) continue;
    for (int i = 0; i < config_.entries; ++i) {
      const std::int64_t raw = get(s, slots_.entry[std::size_t(t * config_.entries + i)]);
      if (!pte_.present(raw)) continue;
      const std::int64_t g = pte_.frame(raw);
      const int block = pte_.block_level(raw);
      // an entry to a data frame maps it (a block: a run of them); one to a table does not
      const bool maps = block > 0 ? f >= g && f < g + block_span(block) : g == f && FrameKind(get(s, slots_.kind[std::size_t(g)])) == FrameKind::Data;
      if (maps && entry(raw)) return true;
    }
  }
  return false;
}

template <typename Entry>
bool Machine::any_tlb_entry_to(const checker::Word* s, std::int64_t f, Entry&& entry) const {
  for (int c = 0; c < config_.cpus; ++c) {
    for (std::int64_t t = 0; t < tags(); ++t) {
      for (std::int64_t p = 0; p < pages(); ++p) {
        const std::int64_t raw = get(s, tlb_slot(c, t, p));
        if (pte_.holds_frame(raw) && pte_.frame(raw) == f && entry(raw)) return true;
      }
    }
  }
  return false;
}

bool Machine::tables_allow_write(const checker::Word* s, std::int64_t f) const {
  return any_table_entry_to(s, f, [&](std::int64_t raw) { return pte_.writable(raw); });
}

bool Machine::tables_show_dirty(const checker::Word* s, std::int64_t f) const {
  const bool dirty_bits = pte_.carries(pte_flag::kDirty);
  return any_table_entry_to(s, f, [&](std::int64_t raw) { return dirty_bits ? pte_.has(raw, pte_flag::kDirty) : pte_.writable(raw); });
}

bool Machine::silent_store_possible(std::int64_t raw) const {
  return pte_.writable(raw) && (!pte_.carries(pte_flag::kDirty) || pte_.has(raw, pte_flag::kDirty));
}

void Machine::mark_copy(checker::Word* s, std::int64_t f, bool writeback) const {
  if (slots_.copied.empty() || f < 0 || f >= frames_) return;
  properties::FrameCopy mark = properties::FrameCopy::None;
  if (writeback) {
    // a CPU can store without a walk and no table would show it
    const bool silent = any_tlb_entry_to(s, f, [&](std::int64_t raw) { return silent_store_possible(raw); });
    mark = properties::mark_after_writeback(silent, silent && tables_show_dirty(s, f));
  } else {
    const bool can_write = any_tlb_entry_to(s, f, [&](std::int64_t raw) { return pte_.writable(raw); });
    mark = properties::mark_after_copy(can_write, can_write && tables_allow_write(s, f));
  }
  if (mark != properties::FrameCopy::None) set(s, slots_.copied[std::size_t(f)], std::int64_t(mark));
}

Effect Machine::judge_store(const checker::Word* s, std::int64_t f, std::int64_t page, unsigned claims) const {
  if (slots_.copied.empty()) return {};
  const auto mark = properties::FrameCopy(get(s, slots_.copied[std::size_t(f)]));
  if (mark == properties::FrameCopy::None) return {};
  Effect e;
  e.kind = Effect::Violation;
  e.frame = f;
  e.lost = {mark, std::int32_t(f), std::int32_t(page)};
  // written back: the store is dropped dirt unless the tables show the
  // frame dirty now (a store that walked set the bit there)
  if (mark == properties::FrameCopy::WrittenBack && (claims & kClaimWriteback) != 0 && !tables_show_dirty(s, f)) {
    e.dirty_dropped = true;
    return e;
  }
  // copied (or written back): lost while no table lets anyone write the frame
  if ((claims & kClaimCopy) != 0 && (mark == properties::FrameCopy::Copied || !tables_allow_write(s, f))) {
    e.lost_write = true;
    return e;
  }
  return {};
}

}  // namespace tlbcheck::model::machine
