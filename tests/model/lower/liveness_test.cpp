// Dead-variable reset (model/lower/liveness.cpp): state counts derived by
// hand with and without it, values read after a loop or a branch kept, both
// engines alike, and traces that do not list a reset as a change.
#include <catch2/catch.hpp>

#include <algorithm>

#include "model/load.hpp"
#include "tests/support.hpp"

namespace {

using namespace tlbcheck;

// Checks `text` with the dead-variable reset (the default) or without it
// (--keep-dead), interpreted or with native steps.
checker::Report run(const std::string& text, bool keep_dead, bool native = false, unsigned threads = 1) {
  cli::Request request;
  request.file = "t.tlb";
  request.text = text;
  request.load.keep_dead = keep_dead;
  cli::Loaded loaded = cli::load(request);
  INFO(loaded.result.diagnostics);
  REQUIRE(loaded.result.system);
  if (native) {
    std::string why;
    if (!loaded.result.system->use_native(why)) FAIL(why);
  }
  checker::ExploreOptions options;
  options.threads = threads;
  return cli::explore(loaded, request.file, options);
}

// A function's local and result, dead once its caller used them.
//   step 1: pick() chooses v in 1..3 and returns it into t; x = t
//   step 2: x = 0, and p ends
// Kept: the initial state; after step 1 (v, t, x) = (k, k, k) for k = 1..3;
// after step 2 (k, k, 0), ended: 1 + 3 + 3 = 7 states, 6 transitions.
// Reset: after step 1 nothing reads v or t again, so both are 0 again and
// the states are (0, 0, k); after step 2 the three are one, (0, 0, 0)
// ended: 1 + 3 + 1 = 5 states, still 6 transitions.
const char* kFunction = R"(
var x: int[0..3] = 0;
fn pick() -> int[0..3] { choose v in 1..3; return v; }
process p on cpu 0 {
  let t: int[0..3] = pick();
  x = t;
  x = 0;
}
)";

}  // namespace

TEST_CASE("dead-variable reset: a function's local and result are dead after the call's last use", "[dead]") {
  const checker::Report kept = run(kFunction, true);
  CHECK(kept.result.outcome == checker::Outcome::Holds);
  CHECK(kept.result.states == 7);
  CHECK(kept.result.transitions == 6);
  CHECK(kept.dead_reset == false);
  const checker::Report reset = run(kFunction, false);
  CHECK(reset.result.outcome == checker::Outcome::Holds);
  CHECK(reset.result.states == 5);
  CHECK(reset.result.transitions == 6);
  CHECK(reset.dead_reset == true);
  // native steps reset the same slots
  CHECK(run(kFunction, false, true).result.states == 5);
  CHECK(run(kFunction, true, true).result.states == 7);
}

TEST_CASE("dead-variable reset: two processes whose dead locals multiplied the interleavings", "[dead]") {
  // Each of a, b: step 1 chooses t in 1..2 and writes it to its own global;
  // step 2 clears that global and ends. Per process, kept: 1 + 2 + 2 = 5
  // local states (t stays), reset: 1 + 2 + 1 = 4 (t is dead after step 1).
  // The processes are independent, so the products: 25 kept, 16 reset.
  const std::string text = R"(
machine { cpus = 2; }
var x: int[0..2] = 0;
var y: int[0..2] = 0;
process a on cpu 0 { choose t in 1..2; x = t; x = 0; }
process b on cpu 1 { choose t in 1..2; y = t; y = 0; }
)";
  CHECK(run(text, true).result.states == 25);
  CHECK(run(text, false).result.states == 16);
  CHECK(run(text, false, false, 2).result.states == 16);
}

