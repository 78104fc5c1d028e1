#!/usr/bin/env python3
"""Integration tests of pcap files, packet lists and sniffing, driving the
real pktsh binary.

usage: run_capture.py --bin PKTSH GROUP

GROUP is one of: lists, files, tshark, netns. Exit status 0 = pass,
1 = fail, 77 = skipped (a missing tool, or not root for netns).

Expected outputs in data/ were produced once by scapy 2.5 (the reference)
and are committed as data; scapy is not needed to run these tests.
"""
import argparse
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
failures = []


def run(binary, script, timeout=60, env_extra=None):
    env = dict(os.environ, TZ='UTC')
    if env_extra:
        env.update(env_extra)
    r = subprocess.run([binary, '-c', script], capture_output=True,
                       text=True, timeout=timeout, env=env)
    return r.returncode, r.stdout, r.stderr


def check(name, cond, detail=''):
    if cond:
        print('ok   %s' % name)
    else:
        print('FAIL %s\n%s' % (name, detail))
        failures.append(name)


def norm(s):
    return [l.rstrip() for l in s.rstrip().splitlines()]


def expect_out(name, got, want, err=''):
    g, w = norm(got), norm(want)
    if g == w:
        check(name, True)
        return
    diff = []
    for i in range(max(len(g), len(w))):
        a = g[i] if i < len(g) else '<missing>'
        b = w[i] if i < len(w) else '<missing>'
        if a != b:
            diff.append('line %d:\n  got:  %r\n  want: %r' % (i + 1, a, b))
            if len(diff) > 5:
                break
    check(name, False, '\n'.join(diff) + '\nstderr:\n' + err)


# ---------------------------------------------------------------- lists

def group_lists(binary, tmp):
    src = open(os.path.join(HERE, 'data', 'lists.pk')).read()
    want = open(os.path.join(HERE, 'data', 'lists.out')).read()
    f = os.path.join(tmp, 'lists.pcap')
    rc, out, err = run(binary, 'F = %r\n' % f + src)
    check('lists: exit status 0', rc == 0, err)
    expect_out('lists: output as scapy 2.5', out, want, err)


# ---------------------------------------------------------------- files

PKTS = ("[Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/"
        "IP(src='198.18.0.1', dst='198.18.0.2')/TCP(sport=1000+i, dport=80)"
        " for i in range(5)]")


def write_pcap_header(f, linktype=1, magic=0xa1b2c3d4):
    f.write(struct.pack('<IHHiIII', magic, 2, 4, 0, 0, 65535, linktype))


