// The built-in machine's semantics, one rule at a time, on tiny protocols.
#include <catch2/catch.hpp>

#include "model/load.hpp"
#include "tests/support.hpp"

namespace {

using namespace tlbcheck;

struct Run {
  checker::ExploreResult result;
  std::string property, explanation;
};

Run check(const std::string& text, std::vector<model::Define> defines = {}) {
  checker::Report report = testing::check_text(text, std::move(defines));
  return {report.result, report.property, report.explanation};
}

}  // namespace

TEST_CASE("boot builds the page tables of every mapping", "[machine]") {
  // two levels: root + one leaf table + two data frames for M; a root for N
  Run r = check(R"(
    machine { levels = 2; entries = 2; }
    mm M, N;
    page V at 0; page S at 3;       // different leaf tables
    map M.V; map M.S readonly;
    process p on cpu 0 {
      assert(pte_present(M, V) && pte_write(M, V));
      assert(pte_present(M, S) && !pte_write(M, S));
      assert(!pte_present(N, V) && pgd(N) != none && pgd(N) != pgd(M));
      assert(pt_frame(M, V, 2) != pt_frame(M, S, 2));
      assert(read_cr3() == pgd(M));
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("allocation takes the lowest free frame -- running out names the machine field to raise", "[machine]") {
  Run r = check(R"(
    machine { frames = 4; }
    mm M; page V; map M.V;          // frames 0 (root) and 1 (V) are taken
    process p on cpu 0 {
      let a: frame = alloc_frame();
      let b: frame = alloc_table();
      assert(a != none && b != none && a != b);
      free_frame(a);
      let d: frame = alloc_frame();
      assert(d == a);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  Run full = check(R"(
    machine { frames = 4; }
    mm M; page V; map M.V;
    process p on cpu 0 {
      let a: frame = alloc_frame();
      let b: frame = alloc_table();
      let c: frame = alloc_frame();
    })");
  REQUIRE(full.result.outcome == checker::Outcome::Violated);
  CHECK(full.property == "runtime-error");
  CHECK_THAT(full.explanation, Catch::Contains("alloc_frame(): all 4 frames of the machine are in use: raise its 'frames' (-D frames=6)"));
}

TEST_CASE("freeing a frame twice is a runtime error", "[machine]") {
  Run r = check("mm M; page V; process p on cpu 0 { let a: frame = alloc_frame(); free_frame(a); free_frame(a); }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "runtime-error");
  CHECK_THAT(r.explanation, Catch::Contains("already free"));
}

TEST_CASE("a root load flushes the TLB, invlpg flushes one page", "[machine]") {
  // after the root load the freed frame is no longer reachable through the TLB
  Run flushed = check(R"(
    mm M; page V; page W; map M.V; map M.W;
    process p on cpu 0 {
      touch(V);
      let f: frame = pte_get_and_clear(M, V);
      free_frame(f);
      write_cr3(read_cr3());
      touch(W);
    })");
  CHECK(flushed.result.outcome == checker::Outcome::Holds);
  Run stale = check(R"(
    mm M; page V; page W; map M.V; map M.W;
    process p on cpu 0 {
      touch(V);
      let f: frame = pte_get_and_clear(M, V);
      free_frame(f);
      invlpg(W);
      touch(V);
    })");
  REQUIRE(stale.result.outcome == checker::Outcome::Violated);
  CHECK(stale.property == "stale-translation");
  CHECK_THAT(stale.explanation, Catch::Contains("which is free") && Catch::Contains("became free at step"));
}

TEST_CASE("a store through a read-only entry faults and retries after the handler", "[machine]") {
  Run r = check(R"(
    mm M; page V; map M.V readonly;
    var faults: int[0..2] = 0;
    on page_fault(p: page, write: bool) {
      assert(write);
      faults += 1;
      let f: frame = pte_frame(M, p);
      set_pte(M, p, f, true);
    }
    process p on cpu 0 {
      touch(V);
      store(V, 1);
      let v: int[0..1] = load(V);
      assert(v == 1 && faults == 1);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("an access that faults without a handler is reported", "[machine]") {
  Run r = check("mm M; page V; process p on cpu 0 { touch(V); }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "runtime-error");
  CHECK_THAT(r.explanation, Catch::Contains("no 'on page_fault"));
}

TEST_CASE("an IPI runs its handler on the target with interrupts off, and only when they are on", "[machine]") {
  Run r = check(R"(
    machine { cpus = 2; }
    var ran: bool;
    var blocked: bool;
    irq ping {
      assert(irqs_disabled());
      assert(!blocked);
      ran = true;
    }
    process sender on cpu 0 { send_ipi(1, ping); }
    process target on cpu 1 {
      local_irq_disable();
      blocked = true;
      blocked = false;
      local_irq_enable();
      await(ran);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("machine fields are overridable with -D and listed", "[machine]") {
  model::LoadOptions lo;
  lo.defines = {{"walk_cache", "true"}, {"levels", "3"}};
  auto l = model::load_text("m.tlb", "mm M; page V; map M.V; process p on cpu 0 { touch(V); }", lo);
  REQUIRE(l.system);
  bool listed = false;
  for (const auto& o : l.system->options()) listed = listed || (o.name == "levels" && o.shown == "3");
  CHECK(listed);
  lo.defines = {{"levels", "9"}};
  CHECK_THAT(model::load_text("m.tlb", "process p on cpu 0 { skip; }", lo).diagnostics, Catch::Contains("expected an integer in 1..4"));
}

TEST_CASE("with PCIDs a root load keeps each address space's entries", "[machine]") {
  const char* text = R"(
    machine { tlb.pcid = true; }
    mm A, B; page V; map A.V; map B.V;
    process p on cpu 0 {
      touch(V);
      write_cr3(pgd(B));
      touch(V);
      let f: frame = pte_get_and_clear(A, V);
      free_frame(f);
      write_cr3(pgd(A));
      touch(V);
    })";
  Run r = check(text);
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "stale-translation");
  // flushing A's tag before the free closes the hole
  std::string fixed = text;
  fixed.replace(fixed.find("free_frame(f);"), 14, "tlb_flush_asid(A); free_frame(f);");
  Run ok = check(fixed, {});
  CHECK(ok.property == "runtime-error");  // the last touch now faults, and there is no handler
  CHECK_THAT(ok.explanation, Catch::Contains("page fault on page V"));
}

TEST_CASE("cr3_of and current_of let invariants see each CPU", "[machine]") {
  Run r = check(R"(
    machine { cpus = 2; }
    mm A, B; page V; map A.V;
    task a: user(A) on cpu 0 { touch(V); }
    task b: user(B) on cpu 1 { write_cr3(pgd(A)); }
    invariant roots_match: forall (c: cpu) cr3_of(c) == pgd(current_of(c).mm);
  )");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "roots_match");
}

TEST_CASE("an IPI carries its arguments to the handler", "[machine]") {
  Run r = check(R"(
    machine { cpus = 2; }
    mm M; page V; page W; map M.V; map M.W;
    var got: int[0..3] = 0;
    var which: page = V;
    irq call(p: page, n: int[0..3]) { which = p; got = n; }
    process sender on cpu 0 { send_ipi(1, call, W, 3); }
    process target on cpu 1 { await(got == 3); assert(which == W); }
  )");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  model::LoadOptions lo;
  auto bad = model::load_text("m.tlb", "machine { cpus = 2; } irq call(n: int[0..1]) { skip; } process s on cpu 0 { send_ipi(1, call); }", lo);
  CHECK_THAT(bad.diagnostics, Catch::Contains("'send_ipi' takes 3 arguments, found 2"));
}

TEST_CASE("tlb_count reads the TLB in an invariant, and its value is explained", "[machine]") {
  const std::string text = R"(
    machine { cpus = 2; }
    mm M; page V; map M.V;
    var flushed: bool;
    process toucher on cpu 1 { touch(V); }
    process flusher on cpu 0 { touch(V); tlbi_all(); flushed = true; }
    invariant flushed_means_empty: forall (c: cpu) !flushed || tlb_count(c) == 0;
  )";
  Run r = check(text);
  REQUIRE(r.result.outcome == checker::Outcome::Violated);  // cpu1 can fill again after the flush
  CHECK(r.property == "flushed_means_empty");
  CHECK_THAT(r.explanation, Catch::Contains("does not hold for c = 1: flushed = true, tlb_count(c) = 1"));
  // without the second toucher, nothing can refill it
  Run ok = check(R"(
    machine { cpus = 1; }
    mm M; page V; map M.V;
    var flushed: bool;
    process flusher on cpu 0 { touch(V); tlbi_all(); flushed = true; }
    invariant flushed_means_empty: forall (c: cpu) !flushed || tlb_count(c) == 0;
  )");
  CHECK(ok.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("a fault inside an atomic block runs the handler within the same step", "[machine]") {
  // the handler maps the page; the atomic block's access retries in the same
  // step: one step from the initial state to the end, so 2 states
  Run r = check(R"(
    mm M; page V;
    var done: bool;
    on page_fault(p: page, write: bool) { let f: frame = alloc_frame(); set_pte(M, p, f, true); }
    process p on cpu 0 { atomic { store(V, 1); done = true; } }
  )");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 2);
  // outside an atomic block, taking the fault is a step of its own, then the handler's steps
  Run split = check(R"(
    mm M; page V;
    var done: bool;
    on page_fault(p: page, write: bool) { let f: frame = alloc_frame(); set_pte(M, p, f, true); }
    process p on cpu 0 { store(V, 1); done = true; }
  )");
  CHECK(split.result.states > 2);
}

TEST_CASE("each mm may set its own fields' initial values, and a global may start with a read of the booted machine", "[machine]") {
  Run r = check(R"(
    mm { asid: int[0..3] = 0; users: int[0..2] = 1; }
    mm A = { .asid = 2 }, B = { .asid = 3, .users = 2 };
    page V; map A.V; map B.V;
    var fa: frame = pte_frame(A, V);
    var fb: frame = pte_frame(B, V);
    var root: frame = pgd(B);
    process p on cpu 0 {
      assert(A.asid == 2 && B.asid == 3 && A.users == 1 && B.users == 2);
      assert(fa != none && fa != fb && fa == pte_frame(A, V) && root == pgd(B));
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 3);
}

TEST_CASE("per-mm initial values and boot reads are checked", "[machine]") {
  auto diagnostics = [](const std::string& text) { return model::load_text("m.tlb", text, {}).diagnostics; };
  CHECK_THAT(diagnostics("mm { asid: int[0..3] = 0; }\nmm A = { .asidd = 2 };\nprocess p on cpu 0 { skip; }"),
             Catch::Contains("mm has no field 'asidd'") && Catch::Contains("[UnknownName]"));
  CHECK_THAT(diagnostics("mm { asid: int[0..3] = 0; }\nmm A = { .asid = 9 };\nprocess p on cpu 0 { skip; }"), Catch::Contains("initial value 9 is outside 'int[0..3]'"));
  CHECK_THAT(diagnostics("var x: int[0..1];\nmm { asid: int[0..3] = 0; }\nmm A = { .asid = x };\nprocess p on cpu 0 { skip; }"),
             Catch::Contains("the initial value of A.asid must be a constant"));
  CHECK_THAT(diagnostics("mm A; page V; map A.V;\nvar x: int[0..1];\nvar f: frame = read_cr3();\nprocess p on cpu 0 { skip; }"), Catch::Contains("runs on a CPU") && Catch::Contains("[BadCall]"));
}

TEST_CASE("frame fields: every frame has them, a freed frame's start over", "[machine]") {
  // a field set on frame f is gone when f is freed and handed out again
  Run r = check(R"(
    machine { frames = 4; }
    frame { mapcount: int[0..2] = 1; dirty: bool; }
    mm M; page V; map M.V;
    process p on cpu 0 {
      let f: frame = alloc_frame();
      assert(f.mapcount == 1 && !f.dirty);
      f.dirty = true;
      f.mapcount = 2;
      let g: frame = pte_frame(M, V);
      assert(!g.dirty);                       // fields are per frame
      free_frame(f);
      let h: frame = alloc_frame();
      assert(h == f && h.mapcount == 1 && !h.dirty);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  // a field of frame none is an error, not a silent read
  Run none = check(R"(
    frame { dirty: bool; }
    mm M; page V; map M.V;
    var f: frame;
    process p on cpu 0 { f.dirty = true; })");
  CHECK(none.property == "runtime-error");
  auto diagnostics = [](const std::string& text) { return model::load_text("m.tlb", text, {}).diagnostics; };
  CHECK_THAT(diagnostics("frame { dirty: bool; }\nmm M; page V; map M.V;\nprocess p on cpu 0 { let f: frame = pte_frame(M, V); f.dirtty = true; }"),
             Catch::Contains("a frame has no field 'dirtty': expected one of dirty"));
  CHECK_THAT(diagnostics("mm M; page V; map M.V;\nprocess p on cpu 0 { let f: frame = pte_frame(M, V); f.dirty = true; }"),
             Catch::Contains("declare the fields every frame has in frame { ... }"));
  CHECK_THAT(diagnostics("frame { dirty: bool; }\nframe { x: bool; }\nprocess p on cpu 0 { skip; }"), Catch::Contains("the fields of frame are declared once"));
  CHECK_THAT(diagnostics("frame;\nprocess p on cpu 0 { skip; }"), Catch::Contains("'{' and the fields every frame has"));
}

TEST_CASE("the backing store: DMA between a frame and a page's disk copy", "[machine]") {
  Run r = check(R"(
    machine { disk = true; values = 3; words = 2; }
    mm M; page V; map M.V;
    process p on cpu 0 {
      let f: frame = pte_frame(M, V);
      store(V, 2);
      store_word(V, 1, 1);
      assert(disk_value(V) == 0);
      disk_write(V, f);
      assert(disk_value(V) == 2 && disk_value(V, 1) == 1);
      let g: frame = alloc_frame();
      disk_read(g, V);
      assert(kernel_load(g) == 2);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  Run off = check("mm M; page V; map M.V;\nprocess p on cpu 0 { disk_write(V, pte_frame(M, V)); }");
  CHECK(off.explanation.find("needs the machine field disk") != std::string::npos);
  Run freed = check("machine { disk = true; frames = 4; }\nmm M; page V; map M.V;\nprocess p on cpu 0 { let f: frame = alloc_frame(); free_frame(f); disk_read(f, V); }");
  CHECK(freed.explanation.find("disk_read into frame 2, which is no data frame") != std::string::npos);
}
