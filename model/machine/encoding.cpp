#include "model/machine/encoding.hpp"

namespace tlbcheck::model::machine {

namespace {

// the machine fields that give entries each hardware bit
constexpr const char* kBitNames[6] = {"present", "rw", "user", "young", "dirty", "global"};
constexpr const char* kBitFields[6] = {"pte_bits { ... }", "", "pte.user", "pte.accessed_dirty", "pte.accessed_dirty", "pte.global"};

}  // namespace

PteFormat::PteFormat(const Config& config, std::int64_t frames) : soft_names_(config.pte_soft_bits), swap_names_(config.swap_types) {
  pos_.fill(-1);
  soft_ = int(soft_names_.size());
  int next = 0;
  auto give = [&](int i) { pos_[std::size_t(i)] = next++; };
  give(1);                             // rw, always: 1 + 2*frame + writable without anything else
  if (soft_ > 0) give(0);              // a frame kept in a non-present entry (PROT_NONE, NUMA hinting)
  if (config.pte_user) give(2);
  if (config.pte_accessed_dirty) {
    give(3);
    give(4);
  }
  if (config.pte_global) give(5);
  for (int j = 0; j < soft_; ++j) give(6 + j);
  if (config.huge) {  // the level of a block: 2 bits, last, so that a machine without blocks pays nothing
    block_pos_ = next;
    next += 2;
  }
  bits_ = next;
  for (int i = 0; i < int(pos_.size()); ++i) carried_ |= pos_[std::size_t(i)] >= 0 ? std::int64_t(1) << i : 0;
  // a machine without a bit behaves as if every entry that holds a frame
  // had it so: present, accessed, dirty and user; not global
  implied_ = (pte_flag::kPresent | pte_flag::kAccessed | pte_flag::kDirty | pte_flag::kUser) & ~carried_;
  frame_top_ = frames << bits_;
  swap_offsets_ = config.swap_offsets;
  max_ = frame_top_ + (std::int64_t(swap_names_.size()) * swap_offsets_ << soft_);
}

std::int64_t PteFormat::make(std::int64_t frame, std::int64_t flags) const {
  std::int64_t enc = 0;
  for (std::size_t i = 0; i < pos_.size(); ++i) {
    if (pos_[i] >= 0 && ((flags >> i) & 1) != 0) enc |= std::int64_t(1) << pos_[i];
  }
  return 1 + ((frame << bits_) | enc);
}

std::string PteFormat::unrepresentable(std::int64_t flags, bool with_frame) const {
  if ((flags & ~pte_flag::kAll) != 0 || flags < 0) return "flags " + std::to_string(flags) + " name bits that are no PTE flag";
  if (!with_frame && (flags & pte_flag::kHardware) != 0) return "a swap entry holds software bits (pte_bits) only";
  for (int i = 0; i < int(pos_.size()); ++i) {
    if (pos_[std::size_t(i)] >= 0) continue;
    const bool want = ((flags >> i) & 1) != 0;
    if (i == 0 && with_frame && !want) return "an entry that keeps a frame without _PAGE_PRESENT needs software PTE state: declare pte_bits { ... }";
    if (!want || ((implied_ >> i) & 1) != 0) continue;  // (an implied bit asked for, or a bit left out: nothing to keep)
    if (i >= 6) return "software bit " + std::to_string(i - 6) + " (flag " + std::to_string(std::int64_t(1) << i) + ") is not declared: declare it in pte_bits { ... }";
    return std::string("entries have no ") + kBitNames[i] + " bit: set the machine field " + kBitFields[i];
  }
  return "";
}

std::string PteFormat::uncleared(std::int64_t bits) const {
  for (int i = 2; i < 6; ++i) {
    if (((bits >> i) & 1) != 0 && pos_[std::size_t(i)] < 0 && ((implied_ >> i) & 1) != 0) {
      return std::string("entries have no ") + kBitNames[i] + " bit (this machine treats every entry as " + kBitNames[i] + "): set the machine field " +
             kBitFields[i];
    }
  }
  return "";
}

std::int64_t PteFormat::flags(std::int64_t raw) const {
  if (is_swap(raw)) return ((raw - frame_top_ - 1) & ((std::int64_t(1) << soft_) - 1)) * pte_flag::kSoftFirst;
  if (!holds_frame(raw)) return 0;
  std::int64_t f = implied_;
  for (int i = 0; i < int(pos_.size()); ++i) {
    if (pos_[std::size_t(i)] >= 0 && bit(raw, i)) f |= std::int64_t(1) << i;
  }
  return f;
}

std::int64_t PteFormat::with_flags(std::int64_t raw, std::int64_t flags) const {
  if (holds_frame(raw)) return with_block(make(frame(raw), flags), block_level(raw));
  if (is_swap(raw)) return make_swap(swap_type(raw), swap_offset(raw), flags);
  return raw;
}

std::int64_t PteFormat::make_swap(std::int64_t type, std::int64_t offset, std::int64_t soft_flags) const {
  std::int64_t soft = (soft_flags / pte_flag::kSoftFirst) & ((std::int64_t(1) << soft_) - 1);
  return frame_top_ + 1 + (((type * swap_offsets_ + offset) << soft_) | soft);
}

std::string PteFormat::format(std::int64_t raw) const {
  if (raw == 0) return "-";
  std::string out;
  const std::int64_t f = flags(raw);
  if (is_swap(raw)) {
    std::int64_t t = swap_type(raw);
    out = "swap:" + (std::size_t(t) < swap_names_.size() ? swap_names_[std::size_t(t)] : std::to_string(t)) + " " + std::to_string(swap_offset(raw));
  } else {
    out = "frame" + std::to_string(frame(raw)) + (writable(raw) ? " rw" : " ro");
    for (int i = 2; i < 6; ++i) {
      if (pos_[std::size_t(i)] >= 0 && ((f >> i) & 1)) out += std::string(" ") + kBitNames[i];
    }
  }
  for (int j = 0; j < soft_; ++j) {
    if ((f >> (6 + j)) & 1) out += " " + soft_names_[std::size_t(j)];
  }
  if (block_level(raw) > 0) out += " block" + std::to_string(block_level(raw));
  if (holds_frame(raw) && (f & pte_flag::kPresent) == 0) out += " (not present)";
  return out;
}


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

std::string Narrowing::format(std::int64_t raw, std::int64_t complete, const std::vector<std::string>& processes) {
  if (raw == 0) return "-";
  if (raw >= complete) return "complete";
  const std::size_t p = std::size_t(raw - 1);
  return "pending (" + (p < processes.size() ? processes[p] : std::to_string(p)) + ")";
}

std::string format_copy_mark(std::int64_t mark) { return mark == 0 ? "-" : mark == 1 ? "copied" : "written back"; }

}  // namespace tlbcheck::model::machine