def group_files(binary, tmp):
    p = os.path.join(tmp, 'five.pcap')

    # a missing file: FileNotFoundError naming the path
    rc, out, err = run(binary, "rdpcap('%s/nope.pcap')" % tmp)
    check('files: missing file raises FileNotFoundError',
          rc != 0 and "FileNotFoundError: rdpcap: '%s/nope.pcap': No such file or directory" % tmp in err,
          err)

    # corrupt header
    junk = os.path.join(tmp, 'junk.pcap')
    open(junk, 'wb').write(b'GET / HTTP/1.0\r\n\r\n' * 3)
    rc, out, err = run(binary, "rdpcap(%r)" % junk)
    check('files: corrupt header is an error naming the file',
          rc != 0 and ("'%s': not a pcap or pcapng file" % junk) in err, err)

    # truncated: what came before stays, with a warning naming the record
    rc, out, err = run(binary, "wrpcap(%r, %s)" % (p, PKTS))
    check('files: wrpcap five packets', rc == 0, err)
    size = os.path.getsize(p)
    check('files: five records of 54 bytes', size == 24 + 5 * (16 + 54),
          str(size))
    t = os.path.join(tmp, 'trunc.pcap')
    shutil.copy(p, t)
    os.truncate(t, size - 10)
    rc, out, err = run(binary, "r = rdpcap(%r)\nprint(len(r))\n"
                       "print(r[3][TCP].sport)" % t)
    check('files: truncated file keeps the 4 complete packets',
          rc == 0 and norm(out) == ['4', '1003'], out + err)
    check('files: truncation warning names file and record',
          ("'%s': record 5: truncated packet record (caplen 54, 44 bytes left)" % t) in err,
          err)
    rc, out, err = run(binary, "n = 0\nfor q in PcapReader(%r):\n"
                       "    n += 1\nprint(n)" % t)
    check('files: PcapReader stops at the truncated record',
          rc == 0 and norm(out) == ['4'] and 'record 5' in err, out + err)

    # PcapReader API
    rc, out, err = run(binary, """
r = PcapReader(%r)
a = r.read_packet()
print(a[TCP].sport)
b = r.read_all(count=2)
print(len(b), b[1][TCP].sport)
rest = r.read_all()
print(len(rest))
try:
    r.read_packet()
except EOFError:
    print('eof')
r.close()
print(r.linktype)
""" % p)
    expect_out('files: PcapReader read_packet/read_all/close', out,
               '1000\n2 1002\n2\neof\n1\n', err)

    # PcapWriter: write a packet and a list, flush, append keeps the header
    w = os.path.join(tmp, 'w.pcap')
    rc, out, err = run(binary, """
w = PcapWriter(%r)
w.write(Ether()/IP(dst='198.18.0.9')/UDP(dport=5000))
w.write(rdpcap(%r)[:2])
w.flush()
w.close()
w2 = PcapWriter(%r, append=True, sync=True)
w2.write(IP(dst='198.18.0.3')/ICMP())
w2.close()
wrpcap(%r, rdpcap(%r)[4], append=True)
r = rdpcap(%r)
print(len(r))
r.nsummary()
""" % (w, p, w, w, p, w))
    check('files: PcapWriter + append', rc == 0 and norm(out)[0] == '5',
          out + err)
    with open(w, 'rb') as f:
        hdr = f.read(24)
    check('files: append kept one Ethernet header',
          struct.unpack('<I', hdr[20:24])[0] == 1 and
          out.count('Ether') == 5 - 1, out)

    # raw IP writes LINKTYPE_RAW (101) and reads back as IP
    raw = os.path.join(tmp, 'raw.pcap')
    rc, out, err = run(binary, "wrpcap(%r, IP(src='198.18.0.1', dst='198.18.0.2')/ICMP())\n"
                       "print(rdpcap(%r)[0].summary())" % (raw, raw))
    with open(raw, 'rb') as f:
        lt = struct.unpack('<I', f.read(24)[20:24])[0]
    check('files: raw IP as linktype 101', lt == 101 and
          norm(out) == ['IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0'],
          '%d %s %s' % (lt, out, err))

    # implicit sets expand, as in scapy
    s = os.path.join(tmp, 'set.pcap')
    rc, out, err = run(binary, "wrpcap(%r, IP(dst='198.18.0.1', ttl=[1, 2, 3])/ICMP())\n"
                       "print([p.ttl for p in rdpcap(%r)])" % (s, s))
    check('files: a set writes one record per packet',
          norm(out) == ['[1, 2, 3]'], out + err)

    # hand-written pcapng: SHB, IDB (Ethernet, ns resolution), EPB
    ng = os.path.join(tmp, 'hand.pcapng')
    frame = bytes.fromhex('020000000002020000000001080045000028000100004006eea7'
                          'c6120001c612000200140050000003e80000000050022000ff6e0000')
    with open(ng, 'wb') as f:
        f.write(struct.pack('<IIIHHqI', 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1, 28))
        opt = struct.pack('<HHB3x', 9, 1, 9) + struct.pack('<HH', 0, 0)  # if_tsresol=9
        f.write(struct.pack('<IIHHI', 1, 20 + len(opt), 1, 0, 65535) + opt +
                struct.pack('<I', 20 + len(opt)))
        ts = 1700000000 * 10**9 + 123456789
        pad = (4 - len(frame) % 4) % 4
        blen = 32 + len(frame) + pad
        f.write(struct.pack('<IIIIIII', 6, blen, 0, ts >> 32, ts & 0xffffffff,
                            len(frame), len(frame)) + frame + b'\0' * pad +
                struct.pack('<I', blen))
    rc, out, err = run(binary, "r = rdpcap(%r)\nprint(len(r))\nprint(r[0].summary())\n"
                       "print('%%.6f' %% r[0].time)" % ng)
    expect_out('files: hand-written pcapng with nanosecond times', out,
               '1\nEther / IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:http S\n'
               '1700000000.123457\n', err)

    # a pcapng made by editcap, when installed
    if shutil.which('editcap'):
        ng2 = os.path.join(tmp, 'five.pcapng')
        subprocess.run(['editcap', '-F', 'pcapng', p, ng2], check=True)
        rc, out, err = run(binary, "a = rdpcap(%r)\nb = rdpcap(%r)\n"
                           "print(len(b), [bytes(x) for x in a] == [bytes(x) for x in b],"
                           " [x.time for x in a] == [x.time for x in b])" % (p, ng2))
        check('files: editcap pcapng equals the pcap', norm(out) == ['5 True True'],
              out + err)
    else:
        print('skip files: editcap pcapng (editcap not installed)')

    # sniff(offline=) with a BPF filter, prn, lfilter, count
    rc, out, err = run(binary, """
s = sniff(offline=%r, filter='tcp src port 1001 or tcp src port 1003', prn=lambda p: p[TCP].sport)
print(s)
s = sniff(offline=%r, count=2, lfilter=lambda p: p[TCP].sport > 1001)
print([p[TCP].sport for p in s])
s = sniff(offline=%r, store=False, prn=lambda p: None)
print(len(s))
s = sniff(offline=rdpcap(%r), filter='tcp src port 1004')
print(s)
""" % (p, p, p, p))
    expect_out('files: sniff(offline=) with filter/lfilter/count/store', out,
               '1001\n1003\n<Sniffed: TCP:2 UDP:0 ICMP:0 Other:0>\n[1002, 1003]\n0\n'
               '<Sniffed: TCP:1 UDP:0 ICMP:0 Other:0>\n', err)

    # conversations(): Graphviz source printed, or written to a file
    dot = os.path.join(tmp, 'conv.dot')
    rc, out, err = run(binary, "l = rdpcap(%r)\nl.conversations()\n"
                       "l.conversations(target='>%s')" % (p, dot))
    want = 'digraph "conv" {\n\t "198.18.0.1" -> "198.18.0.2" [label="5"]\n}\n'
    check('files: conversations() prints and writes dot source',
          rc == 0 and out == want and open(dot).read() == want, repr(out) + err)

    # a bad BPF filter: libpcap's message and where
    rc, out, err = run(binary, "sniff(offline=%r, filter='tcp and port 80 annd udp')" % p)
    check('files: bad filter names the column',
          rc != 0 and "bad filter 'tcp and port 80 annd udp'" in err and
          'column 17' in err, err)


