#!/usr/bin/env python3
"""Run hostile-input case files through the real binary.

    run_hostile.py PKTSH_BIN FILE.cases...

A case file holds blocks (text before the first block is a comment):

    %%FAIL                      %%OUT
    program (one or more lines) program
    ---                         ---
    exact stderr                exact stdout

%%FAIL: `pktsh -c program` must exit 1, print nothing on stdout and
exactly the given stderr. %%OUT: it must exit 0, print exactly the given
stdout and nothing on stderr. Every run has a generous timeout (a hang
fails the case, but no timing is asserted) and must not die of a signal.
"""
import subprocess
import sys

TIMEOUT = 60


def parse(path):
    cases, cur = [], None
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line in ("%%FAIL", "%%OUT"):
            cur = {"kind": line[2:], "prog": [], "exp": [], "sep": False}
            cases.append(cur)
        elif cur is None:
            continue
        elif line == "---" and not cur["sep"]:
            cur["sep"] = True
        else:
            (cur["exp"] if cur["sep"] else cur["prog"]).append(line)
    for c in cases:
        while c["exp"] and c["exp"][-1] == "":
            c["exp"].pop()
        c["prog"] = "\n".join(c["prog"])
        c["exp"] = "\n".join(c["exp"])
    return cases


def run(binary, c):
    try:
        r = subprocess.run([binary, "-c", c["prog"]], capture_output=True,
                           text=True, timeout=TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return "hung (no result after %d s)" % TIMEOUT
    if r.returncode < 0:
        return "killed by signal %d" % -r.returncode
    out, err = r.stdout.rstrip("\n"), r.stderr.rstrip("\n")
    if c["kind"] == "FAIL":
        if r.returncode != 1:
            return "exit status %d, expected 1" % r.returncode
        if out:
            return "unexpected stdout: %r" % out
        if err != c["exp"]:
            return "stderr:\n  got:      %r\n  expected: %r" % (err, c["exp"])
    else:
        if r.returncode != 0:
            return "exit status %d, stderr %r" % (r.returncode, err)
        if err:
            return "unexpected stderr: %r" % err
        if out != c["exp"]:
            return "stdout:\n  got:      %r\n  expected: %r" % (out, c["exp"])
    return None


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    total = failed = 0
    for path in files:
        for c in parse(path):
            total += 1
            why = run(binary, c)
            if why:
                failed += 1
                print("FAIL %s: %r\n  %s" % (path, c["prog"], why))
    print("%d cases, %d passed, %d failed" % (total, total - failed, failed))
    return 1 if failed or not total else 0


if __name__ == "__main__":
    sys.exit(main())
