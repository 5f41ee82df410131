// Counterexamples besides the shortest one, searched on the explicit state
// graph (checker/state_graph.hpp):
//
// - distinct_counterexamples(): up to K counterexamples of different kinds.
//   A counterexample's kind is the execution it stands for, whatever the
//   interleaving that shows it (the program order, reads-from and coherence
//   order of the memory-model literature, seen through what the steps wrote):
//     * the property it breaks, and the violating step (its group: the same
//       statement or hardware action of the same process); a deadlock has no
//       violating step;
//     * per lane (a CPU, or the steps without one), the sequence of steps,
//       each as its group and the slots it changed with their new values
//       (internal slots included): a read that saw another write shows as a
//       different value written, a branch taken otherwise as a different
//       program counter;
//     * per slot, the order of the steps (as lane and position in the lane)
//       that changed it: a different order of conflicting steps on different
//       CPUs is a different kind.
//   Interleavings that only reorder independent steps are one kind. A kind
//   fixes the violating state and the length, so every counterexample of a
//   kind has the same length. The search takes the violating states in
//   breadth-first order and, for each, the shortest paths that reach it (at
//   most kPathsPerState of them), and keeps each path of a new kind. Each
//   new one says how it differs from the earlier one it is most like (the
//   same property, violating step, steps and values, in that order).
// - fewest_switches(): a counterexample with the fewest context switches
//   (context_switches()), the fewest steps among those.
//
// Single-threaded; for small and medium models (the graph has a state cap).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/state_graph.hpp"
#include "checker/trace.hpp"

namespace tlbcheck::checker {

struct Counterexample {
  Trace trace;
  PropertyId property;
  bool deadlock = false;
  std::string differs;  // how it differs from counterexample `against` ("" for the first)
  std::size_t against = 0;  // 1-based: the earlier counterexample it is most like
};

struct Alternatives {
  std::vector<Counterexample> found;  // found[0] is the one given (the shortest)
  unsigned asked = 0;
  std::uint64_t violating_states = 0;  // the violating states examined
  std::uint64_t truncated = 0;         // of those, the ones with more shortest paths than were examined
  std::string stopped_by;              // the graph's: why it is not every reachable state ("" if it is)
};

constexpr std::uint64_t kPathsPerState = 1000;

Alternatives distinct_counterexamples(const System& system, const StateGraph& graph, const Counterexample& first, unsigned k);

// The number of times a step runs on another CPU than the step before it.
// A hardware step counts as the CPU whose hardware acted (Group::cpu); a step
// without a CPU (cpu -1) neither counts nor changes which CPU ran last.
unsigned context_switches(const System& system, const Trace& trace);

// A counterexample with the fewest context switches, the fewest steps among
// those; nothing if the graph has no violating state.
std::optional<Counterexample> fewest_switches(const System& system, const StateGraph& graph);

// A report like `base` (protocol, options, counts) for another counterexample,
// described anew.
Report report_for(const System& system, const Report& base, const Counterexample& counterexample);

// Reports for the text: the counterexample part of render_text() (from the
// violation line to the explanation), and a text with `extra` put before its
// verdict line.
std::string counterexample_text(const System& system, const Report& report);
std::string insert_before_verdict(const std::string& text, const std::string& extra);

// The further counterexamples and a closing sentence, for the text; and the
// JSON `counterexamples` list (each with property, explanation, deadlock,
// steps, differs and trace) with `counterexample_kinds`.
std::string alternatives_text(const System& system, const Report& base, const Alternatives& alternatives);
void add_alternatives_json(const System& system, const Report& base, const Alternatives& alternatives, nlohmann::json& out);

}  // namespace tlbcheck::checker
