// The concurrent state store: set semantics, the smallest parent link wins,
// growth keeps every state, and concurrent inserts of overlapping sets.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <thread>

#include "checker/store.hpp"

using tlbcheck::checker::StateStore;
using tlbcheck::checker::Word;

namespace {

StateStore::Result put(StateStore& s, const std::vector<Word>& state, std::uint64_t key, StateStore::Cursor& c, std::uint32_t& row) {
  return s.insert(state.data(), StateStore::hash_state(state.data(), std::uint32_t(state.size())), key, c, row);
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
  CHECK(s.key(a) == 50);
  REQUIRE(put(s, {1, 2, 3}, 10, c, again) == StateStore::Result::Found);
  CHECK(s.key(a) == 10);
  CHECK(s.state(b)[2] == 4);
}

TEST_CASE("growing the table keeps every state findable", "[store]") {
  StateStore s(2, 1024);
  StateStore::Cursor c;
  std::vector<std::uint32_t> rows;
  for (Word i = 0; i < 400; ++i) {
    std::uint32_t r = 0;
    REQUIRE(put(s, {i, i * 7}, i, c, r) == StateStore::Result::Inserted);
    rows.push_back(r);
  }
  s.grow(1 << 16);
  CHECK(s.capacity() == (1u << 16));
  for (Word i = 0; i < 400; ++i) {
    std::uint32_t r = 0;
    REQUIRE(put(s, {i, i * 7}, 1000 + i, c, r) == StateStore::Result::Found);
    CHECK(r == rows[i]);
    CHECK(s.key(r) == i);
  }
}

TEST_CASE("a full table says so instead of losing a state", "[store]") {
  StateStore s(1, 1024);
  StateStore::Cursor c;
  std::uint32_t r = 0;
  for (Word i = 0; i < 1024; ++i) REQUIRE(put(s, {i}, i, c, r) == StateStore::Result::Inserted);
  CHECK(put(s, {5000}, 1, c, r) == StateStore::Result::Full);
  CHECK(put(s, {17}, 1, c, r) == StateStore::Result::Found);
}

TEST_CASE("two threads inserting overlapping sets store each state once", "[store]") {
  StateStore s(2, 1 << 16);
  std::atomic<int> inserted{0};
  auto work = [&](unsigned seed) {
    StateStore::Cursor c;
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; ++i) {
      Word v = rng() % 15000;
      std::uint32_t r = 0;
      if (put(s, {v, ~v}, std::uint64_t(seed) * 100000 + std::uint64_t(i), c, r) == StateStore::Result::Inserted) ++inserted;
      REQUIRE(s.state(r)[0] == v);
    }
  };
  std::thread t1(work, 1), t2(work, 2);
  t1.join();
  t2.join();
  std::set<Word> expected;
  for (unsigned seed : {1u, 2u}) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; ++i) expected.insert(rng() % 15000);
  }
  CHECK(std::size_t(inserted.load()) == expected.size());
}

TEST_CASE("compact mode keeps one fingerprint per state, found again after growth", "[store]") {
  StateStore s(4, 1024, true);
  CHECK(s.compact());
  StateStore::Cursor c;
  std::vector<std::uint32_t> rows;
  for (Word i = 0; i < 600; ++i) {
    std::uint32_t r = 0;
    REQUIRE(put(s, {i, i, ~i, 3}, 10 + i, c, r) == StateStore::Result::Inserted);
    rows.push_back(r);
  }
  s.grow(1 << 14);
  for (Word i = 0; i < 600; ++i) {
    std::uint32_t r = 0;
    REQUIRE(put(s, {i, i, ~i, 3}, 5, c, r) == StateStore::Result::Found);
    CHECK(r == rows[i]);
    CHECK(s.key(r) == 5);
  }
  std::uint32_t r = 0;
  CHECK(put(s, {600, 600, ~Word(600), 3}, 1, c, r) == StateStore::Result::Inserted);
  // a row is two words (key, fingerprint) instead of 1 + 4
  StateStore full(4, 1 << 14);
  StateStore::Cursor fc;
  REQUIRE(put(full, {1, 2, 3, 4}, 1, fc, r) == StateStore::Result::Inserted);
  CHECK(full.memory_bytes() - s.memory_bytes() == std::uint64_t(StateStore::kRowsPerChunk) * 3 * sizeof(Word));
}

TEST_CASE("compact mode takes equal fingerprints for equal states", "[store]") {
  // what makes it compact: only the 64-bit hash is compared, so two states
  // given the same hash are one state (the explorer reports these odds)
  StateStore s(2, 1024, true);
  StateStore::Cursor c;
  std::uint32_t a = 0, b = 0;
  std::vector<Word> x{1, 2}, y{3, 4};
  REQUIRE(s.insert(x.data(), 0x1234567890abcdefULL, 1, c, a) == StateStore::Result::Inserted);
  CHECK(s.insert(y.data(), 0x1234567890abcdefULL, 2, c, b) == StateStore::Result::Found);
  CHECK(a == b);
}
