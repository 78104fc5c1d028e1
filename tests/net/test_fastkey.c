/*
 * test_fastkey.c - sr()'s byte-level matching of plain IPv4/TCP
 * (src/net/fastkey.c) against the layers' hashret()/answers().
 *
 * Wherever pk_tcp4_parse() takes a packet, its key must be hashret() of
 * the dissected packet, and pk_tcp4_answers() must say what answers()
 * says, for conf.checkIPaddr on and off: over probes and replies of
 * every flag combination with sequence numbers around the edges, lying
 * lengths, options, fragments, payloads, padding, mDNS, other
 * protocols, every truncation and random corruption.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netio.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"

static struct pk_vm *vm;
static const struct pk_proto *ip4;

static const char script[] =
    "A, B = '198.18.0.1', '198.18.0.2'\n"
    "fl = ['S', 'SA', 'R', 'RA', 'A', 'F', 'FA', 'PA', '', 'SR', 'SRA', "
    "'N', 'E']\n"
    "probes = []\n"
    "for f in fl:\n"
    "    for s, a in ((1000, 5000), (0, 0), (4294967295, 1)):\n"
    "        probes.append(IP(src=A, dst=B)/TCP(sport=1234, dport=80, "
    "flags=f, seq=s, ack=a))\n"
    "replies = []\n"
    "for f in fl:\n"
    "    for s in (4997, 4998, 5000, 5002, 5003, 0, 2, 4294967294):\n"
    "        for a in (997, 998, 1001, 1002, 1003, 1, 4294967295):\n"
    "            replies.append(IP(src=B, dst=A)/TCP(sport=80, dport=1234, "
    "flags=f, seq=s, ack=a))\n"
    "odd = [IP(src=B, dst=A)/TCP(sport=81, dport=1234, flags='RA', ack=1001),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1235, flags='RA', ack=1001),\n"
    " IP(src='198.18.0.9', dst=A)/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=B, dst='198.18.0.9')/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=A, dst=B)/TCP(sport=1234, dport=80, flags='S', "
    "options=[('MSS', 1460), ('NOP', None), ('WScale', 7)]),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1234, flags='SA', ack=1001, "
    "options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 2))]),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1234, flags='RA', ack=1001)/"
    "Padding(b'\\0' * 6),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1234, flags='PA', ack=1001)/"
    "b'data',\n"
    " IP(src=B, dst=A)/TCP(sport=53, dport=1234, flags='PA', ack=1001)/"
    "DNS(qd=DNSQR(qname='a.example.com')),\n"
    " IP(src=A, dst=B)/TCP(sport=1234, dport=53, flags='S')/b'x',\n"
    " IP(src=B, dst=A, options=[IPOption_NOP()] * 4)/TCP(sport=80, "
    "dport=1234, flags='RA', ack=1001),\n"
    " IP(src=B, dst=A, frag=3)/TCP(sport=80, dport=1234, flags='RA'),\n"
    " IP(src=B, dst=A, flags='MF')/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=B, dst=A, len=60)/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=B, dst=A, len=30)/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1234, flags='RA', ack=1001, "
    "dataofs=6),\n"
    " IP(src=B, dst=A)/TCP(sport=80, dport=1234, flags='RA', ack=1001, "
    "dataofs=4),\n"
    " IP(src=B, dst='224.0.0.251')/TCP(sport=80, dport=1234, flags='RA', "
    "ack=1001),\n"
    " IP(src=A, dst='224.0.0.251')/TCP(sport=1234, dport=80, flags='S'),\n"
    " IP(src=B, dst=A)/UDP(sport=80, dport=1234),\n"
    " IP(src=B, dst=A)/ICMP(type=3, code=3)/IPerror(src=A, dst=B)/"
    "TCPerror(sport=1234, dport=80),\n"
    " IP(src=B, dst=A, proto=6)/b'not tcp',\n"
    " IP(src=B, dst=A, version=5)/TCP(sport=80, dport=1234, flags='RA'),\n"
    " IP(src=B, dst=A, ihl=6)/TCP(sport=80, dport=1234, flags='RA'),\n"
    " IPv6(src='2001:db8::2', dst='2001:db8::1')/TCP(sport=80, "
    "dport=1234, flags='RA')]\n"
    "pk = [raw(p) for p in probes + odd]\n"
    "rp = [raw(p) for p in replies + odd]\n"
    "pk.append(rp[-8] + b'\\0' * 4)\n"
    "rp.append(rp[0] + b'\\0' * 4)\n"
    "tail = rp[len(replies):]\n";

static int setup(void **state)
{
	vm = pktsh_open();
	if (!vm)
		return -1;
	if (pk_vm_run(vm, script, strlen(script), "<fastkey>", 1,
	              PK_RUN_FILE) != PK_RUN_OK) {
		struct pk_buf b = PK_BUF_INIT;

		pk_vm_format_error(vm, &b);
		fprintf(stderr, "%s\n", b.buf);
		pk_buf_release(&b);
		return -1;
	}
	ip4 = pk_proto_find(vm, "IP");
	return ip4 ? 0 : -1;
}

static int teardown(void **state)
{
	pk_vm_free(vm);
	return 0;
}

static void set_checkaddr(bool on)
{
	const char *s =
	    on ? "conf.checkIPaddr = True\n" : "conf.checkIPaddr = False\n";

	assert_int_equal(pk_vm_run(vm, s, strlen(s), "<conf>", 1, PK_RUN_FILE),
	                 PK_RUN_OK);
}

static size_t count(const char *name)
{
	pk_val l = pk_vm_get_global(vm, name);

	assert_true(pk_is_list(l));
	return pk_as_list(l)->len;
}

static const uint8_t *item(const char *name, size_t k, size_t *n)
{
	pk_val b = pk_as_list(pk_vm_get_global(vm, name))->items[k];

	assert_true(pk_is_bytes(b));
	*n = pk_as_bytes(b)->len;
	return pk_as_bytes(b)->b;
}

struct tally {
	unsigned long keys, fast, pairs, fastpairs, answered;
};

/* The key of n bytes at b: from the bytes where they qualify, always
 * as hashret() of the dissected packet; the two must agree. */
