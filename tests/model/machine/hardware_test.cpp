// The machine on its own, without the front end: a machine is laid out
// through machine/layout.hpp into a state of one word per slot, booted, and
// driven by hand (accesses, invalidations, speculative walks, the data
// cache, IPIs, the built-ins); each test asserts the entries it leaves.
#include <catch2/catch.hpp>

#include "model/machine/layout.hpp"
#include "model/machine/machine.hpp"

using namespace tlbcheck;
using namespace tlbcheck::model;
using namespace tlbcheck::model::machine;

namespace {

// A machine and its state: one 64-bit word per slot, so no packing is
// involved.
struct Bench final : SlotSink {
  std::vector<ModelSlot> layout;
  std::vector<SlotAccess> access;
  std::vector<checker::Word> state;
  Slots slots;
  Machine m;

  // mms: A (id 0) and B (id 1); pages: V at 0 and S at 1 (sharing a leaf
  // table at two levels); A maps V and S writable, B maps V.
  // `records`: the properties' records of the kernel's claims too (a
  // `sync` function, copies), for two process instances
  explicit Bench(Config config, bool records = false) {
    Shape shape;
    shape.config = config;
    shape.sync = shape.copies = records;
    shape.frames = 12;
    shape.pages = {"V", "S"};
    shape.page_index = {0, 1};
    shape.mms = {"A", "B"};
    shape.irqs = {"flush"};
    shape.device_fires = {-1};
    shape.irq_cpu = {0};
    lay_out_processors_and_memory(shape, *this, slots);
    lay_out_devices_and_cache(shape, *this, slots);
    // a task per CPU, t0 in A on cpu0 and t1 in B on cpu1
    lay_out_scheduler(shape, {{"t0", 0, 0, false}, {"t1", 1, 1, false}}, {0, 1}, 0, *this, slots);
    slots.ipi_args.resize(std::size_t(config.cpus));
    for (std::uint32_t slot : slots.narrowing) layout[slot].hi = narrowing_range(2);
    state.assign(layout.size(), 0);
    for (std::size_t i = 0; i < initial.size(); ++i) {
      if (initial[i]) access[i].set(state.data(), *initial[i]);
    }
    m = Machine(config, 2, shape.page_index, {false, false}, {false}, slots, &layout, &access);
    std::string error;
    REQUIRE(m.boot(state.data(), {{0, 0, true}, {0, 1, true}, {1, 0, true}}, error));
    for (int c = 0; c < config.cpus; ++c) m.load_root(state.data(), c, root(0));
  }

  std::uint32_t add(SlotRequest r) override {
    ModelSlot s;
    s.pub.name = r.name;
    s.lo = r.lo;
    s.hi = r.hi;
    s.format = r.format;
    layout.push_back(s);
    SlotAccess a;
    a.word = std::uint32_t(access.size());
    a.mask = ~0ULL;
    a.lo = r.lo;
    access.push_back(a);
    initial.push_back(r.initial);
    return std::uint32_t(layout.size() - 1);
  }

  checker::Word* s() { return state.data(); }
  std::int64_t get(std::uint32_t slot) { return m.get(s(), slot); }
  std::int64_t root(int mm) { return get(slots.pgd[std::size_t(mm)]); }
  std::int64_t tlb(int cpu, int page) { return get(slots.tlb[std::size_t(cpu * 2 + page)]); }  // without PCIDs: one tag
  std::int64_t leaf(int mm, int page) { return m.pt_get(s(), mm, page, 1).value; }
  // Runs a machine built-in on `cpu` as a step would (judging
  // break-before-make if `bbm`): its result, -1 if it failed, and its effect.
  struct Called {
    std::int64_t result;
    Effect effect;
  };
  // With `records`, as process instance `process` with every property on,
  // inside a function marked `sync` unless `outside_sync`.
  Called call(Builtin builtin, std::vector<std::int64_t> args, int cpu = 0, bool bbm = false, int process = -1, bool outside_sync = false) {
    BuiltinCall k;
    k.state = s();
    k.cpu = cpu;
    k.args = args.data();
    k.check_bbm = bbm;
    k.process = process;
    k.track_narrowing = k.mark_copies = k.mark_writebacks = process >= 0;
    k.in_sync = !outside_sync;
    bool ok = m.call(builtin, k);
    return {ok ? k.result : -1, k.effect};
  }
  bool any_walk_entry(int cpu) {
    for (std::size_t k = 0; k < m.walk_keys().size(); ++k) {
      if (get(slots.walk[std::size_t(cpu) * m.walk_keys().size() + k]) != 0) return true;
    }
    return false;
  }

  std::vector<std::optional<std::int64_t>> initial;
};

Config two_cpus(int levels = 2) {
  Config c;
  c.cpus = 2;
  c.levels = levels;
  c.entries = 2;
  c.walk_cache = levels > 1;
  return c;
}

}  // namespace

