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
sendp_stopped 100
ok
