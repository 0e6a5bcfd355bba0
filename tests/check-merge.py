#!/usr/bin/env python3
"""check-merge.py MERGED.pcap EXPECTED: checks a merge of tests/make-capture.py files.
Prints one line: the packets found, and how many are out of timestamp order or break
their host's sequence (each packet's payload carries its host id and sequence number).
Exits 1 unless every packet is there, in order, intact."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
expected = int(sys.argv[2])
pos, n, last, seqs, bad = 24, 0, 0, {}, 0
while pos < len(data):
    sec, ns, cap, orig = struct.unpack_from("<IIII", data, pos)
    ts = sec * 10**9 + ns
    host, seq = struct.unpack_from(">II", data, pos + 16 + 20 + 20 + 8)
    if ts < last or seq != seqs.get(host, -1) + 1:
        bad += 1
    last, seqs[host] = ts, seq
    pos += 16 + cap
    n += 1
print(f"Check of the merge: {n} of {expected} packets, {bad} out of order or altered.")
sys.exit(0 if n == expected and bad == 0 else 1)