TEST_CASE("hardware: an access fills the TLB from the tables -- the next one uses the TLB", "[hardware]") {
  Bench b(two_cpus());
  REQUIRE(b.m.pte().present(b.leaf(0, 0)));
  CHECK(b.tlb(0, 0) == 0);
  Effect e = b.m.access(b.s(), 0, 0, /*store*/ 2, 1);
  CHECK(e.kind == Effect::Ok);
  CHECK(b.tlb(0, 0) == b.leaf(0, 0));  // filled with the leaf entry
  CHECK(b.any_walk_entry(0));           // and the walk cached the upper level
  CHECK(b.tlb(1, 0) == 0);              // the other CPU's TLB is its own
  // a cached entry keeps being used after the table changes: stale until invalidated
  b.m.pt_put(b.s(), 0, 0, 1, 0);
  std::int64_t frame = e.frame;
  CHECK(b.m.access(b.s(), 0, 0, 1, 0).frame == frame);
  b.m.invalidate_page(b.s(), 0, 0, true);
  CHECK(b.tlb(0, 0) == 0);
  CHECK(b.m.access(b.s(), 0, 0, 1, 0).kind == Effect::Fault);  // now the walk sees the cleared entry
}

TEST_CASE("hardware: a freed frame reached through a stale TLB entry is judged stale", "[hardware]") {
  Bench b(two_cpus());
  REQUIRE(b.m.access(b.s(), 1, 0, 0, 0).kind == Effect::Ok);  // cpu1 caches V
  std::int64_t frame = b.m.pte().frame(b.tlb(1, 0));
  b.m.pt_put(b.s(), 0, 0, 1, 0);
  REQUIRE(b.m.release(b.s(), frame, FrameKind::Data).kind == Effect::Ok);
  Effect e = b.m.access(b.s(), 1, 0, 0, 0);
  CHECK(e.kind == Effect::Violation);
  CHECK(e.stale == properties::StaleTranslation::FrameFree);
  CHECK(e.frame == frame);
  // with the property off the same access goes through
  CHECK(b.m.access(b.s(), 1, 0, 0, 0, /*check*/ false).kind == Effect::Ok);
}

TEST_CASE("hardware: a walk-cache entry on a freed table is judged when a walk uses it", "[hardware]") {
  Bench b(two_cpus());
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);  // caches V's leaf table in the walk cache
  std::int64_t table = b.m.pte().frame(b.m.pt_get(b.s(), 0, 0, 2).value);
  b.m.invalidate_page(b.s(), 0, 0, /*walk_too*/ false);  // the TLB entry goes, the walk-cache entry stays
  b.m.pt_put(b.s(), 0, 0, 1, 0);
  b.m.pt_put(b.s(), 0, 1, 1, 0);
  b.m.pt_put(b.s(), 0, 0, 2, 0);
  REQUIRE(b.m.release(b.s(), table, FrameKind::Table).kind == Effect::Ok);
  Effect e = b.m.access(b.s(), 0, 1, 0, 0);  // S shares the cached upper entry
  CHECK(e.kind == Effect::Violation);
  CHECK(e.stale == properties::StaleTranslation::WalkNotTable);
  CHECK(e.frame == table);
  // dropping the walk-cache entry too makes the same walk fault instead
  b.m.invalidate_page(b.s(), 0, 1, /*walk_too*/ true);
  CHECK(b.m.access(b.s(), 0, 1, 0, 0).kind == Effect::Fault);
}

TEST_CASE("hardware: a speculative walk fills the TLB without an access", "[hardware]") {
  Bench b(two_cpus());
  CHECK(b.tlb(1, 1) == 0);
  CHECK(b.m.speculate(b.s(), 1, 1).kind == Effect::Ok);
  CHECK(b.tlb(1, 1) == b.leaf(0, 1));
  b.m.invalidate_all(b.s(), 1);
  CHECK(b.tlb(1, 1) == 0);
  CHECK_FALSE(b.any_walk_entry(1));
}

TEST_CASE("hardware: a write through a read-only entry faults and drops the entry", "[hardware]") {
  Bench b(two_cpus(1));
  std::int64_t raw = b.leaf(0, 0);
  b.m.pt_put(b.s(), 0, 0, 1, b.m.pte().read_only(raw));
  REQUIRE(b.m.access(b.s(), 0, 0, 1, 0).kind == Effect::Ok);  // a read fills a read-only entry
  CHECK_FALSE(b.m.pte().writable(b.tlb(0, 0)));
  CHECK(b.m.access(b.s(), 0, 0, 2, 1).kind == Effect::Fault);
  CHECK(b.tlb(0, 0) == 0);
}

TEST_CASE("hardware: with PCIDs a root load keeps other address spaces' entries", "[hardware]") {
  Config c = two_cpus(1);
  c.pcid = true;
  Bench b(c);
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);  // A's V, tagged A
  CHECK(b.m.current_tag(b.s(), 0) == 0);
  b.m.set(b.s(), b.slots.cr3[0], b.root(1));  // switch to B: nothing is flushed
  CHECK(b.m.current_tag(b.s(), 0) == 1);
  CHECK(b.get(b.slots.tlb[0]) != 0);         // A's entry (tag 0, page V) survives
  b.m.invalidate_all(b.s(), 0, /*tag*/ 1);   // dropping B's entries leaves A's
  CHECK(b.get(b.slots.tlb[0]) != 0);
  b.m.invalidate_all(b.s(), 0, /*tag*/ 0);
  CHECK(b.get(b.slots.tlb[0]) == 0);
}

