#include "tests/fuzz/protocol_generator.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

namespace tlbcheck::fuzz {

namespace {

enum class Ty { Int, Bool, Cpu, Mask, Enum };

// Where the code being generated runs: what it may use.
struct Context {
  bool cpu = false;        // on a CPU: this_cpu, per-CPU variables, machine built-ins
  bool task = false;       // a task: schedule()
  bool atomic = false;     // inside atomic { }: no schedule(), no return
  bool loop = false;       // inside a loop: break, continue
  bool pure = false;       // an expression only (invariant, pure function): no state changes
};

struct Name {
  std::string text;
  Ty type;
};

class Generator {
 public:
  Generator(Choices& c, const Knobs& k) : c_(c), k_(k) {}

  std::string run() {
    out_ << "protocol \"gen\"\n";
    out_ << "machine { cpus = " << k_.cpus << "; }\n";
    out_ << "option opt: int[0..3] = 1\n";
    out_ << "const K = 2;\n";
    out_ << "enum st { A, B, C }\n";
    // the shared variables every body may use
    globals_ = {{"v0", Ty::Int}, {"v1", Ty::Int}, {"b0", Ty::Bool}, {"b1", Ty::Bool}, {"e0", Ty::Enum}, {"m0", Ty::Mask}, {"w0", Ty::Cpu}};
    out_ << "var v0: int[0..3] = 0;\nvar v1: int[0..3] = 1;\nvar b0: bool;\nvar b1: bool = true;\nvar e0: st = A;\n";
    out_ << "var m0: cpumask = CPU_MASK_NONE;\nvar w0: cpu = 0;\nvar arr: int[0..3][4];\npercpu pc: int[0..3];\n";
    if (k_.machine) out_ << "mm M;\npage V;\nmap M.V;\n";
    // expression functions first: any body may call them
    out_ << "fn g0(x: int[0..3]) -> bool { if (x > K) { return true; } return " << expr(Ty::Bool, 2, Context{.pure = true}) << "; }\n";
    out_ << "fn g1(x: int[0..3], y: bool) -> int[0..3] { let z = x % 4; if (y) { return z; } return 3 - z; }\n";
    // statement functions: f<i> calls only f<j>, j > i (no recursion)
    for (int i = k_.functions - 1; i >= 0; --i) {
      functions_made_ = k_.functions - 1 - i;
      current_function_ = i;
      out_ << "fn f" << i << "(a: int[0..3]) {\n";
      scope_ = {{"a", Ty::Int}};
      body(Context{.cpu = true}, k_.depth, 1);
      out_ << "}\n";
    }
    current_function_ = -1;
    for (int i = 0; i < k_.doubling; ++i) {
      out_ << "fn d" << i << "() { ";
      if (i + 1 < k_.doubling) out_ << "d" << i + 1 << "(); d" << i + 1 << "(); ";
      else out_ << "b0 = !b0; ";
      out_ << "}\n";
    }
    if (k_.ipi_arguments > 0) {
      out_ << "irq big(";
      for (int i = 0; i < k_.ipi_arguments; ++i) out_ << (i ? ", " : "") << "p" << i << ": int[0..1]";
      out_ << ") { skip; }\n";
    }
    out_ << "irq h0 { ";
    scope_.clear();
    Context irq{.cpu = true};
    for (int i = 0, n = int(c_.below(3)); i < n; ++i) statement(irq, 1);
    out_ << "skip; }\n";
    for (int p = 0; p < k_.processes; ++p) {
      scope_.clear();
      out_ << "process p" << p << " on " << (c_.one_in(3) ? std::string("each cpu") : "cpu " + std::to_string(c_.below(std::uint32_t(k_.cpus)))) << " {\n";
      if (p == 0 && k_.doubling > 0) out_ << "  d0();\n";
      if (p == 0 && k_.ipi_arguments > 0) {
        out_ << "  send_ipi(0, big";
        for (int i = 0; i < k_.ipi_arguments; ++i) out_ << ", " << (c_.one_in(2) ? "v0 % 2" : "1");
        out_ << ");\n";
      }
      if (p == 0 && k_.paren_depth > 0) {
        out_ << "  v0 = ";
        for (int i = 0; i < k_.paren_depth; ++i) out_ << (c_.one_in(2) ? "(" : "(v1 + ");
        out_ << "v0";
        for (int i = 0; i < k_.paren_depth; ++i) out_ << ")";
        out_ << " % 4;\n";
      }
      const bool looping = c_.one_in(2);
      if (looping) out_ << "loop {\n";
      body(Context{.cpu = true, .loop = looping}, k_.depth, k_.statements);
      if (looping) out_ << "}\n";
      out_ << "}\n";
    }
    for (int t = 0; t < k_.tasks; ++t) {
      scope_.clear();
      out_ << "task t" << t << ": kernel on cpu 0 {\n";
      if (t == 0) {
        for (int i = 0; i < k_.schedule_sites; ++i) out_ << " schedule();";
        out_ << "\n";
      }
      body(Context{.cpu = true, .task = true}, k_.depth, std::max(1, k_.statements / 2));
      out_ << "}\n";
    }
    if (k_.tasks > 0) {
      scope_ = {{"prev", Ty::Int}};  // (not used: tasks are not ints; cleared below)
      scope_.clear();
      out_ << "on context_switch(prev: task, next: task) { ";
      if (c_.one_in(2)) out_ << "b1 = !b1; ";
      out_ << "skip; }\n";
    }
    scope_.clear();
    out_ << "invariant i0: ";
    if (k_.quantifiers > 0) {
      for (int q = 0; q < k_.quantifiers; ++q) {
        const char* kind = c_.one_in(2) ? "forall" : "exists";
        out_ << kind << " (q" << q << ": int[0.." << k_.quantifier_range << "]) ";
        scope_.push_back({"q" + std::to_string(q), Ty::Int});
      }
    }
    out_ << expr(Ty::Bool, 3, Context{.pure = true}) << ";\n";
    scope_.clear();
    if (c_.one_in(3)) out_ << "invariant i1: forall (c: cpu) per_cpu(pc, c) <= 3 || " << expr(Ty::Bool, 2, Context{.pure = true}) << ";\n";
    return out_.str();
  }

