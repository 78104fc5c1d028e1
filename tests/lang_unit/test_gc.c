/*
 * test_gc.c - the cycle collector, the step budget and the memory
 * ceiling (value.h "CYCLES", vm.h, alloc.h).
 *
 * Cycles are checked by counting tracked objects (pk_gc_tracked) and the
 * bytes held through pk_xmalloc (pk_alloc_held): both must come back to
 * where they were once the cycles are dropped and collected. The ASan
 * build checks the same with LeakSanitizer at exit.
 */
#include "harness.h"

#include "pktsh/value.h"

static void run_ok(struct pk_vm *vm, const char *src, const char *want)
{
	struct run r;

	run_in(vm, src, PK_RUN_FILE, &r);
	if (r.st != PK_RUN_OK)
		print_error("program:\n%s\nfailed: %s\n", src, r.err.buf);
	assert_int_equal(r.st, PK_RUN_OK);
	if (want)
		assert_string_equal(r.out.buf, want);
	run_release(&r);
}

/* Each program makes cycles and drops them; collect and compare. */
static void test_cycles_freed(void **state)
{
	static const char *const progs[] = {
	    "l = [1]\nl.append(l)\ndel l",
	    "d = {}\nd['x'] = d\nd = None",
	    "t = ([],)\nt[0].append(t)\nt = 0",
	    "def f():\n    def g():\n        return g\n    return g\nh = f()\n"
	    "h = None\ndel f",
	    "a = []\nb = [a]\na.append(b)\nd = {'a': a, 'i': iter(a)}\n"
	    "a.append(d)\na.append(a.append)\ndel a, b, d",
	    "l = []\nm = map(len, [l])\nl.append(m)\nl = m = None",
	    "l = []\ne = ValueError(l)\nl.append(e)\nl = e = None",
	    "l = []\nv = {'l': l}.values()\nl.append(v)\nl = v = None",
	    "for i in range(50000):\n    a = []\n    a.append(a)\na = None",
	    /* lists and tuples are tracked lazily: every way in */
	    "a = [1]\nb = [a]\na.append(b)\ndel a, b",
	    "a = [(1, 2)]\na[0] = a\ndel a",
	    "a = [1, 2]\na[0:1] = [a, a]\ndel a",
	    "a = [1] * 3\na += [a]\ndel a",
	    "a = []\na.insert(0, a)\ndel a",
	    "a = []\na.extend([a])\ndel a",
	    "a = [x for x in [1]]\na.append(a)\ndel a",
	    "a = sorted([3, 1])\na.append(a)\ndel a",
	    "a = list((1, 2))\na.append(a)\ndel a",
	    "a = [1]\nt = (a,)\na.append(t)\ndel a, t",
	    "a = [1]\nt = ((1,), (a,))\na.append(t)\ndel a, t",
	    "a = [1]\nb = (a + [2])[0:1]\nb.append(b)\ndel a, b",
	    "d = {}\nl = [d]\nd['l'] = l\ndel d, l",
	    "def mk(n):\n    x = [n]\n    def f():\n        return x, f\n"
	    "    x.append(f)\n    return len(x)\n"
	    "s = 0\nfor i in range(20000):\n    s += mk(i)\ndel mk",
	};
	struct pk_vm *vm = pk_vm_new();
	size_t i, base;

	assert_non_null(vm);
	pk_gc_collect();
	base = pk_gc_tracked();
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		run_ok(vm, progs[i], NULL);
		pk_gc_collect();
		if (pk_gc_tracked() != base)
			print_error("after:\n%s\n%zu tracked, %zu before\n",
			            progs[i], pk_gc_tracked(), base);
		assert_int_equal(pk_gc_tracked(), base);
	}
	pk_vm_free(vm);
}

/* Reachable cycles survive a collection, intact. */
static void test_live_cycles_kept(void **state)
{
	struct pk_vm *vm = pk_vm_new();

	assert_non_null(vm);
	run_ok(vm,
	       "l = [1, 'two']\nl.append(l)\nd = {'l': l}\nd['d'] = d\n"
	       "def f():\n    return f\n",
	       NULL);
	assert_true(pk_gc_collect() == 0);
	run_ok(vm,
	       "print(l, d['l'][2][1], d['d']['d'] is d, f() is f)\n"
	       "x = [[i] for i in range(30000)]\nprint(sum(len(y) for y in x))",
	       "[1, 'two', [...]] two True True\n30000\n");
	pk_vm_free(vm);
}