TEST_CASE("hardware: the data cache keeps a dirty line per colour until written back", "[hardware]") {
  Config c = two_cpus(1);
  c.colours = 2;
  c.kernel_colour = 1;
  Bench b(c);
  std::int64_t frame = b.m.pte().frame(b.leaf(0, 0));
  b.m.cache_write(b.s(), 0, frame, 0, 1);  // a user write through colour 0
  std::uint32_t line = b.m.line_slot(0, frame, 0);
  CHECK(CacheLine::dirty(b.get(line)));
  CHECK(b.get(b.m.value_slot(frame, 0)) == 0);  // memory still holds the old value
  Effect stale = b.m.cache_read(b.s(), 1, frame, 0, true);  // the kernel's alias reads memory
  CHECK(stale.kind == Effect::Violation);
  CHECK(stale.stale_read);
  CHECK(stale.value == 0);
  CHECK(stale.other == 1);
  CHECK(stale.dirty_colour == 0);
  CHECK(b.m.cache_writeback(b.s(), 0, frame, 0));
  CHECK(b.get(b.m.value_slot(frame, 0)) == 1);
  CHECK_FALSE(CacheLine::dirty(b.get(line)));
  CHECK(b.m.cache_evict(b.s(), 1, frame, 0));  // drop the kernel's stale clean line
  CHECK(b.m.cache_read(b.s(), 1, frame, 0, true).kind == Effect::Ok);
}

TEST_CASE("hardware: an IPI is pending on its targets until taken -- a bad target is a runtime error", "[hardware]") {
  Bench b(two_cpus());
  CHECK_FALSE(b.m.can_take_interrupt(b.s(), 1, 0));
  CHECK(b.m.send_ipi(b.s(), 0b10, /*mask*/ true, 0).kind == Effect::Ok);
  CHECK(b.get(b.slots.ipi_pending[0]) == 0);
  CHECK(b.get(b.slots.ipi_pending[1]) == 1);
  CHECK_FALSE(b.m.can_take_interrupt(b.s(), 0, 0));
  b.m.set(b.s(), b.slots.irqs_on[1], 0);  // not with interrupts off
  CHECK_FALSE(b.m.can_take_interrupt(b.s(), 1, 0));
  b.m.set(b.s(), b.slots.irqs_on[1], 1);
  REQUIRE(b.m.can_take_interrupt(b.s(), 1, 0));
  CHECK(b.m.take_interrupt(b.s(), 1, 0) == 1);  // one level deep, interrupts off, no longer pending
  CHECK(b.get(b.slots.irqs_on[1]) == 0);
  CHECK(b.get(b.slots.ipi_pending[1]) == 0);
  CHECK(b.m.depth(b.s(), 1) == 1);
  b.m.send_ipi(b.s(), 1, false, 0);
  b.m.set(b.s(), b.slots.irqs_on[1], 1);
  CHECK_FALSE(b.m.can_take_interrupt(b.s(), 1, 0));  // irq_nesting = 1: no second handler
  Effect bad = b.m.send_ipi(b.s(), 5, false, 0);
  CHECK(bad.kind == Effect::Violation);
  CHECK(bad.runtime.find("cpu 5") != std::string::npos);
}

TEST_CASE("hardware: built-ins run through the machine with the table's arguments", "[hardware]") {
  Bench b(two_cpus());
  std::int64_t args[4] = {0, 0, 0, 0};
  BuiltinCall call;
  call.state = b.s();
  call.cpu = 0;
  call.args = args;
  REQUIRE(b.m.call(Builtin::PteGetAndClear, call));  // pte_get_and_clear(A, V)
  std::int64_t frame = call.result;
  CHECK(frame >= 0);
  CHECK(b.leaf(0, 0) == 0);
  args[0] = 0;
  args[1] = 0;
  args[2] = frame;
  args[3] = 0;
  REQUIRE(b.m.call(Builtin::SetPte, call));  // set_pte(A, V, frame, false)
  CHECK(b.leaf(0, 0) == b.m.pte().make(frame, false));
  args[0] = frame;
  CHECK_FALSE(b.m.call(Builtin::FreeTable, call));  // a data frame is no table
  CHECK(call.effect.runtime.find("use free_frame") != std::string::npos);
  args[0] = 1;
  REQUIRE(b.m.call(Builtin::Cr3Of, call));
  CHECK(call.result == b.root(0));
}

TEST_CASE("hardware: a task is preemptible only as current, outside handlers, with interrupts on and no preempt count", "[hardware]") {
  Bench b(two_cpus());
  CHECK(b.m.preemptible(b.s(), 0, 0));
  CHECK_FALSE(b.m.preemptible(b.s(), 0, 1));  // t1 is not cpu0's current task
  b.m.set(b.s(), b.slots.preempt_count[0], 1);
  CHECK_FALSE(b.m.preemptible(b.s(), 0, 0));
  b.m.set(b.s(), b.slots.preempt_count[0], 0);
  b.m.set(b.s(), b.slots.irqs_on[0], 0);
  CHECK_FALSE(b.m.preemptible(b.s(), 0, 0));
  b.m.set(b.s(), b.slots.irqs_on[0], 1);
  b.m.set(b.s(), b.slots.irq_depth[0], 1);
  CHECK_FALSE(b.m.preemptible(b.s(), 0, 0));
}

