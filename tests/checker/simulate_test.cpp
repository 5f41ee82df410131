// Simulation (checker/simulate.hpp): random runs on toy Systems whose
// answers are known (uniform choice, deadlocks, the constraint, the depth
// limit), the lazy_tlb_2_4 bug found at a fixed seed and replayed, and the
// interactive mode driven through a pseudo-terminal along the shortest
// counterexample of `check`.
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checker/replay.hpp"
#include "checker/simulate.hpp"
#include "tests/support.hpp"

using namespace tlbcheck::checker;
using namespace tlbcheck::testing;

namespace {

// A System over an explicit graph: a state is the node number, each edge
// its own group (its process runs on cpu0); node `bad` violates property 0,
// a node without edges outside `final_nodes` is a deadlock (property 1);
// with a `bound`, nodes at or past it break the constraint.
class Graph : public System {
 public:
  Graph(std::size_t nodes, std::vector<std::pair<std::uint32_t, std::uint32_t>> edges, std::set<std::uint32_t> bad = {},
        std::set<std::uint32_t> final_nodes = {}, std::uint32_t bound = 0)
      : adj_(nodes), bad_(std::move(bad)), final_(std::move(final_nodes)), bound_(bound) {
    layout_.words = 1;
    layout_.slots.push_back({"node", "int", 0, 0, 32, -1, false});
    for (std::uint32_t i = 0; i < edges.size(); ++i) {
      adj_[edges[i].first].push_back({edges[i].second, i});
      groups_.push_back({"e" + std::to_string(i), "p" + std::to_string(i), "process", "go " + std::to_string(edges[i].second), {}, -1});
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
  std::string explain_violation(ConstStateRef, GroupId, ConstStateRef) const override { return "bad node"; }
  std::string explain_deadlock(ConstStateRef) const override { return "stuck node"; }
  std::string constraint() const override { return bound_ == 0 ? "" : "'small'"; }
  bool expand(ConstStateRef s) const override { return s[0] < bound_; }

 protected:
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> adj_;

 private:
  std::set<std::uint32_t> bad_, final_;
  std::uint32_t bound_;
  Layout layout_;
  std::vector<Group> groups_;
  std::vector<PropertyInfo> props_;
};

// The same graph, but all edges out of a node are one step with several
// outcomes (a nondeterministic choice): the group of the node's first edge.
class Choices final : public Graph {
 public:
  using Graph::Graph;
  void next(ConstStateRef s, Scratch&, EmitFn emit) const override {
    const auto& out = adj_[s[0]];
    for (auto [to, id] : out) {
      Word w = to;
      emit(GroupId{out.front().second}, ConstStateRef(&w, 1));
    }
  }
};

SimulateResult sim(const System& s, std::uint64_t seed, std::uint64_t runs, std::uint32_t depth = 1000) {
  SimulateOptions o;
  o.seed = seed;
  o.runs = runs;
  o.depth = depth;
  return simulate(s, o);
}

std::string lazy() { return source_dir() + "/protocols/lazy_tlb_2_4.tlb"; }

tlbcheck::cli::Loaded load_protocol(const std::string& file) {
  tlbcheck::cli::Request request;
  request.file = file;
  tlbcheck::cli::Loaded loaded = tlbcheck::cli::load(request);
  INFO(loaded.result.diagnostics);
  REQUIRE(loaded.result.system);
  return loaded;
}

// The CLI on a pseudo-terminal, as a person at a terminal would run it.
class Terminal {
 public:
  explicit Terminal(const std::vector<std::string>& args) {
    std::string program = cli();
    std::vector<char*> argv{program.data()};
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      if (chdir(source_dir().c_str()) != 0) _exit(126);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  bool started() const { return pid_ > 0 && fd_ >= 0; }

  // Reads until the output ends in a prompt ("step N> ") or the program
  // closes the terminal; returns what was read this time.
  std::string until_prompt(int seconds = 60) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ends_in_prompt(got)) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) {  // EIO: the program closed its side
        closed_ = true;
        break;
      }
      got.append(buf, std::size_t(n));
    }
    all_ += got;
    return got;
  }

