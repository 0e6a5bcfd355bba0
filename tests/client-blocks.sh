#!/usr/bin/env bash
# Nothing of what pcapng lets a merge copy is lost (issue 23): files written as other
# tools write them, in both byte orders, merged by ddump and read back block by block
# (pcapng-blocks.py) and by tshark. What the chosen output cannot hold is said, once.
. "$(dirname "$0")/lib.sh"
require_tools python3 tshark
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
BLOCKS=$(dirname "$0")/pcapng-blocks.py
cd "$DD_TMP" || exit 1

# Two files whose packets interleave, one in each byte order, 16 packets each in two
# sections: in turn a comment, a comment with epb_flags, a hash, a drop count and a
# packet id, a queue and two verdicts, and custom options (one of each pair marked not to
# be copied), then none; a Name Resolution Block (one record in both files), TLS secrets
# (a DSB) after the 4th packet, custom blocks after the 6th and 7th (the second marked
# not to be copied).
python3 "$BLOCKS" make le.pcapng --count 16 --name eth0 --blocks --sections 2
python3 "$BLOCKS" make be.pcapng --count 16 --name eth1 --blocks --sections 2 --swap --start 1700000000000000500
expect_eq "the test files are what tshark reads: 4 packet comments in each" "4 4" \
  "$(for f in le.pcapng be.pcapng; do timeout 60 tshark -r "$f" -T fields -e frame.comment 2>/dev/null | grep -c .; done | xargs)"

timeout 30 "$DDUMP" -F pcapng -w merged.pcapng le.pcapng be.pcapng 2>merged.err; rc=$?
expect_eq "both merged into pcapng: status 0" 0 "$rc"
sort -u <(python3 "$BLOCKS" dump --mergeable le.pcapng) <(python3 "$BLOCKS" dump --mergeable be.pcapng) >expected.txt
python3 "$BLOCKS" dump merged.pcapng >merged.txt
sort merged.txt >merged.sorted
check "...every packet keeps its options (comment, flags, hash, dropcount, packetid, queue, verdicts, copyable custom options), whatever the byte order it came in; every name record is there once; the secrets and the copyable custom block each right after the packet they followed" \
  cmp expected.txt merged.sorted
[ -s expected.txt ] && ! cmp -s expected.txt merged.sorted && diag "$(diff expected.txt merged.sorted | head -20)"
expect_eq "...the 32 packets in timestamp order" 32 \
  "$(grep flags= merged.txt | sort -n | cmp - <(grep flags= merged.txt) && grep -c flags= merged.txt)"
expect_eq "...the names first: the record both files had once, and each file's own two" \
  "NRB NRB NRB NRB NRB" "$(head -5 merged.txt | cut -d' ' -f1 | xargs)"
expect_eq "...both files' secrets, each before the packets that followed it in its file" \
  "1700000000000003000 DSB 1700000000000003500 DSB" \
  "$(grep -B1 -A0 ' DSB ' merged.txt | grep -v flags= | cut -d' ' -f1,2 | xargs)"
expect_eq "tshark reads the 8 packet comments from the merged file" 8 \
  "$(timeout 60 tshark -r merged.pcapng -T fields -e frame.comment 2>/dev/null | grep -c .)"
expect_eq "...and the drop counts and packet ids, turned from the big-endian file" 4 \
  "$(timeout 60 tshark -r merged.pcapng -V 2>/dev/null | grep -c 'Packet id: 12346056164365084')"
expect_match "the options and blocks pcapng says not to copy are left out, and said" \
  'left out: 10 options and blocks that pcapng says not to copy' "$(cat merged.err)"
expect_match "...and the custom block of the big-endian file, which cannot be turned, is said" \
  'not kept: 1 options and blocks that could not be copied' "$(cat merged.err)"
expect_eq "tshark reads the merged file's name records (-N n): 10.0.0.1 is shared-host" "shared-host" \
  "$(timeout 60 tshark -r merged.pcapng -N n -o nameres.use_external_name_resolver:FALSE \
       -T fields -e ip.src_host -c 1 2>/dev/null)"

expect_eq "each input interface keeps its comments, after those of its section (4 interfaces in 4 sections)" \
  "le.pcapng/eth0 section of eth0|interface eth0|a second comment
le.pcapng/eth0-1 section of eth0-1|interface eth0-1|a second comment
be.pcapng/eth1 section of eth1|interface eth1|a second comment
be.pcapng/eth1-1 section of eth1-1|interface eth1-1|a second comment" \
  "$(python3 "$BLOCKS" dump --interfaces merged.pcapng | sed -n 's/^IDB //p')"

timeout 30 "$DDUMP" -q -w merged.pcap le.pcapng be.pcapng 2>pcap.err; rc=$?
expect_eq "merged into pcap: status 0" 0 "$rc"
expect_eq "...every packet is there" 32 "$(timeout 60 tshark -r merged.pcap 2>/dev/null | wc -l)"
expect_match "...and what pcap has no place for is said once, even with -q: the packets' options" \
  '^ddump: not kept: the comments and other options of 28 packets \(pcap has no place for them; -F pcapng keeps them\)$' \
  "$(cat pcap.err)"
expect_match "...and the blocks (2 NRBs, 2 DSBs, 2 custom blocks)" \
  '^ddump: not kept: 6 name resolution, decryption secrets and custom blocks' "$(cat pcap.err)"
expect_eq "...in two lines" 2 "$(wc -l <pcap.err)"

dd_finish
