// Dead-variable reset, as SPIN's dead-variable elimination: a variable
// private to one process instance keeps its slot after its last use (a
// function's parameters, locals and result once it returned, a task's
// locals once nothing reads them again), so states that differ only in
// such dead values would be told apart. A live-variable analysis over each
// instance's control-flow graph (Boost.Graph) finds, for every location a
// step can end at, the private slots no path reads before writing them;
// the step puts those back to their initial values (Program::reset_dead,
// applied by the interpreter and by native code alike).
//
// What may be reset (the rule): only a slot private to one instance
// (ModelSlot::owner: a local, parameter, result, `let` or `choose` of its
// code, its inlined calls' included, and the task a switch picks), never
// shared, per-CPU, mm, frame or machine state, nor bookkeeping (program
// counters, run-time offsets). Such a slot is live at a location when some
// path from there reads it before writing it, where a path is:
// - the instance's own code, step after step (a Yield goes on where the
//   next step begins; `either`, branches and the page-fault hook are edges);
// - a handler that returns is idle, and its next delivery starts it again
//   at its entry with its parameters written (they are dead while idle);
// - a preemptible location may be preempted: what the preemption stub reads
//   first is live there, and at the stub's own step ends what is live at
//   any location it may resume.
// A dynamic access (an index or a reference known at run time) reads every
// slot of its variable and writes none for sure. Nothing outside an
// instance's code reads its private slots but invariants and constraints,
// which see shared state only; should one read a private slot it is live
// everywhere. `at(P, L)` reads the program counter, never reset. A violating
// state is not reset (the step ends at the violation, not at a location), so
// an explanation finds every value the violated condition read.
#include "model/lower/lowering.hpp"

#include <boost/dynamic_bitset.hpp>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <unordered_map>

