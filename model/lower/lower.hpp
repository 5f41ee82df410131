// Lowering: a checked module -> Program (layout, initial state, bytecode).
// Functions are inlined at each call site; quantifiers are unrolled; the
// per-process control-flow graphs are searched (Boost.Graph) for statements
// no execution reaches, which are reported as warnings.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/sema/sema.hpp"
#include "model/lang/diagnostics.hpp"
#include "model/bytecode/program.hpp"

namespace tlbcheck::model {

inline constexpr std::uint32_t kMaxStateWords = 512;
inline constexpr std::uint32_t kMaxStack = 1024;

// What the lowering may expand a protocol into (LANGUAGE.md, "Limits"):
// - calls (and the page-fault and context-switch hooks) nest at most
//   kMaxCallDepth deep once inlined;
// - one process, handler or task instance has at most kMaxInlinedStatements
//   statements once its calls are inlined;
// - a quantifier's body is copied at most kMaxUnrolledCopies times (the
//   product of its range and the ranges of the quantifiers around it).
// - the whole program has at most kMaxInstructions instructions (24 bytes
//   each: about 100 MB).
// With the parser's limits (kMaxNesting, kMaxExprHeight) they bound the
// front end's recursion and its memory.
inline constexpr std::uint32_t kMaxCallDepth = 64;
inline constexpr std::uint32_t kMaxInlinedStatements = 65536;
inline constexpr std::uint64_t kMaxUnrolledCopies = 65536;
inline constexpr std::uint32_t kMaxInstructions = 1u << 22;

// What a violation message shows: for each variable a condition mentions,
// its text and a snippet of code that evaluates it in the violating state.
struct SiteTerms {
  std::vector<std::pair<std::string, std::uint32_t>> terms;
};

// For an invariant `forall (x: T) body`: per value of x, code for the body
// and its terms, to name the value that breaks it.
struct Witness {
  std::string var;
  std::vector<std::pair<std::string, std::uint32_t>> values;  // (shown value, body entry)
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> terms;
};

struct Lowered {
  Program program;
  std::vector<SiteTerms> site_terms;  // parallel to program.sites
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> invariant_terms;
  std::vector<Witness> invariant_witness;  // parallel to invariants; empty var: none
};

// `enabled[p]` says whether PropertyId p is checked; a disabled assertion
// compiles to nothing. `reset_dead`: every step puts the variables that are
// dead where it ends back to their initial values (liveness.cpp).
Lowered lower(const AnalyzedModule& cm, const std::vector<bool>& enabled, Diagnostics& diags, bool reset_dead);

}  // namespace tlbcheck::model
