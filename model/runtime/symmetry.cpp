// CPU symmetry reduction's canonical form (symmetry.hpp).
#include "model/runtime/symmetry.hpp"

#include <algorithm>
#include <bit>

namespace tlbcheck::model {

namespace {
// relative values: above any slot's raw value (slots hold at most 32 bits of range)
constexpr std::uint64_t kSelf = std::uint64_t(1) << 62;
constexpr std::uint64_t kOther = std::uint64_t(1) << 61;  // + the class's index
}  // namespace

CpuRenaming::CpuRenaming(const Program& program) : p_(program), sym_(program.symmetry) {
  cpus_ = int(sym_.class_of.size());
  notes_ = sym_.notes;
  objects_ = std::size_t(cpus_);
  value_notes_ = sym_.value_notes;
  scalarset_of_.assign(p_.slots.size(), -1);
  // a symmetric enum whose values' swap changes the initial state is none (their elements start differently)
  {
    std::vector<int> sigma;
    std::vector<checker::Word> out(p_.initial.size());
    for (const CpuSymmetry::Scalarset& set : sym_.scalarsets) {
      scalarsets_.push_back(set);
      for (std::uint32_t slot : set.slots) scalarset_of_[slot] = int(scalarsets_.size() - 1);
      objects_ = std::max(objects_, std::size_t(set.offset) + set.members.size());
    }
    bool same = true;
    for (std::size_t k = 0; k < scalarsets_.size(); k += same ? 1 : 0) {
      const CpuSymmetry::Scalarset& set = scalarsets_[k];
      same = true;
      for (std::size_t i = 0; same && i + 1 < set.free.size(); ++i) {
        sigma.resize(objects_);
        for (std::size_t o = 0; o < objects_; ++o) sigma[o] = int(o);
        std::swap(sigma[set.offset + std::size_t(set.free[i])], sigma[set.offset + std::size_t(set.free[i + 1])]);
        rename_values(p_.initial.data(), sigma.data(), out.data());
        same = out == p_.initial;
      }
      if (same) continue;
      std::string which;
      for (int v : set.free) which += (which.empty() ? "" : ", ") + set.members[std::size_t(v)];
      value_notes_.push_back("the values " + which + " of '" + set.name + "' start differently");
      for (std::uint32_t slot : set.slots) scalarset_of_[slot] = -1;
      scalarsets_.erase(scalarsets_.begin() + std::ptrdiff_t(k));
      for (std::size_t j = k; j < scalarsets_.size(); ++j) {
        for (std::uint32_t slot : scalarsets_[j].slots) scalarset_of_[slot] = int(j);
      }
    }
  }
  block_readers_.resize(std::max(sym_.block.size(), std::size_t(cpus_)));
  block_named_.resize(block_readers_.size());
  for (std::size_t c = 0; c < sym_.block.size(); ++c) {
    for (std::uint32_t s : sym_.block[c]) {
      if (sym_.value[s] != CpuSymmetry::Value::Same) block_named_[c].push_back(std::uint32_t(block_readers_[c].size()));
      block_readers_[c].push_back({p_.access[s], sym_.value[s]});
    }
  }
  if (sym_.classes.empty()) return;
  moves_.resize(std::size_t(cpus_) * std::size_t(cpus_));
  for (const std::vector<int>& k : sym_.classes) {
    for (int c : k) {
      for (int d : k) {
        if (c != d) moves_[std::size_t(c) * std::size_t(cpus_) + std::size_t(d)] = plan_move(c, d);
      }
    }
  }
  std::vector<bool> in_block(p_.slots.size(), false);
  for (const auto& b : sym_.block) {
    for (std::uint32_t s : b) in_block[s] = true;
  }
  for (std::uint32_t s = 0; s < p_.slots.size(); ++s) {
    if (!in_block[s] && sym_.value[s] != CpuSymmetry::Value::Same) outside_readers_.push_back({p_.access[s], sym_.value[s]});
  }
  // a class whose swap changes the initial state is none (frames or values handed out by CPU number at boot)
  std::vector<int> sigma(static_cast<std::size_t>(cpus_), 0);
  std::vector<checker::Word> out(p_.initial.size());
  classes_ = sym_.classes;
  for (std::size_t k = 0; k < classes_.size();) {
    bool same = true;
    for (std::size_t i = 0; same && i + 1 < classes_[k].size(); ++i) {
      for (int c = 0; c < cpus_; ++c) sigma[std::size_t(c)] = c;
      std::swap(sigma[std::size_t(classes_[k][i])], sigma[std::size_t(classes_[k][i + 1])]);
      rename_cpus(p_.initial.data(), sigma.data(), out.data());
      same = out == p_.initial;
    }
    if (same) {
      ++k;
      continue;
    }
    std::string who;
    for (int c : classes_[k]) who += (who.empty() ? "cpu" : ", cpu") + std::to_string(c);
    notes_.push_back(who + " run the same code but start differently");
    classes_.erase(classes_.begin() + std::ptrdiff_t(k));
  }
  // the bits the signatures read, a word at a time: per CPU's block, outside the blocks, and all of them
  auto by_word = [](const std::vector<Reader>& readers) {
    std::vector<Bits> bits;
    for (const Reader& r : readers) {
      if (r.access.mask == 0) continue;
      auto same = std::find_if(bits.begin(), bits.end(), [&](const Bits& x) { return x.word == r.access.word; });
      if (same == bits.end()) bits.push_back({r.access.word, r.access.mask});
      else same->mask |= r.access.mask;
    }
    return bits;
  };
  block_bits_.resize(std::size_t(cpus_));
  std::vector<Reader> read = outside_readers_;
  for (const std::vector<int>& k : classes_) {
    for (int c : k) {
      block_bits_[std::size_t(c)] = by_word(block_readers_[std::size_t(c)]);
      read.insert(read.end(), block_readers_[std::size_t(c)].begin(), block_readers_[std::size_t(c)].end());
    }
  }
  outside_bits_ = by_word(outside_readers_);
  looked_at_ = by_word(read);
  class_of_.assign(std::size_t(cpus_), -1);
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    for (int c : classes_[k]) class_of_[std::size_t(c)] = int(k);
  }
  for (int c = 0; c < cpus_; ++c) {
    if (class_of_[std::size_t(c)] < 0) fixed_mask_ |= std::uint64_t(1) << c;
  }
  for (const auto& k : classes_) {
    std::uint64_t m = 0;
    for (int c : k) m |= std::uint64_t(1) << c;
    class_mask_.push_back(m);
  }
  // the signatures' fields (the classes and masks relative() reads are final now)
  fields_.resize(std::size_t(cpus_));
  for (const std::vector<int>& k : classes_) plan_signature(k);
}

