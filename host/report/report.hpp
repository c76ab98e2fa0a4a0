// HTML reports: one self-contained file per evaluation or sweep, readable offline. The page holds
// its own small <style> and inline SVG charts drawn here; it loads no script, font, stylesheet or
// image from anywhere, so it can be mailed, archived or opened from a file share as is.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tailor {

// Renders an evaluation result ({"kind":"evaluation", ...}) or a sweep result
// ({"kind":"sweep", ...}) as one HTML document. Optional parts (buckets, epochs, baselines,
// timings, created_at, ...) may be missing or malformed: their section or chart is left out.
// All text taken from `result` (paths, ids, model names) is HTML-escaped.
// Throws InputError when "kind" is missing or is neither "evaluation" nor "sweep".
std::string render_report_html(const nlohmann::json& result);

// Renders `result` and writes it to `path` atomically (temporary file, fsync, rename).
// Throws InputError as render_report_html, RunError on an I/O error.
void write_report(const std::filesystem::path& path, const nlohmann::json& result);

}  // namespace tailor
