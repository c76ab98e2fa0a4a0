#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, to check how it looks without a desktop.
#   scripts/render_report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]
# WIDTH defaults to 1280 (the report is laid out for 1200 px). HEIGHT defaults to 4000; when
# ImageMagick is installed the empty page bottom is trimmed off.
# Needs the Debian package `chromium` (apt-get install -y chromium).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH [HEIGHT]]" >&2
  exit 2
fi
report=$1
out=$2
width=${3:-1280}
height=${4:-4000}

if [[ ! -f "$report" ]]; then
  echo "$0: no such report: $report" >&2
  exit 2
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "$0: chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi

report_abs=$(realpath "$report")
out_abs=$(realpath -m "$out")
mkdir -p "$(dirname "$out_abs")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# A private profile keeps runs independent; --hide-scrollbars keeps the picture clean.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size="${width},${height}" \
  --screenshot="$out_abs" "file://$report_abs" >/dev/null 2>&1

if [[ ! -s "$out_abs" ]]; then
  echo "$0: chromium wrote no screenshot to $out" >&2
  exit 1
fi
# Cut the blank space below the page: find the content's bounding box, keep the full width and
# everything down to 24 px below the content. Needs ImageMagick; skipped without it.
im=""
for candidate in magick convert convert-im6.q16; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -version 2>/dev/null | grep -q ImageMagick; then
    im=$candidate
    break
  fi
done
if [[ -n "$im" ]]; then
  if box=$("$im" "$out_abs" -trim -format '%h %Y' info: 2>/dev/null); then
    read -r box_h box_y <<<"${box//+/}"
    keep=$((box_h + box_y + 24))
    if ((keep < height)); then
      "$im" "$out_abs" -crop "${width}x${keep}+0+0" +repage "$out_abs"
    fi
  fi
fi
echo "$out"
