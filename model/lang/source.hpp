// A protocol held in memory, with line lookup for diagnostics: one file,
// or a file and the files it imports, joined into one text (each file
// keeps its own name and line numbers).
// Ownership: a SourceFile owns its text; SourceLoc values refer to it by
// offset, so they stay valid as long as the SourceFile lives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tlbcheck::model {

struct Loc {
  std::uint32_t offset = 0;  // byte offset into the file
  std::uint32_t length = 1;  // bytes underlined by the caret
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  // Files joined in this order, each on lines of its own; the last one is
  // the protocol, the others what it imports.
  static SourceFile joined(const std::vector<std::pair<std::string, std::string>>& files);

  const std::string& name() const { return parts_.back().name; }  // the protocol's file
  std::string_view text() const { return text_; }
  const std::string& name_at(std::uint32_t offset) const;  // the file holding that offset
  bool imported(std::uint32_t offset) const { return &name_at(offset) != &name(); }
  std::uint32_t line_of(std::uint32_t offset) const;    // 1-based, in its own file
  std::uint32_t column_of(std::uint32_t offset) const;  // 1-based, in bytes
  std::string_view line_text_at(std::uint32_t offset) const;  // the line holding that offset, without newline

 private:
  struct Part {
    std::uint32_t start = 0;       // its first byte in the joined text
    std::uint32_t first_line = 1;  // its first line in the joined text
    std::string name;
  };
  SourceFile() = default;
  std::uint32_t global_line(std::uint32_t offset) const;
  const Part& part_of(std::uint32_t offset) const;

  std::vector<Part> parts_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

}  // namespace tlbcheck::model
