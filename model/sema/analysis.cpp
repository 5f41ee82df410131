// The analysis as a whole: the passes in order (analysis.hpp lists them).
#include "model/sema/analysis.hpp"

namespace tlbcheck::model::sema {

// Edit distance, for "did you mean" hints.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Analysis::Analysis(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags)
    : defines_(defines), defines_file_(defines_file), diags_(diags) {
  out_.module = std::move(module);
  file_ = out_.module.file;
  used_define_.assign(defines.size(), false);
}

AnalyzedModule Analysis::run() {
  declare_all();
  if (!diags_.saturated()) evaluate_globals();
  if (!diags_.saturated()) evaluate_machine();
  if (!diags_.saturated()) check_bodies();
  if (!diags_.saturated()) check_recursion();
  if (!diags_.saturated()) check_machine_dependencies();
  if (!diags_.saturated()) check_supports();
  if (!diags_.has_errors()) find_cpu_symmetry_facts();
  if (!diags_.has_errors()) find_value_symmetry_facts();
  report_unused_defines();
  if (out_.processes.empty() && !diags_.has_errors()) {
    bool empty = out_.module.decls.empty();
    diags_.error(empty ? DiagKind::EmptyFile : DiagKind::NoProcess, file_, {0, 1},
                 empty ? "the file declares nothing: expected at least one process"
                       : "the protocol declares no process: expected 'process NAME on cpu N { ... }'");
  }
  if (out_.protocol.empty()) out_.protocol = file_->name();
  return std::move(out_);
}

}  // namespace tlbcheck::model::sema
