// stale-cache's judgement and explanation on hand-made reads.
#include <catch2/catch.hpp>

#include "properties/stale_cache.hpp"

using namespace tlbcheck::properties;

TEST_CASE("stale-cache: a read is stale when it returns other than the latest write", "[properties]") {
  CHECK_FALSE(read_is_stale(3, 3));
  CHECK(read_is_stale(0, 1));
  CHECK(read_is_stale(1, 0));
}

TEST_CASE("stale-cache: the explanation names the alias, the frame and where the latest value sits", "[properties]") {
  CacheRead r;
  r.frame = 2;
  r.alias = 1;
  r.alias_is_kernel = true;
  r.value = 0;
  r.latest = 1;
  CHECK(explain(r) == "reading frame 2 through colour 1 (the kernel's mapping) returned 0, but the latest value written to it is 1");
  r.dirty_alias = 0;
  r.show_word = true;
  r.word = 3;
  CHECK(explain(r) ==
        "reading frame 2 word 3 through colour 1 (the kernel's mapping) returned 0, but the latest value written to it is 1, which sits in a dirty line of colour 0 (a user mapping)");
  StepContext where{"x = kernel_load(f);", "child on cpu0", "t.tlb:9", ""};
  CHECK(explain_access(r, where).rfind("stale-cache: 'x = kernel_load(f);' by child on cpu0 at t.tlb:9: reading frame 2 word 3", 0) == 0);
}
