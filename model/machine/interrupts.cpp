// Interrupts and IPIs: sending an IPI sets it pending on its targets; a
// CPU takes a pending one when its interrupts are on (a hardware
// transition: the runtime then starts the handler).
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

bool Machine::can_take_interrupt(const checker::Word* s, int cpu, int irq) const {
  if (!irqs_on(s, cpu) || depth(s, cpu) >= config_.irq_nesting) return false;
  const int device = fires_index_[std::size_t(irq)];
  if (device >= 0) return get(s, slots_.fires_left[std::size_t(device)]) != 0;
  return ((get(s, slots_.ipi_pending[std::size_t(cpu)]) >> irq) & 1) != 0;
}

int Machine::take_interrupt(checker::Word* s, int cpu, int irq) const {
  const int device = fires_index_[std::size_t(irq)];
  if (device >= 0) {
    std::uint32_t counter = slots_.fires_left[std::size_t(device)];
    set(s, counter, get(s, counter) - 1);
  } else {
    std::uint32_t pending = slots_.ipi_pending[std::size_t(cpu)];
    set(s, pending, get(s, pending) & ~(std::int64_t(1) << irq));
  }
  const int nested = depth(s, cpu) + 1;
  set(s, slots_.irq_depth[std::size_t(cpu)], nested);
  set(s, slots_.irqs_on[std::size_t(cpu)], 0);  // interrupt gates clear IF
  return nested;
}

}  // namespace tlbcheck::model::machine
