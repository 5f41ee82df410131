// Where a violation happened, in the protocol's own words: what each
// property's explanation names. The language fills it in (model/runtime/);
// the properties only put it into a sentence.
#pragma once

#include <string>

namespace tlbcheck::properties {

struct StepContext {
  std::string statement;  // the source text of the statement: "assert(counter == 2);"
  std::string who;        // the process and its CPU: "observer on cpu0"
  std::string at;         // "lost_update.tlb:23"
  std::string values;     // the values of the variables the condition mentions: "counter = 1" (may be empty)
};

}  // namespace tlbcheck::properties
