// Short-vector helpers for the CPU kernels, compiled once per instruction set.
//
// NO include guard on purpose. A .cpp includes this (and the per-instruction-set kernel headers
// that use it) inside a namespace, with TAILOR_CPU_KW defined as the floats per vector (4 or 8),
// once for the baseline and once for AVX2 + FMA between
//   #pragma GCC push_options / #pragma GCC target("avx2,fma") / #pragma GCC pop_options
// (TAILOR_CPU_BEGIN_AVX2 / TAILOR_CPU_END_AVX2 below). Every helper must be defined inside that
// region: GCC lowers generic vector operations to the target of the function that holds them
// before inlining, so a helper compiled for the baseline and inlined into an AVX2 function would
// come out as scalar code.
//
// The vectors are GCC/Clang vector extensions (the same operators on both instruction sets);
// loads and stores go through memcpy, so nothing needs to be aligned. The including file provides
// <cstring>, and <immintrin.h> on x86-64.

inline constexpr int kW = TAILOR_CPU_KW;  // floats per vector

// vf: kW floats; vd: kW / 2 doubles (same width in bytes); vh: kW / 2 floats (converted to vd).
using vf = float __attribute__((vector_size(4 * kW)));
using vd = double __attribute__((vector_size(4 * kW)));
using vh = float __attribute__((vector_size(2 * kW)));
inline constexpr int kDW = kW / 2;  // doubles per vd

inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
// Broadcasts. (Not `vf{} + a`: without -ffast-math the compiler must keep that addition, since
// 0 + -0 is +0; a - 0 is a for every a, so it folds to a plain broadcast.)
inline vf splat(float a) { return a - vf{}; }
inline vd splatd(double a) { return a - vd{}; }
// kW / 2 floats from p, widened to double (exact).
inline vd load_widen(const float* p) {
  vh h;
  std::memcpy(&h, p, sizeof h);
  return __builtin_convertvector(h, vd);
}
inline void stored(double* p, vd v) { std::memcpy(p, &v, sizeof v); }

// Lane i of the result is the sum of the lanes of a[i], for the kW vectors a[0 .. kW): kW
// horizontal sums for the price of about two.
#if TAILOR_CPU_KW == 8
// Per 128-bit half: [x0+x1, x2+x3, y0+y1, y2+y3].
inline vf pair_sums(vf x, vf y) {
  return __builtin_shufflevector(x, y, 0, 2, 8, 10, 4, 6, 12, 14) +
         __builtin_shufflevector(x, y, 1, 3, 9, 11, 5, 7, 13, 15);
}
inline vf transpose_sum(const vf* a) {
  // q0 = [sum of a0..a3 over lanes 0-3, then over lanes 4-7]; q1 the same for a4..a7
  const vf q0 = pair_sums(pair_sums(a[0], a[1]), pair_sums(a[2], a[3]));
  const vf q1 = pair_sums(pair_sums(a[4], a[5]), pair_sums(a[6], a[7]));
  return __builtin_shufflevector(q0, q1, 0, 1, 2, 3, 8, 9, 10, 11) +
         __builtin_shufflevector(q0, q1, 4, 5, 6, 7, 12, 13, 14, 15);
}
#elif TAILOR_CPU_KW == 4
// [x0+x1, x2+x3, y0+y1, y2+y3].
inline vf pair_sums(vf x, vf y) {
  return __builtin_shufflevector(x, y, 0, 2, 4, 6) + __builtin_shufflevector(x, y, 1, 3, 5, 7);
}
inline vf transpose_sum(const vf* a) {
  return pair_sums(pair_sums(a[0], a[1]), pair_sums(a[2], a[3]));
}
#else
#error "TAILOR_CPU_KW must be 4 or 8"
#endif

// Whether every lane of a and of b is <= t (false where any lane is NaN or above t).
inline bool all_le(vf a, vf b, float t) {
  const vf tv = splat(t);
  const auto m = (a <= tv) & (b <= tv);  // lanes: -1 true, 0 false
#if defined(__x86_64__) && TAILOR_CPU_KW == 8
  return _mm256_movemask_ps(reinterpret_cast<__m256>(m)) == 0xff;
#elif defined(__x86_64__) && TAILOR_CPU_KW == 4
  return _mm_movemask_ps(reinterpret_cast<__m128>(m)) == 0xf;
#else
  int all = -1;
  for (int i = 0; i < kW; ++i) all &= m[i];
  return all != 0;
#endif
}

inline float hsum(vf v) {
  float s = 0.0f;
  for (int i = 0; i < kW; ++i) s += v[i];
  return s;
}
inline double hsumd(vd v) {
  double s = 0.0;
  for (int i = 0; i < kDW; ++i) s += v[i];
  return s;
}

// a . b over n floats, accumulated in float.
inline float dot(const float* a, const float* b, int n) {
  vf s0{}, s1{};
  int l = 0;
  for (; l + 2 * kW <= n; l += 2 * kW) {
    s0 += load(a + l) * load(b + l);
    s1 += load(a + l + kW) * load(b + l + kW);
  }
  for (; l + kW <= n; l += kW) s0 += load(a + l) * load(b + l);
  float s = hsum(s0 + s1);
  for (; l < n; ++l) s += a[l] * b[l];
  return s;
}

// a . b over n floats, accumulated in double (each product is exact in double).
inline double dot_f64(const float* a, const float* b, int n) {
  vd s0{}, s1{};
  int l = 0;
  for (; l + kW <= n; l += kW) {
    s0 += load_widen(a + l) * load_widen(b + l);
    s1 += load_widen(a + l + kDW) * load_widen(b + l + kDW);
  }
  double s = hsumd(s0 + s1);
  for (; l < n; ++l) s += static_cast<double>(a[l]) * static_cast<double>(b[l]);
  return s;
}
