#include "properties/stale_cache.hpp"

namespace tlbcheck::properties {

std::string explain(const CacheRead& r) {
  auto alias = [](int colour, bool kernel) { return "colour " + std::to_string(colour) + (kernel ? " (the kernel's mapping)" : " (a user mapping)"); };
  std::string where = "frame " + std::to_string(r.frame) + (r.show_word ? " word " + std::to_string(r.word) : "");
  std::string text = "reading " + where + " through " + alias(r.alias, r.alias_is_kernel) + " returned " + std::to_string(r.value) +
                     ", but the latest value written to it is " + std::to_string(r.latest);
  if (r.dirty_alias >= 0) text += ", which sits in a dirty line of " + alias(r.dirty_alias, r.dirty_is_kernel);
  return text;
}

std::string explain_access(const CacheRead& read, const StepContext& where) {
  return "stale-cache: '" + where.statement + "' by " + where.who + " at " + where.at + ": " + explain(read);
}

}  // namespace tlbcheck::properties
