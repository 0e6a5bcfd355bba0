#!/usr/bin/env bash
# Clock offsets: measured for every worker (GET /clock, NTP's four timestamps), reported
# in the summary, the pcapng interfaces' comments and a warning past --max-skew, and
# corrected on request (--clock-sync).
#
#        w1 10.203.1.1 ──┐  a worker on the shared clock
#                        ├── c (10.203.N.2; runs ddump)
#        w2 10.203.2.1 ──┤  a worker whose clock libfaketime sets 500 ms ahead, and nginx
#                        │  serving a recorded capture stamped 500 ms ahead beside it
#        w3 10.203.3.1 ──┘  a worker whose clock runs 2% fast (measured again during a
#                           capture), and nginx proxying to it (then it is not)
#
# Namespaces share one kernel clock, and libfaketime shifts a program's clock but not
# the kernel's packet timestamps: packets stamped by a clock 500 ms ahead come from a
# recorded capture, served by nginx as /shifted/capture with the faketime worker's
# /clock beside it as /shifted/clock.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl nginx python3 tshark
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || skip_all "libfaketime is not installed (package faketime)"

dd_host c || skip_all "cannot create network namespaces"
for i in 1 2 3; do
  dd_host "w$i" && dd_link "w$i" "10.203.$i.1" c "10.203.$i.2" || skip_all "cannot create links"
done
W1=http://10.203.1.1:8475 W2=http://10.203.2.1:8475 W3=http://10.203.3.1:8475

# ---- the workers, one 500 ms ahead -----------------------------------------------------------
start_worker w1 worker1 --listen :8475
# A sanitizer build wants its runtime first among the libraries; libfaketime comes first.
ip netns exec "$(ns w2)" env LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+0.5 FAKETIME_DONT_FAKE_MONOTONIC=1 \
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  "$WORKER" --listen :8475 >"$DD_TMP/worker2.log" 2>&1 &
DD_PIDS+=($!)
both_up () { wait_http c "$W1/" && wait_http c "$W2/"; }
check "both workers are up" both_up
before=$(date +%s%N)
clock=$(on c curl -sf --max-time 5 "$W2/clock")
after=$(date +%s%N)
expect_match "GET /clock answers with the worker's receive and transmit times, in ns" \
  '^\{"receive_ns": [0-9]{19}, "transmit_ns": [0-9]{19}\}$' "$clock"
receive=$(sed 's/^{"receive_ns": \([0-9]*\),.*/\1/' <<<"$clock")
# The request left after BEFORE and was answered before AFTER, whatever the delays.
check "...on w2, 500 ms ahead of the kernel's clock (${receive:-0} in [$before, $after] + 500 ms, ±5 ms)" \
  test $((receive - before)) -ge 495000000 -a $((receive - after)) -le 505000000

# ---- measured: the summary, the interfaces' comments, the warning ------------------------------
ddump_bg measure -F pcapng --duration 1 "$W1/capture?filter=icmp" "$W2/capture?filter=icmp"
wait_exit "$DPID" 60
expect_eq "a one-second capture from both ends well" 0 "$STATUS"
log=$(cat "$DD_TMP/measure.log")
# OFFSET LABEL: the offset of LABEL's summary line, and its error bound, in ms.
offset_of () { sed -n "s|^ddump: $1: .*; clock offset \([-+][0-9.]*\) ms ± \([0-9.]*\) ms.*|\1 \2|p" <<<"$log"; }
read -r o1 e1 <<<"$(offset_of "$W1/capture?filter=icmp")"
read -r o2 e2 <<<"$(offset_of "$W2/capture?filter=icmp")"
within () { python3 -c 'import sys; v, lo, hi = map(float, sys.argv[1:]); sys.exit(not lo <= v <= hi)' "$@"; }
# The true offsets are known (one kernel clock; libfaketime adds exactly 500 ms): each
# must lie within the estimate's own bound, however loaded the machine.
bounded () { python3 -c 'import sys; o, e, truth = map(float, sys.argv[1:]); sys.exit(not abs(o - truth) <= e + 0.001)' "$@"; }
check "the summary gives w1's offset on the shared clock with its error bound (${o1:-none} ± ${e1:-none} ms)" \
  test -n "$o1" -a -n "$e1"
check "...within ±2 ms of zero (or of its bound, on a machine loaded past it)" \
  within "${o1:-99}" "-$(python3 -c "print(max(2, ${e1:-0}))")" "$(python3 -c "print(max(2, ${e1:-0}))")"
check "...and zero, the true offset, lies within the bound" bounded "${o1:-99}" "${e1:-0}" 0
check "w2's is 500 ms ahead, 500 within its bound (${o2:-none} ± ${e2:-none} ms)" bounded "${o2:-0}" "${e2:-0}" 500
expect_match "w2 past --max-skew (100 ms by default) is warned of, by name" \
  "^ddump: $W2/capture\?filter=icmp: its clock is off by \+[0-9.]+ ms ± [0-9.]+ ms against this host's, more than --max-skew 100 ms" "$log"