  std::string send(const std::string& line) {
    std::string text = line + "\n";
    REQUIRE(write(fd_, text.data(), text.size()) == ssize_t(text.size()));
    return until_prompt();
  }

  // End of input: Ctrl-D at the start of a line.
  std::string send_eof() {
    REQUIRE(write(fd_, "\x04", 1) == 1);
    return until_prompt();
  }

  // Reads the rest and returns the exit status (-1 if it did not end).
  int wait_exit() {
    if (!closed_) until_prompt(60);
    int status = 0;
    for (int i = 0; i < 600; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(100000);
    }
    return -1;
  }

  const std::string& all() const { return all_; }
  bool closed() const { return closed_; }

 private:
  // the last line is "step N> "
  static bool ends_in_prompt(const std::string& s) {
    std::size_t at = s.rfind('\n');
    std::string last = at == std::string::npos ? s : s.substr(at + 1);
    if (last.size() < 8 || last.rfind("step ", 0) != 0 || last.compare(last.size() - 2, 2, "> ") != 0) return false;
    return std::all_of(last.begin() + 5, last.end() - 2, [](char c) { return c >= '0' && c <= '9'; });
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  bool closed_ = false, exited_ = false;
  std::string all_;
};

// The menu numbers that take `trace` (a JSON trace of `check`): entry k of
// the menu is the state's k-th successor in next()'s order.
std::vector<std::size_t> menu_numbers(const System& system, const nlohmann::json& trace) {
  std::vector<std::size_t> out;
  std::vector<Word> state(system.layout().words, 0), next;
  system.initial(state);
  auto scratch = system.make_scratch();
  for (const auto& step : trace) {
    GroupId group{step["group"].get<std::uint32_t>()};
    std::uint32_t choice = step["choice"].get<std::uint32_t>();
    std::size_t index = 0, found = 0;
    std::uint32_t seen_in_group = 0;
    system.next(state, *scratch, [&](GroupId g, ConstStateRef s) {
      ++index;
      if (found == 0 && g == group && seen_in_group++ == choice) {
        found = index;
        next.assign(s.begin(), s.end());
      }
    });
    REQUIRE(found != 0);
    out.push_back(found);
    state = next;
  }
  return out;
}

}  // namespace

TEST_CASE("simulate: a choice among successors is uniform", "[simulate]") {
  // 0 goes to 1, 2 or 3; 3 is bad: a run finds it with odds 1/3, so the
  // first run does for about a third of the seeds
  Graph g(4, {{0, 1}, {0, 2}, {0, 3}}, {3});
  int first = 0;
  std::uint64_t runs = 0;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    SimulateResult r = sim(g, seed, 100);
    REQUIRE(r.result.outcome == Outcome::Violated);
    first += r.found_in_run == 1;
    runs += r.found_in_run;
  }
  CHECK(first > 900);   // 1000 expected, 26 the standard deviation
  CHECK(first < 1100);
  CHECK(runs > 8500);   // 3 runs each expected
  CHECK(runs < 9500);
}

TEST_CASE("simulate: a violation comes back with its trace, the run and the counts", "[simulate]") {
  // a chain 0 -> 1 -> 2 -> 3 with 3 bad: every run finds it
  Graph g(4, {{0, 1}, {1, 2}, {2, 3}}, {3});
  SimulateResult r = sim(g, 7, 10);
  REQUIRE(r.result.outcome == Outcome::Violated);
  CHECK(r.result.property.v == 0);
  CHECK_FALSE(r.result.deadlock);
  CHECK(r.found_in_run == 1);
  CHECK(r.runs == 1);
  CHECK(r.result.depth == 3);
  CHECK(r.result.transitions == 3);
  CHECK(r.result.states == 4);
  REQUIRE(r.result.trace.groups.size() == 3);
  CHECK(r.result.trace.states.back() == std::vector<Word>{3});
}

