#include "model/machine/machine.hpp"

#include <algorithm>
#include <set>

#include "properties/stale_cache.hpp"

namespace tlbcheck::model::machine {

namespace {

std::int64_t entry_frame(std::int64_t raw) { return (raw - 1) / 2; }
bool entry_writable(std::int64_t raw) { return ((raw - 1) % 2) != 0; }
std::int64_t make_entry(std::int64_t frame, bool writable) { return 1 + 2 * frame + (writable ? 1 : 0); }

Effect violation(properties::StaleTranslation why, std::int64_t frame, std::int64_t other = -1) {
  Effect e;
  e.kind = Effect::Violation;
  e.stale = why;
  e.frame = frame;
  e.other = other;
  return e;
}

Effect runtime(std::string message) {
  Effect e;
  e.kind = Effect::Violation;
  e.runtime = std::move(message);
  return e;
}

}  // namespace

Machine::Machine(const Config& config, int mms, std::vector<std::int64_t> page_index, int irqs, Slots slots,
                 const std::vector<ModelSlot>* layout, const std::vector<SlotAccess>* access)
    : config_(config), mms_(mms), irqs_(irqs), page_index_(std::move(page_index)), slots_(std::move(slots)), layout_(layout), access_(access) {
  frames_ = int(slots_.kind.size());
  if (config_.words < 1) config_.words = 1;
  if (config_.walk_cache) {
    std::set<std::pair<int, std::int64_t>> keys;
    for (std::int64_t n : page_index_) {
      for (int l = 2; l <= config_.levels; ++l) keys.insert({l, prefix_at(n, l)});
    }
    for (auto [l, p] : keys) walk_keys_.push_back({l, p});
  }
}

std::int64_t Machine::get(const checker::Word* s, std::uint32_t slot) const { return (*access_)[slot].get(s); }

void Machine::set(checker::Word* s, std::uint32_t slot, std::int64_t v) const { (*access_)[slot].set(s, v); }

std::int64_t Machine::index_at(std::int64_t n, int level) const {
  std::int64_t div = 1;
  for (int l = 1; l < level; ++l) div *= config_.entries;
  return (n / div) % config_.entries;
}

std::int64_t Machine::prefix_at(std::int64_t n, int level) const {
  std::int64_t div = 1;
  for (int l = 1; l < level; ++l) div *= config_.entries;
  return n / div;
}

int Machine::walk_key(int level, std::int64_t page) const {
  std::int64_t prefix = prefix_at(page_index_[std::size_t(page)], level);
  for (std::size_t k = 0; k < walk_keys_.size(); ++k) {
    if (walk_keys_[k].level == level && walk_keys_[k].prefix == prefix) return int(k);
  }
  return -1;
}

// ---- software page tables ------------------------------------------------------

std::int64_t Machine::table_at(const checker::Word* s, std::int64_t mm, std::int64_t page, int level, Effect& e) const {
  if (mm < 0 || mm >= mms_) {
    e = runtime("mm none has no page tables");
    return -1;
  }
  std::int64_t t = get(s, slots_.pgd[std::size_t(mm)]);
  std::int64_t n = page_index_[std::size_t(page)];
  for (int l = config_.levels;; --l) {
    if (t < 0) return -1;
    if (FrameKind(get(s, slots_.kind[std::size_t(t)])) != FrameKind::Table) {
      e = runtime("frame " + std::to_string(t) + " in the page tables is not a page table");
      return -1;
    }
    if (l == level) return t;
    std::int64_t raw = get(s, slots_.entry[std::size_t(t * config_.entries + index_at(n, l))]);
    t = raw == 0 ? -1 : entry_frame(raw);
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
  if (t < 0) return runtime("no page table at level " + std::to_string(level) + " for this page: set the entry at level " + std::to_string(level + 1) + " first");
  std::uint32_t slot = slots_.entry[std::size_t(t * config_.entries + index_at(page_index_[std::size_t(page)], level))];
  std::int64_t old = get(s, slot);
  if (raw != 0) {
    std::int64_t f = entry_frame(raw);
    if (f < 0 || f >= frames_) return runtime("an entry must point to a frame, not none");
    FrameKind want = level == 1 ? FrameKind::Data : FrameKind::Table;
    FrameKind have = FrameKind(get(s, slots_.kind[std::size_t(f)]));
    if (have != want) {
      return runtime("a level-" + std::to_string(level) + " entry must point to a " + (level == 1 ? "data frame" : "page-table frame") + ", and frame " +
                     std::to_string(f) + " is " + (have == FrameKind::Free ? "free" : have == FrameKind::Data ? "a data frame" : "a page table"));
    }
  }
  if (level == 1) {
    if (old != 0) {
      std::uint32_t maps = slots_.maps[std::size_t(entry_frame(old))];
      set(s, maps, std::max<std::int64_t>(0, get(s, maps) - 1));
    }
    if (raw != 0) {
      std::int64_t f = entry_frame(raw);
      std::uint32_t maps = slots_.maps[std::size_t(f)];
      std::int64_t n = get(s, maps);
      if (n >= (*layout_)[maps].hi) return runtime("frame " + std::to_string(f) + " would be mapped more than " + std::to_string(n) + " times");
      std::uint32_t owners = slots_.owner[std::size_t(f)];
      set(s, owners, get(s, owners) | (std::int64_t(1) << mm));  // mm has mapped it since its allocation
      set(s, maps, n + 1);
    }
  }
  set(s, slot, raw);
  return e;
}

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
  return e;  // none free: the result is none
}

Effect Machine::release(checker::Word* s, std::int64_t f, FrameKind kind) const {
  if (f < 0 || f >= frames_) return runtime("cannot free frame none");
  FrameKind have = FrameKind(get(s, slots_.kind[std::size_t(f)]));
  if (have != kind) {
    return runtime(std::string(kind == FrameKind::Data ? "free_frame" : "free_table") + "(" + std::to_string(f) + "): frame " + std::to_string(f) + " is " +
                   (have == FrameKind::Free ? "already free" : have == FrameKind::Data ? "a data frame: use free_frame" : "a page table: use free_table"));
  }
  set(s, slots_.kind[std::size_t(f)], std::int64_t(FrameKind::Free));
  set(s, slots_.owner[std::size_t(f)], 0);
  set(s, slots_.maps[std::size_t(f)], 0);
  for (int w = 0; w < config_.words; ++w) set(s, value_slot(f, w), 0);
  for (int i = 0; i < config_.entries; ++i) set(s, slots_.entry[std::size_t(f * config_.entries + i)], 0);
  if (config_.colours > 0) {  // a freed frame's lines are dropped (the allocator's clean page)
    for (int w = 0; w < config_.words; ++w) {
      for (int c = 0; c < config_.colours; ++c) set(s, line_slot(c, f, w), 0);
      set(s, latest_slot(f, w), 0);
    }
  }
  return {};
}

// ---- TLB and walk caches -------------------------------------------------------------

std::int64_t Machine::current_tag(const checker::Word* s, int cpu) const {
  if (!config_.pcid) return 0;
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  for (int m = 0; m < mms_ && root >= 0; ++m) {
    if (get(s, slots_.pgd[std::size_t(m)]) == root) return m;
  }
  return -1;  // a root that is no mm's page directory: nothing matches
}

void Machine::invalidate_page(checker::Word* s, int cpu, std::int64_t page, bool walk_too, std::int64_t tag) const {
  std::int64_t n = page_index_[std::size_t(page)];
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (tag >= 0 && t != tag) continue;
    set(s, tlb_slot(cpu, t, page), 0);
    if (!walk_too) continue;
    for (std::size_t k = 0; k < walk_keys_.size(); ++k) {
      if (prefix_at(n, walk_keys_[k].level) == walk_keys_[k].prefix) set(s, walk_slot(cpu, t, k), 0);
    }
  }
}

