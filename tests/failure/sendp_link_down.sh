#!/bin/sh
# The interface goes down while sendp(count=) sends: an OSError that says
# how many frames left before it, and the session goes on.
. "$(dirname "$0")/lib.sh"
pair
cat >"$WORK/s.pk" <<'P'
try:
    sendp(Ether(dst="02:00:00:00:00:02")/IP(dst="198.18.0.2")/ICMP(), iface="v-c", count=100, inter=0.05, verbose=0)
except OSError as e:
    print("error:", e)
x = 5
print("alive", x)
P
watch $P v-p 5 "icmp[icmptype] == icmp-echo"
start_pktsh "$WORK/s.pk"
wait "$WATCH"
inns $C ip link set dev v-c down
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
sent=$(sed -n "s/^error: sendp: sending on 'v-c' stopped after \([0-9]*\) packets: send: Network is down\$/\1/p" "$WORK/out")
[ -n "$sent" ] || fail "no error line"
[ "$sent" -ge 5 ] && [ "$sent" -lt 100 ] || fail "sent $sent"
grep -qxF "alive 5" "$WORK/out" || fail "no 'alive 5'"
[ ! -s "$WORK/err" ] || fail "unexpected messages"
ok
