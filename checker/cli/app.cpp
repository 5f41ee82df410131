// tlbcheck's command line (checker/cli/app.hpp): the one file that sees both
// the language module (model/) and the back end (checker/) and wires them
// together. main.cpp only calls it; the command-line fuzz harness calls it
// too (tests/fuzz/command_line_fuzz.cpp).
//
//   tlbcheck check FILE [-D NAME=VALUE[,VALUE...]|NAME=LO..HI]... [--patch FILE.diff]...
//                       [--threads N] [--format text|json] [--max-states N] [--memory-limit SIZE]
//                       [--time-limit DURATION] [--trace-out FILE] [--html FILE]
//                       [--property NAME]... [--no-property NAME]... [--show-layout] [--quiet] [--compact]
//                       [--engine interpreter|native] [--native] [--keep-dead] [--no-symmetry] [--por]
//                       [--traces K | --fewest-switches] [--dot FILE]
//   tlbcheck replay FILE TRACE.json [-D NAME=VALUE]... [--format text|json] [--show-hw[=all]] [--width N] [--initial-state]
//   tlbcheck show TRACE.json --html FILE
//   tlbcheck simulate FILE [-D NAME=VALUE]... [--seed N] [--depth N] [--runs K] [--format text|json]
//                          [--trace-out FILE] [--property NAME]... [--no-property NAME]... [--show-hw] [--interactive]
//   tlbcheck options FILE [-D NAME=VALUE]... [--format text|json]
//   tlbcheck --version
//
// Several values of a -D (or --patch) make check run a matrix of
// configurations (checker/cli/matrix.hpp) and print one table.
//
// Exit status: 0 every property holds (exhaustively; for simulate: no run
// found a violation, or the person quit), 1 a violation was found (or a
// replay confirmed it), 2 bad usage or bad input (a model whose bound is too
// small included: model-bound), 3 incomplete (a limit, SIGINT or SIGTERM).
// A matrix: 2 if a cell is a model error, else 1 if one is violated, else 3
// if one is incomplete, else 0; with --patch, of the cells after the patch.
// replay (README, "Replaying a trace on an edited protocol"): 1 still
// violated, 0 no longer violated (the trace diverges at a step, or ends
// without the violation), 4 the trace does not apply (it is of another
// protocol), 2 not a trace.
#include <malloc.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "checker/alternatives.hpp"
#include "checker/cli/app.hpp"
#include "checker/cli/driver.hpp"
#include "checker/cli/matrix.hpp"
#include "checker/cli/patch.hpp"
#include "checker/mpi_partition.hpp"
#include "checker/cli/options_list.hpp"
#include "checker/replay.hpp"
#include "checker/trace_html.hpp"
#include "checker/simulate.hpp"
#include "model/runtime/native.hpp"

namespace {

using namespace tlbcheck;

constexpr int kExitHolds = 0;
constexpr int kExitViolated = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitIncomplete = 3;

std::atomic<bool> g_interrupted{false};

// This process's MPI session: active under mpirun (checker/mpi_partition.hpp)
const checker::MpiSession* g_mpi = nullptr;
bool distributed() { return g_mpi != nullptr && g_mpi->ranks() > 1; }
bool root_rank() { return g_mpi == nullptr || g_mpi->rank() == 0; }

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// SIGINT (Ctrl-C) and SIGTERM (timeout(1), CI systems) both stop a search
// cleanly: the report of what was explored is printed, exit status 3.
void catch_stop_signals(bool on) {
  std::signal(SIGINT, on ? on_interrupt : SIG_DFL);
  std::signal(SIGTERM, on ? on_interrupt : SIG_DFL);
}

struct Options {
  std::string file;
  std::string trace_file;
  std::vector<std::string> defines;
  unsigned threads = 0;
  std::string format = "text";
  std::uint64_t max_states = 0;
  std::string memory_limit;
  std::string time_limit;
  std::vector<std::string> patches;
  std::string trace_out;
  std::string html;
  std::vector<std::string> properties;
  std::vector<std::string> no_properties;
  bool show_layout = false;
  std::string show_hw;  // "", "changes" or "all"
  std::uint32_t width = 0;
  bool initial_state = false;
  bool quiet = false;
  bool compact = false;
  bool no_symmetry = false;
  bool por = false;
  bool keep_dead = false;
  bool native = false;          // check --native: --engine native
  std::string engine_name;      // check --engine: "interpreter", "native" or "" (the default)
  // how steps run: check's choice (the fastest found, by default); replay and
  // simulate interpret (a trace, or runs the interpreter covers in a second:
  // compiling would cost more than it saves)
  cli::Engine engine = cli::Engine::Interpreter;
  unsigned traces = 0;
  bool fewest_switches = false;
  std::string dot;
  std::uint64_t seed = 1;        // simulate
  std::uint32_t depth = 1000;    // simulate
  std::uint64_t runs = 1000;     // simulate
  bool interactive = false;      // simulate
};

// --dot draws graphs of at most this many states (a picture of more is unreadable)
constexpr std::uint64_t kDotLimit = 2000;

// "512M", "4G", "1.5GiB", "1000000" (bytes) -> bytes; 0 on a malformed size.
std::uint64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    return 0;
  }
  std::string unit = text.substr(used);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  double mult = 1;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") mult = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") mult = 1024.0 * 1024 * 1024 * 1024;
  else return 0;
  // (1e30, inf: more bytes than 64 bits count is no size either; converting it was undefined)
  const double bytes = v * mult;
  return bytes > 0 && bytes < 18446744073709551616.0 ? std::uint64_t(bytes) : 0;
}

std::uint64_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? std::uint64_t(pages) * std::uint64_t(size) : (4ULL << 30);
}

std::uint64_t peak_rss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return std::uint64_t(u.ru_maxrss) * 1024;
}

