#include "checker/cli/matrix.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>
#include <thread>

#include <tbb/global_control.h>

#include "checker/trace.hpp"

namespace tlbcheck::cli {

namespace {

// "12,345"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

// A load that failed only because a setting has no effect in this
// configuration: the cell is not applicable, not an error of the input.
// The reason is the first error's first clause, short enough for a table.
bool not_applicable(const model::LoadResult& r, std::string& reason) {
  if (!model::no_effect_only(r)) return false;
  for (const model::Diagnostic& d : r.list) {
    if (d.severity != model::Severity::Error) continue;
    reason = d.message.substr(0, d.message.find("; "));
    break;
  }
  return true;
}

std::string cell_label(const std::vector<Axis>& axes, std::uint64_t index) {
  std::string out;
  for (const model::Define& d : cell_defines(axes, index)) out += (out.empty() ? "" : " ") + std::string("-D ") + d.name + "=" + d.value;
  return out;
}

void run_cell(const Loaded& loaded, const std::string& file, const checker::ExploreOptions& eo, const checker::Report& style, CellResult& cell) {
  const model::ModelSystem& system = *loaded.result.system;
  checker::Report report = explore(loaded, file, eo);
  list_checked(system, report);
  report.width = style.width;
  report.show_hw = style.show_hw;
  report.show_hw_all = style.show_hw_all;
  report.initial_state = style.initial_state;
  cell.report = checker::render_json(system, report);
  cell.states = report.result.states;
  cell.seconds = report.result.seconds;
  switch (report.result.outcome) {
    case checker::Outcome::Holds: cell.status = CellStatus::Holds; break;
    case checker::Outcome::Incomplete:
      cell.status = CellStatus::Incomplete;
      cell.reason = "stopped by " + report.result.stopped_by;
      break;
    case checker::Outcome::Violated:
      cell.status = report.model_error ? CellStatus::ModelError : CellStatus::Violated;
      cell.property = report.property;
      cell.steps = report.result.trace.groups.size();
      cell.counterexample = stable_text(system, report);
      break;
  }
}

// A verdict as a table cell: "violated stale-translation (34 steps)".
std::string verdict_cell(const CellResult& c, bool with_states) {
  switch (c.status) {
    case CellStatus::Holds: return with_states ? "holds (" + grouped(c.states) + " states)" : "holds";
    case CellStatus::Violated:
    case CellStatus::ModelError:
      return status_name(c.status) + " " + c.property + " (" + std::to_string(c.steps) + " steps)";
    case CellStatus::Incomplete: return "incomplete (" + grouped(c.states) + " states)";
    case CellStatus::NotApplicable: return "n/a";
    case CellStatus::NotRun: return "not run";
  }
  return "";
}

// Rows of cells as a table with a header, columns padded to their widest.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) line += row[i] + (i + 1 < row.size() ? std::string(width[i] - row[i].size() + 2, ' ') : "");
    line.erase(line.find_last_not_of(' ') + 1);  // empty last cells leave no trailing blanks
    out += line + "\n";
  }
  return out;
}

nlohmann::json result_json(const CellResult& c) {
  nlohmann::json j;
  j["verdict"] = status_name(c.status);
  j["reason"] = c.reason.empty() ? nlohmann::json() : nlohmann::json(c.reason);
  j["property"] = c.property.empty() ? nlohmann::json() : nlohmann::json(c.property);
  const bool ran = c.status != CellStatus::NotApplicable && c.status != CellStatus::NotRun;
  j["steps"] = c.status == CellStatus::Violated || c.status == CellStatus::ModelError ? nlohmann::json(c.steps) : nlohmann::json();
  j["states"] = ran ? nlohmann::json(c.states) : nlohmann::json();
  j["seconds"] = ran ? nlohmann::json(c.seconds) : nlohmann::json();
  j["unsupported"] = c.unsupported;
  j["report"] = c.report;
  return j;
}

std::string protocol_name(const std::string& file, const MatrixRun& run) {
  for (const auto& variant : run.cells) {
    for (const CellResult& c : variant) {
      if (c.report.is_object() && c.report.contains("protocol")) return c.report["protocol"].get<std::string>();
    }
  }
  return file;
}

// The axes with more than one value name the table's columns; the others
// are the same in every row and go on the heading.
std::vector<std::size_t> varying(const std::vector<Axis>& axes) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i].values.size() > 1) out.push_back(i);
  }
  return out;
}

std::vector<std::string> row_values(const std::vector<Axis>& axes, const std::vector<std::size_t>& columns, std::uint64_t cell) {
  std::vector<model::Define> d = cell_defines(axes, cell);
  std::vector<std::string> row;
  for (std::size_t i : columns) row.push_back(d[i].value);
  return row;
}

