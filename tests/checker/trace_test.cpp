// The text trace as people read it: cells wrap instead of being cut, a
// branch step says which way it went, a step names the chain of calls it
// is in, an atomic block shows every statement, a hardware step says what
// the hardware did, columns are headed by the CPU and the tasks it ran, and
// the closing explanation gives the cause chain.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <sstream>

#include "checker/trace.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

namespace {

std::string without_spaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ') out += c;
  }
  return out;
}

// The text of one CPU's column of a rendered table, a line per row line.
std::string column_text(const std::string& text, int c) {
  const std::size_t rule = text.find("\n------+");
  REQUIRE(rule != std::string::npos);
  const std::size_t eol = text.find('\n', rule + 1);
  const std::size_t next = text.find('+', rule + 8);
  const std::size_t width = (next == std::string::npos || eol < next ? eol : next) - (rule + 8) - 2;
  std::istringstream lines(text.substr(eol + 1));
  std::string out;
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    const std::size_t at = 8 + std::size_t(c) * (width + 3);
    out += (at < line.size() ? line.substr(at, width) : std::string()) + "\n";
  }
  return out;
}

checker::Report check_file(const std::string& rel, std::vector<model::Define> defines = {}) {
  return check_text(read_file(source_dir() + "/" + rel), std::move(defines));
}

const char* kLabels = R"(protocol "labels"
machine { cpus = 2; }
var x: int[0..2] = 0;
var y: int[0..2] = 0;
fn inner(v: int[0..2]) {
  atomic {
    x = v;
    y = v;
  }
}
fn outer() { inner(1); }
process p on cpu 0 {
  if (x == 0) { y = 2; }
  outer();
}
process q on cpu 1 {
  await(y == 1);
  assert(x == 0);
}
)";

}  // namespace

TEST_CASE("wrapping a cell's line keeps every character and fits the width", "[trace]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::string line(std::size_t(rng() % 5), ' ');
    const std::size_t n = rng() % 300;
    for (std::size_t i = 0; i < n; ++i) line += "ab cdefghijklmnopqrstuvwxyz_->:[]"[rng() % 33];
    const std::size_t width = 12 + rng() % 100;
    std::string joined;
    for (const std::string& l : checker::wrap(line, width)) {
      CHECK(l.size() <= width);
      joined += l;
    }
    CHECK(without_spaces(joined) == without_spaces(line));
  }
}

TEST_CASE("a branch's test and its body are two labels -- calls show as a chain -- an atomic block shows every statement", "[trace]") {
  checker::Report r = check_text(kLabels);
  REQUIRE(r.steps.size() == 5);
  CHECK(r.steps[0].action == "if (x == 0)");
  REQUIRE(r.steps[0].branch.has_value());
  CHECK(*r.steps[0].branch);
  CHECK(r.steps[1].action == "y = 2;");  // the same line, the body's own text
  CHECK_FALSE(r.steps[1].branch.has_value());
  CHECK(r.steps[2].calls == std::vector<std::string>{"outer()", "inner(1)"});
  CHECK(r.steps[2].action == "x = v;");
  CHECK(r.steps[2].more == std::vector<std::string>{"y = v;"});
  cli::Request request;
  request.file = "t.tlb";
  request.text = kLabels;
  cli::Loaded l = cli::load(request);
  REQUIRE(l.result.system);
  const std::string text = checker::render_text(*l.result.system, r);
  CHECK(text.find("[13] if (x == 0)  => true") != std::string::npos);
  CHECK(text.find("[13] y = 2;") != std::string::npos);
  CHECK(text.find("[7] outer > inner(1): x = v;") != std::string::npos);
  CHECK(text.find("       y = v;") != std::string::npos);
  CHECK(text.find("| cpu0 (p)") != std::string::npos);
  CHECK(text.find("| cpu1 (q)") != std::string::npos);
}

TEST_CASE("a hardware step says what the hardware did, with no declaration's line", "[trace]") {
  checker::Report r = check_file("protocols/lazy_tlb_2_4.tlb");
  bool walk = false, ipi = false;
  for (const checker::Step& s : r.steps) {
    if (s.action == "speculative page walk of V") walk = s.line == 0;
    if (s.action == "takes the IPI invalidate_interrupt") ipi = s.line == 0;
  }
  CHECK(walk);
  CHECK(ipi);
}

