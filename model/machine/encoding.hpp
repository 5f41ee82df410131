// How the machine's values are stored in their slots (each slot stores
// value - lo, see bytecode/program.hpp), and how they read in traces. Every
// part of tlbcheck that reads or writes a machine value goes through these.
//
//   frame kind         0 free, 1 data, 2 table
//   table entry, TLB entry
//                      0 empty, else 1 + (frame << bits | attributes)
//                      (PteFormat: 1 + 2*frame + writable on a machine
//                      that uses no other attribute), then swap entries
//   walk-cache entry   0 empty,       else 1 + frame
//   cache line         0 absent,      else 1 + 2*value + dirty
//   frame, mm, task    -1 is none
//   sets (mms, irqs)   bit i: member i
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/machine/config.hpp"

namespace tlbcheck::model::machine {

enum class FrameKind : std::int64_t { Free = 0, Data = 1, Table = 2 };

// The bits of an entry as the language sees them (pte_flags, pfn_pte,
// pte_set_flags): the same numbers on every machine. Which of them a
// machine's entries carry is its configuration's (PteFormat).
namespace pte_flag {
inline constexpr std::int64_t kPresent = 1, kRw = 2, kUser = 4, kAccessed = 8, kDirty = 16, kGlobal = 32;
inline constexpr std::int64_t kSoftFirst = 64;  // the first declared software bit (pte_bits { ... }); then 128, 256, 512
inline constexpr int kMaxSoft = 4;
inline constexpr int kMaxSwapTypes = 4;
inline constexpr std::int64_t kHardware = 63;                                  // present .. global
inline constexpr std::int64_t kAll = (kSoftFirst << kMaxSoft) - 1;             // every flag a value may name
}  // namespace pte_flag

// A page-table entry, and a TLB entry (which caches one), as stored: 0 is
// an empty entry (pte_none); an entry that holds a frame is
// 1 + (frame << bits | attributes), with the attributes the machine's
// entries carry packed in `bits` bits, writable first; a swap entry
// (swp_entry { ... } declared) comes after every frame-holding one. A
// machine that uses no attribute pays nothing: its entries are
// 1 + 2 * frame + writable, as they always were.
class PteFormat {
 public:
  PteFormat() : PteFormat(Config{}, 1) {}
  PteFormat(const Config& config, std::int64_t frames);

  // An entry for `frame` with `flags` (pte_flag); flags the entries do not
  // carry are dropped (see unrepresentable()). A machine without a bit
  // behaves as if every entry that holds a frame had it at its implied
  // value: present, accessed, dirty and user set, global clear; flags()
  // reports them so.
  std::int64_t make(std::int64_t frame, std::int64_t flags) const;
  std::int64_t make(std::int64_t frame, bool writable) const { return make(frame, pte_flag::kPresent | (writable ? pte_flag::kRw : 0)); }
  // Why `flags` cannot be stored in this machine's entries ("" if it can):
  // a bit asked for that the entries do not carry and do not imply (global,
  // an undeclared software bit), or a frame kept without the present bit
  // and no software state to say so.
  std::string unrepresentable(std::int64_t flags, bool with_frame) const;
  // Why clearing `bits` on purpose means nothing here ("" if it does not):
  // a bit the entries do not carry and imply set (accessed, dirty, user).
  std::string uncleared(std::int64_t bits) const;

  bool holds_frame(std::int64_t raw) const { return raw > 0 && raw <= frame_top_; }
  // the hardware may use it: it holds a frame, and its present bit is set
  bool present(std::int64_t raw) const { return holds_frame(raw) && (pos_[0] < 0 || bit(raw, 0)); }
  std::int64_t frame(std::int64_t raw) const { return (raw - 1) >> bits_; }  // of an entry that holds one
  std::int64_t frame_or_none(std::int64_t raw) const { return holds_frame(raw) ? frame(raw) : -1; }
  bool writable(std::int64_t raw) const { return holds_frame(raw) && ((raw - 1) & 1) != 0; }
  // The entry's flags (pte_flag): a frame-holding entry's, or a swap
  // entry's software bits; 0 for an empty entry.
  std::int64_t flags(std::int64_t raw) const;
  bool has(std::int64_t raw, std::int64_t flag) const { return (flags(raw) & flag) != 0; }
  // The same frame (or swap entry) with other flags.
  std::int64_t with_flags(std::int64_t raw, std::int64_t flags) const;
  std::int64_t read_only(std::int64_t raw) const { return holds_frame(raw) ? with_flags(raw, flags(raw) & ~pte_flag::kRw) : raw; }
  // What a TLB caches of an entry: its hardware bits, present (and the
  // level of the block it came from).
  std::int64_t cached(std::int64_t raw) const {
    return with_block(make(frame(raw), (flags(raw) & pte_flag::kHardware) | pte_flag::kPresent), block_level(raw));
  }
  // Blocks (machine field huge): an upper-level entry that maps
  // entries^(level-1) frames from `frame` on, and a TLB entry filled from
  // one. 0: no block (always, without huge).
  int block_level(std::int64_t raw) const {
    if (block_pos_ < 0 || !holds_frame(raw)) return 0;
    const int v = int(((raw - 1) >> block_pos_) & 3);
    return v == 0 ? 0 : v + 1;
  }
  std::int64_t with_block(std::int64_t raw, int level) const {
    if (block_pos_ < 0 || !holds_frame(raw)) return raw;
    const std::int64_t mask = std::int64_t(3) << block_pos_;
    return 1 + (((raw - 1) & ~mask) | (std::int64_t(level > 1 ? level - 1 : 0) << block_pos_));
  }
  // The same entry for another frame.
  std::int64_t with_frame(std::int64_t raw, std::int64_t frame) const { return 1 + ((frame << bits_) | ((raw - 1) & ((std::int64_t(1) << bits_) - 1))); }
  // whether the entries carry `flag` (present: whether a frame can be kept without it)
  bool carries(std::int64_t flag) const { return (carried_ & flag) == flag; }

