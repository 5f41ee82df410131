// The explicit state graph of a System, for the analyses that need every
// edge (other counterexamples, the fewest context switches, a DOT picture):
// a sequential breadth-first search that keeps each state, each transition
// and each state's depth.
//
// States are numbered in the order explore() gives them canonical indices
// (level by level; within a level by (parent, successor ordinal)), so state 0
// is the initial state and the first violating state in index order is the
// one explore() reports. As in explore(), a violating state and a state that
// breaks the System's constraint are not expanded, and a deadlock is an
// expanded, non-final state without successors when the System names a
// deadlock property.
//
// Memory: the states' words, 12 bytes per transition and about 30 bytes per
// state besides; meant for small and medium models, hence a state cap.
// Single-threaded; the System must outlive nothing here (states are copied).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "checker/system.hpp"

namespace tlbcheck::checker {

struct StateGraphOptions {
  // stop expanding once this many states are stored (a state's successors
  // are all added, so the graph may pass it by one state's successors)
  std::uint64_t max_states = 1'000'000;
  // stop after the level in which the first violation or deadlock is found,
  // as explore() does: the graph explore() explored, with its counts
  bool stop_at_first_violation = false;
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to stop cleanly
};

class StateGraph {
 public:
  struct Edge {
    std::uint32_t from = 0, to = 0;
    GroupId group;
  };

  StateGraph(const System& system, const StateGraphOptions& options);

  std::uint32_t words() const { return words_; }
  std::uint64_t size() const { return depth_.size(); }
  ConstStateRef state(std::uint32_t i) const { return ConstStateRef(states_.data() + std::size_t(i) * words_, words_); }
  std::uint32_t depth(std::uint32_t i) const { return depth_[i]; }

  const std::vector<Edge>& edges() const { return edges_; }
  // the out-edges of state i: edges()[out_begin(i) .. out_end(i)), in next()'s order
  std::uint64_t out_begin(std::uint32_t i) const { return out_begin_[i]; }
  std::uint64_t out_end(std::uint32_t i) const { return out_end_[i]; }

  bool expanded(std::uint32_t i) const { return expanded_[i]; }
  // a counterexample ends here: the state violates a property or is a deadlock
  bool goal(std::uint32_t i) const { return goal_[i]; }
  bool deadlock(std::uint32_t i) const { return goal_[i] && deadlock_[i]; }
  PropertyId property(std::uint32_t i) const { return property_[i]; }
  bool not_expanded_by_constraint(std::uint32_t i) const { return constrained_[i]; }

  // The index of a state, if it is in the graph.
  std::optional<std::uint32_t> find(ConstStateRef s) const;

  // Every reachable state was expanded (or, with stop_at_first_violation,
  // every state explore() expands); otherwise `stopped_by` says why not.
  bool complete() const { return stopped_by_.empty(); }
  const std::string& stopped_by() const { return stopped_by_; }

  // The path from the initial state to state i along first-found parents:
  // for the first goal state, explore()'s counterexample.
  Trace path_to(std::uint32_t i) const;
  // A path given as its edges (indices into edges()), from the initial state.
  Trace trace_of(const std::vector<std::uint64_t>& edge_path) const;

 private:
  std::uint32_t add(const System& system, ConstStateRef s, std::uint64_t parent_edge, std::uint32_t depth);
  void grow_table();

  std::uint32_t words_;
  std::vector<Word> states_;
  std::vector<std::uint32_t> depth_;
  std::vector<std::uint64_t> parent_edge_;  // the edge that found the state (UINT64_MAX: the initial state)
  std::vector<std::uint64_t> out_begin_, out_end_;  // each state's out-edges (empty when not expanded)
  std::vector<bool> expanded_, goal_, deadlock_, constrained_;
  std::vector<PropertyId> property_;
  std::vector<Edge> edges_;
  std::vector<std::uint32_t> table_;  // open addressing: state index + 1, 0 empty
  std::string stopped_by_;
};

// Writes the graph in Graphviz DOT (Boost.Graph's write_graphviz). Nodes are
// labelled with their index and the values that differ from the initial
// state (internal slots left out); the initial state is a double octagon,
// violating states red boxes naming the property, deadlocks too, states not
// expanded dashed; edges are labelled "process: action" and those of
// `highlight` (a path from the initial state, e.g. the counterexample) are
// red and thick.
void write_dot(const System& system, const StateGraph& graph, const Trace* highlight, std::ostream& out);

}  // namespace tlbcheck::checker
