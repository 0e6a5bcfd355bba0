#!/usr/bin/env python3
"""measure.py RUNS TOTAL NAME COMMAND... [::: NAME COMMAND...]...: runs each COMMAND RUNS
times, the commands taking turns (so that a machine whose speed drifts, as a shared
virtual machine's does, treats them alike), and prints a Markdown table row per command:
NAME, the best wall time, TOTAL packets per second at that time, and the largest peak RSS
of the program itself (as GNU time reports it: the maximum resident set of the process it
forks for COMMAND, whose own size before the exec is GNU time's, a megabyte or two; the
Python's ru_maxrss would include the forking Python). Nothing runs beside the program
while it runs: sampling /proc every few milliseconds, as an earlier version did, took a
share of a two-core machine from programs that use both cores.

With MEASURE_CPU=NAME (e.g. nginx) two more columns follow, for the best run: the CPU time
(user + system) of the program, and that of every process called NAME meanwhile (the
server on the same machine, which shares its cores). A failing run ends the benchmark."""
import os
import resource
import subprocess
import sys
import tempfile
import time

runs, total = int(sys.argv[1]), int(sys.argv[2])
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


class Command:
    def __init__(self, name, argv):
        self.name, self.argv = name, argv
        self.best, self.rss, self.best_cpu, self.best_also = None, 0, 0.0, 0.0

    def run(self):
        cpu0 = children_cpu()
        also0 = cpu_of(also) if also else 0.0
        t0 = time.monotonic()
        with tempfile.NamedTemporaryFile("r") as maxrss:
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", maxrss.name] + self.argv,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.monotonic() - t0
            hwm = int(maxrss.read().split()[-1]) if p.returncode == 0 else 0
        if p.returncode != 0:
            sys.exit(f"{self.name}: exit status {p.returncode}: "
                     f"{p.stderr.decode(errors='replace')[-500:]}")
        if self.best is None or dt < self.best:
            self.best = dt
            self.best_cpu = children_cpu() - cpu0
            self.best_also = cpu_of(also) - also0 if also else 0.0
        self.rss = max(self.rss, hwm)

    def row(self):
        extra = f" {self.best_cpu:.2f} | {self.best_also:.2f} |" if also else ""
        return (f"| {self.name} | {self.best:.3f} | {total / self.best / 1e6:.2f} | "
                f"{self.rss / 1024:.1f} |{extra}")


commands, rest = [], sys.argv[3:]
while rest:
    cut = rest.index(":::") if ":::" in rest else len(rest)
    commands.append(Command(rest[0], rest[1:cut]))
    rest = rest[cut + 1:]
for _ in range(runs):
    for command in commands:
        command.run()
for command in commands:
    print(command.row())
