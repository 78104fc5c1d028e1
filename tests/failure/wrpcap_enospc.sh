#!/bin/sh
# The file system fills while wrpcap() writes: 100 frames of 1058 bytes
# (with their record headers) into a 64 KiB tmpfs, mounted in a private
# mount namespace of this test. The error names the file, says "No space
# left on device" and how many packets the file keeps: 61, the whole
# records that fit (24 + 61 * 1058 = 64562 bytes); the partial 62nd is cut
# off, so tcpdump, tshark and rdpcap() all read a valid pcap of 61. A
# PcapWriter(sync=True) on the full disk fails the same way, and the
# session goes on.
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null 2>&1 || { echo "SKIP: no unshare"; exit $SKIP; }
M="$WORK/m"
mkdir "$M"
cat >"$WORK/s.pk" <<P
pkts = [Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")/IP(src="198.18.0.1", dst="198.18.0.2")/UDP(sport=9, dport=9)/Raw(b"x"*1000) for i in range(100)]
try:
    wrpcap("$M/out.pcap", pkts)
except OSError as e:
    print("error:", e)
r = rdpcap("$M/out.pcap")
print("read", len(r), len(r[UDP]))
w = PcapWriter("$M/two.pcap", sync=True)
try:
    w.write(pkts[0])
except OSError as e:
    print("error:", e)
print("alive", len(pkts))
P
unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$M' &&
	'$PKTSH' '$WORK/s.pk' >'$WORK/out' 2>'$WORK/err'
	echo \$? >'$WORK/status'
	ls -l '$M' >'$WORK/ls'
	cp '$M/out.pcap' '$WORK/out.pcap'
	cp '$M/two.pcap' '$WORK/two.pcap'" ||
	fail "mount"
[ "$(cat "$WORK/status")" = 0 ] || fail "exit status $(cat "$WORK/status")"
expect out \
	"error: wrpcap: '$M/out.pcap': write failed after 61 packets: No space left on device (the file keeps them and is a valid pcap)" \
	"read 61 61" \
	"error: PcapWriter: '$M/two.pcap': write failed: No space left on device (not even the file header fit: the file is empty)" \
	"alive 100"
[ ! -s "$WORK/err" ] || fail "unexpected messages"
[ "$(stat -c %s "$WORK/out.pcap")" = 64562 ] || fail "size $(stat -c %s "$WORK/out.pcap")"
[ "$(stat -c %s "$WORK/two.pcap")" = 0 ] || fail "two.pcap not empty"
if command -v tcpdump >/dev/null 2>&1; then
	n=$(tcpdump -n -r "$WORK/out.pcap" 2>"$WORK/td.err" | grep -c UDP)
	[ "$n" = 61 ] || fail "tcpdump read $n"
	grep -v "^reading from file" "$WORK/td.err" | grep . && fail "tcpdump complained"
fi
if command -v tshark >/dev/null 2>&1; then
	n=$(tshark -n -r "$WORK/out.pcap" 2>"$WORK/ts.err" | grep -c .)
	[ "$n" = 61 ] || fail "tshark read $n"
	grep -v "Running as user" "$WORK/ts.err" | grep . && fail "tshark complained"
fi
ok
