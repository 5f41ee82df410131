// What the lowering may expand into (lower.hpp's limits), located where it
// is crossed, and the evaluation stack checked over the whole program
// (bytecode/stack_check.hpp).
#include "model/lower/lowering.hpp"

namespace tlbcheck::model::lowering {

std::string Lowering::chain_text() const {
  std::string text;
  std::size_t n = inline_chain_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 8 && i == 4) {
      text += " > ... (" + std::to_string(n - 7) + " more)";
      i = n - 4;
    }
    text += (i == 0 ? "" : " > ") + inline_chain_[i].first;
  }
  return text;
}

void Lowering::give_up_statements() {
  std::uint32_t at = inline_chain_.empty() ? cur_src_ : inline_chain_.front().second;
  std::string where = inline_chain_.empty() ? "" : " (the limit is crossed inside " + chain_text() + ")";
  diags_.error(DiagKind::StateTooLarge, module_.file, {at, 1},
               "'" + instance_name_ + "' has more than " + std::to_string(kMaxInlinedStatements) + " statements once its calls are inlined" + where +
                   ": call the functions from fewer places, or from a loop");
  gave_up_ = true;
}

void Lowering::check_evaluation_stack() {
  Program& p = out_.program;
  std::vector<std::uint32_t> entries;
  for (const ProcessInstance& proc : p.processes) {
    entries.insert(entries.end(), proc.locations.begin() + (proc.locations.empty() ? 0 : 1), proc.locations.end());
    if (proc.preempt_entry != 0) entries.push_back(proc.preempt_entry);
    if (proc.zombie_entry != 0) entries.push_back(proc.zombie_entry);
  }
  entries.insert(entries.end(), p.invariant_entry.begin(), p.invariant_entry.end());
  entries.insert(entries.end(), p.constraint_entry.begin(), p.constraint_entry.end());
  auto terms = [&](const std::vector<std::pair<std::string, std::uint32_t>>& list) {
    for (const auto& t : list) entries.push_back(t.second);
  };
  for (const SiteTerms& st : out_.site_terms) terms(st.terms);
  for (const auto& list : out_.invariant_terms) terms(list);
  for (const Witness& w : out_.invariant_witness) {
    terms(w.values);
    for (const auto& list : w.terms) terms(list);
  }
  StackCheck check = check_stack(p.code, entries, kMaxStack);
  p.max_stack = check.max_depth;
  if (check.kind == StackCheck::Problem::TooDeep) {
    diags_.error(DiagKind::StateTooLarge, module_.file, {p.code[check.at].src, 1}, "expression too deep to evaluate: " + check.problem);
  } else if (!check.ok()) {
    assert(false && "the lowering left the evaluation stack unbalanced");
    diags_.error(DiagKind::Internal, module_.file, {p.code[check.at].src, 1}, "the compiled code is wrong here (" + check.problem + "): a bug of tlbcheck, please report it with this protocol");
  }
}

}  // namespace tlbcheck::model::lowering
