#include "checker/replay.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <tuple>

#include "checker/explorer.hpp"
#include "checker/trace.hpp"

namespace tlbcheck::checker {

namespace {

using Json = nlohmann::json;

// A value as it appears in the file, shortened for a message.
std::string shown(const Json& v) {
  std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

// The checks of one document, each on one field; the first problem found
// is kept in `error` as "PATH: expected WHAT, found VALUE".
class ShapeCheck {
 public:
  std::string error;

  bool object(const Json& v, const std::string& path) { return expect(v.is_object(), v, path, "an object"); }
  bool array(const Json& v, const std::string& path) { return expect(v.is_array(), v, path, "a list"); }
  bool string(const Json& v, const std::string& path) { return expect(v.is_string(), v, path, "a string"); }
  bool boolean(const Json& v, const std::string& path) { return expect(v.is_boolean(), v, path, "true or false"); }
  // an option's value: a string (any schema), an integer or a boolean (schema 1)
  bool option(const Json& v, const std::string& path) {
    return expect(v.is_string() || v.is_boolean() || v.is_number_integer(), v, path, "a string, an integer or a boolean");
  }

  // An integer in [lo, hi] (5.0 and 1e30 are not integers).
  bool integer(const Json& v, const std::string& path, std::int64_t lo, std::uint64_t hi, const std::string& what) {
    bool ok = false;
    if (v.is_number_unsigned()) ok = v.get<std::uint64_t>() <= hi && (lo <= 0 || v.get<std::uint64_t>() >= std::uint64_t(lo));
    else if (v.is_number_integer()) ok = v.get<std::int64_t>() >= lo && (v.get<std::int64_t>() < 0 || std::uint64_t(v.get<std::int64_t>()) <= hi);
    return expect(ok, v, path, what + " (an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ")");
  }

  // A list whose every element passes `check`.
  template <class Check>
  bool each(const Json& v, const std::string& path, Check&& check) {
    if (!array(v, path)) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!check(v[i], path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }

  // A member of an object that may be absent (or null).
  template <class Check>
  bool optional(const Json& parent, const char* key, const std::string& path, Check&& check) {
    auto it = parent.find(key);
    return it == parent.end() || it->is_null() || check(*it, path + "." + key);
  }

  // A member of an object that must be there.
  template <class Check>
  bool required(const Json& parent, const char* key, const std::string& path, Check&& check) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (error.empty()) error = path + "." + key + ": missing";
      return false;
    }
    return check(*it, path + "." + key);
  }

 private:
  bool expect(bool ok, const Json& v, const std::string& path, const std::string& what) {
    if (!ok && error.empty()) error = (path.empty() ? "the document" : path) + ": expected " + what + ", found " + shown(v);
    return ok;
  }
};

}  // namespace

std::string trace_shape_error(const Json& doc) {
  ShapeCheck c;
  constexpr std::uint64_t kU32 = UINT32_MAX;
  auto text = [&](const Json& v, const std::string& p) { return c.string(v, p); };
  auto number = [&](const char* what, std::int64_t lo = 0) {
    return [&c, what, lo](const Json& v, const std::string& p) { return c.integer(v, p, lo, kU32, what); };
  };
  auto texts = [&](const Json& v, const std::string& p) { return c.each(v, p, text); };
  auto entry = [&](const Json& v, const std::string& p) {
    return c.object(v, p) && c.required(v, "slot", p, text) && c.required(v, "value", p, text);
  };
  // {"cpu0": [{slot, value}], ..., "shared": [...]}
  auto hardware = [&](const Json& v, const std::string& p) {
    if (!c.object(v, p)) return false;
    for (const auto& [key, list] : v.items()) {
      if (!c.each(list, p + "." + key, entry)) return false;
    }
    return true;
  };
  auto change = [&](const Json& v, const std::string& p) {
    return c.object(v, p) && c.required(v, "slot", p, text) && c.required(v, "to", p, text) && c.optional(v, "from", p, text);
  };
  auto step = [&](const Json& s, const std::string& p) {
    return c.object(s, p) && c.required(s, "group", p, number("a transition group")) && c.required(s, "choice", p, number("a successor's ordinal")) &&
           c.optional(s, "step", p, number("a step number")) && c.optional(s, "line", p, number("a line number")) &&
           c.optional(s, "cpu", p, number("a CPU number or -1", -1)) && c.optional(s, "task", p, text) && c.optional(s, "context", p, text) &&
           c.optional(s, "action", p, text) && c.optional(s, "file", p, text) && c.optional(s, "function", p, text) &&
           c.optional(s, "occurrence", p, number("a statement's place among those of its text", 1)) &&
           c.optional(s, "changes", p, [&](const Json& v, const std::string& q) { return c.each(v, q, change); }) &&
           c.optional(s, "also_ran", p, texts) && c.optional(s, "calls", p, texts) && c.optional(s, "more", p, texts) &&
           c.optional(s, "branch", p, [&](const Json& v, const std::string& q) { return c.boolean(v, q); }) &&
           c.optional(s, "hardware", p, hardware);
  };
  if (!c.object(doc, "")) return c.error;
  c.optional(doc, "options", "", [&](const Json& options, const std::string& p) {
    if (!c.object(options, p)) return false;
    for (const auto& [name, value] : options.items()) {
      if (!c.option(value, p + "." + name)) return false;
    }
    return true;
  }) && c.optional(doc, "properties", "", texts) && c.optional(doc, "protocol", "", text) && c.optional(doc, "file", "", text) &&
      c.optional(doc, "verdict", "", text) && c.optional(doc, "explanation", "", text) && c.optional(doc, "initial_hardware", "", hardware) &&
      c.required(doc, "trace", "", [&](const Json& v, const std::string& p) { return c.each(v, p, step); });
  return c.error;
}

std::string option_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

int exit_status(ReplayOutcome outcome) {
  switch (outcome) {
    case ReplayOutcome::Violated: return 1;
    case ReplayOutcome::Diverged:
    case ReplayOutcome::NoViolation: return 0;
    case ReplayOutcome::DoesNotApply: return 4;
    case ReplayOutcome::Malformed: return 2;
  }
  return 2;
}

std::string outcome_word(ReplayOutcome outcome) {
  switch (outcome) {
    case ReplayOutcome::Violated: return "violated";
    case ReplayOutcome::Diverged: return "diverged";
    case ReplayOutcome::NoViolation: return "no-violation";
    case ReplayOutcome::DoesNotApply: return "does-not-apply";
    case ReplayOutcome::Malformed: return "malformed";
  }
  return "?";
}

namespace {

// A recorded step as the trace names it. Absent fields are empty, and
// match anything.
struct Recorded {
  std::uint32_t number = 0;  // 1-based
  std::optional<std::string> task, context, action, function;
  std::optional<std::int64_t> cpu;
  std::vector<std::string> calls;
  std::optional<bool> branch;
  std::uint32_t occurrence = 0, line = 0;
  GroupId group;
  std::uint32_t choice = 0;
  const Json* changes = nullptr;
  bool identified() const { return task.has_value() || action.has_value(); }
};

std::optional<std::string> text_field(const Json& s, const char* key) {
  auto it = s.find(key);
  return it == s.end() || it->is_null() ? std::nullopt : std::optional<std::string>(it->get<std::string>());
}

Recorded read_step(const Json& s, std::size_t index) {
  Recorded r;
  r.number = std::uint32_t(index + 1);
  r.task = text_field(s, "task");
  r.context = text_field(s, "context");
  r.action = text_field(s, "action");
  r.function = text_field(s, "function");
  if (s.contains("cpu") && !s["cpu"].is_null()) r.cpu = s["cpu"].get<std::int64_t>();
  if (s.contains("calls") && !s["calls"].is_null()) r.calls = s["calls"].get<std::vector<std::string>>();
  if (s.contains("branch") && !s["branch"].is_null()) r.branch = s["branch"].get<bool>();
  if (s.contains("occurrence") && !s["occurrence"].is_null()) r.occurrence = s["occurrence"].get<std::uint32_t>();
  if (s.contains("line") && !s["line"].is_null()) r.line = s["line"].get<std::uint32_t>();
  r.group = GroupId{s["group"].get<std::uint32_t>()};
  r.choice = s["choice"].get<std::uint32_t>();
  if (s.contains("changes") && !s["changes"].is_null()) r.changes = &s["changes"];
  return r;
}

// A step the protocol can take in the current state.
struct Candidate {
  GroupId group;
  std::uint32_t choice = 0;  // among the group's successors
  std::vector<Word> next;
  System::StepText text;
  std::string function;
  std::vector<Change> changes;
};

std::vector<Candidate> candidates(const System& system, Scratch& scratch, ConstStateRef state) {
  std::vector<Candidate> out;
  system.next(state, scratch, [&](GroupId g, ConstStateRef next) {
    const std::uint32_t choice = !out.empty() && out.back().group == g ? out.back().choice + 1 : 0;
    out.push_back({g, choice, std::vector<Word>(next.begin(), next.end()), {}, {}, {}});
  });
  for (Candidate& c : out) {
    c.text = system.describe_step(state, c.group, c.next);
    c.function = step_function(system.groups()[c.group.v], c.text.calls);
    c.changes = changes_between(system, state, c.next);
  }
  return out;
}

// A statement's text without its spacing: "t+1" and "t + 1" are the same.
std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\t') out += c;
  }
  return out;
}

