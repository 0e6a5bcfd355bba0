#!/usr/bin/env bash
# The packet journey (issue 24): a client, a router and a server in a line, a worker on
# each, UDP from the client to the server through the router, which drops a share of it
# (nftables, whose counter says how many). ddump --journey matches each packet's copies
# on every host: the same epb_packetid on each, the delay since the point before, and the
# loss located on the hop where it happened (between the router's interfaces), counted as
# nftables counts it, and nowhere else.
#
#   c 10.231.1.1 ──── 10.231.1.254 r 10.231.2.254 ──── 10.231.2.1 s
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip nft tshark python3 tcpdump file
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
dd_line 231 || skip_all "cannot create network namespaces"
on r nft -f - <<'NFT' || skip_all "nftables cannot filter in a namespace here"
table inet loss {
  chain forward {
    type filter hook forward priority 0;
    udp dport 5000 numgen random mod 100 < 10 counter drop
  }
}
NFT
dropped () { on r nft list chain inet loss forward | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }

N=400
check "a worker on each host, ddump --journey capturing the three" line_journey 231 journey 'capture?filter=udp+port+5000'
check "$N datagrams from the client to the server" on c timeout 30 "$UDP_SEND" --rate 2000 --size 64 10.231.2.1 5000 "$N"
d=$(dropped)
expect_match "...the router dropped some of them (nftables counted $d)" '^[1-9][0-9]*$' "$d"
# Each datagram leaves the client and enters the router; those not dropped leave the
# router and enter the server. Once the journey's window is over for the last of them
# (the merge goes on with the workers' heartbeats), the file holds every copy.
has_copies () { [ "$(count_packets "$DD_TMP/journey.pcapng")" -ge $((4 * N - 2 * d)) ]; }
check "...every copy written, $((4 * N - 2 * d)) of them" wait_until 60 has_copies
check "ddump ends cleanly on SIGINT" stop "$DPID"

hop () {  # FROM TO FIELD: a number of the JSON report
  python3 - "$DD_TMP/journey.json" "$@" <<'PY'
import json, sys
report, frm, to, field = json.load(open(sys.argv[1])), *sys.argv[2:]
for h in report["hops"]:
    if h["from"] == frm and h["to"] == to:
        v = h
        for k in field.split("."):
            v = v[k]
        print(v)
        break
else:
    print("no such hop")
PY
}
expect_eq "the report follows every datagram" "$N" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$DD_TMP/journey.json")"
expect_eq "...the hops in the order the packets take them" \
  "c/veth0 out>r/veth0 in|r/veth0 in>r/veth1 out|r/veth1 out>s/veth0 in" \
  "$(python3 -c 'import json,sys; print("|".join(h["from"] + ">" + h["to"] for h in json.load(open(sys.argv[1]))["hops"]))' "$DD_TMP/journey.json")"
expect_eq "...the client to the router: all matched, none lost" "$N 0 0" \
  "$(hop 'c/veth0 out' 'r/veth0 in' matched) $(hop 'c/veth0 out' 'r/veth0 in' lost) $(hop 'c/veth0 out' 'r/veth0 in' not_captured)"
expect_eq "...through the router: the loss is there, as nftables counted it" "$((N - d)) $d 0" \
  "$(hop 'r/veth0 in' 'r/veth1 out' matched) $(hop 'r/veth0 in' 'r/veth1 out' lost) $(hop 'r/veth0 in' 'r/veth1 out' not_captured)"
expect_eq "...the router to the server: none lost" "$((N - d)) 0 0" \
  "$(hop 'r/veth1 out' 's/veth0 in' matched) $(hop 'r/veth1 out' 's/veth0 in' lost) $(hop 'r/veth1 out' 's/veth0 in' not_captured)"
# (The hosts share one clock here: a delay is off by what the measure of their offsets
# erred, within the error bound.)
expect_eq "...delays that are delays: none below minus its error bound, none above a second" "ok" \
  "$(python3 -c '
import json, sys
hops = json.load(open(sys.argv[1]))["hops"]
print("ok" if all(-h["error_ns"] <= h["delay_ns"]["min"] <= h["delay_ns"]["p50"] <= h["delay_ns"]["max"] < 10**9
                  for h in hops) else hops)' "$DD_TMP/journey.json")"
