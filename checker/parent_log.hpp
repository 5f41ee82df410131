// ParentLog: the parent link of every state, by canonical index.
//
// A link is written once, when its state's level is sealed, and read only to
// rebuild a counterexample, so after the first few million links they go to
// an unlinked temporary file (in $TMPDIR, else /tmp) instead of memory, as
// TLC keeps its trace file: 8 bytes of disk per state instead of 8 bytes of
// RAM. Without a writable temporary directory, or when a write fails, the
// links stay in (or come back to) memory and the run goes on.
//
// Thread-safety: append() from one thread at a time; get() may run
// concurrently with get().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlbcheck::checker {

class ParentLog {
 public:
  // memory_links: links kept in memory before they are moved to disk
  explicit ParentLog(std::uint64_t memory_links);
  ~ParentLog();
  ParentLog(const ParentLog&) = delete;
  ParentLog& operator=(const ParentLog&) = delete;

  void append(const std::uint64_t* links, std::size_t n);
  std::uint64_t get(std::uint64_t index) const;

  std::uint64_t size() const { return size_; }
  bool on_disk() const { return fd_ >= 0; }
  std::uint64_t memory_bytes() const { return memory_.size() * sizeof(std::uint64_t); }  // the room reserved but untouched costs nothing

 private:
  bool spill();      // moves the links in memory to a new temporary file
  void take_back();  // reads the file back into memory and gives it up

  std::vector<std::uint64_t> memory_;
  std::uint64_t memory_links_;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  bool disk_failed_ = false;
};

}  // namespace tlbcheck::checker
