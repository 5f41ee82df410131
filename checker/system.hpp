// The seam between a language module (model/) and the exploration back end
// (checker/). Standard headers only: nothing under checker/ includes a
// front-end header, and a System is all an explorer ever sees (in the spirit
// of LTSmin's PINS interface).
//
// Contracts
// - A System is immutable once built and is shared by all worker threads.
//   Every const member function is thread-safe.
// - Mutable per-thread state lives in a Scratch made by make_scratch(), one per
//   worker; next() allocates nothing on the heap.
// - A state is a fixed number of 64-bit words (layout().words). Two states are
//   equal iff their words are equal: unused bits are always zero.
// - next() reports every successor of a state, in a deterministic order, by
//   calling emit(group, successor). The successor buffer is only valid for the
//   duration of the call. next_in_group() reports the successors of one
//   group, in the same order: next() is every group's in increasing group
//   order (partial-order reduction and trace reconstruction use one group).
// - A step that breaks a property records the violation in the state it
//   produces; check() is the one place verdicts come from.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tlbcheck::checker {

using Word = std::uint64_t;
using StateRef = std::span<Word>;
using ConstStateRef = std::span<const Word>;

// Copies a state. States are a few words and the hot paths copy one or two
// per transition, so an inline loop: a call to memcpy costs more than the
// copy at these sizes.
inline void copy_state(Word* to, const Word* from, std::size_t words) {
  for (std::size_t i = 0; i < words; ++i) to[i] = from[i];
}

struct GroupId {
  std::uint32_t v = 0;
  friend bool operator==(GroupId, GroupId) = default;
};

struct PropertyId {
  std::uint32_t v = 0;
  friend bool operator==(PropertyId, PropertyId) = default;
};

// A place in a protocol file. `file` points into storage owned by the System.
struct SourceLoc {
  std::string_view file;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
};

// One field of the packed state. Slots never straddle a word:
//   word w:  63 ............ shift+width | shift+width-1 ... shift | ... 0
//                                        '-------- slot ---------'
struct Slot {
  std::string name;      // "counter", "cpu1.state", "waiter@cpu0.t", "a[2]"
  std::string type;      // "int[0..3]", "bool", "enum lazy_state", ...
  std::uint32_t word = 0;
  std::uint32_t shift = 0;
  std::uint32_t width = 0;
  int cpu = -1;          // the CPU this slot belongs to, -1 for shared state
  bool internal = false; // bookkeeping (program counters, violation): not shown as a change in traces
  bool hardware = false; // a cache of the machine (TLB, walk cache, data cache): listed by --show-hw
};

struct Layout {
  std::uint32_t words = 0;  // words per state
  std::uint32_t bits = 0;   // bits actually used
  std::vector<Slot> slots;
};

// A transition group: one kind of atomic step (a statement of a process at a
// program location, a hardware action, ...). Every group leads back to source.
struct Group {
  std::string name;     // "inc: t = counter;"
  std::string process;  // "inc@cpu0"
  std::string context;  // "process", "irq" (a handler) or "hardware" (the machine's own)
  std::string action;   // the source text of the step
  SourceLoc loc;
  int cpu = -1;         // the column the step prints in; -1: no CPU
};

// What partial-order reduction (checker/por.hpp) needs to know of the
// groups, as slot ids into layout().slots, each list sorted and without
// repeats. A System that cannot tell gives none (System::por_info()).
// Contract, for every state s and group g:
// - reads[g]: every slot whose value can decide whether g is enabled in s
//   or what its successors are, and every slot g may write (a step that
//   may leave a slot as it was depends on its old value);
// - writes[g]: every slot in which a successor of g may differ from s;
// - transient: slots a step writes only to record that it broke a
//   property and that no step reads (the violation slot): a state that
//   records one is never expanded, and the step that records it computes
//   it from its reads alone, so a step postponed past an independent one
//   records the same (checker/por.cpp, the argument). They are in no
//   dependence;
// - visible: every slot that check() or expand() reads in a state, other
//   than the transient ones (invariants, state-judged properties,
//   constraints). A step that writes one is never left out.
struct PorInfo {
  std::vector<std::vector<std::uint32_t>> reads, writes;  // per group
  std::vector<std::uint32_t> visible;
  std::vector<std::uint32_t> transient;
};

struct PropertyInfo {
  std::string name;     // "assertion", "deadlock", an invariant's name, ...
  std::string meaning;  // one line
  bool model_error = false;  // a violation is the model's fault (a bound too small), not a finding
};

// Result of check(): the first property the state violates, if any.
struct Verdict {
  bool violated = false;
  PropertyId property;
};

// Per-worker mutable scratch memory. Systems derive from it.
class Scratch {
 public:
  virtual ~Scratch() = default;
};

