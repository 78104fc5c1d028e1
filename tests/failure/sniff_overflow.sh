#!/bin/sh
# The capture buffer overflows: sniff()'s prn blocks (reading a FIFO with
# sniff(offline=)) while the peer floods 3000 frames, far more than the
# kernel ring holds (32 slots: libpcap's 2 MB in 64 KB slots on a veth).
# The frames the kernel dropped must be reported (pcap_stats ps_drop), and
# every frame is accounted for: captured + reported dropped = 3000. Then
# the capture goes on (a sentinel frame stops it) and so does the session.
. "$(dirname "$0")/lib.sh"
pair
mkfifo "$WORK/fifo"
cat >"$WORK/s.pk" <<P
def started():
    print("started")
def slow(p):
    if p[UDP].dport == 1:
        print("blocked")
        sniff(offline="$WORK/fifo")
        print("unblocked")
s = sniff(iface="v-c", filter="udp", prn=slow, started_callback=started, stop_filter=lambda p: p[UDP].dport == 3, timeout=50)
print("flood", len([p for p in s if p[UDP].dport == 2]))
print("last", s[-1][UDP].dport)
x = 5
print("alive", x)
P
start_pktsh "$WORK/s.pk"
wait_for "$WORK/out" "started"
F='Ether(dst="02:00:00:00:00:01")/IP(dst="198.18.0.1")/UDP(sport=7'
peer "sendp($F, dport=1), iface='v-p', verbose=0)"
wait_for "$WORK/out" "blocked"
peer "sendp($F, dport=2)/Raw(b'x'*60), iface='v-p', count=3000, verbose=0)"
# an empty pcap file (header only) ends the block
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\000\000\004\000\001\000\000\000' >"$WORK/fifo"
wait_for "$WORK/out" "unblocked"
peer "sendp($F, dport=3), iface='v-p', verbose=0)"
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
grep -qxF "last 3" "$WORK/out" || fail "the sentinel did not end the capture"
grep -qxF "alive 5" "$WORK/out" || fail "no 'alive 5'"
kept=$(sed -n 's/^flood //p' "$WORK/out")
# warnings come as drops happen (at most once a second): add them up
grep -v "^WARNING: sniff: [0-9]* packets dropped by the kernel on 'v-c' (the capture did not keep up)\$" \
	"$WORK/err" >"$WORK/other"
[ -s "$WORK/other" ] && { cat "$WORK/other"; fail "unexpected messages"; }
dropped=$(sed -n 's/^WARNING: sniff: \([0-9]*\) packets dropped.*/\1/p' "$WORK/err" |
	awk '{ n += $1 } END { print n + 0 }')
[ "$dropped" -gt 0 ] || fail "no drops reported"
[ $((kept + dropped)) = 3000 ] ||
	fail "captured $kept + dropped $dropped != 3000"
echo "captured $kept, dropped $dropped"
ok
