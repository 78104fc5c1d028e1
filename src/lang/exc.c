/*
 * exc.c - exception classes and instances, raising, argument parsing and
 * "did you mean" suggestions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------ */
/* Classes: Python's hierarchy, as static objects                      */

#define EXC(n, b)                                                              \
	struct pk_exctype pk_exc_##n = {                                       \
	    {PK_STATIC_REF, &pk_type_exctype}, #n, b}

EXC(BaseException, NULL);
EXC(SystemExit, &pk_exc_BaseException);
EXC(KeyboardInterrupt, &pk_exc_BaseException);
EXC(Exception, &pk_exc_BaseException);
EXC(ArithmeticError, &pk_exc_Exception);
EXC(OverflowError, &pk_exc_ArithmeticError);
EXC(ZeroDivisionError, &pk_exc_ArithmeticError);
EXC(AssertionError, &pk_exc_Exception);
EXC(AttributeError, &pk_exc_Exception);
EXC(LookupError, &pk_exc_Exception);
EXC(IndexError, &pk_exc_LookupError);
EXC(KeyError, &pk_exc_LookupError);
EXC(MemoryError, &pk_exc_Exception);
EXC(NameError, &pk_exc_Exception);
EXC(OSError, &pk_exc_Exception);
EXC(PermissionError, &pk_exc_OSError);
EXC(FileNotFoundError, &pk_exc_OSError);
EXC(TimeoutError, &pk_exc_OSError);
EXC(RuntimeError, &pk_exc_Exception);
EXC(NotImplementedError, &pk_exc_RuntimeError);
EXC(RecursionError, &pk_exc_RuntimeError);
EXC(StopIteration, &pk_exc_Exception);
EXC(SyntaxError, &pk_exc_Exception);
EXC(TypeError, &pk_exc_Exception);
EXC(ValueError, &pk_exc_Exception);
EXC(Scapy_Exception, &pk_exc_Exception);

struct pk_exctype *const pk_exc_all[] = {
    &pk_exc_BaseException,
    &pk_exc_SystemExit,
    &pk_exc_KeyboardInterrupt,
    &pk_exc_Exception,
    &pk_exc_ArithmeticError,
    &pk_exc_OverflowError,
    &pk_exc_ZeroDivisionError,
    &pk_exc_AssertionError,
    &pk_exc_AttributeError,
    &pk_exc_LookupError,
    &pk_exc_IndexError,
    &pk_exc_KeyError,
    &pk_exc_MemoryError,
    &pk_exc_NameError,
    &pk_exc_OSError,
    &pk_exc_PermissionError,
    &pk_exc_FileNotFoundError,
    &pk_exc_TimeoutError,
    &pk_exc_RuntimeError,
    &pk_exc_NotImplementedError,
    &pk_exc_RecursionError,
    &pk_exc_StopIteration,
    &pk_exc_SyntaxError,
    &pk_exc_TypeError,
    &pk_exc_ValueError,
    &pk_exc_Scapy_Exception,
    NULL,
};

bool pk_exc_matches(const struct pk_exctype *t, const struct pk_exctype *cls)
{
	for (; t; t = t->base)
		if (t == cls)
			return true;
	return false;
}

static int exctype_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addf(out, "<class '%s'>", ((struct pk_exctype *)self.u.o)->name);
	return 0;
}

static int exctype_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	if (a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() takes no keyword arguments",
		                ((struct pk_exctype *)self.u.o)->name);
	*out = pk_exc_new(vm, (struct pk_exctype *)self.u.o, a);
	return pk_is_undef(*out) ? -1 : 0;
}

static int exctype_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                           pk_val *out)
{
	if (!strcmp(name->s, "__name__")) {
		*out = pk_str_cstr(vm, ((struct pk_exctype *)self.u.o)->name);
		return pk_is_undef(*out) ? -1 : 0;
	}
	return PK_NOTIMPL;
}

static uint64_t exctype_hash(pk_val v)
{
	return (uint64_t)(uintptr_t)v.u.o >> 4;
}

