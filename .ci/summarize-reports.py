#!/usr/bin/env python3
"""Sums JUnit XML reports (Surefire, Failsafe, bnd-testing) into one line: N passed, N failed.

Counts <testcase> elements, so a report file holding several suites is counted once per case.
Exits non-zero when any case failed or errored.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

def why(problem):
    """The failure's message and the test's own frame, on one short line (CI shows only the tail)."""
    message = " ".join((problem.get("message") or problem.get("type") or "").split())
    if len(message) > 300:
        message = message[:300] + "..."
    frame = next((l.strip() for l in (problem.text or "").splitlines()
                  if l.strip().startswith("at org.oxen.") and "Test" in l), "")
    return f"{message} [{frame}]" if frame else message


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
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if problem is not None:
            failed += 1
            print(f"FAILED {case.get('classname')}.{case.get('name')}: {why(problem)}", file=sys.stderr)
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
