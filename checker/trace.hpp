// A run's outcome as people read it: the protocol, the options, the verdict,
// the numbers and, for a violation, the counterexample step by step with the
// slots each step changed. Built once from an ExploreResult and printed as
// text (one column per CPU) or JSON (for tools and `tlbcheck replay`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/explorer.hpp"
#include "checker/system.hpp"

namespace tlbcheck::checker {

struct Change {
  std::string slot;
  std::string before;
  std::string after;
};

struct Step {
  std::uint32_t number = 0;  // 1-based
  GroupId group;
  std::uint32_t choice = 0;  // which of the group's successors (for nondeterministic steps)
  std::string action;        // what the step did (the statement it ended at)
  std::uint32_t line = 0;
  std::string file;          // the line's file when it is an imported one (else empty: the protocol's)
  std::vector<std::string> also_ran;  // calls the step ran before the statement it is named after
  // the calls the statement is in, outermost first ("tlb_finish_mmu(tlb)", "__tlb_reset_range(tlb)")
  std::vector<std::string> calls;
  // a step that tested a condition (if, while, await): whether it held; empty for other steps
  std::optional<bool> branch;
  // the further statements of the step when it ran several (an atomic block), after `action`
  std::vector<std::string> more;
  // what names the step without a line number (checker/replay.hpp): the
  // function its statement is in (the innermost call's, else the task's or
  // handler's own name; empty for the hardware) and which statement of that
  // text in it (System::StepText::occurrence; 0: not known)
  std::string function;
  std::uint32_t occurrence = 0;
  std::vector<Change> changes;
};

// One link of a violation's cause chain: a step and what it did to the
// state the violation depends on ("cpu1's TLB entry for V was filled with
// frame1 rw", "invlpg(V) on cpu0 did not reach cpu1").
struct Cause {
  std::uint32_t step = 0;  // 1-based; 0: the initial state
  std::string text;
};

// The violation as structured fields, besides the sentence.
struct Violation {
  int cpu = -1;           // the CPU whose step broke the property (-1: none)
  std::string task;       // the task or handler that ran it
  std::string page;       // the virtual page involved, when there is one
  std::string frame;      // the frame involved, when there is one
  std::uint32_t step = 0; // the violating step (0: the initial state)
  std::vector<Cause> cause;  // how the state came to be, in step order
};

// A machine setting of the run outside what the protocol declares it
// supports (`supports FIELD = VALUE "why";`).
struct Unsupported {
  std::string setting;   // "tlb.pcid=true"
  std::string supports;  // "tlb.pcid = false"
  std::string reason;    // the declaration's reason ("": none)
};

struct Report {
  std::string protocol;
  std::string file;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<Unsupported> unsupported;  // empty: the run is within the supported settings
  std::vector<nlohmann::json> option_values;  // options' values as the model types them (integer, boolean, enum name); empty: not known
  ExploreResult result;
  std::string property;     // the violated property's name
  std::string meaning;      // its one-line meaning
  bool model_error = false; // the violated property says the model is too small (exit 2), not the protocol wrong
  std::string explanation;  // one sentence with the values involved
  Violation violation;      // the same as fields (for a violation)
  std::vector<Step> steps;
  std::uint64_t peak_rss_bytes = 0;
  std::uint32_t state_bytes = 0;
  std::string engine = "interpreter";  // how steps ran: "interpreter" or "native" (compiled C)
  // whether dead variables were reset at step ends (a reduction of the model;
  // --keep-dead turns it off); not known: left out of the JSON
  std::optional<bool> dead_reset;
  // CPU symmetry reduction: asked for (the default of check), the classes of
  // interchangeable CPUs it used (result.symmetry: it did), and why the
  // other CPUs keep their numbers
  bool symmetry_asked = false;
  std::vector<std::vector<int>> symmetry_classes;
  std::vector<std::string> symmetry_notes;
  // value symmetry: each symmetric enum whose values it renamed, with those values
  struct SymmetricValues {
    std::string type;
    std::vector<std::string> values;
  };
  std::vector<SymmetricValues> symmetry_values;
  // partial-order reduction (--por): asked for; result.por says it ran
  bool por_asked = false;
  std::string engine_note;             // why they were not native where that was asked for or the default ("": nothing to say)
  // --show-hw: each CPU's hardware (root, ASID, TLB, walk cache; the data
  // cache) in its column, what changed at each step or, with show_hw_all,
  // all of it after every step; stale entries marked
  bool show_hw = false;
  bool show_hw_all = false;
  bool initial_state = false;  // a row 0 with the initial values
  std::uint32_t width = 0;     // of the text report's table, in characters; 0: 160
  // the text report is the protocol, the options and the steps' table (with
  // the violation, when there is one), nothing of a search: a replayed trace,
  // which may end without a violation
  bool trace_only = false;
  std::vector<std::string> checked;  // the properties that were checked, for the closing line (empty: not known)
};

// Fills property, meaning, explanation and steps from report.result.
void describe(const System& system, Report& report);

// The steps of a trace, each as the System describes it, whether or not the
// trace ends in a violation (replay shows a trace that no longer does).
std::vector<Step> describe_steps(const System& system, const Trace& trace);

// The function a step's statement is in (Step::function): the innermost
// call's name, else the task's or handler's ("invalidate_interrupt@cpu1"
// is "invalidate_interrupt"); empty for the hardware's steps.
std::string step_function(const Group& group, const std::vector<std::string>& calls);

// Differences between two states, in layout order, internal slots left out,
// and slots dead in `after` (System::is_dead: reset, not changed).
std::vector<Change> changes_between(const System& system, ConstStateRef before, ConstStateRef after);

std::string render_text(const System& system, const Report& report);
// "outside the supported settings: ..." lines, one per setting ("": none).
std::string unsupported_text(const Report& report);
// The engine for the report's time line: "native", or "interpreter" and
// why, when native steps were asked for or the default.
std::string engine_text(const Report& report);
// Several ranks: a line with each rank's states and store and what the
// exchange cost ("" with one process).
std::string ranks_text(const ExploreResult& r);
// A line of a text cell broken into lines of at most `width` characters
// (at spaces where it can), continuation lines indented; nothing is cut.
std::vector<std::string> wrap(const std::string& line, std::size_t width);
nlohmann::json render_json(const System& system, const Report& report);

// A JSON report as text, indented. Anything that is not UTF-8 (a file name
// given on the command line may be any bytes) is written as U+FFFD instead
// of failing; the protocol's own text is UTF-8 (the lexer checks it).
std::string json_text(const nlohmann::json& json);

std::string outcome_name(Outcome o);

}  // namespace tlbcheck::checker
