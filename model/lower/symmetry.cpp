// CPU symmetry: the classes of interchangeable CPUs, inferred from the
// compiled model (Program::symmetry; the reduction is checker/symmetry.hpp's).
//
// Two CPUs are interchangeable when
// - the text names neither (sema/symmetry.cpp: no constant cpu, no cpu used
//   as a number; a cpu variable's initial value names that CPU too),
// - the same processes, tasks and handlers run on both (`on each cpu`, or
//   both in an `on cpus LO..HI`), compiled to code of the same shape,
// - their slots correspond one to one (the same names with the CPU's number
//   taken out, the same types and ranges), and
// - the initial state is the same after swapping them.
// Anything that fails leaves the CPUs named in `notes`, and they keep their
// numbers; the others may still form classes.
#include "model/lower/lowering.hpp"

#include <map>

namespace tlbcheck::model::lowering {

namespace {

// A name with CPU `cpu`'s number taken out: "t3@cpu2.pc" -> "t3@cpu#.pc".
std::string without_cpu(const std::string& name, int cpu) {
  const std::string token = "cpu" + std::to_string(cpu);
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    const bool starts = name.compare(i, token.size(), token) == 0 && (i == 0 || !(std::isalnum(static_cast<unsigned char>(name[i - 1])) || name[i - 1] == '_')) &&
                        (i + token.size() == name.size() || !std::isdigit(static_cast<unsigned char>(name[i + token.size()])));
    if (starts) {
      out += "cpu#";
      i += token.size();
    } else {
      out += name[i++];
    }
  }
  return out;
}

}  // namespace

