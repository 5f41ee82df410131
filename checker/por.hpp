// Partial-order reduction: which of a state's enabled groups must be
// explored, so that every reachable violation and deadlock is still found.
// A stubborn set (Valmari) over the groups, from the System's read and
// write sets (PorInfo):
//   D0  it holds an enabled group (the seed);
//   D1  with an enabled group, every group dependent on it: one that writes
//       what the other reads or writes (transient slots aside);
//   D2  with a disabled group, every group that writes one of its enabling
//       slots (System::enabling_slots: one of them must change first);
//   V   (visibility) no enabled group of it writes a visible slot (what
//       check() or expand() reads), unless the set is every enabled group.
// The ample set is its enabled groups. D1 and D2 make it persistent: no
// sequence of groups outside it, from the state on, can touch it or
// enable one of its disabled groups, so its enabled groups can go first and
// every other path is still explored, reordered; the deadlocks are those of
// the full graph. V keeps every state-judged verdict along the reordered
// paths. The explorer adds the cycle proviso (explorer.cpp) so that no
// group is postponed forever around a cycle.
//
// The violation slot is transient (not a dependence): a step that records
// a violation computes it from its reads, which a postponed step's
// independent predecessors did not change, so it records the same
// violation later; and a violating state is never expanded, so nothing
// after it depends on which step recorded it first. A reduced search may
// therefore report another violation, or the same one later, than the
// unreduced search: counterexamples are real paths but not always the
// shortest.
//
// Thread-safety: immutable after construction; each worker has Buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "checker/system.hpp"

namespace tlbcheck::checker {

class PartialOrder {
 public:
  // `system.por_info()` must not be null.
  explicit PartialOrder(const System& system);

  // Per worker: marks by stamp (no clearing per state) and work lists.
  struct Buffers {
    std::vector<std::uint32_t> in_set, slot_done, enabled;  // stamps per group, per slot, per group
    std::uint32_t stamp = 0, state_stamp = 0;
    std::vector<std::uint32_t> work, members, slots, best;
  };
  Buffers make_buffers() const;

  // A new state: then mark each group that has a successor in it.
  void begin_state(Buffers& b) const;
  void mark_enabled(Buffers& b, GroupId g) const { b.enabled[g.v] = b.state_stamp; }
  bool is_enabled(const Buffers& b, std::uint32_t g) const { return b.enabled[g] == b.state_stamp; }

  // The ample set of state `s` whose enabled groups (`enabled_count` of
  // them) were marked: true and its groups in `ample` (ascending) when it
  // is smaller than all of them; false when s must be expanded fully.
  bool ample(ConstStateRef s, std::uint32_t enabled_count, Buffers& b, std::vector<std::uint32_t>& ample) const;

  // Groups that write a visible slot (never in a reduced set), and how
  // many groups depend on each: for reports and tests.
  bool visible(GroupId g) const { return visible_[g.v]; }
  const std::vector<std::uint32_t>& dependent(GroupId g) const { return dependent_[g.v]; }

 private:
  // The stubborn set from `seed`; false when it has a visible enabled
  // group or at least `limit` enabled ones.
  bool closure(ConstStateRef s, std::uint32_t seed, std::uint32_t limit, Buffers& b, std::uint32_t& enabled_in) const;

  const System& system_;
  std::size_t groups_ = 0, slots_ = 0;
  std::vector<std::vector<std::uint32_t>> dependent_;  // per group: the others dependent on it
  std::vector<std::vector<std::uint32_t>> writers_;    // per slot: the groups that may write it
  std::vector<bool> visible_;                          // per group
};

}  // namespace tlbcheck::checker
