// CPU symmetry reduction's canonical form (checker/system.hpp's
// System::canonicalize): renames the CPUs of each class of interchangeable
// CPUs (Program::symmetry, found by lower/symmetry.cpp) so that their blocks
// come in a fixed order.
//
// Each CPU of a class gets a signature that no renaming changes: its own
// slots' values, with a value that names a CPU, task, process instance or
// site read relative to the CPU ("itself", "another CPU of the class"), and
// whether each shared cpu or cpumask names it. The CPUs are sorted by
// signature (equal ones keep their order) and renamed in that order: the
// result is a state of the same orbit, so the reduction is sound; states of
// one orbit get the same form unless two CPUs have equal signatures and
// differ only in how they relate to each other (then the orbit may be
// stored more than once, which costs states, never a behaviour).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/bytecode/program.hpp"

namespace tlbcheck::model {

class CpuRenaming {
 public:
  // Classes whose swap changes the initial state are dropped, with a note.
  explicit CpuRenaming(const Program& program);

  bool any() const { return !classes_.empty() || !scalarsets_.empty(); }
  const std::vector<std::vector<int>>& classes() const { return classes_; }
  const std::vector<std::string>& notes() const { return notes_; }
  // the symmetric enums whose values are interchangeable, and why other values are not
  const std::vector<CpuSymmetry::Scalarset>& scalarsets() const { return scalarsets_; }
  const std::vector<std::string>& value_notes() const { return value_notes_; }
  // how many objects a renaming renames: the CPUs, then every symmetric enum's values
  std::size_t objects() const { return objects_; }

  // Per-thread buffers: canonicalize() allocates nothing.
  struct Buffers {
    std::vector<std::uint64_t> signature;  // per CPU of the class being sorted, its signature
    std::vector<int> order, sigma;
    std::vector<checker::Word> state;
    // value symmetry: the renaming tried, the best state and its renaming;
    // per symmetric enum its free values in signature order (permuted among
    // ties) and their signatures; the runs of ties
    std::vector<int> values, best_sigma;
    std::vector<std::vector<int>> permutation;
    std::vector<std::vector<std::uint64_t>> value_signature;
    struct Ties {
      std::size_t set, begin, end;
    };
    std::vector<Ties> ties;
    std::vector<checker::Word> tried, best;
    // canonicalize_successor(): the parent whose signatures are kept (empty:
    // none yet), its class CPUs' signatures (a row per CPU, width_ words),
    // and per CPU of the class being sorted the row it sorts by
    std::vector<checker::Word> parent;
    std::vector<std::uint64_t> parent_signature;
    std::vector<const std::uint64_t*> row;
  };
  Buffers make_buffers() const;

  // Replaces `s` by its canonical form. Returns whether it changed; b.sigma
  // holds the renaming applied (each object's new number, objects() of them).
  bool canonicalize(checker::Word* s, Buffers& b) const;
  // canonicalize() for `s`, a successor of `parent`: the same form, from
  // fewer signatures. A CPU's signature reads only its own block and the
  // slots outside every block that name CPUs; where those outside slots
  // are the parent's, a CPU whose block is the parent's has the parent's
  // signature, kept in `b` from one successor of a parent to the next.
  // Only the CPUs a step changed are read again.
  bool canonicalize_successor(const checker::Word* parent, checker::Word* s, Buffers& b) const;
  // Whether `s` is a canonical form because it differs from the canonical
  // form `parent` only in bits no signature reads: its signatures are then
  // the parent's, which are in order (a canonical form sorts to itself), so
  // its renaming is the identity. Always false with symmetric enums (their
  // form is a search).
  bool keeps_form(const checker::Word* parent, const checker::Word* s) const {
    return scalarsets_.empty() && !differ(looked_at_, parent, s);
  }
  // out = s with each object renamed sigma[o]: CPU c becomes sigma[c], value
  // v of a symmetric enum (object offset + v) becomes sigma[offset + v] - offset.
  // CPUs outside classes and values outside scalarsets map to themselves.
  void rename(const checker::Word* s, const int* sigma, checker::Word* out) const;

