// Native steps: the program's bytecode translated to C, compiled with the
// system's C compiler into a shared object and loaded with dlopen, as SPIN
// compiles pan.c and Murphi its generated checker. The interpreter stays the
// reference: every instruction the translation does not cover (machine
// built-ins, memory accesses, scheduling) hands the rest of the step back to
// it, with the evaluation stack and the instruction budget as they are, so
// both engines produce the same successors, the same violations and the same
// step labels, bit for bit (the golden tests run both).
//
// Translation, per process instance:
// - the stack depth at every instruction is known statically, so stack
//   entries become C locals (registers) s0, s1, ...;
// - slot reads and writes become shifts and masks with constant operands;
// - jumps become gotos; `either` calls the same function on a copy of the
//   state per alternative, as the interpreter does;
// - the instruction budget (runaway steps) is charged once per basic block;
//   where it would run out inside a block the interpreter runs that block
//   one instruction at a time, and a step that leaves a block early gives
//   back what it did not run, so a runaway step stops at the same
//   instruction as in the interpreter.
//
// Compiled objects are cached by a hash of their source and the compiler
// command, under $TLBCHECK_CACHE, else $XDG_CACHE_HOME/tlbcheck, else
// ~/.cache/tlbcheck: a second run of the same protocol and options loads the
// object without compiling. The cache holds code this process runs, so
// (README, "What the native cache trusts"): the folder is created 0700 and
// must belong to this user and be writable by no one else; an object is
// loaded only if it is a regular file of this user that no one else can
// write, ending in a trailer with its content key and a hash of its bytes
// (checked before dlopen: a truncated or corrupted object is rebuilt), and
// exporting the same key (checked after dlopen: a renamed object is
// rebuilt, never run).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/bytecode/program.hpp"

namespace tlbcheck::model {

// The C interface between the generated code and the interpreter. Its text
// is repeated in the generated source (native.cpp); kNativeAbi names the
// version, and a mismatch refuses the object.
extern "C" {
struct NativeEnv;
using NativeStepFn = void (*)(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st, int depth);
struct NativeEnv {
  void* system;                 // the ModelSystem
  void* scratch;                // its per-thread Scratch
  std::uint64_t* buffers;       // fork depth d works in buffers + d * words
  std::uint32_t* budget;        // instructions the step may still run
  // the step ends at instruction ip (after the program counter was written)
  void (*end)(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st);
  // a property is violated at instruction ip
  void (*violate)(const NativeEnv* env, std::uint32_t ip, std::int32_t site, std::int64_t value, std::uint64_t* st);
  // the interpreter runs the rest of the step from ip with this stack
  void (*resume)(const NativeEnv* env, std::uint32_t ip, std::uint64_t* st, int depth, const std::int64_t* stack, int sp);
};
}

// The C compiler native steps are built with: $TLBCHECK_CC, else $CC, else
// cc (a shell command; its first word names the program).
std::string c_compiler();

// Whether c_compiler()'s program exists: a path (with a '/') to an
// executable file, or an executable file of that name in a folder of $PATH.
// When not, `why` says what was looked for ("'cc' is not on the PATH").
bool c_compiler_found(std::string& why);

inline constexpr unsigned kNativeAbi = 1;
inline constexpr int kNativeMaxForkDepth = 32;  // the interpreter's bound on nested `either`

class NativeCode {
 public:
  ~NativeCode();
  NativeCode(const NativeCode&) = delete;
  NativeCode& operator=(const NativeCode&) = delete;

  // Translates, compiles (or finds in the cache) and loads the program's
  // steps. On failure returns null and says why in `error`.
  static std::unique_ptr<NativeCode> build(const Program& program, int cpus, std::string& error);

  // The C source for a program (exposed for tests and --show-native).
  static std::string translate(const Program& program, int cpus);

  NativeStepFn step(std::uint32_t process) const { return steps_[process]; }
  const std::string& object_path() const { return path_; }
  bool compiled_now() const { return compiled_now_; }  // false: found in the cache
  double compile_seconds() const { return compile_seconds_; }

 private:
  NativeCode() = default;
  void* handle_ = nullptr;
  std::vector<NativeStepFn> steps_;
  std::string path_;
  bool compiled_now_ = false;
  double compile_seconds_ = 0;
};

}  // namespace tlbcheck::model
