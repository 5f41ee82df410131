// CPU symmetry reduction (model/runtime/symmetry.hpp): which CPUs are found
// interchangeable and why the others are not, state counts worked out by
// hand, and counterexamples that are concrete runs of the unreduced model.
#include <catch2/catch.hpp>

#include "checker/cli/driver.hpp"
#include "checker/replay.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

namespace {

checker::Report explore(const cli::Loaded& loaded, bool symmetry, unsigned threads = 1) {
  checker::ExploreOptions o;
  o.threads = threads;
  o.symmetry = symmetry;
  return cli::explore(loaded, "t.tlb", o);
}

std::string notes(const checker::Report& r) {
  std::string out;
  for (const std::string& n : r.symmetry_notes) out += n + "\n";
  return out;
}

// Four CPUs each set their own flag once: a state is which CPUs are done,
// 2^4 = 16 of them; renaming the CPUs leaves only how many are done, 0..4.
const std::string kFlags = R"(protocol "flags"
machine { cpus = 4; }
percpu done: bool = false;
process p on each cpu { done = true; }
)";

}  // namespace

TEST_CASE("symmetry: four CPUs setting their own flag, 16 states and 5 orbits", "[symmetry]") {
  const cli::Loaded l = load_text(kFlags);
  REQUIRE(l.result.system->symmetric());
  CHECK(explore(l, false).result.states == 16);
  const checker::Report r = explore(l, true);
  CHECK(r.result.symmetry);
  CHECK(r.result.states == 5);
  CHECK(r.symmetry_classes == std::vector<std::vector<int>>{{0, 1, 2, 3}});
  CHECK(explore(l, true, 2).result.states == 5);
}

TEST_CASE("symmetry: a cpumask's bits follow their CPUs", "[symmetry]") {
  // the same count through a shared cpumask: the set of CPUs done
  const cli::Loaded l = load_text(R"(protocol "mask"
machine { cpus = 4; }
var m: cpumask = CPU_MASK_NONE;
process p on each cpu { set_bit(this_cpu, m); }
invariant mine: forall (c: cpu) !per_cpu(seen, c) || test_bit(c, m);
percpu seen: bool = false;
process q on each cpu { atomic { await(test_bit(this_cpu, m)); seen = true; } }
)");
  REQUIRE(l.result.system->symmetric());
  // per CPU: not set; set, not seen; set and seen (3 states); 3^4 = 81, and
  // up to renaming the multisets of 4 from 3 kinds: C(6, 2) = 15
  const checker::Report unreduced = explore(l, false);
  CHECK(unreduced.result.outcome == checker::Outcome::Holds);
  CHECK(unreduced.result.states == 81);
  const checker::Report r = explore(l, true);
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 15);
}

TEST_CASE("symmetry: a CPU the text names keeps its number", "[symmetry]") {
  // `owner` starts as cpu 0: cpus 1..3 are still interchangeable, cpu 0 is
  // not: (done or not on cpu0) x (0..3 of the others done) = 8
  const cli::Loaded l = load_text(kFlags + "var owner: cpu = 0;\n");
  const checker::Report r = explore(l, true);
  CHECK(r.result.states == 8);
  CHECK(r.symmetry_classes == std::vector<std::vector<int>>{{1, 2, 3}});
  CHECK(notes(r).find("cpu0 keeps its number: t.tlb:5: '0' names it") != std::string::npos);

  const cli::Loaded compared = load_text(kFlags + "invariant first: per_cpu(done, 2) || !per_cpu(done, 1);\n");
  const checker::Report c = explore(compared, true);
  CHECK(c.symmetry_classes == std::vector<std::vector<int>>{{0, 3}});
  CHECK(notes(c).find("cpu1 keeps its number") != std::string::npos);
  CHECK(notes(c).find("cpu2 keeps its number") != std::string::npos);
}

