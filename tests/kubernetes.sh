#!/usr/bin/env bash
# The Kubernetes manifests (data/kustomization.yaml and data/kubernetes), as kubectl apply
# -k renders them: every object checked against the Kubernetes API's own types
# (python3-kubernetes: fields known and of their type, required ones present), and what
# the README promises: the worker on the node's network but listening on a unix socket
# only, nginx in front of it with the shipped site as is, both non-root on read-only roots,
# only the worker with NET_RAW, a headless Service whose named port is the proxy's. No
# cluster is reachable here; tests/kubernetes-proxy.sh runs the pod as they describe it.
. "$(dirname "$0")/lib.sh"
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
"$PYTHON" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is missing"
"$PYTHON" -c 'import kubernetes' 2>/dev/null || skip_all "python3-kubernetes is missing"
DATA=$(dirname "$0")/../data
K8S=$DATA/kubernetes
manifest () { "$PYTHON" "$(dirname "$0")/kube-manifest.py" "$DATA" "$@"; }

valid=$(manifest validate 2>&1)
expect_eq "the rendered manifests are what the API accepts: a ConfigMap, a DaemonSet, a Service" \
  "ConfigMap/ddump-worker-proxy: ok
DaemonSet/ddump-worker: ok
Service/ddump-worker: ok" "$(sort <<<"$valid")"

# The checker itself: a field the API does not have, a required one missing, a wrong type.
bad="$DD_TMP/bad"
cp -r "$DATA" "$bad"
sed -i -e 's/^        - name: proxy$/        - nme: proxy/' \
  -e 's/containerPort: 8443/containerPort: "8443"/' "$bad/kubernetes/ddump-worker-daemonset.yaml"
out=$("$PYTHON" "$(dirname "$0")/kube-manifest.py" "$bad" validate 2>&1)
expect_eq "...a manifest with an unknown field, a required one missing and a string port is refused" \
  "1 yes yes yes" \
  "$? $(grep -q 'V1Container has no field nme' <<<"$out" && echo yes) $(grep -q 'Invalid value for `name`, must not be `None`' <<<"$out" && echo yes) $(grep -q "containerPort: an integer expected, not '8443'" <<<"$out" && echo yes)"

facts=$(manifest facts)
fact () { sed -n "s/^$1=//p" <<<"$facts"; }
expect_eq "the pod sees the node's network (hostNetwork)" True "$(fact host_network)"
expect_eq "...and still resolves cluster names" ClusterFirstWithHostNet "$(fact dns_policy)"
expect_match "...runs as a non-root user" "^True [1-9][0-9]*$" "$(fact pod_user)"
expect_eq "...two containers: the worker and its proxy" "ddump-worker proxy" "$(fact containers)"
expect_eq "the worker has no port: it listens on a unix socket only" "" "$(fact ddump-worker.ports)"
expect_eq "...in the volume it shares with the proxy" "/run" "$(fact ddump-worker.mounts)"
args=$(manifest command ddump-worker)
expect_match "...trusting the proxy on it, with the audit fields on stderr" \
  "^--listen unix:/run/ddump-worker.sock --trust-proxy unix --log-fields( |$)" "$args"
expect_eq "...with NET_RAW and no other capability" "drop=ALL add=NET_RAW" "$(fact ddump-worker.caps)"
expect_eq "...on a read-only root, allowing the file capability to take effect" "True True" \
  "$(fact ddump-worker.read_only) $(fact ddump-worker.escalation)"
expect_eq "the proxy listens on the node's port 8443" "ddump 8443" "$(fact proxy.ports)"
expect_eq "...with no capability, no escalation, on a read-only root" "drop=ALL add= False True" \
  "$(fact proxy.caps) $(fact proxy.escalation) $(fact proxy.read_only)"
expect_eq "...its readiness through to the worker's /metrics on the loopback only, its liveness its port" \
  "http 127.0.0.1 8476 /metrics / tcp ddump" "$(fact proxy.readinessProbe) / $(fact proxy.livenessProbe)"
expect_eq "every mount is of a volume the pod has, every ConfigMap one the manifests make" "True True" \
  "$(fact mounts_known) $(fact config_maps_known)"
expect_eq "...the Secrets the README makes" "ddump-worker-htpasswd ddump-worker-tls" "$(fact secrets)"
expect_eq "...readable by the pod's group only" "65534 440 440" \
  "$(fact fs_group) $(manifest mounts proxy | awk '$1 == "secret" { printf " %s", $5 }' | sed 's/^ //')"
manifest configmap ddump-worker-proxy "$DD_TMP" && site=$(cat "$DD_TMP/ddump-worker.conf")
expect_eq "the proxy's site is the shipped one, as is" "" "$(diff <(echo "$site") "$DATA/nginx/ddump-worker.conf")"
expect_match "...included by the pod's nginx.conf" "include /etc/ddump/nginx/ddump-worker.conf;" \
  "$(cat "$DD_TMP/nginx.conf")"
expect_eq "the selectors match the pods' labels" True "$(fact selector_matches)"
expect_eq "the Service is headless (one DNS record per pod)" None "$(fact headless)"
expect_eq "...with the named port dns+srv+https:// looks up (_ddump._tcp), the proxy's" \
  "ddump 8443 -> ddump" "$(fact service_port)"

uid=$(fact pod_user | cut -d' ' -f2)
expect_eq "the Containerfile's images run as the manifest's user" "USER $uid:$uid
USER $uid:$uid" "$(grep '^USER' "$K8S/Containerfile")"
expect_match "...give the worker CAP_NET_RAW as a file capability" "setcap cap_net_raw=ep /usr/sbin/ddump-worker" "$(cat "$K8S/Containerfile")"
expect_match "...and start the binary meson installs last (the default target)" \
  'ENTRYPOINT \["/usr/sbin/ddump-worker"\]$' "$(tail -n 1 "$K8S/Containerfile")"
expect_match "...and a proxy stage with Debian's nginx" "FROM debian:12-slim AS proxy" "$(cat "$K8S/Containerfile")"

dd_finish
