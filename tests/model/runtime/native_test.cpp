// The native engine (model/native.hpp) against the interpreter: small models
// that run every translated instruction and every way a step can fail (range,
// index, division, CPU numbers, assertions, runaway nesting), each explored
// both ways: the reports, counterexamples included, must be word for word
// the same. The golden suite does the same for every bundled protocol.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "checker/cli/driver.hpp"
#include "tests/support.hpp"

namespace {

using namespace tlbcheck;

cli::Loaded load(const std::string& text) {
  cli::Request request;
  request.file = "t.tlb";
  request.text = text;
  return cli::load(request);
}

std::string report_of(const cli::Loaded& loaded, unsigned threads) {
  checker::ExploreOptions o;
  o.threads = threads;
  return cli::stable_text(*loaded.result.system, cli::explore(loaded, "t.tlb", o));
}

// Explores `text` interpreted and native; returns the (equal) report.
std::string both_ways(const std::string& text) {
  cli::Loaded l = load(text);
  INFO(l.result.diagnostics);
  REQUIRE(l.result.system);
  std::string interpreted = report_of(l, 1);
  std::string why;
  if (!l.result.system->use_native(why)) FAIL(why);
  REQUIRE(l.result.system->native() != nullptr);
  std::string native1 = report_of(l, 1);
  std::string native2 = report_of(l, 2);
  CHECK(native1 == interpreted);
  CHECK(native2 == interpreted);
  return interpreted;
}

}  // namespace

TEST_CASE("native steps: arithmetic, masks, arrays and either agree with the interpreter", "[native]") {
  std::string r = both_ways(R"(
machine { cpus = 3; }
var m: cpumask = CPU_MASK_NONE;
var v: int[-8..8] = 0;
var a: int[0..3][3];
var seen: bool[3][2];
process p on cpus 0..2 {
  let k: int[0..3] = 0;
  loop {
    either {
      set_bit(this_cpu, m);
    } or {
      clear_bit(this_cpu, m);
    } or {
      atomic { await(test_bit(this_cpu, m) && cpumask_weight(m) >= 2); v = (v * 3 + 1) % 7 - (v / 2); }
    } or {
      atomic { await(k < 3); a[this_cpu] = (a[this_cpu] + 1) % 4; k = k + 1; }
    } or {
      atomic { await(!cpumask_empty(m) || a[this_cpu] == 3); seen[this_cpu][k % 2] = !seen[this_cpu][k % 2]; m = ~m & (m | cpumask_of(this_cpu)); }
    } or {
      atomic { await(v != 0); v = -v; v = (v << 1) >> 1; v = v ^ (v & 1) | 0; }
    }
  }
}
)");
  CHECK_THAT(r, Catch::Contains("verdict: holds"));
}

TEST_CASE("native steps: every runtime check fails the same way", "[native]") {
  SECTION("a store out of range") {
    CHECK_THAT(both_ways("machine { cpus = 2; } var x: int[0..5] = 0; process p on cpus 0..1 { loop { x = x + 2; } }"), Catch::Contains("verdict: model error (model-bound)"));
  }
  SECTION("an index out of range") {
    CHECK_THAT(both_ways("var i: int[0..4] = 0; var a: bool[3]; process p on cpu 0 { loop { a[i] = true; i = i + 1; } }"), Catch::Contains("violated"));
  }
  SECTION("a division by zero") {
    CHECK_THAT(both_ways("var x: int[0..3] = 3; var y: int[0..3]; process p on cpu 0 { loop { x = x - 1; y = 6 / (x + 0) % 4; } }"), Catch::Contains("violated"));
  }
  SECTION("a CPU number out of range") {
    CHECK_THAT(both_ways("machine { cpus = 2; } var c: int[0..3] = 0; var m: cpumask; process p on cpu 0 { loop { c = c + 1; if (test_bit(c, m)) { skip; } } }"),
               Catch::Contains("violated"));
    CHECK_THAT(both_ways("machine { cpus = 2; } var c: int[0..3] = 0; var m: cpumask; process p on cpu 0 { loop { c = c + 1; set_bit(c, m); } }"),
               Catch::Contains("violated"));
  }
  SECTION("an assertion and BUG_ON") {
    CHECK_THAT(both_ways("machine { cpus = 2; } var x: int[0..3] = 0; process p on cpus 0..1 { let t: int[0..3] = x; x = (t + 1) % 4; assert(x != 2); }"), Catch::Contains("violated"));
    CHECK_THAT(both_ways("var x: bool; process p on cpu 0 { x = true; BUG_ON(x); }"), Catch::Contains("violated"));
  }
  SECTION("a deadlock") {
    CHECK_THAT(both_ways("machine { cpus = 2; } var x: bool; process p on cpu 0 { await(x); } process q on cpu 1 { await(!x); x = true; await(false); }"), Catch::Contains("deadlock"));
  }
  SECTION("an atomic block that never ends") {
    CHECK_THAT(both_ways("var x: int[0..3] = 0; process p on cpu 0 { atomic { while (true) { x = (x + 1) % 4; x = (x + 2) % 4; } } }"),
               Catch::Contains("did not end"));
  }
  SECTION("either nested deeper than the interpreter allows") {
    std::string body = "x = true;";
    for (int i = 0; i < 40; ++i) body = "either { " + body + " } or { skip; }";
    CHECK_THAT(both_ways("var x: bool; process p on cpu 0 { " + body + " }"), Catch::Contains("violated"));
  }
}

