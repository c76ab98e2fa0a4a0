#!/usr/bin/env bash
# Model quality on the two real data sets, both protocols, k = 10 and 20: tailor's iALS at
# implicit's default settings against implicit's ALS/BPR (bench/peers/implicit_eval.py), and each
# tuned with the same search budget (bench/peers/tuned_side_by_side.py), beside the baselines.
# Writes bench/results/quality_<data>_<protocol>{,_tuned}.{txt,json}, reports in out/quality/.
#   bench/quality.sh [path/to/tailor]
set -euo pipefail
cd "$(dirname "$0")/.."
tailor=${1:-build/tailor}
data=../shared/datasets
mkdir -p out/quality bench/results
# implicit's OpenBLAS picks slower kernels with these set (see bench/results/README.md).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

"$tailor" -q import "$data/online-retail/online_retail.csv.gz" out/quality/online_retail.h5 \
  --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice >/dev/null
# dunnhumby: counts, not quantities (fuel is sold by the gallon and would swamp the confidence).
"$tailor" -q import "$data/dunnhumby-sample/transactions_sample.csv.gz" out/quality/dunnhumby.h5 \
  --customer household_id --item product_id --time transaction_timestamp >/dev/null

run() {  # name file test_cutoff validation_cutoff
  local name=$1 file=$2 test=$3 validation=$4
  for protocol in new all; do
    python3 bench/peers/implicit_eval.py "$file" --split "time:$test" --k 10,20 --protocol $protocol \
      --tailor "$tailor" --json "bench/results/quality_${name}_${protocol}.json" \
      | tee "bench/results/quality_${name}_${protocol}.txt"
    python3 bench/peers/tuned_side_by_side.py "$file" --test-split "time:$test" \
      --validation-split "time:$validation" --protocol $protocol --tailor "$tailor" \
      --json "bench/results/quality_${name}_${protocol}_tuned.json" \
      | tee "bench/results/quality_${name}_${protocol}_tuned.txt"
    "$tailor" -q evaluate --input "$file" --split "time:$test" --k 10,20 --protocol $protocol \
      --report "out/quality/${name}_${protocol}.html" --json "out/quality/${name}_${protocol}.json" >/dev/null
  done
}
run online_retail out/quality/online_retail.h5 2011-11-01 2011-10-01
run dunnhumby out/quality/dunnhumby.h5 2017-11-06 2017-09-11
