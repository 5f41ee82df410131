// x86 PAE's page-directory-pointer-table registers (Intel SDM 4.4.1): a
// root load reads the four top-level entries into per-CPU registers, and
// walks start from those, not from memory. Nothing but the next root load
// refreshes them: INVLPG, INVPCID and the other flushes leave them, so a
// kernel that changes a top-level entry must reload CR3 on every CPU that
// has the root loaded (x86's ___pmd_free_tlb sets need_flush_all for PAE).
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

void Machine::load_root(checker::Word* s, int cpu, std::int64_t root) const {
  set(s, slots_.cr3[std::size_t(cpu)], root);
  for (std::size_t i = 0; i < pdpte_indices_.size(); ++i) {
    std::int64_t table = -1;
    if (root >= 0 && FrameKind(get(s, slots_.kind[std::size_t(root)])) == FrameKind::Table) {
      std::int64_t e = get(s, slots_.entry[std::size_t(root * config_.entries + pdpte_indices_[i])]);
      if (pte_.present(e) && pte_.block_level(e) == 0) table = pte_.frame(e);
    }
    set(s, slots_.pdpte[cpu * pdpte_indices_.size() + i], table);
  }
}

std::int64_t Machine::pdpte(const checker::Word* s, int cpu, std::int64_t page) const {
  const std::int64_t top = index_at(page_index_[std::size_t(page)], config_.levels);
  for (std::size_t i = 0; i < pdpte_indices_.size(); ++i) {
    if (pdpte_indices_[i] == top) return get(s, slots_.pdpte[cpu * pdpte_indices_.size() + i]);
  }
  return -1;
}

}  // namespace tlbcheck::model::machine