CpuRenaming::Buffers CpuRenaming::make_buffers() const {
  Buffers b;
  b.values.resize(objects_);
  b.best_sigma.resize(objects_);
  for (std::size_t k = 0; k < scalarsets_.size(); ++k) {
    b.permutation.push_back(scalarsets_[k].free);
    b.value_signature.emplace_back(scalarsets_[k].free.size() * value_width(k));
  }
  std::size_t runs = 0;
  for (const CpuSymmetry::Scalarset& set : scalarsets_) runs += set.free.size();
  b.ties.reserve(runs);
  b.tried.resize(p_.initial.size());
  b.best.resize(p_.initial.size());
  b.signature.resize(std::size_t(cpus_) * width_);
  b.order.resize(std::size_t(cpus_));
  b.sigma.resize(objects_);
  b.state.resize(p_.initial.size());
  b.parent_signature.resize(std::size_t(cpus_) * width_);
  b.row.resize(std::size_t(cpus_));
  return b;
}

// A value of `slot` as CPU `cpu` sees it: what names `cpu` itself or
// another CPU of a class is replaced by a marker no renaming changes.
std::uint64_t CpuRenaming::relative(CpuSymmetry::Value kind, std::int64_t v, int cpu) const {
  // an object owned by a CPU of a class, read as "mine" or "another's of class k", and which of them it is
  auto owned = [&](int owner, const std::vector<std::uint32_t>& image, std::int64_t id) -> std::uint64_t {
    if (owner < 0 || class_of_[std::size_t(owner)] < 0) return std::uint64_t(v);
    const int k = class_of_[std::size_t(owner)];
    const std::uint64_t reference = image[std::size_t(id) * std::size_t(cpus_) + std::size_t(classes_[std::size_t(k)][0])];
    return (owner == cpu ? kSelf : kOther + std::uint64_t(k)) + (reference << 8);
  };
  switch (kind) {
    case CpuSymmetry::Value::Same: return std::uint64_t(v);
    case CpuSymmetry::Value::Cpu:
      if (v < 0 || v >= cpus_ || class_of_[std::size_t(v)] < 0) return std::uint64_t(v);
      return v == cpu ? kSelf : kOther + std::uint64_t(class_of_[std::size_t(v)]);
    case CpuSymmetry::Value::Mask: {
      const std::uint64_t bits = std::uint64_t(v);
      std::uint64_t r = (bits & fixed_mask_) | (((bits >> cpu) & 1) << 40);
      for (std::size_t k = 0; k < class_mask_.size() && k < 4; ++k) {
        r |= std::uint64_t(std::popcount(bits & class_mask_[k] & ~(std::uint64_t(1) << cpu))) << (44 + 5 * k);
      }
      return r;
    }
    case CpuSymmetry::Value::Task: {
      if (v < 0 || std::size_t(v) >= sym_.task_owner.size()) return std::uint64_t(v);
      return owned(sym_.task_owner[std::size_t(v)], sym_.task_image, v);
    }
    case CpuSymmetry::Value::Narrowing: {
      const std::int64_t process = v - 1;
      if (process < 0 || std::size_t(process) >= sym_.process_owner.size()) return std::uint64_t(v);
      return owned(sym_.process_owner[std::size_t(process)], sym_.process_image, process);
    }
    case CpuSymmetry::Value::Site: {
      if (v < 0 || std::size_t(v) >= sym_.site_owner.size()) return std::uint64_t(v);
      return owned(sym_.site_owner[std::size_t(v)], sym_.site_image, v);
    }
  }
  return std::uint64_t(v);
}

