#!/usr/bin/env bash
# ddump merging three real workers in network namespaces, with cross traffic.
#
#        w1 10.201.1.1 ──┐
#        w2 10.201.2.1 ──┼── c (10.201.N.2, routes between them; runs ddump)
#        w3 10.201.3.1 ──┘
#
# All namespaces share one clock, so a packet routed w1 → c → w2 must appear in the
# merge as w1's outgoing copy before w2's incoming one.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump tshark ping python3
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

dd_host c || skip_all "cannot create network namespaces"
for i in 1 2 3; do
  dd_host "w$i" && dd_link "w$i" "10.201.$i.1" c "10.201.$i.2" || skip_all "cannot create links"
  ip -n "$(ns "w$i")" route add 10.201.0.0/16 via "10.201.$i.2"
done
on c sysctl -qw net.ipv4.ip_forward=1

start_workers () {
  local i
  for i in 1 2 3; do
    start_worker "w$i" "worker$i" --listen :8475
    eval "WPID$i=$WORKER_PID"
  done
  for i in 1 2 3; do wait_http c "http://10.201.$i.1:8475/" || return 1; done
}
check "three workers are up" start_workers
W1=http://10.201.1.1:8475 W2=http://10.201.2.1:8475 W3=http://10.201.3.1:8475

# capturing NAME URL...: until the ddump_bg run NAME (-v) captures on each worker.
capturing () {
  local name=$1 url; shift
  for url in "$@"; do wait_capturing "$DD_TMP/$name.log" "$url" || return 1; done
}

# traffic PORT: 300 datagrams from c to each worker, and 300 routed from w1 to w2 (seen
# by both), all to PORT: 1500 packets in the three captures.
traffic () {
  local senders=()
  on c "$UDP_SEND" --rate 3000 10.201.1.1 "$1" 300 2>/dev/null & senders+=($!)
  on c "$UDP_SEND" --rate 3000 10.201.2.1 "$1" 300 2>/dev/null & senders+=($!)
  on c "$UDP_SEND" --rate 3000 10.201.3.1 "$1" 300 2>/dev/null & senders+=($!)
  on w1 "$UDP_SEND" --rate 3000 10.201.2.1 "$1" 300 2>/dev/null & senders+=($!)
  wait_ok "${senders[@]}"
}


ordered () {  # FILE: timestamps never go back
  tcpdump --nano -tt -nr "$1" 2>/dev/null | awk '{ print $1 }' | sort -c -n
}

# ---- pcap output: every packet, in order ------------------------------------------------
# -v: debug messages go to stderr, never into the capture on stdout.
ddump_bg pcap -v -f "udp port 41000" "$W1" "$W2" "$W3"
check "the pcap header comes out at once" wait_size "$DD_TMP/pcap.out" 24
check "...and each worker captures" capturing pcap "$W1" "$W2" "$W3"
traffic 41000
check "the merge writes all 1500 packets while it runs" wait_packets "$DD_TMP/pcap.out" 1500
stop "$DPID"; rc=$?
expect_eq "SIGINT ends ddump with status 0" 0 "$rc"
expect_eq "tcpdump reads all 1500 packets of the three captures" 1500 "$(count_packets "$DD_TMP/pcap.out")"
expect_eq "tshark reads them too" 1500 "$(tshark -r "$DD_TMP/pcap.out" 2>/dev/null | wc -l)"
check "their timestamps never go back" ordered "$DD_TMP/pcap.out"
check "-v logs debug messages on stderr" grep -q "ddump-DEBUG" "$DD_TMP/pcap.log"
first_cross=$(tcpdump -nr "$DD_TMP/pcap.out" 'src 10.201.1.1 and dst 10.201.2.1' 2>/dev/null | head -2 | awk '{ print $2, $3 }' | tr '\n' ' ')
expect_match "a routed packet shows w1's outgoing copy before w2's incoming one" "^[^ ]+ Out [^ ]+ In" "$first_cross"
summary=$(cat "$DD_TMP/pcap.log")
expect_match "the summary counts 600 packets for w1" "10\.201\.1\.1:8475: 600 packets" "$summary"
expect_match "...and the total, none late" "1500 packets written to stdout, 0 of them late" "$summary"
expect_match "...with the workers' kernel drops" "0 dropped by the kernel" "$summary"

