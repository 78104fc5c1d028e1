# lib_sniff.sh - sourced by the tests where the interface a sniff() with
# no timeout captures on fails ($ACTION): the peer sends 3 echo requests
# first, answered, so 6 packets are captured. sniff() must end with a
# warning ($WARN) and return those 6; the session goes on.
pair
cat >"$WORK/s.pk" <<'P'
def started():
    print("started")
s = sniff(iface="v-c", filter="icmp", started_callback=started)
print("after", len(s), len(s[ICMP]))
x = 5
print("alive", x)
P
start_pktsh "$WORK/s.pk"
wait_for "$WORK/out" "started"
peer 'send(IP(dst="198.18.0.1")/ICMP(seq=(1,3)), verbose=0)'
eval "$ACTION"
finish
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
expect out "started" "after 6 6" "alive 5"
expect err "$WARN"
ok
