// Partial-order reduction (checker/por.hpp): state counts worked out by hand,
// the read and write sets checked against what the steps do on reachable
// states, and every bundled protocol with the same verdict under --por, its
// counterexamples real runs of the unreduced model.
#include <catch2/catch.hpp>

#include <set>

#include "checker/cli/driver.hpp"
#include "checker/por.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

namespace {

checker::Report explore(const cli::Loaded& loaded, bool por, unsigned threads = 1, bool symmetry = false) {
  checker::ExploreOptions o;
  o.threads = threads;
  o.por = por;
  o.symmetry = symmetry;
  return cli::explore(loaded, "t.tlb", o);
}

// Two processes of k steps each: on their own variables (independent), or
// both adding to one counter (dependent).
std::string two_processes(int k, bool shared) {
  std::string a, b;
  for (int i = 1; i <= k; ++i) {
    a += shared ? "  n += 1;\n" : "  x = " + std::to_string(i) + ";\n";
    b += shared ? "  n += 1;\n" : "  y = " + std::to_string(i) + ";\n";
  }
  return "protocol \"two\"\nmachine { cpus = 2; }\nvar x: int[0..9] = 0;\nvar y: int[0..9] = 0;\nvar n: int[0..20] = 0;\n"
         "process a on cpu 0 {\n" + a + "}\nprocess b on cpu 1 {\n" + b + "}\n";
}

// Each step of the trace is a step of the unreduced model from the state
// before it, from the initial state on, and the last state violates (or,
// for a deadlock, has no successor).
void check_real_path(const checker::System& system, const checker::Report& report) {
  const checker::Trace& t = report.result.trace;
  std::vector<checker::Word> init(system.layout().words);
  system.initial(init);
  REQUIRE(!t.states.empty());
  CHECK(t.states[0] == init);
  auto scratch = system.make_scratch();
  for (std::size_t i = 0; i < t.groups.size(); ++i) {
    bool found = false;
    system.next_in_group(t.states[i], *scratch, t.groups[i], [&](checker::GroupId, checker::ConstStateRef succ) {
      found = found || std::equal(succ.begin(), succ.end(), t.states[i + 1].begin());
    });
    INFO("step " << i + 1);
    CHECK(found);
  }
  if (report.result.deadlock) {
    std::size_t successors = 0;
    system.next(t.states.back(), *scratch, [&](checker::GroupId, checker::ConstStateRef) { ++successors; });
    CHECK(successors == 0);
  } else {
    CHECK(system.check(t.states.back()).violated);
  }
}

}  // namespace

TEST_CASE("por: two independent processes of k steps, (k+1)^2 states and 2k+1 with the reduction", "[por]") {
  for (int k : {1, 3, 5}) {
    INFO("k = " << k);
    const cli::Loaded l = load_text(two_processes(k, false));
    const checker::Report full = explore(l, false);
    CHECK(full.result.states == std::uint64_t((k + 1) * (k + 1)));
    for (unsigned threads : {1u, 2u}) {
      const checker::Report r = explore(l, true, threads);
      CHECK(r.result.por);
      CHECK(r.result.outcome == checker::Outcome::Holds);
      CHECK(r.result.states == std::uint64_t(2 * k + 1));
      CHECK(r.result.transitions == std::uint64_t(2 * k));
      CHECK(r.result.por_reduced == std::uint64_t(k));  // the states where both can move
    }
  }
}

TEST_CASE("por: two processes adding to one counter are dependent, nothing is reduced", "[por]") {
  const int k = 3;
  const cli::Loaded l = load_text(two_processes(k, true));
  const checker::Report full = explore(l, false);
  const checker::Report r = explore(l, true);
  CHECK(full.result.states == std::uint64_t((k + 1) * (k + 1)));
  CHECK(r.result.states == full.result.states);
  CHECK(r.result.transitions == full.result.transitions);
  CHECK(r.result.por_reduced == 0);
}

