#!/usr/bin/env python3
"""Corrupt capture files through rdpcap(): each gives a clear message
naming the file (and the record, for a bad record), keeps the packets
before a bad record, and never kills the session.

    test_pcaps.py PKTSH_BIN
"""
import os
import struct
import subprocess
import sys
import tempfile

FRAME = bytes.fromhex("0220823cfde602f1c26b30f908004500001c0001000040011a8a"
                      "c6120ee5c612c76f0800f7ff00000000")


def hdr(magic=0xA1B2C3D4, snap=65535, lt=1):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snap, lt)


def rec(d, cap=None, ln=None):
    return struct.pack("<IIII", 1, 2, len(d) if cap is None else cap,
                       len(d) if ln is None else ln) + d


def ng():
    shb = struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28)
    idb = struct.pack("<IIHHII", 1, 20, 1, 0, 65535, 20)
    epb = (struct.pack("<IIIIIII", 6, 76, 0, 0, 0, 42, 42) + FRAME +
           b"\0\0" + struct.pack("<I", 76))
    bad = (struct.pack("<IIIIIII", 6, 0xFFFFFFF0, 0, 0, 0, 42, 42) + FRAME +
           b"\0\0" + struct.pack("<I", 76))
    return shb, idb, epb, bad


SHB, IDB, EPB, BADEPB = ng()

# name, file bytes, exit status, expected stdout, expected stderr ({f} is
# the path). stdout is len(rdpcap(f)).
CASES = [
    ("ok.pcap", hdr() + rec(FRAME) + rec(FRAME), 0, "2", ""),
    ("empty.pcap", b"", 1, "",
     "<string>:1:5: error: Scapy_Exception: rdpcap: '{f}': empty file, not a "
     "pcap or pcapng file"),
    ("badmagic.pcap", b"\xde\xad\xbe\xef" + hdr()[4:] + rec(FRAME), 1, "",
     "<string>:1:5: error: Scapy_Exception: rdpcap: '{f}': not a pcap or "
     "pcapng file (unknown file format)"),
    # caplen above the snaplen but within libpcap's maximum: read, as
    # libpcap and scapy do
    ("snaplen.pcap", hdr(snap=64) + rec(FRAME) + rec(FRAME * 3), 0, "2", ""),
    ("caplen-huge.pcap", hdr() + rec(FRAME) + rec(FRAME, cap=0xFFFFFFFF), 0,
     "1",
     "WARNING: rdpcap: '{f}': record 2: corrupt record (caplen 4294967295, "
     "larger than the snaplen 65535) (keeping the 1 packet before it)"),
    ("trunc-record.pcap", hdr() + rec(FRAME) + rec(FRAME)[:30], 0, "1",
     "WARNING: rdpcap: '{f}': record 2: truncated packet record (caplen 42, "
     "14 bytes left) (keeping the 1 packet before it)"),
    ("trunc-rechdr.pcap", hdr() + rec(FRAME) + rec(FRAME)[:7], 0, "1",
     "WARNING: rdpcap: '{f}': record 2: truncated record header (7 of 16 "
     "bytes) (keeping the 1 packet before it)"),
    ("ok.pcapng", SHB + IDB + EPB, 0, "1", ""),
    ("badblock.pcapng", SHB + IDB + EPB + BADEPB, 0, "1",
     "WARNING: rdpcap: '{f}': record 2: pcapng block size 4294967280 > "
     "maximum 16777216 (keeping the 1 packet before it)"),
    ("trunc-block.pcapng", SHB + IDB + EPB[:30], 0, "0",
     "WARNING: rdpcap: '{f}': record 1: truncated pcapng block (68 bytes "
     "needed, 22 left) (keeping the 0 packets before it)"),
    ("trunc-shb.pcapng", SHB[:20], 1, "",
     "<string>:1:5: error: Scapy_Exception: rdpcap: '{f}': truncated pcapng "
     "dump file; tried to read 16 bytes, only got 8"),
]

# Checked by content: a 10-byte file once said "6 of 24 bytes" (libpcap
# counts the header without its magic).
PARTIAL = [
    ("trunc-header.pcap", hdr()[:10], 1,
     ["rdpcap: '{f}': truncated file header (10 of 24 bytes)"]),
]


def run(binary, path):
    prog = "x = rdpcap(%r)\nprint(len(x))\ny = 1 + 1" % path
    return subprocess.run([binary, "-c", prog], capture_output=True,
                          text=True, timeout=60)


def main():
    binary = sys.argv[1]
    failed = total = 0
    with tempfile.TemporaryDirectory() as d:
        for name, data, rc, out, err in CASES:
            total += 1
            path = os.path.join(d, name)
            open(path, "wb").write(data)
            r = run(binary, path)
            got = (r.returncode, r.stdout.strip(), r.stderr.strip())
            exp = (rc, out, err.format(f=path))
            if got != exp:
                failed += 1
                print("FAIL %s\n  got:      %r\n  expected: %r" %
                      (name, got, exp))
        for name, data, rc, parts in PARTIAL:
            total += 1
            path = os.path.join(d, name)
            open(path, "wb").write(data)
            r = run(binary, path)
            bad = [p for p in parts if p.format(f=path) not in r.stderr]
            if r.returncode != rc or bad:
                failed += 1
                print("FAIL %s: status %d, stderr %r" %
                      (name, r.returncode, r.stderr))
    print("%d cases, %d passed, %d failed" % (total, total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
