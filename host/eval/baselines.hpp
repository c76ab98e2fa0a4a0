// Baselines that every evaluation reports beside the model.
#pragma once

#include <cstdint>
#include <vector>

#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

// Lists for the given customers (indices into the matrices' rows), each at most n long.
// `exclude` (optional, customers x items of the same shape as `history`) removes items per
// customer, e.g. the already-bought ones under the "new" protocol; same tie rule as top-N.

// Items by number of distinct training customers (ties: lower item index).
TopNResult popularity_lists(const Csr& history, const std::vector<std::uint32_t>& customers,
                            const Csr* exclude, int n);

// The customer's own past items, by number of purchase rows, then by the latest purchase time
// (more recent first), then item index. Rows of `log` where train_rows[r] is true count.
TopNResult buy_again_lists(const Dataset& data, const std::vector<bool>& train_rows,
                           const std::vector<std::uint32_t>& customers, const Csr* exclude, int n);

// Uniformly random distinct items per customer, seeded (the same seed gives the same lists).
TopNResult random_lists(std::int64_t items, const std::vector<std::uint32_t>& customers,
                        const Csr* exclude, int n, std::uint64_t seed);

}  // namespace tailor
