#include "model/lang/diagnostics.hpp"

#include <algorithm>

namespace tlbcheck::model {

std::string_view diag_kind_name(DiagKind kind) {
  switch (kind) {
#define TLBCHECK_DIAG(k, meaning) \
  case DiagKind::k:               \
    return #k;
#include "model/lang/diagnostic_kinds.def"
#undef TLBCHECK_DIAG
  }
  return "Unknown";
}

void Diagnostics::error(DiagKind kind, const SourceFile* file, Loc loc, std::string message) {
  if (errors_ > kMaxErrors) return;
  if (errors_ == kMaxErrors) {
    diags_.push_back({Severity::Error, DiagKind::TooManyErrors, nullptr, {},
                      "too many errors, stopping"});
    ++errors_;
    return;
  }
  diags_.push_back({Severity::Error, kind, file, loc, std::move(message)});
  ++errors_;
}

void Diagnostics::warning(DiagKind kind, const SourceFile* file, Loc loc, std::string message) {
  diags_.push_back({Severity::Warning, kind, file, loc, std::move(message)});
}

void Diagnostics::note(const SourceFile* file, Loc loc, std::string message) {
  diags_.push_back({Severity::Note, DiagKind::Expected, file, loc, std::move(message)});
}

namespace {

// Shows control characters and bytes outside ASCII as '?', so a binary file
// cannot garble the terminal.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out.push_back(c == '\t' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : char(c));
  return out;
}

}  // namespace

std::string render(const Diagnostic& d) {
  std::string out;
  const char* sev = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
  if (d.file != nullptr) {
    std::uint32_t line = d.file->line_of(d.loc.offset);
    std::uint32_t col = d.file->column_of(d.loc.offset);
    out += d.file->name_at(d.loc.offset) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    out += std::string(sev) + ": " + d.message;
    if (d.severity != Severity::Note) out += " [" + std::string(diag_kind_name(d.kind)) + "]";
    out += "\n";
    std::string text = printable(d.file->line_text_at(d.loc.offset));
    if (text.size() > 200) text = text.substr(0, 200);
    out += "  " + text + "\n";
    std::uint32_t width = std::max<std::uint32_t>(1, d.loc.length);
    std::uint32_t room = col - 1 < text.size() ? std::uint32_t(text.size() - (col - 1)) : 1;
    width = std::min(width, std::max<std::uint32_t>(1, room));
    out += "  " + std::string(std::min<std::uint32_t>(col - 1, 200), ' ') + "^" + std::string(width - 1, '~') + "\n";
  } else {
    out += "tlbcheck: " + std::string(sev) + ": " + d.message;
    if (d.severity != Severity::Note) out += " [" + std::string(diag_kind_name(d.kind)) + "]";
    out += "\n";
  }
  return out;
}

std::string Diagnostics::render() const {
  std::string out;
  for (const Diagnostic& d : diags_) out += model::render(d);
  return out;
}

}  // namespace tlbcheck::model
