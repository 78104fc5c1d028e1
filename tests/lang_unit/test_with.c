/*
 * test_with.c - the `with` statement against a C type that provides
 * __enter__ and __exit__ in its methods table, as other modules' types do.
 * Ctx(name, suppress=, fail_enter=, fail_exit=) prints each call; the
 * expected outputs are what CPython 3.11 prints for the same programs with
 * an equivalent Python class (tb is checked to be None instead of printed).
 */
#include "harness.h"

#include <stdio.h>

#include "pktsh/value.h"

/* successful __enter__ calls and __exit__ calls, which must match */
static int n_entered, n_exited;

struct ctx {
	struct pk_obj h;
	char name[16];
	bool suppress, fail_enter, fail_exit;
};

static void ctx_release(struct pk_obj *o)
{
	pk_xfree(o);
}

static int ctx_enter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct ctx *c = (struct ctx *)self.u.o;
	pk_val v;

	assert_int_equal(a->n, 0);
	pk_vm_printf(vm, "enter %s\n", c->name);
	if (c->fail_enter)
		return pk_raise(vm, &pk_exc_RuntimeError, "enter of %s failed",
		                c->name);
	v = pk_str_fmt(vm, "%s!", c->name);
	if (pk_is_undef(v))
		return -1;
	n_entered++;
	*out = v;
	return 0;
}

static int ctx_exit(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct ctx *c = (struct ctx *)self.u.o;
	struct pk_buf t = PK_BUF_INIT, v = PK_BUF_INIT;
	int r;

	assert_int_equal(a->n, 3);
	n_exited++;
	assert_int_equal(a->nkw, 0);
	assert_true(pk_is_none(a->v[2]));
	r = pk_repr(vm, a->v[0], &t);
	if (r == 0)
		r = pk_repr(vm, a->v[1], &v);
	if (r == 0)
		pk_vm_printf(vm, "exit %s %s %s\n", c->name, t.buf, v.buf);
	pk_buf_release(&t);
	pk_buf_release(&v);
	if (r < 0)
		return -1;
	if (c->fail_exit)
		return pk_raise(vm, &pk_exc_RuntimeError, "exit of %s failed",
		                c->name);
	*out = pk_bool(c->suppress);
	return 0;
}

static const struct pk_method ctx_methods[] = {
    {"__enter__", ctx_enter, "__enter__() -> name + '!'"},
    {"__exit__", ctx_exit, "__exit__(t, v, tb) -> suppress"},
    {NULL, NULL, NULL}};

static const struct pk_type ctx_type = {
    .name = "Ctx",
    .release = ctx_release,
    .methods = ctx_methods,
};

/* only __enter__: "missed __exit__ method" */
static const struct pk_method half_methods[] = {
    {"__enter__", ctx_enter, "__enter__()"}, {NULL, NULL, NULL}};

static const struct pk_type half_type = {
    .name = "Half",
    .release = ctx_release,
    .methods = half_methods,
};

static int make(struct pk_vm *vm, const struct pk_type *t,
                const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {"name", "suppress", "fail_enter",
	                                    "fail_exit"};
	pk_val av[4];
	struct ctx *c;
	const char *s = "half";
	size_t n = 4;

	if (pk_args_parse(vm, a, t->name, names, 4, t == &ctx_type, av) < 0)
		return -1;
	if (t == &ctx_type &&
	    pk_arg_str(vm, av[0], t->name, "name", &s, &n) < 0)
		return -1;
	c = pk_obj_alloc(t, sizeof(*c));
	if (!c)
		return pk_raise_nomem(vm);
	snprintf(c->name, sizeof(c->name), "%.*s", (int)n, s);
	c->suppress = pk_is_bool(av[1]) && av[1].u.i;
	c->fail_enter = pk_is_bool(av[2]) && av[2].u.i;
	c->fail_exit = pk_is_bool(av[3]) && av[3].u.i;
	*out = pk_obj_take(c);
	return 0;
}

static int b_ctx(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return make(vm, &ctx_type, a, out);
}

