// Configuration matrices (`check -D NAME=V1,V2 -D NAME=LO..HI`) and the
// before/after comparison of a patch (`check --patch FILE.diff`): every
// combination of the values is one cell, explored like a single check;
// cells run side by side on the machine's cores and the outcome is one
// table.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/cli/driver.hpp"

namespace tlbcheck::cli {

// One -D NAME with the values it takes, in the order given.
struct Axis {
  std::string name;
  std::vector<std::string> values;
};

// The -D arguments as axes: "NAME=V" one value, "NAME=V1,V2,..." a list,
// "NAME=LO..HI" the integers from LO to HI (items of a list may be ranges).
// A NAME given twice, an empty value or a range backwards is an error
// (false, `error` says which); so is a matrix of more than kMaxCells cells.
inline constexpr std::uint64_t kMaxCells = 10000;
bool parse_axes(const std::vector<std::string>& raw, std::vector<Axis>& axes, std::string& error);

std::uint64_t cell_count(const std::vector<Axis>& axes);
// The -D values of cell `index`: the first axis varies slowest.
std::vector<model::Define> cell_defines(const std::vector<Axis>& axes, std::uint64_t index);

enum class CellStatus { Holds, Violated, ModelError, Incomplete, NotApplicable, NotRun };
// "holds", "violated", "model-error", "incomplete", "n/a", "not-run"
std::string status_name(CellStatus status);

struct CellResult {
  CellStatus status = CellStatus::NotRun;
  std::string reason;    // n/a: which setting has no effect; incomplete: what stopped it
  std::string property;  // the violated property
  std::uint64_t steps = 0, states = 0;
  double seconds = 0;
  bool unsupported = false;    // outside the settings the protocol `supports` (a warning said so)
  std::string counterexample;  // a violation's text report (the table and the explanation)
  std::string engine;          // what ran the steps ("": the cell did not run)
  std::string engine_note;     // why they were interpreted where native steps were asked for or the default
  nlohmann::json report;       // the cell's JSON report (null when it did not run)
};

struct MatrixOptions {
  // threads and memory_limit are for all cells at once, the deadline for the
  // whole run; max_states and the rest hold for each cell
  checker::ExploreOptions explore;
  checker::Report trace_style;  // width, show_hw, ...: how counterexamples are drawn
  bool quiet = false;           // leave out the note that no C compiler was found (cli::engine_message)
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// A protocol to run over the matrix: the one on disk, or a patched one.
struct Variant {
  std::string label;  // "before", "after"
  Request request;    // without its -D values, which each cell adds
};

struct MatrixRun {
  bool loaded = false;           // false: a cell failed to load for another reason than n/a
  std::string diagnostics;       // warnings (each once) and, when !loaded, the errors
  std::vector<std::vector<CellResult>> cells;  // [variant][cell]
};

// Loads every cell of every variant first (an error in any, other than a
// setting with no effect, stops before anything runs; so does a --patch of a
// file the protocol does not import), then explores them, up to `threads`
// cells at a time. A cell that fails (out of memory) is incomplete. The
// first load interprets; where a cell runs, its steps are built as its
// variant's request says (native: compiled once per configuration, each
// configuration's C being its own; the cache keeps them for the next run),
// and what the engine choice has to say is added to the diagnostics once.
MatrixRun run_matrix(const std::vector<Variant>& variants, const std::vector<Axis>& axes, const MatrixOptions& options);

// The table (and, with two variants, what the patch changed and the
// counterexamples of the configurations it breaks or leaves violated).
std::string matrix_text(const std::string& file, const std::vector<std::string>& patches, const std::vector<Axis>& axes, const MatrixRun& run);
nlohmann::json matrix_json(const std::string& file, const std::vector<std::string>& patches, const std::vector<Axis>& axes, const MatrixRun& run);

// 2 if a cell of the last variant is a model error or every one is n/a
// (nothing was checked), else 1 if one is violated, else 3 if one did not
// finish, else 0 (n/a cells do not count).
int matrix_exit_status(const MatrixRun& run);

// With a patch: how a configuration's verdict moved.
// "fixed", "broken", "still violated", "holds", "n/a", "new configuration", "incomplete"
std::string change_name(const CellResult& before, const CellResult& after);

}  // namespace tlbcheck::cli
