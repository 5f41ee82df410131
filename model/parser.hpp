// Parser: tokens -> Module. Recursive descent with a nesting limit; after an
// error it skips to the next top-level declaration and goes on, so one run
// reports several errors.
#pragma once

#include <vector>

#include "model/ast.hpp"
#include "model/diagnostics.hpp"

namespace tlbcheck::model {

// Deepest nesting of blocks and parentheses accepted (a guard against stack
// exhaustion on hostile input; real protocols nest a handful of levels).
inline constexpr int kMaxNesting = 200;

Module parse(const SourceFile& file, const std::vector<Token>& tokens, Diagnostics& diags);

}  // namespace tlbcheck::model
