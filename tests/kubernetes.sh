#!/usr/bin/env bash
# The Kubernetes manifests in data/kubernetes: they parse, they say what the README
# promises (host network, non-root, only NET_RAW, read-only root, a headless Service with a
# named port for dns:// and dns+srv://), they agree with each other and with the
# Containerfile, and the worker starts with the DaemonSet's own arguments. No cluster is
# reachable here: this is what can be checked without one.
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl python3
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is missing"
K8S=$(dirname "$0")/../data/kubernetes

facts=$(python3 - "$K8S" <<'PY'
import shlex, sys, yaml
d = sys.argv[1]
ds = yaml.safe_load(open(f"{d}/ddump-worker-daemonset.yaml"))
svc = yaml.safe_load(open(f"{d}/ddump-worker-service.yaml"))
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
sc = c["securityContext"]
port = c["ports"][0]
facts = {
    "kinds": f'{ds["kind"]} {svc["kind"]}',
    "host_network": pod.get("hostNetwork"),
    "dns_policy": pod.get("dnsPolicy"),
    "non_root": f'{sc.get("runAsNonRoot")} {sc.get("runAsUser")}',
    "caps": f'drop={",".join(sc["capabilities"]["drop"])} add={",".join(sc["capabilities"]["add"])}',
    "read_only": sc.get("readOnlyRootFilesystem"),
    "escalation": sc.get("allowPrivilegeEscalation"),
    "selector_matches": ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()
                        and svc["spec"]["selector"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(),
    "headless": svc["spec"].get("clusterIP"),
    "service_port": f'{svc["spec"]["ports"][0]["name"]} {svc["spec"]["ports"][0]["port"]} -> {svc["spec"]["ports"][0]["targetPort"]}',
    "container_port": f'{port["name"]} {port["containerPort"]}',
    "probe": f'{c["readinessProbe"]["httpGet"]["path"]} {c["readinessProbe"]["httpGet"]["port"]}',
    "args": " ".join(shlex.quote(a) for a in c["args"]),
}
for k, v in facts.items():
    print(f"{k}={v}")
PY
)
fact () { sed -n "s/^$1=//p" <<<"$facts"; }
expect_eq "both manifests parse: a DaemonSet and a Service" "DaemonSet Service" "$(fact kinds)"
expect_eq "the worker sees the node's network (hostNetwork)" True "$(fact host_network)"
expect_eq "...and still resolves cluster names" ClusterFirstWithHostNet "$(fact dns_policy)"
expect_match "it runs as a non-root user" "^True [1-9][0-9]*$" "$(fact non_root)"
expect_eq "...with NET_RAW and no other capability" "drop=ALL add=NET_RAW" "$(fact caps)"
expect_eq "...on a read-only root" True "$(fact read_only)"
expect_eq "...allowing the file capability to take effect" True "$(fact escalation)"
expect_eq "the selectors match the pods' labels" True "$(fact selector_matches)"
expect_eq "the Service is headless (one DNS record per worker)" None "$(fact headless)"
expect_eq "...with the named port dns+srv:// looks up (_ddump._tcp)" "ddump 8475 -> ddump" "$(fact service_port)"
expect_eq "...which is the container's port" "ddump 8475" "$(fact container_port)"
expect_eq "the probes ask the worker's /metrics on that port" "/metrics ddump" "$(fact probe)"

uid=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"])' "$K8S/ddump-worker-daemonset.yaml")
expect_match "the Containerfile runs as the manifest's user" "^USER $uid:" "$(grep '^USER' "$K8S/Containerfile")"
expect_match "...gives the worker CAP_NET_RAW as a file capability" "setcap cap_net_raw=ep /usr/sbin/ddump-worker" "$(cat "$K8S/Containerfile")"
expect_match "...and starts the binary meson installs" 'ENTRYPOINT \["/usr/sbin/ddump-worker"\]' "$(cat "$K8S/Containerfile")"

# The DaemonSet's arguments, with the node's address filled in, start a worker that
# answers the probe's path, as the unprivileged user with only NET_RAW.
dd_host node || skip_all "cannot create network namespaces"
ip -n "$(ns node)" addr add 10.220.0.1/24 dev lo
eval "args=($(fact args))"
args=("${args[@]//\$(HOST_IP)/10.220.0.1}")
bg_on node setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=+net_raw --ambient-caps=+net_raw \
  "$WORKER" "${args[@]}" 2>"$DD_TMP/worker.log"
check "the worker starts with the DaemonSet's arguments" wait_until 30 on node curl -sf --max-time 2 -o /dev/null http://10.220.0.1:8475/metrics
code=$(on node curl -s --max-time 10 -o "$DD_TMP/c.pcap" -w '%{http_code}' "http://10.220.0.1:8475/capture?duration=1")
expect_eq "...and captures as that user: 200" 200 "$code"
expect_match "...a pcap stream" "^(d4c3b2a1|4d3cb2a1)$" "$(head -c 4 "$DD_TMP/c.pcap" | od -An -tx1 | tr -d ' \n')"

dd_finish
