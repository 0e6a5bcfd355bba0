#!/usr/bin/env bash
# ddump-worker capturing real traffic between network namespaces.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump tshark ping python3 setpriv systemd-socket-activate

dd_pair || skip_all "cannot create network namespaces"
start_worker w worker --listen :8475
worker=$WORKER_PID
W=http://10.200.0.1:8475
check "worker is up" wait_http c "$W/"

# Exact packet counts: a capture running while 500 UDP datagrams go from c to w.
bg_on c curl -sN --max-time 30 -o "$DD_TMP/udp.pcap" "$W/capture?filter=udp%20and%20dst%20port%2040000&count=500"
cap=$BG_PID
check "the capture's header arrives" wait_size "$DD_TMP/udp.pcap" 24
on c "$UDP_SEND" --rate 2000 10.200.0.1 40000 500 >/dev/null
check "the capture ends by itself after 500 packets" wait_exit "$cap" 30
expect_eq "every one of 500 UDP datagrams is in the capture" 500 "$(count_packets "$DD_TMP/udp.pcap")"
expect_eq "...with full payloads (snaplen 262144)" 500 "$(tcpdump -nr "$DD_TMP/udp.pcap" 2>/dev/null | grep -c 'UDP, length 32')"

# count= ends the stream by itself.
bg_on c "$UDP_SEND" --rate 200 10.200.0.1 40001 4000 >/dev/null; sender=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/count.pcap" "$W/capture?filter=udp%20port%2040001&count=10"
rc=$?
expect_eq "count=10 ends the response cleanly" 0 "$rc"
expect_eq "...with exactly 10 packets" 10 "$(count_packets "$DD_TMP/count.pcap")"
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null

# duration= on a quiet capture.
on c curl -s --max-time 20 -o "$DD_TMP/dur.pcap" "$W/capture?filter=udp%20port%201&duration=1"
rc=$?
expect_eq "duration=1 ends the response cleanly (not the client's timeout)" 0 "$rc"
check "...as a valid, empty pcap" tcpdump -nr "$DD_TMP/dur.pcap" 2>/dev/null
expect_match "...and the worker says why it ended" 'ended \(duration reached\)' "$(cat "$DD_TMP/worker.log")"

# timeout= ends a capture once no packet came for that long: after 20 datagrams, and on a
# capture that sees none.
bg_on c curl -sN --max-time 30 -o "$DD_TMP/idle.pcap" "$W/capture?filter=udp%20port%2040002&timeout=1"
idle=$BG_PID
check "timeout=1: the capture's header arrives" wait_size "$DD_TMP/idle.pcap" 24
on c "$UDP_SEND" --rate 200 10.200.0.1 40002 20 >/dev/null
check "...it ends by itself once the datagrams stop" wait_exit "$idle" 30
expect_eq "...holding all 20 of them" 20 "$(count_packets "$DD_TMP/idle.pcap")"
expect_match "...and the worker says why it ended" 'ended \(timeout reached\)' "$(cat "$DD_TMP/worker.log")"
on c curl -s --max-time 20 -o "$DD_TMP/idle0.pcap" "$W/capture?filter=udp%20port%201&timeout=0.3"
expect_eq "timeout=0.3 without any packet ends the response cleanly" 0 "$?"
expect_eq "...as a valid, empty pcap" 0 "$(count_packets "$DD_TMP/idle0.pcap")"

# bytes= stops at the packet with which the stream reaches the size: records of 16 + 80
# bytes after a 24-byte header reach 1000 with the 11th (1080 bytes).
bg_on c "$UDP_SEND" --rate 200 10.200.0.1 40003 4000 >/dev/null; sender=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/bytes.pcap" "$W/capture?filter=udp%20port%2040003&bytes=1000"
expect_eq "bytes=1000 ends the response cleanly" 0 "$?"
expect_eq "...after the 11th packet" 11 "$(count_packets "$DD_TMP/bytes.pcap")"
expect_eq "...in a file of 1080 bytes" 1080 "$(stat -c %s "$DD_TMP/bytes.pcap")"
expect_match "...and the worker says why it ended" 'ended \(bytes reached\)' "$(cat "$DD_TMP/worker.log")"
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null