TEST_CASE("hardware: tlb_count counts a CPU's entries", "[hardware]") {
  Bench b(two_cpus());
  CHECK(b.m.tlb_count(b.s(), 0) == 0);
  b.m.access(b.s(), 0, 0, 0, 0);
  b.m.access(b.s(), 0, 1, 0, 0);
  CHECK(b.m.tlb_count(b.s(), 0) == 2);
  CHECK(b.m.tlb_count(b.s(), 1) == 0);
  b.m.invalidate_page(b.s(), 0, 0, false);
  CHECK(b.m.tlb_count(b.s(), 0) == 1);
}

TEST_CASE("hardware: what a CPU's TLB and walk cache hold, as invariants read them", "[hardware]") {
  Bench b(two_cpus());
  CHECK_FALSE(b.m.tlb_holds(b.s(), 0, 0));
  CHECK(b.m.tlb_entry(b.s(), 0, 0) == 0);
  CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 2));
  b.m.access(b.s(), 0, 0, 0, 0);
  CHECK(b.m.tlb_holds(b.s(), 0, 0));
  CHECK(b.m.tlb_entry(b.s(), 0, 0) == b.leaf(0, 0));
  CHECK(b.m.walk_cached(b.s(), 0, 0, 2));
  CHECK(b.m.walk_cached(b.s(), 0, 1, 2));   // S shares the level-2 entry
  CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 1));  // level 1 is the TLB's, not the walk cache's
  CHECK_FALSE(b.m.tlb_holds(b.s(), 1, 0));
  b.m.invalidate_page(b.s(), 0, 0, false);
  CHECK_FALSE(b.m.tlb_holds(b.s(), 0, 0));
  CHECK(b.m.walk_cached(b.s(), 0, 0, 2));
}

TEST_CASE("hardware: INVLPG's walk-cache scope and levels, and what a page fault drops", "[hardware]") {
  // three levels: V (page 0) and S (page 1) share a leaf table and a level-2 table
  Config c = two_cpus(3);
  {
    Bench b(c);
    b.m.access(b.s(), 0, 0, 0, 0);
    REQUIRE(b.m.walk_cached(b.s(), 0, 0, 2));
    REQUIRE(b.m.walk_cached(b.s(), 0, 0, 3));
    b.m.invlpg(b.s(), 0, 1, 0);  // S: x86 drops every walk-cache entry of the address space
    CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 2));
    CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 3));
    CHECK(b.m.tlb_holds(b.s(), 0, 0));  // the TLB entry of another page stays
  }
  c.invlpg_walk_levels = 2;
  {
    Bench b(c);
    b.m.access(b.s(), 0, 0, 0, 0);
    b.m.invlpg(b.s(), 0, 0, 0);
    CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 2));
    CHECK(b.m.walk_cached(b.s(), 0, 0, 3));  // level 3 is not dropped
  }
  c.invlpg_walk_levels = 4;
  c.invlpg_any_address = false;
  c.fault_invalidates = true;
  {
    Bench b(c);
    b.m.access(b.s(), 0, 0, 0, 0);
    b.m.pt_put(b.s(), 0, 1, 1, 0);  // S's leaf entry gone
    CHECK(b.m.access(b.s(), 0, 1, 0, 0).kind == Effect::Fault);
    CHECK_FALSE(b.m.walk_cached(b.s(), 0, 1, 2));  // the fault dropped the walk entries S's address uses
    CHECK(b.m.tlb_holds(b.s(), 0, 0));              // but not V's TLB entry
  }
  c.fault_invalidates = false;
  {
    Bench b(c);
    b.m.access(b.s(), 0, 0, 0, 0);
    b.m.pt_put(b.s(), 0, 1, 1, 0);
    CHECK(b.m.access(b.s(), 0, 1, 0, 0).kind == Effect::Fault);
    CHECK(b.m.walk_cached(b.s(), 0, 1, 2));  // arm64 keeps them
  }
}

