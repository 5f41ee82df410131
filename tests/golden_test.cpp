// Every bundled protocol and example declares its expected verdict,
// property and exact state count in `// expect:` lines; each is checked with
// 1 and 2 threads, and each counterexample against its golden trace in
// tests/golden/. Refresh goldens with TLBCHECK_UPDATE_GOLDEN=1 and review the
// diff.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "checker/cli/driver.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

namespace {

std::string golden_name(const std::string& rel, const Expectation& e) {
  std::string name = rel.substr(0, rel.size() - 4);
  for (char& c : name) c = c == '/' ? '_' : c;
  for (const auto& [k, v] : e.defines) name += "__" + k + "-" + v;
  for (const auto& p : e.properties) name += "__property-" + p;
  return source_dir() + "/tests/golden/" + name + ".trace";
}

// Rendered narrow, every change of every step is still there in full in
// its CPU's column: cells wrap, they are never cut.
void no_cell_is_cut(const checker::System& system, checker::Report report) {
  report.width = 70;
  const std::string text = checker::render_text(system, report);
  int columns = 0;
  for (const checker::Group& g : system.groups()) columns = std::max(columns, g.cpu + 1);
  columns = std::max(columns, 1);
  // the column's width, from the header's rule ("------+-----...-+")
  const std::size_t rule = text.find("\n------+");
  REQUIRE(rule != std::string::npos);
  const std::size_t next = text.find('+', rule + 8);
  const std::size_t width = (next == std::string::npos || text.find('\n', rule + 1) < next ? text.find('\n', rule + 1) : next) - (rule + 8) - 2;
  std::vector<std::string> column(static_cast<std::size_t>(columns));  // each column's text, spaces left out
  std::istringstream lines(text);
  std::string line;
  bool table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("------+", 0) == 0) {
      table = true;
      continue;
    }
    if (table && line.empty()) break;
    if (!table) continue;
    for (int c = 0; c < columns; ++c) {
      const std::size_t at = 7 + std::size_t(c) * (width + 3) + 1;
      if (at >= line.size()) continue;
      for (char ch : line.substr(at, width)) {
        if (ch != ' ') column[std::size_t(c)] += ch;
      }
    }
  }
  for (const checker::Step& s : report.steps) {
    const int cpu = std::clamp(system.groups()[s.group.v].cpu, 0, columns - 1);
    for (const checker::Change& ch : s.changes) {
      std::string want;
      for (char x : ch.slot + ":" + ch.before + "->" + ch.after) {
        if (x != ' ') want += x;
      }
      INFO("step " << s.number << ": " << want);
      CHECK(column[std::size_t(cpu)].find(want) != std::string::npos);
    }
  }
}

}  // namespace

TEST_CASE("every bundled protocol meets its expectations", "[golden]") {
  std::vector<std::string> files = bundled_protocols();
  REQUIRE_FALSE(files.empty());
  bool update = std::getenv("TLBCHECK_UPDATE_GOLDEN") != nullptr;
  for (const std::string& rel : files) {
    std::string text = read_file(source_dir() + "/" + rel);
    std::vector<Expectation> expects = expectations(text);
    INFO(rel);
    CHECK_FALSE(expects.empty());  // the contract: every bundled file states its expectations
    for (const Expectation& e : expects) {
      INFO(e.line);
      cli::Request request = expectation_request(rel, text, e);
      cli::Loaded l = cli::load(request);
      INFO(l.result.diagnostics);
      REQUIRE(l.result.system);
      std::string first_text;
      // 1 and 2 threads interpreted, then 2 threads with the steps compiled
      // to C (model/native.hpp): all three reports word for word the same
      for (unsigned threads : {1u, 2u, 3u}) {
        if (threads == 3) {
          std::string why;
          if (!l.result.system->use_native(why)) FAIL(why);
        }
        checker::ExploreOptions o;
        o.threads = std::min(threads, 2u);
        checker::Report report = cli::explore(l, rel, o);
        CHECK(checker::outcome_name(report.result.outcome) == e.verdict);
        if (!e.property.empty()) CHECK(report.property == e.property);
        CHECK(e.states >= 0);  // `states=?` is a placeholder to be filled in
        if (e.states >= 0) CHECK(report.result.states == std::uint64_t(e.states));
        // 1 and 2 threads: the same report, word for word
        std::string now = cli::stable_text(*l.result.system, report);
        if (threads == 1) first_text = now;
        else CHECK(now == first_text);
        if (threads != 1 || report.result.outcome != checker::Outcome::Violated) continue;
        no_cell_is_cut(*l.result.system, report);
        std::string golden = golden_name(rel, e);
        if (update || !std::filesystem::exists(golden)) {
          if (!update) FAIL("missing golden trace " << golden << ": run the tests with TLBCHECK_UPDATE_GOLDEN=1 and review it");
          write_file(golden, now);
        } else {
          CHECK(read_file(golden) == now);
        }
      }
    }
  }
}

