// A protocol file held in memory, with line lookup for diagnostics.
// Ownership: a SourceFile owns its text; SourceLoc values refer to it by
// offset, so they stay valid as long as the SourceFile lives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tlbcheck::model {

struct Loc {
  std::uint32_t offset = 0;  // byte offset into the file
  std::uint32_t length = 1;  // bytes underlined by the caret
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  std::string_view text() const { return text_; }
  std::uint32_t line_of(std::uint32_t offset) const;    // 1-based
  std::uint32_t column_of(std::uint32_t offset) const;  // 1-based, in bytes
  std::string_view line_text(std::uint32_t line) const;  // without newline

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

}  // namespace tlbcheck::model
