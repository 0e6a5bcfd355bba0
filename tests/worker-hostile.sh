#!/usr/bin/env bash
# ddump-worker against hostile and broken clients: malformed requests, request bodies,
# half-open connections, a flood of short connections and captures. Each must get a clear
# answer (or a closed connection), and the worker must stay up with bounded memory and
# descriptors.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl python3 nc

dd_pair || skip_all "cannot create network namespaces"
start_worker w worker --listen :8475 --request-timeout 2 --buffer-size 1
worker=$WORKER_PID
W=http://10.200.0.1:8475
check "worker is up" wait_http c "$W/"

# raw HOST REQUEST-FILE: the bytes of a request sent as they are; the status line back.
raw () {
  on c timeout 10 python3 - 10.200.0.1 8475 "$1" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=8)
try:
    s.sendall(open(sys.argv[3], "rb").read())
except OSError:
    pass  # the worker closed the connection before reading all of it
try:
    data = s.recv(4096)
except OSError:
    data = b""
print(data.split(b"\r\n", 1)[0].decode("latin-1") if data else "(closed)")
PY
}
code () { on c curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
body () { on c curl -s --max-time 10 "$@"; }

# ---- malformed requests ------------------------------------------------------------------
printf 'this is not http\r\n\r\n' >"$DD_TMP/garbage.req"
expect_match "garbage: 400" '^HTTP/1\.[01] 400' "$(raw "$DD_TMP/garbage.req")"
long=$(head -c 20000 /dev/zero | tr '\0' a)
expect_eq "a 20 kB URL: 414" 414 "$(code "$W/$long")"
printf 'X-Big: %s\r\n' "$(head -c 30000 /dev/zero | tr '\0' b)" >"$DD_TMP/h30k"
expect_eq "30 kB of headers: 431" 431 "$(code -H @"$DD_TMP/h30k" "$W/")"
# Beyond 64 KiB libsoup 3.2 would close the connection without a word: the worker
# watches the head itself and answers, also to a client still sending.
{ printf 'GET /%s HTTP/1.1\r\nHost: w\r\n\r\n' "$(head -c 100000 /dev/zero | tr '\0' a)"; } >"$DD_TMP/url100k.req"
expect_match "a 100 kB URL: 414" '^HTTP/1\.1 414' "$(raw "$DD_TMP/url100k.req")"
expect_eq "a 100 kB URL through curl: 414" 414 "$(code "$W/$(head -c 100000 /dev/zero | tr '\0' a)")"
{ printf 'GET / HTTP/1.1\r\nHost: w\r\nX-Big: %s\r\n\r\n' "$(head -c 1000000 /dev/zero | tr '\0' b)"; } >"$DD_TMP/h1m.req"
expect_match "a 1 MB header: 431" '^HTTP/1\.1 431' "$(raw "$DD_TMP/h1m.req")"
printf 'X-Big: %s\r\n' "$(head -c 1000000 /dev/zero | tr '\0' b)" >"$DD_TMP/h1m"
expect_eq "a 1 MB header through curl: 431" 431 "$(code -H @"$DD_TMP/h1m" "$W/")"
head -c 10000000 /dev/zero | tr '\0' a >"$DD_TMP/line10m.req"
expect_match "10 MB of request line and no end: 414" '^HTTP/1\.1 414' "$(raw "$DD_TMP/line10m.req")"
expect_eq "bad percent-encoding in the query: 400" 400 "$(code "$W/capture?filter=%zz")"
expect_eq "bad percent-encoding in the path: 4xx" 4 "$(code "$W/capture%zz" | cut -c1)"
expect_match "snaplen=-1: 400 naming it" 'parameter “snaplen”' "$(body "$W/capture?snaplen=-1")"
expect_match "count=abc: 400 naming it" 'parameter “count”' "$(body "$W/capture?count=abc")"
expect_match "duration=1e309: 400 naming it" 'parameter “duration”' "$(body "$W/capture?duration=1e309")"
expect_match "duration=0x10 is not taken for 16 s" 'parameter “duration”' "$(body "$W/capture?duration=0x10")"
expect_eq "duration=0x10 is a 400" 400 "$(code "$W/capture?duration=0x10")"
expect_eq "HEAD /capture: 405" 405 "$(code -I "$W/capture")"
expect_match "...allowing GET only" '^Allow: GET' "$(on c curl -s --max-time 10 -I "$W/capture" | tr -d '\r')"
expect_eq "HEAD /metrics: 200" 200 "$(code -I "$W/metrics")"
for m in POST PUT DELETE OPTIONS; do
  expect_eq "$m /capture: 405" 405 "$(code -X "$m" "$W/capture")"
done
expect_eq "path traversal: 4xx" 4 "$(code --path-as-is "$W/../../etc/passwd" | cut -c1)"
printf 'GET /capture?count=abc HTTP/1.0\r\n\r\n' >"$DD_TMP/http10q.req"
expect_match "HTTP/1.0 without Host, with a query: routed, 400 for the bad count" '^HTTP/1\.[01] 400' "$(raw "$DD_TMP/http10q.req")"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >"$DD_TMP/http10.req"
expect_match "HTTP/1.0 GET /metrics: 200" '^HTTP/1\.[01] 200' "$(raw "$DD_TMP/http10.req")"

# ---- request bodies are refused when the headers arrive, never read ------------------------
base_rss=$(rss_kib "$worker") base_heap=$(heap_kib c "$W")
out=$(on c bash -c "head -c 300000000 /dev/zero | timeout 30 curl -s --max-time 30 -o /dev/null -w '%{http_code}' -X POST -T - '$W/capture'")
expect_eq "a 300 MB POST to /capture: 405" 405 "$out"
out=$(on c bash -c "head -c 300000000 /dev/zero | timeout 30 curl -s --max-time 30 -o /dev/null -w '%{http_code}' -X GET -T - '$W/metrics'")
expect_eq "a GET with a 300 MB body: 413" 413 "$out"
rss=$(rss_kib "$worker") heap=$(heap_kib c "$W")
diag "RSS ${base_rss} → ${rss} KiB"
check "...and the worker read none of it (heap ${base_heap} → ${heap} KiB)" test "$heap" -lt $((base_heap + 16384))
printf 'POST /capture HTTP/1.1\r\nHost: w\r\nContent-Length: 1000000000000\r\n\r\nabc' >"$DD_TMP/hugecl.req"
expect_match "a POST announcing 1 TB: answered at once with 405" '^HTTP/1\.1 405' "$(raw "$DD_TMP/hugecl.req")"
m=$(on c curl -s --max-time 5 "$W/metrics")
expect_match "refusals are counted" '^ddump_worker_requests_refused_total [1-9]' "$m"

# ---- short connections do not leak descriptors --------------------------------------------
on c curl -s --max-time 5 -o /dev/null "$W/metrics"
base_fds=$(fds "$worker")
for i in $(seq 100); do on c curl -s --max-time 5 -o /dev/null "$W/metrics"; done
settled () { [ "$(fds "$worker")" -le "$base_fds" ]; }
check "100 clients that each ask once and leave keep no descriptor ($base_fds before, $(fds "$worker") after)" wait_until 30 settled

# ---- half-open connections are timed out ----------------------------------------------------
on c timeout 60 python3 - 10.200.0.1 8475 500 "$DD_TMP/slow.ready" <<'PY' &
import socket, sys, time
held = []
for i in range(int(sys.argv[3])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
    if i % 2:
        s.send(b"GET /metrics HTTP/1.1\r\nHost: w\r\n")  # never finished
    held.append(s)
open(sys.argv[4], "w").close()
# Until the worker closes them all (or 50 s).
deadline = time.time() + 50
for s in held:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
PY
slow=$!
check "500 half-open connections are made" wait_until 30 test -e "$DD_TMP/slow.ready"
expect_eq "meanwhile /metrics is served" 200 "$(code "$W/metrics")"
bg_on c ping -c 400 -i 0.05 10.200.0.1 >/dev/null; pinger=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/during.pcap" "$W/capture?filter=icmp&count=3"
expect_eq "...and so is a capture" 3 "$(count_packets "$DD_TMP/during.pcap")"
kill "$pinger"; wait "$pinger" 2>/dev/null
check "the worker closes every half-open connection (--request-timeout 2)" wait_exit "$slow" 50
timed_out=$(metric c "$W" connections_timed_out_total)
check "...and counts them ($timed_out)" test "${timed_out:-0}" -ge 500
check "...and their descriptors are released" wait_until 30 settled

# ---- captures opened and closed 200 times ----------------------------------------------------
cycle () {
  local urls=() i
  for i in $(seq "$1"); do urls+=("$W/capture?filter=udp%20port%201&duration=0.01"); done
  on c curl -s --max-time 120 "${urls[@]}" >/dev/null
}
ended () { [ "$(live_captures c "$W")" = 0 ]; }
started=$(captures_started c "$W")
cycle 20
check "20 captures ran (the warm-up)" eval 'wait_captures_started c "$W" $((started + 20)) && wait_until 30 ended'
fds_before=$(fds "$worker"); rss_before=$(rss_kib "$worker"); heap_before=$(heap_kib c "$W")
cycle 200
check "200 captures ran" eval 'wait_captures_started c "$W" $((started + 220)) && wait_until 30 ended'
fds_after=$(fds "$worker"); rss_after=$(rss_kib "$worker"); heap_after=$(heap_kib c "$W")
diag "after 200 capture cycles: fds $fds_before → $fds_after, RSS $rss_before → $rss_after KiB, heap $heap_before → $heap_after KiB"
check "200 capture cycles: no descriptor kept" test "$fds_after" -le "$fds_before"
check "...and the heap does not grow (by less than 1 MiB: $((heap_after - heap_before)) KiB)" \
  test "$heap_after" -lt $((heap_before + 1024))

check "the worker is still running" kill -0 "$worker"
dd_finish
