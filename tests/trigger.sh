#!/usr/bin/env bash
# ddump-trigger with a real redis-server: messages published with redis-cli become merged
# captures of real workers in network namespaces, stored in a directory; each result is
# read back from the reply channel.
#
#        w1 10.202.1.1 ──┐
#        w2 10.202.2.1 ──┼── c (10.202.N.2; redis-server on its loopback, ddump-trigger)
#        w3 10.202.3.1 ──┘
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump capinfos python3 redis-server redis-cli
[ -n "${TRIGGER:-}" ] || skip_all "TRIGGER is not set (run through meson test, with hiredis)"

dd_host c || skip_all "cannot create network namespaces"
for i in 1 2 3; do
  dd_host "w$i" && dd_link "w$i" "10.202.$i.1" c "10.202.$i.2" || skip_all "cannot create links"
done
# w1 and w2 keep a minute of UDP history for "before"; w3 keeps none.
start_worker w1 worker1 --listen :8475 --history 60 --history-filter udp
start_worker w2 worker2 --listen :8475 --history 60 --history-filter udp
start_worker w3 worker3 --listen :8475
W1=http://10.202.1.1:8475 W2=http://10.202.2.1:8475 W3=http://10.202.3.1:8475
workers_up () { local u; for u in "$W1" "$W2" "$W3"; do wait_http c "$u/" || return 1; done; }
check "three workers are up" workers_up

