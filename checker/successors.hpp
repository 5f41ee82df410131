// Re-running one step of a trace: the successor a (group, ordinal) names,
// and the ordinal of a known successor. Trace reconstruction, trace
// descriptions and replay all identify a step this way, so a trace means
// the same thing to each of them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "checker/system.hpp"

namespace tlbcheck::checker {

// The `ordinal`-th successor of `from` (0-based, in next()'s order), into
// `out`, and the group that leads to it; nothing if there are fewer.
std::optional<GroupId> nth_successor(const System& system, Scratch& scratch, ConstStateRef from, std::uint64_t ordinal, std::vector<Word>& out);

// The `choice`-th successor (0-based, in emission order) that a step of
// `group` leads to from `from`, into `out`; false if there is none.
bool successor(const System& system, Scratch& scratch, ConstStateRef from, GroupId group, std::uint32_t choice, std::vector<Word>& out);

// Which of `group`'s successors of `from` is `to`, if it is one.
std::optional<std::uint32_t> choice_of(const System& system, Scratch& scratch, ConstStateRef from, GroupId group, ConstStateRef to);

}  // namespace tlbcheck::checker