TEST_CASE("the racy read of lazy_tlb_2_4 shows TLBSTATE_LAZY in full at 2 and 3 CPUs, at any width", "[trace]") {
  for (const char* cpus : {"2", "3"}) {
    checker::Report r = check_file("protocols/lazy_tlb_2_4.tlb", {{"cpus", cpus}});
    cli::Request request;
    request.file = source_dir() + "/protocols/lazy_tlb_2_4.tlb";
    request.load.defines = {{"cpus", cpus}};
    cli::Loaded l = cli::load(request);
    REQUIRE(l.result.system);
    bool found = false;
    for (const checker::Step& s : r.steps) {
      for (const checker::Change& c : s.changes) found = found || (c.slot.find("old_state") != std::string::npos && c.after == "TLBSTATE_LAZY");
    }
    CHECK(found);
    for (std::uint32_t width : {0u, 80u, 120u}) {
      r.width = width;
      const std::string text = checker::render_text(*l.result.system, r);
      INFO("width " << width << "\n" << text);
      CHECK(text.find("...") == std::string::npos);
      // the racy read's change in cpu1's column, its new value whole on a line
      // (the slot's long name may break; the value must not)
      const std::string column = column_text(text, 1);
      const std::regex change(R"(TLBSTATE_OK\s+->\s+TLBSTATE_LAZY(\s|$))");
      bool whole = false;
      for (auto it = std::sregex_iterator(column.begin(), column.end(), change); it != std::sregex_iterator(); ++it) {
        const std::string before = without_spaces(column.substr(0, std::size_t(it->position())));
        std::string joined;
        for (char c : before) {
          if (c != '\n') joined += c;
        }
        whole = whole || (joined.size() >= 10 && joined.compare(joined.size() - 10, 10, "old_state:") == 0);
      }
      CHECK(whole);
    }
  }
}

TEST_CASE("the closing explanation gives the cause chain of a stale translation", "[trace]") {
  checker::Report r = check_file("protocols/lazy_tlb_2_4.tlb");
  REQUIRE(r.property == "stale-translation");
  CHECK(r.violation.cpu == 1);
  CHECK(r.violation.page == "V");
  CHECK(r.violation.frame == "frame1");
  CHECK(r.violation.step == r.steps.size());
  std::string chain;
  for (const checker::Cause& c : r.violation.cause) chain += std::to_string(c.step) + ": " + c.text + "\n";
  INFO(chain);
  CHECK(chain.find("the entry was filled, cpu1.tlb[V]: - -> frame1 rw") != std::string::npos);
  CHECK(chain.find("the page table changed") != std::string::npos);
  CHECK(chain.find("invlpg on cpu0 only ran") != std::string::npos);
  CHECK(chain.find("cpu1 takes the IPI invalidate_interrupt; cpu1.tlb[V] survived its handler") != std::string::npos);
  CHECK(chain.find("frame1.kind became free") != std::string::npos);
  for (std::size_t i = 1; i < r.violation.cause.size(); ++i) CHECK(r.violation.cause[i - 1].step <= r.violation.cause[i].step);
}

TEST_CASE("show-hw: the trace shows another CPU's entry turning stale, with the root", "[trace][cli]") {
  RunResult run_ = run(testing::check_cli() + " " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --show-hw -q --threads 1");
  CHECK(run_.exit == 1);
  CHECK(run_.output.find("= tlb[V]: frame1 rw  <-- stale: V is unmapped in M") != std::string::npos);
  CHECK(run_.output.find("= tlb[V]: frame1 rw  <-- stale: frame1 is free") != std::string::npos);
  RunResult all = run(testing::check_cli() + " " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --show-hw=all --initial-state -q --threads 1");
  CHECK(all.exit == 1);
  CHECK(all.output.find("= root: frame0 (M.pgd)") != std::string::npos);
  CHECK(all.output.find("    0 | ") != std::string::npos);
  CHECK(all.output.find("initial state: ") != std::string::npos);
  RunResult bad = run(testing::check_cli() + " " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --show-hw=some");
  CHECK(bad.exit == 2);
  RunResult narrow = run(testing::check_cli() + " " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --width 60 -q --threads 1");
  CHECK(narrow.exit == 1);
  std::istringstream lines(narrow.output);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("------+", 0) == 0) in_table = true;
    if (line.empty()) in_table = false;
    if (in_table) CHECK(line.size() <= 60);
  }
}
