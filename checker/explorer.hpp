// Parallel breadth-first exploration of a System.
//
// Determinism: the frontier of each level is sorted by the parent links the
// store keeps (smallest (parent, ordinal) wins), so every state gets the same
// canonical index, the same parent and the same counterexample for any
// number of threads. Levels are expanded in fixed-size batches; limits and
// early stops act on batch boundaries, so even an incomplete run reports the
// same numbers for every thread count.
//
// Thread-safety: explore() runs its own TBB arena; the System must be
// thread-safe as checker/system.hpp requires.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/partition.hpp"
#include "checker/system.hpp"

namespace tlbcheck::checker {

struct Progress {
  std::uint64_t states = 0;
  std::uint64_t transitions = 0;
  std::uint64_t queued = 0;  // states of the current level not yet expanded
  std::uint32_t depth = 0;
  double seconds = 0;
  std::uint64_t memory_bytes = 0;
};

struct ExploreOptions {
  unsigned threads = 1;
  std::uint64_t max_states = 0;    // 0: no limit
  std::uint64_t memory_limit = 0;  // bytes; 0: no limit
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to stop cleanly
  // --time-limit: stop cleanly at the first batch boundary past this instant
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Let TBB run more workers than cores when `threads` asks for them. Off
  // when several explorations run at once (a matrix): the limit is global to
  // the process, so the caller sets it once for all of them.
  bool set_parallelism = true;
  std::function<void(const Progress&)> progress;  // called between batches
  std::uint32_t batch = 1u << 14;  // states expanded per parallel batch
  bool compact = false;  // store 63-bit fingerprints instead of whole states
  // Symmetry reduction (System::canonicalize) where the System has one:
  // one state per orbit is stored and expanded, and a counterexample is
  // rebuilt as a concrete path of the unreduced system.
  bool symmetry = false;
  // Partial-order reduction (checker/por.hpp) where the System gives read
  // and write sets: a state's successors through an ample set of groups
  // only, with the cycle proviso below (explorer.cpp). Verdicts stay; the
  // states stored shrink; a counterexample is a real path but may be
  // longer than the shortest.
  bool por = false;
  // parent links kept in memory before the rest go to a temporary file
  std::uint64_t parent_links_in_memory = std::uint64_t(1) << 20;
  // Several processes (checker/partition.hpp, checker/mpi_partition.hpp):
  // every rank calls explore() with its own partition and gets the same
  // result. Null: this process alone. Not with `por`.
  Partition* partition = nullptr;
};

enum class Outcome { Holds, Violated, Incomplete };

// Why an incomplete run stopped; stop_code() names each for reports.
enum class StopReason {
  None,            // the run was not stopped
  MaxStates,       // "max-states": --max-states was reached
  MemoryLimit,     // "memory-limit": the store would outgrow --memory-limit
  Interrupted,     // "interrupted": ExploreOptions::stop was set (SIGINT)
  SuccessorLimit,  // "successor-limit": a state has more successors than a parent link can number
  StoreLimit,      // "store-limit": the full store's row limit (--compact has none)
  TimeLimit,       // "time-limit": ExploreOptions::deadline passed (--time-limit)
};

// The stable name of a stop reason ("max-states", ...), "" for None.
std::string stop_code(StopReason reason);

struct Trace {
  std::vector<std::vector<Word>> states;  // states[0] is the initial state
  std::vector<GroupId> groups;            // groups[i] leads from states[i] to states[i+1]
};

struct ExploreResult {
  Outcome outcome = Outcome::Holds;
  PropertyId property;
  bool deadlock = false;
  std::uint64_t states = 0;
  std::uint64_t transitions = 0;
  std::uint32_t depth = 0;  // BFS levels explored; for a violation, the trace's length
  double seconds = 0;
  // where the time went: expanding levels (successors, checks, inserts),
  // sealing them (ordering, copying, parent links), growing the table
  double expand_seconds = 0, seal_seconds = 0, grow_seconds = 0;
  unsigned threads = 1;
  std::uint64_t memory_bytes = 0;  // the store's peak footprint
  std::string stopped_by;          // why an incomplete run stopped, as a phrase ("the memory limit")
  StopReason stop_reason = StopReason::None;  // the same as a code
  bool compact = false;
  bool symmetry = false;  // the states are canonical forms (ExploreOptions::symmetry, and the System has symmetry)
  bool por = false;       // partial-order reduction ran (ExploreOptions::por, and the System has read and write sets)
  std::uint64_t por_reduced = 0;  // states expanded through an ample set smaller than their enabled groups
  std::uint64_t por_proviso = 0;  // states with such a set expanded fully all the same (the cycle proviso)
  // Compact mode: an upper bound on the probability that two distinct states
  // shared a fingerprint, so that one of them (and what only it leads to) was
  // never explored: n(n-1)/2 pairs of n states, each colliding with odds 2^-63
  // (a fingerprint is 63 bits of the state's hash).
  double omission_probability = 0;
  std::uint64_t not_expanded = 0;  // states that broke the System's constraint: checked, successors not explored
  Trace trace;                     // for a violation
  // Several ranks (ExploreOptions::partition): how many, and what each did
  // (empty with one process). memory_bytes above is this rank's.
  unsigned ranks_count = 1;
  std::vector<RankStats> ranks;
  std::uint64_t bytes_sent = 0;  // successors sent between ranks, all ranks together
  double exchange_seconds = 0;   // this rank's time in exchanges and agreements
};

// Deadlocks are checked when the System names a deadlock property.
ExploreResult explore(const System& system, const ExploreOptions& options);

}  // namespace tlbcheck::checker
