// The distributed layer on bundled protocols, with ranks as threads
// (tests/checker/thread_partition.hpp; the MPI back end itself is tested by
// tests/checker/mpi_test.py): with CPU symmetry reduction, whose
// counterexamples are rebuilt through canonical states, and in both storage
// modes, every rank reports one process's text, word for word.
#include <catch2/catch.hpp>

#include "tests/checker/thread_partition.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

TEST_CASE("several ranks report one process's text on seed protocols, with symmetry reduction and compact storage", "[partition]") {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"examples/bench/shootdown_hw.tlb", "// expect: buggy=true violated stale-translation"},
      {"examples/bench/shootdown_hw.tlb", "// expect: holds"},
      {"protocols/lazy_tlb_2_4.tlb", "// expect: violated stale-translation"},
      {"protocols/vmalloc_fault.tlb", "// expect: scenario=smp violated assertion"},
  };
  for (const auto& [rel, line] : files) {
    const std::string text = read_file(source_dir() + "/" + rel);
    const cli::Loaded l = cli::load(expectation_request(rel, text, expectations(line).at(0)));
    REQUIRE(l.result.system);
    for (bool compact : {false, true}) {
      checker::ExploreOptions o;
      o.threads = 1;
      o.symmetry = true;
      o.compact = compact;
      o.parent_links_in_memory = 7;  // links and global indices read back from disk
      const checker::Report one = cli::explore(l, rel, o);
      const std::string expected = cli::stable_text(*l.result.system, one);
      INFO(rel << " " << line << (compact ? " --compact" : ""));
      CHECK(one.result.outcome != checker::Outcome::Incomplete);
      ThreadRanks cluster(3);
      const std::vector<checker::ExploreResult> results = cluster.explore(*l.result.system, o);
      CHECK_FALSE(cluster.calls_differed());
      for (const checker::ExploreResult& r : results) {
        checker::Report report = one;
        report.result = r;
        report.result.seconds = one.result.seconds;
        report.result.memory_bytes = one.result.memory_bytes;
        report.result.ranks.clear();  // (the ranks' line, checked below)
        CHECK(cli::stable_text(*l.result.system, report) == expected);
        CHECK(r.ranks.size() == 3);
        CHECK(checker::ranks_text(r).find("ranks: 3, states per rank: ") == 0);
      }
    }
  }
}