// The text report's width: $COLUMNS, else the terminal's, else 160.
std::uint32_t terminal_width() {
  if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (end != env && *end == '\0' && v >= 40 && v <= 100000) return std::uint32_t(v);
  }
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
  return 160;
}

// How a counterexample is drawn: the same options for check and simulate.
void add_trace_options(CLI::App* app, Options& o) {
  app->add_flag("--show-hw{changes}", o.show_hw,
                "in a counterexample, show each CPU's root, ASID, TLB and walk cache (and the data cache) in its column, stale entries marked: "
                "what changed at each step, or everything after every step with --show-hw=all")
      ->check(CLI::IsMember({"changes", "all"}));
  app->add_option("--width", o.width, "width of the counterexample's table in characters (default: $COLUMNS, else the terminal's, else 160)")
      ->check(CLI::Range(40u, 100000u));
  app->add_flag("--initial-state", o.initial_state, "in a counterexample, a row 0 with the initial value of every variable and the machine's state");
}

void apply_trace_options(const Options& o, checker::Report& report) {
  report.show_hw = !o.show_hw.empty();
  report.show_hw_all = o.show_hw == "all";
  report.initial_state = o.initial_state;
  report.width = o.width != 0 ? o.width : terminal_width();
}

// The -D arguments of a command that runs one configuration: each NAME
// once, with one value (lists and ranges are for check's matrices).
bool parse_defines(const std::vector<std::string>& raw, std::vector<model::Define>& out, const char* command) {
  std::vector<cli::Axis> axes;
  std::string error;
  if (!cli::parse_axes(raw, axes, error)) {
    std::cerr << "tlbcheck: error: " << error << " [BadOption]\n";
    return false;
  }
  for (const cli::Axis& a : axes) {
    if (a.values.size() > 1) {
      std::cerr << "tlbcheck: error: -D " << a.name << " has " << a.values.size() << " values; " << command
                << " runs one configuration (a matrix of configurations is for 'tlbcheck check') [BadOption]\n";
      return false;
    }
    out.push_back({a.name, a.values[0]});
  }
  return true;
}

// "90", "90s", "1.5m", "2h", "1h30m", "500ms" -> seconds; 0 when malformed:
// decimal numbers, each but a lone one followed by its unit.
double parse_duration(const std::string& text) {
  double total = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t digits = at;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) ++digits;
    const std::string number = text.substr(at, digits - at);
    if (number.empty() || number.front() == '.' || number.back() == '.' || std::count(number.begin(), number.end(), '.') > 1) return 0;
    std::size_t end = digits;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    const std::string unit = text.substr(digits, end - digits);
    double v = 0;
    try {
      v = std::stod(number);
    } catch (const std::out_of_range&) {
      return 0;  // (a number of hundreds of digits; stod's exception said only "stod")
    }
    if (unit.empty() && (at != 0 || end != text.size())) return 0;  // "1h30": a number after a unit needs its own
    if (unit.empty() || unit == "s") total += v;
    else if (unit == "ms") total += v / 1000;
    else if (unit == "m" || unit == "min") total += v * 60;
    else if (unit == "h") total += v * 3600;
    else return 0;
    at = end;
  }
  return total;
}

cli::Request request(const Options& o, const std::vector<model::Define>& defines) {
  cli::Request r;
  r.file = o.file;
  r.load.defines = defines;
  r.load.only_properties = o.properties;
  r.load.disabled_properties = o.no_properties;
  r.engine = o.engine;
  r.load.keep_dead = o.keep_dead;
  return r;
}

void print_layout(const checker::System& system) {
  const checker::Layout& layout = system.layout();
  std::printf("state layout: %u words (%u bits used)\n", layout.words, layout.bits);
  std::printf("  %-32s %-18s %5s %9s %4s\n", "slot", "type", "word", "bits", "cpu");
  for (const checker::Slot& s : layout.slots) {
    std::string bits = s.width == 0 ? "-" : std::to_string(s.shift) + ".." + std::to_string(s.shift + s.width - 1);
    std::string cpu = s.cpu < 0 ? "-" : std::to_string(s.cpu);
    std::printf("  %-32s %-18s %5u %9s %4s\n", s.name.c_str(), s.type.c_str(), s.word, bits.c_str(), cpu.c_str());
  }
  std::printf("\n");
}

// --trace-out: the JSON report, for replay and show.
bool write_json(const std::string& path, const nlohmann::json& report) {
  std::ofstream out(path);
  if (out << checker::json_text(report) << "\n") return true;
  std::cerr << "tlbcheck: error: cannot write '" << path << "' [UnreadableFile]\n";
  return false;
}

bool write_html(const std::string& path, const nlohmann::json& report) {
  std::ofstream out(path, std::ios::binary);
  if (out << checker::render_html(report)) return true;
  std::cerr << "tlbcheck: error: cannot write '" << path << "' [UnreadableFile]\n";
  return false;
}

