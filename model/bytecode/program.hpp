// The compiled form of a protocol: a packed state layout and one flat
// bytecode for every process instance, executed by the step interpreter
// (runtime/vm.cpp) or, translated to C, by runtime/native.cpp. Produced
// by lower/lower.cpp, immutable afterwards; the instructions and their facts are
// in bytecode/ops.def.
//
// Steps. Each process instance has a program counter slot holding a
// *location*: the instruction a step starts at (0 means "ended"). A step runs
// instructions from there until a Yield (the step ends; the next location is
// its operand), a Halt (the process ends), a failed Await (the step is not
// enabled: no successor), or a failed check (the successor records the
// violation). The compiler puts a Yield after every statement that touches
// shared state, at the end of every atomic block that does, and on every
// loop back edge that could otherwise close a cycle without one; so
// statements that only touch locals merge into the next step.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/system.hpp"
#include "model/lang/ast.hpp"
#include "model/bytecode/ops.hpp"
#include "model/machine/config.hpp"
#include "model/machine/slots.hpp"

namespace tlbcheck::model {

enum class SiteKind : std::uint8_t { Assert, BugOn, Bug, Range, Index, DivZero, CpuRange, Runaway, Stale, Machine, NoFaultHandler, StaleCache, SwUseAfterFree, BreakBeforeMake,
                                     StalePermission, LostWrite, DirtyDropped };

// A place where a property can be violated.
struct Site {
  SiteKind kind = SiteKind::Assert;
  std::uint32_t property = 0;  // PropertyId
  std::uint32_t src = 0;       // source offset
  ExprId expr;                 // the checked condition (Assert, BugOn)
  std::uint32_t slot = 0;      // Range: the first slot of the target
  std::uint32_t process = 0;   // the process instance it belongs to
};

struct ModelSlot {
  enum class Format : std::uint8_t { Plain, Entry, WalkEntry, FrameKind, IrqSet, Line, MmSet, Narrowing, CopyMark };
  checker::Slot pub;
  std::int64_t lo = 0, hi = 0;  // stored as value - lo
  TypeKind kind = TypeKind::Int;
  std::uint32_t enum_id = 0;
  Format format = Format::Plain;
  std::uint32_t decl_src = 0;   // where the variable is declared (a source offset; 0: not a declared variable)
  // A variable private to one process instance (a local, parameter, result,
  // `let` or `choose` of its code, functions inlined): that instance; else
  // -1 (shared, per-CPU, mm, frame and machine state, bookkeeping). Only
  // private slots are reset where they are dead (lower/liveness.cpp).
  std::int32_t owner = -1;
  std::uint32_t variable = 0;   // the first slot of the variable this slot is an element or field of
};

// How to read and write one slot: what the hot path needs of a ModelSlot,
// 24 bytes, in one dense array (Program::access).
struct SlotAccess {
  std::uint32_t word = 0;
  std::uint32_t shift = 0;
  std::uint64_t mask = 0;  // the slot's bits, in place; 0 for a slot without bits
  std::int64_t lo = 0;     // stored as value - lo

  std::int64_t get(const checker::Word* s) const { return std::int64_t((s[word] & mask) >> shift) + lo; }
  void set(checker::Word* s, std::int64_t v) const { s[word] = (s[word] & ~mask) | ((std::uint64_t(v - lo) << shift) & mask); }
};

// One word of a dead-variable reset: st[word] = (st[word] & keep) | bits,
// which puts every dead slot in the word back to its initial value.
struct WordReset {
  std::uint32_t word = 0;
  std::uint64_t keep = 0;  // the bits of the slots that stay
  std::uint64_t bits = 0;  // the dead slots' initial values, in place
};

struct ProcessInstance {
  std::string name;            // "waiter" or "waiter@cpu1"; a handler: "flush_ipi@cpu1" (+ "#2" nested)
  int cpu = 0;
  bool handler = false;        // an interrupt handler instance (runs at irq depth `level`)
  int level = 0;
  int irq = -1;
  int task = -1;               // a task instance: its id
  std::uint32_t preempt_entry = 0;  // tasks under preemption: the stub that switches away
  std::uint32_t zombie_entry = 0;   // a task that ended and waits to hand its CPU over
  std::vector<std::uint32_t> param_slots;  // a handler's parameters (an IPI's arguments)
  std::int32_t zombie_location = -1;
  std::uint32_t pc_slot = 0;
  std::uint32_t entry = 0;     // first instruction
  std::vector<std::uint32_t> locations;  // location index -> instruction (index 0: ended)
  std::uint32_t first_group = 0;         // group of location l is first_group + l - 1
  std::uint32_t runaway_site = 0;
  // Dead-variable reset (lower/liveness.cpp): when a step of this instance
  // ends at location l (its pc is l now), Program::resets[reset_at[l] ..
  // reset_at[l + 1]) put its dead slots back to their initial values. Empty
  // when nothing is reset (--keep-dead).
  std::vector<std::uint32_t> reset_at;
};

// CPU symmetry (lower/symmetry.cpp finds it, runtime/symmetry.cpp uses it):
// classes of CPUs that run the same code, that nothing names and that start
// alike, so renaming them within a class maps behaviours onto behaviours.
// Each CPU of a class owns a block of slots (its per-CPU slots, its
// processes', handlers' and tasks' slots, its element of every global array
// that cpus index), the blocks of a class in corresponding order. A
// renaming moves blocks and renames the values that name a CPU (`Value`).
struct CpuSymmetry {
  enum class Value : std::uint8_t { Same, Cpu, Mask, Task, Narrowing, Site };
  std::vector<std::vector<int>> classes;            // each ascending, at least two CPUs
  std::vector<std::vector<std::uint32_t>> block;     // per CPU: its slots (empty: in no class)
  std::vector<Value> value;                          // per slot
  std::vector<int> class_of;                         // per CPU: its class, -1: none
  // a task, process instance or site owned by a CPU of a class: its
  // counterpart on CPU d is image[id * cpus + d]; owner -1: none
  std::vector<int> task_owner, process_owner, site_owner;
  std::vector<std::uint32_t> task_image, process_image, site_image;
  std::vector<std::string> notes;  // why the other CPUs are not interchangeable, one line each

