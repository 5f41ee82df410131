#include "checker/alternatives.hpp"

#include <algorithm>
#include <compare>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <utility>

namespace tlbcheck::checker {

namespace {

constexpr std::uint64_t kNone = UINT64_MAX;

// A counterexample's kind (see the header), compared exactly.
struct Kind {
  std::uint32_t property = 0;
  bool deadlock = false;
  std::int64_t violating_group = -1;  // -1: none (a deadlock, or the initial state)
  std::map<int, std::vector<std::uint32_t>> lane_groups;  // lane -> its steps' groups
  // lane -> per step, the slots it changed with their new values
  std::map<int, std::vector<std::vector<std::pair<std::uint32_t, std::uint64_t>>>> lane_writes;
  // slot -> the steps that changed it, in order, as (lane, position in the lane)
  std::map<std::uint32_t, std::vector<std::pair<int, std::uint32_t>>> writers;
  auto operator<=>(const Kind&) const = default;
};

Kind kind_of(const System& system, const Counterexample& c) {
  Kind kind;
  kind.property = c.property.v;
  kind.deadlock = c.deadlock;
  const Trace& t = c.trace;
  if (!c.deadlock && !t.groups.empty()) kind.violating_group = t.groups.back().v;
  const Layout& layout = system.layout();
  auto groups = system.groups();
  for (std::size_t i = 0; i < t.groups.size(); ++i) {
    // a CPU's hardware steps (page walks, interrupt deliveries) are a lane of
    // their own: where a speculative walk falls among the CPU's independent
    // statements is no new kind
    const Group& g = groups[t.groups[i].v];
    const int lane = g.context == "hardware" && g.cpu >= 0 ? -2 - g.cpu : g.cpu;
    auto& sequence = kind.lane_groups[lane];
    const auto position = std::uint32_t(sequence.size());
    sequence.push_back(t.groups[i].v);
    auto& writes = kind.lane_writes[lane].emplace_back();
    for (std::uint32_t s = 0; s < layout.slots.size(); ++s) {
      const Slot& slot = layout.slots[s];
      if (slot.width == 0) continue;
      const std::uint64_t after = slot_bits(slot, t.states[i + 1]);
      if (slot_bits(slot, t.states[i]) == after) continue;
      writes.push_back({s, after});
      kind.writers[s].push_back({lane, position});
    }
  }
  return kind;
}

std::string lane_name(int lane) {
  if (lane <= -2) return "cpu" + std::to_string(-2 - lane) + "'s hardware";
  return lane < 0 ? "the steps without a CPU" : "cpu" + std::to_string(lane);
}

// The lanes of a slot's writers in order, runs merged: "cpu1 then cpu0".
std::string writer_lanes(const std::vector<std::pair<int, std::uint32_t>>& writers) {
  std::string out;
  int last = -2;
  for (const auto& [lane, position] : writers) {
    if (lane == last) continue;
    out += (out.empty() ? "" : " then ") + lane_name(lane);
    last = lane;
  }
  return out;
}

// How much of kind `b` kind `a` shares: 4 all but the order of conflicting
// steps, 3 the steps, 2 the violating step, 1 the property, 0 nothing.
int likeness(const Kind& a, const Kind& b) {
  if (a.property != b.property || a.deadlock != b.deadlock) return 0;
  if (a.violating_group != b.violating_group) return 1;
  if (a.lane_groups != b.lane_groups) return 2;
  if (a.lane_writes != b.lane_writes) return 3;
  return 4;
}

// How kind `b` differs from kind `a` (counterexample `n`'s), first in this
// order: property, violating step, steps, values, order.
std::string difference(const System& system, const Kind& a, const Kind& b, std::size_t n) {
  auto groups = system.groups();
  auto properties = system.properties();
  if (a.property != b.property || a.deadlock != b.deadlock) {
    return "a different property: " + (b.deadlock ? std::string("deadlock") : b.property < properties.size() ? properties[b.property].name : "?");
  }
  if (a.violating_group != b.violating_group && b.violating_group >= 0) {
    const Group& g = groups[std::size_t(b.violating_group)];
    return "a different violating step: " + g.process + ": " + g.action;
  }
  auto lanes_where = [](const auto& x, const auto& y) {
    std::set<int> lanes;
    for (const auto& [lane, v] : x) {
      auto it = y.find(lane);
      if (it == y.end() || it->second != v) lanes.insert(lane);
    }
    for (const auto& [lane, v] : y) {
      if (x.find(lane) == x.end()) lanes.insert(lane);
    }
    std::string out;
    for (int lane : lanes) out += (out.empty() ? "" : ", ") + lane_name(lane);
    return out;
  };
  if (a.lane_groups != b.lane_groups) {
    // name the first step where one CPU's sequence departs from the other's
    std::string first;
    for (const auto& [lane, seq] : b.lane_groups) {
      auto it = a.lane_groups.find(lane);
      const std::vector<std::uint32_t> none;
      const std::vector<std::uint32_t>& other = it == a.lane_groups.end() ? none : it->second;
      if (other == seq) continue;
      std::size_t k = 0;
      while (k < seq.size() && k < other.size() && seq[k] == other[k]) ++k;
      const auto step = [&](const std::vector<std::uint32_t>& v) {
        return k < v.size() ? "'" + groups[v[k]].process + ": " + groups[v[k]].action + "'" : std::string("nothing more");
      };
      first = "; its step " + std::to_string(k + 1) + " on " + lane_name(lane) + " is " + step(seq) + ", not " + step(other);
      break;
    }
    return "different steps on " + lanes_where(a.lane_groups, b.lane_groups) + first;
  }
  if (a.lane_writes != b.lane_writes) return "different values written: the steps on " + lanes_where(a.lane_writes, b.lane_writes) + " saw or followed other writes";
  // the same steps and values: the order of conflicting steps differs; name
  // the first slot people see whose writers came in another order
  const Layout& layout = system.layout();
  std::string internal;
  for (const auto& [slot, writers] : b.writers) {
    auto it = a.writers.find(slot);
    if (it != a.writers.end() && it->second == writers) continue;
    std::string text = "a different order of conflicting steps: " + layout.slots[slot].name + " changed by " + writer_lanes(writers) +
                       (it == a.writers.end() ? std::string() : ", in " + std::to_string(n) + " by " + writer_lanes(it->second));
    if (!layout.slots[slot].internal) return text;
    if (internal.empty()) internal = text;
  }
  return internal.empty() ? "a different order of conflicting steps" : internal;
}

}  // namespace

Alternatives distinct_counterexamples(const System& system, const StateGraph& graph, const Counterexample& first, unsigned k) {
  Alternatives out;
  out.asked = k;
  out.stopped_by = graph.stopped_by();
  out.found.push_back(first);
  std::vector<Kind> kinds{kind_of(system, first)};  // of out.found
  std::set<Kind> seen{kinds[0]};
  if (k <= 1) return out;

  // the edges of shortest paths into each state, as linked lists in edge
  // order (built backwards), one entry per (predecessor, group)
  const auto& edges = graph.edges();
  std::vector<std::uint64_t> head(graph.size(), kNone), next(edges.size(), kNone);
  for (std::uint64_t e = edges.size(); e-- > 0;) {
    const StateGraph::Edge& edge = edges[e];
    if (graph.depth(edge.to) != graph.depth(edge.from) + 1) continue;
    std::uint64_t h = head[edge.to];
    if (h != kNone && edges[h].from == edge.from && edges[h].group == edge.group) continue;  // another choice of the same step
    next[e] = h;
    head[edge.to] = e;
  }

  // each shortest path into `goal`, as its edges from the initial state, until `visit` returns false
  auto shortest_paths = [&](std::uint32_t goal, auto&& visit) {
    if (goal == 0) {
      visit(std::vector<std::uint64_t>{});
      return;
    }
    std::vector<std::uint64_t> cursor{head[goal]};  // per depth from the goal, the edge being tried
    std::vector<std::uint64_t> path;
    while (!cursor.empty()) {
      const std::uint64_t e = cursor.back();
      if (e == kNone) {
        cursor.pop_back();
        if (cursor.empty()) break;
        cursor.back() = next[cursor.back()];
        continue;
      }
      const std::uint32_t from = edges[e].from;
      if (from == 0) {
        path.assign(cursor.rbegin(), cursor.rend());
        if (!visit(path)) return;
        cursor.back() = next[e];
      } else {
        cursor.push_back(head[from]);
      }
    }
  };

  for (std::uint32_t goal = 0; goal < graph.size() && out.found.size() < k; ++goal) {
    if (!graph.goal(goal)) continue;
    ++out.violating_states;
    std::uint64_t paths = 0;
    shortest_paths(goal, [&](const std::vector<std::uint64_t>& path) {
      if (paths++ == kPathsPerState) {
        ++out.truncated;
        return false;
      }
      Counterexample c{graph.trace_of(path), graph.property(goal), graph.deadlock(goal), {}};
      Kind kind = kind_of(system, c);
      if (seen.insert(kind).second) {
        std::size_t like = 0;  // the earliest of the most alike
        for (std::size_t i = 1; i < kinds.size(); ++i) {
          if (likeness(kinds[i], kind) > likeness(kinds[like], kind)) like = i;
        }
        c.against = like + 1;
        c.differs = difference(system, kinds[like], kind, like + 1);
        out.found.push_back(std::move(c));
        kinds.push_back(std::move(kind));
      }
      return out.found.size() < k;
    });
  }
  return out;
}

unsigned context_switches(const System& system, const Trace& trace) {
  auto groups = system.groups();
  unsigned switches = 0;
  int last = -1;
  for (GroupId g : trace.groups) {
    const int cpu = groups[g.v].cpu;
    if (cpu < 0) continue;
    if (last >= 0 && cpu != last) ++switches;
    last = cpu;
  }
  return switches;
}

std::optional<Counterexample> fewest_switches(const System& system, const StateGraph& graph) {
  // Dijkstra over (state, the CPU that ran last: 0 none, c + 1 cpu c) with
  // the cost (switches, steps) in one number; ties go to the smaller node,
  // so the answer is deterministic.
  auto groups = system.groups();
  int cpus = 0;
  for (const Group& g : groups) cpus = std::max(cpus, g.cpu + 1);
  const std::uint64_t lanes = std::uint64_t(cpus) + 1;
  const std::uint64_t nodes = graph.size() * lanes;
  std::vector<std::uint64_t> cost(nodes, kNone), via(nodes, kNone);  // via: the edge that reached the node
  using Entry = std::pair<std::uint64_t, std::uint64_t>;  // (cost, node)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  std::vector<std::uint64_t> from_node(nodes, kNone);
  cost[0] = 0;
  queue.push({0, 0});
  std::uint64_t goal = kNone;
  while (!queue.empty()) {
    auto [c, node] = queue.top();
    queue.pop();
    if (c != cost[node]) continue;
    const auto state = std::uint32_t(node / lanes);
    const std::uint64_t lane = node % lanes;
    if (graph.goal(state)) {
      goal = node;
      break;
    }
    for (std::uint64_t e = graph.out_begin(state); e < graph.out_end(state); ++e) {
      const int cpu = groups[graph.edges()[e].group.v].cpu;
      const std::uint64_t next_lane = cpu < 0 ? lane : std::uint64_t(cpu) + 1;
      const bool switched = lane != 0 && next_lane != lane;
      const std::uint64_t next_cost = c + (switched ? (std::uint64_t(1) << 32) : 0) + 1;
      const std::uint64_t next_node = std::uint64_t(graph.edges()[e].to) * lanes + next_lane;
      if (next_cost < cost[next_node]) {
        cost[next_node] = next_cost;
        via[next_node] = e;
        from_node[next_node] = node;
        queue.push({next_cost, next_node});
      }
    }
  }
  if (goal == kNone) return std::nullopt;
  std::vector<std::uint64_t> path;
  for (std::uint64_t node = goal; via[node] != kNone; node = from_node[node]) path.push_back(via[node]);
  std::reverse(path.begin(), path.end());
  const auto state = std::uint32_t(goal / lanes);
  return Counterexample{graph.trace_of(path), graph.property(state), graph.deadlock(state), {}};
}

Report report_for(const System& system, const Report& base, const Counterexample& counterexample) {
  Report r = base;
  r.result.trace = counterexample.trace;
  r.result.property = counterexample.property;
  r.result.deadlock = counterexample.deadlock;
  r.result.depth = std::uint32_t(counterexample.trace.groups.size());
  r.property.clear();
  r.meaning.clear();
  r.model_error = false;
  r.explanation.clear();
  r.violation = {};
  r.steps.clear();
  describe(system, r);
  return r;
}

std::string counterexample_text(const System& system, const Report& report) {
  const std::string text = render_text(system, report);
  std::size_t begin = text.find("\nviolated: ");
  if (begin == std::string::npos) begin = text.find("\nmodel error: ");
  const std::size_t end = text.rfind("\nverdict: ");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return text;
  std::string part = text.substr(begin + 1, end - begin - 1);
  while (!part.empty() && part.back() == '\n') part.pop_back();
  return part + "\n";
}

std::string insert_before_verdict(const std::string& text, const std::string& extra) {
  const std::size_t at = text.rfind("\nverdict: ");
  if (at == std::string::npos) return text + extra;
  return text.substr(0, at + 1) + extra + text.substr(at + 1);
}

namespace {

std::string closing(const Alternatives& a) {
  const std::size_t n = a.found.size();
  std::string out = "counterexamples: " + std::to_string(n) + (n == 1 ? " kind" : " kinds");
  if (n >= a.asked) return out + " (--traces " + std::to_string(a.asked) + ")\n";
  out += ", fewer than the " + std::to_string(a.asked) + " asked for: ";
  if (!a.stopped_by.empty()) {
    out += "the search stopped at " + a.stopped_by + ", so there may be more";
  } else {
    out += "these are all the kinds among the shortest paths to the " + std::to_string(a.violating_states) + " violating state" +
           (a.violating_states == 1 ? "" : "s");
  }
  if (a.truncated > 0) {
    out += " (for " + std::to_string(a.truncated) + " of them only the first " + std::to_string(kPathsPerState) + " shortest paths were examined)";
  }
  return out + "\n";
}

}  // namespace

std::string alternatives_text(const System& system, const Report& base, const Alternatives& alternatives) {
  std::string out;
  const std::size_t n = alternatives.found.size();
  for (std::size_t i = 1; i < n; ++i) {
    const Counterexample& c = alternatives.found[i];
    out += "=== counterexample " + std::to_string(i + 1) + " of " + std::to_string(n) + " (against " + std::to_string(c.against) + ": " + c.differs + ") ===\n";
    out += counterexample_text(system, report_for(system, base, c)) + "\n";
  }
  return out + closing(alternatives) + "\n";
}

void add_alternatives_json(const System& system, const Report& base, const Alternatives& alternatives, nlohmann::json& out) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < alternatives.found.size(); ++i) {
    const Counterexample& c = alternatives.found[i];
    Report r = i == 0 ? base : report_for(system, base, c);
    nlohmann::json j = render_json(system, r);
    nlohmann::json entry;
    entry["property"] = j["property"];
    entry["deadlock"] = j["deadlock"];
    entry["explanation"] = j["explanation"];
    entry["steps"] = c.trace.groups.size();
    entry["differs"] = i == 0 ? nlohmann::json(nullptr) : nlohmann::json(c.differs);
    entry["against"] = i == 0 ? nlohmann::json(nullptr) : nlohmann::json(c.against);
    entry["trace"] = j["trace"];
    list.push_back(entry);
  }
  out["counterexamples"] = list;
  std::string sentence = closing(alternatives);
  sentence.pop_back();
  out["counterexample_kinds"] = {{"asked", alternatives.asked},
                                 {"found", alternatives.found.size()},
                                 {"violating_states", alternatives.violating_states},
                                 {"truncated", alternatives.truncated},
                                 {"complete", alternatives.stopped_by.empty()},
                                 {"summary", sentence}};
}

}  // namespace tlbcheck::checker
