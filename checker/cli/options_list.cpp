#include "checker/cli/options_list.hpp"

#include <algorithm>

namespace tlbcheck::cli {

namespace {

using Json = nlohmann::json;

// A value typed as the JSON report types options: bool, enum name, integer.
Json typed(const model::Type& t, const std::string& shown) {
  if (t.kind == model::TypeKind::Bool) return shown == "true";
  if (t.kind == model::TypeKind::Enum) return shown;
  try {
    return std::stoll(shown);
  } catch (...) {
    return shown;
  }
}

Json option_json(const model::AnalyzedModule& m, const model::OptionInfo& o) {
  Json j{{"name", o.name}};
  if (o.type.kind == model::TypeKind::Bool) {
    j["type"] = "bool";
  } else if (o.type.kind == model::TypeKind::Enum) {
    j["type"] = "enum";
    j["members"] = m.enums[o.type.enum_id].members;
  } else {
    j["type"] = "int";
    j["lo"] = o.type.lo;
    j["hi"] = o.type.hi;
  }
  j["default"] = typed(o.type, o.default_shown);
  j["value"] = typed(o.type, o.shown);
  j["comment"] = o.comment;
  j["only_if"] = o.condition;
  return j;
}

bool defined(const std::vector<model::Define>& defines, std::string_view field) {
  return std::any_of(defines.begin(), defines.end(),
                     [&](const model::Define& d) { return d.name == field || (field == "dcache.colours" && d.name == "dcache"); });
}

bool in_machine_block(const model::Module& module, std::string_view field) {
  for (const model::Decl& d : module.decls) {
    if (d.kind != model::DeclKind::Machine) continue;
    for (const model::MachineField& f : d.fields) {
      if (f.name == field) return true;
    }
  }
  return false;
}

Json field_json(const model::AnalyzedModule& m, const model::machine::FieldSpec& spec, const std::vector<model::Define>& defines) {
  namespace machine = model::machine;
  static const machine::Config defaults;
  auto value = [&](const machine::Config& c) -> Json {
    if (spec.boolean) return c.*(spec.bool_field);
    return c.*(spec.int_field);
  };
  Json j{{"name", spec.name}, {"type", spec.boolean ? "bool" : "int"}};
  if (!spec.boolean) {
    j["lo"] = spec.lo;
    j["hi"] = spec.hi;
  }
  j["default"] = value(defaults);
  j["value"] = value(m.machine);
  j["set_by"] = defined(defines, spec.name) ? "-D" : in_machine_block(m.module, spec.name) ? "machine" : "default";
  j["meaning"] = spec.meaning;
  Json needs = Json::array();
  for (const machine::FieldDependency& d : machine::dependencies()) {
    if (d.field == spec.name) needs.push_back({{"condition", d.condition}, {"why", d.why}});
  }
  j["needs"] = needs;
  return j;
}

std::string scalar_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string type_text(const Json& o) {
  if (o["type"] == "enum") {
    std::string members;
    for (const Json& mem : o["members"]) members += (members.empty() ? "" : ", ") + mem.get<std::string>();
    return "one of " + members;
  }
  if (o["type"] == "int") return "int " + scalar_text(o["lo"]) + ".." + scalar_text(o["hi"]);
  return "bool";
}

}  // namespace

Json options_json(const model::ModelSystem& system, const std::string& file, const std::vector<model::Define>& defines) {
  const model::AnalyzedModule& m = system.module();
  Json j{{"protocol", m.protocol}, {"file", file}};
  Json options = Json::array();
  for (const model::OptionInfo& o : m.options) {
    if (!o.machine) options.push_back(option_json(m, o));
  }
  j["options"] = options;
  Json fields = Json::array();
  for (const model::machine::FieldSpec& spec : model::machine::fields()) fields.push_back(field_json(m, spec, defines));
  j["machine"] = fields;
  Json supports = Json::array();
  for (const model::SupportInfo& s : m.supports) {
    supports.push_back({{"supports", s.text}, {"reason", s.reason}, {"setting", s.found}, {"holds", s.holds}});
  }
  j["supports"] = supports;
  return j;
}

std::string options_text(const Json& listing) {
  std::string out = "protocol: " + listing["protocol"].get<std::string>() + " (" + listing["file"].get<std::string>() + ")\n\n";
  out += "options (set with -D NAME=VALUE):\n";
  if (listing["options"].empty()) out += "  (none)\n";
  for (const Json& o : listing["options"]) {
    out += "  " + o["name"].get<std::string>() + " = " + scalar_text(o["value"]) + "   (" + type_text(o) + "; default " + scalar_text(o["default"]);
    if (!o["only_if"].get<std::string>().empty()) out += "; meaningful only if " + o["only_if"].get<std::string>();
    out += ")\n";
    if (!o["comment"].get<std::string>().empty()) out += "      " + o["comment"].get<std::string>() + "\n";
  }
  out += "\nmachine fields (set in machine { ... } or with -D NAME=VALUE):\n";
  for (const Json& f : listing["machine"]) {
    out += "  " + f["name"].get<std::string>() + " = " + scalar_text(f["value"]) + "   (" + type_text(f) + "; default " + scalar_text(f["default"]);
    if (f["set_by"] != "default") out += "; set by " + f["set_by"].get<std::string>();
    for (const Json& n : f["needs"]) out += "; needs " + n["condition"].get<std::string>();
    out += ")\n      " + f["meaning"].get<std::string>() + "\n";
  }
  out += "\nsupports (the machine settings the protocol was written for):\n";
  if (listing["supports"].empty()) out += "  (none declared)\n";
  for (const Json& s : listing["supports"]) {
    out += "  " + s["supports"].get<std::string>() + (s["reason"].get<std::string>().empty() ? "" : ": " + s["reason"].get<std::string>());
    out += s["holds"].get<bool>() ? "\n" : "   <-- this run: " + s["setting"].get<std::string>() + "\n";
  }
  return out;
}

}  // namespace tlbcheck::cli
