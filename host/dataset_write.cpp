// Writing the interaction contract (data/README.md); the loader is in dataset.cpp.
#include <fmt/format.h>

#include "host/atomic_file.hpp"
#include "host/dataset.hpp"
#include "host/error.hpp"
#include "host/h5.hpp"

namespace tailor {

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
    f.close();
  }
  out.commit();
}

}  // namespace tailor
