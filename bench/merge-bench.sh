#!/usr/bin/env bash
# ddump's merge against mergecap and cat, on the same files, in the same run.
#
#   bash bench/merge-bench.sh [BUILDDIR]      (COUNT=packets per file, default 1000000)
#   BASELINE=OTHER-BUILDDIR: the same merges by that build's ddump too, taking turns with
#   this one's (a change against the commit before it, in the same run)
#
# Four pcap files of COUNT packets each whose timestamps interleave (file k holds
# t0 + k*250 ns + i*1000 ns) are merged to /dev/null by: cat (the memory-bandwidth
# limit), mergecap, ddump reading the files, and ddump reading the same files as four
# HTTP streams served by a static nginx on 127.0.0.1. Wall time and peak RSS of each
# (VmHWM sampled while it runs), and a check that ddump's output holds every packet, intact and in order.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
DDUMP=$(realpath "$build/src/client/ddump")
COUNT=${COUNT:-1000000}
tmp=$(mktemp -d)
nginx_pid=
cleanup () { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

for k in 1 2 3 4; do
  python3 "$here/../tests/make-capture.py" --count "$COUNT" --host-id "$k" \
    --start $((1700000000000000000 + k * 250)) --step 1000 "$tmp/f$k.pcap"
done
files=("$tmp"/f1.pcap "$tmp"/f2.pcap "$tmp"/f3.pcap "$tmp"/f4.pcap)
total=$((4 * COUNT))

cat > "$tmp/nginx.conf" <<CONF
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  server { listen 127.0.0.1:18476; root $tmp; sendfile on; }
}
CONF
nginx -c "$tmp/nginx.conf" & nginx_pid=$!
sleep 0.5
urls=(http://127.0.0.1:18476/f1.pcap http://127.0.0.1:18476/f2.pcap http://127.0.0.1:18476/f3.pcap http://127.0.0.1:18476/f4.pcap)

# measure NAME COMMAND...: a table row; best wall time of 3 runs, peak RSS.
measure () { python3 "$here/measure.py" 3 "$total" "$@"; }

echo "## Merge: 4 files x $COUNT packets (interleaved timestamps), $(date -u +%Y-%m-%d)"
echo
echo "| merge | wall s (best of 3) | M packets/s | peak RSS MiB |"
echo "|---|---|---|---|"
measure "cat (memory bandwidth)" sh -c 'cat "$@" > /dev/null' sh "${files[@]}"
measure "mergecap -w /dev/null" mergecap -F pcap -w /dev/null "${files[@]}"
if [ -n "${BASELINE:-}" ]; then
  OTHER=$(realpath "$BASELINE/src/client/ddump")
  measure "ddump, files -w /dev/null" "$DDUMP" -q -w /dev/null "${files[@]}" ::: \
    "baseline ddump, files -w /dev/null" "$OTHER" -q -w /dev/null "${files[@]}"
  measure "ddump, HTTP streams -w /dev/null" "$DDUMP" -q -w /dev/null "${urls[@]}" ::: \
    "baseline ddump, HTTP streams -w /dev/null" "$OTHER" -q -w /dev/null "${urls[@]}"
else
  measure "ddump, files -w /dev/null" "$DDUMP" -q -w /dev/null "${files[@]}"
  measure "ddump, HTTP streams -w /dev/null" "$DDUMP" -q -w /dev/null "${urls[@]}"
fi

# Every packet intact and in order, and memory flat in the stream length.
"$DDUMP" -q -w "$tmp/merged.pcap" "${urls[@]}"
echo
python3 "$here/../tests/check-merge.py" "$tmp/merged.pcap" "$total"
