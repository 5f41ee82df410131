// The explorer against toy Systems whose answers are known independently:
// explicit graphs (chains, diamonds, seeded random graphs) compared with a
// plain sequential BFS written here, for 1, 2 and 4 threads and tiny batches.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <set>

#include "checker/explorer.hpp"
#include "checker/system.hpp"
#include "tests/checker/thread_partition.hpp"

namespace {

using namespace tlbcheck::checker;

// A System over an explicit graph: a state is one word, the node number.
// Each edge is its own group (so traces can be compared by group id).
class GraphSystem final : public System {
 public:
  GraphSystem(std::size_t nodes, std::vector<std::pair<std::uint32_t, std::uint32_t>> edges, std::set<std::uint32_t> bad = {},
              std::set<std::uint32_t> final_nodes = {})
      : adj_(nodes), bad_(std::move(bad)), final_(std::move(final_nodes)) {
    layout_.words = 1;
    layout_.slots.push_back({"node", "int", 0, 0, 32, -1, false});
    for (std::uint32_t i = 0; i < edges.size(); ++i) {
      adj_[edges[i].first].push_back({edges[i].second, i});
      groups_.push_back({"e" + std::to_string(i), "p", "process", "edge", {}, 0});
    }
    props_.push_back({"bad", "never reach a bad node"});
    props_.push_back({"deadlock", "no stuck node"});
  }
  std::string_view name() const override { return "graph"; }
  const Layout& layout() const override { return layout_; }
  std::span<const Group> groups() const override { return groups_; }
  std::span<const PropertyInfo> properties() const override { return props_; }
  std::optional<PropertyId> deadlock_property() const override { return PropertyId{1}; }
  void initial(StateRef out) const override { out[0] = 0; }
  std::unique_ptr<Scratch> make_scratch() const override { return std::make_unique<Scratch>(); }
  void next(ConstStateRef s, Scratch&, EmitFn emit) const override {
    for (auto [to, id] : adj_[s[0]]) {
      Word w = to;
      emit(GroupId{id}, ConstStateRef(&w, 1));
    }
  }
  Verdict check(ConstStateRef s) const override { return {bad_.count(std::uint32_t(s[0])) != 0, PropertyId{0}}; }
  bool is_final(ConstStateRef s) const override { return final_.empty() || final_.count(std::uint32_t(s[0])) != 0; }
  std::string format_slot(std::uint32_t, ConstStateRef s) const override { return std::to_string(s[0]); }
  std::string explain_violation(ConstStateRef, GroupId, ConstStateRef) const override { return "bad"; }
  std::string explain_deadlock(ConstStateRef) const override { return "stuck"; }

  // The reference: sequential BFS; distance to the nearest bad node.
  struct Reference {
    std::size_t reachable = 0;
    std::size_t transitions = 0;
    int bad_distance = -1;
  };
  Reference reference() const {
    Reference r;
    std::vector<int> dist(adj_.size(), -1);
    std::deque<std::uint32_t> q{0};
    dist[0] = 0;
    while (!q.empty()) {
      std::uint32_t u = q.front();
      q.pop_front();
      ++r.reachable;
      r.transitions += adj_[u].size();
      if (bad_.count(u) && (r.bad_distance < 0 || dist[u] < r.bad_distance)) r.bad_distance = dist[u];
      for (auto [v, id] : adj_[u]) {
        if (dist[v] < 0) {
          dist[v] = dist[u] + 1;
          q.push_back(v);
        }
      }
    }
    return r;
  }

 private:
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> adj_;
  std::set<std::uint32_t> bad_, final_;
  Layout layout_;
  std::vector<Group> groups_;
  std::vector<PropertyInfo> props_;
};

ExploreResult run(const System& s, unsigned threads, std::uint32_t batch = 1u << 14, std::uint64_t max_states = 0, bool compact = false) {
  ExploreOptions o;
  o.compact = compact;
  o.threads = threads;
  o.batch = batch;
  o.max_states = max_states;
  return explore(s, o);
}

// Two searches of one graph found the same: outcome, why they stopped,
// counts, depth and the counterexample, state by state and step by step.
void same_answer(const ExploreResult& r, const ExploreResult& one) {
  CHECK(r.outcome == one.outcome);
  CHECK(r.stop_reason == one.stop_reason);
  CHECK(r.deadlock == one.deadlock);
  CHECK(r.states == one.states);
  CHECK(r.transitions == one.transitions);
  CHECK(r.depth == one.depth);
  CHECK(r.trace.states == one.trace.states);
  REQUIRE(r.trace.groups.size() == one.trace.groups.size());
  for (std::size_t i = 0; i < r.trace.groups.size(); ++i) CHECK(r.trace.groups[i] == one.trace.groups[i]);
}

GraphSystem random_graph(std::uint32_t seed, std::size_t nodes, std::size_t edges, std::set<std::uint32_t> bad = {}) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint32_t> pick(0, std::uint32_t(nodes - 1));
  std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
  for (std::size_t i = 0; i < edges; ++i) e.push_back({pick(rng), pick(rng)});
  for (std::uint32_t i = 0; i + 1 < nodes; i += 7) e.push_back({i, i + 1});  // keep most nodes reachable
  return GraphSystem(nodes, e, std::move(bad));
}

}  // namespace