// The cores this process may run on (taskset, a container's limit, or
// mpirun binding each rank to some).
unsigned usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return unsigned(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// --threads, else every usable core; under mpirun, when the ranks are not
// bound to cores of their own, an equal share for each rank on this host.
unsigned worker_threads(const Options& o) {
  if (o.threads != 0) return o.threads;
  const unsigned cores = usable_cores();
  const bool unbound = cores >= std::thread::hardware_concurrency();
  return std::max(1u, g_mpi != nullptr && unbound ? cores / checker::ranks_on_this_host() : cores);
}

// The limits every search of check shares: --memory-limit and --time-limit.
struct Limits {
  std::uint64_t memory = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

bool parse_limits(const Options& o, Limits& limits) {
  // 3/4 of the memory, shared out among the ranks on this host under mpirun
  limits.memory = physical_memory() / 4 * 3 / (g_mpi != nullptr ? checker::ranks_on_this_host() : 1u);
  if (!o.memory_limit.empty()) {
    limits.memory = parse_size(o.memory_limit);
    if (limits.memory == 0) {
      std::cerr << "tlbcheck: error: --memory-limit " << o.memory_limit << ": expected a size such as 512M or 4G [BadOption]\n";
      return false;
    }
  }
  if (!o.time_limit.empty()) {
    const double seconds = parse_duration(o.time_limit);
    if (!(seconds > 0) || seconds > 1e9) {
      std::cerr << "tlbcheck: error: --time-limit " << o.time_limit << ": expected a positive duration such as 90, 90s, 30m or 1h30m [BadOption]\n";
      return false;
    }
    limits.deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  }
  return true;
}

// How check explores: threads, limits, the stop flag, the storage.
checker::ExploreOptions explore_options(const Options& o, const Limits& limits) {
  checker::ExploreOptions eo;
  eo.threads = worker_threads(o);
  eo.max_states = o.max_states;
  eo.memory_limit = limits.memory;
  eo.deadline = limits.deadline;
  eo.stop = &g_interrupted;
  eo.compact = o.compact;
  eo.symmetry = !o.no_symmetry;
  eo.por = o.por;
  return eo;
}

// Sets the stop flag when the deadline passes, for the searches that only
// watch the flag (--traces, --fewest-switches, --dot, the cells of a matrix
// between explorations); the explorer itself also watches the deadline.
class Watchdog {
 public:
  explicit Watchdog(const std::optional<std::chrono::steady_clock::time_point>& deadline) {
    if (!deadline) return;
    thread_ = std::thread([this, when = *deadline] {
      std::unique_lock lock(mutex_);
      if (!cv_.wait_until(lock, when, [this] { return done_; })) g_interrupted.store(true);
    });
  }
  ~Watchdog() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

// Reads a text file whole; false (and an error on stderr) if it cannot.
bool read_text(const std::string& path, const char* what, std::string& text) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (std::filesystem::is_directory(path, ec) || !in) {
    std::cerr << "tlbcheck: error: cannot read " << what << " '" << path << "'" << (std::filesystem::is_directory(path, ec) ? ": it is a directory" : "")
              << " [UnreadableFile]\n";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

// --patch: the protocol (and the files it imports) with every diff applied,
// in order, as texts standing in for the files. False (with the error on
// stderr, naming the diff's line and hunk) when a diff does not apply.
bool apply_patches(const Options& o, cli::Request& after) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> texts;  // canonical path -> patched text
  auto key = [](const fs::path& p) { return model::file_key(p.string()); };
  for (const std::string& diff_path : o.patches) {
    std::string diff;
    if (!read_text(diff_path, "the patch", diff)) return false;
    std::string error;
    std::vector<cli::FilePatch> files = cli::parse_diff(diff, error);
    if (files.empty()) {
      std::cerr << "tlbcheck: error: " << diff_path << ":" << error << " [BadPatch]\n";
      return false;
    }
    for (const cli::FilePatch& f : files) {
      // the protocol, else a file named from here, else from the protocol's folder
      fs::path target;
      std::error_code ec;
      if (cli::names_file(f.path, o.file)) target = o.file;
      else if (fs::is_regular_file(f.path, ec)) target = f.path;
      else if (fs::is_regular_file(fs::path(o.file).parent_path() / f.path, ec)) target = fs::path(o.file).parent_path() / f.path;
      if (target.empty()) {
        std::cerr << "tlbcheck: error: " << diff_path << ":" << f.diff_line << ": the diff changes '" << f.path
                  << "', which is not the protocol '" << o.file << "' and not a file found from here or from the protocol's folder [BadPatch]\n";
        return false;
      }
      std::string text;
      if (auto done = texts.find(key(target)); done != texts.end()) text = done->second;
      else if (!read_text(target.string(), "the file", text)) return false;
      cli::Applied applied = cli::apply_file_patch(text, f, diff_path, target.string());
      if (!applied.ok) {
        std::cerr << "tlbcheck: error: " << applied.error << " [BadPatch]\n";
        return false;
      }
      for (const std::string& note : applied.notes) std::cerr << "tlbcheck: note: " << note << "\n";
      texts[key(target)] = applied.text;
    }
  }
  if (auto main_text = texts.find(key(o.file)); main_text != texts.end()) {
    after.text = main_text->second;
    texts.erase(main_text);
  }
  after.load.overlay = std::move(texts);
  return true;
}

// check over a matrix of configurations (-D NAME=V1,V2 / LO..HI), or before
// and after --patch: one table, the cells run side by side.
int run_matrix_check(const Options& o, const std::vector<cli::Axis>& axes, const Limits& limits) {
  const char* single = !o.trace_out.empty() ? "--trace-out" : !o.html.empty() ? "--html" : !o.dot.empty() ? "--dot" : o.traces != 0 ? "--traces"
                       : o.fewest_switches ? "--fewest-switches" : o.show_layout ? "--show-layout" : nullptr;
  if (single != nullptr) {
    std::cerr << "tlbcheck: error: " << single << " shows one configuration; a matrix or --patch runs " << cli::cell_count(axes) * (o.patches.empty() ? 1 : 2)
              << " (give each -D one value and no --patch to use it) [BadOption]\n";
    return kExitBadInput;
  }
  std::vector<cli::Variant> variants;
  variants.push_back({o.patches.empty() ? "check" : "before", request(o, {})});
  if (!o.patches.empty()) {
    variants.push_back({"after", request(o, {})});
    if (!apply_patches(o, variants.back().request)) return kExitBadInput;
  }
  cli::MatrixOptions mo;
  mo.explore = explore_options(o, limits);
  mo.quiet = o.quiet;
  apply_trace_options(o, mo.trace_style);
  const bool progress = !o.quiet && isatty(STDERR_FILENO);
  if (progress) {
    mo.progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\r%zu of %zu configurations checked ", done, total);
      std::fflush(stderr);
    };
  }
  catch_stop_signals(true);
  cli::MatrixRun run;
  {
    Watchdog watchdog(limits.deadline);
    run = cli::run_matrix(variants, axes, mo);
  }
  catch_stop_signals(false);
  if (progress) std::fprintf(stderr, "\r%60s\r", "");
  std::cerr << run.diagnostics;
  if (!run.loaded) return kExitBadInput;
  if (o.format == "json") std::cout << checker::json_text(cli::matrix_json(o.file, o.patches, axes, run)) << "\n";
  else std::cout << cli::matrix_text(o.file, o.patches, axes, run);
  return cli::matrix_exit_status(run);
}

// Under mpirun every rank must explore the same system: the same code, layout
// and initial state (the same file and imports on every host, the same -D
// values). A digest of what a rank loaded.
std::uint64_t system_digest(const model::ModelSystem& system) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the words below
  auto mix = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ULL;
  };
  for (const model::Instr& in : system.program().code) {
    mix(std::uint64_t(in.op) | std::uint64_t(in.extra) << 16);
    mix(std::uint64_t(std::uint32_t(in.a)) | std::uint64_t(std::uint32_t(in.b)) << 32);
    mix(std::uint64_t(std::uint32_t(in.c)));
  }
  std::vector<checker::Word> init(system.layout().words, 0);
  system.initial(init);
  for (checker::Word w : init) mix(w);
  for (const auto& slot : system.layout().slots) mix(std::hash<std::string>{}(slot.name));
  for (const auto& g : system.groups()) mix(std::hash<std::string>{}(g.name));
  return h;
}

