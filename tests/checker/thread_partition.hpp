// Several "ranks" in one process, for testing the explorer's distributed
// layer (checker/partition.hpp) without MPI, in both flavours: each rank is
// a thread running explore() with its own Partition, and the ranks meet at a
// barrier to exchange successors and agree, as MPI ranks do in their
// collectives. number() is computed here the plain way (each key's rank
// among every rank's keys), independently of the MPI back end's.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <functional>
#include <thread>
#include <vector>

#include "checker/explorer.hpp"
#include "checker/partition.hpp"

namespace tlbcheck::testing {

class ThreadRanks {
 public:
  explicit ThreadRanks(unsigned ranks)
      : ranks_(ranks), sync_(ranks), mail_(ranks, std::vector<std::vector<checker::Word>>(ranks)), values_(ranks), stats_(ranks), calls_(ranks) {}

  // Whether the ranks ever met in different calls (one in sum() while
  // another was in exchange(), or with different lengths): MPI would hang
  // or mix the data up there; here the barriers would let it pass.
  bool calls_differed() const { return differed_.load(); }

  // Runs explore() on every rank, each with `options` and its partition;
  // the results, by rank.
  std::vector<checker::ExploreResult> explore(const checker::System& system, checker::ExploreOptions options) {
    std::vector<checker::ExploreResult> results(ranks_);
    std::vector<std::thread> threads;
    for (unsigned r = 0; r < ranks_; ++r) {
      threads.emplace_back([&, r] {
        Rank part(*this, r);
        checker::ExploreOptions o = options;
        o.partition = &part;
        results[r] = checker::explore(system, o);
      });
    }
    for (std::thread& t : threads) t.join();
    return results;
  }

 private:
  class Rank final : public checker::Partition {
   public:
    Rank(ThreadRanks& all, unsigned rank) : all_(all), rank_(rank) {}
    unsigned rank() const override { return rank_; }
    unsigned ranks() const override { return all_.ranks_; }

    void exchange(const std::vector<checker::Word>& send, const std::vector<std::size_t>& words_to, std::vector<checker::Word>& received) override {
      std::size_t at = 0;
      for (unsigned d = 0; d < ranks(); ++d) {
        all_.mail_[rank_][d].assign(send.begin() + std::ptrdiff_t(at), send.begin() + std::ptrdiff_t(at + words_to[d]));
        at += words_to[d];
      }
      meet(1, 0);
      received.clear();
      for (unsigned s = 0; s < ranks(); ++s) received.insert(received.end(), all_.mail_[s][rank_].begin(), all_.mail_[s][rank_].end());
      all_.sync_.arrive_and_wait();
    }
    void sum(std::uint64_t* v, std::size_t n) override {
      combine(v, n, [](std::uint64_t a, std::uint64_t b) { return a + b; }, 4);
    }
    void max(std::uint64_t* v, std::size_t n) override {
      combine(v, n, [](std::uint64_t a, std::uint64_t b) { return std::max(a, b); }, 5);
    }
    void min(std::uint64_t* v, std::size_t n) override {
      combine(v, n, [](std::uint64_t a, std::uint64_t b) { return std::min(a, b); }, 6);
    }
    std::uint64_t number(const std::vector<std::uint64_t>& keys, unsigned, std::uint64_t, std::uint64_t, std::uint64_t first,
                         std::vector<std::uint64_t>& global) override {
      all_.values_[rank_] = keys;
      meet(2, 0);
      global.resize(keys.size());
      std::uint64_t total = 0;
      for (const auto& theirs : all_.values_) total += theirs.size();
      for (std::size_t i = 0; i < keys.size(); ++i) {
        std::uint64_t below = 0;  // keys on every rank smaller than this one
        for (const auto& theirs : all_.values_) below += std::uint64_t(std::lower_bound(theirs.begin(), theirs.end(), keys[i]) - theirs.begin());
        global[i] = first + below;
      }
      all_.sync_.arrive_and_wait();
      return total;
    }
    std::vector<checker::RankStats> gather(const checker::RankStats& mine) override {
      all_.stats_[rank_] = mine;
      meet(3, 0);
      std::vector<checker::RankStats> out = all_.stats_;
      all_.sync_.arrive_and_wait();
      return out;
    }

   private:
    // The first barrier of a call: every rank must be in the same call.
    void meet(std::uint64_t call, std::uint64_t n) {
      all_.calls_[rank_] = call << 32 | n;
      all_.sync_.arrive_and_wait();
      if (all_.calls_[rank_] != all_.calls_[0]) all_.differed_.store(true);
    }

    template <typename Op>
    void combine(std::uint64_t* v, std::size_t n, Op op, std::uint64_t call) {
      all_.values_[rank_].assign(v, v + n);
      meet(call, n);
      if (all_.differed_.load()) {  // another length: nothing sound to combine
        all_.sync_.arrive_and_wait();
        return;
      }
      for (unsigned s = 0; s < ranks(); ++s) {
        if (s == rank_) continue;
        for (std::size_t i = 0; i < n; ++i) v[i] = op(v[i], all_.values_[s][i]);
      }
      all_.sync_.arrive_and_wait();
    }

    ThreadRanks& all_;
    unsigned rank_;
  };

  unsigned ranks_;
  std::barrier<> sync_;
  std::vector<std::vector<std::vector<checker::Word>>> mail_;  // [from][to]
  std::vector<std::vector<std::uint64_t>> values_;             // each rank's values in an agreement
  std::vector<checker::RankStats> stats_;
  std::vector<std::uint64_t> calls_;  // each rank's call at the last meeting: (which << 32) | length
  std::atomic<bool> differed_{false};
};

}  // namespace tlbcheck::testing