TEST_CASE("a chain of n nodes has n states, n-1 transitions and depth n-1", "[explorer]") {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
  for (std::uint32_t i = 0; i < 99; ++i) e.push_back({i, i + 1});
  GraphSystem g(100, e);
  for (unsigned t : {1u, 2u}) {
    ExploreResult r = run(g, t);
    CHECK(r.outcome == Outcome::Holds);
    CHECK(r.states == 100);
    CHECK(r.transitions == 99);
    CHECK(r.depth == 99);
  }
}

TEST_CASE("a self loop and a cycle are explored once", "[explorer]") {
  GraphSystem g(3, {{0, 0}, {0, 1}, {1, 2}, {2, 0}});
  ExploreResult r = run(g, 2);
  CHECK(r.states == 3);
  CHECK(r.transitions == 4);
  CHECK(r.depth == 2);
}

TEST_CASE("random graphs: counts match a sequential BFS for every thread count and batch size", "[explorer]") {
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    GraphSystem g = random_graph(seed, 3000, 9000);
    auto ref = g.reference();
    for (unsigned t : {1u, 2u, 4u}) {
      for (std::uint32_t batch : {5u, 1u << 14}) {
        ExploreResult r = run(g, t, batch);
        INFO("seed " << seed << " threads " << t << " batch " << batch);
        CHECK(r.outcome == Outcome::Holds);
        CHECK(r.states == ref.reachable);
        CHECK(r.transitions == ref.transitions);
      }
    }
  }
}

TEST_CASE("the counterexample is shortest and identical for every thread count", "[explorer]") {
  for (std::uint32_t seed = 11; seed <= 16; ++seed) {
    GraphSystem g = random_graph(seed, 4000, 8000, {3999, 3000, 2500});
    auto ref = g.reference();
    if (ref.bad_distance < 0) continue;
    ExploreResult one = run(g, 1);
    REQUIRE(one.outcome == Outcome::Violated);
    CHECK(int(one.trace.groups.size()) == ref.bad_distance);
    CHECK(one.depth == std::uint32_t(ref.bad_distance));
    for (unsigned t : {2u, 4u}) {
      for (std::uint32_t batch : {3u, 1u << 14}) {
        ExploreResult r = run(g, t, batch);
        INFO("seed " << seed << " threads " << t << " batch " << batch);
        CHECK(r.states == one.states);
        CHECK(r.transitions == one.transitions);
        REQUIRE(r.trace.groups.size() == one.trace.groups.size());
        for (std::size_t i = 0; i < r.trace.groups.size(); ++i) CHECK(r.trace.groups[i] == one.trace.groups[i]);
      }
    }
  }
}

TEST_CASE("parent links read back from disk give the same counterexamples", "[explorer]") {
  // past a few links the log moves to a temporary file; deadlocks and
  // violations are rebuilt from it, in both storage modes
  std::size_t longest = 0;
  for (std::uint32_t seed = 11; seed <= 14; ++seed) {
    GraphSystem g = random_graph(seed, 4000, 8000, {3999, 3000, 2500});
    ExploreResult in_memory = run(g, 2);
    longest = std::max(longest, in_memory.trace.groups.size());
    for (bool compact : {false, true}) {
      ExploreOptions o;
      o.threads = 2;
      o.compact = compact;
      o.parent_links_in_memory = 3;
      ExploreResult r = explore(g, o);
      INFO("seed " << seed << " compact " << compact);
      same_answer(r, in_memory);
    }
  }
  CHECK(longest >= 4);  // links far past the three kept in memory were read
}

TEST_CASE("of several shortest paths the one through the earliest parent and edge is chosen", "[explorer]") {
  // 0 -> 1 -> 3 and 0 -> 2 -> 3; 3 is bad. Edge ids: e0 0->1, e1 0->2, e2 2->3, e3 1->3.
  GraphSystem g(4, {{0, 1}, {0, 2}, {2, 3}, {1, 3}}, {3});
  for (unsigned t : {1u, 2u}) {
    ExploreResult r = run(g, t);
    REQUIRE(r.outcome == Outcome::Violated);
    REQUIRE(r.trace.groups.size() == 2);
    CHECK(r.trace.groups[0].v == 0);  // through node 1, the first successor of 0
    CHECK(r.trace.groups[1].v == 3);
    CHECK(r.trace.states.back()[0] == 3);
  }
}

