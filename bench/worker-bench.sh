#!/usr/bin/env bash
# ddump-worker against tcpdump on the same traffic, in the same run.
#
#   sudo bench/worker-bench.sh [BUILDDIR]       (COUNT=packets per sender, default 1000000)
#
# Two dd-udp-send processes in namespace "c" send COUNT UDP datagrams each, as fast as they
# can, to namespace "w" over a veth pair. In "w", one capture at a time: ddump-worker
# streaming pcap (and pcapng) to `curl > /dev/null`, `tcpdump -i any -w - > /dev/null`,
# `tcpdump --immediate-mode`, and tcpdump writing into a TCP socket on loopback (the
# worker's own way of delivering: the fair peer, since the TCP send is most of its CPU). Reported: packets delivered, kernel drops, CPU seconds per
# million packets received (the scheduler's count of every thread, in ns), the TCP segments
# on the namespace's loopback while it ran (a count, steady where CPU times vary), and the delay of a lone packet on a quiet link (loopback).
# Traffic stays inside the namespaces this script creates; everything is bounded in
# count and time, and cleaned up on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
WORKER=$(realpath "$build/src/worker/ddump-worker")
SEND=$(realpath "$build/tests/dd-udp-send")
COUNT=${COUNT:-1000000}
id="ddb$$"
tmp=$(mktemp -d)
pids=()

