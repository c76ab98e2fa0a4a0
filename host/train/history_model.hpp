// Training the history models (host/train/history_params.hpp) into a Model that `tailor train`
// and `tailor run` save like iALS's: item kNN's neighbour lists and EASE's weights are fitted on
// the training file's customer x item matrix; TIFU-KNN has nothing to fit (its personal vectors
// are the histories of whatever file it is applied to), so its training checks the parameters
// and that the file has the interaction times it needs.
#pragma once

#include <string>

#include "host/data/input.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// The model of `algorithm` (is_history_algorithm) on `input`, fitted on `backend`; `result`
// (optional) receives the seconds, backend and device (no factors, no epochs). InputError for
// bad parameters, EASE's memory check or TIFU-KNN without times; RunError when the device fails.
Model fit_history_model(const std::string& algorithm, const LoadedInput& input,
                        const HistoryModelParams& params, const Backend& backend,
                        TrainResult* result = nullptr);

}  // namespace tailor
