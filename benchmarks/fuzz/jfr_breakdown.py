#!/usr/bin/env python3
"""Where a fuzz campaign's CPU goes: JFR execution samples, by thread and by what is on the stack.

usage: benchmarks/fuzz/jfr_breakdown.py RECORDING.jfr

Reads `jfr print --stack-depth 96 --events jdk.ExecutionSample` and puts each sample in the
category of its innermost frame that has one (JDK frames such as VarHandle accesses count for
their caller); threads by name (pCPU threads are the guests, the rest is the runtime: Felix, the
campaign driver, backends, the console).
"""
import collections
import re
import subprocess
import sys

# (category, frame pattern): a frame's category is the first that matches it
CATEGORIES = [
    ("TLB flush / invlpg", re.compile(r"\.Mmu\.(flushTlb|invlpg)\b")),
    ("translation (decode, compile, class load)",
     re.compile(r"\.(RegionCompiler|RegionEmitter|RegionPlan|RecordDecoder|SharedRegions|Decode)\.|org\.objectweb\.asm|ClassLoader\.defineClass")),
    ("console output", re.compile(r"ConsoleRing|console|Console")),
    ("hypercall handlers", re.compile(r"org\.oxen\.vmm\.core\.(hypercall|grant|evtchn|mm)\.")),
    ("trap/event delivery", re.compile(r"org\.oxen\.vmm\.core\.(trap|arch)\.")),
    ("scheduler", re.compile(r"org\.oxen\.vmm\.core\.sched\.|org\.oxen\.sched\.")),
    ("page walks / TLB fills", re.compile(r"\.Mmu\.")),
    ("guest code (emulator, translated regions)", re.compile(r"org\.oxen\.x86\.cpu\.|^\s*R[0-9a-f_]+\.|region", re.I)),
]


def main(path):
    text = subprocess.run(["jfr", "print", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                          check=True, capture_output=True, text=True).stdout
    by_cat = collections.Counter()
    by_thread = collections.Counter()
    tops = collections.Counter()
    total = 0
    for ev in text.split("jdk.ExecutionSample")[1:]:
        m = re.search(r'sampledThread = "([^"]*)"', ev)
        thread = re.sub(r"\d+", "N", m.group(1)) if m else "?"
        frames = re.findall(r"^\s+([\w$./<>]+\(.*?\))\s+line:", ev, re.M)
        if not frames:
            continue
        total += 1
        by_thread[thread] += 1
        cat = "other (JDK, Felix, driver)"
        for f in frames:                    # innermost first
            hit = next((name for name, pat in CATEGORIES if pat.search(f)), None)
            if hit:
                cat = hit
                break
        by_cat[(thread, cat)] += 1
        tops[frames[0].split("(")[0]] += 1
    print(f"{total} samples")
    for t, n in by_thread.most_common():
        print(f"thread {t}: {n} ({100.0 * n / total:.1f} %)")
        for (tt, c), k in sorted(by_cat.items(), key=lambda x: -x[1]):
            if tt == t:
                print(f"    {c}: {k} ({100.0 * k / total:.1f} %)")
    print("top frames:")
    for f, n in tops.most_common(25):
        print(f"  {n:6d} {100.0 * n / total:5.1f} %  {f}")


if __name__ == "__main__":
    main(sys.argv[1])
