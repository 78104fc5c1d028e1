#!/bin/sh
# nstest.sh - run one send/receive scenario against the Linux kernel, in
# network namespaces made for it and removed afterwards.
#
#   nstest.sh PKTSH SCENARIO.pk [EXPECTED]
#   nstest.sh --oracle SCENARIO.pk     (run it with scapy instead, to
#                                       regenerate the expected output)
#
# The scenario is a script in scapy's syntax. Header comments set it up:
#   # topology: pair | chain     two namespaces, or three with a router
#   # server: tcp PORT           a listener on the peer
#   # expect: contains           each EXPECTED line must appear in some
#                                output line (default:
#                                the whole output must equal EXPECTED)
#   # drop: cap_net_raw          run pktsh without that capability
#   # interrupt: TEXT            press Ctrl-C (SIGINT) once TEXT is printed
#   # status: N                  pktsh's expected exit status (default 0)
#
# Addresses come only from 198.18.0.0/15 and 2001:db8::/32 and no
# namespace has a route out, so nothing can leave the test. Needs root:
# without it the test is skipped (exit 77, ctest's SKIP_RETURN_CODE).
set -u
# Inside the namespaces active ARP/ND resolution is wanted and cannot
# leave them (the suite sets PKTSH_OFFLINE for tests outside them).
unset PKTSH_OFFLINE

SKIP=77
oracle=0
if [ "${1:-}" = "--oracle" ]; then
	oracle=1
	shift
	PKTSH=""
else
	PKTSH=$1
	shift
fi
SCEN=$1
EXPECTED=${2:-}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: network namespace tests need root (run ctest as root)"
	exit $SKIP
fi
for tool in ip; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: '$tool' not found (apt-get install iproute2)"
		exit $SKIP
	fi
done

. "$(dirname "$0")/../lib/netns.sh"

hdr() { sed -n "s/^# $1: *//p" "$SCEN" | head -n 1; }
topology=$(hdr topology)
server=$(hdr server)
mode=$(hdr expect)
drop=$(hdr drop)
interrupt=$(hdr interrupt)
want_status=$(hdr status)
[ -n "$want_status" ] || want_status=0
[ -n "$topology" ] || topology=pair

tag=pkt-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
C=$tag-c
P=$tag-p
R=$tag-r
SRV_PID=""
OUT=$(mktemp)
ERR=$(mktemp)

cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	for ns in $C $P $R; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$OUT" "$ERR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ "$topology" = pair ]; then
	ns_pair $C $P
elif [ "$topology" = chain ]; then
	for ns in $C $P $R; do
		ns_new $ns
	done
	ip link add v-c netns $C type veth peer name v-rc netns $R ||
		die "ip link add veth"
	ip link add v-p netns $P type veth peer name v-rp netns $R ||
		die "ip link add veth"
	inns $C ip link set v-c address 02:00:00:00:01:01
	inns $R ip link set v-rc address 02:00:00:00:01:02
	inns $R ip link set v-rp address 02:00:00:00:02:01
	inns $P ip link set v-p address 02:00:00:00:02:02
	inns $C ip addr add 198.18.1.1/24 dev v-c
	inns $R ip addr add 198.18.1.2/24 dev v-rc
	inns $R ip addr add 198.18.2.1/24 dev v-rp
	inns $P ip addr add 198.18.2.2/24 dev v-p
	inns $C ip -6 addr add 2001:db8:1::1/64 dev v-c nodad
	inns $R ip -6 addr add 2001:db8:1::2/64 dev v-rc nodad
	inns $R ip -6 addr add 2001:db8:2::1/64 dev v-rp nodad
	inns $P ip -6 addr add 2001:db8:2::2/64 dev v-p nodad
	for x in "$C v-c" "$R v-rc" "$R v-rp" "$P v-p"; do
		set -- $x
		inns $1 ip link set $2 up
	done
	for x in "$C v-c" "$R v-rc" "$R v-rp" "$P v-p"; do
		ns_ready $x
	done
	inns $R sysctl -qw net.ipv4.ip_forward=1
	inns $R sysctl -qw net.ipv6.conf.all.forwarding=1
	# routes only between the test's own networks
	inns $C ip route add 198.18.2.0/24 via 198.18.1.2
	inns $P ip route add 198.18.1.0/24 via 198.18.2.1
	inns $C ip -6 route add 2001:db8:2::/64 via 2001:db8:1::2
	inns $P ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1
