#!/usr/bin/env python3
"""xl's two speed figures (docs/PERFORMANCE.md), measured from outside as a user sees them.

1. runtime start -> prompt: `java -jar runtime/target/oxen.jar` started from the repository root
   (the README's run command after the build, the demo domains of runtime/domains included)
   until Gogo's first prompt "g! " appears on its stdout.
2. `xl create` -> first console line of hello, in a runtime started with -Doxen.domains.dir=none
   (no demo cpubench competing for the pCPU): the command line `xl create -c -q <cfg> name=bN` is
   written to the runtime's stdin; the time runs until hello's first console line
   ("hello: flavor=pv") arrives on stdout. Includes Gogo's pipe and parsing (sub-ms).

Usage: python3 bundles/org.oxen.toolstack.xl/bench/xl_bench.py [runs=5] [creates=20]
(from the repository root, after ./oxen build). Prints one line per measurement and a summary.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
creates = int(sys.argv[2]) if len(sys.argv) > 2 else 20
jar = os.path.join(root, "runtime", "target", "oxen.jar")

cfg = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
cfg.write('name = "b"\nkernel = "guest:hello"\nmemory = 16\non_poweroff = "destroy"\n')
cfg.close()


class Reader(threading.Thread):
    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.buf = b""
        self.cv = threading.Condition()

    def run(self):
        while True:
            b = os.read(self.stream.fileno(), 65536)
            with self.cv:
                if not b:
                    self.buf += b"\0EOF"
                    self.cv.notify_all()
                    return
                self.buf += b
                self.cv.notify_all()

    def wait_for(self, needle, start):
        """Waits until needle appears at or after offset start; returns (time, end offset)."""
        with self.cv:
            while True:
                i = self.buf.find(needle, start)
                if i >= 0:
                    return time.perf_counter(), i + len(needle)
                if self.buf.endswith(b"\0EOF"):
                    raise RuntimeError("runtime ended:\n" + self.buf.decode(errors="replace"))
                self.cv.wait(5)


starts, create_ms = [], []
for r in range(runs + 1):
    # runs 0..runs-1: start -> prompt with the demo domains; the last runtime: the create series,
    # without the demos (cpubench would share the pCPU with the creates)
    series = r == runs
    t0 = time.perf_counter()
    p = subprocess.Popen(["java", "-Doxen.pcpus=1"] + (["-Doxen.domains.dir=none"] if series else [])
                         + ["-jar", jar], cwd=root, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rd = Reader(p.stdout)
    rd.start()
    t1, off = rd.wait_for(b"g! ", 0)
    if not series:
        starts.append(t1 - t0)
        print(f"run {r}: start -> prompt {t1 - t0:.2f} s", flush=True)
    else:  # one runtime does the create series (JIT warms up over it)
        for i in range(creates):
            line = f"xl create -c -q {cfg.name} name=b{i}\n".encode()
            t2 = time.perf_counter()
            p.stdin.write(line)
            p.stdin.flush()
            t3, off = rd.wait_for(b"hello: flavor=pv", off)
            _, off = rd.wait_for(b"RESULT: PASS", off)
            create_ms.append((t3 - t2) * 1000)
            print(f"  create {i}: first console line after {create_ms[-1]:.1f} ms", flush=True)
    p.stdin.write(b"stop 0\n")
    p.stdin.flush()
    p.wait(60)

os.unlink(cfg.name)
print(f"runtime start -> prompt: median {statistics.median(starts):.2f} s, min {min(starts):.2f} s over {runs} starts")
print(f"xl create -> first console line of hello: first {create_ms[0]:.1f} ms, median "
      f"{statistics.median(create_ms):.1f} ms, min {min(create_ms):.1f} ms over {creates} creates")