// A value of `slot` after renaming each CPU c sigma[c].
std::int64_t CpuRenaming::renamed(CpuSymmetry::Value kind, std::int64_t v, const int* sigma) const {
  switch (kind) {
    case CpuSymmetry::Value::Same: return v;
    case CpuSymmetry::Value::Cpu: return v >= 0 && v < cpus_ ? sigma[v] : v;
    case CpuSymmetry::Value::Mask: {
      std::uint64_t out = 0;
      for (int c = 0; c < cpus_; ++c) {
        if ((std::uint64_t(v) >> c) & 1) out |= std::uint64_t(1) << sigma[c];
      }
      return std::int64_t(out);
    }
    case CpuSymmetry::Value::Task:
      if (v < 0 || std::size_t(v) >= sym_.task_owner.size() || sym_.task_owner[std::size_t(v)] < 0) return v;
      return sym_.task_image[std::size_t(v) * std::size_t(cpus_) + std::size_t(sigma[sym_.task_owner[std::size_t(v)]])];
    case CpuSymmetry::Value::Narrowing: {
      const std::int64_t process = v - 1;
      if (process < 0 || std::size_t(process) >= sym_.process_owner.size() || sym_.process_owner[std::size_t(process)] < 0) return v;
      return 1 + sym_.process_image[std::size_t(process) * std::size_t(cpus_) + std::size_t(sigma[sym_.process_owner[std::size_t(process)]])];
    }
    case CpuSymmetry::Value::Site:
      if (v < 0 || std::size_t(v) >= sym_.site_owner.size() || sym_.site_owner[std::size_t(v)] < 0) return v;
      return sym_.site_image[std::size_t(v) * std::size_t(cpus_) + std::size_t(sigma[sym_.site_owner[std::size_t(v)]])];
  }
  return v;
}

