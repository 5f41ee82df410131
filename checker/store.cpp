#include "checker/store.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <stdexcept>

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_group.h>

namespace tlbcheck::checker {

namespace {

constexpr std::uint64_t kFreshBit = 1ULL << 63;
constexpr std::uint64_t kSlotsPerPage = 4096 / sizeof(std::uint64_t);
constexpr std::uint32_t kGroup = 16;  // slots whose cache misses overlap (seal, grow)

// zero-filled memory whose pages are allocated when first written
void* map_zeroed(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

// The table: zero-filled (every slot empty), on 2 MiB boundaries and asking
// for transparent huge pages, since every lookup lands on a random page: with
// 4 KiB pages nearly each one also misses the TLB (a page walk that even a
// prefetch waits for). Sizes are whole huge pages.
constexpr std::size_t kHugePage = std::size_t(2) << 20;

std::size_t huge_bytes(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }
std::size_t table_bytes(std::uint64_t slots) { return huge_bytes(slots * sizeof(std::uint64_t)); }

// `bytes` (whole huge pages) on a huge page boundary, asking for huge pages
void* map_huge(std::size_t bytes) {
  auto* raw = static_cast<char*>(map_zeroed(bytes + kHugePage));
  char* aligned = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(raw) + kHugePage - 1) / kHugePage * kHugePage);
  if (aligned != raw) ::munmap(raw, std::size_t(aligned - raw));
  if (char* end = aligned + bytes; end != raw + bytes + kHugePage) ::munmap(end, std::size_t(raw + bytes + kHugePage - end));
  ::madvise(aligned, bytes, MADV_HUGEPAGE);  // advice only: without THP, small pages
  return aligned;
}

std::uint64_t* map_table(std::uint64_t slots) { return static_cast<std::uint64_t*>(map_huge(table_bytes(slots))); }

void unmap_table(std::uint64_t* table, std::uint64_t slots) {
  if (table != nullptr) ::munmap(table, table_bytes(slots));
}

std::atomic_ref<std::uint64_t> at(std::uint64_t* table, std::uint64_t pos) { return std::atomic_ref<std::uint64_t>(table[pos]); }

// The 31 hash bits every non-empty slot carries, from a hash and from a slot.
std::uint64_t hash_tag(std::uint64_t hash) { return hash >> 33; }
std::uint64_t top31(std::uint64_t slot) { return (slot >> 32) & 0x7fffffffULL; }
std::uint64_t fresh_slot(std::uint64_t tag, std::uint32_t fresh) { return kFreshBit | (tag << 32) | fresh; }

// Linear probing wraps around the table.
std::uint64_t next_slot(std::uint64_t pos, std::uint64_t slots) { return pos + 1 == slots ? 0 : pos + 1; }

void atomic_min(std::uint64_t& word, std::uint64_t value) {
  std::atomic_ref<std::uint64_t> ref(word);
  std::uint64_t cur = ref.load(std::memory_order_relaxed);
  while (value < cur && !ref.compare_exchange_weak(cur, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

StateStore::Mapping::Mapping(std::size_t bytes) : bytes_(huge_bytes(bytes)) {
  if (bytes_ != 0) data_ = map_huge(bytes_);
}

void StateStore::Mapping::reserve(std::size_t bytes) {
  if (bytes <= bytes_) return;
  reset();
  *this = Mapping(bytes);
}

void StateStore::Mapping::release_past(std::size_t bytes) {
  const std::size_t keep = huge_bytes(bytes);
  if (keep < bytes_) ::madvise(static_cast<char*>(data_) + keep, bytes_ - keep, MADV_DONTNEED);
}

void StateStore::Mapping::reset() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
  data_ = nullptr;
  bytes_ = 0;
}

StateStore::StateStore(std::uint32_t words, std::uint64_t initial_slots, bool compact)
    : words_(words),
      compact_(compact),
      fresh_(static_cast<std::uint64_t**>(map_zeroed(kMaxFreshChunks * sizeof(std::uint64_t*)))),
      run_marks_(static_cast<std::uint64_t*>(map_zeroed(run_marks_bytes()))) {
  slots_ = std::max<std::uint64_t>(initial_slots, 1024);
  table_ = map_table(slots_);
}

StateStore::~StateStore() {
  unmap_table(table_, slots_);
  for (std::uint32_t c = 0; c < fresh_allocated_; c += kChunksPerSlab) ::munmap(fresh_[c], slab_bytes());
  ::munmap(fresh_, kMaxFreshChunks * sizeof(std::uint64_t*));
  ::munmap(run_marks_, run_marks_bytes());
}

std::size_t StateStore::run_marks_bytes() { return std::size_t(kMaxFreshChunks) * kMarkWordsPerChunk * sizeof(std::uint64_t); }

std::size_t StateStore::slab_bytes() const { return std::size_t(kChunksPerSlab) * kFreshPerChunk * (words_ + 1) * sizeof(Word); }

std::uint64_t StateStore::sealed_slot(std::uint64_t hash, std::uint64_t row) const {
  if (compact_) {
    std::uint64_t fp = hash >> 1;  // its top 31 bits are the hash's, as in every slot
    return fp == 0 ? 1 : fp;
  }
  return (hash_tag(hash) << 32) | (row + 1);
}

bool StateStore::equal(const Word* a, const Word* b) const {
  for (std::uint32_t i = 0; i < words_; ++i) {  // a few words: no call to memcmp
    if (a[i] != b[i]) return false;
  }
  return true;
}

bool StateStore::reserve(Cursor& cursor) {
  std::lock_guard<std::mutex> lock(fresh_mutex_);
  std::uint32_t c = fresh_used_.load(std::memory_order_relaxed);
  if (c >= kMaxFreshChunks) return false;
  std::size_t entry_words = std::size_t(words_) + 1;
  std::uint64_t* entries = fresh_[c];
  if (entries == nullptr) {
    if (c % kChunksPerSlab == 0) {
      entries = static_cast<std::uint64_t*>(map_zeroed(slab_bytes()));
    } else {
      entries = fresh_[c - 1] + std::size_t(kFreshPerChunk) * entry_words;  // the slab's next chunk
    }
    fresh_allocated_ = c + 1;
  }
  fresh_resident_ = std::max(fresh_resident_, c + 1);
  for (std::uint32_t e = 0; e < kFreshPerChunk; ++e) entries[std::size_t(e) * entry_words] = kNoKey;
  std::fill_n(run_marks_ + std::size_t(c) * kMarkWordsPerChunk, kMarkWordsPerChunk, 0);
  std::atomic_ref<std::uint64_t*>(fresh_[c]).store(entries, std::memory_order_release);
  fresh_used_.store(c + 1, std::memory_order_release);
  cursor.next = std::uint64_t(c) * kFreshPerChunk;
  cursor.end = cursor.next + kFreshPerChunk;
  cursor.level = level_;
  return true;
}

void StateStore::begin_run(const Cursor& cursor) {
  // A cursor that must reserve a chunk first starts the run there, at the
  // chunk's first entry, which begins a piece anyway. Only the cursor's
  // thread writes the marks of its chunk.
  if (cursor.level != level_ || cursor.next == cursor.end) return;
  run_marks_[cursor.next / 64] |= 1ULL << (cursor.next % 64);
}

StateStore::Result StateStore::insert(const Word* state_words, std::uint64_t hash, std::uint64_t key, Cursor& cursor, std::uint32_t& fresh) {
  const std::uint64_t tag = hash_tag(hash);
  const std::uint64_t fingerprint = compact_ ? sealed_slot(hash, 0) : 0;
  std::uint64_t pos = home(tag);
  for (std::uint64_t probes = 0; probes < slots_; ++probes, pos = next_slot(pos, slots_)) {
    std::uint64_t e = at(table_, pos).load(std::memory_order_acquire);
    if (e == 0) {
      if (cursor.level != level_ || cursor.next == cursor.end) {
        if (!reserve(cursor)) return Result::Full;
      }
      std::uint32_t mine = static_cast<std::uint32_t>(cursor.next);
      std::uint64_t* entry = entry_ptr(mine);
      copy_state(entry + 1, state_words, words_);
      std::atomic_ref<std::uint64_t>(entry[0]).store(key, std::memory_order_relaxed);
      if (at(table_, pos).compare_exchange_strong(e, fresh_slot(tag, mine), std::memory_order_acq_rel)) {
        ++cursor.next;
        fresh = mine;
        return Result::Inserted;
      }
      // another thread took the slot first: the entry stays reserved for later
      std::atomic_ref<std::uint64_t>(entry[0]).store(kNoKey, std::memory_order_relaxed);
    }
    if (top31(e) != tag) continue;
    if ((e & kFreshBit) != 0) {
      std::uint32_t other = static_cast<std::uint32_t>(e);
      std::uint64_t* entry = entry_ptr(other);
      if (equal(entry + 1, state_words)) {
        atomic_min(entry[0], key);
        fresh = other;
        return Result::Found;
      }
    } else if (compact_ ? e == fingerprint : equal(state(static_cast<std::uint32_t>(e) - 1), state_words)) {
      return Result::Found;
    }
  }
  return Result::Full;
}

bool StateStore::contains_sealed(const Word* state_words, std::uint64_t hash) const {
  const std::uint64_t tag = hash_tag(hash);
  const std::uint64_t fingerprint = compact_ ? sealed_slot(hash, 0) : 0;
  std::uint64_t pos = home(tag);
  for (std::uint64_t probes = 0; probes < slots_; ++probes, pos = next_slot(pos, slots_)) {
    const std::uint64_t e = at(table_, pos).load(std::memory_order_acquire);
    if (e == 0) return false;
    if ((e & kFreshBit) != 0 || top31(e) != tag) continue;
    if (compact_ ? e == fingerprint : equal(state(static_cast<std::uint32_t>(e) - 1), state_words)) return true;
  }
  return false;
}

namespace {

// A fresh entry while its level is sealed: its key and where it is.
struct Fresh {
  std::uint64_t key;
  std::uint32_t id;
};

}  // namespace

bool StateStore::seal(const std::function<void(const std::uint64_t* keys, std::size_t n)>& links, Frontier* frontier) {
  const std::uint32_t chunks = fresh_used_.load(std::memory_order_acquire);
  const std::size_t entry_words = std::size_t(words_) + 1;
  // The entries in use, ordered by key. Each chunk is cut where runs begin;
  // the pieces, taken in order of their first key, are copied as they are
  // where a piece is in key order and overlaps no other (always, when the
  // explorer's runs are what begin_run says). Pieces that overlap form a
  // group sorted on its own: keys in no order at all make one group,
  // sorted in parallel.
  struct Piece {
    std::uint32_t begin = 0, end = 0;  // fresh entries [begin, end), in one chunk
    std::uint64_t used = 0, lo = kNoKey, hi = 0;  // entries in use, their smallest and largest key
    bool sorted = true;                           // in key order
  };
  auto marked = [&](std::uint32_t fresh) { return (run_marks_[fresh / 64] >> (fresh % 64) & 1) != 0; };
  // chunk c's pieces are pieces[first_piece[c], first_piece[c + 1])
  std::vector<std::uint64_t> first_piece(std::size_t(chunks) + 1, 0);
  tbb::parallel_for(std::uint32_t(0), chunks, [&](std::uint32_t c) {
    std::uint64_t starts = 1;  // the chunk's first entry
    for (std::uint32_t w = 0; w < kMarkWordsPerChunk; ++w) starts += std::uint64_t(std::popcount(run_marks_[std::size_t(c) * kMarkWordsPerChunk + w]));
    first_piece[c + 1] = starts - (marked(c * kFreshPerChunk) ? 1 : 0);
  });
  for (std::uint32_t c = 0; c < chunks; ++c) first_piece[c + 1] += first_piece[c];
  std::vector<Piece> pieces(first_piece[chunks]);
  tbb::parallel_for(std::uint32_t(0), chunks, [&](std::uint32_t c) {
    const std::uint64_t* entries = fresh_[c];
    Piece* piece = pieces.data() + first_piece[c];
    piece->begin = c * kFreshPerChunk;
    for (std::uint32_t e = 0; e < kFreshPerChunk; ++e) {
      const std::uint32_t id = c * kFreshPerChunk + e;
      if (e != 0 && marked(id)) {
        piece->end = id;
        (++piece)->begin = id;
      }
      if (const std::uint64_t key = entries[std::size_t(e) * entry_words]; key != kNoKey) {
        piece->sorted = piece->sorted && (piece->used == 0 || key > piece->hi);
        ++piece->used;
        piece->lo = std::min(piece->lo, key);
        piece->hi = std::max(piece->hi, key);
      }
    }
    piece->end = (c + 1) * kFreshPerChunk;
  });
  std::vector<std::size_t> by_lo;  // the pieces in use, by first key
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    if (pieces[p].used != 0) by_lo.push_back(p);
  }
  std::sort(by_lo.begin(), by_lo.end(), [&](std::size_t x, std::size_t y) { return pieces[x].lo < pieces[y].lo; });
  struct Group {
    std::size_t first = 0, last = 0;  // by_lo[first, last)
    std::uint64_t out = 0;            // where its entries go in `order`
    bool sorted = true;               // one piece, in key order
  };
  std::vector<Group> groups;
  std::uint64_t n = 0, group_hi = 0;
  for (std::size_t i = 0; i < by_lo.size(); ++i) {
    const Piece& piece = pieces[by_lo[i]];
    if (groups.empty() || piece.lo > group_hi) {
      groups.push_back({i, i, n, piece.sorted});
    } else {
      groups.back().sorted = false;
    }
    groups.back().last = i + 1;
    group_hi = std::max(group_hi, piece.hi);
    n += piece.used;
  }
  if (!compact_ && sealed_ + n > kMaxRows) return false;
  sorted_in_last_seal_ = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].sorted) sorted_in_last_seal_ += (g + 1 < groups.size() ? groups[g + 1].out : n) - groups[g].out;
  }
  // (mapped, and kept from level to level: filled in parallel, its pages
  // faulted in and zeroed once; a zeroed vector was a serial pass over the
  // level and a fault per 4 KiB)
  order_.reserve(std::size_t(n) * sizeof(Fresh));
  Fresh* const order = order_.as<Fresh>();
  tbb::parallel_for(std::size_t(0), groups.size(), [&](std::size_t g) {
    const Group& group = groups[g];
    std::uint64_t out = group.out;
    for (std::size_t i = group.first; i < group.last; ++i) {
      const Piece& piece = pieces[by_lo[i]];
      const std::uint64_t* entries = fresh_[piece.begin / kFreshPerChunk];
      for (std::uint32_t id = piece.begin; id < piece.end; ++id) {
        if (const std::uint64_t key = entries[std::size_t(id % kFreshPerChunk) * entry_words]; key != kNoKey) order[out++] = {key, id};
      }
    }
    if (!group.sorted) tbb::parallel_sort(order + group.out, order + out, [](const Fresh& x, const Fresh& y) { return x.key < y.key; });
  });

  if (compact_) {
    // the last level is no longer needed: its room holds this one where it
    // can, and what this one leaves over goes back to the kernel (levels
    // shrink towards the end of a search, when the table is at its largest)
    frontier->words_.reserve(std::size_t(n) * words_ * sizeof(Word));
    frontier->words_.release_past(std::size_t(n) * words_ * sizeof(Word));
    frontier->size_ = n * words_;
  } else {
    const std::size_t chunk_words = std::size_t(kRowsPerChunk) * words_;
    while (std::uint64_t(rows_.size()) * kRowsPerChunk < sealed_ + n) {
      if (rows_.size() % kRowChunksPerSlab == 0) row_slabs_.emplace_back(kRowChunksPerSlab * chunk_words * sizeof(Word));
      rows_.push_back(row_slabs_.back().as<Word>() + (rows_.size() % kRowChunksPerSlab) * chunk_words);
    }
  }
  // The keys go to `links`, in canonical order a block at a time, in a task
  // of their own beside the copy (a serial pass, with the parent log's
  // writes, that would otherwise wait for it or hold it up).
  tbb::task_group keys_out;
  keys_out.run([&] {
    constexpr std::size_t kBlock = 1u << 16;
    std::vector<std::uint64_t> keys(std::min<std::uint64_t>(n, kBlock));
    for (std::uint64_t first = 0; first < n; first += kBlock) {
      std::size_t count = std::size_t(std::min<std::uint64_t>(kBlock, n - first));
      for (std::size_t i = 0; i < count; ++i) keys[i] = order[first + i].key;
      links(keys.data(), count);
    }
  });
  // each state to its row (or the frontier); its slot rewritten as sealed
  try {
    tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, n, 4096), [&](const tbb::blocked_range<std::uint64_t>& r) {
      std::uint64_t hashes[kGroup];
      for (std::uint64_t first = r.begin(); first < r.end(); first += kGroup) {
        const std::uint64_t count = std::min<std::uint64_t>(kGroup, r.end() - first);
        for (std::uint64_t i = 0; i < count; ++i) {
          hashes[i] = hash_state(entry_ptr(order[first + i].id) + 1, words_);
          prefetch_slot(hashes[i]);
        }
        for (std::uint64_t i = 0; i < count; ++i) {
          const std::uint64_t index = first + i;
          const std::uint32_t id = order[index].id;
          const Word* s = entry_ptr(id) + 1;
          const std::uint64_t row = sealed_ + index;
          Word* to = compact_ ? frontier->words_.as<Word>() + index * words_ : rows_[row / kRowsPerChunk] + std::size_t(row % kRowsPerChunk) * words_;
          copy_state(to, s, words_);
          const std::uint64_t tag = hash_tag(hashes[i]);
          const std::uint64_t mine = fresh_slot(tag, id);
          std::uint64_t pos = home(tag), probes = 0;
          while (at(table_, pos).load(std::memory_order_relaxed) != mine) {
            // every fresh entry has its slot, unless a caller gave insert() a
            // hash that is not hash_state()'s
            if (++probes == slots_) throw std::logic_error("StateStore::seal: a fresh state's slot is missing");
            pos = next_slot(pos, slots_);
          }
          at(table_, pos).store(sealed_slot(hashes[i], row), std::memory_order_relaxed);
        }
      }
    });
  } catch (...) {
    keys_out.cancel();  // the level is not sealed
    keys_out.wait();    // (the task reads `order`)
    throw;
  }
  keys_out.wait();
  sealed_ += n;
  ++level_;
  // The slabs past this level's chunks go back to the kernel: levels shrink
  // towards the end of a search, when the table is at its largest.
  const std::uint32_t keep = (chunks + kChunksPerSlab - 1) / kChunksPerSlab * kChunksPerSlab;
  for (std::uint32_t c = keep; c < fresh_resident_; c += kChunksPerSlab) ::madvise(fresh_[c], slab_bytes(), MADV_DONTNEED);
  fresh_resident_ = std::min(fresh_resident_, keep);
  fresh_used_.store(0, std::memory_order_release);
  return true;
}

