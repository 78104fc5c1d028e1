/*
 * test_value.c - values and their C API: reprs that must match Python
 * byte for byte, dicts, argument parsing, suggestions, and a type of
 * our own (as the packet engine makes them) whose every hook the
 * evaluator must honour.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>

static void expect_repr(pk_val v, const char *want)
{
	struct pk_vm *vm = pk_vm_new();
	struct pk_buf b = PK_BUF_INIT;

	assert_int_equal(pk_repr(vm, v, &b), 0);
	assert_string_equal(b.buf, want);
	pk_buf_release(&b);
	pk_vm_free(vm);
}

static void test_float_repr(void **state)
{
	static const struct {
		double d;
		const char *want;
	} t[] = {
	    {1.0, "1.0"},
	    {0.1, "0.1"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1e16, "1e+16"},
	    {1e15, "1000000000000000.0"},
	    {1e-4, "0.0001"},
	    {1e-5, "1e-05"},
	    {-2.5, "-2.5"},
	    {123456789.125, "123456789.125"},
	    {1.5e300, "1.5e+300"},
	    {5e-324, "5e-324"},
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	    {-0.0, "-0.0"},
	    {100.0, "100.0"},
	    {1.0 / 3, "0.3333333333333333"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_repr(pk_float(t[i].d), t[i].want);
	expect_repr(pk_float(INFINITY), "inf");
	expect_repr(pk_float(-INFINITY), "-inf");
	expect_repr(pk_float(NAN), "nan");
}

static void test_str_bytes_repr(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	pk_val v;

	v = pk_str_cstr(vm, "it's");
	expect_repr(v, "\"it's\"");
	pk_decref(v);
	v = pk_str_cstr(vm, "a'b\"c\t\x01");
	expect_repr(v, "'a\\'b\"c\\t\\x01'");
	pk_decref(v);
	v = pk_str_cstr(vm, "caf\xc3\xa9");
	expect_repr(v, "'caf\xc3\xa9'");
	pk_decref(v);
	v = pk_bytes_new(vm, "\x00\x7f\x80\xff\t\n\r\\'A", 10);
	expect_repr(v, "b\"\\x00\\x7f\\x80\\xff\\t\\n\\r\\\\'A\"");
	pk_decref(v);
	expect_repr(pk_none(), "None");
	expect_repr(pk_bool(true), "True");
	expect_repr(pk_int(-42), "-42");
	v = pk_tuple_new(vm, 1);
	pk_tuple_set_take(v, 0, pk_int(1));
	expect_repr(v, "(1,)");
	pk_decref(v);
	pk_vm_free(vm);
}

static void test_dict(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	pk_val d = pk_dict_new(vm), v, k;
	size_t pos = 0;
	int i, n = 0;

	for (i = 0; i < 1000; i++)
		assert_int_equal(pk_dict_set(vm, d, pk_int(i), pk_int(i * i)),
		                 0);
	for (i = 0; i < 1000; i += 2)
		assert_int_equal(pk_dict_del(vm, d, pk_int(i)), 0);
	assert_int_equal(pk_dict_len(d), 500);
	assert_int_equal(pk_dict_get(vm, d, pk_int(7), &v), 1);
	assert_int_equal(v.u.i, 49);
	assert_int_equal(pk_dict_get(vm, d, pk_int(8), &v), 0);
	/* 1.0 and True are the same key as 1 */
	assert_int_equal(pk_dict_get(vm, d, pk_float(1.0), &v), 1);
	assert_int_equal(pk_dict_get(vm, d, pk_bool(true), &v), 1);
	/* insertion order survives deletions and growth */
	while (pk_dict_next(d, &pos, &k, &v)) {
		assert_int_equal(k.u.i, 2 * n + 1);
		n++;
	}
	assert_int_equal(n, 500);
	/* strings hash by content */
	k = pk_str_cstr(vm, "key");
	assert_int_equal(pk_dict_set(vm, d, k, pk_int(1)), 0);
	pk_decref(k);
	k = pk_str_cstr(vm, "key");
	assert_int_equal(pk_dict_get(vm, d, k, &v), 1);
	pk_decref(k);
	/* unhashable key */
	k = pk_list_new(vm, 0);
	assert_int_equal(pk_dict_set(vm, d, k, pk_int(1)), -1);
	pk_decref(k);
	pk_vm_clear_error(vm);
	pk_decref(d);
	pk_vm_free(vm);
}

