/*
 * test_volatile.c - volatile values at the C level: pk_is_volatile,
 * pk_volatile_draw, seeding, ranges and limits. Needs no packet hook.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pktsh/packet.h"
#include "pktsh/vm.h"
#include "pktsh/volatile.h"

static struct pk_vm *new_vm(uint64_t seed)
{
	struct pk_vm *vm = pk_vm_new();

	assert_non_null(vm);
	assert_int_equal(pk_volatile_register(vm), 0);
	assert_int_equal(pk_volatile_seed(vm, seed), 0);
	return vm;
}

/* Evaluate `expr` into a new reference. */
static pk_val eval(struct pk_vm *vm, const char *expr)
{
	char src[512];
	pk_val v;

	snprintf(src, sizeof(src), "_v = %s\n", expr);
	assert_int_equal(
	    pk_vm_run(vm, src, strlen(src), "<test>", 1, PK_RUN_FILE),
	    PK_RUN_OK);
	v = pk_vm_get_global(vm, "_v");
	return pk_incref(v);
}

/* "ExcName: message" of the error `src` stops with. */
static const char *run_error(struct pk_vm *vm, const char *src)
{
	static char text[512];
	struct pk_error_info e;

	assert_int_equal(
	    pk_vm_run(vm, src, strlen(src), "<test>", 1, PK_RUN_FILE),
	    PK_RUN_ERROR);
	pk_vm_error(vm, &e);
	snprintf(text, sizeof(text), "%s: %s", e.exc_name, e.message);
	pk_vm_clear_error(vm);
	return text;
}

static int64_t draw_int(struct pk_vm *vm, pk_val v)
{
	pk_val d;

	assert_int_equal(pk_volatile_draw(vm, v, &d), 0);
	assert_true(pk_is_int(d));
	return d.u.i;
}

static void test_is_volatile(void **state)
{
	struct pk_vm *vm = new_vm(1);
	pk_val v = eval(vm, "RandShort()"), s = pk_str_cstr(vm, "x"), d;

	assert_true(pk_is_volatile(v));
	assert_false(pk_is_volatile(pk_int(5)));
	assert_false(pk_is_volatile(s));
	assert_false(pk_is_volatile(pk_undef()));
	/* a concrete value draws as itself */
	assert_int_equal(pk_volatile_draw(vm, pk_int(5), &d), 0);
	assert_true(pk_is_int(d) && d.u.i == 5);
	assert_int_equal(pk_volatile_draw(vm, s, &d), 0);
	assert_ptr_equal(d.u.o, s.u.o);
	pk_decref(d);
	pk_decref(s);
	pk_decref(v);
	pk_vm_free(vm);
}

/* Every numeric class stays in its range and reaches both ends. */
static void test_ranges(void **state)
{
	static const struct {
		const char *expr;
		int64_t lo, hi;
		bool ends; /* both ends reachable in 20000 draws */
	} t[] = {
	    {"RandByte()", 0, 255, true},
	    {"RandSByte()", -128, 127, true},
	    {"RandShort()", 0, 65535, false},
	    {"RandSShort()", -32768, 32767, false},
	    {"RandInt()", 0, 4294967295, false},
	    {"RandSInt()", -2147483648, 2147483647, false},
	    {"RandLong()", 0, INT64_MAX, false},
	    {"RandSLong()", INT64_MIN, INT64_MAX, false},
	    {"RandNum(-3, 3)", -3, 3, true},
	    {"RandNum(7, 7)", 7, 7, true},
	};
	struct pk_vm *vm = new_vm(2);
	size_t k;
	int i;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		pk_val v = eval(vm, t[k].expr);
		int64_t mn = INT64_MAX, mx = INT64_MIN;

		for (i = 0; i < 20000; i++) {
			int64_t x = draw_int(vm, v);

			assert_true(x >= t[k].lo && x <= t[k].hi);
			mn = x < mn ? x : mn;
			mx = x > mx ? x : mx;
		}
		if (t[k].ends) {
			assert_true(mn == t[k].lo);
			assert_true(mx == t[k].hi);
		} else {
			/* spread over the range, not stuck in a corner */
			assert_true((double)mn - (double)t[k].lo <
			            ((double)t[k].hi - (double)t[k].lo) / 100);
			assert_true((double)t[k].hi - (double)mx <
			            ((double)t[k].hi - (double)t[k].lo) / 100);
		}
		pk_decref(v);
	}
	pk_vm_free(vm);
}

