// The include picture reads in layers (../shared/STYLE.md, issue 17):
// - checker/ outside checker/cli/ sees only the seam: nothing of model/ or
//   properties/;
// - properties/ includes nothing of model/ or checker/;
// - the machine (model/machine/) and properties/ include neither the parser
//   nor the analysis, nor the lowering or the runtime that use them;
// - no include cycle between the project's files (Boost.Graph).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include "tests/support.hpp"

using namespace tlbcheck::testing;

namespace {

// Every project file (under model/, checker/, properties/) and the project
// headers it includes, by path from the root.
std::map<std::string, std::vector<std::string>> include_graph() {
  std::map<std::string, std::vector<std::string>> graph;
  const std::regex include(R"re(^#include "((model|checker|properties)/[^"]+)")re");
  for (const char* dir : {"model", "checker", "properties"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(source_dir() + "/" + dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".hpp" && ext != ".cpp" && ext != ".def") continue;
      std::string file = std::filesystem::relative(e.path(), source_dir()).string();
      std::istringstream in(read_file(e.path().string()));
      auto& out = graph[file];
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        if (std::regex_search(line, m, include)) out.push_back(m[1]);
      }
    }
  }
  return graph;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("layers: who may include whom", "[layering]") {
  auto graph = include_graph();
  REQUIRE(graph.size() > 50);
  for (const auto& [file, includes] : graph) {
    for (const std::string& inc : includes) {
      INFO(file << " includes " << inc);
      if (starts_with(file, "checker/") && !starts_with(file, "checker/cli/")) {
        CHECK_FALSE(starts_with(inc, "model/"));
        CHECK_FALSE(starts_with(inc, "properties/"));
      }
      if (starts_with(file, "properties/")) CHECK(starts_with(inc, "properties/"));
      if (starts_with(file, "model/machine/") || starts_with(file, "properties/")) {
        for (const char* upper : {"model/lang/parser", "model/lang/lexer", "model/sema/", "model/lower/", "model/runtime/", "model/load"}) {
          CHECK_FALSE(starts_with(inc, upper));
        }
      }
      CHECK(graph.count(inc) == 1);  // the included file exists
    }
  }
}

TEST_CASE("layers: no include cycle", "[layering]") {
  auto graph = include_graph();
  std::map<std::string, int> index;
  std::vector<std::string> names;
  for (const auto& [file, _] : graph) {
    index[file] = int(names.size());
    names.push_back(file);
  }
  boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS> g(names.size());
  for (const auto& [file, includes] : graph) {
    for (const std::string& inc : includes) {
      if (index.count(inc)) boost::add_edge(std::size_t(index[file]), std::size_t(index[inc]), g);
    }
  }
  std::vector<int> component(names.size());
  int components = boost::strong_components(g, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, g)));
  CHECK(components == int(names.size()));  // every file its own component: no cycle
  std::map<int, std::vector<std::string>> groups;
  for (std::size_t i = 0; i < names.size(); ++i) groups[component[i]].push_back(names[i]);
  for (const auto& [c, files] : groups) {
    if (files.size() < 2) continue;
    std::string cycle;
    for (const auto& f : files) cycle += f + " ";
    FAIL("these files include each other: " << cycle);
  }
}
