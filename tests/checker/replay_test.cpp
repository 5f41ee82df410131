// Replay (checker/replay.hpp): the shape check of a trace document, every
// field tlbcheck writes with its type and range, the first bad one named by
// its path; and a trace replayed on edited versions of its protocol, each
// step found again by what it is.
#include <catch2/catch.hpp>

#include "checker/replay.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using tlbcheck::testing::load_text;
using tlbcheck::checker::trace_shape_error;
using Json = nlohmann::json;

namespace {

Json good() {
  return Json::parse(R"json({
    "options": {"cpus": "2", "fix": "none"},
    "properties": ["assertion", "deadlock"],
    "trace": [
      {"step": 1, "cpu": 0, "task": "a", "context": "", "action": "x = 1;", "function": "a", "occurrence": 1, "file": "t.tlb", "line": 3, "group": 0, "choice": 0,
       "changes": [{"slot": "x", "from": "0", "to": "1"}], "calls": ["f()"], "branch": true, "more": ["y = 2;"],
       "hardware": {"cpu0": [], "cpu1": [{"slot": "cpu1.tlb[V]", "value": "frame1 rw"}], "shared": [{"slot": "dcache", "value": "x"}]}},
      {"step": 2, "cpu": -1, "task": "hw", "line": 0, "group": 7, "choice": 2, "changes": []}
    ]})json");
}

}  // namespace

TEST_CASE("replay: a trace as tlbcheck writes it has the right shape", "[replay]") {
  CHECK(trace_shape_error(good()) == "");
  Json typed = good();  // schema 1: option values typed
  typed["options"] = {{"cpus", 2}, {"fix", "none"}, {"tlb.speculative", true}};
  CHECK(trace_shape_error(typed) == "");
  Json minimal = Json::parse(R"({"trace": [{"group": 0, "choice": 0}]})");
  CHECK(trace_shape_error(minimal) == "");
  Json nulls = good();  // null stands for an absent optional field
  nulls["trace"][0]["line"] = nullptr;
  CHECK(trace_shape_error(nulls) == "");
}

