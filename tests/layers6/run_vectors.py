#!/usr/bin/env python3
"""Run conformance cases ({"id","kind","script","expected"} per line)
through the pktsh binary: `BIN -c SCRIPT`, stdout compared line by line
with trailing blanks ignored. Prints pass counts per kind and exits 1 if
any case failed.

usage: run_vectors.py --bin PATH [--kind K] [--show-fail N] CASES.jsonl
"""
import argparse
import collections
import json
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument('--bin', required=True)
ap.add_argument('--kind')
ap.add_argument('--show-fail', type=int, default=5)
ap.add_argument('--xfail', help='file of "ID reason" lines: known '
                'differences, counted apart and not failures')
ap.add_argument('cases')
a = ap.parse_args()


def norm(s):
    return [l.rstrip() for l in s.rstrip().splitlines()]


xfail = set()
if a.xfail:
    with open(a.xfail) as f:
        xfail = {l.split()[0] for l in f if l.strip() and not l.startswith('#')}
nx = 0
tot = collections.Counter()
ok = collections.Counter()
fails = []
with open(a.cases) as f:
    for line in f:
        c = json.loads(line)
        if a.kind and c['kind'] != a.kind:
            continue
        tot[c['kind']] += 1
        try:
            r = subprocess.run([a.bin, '-c', c['script']],
                               capture_output=True, text=True, timeout=10)
            out, err = r.stdout, r.stderr
        except Exception as e:
            out, err = '', str(e)
        if norm(out) == norm(c['expected']):
            ok[c['kind']] += 1
        elif c['id'] in xfail:
            nx += 1
        else:
            fails.append((c, out, err))

for k in sorted(tot):
    print('%-9s %4d / %4d' % (k, ok[k], tot[k]))
for c, out, err in fails[:a.show_fail]:
    print('--- FAIL %s\n%s\n--- expected\n%s--- got\n%s%s'
          % (c['id'], c['script'], c['expected'], out, err[-500:]))
print('%d passed, %d known differences, %d failed'
      % (sum(ok.values()), nx, len(fails)))
sys.exit(1 if fails else 0)