// Several ranks agree that each loaded the same system (`digest`), or that
// one of them failed before (nullopt: it said why): false on every rank
// then, which ends the command on all of them alike. Every rank calls it
// exactly once per check, so no rank waits for one that has left.
bool ranks_agree(std::optional<std::uint64_t> digest, const std::string& file) {
  if (!distributed()) return true;
  // 0: this rank failed (and said why, on its own stderr); the digest never is 0 in practice
  const std::vector<unsigned long long> all = g_mpi->all_values(digest ? std::max<std::uint64_t>(*digest, 1) : 0);
  const std::vector<std::string> hosts = g_mpi->hosts();
  std::string failed, other;
  for (unsigned r = 0; r < all.size(); ++r) {
    std::string& list = all[r] == 0 ? failed : all[r] != all[0] ? other : failed;
    if (all[r] == 0 || all[r] != all[0]) list += (list.empty() ? "" : ", ") + std::to_string(r) + " (" + hosts[r] + ")";
  }
  if (failed.empty() && other.empty()) return true;
  if (digest) {  // (rank 0 prints: where it failed itself, its own error said why)
    std::cerr << "tlbcheck: error: the " << g_mpi->ranks() << " MPI ranks did not all load the same system from '" << file << "': "
              << (failed.empty() ? "" : "rank " + failed + " could not load it") << (failed.empty() || other.empty() ? "" : "; ")
              << (other.empty() ? "" : "rank " + other + " loaded another system than rank 0")
              << " (is it the same file, with the same imports, on every host?) [BadInput]\n";
  }
  return false;
}

