#!/usr/bin/env python3
"""Run one example script: exit status 0, nothing on stderr, and the
expected text somewhere in its output.

usage: run_example.py PKTSH_BIN SCRIPT EXPECTED_TEXT
"""
import subprocess
import sys

binary, script, want = sys.argv[1:4]
p = subprocess.run([binary, script], capture_output=True, timeout=60,
                   stdin=subprocess.DEVNULL)
out, err = p.stdout.decode(), p.stderr.decode()
problems = []
if p.returncode != 0:
    problems.append("exit status %d" % p.returncode)
if err:
    problems.append("stderr: %r" % err)
if want not in out:
    problems.append("%r not in the output" % want)
if problems:
    print("FAIL %s: %s\n--- output:\n%s" % (script, "; ".join(problems), out))
    sys.exit(1)
print("ok %s" % script)
