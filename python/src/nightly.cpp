// The nightly config's commands: `tailor run` (the campaign night) and `tailor backtest` on a
// TOML config, returning the documents the CLI writes (the manifest; the backtest's JSON and
// tables) and the paths the night wrote.
#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/backtest.hpp"
#include "host/pipeline/config.hpp"
#include "host/pipeline/run.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

// The config at `path` with the call's device and threads (empty device, threads 0: the
// config's [run] settings).
RunConfig call_config(const std::filesystem::path& path, const std::string& device, int threads,
                      const std::string& where) {
  RunConfig c = load_config(path);
  if (!device.empty()) c.device = parse_device(device);
  if (threads > 0) c.threads = threads;
  check_slot_model(c, where);
  return c;
}

Backend config_backend(const RunConfig& c) {
  return make_backend(c.device, c.threads, c.topn.memory_budget);
}

// {"export", "jsonl", "h5", "manifest", "model", "folder"}: the paths the night publishes.
py::dict night_paths(const RunConfig& c) {
  py::dict d;
  const auto opt = [](const std::optional<std::filesystem::path>& p) -> py::object {
    return p ? py::object(py::str(p->string())) : py::object(py::none());
  };
  d["export"] = c.output.string();
  d["jsonl"] = opt(c.output_jsonl);
  d["h5"] = opt(c.output_h5);
  d["manifest"] = c.manifest.string();
  d["model"] = opt(c.model_path);
  d["folder"] = opt(c.output_folder);
  d["campaign"] = c.campaign.has_value();
  return d;
}

// (the manifest as JSON text, the paths): `tailor run CONFIG`.
py::tuple run_night(const std::filesystem::path& path, const std::string& device, int threads) {
  std::string manifest;
  RunConfig c;
  {
    py::gil_scoped_release unlocked;
    c = call_config(path, device, threads, "campaign");
    manifest = run_pipeline(c, config_backend(c)).dump();
  }
  return py::make_tuple(manifest, night_paths(c));
}

// (the result as JSON text, its tables as Markdown): `tailor backtest CONFIG --as-of --horizon`.
py::tuple backtest(const std::filesystem::path& path, const std::string& as_of,
                   const std::string& horizon, const std::string& device, int threads) {
  std::string json, tables;
  {
    py::gil_scoped_release unlocked;
    const RunConfig c = call_config(path, device, threads, "backtest");
    std::int64_t date = 0;
    if (!parse_time(as_of, std::nullopt, date))
      throw InputError(fmt::format("backtest: as_of {}: expected a date YYYY-MM-DD", as_of));
    const BacktestResult r =
        run_backtest(c, date, parse_horizon_seconds(horizon), config_backend(c));
    json = r.to_json().dump();
    tables = r.to_markdown();
  }
  return py::make_tuple(json, tables);
}

}  // namespace

void bind_nightly(py::module_& m) {
  m.def("run_night", &run_night, py::arg("config"), py::arg("device"), py::arg("threads"));
  m.def("backtest", &backtest, py::arg("config"), py::arg("as_of"), py::arg("horizon"),
        py::arg("device"), py::arg("threads"));
}

}  // namespace tailor::py_bind
