#include <catch2/catch.hpp>

#include "model/lang/lexer.hpp"
#include "model/lang/parser.hpp"

using namespace tlbcheck::model;

namespace {

struct Parsed {
  std::unique_ptr<SourceFile> file;
  Module module;
  Diagnostics diags;
};

Parsed parse_text(const std::string& text) {
  Parsed p;
  p.file = std::make_unique<SourceFile>("t.tlb", text);
  auto toks = lex(*p.file, p.diags);
  p.module = parse(*p.file, toks, p.diags);
  return p;
}

}  // namespace

TEST_CASE("every declaration kind parses", "[parser]") {
  Parsed p = parse_text(R"(
    protocol "demo"
    option fix: enum { none, upstream } = none
    const N = 2;
    enum state { OK, LAZY }
    machine { cpus = 2; }
    var x: int[0..3] = 0;
    percpu s: state = OK;
    invariant small: x < 3;
    fn f(a: int[0..3]) -> bool { return a == 1; }
    process p on each cpu { loop { x = 1; } }
    process q on cpu 1 { either { skip; } or { await(x == 1); } }
  )");
  INFO(p.diags.render());
  CHECK_FALSE(p.diags.has_errors());
  REQUIRE(p.module.decls.size() == 11);
  CHECK(p.module.decls[0].text == "demo");
  CHECK(p.module.decls[9].each_cpu);
}

TEST_CASE("operator precedence follows C", "[parser]") {
  Parsed p = parse_text("const C = 1 + 2 * 3 == 7 && !false;");
  REQUIRE(p.module.decls.size() == 1);
  const Expr& top = p.module.at(p.module.decls[0].value);
  CHECK(top.op == Tok::AmpAmp);
  const Expr& eq = p.module.at(top.args[0]);
  CHECK(eq.op == Tok::Eq);
  CHECK(p.module.at(eq.args[0]).op == Tok::Plus);
}

TEST_CASE("after an error the parser resumes at the next declaration", "[parser]") {
  Parsed p = parse_text("var x int; var y: bool; process p on cpu 0 { x = ; } var z: bool;");
  CHECK(p.diags.error_count() == 2);
  // y and z still parse
  int vars = 0;
  for (const Decl& d : p.module.decls) vars += d.kind == DeclKind::Var;
  CHECK(vars == 2);
}

TEST_CASE("nesting beyond the limit is an error, not a crash", "[parser]") {
  std::string deep = "const C = " + std::string(5000, '(') + "1" + std::string(5000, ')') + ";";
  Parsed p = parse_text(deep);
  REQUIRE(p.diags.has_errors());
  CHECK(p.diags.all()[0].kind == DiagKind::TooDeep);
}

TEST_CASE("a function marked sync: the word after the signature, and still a name everywhere else", "[parser]") {
  Parsed p = parse_text(R"(
    option sync: bool = true
    fn mprotect(m: mm) sync { }
    fn total() -> int[0..3] sync { return 1; }
    fn plain() { }
  )");
  REQUIRE_FALSE(p.diags.has_errors());
  REQUIRE(p.module.decls.size() == 4);
  CHECK(p.module.decls[1].sync);
  CHECK(p.module.decls[2].sync);
  CHECK(p.module.decls[2].has_type);
  CHECK_FALSE(p.module.decls[3].sync);
  Parsed bad = parse_text("fn f() synk { }\n");
  CHECK(bad.diags.has_errors());
}