static int b_half(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	return make(vm, &half_type, a, out);
}

static const struct pk_method test_builtins[] = {
    {"Ctx", b_ctx,
     "Ctx(name, suppress=False, fail_enter=False, fail_exit=False)"},
    {"Half", b_half, "Half()"},
    {NULL, NULL, NULL}};

static struct pk_vm *new_vm(void)
{
	struct pk_vm *vm = pk_vm_new();

	assert_non_null(vm);
	assert_int_equal(pk_vm_add_builtins(vm, test_builtins), 0);
	return vm;
}

static const struct {
	const char *src, *want;
} cases[] = {
    {"with Ctx(\"a\") as x:\n    print(\"body\", x)\nprint(\"after\")\n",
     "enter a\nbody a!\nexit a None None\nafter\n"},
    {"try:\n    with Ctx(\"a\"):\n        1/0\nexcept ZeroDivisionError as e:\n    print(\"caught\", e)\n",
     "enter a\nexit a <class 'ZeroDivisionError'> ZeroDivisionError('division by zero')\ncaught division by zero\n"},
    {"with Ctx(\"a\", suppress=True):\n    raise ValueError(\"v\")\nprint(\"after\")\n",
     "enter a\nexit a <class 'ValueError'> ValueError('v')\nafter\n"},
    {"with Ctx(\"a\") as a, Ctx(\"b\") as b:\n    print(a, b)\n",
     "enter a\nenter b\na! b!\nexit b None None\nexit a None None\n"},
    {"with Ctx(\"a\") as a, Ctx(\"b\", suppress=True) as b:\n    raise KeyError(\"k\")\nprint(\"ok\")\n",
     "enter a\nenter b\nexit b <class 'KeyError'> KeyError('k')\nexit a None None\nok\n"},
    {"def f():\n    for i in range(3):\n        with Ctx(\"L%d\" % i):\n            if i == 0:\n                continue\n            if i == 1:\n                break\n            print(\"not reached\")\n    with Ctx(\"r\"):\n        return \"ret\"\nprint(f())\n",
     "enter L0\nexit L0 None None\nenter L1\nexit L1 None None\nenter r\nexit r None None\nret\n"},
    {"try:\n    with Ctx(\"a\"), Ctx(\"b\", fail_enter=True):\n        print(\"not reached\")\nexcept RuntimeError as e:\n    print(\"caught\", e)\n",
     "enter a\nenter b\nexit a <class 'RuntimeError'> RuntimeError('enter of b failed')\ncaught enter of b failed\n"},
    {"try:\n    with Ctx(\"a\", fail_exit=True):\n        1/0\nexcept RuntimeError as e:\n    print(\"caught\", e)\n",
     "enter a\nexit a <class 'ZeroDivisionError'> ZeroDivisionError('division by zero')\ncaught exit of a failed\n"},
    {"def f():\n    with Ctx(\"a\", fail_exit=True):\n        return 1\ntry:\n    f()\nexcept RuntimeError as e:\n    print(\"caught\", e)\n",
     "enter a\nexit a None None\ncaught exit of a failed\n"},
    {"def f():\n    with Ctx(\"a\", suppress=True):\n        raise IndexError(3)\n    return \"end\"\nprint(f())\n",
     "enter a\nexit a <class 'IndexError'> IndexError(3)\nend\n"},
    {"try:\n    with Ctx(\"abcd\") as (x, y):\n        print(\"not reached\")\nexcept ValueError as e:\n    print(\"caught\", e)\n",
     "enter abcd\nexit abcd <class 'ValueError'> ValueError('too many values to unpack (expected 2)')\ncaught too many values to unpack (expected 2)\n"},
    {"d = {}\nwith Ctx(\"a\") as d[\"k\"]:\n    print(d)\nwith Ctx(\"b\") as (x, y):\n    print(x, y)\n",
     "enter a\n{'k': 'a!'}\nexit a None None\nenter b\nb !\nexit b None None\n"},
    {"try:\n    with Ctx(\"a\"):\n        try:\n            1/0\n        finally:\n            print(\"finally\")\nexcept ZeroDivisionError:\n    print(\"caught\")\n",
     "enter a\nfinally\nexit a <class 'ZeroDivisionError'> ZeroDivisionError('division by zero')\ncaught\n"},
    {"for i in range(2):\n    with Ctx(\"x\") as v, Ctx(\"y\"):\n        with Ctx(\"z\"):\n            continue\nprint(v)\n",
     "enter x\nenter y\nenter z\nexit z None None\nexit y None None\nexit x None None\nenter x\nenter y\nenter z\nexit z None None\nexit y None None\nexit x None None\nx!\n"},
    {"with Ctx(\"a\", suppress=True):\n    with Ctx(\"b\"):\n        raise SystemExit(3)\nprint(\"went on\")\n",
     "enter a\nenter b\nexit b <class 'SystemExit'> SystemExit(3)\nexit a <class 'SystemExit'> SystemExit(3)\nwent on\n"},
};

