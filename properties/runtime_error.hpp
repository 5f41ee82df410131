// The `runtime-error` property, always checked: a state that broke it has
// no meaning. The bytecode checks each case where it can happen (an index,
// a divisor, a CPU number, a step's instruction budget, a machine
// operation, a page fault without a handler); this file says why in one
// sentence. A store's range is model-bound's (model_bound.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

std::string explain_bad_index(std::int64_t index, const StepContext& where);
std::string explain_division_by_zero(const StepContext& where);
std::string explain_bad_cpu(std::int64_t cpu, int cpus, const StepContext& where);
// a step that runs past its instruction budget or nests `either` too deep
std::string explain_runaway(const StepContext& where);
// a machine built-in that failed; `message` says how (empty: unknown)
std::string explain_machine_error(const std::string& message, const StepContext& where);
std::string explain_no_fault_handler(const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
