#include <catch2/catch.hpp>

#include "model/load.hpp"

using namespace tlbcheck::model;

namespace {

std::string errors(const std::string& text, std::vector<Define> defines = {}) {
  LoadOptions o;
  o.defines = std::move(defines);
  return load_text("t.tlb", text, o).diagnostics;
}

}  // namespace

TEST_CASE("enumerators resolve against the enum they are compared with", "[check]") {
  std::string text = R"(
    option fix: enum { none, upstream } = none
    enum owner { none, cpu_a }
    var o: owner = none;
    process p on cpu 0 { if (fix == none && o == none) { o = cpu_a; } }
  )";
  CHECK(errors(text).empty());
  CHECK_THAT(errors("enum a { x } enum b { x } process p on cpu 0 { let v = x; }"), Catch::Contains("[AmbiguousName]"));
}

TEST_CASE("type errors name both types", "[check]") {
  CHECK_THAT(errors("var b: bool; process p on cpu 0 { b = 3; }"), Catch::Contains("cannot store a 'int[3..3]' into the target of type 'bool'"));
  CHECK_THAT(errors("var m: cpumask; process p on cpu 0 { if (m) { skip; } }"), Catch::Contains("needs a bool, found 'cpumask'"));
}

TEST_CASE("unknown names suggest a close one", "[check]") {
  CHECK_THAT(errors("var counter: bool; process p on cpu 0 { countr = true; }"), Catch::Contains("did you mean 'counter'?"));
}

TEST_CASE("constants fold into types and -D changes them", "[check]") {
  LoadOptions o;
  o.defines = {{"n", "3"}};
  auto r = load_text("t.tlb", "option n: int[1..4] = 1; var a: bool[n + 1]; process p on cpu 0 { a[n] = true; }", o);
  REQUIRE(r.system);
  std::size_t elements = 0;
  for (const auto& s : r.system->layout().slots) elements += s.name.rfind("a[", 0) == 0;
  CHECK(elements == 4);
}

TEST_CASE("bad -D values are reported with what was expected", "[check]") {
  std::string text = "option fix: enum { none, upstream } = none\nprocess p on cpu 0 { skip; }";
  CHECK_THAT(errors(text, {{"fix", "sideways"}}), Catch::Contains("bad value 'sideways' for option 'fix': expected one of none, upstream"));
  CHECK_THAT(errors(text, {{"fox", "none"}}), Catch::Contains("unknown option 'fox'"));
  CHECK_THAT(errors(text, {{"cpus", "0"}}), Catch::Contains("expected an integer in 1..32"));
}

TEST_CASE("recursion is reported with the cycle", "[check]") {
  std::string e = errors("fn a() { b(); } fn b() { c(); } fn c() { a(); } process p on cpu 0 { a(); }");
  CHECK_THAT(e, Catch::Contains("[Recursion]") && Catch::Contains("a -> b -> c -> a"));
}

TEST_CASE("misplaced statements", "[check]") {
  CHECK_THAT(errors("process p on cpu 0 { break; }"), Catch::Contains("'break' outside a loop"));
  CHECK_THAT(errors("process p on cpu 0 { loop { atomic { break; } } }"), Catch::Contains("cannot leave an atomic block"));
  CHECK_THAT(errors("process p on cpu 0 { return; }"), Catch::Contains("'return' outside a function"));
}

TEST_CASE("unreachable statements are warned about, not rejected", "[check]") {
  LoadOptions o;
  auto r = load_text("t.tlb", "var x: bool; process p on cpu 0 { loop { x = true; } x = false; }", o);
  CHECK(r.system);
  CHECK_THAT(r.diagnostics, Catch::Contains("warning: statement is never reached [Unreachable]"));
}

TEST_CASE("pte values: their own type, the kernel's helper names, declared software bits", "[check]") {
  const std::string head = "mm M; page V; map M.V; pte_bits { _PAGE_PROTNONE } swp_entry { swap, migration }\n";
  CHECK(errors(head + R"(process p on cpu 0 {
      let x: pte = ptep_get(M, V);
      if (pte_present(x) && pte_write(M, V)) { set_pte_at(M, V, pte_set_flags(pte_clear_flags(x, _PAGE_PRESENT), _PAGE_PROTNONE)); }
      set_pte_at(M, V, swp_entry_to_pte(migration, 1));
    })").empty());
  // a pte is no integer, no frame, and a frame is no pte
  CHECK_THAT(errors(head + "process p on cpu 0 { let x: int[0..3] = ptep_get(M, V); }"), Catch::Contains("cannot store a 'pte' into"));
  CHECK_THAT(errors(head + "process p on cpu 0 { set_pte_at(M, V, pte_frame(M, V)); }"), Catch::Contains("must be a 'pte', found 'frame'"));
  // one name, two arities: the wrong count names one of them
  CHECK_THAT(errors(head + "process p on cpu 0 { let b = pte_write(M, V, V); }"), Catch::Contains("takes"));
  // the hardware's bit names are the language's
  CHECK_THAT(errors("pte_bits { _PAGE_DIRTY }"), Catch::Contains("'_PAGE_DIRTY' is a built-in name"));
  CHECK_THAT(errors("pte_bits { a, b, c, d, e }"), Catch::Contains("at most 4 software bits"));
  CHECK_THAT(errors("pte_bits { a } pte_bits { b }"), Catch::Contains("'pte_bits' is declared once"));
  CHECK_THAT(errors("swp_entry { }"), Catch::Contains("'swp_entry' names nothing"));
}

TEST_CASE("ASIDs as values: one tagging scheme at a time, the root and its ASID together", "[check]") {
  const std::string head = "mm M; page V; map M.V;\n";
  CHECK(errors("machine { tlb.asids = 2; }\n" + head + "process p on cpu 0 { write_ttbr0(pgd(M), 1); write_cr3(pgd(M), 0, true); invpcid_addr(1, V); tlbi_vae1is(V, 0, false); }").empty());
  CHECK_THAT(errors("machine { tlb.pcid = true; tlb.asids = 2; }\n" + head), Catch::Contains("set one of them"));
  CHECK_THAT(errors("machine { tlb.asids = 9; }\n" + head), Catch::Contains("tlb.asids"));
  // write_cr3 takes the root alone, or the root, a PCID and NOFLUSH
  CHECK_THAT(errors("machine { tlb.asids = 2; }\n" + head + "process p on cpu 0 { write_cr3(pgd(M), 1); }"), Catch::Contains("takes"));
}

TEST_CASE("PAE needs a multi-level table", "[check]") {
  CHECK(errors("machine { levels = 3; pae = true; }\nmm M; page V; map M.V; invariant latched: pdpte(0, V) != none; process p on cpu 0 { touch(V); }").empty());
  CHECK_THAT(errors("machine { levels = 1; pae = true; }\nmm M; page V; map M.V;"), Catch::Contains("needs levels >= 2"));
}
