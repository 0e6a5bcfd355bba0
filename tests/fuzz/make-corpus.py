#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into corpus/NAME/ (run from anywhere; the
files are committed). Captures are built byte by byte: well-formed ones in both byte
orders and both formats, and the kinds of damage tcpdump's own test corpus holds
(truncations, bad magics, lengths out of range, blocks that lie about their size)."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SLL2_PAYLOAD = bytes.fromhex("0800 0000 00000002 0001 04 06 0a0b0c0d0e0f0000") + bytes(range(40))


def pcap(records, magic=0xA1B2C3D4, order="<", snaplen=262144, linktype=276, version=(2, 4)):
    out = struct.pack(order + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)
    for sec, frac, data, origlen in records:
        out += struct.pack(order + "IIII", sec, frac, len(data), origlen) + data
    return out


def block(btype, body, order="<", total=None):
    pad = (-len(body)) % 4
    length = 12 + len(body) + pad if total is None else total
    return struct.pack(order + "II", btype, length) + body + b"\0" * pad + struct.pack(order + "I", length)


def option(code, value, order="<"):
    return struct.pack(order + "HH", code, len(value)) + value + b"\0" * ((-len(value)) % 4)


def shb(order="<", appl=b"ddump-worker 0.1.0"):
    opts = option(4, appl, order) + option(0, b"", order)
    return block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts, order)


def idb(order="<", linktype=276, name=b"eth0", tsresol=9, extra=b""):
    opts = option(2, name, order) + option(9, bytes([tsresol]), order) + extra + option(0, b"", order)
    return block(1, struct.pack(order + "HHI", linktype, 0, 262144) + opts, order)


def epb(iface, ts, data, order="<", origlen=None, flags=None):
    opts = b""
    if flags is not None:
        opts = option(2, struct.pack(order + "I", flags), order) + option(0, b"", order)
    body = struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data),
                       len(data) if origlen is None else origlen) + data
    body += b"\0" * ((-len(data)) % 4) + opts
    return block(6, body, order)


def isb(iface, ts, order="<", comment=None):
    opts = b""
    if comment:
        opts += option(1, comment, order)
    opts += option(4, struct.pack(order + "Q", 10), order) + option(5, struct.pack(order + "Q", 1), order)
    opts += option(0, b"", order)
    return block(5, struct.pack(order + "III", iface, ts >> 32, ts & 0xFFFFFFFF) + opts, order)


def copied(order="<"):
    """A section whose packets carry options and whose blocks a merge copies (names,
    secrets, custom blocks), and some of them broken (lengths that run past their block)."""
    o = order
    opts = (option(1, b"a comment", o) + option(4, struct.pack(o + "Q", 7), o)
            + option(7, b"\x01" + struct.pack(o + "Q", 2), o) + option(2988, struct.pack(o + "I", 32473) + b"x", o)
            + option(19372, struct.pack(o + "I", 32473), o) + option(99, b"?", o) + option(0, b"", o))
    body = struct.pack(o + "IIIII", 0, 0, 1, len(SLL2_PAYLOAD), len(SLL2_PAYLOAD)) + SLL2_PAYLOAD + opts
    names = (struct.pack(o + "HH", 1, 9) + b"\x0a\0\0\x01web\0\0\0\0" + struct.pack(o + "HH", 2, 20) + bytes(16) + b"six\0"
             + struct.pack(o + "HH", 0, 0) + option(2, b"ns", o) + option(0, b"", o))
    keys = b"CLIENT_RANDOM 00 11\n"
    secrets = struct.pack(o + "II", 0x544C534B, len(keys)) + keys + option(1, b"k", o) + option(0, b"", o)
    return (shb(o) + idb(o) + block(6, body, o) + block(4, names, o) + block(10, secrets, o)
            + block(0xBAD, struct.pack(o + "I", 32473) + b"data", o) + block(0x40000BAD, struct.pack(o + "I", 1), o)
            # Broken: an option, a record and the secrets that claim more than the block holds.
            + block(6, body[:-8] + struct.pack(o + "HH", 1, 200) + b"xxxx", o)
            + block(4, struct.pack(o + "HH", 1, 300) + b"\x0a\0\0\x02", o)
            + block(10, struct.pack(o + "II", 0x544C534B, 999) + keys, o)
            + block(10, b"", o))