bool StateStore::place(std::uint64_t* table, std::uint64_t slots, std::uint64_t value) {
  std::uint64_t pos = (top31(value) * slots) >> 31;
  for (std::uint64_t probes = 0; probes < slots; ++probes, pos = next_slot(pos, slots)) {
    std::uint64_t expected = 0;
    if (at(table, pos).compare_exchange_strong(expected, value, std::memory_order_relaxed)) return true;
  }
  return false;
}

void StateStore::grow(std::uint64_t slots) {
  slots = (slots + kSlotsPerPage - 1) / kSlotsPerPage * kSlotsPerPage;
  if (slots <= slots_) return;
  std::uint64_t* table = map_table(slots);
  const std::uint64_t old_slots = slots_;
  std::uint64_t* old = table_;
  // Homes rise with the hash, so a block of the old table lands in about one
  // block of the new one: the new table's pages are touched roughly in
  // order, and each old block's pages are given back once it is read. The
  // peak is about the new table alone, not old + new.
  constexpr std::uint64_t kBlock = kHugePage / sizeof(std::uint64_t);  // slots: one huge page
  tbb::parallel_for(std::uint64_t(0), (old_slots + kBlock - 1) / kBlock, [&](std::uint64_t b) {
    const std::uint64_t begin = b * kBlock, end = std::min(old_slots, begin + kBlock);
    std::uint64_t values[kGroup];
    for (std::uint64_t first = begin; first < end; first += kGroup) {
      const std::uint64_t count = std::min<std::uint64_t>(kGroup, end - first);
      for (std::uint64_t i = 0; i < count; ++i) {
        values[i] = old[first + i];
        __builtin_prefetch(&table[(top31(values[i]) * slots) >> 31]);
      }
      for (std::uint64_t i = 0; i < count; ++i) {
        if (values[i] != 0) place(table, slots, values[i]);  // a larger table has room for all
      }
    }
    if (end - begin == kBlock) ::madvise(old + begin, kBlock * sizeof(std::uint64_t), MADV_DONTNEED);
  });
  unmap_table(old, old_slots);
  table_ = table;
  slots_ = slots;
}

std::uint64_t StateStore::memory_bytes() const {
  std::uint64_t fresh = std::uint64_t(fresh_resident_) * kFreshPerChunk * (words_ + 1) * sizeof(Word);
  std::uint64_t rows = std::uint64_t(rows_.size()) * kRowsPerChunk * words_ * sizeof(Word);
  // the pages touched
  std::uint64_t pointers = (std::uint64_t(fresh_allocated_) * (sizeof(void*) + kMarkWordsPerChunk * sizeof(std::uint64_t)) + 4095) / 4096 * 4096;
  return slots_ * sizeof(std::uint64_t) + fresh + rows + pointers + order_.bytes();
}

}  // namespace tlbcheck::checker
