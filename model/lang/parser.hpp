// Parser: tokens -> Module. Recursive descent with a nesting limit; after an
// error it skips to the next top-level declaration and goes on, so one run
// reports several errors.
#pragma once

#include <cstdint>
#include <vector>

#include "model/lang/ast.hpp"
#include "model/lang/diagnostics.hpp"

namespace tlbcheck::model {

// Deepest nesting of blocks and parentheses accepted (a guard against stack
// exhaustion on hostile input; real protocols nest a handful of levels).
inline constexpr int kMaxNesting = 200;

// Highest expression tree accepted: every pass after the parser recurses
// over expressions, so this bounds their stack (real conditions are a few
// levels high; `a + b + ... ` is as high as it is long).
inline constexpr std::uint32_t kMaxExprHeight = 256;

Module parse(const SourceFile& file, const std::vector<Token>& tokens, Diagnostics& diags);

}  // namespace tlbcheck::model
