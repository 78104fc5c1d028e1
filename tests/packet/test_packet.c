/*
 * test_packet.c - the layer engine at the C level: field kinds, build with
 * auto fields, cursor-based dissection of hostile input, checksums and
 * implicit sets. Expected bytes were recorded from scapy 2.5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "packet/engine.h"

PK_TEST_VM_FIXTURE

/* The pending exception's "Type: message", then cleared. */
static const char *exc_text(void)
{
	static char text[512];
	pk_val e = pk_vm_exception(vm);
	struct pk_exc *x;

	if (pk_is_undef(e))
		return "";
	x = (struct pk_exc *)e.u.o;
	snprintf(text, sizeof(text), "%s: %s", x->type->name,
	         pk_is_str(x->msg) ? pk_as_str(x->msg)->s : "");
	pk_vm_clear_error(vm);
	return text;
}

static void assert_hex(pk_val p, const char *want)
{
	char hex[8192];

	assert_false(pk_is_undef(p));
	assert_int_equal(build_hex(vm, p, hex, sizeof(hex)), 0);
	pk_decref(p);
	assert_string_equal(hex, want);
}

/* (a, b) consuming both */
static pk_val pair_take(pk_val a, pk_val b)
{
	pk_val t = pk_tuple_pair(vm, a, b);

	pk_decref(a);
	pk_decref(b);
	return t;
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2, i;

	for (i = 0; i < n; i++) {
		unsigned x;

		sscanf(h + 2 * i, "%2x", &x);
		out[i] = (uint8_t)x;
	}
	return n;
}

static void test_checksum(void **state)
{
	/* RFC 1071 section 3 example: sum 0xddf2 */
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03,
	                            0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 18, 0, 2};
	uint32_t s = pk_cksum_add(0, d, sizeof(d));

	assert_int_equal(s, 0xddf2);
	assert_int_equal(pk_cksum_fold(s), (uint16_t)~0xddf2);
	/* odd length pads with a zero byte */
	assert_int_equal(pk_cksum_add(0, "\x01", 1), 0x0100);
	/* the pseudo-header is a plain sum of its 12 bytes */
	assert_int_equal(
	    pk_cksum_pseudo4(a, b, 6, 20),
	    pk_cksum_add(0, "\xc6\x12\x00\x01\xc6\x12\x00\x02\x00\x06\x00\x14",
	                 12));
}

/*
 * `/` links a temporary operand (reference count 1) in place instead of
 * copying it; an operand someone else holds must come out unchanged.
 */
