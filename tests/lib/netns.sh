# netns.sh - namespace set-up shared by the namespace tests (sourced, not
# run): tests/net/nstest.sh and tests/failure/lib.sh.
#
# Addresses come only from 198.18.0.0/15 and 2001:db8::/32 and no
# namespace gets a route out, so nothing can leave a test.

die() { echo "setup failed: $*" >&2; exit 1; }
inns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# retry N CMD...: run CMD every 0.05 s until it succeeds, N times at most
# (a bounded set-up wait, not a timing check); 1 if it never did
retry() {
	n=$1
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -le 0 ] && return 1
		sleep 0.05
	done
	return 0
}

# ns_new NS: a namespace with lo up that sends nothing on its own: no
# router solicitations to count as noise, and no DAD probes (addresses
# are usable at once instead of tentative for one to two seconds).
ns_new() {
	ip netns add "$1" || die "ip netns add $1"
	inns "$1" ip link set lo up
	for k in accept_ra accept_dad; do
		for c in all default; do
			inns "$1" sysctl -qw net.ipv6.conf.$c.$k=0 2>/dev/null
		done
	done
}

# ns_ready NS DEV: wait until DEV has its carrier and IPv6 on it has
# configured itself. A veth end reports carrier only when the kernel's
# link watcher runs, up to a second after `ip link set up`; until then
# IPv6 drops neighbour solicitations for the addresses on it.
dev_ready() {
	[ "$(inns "$1" cat /sys/class/net/"$2"/operstate)" = up ] &&
		inns "$1" ip -6 addr show dev "$2" scope link | grep -q inet6 &&
		[ -z "$(inns "$1" ip -6 addr show dev "$2" tentative)" ]
}
ns_ready() {
	retry 100 dev_ready "$1" "$2" || die "$2 in $1 did not come up"
}

# ns_pair C P: two namespaces joined by a veth pair, ready to use:
#   C  v-c  02:00:00:00:00:01  198.18.0.1/24  2001:db8::1/64
#   P  v-p  02:00:00:00:00:02  198.18.0.2/24  2001:db8::2/64
ns_pair() {
	ns_new "$1"
	ns_new "$2"
	ip link add v-c netns "$1" type veth peer name v-p netns "$2" ||
		die "ip link add veth"
	inns "$1" ip link set v-c address 02:00:00:00:00:01
	inns "$2" ip link set v-p address 02:00:00:00:00:02
	inns "$1" ip addr add 198.18.0.1/24 dev v-c
	inns "$2" ip addr add 198.18.0.2/24 dev v-p
	inns "$1" ip -6 addr add 2001:db8::1/64 dev v-c nodad
	inns "$2" ip -6 addr add 2001:db8::2/64 dev v-p nodad
	inns "$1" ip link set v-c up
	inns "$2" ip link set v-p up
	ns_ready "$1" v-c
	ns_ready "$2" v-p
}
