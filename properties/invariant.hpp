// A protocol's own `invariant NAME: EXPR;`: it holds in every reachable
// state. The model evaluates it on every state (model/runtime/); this file
// says why it does not hold: the invariant, and for a `forall` the value
// of its variable that breaks it, with the values its condition mentions.
#pragma once

#include <string>

namespace tlbcheck::properties {

struct BrokenInvariant {
  std::string name;
  std::string at;       // where it is declared: "t.tlb:7"
  std::string witness;  // "c = 1": the value of a forall's variable that breaks it, or empty
  std::string values;   // "mask = {0}, cr3_of(c) = frame0": the terms it mentions, or empty
};

// "invariant 'lazy_mask' (t.tlb:7) does not hold for c = 1: mask = {0}"
std::string explain_invariant(const BrokenInvariant& broken);

}  // namespace tlbcheck::properties
