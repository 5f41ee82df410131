// Configuration matrices, patches applied in memory, and the command line's
// contract around them (--version, --time-limit, SIGTERM, limits, -D).
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "checker/cli/matrix.hpp"
#include "checker/cli/patch.hpp"
#include "tests/support.hpp"

using namespace tlbcheck::testing;
namespace cli = tlbcheck::cli;
namespace model = tlbcheck::model;

namespace {

std::string testing_cli() { return tlbcheck::testing::cli(); }

std::string source(const std::string& rel) { return quote(source_dir() + "/" + rel); }

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / ("tlbcheck_matrix_test_" + name)).string();
  std::ofstream(path) << text;
  return path;
}

nlohmann::json json_of(const RunResult& r) {
  const std::size_t begin = r.output.find('{');
  REQUIRE(begin != std::string::npos);
  return nlohmann::json::parse(r.output.substr(begin));
}

}  // namespace

TEST_CASE("matrix: -D lists and ranges become axes, the first varying slowest", "[matrix]") {
  std::vector<cli::Axis> axes;
  std::string error;
  REQUIRE(cli::parse_axes({"fix=none,upstream", "cpus=2..4", "tlb.speculative=true"}, axes, error));
  REQUIRE(axes.size() == 3);
  CHECK(axes[1].values == std::vector<std::string>{"2", "3", "4"});
  CHECK(cli::cell_count(axes) == 6);
  std::vector<model::Define> last = cli::cell_defines(axes, 5);
  CHECK(last[0].value == "upstream");
  CHECK(last[1].value == "4");
  CHECK(cli::cell_defines(axes, 1)[0].value == "none");
  CHECK(cli::cell_defines(axes, 1)[1].value == "3");
  axes.clear();
  REQUIRE(cli::parse_axes({"cpus=1,3..4,-1..0"}, axes, error));
  CHECK(axes[0].values == std::vector<std::string>{"1", "3", "4", "-1", "0"});

  for (const char* bad : {"cpus=4..2", "cpus=2,,3", "cpus=", "fix=a..b", "=3", "cpus", "cpus=2..", "cpus=..3", "cpus=2,2", "cpus=1,0..2",
                          "cpus=9223372036854775807..9223372036854775807x", "cpus=99999999999999999999..1", "cpus=-9223372036854775808..9223372036854775807"}) {
    axes.clear();
    error.clear();
    INFO(bad);
    CHECK_FALSE(cli::parse_axes({bad}, axes, error));
    CHECK_FALSE(error.empty());
  }
  axes.clear();
  REQUIRE(cli::parse_axes({"cpus=9223372036854775807..9223372036854775807"}, axes, error));  // one value, at the limit
  CHECK(axes[0].values == std::vector<std::string>{"9223372036854775807"});
  axes.clear();
  CHECK_FALSE(cli::parse_axes({"fix=none", "fix=upstream"}, axes, error));
  CHECK(error.find("given twice") != std::string::npos);
  axes.clear();
  CHECK_FALSE(cli::parse_axes({"a=1..100", "b=1..100", "c=1..2"}, axes, error));
  CHECK(error.find("more than 10000 configurations") != std::string::npos);
}

