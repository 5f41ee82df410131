#include "checker/state_graph.hpp"

#include <algorithm>
#include <set>
#include <utility>

// (GCC 12 at -O2 sees an edge iterator of Boost's as maybe uninitialized
// inside write_graphviz: a false alarm in the library's own code)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "checker/store.hpp"

namespace tlbcheck::checker {

namespace {

constexpr std::uint64_t kNoEdge = UINT64_MAX;

}  // namespace

StateGraph::StateGraph(const System& system, const StateGraphOptions& options) : words_(system.layout().words) {
  table_.assign(1024, 0);
  const std::optional<PropertyId> deadlock_property = system.deadlock_property();
  const bool constrained = !system.constraint().empty();
  std::vector<Word> s(words_, 0);
  system.initial(s);
  add(system, s, 0, 0);
  parent_edge_[0] = kNoEdge;
  bool found = goal_[0];
  auto scratch = system.make_scratch();
  std::uint64_t level_end = 1;
  for (std::uint64_t current = 0; current < size(); ++current) {
    if (current == level_end) {  // a level is done: explore() stops here once it has found a violation
      if (options.stop_at_first_violation && found) break;
      level_end = size();
    }
    if (options.stop != nullptr && options.stop->load()) {
      stopped_by_ = "an interrupt";
      break;
    }
    if (options.max_states != 0 && size() >= options.max_states) {
      stopped_by_ = "its cap of " + std::to_string(options.max_states) + " states";
      break;
    }
    const auto i = std::uint32_t(current);
    if (goal_[i]) continue;  // a violating state: a counterexample ends there
    std::copy(states_.begin() + std::ptrdiff_t(std::size_t(i) * words_), states_.begin() + std::ptrdiff_t(std::size_t(i + 1) * words_), s.begin());
    if (constrained && !system.expand(s)) {  // checked, not expanded, no deadlock
      constrained_[i] = true;
      continue;
    }
    expanded_[i] = true;
    out_begin_[i] = edges_.size();
    system.next(s, *scratch, [&](GroupId group, ConstStateRef successor) {
      std::uint32_t to = 0;
      if (std::optional<std::uint32_t> known = find(successor)) {
        to = *known;
      } else {
        to = add(system, successor, edges_.size(), depth_[i] + 1);
        found = found || goal_[to];
      }
      edges_.push_back({i, to, group});
    });
    out_end_[i] = edges_.size();
    if (out_end_[i] == out_begin_[i] && deadlock_property && !system.is_final(s)) {
      goal_[i] = deadlock_[i] = true;
      property_[i] = *deadlock_property;
      found = true;
    }
  }
}

std::uint32_t StateGraph::add(const System& system, ConstStateRef s, std::uint64_t parent_edge, std::uint32_t depth) {
  if ((size() + 1) * 2 > table_.size()) grow_table();
  const auto index = std::uint32_t(size());
  states_.insert(states_.end(), s.begin(), s.end());
  depth_.push_back(depth);
  parent_edge_.push_back(parent_edge);
  out_begin_.push_back(0);
  out_end_.push_back(0);
  expanded_.push_back(false);
  constrained_.push_back(false);
  Verdict v = system.check(s);
  goal_.push_back(v.violated);
  deadlock_.push_back(false);
  property_.push_back(v.property);
  std::size_t slot = StateStore::hash_state(s.data(), words_) & (table_.size() - 1);
  while (table_[slot] != 0) slot = (slot + 1) & (table_.size() - 1);
  table_[slot] = index + 1;
  return index;
}

void StateGraph::grow_table() {
  std::vector<std::uint32_t> old(table_.size() * 2, 0);
  std::swap(old, table_);
  for (std::uint32_t entry : old) {
    if (entry == 0) continue;
    std::size_t slot = StateStore::hash_state(state(entry - 1).data(), words_) & (table_.size() - 1);
    while (table_[slot] != 0) slot = (slot + 1) & (table_.size() - 1);
    table_[slot] = entry;
  }
}

std::optional<std::uint32_t> StateGraph::find(ConstStateRef s) const {
  std::size_t slot = StateStore::hash_state(s.data(), words_) & (table_.size() - 1);
  for (; table_[slot] != 0; slot = (slot + 1) & (table_.size() - 1)) {
    ConstStateRef candidate = state(table_[slot] - 1);
    if (std::equal(candidate.begin(), candidate.end(), s.begin())) return table_[slot] - 1;
  }
  return std::nullopt;
}

Trace StateGraph::trace_of(const std::vector<std::uint64_t>& edge_path) const {
  Trace t;
  ConstStateRef init = state(0);
  t.states.emplace_back(init.begin(), init.end());
  for (std::uint64_t e : edge_path) {
    ConstStateRef to = state(edges_[e].to);
    t.states.emplace_back(to.begin(), to.end());
    t.groups.push_back(edges_[e].group);
  }
  return t;
}

Trace StateGraph::path_to(std::uint32_t i) const {
  std::vector<std::uint64_t> path;
  for (std::uint64_t e = parent_edge_[i]; e != kNoEdge; e = parent_edge_[edges_[e].from]) path.push_back(e);
  std::reverse(path.begin(), path.end());
  return trace_of(path);
}

namespace {

// A DOT string's contents: quotes and backslashes escaped, newlines as \n.
std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

struct EdgeIndex {
  std::uint64_t index = 0;
};

}  // namespace

void write_dot(const System& system, const StateGraph& graph, const Trace* highlight, std::ostream& out) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeIndex>;
  Graph g(graph.size());
  for (std::uint64_t e = 0; e < graph.edges().size(); ++e) boost::add_edge(graph.edges()[e].from, graph.edges()[e].to, EdgeIndex{e}, g);

