// Control-flow checks over each instance's code: a cycle that no step end
// breaks gets one (so no step runs forever), and statements no execution
// reaches are reported (Boost.Graph).
#include "model/lower/lowering.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

namespace tlbcheck::model::lowering {

void Lowering::close_yield_free_cycles(std::uint32_t begin, std::uint32_t end) {
  Program& p = out_.program;
  for (std::uint32_t j : back_edges_) {
    std::uint32_t head = static_cast<std::uint32_t>(p.code[j].a);
    std::vector<char> seen(end - begin, 0);
    std::vector<std::uint32_t> work{head};
    bool reaches = false;
    while (!work.empty() && !reaches) {
      std::uint32_t i = work.back();
      work.pop_back();
      if (i < begin || i >= end || seen[i - begin]) continue;
      seen[i - begin] = 1;
      if (i == j) {
        reaches = true;
        break;
      }
      for_each_successor(i, [&](std::uint32_t s) { work.push_back(s); }, /*through_yield=*/false);
    }
    if (reaches) p.code[j].op = Op::Yield;
  }
}

void Lowering::warn_unreachable(std::uint32_t begin, std::uint32_t end, std::uint32_t entry) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(end - begin);
  for (std::uint32_t i = begin; i < end; ++i) {
    for_each_successor(i, [&](std::uint32_t s) {
      if (s >= begin && s < end) boost::add_edge(i - begin, s - begin, g);
    }, true);
  }
  std::vector<boost::default_color_type> color(end - begin, boost::white_color);
  auto colors = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
  boost::breadth_first_search(g, boost::vertex(entry - begin, g), boost::color_map(colors));
  for (std::uint32_t i = begin; i < end; ++i) {
    if (color[i - begin] != boost::white_color || !stmt_start_[i]) continue;
    std::uint32_t src = out_.program.code[i].src;
    if (!warned_.insert(src).second) continue;
    diags_.warning(DiagKind::Unreachable, module_.file, {src, 1}, "statement is never reached");
  }
}

}  // namespace tlbcheck::model::lowering
