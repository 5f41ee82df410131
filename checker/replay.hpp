// Replays a saved trace (the JSON of `check --format json` or --trace-out)
// against a System, step by step, and confirms the violation it ends in.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checker/system.hpp"

namespace tlbcheck::checker {

struct ReplayResult {
  bool confirmed = false;  // the trace applies and ends in the violation it claims
  int failed_step = 0;     // the first step that does not apply (1-based), 0 if none
  std::string message;
};

// `deadlock_enabled`: whether a state without successors counts as a violation.
ReplayResult replay(const System& system, const nlohmann::json& trace, bool deadlock_enabled);

}  // namespace tlbcheck::checker
