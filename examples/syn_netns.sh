#!/bin/sh
# Send a TCP SYN from one network namespace to another and show the
# kernel's answer (a RST for a closed port). Needs root; it makes its own
# namespaces and veth pair and removes them at the end, so nothing
# leaves the machine. NOT run in CI.
#
#   sudo sh examples/syn_netns.sh [path/to/pktsh]
set -eu
PKTSH=${1:-./build/pktsh}
A=pktsh-ex-a B=pktsh-ex-b
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $A
ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add 198.18.0.1/24 dev veth-a
ip -n $B addr add 198.18.0.2/24 dev veth-b
ip -n $A link set veth-a up
ip -n $B link set veth-b up
ip netns exec $A "$PKTSH" -c '
ans = sr1(IP(dst="198.18.0.2")/TCP(dport=80, flags="S"), timeout=2, verbose=0)
if ans is None:
    print("no answer")
else:
    ans.show()
'
