#include "checker/trace.hpp"

#include "checker/successors.hpp"

#include <algorithm>

namespace tlbcheck::checker {

std::string outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Holds: return "holds";
    case Outcome::Violated: return "violated";
    case Outcome::Incomplete: return "incomplete";
  }
  return "?";
}

std::vector<Change> changes_between(const System& system, ConstStateRef before, ConstStateRef after) {
  std::vector<Change> out;
  const Layout& layout = system.layout();
  for (std::uint32_t i = 0; i < layout.slots.size(); ++i) {
    const Slot& slot = layout.slots[i];
    if (slot.internal || slot.width == 0) continue;
    if (slot_bits(slot, before) == slot_bits(slot, after)) continue;
    if (system.is_dead(after, i)) continue;  // reset where it is dead: not a change anyone made
    out.push_back({slot.name, system.format_slot(i, before), system.format_slot(i, after)});
  }
  return out;
}

namespace {

// How the violating state came to be, from the history of the slots the
// violation names: when the cache entry it went through was filled, every
// change of the page-table entry since, the invalidations that ran and the
// interrupts its CPU took without losing the entry, what happened to the
// frame, and the violating step.
void cause_chain(const System& system, Report& report) {
  const Trace& t = report.result.trace;
  const Layout& layout = system.layout();
  const std::size_t n = t.groups.size();
  ConstStateRef before = t.states[n - 1], after = t.states[n];
  const System::ViolationFacts facts = system.violation_facts(before, t.groups.back(), after);
  Violation& v = report.violation;
  v.cpu = facts.cpu;
  v.task = facts.task;
  v.page = facts.page;
  v.frame = facts.frame;
  v.step = std::uint32_t(n);
  const auto changed = [&](std::uint32_t slot, std::size_t i) {  // at step i (1-based)
    return slot_bits(layout.slots[slot], t.states[i - 1]) != slot_bits(layout.slots[slot], t.states[i]);
  };
  const auto who = [&](std::size_t i) {
    const Group& g = system.groups()[t.groups[i - 1].v];
    System::StepText text = system.describe_step(t.states[i - 1], t.groups[i - 1], t.states[i]);
    return "(" + g.process + ": " + text.action + ")";
  };
  const auto change = [&](std::uint32_t slot, std::size_t i) {
    return layout.slots[slot].name + ": " + system.format_slot(slot, t.states[i - 1]) + " -> " + system.format_slot(slot, t.states[i]);
  };
  std::vector<Cause> chain;
  std::size_t filled = 0;          // the step that filled the entry the access went through
  std::string entry;               // and that entry's name
  for (std::uint32_t slot : facts.cached) {
    for (std::size_t i = n; i-- > 1;) {
      if (!changed(slot, i)) continue;
      if (i >= filled) entry = layout.slots[slot].name;
      filled = std::max(filled, i);
      chain.push_back({std::uint32_t(i), std::string(facts.data_cache ? "the line was filled, " : "the entry was filled, ") + change(slot, i) + " " + who(i)});
      break;
    }
  }
  for (std::uint32_t slot : facts.table) {
    for (std::size_t i = filled + 1; i < n; ++i) {
      if (changed(slot, i)) chain.push_back({std::uint32_t(i), "the page table changed, " + change(slot, i) + " " + who(i)});
    }
  }
  if (!entry.empty()) {
    for (std::size_t i = filled + 1; i < n; ++i) {
      const Group& g = system.groups()[t.groups[i - 1].v];
      for (const std::string& inv : system.invalidations(t.states[i - 1], t.groups[i - 1], t.states[i], facts.data_cache)) {
        chain.push_back({std::uint32_t(i), inv + " ran " + who(i) + ": " + entry + " survived it"});
      }
      if (!facts.data_cache && g.context == "hardware" && g.cpu == facts.cpu) {
        System::StepText text = system.describe_step(t.states[i - 1], t.groups[i - 1], t.states[i]);
        if (text.action.rfind("takes the", 0) == 0) chain.push_back({std::uint32_t(i), "cpu" + std::to_string(g.cpu) + " " + text.action + "; " + entry + " survived its handler"});
      }
    }
  }
  for (std::uint32_t slot : facts.memory) {
    for (std::size_t i = n; i-- > 1;) {
      if (!changed(slot, i)) continue;
      chain.push_back({std::uint32_t(i), layout.slots[slot].name + " became " + system.format_slot(slot, t.states[i]) + " " + who(i)});
      break;
    }
  }
  std::stable_sort(chain.begin(), chain.end(), [](const Cause& a, const Cause& b) { return a.step < b.step; });
  chain.push_back({std::uint32_t(n), "the violating step " + who(n) + (facts.page.empty() ? "" : ", on page " + facts.page) +
                                         (facts.frame.empty() ? "" : ", " + facts.frame)});
  v.cause = std::move(chain);
}

}  // namespace

