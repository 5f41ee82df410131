// Where the machine's state lives in the packed state: slot ids, laid out by
// the lowering with machine/layout.cpp and read by machine::Machine and the
// runtime. Value encodings are in encoding.hpp.
#pragma once

#include <cstdint>
#include <vector>

namespace tlbcheck::model::machine {

// A walk-cache entry's key: the upper-level entry it caches.
struct WalkKey {
  int level;            // 2..levels: the entry at this level, which points to a level-1 lower table
  std::int64_t prefix;  // page / entries^(level-1)
};

struct Slots {
  // per CPU
  std::vector<std::uint32_t> cr3, irqs_on, irq_depth, ipi_pending;
  std::vector<std::uint32_t> asid;  // the ASID/PCID loaded with the root (tlb.asids > 0 only)
  std::vector<std::uint32_t> pdpte;  // pae: [cpu * top_indices + i], the latched top-level entry's table (or none)
  // [(cpu * tags + tag) * pages + page]; tags: the ASID values with tlb.asids, the mms with tlb.pcid, else 1
  std::vector<std::uint32_t> tlb;
  std::vector<std::uint32_t> walk;  // [(cpu * tags + tag) * walk_keys + key]
  // per frame (value: per frame and word, [frame * words + word])
  std::vector<std::uint32_t> kind, owner, maps, value;
  // frame { ... }: [frame * frame_field_count + i], each field element's slot and initial value
  std::vector<std::uint32_t> frame_field;
  std::vector<std::int64_t> frame_field_init;
  // per page (disk): its disk copy, [page * words + word]
  std::vector<std::uint32_t> disk;
  std::uint32_t frame_field_count = 0;
  std::vector<std::uint32_t> entry;  // [frame * entries + index]
  // per mm
  std::vector<std::uint32_t> pgd;
  // stale-permission (a function is marked `sync`): per mm and page,
  // [mm * pages + page], who last narrowed the leaf entry and whether it
  // was declared complete (encoding.hpp: Narrowing)
  std::vector<std::uint32_t> narrowing;
  // lost-write, dirty-dropped (copy_page or disk_write is used): per
  // frame, the mark a copy left (properties::FrameCopy)
  std::vector<std::uint32_t> copied;
  // device interrupts: firings left
  std::vector<std::uint32_t> fires_left;
  // data cache: [(colour * frames + frame) * words + word]: 0 absent, else 1 + 2*value + dirty;
  // latest value per frame and word
  std::vector<std::uint32_t> line, latest;
  // IPIs' arguments: [cpu * irqs + irq], the argument slots of the IPI pending there
  std::vector<std::vector<std::uint32_t>> ipi_args;
  // the scheduler: per CPU, the task running there and its preempt count
  std::vector<std::uint32_t> current, preempt_count;
  // per task: its mm, its active mm (borrowed by a kernel thread), whether
  // it sleeps, and where a preempted task resumes
  std::vector<std::uint32_t> task_mm, task_active_mm, task_asleep, task_resume;
};

}  // namespace tlbcheck::model::machine
