// The CPU iALS engine against references written here in double: dense Cholesky solves of every
// row's normal equations, a brute-force objective over the dense matrix, and the monotone descent
// that CG from the previous iterate guarantees.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "isa_scope.hpp"
#include "kernels/cpu/isa.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;
using testing::random_factors;

using testing::IsaScope;
using testing::isas;

struct Problem {
  Csr ci;  // customers x items
  Csr ic;  // items x customers
};

Problem make_problem(std::int64_t customers, std::int64_t items, int max_per_row,
                     std::uint64_t seed, std::int64_t heavy) {
  Problem p;
  p.ci = random_csr(customers, items, max_per_row, seed, heavy);
  p.ic = transpose(p.ci, 2);
  return p;
}

// x = A^{-1} b for a symmetric positive definite A (n x n, row-major), by Cholesky in double.
std::vector<double> cholesky_solve(std::vector<double> A, std::vector<double> b, int n) {
  const auto at = [n](int i, int j) { return static_cast<std::size_t>(i) * n + j; };
  for (int j = 0; j < n; ++j) {
    double d = A[at(j, j)];
    for (int l = 0; l < j; ++l) d -= A[at(j, l)] * A[at(j, l)];
    EXPECT_GT(d, 0.0) << "reference matrix is not positive definite";
    const double ljj = std::sqrt(d);
    A[at(j, j)] = ljj;
    for (int i = j + 1; i < n; ++i) {
      double s = A[at(i, j)];
      for (int l = 0; l < j; ++l) s -= A[at(i, l)] * A[at(j, l)];
      A[at(i, j)] = s / ljj;
    }
  }
  for (int i = 0; i < n; ++i) {  // L z = b
    double s = b[i];
    for (int l = 0; l < i; ++l) s -= A[at(i, l)] * b[l];
    b[i] = s / A[at(i, i)];
  }
  for (int i = n - 1; i >= 0; --i) {  // L^T x = z
    double s = b[i];
    for (int l = i + 1; l < n; ++l) s -= A[at(l, i)] * b[l];
    b[i] = s / A[at(i, i)];
  }
  return b;
}

// The exact solution of every row of m given the other side's factors F (rows of F x k):
//   (F^T F + lambda I + sum_j (c_j - 1) f_j f_j^T) x = sum_j c_j f_j, all in double.
std::vector<double> reference_solve(const Csr& m, const std::vector<float>& F, int k,
                                    const IalsParams& params) {
  const auto ks = static_cast<std::size_t>(k);
  std::vector<double> gram(ks * ks, 0.0);
  for (std::int64_t r = 0; r < m.cols; ++r)
    for (std::size_t a = 0; a < ks; ++a)
      for (std::size_t b = 0; b < ks; ++b)
        gram[a * ks + b] += static_cast<double>(F[r * ks + a]) * F[r * ks + b];
  std::vector<double> out(static_cast<std::size_t>(m.rows) * ks);
  for (std::int64_t u = 0; u < m.rows; ++u) {
    std::vector<double> A = gram, b(ks, 0.0);
    for (std::size_t a = 0; a < ks; ++a) A[a * ks + a] += params.regularization;
    for (std::int64_t pos = m.indptr[u]; pos < m.indptr[u + 1]; ++pos) {
      const double c = confidence(m.data[pos], params);
      const float* f = F.data() + static_cast<std::size_t>(m.indices[pos]) * ks;
      for (std::size_t a = 0; a < ks; ++a) {
        b[a] += c * f[a];
        for (std::size_t bb = 0; bb < ks; ++bb) A[a * ks + bb] += (c - 1.0) * f[a] * f[bb];
      }
    }
    const std::vector<double> x = cholesky_solve(std::move(A), std::move(b), k);
    std::copy(x.begin(), x.end(), out.begin() + static_cast<std::ptrdiff_t>(u * k));
  }
  return out;
}

