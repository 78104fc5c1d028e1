/*
 * test_sets_fast.c - an implicit set built from a template (build_set.c)
 * gives, packet by packet, the bytes of the general build: every packet
 * of each set is built both ways and compared, and the sets that must not
 * use the template (a varying field that changes a length or another
 * field's presence, options, payload lists) are checked to fall back.
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

PK_TEST_VM_FIXTURE

struct cmp {
	uint64_t n, fast;
	struct pk_buf all; /* every packet's general bytes, for the loop */
	const char *what;
};

/* Per packet: the offered template build against a general build of a
 * copy (a copy is never offered), and what the consumer gets. */
static int compare_one(struct pk_vm *v, pk_val one, void *ctx)
{
	struct cmp *c = ctx;
	struct pk_buf fast = PK_BUF_INIT, gen = PK_BUF_INIT, got = PK_BUF_INIT;
	struct pk_layer *cp = pk_layer_copy(v, pk_as_layer(one));
	int r;

	assert_non_null(cp);
	r = pk_tmpl_build(v, pk_registry(v), pk_as_layer(one), &fast);
	assert_true(r >= 0);
	assert_int_equal(pk_packet_build(v, pk_obj_take(cp), &gen), 0);
	/* as sr() does: after the packets already built */
	pk_buf_add(&got, "abc", 3);
	assert_int_equal(pk_packet_build(v, one, &got), 0);
	if (r == 1) {
		c->fast++;
		if (fast.len != gen.len || memcmp(fast.buf, gen.buf, gen.len))
			fail_msg("%s: packet %llu differs from its general "
			         "build",
			         c->what, (unsigned long long)c->n);
	}
	assert_int_equal(got.len, 3 + gen.len);
	assert_memory_equal(got.buf + 3, gen.buf, gen.len);
	pk_buf_add_be16(&c->all, (uint16_t)gen.len);
	pk_buf_add(&c->all, gen.buf, gen.len);
	c->n++;
	pk_decref(pk_obj_take(cp));
	pk_buf_release(&fast);
	pk_buf_release(&gen);
	pk_buf_release(&got);
	return 0;
}

/*
 * Build every packet of `expr` both ways; `want_fast`: all packets from
 * the template, else none. The shell's `for p in s: raw(p)` must give the
 * same bytes too. Returns the packet count.
 */
static uint64_t check_set(const char *expr, bool want_fast)
{
	char src[1024];
	struct cmp c = {0, 0, PK_BUF_INIT, expr};
	pk_val s, loop;
	uint64_t count;
	size_t off = 0, i;

	snprintf(src, sizeof(src), "s = %s\nloop = [raw(p) for p in s]\n",
	         expr);
	run_ok(vm, src);
	s = pk_vm_get_global(vm, "s");
	assert_int_equal(pk_packet_count(vm, s, &count), 0);
	assert_int_equal(pk_packet_expand(vm, s, compare_one, &c), 0);
	assert_int_equal(c.n, count);
	if (want_fast && c.fast != c.n)
		fail_msg("%s: %llu of %llu packets from the template", expr,
		         (unsigned long long)c.fast, (unsigned long long)c.n);
	if (!want_fast && c.fast)
		fail_msg("%s: should not use a template", expr);
	loop = pk_vm_get_global(vm, "loop");
	assert_true(pk_is_list(loop));
	assert_int_equal(pk_as_list(loop)->len, count);
	for (i = 0; i < pk_as_list(loop)->len; i++) {
		struct pk_bytes *b = pk_as_bytes(pk_as_list(loop)->items[i]);
		const uint8_t *p = (const uint8_t *)c.all.buf + off;
		size_t len = (size_t)p[0] << 8 | p[1];

		if (len != b->len || memcmp(p + 2, b->b, len))
			fail_msg("%s: raw() of packet %zu in a loop differs",
			         expr, i);
		off += 2 + len;
	}
	pk_buf_release(&c.all);
	return count;
}

