// The iALS hot loops, compiled once per instruction set: the conjugate-gradient solve of one row,
// a tile of the Gram matrix, and the observed-pair terms of the objective.
//
// NO include guard: included by ials_cpu.cpp after vec.hpp, inside each per-instruction-set
// namespace (see vec.hpp). Uses CgProblem, CgRow and CgScratch from ials_cpu.cpp.

// t[j] = y_{idx[j]} . v for j < nnz. Y: (rows x k) row-major, v: (k).
// kW rows at a time: kW independent accumulator chains (FMA latency, not throughput, would bound
// one chain), reduced together by transpose_sum into one vector of kW dot products.
inline void row_dots(const float* Y, int k, const std::uint32_t* idx, std::int64_t nnz,
                     const float* v, float* t) {
  const auto krow = static_cast<std::size_t>(k);
  std::int64_t j = 0;
  for (; j + kW <= nnz; j += kW) {
    const float* y[kW];
    for (int q = 0; q < kW; ++q) y[q] = Y + static_cast<std::size_t>(idx[j + q]) * krow;
    vf s[kW] = {};
    int l = 0;
    for (; l + kW <= k; l += kW) {
      const vf x = load(v + l);
      for (int q = 0; q < kW; ++q) s[q] += load(y[q] + l) * x;
    }
    vf sums = transpose_sum(s);
    for (; l < k; ++l)
      for (int q = 0; q < kW; ++q) sums[q] += y[q][l] * v[l];
    store(t + j, sums);
  }
  for (; j < nnz; ++j) t[j] = dot(Y + static_cast<std::size_t>(idx[j]) * krow, v, k);
}

// out[c .. c + NV * kW) = gscale * (G v)[c ..] + sum_j t[j] y_{idx[j]}[c ..], the partial sums in
// NV vector registers across both sums.
template <int NV>
inline void gram_plus_rows_chunk(const float* G, float gscale, const float* v, const float* Y,
                                 int k, const std::uint32_t* idx, const float* t,
                                 std::int64_t nnz, float* out, int c) {
  const auto krow = static_cast<std::size_t>(k);
  vf a[NV] = {};
  for (int l = 0; l < k; ++l) {
    const vf w = splat(gscale * v[l]);
    const float* g = G + static_cast<std::size_t>(l) * krow + c;
    for (int q = 0; q < NV; ++q) a[q] += w * load(g + q * kW);
  }
  for (std::int64_t j = 0; j < nnz; ++j) {
    const vf w = splat(t[j]);
    const float* y = Y + static_cast<std::size_t>(idx[j]) * krow + c;
    for (int q = 0; q < NV; ++q) a[q] += w * load(y + q * kW);
  }
  for (int q = 0; q < NV; ++q) store(out + c + q * kW, a[q]);
}

// out = gscale * G v + sum_j t[j] y_{idx[j]}, all (k). G: (k x k) symmetric, so G v is the sum of
// G's rows weighted by v, the same shape of work as the sum over the interaction rows. The output
// is built 8 vectors at a time (8 independent FMA chains, enough to cover the FMA latency), then
// 4, then 1, then a scalar tail.
inline void gram_plus_rows(const float* G, float gscale, const float* v, const float* Y, int k,
                           const std::uint32_t* idx, const float* t, std::int64_t nnz,
                           float* out) {
  int c = 0;
  for (; c + 8 * kW <= k; c += 8 * kW)
    gram_plus_rows_chunk<8>(G, gscale, v, Y, k, idx, t, nnz, out, c);
  for (; c + 4 * kW <= k; c += 4 * kW)
    gram_plus_rows_chunk<4>(G, gscale, v, Y, k, idx, t, nnz, out, c);
  for (; c + kW <= k; c += kW) gram_plus_rows_chunk<1>(G, gscale, v, Y, k, idx, t, nnz, out, c);
  const auto krow = static_cast<std::size_t>(k);
  for (; c < k; ++c) {
    float s = 0.0f;
    for (int l = 0; l < k; ++l) s += gscale * v[l] * G[static_cast<std::size_t>(l) * krow + c];
    for (std::int64_t j = 0; j < nnz; ++j)
      s += t[j] * Y[static_cast<std::size_t>(idx[j]) * krow + c];
    out[c] = s;
  }
}

