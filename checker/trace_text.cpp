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

// A cell padded to its column's width (wrap() made it fit).
std::string fit(const std::string& s, std::size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }

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

// A cell's line wrapped to `width`: broken at the last space that fits,
// inside a word only when the word is longer than a line; continuation
// lines indented past the line's own indent, so a value is never cut.
std::vector<std::string> wrap(const std::string& line, std::size_t width) {
  std::vector<std::string> out;
  width = std::max<std::size_t>(width, 12);
  const std::size_t indent = std::min(line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' '), width / 2);
  // (in a narrow column the continuation indent shrinks, to leave room for a whole value)
  const std::string cont(std::min(indent + 4, width / 4), ' ');
  std::string rest = line;
  bool first = true;
  while (true) {
    const std::string lead = first ? "" : cont;
    const std::size_t room = width - lead.size();
    if (rest.size() <= room) {
      out.push_back(lead + rest);
      break;
    }
    const std::size_t own = first ? indent : 0;  // (the line's own indent is no place to break)
    std::size_t cut = rest.rfind(' ', room);
    if (cut == std::string::npos || cut <= own) cut = room;  // a word longer than the line: break it
    out.push_back(lead + rest.substr(0, cut));
    rest = rest.substr(cut);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    first = false;
    if (rest.empty()) break;
  }
  return out;
}