TEST_CASE("por: four CPUs setting their own flag, 16 states, 5 with the reduction, 5 with symmetry too", "[por]") {
  const cli::Loaded l = load_text(R"(protocol "flags"
machine { cpus = 4; }
percpu done: bool = false;
process p on each cpu { done = true; }
)");
  CHECK(explore(l, false).result.states == 16);
  CHECK(explore(l, true).result.states == 5);
  CHECK(explore(l, true, 2, true).result.states == 5);
}

TEST_CASE("por: a step that writes what an invariant reads is never left out", "[por]") {
  // the invariant reads y: b's steps are visible, never postponed, a's are
  // (x is read by nothing but a); the search still reaches y = 2
  const cli::Loaded l = load_text(two_processes(2, false) + "invariant small: y != 2;\n");
  const checker::Report r = explore(l, true);
  CHECK(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "small");
  CHECK(r.result.por_reduced > 0);
  check_real_path(*l.result.system, r);
}

TEST_CASE("por: a violation a postponed step records is still found, and its trace is real", "[por]") {
  // a's assertion fails only after b ran: b is never postponed past it
  const cli::Loaded l = load_text(R"(protocol "late"
machine { cpus = 2; }
var x: int[0..3] = 0;
var y: int[0..3] = 0;
process a on cpu 0 { x = 1; x = 2; assert(y != 1); }
process b on cpu 1 { y = 1; y = 2; y = 1; }
)");
  const checker::Report r = explore(l, true);
  CHECK(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "assertion");
  check_real_path(*l.result.system, r);
}

TEST_CASE("por: a deadlock is found through reduced states", "[por]") {
  const cli::Loaded l = load_text(read_file(source_dir() + "/examples/textbook/lock_order.tlb"));
  const checker::Report r = explore(l, true);
  CHECK(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.result.deadlock);
  check_real_path(*l.result.system, r);
}

TEST_CASE("por: a cycle of independent steps is expanded fully somewhere (the proviso)", "[por]") {
  // a spins forever between two values while b makes its one step: the
  // reduced search must not go round a's cycle for ever without b; b's
  // assertion fails once it ran
  const cli::Loaded l = load_text(R"(protocol "spin"
machine { cpus = 2; }
var x: int[0..1] = 0;
var y: int[0..1] = 0;
process a on cpu 0 { while (true) { x = 1; x = 0; } }
process b on cpu 1 { y = 1; }
invariant never: y == 0;
)");
  const checker::Report r = explore(l, true);
  CHECK(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "never");
  CHECK(r.result.por_proviso + r.result.por_reduced > 0);
  check_real_path(*l.result.system, r);
}

