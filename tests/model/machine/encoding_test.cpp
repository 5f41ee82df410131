// How entries are stored (encoding.hpp: PteFormat): a machine that uses no
// attribute keeps the old encoding; every attribute, software bit and swap
// entry reads back as written; what cannot be stored is said, not dropped.
#include <catch2/catch.hpp>

#include "model/machine/encoding.hpp"

using namespace tlbcheck::model::machine;
using namespace tlbcheck::model::machine::pte_flag;

TEST_CASE("encoding: a machine without attributes pays nothing", "[encoding]") {
  PteFormat f(Config{}, 5);
  CHECK(f.make(3, true) == 1 + 2 * 3 + 1);
  CHECK(f.make(3, false) == 1 + 2 * 3);
  CHECK(f.max() == 2 * 5);
  CHECK(f.max_cached() == 2 * 5);
  CHECK(f.present(f.make(0, false)));
  CHECK_FALSE(f.present(0));
  // every entry counts as present, accessed, dirty and the user's
  CHECK(f.flags(f.make(2, true)) == (kPresent | kRw | kAccessed | kDirty | kUser));
  CHECK(f.format(f.make(2, true)) == "frame2 rw");
}

TEST_CASE("encoding: every attribute and software bit reads back as written", "[encoding]") {
  Config c;
  c.pte_accessed_dirty = c.pte_user = c.pte_global = true;
  c.pte_soft_bits = {"protnone", "soft_dirty"};
  c.swap_types = {"swap", "migration"};
  c.swap_offsets = 3;
  PteFormat f(c, 4);
  for (std::int64_t frame = 0; frame < 4; ++frame) {
    for (std::int64_t flags = 0; flags < (kSoftFirst << 2); ++flags) {
      std::int64_t raw = f.make(frame, flags);
      REQUIRE(f.holds_frame(raw));
      CHECK(f.frame(raw) == frame);
      CHECK(f.flags(raw) == flags);
      CHECK(f.present(raw) == ((flags & kPresent) != 0));
      CHECK(raw <= f.max_cached());
    }
  }
  for (std::int64_t type = 0; type < 2; ++type) {
    for (std::int64_t offset = 0; offset < 3; ++offset) {
      std::int64_t raw = f.make_swap(type, offset, kSoftFirst << 1);
      REQUIRE(f.is_swap(raw));
      CHECK_FALSE(f.present(raw));
      CHECK(f.frame_or_none(raw) == -1);
      CHECK(f.swap_type(raw) == type);
      CHECK(f.swap_offset(raw) == offset);
      CHECK(f.flags(raw) == (kSoftFirst << 1));
      CHECK(raw <= f.max());
    }
  }
  CHECK(f.format(f.make_swap(1, 2, 0)) == "swap:migration 2");
  CHECK(f.format(f.make(1, kRw | kAccessed | kDirty | kSoftFirst)) == "frame1 rw young dirty protnone (not present)");
  // a TLB caches the hardware bits, present
  CHECK(f.flags(f.cached(f.make(1, kRw | kDirty | kSoftFirst))) == (kPresent | kRw | kDirty));
}

TEST_CASE("encoding: what an entry cannot hold is named", "[encoding]") {
  PteFormat plain(Config{}, 4);
  CHECK(plain.unrepresentable(kPresent | kRw | kAccessed | kUser, true).empty());  // implied bits: nothing to keep
  CHECK(plain.unrepresentable(kPresent | kGlobal, true) == "entries have no global bit: set the machine field pte.global");
  CHECK(plain.unrepresentable(kRw, true).find("declare pte_bits") != std::string::npos);  // a frame kept without present
  CHECK(plain.unrepresentable(kPresent | kSoftFirst, true).find("not declared") != std::string::npos);
  CHECK(plain.unrepresentable(1 << 12, true).find("no PTE flag") != std::string::npos);
  CHECK(plain.uncleared(kDirty) == "entries have no dirty bit (this machine treats every entry as dirty): set the machine field pte.accessed_dirty");
  CHECK(plain.uncleared(kRw).empty());
  Config c;
  c.pte_soft_bits = {"protnone"};
  PteFormat soft(c, 4);
  CHECK(soft.unrepresentable(kRw | kSoftFirst, true).empty());
  CHECK(soft.unrepresentable(kRw, false) == "a swap entry holds software bits (pte_bits) only");
}