static void check_key(const uint8_t *b, size_t n, bool trailer, bool check,
                      struct tally *t)
{
	struct pk_buf slow = PK_BUF_INIT, fast = PK_BUF_INIT;
	struct pk_tcp4 x;
	pk_val v;

	t->keys++;
	if (!pk_tcp4_parse(b, n, trailer, &x))
		return;
	t->fast++;
	assert_int_equal(pk_packet_dissect(vm, ip4, b, n, &v), 0);
	assert_int_equal(pk_packet_hashret(vm, v, &slow), 0);
	pk_tcp4_hashret(&x, check, &fast);
	assert_int_equal(fast.len, slow.len);
	assert_memory_equal(fast.buf, slow.buf, slow.len);
	pk_decref(v);
	pk_buf_release(&slow);
	pk_buf_release(&fast);
}

static void check_pair(const uint8_t *r, size_t rn, const uint8_t *p, size_t pn,
                       bool check, struct tally *t)
{
	struct pk_tcp4 a, b;
	pk_val rv, pv;
	bool slow;

	t->pairs++;
	if (!pk_tcp4_parse(r, rn, true, &a) || !pk_tcp4_parse(p, pn, false, &b))
		return;
	t->fastpairs++;
	assert_int_equal(pk_packet_dissect(vm, ip4, r, rn, &rv), 0);
	assert_int_equal(pk_packet_dissect(vm, ip4, p, pn, &pv), 0);
	assert_int_equal(pk_packet_answers(vm, rv, pv, &slow), 0);
	if (slow != pk_tcp4_answers(&a, &b, check))
		fail_msg("reply %zu bytes, probe %zu bytes: answers() says "
		         "%d, the bytes %d",
		         rn, pn, slow, !slow);
	t->answered += slow;
	pk_decref(rv);
	pk_decref(pv);
}

