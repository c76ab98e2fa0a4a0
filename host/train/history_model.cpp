#include "host/train/history_model.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"

namespace tailor {

bool is_history_algorithm(const std::string& algorithm) {
  return algorithm == "itemknn" || algorithm == "ease" || algorithm == "tifuknn";
}

Model fit_history_model(const std::string& algorithm, const LoadedInput& input,
                        const HistoryModelParams& params, const Backend& backend,
                        TrainResult* result) {
  if (!is_history_algorithm(algorithm))
    throw std::logic_error("fit_history_model: '" + algorithm + "' is not a history model");
  const auto start = std::chrono::steady_clock::now();
  TrainResult r;
  r.device = device_of(backend);
  r.backend = backend.name();
  Model m = pack_model(input, r, false);
  m.algorithm = algorithm;
  m.params.factors = 0;
  m.history = params;
  const Csr& x = input.matrices.customer_items;
  if (algorithm == "itemknn")
    m.neighbours = fit_item_knn(x, params.itemknn, backend).neighbours;
  else if (algorithm == "ease")
    m.ease_weights = fit_ease(x, params.ease, params.ease_max_bytes, backend).weights;
  else {  // nothing to fit: the checks its lists would fail on later
    validate_tifuknn_params(params.tifuknn);
    check_tifuknn_times(input.data);
  }
  r.seconds = seconds_since(start);
  spdlog::info("train: {} on {} customers x {} items in {:.2f}s on {}", algorithm,
               input.data.customers(), input.data.items(), r.seconds, r.backend);
  if (result) *result = std::move(r);
  return m;
}

}  // namespace tailor
