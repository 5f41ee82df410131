#include "checker/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include "checker/store.hpp"

namespace tlbcheck::checker {

namespace {

// The successors of one state, in next()'s order: entry i is successor i.
struct Moves {
  std::uint32_t words = 0;
  std::vector<GroupId> groups;
  std::vector<Word> states;  // groups.size() states of `words` words each

  std::size_t size() const { return groups.size(); }
  ConstStateRef state(std::size_t i) const { return {states.data() + i * words, words}; }

  void fill(const System& system, Scratch& scratch, ConstStateRef from) {
    groups.clear();
    states.clear();
    system.next(from, scratch, [&](GroupId g, ConstStateRef s) {
      groups.push_back(g);
      states.insert(states.end(), s.begin(), s.end());
    });
  }
};

// A number in [0, n) from the generator's raw output: rejection keeps it
// uniform, and unlike std::uniform_int_distribution the algorithm is the
// same in every standard library, so a seed names the same runs everywhere.
std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the values below it would favour small results
  std::uint64_t x = rng();
  while (x < threshold) x = rng();
  return x % n;
}

std::string with_commas(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

std::string plural(std::uint64_t n, const std::string& one, const std::string& many) { return with_commas(n) + " " + (n == 1 ? one : many); }

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

// "protocol: ...", "options: ..." as render_text() starts.
std::string header_text(const Report& report) {
  std::string out = "protocol: " + report.protocol + " (" + report.file + ")\n";
  if (!report.options.empty()) {
    out += "options: ";
    for (std::size_t i = 0; i < report.options.size(); ++i) out += (i ? ", " : "") + report.options[i].first + "=" + report.options[i].second;
    out += "\n";
  }
  return out + unsupported_text(report);
}

}  // namespace

SimulateResult simulate(const System& system, const SimulateOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const std::uint32_t words = system.layout().words;
  const std::optional<PropertyId> deadlock = system.deadlock_property();
  const bool constrained = !system.constraint().empty();
  SimulateResult sim;
  sim.seed = options.seed;
  sim.depth_limit = options.depth;
  sim.runs_limit = options.runs;
  ExploreResult& r = sim.result;
  r.threads = 1;

  std::mt19937_64 rng(options.seed);
  auto scratch = system.make_scratch();
  std::unordered_set<std::uint64_t> seen;
  std::vector<Word> init(words, 0);
  system.initial(init);
  Trace path;
  Moves moves;
  moves.words = words;
  auto stopped = [&] { return options.stop != nullptr && options.stop->load(); };
  auto finish = [&](Outcome outcome) {
    r.outcome = outcome;
    r.states = seen.size();
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    // the set of hashes is the only store
    r.memory_bytes = seen.size() * (sizeof(std::uint64_t) + 2 * sizeof(void*)) + seen.bucket_count() * sizeof(void*);
    if (outcome == Outcome::Violated) {
      sim.found_in_run = sim.runs;
      r.depth = std::uint32_t(path.groups.size());
      r.trace = std::move(path);
    }
    return sim;
  };
  // records a state of the current run; true if it violates a property
  auto visit = [&](ConstStateRef s) {
    // (a statistic only: counted up to kMaxSeen states, so a long simulation keeps its memory)
    if (seen.size() < kMaxSeen) seen.insert(StateStore::hash_state(s.data(), words));
    Verdict v = system.check(s);
    if (v.violated) r.property = v.property;
    return v.violated;
  };

  for (std::uint64_t run = 0; run < options.runs; ++run) {
    if (stopped()) {
      r.stopped_by = "Ctrl-C";
      r.stop_reason = StopReason::Interrupted;
      return finish(Outcome::Incomplete);
    }
    ++sim.runs;
    path.states.assign(1, init);
    path.groups.clear();
    if (visit(init)) return finish(Outcome::Violated);
    for (std::uint32_t step = 0;; ++step) {
      ConstStateRef current = path.states.back();
      if (constrained && !system.expand(current)) {  // check() would not expand it: the run ends, no deadlock
        ++sim.ended_by_constraint;
        ++r.not_expanded;
        break;
      }
      if (step == options.depth) {
        ++sim.ended_at_depth;
        break;
      }
      moves.fill(system, *scratch, current);
      if (moves.size() == 0) {
        if (deadlock && !system.is_final(current)) {
          r.property = *deadlock;
          r.deadlock = true;
          return finish(Outcome::Violated);
        }
        ++sim.ended_final;
        break;
      }
      const std::size_t k = below(rng, moves.size());
      ConstStateRef next = moves.state(k);
      path.groups.push_back(moves.groups[k]);
      path.states.emplace_back(next.begin(), next.end());
      ++r.transitions;
      if (visit(path.states.back())) return finish(Outcome::Violated);
      if (stopped()) {
        r.stopped_by = "Ctrl-C";
        r.stop_reason = StopReason::Interrupted;
        r.depth = std::max(r.depth, std::uint32_t(path.groups.size()));
        return finish(Outcome::Incomplete);
      }
    }
    r.depth = std::max(r.depth, std::uint32_t(path.groups.size()));
  }
  return finish(Outcome::Holds);
}

std::string render_simulation_text(const System& system, const Report& report, const SimulateResult& sim) {
  const ExploreResult& r = sim.result;
  const std::string limits = "seed " + std::to_string(sim.seed) + ", at most " + plural(sim.depth_limit, "step", "steps") + " a run";
  if (r.outcome == Outcome::Violated) {
    return render_text(system, report) + "simulation: run " + with_commas(sim.found_in_run) + " of at most " + with_commas(sim.runs_limit) + " found it (" +
           limits + "); " + plural(r.transitions, "step", "steps") + " taken in all, " + (r.states >= kMaxSeen ? "at least " : "") +
           plural(r.states, "distinct state", "distinct states") + " seen\n";
  }
  std::string out = header_text(report) + "\n";
  if (r.outcome == Outcome::Incomplete) {
    out += "verdict: incomplete -- stopped by " + r.stopped_by + " in run " + with_commas(sim.runs) + "; no violation found so far (nothing is proved)\n";
  } else {
    out += "verdict: no violation found in " + plural(sim.runs, "random run", "random runs") + " (nothing is proved)\n";
  }
  out += "runs: " + with_commas(sim.runs) + " (" + limits + "): " + with_commas(sim.ended_at_depth) + " reached the depth limit, " +
         with_commas(sim.ended_final) + " ended with no move left";
  if (!system.constraint().empty()) out += ", " + with_commas(sim.ended_by_constraint) + " left the constraint " + system.constraint();
  out += "\n";
  out += "steps: " + with_commas(r.transitions) + ", longest run: " + with_commas(r.depth) + ", distinct states seen: " + (r.states >= kMaxSeen ? "at least " : "") + with_commas(r.states);
  if (!report.checked.empty()) {
    out += ", checked:";
    for (std::size_t i = 0; i < report.checked.size(); ++i) out += (i == 0 ? " " : ", ") + report.checked[i];
  }
  out += "\ntime: " + seconds_text(r.seconds) + ", engine: " + engine_text(report) + "\n";
  return out;
}

nlohmann::json render_simulation_json(const System& system, const Report& report, const SimulateResult& sim) {
  const ExploreResult& r = sim.result;
  nlohmann::json j = render_json(system, report);
  if (r.outcome == Outcome::Holds) j["verdict"] = "no-violation-found";
  j["simulation"] = {{"seed", sim.seed},
                     {"runs", sim.runs},
                     {"runs_limit", sim.runs_limit},
                     {"depth_limit", sim.depth_limit},
                     {"steps", r.transitions},
                     {"distinct_states", r.states},
                     {"found_in_run", sim.found_in_run},
                     {"ended", {{"depth", sim.ended_at_depth}, {"final", sim.ended_final}, {"constraint", sim.ended_by_constraint}}}};
  return j;
}

namespace {

// One interactive session: the path taken so far and the moves from its end.
class Session {
 public:
  Session(const System& system, const Report& header, std::istream& in, std::ostream& out, bool echo)
      : system_(system), header_(header), in_(in), out_(out), echo_(echo), scratch_(system.make_scratch()) {
    moves_.words = system.layout().words;
    std::vector<Word> init(moves_.words, 0);
    system.initial(init);
    path_.states.push_back(std::move(init));
  }