// Conjugate gradient on one row's normal equations (Takacs et al. 2011; the same iteration as
// benfred/implicit's CPU and GPU CG):
//   A = Y^T Y + lambda I + sum_j (c_j - 1) y_j y_j^T,  b = sum_j c_j y_j,
// starting from the current x, cg_steps iterations, stopping early once |r|^2 < kCgTolerance.
// A is never formed: A v = (Y^T Y + lambda I) v + sum_j (c_j - 1) (y_j . v) y_j.
// A row without interactions has b = 0, so x = 0 solves it exactly (a minimiser also when
// lambda = 0). In the customer half-step (P.zero_empty_rows) such a row is set to 0: CG would
// only shrink the random start towards it, leaving ~1e-10 noise that ranks every item
// arbitrarily for a customer with no history. Item rows keep their CG iterate.
inline void cg_solve_row(const CgProblem& P, const CgRow& row, float* x, const CgScratch& s) {
  const int k = P.k;
  if (row.nnz == 0 && P.zero_empty_rows) {
    std::fill_n(x, k, 0.0f);
    return;
  }
  float* r = s.r;
  float* p = s.p;
  float* ap = s.ap;
  float* t = s.t;

  // r = b - A x = sum_j (c_j - (c_j - 1) y_j.x) y_j - (Y^T Y + lambda I) x
  row_dots(P.other, k, row.idx, row.nnz, x, t);
  for (std::int64_t j = 0; j < row.nnz; ++j) {
    const float m1 = row.scale * row.f[j];  // c - 1
    t[j] = (1.0f + m1) - m1 * t[j];
  }
  gram_plus_rows(P.gram, -1.0f, x, P.other, k, row.idx, t, row.nnz, r);
  std::memcpy(p, r, sizeof(float) * static_cast<std::size_t>(k));
  float rsold = dot(r, r, k);
  if (rsold < kCgTolerance) return;

  for (int it = 0; it < P.cg_steps; ++it) {
    row_dots(P.other, k, row.idx, row.nnz, p, t);
    for (std::int64_t j = 0; j < row.nnz; ++j) t[j] *= row.scale * row.f[j];
    gram_plus_rows(P.gram, 1.0f, p, P.other, k, row.idx, t, row.nnz, ap);
    const float pap = dot(p, ap, k);
    // A is positive definite when lambda > 0; a zero or negative (or NaN) curvature can only come
    // from lambda = 0 with a singular A, or from rounding once p is negligible: stop there.
    if (!(pap > 0.0f)) break;
    const float alpha = rsold / pap;
    int l = 0;
    for (; l + kW <= k; l += kW) {
      store(x + l, load(x + l) + alpha * load(p + l));
      store(r + l, load(r + l) - alpha * load(ap + l));
    }
    for (; l < k; ++l) {
      x[l] += alpha * p[l];
      r[l] -= alpha * ap[l];
    }
    const float rsnew = dot(r, r, k);
    if (rsnew < kCgTolerance) break;
    const float beta = rsnew / rsold;
    for (l = 0; l + kW <= k; l += kW) store(p + l, load(r + l) + beta * load(p + l));
    for (; l < k; ++l) p[l] = r[l] + beta * p[l];
    rsold = rsnew;
  }
}

// out[(a - a0) * ldo + (b - b0)] = sum_{r0 <= r < r1} Y[r][a] Y[r][b] in double, for a in
// [a0, a1), b in [b0, b1). Y: (rows x k) float. Each product of two floats is exact in double, so
// the only rounding is in the sums, and FMA or not gives the same bits: both instruction-set
// copies produce identical Gram matrices. Register tile: 4 values of a x 2 vd of b.
inline void gram_tile(const float* Y, int k, std::int64_t r0, std::int64_t r1, int a0, int a1,
                      int b0, int b1, double* out, int ldo) {
  constexpr int MR = 4;
  constexpr int NR = 2 * kDW;
  const auto krow = static_cast<std::size_t>(k);
  for (int a = a0; a < a1; a += MR) {
    for (int b = b0; b < b1; b += NR) {
      double* o = out + static_cast<std::size_t>(a - a0) * static_cast<std::size_t>(ldo) + (b - b0);
      if (a + MR <= a1 && b + NR <= b1) {
        vd acc[MR][2] = {};
        for (std::int64_t r = r0; r < r1; ++r) {
          const float* y = Y + static_cast<std::size_t>(r) * krow;
          const vd lo = load_widen(y + b);
          const vd hi = load_widen(y + b + kDW);
          for (int i = 0; i < MR; ++i) {
            const vd ya = splatd(static_cast<double>(y[a + i]));
            acc[i][0] += ya * lo;
            acc[i][1] += ya * hi;
          }
        }
        for (int i = 0; i < MR; ++i) {
          stored(o + static_cast<std::size_t>(i) * static_cast<std::size_t>(ldo), acc[i][0]);
          stored(o + static_cast<std::size_t>(i) * static_cast<std::size_t>(ldo) + kDW,
                 acc[i][1]);
        }
      } else {  // an edge of the tile: plain loops
        const int ma = std::min(MR, a1 - a);
        const int nb = std::min(NR, b1 - b);
        for (int i = 0; i < ma; ++i) {
          for (int jb = 0; jb < nb; ++jb) {
            double s = 0.0;
            for (std::int64_t r = r0; r < r1; ++r) {
              const float* y = Y + static_cast<std::size_t>(r) * krow;
              s += static_cast<double>(y[a + i]) * static_cast<double>(y[b + jb]);
            }
            o[static_cast<std::size_t>(i) * static_cast<std::size_t>(ldo) + jb] = s;
          }
        }
      }
    }
  }
}

// The observed-pair part of the objective for rows [u0, u1) of m, in double:
//   loss += sum c (1 - s)^2 - s^2,  conf_sum += sum c,  s = x_u . y_i.
// c = 1 + scale * f[pos - base] (CgRow), f indexed like m.indices minus `base` (= m.indptr[0]).
inline void observed_terms(const CsrView& m, const float* f, float scale, std::int64_t base,
                           const float* X, const float* Y, int k, std::int64_t u0,
                           std::int64_t u1, double* loss, double* conf_sum) {
  const auto krow = static_cast<std::size_t>(k);
  double l_sum = 0.0, c_sum = 0.0;
  for (std::int64_t u = u0; u < u1; ++u) {
    const float* x = X + static_cast<std::size_t>(u) * krow;
    for (std::int64_t pos = m.indptr[u]; pos < m.indptr[u + 1]; ++pos) {
      const double s = dot_f64(x, Y + static_cast<std::size_t>(m.indices[pos]) * krow, k);
      const float m1 = scale * f[pos - base];
      const double c = 1.0f + m1;
      l_sum += c * (1.0 - s) * (1.0 - s) - s * s;
      c_sum += c;
    }
  }
  *loss = l_sum;
  *conf_sum = c_sum;
}
