#!/bin/sh
# sr() with no timeout waits for an answer that cannot come: the
# interface goes down under it. It must end at once with a warning and
# the partial result, not wait forever; the session goes on.
. "$(dirname "$0")/lib.sh"
pair
cat >"$WORK/s.pk" <<'P'
ans, unans = sr(IP(dst="198.18.0.3")/ICMP())
print("after", len(ans), len(unans))
x = 5
print("alive", x)
P
start_pktsh "$WORK/s.pk"
wait_for "$WORK/out" "Finished sending"
inns $C ip link set dev v-c down
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
expect out "Begin emission:" "Finished sending 1 packets." "" \
	"Received 0 packets, got 0 answers, remaining 1 packets" \
	"after 0 1" "alive 5"
expect err "WARNING: sr: interface 'v-c' went down: no answer can come in there any more (returning the answers so far)"
ok
