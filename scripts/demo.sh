#!/usr/bin/env bash
# The nightly campaign on the bundled sample (data/online_retail_sample.csv.gz, cut from the UCI
# Online Retail data, with data/online_retail_items.csv.gz for item names, categories and
# prices): installs what is missing, builds, imports, runs `tailor run data/campaign.example.toml`
# and says where the exports are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
tailor=${TAILOR_BUILD_DIR:-build}/tailor
if [ ! -x "$tailor" ]; then
  echo "demo: building the tailor binary (only it; the first build takes about 4 minutes on 2 cores)"
fi
start=$SECONDS
# Only cmake's progress lines: "[ 42%] Building CXX object ...".
TAILOR_TARGET=tailor scripts/build.sh | { grep --line-buffered -E '^\[ *[0-9]+%\]' || true; } |
  cut -c1-100
echo "demo: build done in $((SECONDS - start)) s"
mkdir -p out
"$tailor" import data/online_retail_sample.csv.gz out/sample.h5 \
  --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice \
  --items data/online_retail_items.csv.gz --items-id StockCode --items-name name \
  --items-category category --items-price price
"$tailor" inspect out/sample.h5 --top 5
"$tailor" run data/campaign.example.toml
echo
echo "exports:  $(pwd)/out/night/campaign.csv, campaign.jsonl, campaign.h5"
echo "manifest: $(pwd)/out/night/campaign.csv.manifest.json (out/night is a link to this night's folder)"
head -n 6 out/night/campaign.csv
