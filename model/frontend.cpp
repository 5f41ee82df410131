#include "model/frontend.hpp"

#include <fstream>
#include <sstream>

#include "model/compile.hpp"
#include "model/lexer.hpp"
#include "model/parser.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

namespace {

// Resolves --property / --no-property against the built-in catalogue and the
// protocol's invariants. Returns false (with a diagnostic) on an unknown name.
bool select_properties(const CheckedModule& cm, const LoadOptions& options, std::vector<bool>& enabled, Diagnostics& diags) {
  std::vector<std::string> names;
  for (const auto& p : properties::builtin_properties()) names.emplace_back(p.name);
  for (const auto& inv : cm.invariants) names.emplace_back(inv.name);
  auto index_of = [&](const std::string& n) -> int {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == n) return int(i);
    }
    return -1;
  };
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  enabled.assign(names.size(), options.only_properties.empty());
  // an invariant `on request` is checked only when named
  for (std::size_t i = 0; i < cm.invariants.size(); ++i) {
    if (cm.invariants[i].on_request) enabled[properties::kFirstInvariant + i] = false;
  }
  bool ok = true;
  for (const auto& n : options.only_properties) {
    int i = index_of(n);
    if (i < 0) {
      diags.error(DiagKind::BadOption, nullptr, {}, "unknown property '" + n + "': expected one of " + all);
      ok = false;
    } else {
      enabled[std::size_t(i)] = true;
    }
  }
  for (const auto& n : options.disabled_properties) {
    int i = index_of(n);
    if (i < 0) {
      diags.error(DiagKind::BadOption, nullptr, {}, "unknown property '" + n + "': expected one of " + all);
      ok = false;
    } else {
      enabled[std::size_t(i)] = false;
    }
  }
  // runtime errors leave no meaningful state behind: always checked
  auto builtins = properties::builtin_properties();
  for (std::size_t i = 0; i < builtins.size(); ++i) {
    if (!builtins[i].can_disable) {
      bool asked_off = false;
      for (const auto& n : options.disabled_properties) asked_off = asked_off || n == builtins[i].name;
      if (asked_off) {
        diags.error(DiagKind::BadOption, nullptr, {}, "property '" + std::string(builtins[i].name) + "' cannot be turned off: a state that broke it has no meaning");
        ok = false;
      }
      enabled[i] = true;
    }
  }
  return ok;
}

}  // namespace

LoadResult load_text(std::string name, std::string text, const LoadOptions& options) {
  LoadResult result;
  auto file = std::make_unique<SourceFile>(std::move(name), std::move(text));
  SourceFile defines_file("<command line>", defines_text(options.defines));
  Diagnostics diags;
  std::vector<Token> tokens = lex(*file, diags);
  Module module = parse(*file, tokens, diags);
  CheckedModule cm = check(std::move(module), options.defines, defines_file, diags);
  std::vector<bool> enabled;
  if (!diags.has_errors()) select_properties(cm, options, enabled, diags);
  if (!diags.has_errors()) {
    Compiled compiled = compile(cm, enabled, diags);
    result.deadlock_enabled = enabled[std::size_t(properties::BuiltinProperty::Deadlock)];
    if (!diags.has_errors()) {
      result.system = std::make_unique<ModelSystem>(std::move(file), std::move(cm), std::move(compiled), std::move(enabled));
    }
  }
  result.diagnostics = diags.render();
  result.list = diags.all();
  for (auto& d : result.list) d.file = nullptr;  // the files do not outlive this call
  return result;
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    Diagnostics diags;
    diags.error(DiagKind::UnreadableFile, nullptr, {}, "cannot read '" + path + "'");
    r.diagnostics = diags.render();
    r.list = diags.all();
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(path, text.str(), options);
}

}  // namespace tlbcheck::model
