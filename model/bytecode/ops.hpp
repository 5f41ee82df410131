// The bytecode's instructions and their facts (ops.def): stack effect,
// control flow, purity, and whether the C translator covers them. Every
// stage that needs a fact about an instruction reads it here, so the
// lowering, the stack check, the interpreter and the translator cannot
// disagree about it.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/machine/builtins.hpp"

namespace tlbcheck::model {

enum class Op : std::uint8_t {
#define TLBCHECK_OP(name, pops, pushes, flags) name,
#include "model/bytecode/ops.def"
#undef TLBCHECK_OP
};

inline constexpr std::uint8_t kNative = 1, kPure = 2, kJump = 4, kCond = 8, kKeep = 16, kEnds = 32, kEmpty = 64;

struct OpFacts {
  std::string_view name;
  std::uint8_t pops, pushes, flags;
  std::string_view function;  // an arithmetic op's meaning in bytecode/pure_ops.hpp, else empty
};

inline constexpr OpFacts kOpFacts[] = {
#define TLBCHECK_OP(name, pops, pushes, flags) {#name, pops, pushes, flags, {}},
#define TLBCHECK_UNARY(name, flags, fn) {#name, 1, 1, flags, #fn},
#define TLBCHECK_BINARY(name, flags, fn) {#name, 2, 1, flags, #fn},
#include "model/bytecode/ops.def"
#undef TLBCHECK_OP
#undef TLBCHECK_UNARY
#undef TLBCHECK_BINARY
};

constexpr const OpFacts& op_facts(Op op) { return kOpFacts[std::size_t(op)]; }
constexpr bool op_is(Op op, std::uint8_t flag) { return (op_facts(op).flags & flag) != 0; }

// What an Access instruction does (its operand a).
enum class AccessKind : std::int32_t { Touch, Load, Store, LoadWord, StoreWord };

struct Instr {
  Op op = Op::Halt;
  // Hw: arguments beyond the built-in's signature (send_ipi's handler
  // arguments); Halt, Exit, IrqReturn: kBodyEnd at the end of a body, where
  // no statement ends the step; Yield: what ended the step, for traces
  // (kBranchTrue, kBranchFalse, kAtomicEnd). Sixteen bits: a handler may
  // take hundreds of arguments (a byte wrapped at 256, and the stack check
  // then found the compiled code wrong).
  std::uint16_t extra = 0;
  std::int32_t a = 0, b = 0, c = 0;
  std::uint32_t src = 0;  // source offset of the statement it belongs to
  std::uint32_t ctx = 0;  // the innermost inlined call it runs in (Program::contexts)
};

inline constexpr std::uint8_t kBodyEnd = 1;
// Yield: the step ended at a condition (if, while) that held / did not;
// or at the end of an atomic block (c: the block's first instruction)
inline constexpr std::uint8_t kBranchTrue = 2;
inline constexpr std::uint8_t kBranchFalse = 3;
inline constexpr std::uint8_t kAtomicEnd = 4;

struct StackEffect {
  int pops = 0;
  int pushes = 0;  // when it goes on to the next instruction
};

// The stack effect of one instruction, from the table; Hw and Access take
// theirs from the built-in or access they perform.
inline StackEffect stack_effect(const Instr& in) {
  switch (in.op) {
    case Op::Hw: {
      const BuiltinInfo& b = builtin_info(Builtin(in.a));
      return {int(b.arity()) + in.extra, b.has_result() ? 1 : 0};
    }
    case Op::Access:
      switch (AccessKind(in.a)) {
        case AccessKind::Touch: return {1, 0};
        case AccessKind::Load: return {1, 1};
        case AccessKind::Store: return {2, 0};
        case AccessKind::LoadWord: return {2, 1};
        case AccessKind::StoreWord: return {3, 0};
      }
      return {0, 0};
    default:
      return {op_facts(in.op).pops, op_facts(in.op).pushes};
  }
}

// Where a step can go from instruction `ip` (code: the whole program) when
// it runs there at stack depth `depth`: calls next(ip', depth', alternative)
// for every instruction that can run after it in the same step (an
// alternative of `either` starts over at depth 0, as a separate entry).
// Nothing follows an instruction that ends the step.
template <class Code, class Next>
void for_each_next(const Code& code, std::uint32_t ip, int depth, Next&& next) {
  const Instr& in = code[ip];
  const OpFacts& f = op_facts(in.op);
  if ((f.flags & kEnds) != 0) return;
  if (in.op == Op::Fork) {
    for (std::int32_t k = 1; k <= in.a; ++k) next(std::uint32_t(code[ip + std::uint32_t(k)].a), 0, true);
    return;
  }
  StackEffect e = stack_effect(in);
  int after = depth - e.pops + e.pushes;
  if ((f.flags & kJump) != 0) next(std::uint32_t(in.a), (f.flags & kKeep) != 0 ? depth : after, false);
  if ((f.flags & kJump) == 0 || (f.flags & kCond) != 0) next(ip + 1, after, false);
  if (in.op == Op::Access && in.c >= 0) next(std::uint32_t(in.c), depth - e.pops, false);  // the page fault
}

}  // namespace tlbcheck::model
