#!/usr/bin/env python3
"""Run scapy-2.5 conformance cases against the packet shell.

usage: run_conformance.py --bin PKTSH [--min PERCENT] [--kind K]
                          [--show-fail N] CASES.jsonl...

Each line of a case file is {"id", "kind", "script", "expected"}: a script
in scapy syntax and what scapy 2.5 printed for it (recorded once with the
oracle; scapy is never needed here). The script runs as `PKTSH -c SCRIPT`;
stdout must equal the expected text line by line (trailing blanks
ignored). Prints pass counts per kind; exits 1 if the overall pass rate is
under --min.
"""
import argparse
import collections
import json
import subprocess
import sys


def norm(s):
    return [line.rstrip() for line in s.rstrip().splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', required=True)
    ap.add_argument('--min', type=float, default=100.0)
    ap.add_argument('--kind')
    ap.add_argument('--show-fail', type=int, default=3)
    ap.add_argument('cases', nargs='+')
    a = ap.parse_args()

    tot = collections.Counter()
    ok = collections.Counter()
    fails = []
    for path in a.cases:
        for line in open(path):
            if not line.strip():
                continue
            c = json.loads(line)
            if a.kind and c['kind'] != a.kind:
                continue
            tot[c['kind']] += 1
            try:
                r = subprocess.run([a.bin, '-c', c['script']],
                                   capture_output=True, text=True,
                                   timeout=20)
                out, err = r.stdout, r.stderr
            except Exception as e:  # timeout, crash to start
                out, err = '', str(e)
            if norm(out) == norm(c['expected']):
                ok[c['kind']] += 1
            else:
                fails.append((c, out, err))

    for k in sorted(tot):
        print('%-10s %4d / %4d' % (k, ok[k], tot[k]))
    for c, out, err in fails[:a.show_fail]:
        print('--- FAIL %s\n%s\n--- expected\n%s--- got\n%s%s'
              % (c['id'], c['script'], c['expected'], out, err[-500:]))
    n, p = sum(tot.values()), sum(ok.values())
    rate = 100.0 * p / n if n else 100.0
    print('%d passed, %d failed (%.1f%%, threshold %.1f%%)'
          % (p, n - p, rate, a.min))
    return 0 if rate >= a.min else 1


if __name__ == '__main__':
    sys.exit(main())