static void run_all(bool check)
{
	struct tally t = {0};
	size_t np = count("pk"), nr = count("rp"), i, k, pn, rn;

	set_checkaddr(check);
	for (i = 0; i < np; i++) {
		const uint8_t *p = item("pk", i, &pn);

		check_key(p, pn, false, check, &t);
		check_key(p, pn, true, check, &t);
	}
	for (k = 0; k < nr; k++) {
		const uint8_t *r = item("rp", k, &rn);

		check_key(r, rn, true, check, &t);
		for (i = 0; i < np; i++) {
			const uint8_t *p = item("pk", i, &pn);

			check_pair(r, rn, p, pn, check, &t);
		}
	}
	print_message("checkIPaddr %d: %lu keys (%lu from the bytes), %lu "
	              "pairs (%lu from the bytes, %lu answer)\n",
	              check, t.keys, t.fast, t.pairs, t.fastpairs, t.answered);
	/* the byte path is taken, and both verdicts occur */
	assert_true(t.fast > t.keys / 2);
	assert_true(t.answered > 0 && t.answered < t.fastpairs);
}

static void test_checkaddr_on(void **state)
{
	run_all(true);
}

static void test_checkaddr_off(void **state)
{
	run_all(false);
	set_checkaddr(true);
}

/* What the byte path refuses is refused for a reason: the classes. */
static void test_refused(void **state)
{
	size_t nr = count("rp"), k, n;
	struct pk_tcp4 x;
	unsigned long taken = 0;

	for (k = 0; k < nr; k++) {
		const uint8_t *b = item("rp", k, &n);
		pk_val v;
		int ok = pk_tcp4_parse(b, n, true, &x);
		struct pk_layer *l;

		if (!ok)
			continue;
		taken++;
		/* taken: the dissection is IP/TCP, then at most Padding */
		assert_int_equal(pk_packet_dissect(vm, ip4, b, n, &v), 0);
		l = pk_as_layer(v);
		assert_ptr_equal(l->proto, ip4);
		assert_non_null(l->payload);
		assert_string_equal(pk_proto_name(l->payload->proto), "TCP");
		if (l->payload->payload)
			assert_string_equal(
			    pk_proto_name(l->payload->payload->proto),
			    "Padding");
		pk_decref(v);
	}
	assert_true(taken > 0);
}

/* Every truncation and random corruption of the odd ones. */
static void test_truncated_corrupt(void **state)
{
	struct tally t = {0};
	size_t nt = count("tail"), np = count("pk"), k, m, n, i, pn;
	uint32_t seed = 4242;
	uint8_t c[128];

	for (k = 0; k < nt; k++) {
		const uint8_t *b = item("tail", k, &n);
		int round;

		for (m = 0; m < n; m++) {
			check_key(b, m, true, true, &t);
			check_key(b, m, false, true, &t);
		}
		if (n > sizeof(c))
			continue;
		for (round = 0; round < 200; round++) {
			int f;

			memcpy(c, b, n);
			for (f = 0; f < 1 + round % 3; f++) {
				seed = seed * 1103515245u + 12345u;
				c[(seed >> 8) % n] = (uint8_t)(seed >> 20);
			}
			check_key(c, n, true, true, &t);
			for (i = 0; i < np; i += 7) {
				const uint8_t *p = item("pk", i, &pn);

				check_pair(c, n, p, pn, true, &t);
				check_pair(p, pn, c, n, true, &t);
			}
		}
	}
	print_message("%lu keys (%lu from the bytes), %lu pairs (%lu from "
	              "the bytes)\n",
	              t.keys, t.fast, t.pairs, t.fastpairs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checkaddr_on),
	    cmocka_unit_test(test_checkaddr_off),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_truncated_corrupt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