int run_check(const Options& o) {
  // before the ranks agree, an error on one rank is one on every rank
  auto bad_input = [&] {
    ranks_agree(std::nullopt, o.file);
    return kExitBadInput;
  };
  if (std::string why; o.engine == cli::Engine::Native && !model::c_compiler_found(why)) {
    std::cerr << "tlbcheck: error: --engine native: no C compiler: " << why << " (set $TLBCHECK_CC or $CC to one, or choose --engine interpreter) [BadOption]\n";
    return bad_input();
  }
  std::vector<cli::Axis> axes;
  std::string error;
  if (!cli::parse_axes(o.defines, axes, error)) {
    std::cerr << "tlbcheck: error: " << error << " [BadOption]\n";
    return bad_input();
  }
  Limits limits;
  if (!parse_limits(o, limits)) return bad_input();
  if (distributed()) {
    // what runs on one process only: the searches after explore() and a matrix's many explorations
    const char* single = !o.patches.empty() ? "--patch" : cli::cell_count(axes) > 1 ? "a matrix (-D with several values)" : o.por ? "--por"
                         : o.traces > 1 ? "--traces" : o.fewest_switches ? "--fewest-switches" : !o.dot.empty() ? "--dot" : nullptr;
    if (single != nullptr) {
      std::cerr << "tlbcheck: error: " << single << " runs in one process, not on " << g_mpi->ranks() << " MPI ranks (run it without mpirun) [BadOption]\n";
      return bad_input();
    }
  }
  if (!o.patches.empty() || cli::cell_count(axes) > 1) return run_matrix_check(o, axes, limits);
  // from here on a SIGINT or SIGTERM ends in a report, also while the
  // protocol loads or its steps compile: the search then stops at once
  catch_stop_signals(true);
  std::vector<model::Define> defines;
  for (const cli::Axis& a : axes) defines.push_back({a.name, a.values[0]});
  cli::Loaded loaded = cli::load(request(o, defines));
  std::cerr << loaded.result.diagnostics;
  if (!loaded.result.system) return bad_input();
  if (const model::NativeCode* code = loaded.result.system->native(); code != nullptr && code->compiled_now() && !o.quiet) {
    std::fprintf(stderr, "tlbcheck: compiled the steps to C in %.2f s (%s)\n", code->compile_seconds(), code->object_path().c_str());
  }
  std::cerr << cli::engine_message(loaded, o.quiet);
  const model::ModelSystem& system = *loaded.result.system;
  if (o.show_layout) print_layout(system);

  checker::ExploreOptions eo = explore_options(o, limits);
  std::unique_ptr<checker::Partition> partition;
  if (distributed()) {
    if (!ranks_agree(system_digest(system), o.file)) return kExitBadInput;
    // a host without a C compiler interprets, and every rank waits for the slowest at each batch
    const std::vector<unsigned long long> compiled = g_mpi->all_values(system.native() != nullptr ? 1 : 0);
    if (std::count(compiled.begin(), compiled.end(), 1ULL) != 0 && std::count(compiled.begin(), compiled.end(), 0ULL) != 0) {
      const std::vector<std::string> hosts = g_mpi->hosts();
      std::string slow;
      for (unsigned r = 0; r < compiled.size(); ++r) {
        if (compiled[r] == 0) slow += (slow.empty() ? "" : ", ") + std::to_string(r) + " (" + hosts[r] + ")";
      }
      std::cerr << "tlbcheck: warning: MPI rank " << slow << " interprets the steps (no C compiler there?) while the others run them compiled: "
                << "every batch waits for the slowest rank (give every host a C compiler, or --engine interpreter)\n";
    }
    partition = checker::make_mpi_partition(*g_mpi);
    eo.partition = partition.get();
    if (eo.threads > usable_cores()) {
      std::cerr << "tlbcheck: warning: --threads " << eo.threads << " but rank 0 may run on " << usable_cores()
                << " core(s) only: mpirun binds each rank to cores (give it --bind-to none, or fewer threads)\n";
    }
  }
  Watchdog watchdog(limits.deadline);
  bool progress = !o.quiet && isatty(STDERR_FILENO);
  if (progress) {
    eo.progress = [](const checker::Progress& p) {
      std::fprintf(stderr, "\r%12llu states  %10.0f states/s  depth %4u  queue %10llu  %8.1f MiB ",
                   static_cast<unsigned long long>(p.states), p.seconds > 0 ? double(p.states) / p.seconds : 0.0, p.depth,
                   static_cast<unsigned long long>(p.queued), double(p.memory_bytes) / (1024.0 * 1024.0));
      std::fflush(stderr);
    };
  } else if (distributed() && !o.quiet) {
    // under mpirun rank 0's standard error is a pipe: a line every 10 s, with the cluster's totals
    auto shown = std::make_shared<double>(0.0);
    eo.progress = [shown](const checker::Progress& p) {
      if (p.seconds - *shown < 10.0) return;
      *shown = p.seconds;
      std::fprintf(stderr, "tlbcheck: %.0f s: %llu states on all ranks (%.0f states/s), depth %u, queue %llu, rank 0's store %.1f MiB\n", p.seconds,
                   static_cast<unsigned long long>(p.states), double(p.states) / p.seconds, p.depth, static_cast<unsigned long long>(p.queued),
                   double(p.memory_bytes) / (1024.0 * 1024.0));
      std::fflush(stderr);
    };
  }
  catch_stop_signals(true);
  checker::Report report = cli::explore(loaded, o.file, eo);
  // the searches on the explicit state graph (checker/alternatives.hpp): after explore(), which found the shortest counterexample
  const bool violated = report.result.outcome == checker::Outcome::Violated;
  const checker::Counterexample shortest{report.result.trace, report.result.property, report.result.deadlock, {}};
  std::optional<checker::Alternatives> alternatives;
  std::optional<std::pair<unsigned, unsigned>> switches;  // (this counterexample's, the shortest's)
  if (violated && o.traces == 1) alternatives = checker::Alternatives{{shortest}, 1};
  if (violated && (o.traces > 1 || o.fewest_switches)) {
    checker::StateGraphOptions go;
    if (o.max_states != 0) go.max_states = o.max_states;
    go.stop = &g_interrupted;
    checker::StateGraph graph(system, go);
    if (o.traces > 1) alternatives = checker::distinct_counterexamples(system, graph, shortest, o.traces);
    if (o.fewest_switches) {
      const unsigned before = checker::context_switches(system, shortest.trace);
      std::optional<checker::Counterexample> fewest = checker::fewest_switches(system, graph);
      if (fewest && checker::context_switches(system, fewest->trace) < before) report = checker::report_for(system, report, *fewest);
      switches = {checker::context_switches(system, report.result.trace), before};
      if (!graph.complete()) std::cerr << "tlbcheck: warning: --fewest-switches: the search stopped at " << graph.stopped_by() << "; fewer switches may exist\n";
    }
  }
  if (!o.dot.empty()) {
    checker::StateGraphOptions go;
    go.max_states = kDotLimit + 1;
    go.stop_at_first_violation = true;
    go.stop = &g_interrupted;
    checker::StateGraph graph(system, go);
    if (graph.size() > kDotLimit) {
      std::cerr << "tlbcheck: warning: --dot: the state graph has more than " << kDotLimit << " states (the limit for --dot; this run stored "
                << report.result.states << "); no file written\n";
    } else if (!graph.complete()) {
      std::cerr << "tlbcheck: warning: --dot: stopped by " << graph.stopped_by() << "; no file written\n";
    } else {
      std::ofstream out(o.dot);
      if (!out) {
        std::cerr << "tlbcheck: error: cannot write '" << o.dot << "' [UnreadableFile]\n";
        return kExitBadInput;
      }
      checker::write_dot(system, graph, violated ? &shortest.trace : nullptr, out);
    }
  }
  catch_stop_signals(false);
  if (progress && report.result.seconds >= 1.0) std::fprintf(stderr, "\r%90s\r", "");
  report.peak_rss_bytes = peak_rss();
  apply_trace_options(o, report);
  cli::list_checked(system, report);
  nlohmann::json json = checker::render_json(system, report);
  if (alternatives) checker::add_alternatives_json(system, report, *alternatives, json);
  if (switches) {
    json["context_switches"] = switches->first;
    json["shortest_context_switches"] = switches->second;
  }
  if (root_rank() && !o.trace_out.empty() && !write_json(o.trace_out, json)) return kExitBadInput;
  if (root_rank() && !o.html.empty() && !write_html(o.html, json)) return kExitBadInput;
  if (o.format == "json") {
    std::cout << checker::json_text(json) << "\n";
  } else {
    std::string text = checker::render_text(system, report);
    if (alternatives) text = checker::insert_before_verdict(text, checker::alternatives_text(system, report, *alternatives));
    if (switches) {
      text = checker::insert_before_verdict(text, "context switches: " + std::to_string(switches->first) + " (the shortest counterexample has " +
                                                      std::to_string(switches->second) + ")\n\n");
    }
    std::cout << text;
  }
  switch (report.result.outcome) {
    case checker::Outcome::Holds: return kExitHolds;
    case checker::Outcome::Violated: return report.model_error ? kExitBadInput : kExitViolated;
    case checker::Outcome::Incomplete: return kExitIncomplete;
  }
  return kExitBadInput;
}

