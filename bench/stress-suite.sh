#!/usr/bin/env bash
# The whole test suite N times in a row on a loaded machine: stress-ng keeps every core
# busy (and some I/O going) the whole time. A suite that passes here does not depend on
# timing. As root (the tests make network namespaces):
#   bash bench/stress-suite.sh [BUILDDIR] [N]        (default _build, 10)
# Prints one line per run and "N passed, N failed" (runs) at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build}
runs=${2:-10}
command -v stress-ng >/dev/null || { echo "stress-ng is not installed (apt-get install stress-ng)" >&2; exit 1; }
ninja -C "$build" >/dev/null || exit 1

# Bounded like everything else: stress-ng stops by itself after 3 hours at the most.
stress-ng --cpu "$(nproc)" --io 1 --timeout 3h --quiet &
stress=$!
trap 'kill $stress 2>/dev/null; wait $stress 2>/dev/null' EXIT

passed=0 failed=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  if meson test -C "$build" --no-rebuild >"$build/stress-run-$i.log" 2>&1; then
    passed=$((passed + 1)); verdict=ok
  else
    failed=$((failed + 1)); verdict="FAILED ($(grep -cE '^not ok' "$build/meson-logs/testlog.txt") not ok)"
    cp "$build/meson-logs/testlog.txt" "$build/stress-run-$i.testlog.txt"
  fi
  echo "run $i: $verdict in $(( $(date +%s) - start )) s, $(grep -E '^Ok:' "$build/stress-run-$i.log" | tr -s ' ')"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
