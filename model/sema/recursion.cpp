// A function that calls itself, directly or not, is an error: functions
// are inlined. The cycle is found with Boost.Graph and printed.
#include "model/sema/analysis.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

namespace tlbcheck::model::sema {

void Analysis::check_recursion() {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, boost::property<boost::edge_index_t, std::size_t>>;
  Graph g(out_.functions.size());
  for (std::size_t i = 0; i < calls_.size(); ++i) boost::add_edge(calls_[i].caller, calls_[i].callee, i, g);
  std::vector<std::size_t> pred(out_.functions.size(), SIZE_MAX);
  struct Visitor : boost::default_dfs_visitor {
    std::vector<std::size_t>* pred;
    std::vector<std::pair<std::size_t, std::size_t>>* back;  // (edge index, unused)
    void tree_edge(Graph::edge_descriptor e, const Graph& gr) { (*pred)[boost::target(e, gr)] = boost::source(e, gr); }
    void back_edge(Graph::edge_descriptor e, const Graph& gr) { back->push_back({boost::get(boost::edge_index, gr, e), 0}); }
  };
  std::vector<std::pair<std::size_t, std::size_t>> back;
  Visitor vis;
  vis.pred = &pred;
  vis.back = &back;
  if (out_.functions.empty()) return;
  boost::depth_first_search(g, boost::visitor(vis));
  for (auto [edge, unused] : back) {
    const Call& c = calls_[edge];
    std::vector<std::uint32_t> cycle{c.caller};
    for (std::size_t v = c.caller; v != c.callee && pred[v] != SIZE_MAX;) {
      v = pred[v];
      cycle.push_back(static_cast<std::uint32_t>(v));
    }
    std::reverse(cycle.begin(), cycle.end());
    std::string path;
    for (std::uint32_t f : cycle) path += std::string(out_.functions[f].decl->name) + " -> ";
    path += std::string(out_.functions[c.callee].decl->name);
    error(DiagKind::Recursion, c.loc, "recursive call: " + path + " (functions are inlined, so they cannot recurse)");
  }
}

}  // namespace tlbcheck::model::sema
