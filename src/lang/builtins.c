/*
 * builtins.c - the builtin functions and classes (int, str, ...), as data
 * tables: the tables are also what help() and completion read.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

#define ARGS(fname, nreq, ...)                                                 \
	static const char *const names_[] = {__VA_ARGS__};                     \
	pk_val av[sizeof(names_) / sizeof(names_[0])];                         \
	if (pk_args_parse(vm, a, fname, names_,                                \
	                  (int)(sizeof(names_) / sizeof(names_[0])), nreq,     \
	                  av) < 0)                                             \
	return -1

static int ret(pk_val v, pk_val *out)
{
	if (pk_is_undef(v))
		return -1;
	*out = v;
	return 0;
}

static bool given(pk_val v)
{
	return !pk_is_undef(v);
}

/* ------------------------------------------------------------------ */
/* Classes                                                             */

static int class_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addf(out, "<class '%s'>", ((struct pk_class *)self.u.o)->name);
	return 0;
}

static int class_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	struct pk_class *c = (struct pk_class *)self.u.o;

	if (!c->ctor)
		return pk_raise(vm, &pk_exc_TypeError,
		                "cannot create '%s' instances", c->name);
	return c->ctor(vm, self, a, out);
}

/* str.lower and friends: the method of the instances, called with the
 * instance as first argument */
struct unbound {
	struct pk_obj h;
	const struct pk_method *m;
	const struct pk_type *t;
};

static int unbound_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	struct unbound *u = (struct unbound *)self.u.o;
	struct pk_args b = *a;

	if (a->n < 1 || pk_type_of(a->v[0]) != u->t)
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "descriptor '%s' for '%s' objects needs an argument of that type",
		    u->m->name, u->t->name);
	b.n--;
	b.v++;
	return u->m->fn(vm, a->v[0], &b, out);
}

static int unbound_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct unbound *u = (struct unbound *)self.u.o;

	pk_buf_addf(out, "<method '%s' of '%s' objects>", u->m->name,
	            u->t->name);
	return 0;
}

static const struct pk_type unbound_type = {
    .name = "method_descriptor",
    .repr = unbound_repr,
    .call = unbound_call,
};

static int class_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                         pk_val *out)
{
	struct pk_class *c = (struct pk_class *)self.u.o;
	const struct pk_method *m;

	if (!strcmp(name->s, "__name__"))
		return ret(pk_str_cstr(vm, c->name), out);
	for (m = c->statics; m && m->name; m++)
		if (!strcmp(m->name, name->s))
			return ret(pk_cfunc_new(vm, m, self), out);
	/* int.bit_length and friends: unbound methods of the instances */
	if (c->type && c->type->methods)
		for (m = c->type->methods; m->name; m++)
			if (!strcmp(m->name, name->s)) {
				struct unbound *u =
				    pk_obj_alloc(&unbound_type, sizeof(*u));

				if (!u)
					return pk_raise_nomem(vm);
				u->m = m;
				u->t = c->type;
				*out = pk_obj_take(u);
				return 0;
			}
	return PK_NOTIMPL;
}

static void class_attrnames(pk_val self, void (*add)(void *, const char *),
                            void *ctx)
{
	struct pk_class *c = (struct pk_class *)self.u.o;
	const struct pk_method *m;

	for (m = c->statics; m && m->name; m++)
		add(ctx, m->name);
}

static uint64_t class_hash(pk_val v)
{
	return (uint64_t)(uintptr_t)v.u.o >> 4;
}

static bool class_matches(const struct pk_class *c, pk_val x)
{
	if (c->kind != PK_K_OBJ) {
		if (c->kind == PK_K_INT)
			return pk_is_intlike(x);
		return (int)x.kind == c->kind;
	}
	if (c == &pk_class_object)
		return true;
	return pk_is_obj(x) && x.u.o->type == c->type;
}

static int class_instancecheck(struct pk_vm *vm, pk_val self, pk_val x,
                               bool *out)
{
	*out = class_matches((struct pk_class *)self.u.o, x);
	return 0;
}

const struct pk_type pk_type_class = {
    .name = "type",
    .repr = class_repr,
    .call = class_call,
    .getattr = class_getattr,
    .attrnames = class_attrnames,
    .hash = class_hash,
    .instancecheck = class_instancecheck,
};

