// The report for tools and people: the JSON fields of schema 1 (typed
// options, the violation as fields, the stop code, the schedule, the lanes,
// the caches per step), `replay` of typed and old all-string options, and the
// HTML page: its embedded data escaped, `check --html` and `show --html`.
// (tests/report_schema_test.py validates every golden report against
// checker/report.schema.json; tests/report_view_test.py opens the page in a
// browser.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "checker/replay.hpp"
#include "checker/trace_html.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;
using Json = nlohmann::json;

namespace {

struct Checked {
  cli::Loaded loaded;
  checker::Report report;
};

Checked check_protocol(const std::string& rel, std::vector<model::Define> defines = {}, std::uint64_t max_states = 0) {
  cli::Request request;
  request.file = rel;
  request.text = read_file(source_dir() + "/" + rel);
  request.load.defines = std::move(defines);
  Checked c{cli::load(request), {}};
  INFO(c.loaded.result.diagnostics);
  REQUIRE(c.loaded.result.system);
  checker::ExploreOptions o;
  o.threads = 1;
  o.max_states = max_states;
  c.report = cli::explore(c.loaded, rel, o);
  return c;
}

const std::string kLazy = "protocols/lazy_tlb_2_4.tlb";

}  // namespace

TEST_CASE("report: schema 1 types the options by their declared types", "[report]") {
  Checked c = check_protocol(kLazy, {{"tlb.speculative", "true"}, {"rounds", "3"}});
  Json j = checker::render_json(*c.loaded.result.system, c.report);
  CHECK(j["schema_version"] == 1);
  CHECK(j["options"]["fix"] == "none");           // an enum: its member's name
  CHECK(j["options"]["rounds"] == 3);             // an int: a number
  CHECK(j["options"]["cpus"] == 2);               // a machine field
  CHECK(j["options"]["tlb.speculative"] == true);  // a bool: a boolean
  CHECK(checker::option_text(Json(3)) == "3");
  CHECK(checker::option_text(Json(-1)) == "-1");
  CHECK(checker::option_text(Json(false)) == "false");
  CHECK(checker::option_text(Json("upstream")) == "upstream");
}

TEST_CASE("report: the violation as fields, the schedule, the lanes and the caches per step", "[report]") {
  Checked c = check_protocol(kLazy);
  const checker::System& system = *c.loaded.result.system;
  const checker::Report& r = c.report;
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  Json j = checker::render_json(system, r);
  CHECK(j["verdict"] == "violated");
  CHECK(j["stopped_by"].is_null());
  const Json& v = j["violation"];
  CHECK(v["property"] == r.property);
  CHECK(v["meaning"] == r.meaning);
  CHECK(v["sentence"] == r.explanation);
  CHECK(v["model_error"] == false);
  CHECK(v["step"] == r.violation.step);
  CHECK(v["cause"].size() == r.violation.cause.size());
  CHECK(v["cpu"] == (r.violation.cpu >= 0 ? Json(r.violation.cpu) : Json(nullptr)));

  const Json& trace = j["trace"];
  REQUIRE(trace.size() == r.steps.size());
  REQUIRE(j["schedule"].size() == trace.size());
  std::set<std::uint32_t> in_lanes;
  for (const Json& lane : j["cpus"]) {
    for (const Json& n : lane["steps"]) {
      CHECK(trace[n.get<std::size_t>() - 1]["cpu"] == lane["cpu"]);
      CHECK(in_lanes.insert(n.get<std::uint32_t>()).second);
    }
  }
  CHECK(in_lanes.size() == trace.size());  // every step in exactly one lane
  CHECK(j["cpus"][0]["cpu"] == 0);
  CHECK(j["cpus"][1]["cpu"] == 1);

  // the caches: per CPU and shared, every CPU listed; an entry changes only
  // in a step that changes its slot, to the value the change records
  std::set<std::string> hardware_slots;
  for (const checker::Slot& s : system.layout().slots) {
    if (s.hardware) hardware_slots.insert(s.name);
  }
  REQUIRE_FALSE(hardware_slots.empty());
  auto entries = [](const Json& hw) {
    std::map<std::string, std::string> out;
    for (const auto& [key, list] : hw.items()) {
      for (const Json& e : list) out[e["slot"].get<std::string>()] = e["value"].get<std::string>();
    }
    return out;
  };
  REQUIRE(j["initial_hardware"].is_object());
  for (const char* key : {"cpu0", "cpu1", "shared"}) CHECK(j["initial_hardware"].contains(key));
  std::map<std::string, std::string> before = entries(j["initial_hardware"]);
  bool cpu1_tlb = false;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    INFO("step " << i + 1);
    const Json& s = trace[i];
    CHECK(s["step"] == i + 1);
    const Json& sched = j["schedule"][i];
    CHECK(sched == Json{{"step", i + 1}, {"cpu", s["cpu"]}, {"task", s["task"]}, {"group", s["group"]}, {"choice", s["choice"]}});
    std::map<std::string, std::string> now = entries(s["hardware"]);
    std::map<std::string, std::string> expected = before;
    for (const Json& ch : s["changes"]) {
      std::string slot = ch["slot"];
      if (hardware_slots.count(slot) == 0) continue;
      if (now.count(slot)) CHECK(now[slot] == ch["to"]);
      else expected.erase(slot);  // emptied
      if (now.count(slot)) expected[slot] = now[slot];
    }
    CHECK(now == expected);
    for (const Json& e : s["hardware"]["cpu1"]) {
      CHECK(e["slot"].get<std::string>().rfind("cpu1.", 0) == 0);
      cpu1_tlb = cpu1_tlb || e["slot"].get<std::string>().rfind("cpu1.tlb[", 0) == 0;
    }
    before = now;
  }
  CHECK(cpu1_tlb);  // the stale translation lives in cpu1's TLB
}