// Every value within atol + rtol * |ref|; reports the count and the first few mismatches.
void expect_close(const std::vector<float>& got, const std::vector<double>& ref, int k,
                  double atol, double rtol, const std::string& what) {
  ASSERT_EQ(got.size(), ref.size());
  std::ostringstream first;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(static_cast<double>(got[i]) - ref[i]);
    if (!(err <= atol + rtol * std::abs(ref[i]))) {
      if (bad < 5)
        first << "\n  row " << i / k << " factor " << i % k << ": got " << got[i] << ", want "
              << ref[i] << " (error " << err << ")";
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " values differ"
                     << first.str();
}

IalsParams params_for(int k, ConfidenceScaling scaling, int cg_steps) {
  IalsParams p;
  p.factors = k;
  p.regularization = 0.1f;
  p.alpha = scaling == ConfidenceScaling::linear ? 0.5f : 2.0f;
  p.scaling = scaling;
  p.cg_steps = cg_steps;
  return p;
}

// With as many CG steps as unknowns, CG reaches the exact solution (up to float rounding): every
// customer row, empty ones and the heavy one included, must match the Cholesky solve; then the
// same for items.
TEST(IalsCpu, HalfStepsSolveTheNormalEquations) {
  struct Shape {
    std::int64_t customers, items;
    int max_per_row;
    std::int64_t heavy;
  };
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    for (const int k : {1, 3, 17, 64, 100}) {
      // Both sides have well over k rows, so both Grams are well conditioned: a float solve is
      // then accurate to a few float ulps times the condition number, which the tolerance below
      // allows. (With fewer rows than factors, the Gram is singular, only lambda keeps A
      // invertible, and the float answer is only as good as cond(A) x 6e-8.)
      const Shape shapes[] = {{40 + 2 * k, 90 + 2 * k, 6, 60}, {75 + 2 * k, 260, 12, 200}};
      for (const auto scaling : {ConfidenceScaling::linear, ConfidenceScaling::log}) {
        for (const Shape& s : shapes) {
          const std::uint64_t seed = 1000 + static_cast<std::uint64_t>(k) * 7 + s.customers;
          SCOPED_TRACE("isa=" + std::string(cpu::isa_name(isa)) + " k=" + std::to_string(k) +
                       " scaling=" + (scaling == ConfidenceScaling::linear ? "linear" : "log") +
                       " shape=" + std::to_string(s.customers) + "x" + std::to_string(s.items) +
                       " seed=" + std::to_string(seed));
          const Problem pr = make_problem(s.customers, s.items, s.max_per_row, seed, s.heavy);
          // cg_steps = k: in exact arithmetic CG solves a k x k positive definite system in k
          // steps; in float, on these well-conditioned systems, it gets within about a tenth of
          // the tolerance below.
          const IalsParams params = params_for(k, scaling, k);
          auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 2);
          std::vector<float> X = random_factors(s.customers, k, seed + 1);
          std::vector<float> Y = random_factors(s.items, k, seed + 2);
          engine->set_factors(X, Y);

          engine->solve_customers();
          engine->get_factors(X, Y);
          expect_close(X, reference_solve(pr.ci, Y, k, params), k, 2e-5, 2e-4, "customers");

          X = random_factors(s.customers, k, seed + 3);
          engine->set_factors(X, Y);
          engine->solve_items();
          engine->get_factors(X, Y);
          expect_close(Y, reference_solve(pr.ic, X, k, params), k, 2e-5, 2e-4, "items");
        }
      }
    }
  }
}

// The weighted loss over the dense matrix, in double: the definition the engine's factored form
// must equal.
Objective brute_force_objective(const Csr& ci, const std::vector<float>& X,
                                const std::vector<float>& Y, const IalsParams& params) {
  const auto ks = static_cast<std::size_t>(params.factors);
  double data = 0.0, conf_sum = 0.0, norms = 0.0;
  for (std::int64_t u = 0; u < ci.rows; ++u) {
    std::int64_t pos = ci.indptr[u];
    for (std::int64_t i = 0; i < ci.cols; ++i) {
      double s = 0.0;
      for (std::size_t a = 0; a < ks; ++a)
        s += static_cast<double>(X[u * ks + a]) * Y[static_cast<std::size_t>(i) * ks + a];
      double c = 1.0, p = 0.0;
      if (pos < ci.indptr[u + 1] && ci.indices[pos] == i) {
        c = confidence(ci.data[pos], params);
        p = 1.0;
        conf_sum += c;
        ++pos;
      }
      data += c * (p - s) * (p - s);
    }
  }
  for (float v : X) norms += static_cast<double>(v) * v;
  for (float v : Y) norms += static_cast<double>(v) * v;
  Objective o;
  o.data = data;
  o.regularization = params.regularization * norms;
  o.total = o.data + o.regularization;
  o.normalized =
      o.total / (conf_sum + static_cast<double>(ci.rows) * ci.cols - static_cast<double>(ci.nnz()));
  return o;
}