// Reads a saved JSON report (the output of check --format json or
// --trace-out) and checks its shape; says what is wrong with it otherwise.
bool read_report(const std::string& path, nlohmann::json& doc) {
  std::string text;
  if (!read_text(path, "the trace", text)) return false;
  doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::cerr << "tlbcheck: error: '" << path << "' is not a JSON trace (expected the output of 'tlbcheck check --format json') [Expected]\n";
    return false;
  }
  if (std::string shape = checker::trace_shape_error(doc); !shape.empty()) {
    std::cerr << "tlbcheck: error: '" << path << "' is not a trace of 'tlbcheck check': " << shape << " [Expected]\n";
    return false;
  }
  return true;
}

// A saved JSON report as an HTML page.
int run_show(const Options& o) {
  nlohmann::json doc;
  if (!read_report(o.trace_file, doc)) return kExitBadInput;
  return write_html(o.html, doc) ? 0 : kExitBadInput;
}

int run_replay(Options o) {
  nlohmann::json doc;
  if (!read_report(o.trace_file, doc)) return kExitBadInput;
  std::vector<model::Define> defines;
  if (!parse_defines(o.defines, defines, "replay")) return kExitBadInput;
  // the file as it is first, for the options and properties it has: the
  // trace's are passed back (unless overridden here) where the file has
  // them, so that a trace of an edited or another protocol still loads
  cli::Loaded plain = cli::load(request(o, defines));
  if (!plain.result.system) {
    std::cerr << plain.result.diagnostics;
    return kExitBadInput;
  }
  std::vector<std::string> left_out;
  if (doc.contains("options") && doc["options"].is_object()) {
    const auto& known = plain.result.system->options();
    for (const auto& item : doc["options"].items()) {
      // (not a structured binding: clang 14, which builds the fuzz harnesses, cannot capture one in a lambda)
      const std::string& name = item.key();
      const nlohmann::json& value = item.value();
      bool overridden = std::any_of(defines.begin(), defines.end(), [&](const model::Define& d) { return d.name == name; });
      bool exists = std::any_of(known.begin(), known.end(), [&](const model::OptionInfo& k) { return k.name == name; });
      if (!overridden && exists) defines.push_back({name, checker::option_text(value)});
      if (!exists) left_out.push_back(name);
    }
  }
  if (o.properties.empty() && doc.contains("properties") && doc["properties"].is_array()) {
    const auto known = plain.result.system->properties();
    for (const auto& p : doc["properties"]) {
      if (std::any_of(known.begin(), known.end(), [&](const checker::PropertyInfo& k) { return k.name == p.get<std::string>(); })) o.properties.push_back(p.get<std::string>());
    }
  }
  cli::Loaded loaded = cli::load(request(o, defines));
  std::cerr << loaded.result.diagnostics;
  if (!loaded.result.system) return kExitBadInput;
  const model::ModelSystem& system = *loaded.result.system;
  checker::ReplayResult r = checker::replay(system, doc);
  if (r.malformed) {
    std::cout << r.message << "\n";
    return kExitBadInput;
  }
  if (r.outcome != checker::ReplayOutcome::DoesNotApply) {
    for (const std::string& name : left_out) std::cerr << "tlbcheck: warning: the trace's option '" << name << "' is not an option of " << o.file << "; left out\n";
  }
  checker::Report report = cli::report_header(loaded, o.file);
  apply_trace_options(o, report);
  report.trace_only = true;
  checker::describe_replay(system, r, report);
  if (o.format == "json") {
    std::cout << checker::json_text(checker::replay_json(system, r, report)) << "\n";
    return checker::exit_status(r.outcome);
  }
  // text: the table, the notes, the answer; else the answer first (as scripts grep it), then the notes
  const bool table = o.format == "text" && r.outcome != checker::ReplayOutcome::DoesNotApply;
  if (table) std::cout << checker::render_text(system, report);
  else std::cout << r.message << "\n";
  for (const checker::ReplayNote& n : r.notes) std::cout << "  note: step " << n.step << ": " << n.text << "\n";
  if (table) std::cout << r.message << "\n";
  return checker::exit_status(r.outcome);
}

// The protocol with the -D values of a command that runs one
// configuration (simulate, options); its diagnostics printed. No system
// (exit 2) on bad input.
cli::Loaded load_one(const Options& o, const char* command, std::vector<model::Define>& defines) {
  if (!parse_defines(o.defines, defines, command)) return {};
  cli::Loaded loaded = cli::load(request(o, defines));
  std::cerr << loaded.result.diagnostics;
  return loaded;
}

