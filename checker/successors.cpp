#include "checker/successors.hpp"

#include <algorithm>

namespace tlbcheck::checker {

std::optional<GroupId> nth_successor(const System& system, Scratch& scratch, ConstStateRef from, std::uint64_t ordinal, std::vector<Word>& out) {
  std::uint64_t seen = 0;
  std::optional<GroupId> group;
  system.next(from, scratch, [&](GroupId g, ConstStateRef s) {
    if (!group && seen++ == ordinal) {
      group = g;
      out.assign(s.begin(), s.end());
    }
  });
  return group;
}

bool successor(const System& system, Scratch& scratch, ConstStateRef from, GroupId group, std::uint32_t choice, std::vector<Word>& out) {
  std::uint32_t seen = 0;
  bool found = false;
  system.next_in_group(from, scratch, group, [&](GroupId, ConstStateRef s) {
    if (!found && seen++ == choice) {
      out.assign(s.begin(), s.end());
      found = true;
    }
  });
  return found;
}

std::optional<std::uint32_t> choice_of(const System& system, Scratch& scratch, ConstStateRef from, GroupId group, ConstStateRef to) {
  std::uint32_t seen = 0;
  std::optional<std::uint32_t> found;
  system.next_in_group(from, scratch, group, [&](GroupId, ConstStateRef s) {
    if (!found && std::equal(s.begin(), s.end(), to.begin(), to.end())) found = seen;
    ++seen;
  });
  return found;
}

}  // namespace tlbcheck::checker
