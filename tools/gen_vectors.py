#!/usr/bin/python3
"""Generate tests/packet/vectors/*.jsonl with the scapy 2.5 oracle.

usage: /usr/bin/python3 tools/gen_vectors.py   (from the repository root)

Each case is {"id", "kind", "script", "expected"}: the script is pktsh /
scapy syntax, run by the oracle here and by pktsh in the packet_vectors
test (tests/conformance/run_conformance.py). The files are committed as
data: the tests never need scapy.
"""
import contextlib
import io
import json
import os
import sys

from scapy.all import *  # noqa: F401,F403  (the oracle, generator only)

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'packet',
                   'vectors')

E = "Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')"
IP4 = "IP(src='198.18.0.1', dst='198.18.0.2')"
IPR = "IP(src='198.18.0.2', dst='198.18.0.1')"


def run(script):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(script, globals())
    return buf.getvalue()


def cases_build():
    pk = [
        # every auto-computed field, one layer at a time
        E, E + "/" + IP4, E + "/Dot1Q(vlan=5)/" + IP4,
        E + "/Dot1AD(vlan=7)/Dot1Q(vlan=5)/" + IP4,
        E + "/ARP(psrc='198.18.0.1', pdst='198.18.0.2', hwsrc='02:00:00:00:00:01')",
        E + "/ARP(op='is-at', psrc='198.18.0.1', pdst='198.18.0.2', hwsrc='02:00:00:00:00:01', hwdst='02:00:00:00:00:02')",
        IP4, IP4 + "/TCP()", IP4 + "/UDP()", IP4 + "/ICMP()",
        IP4 + "/TCP(sport=1234, dport='http', flags='PA', seq=1, ack=2)/'hello'",
        IP4 + "/TCP(flags='SA', window=0, urgptr=7)",
        IP4 + "/TCP(flags=0x1ff)",
        IP4 + "/UDP(sport=5353, dport=5353)/Raw(load=b'\\x00\\x01')",
        IP4 + "/UDP(chksum=0)/'x'",
        IP4 + "/UDP(len=100)/'x'",
        "IP(src='198.18.0.1', dst='198.18.0.2', ihl=6, len=99, chksum=0x1234, ttl=1, tos=0xb8, id=0)",
        "IP(src='198.18.0.1', dst='198.18.0.2', flags='DF+MF', frag=100)",
        "IP(src='198.18.0.1', dst='198.18.0.2', proto=99)/'data'",
        IP4 + "/" + IPR + "/TCP()",
        "TCP()", "UDP()", "ICMP()", "TCP(dataofs=8)", "Raw(load=b'abc')",
        IP4 + "/TCP()/Padding(load=b'\\x00\\x00')",
        "CookedLinux(src=b'\\x02\\x00\\x00\\x00\\x00\\x01', lladdrlen=6)/" + IP4 + "/UDP()",
        "CookedLinuxV2(src=b'\\x02\\x00\\x00\\x00\\x00\\x01', lladdrlen=6, ifindex=3)/" + IP4 + "/ICMP()",
        "Loopback()/" + IP4 + "/TCP()",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_RR(routers=['198.18.0.9']), IPOption_NOP(), IPOption_Router_Alert()])",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_LSRR(routers=['198.18.0.9', '198.18.0.10']), IPOption_EOL()])/UDP()",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_SSRR(pointer=8, routers=['198.18.0.9']), IPOption_MTU_Probe(mtu=1500), IPOption_Stream_Id(security=7)])",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_Timestamp(), IPOption_Timestamp(flg=0)])",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_Security(), IPOption_Traceroute(id=3)])",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption_Address_Extension(), IPOption_SDBM(addresses=['198.18.0.5'])])",
        "IP(src='198.18.0.1', dst='198.18.0.2', options=[IPOption(copy_flag=1, option=30, value=b'ab')])",
    ]
    opts = [
        "[('MSS', 1460)]", "[('NOP', None), ('NOP', None), ('EOL', None)]",
        "[('WScale', 14)]", "[('SAckOK', b'')]", "[('SAck', (1, 2))]",
        "[('SAck', (1, 2, 3, 4))]", "[('Timestamp', (1, 2))]",
        "[(99, b'ab')]", "[('MSS', 536), ('SAckOK', b''), ('Timestamp', (4294967295, 0)), ('NOP', None), ('WScale', 7)]",
        "b'\\x01\\x01\\x01'",
    ]
    for o in opts:
        pk.append(IP4 + "/TCP(options=%s)" % o)
    for t, extra in [(0, "id=1, seq=2"), (8, "id=0x1234, seq=0xffff"), (3, "code=3"),
                     (3, "code=4, nexthopmtu=1400"), (4, ""), (5, "gw='198.18.0.9'"),
                     (11, "code=1"), (12, "ptr=20"),
                     (13, "ts_ori=1, ts_rx=2, ts_tx=3"), (14, "ts_ori=1, ts_rx=2, ts_tx=3"),
                     (15, ""), (16, ""), (17, "addr_mask='255.255.255.0'"),
                     (18, ""), (9, ""), (10, ""), (30, ""), (42, "")]:
        pk.append(IP4 + "/ICMP(type=%d%s)" % (t, ", " + extra if extra else ""))
    pk.append(IP4 + "/ICMP(type='echo-reply')")
    pk.append(IPR + "/ICMP(type='dest-unreach', code='port-unreachable')/" + IP4 + "/UDP(sport=1, dport=2)")
    pk.append(IPR + "/ICMP(type=11)/" + IP4 + "/TCP()")
    pk.append(IPR + "/ICMP(type=3, code=1)/" + IP4 + "/ICMP()")
    for p in pk:
        yield 'build', "print(raw(%s).hex())" % p
        yield 'show2', "(%s).show2()" % p
        yield 'repr', "print(repr(%s))" % p
        yield 'dissect', ("p = %s(raw(%s))\nprint(p.summary())\nprint(repr(p))"
                          % (p.split('(')[0], p))