static void test_ip_prefix_ports(void **state)
{
	assert_int_equal(check_set("IP(src='198.18.0.1', "
	                           "dst='198.18.0.0/26')/TCP(dport=(1, 16))",
	                           true),
	                 1024);
	/* the carry through several bytes of the address */
	check_set("IP(src='198.18.0.1', dst='198.18.254.0/23')/UDP()", true);
	check_set("IP(dst='198.18.0.1')/TCP(dport=[22, 80, 443, 8080, 0, "
	          "65535], flags='S')",
	          true);
	check_set("IP(dst='198.18.0.1')/TCP(sport=(65530, 65535), "
	          "dport='http')/Raw(b'payload')",
	          true);
}

static void test_ttl_and_bits(void **state)
{
	check_set("IP(dst='198.18.0.9', ttl=(1, 30))/UDP(dport=53)", true);
	/* 3- and 13-bit fields sharing bytes */
	check_set("IP(dst='198.18.0.9', flags=[0, 1, 2, 'DF'], frag=(8190, "
	          "8191))/ICMP()",
	          true);
	check_set("IP(dst='198.18.0.9', tos=[0, 0xb8], id=(65534, 65535), "
	          "chksum=[0, 0x1234])/TCP(seq=(4294967290, 4294967295))",
	          true);
	check_set("IPv6(src='2001:db8::1', dst='2001:db8::2', tc=(0, 3), "
	          "fl=[0, 1, 0xfffff])/UDP(sport=[1, 2])",
	          true);
}

static void test_multiple_fields(void **state)
{
	assert_int_equal(
	    check_set("IP(dst='198.18.0.0/30', ttl=[1, 64], id=(5, 7))/"
	              "TCP(sport=[1000, 2000], dport=(80, 82))/Raw(b'xyz')",
	              true),
	    4 * 2 * 3 * 2 * 3);
	check_set("Ether(dst='02:00:00:00:00:02')/IP(src='198.18.0.1', "
	          "dst=['198.18.0.1', '198.18.9.9'])/UDP(dport=(1, 3))/"
	          "Raw(b'x' * 20)",
	          true);
	check_set("Ether()/IP(dst='198.18.0.0/29')/ICMP(seq=(1, 3))", false);
	check_set("Ether()/IP(dst='198.18.0.0/29')/ICMP()", true);
}

static void test_ipv6_prefix(void **state)
{
	check_set("IPv6(dst='2001:db8::/124')/TCP(dport=(1, 4))", true);
	check_set("IPv6(src='2001:db8::1', dst='2001:db8::ff00/120', "
	          "hlim=[1, 255])/UDP(dport=[53, 123])/Raw(b'abc')",
	          true);
	check_set("Ether()/IPv6(dst='2001:db8:1::/126')/ICMPv6EchoRequest("
	          "id=(1, 2))",
	          true);
}

static void test_ether_arp(void **state)
{
	check_set("Ether(dst=['02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff'], "
	          "src='02:00:00:00:00:03')/ARP(pdst='198.18.0.0/29', op=[1, "
	          "2])",
	          true);
	check_set("Ether(src=['02:00:00:00:00:01', '02:00:00:00:00:02'])/"
	          "Dot1Q(vlan=(1, 5))/IP(dst='198.18.0.1')/UDP()",
	          true);
	check_set("ARP(hwdst=['02:00:00:00:00:0a', '02:00:00:00:00:0b'], "
	          "psrc='198.18.0.0/31')",
	          true);
}

/* Sets the template must leave to the general build. */
static void test_fallbacks(void **state)
{
	/* the payload changes length */
	check_set("IP(dst='198.18.0.1')/UDP()/Raw(load=[b'a', b'bcd', b''])",
	          false);
	/* options around a varying field, lists held by the packet */
	check_set("IP(dst='198.18.0.1')/TCP(dport=(1, 3), options=[('MSS', "
	          "1460)])",
	          false);
	check_set("IP(dst='198.18.0.0/30', options=[IPOption_RR()])/TCP()",
	          false);
	/* the type decides which fields are there and how code builds */
	check_set("IP(dst='198.18.0.1')/ICMP(type=[0, 3, 8, 11])", false);
	/* a length field given as a set is fine, its bytes are just bytes */
	check_set("IP(dst='198.18.0.1', len=[20, 40, 65535], ihl=[5, "
	          "15])/TCP(dataofs=[5, 6])",
	          true);
}

/* Fake routes: IP and IPv6 sources and Ether addresses that depend on
 * the destination, so pre_build gives every packet different bytes. */