// CPU symmetry reduction (model/runtime/symmetry.hpp) changes how many
// states are stored, never a verdict: every bundled file in every variant
// gives the same verdict, property and counterexample length with it, the
// same numbers with 1 and 2 threads, and `reduced=N` states where the model
// has interchangeable CPUs (exactly where: a model without them gives no
// count). Its counterexample is a concrete run of the unreduced model: each
// step is a step of the state before it, and the last state violates the
// property.
TEST_CASE("CPU symmetry reduction keeps every verdict, and its counterexamples are concrete", "[golden][symmetry]") {
  for (const std::string& rel : bundled_protocols()) {
    const std::string text = read_file(source_dir() + "/" + rel);
    INFO(rel);
    for (const Expectation& e : expectations(text)) {
      INFO(e.line);
      cli::Request request = expectation_request(rel, text, e);
      cli::Loaded l = cli::load(request);
      REQUIRE(l.result.system);
      const checker::System& system = *l.result.system;
      if (!system.symmetric()) {
        CHECK(e.reduced < 0);  // no count where nothing is reduced
        continue;
      }
      CHECK(e.reduced >= 0);
      CHECK(check_renamings_commute(*l.result.system) > 0);
      checker::ExploreOptions plain;
      plain.threads = 2;
      const checker::Report unreduced = cli::explore(l, rel, plain);
      std::string first_text;
      for (unsigned threads : {1u, 2u}) {
        checker::ExploreOptions o;
        o.threads = threads;
        o.symmetry = true;
        const checker::Report report = cli::explore(l, rel, o);
        CHECK(report.result.symmetry);
        CHECK(report.result.outcome == unreduced.result.outcome);
        CHECK(report.property == unreduced.property);
        CHECK(report.result.states <= unreduced.result.states);
        if (e.reduced >= 0) CHECK(report.result.states == std::uint64_t(e.reduced));
        const std::string now = cli::stable_text(system, report);
        if (threads == 1) first_text = now;
        else CHECK(now == first_text);
        if (report.result.outcome != checker::Outcome::Violated) continue;
        CHECK(report.result.depth == unreduced.result.depth);
        const checker::Trace& t = report.result.trace;
        std::vector<checker::Word> init(system.layout().words);
        system.initial(init);
        REQUIRE(!t.states.empty());
        CHECK(t.states[0] == init);
        auto scratch = system.make_scratch();
        for (std::size_t i = 0; i < t.groups.size(); ++i) {
          bool found = false;
          system.next_in_group(t.states[i], *scratch, t.groups[i], [&](checker::GroupId, checker::ConstStateRef succ) {
            found = found || std::equal(succ.begin(), succ.end(), t.states[i + 1].begin());
          });
          INFO("step " << i + 1);
          CHECK(found);
        }
        if (!report.result.deadlock) CHECK(system.check(t.states.back()).violated);
      }
    }
  }
}

