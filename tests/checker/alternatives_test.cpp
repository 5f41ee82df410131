// The explicit state graph and the searches on it (checker/state_graph.hpp,
// checker/alternatives.hpp): the graph against explore() on toy graphs,
// context switches and the fewest of them on toy systems and protocols whose
// answers are worked out by hand, and the kinds of counterexample.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "checker/alternatives.hpp"
#include "checker/replay.hpp"
#include "checker/state_graph.hpp"
#include "tests/support.hpp"

namespace {

using namespace tlbcheck;
using namespace tlbcheck::checker;
using tlbcheck::testing::load_text;

// A System over an explicit graph: a state is one word, the node number;
// each edge is its own group, running on the CPU given for it.
class GraphSystem final : public System {
 public:
  struct Edge {
    std::uint32_t from, to;
    int cpu = 0;
  };
  GraphSystem(std::size_t nodes, const std::vector<Edge>& edges, std::set<std::uint32_t> bad = {}, std::set<std::uint32_t> final_nodes = {})
      : adj_(nodes), bad_(std::move(bad)), final_(std::move(final_nodes)) {
    layout_.words = 1;
    layout_.slots.push_back({"node", "int", 0, 0, 32, -1, false});
    for (std::uint32_t i = 0; i < edges.size(); ++i) {
      adj_[edges[i].from].push_back({edges[i].to, i});
      groups_.push_back({"e" + std::to_string(i), "p" + std::to_string(edges[i].cpu), "process", "edge " + std::to_string(i), {}, edges[i].cpu});
    }
    props_.push_back({"bad", "never reach a bad node"});
    props_.push_back({"deadlock", "no stuck node"});
  }
  std::string_view name() const override { return "graph"; }
  const Layout& layout() const override { return layout_; }
  std::span<const Group> groups() const override { return groups_; }
  std::span<const PropertyInfo> properties() const override { return props_; }
  std::optional<PropertyId> deadlock_property() const override { return final_.empty() ? std::nullopt : std::optional(PropertyId{1}); }
  void initial(StateRef out) const override { out[0] = 0; }
  std::unique_ptr<Scratch> make_scratch() const override { return std::make_unique<Scratch>(); }
  void next(ConstStateRef s, Scratch&, EmitFn emit) const override {
    for (auto [to, id] : adj_[s[0]]) {
      Word w = to;
      emit(GroupId{id}, ConstStateRef(&w, 1));
    }
  }
  Verdict check(ConstStateRef s) const override { return {bad_.count(std::uint32_t(s[0])) != 0, PropertyId{0}}; }
  bool is_final(ConstStateRef s) const override { return final_.count(std::uint32_t(s[0])) != 0; }
  std::string format_slot(std::uint32_t, ConstStateRef s) const override { return std::to_string(s[0]); }
  std::string explain_violation(ConstStateRef, GroupId, ConstStateRef) const override { return "bad"; }
  std::string explain_deadlock(ConstStateRef) const override { return "stuck"; }

 private:
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> adj_;
  std::set<std::uint32_t> bad_, final_;
  Layout layout_;
  std::vector<Group> groups_;
  std::vector<PropertyInfo> props_;
};

Trace trace_of_groups(std::initializer_list<std::uint32_t> groups) {
  Trace t;
  t.states.push_back({0});
  for (std::uint32_t g : groups) {
    t.groups.push_back(GroupId{g});
    t.states.push_back({0});
  }
  return t;
}

std::vector<std::uint32_t> nodes_of(const Trace& t) {
  std::vector<std::uint32_t> out;
  for (const auto& s : t.states) out.push_back(std::uint32_t(s[0]));
  return out;
}

cli::Loaded load_protocol(const std::string& path) {
  cli::Request request;
  request.file = testing::source_dir() + "/" + path;
  cli::Loaded loaded = cli::load(request);
  INFO(loaded.result.diagnostics);
  REQUIRE(loaded.result.system);
  return loaded;
}

// cpu1 reads x twice; cpu0 writes 1, 2, 3 into it. The assertion fails when
// the reads see consecutive values (cpu0 ran between them: at least two
// switches, four steps at the fewest) or the first read sees 3 (cpu0 ran
// all three writes first: one switch, six steps).
const char* kTwoReads = R"(
protocol "two_reads"
machine { cpus = 2; }
var x: int[0..3] = 0;
var r1: int[0..3] = 0;
var r2: int[0..3] = 0;
process writer on cpu 0 {
  x = 1;
  x = 2;
  x = 3;
}
process reader on cpu 1 {
  r1 = x;
  r2 = x;
  assert(!(r2 == r1 + 1) && r1 != 3);
}
)";

}  // namespace