static int ctor_int(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_float(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_bool(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_str(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_bytes(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_list(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_tuple(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_dict(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);
static int ctor_range(struct pk_vm *, pk_val, const struct pk_args *, pk_val *);

#define CLASS(var, nm, k, t, ctor, st)                                         \
	struct pk_class var = {                                                \
	    {PK_STATIC_REF, &pk_type_class}, nm, k, t, ctor, st}

CLASS(pk_class_int, "int", PK_K_INT, &pk_type_int, ctor_int, pk_int_statics);
CLASS(pk_class_float, "float", PK_K_FLOAT, &pk_type_float, ctor_float, NULL);
CLASS(pk_class_bool, "bool", PK_K_BOOL, &pk_type_bool, ctor_bool, NULL);
CLASS(pk_class_str, "str", PK_K_OBJ, &pk_type_str, ctor_str, pk_str_statics);
CLASS(pk_class_bytes, "bytes", PK_K_OBJ, &pk_type_bytes, ctor_bytes,
      pk_bytes_statics);
CLASS(pk_class_list, "list", PK_K_OBJ, &pk_type_list, ctor_list, NULL);
CLASS(pk_class_tuple, "tuple", PK_K_OBJ, &pk_type_tuple, ctor_tuple, NULL);
CLASS(pk_class_dict, "dict", PK_K_OBJ, &pk_type_dict, ctor_dict,
      pk_dict_statics);
CLASS(pk_class_range, "range", PK_K_OBJ, &pk_type_range, ctor_range, NULL);
CLASS(pk_class_none, "NoneType", PK_K_NONE, &pk_type_none, NULL, NULL);
CLASS(pk_class_object, "object", PK_K_OBJ, NULL, NULL, NULL);
static CLASS(class_type, "type", PK_K_OBJ, &pk_type_class, NULL, NULL);

struct pk_class *const pk_class_all[] = {
    &pk_class_int,
    &pk_class_float,
    &pk_class_bool,
    &pk_class_str,
    &pk_class_bytes,
    &pk_class_list,
    &pk_class_tuple,
    &pk_class_dict,
    &pk_class_range,
    &pk_class_object,
    NULL,
};

/* type(v) as a new reference */
static int type_value(struct pk_vm *vm, pk_val v, pk_val *out)
{
	struct pk_class *c;
	const struct pk_type *t = pk_type_of(v);
	size_t i;

	if (t->classof) {
		int r = t->classof(vm, v, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	if (pk_is_type(v, &pk_type_exc)) {
		*out = pk_incref(
		    pk_obj_take((void *)((struct pk_exc *)v.u.o)->type));
		return 0;
	}
	if (pk_is_type(v, &pk_type_exctype) || pk_is_type(v, &pk_type_class)) {
		*out = pk_incref(pk_obj_take(&class_type));
		return 0;
	}
	if (pk_is_none(v)) {
		*out = pk_incref(pk_obj_take(&pk_class_none));
		return 0;
	}
	for (i = 0; pk_class_all[i]; i++)
		if (pk_class_all[i]->type == t) {
			*out = pk_incref(pk_obj_take(pk_class_all[i]));
			return 0;
		}
	c = pk_obj_alloc(&pk_type_class, sizeof(*c));
	if (!c)
		return pk_raise_nomem(vm);
	c->name = t->name;
	c->kind = PK_K_OBJ;
	c->type = t;
	*out = pk_obj_take(c);
	return 0;
}

pk_val pk_class_of(struct pk_vm *vm, pk_val v)
{
	pk_val r;

	if (type_value(vm, v, &r) < 0)
		return pk_undef();
	return r;
}

/* ------------------------------------------------------------------ */
/* constructors                                                        */

static int call_dunder(struct pk_vm *vm, pk_val v, const char *name,
                       pk_val *out)
{
	const struct pk_method *m = pk_type_method(pk_type_of(v), name);
	struct pk_args a = {0};

	if (!m)
		return PK_NOTIMPL;
	return m->fn(vm, v, &a, out);
}

const struct pk_method *pk_type_method(const struct pk_type *t,
                                       const char *name)
{
	const struct pk_method *m;

	for (m = t->methods; m && m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static int ctor_int(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	int64_t base, r;
	ARGS("int", 0, "x", "base");

	if (!given(av[0])) {
		*out = pk_int(0);
		return 0;
	}
	if (given(av[1])) {
		const char *s;
		size_t n;

		if (pk_arg_int(vm, av[1], "int", "base", &base) < 0)
			return -1;
		if (base != 0 && (base < 2 || base > 36))
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "int() base must be >= 2 and <= 36, or 0");
		if (pk_is_bytes(av[0])) {
			s = (const char *)pk_as_bytes(av[0])->b;
			n = pk_as_bytes(av[0])->len;
		} else if (pk_is_str(av[0])) {
			s = pk_as_str(av[0])->s;
			n = pk_as_str(av[0])->len;
		} else {
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "int() can't convert non-string with explicit base");
		}
		if (pk_str_to_int(vm, s, n, (int)base, &r) < 0)
			return -1;
		*out = pk_int(r);
		return 0;
	}
	if (pk_is_bytes(av[0])) {
		if (pk_str_to_int(vm, (const char *)pk_as_bytes(av[0])->b,
		                  pk_as_bytes(av[0])->len, 10, &r) < 0)
			return -1;
	} else if (pk_to_int(vm, av[0], &r) < 0) {
		return -1;
	}
	*out = pk_int(r);
	return 0;
}

static int ctor_float(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	double d;
	pk_val r;
	int rc;
	ARGS("float", 0, "x");

	if (!given(av[0])) {
		*out = pk_float(0);
		return 0;
	}
	if (pk_is_str(av[0])) {
		if (pk_str_to_float(vm, pk_as_str(av[0])->s,
		                    pk_as_str(av[0])->len, &d) < 0)
			return -1;
		*out = pk_float(d);
		return 0;
	}
	if (pk_is_intlike(av[0]) || pk_is_float(av[0])) {
		pk_arg_float(vm, av[0], "float", "x", &d);
		*out = pk_float(d);
		return 0;
	}
	rc = call_dunder(vm, av[0], "__float__", &r);
	if (rc == PK_NOTIMPL) {
		int64_t i;

		rc = call_dunder(vm, av[0], "__int__", &r);
		if (rc == PK_NOTIMPL)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "float() argument must be a string or a real number, not '%s'",
			    pk_typename(av[0]));
		if (rc < 0)
			return -1;
		rc = pk_to_int(vm, r, &i);
		pk_decref(r);
		if (rc < 0)
			return -1;
		*out = pk_float((double)i);
		return 0;
	}
	if (rc < 0)
		return -1;
	*out = r;
	return 0;
}

static int ctor_bool(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	bool b = false;
	ARGS("bool", 0, "x");

	if (given(av[0]) && pk_truth(vm, av[0], &b) < 0)
		return -1;
	*out = pk_bool(b);
	return 0;
}

static int ctor_str(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	ARGS("str", 0, "object", "encoding", "errors");

	if (!given(av[0]))
		return ret(pk_str_new(vm, "", 0), out);
	if (pk_is_str(av[0])) {
		*out = pk_incref(av[0]);
		return 0;
	}
	if (given(av[1]) && pk_is_bytes(av[0])) {
		const char *enc, *err = NULL;

		if (pk_arg_str(vm, av[1], "str", "encoding", &enc, NULL) < 0)
			return -1;
		if (given(av[2]) &&
		    pk_arg_str(vm, av[2], "str", "errors", &err, NULL) < 0)
			return -1;
		return pk_decode(vm, pk_as_bytes(av[0])->b,
		                 pk_as_bytes(av[0])->len, enc, err, out);
	}
	if (pk_str_of(vm, av[0], &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

struct bytes_ctx {
	struct pk_buf *b;
};

static int bytes_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct bytes_ctx *c = ctx;

	if (!pk_is_intlike(item))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "'%s' object cannot be interpreted as an integer",
		    pk_typename(item));
	if (item.u.i < 0 || item.u.i > 255)
		return pk_raise(vm, &pk_exc_ValueError,
		                "bytes must be in range(0, 256)");
	return pk_buf_addch(c->b, (int)item.u.i) < 0 ? pk_raise_nomem(vm) : 0;
}

/* bytes(x) for any x: the conversion scapy users rely on (bytes(pkt)
 * goes through the type's __bytes__ method). */
int pk_to_bytes(struct pk_vm *vm, pk_val v, pk_val *out);
int pk_to_bytes(struct pk_vm *vm, pk_val v, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	struct bytes_ctx c = {&b};
	int r;

	if (pk_is_bytes(v)) {
		*out = pk_incref(v);
		return 0;
	}
	if (pk_is_str(v))
		return pk_raise(vm, &pk_exc_TypeError,
		                "string argument without an encoding");
	if (pk_is_intlike(v)) {
		if (v.u.i < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "negative count");
		if (pk_check_size(vm, (uint64_t)v.u.i, 1) < 0)
			return -1;
		return ret(pk_bytes_new(vm, NULL, (size_t)v.u.i), out);
	}
	r = call_dunder(vm, v, "__bytes__", out);
	if (r != PK_NOTIMPL)
		return r;
	if (!pk_type_of(v)->iter)
		return pk_raise(vm, &pk_exc_TypeError,
		                "cannot convert '%s' object to bytes",
		                pk_typename(v));
	if (pk_foreach(vm, v, bytes_cb, &c) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(pk_bytes_from_buf(vm, &b), out);
}

static int ctor_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	ARGS("bytes", 0, "source", "encoding", "errors");

	if (!given(av[0]))
		return ret(pk_bytes_new(vm, NULL, 0), out);
	if (pk_is_str(av[0])) {
		const char *enc, *err = NULL;

		if (!given(av[1]))
			return pk_raise(vm, &pk_exc_TypeError,
			                "string argument without an encoding");
		if (pk_arg_str(vm, av[1], "bytes", "encoding", &enc, NULL) < 0)
			return -1;
		if (given(av[2]) &&
		    pk_arg_str(vm, av[2], "bytes", "errors", &err, NULL) < 0)
			return -1;
		return pk_encode(vm, pk_as_str(av[0])->s, pk_as_str(av[0])->len,
		                 enc, err, out);
	}
	return pk_to_bytes(vm, av[0], out);
}

static int ctor_list(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	ARGS("list", 0, "iterable");

	if (!given(av[0]))
		return ret(pk_list_new(vm, 0), out);
	return pk_to_list(vm, av[0], out);
}

static int ctor_tuple(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	pk_val l;
	ARGS("tuple", 0, "iterable");

	if (!given(av[0]))
		return ret(pk_tuple_new(vm, 0), out);
	if (pk_is_tuple(av[0])) {
		*out = pk_incref(av[0]);
		return 0;
	}
	if (pk_to_list(vm, av[0], &l) < 0)
		return -1;
	*out = pk_tuple_from(vm, pk_as_list(l)->items, pk_as_list(l)->len);
	pk_decref(l);
	return pk_is_undef(*out) ? -1 : 0;
}

static int ctor_dict(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	pk_val d;

	if (a->n > 1)
		return pk_raise(vm, &pk_exc_TypeError,
		                "dict expected at most 1 argument, got %d",
		                a->n);
	d = pk_dict_new(vm);
	if (pk_is_undef(d))
		return -1;
	if (pk_dict_update(vm, d, a->n ? a->v[0] : pk_undef(), a) < 0) {
		pk_decref(d);
		return -1;
	}
	*out = d;
	return 0;
}

static int ctor_range(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	int64_t v[3] = {0, 0, 1};
	int i;

	if (a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "range() takes no keyword arguments");
	if (a->n < 1 || a->n > 3)
		return pk_raise(vm, &pk_exc_TypeError,
		                "range expected at least 1 argument, got %d",
		                a->n);
	for (i = 0; i < a->n; i++)
		if (pk_to_index(vm, a->v[i], &v[i]) < 0)
			return -1;
	if (a->n == 1) {
		v[1] = v[0];
		v[0] = 0;
	}
	return ret(pk_range_new(vm, v[0], v[1], v[2]), out);
}

/* ------------------------------------------------------------------ */
/* lazy iterators: enumerate, zip, map, filter                          */

enum { LZ_ENUM, LZ_ZIP, LZ_MAP, LZ_FILTER };

struct lazyit {
	struct pk_obj h;
	int mode;
	int n;
	int64_t count;
	pk_val fn;
	pk_val its[];
};

static void lazy_release(struct pk_obj *o)
{
	struct lazyit *l = (struct lazyit *)o;
	int i;

	pk_decref(l->fn);
	for (i = 0; i < l->n; i++)
		pk_decref(l->its[i]);
	pk_xfree(l);
}

static void lazy_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct lazyit *l = (struct lazyit *)o;
	int i;

	visit(l->fn, ctx);
	for (i = 0; i < l->n; i++)
		visit(l->its[i], ctx);
}

static void lazy_clear(struct pk_obj *o)
{
	struct lazyit *l = (struct lazyit *)o;
	int i, n = l->n;
	pk_val fn = l->fn;

	/* n = 0 also makes next() report the end */
	l->n = 0;
	l->fn = pk_none();
	pk_decref(fn);
	for (i = 0; i < n; i++)
		pk_decref(l->its[i]);
}

static int lazy_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

static int lazy_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct lazyit *l = (struct lazyit *)self.u.o;
	pk_val xs[16];
	int i, r;

	if (!l->n)
		return 0;
	for (;;) {
		for (i = 0; i < l->n; i++) {
			r = pk_next(vm, l->its[i], &xs[i]);
			if (r <= 0) {
				while (i-- > 0)
					pk_decref(xs[i]);
				return r;
			}
		}
		switch (l->mode) {
		case LZ_ENUM:
			*out = pk_tuple_pair(vm, pk_int(l->count++), xs[0]);
			pk_decref(xs[0]);
			return pk_is_undef(*out) ? -1 : 1;
		case LZ_ZIP:
			*out = pk_tuple_from(vm, xs, (size_t)l->n);
			for (i = 0; i < l->n; i++)
				pk_decref(xs[i]);
			return pk_is_undef(*out) ? -1 : 1;
		case LZ_MAP:
			r = pk_call_n(vm, l->fn, l->n, xs, out);
			for (i = 0; i < l->n; i++)
				pk_decref(xs[i]);
			return r < 0 ? -1 : 1;
		default: {
			bool keep;
			pk_val t;

			if (pk_is_none(l->fn)) {
				t = pk_incref(xs[0]);
			} else if (pk_call_n(vm, l->fn, 1, xs, &t) < 0) {
				pk_decref(xs[0]);
				return -1;
			}
			r = pk_truth(vm, t, &keep);
			pk_decref(t);
			if (r < 0) {
				pk_decref(xs[0]);
				return -1;
			}
			if (keep) {
				*out = xs[0];
				return 1;
			}
			pk_decref(xs[0]);
			if (pk_vm_tick(vm) < 0)
				return -1;
		}
		}
	}
}

static int lazy_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	static const char *const names[] = {"enumerate", "zip", "map",
	                                    "filter"};

	pk_buf_addf(out, "<%s object at %p>",
	            names[((struct lazyit *)self.u.o)->mode], (void *)self.u.o);
	return 0;
}

static const struct pk_type lazy_type = {
    .name = "iterator",
    .release = lazy_release,
    .repr = lazy_repr,
    .iter = lazy_iter,
    .next = lazy_next,
    .traverse = lazy_traverse,
    .clear = lazy_clear,
};

static int lazy_new(struct pk_vm *vm, int mode, pk_val fn, const pk_val *src,
                    int n, pk_val *out)
{
	struct lazyit *l;
	int i;

	if (n > 16)
		return pk_raise(vm, &pk_exc_TypeError,
		                "too many iterables (at most 16)");
	l = pk_obj_alloc(&lazy_type, sizeof(*l) + (size_t)n * sizeof(pk_val));
	if (!l)
		return pk_raise_nomem(vm);
	l->mode = mode;
	l->fn = pk_incref(fn);
	for (i = 0; i < n; i++) {
		if (pk_iter(vm, src[i], &l->its[i]) < 0) {
			pk_decref(pk_obj_take(l));
			return -1;
		}
		l->n = i + 1;
	}
	*out = pk_obj_take(l);
	return 0;
}

static int b_enumerate(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	int64_t start = 0;
	ARGS("enumerate", 1, "iterable", "start");

	if (given(av[1]) &&
	    pk_arg_int(vm, av[1], "enumerate", "start", &start) < 0)
		return -1;
	if (lazy_new(vm, LZ_ENUM, pk_none(), av, 1, out) < 0)
		return -1;
	((struct lazyit *)out->u.o)->count = start;
	return 0;
}

static int b_zip(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	if (a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "zip() takes no keyword arguments");
	return lazy_new(vm, LZ_ZIP, pk_none(), a->v, a->n, out);
}

static int b_map(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	if (a->n < 2)
		return pk_raise(vm, &pk_exc_TypeError,
		                "map() must have at least two arguments.");
	return lazy_new(vm, LZ_MAP, a->v[0], a->v + 1, a->n - 1, out);
}

static int b_filter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	ARGS("filter", 2, "function", "iterable");

	return lazy_new(vm, LZ_FILTER, av[0], &av[1], 1, out);
}

static int b_reversed(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	pk_val l;
	struct pk_list *pl;
	size_t i, j;
	int r;
	ARGS("reversed", 1, "sequence");

	if (pk_is_dict(av[0]) || !pk_type_of(av[0])->len)
		return pk_raise(vm, &pk_exc_TypeError,
		                "'%s' object is not reversible",
		                pk_typename(av[0]));
	if (pk_to_list(vm, av[0], &l) < 0)
		return -1;
	pl = pk_as_list(l);
	for (i = 0, j = pl->len ? pl->len - 1 : 0; i < j; i++, j--) {
		pk_val t = pl->items[i];

		pl->items[i] = pl->items[j];
		pl->items[j] = t;
	}
	r = pk_iter(vm, l, out);
	pk_decref(l);
	return r;
}

static int b_iter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	ARGS("iter", 1, "object");

	return pk_iter(vm, av[0], out);
}

static int b_next(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	int r;
	ARGS("next", 1, "iterator", "default");

	r = pk_next(vm, av[0], out);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (given(av[1])) {
			*out = pk_incref(av[1]);
			return 0;
		}
		return pk_raise(vm, &pk_exc_StopIteration, "%s", "");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* functions                                                           */

static int b_print(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	const char *sep = " ", *end = "\n";
	size_t nsep = 1, nend = 1;
	int i;

	for (i = 0; i < a->nkw; i++) {
		const char *k = a->kwnames[i]->s;
		pk_val v = a->kwv[i];

		if (!strcmp(k, "sep") || !strcmp(k, "end")) {
			const char **p = k[0] == 's' ? &sep : &end;
			size_t *np = k[0] == 's' ? &nsep : &nend;

			if (pk_is_none(v))
				continue;
			if (!pk_is_str(v))
				return pk_raise(
				    vm, &pk_exc_TypeError,
				    "%s must be None or a string, not %s", k,
				    pk_typename(v));
			*p = pk_as_str(v)->s;
			*np = pk_as_str(v)->len;
		} else if (strcmp(k, "file") && strcmp(k, "flush")) {
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "print() got an unexpected keyword argument '%s'",
			    k);
		}
	}
	for (i = 0; i < a->n; i++) {
		if (i)
			pk_buf_add(&b, sep, nsep);
		if (pk_str_of(vm, a->v[i], &b) < 0) {
			pk_buf_release(&b);
			return -1;
		}
	}
	pk_buf_add(&b, end, nend);
	if (pk_buf_failed(&b)) {
		pk_buf_release(&b);
		return pk_raise_nomem(vm);
	}
	pk_vm_write(vm, b.buf, b.len);
	pk_buf_release(&b);
	*out = pk_none();
	return 0;
}

static int b_repr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	ARGS("repr", 1, "obj");

	if (pk_repr(vm, av[0], &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

static int b_format(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	const char *spec = "";
	size_t n = 0;
	ARGS("format", 1, "value", "format_spec");

	if (given(av[1]) &&
	    pk_arg_str(vm, av[1], "format", "format_spec", &spec, &n) < 0)
		return -1;
	if (pk_format_spec(vm, av[0], spec, n, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

static int int_arg(struct pk_vm *vm, pk_val v, int64_t *out)
{
	if (pk_is_intlike(v)) {
		*out = v.u.i;
		return 0;
	}
	if (pk_is_obj(v) && !pk_is_str(v)) {
		pk_val r;
		int rc = call_dunder(vm, v, "__int__", &r);

		if (rc == 0) {
			rc = pk_to_int(vm, r, out);
			pk_decref(r);
			return rc;
		}
		if (rc < 0)
			return -1;
	}
	return pk_raise(vm, &pk_exc_TypeError,
	                "'%s' object cannot be interpreted as an integer",
	                pk_typename(v));
}

static int radix(struct pk_vm *vm, const struct pk_args *a, pk_val *out,
                 const char *fname, int base, const char *prefix)
{
	char buf[80];
	int i = (int)sizeof(buf);
	int64_t v;
	uint64_t u;
	ARGS(fname, 1, "number");

	if (int_arg(vm, av[0], &v) < 0)
		return -1;
	u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	buf[--i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	i -= 2;
	memcpy(buf + i, prefix, 2);
	if (v < 0)
		buf[--i] = '-';
	return ret(pk_str_cstr(vm, buf + i), out);
}

static int b_hex(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return radix(vm, a, out, "hex", 16, "0x");
}
static int b_oct(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return radix(vm, a, out, "oct", 8, "0o");
}
static int b_bin(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return radix(vm, a, out, "bin", 2, "0b");
}

static int b_len(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	int64_t n;
	ARGS("len", 1, "obj");

	if (pk_len(vm, av[0], &n) < 0)
		return -1;
	*out = pk_int(n);
	return 0;
}

struct minmax_ctx {
	pk_val best, bestkey, key;
	bool max;
};

static int minmax_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct minmax_ctx *m = ctx;
	pk_val k;
	bool better;

	if (pk_is_undef(m->key))
		k = pk_incref(item);
	else if (pk_call_n(vm, m->key, 1, &item, &k) < 0)
		return -1;
	if (pk_is_undef(m->best)) {
		m->best = pk_incref(item);
		m->bestkey = k;
		return 0;
	}
	if (pk_compare(vm, m->max ? PK_CMP_GT : PK_CMP_LT, k, m->bestkey,
	               &better) < 0) {
		pk_decref(k);
		return -1;
	}
	if (better) {
		pk_val_set(&m->best, item);
		pk_decref(m->bestkey);
		m->bestkey = k;
	} else {
		pk_decref(k);
	}
	return 0;
}

static int minmax(struct pk_vm *vm, const struct pk_args *a, pk_val *out,
                  bool max)
{
	struct minmax_ctx m = {pk_undef(), pk_undef(), pk_undef(), max};
	pk_val def = pk_undef();
	const char *fname = max ? "max" : "min";
	int i, r;

	for (i = 0; i < a->nkw; i++) {
		if (!strcmp(a->kwnames[i]->s, "key")) {
			if (!pk_is_none(a->kwv[i]))
				m.key = a->kwv[i];
		} else if (!strcmp(a->kwnames[i]->s, "default")) {
			def = a->kwv[i];
		} else {
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() got an unexpected keyword argument '%s'",
			    fname, a->kwnames[i]->s);
		}
	}
	if (a->n == 0)
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s expected at least 1 argument, got 0",
		                fname);
	if (a->n == 1) {
		r = pk_foreach(vm, a->v[0], minmax_cb, &m);
	} else {
		r = 0;
		for (i = 0; i < a->n && !r; i++)
			r = minmax_cb(vm, a->v[i], &m);
	}
	pk_decref(m.bestkey);
	if (r < 0) {
		pk_decref(m.best);
		return -1;
	}
	if (pk_is_undef(m.best)) {
		if (given(def)) {
			*out = pk_incref(def);
			return 0;
		}
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s() arg is an empty sequence", fname);
	}
	*out = m.best;
	return 0;
}

static int b_min(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return minmax(vm, a, out, false);
}
static int b_max(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return minmax(vm, a, out, true);
}

struct sum_ctx {
	pk_val acc;
};

static int sum_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct sum_ctx *s = ctx;
	pk_val r;

	if (pk_is_int(s->acc) && pk_is_intlike(item)) {
		int64_t x;

		if (__builtin_add_overflow(s->acc.u.i, item.u.i, &x))
			return pk_raise(vm, &pk_exc_OverflowError,
			                "integer overflow");
		s->acc = pk_int(x);
		return 0;
	}
	if (pk_binop(vm, PK_OP_ADD, s->acc, item, &r) < 0)
		return -1;
	pk_decref(s->acc);
	s->acc = r;
	return 0;
}

static int b_sum(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	struct sum_ctx s;
	ARGS("sum", 1, "iterable", "start");

	s.acc = given(av[1]) ? pk_incref(av[1]) : pk_int(0);
	if (pk_is_str(s.acc)) {
		pk_decref(s.acc);
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "sum() can't sum strings [use ''.join(seq) instead]");
	}
	if (pk_foreach(vm, av[0], sum_cb, &s) < 0) {
		pk_decref(s.acc);
		return -1;
	}
	*out = s.acc;
	return 0;
}

static int b_sorted(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	pk_val l;
	bool rev = false;
	ARGS("sorted", 1, "iterable", "key", "reverse");

	if (a->n > 1)
		return pk_raise(vm, &pk_exc_TypeError,
		                "sorted expected 1 argument, got %d", a->n);
	if (given(av[2]) && pk_truth(vm, av[2], &rev) < 0)
		return -1;
	if (pk_to_list(vm, av[0], &l) < 0)
		return -1;
	if (pk_list_sort(vm, l, av[1], rev) < 0) {
		pk_decref(l);
		return -1;
	}
	*out = l;
	return 0;
}

struct anyall_ctx {
	bool want, found;
};

static int anyall_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct anyall_ctx *c = ctx;
	bool t;

	if (pk_truth(vm, item, &t) < 0)
		return -1;
	if (t == c->want) {
		c->found = true;
		return 1;
	}
	return 0;
}

static int b_any(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	struct anyall_ctx c = {true, false};
	ARGS("any", 1, "iterable");

	if (pk_foreach(vm, av[0], anyall_cb, &c) < 0)
		return -1;
	*out = pk_bool(c.found);
	return 0;
}

static int b_all(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	struct anyall_ctx c = {false, false};
	ARGS("all", 1, "iterable");

	if (pk_foreach(vm, av[0], anyall_cb, &c) < 0)
		return -1;
	*out = pk_bool(!c.found);
	return 0;
}

int pk_isinstance(struct pk_vm *vm, pk_val x, pk_val cls, bool *out);
int pk_isinstance(struct pk_vm *vm, pk_val x, pk_val cls, bool *out)
{
	const struct pk_type *t = pk_type_of(cls);

	if (pk_is_tuple(cls)) {
		size_t i;

		for (i = 0; i < pk_as_tuple(cls)->len; i++) {
			if (pk_isinstance(vm, x, pk_as_tuple(cls)->items[i],
			                  out) < 0)
				return -1;
			if (*out)
				return 0;
		}
		*out = false;
		return 0;
	}
	if (t == &pk_type_exctype) {
		*out = pk_is_type(x, &pk_type_exc) &&
		       pk_exc_matches(((struct pk_exc *)x.u.o)->type,
		                      (struct pk_exctype *)cls.u.o);
		return 0;
	}
	if (t->instancecheck)
		return t->instancecheck(vm, cls, x, out);
	return pk_raise(
	    vm, &pk_exc_TypeError,
	    "isinstance() arg 2 must be a type, a tuple of types, or a union");
}

static int b_isinstance(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	bool r;
	ARGS("isinstance", 2, "obj", "class_or_tuple");

	if (pk_isinstance(vm, av[0], av[1], &r) < 0)
		return -1;
	*out = pk_bool(r);
	return 0;
}

static int b_issubclass(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	ARGS("issubclass", 2, "cls", "class_or_tuple");

	if (pk_is_type(av[0], &pk_type_exctype) &&
	    pk_is_type(av[1], &pk_type_exctype)) {
		*out = pk_bool(pk_exc_matches((struct pk_exctype *)av[0].u.o,
		                              (struct pk_exctype *)av[1].u.o));
		return 0;
	}
	*out = pk_bool(pk_val_is(av[0], av[1]) ||
	               (pk_is_type(av[1], &pk_type_class) &&
	                av[1].u.o == &pk_class_object.h));
	return 0;
}

static int b_type(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	ARGS("type", 1, "object");

	return type_value(vm, av[0], out);
}

static int b_abs(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	ARGS("abs", 1, "x");

	if (pk_is_intlike(av[0])) {
		if (av[0].u.i == INT64_MIN)
			return pk_raise(vm, &pk_exc_OverflowError,
			                "integer overflow");
		*out = pk_int(av[0].u.i < 0 ? -av[0].u.i : av[0].u.i);
		return 0;
	}
	if (pk_is_float(av[0])) {
		*out = pk_float(fabs(av[0].u.f));
		return 0;
	}
	return pk_raise(vm, &pk_exc_TypeError,
	                "bad operand type for abs(): '%s'", pk_typename(av[0]));
}

static int b_ord(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	ARGS("ord", 1, "c");

	if (pk_is_bytes(av[0])) {
		if (pk_as_bytes(av[0])->len != 1)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "ord() expected a character, but string of length %zu found",
			    pk_as_bytes(av[0])->len);
		*out = pk_int(pk_as_bytes(av[0])->b[0]);
		return 0;
	}
	if (pk_is_str(av[0])) {
		const unsigned char *p =
		    (const unsigned char *)pk_as_str(av[0])->s;
		size_t n = pk_as_str(av[0])->len, len = 1;
		uint32_t c = p[0];

		if (n && p[0] >= 0xc0) {
			len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
			if (len == n) {
				size_t i;

				c = p[0] & (0x7f >> len);
				for (i = 1; i < len; i++)
					c = (c << 6) | (p[i] & 0x3f);
			}
		}
		if (n != len)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "ord() expected a character, but string of length %zu found",
			    n);
		*out = pk_int(c);
		return 0;
	}
	return pk_raise(vm, &pk_exc_TypeError,
	                "ord() expected string of length 1, but %s found",
	                pk_typename(av[0]));
}

static int b_chr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	int64_t c;
	ARGS("chr", 1, "i");

	if (int_arg(vm, av[0], &c) < 0)
		return -1;
	if (c < 0 || c > 0x10ffff)
		return pk_raise(vm, &pk_exc_ValueError,
		                "chr() arg not in range(0x110000)");
	pk_utf8_put(&b, (uint32_t)c);
	return ret(pk_str_from_buf(vm, &b), out);
}

static int b_round(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	int64_t nd = 0;
	double x;
	ARGS("round", 1, "number", "ndigits");

	if (given(av[1]) && !pk_is_none(av[1]) &&
	    pk_arg_int(vm, av[1], "round", "ndigits", &nd) < 0)
		return -1;
	if (pk_is_intlike(av[0])) {
		int64_t v = av[0].u.i, p = 1, q, r, i;

		if (!given(av[1]) || pk_is_none(av[1]) || nd >= 0) {
			*out = pk_int(v);
			return 0;
		}
		if (nd < -18) {
			*out = pk_int(0);
			return 0;
		}
		for (i = 0; i < -nd; i++)
			p *= 10;
		q = v / p;
		r = v % p;
		if (r < 0) {
			q--;
			r += p;
		}
		if (2 * r > p || (2 * r == p && (q & 1)))
			q++;
		if (__builtin_mul_overflow(q, p, &v))
			return pk_raise(vm, &pk_exc_OverflowError,
			                "integer overflow");
		*out = pk_int(v);
		return 0;
	}
	if (!pk_is_float(av[0]))
		return pk_raise(vm, &pk_exc_TypeError,
		                "type %s doesn't define __round__ method",
		                pk_typename(av[0]));
	x = av[0].u.f;
	if (!given(av[1]) || pk_is_none(av[1])) {
		double r = nearbyint(x);
		pk_val f = pk_float(r);
		int64_t i;

		if (pk_to_int(vm, f, &i) < 0)
			return -1;
		*out = pk_int(i);
		return 0;
	}
	if (!isfinite(x) || nd > 300) {
		*out = pk_float(x);
		return 0;
	}
	if (nd >= 0) {
		char buf[400];

		snprintf(buf, sizeof(buf), "%.*f", (int)nd, x);
		*out = pk_float(strtod(buf, NULL));
	} else {
		double p = pow(10.0, (double)-nd);

		*out = pk_float(nd < -308 ? 0.0 * x : nearbyint(x / p) * p);
	}
	return 0;
}

static int b_divmod(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	pk_val q, r;
	ARGS("divmod", 2, "x", "y");

	if (pk_is_intlike(av[0]) && pk_is_intlike(av[1]) && !av[1].u.i)
		return pk_raise(vm, &pk_exc_ZeroDivisionError,
		                "integer division or modulo by zero");
	if (pk_binop(vm, PK_OP_FLOORDIV, av[0], av[1], &q) < 0)
		return -1;
	if (pk_binop(vm, PK_OP_MOD, av[0], av[1], &r) < 0) {
		pk_decref(q);
		return -1;
	}
	*out = pk_tuple_pair(vm, q, r);
	pk_decref(q);
	pk_decref(r);
	return pk_is_undef(*out) ? -1 : 0;
}

static int b_pow(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	ARGS("pow", 2, "base", "exp", "mod");

	if (given(av[2]) && !pk_is_none(av[2])) {
		int64_t b, e, m;
		__int128 r = 1, x;

		if (!pk_is_intlike(av[0]) || !pk_is_intlike(av[1]) ||
		    !pk_is_intlike(av[2]))
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "pow() 3rd argument not allowed unless all arguments are integers");
		b = av[0].u.i;
		e = av[1].u.i;
		m = av[2].u.i;
		if (m == 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "pow() 3rd argument cannot be 0");
		if (e < 0)
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "base is not invertible for the given modulus");
		x = ((__int128)b % m + m) % m;
		while (e) {
			if (e & 1)
				r = r * x % m;
			x = x * x % m;
			e >>= 1;
		}
		r = (r % m + m) % m;
		if (m < 0 && r)
			r += m;
		*out = pk_int((int64_t)r);
		return 0;
	}
	return pk_binop(vm, PK_OP_POW, av[0], av[1], out);
}

