#!/usr/bin/env bash
# The merger's order of inputs: the binary heap (the default) against a GSequence
# (-DDD_MERGER_GSEQUENCE), on the same files in the same run, at 4 and at 256 inputs.
#
#   bash bench/order-bench.sh [HEAP-BUILDDIR] [GSEQUENCE-BUILDDIR]
#     (defaults _build and _build-gseq; the second is set up when missing)
#
# Files only, so that the merge itself is what is measured: ddump -w /dev/null, best wall
# time of 5 runs. 4 files x 1,000,000 packets and 256 files x 20,000 packets, stamped so
# that every packet's neighbours come from other files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
heap=${1:-$here/../_build}
gseq=${2:-$here/../_build-gseq}
[ -f "$gseq/build.ninja" ] || meson setup "$gseq" "$here/.." -Dc_args=-DDD_MERGER_GSEQUENCE >/dev/null
ninja -C "$heap" >/dev/null
ninja -C "$gseq" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "## Merger order: heap against GSequence, $(date -u +%Y-%m-%d)"
echo
echo "| inputs x packets | order | wall s (best of 5) | M packets/s | peak RSS MiB |"
echo "|---|---|---|---|---|"
for spec in 4:1000000 256:20000; do
  n=${spec%:*} count=${spec#*:}
  rm -f "$tmp"/f*.pcap
  python3 "$here/../tests/make-capture.py" --hosts "$n" --count "$count" "$tmp/f%d.pcap"
  files=("$tmp"/f*.pcap)
  total=$((n * count))
  python3 "$here/measure.py" 5 "$total" "$n x $count | heap" "$heap/src/client/ddump" -q -w /dev/null "${files[@]}"
  python3 "$here/measure.py" 5 "$total" "$n x $count | GSequence" "$gseq/src/client/ddump" -q -w /dev/null "${files[@]}"
done
