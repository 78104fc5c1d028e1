#!/bin/bash
# Regenerate tests/golden: capture real kernel traffic between two network
# namespaces of our own, then have scapy 2.5 (the oracle) write what each
# packet's summary(), show() and rebuild look like. Run by hand, as root;
# tests never run this. Only 198.18.0.0/15 and 2001:db8::/32, no routes out.
#
#   tools/gen_golden.sh            all scenarios
#   tools/gen_golden.sh dns arp    some of them
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
gold=$here/tests/golden
oracle=/usr/bin/python3 # Debian's, with scapy 2.5
py=python3              # plain sockets only
tag=pkg-$RANDOM$RANDOM
A=$tag-a B=$tag-b
A4=198.18.0.1 B4=198.18.0.2 A6=2001:db8::1 B6=2001:db8::2
tcpdump_pid=
listener_pid=

cleanup()
{
	if [ -n "$tcpdump_pid" ]; then kill "$tcpdump_pid" 2>/dev/null || true; fi
	if [ -n "$listener_pid" ]; then kill "$listener_pid" 2>/dev/null || true; fi
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Fresh namespaces per scenario so ARP and ND caches start empty. IPv6 is
# off unless asked for, so IPv4 captures hold no MLD or ND chatter.
setup()
{
	cleanup
	ip netns add "$A"
	ip netns add "$B"
	ip link add va netns "$A" type veth peer name vb netns "$B"
	# Fixed MACs make the expected output independent of the run.
	ip -n "$A" link set va address 02:00:00:00:00:0a
	ip -n "$B" link set vb address 02:00:00:00:00:0b
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip netns exec "$A" sysctl -qw net.ipv6.conf.va.disable_ipv6=1
	ip netns exec "$B" sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
	ip -n "$A" addr add $A4/24 dev va
	ip -n "$B" addr add $B4/24 dev vb
	ip -n "$A" link set va up
	ip -n "$B" link set vb up
}

# capture NAME FILTER: tcpdump in B until stop_capture.
capture()
{
	ip netns exec "$B" tcpdump -q -U -Z root -i vb -w "$gold/pcaps/$1.pcap" "$2" \
		2>/dev/null &
	tcpdump_pid=$!
	sleep 1.5
}

stop_capture()
{
	sleep 1.5
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid" || true
	tcpdump_pid=
}

inA() { ip netns exec "$A" "$py" -c "$1"; }
inB_bg()
{
	ip netns exec "$B" "$py" -c "$1" &
	listener_pid=$!
	sleep 0.5
}
stop_listener()
{
	kill "$listener_pid" 2>/dev/null || true
	wait "$listener_pid" 2>/dev/null || true
	listener_pid=
}

# ICMP echo with its checksum, through a raw socket (no ping installed).
ICMP_ECHO='
import socket, struct
def cks(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
'

scenario_arp_icmp()
{
	setup
	capture arp_icmp ""
	inA "$ICMP_ECHO
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
data = b\"pktsh-golden-ping\" + bytes(range(15))
h = struct.pack(\"!BBHHH\", 8, 0, 0, 0x1234, 1)
s.sendto(struct.pack(\"!BBHHH\", 8, 0, cks(h + data), 0x1234, 1) + data, (\"$B4\", 0))
s.recv(1500)"
	stop_capture
}

scenario_tcp_handshake()
{
	setup
	inB_bg "
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((\"$B4\", 8080)); l.listen(1)
c, _ = l.accept(); c.recv(100); c.sendall(b\"world\\n\")
c.recv(100); c.close()"
	capture tcp_handshake tcp
	inA "
import socket, time
s = socket.create_connection((\"$B4\", 8080), timeout=2)
s.sendall(b\"hello\\n\"); s.recv(100); s.close(); time.sleep(0.5)"
	stop_capture
	stop_listener
}

scenario_udp_unreach()
{
	setup
	capture udp_unreach "udp or icmp"
	inA "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b\"anyone home?\", (\"$B4\", 33434))"
	stop_capture
}

scenario_dns()
{
	setup
	# A small authoritative answer for golden.example A: one A record.
	inB_bg "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"$B4\", 53))
q, peer = s.recvfrom(512)
qid = q[:2]; question = q[12:]
ans = b\"\\xc0\\x0c\" + struct.pack(\"!HHIH\", 1, 1, 300, 4) + bytes([198, 18, 0, 53])
s.sendto(qid + struct.pack(\"!HHHHH\", 0x8580, 1, 1, 0, 0) + question + ans, peer)"
	capture dns "udp port 53"
	inA "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
name = b\"\".join(bytes([len(x)]) + x for x in b\"golden.example\".split(b\".\")) + b\"\\0\"
s.sendto(struct.pack(\"!HHHHHH\", 0xbeef, 0x0100, 1, 0, 0, 0) + name + struct.pack(\"!HH\", 1, 1), (\"$B4\", 53))
s.recv(512)"
	stop_capture
	stop_listener
}

scenario_tcp_rst()
{
	setup
	capture tcp_rst tcp
	inA "
import socket
try:
    socket.create_connection((\"$B4\", 8081), timeout=2)
except ConnectionRefusedError:
    pass"
	stop_capture
}

# 2000 bytes over a 1500 MTU: two fragments, then a port unreachable
# quoting the reassembled datagram's head.
scenario_ipv4_frag()
{
	setup
	capture ipv4_frag ip
	inA "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes(i & 0xff for i in range(2000)), (\"$B4\", 33435))"
	stop_capture
}

# Both ends with their addresses in place, no DAD, no link-local, no RS.
setup6()
{
	setup
	for x in "$A va $A6" "$B vb $B6"; do
		read -r ns dev addr <<<"$x"
		set -- "$ns" "$dev" "$addr"
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".addr_gen_mode=1
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".router_solicitations=0
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".disable_ipv6=0
		ip -n "$1" -6 addr add "$3/64" dev "$2" nodad
	done
}

scenario_tcp6_handshake()
{
	setup6
	inB_bg "
import socket
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((\"$B6\", 8080)); l.listen(1)
c, _ = l.accept(); c.recv(100); c.close()"
	capture tcp6_handshake tcp
	inA "
import socket, time
s = socket.create_connection((\"$B6\", 8080), timeout=2)
s.sendall(b\"hello6\"); time.sleep(0.3); s.close(); time.sleep(0.5)"
	stop_capture
	stop_listener
}

# ND, then a UDP datagram to a closed port and its ICMPv6 unreachable.
# ip6[6] != 0 leaves out the MLD reports (hop-by-hop header).
scenario_udp6_unreach()
{
	setup6
	capture udp6_unreach "ip6 and ip6[6] != 0"
	inA "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b\"anyone home6?\", (\"$B6\", 33434))"
	stop_capture
}

# 2000 bytes over a 1500 MTU: IPv6 fragment headers.
scenario_ipv6_frag()
{
	setup6
	capture ipv6_frag "ip6 and ip6[6] != 0 and ip6[6] != 58"
	inA "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(bytes(i & 0xff for i in range(2000)), (\"$B6\", 33436))"
	stop_capture
}

# IPv6 on: adding the addresses joins their solicited-node groups (MLDv2
# reports), the first echo resolves the peer (ND NS/NA).
scenario_ipv6_icmp6()
{
	setup
	for x in "$A va" "$B vb"; do
		read -r ns dev <<<"$x"
		set -- "$ns" "$dev"
		# No link-local address or router solicitation: less noise.
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".addr_gen_mode=1
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".router_solicitations=0
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".disable_ipv6=0
	done
	capture ipv6_icmp6 "ip6"
	ip -n "$A" -6 addr add $A6/64 dev va nodad
	ip -n "$B" -6 addr add $B6/64 dev vb nodad
	sleep 1
	inA "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(2)
# The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets.
s.sendto(bytes([128, 0, 0, 0, 0x43, 0x21, 0, 1]) + b\"pktsh-golden-ping6\", (\"$B6\", 0))
s.recv(1500)"
	stop_capture
}

all="arp_icmp tcp_handshake tcp_rst udp_unreach ipv4_frag dns ipv6_icmp6
	tcp6_handshake udp6_unreach ipv6_frag"
mkdir -p "$gold/pcaps" "$gold/expected"
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2086 # a list of words
	set -- $all
fi
for name in "$@"; do
	echo "== $name"
	"scenario_$name"
	tcpdump -nr "$gold/pcaps/$name.pcap" 2>/dev/null
	"$oracle" "$gold/run_golden.py" --script "$gold/pcaps/$name.pcap" |
		"$oracle" - >"$gold/expected/$name.out"
done