static int b_id(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                pk_val *out)
{
	ARGS("id", 1, "obj");

	if (pk_is_obj(av[0]))
		*out = pk_int((int64_t)(uintptr_t)av[0].u.o);
	else
		*out = pk_int((int64_t)(av[0].u.i * 16 + av[0].kind));
	return 0;
}

static int b_hash(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	uint64_t h;
	ARGS("hash", 1, "obj");

	if (pk_hash(vm, av[0], &h) < 0)
		return -1;
	*out = pk_int((int64_t)(h >> 1));
	return 0;
}

static int b_callable(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	ARGS("callable", 1, "obj");

	*out = pk_bool(pk_type_of(av[0])->call != NULL);
	return 0;
}

static int name_arg(struct pk_vm *vm, pk_val v, const char *fname,
                    struct pk_str **out)
{
	if (!pk_is_str(v))
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s(): attribute name must be string", fname);
	*out = pk_intern(pk_as_str(v)->s, pk_as_str(v)->len);
	return *out ? 0 : pk_raise_nomem(vm);
}

static bool pending_is(struct pk_vm *vm, const struct pk_exctype *t)
{
	return pk_is_type(vm->exc, &pk_type_exc) &&
	       pk_exc_matches(((struct pk_exc *)vm->exc.u.o)->type, t);
}

