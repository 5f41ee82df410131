// StateStore: a concurrent set of fixed-size states, filled a BFS level at a
// time.
//
// Layout
//   fresh: the states new in the level being expanded, in an arena of entries
//          [ key | state words ] handed to threads in chunks; reused by every
//          level. key = BFS parent link: (parent's canonical index << 24) |
//          ordinal of the edge among the parent's successors. Concurrent
//          inserts keep the smallest key (atomic min), so the parent of every
//          state is the same whatever the thread timing.
//   runs:  a bit per fresh entry marks where a run begins (begin_run): the
//          successors of a range of parents that no other run shares, so
//          their keys rise within it and no other run's key lies between
//          its first and last. Sealing orders the pieces of runs by their
//          first key instead of sorting the level's keys.
//   rows:  (full mode) the states of sealed levels, in canonical order, so a
//          state's row is its canonical index and needs no side array.
//   table: open addressing with linear probing over C slots (any C, not only
//          powers of two): a hash's home is (its top 31 bits · C) >> 31, so
//          homes rise with the hash and growing the table streams through the
//          old one in order. A slot (8 bytes) is
//            0                                   empty
//            1 | top 31 hash bits | fresh entry  a state of this level
//            0 | top 31 hash bits | row + 1      a sealed state (full mode)
//            0 | 63-bit fingerprint              a sealed state (compact mode)
//          so a compact store keeps 8 bytes per state and a full one the
//          state plus 8 bytes, over the table's load.
//
// seal() ends a level: the fresh entries are ordered by key, become rows (or,
// in compact mode, the next frontier), their keys go to the caller (the
// parent log), and their slots are rewritten as sealed slots.
//
// Thread-safety: insert() and prefetch_slot() are lock-free (one
// compare-and-swap claims a slot; a mutex is taken only to hand a thread a new
// chunk of fresh entries). begin_run() writes only the marks of its cursor's
// chunk, so threads with cursors of their own may call it at once. seal() and
// grow() must not run concurrently with anything else; they use TBB inside.
// Allocation: none per state. The table and the fresh entries are anonymous
// mappings: growing the table gives back the old table's pages as soon as
// they have been read, and sealing gives back the fresh slabs past the
// level's last chunk.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "checker/system.hpp"

#define XXH_INLINE_ALL  // hashing a few words: inlined, no call into the library
#include <xxhash.h>

namespace tlbcheck::checker {

class StateStore {
 public:
  // small chunks: a level of one state costs a chunk's reset and scan
  static constexpr std::uint32_t kFreshPerChunk = 1u << 10;
  static constexpr std::uint32_t kMaxFreshChunks = 1u << 22;  // 2^32 fresh entries a level
  static constexpr std::uint32_t kChunksPerSlab = 64;           // fresh chunks are mapped a slab at a time
  static constexpr std::uint32_t kMarkWordsPerChunk = kFreshPerChunk / 64;  // a chunk's run marks
  static constexpr std::uint32_t kRowsPerChunk = 1u << 16;
  // row chunks are mapped four at a time: 4 * 2^16 rows of 8-byte words are
  // whole 2 MiB pages for any state size
  static constexpr std::uint32_t kRowChunksPerSlab = 4;
  static constexpr std::uint64_t kMaxRows = (1ULL << 32) - 1;  // full mode: row + 1 fits 32 bits
  static constexpr std::uint64_t kNoKey = ~0ULL;

  // Fresh entries a thread has reserved but not yet filled (in one store).
  struct Cursor {
    std::uint64_t next = 0, end = 0;
    std::uint64_t level = ~0ULL;  // the level they were reserved in
  };

  enum class Result { Inserted, Found, Full };

  // Memory for a large buffer: an anonymous mapping on 2 MiB boundaries
  // that asks for transparent huge pages. Its pages are allocated, zeroed,
  // when first written, 2 MiB at a time where the kernel can: a buffer
  // filled by several threads costs a few page faults, not one per 4 KiB
  // (faults in a virtual machine are slow, and they serialise on the
  // process's memory map).
  class Mapping {
   public:
    Mapping() = default;
    explicit Mapping(std::size_t bytes);
    ~Mapping() { reset(); }
    Mapping(Mapping&& other) noexcept : data_(other.data_), bytes_(other.bytes_) { other.data_ = nullptr, other.bytes_ = 0; }
    Mapping& operator=(Mapping&& other) noexcept {
      if (this != &other) {
        reset();
        data_ = other.data_, bytes_ = other.bytes_;
        other.data_ = nullptr, other.bytes_ = 0;
      }
      return *this;
    }
    void reset();
    // holds at least `bytes`: keeps its pages, already faulted in and
    // written, where it does (no fault, no zeroing), else is mapped anew
    void reserve(std::size_t bytes);
    // gives the pages past the first `bytes` (rounded up to a huge page)
    // back to the kernel; they read as zero, and cost a fault, if used again
    void release_past(std::size_t bytes);
    std::size_t bytes() const { return bytes_; }
    template <class T>
    T* as() const { return static_cast<T*>(data_); }

   private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;  // mapped: whole huge pages
  };

