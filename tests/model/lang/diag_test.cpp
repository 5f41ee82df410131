// Malformed inputs: every one must give a located error and exit status 2 --
// never a crash, a hang or a sanitizer report. Run against the normal build
// and (ctest's diagnostics_under_asan_ubsan) the ASan/UBSan build.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include "tests/support.hpp"
#include "model/lang/diagnostics.hpp"

using namespace tlbcheck::testing;

namespace {

std::string header_value(const std::string& text, const std::string& key) {
  auto at = text.find("// " + key + ": ");
  if (at == std::string::npos) return "";
  auto begin = at + 5 + key.size();  // "// " + key + ": "
  return text.substr(begin, text.find('\n', begin) - begin);
}

void expect_clean_failure(const RunResult& r, const std::string& kind) {
  INFO(r.output);
  CHECK(r.exit == 2);
  CHECK(r.output.find("[" + kind + "]") != std::string::npos);
  CHECK(r.output.find("Sanitizer") == std::string::npos);
  CHECK(r.output.find("runtime error:") == std::string::npos);
}

const std::regex kLocated(R"(\.tlb:[0-9]+:[0-9]+: error: .*\n  .*\n  *\^)");

}  // namespace

TEST_CASE("every malformed input in tests/model/lang/diag gives its diagnostic", "[diag]") {
  std::set<std::string> kinds_seen;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/tests/model/lang/diag")) {
    if (entry.path().extension() != ".tlb") continue;
    ++files;
    std::string text = read_file(entry.path().string());
    std::string error = header_value(text, "expect-error");
    std::string warning = header_value(text, "expect-warning");
    std::string args = header_value(text, "args");
    RunResult r = run(check_cli() + " " + quote(entry.path().string()) + " --threads 1 " + args);
    INFO(entry.path().filename().string() << "\n" << r.output);
    if (!warning.empty()) {
      CHECK((r.exit == 0 || r.exit == 1));
      CHECK(r.output.find("warning: ") != std::string::npos);
      CHECK(r.output.find("[" + warning + "]") != std::string::npos);
      kinds_seen.insert(warning);
      continue;
    }
    REQUIRE_FALSE(error.empty());
    kinds_seen.insert(error);
    expect_clean_failure(r, error);
    if (args.empty() && error != "TooManyErrors") CHECK(std::regex_search(r.output, kLocated));
  }
  CHECK(files >= 30);
  // generated below: EmptyFile, TooDeep, UnreadableFile. No input reaches
  // Internal (a lowering bug that the stack check would catch): its check
  // is tested on hand-made code in stack_check_test.cpp.
  for (const char* k : {"EmptyFile", "TooDeep", "UnreadableFile", "Internal"}) kinds_seen.insert(k);
  for (std::uint8_t k = 0; k <= std::uint8_t(tlbcheck::model::DiagKind::Internal); ++k) {
    std::string name(tlbcheck::model::diag_kind_name(tlbcheck::model::DiagKind(k)));
    INFO("diagnostic kind without a test: " << name);
    CHECK(kinds_seen.count(name) == 1);
  }
}

TEST_CASE("generated hostile inputs", "[diag]") {
  std::string dir = temp_dir();
  auto check_file = [&](const std::string& name, const std::string& text, const std::string& kind) {
    std::string path = dir + "/" + name;
    write_file(path, text);
    RunResult r = run(check_cli() + " " + quote(path) + " --threads 1", 60);
    INFO(name);
    expect_clean_failure(r, kind);
  };
  check_file("empty.tlb", "", "EmptyFile");
  check_file("comments_only.tlb", "// nothing here\n/* at all */\n", "EmptyFile");
  check_file("deep_parens.tlb", "const C = " + std::string(10000, '(') + "1" + std::string(10000, ')') + ";\nprocess p on cpu 0 { skip; }", "TooDeep");
  std::string blocks = "process p on cpu 0 ";
  for (int i = 0; i < 10000; ++i) blocks += "{ ";
  for (int i = 0; i < 10000; ++i) blocks += "} ";
  check_file("deep_blocks.tlb", blocks, "TooDeep");
  std::string ifs = "var x: bool;\nprocess p on cpu 0 { ";
  for (int i = 0; i < 10000; ++i) ifs += "if (x) { ";
  check_file("deep_ifs.tlb", ifs, "TooDeep");
  check_file("deep_not.tlb", "const C = " + std::string(10000, '!') + "true;\nprocess p on cpu 0 { skip; }", "TooDeep");
  std::string chain = "const C = 1";
  for (int i = 0; i < 10000; ++i) chain += " + 1";
  check_file("long_chain.tlb", chain + ";\nprocess p on cpu 0 { skip; }", "TooDeep");
  std::mt19937 rng(20261121);
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(char(rng() & 0xff));
  check_file("garbage.tlb", garbage, "BadCharacter");
  std::string nul("process p on cpu 0 { skip; }\0\0\0", 31);
  check_file("nul_bytes.tlb", nul, "BadCharacter");
  RunResult missing = run(check_cli() + " " + quote(dir + "/does_not_exist.tlb"));
  expect_clean_failure(missing, "UnreadableFile");
}

TEST_CASE("bad command lines exit 2", "[diag]") {
  std::string file = quote(source_dir() + "/examples/textbook/peterson.tlb");
  for (const std::string& args : {std::string("--threads 0"), std::string("--memory-limit lots"), std::string("--format xml"),
                                  std::string("-D cpus"), std::string("--no-such-flag"), std::string("--no-property runtime-error")}) {
    RunResult r = run(check_cli() + " " + file + " " + args);
    INFO(args << "\n" << r.output);
    CHECK(r.exit == 2);
    CHECK(r.output.find("Sanitizer") == std::string::npos);
  }
  std::string dir = temp_dir();
  write_file(dir + "/not_json.json", "{ this is not json");
  RunResult r = run(quote(cli()) + " replay " + file + " " + quote(dir + "/not_json.json"));
  CHECK(r.exit == 2);
  CHECK(run(quote(cli())).exit == 2);
}
