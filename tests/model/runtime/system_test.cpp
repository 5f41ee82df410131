// The compiled model honours the seam's contract (checker/system.hpp) on
// every bundled protocol: next() is every group's next_in_group() in group
// order, each group emits only its own successors, and the deadlock
// property is the catalogue's exactly when it is checked.
#include <catch2/catch.hpp>

#include <deque>
#include <filesystem>
#include <set>

#include "checker/cli/driver.hpp"
#include "properties/catalogue.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;

namespace {

using States = std::vector<std::vector<checker::Word>>;

// Up to `limit` reachable states, breadth first.
States reachable(const checker::System& system, std::size_t limit) {
  std::vector<checker::Word> init(system.layout().words);
  system.initial(init);
  auto scratch = system.make_scratch();
  std::set<std::vector<checker::Word>> seen{init};
  std::deque<std::vector<checker::Word>> queue{init};
  States out;
  while (!queue.empty() && out.size() < limit) {
    out.push_back(queue.front());
    queue.pop_front();
    system.next(out.back(), *scratch, [&](checker::GroupId, checker::ConstStateRef s) {
      std::vector<checker::Word> v(s.begin(), s.end());
      if (seen.insert(v).second) queue.push_back(std::move(v));
    });
  }
  return out;
}

}  // namespace

TEST_CASE("next() is the concatenation of next_in_group() over the groups, in order", "[system]") {
  std::size_t files = 0;
  for (const std::string& rel : testing::bundled_protocols()) {
    {
      ++files;
      cli::Request request;
      request.file = testing::source_dir() + "/" + rel;
      cli::Loaded l = cli::load(request);
      INFO(request.file << "\n" << l.result.diagnostics);
      REQUIRE(l.result.system);
      const checker::System& system = *l.result.system;
      auto scratch = system.make_scratch();
      for (const auto& state : reachable(system, 300)) {
        std::vector<std::pair<std::uint32_t, std::vector<checker::Word>>> all, by_group;
        system.next(state, *scratch, [&](checker::GroupId g, checker::ConstStateRef s) { all.push_back({g.v, {s.begin(), s.end()}}); });
        for (std::uint32_t g = 0; g < system.groups().size(); ++g) {
          system.next_in_group(state, *scratch, checker::GroupId{g}, [&](checker::GroupId got, checker::ConstStateRef s) {
            CHECK(got.v == g);
            by_group.push_back({got.v, {s.begin(), s.end()}});
          });
        }
        REQUIRE(all == by_group);
      }
    }
  }
  CHECK(files >= 20);
}

TEST_CASE("the deadlock property is named when it is checked, and only then", "[system]") {
  cli::Request request;
  request.file = testing::source_dir() + "/examples/textbook/lock_order.tlb";
  cli::Loaded on = cli::load(request);
  REQUIRE(on.result.system);
  REQUIRE(on.result.system->deadlock_property());
  CHECK(on.result.system->deadlock_property()->v == std::uint32_t(properties::BuiltinProperty::Deadlock));
  request.load.disabled_properties = {"deadlock"};
  cli::Loaded off = cli::load(request);
  REQUIRE(off.result.system);
  CHECK_FALSE(off.result.system->deadlock_property());
  // and the explorer asks the System: without it, the ABBA deadlock is no violation
  checker::ExploreOptions o;
  CHECK(cli::explore(on, request.file, o).result.outcome == checker::Outcome::Violated);
  CHECK(cli::explore(off, request.file, o).result.outcome == checker::Outcome::Holds);
}
