#!/usr/bin/env bash
# The nightly job on the bundled sample (data/online_retail_sample.csv.gz, cut from the UCI
# Online Retail data): installs what is missing, builds, imports the CSV, runs
# `tailor run data/nightly.example.toml`, and says where the export is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
tailor=${TAILOR_BUILD_DIR:-build}/tailor
mkdir -p out
"$tailor" import data/online_retail_sample.csv.gz out/sample.h5 \
  --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice
"$tailor" inspect out/sample.h5 --top 5
"$tailor" run data/nightly.example.toml
echo
echo "export:   $(pwd)/out/recommendations.csv"
echo "manifest: $(pwd)/out/recommendations.csv.manifest.json"
head -n 6 out/recommendations.csv
