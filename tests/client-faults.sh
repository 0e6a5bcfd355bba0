#!/usr/bin/env bash
# ddump when things break: a worker killed and restarted, a link going down and up, a
# worker that freezes (SIGSTOP), a source that sends a header and then nothing, a stream
# cut inside a record, a named-pipe reader that stops reading, and ddump itself killed.
#
#        w1 10.203.1.1 ──┐
#                        ├── c (10.203.N.2; runs ddump)
#        w2 10.203.2.1 ──┘
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump tshark python3 ss
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

dd_host c || skip_all "cannot create network namespaces"
for i in 1 2; do
  dd_host "w$i" && dd_link "w$i" "10.203.$i.1" c "10.203.$i.2" || skip_all "cannot create links"
done
W1=http://10.203.1.1:8475 W2=http://10.203.2.1:8475
start_worker w1 worker1 --listen :8475; WPID1=$WORKER_PID
start_worker w2 worker2 --listen :8475; WPID2=$WORKER_PID
check "two workers are up" eval 'wait_http c "$W1/" && wait_http c "$W2/"'

send () { on c "$UDP_SEND" --rate 2000 "$1" "$2" "$3" 2>/dev/null; }
packets_to () { count_packets "$1" "dst port $2"; }
has_port_packets () { [ "$(packets_to "$1" "$2")" -ge "$3" ]; }

# ---- a worker killed with SIGKILL, then restarted, under --reconnect -------------------------
ddump_bg restart -v -F pcapng --reconnect -f "udp port 42001" "$W1" "$W2"
check "ddump captures on both workers" eval 'wait_capturing "$DD_TMP/restart.log" "$W1" && wait_capturing "$DD_TMP/restart.log" "$W2"'
send 10.203.1.1 42001 50
wait_packets "$DD_TMP/restart.out" 50
{ kill -9 "$WPID1"; wait "$WPID1"; } 2>/dev/null
check "the killed worker's stream is reported broken" wait_log "$DD_TMP/restart.log" "10\.203\.1\.1:8475: the stream broke off"
send 10.203.2.1 42001 50
check "the other stream goes on meanwhile" wait_packets "$DD_TMP/restart.out" 100
start_worker w1 worker1b --listen :8475; WPID1=$WORKER_PID
check "the restarted worker is captured again (--reconnect)" wait_capturing "$DD_TMP/restart.log" "$W1" 2
send 10.203.1.1 42001 50
check "...and its packets after the restart are merged" wait_packets "$DD_TMP/restart.out" 150
stop "$DPID"; rc=$?
expect_eq "ddump ends on SIGINT with status 3: a target failed on the way and was reconnected" 3 "$rc"
check "...in time order" eval 'tcpdump --nano -tt -nr "$DD_TMP/restart.out" 2>/dev/null | awk "{ print \$1 }" | sort -c -n'
expect_match "...saying how long the gap was" \
  "^ddump: http://10\.203\.1\.1:8475: back after a gap of [0-9.]+ s, from [0-9:.]+ to [0-9:.]+ UTC$" "$(cat "$DD_TMP/restart.log")"
