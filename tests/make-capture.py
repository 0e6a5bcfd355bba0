#!/usr/bin/env python3
"""Writes a synthetic capture for the merge tests and benchmarks.

  make-capture.py [--format pcap|pcapng] [--count N] [--start NS] [--step NS]
                  [--host-id K] [--swap] [--usec] OUT
  make-capture.py --hosts N [...] 'DIR/s%d.pcap'

With --hosts, one file per host K = 1..N, named by OUT with %d replaced by K, stamped
from START + K ns (so the hosts' packets interleave).

Each packet is LINUX_SLL2 + IPv4 + UDP from 10.99.0.K to 10.99.1.1 port 9000, whose
payload holds the host id and the packet's sequence number, so a test can check that
a merge kept every packet intact and in order. Timestamps: START + i * STEP ns.
"""
import argparse
import struct
import sys


def packet(host_id, seq, size):
    payload = struct.pack(">II", host_id, seq).ljust(size, b"\0")
    udp = struct.pack(">HHHH", 40000 + host_id, 9000, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 99, 0, host_id & 0xFF]), bytes([10, 99, 1, 1])) + udp
    # SLL2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type (host), addr len, addr
    sll2 = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0")
    return sll2 + ip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--format", default="pcap", choices=["pcap", "pcapng"])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--start", type=int, default=1_700_000_000_000_000_000)
    ap.add_argument("--step", type=int, default=1000)
    ap.add_argument("--host-id", type=int, default=1)
    ap.add_argument("--size", type=int, default=18, help="UDP payload bytes")
    ap.add_argument("--swap", action="store_true", help="write the other byte order")
    ap.add_argument("--usec", action="store_true", help="pcap: microsecond magic")
    ap.add_argument("--hosts", type=int, default=0, help="one file per host: OUT has a %%d")
    ap.add_argument("out")
    a = ap.parse_args()
    if a.hosts == 0:
        write(a, a.out, a.host_id, a.start)
    for k in range(1, a.hosts + 1):
        write(a, a.out % k, k, a.start + k)


def write(a, path, host_id, start):
    e = "<" if (sys.byteorder == "little") != a.swap else ">"
    out = open(path, "wb") if path != "-" else sys.stdout.buffer
    chunks = []

    def flush():
        out.write(b"".join(chunks))
        chunks.clear()

    if a.format == "pcap":
        magic = 0xA1B2C3D4 if a.usec else 0xA1B23C4D
        chunks.append(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144, 276))
    else:
        shb_opts = struct.pack(e + "HH", 4, 12) + b"make-capture" + struct.pack(e + "I", 0)
        body = struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts
        chunks.append(struct.pack(e + "II", 0x0A0D0D0A, 12 + len(body)) + body + struct.pack(e + "I", 12 + len(body)))
        name = b"eth0"
        opts = struct.pack(e + "HH", 2, len(name)) + name + struct.pack(e + "HHB3x", 9, 1, 9) + struct.pack(e + "I", 0)
        body = struct.pack(e + "HHI", 276, 0, 262144) + opts
        chunks.append(struct.pack(e + "II", 1, 12 + len(body)) + body + struct.pack(e + "I", 12 + len(body)))
    for i in range(a.count):
        ts = start + i * a.step
        data = packet(host_id, i, a.size)
        if a.format == "pcap":
            frac = (ts % 1_000_000_000) // (1000 if a.usec else 1)
            chunks.append(struct.pack(e + "IIII", ts // 1_000_000_000, frac, len(data), len(data)) + data)
        else:
            pad = b"\0" * (-len(data) % 4)
            total = 32 + len(data) + len(pad)
            chunks.append(struct.pack(e + "IIIIIII", 6, total, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
                          + data + pad + struct.pack(e + "I", total))
        if len(chunks) >= 4096:
            flush()
    flush()
    if out is not sys.stdout.buffer:
        out.close()


if __name__ == "__main__":
    main()
