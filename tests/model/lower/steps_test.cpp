// Step semantics, checked by state counts derived by hand: which statements
// form one atomic step, how locals merge, atomic, either, await, loops,
// functions, per-CPU data, and the runtime checks.
#include <catch2/catch.hpp>

#include "model/load.hpp"
#include "tests/support.hpp"

namespace {

using namespace tlbcheck;

struct Run {
  checker::ExploreResult result;
  std::string explanation;
  std::string property;
};

Run check(const std::string& text, std::vector<model::Define> defines = {}, std::vector<std::string> only = {}, unsigned threads = 1) {
  checker::Report report = testing::check_text(text, std::move(defines), std::move(only), threads);
  return {report.result, report.explanation, report.property};
}

}  // namespace

TEST_CASE("each statement touching shared state is one step", "[compile]") {
  // initial, after x=1, after x=2, after x=3 (ended)
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { x = 1; x = 2; x = 3; }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 3);
}

TEST_CASE("statements on locals merge into the next step", "[compile]") {
  // let a = 0; a = 1 touch only a local: one step together with x = a
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { let a: int[0..3] = 0; a = 1; x = a; }");
  CHECK(r.result.states == 2);
  CHECK(r.result.transitions == 1);
}

TEST_CASE("an atomic block is one step", "[compile]") {
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { atomic { x = 1; x = 2; x = 3; } }");
  CHECK(r.result.states == 2);
}

TEST_CASE("two independent processes interleave", "[compile]") {
  // (x, y) in {0,1}^2, every combination reachable: 4 states, 4 transitions
  Run r = check("machine { cpus = 2; } var x: bool; var y: bool; process a on cpu 0 { x = true; } process b on cpu 1 { y = true; }");
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 4);
}

TEST_CASE("either: one successor per alternative", "[compile]") {
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { either { x = 1; } or { x = 2; } or { x = 3; } }");
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 3);
}

TEST_CASE("either with await guards offers only the enabled alternatives", "[compile]") {
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { either { await(x == 1); x = 2; } or { x = 3; } }");
  CHECK(r.result.states == 2);
}

