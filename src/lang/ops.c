/*
 * ops.c - generic operations: every value operation goes through here,
 * built-in types first where Python fixes the semantics, then the type
 * table hooks, so packets and other module types plug in without the
 * evaluator knowing them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

static const char *const binop_sym[PK_OP__COUNT] = {
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^",
};

bool pk_val_is(pk_val a, pk_val b)
{
	if (a.kind != b.kind)
		return false;
	switch (a.kind) {
	case PK_K_UNDEF:
	case PK_K_NONE:
		return true;
	case PK_K_BOOL:
	case PK_K_INT:
		return a.u.i == b.u.i;
	case PK_K_FLOAT:
		return !memcmp(&a.u.f, &b.u.f, sizeof(double));
	default:
		return a.u.o == b.u.o;
	}
}

/* ------------------------------------------------------------------ */
/* repr / str                                                          */

int pk_repr(struct pk_vm *vm, pk_val v, struct pk_buf *out)
{
	const struct pk_type *t;

	switch (v.kind) {
	case PK_K_NONE:
		pk_buf_addstr(out, "None");
		return 0;
	case PK_K_BOOL:
		pk_buf_addstr(out, v.u.i ? "True" : "False");
		return 0;
	case PK_K_INT:
		pk_buf_addf(out, "%lld", (long long)v.u.i);
		return 0;
	case PK_K_FLOAT:
		return pk_float_repr(out, v.u.f);
	case PK_K_OBJ:
		t = v.u.o->type;
		if (t->repr)
			return t->repr(vm, v, out);
		pk_buf_addf(out, "<%s object at %p>", t->name, (void *)v.u.o);
		return 0;
	default:
		pk_buf_addstr(out, "<undefined>");
		return 0;
	}
}

int pk_str_of(struct pk_vm *vm, pk_val v, struct pk_buf *out)
{
	if (pk_is_obj(v) && v.u.o->type->str)
		return v.u.o->type->str(vm, v, out);
	return pk_repr(vm, v, out);
}

/* ------------------------------------------------------------------ */
/* attributes                                                          */

struct name_ctx {
	void (*add)(void *ctx, const char *name);
	void *ctx;
};

void pk_attrnames(pk_val v, void (*add)(void *ctx, const char *name), void *ctx)
{
	const struct pk_type *t = pk_type_of(v);
	const struct pk_method *m;

	if (t->methods)
		for (m = t->methods; m->name; m++)
			add(ctx, m->name);
	if (t->attrnames)
		t->attrnames(v, add, ctx);
}