std::string heading(const std::string& file, const std::vector<std::string>& patches, const std::vector<Axis>& axes, const MatrixRun& run) {
  std::string out = "protocol: " + protocol_name(file, run) + " (" + file + ")\n";
  for (const std::string& p : patches) out += "patch: " + p + "\n";
  std::string fixed;
  for (const Axis& a : axes) {
    if (a.values.size() == 1) fixed += (fixed.empty() ? "" : ", ") + a.name + "=" + a.values[0];
  }
  if (!fixed.empty()) out += "options: " + fixed + "\n";
  const std::uint64_t n = cell_count(axes);
  out += std::to_string(n) + (n == 1 ? " configuration" : " configurations");
  if (!varying(axes).empty()) {
    out += ":";
    for (std::size_t i : varying(axes)) out += " " + axes[i].name + " (" + std::to_string(axes[i].values.size()) + ")";
  }
  return out + "\n\n";
}

std::string unsupported_note(const MatrixRun& run) {
  for (const auto& variant : run.cells) {
    for (const CellResult& c : variant) {
      if (c.unsupported) return "* outside the settings the protocol supports (see the warnings above)\n\n";
    }
  }
  return "";
}

// Whether no cell (of the last variant) could be run: every one has a
// setting with no effect.
bool nothing_applies(const MatrixRun& run) {
  return std::all_of(run.cells.back().begin(), run.cells.back().end(), [](const CellResult& c) { return c.status == CellStatus::NotApplicable; });
}

std::string count_phrase(std::size_t n, const std::string& what) { return std::to_string(n) + " " + what; }

// "engine: native", or each engine the cells ran with and how many ran
// with it ("engine: native (5 configurations), interpreter (1: no C
// compiler: ...)"); "" when no cell ran.
std::string engine_line(const MatrixRun& run) {
  std::vector<std::pair<std::string, std::size_t>> seen;  // in order of first appearance
  for (const auto& variant : run.cells) {
    for (const CellResult& c : variant) {
      if (c.engine.empty()) continue;
      const std::string shown = c.engine_note.empty() ? c.engine : c.engine + " (" + c.engine_note + ")";
      auto at = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == shown; });
      if (at == seen.end()) seen.push_back({shown, 1});
      else ++at->second;
    }
  }
  if (seen.empty()) return "";
  if (seen.size() == 1) return "engine: " + seen[0].first + "\n";
  std::string out;
  for (const auto& [shown, n] : seen) {
    const std::size_t paren = shown.find(" (");
    const std::string count = count_phrase(n, n == 1 ? "configuration" : "configurations");
    out += (out.empty() ? "engine: " : ", ") +
           (paren == std::string::npos ? shown + " (" + count + ")" : shown.substr(0, paren) + " (" + count + ": " + shown.substr(paren + 2));
  }
  return out + "\n";
}

}  // namespace

