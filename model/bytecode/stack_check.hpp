// The stack check: the evaluation-stack depth of every instruction, computed
// once over the whole program at compile time from the op table (ops.hpp).
//
// Every step, invariant and explanation snippet starts with an empty stack
// at one of the program's entries. From there the depth at each instruction
// follows from the stack effects along every path; the check proves that
// - each instruction is reached with one depth only, never pops more than
//   the stack holds, and never takes it past `limit`;
// - the stack is empty where a step ends or forks (nothing is left behind
//   for the next step), and holds exactly the value at a Return.
// The interpreter's stack has room for `limit` values (kMaxStack), so a
// program that passes cannot overflow it, whatever it runs. A program that
// fails the limit is a model too large to evaluate (a diagnostic); any other
// failure is a bug of the lowering.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/bytecode/ops.hpp"

namespace tlbcheck::model {

struct StackCheck {
  std::vector<std::int32_t> depth;  // per instruction; -1 where no entry reaches it
  std::uint32_t max_depth = 0;
  // the first problem found: none when `problem` is empty
  enum class Problem : std::uint8_t { None, TooDeep, Unbalanced } kind = Problem::None;
  std::uint32_t at = 0;  // the instruction
  std::string problem;

  bool ok() const { return kind == Problem::None; }
};

StackCheck check_stack(std::span<const Instr> code, std::span<const std::uint32_t> entries, std::uint32_t limit);

}  // namespace tlbcheck::model
