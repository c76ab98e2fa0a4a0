// fit_item_knn and fit_ease: the parameter checks, EASE's memory limit and its message, and
// fits equal to the kernels' on the hand-made shop.
#include <gtest/gtest.h>

#include <string>

#include "host/core/error.hpp"
#include "host/train/item_models.hpp"
#include "host/train/planner.hpp"
#include "item_shop.hpp"

namespace tailor {
namespace {

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no InputError";
}

TEST(ItemModels, EaseAboveTheMemoryLimitIsRefusedWithTheSizeNeeded) {
  EXPECT_EQ(input_error([] { check_ease_memory(500000, kDefaultEaseMaxBytes); }),
            "EASE on 500,000 items needs 1.82 TiB for the item x item matrix (8 bytes per item "
            "pair); the limit is 16.00 GiB (--ease-max-memory)");
  // The limit is inclusive: 6 items need 288 bytes.
  EXPECT_EQ(input_error([] { check_ease_memory(6, 288); }), "no InputError");
  EXPECT_EQ(input_error([] { check_ease_memory(6, 287); }),
            "EASE on 6 items needs 288 B for the item x item matrix (8 bytes per item pair); the "
            "limit is 287 B (--ease-max-memory)");
  const Csr shop = testing::item_shop();
  EXPECT_EQ(input_error([&] { (void)fit_ease(shop, EaseParams{}, 100, Backend::cpu({1})); }),
            "EASE on 6 items needs 288 B for the item x item matrix (8 bytes per item pair); the "
            "limit is 100 B (--ease-max-memory)");
}

TEST(ItemModels, BadParametersAreInputErrors) {
  const Csr shop = testing::item_shop();
  ItemKnnParams knn;
  knn.neighbours = -3;
  EXPECT_EQ(input_error([&] { (void)fit_item_knn(shop, knn, Backend::cpu({1})); }),
            "train: item kNN neighbours = -3: must be >= 1");
  EXPECT_EQ(input_error([&] { validate_item_knn_params(knn, "evaluate"); }),
            "evaluate: item kNN neighbours = -3: must be >= 1");
  EaseParams ease;
  ease.regularization = -1.0;
  EXPECT_EQ(input_error([&] { validate_ease_params(ease, "evaluate"); }),
            "evaluate: EASE lambda = -1: must be finite and > 0");
  EXPECT_EQ(input_error([] { (void)parse_knn_weighting("idf"); }),
            "unknown kNN weighting 'idf': use none, tfidf or bm25");
  EXPECT_EQ(parse_knn_weighting("bm25"), KnnWeighting::bm25);
  EXPECT_STREQ(to_string(KnnWeighting::tfidf), "tfidf");
}

TEST(ItemModels, FitsAreTheKernelsOnTheTrainingMatrix) {
  const Csr shop = testing::item_shop();
  const Csr ic = transpose(shop, 1);
  ItemKnnParams knn;
  knn.neighbours = 2;
  knn.weighting = KnnWeighting::bm25;
  const ItemKnnModel m = fit_item_knn(shop, knn, Backend::cpu({2}));
  const ItemNeighbours want = cpu_item_neighbours(shop.view(), ic.view(), knn, 1);
  EXPECT_EQ(m.neighbours.indptr, want.indptr);
  EXPECT_EQ(m.neighbours.indices, want.indices);
  EXPECT_EQ(m.neighbours.similarity, want.similarity);
  EXPECT_EQ(m.params.neighbours, 2);
  EaseParams ease;
  ease.regularization = 2.0;
  const EaseModel e = fit_ease(shop, ease, kDefaultEaseMaxBytes, Backend::cpu({2}));
  EXPECT_EQ(e.weights.b, cpu_ease_weights(shop.view(), ic.view(), ease, 1).b);
  EXPECT_GE(e.seconds, 0.0);
}

}  // namespace
}  // namespace tailor
