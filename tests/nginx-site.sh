#!/usr/bin/env bash
# The shipped nginx site (data/nginx/ddump-worker.conf), its paths substituted and nothing
# else changed, in front of a worker that trusts it (--trust-proxy unix); ddump in another
# host. Mutual TLS and Basic Auth, their refusals, and a capture without any filter that
# carries none of its own stream: the proxy's connection is excluded through the
# Forwarded header.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl nginx openssl ping tcpdump capinfos
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
NGINX=$(command -v nginx)
SITE=$(dirname "$0")/../data/nginx/ddump-worker.conf

certs="$DD_TMP/certs"
bash "$(dirname "$0")/make-certs.sh" "$certs" || skip_all "openssl could not make the test certificates"
password='s3cret:pw'
printf 'alice:%s\n' "$(openssl passwd -apr1 "$password")" > "$DD_TMP/htpasswd"

dd_pair || skip_all "cannot create network namespaces"
# No IPv6 chatter (router solicitations, DAD) in the packet counts below.
for h in w c; do on "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
start_worker w worker --listen "unix:$DD_TMP/worker.sock" --listen 127.0.0.1:18601 --trust-proxy unix
check "the worker listens on its unix socket" wait_until 30 test -S "$DD_TMP/worker.sock"

sed -e "s|/run/ddump-worker.sock|$DD_TMP/worker.sock|" \
    -e "s|/etc/ddump/tls/server.pem|$certs/server.pem|" \
    -e "s|/etc/ddump/tls/server.key|$certs/server.key|" \
    -e "s|/etc/ddump/tls/clients-ca.pem|$certs/ca.pem|" \
    -e "s|/etc/ddump/htpasswd|$DD_TMP/htpasswd|" "$SITE" > "$DD_TMP/site.conf"
back=$(sed -e "s|$DD_TMP/worker.sock|/run/ddump-worker.sock|" \
    -e "s|$certs/server.pem|/etc/ddump/tls/server.pem|" -e "s|$certs/server.key|/etc/ddump/tls/server.key|" \
    -e "s|$certs/ca.pem|/etc/ddump/tls/clients-ca.pem|" -e "s|$DD_TMP/htpasswd|/etc/ddump/htpasswd|" "$DD_TMP/site.conf")
expect_eq "the site under test is the shipped one but for its paths" "" "$(diff <(echo "$back") "$SITE")"
nginx_config "$DD_TMP/nginx.conf" <<CONF
  include $DD_TMP/site.conf;
CONF
bg_on w "$NGINX" -c "$DD_TMP/nginx.conf"
check "nginx runs the site" wait_until 30 on w curl -sk -o /dev/null --max-time 1 https://10.200.0.1:8443/
check "ddump's host reaches it" wait_until 30 on c ping -q -c 1 -W 1 10.200.0.1

URL="https://alice:$password@10.200.0.1:8443/capture"
TLS=(--ca "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/client.key")

# run NAME ARGS...: ddump in c for 4 ICMP packets; RC, OUT (packets) and ERR.
run () {
  local name=$1; shift
  on c timeout 90 "$DDUMP" -q -c 4 --connect-timeout 60 "$@" >"$DD_TMP/$name.pcap" 2>"$DD_TMP/$name.log"
  RC=$?
  OUT=$(count_packets "$DD_TMP/$name.pcap")
  ERR=$(cat "$DD_TMP/$name.log")
}

bg_on c ping -q -i 0.05 -c 2000 10.200.0.1 >/dev/null
PING_PID=$BG_PID
run good "${TLS[@]}" "$URL?filter=icmp"
expect_eq "a good client certificate and password: 4 packets, status 0" "0 4" "$RC $OUT"
on c timeout 90 "$DDUMP" -c 4 --connect-timeout 60 "${TLS[@]}" "$URL?filter=icmp" >/dev/null 2>"$DD_TMP/clock.log"
expect_match "...and ddump reads the worker's clock through the site (GET /clock beside /capture)" \
  "^ddump: https://10\.200\.0\.1:8443/capture\?filter=icmp: [0-9]+ packets .*; clock offset [-+][0-9.]+ ms ± [0-9.]+ ms$" \
  "$(cat "$DD_TMP/clock.log")"