CpuRenaming::Move CpuRenaming::plan_move(int c, int d) const {
  Move m;
  m.built = true;
  const std::vector<Reader>& from = block_readers_[std::size_t(c)];
  const std::vector<Reader>& to = block_readers_[std::size_t(d)];
  for (std::uint32_t j = 0; j < from.size(); ++j) {
    const SlotAccess& f = from[j].access;
    const SlotAccess& t = to[j].access;
    if (f.mask == 0 && t.mask == 0) continue;  // no bits: nothing to move
    if (from[j].kind != CpuSymmetry::Value::Same || f.lo != t.lo || (f.mask >> f.shift) != (t.mask >> t.shift)) {
      m.each.push_back(j);
      continue;
    }
    const checker::Word bits = f.mask >> f.shift;
    if (!m.runs.empty()) {
      Run& r = m.runs.back();
      const std::uint32_t width = std::uint32_t(std::popcount(r.bits));
      if (r.from_word == f.word && r.from_shift + width == f.shift && r.to_word == t.word && r.to_shift + width == t.shift) {
        r.bits |= bits << width;
        continue;
      }
    }
    m.runs.push_back({f.word, f.shift, t.word, t.shift, bits});
  }
  return m;
}

void CpuRenaming::rename_cpus(const checker::Word* s, const int* sigma, checker::Word* out) const {
  const std::size_t words = p_.initial.size();
  checker::copy_state(out, s, words);  // (word stores: the runs below read them back at once)
  for (int c = 0; c < cpus_; ++c) {
    const std::vector<Reader>& from = block_readers_[std::size_t(c)];
    if (sigma[c] == c) {
      // values naming CPUs in blocks that stay
      for (std::uint32_t j : block_named_[std::size_t(c)]) from[j].access.set(out, renamed(from[j].kind, from[j].access.get(s), sigma));
      continue;
    }
    const std::vector<Reader>& to = block_readers_[std::size_t(sigma[c])];
    if (const Move* m = moves_.empty() ? nullptr : &moves_[std::size_t(c) * std::size_t(cpus_) + std::size_t(sigma[c])]; m != nullptr && m->built) {
      // a word's runs go into it in a register, then it is stored once
      std::uint32_t word = 0;
      checker::Word bits = out[0];
      for (const Run& r : m->runs) {
        if (r.to_word != word) {
          out[word] = bits;
          word = r.to_word, bits = out[word];
        }
        bits = (bits & ~(r.bits << r.to_shift)) | (((s[r.from_word] >> r.from_shift) & r.bits) << r.to_shift);
      }
      out[word] = bits;
      for (std::uint32_t j : m->each) to[j].access.set(out, renamed(from[j].kind, from[j].access.get(s), sigma));
      continue;
    }
    for (std::size_t j = 0; j < from.size(); ++j) to[j].access.set(out, renamed(from[j].kind, from[j].access.get(s), sigma));
  }
  // values naming CPUs outside any block
  for (const Reader& r : outside_readers_) r.access.set(out, renamed(r.kind, r.access.get(s), sigma));
}