else
	die "unknown topology '$topology'"
fi

if [ -n "$server" ]; then
	set -- $server
	[ "$1" = tcp ] || die "unknown server '$server'"
	port=$2
	# started directly (not through inns) so $! is the server itself
	ip netns exec $P python3 -c "
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', $port))
s.listen(1024)
time.sleep(600)
" </dev/null >/dev/null 2>&1 &
	SRV_PID=$!
	# wait until it listens (bounded: a setup step, not a timing check)
	listening() { inns $P ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN; }
	retry 100 listening || die "listener on port $port did not start"
fi

run() {
	if [ $oracle = 1 ]; then
		{ echo "from scapy.all import *"; cat "$SCEN"; } >"$OUT.py"
		inns $C /usr/bin/python3 "$OUT.py"
		st=$?
		rm -f "$OUT.py"
		return $st
	fi
	if [ -n "$drop" ]; then
		if command -v capsh >/dev/null 2>&1; then
			inns $C capsh --drop="$drop" -- -c '"$0" "$1"' \
				"$PKTSH" "$SCEN"
			return $?
		elif command -v setpriv >/dev/null 2>&1; then
			inns $C setpriv --inh-caps=-${drop#cap_} \
				--bounding-set=-${drop#cap_} "$PKTSH" "$SCEN"
			return $?
		fi
		echo "SKIP: neither capsh (libcap2-bin) nor setpriv found to drop $drop"
		exit $SKIP
	fi
	if [ -n "$interrupt" ]; then
		# line-buffered, so TEXT shows as soon as it is printed; not
		# through a shell function, so $! is pktsh itself (ip and
		# stdbuf exec it)
		# (stdbuf preloads a library: tell an ASan build it is fine)
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			ip netns exec $C stdbuf -oL "$PKTSH" "$SCEN" &
		pid=$!
		n=0
		until grep -qF -- "$interrupt" "$OUT"; do
			n=$((n + 1))
			if [ $n -gt 400 ] || ! kill -0 $pid 2>/dev/null; then
				echo "never printed '$interrupt'" >&2
				kill $pid 2>/dev/null
				wait $pid
				return 1
			fi
			sleep 0.05
		done
		kill -INT $pid
		wait $pid
		return $?
	fi
	inns $C "$PKTSH" "$SCEN"
}

run >"$OUT" 2>"$ERR"
status=$?
if [ $oracle = 1 ]; then
	cat "$OUT"
	cat "$ERR" >&2
	exit $status
fi

if [ -z "$EXPECTED" ]; then
	cat "$OUT"
	cat "$ERR" >&2
	exit $status
fi

fail=0
if [ "$status" != "$want_status" ]; then
	echo "EXIT STATUS: $status, expected $want_status"
	fail=1
fi
if [ "$mode" = contains ]; then
	while IFS= read -r line; do
		if ! grep -qF -- "$line" "$OUT" "$ERR"; then
			echo "MISSING: $line"
			fail=1
		fi
	done <"$EXPECTED"
else
	if ! diff -u "$EXPECTED" "$OUT"; then
		fail=1
	fi
fi
if [ $fail = 1 ]; then
	echo "--- output ($SCEN, exit $status):"
	cat "$OUT"
	echo "--- errors:"
	cat "$ERR"
	exit 1
fi
echo "ok: $(basename "$SCEN")"
exit 0
