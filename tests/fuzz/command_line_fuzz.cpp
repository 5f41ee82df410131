// Harness (d): -D and the other command-line values. The bytes choose a
// command (check, simulate, options, replay), a bundled protocol and a few
// options, each with a value from the bytes (or a well-known one), and run
// tlbcheck's own command line (checker/cli/app.hpp) on them: CLI11's checks, the -D lists and ranges
// (parse_axes), sizes, durations, property names, and the -D values the
// analysis applies. A --patch or a replayed trace is a file the bytes fill.
// The run is kept small (one thread, --max-states 200, short simulations,
// matrices of at most 8 cells); output files go to a private folder.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "checker/cli/app.hpp"
#include "checker/cli/matrix.hpp"
#include "tests/fuzz/choices.hpp"
#include "tests/fuzz/harness.hpp"


namespace {

std::string g_dir;          // the private folder: output files, the patch, the trace
std::stringstream g_sink;   // what the command prints (kept from the fuzzer's log)

struct Choice {
  const char* option;
  const char* const* known;  // values worth trying; else the value is from the bytes
  bool flag = false;
};

const char* const kDefineNames[] = {"fix", "cpus", "wait_for_acks", "tlb.speculative", "scenario", "frames", "irq_nesting", "preemption",
                                    "later_batches", "arch", "x", "fix.extra", nullptr};
const char* const kDefineValues[] = {"none", "upstream", "seed", "true", "false", "0", "1", "2", "3", "4", "32", "33", "-1", "1,2", "0..2", "2..1",
                                     "", "=", "none,upstream", "0x10", "2147483648", "1..", "..", ",", nullptr};
const char* const kSizes[] = {"512M", "4G", "1.5GiB", "1", "0", "-1", "1e30", "nan", "inf", "1K", "16T", "1000000", "M", "", nullptr};
const char* const kDurations[] = {"90", "90s", "1.5m", "2h", "1h30m", "500ms", "0", "1e9", "1e10", ".5", "5.", "1h30", "m", "", "1..2", nullptr};
const char* const kFormats[] = {"text", "json", "html", "", nullptr};
const char* const kProperties[] = {"stale-translation", "+freed-root", "-deadlock", "runtime-error", "model-bound", "assertion", "nope", "+", "-", "", nullptr};
const char* const kNumbers[] = {"0", "1", "2", "40", "1000", "100001", "-1", "18446744073709551616", "1e3", "x", "", nullptr};

// the options each command takes here; the run's size is fixed below
const std::vector<Choice> kCheck = {{"-D", nullptr}, {"--format", kFormats}, {"--memory-limit", kSizes}, {"--time-limit", kDurations},
                                    {"--property", kProperties}, {"--no-property", kProperties}, {"--traces", kNumbers}, {"--fewest-switches", nullptr, true},
                                    {"--width", kNumbers}, {"--show-hw", nullptr, true}, {"--show-hw=all", nullptr, true}, {"--initial-state", nullptr, true},
                                    {"--compact", nullptr, true}, {"--no-symmetry", nullptr, true}, {"--keep-dead", nullptr, true},
                                    {"--show-layout", nullptr, true}, {"--trace-out", nullptr}, {"--html", nullptr}, {"--dot", nullptr}, {"--patch", nullptr}};
const std::vector<Choice> kSimulate = {{"-D", nullptr}, {"--format", kFormats}, {"--seed", kNumbers}, {"--property", kProperties},
                                       {"--no-property", kProperties}, {"--show-hw", nullptr, true}, {"--trace-out", nullptr}, {"--width", kNumbers}};
const std::vector<Choice> kOptions = {{"-D", nullptr}, {"--format", kFormats}};
const std::vector<Choice> kReplay = {{"-D", nullptr}, {"--format", kFormats}, {"--show-hw", nullptr, true}, {"--width", kNumbers}, {"--initial-state", nullptr, true}};

const char* const kProtocols[] = {"examples/textbook/peterson.tlb", "examples/litmus/02_ipi_shootdown.tlb", "protocols/lazy_tlb_2_4.tlb",
                                  "protocols/vmalloc_fault.tlb", "examples/litmus/29_imports.tlb"};

std::string pick(tlbcheck::fuzz::Choices& c, const char* const* known) {
  std::size_t n = 0;
  while (known[n] != nullptr) ++n;
  return known[c.below(std::uint32_t(n))];
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dir = (std::filesystem::temp_directory_path() / ("tlbcheck-fuzz-cli-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(g_dir);
  // the command's output goes nowhere; the fuzzer's own reports (stderr, C stdio) stay
  std::cout.rdbuf(g_sink.rdbuf());
  std::cerr.rdbuf(g_sink.rdbuf());
  if (std::freopen("/dev/null", "w", stdout) == nullptr) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (g_dir.empty()) LLVMFuzzerInitialize(nullptr, nullptr);
  g_sink.str("");
  tlbcheck::fuzz::Choices c(data, size);
  static const char* const kCommands[] = {"check", "simulate", "options", "replay"};
  const std::uint32_t command = c.below(4);
  const std::vector<Choice>& table = command == 0 ? kCheck : command == 1 ? kSimulate : command == 2 ? kOptions : kReplay;
  std::vector<std::string> args = {"tlbcheck", kCommands[command], tlbcheck::fuzz::source_dir() + "/" + kProtocols[c.below(5)]};
  if (command == 3) {
    args.push_back(g_dir + "/trace.json");
    write(args.back(), c.text(8192));
  }
  std::vector<std::string> defines;
  bool patched = false;
  for (std::uint32_t i = 0, n = c.below(6); i < n; ++i) {
    const Choice& o = table[c.below(std::uint32_t(table.size()))];
    const std::string name = o.option;
    if (o.flag) {
      args.push_back(name);
    } else if (name == "-D") {
      std::string value;
      switch (c.below(3)) {
        case 0: value = pick(c, kDefineNames) + "=" + pick(c, kDefineValues); break;
        case 1: value = pick(c, kDefineNames) + "=" + c.text(40); break;
        default: value = c.text(60); break;
      }
      defines.push_back(value);
      args.push_back("-D");
      args.push_back(value);
    } else if (name == "--trace-out" || name == "--html" || name == "--dot") {
      args.push_back(name);
      args.push_back(g_dir + "/out" + name.substr(1));
    } else if (name == "--patch") {
      if (patched) continue;
      patched = true;
      args.push_back(name);
      args.push_back(g_dir + "/change.diff");
      write(args.back(), c.text(8192));
    } else {
      args.push_back(name);
      args.push_back(o.known != nullptr && !c.one_in(4) ? pick(c, o.known) : c.text(40));
    }
  }
  if (command == 0) {
    // a matrix runs one exploration per cell: at most 8 here
    std::vector<tlbcheck::cli::Axis> axes;
    std::string error;
    if (tlbcheck::cli::parse_axes(defines, axes, error) && tlbcheck::cli::cell_count(axes) > 8) return 0;
    for (const char* fixed : {"--threads", "1", "--max-states", "200", "--engine", "interpreter", "-q"}) args.push_back(fixed);
  }
  if (command == 1) {
    for (const char* fixed : {"--runs", "3", "--depth", "40"}) args.push_back(fixed);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int status = tlbcheck::cli::run_command_line(int(argv.size() - 1), argv.data());
  if (status < 0 || status > 4) tlbcheck::fuzz::fuzz_fail("exit status " + std::to_string(status), g_sink.str());
  return 0;
}
