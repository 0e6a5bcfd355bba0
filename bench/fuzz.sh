#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a while, from a copy of its seed corpus.
#   bash bench/fuzz.sh [BUILDDIR] [SECONDS-PER-TARGET] [RUNS]   (default _build-fuzz, 600)
# With RUNS, a target stops after that many executions if it gets there first.
# BUILDDIR is set up with clang, -Dfuzzing=true and ASan+UBSan if it does not exist yet.
# Prints one TAP line per target (executions, new inputs, crashes); an input that broke
# an invariant or crashed is kept in BUILDDIR/fuzz-findings/ and named in the line.
# CI runs it for 60 s per target; by hand, run it longer and record the figures in
# bench/RESULTS.md. New inputs worth keeping: copy them into tests/fuzz/corpus/NAME.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build-fuzz}
seconds=${2:-600}
runs=${3:--1}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    >"${TMPDIR:-/tmp}/ddump-fuzz-setup.log" 2>&1 || { cat "${TMPDIR:-/tmp}/ddump-fuzz-setup.log"; exit 1; }
fi
ninja -C "$build" >/dev/null || exit 1

findings="$build/fuzz-findings"
mkdir -p "$findings"
work=$(mktemp -d "${TMPDIR:-/tmp}/ddump-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

targets=(tests/fuzz/corpus/*/)
echo "1..${#targets[@]}"
n=0 failed=0
for dir in "${targets[@]}"; do
  name=$(basename "$dir")
  n=$((n + 1))
  cp -r "$dir" "$work/$name"
  log="$work/$name.log"
  # -timeout: one input may take 10 s at most; the whole run is bounded by timeout(1) too.
  start=$(date +%s)
  timeout $((seconds + 120)) "$build/tests/fuzz/$name" -max_total_time="$seconds" -runs="$runs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$name-" \
    "$work/$name" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  executed=$(awk -F: '/stat::number_of_executed_units/ { gsub(/ /, "", $NF); print $NF }' "$log")
  added=$(awk -F: '/stat::new_units_added/ { gsub(/ /, "", $NF); print $NF }' "$log")
  if [ "$rc" = 0 ]; then
    echo "ok $n - $name: ${executed:-?} executions in ${took} s, ${added:-0} new inputs, 0 crashes"
  else
    failed=$((failed + 1))
    echo "not ok $n - $name: exit status $rc after ${executed:-?} executions; input kept in $findings"
    grep -E 'ERROR|SUMMARY|ddump-fuzz:ERROR|runtime error|Test unit written' "$log" | head -8 | sed 's/^/# /'
  fi
done
[ "$failed" = 0 ]
