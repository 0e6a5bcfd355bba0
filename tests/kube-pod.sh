#!/usr/bin/env bash
# The ddump-worker pod of data/kubernetes, as a kubelet would run it, for
# tests/kubernetes-proxy.sh: in the node's network namespace and a mount namespace of its
# own (run it under `unshare -m --propagation private`), every volume mounted where the
# rendered manifests say (the Secrets' and the ConfigMap's files with their modes and the
# pod's fsGroup, emptyDirs as tmpfs), the root read-only, and each container's command as
# its user, with its capabilities and no_new_privs as its securityContext says.
#
#   kube-pod.sh DATA SECRETS CONFIGMAPS WORKER 3>WORKER_LOG 4>PROXY_LOG
#     DATA        the directory of kustomization.yaml
#     SECRETS     a directory per Secret (SECRETS/NAME/KEY), as kubectl create secret made them
#     CONFIGMAPS  a scratch directory for the ConfigMaps' files
#     WORKER      the ddump-worker binary (the image's /usr/sbin/ddump-worker)
#   The containers' output goes to descriptors 3 (the worker's) and 4 (nginx's), opened
#   outside this mount namespace: a file open for writing through this namespace's root
#   would keep it from turning read-only.
set -eu
data=$1 secrets=$2 configmaps=$3 worker=$4
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
manifest () { "$PYTHON" "$(dirname "$0")/kube-manifest.py" "$data" "$@"; }
facts=$(manifest facts)
fact () { sed -n "s/^$1=//p" <<<"$facts"; }

uid=$(fact pod_user | cut -d' ' -f2)
group=$(fact fs_group)

# /etc as an overlay, so that mount points can be made under it in this namespace only.
scratch=$(mktemp -d "$configmaps/etc.XXXXXX")
mount -t tmpfs tmpfs "$scratch"
mkdir "$scratch/upper" "$scratch/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc

# A volume's files as the kubelet writes them: owned by root and the fsGroup, in MODE.
volume_files () {  # SOURCE_DIR MODE -> the directory holding them
  local dir
  dir=$(mktemp -d "$configmaps/volume.XXXXXX")
  mount -t tmpfs -o mode=0755 tmpfs "$dir"
  cp "$1"/* "$dir/"
  chgrp "$group" "$dir"/*
  chmod "$2" "$dir"/*
  echo "$dir"
}

mounted=" "
for c in $(fact containers); do
  while read -r kind source path sub mode; do
    case $mounted in *" $path "*) continue ;; esac
    mounted="$mounted$path "
    case $kind in
      emptyDir) mkdir -p "$path"; mount -t tmpfs -o mode=0777 tmpfs "$path"; continue ;;
      secret) dir=$(volume_files "$secrets/$source" "$mode") ;;
      configMap)
        mkdir -p "$configmaps/$source"
        manifest configmap "$source" "$configmaps/$source"
        dir=$(volume_files "$configmaps/$source" "$mode") ;;
    esac
    if [ "$sub" = - ]; then
      mkdir -p "$path"
      mount --bind -o ro "$dir" "$path"
    else
      mkdir -p "$(dirname "$path")"
      touch "$path"
      mount --bind -o ro "$dir/$sub" "$path"
    fi
  done < <(manifest mounts "$c")
done
# readOnlyRootFilesystem (both containers say so; tests/kubernetes.sh checks it).
mount -o remount,bind,ro /etc
mount -o remount,bind,ro /

# as CONTAINER COMMAND...: the container's user and groups, its capabilities (the
# bounding set its securityContext allows; ambient, as the image's file capability gives
# them, for the ones it adds), no_new_privs unless it allows privilege escalation.
as () {
  local c=$1 caps escalation opts=(); shift
  caps=$(fact "$c.caps" | sed -n 's/.*add=//p' | tr 'A-Z' 'a-z')
  escalation=$(fact "$c.escalation")
  if [ -n "$caps" ]; then
    opts+=(--bounding-set="-all,+${caps//,/,+}" --inh-caps="+${caps//,/,+}" --ambient-caps="+${caps//,/,+}")
  else
    opts+=(--bounding-set=-all --inh-caps=-all)
  fi
  [ "$escalation" = True ] || opts+=(--no-new-privs)
  setpriv --reuid="$uid" --regid="$uid" --groups="$group" "${opts[@]}" "$@"
}

eval "worker_args=($(manifest command ddump-worker))"
eval "proxy_command=($(manifest command proxy))"
as ddump-worker "$worker" "${worker_args[@]}" >&3 2>&3 &
worker_pid=$!
as proxy "${proxy_command[@]}" >&4 2>&4 &
proxy_pid=$!
trap 'kill -TERM $worker_pid $proxy_pid 2>/dev/null; wait $worker_pid; wait $proxy_pid; exit 0' TERM INT
wait -n $worker_pid $proxy_pid
echo "a container ended: $?" >&2
exit 1
