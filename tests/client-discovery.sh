#!/usr/bin/env bash
# ddump finding its workers: dns:// (every A record of a name), dns+srv:// (every SRV
# record, with its port) and --targets-file, against a real DNS server (dnsmasq) that
# serves the client's host through its own resolv.conf.
#
#        w1 10.210.1.1 (:8475) ──┐
#                                ├── c (10.210.N.2; ddump, dnsmasq on 127.0.0.1)
#        w2 10.210.2.1 (:9475, :8475) ──┘
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump python3 dnsmasq getent

dd_host c || skip_all "cannot create network namespaces"
dd_host w1 && dd_link w1 10.210.1.1 c 10.210.1.2 || skip_all "cannot create links"
dd_host w2 && dd_link w2 10.210.2.1 c 10.210.2.2 || skip_all "cannot create links"
# The client's host resolves through its own DNS server (ip netns exec mounts this file).
mkdir -p "/etc/netns/$(ns c)"
echo "nameserver 127.0.0.1" >"/etc/netns/$(ns c)/resolv.conf"
# fleet.ddump.test changes during the run: dnsmasq reads this file again on SIGHUP.
echo "10.210.1.1 fleet.ddump.test" >"$DD_TMP/fleet.hosts"
bg_on c dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
  --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= --user=root --local=/ddump.test/ \
  --log-facility="$DD_TMP/dnsmasq.log" --addn-hosts="$DD_TMP/fleet.hosts" \
  --host-record=workers.ddump.test,10.210.1.1 --host-record=workers.ddump.test,10.210.2.1 \
  --host-record=w1.ddump.test,10.210.1.1 --host-record=w2.ddump.test,10.210.2.1 \
  --srv-host=_ddump._tcp.ddump.test,w1.ddump.test,8475 \
  --srv-host=_ddump._tcp.ddump.test,w2.ddump.test,9475
DNSMASQ=$BG_PID
resolves () { [ "$(on c getent ahostsv4 workers.ddump.test | awk '$2 == "STREAM"' | wc -l)" -eq 2 ]; }
check "the client's host resolves the workers' name to both addresses" wait_until 30 resolves

start_worker w1 worker1 --listen :8475
start_worker w2 worker2 --listen :9475 --listen :8475
check "two workers are up" eval 'wait_http c http://10.210.1.1:8475/ && wait_http c http://10.210.2.1:9475/'
send () { on c "$UDP_SEND" --rate 2000 "$1" "$2" "$3" 2>/dev/null; }

# capture_from NAME PORT STREAMS ARGS...: ddump with ARGS, once it captures on all its
# STREAMS, until it has 10 packets from each worker (UDP to PORT), then SIGINT; its
# status in RC.
capture_from () {
  local name=$1 port=$2 streams=$3; shift 3
  ddump_bg "$name" -v -f "udp port $port" "$@"
  wait_capturing "$DD_TMP/$name.log" "" "$streams"
  send 10.210.1.1 "$port" 10
  send 10.210.2.1 "$port" 10
  wait_packets "$DD_TMP/$name.out" 20
  stop "$DPID"; RC=$?
}
from () { count_packets "$DD_TMP/$1.out" "dst host $2"; }

# ---- dns://: one worker per address ------------------------------------------------------
capture_from a 43001 2 dns://workers.ddump.test
expect_eq "dns:// with two A records: ends on SIGINT with status 0" 0 "$RC"
expect_match "...says how many workers it found" "target 1: 2 workers found" "$(cat "$DD_TMP/a.log")"
expect_eq "...and merges w1's packets" 10 "$(from a 10.210.1.1)"
expect_eq "...and w2's" 10 "$(from a 10.210.2.1)"
out=$(on c timeout 30 "$DDUMP" -w /dev/null "dns://workers.ddump.test:9475" 2>&1)
expect_match "a port in a dns:// target is every worker's: w1 has none on 9475" "10\.210\.1\.1:9475: .*(refused|connect)" "$out"

# ---- dns+srv://: hosts and ports from SRV records ----------------------------------------
capture_from b 43002 2 "dns+srv://_ddump._tcp.ddump.test/capture?snaplen=128"
expect_eq "dns+srv:// with two SRV records: status 0" 0 "$RC"
expect_match "...each worker on the port its record gives" "w2\.ddump\.test:9475/capture\?snaplen=128: 10 packets" "$(cat "$DD_TMP/b.log")"
expect_eq "...w1's packets" 10 "$(from b 10.210.1.1)"
expect_eq "...w2's packets" 10 "$(from b 10.210.2.1)"
out=$(on c timeout 30 "$DDUMP" -w /dev/null "dns+srv://_ddump._tcp.ddump.test:8475" 2>&1)
expect_eq "dns+srv:// with a port: usage error" 1 "$?"
expect_match "...that says the port comes from the records" "takes its ports from the SRV records" "$out"

