#!/usr/bin/env bash
# ddump as a Wireshark extcap, driven by the real tshark: discovery, configuration, the
# filter check, a capture from two workers in network namespaces, and the errors a
# Wireshark user sees.
#
#        w1 10.202.1.1 ──┐
#                        ├── c (10.202.N.2; runs tshark, which runs ddump)
#        w2 10.202.2.1 ──┘
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tshark capinfos python3
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

# tshark finds extcaps in the personal folder of its configuration directory (4.0);
# WIRESHARK_EXTCAP_DIR is ignored for root.
export WIRESHARK_CONFIG_DIR="$DD_TMP/wireshark"
mkdir -p "$WIRESHARK_CONFIG_DIR/extcap"
ln -s "$DDUMP" "$WIRESHARK_CONFIG_DIR/extcap/ddump"

# ---- discovery and configuration: at once, without the network ------------------------------
dd_host off || skip_all "cannot create network namespaces"
# A host whose network is down (not even loopback): the answers must not need it.
ip -n "$(ns off)" link set lo down
out=$(on off timeout 20 "$DDUMP" --extcap-interfaces --extcap-version=4.0); rc=$?
expect_eq "--extcap-interfaces: exit status 0 without a network" 0 "$rc"
expect_match "...an extcap line with ddump's version and help" "^extcap \{version=[0-9.]+\}\{help=file:///.*/README\.md\}" "$out"
expect_match "...and the ddump interface" "^interface \{value=ddump\}\{display=[^}]+\}$" "$out"
out=$(on off timeout 20 "$DDUMP" --extcap-dlts --extcap-interface ddump)
expect_eq "--extcap-dlts: LINUX_SLL2" "dlt {number=276}{name=LINUX_SLL2}{display=Linux cooked-mode capture v2}" "$out"
out=$(on off timeout 20 "$DDUMP" --extcap-config --extcap-interface ddump)
for call in targets interface snaplen max-delay connect-timeout reconnect keep-going ca cert key netrc-file; do
  expect_match "--extcap-config offers --$call" "^arg \{number=[0-9]+\}\{call=--$call\}" "$out"
done
expect_match "...the worker URLs are required" "\{call=--targets\}.*\{required=true\}" "$out"
expect_match "...files must exist" "\{call=--ca\}.*\{type=fileselect\}.*\{mustexist=true\}" "$out"
out=$(timeout 20 "$DDUMP" --extcap-dlts --extcap-interface eth0 2>&1); rc=$?
expect_eq "another interface name: exit status 1" 1 "$rc"
expect_match "...said so" "unknown extcap interface “eth0”" "$out"

# ---- the filter check ------------------------------------------------------------------------
out=$(timeout 20 "$DDUMP" --extcap-capture-filter 'udp port 53 or (tcp and host 10.0.0.1)' --extcap-interface ddump); rc=$?
expect_eq "a valid capture filter: nothing printed" "0:" "$rc:$out"
out=$(timeout 20 "$DDUMP" --extcap-capture-filter 'udp prot 53' --extcap-interface ddump); rc=$?
expect_eq "an invalid one: exit status 0 (Wireshark reads stdout)" 0 "$rc"
expect_match "...one line naming the filter and libpcap's reason" "^invalid filter “udp prot 53”: .*syntax error" "$out"
expect_eq "...only one" 1 "$(wc -l <<<"$out")"

# ---- tshark -D -------------------------------------------------------------------------------
out=$(timeout 60 tshark -D 2>/dev/null)
expect_match "tshark -D lists the ddump interface, under a short name" "^[0-9]+\. ddump \(ddump\)$" "$out"

# ---- a capture from two workers ----------------------------------------------------------------
dd_host c || skip_all "cannot create network namespaces"
for i in 1 2; do
  dd_host "w$i" && dd_link "w$i" "10.202.$i.1" c "10.202.$i.2" || skip_all "cannot create links"
done
start_workers () {
  local i
  for i in 1 2; do start_worker "w$i" "worker$i" --listen :8475; done
  for i in 1 2; do wait_http c "http://10.202.$i.1:8475/" || return 1; done
}
check "two workers are up" start_workers
W1=http://10.202.1.1:8475 W2=http://10.202.2.1:8475

# mark_captures: notes how many captures each worker has started; both_capturing: until
# each has started one more (the capture of the ddump started after the mark).
mark_captures () { S1=$(captures_started c "$W1") && S2=$(captures_started c "$W2"); }
both_capturing () { wait_captures_started c "$W1" $((S1 + 1)) && wait_captures_started c "$W2" $((S2 + 1)); }

# w1's URL sets its own filter (udp), Wireshark's (port 41100) is ANDed with it: neither
# the pings nor port 41101 may come through.
mark_captures
on c timeout 60 tshark -i ddump -o "extcap.ddump.targets:$W1/capture?filter=udp $W2" -o extcap.ddump.maxdelay:500 \
  -f "port 41100" -c 200 -a duration:60 -w "$DD_TMP/two.pcapng" >"$DD_TMP/tshark.log" 2>&1 &