expect_eq "...an error bound from the two hosts' measured clocks between hosts, none within the router" "yes 0" \
  "$([ "$(hop 'c/veth0 out' 'r/veth0 in' error_ns)" -gt 0 ] && echo yes) $(hop 'r/veth0 in' 'r/veth1 out' error_ns)"
expect_match "the table on stderr says the same" "r/veth0 in +r/veth1 out +$((N - d)) +$d +0 " "$(cat "$DD_TMP/journey.log")"

# In the capture: a packet id shared by each datagram's copies (4, or 2 for those
# dropped), the delay on each later copy, the loss on the last copy of a dropped one.
ids=$(timeout 60 tshark -r "$DD_TMP/journey.pcapng" -T fields -e frame.packet_id 2>/dev/null | sort -n | uniq -c | awk '{ print $1 }' | sort | uniq -c | xargs)
expect_eq "tshark: $((N - d)) packet ids on 4 copies each, $d on 2" "$d 2 $((N - d)) 4" "$ids"
expect_eq "...a comment with the delay on each later copy" $((3 * N - 2 * d)) \
  "$(timeout 60 tshark -r "$DD_TMP/journey.pcapng" -Y 'frame.comment contains "ms after"' 2>/dev/null | wc -l)"
expect_eq "...and \"lost after this point\" on the router's copy of each dropped one" "$d" \
  "$(timeout 60 tshark -r "$DD_TMP/journey.pcapng" -T fields -e frame.interface_name \
       -Y 'frame.comment contains "lost after this point"' 2>/dev/null | grep -c '^r/veth0$')"

# The page, in a real browser (headless Chromium, nothing fetched: the network is not
# there): it renders without errors, with the three hops, and its ladder of the flow's
# first packets marks as lost exactly those of them whose copies say so.
if command -v chromium >/dev/null; then
  browse () { timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
                --enable-logging=stderr --v=0 "$@" "file://$DD_TMP/journey.html" 2>"$DD_TMP/chromium.err"; }
  check "chromium renders the page" browse --screenshot="$DD_TMP/journey.png" --window-size=1000,3000
  expect_match "...a picture of it" "PNG image data, 1000 x 3000" "$(file "$DD_TMP/journey.png")"
  dom=$(browse --dump-dom)
  expect_eq "...no script or page error" "" "$(grep -iE 'uncaught|console\(|ERROR:.*(page|script)' "$DD_TMP/chromium.err" | head -3)"
  expect_eq "...the three hops in its table" "3" "$(grep -o '<tr class="hop">' <<<"$dom" | wc -l)"
  expect_match "...the router's hop with its loss" "<td>r/veth0 in</td><td>r/veth1 out</td><td>$((N - d))</td><td class=\"lost\">$d</td>" "$dom"
  expect_eq "...a distribution of the delays of each hop" 3 "$(grep -o '<polyline class="cdf"' <<<"$dom" | wc -l)"
  shown=$(grep -o 'class="packet[a-z ]*" data-id="[0-9]*"' <<<"$dom" | sed 's/.*data-id="\([0-9]*\)"/\1/' | sort -n)
  marked=$(grep -o 'class="packet lost" data-id="[0-9]*"' <<<"$dom" | sed 's/.*data-id="\([0-9]*\)"/\1/' | sort -n | xargs)
  said=$(timeout 60 tshark -r "$DD_TMP/journey.pcapng" -T fields -e frame.packet_id \
           -Y 'frame.comment contains "lost after this point"' 2>/dev/null | grep -Fx -f <(echo "$shown") | sort -n | xargs)
  expect_eq "...the ladder: 100 packets of the flow, the lost ones marked as their last copies say" "100 $said" \
    "$(wc -l <<<"$shown") $marked"
else
  not_ok "chromium is not installed: the page cannot be checked"
fi

# Usage: pcapng only, a window in range.
expect_match "--journey with pcap output is a usage error" "--journey and --journey-html need -F pcapng.*status 1" \
  "$({ timeout 10 "$DDUMP" --journey -w /dev/null x.pcap 2>&1; echo "status $?"; } | tr '\n' ' ')"
expect_match "--journey-window 0 is refused" "--journey-window from 1 to 600000.*status 1" \
  "$({ timeout 10 "$DDUMP" -F pcapng --journey --journey-window 0 -w /dev/null x.pcap 2>&1; echo "status $?"; } | tr '\n' ' ')"

dd_finish
