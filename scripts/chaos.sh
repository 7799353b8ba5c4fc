#!/usr/bin/env bash
# Runs the fault tests (internal/e2e/chaos) on the real stack, prints one line of
# figures per test, and rewrites the fault table in README.md between the
# chaos:begin / chaos:end markers.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
raw=$(mktemp)
trap 'rm -f "$report" "$raw"' EXIT
CHAOS_REPORT="$report" go test -count=1 -timeout 40m -v ./internal/e2e/chaos >"$raw" 2>&1
status=$?
grep -E '^(--- (PASS|FAIL)|FAIL|ok)' "$raw"
if [ "$status" -ne 0 ]; then
  echo "---- failures (from the test output) ----"
  grep -v -E '^(oms: |time=)' "$raw" | grep -E -B2 -A12 'Error Trace|panic:|FAIL:' | head -150
fi
echo
echo "| test | what was done to the system | what was checked | figures |"
echo "|---|---|---|---|"
sed 's/^CHAOS|/|/' "$report" | tee "$report.table"
if [ "$status" -eq 0 ] && [ -s "$report.table" ]; then
  machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)"
  awk -v table="$report.table" -v machine="$machine" '
    /<!-- chaos:begin -->/ { print; print ""; print "Measured by `make chaos` on " machine ":"; print "";
      print "| test | what was done to the system | what was checked | figures |"; print "|---|---|---|---|";
      while ((getline line < table) > 0) print line; print ""; skip = 1; next }
    /<!-- chaos:end -->/ { skip = 0 }
    !skip { print }' README.md > README.md.tmp && mv README.md.tmp README.md
  echo "README.md fault table updated"
fi
rm -f "$report.table"
exit "$status"