// Non-owning reference to a callable, cheaper than std::function (no
// allocation, one indirect call). The referenced callable must outlive it.
template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
  FunctionRef(F&& f)  // NOLINT: implicit by design
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

using EmitFn = FunctionRef<void(GroupId, ConstStateRef)>;

class System {
 public:
  virtual ~System() = default;

  virtual std::string_view name() const = 0;
  virtual const Layout& layout() const = 0;
  virtual std::span<const Group> groups() const = 0;
  virtual std::span<const PropertyInfo> properties() const = 0;

  virtual void initial(StateRef out) const = 0;
  virtual std::unique_ptr<Scratch> make_scratch() const = 0;
  virtual void next(ConstStateRef s, Scratch& scratch, EmitFn emit) const = 0;
  virtual Verdict check(ConstStateRef s) const = 0;

  // The successors of `s` by steps of `group` alone, as next() emits them.
  // The default filters next(); a System that can run one group by itself
  // should.
  virtual void next_in_group(ConstStateRef s, Scratch& scratch, GroupId group, EmitFn emit) const {
    next(s, scratch, [&](GroupId g, ConstStateRef t) {
      if (g == group) emit(g, t);
    });
  }

  // Symmetry reduction. A System whose behaviours map onto each other under
  // a renaming (of interchangeable CPUs: model/runtime/symmetry.hpp) says so
  // with symmetric(), and canonicalize() replaces a state by a state of the
  // same orbit, the same one for as many states of the orbit as it can. The
  // renamings must preserve check(), is_final() and expand(), and map
  // successors onto successors: then exploring the canonical states finds
  // every violation, and a path of them can be rebuilt as a concrete path
  // (the explorer does). canonicalize() allocates nothing (its buffers live
  // in the scratch).
  // A renaming is a permutation of the objects renamed (the CPUs), given
  // as each one's new number; `renaming` (if not null) receives the one
  // canonicalize() applied, and rename() applies one.
  virtual bool symmetric() const { return false; }
  virtual void canonicalize(StateRef s, Scratch& scratch, std::vector<std::uint32_t>* renaming = nullptr) const {
    (void)s, (void)scratch;
    if (renaming) renaming->clear();
  }
  // canonicalize() for a successor of `parent`, itself a canonical form: a
  // System may skip the work where it can tell that `s` is one already
  // (it differs from `parent` only where the canonical form does not look).
  virtual void canonicalize_successor(StateRef s, ConstStateRef parent, Scratch& scratch) const {
    (void)parent;
    canonicalize(s, scratch);
  }
  virtual void rename(ConstStateRef s, std::span<const std::uint32_t> renaming, StateRef out) const {
    (void)renaming;
    copy_state(out.data(), s.data(), s.size());
  }

  // Partial-order reduction: the groups' read and write sets (PorInfo's
  // contract); null where the System cannot tell, and the explorer then
  // expands every state fully.
  virtual const PorInfo* por_info() const { return nullptr; }
  // For a group that is not enabled in `s`: slots at least one of which a
  // step must change before the group can be enabled (a necessary enabling
  // condition). By default every slot it reads; a System may say which
  // condition fails (a process is at another location: only its program
  // counter). Appends to `out`; allocates only when `out` grows.
  virtual void enabling_slots(ConstStateRef s, GroupId group, std::vector<std::uint32_t>& out) const {
    (void)s;
    if (const PorInfo* info = por_info()) out.insert(out.end(), info->reads[group.v].begin(), info->reads[group.v].end());
  }

  // A state without successors is a deadlock unless it is a valid end state
  // (every process ran to its end).
  virtual bool is_final(ConstStateRef s) const = 0;

  // The property a deadlock violates, if this System checks for deadlocks
  // (a state without successors that is not final).
  virtual std::optional<PropertyId> deadlock_property() const { return std::nullopt; }

  // The value of a slot, formatted for people ("3", "true", "LAZY", "{0,2}").
  virtual std::string format_slot(std::uint32_t slot, ConstStateRef s) const = 0;

  // Whether `slot` holds no value in `s`: a variable that nothing reads
  // again before writing it (it is dead), which the System put back to its
  // initial value so that states differing only there are one. A trace
  // lists no change into such a slot: the reset is no step's doing.
  virtual bool is_dead(ConstStateRef s, std::uint32_t slot) const {
    (void)s, (void)slot;
    return false;
  }

  // One sentence explaining why `after`, reached from `before` by `group`,
  // violates its property; or, for a state without successors, why nothing
  // can move. Both name the values involved.
  virtual std::string explain_violation(ConstStateRef before, GroupId group,
                                        ConstStateRef after) const = 0;
  virtual std::string explain_deadlock(ConstStateRef s) const = 0;