TEST_CASE("report: a step's call chain, branch and further statements, and the violation's fields, as given", "[report]") {
  Checked c = check_protocol(kLazy);
  checker::Report r = c.report;
  REQUIRE(r.steps.size() >= 2);
  r.steps[0].calls = {"flush_tlb_mm(mm)", "flush_tlb_others(mask)"};
  r.steps[0].branch = false;
  r.steps[0].more = {"x = 1;", "y = 2;"};
  r.steps[1].calls.clear();
  r.steps[1].branch.reset();
  r.steps[1].more.clear();
  r.violation.cpu = 1;
  r.violation.task = "t2";
  r.violation.page = "V";
  r.violation.frame = "frame1";
  r.violation.step = 7;
  r.violation.cause = {{3, "cpu1's TLB entry for V was filled"}, {7, "t2 read V"}};
  Json j = checker::render_json(*c.loaded.result.system, r);
  CHECK(j["trace"][0]["calls"] == Json{"flush_tlb_mm(mm)", "flush_tlb_others(mask)"});
  CHECK(j["trace"][0]["branch"] == false);
  CHECK(j["trace"][0]["more"] == Json{"x = 1;", "y = 2;"});
  for (const char* key : {"calls", "branch", "more"}) CHECK_FALSE(j["trace"][1].contains(key));
  const Json& v = j["violation"];
  CHECK(v["cpu"] == 1);
  CHECK(v["task"] == "t2");
  CHECK(v["page"] == "V");
  CHECK(v["frame"] == "frame1");
  CHECK(v["step"] == 7);
  CHECK(v["cause"] == Json::parse(R"([{"step": 3, "text": "cpu1's TLB entry for V was filled"}, {"step": 7, "text": "t2 read V"}])"));
  // and empty ones are null
  r.violation = {};
  Json empty = checker::render_json(*c.loaded.result.system, r)["violation"];
  for (const char* key : {"cpu", "task", "page", "frame"}) CHECK(empty[key].is_null());
  CHECK(empty["cause"] == Json::array());
}

TEST_CASE("report: a run that stops early names its stop code -- one that holds has no violation", "[report]") {
  Checked stopped = check_protocol(kLazy, {}, 50);
  REQUIRE(stopped.report.result.outcome == checker::Outcome::Incomplete);
  Json j = checker::render_json(*stopped.loaded.result.system, stopped.report);
  CHECK(j["verdict"] == "incomplete");
  CHECK(j["stopped_by"]["code"] == "max-states");
  CHECK(j["stopped_by"]["sentence"] == "stopped by the state limit (--max-states) before every state was explored; nothing is proved");
  CHECK(j["violation"].is_null());
  CHECK(j["trace"] == Json::array());
  CHECK(j["schedule"] == Json::array());

  Checked holds = check_protocol(kLazy, {{"fix", "upstream"}});
  REQUIRE(holds.report.result.outcome == checker::Outcome::Holds);
  j = checker::render_json(*holds.loaded.result.system, holds.report);
  CHECK(j["stopped_by"].is_null());
  CHECK(j["violation"].is_null());
  CHECK(j["initial_hardware"].is_null());
  CHECK(j["options"]["fix"] == "upstream");
}

TEST_CASE("report: replay takes typed option values and the strings of older reports", "[report][replay]") {
  std::string dir = temp_dir();
  std::string proto = quote(source_dir() + "/" + kLazy);
  std::string saved = dir + "/lazy.json";
  RunResult r = run(testing::check_cli() + " " + proto + " -q -D tlb.speculative=true --trace-out " + quote(saved));
  REQUIRE(r.exit == 1);
  Json doc = Json::parse(read_file(saved));
  REQUIRE(doc["options"]["tlb.speculative"] == true);
  REQUIRE(doc["options"]["cpus"] == 2);
  RunResult typed = run(quote(testing::cli()) + " replay " + proto + " " + quote(saved));
  CHECK(typed.exit == 1);
  CHECK_THAT(typed.output, Catch::StartsWith("still violated"));
  // schema 0: every value a string
  for (auto& [name, value] : doc["options"].items()) value = checker::option_text(value);
  doc.erase("schema_version");
  write_file(dir + "/old.json", doc.dump());
  RunResult old = run(quote(testing::cli()) + " replay " + proto + " " + quote(dir + "/old.json"));
  CHECK(old.exit == 1);
  CHECK(old.output == typed.output);
  // a value of no option type is refused before anything runs
  doc["options"]["cpus"] = 2.5;
  write_file(dir + "/bad.json", doc.dump());
  RunResult bad = run(quote(testing::cli()) + " replay " + proto + " " + quote(dir + "/bad.json"));
  CHECK(bad.exit == 2);
  CHECK_THAT(bad.output, Catch::Contains(".options.cpus: expected a string, an integer or a boolean, found 2.5"));
}

TEST_CASE("report: the page's data cannot end its script element", "[report]") {
  Json doc = {{"protocol", "</script><script>alert(1)</script><!--"}, {"action", "a < b && c > d"}, {"trace", Json::array()}};
  std::string data = checker::json_for_script(doc);
  CHECK(data.find('<') == std::string::npos);
  CHECK(data.find('>') == std::string::npos);
  CHECK(data.find('&') == std::string::npos);
  CHECK(Json::parse(data) == doc);  // the escapes read back as the same text
  std::string page = checker::render_html(doc);
  CHECK(page.find(data) != std::string::npos);
  std::size_t closes = 0;
  for (std::size_t at = page.find("</script"); at != std::string::npos; at = page.find("</script", at + 1)) ++closes;
  CHECK(closes == 2);  // the data's and the renderer's own, nothing from the report
  CHECK(page.find("<!--") == std::string::npos);
  // no byte that is not UTF-8 gets through (a file name may be any bytes)
  std::string bad = checker::json_for_script(Json{{"file", std::string("a\xff" "b")}});
  CHECK(bad.find("\xff") == std::string::npos);
  CHECK(Json::parse(bad)["file"] == "a\xef\xbf\xbd" "b");
}

TEST_CASE("report: check --html and show --html write one self-contained page -- show refuses what is not a report", "[report][cli]") {
  std::string dir = temp_dir();
  std::string proto = quote(source_dir() + "/" + kLazy);
  RunResult r = run(testing::check_cli() + " " + proto + " -q --html " + quote(dir + "/lazy.html") + " --trace-out " + quote(dir + "/lazy.json"));
  REQUIRE(r.exit == 1);
  CHECK_THAT(r.output, Catch::Contains("verdict: violated"));  // the text report still goes to stdout
  std::string page = read_file(dir + "/lazy.html");
  CHECK_THAT(page, Catch::StartsWith("<!DOCTYPE html>"));
  CHECK(page.find("src=") == std::string::npos);  // nothing loaded from elsewhere
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  Json doc = Json::parse(read_file(dir + "/lazy.json"));
  CHECK(page.find(checker::json_for_script(doc)) != std::string::npos);  // the report it embeds

  RunResult shown = run(quote(testing::cli()) + " show " + quote(dir + "/lazy.json") + " --html " + quote(dir + "/shown.html"));
  CHECK(shown.exit == 0);
  CHECK(read_file(dir + "/shown.html") == page);

  write_file(dir + "/not-json.json", "{\"trace\": [");
  write_file(dir + "/not-trace.json", R"({"trace": [{"group": -1, "choice": 0}]})");
  write_file(dir + "/bad-step.json", R"json({"trace": [{"group": 1, "choice": 0, "calls": "f()"}]})json");
  const std::pair<std::string, std::string> bad[] = {
      {dir + "/missing.json", "cannot read"},
      {dir + "/not-json.json", "is not a JSON trace"},
      {dir + "/not-trace.json", ".trace[0].group: expected a transition group"},
      {dir + "/bad-step.json", ".trace[0].calls: expected a list, found \"f()\""},
  };
  for (const auto& [file, message] : bad) {
    INFO(file);
    RunResult b = run(quote(testing::cli()) + " show " + quote(file) + " --html " + quote(dir + "/out.html"));
    CHECK(b.exit == 2);
    CHECK_THAT(b.output, Catch::Contains(message));
  }
  CHECK(run(quote(testing::cli()) + " show " + quote(dir + "/lazy.json")).exit == 2);  // --html is required
  RunResult unwritable = run(quote(testing::cli()) + " show " + quote(dir + "/lazy.json") + " --html " + quote(dir + "/no/such/dir/x.html"));
  CHECK(unwritable.exit == 2);
  CHECK_THAT(unwritable.output, Catch::Contains("cannot write"));
}
