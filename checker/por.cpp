#include "checker/por.hpp"

#include <algorithm>

namespace tlbcheck::checker {

namespace {

using Bits = std::vector<std::uint64_t>;

Bits to_bits(const std::vector<std::uint32_t>& slots, std::size_t n, const std::vector<bool>& transient) {
  Bits b((n + 63) / 64, 0);
  for (std::uint32_t s : slots) {
    if (s < n && !transient[s]) b[s / 64] |= 1ULL << (s % 64);
  }
  return b;
}

bool meet(const Bits& a, const Bits& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] & b[i]) != 0) return true;
  }
  return false;
}

}  // namespace

PartialOrder::PartialOrder(const System& system) : system_(system) {
  const PorInfo& info = *system.por_info();
  groups_ = system.groups().size();
  slots_ = system.layout().slots.size();
  std::vector<bool> transient(slots_, false), visible_slot(slots_, false);
  for (std::uint32_t s : info.transient) transient[s] = true;
  for (std::uint32_t s : info.visible) visible_slot[s] = true;
  std::vector<Bits> reads(groups_), writes(groups_);
  writers_.assign(slots_, {});
  visible_.assign(groups_, false);
  for (std::size_t g = 0; g < groups_; ++g) {
    // reads take in writes (PorInfo's contract), and are made to here too
    std::vector<std::uint32_t> r = info.reads[g];
    r.insert(r.end(), info.writes[g].begin(), info.writes[g].end());
    reads[g] = to_bits(r, slots_, transient);
    writes[g] = to_bits(info.writes[g], slots_, transient);
    for (std::uint32_t s : info.writes[g]) {
      if (transient[s]) continue;
      if (writers_[s].empty() || writers_[s].back() != g) writers_[s].push_back(std::uint32_t(g));
      if (visible_slot[s]) visible_[g] = true;
    }
  }
  // g and h are dependent when one writes what the other reads (or
  // writes: reads hold the writes); groups with the same sets share a test
  dependent_.assign(groups_, {});
  for (std::size_t g = 0; g < groups_; ++g) {
    for (std::size_t h = g + 1; h < groups_; ++h) {
      if (meet(writes[g], reads[h]) || meet(writes[h], reads[g])) {
        dependent_[g].push_back(std::uint32_t(h));
        dependent_[h].push_back(std::uint32_t(g));
      }
    }
  }
}

PartialOrder::Buffers PartialOrder::make_buffers() const {
  Buffers b;
  b.in_set.assign(groups_, 0);
  b.enabled.assign(groups_, 0);
  b.slot_done.assign(slots_, 0);
  return b;
}

void PartialOrder::begin_state(Buffers& b) const {
  if (++b.state_stamp == 0) {  // wrapped: clear the marks once
    std::fill(b.enabled.begin(), b.enabled.end(), 0);
    b.state_stamp = 1;
  }
}

bool PartialOrder::closure(ConstStateRef s, std::uint32_t seed, std::uint32_t limit, Buffers& b, std::uint32_t& enabled_in) const {
  if (++b.stamp == 0) {
    std::fill(b.in_set.begin(), b.in_set.end(), 0);
    std::fill(b.slot_done.begin(), b.slot_done.end(), 0);
    b.stamp = 1;
  }
  const std::uint32_t stamp = b.stamp;
  b.work.clear();
  b.members.clear();
  auto add = [&](std::uint32_t g) {
    if (b.in_set[g] == stamp) return;
    b.in_set[g] = stamp;
    b.work.push_back(g);
  };
  add(seed);
  enabled_in = 0;
  while (!b.work.empty()) {
    const std::uint32_t t = b.work.back();
    b.work.pop_back();
    if (is_enabled(b, t)) {
      if (visible_[t] || ++enabled_in >= limit) return false;  // V, or no better than what we have
      b.members.push_back(t);
      for (std::uint32_t h : dependent_[t]) add(h);  // D1
      continue;
    }
    b.slots.clear();  // D2
    system_.enabling_slots(s, GroupId{t}, b.slots);
    for (std::uint32_t x : b.slots) {
      if (b.slot_done[x] == stamp) continue;
      b.slot_done[x] = stamp;
      for (std::uint32_t h : writers_[x]) add(h);
    }
  }
  return true;
}

bool PartialOrder::ample(ConstStateRef s, std::uint32_t enabled_count, Buffers& b, std::vector<std::uint32_t>& ample) const {
  ample.clear();
  if (enabled_count < 2) return false;
  std::uint32_t best = enabled_count;  // a set must have fewer enabled groups to be worth it
  b.best.clear();
  for (std::uint32_t g = 0; g < groups_ && best > 1; ++g) {
    if (!is_enabled(b, g) || visible_[g]) continue;
    std::uint32_t n = 0;
    if (!closure(s, g, best, b, n)) continue;
    best = n;
    b.best = b.members;
  }
  if (b.best.empty()) return false;
  ample = b.best;
  std::sort(ample.begin(), ample.end());
  return true;
}

}  // namespace tlbcheck::checker
