// The concurrent state store: set semantics, the smallest parent link wins,
// sealing a level orders it by parent link, growth keeps every state (fresh
// or sealed), concurrent inserts of overlapping sets; and the parent log,
// in memory and on disk.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "checker/parent_log.hpp"
#include "checker/store.hpp"

using tlbcheck::checker::ParentLog;
using tlbcheck::checker::StateStore;
using tlbcheck::checker::Word;

namespace {

StateStore::Result put(StateStore& s, const std::vector<Word>& state, std::uint64_t key, StateStore::Cursor& c, std::uint32_t& fresh) {
  return s.insert(state.data(), StateStore::hash_state(state.data(), std::uint32_t(state.size())), key, c, fresh);
}

std::vector<std::uint64_t> seal(StateStore& s, StateStore::Frontier* frontier = nullptr) {
  std::vector<std::uint64_t> links;
  REQUIRE(s.seal([&](const std::uint64_t* keys, std::size_t n) { links.insert(links.end(), keys, keys + n); }, frontier));
  return links;
}

}  // namespace

TEST_CASE("insert reports new and known states, and keeps the smallest key", "[store]") {
  StateStore s(3, 1024);
  StateStore::Cursor c;
  std::uint32_t a = 0, b = 0, again = 0;
  REQUIRE(put(s, {1, 2, 3}, 50, c, a) == StateStore::Result::Inserted);
  REQUIRE(put(s, {1, 2, 4}, 60, c, b) == StateStore::Result::Inserted);
  CHECK(a != b);
  REQUIRE(put(s, {1, 2, 3}, 70, c, again) == StateStore::Result::Found);
  CHECK(again == a);
  CHECK(s.fresh_key(a) == 50);
  REQUIRE(put(s, {1, 2, 3}, 10, c, again) == StateStore::Result::Found);
  CHECK(s.fresh_key(a) == 10);
  CHECK(s.fresh_state(b)[2] == 4);
}

TEST_CASE("sealing a level orders its states by key into rows, found again in later levels", "[store]") {
  StateStore s(2, 1024);
  StateStore::Cursor c;
  std::uint32_t f = 0;
  REQUIRE(put(s, {7, 7}, 30, c, f) == StateStore::Result::Inserted);
  REQUIRE(put(s, {5, 5}, 40, c, f) == StateStore::Result::Inserted);
  REQUIRE(put(s, {6, 6}, 20, c, f) == StateStore::Result::Inserted);
  REQUIRE(put(s, {5, 5}, 10, c, f) == StateStore::Result::Found);  // {5,5} now has the smallest key
  CHECK(seal(s) == std::vector<std::uint64_t>{10, 20, 30});
  CHECK(s.sealed() == 3);
  CHECK(s.state(0)[0] == 5);
  CHECK(s.state(1)[0] == 6);
  CHECK(s.state(2)[0] == 7);
  // the next level: the same cursor gets fresh entries again; old states are found
  REQUIRE(put(s, {6, 6}, 1, c, f) == StateStore::Result::Found);
  REQUIRE(put(s, {8, 8}, 99, c, f) == StateStore::Result::Inserted);
  CHECK(s.fresh_key(f) == 99);
  CHECK(seal(s) == std::vector<std::uint64_t>{99});
  CHECK(s.state(3)[0] == 8);
  CHECK(seal(s).empty());  // an empty level
  CHECK(s.sealed() == 4);
}