namespace {

// "-12" -> -12; false unless the whole text is a decimal integer that fits
bool integer(const std::string& text, long long& value) {
  const char* begin = text.data() + (text.size() > 1 && text[0] == '-' ? 1 : 0);
  if (begin == text.data() + text.size() || !std::all_of(begin, text.data() + text.size(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string status_name(CellStatus status) {
  switch (status) {
    case CellStatus::Holds: return "holds";
    case CellStatus::Violated: return "violated";
    case CellStatus::ModelError: return "model-error";
    case CellStatus::Incomplete: return "incomplete";
    case CellStatus::NotApplicable: return "n/a";
    case CellStatus::NotRun: return "not-run";
  }
  return "";
}

bool parse_axes(const std::vector<std::string>& raw, std::vector<Axis>& axes, std::string& error) {
  std::uint64_t cells = 1;
  for (const std::string& d : raw) {
    const std::size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = "-D " + d + ": expected NAME=VALUE";
      return false;
    }
    Axis axis{d.substr(0, eq), {}};
    for (const Axis& a : axes) {
      if (a.name == axis.name) {
        error = "-D " + axis.name + " is given twice; give several values as one list, -D " + axis.name + "=V1,V2 or -D " + axis.name + "=LO..HI";
        return false;
      }
    }
    const std::string value = d.substr(eq + 1);
    std::size_t begin = 0;
    while (true) {
      const std::size_t comma = std::min(value.find(',', begin), value.size());
      const std::string item = value.substr(begin, comma - begin);
      if (item.empty()) {
        error = "-D " + d + ": an empty value" + (value.empty() ? "" : " in the list") + "; expected NAME=V, NAME=V1,V2,... or NAME=LO..HI";
        return false;
      }
      if (const std::size_t dots = item.find(".."); dots != std::string::npos) {
        long long lo = 0, hi = 0;
        if (!integer(item.substr(0, dots), lo) || !integer(item.substr(dots + 2), hi)) {
          error = "-D " + d + ": '" + item + "' is not a range: expected LO..HI with two integers";
          return false;
        }
        // hi - lo in unsigned arithmetic: no overflow whatever the ends
        if (lo > hi || std::uint64_t(hi) - std::uint64_t(lo) >= kMaxCells) {
          error = "-D " + d + ": the range " + item + (lo > hi ? " is empty (LO..HI needs LO <= HI)" : " has too many values");
          return false;
        }
        for (std::uint64_t k = 0; k <= std::uint64_t(hi) - std::uint64_t(lo); ++k) axis.values.push_back(std::to_string(std::int64_t(std::uint64_t(lo) + k)));
      } else {
        axis.values.push_back(item);
      }
      if (comma == value.size()) break;
      begin = comma + 1;
    }
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      if (std::find(axis.values.begin(), axis.values.begin() + std::ptrdiff_t(i), axis.values[i]) != axis.values.begin() + std::ptrdiff_t(i)) {
        error = "-D " + d + ": the value " + axis.values[i] + " is given twice";
        return false;
      }
    }
    cells *= axis.values.size();
    if (cells > kMaxCells) {
      error = "the -D values make more than " + std::to_string(kMaxCells) + " configurations";
      return false;
    }
    axes.push_back(std::move(axis));
  }
  return true;
}

std::uint64_t cell_count(const std::vector<Axis>& axes) {
  std::uint64_t n = 1;
  for (const Axis& a : axes) n *= a.values.size();
  return n;
}

std::vector<model::Define> cell_defines(const std::vector<Axis>& axes, std::uint64_t index) {
  std::vector<model::Define> out(axes.size());
  for (std::size_t i = axes.size(); i-- > 0;) {
    out[i] = {axes[i].name, axes[i].values[index % axes[i].values.size()]};
    index /= axes[i].values.size();
  }
  return out;
}

namespace {

bool stopped(const MatrixOptions& options) {
  const checker::ExploreOptions& e = options.explore;
  return (e.stop != nullptr && e.stop->load()) || (e.deadline && std::chrono::steady_clock::now() >= *e.deadline);
}

Loaded load_cell(const Variant& variant, const std::vector<Axis>& axes, std::uint64_t cell, Engine engine) {
  Request request = variant.request;
  request.load.defines = cell_defines(axes, cell);
  request.engine = engine;
  return load(request);
}

// --patch: a diff of a file the protocol does not import changes nothing,
// and "after" would silently be "before".
std::string unused_overlay(const Variant& variant, const model::LoadResult& loaded) {
  for (const auto& [path, text] : variant.request.load.overlay) {
    if (std::find(loaded.overlay_used.begin(), loaded.overlay_used.end(), path) == loaded.overlay_used.end()) {
      return "tlbcheck: error: the patch changes '" + path + "', which " + variant.request.file + " does not import [BadPatch]\n";
    }
  }
  return "";
}

}  // namespace

MatrixRun run_matrix(const std::vector<Variant>& variants, const std::vector<Axis>& axes, const MatrixOptions& options) {
  MatrixRun run;
  const std::uint64_t n = cell_count(axes);
  run.cells.assign(variants.size(), std::vector<CellResult>(n));
  // Every cell is loaded once first, so that a bad value is an error before
  // anything runs; what is loaded is dropped (a matrix may have thousands of
  // cells) and loaded again where it runs.
  struct Job {
    std::size_t variant;
    std::uint64_t cell;
  };
  std::vector<Job> jobs;
  std::set<std::string> said;
  for (std::size_t v = 0; v < variants.size() && !stopped(options); ++v) {
    for (std::uint64_t c = 0; c < n && !stopped(options); ++c) {
      Loaded loaded = load_cell(variants[v], axes, c, Engine::Interpreter);  // to validate: nothing compiled yet
      if (std::string unused = c == 0 ? unused_overlay(variants[v], loaded.result) : ""; !unused.empty()) {
        run.diagnostics += unused;
        return run;
      }
      CellResult& cell = run.cells[v][c];
      if (!loaded.result.system && not_applicable(loaded.result, cell.reason)) {
        cell.status = CellStatus::NotApplicable;
        continue;
      }
      const std::string said_here = loaded.result.diagnostics;
      if (!loaded.result.system) {
        run.diagnostics += "tlbcheck: in the configuration " + cell_label(axes, c) + (variants.size() > 1 ? " (" + variants[v].label + ")" : "") + ":\n" + said_here;
        return run;
      }
      if (!said_here.empty() && said.insert(said_here).second) run.diagnostics += said_here;
      cell.unsupported = model::outside_supported(loaded.result);
      jobs.push_back({v, c});
    }
  }
  run.loaded = true;
  if (jobs.empty()) return run;

  // Cells run side by side, each on its share of the threads; the global
  // parallelism is set here once, for all of them.
  const unsigned threads = std::max(1u, options.explore.threads);
  const unsigned workers = unsigned(std::min<std::size_t>(threads, jobs.size()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, threads);
  checker::ExploreOptions eo = options.explore;
  eo.memory_limit /= workers;
  eo.set_parallelism = false;
  std::atomic<std::size_t> next{0}, done{0};
  std::vector<std::string> messages(jobs.size());  // per job: what its engine choice says on stderr
  // threads / workers each, the remainder one more to the first workers
  // (16 threads, 9 cells: seven cells run on 2 threads, two on 1)
  auto work = [&](unsigned own_threads) {
    checker::ExploreOptions mine = eo;
    mine.threads = own_threads;
    for (std::size_t i; (i = next++) < jobs.size(); ++done) {
      if (stopped(options)) continue;  // the cell stays "not run"
      const Job& job = jobs[i];
      CellResult& cell = run.cells[job.variant][job.cell];
      // a failure of one cell (out of memory, a temporary file) is that cell's, not the run's
      try {
        Loaded loaded = load_cell(variants[job.variant], axes, job.cell, variants[job.variant].request.engine);
        run_cell(loaded, variants[job.variant].request.file, mine, options.trace_style, cell);
        cell.engine = loaded.engine;
        cell.engine_note = loaded.engine_note;
        messages[i] = engine_message(loaded, options.quiet);
      } catch (const std::bad_alloc&) {
        cell = CellResult{CellStatus::Incomplete, "out of memory (lower --memory-limit or --threads)"};
      } catch (const std::exception& e) {
        cell = CellResult{CellStatus::Incomplete, std::string("an error: ") + e.what()};
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w) pool.emplace_back(work, threads / workers + (w < threads % workers ? 1 : 0));
  while (options.progress && done.load() < jobs.size()) {
    options.progress(done.load(), jobs.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (std::thread& t : pool) t.join();
  for (const std::string& m : messages) {
    if (!m.empty() && said.insert(m).second) run.diagnostics += m;
  }
  return run;
}

std::string change_name(const CellResult& before, const CellResult& after) {
  using S = CellStatus;
  auto failed = [](S s) { return s == S::Violated || s == S::ModelError; };
  if (after.status == S::NotApplicable) return "n/a";
  if (before.status == S::NotApplicable) return "new configuration";
  if (before.status == S::Incomplete || before.status == S::NotRun || after.status == S::Incomplete || after.status == S::NotRun) return "incomplete";
  if (failed(before.status) && after.status == S::Holds) return "fixed";
  if (before.status == S::Holds && failed(after.status)) return "broken";
  if (failed(before.status) && failed(after.status)) return "still violated";
  return "holds";
}

std::string matrix_text(const std::string& file, const std::vector<std::string>& patches, const std::vector<Axis>& axes, const MatrixRun& run) {
  std::string out = heading(file, patches, axes, run);
  const std::vector<std::size_t> columns = varying(axes);
  const std::uint64_t n = cell_count(axes);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head;
  for (std::size_t i : columns) head.push_back(axes[i].name);
  const bool patched = run.cells.size() == 2;
  if (!patched) {
    for (const char* h : {"verdict", "property", "steps", "states", "time"}) head.push_back(h);
    rows.push_back(head);
    std::size_t counts[6] = {};
    std::vector<std::string> reasons;
    for (std::uint64_t c = 0; c < n; ++c) {
      const CellResult& r = run.cells[0][c];
      ++counts[int(r.status)];
      const bool ran = r.status != CellStatus::NotApplicable && r.status != CellStatus::NotRun;
      const bool failed = r.status == CellStatus::Violated || r.status == CellStatus::ModelError;
      std::vector<std::string> row = row_values(axes, columns, c);
      row.push_back(status_name(r.status) + (r.unsupported ? "*" : ""));
      row.push_back(failed ? r.property : r.reason);
      row.push_back(failed ? std::to_string(r.steps) : "");
      row.push_back(ran ? grouped(r.states) : "");
      row.push_back(ran ? seconds_text(r.seconds) : "");
      rows.push_back(row);
    }
    out += table(rows) + "\n" + unsupported_note(run);
    std::string summary;
    const char* names[6] = {"hold", "violated", "model errors", "incomplete", "n/a (a setting has no effect there)", "not run (stopped first)"};
    for (int s = 0; s < 6; ++s) {
      if (counts[s] != 0) summary += (summary.empty() ? "" : ", ") + count_phrase(counts[s], names[s]);
    }
    if (counts[0] == 1) summary.replace(summary.find("1 hold"), 6, "1 holds");
    out += "configurations: " + summary + "\n" + engine_line(run);
    if (nothing_applies(run)) out += "nothing was checked: in every configuration a setting has no effect (exit status 2)\n";
    return out;
  }
  for (const char* h : {"before", "after", "change"}) head.push_back(h);
  rows.push_back(head);
  std::vector<std::uint64_t> broken, still;
  std::size_t fixed = 0, holds = 0, other = 0;
  for (std::uint64_t c = 0; c < n; ++c) {
    const CellResult &b = run.cells[0][c], &a = run.cells[1][c];
    const std::string change = change_name(b, a);
    std::vector<std::string> row = row_values(axes, columns, c);
    row.push_back(verdict_cell(b, false) + (b.unsupported ? "*" : ""));
    row.push_back(verdict_cell(a, true) + (a.unsupported ? "*" : ""));
    row.push_back(change);
    rows.push_back(row);
    if (change == "fixed") ++fixed;
    else if (change == "broken") broken.push_back(c);
    else if (change == "still violated") still.push_back(c);
    else if (change == "holds") ++holds;
    else ++other;
  }
  out += table(rows) + "\n" + unsupported_note(run);
  out += "fixed: " + std::to_string(fixed) + ", broken: " + std::to_string(broken.size()) + ", still violated: " + std::to_string(still.size()) +
         ", holding before and after: " + std::to_string(holds);
  if (other != 0) out += ", not compared (n/a or incomplete): " + std::to_string(other);
  out += "\n" + engine_line(run);
  if (nothing_applies(run)) out += "nothing was checked after the patch: in every configuration a setting has no effect (exit status 2)\n";
  for (std::uint64_t c : broken) {
    out += "\n=== broken by the patch: " + cell_label(axes, c) + " ===\n\n" + run.cells[1][c].counterexample;
  }
  if (!still.empty()) {
    out += "\n=== still violated after the patch: " + cell_label(axes, still[0]);
    if (still.size() > 1) out += " (the first of " + std::to_string(still.size()) + ")";
    out += " ===\n\n" + run.cells[1][still[0]].counterexample;
  }
  return out;
}

nlohmann::json matrix_json(const std::string& file, const std::vector<std::string>& patches, const std::vector<Axis>& axes, const MatrixRun& run) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["kind"] = patches.empty() ? "matrix" : "patch";
  j["protocol"] = protocol_name(file, run);
  j["file"] = file;
  j["patches"] = patches;
  j["axes"] = nlohmann::json::array();
  for (const Axis& a : axes) j["axes"].push_back({{"name", a.name}, {"values", a.values}});
  j["cells"] = nlohmann::json::array();
  nlohmann::json summary = nlohmann::json::object();
  const std::uint64_t n = cell_count(axes);
  for (std::uint64_t c = 0; c < n; ++c) {
    nlohmann::json cell;
    cell["options"] = nlohmann::json::object();
    for (const model::Define& d : cell_defines(axes, c)) cell["options"][d.name] = d.value;
    if (run.cells.size() == 2) {
      cell["before"] = result_json(run.cells[0][c]);
      cell["after"] = result_json(run.cells[1][c]);
      cell["change"] = change_name(run.cells[0][c], run.cells[1][c]);
      summary[cell["change"].get<std::string>()] = summary.value(cell["change"].get<std::string>(), 0) + 1;
    } else {
      cell.update(result_json(run.cells[0][c]));
      summary[cell["verdict"].get<std::string>()] = summary.value(cell["verdict"].get<std::string>(), 0) + 1;
    }
    j["cells"].push_back(std::move(cell));
  }
  j["summary"] = summary;
  j["exit_status"] = matrix_exit_status(run);
  return j;
}

int matrix_exit_status(const MatrixRun& run) {
  if (!run.loaded || nothing_applies(run)) return 2;
  bool violated = false, incomplete = false;
  for (const CellResult& c : run.cells.back()) {
    if (c.status == CellStatus::ModelError) return 2;
    violated = violated || c.status == CellStatus::Violated;
    incomplete = incomplete || c.status == CellStatus::Incomplete || c.status == CellStatus::NotRun;
  }
  return violated ? 1 : incomplete ? 3 : 0;
}

}  // namespace tlbcheck::cli
