// Which instruction set the CPU kernels' hot loops run with, chosen at run time.
//
// The build targets the compiler's baseline (no -march=native), so binaries run on any x86-64.
// The hot loops are therefore compiled twice: once for the baseline and once for AVX2 + FMA
// (kernels/cpu/vec.hpp explains how), and each entry point picks one when it is called.
#pragma once

#include <cstdlib>
#include <cstring>

// TAILOR_CPU_AVX2_PATH is 1 where the AVX2 + FMA copy of the hot loops is compiled: x86-64 with
// GCC or Clang, which understand the target pragma used for it.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TAILOR_CPU_AVX2_PATH 1
#else
#define TAILOR_CPU_AVX2_PATH 0
#endif

// Functions defined between these two macros are compiled for AVX2 + FMA (see vec.hpp).
#if TAILOR_CPU_AVX2_PATH && defined(__clang__)
#define TAILOR_CPU_BEGIN_AVX2 \
  _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define TAILOR_CPU_END_AVX2 _Pragma("clang attribute pop")
#elif TAILOR_CPU_AVX2_PATH
#define TAILOR_CPU_BEGIN_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define TAILOR_CPU_END_AVX2 _Pragma("GCC pop_options")
#endif

namespace tailor::cpu {

enum class Isa { baseline, avx2_fma };

// The instruction set the kernels use from now on: AVX2 + FMA where the processor has both, else
// the baseline. The environment variable TAILOR_CPU_ISA=baseline forces the baseline copy (the
// tests run both copies this way; it is also a way around a suspected miscompiled path).
// Read on every call, so set it before creating an engine or calling cpu_topn.
inline Isa active_isa() {
  const char* forced = std::getenv("TAILOR_CPU_ISA");
  if (forced != nullptr && std::strcmp(forced, "baseline") == 0) return Isa::baseline;
#if TAILOR_CPU_AVX2_PATH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2_fma;
#endif
  return Isa::baseline;
}

inline const char* isa_name(Isa isa) { return isa == Isa::avx2_fma ? "avx2+fma" : "baseline"; }

}  // namespace tailor::cpu