 private:
  std::string fresh(const char* prefix) { return prefix + std::to_string(fresh_++); }

  // A name of type t in scope (locals, quantifier variables, then globals), or "".
  std::string pick(Ty t, bool writable) {
    std::vector<const Name*> found;
    for (const Name& n : scope_) {
      if (n.type == t && (!writable || n.text[0] == 'l')) found.push_back(&n);
    }
    for (const Name& n : globals_) {
      if (n.type == t) found.push_back(&n);
    }
    if (found.empty()) return "";
    return found[c_.below(std::uint32_t(found.size()))]->text;
  }

  std::string cpu_value(const Context& ctx) {
    switch (c_.below(4)) {
      case 0: if (ctx.cpu) return "this_cpu"; [[fallthrough]];
      case 1: return std::to_string(c_.below(std::uint32_t(k_.cpus)));
      case 2: { std::string n = pick(Ty::Cpu, false); if (!n.empty()) return n; } [[fallthrough]];
      default: return "0";
    }
  }

  std::string expr(Ty t, int depth, const Context& ctx) {
    if (depth <= 0 || c_.one_in(4)) return leaf(t, ctx);
    const std::string a = "(", z = ")";
    switch (t) {
      case Ty::Int:
        switch (c_.below(12)) {
          case 0: return a + expr(Ty::Int, depth - 1, ctx) + " + " + expr(Ty::Int, depth - 1, ctx) + z;
          case 1: return a + expr(Ty::Int, depth - 1, ctx) + " * " + expr(Ty::Int, depth - 1, ctx) + z;
          case 2: return a + expr(Ty::Int, depth - 1, ctx) + " % " + expr(Ty::Int, depth - 1, ctx) + z;
          case 3: return a + expr(Ty::Int, depth - 1, ctx) + " / " + expr(Ty::Int, depth - 1, ctx) + z;
          case 4: return a + expr(Ty::Bool, depth - 1, ctx) + " ? " + expr(Ty::Int, depth - 1, ctx) + " : " + expr(Ty::Int, depth - 1, ctx) + z;
          case 5: return "(count (k" + std::to_string(depth) + ": cpu) " + quantified(depth, ctx) + ")";
          case 6: return "cpumask_weight(" + expr(Ty::Mask, depth - 1, ctx) + ")";
          case 7: return "g1(" + expr(Ty::Int, depth - 1, ctx) + " % 4, " + expr(Ty::Bool, depth - 1, ctx) + ")";
          case 8: return "arr[" + expr(Ty::Int, depth - 1, ctx) + "]";
          case 9: return a + "-" + expr(Ty::Int, depth - 1, ctx) + z;
          case 10: return a + expr(Ty::Int, depth - 1, ctx) + (c_.one_in(2) ? " << " : " >> ") + std::to_string(c_.below(70)) + z;
          default: return "per_cpu(pc, " + cpu_value(ctx) + ")";
        }
      case Ty::Bool:
        switch (c_.below(11)) {
          case 0: return a + expr(Ty::Int, depth - 1, ctx) + (c_.one_in(2) ? " < " : " == ") + expr(Ty::Int, depth - 1, ctx) + z;
          case 1: return a + expr(Ty::Bool, depth - 1, ctx) + " && " + expr(Ty::Bool, depth - 1, ctx) + z;
          case 2: return a + expr(Ty::Bool, depth - 1, ctx) + " || " + expr(Ty::Bool, depth - 1, ctx) + z;
          case 3: return "!" + expr(Ty::Bool, depth - 1, ctx);
          case 4: return "test_bit(" + cpu_value(ctx) + ", " + expr(Ty::Mask, depth - 1, ctx) + ")";
          case 5: return "cpumask_empty(" + expr(Ty::Mask, depth - 1, ctx) + ")";
          case 6: return std::string(c_.one_in(2) ? "(forall" : "(exists") + " (k" + std::to_string(depth) + ": cpu) " + quantified(depth, ctx) + ")";
          case 7: return "g0(" + expr(Ty::Int, depth - 1, ctx) + " % 4)";
          case 8: return a + "e0 " + (c_.one_in(2) ? "==" : "!=") + " " + std::string(1, char('A' + c_.below(3))) + z;
          case 9: return a + cpu_value(ctx) + " == " + cpu_value(ctx) + z;
          default: return "(let l" + std::to_string(depth) + "x = " + expr(Ty::Int, depth - 1, ctx) + " in " + expr(Ty::Bool, depth - 1, ctx) + ")";
        }
      case Ty::Mask:
        switch (c_.below(4)) {
          case 0: return a + expr(Ty::Mask, depth - 1, ctx) + (c_.one_in(2) ? " | " : " & ") + expr(Ty::Mask, depth - 1, ctx) + z;
          case 1: return "~" + expr(Ty::Mask, depth - 1, ctx);
          case 2: return "cpumask_of(" + cpu_value(ctx) + ")";
          default: return leaf(t, ctx);
        }
      case Ty::Cpu: return cpu_value(ctx);
      case Ty::Enum: return std::string(1, char('A' + c_.below(3)));
    }
    return leaf(t, ctx);
  }

