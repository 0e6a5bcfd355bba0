#!/usr/bin/env python3
"""Reads a pcapng stream written by ddump-worker and reports on it as JSON.

Checks the watermark property: no packet that follows an ISB on interface 0 carries a
timestamp earlier than that ISB's timestamp. Exits 1 (with the JSON) when it fails or
when the file is malformed.
"""
import json
import struct
import sys


def options(body, endian):
    out = {}
    off = 0
    while off + 4 <= len(body):
        code, length = struct.unpack_from(endian + "HH", body, off)
        off += 4
        if code == 0:
            break
        out.setdefault(code, []).append(body[off:off + length])
        off += (length + 3) & ~3
    return out


def main():
    path = sys.argv[1]
    data = open(path, "rb").read() if path != "-" else sys.stdin.buffer.read()
    endian = "<"
    off = 0
    result = {"packets": 0, "isb": 0, "interfaces": [], "watermark_violations": 0,
              "worst_violation_ns": 0, "last_isb": None, "first_violation": None,
              "inversions": 0, "errors": [], "directions": {},
              "interface_comments": [], "isb_comments": [], "isb_by_interface": {}}
    tsresol = []
    watermark = 0
    last_ts = 0
    while off < len(data):
        if off + 12 > len(data):
            result["errors"].append("truncated block header at %d" % off)
            break
        btype = struct.unpack_from("<I", data, off)[0]
        if btype == 0x0A0D0D0A:
            magic = data[off + 8:off + 12]
            endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            tsresol = []
        btype, blen = struct.unpack_from(endian + "II", data, off)
        if blen < 12 or blen % 4 or off + blen > len(data):
            result["errors"].append("bad block length %d at %d" % (blen, off))
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            opts = options(body[8:], endian)
            name = opts.get(2, [b""])[0].decode()
            res = opts.get(9, [b"\x06"])[0][0]
            tsresol.append(res)
            result["interfaces"].append(name)
            for comment in opts.get(1, []):
                result["interface_comments"].append(name + ": " + comment.decode(errors="replace"))
        elif btype == 6:
            iface, hi, lo, caplen, origlen = struct.unpack_from(endian + "IIIII", body, 0)
            ts = (hi << 32) | lo
            if iface >= len(tsresol) or tsresol[iface] != 9:
                result["errors"].append("packet on interface %d without a nanosecond IDB" % iface)
            opts = options(body[20 + ((caplen + 3) & ~3):], endian)
            if 2 in opts:
                direction = struct.unpack(endian + "I", opts[2][0])[0] & 3
                result["directions"][str(direction)] = result["directions"].get(str(direction), 0) + 1
            result["packets"] += 1
            if ts < watermark:
                result["watermark_violations"] += 1
                result["worst_violation_ns"] = max(result["worst_violation_ns"], watermark - ts)
                if result["first_violation"] is None:
                    result["first_violation"] = {"packet": result["packets"], "ts": ts, "watermark": watermark}
            if ts < last_ts:
                result["inversions"] += 1
            last_ts = max(last_ts, ts)
        elif btype == 5:
            iface, hi, lo = struct.unpack_from(endian + "III", body, 0)
            ts = (hi << 32) | lo
            opts = options(body[12:], endian)
            stats = {}
            for code, key in ((4, "ifrecv"), (5, "ifdrop"), (7, "osdrop"), (8, "usrdeliv")):
                if code in opts:
                    stats[key] = struct.unpack(endian + "Q", opts[code][0])[0]
            for code, key in ((2, "starttime"), (3, "endtime")):
                if code in opts:
                    high, low = struct.unpack(endian + "II", opts[code][0])
                    stats[key] = (high << 32) | low
            # Per interface (by name): how many ISBs, and the last one's counters.
            name = result["interfaces"][iface] if iface < len(result["interfaces"]) else str(iface)
            per = result["isb_by_interface"].setdefault(name, {"count": 0})
            per.update(stats, count=per["count"] + 1, comments=per.get("comments", 0) + len(opts.get(1, [])))
            result["isb"] += 1
            for comment in opts.get(1, []):
                result["isb_comments"].append(comment.decode(errors="replace"))
            if iface == 0:
                if ts < watermark:
                    result["errors"].append("watermark went backwards at ISB %d" % result["isb"])
                watermark = max(watermark, ts)
            result["last_isb"] = dict(stats, ts=ts)
        off += blen
    print(json.dumps(result))
    return 1 if result["watermark_violations"] or result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
