#!/usr/bin/env bash
# Names in the merged pcapng capture (issue 23): a worker's addresses (its GET
# /interfaces) named after the worker, as the user calls it (NAME=URL) or as it calls
# itself (X-Ddump-Host), and the user's --name and --names-file; Wireshark's name
# resolution (tshark -N n) shows them. Bad names are usage errors that say what is wrong.
#
#        w 10.207.0.1 (a worker) ──── c 10.207.0.2 (ddump)
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl python3 tshark ping
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
BLOCKS=$(dirname "$0")/pcapng-blocks.py
dd_host w && dd_host c && dd_link w 10.207.0.1 c 10.207.0.2 || skip_all "cannot create network namespaces"
W=http://10.207.0.1:8475
start_worker w worker --listen :8475
check "the worker is up" wait_http c "$W/"

headers=$(on c curl -sf --max-time 5 -D - -o "$DD_TMP/interfaces.json" "$W/interfaces")
expect_match "GET /interfaces says whose addresses they are (X-Ddump-Host)" \
  "^X-Ddump-Host: $(hostname)"$'\r'"?$" "$(grep -i '^x-ddump-host' <<<"$headers")"

printf '# a hosts file\n10.207.0.77  from-file  alias\n\n2001:db8::7 six-from-file\n' >"$DD_TMP/hosts"
# Names a capture with ping's packets between c and w: ddump RUN ARGS... (a ping once it captures).
names_run () {
  local name=$1; shift
  ddump_bg "$name" -v -F pcapng -c 2 -w "$DD_TMP/$name.pcapng" "$@"
  wait_capturing "$DD_TMP/$name.log" "$W/capture?filter=icmp" || return 1
  on c ping -c 1 -W 5 10.207.0.1 >/dev/null || return 1
  wait_exit "$DPID" 30 && [ "$STATUS" = 0 ]
}
resolved () {  # FILE: the first packet's source and destination, as tshark names them
  timeout 60 tshark -r "$1" -N n -o nameres.use_external_name_resolver:FALSE \
    -T fields -e ip.src_host -e ip.dst_host -c 1 2>/dev/null | tr '\t' ' '
}

check "a capture of a worker named web1 (web1=URL), with --name and --names-file" \
  names_run named --name 10.207.0.2=client-c --names-file "$DD_TMP/hosts" "web1=$W/capture?filter=icmp"
expect_eq "...tshark -N n shows the names: the client's (--name) and the worker's (its /interfaces, as the user calls it)" \
  "client-c web1" "$(resolved "$DD_TMP/named.pcapng")"
python3 "$BLOCKS" dump "$DD_TMP/named.pcapng" | sed -n 's/^NRB //p' | sort >"$DD_TMP/named.nrb"
expect_eq "...each name once (the worker's address came from its URL and from its /interfaces), none for loopback" \
  "1 0acf0001 web1
1 0acf0002 client-c
1 0acf004d from-file
2 20010db8000000000000000000000007 six-from-file" "$(cat "$DD_TMP/named.nrb")"
expect_match "...and the worker's interfaces are named after it" "^web1/veth0$" \
  "$(timeout 60 tshark -r "$DD_TMP/named.pcapng" -T fields -e frame.interface_name -c 1 2>/dev/null)"

check "a capture of the worker by its URL alone" names_run plain "$W/capture?filter=icmp"
expect_eq "...names its address as the worker calls itself" "10.207.0.2 $(hostname)" \
  "$(resolved "$DD_TMP/plain.pcapng")"

# Bad names: usage errors (status 1) that say what is wrong, before anything is captured.
usage () { on c timeout 30 "$DDUMP" -F pcapng -w /dev/null "$@" "$W/capture?filter=icmp" 2>&1; echo "status $?"; }
expect_match "--name without =: a usage error" '--name bogus: expected ADDRESS=NAME.*status 1' "$(usage --name bogus | xargs)"
expect_match "--name with no address" '--name 10.1.2=x: “10.1.2” is not an IP address.*status 1' "$(usage --name 10.1.2=x | xargs)"
printf '10.0.0.1 ok\n10.0.0.2\n' >"$DD_TMP/bad-hosts"
expect_match "a hosts file's line without a name" "--names-file $DD_TMP/bad-hosts: line 2: no name for 10.0.0.2.*status 1" \
  "$(usage --names-file "$DD_TMP/bad-hosts" | xargs)"
expect_match "--name with pcap output" '--name and --names-file need -F pcapng.*status 1' \
  "$({ on c timeout 30 "$DDUMP" -w /dev/null --name 10.0.0.1=x "$W/capture" 2>&1; echo "status $?"; } | xargs)"
expect_match "a name for a file target is refused" 'only a worker.s URL can be named' \
  "$(on c timeout 30 "$DDUMP" -F pcapng -w /dev/null "x=tcp://10.207.0.1:9" 2>&1)"

dd_finish