TEST_CASE("simulate: a state with no move that is not final is a deadlock", "[simulate]") {
  // 0 -> 1 (final) or 0 -> 2 (stuck)
  Graph g(3, {{0, 1}, {0, 2}}, {}, {1});
  SimulateResult r = sim(g, 1, 1000);
  REQUIRE(r.result.outcome == Outcome::Violated);
  CHECK(r.result.deadlock);
  CHECK(r.result.property.v == 1);
  CHECK(r.result.trace.states.back() == std::vector<Word>{2});
  CHECK(r.ended_final == r.found_in_run - 1);  // the runs before ended in the final node
}

TEST_CASE("simulate: the depth limit ends a run and nothing found says so", "[simulate]") {
  Graph g(2, {{0, 1}, {1, 0}});
  SimulateResult r = sim(g, 1, 3, 5);
  CHECK(r.result.outcome == Outcome::Holds);
  CHECK(r.runs == 3);
  CHECK(r.ended_at_depth == 3);
  CHECK(r.result.transitions == 15);
  CHECK(r.result.depth == 5);
  CHECK(r.result.states == 2);
  Report report;
  report.protocol = "graph";
  report.file = "g";
  report.result = r.result;
  std::string text = render_simulation_text(g, report, r);
  INFO(text);
  CHECK(text.find("verdict: no violation found in 3 random runs (nothing is proved)") != std::string::npos);
  CHECK(text.find("holds") == std::string::npos);
  CHECK(render_simulation_json(g, report, r)["verdict"] == "no-violation-found");
}

TEST_CASE("simulate: a state outside the constraint ends its run and is no deadlock", "[simulate]") {
  // 0 -> 1 -> 2 -> 3 (bad); 2 is stuck-looking past the bound too
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges{{0, 1}, {1, 2}, {2, 3}};
  Graph constrained(5, edges, {3}, {4}, 2);  // nodes 2 and up are not expanded
  SimulateResult r = sim(constrained, 1, 20);
  CHECK(r.result.outcome == Outcome::Holds);
  CHECK(r.ended_by_constraint == 20);
  CHECK(r.result.not_expanded == 20);
  Graph free(5, edges, {3}, {4});
  CHECK(sim(free, 1, 20).result.outcome == Outcome::Violated);
}

TEST_CASE("simulate: a seed names the same runs", "[simulate]") {
  std::mt19937 rng(5);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (int i = 0; i < 600; ++i) edges.push_back({std::uint32_t(rng() % 200), std::uint32_t(rng() % 200)});
  Graph g(200, edges, {199, 150}, {});
  std::set<std::uint64_t> steps_taken;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    SimulateResult a = sim(g, seed, 500, 50), b = sim(g, seed, 500, 50);
    CHECK(a.result.outcome == b.result.outcome);
    CHECK(a.found_in_run == b.found_in_run);
    CHECK(a.result.transitions == b.result.transitions);
    CHECK(a.result.trace.states == b.result.trace.states);
    steps_taken.insert(a.result.transitions);
  }
  CHECK(steps_taken.size() > 1);  // and different seeds different runs
}

TEST_CASE("simulate finds the lazy_tlb_2_4 bug at seed 1 and the trace replays", "[simulate]") {
  RunResult r = run(quote(cli()) + " simulate " + quote(lazy()) + " --seed 1 --format json");
  INFO(r.output);
  REQUIRE(r.exit == 1);
  nlohmann::json j = nlohmann::json::parse(r.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["verdict"] == "violated");
  CHECK(j["property"] == "stale-translation");
  CHECK(j["simulation"]["seed"] == 1);
  // measured: seed 1 finds it in run 12 (README); the bound leaves room for a changed model
  CHECK(j["simulation"]["found_in_run"].get<int>() <= 50);
  CHECK(j["trace"].size() >= 34);  // never shorter than check's shortest
  tlbcheck::cli::Loaded loaded = load_protocol(lazy());
  ReplayResult replayed = replay(*loaded.result.system, j);
  INFO(replayed.message);
  CHECK(replayed.confirmed);
  CHECK(replayed.message.find("stale-translation") != std::string::npos);

  // the text report: the counterexample as check prints it, and which run found it
  RunResult text = run(quote(cli()) + " simulate " + quote(lazy()) + " --seed 1");
  CHECK(text.exit == 1);
  CHECK(text.output.find("violated: stale-translation") != std::string::npos);
  CHECK(text.output.find("verdict: violated (stale-translation)") != std::string::npos);
  CHECK(text.output.find("simulation: run " + std::to_string(j["simulation"]["found_in_run"].get<int>()) + " of at most 1,000 found it (seed 1") !=
        std::string::npos);
}