def stream_parser():
    recs = [(1700000000 + i, i * 1000, SLL2_PAYLOAD[: 20 + i * 8], 100) for i in range(4)]
    good = pcap(recs)
    ng = shb() + idb() + b"".join(epb(0, 1700000000000000000 + i, SLL2_PAYLOAD, flags=i) for i in range(3))
    ng += isb(0, 1700000000000001000, comment=b"ddump: end of capture (count reached)")
    return {
        "pcap-us-le": good,
        "pcap-ns-be": pcap(recs, magic=0xA1B23C4D, order=">"),
        "pcap-ethernet": pcap([(1, 0, bytes(60), 60)], linktype=1),
        "pcap-sll-v1": pcap([(1, 0, bytes(16) + b"E" + bytes(27), 44)], linktype=113),
        "pcap-2.2-swapped": pcap(recs, version=(2, 2)),
        "pcap-kuznetzov": pcap(recs, magic=0xA1B2CD34),
        "pcap-caplen-over-snaplen": pcap([(1, 0, bytes(200), 200)], snaplen=64),
        "pcap-caplen-huge": good[:24] + struct.pack("<IIII", 1, 0, 0xFFFFFFF0, 0xFFFFFFF0) + b"xx",
        "pcap-origlen-below-caplen": pcap([(1, 0, bytes(80), 10)]),
        "pcap-truncated-record": good[:-7],
        "pcap-truncated-header": good[:13],
        "pcap-bad-magic": b"\xde\xad\xbe\xef" + good[4:],
        "pcap-bad-version": pcap(recs, version=(3, 0)),
        "pcap-snaplen-zero": pcap(recs, snaplen=0),
        "pcapng-good": ng,
        "pcapng-big-endian": shb(">") + idb(">") + epb(0, 5, SLL2_PAYLOAD, order=">") + isb(0, 6, order=">"),
        "pcapng-two-sections": ng + shb() + idb(linktype=1, name=b"lo", tsresol=6) + epb(0, 7, bytes(60)),
        "pcapng-tsoffset": shb() + idb(extra=option(14, struct.pack("<q", 3600))) + epb(0, 1, SLL2_PAYLOAD),
        "pcapng-spb-and-unknown": shb() + idb() + block(3, struct.pack("<I", 40) + bytes(40))
                                  + block(0x0BAD, b"\1\2\3\4") + epb(0, 9, SLL2_PAYLOAD),
        "pcapng-epb-unknown-interface": shb() + idb() + epb(3, 9, SLL2_PAYLOAD),
        "pcapng-isb-unknown-interface": shb() + idb() + isb(7, 9),
        "pcapng-epb-before-idb": shb() + epb(0, 9, SLL2_PAYLOAD),
        "pcapng-length-not-multiple-of-4": shb() + block(1, bytes(20), total=33),
        "pcapng-length-too-small": shb() + block(6, b"", total=8),
        "pcapng-length-huge": shb() + struct.pack("<II", 6, 0x7FFFFFF0) + bytes(32),
        "pcapng-trailer-mismatch": shb() + idb()[:-4] + struct.pack("<I", 999),
        "pcapng-caplen-beyond-block": shb() + idb() + block(6, struct.pack("<IIIII", 0, 0, 1, 5000, 5000) + bytes(16)),
        "pcapng-option-overrun": shb() + block(1, struct.pack("<HHI", 276, 0, 65535) + struct.pack("<HH", 2, 400) + b"eth0"),
        "pcapng-copied-le": copied("<"),
        "pcapng-copied-be": copied(">"),
        "pcapng-tsresol-huge": shb() + idb(tsresol=0x7F) + epb(0, 2**63, SLL2_PAYLOAD),
        "pcapng-shb-bad-byte-order": block(0x0A0D0D0A, struct.pack("<IHHq", 0x12345678, 1, 0, -1)),
        "pcapng-shb-version-2": block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 2, 0, -1)),
        "empty": b"",
    }


def target_url():
    return {
        "http-plain": b"http://10.0.0.1",
        "http-full": b"https://alice:p%40ss@[::1]:8443/capture?filter=udp%20port%2053&snaplen=96",
        "http-port-range": b"http://h:99999/capture",
        "http-empty-host": b"http:///capture",
        "http-bad-escape": b"http://h/%zz?filter=%",
        "tcp": b"tcp://127.0.0.1:4242",
        "tcp-no-port": b"tcp://host",
        "file": b"/tmp/x.pcap",
        "stdin": b"-",
        "ftp": b"ftp://example/x",
        "user-no-password": b"http://bob@h:1/",
        "ipv6-zone": b"http://[fe80::1%25eth0]:8475/capture",
    }


def capture_request():
    return {
        "everything": b"filter=udp%20and%20port%2053&snaplen=96&count=5&duration=1.5&interface=lo"
                      b"&interface=eth0&format=pcapng\napplication/x-pcapng",
        "accept-quality": b"\napplication/x-pcapng;q=0.5, application/vnd.tcpdump.pcap;q=0.9, */*",
        "duration-hex": b"duration=0x10",
        "duration-huge": b"duration=1e309",
        "snaplen-negative": b"snaplen=-1",
        "count-text": b"count=abc",
        "bad-escape": b"filter=%zz",
        "semicolons": b"filter=tcp;count=1;count=2",
        "duplicate": b"snaplen=1&snaplen=2",
        "unknown": b"bogus=1",
        "interface-long": b"interface=" + b"x" * 40,
        "filter-parens": b"filter=tcp)%20or%20(udp",
        "empty": b"",
    }


def listen_address():
    return {
        "port": b":8475",
        "ipv4": b"127.0.0.1:0",
        "ipv6": b"[::1]:8475",
        "unix": b"unix:/run/ddump-worker/worker.sock",
        "host-name": b"localhost:8475",
        "no-port": b"host:",
        "open-bracket": b"[::1",
        "port-range": b":99999",
        "unix-empty": b"unix:",
        "ipv6-bare": b"::1",
    }


def request_head():
    return {
        "get": b"GET /capture?filter=udp HTTP/1.1\r\nHost: w\r\nAccept: */*\r\n\r\n",
        "bare-newlines": b"GET / HTTP/1.0\n\n",
        "http10-no-host": b"GET /capture?count=1 HTTP/1.0\r\n\r\n",
        "post-body": b"POST /capture HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "long-line": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
        "big-header": b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 17000 + b"\r\n\r\n",
        "blank-first": b"\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        "cut-short": b"GET / HTTP/1.1\r\nHost: w\r\n",
        "cr-only": b"GET / HTTP/1.1\r\r\r\r",
        "empty": b"",
    }


def main():
    corpora = {
        "fuzz-stream-parser": stream_parser(),
        "fuzz-target-url": target_url(),
        "fuzz-capture-request": capture_request(),
        "fuzz-listen-address": listen_address(),
        "fuzz-request-head": request_head(),
    }
    for name, files in corpora.items():
        folder = os.path.join(HERE, "corpus", name)
        os.makedirs(folder, exist_ok=True)
        for base, data in files.items():
            with open(os.path.join(folder, base), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
