#!/usr/bin/env bash
# Runs the fault tests (internal/e2e/chaos) on the real stack and prints one line
# of figures per test (about 8–9 minutes on 2 cores). The table goes to
# chaos-results.md (untracked); with UPDATE_DOCS=1 (or its old name
# UPDATE_README=1) it also replaces the fault table in docs/faults.md between the
# chaos:begin / chaos:end markers, so a local run leaves the working tree clean
# unless asked.
# TEMPORAL_STACK=cluster runs them on a production-like cluster the tests start
# themselves (internal/teststack, scripts/cluster.sh) instead of the dev server;
# the table then goes to chaos-results.cluster.md and docs/faults.md's
# chaos-cluster:begin / chaos-cluster:end section.
set -uo pipefail
cd "$(dirname "$0")/.."
CI=${CI:-}
report=$(mktemp)
raw=$(mktemp)
trap 'rm -f "$report" "$raw"' EXIT
if [ "${TEMPORAL_STACK:-}" = "cluster" ]; then
  deployment="the production-like cluster (Temporal server 1.29.1, 4 services as separate processes, PostgreSQL persistence and SQL visibility)"
  command="TEMPORAL_STACK=cluster make chaos"; results=chaos-results.cluster.md; marker=chaos-cluster
else
  deployment="the Temporal dev server (CLI v1.5.1, one process, SQLite)"
  command="make chaos"; results=chaos-results.md; marker=chaos
fi
echo "fault tests on $deployment"
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
if [ "$CI" = "true" ]; then
  sizes="CI size (CI=true: TestColorMeMisbehavingWithinBudget with 120 sales instead of 200; the other tests have one size)"
else
  sizes="local size (TestColorMeMisbehavingWithinBudget with 200 sales; CI=true runs 120)"
fi
elapsed=$(( SECONDS / 60 ))m$(( SECONDS % 60 ))s
machine="$deployment; $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d), $sizes, $elapsed in all"
if [ -s "$report.table" ]; then
  { echo "Measured by \`$command\` on $machine:"; echo
    echo "| test | what was done to the system | what was checked | figures |"; echo "|---|---|---|---|"
    cat "$report.table"; } > "$results"
  echo "table written to $results (untracked)"
fi
doc=docs/faults.md
update=${UPDATE_DOCS:-${UPDATE_README:-}}
if [ "$status" -eq 0 ] && [ -s "$report.table" ] && [ "$update" = "1" ]; then
  awk -v table="$report.table" -v machine="$machine" -v command="$command" -v begin="<!-- $marker:begin -->" -v end="<!-- $marker:end -->" '
    $0 == begin { print; print ""; print "Measured by `" command "` on " machine ":"; print "";
      print "| test | what was done to the system | what was checked | figures |"; print "|---|---|---|---|";
      while ((getline line < table) > 0) print line; print ""; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
  echo "$doc fault table updated (UPDATE_DOCS=1)"
elif [ "$status" -eq 0 ]; then
  echo "$doc left as it is; UPDATE_DOCS=1 $command rewrites its fault table"
fi
rm -f "$report.table"
exit "$status"
