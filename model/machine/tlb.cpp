// The per-CPU TLB: which address space's entries are current (PCIDs), local
// invalidations, and a translated access (TLB, else a page walk, then the
// frame the translation leads to, which stale-translation judges).
#include "model/machine/machine.hpp"

#include "properties/asid_alias.hpp"

namespace tlbcheck::model::machine {

std::int64_t Machine::tag_of_root(const checker::Word* s, int cpu) const {
  if (config_.asids > 0) return get(s, slots_.asid[std::size_t(cpu)]);
  if (!config_.pcid) return 0;
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  for (int m = 0; m < mms_ && root >= 0; ++m) {
    if (get(s, slots_.pgd[std::size_t(m)]) == root) return m;
  }
  return -1;  // a root that is no mm's page directory: nothing matches
}

void Machine::invalidate_page(checker::Word* s, int cpu, std::int64_t page, bool walk_too, std::int64_t tag, int walk_levels, bool any_address, bool keep_global) const {
  std::int64_t n = page_index_[std::size_t(page)];
  for (std::int64_t t = 0; t < tags(); ++t) {
    const bool own = tag < 0 || t == tag;
    // a global entry belongs to every address space: dropped wherever it is
    auto drop = [&](std::int64_t p) {
      std::uint32_t slot = tlb_slot(cpu, t, p);
      const bool global = pte_.carries(pte_flag::kGlobal) && pte_.has(get(s, slot), pte_flag::kGlobal);
      if (keep_global ? own && !global : own || global) set(s, slot, 0);
    };
    if (config_.huge) {
      // a block's translation is one TLB entry (SDM 4.10.4.1: INVLPG drops
      // the entry for the large page that contains the address): the
      // block-filled entries of the other pages it covers go with it
      for (std::int64_t q = 0; q < pages(); ++q) {
        const int b = pte_.block_level(get(s, tlb_slot(cpu, t, q)));
        if (q != page && b > 0 && prefix_at(page_index_[std::size_t(q)], b) == prefix_at(n, b)) drop(q);
      }
    }
    if (!own || keep_global) {
      drop(page);
      if (!own) continue;
    } else {
      set(s, tlb_slot(cpu, t, page), 0);
    }
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

void Machine::invalidate_all(checker::Word* s, int cpu, std::int64_t tag, bool keep_global) const {
  keep_global = keep_global && pte_.carries(pte_flag::kGlobal);
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (tag >= 0 && t != tag) continue;
    for (int p = 0; p < pages(); ++p) {
      std::uint32_t slot = tlb_slot(cpu, t, p);
      if (!keep_global || !pte_.has(get(s, slot), pte_flag::kGlobal)) set(s, slot, 0);
    }
    for (std::size_t k = 0; k < walk_keys_.size(); ++k) set(s, walk_slot(cpu, t, k), 0);
  }
}

std::int64_t Machine::tlb_lookup(const checker::Word* s, int cpu, std::int64_t tag, std::int64_t page) const {
  if (tag < 0) return 0;
  std::int64_t raw = get(s, tlb_slot(cpu, tag, page));
  if (raw != 0 || !pte_.carries(pte_flag::kGlobal)) return raw;
  for (std::int64_t t = 0; t < tags(); ++t) {  // a global entry matches every PCID
    std::int64_t other = get(s, tlb_slot(cpu, t, page));
    if (pte_.has(other, pte_flag::kGlobal)) return other;
  }
  return 0;
}

Effect Machine::access(checker::Word* s, int cpu, std::int64_t page, int kind, std::int64_t value, bool check, std::int64_t space_in,
                       bool check_cache, int word, unsigned claims) const {
  std::int64_t tag = current_tag(s, cpu);
  std::int64_t raw = tlb_lookup(s, cpu, tag, page);
  bool hit = raw != 0;  // the TLB's entry is used, not the tables' (stale-permission)
  // x86 (Intel SDM 4.10.4.1): a page fault invalidates the TLB entry for the
  // faulting page and the walk-cache entries that would be used for its
  // address, so a retried access sees the tables as they are in memory
  auto fault = [&] {
    if (config_.fault_invalidates && tag >= 0) invalidate_page(s, cpu, page, true, tag);
    return Effect::fault();
  };
  if (raw == 0) {
    Effect w = walk(s, cpu, page, true, raw, check, kind == 2);
    if (w.kind == Effect::Fault) return fault();
    if (w.kind != Effect::Ok) return w;
  }
  // a user task's access to a user page needs the user bit
  if (pte_.carries(pte_flag::kUser) && space_in >= 0 && !page_kernel_[std::size_t(page)] && !pte_.has(raw, pte_flag::kUser)) return fault();
  if (kind == 2 && !pte_.writable(raw)) return fault();
  if (kind == 2 && pte_.carries(pte_flag::kDirty) && !pte_.has(raw, pte_flag::kDirty)) {
    // a store through a clean entry: x86 walks the tables again and sets
    // the dirty bit there (so a stale clean entry cannot write where the
    // tables no longer allow it); arm64 without hardware dirty management
    // takes a permission fault, and the kernel's handler decides
    if (!config_.pte_hw_update) return fault();
    hit = false;
    Effect w = walk(s, cpu, page, true, raw, check, true);
    if (w.kind == Effect::Fault) return fault();
    if (w.kind != Effect::Ok) return w;
    if (!pte_.writable(raw)) return fault();
  }
  std::int64_t f = pte_.frame(raw);
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
  properties::Reached reached;
  reached.state = frame_state(k);
  if (k == FrameKind::Data) {  // (a free or reused frame has no owners to speak of)
    reached.owners = std::uint64_t(get(s, slots_.owner[std::size_t(f)]));
    reached.maps = get(s, slots_.maps[std::size_t(f)]);
  }
  reached.space = space;
  reached.write = kind == 2;
  if (check) {
    if (auto why = properties::judge_frame(reached); why != properties::StaleTranslation::None) {
      using properties::StaleTranslation;
      return Effect::stale_translation(why, f, why == StaleTranslation::ForeignFrame ? std::int64_t(reached.owners) : why == StaleTranslation::CowWrite ? reached.maps : -1);
    }
  }
  // the kernel's claims: a narrowing declared complete, a frame copied or written back
  if (claims != 0) {
    if (hit && (claims & kClaimPermission) != 0) {
      const bool user_access = pte_.carries(pte_flag::kUser) && space_in >= 0 && !page_kernel_[std::size_t(page)];
      if (Effect judged = judge_permission(s, space, page, raw, kind == 2, user_access); judged.kind != Effect::Ok) return judged;
    }
    if (kind == 2 && k == FrameKind::Data) {
      if (Effect judged = judge_store(s, f, page, claims); judged.kind != Effect::Ok) return judged;
    }
  }
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
    for (int p = 0; p < pages(); ++p) n += get(s, tlb_slot(cpu, t, p)) != 0 ? 1 : 0;
  }
  return n;
}

bool Machine::tlb_holds(const checker::Word* s, int cpu, std::int64_t page) const {
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (get(s, tlb_slot(cpu, t, page)) != 0) return true;
  }
  return false;
}

