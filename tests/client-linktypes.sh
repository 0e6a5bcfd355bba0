#!/usr/bin/env bash
# The bytes as captured: each input keeps its link type wherever the output allows it, and
# a record longer than its file's snaplen is cut to it, as libpcap reads it. tcpdump -xx
# reading ddump's output must print what it prints reading the input.
. "$(dirname "$0")/lib.sh"
require_tools tcpdump python3 capinfos
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"

# pcap FILE LINKTYPE SNAPLEN CAPLEN...: a nanosecond pcap file of one packet per CAPLEN,
# 1 ms apart, whose bytes count up; each record's original length is its CAPLEN + 10.
pcap () {
  python3 - "$@" <<'PY'
import struct, sys
path, linktype, snaplen, *caplens = sys.argv[1:]
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, int(snaplen), int(linktype)))
    for i, cap in enumerate(map(int, caplens)):
        # A cooked header (v1: 16 bytes, v2: 20) with protocol IPv4, then counting bytes.
        if int(linktype) == 113:
            head = struct.pack(">HHH8sH", 0, 1, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00", 0x0800)
        else:
            head = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00")
        body = (head + bytes(range(256)) * 4)[:cap]
        f.write(struct.pack("<IIII", 1700000000, 1000000 * (i + 1) + int(linktype), cap, cap + 10) + body)
PY
}
dump () { tcpdump -tt -xx -nr "$1" 2>/dev/null; }
cd "$DD_TMP" || exit 1

pcap sll.pcap 113 262144 60 80 100
timeout 30 "$DDUMP" -q -w sll.out sll.pcap; rc=$?
expect_eq "a Linux cooked (v1) capture through ddump: status 0" 0 "$rc"
expect_eq "...keeps its link type (no conversion: nothing needed it)" "Linux cooked-mode capture v1" \
  "$(capinfos -E sll.out 2>/dev/null | sed -n 's/^File encapsulation: *//p')"
check "...and tcpdump -xx prints the same" cmp <(dump sll.pcap) <(dump sll.out)

pcap short.pcap 276 64 40 64 100 200
timeout 30 "$DDUMP" -q -w short.out short.pcap; rc=$?
expect_eq "records longer than the file's snaplen (64): status 0" 0 "$rc"
expect_eq "...cut to it, as libpcap reads them" "40 64 64 64" "$(python3 -c '
import struct
d = open("short.out", "rb").read(); pos, out = 24, []
while pos < len(d):
    cap = struct.unpack_from("<I", d, pos + 8)[0]; out.append(str(cap)); pos += 16 + cap
print(" ".join(out))')"
check "...and tcpdump -xx prints the same" cmp <(dump short.pcap) <(dump short.out)

pcap sll2.pcap 276 262144 70 90
timeout 30 "$DDUMP" -w mixed.out sll.pcap sll2.pcap 2>mixed.log; rc=$?
expect_eq "cooked v1 and v2 into one pcap: status 0" 0 "$rc"
expect_eq "...v2, which holds both" "Linux cooked-mode capture v2" \
  "$(capinfos -E mixed.out 2>/dev/null | sed -n 's/^File encapsulation: *//p')"
expect_match "...and ddump says it converted the v1 packets" \
  "^ddump: 3 packets converted from LINUX_SLL to LINUX_SLL2: pcap output holds one link type \(-F pcapng keeps each input's\)$" \
  "$(cat mixed.log)"
timeout 30 "$DDUMP" -F pcapng -w mixed.pcapng sll.pcap sll2.pcap 2>mixed-ng.log; rc=$?
expect_eq "the same into pcapng: status 0" 0 "$rc"
expect_eq "...each keeps its own link type" "Per packet" \
  "$(capinfos -E mixed.pcapng 2>/dev/null | sed -n 's/^File encapsulation: *//p')"
expect_eq "...nothing converted" 0 "$(grep -c converted mixed-ng.log)"
expect_eq "...all 5 packets" 5 "$(capinfos -c mixed.pcapng 2>/dev/null | sed -n 's/^Number of packets: *//p')"

dd_finish
