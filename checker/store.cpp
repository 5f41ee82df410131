#include "checker/store.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <tbb/parallel_for.h>

namespace tlbcheck::checker {

namespace {

std::unique_ptr<std::atomic<std::uint64_t>[]> make_table(std::uint64_t slots) {
  // value-initialized: every slot starts empty (0)
  return std::unique_ptr<std::atomic<std::uint64_t>[]>(new std::atomic<std::uint64_t>[slots]());
}

void atomic_min(std::uint64_t& word, std::uint64_t value) {
  std::atomic_ref<std::uint64_t> ref(word);
  std::uint64_t cur = ref.load(std::memory_order_relaxed);
  while (value < cur && !ref.compare_exchange_weak(cur, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

StateStore::StateStore(std::uint32_t words, std::uint64_t initial_slots, bool compact)
    : words_(compact ? 1 : words), compact_(compact), chunks_(new std::atomic<std::uint64_t*>[kMaxChunks]()) {
  std::uint64_t slots = std::bit_ceil(std::max<std::uint64_t>(initial_slots, 1024));
  table_ = make_table(slots);
  mask_ = slots - 1;
}

StateStore::~StateStore() {
  std::uint32_t n = chunk_count_.load(std::memory_order_acquire);
  for (std::uint32_t c = 0; c < n; ++c) delete[] chunks_[c].load(std::memory_order_relaxed);
}

bool StateStore::row_equal(const std::uint64_t* row, const Word* state, std::uint64_t hash) const {
  if (compact_) return row[1] == hash;
  for (std::uint32_t i = 0; i < words_; ++i) {  // a few words: no call to memcmp
    if (row[1 + i] != state[i]) return false;
  }
  return true;
}

void StateStore::reserve(Cursor& cursor) {
  std::lock_guard<std::mutex> lock(chunk_mutex_);
  std::uint32_t c = chunk_count_.load(std::memory_order_relaxed);
  if (c >= kMaxChunks) {
    cursor.next = cursor.end = 0;
    return;
  }
  std::size_t row_words = std::size_t(words_) + 1;
  auto* rows = new std::uint64_t[std::size_t(kRowsPerChunk) * row_words];
  for (std::uint32_t r = 0; r < kRowsPerChunk; ++r) rows[std::size_t(r) * row_words] = kNoKey;
  chunks_[c].store(rows, std::memory_order_release);
  chunk_count_.store(c + 1, std::memory_order_release);
  cursor.next = std::uint64_t(c) * kRowsPerChunk;
  cursor.end = cursor.next + kRowsPerChunk;
}

StateStore::Result StateStore::insert(const Word* state, std::uint64_t hash, std::uint64_t key, Cursor& cursor, std::uint32_t& row) {
  const std::uint64_t tag = hash >> 32;
  std::uint64_t pos = hash & mask_;
  for (std::uint64_t probes = 0; probes <= mask_; ++probes, pos = (pos + 1) & mask_) {
    std::uint64_t e = table_[pos].load(std::memory_order_acquire);
    if (e == 0) {
      if (cursor.next == cursor.end) {
        reserve(cursor);
        if (cursor.next == cursor.end) return Result::Full;
      }
      std::uint32_t mine = static_cast<std::uint32_t>(cursor.next);
      std::uint64_t* r = row_ptr(mine);
      if (compact_) {
        r[1] = hash;
      } else {
        std::memcpy(r + 1, state, std::size_t(words_) * sizeof(Word));
      }
      std::atomic_ref<std::uint64_t>(r[0]).store(key, std::memory_order_relaxed);
      std::uint64_t claimed = (tag << 32) | (std::uint64_t(mine) + 1);
      if (table_[pos].compare_exchange_strong(e, claimed, std::memory_order_acq_rel)) {
        ++cursor.next;
        row = mine;
        return Result::Inserted;
      }
      // another thread took the slot first: our row stays reserved for later
      std::atomic_ref<std::uint64_t>(r[0]).store(kNoKey, std::memory_order_relaxed);
    }
    if ((e >> 32) == tag) {
      std::uint32_t other = static_cast<std::uint32_t>((e & 0xffffffffULL) - 1);
      std::uint64_t* r = row_ptr(other);
      if (row_equal(r, state, hash)) {
        atomic_min(r[0], key);
        row = other;
        return Result::Found;
      }
    }
  }
  return Result::Full;
}

bool StateStore::place(std::atomic<std::uint64_t>* table, std::uint64_t mask, std::uint64_t hash, std::uint32_t row) {
  std::uint64_t pos = hash & mask;
  std::uint64_t claimed = ((hash >> 32) << 32) | (std::uint64_t(row) + 1);
  for (std::uint64_t probes = 0; probes <= mask; ++probes, pos = (pos + 1) & mask) {
    std::uint64_t expected = 0;
    if (table[pos].compare_exchange_strong(expected, claimed, std::memory_order_relaxed)) return true;
  }
  return false;
}

void StateStore::grow(std::uint64_t slots) {
  slots = std::bit_ceil(slots);
  if (slots <= capacity()) return;
  auto table = make_table(slots);
  std::uint64_t mask = slots - 1;
  std::uint32_t chunks = chunk_count_.load(std::memory_order_acquire);
  std::size_t row_words = std::size_t(words_) + 1;
  tbb::parallel_for(std::uint32_t(0), chunks, [&](std::uint32_t c) {
    const std::uint64_t* rows = chunks_[c].load(std::memory_order_acquire);
    // 16 rows at a time: their new slots are prefetched before any is
    // claimed, so the cache misses of the rehash overlap
    constexpr std::uint32_t kGroup = 16;
    std::uint64_t hashes[kGroup];
    for (std::uint32_t first = 0; first < kRowsPerChunk; first += kGroup) {
      for (std::uint32_t i = 0; i < kGroup; ++i) {
        const std::uint64_t* row = rows + std::size_t(first + i) * row_words;
        hashes[i] = row[0] == kNoKey ? 0 : row_hash(row);
        __builtin_prefetch(&table[hashes[i] & mask]);
      }
      for (std::uint32_t i = 0; i < kGroup; ++i) {
        const std::uint64_t* row = rows + std::size_t(first + i) * row_words;
        if (row[0] != kNoKey) place(table.get(), mask, hashes[i], c * kRowsPerChunk + first + i);
      }
    }
  });
  table_ = std::move(table);
  mask_ = mask;
}

std::uint64_t StateStore::memory_bytes() const {
  std::uint64_t rows = std::uint64_t(chunk_count_.load(std::memory_order_relaxed)) * kRowsPerChunk * (words_ + 1) * sizeof(Word);
  return rows + capacity() * sizeof(std::uint64_t) + std::uint64_t(kMaxChunks) * sizeof(void*);
}

}  // namespace tlbcheck::checker
