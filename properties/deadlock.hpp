// The `deadlock` property: some process can always take a step until every
// process has run to its end. The explorer finds the states without
// successors that the System does not call final (checker/system.hpp,
// deadlock_property()); this file says why nothing can move.
#pragma once

#include <string>
#include <vector>

namespace tlbcheck::properties {

// A process that has not ended and cannot take a step.
struct Blocked {
  std::string process;    // "waiter@cpu1"
  int cpu = 0;
  std::string call;       // the inlined call it is blocked in ("spin_lock(B)"), or empty
  std::string at;         // "lock_order.tlb:12"
  std::string statement;  // "await(!locked[l]);"
};

// "no process can take a step: a on cpu0 is blocked in spin_lock(B) at
// t.tlb:9 'await(!locked[l]);'; b on cpu1 is blocked ..."
std::string explain_deadlock(const std::vector<Blocked>& blocked);

}  // namespace tlbcheck::properties
