#include "checker/trace.hpp"

#include "checker/successors.hpp"

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
    out.push_back({slot.name, system.format_slot(i, before), system.format_slot(i, after)});
  }
  return out;
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
    report.steps.push_back(std::move(step));
  }
  if (r.deadlock) {
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