std::int64_t Machine::tlb_entry(const checker::Word* s, int cpu, std::int64_t page) const {
  return tlb_lookup(s, cpu, current_tag(s, cpu), page);
}

}  // namespace tlbcheck::model::machine

namespace tlbcheck::model::machine {

Machine::AsidAliasAt Machine::asid_alias(const checker::Word* s) const {
  AsidAliasAt at;
  if (config_.asids == 0) return at;
  for (int c = 0; c < config_.cpus; ++c) {
    const std::int64_t root = get(s, slots_.cr3[std::size_t(c)]);
    std::int64_t mm = -1;
    for (int m = 0; m < mms_ && root >= 0; ++m) {
      if (get(s, slots_.pgd[std::size_t(m)]) == root) mm = m;
    }
    if (mm < 0) continue;
    const std::int64_t asid = get(s, slots_.asid[std::size_t(c)]);
    for (std::int64_t p = 0; p < pages(); ++p) {
      const std::int64_t raw = get(s, tlb_slot(c, asid, p));
      if (!pte_.holds_frame(raw) || (pte_.carries(pte_flag::kGlobal) && pte_.has(raw, pte_flag::kGlobal))) continue;
      const std::int64_t f = pte_.frame(raw);
      if (FrameKind(get(s, slots_.kind[std::size_t(f)])) != FrameKind::Data) continue;
      const std::int64_t owners = get(s, slots_.owner[std::size_t(f)]);
      if (!properties::is_asid_alias(owners, mm)) continue;
      return {c, asid, mm, p, f, owners};
    }
  }
  return at;
}

}  // namespace tlbcheck::model::machine
