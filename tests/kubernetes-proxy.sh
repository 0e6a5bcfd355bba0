#!/usr/bin/env bash
# The Kubernetes pod run as the manifests describe it (no cluster is reachable here): two
# nodes, each a network namespace running the DaemonSet's pod (tests/kube-pod.sh: the
# rendered manifests' commands, users, capabilities, mounts and read-only roots), the
# Secrets made by the README's own block, and a client that finds the pods through the
# headless Service's SRV records (dnsmasq). A client without a certificate, with another
# CA's, or without the password is refused; with them ddump captures every node through
# dns+srv+https://, and an unfiltered capture holds none of its own stream.
#
#   n1 10.221.1.1 ──┐
#                   ├── c (10.221.N.2; ddump, dnsmasq on 127.0.0.1)
#   n2 10.221.2.1 ──┘
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl nginx openssl setpriv unshare dnsmasq getent tcpdump
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
"$PYTHON" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is missing"
TESTS=$(cd "$(dirname "$0")" && pwd)
DATA=$TESTS/../data
manifest () { "$PYTHON" "$TESTS/kube-manifest.py" "$DATA" "$@"; }

# ---- the Secrets, by the README's block ---------------------------------------------------
# kubectl stands in for the cluster: `create secret generic NAME --from-file=[KEY=]PATH…`
# writes the Secret's files to SECRETS/NAME/KEY; anything else is an error.
SECRETS=$DD_TMP/secrets
kubectl () {
  [ "$1" = -n ] && [ "$3 $4 $5" = "create secret generic" ] || { echo "kubectl $*: not stood in for" >&2; return 1; }
  local dir=$SECRETS/$6 f key; shift 6
  mkdir -p "$dir"
  for f; do
    case $f in --from-file=*) f=${f#--from-file=} ;; *) echo "kubectl: $f: not stood in for" >&2; return 1 ;; esac
    key=${f%%=*}; [ "$key" = "$f" ] && key=$(basename "$f")
    cp "${f#*=}" "$dir/$key" || return 1
  done
}
block=$(sed -n '/^<!-- kubernetes-secrets/,/^```$/p' "$TESTS/../README.md" | sed '1,2d;$d')
PASSWORD=k8s-s3cret
mkdir "$DD_TMP/certs"
(cd "$DD_TMP/certs" && eval "$block") <<<"$PASSWORD" >"$DD_TMP/secrets.log" 2>&1
expect_eq "the README's block makes the CA, the certificates and both Secrets" \
  "0 clients-ca.pem htpasswd server.key server.pem" \
  "$? $(cd "$SECRETS" 2>/dev/null && ls ddump-worker-tls ddump-worker-htpasswd | grep -v : | grep . | sort | tr '\n' ' ' | sed 's/ $//')"
CERTS=$DD_TMP/certs
# Eval'd in a subshell: the block's names again, for the rest of the test.
eval "$(grep -E '^NS=' <<<"$block")"
SERVICE=ddump-worker.$NS.svc.$CLUSTER
# A client certificate from a CA the pods do not trust.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rogue CA" -addext basicConstraints=critical,CA:TRUE \
  -keyout "$CERTS/rogue-ca.key" -out "$CERTS/rogue-ca.pem" 2>/dev/null &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$CLIENT" -CA "$CERTS/rogue-ca.pem" \
    -CAkey "$CERTS/rogue-ca.key" -addext basicConstraints=CA:FALSE -addext extendedKeyUsage=clientAuth \
    -keyout "$CERTS/rogue.key" -out "$CERTS/rogue.pem" 2>/dev/null || skip_all "openssl could not make a rogue certificate"

# ---- two nodes and a client ------------------------------------------------------------
dd_host c || skip_all "cannot create network namespaces"
for i in 1 2; do
  dd_host "n$i" && dd_link "n$i" "10.221.$i.1" c "10.221.$i.2" || skip_all "cannot create links"
  on "n$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
on c sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# The headless Service's records, as the cluster's DNS gives them: a name per pod under the
# Service (its address, dashed), an SRV record per pod at the Service's named port.
read -r port_name port _ <<<"$(manifest facts | sed -n 's/^service_port=//p')"
mkdir -p "/etc/netns/$(ns c)"
echo "nameserver 127.0.0.1" >"/etc/netns/$(ns c)/resolv.conf"
bg_on c dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
  --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= --user=root --local="/$CLUSTER/" \
  --log-facility="$DD_TMP/dnsmasq.log" \
  --host-record="10-221-1-1.$SERVICE,10.221.1.1" --host-record="10-221-2-1.$SERVICE,10.221.2.1" \
  --host-record="$SERVICE,10.221.1.1" --host-record="$SERVICE,10.221.2.1" \
  --srv-host="_$port_name._tcp.$SERVICE,10-221-1-1.$SERVICE,$port" \
  --srv-host="_$port_name._tcp.$SERVICE,10-221-2-1.$SERVICE,$port"
resolves () { [ "$(on c getent ahostsv4 "$SERVICE" | awk '$2 == "STREAM"' | wc -l)" -eq 2 ]; }
check "the client resolves the Service's names" wait_until 30 resolves

# ---- the pods ------------------------------------------------------------------------------
read -r _ probe_host probe_port probe_path <<<"$(manifest facts | sed -n 's/^proxy.readinessProbe=//p')"
for i in 1 2; do
  mkdir -p "$DD_TMP/n$i/configmaps"
  bg_on "n$i" unshare -m --propagation private bash "$TESTS/kube-pod.sh" "$DATA" "$SECRETS" \
    "$DD_TMP/n$i/configmaps" "$WORKER" 2>"$DD_TMP/pod-n$i.log" \
    3>"$DD_TMP/worker-n$i.log" 4>"$DD_TMP/nginx-n$i.log"
