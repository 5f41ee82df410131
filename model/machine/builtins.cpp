// The runtime of the built-ins table (builtins.def): what each machine
// built-in does when a step calls it. Each case hands the work to the
// feature it belongs to (page_tables.cpp, tlb.cpp, data_cache.cpp, ...).
// The memory accesses (touch, load, store) are Op::Access and schedule() is
// the lowering's switch code, not calls.
#include "model/machine/machine.hpp"

#include "properties/sw_use_after_free.hpp"

namespace tlbcheck::model {

IntRange int_result(Builtin b, const machine::Config& config, int pages, int mms) {
  switch (b) {
    case Builtin::PreemptCount: return {0, machine::kMaxPreemptDepth};
    case Builtin::TlbCount: return {0, std::int64_t(machine::tag_count(config, mms)) * pages};
    case Builtin::AsidOf: return {0, std::max(0, config.asids - 1)};
    case Builtin::PteFlags: return {0, machine::pte_flag::kAll};
    case Builtin::SwpType: return {0, std::max<std::int64_t>(0, std::int64_t(config.swap_types.size()) - 1)};
    case Builtin::SwpOffset: return {0, config.swap_offsets - 1};
    default: return {0, config.values - 1};  // a word's value
  }
}

}  // namespace tlbcheck::model

