// Explanations: a step re-run to find what it did, the one-sentence
// reason a property is violated (each property's words are in
// properties/), what a trace step is labelled with, and the slots whose
// history explains a violation.
#include "model/runtime/model_system.hpp"

#include <algorithm>
#include <filesystem>

#include "model/runtime/scratch.hpp"
#include "properties/assertion.hpp"
#include "properties/catalogue.hpp"
#include "properties/deadlock.hpp"
#include "properties/freed_root.hpp"
#include "properties/asid_alias.hpp"
#include "properties/invariant.hpp"
#include "properties/runtime_error.hpp"
#include "properties/stale_cache.hpp"
#include "properties/stale_translation.hpp"
#include "properties/sw_use_after_free.hpp"
#include "properties/break_before_make.hpp"
#include "properties/dirty_dropped.hpp"
#include "properties/lost_write.hpp"
#include "properties/model_bound.hpp"
#include "properties/stale_permission.hpp"

namespace tlbcheck::model {

std::optional<ModelSystem::StepRecord> ModelSystem::rerun(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  Scratch w(*this, program_.words);
  std::vector<Ran> trail;
  w.trail = &trail;
  std::optional<StepRecord> found;
  next_in_group(before, w, group, [&](checker::GroupId, checker::ConstStateRef succ) {
    if (!found && std::equal(succ.begin(), succ.end(), after.begin(), after.end())) found = StepRecord{w.end_ip, w.diag_value, w.diag_effect, w.diag_page, trail};
  });
  return found;
}

std::string ModelSystem::explain_violation(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  std::int64_t site_id = read(program_.violation_slot, after.data());
  if (site_id == 0) {
    checker::Verdict v = check(after);
    if (!v.violated) return "no property is violated";
    if (v.property.v == std::uint32_t(properties::BuiltinProperty::FreedRoot)) {
      const int c = cpu_with_freed_root(after.data());
      const std::int64_t root = machine_.loaded_root(after.data(), c);
      return properties::explain_freed_root(c, root, machine::frame_state(machine_.frame_kind(after.data(), root)));
    }
    if (v.property.v == std::uint32_t(properties::BuiltinProperty::RuntimeError)) {  // (only a constraint fails this way)
      const int i = failing_constraint(after.data());
      const InvariantInfo& c = module_.constraints[std::size_t(std::max(i, 0))];
      return "runtime-error: the constraint '" + std::string(c.name) + "' (" + where(c.loc.offset) +
             ") cannot be evaluated in this state: a division by zero, an index outside its array or a cpu outside the machine";
    }
    if (v.property.v == std::uint32_t(properties::BuiltinProperty::AsidAlias)) {
      const machine::Machine::AsidAliasAt at = machine_.asid_alias(after.data());
      properties::AsidAlias alias;
      alias.cpu = at.cpu;
      alias.asid = at.asid;
      alias.mm = module_.mms[std::size_t(at.mm)].name;
      alias.page = module_.pages[std::size_t(at.page)].name;
      alias.frame = at.frame;
      for (std::size_t m = 0; m < module_.mms.size(); ++m) {
        if ((at.owners >> m) & 1) alias.owner += (alias.owner.empty() ? "" : " and ") + module_.mms[m].name;
      }
      return "asid-alias: " + properties::explain_asid_alias(alias);
    }
    std::uint32_t i = v.property.v - properties::kFirstInvariant;
    const InvariantInfo& inv = module_.invariants[i];
    properties::BrokenInvariant broken{std::string(inv.name), where(inv.loc.offset), "", terms_text(invariant_terms_[i], after.data())};
    const Witness& wit = invariant_witness_[i];
    for (std::size_t k = 0; k < wit.values.size(); ++k) {  // name the value that breaks a forall
      auto holds = eval(wit.values[k].second, after.data());
      if (holds && *holds != 0) continue;
      broken.witness = wit.var + " = " + wit.values[k].first;
      broken.values = terms_text(wit.terms[k], after.data());
      break;
    }
    return properties::explain_invariant(broken);
  }
  const Site& site = program_.sites[std::size_t(site_id)];
  // Re-run the step to recover the offending value.
  const StepRecord record = rerun(before, group, after).value_or(StepRecord{});
  const std::int64_t value = record.value, page = record.page;
  const machine::Effect& effect = record.effect;
  if (std::size_t(site_id) == program_.speculation_site) {
    const HwGroup& hg = hw_groups_[group.v - first_hw_group_];
    return properties::explain_speculation(stale_use(effect, false), module_.pages[std::size_t(hg.index)].name, hg.cpu);
  }
  const ProcessInstance& proc = program_.processes[site.process];
  properties::StepContext context{statement_text(site.src), proc.name + " on cpu" + std::to_string(proc.cpu), where(site.src), ""};
  const std::string page_name = page >= 0 && std::size_t(page) < module_.pages.size() ? module_.pages[std::size_t(page)].name : std::string("?");
  switch (site.kind) {
    case SiteKind::Assert:
    case SiteKind::BugOn:
    case SiteKind::Bug:
      context.values = terms_text(site_terms_[std::size_t(site_id)].terms, after.data());
      return properties::explain_assertion(site.kind == SiteKind::Assert ? properties::AssertionKind::Assert
                                           : site.kind == SiteKind::BugOn ? properties::AssertionKind::BugOn
                                                                          : properties::AssertionKind::Bug,
                                           context);
    case SiteKind::Range: {
      const ModelSlot& slot = program_.slots[site.slot];
      return properties::explain_model_bound(value, slot.pub.name, slot.pub.type, slot.decl_src != 0 ? where(slot.decl_src) : "", context);
    }
    case SiteKind::Index: return properties::explain_bad_index(value, context);
    case SiteKind::DivZero: return properties::explain_division_by_zero(context);
    case SiteKind::CpuRange: return properties::explain_bad_cpu(value, module_.cpus, context);
    case SiteKind::Runaway: return properties::explain_runaway(context);
    case SiteKind::Stale: return properties::explain_access(stale_use(effect, proc.task >= 0), page_name, context);
    case SiteKind::Machine: return properties::explain_machine_error(effect.runtime, context);
    case SiteKind::StaleCache:
      if (site.src == 0 && std::size_t(site_id) == program_.cache_site) return "stale-cache: " + properties::explain(cache_read(effect));
      return properties::explain_access(cache_read(effect), context);
    case SiteKind::NoFaultHandler: return properties::explain_no_fault_handler(page_name, context);
    case SiteKind::SwUseAfterFree: return properties::explain_walker_read(effect.frame, machine::frame_state(machine::FrameKind(effect.other)), context);
    case SiteKind::StalePermission: {
      const properties::StalePermissionUse& use = effect.perm;
      return properties::explain_stale_permission(use, module_.mms[std::size_t(use.mm)].name, module_.pages[std::size_t(use.page)].name, context);
    }
    case SiteKind::LostWrite: return properties::explain_lost_write(effect.lost, page_name, context);
    case SiteKind::DirtyDropped: return properties::explain_store_after_writeback(effect.frame, page_name, context);
    case SiteKind::BreakBeforeMake: {
      const std::int32_t p = effect.bbm.page;
      return properties::explain_break_before_make(effect.bbm, p >= 0 && std::size_t(p) < module_.pages.size() ? module_.pages[std::size_t(p)].name : "?", context);
    }
  }
  return "violation";
}

// The machine's report of a stale translation, in the property's terms.
properties::StaleUse ModelSystem::stale_use(const machine::Effect& effect, bool task_space) const {
  properties::StaleUse use;
  use.why = effect.stale;
  use.frame = effect.frame;
  use.maps = effect.other;
  use.task_space = task_space;
  if (effect.stale == properties::StaleTranslation::ForeignFrame) {
    for (std::size_t m = 0; m < module_.mms.size() && effect.other > 0; ++m) {
      if ((effect.other >> m) & 1) use.owners.push_back(module_.mms[m].name);
    }
  }
  return use;
}

// The machine's report of a stale read, in the property's terms.
properties::CacheRead ModelSystem::cache_read(const machine::Effect& effect) const {
  properties::CacheRead read;
  read.frame = effect.frame;
  read.word = effect.word;
  read.show_word = program_.machine.words > 1;
  read.alias = effect.colour;
  read.alias_is_kernel = effect.colour == machine_.kernel_colour();
  read.value = effect.value;
  read.latest = effect.other;
  read.dirty_alias = effect.dirty_colour;
  read.dirty_is_kernel = effect.dirty_colour == machine_.kernel_colour();
  return read;
}

void ModelSystem::number_statements() {
  const Module& m = module_.module;
  for (const Decl& d : m.decls) {
    if (!d.body.valid()) continue;
    std::unordered_map<std::string, std::uint32_t> seen;  // per text, in this body
    // depth first in list order: the statements in the order they are written
    std::vector<StmtId> todo{d.body};
    while (!todo.empty()) {
      const Stmt& s = m.at(todo.back());
      todo.pop_back();
      if (s.kind != StmtKind::Block) occurrence_[s.loc.offset] = ++seen[statement_text(s.loc.offset)];
      std::vector<StmtId> inner = s.list;
      for (StmtId id : {s.body, s.else_body}) {
        if (id.valid()) inner.push_back(id);
      }
      for (auto it = inner.rbegin(); it != inner.rend(); ++it) todo.push_back(*it);
    }
  }
}

checker::System::StepText ModelSystem::describe_step(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  const checker::Group& g = groups_[group.v];
  StepText text{g.action, g.loc.line};
  if (group.v >= first_hw_group_) {  // what the hardware did (the group's action), not where something was declared
    text.line = 0;
    return text;
  }
  std::optional<StepRecord> record = rerun(before, group, after);
  if (!record) return text;
  const Instr& in = program_.code[record->end_ip];
  if (in.op == Op::Resume) {  // the switch away from a preempted task
    std::int64_t next = machine_.get(after.data(), program_.hw.current[std::size_t(program_.processes[group_process_[group.v]].cpu)]);
    text.action = "[preempted] switch to " + (next >= 0 ? module_.task_names[std::size_t(next)] : std::string("none"));
    return text;
  }
  // A step is labelled with the statement that ended it: the one whose
  // effect on shared state made it a step (LANGUAGE.md, "Steps"). A step of
  // local statements only that runs into the end of the body has none: it
  // is labelled with where it began.
  if (in.op != Op::Yield && op_is(in.op, kEnds) && in.extra == kBodyEnd) return text;
  text.action = statement_text(in.src);
  text.calls = call_chain(in.ctx);
  if (in.extra == kBranchTrue || in.extra == kBranchFalse) text.branch = in.extra == kBranchTrue;
  std::uint32_t label_src = in.src;  // the statement the step is named after
  if (in.extra == kAtomicEnd) {  // every statement of the block, callees' included, in the order they ran, each once
    std::vector<Ran> shown;
    for (const Ran& r : record->ran) {
      if (r.builtin >= 0 || r.ip < std::uint32_t(in.c) || r.ip >= record->end_ip) continue;
      if (std::find(shown.begin(), shown.end(), r) == shown.end()) shown.push_back(r);
    }
    for (std::size_t k = 0; k < shown.size(); ++k) {
      if (k == 0) {  // the step is named after the block's first statement, in its calls
        text.action = statement_text(shown[k].src);
        text.calls = call_chain(shown[k].ctx);
        continue;
      }
      std::string s = statement_text(shown[k].src);
      if (shown[k].ctx != shown[0].ctx && shown[k].ctx != 0) s = program_.contexts[shown[k].ctx] + ": " + s;
      text.more.push_back(s);
    }
    if (!shown.empty()) label_src = shown[0].src;
  }
  // the other functions whose code the step ran (a call's local statements
  // merge into the step of the next shared one), each named once, in order
  const auto function_of = [&](std::uint32_t ctx) {
    const std::string& call = program_.contexts[ctx];
    return call.substr(0, call.find('('));
  };
  for (const Ran& r : record->ran) {
    if (r.ctx == 0 || r.ctx == in.ctx) continue;
    if (in.extra == kAtomicEnd && r.ip >= std::uint32_t(in.c) && r.ip < record->end_ip) continue;  // (listed above)
    const std::string fn = function_of(r.ctx);
    if (in.ctx != 0 && fn == function_of(in.ctx)) continue;
    if (std::find(text.calls.begin(), text.calls.end(), program_.contexts[r.ctx]) != text.calls.end()) continue;  // (named in the chain)
    if (std::find(text.also_ran.begin(), text.also_ran.end(), fn) == text.also_ran.end()) text.also_ran.push_back(fn);
  }
  if (auto it = occurrence_.find(label_src); it != occurrence_.end()) text.occurrence = it->second;
  text.line = file_->line_of(label_src);
  if (file_->imported(label_src)) text.file = std::filesystem::path(file_->name_at(label_src)).filename().string();
  return text;
}

std::vector<std::uint32_t> ModelSystem::involved_slots(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  std::int64_t site_id = read(program_.violation_slot, after.data());
  SiteKind kind = site_id == 0 ? SiteKind::Assert : program_.sites[std::size_t(site_id)].kind;
  if (kind != SiteKind::Stale && kind != SiteKind::StaleCache && kind != SiteKind::StalePermission && kind != SiteKind::LostWrite && kind != SiteKind::DirtyDropped) return {};
  const machine::Effect effect = rerun(before, group, after).value_or(StepRecord{}).effect;
  if (effect.frame < 0) return {};
  std::size_t f = std::size_t(effect.frame);
  if (effect.stale_permission) {
    // when the entry changed, and when the change was declared complete
    const std::size_t i = std::size_t(effect.perm.mm) * module_.pages.size() + std::size_t(effect.perm.page);
    std::vector<std::uint32_t> slots;
    const std::int64_t leaf = machine_.entry_at(after.data(), effect.perm.mm, effect.perm.page).slot;
    if (leaf >= 0) slots.push_back(std::uint32_t(leaf));
    slots.push_back(program_.hw.narrowing[i]);
    return slots;
  }
  if (effect.lost.mark != properties::FrameCopy::None) return {program_.hw.copied[f]};  // when it was copied
  switch (effect.stale) {
    case properties::StaleTranslation::ForeignFrame: return {program_.hw.owner[f]};
    case properties::StaleTranslation::CowWrite: return {program_.hw.maps[f]};
    default:
      if (effect.stale_read) return {program_.hw.latest[f * std::size_t(program_.machine.words) + std::size_t(effect.word)]};
      return {program_.hw.kind[f]};
  }
}

std::string ModelSystem::explain_deadlock(checker::ConstStateRef s) const {
  std::vector<properties::Blocked> blocked;
  for (const ProcessInstance& p : program_.processes) {
    std::int64_t loc = read(p.pc_slot, s.data());
    if (loc == 0) continue;
    const Instr& in = program_.code[p.locations[std::size_t(loc)]];
    blocked.push_back({p.name, p.cpu, in.ctx != 0 ? program_.contexts[in.ctx] : "", where(in.src), statement_text(in.src)});
  }
  return properties::explain_deadlock(blocked);
}

std::string ModelSystem::terms_text(const std::vector<std::pair<std::string, std::uint32_t>>& terms, const checker::Word* st) const {
  std::string out;
  for (const auto& [text, entry] : terms) {
    auto v = eval(entry, st);
    // format like the slot the term finally reads (for an element: its array's first slot)
    std::string shown = v ? std::to_string(*v) : "?";
    if (v) {
      std::uint32_t j = entry;
      for (; j < program_.code.size() && program_.code[j].op != Op::Return; ++j) {
        const Instr& in = program_.code[j];
        if (in.op == Op::Load || in.op == Op::LoadDyn) shown = format_value(std::uint32_t(in.a), *v);
      }
      const Instr& last = program_.code[j - 1];  // a machine read: its result's type, from the built-ins table
      if (j > entry && last.op == Op::Hw) {
        switch (builtin_info(Builtin(last.a)).result) {
          case TypeKind::Frame: shown = *v < 0 ? "none" : "frame" + std::to_string(*v); break;
          case TypeKind::Task: shown = *v < 0 ? "none" : module_.task_names[std::size_t(*v)]; break;
          case TypeKind::Bool: shown = *v ? "true" : "false"; break;
          case TypeKind::Pte: shown = machine_.pte().format(*v); break;
          default: shown = std::to_string(*v); break;
        }
      }
    }
    out += (out.empty() ? "" : ", ") + text + " = " + shown;
  }
  return out;
}

}  // namespace tlbcheck::model