// The fields of the signatures of class k's CPUs: per slot of a block, in
// block order, then per slot outside the blocks that names a CPU, a value
// that no renaming changes, as few bits as its values need.
void CpuRenaming::plan_signature(const std::vector<int>& k) {
  const std::size_t block = block_readers_[std::size_t(k[0])].size();
  std::uint32_t word = 0, left = 64;  // the place of the next field: bits left in the current word
  auto place = [&](Field f, std::uint32_t width, const std::vector<SlotAccess>& slots, const std::vector<std::uint32_t>& ranks) {
    if (width == 0) return;  // one value: nothing to tell apart
    if (width > left) ++word, left = 64;
    left -= width;
    f.word = word, f.shift = left;
    for (std::size_t i = 0; i < k.size(); ++i) {
      f.access = slots[i];
      if (f.from == Field::From::Rank) f.ranks = ranks[i];
      fields_[std::size_t(k[i])].push_back(f);
    }
  };
  auto raw_values = [](const SlotAccess& a) { return (a.mask >> a.shift) + 1; };
  std::vector<SlotAccess> slots(k.size());
  std::vector<std::uint32_t> ranks(k.size());
  for (std::size_t j = 0; j < block; ++j) {
    const CpuSymmetry::Value kind = block_readers_[std::size_t(k[0])][j].kind;
    bool alike = true, tabled = true;  // the same bits and offset in every block; few values
    for (std::size_t i = 0; i < k.size(); ++i) {
      slots[i] = block_readers_[std::size_t(k[i])][j].access;
      alike = alike && slots[i].mask >> slots[i].shift == slots[0].mask >> slots[0].shift && slots[i].lo == slots[0].lo;
      tabled = tabled && raw_values(slots[i]) <= kMaxTabled;
    }
    Field f{kind == CpuSymmetry::Value::Same && alike && slots[0].lo >= 0 ? Field::From::Raw : tabled ? Field::From::Rank : Field::From::Relative, kind};
    if (f.from == Field::From::Raw) {
      place(f, std::uint32_t(std::bit_width(slots[0].mask >> slots[0].shift)), slots, ranks);
    } else if (f.from == Field::From::Relative) {
      place(f, 64, slots, ranks);
    } else {
      // the values of every CPU's slot, ranked together: a rank compares as its value
      std::vector<std::uint64_t> values;
      for (std::size_t i = 0; i < k.size(); ++i) {
        for (std::uint64_t raw = 0; raw < raw_values(slots[i]); ++raw) values.push_back(relative(kind, std::int64_t(raw) + slots[i].lo, k[i]));
      }
      std::vector<std::uint64_t> distinct = values;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      for (std::size_t i = 0, at = 0; i < k.size(); ++i) {
        ranks[i] = std::uint32_t(rank_table_.size());
        for (std::uint64_t raw = 0; raw < raw_values(slots[i]); ++raw, ++at) {
          rank_table_.push_back(std::uint32_t(std::lower_bound(distinct.begin(), distinct.end(), values[at]) - distinct.begin()));
        }
      }
      place(f, std::uint32_t(std::bit_width(distinct.size() - 1)), slots, ranks);
    }
  }
  for (const Reader& r : outside_readers_) {
    if (r.kind != CpuSymmetry::Value::Cpu && r.kind != CpuSymmetry::Value::Mask) continue;  // (names no CPU: the same for all)
    std::fill(slots.begin(), slots.end(), r.access);
    place({r.kind == CpuSymmetry::Value::Cpu ? Field::From::IsCpu : Field::From::HasCpu, r.kind}, 1, slots, ranks);
  }
  class_words_.push_back(word + 1);
  width_ = std::max(width_, word + 1);
}

void CpuRenaming::signature(const checker::Word* s, int c, std::size_t words, std::uint64_t* sig) const {
  std::fill_n(sig, words, 0);
  // the fields come in word order: a word is built in a register, then stored
  std::uint32_t word = 0;
  std::uint64_t bits = 0;
  for (const Field& f : fields_[std::size_t(c)]) {
    const std::uint64_t raw = (s[f.access.word] & f.access.mask) >> f.access.shift;
    std::uint64_t v = raw;
    switch (f.from) {
      case Field::From::Raw: break;
      case Field::From::Rank: v = rank_table_[f.ranks + raw]; break;
      case Field::From::Relative: v = relative(f.kind, std::int64_t(raw) + f.access.lo, c); break;
      case Field::From::IsCpu: v = std::int64_t(raw) + f.access.lo == c; break;
      case Field::From::HasCpu: v = (std::uint64_t(std::int64_t(raw) + f.access.lo) >> c) & 1; break;
    }
    if (f.word != word) {
      sig[word] = bits;
      word = f.word, bits = 0;
    }
    bits |= v << f.shift;
  }
  if (words != 0) sig[word] = bits;
}