namespace tlbcheck::model::machine {

bool Machine::call(Builtin b, BuiltinCall& call) const {
  const bool record = call.track_narrowing && !slots_.narrowing.empty() && call.process >= 0;
  if (b == Builtin::SyncReturn) {  // the outermost `sync` function returns
    if (record) declare_complete(call.state, call.process);
    return true;
  }
  return record && builtin_info(b).changes_entries() ? perform_recording_narrowing(b, call) : perform(b, call);
}

bool Machine::perform(Builtin b, BuiltinCall& call) const {
  const int cpu = call.cpu;
  auto fail = [&](Effect e) {
    call.effect = std::move(e);
    call.offending = 0;
    return false;
  };
  // a write that makes an entry valid, judged by break-before-make when it is on
  auto put = [&](std::int64_t mm, std::int64_t page, int level, std::int64_t raw) {
    if (call.check_bbm) {
      Effect judged = judge_entry_write(call.state, mm, page, level, raw);
      if (judged.kind != Effect::Ok) return judged;
    }
    return pt_put(call.state, mm, page, level, raw);
  };
  auto page_ok = [&](std::int64_t page) { return page >= 0 && page < pages(); };
  Effect e;
  switch (b) {
    case Builtin::Pgd: {
      std::int64_t mm = call.args[0];
      if (mm < 0) return fail(Effect::runtime_error("pgd(none): no mm"));
      call.result = get(call.state, slots_.pgd[std::size_t(mm)]);
      return true;
    }
    case Builtin::ReadCr3: call.result = get(call.state, slots_.cr3[std::size_t(cpu)]); return true;
    case Builtin::WriteCr3: {
      load_root(call.state, cpu, call.args[0]);
      // without PCIDs a root load flushes the TLB and walk caches (global
      // entries stay); with PCIDs as address spaces, nothing; with ASID
      // values, the current ASID's (a load without NOFLUSH)
      if (config_.asids > 0) invalidate_all(call.state, cpu, current_tag(call.state, cpu), true);
      else if (!config_.pcid) invalidate_all(call.state, cpu, -1, true);
      return true;
    }
    case Builtin::WriteCr3Pcid: case Builtin::WriteTtbr0: {  // the root and an ASID together
      std::int64_t asid = call.args[1];
      if (std::string why = asid_error(asid); !why.empty()) return fail(Effect::runtime_error(why));
      load_root(call.state, cpu, call.args[0]);
      set(call.state, slots_.asid[std::size_t(cpu)], asid);
      // x86: a CR3 load without NOFLUSH (bit 63) flushes that PCID's entries
      if (b == Builtin::WriteCr3Pcid && call.args[2] == 0) invalidate_all(call.state, cpu, asid, true);
      return true;
    }
    case Builtin::InvpcidSingle: case Builtin::InvpcidAddr: case Builtin::TlbiAside1is: case Builtin::TlbiVae1is: {
      // invalidation by ASID value: INVPCID types 1 and 0 on this CPU;
      // TLBI ASIDE1IS and VAE1IS on every CPU
      const bool by_page = b == Builtin::InvpcidAddr || b == Builtin::TlbiVae1is;
      std::int64_t asid = b == Builtin::TlbiVae1is ? call.args[1] : call.args[0];
      std::int64_t page = b == Builtin::InvpcidAddr ? call.args[1] : b == Builtin::TlbiVae1is ? call.args[0] : -1;
      if (std::string why = asid_error(asid); !why.empty()) return fail(Effect::runtime_error(why));
      if (by_page && !page_ok(page)) return fail(Effect::runtime_error("no such page"));
      const bool broadcast = b == Builtin::TlbiAside1is || b == Builtin::TlbiVae1is;
      for (int c = 0; c < config_.cpus; ++c) {
        if (!broadcast && c != cpu) continue;
        if (!by_page) invalidate_all(call.state, c, asid, true);
        // INVPCID type 0 drops the PCID's paging-structure caches too (SDM: "all
        // entries in the paging-structure caches associated with the PCID")
        // (and, SDM vol. 2A INVPCID: "except global translations" for type 0)
        else if (b == Builtin::InvpcidAddr) invalidate_page(call.state, c, page, true, asid, config_.levels, true, true);
        else invalidate_page(call.state, c, page, call.args[2] == 0, asid);
      }
      return true;
    }
    case Builtin::AsidOf: {
      std::int64_t c = call.args[0];
      if (c < 0 || c >= config_.cpus) return fail(Effect::runtime_error("cpu " + std::to_string(c) + " does not exist"));
      call.result = config_.asids > 0 ? get(call.state, slots_.asid[std::size_t(c)]) : 0;
      return true;
    }
    case Builtin::TlbFlushAsid: {
      std::int64_t mm = call.args[0];
      if (mm < 0) return fail(Effect::runtime_error("tlb_flush_asid(none)"));
      if (config_.asids > 0) return fail(Effect::runtime_error("tlb_flush_asid(mm) names an address space; with tlb.asids, flush by value: invpcid_single(asid) or tlbi_aside1is(asid)"));
      invalidate_all(call.state, cpu, config_.pcid ? mm : -1, true);
      return true;
    }
    case Builtin::PageIsKernel: {
      std::int64_t page = call.args[0];
      call.result = page >= 0 && std::size_t(page) < page_kernel_.size() && page_kernel_[std::size_t(page)] ? 1 : 0;
      return true;
    }
    case Builtin::PtRead: {  // a software walker's read of one entry of a table frame
      std::int64_t table = call.args[0], page = call.args[1];
      int level = int(call.args[2]);
      if (table < 0 || table >= frames_) return fail(Effect::runtime_error("pt_read of frame none"));
      if (!page_ok(page)) return fail(Effect::runtime_error("no such page"));
      const FrameKind kind = frame_kind(call.state, table);
      if (call.check_walker && properties::walker_reads_freed(frame_state(kind))) {
        Effect uaf;
        uaf.kind = Effect::Violation;
        uaf.walker_use_after_free = true;
        uaf.frame = table;
        uaf.other = std::int64_t(kind);
        return fail(uaf);
      }
      call.result = pte_.frame_or_none(get(call.state, slots_.entry[std::size_t(table * config_.entries + index_at(page_index_[std::size_t(page)], level))]));
      return true;
    }
    case Builtin::TlbCount: case Builtin::TlbPresent: case Builtin::TlbFrame: case Builtin::TlbWrite: case Builtin::WalkCached: case Builtin::TlbPte: case Builtin::PdpteOf: {
      std::int64_t c = call.args[0];
      if (c < 0 || c >= config_.cpus) return fail(Effect::runtime_error("cpu " + std::to_string(c) + " does not exist"));
      if (b == Builtin::PdpteOf && !config_.pae) return fail(Effect::runtime_error("pdpte() reads PAE's PDPTE registers: set the machine field pae"));
      if (b == Builtin::TlbCount) call.result = tlb_count(call.state, int(c));
      else if (b == Builtin::TlbPresent) call.result = tlb_holds(call.state, int(c), call.args[1]);
      else if (b == Builtin::TlbFrame) call.result = pte_.frame_or_none(tlb_entry(call.state, int(c), call.args[1]));
      else if (b == Builtin::TlbWrite) call.result = pte_.writable(tlb_entry(call.state, int(c), call.args[1]));
      else if (b == Builtin::TlbPte) call.result = tlb_entry(call.state, int(c), call.args[1]);
      else if (b == Builtin::PdpteOf) call.result = pdpte(call.state, int(c), call.args[1]);
      else call.result = walk_cached(call.state, int(c), call.args[1], int(call.args[2]));
      return true;
    }
    case Builtin::Cr3Of: case Builtin::CurrentOf: {
      std::int64_t c = call.args[0];
      if (c < 0 || c >= config_.cpus) return fail(Effect::runtime_error("cpu " + std::to_string(c) + " does not exist"));
      if (b == Builtin::Cr3Of) call.result = get(call.state, slots_.cr3[std::size_t(c)]);
      else call.result = slots_.current.empty() ? -1 : get(call.state, slots_.current[std::size_t(c)]);
      return true;
    }
    case Builtin::PtePresent: case Builtin::PteWrite: case Builtin::PteFrame: case Builtin::PtPresent: case Builtin::PtFrame: {
      int level = b == Builtin::PtPresent || b == Builtin::PtFrame ? int(call.args[2]) : 1;
      std::int64_t mm = call.args[0], page = call.args[1];
      e = pt_get(call.state, mm, page, level);
      if (e.kind != Effect::Ok) return fail(e);
      std::int64_t raw = e.value;
      if (b == Builtin::PtePresent || b == Builtin::PtPresent) call.result = pte_.present(raw);
      else if (b == Builtin::PteWrite) call.result = pte_.writable(raw);
      else call.result = pte_.frame_or_none(raw);
      // a block: the frame p's address lands in (pmd_page() + the page's offset)
      if (b == Builtin::PtFrame && pte_.block_level(raw) > 0) call.result += page_index_[std::size_t(page)] % block_span(level);
      return true;
    }
    case Builtin::PtepGet: {
      if (!page_ok(call.args[1])) return fail(Effect::runtime_error("no such page"));
      e = pt_get(call.state, call.args[0], call.args[1], 1);
      if (e.kind != Effect::Ok) return fail(e);
      call.result = e.value;
      return true;
    }
    case Builtin::SetPte: {
      std::int64_t mm = call.args[0], page = call.args[1], f = call.args[2];
      bool writable = call.args[3] != 0;
      if (f < 0) return fail(Effect::runtime_error("set_pte to frame none: use pte_clear"));
      e = put(mm, page, 1, pte_.make(f, leaf_flags(page, writable)));
      return e.kind == Effect::Ok ? true : fail(e);
    }
    case Builtin::SetPteAt: {
      if (!page_ok(call.args[1])) return fail(Effect::runtime_error("no such page"));
      e = put(call.args[0], call.args[1], 1, call.args[2]);
      return e.kind == Effect::Ok ? true : fail(e);
    }
    case Builtin::PtepGetAndClear: case Builtin::PtepTestAndClearYoung: case Builtin::PtepTestAndClearDirty: {
      // atomic read-modify-writes of one leaf entry, as the kernel's
      // helpers do them (a locked instruction: the hardware cannot set a
      // bit in between)
      std::int64_t mm = call.args[0], page = call.args[1];
      if (!page_ok(page)) return fail(Effect::runtime_error("no such page"));
      std::int64_t bit = b == Builtin::PtepTestAndClearYoung ? pte_flag::kAccessed : b == Builtin::PtepTestAndClearDirty ? pte_flag::kDirty : 0;
      if (bit != 0 && !pte_.carries(bit)) return fail(Effect::runtime_error(pte_.uncleared(bit)));
      e = pt_get(call.state, mm, page, 1);
      if (e.kind != Effect::Ok) return fail(e);
      const std::int64_t raw = e.value;
      std::int64_t next = raw;
      if (b == Builtin::PtepGetAndClear) next = 0;
      else next = pte_.holds_frame(raw) ? pte_.with_flags(raw, pte_.flags(raw) & ~bit) : raw;
      if (next != raw) {
        e = pt_put(call.state, mm, page, 1, next);
        if (e.kind != Effect::Ok) return fail(e);
      }
      call.result = b == Builtin::PtepGetAndClear ? raw : (pte_.holds_frame(raw) && pte_.has(raw, bit) ? 1 : 0);
      return true;
    }
    case Builtin::AllocBlock: case Builtin::FreeBlock: case Builtin::SetBlock: case Builtin::PtIsBlock: case Builtin::TableSet: {
      if (!config_.huge) return fail(Effect::runtime_error("blocks need the machine field huge"));
      const int level = int(call.args[b == Builtin::AllocBlock ? 0 : b == Builtin::FreeBlock ? 1 : 2]);
      if (b != Builtin::TableSet && level < 2) return fail(Effect::runtime_error("a block maps an upper-level entry: level 2.." + std::to_string(config_.levels)));
      const std::int64_t span = block_span(level);
      if (b == Builtin::AllocBlock) {
        e = alloc_run(call.state, span);
        if (e.kind != Effect::Ok) return fail(e);
        call.result = e.value;
        return true;
      }
      if (b == Builtin::FreeBlock) {
        std::int64_t f = call.args[0];
        if (f < 0 || f % span != 0 || f + span > frames_) return fail(Effect::runtime_error("free_block(" + std::to_string(f) + ", " + std::to_string(level) + "): not the first frame of a level-" + std::to_string(level) + " block"));
        for (std::int64_t g = f; g < f + span; ++g) {
          e = release(call.state, g, FrameKind::Data);
          if (e.kind != Effect::Ok) return fail(e);
        }
        return true;
      }
      if (b == Builtin::PtIsBlock) {
        e = pt_get(call.state, call.args[0], call.args[1], level);
        if (e.kind != Effect::Ok) return fail(e);
        call.result = pte_.present(e.value) && pte_.block_level(e.value) > 0;
        return true;
      }
      if (b == Builtin::SetBlock) {
        std::int64_t f = call.args[3];
        if (f < 0 || f % span != 0) return fail(Effect::runtime_error("a level-" + std::to_string(level) + " block starts at a frame that is a multiple of " + std::to_string(span)));
        e = put(call.args[0], call.args[1], level, pte_.with_block(pte_.make(f, leaf_flags(call.args[1], true)), level));
        return e.kind == Effect::Ok ? true : fail(e);
      }
      // table_set(t, p, l, f): the level-l entry covering p in table frame t,
      // not linked into any mm yet (a table being filled before it is
      // populated, as a block is split)
      std::int64_t t = call.args[0], page = call.args[1], f = call.args[3];
      if (t < 0 || t >= frames_ || FrameKind(get(call.state, slots_.kind[std::size_t(t)])) != FrameKind::Table) return fail(Effect::runtime_error("table_set: frame " + (t < 0 ? std::string("none") : std::to_string(t)) + " is no page table"));
      if (!page_ok(page)) return fail(Effect::runtime_error("no such page"));
      const FrameKind want = level == 1 ? FrameKind::Data : FrameKind::Table;
      if (f < 0 || f >= frames_ || FrameKind(get(call.state, slots_.kind[std::size_t(f)])) != want) return fail(Effect::runtime_error(std::string("table_set: a level-") + std::to_string(level) + " entry must point to a " + (level == 1 ? "data frame" : "page-table frame")));
      const std::uint32_t slot = slots_.entry[std::size_t(t * config_.entries + index_at(page_index_[std::size_t(page)], level))];
      if (level == 1) {
        std::uint32_t maps = slots_.maps[std::size_t(f)];
        if (get(call.state, maps) >= (*layout_)[maps].hi) return fail(Effect::runtime_error("frame " + std::to_string(f) + " would be mapped too many times"));
        if (pte_.holds_frame(get(call.state, slot))) return fail(Effect::runtime_error("table_set: the entry is in use: it fills a new table"));
        set(call.state, maps, get(call.state, maps) + 1);
        if (!slots_.copied.empty()) set(call.state, slots_.copied[std::size_t(f)], 0);  // a writable mapping again (lost-write)
      }
      set(call.state, slot, level == 1 ? pte_.make(f, leaf_flags(page, true)) : pte_.make(f, true));
      return true;
    }
    case Builtin::PtSet: {
      std::int64_t mm = call.args[0], page = call.args[1], f = call.args[3];
      int level = int(call.args[2]);
      if (f < 0) return fail(Effect::runtime_error("pt_set to frame none: use pt_clear"));
      e = put(mm, page, level, pte_.make(f, true));
      return e.kind == Effect::Ok ? true : fail(e);
    }
    case Builtin::PteClear: case Builtin::PteGetAndClear: case Builtin::PteWrprotect: case Builtin::PtClear: {
      int level = b == Builtin::PtClear ? int(call.args[2]) : 1;
      std::int64_t mm = call.args[0], page = call.args[1];
      if (!page_ok(page)) return fail(Effect::runtime_error("no such page"));
      e = pt_get(call.state, mm, page, level);
      if (e.kind != Effect::Ok) return fail(e);
      std::int64_t raw = e.value;
      std::int64_t next = b == Builtin::PteWrprotect ? pte_.read_only(raw) : 0;
      if (raw != 0) {
        e = pt_put(call.state, mm, page, level, next);
        if (e.kind != Effect::Ok) return fail(e);
      }
      if (b == Builtin::PteGetAndClear) call.result = pte_.frame_or_none(raw);
      return true;
    }
    case Builtin::AllocFrame: case Builtin::AllocTable:
      e = alloc(call.state, b == Builtin::AllocFrame ? FrameKind::Data : FrameKind::Table);
      if (e.kind != Effect::Ok) return fail(e);
      call.result = e.value;
      return true;
    case Builtin::FreeFrame: case Builtin::FreeTable: {
      e = release(call.state, call.args[0], b == Builtin::FreeFrame ? FrameKind::Data : FrameKind::Table);
      return e.kind == Effect::Ok ? true : fail(e);
    }
    case Builtin::Invlpg: {  // with PCIDs, INVLPG drops the current address space's entries only
      std::int64_t page = call.args[0];
      const bool tagged = config_.pcid || config_.asids > 0;
      std::int64_t tag = tagged ? current_tag(call.state, cpu) : -1;
      if (!tagged || tag >= 0) invlpg(call.state, cpu, page, tag);
      return true;
    }
    case Builtin::TlbiPage: case Builtin::TlbiPageLocal: {
      std::int64_t page = call.args[0];
      bool last_level = call.args[1] != 0;
      for (int c = 0; c < config_.cpus; ++c) {
        if (b == Builtin::TlbiPage || c == cpu) invalidate_page(call.state, c, page, !last_level);
      }
      return true;
    }
    case Builtin::TlbFlushLocal: invalidate_all(call.state, cpu); return true;
    case Builtin::TlbiAll:
      for (int c = 0; c < config_.cpus; ++c) invalidate_all(call.state, c);
      return true;
    case Builtin::SendIpi: {  // args: the handler's arguments, then target and handler
      const std::size_t nargs = call.extra;
      std::int64_t target = call.args[nargs];
      int irq = int(call.args[nargs + 1]);
      std::size_t nirqs = std::size_t(irqs_);
      e = send_ipi(call.state, target, call.mask_target, irq);
      if (e.kind != Effect::Ok) {
        call.effect = e;
        call.offending = target;
        return false;
      }
      for (int c = 0; c < config_.cpus && nargs > 0; ++c) {  // the arguments travel with the IPI
        bool hit = call.mask_target ? ((target >> c) & 1) != 0 : target == c;
        if (!hit) continue;
        const auto& slots = slots_.ipi_args[std::size_t(c) * nirqs + std::size_t(irq)];
        for (std::size_t i = 0; i < nargs; ++i) {
          std::int64_t v = call.args[i];
          const ModelSlot& m = (*layout_)[slots[i]];
          if (v < m.lo || v > m.hi) return fail(Effect::runtime_error("argument " + std::to_string(v) + " does not fit '" + m.pub.name + "' of type " + m.pub.type));
          set(call.state, slots[i], v);
        }
      }
      return true;
    }
    case Builtin::IrqDisable: set(call.state, slots_.irqs_on[std::size_t(cpu)], 0); return true;
    case Builtin::IrqEnable: set(call.state, slots_.irqs_on[std::size_t(cpu)], 1); return true;
    case Builtin::IrqSave:
      call.result = irqs_on(call.state, cpu) ? 1 : 0;
      set(call.state, slots_.irqs_on[std::size_t(cpu)], 0);
      return true;
    case Builtin::IrqRestore: set(call.state, slots_.irqs_on[std::size_t(cpu)], call.args[0] != 0 ? 1 : 0); return true;
    case Builtin::IrqsDisabled: call.result = irqs_on(call.state, cpu) ? 0 : 1; return true;
    case Builtin::WakeUp: {
      std::int64_t t = call.args[0];
      if (t < 0) return fail(Effect::runtime_error("wake_up(none)"));
      set(call.state, slots_.task_asleep[std::size_t(t)], 0);
      return true;
    }
    case Builtin::PreemptDisable: case Builtin::PreemptEnable: {
      std::uint32_t slot = slots_.preempt_count[std::size_t(cpu)];
      std::int64_t n = get(call.state, slot) + (b == Builtin::PreemptDisable ? 1 : -1);
      if (n < 0) return fail(Effect::runtime_error("preempt_enable() without a matching preempt_disable()"));
      if (n > kMaxPreemptDepth) return fail(Effect::runtime_error("preempt_disable() nested more than " + std::to_string(kMaxPreemptDepth) + " deep"));
      set(call.state, slot, n);
      return true;
    }
    case Builtin::PreemptCount: call.result = slots_.preempt_count.empty() ? 0 : get(call.state, slots_.preempt_count[std::size_t(cpu)]); return true;
    case Builtin::DiskWrite: case Builtin::DiskRead: case Builtin::DiskValue: case Builtin::DiskWord: {
      // DMA between a frame and a page's disk copy: memory, never the data
      // cache (a dirty line the kernel did not write back is not on disk;
      // a line left over from before a read shadows what the disk brought)
      if (!config_.disk) return fail(Effect::runtime_error("the backing store needs the machine field disk"));
      const bool to_disk = b == Builtin::DiskWrite;
      std::int64_t page = to_disk || b == Builtin::DiskValue || b == Builtin::DiskWord ? call.args[0] : call.args[1];
      if (!page_ok(page)) return fail(Effect::runtime_error("no such page"));
      auto disk = [&](int w) { return slots_.disk[std::size_t(page * config_.words + w)]; };
      if (b == Builtin::DiskValue || b == Builtin::DiskWord) {
        std::int64_t w = b == Builtin::DiskWord ? call.args[1] : 0;
        if (w < 0 || w >= config_.words) return fail(Effect::runtime_error("word " + std::to_string(w) + " is outside 0.." + std::to_string(config_.words - 1) + " (words)"));
        call.result = get(call.state, disk(int(w)));
        return true;
      }
      std::int64_t f = to_disk ? call.args[1] : call.args[0];
      if (f < 0 || f >= frames_ || FrameKind(get(call.state, slots_.kind[std::size_t(f)])) != FrameKind::Data) {
        return fail(Effect::runtime_error(std::string(to_disk ? "disk_write from" : "disk_read into") + " frame " + (f < 0 ? std::string("none") : std::to_string(f)) + ", which is no data frame"));
      }
      if (to_disk && call.mark_writebacks) mark_copy(call.state, f, true);  // the page is treated as clean from here on
      for (int w = 0; w < config_.words; ++w) {
        if (to_disk) {
          set(call.state, disk(w), get(call.state, value_slot(f, w)));
        } else {
          std::int64_t v = get(call.state, disk(w));
          set(call.state, value_slot(f, w), v);
          if (config_.colours > 0) set(call.state, latest_slot(f, w), v);  // the newest contents
        }
      }
      return true;
    }
    case Builtin::KernelLoad: case Builtin::KernelStore: case Builtin::CopyPage: case Builtin::FlushDcachePage: {
      bool check = call.check_stale_cache;
      std::int64_t f = call.args[0];
      std::int64_t value = b == Builtin::KernelStore ? call.args[1] : 0;
      std::int64_t src = b == Builtin::CopyPage ? call.args[1] : 0;
      if (f < 0 || (b == Builtin::CopyPage && src < 0)) return fail(Effect::runtime_error("a cache operation on frame none"));
      if (b == Builtin::CopyPage) {  // copy_page(dcall.state, src): every word, through the kernel's mapping
        e = copy_page(call.state, f, src, check);
        if (e.kind != Effect::Ok) return fail(e);
        if (call.mark_copies) mark_copy(call.state, src, false);
        return true;
      }
      if (config_.colours == 0) {  // no data cache: memory itself (word 0)
        if (b == Builtin::KernelLoad) call.result = get(call.state, value_slot(f, 0));
        if (b == Builtin::KernelStore) {
          if (value < 0 || value >= config_.values) return fail(Effect::runtime_error("kernel_store of a value outside 0..values-1"));
          set(call.state, value_slot(f, 0), value);
        }
        return true;
      }
      int k = kernel_colour();
      if (b == Builtin::KernelLoad) {
        e = cache_read(call.state, k, f, 0, check);
        if (e.kind != Effect::Ok) return fail(e);
        call.result = e.value;
      } else if (b == Builtin::KernelStore) {
        if (value < 0 || value >= config_.values) return fail(Effect::runtime_error("kernel_store of a value outside 0..values-1"));
        cache_write(call.state, k, f, 0, value);
      } else {
        for (int c = 0; c < config_.colours; ++c) cache_flush(call.state, c, f);
      }
      return true;
    }
    case Builtin::FlushCachePage: case Builtin::FlushCacheMm: {
      if (config_.colours == 0) return true;  // no data cache: nothing to flush
      std::int64_t mm = call.args[0];
      std::int64_t only = b == Builtin::FlushCachePage ? call.args[1] : -1;
      for (int page = 0; page < pages(); ++page) {
        if (only >= 0 && page != only) continue;
        e = pt_get(call.state, mm, page, 1);
        if (e.kind != Effect::Ok) return fail(e);
        if (pte_.holds_frame(e.value)) cache_flush(call.state, colour_of(page), pte_.frame(e.value));
      }
      return true;
    }
    case Builtin::SyncReturn: return true;  // (call() keeps the record)
    default:
      if (builtin_info(b).value()) return pte_value(b, call);
      return fail(Effect::runtime_error("not a machine built-in"));
  }
}

std::string Machine::asid_error(std::int64_t asid) const {
  if (config_.asids == 0) return "ASIDs as values need the machine field tlb.asids";
  if (asid < 0 || asid >= config_.asids) return "ASID " + std::to_string(asid) + " is outside 0.." + std::to_string(config_.asids - 1) + " (tlb.asids)";
  return "";
}

bool Machine::pte_value(Builtin b, BuiltinCall& call) const {
  using namespace pte_flag;
  auto fail = [&](std::string why) {
    call.effect = Effect::runtime_error(std::string(builtin_info(b).name) + ": " + why);
    call.offending = 0;
    return false;
  };
  const std::int64_t x = call.args[0];
  if (b == Builtin::PfnPte) {  // pfn_pte(frame, flags)
    if (x < 0 || x >= frames_) return fail("frame none");
    if (std::string why = pte_.unrepresentable(call.args[1], true); !why.empty()) return fail(why);
    call.result = pte_.make(x, call.args[1]);
    return true;
  }
  if (b == Builtin::SwpEntryToPte) {  // swp_entry_to_pte(type, offset)
    if (pte_.swap_types() == 0) return fail("no swap entries: declare swp_entry { ... }");
    if (x < 0 || x >= pte_.swap_types()) return fail("swap type " + std::to_string(x) + " is outside 0.." + std::to_string(pte_.swap_types() - 1));
    if (call.args[1] < 0 || call.args[1] >= pte_.swap_offsets())
      return fail("offset " + std::to_string(call.args[1]) + " is outside 0.." + std::to_string(pte_.swap_offsets() - 1) + " (machine field swap.offsets)");
    call.result = pte_.make_swap(x, call.args[1], 0);
    return true;
  }
  if (x != 0 && !pte_.holds_frame(x) && !pte_.is_swap(x)) return fail("not a page-table entry");
  // (a bit the entries do not carry reads as its implied value)
  const std::int64_t flags = pte_.flags(x);
  const std::int64_t bit = b == Builtin::PteYoung ? kAccessed : kDirty;
  switch (b) {
    case Builtin::PteNone: call.result = x == 0; return true;
    case Builtin::PtePresentOf: call.result = pte_.present(x); return true;
    case Builtin::PteWriteOf: call.result = pte_.writable(x); return true;
    case Builtin::PteYoung: case Builtin::PteDirty: call.result = (flags & bit) != 0; return true;
    case Builtin::PtePfn: call.result = pte_.frame_or_none(x); return true;
    case Builtin::PteFlags: call.result = flags; return true;
    case Builtin::IsSwapPte: call.result = pte_.is_swap(x); return true;
    case Builtin::SwpType: case Builtin::SwpOffset:
      if (!pte_.is_swap(x)) return fail("not a swap entry");
      call.result = b == Builtin::SwpType ? pte_.swap_type(x) : pte_.swap_offset(x);
      return true;
    default: break;
  }
  // the makers: a new value from an old one
  std::int64_t set = 0, clear = 0;
  switch (b) {
    case Builtin::PteMkyoung: set = kAccessed; break;
    case Builtin::PteMkold: clear = kAccessed; break;
    case Builtin::PteMkdirty: set = kDirty; break;
    case Builtin::PteMkclean: clear = kDirty; break;
    case Builtin::PteMkwrite: set = kRw; break;
    case Builtin::PteWrprotectOf: clear = kRw; break;
    case Builtin::PteSetFlags: set = call.args[1]; break;
    case Builtin::PteClearFlags: clear = call.args[1]; break;
    default: return fail("not a pte helper");
  }
  if (x == 0) return fail("an empty entry (pte_none) has no bits to change");
  if (std::string why = pte_.uncleared(clear); !why.empty()) return fail(why);
  const std::int64_t next = (flags | set) & ~clear;
  if (std::string why = pte_.unrepresentable(next, pte_.holds_frame(x)); !why.empty()) return fail(why);
  call.result = pte_.with_flags(x, next);
  return true;
}

}  // namespace tlbcheck::model::machine
