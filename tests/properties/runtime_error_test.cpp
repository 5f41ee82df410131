// runtime-error's explanations on hand-made contexts, one per kind.
#include <catch2/catch.hpp>

#include "properties/runtime_error.hpp"

using namespace tlbcheck::properties;

TEST_CASE("runtime-error: each kind explained", "[properties]") {
  StepContext where{"a[i] = 1;", "p on cpu1", "t.tlb:4", ""};
  CHECK(explain_bad_index(5, where) == "index 5 is outside its array in p on cpu1 at t.tlb:4 ('a[i] = 1;')");
  CHECK(explain_division_by_zero(where) == "division by zero in p on cpu1 at t.tlb:4 ('a[i] = 1;')");
  CHECK(explain_bad_cpu(3, 2, where) == "cpu 3 does not exist (the machine has cpus 0..1) in p on cpu1 at t.tlb:4");
  CHECK(explain_runaway(where) == "a step of p on cpu1 did not end: an atomic block that loops forever or forks too deeply (t.tlb:4)");
  CHECK(explain_machine_error("wake_up(none)", where) == "'a[i] = 1;' in p on cpu1 at t.tlb:4: wake_up(none)");
  CHECK(explain_machine_error("", where) == "'a[i] = 1;' in p on cpu1 at t.tlb:4: a machine operation failed");
  CHECK(explain_no_fault_handler("V", where) ==
        "page fault on page V in p on cpu1 at t.tlb:4, and the protocol declares no 'on page_fault(p: page, write: bool)' handler");
}
