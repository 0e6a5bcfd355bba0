#!/usr/bin/env python3
"""pcapng files for the pass-through tests, and a block-by-block reading of them.

  pcapng-blocks.py make OUT [--swap] [--count N] [--start NS] [--step NS] [--name IFACE]
                           [--blocks] [--sections N]
      A section (in the other byte order with --swap) with one Ethernet interface and N
      UDP packets whose EPBs carry, in turn, every option pcapng defines for them: a
      comment, epb_flags, epb_hash, epb_dropcount, epb_packetid, epb_queue, epb_verdict
      (a hardware one and a TC one), and custom options, copyable and not. --blocks adds
      a Name Resolution Block (a record every such file has, and one of its own), a
      Decryption Secrets Block (a TLS key log line) after the 4th packet, and custom
      blocks (one a merge may copy, one it must not) after the 6th and 7th; --sections
      starts a new section (a new interface, named IFACE-K) every N/K packets.
  pcapng-blocks.py dump FILE [--copyable] [--mergeable]
      One line per packet: its timestamp (ns), lengths, a digest of its bytes, its
      epb_flags and its other options decoded (numbers as numbers, whatever the file's
      byte order), in file order; one per name record ("NRB ..."); one per other block,
      after the timestamp of the packet before it ("TS DSB ...", "TS CB ..."). --copyable
      leaves out what pcapng says a merge must not copy (custom options 19372 and 19373,
      custom blocks 0x40000BAD): what a merged file should still hold. --mergeable also
      leaves out a custom block of a file in the other byte order (whose options a merge
      cannot find, so cannot turn).
Exits 1 on a malformed file.
"""
import argparse
import hashlib
import struct
import sys

PEN = 32473  # the Private Enterprise Number IANA reserves for examples (RFC 5612)


def option(e, code, value):
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def block(e, btype, body):
    return struct.pack(e + "II", btype, len(body) + 12) + body + struct.pack(e + "I", len(body) + 12)


def packet_options(e, i):
    kind = i % 8
    o = []
    if kind == 0:
        o.append(option(e, 1, ("packet %d: a comment, ünïcode" % i).encode()))
    elif kind == 1:
        o.append(option(e, 1, b"inbound, with a flag"))
        o.append(option(e, 2, struct.pack(e + "I", 1)))
    elif kind == 2:
        o.append(option(e, 3, b"\x02" + struct.pack(">I", 0xDEADBEEF + i)))  # CRC32
    elif kind == 3:
        o.append(option(e, 4, struct.pack(e + "Q", 0x0102030405060708)))
        o.append(option(e, 5, struct.pack(e + "Q", 0x1122334455667700 + i)))
    elif kind == 4:
        o.append(option(e, 6, struct.pack(e + "I", 7)))
        o.append(option(e, 7, b"\x01" + struct.pack(e + "Q", 2)))  # TC_ACT_SHOT
        o.append(option(e, 7, b"\x00\xaa\xbb"))  # hardware
    elif kind == 5:
        o.append(option(e, 2988, struct.pack(e + "I", PEN) + b"copy me"))
        o.append(option(e, 19372, struct.pack(e + "I", PEN) + b"do not copy me"))
    elif kind == 6:
        o.append(option(e, 2989, struct.pack(e + "I", PEN) + b"\x01\x02\x03"))
        o.append(option(e, 19373, struct.pack(e + "I", PEN) + b"\x09"))
    if not o:
        return b""
    return b"".join(o) + struct.pack(e + "HH", 0, 0)


END = b"\0\0\0\0"
KEYLOG = ("CLIENT_RANDOM " + "ab" * 32 + " " + "cd" * 48 + "\n").encode()


def section(e, name):
    shb = (struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + option(e, 1, ("section of " + name).encode())
           + option(e, 4, b"pcapng-blocks.py") + END)
    idb = (struct.pack(e + "HHI", 1, 0, 0) + option(e, 2, name.encode()) + option(e, 1, ("interface " + name).encode())
           + option(e, 1, b"a second comment") + option(e, 9, b"\x09") + END)
    return block(e, 0x0A0D0D0A, shb) + block(e, 1, idb)


def nrb(e, name):
    shared = option(e, 1, bytes([10, 0, 0, 1]) + b"shared-host\0")
    own = option(e, 1, bytes([10, 9, 9, 2 + sum(name.encode()) % 250]) + ("only-" + name + "\0").encode())
    v6 = option(e, 2, bytes(15) + b"\x01" + ("six-" + name + "\0").encode())
    return block(e, 4, shared + own + v6 + END + option(e, 2, b"ns.example") + END)


