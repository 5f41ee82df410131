#include "checker/cli/patch.hpp"

#include <algorithm>
#include <cstdlib>

namespace tlbcheck::cli {

namespace {

std::vector<std::string> split_lines(const std::string& text, bool& trailing_newline) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    begin = end + 1;
  }
  trailing_newline = !text.empty() && text.back() == '\n';
  return lines;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// "+++ b/protocols/x.tlb\t2026-01-01 ..." -> "protocols/x.tlb"
std::string header_path(const std::string& line) {
  std::string path = line.substr(4);
  if (std::size_t tab = path.find('\t'); tab != std::string::npos) path.resize(tab);
  while (!path.empty() && path.back() == ' ') path.pop_back();
  if (starts_with(path, "a/") || starts_with(path, "b/")) path = path.substr(2);
  return path;
}

// "-12,7" or "-12" -> (12, 7) / (12, 1); false when malformed
bool parse_range(const std::string& text, char sign, std::uint32_t& start, std::uint32_t& count) {
  if (text.size() < 2 || text[0] != sign) return false;
  char* end = nullptr;
  unsigned long s = std::strtoul(text.c_str() + 1, &end, 10);
  if (end == text.c_str() + 1) return false;
  unsigned long c = 1;
  if (*end == ',') {
    const char* count_begin = end + 1;
    c = std::strtoul(count_begin, &end, 10);
    if (end == count_begin) return false;
  }
  if (*end != '\0' || s > 100000000 || c > 100000000) return false;
  start = std::uint32_t(s);
  count = std::uint32_t(c);
  return true;
}

bool parse_hunk_header(const std::string& line, Hunk& h) {
  // "@@ -A,B +C,D @@ heading"
  std::size_t close = line.find(" @@", 3);
  if (close == std::string::npos) return false;
  std::string ranges = line.substr(3, close - 3);
  std::size_t space = ranges.find(' ');
  if (space == std::string::npos) return false;
  h.header = line;
  if (!parse_range(ranges.substr(0, space), '-', h.old_start, h.old_count) || !parse_range(ranges.substr(space + 1), '+', h.new_start, h.new_count)) return false;
  return h.old_start != 0 || h.old_count == 0;  // lines are numbered from 1; line 0 only for an insertion at the top
}

std::string quoted(const std::string& line) { return "'" + (line.size() > 70 ? line.substr(0, 67) + "..." : line) + "'"; }

bool matches_at(const std::vector<std::string>& lines, std::size_t pos, const std::vector<std::string>& want) {
  if (pos + want.size() > lines.size()) return false;
  return std::equal(want.begin(), want.end(), lines.begin() + std::ptrdiff_t(pos));
}

}  // namespace

std::vector<FilePatch> parse_diff(const std::string& diff, std::string& error) {
  bool trailing = false;
  const std::vector<std::string> lines = split_lines(diff, trailing);
  std::vector<FilePatch> files;
  auto fail = [&](std::size_t i, const std::string& what) {
    error = std::to_string(i + 1) + ": " + what;
    files.clear();
    return files;
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (starts_with(line, "--- ") && i + 1 < lines.size() && starts_with(lines[i + 1], "+++ ")) {
      FilePatch f;
      f.path = header_path(lines[i + 1]);
      if (f.path == "/dev/null") return fail(i + 1, "the diff deletes '" + header_path(line) + "'; a patch of a protocol changes it");
      if (header_path(line) == "/dev/null") return fail(i, "the diff creates '" + f.path + "'; a patch of a protocol changes an existing file");
      f.diff_line = std::uint32_t(i + 1);
      files.push_back(std::move(f));
      ++i;
      continue;
    }
    if (!starts_with(line, "@@ ")) continue;  // "diff --git", "index ...", a commit message: not ours
    if (files.empty()) return fail(i, "a hunk before any '--- FILE' / '+++ FILE' header");
    Hunk h;
    h.diff_line = std::uint32_t(i + 1);
    if (!parse_hunk_header(line, h)) return fail(i, "expected a hunk header '@@ -LINE,COUNT +LINE,COUNT @@', found " + quoted(line));
    std::uint32_t old_left = h.old_count, new_left = h.new_count;
    while (old_left > 0 || new_left > 0) {
      if (++i >= lines.size()) return fail(i - 1, "the diff ends inside the hunk at line " + std::to_string(h.diff_line) + " (it promised more lines)");
      const std::string& body = lines[i];
      const char kind = body.empty() ? ' ' : body[0];  // an empty line: a blank context line whose space was stripped
      const std::string rest = body.empty() ? "" : body.substr(1);
      if (kind == '\\') continue;  // "\ No newline at end of file"
      if ((kind == ' ' || kind == '-') && old_left == 0) return fail(i, "the hunk at line " + std::to_string(h.diff_line) + " has more old lines than its header says");
      if ((kind == ' ' || kind == '+') && new_left == 0) return fail(i, "the hunk at line " + std::to_string(h.diff_line) + " has more new lines than its header says");
      if (kind == ' ') {
        h.old_lines.push_back(rest);
        h.new_lines.push_back(rest);
        --old_left;
        --new_left;
      } else if (kind == '-') {
        h.old_lines.push_back(rest);
        --old_left;
      } else if (kind == '+') {
        h.new_lines.push_back(rest);
        --new_left;
      } else {
        return fail(i, "expected a line of the hunk at line " + std::to_string(h.diff_line) + " (starting with ' ', '-' or '+'), found " + quoted(body));
      }
    }
    files.back().hunks.push_back(std::move(h));
    // a hunk line after the counted ones: the header's counts are wrong, and
    // the rest of the hunk would be dropped without a word
    if (i + 1 < lines.size()) {
      const std::string& after = lines[i + 1];
      const bool next_file = starts_with(after, "--- ") && i + 2 < lines.size() && starts_with(lines[i + 2], "+++ ");
      const bool signature = after == "-- ";  // git format-patch's "-- " before its version
      if (!next_file && !signature && !after.empty() && (after[0] == '+' || after[0] == '-' || after[0] == ' ')) {
        return fail(i + 1, "the hunk at line " + std::to_string(h.diff_line) + " has more lines than its header '" + files.back().hunks.back().header + "' says");
      }
    }
  }
  if (files.empty()) {
    error = "1: no '--- FILE' / '+++ FILE' header: expected a unified diff (diff -u, git diff)";
    return files;
  }
  for (const FilePatch& f : files) {
    if (f.hunks.empty()) return fail(f.diff_line - 1, "no hunk for '" + f.path + "'");
  }
  return files;
}

