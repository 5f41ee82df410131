#include "properties/assertion.hpp"

namespace tlbcheck::properties {

std::string explain_assertion(AssertionKind kind, const StepContext& where) {
  const std::string values = where.values.empty() ? "" : ", with " + where.values;
  switch (kind) {
    case AssertionKind::Assert: return "assertion '" + where.statement + "' failed in " + where.who + " at " + where.at + values;
    case AssertionKind::BugOn: return "'" + where.statement + "' fired in " + where.who + " at " + where.at + values;
    case AssertionKind::Bug: return "BUG() reached in " + where.who + " at " + where.at;
  }
  return "";
}

}  // namespace tlbcheck::properties
