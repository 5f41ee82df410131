// The scheduler's hardware side: which task is current on each CPU, and
// when it can be preempted. Switching tasks is the lowering's switch code,
// which runs the protocol's own context-switch hook.
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

bool Machine::preemptible(const checker::Word* s, int cpu, std::int64_t task) const {
  return get(s, slots_.current[std::size_t(cpu)]) == task && depth(s, cpu) == 0 && irqs_on(s, cpu) && get(s, slots_.preempt_count[std::size_t(cpu)]) == 0;
}

}  // namespace tlbcheck::model::machine
