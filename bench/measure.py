#!/usr/bin/env python3
"""measure.py RUNS TOTAL NAME COMMAND...: runs COMMAND RUNS times and prints a Markdown
table row: NAME, the best wall time, TOTAL packets per second at that time, and the
largest peak RSS of the program itself (its VmHWM, sampled until it exits: ru_maxrss
would include the forking Python).

With MEASURE_CPU=NAME (e.g. nginx) two more columns follow, for the best run: the CPU time
(user + system) of the program, and that of every process called NAME meanwhile (the
server on the same machine, which shares its cores). A failing run ends the benchmark."""
import os
import resource
import subprocess
import sys
import time

runs, total, name, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
also = os.environ.get("MEASURE_CPU")
tick = os.sysconf("SC_CLK_TCK")


def cpu_of(comm):
    """CPU seconds used so far by the processes named @comm."""
    used = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.index("(") + 1:stat.rindex(")")] != comm:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        used += int(fields[11]) + int(fields[12])  # utime, stime
    return used / tick


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


best, rss, best_cpu, best_also = None, 0, 0.0, 0.0
for _ in range(runs):
    cpu0 = children_cpu()
    also0 = cpu_of(also) if also else 0.0
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
        time.sleep(0.005)  # the sampling period, not a wait for a state
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{name}: exit status {p.returncode}: {p.stderr.read().decode(errors='replace')[-500:]}")
    if best is None or dt < best:
        best = dt
        best_cpu = children_cpu() - cpu0
        best_also = cpu_of(also) - also0 if also else 0.0
    rss = max(rss, hwm)
extra = f" {best_cpu:.2f} | {best_also:.2f} |" if also else ""
print(f"| {name} | {best:.3f} | {total / best / 1e6:.2f} | {rss / 1024:.1f} |{extra}")
