# Shared by the integration tests: TAP output, network namespaces standing in for hosts,
# workers started inside them, and a cleanup trap. Source it; never run it.
#
# Environment (set by meson): WORKER, UDP_SEND, PCAPNG_CHECK.
# Traffic only ever flows between namespaces this file creates, or on their loopback.

set -u
set -o pipefail

DD_TAP_N=0
DD_TAP_FAILED=0
DD_ID="dd$$"
DD_NETNS=()
DD_PIDS=()
DD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ddump-test.XXXXXX")
chmod 755 "$DD_TMP"

ok () { DD_TAP_N=$((DD_TAP_N + 1)); echo "ok $DD_TAP_N - $*"; }
not_ok () { DD_TAP_N=$((DD_TAP_N + 1)); DD_TAP_FAILED=$((DD_TAP_FAILED + 1)); echo "not ok $DD_TAP_N - $*"; }
diag () { sed 's/^/# /' <<<"$*"; }

# check DESCRIPTION COMMAND...: one TAP point from a command's status (what the command
# prints goes to stderr: stdout is the TAP stream).
check () {
  local desc=$1; shift
  if "$@" >&2; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq () {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "expected: $2"; diag "actual:   $3"; fi
}

# expect_match DESCRIPTION REGEX TEXT
expect_match () {
  if grep -Eq -- "$2" <<<"$3"; then ok "$1"; else not_ok "$1"; diag "no match for /$2/ in:"; diag "$3"; fi
}

skip_all () { echo "1..0 # SKIP $*"; exit 0; }

require_root () {
  [ "$(id -u)" = 0 ] || skip_all "needs root to create network namespaces (run the suite as root, as CI does)"
}

require_tools () {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed"
  done
}

dd_finish () {
  echo "1..$DD_TAP_N"
  [ "$DD_TAP_FAILED" = 0 ]
}

dd_cleanup () {
  local p ns end
  # SIGTERM first: the programs end cleanly (and, in a sanitizer build, report what they
  # leaked); whatever is left after 5 s is killed.
  for p in "${DD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  end=$(( $(now_ms) + 5000 ))
  for p in "${DD_PIDS[@]}"; do
    while ! gone "$p" && [ "$(now_ms)" -lt "$end" ]; do sleep 0.05; done
  done
  for p in "${DD_PIDS[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null; done
  for ns in "${DD_NETNS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"  # a host's own resolv.conf (dd_resolver)
  done
  if [ "$DD_TAP_FAILED" != 0 ]; then
    for f in "$DD_TMP"/*.log; do [ -f "$f" ] && { diag "--- $f"; diag "$(tail -n 30 "$f")"; }; done
  fi
  rm -rf "$DD_TMP"
}
trap dd_cleanup EXIT
trap 'exit 130' INT TERM

# ns NAME: the namespace's full name.
ns () { echo "$DD_ID-$1"; }

# on NAME COMMAND...: run a command inside a test host.
on () { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }

# bg_on NAME COMMAND...: run a command inside a test host in the background; its own pid
# (ip netns exec execs the command) goes in BG_PID and is killed at cleanup.
bg_on () {
  local n; n=$(ns "$1"); shift
  ip netns exec "$n" "$@" &
  BG_PID=$!
  DD_PIDS+=("$BG_PID")
}

dd_host () {
  local n; n=$(ns "$1")
  ip netns add "$n" || return 1
  DD_NETNS+=("$n")
  ip -n "$n" link set lo up
}

# dd_link HOST_A ADDR_A HOST_B ADDR_B: a veth pair named veth0 (or the next free vethN)
# on each side, with those /24 addresses (- for none).
dd_link () {
  local a=$1 addr_a=$2 b=$3 addr_b=$4 ia ib
  ia=$(ip -n "$(ns "$a")" -o link show | grep -c ' veth')
  ib=$(ip -n "$(ns "$b")" -o link show | grep -c ' veth')
  ip link add "${DD_ID}x" type veth peer name "${DD_ID}y" || return 1
  ip link set "${DD_ID}x" netns "$(ns "$a")"
  ip link set "${DD_ID}y" netns "$(ns "$b")"
  ip -n "$(ns "$a")" link set "${DD_ID}x" name "veth$ia"
  ip -n "$(ns "$b")" link set "${DD_ID}y" name "veth$ib"
  [ "$addr_a" = - ] || ip -n "$(ns "$a")" addr add "$addr_a/24" dev "veth$ia"
  [ "$addr_b" = - ] || ip -n "$(ns "$b")" addr add "$addr_b/24" dev "veth$ib"
  ip -n "$(ns "$a")" link set "veth$ia" up
  ip -n "$(ns "$b")" link set "veth$ib" up
}

# dd_line N [DELAY_MS]: hosts c, r and s in a line, r forwarding between 10.N.1.0/24
# (c .1, r .254) and 10.N.2.0/24 (r .254, s .1), c and s routed through r. With
# DELAY_MS, the cable from r to s goes through a host d that holds every frame that long
# (dd-hold-forward, both ways; d has no address of its own), and c reaches s's worker by a
# cable of its own, 10.N.3.0/24 (c .1, s .2: LINE_S), so that s's clock is measured
# without the delay.
dd_line () {
  local n=$1 delay=${2:-}
  dd_host c && dd_host r && dd_host s && dd_link c "10.$n.1.1" r "10.$n.1.254" || return 1
  if [ -z "$delay" ]; then
    dd_link r "10.$n.2.254" s "10.$n.2.1" || return 1
  else
    dd_host d && dd_link r "10.$n.2.254" d - && dd_link d - s "10.$n.2.1" || return 1
    # Frames pass d as they are: their checksums are done and they are no larger than the
    # link's MTU before they leave r and s (no checksum or segmentation offload there).
    on r ethtool -K veth1 tx off tso off gso off >/dev/null 2>&1 &&
      on s ethtool -K veth0 tx off tso off gso off >/dev/null 2>&1 || return 1
    bg_on d timeout 120 "$HOLD_FORWARD" --max-seconds 110 "$delay" veth0 veth1 >"$DD_TMP/hold.log" 2>&1
    wait_log "$DD_TMP/hold.log" '^holding veth0 <-> veth1' || return 1
    dd_link c "10.$n.3.1" s "10.$n.3.2" || return 1
    LINE_S=10.$n.3.2
  fi
  ip -n "$(ns c)" route add default via "10.$n.1.254" && ip -n "$(ns s)" route add default via "10.$n.2.254" &&
    on r sysctl -qw net.ipv4.ip_forward=1
}

# line_journey N NAME QUERY: a worker on each host of dd_line N, and ddump --journey of
# the three (NAME.pcapng, NAME.json, NAME.html; c= r= s= name them), once it captures all
# three.
line_journey () {
  local n=$1 name=$2 query=$3 h u urls=()
  for h in c r s; do start_worker "$h" "worker-$h" --listen :8475; done
  urls=("http://10.$n.1.1:8475/$query" "http://10.$n.1.254:8475/$query" "http://${LINE_S:-10.$n.2.1}:8475/$query")
  for u in "${urls[@]}"; do wait_http c "${u%%/capture*}/" || return 1; done
  ddump_bg "$name" -v -F pcapng --journey="$DD_TMP/$name.json" --journey-html="$DD_TMP/$name.html" \
    -w "$DD_TMP/$name.pcapng" \
    "c=${urls[0]}" "r=${urls[1]}" "s=${urls[2]}"
  for u in "${urls[@]}"; do wait_capturing "$DD_TMP/$name.log" "$u" || return 1; done
}

# nginx_config FILE [CONNECTIONS]: an nginx configuration for a test in FILE: in the
# foreground as root, its pid, log and temporary files in DD_TMP, CONNECTIONS (64) per
# worker process; the contents of its http block come from stdin.
nginx_config () {
  local connections=${2:-64}
  {
    echo "daemon off;"
    echo "user root;"
    echo "worker_processes 1;"
    echo "worker_rlimit_nofile $((connections * 2 + 64));"
    echo "pid $DD_TMP/nginx.pid;"
    echo "error_log $DD_TMP/nginx.log warn;"
    echo "events { worker_connections $connections; }"
    echo "http {"
    echo "  access_log off;"
    echo "  client_body_temp_path $DD_TMP; proxy_temp_path $DD_TMP; fastcgi_temp_path $DD_TMP;"
    echo "  uwsgi_temp_path $DD_TMP; scgi_temp_path $DD_TMP;"
    cat
    echo "}"
  } >"$1"
}

# The usual pair: host "w" (10.200.0.1) runs workers, host "c" (10.200.0.2) is the client.
dd_pair () {
  dd_host w && dd_host c && dd_link w 10.200.0.1 c 10.200.0.2
}

# start_worker HOST NAME [ARGS...]: starts a worker in HOST; its pid goes in WORKER_PID.
start_worker () {
  local host=$1 name=$2; shift 2
  ip netns exec "$(ns "$host")" "$WORKER" "$@" >"$DD_TMP/$name.log" 2>&1 &
  WORKER_PID=$!
  DD_PIDS+=("$WORKER_PID")
}

# Waiting: always for a state, always with a deadline. The deadlines are generous (30 s: a
# two-core machine loaded by stress-ng and a sanitizer build at once must pass); a state
# that never comes fails one check, never hangs.

# ddump_bg NAME ARGS...: ddump in host c writing NAME.out, messages in NAME.log; pid in DPID.
ddump_bg () {
  local name=$1; shift
  ip netns exec "$(ns c)" "$DDUMP" "$@" >"$DD_TMP/$name.out" 2>"$DD_TMP/$name.log" &
  DPID=$!
  DD_PIDS+=("$DPID")
}

now_ms () { date +%s%3N; }

# wait_until SECONDS COMMAND...: until COMMAND succeeds (polled every 50 ms); status 1 if
# SECONDS pass first.
wait_until () {
  local end=$(( $(now_ms) + $1 * 1000 )); shift
  while :; do
    "$@" && return 0
    [ "$(now_ms)" -lt "$end" ] || return 1
    sleep 0.05
  done
}

gone () { ! kill -0 "$1" 2>/dev/null; }

# wait_exit PID SECONDS: until the background job PID ends; its exit status in STATUS.
# Status 1 (and STATUS=timeout) if it is still running after SECONDS.
wait_exit () {
  if wait_until "$2" gone "$1"; then
    wait "$1"; STATUS=$?
    return 0
  fi
  STATUS=timeout
  return 1
}

# stop PID [SIGNAL]: the signal (INT by default), then the job's exit status (30 s at
# most; then it is killed and the status is 124).
stop () {
  kill -"${2:-INT}" "$1" 2>/dev/null
  if wait_exit "$1" 30; then return "$STATUS"; fi
  kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null
  return 124
}

# wait_ok PID...: waits for background jobs that must end on their own (each bounded by
# its own timeout); status 1 unless every one exited 0.
wait_ok () {
  local p rc=0
  for p in "$@"; do wait "$p" || rc=1; done
  return $rc
}

# wait_http HOST URL: until URL answers from HOST (30 s at most).
wait_http () {
  wait_until 30 on "$1" curl -sf -o /dev/null --max-time 2 "$2"
}

# unit_exposure_at_most NAME MAX WHAT: a TAP point: systemd-analyze rates the built unit
# data/NAME at most MAX.
unit_exposure_at_most () {
  local unit=${BUILD_ROOT:-}/data/$1 score
  if [ -f "$unit" ] && command -v systemd-analyze >/dev/null; then
    score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n "s/.*exposure level for $1: \([0-9.]*\).*/\1/p")
    expect_eq "$3" yes "$(python3 -c "print('yes' if '$score' and float('$score') <= $2 else 'no: $score')")"
  else
    not_ok "the shipped unit $unit or systemd-analyze is missing"
  fi
}

has_size () { [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]; }

# wait_size FILE BYTES: until FILE holds at least BYTES (30 s at most).
wait_size () { wait_until 30 has_size "$1" "$2"; }

# wait_log FILE REGEX: until a line of FILE matches (30 s at most).
wait_log () { wait_until 30 grep -Eq -- "$2" "$1"; }

# What ddump -v says when this run's capture of a target is live: the worker answered
# with its capture (X-Ddump-Capture), so packets sent from then on are captured. Unlike a
# worker's captures_active gauge, which the capture of a client that has just gone can
# still satisfy, this names the run itself; after a reconnection it is said again.
# capturing_count LOG TARGET: how many times ddump said it of TARGET (as typed; "" for
# every target); wait_capturing LOG TARGET [N]: until it said it N times (1), 30 s at most.
capturing_count () { grep -cF -- "$2: capturing" "$1" 2>/dev/null; }
has_capturing () { [ "$(capturing_count "$1" "$2")" -ge "${3:-1}" ]; }
wait_capturing () { wait_until 30 has_capturing "$1" "$2" "${3:-1}"; }

# For clients other than ddump (curl, tshark, ddump-trigger): the worker's count of
# captures started, a counter, so a capture that ends cannot satisfy it. Note it before
# the step, then wait for it to pass: captures_started HOST URL prints it;
# wait_captures_started HOST URL N: until it is at least N (30 s at most).
captures_started () { metric "$1" "$2" captures_total; }
has_captures_started () { local n; n=$(captures_started "$1" "$2"); [ -n "$n" ] && [ "$n" -ge "$3" ]; }
wait_captures_started () { wait_until 30 has_captures_started "$@"; }

# live_captures HOST URL: how many captures the worker runs now for clients still there
# (GET /captures lists them, with their ids, clients, addresses and ports).
live_captures () { on "$1" curl -sf --max-time 2 "$2/captures" | grep -c '"id"'; }

# wait_metric HOST URL NAME VALUE: until the worker's metric has VALUE (30 s at most).
metric_is () { [ "$(metric "$1" "$2" "$3")" = "$4" ]; }
wait_metric () { wait_until 30 metric_is "$@"; }

# wait_listen HOST PORT: until something listens on TCP PORT in HOST (30 s at most).
listening () { [ "$(on "$1" ss -Hltn "( sport = :$2 )" | wc -l)" -ge 1 ]; }
wait_listen () { wait_until 30 listening "$1" "$2"; }

# wait_clients HOST PORT N: until N clients are connected to PORT in HOST (30 s at most).
has_clients () { [ "$(on "$1" ss -Htn state established "( sport = :$2 )" | wc -l)" -ge "$3" ]; }
wait_clients () { wait_until 30 has_clients "$1" "$2" "$3"; }

# fds PID: how many descriptors the process holds.
fds () { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# rss_kib PID: its resident memory (for the record: it holds freed memory kept for reuse,
# and under AddressSanitizer its quarantine, so bounds are set on heap_kib).
rss_kib () { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# heap_kib HOST URL: the heap a worker holds (its ddump_worker_heap_bytes): what it
# allocated and has not freed, in any build.
heap_kib () { local b; b=$(metric "$1" "$2" heap_bytes) && [ -n "$b" ] && echo $((b / 1024)); }

# metric HOST URL NAME: one value from a worker's /metrics.
metric () {
  on "$1" curl -sf --max-time 2 "$2/metrics" | awk -v n="ddump_worker_$3" '$1 == n { print $2 }'
}

# count_packets FILE [FILTER]: packets tcpdump reads from FILE.
count_packets () {
  local f=$1; shift
  tcpdump -nr "$f" "$@" 2>/dev/null | wc -l
}

# has_packets FILE N: FILE holds at least N packets; wait_packets FILE N: until it does
# (30 s at most).
has_packets () { [ "$(count_packets "$1")" -ge "$2" ]; }
wait_packets () { wait_until 30 has_packets "$1" "$2"; }
