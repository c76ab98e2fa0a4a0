// Fitting the item-item models, item kNN and EASE (kernels/item_item.hpp), from a customer x
// item matrix: the parameter checks every entry point applies, their names, EASE's memory limit.
// Both fit on the run's Backend: item kNN's similarities and EASE's Gram matrix and inverse run on
// the GPU with the CUDA backend (kernels/cuda/item_knn.cu, ease.cu), on the CPU otherwise;
// scoring their lists (cpu_item_knn_topn, cpu_ease_topn) runs on the CPU for both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "host/core/names.hpp"
#include "host/data/csr.hpp"
#include "kernels/backend.hpp"
#include "kernels/item_item.hpp"

namespace tailor {

inline constexpr NameTable<KnnWeighting, 3> kKnnWeightingNames{
    "kNN weighting",
    {{{KnnWeighting::none, "none"}, {KnnWeighting::tfidf, "tfidf"}, {KnnWeighting::bm25, "bm25"}}}};
const char* to_string(KnnWeighting w);
KnnWeighting parse_knn_weighting(const std::string& name);  // "none" | "tfidf" | "bm25"

// InputError "{where}: {key} = {value}: {rule}" (the rules of kernels/validate.hpp).
void validate_item_knn_params(const ItemKnnParams& p, const std::string& where);
void validate_ease_params(const EaseParams& p, const std::string& where);

// The default limit on EASE's one items x items matrix of doubles: 16 GiB, about 46,000 items.
inline constexpr std::size_t kDefaultEaseMaxBytes = std::size_t{16} << 30;

// InputError when EASE on `items` items needs more than max_bytes, naming both:
// "EASE on 500,000 items needs 1.82 TiB for the item x item matrix (8 bytes per item pair); the
// limit is 16.00 GiB (--ease-max-memory)".
void check_ease_memory(std::int64_t items, std::size_t max_bytes);

struct ItemKnnModel {
  ItemKnnParams params;
  ItemNeighbours neighbours;
  double seconds = 0.0;  // fitting time
};

struct EaseModel {
  EaseParams params;
  EaseWeights weights;
  double seconds = 0.0;
};

// customer_items: customers x items with the training weights (InteractionMatrices), fitted on
// `backend` (its threads transpose the matrix). InputError for bad parameters, RunError when the
// device fails.
ItemKnnModel fit_item_knn(const Csr& customer_items, const ItemKnnParams& params,
                          const Backend& backend);

// The same for EASE, after check_ease_memory (max_bytes bounds the host matrix, and the device's
// on CUDA); RunError when LAPACK or cuSOLVER fails, or the device memory does not suffice.
EaseModel fit_ease(const Csr& customer_items, const EaseParams& params, std::size_t max_bytes,
                   const Backend& backend);

}  // namespace tailor
