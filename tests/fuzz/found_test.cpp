// The inputs the fuzzers found (tests/fuzz/found/), each with the outcome it
// must have now. ctest runs these through the release build and again
// through the sanitizer and assertions build. The fuzz corpus itself runs as
// the "fuzz corpus: NAME" tests (tests/fuzz/CMakeLists.txt).
#include <catch2/catch.hpp>

#include "tests/support.hpp"

using namespace tlbcheck::testing;

TEST_CASE("fuzz: send_ipi with 300 handler arguments runs, in both engines", "[fuzz]") {
  // before: an internal error, "leaves 256 values on the stack" (the count of arguments was a byte)
  for (const char* engine : {"interpreter", "native"}) {
    RunResult r = run(quote(cli()) + " check " + quote(source_dir() + "/tests/fuzz/found/ipi_300_arguments.tlb") + " --engine " + engine + " -q --threads 1");
    INFO(engine << "\n" << r.output);
    CHECK(r.exit == 0);
    CHECK_THAT(r.output, Catch::Contains("verdict: holds") && Catch::Contains("states: 8, transitions: 9"));
  }
}

TEST_CASE("fuzz: sizes and durations too large for their types are bad options", "[fuzz]") {
  // before: undefined behaviour converting 1e30 bytes (tests/fuzz/found/memory_limit_1e30.cmdline, found by UBSan),
  // and 'tlbcheck: error: stod' for a duration of 400 digits
  const std::string check = quote(cli()) + " check " + quote(source_dir() + "/examples/textbook/peterson.tlb") + " --engine interpreter -q ";
  for (const char* size : {"1e30", "inf", "1e300G"}) {
    RunResult r = run(check + "--memory-limit " + size);
    INFO(r.output);
    CHECK(r.exit == 2);
    CHECK_THAT(r.output, Catch::Contains("expected a size such as 512M or 4G [BadOption]"));
  }
  RunResult r = run(check + "--time-limit " + std::string(400, '9'));
  INFO(r.output);
  CHECK(r.exit == 2);
  CHECK_THAT(r.output, Catch::Contains("expected a positive duration such as 90, 90s, 30m or 1h30m [BadOption]"));
}
