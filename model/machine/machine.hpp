// The built-in machine: physical frames, multi-level page tables, per-CPU
// TLBs and paging-structure (walk) caches, the loaded root (CR3), a
// virtually indexed data cache, interrupt state and pending IPIs.
// Everything lives in the packed state; this class knows where (slot ids,
// laid out by the lowering: slots.hpp) and implements the hardware's
// semantics on a state buffer. One file per feature:
//   config.{hpp,cpp}    the `machine { }` fields
//   encoding.{hpp,cpp}  how entries, lines and frame kinds are stored and printed
//   builtins.{def,hpp}  the built-in functions the language offers
//   builtins.cpp        what each machine built-in does
//   machine.cpp         construction, slot access, page-number arithmetic
//   frames.cpp          allocating and freeing frames
//   page_tables.cpp     the kernel's view of the tables: pt_get, pt_put
//   tlb.cpp             the TLB: tags (PCIDs), invalidation, a translated access
//   page_walk.cpp       the hardware walk through the walk caches; speculation
//   data_cache.cpp      the data cache: reads, writes, write-back, eviction
//   interrupts.cpp      IPIs and taking an interrupt
//   scheduler.cpp       tasks: when one can be preempted
//   boot.cpp            the boot page tables
//   permissions.cpp     stale-permission's record: narrowed entries, `sync` returns
//   copies.cpp          lost-write's and dirty-dropped's: copied frames, write-backs
// The properties that judge what the machine does are in properties/.
//
// Virtual pages: page number n selects entry (n / entries^(l-1)) % entries
// at level l (1 = leaf, `levels` = root); pages that share a prefix share
// the upper-level entries, and so the walk-cache entries.
//
// Thread-safety: immutable after construction; operations work on the
// caller's state buffer only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checker/system.hpp"
#include "model/machine/builtins.hpp"
#include "model/machine/config.hpp"
#include "model/machine/encoding.hpp"
#include "model/machine/slots.hpp"
#include "model/bytecode/program.hpp"
#include "properties/break_before_make.hpp"
#include "properties/dirty_dropped.hpp"
#include "properties/lost_write.hpp"
#include "properties/stale_permission.hpp"
#include "properties/stale_translation.hpp"

namespace tlbcheck::model::machine {

// What a frame holds, in the terms of the properties that judge its use.
inline properties::FrameState frame_state(FrameKind k) {
  return k == FrameKind::Free ? properties::FrameState::Free : k == FrameKind::Table ? properties::FrameState::Table : properties::FrameState::Data;
}

// What an operation did. A Violation is one of: a stale translation
// (`stale`, judged by properties/stale_translation.hpp), a stale read
// (`stale_read`, judged by properties/stale_cache.hpp), or a runtime error
// (`runtime`).
struct Effect {
  enum Kind : std::uint8_t { Ok, Fault, Violation } kind = Ok;

  static Effect fault() {
    Effect e;
    e.kind = Fault;
    return e;
  }
  static Effect stale_translation(properties::StaleTranslation why, std::int64_t frame, std::int64_t other = -1) {
    Effect e;
    e.kind = Violation;
    e.stale = why;
    e.frame = frame;
    e.other = other;
    return e;
  }
  static Effect runtime_error(std::string message) {
    Effect e;
    e.kind = Violation;
    e.runtime = std::move(message);
    return e;
  }

