#!/bin/sh
# The interface goes down under a sniff() with no timeout.
. "$(dirname "$0")/lib.sh"
ACTION='inns $C ip link set dev v-c down'
WARN="WARNING: sniff: interface 'v-c' went down: capture stopped, returning the 6 packets sniffed"
. "$(dirname "$0")/lib_sniff.sh"
