#include "checker/parent_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>

namespace tlbcheck::checker {

namespace {

// Moves n links between `data` and the file at link index `at` with pread or
// pwrite, going on after partial transfers.
template <typename Buffer, typename Transfer>
bool transfer_all(int fd, Buffer* data, std::size_t n, std::uint64_t at, Transfer transfer) {
  auto* p = reinterpret_cast<std::conditional_t<std::is_const_v<Buffer>, const char, char>*>(data);
  std::size_t left = n * sizeof(std::uint64_t);
  off_t offset = off_t(at * sizeof(std::uint64_t));
  while (left > 0) {
    ssize_t done = transfer(fd, p, left, offset);
    if (done <= 0) return false;
    p += done;
    left -= std::size_t(done);
    offset += done;
  }
  return true;
}

bool write_all(int fd, const std::uint64_t* data, std::size_t n, std::uint64_t at) { return transfer_all(fd, data, n, at, ::pwrite); }
bool read_all(int fd, std::uint64_t* data, std::size_t n, std::uint64_t at) { return transfer_all(fd, data, n, at, ::pread); }

}  // namespace

// The links in memory get their room at once (up to 16M of them): a vector
// that doubles would hold the old and the new copy at its last doubling,
// the run's peak. Untouched, the room costs nothing.
ParentLog::ParentLog(std::uint64_t memory_links) : memory_links_(memory_links) {
  memory_.reserve(std::size_t(std::min<std::uint64_t>(memory_links, std::uint64_t(1) << 24)));
}

ParentLog::~ParentLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool ParentLog::spill() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/tlbcheck-parents-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return false;
  ::unlink(path.c_str());  // gone when the run ends, however it ends
  if (!write_all(fd, memory_.data(), memory_.size(), 0)) {
    ::close(fd);
    return false;
  }
  fd_ = fd;
  memory_.clear();
  memory_.shrink_to_fit();
  return true;
}

void ParentLog::take_back() {
  std::vector<std::uint64_t> all(size_);
  if (!read_all(fd_, all.data(), all.size(), 0)) throw std::runtime_error("cannot read back the parent links from the temporary file");
  ::close(fd_);
  fd_ = -1;
  disk_failed_ = true;
  memory_ = std::move(all);
}

void ParentLog::append(const std::uint64_t* links, std::size_t n) {
  if (fd_ < 0 && !disk_failed_ && memory_.size() + n > memory_links_) disk_failed_ = !spill();
  if (fd_ >= 0) {
    if (write_all(fd_, links, n, size_)) {
      size_ += n;
      return;
    }
    take_back();  // the disk is full or gone: memory it is
  }
  memory_.insert(memory_.end(), links, links + n);
  size_ += n;
}

std::uint64_t ParentLog::get(std::uint64_t index) const {
  if (fd_ < 0) return memory_.at(index);
  if (index >= size_) throw std::out_of_range("parent link index");
  std::uint64_t link = 0;
  if (!read_all(fd_, &link, 1, index)) throw std::runtime_error("cannot read a parent link from the temporary file");
  return link;
}

}  // namespace tlbcheck::checker
