/*
 * test_loop_sets.c - `for p in s` over an implicit set hands out packets
 * whose storage is made again from the one handed out two steps before
 * when nobody holds it any more (sets.c). Whatever the user keeps (in a
 * list, under another name, an inner layer, across nested loops), changes
 * or rebuilds must stay distinct and right, and raw(p) must give the
 * general build's bytes. Also the interpreter's fast paths this came with
 * (the loop variable taking the reference, int + and -, raw()'s buffer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "packet/engine.h"
#include "pktsh/alloc.h"

PK_TEST_VM_FIXTURE

/*
 * The set s of 4 addresses x 3 ports and want(i): its i-th packet made
 * one by one (never from a set, so always the general build).
 */
static const char prelude[] =
    "s = IP(src='198.18.0.1', dst='198.18.1.0/30')/TCP(dport=(7, 9))\n"
    "def want(i):\n"
    "    return IP(src='198.18.0.1', dst='198.18.1.%d' % (i // 3))"
    "/TCP(dport=7 + i % 3)\n"
    "def right(p, i):\n"
    "    assert p.dst == '198.18.1.%d' % (i // 3), (i, p.dst)\n"
    "    assert p[TCP].dport == 7 + i % 3, (i, p[TCP].dport)\n"
    "    assert raw(p) == raw(want(i)), i\n";

static void run_with_prelude(const char *body)
{
	char src[4096];

	snprintf(src, sizeof(src), "%s%s", prelude, body);
	run_ok(vm, src);
}

static void test_plain_loop(void **state)
{
	run_with_prelude("n = 0\n"
	                 "for p in s:\n"
	                 "    right(p, n)\n"
	                 "    n += 1\n"
	                 "assert n == 12\n"
	                 "right(p, 11)\n");
}

static void test_kept_in_list(void **state)
{
	run_with_prelude("l = []\n"
	                 "for p in s:\n"
	                 "    l.append(p)\n"
	                 "assert len(l) == 12\n"
	                 "for i in range(12):\n"
	                 "    for j in range(i):\n"
	                 "        assert l[i] is not l[j]\n"
	                 "for i in range(12):\n"
	                 "    right(l[i], i)\n"
	                 "l[0].ttl = 9\n"
	                 "assert l[1].ttl == 64 and l[2].ttl == 64\n"
	                 "m = [p for p in s]\n"
	                 "for i in range(12):\n"
	                 "    right(m[i], i)\n"
	                 "    assert m[i] is not l[i]\n"
	                 "k = list(s)\n"
	                 "for i in range(12):\n"
	                 "    right(k[i], i)\n");
}

/* the loop's variable bound to other names, lagging one and two steps */
static void test_other_names(void **state)
{
	run_with_prelude("q1 = None\n"
	                 "q2 = None\n"
	                 "n = 0\n"
	                 "for p in s:\n"
	                 "    if q2 is not None:\n"
	                 "        right(q2, n - 2)\n"
	                 "    if q1 is not None:\n"
	                 "        right(q1, n - 1)\n"
	                 "    right(p, n)\n"
	                 "    q2 = q1\n"
	                 "    q1 = p\n"
	                 "    n += 1\n"
	                 "right(q2, 10)\n"
	                 "right(q1, 11)\n"
	                 "assert q1 is p and q2 is not p\n"
	                 /* every third kept */
	                 "kept = []\n"
	                 "n = 0\n"
	                 "for p in s:\n"
	                 "    if n % 3 == 0:\n"
	                 "        q = p\n"
	                 "        kept.append(q)\n"
	                 "    n += 1\n"
	                 "for j in range(4):\n"
	                 "    right(kept[j], 3 * j)\n");
}

/*
 * An inner layer kept: its packet must not be written over. (Not its
 * underlayer nor raw(): a layer that outlives its upper one keeps a
 * dangling `under` in pk_layer_release, with or without this reuse.)
 */
static void test_inner_layer_kept(void **state)
{
	run_with_prelude(
	    "ts = []\n"
	    "for p in s:\n"
	    "    ts.append(p[TCP])\n"
	    "for i in range(12):\n"
	    "    assert ts[i].dport == 7 + i % 3, (i, ts[i].dport)\n"
	    "    assert ts[i].sport == 20 and ts[i].flags == 'S'\n"
	    "n = 0\n"
	    "for p in s:\n"
	    "    t = p[TCP]\n"
	    "    right(p, n)\n"
	    "    n += 1\n");
}

static void test_nested_same_set(void **state)
{
	run_with_prelude("n = 0\n"
	                 "pairs = 0\n"
	                 "for p in s:\n"
	                 "    m = 0\n"
	                 "    for q in s:\n"
	                 "        right(q, m)\n"
	                 "        right(p, n)\n"
	                 "        m += 1\n"
	                 "        pairs += 1\n"
	                 "    right(p, n)\n"
	                 "    n += 1\n"
	                 "assert pairs == 144\n"
	                 /* two iterators of one set, stepped by hand */
	                 "a = iter(s)\n"
	                 "b = iter(s)\n"
	                 "x = [next(a), next(a), next(b), next(a), next(b)]\n"
	                 "for j, i in enumerate([0, 1, 0, 2, 1]):\n"
	                 "    right(x[j], i)\n");
}

