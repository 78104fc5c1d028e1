/*
 * test_eval.c - the evaluator, through pk_vm_run(): programs and what
 * CPython prints for them, error messages with positions, the session
 * surviving errors, recursion and size limits, Ctrl-C, exit(), and
 * allocation failure at every step.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

static const struct {
	const char *src, *want;
} cases[] = {
#include "eval_cases.inc"
};

static void test_programs(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_output(cases[i].src, cases[i].want);
}

static const struct {
	const char *src, *want;
} errors[] = {
    {"Ether = 1\nx = Ehter",
     "<string>:2:5: error: NameError: name 'Ehter' is not defined (did you mean 'Ether'?)"},
    {"1 + 'a'",
     "<string>:1:1: error: TypeError: unsupported operand type(s) for +: 'int' and 'str'"},
    {"x = 'a' + 1",
     "<string>:1:5: error: TypeError: can only concatenate str (not \"int\") to str"},
    {"x = 5\nx()",
     "<string>:2:1: error: TypeError: 'int' object is not callable"},
    {"l = [1]\nprint(l[3])",
     "<string>:2:7: error: IndexError: list index out of range"},
    {"'a'.uper()",
     "<string>:1:1: error: AttributeError: 'str' object has no attribute 'uper' (did you mean 'upper'?)"},
    {"x = 1\nx.y = 2",
     "<string>:2:1: error: AttributeError: 'int' object has no attribute 'y'"},
    {"1/0", "<string>:1:1: error: ZeroDivisionError: division by zero"},
    {"1//0",
     "<string>:1:1: error: ZeroDivisionError: integer division or modulo by zero"},
    {"1.0/0", "<string>:1:1: error: ZeroDivisionError: float division by zero"},
    {"99999999999999999999",
     "<string>:1:1: error: OverflowError: integer overflow"},
    {"x = 2**63", "<string>:1:5: error: OverflowError: integer overflow"},
    {"x = 9223372036854775807 + 1",
     "<string>:1:5: error: OverflowError: integer overflow"},
    {"x = 1 << 64", "<string>:1:5: error: OverflowError: integer overflow"},
    {"x = 'x' * 10**12", "<string>:1:5: error: MemoryError"},
    {"x = [0] * 10**12", "<string>:1:5: error: MemoryError"},
    {"x = list(range(10**18))", "<string>:1:5: error: MemoryError"},
    {"raise ValueError", "<string>:1:1: error: ValueError"},
    {"raise ValueError('bad value')",
     "<string>:1:1: error: ValueError: bad value"},
    {"raise 5",
     "<string>:1:1: error: TypeError: exceptions must derive from BaseException"},
    {"raise",
     "<string>:1:1: error: RuntimeError: No active exception to reraise"},
    {"d = {}\nd['k']", "<string>:2:1: error: KeyError: 'k'"},
    {"def f(a): pass\nf(1, 2)",
     "<string>:2:1: error: TypeError: f() takes 1 positional argument but 2 were given"},
    {"def f(a): pass\nf(b=1)",
     "<string>:2:1: error: TypeError: f() got an unexpected keyword argument 'b'"},
    {"def f(count): pass\nf(cuont=1)",
     "<string>:2:1: error: TypeError: f() got an unexpected keyword argument 'cuont' (did you mean 'count'?)"},
    {"def f(a, b): pass\nf()",
     "<string>:2:1: error: TypeError: f() missing 2 required positional arguments: 'a' and 'b'"},
    {"def f(a, b): pass\nf(1, a=2)",
     "<string>:2:1: error: TypeError: f() got multiple values for argument 'a'"},
    {"x, y = 1, 2, 3",
     "<string>:1:1: error: ValueError: too many values to unpack (expected 2)"},
    {"x, y, z = 1, 2",
     "<string>:1:1: error: ValueError: not enough values to unpack (expected 3, got 2)"},
    {"a, b = 1",
     "<string>:1:1: error: TypeError: cannot unpack non-iterable int object"},
    {"def f():\n    print(x)\n    x = 1\nf()",
     "<string>:2:11: error: NameError: cannot access local variable 'x' where it is not associated with a value"},
    {"def f():\n    return 1 + None\nf()",
     "<string>:2:12: error: TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'"},
    {"def f(n):\n    return f(n + 1)\nf(0)",
     "<string>:2:12: error: RecursionError: maximum recursion depth exceeded"},
    {"len(5)",
     "<string>:1:1: error: TypeError: object of type 'int' has no len()"},
    {"for x in 5: pass",
     "<string>:1:10: error: TypeError: 'int' object is not iterable"},
    {"x = 3 in 4",
     "<string>:1:5: error: TypeError: argument of type 'int' is not iterable"},
    {"x = 1 < 'a'",
     "<string>:1:5: error: TypeError: '<' not supported between instances of 'int' and 'str'"},
    {"x = {[1]: 2}", "<string>:1:5: error: TypeError: unhashable type: 'list'"},
    {"t = (1, 2)\nt[0] = 5",
     "<string>:2:1: error: TypeError: 'tuple' object does not support item assignment"},
    {"x = 1\nx[0]",
     "<string>:2:1: error: TypeError: 'int' object is not subscriptable"},
    {"int('12a')",
     "<string>:1:1: error: ValueError: invalid literal for int() with base 10: '12a'"},
    {"assert 1 == 2", "<string>:1:1: error: AssertionError"},
    {"assert False, 'why ' + 'not'",
     "<string>:1:1: error: AssertionError: why not"},
    {"del undefined_thing",
     "<string>:1:5: error: NameError: name 'undefined_thing' is not defined"},
    {"x = -'a'",
     "<string>:1:5: error: TypeError: bad operand type for unary -: 'str'"},
    {"'%d' % 'x'",
     "<string>:1:1: error: TypeError: %d format: a real number is required, not str"},
    {"'%s %s' % (1,)",
     "<string>:1:1: error: TypeError: not enough arguments for format string"},
    {"'%s' % (1, 2)",
     "<string>:1:1: error: TypeError: not all arguments converted during string formatting"},
    {"print(1, sepp='')",
     "<string>:1:1: error: TypeError: print() got an unexpected keyword argument 'sepp'"},
    {"try:\n    1/0\nexcept 5:\n    pass",
     "<string>:3:8: error: TypeError: catching classes that do not inherit from BaseException is not allowed"},
    {"try:\n    1/0\nfinally:\n    print('fin')",
     "<string>:2:5: error: ZeroDivisionError: division by zero"},
    {"x = {}\nx.nope",
     "<string>:2:1: error: AttributeError: 'dict' object has no attribute 'nope'"},
    {"bytes.fromhexx('00')",
     "<string>:1:1: error: AttributeError: type object 'bytes' has no attribute 'fromhexx' (did you mean 'fromhex'?)"},
    {"chr(-1)",
     "<string>:1:1: error: ValueError: chr() arg not in range(0x110000)"},
    {"min([])",
     "<string>:1:1: error: ValueError: min() arg is an empty sequence"},
    {"next(iter([]))", "<string>:1:1: error: StopIteration"},
    {"[1, 2].index(5)", "<string>:1:1: error: ValueError: 5 is not in list"},
    {"range(1, 2, 0)",
     "<string>:1:1: error: ValueError: range() arg 3 must not be zero"},
};

/* ranges at the ends of the 64-bit ints */
static void test_range_limits(void **state)
{
	expect_output(
	    "for i in range(9223372036854775000, 9223372036854775807, 500):\n"
	    "    print(i)\n"
	    "print(list(range(-9223372036854775807 - 1, 9223372036854775807, 9223372036854775807)))\n"
	    "print(list(range(5, -9223372036854775807 - 1, -9223372036854775807)))\n"
	    "r = range(-9223372036854775807 - 1, 9223372036854775807)\n"
	    "print(r[0], r[-1], 0 in r, sum(range(10**6)))\n",
	    "9223372036854775000\n9223372036854775500\n"
	    "[-9223372036854775808, -1, 9223372036854775806]\n"
	    "[5, -9223372036854775802]\n"
	    "-9223372036854775808 9223372036854775806 True 499999500000\n");
	expect_error(
	    "len(range(-9223372036854775807 - 1, 9223372036854775807))",
	    "<string>:1:1: error: OverflowError: Python int too large to convert to C ssize_t");
}

