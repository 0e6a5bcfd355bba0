#!/usr/bin/env bash
# The release artefacts, as TAP: the `meson dist` tarball builds and passes the unit tests;
# `dpkg-buildpackage -us -uc -b` builds the Debian packages, lintian finds no error in
# them, and installed they run (ddump --version, and the worker's unit's ExecStart).
#   bash .ci/packaging.sh BUILDDIR      (root: the packages are installed, then removed)
set -uo pipefail
cd "$(dirname "$0")/.."
build=$1
n=0 failed=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check () { local what=$1; shift; if "$@" > "$work/last.log" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/# /' "$work/last.log" | tail -30; fi; }
work=$(mktemp -d /tmp/ddump-packaging.XXXXXX)

# meson dist: the tarball of what git tracks.
if timeout 600 meson dist -C "$build" --no-tests --formats xztar > "$work/dist.log" 2>&1; then
  ok "meson dist makes a tarball"
  tarball=$(ls "$build"/meson-dist/ddump-*.tar.xz | head -1)
  mkdir -p "$work/dist" && tar -xJf "$tarball" -C "$work/dist"
  src=$(ls -d "$work"/dist/ddump-*)
  check "...which builds" bash -c "meson setup '$work/dist-build' '$src' && ninja -C '$work/dist-build'"
  check "...and passes the unit tests" timeout 900 meson test -C "$work/dist-build" --suite unit
else
  not_ok "meson dist makes a tarball"; sed 's/^/# /' "$work/dist.log" | tail -20
fi

# The Debian packages, built from a copy of the tracked tree.
mkdir -p "$work/deb/src"
git ls-files | tar -cf - -T - | tar -xf - -C "$work/deb/src"
check "dpkg-buildpackage -us -uc -b builds the packages" bash -c "cd '$work/deb/src' && timeout 1200 dpkg-buildpackage -us -uc -b"
debs=("$work"/deb/ddump_*.deb "$work"/deb/ddump-worker_*.deb "$work"/deb/ddump-common_*.deb)
check "lintian finds no error in them" lintian --fail-on error --tag-display-limit 0 "${debs[@]}" "$work"/deb/ddump-trigger_*.deb
check "they install" apt-get install -y -q "${debs[@]}"
check "ddump --version runs, installed" bash -c 'ddump --version | grep -q "^ddump "'
check "...and speaks French with LANGUAGE=fr (ddump-common's catalog)" \
  bash -c 'LANG=C.UTF-8 LANGUAGE=fr ddump --help | grep -q "Capturer sur de nombreux hôtes"'
unit=$(ls /usr/lib/systemd/system/ddump-worker.service /lib/systemd/system/ddump-worker.service 2>/dev/null | head -1)
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" 2>/dev/null)
check "the worker's unit ($unit) starts an installed binary: $exec_start" bash -c "$exec_start --version | grep -q '^ddump-worker '"
check "the extcap link leads to ddump" bash -c 'test "$(readlink -f /usr/lib/*/wireshark/extcap/ddump)" = /usr/bin/ddump'
dpkg -r ddump ddump-worker ddump-common > /dev/null 2>&1
rm -rf "$work"
echo "1..$n"
exit $((failed > 0))