expect_eq "...and w1 is not" 0 "$(grep -c "^ddump: $W1.*its clock is off" <<<"$log")"
comments=$(python3 "$PCAPNG_CHECK" "$DD_TMP/measure.out" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["interface_comments"]))')
expect_match "each interface of the pcapng says its host's offset" \
  "^10\.203\.2\.1/[a-z0-9]+: clock offset \+[0-9.]+ ms ± [0-9.]+ ms against the merging host$" "$comments"
expect_eq "...and nothing is shifted without --clock-sync" 0 "$(grep -c shifted <<<"$comments")"
ddump_bg skew -F pcapng --duration 0.5 --max-skew 1000 "$W2/capture?filter=icmp"
wait_exit "$DPID" 60
expect_eq "--max-skew 1000: a capture from w2 ends well" 0 "$STATUS"
expect_eq "...without the warning" 0 "$(grep -c 'its clock is off' "$DD_TMP/skew.log")"

# ---- corrected: a capture stamped by a clock 500 ms ahead ----------------------------------------
# A reference of 60 packets 20 ms apart, alternately from host 1 (kept as a local file,
# which has no clock) and host 2 (served by nginx beside w2's clock, stamped 500 ms ahead).
start=1700000000000000000
python3 "$MAKE_CAPTURE" --count 30 --start $start --step 20000000 --host-id 1 "$DD_TMP/a.pcap"
python3 "$MAKE_CAPTURE" --count 30 --start $((start + 10000000 + 500000000)) --step 20000000 --host-id 2 "$DD_TMP/b.pcap"
nginx_config "$DD_TMP/nginx.conf" <<NGINX
  server {
    listen 10.203.2.1:8080;
    location = /shifted/capture { alias $DD_TMP/b.pcap; }
    location = /shifted/clock { proxy_pass http://127.0.0.1:8475/clock; }
  }
NGINX
bg_on w2 nginx -c "$DD_TMP/nginx.conf"
check "nginx serves the shifted capture and w2's clock beside it" \
  wait_until 30 on c curl -sf -o /dev/null --max-time 2 http://10.203.2.1:8080/shifted/clock
# hosts FILE: the host of each packet of a pcap made by make-capture.py, in file order.
hosts () {
  python3 -c '
import struct, sys
data = open(sys.argv[1], "rb").read()
pos, out = 24, []
while pos < len(data):
    cap = struct.unpack_from("<I", data, pos + 8)[0]
    out.append(str(struct.unpack_from(">I", data, pos + 16 + 20 + 20 + 8)[0]))
    pos += 16 + cap
print("".join(out))' "$1"
}
alternating=$(printf '12%.0s' $(seq 30))
on c timeout 60 "$DDUMP" -w "$DD_TMP/raw.pcap" "$DD_TMP/a.pcap" http://10.203.2.1:8080/shifted/capture 2>"$DD_TMP/raw.log"
expect_eq "merged as stamped: ddump ends well" 0 "$?"
raw=$(hosts "$DD_TMP/raw.pcap")
expect_eq "...all 60 packets" 60 "${#raw}"
check "...but host 2's come 500 ms late, out of the true order ($raw)" test "$raw" != "$alternating"
on c timeout 60 "$DDUMP" -F pcapng -w "$DD_TMP/synced.pcapng" --clock-sync "$DD_TMP/a.pcap" \
  http://10.203.2.1:8080/shifted/capture 2>"$DD_TMP/synced.log"
expect_eq "with --clock-sync: ddump ends well" 0 "$?"
tshark -r "$DD_TMP/synced.pcapng" -F pcap -w "$DD_TMP/synced.pcap" 2>/dev/null
synced=$(hosts "$DD_TMP/synced.pcap")
expect_eq "...and the true order is back: the hosts alternate" "$alternating" "$synced"
expect_match "...the summary says by how much host 2's timestamps moved" \
  "shifted/capture: 30 packets .*; clock offset \+[0-9.]+ ms ± [0-9.]+ ms, timestamps shifted by -(49[5-9]|50[0-4])\.[0-9]+ ms" \
  "$(cat "$DD_TMP/synced.log")"
comments=$(python3 "$PCAPNG_CHECK" "$DD_TMP/synced.pcapng" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["interface_comments"]))')
expect_match "...and so does its interface's comment" \
  "^10\.203\.2\.1:8080(/[^:]*)?: clock offset \+[0-9.]+ ms ± [0-9.]+ ms against the merging host; timestamps shifted by -[0-9.]+ ms to the merging host's clock \(--clock-sync\)$" \
  "$comments"