const struct pk_type pk_type_exctype = {
    .name = "type",
    .repr = exctype_repr,
    .call = exctype_call,
    .getattr = exctype_getattr,
    .hash = exctype_hash,
};

/* ------------------------------------------------------------------ */
/* Instances                                                           */

static void exc_release(struct pk_obj *o)
{
	struct pk_exc *e = (struct pk_exc *)o;

	pk_decref(e->msg);
	pk_decref(e->arg);
	pk_decref(e->args);
	pk_xfree(e);
}

static void exc_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_exc *e = (struct pk_exc *)o;

	visit(e->msg, ctx);
	visit(e->arg, ctx);
	visit(e->args, ctx);
}

static void exc_clear(struct pk_obj *o)
{
	struct pk_exc *e = (struct pk_exc *)o;
	pk_val v[3] = {e->msg, e->arg, e->args};
	int i;

	e->msg = e->arg = e->args = pk_undef();
	for (i = 0; i < 3; i++)
		pk_decref(v[i]);
}

static int exc_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_exc *e = (struct pk_exc *)self.u.o;
	size_t i;

	pk_buf_addf(out, "%s(", e->type->name);
	if (pk_is_tuple(e->args)) {
		struct pk_tuple *t = pk_as_tuple(e->args);

		for (i = 0; i < t->len; i++) {
			if (i)
				pk_buf_addstr(out, ", ");
			if (pk_repr(vm, t->items[i], out) < 0)
				return -1;
		}
	}
	pk_buf_addch(out, ')');
	return 0;
}

static int exc_str(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_exc *e = (struct pk_exc *)self.u.o;

	if (pk_is_str(e->msg))
		pk_buf_add(out, pk_as_str(e->msg)->s, pk_as_str(e->msg)->len);
	return 0;
}