TEST_CASE("context switches: a change of CPU between steps -- steps without a CPU count for none", "[alternatives]") {
  // groups 0..4 run on cpus 0, 1, -1, 0, 1
  GraphSystem g(2, {{0, 1, 0}, {0, 1, 1}, {0, 1, -1}, {0, 1, 0}, {0, 1, 1}});
  CHECK(context_switches(g, trace_of_groups({})) == 0);
  CHECK(context_switches(g, trace_of_groups({0, 3, 0})) == 0);
  CHECK(context_switches(g, trace_of_groups({0, 1, 0, 1})) == 3);
  CHECK(context_switches(g, trace_of_groups({2, 0, 2, 3, 2, 1})) == 1);  // the cpu -1 steps neither switch nor reset
  CHECK(context_switches(g, trace_of_groups({2, 2, 1})) == 0);
}

TEST_CASE("the state graph stopped at the first violation is explore()'s: counts and counterexample", "[alternatives]") {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> pick(0, 199);
    std::vector<GraphSystem::Edge> edges;
    for (int i = 0; i < 500; ++i) edges.push_back({pick(rng), pick(rng), int(pick(rng) % 3)});
    for (std::uint32_t i = 0; i + 1 < 200; i += 5) edges.push_back({i, i + 1, 0});
    std::set<std::uint32_t> bad{pick(rng), pick(rng)};
    bad.erase(0);
    std::set<std::uint32_t> finals;
    if (seed % 2 == 0) {  // with deadlock checking: every node final but a few
      for (std::uint32_t i = 0; i < 200; ++i) finals.insert(i);
      finals.erase(pick(rng));
      finals.erase(pick(rng));
    }
    GraphSystem g(200, edges, bad, finals);
    ExploreOptions eo;
    ExploreResult r = explore(g, eo);
    StateGraphOptions go;
    go.stop_at_first_violation = true;
    StateGraph graph(g, go);
    INFO("seed " << seed);
    CHECK(graph.complete());
    CHECK(graph.size() == r.states);
    CHECK(graph.edges().size() == r.transitions);
    if (r.outcome == Outcome::Violated) {
      std::uint32_t first = 0;
      while (!graph.goal(first)) ++first;
      // explore()'s counterexample ends at the first goal in index order
      // unless a deadlock one level up came first, which has a smaller index
      CHECK(nodes_of(graph.path_to(first)) == nodes_of(r.trace));
      CHECK(graph.deadlock(first) == r.deadlock);
    }
    // the whole graph: every reachable state, violating ones not expanded
    StateGraph whole(g, StateGraphOptions{});
    CHECK(whole.size() >= graph.size());
    for (std::uint32_t i = 0; i < whole.size(); ++i) {
      if (g.check(whole.state(i)).violated) CHECK_FALSE(whole.expanded(i));
    }
  }
}

TEST_CASE("the state graph stops at its cap and says so", "[alternatives]") {
  std::vector<GraphSystem::Edge> chain;
  for (std::uint32_t i = 0; i < 99; ++i) chain.push_back({i, i + 1, 0});
  GraphSystem g(100, chain);
  StateGraphOptions go;
  go.max_states = 10;
  StateGraph graph(g, go);
  CHECK_FALSE(graph.complete());
  CHECK(graph.stopped_by() == "its cap of 10 states");
  CHECK(graph.size() == 10);
}

