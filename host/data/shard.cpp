#include "host/data/shard.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/core/fingerprint.hpp"
#include "host/core/progress.hpp"
#include "host/data/csr.hpp"

namespace tailor {
namespace {

std::vector<std::int64_t> prefix(std::span<const std::int64_t> counts) {
  std::vector<std::int64_t> p(counts.size() + 1, 0);
  for (std::size_t k = 0; k < counts.size(); ++k) p[k + 1] = p[k] + counts[k];
  return p;
}

// Rows of customers [c0, c1) of the file, with the id lists and metadata.
Dataset customer_rows(const std::filesystem::path& path, std::int64_t c0, std::int64_t c1,
                      int threads) {
  LoadOptions o;
  o.threads = threads;
  Dataset all = load_dataset(path, o);
  Dataset d = empty_like(all);
  for (std::int64_t r = 0; r < all.log.size(); ++r)
    if (all.log.customer[r] >= c0 && all.log.customer[r] < c1) append_row(all.log, r, d.log);
  return d;
}

// Per customer: its rows in the file.
std::vector<std::int64_t> customer_row_counts(const std::filesystem::path& path) {
  LoadOptions o;
  const Dataset all = load_dataset(path, o);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(all.customers()), 0);
  for (std::uint32_t c : all.log.customer) ++counts[c];
  return counts;
}

// This rank's customers' rows as a matrix of their own (customer index - c0).
Csr local_matrix(const Dataset& d, std::int64_t c0, std::int64_t c1, int threads) {
  const InteractionLog& log = d.log;
  std::vector<std::uint32_t> rows(log.customer.size());
  for (std::size_t k = 0; k < rows.size(); ++k)
    rows[k] = static_cast<std::uint32_t>(log.customer[k] - c0);
  return build_csr(c1 - c0, d.items(), rows.data(), log.item.data(),
                   log.quantity.empty() ? nullptr : log.quantity.data(), log.size(), threads);
}

// What rank `to` gets of this rank's pairs: per item of its block, the count, then the customers
// (global) and weights of those items, in item then customer order.
Bytes pairs_for(const Csr& by_item, std::int64_t i0, std::int64_t i1, std::int64_t c0) {
  const std::int64_t b = by_item.indptr[i0], e = by_item.indptr[i1];
  std::vector<std::int64_t> counts(static_cast<std::size_t>(i1 - i0));
  for (std::int64_t i = i0; i < i1; ++i) counts[i - i0] = by_item.indptr[i + 1] - by_item.indptr[i];
  std::vector<std::uint32_t> customers(by_item.indices.begin() + b, by_item.indices.begin() + e);
  for (auto& c : customers) c += static_cast<std::uint32_t>(c0);
  Bytes out = to_bytes(counts);
  const Bytes cs = to_bytes(customers);
  const Bytes ws = to_bytes(std::vector<float>(by_item.data.begin() + b, by_item.data.begin() + e));
  out.insert(out.end(), cs.begin(), cs.end());
  out.insert(out.end(), ws.begin(), ws.end());
  return out;
}

// This rank's items' rows over every customer, from what every rank sent: rank r's customers
// come before rank r + 1's, so concatenating in rank order keeps each row sorted.
Csr item_rows(const std::vector<Bytes>& from, std::int64_t items, std::int64_t customers) {
  struct Part {
    const std::int64_t* counts;
    const std::uint32_t* customers;
    const float* weights;
  };
  std::vector<Part> parts;
  Csr m;
  m.rows = items;
  m.cols = customers;
  m.indptr.assign(static_cast<std::size_t>(items) + 1, 0);
  for (const Bytes& b : from) {
    const auto* counts = reinterpret_cast<const std::int64_t*>(b.data());
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < items; ++i) n += counts[i];
    const auto* cs = reinterpret_cast<const std::uint32_t*>(counts + items);
    parts.push_back({counts, cs, reinterpret_cast<const float*>(cs + n)});
    for (std::int64_t i = 0; i < items; ++i) m.indptr[i + 1] += counts[i];
  }
  for (std::int64_t i = 0; i < items; ++i) m.indptr[i + 1] += m.indptr[i];
  m.indices.reserve(static_cast<std::size_t>(m.indptr.back()));
  m.data.reserve(m.indices.capacity());
  std::vector<std::int64_t> at(parts.size(), 0);
  for (std::int64_t i = 0; i < items; ++i)
    for (std::size_t r = 0; r < parts.size(); ++r) {
      const std::int64_t n = parts[r].counts[i];
      m.indices.insert(m.indices.end(), parts[r].customers + at[r], parts[r].customers + at[r] + n);
      m.data.insert(m.data.end(), parts[r].weights + at[r], parts[r].weights + at[r] + n);
      at[r] += n;
    }
  return m;
}

