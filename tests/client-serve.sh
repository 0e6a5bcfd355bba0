#!/usr/bin/env bash
# PCAP-over-IP: ddump --serve read by nc | tcpdump and tshark -i TCP@, a stalled client
# beside a reading one, a late joiner of a pcapng stream, ddump chained --serve → tcp://,
# and tcp:// targets fed by tcpdump -w - | nc -l.
#
# Everything runs on the loopback of one test host (namespace "c"). ddump reads its
# packets from a named pipe the test writes into, so packets come exactly when the test
# has its clients connected.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip tcpdump tshark capinfos nc ss ping python3
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
dd_host c || skip_all "cannot create network namespaces"

T0=1700000000000000000
# Packet sources: a header and records, cut apart so they can be written separately.
python3 "$MAKE_CAPTURE" --count 5 --start $T0 "$DD_TMP/five.pcap"
python3 "$MAKE_CAPTURE" --count 100 --start $T0 "$DD_TMP/p100.pcap"
python3 "$MAKE_CAPTURE" --count 200 --start $((T0 + 1000000000)) "$DD_TMP/p200.pcap"
python3 "$MAKE_CAPTURE" --count 20000 --start $T0 --size 200 "$DD_TMP/p20k.pcap"
python3 "$MAKE_CAPTURE" --count 50000 --start $T0 --size 1000 "$DD_TMP/p50k.pcap"
head -c 24 "$DD_TMP/five.pcap" >"$DD_TMP/header"
records () { tail -c +25 "$DD_TMP/$1.pcap"; }

# serve NAME FD ARGS...: ddump in c reading the pipe NAME.feed (the test holds its write
# end on FD), messages in NAME.log; pid in DPID. The pcap header goes in at once.
# Whatever starts in the background while FD is open must close it (7>&-), or ddump
# never sees the end of its input.
serve () {
  local name=$1 fd=$2; shift 2
  mkfifo "$DD_TMP/$name.feed"
  ip netns exec "$(ns c)" "$DDUMP" - "$@" <"$DD_TMP/$name.feed" 2>"$DD_TMP/$name.log" &
  DPID=$!
  DD_PIDS+=("$DPID")
  eval "exec $fd>\"\$DD_TMP/$name.feed\""
  cat "$DD_TMP/header" >&"$fd"
}

# ---- two readers at once: nc | tcpdump and tshark -i TCP@ ---------------------------------
serve live 7 --serve 127.0.0.1:4242 --serve 127.0.0.1:4252
wait_listen c 4242
wait_listen c 4252
expect_match "ddump says where it serves (two addresses)" "serving PCAP-over-IP on 127.0.0.1:4242, 127.0.0.1:4252" "$(cat "$DD_TMP/live.log")"
on c timeout 60 bash -c 'nc 127.0.0.1 4242 | tcpdump -nr - -c 5' >"$DD_TMP/nc-tcpdump.txt" 2>/dev/null 7>&- &
NC=$!; DD_PIDS+=("$NC")
on c timeout 60 tshark -i TCP@127.0.0.1:4252 -c 5 -w "$DD_TMP/tshark-tcp.pcapng" >/dev/null 2>"$DD_TMP/tshark-tcp.log" 7>&- &
TS=$!; DD_PIDS+=("$TS")
check "both readers connect, one to each address" eval 'wait_clients c 4242 1 && wait_clients c 4252 1'
records five >&7
check "nc | tcpdump -c 5 has its packets while the capture goes on" wait_exit $NC 30
expect_eq "... five of them" 5 "$(wc -l <"$DD_TMP/nc-tcpdump.txt")"
check "tshark -i TCP@127.0.0.1:4252 -c 5 has its packets while the capture goes on" wait_exit $TS 30
expect_eq "... five of them" 5 "$(capinfos -Tcr "$DD_TMP/tshark-tcp.pcapng" 2>/dev/null | cut -f2)"
check "ddump is still serving" kill -0 $DPID
exec 7>&-
check "ddump ends with its input" wait_exit $DPID 30
expect_eq "... exit status 0" 0 "$STATUS"

