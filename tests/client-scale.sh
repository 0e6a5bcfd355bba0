#!/usr/bin/env bash
# ddump merging many streams at once: 1,000 HTTP streams served by a real nginx in another
# namespace, through a memory budget far smaller than the data, every packet in order;
# the descriptor limit named when it is too low; --memory checked.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip nginx curl python3

dd_pair || skip_all "cannot create network namespaces"
S=http://10.200.0.1:8080

mkdir -p "$DD_TMP/www"
python3 "$MAKE_CAPTURE" --hosts 1000 --count 200 --step 1000 "$DD_TMP/www/s%d.pcap"
nginx_config "$DD_TMP/nginx.conf" 2048 <<CONF
  server { listen 10.200.0.1:8080; root $DD_TMP/www; }
CONF
bg_on w nginx -c "$DD_TMP/nginx.conf"
check "nginx serves the streams" wait_until 30 on c curl -s --max-time 5 -o /dev/null "$S/s1.pcap"

urls () { for k in $(seq "$1"); do echo "$S/s$k.pcap"; done; }

# ---- many streams, little memory -------------------------------------------------------------
# 1,000 streams of 16 kB each through 2 MiB: the streams furthest ahead wait, none is lost.
mapfile -t all < <(urls 1000)
# Recorded streams: the merge may wait for each as long as it takes (--max-delay 600000;
# the run is bounded by timeout), so that the order tested is the merge's, not the
# machine's speed (by default a stream that a loaded machine opens more than a second
# after the others comes late, and is counted so). A generous --connect-timeout: under a
# sanitizer 1,000 connections open slowly.
on c timeout 240 "$DDUMP" -v --memory 2 --max-delay 600000 --connect-timeout 60 -w "$DD_TMP/merged.pcap" "${all[@]}" 2>"$DD_TMP/scale.log"
status=$?
expect_eq "1,000 HTTP streams through --memory 2: status 0" 0 "$status"
[ "$status" = 0 ] || diag "$(grep -v ': [0-9]* packets (' "$DD_TMP/scale.log" | tail -4)"
expect_match "...every packet, in order, intact" "200000 of 200000 packets, 0 out of order" \
  "$(python3 "$CHECK_MERGE" "$DD_TMP/merged.pcap" 200000)"
expect_match "...the summary counts them" "200000 packets written to $DD_TMP/merged.pcap, 0 of them late" \
  "$(cat "$DD_TMP/scale.log")"
expect_match "...and says what the inputs held at most" "input memory: at most [0-9]+ KiB of the 1280 KiB allowed" \
  "$(cat "$DD_TMP/scale.log")"

# ---- the descriptor limit ----------------------------------------------------------------------
mapfile -t some < <(urls 300)
out=$(on c timeout 30 bash -c 'ulimit -n 200; exec "$@"' sh "$DDUMP" -w /dev/null "${some[@]}" 2>&1)
expect_eq "300 targets under a limit of 200 files: usage error" 1 "$?"
expect_match "...naming the limit and how to raise it" "300 targets need about 364 open files, and the limit is 200 .*ulimit -n" "$out"
out=$(on c timeout 30 bash -c 'ulimit -S -n 200; exec "$@"' sh "$DDUMP" -q -w /dev/null "${some[@]}" 2>&1)
expect_eq "...a soft limit of 200 under a higher hard one is raised: status 0" 0 "$?"

# ---- --memory ----------------------------------------------------------------------------------------
out=$(timeout 30 "$DDUMP" --memory 0 "$S/s1.pcap" 2>&1)
expect_eq "--memory 0: usage error" 1 "$?"
expect_match "...naming the range" "memory from 1 to" "$out"

dd_finish
