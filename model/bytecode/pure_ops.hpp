// The meaning of the bytecode's arithmetic, written once: the interpreter
// (C++) calls these functions, and the C translator pastes the very same
// text (kPureOpsC) into every generated step file and calls them there, so
// the two engines cannot compute differently. Arithmetic is 64-bit and
// wraps (stores check ranges, not arithmetic); shifts past 62 give 0 (or
// the sign); division by -1 wraps rather than trapping on INT64_MIN. The
// checks that can fail (a zero divisor, a CPU number) are made before, by
// each engine, at the instruction's site.
//
// A unary op's function takes the instruction's operand a too (only Compl
// uses it: the all-CPUs mask of a cpumask). The code is plain C, valid C++
// too; the macro both compiles it (in tlbcheck::model::pure) and keeps its
// text.
#pragma once

#include <stdint.h>

#define TLBCHECK_PURE_OPS(...)        \
  namespace tlbcheck::model::pure {   \
  __VA_ARGS__                         \
  }                                   \
  namespace tlbcheck::model {         \
  inline constexpr const char* kPureOpsC = #__VA_ARGS__; \
  }

TLBCHECK_PURE_OPS(
static inline int64_t tlbc_neg(int64_t x, int64_t a) { (void)a; return (int64_t)(0 - (uint64_t)x); }
static inline int64_t tlbc_not(int64_t x, int64_t a) { (void)a; return !x; }
static inline int64_t tlbc_compl(int64_t x, int64_t mask) { return mask != 0 ? (~x & mask) : ~x; }
static inline int64_t tlbc_weight(int64_t x, int64_t a) { (void)a; return __builtin_popcountll((uint64_t)x); }
static inline int64_t tlbc_add(int64_t x, int64_t y) { return (int64_t)((uint64_t)x + (uint64_t)y); }
static inline int64_t tlbc_sub(int64_t x, int64_t y) { return (int64_t)((uint64_t)x - (uint64_t)y); }
static inline int64_t tlbc_mul(int64_t x, int64_t y) { return (int64_t)((uint64_t)x * (uint64_t)y); }
static inline int64_t tlbc_div(int64_t x, int64_t y) { return y == -1 ? tlbc_neg(x, 0) : x / y; }
static inline int64_t tlbc_mod(int64_t x, int64_t y) { return y == -1 ? 0 : x % y; }
static inline int64_t tlbc_shl(int64_t x, int64_t y) { return (y < 0 || y > 62) ? 0 : (int64_t)((uint64_t)x << y); }
static inline int64_t tlbc_shr(int64_t x, int64_t y) { return (y < 0 || y > 62) ? (x < 0 ? -1 : 0) : (x >> y); }
static inline int64_t tlbc_and(int64_t x, int64_t y) { return x & y; }
static inline int64_t tlbc_or(int64_t x, int64_t y) { return x | y; }
static inline int64_t tlbc_xor(int64_t x, int64_t y) { return x ^ y; }
static inline int64_t tlbc_eq(int64_t x, int64_t y) { return x == y; }
static inline int64_t tlbc_ne(int64_t x, int64_t y) { return x != y; }
static inline int64_t tlbc_lt(int64_t x, int64_t y) { return x < y; }
static inline int64_t tlbc_le(int64_t x, int64_t y) { return x <= y; }
static inline int64_t tlbc_gt(int64_t x, int64_t y) { return x > y; }
static inline int64_t tlbc_ge(int64_t x, int64_t y) { return x >= y; }
static inline int64_t tlbc_test_bit(int64_t cpu, int64_t mask) { return (mask >> cpu) & 1; }
static inline int64_t tlbc_mask_of(int64_t cpu, int64_t a) { (void)a; return (int64_t)1 << cpu; }
)

#undef TLBCHECK_PURE_OPS