  // Compact mode: a sealed level's states in canonical order. Mapped, not
  // zeroed by the program, so that the parallel copy into it is the first
  // to touch its pages (zeroing a large level was a serial pass).
  class Frontier {
   public:
    const Word* data() const { return words_.as<Word>(); }
    std::size_t size() const { return size_; }  // words
    Word operator[](std::size_t i) const { return words_.as<Word>()[i]; }

   private:
    friend class StateStore;
    Mapping words_;
    std::size_t size_ = 0;
  };

  // words: the state's size; compact: keep fingerprints of sealed states.
  StateStore(std::uint32_t words, std::uint64_t initial_slots, bool compact = false);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Inserts `state` (hash = hash_state(state)) with parent link `key`, or
  // lowers the key of the equal state already in this level. A new state's
  // fresh entry goes to `fresh`. Full: every slot on the probe run is taken.
  Result insert(const Word* state, std::uint64_t hash, std::uint64_t key, Cursor& cursor, std::uint32_t& fresh);

  // Whether `state` (hash = hash_state(state)) is a state of a sealed level
  // (an earlier level or the one being expanded), not one new in this
  // level. Lock-free and safe beside insert(): a sealed state's probe run
  // has no empty slot before it, and inserts only fill empty slots. In
  // compact mode a fingerprint that matches says yes.
  bool contains_sealed(const Word* state, std::uint64_t hash) const;

  // The cursor's next entries are a new run: the successors of parents that
  // no other run has, in key order (a thread calls it as it takes a new
  // range of parents). Keys in no such order are still sealed in order, by
  // sorting where runs overlap.
  void begin_run(const Cursor& cursor);

  // A hint for a batch of inserts: brings the hash's home slot into the
  // cache (only a read, so safe at any time).
  void prefetch_slot(std::uint64_t hash) const { __builtin_prefetch(&table_[home(hash >> 33)]); }  // the tag: top 31 bits

  // The fresh entries of the level being expanded.
  std::uint64_t fresh_key(std::uint32_t fresh) const {
    return std::atomic_ref<std::uint64_t>(entry_ptr(fresh)[0]).load(std::memory_order_relaxed);
  }
  const Word* fresh_state(std::uint32_t fresh) const { return entry_ptr(fresh) + 1; }

  // Ends the level: its new states, ordered by key, take the next canonical
  // indices. Their keys are passed to `links` in that order (in blocks); in
  // full mode they become rows, in compact mode they are copied to
  // `frontier`. False (and nothing changed) when a full store would pass
  // kMaxRows.
  bool seal(const std::function<void(const std::uint64_t* keys, std::size_t n)>& links, Frontier* frontier);

  // Full mode: the sealed state with canonical index `row`.
  const Word* state(std::uint64_t row) const { return rows_[row / kRowsPerChunk] + std::size_t(row % kRowsPerChunk) * words_; }
  std::uint64_t sealed() const { return sealed_; }
  // Entries of the last sealed level that had to be sorted, because their
  // runs overlapped (the rest were copied in place).
  std::uint64_t sorted_in_last_seal() const { return sorted_in_last_seal_; }

  // Rebuilds the table with at least `slots` slots.
  void grow(std::uint64_t slots);

  std::uint64_t capacity() const { return slots_; }
  std::uint64_t memory_bytes() const;
  bool compact() const { return compact_; }

  static std::uint64_t hash_state(const Word* state, std::uint32_t words) { return XXH3_64bits(state, std::size_t(words) * sizeof(Word)); }

 private:
  std::uint64_t home(std::uint64_t top31) const { return (top31 * slots_) >> 31; }
  std::uint64_t* entry_ptr(std::uint32_t fresh) const {
    return std::atomic_ref<std::uint64_t*>(fresh_[fresh / kFreshPerChunk]).load(std::memory_order_acquire) + std::size_t(fresh % kFreshPerChunk) * (words_ + 1);
  }
  std::uint64_t sealed_slot(std::uint64_t hash, std::uint64_t row) const;
  bool equal(const Word* a, const Word* b) const;
  bool reserve(Cursor& cursor);
  std::size_t slab_bytes() const;
  static std::size_t run_marks_bytes();
  static bool place(std::uint64_t* table, std::uint64_t slots, std::uint64_t value);

  std::uint32_t words_;
  bool compact_;
  std::uint64_t* table_ = nullptr;  // slots_ slots, mapped
  std::uint64_t slots_ = 0;
  std::uint64_t** fresh_;  // chunk pointers, reused by every level (mapped: untouched pages cost nothing)
  std::uint64_t* run_marks_;  // a bit per fresh entry: a run begins there (mapped, as fresh_)
  std::uint32_t fresh_allocated_ = 0;                      // chunks ever mapped (in slabs of kChunksPerSlab)
  std::uint32_t fresh_resident_ = 0;                       // chunks that may hold pages
  std::atomic<std::uint32_t> fresh_used_{0};               // chunks handed out this level
  std::uint64_t level_ = 0;
  std::mutex fresh_mutex_;
  std::vector<Word*> rows_;        // full mode: chunks of kRowsPerChunk sealed states,
  std::vector<Mapping> row_slabs_;  // in slabs of kRowChunksPerSlab chunks
  Mapping order_;              // seal(): the level's entries in key order (kept for the next level)
  std::uint64_t sealed_ = 0;
  std::uint64_t sorted_in_last_seal_ = 0;
};

}  // namespace tlbcheck::checker
