#!/usr/bin/env python3
"""measure.py RUNS TOTAL NAME COMMAND...: runs COMMAND RUNS times and prints a Markdown
table row: NAME, the best wall time, TOTAL packets per second at that time, and the
largest peak RSS of the program itself (its VmHWM, sampled until it exits: ru_maxrss
would include the forking Python). A failing run ends the benchmark."""
import subprocess
import sys
import time

runs, total, name, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
best, rss = None, 0
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    hwm = 0
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.005)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{name}: exit status {p.returncode}: {p.stderr.read().decode(errors='replace')[-500:]}")
    best = dt if best is None else min(best, dt)
    rss = max(rss, hwm)
print(f"| {name} | {best:.3f} | {total / best / 1e6:.2f} | {rss / 1024:.1f} |")