namespace tlbcheck::model::lowering {

namespace {

using Bits = boost::dynamic_bitset<>;
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// Records the order in which a depth-first search finishes vertices.
struct FinishOrder : boost::default_dfs_visitor {
  std::vector<std::size_t>* order;
  explicit FinishOrder(std::vector<std::size_t>& o) : order(&o) {}
  template <class Vertex, class G>
  void finish_vertex(Vertex v, const G&) { order->push_back(std::size_t(v)); }
};

}  // namespace

void Lowering::reset_dead_variables() {
  Program& p = out_.program;
  // slots read by code outside the processes: invariants and constraints
  std::vector<bool> outside(p.slots.size(), false);
  auto read_by = [&](std::uint32_t entry) {
    std::vector<bool> seen(p.code.size(), false);
    std::vector<std::uint32_t> work{entry};
    while (!work.empty()) {
      const std::uint32_t i = work.back();
      work.pop_back();
      if (i >= p.code.size() || seen[i]) continue;
      seen[i] = true;
      const Instr& in = p.code[i];
      if (in.op == Op::Load) outside[std::size_t(in.a)] = true;
      if (in.op == Op::LoadDyn || in.op == Op::BitRmw) {
        for (std::uint32_t s = p.slots[std::size_t(in.a)].variable; s < p.slots.size() && p.slots[s].variable == p.slots[std::size_t(in.a)].variable; ++s) outside[s] = true;
      }
      for_each_successor(i, [&](std::uint32_t next) { work.push_back(next); }, false);
    }
  };
  for (std::uint32_t e : p.invariant_entry) read_by(e);
  for (std::uint32_t e : p.constraint_entry) read_by(e);
  std::vector<std::vector<std::uint32_t>> candidates(p.processes.size());
  for (std::uint32_t s = 0; s < p.slots.size(); ++s) {
    const ModelSlot& m = p.slots[s];
    if (m.owner >= 0 && m.pub.width > 0 && !m.pub.internal && !outside[s]) candidates[std::size_t(m.owner)].push_back(s);
  }
  for (std::uint32_t pid = 0; pid < p.processes.size(); ++pid) {
    if (!candidates[pid].empty()) reset_dead_in(pid, candidates[pid]);
  }
  p.dead_reset = true;
}

void Lowering::reset_dead_in(std::uint32_t pid, const std::vector<std::uint32_t>& candidates) {
  Program& p = out_.program;
  ProcessInstance& pi = p.processes[pid];
  std::unordered_map<std::uint32_t, std::size_t> bit_of;  // candidate slot -> its bit
  for (std::size_t k = 0; k < candidates.size(); ++k) bit_of[candidates[k]] = k;
  const std::size_t n_bits = candidates.size();

  // The nodes: every instruction the instance can run, from where its steps
  // begin; then two that stand for no instruction.
  std::unordered_map<std::uint32_t, std::size_t> node_of;
  std::vector<std::uint32_t> instr;
  std::vector<std::uint32_t> work;
  auto reach = [&](std::uint32_t i) {
    if (node_of.emplace(i, instr.size()).second) {
      instr.push_back(i);
      work.push_back(i);
    }
  };
  for (std::size_t l = 1; l < pi.locations.size(); ++l) reach(pi.locations[l]);
  if (pi.preempt_entry != 0) reach(pi.preempt_entry);
  if (pi.zombie_entry != 0) reach(pi.zombie_entry);
  while (!work.empty()) {
    const std::uint32_t i = work.back();
    work.pop_back();
    for_each_successor(i, reach, true);
  }
  const std::size_t idle = instr.size();      // a handler between two deliveries
  const std::size_t resumed = idle + 1;       // where a preempted task resumes: any preemptible location
  const std::size_t n = resumed + 1;

  Graph g(n);
  std::vector<Bits> gen(n, Bits(n_bits)), kill(n, Bits(n_bits));
  auto variable_of = [&](std::uint32_t slot, Bits& into) {
    const std::uint32_t v = p.slots[slot].variable;
    for (std::uint32_t s = v; s < p.slots.size() && p.slots[s].variable == v; ++s) {
      if (auto b = bit_of.find(s); b != bit_of.end()) into.set(b->second);
    }
  };
  for (std::size_t v = 0; v < instr.size(); ++v) {
    const Instr& in = p.code[instr[v]];
    switch (in.op) {
      case Op::Load:
        if (auto b = bit_of.find(std::uint32_t(in.a)); b != bit_of.end()) gen[v].set(b->second);
        break;
      case Op::Store:
        if (auto b = bit_of.find(std::uint32_t(in.a)); b != bit_of.end()) kill[v].set(b->second);
        break;
      case Op::LoadDyn: case Op::BitRmw: variable_of(std::uint32_t(in.a), gen[v]); break;
      default: break;  // StoreDyn may write any element: it kills nothing
    }
    for_each_successor(instr[v], [&](std::uint32_t s) { boost::add_edge(v, node_of.at(s), g); }, true);
    if (in.op == Op::IrqReturn) boost::add_edge(v, idle, g);
    if (in.op == Op::Resume) boost::add_edge(v, resumed, g);
  }
  if (pi.handler && pi.locations.size() > 1) {  // a delivery writes the parameters and starts the handler
    boost::add_edge(idle, node_of.at(pi.locations[1]), g);
    for (std::uint32_t s : pi.param_slots) {
      if (auto b = bit_of.find(s); b != bit_of.end()) kill[idle].set(b->second);
    }
  }

  // Backward dataflow: live_in(v) = gen(v) | (live_out(v) & ~kill(v)),
  // live_out(v) = the union of its successors' live_in. Visiting the nodes
  // in the reverse of the order a search of the reversed graph finishes
  // them takes successors before predecessors, but around loops; repeat
  // until nothing changes.
  std::vector<std::size_t> order;
  const auto reversed = boost::make_reverse_graph(g);
  std::vector<boost::default_color_type> color(n, boost::white_color);
  boost::depth_first_search(reversed, FinishOrder(order), boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, reversed)));
  std::reverse(order.begin(), order.end());
  std::vector<Bits> live(n, Bits(n_bits));
  auto solve = [&] {
    Bits out(n_bits);
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t v : order) {
        out.reset();
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) out |= live[boost::target(*e, g)];
        Bits in = gen[v] | (out - kill[v]);
        if (in != live[v]) {
          live[v] = std::move(in);
          changed = true;
        }
      }
    }
  };
  solve();
  // Preemption: a preemptible location's live set takes in what the stub
  // reads first (its live set as computed with nothing after the Resume,
  // which goes back exactly there); the stub's own step ends keep what is
  // live at any preemptible location.
  std::vector<std::size_t> preemptible;
  for (std::size_t l = 1; l < pi.locations.size() && pi.preempt_entry != 0; ++l) {
    if (std::int32_t(l) != pi.zombie_location && !p.no_preempt[pi.locations[l]]) preemptible.push_back(node_of.at(pi.locations[l]));
  }
  if (!preemptible.empty()) {
    const Bits stub = live[node_of.at(pi.preempt_entry)];
    for (std::size_t v : preemptible) gen[v] |= stub;
    for (bool changed = true; changed;) {
      solve();
      Bits any(n_bits);
      for (std::size_t v : preemptible) any |= live[v];
      changed = any != gen[resumed];
      gen[resumed] = any;
    }
  }

  // The reset at each location: every candidate not live there. Location 0
  // is the end (nothing reads the slots again), or an idle handler.
  pi.reset_at.assign(pi.locations.size() + 1, 0);
  for (std::size_t l = 0; l < pi.locations.size(); ++l) {
    pi.reset_at[l] = std::uint32_t(p.resets.size());
    const Bits none(n_bits);
    const Bits& here = l == 0 ? (pi.handler ? live[idle] : none) : live[node_of.at(pi.locations[l])];
    std::map<std::uint32_t, WordReset> words;  // by word, in order
    for (std::size_t k = 0; k < n_bits; ++k) {
      if (here.test(k)) continue;
      const SlotAccess& a = p.access[candidates[k]];
      WordReset& r = words.try_emplace(a.word, WordReset{a.word, ~std::uint64_t(0), 0}).first->second;
      r.keep &= ~a.mask;
      r.bits |= p.initial[a.word] & a.mask;
    }
    for (const auto& [word, r] : words) p.resets.push_back(r);
  }
  pi.reset_at[pi.locations.size()] = std::uint32_t(p.resets.size());
}

}  // namespace tlbcheck::model::lowering