bool CpuRenaming::sort_class(const std::vector<int>& k, std::size_t w, Buffers& b) const {
  // a stable insertion sort (a class has a few CPUs; nothing is allocated)
  const std::size_t n = k.size();
  auto less = [&](int x, int y) {
    const std::uint64_t* a = b.row[std::size_t(x)];
    const std::uint64_t* z = b.row[std::size_t(y)];
    if (w == 1) return *a < *z;  // (a signature is most often one word)
    return std::lexicographical_compare(a, a + w, z, z + w);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const int x = int(i);
    std::size_t j = i;
    for (; j > 0 && less(x, b.order[j - 1]); --j) b.order[j] = b.order[j - 1];
    b.order[j] = x;
  }
  bool moved = false;
  for (std::size_t i = 0; i < n; ++i) {
    // the CPU sorted i-th takes the i-th number of the class
    b.sigma[std::size_t(k[std::size_t(b.order[i])])] = k[i];
    moved = moved || b.order[i] != int(i);
  }
  return moved;
}

void CpuRenaming::rename_sorted(checker::Word* s, Buffers& b) const {
  rename_cpus(s, b.sigma.data(), b.state.data());
  checker::copy_state(s, b.state.data(), b.state.size());
}

bool CpuRenaming::canonicalize_cpus(checker::Word* s, Buffers& b) const {
  bool moved = false;
  for (int c = 0; c < cpus_; ++c) b.sigma[std::size_t(c)] = c;
  for (std::size_t x = 0; x < classes_.size(); ++x) {
    const std::vector<int>& k = classes_[x];
    for (std::size_t i = 0; i < k.size(); ++i) {
      std::uint64_t* sig = b.signature.data() + i * width_;
      signature(s, k[i], class_words_[x], sig);
      b.row[i] = sig;
    }
    moved = sort_class(k, class_words_[x], b) || moved;
  }
  if (moved) rename_sorted(s, b);
  return moved;
}

bool CpuRenaming::canonicalize_successor(const checker::Word* parent, checker::Word* s, Buffers& b) const {
  if (classes_.empty() || !scalarsets_.empty() || differ(outside_bits_, parent, s)) return canonicalize(s, b);
  const std::size_t words = p_.initial.size();
  if (b.parent.empty() || !std::equal(parent, parent + words, b.parent.begin())) {
    b.parent.assign(parent, parent + words);
    for (std::size_t x = 0; x < classes_.size(); ++x) {
      for (int c : classes_[x]) signature(parent, c, class_words_[x], b.parent_signature.data() + std::size_t(c) * width_);
    }
  }
  bool moved = false;
  for (int c = 0; c < cpus_; ++c) b.sigma[std::size_t(c)] = c;
  for (std::size_t x = 0; x < classes_.size(); ++x) {
    const std::vector<int>& k = classes_[x];
    for (std::size_t i = 0; i < k.size(); ++i) {
      const int c = k[i];
      if (differ(block_bits_[std::size_t(c)], parent, s)) {
        std::uint64_t* sig = b.signature.data() + i * width_;
        signature(s, c, class_words_[x], sig);
        b.row[i] = sig;
      } else {
        b.row[i] = b.parent_signature.data() + std::size_t(c) * width_;
      }
    }
    moved = sort_class(k, class_words_[x], b) || moved;
  }
  if (moved) rename_sorted(s, b);
  return moved;
}

bool CpuRenaming::moves_values(const int* sigma) const {
  for (std::size_t o = std::size_t(cpus_); o < objects_; ++o) {
    if (sigma[o] != int(o)) return true;
  }
  return false;
}

