#include "host/train/fold_in.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/train/loop.hpp"
#include "host/train/train.hpp"

namespace tailor {

std::vector<float> fold_in_customers(const Csr& history, const std::vector<float>& item_factors,
                                     const IalsParams& p, const Backend& backend) {
  validate_ials_params(p, "fold-in");
  const int k = p.factors;
  if (item_factors.size() != static_cast<std::size_t>(history.cols) * static_cast<std::size_t>(k))
    throw InputError(fmt::format("fold-in: item factors hold {} values; the history has {} items "
                                 "x {} factors = {}",
                                 item_factors.size(), history.cols, k,
                                 static_cast<std::size_t>(history.cols) *
                                     static_cast<std::size_t>(k)));
  std::vector<float> X(static_cast<std::size_t>(history.rows) * static_cast<std::size_t>(k), 0.0f);
  if (history.rows == 0) return X;

  // One customer half-step of iALS with Y fixed is exactly the fold-in problem, so the training
  // engines solve it without a kernel of their own. Each row's system is k x k and symmetric
  // positive definite (lambda > 0), and CG reaches its solution in at most k steps in exact
  // arithmetic; the training default (3 warm-started steps) would stop far from it when starting
  // from X = 0, so the step count is raised to at least k.
  IalsParams params = p;
  params.cg_steps = std::max(p.cg_steps, k);
  const Csr transposed = transpose(history, backend.threads());
  const CsrView ci = history.view(), ic = transposed.view();
  const auto engine = make_engine("fold-in", [&] { return backend.ials(ci, ic, params); });
  std::vector<float> Y = item_factors;
  engine->set_factors(X, Y);
  engine->solve_customers();
  engine->get_factors(X, Y);
  return X;
}

}  // namespace tailor