def cases_truncated():
    frames = [
        E + "/" + IP4 + "/TCP(options=[('MSS', 1460), ('Timestamp', (1, 2))])/'payload'",
        E + "/Dot1Q(vlan=3)/" + IP4 + "/UDP()/'abc'",
        E + "/" + IPR + "/ICMP(type=3, code=3)/" + IP4 + "/UDP(sport=1, dport=2)",
        E + "/ARP(psrc='198.18.0.1', pdst='198.18.0.2', hwsrc='02:00:00:00:00:01')",
    ]
    for f in frames:
        b = raw(eval(f))
        for n in sorted(set([0, 1, 6, 13, 14, 15, 20, 23, 33, 34, 35, 38, 40,
                             41, 47, 50, 54, 55, 60, len(b) - 1])):
            if n > len(b):
                continue
            s = "print(repr(Ether(hex_bytes('%s'))))" % b[:n].hex()
            try:
                run(s)
            except Exception:
                continue  # scapy raises on some first-layer cuts
            yield 'dissect', s
        # trailing bytes past the IP total length are Padding
        yield 'dissect', "print(repr(Ether(hex_bytes('%s'))))" % (b + b'\x00' * 7).hex()
        # round trip
        yield 'build', "print(raw(Ether(hex_bytes('%s'))).hex())" % b.hex()


def cases_fields():
    yield 'fields', "p = %s/TCP(flags='SA')\nprint(p.flags, int(p.flags), 'S' in p.flags, 'F' in p.flags, p.flags == 18)" % IP4
    yield 'fields', "p = %s/TCP()\np.ttl = 5\np[TCP].dport = 'https'\nprint(p.ttl, p.dport, p[TCP].sport)\nprint(raw(p).hex())" % IP4
    yield 'fields', "p = %s/UDP()\nprint(p.proto, p.chksum, p.len)\np.chksum = 1\ndel p.chksum\nprint(p.chksum)" % IP4
    yield 'fields', "p = %s/TCP()/'x'\nprint(p.haslayer(TCP), p.haslayer(UDP), TCP in p, UDP in p)\nprint(p.lastlayer().load, len(p))" % (E + "/" + IP4)
    yield 'fields', "p = IP(proto='udp', flags='DF')\nprint(p.proto, p.flags, p.command())"
    yield 'fields', "p = %s/ICMP()\nprint(p.summary())\nprint(p[ICMP].type, p[ICMP].code)" % IP4
    yield 'sets', "for p in IP(src='198.18.0.1', dst='198.18.0.0/31')/TCP(dport=[80, 443], sport=(1, 2)): print(raw(p).hex())"
    yield 'sets', "for p in IP(src='198.18.0.1', dst='198.18.0.8', ttl=[1, 2])/UDP(dport=(7, 8)): print(raw(p).hex())"
    yield 'sets', "print(repr(IP(dst='198.18.0.0/30')/TCP(dport=[21, 22, 80])))"
    yield 'sets', "print(len(list(IP(dst='198.18.0.0/29')/TCP(dport=[1, 2]))))"
    # a set builds (and measures) as its first packet
    yield 'sets', "p = IP(src='198.18.0.1', dst='198.18.0.4/30')/TCP(dport=[443, 80], sport=(7, 9))\nprint(raw(p).hex(), len(p))"
    yield 'sets', "print([p.dst for p in IPv6(dst='2001:db8::/126')/TCP(dport=[1, 2])])"
    yield 'sets', "print(repr(IPv6(dst='2001:db8::/126')/UDP(dport=[1, 2])))"


