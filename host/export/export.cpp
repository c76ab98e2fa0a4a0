#include "host/export/export.hpp"

#include <fmt/format.h>

#include "host/export/writer.hpp"

namespace tailor {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

ExportSummary export_csv(const std::filesystem::path& path, const Recommendations& rec,
                         const Model& model) {
  TextExport out(path);
  out.write_header("customer_id,rank,item_id,score\n");
  CsvFields item_field(model.item_ids);
  fmt::memory_buffer buf;
  const auto& lists = rec.lists;
  for (std::size_t c = 0; c < rec.customers.size(); ++c) {
    const std::string customer = csv_field(model.customer_ids[rec.customers[c]]);
    for (std::int64_t j = lists.offsets[c]; j < lists.offsets[c + 1]; ++j)
      fmt::format_to(std::back_inserter(buf), "{},{},{},{:.7g}\n", customer,
                     j - lists.offsets[c] + 1, item_field[lists.items[j]], lists.scores[j]);
    // Every customer scored counts, an empty list too.
    out.write_customer({buf.data(), buf.size()}, lists.offsets[c + 1] - lists.offsets[c]);
    buf.clear();
  }
  return out.commit();
}

}  // namespace tailor
