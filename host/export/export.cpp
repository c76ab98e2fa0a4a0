#include "host/export/export.hpp"

#include <fmt/format.h>

#include <chrono>

#include "host/core/atomic_file.hpp"
#include "host/core/progress.hpp"

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
  const auto start = std::chrono::steady_clock::now();
  ExportSummary s;
  s.path = path;
  AtomicTextFile out(path);
  out.write("customer_id,rank,item_id,score\n");
  // Ids are quoted once, not once per row.
  std::vector<std::string> item_field(model.item_ids.size());
  for (std::size_t i = 0; i < item_field.size(); ++i) item_field[i] = csv_field(model.item_ids[i]);
  fmt::memory_buffer buf;
  const auto& lists = rec.lists;
  for (std::size_t c = 0; c < rec.customers.size(); ++c) {
    const std::string customer = csv_field(model.customer_ids[rec.customers[c]]);
    for (std::int64_t j = lists.offsets[c]; j < lists.offsets[c + 1]; ++j) {
      fmt::format_to(std::back_inserter(buf), "{},{},{},{:.7g}\n", customer,
                     j - lists.offsets[c] + 1, item_field[lists.items[j]], lists.scores[j]);
      ++s.rows;
    }
    out.write({buf.data(), buf.size()});  // AtomicTextFile buffers 1 MiB itself
    buf.clear();
  }
  out.commit();
  s.bytes = out.bytes_written();
  s.customers = static_cast<std::int64_t>(rec.customers.size());
  s.seconds = seconds_since(start);
  return s;
}

}  // namespace tailor