int run_simulate(const Options& o) {
  std::vector<model::Define> defines;
  cli::Loaded loaded = load_one(o, "simulate", defines);
  if (!loaded.result.system) return kExitBadInput;
  const model::ModelSystem& system = *loaded.result.system;
  checker::Report report = cli::report_header(loaded, o.file);
  apply_trace_options(o, report);
  if (o.interactive) {
    return checker::interact(system, report, std::cin, std::cout, !isatty(STDIN_FILENO)) == checker::Outcome::Violated ? kExitViolated : kExitHolds;
  }
  checker::SimulateOptions so;
  so.seed = o.seed;
  so.depth = o.depth;
  so.runs = o.runs;
  so.stop = &g_interrupted;
  catch_stop_signals(true);
  checker::SimulateResult sim = checker::simulate(system, so);
  catch_stop_signals(false);
  report.result = sim.result;
  checker::describe(system, report);
  report.peak_rss_bytes = peak_rss();
  nlohmann::json json = checker::render_simulation_json(system, report, sim);
  json["properties"] = report.checked;
  if (!o.trace_out.empty() && !write_json(o.trace_out, json)) return kExitBadInput;
  if (o.format == "json") {
    std::cout << checker::json_text(json) << "\n";
  } else {
    std::cout << checker::render_simulation_text(system, report, sim);
  }
  switch (sim.result.outcome) {
    case checker::Outcome::Holds: return kExitHolds;
    case checker::Outcome::Violated: return report.model_error ? kExitBadInput : kExitViolated;
    case checker::Outcome::Incomplete: return kExitIncomplete;
  }
  return kExitBadInput;
}

// The protocol's options and the machine fields, with -D applied: what
// can be set and what each setting means. Exit 0, or 2 on bad input.
int run_options(const Options& o) {
  std::vector<model::Define> defines;
  cli::Loaded loaded = load_one(o, "options", defines);
  if (!loaded.result.system) return kExitBadInput;
  nlohmann::json listing = cli::options_json(*loaded.result.system, o.file, defines);
  if (o.format == "json") std::cout << checker::json_text(listing) << "\n";
  else std::cout << cli::options_text(listing);
  return kExitHolds;
}

}  // namespace

namespace {

int dispatch(int argc, char** argv);

}  // namespace

int tlbcheck::cli::run_command_line(int argc, char** argv) {
  g_interrupted.store(false);  // (a --time-limit of an earlier run in this process may have set it)
  // Under mpirun every rank runs this same command line; only rank 0
  // prints (README, "Running on a cluster").
  checker::MpiSession mpi;
  if (!mpi.active() && checker::launched_ranks() > 1) {
    // N copies of the whole search, each printing its report, is not what mpirun was asked for
    if (checker::launched_rank() == 0) {
      std::cerr << "tlbcheck: error: started by mpirun as " << checker::launched_ranks()
                << " ranks, but this tlbcheck was built without MPI (install libopenmpi-dev and build again) [BadOption]\n";
    }
    return kExitBadInput;
  }
  if (!mpi.active()) return dispatch(argc, argv);
  g_mpi = &mpi;
  if (mpi.rank() != 0) mpi.quiet();
  int status = kExitBadInput;
  try {
    status = dispatch(argc, argv);
  } catch (const std::exception& e) {
    // The others wait for this rank in their next exchange: end them all.
    mpi.abort("tlbcheck: error: MPI rank " + std::to_string(mpi.rank()) + ": " + e.what() + "; every rank stops", kExitBadInput);
  }
  g_mpi = nullptr;
  return status;
}

namespace {

int dispatch(int argc, char** argv) {
#ifdef __GLIBC__
  // A search's large temporaries (a level's frontier and sort records) come
  // and go level by level. Once glibc has raised its mmap threshold past
  // them they are carved from the heap and stay resident after they are
  // freed; with a fixed threshold they are mapped and given back.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  CLI::App app{"tlbcheck: an exhaustive model checker for TLB-shootdown protocols"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tlbcheck ") + TLBCHECK_VERSION +
                                        (checker::mpi_built() ? " (with the MPI back end)" : " (without MPI: one process)"));
  Options o;

  CLI::App* check = app.add_subcommand("check", "explore every interleaving of a protocol and check its properties");
  check->add_option("FILE", o.file, "the protocol description (.tlb)")->required();
  check->add_option("-D,--define", o.defines, "set an option or machine field: NAME=VALUE")->allow_extra_args(false);
  check->add_option("--threads", o.threads, "worker threads (default: all cores)")->check(CLI::Range(1u, 1024u));
  check->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  check->add_option("--max-states", o.max_states, "stop (exit 3) once this many states are stored")->check(CLI::PositiveNumber);
  check->add_option("--memory-limit", o.memory_limit, "stop (exit 3) beyond this much memory, e.g. 4G (default: 3/4 of RAM)");
  check->add_option("--time-limit", o.time_limit, "stop (exit 3, with the report) after this long, e.g. 90s, 30m, 1h30m");
  check->add_option("--patch", o.patches, "a unified diff of the protocol: check before and after it, side by side (repeatable: applied in order)")
      ->allow_extra_args(false);
  check->add_option("--trace-out", o.trace_out, "write the JSON report with the trace to this file");
  check->add_option("--html", o.html, "write the report as one self-contained HTML page to this file");
  check->add_option("--property", o.properties, "check only these properties (repeatable)")->allow_extra_args(false);
  check->add_option("--no-property", o.no_properties, "do not check this property (repeatable)")->allow_extra_args(false);
  check->add_flag("--show-layout", o.show_layout, "print the packed state layout first");
  add_trace_options(check, o);
  check->add_flag("-q,--quiet", o.quiet, "no progress line");
  CLI::Option* engine = check->add_option("--engine", o.engine_name,
                                          "how the steps run: native (compiled to C with the system's C compiler, cached) or interpreter "
                                          "(default: native when a C compiler is found, else the interpreter, with a note)")
                            ->check(CLI::IsMember({"interpreter", "native"}));
  check->add_flag("--native", o.native, "the same as --engine native")->excludes(engine);
  check->add_flag("--keep-dead", o.keep_dead, "keep dead variables' last values (no dead-variable reset): to measure the reduction");
  check->add_flag("--compact", o.compact, "store 63-bit fingerprints instead of whole states (prints the odds that a state was omitted)");
  check->add_flag("--no-symmetry", o.no_symmetry, "store every state, not one per renaming of interchangeable CPUs (CPU symmetry reduction is on by default where the model has them)");
  check->add_flag("--symmetry{false}", o.no_symmetry, "CPU symmetry reduction where the model allows it (the default)");
  check->add_flag("--por", o.por,
                  "partial-order reduction: explore a state's steps through an ample set of independent groups only (off by default; "
                  "verdicts stay, a counterexample may be longer than the shortest)");
  CLI::Option* traces = check->add_option("--traces", o.traces, "print up to K counterexamples of different kinds, each the shortest of its kind")
                            ->check(CLI::Range(1u, 1000u));
  check->add_flag("--fewest-switches", o.fewest_switches, "print a counterexample with the fewest context switches between CPUs")->excludes(traces);
  check->add_option("--dot", o.dot, "write the explored state graph (at most " + std::to_string(kDotLimit) + " states) in Graphviz DOT to FILE");