void Machine::invalidate_all(checker::Word* s, int cpu, std::int64_t tag) const {
  for (std::int64_t t = 0; t < tags(); ++t) {
    if (tag >= 0 && t != tag) continue;
    for (int p = 0; p < pages(); ++p) set(s, tlb_slot(cpu, t, p), 0);
    for (std::size_t k = 0; k < walk_keys_.size(); ++k) set(s, walk_slot(cpu, t, k), 0);
  }
}

Effect Machine::walk(checker::Word* s, int cpu, std::int64_t page, bool fill_tlb, std::int64_t& raw, bool check) const {
  Effect fault;
  fault.kind = Effect::Fault;
  std::int64_t root = get(s, slots_.cr3[std::size_t(cpu)]);
  // stale-translation judges the root and every table frame the walk uses
  auto kind_of = [&](std::int64_t frame) { return frame_state(FrameKind(get(s, slots_.kind[std::size_t(frame)]))); };
  if (root < 0) return check ? violation(properties::judge_root(root, properties::FrameState::Free), -1) : fault;
  if (check) {
    if (auto why = properties::judge_root(root, kind_of(root)); why != properties::StaleTranslation::None) return violation(why, root);
  }
  std::int64_t n = page_index_[std::size_t(page)];
  std::int64_t tag = current_tag(s, cpu);
  // a root that is no address space's (PCIDs: no tag): no table of any mm
  if (tag < 0) return check ? violation(properties::StaleTranslation::RootNotTable, root) : fault;
  std::int64_t t = root;
  int level = config_.levels;
  // start below the deepest walk-cache entry that covers the page
  for (int l = 2; l <= config_.levels && !walk_keys_.empty(); ++l) {
    int k = walk_key(l, page);
    std::int64_t cached = k < 0 ? 0 : get(s, walk_slot(cpu, tag, std::size_t(k)));
    if (cached != 0) {
      t = cached - 1;
      level = l - 1;
      break;
    }
  }
  for (;; --level) {
    if (check) {
      if (auto why = properties::judge_table(kind_of(t)); why != properties::StaleTranslation::None) return violation(why, t);
    }
    std::int64_t e = get(s, slots_.entry[std::size_t(t * config_.entries + index_at(n, level))]);
    if (e == 0) return fault;  // (a freed frame reads as all entries absent)
    if (level == 1) {
      raw = e;
      if (fill_tlb) set(s, tlb_slot(cpu, tag, page), e);
      return {};
    }
    std::int64_t next = entry_frame(e);
    if (!walk_keys_.empty()) set(s, walk_slot(cpu, tag, std::size_t(walk_key(level, page))), 1 + next);
    t = next;
  }
}

