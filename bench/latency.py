#!/usr/bin/env python3
"""Delay of a lone packet on a quiet link: from sendto() of one UDP datagram on loopback
to the moment its bytes come out of a capture stream.

  latency.py http://127.0.0.1:8475/capture?filter=udp%20port%2040050   (a worker)
  latency.py -- tcpdump -U -i any -w - udp port 40050                   (a command's stdout)

Prints one JSON line: trials, median and max delay in ms, and how many never arrived.
"""
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

TRIALS = int(os.environ.get("TRIALS", "20"))
PORT = 40050


def open_stream(argv):
    if argv[0] == "--":
        proc = subprocess.Popen(argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return proc.stdout.fileno(), proc
    url = urllib.parse.urlsplit(argv[0])
    s = socket.create_connection((url.hostname, url.port or 8475))
    path = url.path + ("?" + url.query if url.query else "")
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, url.hostname)).encode())
    return s.fileno(), s


def main():
    fd, handle = open_stream(sys.argv[1:])
    time.sleep(1.5)  # the capture is live and the link quiet
    while select.select([fd], [], [], 0)[0]:
        os.read(fd, 1 << 20)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    delays, lost = [], 0
    for i in range(TRIALS):
        marker = b"ddump-latency-%08d" % i
        seen = b""
        t0 = time.monotonic()
        udp.sendto(marker, ("127.0.0.1", PORT))
        while True:
            left = t0 + 3.0 - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                lost += 1
                break
            seen = seen[-64:] + os.read(fd, 1 << 20)
            if marker in seen:
                delays.append((time.monotonic() - t0) * 1000)
                break
        time.sleep(0.3)
    print(json.dumps({"trials": TRIALS, "median_ms": round(statistics.median(delays), 2) if delays else None,
                      "max_ms": round(max(delays), 2) if delays else None, "lost": lost}))
    if hasattr(handle, "terminate"):
        handle.terminate()


if __name__ == "__main__":
    main()
