// The `asid-alias` property: no CPU runs an address space under an ASID
// (PCID) value whose TLB entries still translate for another address space.
// With ASIDs as values (tlb.asids) the kernel allocates them itself; when it
// gives a value to a new mm (a rollover, a reuse) every CPU must flush that
// value's entries before running the new mm under it (arm64's
// tlb_flush_pending and local_flush_tlb_all in check_and_switch_context;
// x86's CR3 load without NOFLUSH when choose_new_asid says need_flush).
// Otherwise the CPU can use the old mm's translation for the new one: a
// translation of the wrong address space.
//
// Judged on every state, so the counterexample ends at the root load that
// made the alias, before any access uses it (stale-translation catches the
// use). Not an alias: a global entry (it belongs to every address space),
// a frame the running mm has mapped too (shared), a frame of init_mm's (the
// kernel's, every address space's), a free frame (then it is
// a stale translation, judged at its use).
#pragma once

#include <cstdint>
#include <string>

namespace tlbcheck::properties {

// Whether a TLB entry to a data frame mapped by the mms in `owners` (a
// mask) is an alias for the running mm `mm`.
bool is_asid_alias(std::int64_t owners, std::int64_t mm);

struct AsidAlias {
  int cpu = -1;
  std::int64_t asid = 0;
  std::string mm, page, owner;  // the running mm, the page, the mm(s) the frame belongs to
  std::int64_t frame = -1;
};

// "cpu0 runs B under ASID 1 while its TLB still holds a translation of V
// to frame 2, which is A's: ..."
std::string explain_asid_alias(const AsidAlias& alias);

}  // namespace tlbcheck::properties