# ---- a stalled client does not slow a reading one -----------------------------------------
serve stall 7 --serve 127.0.0.1:4243 -w "$DD_TMP/stall-direct.pcap"
wait_listen c 4243
# Connects with a small receive buffer and never reads.
on c python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", 4243))
time.sleep(120)' 7>&- &
STALLED=$!; DD_PIDS+=("$STALLED")
on c timeout 60 nc 127.0.0.1 4243 >"$DD_TMP/stall-reader.pcap" 7>&- &
READER=$!; DD_PIDS+=("$READER")
check "a stalled and a reading client are connected" wait_clients c 4243 2
# 50 MB in 25 steps of 2,000 packets; each step waits until the reader has it (but for the
# last packet, which ddump holds until a newer one comes). The reader is then never more
# than a step behind, however loaded the machine, so its 16 MiB backlog never fills,
# while the stalled client's does.
rec=$(( ($(stat -c %s "$DD_TMP/p50k.pcap") - 24) / 50000 ))
reader_has () { has_size "$DD_TMP/stall-reader.pcap" $(( 24 + ($1 * 2000 - 1) * rec )); }
fed=0
for k in $(seq 25); do
  tail -c +$(( 25 + (k - 1) * 2000 * rec )) "$DD_TMP/p50k.pcap" | head -c $(( 2000 * rec )) >&7
  wait_until 30 reader_has "$k" && fed=$k
done
expect_eq "the reading client keeps up with 25 steps of 2,000 packets" 25 "$fed"
exec 7>&-
check "ddump merges 52 MB and ends though one client reads nothing" wait_exit $DPID 30
expect_eq "... exit status 0" 0 "$STATUS"
check "the reading client has its stream" wait_exit $READER 30
expect_eq "... every packet" 50000 "$(count_packets "$DD_TMP/stall-reader.pcap")"
check "... the same bytes as -w wrote" cmp -s "$DD_TMP/stall-direct.pcap" "$DD_TMP/stall-reader.pcap"
expect_match "the stalled client's losses are reported" \
  "PCAP-over-IP client 127\.0\.0\.1:[0-9]+ reads too slowly: its backlog is full and it lost [0-9]+ packets" \
  "$(cat "$DD_TMP/stall.log")"
expect_match "... and counted in the summary" "PCAP-over-IP: 2 clients served, [1-9][0-9]* packets lost" \
  "$(cat "$DD_TMP/stall.log")"

# ---- pcapng: a late joiner gets the section and the interfaces first -------------------------
serve ng 7 -F pcapng --serve 127.0.0.1:4244 -w "$DD_TMP/ng-direct.pcapng"
wait_listen c 4244
on c timeout 60 nc 127.0.0.1 4244 >"$DD_TMP/ng-early.pcapng" 7>&- &
EARLY=$!; DD_PIDS+=("$EARLY")
wait_clients c 4244 1
records p100 >&7
check "the first 100 packets are out" wait_packets "$DD_TMP/ng-direct.pcapng" 100
on c timeout 60 nc 127.0.0.1 4244 >"$DD_TMP/ng-late.pcapng" 7>&- &
LATE=$!; DD_PIDS+=("$LATE")
check "a second pcapng client joins" wait_clients c 4244 2
records p200 >&7
exec 7>&-
check "ddump and both pcapng clients end with the input" eval 'wait_exit $DPID 20 && wait_exit $EARLY 20 && wait_exit $LATE 20'
expect_eq "the early client has every packet" 300 "$(capinfos -Tcr "$DD_TMP/ng-early.pcapng" 2>/dev/null | cut -f2)"
expect_eq "the late client has those from the moment it joined" 200 \
  "$(capinfos -Tcr "$DD_TMP/ng-late.pcapng" 2>/dev/null | cut -f2)"
expect_eq "... with the interface names" "stdin" \
  "$(tshark -r "$DD_TMP/ng-late.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u)"
expect_match "... and ddump's final statistics" "Number of stat entries = [1-9]" \
  "$(capinfos "$DD_TMP/ng-late.pcapng" 2>&1)"

# ---- chained: ddump --serve → ddump tcp:// keeps every packet --------------------------------
serve chain 7 --serve 127.0.0.1:4245 -w "$DD_TMP/chain-a.pcap"
wait_listen c 4245
on c timeout 60 "$DDUMP" tcp://127.0.0.1:4245 -w "$DD_TMP/chain-b.pcap" 2>"$DD_TMP/chain-b.log" 7>&- &
B=$!; DD_PIDS+=("$B")
check "ddump tcp:// connects to ddump --serve" wait_clients c 4245 1
records p20k >&7
exec 7>&-
check "the serving ddump ends with its input" wait_exit $DPID 20
check "the reading ddump ends when the serving one does" wait_exit $B 20
expect_eq "... exit status 0" 0 "$STATUS"
expect_eq "... with every packet" 20000 "$(count_packets "$DD_TMP/chain-b.pcap")"
check "... byte for byte what the serving ddump wrote" cmp -s "$DD_TMP/chain-a.pcap" "$DD_TMP/chain-b.pcap"