TEST_CASE("native steps: the step budget runs out at the same instruction", "[native]") {
  // Native code charges a block of straight-line code to the budget at
  // once, gives back the rest of the block where a step leaves it early (a
  // failed await, a failed check) and lets the interpreter run a block the
  // budget cannot cover. Alternatives that leave early come first; the last
  // one loops until the budget runs out, and the counter it leaves behind
  // tells exactly how many instructions the others were charged. A step
  // runs out once, so there is one process per offset: p<k> runs k extra
  // statements before its loop, so that the budget runs out at every offset
  // of the loop's blocks, their first instructions included.
  constexpr int kProcesses = 16;
  std::string text = "var c: int[0..999] = 0; var y: int[0..2] = 0; var z: int[0..3] = 0;\n";
  for (int k = 0; k < kProcesses; ++k) {
    text += "process p" + std::to_string(k) + " on cpu 0 { atomic {\n"
            "  either { y = 0; await(z == 3); z = 0; y = 1; }\n"
            "  or { await(z == 2 || y == 2); z = 1; }\n"
            "  or { y = z + 1; y = y + 2; z = 1; }\n"
            "  or { assert(z == 1); y = 1; c = 1; }\n"
            "  or { z = 3; ";
    for (int i = 0; i < k; ++i) text += "y = 1; ";
    text += "while (true) { c = (c + 1) % 1000; } }\n} }\n";
  }
  model::LoadResult l = model::load_text("t.tlb", text, {});
  INFO(l.diagnostics);
  REQUIRE(l.system);
  auto successors = [&] {
    std::vector<checker::Word> init(l.system->layout().words, 0);
    l.system->initial(init);
    auto scratch = l.system->make_scratch();
    std::vector<std::vector<checker::Word>> out;
    l.system->next(init, *scratch, [&](checker::GroupId, checker::ConstStateRef s) { out.emplace_back(s.begin(), s.end()); });
    return out;
  };
  auto interpreted = successors();
  std::string why;
  if (!l.system->use_native(why)) FAIL(why);
  auto native = successors();
  REQUIRE(interpreted.size() == 3 * kProcesses);  // each: a store out of range, an assertion, a runaway loop
  CHECK(native == interpreted);
}

TEST_CASE("native steps: the machine's built-ins hand over to the interpreter", "[native]") {
  std::string r = both_ways(tlbcheck::testing::read_file(tlbcheck::testing::source_dir() + "/examples/litmus/02_ipi_shootdown.tlb"));
  CHECK_THAT(r, Catch::Contains("verdict: holds"));
}

TEST_CASE("native steps: the C source is cached by content", "[native]") {
  const char* text = "var x: int[0..3]; process p on cpu 0 { x = 1; x = 2; }";
  model::LoadResult a = model::load_text("t.tlb", text, {}), b = model::load_text("t.tlb", text, {});
  REQUIRE(a.system);
  REQUIRE(b.system);
  std::string why;
  REQUIRE(a.system->use_native(why));
  REQUIRE(b.system->use_native(why));
  CHECK_FALSE(b.system->native()->compiled_now());
  CHECK(a.system->native()->object_path() == b.system->native()->object_path());
  CHECK_THAT(model::NativeCode::translate(a.system->program(), 1), Catch::Contains("tlbc_steps"));
}

TEST_CASE("division of the most negative value by -1 wraps in both engines instead of trapping", "[native]") {
  // (m - 1)^2 * 2 is 2^63, which wraps to INT64_MIN; INT64_MIN / -1 traps on
  // x86 (the interpreter died of SIGFPE); bytecode/pure_ops.hpp defines it
  // as wrapping negation, and INT64_MIN % 5 as C's -3
  std::string r = both_ways(R"(
var m: int[-2147483647..0] = -2147483647;
var d: int[-1..0] = -1;
var x: int[0..9];
process p on cpu 0 { x = ((m - 1) * (m - 1) * 2) / d % 5 + 4; assert(x == 1); x = ((m - 1) * (m - 1) * 2) % d + 4; assert(x == 4); }
)");
  CHECK_THAT(r, Catch::Contains("verdict: holds"));
}

