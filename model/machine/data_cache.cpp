// The virtually indexed write-back data cache (colours > 0): reads and
// writes through a colour, write-back and eviction, a page copy through the
// kernel's colour; stale-cache judges every read.
#include "model/machine/machine.hpp"

#include "properties/stale_cache.hpp"

namespace tlbcheck::model::machine {

Effect Machine::cache_read(checker::Word* s, int colour, std::int64_t f, int word, bool check) const {
  std::uint32_t slot = line_slot(colour, f, word);
  std::int64_t line = get(s, slot);
  std::int64_t v = 0;
  if (line != 0) {
    v = CacheLine::value(line);
  } else {
    v = get(s, value_slot(f, word));
    set(s, slot, CacheLine::make(v, false));  // read-allocate, clean
  }
  Effect e;
  e.frame = f;
  e.value = v;
  std::int64_t latest = get(s, latest_slot(f, word));
  if (check && properties::read_is_stale(v, latest)) {
    e.kind = Effect::Violation;
    e.stale_read = true;
    e.other = latest;
    e.colour = colour;
    e.word = word;
    for (int c = 0; c < config_.colours; ++c) {  // where the latest value sits
      std::int64_t l = get(s, line_slot(c, f, word));
      if (c != colour && CacheLine::dirty(l) && CacheLine::value(l) == latest) e.dirty_colour = c;
    }
  }
  return e;
}

void Machine::cache_write(checker::Word* s, int colour, std::int64_t f, int word, std::int64_t value) const {
  set(s, line_slot(colour, f, word), CacheLine::make(value, true));  // write-allocate, dirty
  set(s, latest_slot(f, word), value);
}

void Machine::cache_flush(checker::Word* s, int colour, std::int64_t f) const {
  for (int w = 0; w < config_.words; ++w) cache_evict(s, colour, f, w);
}

bool Machine::cache_writeback(checker::Word* s, int colour, std::int64_t f, int word) const {
  std::uint32_t slot = line_slot(colour, f, word);
  std::int64_t line = get(s, slot);
  if (!CacheLine::dirty(line)) return false;
  set(s, value_slot(f, word), CacheLine::value(line));
  set(s, slot, CacheLine::cleaned(line));
  return true;
}

bool Machine::cache_evict(checker::Word* s, int colour, std::int64_t f, int word) const {
  std::uint32_t slot = line_slot(colour, f, word);
  if (get(s, slot) == 0) return false;
  cache_writeback(s, colour, f, word);
  set(s, slot, 0);
  return true;
}

Effect Machine::copy_page(checker::Word* s, std::int64_t dst, std::int64_t src, bool check) const {
  for (int w = 0; w < config_.words; ++w) {
    if (config_.colours == 0) {
      set(s, value_slot(dst, w), get(s, value_slot(src, w)));
      continue;
    }
    Effect e = cache_read(s, kernel_colour(), src, w, check);
    if (e.kind != Effect::Ok) return e;
    cache_write(s, kernel_colour(), dst, w, e.value);
  }
  return {};
}

}  // namespace tlbcheck::model::machine
