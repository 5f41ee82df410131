// The machine's part of the packed state: the slots the hardware needs for
// a protocol's CPUs, pages, address spaces, frames, interrupts and tasks,
// with their names, ranges, trace formats and initial values. The lowering
// provides the slots (a SlotSink, which also packs them); the machine says
// what they are. The calls come in the lowering's order, which is the
// order traces list changes in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/bytecode/program.hpp"
#include "model/machine/config.hpp"
#include "model/machine/slots.hpp"

namespace tlbcheck::model::machine {

struct SlotRequest {
  std::string name;  // "cpu1.tlb[V]"
  std::string type;  // as --show-layout prints it
  int cpu = -1;      // -1: shared
  std::int64_t lo = 0, hi = 0;
  TypeKind kind = TypeKind::Int;
  ModelSlot::Format format = ModelSlot::Format::Plain;
  bool hardware = false;              // a cache of the machine, listed by --show-hw
  std::optional<std::int64_t> initial;  // else its lowest value, lo
};

class SlotSink {
 public:
  virtual ~SlotSink() = default;
  virtual std::uint32_t add(SlotRequest request) = 0;  // the new slot's id
};

// What the hardware's layout depends on.
struct Shape {
  Config config;                          // its `cpus` is the machine's
  std::int64_t frames = 0;
  std::vector<std::string> pages;         // by page id
  std::vector<std::int64_t> page_index;   // page id -> virtual page number
  std::vector<std::string> mms;           // by mm id
  std::vector<std::string> irqs;          // by irq id
  std::vector<int> device_fires;          // per irq: how often a device irq fires; -1: an IPI
  std::vector<int> irq_cpu;               // per irq: a device irq's CPU
  bool sync = false;                      // a function is marked `sync` (stale-permission's record)
  bool copies = false;                    // copy_page or disk_write is used (lost-write's marks)
};

// The CPUs' registers, TLBs and walk caches, the frames, the mms' roots,
// and the records the properties keep of the kernel's claims (narrowed
// entries, copied frames). The narrowing slots' range depends on the
// number of process instances, known only after the lowering: see
// narrowing_range().
void lay_out_processors_and_memory(const Shape& shape, SlotSink& sink, Slots& slots);
// The range of a narrowing slot for `processes` process instances.
inline std::int64_t narrowing_range(std::size_t processes) { return std::int64_t(processes) + 1; }
// The device interrupts' counters and the data cache's lines.
void lay_out_devices_and_cache(const Shape& shape, SlotSink& sink, Slots& slots);

struct TaskShape {
  std::string name;
  int cpu = 0;
  std::int64_t mm = -1;  // -1: a kernel thread
  bool asleep = false;
};
// The scheduler: each CPU's current task (`first_on_cpu`, -1: none) and
// preempt count, each task's mm, active mm (a kernel thread borrows
// `lazy_mm`) and sleep flag.
void lay_out_scheduler(const Shape& shape, const std::vector<TaskShape>& tasks, const std::vector<std::int64_t>& first_on_cpu, std::int64_t lazy_mm,
                       SlotSink& sink, Slots& slots);

// The walk-cache entries a machine has: one per (level, prefix) the pages use
// (none for the top level under PAE: the PDPTE registers stand in for it).
std::vector<WalkKey> walk_keys(const Config& config, const std::vector<std::int64_t>& page_index);
// Under PAE, the top-level entry indices the pages use, ascending: one PDPTE
// register per CPU for each (empty without PAE).
std::vector<std::int64_t> pdpte_indices(const Config& config, const std::vector<std::int64_t>& page_index);

}  // namespace tlbcheck::model::machine