 private:
  bool canonicalize_cpus(checker::Word* s, Buffers& b) const;
  // CPU c's signature (`words` words: its class's) into `sig`
  void signature(const checker::Word* s, int c, std::size_t words, std::uint64_t* sig) const;
  // sorts class k by the rows b.row[0..k.size()) (w words each) into
  // b.sigma; whether the order moves a CPU
  bool sort_class(const std::vector<int>& k, std::size_t w, Buffers& b) const;
  // s renamed by b.sigma
  void rename_sorted(checker::Word* s, Buffers& b) const;
  // whether the bits `bits` (word, mask pairs) differ between a and b
  struct Bits {
    std::uint32_t word;
    checker::Word mask;
  };
  static bool differ(const std::vector<Bits>& bits, const checker::Word* a, const checker::Word* b) {
    for (const Bits& x : bits) {
      if (((a[x.word] ^ b[x.word]) & x.mask) != 0) return true;
    }
    return false;
  }
  void rename_cpus(const checker::Word* s, const int* sigma, checker::Word* out) const;
  // out = s with the symmetric enums' values renamed (out != s)
  void rename_values(const checker::Word* s, const int* sigma, checker::Word* out) const;
  bool moves_values(const int* sigma) const;
  // a signature of free value v of scalarset k that no renaming changes (width: value_width(k))
  void value_signature(const checker::Word* s, std::size_t k, int v, std::uint64_t* out) const;
  bool alike(const checker::Word* s, std::size_t k, const int* at, std::size_t n, std::uint64_t held) const;
  std::size_t value_width(std::size_t k) const { return 1 + (scalarsets_[k].block.empty() ? 0 : scalarsets_[k].block[0].size()); }

  std::uint64_t relative(CpuSymmetry::Value kind, std::int64_t v, int cpu) const;
  std::int64_t renamed(CpuSymmetry::Value kind, std::int64_t v, const int* sigma) const;

  // a slot as the hot loops read it: its access and what its value names
  struct Reader {
    SlotAccess access;
    CpuSymmetry::Value kind = CpuSymmetry::Value::Same;
  };
  // One field of a CPU's signature: a value no renaming changes, read from
  // one slot, in the fewest bits its values need. The fields of a class
  // lie one after another from the first word's highest bit (none across
  // two words), so comparing signatures a word at a time compares their
  // values one after another: the slots of the block in block order, then
  // the slots outside the blocks that name CPUs.
  struct Field {
    enum class From : std::uint8_t {
      Raw,       // the slot's raw bits (a value of no kind of its own, offset >= 0)
      Rank,      // the rank of relative() among the values this slot of the class's CPUs can hold
      Relative,  // relative() itself: a word of its own (too many values to rank)
      IsCpu,     // a cpu outside the blocks: whether it is this CPU
      HasCpu,    // a cpumask outside the blocks: whether it holds this CPU
    };
    From from = From::Raw;
    CpuSymmetry::Value kind = CpuSymmetry::Value::Same;  // Relative, Rank: what the slot names
    SlotAccess access;
    std::uint32_t ranks = 0;            // Rank: where rank_table_ holds the rank of each raw value
    std::uint32_t word = 0, shift = 0;  // where the value lies in the signature
  };
  static constexpr std::uint64_t kMaxTabled = 4096;  // raw values a slot's ranks may be tabled for
  void plan_signature(const std::vector<int>& k);

  const Program& p_;
  const CpuSymmetry& sym_;
  int cpus_ = 0;
  std::vector<std::vector<int>> classes_;
  std::vector<int> class_of_;           // per CPU: its class in classes_, -1: none
  std::vector<std::string> notes_;
  std::vector<Reader> outside_readers_;  // the slots in no block whose value names a CPU (or a task, ...)
  // the bits the signatures read, a word at a time: all of them (keeps_form),
  // per CPU of a class its block's, and outside_readers_'
  std::vector<Bits> looked_at_;
  std::vector<std::vector<Bits>> block_bits_;
  std::vector<Bits> outside_bits_;
  std::vector<std::vector<Reader>> block_readers_;  // per CPU: its block's slots, in block order
  std::vector<std::vector<std::uint32_t>> block_named_;  // per CPU: the places in its block whose value names something
  // Moving CPU c's block to CPU d's (index c * cpus_ + d, for c and d of
  // one class): its slots that name nothing as runs of bits copied whole
  // (slots next to each other in both blocks, with the same offset), and
  // the places in c's block left to copy one by one (those that name
  // something, and any whose form differs between the blocks).
  struct Run {
    std::uint32_t from_word, from_shift, to_word, to_shift;
    checker::Word bits;  // the run's width in ones, from bit 0
  };
  struct Move {
    bool built = false;
    std::vector<Run> runs;
    std::vector<std::uint32_t> each;
  };
  std::vector<Move> moves_;
  Move plan_move(int c, int d) const;
  std::vector<std::vector<Field>> fields_;  // per CPU of a class: its signature's fields
  std::vector<std::uint32_t> rank_table_;   // the Rank fields' ranks, per raw value
  std::vector<std::uint32_t> class_words_;  // per class: signature words per CPU
  std::uint64_t fixed_mask_ = 0;        // CPUs in no class
  std::vector<std::uint64_t> class_mask_;
  std::uint32_t width_ = 0;             // signature words per CPU (the largest class's)
  std::vector<CpuSymmetry::Scalarset> scalarsets_;
  std::vector<std::string> value_notes_;
  std::vector<int> scalarset_of_;       // per slot: the scalarset whose value it holds, -1: none
  std::size_t objects_ = 0;
};

}  // namespace tlbcheck::model
