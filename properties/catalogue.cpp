#include "properties/catalogue.hpp"

#include <array>

namespace tlbcheck::properties {

namespace {

constexpr std::array<Entry, 9> kBuiltins{{
    {BuiltinProperty::Assertion, "assertion",
     "every assert(cond) holds, no BUG_ON(cond) fires and no BUG() is reached", true},
    {BuiltinProperty::RuntimeError, "runtime-error",
     "no value leaves its type's range, no index leaves its array, no division by zero, "
     "no cpu number outside the machine, and every atomic block ends",
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
}};

}  // namespace

std::span<const Entry> builtin_properties() { return kBuiltins; }

}  // namespace tlbcheck::properties
