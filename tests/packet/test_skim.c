/*
 * test_skim.c - haslayer() on a lazy packet answers without building it
 * (src/packet/dissect_skim.c). Whatever the skim answers must be what the
 * full dissection says: for every registered class, over packets of every
 * kind the layers know, every truncation of them, and random corruptions.
 * Where the skim declines (-1) the full path answers, so haslayer() is
 * checked as well.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/engine.h"
#include "pktsh/vm.h"

static struct pk_vm *vm;

/* Packets of every kind, as the shell builds them; `mix` is the
 * benchmark's capture (bench/workloads/gen_pcap.pk), one of each kind. */
static const char script[] =
    "e = Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')\n"
    "q = DNS(rd=1, qd=DNSQR(qname='host1.example.com'))\n"
    "mix = [e/IP(src='198.18.0.1', dst='198.19.1.7')/TCP(sport=1031, "
    "dport=443, flags='S', seq=9, options=[('MSS', 1460), ('SAckOK', "
    "b''), ('Timestamp', (9, 0)), ('NOP', None), ('WScale', 7)]),\n"
    " e/IP(src='198.18.0.2', dst='198.18.0.1')/TCP(sport=80, dport=1031, "
    "flags='PA', seq=4, ack=5)/Raw(b'x' * 40),\n"
    " e/IP(src='198.18.0.1', dst='198.18.0.53')/UDP(sport=1031, "
    "dport=53)/q,\n"
    " e/IP(src='198.18.0.1', dst='198.18.0.2')/ICMP(id=7, seq=3)/"
    "Raw(b'abcdefghijklmnop'),\n"
    " Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/"
    "ARP(psrc='198.18.0.1', pdst='198.18.0.7'),\n"
    " e/IPv6(src='2001:db8::1', dst='2001:db8::9')/ICMPv6EchoRequest("
    "id=7, seq=3),\n"
    " e/IPv6(src='2001:db8::1', dst='2001:db8::9')/UDP(sport=40000, "
    "dport=9999)/Raw(b'v6 payload')]\n"
    "more = [e/IP(options=[IPOption_NOP(), IPOption_RR(routers="
    "['198.18.0.1'])])/TCP(options=[('NOP', None), ('SAck', (1, 2))])/"
    "b'data',\n"
    " e/IP()/TCP(dport=53)/DNS(qd=DNSQR(qname='a.example.com')),\n"
    " e/IP()/UDP(dport=5355)/b'llmnr?',\n"
    " e/IP()/UDP(sport=53)/DNS(qr=1, an=DNSRR(rrname='a.', "
    "rdata='198.18.0.9')),\n"
    " e/IP(dst='198.18.0.1')/ICMP(type=3, code=3)/IPerror(dst='198.18.0."
    "9')/TCPerror(dport=80),\n"
    " e/IP()/ICMP(type=3)/IPerror(proto=17)/UDPerror(dport=53),\n"
    " e/IP()/ICMP(type=11)/IPerror()/ICMPerror(),\n"
    " e/IP()/ICMP(type=13),\n"
    " e/IP(frag=5, proto=6)/b'not a tcp header at all',\n"
    " e/IP()/IP()/TCP(),\n"
    " e/IP(len=30)/TCP()/b'trailer beyond the total length',\n"
    " e/Dot1Q(vlan=5)/IP()/UDP()/b'x',\n"
    " e/Dot1Q()/Dot1Q()/ARP(),\n"
    " e/ARP()/b'ethernet trailer',\n"
    " e/IPv6()/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/TCP(),\n"
    " e/IPv6()/IPv6ExtHdrFragment(nh=6)/b'fragment',\n"
    " e/IPv6()/IPv6ExtHdrRouting()/UDP()/b'r',\n"
    " e/IPv6()/ICMPv6ND_NS(tgt='2001:db8::1')/ICMPv6NDOptSrcLLAddr(),\n"
    " e/IPv6()/ICMPv6DestUnreach()/IPv6()/TCP(),\n"
    " e/IPv6(plen=8)/UDP()/b'padding after the payload',\n"
    " e/IPv6()/IP()/TCP(),\n"
    " e/IP()/b'raw'] + [e/IP()/UDP(dport=p)/b'xxxxxxxxxxxx' for p in "
    "(53, 67, 68, 123, 137, 161, 500, 514, 520, 1812, 2152, 4789, 5353, "
    "5355, 6081)] + [e/IPv6()/TCP(sport=p) for p in (53, 179)]\n"
    "pkts = [raw(p) for p in mix + more]\n";

