#!/usr/bin/env bash
# Campaign backtests on the two real data sets: the recipe of bench/campaign/<data>.toml against
# the model alone, buy-again and popular lists, by slot, value tier and control group, for two
# campaign dates each with a 30-day horizon; and bench/campaign/<data>_rebuy.toml, the same with
# every category repurchasable, for the later date. Writes bench/results/campaign_backtest_<data>_<date>
# .{md,json} and a sample of exported lines with reasons to bench/results/campaign_sample_lines.txt.
#   bench/campaign_backtest.sh [path/to/tailor] [DATA_DIR]
# DATA_DIR (default $TAILOR_DATASETS, else ../shared/datasets) holds
# online-retail/online_retail.csv.gz (the UCI Online Retail file,
# https://archive.ics.uci.edu/dataset/352/online+retail) and dunnhumby-sample/
# (transactions_sample.csv.gz and products.csv.gz, a sample of dunnhumby's "The Complete
# Journey").
set -euo pipefail
cd "$(dirname "$0")/.."
tailor=${1:-build/tailor}
data=${2:-${TAILOR_DATASETS:-../shared/datasets}}
for f in online-retail/online_retail.csv.gz dunnhumby-sample/transactions_sample.csv.gz \
         dunnhumby-sample/products.csv.gz; do
  [ -f "$data/$f" ] || { echo "campaign_backtest.sh: $data/$f not found; give the data folder as the second argument" >&2; exit 2; }
done
out=out/campaign_bench
mkdir -p "$out" bench/results

"$tailor" -q import "$data/online-retail/online_retail.csv.gz" "$out/online_retail.h5" \
  --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice \
  --cancel-column InvoiceNo --exclude-items "POST,M,DOT,D,CRUK,C2,BANK CHARGES,PADS,AMAZONFEE" \
  --items data/online_retail_items.csv.gz --items-id StockCode --items-name name \
  --items-category category --items-price price >/dev/null
# dunnhumby: counts as weights (fuel is sold by the gallon), sales value as revenue.
"$tailor" -q import "$data/dunnhumby-sample/transactions_sample.csv.gz" "$out/dunnhumby.h5" \
  --customer household_id --item product_id --time transaction_timestamp --value sales_value \
  --items "$data/dunnhumby-sample/products.csv.gz" --items-id product_id \
  --items-category product_category --items-price-from-value >/dev/null

backtest() {  # name as_of
  local name=$1 as_of=$2
  "$tailor" -q backtest "bench/campaign/$name.toml" --as-of "$as_of" --horizon 30d --device cpu \
    --report "bench/results/campaign_backtest_${name}_${as_of}.json" \
    --markdown "bench/results/campaign_backtest_${name}_${as_of}.md"
  echo
}
backtest online_retail 2011-10-10
backtest online_retail 2011-11-09
backtest online_retail_rebuy 2011-11-09
backtest dunnhumby 2017-11-01
backtest dunnhumby 2017-12-01
backtest dunnhumby_rebuy 2017-12-01

# A sample of exported lines: the nightly job on the full Online Retail file.
sed -e "s|^path = \"out/campaign_bench/online_retail.csv\"|path = \"$out/online_retail.csv\"\njsonl = \"$out/online_retail.jsonl\"|" \
  bench/campaign/online_retail.toml > "$out/online_retail_run.toml"
"$tailor" -q run "$out/online_retail_run.toml" --device cpu >/dev/null
{
  echo "# tailor run bench/campaign/online_retail.toml (full Online Retail file): the first 24 CSV rows"
  head -n 25 "$out/online_retail.csv"
  echo
  echo "# the same campaign as JSON lines: the first 2 customers"
  head -n 2 "$out/online_retail.jsonl"
} > bench/results/campaign_sample_lines.txt
cat bench/results/campaign_sample_lines.txt
