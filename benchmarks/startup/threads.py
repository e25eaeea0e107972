#!/usr/bin/env python3
# CPU time per thread of one process, from the command line to its exit (issue 16, cold start):
#   benchmarks/startup/threads.py runtime/launch.sh [--machine] -Dgosh.args="--nointeractive -c '...; stop 0'"
# Runs the command (launch.sh execs java, so the child is the JVM), samples
# /proc/<pid>/task/*/stat every 20 ms, and prints the process's total CPU (user+sys, from
# getrusage), its wall time and peak RSS, then the last CPU seen per thread name (compiler and GC
# threads summed). Threads that start and end between two samples are missed, hence "sampled"
# below the total. Figures: docs/PERFORMANCE.md, "Cold start".
import os, subprocess, sys, time, collections

tick = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
last = {}
t0=time.monotonic()
while p.poll() is None:
    try:
        for tid in os.listdir(f"/proc/{p.pid}/task"):
            try:
                with open(f"/proc/{p.pid}/task/{tid}/stat") as f: s=f.read()
                name = s[s.index("(")+1:s.rindex(")")]
                st = s.rsplit(")",1)[1].split()
                last[tid]=(name,(int(st[11])+int(st[12]))/tick)
            except Exception: pass
    except Exception: pass
    time.sleep(0.02)
wall=time.monotonic()-t0

import resource
ru=resource.getrusage(resource.RUSAGE_CHILDREN)
agg=collections.Counter()
for tid,(n,c) in last.items():
    key = n
    for pre in ("C1 CompilerThre","C2 CompilerThre","GC Thread","G1 Conc","ForkJoinPool"):
        if n.startswith(pre): key=pre
    agg[key]+=c
print(f"total cpu={ru.ru_utime+ru.ru_stime:.2f} wall={wall:.2f} maxrss={ru.ru_maxrss//1024}MiB sampled={sum(agg.values()):.2f}")
for k,v in agg.most_common(14): print(f"  {v:6.2f} {k}")
