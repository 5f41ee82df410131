// The `stale-permission` property: once the kernel has declared a change of
// the page tables complete, no CPU still uses a TLB entry that grants more
// than the tables do now: a write through an entry the tables made
// read-only, a user access through one they took from the user, any access
// through one whose page they unmapped or pointed elsewhere.
//
// How the kernel declares it, without ghost code: by returning from a
// function marked `sync` (`fn change_protection(...) sync { ... }`), the
// contract the kernel states for mprotect() and the like ("when this
// returns, no CPU uses the old permissions"). The machine remembers, per
// address space and page, who last narrowed the entry inside a `sync`
// function (a process instance: a task, a process, a handler) and whether
// the outermost `sync` function of that instance has returned since; an
// entry narrowed by someone whose flush is still under way may be used, as
// the kernel allows (a racing access).
//
// This file holds the comparison of a TLB entry with the tables and the
// explanation; the machine (model/machine/permissions.cpp) keeps the
// record and calls the judgement at each access that hits the TLB.
#pragma once

#include <cstdint>
#include <string>

#include "properties/step_context.hpp"

namespace tlbcheck::properties {

// A translation, as a TLB entry caches it or as the tables give it now.
struct Grant {
  bool present = false;
  std::int64_t frame = -1;
  bool writable = false;
  bool user = false;  // _PAGE_USER (the machine reports it set on every entry without pte.user)
};

// What an access used that the tables no longer grant.
enum class WiderGrant : std::uint8_t { None, Unmapped, OtherFrame, Write, User };

// Whether an access (a write if `write`; a user task's access to a user
// page if `user_access`) through `cached` uses more than `tables` grants.
WiderGrant wider_than_tables(const Grant& cached, const Grant& tables, bool write, bool user_access);

// Whether an entry's change from `before` to `after` takes something away
// (the translation, its frame, the write or user permission): the change
// the kernel must then declare complete.
bool narrows(const Grant& before, const Grant& after);

// What the machine reports (plain values: it travels in every step's effect).
struct StalePermissionUse {
  WiderGrant why = WiderGrant::None;
  std::int32_t mm = -1, page = -1;  // ids; the explanation is given names
  std::int32_t frame = -1;          // the frame the TLB entry leads to
  std::int32_t table_frame = -1;    // the frame the tables map now (-1: none)
};

// "stale-permission: 'store(V, 1);' by user on cpu1 at t.tlb:30 writes
// frame 2 through its TLB entry for V, which is writable, but M's page
// table maps V read-only and the change was declared complete"
std::string explain_stale_permission(const StalePermissionUse& use, const std::string& mm, const std::string& page, const StepContext& where);

}  // namespace tlbcheck::properties