  Outcome run() {
    out_ << "interactive simulation of " << header_.protocol << " (" << header_.file << "): choose each step by its number; h for help\n";
    if (Verdict v = system_.check(path_.states.back()); v.violated) return violated(v.property, false);
    bool show = true;
    for (;;) {
      if (show && show_moves()) return violated(*system_.deadlock_property(), true);
      show = false;
      out_ << "step " << steps() + 1 << "> " << std::flush;
      std::string line;
      if (!std::getline(in_, line)) {
        out_ << "\nend of input: quitting after " << plural(steps(), "step", "steps") << "\n" << std::flush;
        return Outcome::Holds;
      }
      if (echo_) out_ << line << "\n";
      std::string command = trim(line);
      if (command.empty()) {
        show = true;
      } else if (command == "q") {
        out_ << "quitting after " << plural(steps(), "step", "steps") << "\n" << std::flush;
        return Outcome::Holds;
      } else if (command == "u") {
        if (path_.groups.empty()) {
          out_ << "nothing to undo: this is the initial state\n";
        } else {
          path_.groups.pop_back();
          path_.states.pop_back();
          out_ << "undid step " << steps() + 1 << "\n";
          show = true;
        }
      } else if (command == "s") {
        print_state();
      } else if (command == "t") {
        print_trace();
      } else if (command == "h" || command == "?") {
        print_help();
      } else if (std::optional<std::size_t> k = number(command); k && *k >= 1 && *k <= moves_.size()) {
        take(*k - 1);
        if (Verdict v = system_.check(path_.states.back()); v.violated) return violated(v.property, false);
        show = true;
      } else if (k) {
        out_ << "no move " << command << ": " << (moves_.size() == 0 ? "none is enabled" : "choose 1 to " + std::to_string(moves_.size())) << "\n";
      } else {
        out_ << "unknown command '" << command << "': h for help\n";
      }
    }
  }

