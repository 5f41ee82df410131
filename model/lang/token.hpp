// Tokens of the protocol language.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/lang/source.hpp"

namespace tlbcheck::model {

enum class Tok : std::uint8_t {
  End, Ident, Int, String,
  // keywords
  KwProtocol, KwOption, KwConst, KwEnum, KwMachine, KwVar, KwPercpu, KwInvariant, KwFn,
  KwProcess, KwOn, KwEach, KwCpu, KwLet, KwIf, KwElse, KwWhile, KwLoop, KwBreak,
  KwContinue, KwReturn, KwAtomic, KwAwait, KwAssert, KwBugOn, KwEither, KwOr, KwSkip,
  KwTrue, KwFalse, KwBool, KwInt, KwCpumask, KwForall, KwExists, KwCount,
  // punctuation
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Semi, Colon, Dot, DotDot,
  Arrow, Assign, PlusAssign, MinusAssign, PlusPlus, MinusMinus,
  Plus, Minus, Star, Slash, Percent, Bang, Tilde, Amp, Pipe, Caret, AmpAmp, PipePipe,
  Eq, Ne, Lt, Le, Gt, Ge, Shl, Shr, Question,
};

std::string_view tok_spelling(Tok t);  // "'{'", "identifier", "'while'", ...

struct Token {
  Tok kind = Tok::End;
  Loc loc;
  std::string_view text;  // points into the SourceFile
  std::int64_t value = 0; // for Int
};

}  // namespace tlbcheck::model
