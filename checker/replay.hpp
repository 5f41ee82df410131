// Replays a saved trace (the JSON of `check --format json` or --trace-out)
// against a System, step by step, and says whether it still ends in its
// violation. The System may be an edited version of the protocol the trace
// was made on: each recorded step is found again among the steps the state
// allows by what it is (its CPU, task, function, statement, calls and which
// statement of that text in the function), not by its line or group number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/system.hpp"
#include "checker/trace.hpp"

namespace tlbcheck::checker {

enum class ReplayOutcome {
  Violated,      // every step was found again and the trace reaches a violation (exit 1)
  Diverged,      // a recorded step cannot be taken, or now does something else (exit 0)
  NoViolation,   // every step was found again, but the last state violates nothing (exit 0)
  DoesNotApply,  // the trace is of another protocol: its name, or a task or CPU a step names, is not this file's (exit 4)
  Malformed,     // not a trace (exit 2)
};

// tlbcheck replay's exit status for an outcome (the numbers above).
int exit_status(ReplayOutcome outcome);
// The outcome in a word or two for the JSON: "violated", "diverged", ...
std::string outcome_word(ReplayOutcome outcome);

// A step found again, but not as it was recorded: "now at line 17 (was 15)".
struct ReplayNote {
  std::uint32_t step = 0;  // 1-based
  std::string text;
};

struct ReplayResult {
  ReplayOutcome outcome = ReplayOutcome::NoViolation;
  bool confirmed = false;  // outcome is Violated
  bool malformed = false;  // outcome is Malformed: `message` names the first bad field
  int failed_step = 0;     // Diverged: the recorded step that no longer applies (1-based), else 0
  std::string message;     // one line: the outcome and why
  std::string recorded;    // Diverged: that step as the trace has it ("t1 on cpu0: free_frame(old); (line 41)")
  std::vector<std::string> instead;  // Diverged: what the protocol can take there (the same task's steps, else any)
  std::vector<ReplayNote> notes;
  Trace trace;             // the steps replayed, as far as they went
  PropertyId property;     // Violated: the property
  bool deadlock = false;   // Violated: no process can move at the end
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
// A recorded step with neither task nor action (a hand-made trace) is
// taken by its group and choice alone.
ReplayResult replay(const System& system, const nlohmann::json& trace);

// The replayed steps in `report` (whose header the caller filled): its
// result, steps and, for a violation, the explanation, for render_text
// (with trace_only) and render_json.
void describe_replay(const System& system, const ReplayResult& replayed, Report& report);

// replay --format json: the outcome, its exit status and meaning, the step
// it diverges at, the notes and the replayed trace (render_json's steps).
nlohmann::json replay_json(const System& system, const ReplayResult& replayed, const Report& report);

}  // namespace tlbcheck::checker