void CpuRenaming::rename_values(const checker::Word* s, const int* sigma, checker::Word* out) const {
  std::copy(s, s + p_.initial.size(), out);
  auto renamed = [&](std::uint32_t slot, std::int64_t v) -> std::int64_t {
    const int k = scalarset_of_[slot];
    if (k < 0) return v;
    const CpuSymmetry::Scalarset& set = scalarsets_[std::size_t(k)];
    if (v < 0 || std::size_t(v) >= set.members.size()) return v;
    return sigma[set.offset + std::size_t(v)] - std::int64_t(set.offset);
  };
  for (const CpuSymmetry::Scalarset& set : scalarsets_) {
    for (std::uint32_t slot : set.slots) p_.access[slot].set(out, renamed(slot, p_.access[slot].get(s)));
  }
  // each value's elements move to its new value's place, their own values renamed
  for (const CpuSymmetry::Scalarset& set : scalarsets_) {
    for (std::size_t v = 0; v < set.block.size(); ++v) {
      const std::size_t to = std::size_t(sigma[set.offset + v]) - set.offset;
      if (to == v) continue;
      const std::vector<std::uint32_t>& from_slots = set.block[v];
      const std::vector<std::uint32_t>& to_slots = set.block[to];
      for (std::size_t j = 0; j < from_slots.size(); ++j) p_.access[to_slots[j]].set(out, renamed(from_slots[j], p_.access[from_slots[j]].get(s)));
    }
  }
}

void CpuRenaming::rename(const checker::Word* s, const int* sigma, checker::Word* out) const {
  if (!moves_values(sigma)) {
    rename_cpus(s, sigma, out);
    return;
  }
  std::vector<checker::Word> values(p_.initial.size());
  rename_values(s, sigma, values.data());
  rename_cpus(values.data(), sigma, out);
}

// A free value's signature: how many slots hold it, then its elements of the
// arrays it indexes, each read as no renaming changes it (a value of its own
// enum as "itself", "a named one" or "another free one"; a value another
// renaming changes, as a CPU, a task or another enum's, not at all).
void CpuRenaming::value_signature(const checker::Word* s, std::size_t k, int v, std::uint64_t* out) const {
  const CpuSymmetry::Scalarset& set = scalarsets_[k];
  std::uint64_t count = 0;
  for (std::uint32_t slot : set.slots) count += p_.access[slot].get(s) == v;
  out[0] = count;
  if (set.block.empty()) return;
  const std::vector<std::uint32_t>& mine = set.block[std::size_t(v)];
  for (std::size_t j = 0; j < mine.size(); ++j) {
    const std::uint32_t slot = mine[j];
    const std::int64_t x = p_.access[slot].get(s);
    std::uint64_t r = 0;
    if (scalarset_of_[slot] == int(k)) {
      const bool free = std::binary_search(set.free.begin(), set.free.end(), int(x));
      r = x == v ? kSelf : free ? kOther : std::uint64_t(x);
    } else if (scalarset_of_[slot] < 0 && sym_.value[slot] == CpuSymmetry::Value::Same) {
      r = std::uint64_t(x);
    }
    out[1 + j] = r;
  }
}

// Whether renaming free values `at[0..n)` of scalarset k among themselves
// leaves `s` as it is: no slot holds one (`held` is how many slots hold
// each) and their elements are equal.
bool CpuRenaming::alike(const checker::Word* s, std::size_t k, const int* at, std::size_t n, std::uint64_t held) const {
  if (held != 0) return false;
  const CpuSymmetry::Scalarset& set = scalarsets_[k];
  if (set.block.empty()) return true;
  const std::vector<std::uint32_t>& first = set.block[std::size_t(set.free[std::size_t(at[0])])];
  for (std::size_t i = 1; i < n; ++i) {
    const std::vector<std::uint32_t>& other = set.block[std::size_t(set.free[std::size_t(at[i])])];
    for (std::size_t j = 0; j < first.size(); ++j) {
      if (p_.access[first[j]].get(s) != p_.access[other[j]].get(s)) return false;
    }
  }
  return true;
}

