// Settings that do not fit: a machine field or option that means nothing in
// this configuration (NoEffect), and a run outside the machine settings a
// protocol declares it supports (Unsupported).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "model/load.hpp"

using namespace tlbcheck::model;

namespace {

// a protocol that uses the machine: one mm, one page, one task touching it
const std::string kMachine = "mm M; page V; map M.V; task t: user(M) on cpu 0 { touch(V); }\n";

LoadResult load(const std::string& text, std::vector<Define> defines = {}) {
  LoadOptions o;
  o.defines = std::move(defines);
  return load_text("t.tlb", text, o);
}

std::size_t count(const LoadResult& r, DiagKind kind, Severity severity) {
  return std::size_t(std::count_if(r.list.begin(), r.list.end(), [&](const Diagnostic& d) { return d.kind == kind && d.severity == severity; }));
}

// the field's -D is refused with NoEffect, and nothing else is wrong
void refused(const std::string& text, std::vector<Define> defines, const std::string& message) {
  LoadResult r = load(text, std::move(defines));
  INFO(r.diagnostics);
  CHECK_FALSE(r.system);
  CHECK(count(r, DiagKind::NoEffect, Severity::Error) == 1);
  CHECK(no_effect_only(r));
  CHECK_THAT(r.diagnostics, Catch::Contains(message));
}

void accepted(const std::string& text, std::vector<Define> defines) {
  LoadResult r = load(text, std::move(defines));
  INFO(r.diagnostics);
  CHECK(r.system);
  CHECK(count(r, DiagKind::NoEffect, Severity::Warning) == 0);
}

}  // namespace

TEST_CASE("a -D machine field that means nothing here is a NoEffect error that says why", "[settings]") {
  refused(kMachine, {{"walk_cache", "true"}}, "walk_cache=true has no effect: it needs levels >= 2 (levels=1); walk caches hold upper-level");
  accepted(kMachine, {{"walk_cache", "true"}, {"levels", "2"}});
  accepted(kMachine, {{"walk_cache", "false"}});  // the default: nothing to refuse
  refused(kMachine, {{"huge", "true"}}, "huge=true has no effect: it needs levels >= 2");
  accepted(kMachine, {{"huge", "true"}, {"levels", "2"}});
  refused(kMachine, {{"invlpg_drops_walk_cache", "false"}}, "it needs walk_cache (walk_cache=false)");
  refused(kMachine, {{"invlpg.walk_levels", "2"}}, "invlpg.walk_levels=2 has no effect: it needs walk_cache");
  refused(kMachine, {{"levels", "2"}, {"walk_cache", "true"}, {"invlpg_drops_walk_cache", "false"}, {"invlpg.walk_levels", "2"}},
          "invlpg.walk_levels=2 has no effect: it needs invlpg_drops_walk_cache");
  refused(kMachine, {{"invlpg.any_address", "false"}}, "invlpg.any_address=false has no effect: it needs walk_cache");
  accepted(kMachine, {{"levels", "2"}, {"walk_cache", "true"}, {"invlpg.any_address", "false"}, {"invlpg.walk_levels", "2"}});
  refused(kMachine, {{"pte.hw_update", "false"}}, "pte.hw_update=false has no effect: it needs pte.accessed_dirty");
  accepted(kMachine, {{"pte.hw_update", "false"}, {"pte.accessed_dirty", "true"}});
  refused(kMachine, {{"dcache.kernel_colour", "0"}}, "dcache.kernel_colour=0 has no effect: it needs dcache.colours > 0");
  accepted(kMachine, {{"dcache.kernel_colour", "0"}, {"dcache", "vipt"}});
  refused(kMachine, {{"swap.offsets", "2"}}, "swap.offsets=2 has no effect: it needs swp_entry");
  accepted("swp_entry { swap }\n" + kMachine, {{"swap.offsets", "2"}});
  refused(kMachine, {{"irq_nesting", "2"}}, "irq_nesting=2 has no effect: it needs an irq");
  accepted("irq tick fires 1 on cpu 0 { skip; }\n" + kMachine, {{"irq_nesting", "2"}});
}

TEST_CASE("a machine field on a protocol without a machine is a NoEffect error -- cpus is always meaningful", "[settings]") {
  const std::string plain = "var x: bool; process p on cpu 0 { x = true; }";
  refused(plain, {{"tlb.speculative", "true"}}, "tlb.speculative=true has no effect: it needs a machine");
  accepted(plain, {{"cpus", "2"}});
}

TEST_CASE("the caret of a NoEffect error is under the -D value", "[settings]") {
  LoadResult r = load(kMachine, {{"cpus", "2"}, {"walk_cache", "true"}});
  REQUIRE(count(r, DiagKind::NoEffect, Severity::Error) == 1);
  // (the caret of a second -D's value: one column to the left before)
  CHECK_THAT(r.diagnostics, Catch::Contains("<command line>:2:15:") && Catch::Contains("  -D walk_cache=true\n                ^~~~\n"));
}

TEST_CASE("the machine block's own meaningless field is a warning, and the protocol loads", "[settings]") {
  LoadResult r = load("machine { walk_cache = true; }\n" + kMachine);
  INFO(r.diagnostics);
  CHECK(r.system);
  CHECK(count(r, DiagKind::NoEffect, Severity::Warning) == 1);
  CHECK_THAT(r.diagnostics, Catch::Contains("t.tlb:1:11: warning: walk_cache=true has no effect"));
  // -D broke the block's field's condition: a warning at the -D, the run is the machine asked for
  LoadResult d = load("machine { levels = 2; walk_cache = true; }\n" + kMachine, {{"levels", "1"}});
  INFO(d.diagnostics);
  CHECK(d.system);
  CHECK(count(d, DiagKind::NoEffect, Severity::Warning) == 1);
  CHECK_THAT(d.diagnostics, Catch::Contains("<command line>:1:"));
}