static int f_parse(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	static const char *const names[] = {"count", "iface", "timeout"};
	pk_val av[3];
	int64_t c;

	if (pk_args_parse(vm, a, "sniff", names, 3, 1, av) < 0)
		return -1;
	if (pk_arg_int(vm, av[0], "sniff", "count", &c) < 0)
		return -1;
	*out = pk_str_fmt(vm, "count=%lld iface=%s timeout=%s", (long long)c,
	                  pk_is_undef(av[1]) ? "-" : "set",
	                  pk_is_undef(av[2]) ? "-" : "set");
	return pk_is_undef(*out) ? -1 : 0;
}

static const struct pk_method parse_table[] = {
    {"sniff", f_parse, "sniff(count, iface=None, timeout=None)"},
    {NULL, NULL, NULL},
};

static void test_args_parse(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	assert_int_equal(pk_vm_add_builtins(vm, parse_table), 0);
	run_in(vm,
	       "print(sniff(3), sniff(count=2, timeout=1), sniff(1, 'eth0'))",
	       PK_RUN_FILE, &r);
	assert_string_equal(
	    r.out.buf,
	    "count=3 iface=- timeout=- count=2 iface=- timeout=set count=1 iface=set timeout=-\n");
	run_release(&r);
	run_in(vm, "sniff(count=1, timout=2)", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: sniff() got an unexpected keyword argument 'timout' (did you mean 'timeout'?)");
	run_release(&r);
	run_in(vm, "sniff()", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: sniff() missing required argument 'count' (pos 1)");
	run_release(&r);
	run_in(vm, "sniff(1, 2, 3, 4)", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: sniff() takes from 1 to 3 positional arguments but 4 were given");
	run_release(&r);
	run_in(vm, "sniff(1, count=2)", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: sniff() got multiple values for argument 'count'");
	run_release(&r);
	run_in(vm, "sniff('x')", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: sniff() argument 'count' must be int, not str");
	run_release(&r);
	run_in(vm, "help(sniff)", PK_RUN_FILE, &r);
	assert_string_equal(r.out.buf,
	                    "sniff(count, iface=None, timeout=None)\n");
	run_release(&r);
	pk_vm_free(vm);
}

static void test_suggest(void **state)
{
	struct pk_suggest s;
	struct pk_buf b = PK_BUF_INIT;

	pk_suggest_init(&s, "dts");
	pk_suggest_add(&s, "src");
	pk_suggest_add(&s, "dst");
	pk_suggest_add(&s, "ttl");
	pk_suggest_finish(&s, &b);
	assert_string_equal(b.buf, " (did you mean 'dst'?)");
	pk_buf_reset(&b);
	pk_suggest_init(&s, "x");
	pk_suggest_add(&s, "y");
	pk_suggest_add(&s, "completely_different");
	pk_suggest_finish(&s, &b);
	assert_string_equal(b.buf, "");
	pk_buf_reset(&b);
	/* case differences are cheap */
	pk_suggest_init(&s, "ether");
	pk_suggest_add(&s, "Ether");
	pk_suggest_add(&s, "other");
	pk_suggest_finish(&s, &b);
	assert_string_equal(b.buf, " (did you mean 'Ether'?)");
	pk_buf_release(&b);
}

/* ------------------------------------------------------------------ */
/* A type of our own, like the packet engine's                         */

struct fake {
	struct pk_obj h;
	pk_val attrs; /* dict */
	struct pk_buf *log;
};

extern const struct pk_type fake_type;
static struct pk_buf fake_log = PK_BUF_INIT;

static void fake_release(struct pk_obj *o)
{
	pk_decref(((struct fake *)o)->attrs);
	pk_xfree(o);
}

static pk_val fake_new(struct pk_vm *vm)
{
	struct fake *f = pk_obj_alloc(&fake_type, sizeof(*f));

	f->attrs = pk_dict_new(vm);
	return pk_obj_take(f);
}

static int fake_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addstr(out, "<Fake ");
	pk_repr(vm, ((struct fake *)self.u.o)->attrs, out);
	pk_buf_addch(out, '>');
	return 0;
}

static int fake_str(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addstr(out, "fake!");
	return 0;
}

static int fake_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                        pk_val *out)
{
	pk_val v;
	int r = pk_dict_get(vm, ((struct fake *)self.u.o)->attrs,
	                    pk_obj_take(name), &v);

	if (r <= 0)
		return r < 0 ? -1 : PK_NOTIMPL;
	*out = pk_incref(v);
	return 0;
}

static int fake_setattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                        pk_val v)
{
	pk_val d = ((struct fake *)self.u.o)->attrs;

	if (!strcmp(name->s, "readonly"))
		return pk_raise(vm, &pk_exc_AttributeError,
		                "field 'readonly' is read-only");
	pk_buf_addf(&fake_log, "set %s%s;", name->s,
	            pk_is_undef(v) ? " (del)" : "");
	if (pk_is_undef(v))
		return pk_dict_del(vm, d, pk_obj_take(name));
	return pk_dict_set(vm, d, pk_obj_take(name), v);
}

static void fake_attrnames(pk_val self, void (*add)(void *, const char *),
                           void *ctx)
{
	add(ctx, "dport");
	add(ctx, "sport");
	add(ctx, "ttl");
}

static int fake_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	*out = pk_str_fmt(vm, "called %d %d%s", a->n, a->nkw,
	                  a->site ? " site" : "");
	return 0;
}

static int fake_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	/* p[TCP]: hand out the same sub-object each time */
	pk_val v;
	pk_val d = ((struct fake *)self.u.o)->attrs;
	int r = pk_dict_get(vm, d, key, &v);

	if (r < 0)
		return -1;
	if (r == 0) {
		v = fake_new(vm);
		r = pk_dict_set(vm, d, key, v);
		pk_decref(v);
		if (r < 0)
			return -1;
		pk_dict_get(vm, d, key, &v);
	}
	*out = pk_incref(v);
	return 0;
}

