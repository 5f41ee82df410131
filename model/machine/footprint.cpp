// What the machine's operations may read and write, for partial-order
// reduction (model/runtime/por.cpp builds the groups' sets from these).
// The machine's state falls in regions:
//   per CPU    irqs_on, irq_depth, ipi_pending, preempt_count, current, and
//              its translation state: root (cr3), ASID, PDPTEs, TLB, walk cache
//   memory     frames (kind, owner, mappings, words, declared fields), page
//              tables (entries, roots of mms), the data cache and latest
//              values, the disk, the kernel's records (narrowing, copies)
//   the rest   IPI arguments, device firings, tasks' mm, active mm, sleep
//              and resume location
// A built-in's footprint names regions, not the one slot its arguments
// pick: the sets are per group, computed once, before any state exists.
// Where an operation reaches far (a walk that judges frames, a record of
// the kernel's claims that reads every TLB), it reads every machine slot.
// Soundness rests on these sets covering what perform() does: a test runs
// every group on reachable states of the bundled protocols and checks that
// a successor differs only in its writes and that a change outside its
// reads changes nothing (tests/model/runtime/por_test.cpp).
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

namespace {

void append(std::vector<std::uint32_t>& out, const std::vector<std::uint32_t>& slots) { out.insert(out.end(), slots.begin(), slots.end()); }

// The slots of one CPU in a per-CPU array laid out CPU after CPU.
void cpu_block(std::vector<std::uint32_t>& out, const std::vector<std::uint32_t>& slots, int cpu, int cpus) {
  if (slots.empty() || cpus <= 0) return;
  const std::size_t per = slots.size() / std::size_t(cpus);
  for (std::size_t k = std::size_t(cpu) * per; k < std::size_t(cpu + 1) * per && k < slots.size(); ++k) out.push_back(slots[k]);
}

void one(std::vector<std::uint32_t>& out, const std::vector<std::uint32_t>& slots, int cpu) {
  if (cpu >= 0 && std::size_t(cpu) < slots.size()) out.push_back(slots[std::size_t(cpu)]);
}

}  // namespace

void Machine::translation_slots(int cpu, std::vector<std::uint32_t>& out) const {
  one(out, slots_.cr3, cpu);
  one(out, slots_.asid, cpu);
  cpu_block(out, slots_.pdpte, cpu, config_.cpus);
  cpu_block(out, slots_.tlb, cpu, config_.cpus);
  cpu_block(out, slots_.walk, cpu, config_.cpus);
}

void Machine::memory_slots(std::vector<std::uint32_t>& out) const {
  for (const auto* v : {&slots_.kind, &slots_.owner, &slots_.maps, &slots_.value, &slots_.frame_field, &slots_.disk, &slots_.entry, &slots_.pgd,
                        &slots_.narrowing, &slots_.copied, &slots_.line, &slots_.latest}) {
    append(out, *v);
  }
}

void Machine::all_slots(std::vector<std::uint32_t>& out) const {
  memory_slots(out);
  for (int c = 0; c < config_.cpus; ++c) translation_slots(c, out);
  for (const auto* v : {&slots_.irqs_on, &slots_.irq_depth, &slots_.ipi_pending, &slots_.fires_left, &slots_.current, &slots_.preempt_count, &slots_.task_mm,
                        &slots_.task_active_mm, &slots_.task_asleep, &slots_.task_resume}) {
    append(out, *v);
  }
  for (const auto& args : slots_.ipi_args) append(out, args);
}

