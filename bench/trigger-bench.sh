#!/usr/bin/env bash
# ddump-trigger: (1) the time from a PUBLISH to every one of 10 workers capturing, and
# (2) the trigger's peak memory while a 1 GB capture goes to S3 (s3rver), against curl
# uploading the same file in the same run.
#
#   sudo bash bench/trigger-bench.sh [BUILDDIR]     (ROUNDS=10, SIZE_MB=1024)
#
# Everything runs on 127.0.0.1 (redis-server, 10 workers, s3rver from BUILDDIR/npm).
# (1): each worker logs the moment its capture starts (ms); the delay is the latest of
# the 10 minus the moment before redis-cli publish. (2): the capture is a 1 GB pcap file
# named as the event's worker, merged into the spool and uploaded as a multipart upload;
# VmHWM is the trigger's peak RSS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "${1:-$here/../_build}")
rounds=${ROUNDS:-10}
size_mb=${SIZE_MB:-1024}
TRIGGER=$build/src/trigger/ddump-trigger
WORKER=$build/src/worker/ddump-worker
S3RVER=$build/npm/node_modules/.bin/s3rver
tmp=$(mktemp -d)
pids=()
cleanup () { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
until_ok () { for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done; echo "timed out: $*" >&2; return 1; }

redis-server --port 16400 --bind 127.0.0.1 --save '' --appendonly no >"$tmp/redis.log" 2>&1 & pids+=($!)
until_ok sh -c 'redis-cli -p 16400 ping 2>/dev/null | grep -q PONG'
workers=()
for i in $(seq 10); do
  "$WORKER" --listen "127.0.0.1:$((18700 + i))" >"$tmp/w$i.log" 2>&1 & pids+=($!)
  workers+=("w$i=http://127.0.0.1:$((18700 + i))")
done
for i in $(seq 10); do until_ok curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$((18700 + i))/"; done
"$TRIGGER" --redis redis://127.0.0.1:16400/bench --store "$tmp/store" "${workers[@]}" >"$tmp/trigger.log" 2>&1 & pids+=($!)
until_ok grep -q 'subscribed' "$tmp/trigger.log"

echo "## ddump-trigger, $(date -u +%Y-%m-%d): PUBLISH to 10 workers capturing"
echo
echo "| round | slowest worker ms | fastest worker ms |"
echo "|---|---|---|"
delays=()
for r in $(seq "$rounds"); do
  t0=$(date +%s.%N)
  redis-cli -p 16400 publish bench "{\"node\":\"any\",\"bpf\":\"udp port 1\",\"duration\":0.3,\"alertid\":\"r$r\"}" >/dev/null
  until_ok sh -c "[ \$(grep -h -c 'capture $r started' $tmp/w*.log | paste -sd+ | bc) -ge 10 ]"
  line=$(python3 - "$t0" "$r" "$tmp" <<'EOF'
import datetime, glob, re, sys
t0, r, tmp = float(sys.argv[1]), sys.argv[2], sys.argv[3]
day = datetime.datetime.fromtimestamp(t0).date()
times = []
for f in glob.glob(tmp + "/w*.log"):
    for line in open(f):
        m = re.search(r": (\d\d):(\d\d):(\d\d)\.(\d\d\d): capture %s started" % r, line)
        if m:
            h, mi, s, ms = map(int, m.groups())
            t = datetime.datetime.combine(day, datetime.time(h, mi, s, ms * 1000)).timestamp()
            times.append((t - t0) * 1000)
print("%.0f %.0f" % (max(times), min(times)))
EOF
)
  read -r slow fast <<<"$line"
  delays+=("$slow")
  echo "| $r | $slow | $fast |"
  until_ok grep -q "\"alertid\":\"r$r\"" "$tmp/trigger.log"
done
printf '%s\n' "${delays[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "\nmedian %s ms, worst %s ms (goal: under 100 ms)\n\n", a[int((NR + 1) / 2)], a[NR] }'

# ---- (2) a 1 GB capture to S3 --------------------------------------------------------------
count=$((size_mb * 1024 * 1024 / 1470))
python3 "$here/../tests/make-capture.py" --count "$count" --size 1400 "$tmp/big.pcap"
mkdir -p "$tmp/s3"
"$S3RVER" -d "$tmp/s3" -a 127.0.0.1 -p 4569 --silent --configure-bucket bench >"$tmp/s3rver.log" 2>&1 & pids+=($!)
until_ok curl -s -o /dev/null --max-time 1 http://127.0.0.1:4569/
cat >"$tmp/s3.conf" <<EOF
[trigger]
redis=redis://127.0.0.1:16400/big
store=s3://bench/pcaps
spool=$tmp/spool
max-packets=0
max-bytes=0
max-duration=0
[s3]
endpoint=http://127.0.0.1:4569
access-key=S3RVER
secret-key=S3RVER
[worker big]
url=$tmp/big.pcap
EOF
"$TRIGGER" --config "$tmp/s3.conf" >"$tmp/s3trigger.log" 2>&1 & tpid=$!; pids+=($tpid)
until_ok grep -q 'subscribed' "$tmp/s3trigger.log"
start=$(date +%s.%N)
redis-cli -p 16400 publish big '{"node":"big","alertid":"big"}' >/dev/null
for _ in $(seq 6000); do grep -q '"alertid":"big"' "$tmp/s3trigger.log" && break; sleep 0.1; done
end=$(date +%s.%N)
hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$tpid/status")
result=$(grep -o '"status":"[a-z]*".*"bytes":[0-9]*' "$tmp/s3trigger.log" | head -1 | cut -c1-120)
# The peer: curl streaming the same file to the same server in one signed PUT.
/usr/bin/time -f '%M %e' -o "$tmp/curl.time" curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" \
  --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$tmp/big.pcap" \
  http://127.0.0.1:4569/bench/curl.pcap
read -r curl_kib curl_s <"$tmp/curl.time"
echo "## ddump-trigger, $(date -u +%Y-%m-%d): a $(du -m "$tmp/big.pcap" | cut -f1) MB capture to S3 (s3rver, 8 MiB parts)"
echo
echo "| program | peak RSS MiB | wall s |"
echo "|---|---|---|"
printf '| ddump-trigger (merge into the spool, then multipart upload) | %s | %.1f |\n' "$hwm" "$(echo "$end - $start" | bc)"
printf '| curl --aws-sigv4 -T (one streamed PUT of the file) | %s | %s |\n' "$((curl_kib / 1024))" "$curl_s"
echo
echo "result: $result"
