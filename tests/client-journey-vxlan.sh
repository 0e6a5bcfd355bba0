#!/usr/bin/env bash
# The packet journey through a tunnel (issue 24): the router and the server carry the
# client's traffic in VXLAN, so that four of a datagram's six capture points see it plain
# and two inside VXLAN (UDP 4789). ddump --journey matches all six copies, the inner
# packet being the packet, and finds no loss.
#
#   c 10.234.1.1 ── r ═══ VXLAN 42 over 10.234.2.0/24 ═══ s     (10.234.9.1 r, 10.234.9.2 s)
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip python3 tcpdump tshark
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
dd_line 234 || skip_all "cannot create network namespaces"
on r ip link add vx0 type vxlan id 42 local 10.234.2.254 remote 10.234.2.1 dstport 4789 dev veth1 &&
  on s ip link add vx0 type vxlan id 42 local 10.234.2.1 remote 10.234.2.254 dstport 4789 dev veth0 ||
  skip_all "VXLAN links cannot be made here"
on r ip addr add 10.234.9.1/24 dev vx0 && on r ip link set vx0 up
on s ip addr add 10.234.9.2/24 dev vx0 && on s ip link set vx0 up

N=100
check "a worker on each host, ddump --journey capturing the three" \
  line_journey 234 vxlan 'capture?filter=udp+port+5003+or+udp+port+4789'
check "$N datagrams from the client to the server's tunnel address" \
  on c timeout 30 "$UDP_SEND" --rate 1000 --size 64 10.234.9.2 5003 "$N"
has_copies () { [ "$(count_packets "$DD_TMP/vxlan.pcapng")" -ge $((6 * N)) ]; }
check "...every copy written, 6 of each (2 of them in VXLAN)" wait_until 60 has_copies
check "ddump ends cleanly on SIGINT" stop "$DPID"

# (The tunnel carries its own packets too, ARP and neighbour discovery: VXLAN packets
# whose inner packet is not IP are followed as the UDP they are, on 2 points.)
expect_eq "the journey: 5 hops into the tunnel and out, every datagram on each, nothing lost anywhere" \
  "c/veth0 out>r/veth0 in|r/veth0 in>r/vx0 out|r/vx0 out>r/veth1 out|r/veth1 out>s/veth0 in|s/veth0 in>s/vx0 in 0" \
  "$(python3 -c '
import json, sys
hops, n = json.load(open(sys.argv[1]))["hops"], int(sys.argv[2])
print("|".join("%s>%s" % (h["from"], h["to"]) for h in hops if h["matched"] >= n), sum(h["lost"] for h in hops))' \
     "$DD_TMP/vxlan.json" "$N")"
expect_eq "...each datagram's 6 copies share a packet id" "$N" \
  "$(timeout 60 tshark -r "$DD_TMP/vxlan.pcapng" -T fields -e frame.packet_id 2>/dev/null | sort | uniq -c | awk '$1 == 6' | wc -l)"
expect_eq "...and the copies in VXLAN are seen for what they carry" "$N" \
  "$(timeout 60 tshark -r "$DD_TMP/vxlan.pcapng" -Y 'vxlan && udp.dstport == 5003 && frame.interface_name == "s/veth0"' 2>/dev/null | wc -l)"

dd_finish
