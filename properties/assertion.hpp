// The `assertion` property: every assert(c) holds, no BUG_ON(c) fires, no
// BUG() is reached. The step that runs one records the violation in the
// state it produces (the lowering places a site at each); this file says
// why in one sentence.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

enum class AssertionKind : std::uint8_t { Assert, BugOn, Bug };

// "assertion 'assert(counter == 2);' failed in observer on cpu0 at
// lost_update.tlb:23, with counter = 1"
std::string explain_assertion(AssertionKind kind, const StepContext& where);

}  // namespace tlbcheck::properties
