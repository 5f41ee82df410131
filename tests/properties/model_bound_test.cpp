// model-bound's explanation, and the CLI's report of it: an error of the
// model (exit 2) that names the declaration to widen, not a violation.
#include <catch2/catch.hpp>

#include "properties/model_bound.hpp"
#include "tests/support.hpp"

using namespace tlbcheck::properties;

TEST_CASE("model-bound: the explanation names the value, the variable and the declaration to widen", "[properties]") {
  const StepContext where{"x = x + 1;", "p on cpu1", "t.tlb:4", ""};
  CHECK(explain_model_bound(4, "x", "int[0..3]", "t.tlb:2", where) ==
        "model-bound: value 4 does not fit 'x' of type int[0..3] in p on cpu1 at t.tlb:4: a bound of the model is too small for this configuration; "
        "widen the declaration at t.tlb:2");
  CHECK(explain_model_bound(4, "x", "int[0..3]", "", where).find("widen its declaration") != std::string::npos);
}

TEST_CASE("model-bound: a counter one past its declared bound is an error of the model, exit 2, just inside it holds", "[properties][cli]") {
  using namespace tlbcheck::testing;
  const std::string file = temp_dir() + "/bound.tlb";
  std::ofstream(file) << "protocol \"bound\"\n"
                         "machine { cpus = 3; }\n"
                         "var readers: int[0..3];\n"
                         "process reader on each cpu { readers = readers + 1; }\n";
  RunResult fits = run(check_cli() + " " + quote(file) + " --threads 1");
  CHECK(fits.exit == 0);
  RunResult over = run(check_cli() + " " + quote(file) + " --threads 1 -D cpus=4");
  CHECK(over.exit == 2);
  CHECK_THAT(over.output, Catch::Contains("verdict: model error (model-bound)"));
  CHECK_THAT(over.output, Catch::Contains("value 4 does not fit 'readers' of type int[0..3]"));
  CHECK_THAT(over.output, Catch::Contains("widen the declaration at " + file + ":3"));
  RunResult json = run(check_cli() + " " + quote(file) + " --threads 1 -D cpus=4 --format json");
  CHECK(json.exit == 2);
  CHECK_THAT(json.output, Catch::Contains("\"verdict\": \"model-error\""));
}
