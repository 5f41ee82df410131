#include "model/load.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "model/lower/lower.hpp"
#include "model/lang/lexer.hpp"
#include "model/lang/parser.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

namespace {

// Resolves --property / --no-property against the built-in catalogue and the
// protocol's invariants: `--property NAME` checks only the properties so
// named, `--property +NAME` adds one to the defaults (a property checked on
// request), `--property -NAME` and `--no-property NAME` take one away.
// Returns false (with a diagnostic) on an unknown name.
bool select_properties(const AnalyzedModule& cm, const LoadOptions& options, std::vector<bool>& enabled, Diagnostics& diags) {
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
  std::vector<std::string> only, added, removed = options.disabled_properties;
  for (const std::string& n : options.only_properties) {
    if (!n.empty() && n[0] == '+') added.push_back(n.substr(1));
    else if (!n.empty() && n[0] == '-') removed.push_back(n.substr(1));
    else only.push_back(n);
  }
  enabled.assign(names.size(), only.empty());
  // a property checked on request (a built-in one, an invariant `on request`) only when named
  auto builtins = properties::builtin_properties();
  for (std::size_t i = 0; i < builtins.size(); ++i) {
    if (!builtins[i].by_default) enabled[i] = false;
  }
  for (std::size_t i = 0; i < cm.invariants.size(); ++i) {
    if (cm.invariants[i].on_request) enabled[properties::kFirstInvariant + i] = false;
  }
  bool ok = true;
  for (const std::vector<std::string>* named : {&only, &added}) {
    for (const auto& n : *named) {
      int i = index_of(n);
      if (i < 0) {
        diags.error(DiagKind::BadOption, nullptr, {}, "unknown property '" + n + "': expected one of " + all);
        ok = false;
      } else {
        enabled[std::size_t(i)] = true;
      }
    }
  }
  for (const auto& n : removed) {
    int i = index_of(n);
    if (i < 0) {
      diags.error(DiagKind::BadOption, nullptr, {}, "unknown property '" + n + "': expected one of " + all);
      ok = false;
    } else {
      enabled[std::size_t(i)] = false;
    }
  }
  // runtime errors leave no meaningful state behind: always checked
  for (std::size_t i = 0; i < builtins.size(); ++i) {
    if (!builtins[i].can_disable) {
      bool asked_off = false;
      for (const auto& n : removed) asked_off = asked_off || n == builtins[i].name;
      if (asked_off) {
        diags.error(DiagKind::BadOption, nullptr, {}, "property '" + std::string(builtins[i].name) + "' cannot be turned off: a state that broke it has no meaning");
        ok = false;
      }
      enabled[i] = true;
    }
  }
  return ok;
}


// The front end recurses over statements, expressions and inlined calls.
// Its limits bound that recursion: kMaxCallDepth inlined calls, each body
// nesting at most kMaxNesting levels of blocks, statements and parentheses,
// beside expressions at most kMaxExprHeight high. The deepest protocol they
// allow (tests/model/lower/limits_test.cpp) takes about 5 MB of stack in the
// release build and 20 MB in the sanitizer build, more than a main thread's
// usual 8 MB; 256 MiB holds it with a wide margin. The stack is reserved,
// not used: only the pages a protocol touches count.
constexpr std::size_t kFrontEndStack = std::size_t(256) << 20;

// Runs `work` on a thread with that stack (or here, if no thread can be
// made); an exception it throws is thrown again here.
void with_front_end_stack(const std::function<void()>& work) {
  struct Call {
    const std::function<void()>* work;
    std::exception_ptr error;
  } call{&work, nullptr};
  auto trampoline = [](void* arg) -> void* {
    auto* c = static_cast<Call*>(arg);
    try {
      (*c->work)();
    } catch (...) {
      c->error = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_t thread;
  bool started = pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, kFrontEndStack) == 0 &&
                 pthread_create(&thread, &attr, trampoline, &call) == 0;
  pthread_attr_destroy(&attr);
  if (started) {
    pthread_join(thread, nullptr);
  } else {
    trampoline(&call);
  }
  if (call.error) std::rethrow_exception(call.error);
}

// The files a protocol imports, each once, in an order where a file comes
// after every file it imports; the protocol itself last. An import is
// looked up in the importing file's folder, then in the bundled
// protocols/ folder (so `import "lib/spinlock.tlb"` finds protocols/lib/).
class Imports {
 public:
  explicit Imports(const std::map<std::string, std::string>& overlay) : overlay_(overlay) {}

  std::vector<std::pair<std::string, std::string>> files;  // (name, text)
  std::string rendered;                                     // the diagnostics, when it failed
  std::vector<Diagnostic> list;
  std::vector<std::string> overlay_used;  // canonical paths

  bool gather(const std::string& name, const std::string& text) {
    namespace fs = std::filesystem;
    const std::string key = file_key(name);
    stack_.push_back(key);
    SourceFile file(name, text);
    Diagnostics diags;
    std::vector<Token> tokens = lex(file, diags);
    Module module = parse(file, tokens, diags);
    bool ok = !diags.has_errors();
    for (const Decl& d : module.decls) {
      if (!ok) break;
      if (d.kind != DeclKind::Import) continue;
      const std::string wanted(d.text);
      std::string found;
      const fs::path here = fs::path(name).parent_path().empty() ? fs::path(".") : fs::path(name).parent_path();
      for (const fs::path& dir : {here, fs::path(TLBCHECK_PROTOCOLS_DIR)}) {
        std::error_code ec;
        if (found.empty() && fs::is_regular_file(dir / wanted, ec)) found = (dir / wanted).lexically_normal().string();
      }
      if (found.empty()) {
        diags.error(DiagKind::BadImport, &file, d.name_loc,
                    "cannot find '" + wanted + "': looked in '" + (here / "").string() + "' and in the bundled '" + TLBCHECK_PROTOCOLS_DIR + "/'");
        ok = false;
        break;
      }
      const std::string found_key = file_key(found);
      if (auto at = std::find(stack_.begin(), stack_.end(), found_key); at != stack_.end()) {
        std::string chain;
        for (auto it = at; it != stack_.end(); ++it) chain += fs::path(*it).filename().string() + " -> ";
        diags.error(DiagKind::ImportCycle, &file, d.name_loc, "import cycle: " + chain + fs::path(found_key).filename().string());
        ok = false;
        break;
      }
      if (done_.count(found_key) != 0) continue;  // imported once
      if (auto patched = overlay_.find(found_key); patched != overlay_.end()) {
        overlay_used.push_back(found_key);
        if (!gather(found, patched->second)) {
          stack_.pop_back();
          return false;
        }
        continue;
      }
      std::ifstream in(found, std::ios::binary);
      std::ostringstream contents;
      contents << in.rdbuf();
      if (!in) {
        diags.error(DiagKind::BadImport, &file, d.name_loc, "cannot read '" + found + "'");
        ok = false;
        break;
      }
      if (!gather(found, contents.str())) {
        stack_.pop_back();
        return false;
      }
    }
    if (!ok) {
      rendered += diags.render();
      for (Diagnostic diag : diags.all()) {
        diag.file = nullptr;  // (the file does not outlive this call)
        list.push_back(diag);
      }
      stack_.pop_back();
      return false;
    }
    stack_.pop_back();
    done_.insert(key);
    files.emplace_back(name, text);
    return true;
  }

 private:
  const std::map<std::string, std::string>& overlay_;
  std::vector<std::string> stack_;
  std::set<std::string> done_;
};

LoadResult load_on_this_stack(std::string name, std::string text, const LoadOptions& options) {
  LoadResult result;
  Imports imports(options.overlay);
  const bool gathered = imports.gather(name, text);
  result.overlay_used = imports.overlay_used;
  if (!gathered) {
    result.diagnostics = imports.rendered;
    result.list = imports.list;
    return result;
  }
  auto file = imports.files.size() == 1 ? std::make_unique<SourceFile>(std::move(name), std::move(text))
                                        : std::make_unique<SourceFile>(SourceFile::joined(imports.files));
  SourceFile defines_file("<command line>", defines_text(options.defines));
  Diagnostics diags;
  std::vector<Token> tokens = lex(*file, diags);
  Module module = parse(*file, tokens, diags);
  AnalyzedModule cm = analyze(std::move(module), options.defines, defines_file, diags);
  std::vector<bool> enabled;
  if (!diags.has_errors()) select_properties(cm, options, enabled, diags);
  if (!diags.has_errors()) {
    Lowered compiled = lower(cm, enabled, diags, !options.keep_dead);
    if (!diags.has_errors()) {
      result.system = std::make_unique<ModelSystem>(std::move(file), std::move(cm), std::move(compiled), std::move(enabled));
    }
  }
  result.diagnostics = diags.render();
  result.list = diags.all();
  for (auto& d : result.list) d.file = nullptr;  // the files do not outlive this call
  return result;
}

}  // namespace

std::string file_key(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path key = fs::weakly_canonical(fs::path(name), ec);
  if (ec) key = fs::absolute(fs::path(name), ec).lexically_normal();
  return key.string();
}

bool no_effect_only(const LoadResult& result) {
  bool any = false;
  for (const Diagnostic& d : result.list) {
    if (d.severity != Severity::Error) continue;
    if (d.kind != DiagKind::NoEffect) return false;
    any = true;
  }
  return any && !result.system;
}

bool outside_supported(const LoadResult& result) {
  return std::any_of(result.list.begin(), result.list.end(), [](const Diagnostic& d) { return d.kind == DiagKind::Unsupported; });
}

LoadResult load_text(std::string name, std::string text, const LoadOptions& options) {
  LoadResult result;
  try {
    with_front_end_stack([&] { result = load_on_this_stack(std::move(name), std::move(text), options); });
  } catch (const std::bad_alloc&) {
    // the limits keep the front end to a few hundred MB: this machine has less free
    Diagnostics diags;
    diags.error(DiagKind::StateTooLarge, nullptr, {}, "out of memory while compiling the protocol (the front end's limits allow it a few hundred MB; see LANGUAGE.md, 'Limits')");
    result = LoadResult{};
    result.diagnostics = diags.render();
    result.list = diags.all();
  }
  return result;
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
  auto unreadable = [&](const std::string& why) {
    LoadResult r;
    Diagnostics diags;
    diags.error(DiagKind::UnreadableFile, nullptr, {}, why);
    r.diagnostics = diags.render();
    r.list = diags.all();
    return r;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unreadable("'" + path + "' is a directory: expected a protocol file (.tlb)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unreadable("cannot read '" + path + "'");
  return load_text(path, text.str(), options);
}

}  // namespace tlbcheck::model
