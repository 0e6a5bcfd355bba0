#!/usr/bin/env bash
# tcpdump's own test captures through ddump, one file at a time: does what comes out print
# packet for packet as the file does under `tcpdump -tt -xx`?
#
#   bash bench/corpus.sh [BUILDDIR] [TCPDUMP-SOURCE-DIR]
#
# Without a source directory, the tarball of Debian's tcpdump (the version installed) is
# fetched from deb.debian.org. Each capture tcpdump reads goes through `ddump -q -w OUT
# FILE` (pcap output: the file's own link type), and both are printed by tcpdump -tt -xx.
# The packets are compared as multisets of their printed blocks, since ddump sorts a
# file's rare timestamp inversions by design. Prints the counts and the files that differ.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
DDUMP=$(realpath "$build/src/client/ddump")
src=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "$src" ]; then
  version=$(dpkg-query -W -f '${Version}' tcpdump | sed 's/-[^-]*$//')
  timeout 120 curl -sf -o "$tmp/tcpdump.tar.gz" \
    "http://deb.debian.org/debian/pool/main/t/tcpdump/tcpdump_${version}.orig.tar.gz" || {
    echo "cannot fetch tcpdump ${version}'s source" >&2; exit 1; }
  tar -xzf "$tmp/tcpdump.tar.gz" -C "$tmp"
  src=$(ls -d "$tmp"/tcpdump-*)
fi

# blocks FILE [notime]: each packet's printed lines as one line, sorted; with notime,
# without the timestamp that starts each packet.
blocks () {
  timeout 60 tcpdump -tt -xx -nr "$1" 2>/dev/null | python3 -c '
import sys
notime = len(sys.argv) > 1
out, cur = [], []
for line in sys.stdin:
    if not line[:1].isspace():
        if cur:
            out.append("|".join(cur)); cur = []
        if notime:
            line = line.split(" ", 1)[-1]
    cur.append(line.rstrip("\n"))
if cur:
    out.append("|".join(cur))
try:
    print("\n".join(sorted(out)))
except BrokenPipeError:
    pass' ${2:+notime}
}

read_ok=0 same=0 differ=0 failed=0 stamps=0
: >"$tmp/differ.txt"
for f in "$src"/tests/*.pcap "$src"/tests/*.pcapng; do
  [ -f "$f" ] || continue
  timeout 60 tcpdump -nr "$f" >/dev/null 2>&1 || continue
  read_ok=$((read_ok + 1))
  if ! timeout 60 "$DDUMP" -q -w "$tmp/out.pcap" "$f" 2>"$tmp/err.txt"; then
    failed=$((failed + 1))
    echo "ddump failed: $(basename "$f"): $(head -1 "$tmp/err.txt")" >>"$tmp/differ.txt"
    continue
  fi
  if cmp -s <(blocks "$f") <(blocks "$tmp/out.pcap"); then
    same=$((same + 1))
  elif cmp -s <(blocks "$f" notime) <(blocks "$tmp/out.pcap" notime); then
    # A record's sub-second field out of range (a microsecond field of 808464432): tcpdump
    # prints it raw, ddump carries it into the seconds as nanoseconds.
    stamps=$((stamps + 1))
    echo "timestamps only: $(basename "$f")" >>"$tmp/differ.txt"
  else
    differ=$((differ + 1))
    echo "differs: $(basename "$f")" >>"$tmp/differ.txt"
  fi
done
echo "tcpdump reads $read_ok captures of $src/tests: $same identical through ddump, $stamps differ only in timestamps whose sub-second field is out of range, $differ differ otherwise, $failed refused by ddump"
cat "$tmp/differ.txt"
