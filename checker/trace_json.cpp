// The JSON report, schema version 1. checker/report.schema.json describes
// every field; a change to a field here changes the schema, and a change
// that breaks a reader raises kSchemaVersion.
#include <algorithm>

#include "checker/trace.hpp"

namespace tlbcheck::checker {

namespace {

using Json = nlohmann::json;

constexpr int kSchemaVersion = 1;

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// How many CPU columns a report has: every CPU a group or a slot names.
int cpu_count(const System& system) {
  int cpus = 0;
  for (const Group& g : system.groups()) cpus = std::max(cpus, g.cpu + 1);
  for (const Slot& s : system.layout().slots) cpus = std::max(cpus, s.cpu + 1);
  return cpus;
}

// The machine in one state, per CPU ("cpu0", ...) and "shared", as
// System::hardware_view gives it: a CPU's loaded root (and ASID), then its
// cache entries that are not empty, each stale one with a note.
Json hardware(const System& system, ConstStateRef state, int cpus) {
  Json out = Json::object();
  const Layout& layout = system.layout();
  const auto entries = [&](int cpu) {
    Json list = Json::array();
    for (const System::HardwareLine& h : system.hardware_view(state, cpu)) {
      const std::string slot = h.slot < layout.slots.size() ? layout.slots[h.slot].name : (cpu >= 0 ? "cpu" + std::to_string(cpu) + "." : "") + h.name;
      Json e = {{"slot", slot}, {"value", h.value}};
      if (!h.note.empty()) e["note"] = h.note;
      list.push_back(std::move(e));
    }
    return list;
  };
  for (int c = 0; c < cpus; ++c) out["cpu" + std::to_string(c)] = entries(c);
  out["shared"] = entries(-1);
  return out;
}

Json violation(const Report& report) {
  const Violation& v = report.violation;
  Json j;
  j["property"] = report.property;
  j["meaning"] = report.meaning;
  j["sentence"] = report.explanation;
  j["model_error"] = report.model_error;
  j["deadlock"] = report.result.deadlock;
  j["cpu"] = v.cpu >= 0 ? Json(v.cpu) : Json(nullptr);
  j["task"] = text_or_null(v.task);
  j["page"] = text_or_null(v.page);
  j["frame"] = text_or_null(v.frame);
  j["step"] = v.step;
  Json cause = Json::array();
  for (const Cause& c : v.cause) cause.push_back({{"step", c.step}, {"text", c.text}});
  j["cause"] = cause;
  return j;
}

}  // namespace

nlohmann::json render_json(const System& system, const Report& report) {
  const ExploreResult& r = report.result;
  Json j;
  j["schema_version"] = kSchemaVersion;
  j["protocol"] = report.protocol;
  j["file"] = report.file;
  Json options = Json::object();
  for (std::size_t i = 0; i < report.options.size(); ++i) {
    const auto& [name, value] = report.options[i];
    options[name] = i < report.option_values.size() ? report.option_values[i] : Json(value);
  }
  j["options"] = options;
  if (!report.unsupported.empty()) {
    Json unsupported = Json::array();
    for (const Unsupported& u : report.unsupported) unsupported.push_back({{"setting", u.setting}, {"supports", u.supports}, {"reason", u.reason}});
    j["unsupported_settings"] = unsupported;
  }
  j["properties"] = report.checked;
  bool violated = r.outcome == Outcome::Violated;
  j["verdict"] = violated && report.model_error ? std::string("model-error") : outcome_name(r.outcome);
  if (!system.constraint().empty()) {
    j["constraint"] = system.constraint();
    j["not_expanded"] = r.not_expanded;
  }
  j["property"] = violated ? Json(report.property) : Json(nullptr);
  j["explanation"] = violated ? Json(report.explanation) : Json(nullptr);
  j["violation"] = violated ? violation(report) : Json(nullptr);
  j["deadlock"] = r.deadlock;
  j["states"] = r.states;
  j["transitions"] = r.transitions;
  j["depth"] = r.depth;
  j["seconds"] = r.seconds;
  j["phase_seconds"] = {{"expand", r.expand_seconds}, {"seal", r.seal_seconds}, {"grow", r.grow_seconds}};
  j["threads"] = r.threads;
  j["store_bytes"] = r.memory_bytes;
  j["peak_rss_bytes"] = report.peak_rss_bytes;
  j["state_bytes"] = report.state_bytes;
  j["engine"] = report.engine;
  if (report.dead_reset) j["dead_reset"] = *report.dead_reset;
  if (report.symmetry_asked) {
    j["symmetry"] = {{"reduced", r.symmetry}, {"classes", report.symmetry_classes}, {"notes", report.symmetry_notes}};
    if (!report.symmetry_values.empty()) {
      nlohmann::json values = nlohmann::json::array();
      for (const auto& v : report.symmetry_values) values.push_back({{"type", v.type}, {"values", v.values}});
      j["symmetry"]["values"] = values;
    }
  }
  if (!r.ranks.empty()) {
    Json ranks = Json::array();
    for (const RankStats& k : r.ranks) {
      ranks.push_back({{"states", k.states}, {"store_bytes", k.memory_bytes}, {"bytes_sent", k.bytes_sent}, {"exchange_seconds", k.exchange_seconds}});
    }
    j["ranks"] = ranks;
  }
  if (report.por_asked) j["por"] = {{"reduced", r.por}, {"ample_states", r.por_reduced}, {"proviso_states", r.por_proviso}};
  j["engine_note"] = report.engine_note.empty() ? Json(nullptr) : Json(report.engine_note);
  j["stopped_by"] = nullptr;
  if (r.outcome == Outcome::Incomplete) {
    j["stopped_by"] = {{"code", stop_code(r.stop_reason)},
                       {"sentence", "stopped by " + r.stopped_by + " before every state was explored; nothing is proved"}};
  }
  j["compact"] = r.compact;
  if (r.compact) j["omission_probability"] = r.omission_probability;

  const int cpus = cpu_count(system);
  const std::vector<std::vector<Word>>& states = r.trace.states;
  j["initial_hardware"] = violated && !states.empty() ? hardware(system, states[0], cpus) : Json(nullptr);
  Json trace = Json::array();
  Json schedule = Json::array();
  // per CPU column (and one for steps of no CPU, last): its tasks and steps
  std::vector<Json> lane_tasks(std::size_t(cpus) + 1, Json::array()), lane_steps(std::size_t(cpus) + 1, Json::array());
  auto groups = system.groups();
  for (const Step& s : report.steps) {
    const Group& g = groups[s.group.v];
    Json step;
    step["step"] = s.number;
    step["cpu"] = g.cpu;
    step["task"] = g.process;
    step["context"] = g.context;
    step["action"] = s.action;
    if (!s.function.empty()) step["function"] = s.function;
    if (s.occurrence != 0) step["occurrence"] = s.occurrence;
    if (!s.also_ran.empty()) step["also_ran"] = s.also_ran;
    if (!s.calls.empty()) step["calls"] = s.calls;
    if (s.branch) step["branch"] = *s.branch;
    if (!s.more.empty()) step["more"] = s.more;
    step["file"] = s.file.empty() ? std::string(g.loc.file) : s.file;
    step["line"] = s.line;
    step["group"] = s.group.v;
    step["choice"] = s.choice;
    Json changes = Json::array();
    for (const Change& c : s.changes) changes.push_back({{"slot", c.slot}, {"from", c.before}, {"to", c.after}});
    step["changes"] = changes;
    step["hardware"] = s.number < states.size() ? hardware(system, states[s.number], cpus) : Json(nullptr);
    trace.push_back(step);
    schedule.push_back({{"step", s.number}, {"cpu", g.cpu}, {"task", g.process}, {"group", s.group.v}, {"choice", s.choice}});
    std::size_t lane = g.cpu >= 0 && g.cpu < cpus ? std::size_t(g.cpu) : std::size_t(cpus);
    if (std::find(lane_tasks[lane].begin(), lane_tasks[lane].end(), Json(g.process)) == lane_tasks[lane].end()) lane_tasks[lane].push_back(g.process);
    lane_steps[lane].push_back(s.number);
  }
  j["trace"] = trace;
  j["schedule"] = schedule;
  Json lanes = Json::array();
  for (int c = 0; c <= cpus; ++c) {
    if (c == cpus && lane_steps[std::size_t(c)].empty()) break;  // no step of no CPU: no such lane
    lanes.push_back({{"cpu", c == cpus ? -1 : c}, {"tasks", lane_tasks[std::size_t(c)]}, {"steps", lane_steps[std::size_t(c)]}});
  }
  j["cpus"] = lanes;
  return j;
}

std::string json_text(const nlohmann::json& json) { return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace tlbcheck::checker
