#include "model/machine/config.hpp"

#include <array>

namespace tlbcheck::model::machine {

namespace {

constexpr std::array<FieldSpec, 26> kFields{{
    {"cpus", false, 1, 32, "number of CPUs", &Config::cpus, nullptr},
    {"levels", false, 1, 4, "page-table levels (1: a single table)", &Config::levels, nullptr},
    {"entries", false, 1, 8, "entries per page-table frame", &Config::entries, nullptr},
    {"frames", false, 0, 24, "physical frames (0: what the boot mappings need plus 2)", &Config::frames, nullptr},
    {"values", false, 1, 8, "distinct values a data word holds", &Config::values, nullptr},
    {"words", false, 1, 4, "words per data page (load_word, store_word; each word is its own cache line)", &Config::words, nullptr},
    {"tlb.speculative", true, 0, 1, "TLB and walk-cache fills may happen at any step", nullptr, &Config::speculative},
    {"tlb.pcid", true, 0, 1, "TLB and walk-cache entries are tagged with their address space (PCID/ASID); a root load flushes nothing",
     nullptr, &Config::pcid},
    {"tlb.asids", false, 0, 8,
     "TLB and walk-cache entries are tagged with an ASID/PCID value 0..N-1, loaded with the root (write_cr3(root, pcid, noflush), "
     "write_ttbr0(root, asid)); 0: not by value",
     &Config::asids, nullptr},
    {"walk_cache", true, 0, 1, "CPUs cache upper-level page-table entries", nullptr, &Config::walk_cache},
    {"huge", true, 0, 1,
     "an upper-level entry may map a block of pages (x86 2 MiB / 1 GiB pages, arm64 block descriptors) instead of a table; TLBs cache block translations",
     nullptr, &Config::huge},
    {"disk", true, 0, 1, "a backing store: each page has a disk copy that disk_write and disk_read move to and from a frame (DMA)", nullptr,
     &Config::disk},
    {"pae", true, 0, 1,
     "x86 PAE: a root load latches the top-level entries into per-CPU PDPTE registers, which walks use until the next root load "
     "(INVLPG and the other flushes leave them)",
     nullptr, &Config::pae},
    {"invlpg_drops_walk_cache", true, 0, 1, "a one-page invalidation also drops walk-cache entries (x86)", nullptr,
     &Config::invlpg_drops_walk_cache},
    {"invlpg.walk_levels", false, 1, 4, "the walk-cache levels a one-page invalidation drops: 2 up to this one (1: none)", &Config::invlpg_walk_levels,
     nullptr},
    {"invlpg.any_address", true, 0, 1, "a one-page invalidation drops the walk-cache entries of every address, not only the page's (x86)", nullptr,
     &Config::invlpg_any_address},
    {"fault_invalidates", true, 0, 1, "a page fault drops the TLB and walk-cache entries for the faulting address (x86)", nullptr,
     &Config::fault_invalidates},
    {"pte.accessed_dirty", true, 0, 1, "entries carry accessed (young) and dirty bits", nullptr, &Config::pte_accessed_dirty},
    {"pte.hw_update", true, 0, 1,
     "the hardware sets the accessed bit on a fill and the dirty bit on a first write (x86; arm64 with FEAT_HAFDBS); false: it faults instead",
     nullptr, &Config::pte_hw_update},
    {"pte.user", true, 0, 1, "entries carry the user bit: a user task's access to a user page through an entry without it faults", nullptr,
     &Config::pte_user},
    {"pte.global", true, 0, 1, "entries carry the global bit: global TLB entries survive root loads and PCID flushes and match every PCID", nullptr,
     &Config::pte_global},
    {"swap.offsets", false, 1, 8, "offsets a swap entry holds (swp_entry { ... }): 0 .. swap.offsets-1", &Config::swap_offsets, nullptr},
    {"irq_nesting", false, 1, 4, "interrupt handlers active at once on one CPU", &Config::irq_nesting, nullptr},
    {"preemption", true, 0, 1, "kernel preemption at any step with preempt count 0 and interrupts on", nullptr,
     &Config::preemption},
    {"dcache.colours", false, 0, 4, "a virtually indexed write-back data cache with this many colours (0: none)", &Config::colours, nullptr},
    {"dcache.kernel_colour", false, -1, 3, "the colour of the kernel's mappings (-1: the last colour)", &Config::kernel_colour, nullptr},
}};

constexpr std::array<FieldDependency, 11> kDependencies{{
    {"walk_cache", "levels >= 2", "levels", "walk caches hold upper-level page-table entries: set levels=2 or more",
     [](const Config& c, const Uses&) { return c.levels >= 2; }},
    {"huge", "levels >= 2", "levels", "huge pages are mapped by upper-level entries: set levels=2 or more",
     [](const Config& c, const Uses&) { return c.levels >= 2; }},
    {"invlpg_drops_walk_cache", "walk_cache", "walk_cache", "it says what INVLPG does to walk-cache entries: set walk_cache=true",
     [](const Config& c, const Uses&) { return c.walk_cache; }},
    {"invlpg.walk_levels", "walk_cache", "walk_cache", "it says which walk-cache entries INVLPG drops: set walk_cache=true",
     [](const Config& c, const Uses&) { return c.walk_cache; }},
    {"invlpg.walk_levels", "invlpg_drops_walk_cache", "invlpg_drops_walk_cache", "INVLPG drops no walk-cache entries at all",
     [](const Config& c, const Uses&) { return c.invlpg_drops_walk_cache; }},
    {"invlpg.any_address", "walk_cache", "walk_cache", "it says which walk-cache entries INVLPG drops: set walk_cache=true",
     [](const Config& c, const Uses&) { return c.walk_cache; }},
    {"invlpg.any_address", "invlpg_drops_walk_cache", "invlpg_drops_walk_cache", "INVLPG drops no walk-cache entries at all",
     [](const Config& c, const Uses&) { return c.invlpg_drops_walk_cache; }},
    {"pte.hw_update", "pte.accessed_dirty", "pte.accessed_dirty", "it says who sets the accessed and dirty bits: set pte.accessed_dirty=true",
     [](const Config& c, const Uses&) { return c.pte_accessed_dirty; }},
    {"dcache.kernel_colour", "dcache.colours > 0", "dcache.colours", "it is a colour of the data cache: set dcache.colours (or dcache=vipt)",
     [](const Config& c, const Uses&) { return c.colours > 0; }},
    {"swap.offsets", "swp_entry { ... }", "", "the protocol declares no swap types, so no swap entry holds an offset",
     [](const Config& c, const Uses&) { return !c.swap_types.empty(); }},
    {"irq_nesting", "an irq", "", "the protocol declares no interrupt handler",
     [](const Config&, const Uses& u) { return u.irqs; }},
}};

// Every field but cpus, for a protocol of plain variables and processes.
constexpr FieldDependency kNeedsMachine{"", "a machine", "",
                                        "the protocol declares no mm, page, task or irq and calls no machine built-in",
                                        [](const Config&, const Uses& u) { return u.machine; }};

}  // namespace

std::span<const FieldSpec> fields() { return kFields; }

std::span<const FieldDependency> dependencies() { return kDependencies; }

const FieldDependency* broken_dependency(std::string_view field, const Config& c, const Uses& uses) {
  if (field != "cpus" && !kNeedsMachine.holds(c, uses)) return &kNeedsMachine;
  for (const FieldDependency& d : kDependencies) {
    if (d.field == field && !d.holds(c, uses)) return &d;
  }
  return nullptr;
}

bool at_default(const FieldSpec& spec, const Config& c) {
  static const Config defaults;
  return spec.boolean ? c.*(spec.bool_field) == defaults.*(spec.bool_field) : c.*(spec.int_field) == defaults.*(spec.int_field);
}

std::string field_text(const FieldSpec& spec, const Config& c) {
  if (spec.boolean) return c.*(spec.bool_field) ? "true" : "false";
  return std::to_string(c.*(spec.int_field));
}

}  // namespace tlbcheck::model::machine
