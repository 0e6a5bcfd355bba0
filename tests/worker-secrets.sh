#!/usr/bin/env bash
# TLS secrets in the merged capture (issue 23): ddump-worker --tls-keylog follows curl's
# SSLKEYLOGFILE and sends its lines as Decryption Secrets Blocks, those already written
# first; ddump places them before the handshakes they are for, so that tshark, given no
# key file, shows the HTTP inside a real TLS session (openssl s_server on the other host),
# captured on both hosts. The audit log says a capture carried secrets; the policy can
# withhold them from a client; pcap has no place for them.
#
#        w 10.208.0.1 (curl, a worker with --tls-keylog) ──── c 10.208.0.2 (openssl s_server, a worker, ddump)
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl python3 tshark editcap openssl ping tcpdump
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
BLOCKS=$(dirname "$0")/pcapng-blocks.py
dd_host w && dd_host c && dd_link w 10.208.0.1 c 10.208.0.2 || skip_all "cannot create network namespaces"
WA=http://10.208.0.1:8475 WB=http://10.208.0.2:8475
FILTER='tcp+port+4433+or+icmp'

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=tls-server \
  -keyout "$DD_TMP/server.key" -out "$DD_TMP/server.pem" 2>/dev/null
bg_on c openssl s_server -quiet -www -accept 4433 -cert "$DD_TMP/server.pem" -key "$DD_TMP/server.key"
check "the TLS server listens" wait_listen c 4433

# A session before any capture: its lines are in the key log when the worker starts.
on w env SSLKEYLOGFILE="$DD_TMP/keys.log" curl -sk --max-time 10 -o /dev/null https://10.208.0.2:4433/before
expect_eq "curl wrote the key log of a first session" 1 "$(grep -c '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$DD_TMP/keys.log")"

# A second key log that does not exist yet, and a client the policy keeps secrets from
# (the direct peer's address is its name).
# A ClientHello may hold the worker's watermark back for as long as a loaded machine may
# take to read its secrets (as ddump's --max-delay its packets): the test waits for the
# secrets, never for a time.
start_worker w worker-w --listen :8475 --tls-keylog-wait 20000 --tls-keylog "$DD_TMP/keys.log" --tls-keylog "$DD_TMP/later.log" \
  --no-secrets-for 10.208.0.1
start_worker c worker-c --listen :8475
check "both workers are up" wait_http c "$WA/"
check "..." wait_http c "$WB/"
expect_match "the worker says which key logs it sends" "sending the TLS secrets of $DD_TMP/keys.log, $DD_TMP/later.log" \
  "$(cat "$DD_TMP/worker-w.log")"

# w's capture, as GET /captures describes it: capture FIELD.
capture () {
  on c curl -sf --max-time 2 "$WA/captures" |
    python3 -c 'import json, sys; print([c for c in json.load(sys.stdin) if c["format"] == "pcapng"][0][sys.argv[1]])' "$1"
}
at_least () { local v; v=$(capture "$1") && [ "$v" -ge "$2" ]; }

# One merged capture of both hosts while curl fetches a page over TLS 1.3, twice: its key
# log first in the file that did not exist, then in a file the worker does not follow,
# copied into that one only once the worker has sent 5 heartbeats since it saw the
# ClientHello: those held its watermark below it (else, 72 ms behind the clock, it would
# have passed it). Then a ping, which both hosts see after the sessions.
secrets_run () {
  local name=$1 hb
  ddump_bg "$name" -v -F pcapng --max-delay 30000 -w "$DD_TMP/$name.pcapng" "w=$WA/capture?filter=$FILTER" "c=$WB/capture?filter=$FILTER"
  wait_capturing "$DD_TMP/$name.log" "$WA/capture?filter=$FILTER" &&
    wait_capturing "$DD_TMP/$name.log" "$WB/capture?filter=$FILTER" || return 1
  on w env SSLKEYLOGFILE="$DD_TMP/later.log" curl -sk --max-time 10 -o /dev/null https://10.208.0.2:4433/ddump-secret-path || return 1
  on w env SSLKEYLOGFILE="$DD_TMP/aside.log" curl -sk --max-time 10 -o /dev/null https://10.208.0.2:4433/ddump-delayed-path || return 1
  wait_until 30 at_least hellos_waiting 1 || return 1
  hb=$(capture heartbeats) && wait_until 30 at_least heartbeats $((hb + 5)) || return 1
  HELD=$(capture watermark_ns)
  cat "$DD_TMP/aside.log" >>"$DD_TMP/later.log"
  wait_until 30 at_least secret_lines 15 || return 1
  on w ping -c 1 -W 5 10.208.0.2 >/dev/null || return 1
  # The echo request and reply on each host: everything before them is written.
  wait_until 30 has_icmp "$DD_TMP/$name.pcapng" 4 || return 1
  stop "$DPID"
}
has_icmp () { [ "$(count_packets "$1" icmp)" -ge "$2" ]; }
http_uris () {  # FILE: the HTTP request lines tshark decrypts, with no key file given
  timeout 60 tshark -r "$1" -o tls.keylog_file: -Y http.request -T fields -e http.request.uri 2>/dev/null | xargs
}

