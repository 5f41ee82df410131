// The shape check of a trace document before replay (checker/replay.hpp):
// every field tlbcheck writes, with its type and range; the first bad one
// is named by its path.
#include <catch2/catch.hpp>

#include "checker/replay.hpp"

using tlbcheck::checker::trace_shape_error;
using Json = nlohmann::json;

namespace {

Json good() {
  return Json::parse(R"json({
    "options": {"cpus": "2", "fix": "none"},
    "properties": ["assertion", "deadlock"],
    "trace": [
      {"step": 1, "cpu": 0, "task": "a", "context": "", "action": "x = 1;", "file": "t.tlb", "line": 3, "group": 0, "choice": 0,
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