TEST_CASE("symmetry: what tells CPUs apart is named, with its line", "[symmetry]") {
  struct Case {
    std::string body, why;
  };
  const std::vector<Case> cases = {
      {"process q on cpu 0 { for (c: cpu) { per_cpu(done, c) = true; } }", "t.tlb:5: 'for' visits the CPUs in order"},
      {"var n: int[0..3] = 0;\nprocess q on cpu 0 { n = this_cpu; }", "t.tlb:6: 'this_cpu' uses a cpu as an integer"},
      {"var who: cpu = 0;\nvar n: int[0..3] = 1;\nprocess q on cpu 0 { who = n; }", "t.tlb:7: 'n' computes a cpu from an integer"},
      {"var who: cpu = 0;\nprocess q on cpu 0 { await(who < this_cpu); }", "t.tlb:6: 'who < this_cpu' orders or computes with cpus"},
      {"var n: int[0..3] = 0;\nprocess q on cpu 0 { n = true ? 0 : this_cpu; }", "t.tlb:6: 'true ? 0 : this_cpu' uses a cpu as an integer"},
      {"var a: bool[4];\nprocess q on cpu 0 { let b: bool[4]; b[this_cpu] = true; a = b; }", "t.tlb:6: 'b[this_cpu]' indexes an array with a cpu"},
      {"var flag: bool[4];\nvar snap: bool[4];\nprocess q on each cpu { flag[this_cpu] = true; snap = flag; }", "t.tlb:7: 'flag' uses the whole array"},
      {"var n: int[0..9] = 0;\nprocess q on cpu 0 { n += this_cpu; }", "t.tlb:6: 'n += this_cpu' computes with a cpu"},
      {"fn mark(v: &bool) { v = true; }\nvar flag: bool[4];\nprocess q on each cpu { choose c: cpu; mark(&flag[c]); }", "t.tlb:7: '&flag[c]' passes a reference to an element a cpu picks"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const cli::Loaded l = load_text(kFlags + c.body + "\n");
    CHECK_FALSE(l.result.system->symmetric());
    const checker::Report r = explore(l, true);
    CHECK_FALSE(r.result.symmetry);
    INFO(notes(r));
    CHECK(notes(r).find("the text tells the CPUs apart: " + c.why) != std::string::npos);
  }
}

TEST_CASE("symmetry: swapping interchangeable CPUs maps steps onto steps", "[symmetry]") {
  CHECK(check_renamings_commute(*load_text(kFlags).result.system) == 16);
  CHECK(check_renamings_commute(*load_text(kFlags + "var owner: cpu = 0;\n").result.system) == 16);
  // the seed protocol at 4 CPUs, with the hardware's TLBs, IPIs, tasks and lazy mm (cpu2 and cpu3)
  cli::Request request;
  request.file = "protocols/lazy_tlb_2_4.tlb";
  request.text = read_file(source_dir() + "/" + request.file);
  request.load.defines = {{"cpus", "4"}, {"fix", "upstream"}};
  const cli::Loaded l = cli::load(request);
  REQUIRE(l.result.system);
  REQUIRE(l.result.system->symmetric());
  CHECK(check_renamings_commute(*l.result.system, 3000) == 3000);
}

TEST_CASE("symmetry: a step that changes only what names the CPUs outside their blocks", "[symmetry]") {
  // cpu0 (outside the class) clears bits of the others' in the shared mask,
  // their blocks untouched: their signatures change all the same, so a
  // successor's canonical form must not reuse its parent's signatures
  const cli::Loaded l = load_text(R"(protocol "outside"
machine { cpus = 4; }
var m: cpumask = CPU_MASK_NONE;
percpu done: bool = false;
process p on cpus 1..3 { set_bit(this_cpu, m); done = true; }
process q on cpu 0 { choose c: cpu; clear_bit(c, m); m = CPU_MASK_NONE; }
)");
  REQUIRE(l.result.system->symmetric());
  CHECK(check_renamings_commute(*l.result.system) == 233);  // every state of the unreduced model
  CHECK(explore(l, false).result.states == 233);
  CHECK(explore(l, true).result.states == 67);
  CHECK(explore(l, true, 2).result.states == 67);
}

TEST_CASE("symmetry: a reduced counterexample is as short and replays on the unreduced model", "[symmetry]") {
  // three CPUs increment a counter without a lock
  const cli::Loaded l = load_text(R"(protocol "lost_update3"
machine { cpus = 3; }
var counter: int[0..3] = 0;
var done: int[0..3] = 0;
process inc on each cpu {
  let t: int[0..3] = counter;
  counter = t + 1;
  atomic { done += 1; if (done == 3) { assert(counter == 3); } }
}
)");
  const checker::System& system = *l.result.system;
  REQUIRE(system.symmetric());
  const checker::Report plain = explore(l, false);
  const checker::Report r = explore(l, true);
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.result.states < plain.result.states);
  CHECK(r.result.depth == plain.result.depth);
  CHECK(r.property == "assertion");
  const checker::ReplayResult replayed = checker::replay(system, checker::render_json(system, r));
  INFO(replayed.message);
  CHECK(replayed.outcome == checker::ReplayOutcome::Violated);
}

namespace {

// One CPU picks values of a symmetric enum and marks them: a state is the
// set of marked values among A, B, C (NONE is named, and never marked),
// 2^3 = 8; renaming A, B, C leaves only how many are marked, 0..3.
const std::string kPick = R"(protocol "pick"
machine { cpus = 1; }
symmetric enum id { NONE, A, B, C }
var picked: bool[id];
process p on cpu 0 {
  while (true) {
    choose x: id;
    if (x != NONE) { picked[x] = true; }
  }
}
)";

// Two CPUs each claim a value with a check and a set that are not one step:
// both can claim the same one.
std::string claims(bool atomic) {
  const std::string claim = "if (x != NONE && !taken[x]) { taken[x] = true; mine = x; }";
  return std::string(R"(protocol "claim"
machine { cpus = 2; }
symmetric enum id { NONE, A, B, C }
var taken: bool[id];
percpu mine: id = NONE;
process p on each cpu {
  choose x: id;
  )") + (atomic ? "atomic { " + claim + " }" : claim) + R"(
}
invariant distinct: forall (c: cpu) forall (d: cpu) c == d || per_cpu(mine, c) == NONE || per_cpu(mine, c) != per_cpu(mine, d);
)";
}

}  // namespace

