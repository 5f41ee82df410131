// The front end's limits (LANGUAGE.md, "Limits"): each one just inside (the
// protocol compiles) and just outside (a located diagnostic naming the
// limit), and the deepest protocol the limits allow, which must compile
// without exhausting the front end's stack even in the sanitizer build.
#include <catch2/catch.hpp>

#include <string>

#include "model/lower/lower.hpp"
#include "model/load.hpp"
#include "model/lang/parser.hpp"

namespace {

using namespace tlbcheck::model;

LoadResult load(const std::string& text) { return load_text("limits.tlb", text, {}); }

// The one error a load must report: its kind, and a piece of its message.
void expect_error(const LoadResult& r, DiagKind kind, const std::string& words) {
  INFO(r.diagnostics);
  CHECK_FALSE(r.system);
  REQUIRE(!r.list.empty());
  CHECK(r.list[0].kind == kind);
  CHECK(r.list[0].message.find(words) != std::string::npos);
}

void expect_ok(const LoadResult& r) {
  INFO(r.diagnostics);
  CHECK(r.system);
}

// `const C = 1 + 1 + ... + 1;` with `ops` additions: an expression tree
// `ops + 1` levels high (each addition sits on the one before it).
std::string chain(std::uint32_t ops) {
  std::string text = "const C = 1";
  for (std::uint32_t i = 0; i < ops; ++i) text += " + 1";
  return text + ";\nvar x: int[0..1];\nprocess p on cpu 0 { x = 1; }\n";
}

// A process calling f0, f0 calling f1, ..., f(n-1): calls nested n deep.
std::string calls(std::uint32_t n) {
  std::string text = "var x: int[0..1];\n";
  for (std::uint32_t i = 0; i + 1 < n; ++i) text += "fn f" + std::to_string(i) + "() { f" + std::to_string(i + 1) + "(); }\n";
  text += "fn f" + std::to_string(n - 1) + "() { x = 1 - x; }\n";
  return text + "process p on cpu 0 { f0(); }\n";
}

// A process of `calls` call statements to a function of `body` statements:
// calls * (1 + body) statements once inlined.
std::string statements(std::uint32_t calls, std::uint32_t body) {
  std::string text = "var x: int[0..1];\nfn g() {";
  for (std::uint32_t i = 0; i < body; ++i) text += " x = 1 - x;";
  text += " }\nprocess p on cpu 0 {";
  for (std::uint32_t i = 0; i < calls; ++i) text += " g();";
  return text + " }\n";
}

}  // namespace

TEST_CASE("limits: an expression tree as high as the limit compiles, one level more does not", "[limits]") {
  expect_ok(load(chain(kMaxExprHeight - 1)));
  LoadResult over = load(chain(kMaxExprHeight));
  expect_error(over, DiagKind::TooDeep, "expression nested deeper than " + std::to_string(kMaxExprHeight) + " levels");
  REQUIRE(!over.list.empty());
  CHECK(over.list[0].loc.offset > 0);  // at the operator that crossed it
}

TEST_CASE("limits: calls nested as deep as the limit compile, one deeper does not", "[limits]") {
  expect_ok(load(calls(kMaxCallDepth)));
  LoadResult over = load(calls(kMaxCallDepth + 1));
  expect_error(over, DiagKind::TooDeep, "calls nest more than " + std::to_string(kMaxCallDepth) + " deep once inlined");
  CHECK(over.list[0].message.find("f0() > f1()") != std::string::npos);
}

TEST_CASE("limits: a process of exactly the limit's statements compiles, one more does not", "[limits]") {
  static_assert(kMaxInlinedStatements == 256 * 256, "the test's shape assumes the limit");
  // 256 calls of a 255-statement function: 256 * (1 + 255) statements
  expect_ok(load(statements(256, 255)));
  LoadResult over = load(statements(256, 255) + "process q on cpu 0 { skip; }\n");
  expect_ok(over);  // another process has its own count
  LoadResult more = load(statements(257, 255));
  expect_error(more, DiagKind::StateTooLarge, "'p' has more than 65536 statements once its calls are inlined");
}

TEST_CASE("limits: quantifiers that unroll to the limit compile, past it they do not", "[limits]") {
  static_assert(kMaxUnrolledCopies == 256 * 256, "the test's shape assumes the limit");
  std::string head = "var x: int[0..1];\nprocess p on cpu 0 { x = 1; }\n";
  expect_ok(load(head + "invariant i: forall (a: int[0..255]) forall (b: int[0..255]) x >= 0;\n"));
  LoadResult over = load(head + "invariant i: forall (a: int[0..255]) forall (b: int[0..256]) x >= 0;\n");
  expect_error(over, DiagKind::StateTooLarge, "copies its body 65792 times, more than the limit of 65536");
  // located at the inner quantifier, the one that crossed it
  REQUIRE(!over.list.empty());
  CHECK(over.list[0].loc.offset == (head + "invariant i: forall (a: int[0..255]) ").size());
}

TEST_CASE("limits: the deepest protocol the limits allow compiles", "[limits]") {
  // kMaxCallDepth functions, each nesting its call as deep in blocks as the
  // parser allows (a block and the statement in it are two of its
  // kMaxNesting levels), beside an expression close to kMaxExprHeight: the
  // front end's deepest recursion, which its stack must hold
  // (model/load.cpp).
  std::string expr = "x";
  for (std::uint32_t i = 0; i + 8 < kMaxExprHeight; ++i) expr += " + 0";
  std::string text = "var x: int[0..1];\n";
  for (std::uint32_t f = 0; f < kMaxCallDepth; ++f) {
    text += "fn f" + std::to_string(f) + "() {";
    for (int i = 0; i < kMaxNesting / 2 - 5; ++i) text += " {";
    text += " x = (" + expr + ") % 2;";
    if (f + 1 < kMaxCallDepth) text += " f" + std::to_string(f + 1) + "();";
    for (int i = 0; i < kMaxNesting / 2 - 5; ++i) text += " }";
    text += " }\n";
  }
  text += "process p on cpu 0 { f0(); }\n";
  expect_ok(load(text));
}
