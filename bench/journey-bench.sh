#!/usr/bin/env bash
# The packet journey's speed: ddump --journey against the same merge without it, in the
# same run, taking turns.
#
#   bash bench/journey-bench.sh [BUILDDIR]      (COUNT=packets per point, default 1000000)
#
# Two pcap files, the same COUNT UDP packets seen at two points (tests/make-capture.py,
# the same host id: the same packets), the second 10 µs after the first: every packet is
# matched once. Both merges write pcapng to /dev/null; the rate is of packets read (2 x
# COUNT). Also the journey with a window 50 times longer than the capture's rate needs, to
# show that its memory is the window's, not the capture's. Then the journey's report is
# checked: every packet matched, with the delay it was given.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
DDUMP=$(realpath "$build/src/client/ddump")
COUNT=${COUNT:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 "$here/../tests/make-capture.py" --count "$COUNT" --host-id 1 --start 1700000000000000000 --step 1000 "$tmp/a.pcap"
python3 "$here/../tests/make-capture.py" --count "$COUNT" --host-id 1 --start 1700000000000010000 --step 1000 "$tmp/b.pcap"
total=$((2 * COUNT))
measure () { python3 "$here/measure.py" 3 "$total" "$@"; }

echo "## Journey: 2 points x $COUNT packets (1 µs apart, each seen again 10 µs later), $(date -u +%Y-%m-%d)"
echo
echo "| merge | wall s (best of 3) | M packets/s | peak RSS MiB |"
echo "|---|---|---|---|"
measure "ddump -F pcapng (no journey)" "$DDUMP" -q -F pcapng -w /dev/null "$tmp/a.pcap" "$tmp/b.pcap" ::: \
  "ddump -F pcapng --journey (window 2 s)" "$DDUMP" -q -F pcapng --journey -w /dev/null "$tmp/a.pcap" "$tmp/b.pcap" ::: \
  "ddump -F pcapng --journey --journey-window 10 (ms)" "$DDUMP" -q -F pcapng --journey --journey-window 10 \
    -w /dev/null "$tmp/a.pcap" "$tmp/b.pcap"

"$DDUMP" -q -F pcapng --journey="$tmp/j.json" -w /dev/null "$tmp/a.pcap" "$tmp/b.pcap"
echo
python3 - "$tmp/j.json" "$COUNT" <<'PY'
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
h = r["hops"][0]
ok = r["packets"] == n and len(r["hops"]) == 1 and h["matched"] == n and h["lost"] == 0 and h["delay_ns"]["p50"] == 10000
print("Check of the journey: %d packets followed, %d matched, %d lost, delay p50 %d ns: %s."
      % (r["packets"], h["matched"], h["lost"], h["delay_ns"]["p50"], "as made" if ok else "NOT AS MADE"))
sys.exit(0 if ok else 1)
PY
