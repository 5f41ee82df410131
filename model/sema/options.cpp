// The -D values: each must name an option or a machine field and fit its
// type; one that is never used is an error.
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

Loc Analysis::define_value_loc(std::size_t i) const {
  std::uint32_t offset = 0;
  // each line of defines_text(): "-D NAME=VALUE\n"
  for (std::size_t k = 0; k < i; ++k) offset += static_cast<std::uint32_t>(5 + defines_[k].name.size() + defines_[k].value.size());
  offset += static_cast<std::uint32_t>(3 + defines_[i].name.size() + 1);
  return {offset, static_cast<std::uint32_t>(std::max<std::size_t>(1, defines_[i].value.size()))};
}

std::optional<std::int64_t> Analysis::take_define(const std::string& name, const Type& t) {
  std::optional<std::int64_t> result;
  for (std::size_t i = 0; i < defines_.size(); ++i) {
    if (defines_[i].name != name) continue;
    used_define_[i] = true;
    const std::string& text = defines_[i].value;
    std::optional<std::int64_t> v;
    if (t.kind == TypeKind::Bool) {
      if (text == "true" || text == "1") v = 1;
      else if (text == "false" || text == "0") v = 0;
    } else if (t.kind == TypeKind::Enum) {
      const auto& members = out_.enums[t.enum_id].members;
      auto it = std::find(members.begin(), members.end(), text);
      if (it != members.end()) v = it - members.begin();
    } else {
      std::size_t used = 0;
      try {
        long long parsed = std::stoll(text, &used, 0);
        if (used == text.size()) v = parsed;
      } catch (...) {
      }
    }
    if (!v || !in_range(t, *v)) {
      std::string expect;
      if (t.kind == TypeKind::Enum) {
        for (const auto& mem : out_.enums[t.enum_id].members) expect += (expect.empty() ? "" : ", ") + mem;
        expect = "one of " + expect;
      } else if (t.kind == TypeKind::Bool) {
        expect = "true or false";
      } else {
        expect = "an integer in " + std::to_string(t.lo) + ".." + std::to_string(t.hi);
      }
      diags_.error(DiagKind::BadOption, &defines_file_, define_value_loc(i),
                   "bad value '" + text + "' for option '" + name + "': expected " + expect);
      continue;
    }
    result = v;
  }
  return result;
}

void Analysis::report_unused_defines() {
  for (std::size_t i = 0; i < defines_.size(); ++i) {
    if (used_define_[i]) continue;
    std::string known;
    for (const auto& o : out_.options) known += (known.empty() ? "" : ", ") + o.name;
    Loc loc = define_value_loc(i);
    loc.offset -= static_cast<std::uint32_t>(defines_[i].name.size() + 1);
    loc.length = static_cast<std::uint32_t>(defines_[i].name.size());
    diags_.error(DiagKind::BadOption, &defines_file_, loc,
                 "unknown option '" + defines_[i].name + "': expected one of " + (known.empty() ? "(none)" : known));
  }
}

bool Analysis::in_range(const Type& t, std::int64_t v) {
  switch (t.kind) {
    case TypeKind::Bool: return v == 0 || v == 1;
    case TypeKind::Int: case TypeKind::Cpu: return v >= t.lo && v <= t.hi;
    default: return true;
  }
}

std::string Analysis::show_value(const Type& t, std::int64_t v) const {
  if (t.kind == TypeKind::Bool) return v ? "true" : "false";
  if (t.kind == TypeKind::Enum && v >= 0 && std::size_t(v) < out_.enums[t.enum_id].members.size()) return out_.enums[t.enum_id].members[v];
  return std::to_string(v);
}

}  // namespace tlbcheck::model::sema
