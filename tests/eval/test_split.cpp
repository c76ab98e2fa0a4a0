// Train/test splits (no leakage, cutoffs, per-kind semantics, determinism, parsing, files) and
// fold-in of held-out customers against a double-precision direct solve.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/eval/split.hpp"
#include "host/io/h5.hpp"
#include "host/train/fold_in.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kStart = 1577836800;  // 2020-01-01 00:00 UTC

// `rows` interactions of `customers` x `items` over `days` days, with many equal timestamps
// (times fall on whole hours) and customers of very different activity (a skewed draw).
Dataset make_data(std::int64_t customers, std::int64_t items, std::int64_t rows, int days,
                  std::uint64_t seed, bool with_time = true) {
  Dataset d;
  d.path = "memory.h5";
  d.format_version = kInteractionsFormatVersion;
  for (std::int64_t c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (std::int64_t i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<std::int64_t> item(0, items - 1), hour(0, days * 24 - 1);
  for (std::int64_t r = 0; r < rows; ++r) {
    const double x = u(rng);
    d.log.customer.push_back(static_cast<std::uint32_t>(x * x * static_cast<double>(customers)));
    d.log.item.push_back(static_cast<std::uint32_t>(item(rng)));
    if (with_time) d.log.time.push_back(kStart + hour(rng) * 3600);
    d.log.quantity.push_back(static_cast<float>(1 + rng() % 3));
  }
  return d;
}

std::vector<SplitSpec> all_kinds(std::uint64_t seed) {
  return {parse_split("time:2020-02-10", seed), parse_split("last:2", seed),
          parse_split("random:0.25", seed), parse_split("customers:0.3", seed)};
}

std::int64_t count(const std::vector<bool>& m) { return std::count(m.begin(), m.end(), true); }

TEST(Split, MasksPartitionRowsAndTrainingSeesNoTestRow) {
  const Dataset data = make_data(300, 80, 6000, 60, 1);
  for (const SplitSpec& spec : all_kinds(7)) {
    SCOPED_TRACE(spec.text);
    const Split s = make_split(data, spec);
    ASSERT_EQ(static_cast<std::int64_t>(s.role.size()), data.log.size());
    const auto train = s.mask(Role::train), test = s.mask(Role::test),
               fold = s.mask(Role::fold_in);
    for (std::size_t r = 0; r < s.role.size(); ++r)
      ASSERT_EQ(int(train[r]) + int(test[r]) + int(fold[r]), 1) << "row " << r;
    EXPECT_GT(count(train), 0);
    EXPECT_GT(count(test), 0);
    if (spec.kind != SplitKind::customers) EXPECT_EQ(count(fold), 0);

    // The training matrix holds exactly the train rows: every (customer, item) weight equals the
    // quantity summed over train rows only, and the totals agree.
    const InteractionMatrices m = build_matrices(data, 2, &train);
    std::map<std::pair<std::uint32_t, std::uint32_t>, double> expected;
    double total = 0.0;
    for (std::size_t r = 0; r < s.role.size(); ++r)
      if (train[r]) {
        expected[{data.log.customer[r], data.log.item[r]}] += data.log.quantity[r];
        total += data.log.quantity[r];
      }
    const Csr& ci = m.customer_items;
    ASSERT_EQ(ci.nnz(), static_cast<std::int64_t>(expected.size()));
    double seen = 0.0;
    for (std::int64_t c = 0; c < ci.rows; ++c)
      for (std::int64_t j = ci.indptr[c]; j < ci.indptr[c + 1]; ++j) {
        const auto key = std::make_pair(static_cast<std::uint32_t>(c), ci.indices[j]);
        ASSERT_TRUE(expected.count(key)) << "pair only in test rows: " << c << "," << key.second;
        EXPECT_DOUBLE_EQ(ci.data[j], expected[key]);
        seen += ci.data[j];
      }
    EXPECT_DOUBLE_EQ(seen, total);
  }
}

TEST(Split, TimeCutoffSeparatesTrainAndTest) {
  const Dataset data = make_data(200, 50, 4000, 60, 2);
  const SplitSpec spec = parse_split("time:2020-02-10", 1);
  EXPECT_EQ(spec.cutoff, kStart + 40 * kDay);
  const Split s = make_split(data, spec);
  for (std::size_t r = 0; r < s.role.size(); ++r) {
    if (s.role[r] == Role::train) EXPECT_LT(data.log.time[r], spec.cutoff);
    else EXPECT_GE(data.log.time[r], spec.cutoff);
  }
  const auto d = s.describe();
  EXPECT_EQ(d["kind"], "time");
  EXPECT_EQ(d["cutoff"], "2020-02-10");
  EXPECT_EQ(d["rows"]["train"].get<std::int64_t>() + d["rows"]["test"].get<std::int64_t>(),
            data.log.size());
}

TEST(Split, LeaveLastPicksEachCustomersMostRecentTimestamps) {
  const Dataset data = make_data(150, 40, 3000, 10, 3);  // 240 hours: many equal times
  for (int k : {1, 3}) {
    const Split s = make_split(data, parse_split("last:" + std::to_string(k), 5));
    std::map<std::uint32_t, std::set<std::int64_t>> times;
    for (std::size_t r = 0; r < s.role.size(); ++r)
      times[data.log.customer[r]].insert(data.log.time[r]);
    std::int64_t customers_with_test = 0;
    for (std::size_t r = 0; r < s.role.size(); ++r) {
      const auto& t = times[data.log.customer[r]];
      bool want_test = false;
      if (static_cast<int>(t.size()) > k) {
        const std::int64_t threshold = *std::next(t.rbegin(), k - 1);
        want_test = data.log.time[r] >= threshold;
      }
      ASSERT_EQ(s.role[r], want_test ? Role::test : Role::train) << "k=" << k << " row " << r;
    }
    for (const auto& [c, t] : times) customers_with_test += static_cast<int>(t.size()) > k;
    EXPECT_GT(customers_with_test, 0);
  }
}

TEST(Split, RandomFractionWithinBinomialBounds) {
  const Dataset data = make_data(500, 100, 20000, 30, 4, /*with_time=*/false);
  for (double f : {0.05, 0.2, 0.5}) {
    const Split s = make_split(data, parse_split(fmt::format("random:{}", f), 11));
    const double n = static_cast<double>(data.log.size());
    const double sigma = std::sqrt(n * f * (1 - f));
    EXPECT_NEAR(static_cast<double>(count(s.mask(Role::test))), n * f, 5 * sigma) << "F=" << f;
  }
}

TEST(Split, CustomerHoldout) {
  const Dataset data = make_data(400, 60, 5000, 60, 5);
  for (double f : {0.1, 0.3}) {
    const Split s = make_split(data, parse_split(fmt::format("customers:{}", f), 13));
    std::map<std::uint32_t, std::vector<std::size_t>> rows;
    for (std::size_t r = 0; r < s.role.size(); ++r) rows[data.log.customer[r]].push_back(r);
    std::int64_t eligible = 0, held = 0;
    ASSERT_EQ(s.held_out_customer.size(), data.customer_ids.size());
    for (const auto& [c, rs] : rows) {
      eligible += rs.size() >= 2;
      if (!s.held_out_customer[c]) {
        for (auto r : rs) ASSERT_EQ(s.role[r], Role::train) << "customer " << c;
        continue;
      }
      ++held;
      ASSERT_GE(rs.size(), 2u);
      std::int64_t nf = 0, nt = 0;
      for (auto r : rs) {
        ASSERT_NE(s.role[r], Role::train) << "held-out customer " << c << " has a train row";
        (s.role[r] == Role::fold_in ? nf : nt)++;
      }
      const auto n = static_cast<std::int64_t>(rs.size());
      EXPECT_EQ(nf, std::clamp<std::int64_t>(
                        static_cast<std::int64_t>(std::ceil(0.8 * static_cast<double>(n) - 1e-9)),
                        1, n - 1));
      EXPECT_GE(nt, 1);
      // Fold-in precedes test: by time, ties by row index.
      for (auto a : rs)
        for (auto b : rs)
          if (s.role[a] == Role::fold_in && s.role[b] == Role::test)
            ASSERT_TRUE(std::make_pair(data.log.time[a], a) < std::make_pair(data.log.time[b], b));
    }
    EXPECT_EQ(held, std::llround(f * static_cast<double>(eligible)));
    const auto d = s.describe();
    EXPECT_EQ(d["held_out_customers"].get<std::int64_t>(), held);
    EXPECT_EQ(d["test_customers"].get<std::int64_t>(), held);
    EXPECT_EQ(d["rows"]["fold_in"].get<std::int64_t>(), count(s.mask(Role::fold_in)));
  }
}

TEST(Split, CustomerHoldoutWithoutTimeIsRefused) {
  // Fold-in and test are cut by time; row order is no stand-in for it, so the split is refused
  // as time: and last: are.
  const Dataset data = make_data(100, 30, 1500, 30, 6, /*with_time=*/false);
  try {
    make_split(data, parse_split("customers:0.5", 3));
    ADD_FAILURE() << "customers:0.5 was accepted without a time column";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "split customers:0.5 needs the /interactions/time column (the held-out "
                 "customers' rows are cut into fold-in and test by time), which memory.h5 lacks "
                 "(use random:F instead)");
  }
}

TEST(Split, SameSeedSameSplitDifferentSeedDifferentSplit) {
  const Dataset data = make_data(300, 50, 4000, 60, 7);
  for (const char* text : {"random:0.2", "customers:0.2"}) {
    const Split a = make_split(data, parse_split(text, 99));
    const Split b = make_split(data, parse_split(text, 99));
    const Split c = make_split(data, parse_split(text, 100));
    EXPECT_EQ(a.role, b.role) << text;
    EXPECT_NE(a.role, c.role) << text;
  }
}

void expect_parse_error(const std::string& text, const std::string& reason) {
  try {
    parse_split(text, 1);
    ADD_FAILURE() << text << " was accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("\"" + text + "\""), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
    EXPECT_NE(what.find("accepted forms: time:YYYY-MM-DD"), std::string::npos) << what;
  }
}

