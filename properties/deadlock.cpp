#include "properties/deadlock.hpp"

namespace tlbcheck::properties {

std::string explain_deadlock(const std::vector<Blocked>& blocked) {
  std::string text = "no process can take a step: ";
  bool first = true;
  for (const Blocked& b : blocked) {
    text += std::string(first ? "" : "; ") + b.process + " on cpu" + std::to_string(b.cpu) + " is blocked" + (b.call.empty() ? "" : " in " + b.call) + " at " +
            b.at + " '" + b.statement + "'";
    first = false;
  }
  return text;
}

}  // namespace tlbcheck::properties
