// The two-stage ranker in `tailor evaluate`: fitted and applied as of a time split's cut.
#include <fmt/format.h>

#include <chrono>

#include "host/core/error.hpp"
#include "host/eval/evaluate.hpp"
#include "host/rank/ranker.hpp"

namespace tailor {

ExternalModel ranker_evaluation(const Dataset& data, const RankerParams& p) {
  return {"ranker", [&data, p](const Evaluation& ev, bool exclude_seen, nlohmann::json& record) {
            const SplitSpec& spec = ev.split().spec;
            if (spec.kind != SplitKind::time)
              throw InputError(fmt::format(
                  "evaluate: the ranker needs a time split (--split time:DATE), not '{}': it "
                  "learns from what customers bought in the weeks before the cut",
                  spec.text));
            const std::int64_t as_of = spec.cutoff - 1;  // test rows are at or after the cut
            const auto t0 = std::chrono::steady_clock::now();
            const RankerModel m = fit_ranker(data, as_of, p, ev.backend());
            const auto t1 = std::chrono::steady_clock::now();
            const RankerSnapshot now(data, as_of, p.sources, ev.backend());
            // Under "new" every item of the customer's history is excluded, as for every list.
            const Csr seen = select_rows(ev.history(), ev.customers());
            TopNResult lists = ranker_lists(m, now, ev.customers(),
                                            exclude_seen ? &seen : nullptr, ev.max_k());
            record = describe(m);
            record["fit_seconds"] = std::chrono::duration<double>(t1 - t0).count();
            record["score_seconds"] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
            return lists;
          }};
}

RankerParams apply_ranker_point(RankerParams p, const nlohmann::json& point) {
  BoosterParams& b = p.booster;
  for (const auto& [knob, value] : point.items()) {
    const double v = value.get<double>();
    if (knob == "max_depth") b.max_depth = static_cast<int>(v);
    else if (knob == "min_child_weight") b.min_child_weight = v;
    else if (knob == "rounds") b.rounds = static_cast<int>(v);
    else if (knob == "learning_rate") b.learning_rate = v;
    else if (knob == "subsample") b.subsample = v;
    else if (knob == "colsample") b.colsample = v;
    else if (knob == "lambda") b.lambda = v;
    else if (knob == "train_windows") p.train_windows = static_cast<int>(v);
    else
      throw InputError(fmt::format("sweep --model ranker: unknown knob '{}' (the knobs: "
                                   "max_depth, min_child_weight, rounds, learning_rate, "
                                   "subsample, colsample, lambda, train_windows)",
                                   knob));
  }
  validate_ranker_params(p, "sweep --model ranker");
  return p;
}

}  // namespace tailor