run nocert --ca "$certs/ca.pem" "$URL?filter=icmp"
expect_eq "no client certificate: status 2" 2 "$RC"
expect_match "...saying one is wanted" "400 Bad Request: .*client certificate \(--cert and --key\)" "$ERR"
run wrongcert --ca "$certs/ca.pem" --cert "$certs/rogue-server.pem" --key "$certs/rogue-server.key" "$URL?filter=icmp"
expect_eq "a certificate of another CA: status 2" 2 "$RC"
expect_match "...refused, naming the certificate" "400 Bad Request: .*SSL certificate" "$ERR"
run wrongpw "${TLS[@]}" "https://alice:nope@10.200.0.1:8443/capture?filter=icmp"
expect_eq "a wrong password: status 2" 2 "$RC"
expect_match "...saying so" "401 Unauthorized.*the user name or password was refused" "$ERR"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null

# A capture of everything, while exactly 50 pings cross: it must hold their 100 packets and
# nothing of the TLS connection that carries it (which would feed itself).
on c ping -q -c 1 -W 2 10.200.0.1 >/dev/null   # the neighbours are known before
ddump_bg all -v -q -w "$DD_TMP/all.pcap" "${TLS[@]}" "$URL"
check "ddump captures through the site" wait_capturing "$DD_TMP/all.log" "https://10.200.0.1:8443/capture"
check "...the unfiltered capture, on the worker" wait_log "$DD_TMP/worker.log" "capture [0-9]+ started for .* from unix socket \(a trusted proxy, for 10\.200\.0\.2:[0-9]+ ↔ 10\.200\.0\.1:8443\): .*filter “not \(.*the proxy's connection excluded"
check "...and its header is written" wait_size "$DD_TMP/all.pcap" 24
on c ping -q -i 0.02 -c 50 10.200.0.1 >/dev/null
check "the 100 ICMP packets arrive" wait_until 30 has_packets "$DD_TMP/all.pcap" 100
stop "$DPID"; expect_eq "ddump ends cleanly on SIGINT" 0 $?
total=$(count_packets "$DD_TMP/all.pcap")
icmp=$(count_packets "$DD_TMP/all.pcap" icmp)
tls=$(count_packets "$DD_TMP/all.pcap" tcp port 8443)
arp=$(count_packets "$DD_TMP/all.pcap" arp)
expect_eq "no packet of the client-to-nginx connection" 0 "$tls"
expect_eq "the traffic sent and nothing more: 100 ICMP packets" "100 100" "$icmp $((total - arp))"
expect_match "the worker logged the connection it excluded" "trusting the Forwarded header of unix" "$(cat "$DD_TMP/worker.log")"

# pcapng: the worker's section header says what was excluded.
bg_on c ping -q -i 0.05 -c 200 10.200.0.1 >/dev/null
PING_PID=$BG_PID
on c curl -s --max-time 60 --cacert "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/client.key" \
  -u "alice:$password" -o "$DD_TMP/ng.pcapng" "https://10.200.0.1:8443/capture?format=pcapng&count=2&filter=icmp"
expect_eq "a pcapng stream through the site" 2 "$(count_packets "$DD_TMP/ng.pcapng")"
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
expect_match "...whose section header names the excluded connection" \
  "excluded: the worker's own sockets and the proxy's connection 10\.200\.0\.2:[0-9]+ ↔ 10\.200\.0\.1:8443" \
  "$(capinfos "$DD_TMP/ng.pcapng" 2>/dev/null)"

# The header from anyone else is ignored, and said once; a trusted proxy's unusable one is refused.
for i in 1 2; do
  on w curl -s -o /dev/null --max-time 10 -H 'Forwarded: for=10.9.9.9:1;by=10.9.9.8:2' \
    "http://127.0.0.1:18601/capture?count=1&timeout=0.2" || true
done
expect_eq "an untrusted peer's Forwarded header is ignored, and logged once" 1 \
  "$(grep -c "ignoring the Forwarded header of 127.0.0.1" "$DD_TMP/worker.log")"