TEST_CASE("hardware: accessed and dirty bits, set by the walk or faulting without hardware updates", "[hardware]") {
  using namespace pte_flag;
  Config c = two_cpus();
  c.pte_accessed_dirty = true;
  Bench b(c);
  const PteFormat& f = b.m.pte();
  std::int64_t frame = f.frame(b.leaf(0, 0));
  // boot entries are young and clean (and the user's: a machine without the user bit implies it)
  CHECK(f.flags(b.leaf(0, 0)) == (kPresent | kRw | kAccessed | kUser));
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw));  // old and clean
  REQUIRE(b.m.access(b.s(), 0, 0, 1, 0).kind == Effect::Ok);  // a load: the walk sets accessed only
  CHECK(f.flags(b.leaf(0, 0)) == (kPresent | kRw | kAccessed | kUser));
  CHECK(f.flags(b.tlb(0, 0)) == (kPresent | kRw | kAccessed | kUser));
  // a store through the clean TLB entry walks again and sets dirty in memory and in the TLB
  REQUIRE(b.m.access(b.s(), 0, 0, 2, 1).kind == Effect::Ok);
  CHECK(f.has(b.leaf(0, 0), kDirty));
  CHECK(f.has(b.tlb(0, 0), kDirty));
  // the kernel cleans the PTE without a flush: the dirty TLB entry writes without touching it
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw | kAccessed));
  REQUIRE(b.m.access(b.s(), 0, 0, 2, 0).kind == Effect::Ok);
  CHECK_FALSE(f.has(b.leaf(0, 0), kDirty));
  // a clean TLB entry whose PTE became read-only meanwhile: the re-walk faults
  b.m.invalidate_all(b.s(), 0);
  REQUIRE(b.m.access(b.s(), 0, 0, 1, 0).kind == Effect::Ok);
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kAccessed));
  CHECK(b.m.access(b.s(), 0, 0, 2, 1).kind == Effect::Fault);

  c.pte_hw_update = false;  // arm64 without hardware management
  Bench a(c);
  const PteFormat& g = a.m.pte();
  std::int64_t af = g.frame(a.leaf(0, 0));
  a.m.pt_put(a.s(), 0, 0, 1, g.make(af, kPresent | kRw));
  CHECK(a.m.access(a.s(), 0, 0, 1, 0).kind == Effect::Fault);  // access-flag fault
  CHECK(a.tlb(0, 0) == 0);                                       // nothing cached
  CHECK(g.flags(a.leaf(0, 0)) == (kPresent | kRw | kUser));      // nothing set
  a.m.pt_put(a.s(), 0, 0, 1, g.make(af, kPresent | kRw | kAccessed));
  CHECK(a.m.access(a.s(), 0, 0, 2, 1).kind == Effect::Fault);  // a store to a clean entry: permission fault
  CHECK_FALSE(g.has(a.leaf(0, 0), kDirty));
}

TEST_CASE("hardware: a global TLB entry survives a root load and matches every PCID -- INVLPG drops it", "[hardware]") {
  using namespace pte_flag;
  Config c = two_cpus();
  c.pte_global = true;
  c.pcid = true;
  Bench b(c);
  const PteFormat& f = b.m.pte();
  std::int64_t frame = f.frame(b.leaf(0, 0));
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw | kGlobal));
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);  // cpu0 in A caches V, global
  b.m.set(b.s(), b.slots.cr3[0], b.root(1));                  // switch to B's root (PCID of B)
  CHECK(f.frame_or_none(b.m.tlb_entry(b.s(), 0, 0)) == frame);  // A's global entry serves B
  b.m.invalidate_all(b.s(), 0, 1, true);                       // a flush of B's PCID keeps it
  CHECK(b.m.tlb_holds(b.s(), 0, 0));
  b.m.invalidate_all(b.s(), 0, -1, true);                      // a root load without PCIDs keeps it too
  CHECK(b.m.tlb_holds(b.s(), 0, 0));
  b.m.invlpg(b.s(), 0, 0, 1);                                  // INVLPG under B drops A's global entry
  CHECK_FALSE(b.m.tlb_holds(b.s(), 0, 0));
}

TEST_CASE("hardware: a user task's access needs the user bit -- the kernel's does not", "[hardware]") {
  using namespace pte_flag;
  Config c = two_cpus();
  c.pte_user = true;
  Bench b(c);
  const PteFormat& f = b.m.pte();
  std::int64_t frame = f.frame(b.leaf(0, 0));
  CHECK(f.has(b.leaf(0, 0), kUser));  // a user page boots with it
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw));
  CHECK(b.m.access(b.s(), 0, 0, 1, 0, true, /*space*/ 0).kind == Effect::Fault);
  CHECK(b.m.access(b.s(), 0, 0, 1, 0).kind == Effect::Ok);  // a kernel access (no user task)
  // the cached entry keeps what it was filled with: the user bit, once cached, stays
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw | kUser));
  b.m.invalidate_all(b.s(), 0);
  REQUIRE(b.m.access(b.s(), 0, 0, 1, 0, true, 0).kind == Effect::Ok);
  b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kPresent | kRw));
  CHECK(b.m.access(b.s(), 0, 0, 1, 0, true, 0).kind == Effect::Ok);
}

TEST_CASE("hardware: an entry that keeps its frame without the present bit, and a swap entry, are ignored by the walk", "[hardware]") {
  using namespace pte_flag;
  Config c = two_cpus();
  c.pte_soft_bits = {"protnone"};
  c.swap_types = {"migration"};
  Bench b(c);
  const PteFormat& f = b.m.pte();
  std::int64_t frame = f.frame(b.leaf(0, 0));
  REQUIRE(b.m.access(b.s(), 1, 0, 0, 0).kind == Effect::Ok);  // cpu1 caches V first
  REQUIRE(b.m.pt_put(b.s(), 0, 0, 1, f.make(frame, kRw | kSoftFirst)).kind == Effect::Ok);
  CHECK(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Fault);  // PROT_NONE: the walk faults
  CHECK(b.m.access(b.s(), 1, 0, 0, 0).kind == Effect::Ok);     // a TLB entry from before still works
  CHECK(b.get(b.slots.maps[std::size_t(frame)]) == 1);          // and the entry still maps the frame
  REQUIRE(b.m.pt_put(b.s(), 0, 0, 1, f.make_swap(0, 1, 0)).kind == Effect::Ok);
  CHECK(b.get(b.slots.maps[std::size_t(frame)]) == 0);
  CHECK(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Fault);
  CHECK(b.m.pt_put(b.s(), 0, 0, 2, f.make_swap(0, 1, 0)).kind == Effect::Violation);  // not above the leaf
}

