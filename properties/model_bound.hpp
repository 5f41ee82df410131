// The `model-bound` property, always checked: no value leaves the range its
// declaration gives it (`int[0..3]`, a function's result, a local). The
// kernel's counters are machine words; a protocol narrows them to keep the
// state small, so a value that does not fit says that the *model* is too
// small for this configuration (`-D cpus=4` with a reader count of
// int[0..3]), not that the kernel is wrong. The checker reports it as an
// error of the input (exit 2) with the trace that reaches it and the
// declaration to widen, never as a violation of the protocol.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// "model-bound: value 4 does not fit 'readers' of type int[0..3] in p on
// cpu1 at t.tlb:5: a bound of the model is too small for this
// configuration; widen the declaration at t.tlb:2"
std::string explain_model_bound(std::int64_t value, const std::string& variable, const std::string& type, const std::string& declared_at,
                                const StepContext& where);

}  // namespace tlbcheck::properties