// The seed protocols are written in the kernel's shape: the counterexample of
// the unfixed kernel passes through the kernel functions the seed mail and the
// fix touch, by name (a step in the function or in a call it made, or local
// code of it that ran first in a step: the (ran ...) line). A protocol of
// today's kernels (x86_64_tlb_6x, arm64_tlb_6x) hold by default: each
// regression they re-introduce with -D fix=... is checked instead.
TEST_CASE("the seed protocols' counterexamples name the kernel's functions", "[golden][kernel-shape]") {
  struct Seed {
    std::string file;
    std::vector<std::pair<std::string, std::string>> defines;
    std::vector<std::string> names;
  };
  const std::vector<Seed> seeds = {
      {"protocols/lazy_tlb_2_4.tlb", {}, {"flush_tlb_others", "smp_invalidate_interrupt", "leave_mm", "switch_mm", "enter_lazy_tlb"}},
      {"protocols/mmu_gather_nested.tlb",
       {},
       {"tlb_gather_mmu", "tlb_finish_mmu", "__tlb_reset_range", "__tlb_adjust_range", "tlb_flush", "free_pgtables", "mm_tlb_flush_nested"}},
      {"protocols/vipt_fork_cow.tlb", {}, {"copy_one_pte", "ptep_set_wrprotect", "flush_cache_mm", "copy_user_page"}},
      {"protocols/flush_tlb_preempt.tlb", {}, {"__flush_tlb", "switch_mm", "context_switch"}},
      {"protocols/vmalloc_fault.tlb", {}, {"do_page_fault", "vmalloc_fault"}},
      {"protocols/x86_64_tlb_6x.tlb",
       {{"fix", "no_table_invalidate"}, {"kthread", "false"}, {"other_process", "false"}},
       {"vms_clear_ptes", "free_pgtables", "tlb_remove_table", "tlb_remove_table_one", "tlb_remove_table_sync_one", "__tlb_remove_table"}},
      {"protocols/x86_64_tlb_6x.tlb",
       {{"fix", "flush_range_leaf"}, {"scenario", "collapse"}, {"other_process", "false"}},
       {"enter_lazy_tlb", "collapse_pte_mapped_thp", "pmdp_collapse_flush", "flush_tlb_range", "flush_tlb_mm_range", "native_flush_tlb_multi",
        "should_flush_tlb", "pte_free_defer"}},
      {"protocols/x86_64_tlb_6x.tlb",
       {{"fix", "no_switching_check"}, {"scenario", "madvise"}, {"kthread", "false"}, {"tlb.speculative", "false"}},
       {"context_switch", "switch_mm_irqs_off", "zap_page_range_single", "tlb_finish_mmu", "flush_tlb_mm_range", "should_flush_tlb"}},
      {"protocols/arm64_tlb_6x.tlb", {{"fix", "last_level_always"}}, {"__vm_munmap", "free_pgtables", "tlb_remove_table", "tlb_table_invalidate", "tlb_flush", "__flush_tlb_range", "__tlb_remove_table"}},
      {"protocols/arm64_tlb_6x.tlb", {{"fix", "table_free_no_tlbi"}}, {"free_pgtables", "__pte_free_tlb", "tlb_remove_table", "tlb_remove_table_one", "__tlb_remove_table"}},
      {"protocols/arm64_tlb_6x.tlb", {{"fix", "single_user_free"}}, {"exit_mm", "mmput", "free_pgtables", "tlb_remove_table", "__tlb_remove_table"}},
      {"protocols/arm64_tlb_6x.tlb", {{"fix", "nested_reset"}}, {"do_madvise", "zap_page_range_single", "tlb_finish_mmu", "mm_tlb_flush_nested", "__tlb_reset_range", "tlb_table_flush"}},
  };
  for (const auto& [rel, defines, names] : seeds) {
    INFO(rel);
    cli::Request request;
    request.file = rel;
    request.text = read_file(source_dir() + "/" + rel);
    for (const auto& [k, v] : defines) request.load.defines.push_back({k, v});
    cli::Loaded l = cli::load(request);
    REQUIRE(l.result.system);
    checker::ExploreOptions o;
    o.threads = 1;
    checker::Report report = cli::explore(l, rel, o);
    REQUIRE(report.result.outcome == checker::Outcome::Violated);
    std::string steps;  // what each step did and what it ran first, uncut
    for (const checker::Step& s : report.steps) {
      for (const std::string& c : s.calls) steps += c + " > ";
      steps += s.action + "\n";
      for (const std::string& f : s.also_ran) steps += "(ran " + f + ")\n";
    }
    INFO(steps);
    for (const std::string& name : names) {
      INFO(name);
      CHECK(steps.find(name) != std::string::npos);
    }
  }
}

// The dead-variable reset (model/lower/liveness.cpp) is a reduction: every
// bundled file and variant has the same verdict and property without it
// (--keep-dead), and at least as many states there as its `expect:` line.
TEST_CASE("every bundled protocol has the same verdict without the dead-variable reset", "[golden][dead][slow]") {
  for (const std::string& rel : bundled_protocols()) {
    std::string text = read_file(source_dir() + "/" + rel);
    INFO(rel);
    for (const Expectation& e : expectations(text)) {
      INFO(e.line);
      cli::Request request = expectation_request(rel, text, e);
      request.load.keep_dead = true;
      cli::Loaded l = cli::load(request);
      INFO(l.result.diagnostics);
      REQUIRE(l.result.system);
      checker::ExploreOptions o;
      o.threads = 2;
      checker::Report report = cli::explore(l, rel, o);
      CHECK(report.dead_reset == false);
      CHECK(checker::outcome_name(report.result.outcome) == e.verdict);
      if (!e.property.empty()) CHECK(report.property == e.property);
      CHECK(report.result.states >= std::uint64_t(std::max(e.states, 0LL)));
    }
  }
}