void Machine::access_footprint(int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const {
  // a walk fills this CPU's TLB and walk cache and sets accessed and dirty
  // bits; a store writes memory or a cache line; the kernel's claims are
  // judged against every CPU's translations (who can still write a frame)
  translation_slots(cpu, writes);
  memory_slots(writes);
  memory_slots(reads);
  for (int c = 0; c < config_.cpus; ++c) translation_slots(c, reads);
}

void Machine::speculate_footprint(int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const {
  // the walk: this CPU's root, tag, PDPTEs, walk cache and TLB, the tables
  // and frames' kinds (judged), the mms' roots (a PCID's address space)
  translation_slots(cpu, writes);
  append(writes, slots_.entry);  // the accessed bit
  translation_slots(cpu, reads);
  memory_slots(reads);
}

void Machine::builtin_footprint(Builtin b, int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const {
  const std::size_t first_write = writes.size();
  auto every_cpu_translation = [&](std::vector<std::uint32_t>& out) {
    for (int c = 0; c < config_.cpus; ++c) translation_slots(c, out);
  };
  if (builtin_info(b).value()) return;  // a pte value's bits: no state
  switch (b) {
    case Builtin::PageIsKernel: break;
    case Builtin::IrqDisable: case Builtin::IrqEnable: case Builtin::IrqSave: case Builtin::IrqRestore:
      one(writes, slots_.irqs_on, cpu);
      break;
    case Builtin::IrqsDisabled: one(reads, slots_.irqs_on, cpu); break;
    case Builtin::PreemptDisable: case Builtin::PreemptEnable: one(writes, slots_.preempt_count, cpu); break;
    case Builtin::PreemptCount: one(reads, slots_.preempt_count, cpu); break;
    case Builtin::ReadCr3: one(reads, slots_.cr3, cpu); break;
    case Builtin::WakeUp: append(writes, slots_.task_asleep); break;
    case Builtin::SendIpi:
      append(writes, slots_.ipi_pending);
      for (const auto& args : slots_.ipi_args) append(writes, args);
      break;
    case Builtin::Pgd: case Builtin::PtePresent: case Builtin::PteWrite: case Builtin::PteFrame: case Builtin::PtPresent: case Builtin::PtFrame:
    case Builtin::PtepGet: case Builtin::PtIsBlock: case Builtin::DiskValue: case Builtin::DiskWord:
      memory_slots(reads);
      break;
    case Builtin::PtRead:  // a software walker: judged by the frame's kind
      memory_slots(reads);
      break;
    case Builtin::AsidOf: case Builtin::Cr3Of: case Builtin::CurrentOf: case Builtin::TlbCount: case Builtin::TlbPresent: case Builtin::TlbFrame:
    case Builtin::TlbWrite: case Builtin::WalkCached: case Builtin::TlbPte: case Builtin::PdpteOf:
      every_cpu_translation(reads);
      append(reads, slots_.current);
      memory_slots(reads);  // the tag of a root is the mm whose table it is
      break;
    // this CPU's invalidations and root loads (a root's tag and, under PAE,
    // its top-level entries come from memory)
    case Builtin::Invlpg: case Builtin::TlbiPageLocal: case Builtin::TlbFlushLocal: case Builtin::InvpcidSingle: case Builtin::InvpcidAddr:
    case Builtin::TlbFlushAsid: case Builtin::WriteCr3: case Builtin::WriteCr3Pcid: case Builtin::WriteTtbr0:
      translation_slots(cpu, writes);
      memory_slots(reads);
      break;
    // broadcast invalidations
    case Builtin::TlbiPage: case Builtin::TlbiAll: case Builtin::TlbiAside1is: case Builtin::TlbiVae1is:
      every_cpu_translation(writes);
      memory_slots(reads);
      break;
    // memory: tables, frames, the data cache, the disk, the kernel's
    // records (break-before-make, stale-permission and lost-write read
    // every CPU's translations to judge or record a change)
    case Builtin::SetPte: case Builtin::PteClear: case Builtin::PteGetAndClear: case Builtin::PteWrprotect: case Builtin::PtSet: case Builtin::PtClear:
    case Builtin::AllocFrame: case Builtin::AllocTable: case Builtin::FreeFrame: case Builtin::FreeTable: case Builtin::KernelLoad: case Builtin::KernelStore:
    case Builtin::CopyPage: case Builtin::FlushCachePage: case Builtin::FlushDcachePage: case Builtin::FlushCacheMm: case Builtin::AllocBlock:
    case Builtin::FreeBlock: case Builtin::SetBlock: case Builtin::TableSet: case Builtin::DiskWrite: case Builtin::DiskRead: case Builtin::SetPteAt:
    case Builtin::PtepGetAndClear: case Builtin::PtepTestAndClearYoung: case Builtin::PtepTestAndClearDirty: case Builtin::SyncReturn:
      memory_slots(writes);
      all_slots(reads);
      break;
    default:  // anything else: the whole machine
      all_slots(writes);
      break;
  }
  reads.insert(reads.end(), writes.begin() + std::ptrdiff_t(first_write), writes.end());
}

}  // namespace tlbcheck::model::machine
