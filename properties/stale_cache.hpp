// The `stale-cache` property: every read of a frame, through any alias (a
// user mapping's colour, the kernel's colour, memory), returns the latest
// value written to it. The machine's data cache (model/machine/) reports
// each read with the value it returned and the frame's latest value; this
// file decides and says why.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// A read of one word of a frame through one alias.
struct CacheRead {
  std::int64_t frame = -1;
  int word = 0;
  bool show_word = false;    // frames hold more than one word
  int alias = -1;            // the colour read through
  bool alias_is_kernel = false;
  std::int64_t value = 0;    // what the read returned
  std::int64_t latest = 0;   // the latest value written to the word
  int dirty_alias = -1;      // a colour whose dirty line holds the latest value (-1: none)
  bool dirty_is_kernel = false;
};

inline bool read_is_stale(std::int64_t value, std::int64_t latest) { return value != latest; }

// "reading frame 1 through colour 1 (the kernel's mapping) returned 0, but
// the latest value written to it is 1, which sits in a dirty line of colour
// 0 (a user mapping)"
std::string explain(const CacheRead& read);
// with the statement that read: "stale-cache: 'x = kernel_load(f);' by ..."
std::string explain_access(const CacheRead& read, const StepContext& where);

}  // namespace tlbcheck::properties
