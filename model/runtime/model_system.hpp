// ModelSystem: a compiled protocol as a checker::System. Owns the source,
// the analysed module and the program. Its parts:
//   model_system.cpp  construction: the groups (one per process location,
//                     one per hardware transition) and the properties
//   transitions.cpp   next(), next_in_group(), check(): the steps of the
//                     processes and of the hardware, and the verdicts
//   vm.cpp            the bytecode interpreter (exec, eval)
//   native.cpp        the same steps compiled to C (--engine native, check's default with a C compiler)
//   explain.cpp       explanations and trace labels
//   format.cpp        values and source lines for people
//
// Thread-safety: immutable after construction; every const member is safe to
// call from many threads, each with its own Scratch.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/system.hpp"
#include "model/bytecode/program.hpp"
#include "model/lang/source.hpp"
#include "model/lower/lower.hpp"
#include "model/machine/machine.hpp"
#include "model/runtime/native.hpp"
#include "model/runtime/symmetry.hpp"
#include "model/sema/sema.hpp"
#include "properties/stale_cache.hpp"
#include "properties/stale_translation.hpp"

namespace tlbcheck::model {

// A statement a re-run step ran, in the call it ran in (Program::contexts).
struct Ran {
  std::uint32_t ctx = 0;
  std::uint32_t src = 0;  // the statement's source offset
  std::int32_t builtin = -1;  // a machine built-in it called (Builtin), or -1
  std::uint32_t ip = 0;       // its first instruction (not compared)
  friend bool operator==(Ran a, Ran b) { return a.ctx == b.ctx && a.src == b.src && a.builtin == b.builtin; }
};

class ModelSystem final : public checker::System {
 public:
  ModelSystem(std::unique_ptr<SourceFile> file, AnalyzedModule module, Lowered compiled, std::vector<bool> enabled);

  std::string_view name() const override { return module_.protocol; }
  const checker::Layout& layout() const override { return layout_; }
  std::span<const checker::Group> groups() const override { return groups_; }
  std::span<const checker::PropertyInfo> properties() const override { return properties_; }