TEST(Split, ParseAcceptsTheFourForms) {
  EXPECT_EQ(parse_split("time:1970-01-01", 1).cutoff, 0);
  EXPECT_EQ(parse_split("time:2020-02-29", 1).cutoff, kStart + 59 * kDay);
  const SplitSpec last = parse_split("last:3", 8);
  EXPECT_EQ(last.kind, SplitKind::leave_last);
  EXPECT_EQ(last.last, 3);
  EXPECT_EQ(last.seed, 8u);
  EXPECT_EQ(last.text, "last:3");
  EXPECT_EQ(parse_split("random:0.125", 1).fraction, 0.125);
  const SplitSpec cust = parse_split("customers:0.2", 1);
  EXPECT_EQ(cust.kind, SplitKind::customers);
  EXPECT_EQ(cust.fraction, 0.2);
  EXPECT_EQ(cust.fold_in_fraction, 0.8);
}

TEST(Split, ParseErrorsArePrecise) {
  expect_parse_error("", "expected KIND:VALUE");
  expect_parse_error("random", "expected KIND:VALUE");
  expect_parse_error("week:3", "unknown kind \"week\"");
  expect_parse_error("time:2020-1-01", "not a date YYYY-MM-DD");
  expect_parse_error("time:2020-01-01T00", "not a date YYYY-MM-DD");
  expect_parse_error("time:2021-02-29", "not a calendar date");
  expect_parse_error("time:2021-13-01", "not a calendar date");
  expect_parse_error("last:0", "K = 0 must be >= 1");
  expect_parse_error("last:-2", "must be >= 1");
  expect_parse_error("last:2.5", "not an integer K");
  expect_parse_error("last:", "not an integer K");
  expect_parse_error("random:0", "strictly between 0 and 1");
  expect_parse_error("random:1", "strictly between 0 and 1");
  expect_parse_error("random:1.5", "strictly between 0 and 1");
  expect_parse_error("random:nan", "strictly between 0 and 1");
  expect_parse_error("customers:abc", "not a number F");
  expect_parse_error("customers:0.2x", "not a number F");
}

