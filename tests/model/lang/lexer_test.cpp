#include <catch2/catch.hpp>

#include "model/lang/lexer.hpp"

using namespace tlbcheck::model;

namespace {

std::vector<Tok> kinds(const std::string& text, Diagnostics& d) {
  static std::vector<std::unique_ptr<SourceFile>> keep;
  keep.push_back(std::make_unique<SourceFile>("t.tlb", text));
  std::vector<Tok> out;
  for (const Token& t : lex(*keep.back(), d)) out.push_back(t.kind);
  return out;
}

}  // namespace

TEST_CASE("keywords, identifiers, numbers and punctuation", "[lexer]") {
  Diagnostics d;
  auto k = kinds("process p on cpu 0x1f { x += 1; } // comment\n/* block */ a..b -> BUG_ON", d);
  CHECK_FALSE(d.has_errors());
  std::vector<Tok> want{Tok::KwProcess, Tok::Ident, Tok::KwOn, Tok::KwCpu, Tok::Int, Tok::LBrace, Tok::Ident, Tok::PlusAssign, Tok::Int,
                        Tok::Semi, Tok::RBrace, Tok::Ident, Tok::DotDot, Tok::Ident, Tok::Arrow, Tok::KwBugOn, Tok::End};
  CHECK(k == want);
}

TEST_CASE("integer values", "[lexer]") {
  Diagnostics d;
  SourceFile f("t.tlb", "0x10 42 2147483647");
  auto toks = lex(f, d);
  CHECK(toks[0].value == 16);
  CHECK(toks[1].value == 42);
  CHECK(toks[2].value == 2147483647);
  CHECK_FALSE(d.has_errors());
}

TEST_CASE("lexical errors are located and lexing goes on", "[lexer]") {
  Diagnostics d;
  kinds("a $ b 99999999999 \"open\n 12ab /* never closed", d);
  REQUIRE(d.error_count() == 5);
  CHECK(d.all()[0].kind == DiagKind::BadCharacter);
  CHECK(d.all()[1].kind == DiagKind::BadNumber);
  CHECK(d.all()[2].kind == DiagKind::UnterminatedString);
  CHECK(d.all()[3].kind == DiagKind::BadNumber);
  CHECK(d.all()[4].kind == DiagKind::UnterminatedComment);
  CHECK_THAT(render(d.all()[0]), Catch::StartsWith("t.tlb:1:3: error: unexpected character '$'"));
}