TEST_CASE("a level of many chunks is sealed in key order, whether its keys came in order or not", "[store]") {
  // In order (what one thread emits), or sorted within each chunk but the
  // chunks not in order: the chunks are only gathered, by smallest key.
  // Out of order, or spread over keys far apart: one group of overlapping
  // chunks, sorted. Chunks that overlap a few others: small groups sorted
  // among chunks gathered as they are.
  const std::uint32_t n = 5 * StateStore::kFreshPerChunk + 17;
  std::vector<std::uint64_t> keys(n);
  std::mt19937_64 random(7);
  for (std::uint32_t i = 0; i < n; ++i) keys[i] = (std::uint64_t(i) << 24) | (random() & 0xff);
  std::vector<std::uint64_t> shuffled = keys;
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  std::vector<std::uint64_t> skewed = keys;
  for (std::uint32_t i = 0; i < n; i += 2) skewed[i] |= 1ULL << 50;  // half the keys far above the rest
  std::shuffle(skewed.begin(), skewed.end(), random);
  // each chunk in order, the chunks not (as two threads leave them)
  std::vector<std::uint64_t> runs;
  for (std::uint32_t end = n; end > 0;) {
    std::uint32_t begin = end > StateStore::kFreshPerChunk ? end - StateStore::kFreshPerChunk : 0;
    runs.insert(runs.end(), keys.begin() + begin, keys.begin() + end);
    end = begin;
  }
  // each chunk in order, one overlapping another (as a thread leaves them
  // when another takes over part of its range, with no run marked): a
  // stretch of the first chunk's keys comes at the end, in a chunk of its
  // own (the 17 past five whole chunks)
  std::vector<std::uint64_t> taken_over, moved;
  for (std::uint32_t i = 0; i < n; ++i) (i >= 500 && i < 517 ? moved : taken_over).push_back(keys[i]);
  taken_over.insert(taken_over.end(), moved.begin(), moved.end());
  for (const auto* level : {&keys, &shuffled, &skewed, &runs, &taken_over}) {
    StateStore s(2, 4 * n);
    StateStore::Cursor c;
    std::map<std::uint64_t, Word> state_of_key;
    for (std::uint64_t key : *level) {
      std::uint32_t f = 0;
      Word w = key * 0x9E3779B97F4A7C15ULL;  // a state per key
      state_of_key[key] = w;
      REQUIRE(put(s, {w, ~w}, key, c, f) == StateStore::Result::Inserted);
    }
    std::vector<std::uint64_t> sorted = *level;
    std::sort(sorted.begin(), sorted.end());
    CHECK(seal(s) == sorted);
    if (level == &keys || level == &runs) {
      CHECK(s.sorted_in_last_seal() == 0);
    } else if (level == &taken_over) {
      CHECK(s.sorted_in_last_seal() == StateStore::kFreshPerChunk + 17);  // the first chunk and the stretch
    } else {
      CHECK(s.sorted_in_last_seal() == n);
    }
    for (std::uint32_t row = 0; row < n; ++row) {
      INFO("row " << row);
      REQUIRE(s.state(row)[0] == state_of_key[sorted[row]]);
    }
  }
}