# ---- names that name nothing ---------------------------------------------------------------
out=$(on c timeout 30 "$DDUMP" -w /dev/null dns://nothing.ddump.test 2>&1)
expect_eq "a name with no address: status 2" 2 "$?"
expect_match "...naming the name" "no worker found under the name “nothing\.ddump\.test”" "$out"
out=$(on c timeout 30 "$DDUMP" -w /dev/null dns+srv://_nothing._tcp.ddump.test 2>&1)
expect_eq "an SRV name with no record: status 2" 2 "$?"
out=$(on c timeout 30 "$DDUMP" -w /dev/null dns+srv://ddump.test 2>&1)
expect_eq "an SRV name without _SERVICE._tcp: usage error" 1 "$?"

# ---- --targets-file, with --keep-going past a name that names nothing ---------------------
cat >"$DD_TMP/fleet.txt" <<LIST
# the fleet
dns://nothing.ddump.test   # gone
http://w1.ddump.test:8475

  dns+srv://_ddump._tcp.ddump.test
LIST
capture_from c 43003 3 -k --targets-file "$DD_TMP/fleet.txt"
expect_eq "--targets-file with comments, -k past a missing name: status 2 (a target failed)" 2 "$RC"
expect_match "...the missing name is reported" "target 1: no worker found" "$(cat "$DD_TMP/c.log")"
expect_eq "...w1 is captured once per listing (by name and through SRV): 20" 20 "$(from c 10.210.1.1)"
expect_eq "...w2 through SRV: 10" 10 "$(from c 10.210.2.1)"
on c timeout 30 "$DDUMP" -v -c 5 -w /dev/null --targets-file - <<<"http://10.210.1.1:8475" 2>"$DD_TMP/stdin.log" &
p=$!
wait_capturing "$DD_TMP/stdin.log" http://10.210.1.1:8475 && send 10.210.1.1 43004 10
wait "$p"; rc=$?
expect_eq "--targets-file - reads the list from stdin: ends after -c 5, status 0" 0 "$rc"
expect_match "...having read the list" "5 packets written to /dev/null" "$(cat "$DD_TMP/stdin.log")"

# ---- --reconnect: the name is looked up again; workers join and leave -------------------------
addresses () { on c getent ahostsv4 fleet.ddump.test | awk '$2 == "STREAM" { print $1 }' | sort | tr '\n' ' '; }
ddump_bg d -v -F pcapng --reconnect --resolve-interval 1 -f "udp port 43005" dns://fleet.ddump.test
check "a fleet of one: w1 is captured" wait_capturing "$DD_TMP/d.log" http://10.210.1.1:8475
send 10.210.1.1 43005 10
check "...its packets come" wait_packets "$DD_TMP/d.out" 10
echo "10.210.2.1 fleet.ddump.test" >>"$DD_TMP/fleet.hosts"
kill -HUP "$DNSMASQ"
check "the name now gives two addresses" wait_until 30 eval '[ "$(addresses)" = "10.210.1.1 10.210.2.1 " ]'
check "w2 joins the running capture, and ddump says so" wait_log "$DD_TMP/d.log" "target 1: http://10\.210\.2\.1:8475 joined"
check "...w2 is captured" wait_capturing "$DD_TMP/d.log" http://10.210.2.1:8475
send 10.210.2.1 43005 10
check "...and its packets are merged" wait_packets "$DD_TMP/d.out" 20
echo "10.210.2.1 fleet.ddump.test" >"$DD_TMP/fleet.hosts"
kill -HUP "$DNSMASQ"
check "w1 leaves the name" wait_until 30 eval '[ "$(addresses)" = "10.210.2.1 " ]'
check "...and the capture, and ddump says so" wait_log "$DD_TMP/d.log" "target 1: http://10\.210\.1\.1:8475 left"
check "...w1's capture ends" wait_until 30 eval '[ "$(live_captures c http://10.210.1.1:8475)" = 0 ]'
stop "$DPID"; rc=$?
expect_eq "a worker that left is no failure: status 0 on SIGINT" 0 "$rc"
expect_eq "...w1's packets are in the merge" 10 "$(from d 10.210.1.1)"
expect_eq "...and w2's" 10 "$(from d 10.210.2.1)"
report=$(python3 "$PCAPNG_CHECK" "$DD_TMP/d.out")
expect_match "the pcapng says when w2 joined (its interface's comment)" \
  '"10\.210\.2\.1/[^"]*: joined the running capture at [0-9T:.-]+Z?: a new worker under target 1[;"]' "$report"
expect_match "...and when w1 left (a statistics block's comment)" \
  '"left the capture at [0-9T:.-]+Z?: no longer under target 1"' "$report"

dd_finish