  // What a step of `group` did, for a trace: by default the group's action,
  // but a language may say which statement it ended at (the one that did
  // the shared work, when local statements merged in before it).
  struct StepText {
    std::string action;
    std::uint32_t line = 0;
    std::string file;  // the file the line is in, when not the protocol's own (an imported one)
    // calls the step also ran, besides the one its statement is in (local
    // statements merge into the next step: "__tlb_reset_range(tlb)")
    std::vector<std::string> also_ran;
    // the calls the statement is in, outermost first ("tlb_finish_mmu(&tlb)",
    // "__tlb_reset_range(tlb)"); empty at a process's top level and for the hardware
    std::vector<std::string> calls;
    std::optional<bool> branch;     // the step ended at a condition (if, while): whether it held
    std::vector<std::string> more;  // the further statements of an atomic block the step ran
    // which statement of that text in its function (or task, handler) it is,
    // counted from 1 in source order: with the function and the text it names
    // the statement without a line number, so a replay finds it again in an
    // edited file (checker/replay.hpp); 0: not known
    std::uint32_t occurrence = 0;
  };
  virtual StepText describe_step(ConstStateRef before, GroupId group, ConstStateRef after) const {
    (void)before, (void)after;
    const Group& g = groups()[group.v];
    return {g.action, g.loc.line};
  }

  // The machine's state for one CPU (-1: what no CPU owns, such as a shared
  // data cache), as people read it: the loaded root and ASID, then every
  // non-empty cache entry, each with a note when it is stale ("stale: V is
  // unmapped in M"). The default lists the hardware slots of that CPU.
  struct HardwareLine {
    std::string name;   // "tlb[V]", "root"
    std::string value;  // "frame1 rw"
    std::string note;   // "" or why the entry no longer agrees with memory
    std::uint32_t slot = UINT32_MAX;  // the slot it shows, if one
  };
  virtual std::vector<HardwareLine> hardware_view(ConstStateRef s, int cpu) const {
    std::vector<HardwareLine> out;
    const Layout& l = layout();
    for (std::uint32_t k = 0; k < l.slots.size(); ++k) {
      const Slot& slot = l.slots[k];
      if (!slot.hardware || slot.cpu != cpu || slot.width == 0) continue;
      const std::uint64_t mask = slot.width >= 64 ? ~0ULL : ((1ULL << slot.width) - 1);
      if (((s[slot.word] >> slot.shift) & mask) == 0) continue;
      out.push_back({slot.name, format_slot(k, s), "", k});
    }
    return out;
  }

  // State constraints (TLC's CONSTRAINT): a state that breaks one is checked
  // but its successors are not explored, and it is no deadlock. `constraint()`
  // names them ("'small'", "'a', 'b'"); empty: none, and expand() is never asked.
  virtual std::string constraint() const { return {}; }
  virtual bool expand(ConstStateRef s) const {
    (void)s;
    return true;
  }

  // The violation as fields, and the slots whose history is its cause:
  // the cache entry the offending access went through (a TLB entry), the
  // page-table entry it no longer agrees with, and what happened to the
  // frame (involved_slots). Empty where the property has none of them.
  struct ViolationFacts {
    int cpu = -1;
    std::string task, page, frame;
    std::vector<std::uint32_t> cached, table, memory;
    bool data_cache = false;  // `cached` are data-cache lines (else TLB or walk-cache entries)
  };
  virtual ViolationFacts violation_facts(ConstStateRef before, GroupId group, ConstStateRef after) const {
    const Group& g = groups()[group.v];
    return {g.cpu, g.process, "", "", {}, {}, involved_slots(before, group, after)};
  }
  // The TLB and walk-cache invalidations (or, with `data_cache`, the
  // data-cache flushes) a step ran, as people read them ("invlpg on cpu0
  // only", "tlbi_page (every CPU)").
  virtual std::vector<std::string> invalidations(ConstStateRef before, GroupId group, ConstStateRef after, bool data_cache) const {
    (void)before, (void)group, (void)after, (void)data_cache;
    return {};
  }

  // The slots whose history explains a violation (e.g. the frame a stale
  // translation leads to): the trace says at which step each last changed.
  virtual std::vector<std::uint32_t> involved_slots(ConstStateRef before, GroupId group, ConstStateRef after) const {
    (void)before, (void)group, (void)after;
    return {};
  }
};

// Reads a slot's raw bits.
inline std::uint64_t slot_bits(const Slot& slot, ConstStateRef s) {
  const std::uint64_t mask = slot.width >= 64 ? ~0ULL : ((1ULL << slot.width) - 1);
  return (s[slot.word] >> slot.shift) & mask;
}

}  // namespace tlbcheck::checker