REDIS_PORT=6390
redis_up () { on c redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
start_redis () {
  bg_on c redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >>"$DD_TMP/redis.log" 2>&1
  REDIS_PID=$BG_PID
  wait_until 30 redis_up
}
check "redis-server is up" start_redis

# The results, as the reply channel carries them: one JSON object a line.
listen_results () {
  bg_on c timeout 900 redis-cli -p "$REDIS_PORT" subscribe capture.done >>"$DD_TMP/done.raw" 2>/dev/null
  wait_until 30 has_listener
}
has_listener () { [ "$(on c redis-cli -p "$REDIS_PORT" pubsub numsub capture.done 2>/dev/null | tail -1)" = 1 ]; }
check "a listener on capture.done" listen_results
results () { grep '^{' "$DD_TMP/done.raw" 2>/dev/null; }
# res ALERTID EXPR: a Python expression of the last result of that alertid (d); has_res
# ALERTID: there is one; wait_res ALERTID: until there is (SECONDS, default 30).
res () {
  results | python3 -c "
import json, sys
d = None
for line in sys.stdin:
    r = json.loads(line)
    if r.get('alertid') == sys.argv[1]:
        d = r
print($2)" "$1"
}
has_res () { [ "$(res "$1" 'd is not None')" = True ]; }
wait_res () { wait_until "${2:-30}" has_res "$1"; }
# publish notes how many captures each worker has started; capturing N URL...: until each
# has started N more since (the event's: nothing else captures on the workers).
declare -A MARK
publish () {
  local url
  for url in "$W1" "$W2" "$W3"; do MARK[$url]=$(captures_started c "$url"); done
  on c redis-cli -p "$REDIS_PORT" publish capture "$1" >/dev/null
}
capturing () {
  local n=$1 url; shift
  for url in "$@"; do wait_captures_started c "$url" $((${MARK[$url]:-0} + n)) || return 1; done
}
send () { on c "$UDP_SEND" --rate "${4:-1000}" "$1" "$2" "$3" >/dev/null 2>&1; }
comments () { capinfos -k "$1" 2>/dev/null | tr '\n' ' '; }
no_part_files () { [ -z "$(find "$STORE" -name '*.part')" ]; }

STORE=$DD_TMP/store
cat >"$DD_TMP/trigger.conf" <<EOF
[trigger]
max-duration=20
max-packets=1000
default-timeout=15
max-concurrent=2
max-queued=1
redis=redis://127.0.0.1:$REDIS_PORT
store=$STORE
packetdebug=true

[worker w1]
url=$W1

[worker w2]
url=$W2

# Each worker's link to c is veth0; the alias "uplink" names it on w3 only.
[interface public]
name=veth0
alias=public
[interface uplink-w3]
name=veth0
alias=uplink
nodes=w3
EOF
# A workload for "follow": its one pod is an address of w1's; c resolves it through its
# own hosts file (ip netns exec mounts it over /etc/hosts, for the programs started after).
ip -n "$(ns w1)" addr add 10.202.1.11/24 dev veth0
mkdir -p "/etc/netns/$(ns c)"
printf '127.0.0.1 localhost\n10.202.1.11 app.ddump.test\n' >"/etc/netns/$(ns c)/hosts"
bg_on c "$TRIGGER" -v --config "$DD_TMP/trigger.conf" w3="$W3" >"$DD_TMP/trigger.log" 2>&1
TPID=$BG_PID
check "ddump-trigger subscribes to the channel" wait_log "$DD_TMP/trigger.log" "subscribed to “capture”"

# ---- packets, and the file's section header ---------------------------------------------
publish '{"node":"w1","bpf":"udp port 42001","packets":10,"alertid":101,"customer":"acme","tags":"db,slow"}'
check "a message starts a capture on the worker it names" capturing 1 "$W1"
send 10.202.1.1 42001 50 500
check "...whose result is published on capture.done" wait_res 101
expect_eq "...stored" stored "$(res 101 'd["status"]')"
expect_eq "...ended by the packet count" "count 10" "$(res 101 'd["ended"], d["packets"]')"
f=$(res 101 'd["file"]')
expect_match "...named ALERTID-UTCTIME.pcapng in the store" "^$STORE/101-[0-9]{8}T[0-9]{6}Z\.pcapng$" "$f"
expect_eq "...holding the 10 packets" 10 "$(count_packets "$f")"
expect_match "...with the event in its section header" \
  "alertid=101; customer=acme; tags=db,slow.*worker w1: http://10\.202\.1\.1:8475.*message: \{\"node\":\"w1\"" "$(comments "$f")"
expect_eq "...and the worker's counts in the result" "w1 10.202.1.1" \
  "$(res 101 'd["workers"][0]["name"], d["workers"][0]["target"].split("//")[1].split(":")[0]')"
check "no temporary file is left in the store" no_part_files

# ---- follow: a workload's pods, by name -------------------------------------------------
publish '{"node":"w1","follow":"app.ddump.test","bpf":"udp port 42012","packets":10,"alertid":141}'
check "follow: the event captures on w1" capturing 1 "$W1"
send 10.202.1.1 42012 20
send 10.202.1.11 42012 10
check "...and is answered" wait_res 141
expect_eq "...stored, 10 packets" "stored 10" "$(res 141 'd["status"], d["packets"]')"
expect_eq "...every one to the workload's address, none to w1's own (sent before)" 10 \
  "$(count_packets "$(res 141 'd["file"]')" "dst host 10.202.1.11")"
publish '{"node":"w1","follow":"not a name!","alertid":142}'
check "follow with what is not a DNS name" wait_res 142
expect_match "...is refused, saying so" "refused field “follow”: “not a name!” is not a DNS name" \
  "$(res 142 'd["status"], d["error"]')"

# ---- packetdebug: each packet in the log -------------------------------------------------
publish '{"node":"w1","bpf":"udp port 42011","packets":3,"alertid":132,"packetdebug":true}'
check "packetdebug" capturing 1 "$W1"
send 10.202.1.1 42011 10
check "...the event ends" wait_res 132
expect_eq "...its 3 packets are logged, as pcapdaemon prints them" 3 \
  "$(grep -c 'packet [0-9]*\.[0-9]* interface [0-9]*: 10\.202\.1\.2:[0-9]* > 10\.202\.1\.1:42011 UDP, 80 bytes (80 captured)' "$DD_TMP/trigger.log")"

# ---- before: the seconds before the event ----------------------------------------------
# The history keeps UDP alone, and every datagram of the earlier events: 12 more are ours.
kept=$(metric c "$W1" history_packets)
send 10.202.1.1 42009 12
has_history () { [ "$(metric c "$W1" history_packets)" -ge $((${kept:-0} + 12)) ] 2>/dev/null; }
check "w1 keeps 12 datagrams in its history" wait_until 30 has_history
publish '{"node":"w1","bpf":"udp port 42009","before":30,"packets":12,"alertid":130}'
check "before 30: the event is answered" wait_res 130
expect_eq "...with the 12 packets sent before the message" "stored 12" "$(res 130 'd["status"], d["packets"]')"
publish '{"node":"w3","bpf":"udp port 1","before":5,"duration":1,"alertid":131}'
check "before, on a worker that keeps no history" wait_res 131
expect_match "...fails, saying what the worker needs" "failed .*--history" "$(res 131 'd["status"], d["error"]')"

# ---- nodere: one merged file of several workers -----------------------------------------
publish '{"nodere":"^w[12]$","bpf":"udp port 42002","duration":4,"alertid":102}'
check "nodere ^w[12]$ captures on w1 and w2" capturing 1 "$W1" "$W2"
for i in 1 2 3; do send "10.202.$i.1" 42002 30; done
check "...until the duration ends it" wait_res 102
expect_eq "...stored, ended by the duration" "stored duration" "$(res 102 'd["status"], d["ended"]')"
f=$(res 102 'd["file"]')
names=$(tshark -r "$f" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
expect_eq "...one file with w1's and w2's packets, not w3's, on interfaces named after them" "w1/veth0=30 w2/veth0=30 " "$names"
expect_eq "...the result names both workers" "['w1', 'w2']" "$(res 102 '[w["name"] for w in d["workers"]]')"

# ---- an alias maps to a worker's own interface ------------------------------------------
publish '{"node":"any","alias":["uplink"],"bpf":"udp port 42003","packets":5,"alertid":103}'
check "alias “uplink” captures on the one worker that has it" capturing 1 "$W3"
send 10.202.3.1 42003 20 200
check "...and ends" wait_res 103
expect_eq "...on w3 only, on its veth0" "['w3'] 5" "$(res 103 '[w["name"] for w in d["workers"]], d["packets"]')"
expect_match "...the workers without it are named in the warnings" "w1.*uplink.*w2.*uplink" "$(res 103 'd["warnings"]')"
expect_match "...and the request asked for that interface" "worker w3: http://10\.202\.3\.1:8475\?interface=veth0" "$(comments "$(res 103 'd["file"]')")"

# ---- timeout, without and with packets -------------------------------------------------
publish '{"node":"w1","bpf":"udp port 1","timeout":0.5,"alertid":104}'
check "timeout 0.5 with no packet ends the capture" wait_res 104
expect_eq "...and stores nothing (status empty)" "empty timeout None" "$(res 104 'd["status"], d["ended"], d.get("file")')"
expect_eq "...no file of that alert" "" "$(find "$STORE" -name '104-*')"
publish '{"node":"w2","bpf":"udp port 42005","timeout":5,"alertid":105}'
check "timeout 5 while packets come" capturing 1 "$W2"
send 10.202.2.1 42005 20 200
check "...ends once they stop" wait_res 105
expect_eq "...and stores them" "stored timeout 20" "$(res 105 'd["status"], d["ended"], d["packets"]')"

# ---- bytes --------------------------------------------------------------------------------
publish '{"node":"w1","bpf":"udp port 42006","bytes":4000,"alertid":106}'
check "bytes 4000" capturing 1 "$W1"
bg_on c "$UDP_SEND" --rate 200 10.202.1.1 42006 4000 >/dev/null 2>&1; sender=$BG_PID
check "...ends the capture" wait_res 106
kill "$sender" 2>/dev/null; wait "$sender" 2>/dev/null
expect_eq "...at the packet that passes 4000 bytes" "bytes True" \
  "$(res 106 'd["ended"], 4000 <= d["bytes"] < 5000 and d["packets"] > 0')"
expect_eq "...which is the file's size" "$(res 106 'd["bytes"]')" "$(stat -c %s "$(res 106 'd["file"]')")"

# ---- a cap clamps, and says so ----------------------------------------------------------
publish '{"node":"w1","bpf":"udp port 42007","packets":5000,"alertid":107}'
check "packets 5000 over max-packets 1000" capturing 1 "$W1"
send 10.202.1.1 42007 1500 5000
check "...ends" wait_res 107
expect_eq "...at 1000 packets" "count 1000" "$(res 107 'd["ended"], d["packets"]')"
expect_eq "...the clamp is in the result" "['packets 5000 above max-packets, clamped to 1000']" "$(res 107 'd["clamps"]')"
expect_match "...and in the file" "clamped: packets 5000 above max-packets, clamped to 1000" "$(comments "$(res 107 'd["file"]')")"

# ---- folders ------------------------------------------------------------------------------
publish '{"node":"w1","bpf":"udp port 1","duration":0.5,"alertid":108,"folder":"team/db"}'
check "folder team/db" wait_res 108
expect_match "...stores under it" "^$STORE/team/db/108-" "$(res 108 'd["file"]')"
publish '{"node":"w1","duration":0.5,"alertid":109,"folder":"../evil"}'
check "folder ../evil" wait_res 109
expect_eq "...is refused" refused "$(res 109 'd["status"]')"
expect_match "...naming the field" "folder" "$(res 109 'd["error"]')"

# ---- bad messages: a result that names the problem; the daemon goes on ---------------------
bad () {  # ALERTID MESSAGE REGEX
  publish "$2"
  if wait_res "$1"; then
    expect_match "bad message $2: refused, saying why" "^refused .*$3" "$(res "$1" 'd["status"], d["error"]')"
  else
    not_ok "bad message $2: no result"
  fi
}
bad 110 '{"node":"nope","alertid":110}' "no worker is named “nope” \(known: w1, w2, w3\)"
bad 111 '{"node":"w1","bpf":"udp port","alertid":111}' "field “bpf”"
bad 112 '{"node":"w1","packets":"ten","alertid":112}' "field “packets”: expected a whole number"
bad 113 '{"nodere":"((","alertid":113}' "not a regular expression"
bad 114 '{"node":"w1","alias":["nowhere"],"alertid":114}' "alias nowhere"
before=$(results | wc -l)
publish 'not json at all'
check "a message that is not JSON gets a result too" wait_until 30 eval '[ "$(results | wc -l)" -gt "$before" ]'
expect_match "...that says so" '"status":"refused".*not JSON' "$(results | tail -1)"
check "the daemon is still running" kill -0 "$TPID"

# ---- concurrency: two run, one waits, the next is refused ----------------------------------
for c in 1 2 3 4; do
  publish "{\"node\":\"w1\",\"bpf\":\"udp port 1\",\"duration\":2,\"alertid\":\"c$c\"}"
done
check "four events at once: the fourth is answered" wait_res c4
expect_match "...refused, as two run and one waits" "refused.*too busy: 2 captures running \(max-concurrent\) and 1 waiting \(max-queued\)" \
  "$(res c4 'd["status"], d["error"]')"
check "...the third waits its turn" wait_log "$DD_TMP/trigger.log" "alertid c3.*waits: 2 captures are running"
check "...and its sender is told so on the reply channel" grep -q '"alertid":"c3","status":"waiting","error":"waits: 2 captures' "$DD_TMP/done.raw"
finished () { has_res "$1" && [ "$(res "$1" 'd["status"]')" != waiting ]; }
check "...and all three are stored" wait_until 60 eval 'finished c1 && finished c2 && finished c3'
expect_eq "...each of them" "stored stored stored" "$(res c1 'd["status"]') $(res c2 'd["status"]') $(res c3 'd["status"]')"

# ---- Redis restarts under the daemon -----------------------------------------------------
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
check "a lost Redis connection is logged" wait_log "$DD_TMP/trigger.log" "connection lost.*retrying in"
check "...the daemon goes on" kill -0 "$TPID"
check "redis-server starts again" start_redis
check "...the daemon subscribes again" wait_until 60 eval '[ "$(grep -c "subscribed to “capture”" "$DD_TMP/trigger.log")" -ge 2 ]'
check "...a listener on capture.done again" listen_results
publish '{"node":"w2","bpf":"udp port 1","duration":0.5,"alertid":120}'
check "...and an event is captured and answered" wait_res 120
expect_eq "...stored" stored "$(res 120 'd["status"]')"

# ---- stopping: a running capture is stored, then the daemon exits -------------------------
publish '{"node":"w1","bpf":"udp port 42008","duration":15,"alertid":121}'
check "a long capture runs" capturing 1 "$W1"
send 10.202.1.1 42008 7
part_has () { local f; f=$(find "$STORE" -name '*.part' | head -1); [ -n "$f" ] && has_packets "$f" "$1"; }
check "...its file, under a temporary name, holds the 7 packets sent" wait_until 30 part_has 7
stop "$TPID" TERM; rc=$?
expect_eq "SIGTERM ends the daemon with status 0" 0 "$rc"
check "...after publishing the running capture's result" has_res 121
expect_eq "...stored with what it held" "stored stopped 7" "$(res 121 'd["status"], d["ended"], d["packets"]')"
check "no temporary file is left in the store" no_part_files

# ---- the shipped unit --------------------------------------------------------------------
unit_exposure_at_most ddump-trigger.service 2.0 "systemd-analyze rates the shipped unit at most 2.0 (no capability at all)"

dd_finish
