// Lexer: turns a SourceFile into tokens. Never fails: bad characters and
// unterminated literals are reported and skipped.
#pragma once

#include <vector>

#include "model/lang/diagnostics.hpp"
#include "model/lang/token.hpp"

namespace tlbcheck::model {

std::vector<Token> lex(const SourceFile& file, Diagnostics& diags);

}  // namespace tlbcheck::model
