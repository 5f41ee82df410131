// The inputs that reproduced known defects (tests/repro/, byte for byte the
// copies in ../shared/repro), each with the outcome it must have now: a
// located diagnostic and exit 2, or the right result. ctest runs these
// through the release build and again through the sanitizer and
// assertions build.
#include <catch2/catch.hpp>

#include "tests/support.hpp"

using namespace tlbcheck::testing;

namespace {

std::string repro(const std::string& name) { return quote(source_dir() + "/tests/repro/" + name); }

// check, interpreted unless `engine` says "native"
RunResult check(const std::string& name, const std::string& args = "", const std::string& engine = "interpreter") {
  return run(quote(cli()) + " check " + repro(name) + " --engine " + engine + " --threads 1 -q --memory-limit 1G " + args, 60);
}

void expect_located(const RunResult& r, const std::string& file, const std::string& kind, const std::string& words) {
  INFO(r.output);
  CHECK(r.exit == 2);
  CHECK_THAT(r.output, Catch::Contains(file + ":") && Catch::Contains(": error: ") && Catch::Contains("[" + kind + "]") && Catch::Contains(words));
  CHECK_THAT(r.output, Catch::Contains("\n") && Catch::Contains("^"));  // the line and a caret
  CHECK(r.output.find("Sanitizer") == std::string::npos);
}

}  // namespace

TEST_CASE("repro F1: an evaluation stack deeper than the interpreter's is a located error", "[repro]") {
  // before: a segmentation fault (the stack overflowed into the successor callback)
  expect_located(check("F1-eval-stack-overflow-expr.tlb"), "F1-eval-stack-overflow-expr.tlb", "TooDeep", "expression nested deeper than 256 levels");
  expect_located(check("F1-eval-stack-overflow-ipi.tlb"), "F1-eval-stack-overflow-ipi.tlb", "StateTooLarge",
                 "more than 1024 values pending on the evaluation stack");
}

TEST_CASE("repro F2: schedule() sites leave the compiled stack balanced", "[repro]") {
  // before: an assertion failure in any build with assertions
  for (const char* engine : {"interpreter", "native"}) {
    RunResult r = check("F2-assert-unbalanced-stack.tlb", "", engine);
    INFO(engine << "\n" << r.output);
    CHECK(r.exit == 0);
    CHECK_THAT(r.output, Catch::Contains("verdict: holds") && Catch::Contains("states: 2, transitions: 1"));
  }
}

TEST_CASE("repro F3: a deep expression tree is a located error, not a stack overflow", "[repro]") {
  expect_located(check("F3-deep-expression-asan-stack.tlb"), "F3-deep-expression-asan-stack.tlb", "TooDeep", "expression nested deeper than 256 levels");
}

TEST_CASE("repro F4 and F5: exponential inlining and unrolling stop at their limits", "[repro]") {
  // before: 2.7 GB and 17 s, and 10^9 terms, each ending in advice meant for the search
  RunResult inlined = check("F4-inline-blowup.tlb");
  expect_located(inlined, "F4-inline-blowup.tlb", "StateTooLarge", "'p' has more than 65536 statements once its calls are inlined");
  CHECK_THAT(inlined.output, Catch::Contains("f0() > f1()") && !Catch::Contains("--memory-limit"));
  RunResult unrolled = check("F5-quantifier-blowup.tlb");
  expect_located(unrolled, "F5-quantifier-blowup.tlb", "StateTooLarge", "copies its body 1048576 times, more than the limit of 65536");
  CHECK_THAT(unrolled.output, !Catch::Contains("--memory-limit"));
}

TEST_CASE("repro F6: text that is not UTF-8 is refused where it is", "[repro]") {
  // before: the whole search ran, then --format json failed with a library error
  RunResult r = check("F6-non-utf8-protocol-name.tlb", "--format json");
  expect_located(r, "F6-non-utf8-protocol-name.tlb:1:14", "BadEncoding", "invalid UTF-8 (byte 0xe9)");
}

TEST_CASE("repro F7 and F8: replay names the first malformed field of a trace", "[repro]") {
  std::string protocol = quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb");
  RunResult line = run(quote(cli()) + " replay " + protocol + " " + repro("F7-replay-line-float-cast.json"));
  INFO(line.output);
  CHECK(line.exit == 2);
  CHECK_THAT(line.output, Catch::Contains(".trace[0].line: expected a line number (an integer from 0 to 4294967295), found 1e+30"));
  RunResult slot = run(quote(cli()) + " replay " + protocol + " " + repro("F8-replay-slot-not-string.json"));
  INFO(slot.output);
  CHECK(slot.exit == 2);
  CHECK_THAT(slot.output, Catch::Contains(".trace[1].changes[0].slot: expected a string, found 7"));
}

TEST_CASE("repro: a merged step is labelled with the statement that had its effect", "[repro]") {
  // before: the step that frees the frame read 'get(): return f;', a local
  // statement merged into it, and so did the explanation
  for (const char* engine : {"interpreter", "native"}) {
    RunResult r = check("misattributed_free_step.tlb", "", engine);
    INFO(engine << "\n" << r.output);
    CHECK(r.exit == 1);
    CHECK_THAT(r.output, Catch::Contains("    5 | [18] free_frame(x);"));
    CHECK_THAT(r.output, Catch::Contains("frame1.kind became free at step 5 (a, line 18: free_frame(x);)"));
    CHECK_THAT(r.output, !Catch::Contains("return f;)"));
  }
}