/* Ten buckets of 10000 draws each get about a tenth (no modulo bias). */
static void test_uniform(void **state)
{
	struct pk_vm *vm = new_vm(3);
	pk_val v = eval(vm, "RandNum(0, 9)");
	int n[10] = {0}, i;

	for (i = 0; i < 100000; i++)
		n[draw_int(vm, v)]++;
	for (i = 0; i < 10; i++)
		assert_true(n[i] > 9500 && n[i] < 10500);
	pk_decref(v);
	pk_vm_free(vm);
}

/* The same seed gives the same draws, another seed others. */
static void test_seed(void **state)
{
	struct pk_vm *a = new_vm(42), *b = new_vm(42), *c = new_vm(43);
	pk_val va = eval(a, "RandInt()"), vb = eval(b, "RandInt()");
	pk_val vc = eval(c, "RandInt()");
	int i, same_c = 0;

	for (i = 0; i < 100; i++) {
		int64_t x = draw_int(a, va), y = draw_int(b, vb);

		assert_true(x == y);
		same_c += draw_int(c, vc) == x;
	}
	assert_true(same_c < 5);
	/* reseeding starts the sequence again */
	assert_int_equal(pk_volatile_seed(a, 7), 0);
	assert_int_equal(pk_volatile_seed(b, 7), 0);
	assert_true(draw_int(a, va) == draw_int(b, vb));
	pk_decref(va);
	pk_decref(vb);
	pk_decref(vc);
	pk_vm_free(a);
	pk_vm_free(b);
	pk_vm_free(c);
}

static void test_addresses(void **state)
{
	struct pk_vm *vm = new_vm(4);
	pk_val ip = eval(vm, "RandIP('198.18.0.0/15')");
	pk_val ip6 = eval(vm, "RandIP6('2001:db8::/32')");
	pk_val tpl = eval(vm, "RandIP6('2001:db8:**')");
	pk_val mac = eval(vm, "RandMAC('02:00-0f')");
	int i;

	for (i = 0; i < 1000; i++) {
		pk_val d;
		uint8_t a[16];

		assert_int_equal(pk_volatile_draw(vm, ip, &d), 0);
		assert_true(pk_is_str(d));
		assert_int_equal(inet_pton(AF_INET, pk_as_str(d)->s, a), 1);
		assert_true(a[0] == 198 && (a[1] & 0xfe) == 18);
		pk_decref(d);

		assert_int_equal(pk_volatile_draw(vm, ip6, &d), 0);
		assert_int_equal(inet_pton(AF_INET6, pk_as_str(d)->s, a), 1);
		assert_memory_equal(a, "\x20\x01\x0d\xb8", 4);
		pk_decref(d);

		assert_int_equal(pk_volatile_draw(vm, tpl, &d), 0);
		assert_int_equal(inet_pton(AF_INET6, pk_as_str(d)->s, a), 1);
		assert_memory_equal(a, "\x20\x01\x0d\xb8", 4);
		/* scapy's text: eight %04x groups */
		assert_int_equal(pk_as_str(d)->len, 39);
		pk_decref(d);

		assert_int_equal(pk_volatile_draw(vm, mac, &d), 0);
		assert_int_equal(pk_as_str(d)->len, 17);
		assert_memory_equal(pk_as_str(d)->s, "02:0", 4);
		pk_decref(d);
	}
	pk_decref(ip);
	pk_decref(ip6);
	pk_decref(tpl);
	pk_decref(mac);
	pk_vm_free(vm);
}