static int no_attr(struct pk_vm *vm, pk_val v, struct pk_str *name)
{
	struct pk_suggest s;
	struct pk_buf b = PK_BUF_INIT;
	int r;

	pk_suggest_init(&s, name->s);
	pk_attrnames(v, pk_suggest_add, &s);
	if (pk_is_type(v, &pk_type_class) || pk_is_type(v, &pk_type_exctype))
		pk_buf_addf(&b, "type object '%s' has no attribute '%s'",
		            pk_is_type(v, &pk_type_class)
		                ? ((struct pk_class *)v.u.o)->name
		                : ((struct pk_exctype *)v.u.o)->name,
		            name->s);
	else
		pk_buf_addf(&b, "'%s' object has no attribute '%s'",
		            pk_typename(v), name->s);
	pk_suggest_finish(&s, &b);
	r = pk_raise(vm, &pk_exc_AttributeError, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

int pk_getattr(struct pk_vm *vm, pk_val v, struct pk_str *name, pk_val *out)
{
	const struct pk_type *t = pk_type_of(v);
	const struct pk_method *m;

	if (t->methods)
		for (m = t->methods; m->name; m++)
			if (!strcmp(m->name, name->s)) {
				*out = pk_cfunc_new(vm, m, v);
				return pk_is_undef(*out) ? -1 : 0;
			}
	if (t->getattr) {
		int r = t->getattr(vm, v, name, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	return no_attr(vm, v, name);
}

int pk_setattr(struct pk_vm *vm, pk_val v, struct pk_str *name, pk_val x)
{
	const struct pk_type *t = pk_type_of(v);

	if (t->setattr) {
		int r = t->setattr(vm, v, name, x);

		if (r != PK_NOTIMPL)
			return r;
	}
	return no_attr(vm, v, name);
}

int pk_delattr(struct pk_vm *vm, pk_val v, struct pk_str *name)
{
	return pk_setattr(vm, v, name, pk_undef());
}

/* ------------------------------------------------------------------ */
/* calls, items, length, iteration                                     */

int pk_call(struct pk_vm *vm, pk_val fn, const struct pk_args *a, pk_val *out)
{
	const struct pk_type *t = pk_type_of(fn);

	if (!t->call)
		return pk_raise_type(vm, "'%s' object is not callable", fn);
	return t->call(vm, fn, a, out);
}

int pk_call_n(struct pk_vm *vm, pk_val fn, int n, const pk_val *argv,
              pk_val *out)
{
	struct pk_args a = {n, argv, 0, NULL, NULL, NULL};

	return pk_call(vm, fn, &a, out);
}

int pk_getitem(struct pk_vm *vm, pk_val v, pk_val key, pk_val *out)
{
	const struct pk_type *t = pk_type_of(v);

	if (!t->getitem)
		return pk_raise_type(vm, "'%s' object is not subscriptable", v);
	return t->getitem(vm, v, key, out);
}

int pk_setitem(struct pk_vm *vm, pk_val v, pk_val key, pk_val x)
{
	const struct pk_type *t = pk_type_of(v);

	if (!t->setitem)
		return pk_raise_type(
		    vm, "'%s' object does not support item assignment", v);
	return t->setitem(vm, v, key, x);
}

int pk_delitem(struct pk_vm *vm, pk_val v, pk_val key)
{
	const struct pk_type *t = pk_type_of(v);

	if (!t->setitem)
		return pk_raise_type(
		    vm, "'%s' object doesn't support item deletion", v);
	return t->setitem(vm, v, key, pk_undef());
}

int pk_len(struct pk_vm *vm, pk_val v, int64_t *out)
{
	const struct pk_type *t = pk_type_of(v);

	if (!t->len)
		return pk_raise_type(vm, "object of type '%s' has no len()", v);
	return t->len(vm, v, out);
}

int pk_iter(struct pk_vm *vm, pk_val v, pk_val *out)
{
	const struct pk_type *t = pk_type_of(v);

	if (!t->iter)
		return pk_raise_type(vm, "'%s' object is not iterable", v);
	return t->iter(vm, v, out);
}

int pk_next(struct pk_vm *vm, pk_val it, pk_val *out)
{
	const struct pk_type *t = pk_type_of(it);

	if (!t->next)
		return pk_raise_type(vm, "'%s' object is not an iterator", it);
	return t->next(vm, it, out);
}

int pk_foreach(struct pk_vm *vm, pk_val v,
               int (*cb)(struct pk_vm *vm, pk_val item, void *ctx), void *ctx)
{
	pk_val it, x;
	int r;

	if (pk_is_list(v)) {
		size_t i;

		pk_incref(v);
		for (i = 0; i < pk_as_list(v)->len; i++) {
			if (pk_vm_tick(vm) < 0) {
				r = -1;
				goto list_done;
			}
			x = pk_incref(pk_as_list(v)->items[i]);
			r = cb(vm, x, ctx);
			pk_decref(x);
			if (r)
				goto list_done;
		}
		r = 0;
	list_done:
		pk_decref(v);
		return r < 0 ? -1 : 0;
	}
	if (pk_is_type(v, &pk_type_range)) {
		struct pk_range *rg = (struct pk_range *)v.u.o;
		uint64_t n = pk_range_len(rg), i;
		int64_t cur = rg->start;

		for (i = 0; i < n;
		     i++, cur = (int64_t)((uint64_t)cur + (uint64_t)rg->step)) {
			if (pk_vm_tick(vm) < 0)
				return -1;
			r = cb(vm, pk_int(cur), ctx);
			if (r)
				return r < 0 ? -1 : 0;
		}
		return 0;
	}
	if (pk_iter(vm, v, &it) < 0)
		return -1;
	for (;;) {
		if (pk_vm_tick(vm) < 0) {
			r = -1;
			break;
		}
		r = pk_next(vm, it, &x);
		if (r <= 0)
			break;
		r = cb(vm, x, ctx);
		pk_decref(x);
		if (r) {
			if (r > 0)
				r = 0;
			break;
		}
	}
	pk_decref(it);
	return r < 0 ? -1 : 0;
}

static int append_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	return pk_list_append(vm, *(pk_val *)ctx, item);
}

int pk_to_list(struct pk_vm *vm, pk_val v, pk_val *out)
{
	pk_val l;
	size_t hint = 0;

	if (pk_is_list(v) || pk_is_tuple(v)) {
		l = pk_is_list(v) ? pk_list_from(vm, pk_as_list(v)->items,
		                                 pk_as_list(v)->len)
		                  : pk_list_from(vm, pk_as_tuple(v)->items,
		                                 pk_as_tuple(v)->len);
		if (pk_is_undef(l))
			return -1;
		*out = l;
		return 0;
	}
	if (pk_is_type(v, &pk_type_range)) {
		uint64_t n = pk_range_len((struct pk_range *)v.u.o);

		if (pk_check_size(vm, n, sizeof(pk_val)) < 0)
			return -1;
		hint = (size_t)n;
	}
	l = pk_list_new(vm, hint);
	if (pk_is_undef(l))
		return -1;
	if (pk_foreach(vm, v, append_cb, &l) < 0) {
		pk_decref(l);
		return -1;
	}
	*out = l;
	return 0;
}

/* ------------------------------------------------------------------ */
/* truth, hash, equality, ordering                                     */

int pk_truth(struct pk_vm *vm, pk_val v, bool *out)
{
	const struct pk_type *t;
	int64_t n;

	switch (v.kind) {
	case PK_K_NONE:
	case PK_K_UNDEF:
		*out = false;
		return 0;
	case PK_K_BOOL:
	case PK_K_INT:
		*out = v.u.i != 0;
		return 0;
	case PK_K_FLOAT:
		*out = v.u.f != 0.0;
		return 0;
	}
	t = v.u.o->type;
	if (t == &pk_type_str) {
		*out = pk_as_str(v)->len != 0;
		return 0;
	}
	if (t == &pk_type_list) {
		*out = pk_as_list(v)->len != 0;
		return 0;
	}
	if (t->truth)
		return t->truth(vm, v, out);
	if (t->len) {
		if (t->len(vm, v, &n) < 0)
			return -1;
		*out = n != 0;
		return 0;
	}
	*out = true;
	return 0;
}

static uint64_t int_hash(int64_t i)
{
	return (uint64_t)i;
}

int pk_hash(struct pk_vm *vm, pk_val v, uint64_t *out)
{
	const struct pk_type *t;

	switch (v.kind) {
	case PK_K_NONE:
	case PK_K_UNDEF:
		*out = 0x9e3779b97f4a7c15ULL;
		return 0;
	case PK_K_BOOL:
	case PK_K_INT:
		*out = int_hash(v.u.i);
		return 0;
	case PK_K_FLOAT:
		if (v.u.f == floor(v.u.f) && fabs(v.u.f) < 9.2e18) {
			*out = int_hash((int64_t)v.u.f);
		} else {
			uint64_t bits;

			memcpy(&bits, &v.u.f, sizeof(bits));
			*out = bits ^ (bits >> 29);
		}
		return 0;
	}
	t = v.u.o->type;
	if (t == &pk_type_tuple) {
		/* nested 10**5 deep, the recursion needs a guard; without a
		 * VM (the type's hash hook) the depth is counted here */
		static unsigned depth;
		struct pk_tuple *tp = pk_as_tuple(v);
		uint64_t h = 0x345678, x = 0;
		size_t i;
		int r = 0;

		if (vm ? pk_vm_enter(vm) < 0 : depth >= 1000)
			return -1;
		depth++;
		for (i = 0; i < tp->len && !r; i++) {
			r = pk_hash(vm, tp->items[i], &x);
			h = (h ^ x) * 1000003 + i;
		}
		depth--;
		if (vm)
			pk_vm_leave(vm);
		*out = h;
		return r;
	}
	if (!t->hash) {
		if (!vm)
			return -1;
		return pk_raise_type(vm, "unhashable type: '%s'", v);
	}
	*out = t->hash(v);
	return 0;
}

static bool is_num(pk_val v)
{
	return v.kind == PK_K_INT || v.kind == PK_K_BOOL ||
	       v.kind == PK_K_FLOAT;
}

static double num_f(pk_val v)
{
	return v.kind == PK_K_FLOAT ? v.u.f : (double)v.u.i;
}

static int seq_eq(struct pk_vm *vm, const pk_val *a, size_t na, const pk_val *b,
                  size_t nb, bool *out)
{
	size_t i;

	*out = false;
	if (na != nb)
		return 0;
	if (pk_vm_enter(vm) < 0)
		return -1;
	for (i = 0; i < na; i++) {
		bool e;

		if (pk_eq(vm, a[i], b[i], &e) < 0) {
			pk_vm_leave(vm);
			return -1;
		}
		if (!e) {
			pk_vm_leave(vm);
			return 0;
		}
	}
	pk_vm_leave(vm);
	*out = true;
	return 0;
}

static int dict_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	size_t pos = 0;
	pk_val k, v, w;

	*out = false;
	if (pk_dict_len(a) != pk_dict_len(b))
		return 0;
	while (pk_dict_next(a, &pos, &k, &v)) {
		int r = pk_dict_get(vm, b, k, &w);
		bool e;

		if (r < 0)
			return -1;
		if (!r)
			return 0;
		if (pk_eq(vm, v, w, &e) < 0)
			return -1;
		if (!e)
			return 0;
	}
	*out = true;
	return 0;
}

int pk_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	const struct pk_type *ta, *tb;

	if (is_num(a) && is_num(b)) {
		if (a.kind != PK_K_FLOAT && b.kind != PK_K_FLOAT)
			*out = a.u.i == b.u.i;
		else
			*out = num_f(a) == num_f(b);
		return 0;
	}
	if (a.kind != PK_K_OBJ || b.kind != PK_K_OBJ) {
		if (a.kind == PK_K_OBJ || b.kind == PK_K_OBJ) {
			/* an object against an immediate: let its hook say */
			pk_val o = a.kind == PK_K_OBJ ? a : b;
			pk_val x = a.kind == PK_K_OBJ ? b : a;

			if (o.u.o->type->eq) {
				int r = o.u.o->type->eq(vm, o, x, out);

				if (r != PK_NOTIMPL)
					return r;
			}
			*out = false;
			return 0;
		}
		*out = a.kind == b.kind;
		return 0;
	}
	if (a.u.o == b.u.o) {
		*out = true;
		return 0;
	}
	ta = a.u.o->type;
	tb = b.u.o->type;
	if (ta == tb) {
		if (ta == &pk_type_str) {
			struct pk_str *x = pk_as_str(a), *y = pk_as_str(b);

			*out = x->len == y->len && !memcmp(x->s, y->s, x->len);
			return 0;
		}
		if (ta == &pk_type_bytes) {
			struct pk_bytes *x = pk_as_bytes(a),
			                *y = pk_as_bytes(b);

			*out = x->len == y->len && !memcmp(x->b, y->b, x->len);
			return 0;
		}
		if (ta == &pk_type_list)
			return seq_eq(vm, pk_as_list(a)->items,
			              pk_as_list(a)->len, pk_as_list(b)->items,
			              pk_as_list(b)->len, out);
		if (ta == &pk_type_tuple)
			return seq_eq(
			    vm, pk_as_tuple(a)->items, pk_as_tuple(a)->len,
			    pk_as_tuple(b)->items, pk_as_tuple(b)->len, out);
		if (ta == &pk_type_dict) {
			int r;

			if (vm && pk_vm_enter(vm) < 0)
				return -1;
			r = dict_eq(vm, a, b, out);
			if (vm)
				pk_vm_leave(vm);
			return r;
		}
		if (ta == &pk_type_range) {
			struct pk_range *x = (void *)a.u.o, *y = (void *)b.u.o;
			uint64_t n = pk_range_len(x);

			*out = n == pk_range_len(y) &&
			       (n == 0 || (x->start == y->start &&
			                   (n == 1 || x->step == y->step)));
			return 0;
		}
	}
	if (ta->eq) {
		int r = ta->eq(vm, a, b, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	if (tb->eq && tb != ta) {
		int r = tb->eq(vm, b, a, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	*out = false;
	return 0;
}

static int cmp_bytes(const void *a, size_t na, const void *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}

/* *out <0, 0, >0; PK_NOTIMPL if not ordered */
static int order(struct pk_vm *vm, pk_val a, pk_val b, int *out)
{
	const struct pk_type *ta, *tb;

	if (is_num(a) && is_num(b)) {
		if (a.kind != PK_K_FLOAT && b.kind != PK_K_FLOAT) {
			*out = a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
		} else {
			double x = num_f(a), y = num_f(b);

			if (x != x || y != y)
				*out = 2; /* unordered: every test false */
			else
				*out = x < y ? -1 : x > y;
		}
		return 0;
	}
	ta = pk_type_of(a);
	tb = pk_type_of(b);
	if (ta == tb && ta == &pk_type_str) {
		*out = cmp_bytes(pk_as_str(a)->s, pk_as_str(a)->len,
		                 pk_as_str(b)->s, pk_as_str(b)->len);
		return 0;
	}
	if (ta == tb && ta == &pk_type_bytes) {
		*out = cmp_bytes(pk_as_bytes(a)->b, pk_as_bytes(a)->len,
		                 pk_as_bytes(b)->b, pk_as_bytes(b)->len);
		return 0;
	}
	if (ta == tb && (ta == &pk_type_list || ta == &pk_type_tuple)) {
		const pk_val *x = NULL, *y = NULL;
		size_t nx = 0, ny = 0, i;

		pk_seq_items(a, &x, &nx);
		pk_seq_items(b, &y, &ny);
		for (i = 0; i < nx && i < ny; i++) {
			bool e;

			if (pk_eq(vm, x[i], y[i], &e) < 0)
				return -1;
			if (!e)
				return order(vm, x[i], y[i], out);
		}
		*out = nx < ny ? -1 : nx > ny;
		return 0;
	}
	if (ta->cmp) {
		int r = ta->cmp(vm, a, b, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	if (tb->cmp && tb != ta) {
		int r = tb->cmp(vm, b, a, out);

		if (r != PK_NOTIMPL) {
			*out = -*out;
			return r;
		}
	}
	return PK_NOTIMPL;
}

int pk_compare(struct pk_vm *vm, enum pk_cmpop op, pk_val a, pk_val b,
               bool *out)
{
	static const char *const sym[] = {"<", "<=", ">", ">="};
	int c, r = order(vm, a, b, &c);

	if (r < 0)
		return -1;
	if (r == PK_NOTIMPL)
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "'%s' not supported between instances of '%s' and '%s'",
		    sym[op], pk_typename(a), pk_typename(b));
	if (c == 2) {
		*out = false;
		return 0;
	}
	switch (op) {
	case PK_CMP_LT:
		*out = c < 0;
		break;
	case PK_CMP_LE:
		*out = c <= 0;
		break;
	case PK_CMP_GT:
		*out = c > 0;
		break;
	default:
		*out = c >= 0;
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* containment                                                         */

static const void *memfind(const void *h, size_t hn, const void *n, size_t nn)
{
	if (!nn)
		return h;
	return memmem(h, hn, n, nn);
}

struct contains_ctx {
	pk_val item;
	bool found;
};

static int contains_cb(struct pk_vm *vm, pk_val x, void *ctx)
{
	struct contains_ctx *c = ctx;
	bool e;

	if (pk_eq(vm, x, c->item, &e) < 0)
		return -1;
	if (e) {
		c->found = true;
		return 1;
	}
	return 0;
}

int pk_contains(struct pk_vm *vm, pk_val container, pk_val item, bool *out)
{
	const struct pk_type *t = pk_type_of(container);
	struct contains_ctx c;

	if (t == &pk_type_str) {
		if (!pk_is_str(item))
			return pk_raise_type(
			    vm,
			    "'in <string>' requires string as left operand, not %s",
			    item);
		*out =
		    memfind(pk_as_str(container)->s, pk_as_str(container)->len,
		            pk_as_str(item)->s, pk_as_str(item)->len) != NULL;
		return 0;
	}
	if (t == &pk_type_bytes) {
		struct pk_bytes *b = pk_as_bytes(container);

		if (pk_is_intlike(item)) {
			if (item.u.i < 0 || item.u.i > 255)
				return pk_raise(
				    vm, &pk_exc_ValueError,
				    "byte must be in range(0, 256)");
			*out = memchr(b->b, (int)item.u.i, b->len) != NULL;
			return 0;
		}
		if (!pk_is_bytes(item))
			return pk_raise_type(
			    vm, "a bytes-like object is required, not '%s'",
			    item);
		*out = memfind(b->b, b->len, pk_as_bytes(item)->b,
		               pk_as_bytes(item)->len) != NULL;
		return 0;
	}
	if (t->contains)
		return t->contains(vm, container, item, out);
	if (!t->iter)
		return pk_raise_type(
		    vm, "argument of type '%s' is not iterable", container);
	c.item = item;
	c.found = false;
	if (pk_foreach(vm, container, contains_cb, &c) < 0)
		return -1;
	*out = c.found;
	return 0;
}

/* ------------------------------------------------------------------ */
/* arithmetic                                                          */

static int overflow(struct pk_vm *vm)
{
	return pk_raise(vm, &pk_exc_OverflowError, "integer overflow");
}

static int int_pow(struct pk_vm *vm, int64_t a, int64_t b, pk_val *out)
{
	int64_t r = 1;

	if (b < 0) {
		if (a == 0)
			return pk_raise(
			    vm, &pk_exc_ZeroDivisionError,
			    "0.0 cannot be raised to a negative power");
		*out = pk_float(pow((double)a, (double)b));
		return 0;
	}
	while (b) {
		if (b & 1) {
			if (__builtin_mul_overflow(r, a, &r))
				return overflow(vm);
		}
		b >>= 1;
		if (b && __builtin_mul_overflow(a, a, &a))
			return overflow(vm);
	}
	*out = pk_int(r);
	return 0;
}

static int int_binop(struct pk_vm *vm, enum pk_binop op, pk_val av, pk_val bv,
                     pk_val *out)
{
	int64_t a = av.u.i, b = bv.u.i, r;

	switch (op) {
	case PK_OP_ADD:
		if (__builtin_add_overflow(a, b, &r))
			return overflow(vm);
		break;
	case PK_OP_SUB:
		if (__builtin_sub_overflow(a, b, &r))
			return overflow(vm);
		break;
	case PK_OP_MUL:
		if (__builtin_mul_overflow(a, b, &r))
			return overflow(vm);
		break;
	case PK_OP_DIV:
		if (!b)
			return pk_raise(vm, &pk_exc_ZeroDivisionError,
			                "division by zero");
		*out = pk_float((double)a / (double)b);
		return 0;
	case PK_OP_FLOORDIV:
		if (!b)
			return pk_raise(vm, &pk_exc_ZeroDivisionError,
			                "integer division or modulo by zero");
		if (a == INT64_MIN && b == -1)
			return overflow(vm);
		r = a / b;
		if ((a % b) && ((a < 0) != (b < 0)))
			r--;
		break;
	case PK_OP_MOD:
		if (!b)
			return pk_raise(vm, &pk_exc_ZeroDivisionError,
			                "integer modulo by zero");
		if (b == -1) {
			r = 0;
			break;
		}
		r = a % b;
		if (r && ((r < 0) != (b < 0)))
			r += b;
		break;
	case PK_OP_POW:
		return int_pow(vm, a, b, out);
	case PK_OP_LSHIFT:
		if (b < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "negative shift count");
		if (a == 0) {
			r = 0;
			break;
		}
		if (b >= 63)
			return overflow(vm);
		r = (int64_t)((uint64_t)a << b);
		if ((r >> b) != a)
			return overflow(vm);
		break;
	case PK_OP_RSHIFT:
		if (b < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "negative shift count");
		r = b >= 63 ? (a < 0 ? -1 : 0) : a >> b;
		break;
	case PK_OP_AND:
		r = a & b;
		goto bits;
	case PK_OP_OR:
		r = a | b;
		goto bits;
	case PK_OP_XOR:
		r = a ^ b;
	bits:
		if (av.kind == PK_K_BOOL && bv.kind == PK_K_BOOL) {
			*out = pk_bool(r != 0);
			return 0;
		}
		break;
	default:
		return PK_NOTIMPL;
	}
	*out = pk_int(r);
	return 0;
}

static int float_binop(struct pk_vm *vm, enum pk_binop op, double a, double b,
                       pk_val *out)
{
	double r, m;

	switch (op) {
	case PK_OP_ADD:
		r = a + b;
		break;
	case PK_OP_SUB:
		r = a - b;
		break;
	case PK_OP_MUL:
		r = a * b;
		break;
	case PK_OP_DIV:
		if (b == 0.0)
			return pk_raise(vm, &pk_exc_ZeroDivisionError,
			                "float division by zero");
		r = a / b;
		break;
	case PK_OP_FLOORDIV:
	case PK_OP_MOD:
		if (b == 0.0)
			return pk_raise(vm, &pk_exc_ZeroDivisionError,
			                op == PK_OP_MOD
			                    ? "float modulo"
			                    : "float floor division by zero");
		m = fmod(a, b);
		if (m != 0.0) {
			if ((b < 0) != (m < 0))
				m += b;
		} else {
			m = copysign(0.0, b);
		}
		if (op == PK_OP_MOD) {
			r = m;
		} else {
			double div = (a - m) / b;

			if (div != 0.0) {
				r = floor(div);
				if (div - r > 0.5)
					r += 1.0;
			} else {
				r = copysign(0.0, a / b);
			}
		}
		break;
	case PK_OP_POW:
		if (a == 0.0 && b < 0)
			return pk_raise(
			    vm, &pk_exc_ZeroDivisionError,
			    "0.0 cannot be raised to a negative power");
		if (a < 0 && b != floor(b))
			return pk_raise(vm, &pk_exc_ValueError,
			                "math domain error");
		r = pow(a, b);
		break;
	default:
		return PK_NOTIMPL;
	}
	*out = pk_float(r);
	return 0;
}

static int repeat(struct pk_vm *vm, pk_val seq, int64_t n, pk_val *out)
{
	const struct pk_type *t = pk_type_of(seq);
	size_t len, i;
	pk_val r;

	if (n < 0)
		n = 0;
	if (t == &pk_type_str || t == &pk_type_bytes) {
		const char *p = t == &pk_type_str
		                    ? pk_as_str(seq)->s
		                    : (const char *)pk_as_bytes(seq)->b;
		char *d;

		len = t == &pk_type_str ? pk_as_str(seq)->len
		                        : pk_as_bytes(seq)->len;
		if (len && pk_check_size(vm, (uint64_t)n, len) < 0)
			return -1;
		r = t == &pk_type_str ? pk_str_new(vm, NULL, 0)
		                      : pk_bytes_new(vm, NULL, 0);
		if (len * (size_t)n == 0) {
			if (pk_is_undef(r))
				return -1;
			*out = r;
			return 0;
		}
		pk_decref(r);
		if (t == &pk_type_str) {
			struct pk_buf b = PK_BUF_INIT;

			if (pk_buf_grow(&b, len * (size_t)n) < 0) {
				pk_buf_release(&b);
				return pk_raise_nomem(vm);
			}
			d = b.buf;
			for (i = 0; i < (size_t)n; i++)
				memcpy(d + i * len, p, len);
			b.len = len * (size_t)n;
			b.buf[b.len] = 0;
			r = pk_str_from_buf(vm, &b);
		} else {
			r = pk_bytes_new(vm, NULL, len * (size_t)n);
			if (!pk_is_undef(r))
				for (i = 0; i < (size_t)n; i++)
					memcpy(pk_as_bytes(r)->b + i * len, p,
					       len);
		}
	} else {
		const pk_val *items = t == &pk_type_list
		                          ? pk_as_list(seq)->items
		                          : pk_as_tuple(seq)->items;
		size_t j, k = 0;

		len = t == &pk_type_list ? pk_as_list(seq)->len
		                         : pk_as_tuple(seq)->len;
		if (len &&
		    pk_check_size(vm, (uint64_t)n, len * sizeof(pk_val)) < 0)
			return -1;
		if (t == &pk_type_list) {
			r = pk_list_new(vm, len * (size_t)n);
			if (pk_is_undef(r))
				return -1;
			for (i = 0; i < (size_t)n; i++)
				for (j = 0; j < len; j++)
					pk_as_list(r)->items[k++] =
					    pk_incref(items[j]);
			pk_as_list(r)->len = k;
			pk_list_note_all(r);
		} else {
			r = pk_tuple_new(vm, len * (size_t)n);
			if (pk_is_undef(r))
				return -1;
			for (i = 0; i < (size_t)n; i++)
				for (j = 0; j < len; j++)
					pk_as_tuple(r)->items[k++] =
					    pk_incref(items[j]);
			if (n > 0)
				pk_tuple_note_all(r);
		}
	}
	if (pk_is_undef(r))
		return -1;
	*out = r;
	return 0;
}

static int concat(struct pk_vm *vm, pk_val a, pk_val b, pk_val *out)
{
	const struct pk_type *t = pk_type_of(a);
	pk_val r;

	if (t == &pk_type_str || t == &pk_type_bytes) {
		struct pk_buf buf = PK_BUF_INIT;

		if (t == &pk_type_str) {
			pk_buf_add(&buf, pk_as_str(a)->s, pk_as_str(a)->len);
			pk_buf_add(&buf, pk_as_str(b)->s, pk_as_str(b)->len);
			r = pk_str_from_buf(vm, &buf);
		} else {
			pk_buf_add(&buf, pk_as_bytes(a)->b,
			           pk_as_bytes(a)->len);
			pk_buf_add(&buf, pk_as_bytes(b)->b,
			           pk_as_bytes(b)->len);
			r = pk_bytes_from_buf(vm, &buf);
		}
	} else {
		const pk_val *x, *y;
		size_t nx, ny, i;

		if (t == &pk_type_list) {
			x = pk_as_list(a)->items;
			nx = pk_as_list(a)->len;
			y = pk_as_list(b)->items;
			ny = pk_as_list(b)->len;
			r = pk_list_new(vm, nx + ny);
			if (pk_is_undef(r))
				return -1;
			for (i = 0; i < nx; i++)
				pk_as_list(r)->items[i] = pk_incref(x[i]);
			for (i = 0; i < ny; i++)
				pk_as_list(r)->items[nx + i] = pk_incref(y[i]);
			pk_as_list(r)->len = nx + ny;
			pk_list_note_all(r);
		} else {
			x = pk_as_tuple(a)->items;
			nx = pk_as_tuple(a)->len;
			y = pk_as_tuple(b)->items;
			ny = pk_as_tuple(b)->len;
			r = pk_tuple_new(vm, nx + ny);
			if (pk_is_undef(r))
				return -1;
			for (i = 0; i < nx; i++)
				pk_as_tuple(r)->items[i] = pk_incref(x[i]);
			for (i = 0; i < ny; i++)
				pk_as_tuple(r)->items[nx + i] = pk_incref(y[i]);
			pk_tuple_note_all(r);
		}
	}
	if (pk_is_undef(r))
		return -1;
	*out = r;
	return 0;
}

static bool is_seq(const struct pk_type *t)
{
	return t == &pk_type_str || t == &pk_type_bytes || t == &pk_type_list ||
	       t == &pk_type_tuple;
}

int pk_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
             pk_val *out)
{
	const struct pk_type *ta, *tb;
	int r;

	if (pk_is_intlike(a) && pk_is_intlike(b)) {
		r = int_binop(vm, op, a, b, out);
		if (r != PK_NOTIMPL)
			return r;
	} else if (is_num(a) && is_num(b)) {
		r = float_binop(vm, op, num_f(a), num_f(b), out);
		if (r != PK_NOTIMPL)
			return r;
	}
	ta = pk_type_of(a);
	tb = pk_type_of(b);
	if (is_seq(ta)) {
		if (op == PK_OP_ADD && ta == tb)
			return concat(vm, a, b, out);
		if (op == PK_OP_MUL && pk_is_intlike(b))
			return repeat(vm, a, b.u.i, out);
		if (op == PK_OP_MOD && ta == &pk_type_str)
			return pk_percent_format(vm, a, b, out);
	}
	if (is_seq(tb) && op == PK_OP_MUL && pk_is_intlike(a))
		return repeat(vm, b, a.u.i, out);
	if (ta->binop) {
		r = ta->binop(vm, op, a, b, false, out);
		if (r != PK_NOTIMPL)
			return r;
	}
	if (tb->binop && tb != ta) {
		r = tb->binop(vm, op, a, b, true, out);
		if (r != PK_NOTIMPL)
			return r;
	}
	if (op == PK_OP_ADD && ta == &pk_type_bytes)
		return pk_raise(vm, &pk_exc_TypeError,
		                "can't concat %s to bytes", tb->name);
	if (op == PK_OP_ADD &&
	    (ta == &pk_type_str || ta == &pk_type_list || ta == &pk_type_tuple))
		return pk_raise(vm, &pk_exc_TypeError,
		                "can only concatenate %s (not \"%s\") to %s",
		                ta->name, tb->name, ta->name);
	if (op == PK_OP_MUL && (is_seq(ta) || is_seq(tb)))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "can't multiply sequence by non-int of type '%s'",
		    is_seq(ta) ? tb->name : ta->name);
	return pk_raise(vm, &pk_exc_TypeError,
	                "unsupported operand type(s) for %s%s: '%s' and '%s'",
	                binop_sym[op], op == PK_OP_POW ? " or pow()" : "",
	                ta->name, tb->name);
}

int pk_unop(struct pk_vm *vm, enum pk_unop op, pk_val a, pk_val *out)
{
	static const char *const sym[] = {"-", "+", "~"};
	const struct pk_type *t;

	if (pk_is_intlike(a)) {
		switch (op) {
		case PK_OP_NEG:
			if (a.u.i == INT64_MIN)
				return overflow(vm);
			*out = pk_int(-a.u.i);
			return 0;
		case PK_OP_POS:
			*out = pk_int(a.u.i);
			return 0;
		case PK_OP_INVERT:
			*out = pk_int(~a.u.i);
			return 0;
		}
	}
	if (pk_is_float(a) && op != PK_OP_INVERT) {
		*out = pk_float(op == PK_OP_NEG ? -a.u.f : a.u.f);
		return 0;
	}
	t = pk_type_of(a);
	if (t->unop) {
		int r = t->unop(vm, op, a, out);

		if (r != PK_NOTIMPL)
			return r;
	}
	return pk_raise(vm, &pk_exc_TypeError,
	                "bad operand type for unary %s: '%s'", sym[op],
	                t->name);
}

/* ------------------------------------------------------------------ */
/* conversions                                                         */

int pk_to_index(struct pk_vm *vm, pk_val v, int64_t *out)
{
	if (pk_is_intlike(v)) {
		*out = v.u.i;
		return 0;
	}
	return pk_raise_type(
	    vm, "'%s' object cannot be interpreted as an integer", v);
}

static int bad_literal(struct pk_vm *vm, const char *s, size_t len, int base)
{
	struct pk_buf b = PK_BUF_INIT;
	int r;

	pk_str_repr(&b, s, len);
	r = pk_raise(vm, &pk_exc_ValueError,
	             "invalid literal for int() with base %d: %s", base, b.buf);
	pk_buf_release(&b);
	return r;
}

int pk_str_to_int(struct pk_vm *vm, const char *s, size_t len, int base,
                  int64_t *out)
{
	const char *p = s, *e = s + len;
	bool neg = false, digits = false, last_us = false;
	uint64_t acc = 0, lim;
	int b = base;

	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (e - p >= 2 && p[0] == '0') {
		char c = (char)(p[1] | 32);

		if ((c == 'x' && (b == 16 || b == 0)) ||
		    (c == 'o' && (b == 8 || b == 0)) ||
		    (c == 'b' && (b == 2 || b == 0))) {
			b = c == 'x' ? 16 : c == 'o' ? 8 : 2;
			p += 2;
			last_us = true; /* "0x_1" is fine, "0x" is not */
			digits = false;
		}
	}
	if (b == 0)
		b = 10;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		int d;

		if (*p == '_') {
			if (last_us && digits)
				return bad_literal(vm, s, len, base);
			last_us = true;
			continue;
		}
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 32) >= 'a' && (*p | 32) <= 'z')
			d = (*p | 32) - 'a' + 10;
		else
			return bad_literal(vm, s, len, base);
		if (d >= b)
			return bad_literal(vm, s, len, base);
		if (acc > (lim - (uint64_t)d) / (uint64_t)b)
			return overflow(vm);
		acc = acc * (uint64_t)b + (uint64_t)d;
		digits = true;
		last_us = false;
	}
	if (!digits || last_us)
		return bad_literal(vm, s, len, base);
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

int pk_str_to_float(struct pk_vm *vm, const char *s, size_t len, double *out)
{
	char tmp[128], *end;
	size_t i, j = 0;
	const char *p = s, *e = s + len;

	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (p == e || (size_t)(e - p) >= sizeof(tmp))
		goto bad;
	for (i = 0; i < (size_t)(e - p); i++) {
		if (p[i] == '_')
			continue;
		tmp[j++] = p[i];
	}
	tmp[j] = 0;
	if (!strncasecmp(tmp, "0x", 2) || !strncasecmp(tmp + 1, "0x", 2))
		goto bad;
	errno = 0;
	*out = strtod(tmp, &end);
	if (*end || end == tmp)
		goto bad;
	return 0;
bad : {
	struct pk_buf b = PK_BUF_INIT;
	int r;

	pk_str_repr(&b, s, len);
	r = pk_raise(vm, &pk_exc_ValueError,
	             "could not convert string to float: %s", b.buf);
	pk_buf_release(&b);
	return r;
}
}

int pk_to_int(struct pk_vm *vm, pk_val v, int64_t *out)
{
	const struct pk_type *t;
	const struct pk_method *m;

	if (pk_is_intlike(v)) {
		*out = v.u.i;
		return 0;
	}
	if (pk_is_float(v)) {
		double f = v.u.f;

		if (f != f)
			return pk_raise(vm, &pk_exc_ValueError,
			                "cannot convert float NaN to integer");
		if (isinf(f))
			return pk_raise(
			    vm, &pk_exc_OverflowError,
			    "cannot convert float infinity to integer");
		if (f >= 9223372036854775808.0 || f < -9223372036854775808.0)
			return overflow(vm);
		*out = (int64_t)f;
		return 0;
	}
	if (pk_is_str(v))
		return pk_str_to_int(vm, pk_as_str(v)->s, pk_as_str(v)->len, 10,
		                     out);
	t = pk_type_of(v);
	if (t->methods)
		for (m = t->methods; m->name; m++)
			if (!strcmp(m->name, "__int__")) {
				struct pk_args a = {0};
				pk_val r;

				if (m->fn(vm, v, &a, &r) < 0)
					return -1;
				if (!pk_is_intlike(r)) {
					pk_decref(r);
					return pk_raise_type(
					    vm,
					    "__int__ returned non-int (type %s)",
					    r);
				}
				*out = r.u.i;
				return 0;
			}
	return pk_raise_type(
	    vm,
	    "int() argument must be a string, a bytes-like object or a real number, not '%s'",
	    v);
}
