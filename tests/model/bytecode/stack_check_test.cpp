// The compile-time stack check (model/bytecode/stack_check.hpp) on
// hand-made code: the depth it computes at every instruction, and each
// problem it must find. The interpreter relies on it never to overflow.
#include <catch2/catch.hpp>

#include <vector>

#include "model/bytecode/stack_check.hpp"
#include "model/load.hpp"

namespace {

using namespace tlbcheck::model;

Instr op(Op o, std::int32_t a = 0, std::int32_t b = 0, std::int32_t c = 0) {
  Instr in;
  in.op = o;
  in.a = a;
  in.b = b;
  in.c = c;
  return in;
}

StackCheck run(const std::vector<Instr>& code, std::vector<std::uint32_t> entries = {0}, std::uint32_t limit = 16) {
  return check_stack(code, entries, limit);
}

}  // namespace

TEST_CASE("stack check: depths follow the op table along every path", "[stack]") {
  // 0 Push 1; 1 Push 2; 2 Add; 3 Jz 6; 4 Push 7; 5 Store; 6 Yield
  std::vector<Instr> code = {op(Op::Push, 1), op(Op::Push, 2), op(Op::Add), op(Op::Jz, 6), op(Op::Push, 7), op(Op::Store), op(Op::Yield)};
  StackCheck r = run(code);
  REQUIRE(r.ok());
  CHECK(r.depth == std::vector<std::int32_t>{0, 1, 2, 1, 0, 1, 0});
  CHECK(r.max_depth == 2);
}

TEST_CASE("stack check: a keeping jump keeps its operand only when it jumps", "[stack]") {
  // a || b: 0 Load; 1 JnzKeep 4; 2 Load; 3 (falls through with b); 4 Return
  std::vector<Instr> code = {op(Op::Load, 0), op(Op::JnzKeep, 3), op(Op::Load, 1), op(Op::Return)};
  StackCheck r = run(code);
  REQUIRE(r.ok());
  CHECK(r.depth == std::vector<std::int32_t>{0, 1, 0, 1});
}

TEST_CASE("stack check: two depths at one instruction are a lowering bug", "[stack]") {
  // 0 Load; 1 Jz 3; 2 Push 5 (falls into 3 with one value); 3 Yield (reached with 0 and 1)
  std::vector<Instr> code = {op(Op::Load, 0), op(Op::Jz, 3), op(Op::Push, 5), op(Op::Yield)};
  StackCheck r = run(code);
  CHECK(r.kind == StackCheck::Problem::Unbalanced);
  CHECK(r.at == 3);
}

TEST_CASE("stack check: popping an empty stack is a lowering bug", "[stack]") {
  StackCheck r = run({op(Op::Pop), op(Op::Yield)});
  CHECK(r.kind == StackCheck::Problem::Unbalanced);
  CHECK(r.at == 0);
}

TEST_CASE("stack check: a step may not end or fork with values on the stack", "[stack]") {
  for (Op end : {Op::Yield, Op::Halt, Op::Exit, Op::Resume, Op::IrqReturn}) {
    StackCheck r = run({op(Op::Push, 1), op(end)});
    INFO(op_facts(end).name);
    CHECK(r.kind == StackCheck::Problem::Unbalanced);
    CHECK(r.at == 1);
  }
  StackCheck fork = run({op(Op::Push, 1), op(Op::Fork, 1), op(Op::Jmp, 3), op(Op::Yield)});
  CHECK(fork.kind == StackCheck::Problem::Unbalanced);
  CHECK(fork.at == 1);
  // a Return must leave exactly its value
  CHECK(run({op(Op::Push, 1), op(Op::Push, 1), op(Op::Return)}).kind == StackCheck::Problem::Unbalanced);
  CHECK(run({op(Op::Return)}).kind == StackCheck::Problem::Unbalanced);
}

TEST_CASE("stack check: the alternatives of either start empty", "[stack]") {
  // 0 Fork 2; 1 Jmp 3; 2 Jmp 5; 3 Push; 4 Store; 5 Yield
  std::vector<Instr> code = {op(Op::Fork, 2), op(Op::Jmp, 3), op(Op::Jmp, 5), op(Op::Push, 1), op(Op::Store), op(Op::Yield)};
  StackCheck r = run(code);
  REQUIRE(r.ok());
  CHECK(r.depth[1] == -1);  // the Jmps after a Fork only name its alternatives
  CHECK(r.depth[3] == 0);
  CHECK(r.depth[5] == 0);
}

