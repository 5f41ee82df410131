#include "model/machine/layout.hpp"

#include <set>

#include "model/machine/encoding.hpp"

namespace tlbcheck::model::machine {

namespace {

std::string range(std::int64_t lo, std::int64_t hi) { return "int[" + std::to_string(lo) + ".." + std::to_string(hi) + "]"; }

// The name of a cache entry tagged with an ASID value or an address space.
std::string tagged(const Shape& shape, int tag, const std::string& key) {
  if (shape.config.asids > 0) return "asid" + std::to_string(tag) + ":" + key;
  return (shape.config.pcid ? shape.mms[std::size_t(tag)] + ":" : std::string()) + key;
}

int tags(const Shape& shape) { return tag_count(shape.config, int(shape.mms.size())); }

}  // namespace

std::vector<WalkKey> walk_keys(const Config& config, const std::vector<std::int64_t>& page_index) {
  std::vector<WalkKey> keys;
  if (!config.walk_cache) return keys;
  std::set<std::pair<int, std::int64_t>> seen;
  for (std::int64_t n : page_index) {
    std::int64_t prefix = n;
    for (int l = 2; l <= config.levels; ++l) {
      prefix /= config.entries;
      if (!(config.pae && l == config.levels)) seen.insert({l, prefix});
    }
  }
  for (auto [l, p] : seen) keys.push_back({l, p});
  return keys;
}

std::vector<std::int64_t> pdpte_indices(const Config& config, const std::vector<std::int64_t>& page_index) {
  std::set<std::int64_t> seen;
  if (!config.pae) return {};
  std::int64_t div = 1;
  for (int l = 1; l < config.levels; ++l) div *= config.entries;
  for (std::int64_t n : page_index) seen.insert((n / div) % config.entries);
  return {seen.begin(), seen.end()};
}

void lay_out_processors_and_memory(const Shape& shape, SlotSink& sink, Slots& slots) {
  const Config& mc = shape.config;
  const std::int64_t K = shape.frames;
  const PteFormat pte(mc, K);
  const int irqs = int(shape.irqs.size());
  for (int c = 0; c < mc.cpus; ++c) {
    const std::string cpu = "cpu" + std::to_string(c) + ".";
    slots.cr3.push_back(sink.add({cpu + "cr3", "frame", c, -1, K - 1, TypeKind::Frame}));
    if (mc.asids > 0) slots.asid.push_back(sink.add({cpu + "asid", range(0, mc.asids - 1), c, 0, mc.asids - 1}));
    for (std::int64_t i : pdpte_indices(mc, shape.page_index)) {
      slots.pdpte.push_back(sink.add({cpu + "pdpte[" + std::to_string(i) + "]", "frame", c, -1, K - 1, TypeKind::Frame}));
    }
    slots.irqs_on.push_back(sink.add({cpu + "irqs_on", "bool", c, 0, 1, TypeKind::Bool, ModelSlot::Format::Plain, false, 1}));
    slots.irq_depth.push_back(sink.add({cpu + "irq_depth", range(0, mc.irq_nesting), c, 0, mc.irq_nesting}));
    slots.ipi_pending.push_back(sink.add({cpu + "ipi_pending", "irqs", c, 0, irqs > 0 ? (std::int64_t(1) << irqs) - 1 : 0, TypeKind::Int,
                                          irqs > 0 ? ModelSlot::Format::IrqSet : ModelSlot::Format::Plain}));
    for (int tag = 0; tag < tags(shape); ++tag) {
      for (const std::string& page : shape.pages) {
        slots.tlb.push_back(sink.add({cpu + "tlb[" + tagged(shape, tag, page) + "]", "tlb entry", c, 0, pte.max_cached(), TypeKind::Int, ModelSlot::Format::Entry, true}));
      }
    }
  }
  const std::vector<WalkKey> keys = walk_keys(mc, shape.page_index);
  for (int c = 0; c < mc.cpus; ++c) {
    for (int tag = 0; tag < tags(shape); ++tag) {
      for (const WalkKey& k : keys) {
        std::string key = tagged(shape, tag, "L" + std::to_string(k.level) + ":" + std::to_string(k.prefix));
        slots.walk.push_back(sink.add({"cpu" + std::to_string(c) + ".walk[" + key + "]", "walk entry", c, 0, WalkEntry::max(K), TypeKind::Int,
                                       ModelSlot::Format::WalkEntry, true}));
      }
    }
  }
  const int mms = int(shape.mms.size());
  for (std::int64_t f = 0; f < K; ++f) {
    const std::string frame = "frame" + std::to_string(f) + ".";
    slots.kind.push_back(sink.add({frame + "kind", "frame kind", -1, 0, 2, TypeKind::Int, ModelSlot::Format::FrameKind}));
    slots.owner.push_back(sink.add({frame + "owners", "mm set", -1, 0, (std::int64_t(1) << mms) - 1, TypeKind::Int, ModelSlot::Format::MmSet}));
    slots.maps.push_back(sink.add({frame + "maps", range(0, 3), -1, 0, 3}));
    for (int w = 0; w < mc.words; ++w) {
      slots.value.push_back(sink.add({frame + "value" + (mc.words > 1 ? "[" + std::to_string(w) + "]" : ""), range(0, mc.values - 1), -1, 0, mc.values - 1}));
    }
    for (int i = 0; i < mc.entries; ++i) {
      slots.entry.push_back(sink.add({frame + "entry[" + std::to_string(i) + "]", "pt entry", -1, 0, pte.max(), TypeKind::Int, ModelSlot::Format::Entry}));
    }
  }
  if (mc.disk) {  // the backing store: a copy of each page
    for (const std::string& page : shape.pages) {
      for (int w = 0; w < mc.words; ++w) {
        slots.disk.push_back(sink.add({"disk[" + page + "]" + (mc.words > 1 ? "[" + std::to_string(w) + "]" : ""), range(0, mc.values - 1), -1, 0, mc.values - 1}));
      }
    }
  }
  for (const std::string& mm : shape.mms) slots.pgd.push_back(sink.add({mm + ".pgd", "frame", -1, -1, K - 1, TypeKind::Frame}));
  if (shape.sync) {  // stale-permission: its range is set once the process instances are known
    for (const std::string& mm : shape.mms) {
      for (const std::string& page : shape.pages) {
        slots.narrowing.push_back(sink.add({mm + "." + page + ".narrowing", "narrowing", -1, 0, 1, TypeKind::Int, ModelSlot::Format::Narrowing}));
      }
    }
  }
  if (shape.copies) {
    for (std::int64_t f = 0; f < K; ++f) {
      slots.copied.push_back(sink.add({"frame" + std::to_string(f) + ".copied", "copy mark", -1, 0, 2, TypeKind::Int, ModelSlot::Format::CopyMark}));
    }
  }
}

void lay_out_devices_and_cache(const Shape& shape, SlotSink& sink, Slots& slots) {
  const Config& mc = shape.config;
  for (std::size_t h = 0; h < shape.irqs.size(); ++h) {
    if (shape.device_fires[h] < 0) continue;
    slots.fires_left.push_back(sink.add({shape.irqs[h] + ".fires_left", "int", shape.irq_cpu[h], 0, shape.device_fires[h], TypeKind::Int,
                                         ModelSlot::Format::Plain, false, shape.device_fires[h]}));
  }
  if (mc.colours == 0) return;
  const std::int64_t K = shape.frames;
  for (int c = 0; c < mc.colours; ++c) {
    for (std::int64_t f = 0; f < K; ++f) {
      for (int w = 0; w < mc.words; ++w) {
        std::string name = "dcache[c" + std::to_string(c) + ",frame" + std::to_string(f) + (mc.words > 1 ? "." + std::to_string(w) : "") + "]";
        slots.line.push_back(sink.add({name, "cache line", -1, 0, CacheLine::max(mc.values), TypeKind::Int, ModelSlot::Format::Line, true}));
      }
    }
  }
  for (std::int64_t f = 0; f < K; ++f) {
    for (int w = 0; w < mc.words; ++w) {
      std::string name = "frame" + std::to_string(f) + ".latest" + (mc.words > 1 ? "[" + std::to_string(w) + "]" : "");
      slots.latest.push_back(sink.add({name, "ghost value", -1, 0, mc.values - 1}));
    }
  }
}

void lay_out_scheduler(const Shape& shape, const std::vector<TaskShape>& tasks, const std::vector<std::int64_t>& first_on_cpu, std::int64_t lazy_mm,
                       SlotSink& sink, Slots& slots) {
  const std::int64_t last_task = std::int64_t(tasks.size()) - 1, last_mm = std::int64_t(shape.mms.size()) - 1;
  for (int c = 0; c < shape.config.cpus; ++c) {
    const std::string cpu = "cpu" + std::to_string(c) + ".";
    slots.current.push_back(sink.add({cpu + "current", "task", c, -1, last_task, TypeKind::Task, ModelSlot::Format::Plain, false, first_on_cpu[std::size_t(c)]}));
    slots.preempt_count.push_back(sink.add({cpu + "preempt_count", range(0, kMaxPreemptDepth), c, 0, kMaxPreemptDepth}));
  }
  slots.task_resume.resize(tasks.size());
  // one kind at a time, so that `t.mm` can be indexed by a task value
  for (const TaskShape& t : tasks) {
    slots.task_mm.push_back(sink.add({t.name + ".mm", "mm", t.cpu, -1, last_mm, TypeKind::Mm, ModelSlot::Format::Plain, false, t.mm}));
  }
  for (const TaskShape& t : tasks) {
    slots.task_active_mm.push_back(sink.add({t.name + ".active_mm", "mm", t.cpu, -1, last_mm, TypeKind::Mm, ModelSlot::Format::Plain, false, t.mm >= 0 ? t.mm : lazy_mm}));
  }
  for (const TaskShape& t : tasks) {
    slots.task_asleep.push_back(sink.add({t.name + ".asleep", "bool", t.cpu, 0, 1, TypeKind::Bool, ModelSlot::Format::Plain, false, t.asleep ? 1 : 0}));
  }
}

}  // namespace tlbcheck::model::machine
