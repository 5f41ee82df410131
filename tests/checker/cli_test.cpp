// The command line as users and scripts see it: exit statuses, JSON fields,
// identical results for 1 and 2 threads, trace replay and its refusals.
#include <catch2/catch.hpp>

#include <deque>
#include <filesystem>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/support.hpp"

using namespace tlbcheck::testing;

namespace {

std::string textbook(const std::string& name) { return quote(source_dir() + "/examples/textbook/" + name); }

nlohmann::json check_json(const std::string& file, const std::string& args, int expected_exit) {
  RunResult r = run(check_cli() + " " + file + " --format json " + args);
  INFO(r.output);
  REQUIRE(r.exit == expected_exit);
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// Peterson's algorithm enumerated directly in C++, independently of the
// language: the state is (pc0, pc1, flag0, flag1, turn, in_cs), each CPU's
// step is one line of peterson.tlb, and the await is one step.
std::size_t peterson_reference_states() {
  using S = std::tuple<int, int, int, int, int, int>;
  std::set<S> seen;
  std::deque<S> queue;
  S init{0, 0, 0, 0, 0, 0};
  seen.insert(init);
  queue.push_back(init);
  while (!queue.empty()) {
    auto [p0, p1, f0, f1, turn, cs] = queue.front();
    queue.pop_front();
    for (int i = 0; i < 2; ++i) {
      int pc[2] = {p0, p1}, f[2] = {f0, f1}, t = turn, c = cs;
      int j = 1 - i;
      switch (pc[i]) {
        case 0: f[i] = 1; pc[i] = 1; break;
        case 1: t = j; pc[i] = 2; break;
        case 2:
          if (!(f[j] == 0 || t == i)) continue;
          pc[i] = 3;
          break;
        case 3: ++c; pc[i] = 4; break;
        case 4: --c; pc[i] = 5; break;
        default: f[i] = 0; pc[i] = 0; break;
      }
      S n{pc[0], pc[1], f[0], f[1], t, c};
      if (seen.insert(n).second) queue.push_back(n);
    }
  }
  return seen.size();
}

void strip_timing(nlohmann::json& j) {
  for (const char* k : {"seconds", "phase_seconds", "threads", "peak_rss_bytes", "store_bytes"}) j.erase(k);
}

}  // namespace

TEST_CASE("peterson.tlb holds with the state count of an independent enumeration", "[cli]") {
  nlohmann::json j = check_json(textbook("peterson.tlb"), "", 0);
  CHECK(j["verdict"] == "holds");
  CHECK(j["states"].get<std::size_t>() == peterson_reference_states());
  CHECK(peterson_reference_states() == 32);
}

TEST_CASE("1 and 2 threads print identical counts and traces", "[cli]") {
  for (const char* name : {"lost_update.tlb", "peterson_no_turn.tlb", "lock_order.tlb", "ticket_lock.tlb", "peterson.tlb"}) {
    RunResult one = run(check_cli() + " " + textbook(name) + " --format json --threads 1");
    RunResult two = run(check_cli() + " " + textbook(name) + " --format json --threads 2");
    auto a = nlohmann::json::parse(one.output), b = nlohmann::json::parse(two.output);
    CHECK(a["threads"] == 1);
    CHECK(b["threads"] == 2);
    strip_timing(a);
    strip_timing(b);
    INFO(name);
    CHECK(a == b);
    CHECK(one.exit == two.exit);
  }
}

TEST_CASE("compact storage prints the same counts and traces as full storage, and the omission odds", "[cli]") {
  const std::string proto = quote(source_dir() + "/protocols/");
  for (std::string args : {textbook("ticket_lock.tlb"), textbook("lost_update.tlb"), proto + "lazy_tlb_2_4.tlb", proto + "lazy_tlb_2_4.tlb -D fix=upstream",
                           proto + "mmu_gather_nested.tlb"}) {
    RunResult full = run(check_cli() + " " + args + " --format json --threads 1");
    RunResult compact = run(check_cli() + " " + args + " --format json --threads 2 --compact");
    auto a = nlohmann::json::parse(full.output), b = nlohmann::json::parse(compact.output);
    INFO(args);
    CHECK(a["compact"] == false);
    CHECK(b["compact"] == true);
    double n = b["states"].get<double>();
    CHECK(b["omission_probability"].get<double>() == Approx(n * (n - 1) / 2 / 9223372036854775808.0));
    for (auto* j : {&a, &b}) {
      strip_timing(*j);
      j->erase("compact");
      j->erase("omission_probability");
    }
    CHECK(a == b);
    CHECK(full.exit == compact.exit);
  }
  RunResult text = run(check_cli() + " " + textbook("peterson.tlb") + " --compact");
  CHECK(text.exit == 0);
  CHECK(text.output.find("probability that a collision omitted a state is at most") != std::string::npos);
}

TEST_CASE("native steps print the same report, and a compiler that fails leaves the interpreter to run", "[cli][engine]") {
  const std::string proto = quote(source_dir() + "/protocols/");
  // --native is --engine native
  for (std::string native_flag : {"--engine native", "--native"}) {
    for (std::string args : {textbook("ticket_lock.tlb"), textbook("lost_update.tlb"), proto + "vmalloc_fault.tlb"}) {
      RunResult interpreted = run(check_cli() + " " + args + " --format json --threads 1");
      RunResult native = run(quote(cli()) + " check " + args + " --format json --threads 2 " + native_flag);
      auto a = nlohmann::json::parse(interpreted.output.substr(interpreted.output.find('{')));
      auto b = nlohmann::json::parse(native.output.substr(native.output.find('{')));
      INFO(native_flag << " " << args);
      CHECK(a["engine"] == "interpreter");
      CHECK(b["engine"] == "native");
      CHECK(b["engine_note"].is_null());
      for (auto* j : {&a, &b}) {
        strip_timing(*j);
        j->erase("engine");
      }
      CHECK(a == b);
      CHECK(interpreted.exit == native.exit);
    }
  }
  // a compiler that fails: a warning, then the same verdict, interpreted,
  // whether native steps were asked for or the default
  for (std::string engine : {" --engine native", ""}) {
    RunResult fallback = run("env TLBCHECK_CC=false " + quote(cli()) + " check " + textbook("peterson.tlb") + engine + " -q 2>&1");
    INFO(engine << "\n" << fallback.output);
    CHECK(fallback.exit == 0);
    CHECK_THAT(fallback.output, Catch::Contains("warning: native steps: the C compiler failed"));
    CHECK_THAT(fallback.output, Catch::Contains("engine: interpreter (the C compiler failed"));
    CHECK_THAT(fallback.output, Catch::Contains("verdict: holds"));
  }
  CHECK(run(quote(cli()) + " check " + textbook("peterson.tlb") + " --native --engine interpreter").exit == 2);
  CHECK(run(quote(cli()) + " check " + textbook("peterson.tlb") + " --engine fast").exit == 2);
}

TEST_CASE("the default engine: native steps when a C compiler is found, else the interpreter with a note", "[cli][engine]") {
  const std::string peterson = textbook("peterson.tlb");
  // a working compiler: native, and nothing said but the compile time
  RunResult found = run("sh -c " + quote("env TLBCHECK_CC=cc " + quote(cli()) + " check " + peterson + " --format json 2>/dev/null"));
  INFO(found.output);
  REQUIRE(found.exit == 0);
  auto native = nlohmann::json::parse(found.output, nullptr, false);  // stdout is the JSON alone
  REQUIRE_FALSE(native.is_discarded());
  CHECK(native["engine"] == "native");
  CHECK(native["engine_note"].is_null());

  // none: the interpreter, a one-line note on stderr, stdout still just the JSON
  const std::string missing = "env TLBCHECK_CC=/nonexistent " + quote(cli()) + " check " + peterson;
  RunResult out = run("sh -c " + quote(missing + " --format json 2>/dev/null"));
  RunResult err = run("sh -c " + quote(missing + " --format json 2>&1 >/dev/null"));
  INFO(out.output << err.output);
  REQUIRE(out.exit == 0);
  auto interpreted = nlohmann::json::parse(out.output, nullptr, false);
  REQUIRE_FALSE(interpreted.is_discarded());
  CHECK(interpreted["engine"] == "interpreter");
  CHECK(interpreted["engine_note"] == "no C compiler: '/nonexistent' (from $TLBCHECK_CC) is not an executable file");
  CHECK(interpreted["states"] == native["states"]);
  CHECK(err.output == "tlbcheck: note: no C compiler: '/nonexistent' (from $TLBCHECK_CC) is not an executable file; interpreting the steps "
                      "(set $TLBCHECK_CC to a C compiler, or choose --engine interpreter)\n");
  // --quiet leaves the note out; the report's time line still says why
  RunResult quiet = run(missing + " -q");
  CHECK(quiet.output.find("note:") == std::string::npos);
  CHECK_THAT(quiet.output, Catch::Contains("engine: interpreter (no C compiler: '/nonexistent' (from $TLBCHECK_CC) is not an executable file)"));
  // a name that is not on the PATH
  RunResult unnamed = run("env TLBCHECK_CC=no-such-cc-here " + quote(cli()) + " check " + peterson + " -q");
  CHECK_THAT(unnamed.output, Catch::Contains("engine: interpreter (no C compiler: 'no-such-cc-here' (from $TLBCHECK_CC) is not on the PATH)"));
  // asked for by name, a missing compiler is an error; the interpreter asked for says nothing
  RunResult refused = run(missing + " --engine native");
  CHECK(refused.exit == 2);
  CHECK_THAT(refused.output, Catch::Contains("error: --engine native: no C compiler: '/nonexistent'") && Catch::Contains("[BadOption]"));
  RunResult plain = run(missing + " --engine interpreter");
  CHECK(plain.exit == 0);
  CHECK(plain.output.find("note:") == std::string::npos);
  CHECK_THAT(plain.output, Catch::Contains("engine: interpreter\n"));

  // a matrix: every cell native, said once under the table; without a
  // compiler, the note once for all cells
  const std::string matrix = " check " + textbook("ticket_lock.tlb") + " -D cpus=2,3";
  RunResult cells = run("env TLBCHECK_CC=cc " + quote(cli()) + matrix + " -q");
  CHECK(cells.exit == 0);
  CHECK_THAT(cells.output, Catch::Contains("\nengine: native\n"));
  RunResult json = run("sh -c " + quote("env TLBCHECK_CC=cc " + quote(cli()) + matrix + " --format json 2>/dev/null"));
  auto m = nlohmann::json::parse(json.output, nullptr, false);
  REQUIRE_FALSE(m.is_discarded());
  for (const auto& cell : m["cells"]) CHECK(cell["report"]["engine"] == "native");
  RunResult without = run("env TLBCHECK_CC=/nonexistent " + quote(cli()) + matrix);
  CHECK(without.exit == 0);
  std::size_t notes = 0;
  for (std::size_t at = 0; (at = without.output.find("note: no C compiler", at)) != std::string::npos; ++at) ++notes;
  CHECK(notes == 1);
  CHECK_THAT(without.output, Catch::Contains("\nengine: interpreter (no C compiler: '/nonexistent'"));
}

// replay and simulate interpret: a trace, or runs that take the interpreter
// a second, would wait longer for the compiler than it saves
TEST_CASE("replay and simulate interpret the steps whatever compiler there is", "[cli][engine]") {
  RunResult sim = run("env TLBCHECK_CC=/nonexistent " + quote(cli()) + " simulate " + textbook("peterson.tlb") + " --runs 5");
  CHECK(sim.exit == 0);
  CHECK_THAT(sim.output, Catch::Contains("engine: interpreter\n"));
  CHECK(sim.output.find("note:") == std::string::npos);
}

TEST_CASE("the JSON report has every field of the contract", "[cli]") {
  nlohmann::json j = check_json(textbook("lost_update.tlb"), "", 1);
  for (const char* k : {"protocol", "options", "verdict", "property", "states", "transitions", "depth", "seconds", "threads", "trace"}) {
    INFO(k);
    CHECK(j.contains(k));
  }
  CHECK(j["verdict"] == "violated");
  CHECK(j["property"] == "assertion");
  REQUIRE_FALSE(j["trace"].empty());
  for (const auto& step : j["trace"]) {
    for (const char* k : {"cpu", "task", "context", "action", "file", "line", "changes"}) CHECK(step.contains(k));
  }
  // where the time went: parts of the run, none negative, together no more
  // than the whole
  double parts = 0;
  for (const char* k : {"expand", "seal", "grow"}) {
    INFO(k);
    REQUIRE(j["phase_seconds"].contains(k));
    CHECK(j["phase_seconds"][k].get<double>() >= 0);
    parts += j["phase_seconds"][k].get<double>();
  }
  CHECK(parts <= j["seconds"].get<double>());
}

TEST_CASE("check --keep-dead turns the dead-variable reset off, and the JSON report says which ran", "[cli][dead]") {
  // t is dead after x = t: 5 states with the reset, 7 without
  // (tests/model/lower/liveness_test.cpp derives both)
  const std::string file = temp_dir() + "/dead.tlb";
  write_file(file, "var x: int[0..3] = 0;\nfn pick() -> int[0..3] { choose v in 1..3; return v; }\nprocess p on cpu 0 { let t: int[0..3] = pick(); x = t; x = 0; }\n");
  nlohmann::json reset = check_json(quote(file), "", 0), kept = check_json(quote(file), "--keep-dead", 0);
  CHECK(reset["dead_reset"] == true);
  CHECK(reset["states"] == 5);
  CHECK(kept["dead_reset"] == false);
  CHECK(kept["states"] == 7);
  CHECK(run(quote(cli()) + " replay " + quote(file) + " x.json --keep-dead").exit == 2);  // check's option only
}

TEST_CASE("a trace written with --trace-out replays to the same violation", "[cli]") {
  std::string dir = temp_dir();
  std::string trace = dir + "/lost_update.json";
  RunResult r = run(check_cli() + " " + textbook("lost_update.tlb") + " --trace-out " + quote(trace));
  REQUIRE(r.exit == 1);
  RunResult replay = run(quote(cli()) + " replay " + textbook("lost_update.tlb") + " " + quote(trace));
  INFO(replay.output);
  CHECK(replay.exit == 1);
  CHECK_THAT(replay.output, Catch::Contains("still violated") && Catch::Contains("'assertion'"));

  // a deadlock trace replays too
  std::string dl = dir + "/lock_order.json";
  REQUIRE(run(check_cli() + " " + textbook("lock_order.tlb") + " --trace-out " + quote(dl)).exit == 1);
  RunResult d = run(quote(cli()) + " replay " + textbook("lock_order.tlb") + " " + quote(dl));
  CHECK(d.exit == 1);
  CHECK_THAT(d.output, Catch::Contains("deadlock"));
}

TEST_CASE("a hand-corrupted trace is refused at its first bad step", "[cli]") {
  std::string dir = temp_dir();
  std::string trace = dir + "/lu.json";
  REQUIRE(run(check_cli() + " " + textbook("lost_update.tlb") + " --trace-out " + quote(trace)).exit == 1);
  nlohmann::json j = nlohmann::json::parse(read_file(trace));

  nlohmann::json wrong_value = j;  // step 3 claims a different value
  wrong_value["trace"][2]["changes"][0]["to"] = "2";
  write_file(dir + "/bad1.json", wrong_value.dump());
  RunResult r1 = run(quote(cli()) + " replay " + textbook("lost_update.tlb") + " " + quote(dir + "/bad1.json"));
  CHECK(r1.exit == 0);
  CHECK_THAT(r1.output, Catch::Contains("diverges at step 3") && Catch::Contains("but the trace records {counter -> 2}"));

  nlohmann::json wrong_order = j;  // the observer's assert before its await
  std::swap(wrong_order["trace"][6], wrong_order["trace"][7]);
  write_file(dir + "/bad2.json", wrong_order.dump());
  RunResult r2 = run(quote(cli()) + " replay " + textbook("lost_update.tlb") + " " + quote(dir + "/bad2.json"));
  CHECK(r2.exit == 0);
  CHECK_THAT(r2.output, Catch::Contains("diverges at step 7") && Catch::Contains("cannot take 'assert(counter == 2);'"));

  nlohmann::json truncated = j;  // no violation at the end
  truncated["trace"].erase(truncated["trace"].size() - 1);
  write_file(dir + "/bad3.json", truncated.dump());
  RunResult r3 = run(quote(cli()) + " replay " + textbook("lost_update.tlb") + " " + quote(dir + "/bad3.json"));
  CHECK(r3.exit == 0);
  CHECK_THAT(r3.output, Catch::Contains("violates no property"));
}

TEST_CASE("replay on an edited protocol: still violated, diverges at a named step, or does not apply", "[cli][replay]") {
  const std::string dir = temp_dir() + "/edited";
  std::filesystem::create_directories(dir + "/lib");
  const std::string lazy = source_dir() + "/protocols/lazy_tlb_2_4.tlb";
  const std::string trace = dir + "/lazy.json";
  REQUIRE(run(check_cli() + " " + quote(lazy) + " -q --trace-out " + quote(trace)).exit == 1);
  const std::string replay = quote(cli()) + " replay ";

  // (a) a comment block added at the top: every line moved, the same violation
  write_file(dir + "/lib/spinlock.tlb", read_file(source_dir() + "/protocols/lib/spinlock.tlb"));
  write_file(dir + "/lazy_tlb_2_4.tlb", "// a comment\n// of three\n// lines\n" + read_file(lazy));
  RunResult moved = run(replay + quote(dir + "/lazy_tlb_2_4.tlb") + " " + quote(trace));
  INFO(moved.output);
  CHECK(moved.exit == 1);
  CHECK_THAT(moved.output, Catch::StartsWith("still violated: after step 34 property 'stale-translation' is violated") &&
                               Catch::Contains("note: step 1: now at line 112 (was 109)"));

  // (b) the fixed kernel: idle's switch_mm no longer begins with set_bit
  RunResult fixed = run(replay + quote(lazy) + " " + quote(trace) + " -D fix=upstream");
  INFO(fixed.output);
  CHECK(fixed.exit == 0);
  CHECK(fixed.output ==
        "the trace no longer reaches the violation: diverges at step 5: idle on cpu1 cannot take 'set_bit(cpu_, next->cpu_vm_mask);' (in switch_mm, line 132); "
        "it can take 'cpu_tlbstate[cpu_].state = TLBSTATE_OK;' (in switch_mm, line 124) (other interleavings may: run check)\n");

  // (c) another protocol
  RunResult other = run(replay + textbook("lost_update.tlb") + " " + quote(trace));
  INFO(other.output);
  CHECK(other.exit == 4);
  CHECK(other.output == "does not apply: the trace is of protocol 'lazy_tlb_2_4', this file is 'lost_update'\n");

  // --format text: the steps replayed as a table, the notes, the outcome last
  RunResult table = run(replay + quote(lazy) + " " + quote(trace) + " -D fix=upstream --format text --width 120");
  INFO(table.output);
  CHECK(table.exit == 0);
  CHECK_THAT(table.output, Catch::StartsWith("protocol: lazy_tlb_2_4") && Catch::Contains("fix=upstream") && Catch::Contains("trace: 4 steps") &&
                               Catch::Contains("| cpu1 (idle)") && Catch::EndsWith("(in switch_mm, line 124) (other interleavings may: run check)\n"));
  CHECK_THAT(table.output, !Catch::Contains("verdict:") && !Catch::Contains("states:"));
  RunResult violated = run(replay + quote(dir + "/lazy_tlb_2_4.tlb") + " " + quote(trace) + " --format text");
  CHECK(violated.exit == 1);
  CHECK_THAT(violated.output, Catch::Contains("counterexample: 34 steps") && Catch::Contains("how it came to this:") &&
                                  Catch::Contains("  note: step 34: now at line 255 (was 252)\nstill violated"));

  // --format json: the outcome, its exit status, where it diverges, the notes, the replayed steps
  auto json = [&](const std::string& file, const std::string& args, int exit) {
    RunResult r = run(replay + quote(file) + " " + quote(trace) + " --format json " + args);
    INFO(r.output);
    CHECK(r.exit == exit);
    nlohmann::json j = nlohmann::json::parse(r.output, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  };
  nlohmann::json d = json(lazy, "-D fix=upstream", 0);
  CHECK(d["outcome"] == "diverged");
  CHECK(d["exit"] == 0);
  CHECK(d["diverges_at"]["step"] == 5);
  CHECK(d["diverges_at"]["recorded"] == "idle on cpu1: 'set_bit(cpu_, next->cpu_vm_mask);' (in switch_mm, line 132)");
  CHECK(d["diverges_at"]["instead"] == nlohmann::json::array({"'cpu_tlbstate[cpu_].state = TLBSTATE_OK;' (in switch_mm, line 124)"}));
  CHECK(d["trace"].size() == 4);
  CHECK(d["property"].is_null());
  nlohmann::json v = json(dir + "/lazy_tlb_2_4.tlb", "", 1);
  CHECK(v["outcome"] == "violated");
  CHECK(v["property"] == "stale-translation");
  CHECK(v["trace"].size() == 34);
  CHECK(v["trace"][0]["line"] == 112);
  CHECK(v["notes"][0] == nlohmann::json({{"step", 1}, {"text", "now at line 112 (was 109)"}}));
  nlohmann::json n = json(source_dir() + "/examples/textbook/lost_update.tlb", "", 4);
  CHECK(n["outcome"] == "does-not-apply");
  CHECK(n["trace"].empty());
}

TEST_CASE("limits give exit status 3 and say what was explored", "[cli]") {
  RunResult r = run(check_cli() + " " + textbook("ticket_lock.tlb") + " --max-states 100 --no-symmetry");
  INFO(r.output);
  CHECK(r.exit == 3);
  CHECK_THAT(r.output, Catch::Contains("verdict: incomplete") && Catch::Contains("state limit") && Catch::Contains("states: "));
  RunResult m = run(check_cli() + " " + textbook("ticket_lock.tlb") + " -D cpus=5 --memory-limit 1M");
  CHECK(m.exit == 3);
  CHECK_THAT(m.output, Catch::Contains("memory limit"));
}

TEST_CASE("the packed state layout is printed with --show-layout", "[cli]") {
  RunResult r = run(check_cli() + " " + textbook("peterson.tlb") + " --show-layout");
  CHECK(r.exit == 0);
  CHECK_THAT(r.output, Catch::Contains("state layout: 1 words") && Catch::Contains("flag[1]") && Catch::Contains("turn"));
}

TEST_CASE("the text counterexample has one column per CPU and the explanation", "[cli]") {
  RunResult r = run(check_cli() + " " + textbook("lost_update.tlb") + " --threads 2");
  CHECK(r.exit == 1);
  CHECK_THAT(r.output, Catch::Contains("| cpu0") && Catch::Contains("| cpu1 (inc)") && Catch::Contains("counter: 0 -> 1") &&
                           Catch::Contains("with counter = 1"));
}

TEST_CASE("litmus 1's violation names the CPU, the page, the frame and the step that freed it", "[cli]") {
  RunResult r = run(check_cli() + " " + quote(source_dir() + "/examples/litmus/01_unmap_no_flush.tlb"));
  INFO(r.output);
  CHECK(r.exit == 1);
  CHECK_THAT(r.output, Catch::Contains("on cpu1") && Catch::Contains("uses page V") && Catch::Contains("frame 1, which is free") &&
                           Catch::Contains("frame1.kind became free at step 6") && Catch::Contains("free_frame(old)"));
}

TEST_CASE("property selection: NAME checks only it, +NAME adds one checked on request, -NAME takes one away", "[cli]") {
  std::string litmus = quote(source_dir() + "/examples/litmus/13_freed_root.tlb");
  auto checked = [&](const std::string& args) {
    RunResult r = run(check_cli() + " " + litmus + " --threads 1 --format json " + args);
    INFO(args << "\n" << r.output);
    nlohmann::json j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    std::vector<std::string> names;
    for (const auto& p : j["properties"]) names.push_back(p.get<std::string>());
    return names;
  };
  using List = std::vector<std::string>;
  // (a machine without a data cache, ASID values, a software walker, a `sync` function or a copy: those properties cannot fire, and are not listed)
  CHECK(checked("") == List{"assertion", "runtime-error", "deadlock", "stale-translation", "model-bound"});
  CHECK(checked("--property +freed-root") == List{"assertion", "runtime-error", "deadlock", "stale-translation", "freed-root", "model-bound"});
  CHECK(checked("--property freed-root") == List{"runtime-error", "freed-root", "model-bound"});  // runtime-error and model-bound are always checked
  CHECK(checked("--property -deadlock --property +freed-root --property -stale-translation") == List{"assertion", "runtime-error", "freed-root", "model-bound"});
  RunResult unknown = run(check_cli() + " " + litmus + " --property +no-such");
  CHECK(unknown.exit == 2);
  CHECK_THAT(unknown.output, Catch::Contains("unknown property 'no-such'"));
}

TEST_CASE("cli: the closing line of a verdict of holds names the properties that were checked", "[cli]") {
  const std::string file = quote(source_dir() + "/examples/litmus/14_hardware_in_invariants.tlb");
  RunResult all = run(check_cli() + " " + file);
  CHECK_THAT(all.output, Catch::Contains("verdict: holds -- on every reachable state: assertion, runtime-error, deadlock, stale-translation, "
                                         "model-bound, flushed_means_no_tlb_entry, flushed_means_no_walk_entry\n"));
  // a selection of one invariant leaves the built-in ones out (runtime-error always stays), and says so
  RunResult one = run(check_cli() + " " + file + " --property flushed_means_no_tlb_entry");
  CHECK_THAT(one.output, Catch::Contains("verdict: holds -- on every reachable state: runtime-error, model-bound, flushed_means_no_tlb_entry\n"));
  // the kernel's claims are listed where the protocol makes them: a `sync` function (stale-permission), a copy (lost-write, dirty-dropped)
  RunResult sync = run(check_cli() + " " + quote(source_dir() + "/examples/litmus/27_mprotect_sync.tlb"));
  CHECK_THAT(sync.output, Catch::Contains("stale-permission, model-bound\n"));
  RunResult copies = run(check_cli() + " " + quote(source_dir() + "/examples/litmus/28_migrate_batch_flush.tlb"));
  CHECK_THAT(copies.output, Catch::Contains("stale-translation, lost-write, model-bound\n"));  // a copy, no write-back: no dirty-dropped
}

TEST_CASE("imports: a file's declarations once, errors located in the file that has them, a cycle of two files named", "[cli][import]") {
  const std::string dir = temp_dir() + "/imports";
  std::filesystem::create_directories(dir + "/lib");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir + "/" + name) << text; };
  // a diamond: both helpers import the lock; it is declared once
  write("lib/lock.tlb", "var held: bool;\nfn lock() { atomic { await(!held); held = true; } }\nfn unlock() { held = false; }\n");
  write("a.tlb", "import \"lib/lock.tlb\"\nfn twice_a() { lock(); unlock(); }\n");
  write("b.tlb", "import \"lib/lock.tlb\"\nfn twice_b() { lock(); unlock(); }\n");
  write("main.tlb", "protocol \"diamond\"\nimport \"a.tlb\"\nimport \"b.tlb\"\nvar n: int[0..2];\n"
                    "process p on each cpu { twice_a(); twice_b(); atomic { n += 1; } }\ninvariant bad: n < 2;\n");
  RunResult diamond = run(check_cli() + " " + quote(dir + "/main.tlb") + " --threads 1 -D cpus=2");
  INFO(diamond.output);
  CHECK(diamond.exit == 1);  // the invariant breaks once both ran: the imports compiled
  CHECK_THAT(diamond.output, Catch::Contains("[lock.tlb:2] "));  // a step in an imported file names it
  // an error in an imported file points into it
  write("lib/broken.tlb", "var x: bool;\nfn f() { x = 3; }\n");
  write("uses_broken.tlb", "import \"lib/broken.tlb\"\nprocess p on cpu 0 { f(); }\n");
  RunResult broken = run(check_cli() + " " + quote(dir + "/uses_broken.tlb"));
  CHECK(broken.exit == 2);
  CHECK_THAT(broken.output, Catch::Contains(dir + "/lib/broken.tlb:2:"));
  // two files that import each other
  write("x.tlb", "import \"y.tlb\"\nprocess p on cpu 0 { skip; }\n");
  write("y.tlb", "import \"x.tlb\"\n");
  RunResult cycle = run(check_cli() + " " + quote(dir + "/x.tlb"));
  CHECK(cycle.exit == 2);
  CHECK_THAT(cycle.output, Catch::Contains("y.tlb:1:8: error: import cycle: x.tlb -> y.tlb -> x.tlb [ImportCycle]"));
  // the bundled protocols/lib/ is found from anywhere
  write("bundled.tlb", "import \"lib/mmap_lock.tlb\"\nmm { mmap_lock: rw_semaphore; }\nmm M;\nprocess p on each cpu { mmap_read_lock(M); mmap_read_unlock(M); }\n");
  RunResult bundled = run(check_cli() + " " + quote(dir + "/bundled.tlb") + " -D cpus=3");
  CHECK(bundled.exit == 0);
}

