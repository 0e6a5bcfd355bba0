#!/usr/bin/python3
"""The Kubernetes manifests as kubectl apply -k would send them, for the tests.

No cluster (and no kustomize) is reachable here, so this renders data/kustomization.yaml
the way kustomize does for the fields it uses (resources, and ConfigMaps generated from
files; any other field is an error), and checks every object against the Kubernetes API's
own types (python3-kubernetes, generated from the API's OpenAPI description): every field
known, of its type, and every required field present.

  kube-manifest.py ROOT validate               KIND/NAME per object; errors, status 1
  kube-manifest.py ROOT facts                  KEY=VALUE lines the tests compare
  kube-manifest.py ROOT command CONTAINER      its command and args, shell-quoted
  kube-manifest.py ROOT mounts CONTAINER       TYPE SOURCE MOUNT_PATH SUB_PATH MODE per mount
  kube-manifest.py ROOT configmap NAME DIR     the generated ConfigMap's files, into DIR
"""
import os
import shlex
import sys

import yaml

kube = None  # kubernetes.client, imported to validate only (it is slow to import)

KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "configMapGenerator"}
GENERATOR_FIELDS = {"name", "files"}


def render(root):
    with open(os.path.join(root, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    unknown = set(k) - KUSTOMIZATION_FIELDS
    if unknown:
        sys.exit(f"kustomization.yaml: fields this renderer does not know: {sorted(unknown)}")
    objects = []
    for r in k.get("resources", []):
        with open(os.path.join(root, r)) as f:
            objects += [o for o in yaml.safe_load_all(f) if o is not None]
    for g in k.get("configMapGenerator", []):
        unknown = set(g) - GENERATOR_FIELDS
        if unknown:
            sys.exit(f"configMapGenerator {g.get('name')}: unknown fields {sorted(unknown)}")
        data = {}
        for path in g["files"]:
            key = os.path.basename(path)
            if key in data:
                sys.exit(f"configMapGenerator {g['name']}: two files named {key}")
            with open(os.path.join(root, path)) as f:
                data[key] = f.read()
        objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": g["name"]}, "data": data})
    return objects


def model_name(obj):
    version = obj["apiVersion"].split("/")[-1]
    return version.capitalize() + obj["kind"]


def check(value, typ, path, errors):
    """Builds the API model of @value (type name @typ), noting what is wrong in @errors."""
    if typ.startswith("list["):
        if not isinstance(value, list):
            errors.append(f"{path}: a list expected")
            return None
        return [check(v, typ[5:-1], f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if typ.startswith("dict("):
        if not isinstance(value, dict):
            errors.append(f"{path}: a map expected")
            return None
        inner = typ[typ.index(",") + 1:-1].strip()
        return {k: check(v, inner, f"{path}.{k}", errors) for k, v in value.items()}
    if typ == "str":
        if not isinstance(value, str):
            errors.append(f"{path}: a string expected, not {value!r}")
        return value
    if typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: an integer expected, not {value!r}")
        return value
    if typ == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: true or false expected, not {value!r}")
        return value
    if typ == "object":  # IntOrString, Quantity
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            errors.append(f"{path}: a string or an integer expected, not {value!r}")
        return value
    cls = getattr(kube, typ)
    if not isinstance(value, dict):
        errors.append(f"{path}: a {typ} (a map) expected")
        return None
    by_json = {j: a for a, j in cls.attribute_map.items()}
    kwargs = {}
    for key, v in value.items():
        if key not in by_json:
            errors.append(f"{path}: {typ} has no field {key}")
            continue
        attr = by_json[key]
        kwargs[attr] = check(v, cls.openapi_types[attr], f"{path}.{key}", errors)
    try:
        return cls(**kwargs)
    except ValueError as e:  # a required field missing, or a value the API refuses
        errors.append(f"{path}: {e}")
        return None


def find(objects, kind, name=None):
    for o in objects:
        if o["kind"] == kind and (name is None or o["metadata"]["name"] == name):
            return o
    sys.exit(f"no {kind} {name or ''} in the manifests")


def pod(objects):
    return find(objects, "DaemonSet")["spec"]["template"]["spec"]


def container(objects, name):
    for c in pod(objects)["containers"]:
        if c["name"] == name:
            return c
    sys.exit(f"no container {name} in the DaemonSet")


def facts(objects):
    ds, svc = find(objects, "DaemonSet"), find(objects, "Service")
    spec = pod(objects)
    labels = ds["spec"]["template"]["metadata"]["labels"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    out = {
        "kinds": " ".join(sorted(o["kind"] for o in objects)),
        "host_network": spec.get("hostNetwork"),
        "dns_policy": spec.get("dnsPolicy"),
        "pod_user": f'{spec["securityContext"].get("runAsNonRoot")} {spec["securityContext"].get("runAsUser")}',
        "fs_group": spec["securityContext"].get("fsGroup"),
        "selector_matches": ds["spec"]["selector"]["matchLabels"].items() <= labels.items()
        and svc["spec"]["selector"].items() <= labels.items(),
        "headless": svc["spec"].get("clusterIP"),
        "service_port": "{name} {port} -> {targetPort}".format(**svc["spec"]["ports"][0]),
        "containers": " ".join(c["name"] for c in spec["containers"]),
        "mounts_known": all(m["name"] in volumes for c in spec["containers"] for m in c.get("volumeMounts", [])),
        "config_maps_known": all(any(o["kind"] == "ConfigMap" and o["metadata"]["name"] == v["configMap"]["name"]
                                     for o in objects) for v in volumes.values() if "configMap" in v),
        "secrets": " ".join(sorted(v["secret"]["secretName"] for v in volumes.values() if "secret" in v)),
    }
    for c in spec["containers"]:
        sc = c.get("securityContext", {})
        n = c["name"]
        out[f"{n}.ports"] = " ".join(f'{p["name"]} {p["containerPort"]}' for p in c.get("ports", []))
        out[f"{n}.caps"] = "drop={} add={}".format(",".join(sc.get("capabilities", {}).get("drop", [])),
                                                  ",".join(sc.get("capabilities", {}).get("add", [])))
        out[f"{n}.read_only"] = sc.get("readOnlyRootFilesystem")
        out[f"{n}.escalation"] = sc.get("allowPrivilegeEscalation")
        out[f"{n}.mounts"] = " ".join(m["mountPath"] for m in c.get("volumeMounts", []))
        for probe in ("readinessProbe", "livenessProbe"):
            p = c.get(probe)
            if p and "httpGet" in p:
                out[f"{n}.{probe}"] = "http {host} {port} {path}".format(**p["httpGet"])
            elif p and "tcpSocket" in p:
                out[f"{n}.{probe}"] = "tcp {port}".format(**p["tcpSocket"])
    for k, v in out.items():
        print(f"{k}={v}")


def mounts(objects, name):
    volumes = {v["name"]: v for v in pod(objects)["volumes"]}
    for m in container(objects, name).get("volumeMounts", []):
        v = volumes[m["name"]]
        if "emptyDir" in v:
            kind, source, mode = "emptyDir", "-", "-"
        elif "secret" in v:
            kind, source = "secret", v["secret"]["secretName"]
            mode = oct(v["secret"].get("defaultMode", 0o644))[2:]
        elif "configMap" in v:
            kind, source = "configMap", v["configMap"]["name"]
            mode = oct(v["configMap"].get("defaultMode", 0o644))[2:]
        else:
            sys.exit(f"volume {m['name']}: a kind this renderer does not know")
        print(kind, source, m["mountPath"], m.get("subPath", "-"), mode)


def main():
    root, what = sys.argv[1], sys.argv[2]
    objects = render(root)
    if what == "validate":
        global kube
        import kubernetes.client as kube
        failed = False
        for o in objects:
            errors = []
            check(o, model_name(o), f'{o.get("kind")}/{o.get("metadata", {}).get("name")}', errors)
            print(f'{o["kind"]}/{o["metadata"]["name"]}: ' + ("; ".join(errors) if errors else "ok"))
            failed |= bool(errors)
        sys.exit(1 if failed else 0)
    elif what == "facts":
        facts(objects)
    elif what == "command":
        c = container(objects, sys.argv[3])
        print(" ".join(shlex.quote(w) for w in c.get("command", []) + c.get("args", [])))
    elif what == "mounts":
        mounts(objects, sys.argv[3])
    elif what == "configmap":
        cm = find(objects, "ConfigMap", sys.argv[3])
        for key, text in cm["data"].items():
            with open(os.path.join(sys.argv[4], key), "w") as f:
                f.write(text)
    else:
        sys.exit(f"unknown request {what}")


if __name__ == "__main__":
    main()
