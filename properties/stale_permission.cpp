#include "properties/stale_permission.hpp"

namespace tlbcheck::properties {

WiderGrant wider_than_tables(const Grant& cached, const Grant& tables, bool write, bool user_access) {
  if (!cached.present) return WiderGrant::None;
  if (!tables.present) return WiderGrant::Unmapped;
  if (tables.frame != cached.frame) return WiderGrant::OtherFrame;
  if (write && cached.writable && !tables.writable) return WiderGrant::Write;
  if (user_access && cached.user && !tables.user) return WiderGrant::User;
  return WiderGrant::None;
}

bool narrows(const Grant& before, const Grant& after) {
  if (!before.present) return false;
  return !after.present || after.frame != before.frame || (before.writable && !after.writable) || (before.user && !after.user);
}

std::string explain_stale_permission(const StalePermissionUse& use, const std::string& mm, const std::string& page, const StepContext& where) {
  std::string out = "stale-permission: '" + where.statement + "' by " + where.who + " at " + where.at + " ";
  const std::string frame = "frame " + std::to_string(use.frame);
  const std::string declared = ", and the change was declared complete (a `sync` function returned)";
  switch (use.why) {
    case WiderGrant::Write:
      return out + "writes " + frame + " through its TLB entry for " + page + ", which is writable, but " + mm + "'s page table maps " + page +
             " read-only" + declared;
    case WiderGrant::User:
      return out + "reaches " + frame + " through its TLB entry for " + page + ", which is the user's, but " + mm + "'s page table keeps " + page +
             " from the user" + declared;
    case WiderGrant::OtherFrame:
      return out + "reaches " + frame + " through its TLB entry for " + page + ", but " + mm + "'s page table maps " + page + " to frame " +
             std::to_string(use.table_frame) + declared;
    case WiderGrant::Unmapped:
    case WiderGrant::None:
      break;
  }
  return out + "reaches " + frame + " through its TLB entry for " + page + ", but " + mm + "'s page table no longer maps " + page + declared;
}

}  // namespace tlbcheck::properties
