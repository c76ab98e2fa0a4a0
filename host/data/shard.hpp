// One rank's part of the interaction data in a sharded run (host/core/comm.hpp). No rank holds
// the whole set: rank r reads the rows of its customers (one range per column in a file sorted
// by customer, data/README.md) and builds its customers' rows of the customer x item matrix; its
// items' rows of the item x customer matrix come from every rank by one exchange of (item,
// customer, weight) triples, the shuffle of a distributed join. The blocks balance the stored
// pairs; customer blocks start at multiples of kIalsCustomerBlock (the iALS shard's rule).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "host/core/comm.hpp"
#include "host/data/dataset.hpp"

namespace tailor {

struct ShardInput {
  std::filesystem::path path;
  std::string file_fingerprint;  // of the file's bytes (rank 0 reads them; every rank gets it)
  Dataset data;                  // the id lists and metadata; the log holds this rank's rows only
  std::vector<std::int64_t> customer_starts, item_starts;  // ranks + 1 entries each
  Csr customer_items;  // this rank's customers x every item (row 0 = customer_starts[rank])
  Csr item_customers;  // this rank's items x every customer
  std::int64_t rows = 0;          // interaction rows of all ranks
  std::int64_t interactions = 0;  // stored (customer, item) pairs of all ranks
  // data_fingerprint of the whole customer x item matrix and the id lists: the one a one-process
  // load computes (rank 0 hashes every rank's rows in turn).
  std::string fingerprint;
  std::int64_t shuffle_bytes = 0;  // bytes this rank sent to the others in the exchange
  double seconds = 0.0;
  [[nodiscard]] std::int64_t first_customer(int rank) const { return customer_starts[rank]; }
  [[nodiscard]] std::int64_t first_item(int rank) const { return item_starts[rank]; }
};

// Block starts over `ranks` for rows with these stored counts: each block's count near an equal
// share, every start but the last a multiple of `block` (ranks may get no rows).
std::vector<std::int64_t> balanced_starts(std::span<const std::int64_t> counts, int ranks,
                                          std::int64_t block);

// Loads this rank's part of `path`. InputError as the loader's (file, dataset, row), and when the
// file has no customer id list (raw ids cannot be split by customer).
ShardInput load_shard(const std::filesystem::path& path, Comm& comm, int threads);

}  // namespace tailor
