#!/bin/sh
# The interface goes down while sr() is sending (its route goes with it).
. "$(dirname "$0")/lib.sh"
CALL='sr(IP(dst="198.18.0.2")/ICMP(seq=(1,100)), inter=0.05, timeout=2, verbose=0)'
ACTION='inns $C ip link set dev v-c down'
ERRTEXT='Network is unreachable'
. "$(dirname "$0")/lib_send.sh"