TEST_CASE("await blocks until its condition holds", "[compile]") {
  // init; flag set; a past the await; x = 1 and a ended
  Run r = check("machine { cpus = 2; } var flag: bool; var x: bool; process a on cpu 0 { await(flag); x = true; } process b on cpu 1 { flag = true; }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 3);
}

TEST_CASE("a loop returns to the same program point", "[compile]") {
  Run r = check("var x: int[0..1] = 0; process p on cpu 0 { loop { x = 1 - x; } }");
  CHECK(r.result.states == 2);
  CHECK(r.result.transitions == 2);
}

TEST_CASE("a while loop over a local counter", "[compile]") {
  // (i,x,pc): (0,0,entry) (0,0,after x=i) (1,1,..) (2,2,..) (3,2,ended)
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { let i: int[0..3] = 0; while (i < 3) { x = i; i += 1; } }");
  CHECK(r.result.states == 5);
  CHECK(r.result.transitions == 4);
}

TEST_CASE("a loop that only touches locals still ends each iteration's step", "[compile]") {
  // (i, pc): (0, entry), then i = 1, 2, 0 at the loop head: 4 states
  Run r = check("process p on cpu 0 { let i: int[0..2] = 0; loop { i = (i + 1) % 3; } }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 4);
}

TEST_CASE("per-CPU variables: one copy per CPU", "[compile]") {
  Run r = check("machine { cpus = 2; } percpu c: int[0..1] = 0; process p on each cpu { c = 1; }"
                "invariant both: per_cpu(c, 0) + per_cpu(c, 1) <= 2;");
  CHECK(r.result.states == 4);
}

TEST_CASE("options and the number of cpus can be overridden with -D", "[compile]") {
  const char* text = "option n: int[1..3] = 1; var x: int[0..3] = 0; process p on each cpu { x += n; }";
  CHECK(check(text).result.states == 2);
  // cpus=3, n=1: x counts how many CPUs ran: 2^3 subsets of ended CPUs
  CHECK(check(text, {{"cpus", "3"}}).result.states == 8);
  Run over = check(text, {{"cpus", "3"}, {"n", "2"}});
  CHECK(over.result.outcome == checker::Outcome::Violated);
  CHECK(over.property == "model-bound");  // x: int[0..3] is the model's bound, too small for n=2
}

TEST_CASE("functions are inlined with parameters by value and a result", "[compile]") {
  Run r = check(R"(
    var x: int[0..3] = 1;
    var y: int[0..9] = 0;
    fn add(a: int[0..3], b: int[0..3]) -> int[0..6] { return a + b; }
    process p on cpu 0 {
      let r: int[0..6] = add(x, 2);
      y = r;
      assert(y == 3);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("return leaves the function early", "[compile]") {
  Run r = check(R"(
    var y: int[0..9] = 0;
    fn pick(a: bool) -> int[0..9] { if (a) { return 1; } return 2; }
    process p on cpu 0 {
      let one: int[0..9] = pick(true);
      let two: int[0..9] = pick(false);
      y = one * 10 + two - 9;
      assert(y == 3);
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("a constant argument outside its parameter's range is a model-bound error, as a variable's is", "[compile]") {
  Run r = check("var v: int[0..9]; const K = 7; fn f(x: int[0..3]) { v = x; } process p on cpu 0 { f(K); }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "model-bound");
  CHECK_THAT(r.explanation, Catch::Contains("value 7 does not fit"));
  CHECK(check("var v: int[0..9]; const K = 3; fn f(x: int[0..3]) { v = x; } process p on cpu 0 { f(K); }").result.outcome == checker::Outcome::Holds);
}

TEST_CASE("overflow is a model-bound error, not a wrap-around", "[compile]") {
  Run r = check("var x: int[0..2] = 2; process p on cpu 0 { x += 1; }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "model-bound");
  CHECK_THAT(r.explanation, Catch::Contains("value 3 does not fit 'x'"));
}

TEST_CASE("an index outside its array is a runtime-error", "[compile]") {
  Run r = check("var a: bool[2]; var i: int[0..3] = 3; process p on cpu 0 { a[i] = true; }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "runtime-error");
  CHECK_THAT(r.explanation, Catch::Contains("index 3"));
}

TEST_CASE("&& and || short-circuit", "[compile]") {
  Run r = check("var a: bool[2]; var i: int[0..2] = 2; var x: bool; process p on cpu 0 { if (i < 2 && a[i]) { x = true; } if (i == 2 || a[i]) { x = true; } }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("assert, BUG_ON and BUG name their line and values", "[compile]") {
  Run a = check("var x: int[0..3] = 2; process p on cpu 0 {\n  assert(x == 1);\n}");
  REQUIRE(a.result.outcome == checker::Outcome::Violated);
  CHECK(a.property == "assertion");
  CHECK_THAT(a.explanation, Catch::Contains("t.tlb:2") && Catch::Contains("x = 2"));
  Run b = check("var x: int[0..3] = 2; process p on cpu 0 { BUG_ON(x == 2); }");
  CHECK(b.property == "assertion");
  Run c = check("process p on cpu 0 { BUG(); }");
  CHECK(c.property == "assertion");
  CHECK_THAT(c.explanation, Catch::Contains("BUG() reached"));
}

TEST_CASE("an invariant is checked in the initial state too", "[compile]") {
  Run r = check("var x: int[0..1] = 1; process p on cpu 0 { x = 0; } invariant zero: x == 0;");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "zero");
  CHECK(r.result.trace.groups.empty());
}

TEST_CASE("quantifiers unroll over the cpus", "[compile]") {
  Run r = check("machine { cpus = 3; } percpu on_: bool; process p on each cpu { on_ = true; }"
                "invariant some_off: (count (c: cpu) per_cpu(on_, c)) < 3;");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "some_off");
  CHECK(r.result.trace.groups.size() == 3);
  Run all = check("machine { cpus = 2; } var m: cpumask; process p on each cpu { set_bit(this_cpu, m); }"
                  "invariant consistent: forall (c: cpu) (test_bit(c, m) || !test_bit(c, m));");
  CHECK(all.result.outcome == checker::Outcome::Holds);
  CHECK(all.result.states == 4);
}

TEST_CASE("cpumask built-ins", "[compile]") {
  Run r = check(R"(
    machine { cpus = 3; }
    var m: cpumask = CPU_MASK_NONE;
    process p on cpu 0 {
      set_bit(2, m);
      set_bit(0, m);
      assert(cpumask_weight(m) == 2);
      assert(test_and_clear_bit(2, m));
      assert(!test_and_clear_bit(2, m));
      assert(m == cpumask_of(0));
      assert((~m & CPU_MASK_ALL) == (cpumask_of(1) | cpumask_of(2)));
      clear_bit(0, m);
      assert(cpumask_empty(m));
    })");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("property selection with --property and --no-property", "[compile]") {
  const char* text = "var x: int[0..1] = 1; process p on cpu 0 { assert(x == 0); } invariant one: x == 1;";
  CHECK(check(text).property == "assertion");
  CHECK(check(text, {}, {"one"}).result.outcome == checker::Outcome::Holds);
  model::LoadOptions lo;
  lo.disabled_properties = {"runtime-error"};
  CHECK_FALSE(model::load_text("t.tlb", text, lo).system);
  lo.disabled_properties = {"nonsense"};
  auto bad = model::load_text("t.tlb", text, lo);
  CHECK_FALSE(bad.system);
  CHECK_THAT(bad.diagnostics, Catch::Contains("unknown property 'nonsense'"));
}

TEST_CASE("a deadlock names every blocked process", "[compile]") {
  Run r = check("machine { cpus = 2; } var f: bool; process a on cpu 0 { await(f); } process b on cpu 1 { await(f); }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.result.deadlock);
  CHECK_THAT(r.explanation, Catch::Contains("a on cpu0 is blocked") && Catch::Contains("b on cpu1 is blocked"));
}

TEST_CASE("an atomic block that loops forever is reported, not hung on", "[compile]") {
  Run r = check("var x: bool; process p on cpu 0 { atomic { while (!x) { skip; } } }");
  REQUIRE(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "runtime-error");
  CHECK_THAT(r.explanation, Catch::Contains("did not end"));
}

TEST_CASE("the layout packs slots into words without straddling", "[compile]") {
  model::LoadResult l = model::load_text("t.tlb", "var a: int[0..1000]; var b: bool[60]; process p on cpu 0 { a = 1; }", {});
  REQUIRE(l.system);
  const auto& layout = l.system->layout();
  for (const auto& s : layout.slots) CHECK(s.shift + s.width <= 64);
  CHECK(layout.words == 2);
  CHECK(layout.bits >= 10 + 60);
}

TEST_CASE("a struct's fields are slots: a local struct merges, a global one is shared", "[compile]") {
  // the local struct's stores merge into the step of x = r.b (initial, x = 3,
  // the assert that reads x)
  Run local = check("struct s { a: int[0..3]; b: int[0..3] = 2; } var x: int[0..3]; process p on cpu 0 { let r: s; r.a = 1; r.b += 1; x = r.b; assert(x == 3 && r.a == 1); }");
  CHECK(local.result.outcome == checker::Outcome::Holds);
  CHECK(local.result.states == 3);
  // a global struct: each store is a step, and so is the assert that reads it
  // (initial, a=1, b=3, ended)
  Run global = check("struct s { a: int[0..3]; b: int[0..3] = 2; } var g: s; process p on cpu 0 { g.a = 1; g.b += 1; assert(g.a == 1 && g.b == 3); }");
  CHECK(global.result.outcome == checker::Outcome::Holds);
  CHECK(global.result.states == 4);
}

TEST_CASE("whole-struct assignment and equality go field by field", "[compile]") {
  Run r = check("struct s { a: int[0..3]; b: bool; } var g: s; var h: s[2]; var i: int[0..1] = 1; "
                "process p on cpu 0 { let l: s; l.a = 2; l.b = true; assert(l != g); g = l; assert(g == l); h[i] = g; assert(h[1] == l && h[0] != l); }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  // the local stores merge into the first assert; it, g = l, the second
  // assert, h[i] = g and the third are a step each: 6 states
  CHECK(r.result.states == 6);
}

TEST_CASE("a reference parameter aliases the caller's variable: shared only if that is", "[compile]") {
  // bound to a local: the callee's stores merge into x = n (initial, x = n, the assert)
  Run local = check("fn inc(v: &int[0..3]) { v += 1; v += 1; } var x: int[0..3]; process p on cpu 0 { let n: int[0..3] = 0; inc(&n); x = n; assert(x == 2); }");
  CHECK(local.result.outcome == checker::Outcome::Holds);
  CHECK(local.result.states == 3);
  // bound to a global: each store through it is a step (initial, 1, 2, the assert)
  Run global = check("fn inc(v: &int[0..3]) { v += 1; v += 1; } var x: int[0..3]; process p on cpu 0 { inc(&x); assert(x == 2); }");
  CHECK(global.result.outcome == checker::Outcome::Holds);
  CHECK(global.result.states == 4);
  // an element chosen at run time: the reference keeps the element of the call,
  // even when the index changes under it. Steps: the call (it reads i), h[1]=1,
  // i=0, h[1]=2, the assert: 6 states
  Run dynamic = check("fn inc(v: &int[0..3]) { v += 1; i = 0; v += 1; } var h: int[0..3][2]; var i: int[0..1] = 1; "
                      "process p on cpu 0 { inc(&h[i]); assert(h[1] == 2 && h[0] == 0); }");
  CHECK(dynamic.result.outcome == checker::Outcome::Holds);
  CHECK(dynamic.result.states == 6);
}

TEST_CASE("two references to one variable see each other's stores", "[compile]") {
  Run r = check("fn f(a: &int[0..3], b: &int[0..3]) { a = 2; b += 1; } var x: int[0..3]; process p on cpu 0 { f(&x, &x); assert(x == 3); }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
}

TEST_CASE("choose: one successor per value, in the step of the statement that uses it", "[compile]") {
  // x = t is the one step: initial, then x in {1, 2, 3}
  Run r = check("var x: int[0..3]; process p on cpu 0 { choose t in 1..3; x = t; }");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 4);
  CHECK(r.result.transitions == 3);
  // a typed choice: bool
  Run b = check("var x: bool; var y: int[0..3]; process p on cpu 0 { choose c: bool; x = c; y = 1; }");
  CHECK(b.result.states == 5);  // initial; x=false or x=true; then y=1 from each
}

TEST_CASE("for: the body once per value, break and continue", "[compile]") {
  // seen[0] and seen[2] are set, one step each (initial, seen[0], seen[2]); c == 1 continues,
  // and i == 2 breaks out before seen is read again
  Run r = check("var seen: bool[3]; var n: int[0..3]; process p on cpu 0 { "
                "for (c: cpu) { if (c == 1) { continue; } seen[c] = true; } "
                "for (i: int[0..3]) { if (i == 2) { break; } n += 1; } "
                "assert(seen[0] && !seen[1] && seen[2] && n == 2); }",
                {{"cpus", "3"}});
  CHECK(r.result.outcome == checker::Outcome::Holds);
  // initial, seen[0], seen[2], n=1, n=2, the assert
  CHECK(r.result.states == 6);
}

TEST_CASE("a constraint: states that break it are checked, not expanded, and are no deadlock", "[compile]") {
  // n counts 0, 1, 2, ...: n == 3 breaks the constraint and is the last state explored
  Run r = check("var n: int[0..9]; process p on cpu 0 { loop { n = (n + 1) % 9; } } constraint small: n < 3;");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 4);
  CHECK(r.result.not_expanded == 1);
  // a state that breaks it is still checked
  Run v = check("var n: int[0..9]; process p on cpu 0 { loop { n = (n + 1) % 9; } } constraint small: n < 3; invariant two: n != 3;");
  CHECK(v.result.outcome == checker::Outcome::Violated);
  CHECK(v.property == "two");
}

TEST_CASE("at(p, label) and at(p, function): where a process's next step begins", "[compile]") {
  const std::string body = "var x: int[0..3]; fn set(v: int[0..3]) { x = v; x = v + 0; } "
                           "process p on cpu 0 { x = 1; second: x = 2; set(3); x = 0; } ";
  CHECK(check(body + "invariant a: !at(p, second) || x == 1;").result.outcome == checker::Outcome::Holds);
  Run in_set = check(body + "invariant b: !at(p, set);");
  CHECK(in_set.result.outcome == checker::Outcome::Violated);  // after x = 2, p is about to run set()
  // after x = 1 the step that begins is `second`: x == 1 there, and only there
  CHECK(check(body + "invariant c: at(p, second) == (x == 1);").result.outcome == checker::Outcome::Holds);
}

TEST_CASE("let ... in and functions inside expressions and invariants", "[compile]") {
  Run r = check("var x: int[0..3]; fn twice(v: int[0..3]) -> int[0..6] { let w = v + v; return w; } "
                "fn clamp(v: int[0..6]) -> int[0..3] { if (v > 3) { return 3; } return v; } "
                "process p on cpu 0 { x = clamp(twice(2)); x = clamp(twice(1)) - 1; } "
                "invariant i: let d = twice(x) in d <= 6 && clamp(d) <= 3;");
  CHECK(r.result.outcome == checker::Outcome::Holds);
  CHECK(r.result.states == 3);  // x: 0, 3, 1
  Run v = check("var x: int[0..3]; fn twice(v: int[0..3]) -> int[0..6] { return v + v; } process p on cpu 0 { x = 3; } invariant i: let d = twice(x) in d < 6;");
  CHECK(v.result.outcome == checker::Outcome::Violated);
}

TEST_CASE("functions inside expressions: struct parameters, arguments nobody reads, lets in nested calls", "[compile]") {
  // a struct parameter names the argument's own slots
  CHECK(check("struct S { a: int[0..3]; b: bool; } var first: int[0..3] = 3; var g: S; fn geta(s: S) -> int[0..3] { return s.a; } "
              "process p on cpu 0 { skip; } invariant wrong: geta(g) == 3;")
            .result.outcome == checker::Outcome::Violated);
  // the argument of a parameter the body never names still runs
  Run unread = check("var m: cpumask; fn h(x: bool) { skip; } process p on each cpu { h(test_and_set_bit(0, m)); } invariant i: !test_bit(0, m);",
                     {{"cpus", "2"}});
  CHECK(unread.result.outcome == checker::Outcome::Violated);
  CHECK(unread.property == "i");
  // a function that calls itself in an argument keeps each call's lets apart
  Run nested = check("var p: int[0..3]; var q: int[0..3]; var r: int[0..3]; "
                     "fn max(a: int[0..3], b: int[0..3]) -> int[0..3] { return let x = a in let y = b in x > y ? x : y; } "
                     "process w on cpu 0 { p = 3; } invariant i: max(max(p, q), r) <= 2;");
  CHECK(nested.result.outcome == checker::Outcome::Violated);
  // a let ... in inside a forall, in the explanation's terms too
  Run terms = check("var v: int[0..1][2]; var m: bool[2][2] = { false, false, false, true }; process p on each cpu { v[this_cpu] = 1; } "
                    "invariant a: forall (c: cpu) let w = v[c] in !m[w][c];",
                    {{"cpus", "2"}});
  CHECK(terms.result.outcome == checker::Outcome::Violated);
}

TEST_CASE("a constraint that cannot be evaluated is a runtime-error, not a cut", "[compile]") {
  Run r = check("var x: int[0..3] = 0; process p on cpu 0 { x = 1; x = 2; } constraint c: 10 / (x - 1) > 0 || x == 0;");
  CHECK(r.result.outcome == checker::Outcome::Violated);
  CHECK(r.property == "runtime-error");
  CHECK_THAT(r.explanation, Catch::Contains("the constraint 'c'"));
}

TEST_CASE("a function inside an expression checks its parameters, lets and result against their ranges", "[compile]") {
  Run param = check("var g: int[0..7] = 5; fn f(x: int[0..3]) -> int[0..3] { return x; } process p on cpu 0 { let y: int[0..7] = f(g) + 0; }");
  CHECK(param.result.outcome == checker::Outcome::Violated);
  CHECK(param.property == "model-bound");
  CHECK_THAT(param.explanation, Catch::Contains("'p.f.x'"));
  Run result = check("var g: int[0..7] = 2; fn f(x: int[0..3]) -> int[0..3] { return x + 2; } process p on cpu 0 { g = f(g) + 0; }");
  CHECK(result.property == "model-bound");
  CHECK_THAT(result.explanation, Catch::Contains("'p.f.result'"));
  // a value the code keeps in range passes: clamp's return v is reached only with v <= 3
  CHECK(check("var x: int[0..6] = 6; var y: int[0..3]; fn clamp(v: int[0..6]) -> int[0..3] { if (v > 3) { return 3; } return v; } "
              "process p on cpu 0 { y = clamp(x) + 0; x = 2; y = clamp(x) + 0; }")
            .result.outcome == checker::Outcome::Holds);
}

TEST_CASE("quantifiers list frames and tasks as for does and over no value at all forall holds", "[compile]") {
  // frames 0..1 (never none): one frame is taken, so one of them equals `held` afterwards
  const std::string frames = "machine { cpus = 1; frames = 2; } var held: frame = none; process p on cpu 0 { held = alloc_frame(); } ";
  Run counted = check(frames + "invariant one: (count (f: frame) f == held) <= 1;");
  CHECK(counted.result.outcome == checker::Outcome::Holds);
  CHECK(counted.result.states == 2);
  Run none_held = check(frames + "invariant free: forall (f: frame) f != held;");
  CHECK(none_held.result.outcome == checker::Outcome::Violated);
  CHECK(none_held.property == "free");
  CHECK(none_held.result.trace.groups.size() == 1);
  // no task at all: forall over none holds, exists does not, count is 0
  Run empty = check("var x: int[0..1]; process p on cpu 0 { x = 1; } invariant t: (forall (k: task) false) && !(exists (k: task) true) && (count (k: task) true) == 0;");
  CHECK(empty.result.outcome == checker::Outcome::Holds);
  CHECK(empty.result.states == 2);
  // a PTE value is the machine's encoding, not a list
  cli::Request request;
  request.file = "t.tlb";
  request.text = "machine { cpus = 1; } var x: int[0..1]; process p on cpu 0 { x = 1; } invariant q: forall (v: pte) true;";
  const cli::Loaded pte = cli::load(request);
  CHECK_FALSE(pte.result.system);
  CHECK_THAT(pte.result.diagnostics, Catch::Contains("a bound variable needs a small scalar type") && Catch::Contains("not 'pte'"));
}
