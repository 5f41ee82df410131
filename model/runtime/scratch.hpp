// What the runtime's files share and nothing else sees: the interpreter's
// per-thread scratch and its bounds. Internal to model/runtime/.
#pragma once

#include <array>
#include <vector>

#include "model/lower/lower.hpp"
#include "model/runtime/model_system.hpp"
#include "model/runtime/symmetry.hpp"

namespace tlbcheck::model {

inline constexpr int kMaxForkDepth = kNativeMaxForkDepth;   // nested `either` within one step
inline constexpr std::uint32_t kStepBudget = 1u << 20;      // instructions one step may run

// Per worker thread: the state buffers of nested `either` alternatives, the
// evaluation stack, the step being run, and what its last violation was.
struct ModelSystem::Scratch final : checker::Scratch {
  Scratch(const ModelSystem& system, std::uint32_t words) : buffers(std::size_t(words) * (kMaxForkDepth + 1)), words(words) {
    env = NativeEnv{const_cast<ModelSystem*>(&system), this, buffers.data(), &budget, &native_end, &native_violate, &native_resume};
  }
  Scratch(const Scratch&) = delete;  // env points into it
  Scratch& operator=(const Scratch&) = delete;
  checker::Word* buffer(int depth) { return buffers.data() + std::size_t(depth) * words; }

  std::vector<checker::Word> buffers;
  std::uint32_t words;
  std::array<std::int64_t, kMaxStack + 8> stack{};
  // the step being run
  const checker::EmitFn* emit = nullptr;
  checker::GroupId group;
  std::uint32_t process = 0;
  std::uint32_t budget = 0;
  // the last violation recorded (for explanations)
  std::int64_t diag_value = 0;
  machine::Effect diag_effect;
  std::int64_t diag_page = -1;
  std::uint32_t end_ip = 0;  // the instruction that ended the step last emitted
  // A step re-run to explain it: the statements its instructions belonged
  // to, with their calls, in the order it ran them (each once in a row).
  // Null in the search: only the interpreter records it, and only when asked.
  std::vector<Ran>* trail = nullptr;
  NativeEnv env{};           // native steps' view of this scratch
  CpuRenaming::Buffers renaming;  // CPU symmetry's canonical form
};

}  // namespace tlbcheck::model