# ---------------------------------------------------------------- tshark

def group_tshark(binary, tmp):
    if not shutil.which('tshark'):
        print('skip: tshark not installed')
        return SKIP
    f = os.path.join(tmp, 'ck.pcap')
    rc, out, err = run(binary, """
l = [Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2')/TCP(sport=1234, dport=80, flags='PA')/Raw(load=b'hello'),
     Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=1234, dport=5000)/Raw(load=b'x' * 33),
     Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2', options=[])/ICMP(id=5, seq=9)/Raw(load=b'ping'),
     Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IPv6(src='2001:db8::1', dst='2001:db8::2')/TCP(sport=5, dport=443, flags='S'),
     Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=5, dport=5000)/Raw(load=b'abc')]
wrpcap(%r, l)
""" % f)
    check('tshark: wrpcap', rc == 0, err)
    opts = ['-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
            '-o', 'ip.check_checksum:TRUE']
    r = subprocess.run(['tshark', '-n', '-r', f] + opts, capture_output=True, text=True)
    check('tshark: reads our file', r.returncode == 0 and len(r.stdout.splitlines()) == 5,
          r.stdout + r.stderr)
    r = subprocess.run(['tshark', '-n', '-r', f] + opts + [
        '-Y', 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || '
        'udp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || _ws.malformed || _ws.expert.severity >= "warning"'],
        capture_output=True, text=True)
    check('tshark: no bad checksum, nothing malformed', r.returncode == 0 and r.stdout.strip() == '',
          r.stdout + r.stderr)
    if shutil.which('tcpdump'):
        r = subprocess.run(['tcpdump', '-nvr', f], capture_output=True, text=True)
        check('tcpdump: reads our file, no bad checksum',
              r.returncode == 0 and r.stdout.count('198.18.0.1') + r.stdout.count('2001:db8::1') >= 5
              and 'incorrect' not in r.stdout and 'bad cksum' not in r.stdout,
              r.stdout + r.stderr)
    r = subprocess.run(['tshark', '-n', '-r', f] + opts + [
        '-Y', 'ip.checksum.status == "Good" && (tcp.checksum.status == "Good" || udp.checksum.status == "Good" || icmp.checksum.status == "Good")'],
        capture_output=True, text=True)
    check('tshark: IPv4 checksums verified good', len(r.stdout.splitlines()) == 3,
          r.stdout + r.stderr)


