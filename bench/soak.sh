#!/usr/bin/env bash
# Soak: captures opening and closing against 4 workers for a while, with cross traffic, and
# one ddump merging all 4 the whole time. Every 10 s the workers' and that ddump's RSS and
# descriptors are sampled; at the end, the first and last samples and the peaks are
# printed (and the samples kept in BUILDDIR/soak.csv). Memory or descriptors that grow with
# the number of captures served show up as a last sample far above the first.
#   sudo bash bench/soak.sh [BUILDDIR] [SECONDS]       (default _build, 600)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build}
seconds=${2:-600}
export WORKER=$PWD/$build/src/worker/ddump-worker DDUMP=$PWD/$build/src/client/ddump
export UDP_SEND=$PWD/$build/tests/dd-udp-send
. tests/lib.sh
require_root

dd_host c || exit 1
for i in 1 2 3 4; do
  dd_host "w$i" && dd_link "w$i" "10.204.$i.1" c "10.204.$i.2" || exit 1
  ip -n "$(ns "w$i")" route add 10.204.0.0/16 via "10.204.$i.2"
done
on c sysctl -qw net.ipv4.ip_forward=1
declare -A WPID
for i in 1 2 3 4; do
  start_worker "w$i" "worker$i" --listen :8475
  WPID[$i]=$WORKER_PID
  wait_http c "http://10.204.$i.1:8475/" || { echo "worker $i did not start" >&2; exit 1; }
done
W=(http://10.204.1.1:8475 http://10.204.2.1:8475 http://10.204.3.1:8475 http://10.204.4.1:8475)

# Cross traffic for the whole soak: c to every worker, and between workers (routed by c).
for i in 1 2 3 4; do
  bg_on c "$UDP_SEND" --rate 500 --max-seconds "$seconds" "10.204.$i.1" 43000 100000000 >/dev/null 2>&1
  bg_on "w$i" "$UDP_SEND" --rate 200 --max-seconds "$seconds" "10.204.$(( i % 4 + 1 )).1" 43001 100000000 >/dev/null 2>&1
done

# One ddump merging everything for the whole soak, into /dev/null.
ip netns exec "$(ns c)" "$DDUMP" -q -F pcapng -w /dev/null --reconnect "${W[@]}" 2>"$DD_TMP/long.log" &
long=$!
DD_PIDS+=("$long")

# Churn: short ddump runs over the 4 workers, and short captures straight from curl.
churn () {
  local end=$(( $(date +%s) + seconds )) n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    on c timeout 30 "$DDUMP" -q -c 200 --duration 2 "${W[@]}" >/dev/null 2>&1
    on c curl -s --max-time 10 -o /dev/null "${W[$(( n % 4 ))]}/capture?duration=0.2"
    on c curl -s --max-time 10 -o /dev/null -H 'Accept: application/x-pcapng' "${W[$(( (n + 1) % 4 ))]}/capture?count=50"
    on c curl -s --max-time 5 -o /dev/null "${W[$(( (n + 2) % 4 ))]}/metrics"
    n=$((n + 1))
  done
  echo "$n" >"$DD_TMP/churn.count"
}
churn &
churner=$!

csv=$build/soak.csv
echo "seconds,$(for i in 1 2 3 4; do printf 'w%s_rss_kib,w%s_fds,' "$i" "$i"; done)ddump_rss_kib,ddump_fds" >"$csv"
start=$(date +%s)
while :; do
  t=$(( $(date +%s) - start ))
  line="$t"
  for i in 1 2 3 4; do line="$line,$(rss_kib "${WPID[$i]}"),$(fds "${WPID[$i]}")"; done
  line="$line,$(rss_kib "$long"),$(fds "$long")"
  echo "$line" >>"$csv"
  [ "$t" -ge "$seconds" ] && break
  sleep 10   # the sampling period, not a wait for a state
done
wait "$churner"
captures=0
for u in "${W[@]}"; do captures=$(( captures + $(metric c "$u" captures_total) )); done
stop "$long"; rc=$?

echo "soak: $seconds s, $(cat "$DD_TMP/churn.count") churn rounds, $captures captures served by 4 workers; the long ddump exited $rc"
python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
first, last = rows[0], rows[-1]
for col in rows[0]:
    if col == "seconds":
        continue
    peak = max(int(r[col]) for r in rows)
    print("%-16s first %8s  last %8s  peak %8d" % (col, first[col], last[col], peak))
PY
