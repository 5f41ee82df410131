// asid-alias's judgement and explanation on hand-made TLB entries.
#include <catch2/catch.hpp>

#include "properties/asid_alias.hpp"

using namespace tlbcheck::properties;

TEST_CASE("asid-alias: an entry to a frame only other mms mapped, under the running mm's ASID", "[properties]") {
  // mms: 0 init_mm, 1 A, 2 B; B runs
  CHECK(is_asid_alias(0b010, 2));        // A's frame: an alias
  CHECK_FALSE(is_asid_alias(0b110, 2));  // mapped by B too (shared): not one
  CHECK_FALSE(is_asid_alias(0b100, 2));  // B's own
  CHECK_FALSE(is_asid_alias(0b011, 2));  // the kernel's (init_mm): every address space's
  CHECK_FALSE(is_asid_alias(0, 2));      // nobody's (free): a stale translation, judged at its use
  AsidAlias a;
  a.cpu = 0;
  a.asid = 1;
  a.mm = "B";
  a.page = "V";
  a.owner = "A";
  a.frame = 2;
  CHECK(explain_asid_alias(a) ==
        "cpu0 runs B under ASID 1 while its TLB still holds a translation of V to frame 2, which is A's: the ASID was given to another address space "
        "without flushing it");
}