done
for i in 1 2; do
  check "node n$i: the pod is ready (its readiness probe: the worker's $probe_path through nginx)" \
    wait_until 30 on "n$i" curl -sf --max-time 2 -o /dev/null "http://$probe_host:$probe_port$probe_path"
done
expect_eq "...and that loopback port serves nothing else" 404 \
  "$(on n1 curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$probe_host:$probe_port/capture")"
# proc_of NODE COMM: the pids of that program in the node.
proc_of () { for p in $(ip netns pids "$(ns "$1")"); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"; done; }
status_of () { awk -v k="$2:" '$1 == k { print $2, $3 }' "/proc/$1/status"; }
uid=$(manifest facts | sed -n 's/^pod_user=True //p')
w=$(proc_of n1 ddump-worker | head -n 1)
expect_eq "the worker runs as the pod's user with CAP_NET_RAW only" "$uid $uid 0000000000002000" \
  "$(status_of "$w" Uid) $(status_of "$w" CapEff | cut -d' ' -f1)"
nginx_ok="no nginx"
for p in $(proc_of n1 nginx); do nginx_ok=yes; done
for p in $(proc_of n1 nginx); do
  [ "$(status_of "$p" Uid) $(status_of "$p" CapEff | cut -d' ' -f1) $(status_of "$p" NoNewPrivs | cut -d' ' -f1)" = \
    "$uid $uid 0000000000000000 1" ] || nginx_ok="no: $p $(status_of "$p" Uid) $(status_of "$p" CapEff)"
done
expect_eq "...nginx as that user, with no capability and no_new_privs" yes "$nginx_ok"

# ---- who is refused ------------------------------------------------------------------------
url1="https://10-221-1-1.$SERVICE:$port/capture?duration=1"
code () { on c curl -s --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.pem" "$@"; }
expect_eq "no client certificate: refused (400)" 400 "$(code -u "$CLIENT:$PASSWORD" "$url1")"
expect_eq "another CA's client certificate: refused (400)" 400 \
  "$(code --cert "$CERTS/rogue.pem" --key "$CERTS/rogue.key" -u "$CLIENT:$PASSWORD" "$url1")"
expect_eq "the certificate without the password: refused (401)" 401 \
  "$(code --cert "$CERTS/$CLIENT.pem" --key "$CERTS/$CLIENT.key" "$url1")"
expect_eq "...with a wrong one: refused (401)" 401 \
  "$(code --cert "$CERTS/$CLIENT.pem" --key "$CERTS/$CLIENT.key" -u "$CLIENT:wrong" "$url1")"
expect_eq "the worker has no port on the node's network" "" \
  "$(on n1 ss -Hltn | awk '{ print $4 }' | grep -vE ":($port|$probe_port)\$")"

TLS=(--ca "$CERTS/ca.pem" --cert "$CERTS/$CLIENT.pem" --key "$CERTS/$CLIENT.key")
SRV="dns+srv+https://$CLIENT:$PASSWORD@_$port_name._tcp.$SERVICE"
out=$(on c timeout 60 "$DDUMP" -w /dev/null --ca "$CERTS/ca.pem" "$SRV/capture?duration=1" 2>&1)
rc=$?
expect_match "ddump without its certificate: refused, and told what is missing" \
  "10-221-[12]-1\.$SERVICE:$port/capture\?duration=1: 400 Bad Request: .*wants a client certificate \(--cert and --key\)" "$out"
expect_eq "...status 2" 2 "$rc"
out=$(on c timeout 60 "$DDUMP" -w /dev/null "${TLS[@]}" "dns+https://$CLIENT:$PASSWORD@$SERVICE:$port/capture?duration=1" 2>&1)
rc=$?
expect_match "dns+https:// by address: TLS to each (the certificate names the pods, not their addresses: refused, said)" \
  "https://10\.221\.[12]\.1:$port/capture\?duration=1: the server's certificate was refused: it is not valid for the host name “10\.221\.[12]\.1”" "$out"
expect_eq "...status 2" 2 "$rc"

# ---- the capture ---------------------------------------------------------------------------
ddump_bg all -v "${TLS[@]}" "$SRV"
for i in 1 2; do
  check "ddump finds node n$i by SRV and captures it through TLS" \
    wait_capturing "$DD_TMP/all.log" "https://10-221-$i-1.$SERVICE:$port"
done
for i in 1 2; do on c "$UDP_SEND" --rate 2000 "10.221.$i.1" 43100 20 2>/dev/null; done
has_all () { [ "$(count_packets "$DD_TMP/all.out" "udp dst port 43100")" -ge 40 ]; }
check "...every datagram sent to the nodes, without a filter" wait_until 30 has_all
check "ddump ends cleanly on SIGINT" stop "$DPID"
expect_eq "...20 from each node" "20 20" \
  "$(count_packets "$DD_TMP/all.out" "udp dst port 43100 and dst host 10.221.1.1") $(count_packets "$DD_TMP/all.out" "udp dst port 43100 and dst host 10.221.2.1")"
expect_eq "...and not one packet of its own stream (TLS on port $port) in an unfiltered capture" 0 \
  "$(count_packets "$DD_TMP/all.out" "tcp port $port")"
expect_match "the worker's audit log names the client's certificate and user" \
  "DDUMP_CLIENT=\"user $CLIENT, certificate CN=$CLIENT\"" "$(cat "$DD_TMP/worker-n1.log")"
expect_match "...and says the proxy's connection was left out" "the proxy's connection" "$(cat "$DD_TMP/worker-n1.log")"

dd_finish
