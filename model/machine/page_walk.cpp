// The hardware page walk, through the paging-structure (walk) caches, on a
// TLB miss or speculatively (tlb.speculative): it fills the TLB and walk
// caches, and stale-translation judges every root and table frame it uses.
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

Effect Machine::walk(checker::Word* s, int cpu, std::int64_t page, bool fill_tlb, std::int64_t& raw, bool check, bool store) const {
  // (made where it is returned: an Effect is not free to build, and most walks succeed)
  auto fault = [] { return Effect::fault(); };
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  // stale-translation judges the root and every table frame the walk uses
  auto kind_of = [&](std::int64_t frame) { return frame_state(FrameKind(get(s, slots_.kind[std::size_t(frame)]))); };
  if (root < 0) return check ? Effect::stale_translation(properties::judge_root(root, properties::FrameState::Free), -1) : fault();
  // (under PAE the walk reads the PDPTE registers, not the root table: a
  // freed root is freed-root's to judge)
  if (check && !config_.pae) {
    if (auto why = properties::judge_root(root, kind_of(root)); why != properties::StaleTranslation::None) return Effect::stale_translation(why, root);
  }
  std::int64_t n = page_index_[std::size_t(page)];
  std::int64_t tag = current_tag(s, cpu);
  // a root that is no address space's (PCIDs: no tag): no table of any mm
  if (tag < 0) return check ? Effect::stale_translation(properties::StaleTranslation::RootNotTable, root) : fault();
  std::int64_t t = root;
  int level = config_.levels;
  // start below the deepest walk-cache entry that covers the page
  for (int l = 2; l <= config_.levels && !walk_keys_.empty(); ++l) {
    int k = walk_key(l, page);
    std::int64_t cached = k < 0 ? 0 : get(s, walk_slot(cpu, tag, std::size_t(k)));
    if (cached != 0) {
      t = WalkEntry::frame(cached);
      level = l - 1;
      break;
    }
  }
  const bool pae = config_.pae, blocks = config_.huge;
  for (;; --level) {
    if (pae && level == config_.levels) {
      // PAE: the top-level entry comes from the PDPTE register latched at
      // the last root load, not from memory
      std::int64_t next = pdpte(s, cpu, page);
      if (next < 0) return fault();
      t = next;
      continue;
    }
    if (check) {
      if (auto why = properties::judge_table(kind_of(t)); why != properties::StaleTranslation::None) return Effect::stale_translation(why, t);
    }
    const std::uint32_t entry_slot = slots_.entry[std::size_t(t * config_.entries + index_at(n, level))];
    std::int64_t e = get(s, entry_slot);
    // (a freed frame reads as all entries empty; a swap entry, or one
    // whose present bit is clear, is ignored by the hardware)
    if (!pte_.present(e)) return fault();
    if (level == 1 || (blocks && pte_.block_level(e) > 0)) {  // a leaf: a page, or a block of pages
      if (pte_.carries(pte_flag::kAccessed)) {
        // the accessed bit: set by the walk (x86, and a store through a
        // writable entry sets dirty with it), or an access-flag fault
        // (arm64 without hardware management: nothing is cached)
        std::int64_t want = pte_flag::kAccessed | (store && pte_.writable(e) ? pte_flag::kDirty : 0);
        if ((pte_.flags(e) & want) != want) {
          if (!config_.pte_hw_update) {
            if (!pte_.has(e, pte_flag::kAccessed)) return fault();
          } else {
            e = pte_.with_flags(e, pte_.flags(e) | want);
            set(s, entry_slot, e);
          }
        }
      }
      raw = pte_.cached(e);
      if (level > 1) {
        // a block: the page's frame in it; the one large-page entry the
        // walk fills translates every page of the block (as this machine
        // keeps a slot per page, it fills each empty one)
        const std::int64_t span = block_span(level);
        if (fill_tlb) {
          for (std::int64_t q = 0; q < pages(); ++q) {
            const std::int64_t nq = page_index_[std::size_t(q)];
            std::uint32_t slot = tlb_slot(cpu, tag, q);
            if (q != page && nq / span == n / span && get(s, slot) == 0) set(s, slot, pte_.with_frame(raw, pte_.frame(e) + nq % span));
          }
        }
        raw = pte_.with_frame(raw, pte_.frame(e) + n % span);
      }
      if (fill_tlb) set(s, tlb_slot(cpu, tag, page), raw);
      return {};
    }
    std::int64_t next = pte_.frame(e);
    if (!walk_keys_.empty()) set(s, walk_slot(cpu, tag, std::size_t(walk_key(level, page))), WalkEntry::make(next));
    t = next;
  }
}

Effect Machine::speculate(checker::Word* s, int cpu, std::int64_t page, bool check) const {
  if (get(s, slots_.cr3[std::size_t(cpu)]) < 0) return {};
  std::int64_t raw = 0;
  Effect e = walk(s, cpu, page, true, raw, check);
  if (e.kind == Effect::Fault) return {};  // nothing (more) to fill
  return e;
}

bool Machine::walk_cached(const checker::Word* s, int cpu, std::int64_t page, int level) const {
  if (walk_keys_.empty() || level < 2 || level > config_.levels) return false;
  int k = walk_key(level, page);
  for (std::int64_t t = 0; k >= 0 && t < tags(); ++t) {
    if (get(s, walk_slot(cpu, t, std::size_t(k))) != 0) return true;
  }
  return false;
}

}  // namespace tlbcheck::model::machine