static void test_div_aliasing(void **state)
{
	char before[256], after[256], hex[256];
	pk_val a, b, p, q, t, r, e, x;
	struct pk_obj *eo;

	/* a = IP(); b = a/TCP(): a keeps no payload */
	a = mk(vm, "IP", "dst", A_STR, "198.18.0.2", NULL);
	assert_int_equal(build_hex(vm, a, before, sizeof(before)), 0);
	b = stack(vm, pk_incref(a), mk(vm, "TCP", "dport", A_INT, 80, NULL));
	assert_false(pk_is_undef(b));
	assert_null(pk_as_layer(a)->payload);
	assert_int_equal(build_hex(vm, a, after, sizeof(after)), 0);
	assert_string_equal(before, after);
	assert_ptr_not_equal(pk_as_layer(b), pk_as_layer(a));
	assert_ptr_equal(pk_as_layer(b)->payload->proto, &pk_proto_tcp);
	pk_decref(b);
	pk_decref(a);

	/* p = IP()/TCP(); q = p/Raw(): p stays IP/TCP */
	p = stack(vm, mk(vm, "IP", "dst", A_STR, "198.18.0.2", NULL),
	          mk(vm, "TCP", NULL));
	assert_int_equal(build_hex(vm, p, before, sizeof(before)), 0);
	q = stack(vm, pk_incref(p),
	          mk(vm, "Raw", "load", A_BYTES, "abc", 3, NULL));
	assert_false(pk_is_undef(q));
	assert_null(pk_as_layer(p)->payload->payload);
	assert_int_equal(build_hex(vm, p, after, sizeof(after)), 0);
	assert_string_equal(before, after);
	assert_int_equal(build_hex(vm, q, hex, sizeof(hex)), 0);
	assert_int_equal(strlen(hex), strlen(before) + 6);
	pk_decref(q);

	/* r = IP()/t with t held: r's TCP is a copy, t is not linked */
	t = mk(vm, "TCP", "dport", A_INT, 80, NULL);
	r = stack(vm, mk(vm, "IP", NULL), pk_incref(t));
	assert_false(pk_is_undef(r));
	assert_ptr_not_equal(pk_as_layer(r)->payload, pk_as_layer(t));
	assert_null(pk_as_layer(t)->under);
	assert_int_equal(
	    pk_layer_set(vm, pk_as_layer(r)->payload,
	                 pk_proto_field_index(&pk_proto_tcp, "dport"),
	                 pk_int(443)),
	    0);
	assert_int_equal(
	    pk_layer_uint(pk_as_layer(t),
	                  pk_proto_field_index(&pk_proto_tcp, "dport")),
	    80);
	pk_decref(r);
	pk_decref(t);

	/* p/p with p held: both sides copies, p unchanged */
	q = stack(vm, pk_incref(p), pk_incref(p));
	assert_false(pk_is_undef(q));
	assert_int_equal(build_hex(vm, p, after, sizeof(after)), 0);
	assert_string_equal(before, after);
	pk_decref(q);
	pk_decref(p);

	/* Ether()/IP()/TCP(): temporaries are reused, the bytes unchanged */
	e = mk(vm, "Ether", "dst", A_STR, "02:00:00:00:00:02", "src", A_STR,
	       "02:00:00:00:00:01", NULL);
	eo = e.u.o;
	x = stack(vm,
	          stack(vm, e,
	                mk(vm, "IP", "src", A_STR, "198.18.0.1", "dst", A_STR,
	                   "198.18.0.2", NULL)),
	          mk(vm, "TCP", "dport", A_INT, 7, NULL));
	assert_false(pk_is_undef(x));
	assert_ptr_equal(x.u.o, eo);
	assert_int_equal(eo->refcnt, 1);
	assert_int_equal(build_hex(vm, x, hex, sizeof(hex)), 0);
	assert_string_equal(
	    hex, "020000000002020000000001080045000028000100004006eea7c6120001"
	         "c61200020014000700000000000000005002200003a00000");
	pk_decref(x);
}

static void test_build_auto_fields(void **state)
{
	/* IP len/ihl/chksum/proto, TCP dataofs/chksum, Ether type */
	assert_hex(
	    stack(vm,
	          stack(vm,
	                mk(vm, "Ether", "dst", A_STR, "02:20:82:3c:fd:e6",
	                   "src", A_STR, "02:f1:c2:6b:30:f9", NULL),
	                mk(vm, "IP", "dst", A_STR, "198.18.199.111", "src",
	                   A_STR, "198.18.14.229", NULL)),
	          mk(vm, "TCP", "dport", A_INT, 993, "window", A_INT, 55327,
	             NULL)),
	    "0220823cfde602f1c26b30f90800450000280001000040061856c6120ee5c612c76f"
	    "001403e100000000000000005002d81f71540000");
	/* UDP len and checksum, Dot1Q vlan */
	assert_hex(
	    stack(
	        vm,
	        stack(vm,
	              stack(vm,
	                    mk(vm, "Ether", "dst", A_STR, "02:82:10:24:2a:08",
	                       "src", A_STR, "02:e7:07:8f:7f:89", NULL),
	                    mk(vm, "Dot1Q", "vlan", A_INT, 896, NULL)),
	              mk(vm, "IP", "src", A_STR, "198.18.94.89", "flags", A_INT,
	                 2, "dst", A_STR, "198.18.148.18", "ttl", A_INT, 66,
	                 NULL)),
	        mk(vm, "UDP", "sport", A_INT, 80, "dport", A_INT, 5000, NULL)),
	    "028210242a0802e7078f7f898100038008004500001c000140004211ba3fc6125e59"
	    "c61294120050138800086d75");
	/* ICMP checksum, flags by name */
	assert_hex(
	    stack(vm,
	          mk(vm, "IP", "src", A_STR, "198.18.150.141", "flags", A_STR,
	             "DF", "dst", A_STR, "198.18.129.183", "id", A_INT, 41604,
	             NULL),
	          mk(vm, "ICMP", "type", A_INT, 11, "code", A_INT, 0, NULL)),
	    "4500001ca28440004001f3f2c612968dc61281b70b00f4ff00000000");
}

