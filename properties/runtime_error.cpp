#include "properties/runtime_error.hpp"

namespace tlbcheck::properties {

std::string explain_bad_index(std::int64_t index, const StepContext& where) {
  return "index " + std::to_string(index) + " is outside its array in " + where.who + " at " + where.at + " ('" + where.statement + "')";
}

std::string explain_division_by_zero(const StepContext& where) { return "division by zero in " + where.who + " at " + where.at + " ('" + where.statement + "')"; }

std::string explain_bad_cpu(std::int64_t cpu, int cpus, const StepContext& where) {
  return "cpu " + std::to_string(cpu) + " does not exist (the machine has cpus 0.." + std::to_string(cpus - 1) + ") in " + where.who + " at " + where.at;
}

std::string explain_runaway(const StepContext& where) {
  return "a step of " + where.who + " did not end: an atomic block that loops forever or forks too deeply (" + where.at + ")";
}

std::string explain_machine_error(const std::string& message, const StepContext& where) {
  return "'" + where.statement + "' in " + where.who + " at " + where.at + ": " + (message.empty() ? "a machine operation failed" : message);
}

std::string explain_no_fault_handler(const std::string& page, const StepContext& where) {
  return "page fault on page " + page + " in " + where.who + " at " + where.at + ", and the protocol declares no 'on page_fault(p: page, write: bool)' handler";
}

}  // namespace tlbcheck::properties
