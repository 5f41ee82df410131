// Unified diffs applied in memory (`check --patch FILE.diff`): a proposed
// kernel patch written as a diff of the protocol that models the kernel.
// Only text here; which file a diff names is resolved by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlbcheck::cli {

struct Hunk {
  std::uint32_t old_start = 0, old_count = 0;  // "@@ -old_start,old_count +new_start,new_count @@"
  std::uint32_t new_start = 0, new_count = 0;
  std::string header;                          // the "@@ ... @@ heading" line as written
  std::uint32_t diff_line = 0;                 // where the header is in the diff (1-based)
  std::vector<std::string> old_lines;          // context and removed lines, in order
  std::vector<std::string> new_lines;          // context and added lines, in order
};

struct FilePatch {
  std::string path;  // the file the diff changes ("+++ b/PATH", a/ and b/ taken off)
  std::uint32_t diff_line = 0;
  std::vector<Hunk> hunks;
};

// Parses a unified diff (as `diff -u`, `git diff` and `git format-patch`
// write them: text before the first "--- " line is ignored). On an error
// returns no files and sets `error` to "LINE: what is wrong".
std::vector<FilePatch> parse_diff(const std::string& diff, std::string& error);

struct Applied {
  bool ok = false;
  std::string text;                // the patched file
  std::string error;               // why a hunk does not apply, naming it
  std::vector<std::string> notes;  // hunks applied away from their stated line
};

// Applies one file's hunks to `text`, in order. A hunk applies where its
// old lines (context and removals) match exactly, at its stated line moved
// by what earlier hunks added or removed, else at the nearest line after
// the previous hunk where they match (as patch(1) does without fuzz).
// `diff_name` and `file_name` only name things in messages.
Applied apply_file_patch(const std::string& text, const FilePatch& patch, const std::string& diff_name, const std::string& file_name);

// Whether the diff's PATH names `file` (a path as given on the command
// line): the same path, or one ends with the other at a folder boundary.
bool names_file(const std::string& path, const std::string& file);

}  // namespace tlbcheck::cli
