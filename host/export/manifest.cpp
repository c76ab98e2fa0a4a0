#include "host/export/manifest.hpp"

#include <unistd.h>

#include "host/core/atomic_file.hpp"
#include "host/core/fingerprint.hpp"
#include "host/eval/evaluate.hpp"
#include "host/eval/item_lists.hpp"
#include "host/io/time.hpp"

namespace tailor {

nlohmann::json new_manifest(const std::string& command) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return {{"tool", "tailor"},
          {"version", TAILOR_VERSION},
          {"command", command},
          {"started_at", utc_now_iso8601()},
          {"host", host},
          {"status", "ok"}};
}

nlohmann::json describe_input(const LoadedInput& in) {
  return {{"path", in.path.string()},
          {"fingerprint", in.file_fingerprint},
          {"data_fingerprint", in.matrices.fingerprint},
          {"interactions", in.data.log.size()},
          {"customers", in.data.customers()},
          {"items", in.data.items()},
          {"distinct_pairs", in.matrices.customer_items.nnz()}};
}

nlohmann::json describe_params(const IalsParams& p) {
  return {{"algorithm", "ials"},
          {"factors", p.factors},
          {"regularization", decimal(p.regularization)},
          {"alpha", decimal(p.alpha)},
          {"iterations", p.iterations},
          {"cg_steps", p.cg_steps},
          {"confidence", to_string(p.scaling)},
          {"log_epsilon", decimal(p.log_epsilon)},
          {"seed", p.seed}};
}

nlohmann::json describe_params(const BprParams& p) { return bpr_parameters(p); }

nlohmann::json describe_model_params(const Model& m) {
  if (!m.history_model())
    return m.algorithm == "bpr" ? describe_params(m.bpr) : describe_params(m.params);
  const HistoryModelParams& h = m.history;
  nlohmann::json j = m.algorithm == "itemknn" ? describe(h.itemknn)
                     : m.algorithm == "ease"  ? describe(h.ease, h.ease_max_bytes)
                                              : describe(h.tifuknn);
  j["algorithm"] = m.algorithm;
  return j;
}

nlohmann::json describe_training(const TrainResult& r) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : r.epochs)
    epochs.push_back({{"epoch", e.epoch},
                      {"seconds", e.seconds},
                      {"objective", e.objective.total},
                      {"objective_normalized", e.objective.normalized}});
  return {{"backend", r.backend}, {"device", to_string(r.device)}, {"seconds", r.seconds},
          {"epochs", epochs}};
}

nlohmann::json describe_recommendations(const Recommendations& r, const TopNParams& p) {
  return {{"n", p.n},
          {"exclude_seen", p.exclude_seen},
          {"device", to_string(r.device)},
          {"customers_with_list", r.listed},
          {"short_lists", r.short_lists},
          {"customers_without_history", r.customers_without_history},
          {"customers_not_in_model", r.customers_not_in_model},
          {"items_not_in_model", r.items_not_in_model},
          {"seconds", r.seconds}};
}

nlohmann::json describe_export(const ExportSummary& s) {
  return {{"path", s.path.string()}, {"format", "csv"},   {"rows", s.rows},
          {"customers", s.customers}, {"bytes", s.bytes}, {"fingerprint", file_fingerprint(s.path)},
          {"seconds", s.seconds}};
}

nlohmann::json describe_campaign(const Campaign& camp) {
  const CampaignStats& st = camp.stats;
  nlohmann::json filled, fallback;
  for (int t = 0; t < kSlotTypes; ++t) {
    filled[to_string(static_cast<Slot>(t))] = st.filled[t];
    fallback[to_string(static_cast<Slot>(t))] = st.fallback[t];
  }
  nlohmann::json tiers = nlohmann::json::object();
  for (const CustomerList& l : camp.lists) {
    const std::string name =
        l.tier == kNoTier ? kNoTierName : camp.tier_names[static_cast<std::size_t>(l.tier)];
    auto& t = tiers[name];
    if (t.is_null()) t = {{"lists", 0}, {"control", 0}};
    t["lists"] = t["lists"].get<std::int64_t>() + 1;
    t["control"] = t["control"].get<std::int64_t>() + (l.control ? 1 : 0);
  }
  return {{"campaign_id", camp.campaign_id},
          {"campaign_date", utc_date(camp.campaign_time)},
          {"campaign_time", camp.campaign_time},
          {"list_length", camp.list_length},
          {"customers", st.customers},
          {"opted_out", st.opted_out},
          {"suppressed_by_event", st.suppressed_by_event},
          {"lists", st.lists},
          {"control", st.control},
          {"treatment", st.lists - st.control},
          {"short_lists", st.short_lists},
          {"empty_lists", st.empty_lists},
          {"customers_not_in_model", st.not_in_model},
          {"customers_without_history", st.without_history},
          {"blocklist_rows", st.blocklist_pairs},
          {"items_by_slot", filled},
          {"slots_passed_to_fallback", fallback},
          {"tiers", tiers},
          {"seconds", st.seconds}};
}

nlohmann::json describe_export(const ExportSummary& s, const char* format) {
  nlohmann::json j = describe_export(s);
  j["format"] = format;
  return j;
}

void write_manifest(const std::filesystem::path& path, const nlohmann::json& manifest) {
  write_file_atomically(path, manifest.dump(2) + "\n");
}

}  // namespace tailor
