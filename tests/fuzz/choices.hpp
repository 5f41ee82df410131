// The fuzzer's bytes as a stream of decisions: the structure-aware harnesses
// read every choice they make from here, so one input always makes the same
// protocol, and libFuzzer's mutations of the bytes become changes of
// structure (another statement, a deeper nest, one more task). Past the end
// every choice is 0: the smallest, most common option.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tlbcheck::fuzz {

class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint32_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint32_t word() { return byte() | byte() << 8; }
  // 0 .. n-1 (n > 0)
  std::uint32_t below(std::uint32_t n) { return (n <= 256 ? byte() : word()) % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return lo + std::int64_t(below(std::uint32_t(hi - lo + 1))); }
  // true about once in n
  bool one_in(std::uint32_t n) { return below(n) == 0; }
  // a string of up to `max` bytes, ended by a 0 byte or the end
  std::string text(std::size_t max) {
    std::string s;
    while (at_ < size_ && s.size() < max) {
      char c = char(data_[at_++]);
      if (c == '\0') break;
      s += c;
    }
    return s;
  }
  bool empty() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace tlbcheck::fuzz