  // Value symmetry: the values of a `symmetric enum` that nothing names.
  // A renaming permutes them: every slot of the enum's type is renamed, and
  // the element blocks of the globals they index move with their value.
  // In a renaming (checker/system.hpp), value v of scalarset k is object
  // offset + v, after the CPUs.
  struct Scalarset {
    std::string name;                              // the enum's
    std::vector<std::string> members;
    std::vector<int> free;                         // the interchangeable values, ascending (at least two)
    std::uint32_t offset = 0;                      // its first value's number in a renaming
    std::vector<std::uint32_t> slots;              // the slots that hold one of its values
    std::vector<std::vector<std::uint32_t>> block; // per value: its elements of the globals the values index
  };
  std::vector<Scalarset> scalarsets;
  std::vector<std::string> value_notes;  // why values of symmetric enums keep their identity, one line each
};

struct Program {
  std::vector<Instr> code;
  std::vector<ModelSlot> slots;
  std::vector<SlotAccess> access;  // parallel to slots
  std::vector<Site> sites;  // site 0 is "no violation"
  std::vector<ProcessInstance> processes;
  std::vector<std::uint32_t> invariant_entry;  // per invariant: first instruction
  std::vector<std::uint32_t> constraint_entry; // per constraint: first instruction (false: the state is not expanded)
  std::vector<std::string> constraint_names;
  std::vector<std::int32_t> location_of;       // instruction -> location index, or -1
  // A LoadDyn, StoreDyn or BitRmw at instruction i reaches slots a .. a +
  // dynamic_extent[i] - 1 (its offset is below the extent of the variable
  // or object table it indexes); one not listed, its operand's variable
  std::unordered_map<std::uint32_t, std::uint32_t> dynamic_extent;
  std::vector<std::string> contexts{""};        // call texts, "spin_lock(B)"; 0: none
  std::vector<std::uint32_t> context_parent{0};  // the call each context's call was made in (0: none)
  std::uint32_t violation_slot = 0;
  std::uint32_t words = 0;
  std::uint32_t bits = 0;
  std::vector<checker::Word> initial;
  std::uint32_t max_stack = 0;
  // the machine (when the protocol uses it)
  bool has_machine = false;
  machine::Config machine;
  int frames = 0;
  std::vector<std::int64_t> page_index;           // page id -> virtual page number
  std::vector<std::string> page_names, mm_names;   // for messages
  std::vector<bool> page_kernel;                  // declared `kernel`
  std::vector<std::uint32_t> mm_field_base;       // slot of field f of mm 0; mms follow with stride `mm_field_stride[f]`
  std::vector<std::uint32_t> mm_field_stride;
  std::vector<std::uint32_t> frame_field_base;    // slot of field f of frame 0; frames follow with stride `frame_field_stride[f]`
  std::vector<std::uint32_t> frame_field_stride;
  machine::Slots hw;                                   // where the machine's state lives
  std::vector<std::string> irq_names;
  std::vector<bool> irq_device;
  std::vector<int> irq_cpu;
  // The records of the kernel's claims the machine keeps (slots in hw):
  // stale-permission's (a function is marked `sync`), lost-write's (copy_page
  // or disk_write is used). An access has a site for each claim it can break,
  // after its four (stale-translation, runtime-error, stale-cache, no handler).
  bool permission_record = false, copy_record = false;
  std::uint32_t access_claim_site(SiteKind kind) const {
    const std::uint32_t first = 4, lost = first + (permission_record ? 1 : 0);
    return kind == SiteKind::StalePermission ? first : kind == SiteKind::LostWrite ? lost : lost + 1;
  }
  std::uint32_t speculation_site = 0;  // site of a speculative walk through a stale entry
  std::uint32_t cache_site = 0;        // site of a stale read (when no statement is involved)
  // tasks (their slots are the machine's: hw.current, hw.task_mm, ...)
  std::vector<std::uint32_t> task_process;                 // task id -> process instance
  std::vector<bool> no_preempt;                            // per instruction: inside the scheduler
  std::vector<bool> in_sync;                               // per instruction: inside a function marked `sync` (inlined)
  // dead-variable reset: the words ProcessInstance::reset_at points into
  bool dead_reset = false;  // the analysis ran (else no slot is ever reset)
  std::vector<WordReset> resets;

  // Puts the slots of process `p` that are dead at location `loc` back to
  // their initial values: what a step of p does last when it ends there.
  // Cheap enough for the hot path: a few AND/OR on words, no allocation.
  void reset_dead(std::uint32_t p, std::int64_t loc, checker::Word* st) const {
    const std::vector<std::uint32_t>& at = processes[p].reset_at;
    if (at.empty()) return;
    for (std::uint32_t k = at[std::size_t(loc)], end = at[std::size_t(loc) + 1]; k < end; ++k) {
      const WordReset& r = resets[k];
      st[r.word] = (st[r.word] & r.keep) | r.bits;
    }
  }
  CpuSymmetry symmetry;
};

}  // namespace tlbcheck::model