TEST_CASE("replay: the first malformed field is named by its path", "[replay]") {
  struct Case {
    const char* pointer;  // where to put the bad value (JSON pointer)
    Json value;
    const char* message;
  };
  const Case cases[] = {
      {"/trace", Json("no"), ".trace: expected a list, found \"no\""},
      {"/trace/1", Json(5), ".trace[1]: expected an object, found 5"},
      {"/trace/0/group", Json(-1), ".trace[0].group: expected a transition group (an integer from 0 to 4294967295), found -1"},
      {"/trace/0/group", Json(4294967296ULL), ".trace[0].group: expected a transition group (an integer from 0 to 4294967295), found 4294967296"},
      {"/trace/0/group", Json(1.5), ".trace[0].group: expected a transition group (an integer from 0 to 4294967295), found 1.5"},
      {"/trace/1/choice", Json("0"), ".trace[1].choice: expected a successor's ordinal (an integer from 0 to 4294967295), found \"0\""},
      {"/trace/0/line", Json(1e30), ".trace[0].line: expected a line number (an integer from 0 to 4294967295), found 1e+30"},
      {"/trace/0/line", Json(-3), ".trace[0].line: expected a line number (an integer from 0 to 4294967295), found -3"},
      {"/trace/0/cpu", Json(-2), ".trace[0].cpu: expected a CPU number or -1 (an integer from -1 to 4294967295), found -2"},
      {"/trace/0/task", Json(3), ".trace[0].task: expected a string, found 3"},
      {"/trace/0/action", Json::array(), ".trace[0].action: expected a string, found []"},
      {"/trace/0/changes", Json::object(), ".trace[0].changes: expected a list, found {}"},
      {"/trace/0/changes/0/slot", Json(7), ".trace[0].changes[0].slot: expected a string, found 7"},
      {"/trace/0/changes/0/to", Json(true), ".trace[0].changes[0].to: expected a string, found true"},
      {"/options/cpus", Json(2.5), ".options.cpus: expected a string, an integer or a boolean, found 2.5"},
      {"/options/cpus", Json::array(), ".options.cpus: expected a string, an integer or a boolean, found []"},
      {"/trace/0/calls", Json("f()"), ".trace[0].calls: expected a list, found \"f()\""},
      {"/trace/0/more/0", Json(1), ".trace[0].more[0]: expected a string, found 1"},
      {"/trace/0/branch", Json("yes"), ".trace[0].branch: expected true or false, found \"yes\""},
      {"/trace/0/function", Json(1), ".trace[0].function: expected a string, found 1"},
      {"/trace/0/occurrence", Json(0), ".trace[0].occurrence: expected a statement's place among those of its text (an integer from 1 to 4294967295), found 0"},
      {"/trace/0/hardware/cpu1", Json("x"), ".trace[0].hardware.cpu1: expected a list, found \"x\""},
      {"/trace/0/hardware/shared/0/value", Json(3), ".trace[0].hardware.shared[0].value: expected a string, found 3"},
      {"/options", Json::array(), ".options: expected an object, found []"},
      {"/properties", Json("assertion"), ".properties: expected a list, found \"assertion\""},
      {"/properties/1", Json(1), ".properties[1]: expected a string, found 1"},
  };
  for (const Case& c : cases) {
    Json doc = good();
    doc[Json::json_pointer(c.pointer)] = c.value;
    INFO(c.pointer);
    CHECK(trace_shape_error(doc) == c.message);
  }
  Json missing = good();
  missing["trace"][1].erase("choice");
  CHECK(trace_shape_error(missing) == ".trace[1].choice: missing");
  missing = good();
  missing["trace"][0]["changes"][0].erase("slot");
  CHECK(trace_shape_error(missing) == ".trace[0].changes[0].slot: missing");
  CHECK(trace_shape_error(Json::parse(R"({"steps": []})")) == ".trace: missing");
  CHECK(trace_shape_error(Json::array()) == "the document: expected an object, found []");
  // the first bad field in document order wins
  Json two = good();
  two["trace"][0]["line"] = "x";
  two["trace"][1]["group"] = "y";
  CHECK(trace_shape_error(two) == ".trace[0].line: expected a line number (an integer from 0 to 4294967295), found \"x\"");
  // long values are shortened
  Json long_value = good();
  long_value["trace"][0]["task"] = Json::array({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  CHECK(trace_shape_error(long_value).find("...") != std::string::npos);
}

namespace {

// lost_update.tlb: both CPUs load 0, both store 1, the observer's assert fails
const std::string kLostUpdate = R"(protocol "lost_update"
machine { cpus = 2; }
var counter: int[0..2] = 0;
var done: int[0..2] = 0;
process inc on each cpu {
  let t: int[0..2] = counter;
  counter = t + 1;
  done += 1;
}
process observer on cpu 0 {
  await(done == 2);
  assert(counter == 2);
}
)";

// The JSON report of a protocol's counterexample, as --trace-out writes it.
Json counterexample(const std::string& text) {
  cli::Loaded loaded = load_text(text);
  checker::Report report = cli::explore(loaded, "t.tlb", checker::ExploreOptions{});
  REQUIRE(report.result.outcome == checker::Outcome::Violated);
  return checker::render_json(*loaded.result.system, report);
}

checker::ReplayResult replay_on(const std::string& text, const Json& doc) { return checker::replay(*load_text(text).result.system, doc); }

std::string edited(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("replay: each step records its function and its place among equal statements", "[replay]") {
  const Json doc = counterexample(R"(protocol "twice"
machine { cpus = 1; }
var x: int[0..3] = 0;
fn bump() { x += 1; }
process p on cpu 0 {
  x += 1;
  x += 1;
  bump();
  assert(x == 2);
}
)");
  REQUIRE(doc["trace"].size() == 4);
  CHECK(doc["trace"][0]["function"] == "p");
  CHECK(doc["trace"][0]["occurrence"] == 1);
  CHECK(doc["trace"][1]["occurrence"] == 2);
  CHECK(doc["trace"][2]["function"] == "bump");  // (the innermost call's)
  CHECK(doc["trace"][2]["occurrence"] == 1);
  CHECK(doc["trace"][3]["action"] == "assert(x == 2);");
}

TEST_CASE("replay: a step is found again by what it is, its line only a note", "[replay]") {
  using checker::ReplayOutcome;
  const Json doc = counterexample(kLostUpdate);
  checker::ReplayResult same = replay_on(kLostUpdate, doc);
  CHECK(same.outcome == ReplayOutcome::Violated);
  CHECK(same.notes.empty());
  CHECK(same.trace.groups.size() == 8);

  // every line moved: the same steps, each noted
  checker::ReplayResult moved = replay_on("// a comment\n// and another\n" + kLostUpdate, doc);
  INFO(moved.message);
  CHECK(moved.outcome == ReplayOutcome::Violated);
  CHECK(moved.confirmed);
  REQUIRE(moved.notes.size() == 8);
  CHECK(moved.notes[2].step == 3);
  CHECK(moved.notes[2].text == "now at line 9 (was 7)");

  // a statement respaced, and groups renumbered by a process declared first
  const std::string respaced = edited(edited(kLostUpdate, "counter = t + 1;", "counter = t+1;"), "process inc", "process idle on cpu 1 { await(done == 2); }\nprocess inc");
  REQUIRE(load_text(respaced).result.system->groups()[0].process == "idle");
  checker::ReplayResult reworded = replay_on(respaced, doc);
  INFO(reworded.message);
  CHECK(reworded.outcome == ReplayOutcome::Violated);
  REQUIRE(reworded.notes.size() == 8);
  CHECK(reworded.notes[2].text == "now at line 8 (was 7); now reads 'counter = t+1;' (was 'counter = t + 1;')");

  // the place among equal statements moved: found, and noted
  Json other_place = doc;
  other_place["trace"][6]["occurrence"] = 2;
  checker::ReplayResult placed = replay_on(kLostUpdate, other_place);
  CHECK(placed.outcome == ReplayOutcome::Violated);
  REQUIRE(placed.notes.size() == 1);
  CHECK(placed.notes[0].text == "now statement 1 of that text in observer (was 2)");
}

TEST_CASE("replay: a fixed protocol diverges at a named step", "[replay]") {
  using checker::ReplayOutcome;
  const Json doc = counterexample(kLostUpdate);
  // an atomic increment: cpu0's store is the same step a little reworded;
  // cpu1's now writes 2 where the trace's wrote 1 again
  checker::ReplayResult fixed = replay_on(edited(kLostUpdate, "counter = t + 1;", "counter += 1;"), doc);
  INFO(fixed.message);
  CHECK(fixed.outcome == ReplayOutcome::Diverged);
  CHECK(fixed.failed_step == 5);
  CHECK_THAT(fixed.message, Catch::Contains("diverges at step 5") && Catch::Contains("'counter = t + 1;' (in inc, line 7) of inc@cpu1 now changes {counter -> 2} but the trace records nothing"));
  REQUIRE_FALSE(fixed.notes.empty());
  CHECK(fixed.notes[0].text == "now reads 'counter += 1;' (was 'counter = t + 1;')");
  CHECK(fixed.trace.groups.size() == 4);

  // the observer asserts before it waits: its step cannot be taken, and what it can take is named
  checker::ReplayResult early = replay_on(edited(kLostUpdate, "await(done == 2);", "await(done >= 1);"), doc);
  INFO(early.message);
  CHECK(early.outcome == ReplayOutcome::Violated);  // (reworded a little: the same step, and the same violation)
  checker::ReplayResult gone = replay_on(edited(kLostUpdate, "  assert(counter == 2);\n", "  counter = 0;\n  assert(counter == 0);\n"), doc);
  INFO(gone.message);
  CHECK(gone.outcome == ReplayOutcome::Diverged);
  CHECK(gone.failed_step == 8);
  CHECK(gone.recorded == "observer on cpu0: 'assert(counter == 2);' (in observer, line 12)");
  CHECK(gone.instead == std::vector<std::string>{"'counter = 0;' (in observer, line 12)"});

  // every step replays, the violation is gone
  Json shorter = doc;
  shorter["trace"].erase(shorter["trace"].size() - 1);
  CHECK(replay_on(kLostUpdate, shorter).outcome == ReplayOutcome::NoViolation);
}

TEST_CASE("replay: a trace of another protocol does not apply", "[replay]") {
  using checker::ReplayOutcome;
  const Json doc = counterexample(kLostUpdate);
  checker::ReplayResult renamed = replay_on(edited(kLostUpdate, "process observer", "process watcher"), doc);
  CHECK(renamed.outcome == ReplayOutcome::DoesNotApply);
  CHECK(renamed.message == "does not apply: step 7 is by observer on cpu0, which this protocol does not have");
  checker::ReplayResult other = replay_on(edited(kLostUpdate, "\"lost_update\"", "\"counter\""), doc);
  CHECK(other.outcome == ReplayOutcome::DoesNotApply);
  CHECK(other.message == "does not apply: the trace is of protocol 'lost_update', this file is 'counter'");
  CHECK(checker::exit_status(ReplayOutcome::DoesNotApply) == 4);
  CHECK(checker::exit_status(ReplayOutcome::Violated) == 1);
  CHECK(checker::exit_status(ReplayOutcome::Diverged) == 0);
  CHECK(checker::exit_status(ReplayOutcome::Malformed) == 2);
}