 private:
  std::size_t steps() const { return path_.groups.size(); }

  static std::string trim(const std::string& s) {
    std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }

  static std::optional<std::size_t> number(const std::string& s) {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    return std::stoul(s);
  }

  // "cpu1 idle", "cpu0 (hardware)", "cpu1 flush_ipi (irq)": who takes a step of `g`
  std::string who(GroupId g) const {
    const Group& group = system_.groups()[g.v];
    const std::string cpu = group.cpu >= 0 ? "cpu" + std::to_string(group.cpu) : std::string("-");
    std::string w = group.process == cpu ? cpu : cpu + " " + group.process;  // the machine's own steps are named after the CPU
    if (!group.context.empty() && group.context != "process") w += " (" + group.context + ")";
    return w;
  }

  // "[12] t = counter;" or "[lib/spinlock.tlb:7] ...": what a step does
  std::string what(ConstStateRef before, GroupId g, ConstStateRef after) const {
    // labelled as the text trace labels it (checker/trace_text.cpp)
    System::StepText text = system_.describe_step(before, g, after);
    std::string w = system_.groups()[g.v].context == "hardware" ? "[hw] " : "[" + (text.file.empty() ? "" : text.file + ":") + std::to_string(text.line) + "] ";
    for (std::size_t k = 0; k < text.calls.size(); ++k) {
      w += k + 1 < text.calls.size() ? text.calls[k].substr(0, text.calls[k].find('(')) + " > " : text.calls[k] + ": ";
    }
    w += text.action;
    if (text.branch) w += *text.branch ? "  => true" : "  => false";
    for (const std::string& m : text.more) w += " " + m;
    if (!text.also_ran.empty()) {
      w += "  (ran ";
      for (std::size_t k = 0; k < text.also_ran.size(); ++k) w += (k == 0 ? "" : ", ") + text.also_ran[k];
      w += " first)";
    }
    return w;
  }

  static std::string changes_text(const std::vector<Change>& changes) {
    if (changes.empty()) return "no visible change";
    std::string out;
    for (const Change& c : changes) out += (out.empty() ? "" : ", ") + c.slot + ": " + c.before + " -> " + c.after;
    return out;
  }

  // Lists the moves of the current state. True when there is none and that
  // is a deadlock the System checks (the caller reports it).
  bool show_moves() {
    ConstStateRef current = path_.states.back();
    moves_.groups.clear();
    moves_.states.clear();
    if (!system_.constraint().empty() && !system_.expand(current)) {
      out_ << "this state breaks the constraint " << system_.constraint()
           << ": check does not explore its successors, so no move is offered (u undoes, q quits)\n";
      return false;
    }
    moves_.fill(system_, *scratch_, current);
    if (moves_.size() == 0) {
      if (system_.deadlock_property() && !system_.is_final(current)) return true;
      out_ << "no move is enabled: "
           << (system_.is_final(current) ? "every process has finished (a valid end state)" : "nothing can move (deadlocks are not checked)")
           << "; u undoes, q quits\n";
      return false;
    }
    std::vector<std::string> whos, whats;
    std::size_t width = 0;
    for (std::size_t i = 0; i < moves_.size(); ++i) {
      whos.push_back(who(moves_.groups[i]));
      whats.push_back(what(current, moves_.groups[i], moves_.state(i)));
      width = std::max(width, whos.back().size());
    }
    out_ << "step " << steps() + 1 << ": " << plural(moves_.size(), "move", "moves") << "\n";
    const std::string pad(7, ' ');
    for (std::size_t i = 0; i < moves_.size(); ++i) {
      char num[32];
      std::snprintf(num, sizeof num, "%4zu  ", i + 1);
      out_ << num << whos[i] << std::string(width - whos[i].size() + 2, ' ') << whats[i] << "\n";
      // a nondeterministic step: say what each of the group's choices does
      std::size_t first = i, count = 0;
      while (first > 0 && moves_.groups[first - 1] == moves_.groups[i]) --first;
      for (std::size_t k = first; k < moves_.size() && moves_.groups[k] == moves_.groups[i]; ++k) ++count;
      if (count > 1) {
        out_ << pad << "choice " << i - first + 1 << " of " << count << ": " << changes_text(changes_between(system_, current, moves_.state(i))) << "\n";
      }
    }
    return false;
  }

