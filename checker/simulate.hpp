// Simulation: single paths through a System instead of all of them, as
// SPIN's random and interactive simulation and TLC's -simulate.
//
// Random: from the initial state, each step picks one successor uniformly
// among all that next() emits, up to a depth, for a number of runs; every
// state is checked as the explorer checks it (check(); a state without
// successors is a deadlock when deadlock_property() is set and it is not
// final; a state outside the constraint ends its run, as check() would not
// expand it). The first violation stops everything and comes back as an
// ExploreResult with its trace, so describe() and the renderers print it
// exactly as a counterexample of `check`. Finding nothing proves nothing.
//
// Determinism: one std::mt19937_64 stream seeded with the seed drives every
// run, and a choice among n successors takes the generator's 64-bit output
// by rejection (never std::uniform_int_distribution, whose algorithm differs
// between standard libraries), so a seed names the same runs everywhere.
//
// Interactive: a person picks each step from a numbered menu of the enabled
// moves, in next()'s order (every group's successors in increasing group
// order, a group's nondeterministic choices in their emission order), so
// menu entry k is the state's (k-1)-th successor: a step's (group, choice)
// in a JSON trace names exactly one entry.
//
// Thread-safety: both run on the calling thread with a Scratch of their own.
#pragma once

#include <atomic>
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "checker/explorer.hpp"
#include "checker/system.hpp"
#include "checker/trace.hpp"

namespace tlbcheck::checker {

struct SimulateOptions {
  std::uint64_t seed = 1;
  std::uint32_t depth = 1000;  // steps per run at most
  std::uint64_t runs = 1000;
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to stop after the current step
};

// Distinct states are counted (by hash) up to this many; past it a report
// says "at least".
inline constexpr std::uint64_t kMaxSeen = std::uint64_t(1) << 21;

struct SimulateResult {
  // outcome Violated with the trace (property, deadlock, trace, depth = its
  // length); Holds means only that no run found a violation; Incomplete when
  // `stop` ended it (stopped_by says so). states: distinct states seen (by
  // 64-bit hash), transitions: steps taken over all runs.
  ExploreResult result;
  std::uint64_t seed = 0;
  std::uint32_t depth_limit = 0;
  std::uint64_t runs_limit = 0;
  std::uint64_t runs = 0;          // runs started (the one that found the violation included)
  std::uint64_t found_in_run = 0;  // 1-based; 0: none
  // how the runs that found nothing ended
  std::uint64_t ended_at_depth = 0;       // reached the depth limit
  std::uint64_t ended_final = 0;          // no successors in a valid end state (or deadlocks not checked)
  std::uint64_t ended_by_constraint = 0;  // a state broke the System's constraint
};

SimulateResult simulate(const System& system, const SimulateOptions& options);

// `report` carries the header (protocol, file, options, engine, checked) and
// sim.result; for a violation describe() has filled the steps. The text is
// render_text()'s for a violation plus a line naming the run and seed; when
// nothing was found it says so, and never "holds".
std::string render_simulation_text(const System& system, const Report& report, const SimulateResult& sim);

// render_json()'s document (replayable for a violation) with "verdict"
// "no-violation-found" when nothing was found, and a "simulation" object:
// seed, runs, runs_limit, depth_limit, steps, distinct_states, found_in_run,
// ended (depth, final, constraint).
nlohmann::json render_simulation_json(const System& system, const Report& report, const SimulateResult& sim);

// The interactive simulation, reading commands from `in` and writing to
// `out` (the prompt included, flushed before each read): a number takes
// that move, `u` undoes the last step, `s` prints the state, `t` the trace
// so far, `h` or `?` the commands, `q` or end of input quits. `header`
// gives the protocol, file and options for the counterexample printed when
// a property breaks. `echo`: write each line read after the prompt, so that
// a transcript made from a pipe reads like one from a terminal (where the
// terminal echoes). Returns Violated when one did (the counterexample has
// been printed), Holds when the person quit.
Outcome interact(const System& system, const Report& header, std::istream& in, std::ostream& out, bool echo = false);

}  // namespace tlbcheck::checker