TEST_CASE("value symmetry: picking among interchangeable values, 8 states and 4 orbits", "[symmetry]") {
  const cli::Loaded l = load_text(kPick);
  REQUIRE(l.result.system->symmetric());
  CHECK(explore(l, false).result.states == 8);
  const checker::Report r = explore(l, true);
  CHECK(r.result.symmetry);
  CHECK(r.result.states == 4);
  CHECK(r.symmetry_classes.empty());
  REQUIRE(r.symmetry_values.size() == 1);
  CHECK(r.symmetry_values[0].type == "id");
  CHECK(r.symmetry_values[0].values == std::vector<std::string>{"A", "B", "C"});
  CHECK(notes(r).find("id NONE keeps its identity: t.tlb:8: 'NONE' names it") != std::string::npos);
  CHECK(explore(l, true, 2).result.states == 4);
  CHECK(check_renamings_commute(*l.result.system) == 8);
  // the JSON names them
  const std::string json = checker::render_json(*l.result.system, r).dump();
  CHECK(json.find(R"("values":[{"type":"id","values":["A","B","C"]}])") != std::string::npos);
}

TEST_CASE("value symmetry: with CPU symmetry, and a counterexample that replays on the unreduced model", "[symmetry]") {
  const cli::Loaded fixed = load_text(claims(true));
  const checker::Report plain = explore(fixed, false);
  const checker::Report r = explore(fixed, true);
  CHECK(plain.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.symmetry_classes == std::vector<std::vector<int>>{{0, 1}});
  REQUIRE(r.symmetry_values.size() == 1);
  CHECK(r.result.states < plain.result.states);
  CHECK(check_renamings_commute(*fixed.result.system) == plain.result.states);

  const cli::Loaded racy = load_text(claims(false));
  const checker::Report bad_plain = explore(racy, false);
  const checker::Report bad = explore(racy, true);
  REQUIRE(bad.result.outcome == checker::Outcome::Violated);
  CHECK(bad_plain.result.outcome == checker::Outcome::Violated);
  CHECK(bad.result.depth == bad_plain.result.depth);
  CHECK(bad.property == "distinct");
  const checker::ReplayResult replayed = checker::replay(*racy.result.system, checker::render_json(*racy.result.system, bad));
  INFO(replayed.message);
  CHECK(replayed.outcome == checker::ReplayOutcome::Violated);
}

TEST_CASE("value symmetry: what tells values apart is named, with its line", "[symmetry]") {
  struct Case {
    std::string body, why;
  };
  const std::string head = "protocol \"v\"\nmachine { cpus = 1; }\nsymmetric enum id { NONE, A, B, C }\nvar picked: bool[id];\n";
  const std::vector<Case> cases = {
      {"process q on cpu 0 { for (x: id) { picked[x] = true; } }", "t.tlb:5: 'for' visits the values in order"},
      {"var snap: bool[4];\nprocess q on cpu 0 { choose x: id; picked[x] = true; snap = picked; }", "t.tlb:6: 'picked' uses the whole array"},
      {"process q on cpu 0 { let mine: bool[4]; choose x: id; mine[x] = true; }", "t.tlb:5: 'mine[x]' indexes an array with a value of 'id'"},
      {"var n: int[0..3] = 0;\nprocess q on cpu 0 { choose x: id; picked[x] = true; picked[n] = true; }", "t.tlb:6: 'picked[n]' picks an element of an array"},
      {"var few: bool[3];\nprocess q on cpu 0 { choose x: id; few[x] = true; }", "t.tlb:5: 'few' is indexed by the values of 'id' but has not one element per value"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const cli::Loaded l = load_text(head + c.body + "\n");
    const checker::Report r = explore(l, true);
    CHECK(r.symmetry_values.empty());
    INFO(notes(r));
    CHECK(notes(r).find("the values of 'id' keep their identity: " + c.why) != std::string::npos);
  }
  // a value written in the text, or a variable's initial value, keeps its identity; the others stay interchangeable
  const checker::Report named = explore(load_text(head + "var last: id;\nvar first: id = B;\nprocess q on cpu 0 { choose x: id; if (x != C) { picked[x] = true; } }\n"), true);
  REQUIRE(named.symmetry_values.size() == 0);
  CHECK(notes(named).find("id NONE keeps its identity: 'last' starts as it") != std::string::npos);
  CHECK(notes(named).find("id B keeps its identity: t.tlb:6: 'B' names it") != std::string::npos);
  CHECK(notes(named).find("id C keeps its identity: t.tlb:7: 'C' names it") != std::string::npos);
  CHECK(notes(named).find("id A is the only value of 'id' nothing names") != std::string::npos);
  const checker::Report one = explore(load_text(head + "process q on cpu 0 { choose x: id; if (x != C) { picked[x] = true; } }\n"), true);
  REQUIRE(one.symmetry_values.size() == 1);
  CHECK(one.symmetry_values[0].values == std::vector<std::string>{"A", "B"});
}
