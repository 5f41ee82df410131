// Settings that do not fit: an option or machine field whose value means
// nothing in this configuration (NoEffect: an error when -D set it, a
// warning in the file, so a bundled protocol keeps loading), and a run
// outside the machine settings the protocol declares it supports
// (Unsupported: a warning; the run goes on and its report says so).
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A line's text after "//", or nullopt when the line is not a comment.
std::optional<std::string_view> comment_line(std::string_view line) {
  line = trimmed(line);
  if (line.substr(0, 2) != "//") return std::nullopt;
  return trimmed(line.substr(2));
}

void collect_names(const Module& m, ExprId id, std::vector<std::string_view>& names) {
  if (!id.valid()) return;
  const Expr& e = m.at(id);
  if (e.kind == ExprKind::Name) names.push_back(e.name);
  for (ExprId a : e.args) collect_names(m, a, names);
}

}  // namespace

std::string declaration_comment(std::string_view text, std::uint32_t offset) {
  // the first byte of the line that holds `at`
  auto line_start = [&](std::size_t at) {
    const std::size_t newline = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    return newline == std::string_view::npos ? 0 : newline + 1;
  };
  std::vector<std::string_view> above;
  for (std::size_t start = line_start(offset); start > 0;) {
    const std::size_t prev = line_start(start - 1);
    auto c = comment_line(text.substr(prev, start - 1 - prev));
    if (!c) break;
    above.insert(above.begin(), *c);
    start = prev;
  }
  std::string out;
  for (std::string_view c : above) out += (out.empty() ? "" : " ") + std::string(c);
  const std::string_view rest = text.substr(offset, std::min(text.size(), text.find('\n', offset)) - offset);
  if (const std::size_t slashes = rest.find("//"); slashes != std::string_view::npos) {
    const std::string_view beside = trimmed(rest.substr(slashes + 2));
    if (!beside.empty()) out += (out.empty() ? "" : " ") + std::string(beside);
  }
  return out;
}

int Analysis::define_index(std::string_view name) const {
  for (std::size_t i = defines_.size(); i-- > 0;) {
    if (defines_[i].name == name || (name == "dcache.colours" && defines_[i].name == "dcache")) return int(i);
  }
  return -1;
}

void Analysis::option_condition(const Decl& d, OptionInfo& option, std::int64_t declared) {
  Context ctx;
  Type b = make(TypeKind::Bool, 0, 1);
  const std::size_t errors = diags_.error_count();
  Type t = check_expr(d.condition, ctx, &b);
  if (t.kind == TypeKind::Error && diags_.error_count() == errors) {
    // (a variable's type is not known yet in this pass: it is no constant either)
    error(DiagKind::NotConstant, d.condition_loc, "the condition of option '" + std::string(d.name) + "' must be known before exploration (options and constants)");
  }
  if (t.kind == TypeKind::Error) return;
  if (!t.scalar_is(TypeKind::Bool)) {
    error(DiagKind::TypeMismatch, d.condition_loc, "the condition of option '" + std::string(d.name) + "' must be a bool, not '" + type_text(t) + "'");
    return;
  }
  auto holds = node(d.condition).cval;
  if (!holds) {
    error(DiagKind::NotConstant, d.condition_loc, "the condition of option '" + std::string(d.name) + "' must be known before exploration (options and constants)");
    return;
  }
  option.condition = std::string(file_->text().substr(d.condition_loc.offset, d.condition_loc.length));
  const int i = define_index(d.name);
  if (*holds || option.value == declared || i < 0) return;
  std::vector<std::string_view> names;
  collect_names(out_.module, d.condition, names);
  std::string values;
  for (std::string_view n : names) {
    for (const OptionInfo& o : out_.options) {
      if (o.name == n && values.find(o.name + "=") == std::string::npos) values += (values.empty() ? "" : ", ") + o.name + "=" + o.shown;
    }
  }
  diags_.error(DiagKind::NoEffect, &defines_file_, define_value_loc(std::size_t(i)),
               option.name + "=" + option.shown + " has no effect: it needs " + option.condition + (values.empty() ? "" : " (" + values + ")") +
                   "; the protocol declares it meaningful only then (" + file_->name() + ":" + std::to_string(file_->line_of(d.loc.offset)) + ")");
}

void Analysis::note_setting(std::string_view field) {
  if (int i = define_index(field); i >= 0) {
    diags_.note(&defines_file_, define_value_loc(std::size_t(i)), "set here");
  } else if (auto at = machine_field_locs_.find(std::string(field)); at != machine_field_locs_.end()) {
    diags_.note(file_, at->second, "set here");
  }
}