static void test_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		expect_error(errors[i].src, errors[i].want);
}

/* the output before an error is kept, and so is every completed
 * assignment */
static void test_session_survives(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;
	pk_val v;

	run_in(
	    vm,
	    "a = 1\nfor i in range(5):\n    last = i\n    if i == 3:\n        undefined\nc = 3\n",
	    PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(
	    r.err.buf,
	    "<string>:5:9: error: NameError: name 'undefined' is not defined");
	run_release(&r);
	v = pk_vm_get_global(vm, "a");
	assert_true(pk_is_int(v) && v.u.i == 1);
	v = pk_vm_get_global(vm, "last");
	assert_true(pk_is_int(v) && v.u.i == 3);
	assert_true(pk_is_undef(pk_vm_get_global(vm, "c")));
	/* the next run sees them, and the error is gone */
	run_in(vm, "print(a, last)", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "1 3\n");
	run_release(&r);
	/* a function defined in one run is callable in the next */
	run_in(vm, "def sq(x):\n    return x * x\n", PK_RUN_FILE, &r);
	run_release(&r);
	run_in(vm, "print(sq(7))\nprint(sq(None))", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(r.out.buf, "49\n");
	assert_string_equal(
	    r.err.buf,
	    "<string>:2:12: error: TypeError: unsupported operand type(s) for *: 'NoneType' and 'NoneType'");
	run_release(&r);
	pk_vm_free(vm);
}

static void test_single_mode_echo(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	run_in(vm, "1 + 1", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "2\n");
	run_release(&r);
	run_in(vm, "None", PK_RUN_SINGLE, &r);
	assert_string_equal(r.out.buf, "");
	run_release(&r);
	run_in(vm, "'a'; b'x'; print('p')", PK_RUN_SINGLE, &r);
	assert_string_equal(r.out.buf, "'a'\nb'x'\np\n");
	run_release(&r);
	run_in(vm, "for i in range(2):\n    i\n\n", PK_RUN_SINGLE, &r);
	assert_string_equal(r.out.buf, "0\n1\n");
	run_release(&r);
	/* not inside functions */
	run_in(vm, "def f():\n    5\n\n", PK_RUN_SINGLE, &r);
	run_release(&r);
	run_in(vm, "f()", PK_RUN_SINGLE, &r);
	assert_string_equal(r.out.buf, "");
	run_release(&r);
	/* a file echoes nothing */
	run_in(vm, "1 + 1", PK_RUN_FILE, &r);
	assert_string_equal(r.out.buf, "");
	run_release(&r);
	pk_vm_free(vm);
}

static void test_exit(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	run_in(vm, "print('a')\nexit(3)\nprint('b')", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_EXIT);
	assert_int_equal(pk_vm_exit_code(vm), 3);
	assert_string_equal(r.out.buf, "a\n");
	run_release(&r);
	run_in(vm, "quit()", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_EXIT);
	assert_int_equal(pk_vm_exit_code(vm), 0);
	run_release(&r);
	/* SystemExit can be caught like in Python */
	run_in(
	    vm,
	    "try:\n    exit(1)\nexcept SystemExit as e:\n    print('caught', e.code)",
	    PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "caught 1\n");
	run_release(&r);
	pk_vm_free(vm);
}

static void test_interrupt(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	pk_interrupt();
	run_in(vm, "n = 0\nwhile True:\n    n += 1", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(r.err.buf,
	                    "<string>:2:1: error: KeyboardInterrupt");
	assert_int_equal(pk_interrupted, 0);
	run_release(&r);
	pk_interrupt();
	run_in(vm, "for i in range(10**18): pass", PK_RUN_FILE, &r);
	assert_string_equal(r.err.buf,
	                    "<string>:1:1: error: KeyboardInterrupt");
	run_release(&r);
	/* KeyboardInterrupt is not an Exception */
	pk_interrupt();
	run_in(vm,
	       "try:\n    while 1: pass\nexcept Exception:\n    print('no')\n",
	       PK_RUN_FILE, &r);
	assert_string_equal(r.err.buf,
	                    "<string>:2:5: error: KeyboardInterrupt");
	run_release(&r);
	pk_interrupt();
	run_in(
	    vm,
	    "try:\n    while 1: pass\nexcept KeyboardInterrupt:\n    print('stopped')\n",
	    PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "stopped\n");
	run_release(&r);
	pk_vm_free(vm);
}

static void test_recursion_limits(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;
	struct pk_buf src = PK_BUF_INIT;

	/* deep Python recursion: RecursionError, then the VM still works */
	run_in(vm, "def f(n):\n    return f(n + 1) if n < 100000 else n\nf(0)",
	       PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_non_null(strstr(r.err.buf, "RecursionError"));
	run_release(&r);
	run_in(vm,
	       "def g(n):\n    return g(n - 1) + 1 if n else 0\nprint(g(500))",
	       PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "500\n");
	run_release(&r);
	/* a self-containing list prints as Python prints it */
	run_in(vm, "l = [1]\nl.append(l)\nprint(l)", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "[1, [...]]\n");
	run_release(&r);
	/* dropping it leaves a cycle the collector frees (ASan: no leak) */
	run_in(vm, "del l", PK_RUN_FILE, &r);
	run_release(&r);
	/* a long chain of operators is evaluated without overflow */
	pk_buf_addstr(&src, "x = 0");
	for (int i = 0; i < 100000; i++)
		pk_buf_addstr(&src, "+1");
	pk_buf_addstr(&src, "\nprint(x)");
	run_in(vm, src.buf, PK_RUN_FILE, &r);
	assert_true(r.st == PK_RUN_OK || strstr(r.err.buf, "RecursionError"));
	if (r.st == PK_RUN_OK)
		assert_string_equal(r.out.buf, "100000\n");
	run_release(&r);
	pk_buf_release(&src);
	pk_vm_free(vm);
}

static const char alloc_prog[] =
    "def f(a, b=2):\n"
    "    return [a, b, str(a)]\n"
    "d = {'x': f(1), 'y': (1, 2)}\n"
    "s = '%s-%d' % ('a', 3) + f'{d}'\n"
    "l = [i * 2 for i in range(20) if i % 3]\n"
    "try:\n"
    "    {}['k']\n"
    "except KeyError as e:\n"
    "    m = repr(e)\n"
    "for k, v in sorted(d.items()):\n"
    "    s += k\n"
    "print(s, l[3], m, sorted(l, reverse=True)[:2], 'a,b'.split(','))\n";
static const char alloc_want[] =
    "a-3{'x': [1, 2, '1'], 'y': (1, 2)}xy 10 KeyError('k') [38, 34] ['a', 'b']\n";

/* every allocation of a run fails in turn: MemoryError or success,
 * never a crash or a leak (ASan builds check the leaks) */
static void test_alloc_failure(void **state)
{
	long n;
	int ok = 0, nomem = 0;

	for (n = 0; n <= 400; n++) {
		struct pk_vm *vm = pk_vm_new();
		struct run r;
		struct pk_error_info e;

		assert_non_null(vm);
		/* the capture buffer must not be what fails */
		pk_buf_init(&r.out, 4096);
		pk_buf_init(&r.err, 0);
		pk_vm_set_output(vm, capture, &r.out);
		pk_alloc_fail_after(n);
		r.st = pk_vm_run(vm, alloc_prog, strlen(alloc_prog), "<string>",
		                 1, PK_RUN_FILE);
		pk_alloc_fail_after(-1);
		if (r.st == PK_RUN_OK) {
			assert_string_equal(r.out.buf, alloc_want);
			ok++;
		} else {
			assert_int_equal(r.st, PK_RUN_ERROR);
			pk_vm_error(vm, &e);
			if (strcmp(e.exc_name, "MemoryError"))
				print_error("n=%ld: %s: %s\n", n, e.exc_name,
				            e.message);
			assert_string_equal(e.exc_name, "MemoryError");
			nomem++;
		}
		/* the VM is still usable */
		pk_buf_reset(&r.out);
		assert_int_equal(
		    pk_vm_run(vm, "print(1)", 8, "<string>", 1, PK_RUN_FILE),
		    PK_RUN_OK);
		assert_string_equal(r.out.buf, "1\n");
		run_release(&r);
		pk_vm_free(vm);
	}
	assert_true(ok > 0);
	assert_true(nomem >= 50);
}

static void quiet(void *ctx, const char *s, size_t len)
{
}

/* the same for every program of the corpus: fail the n-th allocation
 * for n = 0, 1, ... until the program runs through */
static void test_alloc_failure_corpus(void **state)
{
	size_t c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *src = cases[c].src;
		long n;

		if (strstr(src, "while"))
			continue;
		for (n = 0; n < 5000; n++) {
			struct pk_vm *vm = pk_vm_new();
			struct pk_error_info e;
			enum pk_run_status st;

			assert_non_null(vm);
			pk_vm_set_output(vm, quiet, NULL);
			pk_vm_set_errout(vm, quiet, NULL);
			pk_alloc_fail_after(n);
			st = pk_vm_run(vm, src, strlen(src), "<s>", 1,
			               PK_RUN_FILE);
			pk_alloc_fail_after(-1);
			if (st != PK_RUN_OK) {
				pk_vm_error(vm, &e);
				if (strcmp(e.exc_name, "MemoryError"))
					print_error("%s\nn=%ld: %s: %s\n", src,
					            n, e.exc_name, e.message);
				assert_string_equal(e.exc_name, "MemoryError");
			}
			pk_vm_free(vm);
			if (st == PK_RUN_OK)
				break;
		}
	}
}

static void test_alloc_failure_vm_new(void **state)
{
	long n;

	for (n = 0; n < 2000; n += 13) {
		struct pk_vm *vm;

		pk_alloc_fail_after(n);
		vm = pk_vm_new();
		pk_alloc_fail_after(-1);
		pk_vm_free(vm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_programs),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_range_limits),
	    cmocka_unit_test(test_session_survives),
	    cmocka_unit_test(test_single_mode_echo),
	    cmocka_unit_test(test_exit),
	    cmocka_unit_test(test_interrupt),
	    cmocka_unit_test(test_recursion_limits),
	    cmocka_unit_test(test_alloc_failure),
	    cmocka_unit_test(test_alloc_failure_corpus),
	    cmocka_unit_test(test_alloc_failure_vm_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