// Soundness rests on the read and write sets: on the first reachable states
// of every bundled configuration below a size, each group's successors
// differ from the state only in its writes; changing a slot outside its
// reads changes its successors only in that slot; a group that cannot run
// cannot be enabled by a change outside its enabling slots; and check() and
// expand() do not depend on a slot outside the visible ones.
TEST_CASE("por: the read and write sets cover what the steps do on reachable states", "[por][footprint][slow]") {
  using Words = std::vector<checker::Word>;
  std::uint64_t lcg = 12345;
  auto random = [&](std::uint64_t n) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return n == 0 ? 0 : (lcg >> 33) % n;
  };
  std::size_t configurations = 0;
  for (const std::string& rel : bundled_protocols()) {
    const std::string text = read_file(source_dir() + "/" + rel);
    for (const Expectation& e : expectations(text)) {
      if (e.states < 0 || e.states > 20000) continue;
      INFO(rel << ": " << e.line);
      const cli::Loaded l = cli::load(expectation_request(rel, text, e));
      REQUIRE(l.result.system);
      const checker::System& system = *l.result.system;
      const checker::PorInfo* info = system.por_info();
      REQUIRE(info != nullptr);
      ++configurations;
      const checker::Layout& layout = system.layout();
      const std::size_t words = layout.words;
      auto scratch = system.make_scratch();
      std::set<std::uint32_t> transient(info->transient.begin(), info->transient.end());
      std::set<std::uint32_t> visible(info->visible.begin(), info->visible.end());
      auto successors = [&](const Words& s, std::uint32_t g) {
        std::set<Words> out;
        system.next_in_group(s, *scratch, checker::GroupId{g}, [&](checker::GroupId, checker::ConstStateRef t) { out.insert(Words(t.begin(), t.end())); });
        return out;
      };
      auto changed = [&](const Words& s, std::uint32_t slot) {  // s with one slot's bits changed
        Words u = s;
        const checker::Slot& sl = layout.slots[slot];
        const std::uint64_t mask = sl.width >= 64 ? ~0ULL : ((1ULL << sl.width) - 1);
        const std::uint64_t bits = (checker::slot_bits(sl, s) + 1 + random(mask)) & mask;
        u[sl.word] = (u[sl.word] & ~(mask << sl.shift)) | (bits << sl.shift);
        return u;
      };
      auto set_slot = [&](Words t, std::uint32_t slot, const Words& from) {
        const checker::Slot& sl = layout.slots[slot];
        const std::uint64_t mask = (sl.width >= 64 ? ~0ULL : ((1ULL << sl.width) - 1)) << sl.shift;
        t[sl.word] = (t[sl.word] & ~mask) | (from[sl.word] & mask);
        return t;
      };
      std::vector<Words> queue(1, Words(words));
      system.initial(queue[0]);
      std::set<Words> seen(queue.begin(), queue.end());
      for (std::size_t done = 0; done < queue.size() && done < 300; ++done) {
        const Words s = queue[done];
        if (system.check(s).violated) continue;  // never expanded
        for (std::uint32_t g = 0; g < system.groups().size(); ++g) {
          INFO("state " << done << ", group " << system.groups()[g].name);
          const std::set<Words> succ = successors(s, g);
          const std::vector<std::uint32_t>& reads = info->reads[g];
          const std::vector<std::uint32_t>& writes = info->writes[g];
          for (const Words& t : succ) {
            if (seen.insert(t).second) queue.push_back(t);
            for (std::uint32_t k = 0; k < layout.slots.size(); ++k) {
              if (layout.slots[k].width == 0 || checker::slot_bits(layout.slots[k], s) == checker::slot_bits(layout.slots[k], t)) continue;
              INFO("writes " << layout.slots[k].name);
              CHECK(std::binary_search(writes.begin(), writes.end(), k));
            }
          }
          std::vector<std::uint32_t> enabling;
          if (succ.empty()) system.enabling_slots(s, checker::GroupId{g}, enabling);
          for (int tries = 0; tries < 3; ++tries) {
            const auto k = std::uint32_t(random(layout.slots.size()));
            if (layout.slots[k].width == 0 || std::binary_search(reads.begin(), reads.end(), k)) continue;
            const Words u = changed(s, k);
            std::set<Words> expected;
            for (const Words& t : succ) expected.insert(set_slot(t, k, u));
            INFO("reads " << layout.slots[k].name);
            CHECK(successors(u, g) == expected);
          }
          if (succ.empty() && !enabling.empty()) {
            for (int tries = 0; tries < 3; ++tries) {
              const auto k = std::uint32_t(random(layout.slots.size()));
              if (layout.slots[k].width == 0 || std::find(enabling.begin(), enabling.end(), k) != enabling.end()) continue;
              INFO("enabled by " << layout.slots[k].name);
              CHECK(successors(changed(s, k), g).empty());
            }
          }
        }
        for (int tries = 0; tries < 4; ++tries) {
          const auto k = std::uint32_t(random(layout.slots.size()));
          if (layout.slots[k].width == 0 || visible.count(k) || transient.count(k)) continue;
          const Words u = changed(s, k);
          INFO("check reads " << layout.slots[k].name);
          CHECK(system.check(u).violated == system.check(s).violated);
          CHECK(system.expand(u) == system.expand(s));
        }
      }
    }
  }
  CHECK(configurations > 50);
}

