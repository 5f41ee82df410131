// A protocol invariant's explanation: the value that breaks a forall, and the terms.
#include <catch2/catch.hpp>

#include "properties/invariant.hpp"

using namespace tlbcheck::properties;

TEST_CASE("invariant: the value that breaks a forall, and the terms", "[properties]") {
  CHECK(explain_invariant({"ok", "t.tlb:7", "", ""}) == "invariant 'ok' (t.tlb:7) does not hold");
  CHECK(explain_invariant({"ok", "t.tlb:7", "", "x = 1"}) == "invariant 'ok' (t.tlb:7) does not hold: x = 1");
  CHECK(explain_invariant({"lazy_mask", "t.tlb:7", "c = 1", "mask = {0}"}) == "invariant 'lazy_mask' (t.tlb:7) does not hold for c = 1: mask = {0}");
}