namespace tlbcheck::model {

std::vector<checker::System::HardwareLine> ModelSystem::hardware_view(checker::ConstStateRef s, int cpu) const {
  std::vector<HardwareLine> out = checker::System::hardware_view(s, cpu);
  if (!program_.has_machine || cpu < 0) return out;
  const machine::Slots& ms = machine_.slots();
  const checker::Word* st = s.data();
  // the mm whose page directory a root is
  const auto mm_of_root = [&](std::int64_t root) -> int {
    for (std::size_t m = 0; m < module_.mms.size() && root >= 0; ++m) {
      if (machine_.get(st, ms.pgd[m]) == root) return int(m);
    }
    return -1;
  };
  const std::int64_t root = machine_.loaded_root(st, cpu);
  const int root_mm = mm_of_root(root);
  std::vector<HardwareLine> head;
  head.push_back({"root", root < 0 ? "none" : "frame" + std::to_string(root) + (root_mm >= 0 ? " (" + module_.mms[std::size_t(root_mm)].name + ".pgd)" : ""), "",
                  ms.cr3[std::size_t(cpu)]});
  if (machine_.tags() > 1 || machine_.config().asids > 0) {
    const std::int64_t tag = machine_.current_tag(st, cpu);
    head.push_back({machine_.config().asids > 0 ? "asid" : "pcid", tag < 0 ? "none (a root that is no mm's)" : std::to_string(tag), "", UINT32_MAX});
  }
  // a TLB entry is stale when its frame is free, or the page table it was
  // filled from (the loaded one, or the mm its PCID names) no longer gives it
  const std::int64_t tags = machine_.tags(), pages = machine_.pages();
  for (HardwareLine& line : out) {
    const std::string prefix = "cpu" + std::to_string(cpu) + ".";
    if (line.name.rfind(prefix, 0) == 0) line.name = line.name.substr(prefix.size());
    for (std::int64_t tag = 0; tag < tags; ++tag) {
      for (std::int64_t page = 0; page < pages; ++page) {
        if (ms.tlb[std::size_t((cpu * tags + tag) * pages + page)] != line.slot) continue;
        const std::int64_t raw = machine_.get(st, line.slot);
        if (!machine_.pte().holds_frame(raw)) continue;
        const std::int64_t frame = machine_.pte().frame(raw);
        const std::string& page_name = module_.pages[std::size_t(page)].name;
        if (machine_.frame_kind(st, frame) == machine::FrameKind::Free) {
          line.note = "stale: frame" + std::to_string(frame) + " is free";
          continue;
        }
        int mm = -1;
        if (machine_.config().asids > 0) mm = tag == machine_.current_tag(st, cpu) ? root_mm : -1;
        else if (machine_.config().pcid && tags > 1) mm = int(tag);
        else mm = root_mm;
        if (mm < 0) continue;
        const std::int64_t now = machine_.translation(st, mm, page);
        const std::string& mm_name = module_.mms[std::size_t(mm)].name;
        if (!machine_.pte().present(now)) line.note = "stale: " + page_name + " is unmapped in " + mm_name;
        else if (machine_.pte().frame(now) != frame) line.note = "stale: " + mm_name + " maps " + page_name + " to frame" + std::to_string(machine_.pte().frame(now)) + " now";
        else if (machine_.pte().writable(raw) && !machine_.pte().writable(now)) line.note = "stale: " + page_name + " is read-only in " + mm_name + " now";
      }
    }
  }
  // a walk-cache entry is stale when the table it points to is no longer one
  const std::vector<machine::WalkKey>& keys = machine_.walk_keys();
  for (HardwareLine& line : out) {
    for (std::size_t k = 0; k < std::size_t(tags) * keys.size() && line.note.empty(); ++k) {
      if (ms.walk[std::size_t(cpu) * std::size_t(tags) * keys.size() + k] != line.slot) continue;
      const std::int64_t raw = machine_.get(st, line.slot);
      if (raw == 0) continue;
      const std::int64_t frame = machine::WalkEntry::frame(raw);
      const machine::FrameKind kind = machine_.frame_kind(st, frame);
      if (kind != machine::FrameKind::Table) line.note = "stale: frame" + std::to_string(frame) + " is " + (kind == machine::FrameKind::Free ? "free" : "no page table") + " now";
    }
  }
  head.insert(head.end(), out.begin(), out.end());
  return head;
}

}  // namespace tlbcheck::model