// The functions a call chain goes through, without their arguments.
std::vector<std::string> function_names(const std::vector<std::string>& calls) {
  std::vector<std::string> out;
  for (const std::string& c : calls) out.push_back(c.substr(0, c.find('(')));
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// How well a candidate is the recorded step: 0 not at all; 1 the same
// task's statement in the same calls, reworded a little (a third of its
// characters at most); 2 the same statement but for spacing, arguments
// of its calls, or its place among equal statements; 3 exactly.
int match_level(const System& system, const Recorded& r, const Candidate& c) {
  const Group& g = system.groups()[c.group.v];
  if (!r.identified()) return c.group == r.group && c.choice == r.choice ? 3 : 0;
  if ((r.task && *r.task != g.process) || (r.cpu && *r.cpu != g.cpu) || (r.context && *r.context != g.context)) return 0;
  if (!r.action) return 3;  // (a task named, no statement: the trace is as exact as it can be)
  if (g.context == "hardware") return *r.action == c.text.action ? 3 : 0;
  const bool same_place = r.occurrence == 0 || c.text.occurrence == 0 || r.occurrence == c.text.occurrence;
  if (*r.action == c.text.action && r.calls == c.text.calls && same_place) return 3;
  if (function_names(r.calls) != function_names(c.text.calls) || (r.function && *r.function != c.function)) return 0;
  const std::string was = squeezed(*r.action), now = squeezed(c.text.action);
  if (was == now) return 2;
  return edit_distance(was, now) * 3 <= std::max(was.size(), now.size()) ? 1 : 0;
}

// "{counter -> 1, done -> 2}", or "nothing"
std::string changes_text(const std::vector<Change>& changes) {
  std::string out;
  for (const Change& c : changes) out += (out.empty() ? "" : ", ") + c.slot + " -> " + c.after;
  return out.empty() ? "nothing" : "{" + out + "}";
}

std::string changes_text(const Json& recorded) {
  std::string out;
  for (const auto& c : recorded) out += (out.empty() ? "" : ", ") + c["slot"].get<std::string>() + " -> " + c["to"].get<std::string>();
  return out.empty() ? "nothing" : "{" + out + "}";
}

bool same_changes(const Recorded& r, const Candidate& c) {
  return r.changes == nullptr || changes_text(*r.changes) == changes_text(c.changes);
}

// The candidate that is the recorded step: the best match; among equals,
// the one that changes what the trace says, then the recorded group and
// choice, then the recorded choice, then the nearest line.
std::optional<std::size_t> find_step(const System& system, const Recorded& r, const std::vector<Candidate>& cands) {
  std::optional<std::size_t> best;
  auto key = [&](const Candidate& c) {
    const long distance = std::labs(long(c.text.line) - long(r.line));
    return std::make_tuple(match_level(system, r, c), same_changes(r, c), c.group == r.group && c.choice == r.choice, c.choice == r.choice, -distance);
  };
  for (std::size_t i = 0; i < cands.size(); ++i) {
    if (match_level(system, r, cands[i]) == 0) continue;
    if (!best || key(cands[i]) > key(cands[*best])) best = i;
  }
  return best;
}

std::string where(std::uint32_t line, const std::string& file) { return (file.empty() ? "line " : file + ":") + std::to_string(line); }

// "idle on cpu1"
std::string who(const Recorded& r) {
  const std::string task = r.task.value_or("?"), cpu = r.cpu && *r.cpu >= 0 ? "cpu" + std::to_string(*r.cpu) : "";
  const bool tagged = !cpu.empty() && task.size() > cpu.size() && task.compare(task.size() - cpu.size() - 1, std::string::npos, "@" + cpu) == 0;
  return task + (cpu.empty() || tagged || task == cpu ? "" : " on " + cpu);  // a hardware step's "task" is its CPU
}

// "'set_bit(cpu_, next->cpu_vm_mask);' (in switch_mm, line 132)"
std::string statement(const std::string& action, const std::string& function, std::uint32_t line, const std::string& file) {
  std::string place = function.empty() ? "" : "in " + function;
  if (line != 0) place += (place.empty() ? "" : ", ") + where(line, file);
  return "'" + action + "'" + (place.empty() ? "" : " (" + place + ")");
}

std::string recorded_text(const Recorded& r) {
  if (!r.action) return "group " + std::to_string(r.group.v) + ", choice " + std::to_string(r.choice);
  return statement(*r.action, r.function.value_or(""), r.line, "");
}

std::string candidate_text(const Candidate& c) { return statement(c.text.action, c.function, c.text.line, c.text.file); }

// How a step found again differs from the recorded one, if it does.
std::string difference(const Recorded& r, const Candidate& c) {
  std::vector<std::string> parts;
  if (r.line != 0 && c.text.line != 0 && r.line != c.text.line) parts.push_back("now at " + where(c.text.line, c.text.file) + " (was " + std::to_string(r.line) + ")");
  if (r.action && *r.action != c.text.action) parts.push_back("now reads '" + c.text.action + "' (was '" + *r.action + "')");
  if (r.action && r.calls != c.text.calls && !r.calls.empty()) parts.push_back("now in the call " + c.text.calls.back() + " (was " + r.calls.back() + ")");
  if (r.occurrence != 0 && c.text.occurrence != 0 && r.occurrence != c.text.occurrence) {
    parts.push_back("now statement " + std::to_string(c.text.occurrence) + " of that text in " + c.function + " (was " + std::to_string(r.occurrence) + ")");
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// What the protocol could take instead of a step it cannot: the same
// task's steps, or, if it has none, every step (then with its task).
std::vector<std::string> alternatives(const System& system, const Recorded& r, const std::vector<Candidate>& cands) {
  std::vector<std::string> same_task, any;
  for (const Candidate& c : cands) {
    const std::string& task = system.groups()[c.group.v].process;
    if (r.task && task == *r.task && std::find(same_task.begin(), same_task.end(), candidate_text(c)) == same_task.end()) same_task.push_back(candidate_text(c));
    if (std::find(any.begin(), any.end(), task + ": " + candidate_text(c)) == any.end()) any.push_back(task + ": " + candidate_text(c));
  }
  return same_task.empty() ? any : same_task;
}

// Why the trace is of another protocol: its name, or a task a step names on
// its CPU, is not this file's; empty if it may be this one's.
std::string foreign(const System& system, const Json& doc) {
  if (auto name = text_field(doc, "protocol"); name && !name->empty() && *name != system.name()) {  // ("": not known)
    return "the trace is of protocol '" + *name + "', this file is '" + std::string(system.name()) + "'";
  }
  auto groups = system.groups();
  for (std::size_t i = 0; i < doc["trace"].size(); ++i) {
    const Recorded r = read_step(doc["trace"][i], i);
    if (!r.identified()) {
      if (r.group.v >= groups.size()) return "step " + std::to_string(i + 1) + " is of transition group " + std::to_string(r.group.v) + ", which this protocol does not have";
      continue;
    }
    if (!r.task || r.context == "hardware") continue;
    const bool known = std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return g.process == *r.task && (!r.cpu || *r.cpu == g.cpu); });
    if (!known) {
      return "step " + std::to_string(i + 1) + " is by " + *r.task + (r.cpu && *r.cpu >= 0 ? " on cpu" + std::to_string(*r.cpu) : "") + ", which this protocol does not have";
    }
  }
  return "";
}

// Replays step after step; `result` has the outcome when it returns.
class Replayer {
 public:
  Replayer(const System& system, ReplayResult& result) : system_(system), result_(result), scratch_(system.make_scratch()) {}

  void run(const Json& steps) {
    std::vector<Word> state(system_.layout().words, 0);
    system_.initial(state);
    result_.trace.states.push_back(state);
    if (violated(0, steps.size())) return;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (!take(read_step(steps[i], i))) return;
      if (violated(i + 1, steps.size())) return;
    }
    if (deadlocked(steps.size())) return;
    result_.outcome = ReplayOutcome::NoViolation;
    result_.message = "the trace no longer reaches the violation: all " + std::to_string(steps.size()) + " steps replay, but the last state violates no property (other interleavings may: run check)";
  }

 private:
  ConstStateRef state() const { return result_.trace.states.back(); }

  // Takes the recorded step, or says where and why the trace diverges.
  bool take(const Recorded& r) {
    const std::vector<Candidate> cands = candidates(system_, *scratch_, state());
    const std::optional<std::size_t> found = find_step(system_, r, cands);
    if (!found) return diverge(r, alternatives(system_, r, cands), who(r) + " cannot take " + recorded_text(r) + (cands.empty() ? "; no step can be taken" : ""));
    const Candidate& c = cands[*found];
    const std::string step = recorded_text(r) + " of " + who(r);
    if (r.branch && c.text.branch && *r.branch != *c.text.branch) {
      return diverge(r, {}, "the condition " + step + " now " + (*c.text.branch ? "holds" : "fails") + " (the trace has it " + (*r.branch ? "hold)" : "fail)"));
    }
    if (!same_changes(r, c)) return diverge(r, {}, step + " now changes " + changes_text(c.changes) + " but the trace records " + changes_text(*r.changes));
    if (std::string d = difference(r, c); !d.empty()) result_.notes.push_back({r.number, d});
    result_.trace.groups.push_back(c.group);
    result_.trace.states.push_back(c.next);
    return true;
  }

  // `instead`: what could be taken where the step cannot (none where the
  // step was found but does something else)
  bool diverge(const Recorded& r, std::vector<std::string> instead, const std::string& why) {
    result_.outcome = ReplayOutcome::Diverged;
    result_.failed_step = int(r.number);
    result_.recorded = who(r) + ": " + recorded_text(r);
    result_.instead = std::move(instead);
    result_.message = "the trace no longer reaches the violation: diverges at step " + std::to_string(r.number) + ": " + why;
    if (!result_.instead.empty() && result_.instead.size() <= 3) {
      result_.message += "; it can take ";
      for (std::size_t k = 0; k < result_.instead.size(); ++k) result_.message += (k == 0 ? "" : " or ") + result_.instead[k];
    }
    result_.message += " (other interleavings may: run check)";
    return false;
  }

  bool violated(std::size_t done, std::size_t total) {
    const Verdict v = system_.check(state());
    if (!v.violated) return false;
    result_.outcome = ReplayOutcome::Violated;
    result_.property = v.property;
    result_.message = "still violated: after step " + std::to_string(done) + " property '" + system_.properties()[v.property.v].name + "' is violated";
    if (done < total) result_.message += " (the trace goes on for " + std::to_string(total - done) + " more steps)";
    return true;
  }

  bool deadlocked(std::size_t done) {
    if (!system_.deadlock_property() || system_.is_final(state())) return false;
    bool moves = false;
    system_.next(state(), *scratch_, [&](GroupId, ConstStateRef) { moves = true; });
    if (moves) return false;
    result_.outcome = ReplayOutcome::Violated;
    result_.property = *system_.deadlock_property();
    result_.deadlock = true;
    result_.message = "still violated: after step " + std::to_string(done) + " no process can move (deadlock)";
    return true;
  }

  const System& system_;
  ReplayResult& result_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace

ReplayResult replay(const System& system, const Json& doc) {
  ReplayResult result;
  if (std::string shape = trace_shape_error(doc); !shape.empty()) {
    result.outcome = ReplayOutcome::Malformed;
    result.message = "not a trace: " + shape;
  } else if (std::string why = foreign(system, doc); !why.empty()) {
    result.outcome = ReplayOutcome::DoesNotApply;
    result.message = "does not apply: " + why;
  } else {
    Replayer(system, result).run(doc["trace"]);
  }
  result.confirmed = result.outcome == ReplayOutcome::Violated;
  result.malformed = result.outcome == ReplayOutcome::Malformed;
  return result;
}

void describe_replay(const System& system, const ReplayResult& replayed, Report& report) {
  report.result.trace = replayed.trace;
  report.result.depth = std::uint32_t(replayed.trace.groups.size());
  if (replayed.outcome != ReplayOutcome::Violated) {
    report.steps = describe_steps(system, replayed.trace);
    return;
  }
  report.result.outcome = Outcome::Violated;
  report.result.property = replayed.property;
  report.result.deadlock = replayed.deadlock;
  describe(system, report);
}

Json replay_json(const System& system, const ReplayResult& replayed, const Report& report) {
  static const char* const kMeaning[] = {
      "still violated: the trace reaches a violation", "the trace no longer reaches the violation: it diverges from what the protocol does",
      "the trace no longer reaches the violation: it replays but ends in no violation", "does not apply: the trace is of another protocol", "not a trace"};
  Json j;
  j["outcome"] = outcome_word(replayed.outcome);
  j["exit"] = exit_status(replayed.outcome);
  j["meaning"] = kMeaning[int(replayed.outcome)];
  j["message"] = replayed.message;
  j["property"] = replayed.outcome == ReplayOutcome::Violated ? Json(system.properties()[replayed.property.v].name) : Json(nullptr);
  j["diverges_at"] = nullptr;
  if (replayed.outcome == ReplayOutcome::Diverged) {
    j["diverges_at"] = {{"step", replayed.failed_step}, {"recorded", replayed.recorded}, {"instead", replayed.instead}};
  }
  Json notes = Json::array();
  for (const ReplayNote& n : replayed.notes) notes.push_back({{"step", n.step}, {"text", n.text}});
  j["notes"] = notes;
  j["trace"] = render_json(system, report)["trace"];
  return j;
}

}  // namespace tlbcheck::checker
