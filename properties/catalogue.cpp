#include "properties/catalogue.hpp"

#include <array>

namespace tlbcheck::properties {

namespace {

constexpr std::array<Entry, 13> kBuiltins{{
    {BuiltinProperty::Assertion, "assertion",
     "every assert(cond) holds, no BUG_ON(cond) fires and no BUG() is reached", true},
    {BuiltinProperty::RuntimeError, "runtime-error",
     "no index leaves its array, no division by zero, no cpu number outside the machine, no machine built-in is misused, "
     "and every atomic block ends",
     false},
    {BuiltinProperty::Deadlock, "deadlock",
     "some process can always take a step until every process has run to its end", true},
    {BuiltinProperty::StaleTranslation, "stale-translation",
     "no access or page walk goes through a TLB entry, walk-cache entry or root to a frame that is free, "
     "reused, or another address space's, and no write reaches a frame mapped copy-on-write",
     true},
    {BuiltinProperty::StaleCache, "stale-cache",
     "every read of a frame, through any alias (a user mapping's colour, the kernel's colour, memory), returns the "
     "latest value written to it",
     true},
    {BuiltinProperty::FreedRoot, "freed-root", "no CPU keeps a page table loaded as its root once that table is freed", true, false},
    {BuiltinProperty::SwUseAfterFree, "sw-use-after-free",
     "no software page-table walker (the kernel's lockless walkers: pt_read) reads a table frame that was freed or reused", true},
    {BuiltinProperty::BreakBeforeMake, "break-before-make",
     "no page-table entry changes from one translation to another (output address, or block and table) while it is valid, or while a TLB or walk "
     "cache still holds the old one (Arm's break-before-make)",
     true, false},
    {BuiltinProperty::AsidAlias, "asid-alias",
     "no CPU runs an address space under an ASID value whose TLB entries still translate for another address space (tlb.asids)", true},
    {BuiltinProperty::StalePermission, "stale-permission",
     "once a function marked sync has returned, no access goes through a TLB entry that grants more than the page tables do "
     "(a write the tables forbid, a user access, a page they no longer map there)",
     true},
    {BuiltinProperty::LostWrite, "lost-write",
     "no write lands in a frame after the kernel copied it elsewhere (copy_page, disk_write) when no page table let it be written", true},
    {BuiltinProperty::DirtyDropped, "dirty-dropped",
     "no page is written back while a CPU can still dirty it unseen, and no write lands in it afterwards with no mapping left to mark it dirty",
     true},
    {BuiltinProperty::ModelBound, "model-bound",
     "no value leaves the range its declaration gives it: a bound of the model, too small for this configuration, reported as an error of the "
     "model (exit 2) rather than a finding about the protocol",
     false, true, true},
}};

}  // namespace

std::span<const Entry> builtin_properties() { return kBuiltins; }

}  // namespace tlbcheck::properties