TEST_CASE("runs marked where a thread takes new parents are sealed in order without sorting", "[store]") {
  // Two cursors take turns at ranges of parents, as two threads do, each
  // range a run; a cursor's chunk holds several runs with the other
  // cursor's between them. Parent p has successors (p, 0) and (p, 1).
  StateStore s(1, 1u << 16);
  StateStore::Cursor cursors[2];
  const std::uint64_t bounds[] = {0, 300, 700, 1500, 2600, 2700, 4100, 4101, 5000};
  std::vector<std::uint64_t> expected;
  std::uint32_t f = 0;
  for (std::size_t r = 0; r + 1 < std::size(bounds); ++r) {
    StateStore::Cursor& c = cursors[r % 2];
    s.begin_run(c);
    for (std::uint64_t parent = bounds[r]; parent < bounds[r + 1]; ++parent) {
      for (std::uint64_t ordinal = 0; ordinal < 2; ++ordinal) {
        const std::uint64_t key = (parent << 24) | ordinal;
        REQUIRE(put(s, {key}, key, c, f) == StateStore::Result::Inserted);
        expected.push_back(key);
      }
    }
  }
  CHECK(seal(s) == expected);
  CHECK(s.sorted_in_last_seal() == 0);
  for (std::uint64_t row = 0; row < expected.size(); ++row) REQUIRE(s.state(row)[0] == expected[row]);

  // The same turns with no runs marked: the chunks overlap and are sorted.
  StateStore t(1, 1u << 16);
  StateStore::Cursor unmarked[2];
  for (std::size_t r = 0; r + 1 < std::size(bounds); ++r) {
    for (std::uint64_t parent = bounds[r]; parent < bounds[r + 1]; ++parent) {
      for (std::uint64_t ordinal = 0; ordinal < 2; ++ordinal) REQUIRE(put(t, {parent << 24 | ordinal}, parent << 24 | ordinal, unmarked[r % 2], f) == StateStore::Result::Inserted);
    }
  }
  CHECK(seal(t) == expected);
  CHECK(t.sorted_in_last_seal() > 0);

  // A state found again from a parent in an earlier run takes that parent's
  // key, out of its own run's order: the runs it now overlaps are sorted,
  // and the level is still in key order.
  StateStore::Cursor& c = cursors[0];
  s.begin_run(c);
  for (std::uint64_t parent = 0; parent < 100; ++parent) REQUIRE(put(s, {(1ULL << 60) + parent}, (9000 + parent) << 24, c, f) == StateStore::Result::Inserted);
  s.begin_run(cursors[1]);
  for (std::uint64_t parent = 0; parent < 100; ++parent) REQUIRE(put(s, {(2ULL << 60) + parent}, (8000 + parent) << 24, cursors[1], f) == StateStore::Result::Inserted);
  REQUIRE(put(s, {(1ULL << 60) + 50}, 8500ULL << 24, cursors[1], f) == StateStore::Result::Found);  // lowers (9050 << 24)
  std::vector<std::uint64_t> links = seal(s);
  REQUIRE(links.size() == 200);
  CHECK(std::is_sorted(links.begin(), links.end()));
  CHECK(std::count(links.begin(), links.end(), 8500ULL << 24) == 1);
  CHECK(s.sorted_in_last_seal() > 0);
}

TEST_CASE("the fresh entries past a small level are given back and serve a large level again", "[store]") {
  // a level of two slabs of fresh chunks, a level of a few states (the
  // second slab is given back), then two slabs' worth again; compact, so
  // that the store's memory is the table and the fresh entries alone
  const std::uint64_t big = std::uint64_t(StateStore::kChunksPerSlab) * StateStore::kFreshPerChunk + 100;
  StateStore s(2, 8 * big, true);
  StateStore::Cursor c;
  StateStore::Frontier frontier;
  std::uint32_t f = 0;
  Word next = 1;
  auto level = [&](std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i, ++next) REQUIRE(put(s, {next, 0}, i, c, f) == StateStore::Result::Inserted);
    return seal(s, &frontier).size();
  };
  const std::uint64_t empty = s.memory_bytes();
  REQUIRE(level(big) == big);
  const std::uint64_t after_big = s.memory_bytes();
  CHECK(after_big > empty);
  REQUIRE(level(5) == 5);
  CHECK(s.memory_bytes() < after_big);
  REQUIRE(level(big) == big);
  CHECK(s.memory_bytes() == after_big);
  CHECK(s.sealed() == 2 * big + 5);
  // the third level came through the given-back slab whole, in key order
  REQUIRE(frontier.size() == 2 * big);
  for (std::uint64_t i = 0; i < big; ++i) REQUIRE(frontier[2 * i] == big + 5 + i + 1);
  for (Word w = 1; w < next; ++w) {
    INFO("state " << w);
    REQUIRE(put(s, {w, 0}, 0, c, f) == StateStore::Result::Found);
  }
}