TEST_CASE("patch: a unified diff applies at its line, moved, or not at all with the hunk named", "[matrix][patch]") {
  const std::string text = "one\ntwo\nthree\nfour\nfive\n";
  const std::string diff =
      "From: someone\nSubject: [PATCH] change three\n\n--- a/dir/x.tlb\n+++ b/dir/x.tlb\n@@ -2,3 +2,3 @@ heading\n two\n-three\n+THREE\n four\n";
  std::string error;
  std::vector<cli::FilePatch> files = cli::parse_diff(diff, error);
  REQUIRE(files.size() == 1);
  CHECK(files[0].path == "dir/x.tlb");
  REQUIRE(files[0].hunks.size() == 1);
  CHECK(files[0].hunks[0].diff_line == 6);

  cli::Applied a = cli::apply_file_patch(text, files[0], "p.diff", "x.tlb");
  REQUIRE(a.ok);
  CHECK(a.text == "one\ntwo\nTHREE\nfour\nfive\n");
  CHECK(a.notes.empty());

  // two lines added at the top: found two lines further, and said so
  a = cli::apply_file_patch("// a\n// b\n" + text, files[0], "p.diff", "x.tlb");
  REQUIRE(a.ok);
  CHECK(a.text == "// a\n// b\none\ntwo\nTHREE\nfour\nfive\n");
  REQUIRE(a.notes.size() == 1);
  CHECK(a.notes[0].find("applied at line 4 (the diff says 2)") != std::string::npos);

  // the context is gone: the hunk is named with the line that differs
  a = cli::apply_file_patch("one\ntwo\n3\nfour\n", files[0], "p.diff", "x.tlb");
  REQUIRE_FALSE(a.ok);
  CHECK(a.error.find("p.diff:6: hunk 1 of 1 (@@ -2,3 +2,3 @@ heading) does not apply to x.tlb: line 3 reads '3' where the hunk expects 'three'") !=
        std::string::npos);
  // applied twice
  a = cli::apply_file_patch("one\ntwo\nTHREE\nfour\nfive\n", files[0], "p.diff", "x.tlb");
  REQUIRE_FALSE(a.ok);
  CHECK(a.error.find("already there") != std::string::npos);

  // an insertion into an empty range, and a file without a final newline
  files = cli::parse_diff("--- x.tlb\n+++ x.tlb\n@@ -0,0 +1 @@\n+zero\n", error);
  REQUIRE(files.size() == 1);
  a = cli::apply_file_patch("one", files[0], "p.diff", "x.tlb");
  REQUIRE(a.ok);
  CHECK(a.text == "zero\none");

  for (const char* bad : {"not a diff\n", "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n one\n", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n?one\n",
                          "--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n", "--- a/x\n+++ b/x\n@@ bad @@\n",
                          // counts that leave lines out, and a line 0 that is not an insertion
                          "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-one\n+ONE\n-two\n", "--- a/x\n+++ b/x\n@@ -0,1 +0,1 @@\n-one\n+ONE\n"}) {
    INFO(bad);
    error.clear();
    CHECK(cli::parse_diff(bad, error).empty());
    CHECK_FALSE(error.empty());
  }
  // a git format-patch signature and the next file's header are not hunk lines
  CHECK(cli::parse_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-one\n+ONE\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.2\n", error).size() == 2);
  CHECK(cli::names_file("examples/patches/a.tlb", "./examples/patches/a.tlb"));
  CHECK(cli::names_file("patches/a.tlb", "/src/examples/patches/a.tlb"));
  CHECK_FALSE(cli::names_file("a.tlb", "examples/ba.tlb"));
}

TEST_CASE("patch: how a configuration's verdict moved", "[matrix][patch]") {
  using S = cli::CellStatus;
  auto cell = [](S s) {
    cli::CellResult c;
    c.status = s;
    return c;
  };
  CHECK(cli::change_name(cell(S::Violated), cell(S::Holds)) == "fixed");
  CHECK(cli::change_name(cell(S::Holds), cell(S::Violated)) == "broken");
  CHECK(cli::change_name(cell(S::Violated), cell(S::Violated)) == "still violated");
  CHECK(cli::change_name(cell(S::Holds), cell(S::Holds)) == "holds");
  CHECK(cli::change_name(cell(S::Holds), cell(S::NotApplicable)) == "n/a");
  CHECK(cli::change_name(cell(S::Incomplete), cell(S::Holds)) == "incomplete");
}

TEST_CASE("matrix: fix x cpus=2..4 x tlb.speculative gives the cells of the individual runs", "[matrix][cli][slow]") {
  const std::string file = source("protocols/lazy_tlb_2_4.tlb");
  RunResult m = run(check_cli() + " " + file + " -D fix=none,seed,upstream -D cpus=2..4 -D tlb.speculative=false,true --format json -q");
  INFO(m.output);
  REQUIRE(m.exit == 1);  // some cells are violated
  const nlohmann::json matrix = json_of(m);
  CHECK(matrix["kind"] == "matrix");
  REQUIRE(matrix["cells"].size() == 18);
  std::size_t holds = 0;
  for (const nlohmann::json& cell : matrix["cells"]) {
    std::string args;
    for (auto& [name, value] : cell["options"].items()) args += " -D " + name + "=" + value.get<std::string>();
    RunResult one = run(check_cli() + " " + file + args + " --format json -q --threads 1");
    INFO(args);
    const nlohmann::json single = json_of(one);
    CHECK(cell["verdict"] == single["verdict"]);
    CHECK(cell["states"] == single["states"]);
    CHECK(cell["property"] == single["property"]);
    CHECK(cell["report"]["trace"] == single["trace"]);
    CHECK(one.exit == (single["verdict"] == "holds" ? 0 : 1));
    if (cell["verdict"] == "holds") ++holds;
  }
  CHECK(holds == 6);  // fix=upstream, every cpus and speculation
  CHECK(matrix["summary"]["holds"] == 6);
  CHECK(matrix["summary"]["violated"] == 12);
  CHECK(matrix["exit_status"] == 1);

  RunResult text = run(check_cli() + " " + file + " -D fix=upstream -D cpus=2..3 -q");
  CHECK(text.exit == 0);
  CHECK(text.output.find("options: fix=upstream") != std::string::npos);
  CHECK(text.output.find("cpus  verdict  property  steps  states") != std::string::npos);
  CHECK(text.output.find("configurations: 2 hold") != std::string::npos);
}

TEST_CASE("matrix: a cell where a setting has no effect is n/a and not run -- one outside the supported settings is marked", "[matrix][cli]") {
  RunResult r = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") +
                    " -D fix=upstream -D walk_cache=false,true -D tlb.pcid=false,true --format json -q");
  INFO(r.output);
  CHECK(r.exit == 1);  // tlb.pcid=true: violated, outside what the protocol supports
  const nlohmann::json j = json_of(r);
  REQUIRE(j["cells"].size() == 4);
  CHECK(j["cells"][0]["verdict"] == "holds");
  CHECK(j["cells"][0]["unsupported"] == false);
  CHECK(j["cells"][1]["verdict"] == "violated");
  CHECK(j["cells"][1]["unsupported"] == true);
  for (int c : {2, 3}) {
    CHECK(j["cells"][c]["verdict"] == "n/a");
    CHECK(j["cells"][c]["reason"] == "walk_cache=true has no effect: it needs levels >= 2 (levels=1)");
    CHECK(j["cells"][c]["report"].is_null());
    CHECK(j["cells"][c]["states"].is_null());
  }
  CHECK(j["summary"]["n/a"] == 2);
  // nothing to check at all is not a success
  r = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D walk_cache=true -D cpus=2,3 -q");
  CHECK(r.exit == 2);
  CHECK(r.output.find("nothing was checked: in every configuration a setting has no effect") != std::string::npos);
  r = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D fix=upstream -D walk_cache=false,true -D tlb.pcid=false,true -q");
  CHECK(r.output.find("violated*") != std::string::npos);
  CHECK(r.output.find("* outside the settings the protocol supports") != std::string::npos);
  CHECK(r.output.find("2 n/a (a setting has no effect there)") != std::string::npos);
  // an error that is not about a setting's effect stops the matrix before anything runs
  r = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D fix=upstream,bogus -q");
  CHECK(r.exit == 2);
  CHECK(r.output.find("in the configuration -D fix=bogus") != std::string::npos);
  CHECK(r.output.find("verdict") == std::string::npos);
}