static int exc_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                       pk_val *out)
{
	struct pk_exc *e = (struct pk_exc *)self.u.o;

	if (!strcmp(name->s, "args")) {
		*out = pk_is_undef(e->args) ? pk_tuple_new(vm, 0)
		                            : pk_incref(e->args);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (!strcmp(name->s, "code") && e->type == &pk_exc_SystemExit) {
		*out = pk_is_undef(e->arg) ? pk_none() : pk_incref(e->arg);
		return 0;
	}
	return PK_NOTIMPL;
}

static void exc_attrnames(pk_val self, void (*add)(void *, const char *),
                          void *ctx)
{
	add(ctx, "args");
}

const struct pk_type pk_type_exc = {
    .name = "Exception",
    .release = exc_release,
    .repr = exc_repr,
    .str = exc_str,
    .getattr = exc_getattr,
    .attrnames = exc_attrnames,
    .hash = exctype_hash,
    .traverse = exc_traverse,
    .clear = exc_clear,
};

static pk_val exc_alloc(struct pk_vm *vm, const struct pk_exctype *t,
                        pk_val msg, pk_val args)
{
	struct pk_exc *e = pk_obj_alloc(&pk_type_exc, sizeof(*e));

	if (!e) {
		pk_decref(msg);
		pk_decref(args);
		pk_raise_nomem(vm);
		return pk_undef();
	}
	e->type = t;
	e->msg = msg;
	e->arg = pk_undef();
	e->args = args;
	return pk_obj_take(e);
}

pk_val pk_exc_new(struct pk_vm *vm, const struct pk_exctype *t,
                  const struct pk_args *a)
{
	struct pk_buf b = PK_BUF_INIT;
	pk_val args, msg, e;
	int r = 0;

	args = pk_tuple_from(vm, a->v, (size_t)a->n);
	if (pk_is_undef(args))
		return args;
	if (a->n == 1) {
		if (t == &pk_exc_KeyError)
			r = pk_repr(vm, a->v[0], &b);
		else
			r = pk_str_of(vm, a->v[0], &b);
	} else if (a->n > 1) {
		r = pk_repr(vm, args, &b);
	}
	if (r < 0) {
		pk_buf_release(&b);
		pk_decref(args);
		return pk_undef();
	}
	msg = pk_str_from_buf(vm, &b);
	if (pk_is_undef(msg)) {
		pk_decref(args);
		return msg;
	}
	e = exc_alloc(vm, t, msg, args);
	if (!pk_is_undef(e) && t == &pk_exc_SystemExit && a->n >= 1)
		((struct pk_exc *)e.u.o)->arg = pk_incref(a->v[0]);
	return e;
}

int pk_exc_set(struct pk_vm *vm, pk_val exc)
{
	pk_val old = vm->exc;

	vm->exc = exc;
	vm->exc_pos = false;
	pk_decref(old);
	return -1;
}

int pk_raise(struct pk_vm *vm, const struct pk_exctype *t, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;
	pk_val msg, args, e;

	if (!vm)
		return -1;
	va_start(ap, fmt);
	pk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	msg = pk_str_from_buf(vm, &b);
	if (pk_is_undef(msg))
		return -1;
	args = pk_tuple_new(vm, 1);
	if (pk_is_undef(args)) {
		pk_decref(msg);
		return -1;
	}
	pk_tuple_set_take(args, 0, pk_incref(msg));
	e = exc_alloc(vm, t, msg, args);
	if (pk_is_undef(e))
		return -1;
	return pk_exc_set(vm, e);
}

int pk_raise_key(struct pk_vm *vm, pk_val key)
{
	struct pk_args a = {1, &key, 0, NULL, NULL, NULL};
	pk_val e = pk_exc_new(vm, &pk_exc_KeyError, &a);

	if (pk_is_undef(e))
		return -1;
	return pk_exc_set(vm, e);
}

int pk_raise_nomem(struct pk_vm *vm)
{
	char lim[32];
	int r;

	if (!vm)
		return -1;
	if (pk_alloc_limit_hit()) {
		/* the ceiling, not malloc: there is room to say so */
		pk_alloc_format_size(lim, sizeof(lim), pk_alloc_limit());
		pk_alloc_bypass_limit(true);
		r = pk_raise(vm, &pk_exc_MemoryError,
		             "memory limit of %s reached (raise it with "
		             "--memory-limit SIZE or PKTSH_MEMORY_LIMIT=SIZE)",
		             lim);
		pk_alloc_bypass_limit(false);
		return r;
	}
	return pk_exc_set(vm, pk_incref(vm->nomem));
}

/* ------------------------------------------------------------------ */
/* Argument parsing                                                    */

int pk_args_parse(struct pk_vm *vm, const struct pk_args *a, const char *fname,
                  const char *const *names, int count, int nreq, pk_val *out)
{
	int i, k;

	for (i = 0; i < count; i++)
		out[i] = pk_undef();
	if (a->n > count) {
		if (nreq == count)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() takes %d positional argument%s but %d %s given",
			    fname, count, count == 1 ? "" : "s", a->n,
			    a->n == 1 ? "was" : "were");
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "%s() takes from %d to %d positional arguments but %d were given",
		    fname, nreq, count, a->n);
	}
	for (i = 0; i < a->n; i++)
		out[i] = a->v[i];
	for (k = 0; k < a->nkw; k++) {
		const char *kn = a->kwnames[k]->s;

		for (i = 0; i < count; i++)
			if (!strcmp(names[i], kn))
				break;
		if (i == count) {
			struct pk_suggest s;
			struct pk_buf b = PK_BUF_INIT;
			int r;

			pk_suggest_init(&s, kn);
			for (i = 0; i < count; i++)
				pk_suggest_add(&s, names[i]);
			pk_buf_addf(
			    &b, "%s() got an unexpected keyword argument '%s'",
			    fname, kn);
			pk_suggest_finish(&s, &b);
			r = pk_raise(vm, &pk_exc_TypeError, "%s", b.buf);
			pk_buf_release(&b);
			return r;
		}
		if (!pk_is_undef(out[i]))
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() got multiple values for argument '%s'", fname,
			    kn);
		out[i] = a->kwv[k];
	}
	for (i = 0; i < nreq; i++)
		if (pk_is_undef(out[i]))
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() missing required argument '%s' (pos %d)",
			    fname, names[i], i + 1);
	return 0;
}

