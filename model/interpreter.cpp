// The step interpreter: runs one process's step on a copy of the state.
// Hot path: no allocation, no exceptions; the only recursion is at `either`
// (one level per nested fork, bounded by kMaxForkDepth).
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "model/model_system.hpp"
#include "properties/catalogue.hpp"

namespace tlbcheck::model {

namespace {

constexpr int kMaxForkDepth = 32;
constexpr std::uint32_t kStepBudget = 1u << 20;  // instructions one step may run

}  // namespace

struct ModelSystem::Scratch final : checker::Scratch {
  explicit Scratch(std::uint32_t words) : buffers(std::size_t(words) * (kMaxForkDepth + 1)), words(words) {}
  checker::Word* buffer(int depth) { return buffers.data() + std::size_t(depth) * words; }

  std::vector<checker::Word> buffers;
  std::uint32_t words;
  std::array<std::int64_t, kMaxStack + 8> stack{};
  // the step being run
  const checker::EmitFn* emit = nullptr;
  checker::GroupId group;
  std::uint32_t process = 0;
  std::uint32_t budget = 0;
  // the last violation recorded (for explanations)
  std::int64_t diag_value = 0;
};

std::int64_t ModelSystem::read(std::uint32_t slot, const checker::Word* s) const {
  const ModelSlot& m = program_.slots[slot];
  const std::uint64_t mask = m.pub.width >= 64 ? ~0ULL : ((1ULL << m.pub.width) - 1);
  return std::int64_t((s[m.pub.word] >> m.pub.shift) & mask) + m.lo;
}

void ModelSystem::write(std::uint32_t slot, checker::Word* s, std::int64_t v) const {
  const ModelSlot& m = program_.slots[slot];
  if (m.pub.width == 0) return;
  const std::uint64_t mask = (m.pub.width >= 64 ? ~0ULL : ((1ULL << m.pub.width) - 1)) << m.pub.shift;
  s[m.pub.word] = (s[m.pub.word] & ~mask) | ((std::uint64_t(v - m.lo) << m.pub.shift) & mask);
}

void ModelSystem::run_process(std::uint32_t p, checker::ConstStateRef s, Scratch& w, checker::EmitFn emit) const {
  const ProcessInstance& proc = program_.processes[p];
  std::int64_t loc = read(proc.pc_slot, s.data());
  if (loc == 0) return;  // ended
  checker::Word* st = w.buffer(0);
  std::memcpy(st, s.data(), s.size_bytes());
  w.emit = &emit;
  w.group = checker::GroupId{proc.first_group + std::uint32_t(loc) - 1};
  w.process = p;
  w.budget = kStepBudget;
  exec(proc.locations[std::size_t(loc)], st, 0, w);
}

void ModelSystem::next(checker::ConstStateRef s, checker::Scratch& scratch, checker::EmitFn emit) const {
  auto& w = static_cast<Scratch&>(scratch);
  for (std::uint32_t p = 0; p < program_.processes.size(); ++p) run_process(p, s, w, emit);
}

// Executes from `ip` until the step ends; emits the successor (if any).
void ModelSystem::exec(std::uint32_t ip, checker::Word* st, int depth, Scratch& w) const {
  std::int64_t* stack = w.stack.data();
  int sp = 0;
  const Instr* code = program_.code.data();
  const ProcessInstance& proc = program_.processes[w.process];
  const std::int64_t cpus = module_.cpus;
  auto violate = [&](std::int32_t site, std::int64_t value) {
    w.diag_value = value;
    write(program_.violation_slot, st, site);
    (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
  };
  for (;;) {
    if (--w.budget == 0) {
      violate(std::int32_t(proc.runaway_site), 0);
      return;
    }
    const Instr& in = code[ip];
    switch (in.op) {
      case Op::Push: stack[sp++] = in.a; ++ip; break;
      case Op::Load: stack[sp++] = read(std::uint32_t(in.a), st); ++ip; break;
      case Op::LoadDyn: {
        std::int64_t off = stack[--sp];
        stack[sp++] = read(std::uint32_t(in.a + off), st);
        ++ip;
        break;
      }
      case Op::Store:
      case Op::StoreDyn: {
        std::int64_t v = stack[--sp];
        std::uint32_t slot = std::uint32_t(in.a);
        if (in.op == Op::StoreDyn) slot += std::uint32_t(stack[--sp]);
        const ModelSlot& m = program_.slots[slot];
        if (v < m.lo || v > m.hi) {
          violate(in.b, v);
          return;
        }
        write(slot, st, v);
        ++ip;
        break;
      }
      case Op::Index: {
        std::int64_t i = stack[--sp];
        if (i < 0 || i >= in.a) {
          violate(in.c, i);
          return;
        }
        stack[sp - 1] += i * in.b;
        ++ip;
        break;
      }
      case Op::Neg: stack[sp - 1] = -stack[sp - 1]; ++ip; break;
      case Op::Not: stack[sp - 1] = !stack[sp - 1]; ++ip; break;
      case Op::Compl: stack[sp - 1] = in.a != 0 ? (~stack[sp - 1] & in.a) : ~stack[sp - 1]; ++ip; break;
      case Op::Weight: stack[sp - 1] = std::popcount(std::uint64_t(stack[sp - 1])); ++ip; break;
      case Op::Div:
      case Op::Mod: {
        std::int64_t y = stack[--sp];
        if (y == 0) {
          violate(in.c, 0);
          return;
        }
        stack[sp - 1] = in.op == Op::Div ? stack[sp - 1] / y : stack[sp - 1] % y;
        ++ip;
        break;
      }
      case Op::Add: case Op::Sub: case Op::Mul: case Op::Shl: case Op::Shr: case Op::BitAnd:
      case Op::BitOr: case Op::BitXor: case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le:
      case Op::Gt: case Op::Ge: {
        std::int64_t y = stack[--sp];
        std::int64_t& x = stack[sp - 1];
        switch (in.op) {
          case Op::Add: x = std::int64_t(std::uint64_t(x) + std::uint64_t(y)); break;
          case Op::Sub: x = std::int64_t(std::uint64_t(x) - std::uint64_t(y)); break;
          case Op::Mul: x = std::int64_t(std::uint64_t(x) * std::uint64_t(y)); break;
          case Op::Shl: x = (y < 0 || y > 62) ? 0 : std::int64_t(std::uint64_t(x) << y); break;
          case Op::Shr: x = (y < 0 || y > 62) ? (x < 0 ? -1 : 0) : (x >> y); break;
          case Op::BitAnd: x &= y; break;
          case Op::BitOr: x |= y; break;
          case Op::BitXor: x ^= y; break;
          case Op::Eq: x = x == y; break;
          case Op::Ne: x = x != y; break;
          case Op::Lt: x = x < y; break;
          case Op::Le: x = x <= y; break;
          case Op::Gt: x = x > y; break;
          default: x = x >= y; break;
        }
        ++ip;
        break;
      }
      case Op::TestBit: {
        std::int64_t mask = stack[--sp];
        std::int64_t c = stack[sp - 1];
        if (c < 0 || c >= cpus) {
          violate(in.c, c);
          return;
        }
        stack[sp - 1] = (mask >> c) & 1;
        ++ip;
        break;
      }
      case Op::MaskOf: {
        std::int64_t c = stack[sp - 1];
        if (c < 0 || c >= cpus) {
          violate(in.c, c);
          return;
        }
        stack[sp - 1] = std::int64_t(1) << c;
        ++ip;
        break;
      }
      case Op::BitRmw: {
        std::int64_t c = stack[--sp];
        std::uint32_t slot = std::uint32_t(in.a + stack[--sp]);
        if (c < 0 || c >= cpus) {
          violate(in.c, c);
          return;
        }
        std::int64_t old = read(slot, st);
        write(slot, st, in.b != 0 ? (old | (std::int64_t(1) << c)) : (old & ~(std::int64_t(1) << c)));
        stack[sp++] = (old >> c) & 1;
        ++ip;
        break;
      }
      case Op::Pop: --sp; ++ip; break;
      case Op::Jmp: ip = std::uint32_t(in.a); break;
      case Op::Jz: ip = stack[--sp] == 0 ? std::uint32_t(in.a) : ip + 1; break;
      case Op::JzKeep:
        if (stack[sp - 1] == 0) {
          ip = std::uint32_t(in.a);
        } else {
          --sp;
          ++ip;
        }
        break;
      case Op::JnzKeep:
        if (stack[sp - 1] != 0) {
          ip = std::uint32_t(in.a);
        } else {
          --sp;
          ++ip;
        }
        break;
      case Op::Fork: {
        if (depth >= kMaxForkDepth) {
          violate(std::int32_t(proc.runaway_site), 0);
          return;
        }
        // alternatives 1..n-1 on copies, the last one in place
        for (std::int32_t k = 1; k < in.a; ++k) {
          checker::Word* copy = w.buffer(depth + 1);
          std::memcpy(copy, st, std::size_t(w.words) * sizeof(checker::Word));
          exec(std::uint32_t(code[ip + std::uint32_t(k)].a), copy, depth + 1, w);
          if (w.budget == 0) return;
        }
        ip = std::uint32_t(code[ip + std::uint32_t(in.a)].a);
        break;
      }
      case Op::Await:
        if (stack[--sp] == 0) return;  // not enabled
        ++ip;
        break;
      case Op::Check:
        if (stack[--sp] == 0) {
          violate(in.a, 0);
          return;
        }
        ++ip;
        break;
      case Op::Fail:
        violate(in.a, 0);
        return;
      case Op::Yield:
        write(proc.pc_slot, st, in.b);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Halt:
        write(proc.pc_slot, st, 0);
        (*w.emit)(w.group, checker::ConstStateRef(st, w.words));
        return;
      case Op::Return:
        return;  // not reached in a step
    }
  }
}

// Evaluates side-effect-free code (an invariant or an explanation snippet).
// Returns nothing when the evaluation itself fails (an index out of range...).
std::optional<std::int64_t> ModelSystem::eval(std::uint32_t ip, const checker::Word* st) const {
  std::array<std::int64_t, kMaxStack + 8> stack;
  int sp = 0;
  const Instr* code = program_.code.data();
  const std::int64_t cpus = module_.cpus;
  for (std::uint32_t steps = 0; steps < kStepBudget; ++steps) {
    const Instr& in = code[ip];
    switch (in.op) {
      case Op::Push: stack[sp++] = in.a; break;
      case Op::Load: stack[sp++] = read(std::uint32_t(in.a), st); break;
      case Op::LoadDyn: {
        std::int64_t off = stack[--sp];
        stack[sp++] = read(std::uint32_t(in.a + off), st);
        break;
      }
      case Op::Index: {
        std::int64_t i = stack[--sp];
        if (i < 0 || i >= in.a) return std::nullopt;
        stack[sp - 1] += i * in.b;
        break;
      }
      case Op::Neg: stack[sp - 1] = -stack[sp - 1]; break;
      case Op::Not: stack[sp - 1] = !stack[sp - 1]; break;
      case Op::Compl: stack[sp - 1] = in.a != 0 ? (~stack[sp - 1] & in.a) : ~stack[sp - 1]; break;
      case Op::Weight: stack[sp - 1] = std::popcount(std::uint64_t(stack[sp - 1])); break;
      case Op::Div:
      case Op::Mod: {
        std::int64_t y = stack[--sp];
        if (y == 0) return std::nullopt;
        stack[sp - 1] = in.op == Op::Div ? stack[sp - 1] / y : stack[sp - 1] % y;
        break;
      }
      case Op::Add: case Op::Sub: case Op::Mul: case Op::Shl: case Op::Shr: case Op::BitAnd:
      case Op::BitOr: case Op::BitXor: case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le:
      case Op::Gt: case Op::Ge: {
        std::int64_t y = stack[--sp];
        std::int64_t& x = stack[sp - 1];
        switch (in.op) {
          case Op::Add: x = std::int64_t(std::uint64_t(x) + std::uint64_t(y)); break;
          case Op::Sub: x = std::int64_t(std::uint64_t(x) - std::uint64_t(y)); break;
          case Op::Mul: x = std::int64_t(std::uint64_t(x) * std::uint64_t(y)); break;
          case Op::Shl: x = (y < 0 || y > 62) ? 0 : std::int64_t(std::uint64_t(x) << y); break;
          case Op::Shr: x = (y < 0 || y > 62) ? (x < 0 ? -1 : 0) : (x >> y); break;
          case Op::BitAnd: x &= y; break;
          case Op::BitOr: x |= y; break;
          case Op::BitXor: x ^= y; break;
          case Op::Eq: x = x == y; break;
          case Op::Ne: x = x != y; break;
          case Op::Lt: x = x < y; break;
          case Op::Le: x = x <= y; break;
          case Op::Gt: x = x > y; break;
          default: x = x >= y; break;
        }
        break;
      }
      case Op::TestBit: {
        std::int64_t mask = stack[--sp];
        std::int64_t c = stack[sp - 1];
        if (c < 0 || c >= cpus) return std::nullopt;
        stack[sp - 1] = (mask >> c) & 1;
        break;
      }
      case Op::MaskOf: {
        std::int64_t c = stack[sp - 1];
        if (c < 0 || c >= cpus) return std::nullopt;
        stack[sp - 1] = std::int64_t(1) << c;
        break;
      }
      case Op::Jmp: ip = std::uint32_t(in.a); continue;
      case Op::Jz: ip = stack[--sp] == 0 ? std::uint32_t(in.a) : ip + 1; continue;
      case Op::JzKeep:
        if (stack[sp - 1] == 0) {
          ip = std::uint32_t(in.a);
          continue;
        }
        --sp;
        break;
      case Op::JnzKeep:
        if (stack[sp - 1] != 0) {
          ip = std::uint32_t(in.a);
          continue;
        }
        --sp;
        break;
      case Op::Return:
        return stack[sp - 1];
      default:
        return std::nullopt;  // not an expression instruction
    }
    ++ip;
  }
  return std::nullopt;
}

checker::Verdict ModelSystem::check(checker::ConstStateRef s) const {
  std::int64_t site = read(program_.violation_slot, s.data());
  if (site != 0) return {true, checker::PropertyId{program_.sites[std::size_t(site)].property}};
  for (std::uint32_t i = 0; i < program_.invariant_entry.size(); ++i) {
    std::uint32_t pid = properties::kFirstInvariant + i;
    if (!enabled_[pid]) continue;
    auto v = eval(program_.invariant_entry[i], s.data());
    if (!v || *v == 0) return {true, checker::PropertyId{pid}};
  }
  return {};
}

bool ModelSystem::is_final(checker::ConstStateRef s) const {
  for (const ProcessInstance& p : program_.processes) {
    if (read(p.pc_slot, s.data()) != 0) return false;
  }
  return true;
}

void ModelSystem::initial(checker::StateRef out) const {
  std::copy(program_.initial.begin(), program_.initial.end(), out.begin());
}

std::unique_ptr<checker::Scratch> ModelSystem::make_scratch() const { return std::make_unique<Scratch>(program_.words); }

// ---- explanations ------------------------------------------------------------

std::string ModelSystem::explain_violation(checker::ConstStateRef before, checker::GroupId group, checker::ConstStateRef after) const {
  std::int64_t site_id = read(program_.violation_slot, after.data());
  if (site_id == 0) {
    checker::Verdict v = check(after);
    if (!v.violated) return "no property is violated";
    std::uint32_t i = v.property.v - properties::kFirstInvariant;
    const InvariantInfo& inv = module_.invariants[i];
    std::string text = "invariant '" + std::string(inv.name) + "' (" + where(inv.loc.offset) + ") does not hold";
    const Expr& e = module_.module.at(inv.expr);
    (void)e;
    std::string values = terms_text(invariant_terms_[i], after.data());
    if (!values.empty()) text += ": " + values;
    return text;
  }
  const Site& site = program_.sites[std::size_t(site_id)];
  // Re-run the step to recover the offending value.
  std::int64_t value = 0;
  {
    Scratch w(program_.words);
    std::uint32_t p = group_process_[group.v];
    bool found = false;
    run_process(p, before, w, [&](checker::GroupId g, checker::ConstStateRef succ) {
      if (!found && g == group && std::equal(succ.begin(), succ.end(), after.begin())) {
        found = true;
        value = w.diag_value;
      }
    });
  }
  const ProcessInstance& proc = program_.processes[site.process];
  std::string who = proc.name + " on cpu" + std::to_string(proc.cpu);
  std::string at = where(site.src);
  auto values = [&]() {
    std::string v = terms_text(site_terms_[std::size_t(site_id)].terms, after.data());
    return v.empty() ? std::string() : ", with " + v;
  };
  switch (site.kind) {
    case SiteKind::Assert:
      return "assertion '" + line_text(site.src) + "' failed in " + who + " at " + at + values();
    case SiteKind::BugOn:
      return "'" + line_text(site.src) + "' fired in " + who + " at " + at + values();
    case SiteKind::Bug:
      return "BUG() reached in " + who + " at " + at;
    case SiteKind::Range: {
      const ModelSlot& m = program_.slots[site.slot];
      return "value " + std::to_string(value) + " does not fit '" + m.pub.name + "' of type " + m.pub.type + " in " + who + " at " + at;
    }
    case SiteKind::Index:
      return "index " + std::to_string(value) + " is outside its array in " + who + " at " + at + " ('" + line_text(site.src) + "')";
    case SiteKind::DivZero:
      return "division by zero in " + who + " at " + at + " ('" + line_text(site.src) + "')";
    case SiteKind::CpuRange:
      return "cpu " + std::to_string(value) + " does not exist (the machine has cpus 0.." + std::to_string(module_.cpus - 1) + ") in " + who + " at " + at;
    case SiteKind::Runaway:
      return "a step of " + who + " did not end: an atomic block that loops forever or forks too deeply (" + at + ")";
  }
  return "violation";
}

std::string ModelSystem::explain_deadlock(checker::ConstStateRef s) const {
  std::string text = "no process can take a step: ";
  bool first = true;
  for (const ProcessInstance& p : program_.processes) {
    std::int64_t loc = read(p.pc_slot, s.data());
    if (loc == 0) continue;
    const Instr& in = program_.code[p.locations[std::size_t(loc)]];
    std::string in_call = in.ctx != 0 ? " in " + program_.contexts[in.ctx] : "";
    text += std::string(first ? "" : "; ") + p.name + " on cpu" + std::to_string(p.cpu) + " is blocked" + in_call + " at " + where(in.src) + " '" + line_text(in.src) + "'";
    first = false;
  }
  return text;
}

std::string ModelSystem::terms_text(const std::vector<std::pair<std::string, std::uint32_t>>& terms, const checker::Word* st) const {
  std::string out;
  for (const auto& [text, entry] : terms) {
    auto v = eval(entry, st);
    // format like the slot the term finally reads (for an element: its array's first slot)
    std::string shown = v ? std::to_string(*v) : "?";
    if (v) {
      for (std::uint32_t j = entry; j < program_.code.size() && program_.code[j].op != Op::Return; ++j) {
        const Instr& in = program_.code[j];
        if (in.op == Op::Load || in.op == Op::LoadDyn) shown = format_value(std::uint32_t(in.a), *v);
      }
    }
    out += (out.empty() ? "" : ", ") + text + " = " + shown;
  }
  return out;
}

std::string ModelSystem::format_value(std::uint32_t slot, std::int64_t v) const {
  const ModelSlot& m = program_.slots[slot];
  switch (m.kind) {
    case TypeKind::Bool:
      return v ? "true" : "false";
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

std::string ModelSystem::where(std::uint32_t src) const {
  return file_->name() + ":" + std::to_string(file_->line_of(src));
}

std::string ModelSystem::line_text(std::uint32_t src) const {
  std::string_view t = file_->line_text(file_->line_of(src));
  std::size_t b = t.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  t.remove_prefix(b);
  std::size_t c = t.find("//");
  if (c != std::string_view::npos) t = t.substr(0, c);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return std::string(t);
}

}  // namespace tlbcheck::model
