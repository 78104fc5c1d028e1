/*
 * test_parser.c - the grammar through pk_vm_run(): syntax errors with
 * their positions, incomplete input for the REPL, the nesting limit,
 * and name resolution (locals, globals, enclosing functions,
 * comprehension scopes).
 */
#include "harness.h"

#include <stdlib.h>

static const struct {
	const char *src, *want;
} syntax_errors[] = {
    {"ab(12 3)", "<string>:1:7: error: expected ')' (to close '(' at 1:3)"},
    {"x = [1, 2 3]",
     "<string>:1:11: error: expected ']' (to close '[' at 1:5)"},
    {"x = (1,", "<string>:1:5: error: '(' was never closed"},
    {"f(a, [1,\n  2", "<string>:1:6: error: '[' was never closed"},
    {"if x\n    pass", "<string>:1:5: error: expected ':'"},
    {"if x:\npass",
     "<string>:2:1: error: expected an indented block after 'if' statement on line 1"},
    {"for i in x:\n",
     "<string>:2:1: error: expected an indented block after 'for' statement on line 1"},
    {"  x = 1", "<string>:1:3: error: unexpected indent"},
    {"x = 1\n    y = 2", "<string>:2:5: error: unexpected indent"},
    {"if a:\n    b\n  c",
     "<string>:3:3: error: unindent does not match any outer indentation level"},
    {"x = 'abc",
     "<string>:1:5: error: unterminated string literal (detected at line 1)"},
    {"x = '''abc\n",
     "<string>:1:5: error: unterminated triple-quoted string literal (detected at line 2)"},
    {"x = 1 +", "<string>:1:8: error: invalid syntax"},
    {"x y", "<string>:1:3: error: invalid syntax"},
    {"break", "<string>:1:1: error: 'break' outside loop"},
    {"continue", "<string>:1:1: error: 'continue' not properly in loop"},
    {"return 1", "<string>:1:1: error: 'return' outside function"},
    {"def f():\n    for i in x: pass\n    break",
     "<string>:3:5: error: 'break' outside loop"},
    {"f() = 1",
     "<string>:1:1: error: cannot assign to function call here. Maybe you meant '==' instead of '='?"},
    {"1 = x",
     "<string>:1:1: error: cannot assign to literal here. Maybe you meant '==' instead of '='?"},
    {"f() += 1",
     "<string>:1:1: error: 'function call' is an illegal expression for augmented assignment"},
    {"del f()", "<string>:1:5: error: cannot delete function call"},
    {"f(x=1, 2)",
     "<string>:1:8: error: positional argument follows keyword argument"},
    {"f(x=1, x=2)", "<string>:1:8: error: keyword argument repeated: x"},
    {"def f(a, a): pass",
     "<string>:1:10: error: duplicate argument 'a' in function definition"},
    {"def f(a=1, b): pass",
     "<string>:1:12: error: non-default argument follows default argument"},
    {"class A: pass",
     "<string>:1:1: error: class definitions are not supported"},
    {"x = 012",
     "<string>:1:5: error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"},
    {"x = 0x", "<string>:1:5: error: invalid hexadecimal literal"},
    {"x = b'a' 'b'",
     "<string>:1:10: error: cannot mix bytes and nonbytes literals"},
    {"x = b'\xc3\xa9'",
     "<string>:1:5: error: bytes can only contain ASCII literal characters"},
    {"x = f'{}'",
     "<string>:1:5: error: f-string: empty expression not allowed"},
    {"x = f'{a'", "<string>:1:5: error: f-string: expecting '}'"},
    {"x = f'}'", "<string>:1:5: error: f-string: single '}' is not allowed"},
    {"else:\n    pass", "<string>:1:1: error: invalid syntax"},
    {"try:\n    pass\nx = 1",
     "<string>:3:1: error: expected 'except' or 'finally' block"},
    {"x = 1 if 2",
     "<string>:1:11: error: expected 'else' after 'if' expression"},
    {"f(a for a in b, 1)",
     "<string>:1:15: error: Generator expression must be parenthesized"},
    {"print(1)\nprint(2\nprint(3)",
     "<string>:3:1: error: expected ')' (to close '(' at 2:6)"},
};

static void test_syntax_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(syntax_errors) / sizeof(syntax_errors[0]); i++)
		expect_error(syntax_errors[i].src, syntax_errors[i].want);
}

/* a syntax error anywhere in a file: nothing runs */
static void test_syntax_error_runs_nothing(void **state)
{
	expect_error("print('first')\nx = (",
	             "<string>:2:5: error: '(' was never closed");
}

