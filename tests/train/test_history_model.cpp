// host/train/history_model: the history models trained into a Model, and their model files:
// what is saved is what was fitted, and a damaged file is refused by dataset and entry.
#include "host/train/history_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "history_shop.hpp"
#include "host/core/error.hpp"
#include "host/io/h5.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

HistoryModelParams some_params() {
  HistoryModelParams p;
  p.itemknn.neighbours = 2;
  p.itemknn.shrinkage = 1.5f;
  p.itemknn.weighting = KnnWeighting::bm25;
  p.itemknn.weighted_scores = true;
  p.ease.regularization = 3.0;
  p.ease.weighted = true;
  p.tifuknn.group_size = 2;
  p.tifuknn.neighbours = 3;
  p.tifuknn.alpha = 0.4;
  p.tifuknn.basket_window = 60;
  return p;
}

std::filesystem::path temp_model(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("tailor_test_history_" + name + "_" + std::to_string(::getpid()) + ".h5");
}

TEST(HistoryModel, ItemKnnKeepsTheFittedNeighboursThroughItsFile) {
  const LoadedInput in = testing::training_shop();
  const HistoryModelParams p = some_params();
  const Backend cpu = Backend::cpu({1});
  TrainResult r;
  const Model m = fit_history_model("itemknn", in, p, cpu, &r);
  const ItemKnnModel direct = fit_item_knn(in.matrices.customer_items, p.itemknn, cpu);
  EXPECT_TRUE(m.history_model());
  EXPECT_EQ(m.params.factors, 0);
  EXPECT_TRUE(m.customer_factors.empty());
  EXPECT_EQ(m.neighbours.indices, direct.neighbours.indices);
  EXPECT_EQ(m.neighbours.similarity, direct.neighbours.similarity);
  EXPECT_EQ(m.data_fingerprint, in.matrices.fingerprint);
  EXPECT_TRUE(r.epochs.empty());

  const auto path = temp_model("knn");
  save_model(path, m);
  const Model back = load_model(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.algorithm, "itemknn");
  EXPECT_EQ(back.item_ids, m.item_ids);
  EXPECT_EQ(back.customer_ids, m.customer_ids);
  EXPECT_EQ(back.neighbours.items, 6);
  EXPECT_EQ(back.neighbours.indptr, m.neighbours.indptr);
  EXPECT_EQ(back.neighbours.indices, m.neighbours.indices);
  EXPECT_EQ(back.neighbours.similarity, m.neighbours.similarity);
  EXPECT_EQ(back.history.itemknn.neighbours, 2);
  EXPECT_FLOAT_EQ(back.history.itemknn.shrinkage, 1.5f);
  EXPECT_EQ(back.history.itemknn.weighting, KnnWeighting::bm25);
  EXPECT_TRUE(back.history.itemknn.weighted_scores);
}

TEST(HistoryModel, EaseKeepsItsWeightsBitForBit) {
  const LoadedInput in = testing::training_shop();
  const Model m = fit_history_model("ease", in, some_params(), Backend::cpu({1}));
  ASSERT_EQ(m.ease_weights.b.size(), 36u);
  const auto path = temp_model("ease");
  save_model(path, m);
  const Model back = load_model(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.algorithm, "ease");
  EXPECT_EQ(back.ease_weights.items, 6);
  EXPECT_EQ(back.ease_weights.b, m.ease_weights.b);
  EXPECT_DOUBLE_EQ(back.history.ease.regularization, 3.0);
  EXPECT_TRUE(back.history.ease.weighted);
}

TEST(HistoryModel, TifuKnnKeepsItsParametersAndNeedsTimes) {
  const LoadedInput in = testing::training_shop();
  const Model m = fit_history_model("tifuknn", in, some_params(), Backend::cpu({1}));
  const auto path = temp_model("tifu");
  save_model(path, m);
  const Model back = load_model(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.algorithm, "tifuknn");
  EXPECT_EQ(back.history.tifuknn.group_size, 2);
  EXPECT_EQ(back.history.tifuknn.neighbours, 3);
  EXPECT_DOUBLE_EQ(back.history.tifuknn.alpha, 0.4);
  EXPECT_EQ(back.history.tifuknn.basket_window, 60);

  LoadedInput untimed = in;
  untimed.data.log.time.clear();
  EXPECT_NE(testing::input_error_of([&] {
              (void)fit_history_model("tifuknn", untimed, some_params(), Backend::cpu({1}));
            }).find("tifuknn needs the time of each interaction"),
            std::string::npos);
  HistoryModelParams bad = some_params();
  bad.tifuknn.alpha = 2.0;
  EXPECT_THROW((void)fit_history_model("tifuknn", in, bad, Backend::cpu({1})), InputError);
}

// A model saved with one of its arrays damaged: load_model's message for it.
template <class Damage>
std::string load_error(const std::string& algorithm, Damage damage) {
  Model m = fit_history_model(algorithm, testing::training_shop(), some_params(),
                              Backend::cpu({1}));
  damage(m);
  const auto path = temp_model("bad");
  save_model(path, m);
  const std::string error = testing::input_error_of([&] { (void)load_model(path); });
  std::filesystem::remove(path);
  return error;
}

TEST(HistoryModel, DamagedFilesAreRefusedByDatasetAndEntry) {
  EXPECT_NE(load_error("itemknn", [](Model& m) { m.neighbours.indices[1] = 9; })
                .find("/items/neighbours: entry 1: neighbour 9"),
            std::string::npos);
  EXPECT_NE(load_error("itemknn", [](Model& m) { m.neighbours.similarity[0] = 0.0f; })
                .find("/items/neighbours: entry 0"),
            std::string::npos);
  EXPECT_NE(load_error("itemknn", [](Model& m) { m.neighbours.indptr[3] = 0; })
                .find("/items/neighbours: indptr falls at item"),
            std::string::npos);
  EXPECT_NE(load_error("ease", [](Model& m) {
              m.ease_weights.b[7] = std::numeric_limits<double>::quiet_NaN();
            }).find("/items/ease_weights[7] is nan"),
            std::string::npos);
  EXPECT_NE(load_error("itemknn", [](Model& m) { m.history.itemknn.neighbours = 0; })
                .find("neighbours = 0"),
            std::string::npos);
}

TEST(HistoryModel, AnUnknownAlgorithmNamesTheOnesThisBuildReads) {
  const auto path = temp_model("unknown");
  {
    auto f = h5::File::create(path);
    f.set_attr("/", "format", std::string(kModelFormat));
    f.set_attr("/", "format_version", kModelFormatVersion);
    f.set_attr("/", "algorithm", std::string("knn"));
    f.set_attr("/", "factors", std::int64_t{0});
    f.close();
  }
  const std::string error = testing::input_error_of([&] { (void)load_model(path); });
  std::filesystem::remove(path);
  EXPECT_NE(error.find("unknown model algorithm 'knn' (this tailor reads ials, bpr, itemknn, "
                       "ease and tifuknn)"),
            std::string::npos)
      << error;
}

TEST(HistoryModel, OnlyHistoryAlgorithmsAreFitted) {
  EXPECT_TRUE(is_history_algorithm("itemknn"));
  EXPECT_TRUE(is_history_algorithm("ease"));
  EXPECT_TRUE(is_history_algorithm("tifuknn"));
  EXPECT_FALSE(is_history_algorithm("ials"));
  EXPECT_FALSE(is_history_algorithm("bpr"));
  EXPECT_THROW((void)fit_history_model("ials", testing::training_shop(), {}, Backend::cpu({1})),
               std::logic_error);
}

}  // namespace
}  // namespace tailor