// The exchange of pairs; returns the bytes this rank sent to the others.
std::int64_t shuffle(ShardInput& in, Comm& comm, int threads) {
  const int rank = comm.rank();
  const Csr by_item = transpose(in.customer_items, threads);  // items x this rank's customers
  std::vector<Bytes> to(static_cast<std::size_t>(comm.ranks()));
  std::int64_t sent = 0;
  for (int r = 0; r < comm.ranks(); ++r) {
    to[r] = pairs_for(by_item, in.item_starts[r], in.item_starts[r + 1], in.first_customer(rank));
    if (r != rank) sent += static_cast<std::int64_t>(to[r].size());
  }
  in.item_customers = item_rows(comm.exchange(to), in.item_starts[rank + 1] - in.item_starts[rank],
                                in.data.customers());
  return sent;
}

// Rank 0 hashes, in the order data_fingerprint() does, the whole matrix from every rank's rows
// (received one rank and one array at a time), and every rank gets the result.
std::string sharded_fingerprint(const ShardInput& in, Comm& comm) {
  const Csr& m = in.customer_items;
  std::vector<std::int64_t> starts(m.indptr.begin(), m.indptr.end() - 1);
  const std::vector<std::int64_t> before = comm.allgather(m.nnz());
  std::int64_t base = 0;
  for (int r = 0; r < comm.rank(); ++r) base += before[r];
  for (auto& s : starts) s += base;
  const Bytes parts[3] = {to_bytes(starts), to_bytes(m.indices), to_bytes(m.data)};
  if (comm.rank() != 0) {
    for (const Bytes& b : parts) comm.send(b, 0);
    return comm.broadcast({}, 0);
  }
  Fingerprint f;
  const std::int64_t shape[2] = {in.data.customers(), in.data.items()};
  f.add_bytes(shape, sizeof shape);
  const std::uint64_t lengths[3] = {static_cast<std::uint64_t>(in.data.customers()) + 1,
                                    static_cast<std::uint64_t>(in.interactions),
                                    static_cast<std::uint64_t>(in.interactions)};
  for (int a = 0; a < 3; ++a) {
    f.add_bytes(&lengths[a], sizeof lengths[a]);
    for (int r = 0; r < comm.ranks(); ++r) {
      const Bytes b = r == 0 ? parts[a] : comm.receive(r);
      if (!b.empty()) f.add_bytes(b.data(), b.size());
    }
    if (a == 0) f.add_bytes(&in.interactions, sizeof in.interactions);  // indptr's last entry
  }
  f.add(in.data.customer_ids);
  f.add(in.data.item_ids);
  return comm.broadcast(f.hex(), 0);
}

}  // namespace

std::vector<std::int64_t> balanced_starts(std::span<const std::int64_t> counts, int ranks,
                                          std::int64_t block) {
  const std::vector<std::int64_t> p = prefix(counts);
  const auto n = static_cast<std::int64_t>(counts.size());
  std::vector<std::int64_t> starts{0};
  for (int r = 1; r < ranks; ++r) {
    // The first block boundary whose rows reach r / ranks of the total.
    const std::int64_t want = p.back() * r / ranks;
    std::int64_t at = std::lower_bound(p.begin(), p.end(), want) - p.begin();
    at = std::min(n, (at + block - 1) / block * block);
    starts.push_back(std::max(starts.back(), at));
  }
  starts.push_back(n);
  return starts;
}

ShardInput load_shard(const std::filesystem::path& path, Comm& comm, int threads) {
  const auto start = std::chrono::steady_clock::now();
  threads = resolve_threads(threads);
  const int rank = comm.rank();
  ShardInput in;
  in.path = path;
  const std::vector<std::int64_t> counts = customer_row_counts(path);
  in.customer_starts = balanced_starts(counts, comm.ranks(), kIalsCustomerBlock);
  const std::int64_t c0 = in.customer_starts[rank], c1 = in.customer_starts[rank + 1];
  in.data = customer_rows(path, c0, c1, threads);
  in.customer_items = local_matrix(in.data, c0, c1, threads);
  // Item blocks balance the pairs per item over all ranks.
  std::vector<double> per_item(static_cast<std::size_t>(in.data.items()), 0.0);
  for (std::uint32_t i : in.customer_items.indices) per_item[i] += 1.0;
  comm.sum(per_item);
  const std::vector<std::int64_t> item_counts(per_item.begin(), per_item.end());
  in.item_starts = balanced_starts(item_counts, comm.ranks(), 1);
  in.shuffle_bytes = shuffle(in, comm, threads);
  std::vector<double> totals{static_cast<double>(in.data.log.size()),
                             static_cast<double>(in.customer_items.nnz())};
  comm.sum(totals);
  in.rows = static_cast<std::int64_t>(totals[0]);
  in.interactions = static_cast<std::int64_t>(totals[1]);
  in.file_fingerprint = comm.broadcast(rank == 0 ? file_fingerprint(path) : std::string(), 0);
  in.fingerprint = sharded_fingerprint(in, comm);
  in.seconds = seconds_since(start);
  return in;
}

}  // namespace tailor