std::string step_function(const Group& g, const std::vector<std::string>& calls) {
  if (!calls.empty()) return calls.back().substr(0, calls.back().find('('));
  if (g.context == "hardware") return "";
  const std::string suffix = "@cpu" + std::to_string(g.cpu);
  const bool tagged = g.process.size() > suffix.size() && g.process.compare(g.process.size() - suffix.size(), suffix.size(), suffix) == 0;
  return tagged ? g.process.substr(0, g.process.size() - suffix.size()) : g.process;
}

std::vector<Step> describe_steps(const System& system, const Trace& t) {
  std::vector<Step> steps;
  auto scratch = system.make_scratch();
  for (std::size_t i = 0; i < t.groups.size(); ++i) {
    Step step;
    step.number = static_cast<std::uint32_t>(i + 1);
    step.group = t.groups[i];
    // which of the group's successors the trace took
    step.choice = choice_of(system, *scratch, t.states[i], step.group, t.states[i + 1]).value_or(0);
    step.changes = changes_between(system, t.states[i], t.states[i + 1]);
    System::StepText text = system.describe_step(t.states[i], step.group, t.states[i + 1]);
    step.action = text.action;
    step.line = text.line;
    step.file = text.file;
    step.also_ran = std::move(text.also_ran);
    step.calls = std::move(text.calls);
    step.branch = text.branch;
    step.more = std::move(text.more);
    step.function = step_function(system.groups()[step.group.v], step.calls);
    step.occurrence = text.occurrence;
    steps.push_back(std::move(step));
  }
  return steps;
}

void describe(const System& system, Report& report) {
  const ExploreResult& r = report.result;
  if (r.outcome != Outcome::Violated) return;
  auto props = system.properties();
  if (r.property.v < props.size()) {
    report.property = props[r.property.v].name;
    report.meaning = props[r.property.v].meaning;
    report.model_error = props[r.property.v].model_error;
  }
  const Trace& t = r.trace;
  report.steps = describe_steps(system, t);
  if (!r.deadlock && !t.groups.empty()) cause_chain(system, report);
  if (r.deadlock) {
    report.violation.step = std::uint32_t(t.groups.size());  // (the state no process can leave)
    report.explanation = system.explain_deadlock(t.states.back());
  } else if (t.groups.empty()) {
    report.explanation = "the initial state violates it: " + system.explain_violation(t.states.back(), GroupId{0}, t.states.back());
  } else {
    ConstStateRef before = t.states[t.states.size() - 2];
    report.explanation = system.explain_violation(before, t.groups.back(), t.states.back());
    // when did the state the violation depends on change last?
    const Layout& layout = system.layout();
    for (std::uint32_t slot : system.involved_slots(before, t.groups.back(), t.states.back())) {
      for (std::size_t i = t.groups.size(); i-- > 0;) {
        if (slot_bits(layout.slots[slot], t.states[i]) == slot_bits(layout.slots[slot], t.states[i + 1])) continue;
        const Group& g = system.groups()[t.groups[i].v];
        System::StepText text = system.describe_step(t.states[i], t.groups[i], t.states[i + 1]);
        report.explanation += "; " + layout.slots[slot].name + " became " + system.format_slot(slot, t.states[i + 1]) + " at step " + std::to_string(i + 1) +
                              " (" + g.process + ", " + (text.file.empty() ? "line " : text.file + ":") + std::to_string(text.line) + ": " + text.action + ")";
        break;
      }
    }
  }
}

}  // namespace tlbcheck::checker