// Every bundled configuration of up to 20,000 states (by its `expect:`
// line; the larger ones cost more than this test's budget: they are
// measured in README's table instead) has the same verdict and property
// under --por, with and without symmetry, with 1 and 2 threads alike, and
// its counterexample is a real run of the unreduced model. The states a
// --por search stores, without and with symmetry, are golden
// (tests/golden/por_counts.txt; refresh with TLBCHECK_UPDATE_GOLDEN=1 and
// review the diff).
TEST_CASE("por: every bundled protocol keeps its verdict, and its counterexamples are real", "[por][golden][slow]") {
  std::size_t configurations = 0;
  std::string counts = "# tlbcheck check FILE [-D ...] --por: states without symmetry, with it (tests/checker/por_test.cpp)\n";
  for (const std::string& rel : bundled_protocols()) {
    const std::string text = read_file(source_dir() + "/" + rel);
    for (const Expectation& e : expectations(text)) {
      if (e.states < 0 || e.states > 20000) continue;
      INFO(rel << ": " << e.line);
      const cli::Loaded l = cli::load(expectation_request(rel, text, e));
      REQUIRE(l.result.system);
      ++configurations;
      std::string first_text;
      for (int run = 0; run < 3; ++run) {
        checker::ExploreOptions o;
        o.threads = run == 1 ? 2 : 1;
        o.por = true;
        o.symmetry = run == 2;
        const checker::Report r = cli::explore(l, rel, o);
        CHECK(r.result.por);
        CHECK(checker::outcome_name(r.result.outcome) == e.verdict);
        if (!e.property.empty()) CHECK(r.property == e.property);
        // (a search that stops at a violation may go deeper, and store more, than the shortest)
        if (r.result.outcome == checker::Outcome::Holds && (!o.symmetry || !l.result.system->symmetric())) CHECK(r.result.states <= std::uint64_t(e.states));
        const std::string now = cli::stable_text(*l.result.system, r);
        if (run == 0) first_text = now;
        if (run == 1) CHECK(now == first_text);
        if (r.result.outcome == checker::Outcome::Violated) check_real_path(*l.result.system, r);
        if (run == 0) {
          counts += rel;
          for (const auto& [k, v] : e.defines) counts += " " + k + "=" + v;
          for (const std::string& p : e.properties) counts += " property=" + p;
          counts += ": " + std::to_string(r.result.states);
        }
        if (run == 2) counts += ", " + std::to_string(r.result.states) + "\n";
      }
    }
  }
  CHECK(configurations > 50);
  const std::string golden = source_dir() + "/tests/golden/por_counts.txt";
  if (std::getenv("TLBCHECK_UPDATE_GOLDEN") != nullptr) write_file(golden, counts);
  CHECK(read_file(golden) == counts);
}

// The command line: a --por counterexample saved with --trace-out is
// confirmed by `tlbcheck replay`, which re-executes it on the model as it
// is (no reduction); the reports say that the reduction ran.
TEST_CASE("por: a --por counterexample replays on the unreduced model", "[por][cli]") {
  const std::string dir = temp_dir();
  const std::string trace = dir + "/por_trace.json";
  for (const std::string& args : {std::string("protocols/lazy_tlb_2_4.tlb"), std::string("protocols/vmalloc_fault.tlb -D fix=seed -D scenario=smp")}) {
    INFO(args);
    const RunResult checked = run(check_cli() + " --por --threads 1 " + quote(source_dir()) + "/" + args + " --trace-out " + quote(trace));
    CHECK(checked.exit == 1);
    CHECK(checked.output.find("partial-order reduction: ") != std::string::npos);
    std::string file = args.substr(0, args.find(' '));
    std::string defines = args.find(' ') == std::string::npos ? "" : args.substr(args.find(' '));
    const RunResult replayed = run(quote(testing::cli()) + " replay " + quote(source_dir()) + "/" + file + defines + " " + quote(trace));
    INFO(replayed.output);
    CHECK(replayed.exit == 1);
  }
  const RunResult json = run(check_cli() + " --por --format json " + quote(source_dir()) + "/examples/textbook/peterson.tlb");
  CHECK(json.output.find("\"por\"") != std::string::npos);
  CHECK(json.output.find("\"ample_states\"") != std::string::npos);
  CHECK(json.output.find("\"reduced\": true") != std::string::npos);
}