TS=$!; DD_PIDS+=("$TS")
check "tshark starts ddump, which captures on both workers" both_capturing
on c ping -c 3 -i 0.2 10.202.1.1 >/dev/null
for i in 1 2; do
  on c "$UDP_SEND" --rate 2000 "10.202.$i.1" 41100 100 2>/dev/null
  on c "$UDP_SEND" --rate 2000 "10.202.$i.1" 41101 50 2>/dev/null
done
wait $TS; rc=$?
expect_eq "tshark -c 200 ends well" 0 "$rc"
names=$(tshark -r "$DD_TMP/two.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
expect_eq "every packet sent, each under its host's name" "10.202.1.1/veth0=100 10.202.2.1/veth0=100 " "$names"
expect_eq "...only what both filters let through" 200 \
  "$(tshark -r "$DD_TMP/two.pcapng" -Y 'udp.dstport == 41100' 2>/dev/null | wc -l)"
# tshark's own -c stops dumpcap, which reads no more: the final statistics blocks come
# with Wireshark's stop button (SIGTERM, below), which lets the extcap finish first.
check "...and packets in time order" test "$(tshark -r "$DD_TMP/two.pcapng" -T fields -e frame.time_epoch 2>/dev/null | sort -c -n && echo sorted)" = sorted

# ---- errors, as tshark shows them --------------------------------------------------------------
# ddump opens Wireshark's pipe before anything can fail: dumpcap waits for a writer, and
# would wait for ever for one that exited first (hence the timeouts, which must not hit).
tshark_error () {  # NAME TSHARK-ARGS...: tshark's output in OUT, its status in RC
  local name=$1; shift
  OUT=$(on c timeout 20 tshark -i ddump "$@" -a duration:3 -w "$DD_TMP/$name.pcapng" 2>&1); RC=$?
}
tshark_error bad -o "extcap.ddump.targets:$W1" -f "udp prot 1"
expect_match "a bad capture filter: tshark shows ddump's reason" "invalid filter “udp prot 1”: .*syntax error" "$OUT"
check "...at once" test "$RC" != 124
tshark_error down -o "extcap.ddump.targets:http://10.202.1.1:8499"
expect_match "an unreachable worker: tshark shows which and why" "ddump: http://10\.202\.1\.1:8499: .*[Cc]onnection refused" "$OUT"
expect_eq "...in one line" 1 "$(grep -c '8499' <<<"$OUT")"
check "...at once" test "$RC" != 124
expect_eq "...and fails, as with sshdump (ddump wrote nothing into the pipe)" yes "$([ "$RC" != 0 ] && echo yes || echo "no: $RC")"
tshark_error none
expect_match "no workers configured: tshark says what to set" "no workers to capture from" "$OUT"
check "...at once" test "$RC" != 124
tshark_error url -o "extcap.ddump.targets:ftp://10.202.1.1"
expect_match "a URL ddump cannot use: tshark says which and why" "target 1: unsupported URL scheme “ftp”" "$OUT"
check "...at once" test "$RC" != 124

# ---- SIGTERM, as Wireshark's stop button sends it ----------------------------------------------
fifo="$DD_TMP/ws.fifo"
mkfifo "$fifo"
# ip netns exec execs ddump: the signal goes to ddump itself, not to a subshell. The
# options a newer Wireshark may add are left out, values and all.
mark_captures
ip netns exec "$(ns c)" "$DDUMP" --capture --extcap-interface ddump --fifo "$fifo" --targets "$W1 $W2" \
  --extcap-log-level debug --extcap-some-flag --extcap-capture-filter "udp port 41102" 2>"$DD_TMP/term.log" &
DPID=$!; DD_PIDS+=("$DPID")
timeout 60 cat "$fifo" >"$DD_TMP/term.pcapng" &
CAT=$!
check "the extcap captures on both workers" both_capturing
on c "$UDP_SEND" --rate 2000 10.202.2.1 41102 20 2>/dev/null
check "the extcap capture writes the 20 packets into Wireshark's pipe" wait_packets "$DD_TMP/term.pcapng" 20
stop $DPID TERM; rc=$?
check "...and closes the pipe" wait_exit $CAT 30
expect_eq "SIGTERM ends an extcap capture (with options ddump does not know) with status 0" 0 "$rc"
expect_eq "...and no message" "" "$(cat "$DD_TMP/term.log")"
expect_eq "...after writing what it had, as pcapng" "pcapng 20" \
  "$(capinfos -Tcr -t "$DD_TMP/term.pcapng" 2>/dev/null | awk -F'\t' '{ print ($2 ~ /pcapng/ ? "pcapng" : $2), $3 }')"
# Wireshark's Capture File Properties shows an interface's drops only when it has exactly
# one statistics block, as dumpcap writes. w1 had no packet for this filter: its counters
# are on HOST/any.
stats=$(python3 "$PCAPNG_CHECK" "$DD_TMP/term.pcapng" | python3 -c '
import json, sys
for name, s in sorted(json.load(sys.stdin)["isb_by_interface"].items()):
    print(name, s["count"], "ifdrop=%s" % s.get("ifdrop"), "usrdeliv=%s" % s.get("usrdeliv"))')
expect_eq "...and, last, one statistics block per interface with the worker's kernel drops" \
  "10.202.1.1/any 1 ifdrop=0 usrdeliv=0
10.202.2.1/veth0 1 ifdrop=0 usrdeliv=20" "$stats"

# ---- --keep-going: the missing worker shown in Wireshark while it captures -----------------------
# Wireshark passes its toolbar's control pipes to extcaps that declare controls; what
# ddump writes there shows in the status bar and in the toolbar's log window. tshark
# passes none, so the pipes are played here: a blocking open for writing, as Wireshark's
# GUI does, and a reader that decodes the messages ('T', 24-bit length, control, command).
out=$(timeout 20 "$DDUMP" --extcap-interfaces)
expect_match "--extcap-interfaces declares a log button, so that Wireshark passes its control pipes" \
  "^control \{number=0\}\{type=button\}\{role=logger\}\{display=Log\}" "$out"
mkfifo "$DD_TMP/kg.fifo" "$DD_TMP/kg.in" "$DD_TMP/kg.out"
mark_captures
ip netns exec "$(ns c)" "$DDUMP" --capture --extcap-interface ddump --fifo "$DD_TMP/kg.fifo" \
  --extcap-control-in "$DD_TMP/kg.in" --extcap-control-out "$DD_TMP/kg.out" \
  --targets "$W1 http://10.202.2.1:8499" --keep-going 2>"$DD_TMP/kg.log" &
DPID=$!; DD_PIDS+=("$DPID")
# Wireshark's GUI thread opens the pipe ddump reads, blocking: ddump must be there first.
timeout 20 sh -c 'printf "T\000\000\002\000\000" >"$1"' sh "$DD_TMP/kg.in"; rc=$?
expect_eq "Wireshark's blocking open of the control pipe finds ddump reading (and its Initialized is read)" 0 "$rc"
timeout 60 cat "$DD_TMP/kg.fifo" >"$DD_TMP/kg.pcapng" &
CAT=$!
# The decoder stops once the status bar said twice which worker is missing (it tells it
# again every 10 s, since Wireshark shows a status for a while only).
timeout 40 python3 -c '
import sys
f = open(sys.argv[1], "rb")
told = 0
while True:
    head = f.read(4)
    if len(head) < 4:
        break
    assert head[0:1] == b"T", head
    body = f.read(int.from_bytes(head[1:4], "big"))
    text = body[2:].decode().rstrip("\n")
    print("%s %d %d %s" % ({6: "status", 2: "log"}.get(body[1], "?"), body[0], body[1], text), flush=True)
    told += body[1] == 6 and "missing" in text
    if told == 2:
        break
' "$DD_TMP/kg.out" >"$DD_TMP/kg.messages"; rc=$?
expect_eq "the control messages decode" 0 "$rc"
msgs=$(cat "$DD_TMP/kg.messages")
expect_match "the status bar names the unreachable worker and why, during the capture" \
  "^status 0 6 ddump: http://10\.202\.2\.1:8499: .*[Cc]onnection refused$" "$msgs"
expect_match "...and says the capture goes on with one of two" \
  "^status 0 6 ddump: capturing from 1 of 2 targets; missing: http://10\.202\.2\.1:8499$" "$msgs"
expect_match "...both also in the log window" "^log 0 2 ddump: capturing from 1 of 2 targets" "$msgs"
expect_eq "...and told again in the status bar, not in the log" "2 1" \
  "$(grep -c '^status.*missing' <<<"$msgs") $(grep -c '^log.*missing' <<<"$msgs")"
check "...while the live worker's capture runs" wait_captures_started c "$W1" $((S1 + 1))
on c "$UDP_SEND" --rate 2000 10.202.1.1 41103 20 2>/dev/null
check "...and reaches Wireshark's pipe" wait_packets "$DD_TMP/kg.pcapng" 20
stop $DPID TERM; rc=$?
check "the capture ends on SIGTERM and closes the pipe" wait_exit $CAT 30
expect_eq "...with status 2: a target failed" 2 "$rc"

# ---- meson installs it into Wireshark's extcap directory ---------------------------------------
if [ -n "${BUILD_ROOT:-}" ]; then
  dest="$DD_TMP/destdir"
  timeout 120 meson install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$dest" >"$DD_TMP/install.log" 2>&1
  link=$(find "$dest" -path '*/wireshark/extcap/ddump')
  expect_match "meson install puts ddump in \${libdir}/wireshark/extcap" "/lib/([^/]+/)?wireshark/extcap/ddump$" "$link"
  expect_match "...as a link to the installed ddump" "/bin/ddump$" "$(readlink "$link")"
else
  not_ok "BUILD_ROOT is not set (run through meson test)"
fi

dd_finish
