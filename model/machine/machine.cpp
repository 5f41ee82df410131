// The machine's core: construction and slot access; its features are in the
// files beside this one (see machine.hpp).
#include "model/machine/machine.hpp"

#include "model/machine/layout.hpp"

namespace tlbcheck::model::machine {

Machine::Machine(const Config& config, int mms, std::vector<std::int64_t> page_index, std::vector<bool> page_kernel, std::vector<bool> irq_device,
                 Slots slots, const std::vector<ModelSlot>* layout, const std::vector<SlotAccess>* access)
    : config_(config),
      mms_(mms),
      irqs_(int(irq_device.size())),
      page_index_(std::move(page_index)),
      page_kernel_(std::move(page_kernel)),
      slots_(std::move(slots)),
      layout_(layout),
      access_(access) {
  frames_ = int(slots_.kind.size());
  pte_ = PteFormat(config_, frames_);
  if (config_.words < 1) config_.words = 1;
  walk_keys_ = machine::walk_keys(config_, page_index_);
  pdpte_indices_ = machine::pdpte_indices(config_, page_index_);
  int devices = 0;
  for (bool device : irq_device) fires_index_.push_back(device ? devices++ : -1);
}

std::int64_t Machine::leaf_flags(std::int64_t page, bool writable) const {
  bool kernel = page >= 0 && std::size_t(page) < page_kernel_.size() && page_kernel_[std::size_t(page)];
  return pte_flag::kPresent | (writable ? pte_flag::kRw : 0) | pte_flag::kAccessed | (kernel ? pte_flag::kGlobal : pte_flag::kUser);
}

std::int64_t Machine::index_at(std::int64_t n, int level) const {
  std::int64_t div = 1;
  for (int l = 1; l < level; ++l) div *= config_.entries;
  return (n / div) % config_.entries;
}

std::int64_t Machine::block_span(int level) const {
  std::int64_t span = 1;
  for (int l = 1; l < level; ++l) span *= config_.entries;
  return span;
}

std::int64_t Machine::prefix_at(std::int64_t n, int level) const {
  std::int64_t div = 1;
  for (int l = 1; l < level; ++l) div *= config_.entries;
  return n / div;
}

int Machine::walk_key(int level, std::int64_t page) const {
  std::int64_t prefix = prefix_at(page_index_[std::size_t(page)], level);
  for (std::size_t k = 0; k < walk_keys_.size(); ++k) {
    if (walk_keys_[k].level == level && walk_keys_[k].prefix == prefix) return int(k);
  }
  return -1;
}

}  // namespace tlbcheck::model::machine
