#!/usr/bin/env bash
# Capture windows: each interface's final statistics block says when its capture began and
# ended, the summary gives the window in which every target was capturing, and
# --sync-start makes the merged capture begin at one moment on every host.
#
#        w1 10.204.1.1 ──┐
#                        ├── c (10.204.N.2; runs ddump, and pings both all along)
#        w2 10.204.2.1 ──┘  its worker starts late: its capture opens last
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl ping python3 tshark
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

dd_host c || skip_all "cannot create network namespaces"
for i in 1 2; do
  dd_host "w$i" && dd_link "w$i" "10.204.$i.1" c "10.204.$i.2" || skip_all "cannot create links"
done
W1="http://10.204.1.1:8475/capture?filter=icmp" W2="http://10.204.2.1:8475/capture?filter=icmp"
start_worker w1 worker1 --listen :8475
check "w1's worker is up" wait_http c http://10.204.1.1:8475/
bg_on c ping -q -i 0.02 -c 3000 10.204.1.1 >/dev/null
bg_on c ping -q -i 0.02 -c 3000 10.204.2.1 >/dev/null

# report FILE: per interface, its first packet and its statistics block's window (ns).
report () {
  python3 "$PCAPNG_CHECK" "$1" >"$DD_TMP/check.json"
  tshark -r "$1" -T fields -e frame.interface_name -e frame.time_epoch 2>/dev/null | python3 -c '
import json, sys
stats = json.load(open(sys.argv[1]))["isb_by_interface"]
first = {}
for line in sys.stdin:
    name, t = line.split()
    sec, _, frac = t.partition(".")
    first.setdefault(name, int(sec) * 10**9 + int(frac.ljust(9, "0")))
for name in sorted(stats):
    s = stats[name]
    print(name, s["count"], s.get("starttime", 0), s.get("endtime", 0), first.get(name, 0))' "$DD_TMP/check.json"
}

# run NAME ARGS...: ddump from c on both workers with --reconnect --keep-going; w2's worker
# starts once w1's capture runs and ddump has tried w2 in vain.
run () {
  local name=$1; shift
  ddump_bg "$name" -v -F pcapng --reconnect --keep-going --duration 4 "$@" "$W1" "$W2"
  wait_capturing "$DD_TMP/$name.log" "$W1" &&
    wait_log "$DD_TMP/$name.log" "10\.204\.2\.1:8475.*(refused|reconnecting)" &&
    start_worker w2 "worker2-$name" --listen :8475 &&
    wait_exit "$DPID" 60
}
check "a capture while w2's worker starts late" run late
expect_eq "...ends with status 3: w2 failed first, then was reconnected" 3 "$STATUS"
stop "$WORKER_PID" TERM
rows=$(report "$DD_TMP/late.out")
diag "$rows"
w1_row=$(grep '^10\.204\.1\.1/' <<<"$rows") w2_row=$(grep '^10\.204\.2\.1/' <<<"$rows")
read -r _ n1 start1 end1 first1 <<<"$w1_row"
read -r _ n2 start2 end2 first2 <<<"$w2_row"
expect_eq "one final statistics block per interface" "1 1" "$n1 $n2"
check "each says when its capture began and ended, around its packets" \
  test "${start1:-0}" -gt 0 -a "${start1:-0}" -le "${first1:-0}" -a "${start2:-0}" -gt 0 -a "${start2:-0}" -le "${first2:-0}" \
  -a "${end1:-0}" -gt "${first1:-0}" -a "${end2:-0}" -gt "${first2:-0}"
check "...w2's began at least 0.3 s after w1's" test $((${start2:-0} - ${start1:-0})) -ge 300000000
check "...and without --sync-start, w1's packets from before it are kept" test "${first1:-0}" -lt "${start2:-0}"
expect_match "the summary gives the window when both were capturing, and how far apart they began" \
  "^ddump: all 2 targets were capturing from [0-9:.]+ to [0-9:.]+ UTC \([0-9.]+ s\); their captures began [0-9.]+ s apart$" \
  "$(cat "$DD_TMP/late.log")"

check "the same with --sync-start" run synced --sync-start
expect_eq "...ends with status 3 as well" 3 "$STATUS"
rows=$(report "$DD_TMP/synced.out")
diag "$rows"
read -r _ n1 start1 end1 first1 <<<"$(grep '^10\.204\.1\.1/' <<<"$rows")"
read -r _ n2 start2 end2 first2 <<<"$(grep '^10\.204\.2\.1/' <<<"$rows")"
check "...w2's capture still began later" test $((${start2:-0} - ${start1:-0})) -ge 300000000
check "...but the merged capture starts once both ran: no packet of w1 from before w2's start" \
  test "${first1:-0}" -ge "${start2:-1}"
expect_match "...and says so, with how far apart the starts were" \
  "^ddump: --sync-start: every capture runs; the merged capture starts at [0-9:.]+ UTC, the latest start \(the starts were [0-9.]+ s apart\)$" \
  "$(cat "$DD_TMP/synced.log")"

dd_finish