TEST_CASE("hardware: entries tagged with ASID values: loaded with the root, flushed by value", "[hardware]") {
  Config c = two_cpus();
  c.asids = 2;
  Bench b(c);
  auto call = [&](Builtin builtin, std::vector<std::int64_t> args, int cpu = 0) { return b.call(builtin, std::move(args), cpu).effect.runtime; };
  const std::uint32_t tlb_v_asid1 = b.slots.tlb[std::size_t((0 * 2 + 1) * 2 + 0)];  // cpu0, ASID 1, page V
  // (mm 0 counts as the kernel's, whose frames every address space may reach: B first)
  CHECK(call(Builtin::WriteTtbr0, {b.root(1), 1}).empty());
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
  CHECK(b.get(tlb_v_asid1) != 0);
  // A loaded with the same ASID, no flush: B's entry serves A (a foreign frame)
  CHECK(call(Builtin::WriteCr3Pcid, {b.root(0), 1, /*noflush*/ 1}).empty());
  Effect e = b.m.access(b.s(), 0, 0, 0, 0);
  CHECK(e.stale == properties::StaleTranslation::ForeignFrame);
  // a load without NOFLUSH flushes that PCID
  CHECK(call(Builtin::WriteCr3Pcid, {b.root(0), 1, 0}).empty());
  CHECK(b.get(tlb_v_asid1) == 0);
  // INVPCID and TLBI by value drop that ASID's entries only
  CHECK(call(Builtin::WriteTtbr0, {b.root(0), 0}).empty());
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
  CHECK(call(Builtin::InvpcidSingle, {1}).empty());
  CHECK(b.m.tlb_holds(b.s(), 0, 0));
  CHECK(call(Builtin::TlbiVae1is, {0, 0, 1}, 1).empty());  // from cpu1, broadcast
  CHECK_FALSE(b.m.tlb_holds(b.s(), 0, 0));
  CHECK(call(Builtin::AsidOf, {0}).empty());
  CHECK(call(Builtin::WriteTtbr0, {b.root(0), 2}) == "ASID 2 is outside 0..1 (tlb.asids)");
  CHECK(call(Builtin::TlbFlushAsid, {0}).find("flush by value") != std::string::npos);
}

TEST_CASE("hardware: PAE latches the top-level entries at a root load -- INVLPG does not refresh them", "[hardware]") {
  Config c = two_cpus(3);
  c.pae = true;
  Bench b(c);
  REQUIRE(b.slots.pdpte.size() == 2);  // V and S share top-level entry 0: one register per CPU
  const std::int64_t pmd = b.m.pdpte(b.s(), 0, 0);
  REQUIRE(pmd >= 0);
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
  CHECK_FALSE(b.m.walk_cached(b.s(), 0, 0, 3));  // no walk-cache entry for the top level: the register is it
  CHECK(b.m.walk_cached(b.s(), 0, 0, 2));
  // the kernel clears the top-level entry in memory and flushes the page
  REQUIRE(b.m.pt_put(b.s(), 0, 0, 3, 0).kind == Effect::Ok);
  b.m.invlpg(b.s(), 0, 0, -1);
  CHECK(b.m.pdpte(b.s(), 0, 0) == pmd);
  CHECK(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);  // the walk starts from the register
  // a root load reloads the registers: now the walk sees the cleared entry
  b.m.load_root(b.s(), 0, b.root(0));
  CHECK(b.m.pdpte(b.s(), 0, 0) == -1);
  b.m.invlpg(b.s(), 0, 0, -1);
  CHECK(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Fault);
  CHECK(b.m.pdpte(b.s(), 1, 0) == pmd);  // the other CPU keeps its own
}