def cases_answers():
    a = "IP(src='198.18.0.1', dst='198.18.0.2')"
    b = "IP(src='198.18.0.2', dst='198.18.0.1')"
    r9 = "IP(src='198.18.0.9', dst='198.18.0.1')"
    pairs = [
        (b + "/TCP(sport=80, dport=1234, flags='SA', seq=100, ack=1)", a + "/TCP(sport=1234, dport=80, flags='S', seq=0)"),
        (b + "/TCP(sport=80, dport=1234, flags='SA', seq=100, ack=5)", a + "/TCP(sport=1234, dport=80, flags='S', seq=0)"),
        (b + "/TCP(sport=80, dport=1234, flags='R', seq=0, ack=0)", a + "/TCP(sport=1234, dport=80, flags='S', seq=0)"),
        (b + "/TCP(sport=80, dport=1234, flags='A', seq=7, ack=11)", a + "/TCP(sport=1234, dport=80, flags='PA', seq=10, ack=7)/'x'"),
        (b + "/TCP(sport=81, dport=1234, flags='SA', seq=100, ack=1)", a + "/TCP(sport=1234, dport=80, flags='S', seq=0)"),
        (b + "/ICMP(type=0, id=1, seq=2)", a + "/ICMP(type=8, id=1, seq=2)"),
        (b + "/ICMP(type=0, id=1, seq=3)", a + "/ICMP(type=8, id=1, seq=2)"),
        (b + "/ICMP(type=14)", a + "/ICMP(type=13)"),
        (r9 + "/ICMP(type=11)/" + a + "/UDP(sport=1234, dport=33434)", a + "/UDP(sport=1234, dport=33434)"),
        (r9 + "/ICMP(type=3, code=3)/" + a + "/TCP(sport=1234, dport=80)", a + "/TCP(sport=1234, dport=80)"),
        (r9 + "/ICMP(type=3, code=3)/" + a + "/TCP(sport=1234, dport=81)", a + "/TCP(sport=1234, dport=80)"),
    ]
    for r, q in pairs:
        # the reply as it arrives: dissected (quoted headers as IPerror...)
        yield 'fields', ("r = IP(raw(%s))\nq = %s\nprint(r.answers(q), r.hashret() == q.hashret())"
                         % (r, q))


def cases_mac():
    # scapy keeps the MAC text as typed until the packet is dissected
    up = "Ether(src='AB:AC:DD:9F:3C:AB', dst='02:00:00:00:00:02', type=0x800)"
    yield 'fields', "p = %s\np.show()\nprint(repr(p))\nprint(p.command())\nprint(p.src, repr(p.src), p.summary())" % up
    yield 'fields', "p = %s/IP(src='198.18.0.1', dst='198.18.0.2')\nq = Ether(raw(p))\nprint(q.src, p.src, p.copy().src, raw(p)[6:12].hex())" % up
    yield 'fields', "p = ARP(hwsrc='AB:AC:DD:9F:3C:AB', hwdst='Ab:cD:0:1:a:F', psrc='198.18.0.1', pdst='198.18.0.2')\np.show()\nprint(repr(p), p.summary())\nprint(raw(p).hex())"
    for s in ['ab:ac:dd:9f:3c:ab', 'Ab:ac:DD:9f:3c:ab', 'a:b:c:d:e:f', 'A:0B:c:D:1:2', 'FF:FF:FF:FF:FF:FF']:
        yield 'fields', "p = Ether(dst=%r, src='02:00:00:00:00:01')\nprint(repr(p), repr(p.dst), raw(p)[:6].hex())" % s
    yield 'fields', "p = Ether(dst=['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:fe'], src='02:00:00:00:00:01')\nprint(repr(p))\nprint([q.dst for q in p])"


