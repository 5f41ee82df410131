// Replays a saved trace (the JSON of `check --format json` or --trace-out)
// against a System, step by step, and confirms the violation it ends in.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checker/system.hpp"

namespace tlbcheck::checker {

struct ReplayResult {
  bool confirmed = false;  // the trace applies and ends in the violation it claims
  bool malformed = false;  // the file is not a trace: `message` names the first bad field
  int failed_step = 0;     // the first step that does not apply (1-based), 0 if none
  std::string message;
};

// Checks that a document has the shape of a trace before anything in it is
// used: every field tlbcheck writes, with its type and range. Returns the
// first field that is wrong, as its path in the document and what was
// expected there (".trace[2].line: expected a line number (an integer from
// 0 to 4294967295), found 1e+30"), or an empty string.
std::string trace_shape_error(const nlohmann::json& doc);

// The -D text of an option's value in a report: a string as it is, an
// integer in decimal, a boolean as true or false (schema 1 types the values;
// reports before it wrote every value as a string). Call it on a document
// trace_shape_error() accepted.
std::string option_text(const nlohmann::json& value);

// A state without successors counts as a violation when the System checks
// deadlocks. A document that fails trace_shape_error() is not replayed.
ReplayResult replay(const System& system, const nlohmann::json& trace);

}  // namespace tlbcheck::checker
