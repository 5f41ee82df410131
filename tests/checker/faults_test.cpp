// Faults around a run (issue 25, item 3): the parent-link file's disk full
// or missing, memory limits at the edge, SIGTERM and SIGINT at any moment.
// Each must end in a right answer or in a clean report of what was done,
// never in a crash or a wrong verdict. (A C compiler that fails or is
// missing: cli_test.cpp, "check's default engine"; a damaged native cache:
// model/runtime/native_test.cpp.)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "checker/parent_log.hpp"
#include "tests/support.hpp"

using namespace tlbcheck;
using namespace tlbcheck::testing;

namespace {

// Runs `body` in a child process; its exit status (0: passed).
template <typename Body>
int in_child(Body body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Appends `n` links (link i is i * 7 + 1) in blocks, then reads them all back.
int links_survive(std::uint64_t in_memory, std::uint64_t n) {
  checker::ParentLog log(in_memory);
  std::vector<std::uint64_t> block;
  for (std::uint64_t i = 0; i < n;) {
    block.clear();
    for (std::uint64_t k = 0; k < 1000 && i < n; ++k, ++i) block.push_back(i * 7 + 1);
    log.append(block.data(), block.size());
  }
  if (log.size() != n) return 1;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (log.get(i) != i * 7 + 1) return 2;
  }
  return 0;
}

}  // namespace

TEST_CASE("faults: the parent-link file's disk full or missing keeps every link", "[faults]") {
  // no temporary folder: the links stay in memory
  CHECK(in_child([] {
          setenv("TMPDIR", "/nonexistent/tlbcheck", 1);
          return links_survive(1000, 50000);
        }) == 0);
  // a file size limit (a full disk, for one process: ulimit -f): writes fail
  // with EFBIG part-way, and the links come back to memory
  CHECK(in_child([] {
          std::signal(SIGXFSZ, SIG_IGN);
          rlimit limit{64 * 1024, 64 * 1024};
          setrlimit(RLIMIT_FSIZE, &limit);
          return links_survive(1000, 200000);
        }) == 0);
  // /dev/full as the folder: not a folder, nothing written
  CHECK(in_child([] {
          setenv("TMPDIR", "/dev/full", 1);
          return links_survive(10, 5000);
        }) == 0);
}

TEST_CASE("faults: a full disk during a search changes nothing in its answer", "[faults]") {
  // links go to the file after 50 states; the file may hold 4 KiB (512 links)
  const std::string text = read_file(source_dir() + "/protocols/lazy_tlb_2_4.tlb");
  auto answer = [&](bool full_disk) {
    return in_child([&] {
      if (full_disk) {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit{4096, 4096};
        setrlimit(RLIMIT_FSIZE, &limit);
      }
      cli::Request request;
      request.file = source_dir() + "/protocols/lazy_tlb_2_4.tlb";
      request.text = text;
      cli::Loaded loaded = cli::load(request);
      checker::ExploreOptions options;
      options.parent_links_in_memory = 50;
      checker::Report r = cli::explore(loaded, request.file, options);
      // 1432 states, violated, at the golden trace's length
      return r.result.outcome == checker::Outcome::Violated && r.result.states == 1432 ? int(r.result.trace.groups.size()) : 255;
    });
  };
  const int normal = answer(false);
  CHECK(normal > 0);
  CHECK(normal < 255);
  CHECK(answer(true) == normal);
}

TEST_CASE("faults: a memory limit at the edge ends in the answer or in an incomplete report", "[faults]") {
  // lazy_tlb_2_4 at 4 CPUs: violated after 83661 states (unreduced); each limit either
  // lets the search finish with that answer or stops it with exit 3 and a report
  const std::string command = quote(testing::cli()) + " check " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") +
                              " -D cpus=4 --engine interpreter --no-symmetry --threads 2 -q --memory-limit ";
  int finished = 0, stopped = 0;
  for (const char* limit : {"1", "64K", "1M", "2M", "4M", "8M", "16M", "32M", "1G"}) {
    RunResult r = run(command + limit, 120);
    INFO("--memory-limit " << limit << "\n" << r.output);
    CHECK(r.output.find("Sanitizer") == std::string::npos);
    if (r.exit == 1) {
      CHECK_THAT(r.output, Catch::Contains("verdict: violated") && Catch::Contains("states: 83,661"));
      ++finished;
    } else {
      CHECK(r.exit == 3);
      CHECK_THAT(r.output, Catch::Contains("verdict: incomplete") && Catch::Contains("memory limit"));
      ++stopped;
    }
  }
  CHECK(finished > 0);
  CHECK(stopped > 0);
}

TEST_CASE("faults: SIGTERM and SIGINT at any moment end in a report, never a wrong verdict", "[faults]") {
  const std::string check = quote(testing::cli()) + " check " + quote(source_dir() + "/protocols/lazy_tlb_2_4.tlb") +
                            " -D cpus=4 --engine interpreter --no-symmetry --threads 2 -q";
  const auto start = std::chrono::steady_clock::now();
  RunResult full = run(check, 300);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(full.exit == 1);
  REQUIRE_THAT(full.output, Catch::Contains("states: 83,661"));
  // moments spread over the run, the first ones inside loading the protocol
  int reports = 0;
  for (const double at : {0.002, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 0.9, 1.5}) {
    for (const char* signal : {"TERM", "INT"}) {
      const std::string delay = std::to_string(at * seconds);
      RunResult r = run("sh -c " + quote(check + " & pid=$!; sleep " + delay + "; kill -" + signal + " $pid 2>/dev/null; wait $pid"), 300);
      INFO("SIG" << signal << " after " << delay << " s\n" << r.output);
      CHECK(r.output.find("Sanitizer") == std::string::npos);
      if (r.exit == 3) {
        CHECK_THAT(r.output, Catch::Contains("verdict: incomplete") && Catch::Contains("an interrupt"));
        ++reports;
      } else if (r.exit == 128 + (signal[0] == 'T' ? SIGTERM : SIGINT)) {
        // killed before main() set its handlers (the process had not started; the shell
        // may say "Terminated"): nothing claimed; or after the search, while the
        // report was written or the process ended (seen under the sanitizers): the
        // answer it printed is the whole one
        if (r.output.find("verdict") != std::string::npos) {
          CHECK_THAT(r.output, Catch::Contains("verdict: violated") && Catch::Contains("states: 83,661"));
        }
      } else {
        // it had finished: the whole answer
        CHECK(r.exit == 1);
        CHECK_THAT(r.output, Catch::Contains("verdict: violated") && Catch::Contains("states: 83,661"));
      }
    }
  }
  CHECK(reports > 0);
}
