// Boot: the initial page tables of the boot mappings, and how many frames
// they need.
#include "model/machine/machine.hpp"

#include <set>
#include <tuple>

namespace tlbcheck::model::machine {

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
        e = pte_.make(table, true);
        set(s, slot, e);
      }
      t = pte_.frame(e);
    }
    std::int64_t data = take(FrameKind::Data, b.mm);
    if (data < 0) {
      error = "the machine has too few frames for the boot mappings (frames = " + std::to_string(frames_) + ")";
      return false;
    }
    set(s, slots_.maps[std::size_t(data)], 1);
    set(s, slots_.entry[std::size_t(t * config_.entries + index_at(n, 1))], pte_.make(data, leaf_flags(b.page, b.writable)));
  }
  return true;
}

}  // namespace tlbcheck::model::machine