  void take(std::size_t k) {
    ConstStateRef before = path_.states.back();
    GroupId g = moves_.groups[k];
    std::vector<Word> after(moves_.state(k).begin(), moves_.state(k).end());
    out_ << "step " << steps() + 1 << ": " << who(g) << "  " << what(before, g, after) << "\n";
    std::vector<Change> changes = changes_between(system_, before, after);
    if (changes.empty()) out_ << "       (no visible change)\n";
    for (const Change& c : changes) out_ << "       " << c.slot << ": " << c.before << " -> " << c.after << "\n";
    path_.groups.push_back(g);
    path_.states.push_back(std::move(after));
  }

  // Every visible slot: the shared ones, then each CPU's, its caches last
  // (the empty ones left out, as --show-hw does).
  void print_state() {
    ConstStateRef s = path_.states.back();
    const Layout& layout = system_.layout();
    int cpus = 0;
    for (const Slot& slot : layout.slots) cpus = std::max(cpus, slot.cpu + 1);
    out_ << "state after step " << steps() << ":\n";
    auto section = [&](int cpu, bool hardware, const std::string& title) {
      bool any = false;
      for (std::uint32_t i = 0; i < layout.slots.size(); ++i) {
        const Slot& slot = layout.slots[i];
        if (slot.internal || slot.width == 0 || slot.cpu != cpu || slot.hardware != hardware) continue;
        if (hardware && slot_bits(slot, s) == 0) continue;
        if (!any) out_ << "  " << title << ":\n";
        any = true;
        out_ << "    " << slot.name << " = " << system_.format_slot(i, s) << "\n";
      }
    };
    section(-1, false, "shared");
    section(-1, true, "machine (non-empty entries)");
    for (int c = 0; c < cpus; ++c) {
      section(c, false, "cpu" + std::to_string(c));
      section(c, true, "cpu" + std::to_string(c) + " hardware (non-empty entries)");
    }
  }

  void print_trace() {
    if (path_.groups.empty()) {
      out_ << "no step taken yet\n";
      return;
    }
    out_ << "trace: " << plural(steps(), "step", "steps") << "\n";
    for (std::size_t i = 0; i < path_.groups.size(); ++i) {
      char num[32];
      std::snprintf(num, sizeof num, "%5zu  ", i + 1);
      out_ << num << who(path_.groups[i]) << "  " << what(path_.states[i], path_.groups[i], path_.states[i + 1]) << "\n";
      for (const Change& c : changes_between(system_, path_.states[i], path_.states[i + 1])) {
        out_ << "         " << c.slot << ": " << c.before << " -> " << c.after << "\n";
      }
    }
  }

  void print_help() {
    out_ << "commands:\n"
            "  N      take move N of the list (in the order the model lists its steps)\n"
            "  u      undo the last step\n"
            "  s      print the state (every variable; the caches' non-empty entries)\n"
            "  t      print the trace so far\n"
            "  Enter  list the moves again\n"
            "  q      quit (so does end of input)\n";
  }

  // Prints the path as a counterexample of `check` would.
  Outcome violated(PropertyId property, bool deadlock) {
    Report report = header_;
    ExploreResult& r = report.result;
    r.outcome = Outcome::Violated;
    r.property = property;
    r.deadlock = deadlock;
    r.states = path_.states.size();
    r.transitions = path_.groups.size();
    r.depth = std::uint32_t(path_.groups.size());
    r.threads = 1;
    r.trace = path_;
    describe(system_, report);
    out_ << "\n" << render_text(system_, report);
    out_ << "interactive: '" << report.property << "' broke " << (steps() == 0 ? "in the initial state" : "at step " + std::to_string(steps()))
         << "\n" << std::flush;
    return Outcome::Violated;
  }

  const System& system_;
  const Report& header_;
  std::istream& in_;
  std::ostream& out_;
  bool echo_;
  std::unique_ptr<Scratch> scratch_;
  Trace path_;
  Moves moves_;
};

}  // namespace

Outcome interact(const System& system, const Report& header, std::istream& in, std::ostream& out, bool echo) {
  return Session(system, header, in, out, echo).run();
}

}  // namespace tlbcheck::checker
