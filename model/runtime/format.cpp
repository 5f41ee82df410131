// Values as people read them: slots (enums by name, frames, masks, the
// machine's entries) and source lines.
#include "model/runtime/model_system.hpp"

#include <algorithm>

namespace tlbcheck::model {

std::string ModelSystem::format_value(std::uint32_t slot, std::int64_t v) const {
  const ModelSlot& m = program_.slots[slot];
  switch (m.format) {
    case ModelSlot::Format::Entry: return machine_.pte().format(v);
    case ModelSlot::Format::WalkEntry: return machine::WalkEntry::format(v);
    case ModelSlot::Format::FrameKind: return machine::format_frame_kind(v);
    case ModelSlot::Format::MmSet: return machine::format_set(v, program_.mm_names);
    case ModelSlot::Format::Line: return machine::CacheLine::format(v);
    case ModelSlot::Format::IrqSet: return machine::format_set(v, program_.irq_names);
    case ModelSlot::Format::Narrowing: {
      std::vector<std::string> names;
      for (const ProcessInstance& proc : program_.processes) names.push_back(proc.name);
      return machine::Narrowing::format(v, m.hi, names);
    }
    case ModelSlot::Format::CopyMark: return machine::format_copy_mark(v);
    case ModelSlot::Format::Plain:
      break;
  }
  switch (m.kind) {
    case TypeKind::Mm:
      return v < 0 ? "none" : std::size_t(v) < module_.mms.size() ? module_.mms[std::size_t(v)].name : std::to_string(v);
    case TypeKind::Frame:
      return v < 0 ? "none" : "frame" + std::to_string(v);
    case TypeKind::Page:
      return std::size_t(v) < module_.pages.size() ? module_.pages[std::size_t(v)].name : std::to_string(v);
    case TypeKind::Task:
      return v < 0 ? "none" : std::size_t(v) < module_.task_names.size() ? module_.task_names[std::size_t(v)] : std::to_string(v);
    case TypeKind::Bool:
      return v ? "true" : "false";
    case TypeKind::Pte:
      return machine_.pte().format(v);
    case TypeKind::Enum:
      if (v >= 0 && std::size_t(v) < module_.enums[m.enum_id].members.size()) return module_.enums[m.enum_id].members[std::size_t(v)];
      return std::to_string(v);
    case TypeKind::Mask: {
      std::string s = "{";
      bool first = true;
      for (int c = 0; c < module_.cpus; ++c) {
        if ((v >> c) & 1) {
          s += (first ? "" : ",") + std::to_string(c);
          first = false;
        }
      }
      return s + "}";
    }
    default:
      return std::to_string(v);
  }
}

std::string ModelSystem::format_slot(std::uint32_t slot, checker::ConstStateRef s) const {
  if (slot == program_.violation_slot) {
    std::int64_t site = read(slot, s.data());
    return site == 0 ? "none" : "site " + std::to_string(site);
  }
  for (const ProcessInstance& p : program_.processes) {
    if (p.pc_slot == slot) {
      std::int64_t loc = read(slot, s.data());
      if (loc == 0) return "ended";
      return where(program_.code[p.locations[std::size_t(loc)]].src);
    }
  }
  return format_value(slot, read(slot, s.data()));
}

// A private slot that the step into `s` reset: dead at its instance's
// location (Program::reset_dead). A violating state was not reset.
bool ModelSystem::is_dead(checker::ConstStateRef s, std::uint32_t slot) const {
  const std::int32_t owner = program_.slots[slot].owner;
  if (owner < 0 || read(program_.violation_slot, s.data()) != 0) return false;
  const ProcessInstance& p = program_.processes[std::size_t(owner)];
  if (p.reset_at.empty()) return false;
  const std::int64_t loc = read(p.pc_slot, s.data());
  const SlotAccess& a = program_.access[slot];
  for (std::uint32_t k = p.reset_at[std::size_t(loc)]; k < p.reset_at[std::size_t(loc) + 1]; ++k) {
    const WordReset& r = program_.resets[k];
    if (r.word == a.word) return (r.keep & a.mask) == 0;
  }
  return false;
}

std::string ModelSystem::where(std::uint32_t src) const {
  return file_->name_at(src) + ":" + std::to_string(file_->line_of(src));
}

std::string ModelSystem::statement_text(std::uint32_t src) const {
  const std::string_view text = file_->text();
  std::string out;
  int depth = 0;
  const auto keyword = [&](std::string_view k) {
    if (text.substr(src, k.size()) != k || src + k.size() >= text.size()) return false;
    const char next = text[src + k.size()];
    return next == ' ' || next == '(' || next == '\t';
  };
  const bool condition = keyword("if") || keyword("while");
  for (std::size_t i = src; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {  // a comment: to the end of its line
      while (i < text.size() && text[i] != '\n') ++i;
      c = ' ';
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {  // a block comment
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 1;
      c = ' ';
    }
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '(' || out.back() == '[')) continue;
    if (c == '{' && depth == 0) break;
    if ((c == ')' || c == ']') && !out.empty() && out.back() == ' ') out.pop_back();  // (a condition split across lines)
    out += c;
    if (c == '(' || c == '[') ++depth;
    if ((c == ')' || c == ']') && --depth == 0 && condition) break;
    if (c == ';' && depth == 0) break;
    if (c == '}' && depth == 0) break;
    if (out.size() >= 1000) {  // a statement this long is shown in part, and says so
      out += " ...";
      break;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> ModelSystem::call_chain(std::uint32_t ctx) const {
  std::vector<std::string> chain;
  for (std::uint32_t c = ctx; c != 0 && chain.size() < program_.contexts.size(); c = program_.context_parent[c]) chain.push_back(program_.contexts[c]);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace tlbcheck::model
