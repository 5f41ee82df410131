#include "checker/trace.hpp"

namespace tlbcheck::checker {

nlohmann::json render_json(const System& system, const Report& report) {
  const ExploreResult& r = report.result;
  nlohmann::json j;
  j["protocol"] = report.protocol;
  j["file"] = report.file;
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, value] : report.options) options[name] = value;
  j["options"] = options;
  j["verdict"] = r.outcome == Outcome::Violated && report.model_error ? std::string("model-error") : outcome_name(r.outcome);
  if (!system.constraint().empty()) {
    j["constraint"] = system.constraint();
    j["not_expanded"] = r.not_expanded;
  }
  j["property"] = r.outcome == Outcome::Violated ? nlohmann::json(report.property) : nlohmann::json(nullptr);
  j["explanation"] = r.outcome == Outcome::Violated ? nlohmann::json(report.explanation) : nlohmann::json(nullptr);
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
  if (r.outcome == Outcome::Incomplete) j["stopped_by"] = r.stopped_by;
  j["compact"] = r.compact;
  if (r.compact) j["omission_probability"] = r.omission_probability;
  nlohmann::json trace = nlohmann::json::array();
  auto groups = system.groups();
  for (const Step& s : report.steps) {
    const Group& g = groups[s.group.v];
    nlohmann::json step;
    step["step"] = s.number;
    step["cpu"] = g.cpu;
    step["task"] = g.process;
    step["context"] = g.context;
    step["action"] = s.action;
    if (!s.also_ran.empty()) step["also_ran"] = s.also_ran;
    step["file"] = std::string(g.loc.file);
    step["line"] = s.line;
    step["group"] = s.group.v;
    step["choice"] = s.choice;
    nlohmann::json changes = nlohmann::json::array();
    for (const Change& c : s.changes) changes.push_back({{"slot", c.slot}, {"from", c.before}, {"to", c.after}});
    step["changes"] = changes;
    trace.push_back(step);
  }
  j["trace"] = trace;
  return j;
}

std::string json_text(const nlohmann::json& json) { return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace tlbcheck::checker
