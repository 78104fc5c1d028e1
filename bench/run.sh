#!/bin/sh
# run.sh - pktsh's benchmarks against scapy, tcpdump, nmap, trafgen and
# masscan; `make bench` calls it as `sh bench/run.sh BUILD_DIR`.
#
#   sh bench/run.sh BUILD_DIR [bench.py options: --quick, --only sr,...]
#
# Prints one table (also written to BUILD_DIR/bench-results.md). As root
# it installs the peers that are missing from Debian (never scapy: without
# /usr/bin/python3's scapy its column stays empty) and makes the network
# namespaces for sr and sendp; otherwise those two are skipped. Set
# PKTSH_BENCH_NO_INSTALL=1 to install nothing.
set -u

BUILD=${1:?usage: sh bench/run.sh BUILD_DIR [options]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/pktsh
TAG=pkb$$

if [ ! -x "$BIN" ]; then
	echo "bench: no pktsh binary at '$BIN' (build it first)" >&2
	exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench: python3 is needed to run the benchmarks" >&2
	exit 2
fi

quick=0
for a in "$@"; do
	[ "$a" = --quick ] && quick=1
done

# peers, from Debian only; one that cannot be installed is skipped
if [ $quick = 0 ] && [ "$(id -u)" = 0 ] && [ -z "${PKTSH_BENCH_NO_INSTALL:-}" ]; then
	missing=""
	for t in nmap:nmap masscan:masscan trafgen:netsniff-ng hyperfine:hyperfine tcpdump:tcpdump; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	if [ -n "$missing" ]; then
		echo "bench: installing peers:$missing" >&2
		for pkg in $missing; do
			DEBIAN_FRONTEND=noninteractive timeout 300 \
				apt-get install -y -q "$pkg" >/dev/null 2>&1 ||
				echo "bench: could not install $pkg: skipped" >&2
		done
	fi
fi

# bench.py removes its namespaces itself; this is for a kill -9 of it
cleanup() {
	for ns in ${TAG}c ${TAG}p; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# the quick run (ctest) leaves a real run's results alone
md="--md=$BUILD/bench-results.md"
[ $quick = 1 ] && md="--md="
python3 "$HERE/bench.py" --bin "$BIN" --tag "$TAG" "$md" "$@"
