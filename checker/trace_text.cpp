// The text report. A counterexample prints one column per CPU, the way races
// are drawn on the mailing lists:
//
//    step | cpu0                         | cpu1
//   ------+------------------------------+------------------------------
//       1 | [12] let t = counter;        |
//         |      t: 0 -> 1               |
#include <algorithm>
#include <cstdio>
#include <set>

#include "checker/trace.hpp"

namespace tlbcheck::checker {

namespace {

// Columns share a line of about 160 characters, each between 30 and 70 wide.
std::size_t max_column(int columns) { return std::clamp<std::size_t>((160 - 7) / std::size_t(std::max(columns, 1)) - 3, 30, 70); }

std::string fit(const std::string& s, std::size_t width) {
  if (s.size() <= width) return s + std::string(width - s.size(), ' ');
  return s.substr(0, width - 3) + "...";
}

std::string number(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

std::string with_commas(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

std::string bytes(std::uint64_t b) {
  if (b >= (1ULL << 30)) return number(double(b) / double(1ULL << 30), 1) + " GiB";
  if (b >= (1ULL << 20)) return number(double(b) / double(1ULL << 20), 1) + " MiB";
  return number(double(b) / 1024.0, 1) + " KiB";
}

}  // namespace

std::string render_text(const System& system, const Report& report) {
  const ExploreResult& r = report.result;
  std::string out;
  out += "protocol: " + report.protocol + " (" + report.file + ")\n";
  if (!report.options.empty()) {
    out += "options: ";
    for (std::size_t i = 0; i < report.options.size(); ++i) out += (i ? ", " : "") + report.options[i].first + "=" + report.options[i].second;
    out += "\n";
  }

  if (r.outcome == Outcome::Violated) {
    auto groups = system.groups();
    int columns = 1;
    std::set<std::string> processes_of_cpu[64];
    for (const Step& s : report.steps) {
      const Group& g = groups[s.group.v];
      columns = std::max(columns, g.cpu + 1);
      if (g.cpu >= 0 && g.cpu < 64) processes_of_cpu[g.cpu].insert(g.process);
    }
    for (const Group& g : groups) columns = std::max(columns, g.cpu + 1);
    columns = std::min(columns, 64);
    // cells: per step, the lines in the acting CPU's column
    std::vector<std::vector<std::string>> cells;
    std::size_t width = 12;
    for (const Step& s : report.steps) {
      const Group& g = groups[s.group.v];
      std::vector<std::string> lines;
      std::string head = "[" + (s.file.empty() ? "" : s.file + ":") + std::to_string(s.line) + "] ";
      bool several = g.cpu >= 0 && processes_of_cpu[g.cpu].size() > 1;
      if (several || g.cpu < 0) head += g.process + ": ";
      head += s.action;
      lines.push_back(head);
      if (!s.also_ran.empty()) {  // local code that merged into this step, in calls of its own
        std::string ran = "     (ran ";
        for (std::size_t k = 0; k < s.also_ran.size(); ++k) ran += (k == 0 ? "" : ", ") + s.also_ran[k];
        lines.push_back(ran + " first)");
      }
      for (const Change& c : s.changes) lines.push_back("     " + c.slot + ": " + c.before + " -> " + c.after);
      if (report.show_hw) {  // the caches of this CPU (and the shared ones) after the step
        ConstStateRef after = r.trace.states[s.number];
        const Layout& layout = system.layout();
        for (std::uint32_t k = 0; k < layout.slots.size(); ++k) {
          const Slot& slot = layout.slots[k];
          if (!slot.hardware || (slot.cpu >= 0 && slot.cpu != g.cpu) || slot_bits(slot, after) == 0) continue;
          lines.push_back("     = " + slot.name + ": " + system.format_slot(k, after));
        }
      }
      for (const std::string& l : lines) width = std::max(width, l.size());
      cells.push_back(std::move(lines));
    }
    width = std::min(width, max_column(columns));
    out += std::string(report.model_error ? "\nmodel error: " : "\nviolated: ") + report.property + " -- " + report.meaning + "\n";
    out += "counterexample: " + std::to_string(report.steps.size()) + " step" + (report.steps.size() == 1 ? "" : "s") + "\n\n";
    std::string header = " step ";
    std::string rule = "------";
    for (int c = 0; c < columns; ++c) {
      std::string title = "cpu" + std::to_string(c);
      if (processes_of_cpu[c].size() == 1) title += " (" + *processes_of_cpu[c].begin() + ")";
      header += "| " + fit(title, width) + " ";
      rule += "+" + std::string(width + 2, '-');
    }
    while (!header.empty() && header.back() == ' ') header.pop_back();
    out += header + "\n" + rule + "\n";
    for (std::size_t i = 0; i < report.steps.size(); ++i) {
      int cpu = std::max(0, groups[report.steps[i].group.v].cpu);
      for (std::size_t l = 0; l < cells[i].size(); ++l) {
        char num[16];
        std::snprintf(num, sizeof num, "%5s ", l == 0 ? std::to_string(i + 1).c_str() : "");
        std::string row = num;
        for (int c = 0; c < columns; ++c) row += "| " + fit(c == cpu ? cells[i][l] : "", width) + " ";
        while (!row.empty() && row.back() == ' ') row.pop_back();
        out += row + "\n";
      }
    }
    out += "\n" + report.explanation + "\n";
  }

  out += "\n";
  switch (r.outcome) {
    case Outcome::Holds:
      if (!system.constraint().empty()) {  // not every reachable state: say where the search stopped
        out += "verdict: holds -- within the constraint " + system.constraint() + " (" + with_commas(r.not_expanded) +
               " states break it: checked, their successors not explored), on every state it allows";
        out += report.checked.empty() ? "" : ":";
        for (std::size_t i = 0; i < report.checked.size(); ++i) out += (i == 0 ? " " : ", ") + report.checked[i];
      } else if (report.checked.empty()) {
        out += "verdict: holds -- every property was checked on every reachable state";
      } else {  // name them: a selection (--property NAME) may have left the built-in ones out
        out += "verdict: holds -- on every reachable state:";
        for (std::size_t i = 0; i < report.checked.size(); ++i) out += (i == 0 ? " " : ", ") + report.checked[i];
      }
      out += r.compact ? " (but for the fingerprint odds below)\n" : "\n";
      break;
    case Outcome::Violated:
      if (report.model_error) {
        out += "verdict: model error (" + report.property + ") -- the model is too small for this configuration; nothing is said about the protocol\n";
      } else {
        out += "verdict: violated (" + report.property + ")\n";
      }
      break;
    case Outcome::Incomplete:
      out += "verdict: incomplete -- stopped by " + r.stopped_by + " before every state was explored; nothing is proved\n";
      break;
  }
  double rate = r.seconds > 0 ? double(r.states) / r.seconds : 0;
  out += "states: " + with_commas(r.states) + ", transitions: " + with_commas(r.transitions) + ", depth: " + std::to_string(r.depth) + "\n";
  out += "time: " + number(r.seconds, 2) + " s (" + with_commas(std::uint64_t(rate)) + " states/s), threads: " + std::to_string(r.threads) +
         ", store: " + bytes(r.memory_bytes) + ", state: " + std::to_string(report.state_bytes) + " bytes, steps: " + report.engine + "\n";
  if (r.compact) {
    char p[32];
    std::snprintf(p, sizeof p, "%.1e", r.omission_probability);
    out += std::string("compact: states were stored as 63-bit fingerprints; the probability that a collision omitted a state is at most ") + p +
           (r.outcome == Outcome::Violated ? " (the counterexample itself is exact: it was re-executed)\n" : "\n");
  }
  return out;
}

}  // namespace tlbcheck::checker