void Analysis::check_machine_dependencies() {
  const machine::Uses uses{out_.uses_machine, !out_.irqs.empty()};
  for (const machine::FieldSpec& spec : machine::fields()) {
    if (machine::at_default(spec, out_.machine)) continue;
    const machine::FieldDependency* dep = machine::broken_dependency(spec.name, out_.machine, uses);
    if (dep == nullptr) continue;
    std::string here;
    for (const machine::FieldSpec& on : machine::fields()) {
      if (on.name == dep->on) here = " (" + std::string(on.name) + "=" + machine::field_text(on, out_.machine) + ")";
    }
    const std::string message = std::string(spec.name) + "=" + machine::field_text(spec, out_.machine) + " has no effect: it needs " +
                                std::string(dep->condition) + here + "; " + std::string(dep->why);
    // -D set the field: refused. -D broke its condition: the run still means
    // something (it is the machine asked for), so only a warning; the same
    // for the protocol's own machine block.
    if (int i = define_index(spec.name); i >= 0) {
      diags_.error(DiagKind::NoEffect, &defines_file_, define_value_loc(std::size_t(i)), message);
    } else if (int j = dep->on.empty() ? -1 : define_index(dep->on); j >= 0) {
      diags_.warning(DiagKind::NoEffect, &defines_file_, define_value_loc(std::size_t(j)), message);
    } else {
      auto at = machine_field_locs_.find(std::string(spec.name));
      diags_.warning(DiagKind::NoEffect, file_, at != machine_field_locs_.end() ? at->second : machine_loc_, message);
    }
  }
}

void Analysis::declare_supports(const Decl& d) {
  const machine::FieldSpec* spec = nullptr;
  for (const machine::FieldSpec& fs : machine::fields()) {
    if (fs.name == d.name) spec = &fs;
  }
  if (spec == nullptr) {
    std::string known;
    for (const machine::FieldSpec& fs : machine::fields()) known += (known.empty() ? "" : ", ") + std::string(fs.name);
    error(DiagKind::BadMachine, d.name_loc, "unknown machine field '" + std::string(d.name) + "': expected one of " + known);
    return;
  }
  std::int64_t bounds[2] = {0, 0};
  const ExprId exprs[2] = {d.value, d.last.valid() ? d.last : d.value};
  for (int k = 0; k < 2; ++k) {
    Context ctx;
    Type t = check_expr(exprs[k], ctx, nullptr);
    if (t.kind == TypeKind::Error) return;
    auto v = node(exprs[k]).cval;
    const bool kind_ok = spec->boolean ? t.scalar_is(TypeKind::Bool) && !d.last.valid() : int_like(t);
    if (!kind_ok || !v) {
      error(DiagKind::BadMachine, node(exprs[k]).loc,
            "'supports " + std::string(d.name) + "' needs a constant " + (spec->boolean ? "bool: supports FIELD = true|false" : "integer"));
      return;
    }
    if (*v < spec->lo || *v > spec->hi) {
      error(DiagKind::BadMachine, node(exprs[k]).loc, std::string(d.name) + " = " + std::to_string(*v) + " is outside " + std::to_string(spec->lo) + ".." + std::to_string(spec->hi));
      return;
    }
    bounds[k] = *v;
  }
  if (bounds[0] > bounds[1]) {
    error(DiagKind::BadRange, d.condition_loc, "'supports " + std::string(d.name) + " in " + std::to_string(bounds[0]) + ".." + std::to_string(bounds[1]) + "' is empty");
    return;
  }
  SupportInfo s;
  s.field = std::string(d.name);
  s.lo = bounds[0];
  s.hi = bounds[1];
  s.text = std::string(file_->text().substr(d.condition_loc.offset, d.condition_loc.length));
  s.reason = std::string(d.text);
  s.loc = d.condition_loc;
  out_.supports.push_back(std::move(s));
}

void Analysis::check_supports() {
  for (SupportInfo& s : out_.supports) {
    for (const machine::FieldSpec& spec : machine::fields()) {
      if (spec.name != s.field) continue;
      const std::int64_t v = spec.boolean ? (out_.machine.*(spec.bool_field) ? 1 : 0) : out_.machine.*(spec.int_field);
      s.found = s.field + "=" + machine::field_text(spec, out_.machine);
      s.holds = v >= s.lo && v <= s.hi;
    }
    if (s.holds) continue;
    diags_.warning(DiagKind::Unsupported, file_, s.loc,
                   s.found + " is outside the settings this protocol supports (supports " + s.text + ")" + (s.reason.empty() ? "" : ": " + s.reason) +
                       "; checking anyway");
    note_setting(s.field);
  }
}

}  // namespace tlbcheck::model::sema
