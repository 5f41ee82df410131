#include "model/bytecode/stack_check.hpp"

namespace tlbcheck::model {

StackCheck check_stack(std::span<const Instr> code, std::span<const std::uint32_t> entries, std::uint32_t limit) {
  StackCheck r;
  r.depth.assign(code.size(), -1);
  std::vector<std::uint32_t> work;
  auto fail = [&](StackCheck::Problem kind, std::uint32_t ip, std::string why) {
    if (r.ok()) {
      r.kind = kind;
      r.at = ip;
      r.problem = std::move(why);
    }
  };
  auto reach = [&](std::uint32_t ip, int depth, std::uint32_t from) {
    if (!r.ok()) return;
    if (ip >= code.size()) return fail(StackCheck::Problem::Unbalanced, from, "instruction " + std::to_string(from) + " goes to " + std::to_string(ip) + ", past the end of the code");
    if (depth < 0) return fail(StackCheck::Problem::Unbalanced, from, "instruction " + std::to_string(from) + " pops more values than the stack holds");
    if (std::uint32_t(depth) > limit) return fail(StackCheck::Problem::TooDeep, from, "more than " + std::to_string(limit) + " values pending on the evaluation stack");
    if (r.depth[ip] < 0) {
      r.depth[ip] = depth;
      r.max_depth = std::max(r.max_depth, std::uint32_t(depth));
      work.push_back(ip);
    } else if (r.depth[ip] != depth) {
      fail(StackCheck::Problem::Unbalanced, ip, "instruction " + std::to_string(ip) + " is reached with " + std::to_string(r.depth[ip]) + " and with " + std::to_string(depth) + " values on the stack");
    }
  };
  for (std::uint32_t e : entries) reach(e, 0, e);
  while (!work.empty() && r.ok()) {
    std::uint32_t ip = work.back();
    work.pop_back();
    const Instr& in = code[ip];
    const int depth = r.depth[ip];
    if (depth < stack_effect(in).pops) {
      fail(StackCheck::Problem::Unbalanced, ip, "instruction " + std::to_string(ip) + " (" + std::string(op_facts(in.op).name) + ") pops more values than the stack holds");
      break;
    }
    if (op_is(in.op, kEmpty) && depth != 0) {
      fail(StackCheck::Problem::Unbalanced, ip, "instruction " + std::to_string(ip) + " (" + std::string(op_facts(in.op).name) + ") leaves " + std::to_string(depth) + " values on the stack");
      break;
    }
    if (in.op == Op::Return && depth != 1) {
      fail(StackCheck::Problem::Unbalanced, ip, "instruction " + std::to_string(ip) + " returns with " + std::to_string(depth) + " values on the stack");
      break;
    }
    for_each_next(code, ip, depth, [&](std::uint32_t next, int next_depth, bool) { reach(next, next_depth, ip); });
  }
  return r;
}

}  // namespace tlbcheck::model