static void test_pk_vm_error_info(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct pk_error_info e;
	struct run r;

	run_in(vm, "x = 1\ny = (2 +\n", PK_RUN_FILE, &r);
	pk_vm_error(vm, &e);
	assert_true(e.is_syntax);
	assert_string_equal(e.file, "<string>");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 5);
	assert_string_equal(e.message, "'(' was never closed");
	run_release(&r);
	run_in(vm, "z = 1\nz.q", PK_RUN_FILE, &r);
	pk_vm_error(vm, &e);
	assert_false(e.is_syntax);
	assert_string_equal(e.exc_name, "AttributeError");
	assert_string_equal(e.message, "'int' object has no attribute 'q'");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 1);
	run_release(&r);
	/* line0 shifts the line numbers (the REPL's running count) */
	pk_vm_run(vm, "\nnope", 5, "<stdin>", 10, PK_RUN_SINGLE);
	pk_vm_error(vm, &e);
	assert_string_equal(e.file, "<stdin>");
	assert_int_equal(e.line, 11);
	pk_vm_clear_error(vm);
	pk_vm_free(vm);
}

static const char *const incomplete[] = {
    "x = (1,",
    "x = [1,\n\n",
    "d = {'a':",
    "f(1,\n  2,",
    "if x:",
    "if x:\n",
    "if x:\n    y = 1\n",
    "for i in range(3):\n    print(i)",
    "def f(a):",
    "def f(a):\n    return a\n",
    "try:\n    pass\n",
    "try:\n    pass\nexcept:\n    pass\n",
    "s = '''abc",
    "s = '''abc\n\n",
    "x = 1 + \\",
    "x = 1\nif x:\n    y = 2\n",
    "print(\"a\" \"b\"\n",
    "x = \"abc\\\n",
    "while True:\n    if x:\n        pass\n",
};

static const char *const complete[] = {
    "x = 1",
    "x = (1,\n 2)",
    "if 1:\n    y = 1\n\n",
    "for i in range(2):\n    i\n  \n",
    "if 1: y = 2\n\n",
    "def f(a):\n    return a\n\n",
    "x = 1; y = 2",
    "",
    "# comment",
};

static void test_incomplete(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	size_t i;

	for (i = 0; i < sizeof(incomplete) / sizeof(incomplete[0]); i++) {
		struct run r;

		run_in(vm, incomplete[i], PK_RUN_SINGLE, &r);
		if (r.st != PK_RUN_INCOMPLETE)
			print_error("input: %s\n", incomplete[i]);
		assert_int_equal(r.st, PK_RUN_INCOMPLETE);
		/* nothing ran */
		assert_string_equal(r.out.buf, "");
		run_release(&r);
	}
	for (i = 0; i < sizeof(complete) / sizeof(complete[0]); i++) {
		struct run r;

		run_in(vm, complete[i], PK_RUN_SINGLE, &r);
		if (r.st != PK_RUN_OK)
			print_error("input: %s (%s)\n", complete[i], r.err.buf);
		assert_int_equal(r.st, PK_RUN_OK);
		run_release(&r);
	}
	pk_vm_free(vm);
}

/* what stays an error in the REPL: ends after a blank line, or the
 * error is not at the end */