def cases_checkipaddr():
    # conf.checkIPaddr False: IP addresses take no part in matching
    a = "IP(src='198.18.0.1', dst='198.18.0.2')"
    probes = [a + "/ICMP(type=8, id=1, seq=2)", a + "/UDP(sport=1234, dport=53)",
              a + "/TCP(sport=1234, dport=80, flags='S')"]
    replies = ["/ICMP(type=0, id=1, seq=2)", "/UDP(sport=53, dport=1234)",
               "/TCP(sport=80, dport=1234, flags='SA', ack=1)"]
    addrs = [('198.18.0.2', '198.18.0.1'), ('198.18.0.9', '198.18.0.1'),
             ('198.18.0.2', '198.18.0.7')]
    for check in (True, False):
        for q, r in zip(probes, replies):
            lines = ["conf.checkIPaddr = %s" % check, "q = %s" % q]
            for s, d in addrs:
                lines.append("r = IP(raw(IP(src=%r, dst=%r)%s))" % (s, d, r))
                lines.append("print(bool(r.answers(q)), r.hashret() == q.hashret())")
            lines.append("conf.checkIPaddr = True")
            yield 'fields', "\n".join(lines)
    # an ICMP error from a router quoting the probe
    q = a + "/UDP(sport=1234, dport=33434)"
    r = "IP(raw(IP(src='198.18.0.9', dst='198.18.0.5')/ICMP(type=11)/%s))" % q
    for check in (True, False):
        yield 'fields', ("conf.checkIPaddr = %s\nq = %s\nr = %s\nprint(bool(r.answers(q)), r.hashret() == q.hashret())\nconf.checkIPaddr = True"
                         % (check, q, r))
    # mDNS: any responder answers a query to 224.0.0.251
    m = "IP(src='198.18.0.1', dst='224.0.0.251')/UDP(sport=5353, dport=5353)"
    yield 'fields', ("q = %s\nr = IP(raw(IP(src='198.18.0.5', dst='224.0.0.251')/UDP(sport=5353, dport=5353)))\nprint(bool(r.answers(q)), r.hashret() == q.hashret())" % m)


def cases_lazy():
    # a dissected packet is decoded when first read; what it shows, builds
    # and answers must not depend on what was asked first
    f = "Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')/IP(src='198.18.0.1', dst='198.18.0.2')/TCP(dport=80)/'hi'"
    yield 'fields', "b = raw(%s)\np = Ether(b)\nprint(TCP in p, p.haslayer(UDP), p.summary(), raw(p) == b)\nprint(p.payload.underlayer is p, p[Ether] is p, p.dport)" % f
    yield 'fields', "b = raw(%s)\nb = b[:24] + b'\\x00\\x00' + b[26:]\np = Ether(b)\nprint(raw(p).hex())\nprint(p[IP].chksum)\nprint(raw(p).hex())\np.ttl = 9\nprint(raw(p).hex())" % f
    yield 'fields', "b = raw(%s)\nl = [Ether(b), Ether(b[:30]), IP(b[14:])]\nprint([len(x) for x in l], [TCP in x for x in l])\nfor x in l: print(x.summary())\nl[1].show()" % f
    yield 'fields', "b = raw(%s)\np = Ether(b)\nq = p.copy()\nq[TCP].dport = 81\nprint(p.dport, q.dport, p == Ether(b), repr(p[Raw]))" % f


def main():
    groups = {'build': cases_build, 'truncated': cases_truncated,
              'fields': cases_fields, 'answers': cases_answers,
              'mac': cases_mac, 'checkipaddr': cases_checkipaddr,
              'lazy': cases_lazy}
    # `gen_vectors.py mac` regenerates only the named groups
    only = sys.argv[1:]
    groups = {k: list(v()) for k, v in groups.items()
              if not only or k in only}
    os.makedirs(OUT, exist_ok=True)
    for name, cases in groups.items():
        with open(os.path.join(OUT, name + '.jsonl'), 'w') as f:
            for i, (kind, script) in enumerate(cases):
                try:
                    exp = run(script)
                except Exception as e:  # keep only what scapy accepts
                    print('skip', name, i, script[:60], type(e).__name__, e)
                    continue
                f.write(json.dumps({'id': '%s-%d' % (name, i), 'kind': kind,
                                    'script': script, 'expected': exp}) + '\n')


if __name__ == '__main__':
    main()
