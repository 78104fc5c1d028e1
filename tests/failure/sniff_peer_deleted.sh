#!/bin/sh
# The peer's namespace is deleted under a sniff() with no timeout: the
# veth pair goes with it and the captured interface disappears.
. "$(dirname "$0")/lib.sh"
ACTION='ip netns del $P'
WARN="WARNING: sniff: interface 'v-c' disappeared: capture stopped, returning the 6 packets sniffed"
. "$(dirname "$0")/lib_sniff.sh"