TEST_CASE("native steps: nothing from the protocol's text reaches the C source", "[native]") {
  // names, strings and comments that would be code if pasted into C
  const std::string text = R"(protocol "zzhostile */ #include <stdlib.h> ' ); system('touch zzpwned'); /* \\ %s %n"
// zzhostile */ int main() { system("rm -rf ~"); } /*
enum zzhostile_enum { zzhostile_A, zzhostile_B }
var zzhostile_var: int[0..3];
var zzhostile_e: zzhostile_enum = zzhostile_A;
struct zzhostile_struct { zzhostile_field: int[0..3]; }
var zzhostile_rec: zzhostile_struct;
fn zzhostile_fn(zzhostile_p: int[0..3]) -> int[0..3] { return (zzhostile_p + 1) % 4; }
process zzhostile_proc on cpu 0 {
  zzhostile_label: zzhostile_var = zzhostile_fn(zzhostile_var);
  zzhostile_rec.zzhostile_field = zzhostile_var;
  zzhostile_e = zzhostile_B;
  assert(zzhostile_var == 1);
}
invariant zzhostile_inv: zzhostile_var <= 3;
)";
  cli::Loaded l = load(text);
  INFO(l.result.diagnostics);
  REQUIRE(l.result.system);
  const std::string c = model::NativeCode::translate(l.result.system->program(), 1);
  REQUIRE_FALSE(c.empty());
  CHECK(c.find("zzhostile") == std::string::npos);
  CHECK(c.find("zzpwned") == std::string::npos);
  CHECK_THAT(both_ways(text), Catch::Contains("verdict: holds"));
}

namespace {

// A private cache folder for the cache tests ($TLBCHECK_CACHE, restored after).
struct PrivateCache {
  std::string old;
  std::filesystem::path dir;
  PrivateCache() {
    if (const char* c = std::getenv("TLBCHECK_CACHE")) old = c;
    dir = std::filesystem::path(tlbcheck::testing::temp_dir()) / "cache";
    std::filesystem::remove_all(dir);
    setenv("TLBCHECK_CACHE", dir.c_str(), 1);
  }
  ~PrivateCache() {
    std::error_code ec;
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir, ec);
    if (old.empty()) unsetenv("TLBCHECK_CACHE");
    else setenv("TLBCHECK_CACHE", old.c_str(), 1);
  }
};

struct Built {
  bool ok = false;
  bool compiled_now = false;
  std::string path, error;
};

Built build_native(const std::string& text) {
  model::LoadResult r = model::load_text("t.tlb", text, {});
  REQUIRE(r.system);
  Built b;
  b.ok = r.system->use_native(b.error);
  if (b.ok) {
    b.compiled_now = r.system->native()->compiled_now();
    b.path = r.system->native()->object_path();
    // the steps run: the model explores as interpreted
    checker::ExploreOptions o;
    model::LoadResult interpreted = model::load_text("t.tlb", text, {});
    CHECK(checker::explore(*r.system, o).states == checker::explore(*interpreted.system, o).states);
  }
  return b;
}

}  // namespace

TEST_CASE("native cache: the folder is owner-only, and planted, renamed or damaged objects are rebuilt, never run", "[native][faults]") {
  PrivateCache cache;
  const std::string a = "var x: int[0..3]; process p on cpu 0 { x = 1; x = 2; }";
  const std::string b = "var x: int[0..3]; process p on cpu 0 { x = 3; x = 2; x = 1; }";
  Built first = build_native(a);
  REQUIRE(first.ok);
  CHECK(first.compiled_now);
  namespace fs = std::filesystem;
  CHECK((fs::status(cache.dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK((fs::status(first.path).permissions() & (fs::perms::group_write | fs::perms::others_write)) == fs::perms::none);
  CHECK_FALSE(build_native(a).compiled_now);  // found in the cache

  auto rebuilt = [&](const char* what) {
    INFO(what);
    Built again = build_native(a);
    CHECK(again.ok);
    CHECK(again.compiled_now);
    CHECK(again.path == first.path);
  };
  tlbcheck::testing::write_file(first.path, "not an object");
  rebuilt("corrupted");
  const std::string whole = tlbcheck::testing::read_file(first.path);
  tlbcheck::testing::write_file(first.path, whole.substr(0, whole.size() / 2));
  rebuilt("truncated");
  std::string flipped = whole;
  flipped[flipped.size() / 3] = char(flipped[flipped.size() / 3] ^ 0x40);
  tlbcheck::testing::write_file(first.path, flipped);
  rebuilt("one byte changed");
  // another protocol's object under this one's name (a renamed entry)
  Built other = build_native(b);
  REQUIRE(other.ok);
  fs::copy_file(other.path, first.path, fs::copy_options::overwrite_existing);
  rebuilt("renamed");
  fs::permissions(first.path, fs::perms::group_write, fs::perm_options::add);
  rebuilt("writable by the group");
  fs::remove(first.path);
  fs::create_symlink(other.path, first.path);
  rebuilt("a symbolic link");
  if (geteuid() == 0) {  // (only root can give a file away)
    REQUIRE(chown(first.path.c_str(), 1, 1) == 0);
    rebuilt("owned by another user");
  }
  fs::permissions(cache.dir, fs::perms::others_write, fs::perm_options::add);
  Built refused = build_native(a);
  CHECK_FALSE(refused.ok);
  CHECK_THAT(refused.error, Catch::Contains("is writable by other users: no code is loaded from it"));
}
