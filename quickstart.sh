#!/usr/bin/env bash
# ddump's quick start, on Debian 12 or Ubuntu:
#   ./quickstart.sh        install what is missing, build, and stream a few packets of this
#                          machine from a local ddump-worker into tcpdump
#   ./quickstart.sh test   install what is missing, build, and run the whole test suite
#                          (as root: the tests create network namespaces)
# MESON_ARGS (e.g. -Dwerror=true) and BUILDDIR (default _build) are honoured.
set -euo pipefail
cd "$(dirname "$0")"

as_root () { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

mapfile -t packages < <(grep -v '^#' .ci/packages)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

BUILDDIR=${BUILDDIR:-_build}
# shellcheck disable=SC2086
[ -f "$BUILDDIR/build.ninja" ] || meson setup "$BUILDDIR" ${MESON_ARGS:-}
ninja -C "$BUILDDIR"

case ${1:-demo} in
  test)
    # s3rver, the S3 server of ddump-trigger's store test, comes from npm.
    if [ ! -x "$BUILDDIR/npm/node_modules/.bin/s3rver" ]; then
      command -v npm >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
      npm install --prefix "$BUILDDIR/npm" --no-audit --no-fund --loglevel=error s3rver@3.7.1
    fi
    as_root meson test -C "$BUILDDIR" --print-errorlogs
    ;;
  demo)
    worker=$BUILDDIR/src/worker/ddump-worker
    # The worker needs CAP_NET_RAW, never root.
    [ "$(id -u)" = 0 ] || as_root setcap cap_net_raw=ep "$worker"
    "$worker" --listen 127.0.0.1:8475 2>"$BUILDDIR/quickstart-worker.log" &
    pid=$!
    trap 'kill $pid 2>/dev/null' EXIT
    for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8475/ && break; sleep 0.1; done
    ping -c 6 -i 0.2 127.0.0.1 >/dev/null &
    # Two streams from the one worker (echo requests, echo replies), merged in time order.
    "$BUILDDIR/src/client/ddump" -c 10 'http://127.0.0.1:8475/capture?filter=icmp[0]=8' \
      'http://127.0.0.1:8475/capture?filter=icmp[0]=0' | tcpdump -nr -
    ;;
  *)
    echo "usage: $0 [demo|test]" >&2
    exit 1
    ;;
esac