  std::int64_t value = 0;  // a result (load, get-and-clear, alloc) or the offending value
  properties::StaleTranslation stale = properties::StaleTranslation::None;
  bool stale_read = false;
  bool walker_use_after_free = false;  // a software walker read a freed table (properties/sw_use_after_free.hpp)
  bool break_before_make = false;      // an entry changed without break-before-make (bbm says how)
  properties::BrokenBreakBeforeMake bbm;
  bool stale_permission = false;       // an access used more than the tables grant (perm says what)
  properties::StalePermissionUse perm;
  bool lost_write = false;             // a store landed in a copied frame (lost says which)
  properties::LostWriteUse lost;
  bool dirty_dropped = false;          // a store after a write-back, unseen (lost says which frame)
  // Whether the violation is the built-in's other property's (its table row:
  // stale-cache, sw-use-after-free, break-before-make) rather than runtime-error.
  bool judged_by_other_property() const { return stale_read || walker_use_after_free || break_before_make; }
  std::int64_t frame = -1;  // the frame involved
  std::int64_t other = -1;  // the mms it belongs to (a mask), the mapping count, the latest value ...
  int colour = -1;          // stale-cache: the alias read
  int word = 0;             // stale-cache: the word read
  int dirty_colour = -1;    // stale-cache: a colour whose dirty line holds the latest value
  std::string runtime;      // a runtime-error message, when not a stale translation
};

// One call of a machine built-in by a step (builtins.cpp).
struct BuiltinCall {
  checker::Word* state = nullptr;
  int cpu = -1;                    // the CPU the step runs on (-1: none, in an invariant)
  const std::int64_t* args = nullptr;  // in the order of the call; send_ipi's handler arguments first
  int extra = 0;                   // send_ipi: the handler's arguments
  bool mask_target = false;        // send_ipi: the target is a cpumask
  bool check_stale_cache = true;   // kernel_load, copy_page: judge the reads (stale-cache is on)
  bool check_walker = true;        // pt_read: judge the read (sw-use-after-free is on)
  bool check_bbm = false;          // writes of entries: judge them (break-before-make is on)
  bool track_narrowing = false;    // keep stale-permission's record (that property is on)
  bool mark_copies = false;        // keep lost-write's marks of copy_page (lost-write is on)
  bool mark_writebacks = false;    // and of disk_write (lost-write or dirty-dropped is on)
  int process = -1;                // the process instance the step runs (stale-permission's record)
  bool in_sync = false;            // the call is inside a function marked `sync`
  std::int64_t result = 0;         // its value, if it has one
  Effect effect;                   // on failure: what happened
  std::int64_t offending = 0;      // on failure: the value to name
};

class Machine {
 public:
  Machine() = default;
  // `irq_device`: per interrupt, whether it is a device's (else an IPI)
  Machine(const Config& config, int mms, std::vector<std::int64_t> page_index, std::vector<bool> page_kernel, std::vector<bool> irq_device, Slots slots,
          const std::vector<ModelSlot>* layout, const std::vector<SlotAccess>* access);

  // Runs a machine built-in (builtins.def); false on a violation
  // (call.effect says which: a runtime error, a stale read, a software
  // walker's use after free, a broken break-before-make). With
  // call.track_narrowing, it records the leaf entries the built-in narrowed
  // (permissions.cpp).
  bool call(Builtin builtin, BuiltinCall& call) const;

  // stale-permission's record (permissions.cpp)
  // The translation m's tables give `page` now, as a TLB would cache it
  // (0: none), read the way the kernel reads them (memory, not the PDPTEs).
  std::int64_t translation(const checker::Word* s, std::int64_t mm, std::int64_t page) const;
  properties::Grant grant(std::int64_t raw) const;
  // The entry where m's tables end for `page`: its leaf entry, or the
  // upper-level entry that is empty or a block (slot -1: no table on the way).
  struct EntryAt {
    std::int64_t slot = -1;
    int level = 0;
  };
  EntryAt entry_at(const checker::Word* s, std::int64_t mm, std::int64_t page) const;
  // Every process instance's narrowings are declared complete when it
  // returns from a `sync` function.
  void declare_complete(checker::Word* s, int process) const;
  // An access through TLB entry `raw` after the narrowing was declared complete.
  Effect judge_permission(const checker::Word* s, std::int64_t mm, std::int64_t page, std::int64_t raw, bool write, bool user_access) const;

  // lost-write's and dirty-dropped's marks (copies.cpp)
  // A copy of data frame f (copy_page; a disk_write if `writeback`): marks
  // it when a CPU can still write it unseen.
  void mark_copy(checker::Word* s, std::int64_t f, bool writeback) const;
  // A store that landed in f.
  Effect judge_store(const checker::Word* s, std::int64_t f, std::int64_t page, unsigned claims) const;
  // Whether a page-table entry (of any table) lets a CPU write f / shows f dirty.
  bool tables_allow_write(const checker::Word* s, std::int64_t f) const;
  bool tables_show_dirty(const checker::Word* s, std::int64_t f) const;
  // Whether a CPU can store through TLB entry `raw` without a walk.
  bool silent_store_possible(std::int64_t raw) const;
  // Why `asid` is no ASID of this machine ("" if it is one).
  std::string asid_error(std::int64_t asid) const;
  // The value built-ins (kValue): a pte value's bits.
  bool pte_value(Builtin builtin, BuiltinCall& call) const;

