#!/usr/bin/env bash
# ddump-worker's HTTP API against a real worker in a network namespace, with curl.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump ping python3

dd_pair || skip_all "cannot create network namespaces"
start_worker w worker --listen :8475 --max-captures 2
WPID=$WORKER_PID W=http://10.200.0.1:8475
check "worker answers from another host" wait_http c "$W/"

body=$(on c curl -sf --max-time 5 "$W/")
expect_match "GET / returns the version as JSON" '"version" : "[0-9]+\.[0-9]+' "$body"

ifaces=$(on c curl -sf --max-time 5 "$W/interfaces")
check "GET /interfaces lists lo (loopback, up) and veth0 with its index and address" python3 -c '
import json, sys
d = {i["name"]: i for i in json.loads(sys.argv[1])}
lo, v = d["lo"], d["veth0"]
assert lo["loopback"] and lo["up"] and lo["index"] == 1 and "127.0.0.1" in lo["addresses"]
assert not v["loopback"] and v["index"] > 1 and "10.200.0.1" in v["addresses"]
assert "any" not in d
' "$ifaces"

m=$(on c curl -sf --max-time 5 "$W/metrics")
expect_match "GET /metrics is Prometheus text" '^ddump_worker_captures_active 0$' "$m"
expect_match "GET /metrics has TYPE lines" '^# TYPE ddump_worker_kernel_drops_total counter$' "$m"