TEST_CASE("hardware: a block entry maps a run of frames -- its TLB entries go together -- break-before-make judges entry writes", "[hardware]") {
  Config c = two_cpus();
  c.huge = true;
  Bench b(c);
  auto call = [&](Builtin builtin, std::vector<std::int64_t> args, bool bbm = false) {
    auto [result, effect] = b.call(builtin, std::move(args), 0, bbm);
    return std::make_pair(result, effect);
  };
  const std::int64_t table = b.m.pt_get(b.s(), 0, 0, 2).value;
  const std::int64_t huge = call(Builtin::AllocBlock, {2}).first;
  REQUIRE(huge >= 0);
  CHECK(huge % 2 == 0);
  // writing the block over the live table entry breaks break-before-make (when judged)
  auto [r, direct] = call(Builtin::SetBlock, {0, 0, 2, huge}, true);
  CHECK(direct.break_before_make);
  CHECK(direct.bbm.kind == properties::BrokenBreakBeforeMake::ValidToValid);
  // break: clear it; make: the block, but cpu0 still caches V's old translation
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
  REQUIRE(b.m.pt_put(b.s(), 0, 0, 2, 0).kind == Effect::Ok);
  auto [r2, no_flush] = call(Builtin::SetBlock, {0, 0, 2, huge}, true);
  CHECK(no_flush.bbm.kind == properties::BrokenBreakBeforeMake::TlbStillHolds);
  CHECK(no_flush.bbm.cached_frame >= 0);
  CHECK(no_flush.bbm.cached_frame != huge);
  // after the invalidation the make is fine
  b.m.invlpg(b.s(), 0, 0, -1);
  b.m.invlpg(b.s(), 1, 0, -1);
  CHECK(call(Builtin::SetBlock, {0, 0, 2, huge}, true).second.kind == Effect::Ok);
  (void)table;
  // a walk through the block: each page its own frame of the run, filled as
  // one block entry that already translates S too
  REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
  CHECK(b.m.pte().frame(b.tlb(0, 1)) == huge + 1);
  REQUIRE(b.m.access(b.s(), 0, 1, 0, 0).kind == Effect::Ok);
  CHECK(b.m.pte().frame(b.tlb(0, 0)) == huge);
  CHECK(b.m.pte().frame(b.tlb(0, 1)) == huge + 1);
  CHECK(b.m.pte().block_level(b.tlb(0, 1)) == 2);
  CHECK(call(Builtin::PtIsBlock, {0, 0, 2}).first == 1);
  CHECK(b.m.pt_get(b.s(), 0, 1, 1).value == 0);  // no table below a block
  // invalidating one page of the block drops the block's entry: every page's
  b.m.invlpg(b.s(), 0, 0, -1);
  CHECK(b.tlb(0, 0) == 0);
  CHECK(b.tlb(0, 1) == 0);
  // a block must start at an aligned run of data frames
  CHECK(call(Builtin::SetBlock, {0, 0, 2, huge + 1}).second.runtime.find("multiple of 2") != std::string::npos);
}

TEST_CASE("hardware: INVPCID of one address keeps global entries -- break-before-make sees a cached table pointer under a new block", "[hardware]") {
  {
    Config c = two_cpus(1);
    c.asids = 2;
    c.pte_global = true;
    Bench b(c);
    // make V's entry global, cache it, and invalidate it by address: it stays (SDM: "except global translations")
    const std::int64_t raw = b.leaf(0, 0);
    REQUIRE(b.m.pt_put(b.s(), 0, 0, 1, b.m.pte().with_flags(raw, b.m.pte().flags(raw) | pte_flag::kGlobal)).kind == Effect::Ok);
    REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);
    CHECK(b.call(Builtin::InvpcidAddr, {0, 0}).effect.runtime.empty());
    CHECK(b.m.tlb_holds(b.s(), 0, 0));
  }
  {
    Config c = two_cpus();
    c.huge = true;
    Bench b(c);
    REQUIRE(b.m.access(b.s(), 0, 0, 0, 0).kind == Effect::Ok);  // caches the level-2 pointer to the table
    REQUIRE(b.m.walk_cached(b.s(), 0, 0, 2));
    REQUIRE(b.m.pt_put(b.s(), 0, 0, 2, 0).kind == Effect::Ok);
    b.m.invalidate_page(b.s(), 0, 0, false);                    // a last-level invalidation: the pointer stays
    b.m.invalidate_page(b.s(), 0, 1, false);
    const std::int64_t huge = b.call(Builtin::AllocBlock, {2}).result;
    REQUIRE(huge >= 0);
    Effect e = b.call(Builtin::SetBlock, {0, 0, 2, huge}, 0, true).effect;
    CHECK(e.break_before_make);
    CHECK(e.bbm.kind == properties::BrokenBreakBeforeMake::WalkCacheStillHolds);
  }
}

TEST_CASE("hardware: stale-permission: a narrowing is judged once the process that made it declares it complete", "[hardware][properties]") {
  Bench b(two_cpus(), true);
  const int narrower = 0, other = 1;
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);  // cpu1 caches A's V writable
  REQUIRE(b.call(Builtin::PteWrprotect, {0, 0}, 0, false, narrower).result == 0);
  CHECK(b.m.get(b.s(), b.slots.narrowing[0]) == Narrowing::pending(narrower));
  // just outside: the change is not declared complete yet (a racing write is the program's own race)
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  // nor by another process instance's return
  b.call(Builtin::SyncReturn, {}, 0, false, other);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  b.call(Builtin::SyncReturn, {}, 0, false, narrower);
  // just outside: a read needs nothing the tables took away
  CHECK(b.m.access(b.s(), 1, 0, 1, 0).kind == Effect::Ok);
  // just inside: a write through the writable entry
  Effect e = b.m.access(b.s(), 1, 0, 2, 1);
  REQUIRE(e.kind == Effect::Violation);
  CHECK(e.stale_permission);
  CHECK(e.perm.why == properties::WiderGrant::Write);
  CHECK(e.perm.mm == 0);
  CHECK(e.perm.page == 0);
  // judged only with the property on
  CHECK(b.m.access(b.s(), 1, 0, 2, 1, true, -2, true, 0, Machine::kAllClaims & ~Machine::kClaimPermission).kind == Effect::Ok);
  // after the flush the write walks, faults on the read-only entry: nothing stale
  b.m.invlpg(b.s(), 1, 0, -1);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Fault);
}