# Own-traffic exclusion with an empty filter, with two captures streaming at once.
# The pings are the other traffic; both captures end once they hold 8 of them.
started=$(captures_started c "$W")
bg_on c curl -sN --max-time 30 -o "$DD_TMP/all1.pcap" "$W/capture?filter=&duration=2.5"; a1=$BG_PID
bg_on c curl -sN --max-time 30 -H 'Accept: application/x-pcapng' -o "$DD_TMP/all2.pcapng" "$W/capture?duration=2.5"; a2=$BG_PID
check "two captures start" wait_captures_started c "$W" $((started + 2))
on c ping -c 10 -i 0.1 10.200.0.1 >/dev/null
check "two captures with an empty filter end by themselves" wait_ok "$a1" "$a2"
expect_eq "an empty filter captures none of the worker's own stream packets" 0 \
  "$(count_packets "$DD_TMP/all1.pcap" tcp port 8475)"
expect_eq "...nor does a concurrent second capture (no amplification)" 0 \
  "$(count_packets "$DD_TMP/all2.pcapng" tcp port 8475)"
check "...while other traffic (ICMP) is captured" test "$(count_packets "$DD_TMP/all1.pcap" icmp)" -ge 8

# pcapng: interface names, directions, statistics.
bg_on c ping -c 100 -i 0.05 10.200.0.1 >/dev/null; pinger=$BG_PID
on c curl -s --max-time 30 -H 'Accept: application/x-pcapng' -o "$DD_TMP/icmp.pcapng" "$W/capture?filter=icmp&count=30"
kill "$pinger"; wait "$pinger" 2>/dev/null
names=$(tshark -r "$DD_TMP/icmp.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
expect_eq "pcapng packets carry the worker's interface name" "veth0 " "$names"
dirs=$(tshark -r "$DD_TMP/icmp.pcapng" -T fields -e icmp.type -e frame.packet_flags_direction 2>/dev/null | sort -u | tr '\n' ' ')
expect_eq "echo requests are inbound, replies outbound (epb_flags)" "0	0x00000002 8	0x00000001 " "$dirs"
info=$(capinfos "$DD_TMP/icmp.pcapng" 2>&1)
expect_match "interface 0 is 'any' and carries the statistics" 'Interface #0 info:' "$info"
chk=$(python3 "$PCAPNG_CHECK" "$DD_TMP/icmp.pcapng")
check "the pcapng stream is well formed, with heartbeats and the watermark kept" \
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert not d["errors"] and not d["watermark_violations"] and d["isb"] >= 5 and d["interfaces"] == ["any", "veth0"], d' "$chk"
expect_match "tcpdump reads the pcapng stream too" 'ICMP echo request' "$(tcpdump -nr "$DD_TMP/icmp.pcapng" 2>/dev/null)"

# interface= selects through ifindex on "any": still one link type.
bg_on w ping -c 400 -i 0.05 127.0.0.1 >/dev/null; p1=$BG_PID
bg_on c ping -c 400 -i 0.05 10.200.0.1 >/dev/null; p2=$BG_PID
on c curl -s --max-time 30 -H 'Accept: application/x-pcapng' -o "$DD_TMP/lo.pcapng" "$W/capture?filter=icmp&interface=lo&count=10"
on c curl -s --max-time 30 -o "$DD_TMP/veth.pcap" "$W/capture?filter=icmp&interface=veth0&interface=lo&count=40"
kill "$p1" "$p2"; wait "$p1" "$p2" 2>/dev/null
names=$(tshark -r "$DD_TMP/lo.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
expect_eq "interface=lo captures only lo" "lo " "$names"
expect_match "two interface= parameters capture both" 'LINUX_SLL2' "$(tcpdump -nr "$DD_TMP/veth.pcap" 2>&1 >/dev/null)"
check "...(both seen)" test "$(count_packets "$DD_TMP/veth.pcap" host 127.0.0.1)" -gt 0 -a \
  "$(count_packets "$DD_TMP/veth.pcap" host 10.200.0.2)" -gt 0

# A unix socket, with the mode and group a proxy needs.
start_worker w unix --listen "unix:$DD_TMP/w.sock" --socket-mode 0660 --socket-group nogroup
wait_until 30 test -S "$DD_TMP/w.sock"
expect_eq "unix socket has the requested mode and group" "660 nogroup" "$(stat -c '%a %G' "$DD_TMP/w.sock" 2>&1)"
bg_on w ping -c 400 -i 0.05 127.0.0.1 >/dev/null; pinger=$BG_PID
on w curl -s --max-time 20 --unix-socket "$DD_TMP/w.sock" -o "$DD_TMP/unix.pcap" "http://worker/capture?filter=icmp&count=4"
kill "$pinger"; wait "$pinger" 2>/dev/null
expect_eq "a capture over the unix socket works" 4 "$(count_packets "$DD_TMP/unix.pcap")"
expect_match "a unix-only worker excludes nothing" 'unix sockets only' "$(cat "$DD_TMP/unix.log")"
stop "$WORKER_PID" TERM; rc=$?
expect_eq "SIGTERM ends the unix-socket worker with status 0" 0 "$rc"
check "...and it removes its socket" test ! -e "$DD_TMP/w.sock"

# SIGTERM: every stream ends with a final chunk, the worker exits 0 within a second.
start_worker w term --listen :8476
T=http://10.200.0.1:8476
wait_http c "$T/"
bg_on c ping -c 600 -i 0.05 10.200.0.1 >/dev/null; pinger=$BG_PID
bg_on c curl -sN --max-time 60 -o "$DD_TMP/term.pcap" "$T/capture?filter=icmp"; t1=$BG_PID
bg_on c curl -sN --max-time 60 -H 'Accept: application/x-pcapng' -o "$DD_TMP/term.pcapng" "$T/capture?filter=icmp"; t2=$BG_PID
check "both streams are under way" eval 'wait_packets "$DD_TMP/term.pcap" 6 && wait_packets "$DD_TMP/term.pcapng" 6'
stop "$WORKER_PID" TERM; rc=$?
expect_eq "SIGTERM: the worker exits 0 (its own bound is 0.8 s)" 0 "$rc"
wait "$t1"; r1=$?; wait "$t2"; r2=$?
expect_eq "...and both clients saw a complete response" "0 0" "$r1 $r2"
kill "$pinger"; wait "$pinger" 2>/dev/null
err=$(tcpdump -nr "$DD_TMP/term.pcap" 2>&1 >/dev/null); rc=$?
check "tcpdump reads the pcap without a truncation error" test $rc = 0 -a -z "$(grep -i trunc <<<"$err")"
err=$(tcpdump -nr "$DD_TMP/term.pcapng" 2>&1 >/dev/null); rc=$?
check "tcpdump reads the pcapng without a truncation error" test $rc = 0 -a -z "$(grep -i trunc <<<"$err")"
check "...and it holds packets" test "$(count_packets "$DD_TMP/term.pcapng")" -gt 5

# Privileges: CAP_NET_RAW is all it takes; without it, a clear 500.
cp "$WORKER" "$DD_TMP/ddump-worker"; chmod 755 "$DD_TMP/ddump-worker"
ip netns exec "$(ns w)" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$DD_TMP/ddump-worker" --listen :8477 >"$DD_TMP/nocap.log" 2>&1 &
DD_PIDS+=($!)
check "an unprivileged worker without CAP_NET_RAW is up" wait_http c http://10.200.0.1:8477/
out=$(on c curl -s -w ' %{http_code}' --max-time 5 "http://10.200.0.1:8477/capture")
expect_match "without CAP_NET_RAW a capture is a 500 that names the capability" 'CAP_NET_RAW.* 500 ?$' "$(tr '\n' ' ' <<<"$out")"
ip netns exec "$(ns w)" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_raw \
  --ambient-caps=+net_raw "$DD_TMP/ddump-worker" --listen :8478 >"$DD_TMP/cap.log" 2>&1 &
DD_PIDS+=($!)
check "an unprivileged worker with CAP_NET_RAW is up" wait_http c http://10.200.0.1:8478/
bg_on c ping -c 400 -i 0.05 10.200.0.1 >/dev/null; pinger=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/cap.pcap" "http://10.200.0.1:8478/capture?filter=icmp&count=2"
kill "$pinger"; wait "$pinger" 2>/dev/null
expect_eq "as an unprivileged user with only CAP_NET_RAW, the worker captures" 2 "$(count_packets "$DD_TMP/cap.pcap")"
check "...and does not warn about root" test -z "$(grep -i 'running as root' "$DD_TMP/cap.log")"
expect_match "as root with every capability, it warns" 'needs only CAP_NET_RAW' "$(cat "$DD_TMP/worker.log")"
caps () { grep -E "^Cap$2:" "/proc/$1/status" | cut -f2; }
expect_eq "...and keeps only CAP_NET_RAW once its sockets are open (effective, permitted, bounding)" \
  "0000000000002000 0000000000002000 0000000000002000" "$(caps "$worker" Eff) $(caps "$worker" Prm) $(caps "$worker" Bnd)"
expect_match "...saying so" 'every capability but CAP_NET_RAW given up, in every thread' "$(cat "$DD_TMP/worker.log")"
expect_eq "...in every one of its threads (GLib's own too)" "0000000000002000" \
  "$(for t in /proc/"$worker"/task/*; do grep -E '^CapEff:' "$t/status" | cut -f2; done | sort -u | tr '\n' ' ' | sed 's/ $//')"
cap_pid=$(pgrep -f "ddump-worker --listen :8478" | head -1)
expect_eq "a worker given only CAP_NET_RAW keeps it, and has nothing to give up" \
  "0000000000002000 0" "$(caps "$cap_pid" Eff) $(grep -c 'given up' "$DD_TMP/cap.log")"

# systemd socket activation: the worker serves the socket it is given, and excludes it.
ip netns exec "$(ns w)" systemd-socket-activate -l 8479 "$WORKER" >"$DD_TMP/activated.log" 2>&1 &
DD_PIDS+=($!)
wait_listen w 8479
bg_on c ping -c 400 -i 0.05 10.200.0.1 >/dev/null; pinger=$BG_PID
on c curl -s --max-time 20 -o "$DD_TMP/act.pcap" "http://10.200.0.1:8479/capture?filter=ip&count=3"
kill "$pinger"; wait "$pinger" 2>/dev/null
expect_eq "a socket-activated worker captures on the socket it was given, and not its own stream" 3 "$(count_packets "$DD_TMP/act.pcap" icmp)"
expect_match "...and excludes its traffic" 'excluded from captures with: tcp port 8479' "$(cat "$DD_TMP/activated.log")"

# --history: a capture with since=-S starts with the packets of the last S seconds.
# It keeps UDP alone: the datagrams this test sends, nothing of the other tests' traffic.
start_worker w history --listen :8480 --history 60 --history-size 4 --history-filter udp
H=http://10.200.0.1:8480
check "a worker with --history 60 is up" wait_http c "$H/"
check "...keeping what it sees" wait_log "$DD_TMP/history.log" "keeping the packets of the last 60 s"
on c "$UDP_SEND" --rate 1000 10.200.0.1 42010 25 >/dev/null
has_history () { [ "$(metric c "$H" history_packets)" -ge 25 ] 2>/dev/null; }
check "...25 datagrams are in its history" wait_until 30 has_history
on c curl -s --max-time 20 -o "$DD_TMP/past.pcap" "$H/capture?filter=udp%20port%2042010&since=-30&count=25"
expect_eq "since=-30&count=25: the 25 datagrams sent before the request" 25 "$(count_packets "$DD_TMP/past.pcap")"
bg_on c curl -sN --max-time 30 -H 'Accept: application/x-pcapng' -o "$DD_TMP/both.pcapng" "$H/capture?filter=udp%20port%2042010&since=-30&count=35"
both=$BG_PID
check "since= then live: the history arrives" wait_packets "$DD_TMP/both.pcapng" 25
on c "$UDP_SEND" --rate 1000 10.200.0.1 42010 10 >/dev/null
check "...and the live packets after it" wait_exit "$both" 30
expect_eq "...35 packets: each once" 35 "$(tcpdump --nano -tt -nr "$DD_TMP/both.pcapng" 2>/dev/null | sort -u | wc -l)"
check "...in time order" eval 'tcpdump --nano -tt -nr "$DD_TMP/both.pcapng" 2>/dev/null | awk "{ print \$1 }" | sort -c -n'
check "...with heartbeats that never pass a packet still to come (pcapng-check)" python3 "$PCAPNG_CHECK" "$DD_TMP/both.pcapng"
on c curl -s --max-time 20 -o "$DD_TMP/past1.pcap" "$H/capture?filter=udp%20port%2042011&since=-30&timeout=1"
expect_eq "...the request's filter applies to the history too (none to port 42011)" 0 "$(count_packets "$DD_TMP/past1.pcap")"
# The byte cap: 6 MB of datagrams into a 4 MiB history.
on c "$UDP_SEND" --rate 20000 --size 1400 10.200.0.1 42012 4000 >/dev/null
has_evicted () { [ "$(metric c "$H" history_evicted_total)" -gt 0 ] 2>/dev/null; }
check "--history-size 4: packets past the cap are let go early, and counted" wait_until 30 has_evicted
expect_eq "...the history stays within 4 MiB" yes "$([ "$(metric c "$H" history_bytes)" -le 4194304 ] && echo yes)"
# A client that reads the history slower than the history keeps it: what was let go under
# it is counted and said, in the log and in the capture, never passed over in silence. Its
# connection holds little (small socket buffers, --stream-buffer 1), so the stream stops
# reading the history early; then 7 MB more evict the 4 MiB it was reading.
start_worker w hlost --listen :8481 --history 60 --history-size 4 --stream-buffer 1 --log-fields
HL=http://10.200.0.1:8481
check "a worker with a 4 MiB history and a 1 MiB stream buffer is up" wait_http c "$HL/"
on w sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536"
on c "$UDP_SEND" --rate 20000 --size 1400 10.200.0.1 42013 2000 >/dev/null
has_2000 () { [ "$(metric c "$HL" history_packets)" -ge 2000 ] 2>/dev/null; }
check "...2000 datagrams (2.8 MB) are in its history" wait_until 30 has_2000
evicted=$(metric c "$HL" history_evicted_total)
cat >"$DD_TMP/slow-reader.py" <<'PY'
import http.client, os, socket, sys, time
host, port, go, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class Small(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(60)
        self.sock.connect((self.host, self.port))
c = Small(host, port)
c.request("GET", "/capture?filter=udp%20port%2042013&since=-60&timeout=2", headers={"Accept": "application/x-pcapng"})
r = c.getresponse()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)  # a reader that does not read, until told (bounded)
open(out, "wb").write(r.read())
PY
bg_on c timeout 90 python3 "$DD_TMP/slow-reader.py" 10.200.0.1 8481 "$DD_TMP/hlost.go" "$DD_TMP/hlost.pcapng"
reader=$BG_PID
throttled () { on c curl -sf --max-time 2 "$HL/captures" | grep -q '"throttled" : true'; }
check "...a since=-60 capture whose reader reads nothing: the stream stops reading the history" wait_until 30 throttled
on c "$UDP_SEND" --rate 20000 --size 1400 10.200.0.1 42014 5000 >/dev/null
more_evicted () { [ "$(metric c "$HL" history_evicted_total)" -gt "$evicted" ] 2>/dev/null; }
check "...7 MB more evict the history under it" wait_until 30 more_evicted
touch "$DD_TMP/hlost.go"
check "...the reader, reading again, gets the end of the capture" wait_exit "$reader" 60
expect_eq "...which is whole" 0 "$STATUS"
lost=$(sed -n 's/.*capture [0-9]* for 10\.200\.0\.2: \([0-9]*\) packets of the history were let go (--history-size) before this capture could send them.*/\1/p' "$DD_TMP/hlost.log")
got=$(count_packets "$DD_TMP/hlost.pcapng")
diag "history: $got packets sent, ${lost:-none} said lost"
check "the worker says how many packets of the history were let go before they were sent" test "${lost:-0}" -gt 0
check "...every one of the 2000 either sent or counted" test $((got + ${lost:-0})) -ge 2000 -a "$got" -lt 2000
expect_match "...and so does the capture, in a statistics block's comment" \
  "\"${lost:-x} packets of the history were let go \(--history-size\) before this capture could send them" \
  "$(python3 "$PCAPNG_CHECK" "$DD_TMP/hlost.pcapng")"
expect_match "...and the audit line of its end" "DDUMP_HISTORY_LOST=\"${lost:-x}\"" "$(cat "$DD_TMP/hlost.log")"

out=$(on c curl -s -w ' %{http_code}' --max-time 10 "$W/capture?since=-5")
expect_match "since= on a worker without --history: 400, saying what is needed" "--history SECONDS.* 400 ?$" "$(tr '\n' ' ' <<<"$out")"

check "the first worker is still running" kill -0 "$worker"
# The shipped unit: systemd-analyze's exposure score (the README records it).
unit_exposure_at_most ddump-worker.service 2.5 "systemd-analyze rates the shipped worker unit at most 2.5"

dd_finish