TEST_CASE("simulate on the fixed kernel finds nothing and says nothing is proved", "[simulate]") {
  RunResult r = run(quote(cli()) + " simulate " + quote(lazy()) + " -D fix=upstream --runs 40 --depth 300");
  INFO(r.output);
  CHECK(r.exit == 0);
  CHECK(r.output.find("verdict: no violation found in 40 random runs (nothing is proved)") != std::string::npos);
  CHECK(r.output.find("holds") == std::string::npos);
  RunResult bad = run(quote(cli()) + " simulate " + quote(lazy()) + " --runs 0");
  CHECK(bad.exit == 2);
  RunResult both = run(quote(cli()) + " simulate " + quote(lazy()) + " --interactive --seed 3");
  CHECK(both.exit == 2);
}

TEST_CASE("interactive: the toy's menu, undo, state, trace and a deadlock", "[simulate]") {
  // 0 -> 1 (two edges: two groups), 1 -> 2 (stuck)
  Graph g(3, {{0, 1}, {0, 1}, {1, 2}}, {}, {1 /* not 2 */});
  Report header;
  header.protocol = "graph";
  header.file = "g";
  std::istringstream in("x\n9\nu\n2\ns\nt\nu\n1\n1\n");
  std::ostringstream out;
  CHECK(interact(g, header, in, out) == Outcome::Violated);
  std::string text = out.str();
  INFO(text);
  CHECK(text.find("step 1: 2 moves\n   1  - p0  [0] go 1\n   2  - p1  [0] go 1\n") != std::string::npos);
  CHECK(text.find("unknown command 'x'") != std::string::npos);
  CHECK(text.find("no move 9: choose 1 to 2") != std::string::npos);
  CHECK(text.find("nothing to undo") != std::string::npos);
  CHECK(text.find("step 1: - p1  [0] go 1\n       node: 0 -> 1\n") != std::string::npos);
  CHECK(text.find("state after step 1:\n  shared:\n    node = 1\n") != std::string::npos);
  CHECK(text.find("trace: 1 step\n    1  - p1  [0] go 1\n") != std::string::npos);
  CHECK(text.find("undid step 1") != std::string::npos);
  CHECK(text.find("violated: deadlock") != std::string::npos);
  CHECK(text.find("stuck node") != std::string::npos);
  CHECK(text.find("interactive: 'deadlock' broke at step 2") != std::string::npos);
}

TEST_CASE("interactive: a step with several outcomes lists each with what it changes", "[simulate]") {
  Choices g(4, {{0, 1}, {0, 2}, {2, 3}}, {3}, {1});
  Report header;
  std::istringstream in("2\n1\n");
  std::ostringstream out;
  CHECK(interact(g, header, in, out) == Outcome::Violated);
  INFO(out.str());
  CHECK(out.str().find("step 1: 2 moves\n   1  - p0  [0] go 1\n       choice 1 of 2: node: 0 -> 1\n   2  - p0  [0] go 1\n       choice 2 of 2: node: 0 -> 2\n") !=
        std::string::npos);
  CHECK(out.str().find("step 2: 1 move\n   1  - p2  [0] go 3\nstep 2> ") != std::string::npos);  // one outcome: no choice line
  CHECK(out.str().find("violated: bad") != std::string::npos);
  CHECK(out.str().find("interactive: 'bad' broke at step 2") != std::string::npos);
}