TEST_CASE("patch: the examples' patches -- the correct one fixes every configuration, the wrong ones fail exactly where their reasoning does", "[matrix][patch][golden]") {
  const bool update = std::getenv("TLBCHECK_UPDATE_GOLDEN") != nullptr;
  struct Example {
    std::string name, protocol, axes;
    int exit;
  };
  // the arm64 walk-through's patch (examples/arm64_tlb_6x/README.md) breaks
  // munmap, which frees a page table, and leaves madvise holding
  for (const Example& e : {Example{"upstream", "examples/patches/lazy_tlb_test4.tlb", "-D cpus=2..3 -D tlb.speculative=false,true", 0},
                           Example{"no_flush", "examples/patches/lazy_tlb_test4.tlb", "-D cpus=2..3 -D tlb.speculative=false,true", 1},
                           Example{"arm64_single_user_last_level", "protocols/arm64_tlb_6x.tlb", "-D scenario=munmap,madvise", 1}}) {
    // from the source folder, so the report names the files as a user there would
    RunResult r = run("sh -c " + quote("cd " + quote(source_dir()) + " && " + check_cli() + " " + e.protocol + " --patch examples/patches/" + e.name +
                                       ".diff " + e.axes + " --width 120 -q"));
    INFO(r.output);
    CHECK(r.exit == e.exit);
    const std::string golden = source_dir() + "/tests/golden/patches/" + e.name + ".txt";
    if (update) {
      std::filesystem::create_directories(std::filesystem::path(golden).parent_path());
      std::ofstream(golden) << r.output;
    }
    CHECK(read_file(golden) == r.output);
  }
  RunResult good = run(check_cli() + " " + source("examples/patches/lazy_tlb_test4.tlb") + " --patch " + source("examples/patches/upstream.diff") +
                       " -D cpus=2..3 -D tlb.speculative=false,true --format json -q");
  const nlohmann::json g = json_of(good);
  CHECK(g["kind"] == "patch");
  CHECK(g["summary"]["fixed"] == 4);
  RunResult bad = run(check_cli() + " " + source("examples/patches/lazy_tlb_test4.tlb") + " --patch " + source("examples/patches/no_flush.diff") +
                      " -D cpus=2..3 -D tlb.speculative=false,true --format json -q");
  const nlohmann::json b = json_of(bad);
  for (const nlohmann::json& cell : b["cells"]) {
    const bool speculative = cell["options"]["tlb.speculative"] == "true";
    CHECK(cell["change"] == (speculative ? "still violated" : "fixed"));
    CHECK(cell["after"]["verdict"] == (speculative ? "violated" : "holds"));
  }
}

