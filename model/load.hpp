// The front end as one call: protocol text + options -> a System, or
// diagnostics. lex -> parse -> check -> compile.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/sema/sema.hpp"
#include "model/lang/diagnostics.hpp"
#include "model/runtime/model_system.hpp"

namespace tlbcheck::model {

struct LoadOptions {
  std::vector<Define> defines;               // -D NAME=VALUE
  std::vector<std::string> only_properties;  // --property NAME (empty: all)
  std::vector<std::string> disabled_properties;  // --no-property NAME
  // Texts that stand in for files an import names (check --patch): keyed by
  // file_key() of the file's name.
  std::map<std::string, std::string> overlay;
  // --keep-dead: no dead-variable reset (lower/liveness.cpp), so a variable
  // keeps its last value after its last use, as written (to measure the
  // reduction, or to compare with another tool's state count)
  bool keep_dead = false;
};

// The name a file is known by (imports, --patch overlays): its canonical
// path, or, for one that has none (a pipe read as /dev/stdin), its name made
// absolute.
std::string file_key(const std::string& name);

struct LoadResult {
  std::unique_ptr<ModelSystem> system;  // null when there were errors
  std::string diagnostics;              // rendered errors and warnings
  std::vector<Diagnostic> list;         // the same, unrendered
  std::vector<std::string> overlay_used;  // the LoadOptions::overlay entries an import read
};

// Whether the load failed only because a -D set something that means
// nothing in this configuration (NoEffect errors, the first sentence of
// each short enough for a table cell): a matrix of runs marks such a cell
// "n/a" instead of running it.
bool no_effect_only(const LoadResult& result);
// Whether the run is outside the machine settings the protocol declares
// it supports (Unsupported warnings; the system is loaded all the same).
bool outside_supported(const LoadResult& result);

LoadResult load_text(std::string name, std::string text, const LoadOptions& options);
LoadResult load_file(const std::string& path, const LoadOptions& options);

}  // namespace tlbcheck::model