TEST_CASE("a violating initial state gives an empty trace", "[explorer]") {
  GraphSystem g(2, {{0, 1}}, {0});
  ExploreResult r = run(g, 2);
  CHECK(r.outcome == Outcome::Violated);
  CHECK(r.trace.groups.empty());
  CHECK(r.states == 1);
}

TEST_CASE("deadlock: a stuck state that is not final", "[explorer]") {
  // 0 -> 1 -> 2 (stuck, not final); 0 -> 3 -> 4 -> 5 (final)
  GraphSystem g(6, {{0, 1}, {1, 2}, {0, 3}, {3, 4}, {4, 5}}, {}, {5});
  ExploreResult r = run(g, 2);
  REQUIRE(r.outcome == Outcome::Violated);
  CHECK(r.deadlock);
  CHECK(r.property.v == 1);
  CHECK(r.trace.states.back()[0] == 2);
  // the same graph where node 2 is final holds
  GraphSystem ok(6, {{0, 1}, {1, 2}, {0, 3}, {3, 4}, {4, 5}}, {}, {2, 5});
  CHECK(run(ok, 2).outcome == Outcome::Holds);
}

TEST_CASE("a deadlock one level up wins over a violation found first", "[explorer]") {
  // level 1: node 1 (stuck) and node 2; node 2's successor 3 is bad (level 2)
  GraphSystem g(4, {{0, 2}, {0, 1}, {2, 3}}, {3}, {3});
  ExploreResult r = run(g, 2, 1);
  REQUIRE(r.outcome == Outcome::Violated);
  CHECK(r.deadlock);
  CHECK(r.trace.groups.size() == 1);
}

TEST_CASE("a state limit stops at a batch boundary with the same numbers for any thread count", "[explorer]") {
  GraphSystem g = random_graph(7, 5000, 15000);
  ExploreResult one = run(g, 1, 50, 1000);
  CHECK(one.outcome == Outcome::Incomplete);
  CHECK(one.states >= 1000);
  CHECK(one.stopped_by.find("state limit") != std::string::npos);
  CHECK(one.stop_reason == StopReason::MaxStates);
  CHECK(stop_code(one.stop_reason) == "max-states");
  ExploreResult two = run(g, 2, 50, 1000);
  CHECK(two.states == one.states);
  CHECK(two.transitions == one.transitions);
}

TEST_CASE("a stop request ends the run as incomplete", "[explorer]") {
  GraphSystem g = random_graph(8, 2000, 6000);
  std::atomic<bool> stop{true};
  ExploreOptions o;
  o.threads = 2;
  o.stop = &stop;
  ExploreResult r = explore(g, o);
  CHECK(r.outcome == Outcome::Incomplete);
  CHECK(r.stopped_by == "an interrupt");
  CHECK(stop_code(r.stop_reason) == "interrupted");
}

TEST_CASE("compact storage explores the same states and finds the same trace", "[explorer]") {
  for (std::uint32_t seed = 21; seed <= 26; ++seed) {
    GraphSystem g = random_graph(seed, 4000, 9000, seed % 2 == 0 ? std::set<std::uint32_t>{3999, 2100} : std::set<std::uint32_t>{});
    auto ref = g.reference();
    ExploreResult full = run(g, 1);
    for (unsigned t : {1u, 2u}) {
      for (std::uint32_t batch : {7u, 1u << 14}) {
        ExploreResult r = run(g, t, batch, 0, true);
        INFO("seed " << seed << " threads " << t << " batch " << batch);
        CHECK(r.compact);
        CHECK(r.outcome == full.outcome);
        CHECK(r.states == full.states);
        CHECK(r.transitions == full.transitions);
        CHECK(r.depth == full.depth);
        REQUIRE(r.trace.groups.size() == full.trace.groups.size());
        for (std::size_t i = 0; i < r.trace.groups.size(); ++i) CHECK(r.trace.groups[i] == full.trace.groups[i]);
        CHECK(r.trace.states == full.trace.states);
        if (ref.bad_distance < 0) CHECK(r.states == ref.reachable);
        double n = double(r.states);
        CHECK(r.omission_probability == Approx(n * (n - 1) / 2 / 9223372036854775808.0));
      }
    }
    CHECK(full.omission_probability == 0);
  }
}