// The x86_64_tlb_6x walk-through's patch (examples/x86_64_tlb_6x/README.md):
// skipping lazy CPUs even when page tables are freed breaks exactly the
// scenarios that free a page table, and the madvise(DONTNEED) one holds.
TEST_CASE("patch: the x86-64 walk-through's patch breaks the scenarios that free page tables", "[matrix][patch][golden]") {
  const bool update = std::getenv("TLBCHECK_UPDATE_GOLDEN") != nullptr;
  RunResult r = run("sh -c " + quote("cd " + quote(source_dir()) + " && " + check_cli() +
                                     " protocols/x86_64_tlb_6x.tlb --patch examples/patches/x86_skip_lazy_always.diff"
                                     " -D scenario=munmap,madvise,collapse -D other_process=false --width 120 -q"));
  INFO(r.output);
  CHECK(r.exit == 1);
  CHECK(r.output.find("fixed: 0, broken: 2, still violated: 0, holding before and after: 1") != std::string::npos);
  const std::string golden = source_dir() + "/tests/golden/patches/x86_skip_lazy_always.txt";
  if (update) std::ofstream(golden) << r.output;
  CHECK(read_file(golden) == r.output);
}

TEST_CASE("patch: a patch that breaks a configuration shows its counterexample -- one that does not apply names the hunk", "[matrix][patch][cli]") {
  const std::string protocol = temp_file("counter.tlb",
                                         "protocol \"counter\"\n"
                                         "var x: int[0..2] = 0;\n"
                                         "task a: kernel on cpu 0 {\n"
                                         "  atomic { x = x + 1; }\n"
                                         "}\n"
                                         "invariant small: x <= 1;\n");
  const std::string diff = temp_file("twice.diff",
                                     "--- a/tlbcheck_matrix_test_counter.tlb\n+++ b/tlbcheck_matrix_test_counter.tlb\n"
                                     "@@ -4 +4,2 @@\n"
                                     "   atomic { x = x + 1; }\n"
                                     "+  atomic { x = x + 1; }\n");
  RunResult r = run(check_cli() + " " + quote(protocol) + " --patch " + quote(diff) + " -q");
  INFO(r.output);
  CHECK(r.exit == 1);
  CHECK(r.output.find("broken") != std::string::npos);
  CHECK(r.output.find("=== broken by the patch") != std::string::npos);
  CHECK(r.output.find("violated: small") != std::string::npos);

  const std::string stale = temp_file("stale.diff",
                                      "--- a/tlbcheck_matrix_test_counter.tlb\n+++ b/tlbcheck_matrix_test_counter.tlb\n"
                                      "@@ -4 +4 @@\n"
                                      "-  atomic { x = x + 2; }\n"
                                      "+  atomic { x = x + 3; }\n");
  r = run(check_cli() + " " + quote(protocol) + " --patch " + quote(stale) + " -q");
  CHECK(r.exit == 2);
  CHECK(r.output.find(stale + ":3: hunk 1 of 1 (@@ -4 +4 @@) does not apply to " + protocol + ": line 4 reads") != std::string::npos);
  CHECK(r.output.find("[BadPatch]") != std::string::npos);

  const std::string other = temp_file("other.diff", "--- a/elsewhere/none.tlb\n+++ b/elsewhere/none.tlb\n@@ -1 +1 @@\n-a\n+b\n");
  r = run(check_cli() + " " + quote(protocol) + " --patch " + quote(other) + " -q");
  CHECK(r.exit == 2);
  CHECK(r.output.find("which is not the protocol") != std::string::npos);
  // a diff of a file that exists but that the protocol does not import
  // (from the source folder, where the diff's path names an existing file)
  r = run("sh -c " + quote("cd " + quote(source_dir()) + " && " + check_cli() + " " + quote(protocol) + " --patch examples/patches/upstream.diff -q"));
  INFO(r.output);
  CHECK(r.exit == 2);
  CHECK(r.output.find("lazy_tlb_test4.tlb', which " + protocol + " does not import [BadPatch]") != std::string::npos);
  r = run(check_cli() + " " + quote(protocol) + " --patch /nonexistent.diff -q");
  CHECK(r.exit == 2);
  CHECK(r.output.find("cannot read the patch '/nonexistent.diff'") != std::string::npos);
}

