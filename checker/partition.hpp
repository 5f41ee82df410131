// Partition: how the states are shared out among the processes of one
// search, and what those processes must agree on. The explorer
// (checker/explorer.hpp) runs the same code in every process; this layer is
// all that differs between one process and many.
//
// The base class is one process: it owns every state, sends nothing, and
// every agreement is its own value. checker/mpi_partition.hpp is the MPI
// one: each rank owns the states whose hash falls in its part (owner()),
// successors that belong to another rank travel to it in batches
// (exchange()), and counts, flags and minima are combined across ranks.
//
// Canonical indices stay global, so a search on many ranks numbers, links
// and reports its states as one process does: a level's new states, ordered
// by parent link (parent's global index, ordinal), take the level's next
// global indices. number() computes them across ranks: each rank holds its
// own states of the level, in key order, and learns their global indices.
//
// Every method but owner(), rank() and ranks() is collective: every rank
// calls it, in the same order, with its own arguments.
#pragma once

#include <cstdint>
#include <vector>

#include "checker/system.hpp"

namespace tlbcheck::checker {

// What one rank did, for the report (ExploreResult::ranks).
struct RankStats {
  std::uint64_t states = 0;           // states it owns
  std::uint64_t memory_bytes = 0;     // its store's peak
  std::uint64_t bytes_sent = 0;       // successors sent to other ranks
  double exchange_seconds = 0;        // in exchanges and agreements, waiting for the others included
};

class Partition {
 public:
  virtual ~Partition() = default;

  virtual unsigned rank() const { return 0; }
  virtual unsigned ranks() const { return 1; }
  // The rank that owns a state with this hash (StateStore::hash_state). It
  // reads the hash's low bits; the store's table reads its high ones.
  unsigned owner(std::uint64_t hash) const { return unsigned(((hash & 0xffffffffULL) * ranks()) >> 32); }

  // Sends rank d its part of `send` (records of whole words, the ranks'
  // parts one after another, words_to[d] words each) and returns in
  // `received` what every other rank sent to this one.
  virtual void exchange(const std::vector<Word>& send, const std::vector<std::size_t>& words_to, std::vector<Word>& received) {
    (void)send, (void)words_to;
    received.clear();
  }
  // Element-wise sums, maxima and minima across ranks, in place.
  virtual void sum(std::uint64_t* values, std::size_t n) { (void)values, (void)n; }
  virtual void max(std::uint64_t* values, std::size_t n) { (void)values, (void)n; }
  virtual void min(std::uint64_t* values, std::size_t n) { (void)values, (void)n; }

  // A level was sealed: `keys` are this rank's new states' parent links,
  // ascending (a parent's global index, shifted, is their high part:
  // parent = key >> ordinal_bits). The parents are the global indices
  // [parents_begin, parents_end). Writes each state's global index to
  // `global`, the level's first being `first`, and returns the number of
  // new states on all ranks together.
  virtual std::uint64_t number(const std::vector<std::uint64_t>& keys, unsigned ordinal_bits, std::uint64_t parents_begin,
                               std::uint64_t parents_end, std::uint64_t first, std::vector<std::uint64_t>& global) {
    (void)ordinal_bits, (void)parents_begin, (void)parents_end;
    global.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) global[i] = first + i;
    return keys.size();
  }

  // Every rank's stats, by rank.
  virtual std::vector<RankStats> gather(const RankStats& mine) { return {mine}; }
};

}  // namespace tlbcheck::checker