static int setup(void **state)
{
	vm = pk_vm_new();
	if (!vm || pk_packet_register(vm) < 0)
		return -1;
	if (pk_vm_run(vm, script, strlen(script), "<skim>", 1, PK_RUN_FILE) !=
	    PK_RUN_OK) {
		struct pk_buf b = PK_BUF_INIT;

		pk_vm_format_error(vm, &b);
		fprintf(stderr, "%s\n", b.buf);
		pk_buf_release(&b);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	pk_vm_free(vm);
	return 0;
}

struct tally {
	unsigned long checks, skimmed;
	unsigned long in_fields; /* found only inside a packet field */
};

/*
 * Every class against bytes: the skim, where it answers, and haslayer()
 * on a fresh lazy packet must agree with the full chain.
 */
static void compare(const struct pk_proto *first, const uint8_t *b, size_t n,
                    struct tally *t)
{
	const struct pk_proto **ps;
	size_t np = pk_registry_protos(vm, &ps), i;
	struct pk_layer *full;
	pk_val v;

	assert_int_equal(pk_packet_dissect(vm, first, b, n, &v), 0);
	full = pk_as_layer(v);
	for (i = 0; i < np; i++) {
		/* the skim looks along the chain; haslayer() also inside
		 * fields holding packets (DNS records, IP options) */
		bool want = pk_layer_find(full, ps[i], 1) != NULL, has;
		int r = pk_dissect_skim_has(vm, full->proto, b, n, ps[i]);
		pk_val lazy, found;

		assert_true(pk_is_undef(pk_vm_exception(vm)));
		if (r >= 0) {
			t->skimmed++;
			if (r != want)
				fail_msg("%s: skim says %d, full chain %d "
				         "(first %s, %zu bytes)",
				         ps[i]->name, r, want, first->name, n);
		}
		assert_int_equal(pk_layer_search(vm, full, ps[i], 1, &found),
		                 0);
		has = !pk_is_none(found);
		pk_decref(found);
		if (want)
			assert_true(has);
		else if (has)
			t->in_fields++;
		assert_int_equal(pk_packet_dissect(vm, first, b, n, &lazy), 0);
		assert_int_equal(pk_packet_haslayer(vm, lazy, ps[i]), has);
		pk_decref(lazy);
		t->checks++;
	}
	pk_decref(v);
}

static const uint8_t *input(size_t k, size_t *n)
{
	pk_val l = pk_vm_get_global(vm, "pkts");
	pk_val b;

	assert_true(pk_is_list(l));
	if (k >= pk_as_list(l)->len)
		return NULL;
	b = pk_as_list(l)->items[k];
	assert_true(pk_is_bytes(b));
	*n = pk_as_bytes(b)->len;
	return pk_as_bytes(b)->b;
}

/* Whole packets, and the benchmark's question answered by the skim. */
static void test_whole(void **state)
{
	struct tally t = {0};
	const uint8_t *b;
	size_t k, n;

	for (k = 0; (b = input(k, &n)) != NULL; k++)
		compare(&pk_proto_ether, b, n, &t);
	/* the benchmark's mix: haslayer(TCP) never needs the full path */
	for (k = 0; k < 7; k++) {
		b = input(k, &n);
		assert_int_equal(pk_dissect_skim_has(vm, &pk_proto_ether, b, n,
		                                     &pk_proto_tcp),
		                 k < 2);
	}
	print_message("%lu checks, %lu answered by the skim, %lu found "
	              "only inside a field\n",
	              t.checks, t.skimmed, t.in_fields);
	assert_true(t.skimmed > t.checks / 2);
	assert_true(t.in_fields > 0);
}

/* Every prefix of every packet: truncation inside each field. */
static void test_truncated(void **state)
{
	struct tally t = {0};
	const uint8_t *b;
	size_t k, n, m;

	for (k = 0; (b = input(k, &n)) != NULL; k++)
		for (m = 0; m < n; m++)
			compare(&pk_proto_ether, b, m, &t);
	print_message("%lu checks, %lu answered by the skim\n", t.checks,
	              t.skimmed);
}

/* The IP packets from their IP header on (DLT_RAW), and as Raw. */
static void test_other_first(void **state)
{
	struct tally t = {0};
	const uint8_t *b;
	size_t k, n, m;

	for (k = 0; (b = input(k, &n)) != NULL; k++) {
		if (n <= 14)
			continue;
		for (m = 14; m <= n; m += 3)
			compare(&pk_proto_rawip, b + 14, m - 14, &t);
		compare(&pk_proto_raw, b, n, &t);
	}
}

/* Random corruption: lengths, next-header selectors and options lie. */
static void test_corrupt(void **state)
{
	struct tally t = {0};
	uint32_t seed = 12345;
	const uint8_t *b;
	size_t k, n;
	int round;

	for (k = 0; (b = input(k, &n)) != NULL; k++) {
		uint8_t *c = malloc(n);

		assert_non_null(c);
		for (round = 0; round < 40; round++) {
			int flips = 1 + round % 4, f;

			memcpy(c, b, n);
			for (f = 0; f < flips; f++) {
				seed = seed * 1103515245u + 12345u;
				c[(seed >> 8) % n] = (uint8_t)(seed >> 20);
			}
			compare(&pk_proto_ether, c, n, &t);
		}
		free(c);
	}
	print_message("%lu checks, %lu answered by the skim\n", t.checks,
	              t.skimmed);
}

/* A class bound at run time is found through the new row. */
static void test_bind_layers(void **state)
{
	static const struct pk_binding row = {
	    &pk_proto_udp, &pk_proto_tcp, PK_BIND_BOTH, {{"dport", 7777}}};
	static const char s[] =
	    "x = raw(Ether()/IP()/UDP(sport=1234, dport=7777)/TCP())\n";
	pk_val x;

	assert_int_equal(pk_dissect_skim_has(vm, &pk_proto_udp,
	                                     (const uint8_t *)"\0\1\x1e\x61"
	                                                      "\0\x1c\0\0",
	                                     8, &pk_proto_tcp),
	                 0);
	assert_int_equal(pk_registry_bind(vm, &row), 0);
	assert_int_equal(pk_vm_run(vm, s, strlen(s), "<skim>", 1, PK_RUN_FILE),
	                 PK_RUN_OK);
	x = pk_vm_get_global(vm, "x");
	assert_true(pk_is_bytes(x));
	assert_int_equal(
	    pk_dissect_skim_has(vm, &pk_proto_ether, pk_as_bytes(x)->b,
	                        pk_as_bytes(x)->len, &pk_proto_tcp),
	    1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_other_first),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_bind_layers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
