#!/usr/bin/env bash
# Renders a report in headless Chromium to PNG (first screen and full page)
# and PDF, so a person can look at what the report shows.
# Usage: scripts/report-screenshot.sh REPORT.html OUTDIR
set -euo pipefail
html="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
mkdir -p "$out"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium not found: install Debian's chromium package" >&2
  exit 2
fi
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --disable-dev-shm-usage --no-first-run)
"$browser" "${flags[@]}" --window-size=1280,900 --screenshot="$out/report-first-screen.png" "file://$html" 2>/dev/null
"$browser" "${flags[@]}" --window-size=1280,6000 --screenshot="$out/report-full.png" "file://$html" 2>/dev/null
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$html" 2>/dev/null
echo "wrote $out/report-first-screen.png, $out/report-full.png, $out/report.pdf"
