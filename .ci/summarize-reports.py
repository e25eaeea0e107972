#!/usr/bin/env python3
"""Sums JUnit XML reports (Surefire, Failsafe, bnd-testing) into one line: N passed, N failed.

Counts <testcase> elements, so a report file holding several suites is counted once per case.
Exits non-zero when any case failed or errored.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

root = sys.argv[1] if len(sys.argv) > 1 else "."
patterns = ["**/target/surefire-reports/TEST-*.xml",
            "**/target/failsafe-reports/TEST-*.xml",
            "**/target/test-reports/**/TEST-*.xml"]
files = sorted({f for p in patterns for f in glob.glob(os.path.join(root, p), recursive=True)})
passed = failed = skipped = 0
for f in files:
    try:
        tree = ET.parse(f)
    except ET.ParseError as e:
        print(f"unreadable report {f}: {e}", file=sys.stderr)
        failed += 1
        continue
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED {case.get('classname')}.{case.get('name')}", file=sys.stderr)
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