TEST_CASE("an option meaningful only under a condition: `if COND`", "[settings]") {
  const std::string text = "option sync: enum { ipi, none } = ipi\noption irqs_off: bool = true if sync == ipi;\nprocess p on cpu 0 { skip; }";
  refused(text, {{"sync", "none"}, {"irqs_off", "false"}}, "irqs_off=false has no effect: it needs sync == ipi (sync=none)");
  accepted(text, {{"sync", "none"}});                          // the default under a false condition: fine
  accepted(text, {{"sync", "none"}, {"irqs_off", "true"}});    // the same value given explicitly
  accepted(text, {{"irqs_off", "false"}});                     // the condition holds
  LoadResult r = load(text);
  REQUIRE(r.system);
  const auto& options = r.system->module().options;
  auto it = std::find_if(options.begin(), options.end(), [](const OptionInfo& o) { return o.name == "irqs_off"; });
  REQUIRE(it != options.end());
  CHECK(it->condition == "sync == ipi");
  CHECK(it->default_shown == "true");
  // the condition must be a known bool
  CHECK_THAT(load("var v: bool;\noption o: bool = false if v;\nprocess p on cpu 0 { skip; }").diagnostics, Catch::Contains("[NotConstant]"));
  CHECK_THAT(load("option o: bool = false if 3;\nprocess p on cpu 0 { skip; }").diagnostics, Catch::Contains("error"));
}

TEST_CASE("an option's comment: the // lines directly above and the one beside it", "[settings]") {
  const std::string text = "// not this one\n\n// the rounds\n// of T1\noption rounds: int[1..3] = 2   // at most 3\nprocess p on cpu 0 { skip; }";
  LoadResult r = load(text);
  REQUIRE(r.system);
  const auto& options = r.system->module().options;
  auto it = std::find_if(options.begin(), options.end(), [](const OptionInfo& o) { return o.name == "rounds"; });
  REQUIRE(it != options.end());
  CHECK(it->comment == "the rounds of T1 at most 3");
}

TEST_CASE("supports: a run outside the declared settings is warned about and still loads", "[settings]") {
  const std::string text = kMachine + "supports tlb.pcid = false \"flushes with write_cr3(read_cr3())\";\nsupports levels in 1..2;\n";
  LoadResult inside = load(text);
  REQUIRE(inside.system);
  CHECK(count(inside, DiagKind::Unsupported, Severity::Warning) == 0);
  CHECK(inside.system->module().supports.size() == 2);
  LoadResult outside = load(text, {{"tlb.pcid", "true"}, {"levels", "3"}});
  INFO(outside.diagnostics);
  REQUIRE(outside.system);
  CHECK(count(outside, DiagKind::Unsupported, Severity::Warning) == 2);
  CHECK(outside_supported(outside));
  CHECK_FALSE(outside_supported(inside));
  CHECK_THAT(outside.diagnostics, Catch::Contains("t.tlb:2:10: warning: tlb.pcid=true is outside the settings this protocol supports (supports tlb.pcid = false): "
                                                  "flushes with write_cr3(read_cr3()); checking anyway [Unsupported]"));
  CHECK_THAT(outside.diagnostics, Catch::Contains("levels=3 is outside the settings this protocol supports (supports levels in 1..2); checking anyway"));
  CHECK_THAT(outside.diagnostics, Catch::Contains("<command line>:1:") && Catch::Contains("note: set here"));
  const auto& s = outside.system->module().supports;
  CHECK_FALSE(s[0].holds);
  CHECK(s[0].found == "tlb.pcid=true");
  CHECK(s[0].reason == "flushes with write_cr3(read_cr3())");
}

TEST_CASE("supports: malformed declarations", "[settings]") {
  CHECK_THAT(load(kMachine + "supports tlb.warp = true;").diagnostics, Catch::Contains("unknown machine field 'tlb.warp'") && Catch::Contains("[BadMachine]"));
  CHECK_THAT(load(kMachine + "supports levels = true;").diagnostics, Catch::Contains("[BadMachine]"));
  CHECK_THAT(load(kMachine + "supports tlb.pcid in 0..1;").diagnostics, Catch::Contains("[BadMachine]"));
  CHECK_THAT(load(kMachine + "supports levels = 9;").diagnostics, Catch::Contains("levels = 9 is outside 1..4"));
  CHECK_THAT(load(kMachine + "supports levels in 3..2;").diagnostics, Catch::Contains("[BadRange]"));
  CHECK_THAT(load(kMachine + "supports levels 2;").diagnostics, Catch::Contains("expected '= VALUE' or 'in LO..HI'"));
}

TEST_CASE("every bundled protocol and example loads without NoEffect or Unsupported warnings", "[settings]") {
  for (const char* dir : {"/protocols", "/examples/litmus", "/examples/textbook", "/examples/bench"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(TLBCHECK_SOURCE_DIR) + dir)) {
      if (entry.path().extension() != ".tlb") continue;
      LoadResult r = load_file(entry.path().string(), {});
      INFO(entry.path().string() << "\n" << r.diagnostics);
      CHECK(r.system);
      CHECK(count(r, DiagKind::NoEffect, Severity::Warning) == 0);
      CHECK(count(r, DiagKind::Unsupported, Severity::Warning) == 0);
    }
  }
}
