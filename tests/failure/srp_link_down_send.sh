#!/bin/sh
# The interface goes down while srp() is sending frames on it.
. "$(dirname "$0")/lib.sh"
CALL='srp(Ether(dst="02:00:00:00:00:02")/IP(dst="198.18.0.2")/ICMP(seq=(1,100)), iface="v-c", inter=0.05, timeout=2, verbose=0)'
ACTION='inns $C ip link set dev v-c down'
ERRTEXT='send: Network is down'
WARN2="WARNING: srp: interface 'v-c' went down: no answer can come in there any more (returning the answers so far)"
. "$(dirname "$0")/lib_send.sh"