static void test_build_tcp_options(void **state)
{
	pk_val opts = pk_list_new(vm, 0), t;

	t = pair_take(pk_str_cstr(vm, "Timestamp"),
	              pair_take(pk_int(833733246), pk_int(2860265803LL)));
	pk_list_append_take(vm, opts, t);
	pk_list_append_take(vm, opts,
	                    pair_take(pk_str_cstr(vm, "WScale"), pk_int(9)));
	pk_list_append_take(vm, opts,
	                    pair_take(pk_str_cstr(vm, "MSS"), pk_int(7593)));
	assert_hex(
	    stack(vm,
	          stack(vm,
	                mk(vm, "Ether", "dst", A_STR, "02:da:70:e6:72:0f",
	                   "src", A_STR, "02:ca:a4:da:1e:98", NULL),
	                mk(vm, "IP", "src", A_STR, "198.18.64.248", "ttl",
	                   A_INT, 19, "dst", A_STR, "198.18.108.225", NULL)),
	          mk(vm, "TCP", "sport", A_INT, 20, "dport", A_INT, 443,
	             "flags", A_INT, 18, "options", A_VAL, opts, NULL)),
	    "02da70e6720f02caa4da1e9808004500003c0001000013066dbdc61240f8c6126ce1"
	    "001401bb0000000000000000a012200072cc0000080a31b1c27eaa7c314b03030902041da9000000");
	pk_decref(opts);
}

static void test_field_errors(void **state)
{
	pk_val p = mk(vm, "IP", "ttl", A_INT, 300, NULL);

	assert_true(pk_is_undef(p));
	assert_string_equal(exc_text(),
	                    "ValueError: IP.ttl: 300 does not fit in 8 bits");
	p = mk(vm, "IP", "dts", A_STR, "1.2.3.4", NULL);
	assert_true(pk_is_undef(p));
	assert_string_equal(
	    exc_text(),
	    "AttributeError: no such field 'dts' in IP (did you mean 'dst'?)");
	p = mk(vm, "IP", "proto", A_STR, "tcpp", NULL);
	assert_true(pk_is_undef(p));
	assert_string_equal(
	    exc_text(),
	    "ValueError: IP.proto: unknown value 'tcpp' (did you mean 'tcp'?)");
	p = mk(vm, "TCP", "flags", A_STR, "SX", NULL);
	assert_true(pk_is_undef(p));
	assert_string_equal(exc_text(),
	                    "ValueError: TCP.flags: unknown flag 'X' in 'SX'");
	p = mk(vm, "Ether", "dst", A_STR, "02:00", NULL);
	assert_true(pk_is_undef(p));
	assert_string_equal(
	    exc_text(), "ValueError: Ether.dst: invalid MAC address '02:00'");
}