TEST_CASE("a protocol piped in as /dev/stdin is read, and its errors are located in it", "[cli][import]") {
  // a pipe has no canonical path: the file is known by its name
  RunResult piped = run("printf 'protocol \"piped\"\\nvar n: int[0..2];\\nprocess p on each cpu { atomic { n += 1; } }\\n' | " + check_cli() + " /dev/stdin -D cpus=2");
  INFO(piped.output);
  CHECK(piped.exit == 0);
  CHECK_THAT(piped.output, Catch::Contains("protocol: piped (/dev/stdin)"));
  RunResult bad = run("printf 'protocol \"piped\"\\nvar n: int[0..2] = true;\\n' | " + check_cli() + " /dev/stdin");
  INFO(bad.output);
  CHECK(bad.exit == 2);
  CHECK_THAT(bad.output, Catch::Contains("/dev/stdin:2:"));
}

TEST_CASE("a step that ran other functions' local code first names them", "[cli][trace]") {
  const std::string dir = temp_dir() + "/also_ran";
  std::filesystem::create_directories(dir);
  // reset() and adjust() touch only the caller's local: they merge into publish()'s step
  std::ofstream(dir + "/merged.tlb") << "struct range { start: int[0..3]; end: int[0..3]; }\n"
                                        "var shared_end: int[0..3];\n"
                                        "fn reset(r: &range) { r->start = 3; r->end = 0; }\n"
                                        "fn adjust(r: &range, a: int[0..3]) { if (a > r->end) { r->end = a; } }\n"
                                        "fn publish(r: &range) { shared_end = r->end; }\n"
                                        "process p on cpu 0 { let r: range; reset(&r); adjust(&r, 2); publish(&r); }\n"
                                        "invariant never: shared_end != 2;\n";
  RunResult r = run(check_cli() + " " + quote(dir + "/merged.tlb") + " --threads 1");
  INFO(r.output);
  CHECK(r.exit == 1);
  CHECK_THAT(r.output, Catch::Contains("publish(&r): shared_end = r->end;"));
  CHECK_THAT(r.output, Catch::Contains("(ran reset, adjust first)"));
  RunResult j = run(check_cli() + " " + quote(dir + "/merged.tlb") + " --threads 1 --format json");
  CHECK_THAT(j.output, Catch::Contains("\"also_ran\""));
}

