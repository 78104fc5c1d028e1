#!/bin/sh
# The route to the peer is deleted while sr() is sending.
. "$(dirname "$0")/lib.sh"
CALL='sr(IP(dst="198.18.0.2")/ICMP(seq=(1,100)), inter=0.05, timeout=2, verbose=0)'
ACTION='inns $C ip route del 198.18.0.0/24 dev v-c'
ERRTEXT='Network is unreachable'
. "$(dirname "$0")/lib_send.sh"