TEST_CASE("stack check: built-ins take their stack effect from the built-ins table", "[stack]") {
  // set_pte(mm, page, frame, writable): four arguments, no value
  std::vector<Instr> code = {op(Op::Push, 0), op(Op::Push, 0), op(Op::Push, 1), op(Op::Push, 1), op(Op::Hw, std::int32_t(Builtin::SetPte)), op(Op::Yield)};
  StackCheck r = run(code);
  REQUIRE(r.ok());
  CHECK(r.depth[5] == 0);
  // pte_frame(mm, page) pushes its value
  code = {op(Op::Push, 0), op(Op::Push, 0), op(Op::Hw, std::int32_t(Builtin::PteFrame)), op(Op::Pop), op(Op::Yield)};
  REQUIRE(run(code).ok());
  CHECK(run(code).depth[3] == 1);
  // send_ipi(target, irq, two handler arguments): `extra` counts the arguments
  Instr ipi = op(Op::Hw, std::int32_t(Builtin::SendIpi));
  ipi.extra = 2;
  code = {op(Op::Push, 5), op(Op::Push, 6), op(Op::Push, 0), op(Op::Push, 0), ipi, op(Op::Yield)};
  REQUIRE(run(code).ok());
  ipi.extra = 1;  // one argument too few popped: the step ends with a value left
  code[4] = ipi;
  CHECK(run(code).kind == StackCheck::Problem::Unbalanced);
}

TEST_CASE("stack check: an access's page fault continues without its value", "[stack]") {
  // 0 Push page; 1 Access load, fault -> 5; 2 Store; 3 Yield; 5 Yield
  std::vector<Instr> code = {op(Op::Push, 0), op(Op::Access, std::int32_t(AccessKind::Load), 0, 4), op(Op::Store), op(Op::Yield), op(Op::Yield)};
  StackCheck r = run(code);
  REQUIRE(r.ok());
  CHECK(r.depth[2] == 1);
  CHECK(r.depth[4] == 0);
  // store_word(page, word, value) pops three
  code = {op(Op::Push, 0), op(Op::Push, 0), op(Op::Push, 1), op(Op::Access, std::int32_t(AccessKind::StoreWord), 0, -1), op(Op::Yield)};
  REQUIRE(run(code).ok());
}

TEST_CASE("stack check: the limit is the interpreter's stack, exactly", "[stack]") {
  auto pushes = [](std::uint32_t n) {
    std::vector<Instr> code(n, op(Op::Push, 1));
    code.push_back(op(Op::Return));
    return code;
  };
  // n pushes then a Return: the stack holds n values at the Return
  StackCheck inside = run(pushes(16), {0}, 16);
  CHECK(inside.kind == StackCheck::Problem::Unbalanced);  // a Return leaves one value: the depth is fine, the balance is not
  CHECK(inside.max_depth == 16);
  StackCheck outside = run(pushes(17), {0}, 16);
  CHECK(outside.kind == StackCheck::Problem::TooDeep);
  CHECK(outside.at == 16);  // the 17th push
}

TEST_CASE("stack check: every entry is checked, and what no entry reaches is not", "[stack]") {
  std::vector<Instr> code = {op(Op::Yield), op(Op::Pop), op(Op::Yield)};
  CHECK(run(code, {0}).ok());
  CHECK(run(code, {0}).depth[1] == -1);
  CHECK(run(code, {0, 1}).kind == StackCheck::Problem::Unbalanced);
}

TEST_CASE("stack check: compiled protocols never exceed the interpreter's stack", "[stack]") {
  // the evaluation stack a program needs is known once it compiles
  LoadResult l = load_text("t.tlb", "var x: int[0..7]; process p on cpu 0 { x = (x + 1) * (x + 2) % 8; }", {});
  REQUIRE(l.system);
  CHECK(l.system->program().max_stack == 3);
}