cleanup () {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$id-w" 2>/dev/null || true
  ip netns del "$id-c" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$id-w"; ip netns add "$id-c"
ip link add "${id}x" type veth peer name "${id}y"
ip link set "${id}x" netns "$id-w"; ip link set "${id}y" netns "$id-c"
ip -n "$id-w" addr add 10.201.0.1/24 dev "${id}x"; ip -n "$id-c" addr add 10.201.0.2/24 dev "${id}y"
for n in w c; do ip -n "$id-$n" link set lo up; done
ip -n "$id-w" link set "${id}x" up; ip -n "$id-c" link set "${id}y" up
W () { ip netns exec "$id-w" "$@"; }
C () { ip netns exec "$id-c" "$@"; }

# CPU time of every thread of process $1, in ns (schedstat: the scheduler's own count,
# not the 10 ms ticks of /proc/PID/stat).
cpu_ns () { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%d", t }'; }
# PERF=1: where the worker's time goes, from perf's software clock (this machine has no
# hardware counters), into $PERF_DIR/worker-FORMAT.txt.
PERF=${PERF:-0}
PERF_DIR=${PERF_DIR:-/tmp}

blast () {
  C "$SEND" --max-seconds 30 10.201.0.1 40001 "$COUNT" 2>"$tmp/s1" & local a=$!
  C "$SEND" --max-seconds 30 10.201.0.1 40002 "$COUNT" 2>"$tmp/s2" & local b=$!
  wait "$a" "$b"
  sent=$(( $(awk '{print $1}' "$tmp/s1") + $(awk '{print $1}' "$tmp/s2") ))
  secs=$(awk '{print $4}' "$tmp/s1" "$tmp/s2" | sort -n | tail -1)
}

# TCP segments sent in namespace "w" so far (both ways on its loopback: the data and the
# reader's acknowledgements); a count, not a time, so it does not vary with the machine.
segments () { ip netns exec "$id-w" nstat -az TcpOutSegs | awk '/TcpOutSegs/ { print $2 }'; }

row () {  # name delivered dropped received cpu_ns [segments]
  local cpu_s per_m
  cpu_s=$(awk -v t="$5" 'BEGIN { printf "%.3f", t / 1e9 }')
  per_m=$(awk -v t="$5" -v r="$4" 'BEGIN { printf "%.3f", r ? (t / 1e9) / (r / 1e6) : 0 }')
  printf '| %s | %d | %d | %d | %s | %.1f%% | %s | %s | %s |\n' "$1" "$sent" "$2" "$3" \
    "$(awk -v s="$sent" -v x="$secs" 'BEGIN { printf "%.0fk", s / x / 1000 }')" \
    "$(awk -v d="$3" -v r="$4" 'BEGIN { print r ? 100 * d / r : 0 }')" "$cpu_s" "$per_m" "${6:--}"
}

run_tcpdump () {  # name extra-args...
  local name=$1; shift
  ip netns exec "$id-w" tcpdump -i any -w - "$@" udp 2>"$tmp/td.err" >/dev/null & local p=$!
  pids+=("$p"); sleep 1
  local c0; c0=$(cpu_ns "$p")
  blast; sleep 1
  local c1; c1=$(cpu_ns "$p")
  kill -INT "$p"; wait "$p" || true
  local got rcv drop
  got=$(awk '/packets captured/ { print $1 }' "$tmp/td.err")
  rcv=$(awk '/received by filter/ { print $1 }' "$tmp/td.err")
  drop=$(awk '/dropped by kernel/ { print $1 }' "$tmp/td.err")
  row "$name" "$got" "$drop" "$rcv" $((c1 - c0))
}

# tcpdump delivering over TCP on loopback, as the worker does: its stdout is a TCP socket
# to a reader that discards everything (its CPU, like curl's, is not counted).
run_tcpdump_tcp () {  # name
  local name=$1 port=18499
  ip netns exec "$id-w" python3 -c '
import socket, sys
s = socket.socket ()
s.setsockopt (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind (("127.0.0.1", int (sys.argv[1])))
s.listen (1)
print ("listening", flush=True)
c, _ = s.accept ()
while c.recv (1 << 20):
    pass
' "$port" >"$tmp/sink.out" & local sp=$!
  pids+=("$sp")
  for _ in $(seq 50); do grep -q listening "$tmp/sink.out" 2>/dev/null && break; sleep 0.1; done
  # Not through W: $! must be tcpdump itself (ip netns exec and bash both exec it).
  ip netns exec "$id-w" bash -c "exec tcpdump -i any -w - udp 2>'$tmp/td.err' >/dev/tcp/127.0.0.1/$port" & local p=$!
  pids+=("$p"); sleep 1
  local c0 s0; c0=$(cpu_ns "$p"); s0=$(segments)
  blast; sleep 1
  local c1 s1; c1=$(cpu_ns "$p"); s1=$(segments)
  kill -INT "$p"; wait "$p" || true
  wait "$sp" || true
  local got rcv drop
  got=$(awk '/packets captured/ { print $1 }' "$tmp/td.err")
  rcv=$(awk '/received by filter/ { print $1 }' "$tmp/td.err")
  drop=$(awk '/dropped by kernel/ { print $1 }' "$tmp/td.err")
  row "$name" "$got" "$drop" "$rcv" $((c1 - c0)) $((s1 - s0))
}

run_worker () {  # name format
  local name=$1 format=$2
  ip netns exec "$id-w" "$WORKER" --listen 127.0.0.1:8475 >/dev/null 2>"$tmp/w.log" & local wp=$!
  pids+=("$wp"); sleep 0.5
  W curl -sN -o /dev/null "http://127.0.0.1:8475/capture?filter=udp&format=$format&duration=12" & local cp=$!
  sleep 1
  local c0 s0; c0=$(cpu_ns "$wp"); s0=$(segments)
  local perf_pid=
  if [ "$PERF" = 1 ]; then
    perf record -q -e cpu-clock -F 4999 -g -p "$wp" -o "$tmp/perf.data" 2>/dev/null & perf_pid=$!
  fi
  blast
  wait "$cp"
  local c1 s1; c1=$(cpu_ns "$wp"); s1=$(segments)
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    perf report -q -i "$tmp/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null \
      | head -40 >"$PERF_DIR/worker-$format.txt" || true
    cp "$tmp/perf.data" "$PERF_DIR/worker-$format.data" 2>/dev/null || true
  fi
  kill -TERM "$wp"; wait "$wp" || true
  local line got drop
  line=$(grep 'ended' "$tmp/w.log")
  got=$(sed -E 's/.*: ([0-9]+) packets.*/\1/' <<<"$line")
  drop=$(sed -E 's/.* ([0-9]+) dropped by the kernel.*/\1/' <<<"$line")
  row "$name" "$got" "$drop" $((got + drop)) $((c1 - c0)) $((s1 - s0))
}

latency () {  # name args...
  local name=$1; shift
  printf '| %s | %s |\n' "$name" "$(W python3 "$here/latency.py" "$@")"
}

echo "## Throughput: 2 senders x $COUNT UDP datagrams (32-byte payload), $(date -u +%Y-%m-%d)"
echo
echo "| capture | sent | delivered | kernel drops | send rate (pkt/s) | dropped | CPU s | CPU s per M received | TCP segments |"
echo "|---|---|---|---|---|---|---|---|---|"
run_tcpdump "tcpdump -i any -w - (TPACKET_V3)"
run_tcpdump "tcpdump --immediate-mode" --immediate-mode
run_tcpdump_tcp "tcpdump -i any -w - into a TCP socket (loopback)"
run_worker "ddump-worker, pcap, curl > /dev/null" pcap
run_worker "ddump-worker, pcapng, curl > /dev/null" pcapng
echo
echo "## A lone packet on a quiet link (loopback), 20 trials"
echo
echo "| capture | delay |"
echo "|---|---|"
latency "tcpdump -U -i any -w -" -- tcpdump -U -i any -w - udp port 40050
latency "tcpdump -U --immediate-mode" -- tcpdump -U --immediate-mode -i any -w - udp port 40050
ip netns exec "$id-w" "$WORKER" --listen 127.0.0.1:8475 >/dev/null 2>"$tmp/w2.log" & pids+=($!)
sleep 0.5
latency "ddump-worker (pcap)" "http://127.0.0.1:8475/capture?filter=udp%20port%2040050"
latency "ddump-worker (pcapng)" "http://127.0.0.1:8475/capture?filter=udp%20port%2040050&format=pcapng"
