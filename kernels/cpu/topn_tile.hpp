// The scoring kernel of cpu_topn, compiled once per instruction set: a small GEMM producing a block
// of customer x item scores.
//
// NO include guard: included by topn_cpu.cpp after vec.hpp, inside each per-instruction-set
// namespace, which also defines `constexpr int kMR` (customers per register tile). kPanel (items
// per packed panel, the register tile's width) and Selector come from topn_cpu.cpp.

// out[i * ldo + j] = x_i . y_j for i < kMR customers (rows of xb, stride k) and j < kPanel items
// of one packed panel (k x kPanel: panel[l * kPanel + j] = y_j[l]).
// Outer-product form: each step l broadcasts x_i[l] and multiplies one row of the panel, so the
// kMR x kPanel partial sums stay in registers for the whole k loop and nothing is reduced across
// lanes. AVX2: 6 x 16 = 12 ymm accumulators; baseline SSE2: 2 x 16 = 8 xmm accumulators.
inline void score_tile(const float* xb, const float* panel, int k, float* out, std::size_t ldo) {
  constexpr int NV = kPanel / kW;
  static_assert(kPanel % kW == 0, "the panel must be a whole number of vectors");
  const auto krow = static_cast<std::size_t>(k);
  vf acc[kMR][NV];
  for (int i = 0; i < kMR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = vf{};
  for (int l = 0; l < k; ++l) {
    vf b[NV];
    for (int v = 0; v < NV; ++v) b[v] = load(panel + static_cast<std::size_t>(l) * kPanel + v * kW);
    for (int i = 0; i < kMR; ++i) {
      const vf a = splat(xb[static_cast<std::size_t>(i) * krow + l]);
      for (int v = 0; v < NV; ++v) acc[i][v] += a * b[v];
    }
  }
  for (int i = 0; i < kMR; ++i)
    for (int v = 0; v < NV; ++v) store(out + static_cast<std::size_t>(i) * ldo + v * kW, acc[i][v]);
}

// S[i * lds + p * kPanel + j] = x_i . y_{p * kPanel + j} for i < rows (a multiple of kMR; rows of
// xb, stride k) and the items of npanels consecutive packed panels. The panel loop is outside so
// each panel (k x kPanel floats) stays in L1 while every customer group of the block reads it.
inline void score_block(const float* xb, int rows, const float* panels, int npanels, int k,
                        float* S, std::size_t lds) {
  const auto krow = static_cast<std::size_t>(k);
  for (int p = 0; p < npanels; ++p) {
    const float* panel = panels + static_cast<std::size_t>(p) * krow * kPanel;
    for (int g = 0; g < rows; g += kMR)
      score_tile(xb + static_cast<std::size_t>(g) * krow, panel, k,
                 S + static_cast<std::size_t>(g) * lds + static_cast<std::size_t>(p) * kPanel, lds);
  }
}

// Offers items first, first + 1, ... with scores s[0 .. len) to a customer's selection. An item
// enters when its score is not <= the threshold: above it, or NaN (sorted out at the next cut), or
// anything while the threshold is NaN (fewer than n candidates so far). An equal score stays out:
// its item index is higher than the threshold item's. After the first few cuts almost nothing
// enters, so the scan is 2 kW compares and one branch per 2 kW scores.
inline void offer(Selector& sel, const float* s, std::uint32_t first, std::uint32_t len) {
  std::uint32_t i = 0;
  for (; i + 2 * kW <= len; i += 2 * kW) {
    if (all_le(load(s + i), load(s + i + kW), sel.threshold())) continue;
    for (std::uint32_t q = i; q < i + 2 * kW; ++q)
      if (!(s[q] <= sel.threshold())) sel.push(s[q], first + q);
  }
  for (; i < len; ++i)
    if (!(s[i] <= sel.threshold())) sel.push(s[i], first + i);
}