TEST(IalsCpu, ObjectiveEqualsBruteForce) {
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    for (const int k : {1, 5, 33, 64}) {
      for (const auto scaling : {ConfidenceScaling::linear, ConfidenceScaling::log}) {
        const std::uint64_t seed = 77 + static_cast<std::uint64_t>(k);
        SCOPED_TRACE("isa=" + std::string(cpu::isa_name(isa)) + " k=" + std::to_string(k) +
                     " seed=" + std::to_string(seed));
        const Problem pr = make_problem(50, 70, 10, seed, 40);
        const IalsParams params = params_for(k, scaling, 3);
        auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 2);
        const std::vector<float> X = random_factors(50, k, seed + 1);
        const std::vector<float> Y = random_factors(70, k, seed + 2);
        engine->set_factors(X, Y);
        const Objective got = engine->objective();
        const Objective want = brute_force_objective(pr.ci, X, Y, params);
        EXPECT_NEAR(got.data, want.data, 1e-10 * std::abs(want.data) + 1e-10);
        EXPECT_NEAR(got.regularization, want.regularization, 1e-12 * want.regularization);
        EXPECT_NEAR(got.total, want.total, 1e-10 * want.total);
        EXPECT_NEAR(got.normalized, want.normalized, 1e-10 * want.normalized);
      }
    }
  }
}

// Each half-step replaces every row by CG iterates started at the row's current value. The row's
// share of the objective is, up to a constant, 2 f(x) with f(x) = x^T A x / 2 - b^T x, and the
// CG iterate after j steps minimises f over x0 + the j-th Krylov space of r0 = b - A x0, a space
// that always contains x0 itself (the zero step); so f never rises, however few the steps, and
// neither does the sum over rows. Float rounding (the Gram rounded to float, float dot products)
// may add a tiny rise, hence the relative tolerance.
TEST(IalsCpu, ObjectiveNeverRisesWithFewCgSteps) {
  for (const auto scaling : {ConfidenceScaling::linear, ConfidenceScaling::log}) {
    for (const int k : {3, 17, 64}) {
      const std::uint64_t seed = 500 + static_cast<std::uint64_t>(k);
      SCOPED_TRACE("k=" + std::to_string(k) + " seed=" + std::to_string(seed) + " scaling=" +
                   (scaling == ConfidenceScaling::linear ? "linear" : "log"));
      const Problem pr = make_problem(300, 200, 25, seed, 150);
      const IalsParams params = params_for(k, scaling, 3);
      auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 2);
      engine->set_factors(random_factors(300, k, seed + 1, 0.1f),
                          random_factors(200, k, seed + 2, 0.1f));
      double prev = engine->objective().total;
      for (int it = 0; it < 10; ++it) {
        engine->solve_customers();
        const double after_customers = engine->objective().total;
        EXPECT_LE(after_customers, prev * (1.0 + 1e-6)) << "iteration " << it << ", customers";
        engine->solve_items();
        const double after_items = engine->objective().total;
        EXPECT_LE(after_items, after_customers * (1.0 + 1e-6)) << "iteration " << it << ", items";
        prev = after_items;
      }
    }
  }
}

TEST(IalsCpu, ResultsDoNotDependOnThreadCount) {
  const int k = 24;
  const Problem pr = make_problem(500, 300, 30, 9, 250);
  const IalsParams params = params_for(k, ConfidenceScaling::linear, 3);
  std::vector<std::vector<float>> xs, ys;
  std::vector<Objective> objs;
  for (const int threads : {1, 2, 3}) {
    auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, threads);
    for (int it = 0; it < 2; ++it) {
      engine->solve_customers();
      engine->solve_items();
    }
    std::vector<float> X(500 * k), Y(300 * k);
    engine->get_factors(X, Y);
    xs.push_back(X);
    ys.push_back(Y);
    objs.push_back(engine->objective());
  }
  for (std::size_t t = 1; t < xs.size(); ++t) {
    EXPECT_EQ(xs[t], xs[0]);
    EXPECT_EQ(ys[t], ys[0]);
    EXPECT_EQ(objs[t].total, objs[0].total);
  }
}

TEST(IalsCpu, FactoryRefusesBadFactorCounts) {
  const Problem pr = make_problem(10, 8, 3, 3, 0);
  for (const int k : {0, -1, kMaxFactors + 1}) {
    IalsParams p;
    p.factors = k;
    EXPECT_THROW(make_cpu_ials(pr.ci.view(), pr.ic.view(), p, 1), std::invalid_argument) << k;
  }
  IalsParams p;
  p.factors = kMaxFactors;
  EXPECT_NO_THROW(make_cpu_ials(pr.ci.view(), pr.ic.view(), p, 1));
}

TEST(IalsCpu, FactoryRefusesMismatchedShapes) {
  const Problem pr = make_problem(10, 8, 3, 3, 0);
  const Problem other = make_problem(10, 9, 3, 4, 0);
  IalsParams p;
  p.factors = 4;
  // item-major matrix of a different problem: transpose shape does not match
  EXPECT_THROW(make_cpu_ials(pr.ci.view(), other.ic.view(), p, 1), std::invalid_argument);
  // right shape, different interaction count
  const Problem same_shape = make_problem(10, 8, 5, 99, 0);
  ASSERT_NE(same_shape.ic.nnz(), pr.ci.nnz());
  EXPECT_THROW(make_cpu_ials(pr.ci.view(), same_shape.ic.view(), p, 1), std::invalid_argument);
  // the customer-major matrix passed twice
  EXPECT_THROW(make_cpu_ials(pr.ci.view(), pr.ci.view(), p, 1), std::invalid_argument);
}

