#!/bin/sh
# The interface goes down while sendp(count=) sends in batches (several
# frames per system call): an OSError that says how many frames the
# kernel took before it. The peer's count of them is checked against it.
. "$(dirname "$0")/lib.sh"
command -v nstat >/dev/null 2>&1 || { echo "SKIP: no nstat"; exit $SKIP; }
pair
cat >"$WORK/s.pk" <<'P'
try:
    sendp(Ether(dst="02:00:00:00:00:02")/IP(dst="198.18.0.2")/UDP(sport=7, dport=9), iface="v-c", count=50000000, verbose=0)
except OSError as e:
    print("error:", e)
x = 5
print("alive", x)
P
# the peer's count of UDP datagrams to a closed port: sendp's frames
rx() { inns $P nstat -az UdpNoPorts | awk '$1 == "UdpNoPorts" { print $2 }'; }
before=$(rx)
watch $P v-p 5 "udp port 9"
start_pktsh "$WORK/s.pk"
wait "$WATCH"
inns $C ip link set dev v-c down
sendp_stopped 50000000
got=$(($(rx) - before))
# every frame the peer got was counted; a few the kernel took may be lost
# in flight as the link goes down
[ "$got" -le "$SENT" ] && [ $((SENT - got)) -lt 1000 ] ||
	fail "sendp says $SENT, the peer received $got"
echo "sent $SENT"
ok
