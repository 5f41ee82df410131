// The instructions that evaluate (constants, reads, arithmetic, indexing,
// masks, the jumps of `&&`, `||` and `?:`), run the same way whether a
// step runs them (vm.cpp's exec) or an evaluation does (an invariant, an
// explanation snippet: eval). Their arithmetic is bytecode/pure_ops.hpp's,
// which the C translator pastes into native steps.
//
// Hot path: inline, no allocation.
#pragma once

#include <cstdint>

#include "model/bytecode/ops.hpp"
#include "model/bytecode/pure_ops.hpp"

namespace tlbcheck::model {

inline std::int64_t unary(Op op, std::int64_t x, std::int64_t a) {
  switch (op) {
#define TLBCHECK_OP(name, pops, pushes, flags)
#define TLBCHECK_UNARY(name, flags, fn) \
  case Op::name: return pure::fn(x, a);
#define TLBCHECK_BINARY(name, flags, fn)
#include "model/bytecode/ops.def"
#undef TLBCHECK_OP
#undef TLBCHECK_UNARY
#undef TLBCHECK_BINARY
    default: return x;
  }
}

inline std::int64_t binary(Op op, std::int64_t x, std::int64_t y) {
  switch (op) {
#define TLBCHECK_OP(name, pops, pushes, flags)
#define TLBCHECK_UNARY(name, flags, fn)
#define TLBCHECK_BINARY(name, flags, fn) \
  case Op::name: return pure::fn(x, y);
#include "model/bytecode/ops.def"
#undef TLBCHECK_OP
#undef TLBCHECK_UNARY
#undef TLBCHECK_BINARY
    default: return x;
  }
}

// The instructions that evaluate, as a list for X-macros: a loop that
// runs bytecode dispatches each of them to expression_op<op> in its own
// switch, so every instruction costs one dispatch.
#define TLBCHECK_EVALUATING_OPS(X)                                                                                        \
  X(Push) X(Load) X(LoadDyn) X(Index) X(Neg) X(Not) X(Compl) X(Weight) X(MaskOf) X(Add) X(Sub) X(Mul) X(Div) X(Mod) X(Shl) \
  X(Shr) X(BitAnd) X(BitOr) X(BitXor) X(Eq) X(Ne) X(Lt) X(Le) X(Gt) X(Ge) X(TestBit) X(Jmp) X(Jz) X(JzKeep) X(JnzKeep) X(CheckRange) X(Pop)

namespace detail {
#define TLBCHECK_COUNT(name) +1
inline constexpr int kEvaluatingOps = 0 TLBCHECK_EVALUATING_OPS(TLBCHECK_COUNT);
#undef TLBCHECK_COUNT
// every op with a meaning in pure_ops.hpp is in the list (and 10 more)
constexpr int arithmetic_ops() {
  int n = 0;
  for (const OpFacts& f : kOpFacts) n += f.function.empty() ? 0 : 1;
  return n;
}
static_assert(kEvaluatingOps == arithmetic_ops() + 10, "TLBCHECK_EVALUATING_OPS must list every arithmetic op of ops.def");
}  // namespace detail

// Runs evaluating instruction `op` (at ip) on the stack: ip moves on (or
// jumps). Returns false when a check fails (an index, a divisor, a CPU
// number), with its site and the offending value; ip stays. `read(slot)`
// reads a slot of the state; `cpus` bounds CPU numbers.
template <Op op, class Read>
[[gnu::always_inline]] inline bool expression_op(const Instr& in, std::int64_t* stack, int& sp, std::uint32_t& ip, std::int64_t cpus, const Read& read,
                                                 std::int32_t& site, std::int64_t& value) {
  auto fail = [&](std::int64_t offending) {
    site = in.c;
    value = offending;
    return false;
  };
  if constexpr (op == Op::Push) {
    stack[sp++] = in.a;
  } else if constexpr (op == Op::Load) {
    stack[sp++] = read(std::uint32_t(in.a));
  } else if constexpr (op == Op::LoadDyn) {
    std::int64_t offset = stack[--sp];
    stack[sp++] = read(std::uint32_t(in.a + offset));
  } else if constexpr (op == Op::Index) {
    std::int64_t i = stack[--sp];
    if (i < 0 || i >= in.a) return fail(i);
    stack[sp - 1] += i * in.b;
  } else if constexpr (op == Op::Pop) {  // an argument evaluated for its checks alone
    --sp;
  } else if constexpr (op == Op::CheckRange) {
    if (stack[sp - 1] < in.a || stack[sp - 1] > in.b) return fail(stack[sp - 1]);
  } else if constexpr (op == Op::Jmp) {
    ip = std::uint32_t(in.a);
    return true;
  } else if constexpr (op == Op::Jz) {
    ip = stack[--sp] == 0 ? std::uint32_t(in.a) : ip + 1;
    return true;
  } else if constexpr (op == Op::JzKeep || op == Op::JnzKeep) {
    if ((stack[sp - 1] == 0) == (op == Op::JzKeep)) {
      ip = std::uint32_t(in.a);
      return true;
    }
    --sp;
  } else if constexpr (op_facts(op).pops == 1) {  // unary arithmetic
    std::int64_t x = stack[sp - 1];
    if constexpr (op == Op::MaskOf) {
      if (x < 0 || x >= cpus) return fail(x);
    }
    stack[sp - 1] = unary(op, x, in.a);
  } else {  // binary arithmetic
    std::int64_t y = stack[--sp], x = stack[sp - 1];
    if constexpr (op == Op::Div || op == Op::Mod) {
      if (y == 0) return fail(0);
    }
    if constexpr (op == Op::TestBit) {
      if (x < 0 || x >= cpus) return fail(x);
    }
    stack[sp - 1] = binary(op, x, y);
  }
  ++ip;
  return true;
}

}  // namespace tlbcheck::model
