/*
 * eval.c - the tree-walking evaluator and pk_vm_run().
 *
 * Speed matters (scapy users build packets in loops): ints, floats,
 * bools and None are immediates; call arguments go on the VM's value
 * stack, never into per-call allocations; names were resolved by the
 * parser to slots; `for` over range/list/tuple iterates without
 * iterator objects; method calls `obj.m(...)` find the method in the
 * type's table (cached per call site) without making a bound method.
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"

enum { EX_ERR = -1, EX_OK = 0, EX_BREAK, EX_CONTINUE, EX_RETURN };

/* a variable shared by a frame and the closures made in it */
struct cell {
	struct pk_obj h;
	pk_val v;
};

static void cell_release(struct pk_obj *o)
{
	pk_decref(((struct cell *)o)->v);
	pk_xfree(o);
}

static void cell_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	visit(((struct cell *)o)->v, ctx);
}

static void cell_clear(struct pk_obj *o)
{
	pk_val v = ((struct cell *)o)->v;

	((struct cell *)o)->v = pk_undef();
	pk_decref(v);
}

static const struct pk_type cell_type = {
    .name = "cell",
    .release = cell_release,
    .traverse = cell_traverse,
    .clear = cell_clear,
};

static pk_val *cell_ref(pk_val c)
{
	return &((struct cell *)c.u.o)->v;
}

struct frame {
	struct pk_vm *vm;
	pk_val *slots;       /* locals, on the VM's value stack */
	const pk_val *cells; /* the running function's free variables */
	struct arena *ar;
	pk_val ret;
	bool echo;
};

/* Locals live on the value stack: push n UNDEFs, or RecursionError. */
static pk_val *push_slots(struct pk_vm *vm, int n)
{
	pk_val *s;
	int i;

	if ((size_t)n > PK_STACK_MAX - vm->sp) {
		pk_raise(vm, &pk_exc_RecursionError,
		         "maximum recursion depth exceeded (value stack full)");
		return NULL;
	}
	s = vm->stk + vm->sp;
	for (i = 0; i < n; i++)
		s[i] = pk_undef();
	vm->sp += (size_t)n;
	return s;
}

static void pop_slots(struct pk_vm *vm, pk_val *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pk_decref(s[i]);
	vm->sp = (size_t)(s - vm->stk);
}

/* put the captured slots of a new frame into cells */
static int make_cells(struct pk_vm *vm, pk_val *slots, const struct scope *sc)
{
	int i;

	if (!sc->captured)
		return 0;
	for (i = 0; i < sc->nslots; i++) {
		struct cell *c;

		if (!sc->captured[i])
			continue;
		c = pk_obj_alloc(&cell_type, sizeof(*c));
		if (!c)
			return pk_raise_nomem(vm);
		c->v = slots[i];
		slots[i] = pk_obj_take(c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* functions                                                           */

struct pk_function {
	struct pk_obj h;
	struct fndef *d;
	struct arena *ar;
	int ndef, nfree;
	pk_val vals[]; /* defaults, then the cells of the free variables */
};

static void fn_release(struct pk_obj *o)
{
	struct pk_function *f = (struct pk_function *)o;
	int i;

	for (i = 0; i < f->ndef + f->nfree; i++)
		pk_decref(f->vals[i]);
	pk_decref(pk_obj_take(f->ar));
	pk_xfree(f);
}

static void fn_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_function *f = (struct pk_function *)o;
	int i;

	for (i = 0; i < f->ndef + f->nfree; i++)
		visit(f->vals[i], ctx);
}

static void fn_clear(struct pk_obj *o)
{
	struct pk_function *f = (struct pk_function *)o;
	int i;

	for (i = 0; i < f->ndef + f->nfree; i++) {
		pk_val v = f->vals[i];

		f->vals[i] = pk_none();
		pk_decref(v);
	}
}

static int fn_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_function *f = (struct pk_function *)self.u.o;

	pk_buf_addf(out, "<function %s at %p>", f->d->name->s, (void *)f);
	return 0;
}

static int fn_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                      pk_val *out)
{
	struct pk_function *f = (struct pk_function *)self.u.o;

	if (!strcmp(name->s, "__name__")) {
		*out = pk_incref(pk_obj_take(f->d->name));
		return 0;
	}
	return PK_NOTIMPL;
}

static uint64_t fn_hash(pk_val v)
{
	return (uint64_t)(uintptr_t)v.u.o >> 4;
}

static int fn_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out);

const struct pk_type pk_type_function = {
    .name = "function",
    .release = fn_release,
    .repr = fn_repr,
    .call = fn_call,
    .getattr = fn_getattr,
    .hash = fn_hash,
    .traverse = fn_traverse,
    .clear = fn_clear,
};

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static void setpos(struct frame *f, const struct node *n)
{
	struct pk_vm *vm = f->vm;

	if (vm->exc_pos)
		return;
	vm->exc_pos = true;
	vm->exc_line = n->line;
	vm->exc_col = n->col;
	vm->exc_file = f->ar ? f->ar->file : "";
}

static int eval(struct frame *f, struct node *n, pk_val *out);
static int exec_block(struct frame *f, struct node **v, int n);

/* i + 1 and the like without the operator dispatch: true and *out when
 * both are ints and the result fits, else pk_binop decides (and raises) */
static inline bool int_fast(int op, pk_val a, pk_val b, pk_val *out)
{
	int64_t r;

	if (a.kind != PK_K_INT || b.kind != PK_K_INT)
		return false;
	if (op == PK_OP_ADD) {
		if (__builtin_add_overflow(a.u.i, b.u.i, &r))
			return false;
	} else if (op == PK_OP_SUB) {
		if (__builtin_sub_overflow(a.u.i, b.u.i, &r))
			return false;
	} else {
		return false;
	}
	*out = pk_int(r);
	return true;
}

static int truth(struct pk_vm *vm, pk_val v, bool *out)
{
	if (v.kind == PK_K_BOOL) {
		*out = v.u.i != 0;
		return 0;
	}
	return pk_truth(vm, v, out);
}