  const Config& config() const { return config_; }
  const PteFormat& pte() const { return pte_; }  // how entries are stored
  // The flags a new leaf entry for `page` gets (set_pte, boot): present,
  // writable as asked, accessed, and user for a user page, global for a
  // `kernel` one (x86's PAGE_SHARED and __PAGE_KERNEL).
  std::int64_t leaf_flags(std::int64_t page, bool writable) const;
  const Slots& slots() const { return slots_; }
  int frames() const { return frames_; }
  int pages() const { return int(page_index_.size()); }
  const std::vector<WalkKey>& walk_keys() const { return walk_keys_; }

  // (inline: every walk, fill and flush reads and writes slots through these)
  std::int64_t get(const checker::Word* s, std::uint32_t slot) const { return (*access_)[slot].get(s); }
  void set(checker::Word* s, std::uint32_t slot, std::int64_t v) const { (*access_)[slot].set(s, v); }

  // software page-table operations (level 1 = leaf)
  Effect pt_get(const checker::Word* s, std::int64_t mm, std::int64_t page, int level) const;  // value: raw entry
  Effect pt_put(checker::Word* s, std::int64_t mm, std::int64_t page, int level, std::int64_t raw) const;
  // break-before-make: whether writing `raw` over the level-`level` entry of
  // `page` in `mm` changes a translation the hardware may hold (a
  // Violation) or not (Ok).
  Effect judge_entry_write(const checker::Word* s, std::int64_t mm, std::int64_t page, int level, std::int64_t raw) const;
  Effect alloc(checker::Word* s, FrameKind kind) const;
  // `span` free data frames in a row, the first a multiple of `span` (a block's)
  Effect alloc_run(checker::Word* s, std::int64_t span) const;
  Effect release(checker::Word* s, std::int64_t frame, FrameKind kind) const;

  // TLB and walk-cache invalidations; `tag` -1: every address space
  // Drops `page`'s TLB entries on `cpu` and, with `walk_too`, the walk-cache
  // entries of levels 2..walk_levels covering it (of every address with
  // `any_address`); with `keep_global`, the address space's global entries
  // stay (INVPCID's individual-address type promises no more).
  void invalidate_page(checker::Word* s, int cpu, std::int64_t page, bool walk_too, std::int64_t tag = -1, int walk_levels = 4,
                       bool any_address = false, bool keep_global = false) const;
  // What the machine's one-page invalidation (x86 INVLPG) drops: the
  // configured levels and scope (config: invlpg_*).
  void invlpg(checker::Word* s, int cpu, std::int64_t page, std::int64_t tag) const;
  // Drops every TLB and walk-cache entry of `cpu` (of `tag`); with
  // `keep_global`, the TLB entries whose global bit is set stay (a root
  // load, a flush of one PCID).
  void invalidate_all(checker::Word* s, int cpu, std::int64_t tag = -1, bool keep_global = false) const;
  // What a frame holds now, and the root `cpu` has loaded (-1: none).
  FrameKind frame_kind(const checker::Word* s, std::int64_t frame) const { return FrameKind(get(s, slots_.kind[std::size_t(frame)])); }
  std::int64_t loaded_root(const checker::Word* s, int cpu) const { return get(s, slots_.cr3[std::size_t(cpu)]); }
  // asid-alias (tlb.asids): the first CPU that runs an mm under an ASID with
  // a non-global TLB entry to a data frame only other mms have mapped.
  struct AsidAliasAt {
    int cpu = -1;  // -1: none
    std::int64_t asid = 0, mm = -1, page = -1, frame = -1, owners = 0;
  };
  AsidAliasAt asid_alias(const checker::Word* s) const;
  // Loads `root` on `cpu` (CR3, TTBR0): under PAE it latches the root's
  // top-level entries into the CPU's PDPTE registers.
  void load_root(checker::Word* s, int cpu, std::int64_t root) const;
  // Under PAE, the table `cpu`'s PDPTE register for `page` holds (-1: not present).
  std::int64_t pdpte(const checker::Word* s, int cpu, std::int64_t page) const;

