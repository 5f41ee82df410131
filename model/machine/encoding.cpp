#include "model/machine/encoding.hpp"

namespace tlbcheck::model::machine {

std::string Pte::format(std::int64_t raw) { return raw == 0 ? "-" : "frame" + std::to_string(frame(raw)) + (writable(raw) ? " rw" : " ro"); }

std::string WalkEntry::format(std::int64_t raw) { return raw == 0 ? "-" : "frame" + std::to_string(frame(raw)); }

std::string CacheLine::format(std::int64_t raw) { return raw == 0 ? "-" : std::to_string(value(raw)) + (dirty(raw) ? " dirty" : " clean"); }

std::string format_frame_kind(std::int64_t kind) { return kind == 0 ? "free" : kind == 1 ? "data" : "table"; }

std::string format_set(std::int64_t bits, const std::vector<std::string>& names) {
  std::string out = "{";
  for (std::size_t k = 0; k < names.size(); ++k) {
    if ((bits >> k) & 1) out += (out.size() > 1 ? "," : "") + names[k];
  }
  return out + "}";
}

}  // namespace tlbcheck::model::machine