/* The collector runs by itself in a loop: memory stays flat. */
static void test_collects_in_loops(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	size_t before, after;

	assert_non_null(vm);
	run_ok(vm, "for i in range(1000):\n    a = [i]\n    a.append(a)\n",
	       NULL);
	before = pk_alloc_held();
	run_ok(vm,
	       "for i in range(300000):\n    a = [i, 'x' * 100]\n"
	       "    a.append(a)\n",
	       NULL);
	after = pk_alloc_held();
	/* 300000 leaked cycles would hold > 60 MB */
	assert_true(after < before + ((size_t)8 << 20));
	pk_vm_free(vm);
}

static void test_repr_of_cycles(void **state)
{
	struct pk_vm *vm = pk_vm_new();

	assert_non_null(vm);
	run_ok(vm,
	       "l = [1]\nl.append(l)\nd = {'x': 1}\nd['d'] = d\n"
	       "t = ([],)\nt[0].append(t)\n"
	       "print(l, d, t)\nprint(str(l), repr(d), f'{l}')\n"
	       "m = [l, l]\nprint(m)\n",
	       "[1, [...]] {'x': 1, 'd': {...}} ([(...)],)\n"
	       "[1, [...]] {'x': 1, 'd': {...}} [1, [...]]\n"
	       "[[1, [...]], [1, [...]]]\n");
	pk_vm_free(vm);
}

static void test_step_budget(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	assert_non_null(vm);
	pk_vm_set_step_budget(vm, 5000);
	run_in(vm, "i = 0\nwhile True:\n    i += 1", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(r.err.buf, "<string>:2:1: error: RuntimeError: "
	                               "step budget exhausted (5000 steps)");
	run_release(&r);
	/* except cannot outrun it */
	pk_vm_set_step_budget(vm, 5000);
	run_in(vm,
	       "while True:\n    try:\n        while True:\n            pass\n"
	       "    except RuntimeError:\n        pass",
	       PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_non_null(strstr(r.err.buf, "step budget exhausted"));
	run_release(&r);
	/* calls count too */
	pk_vm_set_step_budget(vm, 5000);
	run_in(vm,
	       "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nf(40)",
	       PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_non_null(strstr(r.err.buf, "step budget exhausted"));
	run_release(&r);
	/* within the budget a program runs as before, and steps counted */
	pk_vm_set_step_budget(vm, 100000);
	run_ok(vm, "s = 0\nfor i in range(1000):\n    s += i\nprint(s)",
	       "499500\n");
	assert_true(pk_vm_steps(vm) >= 1000 && pk_vm_steps(vm) < 1100);
	/* 0: no budget */
	pk_vm_set_step_budget(vm, 0);
	run_ok(vm, "s = 0\nfor i in range(200000):\n    s += 1\nprint(s)",
	       "200000\n");
	pk_vm_free(vm);
}

static void test_memory_limit(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	size_t v, old = pk_alloc_limit();
	char buf[32];
	struct run r;

	assert_non_null(vm);
	assert_int_equal(pk_alloc_parse_size("64M", &v), 0);
	assert_true(v == (size_t)64 << 20);
	assert_int_equal(pk_alloc_parse_size("2GiB", &v), 0);
	assert_true(v == (size_t)2 << 30);
	assert_int_equal(pk_alloc_parse_size("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(pk_alloc_parse_size("none", &v), 0);
	assert_true(v == 0);
	assert_int_equal(pk_alloc_parse_size("lots", &v), -1);
	assert_int_equal(pk_alloc_parse_size("12Q", &v), -1);
	pk_alloc_format_size(buf, sizeof(buf), (size_t)8 << 30);
	assert_string_equal(buf, "8 GiB");
	pk_alloc_format_size(buf, sizeof(buf), 1000);
	assert_string_equal(buf, "1000 bytes");

	pk_alloc_set_limit(pk_alloc_held() + ((size_t)16 << 20));
	run_in(vm, "x = 'x'\nwhile True:\n    x = x + x", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_non_null(strstr(r.err.buf, "MemoryError: memory limit of "));
	assert_non_null(strstr(r.err.buf, "PKTSH_MEMORY_LIMIT"));
	run_release(&r);
	/* the session goes on, below the limit */
	run_ok(vm, "x = None\nprint(len([0] * 1000))", "1000\n");
	pk_alloc_set_limit(old);
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cycles_freed),
	    cmocka_unit_test(test_live_cycles_kept),
	    cmocka_unit_test(test_collects_in_loops),
	    cmocka_unit_test(test_repr_of_cycles),
	    cmocka_unit_test(test_step_budget),
	    cmocka_unit_test(test_memory_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