  // How many TLB entries `cpu` holds, of every address space.
  int tlb_count(const checker::Word* s, int cpu) const;
  // Whether `cpu` holds a TLB entry for `page`, of any address space.
  bool tlb_holds(const checker::Word* s, int cpu, std::int64_t page) const;
  // The entry for `page` that `cpu` would use now (its current address
  // space's), or 0.
  std::int64_t tlb_entry(const checker::Word* s, int cpu, std::int64_t page) const;
  // Whether `cpu`'s walk cache holds the level-`level` entry covering
  // `page` (2..levels), of any address space.
  bool walk_cached(const checker::Word* s, int cpu, std::int64_t page, int level) const;
  // The tag of the loaded root: its ASID value (tlb.asids), the mm whose
  // page directory it is (tlb.pcid; -1 if none), else 0.
  std::int64_t current_tag(const checker::Word* s, int cpu) const { return tags() == 1 && !config_.pcid ? 0 : tag_of_root(s, cpu); }
  std::int64_t tag_of_root(const checker::Word* s, int cpu) const;  // with PCIDs or ASID values
  int tags() const { return tag_count(config_, mms_); }

  // The kernel's claims an access is judged against (a mask): a narrowing
  // declared complete (stale-permission), a frame copied (lost-write), a
  // frame written back (dirty-dropped). Each needs its record's slots too.
  enum Claims : unsigned { kClaimPermission = 1, kClaimCopy = 2, kClaimWriteback = 4, kAllClaims = 7 };
  // A translated access by `cpu`. kind: 0 touch, 1 load, 2 store.
  // `check`: apply the stale-translation checks (off when that property is).
  // `space`: the address space the access belongs to (a user task's mm), or
  // -2 to take the one whose root is loaded.
  Effect access(checker::Word* s, int cpu, std::int64_t page, int kind, std::int64_t value, bool check = true, std::int64_t space = -2,
                bool check_cache = true, int word = 0, unsigned claims = kAllClaims) const;
  // A speculative walk: fills the TLB and walk cache where the tables allow.
  // Returns Violation when the walk goes through a frame that is no table.
  Effect speculate(checker::Word* s, int cpu, std::int64_t page, bool check = true) const;

  // the data cache (config().colours > 0)
  int colour_of(std::int64_t page) const { return int(page_index_[std::size_t(page)] % config_.colours); }
  int kernel_colour() const { return config_.kernel_colour >= 0 ? config_.kernel_colour : config_.colours - 1; }
  Effect cache_read(checker::Word* s, int colour, std::int64_t frame, int word, bool check) const;
  void cache_write(checker::Word* s, int colour, std::int64_t frame, int word, std::int64_t value) const;
  void cache_flush(checker::Word* s, int colour, std::int64_t frame) const;  // every word: write back if dirty, drop
  bool cache_writeback(checker::Word* s, int colour, std::int64_t frame, int word) const;  // false: nothing to do
  bool cache_evict(checker::Word* s, int colour, std::int64_t frame, int word) const;
  std::uint32_t line_slot(int colour, std::int64_t frame, int word) const {
    return slots_.line[std::size_t((colour * frames_ + frame) * config_.words + word)];
  }
  std::uint32_t value_slot(std::int64_t frame, int word) const { return slots_.value[std::size_t(frame * config_.words + word)]; }
  std::uint32_t latest_slot(std::int64_t frame, int word) const { return slots_.latest[std::size_t(frame * config_.words + word)]; }
  // a whole page through the kernel's colour: dst := src
  Effect copy_page(checker::Word* s, std::int64_t dst, std::int64_t src, bool check) const;

  // interrupts
  bool irqs_on(const checker::Word* s, int cpu) const { return get(s, slots_.irqs_on[std::size_t(cpu)]) != 0; }
  int depth(const checker::Word* s, int cpu) const { return int(get(s, slots_.irq_depth[std::size_t(cpu)])); }
  Effect send_ipi(checker::Word* s, std::int64_t target, bool is_mask, int irq) const;
  // Whether `cpu` can take interrupt `irq` now: interrupts on, below the
  // nesting limit, and the IPI pending (or the device has firings left).
  bool can_take_interrupt(const checker::Word* s, int cpu, int irq) const;
  // Takes it: clears it (or counts the firing), disables interrupts, and
  // nests one level deeper; returns the new nesting depth.
  int take_interrupt(checker::Word* s, int cpu, int irq) const;

  // the scheduler
  // Whether `task`, current on `cpu`, can be preempted there now: no
  // interrupt handler runs, interrupts are on, the preempt count is 0.
  bool preemptible(const checker::Word* s, int cpu, std::int64_t task) const;

  // The (colour, frame, word) of data-cache line `index` (in slots().line's order).
  struct LineKey {
    int colour;
    std::int64_t frame;
    int word;
  };
  LineKey line_key(int index) const {
    return {index / config_.words / frames_, (index / config_.words) % frames_, index % config_.words};
  }

