#!/usr/bin/env bash
# Nothing of what pcapng lets a merge copy is lost (issue 23): files written as other
# tools write them, in both byte orders, merged by ddump and read back block by block
# (pcapng-blocks.py) and by tshark. What the chosen output cannot hold is said, once.
. "$(dirname "$0")/lib.sh"
require_tools python3 tshark
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
BLOCKS=$(dirname "$0")/pcapng-blocks.py
cd "$DD_TMP" || exit 1

# Two files whose packets interleave, one in each byte order, 16 packets each: in turn a
# comment, a comment with epb_flags, a hash, a drop count and a packet id, a queue and
# two verdicts, and custom options (one of each pair marked not to be copied), then none.
python3 "$BLOCKS" make le.pcapng --count 16 --name eth0
python3 "$BLOCKS" make be.pcapng --count 16 --name eth1 --swap --start 1700000000000000500
expect_eq "the test files are what tshark reads: 4 packet comments in each" "4 4" \
  "$(for f in le.pcapng be.pcapng; do tshark -r "$f" -T fields -e frame.comment 2>/dev/null | grep -c .; done | xargs)"

timeout 30 "$DDUMP" -F pcapng -w merged.pcapng le.pcapng be.pcapng 2>merged.err; rc=$?
expect_eq "both merged into pcapng: status 0" 0 "$rc"
sort <(python3 "$BLOCKS" dump --copyable le.pcapng) <(python3 "$BLOCKS" dump --copyable be.pcapng) >expected.txt
python3 "$BLOCKS" dump merged.pcapng >merged.txt
check "...every packet keeps its options (comment, flags, hash, dropcount, packetid, queue, verdicts, copyable custom options), in its order, whatever the byte order it came in" \
  cmp expected.txt merged.txt
[ -s expected.txt ] && ! cmp -s expected.txt merged.txt && diag "$(diff expected.txt merged.txt | head -20)"
expect_eq "...and in timestamp order, 32 of them" 32 "$(sort -n merged.txt | cmp - merged.txt && wc -l <merged.txt)"
expect_eq "tshark reads the 8 packet comments from the merged file" 8 \
  "$(tshark -r merged.pcapng -T fields -e frame.comment 2>/dev/null | grep -c .)"
expect_eq "...and the drop counts and packet ids, turned from the big-endian file" 4 \
  "$(tshark -r merged.pcapng -V 2>/dev/null | grep -c 'Packet id: 12346056164365084')"
expect_match "the options pcapng says not to copy are left out, and said" \
  'left out: 8 packet options that pcapng says not to copy' "$(cat merged.err)"

timeout 30 "$DDUMP" -q -w merged.pcap le.pcapng be.pcapng 2>pcap.err; rc=$?
expect_eq "merged into pcap: status 0" 0 "$rc"
expect_eq "...every packet is there" 32 "$(tshark -r merged.pcap 2>/dev/null | wc -l)"
expect_match "...and what pcap has no place for is said once, even with -q" \
  '^ddump: not kept: the comments and other options of 28 packets \(pcap has no place for them; -F pcapng keeps them\)$' \
  "$(cat pcap.err)"
expect_eq "...in one line" 1 "$(wc -l <pcap.err)"

dd_finish