TEST_CASE("dead-variable reset: a value read after a loop or a branch is kept", "[dead]") {
  // t is chosen first and read only after a loop of shared steps, in a
  // branch's condition; were it reset on the way, x would be 0 and the
  // assertion fail. Once x is set t is dead: the two values of t left in
  // the kept states of the last steps are one state each with the reset.
  const std::string loop = R"(
var x: int[0..2] = 0;
var y: int[0..3] = 0;
process p on cpu 0 {
  choose t in 1..2;
  let i: int[0..2] = 0;
  while (i < 2) { y += 1; i += 1; }
  if (t >= 1) { x = 1; } else { x = 0; }
  assert(x == 1);
  y = 0;
}
)";
  for (bool native : {false, true}) {
    const checker::Report kept = run(loop, true, native), reset = run(loop, false, native);
    CHECK(kept.result.outcome == checker::Outcome::Holds);
    CHECK(reset.result.outcome == checker::Outcome::Holds);
    CHECK(reset.result.states < kept.result.states);
  }
  // A handler's parameter is live from its delivery to its last use, and
  // dead while the handler is idle (the next delivery writes it): after the
  // second run it is back at its initial value, 1, where it kept 2 before.
  const std::string handler = R"(
machine { cpus = 2; }
var runs: int[0..4] = 0;
irq kick(v: int[1..2]) { runs += v; }
process sender on cpu 0 { send_ipi(1, kick, 1); await(runs == 1); send_ipi(1, kick, 2); await(runs == 3); assert(false); }
)";
  for (bool keep : {true, false}) {
    cli::Request request;
    request.file = "t.tlb";
    request.text = handler;
    request.load.keep_dead = keep;
    cli::Loaded loaded = cli::load(request);
    REQUIRE(loaded.result.system);
    const checker::System& system = *loaded.result.system;
    checker::ExploreOptions options;
    options.threads = 1;
    const checker::Report r = cli::explore(loaded, request.file, options);
    REQUIRE(r.result.outcome == checker::Outcome::Violated);
    CHECK(r.property == "assertion");
    const auto& slots = system.layout().slots;
    const auto v = std::find_if(slots.begin(), slots.end(), [](const checker::Slot& s) { return s.name == "kick@cpu1.v"; });
    REQUIRE(v != slots.end());
    const std::uint32_t slot = std::uint32_t(v - slots.begin());
    CHECK(system.format_slot(slot, r.result.trace.states.back()) == (keep ? "2" : "1"));
  }
}

TEST_CASE("dead-variable reset: a trace does not list a reset as a change", "[dead]") {
  // step 1: choose t = 3 (from 2, its initial value), x = 1: both change,
  // t is live (step 2 reads it); step 2: x = t, after which t is dead and
  // put back to 2, which the trace does not list; step 3: the assertion fails
  const std::string text = R"(
var x: int[0..3] = 0;
process p on cpu 0 { choose t in 2..3; x = 1; x = t; assert(x != 3); }
)";
  for (bool keep : {true, false}) {
    cli::Request request;
    request.file = "t.tlb";
    request.text = text;
    request.load.keep_dead = keep;
    cli::Loaded loaded = cli::load(request);
    REQUIRE(loaded.result.system);
    checker::ExploreOptions options;
    options.threads = 1;
    const checker::Report r = cli::explore(loaded, request.file, options);
    REQUIRE(r.result.outcome == checker::Outcome::Violated);
    REQUIRE(r.steps.size() == 3);
    auto names = [](const checker::Step& s) {
      std::vector<std::string> out;
      for (const checker::Change& c : s.changes) out.push_back(c.slot);
      return out;
    };
    CHECK(names(r.steps[0]) == std::vector<std::string>{"x", "p.t"});
    CHECK(names(r.steps[1]) == std::vector<std::string>{"x"});
    CHECK(r.steps[1].changes[0].after == "3");
    // the state itself has t reset (or kept)
    const auto& slots = loaded.result.system->layout().slots;
    const auto t = std::find_if(slots.begin(), slots.end(), [](const checker::Slot& s) { return s.name == "p.t"; });
    REQUIRE(t != slots.end());
    CHECK(loaded.result.system->format_slot(std::uint32_t(t - slots.begin()), r.result.trace.states[2]) == (keep ? "3" : "2"));
  }
}
