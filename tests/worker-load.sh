#!/usr/bin/env bash
# ddump-worker under load: the watermark property, and a stalled reader.
# Every load loop is bounded in packets and in seconds.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl python3

dd_pair || skip_all "cannot create network namespaces"
start_worker w worker --listen :8475
worker=$WORKER_PID
W=http://10.200.0.1:8475
check "worker is up" wait_http c "$W/"

# 1. Two senders at full speed; the pcapng stream's ISB watermarks must hold.
bg_on c curl -sN --max-time 60 -H 'Accept: application/x-pcapng' -o "$DD_TMP/load.pcapng" "$W/capture?filter=udp&duration=5"
cap=$BG_PID
check "the capture is running" wait_size "$DD_TMP/load.pcapng" 100
bg_on c "$UDP_SEND" --max-seconds 3.5 10.200.0.1 40010 400000; s1=$BG_PID
bg_on c "$UDP_SEND" --max-seconds 3.5 10.200.0.1 40011 400000; s2=$BG_PID
# These senders stop at their time limit (status 1) unless they sent all they could first.
sent_or_timed () { local rc=0; wait "$1" || rc=$?; [ "$rc" -le 1 ]; }
check "two senders at full speed for 3.5 s" eval 'sent_or_timed "$s1" && sent_or_timed "$s2"'
check "the capture ends at its duration" wait_exit "$cap" 60
chk=$(python3 "$PCAPNG_CHECK" "$DD_TMP/load.pcapng"); rc=$?
diag "$chk"
expect_eq "under load, no packet arrives below a watermark already sent" 0 "$rc"
check "...over a real load (>100k packets, heartbeats all along)" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); assert d["packets"] > 100000 and d["isb"] > 5, d' "$chk"
check "...and the last ISB accounts for every packet (delivered + dropped = received)" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); s = d["last_isb"]
assert s["usrdeliv"] == d["packets"] and s["usrdeliv"] + s["ifdrop"] <= s["ifrecv"], d' "$chk"

# 2. A reader that stalls: the worker buffers a bounded amount, lets the kernel drop, and
#    reports the drops in its ISBs once the reader comes back.
# The reader reads nothing until the test creates the file "go" (60 s at most).
base=$(heap_kib c "$W") base_rss=$(rss_kib "$worker")
started=$(captures_started c "$W")
ip netns exec "$(ns c)" bash -c "curl -sN --max-time 90 -H 'Accept: application/x-pcapng' '$W/capture?filter=udp&duration=12' \
  | { for i in \$(seq 1200); do [ -e '$DD_TMP/go' ] && break; sleep 0.05; done; cat > '$DD_TMP/stalled.pcapng'; }" &
reader=$!
DD_PIDS+=("$reader")
check "the stalled reader's capture is running" wait_captures_started c "$W" $((started + 1))
bg_on c "$UDP_SEND" --size 1200 --max-seconds 3 10.200.0.1 40020 300000; s1=$BG_PID
peak=$base
# Sampled as a monitoring system would, for as long as the sender runs (3 s at most).
while kill -0 "$s1" 2>/dev/null; do
  r=$(heap_kib c "$W") && [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.1  # the sampling period, not a wait
done
check "the sender of 1200-byte datagrams ran" sent_or_timed "$s1"
r=$(heap_kib c "$W") && [ "$r" -gt "$peak" ] && peak=$r
diag "worker heap: ${base} KiB before, ${peak} KiB at most while ~360 MB were captured for a stalled reader (RSS ${base_rss} → $(rss_kib "$worker") KiB)"
check "a stalled reader keeps the worker's memory bounded (its heap grows by less than 48 MiB: $(((peak - base) / 1024)) MiB)" \
  test $((peak - base)) -lt $((48 * 1024))
m=$(on c curl -sf --max-time 5 "$W/metrics")
expect_match "the capture is still running meanwhile" '^ddump_worker_captures_active 1$' "$m"
touch "$DD_TMP/go"
check "the reader, reading again, gets the end of the capture" wait_exit "$reader" 60
chk=$(python3 "$PCAPNG_CHECK" "$DD_TMP/stalled.pcapng"); rc=$?
diag "$chk"
expect_eq "the stalled stream is well formed and keeps its watermarks" 0 "$rc"
check "the kernel drops show up in the ISB counters" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); s = d["last_isb"]
assert s["ifdrop"] > 0 and d["packets"] > 0 and s["usrdeliv"] == d["packets"], d' "$chk"
expect_match "...and in /metrics" '^ddump_worker_kernel_drops_total [1-9]' "$(on c curl -sf --max-time 5 "$W/metrics")"
# 3. The ring's capacity in time: the worker stopped (SIGSTOP) while 60 sparse packets
#    arrive (40/s for 1.5 s). Each sits alone in a ring block retired after the block
#    timeout: the default ring (64 blocks of 32 ms) keeps them all.
started=$(captures_started c "$W")
bg_on c curl -sN --max-time 60 -H 'Accept: application/x-pcapng' -o "$DD_TMP/sparse.pcapng" \
  "$W/capture?filter=udp%20port%2040030&count=60"; cap=$BG_PID
check "the sparse capture runs" wait_captures_started c "$W" $((started + 1))
kill -STOP "$worker"
on c "$UDP_SEND" --rate 40 10.200.0.1 40030 60 >/dev/null
kill -CONT "$worker"
check "stopped while 60 sparse packets came, the worker delivers them all once it runs again" wait_exit "$cap" 30
expect_eq "...every one of them" 60 "$(count_packets "$DD_TMP/sparse.pcapng")"
chk=$(python3 "$PCAPNG_CHECK" "$DD_TMP/sparse.pcapng")
check "...and the kernel dropped none" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); assert d["last_isb"]["ifdrop"] == 0, d' "$chk"

check "the worker is still running" kill -0 "$worker"
dd_finish