static int name_error(struct frame *f, const struct node *n)
{
	struct pk_suggest s;
	struct pk_buf b = PK_BUF_INIT;
	int r;

	pk_suggest_init(&s, n->name->s);
	pk_vm_globals(f->vm, pk_suggest_add, &s);
	pk_buf_addf(&b, "name '%s' is not defined", n->name->s);
	pk_suggest_finish(&s, &b);
	r = pk_raise(f->vm, &pk_exc_NameError, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

static int unbound_local(struct frame *f, const struct node *n)
{
	if (n->kind == E_FREE)
		return pk_raise(
		    f->vm, &pk_exc_NameError,
		    "cannot access free variable '%s' where it is not associated with a value in enclosing scope",
		    n->name->s);
	return pk_raise(
	    f->vm, &pk_exc_NameError,
	    "cannot access local variable '%s' where it is not associated with a value",
	    n->name->s);
}

static bool is_builtin_seq(pk_val v)
{
	return pk_is_list(v) || pk_is_tuple(v) || pk_is_str(v) ||
	       pk_is_bytes(v);
}

/* ------------------------------------------------------------------ */
/* assignment                                                          */

static int assign(struct frame *f, struct node *t, pk_val v);

static int unpack(struct frame *f, struct node *t, pk_val v)
{
	struct pk_vm *vm = f->vm;
	pk_val seq;
	const pk_val *items = NULL;
	size_t len = 0, i;
	int star = -1, k, r = 0;

	if (pk_is_list(v) || pk_is_tuple(v)) {
		seq = pk_incref(v);
	} else {
		if (!pk_type_of(v)->iter)
			return pk_raise(vm, &pk_exc_TypeError,
			                "cannot unpack non-iterable %s object",
			                pk_typename(v));
		if (pk_to_list(vm, v, &seq) < 0)
			return -1;
	}
	pk_seq_items(seq, &items, &len);
	for (k = 0; k < t->n; k++)
		if (t->v[k]->kind == E_STARRED)
			star = k;
	if (star < 0 && len != (size_t)t->n) {
		if (len > (size_t)t->n)
			r = pk_raise(vm, &pk_exc_ValueError,
			             "too many values to unpack (expected %d)",
			             t->n);
		else
			r = pk_raise(
			    vm, &pk_exc_ValueError,
			    "not enough values to unpack (expected %d, got %zu)",
			    t->n, len);
		goto out;
	}
	if (star >= 0 && len < (size_t)t->n - 1) {
		r = pk_raise(
		    vm, &pk_exc_ValueError,
		    "not enough values to unpack (expected at least %d, got %zu)",
		    t->n - 1, len);
		goto out;
	}
	/* the items are copied first: assigning may change the sequence */
	{
		pk_val tmp = pk_list_from(vm, items, len);

		if (pk_is_undef(tmp)) {
			r = -1;
			goto out;
		}
		pk_decref(seq);
		seq = tmp;
		items = pk_as_list(seq)->items;
	}
	for (k = 0, i = 0; k < t->n && r == 0; k++) {
		if (k == star) {
			size_t after = (size_t)(t->n - star - 1);
			size_t cnt = len - i - after;
			pk_val mid = pk_list_from(vm, items + i, cnt);

			if (pk_is_undef(mid)) {
				r = -1;
				break;
			}
			r = assign(f, t->v[k]->a, mid);
			pk_decref(mid);
			i += cnt;
		} else {
			r = assign(f, t->v[k], items[i++]);
		}
	}
out:
	pk_decref(seq);
	return r;
}

static int eval_slice_parts(struct frame *f, struct node *s, pk_val v[3])
{
	struct node *parts[3] = {s->a, s->b, s->c};
	int i;

	for (i = 0; i < 3; i++) {
		v[i] = pk_undef();
		if (parts[i] && eval(f, parts[i], &v[i]) < 0) {
			while (i-- > 0)
				pk_decref(v[i]);
			return -1;
		}
	}
	return 0;
}

/* the key of obj[key]: slices become slice objects */
static int eval_key(struct frame *f, struct node *k, pk_val *out)
{
	pk_val v[3];
	int i;

	if (k->kind != E_SLICE)
		return eval(f, k, out);
	if (eval_slice_parts(f, k, v) < 0)
		return -1;
	*out = pk_slice_new(f->vm, v[0], v[1], v[2]);
	for (i = 0; i < 3; i++)
		pk_decref(v[i]);
	return pk_is_undef(*out) ? -1 : 0;
}

static int assign(struct frame *f, struct node *t, pk_val v)
{
	pk_val obj, key;
	int r;

	switch (t->kind) {
	case E_LOCAL:
		pk_val_set(&f->slots[t->u.loc.idx], v);
		return 0;
	case E_GLOBAL:
		pk_val_set(&t->u.g->v, v);
		return 0;
	case E_CELL:
		pk_val_set(cell_ref(f->slots[t->u.loc.idx]), v);
		return 0;
	case E_FREE:
		pk_val_set(cell_ref(f->cells[t->u.loc.idx]), v);
		return 0;
	case E_ATTR:
		if (eval(f, t->a, &obj) < 0)
			return -1;
		r = pk_setattr(f->vm, obj, t->name, v);
		pk_decref(obj);
		if (r < 0)
			setpos(f, t);
		return r;
	case E_INDEX:
		if (eval(f, t->a, &obj) < 0)
			return -1;
		if (eval_key(f, t->b, &key) < 0) {
			pk_decref(obj);
			return -1;
		}
		r = pk_setitem(f->vm, obj, key, v);
		pk_decref(obj);
		pk_decref(key);
		if (r < 0)
			setpos(f, t);
		return r;
	case E_TUPLE:
	case E_LIST:
		r = unpack(f, t, v);
		if (r < 0)
			setpos(f, t);
		return r;
	default:
		return pk_raise(f->vm, &pk_exc_RuntimeError, "bad target");
	}
}

static int del_target(struct frame *f, struct node *t)
{
	pk_val obj, key;
	int r, i;

	switch (t->kind) {
	case E_LOCAL:
	case E_CELL:
	case E_FREE: {
		pk_val *slot = t->kind == E_LOCAL ? &f->slots[t->u.loc.idx]
		               : t->kind == E_CELL
		                   ? cell_ref(f->slots[t->u.loc.idx])
		                   : cell_ref(f->cells[t->u.loc.idx]);

		if (pk_is_undef(*slot))
			return unbound_local(f, t);
		pk_val_set(slot, pk_undef());
		return 0;
	}
	case E_GLOBAL:
		if (pk_is_undef(t->u.g->v))
			return name_error(f, t);
		pk_val_set(&t->u.g->v, pk_undef());
		return 0;
	case E_ATTR:
		if (eval(f, t->a, &obj) < 0)
			return -1;
		r = pk_delattr(f->vm, obj, t->name);
		pk_decref(obj);
		return r;
	case E_INDEX:
		if (eval(f, t->a, &obj) < 0)
			return -1;
		if (eval_key(f, t->b, &key) < 0) {
			pk_decref(obj);
			return -1;
		}
		r = pk_delitem(f->vm, obj, key);
		pk_decref(obj);
		pk_decref(key);
		return r;
	case E_TUPLE:
	case E_LIST:
		for (i = 0; i < t->n; i++)
			if (del_target(f, t->v[i]) < 0)
				return -1;
		return 0;
	default:
		return pk_raise(f->vm, &pk_exc_RuntimeError, "bad target");
	}
}

/* ------------------------------------------------------------------ */
/* calls                                                               */

static int push(struct pk_vm *vm, pk_val v)
{
	if (vm->sp >= PK_STACK_MAX) {
		pk_decref(v);
		return pk_raise(
		    vm, &pk_exc_RecursionError,
		    "maximum recursion depth exceeded (argument stack full)");
	}
	vm->stk[vm->sp++] = v;
	return 0;
}

static int push_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	return push(vm, pk_incref(item));
}

#define MAX_DYN_KW 64

static int eval_call(struct frame *f, struct node *n, pk_val *out)
{
	struct pk_vm *vm = f->vm;
	struct callinfo *ci = n->extra;
	size_t base = vm->sp;
	pk_val fn = pk_undef(), self = pk_undef();
	const struct pk_method *m = NULL;
	struct pk_str *dyn[MAX_DYN_KW];
	struct pk_str **kwnames = ci->kwnames;
	struct pk_args a;
	int r = -1, i, npos, nkw = 0;

	if (n->a->kind == E_ATTR) {
		const struct pk_type *t;

		if (eval(f, n->a->a, &self) < 0)
			return -1;
		t = pk_type_of(self);
		if (ci->mtype == t && ci->meth) {
			m = ci->meth;
		} else if (t->methods) {
			const struct pk_method *mm;

			for (mm = t->methods; mm->name; mm++)
				if (!strcmp(mm->name, n->a->name->s)) {
					m = mm;
					ci->mtype = t;
					ci->meth = mm;
					break;
				}
		}
		if (!m && pk_getattr(vm, self, n->a->name, &fn) < 0) {
			setpos(f, n->a);
			pk_decref(self);
			return -1;
		}
	} else if (eval(f, n->a, &fn) < 0) {
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		struct node *x = n->v[i];
		pk_val v;

		if (x->kind == E_STARRED) {
			if (eval(f, x->a, &v) < 0)
				goto done;
			if (!pk_type_of(v)->iter) {
				pk_raise(
				    vm, &pk_exc_TypeError,
				    "argument after * must be an iterable, not %s",
				    pk_typename(v));
				pk_decref(v);
				goto done;
			}
			r = pk_foreach(vm, v, push_cb, NULL);
			pk_decref(v);
			if (r < 0)
				goto done;
			r = -1;
			continue;
		}
		if (eval(f, x, &v) < 0 || push(vm, v) < 0)
			goto done;
	}
	npos = (int)(vm->sp - base);
	if (n->flags & NF_KWARGS) {
		kwnames = dyn;
		for (i = 0; i < n->n2; i++) {
			pk_val v;

			if (eval(f, n->v2[i], &v) < 0)
				goto done;
			if (ci->kwnames[i]) {
				if (nkw >= MAX_DYN_KW) {
					pk_decref(v);
					pk_raise(vm, &pk_exc_TypeError,
					         "too many keyword arguments");
					goto done;
				}
				dyn[nkw++] = ci->kwnames[i];
				if (push(vm, v) < 0)
					goto done;
				continue;
			}
			if (!pk_is_dict(v)) {
				pk_raise(
				    vm, &pk_exc_TypeError,
				    "argument after ** must be a mapping, not %s",
				    pk_typename(v));
				pk_decref(v);
				goto done;
			}
			{
				size_t pos = 0;
				pk_val k, x;

				while (pk_dict_next(v, &pos, &k, &x)) {
					if (!pk_is_str(k)) {
						pk_raise(
						    vm, &pk_exc_TypeError,
						    "keywords must be strings");
						break;
					}
					if (nkw >= MAX_DYN_KW) {
						pk_raise(
						    vm, &pk_exc_TypeError,
						    "too many keyword arguments");
						break;
					}
					dyn[nkw] = pk_intern(pk_as_str(k)->s,
					                     pk_as_str(k)->len);
					if (!dyn[nkw]) {
						pk_raise_nomem(vm);
						break;
					}
					nkw++;
					if (push(vm, pk_incref(x)) < 0)
						break;
				}
				pk_decref(v);
				if (!pk_is_undef(vm->exc))
					goto done;
			}
		}
	} else {
		for (i = 0; i < n->n2; i++) {
			pk_val v;

			if (eval(f, n->v2[i], &v) < 0 || push(vm, v) < 0)
				goto done;
		}
		nkw = n->n2;
	}
	a.n = npos;
	a.v = vm->stk + base;
	a.nkw = nkw;
	a.kwnames = kwnames;
	a.kwv = vm->stk + base + npos;
	a.site = &ci->site;
	if (m)
		r = m->fn(vm, self, &a, out);
	else
		r = pk_call(vm, fn, &a, out);
done:
	while (vm->sp > base)
		pk_decref(vm->stk[--vm->sp]);
	pk_decref(fn);
	pk_decref(self);
	return r < 0 ? -1 : 0;
}

static int make_function(struct frame *f, struct fndef *d, pk_val *out)
{
	struct pk_function *fn;
	const struct namelist *fr = &d->scope->frees;
	int i;

	fn = pk_obj_alloc(&pk_type_function,
	                  sizeof(*fn) +
	                      (size_t)(d->ndefaults + fr->n) * sizeof(pk_val));
	if (!fn)
		return pk_raise_nomem(f->vm);
	fn->d = d;
	fn->ar = f->ar;
	pk_incref(pk_obj_take(f->ar));
	fn->ndef = d->ndefaults;
	fn->nfree = fr->n;
	for (i = 0; i < fr->n; i++) {
		int idx = fr->slots[i] >> 1;

		fn->vals[fn->ndef + i] = pk_incref(
		    (fr->slots[i] & 1) == FREE_FROM_SLOT ? f->slots[idx]
		                                         : f->cells[idx]);
	}
	for (i = 0; i < d->ndefaults; i++) {
		if (eval(f, d->defaults[i], &fn->vals[i]) < 0) {
			pk_decref(pk_obj_take(fn));
			return -1;
		}
	}
	*out = pk_obj_take(fn);
	return 0;
}

static int missing_args(struct pk_vm *vm, struct fndef *d, pk_val *slots,
                        int nreq)
{
	struct pk_buf b = PK_BUF_INIT;
	int i, nmiss = 0, k = 0, r;

	for (i = 0; i < nreq; i++)
		if (pk_is_undef(slots[i]))
			nmiss++;
	pk_buf_addf(&b, "%s() missing %d required positional argument%s: ",
	            d->name->s, nmiss, nmiss == 1 ? "" : "s");
	for (i = 0; i < nreq; i++) {
		if (!pk_is_undef(slots[i]))
			continue;
		if (k)
			pk_buf_addstr(&b, nmiss == 2 ? " and " : ", ");
		if (k && nmiss > 2 && k == nmiss - 1)
			pk_buf_addstr(&b, "and ");
		pk_buf_addf(&b, "'%s'", d->params[i]->s);
		k++;
	}
	r = pk_raise(vm, &pk_exc_TypeError, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

static int bind_args(struct pk_vm *vm, struct pk_function *fn, pk_val *slots,
                     const struct pk_args *a)
{
	struct fndef *d = fn->d;
	int i, k, nreq = d->nparams - d->ndefaults;
	pk_val kw = pk_undef();

	if (a->n > d->nparams && d->vararg < 0) {
		if (d->ndefaults)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() takes from %d to %d positional arguments but %d were given",
			    d->name->s, nreq, d->nparams, a->n);
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "%s() takes %d positional argument%s but %d %s given",
		    d->name->s, d->nparams, d->nparams == 1 ? "" : "s", a->n,
		    a->n == 1 ? "was" : "were");
	}
	for (i = 0; i < a->n && i < d->nparams; i++)
		slots[i] = pk_incref(a->v[i]);
	if (d->vararg >= 0) {
		int extra = a->n > d->nparams ? a->n - d->nparams : 0;

		slots[d->vararg] =
		    pk_tuple_from(vm, a->v + d->nparams, (size_t)extra);
		if (pk_is_undef(slots[d->vararg]))
			return -1;
	}
	if (d->kwarg >= 0) {
		kw = pk_dict_new(vm);
		if (pk_is_undef(kw))
			return -1;
		slots[d->kwarg] = kw;
	}
	for (k = 0; k < a->nkw; k++) {
		struct pk_str *name = a->kwnames[k];

		for (i = 0; i < d->nparams; i++)
			if (d->params[i] == name)
				break;
		if (i < d->nparams) {
			if (!pk_is_undef(slots[i]))
				return pk_raise(
				    vm, &pk_exc_TypeError,
				    "%s() got multiple values for argument '%s'",
				    d->name->s, name->s);
			slots[i] = pk_incref(a->kwv[k]);
		} else if (!pk_is_undef(kw)) {
			if (pk_dict_set(vm, kw, pk_obj_take(name), a->kwv[k]) <
			    0)
				return -1;
		} else {
			struct pk_suggest s;
			struct pk_buf b = PK_BUF_INIT;
			int r;

			pk_suggest_init(&s, name->s);
			for (i = 0; i < d->nparams; i++)
				pk_suggest_add(&s, d->params[i]->s);
			pk_buf_addf(
			    &b, "%s() got an unexpected keyword argument '%s'",
			    d->name->s, name->s);
			pk_suggest_finish(&s, &b);
			r = pk_raise(vm, &pk_exc_TypeError, "%s", b.buf);
			pk_buf_release(&b);
			return r;
		}
	}
	for (i = 0; i < d->nparams; i++) {
		if (!pk_is_undef(slots[i]))
			continue;
		if (i >= nreq)
			slots[i] = pk_incref(fn->vals[i - nreq]);
		else
			return missing_args(vm, d, slots, nreq);
	}
	return 0;
}

/*
 * Without a cycle collector, a local function that refers to itself (or
 * to a sibling) through cells of its frame forms a cycle: cell -> function
 * -> cell. When a frame ends, find the cells referenced only by the slot
 * and by functions that only such cells hold, and empty them. Closures
 * that escaped (returned, stored elsewhere) keep everything they need.
 */
static void break_cycles(pk_val *slots, const struct scope *sc)
{
	bool cand[64];
	int i, j, k, n = sc->nslots < 64 ? sc->nslots : 64;
	bool changed = true;

	if (!sc->captured)
		return;
	for (i = 0; i < n; i++)
		cand[i] = sc->captured[i] && pk_is_type(slots[i], &cell_type) &&
		          slots[i].u.o->refcnt > 1;
	while (changed) {
		changed = false;
		for (i = 0; i < n; i++) {
			uint32_t internal = 0;

			if (!cand[i])
				continue;
			for (j = 0; j < n; j++) {
				pk_val v;
				struct pk_function *f;

				if (!cand[j])
					continue;
				v = *cell_ref(slots[j]);
				if (!pk_is_type(v, &pk_type_function) ||
				    v.u.o->refcnt != 1)
					continue;
				f = (struct pk_function *)v.u.o;
				for (k = 0; k < f->nfree; k++)
					if (f->vals[f->ndef + k].u.o ==
					    slots[i].u.o)
						internal++;
			}
			if (slots[i].u.o->refcnt != 1 + internal) {
				cand[i] = false;
				changed = true;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (cand[i])
			pk_val_set(cell_ref(slots[i]), pk_undef());
}

static int fn_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	struct pk_function *fn = (struct pk_function *)self.u.o;
	struct fndef *d = fn->d;
	int ns = d->scope->nslots;
	struct frame fr;
	pk_val *slots;
	int r = 0, st;

	if (pk_vm_tick(vm) < 0 || pk_vm_enter(vm) < 0)
		return -1;
	slots = push_slots(vm, ns);
	if (!slots) {
		pk_vm_leave(vm);
		return -1;
	}
	pk_incref(self); /* the function may be deleted while it runs */
	if (bind_args(vm, fn, slots, a) < 0 ||
	    make_cells(vm, slots, d->scope) < 0) {
		r = -1;
		goto out;
	}
	fr.vm = vm;
	fr.slots = slots;
	fr.cells = fn->vals + fn->ndef;
	fr.ar = fn->ar;
	fr.ret = pk_undef();
	fr.echo = false;
	if (d->expr) {
		r = eval(&fr, d->expr, out);
	} else {
		st = exec_block(&fr, d->body, d->nbody);
		if (st == EX_ERR) {
			r = -1;
		} else if (st == EX_RETURN) {
			*out = fr.ret;
		} else {
			*out = pk_none();
		}
	}
out:
	break_cycles(slots, d->scope);
	pop_slots(vm, slots, ns);
	pk_decref(self);
	pk_vm_leave(vm);
	return r;
}

/* ------------------------------------------------------------------ */
/* expressions                                                         */

static int compare(struct pk_vm *vm, int op, pk_val a, pk_val b, bool *out)
{
	int r;

	switch (op) {
	case C_LT:
		return pk_compare(vm, PK_CMP_LT, a, b, out);
	case C_LE:
		return pk_compare(vm, PK_CMP_LE, a, b, out);
	case C_GT:
		return pk_compare(vm, PK_CMP_GT, a, b, out);
	case C_GE:
		return pk_compare(vm, PK_CMP_GE, a, b, out);
	case C_EQ:
		return pk_eq(vm, a, b, out);
	case C_NE:
		r = pk_eq(vm, a, b, out);
		*out = !*out;
		return r;
	case C_IN:
		return pk_contains(vm, b, a, out);
	case C_NOTIN:
		r = pk_contains(vm, b, a, out);
		*out = !*out;
		return r;
	case C_IS:
		*out = pk_val_is(a, b);
		return 0;
	default:
		*out = !pk_val_is(a, b);
		return 0;
	}
}

static int eval_seq(struct frame *f, struct node *n, pk_val *out)
{
	struct pk_vm *vm = f->vm;
	pk_val l = pk_list_new(vm, (size_t)n->n), v;
	int i;

	if (pk_is_undef(l))
		return -1;
	for (i = 0; i < n->n; i++) {
		struct node *x = n->v[i];

		if (x->kind == E_STARRED) {
			pk_val it, tmp;
			size_t j;
			bool failed;

			if (eval(f, x->a, &it) < 0)
				goto fail;
			if (pk_to_list(vm, it, &tmp) < 0) {
				pk_decref(it);
				goto fail;
			}
			pk_decref(it);
			for (j = 0; j < pk_as_list(tmp)->len; j++)
				if (pk_list_append(
				        vm, l, pk_as_list(tmp)->items[j]) < 0)
					break;
			failed = j < pk_as_list(tmp)->len;
			pk_decref(tmp);
			if (failed)
				goto fail;
			continue;
		}
		if (eval(f, x, &v) < 0 || pk_list_append_take(vm, l, v) < 0)
			goto fail;
	}
	if (n->kind == E_TUPLE) {
		*out =
		    pk_tuple_from(vm, pk_as_list(l)->items, pk_as_list(l)->len);
		pk_decref(l);
		return pk_is_undef(*out) ? -1 : 0;
	}
	*out = l;
	return 0;
fail:
	pk_decref(l);
	return -1;
}

struct compctx {
	struct frame *f;
	struct node *n;
	struct compinfo *ci;
	int gi;
	pk_val result;
};

static int comp_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct compctx *c = ctx;
	struct compgen *g = &c->ci->g[c->gi];
	int i, r;

	if (assign(c->f, g->target, item) < 0)
		return -1;
	for (i = 0; i < g->nifs; i++) {
		pk_val t;
		bool b;

		if (eval(c->f, g->ifs[i], &t) < 0)
			return -1;
		r = truth(vm, t, &b);
		pk_decref(t);
		if (r < 0)
			return -1;
		if (!b)
			return 0;
	}
	if (c->gi + 1 < c->ci->ng) {
		struct compctx sub = *c;
		pk_val it;

		sub.gi = c->gi + 1;
		if (eval(c->f, c->ci->g[sub.gi].iter, &it) < 0)
			return -1;
		r = pk_foreach(vm, it, comp_cb, &sub);
		pk_decref(it);
		return r;
	}
	if (c->n->kind == E_DICTCOMP) {
		pk_val k, v;

		if (eval(c->f, c->n->a, &k) < 0)
			return -1;
		if (eval(c->f, c->n->b, &v) < 0) {
			pk_decref(k);
			return -1;
		}
		r = pk_dict_set(vm, c->result, k, v);
		pk_decref(k);
		pk_decref(v);
		return r;
	} else {
		pk_val v;

		if (eval(c->f, c->n->a, &v) < 0)
			return -1;
		return pk_list_append_take(vm, c->result, v);
	}
}

static int eval_comp(struct frame *f, struct node *n, pk_val *out)
{
	struct compctx c;
	pk_val it;
	int r;

	c.f = f;
	c.n = n;
	c.ci = n->extra;
	c.gi = 0;
	c.result =
	    n->kind == E_DICTCOMP ? pk_dict_new(f->vm) : pk_list_new(f->vm, 0);
	if (pk_is_undef(c.result))
		return -1;
	if (eval(f, c.ci->g[0].iter, &it) < 0) {
		pk_decref(c.result);
		return -1;
	}
	r = pk_foreach(f->vm, it, comp_cb, &c);
	pk_decref(it);
	if (r < 0) {
		pk_decref(c.result);
		return -1;
	}
	*out = c.result;
	return 0;
}

static int fstring(struct frame *f, struct node *n, struct pk_buf *b)
{
	int i;

	for (i = 0; i < n->n; i++) {
		struct node *x = n->v[i];
		pk_val v;
		int r;

		if (x->kind == E_CONST) {
			pk_buf_add(b, pk_as_str(x->u.val)->s,
			           pk_as_str(x->u.val)->len);
			continue;
		}
		if (eval(f, x->a, &v) < 0)
			return -1;
		if (x->op) {
			struct pk_buf t = PK_BUF_INIT;

			r = x->op == 's' ? pk_str_of(f->vm, v, &t)
			                 : pk_repr(f->vm, v, &t);
			pk_decref(v);
			if (r < 0) {
				pk_buf_release(&t);
				return -1;
			}
			v = pk_str_from_buf(f->vm, &t);
			if (pk_is_undef(v))
				return -1;
		}
		if (x->b) {
			struct pk_buf spec = PK_BUF_INIT;

			r = fstring(f, x->b, &spec);
			if (r == 0)
				r = pk_format_spec(f->vm, v, spec.buf, spec.len,
				                   b);
			pk_buf_release(&spec);
		} else {
			r = pk_str_of(f->vm, v, b);
		}
		pk_decref(v);
		if (r < 0) {
			setpos(f, x->a);
			return -1;
		}
	}
	return pk_buf_failed(b) ? pk_raise_nomem(f->vm) : 0;
}

static int eval_index(struct frame *f, struct node *n, pk_val *out)
{
	struct pk_vm *vm = f->vm;
	pk_val obj, key;
	int r;

	if (eval(f, n->a, &obj) < 0)
		return -1;
	if (n->b->kind == E_SLICE && is_builtin_seq(obj)) {
		pk_val v[3];
		int i;

		if (eval_slice_parts(f, n->b, v) < 0) {
			pk_decref(obj);
			return -1;
		}
		r = pk_seq_slice(vm, obj, v[0], v[1], v[2], out);
		for (i = 0; i < 3; i++)
			pk_decref(v[i]);
		pk_decref(obj);
		return r;
	}
	if (eval_key(f, n->b, &key) < 0) {
		pk_decref(obj);
		return -1;
	}
	if (pk_is_list(obj) && pk_is_int(key)) {
		struct pk_list *l = pk_as_list(obj);
		int64_t i = key.u.i;

		if (i < 0)
			i += (int64_t)l->len;
		if (i >= 0 && i < (int64_t)l->len) {
			*out = pk_incref(l->items[i]);
			pk_decref(obj);
			return 0;
		}
	}
	r = pk_getitem(vm, obj, key, out);
	pk_decref(obj);
	pk_decref(key);
	return r;
}

/*
 * A left-deep chain `a + b - c + ...` (as long as the user typed it) is
 * evaluated by a loop over its spine, not by one C recursion per
 * operator, so its length limit does not depend on the compiler's frame
 * sizes.
 */
static int eval_binchain(struct frame *f, struct node *n, pk_val *out)
{
	struct node *local[64], **spine = local, *x;
	size_t cap = 64, d = 0;
	pk_val acc, b, res;
	int r = -1;

	for (x = n; x->kind == E_BINOP; x = x->a) {
		if (d == cap) {
			struct node **ns = pk_xmalloc(2 * cap * sizeof(*ns));

			if (!ns) {
				pk_raise_nomem(f->vm);
				goto out;
			}
			memcpy(ns, spine, d * sizeof(*ns));
			if (spine != local)
				pk_xfree(spine);
			spine = ns;
			cap *= 2;
		}
		spine[d++] = x;
	}
	if (eval(f, x, &acc) < 0)
		goto out;
	while (d > 0) {
		struct node *m = spine[--d];
		int e;

		if (eval(f, m->b, &b) < 0) {
			pk_decref(acc);
			goto out;
		}
		e = pk_binop(f->vm, (enum pk_binop)m->op, acc, b, &res);
		pk_decref(acc);
		pk_decref(b);
		if (e < 0) {
			setpos(f, m);
			goto out;
		}
		acc = res;
	}
	*out = acc;
	r = 0;
out:
	if (spine != local)
		pk_xfree(spine);
	return r;
}

static int eval_inner(struct frame *f, struct node *n, pk_val *out)
{
	struct pk_vm *vm = f->vm;
	pk_val a, b;
	bool t;
	int r, i;

	switch (n->kind) {
	case E_CONST:
		*out = pk_incref(n->u.val);
		return 0;
	case E_LOCAL:
		a = f->slots[n->u.loc.idx];
		if (pk_is_undef(a))
			return unbound_local(f, n);
		*out = pk_incref(a);
		return 0;
	case E_CELL:
		a = *cell_ref(f->slots[n->u.loc.idx]);
		if (pk_is_undef(a))
			return unbound_local(f, n);
		*out = pk_incref(a);
		return 0;
	case E_GLOBAL:
		a = n->u.g->v;
		if (pk_is_undef(a))
			return name_error(f, n);
		*out = pk_incref(a);
		return 0;
	case E_FREE:
		a = *cell_ref(f->cells[n->u.loc.idx]);
		if (pk_is_undef(a))
			return unbound_local(f, n);
		*out = pk_incref(a);
		return 0;
	case E_CALL:
		if (pk_stack_overflow(vm))
			return pk_raise(vm, &pk_exc_RecursionError,
			                "maximum recursion depth exceeded");
		return eval_call(f, n, out);
	case E_ATTR:
		if (pk_stack_overflow(vm))
			return pk_raise(vm, &pk_exc_RecursionError,
			                "maximum recursion depth exceeded");
		if (eval(f, n->a, &a) < 0)
			return -1;
		r = pk_getattr(vm, a, n->name, out);
		pk_decref(a);
		return r;
	case E_INDEX:
		if (pk_stack_overflow(vm))
			return pk_raise(vm, &pk_exc_RecursionError,
			                "maximum recursion depth exceeded");
		return eval_index(f, n, out);
	case E_BINOP:
		if (pk_stack_overflow(vm))
			return pk_raise(vm, &pk_exc_RecursionError,
			                "maximum recursion depth exceeded");
		if (n->a->kind == E_BINOP)
			return eval_binchain(f, n, out);
		if (eval(f, n->a, &a) < 0)
			return -1;
		if (eval(f, n->b, &b) < 0) {
			pk_decref(a);
			return -1;
		}
		if (int_fast(n->op, a, b, out))
			return 0;
		r = pk_binop(vm, (enum pk_binop)n->op, a, b, out);
		pk_decref(a);
		pk_decref(b);
		return r;
	case E_UNARY:
		if (eval(f, n->a, &a) < 0)
			return -1;
		r = pk_unop(vm, (enum pk_unop)n->op, a, out);
		pk_decref(a);
		return r;
	case E_NOT:
		if (eval(f, n->a, &a) < 0)
			return -1;
		r = truth(vm, a, &t);
		pk_decref(a);
		*out = pk_bool(!t);
		return r;
	case E_AND:
	case E_OR:
		for (i = 0; i < n->n; i++) {
			if (eval(f, n->v[i], &a) < 0)
				return -1;
			if (i == n->n - 1) {
				*out = a;
				return 0;
			}
			if (truth(vm, a, &t) < 0) {
				pk_decref(a);
				return -1;
			}
			if (t == (n->kind == E_OR)) {
				*out = a;
				return 0;
			}
			pk_decref(a);
		}
		*out = pk_none();
		return 0;
	case E_CMP: {
		const uint8_t *ops = n->extra;

		if (eval(f, n->v[0], &a) < 0)
			return -1;
		for (i = 0; i + 1 < n->n; i++) {
			if (eval(f, n->v[i + 1], &b) < 0) {
				pk_decref(a);
				return -1;
			}
			r = compare(vm, ops[i], a, b, &t);
			pk_decref(a);
			a = b;
			if (r < 0) {
				pk_decref(a);
				return -1;
			}
			if (!t)
				break;
		}
		pk_decref(a);
		*out = pk_bool(t);
		return 0;
	}
	case E_IFEXP:
		if (eval(f, n->a, &a) < 0)
			return -1;
		r = truth(vm, a, &t);
		pk_decref(a);
		if (r < 0)
			return -1;
		return eval(f, t ? n->b : n->c, out);
	case E_LAMBDA:
		return make_function(f, n->extra, out);
	case E_LIST:
	case E_TUPLE:
		return eval_seq(f, n, out);
	case E_DICT: {
		pk_val d = pk_dict_new(vm);

		if (pk_is_undef(d))
			return -1;
		for (i = 0; i < n->n; i++) {
			if (eval(f, n->v[i], &a) < 0)
				goto dfail;
			if (eval(f, n->v2[i], &b) < 0) {
				pk_decref(a);
				goto dfail;
			}
			r = pk_dict_set(vm, d, a, b);
			pk_decref(a);
			pk_decref(b);
			if (r < 0)
				goto dfail;
		}
		*out = d;
		return 0;
	dfail:
		pk_decref(d);
		return -1;
	}
	case E_LISTCOMP:
	case E_DICTCOMP:
		return eval_comp(f, n, out);
	case E_FSTRING: {
		struct pk_buf buf = PK_BUF_INIT;

		if (fstring(f, n, &buf) < 0) {
			pk_buf_release(&buf);
			return -1;
		}
		*out = pk_str_from_buf(vm, &buf);
		return pk_is_undef(*out) ? -1 : 0;
	}
	case E_SLICE:
		if (eval_key(f, n, out) < 0)
			return -1;
		return 0;
	case E_OVERFLOW:
		return pk_raise(vm, &pk_exc_OverflowError, "integer overflow");
	case E_STARRED:
		return pk_raise(vm, &pk_exc_SyntaxError,
		                "can't use starred expression here");
	default:
		return pk_raise(vm, &pk_exc_RuntimeError,
		                "cannot evaluate node %d", n->kind);
	}
}

static int eval(struct frame *f, struct node *n, pk_val *out)
{
	pk_val a;

	/* the leaves most evaluations end in, without eval_inner's frame;
	 * an unbound name goes on to raise there */
	switch (n->kind) {
	case E_CONST:
		*out = pk_incref(n->u.val);
		return 0;
	case E_LOCAL:
		a = f->slots[n->u.loc.idx];
		if (pk_is_undef(a))
			break;
		*out = pk_incref(a);
		return 0;
	case E_GLOBAL:
		a = n->u.g->v;
		if (pk_is_undef(a))
			break;
		*out = pk_incref(a);
		return 0;
	default:
		break;
	}
	if (eval_inner(f, n, out) < 0) {
		setpos(f, n);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* statements                                                          */

static int exec_stmt(struct frame *f, struct node *s);

static int exec_block(struct frame *f, struct node **v, int n)
{
	int i, st;

	for (i = 0; i < n; i++) {
		st = exec_stmt(f, v[i]);
		if (st != EX_OK)
			return st;
	}
	return EX_OK;
}

/* result of a loop body: 0 go on, 1 stop (break), -1 leave with st */
static int loop_step(int st, int *out)
{
	if (st == EX_OK || st == EX_CONTINUE)
		return 0;
	if (st == EX_BREAK) {
		*out = EX_OK;
		return 1;
	}
	*out = st;
	return -1;
}

static int exec_for(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	struct node *target = s->a;
	pk_val seq, it, x;
	int st = EX_OK, k = 0;
	bool broke = false;

	if (eval(f, s->b, &seq) < 0)
		return EX_ERR;
	if (pk_is_type(seq, &pk_type_range)) {
		struct pk_range *rg = (struct pk_range *)seq.u.o;
		uint64_t n = pk_range_len(rg), i;
		int64_t cur = rg->start;

		for (i = 0; i < n; i++) {
			if (pk_vm_tick(vm) < 0) {
				setpos(f, s);
				st = EX_ERR;
				break;
			}
			if (target->kind == E_LOCAL)
				pk_val_set(&f->slots[target->u.loc.idx],
				           pk_int(cur));
			else if (target->kind == E_GLOBAL)
				pk_val_set(&target->u.g->v, pk_int(cur));
			else if (assign(f, target, pk_int(cur)) < 0) {
				st = EX_ERR;
				break;
			}
			/* wraps past the end only after the last item */
			cur = (int64_t)((uint64_t)cur + (uint64_t)rg->step);
			k = loop_step(exec_block(f, s->v, s->n), &st);
			if (k) {
				broke = k > 0;
				break;
			}
		}
	} else if (pk_is_list(seq) || pk_is_tuple(seq)) {
		size_t i;

		for (i = 0;; i++) {
			if (pk_is_list(seq) ? i >= pk_as_list(seq)->len
			                    : i >= pk_as_tuple(seq)->len)
				break;
			if (pk_vm_tick(vm) < 0) {
				setpos(f, s);
				st = EX_ERR;
				break;
			}
			x = pk_incref(pk_is_list(seq)
			                  ? pk_as_list(seq)->items[i]
			                  : pk_as_tuple(seq)->items[i]);
			if (assign(f, target, x) < 0) {
				pk_decref(x);
				st = EX_ERR;
				break;
			}
			pk_decref(x);
			k = loop_step(exec_block(f, s->v, s->n), &st);
			if (k) {
				broke = k > 0;
				break;
			}
		}
	} else {
		if (pk_iter(vm, seq, &it) < 0) {
			pk_decref(seq);
			setpos(f, s->b);
			return EX_ERR;
		}
		for (;;) {
			int r;

			if (pk_vm_tick(vm) < 0) {
				setpos(f, s);
				st = EX_ERR;
				break;
			}
			r = pk_next(vm, it, &x);
			if (r < 0) {
				setpos(f, s->b);
				st = EX_ERR;
				break;
			}
			if (!r)
				break;
			/* the loop's variable takes the reference over */
			if (target->kind == E_LOCAL ||
			    target->kind == E_GLOBAL) {
				pk_val *slot =
				    target->kind == E_LOCAL
				        ? &f->slots[target->u.loc.idx]
				        : &target->u.g->v;
				pk_val old = *slot;

				*slot = x;
				pk_decref(old);
				r = 0;
			} else {
				r = assign(f, target, x);
				pk_decref(x);
			}
			if (r < 0) {
				st = EX_ERR;
				break;
			}
			k = loop_step(exec_block(f, s->v, s->n), &st);
			if (k) {
				broke = k > 0;
				break;
			}
		}
		pk_decref(it);
	}
	pk_decref(seq);
	if (st == EX_OK && !broke && s->n2)
		st = exec_block(f, s->v2, s->n2);
	return st;
}

static int exec_while(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	int st = EX_OK, k;
	bool broke = false;

	for (;;) {
		pk_val c;
		bool t;
		int r;

		if (pk_vm_tick(vm) < 0) {
			setpos(f, s);
			return EX_ERR;
		}
		if (eval(f, s->a, &c) < 0)
			return EX_ERR;
		r = truth(vm, c, &t);
		pk_decref(c);
		if (r < 0) {
			setpos(f, s->a);
			return EX_ERR;
		}
		if (!t)
			break;
		k = loop_step(exec_block(f, s->v, s->n), &st);
		if (k) {
			broke = k > 0;
			break;
		}
	}
	if (st == EX_OK && !broke && s->n2)
		st = exec_block(f, s->v2, s->n2);
	return st;
}

static bool exc_match(struct pk_vm *vm, pk_val exc, pk_val cls, int *err)
{
	const struct pk_exctype *t = ((struct pk_exc *)exc.u.o)->type;

	if (pk_is_type(cls, &pk_type_exctype))
		return pk_exc_matches(t, (struct pk_exctype *)cls.u.o);
	if (pk_is_tuple(cls)) {
		size_t i;

		for (i = 0; i < pk_as_tuple(cls)->len; i++)
			if (exc_match(vm, exc, pk_as_tuple(cls)->items[i], err))
				return true;
		return false;
	}
	*err = 1;
	return false;
}

struct saved_exc {
	pk_val exc;
	bool pos;
	int line, col;
	const char *file;
};

static void save_exc(struct pk_vm *vm, struct saved_exc *s)
{
	s->exc = vm->exc;
	s->pos = vm->exc_pos;
	s->line = vm->exc_line;
	s->col = vm->exc_col;
	s->file = vm->exc_file;
	vm->exc = pk_undef();
	vm->exc_pos = false;
}

static void restore_exc(struct pk_vm *vm, struct saved_exc *s)
{
	pk_exc_set(vm, s->exc);
	vm->exc_pos = s->pos;
	vm->exc_line = s->line;
	vm->exc_col = s->col;
	vm->exc_file = s->file;
}

static int exec_try(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	struct tryinfo *ti = s->extra;
	int st = exec_block(f, s->v, s->n), i;

	if (st == EX_ERR && ti->nh) {
		struct saved_exc se;

		save_exc(vm, &se);
		for (i = 0; i < ti->nh; i++) {
			struct handler *h = &ti->h[i];
			bool match = true;

			if (h->type) {
				pk_val cls;
				int bad = 0;

				if (eval(f, h->type, &cls) < 0) {
					pk_decref(se.exc);
					return EX_ERR;
				}
				match = pk_is_type(se.exc, &pk_type_exc) &&
				        exc_match(vm, se.exc, cls, &bad);
				pk_decref(cls);
				if (bad) {
					pk_decref(se.exc);
					pk_raise(
					    vm, &pk_exc_TypeError,
					    "catching classes that do not inherit from BaseException is not allowed");
					setpos(f, h->type);
					return EX_ERR;
				}
			}
			if (match) {
				pk_val prev = vm->handling;

				if (h->target &&
				    assign(f, h->target, se.exc) < 0) {
					pk_decref(se.exc);
					return EX_ERR;
				}
				vm->handling = se.exc;
				st = exec_block(f, h->body, h->n);
				vm->handling = prev;
				pk_decref(se.exc);
				goto finally;
			}
		}
		restore_exc(vm, &se);
		st = EX_ERR;
	} else if (st == EX_OK && s->n2) {
		st = exec_block(f, s->v2, s->n2);
	}
finally:
	if (ti->has_final) {
		struct saved_exc se = {pk_undef(), false, 0, 0, NULL};
		pk_val ret = pk_undef();
		int st2;

		if (st == EX_ERR)
			save_exc(vm, &se);
		if (st == EX_RETURN) {
			ret = f->ret;
			f->ret = pk_undef();
		}
		st2 = exec_block(f, ti->final, ti->nfinal);
		if (st2 != EX_OK) {
			pk_decref(se.exc);
			pk_decref(ret);
			return st2;
		}
		if (st == EX_ERR)
			restore_exc(vm, &se);
		if (st == EX_RETURN)
			f->ret = ret;
	}
	return st;
}

/*
 * with EXPR [as TARGET]: BODY, as Python runs it: __enter__ and __exit__
 * come from the type's `methods` table (Python too looks them up on the
 * type); __exit__ runs however BODY ends, with (None, None, None) or with
 * (class, exception, None), and a true result swallows the exception.
 */
static int exec_with(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	const struct pk_method *enter, *exitm;
	const struct pk_type *t;
	pk_val mgr, v, res, argv[3];
	struct pk_args a = {0};
	struct saved_exc se = {pk_undef(), false, 0, 0, NULL};
	int st, r;
	bool suppress;

	if (eval(f, s->a, &mgr) < 0)
		return EX_ERR;
	t = pk_type_of(mgr);
	enter = pk_type_method(t, "__enter__");
	exitm = pk_type_method(t, "__exit__");
	if (!enter || !exitm) {
		pk_raise(vm, &pk_exc_TypeError,
		         "'%s' object does not support the context manager "
		         "protocol%s",
		         pk_typename(mgr),
		         enter ? " (missed __exit__ method)" : "");
		pk_decref(mgr);
		setpos(f, s->a);
		return EX_ERR;
	}
	if (enter->fn(vm, mgr, &a, &v) < 0) {
		pk_decref(mgr);
		setpos(f, s->a);
		return EX_ERR;
	}
	/* from here on __exit__ runs, even if binding the target fails */
	if (s->b) {
		r = assign(f, s->b, v);
		pk_decref(v);
		if (r < 0) {
			setpos(f, s->b);
			st = EX_ERR;
		} else {
			st = exec_block(f, s->v, s->n);
		}
	} else {
		pk_decref(v);
		st = exec_block(f, s->v, s->n);
	}
	if (st == EX_ERR) {
		save_exc(vm, &se);
		argv[0] = pk_is_type(se.exc, &pk_type_exc)
		              ? pk_obj_take(
		                    (void *)((struct pk_exc *)se.exc.u.o)->type)
		              : pk_none();
		argv[1] = se.exc;
	} else {
		argv[0] = argv[1] = pk_none();
	}
	argv[2] = pk_none();
	a.n = 3;
	a.v = argv;
	r = exitm->fn(vm, mgr, &a, &res);
	pk_decref(mgr);
	if (r < 0) {
		/* an error of __exit__ replaces the body's exception */
		pk_decref(se.exc);
		if (st == EX_RETURN) {
			pk_decref(f->ret);
			f->ret = pk_undef();
		}
		setpos(f, s);
		return EX_ERR;
	}
	if (st != EX_ERR) {
		pk_decref(res);
		return st;
	}
	r = truth(vm, res, &suppress);
	pk_decref(res);
	if (r < 0) {
		pk_decref(se.exc);
		setpos(f, s);
		return EX_ERR;
	}
	if (suppress) {
		pk_decref(se.exc);
		return EX_OK;
	}
	restore_exc(vm, &se);
	return EX_ERR;
}

static int exec_raise(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	pk_val v, e;

	if (!s->a) {
		if (pk_is_undef(vm->handling))
			return pk_raise(vm, &pk_exc_RuntimeError,
			                "No active exception to reraise");
		return pk_exc_set(vm, pk_incref(vm->handling));
	}
	if (eval(f, s->a, &v) < 0)
		return -1;
	if (s->b) {
		pk_val c;

		if (eval(f, s->b, &c) < 0) {
			pk_decref(v);
			return -1;
		}
		pk_decref(c);
	}
	if (pk_is_type(v, &pk_type_exctype)) {
		struct pk_args a = {0};

		e = pk_exc_new(vm, (struct pk_exctype *)v.u.o, &a);
		pk_decref(v);
		if (pk_is_undef(e))
			return -1;
	} else if (pk_is_type(v, &pk_type_exc)) {
		e = v;
	} else {
		pk_decref(v);
		return pk_raise(vm, &pk_exc_TypeError,
		                "exceptions must derive from BaseException");
	}
	return pk_exc_set(vm, e);
}

static int exec_aug(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	struct node *t = s->a;
	pk_val obj = pk_undef(), key = pk_undef(), cur, rhs, res = pk_undef();
	int r = -1;

	if (t->kind == E_ATTR) {
		if (eval(f, t->a, &obj) < 0)
			return -1;
		if (pk_getattr(vm, obj, t->name, &cur) < 0) {
			setpos(f, t);
			goto out;
		}
	} else if (t->kind == E_INDEX) {
		if (eval(f, t->a, &obj) < 0)
			return -1;
		if (eval_key(f, t->b, &key) < 0)
			goto out;
		if (pk_getitem(vm, obj, key, &cur) < 0) {
			setpos(f, t);
			goto out;
		}
	} else if (eval(f, t, &cur) < 0) {
		return -1;
	}
	if (eval(f, s->b, &rhs) < 0) {
		pk_decref(cur);
		goto out;
	}
	if (s->op == PK_OP_ADD && pk_is_list(cur)) {
		/* list += iterable extends in place, as Python does */
		pk_val tmp;
		size_t i;

		r = pk_to_list(vm, rhs, &tmp);
		if (r == 0) {
			for (i = 0; i < pk_as_list(tmp)->len && r == 0; i++)
				r = pk_list_append(vm, cur,
				                   pk_as_list(tmp)->items[i]);
			pk_decref(tmp);
		}
		res = cur;
		cur = pk_undef();
	} else if (int_fast(s->op, cur, rhs, &res)) {
		r = 0;
	} else {
		r = pk_binop(vm, (enum pk_binop)s->op, cur, rhs, &res);
	}
	pk_decref(cur);
	pk_decref(rhs);
	if (r < 0) {
		pk_decref(res);
		setpos(f, s);
		goto out;
	}
	if (t->kind == E_ATTR)
		r = pk_setattr(vm, obj, t->name, res);
	else if (t->kind == E_INDEX)
		r = pk_setitem(vm, obj, key, res);
	else
		r = assign(f, t, res);
	pk_decref(res);
	if (r < 0)
		setpos(f, t);
out:
	pk_decref(obj);
	pk_decref(key);
	return r;
}

static int exec_stmt(struct frame *f, struct node *s)
{
	struct pk_vm *vm = f->vm;
	pk_val v;
	bool t;
	int r, i, st;

	switch (s->kind) {
	case S_EXPR:
		if (eval(f, s->a, &v) < 0)
			return EX_ERR;
		if (f->echo && !pk_is_none(v)) {
			struct pk_buf b = PK_BUF_INIT;

			r = pk_repr(vm, v, &b);
			if (r == 0) {
				pk_buf_addch(&b, '\n');
				if (pk_buf_failed(&b))
					r = pk_raise_nomem(vm);
				else
					pk_vm_write(vm, b.buf, b.len);
			}
			pk_buf_release(&b);
			pk_decref(v);
			if (r < 0) {
				setpos(f, s);
				return EX_ERR;
			}
			return EX_OK;
		}
		pk_decref(v);
		return EX_OK;
	case S_ASSIGN:
		if (eval(f, s->b, &v) < 0)
			return EX_ERR;
		for (i = 0; i < s->n; i++)
			if (assign(f, s->v[i], v) < 0) {
				pk_decref(v);
				setpos(f, s);
				return EX_ERR;
			}
		pk_decref(v);
		return EX_OK;
	case S_AUG:
		return exec_aug(f, s) < 0 ? EX_ERR : EX_OK;
	case S_DEL:
		for (i = 0; i < s->n; i++)
			if (del_target(f, s->v[i]) < 0) {
				setpos(f, s->v[i]);
				return EX_ERR;
			}
		return EX_OK;
	case S_PASS:
	case S_NOP:
		return EX_OK;
	case S_BREAK:
		return EX_BREAK;
	case S_CONTINUE:
		return EX_CONTINUE;
	case S_RETURN:
		if (!s->a) {
			f->ret = pk_none();
			return EX_RETURN;
		}
		if (eval(f, s->a, &v) < 0)
			return EX_ERR;
		pk_decref(f->ret);
		f->ret = v;
		return EX_RETURN;
	case S_IF:
		if (eval(f, s->a, &v) < 0)
			return EX_ERR;
		r = truth(vm, v, &t);
		pk_decref(v);
		if (r < 0) {
			setpos(f, s->a);
			return EX_ERR;
		}
		return t ? exec_block(f, s->v, s->n)
		         : exec_block(f, s->v2, s->n2);
	case S_WHILE:
		return exec_while(f, s);
	case S_FOR:
		return exec_for(f, s);
	case S_DEF:
		if (make_function(f, s->extra, &v) < 0) {
			setpos(f, s);
			return EX_ERR;
		}
		r = assign(f, s->a, v);
		pk_decref(v);
		return r < 0 ? EX_ERR : EX_OK;
	case S_TRY:
		return exec_try(f, s);
	case S_WITH:
		return exec_with(f, s);
	case S_RAISE:
		if (exec_raise(f, s) < 0) {
			setpos(f, s);
			return EX_ERR;
		}
		return EX_OK;
	case S_ASSERT:
		if (eval(f, s->a, &v) < 0)
			return EX_ERR;
		r = truth(vm, v, &t);
		pk_decref(v);
		if (r < 0)
			return EX_ERR;
		if (t)
			return EX_OK;
		if (s->b) {
			struct pk_buf b = PK_BUF_INIT;

			if (eval(f, s->b, &v) < 0)
				return EX_ERR;
			r = pk_str_of(vm, v, &b);
			pk_decref(v);
			if (r == 0)
				pk_raise(vm, &pk_exc_AssertionError, "%s",
				         b.buf);
			pk_buf_release(&b);
		} else {
			pk_raise(vm, &pk_exc_AssertionError, "%s", "");
		}
		setpos(f, s);
		return EX_ERR;
	default:
		st = EX_ERR;
		pk_raise(vm, &pk_exc_RuntimeError, "cannot execute node %d",
		         s->kind);
		return st;
	}
}

/* ------------------------------------------------------------------ */
/* running                                                             */

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void record_exc(struct pk_vm *vm)
{
	pk_val e = vm->exc;
	struct pk_buf b = PK_BUF_INIT;

	vm->has_error = true;
	vm->err_syntax = false;
	pk_buf_reset(&vm->err_msg);
	if (pk_is_type(e, &pk_type_exc)) {
		copy_str(vm->err_exc, sizeof(vm->err_exc),
		         ((struct pk_exc *)e.u.o)->type->name);
		if (pk_str_of(vm, e, &b) == 0)
			pk_buf_add(&vm->err_msg, b.buf, b.len);
	} else {
		copy_str(vm->err_exc, sizeof(vm->err_exc), "Error");
	}
	pk_buf_release(&b);
	if (vm->exc_pos) {
		vm->err_line = vm->exc_line;
		vm->err_col = vm->exc_col;
		copy_str(vm->err_file, sizeof(vm->err_file), vm->exc_file);
	}
}

/* a blank line after the last token: the REPL's "block is finished" */
static bool blank_line_after(const char *rest, const char *src, size_t len)
{
	const char *end = src + len, *p;
	int nl = 0;

	if (!rest || rest < src || rest > end)
		return false;
	for (p = rest; p < end; p++) {
		if (*p == '\n')
			nl++;
		else if (*p == '#')
			while (p + 1 < end && p[1] != '\n')
				p++;
	}
	return nl >= 2;
}

static int exit_code_of(struct pk_vm *vm, pk_val exc)
{
	pk_val arg = ((struct pk_exc *)exc.u.o)->arg;

	if (pk_is_undef(arg) || pk_is_none(arg))
		return 0;
	if (pk_is_intlike(arg))
		return (int)arg.u.i;
	{
		struct pk_buf b = PK_BUF_INIT;

		pk_str_of(vm, arg, &b);
		pk_buf_addch(&b, '\n');
		vm->errout(vm->err_ctx, b.buf, b.len);
		pk_buf_release(&b);
	}
	return 1;
}

enum pk_run_status pk_vm_run(struct pk_vm *vm, const char *src, size_t len,
                             const char *name, int line0, enum pk_run_mode mode)
{
	struct parse_result pr;
	enum pk_run_status status = PK_RUN_OK;
	int i;

	pk_vm_clear_error(vm);
	vm->exit_code = 0;
	if (!name)
		name = "<string>";
	if (vm->depth == 0)
		vm->stack_base = __builtin_frame_address(0);
	pk_parse(vm, src, len, name, line0, &pr);
	if (pr.error) {
		if (pr.nomem) {
			pk_parse_release(&pr);
			pk_raise_nomem(vm);
			record_exc(vm);
			copy_str(vm->err_file, sizeof(vm->err_file), name);
			return PK_RUN_ERROR;
		}
		if (mode == PK_RUN_SINGLE && pr.eof &&
		    (pr.in_bracket || !blank_line_after(pr.rest, src, len))) {
			pk_parse_release(&pr);
			return PK_RUN_INCOMPLETE;
		}
		vm->has_error = true;
		vm->err_syntax = true;
		vm->err_line = pr.line;
		vm->err_col = pr.col;
		copy_str(vm->err_file, sizeof(vm->err_file), name);
		copy_str(vm->err_exc, sizeof(vm->err_exc), "SyntaxError");
		pk_buf_addstr(&vm->err_msg, pr.msg);
		pk_parse_release(&pr);
		return PK_RUN_ERROR;
	}
	if (mode == PK_RUN_SINGLE && pr.last_compound &&
	    !blank_line_after(pr.rest, src, len)) {
		pk_parse_release(&pr);
		return PK_RUN_INCOMPLETE;
	}
	for (i = 0; i < pr.n; i++) {
		struct toplevel *tl = &pr.stmts[i];
		struct frame fr;
		int st;

		fr.vm = vm;
		fr.ar = tl->ar;
		fr.ret = pk_undef();
		fr.echo = mode == PK_RUN_SINGLE;
		fr.cells = NULL;
		fr.slots = push_slots(vm, tl->nslots);
		if (!fr.slots || make_cells(vm, fr.slots, tl->scope) < 0) {
			if (fr.slots)
				pop_slots(vm, fr.slots, tl->nslots);
			record_exc(vm);
			status = PK_RUN_ERROR;
			break;
		}
		st = exec_stmt(&fr, tl->stmt);
		break_cycles(fr.slots, tl->scope);
		pop_slots(vm, fr.slots, tl->nslots);
		pk_decref(fr.ret);
		if (st == EX_ERR) {
			pk_val e = vm->exc;

			if (pk_is_type(e, &pk_type_exc) &&
			    ((struct pk_exc *)e.u.o)->type ==
			        &pk_exc_SystemExit) {
				vm->exit_code = exit_code_of(vm, e);
				pk_exc_set(vm, pk_undef());
				status = PK_RUN_EXIT;
				break;
			}
			record_exc(vm);
			status = PK_RUN_ERROR;
			break;
		}
	}
	pk_parse_release(&pr);
	return status;
}
