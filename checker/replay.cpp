#include "checker/replay.hpp"

#include "checker/explorer.hpp"
#include "checker/successors.hpp"
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
           c.optional(s, "action", p, text) && c.optional(s, "file", p, text) &&
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

ReplayResult replay(const System& system, const nlohmann::json& doc) {
  ReplayResult result;
  if (std::string shape = trace_shape_error(doc); !shape.empty()) {
    result.malformed = true;
    result.message = "not a trace: " + shape;
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
    std::uint64_t gid = s["group"].get<std::uint64_t>();
    if (gid >= groups.size()) {
      result.message = prefix + "the protocol has no transition group " + std::to_string(gid);
      return result;
    }
    const Group& g = groups[gid];
    if (s.contains("task") && !s["task"].is_null() && s["task"].get<std::string>() != g.process) {
      result.message = prefix + "it names task '" + s["task"].get<std::string>() + "' but the protocol's group " + std::to_string(gid) + " belongs to '" + g.process + "'";
      return result;
    }
    std::uint32_t choice = s["choice"].get<std::uint32_t>();
    if (!successor(system, *scratch, state, GroupId{std::uint32_t(gid)}, choice, next)) {
      result.message = prefix + g.process + " cannot take '" + g.action + "' (" + std::string(g.loc.file) + ":" + std::to_string(g.loc.line) + ") in this state";
      return result;
    }
    System::StepText text = system.describe_step(state, GroupId{std::uint32_t(gid)}, next);
    if (s.contains("line") && !s["line"].is_null() && s["line"].get<std::uint64_t>() != text.line) {
      result.message = prefix + "it is at line " + std::to_string(s["line"].get<std::uint64_t>()) + " but the protocol's step is at line " + std::to_string(text.line);
      return result;
    }
    std::vector<Change> changes = changes_between(system, state, next);
    if (s.contains("changes") && !s["changes"].is_null()) {
      const nlohmann::json& recorded = s["changes"];
      bool same = recorded.size() == changes.size();
      for (std::size_t k = 0; same && k < changes.size(); ++k) {
        const nlohmann::json& c = recorded[k];
        same = c["slot"].get<std::string>() == changes[k].slot && c["to"].get<std::string>() == changes[k].after;
      }
      if (!same) {
        std::string ours;
        for (const Change& c : changes) ours += (ours.empty() ? "" : ", ") + c.slot + " -> " + c.after;
        std::string theirs;
        for (const auto& c : recorded) theirs += (theirs.empty() ? "" : ", ") + c["slot"].get<std::string>() + " -> " + c["to"].get<std::string>();
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
  if (system.deadlock_property() && !system.is_final(state)) {
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
