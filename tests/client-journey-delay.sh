#!/usr/bin/env bash
# The packet journey's delays (issue 24): the cable from the router to the server goes
# through a host that holds every frame 20 ms (this kernel has no netem: dd-hold-forward,
# AF_PACKET). ddump --journey finds the 20 ms on that hop, within the error bound of the
# two hosts' clocks (plus what holding a frame adds: never less, at most 2 ms more), and
# none on the others. ddump reaches the server's worker by a cable of its own, so that the
# server's clock is measured without the delay.
#
#   c 10.233.1.1 ──── r ──── d (holds 20 ms) ──── 10.233.2.1 s
#   c 10.233.3.1 ───────────────────────────────── 10.233.3.2 s
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip ethtool python3 tcpdump
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
[ -n "${HOLD_FORWARD:-}" ] || skip_all "HOLD_FORWARD is not set (run through meson test)"
DELAY=20
dd_line 233 "$DELAY" || skip_all "cannot create network namespaces"

N=200
check "a worker on each host, ddump --journey capturing the three" line_journey 233 delay 'capture?filter=udp+port+5002'
check "$N datagrams from the client to the server, held $DELAY ms on the way" \
  on c timeout 30 "$UDP_SEND" --rate 1000 --size 64 10.233.2.1 5002 "$N"
has_copies () { [ "$(count_packets "$DD_TMP/delay.pcapng")" -ge $((4 * N)) ]; }
check "...every copy written" wait_until 60 has_copies
check "ddump ends cleanly on SIGINT" stop "$DPID"

hop () {  # FROM TO: matched lost min p50 max error, in ns
  python3 - "$DD_TMP/delay.json" "$@" <<'PY'
import json, sys
r, frm, to = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
h = next(h for h in r["hops"] if h["from"] == frm and h["to"] == to)
d = h["delay_ns"]
print(h["matched"], h["lost"], d["min"], d["p50"], d["max"], h["error_ns"])
PY
}
read -r matched lost min p50 max err <<<"$(hop 'r/veth1 out' 's/veth0 in')"
expect_eq "the held hop: every datagram, none lost" "$N 0" "$matched $lost"
# Measured through the held path, a clock's round trip would take twice the delay and its
# error bound be at least the delay; by the cable of its own, it is what the machine's load
# makes it (a tenth of a millisecond idle, more under sanitizers on a loaded machine).
expect_eq "...an error bound from clocks measured without the delay (under half of it)" yes \
  "$([ "$err" -lt $((DELAY * 1000000 / 2)) ] && echo yes)"
expect_eq "...$DELAY ms, within the error bound (± $err ns) and what holding adds (at most 2 ms)" yes \
  "$([ "$min" -ge $((DELAY * 1000000 - err)) ] && [ "$p50" -le $((DELAY * 1000000 + err + 2000000)) ] && echo yes)"
[ "$min" -ge $((DELAY * 1000000 - err)) ] && [ "$p50" -le $((DELAY * 1000000 + err + 2000000)) ] ||
  diag "min $min p50 $p50 max $max error $err"
read -r matched lost min p50 max err <<<"$(hop 'c/veth0 out' 'r/veth0 in')"
expect_eq "the hop from the client: no such delay (under a millisecond, but for the clocks)" yes \
  "$([ "$matched" = "$N" ] && [ "$p50" -lt $((1000000 + err)) ] && echo yes)"
expect_match "the page shows the held hop" "r/veth1 out → s/veth0 in \\($N packets\\)" "$(cat "$DD_TMP/delay.html")"

dd_finish
