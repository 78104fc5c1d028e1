# lib.sh - shared set-up for the failure tests (sourced, not run).
#
# Each test makes two network namespaces joined by a veth pair, names
# them after itself and its pid, and removes them on exit:
#   $C  client, v-c, 02:00:00:00:00:01, 198.18.0.1/24, 2001:db8::1/64
#   $P  peer,   v-p, 02:00:00:00:00:02, 198.18.0.2/24, 2001:db8::2/64
# Addresses are from 198.18.0.0/15 and 2001:db8::/32 only, and neither
# namespace has a route out, so nothing can leave the test. Without root
# the test is skipped (exit 77, ctest's SKIP_RETURN_CODE).
#
# Events happen "in the middle" of a pktsh statement by ordering, not by
# timing: the shell waits for something pktsh did (a line it printed, a
# probe the peer saw) before it breaks the network, and the statement's
# own timeout is long enough that the event always comes first.
set -u
unset PKTSH_OFFLINE
. "$(dirname "$0")/../lib/netns.sh"
SKIP=77
PKTSH=$1
NAME=$(basename "$0" .sh)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: network namespace tests need root (run ctest as root)"
	exit $SKIP
fi
for tool in ip timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: '$tool' not found"
		exit $SKIP
	fi
done

tag=pf-$NAME-$$
C=$tag-c
P=$tag-p
WORK=$(mktemp -d)
BG=""

cleanup() {
	for pid in $BG; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns del $C 2>/dev/null
	ip netns del $P 2>/dev/null
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

fail() { echo "FAIL: $*"; show; exit 1; }

# the pktsh run's output, for a failing test
show() {
	echo "--- stdout:"; cat "$WORK/out" 2>/dev/null
	echo "--- stderr:"; cat "$WORK/err" 2>/dev/null
}

pair() {
	ns_pair $C $P
}

# start SCRIPT (a file) with pktsh in $C, in the background, line-buffered
# output in $WORK/out and $WORK/err; $PK is its pid. A hard limit
# (timeout -s KILL) turns a hang into a failure, never a stuck ctest.
start_pktsh() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		ip netns exec $C timeout -s KILL "${LIMIT:-60}" \
		stdbuf -oL -eL "$PKTSH" "$1" >"$WORK/out" 2>"$WORK/err" &
	PK=$!
	BG="$BG $PK"
}

# wait until FILE has a line containing TEXT (bounded: a set-up step)
wait_for() {
	retry 600 grep -qsF -- "$2" "$1" || fail "never saw '$2' in $1"
}

# wait for pktsh to end; its exit status in $STATUS
finish() {
	wait "$PK"
	STATUS=$?
	BG=""
	[ "$STATUS" = 137 ] && fail "pktsh hung (killed after ${LIMIT:-60} s)"
}

# the output must contain this exact line
has_line() {
	grep -qxF -- "$2" "$WORK/$1" || fail "no line '$2' in $1"
}

# run pktsh code in $P (the peer), in the foreground
peer() {
	printf '%s\n' "$1" >"$WORK/peer.pk"
	ip netns exec $P "$PKTSH" "$WORK/peer.pk" >"$WORK/peer.out" 2>&1 ||
		{ cat "$WORK/peer.out"; fail "peer: $1"; }
}

# watch NS IFACE N FILTER: start tcpdump, return when it listens; it
# exits after N matching frames ($WATCH is its pid)
watch() {
	command -v tcpdump >/dev/null 2>&1 ||
		{ echo "SKIP: tcpdump not found"; exit $SKIP; }
	ip netns exec "$1" tcpdump -n -l -i "$2" -c "$3" "$4" \
		>"$WORK/watch.out" 2>"$WORK/watch.err" &
	WATCH=$!
	BG="$BG $WATCH"
	wait_for "$WORK/watch.err" "listening on"
}

# exactly these lines, in this order, in $WORK/FILE
expect() {
	f=$1
	shift
	printf '%s\n' "$@" >"$WORK/want"
	diff -u "$WORK/want" "$WORK/$f" >"$WORK/diff" ||
		{ cat "$WORK/diff"; fail "$f differs"; }
}

# after a sendp() that the link going down stopped: pktsh ended well,
# printed the error with how many frames left (in $SENT: at least the 5
# the peer saw, fewer than $1), the session went on, stderr is empty
sendp_stopped() {
	finish
	[ "$STATUS" = 0 ] || fail "exit status $STATUS"
	SENT=$(sed -n "s/^error: sendp: sending on 'v-c' stopped after \([0-9]*\) packets: send: Network is down\$/\1/p" "$WORK/out")
	[ -n "$SENT" ] || fail "no error line"
	[ "$SENT" -ge 5 ] && [ "$SENT" -lt "$1" ] || fail "sent $SENT"
	grep -qxF "alive 5" "$WORK/out" || fail "no 'alive 5'"
	[ ! -s "$WORK/err" ] || fail "unexpected messages"
}

ok() {
	echo "ok: $NAME"
	exit 0
}
