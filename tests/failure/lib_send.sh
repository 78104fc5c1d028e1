# lib_send.sh - sourced by the tests where the network fails while sr()
# or srp() is still sending: 100 echo requests to the peer, one every
# 50 ms; $ACTION breaks the network once the peer has seen 5 of them.
# Sending stops with a warning that says how many left; what was
# answered is returned, the rest is unanswered; the session goes on.
# $CALL is the sr()/srp() call, $WARN2 an optional second warning.
pair
cat >"$WORK/s.pk" <<P
ans, unans = $CALL
print("after", len(ans), len(unans))
x = 5
print("alive", x)
P
watch $P v-p 5 "icmp[icmptype] == icmp-echo"
start_pktsh "$WORK/s.pk"
wait "$WATCH"
eval "$ACTION"
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
sent=$(sed -n "s/^WARNING: [a-z]*: sending stopped after \([0-9]*\) packets: $ERRTEXT (returning the answers so far)\$/\1/p" "$WORK/err")
[ -n "$sent" ] || fail "no 'sending stopped' warning"
[ "$sent" -ge 5 ] && [ "$sent" -lt 100 ] || fail "sent $sent"
n=$(grep -c . "$WORK/err")
if [ -n "${WARN2:-}" ]; then
	grep -qxF -- "$WARN2" "$WORK/err" || [ "$n" = 1 ] ||
		fail "unexpected warnings"
else
	[ "$n" = 1 ] || fail "unexpected warnings"
fi
set -- $(sed -n 's/^after //p' "$WORK/out")
[ $# = 2 ] || fail "no result line"
# every probe is in one list; the answered were sent (the last one's
# answer may have been lost with the network)
[ $(($1 + $2)) = 100 ] || fail "ans $1 + unans $2 != 100"
[ "$1" -ge 5 ] && [ "$1" -le "$sent" ] || fail "ans $1, sent $sent"
grep -qxF "alive 5" "$WORK/out" || fail "no 'alive 5'"
ok
