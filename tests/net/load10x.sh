#!/bin/sh
# load10x.sh - the 10x load check: 65535 TCP SYN probes to each of 10
# hosts (655350 in one sr()), every answer matched, nothing dropped.
#
#   sudo sh tests/net/load10x.sh BUILD/pktsh [HOSTS] [TIMEOUT]
#
# Not run by ctest: it is a benchmark-style check (tens of seconds, both
# cores). It prints probes, answers, unanswered, the kernel's pcap drops
# and the wall time of the pktsh run, and exits 1 if an answer is missing.
#
# Topology, all in namespaces made here and removed on exit: a client
# namespace and HOSTS (default 10) host namespaces, each on a veth
# port of one bridge that lives in a switch namespace. Addresses are
# 198.18.0.1 (client) and 198.18.0.11.. (hosts), /24, no route out.
# No host listens: every SYN is answered by a RST.
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 PKTSH [HOSTS] [TIMEOUT]" >&2
	exit 2
fi
PKTSH=$(realpath "$1")
HOSTS=${2:-10}
TIMEOUT=${3:-5}
if [ "$(id -u)" != 0 ]; then
	echo "load10x.sh needs root (network namespaces)" >&2
	exit 77
fi
if [ "$HOSTS" -lt 1 ] || [ "$HOSTS" -gt 200 ]; then
	echo "HOSTS must be 1..200" >&2
	exit 2
fi

tag=pkl-$$
C=$tag-c
S=$tag-s
SCRIPT=$(mktemp)
OUT=$(mktemp)
ERR=$(mktemp)

cleanup() {
	ip netns del $C 2>/dev/null
	ip netns del $S 2>/dev/null
	i=1
	while [ $i -le "$HOSTS" ]; do
		ip netns del $tag-h$i 2>/dev/null
		i=$((i + 1))
	done
	rm -f "$SCRIPT" "$OUT" "$ERR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

die() { echo "setup failed: $*" >&2; exit 1; }
inns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

quiet_ns() {
	ip netns add "$1" || die "ip netns add $1"
	inns "$1" ip link set lo up
	inns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	inns "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

quiet_ns $S
quiet_ns $C
inns $S ip link add br0 type bridge || die "bridge"
inns $S ip link set br0 up
# port: NS, its interface name, its address, the bridge port's name
port() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns $S ||
		die "veth $2"
	inns $S ip link set "$4" master br0
	inns $S ip link set "$4" up
	inns "$1" ip addr add "$3/24" dev "$2"
	inns "$1" ip link set "$2" up
}
port $C v-c 198.18.0.1 p-c
addrs=""
i=1
while [ $i -le "$HOSTS" ]; do
	quiet_ns $tag-h$i
	port $tag-h$i v-h 198.18.0.$((10 + i)) p-h$i
	addrs="$addrs${addrs:+, }\"198.18.0.$((10 + i))\""
	i=$((i + 1))
done

cat >"$SCRIPT" <<EOF
ans, unans = sr(IP(dst=[$addrs])/TCP(dport=(1,65535)), timeout=$TIMEOUT, verbose=0)
print("probes", len(ans) + len(unans))
print("answers", len(ans))
print("unanswered", len(unans))
print("rst", len([1 for s, r in ans if r[TCP].flags == 0x14]))
EOF

t0=$(date +%s.%N)
inns $C "$PKTSH" "$SCRIPT" >"$OUT" 2>"$ERR"
status=$?
t1=$(date +%s.%N)
cat "$OUT"
# the whole run: building the probes, sending, matching, the wait
echo "seconds $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')"
drops=$(sed -n "s/.*the kernel dropped \([0-9]*\) packets.*/\1/p" "$ERR" |
	awk '{ n += $1 } END { print n + 0 }')
echo "ps_drop $drops"
grep -v "the kernel dropped" "$ERR" >&2
[ $status = 0 ] || exit 1
probes=$(sed -n 's/^probes //p' "$OUT")
answers=$(sed -n 's/^answers //p' "$OUT")
[ "$probes" = $((HOSTS * 65535)) ] && [ "$answers" = "$probes" ] || exit 1
exit 0