  // the body of a quantifier over cpus, named k<depth>
  std::string quantified(int depth, const Context& ctx) {
    scope_.push_back({"k" + std::to_string(depth), Ty::Cpu});
    std::string body = expr(Ty::Bool, depth - 1, ctx);
    scope_.pop_back();
    return body;
  }

  std::string leaf(Ty t, const Context& ctx) {
    switch (t) {
      case Ty::Int: {
        if (c_.one_in(3)) {
          static const char* extremes[] = {"0", "1", "3", "4", "-1", "K", "opt", "nr_cpus", "2147483647", "0x7fffffff", "1024"};
          return extremes[c_.below(11)];
        }
        std::string n = pick(Ty::Int, false);
        return n.empty() ? "1" : n;
      }
      case Ty::Bool: {
        if (c_.one_in(4)) return c_.one_in(2) ? "true" : "false";
        if (k_.machine && c_.one_in(4)) return "pte_present(M, V)";
        std::string n = pick(Ty::Bool, false);
        return n.empty() ? "true" : n;
      }
      case Ty::Mask: {
        switch (c_.below(3)) {
          case 0: return "CPU_MASK_NONE";
          case 1: return "CPU_MASK_ALL";
          default: return "m0";
        }
      }
      case Ty::Cpu: return cpu_value(ctx);
      case Ty::Enum: return "e0";
    }
    return "0";
  }