# ---- measured again during a capture: a clock that drifts ------------------------------------
launched=$(date +%s%N)
ip netns exec "$(ns w3)" env LD_PRELOAD="$FAKETIME_LIB" FAKETIME="+0 x1.02" FAKETIME_DONT_FAKE_MONOTONIC=1 \
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  "$WORKER" --listen :8475 >"$DD_TMP/worker3.log" 2>&1 &
DD_PIDS+=($!)
check "w3's worker, its clock 2% fast, is up" wait_http c "$W3/"
# --max-skew 20 ms past w3's offset now (2% of the time since it started, a little less):
# a 4 s capture drifts past it (2% of 4 s: 80 ms).
skew=$(( ($(date +%s%N) - launched) / 50000000 + 20 ))
bg_on c ping -q -i 0.05 -c 400 10.203.3.1 >/dev/null  # packets, so that w3 has an interface
ddump_bg drift -F pcapng --duration 4 --clock-interval 1 --max-skew "$skew" "$W3/capture?filter=icmp"
wait_exit "$DPID" 60
expect_eq "a capture from w3 measuring its clock every second ends well" 0 "$STATUS"
log=$(cat "$DD_TMP/drift.log")
line=$(grep "^ddump: $W3/capture?filter=icmp: .*clock offset" <<<"$log")
read -r start latest measures <<<"$(sed -n 's/.*clock offset \([-+][0-9.]*\) ms ± [0-9.]* ms; \([-+][0-9.]*\) ms ± [0-9.]* ms at [0-9:.]* UTC, the last of \([0-9]*\) measures during the capture$/\1 \2 \3/p' <<<"$line")"
diag "$line"
check "the summary gives the offset at the start and the last of the measures during the capture (${measures:-none})" \
  test "${measures:-0}" -ge 2
# Two measures or more: the last came 2 s or more after the first, 40 ms of drift or more.
check "...which followed the drift: +30 ms or more (${start:-?} → ${latest:-?} ms)" \
  within "$(python3 -c "print(${latest:-0} - ${start:-0})")" 30 1000
# The warning comes from the measure that first passes --max-skew: at the start (on a
# machine so slow that the guess above fell short), or later, as it should here.
past () { python3 -c "import sys; sys.exit(not abs(${1:-0}) > $skew)"; }
if past "$start"; then
  expect_match "...and a warning, the start being past --max-skew $skew ms already (a slow machine)" \
    "^ddump: $W3/capture\?filter=icmp: its clock is off by" "$log"
elif past "$latest"; then
  expect_match "...and a warning when the drift passed --max-skew $skew ms" \
    "^ddump: $W3/capture\?filter=icmp: its clock is now off by \+[0-9.]+ ms ± [0-9.]+ ms against this host's, more than --max-skew $skew ms \(measured during the capture\)$" "$log"
else
  expect_eq "...and no warning, as it never passed --max-skew $skew ms" 0 "$(grep -c 'its clock is' <<<"$log")"
fi
comments=$(python3 "$PCAPNG_CHECK" "$DD_TMP/drift.out" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["isb_comments"]))')
expect_match "...and so does the final statistics block of its interface" \
  "^clock offset \+[0-9.]+ ms ± [0-9.]+ ms against the merging host at [0-9:.]+ UTC, the last of ${measures:-?} measures during the capture$" \
  "$comments"
out=$(on c timeout 30 "$DDUMP" --duration 2 --clock-interval 0 -w /dev/null "$W3/capture?filter=icmp" 2>&1)
expect_eq "--clock-interval 0: ddump ends well" 0 "$?"
expect_match "...measuring the clock only as the stream opened" "clock offset [-+][0-9.]+ ms ± [0-9.]+ ms$" \
  "$(grep "^ddump: $W3" <<<"$out")"
out=$(timeout 10 "$DDUMP" --clock-interval -1 -w /dev/null "$W3/capture" 2>&1)
expect_eq "--clock-interval -1: usage error" 1 "$?"
expect_match "...naming the range" "clock-interval from 0 to 86400" "$out"

# Behind a proxy, the exchanges would go through connections the worker captures: only
# the one as the stream opens is made (the worker says whether a request came straight).
nginx_config "$DD_TMP/nginx3.conf" <<NGINX
  server {
    listen 10.203.3.1:8080;
    location /p/ { proxy_pass http://127.0.0.1:8475/; proxy_buffering off; proxy_set_header X-Forwarded-For \$remote_addr; }
  }
NGINX
bg_on w3 nginx -c "$DD_TMP/nginx3.conf"
check "nginx proxies to w3's worker" wait_until 30 on c curl -sf -o /dev/null --max-time 2 http://10.203.3.1:8080/p/clock
headers=$(on c curl -s --max-time 5 -D - -o /dev/null "$W3/capture?count=1&filter=icmp")
expect_match "a capture asked straight from the worker says so (X-Ddump-Direct)" "^X-Ddump-Direct: yes" "$headers"
headers=$(on c curl -s --max-time 5 -D - -o /dev/null "http://10.203.3.1:8080/p/capture?count=1&filter=icmp")
expect_eq "...one through a proxy does not" 0 "$(grep -ci '^X-Ddump-Direct' <<<"$headers")"
out=$(on c timeout 30 "$DDUMP" --duration 3 --clock-interval 1 -w /dev/null "http://10.203.3.1:8080/p/capture?filter=icmp" 2>&1)
expect_eq "a capture through the proxy, --clock-interval 1: ends well" 0 "$?"
expect_match "...its clock measured as it opened, not again" "p/capture\?filter=icmp: .*clock offset [-+][0-9.]+ ms ± [0-9.]+ ms$" "$out"

dd_finish
