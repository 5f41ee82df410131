#include "model/lang/parser.hpp"

#include <algorithm>
#include <string>

namespace tlbcheck::model {

namespace {

class Parser {
 public:
  Parser(const SourceFile& file, const std::vector<Token>& tokens, Diagnostics& diags)
      : file_(file), toks_(tokens), diags_(diags) {
    module_.file = &file;
  }

  Module run() {
    while (!at(Tok::End) && !diags_.saturated() && !fatal_) {
      std::size_t before = pos_;
      declaration();
      if (failed_) {
        failed_ = false;
        synchronize();
      }
      if (pos_ == before && !at(Tok::End)) ++pos_;  // always make progress
    }
    return std::move(module_);
  }

 private:
  // ---- token helpers ----
  const Token& peek(std::size_t k = 0) const {
    std::size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool at(Tok t) const { return peek().kind == t; }
  const Token& advance() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool accept(Tok t) {
    if (!at(t)) return false;
    advance();
    return true;
  }
  bool ok() const { return !failed_ && !fatal_; }

  void fail(const Token& at_tok, const std::string& expected) {
    if (failed_ || fatal_) return;
    failed_ = true;
    std::string found = at_tok.kind == Tok::End ? "end of file"
                        : at_tok.kind == Tok::Ident || at_tok.kind == Tok::Int ? "'" + std::string(at_tok.text) + "'"
                                                                               : std::string(tok_spelling(at_tok.kind));
    diags_.error(DiagKind::Expected, &file_, at_tok.loc, "expected " + expected + ", found " + found);
  }
  bool expect(Tok t, const char* what = nullptr) {
    if (accept(t)) return true;
    fail(peek(), what != nullptr ? std::string(what) : std::string(tok_spelling(t)));
    return false;
  }

  // Skips to the next token that can start a declaration at brace depth 0.
  void synchronize() {
    int depth = 0;
    while (!at(Tok::End)) {
      Tok k = peek().kind;
      if (depth == 0 && starts_declaration(peek())) return;
      if (k == Tok::LBrace) ++depth;
      if (k == Tok::RBrace) {
        if (depth > 0) --depth;
        advance();
        if (depth == 0 && starts_declaration(peek())) return;
        continue;
      }
      advance();
    }
  }
  // The machine's declaration words (mm, page, map, irq, task) are not
  // reserved: they start a declaration only at the top level, so `next.mm`
  // and a variable called `page` stay possible.
  static bool machine_word(const Token& t) {
    return t.kind == Tok::Ident && (t.text == "mm" || t.text == "page" || t.text == "map" || t.text == "irq" || t.text == "task" ||
                                    t.text == "pte_bits" || t.text == "swp_entry" || t.text == "frame" || t.text == "import" ||
                                    t.text == "struct" || t.text == "constraint" || t.text == "supports" || t.text == "symmetric");
  }
  static bool starts_declaration(const Token& t) {
    switch (t.kind) {
      case Tok::KwProtocol: case Tok::KwOption: case Tok::KwConst: case Tok::KwEnum:
      case Tok::KwMachine: case Tok::KwVar: case Tok::KwPercpu: case Tok::KwInvariant:
      case Tok::KwFn: case Tok::KwProcess: case Tok::KwOn:
        return true;
      default:
        return machine_word(t);
    }
  }

  // Nesting guard: returns false (and reports once) when too deep.
  struct DepthGuard {
    Parser& p;
    bool ok;
    explicit DepthGuard(Parser& parser) : p(parser), ok(++parser.depth_ <= kMaxNesting) {
      if (!ok && !p.fatal_) {
        p.diags_.error(DiagKind::TooDeep, &p.file_, p.peek().loc,
                       "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
        p.fatal_ = true;
      }
    }
    ~DepthGuard() { --p.depth_; }
  };

  // Every later pass walks expressions recursively, so the height of the
  // tree is limited, not just the nesting of parentheses: `a + b + ... + z`
  // is as deep as it is long.
  ExprId add(Expr e) {
    std::uint32_t height = 1;
    for (ExprId a : e.args) {
      if (a.valid() && a.v < height_.size()) height = std::max(height, height_[a.v] + 1);
    }
    if (height > kMaxExprHeight && !fatal_) {
      diags_.error(DiagKind::TooDeep, &file_, e.loc,
                   "expression nested deeper than " + std::to_string(kMaxExprHeight) + " levels (every operator, index, field and call is a level)");
      fatal_ = true;
    }
    module_.exprs.push_back(std::move(e));
    height_.push_back(height);
    return ExprId{static_cast<std::uint32_t>(module_.exprs.size() - 1)};
  }
  StmtId add(Stmt s) {
    module_.stmts.push_back(std::move(s));
    return StmtId{static_cast<std::uint32_t>(module_.stmts.size() - 1)};
  }

  // ---- declarations ----
  void declaration() {
    const Token& t = peek();
    Decl d;
    d.loc = t.loc;
    switch (t.kind) {
      case Tok::KwProtocol: {
        advance();
        d.kind = DeclKind::Protocol;
        const Token& s = peek();
        if (!expect(Tok::String, "a quoted protocol name")) return;
        d.text = s.text.size() >= 2 ? s.text.substr(1, s.text.size() - 2) : s.text;
        d.name_loc = s.loc;
        accept(Tok::Semi);
        break;
      }
      case Tok::KwOption:
      case Tok::KwConst:
      case Tok::KwVar:
      case Tok::KwPercpu: {
        advance();
        d.kind = t.kind == Tok::KwOption ? DeclKind::Option
                 : t.kind == Tok::KwConst ? DeclKind::Const
                 : t.kind == Tok::KwVar   ? DeclKind::Var
                                          : DeclKind::Percpu;
        if (!name(d)) return;
        bool type_required = d.kind != DeclKind::Const;
        if (accept(Tok::Colon)) {
          d.has_type = true;
          d.type = type();
        } else if (type_required) {
          fail(peek(), "':' and a type");
          return;
        }
        bool init_required = d.kind == DeclKind::Option || d.kind == DeclKind::Const;
        bool is_var = d.kind == DeclKind::Var || d.kind == DeclKind::Percpu;
        if (is_var && at(Tok::Assign) && peek(1).kind == Tok::LBrace) {  // = { e1, e2, ... }
          advance();
          advance();
          do {
            if (at(Tok::RBrace)) break;
            d.inits.push_back(expression());
          } while (ok() && accept(Tok::Comma));
          if (!ok() || !expect(Tok::RBrace, "'}' to close the initial values")) return;
        } else if (accept(Tok::Assign)) {
          d.value = expression();
        } else if (init_required) {
          fail(peek(), d.kind == DeclKind::Option ? "'=' and the option's default value" : "'=' and the constant's value");
          return;
        }
        if (d.kind == DeclKind::Option && ok() && accept(Tok::KwIf)) d.condition = spanned(d.condition_loc);
        if (!ok()) return;
        if (d.kind == DeclKind::Option) {
          accept(Tok::Semi);  // the DESIGN sketch writes options without ';'
        } else if (!expect(Tok::Semi)) {
          return;
        }
        break;
      }
      case Tok::KwEnum: {
        advance();
        d.kind = DeclKind::Enum;
        if (!name(d)) return;
        if (!enum_members(d.members, d.member_locs)) return;
        accept(Tok::Semi);
        break;
      }
      case Tok::KwMachine: {
        advance();
        d.kind = DeclKind::Machine;
        if (!expect(Tok::LBrace)) return;
        while (ok() && !at(Tok::RBrace) && !at(Tok::End)) {
          MachineField f;
          if (!field_name(f.name, f.loc)) return;
          if (!expect(Tok::Assign)) return;
          if (f.name == "dcache" && peek().kind == Tok::Ident && (peek().text == "none" || peek().text == "vipt")) {
            // dcache = none | vipt | vipt(colours = K): sugar for dcache.colours
            const Token& kind = advance();
            Expr colours;
            colours.kind = ExprKind::Int;
            colours.loc = kind.loc;
            colours.value = kind.text == "none" ? 0 : 2;
            f.name = "dcache.colours";
            f.value = add(std::move(colours));
            if (kind.text == "vipt" && accept(Tok::LParen)) {
              if (!word("colours") || !expect(Tok::Assign)) {
                if (ok()) fail(peek(), "'colours = K'");
                return;
              }
              f.value = expression();
              if (!ok() || !expect(Tok::RParen)) return;
            }
          } else {
            f.value = expression();
          }
          if (!expect(Tok::Semi)) return;
          d.fields.push_back(f);
        }
        if (!expect(Tok::RBrace)) return;
        accept(Tok::Semi);
        break;
      }
      case Tok::KwInvariant: {
        advance();
        d.kind = DeclKind::Invariant;
        if (!name(d)) return;
        if (accept(Tok::KwOn)) {  // `on request`: checked only when named with --property
          if (!word("request")) {
            fail(peek(), "'request' (an invariant checked on request: invariant NAME on request: ...)");
            return;
          }
          d.flag = true;
        }
        if (!expect(Tok::Colon)) return;
        d.value = expression();
        if (!ok() || !expect(Tok::Semi)) return;
        break;
      }
      case Tok::KwFn: {
        advance();
        d.kind = DeclKind::Fn;
        if (!name(d)) return;
        if (!expect(Tok::LParen)) return;
        if (!at(Tok::RParen)) {
          do {
            Param p;
            const Token& pn = peek();
            if (!expect(Tok::Ident, "a parameter name")) return;
            p.name = pn.text;
            p.loc = pn.loc;
            if (!expect(Tok::Colon, "':' and the parameter's type")) return;
            p.type = type();
            d.params.push_back(std::move(p));
          } while (ok() && accept(Tok::Comma));
        }
        if (!expect(Tok::RParen)) return;
        if (accept(Tok::Arrow)) {
          d.has_type = true;
          d.type = type();
        }
        if (at(Tok::Ident) && peek().text == "sync") {  // (a word of its own only here)
          advance();
          d.sync = true;
        }
        d.body = block();
        break;
      }
      case Tok::KwProcess: {
        advance();
        d.kind = DeclKind::Process;
        if (!name(d)) return;
        if (!expect(Tok::KwOn, "'on cpu N', 'on cpus LO..HI' or 'on each cpu'")) return;
        if (!placement(d)) return;
        d.body = block();
        break;
      }
      case Tok::KwOn: {  // on HOOK(params) { ... }
        advance();
        d.kind = DeclKind::Hook;
        if (!name(d) || !params(d)) return;
        d.body = block();
        break;
      }
      case Tok::Ident:
        if (machine_word(t)) {
          machine_declaration(d);
          return;
        }
        [[fallthrough]];
      default:
        fail(t, "a declaration (protocol, option, const, enum, symmetric enum, machine, var, percpu, invariant, fn, process, mm, frame, page, map, irq, task, pte_bits, swp_entry, supports or on)");
        return;
    }
    if (ok()) module_.decls.push_back(std::move(d));
  }

  // A machine field's name, dotted or not: tlb.pcid, levels.
  bool field_name(std::string_view& name, Loc& loc) {
    const Token& first = peek();
    if (!expect(Tok::Ident, "a machine field name")) return false;
    std::uint32_t end = first.loc.offset + first.loc.length;
    while (at(Tok::Dot)) {
      advance();
      const Token& part = peek();
      if (!expect(Tok::Ident, "a field name after '.'")) return false;
      end = part.loc.offset + part.loc.length;
    }
    loc = {first.loc.offset, end - first.loc.offset};
    name = file_.text().substr(loc.offset, loc.length);
    return true;
  }

  // An expression and, in `span`, the text it was written with.
  ExprId spanned(Loc& span) {
    const std::uint32_t begin = peek().loc.offset;
    ExprId e = expression();
    const Token& last = toks_[pos_ > 0 ? pos_ - 1 : 0];
    span = {begin, std::max(begin + 1, last.loc.offset + last.loc.length) - begin};
    return e;
  }

  // supports FIELD = VALUE ["why"];  supports FIELD in LO..HI ["why"];
  void supports(Decl& d) {
    d.kind = DeclKind::Supports;
    if (!field_name(d.name, d.name_loc)) return;
    const std::uint32_t begin = d.name_loc.offset;
    if (accept(Tok::Assign)) {
      d.value = expression();
    } else if (word("in")) {
      d.value = expression();
      if (!ok() || !expect(Tok::DotDot, "'..' and the last value, as in supports levels in 2..4;")) return;
      d.last = expression();
    } else {
      fail(peek(), "'= VALUE' or 'in LO..HI', as in supports tlb.pcid = false;");
      return;
    }
    if (!ok()) return;
    const Token& last = toks_[pos_ - 1];
    d.condition_loc = {begin, last.loc.offset + last.loc.length - begin};
    if (at(Tok::String)) {
      const Token& s = advance();
      d.text = s.text.size() >= 2 ? s.text.substr(1, s.text.size() - 2) : s.text;
    }
    if (!expect(Tok::Semi)) return;
    module_.decls.push_back(std::move(d));
  }

  bool params(Decl& d) {
    if (!expect(Tok::LParen)) return false;
    if (!at(Tok::RParen)) {
      do {
        Param p;
        const Token& pn = peek();
        if (!expect(Tok::Ident, "a parameter name")) return false;
        p.name = pn.text;
        p.loc = pn.loc;
        if (!expect(Tok::Colon, "':' and the parameter's type")) return false;
        p.type = type();
        d.params.push_back(std::move(p));
      } while (ok() && accept(Tok::Comma));
    }
    return expect(Tok::RParen);
  }

  // after `on`: `each cpu` | `cpu N` | `cpus LO..HI` (one instance per CPU in the range, none if empty)
  bool placement(Decl& d) {
    if (accept(Tok::KwEach)) {
      d.each_cpu = true;
      return expect(Tok::KwCpu);
    }
    if (word("cpus")) {
      d.cpu = expression();
      if (!ok() || !expect(Tok::DotDot, "'..' and the last CPU, as in 'on cpus 1..nr_cpus - 1'")) return false;
      d.at = expression();  // the last CPU
      return ok();
    }
    if (!expect(Tok::KwCpu, "'cpu', 'cpus' or 'each'")) return false;
    d.cpu = expression();
    return ok();
  }

  bool word(std::string_view w) {
    if (peek().kind == Tok::Ident && peek().text == w) {
      advance();
      return true;
    }
    return false;
  }

  void machine_declaration(Decl& d) {
    std::string_view w = advance().text;
    if (w == "import") {  // import "lib/spinlock.tlb"
      d.kind = DeclKind::Import;
      const Token& s = peek();
      if (!expect(Tok::String, "a quoted file name, as in import \"lib/spinlock.tlb\"")) return;
      d.text = s.text.size() >= 2 ? s.text.substr(1, s.text.size() - 2) : s.text;
      d.name_loc = s.loc;
      accept(Tok::Semi);
      module_.decls.push_back(std::move(d));
      return;
    }
    if (w == "symmetric") {  // symmetric enum NAME { A, B, C }: values no text tells apart
      if (!expect(Tok::KwEnum, "'enum': 'symmetric' declares an enum whose values are interchangeable, as in symmetric enum task_id { T1, T2, T3 }")) return;
      d.kind = DeclKind::Enum;
      d.flag = true;
      if (!name(d)) return;
      if (!enum_members(d.members, d.member_locs)) return;
      accept(Tok::Semi);
      module_.decls.push_back(std::move(d));
      return;
    }
    if (w == "pte_bits" || w == "swp_entry") {  // pte_bits { protnone, numa }  swp_entry { swap, migration }
      d.kind = w == "pte_bits" ? DeclKind::PteBits : DeclKind::SwpEntry;
      d.name = w;
      d.name_loc = d.loc;
      if (!enum_members(d.members, d.member_locs)) return;
      accept(Tok::Semi);
      module_.decls.push_back(std::move(d));
      return;
    }
    if (w == "supports") {
      supports(d);
      return;
    }
    if (w == "constraint") {  // constraint [NAME:] EXPR;
      d.kind = DeclKind::Constraint;
      if (at(Tok::Ident) && peek(1).kind == Tok::Colon) {
        if (!name(d)) return;
        advance();
      }
      d.value = expression();
      if (!ok() || !expect(Tok::Semi)) return;
      module_.decls.push_back(std::move(d));
      return;
    }
    if (w == "struct") {  // struct NAME { FIELD: TYPE [= INIT]; ... }
      d.kind = DeclKind::Struct;
      if (!name(d)) return;
      if (!expect(Tok::LBrace, "'{' and the struct's fields, as in struct mmu_gather { start: int[0..3]; fullmm: bool; }")) return;
      if (!fields(d, "a field name")) return;
      module_.decls.push_back(std::move(d));
      return;
    }
    if (w == "frame" && !at(Tok::LBrace)) {
      fail(peek(), "'{' and the fields every frame has (frame { mapcount: int[0..2] = 0; dirty: bool; })");
      return;
    }
    if (w == "mm" || w == "frame") {
      if (at(Tok::LBrace)) {  // the fields every mm (every frame) has
        advance();
        d.kind = w == "mm" ? DeclKind::MmFields : DeclKind::FrameFields;
        if (!fields(d, w == "mm" ? "an mm field name" : "a frame field name")) return;
        module_.decls.push_back(std::move(d));
        return;
      }
      do {  // mm A, B;  or  mm A = { .field = value, ... }, B;
        Decl m = d;
        m.kind = DeclKind::Mm;
        if (!name(m)) return;
        if (accept(Tok::Assign)) {
          if (!expect(Tok::LBrace, "'{' and the fields' initial values, as in mm A = { .asid = 1 };")) return;
          while (ok() && !at(Tok::RBrace)) {
            if (!expect(Tok::Dot, "'.' and a field name, as in .asid = 1")) return;
            Param p;
            const Token& fn = peek();
            if (!expect(Tok::Ident, "an mm field name")) return;
            p.name = fn.text;
            p.loc = fn.loc;
            if (!expect(Tok::Assign, "'=' and the field's initial value")) return;
            p.init = expression();
            if (!ok()) return;
            m.params.push_back(std::move(p));
            if (!accept(Tok::Comma)) break;
          }
          if (!expect(Tok::RBrace)) return;
        }
        module_.decls.push_back(std::move(m));
      } while (accept(Tok::Comma));
      expect(Tok::Semi);
      return;
    }
    if (w == "page") {
      d.kind = DeclKind::Page;
      if (!name(d)) return;
      if (word("at")) d.at = expression();
      if (ok() && word("kernel")) d.flag = true;
      if (!ok() || !expect(Tok::Semi)) return;
    } else if (w == "map") {
      d.kind = DeclKind::Map;
      const Token& mm = peek();
      if (!expect(Tok::Ident, "an mm name, as in map M.V;")) return;
      d.mm = mm.text;
      d.mm_loc = mm.loc;
      if (!expect(Tok::Dot, "'.' and a page name, as in map M.V;")) return;
      if (!name(d)) return;
      if (word("readonly")) d.flag = true;
      if (!expect(Tok::Semi)) return;
    } else if (w == "irq") {
      d.kind = DeclKind::Irq;
      if (!name(d)) return;
      if (at(Tok::LParen) && !params(d)) return;  // an IPI's arguments
      if (word("fires")) {
        d.at = expression();
        if (!ok() || !expect(Tok::KwOn, "'on cpu N' after the number of times it fires") || !expect(Tok::KwCpu)) return;
        d.cpu = expression();
      }
      if (!ok()) return;
      d.body = block();
    } else {  // task NAME: user(MM) | kernel on cpu N | on each cpu [sleeping] { ... }
      d.kind = DeclKind::Task;
      if (!name(d) || !expect(Tok::Colon, "':' and 'user(MM)' or 'kernel'")) return;
      if (word("kernel")) {
        d.kernel_task = true;
      } else if (word("user")) {
        if (!expect(Tok::LParen)) return;
        const Token& mm = peek();
        if (!expect(Tok::Ident, "the task's mm")) return;
        d.mm = mm.text;
        d.mm_loc = mm.loc;
        if (!expect(Tok::RParen)) return;
      } else {
        fail(peek(), "'user(MM)' or 'kernel'");
        return;
      }
      if (!expect(Tok::KwOn, "'on cpu N', 'on cpus LO..HI' or 'on each cpu'")) return;
      if (!placement(d)) return;
      if (ok() && word("sleeping")) d.flag = true;
      if (!ok()) return;
      d.body = block();
    }
    if (ok()) module_.decls.push_back(std::move(d));
  }

  bool name(Decl& d) {
    const Token& n = peek();
    if (!expect(Tok::Ident, "a name")) return false;
    d.name = n.text;
    d.name_loc = n.loc;
    return true;
  }

  bool enum_members(std::vector<std::string_view>& members, std::vector<Loc>& locs) {
    if (!expect(Tok::LBrace)) return false;
    do {
      if (at(Tok::RBrace)) break;  // trailing comma
      const Token& m = peek();
      if (!expect(Tok::Ident, "an enumerator name")) return false;
      members.push_back(m.text);
      locs.push_back(m.loc);
    } while (accept(Tok::Comma));
    return expect(Tok::RBrace);
  }

  // `FIELD: TYPE [= INIT]; ... }` after the '{' of a struct, mm or frame
  // declaration, into d.params; false after an error.
  bool fields(Decl& d, const char* what) {
    while (ok() && !at(Tok::RBrace) && !at(Tok::End)) {
      Param p;
      const Token& pn = peek();
      if (!expect(Tok::Ident, what)) return false;
      p.name = pn.text;
      p.loc = pn.loc;
      if (!expect(Tok::Colon, "':' and the field's type")) return false;
      p.type = type();
      if (accept(Tok::Assign)) p.init = expression();
      if (!ok() || !expect(Tok::Semi)) return false;
      d.params.push_back(std::move(p));
    }
    if (!expect(Tok::RBrace)) return false;
    accept(Tok::Semi);
    return true;
  }

  TypeSyntax type() {
    TypeSyntax t;
    t.loc = peek().loc;
    DepthGuard guard(*this);
    if (!guard.ok) return t;
    if (accept(Tok::Amp)) t.reference = true;  // (allowed on parameters only: the analysis says so)
    const Token& b = peek();
    t.base = b.kind;
    switch (b.kind) {
      case Tok::KwBool:
      case Tok::KwCpu:
      case Tok::KwCpumask:
        advance();
        break;
      case Tok::KwInt:
        advance();
        if (!expect(Tok::LBracket, "'[' and a range, as in int[0..3]")) return t;
        t.lo = expression();
        if (!expect(Tok::DotDot)) return t;
        t.hi = expression();
        if (!expect(Tok::RBracket)) return t;
        break;
      case Tok::KwEnum:
        advance();
        if (!enum_members(t.members, t.member_locs)) return t;
        break;
      case Tok::Ident:
        advance();
        t.name = b.text;
        break;
      default:
        fail(b, "a type (bool, int[lo..hi], cpu, cpumask, enum { ... }, or the name of an enum or a struct)");
        return t;
    }
    while (ok() && at(Tok::LBracket)) {
      advance();
      t.dims.push_back(expression());
      if (!expect(Tok::RBracket)) return t;
    }
    t.loc.length = peek().loc.offset > t.loc.offset ? toks_[pos_ - 1].loc.offset + toks_[pos_ - 1].loc.length - t.loc.offset : 1;
    return t;
  }

  // ---- statements ----
  StmtId block() {
    DepthGuard guard(*this);
    Stmt s;
    s.kind = StmtKind::Block;
    s.loc = peek().loc;
    if (!guard.ok || !expect(Tok::LBrace, "'{'")) return {};
    while (ok() && !at(Tok::RBrace) && !at(Tok::End)) {
      StmtId st = statement();
      if (st.valid()) s.list.push_back(st);
    }
    if (!expect(Tok::RBrace, "'}' to close the block")) return {};
    return add(std::move(s));
  }

  StmtId statement() {
    DepthGuard guard(*this);
    if (!guard.ok) return {};
    if (at(Tok::Ident) && peek(1).kind == Tok::Colon) {  // LABEL: statement
      const Token& label = advance();
      advance();
      StmtId labelled = statement();
      if (!labelled.valid()) return {};
      if (!module_.at(labelled).label.empty()) {
        fail(label, "one label per statement");
        return {};
      }
      module_.at(labelled).label = label.text;
      module_.at(labelled).label_loc = label.loc;
      return labelled;
    }
    const Token& t = peek();
    Stmt s;
    s.loc = t.loc;
    // for (NAME: TYPE) BODY; choose NAME in LO..HI; choose NAME: TYPE; (words of their own only here)
    if (t.kind == Tok::Ident && t.text == "for" && peek(1).kind == Tok::LParen && peek(2).kind == Tok::Ident && peek(3).kind == Tok::Colon) {
      advance();
      advance();
      s.kind = StmtKind::For;
      const Token& n = advance();
      s.name = n.text;
      s.name_loc = n.loc;
      advance();
      s.has_type = true;
      s.type = type();
      if (!ok() || !expect(Tok::RParen)) return {};
      s.body = block();
      return ok() ? add(std::move(s)) : StmtId{};
    }
    if (t.kind == Tok::Ident && t.text == "choose" && peek(1).kind == Tok::Ident &&
        (peek(2).kind == Tok::Colon || (peek(2).kind == Tok::Ident && peek(2).text == "in"))) {
      advance();
      s.kind = StmtKind::Choose;
      const Token& n = advance();
      s.name = n.text;
      s.name_loc = n.loc;
      s.has_type = true;
      if (accept(Tok::Colon)) {
        s.type = type();
      } else {  // in LO..HI: an int range
        advance();
        s.type.loc = peek().loc;
        s.type.base = Tok::KwInt;
        s.type.lo = expression();
        if (!ok() || !expect(Tok::DotDot, "'..' and the last value, as in choose t in 1..3;")) return {};
        s.type.hi = expression();
      }
      if (!ok() || !expect(Tok::Semi)) return {};
      return add(std::move(s));
    }
    switch (t.kind) {
      case Tok::LBrace:
        return block();
      case Tok::KwLet: {
        advance();
        s.kind = StmtKind::Let;
        const Token& n = peek();
        if (!expect(Tok::Ident, "a variable name")) return {};
        s.name = n.text;
        s.name_loc = n.loc;
        if (accept(Tok::Colon)) {
          s.has_type = true;
          s.type = type();
        }
        if (accept(Tok::Assign)) s.value = expression();
        else if (!s.has_type) {
          fail(peek(), "':' and a type, or '=' and an initial value");
          return {};
        }
        if (!ok() || !expect(Tok::Semi)) return {};
        return add(std::move(s));
      }
      case Tok::KwIf: {
        advance();
        s.kind = StmtKind::If;
        if (!expect(Tok::LParen, "'(' after 'if'")) return {};
        s.value = expression();
        if (!ok() || !expect(Tok::RParen)) return {};
        s.body = block();
        if (ok() && accept(Tok::KwElse)) {
          s.else_body = at(Tok::KwIf) ? statement() : block();
        }
        return ok() ? add(std::move(s)) : StmtId{};
      }
      case Tok::KwWhile: {
        advance();
        s.kind = StmtKind::While;
        if (!expect(Tok::LParen, "'(' after 'while'")) return {};
        s.value = expression();
        if (!ok() || !expect(Tok::RParen)) return {};
        s.body = block();
        return ok() ? add(std::move(s)) : StmtId{};
      }
      case Tok::KwLoop:
      case Tok::KwAtomic:
        advance();
        s.kind = t.kind == Tok::KwLoop ? StmtKind::Loop : StmtKind::Atomic;
        s.body = block();
        return ok() ? add(std::move(s)) : StmtId{};
      case Tok::KwEither:
        advance();
        s.kind = StmtKind::Either;
        s.list.push_back(block());
        if (ok() && !at(Tok::KwOr)) {
          fail(peek(), "'or' and a second alternative");
          return {};
        }
        while (ok() && accept(Tok::KwOr)) s.list.push_back(block());
        return ok() ? add(std::move(s)) : StmtId{};
      case Tok::KwBreak:
      case Tok::KwContinue:
      case Tok::KwSkip:
        advance();
        s.kind = t.kind == Tok::KwBreak ? StmtKind::Break : t.kind == Tok::KwContinue ? StmtKind::Continue : StmtKind::Skip;
        if (!expect(Tok::Semi)) return {};
        return add(std::move(s));
      case Tok::KwReturn:
        advance();
        s.kind = StmtKind::Return;
        if (!at(Tok::Semi)) s.value = expression();
        if (!ok() || !expect(Tok::Semi)) return {};
        return add(std::move(s));
      case Tok::KwAwait:
      case Tok::KwAssert:
      case Tok::KwBugOn:
        advance();
        s.kind = t.kind == Tok::KwAwait ? StmtKind::Await : t.kind == Tok::KwAssert ? StmtKind::Assert : StmtKind::BugOn;
        if (!expect(Tok::LParen)) return {};
        s.value = expression();
        if (!ok() || !expect(Tok::RParen) || !expect(Tok::Semi)) return {};
        return add(std::move(s));
      default:
        break;
    }
    // assignment or call
    ExprId lhs = expression();
    if (!ok()) return {};
    const Token& op = peek();
    if (op.kind == Tok::Assign || op.kind == Tok::PlusAssign || op.kind == Tok::MinusAssign) {
      advance();
      s.kind = StmtKind::Assign;
      s.op = op.kind;
      s.target = lhs;
      s.value = expression();
    } else if (op.kind == Tok::PlusPlus || op.kind == Tok::MinusMinus) {
      advance();
      s.kind = StmtKind::Assign;
      s.op = op.kind == Tok::PlusPlus ? Tok::PlusAssign : Tok::MinusAssign;
      s.target = lhs;
      Expr one;
      one.kind = ExprKind::Int;
      one.loc = op.loc;
      one.value = 1;
      s.value = add(std::move(one));
    } else if (module_.at(lhs).kind == ExprKind::Call) {
      s.kind = StmtKind::Call;
      s.value = lhs;
    } else {
      fail(op, "'=', '+=', '-=', '++', '--' or a call (a statement)");
      return {};
    }
    if (!ok() || !expect(Tok::Semi)) return {};
    return add(std::move(s));
  }

  // ---- expressions: precedence climbing ----
  static int precedence(Tok t) {
    switch (t) {
      case Tok::PipePipe: return 1;
      case Tok::AmpAmp: return 2;
      case Tok::Pipe: return 3;
      case Tok::Caret: return 4;
      case Tok::Amp: return 5;
      case Tok::Eq: case Tok::Ne: return 6;
      case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: return 7;
      case Tok::Shl: case Tok::Shr: return 8;
      case Tok::Plus: case Tok::Minus: return 9;
      case Tok::Star: case Tok::Slash: case Tok::Percent: return 10;
      default: return 0;
    }
  }

  ExprId expression() {
    DepthGuard guard(*this);
    if (!guard.ok) return {};
    ExprId c = binary(1);
    if (ok() && at(Tok::Question)) {
      Expr e;
      e.kind = ExprKind::Cond;
      e.loc = peek().loc;
      advance();
      ExprId a = expression();
      if (!ok() || !expect(Tok::Colon, "':' of a conditional expression")) return {};
      ExprId b = expression();
      e.args = {c, a, b};
      return add(std::move(e));
    }
    return c;
  }

  ExprId binary(int min_prec) {
    ExprId lhs = unary();
    while (ok()) {
      Tok op = peek().kind;
      int p = precedence(op);
      if (p == 0 || p < min_prec) break;
      Loc loc = peek().loc;
      advance();
      ExprId rhs = binary(p + 1);
      Expr e;
      e.kind = ExprKind::Binary;
      e.op = op;
      e.loc = loc;
      e.args = {lhs, rhs};
      lhs = add(std::move(e));
    }
    return lhs;
  }

  ExprId unary() {
    const Token& t = peek();
    if (t.kind == Tok::Bang || t.kind == Tok::Minus || t.kind == Tok::Tilde || t.kind == Tok::Amp) {
      advance();
      DepthGuard guard(*this);
      if (!guard.ok) return {};
      Expr e;
      e.kind = ExprKind::Unary;
      e.op = t.kind;
      e.loc = t.loc;
      e.args = {unary()};
      return ok() ? add(std::move(e)) : ExprId{};
    }
    return postfix();
  }

  ExprId postfix() {
    ExprId base = primary();
    while (ok() && (at(Tok::LBracket) || at(Tok::Dot) || at(Tok::Arrow))) {
      Expr e;
      e.loc = peek().loc;
      if (at(Tok::Dot) || at(Tok::Arrow)) {  // tlb.start, or tlb->start through a reference
        e.op = advance().kind;
        const Token& field = peek();
        if (!expect(Tok::Ident, e.op == Tok::Arrow ? "a field name after '->'" : "a field name after '.'")) return {};
        e.kind = ExprKind::Member;
        e.name = field.text;
        e.loc = field.loc;
        e.args = {base};
        base = add(std::move(e));
        continue;
      }
      e.kind = ExprKind::Index;
      advance();
      ExprId idx = expression();
      if (!ok() || !expect(Tok::RBracket)) return {};
      e.args = {base, idx};
      base = add(std::move(e));
    }
    return base;
  }

  ExprId primary() {
    const Token& t = peek();
    Expr e;
    e.loc = t.loc;
    switch (t.kind) {
      case Tok::Int:
        advance();
        e.kind = ExprKind::Int;
        e.value = t.value;
        return add(std::move(e));
      case Tok::KwTrue:
      case Tok::KwFalse:
        advance();
        e.kind = ExprKind::Bool;
        e.value = t.kind == Tok::KwTrue;
        return add(std::move(e));
      case Tok::LParen: {
        advance();
        ExprId inner = expression();
        if (!ok() || !expect(Tok::RParen)) return {};
        return inner;
      }
      case Tok::KwLet: {  // let NAME = VALUE in BODY
        advance();
        e.kind = ExprKind::Let;
        const Token& v = peek();
        if (!expect(Tok::Ident, "a name, as in let m = M.cpu_vm_mask in ...")) return {};
        e.name = v.text;
        if (!expect(Tok::Assign, "'=' and the value it names")) return {};
        ExprId value = expression();
        if (!ok()) return {};
        if (!(at(Tok::Ident) && peek().text == "in")) {
          fail(peek(), "'in' and the expression that uses it");
          return {};
        }
        advance();
        e.args = {value, expression()};  // the body extends as far right as possible
        return ok() ? add(std::move(e)) : ExprId{};
      }
      case Tok::KwForall:
      case Tok::KwExists:
      case Tok::KwCount: {
        advance();
        e.kind = ExprKind::Quant;
        e.op = t.kind;
        if (!expect(Tok::LParen, "'(' and a bound variable, as in forall (c: cpu) ...")) return {};
        const Token& v = peek();
        if (!expect(Tok::Ident, "a bound variable name")) return {};
        e.name = v.text;
        if (!expect(Tok::Colon)) return {};
        e.quant_type = type();
        if (!ok() || !expect(Tok::RParen)) return {};
        e.args = {expression()};  // the body extends as far right as possible
        return ok() ? add(std::move(e)) : ExprId{};
      }
      case Tok::Ident: {
        advance();
        if (t.text == "this_cpu") {
          e.kind = ExprKind::ThisCpu;
          return add(std::move(e));
        }
        e.name = t.text;
        if (at(Tok::LParen)) {
          advance();
          e.kind = ExprKind::Call;
          if (!at(Tok::RParen)) {
            do {
              e.args.push_back(expression());
            } while (ok() && accept(Tok::Comma));
          }
          if (!ok() || !expect(Tok::RParen, "')' to close the call")) return {};
          return add(std::move(e));
        }
        e.kind = ExprKind::Name;
        return add(std::move(e));
      }
      default:
        fail(t, "an expression");
        return {};
    }
  }

  const SourceFile& file_;
  const std::vector<Token>& toks_;
  Diagnostics& diags_;
  Module module_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::uint32_t> height_;  // per expression: the height of its tree
  bool failed_ = false;  // an error in the current declaration: resynchronize
  bool fatal_ = false;   // nesting limit: stop parsing altogether
};

}  // namespace

Module parse(const SourceFile& file, const std::vector<Token>& tokens, Diagnostics& diags) {
  Parser p(file, tokens, diags);
  return p.run();
}

}  // namespace tlbcheck::model
