// Diagnostics: every stage of the front end records problems in one sink and
// keeps going; one renderer prints them, compiler style:
//
//   file.tlb:42:7: error: unknown name 'cpu3' [UnknownName]
//     flush(cpu3);
//           ^~~~
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/lang/source.hpp"

namespace tlbcheck::model {

enum class DiagKind : std::uint8_t {
#define TLBCHECK_DIAG(kind, meaning) kind,
#include "model/lang/diagnostic_kinds.def"
#undef TLBCHECK_DIAG
};

std::string_view diag_kind_name(DiagKind kind);

enum class Severity : std::uint8_t { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  DiagKind kind = DiagKind::Expected;
  const SourceFile* file = nullptr;  // null: the diagnostic has no location
  Loc loc;
  std::string message;  // lowercase, no final period, names quoted
};

class Diagnostics {
 public:
  static constexpr std::size_t kMaxErrors = 25;

  void error(DiagKind kind, const SourceFile* file, Loc loc, std::string message);
  void warning(DiagKind kind, const SourceFile* file, Loc loc, std::string message);
  void note(const SourceFile* file, Loc loc, std::string message);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  // True once kMaxErrors errors were recorded: stages should stop early.
  bool saturated() const { return errors_ >= kMaxErrors; }
  const std::vector<Diagnostic>& all() const { return diags_; }

  // Renders every diagnostic in order of recording.
  std::string render() const;

 private:
  std::vector<Diagnostic> diags_;
  std::size_t errors_ = 0;
};

std::string render(const Diagnostic& d);

}  // namespace tlbcheck::model
