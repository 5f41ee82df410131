#include "properties/invariant.hpp"

namespace tlbcheck::properties {

std::string explain_invariant(const BrokenInvariant& b) {
  std::string text = "invariant '" + b.name + "' (" + b.at + ") does not hold";
  if (!b.witness.empty()) text += " for " + b.witness;
  if (!b.values.empty()) text += ": " + b.values;
  return text;
}

}  // namespace tlbcheck::properties