# ---------------------------------------------------------------- netns

def sh(*args, check_rc=True):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(args), r.stderr))
    return r


def group_netns(binary, tmp):
    if os.geteuid() != 0:
        print('skip: netns tests need root')
        return SKIP
    for tool in ('ip', 'tcpdump'):
        if not shutil.which(tool):
            print('skip: %s not installed' % tool)
            return SKIP
    tag = '%06x' % random.randrange(1 << 24)
    a, b = 'pkt-%s-a' % tag, 'pkt-%s-b' % tag
    try:
        sh('ip', 'netns', 'add', a)
        sh('ip', 'netns', 'add', b)
    except RuntimeError as e:
        print('skip: cannot make namespaces (%s)' % e)
        return SKIP
    try:
        sh('ip', 'link', 'add', 'va' + tag, 'netns', a, 'type', 'veth',
           'peer', 'name', 'vb' + tag, 'netns', b)
        sh('ip', '-n', a, 'addr', 'add', '198.18.7.1/24', 'dev', 'va' + tag)
        sh('ip', '-n', b, 'addr', 'add', '198.18.7.2/24', 'dev', 'vb' + tag)
        for ns, dev in ((a, 'va' + tag), (b, 'vb' + tag)):
            sh('ip', '-n', ns, 'link', 'set', dev, 'up')
            sh('ip', '-n', ns, 'link', 'set', 'lo', 'up')
        netns_tests(binary, tmp, a, b, 'va' + tag)
    finally:
        sh('ip', 'netns', 'del', a, check_rc=False)
        sh('ip', 'netns', 'del', b, check_rc=False)


# ping without iputils: ICMP echo requests from a raw socket (we are root)
PING = r"""
import socket, struct, sys, time
dst, count, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
def csum(b):
    b += b'\0' * (len(b) % 2)
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    t += t >> 16
    return ~t & 0xffff
for i in range(count):
    h = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + b'pktsh-test'
    h = h[:2] + struct.pack('!H', csum(h)) + h[4:]
    s.sendto(h, (dst, 0))
    time.sleep(gap)
"""


def ping(ns, dst, count, gap=0.2, wait=True):
    cmd = ['ip', 'netns', 'exec', ns, sys.executable, '-c', PING, dst,
           str(count), str(gap)]
    if wait:
        return subprocess.run(cmd, check=True, timeout=count * gap + 30)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def nsrun(ns, binary, script, timeout=60):
    r = subprocess.run(['ip', 'netns', 'exec', ns, binary, '-c', script],
                       capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, TZ='UTC'))
    return r.returncode, r.stdout, r.stderr