code=$(on w curl -s -o "$DD_TMP/bad.txt" -w '%{http_code}' --max-time 10 --unix-socket "$DD_TMP/worker.sock" \
  -H 'Forwarded: for=unknown;by=10.9.9.8:2' "http://w/capture?count=1")
expect_eq "a trusted proxy's Forwarded header without the client's address: 400" 400 "$code"
expect_match "...saying why the capture cannot go on" "Forwarded header of the trusted proxy cannot be used" "$(cat "$DD_TMP/bad.txt")"

# The audit trail names who captured: the user and certificate the trusted proxy passes on.
expect_match "the audit line names the Basic Auth user and the client certificate" \
  "capture [0-9]+ started for user alice, certificate CN=ddump test client from unix socket" "$(cat "$DD_TMP/worker.log")"
expect_match "...and the end line the totals" \
  "capture [0-9]+ ended \([a-z ]+\) for user alice, certificate CN=ddump test client: [0-9]+ packets, [0-9]+ bytes" \
  "$(cat "$DD_TMP/worker.log")"

# Caps: clamped (and said in a response header), refused beyond a client's captures, a
# filter clause ANDed into every capture; the audit fields on stderr with --log-fields.
start_worker w policy --listen 127.0.0.1:18602 --max-duration 1 --max-snaplen 96 --max-bytes 100000 \
  --max-captures-per-client 1 --require-filter "not icmp" --log-fields
check "a worker with caps is up" wait_until 30 on w curl -s -o /dev/null --max-time 1 http://127.0.0.1:18602/
bg_on w ping -q -i 0.02 -c 400 10.200.0.1 >/dev/null
PING_PID=$BG_PID
bg_on w curl -s -D "$DD_TMP/capped.head" -o "$DD_TMP/capped.pcap" --max-time 20 "http://127.0.0.1:18602/capture?filter=ip"
CAPPED=$BG_PID
check "...running it" wait_log "$DD_TMP/policy.log" "capture 1 started"
code=$(on w curl -s -o "$DD_TMP/second.txt" -w '%{http_code}' --max-time 10 "http://127.0.0.1:18602/capture?count=1")
expect_eq "a second capture of the same client: 429" 429 "$code"
expect_match "...naming the cap" "too many captures for 127\.0\.0\.1: 1 are running, the limit is 1 \(--max-captures-per-client\)" "$(cat "$DD_TMP/second.txt")"
wait "$CAPPED"; expect_eq "an unlimited request ends at the duration cap" 0 $?
kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null
expect_match "the response says what was clamped" "X-Ddump-Clamped: duration=1s, snaplen=96, bytes=100000" "$(cat "$DD_TMP/capped.head")"
expect_eq "the required clause kept the pings out" 0 "$(count_packets "$DD_TMP/capped.pcap" icmp)"
expect_match "the audit fields are on stderr" \
  'capture 1 ended \(duration reached\) for 127\.0\.0\.1: .* DDUMP_EVENT="capture-end" DDUMP_CAPTURE="1" DDUMP_CLIENT="127\.0\.0\.1" .*DDUMP_FILTER="\(\(ip\) and \(not icmp\)\).*DDUMP_CLAMPED="duration=1s, snaplen=96, bytes=100000".*DDUMP_PACKETS="[0-9]+"' \
  "$(cat "$DD_TMP/policy.log")"
on w timeout 30 "$DDUMP" -w /dev/null http://127.0.0.1:18602 2>"$DD_TMP/clamped.log"
expect_eq "ddump ends with the capture the worker clamped to 1 s" 0 $?
expect_match "...and says what the worker's policy clamped" \
  "http://127\.0\.0\.1:18602: the worker's policy clamped duration=1s, snaplen=96, bytes=100000" "$(cat "$DD_TMP/clamped.log")"
out=$(timeout 10 "$WORKER" --require-filter "not a filter" 2>&1); rc=$?
expect_eq "a --require-filter that does not compile is a usage error" 1 "$rc"
expect_match "...naming it" "--require-filter: invalid filter" "$out"

dd_finish