static void test_programs(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pk_vm *vm = new_vm();
		struct run r;

		run_in(vm, cases[i].src, PK_RUN_FILE, &r);
		if (r.st != PK_RUN_OK || strcmp(r.out.buf, cases[i].want))
			print_error("program:\n%s\nerror: %s\n", cases[i].src,
			            r.err.buf ? r.err.buf : "");
		assert_int_equal(r.st, PK_RUN_OK);
		assert_string_equal(r.out.buf, cases[i].want);
		run_release(&r);
		pk_vm_free(vm);
	}
}

static const struct {
	const char *src, *out, *err;
} errors[] = {
    {"with 5: pass", "",
     "<string>:1:6: error: TypeError: 'int' object does not support the context manager protocol"},
    {"x = Half()\nwith Ctx('a'), x:\n    pass",
     "enter a\nexit a <class 'TypeError'> TypeError(\"'Half' object does not support the context manager protocol (missed __exit__ method)\")\n",
     "<string>:2:16: error: TypeError: 'Half' object does not support the context manager protocol (missed __exit__ method)"},
    /* the body's error keeps its position; __exit__ saw it */
    {"with Ctx('a'):\n    1/0",
     "enter a\nexit a <class 'ZeroDivisionError'> ZeroDivisionError('division by zero')\n",
     "<string>:2:5: error: ZeroDivisionError: division by zero"},
    {"with Ctx('a', fail_exit=True):\n    pass", "enter a\nexit a None None\n",
     "<string>:1:1: error: RuntimeError: exit of a failed"},
    {"x = 1\nif x:\n  with Ctx('a'), Ctx('b', fail_exit=True):\n    pass",
     "enter a\nenter b\nexit b None None\n"
     "exit a <class 'RuntimeError'> RuntimeError('exit of b failed')\n",
     "<string>:3:3: error: RuntimeError: exit of b failed"},
    {"with Ctx('a', fail_enter=True) as x:\n    pass", "enter a\n",
     "<string>:1:6: error: RuntimeError: enter of a failed"},
    {"with Ctx('a') as x, y:\n    pass",
     "enter a\nexit a <class 'NameError'> NameError(\"name 'y' is not defined\")\n",
     "<string>:1:21: error: NameError: name 'y' is not defined"},
};

static void test_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct pk_vm *vm = new_vm();
		struct run r;

		run_in(vm, errors[i].src, PK_RUN_FILE, &r);
		if (r.st != PK_RUN_ERROR || strcmp(r.err.buf, errors[i].err) ||
		    strcmp(r.out.buf, errors[i].out))
			print_error("program:\n%s\nout: %s\nerr: %s\n",
			            errors[i].src, r.out.buf, r.err.buf);
		assert_int_equal(r.st, PK_RUN_ERROR);
		assert_string_equal(r.err.buf, errors[i].err);
		assert_string_equal(r.out.buf, errors[i].out);
		run_release(&r);
		pk_vm_free(vm);
	}
}

