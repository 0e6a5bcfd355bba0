#!/usr/bin/env bash
# ddump's merge against mergecap and cat, on the same files, in the same run.
#
#   bash bench/merge-bench.sh [BUILDDIR]      (COUNT=packets per file, default 1000000)
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
measure () {
  local name=$1; shift
  python3 - "$total" "$name" "$@" <<'PY'
import os, subprocess, sys, time
total, name, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best, rss = None, 0
for _ in range(3):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Peak RSS of the program itself (ru_maxrss would include the forking Python):
    # its VmHWM, sampled until it exits.
    hwm = 0
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.005)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{name}: exit status {p.returncode}")
    best = dt if best is None else min(best, dt)
    rss = max(rss, hwm)
print(f"| {name} | {best:.3f} | {total / best / 1e6:.2f} | {rss / 1024:.1f} |")
PY
}

echo "## Merge: 4 files x $COUNT packets (interleaved timestamps), $(date -u +%Y-%m-%d)"
echo
echo "| merge | wall s (best of 3) | M packets/s | peak RSS MiB |"
echo "|---|---|---|---|"
measure "cat (memory bandwidth)" sh -c 'cat "$@" > /dev/null' sh "${files[@]}"
measure "mergecap -w /dev/null" mergecap -F pcap -w /dev/null "${files[@]}"
measure "ddump, files -w /dev/null" "$DDUMP" -q -w /dev/null "${files[@]}"
measure "ddump, HTTP streams -w /dev/null" "$DDUMP" -q -w /dev/null "${urls[@]}"

# Every packet intact and in order, and memory flat in the stream length.
"$DDUMP" -q -w "$tmp/merged.pcap" "${urls[@]}"
python3 - "$tmp/merged.pcap" "$total" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
pos, n, last, seqs, bad = 24, 0, 0, {}, 0
while pos < len(data):
    sec, ns, cap, orig = struct.unpack_from("<IIII", data, pos)
    pkt = data[pos + 16: pos + 16 + cap]
    ts = sec * 10**9 + ns
    host, seq = struct.unpack_from(">II", pkt, 20 + 20 + 8)
    if ts < last or seq != seqs.get(host, -1) + 1:
        bad += 1
    last, seqs[host] = ts, seq
    pos += 16 + cap
    n += 1
print(f"\nCheck of ddump's HTTP merge: {n} of {sys.argv[2]} packets, {bad} out of order or altered.")
PY