namespace tlbcheck::model {

checker::System::ViolationFacts ModelSystem::violation_facts(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  ViolationFacts f = checker::System::violation_facts(before, group, after);
  const std::int64_t site_id = read(program_.violation_slot, after.data());
  if (site_id == 0 || !program_.has_machine) return f;
  const StepRecord record = rerun(before, group, after).value_or(StepRecord{});
  std::int64_t page = record.page;
  if (std::size_t(site_id) == program_.speculation_site && group.v >= first_hw_group_) page = hw_groups_[group.v - first_hw_group_].index;
  if (record.effect.frame >= 0) f.frame = "frame" + std::to_string(record.effect.frame);
  const Site& site = program_.sites[std::size_t(site_id)];
  if (site.kind == SiteKind::StaleCache && record.effect.frame >= 0 && program_.machine.colours > 0) {
    // the line the read went through, and the dirty line of another colour it missed
    const machine::Effect& e = record.effect;
    f.data_cache = true;
    if (e.colour >= 0) f.cached.push_back(machine_.line_slot(e.colour, e.frame, int(e.word)));
    if (e.dirty_colour >= 0 && e.dirty_colour != e.colour) f.cached.push_back(machine_.line_slot(e.dirty_colour, e.frame, int(e.word)));
  }
  if (page < 0 || std::size_t(page) >= module_.pages.size()) return f;
  f.page = module_.pages[std::size_t(page)].name;
  const int cpu = f.cpu;
  if (cpu < 0) return f;
  const machine::Slots& ms = machine_.slots();
  const checker::Word* st = before.data();
  // the TLB entry the access went through, if it held one
  const std::int64_t tag = machine_.current_tag(st, cpu), tags = machine_.tags(), pages = machine_.pages();
  if (tag >= 0 && tag < tags) {
    const std::uint32_t slot = ms.tlb[std::size_t((cpu * tags + tag) * pages + page)];
    if (machine_.pte().holds_frame(machine_.get(st, slot))) f.cached.push_back(slot);
  }
  // or the walk-cache entry that led to the frame
  if (f.cached.empty() && tag >= 0 && tag < tags && record.effect.frame >= 0) {
    const std::vector<machine::WalkKey>& keys = machine_.walk_keys();
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (keys[k].prefix != machine_.prefix_at(page, keys[k].level)) continue;
      const std::uint32_t slot = ms.walk[std::size_t(cpu * tags + tag) * keys.size() + k];
      const std::int64_t raw = machine_.get(st, slot);
      if (raw != 0 && machine::WalkEntry::frame(raw) == record.effect.frame) f.cached.push_back(slot);
    }
  }
  // the page-table entry of the address space loaded on that CPU
  const std::int64_t root = machine_.loaded_root(st, cpu);
  for (std::size_t m = 0; m < module_.mms.size() && root >= 0; ++m) {
    if (machine_.get(st, ms.pgd[m]) != root) continue;
    const machine::Machine::EntryAt at = machine_.entry_at(st, std::int64_t(m), page);
    if (at.slot >= 0) f.table.push_back(std::uint32_t(at.slot));
    break;
  }
  return f;
}

std::vector<std::string> ModelSystem::invalidations(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after, bool data_cache) const {
  std::vector<std::string> out;
  if (group.v >= first_hw_group_) return out;
  const std::optional<StepRecord> record = rerun(before, group, after);
  if (!record) return out;
  const int cpu = program_.processes[group_process_[group.v]].cpu;
  for (const Ran& r : record->ran) {
    if (r.builtin < 0) continue;
    const BuiltinInfo& info = builtin_info(Builtin(r.builtin));
    if ((info.flags & (data_cache ? builtin_flag::kFlushesCache : builtin_flag::kInvalidates)) == 0) continue;
    std::string text = std::string(info.name) + (info.needs_cpu() ? " on cpu" + std::to_string(cpu) + " only" : " (every CPU)");
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
  }
  return out;
}

}  // namespace tlbcheck::model