// With symmetric enums: the free values of each are ordered by a signature
// no renaming changes, every order of the ties is tried (the CPUs
// canonicalized after each), and the least state in word order is the
// canonical form. The values' part of the form is then the same for every
// state of the orbit; the CPUs' part is as exact as the CPU signature sort.
// (Ties are usually few: every permutation is tried only where the values
// cannot be told apart, e.g. in the initial state.)
bool CpuRenaming::canonicalize(checker::Word* s, Buffers& b) const {
  if (scalarsets_.empty()) {
    for (std::size_t o = std::size_t(cpus_); o < objects_; ++o) b.sigma[o] = int(o);
    return canonicalize_cpus(s, b);
  }
  const std::size_t words = p_.initial.size();
  b.ties.clear();
  for (std::size_t k = 0; k < scalarsets_.size(); ++k) {
    const CpuSymmetry::Scalarset& set = scalarsets_[k];
    const std::size_t n = set.free.size(), w = value_width(k);
    std::uint64_t* sig = b.value_signature[k].data();
    std::vector<int>& order = b.permutation[k];  // positions in set.free, by signature
    for (std::size_t i = 0; i < n; ++i) {
      value_signature(s, k, set.free[i], sig + i * w);
      order[i] = int(i);
    }
    auto row = [&](int i) { return sig + std::size_t(i) * w; };
    std::stable_sort(order.begin(), order.begin() + std::ptrdiff_t(n), [&](int x, int y) { return std::lexicographical_compare(row(x), row(x) + w, row(y), row(y) + w); });
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i + 1;
      while (j < n && std::equal(row(order[i]), row(order[i]) + w, row(order[j]))) ++j;
      if (j - i > 1 && !alike(s, k, order.data() + i, j - i, row(order[i])[0])) b.ties.push_back({k, i, j});
      i = j;
    }
  }
  bool first = true;
  for (;;) {
    for (std::size_t o = 0; o < objects_; ++o) b.values[o] = int(o);
    for (std::size_t k = 0; k < scalarsets_.size(); ++k) {
      const CpuSymmetry::Scalarset& set = scalarsets_[k];
      // the value sorted i-th becomes the i-th free value
      for (std::size_t i = 0; i < set.free.size(); ++i) b.values[set.offset + std::size_t(set.free[std::size_t(b.permutation[k][i])])] = int(set.offset) + set.free[i];
    }
    rename_values(s, b.values.data(), b.tried.data());
    canonicalize_cpus(b.tried.data(), b);
    if (first || std::lexicographical_compare(b.tried.begin(), b.tried.end(), b.best.begin(), b.best.end())) {
      first = false;
      std::copy(b.tried.begin(), b.tried.end(), b.best.begin());
      for (int c = 0; c < cpus_; ++c) b.best_sigma[std::size_t(c)] = b.sigma[std::size_t(c)];
      for (std::size_t o = std::size_t(cpus_); o < objects_; ++o) b.best_sigma[o] = b.values[o];
    }
    // the next order of the ties, odometer-wise
    std::size_t t = 0;
    while (t < b.ties.size()) {
      std::vector<int>& order = b.permutation[b.ties[t].set];
      if (std::next_permutation(order.begin() + std::ptrdiff_t(b.ties[t].begin), order.begin() + std::ptrdiff_t(b.ties[t].end))) break;
      ++t;
    }
    if (t == b.ties.size()) break;
  }
  std::copy(b.best_sigma.begin(), b.best_sigma.end(), b.sigma.begin());
  const bool changed = !std::equal(s, s + words, b.best.begin());
  std::copy(b.best.begin(), b.best.end(), s);
  return changed;
}

}  // namespace tlbcheck::model