  // the edges of the highlighted path, as (from, to, group)
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> path;
  std::set<std::uint32_t> path_states;
  if (highlight != nullptr && !highlight->states.empty()) {
    std::optional<std::uint32_t> from = graph.find(highlight->states[0]);
    if (from) path_states.insert(*from);
    for (std::size_t k = 0; k < highlight->groups.size() && from; ++k) {
      std::optional<std::uint32_t> to = graph.find(highlight->states[k + 1]);
      if (!to) break;
      path.insert({*from, *to, highlight->groups[k].v});
      path_states.insert(*to);
      from = to;
    }
  }
  const Layout& layout = system.layout();
  auto groups = system.groups();
  auto properties = system.properties();
  ConstStateRef init = graph.state(0);

  auto vertex_writer = [&](std::ostream& o, std::size_t v) {
    const auto i = std::uint32_t(v);
    std::string label = "#" + std::to_string(i);
    int shown = 0, more = 0;
    for (std::uint32_t k = 0; k < layout.slots.size(); ++k) {
      const Slot& slot = layout.slots[k];
      if (slot.internal || slot.width == 0 || slot_bits(slot, graph.state(i)) == slot_bits(slot, init)) continue;
      if (shown < 4) {
        label += "\n" + slot.name + "=" + system.format_slot(k, graph.state(i));
        ++shown;
      } else {
        ++more;
      }
    }
    if (more > 0) label += "\n(+" + std::to_string(more) + " more)";
    std::string attributes;
    if (graph.goal(i)) {
      std::string name = graph.property(i).v < properties.size() ? properties[graph.property(i).v].name : "?";
      label += std::string("\n") + (graph.deadlock(i) ? "DEADLOCK" : "VIOLATES " + name);
      attributes += ", shape=box, color=red, style=filled, fillcolor=mistyrose";
    } else if (!graph.expanded(i)) {
      attributes += ", style=dashed";
    }
    if (i == 0) attributes += ", shape=doubleoctagon";
    if (path_states.count(i) != 0) attributes += ", penwidth=3";
    o << "[label=\"" << dot_escape(label) << "\"" << attributes << "]";
  };
  auto edge_writer = [&](std::ostream& o, const Graph::edge_descriptor& d) {
    const StateGraph::Edge& e = graph.edges()[g[d].index];
    const Group& group = groups[e.group.v];
    System::StepText text = system.describe_step(graph.state(e.from), e.group, graph.state(e.to));
    o << "[label=\"" << dot_escape(group.process + ": " + text.action) << "\"";
    if (path.count({e.from, e.to, e.group.v}) != 0) o << ", color=red, penwidth=3";
    o << "]";
  };
  auto graph_writer = [&](std::ostream& o) {
    o << "label=\"" << dot_escape(std::string(system.name())) << ": " << graph.size() << " states, " << graph.edges().size() << " transitions\";\n";
    o << "node [fontsize=10];\nedge [fontsize=9];\n";
  };
  boost::write_graphviz(out, g, vertex_writer, edge_writer, graph_writer);
}

}  // namespace tlbcheck::checker