  void body(const Context& ctx, int depth, int count) {
    const std::size_t mark = scope_.size();
    for (int i = 0; i < count; ++i) statement(ctx, depth);
    scope_.resize(mark);
  }

  void block(const Context& ctx, int depth) {
    out_ << "{\n";
    body(ctx, depth, 1 + int(c_.below(std::uint32_t(std::max(1, k_.statements / 2)))));
    out_ << "}";
  }

  void statement(const Context& ctx, int depth) {
    const int e = std::min(depth + 1, 4);  // expression depth
    const std::uint32_t kinds = 22;
    switch (c_.below(kinds)) {
      case 0: case 1: out_ << (c_.one_in(2) ? "v0" : "v1") << " = " << expr(Ty::Int, e, ctx) << " % 4;\n"; return;
      case 2: out_ << (c_.one_in(2) ? "b0" : "b1") << " = " << expr(Ty::Bool, e, ctx) << ";\n"; return;
      case 3:
        if (depth <= 0) break;
        out_ << "if (" << expr(Ty::Bool, e, ctx) << ") ";
        block(ctx, depth - 1);
        if (c_.one_in(2)) {
          out_ << " else ";
          block(ctx, depth - 1);
        }
        out_ << "\n";
        return;
      case 4:
        if (depth <= 0) break;
        out_ << "either ";
        block(ctx, depth - 1);
        for (int i = 0, n = 1 + int(c_.below(2)); i < n; ++i) {
          out_ << " or ";
          block(ctx, depth - 1);
        }
        out_ << "\n";
        return;
      case 5: {
        if (depth <= 0 || ctx.atomic) break;
        Context inner = ctx;
        inner.atomic = true;
        out_ << "atomic ";
        block(inner, depth - 1);
        out_ << "\n";
        return;
      }
      case 6: out_ << "await(" << expr(Ty::Bool, e, ctx) << ");\n"; return;
      case 7: out_ << (c_.one_in(2) ? "assert(" : "BUG_ON(") << expr(Ty::Bool, e, ctx) << ");\n"; return;
      case 8: {
        std::string n = fresh("l");
        out_ << "let " << n << ": int[0..3] = " << expr(Ty::Int, e, ctx) << " % 4;\n";
        scope_.push_back({n, Ty::Int});
        return;
      }
      case 9: {
        std::string n = fresh("l");
        out_ << "choose " << n << " in 0.." << c_.below(4) << ";\n";
        scope_.push_back({n, Ty::Int});
        return;
      }
      case 10: {
        if (depth <= 0) break;
        std::string n = fresh("c");
        out_ << "for (" << n << ": cpu) ";
        scope_.push_back({n, Ty::Cpu});
        Context inner = ctx;
        inner.loop = true;
        block(inner, depth - 1);
        scope_.pop_back();
        out_ << "\n";
        return;
      }
      case 11: {
        const int lowest = current_function_ + 1;
        if (lowest >= k_.functions) break;
        const int f = lowest + int(c_.below(std::uint32_t(k_.functions - lowest)));
        out_ << "f" << f << "(" << expr(Ty::Int, e, ctx) << " % 4);\n";
        return;
      }
      case 12: out_ << (c_.one_in(2) ? "set_bit(" : "clear_bit(") << cpu_value(ctx) << ", m0);\n"; return;
      case 13:
        if (!ctx.task || ctx.atomic) break;
        out_ << "schedule();\n";
        return;
      case 14: out_ << "send_ipi(" << (c_.one_in(2) ? expr(Ty::Mask, 1, ctx) : cpu_value(ctx)) << ", h0);\n"; return;
      case 15: {
        if (depth <= 0) break;
        std::string n = fresh("l");
        out_ << "let " << n << ": int[0..4] = 0;\nwhile (" << n << " < " << c_.below(4) << " && " << expr(Ty::Bool, 1, ctx) << ") {\n" << n << " += 1;\n";
        Context inner = ctx;
        inner.loop = true;
        body(inner, depth - 1, 1);
        out_ << "}\n";
        return;
      }
      case 16: out_ << "per_cpu(pc, " << cpu_value(ctx) << ") = " << expr(Ty::Int, e, ctx) << " % 4;\n"; return;
      case 17: out_ << "arr[" << expr(Ty::Int, 1, ctx) << "] = " << expr(Ty::Int, e, ctx) << " % 4;\n"; return;
      case 18:
        if (!ctx.loop || c_.one_in(2)) break;
        out_ << "if (" << expr(Ty::Bool, 1, ctx) << ") { " << (c_.one_in(2) ? "break" : "continue") << "; }\n";
        return;
      case 19:
        if (!k_.machine) break;
        switch (c_.below(4)) {
          case 0: out_ << "touch(V);\n"; return;
          case 1: out_ << "invlpg(V);\n"; return;
          case 2: out_ << "tlb_flush_local();\n"; return;
          default: out_ << "atomic { if (pte_present(M, V)) { let old: frame = pte_get_and_clear(M, V); free_frame(old); } }\n"; return;
        }
      case 20: out_ << "e0 = " << std::string(1, char('A' + c_.below(3))) << ";\n"; return;
      default: break;
    }
    out_ << "skip;\n";
  }