TEST_CASE("cli: --version, non-positive limits, a repeated -D, a directory and options that need one configuration", "[cli][matrix]") {
  RunResult v = run(quote(testing_cli()) + " --version");
  CHECK(v.exit == 0);
  CHECK(v.output.rfind("tlbcheck 0.", 0) == 0);
  const std::string lost = source("examples/textbook/lost_update.tlb");
  for (const char* bad : {"--max-states 0", "--max-states -5", "--time-limit 0", "--time-limit -3s", "--time-limit 5x", "--time-limit 0x10", "--time-limit 5s5",
                          "--time-limit 1h30", "--time-limit nan", "--time-limit 1e400", "--memory-limit 0"}) {
    RunResult r = run(check_cli() + " " + lost + " " + bad + " -q");
    INFO(bad << "\n" << r.output);
    CHECK(r.exit == 2);
    CHECK(r.output.find("verdict") == std::string::npos);
  }
  RunResult twice = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D fix=seed -D fix=upstream -q");
  CHECK(twice.exit == 2);
  CHECK(twice.output.find("-D fix is given twice; give several values as one list, -D fix=V1,V2") != std::string::npos);
  RunResult dir = run(check_cli() + " " + source("protocols"));
  CHECK(dir.exit == 2);
  CHECK(dir.output.find("is a directory: expected a protocol file (.tlb)") != std::string::npos);
  RunResult trace_dir = run(quote(testing_cli()) + " replay " + source("protocols/lazy_tlb_2_4.tlb") + " " + source("protocols"));
  CHECK(trace_dir.exit == 2);
  CHECK(trace_dir.output.find("cannot read the trace") != std::string::npos);
  CHECK(trace_dir.output.find("it is a directory") != std::string::npos);
  RunResult missing = run(check_cli() + " /nonexistent/x.tlb");
  CHECK(missing.exit == 2);
  CHECK(missing.output.find("cannot read '/nonexistent/x.tlb'") != std::string::npos);
  RunResult traces = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D cpus=2,3 --traces 2 -q");
  CHECK(traces.exit == 2);
  CHECK(traces.output.find("--traces shows one configuration") != std::string::npos);
  RunResult sim = run(quote(testing_cli()) + " simulate " + source("protocols/lazy_tlb_2_4.tlb") + " -D cpus=2,3");
  CHECK(sim.exit == 2);
  CHECK(sim.output.find("simulate runs one configuration") != std::string::npos);
}

TEST_CASE("cli: --time-limit and SIGTERM stop with the report of what was explored, exit 3", "[cli][matrix]") {
  // lazy_tlb_2_4 at 6 CPUs has some 10^8 states: far more than a second's work
  const std::string big = source("protocols/lazy_tlb_2_4.tlb") + " -D fix=upstream -D cpus=6 --threads 1";
  RunResult r = run(check_cli() + " " + big + " --time-limit 1s --format json -q", 60);
  INFO(r.output);
  REQUIRE(r.exit == 3);
  nlohmann::json j = json_of(r);
  CHECK(j["verdict"] == "incomplete");
  CHECK(j["stopped_by"]["code"] == "time-limit");
  CHECK(j["states"].get<std::uint64_t>() > 0);

  for (const char* signal : {"TERM", "INT"}) {
    // 3 s: the signal must come after the handler is in place, which under
    // the sanitizers on a loaded machine took more than a second
    r = run("timeout --preserve-status -s " + std::string(signal) + " 3 " + check_cli() + " " + big + " -q", 60);
    INFO(signal << "\n" << r.output);
    CHECK(r.exit == 3);
    CHECK(r.output.find("verdict: incomplete") != std::string::npos);
    CHECK(r.output.find("stopped by an interrupt") != std::string::npos);
  }

  // a matrix: the cells not started are "not run", the exit status 3
  r = run(check_cli() + " " + source("protocols/lazy_tlb_2_4.tlb") + " -D fix=upstream -D cpus=6 -D rounds=2,3 --threads 1 --time-limit 1s --format json -q", 60);
  REQUIRE(r.exit == 3);
  j = json_of(r);
  CHECK(j["cells"][0]["verdict"] == "incomplete");
  CHECK(j["cells"][1]["verdict"] == "not-run");
}