void Lowering::find_cpu_symmetry() {
  Program& p = out_.program;
  CpuSymmetry& sym = p.symmetry;
  const int cpus = analyzed_.cpus;
  const CpuSymmetryFacts& facts = analyzed_.symmetry;
  sym.class_of.assign(std::size_t(cpus), -1);
  sym.block.assign(std::size_t(cpus), {});
  sym.value.assign(p.slots.size(), CpuSymmetry::Value::Same);
  if (cpus < 2) return;
  if (!facts.broken.empty()) {
    sym.notes.push_back("the text tells the CPUs apart: " + facts.broken);
    return;
  }
  for (std::uint32_t s = 0; s < p.slots.size(); ++s) {
    const ModelSlot& slot = p.slots[s];
    if (s == p.violation_slot) sym.value[s] = CpuSymmetry::Value::Site;
    else if (slot.format == ModelSlot::Format::Narrowing) sym.value[s] = CpuSymmetry::Value::Narrowing;
    else if (slot.kind == TypeKind::Cpu) sym.value[s] = CpuSymmetry::Value::Cpu;
    else if (slot.kind == TypeKind::Mask) sym.value[s] = CpuSymmetry::Value::Mask;
    else if (slot.kind == TypeKind::Task) sym.value[s] = CpuSymmetry::Value::Task;
  }

  // the CPUs something names keep their numbers
  std::vector<std::string> named(facts.named_why);
  named.resize(std::size_t(cpus));
  for (std::uint32_t s = 0; s < p.slots.size(); ++s) {
    if (sym.value[s] != CpuSymmetry::Value::Cpu) continue;
    const std::int64_t c = p.access[s].get(p.initial.data());
    if (c >= 0 && c < cpus && named[std::size_t(c)].empty()) named[std::size_t(c)] = "'" + p.slots[s].pub.name + "' starts as cpu " + std::to_string(c);
  }

  // group the other CPUs by what runs on them
  std::map<std::vector<std::string>, std::vector<int>> by_code;
  for (int c = 0; c < cpus; ++c) {
    if (!named[std::size_t(c)].empty()) {
      sym.notes.push_back("cpu" + std::to_string(c) + " keeps its number: " + named[std::size_t(c)]);
      continue;
    }
    std::vector<std::string> runs;
    for (const ProcessInstance& inst : p.processes) {
      if (inst.cpu == c) runs.push_back(without_cpu(inst.name, c));
    }
    std::sort(runs.begin(), runs.end());
    by_code[runs].push_back(c);
  }

  // each CPU's slots, by name with its number taken out
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> keyed(static_cast<std::size_t>(cpus));
  for (std::uint32_t s = 0; s < p.slots.size(); ++s) {
    const int c = p.slots[s].pub.cpu;
    if (c >= 0) keyed[std::size_t(c)].push_back({without_cpu(p.slots[s].pub.name, c), s});
  }
  for (std::uint32_t g : facts.cpu_indexed) {
    const GlobalInfo& info = analyzed_.globals[g];
    const std::uint32_t per = elements(info.type) / info.type.dims[0];
    for (int c = 0; c < cpus; ++c) {
      for (std::uint32_t k = 0; k < per; ++k) {
        const std::uint32_t s = global_base_[g] + std::uint32_t(c) * per + k;
        keyed[std::size_t(c)].push_back({std::string(info.name) + "[#]" + std::to_string(k), s});
      }
    }
  }
  for (auto& k : keyed) std::stable_sort(k.begin(), k.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  auto cpu_list = [](const std::vector<int>& cs) {
    std::string out;
    for (int c : cs) out += (out.empty() ? "cpu" : ", cpu") + std::to_string(c);
    return out;
  };
  // counterparts of what the CPUs own, by name with the number taken out
  auto images = [&](const std::vector<int>& cls, std::size_t count, auto name_of, auto cpu_of, std::vector<int>& owner, std::vector<std::uint32_t>& image) {
    owner.resize(count, -1);
    image.resize(count * std::size_t(cpus), 0);
    std::map<std::pair<std::string, int>, std::uint32_t> at;
    for (std::uint32_t id = 0; id < count; ++id) {
      const int c = cpu_of(id);
      if (std::find(cls.begin(), cls.end(), c) != cls.end()) at[{without_cpu(name_of(id), c), c}] = id;
    }
    for (std::uint32_t id = 0; id < count; ++id) {
      const int c = cpu_of(id);
      if (std::find(cls.begin(), cls.end(), c) == cls.end()) continue;
      owner[id] = c;
      for (int d : cls) {
        auto it = at.find({without_cpu(name_of(id), c), d});
        if (it == at.end()) return false;
        image[std::size_t(id) * std::size_t(cpus) + std::size_t(d)] = it->second;
      }
    }
    return true;
  };

  for (auto& [runs, cls] : by_code) {
    if (cls.size() < 2) {
      std::string what;
      for (const ProcessInstance& inst : p.processes) {
        if (inst.cpu == cls[0] && inst.name.find('#') == std::string::npos) what += (what.empty() ? "" : ", ") + inst.name;
      }
      (void)runs;
      sym.notes.push_back("cpu" + std::to_string(cls[0]) + " runs what no other CPU runs (" + (what.empty() ? "nothing" : what) + ")");
      continue;
    }
    const std::string who = cpu_list(cls);
    const std::vector<std::pair<std::string, std::uint32_t>>& first = keyed[std::size_t(cls[0])];
    std::string why;
    for (int c : cls) {
      const auto& mine = keyed[std::size_t(c)];
      if (mine.size() != first.size()) why = "cpu" + std::to_string(c) + " has " + std::to_string(mine.size()) + " slots, cpu" + std::to_string(cls[0]) + " " + std::to_string(first.size());
      for (std::size_t j = 0; why.empty() && j < mine.size(); ++j) {
        const ModelSlot& a = p.slots[first[j].second];
        const ModelSlot& b = p.slots[mine[j].second];
        if (mine[j].first != first[j].first || a.lo != b.lo || a.hi != b.hi || a.kind != b.kind || a.format != b.format || a.enum_id != b.enum_id) {
          why = "'" + b.pub.name + "' has no counterpart like '" + a.pub.name + "'";
        }
      }
      if (!why.empty()) break;
    }
    // processes, tasks, sites
    std::vector<int> process_owner, task_owner, site_owner;
    std::vector<std::uint32_t> process_image, task_image, site_image;
    if (why.empty() && !images(cls, p.processes.size(), [&](std::uint32_t i) { return p.processes[i].name; }, [&](std::uint32_t i) { return p.processes[i].cpu; }, process_owner, process_image)) {
      why = "their processes differ";
    }
    if (why.empty() && !images(cls, std::size_t(analyzed_.tasks), [&](std::uint32_t i) { return analyzed_.task_names[i]; }, [&](std::uint32_t i) { return analyzed_.task_cpu[i]; }, task_owner, task_image)) {
      why = "their tasks differ";
    }
    for (std::uint32_t i = 0; why.empty() && i < p.processes.size(); ++i) {
      if (process_owner[i] < 0) continue;
      const InstanceSites& mine = instance_sites_[i];
      for (int d : cls) {
        const std::uint32_t j = process_image[std::size_t(i) * std::size_t(cpus) + std::size_t(d)];
        const InstanceSites& theirs = instance_sites_[j];
        if (!mine.alone || !theirs.alone || mine.end - mine.begin != theirs.end - theirs.begin || p.processes[i].locations.size() != p.processes[j].locations.size()) {
          why = "the code of '" + p.processes[i].name + "' and '" + p.processes[j].name + "' differs in shape";
          break;
        }
        for (std::uint32_t k = 0; k < mine.end - mine.begin; ++k) {
          const Site& a = p.sites[mine.begin + k];
          const Site& b = p.sites[theirs.begin + k];
          if (a.kind != b.kind || a.property != b.property || a.src != b.src) {
            why = "the code of '" + p.processes[i].name + "' and '" + p.processes[j].name + "' differs in shape";
            break;
          }
        }
      }
    }
    if (!why.empty()) {
      sym.notes.push_back(who + " run the same code but are not interchangeable: " + why);
      continue;
    }
    // the class holds: merge its tables
    const int index = int(sym.classes.size());
    sym.classes.push_back(cls);
    for (int c : cls) {
      sym.class_of[std::size_t(c)] = index;
      for (const auto& [key, s] : keyed[std::size_t(c)]) sym.block[std::size_t(c)].push_back(s);
    }
    auto merge = [&](std::vector<int>& owner, std::vector<std::uint32_t>& image, const std::vector<int>& o, const std::vector<std::uint32_t>& im) {
      owner.resize(o.size(), -1);
      image.resize(im.size(), 0);
      for (std::size_t id = 0; id < o.size(); ++id) {
        if (o[id] < 0) continue;
        owner[id] = o[id];
        for (int d = 0; d < cpus; ++d) image[id * std::size_t(cpus) + std::size_t(d)] = im[id * std::size_t(cpus) + std::size_t(d)];
      }
    };
    merge(sym.process_owner, sym.process_image, process_owner, process_image);
    merge(sym.task_owner, sym.task_image, task_owner, task_image);
    // sites follow their instance
    sym.site_owner.resize(p.sites.size(), -1);
    sym.site_image.resize(p.sites.size() * std::size_t(cpus), 0);
    for (std::uint32_t i = 0; i < p.processes.size(); ++i) {
      if (process_owner[i] < 0) continue;
      const InstanceSites& mine = instance_sites_[i];
      for (std::uint32_t k = 0; k < mine.end - mine.begin; ++k) {
        sym.site_owner[mine.begin + k] = process_owner[i];
        for (int d : cls) {
          const InstanceSites& theirs = instance_sites_[process_image[std::size_t(i) * std::size_t(cpus) + std::size_t(d)]];
          sym.site_image[std::size_t(mine.begin + k) * std::size_t(cpus) + std::size_t(d)] = theirs.begin + k;
        }
      }
    }
  }
  sym.process_owner.resize(p.processes.size(), -1);
  sym.process_image.resize(p.processes.size() * std::size_t(cpus), 0);
  sym.task_owner.resize(std::size_t(analyzed_.tasks), -1);
  sym.task_image.resize(std::size_t(analyzed_.tasks) * std::size_t(cpus), 0);
  sym.site_owner.resize(p.sites.size(), -1);
  sym.site_image.resize(p.sites.size() * std::size_t(cpus), 0);
}

}  // namespace tlbcheck::model::lowering

