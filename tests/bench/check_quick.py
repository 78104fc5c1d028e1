#!/usr/bin/env python3
"""Run `sh bench/run.sh BUILD --quick` and check that every workload
printed its row with a pktsh figure (not "n/a"), except the network ones
when not root. No figure is compared with anything: this is not timed.

    check_quick.py RUN_SH BUILD_DIR
"""
import os
import subprocess
import sys

ROWS = ["startup", "build (", "bulk build `for p in s", "bulk build `wrpcap",
        "dissect", "streaming", "memory", "sr ", "sendp "]
NET = ("sr ", "sendp ")


def main():
    run_sh, build = sys.argv[1], sys.argv[2]
    p = subprocess.run(["sh", run_sh, build, "--quick"],
                       capture_output=True, text=True, timeout=280)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    bad = []
    if p.returncode != 0:
        bad.append("run.sh exited %d" % p.returncode)
    rows = [l for l in p.stdout.splitlines() if l.startswith("| ")
            and not l.startswith("| workload")]
    root = os.geteuid() == 0
    for name in ROWS:
        mine = [r for r in rows if r[2:].startswith(name) or
                r[2:].split(" ")[0] == name.strip()]
        if not mine:
            bad.append("no row for '%s'" % name.strip())
            continue
        cell = mine[0].split(" | ")[1]
        if cell.startswith("n/a"):
            if name in NET and not root and "not root" in cell:
                continue
            bad.append("'%s' did not run: %s" % (name.strip(), cell))
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