TEST(Split, ParseDateIsExactlyYyyyMmDdOfACalendarDay) {
  // 00:00 UTC of the day, negative before 1970.
  EXPECT_EQ(parse_split("time:1969-12-31", 1).cutoff, -kDay);
  EXPECT_EQ(parse_split("time:2020-01-01", 1).cutoff, kStart);
  EXPECT_EQ(parse_split("time:2020-12-31", 1).cutoff, kStart + 365 * kDay);  // a leap year
  for (const char* text : {"time:", "time:2020-01-0a", "time:2020/01/01", "time:+020-01-01",
                           "time:2020-01-01 ", "time:20200101"})
    expect_parse_error(text, "is not a date YYYY-MM-DD");
  for (const char* text : {"time:2020-02-30", "time:2020-00-10", "time:2020-04-31"})
    expect_parse_error(text, "is not a calendar date");
  try {
    parse_split("time:2019-02-29", 1);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "--split \"time:2019-02-29\": 2019-02-29 is not a calendar date; accepted forms: "))
        << e.what();
  }
}

TEST(Split, ParseLastAndFractionAreWholeNumbers) {
  EXPECT_EQ(parse_split("last:1", 1).last, 1);
  EXPECT_EQ(parse_split("last:2147483647", 1).last, 2147483647);  // the largest int
  expect_parse_error("last:2147483648", "K = 2147483648");
  for (const char* text : {"last:+3", "last: 3", "last:3 ", "last:2:3", "last:0x10"})
    expect_parse_error(text, "is not an integer K");
  EXPECT_EQ(parse_split("random:1e-3", 1).fraction, 0.001);
  EXPECT_EQ(parse_split("customers:0.999", 1).fraction, 0.999);
  EXPECT_EQ(parse_split("customers:0.999", 1).kind, SplitKind::customers);
  expect_parse_error("random:-0.1", "fraction -0.1 must lie strictly between 0 and 1");
  expect_parse_error("customers:inf", "fraction inf must lie strictly between 0 and 1");
  for (const char* text : {"random:", "random:.5.", "customers: 0.5", "random:0,5"})
    expect_parse_error(text, "is not a number F");
  // The kind is matched exactly, before its value is looked at.
  expect_parse_error("Time:2020-01-01", "unknown kind \"Time\"");
  expect_parse_error(":0.5", "unknown kind \"\"");
}