gap=$(python3 "$PCAPNG_CHECK" "$DD_TMP/restart.out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("\n".join(r["isb_comments"]))
s = r["isb_by_interface"].get("10.203.1.1/veth0", {})
print("blocks=%d comments=%d ifrecv=%s" % (s.get("count", 0), s.get("comments", 0), "ifrecv" in s))')
expect_match "...and the capture marks it on the worker's interface: when, how long, why" \
  "^gap from [0-9:.]+ to [0-9:.]+ UTC \([0-9.]+ s\): not captured, the stream broke off: .*$" "$gap"
expect_match "...in a statistics block with the counters up to the break, then the final one" \
  "^blocks=2 comments=1 ifrecv=True$" "$gap"

# ---- a worker stopped with SIGTERM, then started again, under --reconnect ------------------------
# The worker ends its streams cleanly as it stops; a client that reconnects takes that for
# an interruption, not for the end it asked for.
ddump_bg sigterm -v -F pcapng --reconnect -f "udp port 42006" "$W1" "$W2"
check "ddump captures on both workers" eval 'wait_capturing "$DD_TMP/sigterm.log" "$W1" && wait_capturing "$DD_TMP/sigterm.log" "$W2"'
send 10.203.1.1 42006 20
wait_packets "$DD_TMP/sigterm.out" 20
stop "$WPID1" TERM; rc=$?
expect_eq "the worker stops cleanly on SIGTERM" 0 "$rc"
check "ddump says the worker shut down, and reconnects" wait_log "$DD_TMP/sigterm.log" \
  "10\.203\.1\.1:8475: the worker shut down before the capture's end"
start_worker w1 worker1c --listen :8475; WPID1=$WORKER_PID
check "the worker, started again, is captured again" wait_capturing "$DD_TMP/sigterm.log" "$W1" 2
send 10.203.1.1 42006 20
check "...and its packets are merged" wait_packets "$DD_TMP/sigterm.out" 40
check "...after a gap, marked" wait_log "$DD_TMP/sigterm.log" "10\.203\.1\.1:8475: back after a gap of"
stop "$DPID"; rc=$?
expect_eq "ddump ends with status 3: reconnected after a gap" 3 "$rc"
ddump_bg sigterm2 -v -F pcapng -f "udp port 42006" "$W1"
check "without --reconnect" wait_capturing "$DD_TMP/sigterm2.log" "$W1"
stop "$WPID1" TERM
check "...a worker's SIGTERM ends ddump's capture" wait_exit "$DPID" 30
expect_eq "...with status 0: the stream ended cleanly" 0 "$STATUS"
start_worker w1 worker1d --listen :8475; WPID1=$WORKER_PID
check "the worker is up again" wait_http c "$W1/"

# ---- a link set down and up under a running capture ------------------------------------------
ddump_bg link -v -f "udp port 42002" "$W2"
check "ddump captures" wait_capturing "$DD_TMP/link.log" "$W2"
send 10.203.2.1 42002 20
wait_packets "$DD_TMP/link.out" 20
ip -n "$(ns w2)" link set veth0 down
ip -n "$(ns c)" link set veth1 down
ip -n "$(ns w2)" link set veth0 up
ip -n "$(ns c)" link set veth1 up
reachable () { on c ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
check "the link comes back" wait_until 20 reachable 10.203.2.1
send 10.203.2.1 42002 20
check "the capture goes on across the link's down and up" wait_packets "$DD_TMP/link.out" 40
stop "$DPID"; rc=$?
expect_eq "...and ends cleanly on SIGINT" 0 "$rc"

# ---- a worker that freezes: no data, no heartbeat -------------------------------------------
ddump_bg frozen -v --reconnect --connect-timeout 2 -f "udp port 42003" "$W1" "$W2"
check "ddump captures on both workers" eval 'wait_capturing "$DD_TMP/frozen.log" "$W1" && wait_capturing "$DD_TMP/frozen.log" "$W2"'
# Frozen once ddump knows its heartbeat (before, the stall takes 30 s to be called).
check "ddump has learnt the worker's heartbeat" wait_log "$DD_TMP/frozen.log" "10\.203\.1\.1:8475: a heartbeat every"
kill -STOP "$WPID1"
check "a frozen worker's stream is found stalled (no heartbeat)" \
  wait_until 30 grep -Eq "10\.203\.1\.1:8475: the stream stalled: nothing for [0-9.]+ s, not even a heartbeat" "$DD_TMP/frozen.log"
send 10.203.2.1 42003 30
check "...while the other worker's packets are merged" wait_packets "$DD_TMP/frozen.out" 30
kill -CONT "$WPID1"
check "once it thaws, ddump captures on it again" wait_until 40 has_capturing "$DD_TMP/frozen.log" "$W1" 2
send 10.203.1.1 42003 30
check "...and merges its packets" wait_packets "$DD_TMP/frozen.out" 60
stop "$DPID"

# ---- a source that sends its header and then nothing ------------------------------------------
python3 "$MAKE_CAPTURE" --count 1 "$DD_TMP/one.pcap"
head -c 24 "$DD_TMP/one.pcap" >"$DD_TMP/header.pcap"
on c timeout 120 python3 - 127.0.0.1 4300 "$DD_TMP/header.pcap" <<'PY' &
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
conn, _ = srv.accept()
conn.sendall(open(sys.argv[3], "rb").read())
time.sleep(110)  # then nothing, for ever
PY
DD_PIDS+=($!)
wait_listen c 4300
ddump_bg silent -v --max-delay 1000 -f "udp port 42004" "$W2" tcp://127.0.0.1:4300
check "ddump captures beside a silent source" wait_capturing "$DD_TMP/silent.log" "$W2"
send 10.203.2.1 42004 25
check "beside a source that went silent after its header, the output goes on (after --max-delay)" \
  wait_packets "$DD_TMP/silent.out" 25
check "ddump is still running" kill -0 "$DPID"
stop "$DPID"; rc=$?
expect_eq "...and ends on SIGINT with status 0" 0 "$rc"

# ---- a stream cut inside a record ---------------------------------------------------------------
python3 "$MAKE_CAPTURE" --count 3 "$DD_TMP/three.pcap"
head -c $(( $(stat -c %s "$DD_TMP/three.pcap") - 10 )) "$DD_TMP/three.pcap" >"$DD_TMP/cut.pcap"
on c timeout 60 bash -c 'nc -l -N 127.0.0.1 4301 <"$1"' _ "$DD_TMP/cut.pcap" &
DD_PIDS+=($!)
wait_listen c 4301
out=$(on c timeout 30 "$DDUMP" tcp://127.0.0.1:4301 -w "$DD_TMP/cut.out" 2>&1); rc=$?
expect_eq "a stream cut inside a record: status 2" 2 "$rc"
expect_match "...named as such" "tcp://127\.0\.0\.1:4301: .*ended inside a record" "$out"
expect_eq "...and the whole records before the cut are kept" 2 "$(count_packets "$DD_TMP/cut.out")"

# ---- a named-pipe reader that stops reading ----------------------------------------------------
python3 "$MAKE_CAPTURE" --count 100000 --size 500 "$DD_TMP/big.pcap"
fifo="$DD_TMP/stall.fifo"
ddump_bg fifo --fifo "$fifo" "$DD_TMP/big.pcap" --reconnect "$W2/capture?filter=udp%20port%2042005"
wait_until 30 test -p "$fifo"
# The reader opens the pipe (read-write, so that opening never waits), takes the file
# header, and then reads nothing more.
exec 7<>"$fifo"
timeout 10 head -c 24 <&7 >/dev/null
pipe_full () {
  [ "$(python3 -c 'import fcntl, struct, termios
print(struct.unpack("i", fcntl.ioctl(7, termios.FIONREAD, b"\0\0\0\0"))[0])')" -ge 60000 ]
}
check "ddump fills the pipe" wait_until 20 pipe_full
kill -INT "$DPID"
check "SIGINT ends ddump although the reader stopped reading (it waits 0.5 s for it)" wait_exit "$DPID" 30
expect_eq "...with status 2 (the capture could not all be written)" 2 "$STATUS"
expect_match "...saying so" "the reader stopped reading; [0-9]+ bytes of the capture were not written" "$(cat "$DD_TMP/fifo.log")"
exec 7<&-

# ---- a slow named-pipe reader at the end of a run ------------------------------------------------
# It takes 32 KiB every 0.1 s. SIGINT comes while ddump still holds much of the capture
# for it: the reader keeps reading, so ddump waits for it and it gets all that was merged.
fifo="$DD_TMP/slow.fifo"
"$DDUMP" --fifo "$fifo" "$DD_TMP/big.pcap" 2>"$DD_TMP/slow.log" &
DPID=$!; DD_PIDS+=("$DPID")
wait_until 30 test -p "$fifo"
timeout 60 python3 -c '
import os, signal, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
got = 0
with open(sys.argv[2], "wb") as out:
    while True:
        data = os.read(fd, 32768)
        if not data:
            break
        out.write(data)
        if got < 262144 <= got + len(data):
            os.kill(int(sys.argv[3]), signal.SIGINT)
        got += len(data)
        time.sleep(0.1)  # the slow reader itself, not a wait
' "$fifo" "$DD_TMP/slow.out" "$DPID"; rc=$?
expect_eq "a slow reader of the named pipe, SIGINT meanwhile: it reads to the end" 0 "$rc"
check "...ddump ends" wait_exit "$DPID" 30
expect_eq "...with status 0" 0 "$STATUS"
written=$(sed -n 's/.*: \([0-9]*\) packets written to .*/\1/p' "$DD_TMP/slow.log")
expect_eq "...and the reader has every packet ddump wrote" "$written" "$(count_packets "$DD_TMP/slow.out")"

# ---- stdout inherited in non-blocking mode, its reader stalled ----------------------------------
# A shell or a parent may leave stdout O_NONBLOCK. When its reader stops, ddump must not block
# in write(): SIGINT still ends it (after the grace for the reader), with status 2.
out=$(timeout 60 python3 -c '
import fcntl, os, signal, struct, subprocess, sys, termios, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen([sys.argv[1], sys.argv[2]], stdout=w, stderr=open(sys.argv[3], "w"))
os.close(w)
os.read(r, 24)  # the file header, then nothing more
deadline = time.monotonic() + 30
def queued():
    return struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"))[0]
while queued() < 60000 and time.monotonic() < deadline:
    time.sleep(0.05)  # polling the pipe with a deadline
p.send_signal(signal.SIGINT)
try:
    print("exit", p.wait(timeout=30))
except subprocess.TimeoutExpired:
    p.kill(); p.wait()
    print("exit timeout")
' "$DDUMP" "$DD_TMP/big.pcap" "$DD_TMP/nonblock.log")
expect_eq "stdout non-blocking and not read: SIGINT ends ddump, status 2" "exit 2" "$out"
expect_match "...saying the reader stopped reading" "stdout: the reader stopped reading" "$(cat "$DD_TMP/nonblock.log")"

# ---- ddump killed mid-capture ------------------------------------------------------------------
ddump_bg killed -v -F pcapng -w "$DD_TMP/killed.pcapng" -f "udp port 42006" "$W1" "$W2"
check "ddump captures on both workers" eval 'wait_capturing "$DD_TMP/killed.log" "$W1" && wait_capturing "$DD_TMP/killed.log" "$W2"'
send 10.203.1.1 42006 100
send 10.203.2.1 42006 100
check "the capture is being written" wait_packets "$DD_TMP/killed.pcapng" 200
kill -9 "$DPID"; wait "$DPID" 2>/dev/null
n=$(tshark -r "$DD_TMP/killed.pcapng" 2>/dev/null | wc -l)
expect_eq "ddump killed with SIGKILL: tshark reads every packet written so far" 200 "$n"
check "...and the file has no torn block (tshark reads it without an error)" eval 'tshark -r "$DD_TMP/killed.pcapng" >/dev/null 2>&1'

check "worker 2 is still running" kill -0 "$WPID2"
dd_finish