namespace tlbcheck::model::lowering {

// Value symmetry: the values of each `symmetric enum` that the text does not
// name (sema/symmetry.cpp) and that no slot starts as (the initial state must
// not change when they are renamed; runtime/symmetry.cpp checks the element
// blocks too).
void Lowering::find_value_symmetry() {
  Program& p = out_.program;
  CpuSymmetry& sym = p.symmetry;
  std::uint32_t offset = std::uint32_t(analyzed_.cpus);
  for (const ValueSymmetryFacts& f : analyzed_.value_symmetry) {
    const EnumInfo& info = analyzed_.enums[f.enum_id];
    CpuSymmetry::Scalarset set;
    set.name = info.name;
    set.members = info.members;
    set.offset = offset;
    offset += std::uint32_t(info.members.size());
    if (!f.broken.empty()) {
      sym.value_notes.push_back("the values of '" + info.name + "' keep their identity: " + f.broken);
      continue;
    }
    std::vector<std::string> named(f.named_why);
    for (std::uint32_t s = 0; s < p.slots.size(); ++s) {
      const ModelSlot& slot = p.slots[s];
      if (slot.kind != TypeKind::Enum || slot.enum_id != f.enum_id || slot.format != ModelSlot::Format::Plain) continue;
      set.slots.push_back(s);
      const std::int64_t v = p.access[s].get(p.initial.data());
      if (v >= 0 && std::size_t(v) < named.size() && named[std::size_t(v)].empty()) named[std::size_t(v)] = "'" + slot.pub.name + "' starts as it";
    }
    std::string kept;
    for (std::size_t v = 0; v < named.size(); ++v) {
      if (named[v].empty()) set.free.push_back(int(v));
      else sym.value_notes.push_back(info.name + " " + info.members[v] + " keeps its identity: " + named[v]);
    }
    if (set.free.size() < 2) {
      if (set.free.size() == 1) sym.value_notes.push_back(info.name + " " + info.members[std::size_t(set.free[0])] + " is the only value of '" + info.name + "' nothing names");
      continue;
    }
    set.block.assign(info.members.size(), {});
    for (std::uint32_t g : f.indexed) {
      const GlobalInfo& global = analyzed_.globals[g];
      const std::uint32_t per = elements(global.type) / global.type.dims[0];
      for (std::size_t v = 0; v < info.members.size(); ++v) {
        for (std::uint32_t k = 0; k < per; ++k) set.block[v].push_back(global_base_[g] + std::uint32_t(v) * per + k);
      }
    }
    sym.scalarsets.push_back(std::move(set));
  }
}

}  // namespace tlbcheck::model::lowering
