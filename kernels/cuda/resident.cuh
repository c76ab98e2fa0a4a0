// What an engine keeps on the device for its whole life: a CSR matrix uploaded once, and the two
// factor matrices with the one set/get path both CUDA engines (iALS, BPR) expose.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"
#include "kernels/row_order.hpp"

namespace tailor::cuda {

// A CSR matrix copied to the device, its offsets rebased so that row 0 starts at 0 (a CsrView
// may be a slice whose indptr[0] is not 0). Without weights only the pattern is uploaded; with
// an order, also the rows by decreasing entry count (kernels/row_order.hpp) that blocks claim.
struct CsrOnDevice {
  DeviceBuffer<std::int64_t> indptr;    // (rows + 1)
  DeviceBuffer<std::uint32_t> indices;  // (nnz)
  DeviceBuffer<float> weights;          // (nnz), empty without weights
  DeviceBuffer<std::uint32_t> order;    // (rows), empty without an order
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t nnz = 0;

  CsrOnDevice(const Context& res, const CsrView& m, bool with_weights, bool with_order = false)
      : rows(m.rows), cols(m.cols), nnz(m.nnz()) {
    const std::int64_t base = m.indptr[0];
    std::vector<std::int64_t> rebased(static_cast<std::size_t>(rows) + 1);
    for (std::int64_t r = 0; r <= rows; ++r) rebased[r] = m.indptr[r] - base;
    indptr = res.alloc<std::int64_t>(rebased.size());
    indptr.upload(rebased.data(), rebased.size());
    indices = res.alloc<std::uint32_t>(static_cast<std::size_t>(nnz));
    indices.upload(m.indices + base, static_cast<std::size_t>(nnz));
    if (with_weights) {
      weights = res.alloc<float>(static_cast<std::size_t>(nnz));
      weights.upload(m.data + base, static_cast<std::size_t>(nnz));
    }
    std::vector<std::uint32_t> claim;
    if (with_order) {
      claim = rows_by_decreasing_nnz(m);
      order = res.alloc<std::uint32_t>(claim.size());
      order.upload(claim.data(), claim.size());
    }
    res.synchronize();  // `rebased` and `claim` are freed on return: their uploads must be done
  }
};

// X (customers x k) and Y (items x k), row-major, resident on the device.
class DeviceFactors {
 public:
  // `engine` names the engine in errors: "iALS (CUDA)".
  DeviceFactors(const Context& res, std::int64_t customers, std::int64_t items, int k,
                const char* engine)
      : res_(res),
        engine_(engine),
        X_(res.alloc<float>(static_cast<std::size_t>(customers) * static_cast<std::size_t>(k))),
        Y_(res.alloc<float>(static_cast<std::size_t>(items) * static_cast<std::size_t>(k))) {}

  // Returns when the copies are done: the caller may free or overwrite X and Y then.
  void set(std::span<const float> X, std::span<const float> Y) {
    check_sizes(X.size(), Y.size(), "set_factors");
    X_.upload(X.data(), X.size());
    Y_.upload(Y.data(), Y.size());
    res_.synchronize();
  }
  void get(std::span<float> X, std::span<float> Y) const {
    check_sizes(X.size(), Y.size(), "get_factors");
    X_.download(X.data(), X.size());
    Y_.download(Y.data(), Y.size());
    res_.synchronize();
  }

  [[nodiscard]] float* X() { return X_.data(); }
  [[nodiscard]] float* Y() { return Y_.data(); }

 private:
  void check_sizes(std::size_t x, std::size_t y, const char* what) const {
    if (x != X_.size() || y != Y_.size())
      throw std::invalid_argument(std::string(engine_) + " " + what + ": expected " +
                                  std::to_string(X_.size()) + " customer and " +
                                  std::to_string(Y_.size()) + " item factor values, got " +
                                  std::to_string(x) + " and " + std::to_string(y));
  }

  const Context& res_;
  const char* engine_;
  DeviceBuffer<float> X_;
  DeviceBuffer<float> Y_;
};

}  // namespace tailor::cuda
