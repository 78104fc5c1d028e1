#!/usr/bin/env python3
"""Dissector golden files: real kernel traffic (pcaps/) through pktsh.

For each pcaps/<name>.pcap, one script prints, per packet, a marker line,
p.summary(), p.show() and whether raw(p) rebuilds the captured bytes. The
same script, run by scapy 2.5 (tools/gen_golden.sh, by hand), made
expected/<name>.out; here pktsh runs it and each packet's output must match
exactly. Packets listed in xfail.txt are known differences: counted apart,
never as passes.

  run_golden.py --bin PKTSH [--dir tests/golden]   run the comparison
  run_golden.py --script PCAP                      print the script only
"""
import argparse
import difflib
import os
import struct
import subprocess
import sys

MARK = "#### packet "


def pcap_records(path):
    """The bytes of each record of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    off, recs = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        recs.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return recs


def script_for(pcap):
    # The original bytes go in as literals: pktsh keeps no copy of what it
    # dissected (no p.original), and scapy's raw_packet_cache is no oracle
    # for a rebuild either.
    lines = ["from scapy.all import *", "orig = ["]
    lines += ['    bytes.fromhex("%s"),' % r.hex() for r in pcap_records(pcap)]
    lines += [
        "]",
        "pkts = rdpcap(%r)" % os.path.abspath(pcap),
        "for i in range(len(pkts)):",
        "    p = pkts[i]",
        '    print("%s%%d" %% i)' % MARK,
        "    print(p.summary())",
        "    p.show()",
        '    print("rebuild", raw(p) == orig[i])',
        "",
    ]
    return "\n".join(lines)


def split_packets(text):
    """{index: output lines} from the markers; -1 holds anything before."""
    out, cur = {}, -1
    for line in text.splitlines(keepends=True):
        if line.startswith(MARK) and line[len(MARK):].strip().isdigit():
            cur = int(line[len(MARK):])
            out[cur] = [line]
            continue
        out.setdefault(cur, []).append(line)
    return out


def load_xfail(path):
    """{(name, index): reason} from lines 'name index reason'."""
    xf = {}
    if not os.path.exists(path):
        return xf
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            xf[(parts[0], int(parts[1]))] = parts[2] if len(parts) > 2 else ""
    return xf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--script")
    a = ap.parse_args()
    if a.script:
        sys.stdout.write(script_for(a.script))
        return 0
    if not a.bin:
        ap.error("--bin is needed")

    pdir = os.path.join(a.dir, "pcaps")
    edir = os.path.join(a.dir, "expected")
    xfail = load_xfail(os.path.join(a.dir, "xfail.txt"))
    names = sorted(n[:-5] for n in os.listdir(pdir) if n.endswith(".pcap"))
    if not names:
        print("no pcaps in %s" % pdir)
        return 1
    passed = failed = xfailed = xpassed = 0
    for name in names:
        with open(os.path.join(edir, name + ".out")) as f:
            want = f.read()
        r = subprocess.run([a.bin, "-c", script_for(os.path.join(pdir, name + ".pcap"))],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, errors="replace")
        got = r.stdout
        if r.returncode != 0 or r.stderr:
            got += "[exit %d] %s" % (r.returncode, r.stderr)
        w, g = split_packets(want), split_packets(got)
        for i in sorted(set(w) | set(g)):
            ok = w.get(i) == g.get(i)
            tag = "%s[%d]" % (name, i)
            if (name, i) in xfail:
                if ok:
                    xpassed += 1
                    print("XPASS %s: matches now, drop it from xfail.txt" % tag)
                else:
                    xfailed += 1
                    print("XFAIL %s: %s" % (tag, xfail[(name, i)]))
                continue
            if ok:
                passed += 1
                continue
            failed += 1
            print("FAIL %s" % tag)
            sys.stdout.writelines(difflib.unified_diff(
                w.get(i, []), g.get(i, []), "scapy", "pktsh"))
    print("%d passed, %d failed, %d xfail, %d xpass"
          % (passed, failed, xfailed, xpassed))
    # An xpass fails too: the list of known differences must stay true.
    return 1 if failed or xpassed else 0


if __name__ == "__main__":
    sys.exit(main())