static void test_field_names(void **state)
{
	/* names, flag strings in both notations, port names */
	pk_val a =
	    mk(vm, "TCP", "flags", A_STR, "S+A", "dport", A_STR, "http", NULL);
	pk_val b = mk(vm, "TCP", "flags", A_INT, 18, "dport", A_INT, 80, NULL);
	pk_val c =
	    mk(vm, "IP", "proto", A_STR, "tcp", "flags", A_STR, "MF+DF", NULL);
	struct pk_buf r = PK_BUF_INIT;
	bool eq = false;

	assert_int_equal(pk_eq(vm, a, b, &eq), 0);
	assert_true(eq);
	assert_int_equal(pk_repr(vm, a, &r), 0);
	assert_string_equal(r.buf, "<TCP  dport=http flags=SA |>");
	pk_buf_reset(&r);
	assert_int_equal(pk_repr(vm, c, &r), 0);
	assert_string_equal(r.buf, "<IP  flags=MF+DF proto=tcp |>");
	pk_buf_release(&r);
	pk_decref(a);
	pk_decref(b);
	pk_decref(c);
}

static void test_dissect_padding_and_raw(void **state)
{
	/* 6 bytes past IP's total length become Padding; unknown payload Raw */
	uint8_t buf[256];
	size_t n = unhex("4500001c0001000040117ccbc6120001c6120002"
	                 "0035003500080000aabbccddeeff",
	                 buf);
	struct pk_buf r = PK_BUF_INIT;
	pk_val p;

	assert_int_equal(
	    pk_packet_dissect(vm, pk_proto_find(vm, "IP"), buf, n, &p), 0);
	assert_int_equal(pk_repr(vm, p, &r), 0);
	assert_string_equal(
	    r.buf,
	    "<IP  version=4 ihl=5 tos=0x0 len=28 id=1 flags= frag=0 ttl=64 "
	    "proto=udp chksum=0x7ccb src=198.18.0.1 dst=198.18.0.2 |<UDP  "
	    "sport=domain dport=domain len=8 chksum=0x0 |<Padding  "
	    "load='\\\\xaa\\\\xbb\\\\xcc\\\\xdd\\\\xee\\\\xff' |>>>");
	pk_buf_release(&r);
	pk_decref(p);
}

/* Every prefix of a packet dissects without crashing, keeps the bytes,
 * and builds back to exactly the same bytes (dissected fields are set). */
static void test_truncated_round_trip(void **state)
{
	static const char *const hexes[] = {
	    "0220823cfde602f1c26b30f90800450000450001000040061839c6120ee5c612c76f"
	    "001403e100000000000000005002d81f8d420000fd77b07670eb940bd5335f973d"
	    "aad8619b91ffc911f57cced458bbbf2c",
	    "023753c9bdfa020ff0169dc90806000108000604000102066676cfb0c612572c00"
	    "0000000000c61274fc",
	    "02da70e6720f02caa4da1e980800450000660001000013066d93c61240f8c6126c"
	    "e1001401bb0000000000000000a012200018480000080a31b1c27eaa7c314b0303"
	    "0902041da900000041414141414141414141414141414141414141414141414141"
	    "414141414141414141414141414141414141",
	    "02525a55db9a02cbcb7655d28100057c08004500001c0001001eb5016095c612a9"
	    "3fc6126fc80800f7ff00000000",
	    "ffffffffffff000000000000080045000038000100004001f7d8c6120002c61200"
	    "010303fc5e000000004500001c000100004011f8d5c6120001c612000200160016"
	    "0008d3bd",
	};
	size_t h;

	for (h = 0; h < sizeof(hexes) / sizeof(hexes[0]); h++) {
		uint8_t buf[512];
		size_t n = unhex(hexes[h], buf), k;

		for (k = 0; k <= n; k++) {
			struct pk_buf out = PK_BUF_INIT, s = PK_BUF_INIT;
			pk_val p;

			assert_int_equal(
			    pk_packet_dissect(vm, pk_proto_find(vm, "Ether"),
			                      buf, k, &p),
			    0);
			assert_int_equal(pk_packet_summary(vm, p, &s), 0);
			if (pk_packet_build(vm, p, &out) < 0)
				fail_msg("vector %zu prefix %zu: %s", h, k,
				         exc_text());
			if (k == n) {
				assert_int_equal(out.len, n);
				assert_memory_equal(out.buf, buf, n);
			}
			pk_buf_release(&out);
			pk_buf_release(&s);
			pk_decref(p);
		}
	}
}