/* a `with` block at the REPL waits for its empty line, and echoes */
static void test_single_mode(void **state)
{
	struct pk_vm *vm = new_vm();
	struct run r;

	run_in(vm, "with Ctx('a') as x:\n    x\n", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_INCOMPLETE);
	assert_string_equal(r.out.buf, "");
	run_release(&r);
	run_in(vm, "with Ctx('a') as x:\n    x\n\n", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "enter a\n'a!'\nexit a None None\n");
	run_release(&r);
	/* the parenthesized form goes on over lines */
	run_in(vm, "with (Ctx('a') as x,\n", PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_INCOMPLETE);
	run_release(&r);
	run_in(vm, "with (Ctx('a') as x,\n      Ctx('b')):\n    x\n\n",
	       PK_RUN_SINGLE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "enter a\nenter b\n'a!'\n"
	                               "exit b None None\nexit a None None\n");
	run_release(&r);
	pk_vm_free(vm);
}

/* failing the n-th allocation anywhere: MemoryError or the full output,
 * and __exit__ still runs once __enter__ did */
static void test_alloc_failure(void **state)
{
	static const char prog[] =
	    "def f():\n"
	    "    with Ctx('a') as x, Ctx('b', suppress=True):\n"
	    "        raise ValueError([x] * 3)\n"
	    "    return 'done'\n"
	    "print(f())\n";
	static const char want[] =
	    "enter a\nenter b\n"
	    "exit b <class 'ValueError'> ValueError(['a!', 'a!', 'a!'])\n"
	    "exit a None None\ndone\n";
	long n;
	int ok = 0, nomem = 0;

	for (n = 0; n <= 300; n++) {
		struct pk_vm *vm = new_vm();
		struct run r;
		struct pk_error_info e;

		pk_buf_init(&r.out, 4096);
		pk_buf_init(&r.err, 0);
		pk_vm_set_output(vm, capture, &r.out);
		n_entered = n_exited = 0;
		pk_alloc_fail_after(n);
		r.st = pk_vm_run(vm, prog, strlen(prog), "<string>", 1,
		                 PK_RUN_FILE);
		pk_alloc_fail_after(-1);
		if (r.st == PK_RUN_OK) {
			assert_string_equal(r.out.buf, want);
			ok++;
		} else {
			assert_int_equal(r.st, PK_RUN_ERROR);
			pk_vm_error(vm, &e);
			assert_string_equal(e.exc_name, "MemoryError");
			nomem++;
		}
		/* whatever failed, every __enter__ had its __exit__ */
		assert_int_equal(n_entered, n_exited);
		run_release(&r);
		pk_vm_free(vm);
	}
	assert_true(ok > 0);
	assert_true(nomem > 10);
}

/* items nest in the evaluator: their number is bounded at parse time */
static void test_item_limit(void **state)
{
	struct pk_buf src = PK_BUF_INIT;
	struct pk_vm *vm = new_vm();
	struct run r;
	int i;

	pk_buf_addstr(&src, "with Ctx('a')");
	for (i = 1; i < 100; i++)
		pk_buf_addstr(&src, ", Ctx('a')");
	pk_buf_addstr(&src, ": pass");
	assert_false(pk_buf_failed(&src));
	run_in(vm, src.buf, PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_int_equal(r.out.len,
	                 100 * strlen("enter a\nexit a None None\n"));
	run_release(&r);
	pk_buf_addstr(&src, "\nwith (Ctx('a')");
	for (i = 1; i <= 100; i++)
		pk_buf_addstr(&src, ", Ctx('a')");
	pk_buf_addstr(&src, "): pass");
	run_in(vm, src.buf, PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(
	    r.err.buf,
	    "<string>:2:1007: error: too many statically nested blocks");
	assert_string_equal(r.out.buf, ""); /* nothing ran */
	run_release(&r);
	pk_buf_release(&src);
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_programs),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_single_mode),
	    cmocka_unit_test(test_item_limit),
	    cmocka_unit_test(test_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
