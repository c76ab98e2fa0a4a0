#include "host/train/item_models.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/train/planner.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace {

// 500000 -> "500,000".
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0 && digits[k - 1] != '-') out += ',';
    out += digits[k];
  }
  return out;
}

}  // namespace

const char* to_string(KnnWeighting w) { return kKnnWeightingNames.name(w); }
KnnWeighting parse_knn_weighting(const std::string& name) { return kKnnWeightingNames.parse(name); }

void validate_item_knn_params(const ItemKnnParams& p, const std::string& where) {
  if (std::string problem = detail::item_knn_params_problem(p); !problem.empty())
    throw InputError(fmt::format("{}: item kNN {}", where, problem));
}

void validate_ease_params(const EaseParams& p, const std::string& where) {
  if (std::string problem = detail::ease_params_problem(p); !problem.empty())
    throw InputError(fmt::format("{}: EASE {}", where, problem));
}

void check_ease_memory(std::int64_t items, std::size_t max_bytes) {
  const std::size_t need = ease_matrix_bytes(items);
  if (need <= max_bytes) return;
  const std::string size = need == SIZE_MAX ? std::string("more memory than exists")
                                            : format_bytes(need);
  throw InputError(fmt::format("EASE on {} items needs {} for the item x item matrix (8 bytes "
                               "per item pair); the limit is {} (--ease-max-memory)",
                               with_commas(items), size, format_bytes(max_bytes)));
}

ItemKnnModel fit_item_knn(const Csr& customer_items, const ItemKnnParams& params,
                          const Backend& backend) {
  validate_item_knn_params(params, "train");
  const auto start = std::chrono::steady_clock::now();
  const Csr item_customers = transpose(customer_items, backend.threads());
  ItemKnnModel m{params, {}, 0.0};
  try {
    m.neighbours = backend.item_neighbours(customer_items.view(), item_customers.view(), params);
  } catch (const std::runtime_error& e) {  // a device failure (bad arguments are logic_errors)
    throw RunError(e.what());
  }
  m.seconds = seconds_since(start);
  spdlog::info("item kNN on {}: {} items, K = {}, weighting {}: {} neighbour pairs in {:.2f} s",
               backend.name(), customer_items.cols, params.neighbours,
               to_string(params.weighting), m.neighbours.indices.size(), m.seconds);
  return m;
}

EaseModel fit_ease(const Csr& customer_items, const EaseParams& params, std::size_t max_bytes,
                   const Backend& backend) {
  validate_ease_params(params, "train");
  check_ease_memory(customer_items.cols, max_bytes);
  const auto start = std::chrono::steady_clock::now();
  const Csr item_customers = transpose(customer_items, backend.threads());
  EaseModel m{params, {}, 0.0};
  try {
    m.weights = backend.ease_weights(customer_items.view(), item_customers.view(), params);
  } catch (const std::runtime_error& e) {  // LAPACK, cuSOLVER or the device failed
    throw RunError(e.what());
  }
  m.seconds = seconds_since(start);
  spdlog::info("EASE on {}: {} items, lambda = {}: {} for B in {:.2f} s", backend.name(),
               customer_items.cols, params.regularization,
               format_bytes(ease_matrix_bytes(customer_items.cols)), m.seconds);
  return m;
}

}  // namespace tailor