# ---- tcp:// from tcpdump -w - | nc -l ------------------------------------------------------
on c bash -c 'tcpdump -i lo -U -w - icmp 2>"$1" | nc -l 127.0.0.1 4246' _ "$DD_TMP/broker-tcpdump.log" &
BROKER=$!; DD_PIDS+=("$BROKER")
wait_listen c 4246
on c timeout 60 "$DDUMP" tcp://127.0.0.1:4246 -c 10 -w "$DD_TMP/broker.pcap" 2>"$DD_TMP/broker.log" &
B=$!; DD_PIDS+=("$B")
wait_clients c 4246 1
check "tcpdump has opened its capture" wait_log "$DD_TMP/broker-tcpdump.log" "listening on lo"
bg_on c ping -c 600 -i 0.05 127.0.0.1 >/dev/null; pinger=$BG_PID
check "ddump reads a PCAP-over-IP stream of tcpdump and stops at -c 10" wait_exit $B 30
expect_eq "... exit status 0" 0 "$STATUS"
expect_eq "... ten ICMP packets" 10 "$(count_packets "$DD_TMP/broker.pcap" icmp)"
kill "$pinger"; wait "$pinger" 2>/dev/null

# ---- -f on streams and files that cannot filter at their source -------------------------
on c timeout 60 bash -c 'nc -l -N 127.0.0.1 4249 <"$1"' _ "$DD_TMP/p100.pcap" &
DD_PIDS+=($!)
wait_listen c 4249
out=$(on c timeout 30 "$DDUMP" -q -f 'udp[12:4] >= 90' tcp://127.0.0.1:4249 | tcpdump -nr - 2>/dev/null | wc -l)
expect_eq "-f on a tcp:// stream: ddump filters it itself (10 of 100)" 10 "$out"
out=$(timeout 30 "$DDUMP" -q -f 'udp[12:4] < 10' "$DD_TMP/p100.pcap" "$DD_TMP/p200.pcap" | tcpdump -nr - 2>/dev/null | wc -l)
expect_eq "-f on files: the same (10 of each)" 20 "$out"
out=$(timeout 30 "$DDUMP" -q -f 'wlan host 1:2:3:4:5:6' "$DD_TMP/p100.pcap" 2>&1 >/dev/null); st=$?
expect_eq "a filter that does not fit the file's link type: exit status 2" 2 "$st"
expect_match "...naming the filter and the link type" "p100\.pcap: link type 276 \(LINUX_SLL2\): invalid filter “wlan host 1:2:3:4:5:6”" "$out"

# ---- errors -------------------------------------------------------------------------------
out=$(on c timeout 30 "$DDUMP" tcp://127.0.0.1:4299 -w /dev/null 2>&1); st=$?
expect_eq "an unreachable tcp:// target: exit status 2" 2 "$st"
expect_match "... named with the reason" "tcp://127\.0\.0\.1:4299: .*[Cc]onnection refused" "$out"
on c timeout 60 bash -c 'echo "not a capture at all, just some text" | nc -l -N 127.0.0.1 4247' &
DD_PIDS+=($!)
wait_listen c 4247
out=$(on c timeout 30 "$DDUMP" tcp://127.0.0.1:4247 -w /dev/null 2>&1); st=$?
expect_eq "a tcp:// stream that is not a capture: exit status 2" 2 "$st"
expect_match "... the parser says why" "tcp://127\.0\.0\.1:4247: .*(magic|not a pcap)" "$out"
out=$(on c timeout 30 "$DDUMP" "$DD_TMP/five.pcap" --serve 127.0.0.1:notaport -w /dev/null 2>&1); st=$?
expect_eq "a bad --serve address: exit status 1" 1 "$st"
expect_match "... named" "--serve 127\.0\.0\.1:notaport" "$out"
on c timeout 60 nc -l 127.0.0.1 4248 >/dev/null &
DD_PIDS+=($!)
wait_listen c 4248
out=$(on c timeout 30 "$DDUMP" "$DD_TMP/five.pcap" --serve 127.0.0.1:4248 -w /dev/null 2>&1); st=$?
expect_eq "a --serve port in use: exit status 2" 2 "$st"
expect_match "... said so" "cannot listen on 127\.0\.0\.1:4248: .*in use" "$out"

dd_finish
