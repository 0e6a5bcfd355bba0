#!/usr/bin/env bash
# ddump through a real TLS reverse proxy: nginx in front of a worker's unix socket, with
# mutual TLS on one port and Basic Auth on another; certificates made by make-certs.sh.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl nginx openssl ping tcpdump
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
NGINX=$(command -v nginx)

certs="$DD_TMP/certs"
bash "$(dirname "$0")/make-certs.sh" "$certs" || skip_all "openssl could not make the test certificates"
password='p@ss:w0rd'
printf 'alice:%s\n' "$(openssl passwd -apr1 "$password")" > "$DD_TMP/htpasswd"

dd_host w || skip_all "cannot create network namespaces"
start_worker w worker --listen "unix:$DD_TMP/worker.sock"
check "the worker listens on its unix socket" wait_until 30 test -S "$DD_TMP/worker.sock"

nginx_config "$DD_TMP/nginx.conf" <<EOF
  upstream worker { server unix:$DD_TMP/worker.sock; }
  proxy_http_version 1.1;
  proxy_buffering off;
  proxy_read_timeout 1h;
  ssl_certificate $certs/server.pem;
  ssl_certificate_key $certs/server.key;
  server {
    listen 127.0.0.1:8443 ssl;
    ssl_client_certificate $certs/ca.pem;
    ssl_verify_client on;
    location / { proxy_pass http://worker; }
  }
  server {
    listen 127.0.0.1:8444 ssl;
    auth_basic "ddump";
    auth_basic_user_file $DD_TMP/htpasswd;
    location / { proxy_pass http://worker; }
  }
  server {
    listen 127.0.0.1:8445;
    location / { proxy_pass http://worker; }
  }
EOF
bg_on w "$NGINX" -c "$DD_TMP/nginx.conf"
up () { on w curl -sk -o /dev/null --max-time 1 https://127.0.0.1:8444/; }
check "nginx is up in front of the worker" wait_until 30 up
bg_on w ping -q -i 0.05 -c 4000 127.0.0.1 >/dev/null

MTLS="https://127.0.0.1:8443/capture?filter=icmp"
BASIC="https://127.0.0.1:8444/capture?filter=icmp"

# run NAME ARGS...: ddump in w for 4 packets; sets RC, OUT (packets read) and ERR.
run () {
  local name=$1; shift
  # A TLS handshake under a sanitizer on a loaded machine can take seconds: generous bounds.
  on w timeout 90 "$DDUMP" -q -c 4 --connect-timeout 60 "$@" >"$DD_TMP/$name.pcap" 2>"$DD_TMP/$name.log"
  RC=$?
  OUT=$(count_packets "$DD_TMP/$name.pcap")
  ERR=$(cat "$DD_TMP/$name.log")
}

run mtls --ca "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/client.key" "$MTLS"
expect_eq "mutual TLS with --ca, --cert and --key: 4 packets, status 0" "0 4" "$RC $OUT"
run mtls-old -ca "$certs/ca.pem" -cert "$certs/client.pem" -key "$certs/client.key" "$MTLS"
expect_eq "...also with the original's -ca, -cert, -key" "0 4" "$RC $OUT"

run nocert --ca "$certs/ca.pem" "$MTLS"
expect_eq "without a client certificate: status 2" 2 "$RC"
expect_match "...saying a client certificate is wanted" "^ddump: https://127\.0\.0\.1:8443/capture\?filter=icmp: 400 Bad Request: .*client certificate \(--cert and --key\)" "$ERR"

run rogue --ca "$certs/rogue-ca.pem" --cert "$certs/client.pem" --key "$certs/client.key" "$MTLS"
expect_eq "a server certificate from an unknown CA: status 2" 2 "$RC"
expect_match "...saying which check failed" "https://127\.0\.0\.1:8443/capture\?filter=icmp: the server's certificate was refused: it is not signed by a certificate authority trusted by --ca .*rogue-ca\.pem" "$ERR"

SSL_CERT_FILE= SSL_CERT_DIR= run system "$MTLS"
expect_match "the system trust store does not know our CA either" "not signed by a certificate authority trusted by the system trust store" "$ERR"
SSL_CERT_FILE="$certs/ca.pem" run envca --cert "$certs/client.pem" --key "$certs/client.key" "$MTLS"
expect_eq "SSL_CERT_FILE is honoured" "0 4" "$RC $OUT"
SSL_CERT_FILE="$DD_TMP/missing.pem" run envbad "$MTLS"
expect_eq "an SSL_CERT_FILE that cannot be read: status 2" 2 "$RC"
expect_match "...naming it" "https://127\.0\.0\.1:8443/capture\?filter=icmp: cannot use the CA certificates of SSL_CERT_FILE=.*missing\.pem" "$ERR"
SSL_CERT_FILE="$DD_TMP/missing.pem" on w timeout 60 "$DDUMP" -q -c 4 "http://127.0.0.1:8445/capture?filter=icmp" >"$DD_TMP/envplain.pcap" 2>"$DD_TMP/envplain.log"
expect_eq "...which a plain http target never reads" "0 4" "$? $(count_packets "$DD_TMP/envplain.pcap")"

run basic --ca "$certs/ca.pem" "https://alice:p%40ss%3Aw0rd@127.0.0.1:8444/capture?filter=icmp"
expect_eq "Basic Auth from the URL (percent-decoded)" "0 4" "$RC $OUT"

run wrong --ca "$certs/ca.pem" "https://alice:nope-secret@127.0.0.1:8444/capture?filter=icmp"
expect_eq "a wrong password: status 2" 2 "$RC"
expect_match "...with the status and what it means" "https://127\.0\.0\.1:8444/capture\?filter=icmp: 401 Unauthorized.*password was refused" "$ERR"
check "...and the password is never printed" bash -c "! grep -q nope-secret '$DD_TMP/wrong.log'"

run anon --ca "$certs/ca.pem" "$BASIC"
expect_match "no credentials: the server's demand is explained" "401 Unauthorized.*wants a user name and password" "$ERR"

printf 'machine 127.0.0.1\n  login alice\n  password "%s"\n' "$password" > "$DD_TMP/netrc"
run netrc --ca "$certs/ca.pem" --netrc-file "$DD_TMP/netrc" "$BASIC"
expect_eq "credentials from --netrc-file" "0 4" "$RC $OUT"

run badkey --ca "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/missing.key" "$MTLS"
expect_eq "a key file that cannot be read is refused at once (status 1)" 1 "$RC"
expect_match "...naming the files" "cannot use the client certificate .*client\.pem with the key .*missing\.key" "$ERR"

dd_finish