  CLI::App* replay = app.add_subcommand("replay", "re-execute a saved trace step by step, on its protocol or an edited version of it: still violated (exit 1), no longer (0) or does not apply (4)");
  replay->add_option("FILE", o.file, "the protocol description (.tlb)")->required();
  replay->add_option("TRACE", o.trace_file, "a JSON trace from 'check --format json' or --trace-out")->required();
  replay->add_option("-D,--define", o.defines, "override an option the trace was made with: NAME=VALUE")->allow_extra_args(false);
  replay->add_option("--format", o.format, "text: the replayed trace as a table; json: the outcome, notes and trace (default: the outcome in one line, and notes)")
      ->check(CLI::IsMember({"text", "json"}));
  replay->preparse_callback([&o](std::size_t) { o.format.clear(); });  // (its default is neither)
  add_trace_options(replay, o);

  CLI::App* show = app.add_subcommand("show", "turn a saved JSON report into a self-contained HTML page");
  show->add_option("TRACE", o.trace_file, "a JSON report from 'check --format json' or --trace-out")->required();
  show->add_option("--html", o.html, "the HTML file to write")->required();
  CLI::App* simulate = app.add_subcommand("simulate", "follow random interleavings (or choose each step: --interactive) and check every state on the way");
  simulate->add_option("FILE", o.file, "the protocol description (.tlb)")->required();
  simulate->add_option("-D,--define", o.defines, "set an option or machine field: NAME=VALUE")->allow_extra_args(false);
  CLI::Option* seed = simulate->add_option("--seed", o.seed, "seed of the random choices (default 1): the same seed takes the same runs");
  CLI::Option* depth = simulate->add_option("--depth", o.depth, "steps per run at most (default 1000, at most 1000000: a run's states are kept for its trace)")->check(CLI::Range(1u, 1000000u));
  CLI::Option* runs = simulate->add_option("--runs", o.runs, "runs at most (default 1000); the first violation stops")->check(CLI::Range(std::uint64_t(1), std::uint64_t(1) << 40));
  CLI::Option* format = simulate->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  CLI::Option* trace_out = simulate->add_option("--trace-out", o.trace_out, "write the JSON report (with the trace, for replay) to this file");
  simulate->add_option("--property", o.properties, "check only these properties (repeatable)")->allow_extra_args(false);
  simulate->add_option("--no-property", o.no_properties, "do not check this property (repeatable)")->allow_extra_args(false);
  add_trace_options(simulate, o);
  simulate->add_flag("--interactive", o.interactive, "choose each step from a numbered list of the enabled moves (reads stdin)")
      ->excludes(seed)->excludes(depth)->excludes(runs)->excludes(format)->excludes(trace_out);

  CLI::App* options = app.add_subcommand("options", "list the protocol's options and the machine fields: types, defaults, values (with -D), comments, dependencies, supported settings");
  options->add_option("FILE", o.file, "the protocol description (.tlb)")->required();
  options->add_option("-D,--define", o.defines, "set an option or machine field: NAME=VALUE")->allow_extra_args(false);
  options->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (distributed() && !*check) {
    std::cerr << "tlbcheck: error: only check runs on several MPI ranks (run " << app.get_subcommands().front()->get_name() << " without mpirun) [BadOption]\n";
    return kExitBadInput;
  }
  try {
    if (*check) {
      o.engine = o.native || o.engine_name == "native" ? cli::Engine::Native : o.engine_name == "interpreter" ? cli::Engine::Interpreter : cli::Engine::Fastest;
      return run_check(o);
    }
    if (*show) return run_show(o);
    if (*simulate) return run_simulate(o);
    if (*options) return run_options(o);
    return run_replay(o);
  } catch (const std::bad_alloc&) {
    if (distributed()) g_mpi->abort("tlbcheck: error: MPI rank " + std::to_string(g_mpi->rank()) + ": out of memory; lower --memory-limit or use more ranks; every rank stops", kExitIncomplete);
    std::cerr << "tlbcheck: error: out of memory; lower --memory-limit or use fewer CPUs\n";
    return kExitIncomplete;
  } catch (const std::exception& e) {
    if (distributed()) throw;
    std::cerr << "tlbcheck: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace
