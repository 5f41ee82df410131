// deadlock's explanation: every blocked process, with where it waits.
#include <catch2/catch.hpp>

#include "properties/deadlock.hpp"

using namespace tlbcheck::properties;

TEST_CASE("deadlock: every blocked process, with the call it waits in", "[properties]") {
  std::vector<Blocked> blocked = {{"a", 0, "spin_lock(B)", "t.tlb:9", "await(!locked[l]);"}, {"b", 1, "", "t.tlb:14", "await(x);"}};
  CHECK(explain_deadlock(blocked) ==
        "no process can take a step: a on cpu0 is blocked in spin_lock(B) at t.tlb:9 'await(!locked[l]);'; b on cpu1 is blocked at t.tlb:14 'await(x);'");
}
