#!/usr/bin/env python3
"""PCAP-over-IP: what serving costs ddump, and whether a stalled client slows the others.

    python3 bench/serve-bench.py [BUILDDIR]      (COUNT=packets, default 4000000)

One pcap of COUNT packets (tests/make-capture.py, 66-byte SLL2/IPv4/UDP packets) is fed to
`ddump -` through a named pipe once every client is connected, so each run measures the same
work from the same moment: from the first byte fed to the moment every reading client has
the whole stream. Runs (best of 3, wall seconds and peak RSS of ddump):

  -w /dev/null               ddump alone, the baseline
  --serve, 2 readers         two clients that read as fast as they can
  --serve, 2 readers + 1 stalled
                             the same with a third client that never reads
  ddump tcp:// -w /dev/null  a second ddump as the only client (parses what it reads)
  nc -l < file, 1 reader     the peer: the file sent by netcat to one reader, the socket
                             bandwidth a PCAP-over-IP server can hope for

The readers are small Python loops (recv into a 1 MiB buffer) and check that they got
exactly the bytes ddump wrote with -w.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "_build")
DDUMP = os.path.realpath(os.path.join(BUILD, "src", "client", "ddump"))
COUNT = int(os.environ.get("COUNT", "4000000"))
PORT = 18490


def wait_port(port, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


class Reader(threading.Thread):
    """Reads the stream until it ends; notes when it had @expected bytes."""

    def __init__(self, port, expected):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.expected = expected
        self.got = 0
        self.done_at = None

    def run(self):
        buf = bytearray(1 << 20)
        while True:
            n = self.sock.recv_into(buf)
            if n == 0:
                break
            self.got += n
            if self.done_at is None and self.got >= self.expected:
                self.done_at = time.monotonic()
        self.sock.close()


def peak_rss_kib(pid, stop):
    hwm = 0
    while not stop.is_set():
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except OSError:
            break
        time.sleep(0.005)
    return hwm


def run_once(tmp, capture, expected, readers, stalled, chained):
    fifo = os.path.join(tmp, "feed")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    args = [DDUMP, "-", "-q"]
    args += ["--serve", f"127.0.0.1:{PORT}"] if (readers or stalled or chained) else ["-w", "/dev/null"]
    feed_fd = os.open(fifo, os.O_RDWR)  # so ddump's open of its stdin does not wait
    ddump = subprocess.Popen(args, stdin=os.open(fifo, os.O_RDONLY), stderr=subprocess.DEVNULL)
    stop = threading.Event()
    rss = [0]
    watcher = threading.Thread(target=lambda: rss.__setitem__(0, peak_rss_kib(ddump.pid, stop)), daemon=True)
    watcher.start()
    clients, stalled_socks, chain = [], [], None
    if readers or stalled or chained:
        wait_port(PORT)
        for _ in range(stalled):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", PORT))
            stalled_socks.append(s)
        clients = [Reader(PORT, expected) for _ in range(readers)]
        if chained:
            chain = subprocess.Popen([DDUMP, "-q", f"tcp://127.0.0.1:{PORT}", "-w", "/dev/null"],
                                     stderr=subprocess.DEVNULL)
        # Every client connected before the first packet.
        want = readers + stalled + chained
        end = time.monotonic() + 5
        while time.monotonic() < end:
            out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{PORT} )"],
                                 capture_output=True, text=True).stdout
            if len(out.splitlines()) >= want:
                break
            time.sleep(0.02)
        for c in clients:
            c.start()
    t0 = time.monotonic()
    with open(capture, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            os.write(feed_fd, block)
    os.close(feed_fd)
    if chain is not None:
        chain.wait()
        t_end = time.monotonic()
    elif clients:
        while any(c.done_at is None and c.is_alive() for c in clients):
            time.sleep(0.002)
        t_end = max(c.done_at or time.monotonic() for c in clients)
    ddump.wait()
    if not clients and chain is None:
        t_end = time.monotonic()
    stop.set()
    watcher.join()
    for s in stalled_socks:
        s.close()
    for c in clients:
        c.join(10)
        if c.got != expected:
            sys.exit(f"a reader got {c.got} bytes, expected {expected}")
    return t_end - t0, rss[0]


def run_netcat(capture):
    """The peer: nc -l serving the file itself to one reader."""
    size = os.path.getsize(capture)
    with open(capture, "rb") as f:
        nc = subprocess.Popen(["nc", "-l", "-N", "127.0.0.1", str(PORT)], stdin=f)
    wait_port_listening(PORT)
    t0 = time.monotonic()
    reader = Reader(PORT, size)
    reader.start()
    reader.join(60)
    nc.wait()
    if reader.got != size:
        sys.exit(f"the netcat reader got {reader.got} bytes, expected {size}")
    return reader.done_at - t0


def wait_port_listening(port, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = subprocess.run(["ss", "-Hltn", f"( sport = :{port} )"], capture_output=True, text=True).stdout
        if out.strip():
            return
        time.sleep(0.02)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        capture = os.path.join(tmp, "in.pcap")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "tests", "make-capture.py"),
                        "--count", str(COUNT), capture], check=True)
        # What a client must receive: exactly what ddump writes with -w.
        reference = os.path.join(tmp, "ref.pcap")
        subprocess.run([DDUMP, "-q", capture, "-w", reference], check=True)
        expected = os.path.getsize(reference)
        print(f"## PCAP-over-IP: {COUNT} packets fed through stdin, {time.strftime('%Y-%m-%d', time.gmtime())}")
        print()
        print("| run | wall s (best of 3) | M packets/s | ddump peak RSS MiB |")
        print("|---|---|---|---|")
        for name, readers, stalled, chained in (
                ("-w /dev/null", 0, 0, 0),
                ("--serve, 2 readers", 2, 0, 0),
                ("--serve, 2 readers + 1 stalled", 2, 1, 0),
                ("--serve, ddump tcp:// -w /dev/null as the client", 0, 0, 1)):
            best, rss = None, 0
            for _ in range(3):
                dt, r = run_once(tmp, capture, expected, readers, stalled, chained)
                best = dt if best is None else min(best, dt)
                rss = max(rss, r)
            print(f"| {name} | {best:.3f} | {COUNT / best / 1e6:.2f} | {rss / 1024:.1f} |")
        best = min(run_netcat(capture) for _ in range(3))
        print(f"| peer: nc -l < file, 1 reader | {best:.3f} | {COUNT / best / 1e6:.2f} | – |")


if __name__ == "__main__":
    main()