static void test_not_incomplete(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	run_in(vm, "if 1:\n\n", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(
	    r.err.buf,
	    "<string>:3:1: error: expected an indented block after 'if' statement on line 1");
	run_release(&r);
	run_in(vm, "x = (1 2", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	run_release(&r);
	run_in(vm, "x = 'abc", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	run_release(&r);
	pk_vm_free(vm);
}

static void test_nesting_limit(void **state)
{
	struct pk_buf b = PK_BUF_INIT;
	int i;

	/* 150 levels are fine */
	pk_buf_addstr(&b, "x = ");
	for (i = 0; i < 150; i++)
		pk_buf_addch(&b, '(');
	pk_buf_addch(&b, '1');
	for (i = 0; i < 150; i++)
		pk_buf_addch(&b, ')');
	pk_buf_addstr(&b, "\nprint(x)");
	expect_output(b.buf, "1\n");
	pk_buf_reset(&b);
	/* a hostile input stops at the limit */
	for (i = 0; i < 100000; i++)
		pk_buf_addch(&b, '[');
	expect_error(b.buf,
	             "<string>:1:201: error: too many nested parentheses");
	pk_buf_reset(&b);
	pk_buf_addstr(&b, "x = ");
	for (i = 0; i < 100000; i++)
		pk_buf_addch(&b, '-');
	pk_buf_addch(&b, '1');
	expect_error(b.buf,
	             "<string>:1:405: error: expression nested too deeply");
	pk_buf_reset(&b);
	pk_buf_addstr(&b, "x = ");
	for (i = 0; i < 30000; i++)
		pk_buf_addstr(&b, "not ");
	pk_buf_addstr(&b, "1");
	expect_error(b.buf,
	             "<string>:1:1605: error: expression nested too deeply");
	/* a long flat chain is a loop, not a recursion: any build runs it */
	pk_buf_reset(&b);
	pk_buf_addstr(&b, "x = 0");
	for (i = 0; i < 30000; i++)
		pk_buf_addstr(&b, "+1-2+2");
	pk_buf_addstr(&b, "\nprint(x)");
	expect_output(b.buf, "30000\n");
	pk_buf_release(&b);
}

static void test_scopes(void **state)
{
	/* assigned in a function: local, even before the assignment */
	expect_output("x = 'g'\n"
	              "def f():\n"
	              "    x = 'l'\n"
	              "    return x\n"
	              "print(f(), x)\n",
	              "l g\n");
	expect_output("x = 1\n"
	              "def f():\n"
	              "    global x\n"
	              "    x = 2\n"
	              "f()\n"
	              "print(x)\n",
	              "2\n");
	/* free names read the enclosing function's variables */
	expect_output("def f(n):\n"
	              "    k = n * 2\n"
	              "    g = lambda x: x + k\n"
	              "    return g(1)\n"
	              "print(f(5))\n",
	              "11\n");
	/* comprehension variables do not leak, but see the enclosing scope */
	expect_output("i = 'keep'\n"
	              "n = 3\n"
	              "l = [i * n for i in range(3)]\n"
	              "print(i, l)\n"
	              "def f(m):\n"
	              "    return [j + m for j in range(2)]\n"
	              "print(f(10))\n",
	              "keep [0, 3, 6]\n[10, 11]\n");
	/* lambdas inside comprehensions capture the comprehension variable */
	expect_output("fs = [lambda: 1 for i in range(2)]\n"
	              "print(len(fs), fs[0]())\n",
	              "2 1\n");
	/* the first iterable of a comprehension is evaluated outside it */
	expect_output("x = [1, 2]\nprint([x for x in x])\n", "[1, 2]\n");
	/* keyword names in calls are not variables */
	expect_output("def f(dst=0):\n    return dst\nprint(f(dst=4))\n",
	              "4\n");
	/* a function sees globals defined after it */
	expect_output("def f():\n    return later\nlater = 9\nprint(f())\n",
	              "9\n");
	/* recursion through the global name */
	expect_output(
	    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(15))\n",
	    "610\n");
}

static const struct {
	const char *src, *want;
} corpus[] = {
#include "eval_cases.inc"
};

static void quiet(void *ctx, const char *s, size_t len)
{
}

/* mangled programs: any error is fine, a crash or a leak is not
 * (deterministic: rand() with a fixed seed) */
static void test_mutations(void **state)
{
	static const char alpha[] =
	    "()[]{}:,.'\"\\\n #=+-*/%<>!&|^~_abcxyz019fbr\t";
	struct pk_vm *vm = pk_vm_new();
	char buf[4096];
	int it;

	pk_vm_set_output(vm, quiet, NULL);
	pk_vm_set_errout(vm, quiet, NULL);
	srand(7);
	for (it = 0; it < 20000; it++) {
		const char *src =
		    corpus[rand() % (int)(sizeof(corpus) / sizeof(corpus[0]))]
		        .src;
		size_t n = strlen(src);
		int k, nmut = 1 + rand() % 4;

		if (strstr(src, "while") || n + 8 >= sizeof(buf))
			continue;
		memcpy(buf, src, n + 1);
		for (k = 0; k < nmut; k++) {
			size_t pos = n ? (size_t)rand() % n : 0;
			int op = rand() % 3;

			if (op == 0 && n) {
				memmove(buf + pos, buf + pos + 1, n - pos);
				n--;
			} else if (op == 1) {
				memmove(buf + pos + 1, buf + pos, n - pos + 1);
				buf[pos] =
				    alpha[rand() % (int)(sizeof(alpha) - 1)];
				n++;
			} else if (n) {
				buf[pos] =
				    alpha[rand() % (int)(sizeof(alpha) - 1)];
			}
		}
		/* mutations must not make endless loops */
		if (strstr(buf, "while"))
			continue;
		pk_vm_run(vm, buf, n, "<m>", 1,
		          it % 2 ? PK_RUN_FILE : PK_RUN_SINGLE);
		pk_vm_clear_error(vm);
	}
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_syntax_error_runs_nothing),
	    cmocka_unit_test(test_pk_vm_error_info),
	    cmocka_unit_test(test_incomplete),
	    cmocka_unit_test(test_not_incomplete),
	    cmocka_unit_test(test_nesting_limit),
	    cmocka_unit_test(test_scopes),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