  void initial(checker::StateRef out) const override;
  std::unique_ptr<checker::Scratch> make_scratch() const override;
  void next(checker::ConstStateRef s, checker::Scratch& scratch, checker::EmitFn emit) const override;
  void next_in_group(checker::ConstStateRef s, checker::Scratch& scratch, checker::GroupId group, checker::EmitFn emit) const override;
  std::optional<checker::PropertyId> deadlock_property() const override;
  checker::Verdict check(checker::ConstStateRef s) const override;
  bool is_final(checker::ConstStateRef s) const override;
  bool symmetric() const override { return symmetry_on_ && renaming_->any(); }
  void canonicalize(checker::StateRef s, checker::Scratch& scratch, std::vector<std::uint32_t>* renaming = nullptr) const override;
  void canonicalize_successor(checker::StateRef s, checker::ConstStateRef parent, checker::Scratch& scratch) const override;
  void rename(checker::ConstStateRef s, std::span<const std::uint32_t> renaming, checker::StateRef out) const override;
  // CPU symmetry reduction: on by default where the model has interchangeable
  // CPUs; `false` turns it off (--no-symmetry). Call before exploring.
  void set_symmetry(bool on) { symmetry_on_ = on; }
  const CpuRenaming& renaming() const { return *renaming_; }
  // Partial-order reduction: the groups' read and write sets (por.cpp)
  // built on first use (--por): it reads the whole code once per group
  const checker::PorInfo* por_info() const override {
    std::call_once(por_built_, [this] { build_por(); });
    return &por_;
  }
  void enabling_slots(checker::ConstStateRef s, checker::GroupId group, std::vector<std::uint32_t>& out) const override;
  std::string constraint() const override;
  bool expand(checker::ConstStateRef s) const override;
  std::string format_slot(std::uint32_t slot, checker::ConstStateRef s) const override;
  bool is_dead(checker::ConstStateRef s, std::uint32_t slot) const override;
  std::string explain_violation(checker::ConstStateRef before, checker::GroupId group,
                                checker::ConstStateRef after) const override;
  std::string explain_deadlock(checker::ConstStateRef s) const override;
  StepText describe_step(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const override;
  std::vector<HardwareLine> hardware_view(checker::ConstStateRef s, int cpu) const override;
  ViolationFacts violation_facts(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const override;
  std::vector<std::string> invalidations(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after, bool data_cache) const override;
  std::vector<std::uint32_t> involved_slots(checker::ConstStateRef before, checker::GroupId group,
                                            checker::ConstStateRef after) const override;

  const AnalyzedModule& module() const { return module_; }
  const Program& program() const { return program_; }
  const std::vector<OptionInfo>& options() const { return module_.options; }
  const std::vector<bool>& enabled() const { return enabled_; }

  // Runs steps as compiled C from now on (model/native.hpp). On failure
  // returns false, says why in `error`, and keeps the interpreter.
  bool use_native(std::string& error);
  const NativeCode* native() const { return native_.get(); }

 private:
  struct Scratch;

  // A step re-run to explain it: the instruction that ended it and what it
  // reported (the offending value, the machine's effect, the page).
  struct StepRecord {
    std::uint32_t end_ip = 0;
    std::int64_t value = 0;
    machine::Effect effect;
    std::int64_t page = -1;
    std::vector<Ran> ran;  // the statements it ran, in order (each once in a row)
  };
  // The run of a step of `group` from `before` that leads to `after`, if one does.
  std::optional<StepRecord> rerun(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const;
  // What the machine reported, in the terms of the property that judged it.
  properties::StaleUse stale_use(const machine::Effect& effect, bool task_space) const;
  properties::CacheRead cache_read(const machine::Effect& effect) const;
  int cpu_with_freed_root(const checker::Word* s) const;  // freed-root: the first such CPU, or -1
  int failing_constraint(const checker::Word* s) const;   // a constraint that cannot be evaluated here, or -1

  // partial-order reduction (por.cpp)
  void build_por() const;
  void code_footprint(std::int64_t pid, std::uint32_t entry, const std::vector<std::uint32_t>& reset, std::vector<std::uint32_t>& reads,
                      std::vector<std::uint32_t>& writes) const;
  void dynamic_slots(std::uint32_t ip, std::vector<std::uint32_t>& out) const;

  std::int64_t read(std::uint32_t slot, const checker::Word* s) const;
  void write(std::uint32_t slot, checker::Word* s, std::int64_t v) const;
  void run_process(std::uint32_t p, checker::ConstStateRef s, Scratch& w, checker::EmitFn emit) const;
  void run_hardware(std::uint32_t g, checker::ConstStateRef s, Scratch& w, checker::EmitFn emit) const;
  bool runnable(const ProcessInstance& p, const checker::Word* s) const;
  void exec(std::uint32_t ip, checker::Word* st, int depth, Scratch& w, int sp = 0) const;
  template <bool kTrail>
  void exec_steps(std::uint32_t ip, checker::Word* st, int depth, Scratch& w, int sp) const;
  void start(std::uint32_t ip, checker::Word* st, Scratch& w) const;  // a step: native or interpreted
  void emit_violation(Scratch& w, std::uint32_t ip, std::int32_t site, std::int64_t value, checker::Word* st) const;
  static void native_end(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st);
  static void native_violate(const NativeEnv* env, std::uint32_t ip, std::int32_t site, std::int64_t value, std::uint64_t* st);
  static void native_resume(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st, int depth, const std::int64_t* stack, int sp);
  std::optional<std::int64_t> eval(std::uint32_t entry, const checker::Word* st) const;
  std::string where(std::uint32_t src) const;      // "file.tlb:12"
  // The statement that begins at `src`, on one line, comments left out: up
  // to its `;`, or an if's or while's condition, or a block's `{`.
  std::string statement_text(std::uint32_t src) const;
  std::vector<std::string> call_chain(std::uint32_t ctx) const;  // outermost first
  // Numbers every statement among those of the same text in its function,
  // task or handler, in source order (StepText::occurrence), into occurrence_.
  void number_statements();
  std::string terms_text(const std::vector<std::pair<std::string, std::uint32_t>>& terms, const checker::Word* st) const;
  std::string format_value(std::uint32_t slot, std::int64_t v) const;

  std::unique_ptr<SourceFile> file_;
  AnalyzedModule module_;
  Program program_;
  std::vector<SiteTerms> site_terms_;
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> invariant_terms_;
  std::vector<Witness> invariant_witness_;
  std::vector<bool> enabled_;
  unsigned access_claims_ = 0;  // the kernel's claims an access is judged against (machine::Machine::Claims), once
  checker::Layout layout_;
  std::vector<checker::Group> groups_;
  std::vector<std::uint32_t> group_process_;
  std::unordered_map<std::uint32_t, std::uint32_t> occurrence_;  // a statement's source offset -> its StepText::occurrence
  std::vector<checker::PropertyInfo> properties_;
  // the machine
  machine::Machine machine_;
  struct HwGroup {
    enum Kind : std::uint8_t { Deliver, Speculate, Preempt, Writeback, Evict } kind;
    int cpu;
    int index;  // the irq, the page, the task, or the cache line (colour * frames + frame)
  };
  std::vector<HwGroup> hw_groups_;
  std::uint32_t first_hw_group_ = 0;
  std::unique_ptr<NativeCode> native_;
  std::unique_ptr<CpuRenaming> renaming_;  // CPU symmetry (built from program_)
  bool symmetry_on_ = true;
  mutable checker::PorInfo por_;
  mutable std::once_flag por_built_;
};

}  // namespace tlbcheck::model
