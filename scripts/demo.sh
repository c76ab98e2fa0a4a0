#!/usr/bin/env bash
# The nightly campaign on the bundled sample (data/online_retail_sample.csv.gz, cut from the UCI
# Online Retail data, with data/online_retail_items.csv.gz for item names, categories and
# prices): installs what is missing, builds, imports, runs `tailor run data/campaign.example.toml`
# and says where the exports are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
tailor=${TAILOR_BUILD_DIR:-build}/tailor
mkdir -p out
"$tailor" import data/online_retail_sample.csv.gz out/sample.h5 \
  --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice \
  --items data/online_retail_items.csv.gz --items-id StockCode --items-name name \
  --items-category category --items-price price
"$tailor" inspect out/sample.h5 --top 5
"$tailor" run data/campaign.example.toml
echo
echo "exports:  $(pwd)/out/campaign.csv, campaign.jsonl, campaign.h5"
echo "manifest: $(pwd)/out/campaign.csv.manifest.json"
head -n 6 out/campaign.csv