static void test_strings(void **state)
{
	struct pk_vm *vm = new_vm(5);
	pk_val s = eval(vm, "RandString(8, b'ab')");
	pk_val b = eval(vm, "RandBin(RandNum(3, 5))");
	pk_val dflt = eval(vm, "RandString()");
	int i, lens[6] = {0};
	size_t k, total = 0;

	for (i = 0; i < 300; i++) {
		pk_val d;

		assert_int_equal(pk_volatile_draw(vm, s, &d), 0);
		assert_true(pk_is_bytes(d));
		assert_int_equal(pk_as_bytes(d)->len, 8);
		for (k = 0; k < 8; k++)
			assert_true(pk_as_bytes(d)->b[k] == 'a' ||
			            pk_as_bytes(d)->b[k] == 'b');
		pk_decref(d);

		assert_int_equal(pk_volatile_draw(vm, b, &d), 0);
		assert_true(pk_as_bytes(d)->len >= 3 &&
		            pk_as_bytes(d)->len <= 5);
		lens[pk_as_bytes(d)->len]++;
		pk_decref(d);

		assert_int_equal(pk_volatile_draw(vm, dflt, &d), 0);
		total += pk_as_bytes(d)->len;
		for (k = 0; k < pk_as_bytes(d)->len; k++) {
			uint8_t c = pk_as_bytes(d)->b[k];

			assert_true((c >= 'A' && c <= 'Z') ||
			            (c >= 'a' && c <= 'z') ||
			            (c >= '0' && c <= '9'));
		}
		pk_decref(d);
	}
	assert_true(lens[3] && lens[4] && lens[5]);
	/* scapy's default size: exponential with mean 100 */
	assert_true(total / 300 > 70 && total / 300 < 130);
	pk_decref(s);
	pk_decref(b);
	pk_decref(dflt);
	pk_vm_free(vm);
}

/* RandEnumKeys draws every key once per round, like scapy's. */
static void test_enumkeys(void **state)
{
	struct pk_vm *vm = new_vm(6);
	pk_val v = eval(vm, "RandEnumKeys({1: 'a', 2: 'b', 3: 'c', 4: 'd'})");
	int round, i;

	for (round = 0; round < 5; round++) {
		int seen = 0;

		for (i = 0; i < 4; i++) {
			int64_t k = draw_int(vm, v);

			assert_true(k >= 1 && k <= 4);
			assert_false(seen & (1 << k));
			seen |= 1 << k;
		}
	}
	pk_decref(v);
	pk_vm_free(vm);
}

/* Sizes past the maximum fail at once, before any allocation. */
static void test_limits(void **state)
{
	struct pk_vm *vm = new_vm(7);

	assert_string_equal(run_error(vm, "RandString(10**10)"),
	                    "ValueError: RandString() size 10000000000 is "
	                    "larger than the maximum 16777216");
	assert_string_equal(run_error(vm, "RandBin(RandNum(0, 2**40))"),
	                    "ValueError: RandBin() size 1099511627776 is "
	                    "larger than the maximum 16777216");
	assert_string_equal(run_error(vm, "RandString(-1)"),
	                    "ValueError: RandString() size -1 is negative");
	assert_string_equal(run_error(vm, "RandNum(0, 10**30)"),
	                    "OverflowError: integer overflow");
	assert_string_equal(run_error(vm, "RandNum(5, 1)"),
	                    "ValueError: empty range for RandNum(5, 1)");
	pk_vm_free(vm);
}

/* RandChoice(RandChoice(...)) 100000 deep: RecursionError, no crash. */
static void test_deep_choice(void **state)
{
	struct pk_vm *vm = new_vm(8);
	static const char src[] = "x = 1\n"
	                          "for i in range(100000):\n"
	                          "    x = RandChoice(x)\n";
	pk_val x, d;

	assert_int_equal(
	    pk_vm_run(vm, src, strlen(src), "<test>", 1, PK_RUN_FILE),
	    PK_RUN_OK);
	x = pk_vm_get_global(vm, "x");
	assert_int_equal(pk_volatile_draw(vm, x, &d), -1);
	pk_vm_clear_error(vm);
	/* shallow nesting draws through */
	x = eval(vm, "RandChoice(RandChoice(RandNum(3, 3)))");
	assert_int_equal(draw_int(vm, x), 3);
	pk_decref(x);
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_volatile), cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_uniform),     cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_addresses),   cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_enumkeys),    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_deep_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
