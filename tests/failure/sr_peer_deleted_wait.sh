#!/bin/sh
# sr() with no timeout is waiting when the peer's namespace is deleted,
# and with it both ends of the veth pair: the interface it receives on
# disappears. It ends at once with a warning and the partial result; then
# sr(), sniff() and sendp() on the gone interface fail cleanly and the
# session goes on.
. "$(dirname "$0")/lib.sh"
pair
cat >"$WORK/s.pk" <<'P'
ans, unans = sr(IP(dst="198.18.0.3")/ICMP(), verbose=0)
print("after", len(ans), len(unans))
try:
    sr(IP(dst="198.18.0.2")/ICMP(), timeout=1, verbose=0)
except OSError as e:
    print("sr:", e)
try:
    sniff(iface="v-c", timeout=1)
except OSError as e:
    print(e)
try:
    sendp(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")/IP(src="198.18.0.1", dst="198.18.0.2"), iface="v-c", verbose=0)
except OSError as e:
    print("sendp:", e)
x = 5
print("alive", x)
P
# the probe is out when the peer sees the ARP request for its address
watch $P v-p 1 "arp"
start_pktsh "$WORK/s.pk"
wait "$WATCH"
ip netns del $P
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
expect out "after 0 1" "sr: no such interface 'v-c'" \
	"sniff: no such interface 'v-c'" "sendp: no such interface 'v-c'" \
	"alive 5"
expect err "WARNING: sr: interface 'v-c' disappeared: no answer can come in there any more (returning the answers so far)"
ok
