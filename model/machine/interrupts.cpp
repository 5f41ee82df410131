// Interrupts and IPIs: sending an IPI sets it pending on its targets (the
// delivery is a hardware transition of the runtime).
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

Effect Machine::send_ipi(checker::Word* s, std::int64_t target, bool is_mask, int irq) const {
  for (int c = 0; c < config_.cpus; ++c) {
    bool hit = is_mask ? ((target >> c) & 1) != 0 : target == c;
    if (!hit) continue;
    std::uint32_t slot = slots_.ipi_pending[std::size_t(c)];
    set(s, slot, get(s, slot) | (std::int64_t(1) << irq));
  }
  if (!is_mask && (target < 0 || target >= config_.cpus)) {
    Effect e = Effect::runtime_error("send_ipi to cpu " + std::to_string(target) + ", which does not exist");
    e.value = target;
    return e;
  }
  return {};
}

}  // namespace tlbcheck::model::machine
