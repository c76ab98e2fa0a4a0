// Writing the interaction contract (data/README.md); the loader is in dataset.cpp.
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/io/h5.hpp"

namespace tailor {
namespace {

// Category codes as stored: int32, -1 for none (data/README.md, Metadata).
std::vector<std::int32_t> stored_codes(const std::filesystem::path& path, const char* name,
                                       const std::vector<std::uint32_t>& codes,
                                       std::size_t names) {
  if (names > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw RunError(fmt::format("{}: {} has {} distinct names; at most 2^31 - 1 can be written",
                               path.string(), name, names));
  std::vector<std::int32_t> out(codes.size());
  for (std::size_t k = 0; k < codes.size(); ++k) {
    if (codes[k] == kNoCategory) {
      out[k] = -1;
    } else if (codes[k] >= names) {
      throw RunError(fmt::format("{}: {} entry {} is code {}, but there are only {} names",
                                 path.string(), name, k, codes[k], names));
    } else {
      out[k] = static_cast<std::int32_t>(codes[k]);
    }
  }
  return out;
}

}  // namespace

void write_dataset(const std::filesystem::path& path, const Dataset& data) {
  const InteractionLog& log = data.log;
  const std::int64_t n = log.size();
  auto check_column = [&](std::size_t size, const char* name) {
    if (size != 0 && static_cast<std::int64_t>(size) != n)
      throw RunError(fmt::format("{}: column {} has {} rows, the interactions have {}",
                                 path.string(), name, size, n));
  };
  check_column(log.item.size(), "item");
  check_column(log.time.size(), "time");
  check_column(log.quantity.size(), "quantity");
  check_column(log.value.size(), "value");
  check_column(log.event.size(), "event");

  // Metadata: each present vector holds one entry per item (customer).
  auto check_meta = [&](std::size_t size, std::size_t expected, const char* name) {
    if (size != 0 && size != expected)
      throw RunError(fmt::format("{}: metadata {} has {} entries, expected {}", path.string(), name,
                                 size, expected));
  };
  const ItemMeta& im = data.item_meta;
  const CustomerMeta& cm = data.customer_meta;
  const std::size_t items = data.item_ids.size(), customers = data.customer_ids.size();
  check_meta(im.category.size(), items, "/items/category");
  check_meta(im.name.size(), items, "/items/name");
  check_meta(im.price.size(), items, "/items/price");
  check_meta(im.available.size(), items, "/items/available");
  check_meta(cm.opt_out.size(), customers, "/customers/opt_out");
  check_meta(cm.segment.size(), customers, "/customers/segment");
  check_meta(cm.channel.size(), customers, "/customers/channel");
  const auto category = stored_codes(path, "/items/category", im.category, im.category_names.size());
  const auto segment = stored_codes(path, "/customers/segment", cm.segment, cm.segment_names.size());
  const auto channel = stored_codes(path, "/customers/channel", cm.channel, cm.channel_names.size());

  AtomicOutput out(path);
  {
    h5::File f = h5::File::create(out.temp_path());
    f.set_attr("/", "format", std::string(kInteractionsFormat));
    f.set_attr("/", "format_version", kInteractionsFormatVersion);
    if (data.import_report) f.set_attr("/", "import_report", *data.import_report);
    f.write_strings("/customers/id", data.customer_ids);
    f.write_strings("/items/id", data.item_ids);
    f.write("/interactions/customer", log.customer.data(), n);
    f.write("/interactions/item", log.item.data(), n);
    if (!log.time.empty()) f.write("/interactions/time", log.time.data(), n);
    if (!log.quantity.empty()) f.write("/interactions/quantity", log.quantity.data(), n);
    if (!log.value.empty()) f.write("/interactions/value", log.value.data(), n);
    if (!log.event.empty()) {
      f.write("/interactions/event", log.event.data(), n);
      f.write_strings("/events/name", data.event_names);
    }
    auto write_codes = [&](const char* codes_name, const std::vector<std::int32_t>& codes,
                           const char* names_name, const std::vector<std::string>& names) {
      if (codes.empty()) return;
      f.write(codes_name, codes.data(), static_cast<std::int64_t>(codes.size()));
      f.write_strings(names_name, names);
    };
    write_codes("/items/category", category, "/items/category_names", im.category_names);
    if (!im.name.empty()) f.write_strings("/items/name", im.name);
    if (!im.price.empty())
      f.write("/items/price", im.price.data(), static_cast<std::int64_t>(im.price.size()));
    if (!im.available.empty())
      f.write("/items/available", im.available.data(),
              static_cast<std::int64_t>(im.available.size()));
    if (!cm.opt_out.empty())
      f.write("/customers/opt_out", cm.opt_out.data(), static_cast<std::int64_t>(cm.opt_out.size()));
    write_codes("/customers/segment", segment, "/customers/segment_names", cm.segment_names);
    write_codes("/customers/channel", channel, "/customers/channel_names", cm.channel_names);
    f.close();
  }
  out.commit();
}

}  // namespace tailor
