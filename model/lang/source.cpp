#include "model/lang/source.hpp"

#include <algorithm>

namespace tlbcheck::model {

SourceFile::SourceFile(std::string name, std::string text) : text_(std::move(text)) {
  parts_.push_back({0, 1, std::move(name)});
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

SourceFile SourceFile::joined(const std::vector<std::pair<std::string, std::string>>& files) {
  SourceFile s;
  s.line_starts_.push_back(0);
  for (const auto& [name, text] : files) {
    s.parts_.push_back({std::uint32_t(s.text_.size()), std::uint32_t(s.line_starts_.size()), name});
    const std::size_t from = s.text_.size();
    s.text_ += text;
    if (!text.empty() && text.back() != '\n') s.text_ += '\n';  // the next file starts on a line of its own
    for (std::size_t i = from; i < s.text_.size(); ++i) {
      if (s.text_[i] == '\n') s.line_starts_.push_back(std::uint32_t(i + 1));
    }
  }
  if (s.parts_.empty()) s.parts_.push_back({0, 1, ""});
  return s;
}

const SourceFile::Part& SourceFile::part_of(std::uint32_t offset) const {
  auto it = std::upper_bound(parts_.begin(), parts_.end(), offset, [](std::uint32_t o, const Part& p) { return o < p.start; });
  return it == parts_.begin() ? parts_.front() : *(it - 1);
}

const std::string& SourceFile::name_at(std::uint32_t offset) const { return part_of(offset).name; }

std::uint32_t SourceFile::global_line(std::uint32_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<std::uint32_t>(it - line_starts_.begin());
}

std::uint32_t SourceFile::line_of(std::uint32_t offset) const { return global_line(offset) - part_of(offset).first_line + 1; }

std::uint32_t SourceFile::column_of(std::uint32_t offset) const { return offset - line_starts_[global_line(offset) - 1] + 1; }

std::string_view SourceFile::line_text_at(std::uint32_t offset) const {
  const std::uint32_t line = global_line(offset);
  std::uint32_t begin = line_starts_[line - 1];
  std::uint32_t end = line < line_starts_.size() ? line_starts_[line] : std::uint32_t(text_.size());
  std::string_view s = std::string_view(text_).substr(begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace tlbcheck::model