static int fake_setitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val v)
{
	pk_buf_addf(&fake_log, "setitem%s;", pk_is_undef(v) ? " (del)" : "");
	return 0;
}

static int fake_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	*out = 42;
	return 0;
}

static int fake_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	pk_val l = pk_list_new(vm, 0);
	int r;

	pk_list_append(vm, l, pk_int(1));
	pk_list_append(vm, l, pk_int(2));
	r = pk_iter(vm, l, out);
	pk_decref(l);
	return r;
}

static int fake_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	*out = pk_is_str(item) && !strcmp(pk_as_str(item)->s, "TCP");
	return 0;
}

static int fake_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
                      bool right, pk_val *out)
{
	if (op != PK_OP_DIV)
		return PK_NOTIMPL;
	*out = pk_str_fmt(vm, "div %s", right ? "right" : "left");
	return 0;
}

static int fake_unop(struct pk_vm *vm, enum pk_unop op, pk_val a, pk_val *out)
{
	*out = pk_int(op == PK_OP_NEG ? -1 : 1);
	return 0;
}

static int fake_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	if (!pk_is_type(b, &fake_type))
		return PK_NOTIMPL;
	*out = true;
	return 0;
}

static int fake_truth(struct pk_vm *vm, pk_val self, bool *out)
{
	*out = false;
	return 0;
}

static int m_show(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	pk_vm_printf(vm, "###[ Fake ]###\n");
	*out = pk_none();
	return 0;
}

static int m_int(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	*out = pk_int(18);
	return 0;
}

static int m_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	*out = pk_bytes_new(vm, "AB", 2);
	return 0;
}

static const struct pk_method fake_methods[] = {
    {"show", m_show, "show() -> None: print the layers"},
    {"__int__", m_int, "__int__() -> int"},
    {"__bytes__", m_bytes, "__bytes__() -> bytes"},
    {NULL, NULL, NULL},
};

const struct pk_type fake_type = {
    .name = "Fake",
    .doc = "a test object",
    .release = fake_release,
    .repr = fake_repr,
    .str = fake_str,
    .getattr = fake_getattr,
    .setattr = fake_setattr,
    .attrnames = fake_attrnames,
    .call = fake_call,
    .getitem = fake_getitem,
    .setitem = fake_setitem,
    .len = fake_len,
    .iter = fake_iter,
    .contains = fake_contains,
    .binop = fake_binop,
    .unop = fake_unop,
    .eq = fake_eq,
    .truth = fake_truth,
    .methods = fake_methods,
};

/* a class value whose instancecheck accepts Fake objects */
static int cls_instancecheck(struct pk_vm *vm, pk_val self, pk_val x, bool *out)
{
	*out = pk_is_type(x, &fake_type);
	return 0;
}

static const struct pk_type fakeclass_type = {
    .name = "FakeClass",
    .instancecheck = cls_instancecheck,
};

static struct pk_obj fakeclass = {1u << 30, &fakeclass_type};

static int f_fake(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	*out = fake_new(vm);
	return 0;
}

static const struct pk_method fake_builtins[] = {
    {"Fake", f_fake, "Fake() -> a fake"},
    {NULL, NULL, NULL},
};

