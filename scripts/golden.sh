#!/usr/bin/env bash
# Golden check: two builds of tailor must write the same exports and tables on the same inputs
# (CPU, same seeds, same thread count). Runs, for each binary, in a folder of its own:
#   - the demo: import the bundled sample with its items file, `tailor run` on
#     data/campaign.example.toml, `tailor recommend`, `tailor evaluate` and `tailor backtest`;
#   - with the full Online Retail file: import it as bench/campaign_backtest.sh does, `tailor run`
#     and `tailor backtest --as-of 2011-11-09` on bench/campaign/online_retail.toml.
# Then compares every output through scripts/golden_digest.py (wall-clock seconds, timestamps
# and the host are left out; HDF5 files are compared by their datasets and attributes).
#   scripts/golden.sh OLD_TAILOR NEW_TAILOR [--online-retail PATH.csv.gz] [--keep DIR]
# Exits 0 when everything agrees, 1 with a diff otherwise.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,12p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
old=$(realpath "$1") new=$(realpath "$2"); shift 2
retail="" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --online-retail) retail=$(realpath "$2"); shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) usage ;;
  esac
done
for bin in "$old" "$new"; do [ -x "$bin" ] || { echo "golden.sh: $bin is not executable" >&2; exit 2; }; done
work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
threads=2

cases() {  # tailor out_dir
  local t=$1 out=$2
  mkdir -p "$out/out"
  (
    cd "$out"
    "$t" -q import "$root/data/online_retail_sample.csv.gz" out/sample.h5 \
      --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice \
      --items "$root/data/online_retail_items.csv.gz" --items-id StockCode --items-name name \
      --items-category category --items-price price > out/import.txt
    "$t" -q run "$root/data/campaign.example.toml" --device cpu --threads $threads > out/run.txt
    "$t" -q recommend --input out/sample.h5 --model out/night/model.h5 -n 20 --output out/recs.csv \
      --device cpu --threads $threads > out/recommend.txt
    "$t" -q evaluate --input out/sample.h5 --split last:2 --k 5,10 --protocol all \
      --device cpu --threads $threads --json out/evaluate.json > out/evaluate.txt
    "$t" -q backtest "$root/data/campaign.example.toml" --as-of 2011-11-09 --horizon 30d \
      --device cpu --threads $threads --report out/backtest.json --markdown out/backtest.md \
      > out/backtest.txt
    if [ -n "$retail" ]; then
      mkdir -p out/campaign_bench
      "$t" -q import "$retail" out/campaign_bench/online_retail.h5 \
        --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price UnitPrice \
        --cancel-column InvoiceNo --exclude-items "POST,M,DOT,D,CRUK,C2,BANK CHARGES,PADS,AMAZONFEE" \
        --items "$root/data/online_retail_items.csv.gz" --items-id StockCode --items-name name \
        --items-category category --items-price price > out/retail_import.txt
      # Both binaries read the same config: sections newer than the redesign ([tifuknn]) are
      # left out, so the new binary's extra backtest row uses its defaults.
      awk '/^\[/ { skip = ($0 == "[tifuknn]") } !skip' "$root/bench/campaign/online_retail.toml" |
        sed -e 's|^path = "out/campaign_bench/online_retail.csv"|path = "out/campaign_bench/online_retail.csv"\njsonl = "out/campaign_bench/online_retail.jsonl"\nh5 = "out/campaign_bench/online_retail_campaign.h5"|' \
          > retail_run.toml
      "$t" -q run retail_run.toml --device cpu --threads $threads > out/retail_run.txt
      "$t" -q backtest retail_run.toml --as-of 2011-11-09 --horizon 30d \
        --device cpu --threads $threads --report out/retail_backtest.json \
        --markdown out/retail_backtest.md > out/retail_backtest.txt
    fi
  )
  # The imports' "time" lines are wall clock.
  sed -i -E '/^  time +[0-9.]+s$/d' "$out"/out/*import.txt
  /usr/bin/python3 "$root/scripts/golden_digest.py" "$out/out" "$out/digest"
}

echo "golden: old $old" >&2
cases "$old" "$work/old"
echo "golden: new $new" >&2
cases "$new" "$work/new"
if diff -r "$work/old/digest" "$work/new/digest" > "$work/diff.txt"; then
  echo "golden: identical ($(find "$work/new/digest" -type f | wc -l) outputs compared${retail:+, full Online Retail included})"
else
  head -n 60 "$work/diff.txt"
  echo "golden: outputs differ (full diff: $work/diff.txt)" >&2
  trap - EXIT
  exit 1
fi