TEST_CASE("fewest switches on a toy graph: a longer path on one CPU beats a short alternating one", "[alternatives]") {
  // 0 -cpu0-> 1 -cpu1-> 2 -cpu0-> 9 (bad: 3 steps, 2 switches)
  // 0 -cpu0-> 3 -cpu0-> 4 -cpu0-> 5 -cpu1-> 9 (4 steps, 1 switch)
  // 0 -cpu1-> 6 -cpu1-> 7 -cpu1-> 8 -cpu1-> 5 (5 steps to 5, then 0 switches but one more step: 5 steps, 0 switches)
  GraphSystem g(10, {{0, 1, 0}, {1, 2, 1}, {2, 9, 0}, {0, 3, 0}, {3, 4, 0}, {4, 5, 0}, {5, 9, 1}, {0, 6, 1}, {6, 7, 1}, {7, 8, 1}, {8, 9, 1}}, {9});
  StateGraph graph(g, StateGraphOptions{});
  std::optional<Counterexample> best = fewest_switches(g, graph);
  REQUIRE(best);
  CHECK(nodes_of(best->trace) == std::vector<std::uint32_t>{0, 6, 7, 8, 9});
  CHECK(context_switches(g, best->trace) == 0);
  // no path without switches: the one with one switch, fewest steps among those
  GraphSystem h(10, {{0, 1, 0}, {1, 2, 1}, {2, 9, 0}, {0, 3, 0}, {3, 4, 0}, {4, 5, 0}, {5, 9, 1}, {0, 6, 0}, {6, 7, 0}, {7, 8, 0}, {8, 5, 0}}, {9});
  StateGraph hg(h, StateGraphOptions{});
  best = fewest_switches(h, hg);
  REQUIRE(best);
  CHECK(nodes_of(best->trace) == std::vector<std::uint32_t>{0, 3, 4, 5, 9});
  CHECK(context_switches(h, best->trace) == 1);
  // nothing violates: nothing found
  GraphSystem none(3, {{0, 1, 0}, {1, 2, 1}});
  CHECK_FALSE(fewest_switches(none, StateGraph(none, StateGraphOptions{})));
}

TEST_CASE("fewest switches on a protocol whose minimum is known by hand", "[alternatives]") {
  cli::Loaded loaded = load_text(kTwoReads);
  const System& system = *loaded.result.system;
  ExploreResult shortest = explore(system, ExploreOptions{});
  REQUIRE(shortest.outcome == Outcome::Violated);
  CHECK(shortest.trace.groups.size() == 4);
  CHECK(context_switches(system, shortest.trace) == 2);
  StateGraph graph(system, StateGraphOptions{});
  std::optional<Counterexample> best = fewest_switches(system, graph);
  REQUIRE(best);
  CHECK(context_switches(system, best->trace) == 1);
  CHECK(best->trace.groups.size() == 6);
  // it is a counterexample: replaying it confirms the violation
  Report base;
  base.result = shortest;
  Report r = report_for(system, base, *best);
  CHECK(r.property == "assertion");
  CHECK(replay(system, render_json(system, r)).confirmed);
}

TEST_CASE("fewest switches on a seed protocol never exceed the shortest counterexample's", "[alternatives]") {
  cli::Loaded loaded = load_protocol("protocols/lazy_tlb_2_4.tlb");
  const System& system = *loaded.result.system;
  ExploreResult shortest = explore(system, ExploreOptions{});
  REQUIRE(shortest.outcome == Outcome::Violated);
  StateGraph graph(system, StateGraphOptions{});
  REQUIRE(graph.complete());
  std::optional<Counterexample> best = fewest_switches(system, graph);
  REQUIRE(best);
  const unsigned fewest = context_switches(system, best->trace), first = context_switches(system, shortest.trace);
  INFO("fewest " << fewest << ", shortest " << first);
  CHECK(fewest <= first);
  Report base;
  base.result = shortest;
  CHECK(replay(system, render_json(system, report_for(system, base, *best))).confirmed);
}

