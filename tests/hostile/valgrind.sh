#!/bin/sh
# valgrind.sh PKTSH_BIN: language, build, dissect, show and capture-file
# programs under valgrind; any definite leak or invalid access fails.
# Reference cycles are in: the cycle collector must free them by exit.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

check() {
	n=$((n + 1))
	if ! valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 "$bin" -c "$1" >"$tmp/out" 2>"$tmp/err"; then
		st=$?
		# exit 1 is a Python-level error the program may expect
		if [ "$st" -eq 99 ] || grep -q '^==[0-9]*==' "$tmp/err"; then
			fails=$((fails + 1))
			echo "FAIL (status $st): $1"
			cat "$tmp/err"
		fi
	fi
}

# language
check 'x = [i * i for i in range(100)]
d = {str(k): k for k in x}
s = ",".join(sorted(d)) + "%05d" % 3 + f"{len(x):>8}"
def f(a, b=2, *args, **kw):
    return a + b + len(args) + len(kw)
print(f(1, 2, 3, k=4), len(s), repr((1, "a", None, [2.5])))'
check 'try:
    {}["k"]
except KeyError as e:
    print("caught", e)
def g(n):
    return g(n + 1)
try:
    g(0)
except RecursionError:
    print("deep")
x = "x" * 10**12'
check '1 +'
# cycles: lists, dicts, tuples, closures, iterators, exceptions, bound
# methods; dropped at once, in a loop (collected as it runs) and at exit
check 'l = [1]
l.append(l)
d = {}
d["x"] = d
t = ([],)
t[0].append(t)
print(l, d, t)
def f():
    def g():
        return g
    return g
h = f()
a = []
a.append(a.append)
a.append(iter(a))
a.append(map(len, [a]))
a.append(ValueError(a))
a.append({"v": a}.values())
del l, d, t, h, a
for i in range(30000):
    x = [i]
    x.append(x)
    y = {"y": x}
    x.append(y)
kept = [0]
kept.append(kept)'
# packet lists in cycles (C4): a list holding itself, one held by a
# dict it holds, an answered list holding itself
check 'l = PacketList()
l.append(l)
m = PacketList([IP(), IP()/TCP()])
d = {"m": m}
m.append(d)
print(len(l), len(m))'
# packets in cycles: a field holding a list that holds the packet, its
# payload or a packet over it; a dissected packet changed through a list
# its field hands out, and through a layer found inside a field; copying
# or printing such a packet is a RecursionError, not a crash
check 'p = IP()/TCP()
p.options = [p]
q = Raw(load=[])
r = IP()/UDP()/q
q.load.append(r)
s = IP(raw(IP(options=[IPOption_NOP()])/TCP()))
s.options.append(s)
d = IP(raw(IP()/UDP()/DNS(qd=DNSQR()/DNSQR(qname="a.example"))))
d[DNS].ar = [d]
e = IP(options=[])/TCP()
e.options.append(e)
for f in (lambda: e.copy(), lambda: e.command(), lambda: raw(e), lambda: e/Raw()):
    try:
        f()
    except RecursionError as x:
        print("deep")
print(repr(p)[:20], len(q.load), DNSQR in d)
for i in range(30000):
    t = IP()/UDP()
    t.options = [t, i]
print("done")'
check '(' 
check 'undefined_name'
# packets: build, show, sets
check 'p = Ether()/IP(dst="198.18.0.1", options=[IPOption_RR()])/TCP(dport=80, flags="S", options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 2))])/Raw(load=b"x" * 100)
print(len(raw(p)))
p.show2()
print(p.summary())'
check 'p = IPv6(dst="2001:db8::1")/IPv6ExtHdrHopByHop(options=[PadN(optdata=b"ab")])/ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")
p.show2()
q = IP(dst="198.18.0.1")/UDP()/DNS(qd=DNSQR(qname="example.com"), an=DNSRR(rrname="example.com", rdata="198.18.0.2"))
print(repr(IP(raw(q))))'
check 'print(len([x for x in IP(dst="198.18.0.0/29", ttl=(1, 4))/TCP(dport=[80, 443])]))'
# dissect: well-formed, truncated and lying
check 'print(repr(Ether(hex_bytes("0220823cfde602f1c26b30f908004500003700010000a3110506c61243a3c61242e75cc3003500235d6b5f7400000001000000000000096c6f63616c686f737400001c0001"))))'
check 'print(repr(IP(hex_bytes("4f0000180001000040110000c6120001c612000261626364"))))
print(repr(IP(hex_bytes("4500001c000100004006000001020304050607080050005000000001"))))
print(repr(DNS(hex_bytes("123401000001000000000000c00c00010001"))))
print(repr(IPv6(hex_bytes("600000000008004020010db800000000000000000000000120010db80000000000000000000000023bff0000000000"))))'
check 'for i in range(64):
    b = bytes(range(i, i + 40))
    for c in (Ether, IP, IPv6, TCP, UDP, ICMP, DNS, ARP, ICMPv6ND_RA):
        p = c(b)
        r = repr(p)
        s = raw(p)'
# capture files
check "wrpcap('$tmp/a.pcap', [Ether()/IP(dst='198.18.0.1')/UDP()] * 3)
x = rdpcap('$tmp/a.pcap')
print(len(x), x[0].summary())"
printf '\324\303\262\241\002\000\004\000' >"$tmp/bad.pcap"
check "rdpcap('$tmp/bad.pcap')"

echo "$n programs under valgrind, $fails failed"
[ "$fails" -eq 0 ]