check "a capture of both hosts during two TLS sessions" secrets_run merged
expect_eq "tshark decrypts both sessions from the merged file alone: their HTTP requests" \
  "/ddump-secret-path /ddump-delayed-path" "$(http_uris "$DD_TMP/merged.pcapng")"
hello=$(timeout 60 tshark -r "$DD_TMP/merged.pcapng" -Y 'tls.handshake.type == 1 && frame.interface_name == "w/veth0"' \
  -T fields -e frame.time_epoch 2>/dev/null | tail -1 | tr -d .)
expect_eq "...the worker held its watermark below the second ClientHello until its secrets came" yes \
  "$([ -n "$hello" ] && [ "${HELD:-0}" -lt "$hello" ] && [ "$HELD" -gt "$((hello - 1000000000))" ] && echo yes)"
expect_eq "...captured on both hosts" "c/veth0 w/veth0" \
  "$(timeout 60 tshark -r "$DD_TMP/merged.pcapng" -Y tls -T fields -e frame.interface_name 2>/dev/null | sort -u | xargs)"
timeout 30 editcap --discard-all-secrets "$DD_TMP/merged.pcapng" "$DD_TMP/stripped.pcapng" 2>/dev/null
expect_eq "...and only thanks to the secrets it carries (stripped of them, nothing is decrypted)" "" \
  "$(http_uris "$DD_TMP/stripped.pcapng")"
python3 "$BLOCKS" dump "$DD_TMP/merged.pcapng" >"$DD_TMP/merged.txt"
expect_eq "...the secrets of the session before the capture come before every packet" "DSB" \
  "$(grep -v -e '^NRB' "$DD_TMP/merged.txt" | head -1 | cut -d' ' -f2)"
expect_eq "...three blocks of secrets: the lines already written, then each session's" 3 \
  "$(grep -c ' DSB 544c534b ' "$DD_TMP/merged.txt")"
log=$(cat "$DD_TMP/worker-w.log")
expect_match "the audit log says the capture carried secrets" "capture 1 started for 10.208.0.2 .*TLS secrets sent" "$log"
expect_match "...and how many lines, at its end (5 of each TLS 1.3 session)" "capture 1 ended .*, 15 TLS key log lines" "$log"

# pcap has no place for secrets; a client the policy names gets none. Each: a capture of
# one ping.
one_ping () {  # HOST OUT URL
  local n; n=$(captures_started w "$WA") || return 1
  on "$1" curl -sf --max-time 30 -o "$2" "$3" &
  local pid=$!
  wait_captures_started w "$WA" $((n + 1)) && on w ping -c 1 -W 5 10.208.0.2 >/dev/null
  wait "$pid"
}
check "a pcap capture from c" one_ping c "$DD_TMP/plain.pcap" "$WA/capture?filter=icmp&count=1&format=pcap"
check "a pcapng capture from w, whose address the policy names" one_ping w "$DD_TMP/withheld.pcapng" \
  "$WA/capture?filter=icmp&count=1&format=pcapng"
log=$(cat "$DD_TMP/worker-w.log")
expect_match "the audit log says pcap had no place for them" "capture 2 started for 10.208.0.2 .*TLS secrets not in pcap" "$log"
expect_match "...and that the policy withheld them from 10.208.0.1" "capture 3 started for 10.208.0.1 .*TLS secrets withheld" "$log"
expect_eq "...whose capture has its packet and no secrets" "1 0" \
  "$(python3 "$BLOCKS" dump "$DD_TMP/withheld.pcapng" | grep -c flags=) $(python3 "$BLOCKS" dump "$DD_TMP/withheld.pcapng" | grep -c ' DSB ')"

dd_finish
