#!/bin/sh
# The peer's namespace, and with it the veth pair, is deleted while sr()
# is sending: the sending fails and the receiving interface disappears.
. "$(dirname "$0")/lib.sh"
CALL='sr(IP(dst="198.18.0.2")/ICMP(seq=(1,100)), inter=0.05, timeout=2, verbose=0)'
ACTION='ip netns del $P'
ERRTEXT='Network is unreachable'
WARN2="WARNING: sr: interface 'v-c' disappeared: no answer can come in there any more (returning the answers so far)"
. "$(dirname "$0")/lib_send.sh"