static const struct {
	const char *src, *want;
} hook_cases[] = {
    {"p = Fake()\np.ttl = 5\np.ttl += 1\nprint(p.ttl, p)", "6 fake!\n"},
    {"p = Fake()\np.ttl = 1\ndel p.ttl\nprint(hasattr(p, 'ttl'))", "False\n"},
    {"p = Fake()\np['TCP'].dport = 443\nprint(p['TCP'].dport)", "443\n"},
    {"p = Fake()\nprint('TCP' in p, 'UDP' in p, 'UDP' not in p)",
     "True False True\n"},
    {"p = Fake()\nprint(p / 1, 1 / p, p / p)", "div left div right div left\n"},
    {"p = Fake()\nprint(len(p), list(p), [x * 2 for x in p], -p, +p)",
     "42 [1, 2] [2, 4] -1 1\n"},
    {"p = Fake()\nprint(p == Fake(), p != Fake(), p == 1, bool(p), not p)",
     "True False False False True\n"},
    {"p = Fake()\nprint(p(1, 2, x=3))", "called 2 1 site\n"},
    {"p = Fake()\np.show()\nf = p.show\nf()",
     "###[ Fake ]###\n###[ Fake ]###\n"},
    {"p = Fake()\np[0] = 1\ndel p[0]", ""},
    {"p = Fake()\nprint(int(p), bytes(p), hex(p), float(p))",
     "18 b'AB' 0x12 18.0\n"},
    {"p = Fake()\nprint(isinstance(p, FakeClass), isinstance(1, FakeClass), isinstance(p, (int, FakeClass)))",
     "True False True\n"},
    {"p = Fake()\nprint(repr(p), str(p), f'{p} {p!r}', '%s %r' % (p, p))",
     "<Fake {}> fake! fake! <Fake {}> fake! <Fake {}>\n"},
    {"p = Fake()\nprint(type(p), hexstr(p), 'show' in dir(p), 'ttl' in dir(p))",
     "<class 'Fake'> 41 42  AB True True\n"},
    {"p = Fake()\nx, y = p\nprint(x, y)", "1 2\n"},
};

static void test_hooks(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(hook_cases) / sizeof(hook_cases[0]); i++) {
		struct pk_vm *vm = pk_vm_new();
		struct run r;

		assert_int_equal(pk_vm_add_builtins(vm, fake_builtins), 0);
		assert_int_equal(
		    pk_vm_set_global(vm, "FakeClass", pk_obj_take(&fakeclass)),
		    0);
		run_in(vm, hook_cases[i].src, PK_RUN_FILE, &r);
		if (r.st != PK_RUN_OK)
			print_error("%s\n-> %s\n", hook_cases[i].src,
			            r.err.buf);
		assert_int_equal(r.st, PK_RUN_OK);
		assert_string_equal(r.out.buf, hook_cases[i].want);
		run_release(&r);
		pk_vm_free(vm);
	}
}

static void test_hook_errors_and_log(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	pk_vm_add_builtins(vm, fake_builtins);
	pk_buf_reset(&fake_log);
	run_in(vm, "p = Fake()\np.ttl = 1\ndel p.ttl\np[0] = 1\ndel p[0]",
	       PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(fake_log.buf,
	                    "set ttl;set ttl (del);setitem;setitem (del);");
	run_release(&r);
	run_in(vm, "p.dprot", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: AttributeError: 'Fake' object has no attribute 'dprot' (did you mean 'dport'?)");
	run_release(&r);
	run_in(vm, "p.readonly = 1", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: AttributeError: field 'readonly' is read-only");
	run_release(&r);
	run_in(vm, "p * 2", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.err.buf,
	    "<string>:1:1: error: TypeError: unsupported operand type(s) for *: 'Fake' and 'int'");
	run_release(&r);
	run_in(vm, "help(p)", PK_RUN_FILE, &r);
	assert_string_equal(
	    r.out.buf,
	    "Fake object: a test object\nMethods:\n  show() -> None: print the layers\n");
	run_release(&r);
	pk_buf_release(&fake_log);
	pk_vm_free(vm);
}

/* globals set from C are visible; builtins can be replaced */
static void test_globals_api(void **state)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;
	pk_val s = pk_str_cstr(vm, "from C");

	assert_int_equal(pk_vm_set_global(vm, "msg", s), 0);
	pk_decref(s);
	run_in(vm, "print(msg)\nprint(len(dir()) > 50)", PK_RUN_FILE, &r);
	assert_string_equal(r.out.buf, "from C\nTrue\n");
	run_release(&r);
	/* a module can replace a builtin by setting a global */
	assert_int_equal(pk_vm_add_builtins(vm, fake_builtins), 0);
	assert_int_equal(
	    pk_vm_set_global(vm, "hexdump", pk_vm_get_global(vm, "Fake")), 0);
	run_in(vm, "print(type(hexdump()))", PK_RUN_FILE, &r);
	assert_string_equal(r.out.buf, "<class 'Fake'>\n");
	run_release(&r);
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_float_repr),
	    cmocka_unit_test(test_str_bytes_repr),
	    cmocka_unit_test(test_dict),
	    cmocka_unit_test(test_args_parse),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_hooks),
	    cmocka_unit_test(test_hook_errors_and_log),
	    cmocka_unit_test(test_globals_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