  // swap entries: a type (its index in the declaration) and an offset
  bool is_swap(std::int64_t raw) const { return raw > frame_top_ && raw <= max_; }
  std::int64_t make_swap(std::int64_t type, std::int64_t offset, std::int64_t soft_flags) const;
  std::int64_t swap_type(std::int64_t raw) const { return ((raw - frame_top_ - 1) >> soft_) / swap_offsets_; }
  std::int64_t swap_offset(std::int64_t raw) const { return ((raw - frame_top_ - 1) >> soft_) % swap_offsets_; }
  int swap_types() const { return int(swap_names_.size()); }
  int swap_offsets() const { return swap_offsets_; }

  std::int64_t max() const { return max_; }            // the largest page-table entry
  std::int64_t max_cached() const { return frame_top_; }  // the largest TLB entry
  // "frame1 rw", "frame1 ro a d protnone", "swap:migration 2", "-"
  std::string format(std::int64_t raw) const;

 private:
  // the encoded attribute bit of language flag i (0 present .. 5 global, 6.. software), -1 absent
  bool bit(std::int64_t raw, int i) const { return (((raw - 1) >> pos_[std::size_t(i)]) & 1) != 0; }

  int bits_ = 1, soft_ = 0, swap_offsets_ = 1, block_pos_ = -1;
  std::array<int, 6 + pte_flag::kMaxSoft> pos_{};
  std::int64_t carried_ = 0, implied_ = 0, frame_top_ = 0, max_ = 0;
  std::vector<std::string> soft_names_, swap_names_;
};

// A paging-structure (walk) cache entry: the table frame an upper-level
// entry points to.
struct WalkEntry {
  static std::int64_t make(std::int64_t frame) { return 1 + frame; }
  static std::int64_t frame(std::int64_t raw) { return raw - 1; }  // of a present entry
  static std::int64_t max(std::int64_t frames) { return frames; }
  static std::string format(std::int64_t raw);  // "frame2", "-"
};

// A line of the virtually indexed data cache: one word of a frame, seen
// through one colour.
struct CacheLine {
  static std::int64_t make(std::int64_t value, bool dirty) { return 1 + 2 * value + (dirty ? 1 : 0); }
  static std::int64_t value(std::int64_t raw) { return (raw - 1) / 2; }  // of a present line
  static bool dirty(std::int64_t raw) { return raw != 0 && (raw - 1) % 2 == 1; }
  static std::int64_t cleaned(std::int64_t raw) { return raw - 1; }  // a dirty line, written back
  static std::int64_t max(std::int64_t values) { return 2 * values; }
  static std::string format(std::int64_t raw);  // "1 dirty", "0 clean", "-"
};

// stale-permission's record of a leaf entry (per mm and page): 0 nothing
// to declare; 1 + p narrowed by process instance p and not yet declared
// complete; `complete` (the slot's top value, the number of process
// instances + 1) declared complete by a `sync` function's return.
struct Narrowing {
  static std::int64_t pending(std::int64_t process) { return 1 + process; }
  // "-", "pending (t1)", "complete"
  static std::string format(std::int64_t raw, std::int64_t complete, const std::vector<std::string>& processes);
};
// lost-write's mark of a frame (properties::FrameCopy): "-", "copied", "written back"
std::string format_copy_mark(std::int64_t mark);

std::string format_frame_kind(std::int64_t kind);  // "free", "data", "table"
// A set as the names of its members: "{A,B}"
std::string format_set(std::int64_t bits, const std::vector<std::string>& names);

}  // namespace tlbcheck::model::machine
