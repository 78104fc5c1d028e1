/*
 * test_hooks.c - hooks of struct pk_type that other modules fill, tried
 * with small types defined here: `classof` (what type(x) returns; the
 * packet module's layer classes use it).
 */
#include "harness.h"

#include "pktsh/value.h"

/* a class value of its own type, static as layer classes are */
static const struct pk_type tagclass_type;
static struct pk_obj tag_class = {1u << 30, &tagclass_type};

static void obj_release(struct pk_obj *o)
{
	pk_xfree(o);
}

static int tagged_classof(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(pk_obj_take(&tag_class));
	return 0;
}

static const struct pk_type tagged_type = {
    .name = "TaggedInstance",
    .release = obj_release,
    .classof = tagged_classof,
};

static int tagclass_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addstr(out, "<class 'test.Tagged'>");
	return 0;
}

static int tagclass_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out)
{
	struct pk_obj *o = pk_obj_alloc(&tagged_type, sizeof(*o));

	if (!o)
		return pk_raise_nomem(vm);
	*out = pk_obj_take(o);
	return 0;
}

static const struct pk_type tagclass_type = {
    .name = "Tagged_metaclass",
    .repr = tagclass_repr,
    .call = tagclass_call,
};

/* classof declines: the default class, named after the table */
static int plain_classof(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return PK_NOTIMPL;
}

static const struct pk_type plain_type = {
    .name = "Plain",
    .release = obj_release,
    .classof = plain_classof,
};

static int broken_classof(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return pk_raise(vm, &pk_exc_ValueError, "no class for you");
}

static const struct pk_type broken_type = {
    .name = "Broken",
    .release = obj_release,
    .classof = broken_classof,
};

static int make(struct pk_vm *vm, const struct pk_type *t, pk_val *out)
{
	struct pk_obj *o = pk_obj_alloc(t, sizeof(*o));

	if (!o)
		return pk_raise_nomem(vm);
	*out = pk_obj_take(o);
	return 0;
}

static int b_plain(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	return make(vm, &plain_type, out);
}

static int b_broken(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	return make(vm, &broken_type, out);
}

static const struct pk_method test_builtins[] = {
    {"Plain", b_plain, "Plain()"},
    {"Broken", b_broken, "Broken()"},
    {NULL, NULL, NULL}};

static struct pk_vm *new_vm(void)
{
	struct pk_vm *vm = pk_vm_new();

	assert_non_null(vm);
	assert_int_equal(pk_vm_add_builtins(vm, test_builtins), 0);
	assert_int_equal(
	    pk_vm_set_global(vm, "Tagged", pk_obj_take(&tag_class)), 0);
	return vm;
}

static void test_classof(void **state)
{
	struct pk_vm *vm = new_vm();
	struct run r;

	run_in(vm,
	       "t = Tagged()\n"
	       "print(type(t), type(t) is Tagged, type(t) == Tagged)\n"
	       "print(type(Plain()), type(Plain()).__name__)\n"
	       "print(type(1), type(ValueError()), type(type(t)))\n",
	       PK_RUN_FILE, &r);
	if (r.st != PK_RUN_OK)
		print_error("%s\n", r.err.buf);
	assert_int_equal(r.st, PK_RUN_OK);
	assert_string_equal(r.out.buf, "<class 'test.Tagged'> True True\n"
	                               "<class 'Plain'> Plain\n"
	                               "<class 'int'> <class 'ValueError'> "
	                               "<class 'Tagged_metaclass'>\n");
	run_release(&r);
	run_in(vm, "x = 1\ntype(Broken())", PK_RUN_FILE, &r);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(
	    r.err.buf, "<string>:2:1: error: ValueError: no class for you");
	run_release(&r);
	pk_vm_free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