code=$(on c curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$W/nope")
expect_eq "other paths are 404" 404 "$code"
hdrs=$(on c curl -s --max-time 5 -X POST -D - -o /dev/null "$W/capture")
expect_match "POST /capture is 405" '^HTTP/1.1 405' "$hdrs"
expect_match "405 says what is allowed" '^Allow: GET' "$(tr -d '\r' <<<"$hdrs")"

out=$(on c curl -s --max-time 5 -w ' %{http_code}' "$W/capture?filter=icmpx")
expect_match "bad filter is 400 with libpcap's message" "syntax error.* 400 ?$" "$(tr '\n' ' ' <<<"$out")"
out=$(on c curl -s --max-time 5 -w ' %{http_code}' "$W/capture?bogus=1")
expect_match "unknown parameter is 400 naming it" '“bogus”.* 400 ?$' "$(tr '\n' ' ' <<<"$out")"
out=$(on c curl -s --max-time 5 -w ' %{http_code}' "$W/capture?snaplen=0")
expect_match "bad snaplen is 400 naming it" '“snaplen”.* 400 ?$' "$(tr '\n' ' ' <<<"$out")"
out=$(on c curl -s --max-time 5 -w ' %{http_code}' "$W/capture?interface=nosuch0")
expect_match "unknown interface is 400" 'unknown interface “nosuch0”.* 400 ?$' "$(tr '\n' ' ' <<<"$out")"
out=$(on c curl -s --max-time 5 -w ' %{http_code}' "$W/capture?filter=tcp)%20or%20(udp")
expect_match "a filter that would escape its parentheses is 400" ' 400 ?$' "$(tr '\n' ' ' <<<"$out")"

# Still serving after the errors: a real capture of a ping.
bg_on c ping -c 50 -i 0.2 10.200.0.1 >/dev/null; pinger=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/after.pcap" "$W/capture?filter=icmp&count=2"
expect_eq "after the errors the worker still captures" 2 "$(count_packets "$DD_TMP/after.pcap")"
kill "$pinger"; wait "$pinger" 2>/dev/null

# Headers, and the file header sent before any packet.
hdrs=$(on c curl -s -D - --max-time 1 -o "$DD_TMP/quiet.pcap" "$W/capture?filter=udp%20port%201" | tr -d '\r')
expect_match "pcap Content-Type" '^Content-Type: application/vnd.tcpdump.pcap' "$hdrs"
expect_match "Cache-Control: no-store" '^Cache-Control: no-store' "$hdrs"
expect_match "X-Accel-Buffering: no" '^X-Accel-Buffering: no' "$hdrs"
expect_match "chunked" '^Transfer-Encoding: chunked' "$hdrs"
expect_eq "a quiet capture sends its 24-byte pcap header at once" 24 "$(stat -c %s "$DD_TMP/quiet.pcap")"
expect_eq "...with the nanosecond magic" "4d3cb2a1" "$(head -c 4 "$DD_TMP/quiet.pcap" | od -An -tx1 | tr -d ' \n')"

hdrs=$(on c curl -s -D - --max-time 1 -H 'Accept: application/x-pcapng' -o "$DD_TMP/quiet.pcapng" \
  "$W/capture?filter=udp%20port%201" | tr -d '\r')
expect_match "Accept: application/x-pcapng gives pcapng" '^Content-Type: application/x-pcapng' "$hdrs"
expect_eq "...starting with an SHB" "0a0d0d0a" "$(head -c 4 "$DD_TMP/quiet.pcapng" | od -An -tx1 | tr -d ' \n')"
hdrs=$(on c curl -s -D - --max-time 1 -H 'Accept: application/x-pcapng' -o /dev/null \
  "$W/capture?filter=udp%20port%201&format=pcap" | tr -d '\r')
expect_match "format=pcap wins over Accept" '^Content-Type: application/vnd.tcpdump.pcap' "$hdrs"

# The capture limit, and disconnects freeing captures at once. The quiet captures above
# ended with their clients a moment ago: the limit must not count them.
started=$(captures_started c "$W")
bg_on c curl -sN -D "$DD_TMP/c1.head" -o /dev/null --max-time 60 "$W/capture?duration=50"; c1=$BG_PID
bg_on c curl -sN -o /dev/null --max-time 60 "$W/capture?duration=50"; c2=$BG_PID
check "two captures running" wait_captures_started c "$W" $((started + 2))
expect_eq "...and the gauge counts them alone, not the captures whose clients went a moment ago" 2 \
  "$(metric c "$W" captures_active)"
id=$(tr -d '\r' <"$DD_TMP/c1.head" | sed -n 's/^X-Ddump-Capture: //p')
expect_match "a capture's response names it (X-Ddump-Capture)" '^[0-9]+$' "$id"
listed=$(on c curl -sf --max-time 5 "$W/captures")
check "GET /captures lists the two live captures, that one with its client's address and port" python3 -c '
import json, sys
caps = json.loads(sys.argv[1])
assert len(caps) == 2, caps
mine = [c for c in caps if c["id"] == int(sys.argv[2])]
assert len(mine) == 1, caps
c = mine[0]
assert c["address"] == "10.200.0.2" and 0 < c["port"] < 65536 and c["client"] == "10.200.0.2", c
assert c["format"] == "pcap" and c["limits"] == "duration=50s", c
' "$listed" "$id"
out=$(on c curl -s --max-time 5 -D - "$W/capture" | tr -d '\r')
expect_match "a third one is 503" '^HTTP/1.1 503' "$out"
expect_match "...saying why" 'too many captures: 2 are running, the limit is 2' "$out"
kill "$c1" "$c2"; wait "$c1" "$c2" 2>/dev/null
check "clients that disconnect free their captures" wait_until 30 eval '[ "$(live_captures c "$W")" = 0 ]'
expect_eq "...and the gauge says so" 0 "$(metric c "$W" captures_active)"
expect_match "the worker logs each capture's end with its counters" \
  'capture [0-9]+ ended \(client went away\) for 10\.200\.0\.2: [0-9]+ packets' "$(cat "$DD_TMP/worker.log")"
code=$(on c curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$W/capture?filter=udp%20port%201")
expect_eq "after the disconnects a new capture is accepted" 200 "$code"

# The race that made this test flaky: a capture whose client has just gone, and at once
# as many new captures as the limit. The worker must see that the first one is over.
for round in 1 2 3 4 5; do
  on c curl -s --max-time 1 -o /dev/null "$W/capture?filter=udp%20port%201"
  bg_on c curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$W/capture?filter=udp%20port%201" >"$DD_TMP/race1.$round"; r1=$BG_PID
  bg_on c curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$W/capture?filter=udp%20port%201" >"$DD_TMP/race2.$round"; r2=$BG_PID
  wait "$r1" "$r2" 2>/dev/null
done
expect_eq "a capture whose client just left never makes the next two a 503 (5 rounds)" \
  "200200200200200200200200200200" "$(cat "$DD_TMP"/race[12].[1-5] | tr -d '\n')"
check "the race's captures end" wait_until 30 eval '[ "$(live_captures c "$W")" = 0 ]'

# --max-captures-per-client counts what the capture limit counts: a client killed a moment
# ago (SIGKILL: no goodbye) is not counted when it runs its capture again at once.
start_worker w percl --listen :8476 --max-captures-per-client 1
WP=http://10.200.0.1:8476
check "a worker with one capture per client is up" wait_http c "$WP/"
codes=""
for round in 1 2 3 4 5 6 7 8 9 10; do
  started=$(captures_started c "$WP")
  bg_on c curl -sN -o /dev/null --max-time 30 "$WP/capture?filter=udp%20port%201"; killed=$BG_PID
  wait_captures_started c "$WP" $((started + 1)) || codes+="(no capture)"
  kill -9 "$killed"; wait "$killed" 2>/dev/null
  codes+=$(on c curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$WP/capture?filter=udp%20port%201")
done
expect_eq "a client killed and run again at once is never refused with 429 (10 rounds)" \
  "200200200200200200200200200200" "$codes"
bg_on c curl -sN -o /dev/null --max-time 30 "$WP/capture?filter=udp%20port%201"; held=$BG_PID
check "...while a capture of it runs" wait_until 30 eval '[ "$(live_captures c "$WP")" = 1 ]'
code=$(on c curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$WP/capture?filter=udp%20port%201")
expect_eq "...a second one is still refused: 429" 429 "$code"
kill "$held"; wait "$held" 2>/dev/null

check "the worker is still running" kill -0 "$WPID"
dd_finish
