// The machine's configuration: the fields of a protocol's `machine { }`
// block, each overridable with -D. The table drives parsing, checking and
// the report's option list, so a new hardware feature is one new row here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tlbcheck::model::machine {

// How deep preempt_disable() may nest on one CPU (the preempt count's range).
inline constexpr int kMaxPreemptDepth = 7;

struct Config {
  int cpus = 1;
  int levels = 1;          // page-table levels: 1 (a single table) .. 4
  int entries = 2;         // entries per page-table frame
  int frames = 0;          // physical frames; 0: what the boot mappings need plus 2
  int values = 2;          // data values a word can hold: 0 .. values-1
  int words = 1;           // words per data page (each word its own cache line)
  bool speculative = false;           // TLB and walk-cache fills at any step
  bool pcid = false;                  // entries tagged with the address space (PCID/ASID); a root load flushes nothing
  int asids = 0;                      // entries tagged with an ASID/PCID value 0..asids-1 loaded with the root (0: not by value)
  bool walk_cache = false;            // paging-structure caches
  bool huge = false;                  // upper-level entries may map blocks (huge pages)
  bool disk = false;                  // a backing store: a copy of each page's contents on disk
  bool pae = false;                   // x86 PAE: the top-level entries are latched per CPU at a root load
  bool invlpg_drops_walk_cache = true;  // x86: INVLPG also drops walk-cache entries ...
  int invlpg_walk_levels = 4;           // ... of levels 2 up to this one (1: none) ...
  bool invlpg_any_address = true;       // ... of the address space, whatever address they cover (x86 SDM 4.10.4.1)
  bool fault_invalidates = true;        // x86: a page fault drops the TLB and walk-cache entries for its address
  int irq_nesting = 1;                // interrupt handlers that may be active at once on a CPU
  bool preemption = false;            // kernel preemption at any preemptible step
  int colours = 0;                    // data cache: 0 none, else a VIPT write-back cache with this many colours
  int kernel_colour = -1;             // the colour of kernel mappings (-1: the last colour)
  // entry attributes (encoding.hpp: PteFormat)
  bool pte_accessed_dirty = false;    // entries carry accessed (young) and dirty bits ...
  bool pte_hw_update = true;          // ... which the hardware sets (x86, arm64 with FEAT_HAFDBS); else it faults
  bool pte_user = false;              // entries carry the user bit: a user task's access through one without it faults
  bool pte_global = false;            // entries carry the global bit: global TLB entries survive root loads and match every PCID
  int swap_offsets = 4;               // offsets a swap entry holds: 0 .. swap_offsets-1
  // from the protocol's declarations, not fields
  std::vector<std::string> pte_soft_bits;  // pte_bits { ... }
  std::vector<std::string> swap_types;     // swp_entry { ... }
};

// How many tags TLB and walk-cache entries carry: the ASID values, the
// address spaces (tlb.pcid), or one.
inline int tag_count(const Config& c, int mms) { return c.asids > 0 ? c.asids : c.pcid ? mms : 1; }

struct FieldSpec {
  std::string_view name;
  bool boolean;
  std::int64_t lo, hi;
  std::string_view meaning;
  int Config::*int_field;
  bool Config::*bool_field;
};

std::span<const FieldSpec> fields();

// What a dependency may read besides the fields: what the protocol uses.
struct Uses {
  bool machine = false;  // any page, mm, map, task, irq or machine built-in
  bool irqs = false;     // any irq handler
};

// A field whose value means nothing unless a condition holds: walk caches
// need upper levels, invlpg.* need walk caches. A setting that breaks one
// is refused (-D) or warned about (the machine block): it would change
// nothing but the options line.
struct FieldDependency {
  std::string_view field;      // the field that needs ...
  std::string_view condition;  // ... this, as people write it: "levels >= 2"
  std::string_view on;         // the field the condition reads ("": the protocol's declarations)
  std::string_view why;        // why it needs it, and what to set
  bool (*holds)(const Config&, const Uses&);
};

std::span<const FieldDependency> dependencies();

// The first dependency of `field` that `c` breaks, or null. Every field
// but cpus needs a protocol that uses the machine.
const FieldDependency* broken_dependency(std::string_view field, const Config& c, const Uses& uses);

// Whether the field holds the value a protocol without a machine block gets.
bool at_default(const FieldSpec& spec, const Config& c);

// The field's value as people write it ("true", "3").
std::string field_text(const FieldSpec& spec, const Config& c);

}  // namespace tlbcheck::model::machine
