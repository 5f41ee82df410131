#include "model/lower/lower.hpp"

#include "model/lower/lowering.hpp"

namespace tlbcheck::model {

namespace lowering {

Lowered Lowering::run() {
  Program& p = out_.program;
  p.sites.push_back({});  // site 0: no violation
  out_.site_terms.push_back({});
  if (analyzed_.uses_machine) count_frames();
  allocate_globals();
  if (analyzed_.uses_machine) allocate_machine();
  // each instance's sites, for CPU symmetry (lower/symmetry.cpp)
  auto instance = [&](auto&& lower_it) {
    const std::size_t processes = p.processes.size(), sites = p.sites.size();
    lower_it();
    for (std::size_t k = processes; k < p.processes.size(); ++k) instance_sites_.push_back({std::uint32_t(sites), std::uint32_t(p.sites.size()), p.processes.size() - processes == 1});
  };
  for (std::uint32_t i = 0; i < analyzed_.processes.size(); ++i) {
    for (int cpu : analyzed_.processes[i].cpus) instance([&] { lower_process(i, cpu); });
  }
  for (std::uint32_t h = 0; h < analyzed_.irqs.size(); ++h) {
    for (int cpu = 0; cpu < analyzed_.cpus; ++cpu) {
      if (analyzed_.irqs[h].device && analyzed_.irqs[h].cpu != cpu) continue;
      for (int level = 1; level <= analyzed_.machine.irq_nesting; ++level) instance([&] { lower_handler(h, cpu, level); });
    }
  }
  for (const InvariantInfo& inv : analyzed_.invariants) {
    Frame f;
    cur_src_ = inv.loc.offset;
    p.invariant_entry.push_back(static_cast<std::uint32_t>(p.code.size()));
    emit_expr(inv.expr, f);
    emit(Op::Return);
    out_.invariant_terms.push_back(collect_terms(inv.expr, f));
    out_.invariant_witness.push_back(witness(inv.expr, f));
  }
  for (const InvariantInfo& c : analyzed_.constraints) {
    Frame f;
    cur_src_ = c.loc.offset;
    p.constraint_entry.push_back(static_cast<std::uint32_t>(p.code.size()));
    p.constraint_names.emplace_back(c.name);
    emit_expr(c.expr, f);
    emit(Op::Return);
  }
  // stale-permission's record names a process instance: its range is known now
  for (std::uint32_t slot : p.hw.narrowing) {
    p.slots[slot].hi = machine::narrowing_range(p.processes.size());
    p.slots[slot].pub.width = bits_for(std::uint64_t(p.slots[slot].hi - p.slots[slot].lo) + 1);
  }
  append_snippets();
  if (!diags_.has_errors()) check_evaluation_stack();
  out_.program.no_preempt.resize(out_.program.code.size(), false);
  out_.program.in_sync.resize(out_.program.code.size(), false);
  p.violation_slot = alloc_slot("violation", "site", -1, 0, std::int64_t(p.sites.size()) - 1, TypeKind::Int);
  p.slots[p.violation_slot].pub.internal = true;
  pack();
  if (p.has_machine && !diags_.has_errors()) boot();
  if (reset_dead_ && !diags_.has_errors()) reset_dead_variables();
  if (!diags_.has_errors()) find_cpu_symmetry();
  if (!diags_.has_errors()) find_value_symmetry();
  return std::move(out_);
}

}  // namespace lowering


Lowered lower(const AnalyzedModule& cm, const std::vector<bool>& enabled, Diagnostics& diags, bool reset_dead) {
  lowering::Lowering l(cm, enabled, diags, reset_dead);
  return l.run();
}

}  // namespace tlbcheck::model
