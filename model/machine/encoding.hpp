// How the machine's values are stored in their slots (each slot stores
// value - lo, see bytecode/program.hpp), and how they read in traces. Every
// part of tlbcheck that reads or writes a machine value goes through these.
//
//   frame kind         0 free, 1 data, 2 table
//   table entry, TLB entry
//                      0 not present, else 1 + 2*frame + writable
//   walk-cache entry   0 empty,       else 1 + frame
//   cache line         0 absent,      else 1 + 2*value + dirty
//   frame, mm, task    -1 is none
//   sets (mms, irqs)   bit i: member i
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlbcheck::model::machine {

enum class FrameKind : std::int64_t { Free = 0, Data = 1, Table = 2 };

// A page-table entry, and a TLB entry (which caches one).
struct Pte {
  static std::int64_t make(std::int64_t frame, bool writable) { return 1 + 2 * frame + (writable ? 1 : 0); }
  static bool present(std::int64_t raw) { return raw != 0; }
  static std::int64_t frame(std::int64_t raw) { return (raw - 1) / 2; }  // of a present entry
  static std::int64_t frame_or_none(std::int64_t raw) { return raw == 0 ? -1 : frame(raw); }
  static bool writable(std::int64_t raw) { return raw != 0 && (raw - 1) % 2 != 0; }
  static std::int64_t read_only(std::int64_t raw) { return raw == 0 ? 0 : make(frame(raw), false); }
  static std::int64_t max(std::int64_t frames) { return 2 * frames; }  // the largest encoding
  static std::string format(std::int64_t raw);                         // "frame1 rw", "-"
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

std::string format_frame_kind(std::int64_t kind);  // "free", "data", "table"
// A set as the names of its members: "{A,B}"
std::string format_set(std::int64_t bits, const std::vector<std::string>& names);

}  // namespace tlbcheck::model::machine
