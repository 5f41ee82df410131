#include "model/lang/lexer.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <utility>

namespace tlbcheck::model {

namespace {

constexpr std::array<std::pair<std::string_view, Tok>, 37> kKeywords{{
    {"protocol", Tok::KwProtocol}, {"option", Tok::KwOption},     {"const", Tok::KwConst},
    {"enum", Tok::KwEnum},         {"machine", Tok::KwMachine},   {"var", Tok::KwVar},
    {"percpu", Tok::KwPercpu},     {"invariant", Tok::KwInvariant}, {"fn", Tok::KwFn},
    {"process", Tok::KwProcess},   {"on", Tok::KwOn},             {"each", Tok::KwEach},
    {"cpu", Tok::KwCpu},           {"let", Tok::KwLet},           {"if", Tok::KwIf},
    {"else", Tok::KwElse},         {"while", Tok::KwWhile},       {"loop", Tok::KwLoop},
    {"break", Tok::KwBreak},       {"continue", Tok::KwContinue}, {"return", Tok::KwReturn},
    {"atomic", Tok::KwAtomic},     {"await", Tok::KwAwait},       {"assert", Tok::KwAssert},
    {"BUG_ON", Tok::KwBugOn},      {"either", Tok::KwEither},     {"or", Tok::KwOr},
    {"skip", Tok::KwSkip},         {"true", Tok::KwTrue},         {"false", Tok::KwFalse},
    {"bool", Tok::KwBool},         {"int", Tok::KwInt},           {"cpumask", Tok::KwCpumask},
    {"forall", Tok::KwForall},     {"exists", Tok::KwExists},     {"count", Tok::KwCount},
    {"BUG", Tok::Ident},  // BUG() is a built-in function, not a keyword
}};

// The length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::uint32_t utf8_length(std::string_view text, std::uint32_t i) {
  auto byte = [&](std::uint32_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  auto cont = [&](std::uint32_t k) { return (byte(k) & 0xc0u) == 0x80u; };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    unsigned lo = b0 == 0xe0 ? 0xa0 : 0x80, hi = b0 == 0xed ? 0x9f : 0xbf;
    return byte(1) >= lo && byte(1) <= hi && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    unsigned lo = b0 == 0xf0 ? 0x90 : 0x80, hi = b0 == 0xf4 ? 0x8f : 0xbf;
    return byte(1) >= lo && byte(1) <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::string_view tok_spelling(Tok t) {
  switch (t) {
    case Tok::End: return "end of file";
    case Tok::Ident: return "identifier";
    case Tok::Int: return "integer";
    case Tok::String: return "string";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::LBrace: return "'{'";
    case Tok::RBrace: return "'}'";
    case Tok::LBracket: return "'['";
    case Tok::RBracket: return "']'";
    case Tok::Comma: return "','";
    case Tok::Semi: return "';'";
    case Tok::Colon: return "':'";
    case Tok::Dot: return "'.'";
    case Tok::DotDot: return "'..'";
    case Tok::Arrow: return "'->'";
    case Tok::Assign: return "'='";
    case Tok::PlusAssign: return "'+='";
    case Tok::MinusAssign: return "'-='";
    case Tok::PlusPlus: return "'++'";
    case Tok::MinusMinus: return "'--'";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Slash: return "'/'";
    case Tok::Percent: return "'%'";
    case Tok::Bang: return "'!'";
    case Tok::Tilde: return "'~'";
    case Tok::Amp: return "'&'";
    case Tok::Pipe: return "'|'";
    case Tok::Caret: return "'^'";
    case Tok::AmpAmp: return "'&&'";
    case Tok::PipePipe: return "'||'";
    case Tok::Eq: return "'=='";
    case Tok::Ne: return "'!='";
    case Tok::Lt: return "'<'";
    case Tok::Le: return "'<='";
    case Tok::Gt: return "'>'";
    case Tok::Ge: return "'>='";
    case Tok::Shl: return "'<<'";
    case Tok::Shr: return "'>>'";
    case Tok::Question: return "'?'";
    default:
      for (auto& [word, kind] : kKeywords) {
        if (kind == t) {
          static thread_local std::string buf;
          buf = "'" + std::string(word) + "'";
          return buf;
        }
      }
      return "token";
  }
}

std::vector<Token> lex(const SourceFile& file, Diagnostics& diags) {
  std::vector<Token> out;
  std::string_view src = file.text();
  std::uint32_t i = 0;
  const std::uint32_t n = static_cast<std::uint32_t>(src.size());
  auto make = [&](Tok kind, std::uint32_t begin, std::uint32_t end) {
    Token t;
    t.kind = kind;
    t.loc = {begin, end - begin};
    t.text = src.substr(begin, end - begin);
    out.push_back(t);
  };
  // Comments and strings may hold any text, but only UTF-8 text: they are
  // quoted in traces and JSON reports. (Elsewhere only ASCII makes tokens.)
  auto check_utf8 = [&](std::uint32_t begin, std::uint32_t end) {
    for (std::uint32_t k = begin; k < end;) {
      std::uint32_t len = utf8_length(src, k);
      if (len == 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(src[k]));
        diags.error(DiagKind::BadEncoding, &file, {k, 1}, std::string("invalid UTF-8 (byte ") + buf + "): protocol files are UTF-8 text");
        return;
      }
      k += len;
    }
  };
  while (i < n && !diags.saturated()) {
    char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && src[i + 1] == '/') {
      std::uint32_t begin = i;
      while (i < n && src[i] != '\n') ++i;
      check_utf8(begin, i);
      continue;
    }
    if (c == '/' && i + 1 < n && src[i + 1] == '*') {
      std::uint32_t begin = i;
      i += 2;
      while (i + 1 < n && !(src[i] == '*' && src[i + 1] == '/')) ++i;
      if (i + 1 >= n) {
        diags.error(DiagKind::UnterminatedComment, &file, {begin, 2}, "unterminated comment: expected '*/'");
        i = n;
      } else {
        i += 2;
      }
      check_utf8(begin, i);
      continue;
    }
    std::uint32_t begin = i;
    if (ident_start(c)) {
      while (i < n && ident_char(src[i])) ++i;
      std::string_view word = src.substr(begin, i - begin);
      Tok kind = Tok::Ident;
      for (auto& [kw, k] : kKeywords) {
        if (kw == word) kind = k;
      }
      make(kind, begin, i);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::int64_t value = 0;
      bool overflow = false;
      bool hex = c == '0' && i + 1 < n && (src[i + 1] == 'x' || src[i + 1] == 'X');
      if (hex) i += 2;
      std::uint32_t digits_begin = i;
      while (i < n && (hex ? std::isxdigit(static_cast<unsigned char>(src[i])) : std::isdigit(static_cast<unsigned char>(src[i])))) {
        int d = std::isdigit(static_cast<unsigned char>(src[i])) ? src[i] - '0' : (std::tolower(src[i]) - 'a' + 10);
        if (value > (INT32_MAX - d) / (hex ? 16 : 10)) overflow = true;
        if (!overflow) value = value * (hex ? 16 : 10) + d;
        ++i;
      }
      bool trailing = i < n && ident_char(src[i]);
      while (i < n && ident_char(src[i])) ++i;
      make(Tok::Int, begin, i);
      out.back().value = value;
      if (overflow) {
        diags.error(DiagKind::BadNumber, &file, {begin, i - begin}, "integer literal '" + std::string(src.substr(begin, i - begin)) + "' is too large (at most 2147483647)");
      } else if (trailing || (hex && digits_begin == i)) {
        diags.error(DiagKind::BadNumber, &file, {begin, i - begin}, "malformed integer literal '" + std::string(src.substr(begin, i - begin)) + "'");
      }
      continue;
    }
    if (c == '"') {
      ++i;
      while (i < n && src[i] != '"' && src[i] != '\n') ++i;
      if (i >= n || src[i] != '"') {
        diags.error(DiagKind::UnterminatedString, &file, {begin, 1}, "unterminated string: expected '\"' before the end of the line");
        make(Tok::String, begin, i);
        continue;
      }
      ++i;
      check_utf8(begin, i);
      make(Tok::String, begin, i);
      continue;
    }
    auto two = [&](char a, char b) { return c == a && i + 1 < n && src[i + 1] == b; };
    Tok kind = Tok::End;
    std::uint32_t len = 2;
    if (two('.', '.')) kind = Tok::DotDot;
    else if (two('-', '>')) kind = Tok::Arrow;
    else if (two('+', '=')) kind = Tok::PlusAssign;
    else if (two('-', '=')) kind = Tok::MinusAssign;
    else if (two('+', '+')) kind = Tok::PlusPlus;
    else if (two('-', '-')) kind = Tok::MinusMinus;
    else if (two('&', '&')) kind = Tok::AmpAmp;
    else if (two('|', '|')) kind = Tok::PipePipe;
    else if (two('=', '=')) kind = Tok::Eq;
    else if (two('!', '=')) kind = Tok::Ne;
    else if (two('<', '=')) kind = Tok::Le;
    else if (two('>', '=')) kind = Tok::Ge;
    else if (two('<', '<')) kind = Tok::Shl;
    else if (two('>', '>')) kind = Tok::Shr;
    else {
      len = 1;
      switch (c) {
        case '(': kind = Tok::LParen; break;
        case ')': kind = Tok::RParen; break;
        case '{': kind = Tok::LBrace; break;
        case '}': kind = Tok::RBrace; break;
        case '[': kind = Tok::LBracket; break;
        case ']': kind = Tok::RBracket; break;
        case ',': kind = Tok::Comma; break;
        case ';': kind = Tok::Semi; break;
        case ':': kind = Tok::Colon; break;
        case '.': kind = Tok::Dot; break;
        case '=': kind = Tok::Assign; break;
        case '+': kind = Tok::Plus; break;
        case '-': kind = Tok::Minus; break;
        case '*': kind = Tok::Star; break;
        case '/': kind = Tok::Slash; break;
        case '%': kind = Tok::Percent; break;
        case '!': kind = Tok::Bang; break;
        case '~': kind = Tok::Tilde; break;
        case '&': kind = Tok::Amp; break;
        case '|': kind = Tok::Pipe; break;
        case '^': kind = Tok::Caret; break;
        case '<': kind = Tok::Lt; break;
        case '>': kind = Tok::Gt; break;
        case '?': kind = Tok::Question; break;
        default: break;
      }
    }
    if (kind == Tok::End) {
      unsigned char u = static_cast<unsigned char>(c);
      char buf[16];
      if (u >= 0x20 && u < 0x7f) std::snprintf(buf, sizeof buf, "'%c'", c);
      else std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
      diags.error(DiagKind::BadCharacter, &file, {begin, 1}, std::string("unexpected character ") + buf + ": expected a token");
      ++i;
      continue;
    }
    i += len;
    make(kind, begin, i);
  }
  Token end;
  end.kind = Tok::End;
  end.loc = {n, 1};
  out.push_back(end);
  return out;
}

}  // namespace tlbcheck::model