/* p changed in the loop: its bytes show it, the next packets do not */
static void test_modified_in_loop(void **state)
{
	run_with_prelude("n = 0\n"
	                 "for p in s:\n"
	                 "    assert p.ttl == 64\n"
	                 "    assert raw(p) == raw(want(n))\n"
	                 "    p.ttl = 9\n"
	                 "    w = want(n)\n"
	                 "    w.ttl = 9\n"
	                 "    assert raw(p) == raw(w)\n"
	                 "    if n % 2:\n"
	                 "        p[TCP].sport = 1000\n"
	                 "    n += 1\n"
	                 /* the chain changed under the iterator */
	                 "n = 0\n"
	                 "for p in s:\n"
	                 "    right(p, n)\n"
	                 "    p.decode_payload_as(Raw)\n"
	                 "    assert p.payload.name == 'Raw'\n"
	                 "    n += 1\n"
	                 "n = 0\n"
	                 "for p in s:\n"
	                 "    right(p, n)\n"
	                 "    n += 1\n");
}

/* sets other than IP/TCP: layers below, IPv6, lists with objects (the
 * upper layer's values vary fastest, as in scapy) */
static void test_other_sets(void **state)
{
	run_ok(
	    vm,
	    "def same(s, mk, n):\n"
	    "    i = 0\n"
	    "    for p in s:\n"
	    "        assert raw(p) == raw(mk(i)), (i, raw(p).hex(), raw(mk(i)).hex())\n"
	    "        i += 1\n"
	    "    assert i == n\n"
	    "same(Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')"
	    "/IP(src='198.18.0.1', dst='198.18.2.0/29', ttl=[1, 2])/UDP(),\n"
	    "     lambda i: Ether(dst='02:00:00:00:00:02', "
	    "src='02:00:00:00:00:01')/IP(src='198.18.0.1', "
	    "dst='198.18.2.%d' % (i // 2), ttl=1 + i % 2)/UDP(), 16)\n"
	    "same(IPv6(src='2001:db8::1', dst='2001:db8::/126')"
	    "/UDP(dport=[53, 5353]),\n"
	    "     lambda i: IPv6(src='2001:db8::1', dst='2001:db8::%x' % "
	    "(i // 2))/UDP(dport=[53, 5353][i % 2]), 8)\n"
	    "same(IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=(1, 3))"
	    "/Raw(load=[b'a', b'bb']),\n"
	    "     lambda i: IP(src='198.18.0.1', dst='198.18.0.2')"
	    "/UDP(sport=1 + i // 2)/Raw(load=[b'a', b'bb'][i % 2]), 6)\n");
}

/* the point of it: a loop that keeps nothing allocates no packets */
static void test_no_allocation_per_packet(void **state)
{
	unsigned long before;

	run_ok(vm, "big = IP(src='198.18.0.1', dst='198.18.0.0/22')"
	           "/TCP(dport=(1, 4))\n"
	           "for p in big:\n"
	           "    pass\n");
	before = pk_alloc_count();
	run_ok(vm, "for p in big:\n"
	           "    pass\n");
	/* 4096 packets: two allocations each without the reuse */
	assert_true(pk_alloc_count() - before < 500);
	run_ok(
	    vm,
	    "n = 0\n"
	    "for p in big:\n"
	    "    assert p.dport == 1 + n % 4\n"
	    "    assert p.dst == '198.18.%d.%d' % (n // 1024, n // 4 % 256)\n"
	    "    n += 1\n"
	    "assert n == 4096\n");
}

static void test_interpreter_paths(void **state)
{
	run_ok(vm, "n = 9223372036854775806\n"
	           "n += 1\n"
	           "assert n == 9223372036854775807\n"
	           "ok = False\n"
	           "try:\n"
	           "    n += 1\n"
	           "except OverflowError:\n"
	           "    ok = True\n"
	           "assert ok and n == 9223372036854775807\n"
	           "m = -9223372036854775807\n"
	           "m -= 1\n"
	           "ok = False\n"
	           "try:\n"
	           "    m = m - 1\n"
	           "except OverflowError:\n"
	           "    ok = True\n"
	           "assert ok\n"
	           "assert 2 + 3 == 5 and 2 - 3 == -1 and True + 1 == 2\n"
	           "assert 1 + 2.5 == 3.5 and 'a' + 'b' == 'ab'\n"
	           "x = 5\n"
	           "x -= 7\n"
	           "assert x == -2\n"
	           /* loop targets: local, global, attribute, tuple */
	           "def f(s):\n"
	           "    t = 0\n"
	           "    for p in s:\n"
	           "        t += p.dport\n"
	           "    return t, p.dport\n"
	           "assert f(TCP(dport=(1, 4))) == (10, 4)\n"
	           "for a, b in iter([(1, 2), (3, 4)]):\n"
	           "    pass\n"
	           "assert (a, b) == (3, 4)\n"
	           /* raw(): its buffer kept between calls */
	           "assert raw(b'ab') == b'ab'\n"
	           "big = raw(TCP()/Raw(b'x' * 70000))\n"
	           "assert len(big) == 70020 and big[20:] == b'x' * 70000\n"
	           "assert raw(IP(dst='198.18.0.2')/TCP()) == "
	           "bytes(IP(dst='198.18.0.2')/TCP())\n"
	           "assert len(raw(IP())) == 20\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_loop),
	    cmocka_unit_test(test_kept_in_list),
	    cmocka_unit_test(test_other_names),
	    cmocka_unit_test(test_inner_layer_kept),
	    cmocka_unit_test(test_nested_same_set),
	    cmocka_unit_test(test_modified_in_loop),
	    cmocka_unit_test(test_other_sets),
	    cmocka_unit_test(test_no_allocation_per_packet),
	    cmocka_unit_test(test_interpreter_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
