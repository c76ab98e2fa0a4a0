#include "host/data/input.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "host/core/device.hpp"
#include "host/core/fingerprint.hpp"
#include "host/core/progress.hpp"

namespace tailor {

LoadedInput load_input(const std::filesystem::path& path, int threads,
                       const std::function<std::vector<bool>(const Dataset&)>& rows) {
  const auto start = std::chrono::steady_clock::now();
  LoadedInput in;
  in.path = path;
  LoadOptions opts;
  opts.threads = resolve_threads(threads);
  in.data = load_dataset(path, opts);
  const std::vector<bool> keep = rows ? rows(in.data) : std::vector<bool>{};
  in.matrices = build_matrices(in.data, opts.threads, keep.empty() ? nullptr : &keep);
  in.file_fingerprint = file_fingerprint(path);
  in.seconds = seconds_since(start);
  spdlog::info("load: {}: {} interactions, {} customers x {} items, {} distinct pairs ({:.2f}s)",
               path.string(), in.data.log.size(), in.data.customers(), in.data.items(),
               in.matrices.customer_items.nnz(), in.seconds);
  return in;
}

}  // namespace tailor