TEST_CASE("growing the table keeps every state findable, sealed and fresh, at any size", "[store]") {
  StateStore s(2, 1024);
  StateStore::Cursor c;
  std::uint32_t f = 0;
  for (Word i = 0; i < 400; ++i) REQUIRE(put(s, {i, i * 7}, i, c, f) == StateStore::Result::Inserted);
  seal(s);
  std::map<Word, std::uint32_t> fresh;
  for (Word i = 400; i < 700; ++i) {
    REQUIRE(put(s, {i, i * 7}, i, c, f) == StateStore::Result::Inserted);
    fresh[i] = f;
  }
  s.grow(3000);  // not a power of two: rounded up to whole pages of slots
  CHECK(s.capacity() == 3072);
  for (Word i = 0; i < 700; ++i) {
    REQUIRE(put(s, {i, i * 7}, 1000 + i, c, f) == StateStore::Result::Found);
    if (i >= 400) CHECK(f == fresh[i]);
  }
  CHECK(s.fresh_key(fresh[500]) == 500);
  for (Word i = 0; i < 400; ++i) CHECK(s.state(i)[0] == i);  // keys 0..399: rows in key order
  s.grow(1 << 16);
  REQUIRE(put(s, {650, 650 * 7}, 1, c, f) == StateStore::Result::Found);
  std::vector<std::uint64_t> links = seal(s);
  REQUIRE(links.size() == 300);
  CHECK(links[0] == 1);  // {650, ...} first: its key went down to 1
  CHECK(links[1] == 400);
  CHECK(s.state(400)[0] == 650);
  CHECK(s.state(401)[0] == 400);
}

TEST_CASE("a full table says so instead of losing a state", "[store]") {
  StateStore s(1, 1024);
  StateStore::Cursor c;
  std::uint32_t f = 0;
  for (Word i = 0; i < 1024; ++i) REQUIRE(put(s, {i}, i, c, f) == StateStore::Result::Inserted);
  CHECK(put(s, {5000}, 1, c, f) == StateStore::Result::Full);
  CHECK(put(s, {17}, 1, c, f) == StateStore::Result::Found);
  seal(s);
  CHECK(put(s, {5000}, 1, c, f) == StateStore::Result::Full);
  CHECK(put(s, {17}, 1, c, f) == StateStore::Result::Found);
}

TEST_CASE("two threads inserting overlapping sets store each state once, with its smallest key", "[store]") {
  StateStore s(2, 1 << 16);
  std::atomic<int> inserted{0};
  auto key_of = [](unsigned seed, int i) { return std::uint64_t(seed) * 100000 + std::uint64_t(i); };
  auto work = [&](unsigned seed) {
    StateStore::Cursor c;
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; ++i) {
      Word v = rng() % 15000;
      std::uint32_t f = 0;
      if (put(s, {v, ~v}, key_of(seed, i), c, f) == StateStore::Result::Inserted) ++inserted;
      REQUIRE(s.fresh_state(f)[0] == v);
    }
  };
  std::thread t1(work, 1), t2(work, 2);
  t1.join();
  t2.join();
  std::map<Word, std::uint64_t> smallest;
  for (unsigned seed : {1u, 2u}) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; ++i) {
      Word v = rng() % 15000;
      if (!smallest.contains(v)) smallest[v] = key_of(seed, i);
    }
  }
  CHECK(std::size_t(inserted.load()) == smallest.size());
  std::set<std::uint64_t> expected;
  for (auto& [v, key] : smallest) expected.insert(key);
  std::vector<std::uint64_t> links = seal(s);
  CHECK(links == std::vector<std::uint64_t>(expected.begin(), expected.end()));
}