TEST_CASE("hardware: stale-permission: a narrowing outside any sync function is nobody's declaration", "[hardware][properties]") {
  Bench b(two_cpus(), true);
  const int narrower = 0;
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  b.call(Builtin::PteWrprotect, {0, 0}, 0, false, narrower);  // inside mprotect(), declared at its return
  b.call(Builtin::SyncReturn, {}, 0, false, narrower);
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).stale_permission);
  // the entry made writable again, cached, and taken away outside a sync function: not declared
  b.call(Builtin::SetPte, {0, 0, b.m.pte().frame(b.leaf(0, 0)), 1}, 0, false, narrower, true);
  b.m.invlpg(b.s(), 1, 0, -1);
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  b.call(Builtin::PteWrprotect, {0, 0}, 0, false, narrower, true);
  CHECK(b.m.get(b.s(), b.slots.narrowing[0]) == 0);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
}

TEST_CASE("hardware: lost-write: a store into a frame copied while only a stale entry could write it", "[hardware][properties]") {
  Bench b(two_cpus(), true);
  const std::int64_t old = b.m.pte().frame(b.leaf(0, 0));
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);  // cpu1 caches A's V writable
  const std::int64_t copy = b.call(Builtin::AllocFrame, {}).result;
  // just outside: a copy while the tables still let A write the frame (a snapshot) leaves no mark
  REQUIRE(b.call(Builtin::CopyPage, {copy, old}, 0, false, 0).effect.kind == Effect::Ok);
  CHECK(b.m.get(b.s(), b.slots.copied[std::size_t(old)]) == 0);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  // a COW break: A's entry read-only, the copy taken, A moved to the copy
  b.call(Builtin::PteWrprotect, {0, 0}, 0, false, 0);
  REQUIRE(b.call(Builtin::CopyPage, {copy, old}, 0, false, 0).effect.kind == Effect::Ok);
  CHECK(b.m.get(b.s(), b.slots.copied[std::size_t(old)]) == std::int64_t(properties::FrameCopy::Copied));
  b.call(Builtin::SetPte, {0, 0, copy, 1}, 0, false, 0);
  // just inside: cpu1's stale writable entry stores into the old frame
  Effect e = b.m.access(b.s(), 1, 0, 2, 1);
  REQUIRE(e.kind == Effect::Violation);
  CHECK(e.lost_write);
  CHECK(e.lost.frame == old);
  // a mapping that lets a CPU write the old frame again makes the copy no longer the truth
  b.call(Builtin::SetPte, {0, 1, old, 1}, 0, false, 0);
  CHECK(b.m.get(b.s(), b.slots.copied[std::size_t(old)]) == 0);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
}

TEST_CASE("hardware: dirty-dropped: a store through a dirty entry after a write-back no table shows dirty", "[hardware][properties]") {
  Config c = two_cpus();
  c.disk = true;
  c.pte_accessed_dirty = true;
  Bench b(c, true);
  const std::int64_t f = b.m.pte().frame(b.leaf(0, 0));
  const std::uint32_t mark = b.slots.copied[std::size_t(f)];
  REQUIRE(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);  // cpu1's entry: writable and dirty
  // just outside: the PTE is still dirty, so the kernel sees the page as dirty: no mark
  REQUIRE(b.call(Builtin::DiskWrite, {0, f}, 0, false, 0).effect.kind == Effect::Ok);
  CHECK(b.m.get(b.s(), mark) == 0);
  // the kernel cleans the PTE (clear_page_dirty_for_io) and writes the page back without a flush
  REQUIRE(b.call(Builtin::PtepTestAndClearDirty, {0, 0}, 0, false, 0).result == 1);
  REQUIRE(b.call(Builtin::DiskWrite, {0, f}, 0, false, 0).effect.kind == Effect::Ok);  // judged at the store, not here
  CHECK(b.m.get(b.s(), mark) == std::int64_t(properties::FrameCopy::WrittenBack));
  // just inside: cpu1 stores through its dirty entry without a walk
  Effect e = b.m.access(b.s(), 1, 0, 2, 1);
  REQUIRE(e.kind == Effect::Violation);
  CHECK(e.dirty_dropped);
  CHECK(e.frame == f);
  // with dirty-dropped off, the frame is still mapped writable: nothing is lost
  CHECK(b.m.access(b.s(), 1, 0, 2, 1, true, -2, true, 0, Machine::kAllClaims & ~Machine::kClaimWriteback).kind == Effect::Ok);
  // just outside: once cpu1 flushed, its next store walks and marks the PTE dirty again
  b.m.invlpg(b.s(), 1, 0, -1);
  CHECK(b.m.access(b.s(), 1, 0, 2, 1).kind == Effect::Ok);
  CHECK(b.m.pte().has(b.leaf(0, 0), pte_flag::kDirty));
}