static int b_getattr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_str *n;
	ARGS("getattr", 2, "object", "name", "default");

	if (name_arg(vm, av[1], "getattr", &n) < 0)
		return -1;
	if (pk_getattr(vm, av[0], n, out) == 0)
		return 0;
	if (given(av[2]) && pending_is(vm, &pk_exc_AttributeError)) {
		pk_exc_set(vm, pk_undef());
		*out = pk_incref(av[2]);
		return 0;
	}
	return -1;
}

static int b_hasattr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_str *n;
	pk_val v;
	ARGS("hasattr", 2, "object", "name");

	if (name_arg(vm, av[1], "hasattr", &n) < 0)
		return -1;
	if (pk_getattr(vm, av[0], n, &v) == 0) {
		pk_decref(v);
		*out = pk_bool(true);
		return 0;
	}
	if (!pending_is(vm, &pk_exc_AttributeError))
		return -1;
	pk_exc_set(vm, pk_undef());
	*out = pk_bool(false);
	return 0;
}

static int b_setattr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_str *n;
	ARGS("setattr", 3, "object", "name", "value");

	if (name_arg(vm, av[1], "setattr", &n) < 0 ||
	    pk_setattr(vm, av[0], n, av[2]) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int b_delattr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_str *n;
	ARGS("delattr", 2, "object", "name");

	if (name_arg(vm, av[1], "delattr", &n) < 0 ||
	    pk_delattr(vm, av[0], n) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int b_exit(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	pk_val e;
	struct pk_args ea = {0};
	ARGS("exit", 0, "code");

	if (given(av[0])) {
		ea.n = 1;
		ea.v = av;
	}
	e = pk_exc_new(vm, &pk_exc_SystemExit, &ea);
	if (pk_is_undef(e))
		return -1;
	return pk_exc_set(vm, e);
}

struct names_ctx {
	struct pk_vm *vm;
	pk_val list;
	int err;
};

static void add_name(void *ctx, const char *name)
{
	struct names_ctx *c = ctx;
	pk_val s;

	if (c->err)
		return;
	s = pk_str_cstr(c->vm, name);
	if (pk_is_undef(s) || pk_list_append_take(c->vm, c->list, s) < 0)
		c->err = -1;
}

static int names_list(struct pk_vm *vm, pk_val obj, bool globals, pk_val *out)
{
	struct names_ctx c = {vm, pk_list_new(vm, 0), 0};
	struct pk_list *l;
	size_t i, j;

	if (pk_is_undef(c.list))
		return -1;
	if (globals)
		pk_vm_globals(vm, add_name, &c);
	else
		pk_attrnames(obj, add_name, &c);
	if (c.err || pk_list_sort(vm, c.list, pk_undef(), false) < 0) {
		pk_decref(c.list);
		return -1;
	}
	/* drop duplicates (a method may also be an attribute name) */
	l = pk_as_list(c.list);
	for (i = j = 0; i < l->len; i++) {
		bool dup = false;

		if (j)
			pk_eq(vm, l->items[j - 1], l->items[i], &dup);
		if (dup)
			pk_decref(l->items[i]);
		else
			l->items[j++] = l->items[i];
	}
	l->len = j;
	*out = c.list;
	return 0;
}

static int b_dir(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	ARGS("dir", 0, "object");

	return names_list(vm, av[0], !given(av[0]), out);
}

static void help_methods(struct pk_vm *vm, const struct pk_method *m,
                         struct pk_buf *b)
{
	for (; m && m->name; m++)
		if (m->name[0] != '_')
			pk_buf_addf(b, "  %s\n", m->doc ? m->doc : m->name);
}

static int b_help(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	pk_val x;
	ARGS("help", 0, "object");

	x = av[0];
	*out = pk_none();
	if (!given(x)) {
		pk_buf_addstr(
		    &b,
		    "pktsh: scapy's language and packets.\n"
		    "help(x) describes a function, class or value; dir(x) lists its\n"
		    "attributes; dir() lists every name defined.\n");
	} else if (pk_is_type(x, &pk_type_cfunc)) {
		const struct pk_method *m = ((struct pk_cfunc *)x.u.o)->m;

		pk_buf_addf(&b, "%s\n", m->doc ? m->doc : m->name);
	} else if (pk_is_type(x, &pk_type_class)) {
		struct pk_class *c = (struct pk_class *)x.u.o;

		pk_buf_addf(&b, "class %s\n", c->name);
		if (c->statics && c->statics->name) {
			pk_buf_addstr(&b, "Class methods:\n");
			help_methods(vm, c->statics, &b);
		}
		if (c->type && c->type->methods && c->type->methods->name) {
			pk_buf_addstr(&b, "Methods:\n");
			help_methods(vm, c->type->methods, &b);
		}
	} else if (pk_is_type(x, &pk_type_exctype)) {
		const struct pk_exctype *t = (struct pk_exctype *)x.u.o;

		pk_buf_addf(&b, "class %s", t->name);
		for (t = t->base; t; t = t->base)
			pk_buf_addf(&b, "(%s", t->name);
		for (t = ((struct pk_exctype *)x.u.o)->base; t; t = t->base)
			pk_buf_addch(&b, ')');
		pk_buf_addch(&b, '\n');
	} else {
		const struct pk_type *t = pk_type_of(x);

		pk_buf_addf(&b, "%s object", t->name);
		if (t->doc)
			pk_buf_addf(&b, ": %s", t->doc);
		pk_buf_addch(&b, '\n');
		if (t->methods && t->methods->name) {
			pk_buf_addstr(&b, "Methods:\n");
			help_methods(vm, t->methods, &b);
		}
	}
	if (pk_buf_failed(&b)) {
		pk_buf_release(&b);
		return pk_raise_nomem(vm);
	}
	pk_vm_write(vm, b.buf, b.len);
	pk_buf_release(&b);
	return 0;
}

/* ------------------------------------------------------------------ */
/* scapy's pure byte helpers                                           */

/* bytes of a str, bytes, or anything with __bytes__ (packets) */
static int bytes_of(struct pk_vm *vm, pk_val v, pk_val *out)
{
	if (pk_is_str(v))
		return ret(pk_bytes_new(vm, pk_as_str(v)->s, pk_as_str(v)->len),
		           out);
	return pk_to_bytes(vm, v, out);
}

static int b_bytes_hex(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	pk_val by;
	ARGS("bytes_hex", 1, "x");

	if (bytes_of(vm, av[0], &by) < 0)
		return -1;
	pk_buf_addhex(&b, pk_as_bytes(by)->b, pk_as_bytes(by)->len);
	pk_decref(by);
	return ret(pk_bytes_from_buf(vm, &b), out);
}

static int b_hex_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	ARGS("hex_bytes", 1, "x");

	if (pk_is_bytes(av[0]))
		return pk_hex_decode(vm, (const char *)pk_as_bytes(av[0])->b,
		                     pk_as_bytes(av[0])->len, out);
	if (pk_is_str(av[0]))
		return pk_hex_decode(vm, pk_as_str(av[0])->s,
		                     pk_as_str(av[0])->len, out);
	return pk_raise(vm, &pk_exc_TypeError,
	                "hex_bytes() argument must be str or bytes, not %s",
	                pk_typename(av[0]));
}

static void hex_line(struct pk_buf *b, const uint8_t *p, size_t n, bool hex,
                     bool asc)
{
	size_t i;

	if (hex)
		for (i = 0; i < n; i++)
			pk_buf_addf(b, i ? " %02X" : "%02X", p[i]);
	if (hex && asc)
		pk_buf_addstr(b, "  ");
	if (asc)
		for (i = 0; i < n; i++)
			pk_buf_addch(b, p[i] >= 32 && p[i] < 127 ? p[i] : '.');
}

static int hex_common(struct pk_vm *vm, const struct pk_args *a, pk_val *out,
                      const char *fname, bool line, bool print)
{
	struct pk_buf b = PK_BUF_INIT;
	bool onlyasc = false, onlyhex = false, dump = !print;
	pk_val by;
	ARGS(fname, 1, "x", "onlyasc", "onlyhex", "color", "dump");

	if ((given(av[1]) && pk_truth(vm, av[1], &onlyasc) < 0) ||
	    (given(av[2]) && pk_truth(vm, av[2], &onlyhex) < 0) ||
	    (given(av[4]) && pk_truth(vm, av[4], &dump) < 0))
		return -1;
	if (bytes_of(vm, av[0], &by) < 0)
		return -1;
	hex_line(&b, pk_as_bytes(by)->b, pk_as_bytes(by)->len, !onlyasc,
	         !onlyhex);
	pk_decref(by);
	if (!dump) {
		pk_buf_addch(&b, '\n');
		pk_vm_write(vm, b.buf, b.len);
		pk_buf_release(&b);
		*out = pk_none();
		return 0;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

static int b_hexstr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	return hex_common(vm, a, out, "hexstr", false, false);
}

static int b_linehexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out)
{
	return hex_common(vm, a, out, "linehexdump", true, true);
}

static int b_hexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	bool dump = false;
	pk_val by;
	size_t i, n;
	const uint8_t *p;
	ARGS("hexdump", 1, "x", "dump");

	if (given(av[1]) && pk_truth(vm, av[1], &dump) < 0)
		return -1;
	if (bytes_of(vm, av[0], &by) < 0)
		return -1;
	p = pk_as_bytes(by)->b;
	n = pk_as_bytes(by)->len;
	for (i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;

		if (i)
			pk_buf_addch(&b, '\n');
		pk_buf_addf(&b, "%04zx  ", i);
		hex_line(&b, p + i, k, true, false);
		pk_buf_addchars(&b, ' ', (16 - k) * 3 + 2);
		hex_line(&b, p + i, k, false, true);
	}
	pk_decref(by);
	if (!dump) {
		if (b.len)
			pk_buf_addch(&b, '\n');
		pk_vm_write(vm, b.buf, b.len);
		pk_buf_release(&b);
		*out = pk_none();
		return 0;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

const struct pk_method pk_builtins[] = {
    {"print", b_print, "print(*values, sep=' ', end='\\n') -> None"},
    {"repr", b_repr, "repr(obj) -> str: the printable form of obj"},
    {"format", b_format, "format(value, format_spec='') -> str"},
    {"hex", b_hex, "hex(number) -> str: '0x..' form of an integer"},
    {"oct", b_oct, "oct(number) -> str: '0o..' form of an integer"},
    {"bin", b_bin, "bin(number) -> str: '0b..' form of an integer"},
    {"len", b_len, "len(obj) -> int: number of items"},
    {"min", b_min,
     "min(iterable or *args, key=None, default=...) -> smallest item"},
    {"max", b_max,
     "max(iterable or *args, key=None, default=...) -> largest item"},
    {"sum", b_sum, "sum(iterable, start=0) -> sum of the items"},
    {"sorted", b_sorted, "sorted(iterable, key=None, reverse=False) -> list"},
    {"reversed", b_reversed, "reversed(sequence) -> iterator"},
    {"enumerate", b_enumerate,
     "enumerate(iterable, start=0) -> iterator of (index, item)"},
    {"zip", b_zip, "zip(*iterables) -> iterator of tuples"},
    {"map", b_map, "map(func, *iterables) -> iterator"},
    {"filter", b_filter, "filter(func or None, iterable) -> iterator"},
    {"iter", b_iter, "iter(obj) -> iterator"},
    {"next", b_next, "next(iterator[, default]) -> next item"},
    {"any", b_any, "any(iterable) -> bool"},
    {"all", b_all, "all(iterable) -> bool"},
    {"isinstance", b_isinstance, "isinstance(obj, class_or_tuple) -> bool"},
    {"issubclass", b_issubclass, "issubclass(cls, class_or_tuple) -> bool"},
    {"type", b_type, "type(obj) -> the class of obj"},
    {"abs", b_abs, "abs(x) -> absolute value"},
    {"ord", b_ord, "ord(c) -> int: code of a one-character string"},
    {"chr", b_chr, "chr(i) -> str: the character with code i"},
    {"round", b_round, "round(number, ndigits=None) -> number"},
    {"divmod", b_divmod, "divmod(x, y) -> (x // y, x % y)"},
    {"pow", b_pow, "pow(base, exp, mod=None) -> number"},
    {"id", b_id, "id(obj) -> int: identity of obj"},
    {"hash", b_hash, "hash(obj) -> int"},
    {"callable", b_callable, "callable(obj) -> bool"},
    {"getattr", b_getattr, "getattr(obj, name[, default]) -> value"},
    {"setattr", b_setattr, "setattr(obj, name, value) -> None"},
    {"hasattr", b_hasattr, "hasattr(obj, name) -> bool"},
    {"delattr", b_delattr, "delattr(obj, name) -> None"},
    {"exit", b_exit, "exit(code=0): leave pktsh"},
    {"quit", b_exit, "quit(code=0): leave pktsh"},
    {"help", b_help, "help(obj): describe a function, class or value"},
    {"dir", b_dir, "dir([obj]) -> list of names"},
    {"bytes_hex", b_bytes_hex,
     "bytes_hex(x) -> bytes: hex digits of x's bytes"},
    {"hex_bytes", b_hex_bytes, "hex_bytes(x) -> bytes: bytes from hex digits"},
    {"hexstr", b_hexstr, "hexstr(x, onlyasc=0, onlyhex=0) -> str: '41 42  AB'"},
    {"linehexdump", b_linehexdump,
     "linehexdump(x, onlyasc=0, onlyhex=0, dump=False): one-line hex dump"},
    {"hexdump", b_hexdump, "hexdump(x, dump=False): hex dump, 16 bytes a line"},
    {NULL, NULL, NULL},
};

int pk_lang_register(struct pk_vm *vm)
{
	size_t i;

	if (pk_vm_add_builtins(vm, pk_builtins) < 0)
		return -1;
	for (i = 0; pk_exc_all[i]; i++)
		if (pk_vm_set_global(vm, pk_exc_all[i]->name,
		                     pk_obj_take(pk_exc_all[i])) < 0)
			return -1;
	for (i = 0; pk_class_all[i]; i++)
		if (pk_vm_set_global(vm, pk_class_all[i]->name,
		                     pk_obj_take(pk_class_all[i])) < 0)
			return -1;
	return 0;
}