TEST(IalsCpu, FactorCopiesCheckSizes) {
  const Problem pr = make_problem(10, 8, 3, 3, 0);
  IalsParams p;
  p.factors = 4;
  auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), p, 1);
  std::vector<float> X(10 * 4), Y(8 * 4), short_x(10 * 4 - 1), long_y(8 * 4 + 4);
  EXPECT_NO_THROW(engine->set_factors(X, Y));
  EXPECT_NO_THROW(engine->get_factors(X, Y));
  try {
    engine->set_factors(short_x, Y);
    ADD_FAILURE() << "set_factors accepted a short X";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("39"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("40"), std::string::npos) << e.what();
  }
  EXPECT_THROW(engine->set_factors(X, long_y), std::invalid_argument);
  EXPECT_THROW(engine->get_factors(short_x, Y), std::invalid_argument);
  EXPECT_THROW(engine->get_factors(X, long_y), std::invalid_argument);
}

TEST(IalsCpu, TrainsWithManyFactors) {
  const int k = 512;
  const std::uint64_t seed = 31;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const Problem pr = make_problem(60, 45, 8, seed, 30);
  IalsParams params = params_for(k, ConfidenceScaling::linear, 3);
  auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 2);
  engine->set_factors(random_factors(60, k, seed + 1, 0.01f),
                      random_factors(45, k, seed + 2, 0.01f));
  const double before = engine->objective().total;
  for (int it = 0; it < 3; ++it) {
    engine->solve_customers();
    engine->solve_items();
  }
  std::vector<float> X(60 * k), Y(45 * k);
  engine->get_factors(X, Y);
  for (float v : X) ASSERT_TRUE(std::isfinite(v));
  for (float v : Y) ASSERT_TRUE(std::isfinite(v));
  const Objective after = engine->objective();
  EXPECT_TRUE(std::isfinite(after.total));
  EXPECT_LT(after.total, before);
}

// A customer without interactions has b = 0 in its normal equations, so x = 0 solves them
// exactly: after training its factors are exactly 0.0, not what CG leaves of the random start
// (~1e-10), which would rank every item arbitrarily for a cold-start customer. Trained as
// `tailor train` does (default start, 3 CG steps); customers with interactions stay non-zero.
TEST(IalsCpu, CustomersWithoutInteractionsEndExactlyZero) {
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    const Problem pr = make_problem(150, 60, 8, 31, 40);
    const int k = 16;
    auto engine = make_cpu_ials(pr.ci.view(), pr.ic.view(),
                                params_for(k, ConfidenceScaling::linear, 3), 2);
    for (int epoch = 0; epoch < 4; ++epoch) {
      engine->solve_customers();
      engine->solve_items();
    }
    std::vector<float> X(150 * k), Y(60 * k);
    engine->get_factors(X, Y);
    std::int64_t empty = 0;
    for (std::int64_t u = 0; u < pr.ci.rows; ++u) {
      const bool is_empty = pr.ci.indptr[u + 1] == pr.ci.indptr[u];
      empty += is_empty;
      int zeros = 0;
      for (int a = 0; a < k; ++a) zeros += X[static_cast<std::size_t>(u * k + a)] == 0.0f;
      if (is_empty)
        EXPECT_EQ(zeros, k) << "customer " << u << " has no interaction but non-zero factors";
      else
        EXPECT_LT(zeros, k) << "customer " << u << " has interactions but all-zero factors";
    }
    EXPECT_GT(empty, 0) << "the problem has no customer without interactions";
  }
}

// Without set_factors, the engine starts from its own seeded factors and still trains.
TEST(IalsCpu, DefaultStartIsSeededAndTrains) {
  const Problem pr = make_problem(80, 50, 10, 5, 30);
  const IalsParams params = params_for(8, ConfidenceScaling::linear, 3);
  std::vector<float> X1(80 * 8), Y1(50 * 8), X2(80 * 8), Y2(50 * 8);
  auto a = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 1);
  auto b = make_cpu_ials(pr.ci.view(), pr.ic.view(), params, 2);
  a->get_factors(X1, Y1);
  b->get_factors(X2, Y2);
  EXPECT_EQ(X1, X2);
  EXPECT_EQ(Y1, Y2);
  const double before = a->objective().total;
  a->solve_customers();
  a->solve_items();
  EXPECT_LT(a->objective().total, before);
}

}  // namespace
}  // namespace tailor