  // Partial-order reduction (model/runtime/por.cpp): the machine's slots a
  // built-in run on `cpu` may read and may write, appended to `reads` and
  // `writes` (footprint.cpp). Conservative where an argument picks the
  // slot (every slot it may pick) or where a feature is hard to bound
  // (every machine slot); `reads` takes in `writes`.
  void builtin_footprint(Builtin builtin, int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const;
  // A translated access (touch, load, store) by `cpu`, and a speculative walk.
  void access_footprint(int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const;
  void speculate_footprint(int cpu, std::vector<std::uint32_t>& reads, std::vector<std::uint32_t>& writes) const;
  // Every slot of the machine; the memory (frames, tables, caches, disk,
  // the kernel's records); one CPU's address-translation state (root, ASID,
  // PDPTEs, TLB, walk cache).
  void all_slots(std::vector<std::uint32_t>& out) const;
  void memory_slots(std::vector<std::uint32_t>& out) const;
  void translation_slots(int cpu, std::vector<std::uint32_t>& out) const;
  // A device interrupt's counter of firings left (-1: an IPI, which has none).
  std::int64_t fires_slot(int irq) const { return fires_index_[std::size_t(irq)] < 0 ? -1 : std::int64_t(slots_.fires_left[std::size_t(fires_index_[std::size_t(irq)])]); }

  // Boot: the initial machine state for the given boot mappings.
  struct BootMap {
    int mm;
    std::int64_t page;  // page id
    bool writable;
  };
  // Returns false (with a message) when the frames do not suffice.
  bool boot(checker::Word* s, const std::vector<BootMap>& maps, std::string& error) const;
  // Frames boot needs for these mappings.
  static int boot_frames(const Config& config, int mms, const std::vector<std::int64_t>& page_index, const std::vector<BootMap>& maps);

  std::int64_t index_at(std::int64_t page, int level) const;  // entry index of `page` at `level`
  // The pages (and frames) a level-`level` block maps: entries^(level-1).
  std::int64_t block_span(int level) const;
  std::int64_t prefix_at(std::int64_t page, int level) const;

 private:
  bool perform(Builtin builtin, BuiltinCall& call) const;  // call(), without stale-permission's record
  bool perform_recording_narrowing(Builtin builtin, BuiltinCall& call) const;  // call(), with it
  // Whether some table entry / TLB entry to frame f satisfies `entry` (given the raw entry).
  template <typename Entry>
  bool any_table_entry_to(const checker::Word* s, std::int64_t f, Entry&& entry) const;
  template <typename Entry>
  bool any_tlb_entry_to(const checker::Word* s, std::int64_t f, Entry&& entry) const;
  // the table frame whose entry at `level` maps `page` in `mm`: -1 when a
  // table above is missing
  std::int64_t table_at(const checker::Word* s, std::int64_t mm, std::int64_t page, int level, Effect& e) const;
  // `store`: the walk is for a store (x86 sets the dirty bit with the accessed one)
  Effect walk(checker::Word* s, int cpu, std::int64_t page, bool fill_tlb, std::int64_t& raw, bool check, bool store = false) const;
  // The TLB entry `cpu` uses for `page` under `tag`: its own, else a global one of another tag.
  std::int64_t tlb_lookup(const checker::Word* s, int cpu, std::int64_t tag, std::int64_t page) const;
  int walk_key(int level, std::int64_t page) const;
  std::uint32_t tlb_slot(int cpu, std::int64_t tag, std::int64_t page) const {
    return slots_.tlb[std::size_t((cpu * tags() + tag) * pages() + page)];
  }
  std::uint32_t walk_slot(int cpu, std::int64_t tag, std::size_t key) const {
    return slots_.walk[std::size_t(cpu * tags() + tag) * walk_keys_.size() + key];
  }

  Config config_;
  PteFormat pte_;
  int mms_ = 0, frames_ = 0, irqs_ = 0;
  std::vector<int> fires_index_;  // per irq: its device counter in slots_.fires_left, or -1 (an IPI)
  std::vector<std::int64_t> page_index_;  // page id -> virtual page number
  std::vector<bool> page_kernel_;         // page id -> declared `kernel`
  std::vector<WalkKey> walk_keys_;
  std::vector<std::int64_t> pdpte_indices_;  // pae: the top-level indices with a PDPTE register
  Slots slots_;
  const std::vector<ModelSlot>* layout_ = nullptr;
  const std::vector<SlotAccess>* access_ = nullptr;
};

}  // namespace tlbcheck::model::machine