TEST_CASE("compact mode keeps fingerprints of sealed states, the level's states in the frontier", "[store]") {
  StateStore s(4, 1024, true);
  CHECK(s.compact());
  StateStore::Cursor c;
  std::uint32_t f = 0;
  for (Word i = 0; i < 600; ++i) REQUIRE(put(s, {i, i, ~i, 3}, 1000 - i, c, f) == StateStore::Result::Inserted);
  StateStore::Frontier frontier;
  seal(s, &frontier);
  REQUIRE(frontier.size() == 600 * 4);
  CHECK(frontier[0] == 599);  // key 401, the smallest
  CHECK(frontier[4 * 599] == 0);
  s.grow(1 << 14);
  for (Word i = 0; i < 600; ++i) REQUIRE(put(s, {i, i, ~i, 3}, 5, c, f) == StateStore::Result::Found);
  CHECK(put(s, {600, 600, ~Word(600), 3}, 1, c, f) == StateStore::Result::Inserted);
  // no rows: a full store of the same states keeps them, in chunks of rows
  StateStore full(4, 1 << 14);
  StateStore::Cursor fc;
  REQUIRE(put(full, {1, 2, 3, 4}, 1, fc, f) == StateStore::Result::Inserted);
  REQUIRE(put(s, {1, 2, 3, 4}, 1, c, f) == StateStore::Result::Inserted);
  seal(full);
  seal(s, &frontier);
  CHECK(full.memory_bytes() - s.memory_bytes() == std::uint64_t(StateStore::kRowsPerChunk) * 4 * sizeof(Word));
}

TEST_CASE("compact mode takes a state whose fingerprint is sealed for that state", "[store]") {
  // what makes it compact: a sealed state is only its hash, so a state given
  // the same hash is that state (the explorer reports these odds); within a
  // level whole states are compared
  StateStore s(2, 1024, true);
  StateStore::Cursor c;
  std::uint32_t a = 0, b = 0;
  std::vector<Word> x{1, 2}, y{3, 4}, z{5, 6};
  StateStore::Frontier frontier;
  const std::uint64_t hx = StateStore::hash_state(x.data(), 2);
  REQUIRE(s.insert(x.data(), hx, 1, c, a) == StateStore::Result::Inserted);
  CHECK(s.insert(y.data(), hx, 2, c, b) == StateStore::Result::Inserted);  // same hash, fresh: compared whole
  CHECK(b != a);
  StateStore t(2, 1024, true);
  StateStore::Cursor tc;  // a cursor belongs to one store
  REQUIRE(t.insert(x.data(), hx, 1, tc, a) == StateStore::Result::Inserted);
  seal(t, &frontier);
  CHECK(t.insert(z.data(), hx, 3, tc, b) == StateStore::Result::Found);
  // the lowest hash bit is not part of the fingerprint
  CHECK(t.insert(z.data(), hx ^ 1, 3, tc, b) == StateStore::Result::Found);
  CHECK(t.insert(z.data(), hx ^ 2, 3, tc, b) == StateStore::Result::Inserted);
}

TEST_CASE("the parent log moves to a temporary file past its memory share and reads back the same", "[store]") {
  ParentLog log(10);
  std::vector<std::uint64_t> links(25);
  for (std::size_t i = 0; i < links.size(); ++i) links[i] = i * i + 7;
  log.append(links.data(), 4);
  CHECK_FALSE(log.on_disk());
  log.append(links.data() + 4, 21);
  CHECK(log.on_disk());
  CHECK(log.memory_bytes() == 0);
  REQUIRE(log.size() == 25);
  for (std::size_t i = 0; i < links.size(); ++i) CHECK(log.get(i) == links[i]);
  CHECK_THROWS(log.get(25));
}

TEST_CASE("without a writable temporary directory the parent log stays in memory", "[store]") {
  const char* old = std::getenv("TMPDIR");
  std::string saved = old != nullptr ? old : "";
  ::setenv("TMPDIR", "/nonexistent/tlbcheck", 1);
  ParentLog log(2);
  std::vector<std::uint64_t> links{5, 6, 7, 8};
  log.append(links.data(), links.size());
  if (old != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  CHECK_FALSE(log.on_disk());
  for (std::size_t i = 0; i < links.size(); ++i) CHECK(log.get(i) == links[i]);
}
