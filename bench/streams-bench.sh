#!/usr/bin/env bash
# ddump merging many HTTP streams, against the same data merged from local files and by
# mergecap, in the same run.
#
#   bash bench/streams-bench.sh [BUILDDIR] [STREAMS...]     (default 4 64 256 1000)
#   COUNT=packets per stream (default 100000; 25000 for 1000 streams), MEMORY=--memory MiB
#
# Stream k is a pcap file of COUNT packets written by tests/make-capture.py (host id k,
# stamped t0 + k ns + i µs, so the streams interleave), served by a static nginx on
# 127.0.0.1. For each number of streams: wall time (best of 2) and peak RSS of mergecap;
# the same of ddump on the files and of ddump on the HTTP streams, the two taking turns
# (best of 3), and the ratio of their times; then the HTTP merge once more into a file,
# checked packet by packet (tests/check-merge.py). The CPU columns: the
# merging program's own user + system time, and nginx's over the same run (both share the
# machine's cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
shift || true
streams=("${@:-4 64 256 1000}")
read -r -a streams <<<"${streams[*]}"
DDUMP=$(realpath "$build/src/client/ddump")
memory=()
[ -n "${MEMORY:-}" ] && memory=(--memory "$MEMORY")
tmp=$(mktemp -d)
nginx_pid=
cleanup () { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

cat > "$tmp/nginx.conf" <<CONF
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  server { listen 127.0.0.1:18477; root $tmp; sendfile on; }
}
CONF
nginx -c "$tmp/nginx.conf" & nginx_pid=$!
for _ in $(seq 100); do
  curl -s --max-time 1 -o /dev/null http://127.0.0.1:18477/ && break
  sleep 0.1
done

echo "## Many streams, $(date -u +%Y-%m-%d), ddump ${memory[*]:-(default --memory)}"
echo
echo "| streams x packets | merge | wall s (best) | M packets/s | peak RSS MiB | CPU s | nginx CPU s |"
echo "|---|---|---|---|---|---|---|"
export MEASURE_CPU=nginx
for n in "${streams[@]}"; do
  count=${COUNT:-$([ "$n" -ge 1000 ] && echo 25000 || echo 100000)}
  rm -f "$tmp"/s*.pcap
  files=() urls=()
  python3 "$here/../tests/make-capture.py" --hosts "$n" --count "$count" \
    --start 1700000000000000000 --step 1000 "$tmp/s%d.pcap"
  sync  # the files' writeback would otherwise run during the first measures
  for k in $(seq "$n"); do
    files+=("$tmp/s$k.pcap")
    urls+=("http://127.0.0.1:18477/s$k.pcap")
  done
  total=$((n * count))
  python3 "$here/measure.py" 2 "$total" "$n x $count | mergecap" mergecap -F pcap -w /dev/null "${files[@]}"
  # The two merges take turns, best of 3 each: their ratio is what is compared.
  python3 "$here/measure.py" 3 "$total" \
    "$n x $count | ddump, files" "$DDUMP" -q "${memory[@]}" -w /dev/null "${files[@]}" ::: \
    "$n x $count | ddump, HTTP streams" "$DDUMP" -q "${memory[@]}" -w /dev/null "${urls[@]}" | tee "$tmp/rows"
  awk -F'|' 'NR == 1 { f = $4 } NR == 2 { printf "|  | HTTP / files: %.2fx | | | | | |\n", $4 / f }' "$tmp/rows"
  "$DDUMP" -q "${memory[@]}" -w "$tmp/merged.pcap" "${urls[@]}"
  echo "|  | $(python3 "$here/../tests/check-merge.py" "$tmp/merged.pcap" "$total") | | | | | |"
  rm -f "$tmp/merged.pcap"
done