TEST_CASE("kinds: the shortest counterexample first, then each new kind, each a real counterexample", "[alternatives]") {
  // lost_update has one violating state; its shortest paths are the
  // interleavings where both loads precede both stores. They differ in
  // which store changed the counter (the second writes the same 1) and in
  // which `done += 1` wrote 1 and which 2: four kinds. The order of the two
  // loads changes nothing (both read 0), so it makes no kind of its own.
  cli::Loaded loaded = load_protocol("examples/textbook/lost_update.tlb");
  const System& system = *loaded.result.system;
  ExploreResult shortest = explore(system, ExploreOptions{});
  REQUIRE(shortest.outcome == Outcome::Violated);
  StateGraph graph(system, StateGraphOptions{});
  Counterexample first{shortest.trace, shortest.property, shortest.deadlock, {}};
  Alternatives all = distinct_counterexamples(system, graph, first, 10);
  CHECK(all.found.size() == 4);
  CHECK(all.violating_states == 1);
  CHECK(all.truncated == 0);
  CHECK(all.stopped_by.empty());
  REQUIRE_FALSE(all.found.empty());
  CHECK(all.found[0].trace.states == shortest.trace.states);
  Report base;
  base.result = shortest;
  for (std::size_t i = 1; i < all.found.size(); ++i) {
    INFO(i << ": " << all.found[i].differs);
    CHECK(all.found[i].trace.groups.size() == shortest.trace.groups.size());
    CHECK_FALSE(all.found[i].differs.empty());
    CHECK(replay(system, render_json(system, report_for(system, base, all.found[i]))).confirmed);
  }
  // asking for fewer stops there, with the same first ones
  Alternatives two = distinct_counterexamples(system, graph, first, 2);
  REQUIRE(two.found.size() == 2);
  CHECK(two.found[1].trace.states == all.found[1].trace.states);
  CHECK(distinct_counterexamples(system, graph, first, 1).found.size() == 1);
}

TEST_CASE("kinds on a seed protocol: --traces 3 on lazy_tlb_2_4 gives three counterexamples of three kinds, each replayable", "[alternatives]") {
  cli::Loaded loaded = load_protocol("protocols/lazy_tlb_2_4.tlb");
  const System& system = *loaded.result.system;
  ExploreResult shortest = explore(system, ExploreOptions{});
  REQUIRE(shortest.outcome == Outcome::Violated);
  StateGraph graph(system, StateGraphOptions{});
  Counterexample first{shortest.trace, shortest.property, shortest.deadlock, {}};
  Alternatives three = distinct_counterexamples(system, graph, first, 3);
  REQUIRE(three.found.size() == 3);
  CHECK(three.found[0].trace.states == shortest.trace.states);
  Report base;
  base.result = shortest;
  for (std::size_t i = 1; i < three.found.size(); ++i) {
    INFO(i << ": " << three.found[i].differs);
    // a different kind: another sequence of steps on some CPU, named
    CHECK(three.found[i].differs.find("different") == 0);
    CHECK(three.found[i].differs.find("its step") != std::string::npos);
    for (std::size_t j = 0; j < i; ++j) CHECK(three.found[i].trace.groups != three.found[j].trace.groups);
    CHECK(replay(system, render_json(system, report_for(system, base, three.found[i]))).confirmed);
  }
}

TEST_CASE("kinds: a different order of conflicting writes, a different violating step", "[alternatives]") {
  // both CPUs write x (1 and 2), then cpu0 asserts; the assertion fails
  // either way, and which write came last decides x, so the two orders are
  // two kinds. A second assertion on cpu1 makes a kind with another
  // violating step.
  cli::Loaded loaded = load_text(R"(
protocol "orders"
machine { cpus = 2; }
var x: int[0..2] = 0;
var done: bool = false;
process a on cpu 0 {
  x = 1;
  await(done);
  assert(false);
}
process b on cpu 1 {
  x = 2;
  done = true;
  assert(x == 0);
}
)");
  const System& system = *loaded.result.system;
  ExploreResult shortest = explore(system, ExploreOptions{});
  REQUIRE(shortest.outcome == Outcome::Violated);
  StateGraph graph(system, StateGraphOptions{});
  Alternatives all = distinct_counterexamples(system, graph, {shortest.trace, shortest.property, false, {}}, 50);
  std::set<std::string> reasons;
  for (std::size_t i = 1; i < all.found.size(); ++i) reasons.insert(all.found[i].differs);
  INFO(all.found.size());
  CHECK(all.found.size() == 7);
  CHECK(reasons.count("a different violating step: a: assert(false);") == 1);
  // x = 1 and x = 2 write the same values in either order: only the order differs
  CHECK(reasons.count("a different order of conflicting steps: x changed by cpu1 then cpu0, in 2 by cpu0 then cpu1") == 1);
  CHECK(all.found[2].against == 2);
}