static int count_cb(struct pk_vm *v, pk_val one, void *ctx)
{
	char hex[512], **outv = ctx;
	static int i;

	build_hex(v, one, hex, sizeof(hex));
	(void)outv;
	i++;
	return 0;
}

struct collect {
	int n;
	char dst[16][20];
	uint64_t dport[16];
};

static int collect_cb(struct pk_vm *v, pk_val one, void *ctx)
{
	struct collect *c = ctx;
	pk_val d, p;

	pk_getattr(v, one, pk_intern("dst", 3), &d);
	pk_getattr(v, one, pk_intern("dport", 5), &p);
	snprintf(c->dst[c->n], sizeof(c->dst[0]), "%s", pk_as_str(d)->s);
	c->dport[c->n] = (uint64_t)p.u.i;
	c->n++;
	pk_decref(d);
	return 0;
}

static void test_sets(void **state)
{
	pk_val ports = pk_list_new(vm, 2);
	struct collect c = {0};
	uint64_t n;
	pk_val p;

	pk_list_append(vm, ports, pk_int(80));
	pk_list_append(vm, ports, pk_int(443));
	p = stack(vm, mk(vm, "IP", "dst", A_STR, "198.18.0.0/30", NULL),
	          mk(vm, "TCP", "dport", A_VAL, ports, NULL));
	assert_false(pk_is_undef(p));
	assert_int_equal(pk_packet_count(vm, p, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(pk_packet_expand(vm, p, collect_cb, &c), 0);
	assert_int_equal(c.n, 8);
	/* the lower layer is the outer loop */
	assert_string_equal(c.dst[0], "198.18.0.0");
	assert_int_equal(c.dport[0], 80);
	assert_string_equal(c.dst[1], "198.18.0.0");
	assert_int_equal(c.dport[1], 443);
	assert_string_equal(c.dst[7], "198.18.0.3");
	{
		struct pk_buf r = PK_BUF_INIT;

		pk_repr(vm, p, &r);
		assert_string_equal(
		    r.buf,
		    "<IP  frag=0 proto=tcp dst=Net(\"198.18.0.0/30\") |<TCP  dport=['http', 'https'] |>>");
		pk_buf_release(&r);
	}
	assert_int_equal(pk_packet_expand(vm, p, count_cb, NULL), 0);
	pk_decref(p);
	pk_decref(ports);
}

/* A protocol made at run time (as a user class would be), registered and
 * bound through the same functions as the built-in tables. */
static int has_extra(struct pk_vm *v, const struct pk_layer *l,
                     const struct pk_field *f)
{
	return l->f[2].u == 5; /* kind == 5 */
}

static const struct pk_enum_entry kinds_e[] = {{5, "five"}, {6, "six"}};
static const struct pk_enum kinds = PK_ENUM(kinds_e);

static void test_runtime_proto(void **state)
{
	struct pk_field *fs = calloc(8, sizeof(*fs));
	struct pk_proto *p = calloc(1, sizeof(*p));
	struct pk_binding b = {0};
	struct pk_buf r = PK_BUF_INIT;
	uint8_t wire[64];
	size_t n;
	pk_val x, d;

	fs[0] = (struct pk_field)PK_F_INT("le", 16, 0x1234, PK_FMT_HEX);
	fs[0].flags = PK_FF_LE;
	fs[1] = (struct pk_field)PK_F_INT("s", 8, 0, PK_FMT_DEC);
	fs[1].flags = PK_FF_SIGNED;
	fs[2] = (struct pk_field)PK_F_ENUM("kind", 3, 5, PK_FMT_ENUM, &kinds);
	fs[3] = (struct pk_field)PK_F_INT("pad", 5, 0, PK_FMT_DEC);
	fs[4] = (struct pk_field)PK_F_AUTO("dlen", 8, PK_FMT_DEC);
	fs[5] = (struct pk_field)PK_F_BYTES("data", "", 0);
	fs[5].rel = PK_REL_LEN;
	fs[5].ref = 4;
	fs[6] = (struct pk_field)PK_F_INT("extra", 16, 7, PK_FMT_DEC);
	fs[6].present = has_extra;
	fs[7] = (struct pk_field)PK_F_END;
	p->name = "Foo";
	p->title = "Foo header";
	p->fields = fs;
	p->nfields = 7;
	assert_int_equal(pk_registry_add_proto(vm, p, free, p), 0);
	assert_int_equal(pk_registry_add_proto(vm, p, free, fs), 0);
	b.lower = pk_proto_find(vm, "UDP");
	b.upper = p;
	b.c[0].field = "dport";
	b.c[0].value = 9999;
	assert_int_equal(pk_registry_bind(vm, &b), 0);
	assert_int_equal(pk_packet_register(vm), 0);

	/* build: LE, signed, bit fields, length from data, bound dport */
	x = mk(vm, "Foo", "s", A_INT, -2, "data", A_STR, "abc", NULL);
	if (pk_is_undef(x))
		fail_msg("%s", exc_text());
	x = stack(vm, mk(vm, "UDP", "sport", A_INT, 1, NULL), x);
	assert_false(pk_is_undef(x));
	{
		char hex[256];

		assert_int_equal(build_hex(vm, x, hex, sizeof(hex)), 0);
		/* UDP checksum is 0 without an IP layer, as scapy */
		assert_string_equal(hex,
		                    "0001270f001200003412fea0036162630007");
	}
	/* dissect back through the binding */
	n = unhex("0001270f0012000034127fc0036162630007", wire);
	assert_int_equal(
	    pk_packet_dissect(vm, pk_proto_find(vm, "UDP"), wire, n, &d), 0);
	assert_int_equal(pk_repr(vm, d, &r), 0);
	assert_string_equal(
	    r.buf,
	    "<UDP  sport=1 dport=9999 len=18 chksum=0x0 |<Foo  le=0x1234 "
	    "s=127 kind=six pad=0 dlen=3 data='abc' |<Raw  "
	    "load='\\x00\\x07' |>>>");
	pk_buf_release(&r);
	/* out of range for a signed byte */
	assert_true(pk_is_undef(mk(vm, "Foo", "s", A_INT, 128, NULL)));
	assert_string_equal(exc_text(),
	                    "ValueError: Foo.s: 128 does not fit in 8 bits");
	pk_decref(x);
	pk_decref(d);
}

/* Hostile input: random bytes as every registered class never crash,
 * and every result shows, reprs, summarizes and builds. */
static void test_random_bytes(void **state)
{
	const struct pk_proto **ps;
	size_t n = pk_registry_protos(vm, &ps), i;
	uint32_t seed = 12345;
	int k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 300; k++) {
			uint8_t buf[160];
			size_t len, j;
			struct pk_buf out = PK_BUF_INIT;
			pk_val p;

			seed = seed * 1103515245 + 12345;
			len = (seed >> 16) % sizeof(buf);
			for (j = 0; j < len; j++) {
				seed = seed * 1103515245 + 12345;
				buf[j] = (uint8_t)(seed >> 16);
			}
			/* a plausible start now and then: IPv4/IPv6 versions */
			if (len && k % 3 == 0)
				buf[0] = k % 2 ? 0x45 : 0x60;
			assert_int_equal(
			    pk_packet_dissect(vm, ps[i], buf, len, &p), 0);
			if (pk_packet_summary(vm, p, &out) < 0 ||
			    pk_layer_show(vm, pk_as_layer(p), &out, "", "") <
			        0 ||
			    pk_repr(vm, p, &out) < 0)
				fail_msg("%s: %s", ps[i]->name, exc_text());
			/* building may refuse odd values, never crash */
			if (pk_packet_build(vm, p, &out) < 0)
				exc_text();
			pk_buf_release(&out);
			pk_decref(p);
		}
	}
}

