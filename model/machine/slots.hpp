// Where the machine's state lives in the packed state: slot ids, laid out by
// the compiler (model/lower/lower.cpp) and read by machine::Machine and the
// interpreter. Value encodings are described in machine.hpp.
#pragma once

#include <cstdint>
#include <vector>

namespace tlbcheck::model::machine {

struct Slots {
  // per CPU
  std::vector<std::uint32_t> cr3, irqs_on, irq_depth, ipi_pending;
  std::vector<std::uint32_t> tlb;   // [(cpu * tags + tag) * pages + page]; tags = mms with PCIDs, else 1
  std::vector<std::uint32_t> walk;  // [(cpu * tags + tag) * walk_keys + key]
  // per frame (value: per frame and word, [frame * words + word])
  std::vector<std::uint32_t> kind, owner, maps, value;
  std::vector<std::uint32_t> entry;  // [frame * entries + index]
  // per mm
  std::vector<std::uint32_t> pgd;
  // device interrupts: firings left
  std::vector<std::uint32_t> fires_left;
  // data cache: [(colour * frames + frame) * words + word]: 0 absent, else 1 + 2*value + dirty;
  // latest value per frame and word
  std::vector<std::uint32_t> line, latest;
};

}  // namespace tlbcheck::model::machine
