// assertion's explanation on hand-made contexts.
#include <catch2/catch.hpp>

#include "properties/assertion.hpp"

using namespace tlbcheck::properties;

TEST_CASE("assertion: assert, BUG_ON and BUG explained", "[properties]") {
  StepContext where{"assert(counter == 2);", "observer on cpu0", "t.tlb:23", "counter = 1"};
  CHECK(explain_assertion(AssertionKind::Assert, where) == "assertion 'assert(counter == 2);' failed in observer on cpu0 at t.tlb:23, with counter = 1");
  where.statement = "BUG_ON(x);";
  CHECK(explain_assertion(AssertionKind::BugOn, where) == "'BUG_ON(x);' fired in observer on cpu0 at t.tlb:23, with counter = 1");
  CHECK(explain_assertion(AssertionKind::Bug, where) == "BUG() reached in observer on cpu0 at t.tlb:23");
  where.values.clear();
  CHECK(explain_assertion(AssertionKind::BugOn, where) == "'BUG_ON(x);' fired in observer on cpu0 at t.tlb:23");
}