/* attrnames: a class lists its fields (keywords), a packet every layer's
 * fields and its methods (the CLI's completion and "did you mean"). */
struct names {
	char text[1024];
};

static void add_name(void *ctx, const char *name)
{
	struct names *n = ctx;

	strncat(n->text, name, sizeof(n->text) - strlen(n->text) - 2);
	strcat(n->text, " ");
}

static void test_attrnames(void **state)
{
	pk_val cls = pk_vm_get_global(vm, "UDP");
	pk_val p = stack(vm, mk(vm, "IP", NULL), mk(vm, "UDP", NULL));
	struct names n = {""};

	assert_true(pk_is_type(cls, &pk_type_proto));
	pk_attrnames(cls, add_name, &n);
	assert_string_equal(n.text, "sport dport len chksum ");
	n.text[0] = 0;
	assert_false(pk_is_undef(p));
	pk_attrnames(p, add_name, &n);
	assert_non_null(strstr(n.text, " ttl "));
	assert_non_null(strstr(n.text, " dport "));
	assert_non_null(strstr(n.text, "haslayer "));
	assert_non_null(strstr(n.text, "payload "));
	/* IP's and UDP's chksum and len: listed once */
	assert_null(strstr(strstr(n.text, " chksum ") + 1, " chksum "));
	assert_null(strstr(strstr(n.text, " len ") + 1, " len "));
	pk_decref(p);
}