TEST_CASE("a -D that changes nothing is refused (exit 2) with the reason -- one outside the supported settings warns first and still runs", "[cli][settings]") {
  const std::string lazy = quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb");
  RunResult refused = run(check_cli() + " " + lazy + " -q -D walk_cache=true");
  INFO(refused.output);
  CHECK(refused.exit == 2);
  CHECK_THAT(refused.output, Catch::Contains("error: walk_cache=true has no effect: it needs levels >= 2 (levels=1)") && Catch::Contains("[NoEffect]"));

  RunResult outside = run(check_cli() + " " + lazy + " -q --threads 1 -D tlb.pcid=true -D fix=upstream");
  INFO(outside.output);
  CHECK(outside.exit == 1);  // the fix fails on a machine it was not written for
  const auto warning = outside.output.find("warning: tlb.pcid=true is outside the settings this protocol supports (supports tlb.pcid = false)");
  REQUIRE(warning != std::string::npos);
  CHECK(warning < outside.output.find("protocol: "));  // before checking
  CHECK_THAT(outside.output, Catch::Contains("lazy_tlb_2_4.tlb:") && Catch::Contains("[Unsupported]"));
  CHECK_THAT(outside.output, Catch::Contains("outside the supported settings: tlb.pcid=true (the protocol supports tlb.pcid = false: "));

  // (the warning on stderr, the report alone on stdout)
  RunResult report = run("sh -c " + quote(check_cli() + " " + lazy + " --format json -q --threads 1 -D tlb.pcid=true -D fix=upstream 2>/dev/null"));
  REQUIRE(report.exit == 1);
  nlohmann::json j = nlohmann::json::parse(report.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("unsupported_settings"));
  CHECK(j["unsupported_settings"][0]["setting"] == "tlb.pcid=true");
  CHECK(j["unsupported_settings"][0]["supports"] == "tlb.pcid = false");
  CHECK_FALSE(j["unsupported_settings"][0]["reason"].get<std::string>().empty());
  CHECK_FALSE(check_json(lazy, "-q --threads 1 -D fix=upstream", 0).contains("unsupported_settings"));
}

