// StateStore: a concurrent set of fixed-size states.
//
// Layout
//   rows:  an arena of fixed rows in chunks that never move;
//          row = [ key (u64) | state words ... ]
//          or, in compact mode, row = [ key | 64-bit fingerprint ]: the
//          fingerprint is the state's hash, so equal fingerprints are taken
//          for equal states (the explorer reports the odds that this omitted
//          a state).
//          key = BFS parent link: (parent's canonical index << 24) | ordinal
//          of the edge among the parent's successors. Concurrent inserts keep
//          the smallest key (atomic min), so the parent of every state is the
//          same whatever the thread timing.
//   table: open addressing, linear probing; a slot holds
//          (upper 32 bits of the hash << 32) | (row + 1), 0 = empty.
//
// Thread-safety: insert() is lock-free on the hot path (one compare-and-swap
// to claim a slot; a mutex is taken only to hand a thread a new chunk of
// rows). grow() must not run concurrently with insert().
// Allocation: none per state; rows come from per-thread chunks.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "checker/system.hpp"

#define XXH_INLINE_ALL  // hashing a few words: inlined, no call into the library
#include <xxhash.h>

namespace tlbcheck::checker {

class StateStore {
 public:
  static constexpr std::uint32_t kRowsPerChunk = 1u << 14;
  static constexpr std::uint32_t kMaxChunks = 1u << 18;  // 2^32 rows in all
  static constexpr std::uint64_t kNoKey = ~0ULL;

  // Rows a thread has reserved but not yet filled.
  struct Cursor {
    std::uint64_t next = 0, end = 0;
  };

  enum class Result { Inserted, Found, Full };

  // words: the state's size; compact: store fingerprints, not states.
  StateStore(std::uint32_t words, std::uint64_t initial_slots, bool compact = false);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Inserts `state` (hash = hash_state(state)) with parent link `key`, or
  // lowers the key of the equal state already there. `row` receives the row.
  // In compact mode only `hash` is used and stored.
  Result insert(const Word* state, std::uint64_t hash, std::uint64_t key, Cursor& cursor, std::uint32_t& row);

  // Hints for a batch of inserts: bring the hash's home slot into the cache,
  // then (once it is there) the row it names if its tag matches; both are
  // only reads, so they are safe at any time.
  void prefetch_slot(std::uint64_t hash) const { __builtin_prefetch(&table_[hash & mask_]); }
  void prefetch_row(std::uint64_t hash) const {
    for (std::uint64_t i = 0, pos = hash & mask_; i < 8; ++i, pos = (pos + 1) & mask_) {  // the probe run, up to a cache line's worth
      std::uint64_t e = table_[pos].load(std::memory_order_relaxed);
      if (e == 0) return;
      if ((e >> 32) == (hash >> 32)) {
        __builtin_prefetch(row_ptr(static_cast<std::uint32_t>((e & 0xffffffffULL) - 1)));
        return;
      }
    }
  }

  // The stored state (full mode only).
  const Word* state(std::uint32_t row) const { return row_ptr(row) + 1; }
  std::uint64_t key(std::uint32_t row) const {
    return std::atomic_ref<std::uint64_t>(row_ptr(row)[0]).load(std::memory_order_relaxed);
  }

  // Rebuilds the table with at least `slots` slots (a power of two).
  void grow(std::uint64_t slots);

  std::uint64_t capacity() const { return mask_ + 1; }
  std::uint64_t memory_bytes() const;
  bool compact() const { return compact_; }

  static std::uint64_t hash_state(const Word* state, std::uint32_t words) { return XXH3_64bits(state, std::size_t(words) * sizeof(Word)); }

 private:
  std::uint64_t* row_ptr(std::uint32_t row) const {
    return chunks_[row / kRowsPerChunk].load(std::memory_order_acquire) + std::size_t(row % kRowsPerChunk) * (words_ + 1);
  }
  void reserve(Cursor& cursor);
  std::uint64_t row_hash(const std::uint64_t* row) const { return compact_ ? row[1] : hash_state(row + 1, words_); }
  bool row_equal(const std::uint64_t* row, const Word* state, std::uint64_t hash) const;
  bool place(std::atomic<std::uint64_t>* table, std::uint64_t mask, std::uint64_t hash, std::uint32_t row);

  std::uint32_t words_;      // state words a row holds (1 in compact mode)
  bool compact_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> table_;
  std::uint64_t mask_ = 0;
  std::unique_ptr<std::atomic<std::uint64_t*>[]> chunks_;
  std::atomic<std::uint32_t> chunk_count_{0};
  std::mutex chunk_mutex_;
};

}  // namespace tlbcheck::checker