/* MAC text as typed (scapy stores the string); dissection is lower case */
static void test_mac_spelling(void **state)
{
	pk_val p = mk(vm, "Ether", "src", A_STR, "AB:AC:DD:9F:3C:AB", "dst",
	              A_STR, "a:B:c:0d:E-1f", NULL);
	pk_val d = pk_undef(), v = pk_undef();
	struct pk_buf r = PK_BUF_INIT;

	assert_false(pk_is_undef(p));
	assert_int_equal(pk_repr(vm, p, &r), 0);
	assert_string_equal(
	    r.buf, "<Ether  dst=a:B:c:0d:E-1f src=AB:AC:DD:9F:3C:AB |>");
	pk_buf_reset(&r);
	assert_int_equal(pk_getattr(vm, p, pk_intern("src", 3), &v), 0);
	assert_true(pk_is_str(v));
	assert_string_equal(pk_as_str(v)->s, "AB:AC:DD:9F:3C:AB");
	pk_decref(v);
	assert_int_equal(pk_packet_build(vm, p, &r), 0);
	assert_memory_equal(
	    r.buf, "\x0a\x0b\x0c\x0d\x0e\x1f\xab\xac\xdd\x9f\x3c\xab", 12);
	assert_int_equal(
	    pk_packet_dissect(vm, &pk_proto_ether, r.buf, r.len, &d), 0);
	assert_int_equal(pk_getattr(vm, d, pk_intern("src", 3), &v), 0);
	assert_string_equal(pk_as_str(v)->s, "ab:ac:dd:9f:3c:ab");
	pk_decref(v);
	pk_buf_release(&r);
	pk_decref(d);
	pk_decref(p);
}

/*
 * conf.checkIPaddr, as the net module defines it, read through the
 * `conf` global: a stand-in object here, so no network module is needed.
 */
static bool check_ipaddr = true;

static int fakeconf_getattr(struct pk_vm *v, pk_val self, struct pk_str *name,
                            pk_val *out)
{
	if (strcmp(name->s, "checkIPaddr"))
		return PK_NOTIMPL;
	*out = pk_bool(check_ipaddr);
	return 0;
}