TEST_CASE("options lists the options and machine fields with types, defaults, values, comments and dependencies", "[cli][settings]") {
  const std::string walker = quote(source_dir() + "/examples/litmus/17_software_walker.tlb");
  RunResult text = run(quote(cli()) + " options " + walker + " -D sync=none");
  INFO(text.output);
  REQUIRE(text.exit == 0);
  CHECK_THAT(text.output, Catch::Contains("  sync = none   (one of ipi, none; default ipi)\n"));
  CHECK_THAT(text.output, Catch::Contains("  irqs_off = true   (bool; default true; meaningful only if sync == ipi)\n      the walker disables interrupts"));
  CHECK_THAT(text.output, Catch::Contains("  walk_cache = false   (bool; default false; needs levels >= 2)\n      CPUs cache upper-level page-table entries\n"));
  CHECK_THAT(text.output, Catch::Contains("  levels = 2   (int 1..4; default 1; set by machine)\n"));
  CHECK_THAT(text.output, Catch::Contains("supports (the machine settings the protocol was written for):\n  (none declared)\n"));

  RunResult json = run("sh -c " + quote(quote(cli()) + " options " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") + " --format json -D tlb.pcid=true -D rounds=3 2>/dev/null"));
  INFO(json.output);
  REQUIRE(json.exit == 0);
  auto j = nlohmann::json::parse(json.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["protocol"] == "lazy_tlb_2_4");
  const nlohmann::json& rounds = j["options"][1];
  CHECK(rounds["name"] == "rounds");
  CHECK(rounds["type"] == "int");
  CHECK(rounds["lo"] == 1);
  CHECK(rounds["hi"] == 3);
  CHECK(rounds["default"] == 2);
  CHECK(rounds["value"] == 3);
  CHECK(rounds["comment"] == "stack replacements by T1");
  CHECK(j["options"][0]["members"] == nlohmann::json::array({"none", "seed", "upstream"}));
  bool pcid_seen = false;
  for (const auto& f : j["machine"]) {
    if (f["name"] != "tlb.pcid") continue;
    pcid_seen = true;
    CHECK(f["value"] == true);
    CHECK(f["default"] == false);
    CHECK(f["set_by"] == "-D");
  }
  CHECK(pcid_seen);
  REQUIRE(j["supports"].size() == 1);
  CHECK(j["supports"][0]["supports"] == "tlb.pcid = false");
  CHECK(j["supports"][0]["holds"] == false);
  CHECK(j["supports"][0]["setting"] == "tlb.pcid=true");

  CHECK(run(quote(cli()) + " options " + walker + " -D sync=none -D irqs_off=false").exit == 2);
  CHECK(run(quote(cli()) + " options " + walker + " --format xml").exit == 2);
}
