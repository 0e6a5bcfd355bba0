#!/usr/bin/env bash
# The packet journey through NAT (issue 24): the router masquerades the client's traffic
# (nftables), so that a packet's addresses and ports change on the way. ddump --journey
# matches its copies all the same, says which translation it saw, and finds no loss where
# there is none: UDP, and a TCP transfer with the veths' segmentation offloads on (TSO,
# GSO and GRO, as the kernel sets them for veth).
#
#   c 10.232.1.1 ──── 10.232.1.254 r 10.232.2.254 ──── 10.232.2.1 s     (r masquerades to s)
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip nft ethtool tshark python3 tcpdump
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
dd_line 232 || skip_all "cannot create network namespaces"
on r nft -f - <<'NFT' || skip_all "nftables cannot translate in a namespace here"
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "veth1" ip saddr 10.232.1.0/24 masquerade
  }
}
NFT
# Offloads on (veth has TSO and GSO on, GRO off until asked): a capture point may see one
# frame where another sees several.
for hv in c:veth0 r:veth0 r:veth1 s:veth0; do on "${hv%%:*}" ethtool -K "${hv#*:}" gro on tso on gso on 2>/dev/null; done
on s ethtool -K veth0 tso off gso off
expect_match "the veths segment and coalesce (TSO, GSO, GRO on)" \
  "tcp-segmentation-offload: on generic-segmentation-offload: on generic-receive-offload: on" \
  "$(on r ethtool -k veth1 | grep -E '^(tcp-segmentation|generic-segmentation|generic-receive)-offload' | tr '\n' ' ')"


# A TCP server on s that sends 2 MB to whoever connects, then closes.
bg_on s timeout 60 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.232.2.1", 6000)); s.listen(1)
c, _ = s.accept(); c.sendall(bytes(range(256)) * 8192); c.close()'
check "the TCP server listens" wait_listen s 6000

N=200
check "a worker on each host, ddump --journey capturing the three" \
  line_journey 232 nat 'capture?filter=udp+port+5001+or+tcp+port+6000'
check "$N datagrams from the client to the server, through NAT" \
  on c timeout 30 "$UDP_SEND" --rate 2000 --size 64 10.232.2.1 5001 "$N"
received=$(on c timeout 30 python3 -c '
import socket
s = socket.create_connection(("10.232.2.1", 6000), timeout=20); n = 0
while True:
    b = s.recv(65536)
    if not b: break
    n += len(b)
print(n)')
expect_eq "2 MB over TCP from the server to the client, through NAT" 2097152 "$received"
# Everything is in the file once a datagram sent after the rest came through on each
# host (the journey's window over for it): the last one, numbered N.
check "one more datagram" on c timeout 30 "$UDP_SEND" --size 64 10.232.2.1 5001 1
last_in () { [ "$(timeout 30 tshark -r "$DD_TMP/nat.pcapng" -Y 'udp.port == 5001' 2>/dev/null | wc -l)" -ge $((4 * (N + 1))) ]; }
check "...every copy of every datagram written" wait_until 60 last_in
check "ddump ends cleanly on SIGINT" stop "$DPID"

report () {  # PYTHON EXPRESSION on the report r
  python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($1)" "$DD_TMP/nat.json"
}
expect_eq "no packet lost on any hop, none uncaught" "0 0" \
  "$(report 'sum(h["lost"] for h in r["hops"]), sum(h["not_captured"] for h in r["hops"])' | tr -d '(),')"
expect_eq "...the hops of both directions, each way through the router" \
  "$(printf '%s\n' 'c/veth0 out>r/veth0 in' 'r/veth0 in>r/veth1 out' 'r/veth1 out>s/veth0 in' \
       's/veth0 out>r/veth1 in' 'r/veth1 in>r/veth0 out' 'r/veth0 out>c/veth0 in' | sort | tr '\n' '|')" \
  "$(report '"".join(sorted(h["from"] + ">" + h["to"] + "|" for h in r["hops"]))')"
expect_match "...the translation seen where it happens (the router, leaving for the server)" \
  '^10\.232\.1\.1:[0-9]+ > 10\.232\.2\.1:(5001|6000) became 10\.232\.2\.254:[0-9]+ > 10\.232\.2\.1:(5001|6000)$' \
  "$(report 'next(h["translation"] for h in r["hops"] if h["from"] == "r/veth0 in" and h["to"] == "r/veth1 out")')"
expect_eq "...and only there and on the way back" "r/veth0 in>r/veth1 out r/veth1 in>r/veth0 out" \
  "$(report '" ".join(h["from"] + ">" + h["to"] for h in r["hops"] if h["translated"] > 0)')"
# TCP's bytes by their sequence numbers: the server's segments (no offload there) are
# coalesced by the router's GRO, so that one frame from the router on holds the bytes of
# several: each of those has its packet id on the server's copy alone, the frame its own
# on its 3 copies, and a comment that names the ids it holds.
copies=$(timeout 60 tshark -r "$DD_TMP/nat.pcapng" -T fields -e frame.packet_id 2>/dev/null | sort -n | uniq -c)
expect_eq "every packet id is on 4 copies (the whole way), or 1 and 3 (bytes coalesced on the way)" "" \
  "$(awk '$1 != 4 && $1 != 1 && $1 != 3' <<<"$copies" | head -5)"
singles=$(awk '$1 == 1' <<<"$copies" | wc -l)
expect_match "...some were coalesced (the router's GRO)" '^[1-9][0-9]*$' "$singles"
expect_eq "...and the frames that hold them say so, one by one: as many packets as have one copy" "$singles" \
  "$(timeout 60 tshark -r "$DD_TMP/nat.pcapng" -T fields -e frame.comment -Y 'frame.comment contains "the bytes of"' 2>/dev/null |
       sed -n 's/.*the bytes of \([0-9]*\) packets seen at s\/veth0 out.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')"
expect_match "the table on stderr names the translation" "journey: r/veth0 in to r/veth1 out: addresses translated on [0-9]+ packets" \
  "$(cat "$DD_TMP/nat.log")"

dd_finish