  Choices& c_;
  const Knobs& k_;
  std::ostringstream out_;
  std::vector<Name> globals_;
  std::vector<Name> scope_;
  int fresh_ = 0;
  int functions_made_ = 0;
  int current_function_ = -1;
};

// A token of a protocol text: a word, a number, a string, a comment,
// blanks or one punctuation character.
std::vector<std::string> tokens(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t j = i + 1;
    if (std::isalnum(c) || c == '_') {
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
    } else if (std::isspace(c)) {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    } else if (c == '"') {
      while (j < text.size() && text[j] != '"' && text[j] != '\n') ++j;
      if (j < text.size()) ++j;
    } else if (c == '/' && j < text.size() && text[j] == '/') {
      while (j < text.size() && text[j] != '\n') ++j;
    }
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& dictionary() {
  static const std::vector<std::string> words = {
      "protocol", "machine", "option", "const", "enum", "struct", "var", "percpu", "fn", "process", "task", "irq", "on", "each", "cpu", "cpus",
      "import", "supports", "invariant", "constraint", "mm", "page", "map", "frame", "kernel", "user", "sleeping", "fires", "readonly", "request",
      "let", "if", "else", "while", "loop", "break", "continue", "return", "atomic", "await", "assert", "BUG_ON", "BUG", "either", "or",
      "choose", "in", "for", "skip", "forall", "exists", "count", "true", "false", "none", "int", "bool", "cpumask", "pte", "sync",
      "this_cpu", "nr_cpus", "CPU_MASK_NONE", "CPU_MASK_ALL", "per_cpu", "cpumask_of", "test_bit", "set_bit", "clear_bit",
      "test_and_set_bit", "test_and_clear_bit", "cpumask_empty", "cpumask_weight", "at", "schedule", "send_ipi", "touch", "load", "store",
      "invlpg", "tlb_flush_local", "tlbi_all", "write_cr3", "read_cr3", "pgd", "alloc_frame", "free_frame", "set_pte", "pte_present", "pte_get_and_clear",
      "preempt_disable", "preempt_enable", "local_irq_disable", "local_irq_enable", "context_switch", "page_fault", "current", "active_mm",
      "tlb.speculative", "preemption", "frames", "irq_nesting", "0x7fffffff", "-2147483648", "4294967296", "1024", "65536", "..", "->",
      "<<", ">>", "&&", "||", "==", "!=", "+=", "-=", "++", "--", "/*", "*/", "//", "\"", "\\", "{", "}", "(", ")", "[", "]", ";", ",", ":",
      "schedule();", "f0(); f0();", "((((((((", "))))))))", "forall (q: int[0..1023]) "};
  return words;
}

Knobs choose_knobs(Choices& c) {
  Knobs k;
  const std::uint32_t big = c.byte() & c.byte();  // each bit (one in four) makes one knob large
  k.cpus = 1 + int(c.below(3));
  k.statements = 1 + int(c.below(8));
  k.depth = int(c.below(4));
  k.processes = 1 + int(c.below(2));
  k.tasks = c.one_in(3) ? 2 + int(c.below(3)) : 0;
  k.functions = int(c.below(4));
  k.machine = c.one_in(4);
  k.quantifier_range = 1 + int(c.below(3));
  if (c.one_in(4)) k.quantifiers = 1 + int(c.below(2));
  // one knob, rarely several, far out: the repro/ kinds of input
  if (big & 0x01) k.schedule_sites = int(c.between(8, 1200)), k.tasks = std::max(k.tasks, 2 + int(c.below(8)));
  if (big & 0x02) k.doubling = int(c.between(4, 26));
  if (big & 0x04) k.quantifiers = int(c.between(2, 3)), k.quantifier_range = int(c.between(16, 1023));
  if (big & 0x08) k.paren_depth = int(c.between(20, 320));
  if (big & 0x10) k.ipi_arguments = int(c.between(4, 1100));
  if ((big & 0xe0) == 0xe0) k.depth = int(c.between(5, 12)), k.statements = int(c.between(8, 40));
  if ((big & 0xe0) == 0xc0) k.cpus = int(c.between(4, 33));
  return k;
}

std::string generate_protocol(Choices& choices, const Knobs& knobs) { return Generator(choices, knobs).run(); }

std::string mutate_protocol(Choices& c, const std::string& text) {
  std::vector<std::string> t = tokens(text);
  const int edits = 1 + int(c.below(4));
  for (int e = 0; e < edits && !t.empty(); ++e) {
    const std::size_t n = t.size();
    const std::size_t at = c.below(std::uint32_t(std::min<std::size_t>(n, 65535)));
    const std::size_t len = std::min<std::size_t>(1 + c.below(40), n - at);
    switch (c.below(8)) {
      case 0: t.erase(t.begin() + std::ptrdiff_t(at), t.begin() + std::ptrdiff_t(at + len)); break;
      case 1: {  // duplicate a range, sometimes many times (doubling bodies)
        std::vector<std::string> range(t.begin() + std::ptrdiff_t(at), t.begin() + std::ptrdiff_t(at + len));
        const int times = c.one_in(8) ? int(c.between(2, 300)) : 1;
        for (int i = 0; i < times; ++i) t.insert(t.begin() + std::ptrdiff_t(at), range.begin(), range.end());
        break;
      }
      case 2: {  // swap with another range
        const std::size_t other = c.below(std::uint32_t(std::min<std::size_t>(n, 65535)));
        if (other + len <= n && (other + len <= at || at + len <= other)) {
          for (std::size_t i = 0; i < len; ++i) std::swap(t[at + i], t[other + i]);
        }
        break;
      }
      case 3: t.insert(t.begin() + std::ptrdiff_t(at), dictionary()[c.below(std::uint32_t(dictionary().size()))]); break;
      case 4: {  // a number to an extreme
        for (std::size_t i = at; i < n; ++i) {
          if (!t[i].empty() && std::isdigit(static_cast<unsigned char>(t[i][0]))) {
            static const char* extremes[] = {"0", "1", "31", "32", "33", "255", "1023", "1024", "65535", "65536", "2147483647", "2147483648", "99999999999999999999"};
            t[i] = extremes[c.below(13)];
            break;
          }
        }
        break;
      }
      case 5: {  // a statement after a ';' repeated
        const std::string what = c.one_in(2) ? " schedule();" : " skip;";
        const int times = c.one_in(4) ? int(c.between(2, 1500)) : 1;
        for (std::size_t i = at; i < n; ++i) {
          if (t[i] == ";") {
            std::string s;
            for (int k = 0; k < times; ++k) s += what;
            t.insert(t.begin() + std::ptrdiff_t(i + 1), s);
            break;
          }
        }
        break;
      }
      case 6: {  // a word wrapped in parentheses
        const int times = c.one_in(4) ? int(c.between(2, 400)) : 1;
        for (std::size_t i = at; i < n; ++i) {
          if (!t[i].empty() && (std::isalnum(static_cast<unsigned char>(t[i][0])) || t[i][0] == '_')) {
            t[i] = std::string(std::size_t(times), '(') + t[i] + std::string(std::size_t(times), ')');
            break;
          }
        }
        break;
      }
      default:  // one byte changed
        if (!t[at].empty()) t[at][c.below(std::uint32_t(t[at].size()))] = char(c.byte());
        break;
    }
  }
  std::string out;
  for (const std::string& s : t) out += s;
  return out;
}

}  // namespace tlbcheck::fuzz