// ---- the command line: --traces, --fewest-switches, --dot ----

namespace {

std::string textbook(const std::string& name) { return testing::quote(testing::source_dir() + "/examples/textbook/" + name); }

nlohmann::json json_of(const testing::RunResult& r) {
  auto j = nlohmann::json::parse(r.output.substr(std::min(r.output.find('{'), r.output.size())), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// The report without its timing line (it differs run to run).
std::string untimed(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("time: ", 0) != 0) out += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("cli --traces: the report of plain check first, then the other kinds, and how many there are", "[alternatives][cli]") {
  using testing::check_cli;
  using testing::cli;
  using testing::quote;
  using testing::run;
  testing::RunResult plain = run(check_cli() + " " + textbook("lost_update.tlb") + " --threads 1");
  testing::RunResult three = run(check_cli() + " " + textbook("lost_update.tlb") + " --threads 1 --traces 3");
  REQUIRE(plain.exit == 1);
  REQUIRE(three.exit == 1);
  INFO(three.output);
  // everything before the verdict is plain check's, word for word; the others follow it
  const std::string before_verdict = untimed(plain.output).substr(0, untimed(plain.output).rfind("\nverdict: ") + 1);
  CHECK(untimed(three.output).rfind(before_verdict, 0) == 0);
  CHECK(three.output.find("=== counterexample 2 of 3 (against ") != std::string::npos);
  CHECK(three.output.find("=== counterexample 3 of 3 (against ") != std::string::npos);
  CHECK(three.output.find("counterexamples: 3 kinds (--traces 3)") != std::string::npos);
  CHECK(untimed(three.output).substr(untimed(three.output).rfind("\nverdict: ")) == untimed(plain.output).substr(untimed(plain.output).rfind("\nverdict: ")));

  testing::RunResult ten = run(check_cli() + " " + textbook("lost_update.tlb") + " --traces 10 --format json");
  CHECK(ten.exit == 1);
  nlohmann::json j = json_of(ten);
  REQUIRE(j["counterexamples"].size() == 4);
  CHECK(j["counterexamples"][0]["trace"] == j["trace"]);
  CHECK(j["counterexamples"][0]["differs"].is_null());
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(j["counterexamples"][i]["differs"].is_string());
    CHECK(j["counterexamples"][i]["property"] == "assertion");
    CHECK(j["counterexamples"][i]["trace"] != j["trace"]);
    CHECK(j["counterexamples"][i]["steps"] == 8);
  }
  CHECK(j["counterexample_kinds"]["asked"] == 10);
  CHECK(j["counterexample_kinds"]["found"] == 4);
  CHECK(j["counterexample_kinds"]["complete"] == true);
  CHECK(j["counterexample_kinds"]["summary"] ==
        "counterexamples: 4 kinds, fewer than the 10 asked for: these are all the kinds among the shortest paths to the 1 violating state");
  // a model that holds has none to list, and the option changes nothing
  testing::RunResult holds = run(check_cli() + " " + textbook("peterson.tlb") + " --traces 3 --format json");
  CHECK(holds.exit == 0);
  CHECK_FALSE(json_of(holds).contains("counterexamples"));
  CHECK(run(check_cli() + " " + textbook("lost_update.tlb") + " --traces 0").exit == 2);
}

TEST_CASE("cli --traces under a state limit: exit 3 before the first, a note when the search for others stops", "[alternatives][cli]") {
  using testing::check_cli;
  using testing::cli;
  using testing::quote;
  using testing::run;
  testing::RunResult none = run(check_cli() + " " + textbook("lost_update.tlb") + " --traces 3 --max-states 5");
  CHECK(none.exit == 3);
  CHECK(none.output.find("counterexamples:") == std::string::npos);
  // the first counterexample of two_reads is found within 30 states, its whole graph has more
  const std::string dir = testing::temp_dir() + "/capped";
  std::filesystem::create_directories(dir);
  testing::write_file(dir + "/two_reads.tlb", kTwoReads);
  testing::RunResult capped = run(check_cli() + " " + quote(dir + "/two_reads.tlb") + " --traces 10 --max-states 30");
  CHECK(capped.exit == 1);
  INFO(capped.output);
  CHECK(capped.output.find("counterexamples: 1 kind, fewer than the 10 asked for: the search stopped at its cap of 30 states, so there may be more") !=
        std::string::npos);
}

TEST_CASE("cli --fewest-switches: the counterexample with the fewest switches, replayable, with both counts", "[alternatives][cli]") {
  using testing::check_cli;
  using testing::cli;
  using testing::quote;
  using testing::run;
  const std::string dir = testing::temp_dir() + "/switches";
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/two_reads.tlb", trace = dir + "/two_reads.json";
  testing::write_file(file, kTwoReads);
  testing::RunResult text = run(check_cli() + " " + quote(file) + " --fewest-switches");
  CHECK(text.exit == 1);
  CHECK(text.output.find("context switches: 1 (the shortest counterexample has 2)") != std::string::npos);
  CHECK(text.output.find("counterexample: 6 steps") != std::string::npos);
  testing::RunResult json = run(check_cli() + " " + quote(file) + " --fewest-switches --format json --trace-out " + quote(trace));
  CHECK(json.exit == 1);
  nlohmann::json j = json_of(json);
  CHECK(j["context_switches"] == 1);
  CHECK(j["shortest_context_switches"] == 2);
  CHECK(j["trace"].size() == 6);
  CHECK(j["depth"] == 6);
  CHECK(run(quote(cli()) + " replay " + quote(file) + " " + quote(trace)).exit == 1);
  // on a seed protocol: never more than the shortest's
  nlohmann::json lazy = json_of(run(check_cli() + " " + quote(testing::source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --fewest-switches --format json"));
  CHECK(lazy["context_switches"].get<int>() <= lazy["shortest_context_switches"].get<int>());
  testing::RunResult both = run(check_cli() + " " + quote(file) + " --fewest-switches --traces 2");
  CHECK(both.exit == 2);
}

TEST_CASE("cli --dot: the explored graph with its counts, the counterexample highlighted -- refused above the limit", "[alternatives][cli]") {
  using testing::check_cli;
  using testing::cli;
  using testing::quote;
  using testing::run;
  const std::string dir = testing::temp_dir() + "/dot";
  std::filesystem::create_directories(dir);
  const std::string dot = dir + "/lost_update.dot";
  testing::RunResult r = run(check_cli() + " " + textbook("lost_update.tlb") + " --format json --dot " + quote(dot));
  CHECK(r.exit == 1);
  nlohmann::json j = json_of(r);
  const std::string text = testing::read_file(dot);
  REQUIRE_FALSE(text.empty());
  CHECK(text.rfind("digraph G {", 0) == 0);
  std::istringstream in(text);
  std::string line;
  std::size_t nodes = 0, edges = 0, red = 0, violating = 0, initial = 0;
  const std::regex node(R"(^(\d+)\[label=")"), edge(R"(^(\d+)->(\d+) \[label=")");
  while (std::getline(in, line)) {
    if (std::regex_search(line, node)) {
      ++nodes;
      violating += line.find("VIOLATES assertion") != std::string::npos;
      initial += line.find("doubleoctagon") != std::string::npos;
    }
    if (std::regex_search(line, edge)) {
      ++edges;
      red += line.find("color=red") != std::string::npos;
    }
  }
  CHECK(nodes == j["states"].get<std::size_t>());
  CHECK(edges == j["transitions"].get<std::size_t>());
  CHECK(red == j["trace"].size());
  CHECK(violating >= 1);
  CHECK(initial == 1);
  CHECK(text.find("inc@cpu0: let t: int[0..2] = counter;") != std::string::npos);

  // above 2,000 states: a warning, no file, the verdict as without --dot
  const std::string big = dir + "/lazy.dot";
  testing::RunResult refused = run(check_cli() + " " + quote(testing::source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " -D fix=upstream -D cpus=3 --dot " + quote(big));
  INFO(refused.output);
  CHECK(refused.exit == 0);
  CHECK(refused.output.find("--dot: the state graph has more than 2000 states") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(big));
}
