#!/usr/bin/env python3
"""Regenerate the seed corpora of fuzz/corpus/ from the test data.

    fuzz/make_corpus.py PKTSH_BINARY

lang/      every program of tests/lang/*.test and every script of
           tests/conformance/public.jsonl (one file each)
dissect/   the packets of the conformance vectors, first byte = selector
roundtrip/ (see fuzz/fuzz.h: fuzz_pick_proto); layer indices come from
           the binary's ls(), so re-run this when the registry changes
pcap/      small capture files written here byte by byte

Seeds are named by content hash, so re-running adds nothing twice. Files
a fuzzer found (crash-*, regressions) are kept: this script only adds.
"""
import hashlib
import json
import os
import re
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
DLT_SEL = {"Ether": 0, "IP": 1, "IPv6": 1, "Loopback": 2, "CookedLinux": 4,
           "CookedLinuxV2": 5}


def known_contents():
    """Contents of fuzz/known/: open findings must not come back as seeds
    (the replay tests would fail until they are fixed)."""
    out = set()
    for root, _, files in os.walk(os.path.join(ROOT, "fuzz", "known")):
        for fn in files:
            out.add(open(os.path.join(root, fn), "rb").read())
    return out


KNOWN = known_contents()


def put(harness, data, prefix="seed"):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    if data in KNOWN:
        return
    name = "%s-%s" % (prefix, hashlib.sha1(data).hexdigest()[:16])
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lang_programs():
    for fn in sorted(os.listdir(os.path.join(ROOT, "tests", "lang"))):
        if not fn.endswith(".test"):
            continue
        text = open(os.path.join(ROOT, "tests", "lang", fn)).read()
        for block in re.split(r"^%%(?:FAIL|PROG|TEST)?[^\n]*\n", text, flags=re.M)[1:]:
            prog = block.split("\n---\n")[0]
            if prog.strip():
                yield prog
    for line in open(os.path.join(ROOT, "tests", "conformance", "public.jsonl")):
        yield json.loads(line)["script"]


def packets(names):
    index = {n: i for i, n in enumerate(names)}
    for path in ("tests/conformance/public.jsonl", "tests/layers6/vectors.jsonl",
                 "tests/packet/vectors/truncated.jsonl"):
        for line in open(os.path.join(ROOT, path)):
            d = json.loads(line)
            for cls, hx in re.findall(r"(\w+)\(hex_bytes\('([0-9a-f]*)'\)", d["script"]):
                if cls in DLT_SEL:
                    yield DLT_SEL[cls], bytes.fromhex(hx)
                if cls in index:
                    yield 0x80 + index[cls], bytes.fromhex(hx)
            if d["kind"] == "build" and re.fullmatch(r"[0-9a-f]+\n", d["expected"]):
                m = re.match(r"print\(raw\((\w+)\(", d["script"])
                if m and m.group(1) in DLT_SEL:
                    yield DLT_SEL[m.group(1)], bytes.fromhex(d["expected"].strip())


def pcap(records, linktype=1, magic=0xA1B2C3D4, endian="<", snaplen=65535):
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, r in enumerate(records):
        out += struct.pack(endian + "IIII", 1700000000 + i, i, len(r), len(r)) + r
    return out


def main():
    names = subprocess.run([sys.argv[1], "-c", "ls()"], capture_output=True,
                           text=True).stdout.split("\n")
    names = [n.split()[0] for n in names if n.strip()]
    for prog in lang_programs():
        put("lang", prog)
    frames = []
    for sel, data in packets(names):
        put("dissect", bytes([sel]) + data)
        put("roundtrip", bytes([sel]) + data)
        if sel == 0:
            frames.append(data)
    frames = frames[:8]
    put("pcap", pcap(frames))
    put("pcap", pcap(frames, endian=">"))
    put("pcap", pcap(frames, magic=0xA1B23C4D))  # nanosecond
    put("pcap", pcap(frames[:2], linktype=101))
    put("pcap", pcap([], linktype=113))
    put("pcap", pcap(frames[:3])[:-5])  # truncated record


if __name__ == "__main__":
    main()