TEST_CASE("interactive: end of input and q quit cleanly", "[simulate]") {
  Graph g(3, {{0, 1}, {1, 2}}, {}, {2});
  Report header;
  std::istringstream eof("1\n");
  std::ostringstream out;
  CHECK(interact(g, header, eof, out) == Outcome::Holds);
  CHECK(out.str().find("end of input: quitting after 1 step") != std::string::npos);
  std::istringstream quit("1\n1\nq\n");
  std::ostringstream out2;
  CHECK(interact(g, header, quit, out2) == Outcome::Holds);
  CHECK(out2.str().find("no move is enabled: every process has finished") != std::string::npos);
  CHECK(out2.str().find("quitting after 2 steps") != std::string::npos);

  // through the command line with a pipe for stdin (no terminal)
  RunResult piped = run("printf '1\\nu\\nu\\n' | " + quote(cli()) + " simulate " + quote(lazy()) + " --interactive");
  INFO(piped.output);
  CHECK(piped.exit == 0);
  CHECK(piped.output.find("undid step 1") != std::string::npos);
  CHECK(piped.output.find("nothing to undo") != std::string::npos);
  CHECK(piped.output.find("end of input") != std::string::npos);
}

TEST_CASE("interactive on a terminal: check's shortest counterexample, chosen step by step", "[simulate]") {
  RunResult checked = run(check_cli() + " " + quote(lazy()) + " --format json --threads 1");
  REQUIRE(checked.exit == 1);
  nlohmann::json j = nlohmann::json::parse(checked.output);
  const std::size_t steps = j["trace"].size();
  REQUIRE(steps > 5);
  tlbcheck::cli::Loaded loaded = load_protocol(lazy());
  std::vector<std::size_t> menu = menu_numbers(*loaded.result.system, j["trace"]);

  Terminal term({"simulate", "protocols/lazy_tlb_2_4.tlb", "--interactive"});
  REQUIRE(term.started());
  std::string first = term.until_prompt();
  INFO(term.all());
  CHECK(first.find("interactive simulation of lazy_tlb_2_4") != std::string::npos);
  CHECK(first.find("step 1: ") != std::string::npos);
  REQUIRE(first.find("step 1> ") != std::string::npos);
  // a step and its undo first
  CHECK(term.send("1").find("step 2> ") != std::string::npos);
  std::string undone = term.send("u");
  CHECK(undone.find("undid step 1") != std::string::npos);
  CHECK(undone.find("step 1> ") != std::string::npos);
  CHECK(term.send("s").find("state after step 0:") != std::string::npos);
  for (std::size_t i = 0; i < menu.size(); ++i) {
    if (i == 3) CHECK(term.send("t").find("trace: 3 steps") != std::string::npos);
    std::string out = term.send(std::to_string(menu[i]));
    INFO("step " << i + 1 << " (menu " << menu[i] << "): " << out);
    CHECK(out.find("step " + std::to_string(i + 1) + ": cpu") != std::string::npos);
    if (i + 1 < menu.size()) REQUIRE(out.find("step " + std::to_string(i + 2) + "> ") != std::string::npos);
  }
  CHECK(term.wait_exit() == 1);
  const std::string& all = term.all();
  CHECK(all.find("violated: " + j["property"].get<std::string>()) != std::string::npos);
  CHECK(all.find("counterexample: " + std::to_string(steps) + " steps") != std::string::npos);
  CHECK(all.find("interactive: '" + j["property"].get<std::string>() + "' broke at step " + std::to_string(steps)) != std::string::npos);
}

TEST_CASE("interactive on a terminal: Ctrl-D quits with status 0", "[simulate]") {
  Terminal term({"simulate", "protocols/lazy_tlb_2_4.tlb", "--interactive"});
  REQUIRE(term.started());
  REQUIRE(term.until_prompt().find("step 1> ") != std::string::npos);
  CHECK(term.send("2").find("step 2> ") != std::string::npos);
  term.send_eof();
  CHECK(term.wait_exit() == 0);
  INFO(term.all());
  CHECK(term.all().find("end of input: quitting after 1 step") != std::string::npos);
}
