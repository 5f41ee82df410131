#include "checker/replay.hpp"

#include "checker/explorer.hpp"
#include "checker/trace.hpp"

namespace tlbcheck::checker {

ReplayResult replay(const System& system, const nlohmann::json& doc, bool deadlock_enabled) {
  ReplayResult result;
  if (!doc.is_object() || !doc.contains("trace") || !doc["trace"].is_array()) {
    result.message = "the file holds no trace: expected a JSON object with a \"trace\" list";
    result.failed_step = 1;
    return result;
  }
  const nlohmann::json& steps = doc["trace"];
  auto groups = system.groups();
  auto props = system.properties();
  std::vector<Word> state(system.layout().words, 0);
  system.initial(state);
  auto scratch = system.make_scratch();
  std::vector<Word> next;
  auto violation_here = [&](std::size_t done) -> bool {
    Verdict v = system.check(state);
    if (v.violated) {
      result.confirmed = true;
      result.message = "confirmed: after step " + std::to_string(done) + " property '" + props[v.property.v].name + "' is violated";
      return true;
    }
    return false;
  };
  if (violation_here(0)) return result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const nlohmann::json& s = steps[i];
    std::string prefix = "step " + std::to_string(i + 1) + " does not apply: ";
    result.failed_step = int(i + 1);
    if (!s.is_object() || !s.contains("group") || !s["group"].is_number_unsigned() || !s.contains("choice") || !s["choice"].is_number_unsigned()) {
      result.message = prefix + "it lacks a numeric \"group\" and \"choice\"";
      return result;
    }
    std::uint64_t gid = s["group"].get<std::uint64_t>();
    if (gid >= groups.size()) {
      result.message = prefix + "the protocol has no transition group " + std::to_string(gid);
      return result;
    }
    const Group& g = groups[gid];
    if (s.contains("task") && s["task"].is_string() && s["task"].get<std::string>() != g.process) {
      result.message = prefix + "it names task '" + s["task"].get<std::string>() + "' but the protocol's group " + std::to_string(gid) + " belongs to '" + g.process + "'";
      return result;
    }
    std::uint32_t choice = s["choice"].get<std::uint32_t>();
    if (!successor(system, *scratch, state, GroupId{std::uint32_t(gid)}, choice, next)) {
      result.message = prefix + g.process + " cannot take '" + g.action + "' (" + std::string(g.loc.file) + ":" + std::to_string(g.loc.line) + ") in this state";
      return result;
    }
    System::StepText text = system.describe_step(state, GroupId{std::uint32_t(gid)}, next);
    if (s.contains("line") && s["line"].is_number() && s["line"].get<std::int64_t>() != std::int64_t(text.line)) {
      result.message = prefix + "it is at line " + std::to_string(s["line"].get<std::int64_t>()) + " but the protocol's step is at line " + std::to_string(text.line);
      return result;
    }
    std::vector<Change> changes = changes_between(system, state, next);
    if (s.contains("changes") && s["changes"].is_array()) {
      const nlohmann::json& recorded = s["changes"];
      bool same = recorded.size() == changes.size();
      for (std::size_t k = 0; same && k < changes.size(); ++k) {
        const nlohmann::json& c = recorded[k];
        same = c.is_object() && c.value("slot", "") == changes[k].slot && c.value("to", "") == changes[k].after;
      }
      if (!same) {
        std::string ours;
        for (const Change& c : changes) ours += (ours.empty() ? "" : ", ") + c.slot + " -> " + c.after;
        std::string theirs;
        for (const auto& c : recorded) {
          if (c.is_object()) theirs += (theirs.empty() ? "" : ", ") + c.value("slot", "?") + " -> " + c.value("to", "?");
        }
        result.message = prefix + "'" + g.action + "' changes {" + ours + "} but the trace records {" + theirs + "}";
        return result;
      }
    }
    state.swap(next);
    if (violation_here(i + 1)) {
      result.failed_step = 0;
      if (i + 1 < steps.size()) result.message += " (the trace goes on for " + std::to_string(steps.size() - i - 1) + " more steps)";
      return result;
    }
  }
  result.failed_step = 0;
  if (deadlock_enabled && !system.is_final(state)) {
    bool moves = false;
    system.next(state, *scratch, [&](GroupId, ConstStateRef) { moves = true; });
    if (!moves) {
      result.confirmed = true;
      result.message = "confirmed: after step " + std::to_string(steps.size()) + " no process can move (deadlock)";
      return result;
    }
  }
  result.message = "the trace applies, but its last state violates no property";
  return result;
}

}  // namespace tlbcheck::checker
