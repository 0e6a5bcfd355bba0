#!/usr/bin/env bash
# ddump --follow NAME: a workload by name, while its pods come and go. dnsmasq answers for
# app.ddump.test as a headless Service would (an address per pod, each pod's own name by
# PTR), and changes its answer during the capture while datagrams flow, numbered, to every
# pod's address, old and new. The worker's capture moves to the new set without a gap and
# without a duplicate: every datagram to an address while it was in the set is captured
# once, none outside it; the capture says when each joined and left and names each.
#
#   c 10.224.1.1 (ddump, dnsmasq) ── r (the worker: the node, forwarding) ── s (the "pods":
#   10.224.2.11, .12, .13), as a node forwards to its pods: their addresses are not the
#   worker's own.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tshark python3 dnsmasq getent
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

dd_line 224 || skip_all "cannot create network namespaces"
for a in 11 12 13; do ip -n "$(ns s)" addr add "10.224.2.$a/24" dev veth0; done
for h in c r s; do on "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done

# The pods' own names first: dnsmasq answers a PTR query with an address's first name.
pods () {  # the addresses app.ddump.test has now
  { echo "10.224.2.11 pod-a.ddump.test"; echo "10.224.2.12 pod-b.ddump.test"; echo "10.224.2.13 pod-c.ddump.test"
    for a in "$@"; do echo "10.224.2.$a app.ddump.test"; done; } >"$DD_TMP/app.hosts"
}
pods 11 12
mkdir -p "/etc/netns/$(ns c)"
echo "nameserver 127.0.0.1" >"/etc/netns/$(ns c)/resolv.conf"
bg_on c dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
  --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= --user=root --local=/ddump.test/ \
  --local=/224.10.in-addr.arpa/ --log-queries --log-facility="$DD_TMP/dnsmasq.log" --addn-hosts="$DD_TMP/app.hosts"
DNSMASQ=$BG_PID
addresses () { on c getent ahostsv4 app.ddump.test | awk '$2 == "STREAM" { print $1 }' | sort | tr '\n' ' '; }
check "the workload's name gives two pods" wait_until 30 eval '[ "$(addresses)" = "10.224.2.11 10.224.2.12 " ]'
expect_eq "...each its own name by PTR" "pod-a.ddump.test" "$(on c getent hosts 10.224.2.11 | awk '{ print $2 }')"

start_worker r worker --listen 10.224.1.254:8475
check "the worker is up" wait_http c http://10.224.1.254:8475/

ddump_bg follow -v -F pcapng --follow app.ddump.test --resolve-interval 1 -f "udp port 43200" -i veth1 \
  -w "$DD_TMP/follow.pcapng" http://10.224.1.254:8475
