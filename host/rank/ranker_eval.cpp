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

}  // namespace tailor