def make(a):
    e = ">" if a.swap else "<"
    out = bytearray(section(e, a.name))
    if a.blocks:
        out += nrb(e, a.name)
    per_section = max(1, a.count // max(1, a.sections))
    for i in range(a.count):
        if a.sections > 1 and i > 0 and i % per_section == 0:
            out += section(e, "%s-%d" % (a.name, i // per_section))
        if a.blocks and i == 4:
            out += block(e, 10, struct.pack(e + "II", 0x544C534B, len(KEYLOG)) + KEYLOG
                         + b"\0" * (-len(KEYLOG) % 4) + option(e, 1, b"keys of " + a.name.encode()) + END)
        if a.blocks and i in (6, 7):
            data = ("custom data of " + a.name).encode()
            out += block(e, 0xBAD if i == 6 else 0x40000BAD,
                         struct.pack(e + "I", PEN) + data + b"\0" * (-len(data) % 4))
        payload = struct.pack(">I", i) * 4
        udp = struct.pack(">HHHH", 40000, 40001, 8 + len(payload), 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp
        ts = a.start + i * a.step
        body = struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        body += frame + b"\0" * (-len(frame) % 4) + packet_options(e, i)
        out += block(e, 6, body)
    with open(a.out, "wb") as f:
        f.write(out)


def decode(e, code, value):
    if code == 1:
        return "comment=%s" % value.decode(errors="replace")
    if code == 3:
        return "hash=%s" % value.hex()
    if code in (4, 5) and len(value) == 8:
        return "%s=%d" % ("dropcount" if code == 4 else "packetid", struct.unpack(e + "Q", value)[0])
    if code == 6 and len(value) == 4:
        return "queue=%d" % struct.unpack(e + "I", value)[0]
    if code == 7 and len(value) == 9 and value[0] in (1, 2):
        return "verdict=%d:%d" % (value[0], struct.unpack(e + "Q", value[1:])[0])
    if code == 7:
        return "verdict=%s" % value.hex()
    if code in (2988, 2989, 19372, 19373) and len(value) >= 4:
        pen = struct.unpack(e + "I", value[:4])[0]
        return "custom%d=%d:%s" % (code, pen, value[4:].hex())
    return "option%d=%s" % (code, value.hex())


def dump(a):
    data = open(a.file, "rb").read()
    e = "<"
    off = 0
    tsresol = []
    last_ts = 0
    while off < len(data):
        if off + 12 > len(data):
            sys.exit("truncated block header at %d" % off)
        if struct.unpack_from("<I", data, off)[0] == 0x0A0D0D0A:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            tsresol = []
        btype, blen = struct.unpack_from(e + "II", data, off)
        if blen < 12 or blen % 4 or off + blen > len(data):
            sys.exit("bad block length %d at %d" % (blen, off))
        body = data[off + 8:off + blen - 4]
        off += blen
        if btype == 4:
            o = 0
            while o + 4 <= len(body):
                rtype, length = struct.unpack_from(e + "HH", body, o)
                if rtype == 0:
                    break
                value = body[o + 4:o + 4 + length]
                o += 4 + length + (-length % 4)
                alen = 4 if rtype == 1 else 16
                names = [n.decode(errors="replace") for n in value[alen:].split(b"\0") if n]
                print("NRB %d %s %s" % (rtype, value[:alen].hex(), ",".join(names)))
        elif btype == 10:
            stype, slen = struct.unpack_from(e + "II", body, 0)
            print("%d DSB %08x %s" % (last_ts, stype, hashlib.sha1(body[8:8 + slen]).hexdigest()[:12]))
        elif btype in (0xBAD, 0x40000BAD):
            if not ((a.copyable or a.mergeable) and btype == 0x40000BAD) and not (a.mergeable and e == ">"):
                print("%d CB %08x %d %s" % (last_ts, btype, struct.unpack_from(e + "I", body, 0)[0],
                                            body[4:].rstrip(b"\0").hex()))
        if btype == 1:
            res = 6
            o = 8
            name, comments = "", []
            while o + 4 <= len(body):
                code, length = struct.unpack_from(e + "HH", body, o)
                if code == 0:
                    break
                if code == 9:
                    res = body[o + 4]
                elif code == 2:
                    name = body[o + 4:o + 4 + length].decode(errors="replace")
                elif code == 1:
                    comments.append(body[o + 4:o + 4 + length].decode(errors="replace"))
                o += 4 + length + (-length % 4)
            tsresol.append(res)
            if a.interfaces:
                print("IDB %s %s" % (name, "|".join(comments)))
        if btype != 6:
            continue
        iface, hi, lo, caplen, origlen = struct.unpack_from(e + "IIIII", body, 0)
        units = (hi << 32) | lo
        res = tsresol[iface]
        ts = units * 10 ** (9 - res) if res <= 9 else units // 10 ** (res - 9)
        frame = body[20:20 + caplen]
        o = 20 + caplen + (-caplen % 4)
        flags = 0
        opts = []
        while o + 4 <= len(body):
            code, length = struct.unpack_from(e + "HH", body, o)
            if code == 0:
                break
            value = body[o + 4:o + 4 + length]
            o += 4 + length + (-length % 4)
            if code == 2 and length == 4:
                flags = struct.unpack(e + "I", value)[0]
            elif not ((a.copyable or a.mergeable) and code in (19372, 19373)):
                opts.append(decode(e, code, value))
        last_ts = ts
        print("%d %d/%d %s flags=%d %s" % (ts, caplen, origlen, hashlib.sha1(frame).hexdigest()[:12],
                                           flags, " ".join(opts)))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("--swap", action="store_true")
    m.add_argument("--count", type=int, default=16)
    m.add_argument("--start", type=int, default=1_700_000_000_000_000_000)
    m.add_argument("--step", type=int, default=1000)
    m.add_argument("--name", default="eth0")
    m.add_argument("--blocks", action="store_true")
    m.add_argument("--sections", type=int, default=1)
    d = sub.add_parser("dump")
    d.add_argument("file")
    d.add_argument("--copyable", action="store_true")
    d.add_argument("--mergeable", action="store_true")
    d.add_argument("--interfaces", action="store_true", help="a line per IDB: its name and comments")
    a = ap.parse_args()
    make(a) if a.command == "make" else dump(a)


if __name__ == "__main__":
    main()