out=$(on c timeout 30 "$DDUMP" -w /dev/null --follow nothing.ddump.test http://10.224.1.254:8475 2>&1)
expect_eq "a name with no address at the start: status 2" 2 "$?"
expect_match "...and said" "^ddump: --follow nothing\.ddump\.test: no address" "$out"
check "ddump follows app.ddump.test: the worker captures its two addresses" \
  wait_log "$DD_TMP/follow.log" "following app\.ddump\.test: host 10\.224\.2\.11 or host 10\.224\.2\.12$"
check "...and is capturing" wait_capturing "$DD_TMP/follow.log" http://10.224.1.254:8475

# Datagrams to every pod, old and new, numbered, across the change (10 s at 500 a second).
N=5000
senders=()
for a in 11 12 13; do
  bg_on c timeout 60 "$UDP_SEND" --rate 500 --size 32 "10.224.2.$a" 43200 "$N"
  senders+=("$BG_PID")
done
# The change, once datagrams flow: pod-a goes, pod-c comes.
sent_some () { [ "$(count_packets "$DD_TMP/follow.pcapng")" -ge 200 ]; }
check "datagrams flow" wait_until 30 sent_some
pods 12 13
kill -HUP "$DNSMASQ"
check "ddump sees the change" \
  wait_log "$DD_TMP/follow.log" "following app\.ddump\.test: 10\.224\.2\.13 \(pod-c\.ddump\.test\) joined; 10\.224\.2\.11 left"
check "...and the worker's capture moves to the new set" \
  wait_log "$DD_TMP/follow.log" "handed over to the capture with the filter “host 10\.224\.2\.12 or host 10\.224\.2\.13”"
check "every datagram sent" wait_ok "${senders[@]}"
# The last of them written (the worker's heartbeat lag): pod-b's and pod-c's last.
last_written () { [ "$(count_packets "$DD_TMP/follow.pcapng" "dst host 10.224.2.12 or dst host 10.224.2.13")" -ge $((N + N / 4)) ] &&
  tshark -r "$DD_TMP/follow.pcapng" -Y "udp.dstport == 43200" -T fields -e data.data 2>/dev/null |
  grep -c "^$(printf '%016x' $((N - 1)))" | grep -qx 2; }
check "...and written, the last one to each pod in the set" wait_until 30 last_written
# No pod at all: the capture moves to a filter that takes nothing.
pods
kill -HUP "$DNSMASQ"
check "no pod left: ddump says so" \
  wait_log "$DD_TMP/follow.log" "following app\.ddump\.test: 10\.224\.2\.12 left; 10\.224\.2\.13 left; no address now"
check "...and the worker's capture moves to a filter that takes nothing" \
  wait_log "$DD_TMP/follow.log" "handed over to the capture with the filter “less 1”"
check "ddump ends cleanly on SIGINT" stop "$DPID"

# Each pod's datagrams: the numbers captured, and the times of the first and last.
seqs () {
  tshark -r "$DD_TMP/follow.pcapng" -Y "ip.dst == 10.224.2.$1 && udp.dstport == 43200" \
    -T fields -e frame.time_epoch -e data.data 2>/dev/null |
    python3 -c '
import sys
rows = [l.split("\t") for l in sys.stdin.read().split("\n") if l]
nums = [int(d[:16], 16) for _, d in rows]
dups = len(nums) - len(set(nums))
s = sorted(set(nums))
contiguous = not s or s[-1] - s[0] + 1 == len(s)
print(len(nums), dups, "contiguous" if contiguous else "gaps", s[0] if s else "-", s[-1] if s else "-")'
}
read -r n12 d12 c12 first12 last12 <<<"$(seqs 12)"
expect_eq "pod-b, in the set all along: every datagram, once (no gap, no duplicate at the switch)" \
  "$N 0 contiguous 0 $((N - 1))" "$n12 $d12 $c12 $first12 $last12"
read -r n11 d11 c11 first11 last11 <<<"$(seqs 11)"
expect_eq "pod-a, which left: from the first datagram on, without a gap or a duplicate, until it left" \
  "0 contiguous 0 yes" "$d11 $c11 $first11 $([ "$last11" -lt $((N - 1)) ] && echo yes)"
read -r n13 d13 c13 first13 last13 <<<"$(seqs 13)"
expect_eq "pod-c, which joined: from when it joined to the last datagram, without a gap or a duplicate" \
  "0 contiguous $((N - 1)) yes" "$d13 $c13 $last13 $([ "$first13" -gt 0 ] && echo yes)"
# Sent at the same pace, pod-a's last and pod-c's first are about the same datagram.
expect_eq "...the switch is one point in time for both (pod-a's last and pod-c's first within 50 datagrams)" yes \
  "$([ $((first13 - last11)) -ge -50 ] && [ $((first13 - last11)) -le 50 ] && echo yes)"

report=$(python3 "$PCAPNG_CHECK" "$DD_TMP/follow.pcapng")
expect_match "the capture's header says what was followed from the start" \
  "following app\.ddump\.test: 10\.224\.2\.11 \(pod-a\.ddump\.test\), 10\.224\.2\.12 \(pod-b\.ddump\.test\)" \
  "$(capinfos -k "$DD_TMP/follow.pcapng" 2>/dev/null)"
expect_match "the capture says when pod-c joined and pod-a left (a comment on the worker's interfaces)" \
  "following app\.ddump\.test: 10\.224\.2\.13 \(pod-c\.ddump\.test\) joined; 10\.224\.2\.11 left, at [0-9:.-]+ UTC \(the worker.s clock\)" "$report"
names=$(tshark -r "$DD_TMP/follow.pcapng" -N n -Y "udp.dstport == 43200" -T fields -e ip.dst_host 2>/dev/null | sort -u | tr '\n' ' ')
expect_eq "each address is named by its pod's name (name resolution records)" \
  "pod-a.ddump.test pod-b.ddump.test pod-c.ddump.test " "$names"

dd_finish
