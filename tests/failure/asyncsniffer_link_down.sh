#!/bin/sh
# The interface goes down under an AsyncSniffer with no timeout: join()
# returns (it would otherwise wait forever), the 6 packets captured
# before (3 echo requests and their replies) are kept, a warning says
# why, and the session goes on.
. "$(dirname "$0")/lib.sh"
pair
cat >"$WORK/s.pk" <<'P'
t = AsyncSniffer(iface="v-c", filter="icmp")
t.start()
print("started")
t.join()
print("joined", len(t.results), t.running)
x = 5
print("alive", x)
P
start_pktsh "$WORK/s.pk"
wait_for "$WORK/out" "started"
peer 'send(IP(dst="198.18.0.1")/ICMP(seq=(1,3)), verbose=0)'
inns $C ip link set dev v-c down
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
expect out "started" "joined 6 False" "alive 5"
expect err "WARNING: AsyncSniffer: interface 'v-c' went down: capture stopped"
ok