Effect Machine::access(checker::Word* s, int cpu, std::int64_t page, int kind, std::int64_t value, bool check, std::int64_t space_in,
                       bool check_cache, int word) const {
  std::int64_t tag = current_tag(s, cpu);
  std::uint32_t entry_slot = tag < 0 ? slots_.tlb[0] : tlb_slot(cpu, tag, page);
  std::int64_t raw = tag < 0 ? 0 : get(s, entry_slot);
  if (raw == 0) {
    Effect w = walk(s, cpu, page, true, raw, check);
    if (w.kind != Effect::Ok) return w;
  }
  std::int64_t f = entry_frame(raw);
  if (kind == 2 && !entry_writable(raw)) {
    set(s, entry_slot, 0);  // x86 drops the entry that faulted
    Effect fault;
    fault.kind = Effect::Fault;
    return fault;
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
    return violation(why, f, why == StaleTranslation::ForeignFrame ? std::int64_t(reached.owners) : why == StaleTranslation::CowWrite ? reached.maps : -1);
  }
  Effect e;
  e.frame = f;
  if (kind == 2 && (value < 0 || value >= config_.values)) {
    return runtime("store of " + std::to_string(value) + ": a page holds 0.." + std::to_string(config_.values - 1) + " (machine field 'values')");
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

// ---- the data cache ----------------------------------------------------------------

Effect Machine::cache_read(checker::Word* s, int colour, std::int64_t f, int word, bool check) const {
  std::uint32_t slot = line_slot(colour, f, word);
  std::int64_t line = get(s, slot);
  std::int64_t v = 0;
  if (line != 0) {
    v = (line - 1) / 2;
  } else {
    v = get(s, value_slot(f, word));
    set(s, slot, 1 + 2 * v);  // read-allocate, clean
  }
  Effect e;
  e.frame = f;
  e.value = v;
  std::int64_t latest = get(s, latest_slot(f, word));
  if (check && properties::read_is_stale(v, latest)) {
    e.kind = Effect::Violation;
    e.stale_read = true;
    e.other = latest;
    e.colour = colour;
    e.word = word;
    for (int c = 0; c < config_.colours; ++c) {  // where the latest value sits
      std::int64_t l = get(s, line_slot(c, f, word));
      if (c != colour && l != 0 && (l - 1) % 2 == 1 && (l - 1) / 2 == latest) e.dirty_colour = c;
    }
  }
  return e;
}

void Machine::cache_write(checker::Word* s, int colour, std::int64_t f, int word, std::int64_t value) const {
  set(s, line_slot(colour, f, word), 1 + 2 * value + 1);  // write-allocate, dirty
  set(s, latest_slot(f, word), value);
}

void Machine::cache_flush(checker::Word* s, int colour, std::int64_t f) const {
  for (int w = 0; w < config_.words; ++w) cache_evict(s, colour, f, w);
}

bool Machine::cache_writeback(checker::Word* s, int colour, std::int64_t f, int word) const {
  std::uint32_t slot = line_slot(colour, f, word);
  std::int64_t line = get(s, slot);
  if (line == 0 || (line - 1) % 2 == 0) return false;
  set(s, value_slot(f, word), (line - 1) / 2);
  set(s, slot, line - 1);
  return true;
}

bool Machine::cache_evict(checker::Word* s, int colour, std::int64_t f, int word) const {
  std::uint32_t slot = line_slot(colour, f, word);
  if (get(s, slot) == 0) return false;
  cache_writeback(s, colour, f, word);
  set(s, slot, 0);
  return true;
}

Effect Machine::copy_page(checker::Word* s, std::int64_t dst, std::int64_t src, bool check) const {
  for (int w = 0; w < config_.words; ++w) {
    if (config_.colours == 0) {
      set(s, value_slot(dst, w), get(s, value_slot(src, w)));
      continue;
    }
    Effect e = cache_read(s, kernel_colour(), src, w, check);
    if (e.kind != Effect::Ok) return e;
    cache_write(s, kernel_colour(), dst, w, e.value);
  }
  return {};
}

Effect Machine::speculate(checker::Word* s, int cpu, std::int64_t page, bool check) const {
  if (get(s, slots_.cr3[std::size_t(cpu)]) < 0) return {};
  std::int64_t raw = 0;
  Effect e = walk(s, cpu, page, true, raw, check);
  if (e.kind == Effect::Fault) return {};  // nothing (more) to fill
  return e;
}

Effect Machine::send_ipi(checker::Word* s, std::int64_t target, bool is_mask, int irq) const {
  for (int c = 0; c < config_.cpus; ++c) {
    bool hit = is_mask ? ((target >> c) & 1) != 0 : target == c;
    if (!hit) continue;
    std::uint32_t slot = slots_.ipi_pending[std::size_t(c)];
    set(s, slot, get(s, slot) | (std::int64_t(1) << irq));
  }
  if (!is_mask && (target < 0 || target >= config_.cpus)) {
    Effect e = runtime("send_ipi to cpu " + std::to_string(target) + ", which does not exist");
    e.value = target;
    return e;
  }
  return {};
}

// ---- boot --------------------------------------------------------------------------

int Machine::boot_frames(const Config& config, int mms, const std::vector<std::int64_t>& page_index, const std::vector<BootMap>& maps) {
  std::set<int> roots;
  for (int m = 1; m < mms; ++m) roots.insert(m);
  std::set<std::tuple<int, int, std::int64_t>> tables;  // (mm, level, prefix)
  for (const BootMap& b : maps) {
    roots.insert(b.mm);
    for (int l = 1; l < config.levels; ++l) {
      std::int64_t div = 1;
      for (int k = 0; k < l; ++k) div *= config.entries;
      tables.insert({b.mm, l, page_index[std::size_t(b.page)] / div});
    }
  }
  return int(roots.size() + tables.size() + maps.size());
}

bool Machine::boot(checker::Word* s, const std::vector<BootMap>& maps, std::string& error) const {
  int next = 0;
  auto take = [&](FrameKind kind, std::int64_t owner) -> std::int64_t {
    if (next >= frames_) return -1;
    set(s, slots_.kind[std::size_t(next)], std::int64_t(kind));
    set(s, slots_.owner[std::size_t(next)], std::int64_t(1) << owner);
    return next++;
  };
  std::vector<bool> has_root(std::size_t(mms_), false);
  for (int m = 1; m < mms_; ++m) has_root[std::size_t(m)] = true;
  for (const BootMap& b : maps) has_root[std::size_t(b.mm)] = true;
  for (int m = 0; m < mms_; ++m) {
    if (!has_root[std::size_t(m)]) continue;
    std::int64_t root = take(FrameKind::Table, m);
    if (root < 0) {
      error = "the machine has too few frames for the boot mappings (frames = " + std::to_string(frames_) + ")";
      return false;
    }
    set(s, slots_.pgd[std::size_t(m)], root);
  }
  for (const BootMap& b : maps) {
    std::int64_t n = page_index_[std::size_t(b.page)];
    std::int64_t t = get(s, slots_.pgd[std::size_t(b.mm)]);
    for (int l = config_.levels; l >= 2; --l) {
      std::uint32_t slot = slots_.entry[std::size_t(t * config_.entries + index_at(n, l))];
      std::int64_t e = get(s, slot);
      if (e == 0) {
        std::int64_t table = take(FrameKind::Table, b.mm);
        if (table < 0) {
          error = "the machine has too few frames for the boot mappings (frames = " + std::to_string(frames_) + ")";
          return false;
        }
        e = make_entry(table, true);
        set(s, slot, e);
      }
      t = entry_frame(e);
    }
    std::int64_t data = take(FrameKind::Data, b.mm);
    if (data < 0) {
      error = "the machine has too few frames for the boot mappings (frames = " + std::to_string(frames_) + ")";
      return false;
    }
    set(s, slots_.maps[std::size_t(data)], 1);
    set(s, slots_.entry[std::size_t(t * config_.entries + index_at(n, 1))], make_entry(data, b.writable));
  }
  return true;
}

}  // namespace tlbcheck::model::machine