int pk_arg_int(struct pk_vm *vm, pk_val v, const char *fname, const char *pname,
               int64_t *out)
{
	if (pk_is_intlike(v)) {
		*out = v.u.i;
		return 0;
	}
	if (pk_is_float(v))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "'float' object cannot be interpreted as an integer");
	return pk_raise(vm, &pk_exc_TypeError,
	                "%s() argument '%s' must be int, not %s", fname, pname,
	                pk_typename(v));
}

int pk_arg_float(struct pk_vm *vm, pk_val v, const char *fname,
                 const char *pname, double *out)
{
	if (pk_is_intlike(v)) {
		*out = (double)v.u.i;
		return 0;
	}
	if (pk_is_float(v)) {
		*out = v.u.f;
		return 0;
	}
	return pk_raise(vm, &pk_exc_TypeError,
	                "%s() argument '%s' must be a number, not %s", fname,
	                pname, pk_typename(v));
}

int pk_arg_str(struct pk_vm *vm, pk_val v, const char *fname, const char *pname,
               const char **s, size_t *len)
{
	if (!pk_is_str(v))
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() argument '%s' must be str, not %s", fname,
		                pname, pk_typename(v));
	*s = pk_as_str(v)->s;
	if (len)
		*len = pk_as_str(v)->len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Suggestions: CPython's weighted Levenshtein (case changes are cheap) */

#define MOVE_COST 2
#define CASE_COST 1
#define MAX_CAND  40

static unsigned edit_cost(char a, char b)
{
	if (a == b)
		return 0;
	if ((a | 32) == (b | 32) && ((a | 32) >= 'a' && (a | 32) <= 'z'))
		return CASE_COST;
	return MOVE_COST;
}

/* optimal string alignment: a swap of neighbours is one move, so
 * 'dts' is close to 'dst' */
static unsigned levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned d[MAX_CAND + 1][MAX_CAND + 1];
	size_t i, j;

	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i * MOVE_COST;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j * MOVE_COST;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned best =
			    d[i - 1][j - 1] + edit_cost(a[i - 1], b[j - 1]);

			if (d[i - 1][j] + MOVE_COST < best)
				best = d[i - 1][j] + MOVE_COST;
			if (d[i][j - 1] + MOVE_COST < best)
				best = d[i][j - 1] + MOVE_COST;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && a[i - 1] != a[i - 2] &&
			    d[i - 2][j - 2] + MOVE_COST < best)
				best = d[i - 2][j - 2] + MOVE_COST;
			d[i][j] = best;
		}
	return d[la][lb];
}

void pk_suggest_init(struct pk_suggest *s, const char *name)
{
	s->name = name;
	s->best = NULL;
	s->best_dist = ~0u;
	s->bestbuf[0] = '\0';
}

void pk_suggest_add(void *sv, const char *cand)
{
	struct pk_suggest *s = sv;
	size_t la = strlen(s->name), lb = strlen(cand);
	unsigned d, max;

	if (la > MAX_CAND || lb > MAX_CAND || lb >= sizeof(s->bestbuf) ||
	    !strcmp(s->name, cand))
		return;
	max = (unsigned)(la + lb + 3) * MOVE_COST / 6;
	d = levenshtein(s->name, la, cand, lb);
	if (d > max || d >= s->best_dist)
		return;
	memcpy(s->bestbuf, cand, lb + 1);
	s->best = s->bestbuf;
	s->best_dist = d;
}

void pk_suggest_finish(struct pk_suggest *s, struct pk_buf *buf)
{
	if (s->best)
		pk_buf_addf(buf, " (did you mean '%s'?)", s->best);
}