namespace {

// "invalidate_interrupt@cpu1" in cpu1's column is "invalidate_interrupt"
std::string process_in_column(const std::string& process, int cpu) {
  const std::string suffix = "@cpu" + std::to_string(cpu);
  if (process.size() > suffix.size() && process.compare(process.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return process.substr(0, process.size() - suffix.size());
  }
  return process;
}

std::string hardware_text(const System::HardwareLine& h) { return h.name + ": " + h.value + (h.note.empty() ? "" : "  <-- " + h.note); }

}  // namespace

// What CPU symmetry reduction did: which CPUs it treated as
// interchangeable, and why the others keep their numbers ("" when not asked).
std::string symmetry_text(const Report& report) {
  if (!report.symmetry_asked) return "";
  if (!report.result.symmetry) {
    return "symmetry: none" + (report.symmetry_notes.empty() ? std::string() : " -- " + report.symmetry_notes[0] + (report.symmetry_notes.size() > 1 ? "; ..." : "")) + "\n";
  }
  std::string out = "symmetry: states stored up to renaming";
  for (std::size_t k = 0; k < report.symmetry_classes.size(); ++k) {
    std::string cpus;
    for (int c : report.symmetry_classes[k]) cpus += (cpus.empty() ? "cpu" : ", cpu") + std::to_string(c);
    out += (k == 0 ? " " : "; ") + cpus;
  }
  for (std::size_t k = 0; k < report.symmetry_values.size(); ++k) {
    std::string values;
    for (const std::string& v : report.symmetry_values[k].values) values += (values.empty() ? "" : ", ") + v;
    out += (k == 0 && report.symmetry_classes.empty() ? " " : "; ") + values + " of '" + report.symmetry_values[k].type + "'";
  }
  out += report.symmetry_classes.empty() ? " (interchangeable: named nowhere, started alike)\n" : " (interchangeable: the same code, named nowhere, started alike)\n";
  for (const std::string& note : report.symmetry_notes) out += "  " + note + "\n";
  return out;
}

std::string unsupported_text(const Report& report) {
  std::string out;
  for (const Unsupported& u : report.unsupported) {
    out += "outside the supported settings: " + u.setting + " (the protocol supports " + u.supports + (u.reason.empty() ? "" : ": " + u.reason) + ")\n";
  }
  return out;
}

// Several ranks (mpirun): each one's states and store, and what the
// exchange cost ("" with one process).
std::string ranks_text(const ExploreResult& r) {
  if (r.ranks.empty()) return "";
  std::string out = "ranks: " + std::to_string(r.ranks.size()) + ", states per rank: ";
  double slowest = 0;
  for (std::size_t k = 0; k < r.ranks.size(); ++k) {
    out += (k ? ", " : "") + with_commas(r.ranks[k].states) + " (" + bytes(r.ranks[k].memory_bytes) + ")";
    slowest = std::max(slowest, r.ranks[k].exchange_seconds);
  }
  const double per_state = r.states > 0 ? double(r.bytes_sent) / double(r.states) : 0;
  return out + "; exchanged " + bytes(r.bytes_sent) + " (" + number(per_state, 1) + " bytes/state), up to " + number(slowest, 2) +
         " s a rank in exchanges\n";
}

std::string engine_text(const Report& report) {
  return report.engine_note.empty() ? report.engine : report.engine + " (" + report.engine_note + ")";
}

std::string render_text(const System& system, const Report& report) {
  const ExploreResult& r = report.result;
  std::string out;
  out += "protocol: " + report.protocol + " (" + report.file + ")\n";
  if (!report.options.empty()) {
    out += "options: ";
    for (std::size_t i = 0; i < report.options.size(); ++i) out += (i ? ", " : "") + report.options[i].first + "=" + report.options[i].second;
    out += "\n";
  }
  out += unsupported_text(report);

  const bool violated = r.outcome == Outcome::Violated;
  if (violated || report.trace_only) {
    auto groups = system.groups();
    const Layout& layout = system.layout();
    int columns = 1;
    for (const Group& g : groups) columns = std::max(columns, g.cpu + 1);
    columns = std::min(columns, 64);
    // who ran on each CPU in this trace: its tasks (and handlers), in order of first appearance
    std::vector<std::vector<std::string>> ran(static_cast<std::size_t>(columns));
    for (const Step& s : report.steps) {
      const Group& g = groups[s.group.v];
      if (g.cpu < 0 || g.cpu >= columns || g.context == "hardware") continue;
      const std::string name = process_in_column(g.process, g.cpu);
      auto& list = ran[std::size_t(g.cpu)];
      if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
    }
    const std::size_t total = report.width != 0 ? report.width : 160;
    // columns as wide as their longest line, or as the width allows (then lines wrap)
    const long room = (long(total) - 7) / long(columns) - 3;  // (a column is never narrower than 20)
    std::size_t width = std::size_t(std::max(20L, room));

    // rows: a label (the step number) and, per column, its logical lines
    struct Row {
      std::string label;
      std::vector<std::vector<std::string>> cells;
    };
    std::vector<Row> rows;
    const auto hardware_of = [&](ConstStateRef s) {
      std::vector<std::vector<System::HardwareLine>> hw(std::size_t(columns) + 1);  // the last: no CPU's
      for (int c = 0; c < columns; ++c) hw[std::size_t(c)] = system.hardware_view(s, c);
      hw[std::size_t(columns)] = system.hardware_view(s, -1);
      return hw;
    };
    if (report.initial_state && !r.trace.states.empty()) {
      Row row{"0", std::vector<std::vector<std::string>>(std::size_t(columns))};
      ConstStateRef init = r.trace.states[0];
      std::string shared;
      for (std::uint32_t k = 0; k < layout.slots.size(); ++k) {
        const Slot& slot = layout.slots[k];
        if (slot.internal || slot.width == 0 || slot.hardware) continue;
        const std::string text = slot.name + " = " + system.format_slot(k, init);
        if (slot.cpu >= 0 && slot.cpu < columns) row.cells[std::size_t(slot.cpu)].push_back(text);
        else shared += (shared.empty() ? "" : ", ") + text;
      }
      auto hw = hardware_of(init);
      for (int c = 0; c < columns; ++c) {
        for (const auto& h : hw[std::size_t(c)]) row.cells[std::size_t(c)].push_back("= " + hardware_text(h));
      }
      for (const auto& h : hw[std::size_t(columns)]) shared += (shared.empty() ? "" : ", ") + hardware_text(h);
      out += "\ninitial state: " + shared + "\n";
      rows.push_back(std::move(row));
    }
    for (const Step& s : report.steps) {
      const Group& g = groups[s.group.v];
      const int cpu = std::clamp(g.cpu, 0, columns - 1);
      Row row{std::to_string(s.number), std::vector<std::vector<std::string>>(std::size_t(columns))};
      std::vector<std::string>& lines = row.cells[std::size_t(cpu)];
      std::string head = g.context == "hardware" ? "[hw] " : "[" + (s.file.empty() ? "" : s.file + ":") + std::to_string(s.line) + "] ";
      const bool several = g.cpu >= 0 && ran[std::size_t(cpu)].size() > 1;
      if (g.context != "hardware" && (several || g.cpu < 0)) head += process_in_column(g.process, g.cpu) + ": ";
      if (g.cpu < 0 && g.context == "hardware") head += g.process + ": ";
      for (std::size_t k = 0; k < s.calls.size(); ++k) {  // outer calls by name, the innermost with its arguments
        head += k + 1 < s.calls.size() ? s.calls[k].substr(0, s.calls[k].find('(')) + " > " : s.calls[k] + ": ";
      }
      head += s.action;
      if (s.branch) head += *s.branch ? "  => true" : "  => false";
      lines.push_back(head);
      for (const std::string& m : s.more) lines.push_back("      " + m);
      if (!s.also_ran.empty()) {  // local code that merged into this step, in calls of its own
        std::string also = "     (ran ";
        for (std::size_t k = 0; k < s.also_ran.size(); ++k) also += (k == 0 ? "" : ", ") + s.also_ran[k];
        lines.push_back(also + " first)");
      }
      for (const Change& c : s.changes) lines.push_back("     " + c.slot + ": " + c.before + " -> " + c.after);
      if (report.show_hw) {  // each CPU's hardware in its own column: what changed, or all of it
        auto before = hardware_of(r.trace.states[s.number - 1]);
        auto after = hardware_of(r.trace.states[s.number]);
        for (int c = 0; c <= columns; ++c) {
          std::vector<std::string>& into = c == columns ? lines : row.cells[std::size_t(c)];
          const std::string lead = "     = ";
          for (const auto& h : after[std::size_t(c)]) {
            const bool same = std::any_of(before[std::size_t(c)].begin(), before[std::size_t(c)].end(), [&](const System::HardwareLine& b) {
              return b.name == h.name && b.value == h.value && b.note == h.note;
            });
            const bool listed = (c == cpu || c == columns) && h.note.empty() &&
                                std::any_of(s.changes.begin(), s.changes.end(), [&](const Change& ch) { return h.slot < layout.slots.size() && ch.slot == layout.slots[h.slot].name; });
            if (report.show_hw_all || (!same && !listed)) into.push_back(lead + hardware_text(h));
          }
          if (report.show_hw_all) continue;
          for (const auto& b : before[std::size_t(c)]) {  // entries that went away
            const bool kept = std::any_of(after[std::size_t(c)].begin(), after[std::size_t(c)].end(), [&](const System::HardwareLine& h) { return h.name == b.name; });
            if (!kept) into.push_back(lead + b.name + ": -");
          }
        }
      }
      rows.push_back(std::move(row));
    }
    std::size_t longest = 12;
    for (const Row& row : rows) {
      for (const auto& cell : row.cells) {
        for (const std::string& l : cell) longest = std::max(longest, l.size());
      }
    }
    for (int c = 0; c < columns; ++c) {
      std::string title = "cpu" + std::to_string(c) + " ()";
      for (const std::string& name : ran[std::size_t(c)]) title += ", " + name;  // (as long as the header below)
      longest = std::max(longest, title.size());
    }
    width = std::min(width, longest);
    out += violated ? std::string(report.model_error ? "\nmodel error: " : "\nviolated: ") + report.property + " -- " + report.meaning + "\n" : "\n";
    out += (violated ? "counterexample: " : "trace: ") + std::to_string(report.steps.size()) + " step" + (report.steps.size() == 1 ? "" : "s") + "\n\n";
    // the header: each CPU and the tasks (and handlers) it ran, wrapped like a cell
    std::vector<std::vector<std::string>> titles(static_cast<std::size_t>(columns));
    std::string rule = "------";
    std::size_t title_lines = 1;
    for (int c = 0; c < columns; ++c) {
      std::string title = "cpu" + std::to_string(c);
      const auto& list = ran[std::size_t(c)];
      for (std::size_t k = 0; k < list.size(); ++k) title += (k == 0 ? " (" : ", ") + list[k] + (k + 1 == list.size() ? ")" : "");
      titles[std::size_t(c)] = wrap(title, width);
      title_lines = std::max(title_lines, titles[std::size_t(c)].size());
      rule += "+" + std::string(width + 2, '-');
    }
    for (std::size_t l = 0; l < title_lines; ++l) {
      std::string header = l == 0 ? " step " : "      ";
      for (int c = 0; c < columns; ++c) header += "| " + fit(l < titles[std::size_t(c)].size() ? titles[std::size_t(c)][l] : "", width) + " ";
      while (!header.empty() && header.back() == ' ') header.pop_back();
      out += header + "\n";
    }
    out += rule + "\n";
    for (const Row& row : rows) {
      std::vector<std::vector<std::string>> wrapped(static_cast<std::size_t>(columns));
      std::size_t height = 0;
      for (int c = 0; c < columns; ++c) {
        for (const std::string& l : row.cells[std::size_t(c)]) {
          for (std::string& w : wrap(l, width)) wrapped[std::size_t(c)].push_back(std::move(w));
        }
        height = std::max(height, wrapped[std::size_t(c)].size());
      }
      for (std::size_t l = 0; l < height; ++l) {
        char num[16];
        std::snprintf(num, sizeof num, "%5s ", l == 0 ? row.label.c_str() : "");
        std::string line = num;
        for (int c = 0; c < columns; ++c) line += "| " + fit(l < wrapped[std::size_t(c)].size() ? wrapped[std::size_t(c)][l] : "", width) + " ";
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
      }
    }
    out += "\n";
    if (violated) out += report.explanation + "\n";  // (one line, as tools and people grep it)
    if (violated && report.violation.cause.size() > 1) {  // (the violating step alone says nothing new)
      out += "how it came to this:\n";
      for (const Cause& c : report.violation.cause) {
        char num[32];
        std::snprintf(num, sizeof num, "  step %-4u ", c.step);
        const std::vector<std::string> lines = wrap(c.text, std::max<std::size_t>(total, 40) - 13);
        for (std::size_t k = 0; k < lines.size(); ++k) out += (k == 0 ? std::string(num) : std::string(13, ' ')) + lines[k] + "\n";
      }
    }
  }

  if (report.trace_only) return violated ? out + "\n" : out;
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
         (r.ranks.empty() ? "" : " a rank") + ", store: " + bytes(r.memory_bytes) + (r.ranks.empty() ? "" : " (rank 0)") + ", state: " + std::to_string(report.state_bytes) + " bytes, engine: " + engine_text(report) + "\n";
  out += symmetry_text(report);
  out += ranks_text(r);
  if (report.por_asked) {
    out += r.por ? "partial-order reduction: " + with_commas(r.por_reduced) + " states expanded through an ample set, " + with_commas(r.por_proviso) +
                       " kept whole by the cycle proviso" + (r.outcome == Outcome::Violated ? " (the counterexample is real but may be longer than the shortest)" : "") + "\n"
                 : "partial-order reduction: none -- the model gives no read and write sets\n";
  }
  if (r.compact) {
    char p[32];
    std::snprintf(p, sizeof p, "%.1e", r.omission_probability);
    out += std::string("compact: states were stored as 63-bit fingerprints; the probability that a collision omitted a state is at most ") + p +
           (r.outcome == Outcome::Violated ? " (the counterexample itself is exact: it was re-executed)\n" : "\n");
  }
  return out;
}

}  // namespace tlbcheck::checker
