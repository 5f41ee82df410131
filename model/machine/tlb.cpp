// The per-CPU TLB: which address space's entries are current (PCIDs), local
// invalidations, and a translated access (TLB, else a page walk, then the
// frame the translation leads to, which stale-translation judges).
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

std::int64_t Machine::current_tag(const checker::Word* s, int cpu) const {
  if (!config_.pcid) return 0;
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  for (int m = 0; m < mms_ && root >= 0; ++m) {
    if (get(s, slots_.pgd[std::size_t(m)]) == root) return m;
  }
  return -1;  // a root that is no mm's page directory: nothing matches
}

void Machine::invalidate_page(checker::Word* s, int cpu, std::int64_t page, bool walk_too, std::int64_t tag, int walk_levels, bool any_address) const {
  std::int64_t n = page_index_[std::size_t(page)];
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (tag >= 0 && t != tag) continue;
    set(s, tlb_slot(cpu, t, page), 0);
    if (!walk_too) continue;
    for (std::size_t k = 0; k < walk_keys_.size(); ++k) {
      const WalkKey& key = walk_keys_[k];
      if (key.level > walk_levels) continue;
      if (any_address || prefix_at(n, key.level) == key.prefix) set(s, walk_slot(cpu, t, k), 0);
    }
  }
}

void Machine::invlpg(checker::Word* s, int cpu, std::int64_t page, std::int64_t tag) const {
  invalidate_page(s, cpu, page, config_.invlpg_drops_walk_cache && config_.invlpg_walk_levels >= 2, tag, config_.invlpg_walk_levels, config_.invlpg_any_address);
}

void Machine::invalidate_all(checker::Word* s, int cpu, std::int64_t tag) const {
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (tag >= 0 && t != tag) continue;
    for (int p = 0; p < pages(); ++p) set(s, tlb_slot(cpu, t, p), 0);
    for (std::size_t k = 0; k < walk_keys_.size(); ++k) set(s, walk_slot(cpu, t, k), 0);
  }
}

Effect Machine::access(checker::Word* s, int cpu, std::int64_t page, int kind, std::int64_t value, bool check, std::int64_t space_in,
                       bool check_cache, int word) const {
  std::int64_t tag = current_tag(s, cpu);
  std::uint32_t entry_slot = tag < 0 ? slots_.tlb[0] : tlb_slot(cpu, tag, page);
  std::int64_t raw = tag < 0 ? 0 : get(s, entry_slot);
  // x86 (Intel SDM 4.10.4.1): a page fault invalidates the TLB entry for the
  // faulting page and the walk-cache entries that would be used for its
  // address, so a retried access sees the tables as they are in memory
  auto fault_invalidate = [&] {
    if (config_.fault_invalidates && tag >= 0) invalidate_page(s, cpu, page, true, tag);
  };
  if (raw == 0) {
    Effect w = walk(s, cpu, page, true, raw, check);
    if (w.kind == Effect::Fault) fault_invalidate();
    if (w.kind != Effect::Ok) return w;
  }
  std::int64_t f = Pte::frame(raw);
  if (kind == 2 && !Pte::writable(raw)) {
    fault_invalidate();
    return Effect::fault();
  }
  // the address space this access belongs to: the one whose root is loaded
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  std::int64_t space = space_in >= 0 ? space_in : -1;
  for (int m = 0; m < mms_ && space_in < 0; ++m) {
    if (root >= 0 && get(s, slots_.pgd[std::size_t(m)]) == root) {
      space = m;
      break;
    }
  }
  FrameKind k = FrameKind(get(s, slots_.kind[std::size_t(f)]));
  if (!check) {
    Effect e;
    e.frame = f;
    if (k == FrameKind::Data && config_.colours > 0) {
      if (kind == 1) return cache_read(s, colour_of(page), f, word, check_cache);
      if (kind == 2 && value >= 0 && value < config_.values) cache_write(s, colour_of(page), f, word, value);
      return e;
    }
    if (kind == 1) e.value = k == FrameKind::Data ? get(s, value_slot(f, word)) : 0;
    if (kind == 2 && k == FrameKind::Data && value >= 0 && value < config_.values) set(s, value_slot(f, word), value);
    return e;
  }
  properties::Reached reached;
  reached.state = frame_state(k);
  if (k == FrameKind::Data) {  // (a free or reused frame has no owners to speak of)
    reached.owners = std::uint64_t(get(s, slots_.owner[std::size_t(f)]));
    reached.maps = get(s, slots_.maps[std::size_t(f)]);
  }
  reached.space = space;
  reached.write = kind == 2;
  if (auto why = properties::judge_frame(reached); why != properties::StaleTranslation::None) {
    using properties::StaleTranslation;
    return Effect::stale_translation(why, f, why == StaleTranslation::ForeignFrame ? std::int64_t(reached.owners) : why == StaleTranslation::CowWrite ? reached.maps : -1);
  }
  Effect e;
  e.frame = f;
  if (kind == 2 && (value < 0 || value >= config_.values)) {
    return Effect::runtime_error("store of " + std::to_string(value) + ": a page holds 0.." + std::to_string(config_.values - 1) + " (machine field 'values')");
  }
  if (config_.colours > 0) {  // through the user mapping's colour
    if (kind == 1) return cache_read(s, colour_of(page), f, word, check_cache);
    if (kind == 2) cache_write(s, colour_of(page), f, word, value);
    return e;
  }
  if (kind == 1) e.value = get(s, value_slot(f, word));
  if (kind == 2) set(s, value_slot(f, word), value);
  return e;
}

int Machine::tlb_count(const checker::Word* s, int cpu) const {
  int n = 0;
  for (std::int64_t t = 0; t < tags(); ++t) {
    for (int p = 0; p < pages(); ++p) n += Pte::present(get(s, tlb_slot(cpu, t, p))) ? 1 : 0;
  }
  return n;
}

bool Machine::tlb_holds(const checker::Word* s, int cpu, std::int64_t page) const {
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (Pte::present(get(s, tlb_slot(cpu, t, page)))) return true;
  }
  return false;
}

std::int64_t Machine::tlb_entry(const checker::Word* s, int cpu, std::int64_t page) const {
  std::int64_t tag = current_tag(s, cpu);
  return tag < 0 ? 0 : get(s, tlb_slot(cpu, tag, page));
}

}  // namespace tlbcheck::model::machine