def netns_tests(binary, tmp, a, b, dev):
    # tcpdump writes, we read
    cap = os.path.join(tmp, 'tcpdump.pcap')
    td = subprocess.Popen(['ip', 'netns', 'exec', a, 'tcpdump', '-i', dev,
                           '-U', '-w', cap, '-c', '6', 'icmp'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cap2 = os.path.join(tmp, 'any-sll2.pcap')
    td2 = subprocess.Popen(['ip', 'netns', 'exec', a, 'tcpdump', '-i', 'any',
                            '-y', 'LINUX_SLL2', '-U', '-w', cap2, '-c', '6',
                            'icmp'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    ping(a, '198.18.7.2', 3)
    for t in (td, td2):
        try:
            t.wait(timeout=20)
        except subprocess.TimeoutExpired:
            t.kill()
            t.wait()
    rc, out, err = run(binary, """
r = PcapReader(%r)
print(r.linktype)
l = r.read_all()
print(l)
print(l[0][IP].src, l[0][ICMP].type)
""" % cap2)
    check('netns: tcpdump -i any (LINUX_SLL2) file read',
          rc == 0 and norm(out) == ['276', '<any-sll2.pcap: TCP:0 UDP:0 ICMP:6 Other:0>',
                                    '198.18.7.1 8'], out + err)
    rc, out, err = run(binary, """
r = rdpcap(%r)
print(len(r))
print(r)
print(r[0][IP].src, r[0][IP].dst, r[0][ICMP].type, r[1][ICMP].type)
print(r[1].time >= r[0].time > 1600000000)
""" % cap)
    check('netns: tcpdump file read: count and fields',
          rc == 0 and norm(out)[:4] == ['6', '<tcpdump.pcap: TCP:0 UDP:0 ICMP:6 Other:0>',
                                      '198.18.7.1 198.18.7.2 8 0', 'True'],
          out + err)

    # sniff(count=3, filter="icmp") while pings run
    pinger = ping(b, '198.18.7.1', 100, 0.2, wait=False)
    try:
        rc, out, err = nsrun(a, binary, """
s = sniff(count=3, filter='icmp', iface=%r, timeout=20)
print(len(s))
print(s)
print(s[0][IP].src == '198.18.7.2' or s[0][IP].src == '198.18.7.1')
s = sniff(count=2, filter='icmp')
print(s)
t = AsyncSniffer(iface=%r, filter='icmp and src host 198.18.7.2')
t.start()
t.join(timeout=1.5)
res = t.stop()
print(len(res) >= 2, all(p[IP].src == '198.18.7.2' for p in res))
t = AsyncSniffer(iface=%r, count=2, filter='icmp', prn=lambda p: 'got ' + p[IP].src)
t.start()
t.join()
print(t.results)
""" % (dev, dev, dev))
    finally:
        pinger.kill()
        pinger.wait()
    o = norm(out)
    check('netns: sniff(count=3, filter="icmp")',
          rc == 0 and o[:3] == ['3', '<Sniffed: TCP:0 UDP:0 ICMP:3 Other:0>', 'True'], out + err)
    check('netns: sniff on "any" by default',
          len(o) > 3 and o[3] == '<Sniffed: TCP:0 UDP:0 ICMP:2 Other:0>', out + err)
    check('netns: AsyncSniffer start/join/stop', len(o) > 4 and o[4] == 'True True', out + err)
    check('netns: AsyncSniffer count= and prn on join',
          len(o) > 7 and o[5].startswith('got 198.18.7.') and o[6].startswith('got ') and
          o[7] == '<Sniffed: TCP:0 UDP:0 ICMP:2 Other:0>', out + err)

    # sniff(timeout=1) in a quiet namespace returns promptly with nothing
    t0 = time.monotonic()
    rc, out, err = nsrun(b, binary, "s = sniff(timeout=1, iface='lo')\nprint(len(s))")
    dt = time.monotonic() - t0
    check('netns: sniff(timeout=1) returns with nothing captured',
          rc == 0 and norm(out) == ['0'] and dt < 15, '%.1fs %s %s' % (dt, out, err))

    # Ctrl-C ends the capture and returns what was captured
    pr = subprocess.Popen(['ip', 'netns', 'exec', b, binary, '-c',
                           "s = sniff(iface='lo', filter='icmp')\nprint('got', s)"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    ping(b, '127.0.0.1', 2, 0.1)
    time.sleep(0.5)
    pr.send_signal(signal.SIGINT)
    try:
        out, err = pr.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        pr.kill()
        out, err = pr.communicate()
    check('netns: Ctrl-C stops sniff() and returns the packets',
          pr.returncode == 0 and norm(out) == ['got <Sniffed: TCP:0 UDP:0 ICMP:4 Other:0>'],
          '%s %s %s' % (pr.returncode, out, err))

    # without CAP_NET_RAW: a PermissionError that says how to grant it
    if shutil.which('setpriv'):
        r = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534',
                            '--clear-groups', '--inh-caps=-all', binary, '-c',
                            "sniff(iface='lo', count=1, timeout=1)"],
                           capture_output=True, text=True, timeout=30)
        if 'Permission denied' in r.stderr and 'PermissionError' not in r.stderr:
            print('skip netns: permission test (binary not executable by nobody)')
        else:
            check('netns: no CAP_NET_RAW gives PermissionError with setcap hint',
                  r.returncode != 0 and 'PermissionError' in r.stderr and
                  'CAP_NET_RAW' in r.stderr and 'setcap cap_net_raw,cap_net_admin+eip' in r.stderr,
                  r.stderr)

    # a bad interface
    rc, out, err = nsrun(b, binary, "sniff(iface='nosuch0', count=1)")
    check('netns: unknown interface is an OSError naming it',
          rc != 0 and "no such interface 'nosuch0'" in err, err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', required=True)
    ap.add_argument('group', choices=['lists', 'files', 'tshark', 'netns'])
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='pktsh-capture-')
    try:
        rc = globals()['group_' + a.group](os.path.abspath(a.bin), tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print('%d failed: %s' % (len(failures), ', '.join(failures)))
        return 1
    return rc or 0


if __name__ == '__main__':
    sys.exit(main())
