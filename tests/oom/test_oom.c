/*
 * test_oom.c - out of memory at every allocation, SQLite style.
 *
 * Each program runs with pk_alloc_fail_after(N) for N = 0, 1, 2, ...
 * until a run finishes without an injected failure. Every run must either
 * succeed or stop with a MemoryError (never another exception made up by
 * a failed allocation, never a crash), and the VM must still run a
 * statement afterwards. The ASan build's leak checker then finds anything
 * a failed path forgot to free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "pktsh/vm.h"

static void sink(void *ctx, const char *s, size_t len)
{
}

static struct pk_vm *open_vm(void)
{
	struct pk_vm *vm = pktsh_open();

	assert_non_null(vm);
	pk_vm_set_output(vm, sink, NULL);
	pk_vm_set_errout(vm, sink, NULL);
	return vm;
}

/* The VM answers after whatever happened to it. */
static void check_alive(struct pk_vm *vm, const char *prog, long n)
{
	static const char probe[] = "__oom_probe = len([1, 2, 3]) * 2";
	enum pk_run_status st;
	pk_val v;

	st = pk_vm_run(vm, probe, sizeof(probe) - 1, "<probe>", 1, PK_RUN_FILE);
	if (st != PK_RUN_OK) {
		struct pk_buf b = PK_BUF_INIT;

		pk_vm_format_error(vm, &b);
		fail_msg(
		    "VM dead after OOM at allocation %ld of:\n%s\nprobe: %s", n,
		    prog, b.buf);
	}
	v = pk_vm_get_global(vm, "__oom_probe");
	assert_true(pk_is_int(v) && v.u.i == 6);
}

/*
 * Run `prog` failing allocation n, n+1, ... (every later one fails too:
 * a real exhausted heap). Returns the number of runs until success.
 */
static long run_until_success(const char *prog)
{
	long n;

	for (n = 0;; n++) {
		struct pk_vm *vm = open_vm();
		enum pk_run_status st;
		long failed;

		pk_alloc_fail_after(n);
		st = pk_vm_run(vm, prog, strlen(prog), "<oom>", 1, PK_RUN_FILE);
		failed = pk_alloc_fail_after(-1);
		if (st == PK_RUN_ERROR) {
			struct pk_error_info e;

			pk_vm_error(vm, &e);
			if (!e.exc_name || strcmp(e.exc_name, "MemoryError")) {
				struct pk_buf b = PK_BUF_INIT;

				pk_vm_format_error(vm, &b);
				fail_msg(
				    "OOM at allocation %ld gave '%s' instead of "
				    "MemoryError, program:\n%s",
				    n, b.buf, prog);
			}
			assert_true(failed > 0);
			pk_vm_clear_error(vm);
		} else if (st != PK_RUN_OK) {
			fail_msg(
			    "OOM at allocation %ld: status %d, program:\n%s", n,
			    (int)st, prog);
		}
		check_alive(vm, prog, n);
		pk_vm_free(vm);
		if (st == PK_RUN_OK && failed == 0)
			return n;
		/* A run may succeed while allocations failed (a cache it can
		 * do without): go on until one needs no failure at all. */
		if (n > 100000)
			fail_msg("no success after %ld allocations:\n%s", n,
			         prog);
	}
}

static void test_vm_open(void **state)
{
	long n;

	for (n = 0; n < 100000; n++) {
		struct pk_vm *vm;
		long failed;

		pk_alloc_fail_after(n);
		vm = pktsh_open();
		failed = pk_alloc_fail_after(-1);
		if (vm) {
			pk_vm_set_output(vm, sink, NULL);
			check_alive(vm, "pktsh_open()", n);
			pk_vm_free(vm);
			if (!failed)
				return;
		}
	}
	fail_msg("pktsh_open never succeeded");
}

#define PROGRAM_TEST(name, text)                                               \
	static void name(void **state)                                         \
	{                                                                      \
		long n = run_until_success(text);                              \
		print_message("%s: %ld allocation points\n", #name, n);        \
	}

PROGRAM_TEST(test_lang,
             "x = [i * 2 for i in range(40)]\n"
             "d = {str(k): k for k in x}\n"
             "s = ','.join(d) + '%d-%s' % (3, 'x') + f'{len(x):04}'\n"
             "def f(a, b=2):\n"
             "    return a + b\n"
             "y = f(1) + len(s)\n"
             "t = (1, 'a', [2.5, None])\n"
             "r = repr(t) + str(sorted(x, reverse=True)[:3])\n")

PROGRAM_TEST(test_exceptions, "try:\n"
                              "    {}['missing']\n"
                              "except KeyError as e:\n"
                              "    m = str(e)\n"
                              "try:\n"
                              "    IP(ttl=300)\n"
                              "except ValueError as e:\n"
                              "    m2 = str(e)\n"
                              "try:\n"
                              "    undefined_name\n"
                              "except NameError:\n"
                              "    m3 = 'ok'\n")

PROGRAM_TEST(test_build,
             "p = Ether(dst='02:00:00:00:00:02')/IP(dst='198.18.0.1')/"
             "TCP(dport=80, flags='S', options=[('MSS', 1460), ('NOP', None)])/"
             "Raw(load=b'abc')\n"
             "b = raw(p)\n"
             "q = IPv6(dst='2001:db8::1')/ICMPv6EchoRequest(data=b'xy')\n"
             "b2 = raw(q)\n"
             "u = raw(IP(dst='198.18.0.1')/UDP(dport=53)/"
             "DNS(qd=DNSQR(qname='example.com')))\n")

PROGRAM_TEST(test_dissect,
             "p = Ether(hex_bytes('0220823cfde602f1c26b30f908004500003700010000"
             "a3110506c61243a3c61242e75cc3003500235d6b5f7400000001000000000000"
             "096c6f63616c686f737400001c0001'))\n"
             "s = p.summary()\n"
             "n = p[DNS].qd.qname\n"
             "h = p.haslayer(UDP)\n"
             "c = p.copy()\n")

PROGRAM_TEST(test_show,
             "p = IP(dst='198.18.0.1', options=[IPOption_RR()])/UDP()/"
             "DNS(qd=DNSQR(qname='example.com'))\n"
             "p.show()\n"
             "p.show2()\n"
             "r = repr(p)\n"
             "hexdump(p)\n"
             "ls(TCP)\n")

PROGRAM_TEST(test_sets, "l = [x for x in IP(dst='198.18.0.0/30', ttl=(1, 3))/"
                        "TCP(dport=[80, 443])]\n"
                        "n = len(l)\n"
                        "s = [x.summary() for x in l[:3]]\n")

/*
 * A program that still fails under fault injection is reported to its
 * owner (docs/robustness.md) and runs as `test_oom known`, which ctest
 * expects to fail, until fixed. None is left: test_build, test_show and
 * test_dissect (E1, E8, L5) pass since session 2.
 */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_open),    cmocka_unit_test(test_lang),
	    cmocka_unit_test(test_exceptions), cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_build),      cmocka_unit_test(test_show),
	    cmocka_unit_test(test_dissect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