Applied apply_file_patch(const std::string& text, const FilePatch& patch, const std::string& diff_name, const std::string& file_name) {
  Applied out;
  bool trailing = false;
  const std::vector<std::string> lines = split_lines(text, trailing);
  struct Edit {
    std::size_t pos, old_size;
    const std::vector<std::string>* new_lines;
  };
  std::vector<Edit> edits;
  std::size_t earliest = 0;  // a hunk applies after the previous one
  std::ptrdiff_t shift = 0;  // where the previous hunk was found, against where it said
  const std::size_t n = patch.hunks.size();
  for (std::size_t k = 0; k < n; ++k) {
    const Hunk& h = patch.hunks[k];
    const std::string name = diff_name + ":" + std::to_string(h.diff_line) + ": hunk " + std::to_string(k + 1) + " of " + std::to_string(n) + " (" + h.header + ")";
    // a hunk with no old lines inserts after line old_start
    const std::ptrdiff_t stated = std::ptrdiff_t(h.old_start) - (h.old_count == 0 ? 0 : 1);
    const std::ptrdiff_t want = std::max<std::ptrdiff_t>(std::ptrdiff_t(earliest), stated + shift);
    std::ptrdiff_t found = -1;
    const std::ptrdiff_t last = std::ptrdiff_t(lines.size()) - std::ptrdiff_t(h.old_lines.size());
    for (std::ptrdiff_t d = 0; found < 0 && (want - d >= std::ptrdiff_t(earliest) || want + d <= last); ++d) {
      if (want + d <= last && matches_at(lines, std::size_t(want + d), h.old_lines)) found = want + d;
      else if (d > 0 && want - d >= std::ptrdiff_t(earliest) && want - d <= last && matches_at(lines, std::size_t(want - d), h.old_lines)) found = want - d;
    }
    if (found < 0) {
      out.error = name + " does not apply to " + file_name;
      const bool applied_already = !h.new_lines.empty() && h.new_lines != h.old_lines &&
                                   std::search(lines.begin(), lines.end(), h.new_lines.begin(), h.new_lines.end()) != lines.end();
      if (applied_already) {
        out.error += ": its new lines are already there (was the patch applied already?)";
      } else {
        const std::size_t at = std::size_t(std::clamp<std::ptrdiff_t>(want, 0, std::ptrdiff_t(lines.size())));
        std::size_t j = 0;
        while (j < h.old_lines.size() && at + j < lines.size() && lines[at + j] == h.old_lines[j]) ++j;
        if (at + j >= lines.size()) out.error += ": the file ends at line " + std::to_string(lines.size()) + ", the hunk expects " + quoted(h.old_lines[j]) + " there";
        else out.error += ": line " + std::to_string(at + j + 1) + " reads " + quoted(lines[at + j]) + " where the hunk expects " + quoted(h.old_lines[j]) + ", and its lines match nowhere else after the previous hunk";
      }
      return out;
    }
    if (found != stated) {
      out.notes.push_back(name + " applied at line " + std::to_string(found + 1) + " (the diff says " + std::to_string(stated + 1) + ")");
    }
    shift = found - stated;
    edits.push_back({std::size_t(found), h.old_lines.size(), &h.new_lines});
    earliest = std::size_t(found) + h.old_lines.size();
  }
  std::vector<std::string> result;
  std::size_t pos = 0;
  for (const Edit& e : edits) {
    result.insert(result.end(), lines.begin() + std::ptrdiff_t(pos), lines.begin() + std::ptrdiff_t(e.pos));
    result.insert(result.end(), e.new_lines->begin(), e.new_lines->end());
    pos = e.pos + e.old_size;
  }
  result.insert(result.end(), lines.begin() + std::ptrdiff_t(pos), lines.end());
  for (std::size_t i = 0; i < result.size(); ++i) {
    out.text += result[i];
    if (i + 1 < result.size() || trailing) out.text += '\n';
  }
  out.ok = true;
  return out;
}

bool names_file(const std::string& path, const std::string& file) {
  auto clean = [](std::string p) {
    while (starts_with(p, "./")) p = p.substr(2);
    return p;
  };
  const std::string a = clean(path), b = clean(file);
  auto ends_with_part = [](const std::string& whole, const std::string& part) {
    return whole.size() > part.size() && whole.compare(whole.size() - part.size(), part.size(), part) == 0 && whole[whole.size() - part.size() - 1] == '/';
  };
  return a == b || ends_with_part(a, b) || ends_with_part(b, a);
}

}  // namespace tlbcheck::cli