# ---- files, stdin and link types -------------------------------------------------------
out=$(timeout 30 "$DDUMP" -q "$DD_TMP/pcap.out" - <"$DD_TMP/pcap.out" | tcpdump -nr - 2>/dev/null | wc -l)
expect_eq "a file and stdin merge like mergecap" 3000 "$out"
on c "$UDP_SEND" --rate 50 10.201.1.1 41010 4000 2>/dev/null &
sender=$!
on c timeout 30 tcpdump -i any -y LINUX_SLL -c 5 -w "$DD_TMP/sll.pcap" udp port 41010 2>/dev/null
on c timeout 30 tcpdump -i veth0 -c 5 -w "$DD_TMP/eth.pcap" udp port 41010 2>/dev/null
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null
out=$(timeout 30 "$DDUMP" -q "$DD_TMP/sll.pcap" "$DD_TMP/pcap.out" | tcpdump -nr - 2>&1 | grep -c ' IP 10\.201\.1\.2\.[0-9]* > 10\.201\.1\.1\.41010')
expect_eq "LINUX_SLL packets become LINUX_SLL2 in pcap output" 5 "$out"
out=$(timeout 30 "$DDUMP" -q "$DD_TMP/eth.pcap" "$DD_TMP/pcap.out" 2>&1 >"$DD_TMP/mixed.pcap"); rc=$?
expect_eq "Ethernet beside SLL2 in pcap output: that file is refused (status 2)" 2 "$rc"
expect_match "...saying why and what to do" "eth\.pcap: its link type 1 \(ETHERNET\) cannot go into pcap output of link type 276 \(LINUX_SLL2\); write pcapng" "$out"
expect_eq "...and the other file is still merged" 1500 "$(count_packets "$DD_TMP/mixed.pcap")"
out=$(timeout 30 "$DDUMP" -q -F pcapng "$DD_TMP/eth.pcap" "$DD_TMP/pcap.out" | tshark -r - -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
expect_eq "pcapng output mixes the link types" "eth.pcap=5 pcap.out=1500 " "$out"
on c timeout 30 "$DDUMP" -q --duration 1 "$W1" >/dev/null; rc=$?
expect_eq "--duration 1 ends the run by itself with status 0" 0 "$rc"

# ---- the other limits: --timeout, --bytes; --comment -----------------------------------
# --timeout 3 while w1 sees 50 datagrams a second: the run goes on until they stop.
bg_on c "$UDP_SEND" --rate 50 10.201.1.1 41004 4000 2>/dev/null; sender=$BG_PID
ddump_bg timeout --timeout 3 -f "udp port 41004" "$W1" "$W2"
check "--timeout: packets keep the run going" wait_packets "$DD_TMP/timeout.out" 20
check "...and it is still running" kill -0 "$DPID"
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null
check "...it ends by itself once they stop" wait_exit "$DPID" 30
expect_eq "...with status 0" 0 "$STATUS"
expect_match "...and the summary says why" "stopped: no packet for the --timeout" "$(cat "$DD_TMP/timeout.log")"
on c timeout 30 "$DDUMP" --timeout 0.5 -f "udp port 1" "$W1" >"$DD_TMP/timeout0.out" 2>"$DD_TMP/timeout0.log"; rc=$?
expect_eq "--timeout 0.5 on a quiet capture ends with status 0" 0 "$rc"
expect_eq "...and a valid, empty capture" 0 "$(count_packets "$DD_TMP/timeout0.out")"
# Records of 16 + 80 bytes after pcap's 24-byte header reach 1000 bytes with the 11th.
bg_on c "$UDP_SEND" --rate 200 10.201.1.1 41005 4000 2>/dev/null; sender=$BG_PID
on c timeout 30 "$DDUMP" --bytes 1000 -f "udp port 41005" "$W1" "$W2" >"$DD_TMP/bytes.out" 2>"$DD_TMP/bytes.log"; rc=$?
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null
expect_eq "--bytes 1000 ends the run by itself with status 0" 0 "$rc"
expect_eq "...after the 11th packet" 11 "$(count_packets "$DD_TMP/bytes.out")"
expect_eq "...in 1080 bytes" 1080 "$(stat -c %s "$DD_TMP/bytes.out")"
expect_match "...and the summary says why" "stopped: --bytes reached" "$(cat "$DD_TMP/bytes.log")"
on c timeout 30 "$DDUMP" -q -F pcapng --comment "alert 42" --comment "customer=acme" --duration 0.5 "$W1" >"$DD_TMP/comment.pcapng"
expect_match "--comment goes into the section header, after ddump's own" \
  "Capture comment: +merged by ddump.*Capture comment: +alert 42.*Capture comment: +customer=acme" \
  "$(capinfos -k "$DD_TMP/comment.pcapng" 2>/dev/null | tr '\n' ' ')"
out=$(timeout 10 "$DDUMP" -q --comment x "$W1" 2>&1); rc=$?
expect_eq "--comment with pcap output is a usage error (status 1)" 1 "$rc"
expect_match "...that says why" "--comment needs -F pcapng" "$out"

# ---- pcapng output: host names on interfaces --------------------------------------------
ddump_bg pcapng -v -F pcapng -f "udp port 41001" "$W1" "$W2" "$W3"
wait_size "$DD_TMP/pcapng.out" 28
check "pcapng: each worker captures" capturing pcapng "$W1" "$W2" "$W3"
traffic 41001
wait_packets "$DD_TMP/pcapng.out" 1500
stop "$DPID"
names=$(tshark -r "$DD_TMP/pcapng.out" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
expect_eq "pcapng: packets per HOST/IFACE interface" "10.201.1.1/veth0=600 10.201.2.1/veth0=600 10.201.3.1/veth0=300 " "$names"
expect_eq "tcpdump reads the pcapng output" 1500 "$(count_packets "$DD_TMP/pcapng.out")"
check "...in order" ordered "$DD_TMP/pcapng.out"
isbs=$(tshark -r "$DD_TMP/pcapng.out" -V -c 1 2>/dev/null; capinfos "$DD_TMP/pcapng.out" 2>/dev/null)
expect_match "capinfos sees one interface per host, where its packets are (no empty HOST/any)" \
  "Number of interfaces in file: 3$" "$isbs"
# Wireshark shows an interface's drops only when it has exactly one statistics block.
stats=$(python3 "$PCAPNG_CHECK" "$DD_TMP/pcapng.out" | python3 -c '
import json, sys
for name, s in sorted(json.load(sys.stdin)["isb_by_interface"].items()):
    has = lambda *keys: all(k in s for k in keys)
    print(name, s["count"], "drops" if has("ifdrop", "osdrop") else "-",
          "window" if has("starttime", "endtime") and s["starttime"] < s["endtime"] else "-", s.get("usrdeliv"))')
expect_eq "...each with one final statistics block: the worker's drop counters, its capture window, the packets written" \
  "10.201.1.1/veth0 1 drops window 600
10.201.2.1/veth0 1 drops window 600
10.201.3.1/veth0 1 drops window 300" "$stats"
dirs=$(tshark -r "$DD_TMP/pcapng.out" -Y 'ip.src == 10.201.1.1 and frame.interface_name == "10.201.1.1/veth0"' -T fields -e frame.packet_flags_direction 2>/dev/null | sort | uniq -c | awk '{ print $2 "=" $1 }')
expect_eq "...and the direction of w1's outgoing packets (epb_flags)" "0x00000002=300" "$dirs"

# ---- idle workers do not hold the output -------------------------------------------------
# One packet to w1 while w2 and w3 see nothing: with --max-delay 600000 it would wait ten
# minutes if the idle workers' heartbeats did not release it.
ddump_bg idle -v -q --max-delay 600000 -c 1 -f "udp port 41002" "$W1" "$W2" "$W3"
wait_size "$DD_TMP/idle.out" 24
check "three idle workers capture" capturing idle "$W1" "$W2" "$W3"
on c "$UDP_SEND" 10.201.1.1 41002 1 2>/dev/null
check "a packet on one host gets out on the idle hosts' heartbeats (not after max-delay)" wait_exit "$DPID" 60
expect_eq "-c 1 ends ddump with status 0" 0 "$STATUS"

# ---- a worker killed mid-stream ----------------------------------------------------------
ddump_bg killed -v -f "udp port 41003" "$W1" "$W2" "$W3"
wait_size "$DD_TMP/killed.out" 24
check "three workers capture" capturing killed "$W1" "$W2" "$W3"
{ kill -9 "$WPID3"; wait "$WPID3"; } 2>/dev/null
check "the dead worker's failure is reported as it happens" wait_log "$DD_TMP/killed.log" "10\.201\.3\.1:8475: the stream broke off"
on c "$UDP_SEND" --rate 3000 10.201.1.1 41003 100 2>/dev/null
on c "$UDP_SEND" --rate 3000 10.201.2.1 41003 100 2>/dev/null
check "ddump goes on without the dead worker, merging the others" wait_packets "$DD_TMP/killed.out" 200
check "...still running" kill -0 "$DPID"
stop "$DPID"; rc=$?
expect_eq "...and exits with status 2 (a target failed)" 2 "$rc"
expect_eq "...after writing the others' packets" 200 "$(count_packets "$DD_TMP/killed.out")"
expect_match "the failure is in the summary" "10\.201\.3\.1:8475: .*failed" "$(cat "$DD_TMP/killed.log")"

# ---- --reconnect brings a restarted worker back -----------------------------------------
ddump_bg reconnect -v -k --reconnect -f "udp port 41004" "$W1" "$W3"
check "a worker that is down: ddump says it will retry" wait_log "$DD_TMP/reconnect.log" "10\.201\.3\.1:8475: reconnecting in"
start_worker w3 worker3b --listen :8475
WPID3=$WORKER_PID
wait_http c "$W3/"
check "a worker that was down is retried until it answers" capturing reconnect "$W3"
on c "$UDP_SEND" --rate 3000 10.201.3.1 41004 50 2>/dev/null
wait_packets "$DD_TMP/reconnect.out" 50
stop "$DPID"
expect_eq "...and its packets are merged" 50 "$(count_packets "$DD_TMP/reconnect.out")"

# ---- the reader goes away: | tcpdump -c 5 ------------------------------------------------
on c "$UDP_SEND" --rate 500 10.201.1.1 41005 20000 2>/dev/null &
sender=$!
out=$(on c timeout 30 "$DDUMP" -q -f "udp port 41005" "$W1" "$W2" 2>"$DD_TMP/epipe.log" | tcpdump -c 5 -nr - 2>/dev/null | wc -l; echo "rc=${PIPESTATUS[0]}")
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null
expect_match "| tcpdump -c 5 gets 5 packets and ddump exits 0 by itself (not timeout's 124)" "^5 rc=0$" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
expect_eq "...without an error message" "" "$(cat "$DD_TMP/epipe.log")"

# ---- a named pipe read by tshark ---------------------------------------------------------
fifo="$DD_TMP/ddump.fifo"
ddump_bg fifo -v -F pcapng --fifo "$fifo" -f "udp port 41006" "$W1" "$W2"
check "--fifo creates the named pipe" wait_until 30 test -p "$fifo"
expect_match "...and says it waits for a reader" "waiting for a reader on .*wireshark -k -i" "$(cat "$DD_TMP/fifo.log")"
timeout 60 tshark -i "$fifo" -c 200 -w "$DD_TMP/fifo.pcapng" >/dev/null 2>"$DD_TMP/tshark.log" &
tsh=$!
check "with a reader on the pipe, ddump captures on both workers" capturing fifo "$W1" "$W2"
on c "$UDP_SEND" --rate 2000 10.201.1.1 41006 100 2>/dev/null
on c "$UDP_SEND" --rate 2000 10.201.2.1 41006 100 2>/dev/null
wait "$tsh"; rc=$?
expect_eq "tshark -c 200 ends by itself" 0 "$rc"
expect_eq "tshark reads all 200 packets live from the pipe" 200 "$(tshark -r "$DD_TMP/fifo.pcapng" 2>/dev/null | wc -l)"
stop "$DPID"
check "ddump removes the pipe it created" test ! -e "$fifo"

# ---- errors at the start -----------------------------------------------------------------
out=$(on c timeout 20 "$DDUMP" -q "$W1" "http://10.201.1.1:1" 2>&1 >/dev/null); rc=$?
expect_eq "an unreachable target fails the run (status 2)" 2 "$rc"
expect_match "...naming it" "http://10\.201\.1\.1:1: .*(refused|connect)" "$out"
ddump_bg keep -v -k -f "udp port 41007" "$W1" "http://10.201.1.1:1"
check "--keep-going captures on the worker that answers" capturing keep "$W1"
check "--keep-going reports the unreachable target" wait_log "$DD_TMP/keep.log" "http://10\.201\.1\.1:1: "
on c "$UDP_SEND" 10.201.1.1 41007 10 2>/dev/null
wait_packets "$DD_TMP/keep.out" 10
check "--keep-going goes on without it" kill -0 "$DPID"
stop "$DPID"
expect_eq "...writing the other target's packets" 10 "$(count_packets "$DD_TMP/keep.out")"
out=$(on c timeout 20 "$DDUMP" -q -f "this is not bpf" "$W1" 2>&1 >/dev/null); rc=$?
expect_eq "a bad filter fails the run (status 2)" 2 "$rc"
expect_match "...with the worker's message" "^ddump: http://10\.201\.1\.1:8475: 400 Bad Request: .*syntax error" "$out"
out=$(on c timeout 20 "$DDUMP" -q --cert x.pem "$W1" 2>&1 >/dev/null); rc=$?
expect_eq "--cert without --key is a usage error (status 1)" "1 --cert and --key go together" "$rc $(sed 's/^ddump: //' <<<"$out")"

# Three workers on one host: told apart by their ports, in messages and interface names.
for p in 19011 19012 19013; do start_worker w3 "port$p" --listen "127.0.0.1:$p"; done
check "three workers listen on one host" eval 'for p in 19011 19012 19013; do wait_listen w3 $p || exit 1; done'
bg_on w3 ping -q -i 0.02 -c 2000 127.0.0.1 >/dev/null
PING_PID=$BG_PID
on w3 timeout 60 "$DDUMP" -F pcapng -c 60 -f icmp http://127.0.0.1:19011 http://127.0.0.1:19012 \
  "http://127.0.0.1:19013/capture?snaplen=200" >"$DD_TMP/ports.pcapng" 2>"$DD_TMP/ports.log"
expect_eq "ddump merges them" 0 $?
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
expect_eq "pcapng: one interface name per worker" "127.0.0.1:19011/lo 127.0.0.1:19012/lo 127.0.0.1:19013/lo " \
  "$(tshark -r "$DD_TMP/ports.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')"
expect_match "the summary names each as typed" \
  "http://127\.0\.0\.1:19011: .*http://127\.0\.0\.1:19012: .*http://127\.0\.0\.1:19013/capture\?snaplen=200: " \
  "$(tr '\n' ' ' < "$DD_TMP/ports.log")"
expect_eq "...with no #2 anywhere" 0 "$(grep -c '#[0-9]' "$DD_TMP/ports.log")"

dd_finish