TEST(Split, MakeSplitRefusesMissingTimeAndEmptySides) {
  const Dataset untimed = make_data(50, 20, 500, 10, 8, /*with_time=*/false);
  for (const char* text : {"time:2020-01-05", "last:1", "customers:0.2"}) {
    try {
      make_split(untimed, parse_split(text, 1));
      ADD_FAILURE() << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("/interactions/time"), std::string::npos) << e.what();
    }
  }
  const Dataset data = make_data(50, 20, 500, 10, 8);
  try {
    make_split(data, parse_split("time:2030-01-01", 1));
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("time:2030-01-01"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("500 train rows and 0 test rows"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(make_split(data, parse_split("time:2019-01-01", 1)), InputError);  // no train
}

TEST(Split, WriteSplitRoundTrip) {
  testing::TempDir dir;
  const Dataset data = make_data(200, 40, 3000, 60, 9);
  for (const char* text : {"time:2020-02-01", "customers:0.25"}) {
    SCOPED_TRACE(text);
    const Split s = make_split(data, parse_split(text, 4));
    write_split(data, s, dir / "train.h5", dir / "test.h5");
    const Dataset train = load_dataset(dir / "train.h5", LoadOptions{});
    const Dataset test = load_dataset(dir / "test.h5", LoadOptions{});
    EXPECT_EQ(train.customer_ids, data.customer_ids);
    EXPECT_EQ(test.item_ids, data.item_ids);
    EXPECT_EQ(train.log.size(), count(s.mask(Role::train)));
    EXPECT_EQ(test.log.size(), count(s.mask(Role::test)) + count(s.mask(Role::fold_in)));

    // Rows keep their order and values; the role column matches.
    const auto roles = h5::File::open(dir / "test.h5").read_all<std::int8_t>("/interactions/role");
    ASSERT_EQ(static_cast<std::int64_t>(roles.size()), test.log.size());
    std::size_t ti = 0, tr = 0;
    for (std::size_t r = 0; r < s.role.size(); ++r) {
      const Dataset& out = s.role[r] == Role::train ? train : test;
      std::size_t& i = s.role[r] == Role::train ? tr : ti;
      ASSERT_EQ(out.log.customer[i], data.log.customer[r]);
      ASSERT_EQ(out.log.item[i], data.log.item[r]);
      ASSERT_EQ(out.log.time[i], data.log.time[r]);
      ASSERT_EQ(out.log.quantity[i], data.log.quantity[r]);
      if (s.role[r] != Role::train) ASSERT_EQ(roles[i], static_cast<std::int8_t>(s.role[r]));
      ++i;
    }

    const auto attr = h5::File::open(dir / "test.h5").attr_string("/", "split");
    ASSERT_TRUE(attr);
    const auto j = nlohmann::json::parse(*attr);
    EXPECT_EQ(j["spec"], text);
    EXPECT_EQ(j["seed"], 4);
    EXPECT_EQ(j["rows"]["test"].get<std::int64_t>(), count(s.mask(Role::test)));
    std::set<std::uint32_t> test_customers;
    for (std::size_t r = 0; r < s.role.size(); ++r)
      if (s.role[r] == Role::test) test_customers.insert(data.log.customer[r]);
    EXPECT_EQ(j["test_customers"].get<std::size_t>(), test_customers.size());
  }
}

// ---- fold-in ----------------------------------------------------------------------------------

// x_u from the normal equations in double: A = Y^T Y + Y^T (C_u - I) Y + lambda I, b = Y^T C_u p_u,
// solved by Cholesky.
std::vector<double> direct_solve(const Csr& h, const std::vector<float>& Y, const IalsParams& p,
                                 std::int64_t u) {
  const int k = p.factors;
  const auto items = h.cols;
  std::vector<double> A(static_cast<std::size_t>(k * k), 0.0), b(static_cast<std::size_t>(k), 0.0);
  auto y = [&](std::int64_t i, int a) { return static_cast<double>(Y[i * k + a]); };
  for (std::int64_t i = 0; i < items; ++i)
    for (int a = 0; a < k; ++a)
      for (int c = 0; c < k; ++c) A[a * k + c] += y(i, a) * y(i, c);
  for (std::int64_t j = h.indptr[u]; j < h.indptr[u + 1]; ++j) {
    const std::int64_t i = h.indices[j];
    const double conf = confidence(h.data[j], p);
    for (int a = 0; a < k; ++a) {
      b[a] += conf * y(i, a);
      for (int c = 0; c < k; ++c) A[a * k + c] += (conf - 1.0) * y(i, a) * y(i, c);
    }
  }
  for (int a = 0; a < k; ++a) A[a * k + a] += p.regularization;
  // A = L L^T in place (lower triangle).
  for (int j = 0; j < k; ++j) {
    double d = A[j * k + j];
    for (int l = 0; l < j; ++l) d -= A[j * k + l] * A[j * k + l];
    A[j * k + j] = std::sqrt(d);
    for (int i = j + 1; i < k; ++i) {
      double s = A[i * k + j];
      for (int l = 0; l < j; ++l) s -= A[i * k + l] * A[j * k + l];
      A[i * k + j] = s / A[j * k + j];
    }
  }
  for (int i = 0; i < k; ++i) {  // L z = b
    for (int l = 0; l < i; ++l) b[i] -= A[i * k + l] * b[l];
    b[i] /= A[i * k + i];
  }
  for (int i = k - 1; i >= 0; --i) {  // L^T x = z
    for (int l = i + 1; l < k; ++l) b[i] -= A[l * k + i] * b[l];
    b[i] /= A[i * k + i];
  }
  return b;
}

TEST(FoldIn, MatchesDirectSolveOfTheNormalEquations) {
  for (auto scaling : {ConfidenceScaling::linear, ConfidenceScaling::log})
    for (int k : {1, 8, 33}) {
      const std::uint64_t seed = 1000 + static_cast<std::uint64_t>(k);
      SCOPED_TRACE(fmt::format("scaling={} k={} seed={}",
                               scaling == ConfidenceScaling::linear ? "linear" : "log", k, seed));
      IalsParams p;
      p.factors = k;
      p.regularization = 0.1f;
      p.alpha = scaling == ConfidenceScaling::linear ? 2.0f : 10.0f;
      p.scaling = scaling;
      p.cg_steps = 3;
      const Csr history = testing::random_csr(60, 150, 25, seed, /*heavy=*/120);
      const std::vector<float> Y = testing::random_factors(150, k, seed + 1);
      const std::vector<float> X = fold_in_customers(history, Y, p, Backend::cpu({2}));
      ASSERT_EQ(X.size(), static_cast<std::size_t>(60 * k));
      for (std::int64_t u = 0; u < history.rows; ++u) {
        const std::vector<double> ref = direct_solve(history, Y, p, u);
        double err = 0.0, norm = 0.0;
        for (int a = 0; a < k; ++a) {
          err = std::max(err, std::abs(X[u * k + a] - ref[a]));
          norm = std::max(norm, std::abs(ref[a]));
        }
        EXPECT_LE(err, 1e-6 + 1e-4 * norm) << "customer " << u << " (" << history.indptr[u + 1] -
                                                  history.indptr[u] << " items)";
      }
    }
}

TEST(FoldIn, RefusesMismatchedItemFactors) {
  const Csr history = testing::random_csr(5, 10, 3, 1);
  IalsParams p;
  p.factors = 4;
  EXPECT_THROW(fold_in_customers(history, std::vector<float>(9 * 4), p, Backend::cpu({1})),
               InputError);
  p.factors = 0;
  EXPECT_THROW(fold_in_customers(history, {}, p, Backend::cpu({1})), InputError);
}

}  // namespace
}  // namespace tailor
