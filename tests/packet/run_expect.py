#!/usr/bin/env python3
"""Run a pktsh script with a scratch directory as its argument and compare
its output with the expected file (owner: dissect)."""
import subprocess
import sys
import tempfile


def main():
    binary, script, expected = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([binary, script, d], capture_output=True,
                           text=True, timeout=120)
    with open(expected) as f:
        want = f.read()
    if p.returncode != 0 or p.stdout != want:
        sys.stdout.write("exit %d\n--- stderr\n%s--- got\n%s--- want\n%s" %
                         (p.returncode, p.stderr, p.stdout, want))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
