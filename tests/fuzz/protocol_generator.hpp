// Protocols made from the fuzzer's bytes, for the structure-aware harness
// (generator_fuzz.cpp): well-typed programs built from the grammar of
// LANGUAGE.md, and bundled files mutated token by token.
//
// Byte-level mutation of small seeds never builds the inputs that broke the
// front end before (tests/repro/): thousands of schedule() sites, functions
// that each call the next twice, quantifiers nested over 1024 values,
// expressions hundreds of levels deep, calls with a thousand arguments. The
// knobs below reach them directly: each is small most of the time and, on
// one input in a few, as large as the limits of LANGUAGE.md or past them.
#pragma once

#include <string>
#include <vector>

#include "tests/fuzz/choices.hpp"

namespace tlbcheck::fuzz {

struct Knobs {
  int cpus = 2;            // machine { cpus = N; }
  int statements = 6;      // per body, roughly (size)
  int depth = 3;           // nesting of statements and expressions
  int processes = 1;
  int tasks = 0;           // kernel tasks sharing cpu 0 (with a context_switch hook)
  int schedule_sites = 0;  // extra schedule() calls in the first task
  int functions = 1;       // statement functions, each calling only later ones
  int doubling = 0;        // a chain of functions each calling the next twice
  int quantifiers = 0;     // nested quantifiers in an invariant
  int quantifier_range = 2;  // each over int[0..range]
  int paren_depth = 0;     // one expression wrapped this many times
  int ipi_arguments = 0;   // an interrupt handler with this many parameters, sent with as many arguments
  bool machine = false;    // an mm, a page and accesses (the TLB)
};

// The knobs, mostly small, sometimes far past the limits.
Knobs choose_knobs(Choices& choices);

// A protocol that the front end should accept, except where a knob is past
// a limit (then a located error), or an expression's value falls outside a
// bound (a model-bound or runtime-error verdict when explored).
std::string generate_protocol(Choices& choices, const Knobs& knobs);

// `text` with a few token-level edits: ranges deleted, duplicated or
// swapped; names and keywords from the dictionary inserted; numbers set to
// extremes; statements repeated; expressions wrapped in parentheses.
std::string mutate_protocol(Choices& choices, const std::string& text);

// The words the mutations insert (tests/fuzz/tlbcheck.dict holds the same
// for libFuzzer's own mutations).
const std::vector<std::string>& dictionary();

}  // namespace tlbcheck::fuzz