TEST_CASE("under a memory limit the table fills up to 9/10 instead of growing, then stops cleanly", "[explorer]") {
  // the table starts with 2^16 slots and grows past 4/5 full (52,428 states);
  // a limit that forbids growing leaves room for 9/10 (58,982), less the
  // room kept free for a batch (a level of a chain is one state, and 8
  // successors a state are assumed until more are seen)
  auto chain = [](std::uint32_t n) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
    for (std::uint32_t i = 0; i + 1 < n; ++i) e.push_back({i, i + 1});
    return GraphSystem(n, e);
  };
  auto limited = [](const GraphSystem& g, std::uint64_t limit) {
    ExploreOptions o;
    o.threads = 2;
    o.batch = 64;
    o.memory_limit = limit;
      return explore(g, o);
  };
  ExploreResult small = limited(chain(50000), 0);
  REQUIRE(small.outcome == Outcome::Holds);
  const std::uint64_t limit = small.memory_bytes + (std::uint64_t(1) << 16);  // growing needs 170 KB more
  ExploreResult unlimited = limited(chain(56000), 0);
  CHECK(unlimited.memory_bytes > limit);  // it grew
  ExploreResult r = limited(chain(56000), limit);
  CHECK(r.outcome == Outcome::Holds);
  CHECK(r.states == 56000);
  CHECK(r.memory_bytes <= limit);
  ExploreResult over = limited(chain(62000), limit);
  CHECK(over.outcome == Outcome::Incomplete);
  CHECK(over.stopped_by == "the memory limit");
  CHECK(stop_code(over.stop_reason) == "memory-limit");
  CHECK(over.states > 56000);
  CHECK(over.states <= 58982 - 8 + 1);
  CHECK(limited(chain(62000), 0).states == 62000);
}

// The distributed layer (checker/partition.hpp), with ranks as threads
// (tests/checker/thread_partition.hpp): for 2 and 3 ranks, tiny and large
// batches and both storage modes, every rank gets one process's result --
// counts, depth, the counterexample, the stop at a limit -- and the ranks'
// states add up to the whole.
namespace {

void same_on_every_rank(const GraphSystem& g, ExploreOptions o, const std::string& what) {
  o.threads = 1;
  const ExploreResult one = explore(g, o);
  for (auto [ranks, threads] : {std::pair{2u, 1u}, std::pair{3u, 1u}, std::pair{2u, 2u}}) {
    tlbcheck::testing::ThreadRanks cluster(ranks);
    o.threads = threads;
    const std::vector<ExploreResult> results = cluster.explore(g, o);
    CHECK_FALSE(cluster.calls_differed());  // every rank made the same calls, in the same order
    for (unsigned rank = 0; rank < ranks; ++rank) {
      const ExploreResult& r = results[rank];
      INFO(what << ": rank " << rank << " of " << ranks << " x " << threads << " threads, batch " << o.batch << (o.compact ? ", compact" : ""));
      same_answer(r, one);
      REQUIRE(r.ranks.size() == ranks);
      CHECK(r.ranks_count == ranks);
      if (r.outcome == Outcome::Holds) {
        std::uint64_t owned = 0;
        for (const RankStats& s : r.ranks) owned += s.states;
        CHECK(owned == r.states);
        CHECK(r.ranks[rank].states < r.states);  // each owns a part, not all
      }
    }
  }
}

}  // namespace

TEST_CASE("several ranks give one process's counts, depth and counterexample", "[explorer][partition]") {
  for (std::uint32_t seed = 31; seed <= 34; ++seed) {
    GraphSystem g = random_graph(seed, 3000, 7000, seed % 2 == 0 ? std::set<std::uint32_t>{2999, 1800} : std::set<std::uint32_t>{});
    for (std::uint32_t batch : {3u, 1u << 14}) {
      for (bool compact : {false, true}) {
        ExploreOptions o;
        o.batch = batch;
        o.compact = compact;
        o.parent_links_in_memory = 5;  // the links and the ranks' global indices go to disk
        same_on_every_rank(g, o, "seed " + std::to_string(seed));
      }
    }
  }
}

TEST_CASE("several ranks: a deadlock, a violating initial state and a state limit as one process has them", "[explorer][partition]") {
  ExploreOptions o;
  o.batch = 1;
  same_on_every_rank(GraphSystem(4, {{0, 2}, {0, 1}, {2, 3}}, {3}, {3}), o, "a deadlock one level up");
  same_on_every_rank(GraphSystem(6, {{0, 1}, {1, 2}, {0, 3}, {3, 4}, {4, 5}}, {}, {5}), o, "a deadlock");
  same_on_every_rank(GraphSystem(2, {{0, 1}}, {0}), o, "a violating initial state");
  o.batch = 50;
  o.max_states = 1000;
  same_on_every_rank(random_graph(7, 5000, 15000), o, "--max-states");
}