static int fake_src4(struct pk_vm *v, void *ctx, const uint8_t dst[4],
                     uint8_t src[4])
{
	if (dst[3] == 7)
		return 1; /* no route: scapy's fallback */
	memcpy(src, dst, 4);
	src[3] ^= 0x80;
	return 0;
}

static int fake_src6(struct pk_vm *v, void *ctx, const uint8_t dst[16],
                     uint8_t src[16])
{
	memcpy(src, dst, 16);
	src[15] ^= 0x40;
	return 0;
}

static int fake_ether(struct pk_vm *v, void *ctx, const struct pk_layer *pay,
                      uint8_t src[6], uint8_t dst[6])
{
	static const uint8_t s[6] = {2, 0, 0, 0, 0, 0x11};

	memcpy(src, s, 6);
	if (!dst) /* only the source is wanted */
		return 0;
	memcpy(dst, s, 6);
	if (pay && pay->proto == &pk_proto_ip)
		dst[5] = pay->f[pk_proto_field_index(&pk_proto_ip, "dst")].b[3];
	return 0;
}

static void test_route_dependent(void **state)
{
	struct pk_route_hooks h = {fake_src4, fake_src6, fake_ether, NULL};

	pk_packet_set_route_hooks(vm, &h);
	check_set("IP(dst='198.18.0.0/28')/TCP(dport=(1, 2))", true);
	check_set("Ether()/IP(dst='198.18.0.0/29')/UDP(dport=[7, 9])", true);
	check_set("IPv6(dst='2001:db8::/125')/UDP()", true);
	check_set("Ether()/ARP(pdst='198.18.0.0/29')", true);
	pk_packet_set_route_hooks(vm, NULL);
}

/* A packet of the set changed before it is built builds as changed. */
static void test_changed_members(void **state)
{
	pk_val a, b;

	run_ok(vm, "s = IP(dst='198.18.0.0/30')/TCP(dport=(1, 3))\n"
	           "a = []\nb = []\nkeep = []\n"
	           "for p in s:\n"
	           "    p[TCP].sport = p[TCP].dport + 100\n"
	           "    p.ttl = 9\n"
	           "    a.append(raw(p))\n"
	           "    b.append(raw(p.copy()))\n"
	           "    keep.append(p)\n"
	           "for p in s:\n"
	           "    p.decode_payload_as(Raw)\n"
	           "    p.ttl = 3\n"
	           "    a.append(raw(p))\n"
	           "    b.append(raw(p.copy()))\n"
	           "for p in s:\n"
	           "    pass\n"
	           "a.append(raw(p))\n"
	           "b.append(raw(IP(dst='198.18.0.3')/TCP(dport=3)))\n"
	           "a.append(raw(keep[0]))\n"
	           "b.append(raw(keep[0].copy()))\n"
	           "it = iter(IP(dst='198.18.0.0/30')/UDP())\n"
	           "p = next(it)\n"
	           "a.append(raw(p))\n"
	           "b.append(raw(p.copy()))\n"
	           "p = next(it)\n");
	{
		/* bind_layers(IP, UDP, proto=200) between two packets */
		static const struct pk_binding row = {&pk_proto_ip,
		                                      &pk_proto_udp,
		                                      PK_BIND_BUILD,
		                                      {{"proto", 200}}};

		assert_int_equal(pk_registry_bind(vm, &row), 0);
	}
	run_ok(vm, "a.append(raw(p))\n"
	           "b.append(raw(p.copy()))\n"
	           "for p in it:\n"
	           "    a.append(raw(p))\n"
	           "    b.append(raw(p.copy()))\n"
	           "ok = a == b and a[-1][9] == 200 and a[-4][9] == 17\n");
	a = pk_vm_get_global(vm, "a");
	b = pk_vm_get_global(vm, "ok");
	assert_int_equal(pk_as_list(a)->len, 12 + 12 + 2 + 4);
	assert_true(pk_is_bool(b) && b.u.i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ip_prefix_ports),
	    cmocka_unit_test(test_ttl_and_bits),
	    cmocka_unit_test(test_multiple_fields),
	    cmocka_unit_test(test_ipv6_prefix),
	    cmocka_unit_test(test_ether_arp),
	    cmocka_unit_test(test_fallbacks),
	    cmocka_unit_test(test_route_dependent),
	    cmocka_unit_test(test_changed_members),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
