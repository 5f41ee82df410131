// stale-permission's judgement and explanation on hand-made translations.
#include <catch2/catch.hpp>

#include "properties/stale_permission.hpp"

using namespace tlbcheck::properties;

namespace {
Grant entry(std::int64_t frame, bool writable, bool user = true) { return {true, frame, writable, user}; }
}  // namespace

TEST_CASE("stale-permission: an access is judged by what it needs that the tables no longer grant", "[properties]") {
  const Grant rw = entry(2, true), ro = entry(2, false), none{};
  // just outside: a read through a writable entry the tables made read-only needs nothing they took away
  CHECK(wider_than_tables(rw, ro, /*write*/ false, false) == WiderGrant::None);
  // just inside: the same entry used for a write
  CHECK(wider_than_tables(rw, ro, true, false) == WiderGrant::Write);
  // a read-only entry cannot write: the access faults before it is judged; nothing wider either
  CHECK(wider_than_tables(ro, ro, true, false) == WiderGrant::None);
  CHECK(wider_than_tables(ro, none, false, false) == WiderGrant::Unmapped);
  CHECK(wider_than_tables(ro, entry(3, true), false, false) == WiderGrant::OtherFrame);
  // the user bit matters only to a user access
  CHECK(wider_than_tables(entry(2, false, true), entry(2, false, false), false, false) == WiderGrant::None);
  CHECK(wider_than_tables(entry(2, false, true), entry(2, false, false), false, true) == WiderGrant::User);
  CHECK(wider_than_tables(none, ro, true, true) == WiderGrant::None);
}

TEST_CASE("stale-permission: a change narrows when it takes the translation, its frame, write or user away", "[properties]") {
  CHECK(narrows(entry(2, true), entry(2, false)));
  CHECK(narrows(entry(2, false), Grant{}));
  CHECK(narrows(entry(2, false), entry(3, false)));
  CHECK(narrows(entry(2, false, true), entry(2, false, false)));
  // widening or keeping is not narrowing, nor is anything done to an absent entry
  CHECK_FALSE(narrows(entry(2, false), entry(2, true)));
  CHECK_FALSE(narrows(entry(2, true), entry(2, true)));
  CHECK_FALSE(narrows(Grant{}, entry(2, true)));
}

TEST_CASE("stale-permission: the explanation names the access, the entry, the tables and the declaration", "[properties]") {
  const StepContext where{"store(V, 1);", "user on cpu1", "t.tlb:30", ""};
  StalePermissionUse use{WiderGrant::Write, 0, 0, 2, 2};
  CHECK(explain_stale_permission(use, "M", "V", where) ==
        "stale-permission: 'store(V, 1);' by user on cpu1 at t.tlb:30 writes frame 2 through its TLB entry for V, which is writable, but M's page table "
        "maps V read-only, and the change was declared complete (a `sync` function returned)");
  use.why = WiderGrant::Unmapped;
  CHECK(explain_stale_permission(use, "M", "V", where).find("reaches frame 2 through its TLB entry for V, but M's page table no longer maps V") != std::string::npos);
  use.why = WiderGrant::OtherFrame;
  use.table_frame = 4;
  CHECK(explain_stale_permission(use, "M", "V", where).find("maps V to frame 4") != std::string::npos);
}