static void fakeconf_release(struct pk_obj *o)
{
	pk_xfree(o);
}

static const struct pk_type fakeconf_type = {
    .name = "Conf",
    .release = fakeconf_release,
    .getattr = fakeconf_getattr,
};

/* Does a reply from `rsrc` to `rdst` answer an echo request 198.18.0.1 ->
 * 198.18.0.2? Both the hash and answers() must agree. */
static bool echo_answers(const char *rsrc, const char *rdst)
{
	uint8_t bytes[64];
	pk_val q =
	    stack(vm,
	          mk(vm, "IP", "src", A_STR, "198.18.0.1", "dst", A_STR,
	             "198.18.0.2", NULL),
	          mk(vm, "ICMP", "type", A_INT, 8, "id", A_INT, 1, NULL));
	pk_val r = stack(
	    vm, mk(vm, "IP", "src", A_STR, rsrc, "dst", A_STR, rdst, NULL),
	    mk(vm, "ICMP", "type", A_INT, 0, "id", A_INT, 1, NULL));
	struct pk_buf b = PK_BUF_INIT, hq = PK_BUF_INIT, hr = PK_BUF_INIT;
	pk_val d = pk_undef();
	bool ans = false;
	size_t n;

	assert_int_equal(pk_packet_build(vm, r, &b), 0);
	n = b.len < sizeof(bytes) ? b.len : sizeof(bytes);
	memcpy(bytes, b.buf, n);
	assert_int_equal(pk_packet_dissect(vm, &pk_proto_ip, bytes, n, &d), 0);
	assert_int_equal(pk_packet_answers(vm, d, q, &ans), 0);
	assert_int_equal(pk_packet_hashret(vm, d, &hr), 0);
	assert_int_equal(pk_packet_hashret(vm, q, &hq), 0);
	assert_int_equal(ans,
	                 hr.len == hq.len && !memcmp(hr.buf, hq.buf, hr.len));
	pk_buf_release(&b);
	pk_buf_release(&hq);
	pk_buf_release(&hr);
	pk_decref(d);
	pk_decref(q);
	pk_decref(r);
	return ans;
}

static void test_check_ipaddr(void **state)
{
	pk_val conf;

	/* no `conf` global (the packet module alone): addresses count */
	assert_true(echo_answers("198.18.0.2", "198.18.0.1"));
	assert_false(echo_answers("198.18.0.9", "198.18.0.1"));
	assert_false(echo_answers("198.18.0.2", "198.18.0.7"));
	conf = pk_obj_take(pk_obj_alloc(&fakeconf_type, sizeof(struct pk_obj)));
	assert_int_equal(pk_vm_set_global(vm, "conf", conf), 0);
	pk_decref(conf);
	assert_false(echo_answers("198.18.0.9", "198.18.0.1"));
	check_ipaddr = false;
	assert_true(echo_answers("198.18.0.9", "198.18.0.1"));
	assert_true(echo_answers("198.18.0.2", "198.18.0.7"));
	check_ipaddr = true;
	assert_false(echo_answers("198.18.0.2", "198.18.0.7"));
	assert_true(echo_answers("198.18.0.2", "198.18.0.1"));
	/* a `conf` without the setting is the default */
	assert_int_equal(pk_vm_set_global(vm, "conf", pk_int(5)), 0);
	assert_false(echo_answers("198.18.0.9", "198.18.0.1"));
	assert_string_equal(exc_text(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_build_auto_fields),
	    cmocka_unit_test(test_build_tcp_options),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_field_names),
	    cmocka_unit_test(test_dissect_padding_and_raw),
	    cmocka_unit_test(test_truncated_round_trip),
	    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_runtime_proto),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_attrnames),
	    cmocka_unit_test(test_mac_spelling),
	    cmocka_unit_test(test_check_ipaddr),
	    cmocka_unit_test(test_div_aliasing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
