/*
 * value.c - the built-in object types: str, bytes, list, tuple, dict,
 * range, slices, iterators and C functions, with their type tables.
 * Generic operations that dispatch on these tables are in ops.c,
 * exceptions in exc.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------ */
/* Objects                                                             */

void *pk_obj_alloc(const struct pk_type *type, size_t size)
{
	struct pk_obj *o;

	/* glibc's calloc bypasses its per-thread cache (tcache): for the
	 * small objects made and freed by the million, malloc + memset is
	 * the cheaper way to a zeroed block */
	if (size <= 1024) {
		o = pk_xmalloc(size);
		if (o)
			memset(o, 0, size);
	} else {
		o = pk_xcalloc(1, size);
	}
	if (!o)
		return NULL;
	o->refcnt = 1;
	o->type = type;
	/* tuples and lists: once they hold a container (pk_gc_note_) */
	if (type->traverse && !type->gc_explicit && type != &pk_type_tuple &&
	    type != &pk_type_list)
		pk_gc_track_(o);
	return o;
}

/*
 * Freeing a value frees what it holds, recursively, so a list nested 10**6
 * deep would overflow the C stack. Past FREE_DEPTH_MAX nested frees an
 * object waits on a pending stack instead, and the outermost call frees
 * the waiting ones (CPython's "trashcan"). The stack is process-wide, like
 * the intern table: values never cross threads. If it cannot grow, the
 * object is freed at once (recursion as before, under memory pressure).
 */
#define FREE_DEPTH_MAX 200
static unsigned free_depth;
static struct pk_obj **free_pending;
static size_t free_npending, free_cap;

static void release_one(struct pk_obj *o)
{
	free_depth++;
	if (*pk_gc_slot_(o))
		pk_gc_untrack_(o);
	if (o->type->release)
		o->type->release(o);
	else
		pk_xfree(o);
	free_depth--;
}

void pk_obj_free_(struct pk_obj *o)
{
	if (free_depth >= FREE_DEPTH_MAX) {
		if (free_npending == free_cap) {
			size_t nc = free_cap ? free_cap * 2 : 256;
			struct pk_obj **np =
			    pk_xrealloc(free_pending, nc * sizeof(*np));

			if (!np) {
				release_one(o);
				return;
			}
			free_pending = np;
			free_cap = nc;
		}
		free_pending[free_npending++] = o;
		return;
	}
	release_one(o);
	if (free_depth == 0) {
		while (free_npending)
			release_one(free_pending[--free_npending]);
	}
}

int pk_check_size(struct pk_vm *vm, uint64_t n, uint64_t elsize)
{
	if (elsize && n > PK_MAX_ALLOC / elsize)
		return pk_raise_nomem(vm);
	return 0;
}

/* Immediates get type tables too, so method lookup and type names are
 * uniform. Their hooks are handled by the generic code in ops.c. */
const struct pk_type pk_type_undef = {.name = "undefined"};
const struct pk_type pk_type_none = {.name = "NoneType"};
const struct pk_type pk_type_bool = {.name = "bool", .methods = pk_int_methods};
const struct pk_type pk_type_int = {.name = "int", .methods = pk_int_methods};
const struct pk_type pk_type_float = {.name = "float",
                                      .methods = pk_float_methods};

const struct pk_type *pk_type_of(pk_val v)
{
	switch (v.kind) {
	case PK_K_NONE:
		return &pk_type_none;
	case PK_K_BOOL:
		return &pk_type_bool;
	case PK_K_INT:
		return &pk_type_int;
	case PK_K_FLOAT:
		return &pk_type_float;
	case PK_K_OBJ:
		return v.u.o->type;
	default:
		return &pk_type_undef;
	}
}

const char *pk_typename(pk_val v)
{
	return pk_type_of(v)->name;
}

/* ------------------------------------------------------------------ */
/* str                                                                 */

static uint32_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

static struct pk_str *str_alloc(struct pk_vm *vm, size_t len)
{
	struct pk_str *s;

	if (vm && pk_check_size(vm, len, 1) < 0)
		return NULL;
	s = pk_obj_alloc(&pk_type_str, sizeof(*s) + len + 1);
	if (!s) {
		if (vm)
			pk_raise_nomem(vm);
		return NULL;
	}
	s->len = len;
	return s;
}

pk_val pk_str_new(struct pk_vm *vm, const char *p, size_t len)
{
	struct pk_str *s;

	if (len <= 1) {
		/* one-character strings come from indexing and iterating:
		 * share them */
		struct pk_str *c = pk_intern(len ? p : "", len);

		if (!c) {
			if (vm)
				pk_raise_nomem(vm);
			return pk_undef();
		}
		return pk_incref(pk_obj_take(c));
	}
	s = str_alloc(vm, len);
	if (!s)
		return pk_undef();
	if (len)
		memcpy(s->s, p, len);
	s->s[len] = '\0';
	return pk_obj_take(s);
}

pk_val pk_str_cstr(struct pk_vm *vm, const char *s)
{
	return pk_str_new(vm, s, strlen(s));
}

pk_val pk_str_fmt(struct pk_vm *vm, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return pk_str_from_buf(vm, &b);
}

pk_val pk_str_from_buf(struct pk_vm *vm, struct pk_buf *b)
{
	pk_val r;

	if (pk_buf_failed(b)) {
		pk_buf_release(b);
		pk_raise_nomem(vm);
		return pk_undef();
	}
	r = pk_str_new(vm, b->buf, b->len);
	pk_buf_release(b);
	return r;
}

static uint64_t str_hash(pk_val v)
{
	struct pk_str *s = pk_as_str(v);

	if (!s->hash)
		s->hash = hash_bytes(s->s, s->len);
	return s->hash;
}

/* The intern table is process-wide (pk_intern takes no VM): interned
 * strings are immortal, so comparing names is comparing pointers. */
static struct pk_str **itab;
static size_t icap, icount;

struct pk_str *pk_intern(const char *p, size_t len)
{
	uint32_t h = hash_bytes(p, len);
	size_t i, mask;
	struct pk_str *s;

	if (icount * 2 >= icap) {
		size_t ncap = icap ? icap * 2 : 1024, j;
		struct pk_str **nt = pk_xcalloc(ncap, sizeof(*nt));

		if (!nt)
			return NULL;
		for (j = 0; j < icap; j++) {
			if (!itab[j])
				continue;
			i = itab[j]->hash & (ncap - 1);
			while (nt[i])
				i = (i + 1) & (ncap - 1);
			nt[i] = itab[j];
		}
		pk_xfree(itab);
		itab = nt;
		icap = ncap;
	}
	mask = icap - 1;
	for (i = h & mask; itab[i]; i = (i + 1) & mask) {
		s = itab[i];
		if (s->hash == h && s->len == len && !memcmp(s->s, p, len))
			return s;
	}
	s = pk_obj_alloc(&pk_type_str, sizeof(*s) + len + 1);
	if (!s)
		return NULL;
	s->h.refcnt = PK_STATIC_REF;
	s->len = len;
	memcpy(s->s, p, len);
	s->s[len] = '\0';
	s->hash = h;
	s->interned = 1;
	itab[i] = s;
	icount++;
	return s;
}

static int str_repr_hook(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	return pk_str_repr(out, pk_as_str(self)->s, pk_as_str(self)->len);
}

static int str_str_hook(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_add(out, pk_as_str(self)->s, pk_as_str(self)->len);
	return 0; /* a failed buffer is reported by whoever takes it */
}

static int seq_len(struct pk_vm *vm, pk_val self, int64_t *out);
static int seq_iter(struct pk_vm *vm, pk_val self, pk_val *out);
static int seq_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out);

static void str_release(struct pk_obj *o)
{
	/* interned strings never get here */
	pk_xfree(o);
}

const struct pk_type pk_type_str = {
    .name = "str",
    .release = str_release,
    .repr = str_repr_hook,
    .str = str_str_hook,
    .len = seq_len,
    .iter = seq_iter,
    .getitem = seq_getitem,
    .hash = str_hash,
    .methods = pk_str_methods,
};

/* ------------------------------------------------------------------ */
/* bytes                                                               */

pk_val pk_bytes_new(struct pk_vm *vm, const void *data, size_t len)
{
	struct pk_bytes *b;

	if (pk_check_size(vm, len, 1) < 0)
		return pk_undef();
	/* pk_obj_alloc but for the contents, which need no zeroing */
	b = pk_xmalloc(sizeof(*b) + len + 1);
	if (!b) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	memset(b, 0, sizeof(*b));
	b->h.refcnt = 1;
	b->h.type = &pk_type_bytes;
	b->len = len;
	if (len && data)
		memcpy(b->b, data, len);
	else if (len)
		memset(b->b, 0, len);
	b->b[len] = 0;
	return pk_obj_take(b);
}

pk_val pk_bytes_from_buf(struct pk_vm *vm, struct pk_buf *b)
{
	pk_val r;

	if (pk_buf_failed(b)) {
		pk_buf_release(b);
		pk_raise_nomem(vm);
		return pk_undef();
	}
	r = pk_bytes_new(vm, b->buf, b->len);
	pk_buf_release(b);
	return r;
}

static int bytes_repr_hook(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	return pk_bytes_repr(out, pk_as_bytes(self)->b, pk_as_bytes(self)->len);
}

static uint64_t bytes_hash(pk_val v)
{
	return hash_bytes(pk_as_bytes(v)->b, pk_as_bytes(v)->len);
}

const struct pk_type pk_type_bytes = {
    .name = "bytes",
    .repr = bytes_repr_hook,
    .len = seq_len,
    .iter = seq_iter,
    .getitem = seq_getitem,
    .hash = bytes_hash,
    .methods = pk_bytes_methods,
};

/* ------------------------------------------------------------------ */
/* list                                                                */

pk_val pk_list_new(struct pk_vm *vm, size_t cap)
{
	struct pk_list *l;

	if (pk_check_size(vm, cap, sizeof(pk_val)) < 0)
		return pk_undef();
	l = pk_obj_alloc(&pk_type_list, sizeof(*l));
	if (!l) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	if (cap) {
		l->items = pk_xmalloc(cap * sizeof(pk_val));
		if (!l->items) {
			pk_decref(pk_obj_take(l));
			pk_raise_nomem(vm);
			return pk_undef();
		}
		l->cap = cap;
	}
	return pk_obj_take(l);
}

static int list_reserve(struct pk_vm *vm, struct pk_list *l, size_t extra)
{
	size_t want, ncap;
	pk_val *ni;

	if (extra > SIZE_MAX / 2 - l->len)
		return pk_raise_nomem(vm);
	want = l->len + extra;
	if (want <= l->cap)
		return 0;
	if (pk_check_size(vm, want, sizeof(pk_val)) < 0)
		return -1;
	ncap = l->cap < 4 ? 4 : l->cap + l->cap / 2;
	if (ncap < want)
		ncap = want;
	ni = pk_xrealloc(l->items, ncap * sizeof(pk_val));
	if (!ni)
		return pk_raise_nomem(vm);
	l->items = ni;
	l->cap = ncap;
	return 0;
}

int pk_list_append(struct pk_vm *vm, pk_val list, pk_val item)
{
	struct pk_list *l = pk_as_list(list);

	if (l->len == l->cap && list_reserve(vm, l, 1) < 0)
		return -1;
	l->items[l->len++] = pk_incref(item);
	pk_gc_note_(list, item);
	return 0;
}

int pk_list_append_take(struct pk_vm *vm, pk_val list, pk_val item)
{
	struct pk_list *l = pk_as_list(list);

	if (l->len == l->cap && list_reserve(vm, l, 1) < 0) {
		pk_decref(item);
		return -1;
	}
	l->items[l->len++] = item;
	pk_gc_note_(list, item);
	return 0;
}

pk_val pk_list_from(struct pk_vm *vm, const pk_val *v, size_t n)
{
	pk_val l = pk_list_new(vm, n);
	size_t i;

	if (pk_is_undef(l))
		return l;
	for (i = 0; i < n; i++)
		pk_as_list(l)->items[i] = pk_incref(v[i]);
	pk_as_list(l)->len = n;
	pk_list_note_all(l);
	return l;
}

void pk_list_note_all(pk_val l)
{
	size_t i;

	for (i = 0; i < pk_as_list(l)->len && !*pk_gc_slot_(l.u.o); i++)
		pk_gc_note_(l, pk_as_list(l)->items[i]);
}

static void list_release(struct pk_obj *o)
{
	struct pk_list *l = (struct pk_list *)o;
	size_t i;

	for (i = 0; i < l->len; i++)
		pk_decref(l->items[i]);
	pk_xfree(l->items);
	pk_xfree(l);
}

static void list_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_list *l = (struct pk_list *)o;
	size_t i;

	for (i = 0; i < l->len; i++)
		visit(l->items[i], ctx);
}

static void list_clear(struct pk_obj *o)
{
	struct pk_list *l = (struct pk_list *)o;
	size_t i, n = l->len;

	/* emptied first: the decrefs below must not see the items again */
	l->len = 0;
	for (i = 0; i < n; i++)
		pk_decref(l->items[i]);
}

/*
 * Containers being printed, innermost last (Python's Py_ReprEnter): a
 * container met again inside itself prints as "[...]", "{...}" or
 * "(...)" instead of recursing forever.
 */
static struct pk_obj **repr_stack;
static size_t repr_n, repr_cap;

/* 1: o is already being printed; 0: pushed; 2: not pushed (no memory) */
static int repr_enter(struct pk_obj *o)
{
	size_t i;

	for (i = 0; i < repr_n; i++)
		if (repr_stack[i] == o)
			return 1;
	if (repr_n == repr_cap) {
		size_t nc = repr_cap ? repr_cap * 2 : 16;
		struct pk_obj **ns = pk_xrealloc(repr_stack, nc * sizeof(*ns));

		if (!ns)
			return 2;
		repr_stack = ns;
		repr_cap = nc;
	}
	repr_stack[repr_n++] = o;
	return 0;
}

static void repr_leave(int entered)
{
	if (entered == 0 && --repr_n == 0) {
		pk_xfree(repr_stack);
		repr_stack = NULL;
		repr_cap = 0;
	}
}

static int seq_repr(struct pk_vm *vm, pk_val self, const pk_val *v, size_t n,
                    const char *open, const char *close, bool one_comma,
                    struct pk_buf *out)
{
	size_t i;
	int entered, r = -1;

	entered = repr_enter(self.u.o);
	if (entered == 1) {
		pk_buf_addf(out, "%s...%s", open, close);
		return 0;
	}
	if (pk_vm_enter(vm) < 0)
		goto out;
	pk_buf_addstr(out, open);
	for (i = 0; i < n; i++) {
		if (i)
			pk_buf_addstr(out, ", ");
		if (pk_repr(vm, v[i], out) < 0) {
			pk_vm_leave(vm);
			goto out;
		}
	}
	if (n == 1 && one_comma)
		pk_buf_addch(out, ',');
	pk_buf_addstr(out, close);
	pk_vm_leave(vm);
	r = 0;
out:
	repr_leave(entered);
	return r;
}

static int list_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_list *l = pk_as_list(self);

	return seq_repr(vm, self, l->items, l->len, "[", "]", false, out);
}

static int list_setitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val v)
{
	struct pk_list *l = pk_as_list(self);
	int64_t i;

	if (pk_is_type(key, &pk_type_slice)) {
		struct pk_slice *s = (struct pk_slice *)key.u.o;
		int64_t st, sp, step, cnt, j;
		pk_val items;
		struct pk_list *src;
		size_t newlen;

		if (pk_slice_indices(vm, s->start, s->stop, s->step,
		                     (int64_t)l->len, &st, &sp, &step,
		                     &cnt) < 0)
			return -1;
		if (step != 1)
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "extended slice assignment is not supported");
		if (cnt < 0)
			cnt = 0;
		if (pk_is_undef(v)) {
			items = pk_list_new(vm, 0);
		} else if (pk_to_list(vm, v, &items) < 0) {
			return -1;
		}
		if (pk_is_undef(items))
			return -1;
		src = pk_as_list(items);
		if (list_reserve(vm, l, src->len) < 0) {
			pk_decref(items);
			return -1;
		}
		for (j = st; j < st + cnt; j++)
			pk_decref(l->items[j]);
		newlen = l->len - (size_t)cnt + src->len;
		memmove(l->items + st + src->len, l->items + st + cnt,
		        (l->len - (size_t)(st + cnt)) * sizeof(pk_val));
		for (j = 0; j < (int64_t)src->len; j++)
			l->items[st + j] = pk_incref(src->items[j]);
		l->len = newlen;
		pk_list_note_all(self);
		pk_decref(items);
		return 0;
	}
	if (pk_to_index(vm, key, &i) < 0)
		return -1;
	if (i < 0)
		i += (int64_t)l->len;
	if (i < 0 || i >= (int64_t)l->len)
		return pk_raise(vm, &pk_exc_IndexError, "%s",
		                pk_is_undef(v)
		                    ? "list index out of range"
		                    : "list assignment index out of range");
	if (pk_is_undef(v)) {
		pk_decref(l->items[i]);
		memmove(l->items + i, l->items + i + 1,
		        (l->len - (size_t)i - 1) * sizeof(pk_val));
		l->len--;
		return 0;
	}
	pk_val_set(&l->items[i], v);
	pk_gc_note_(self, v);
	return 0;
}

const struct pk_type pk_type_list = {
    .name = "list",
    .release = list_release,
    .repr = list_repr,
    .len = seq_len,
    .iter = seq_iter,
    .getitem = seq_getitem,
    .setitem = list_setitem,
    .methods = pk_list_methods,
    .traverse = list_traverse,
    .clear = list_clear,
};

/* ------------------------------------------------------------------ */
/* tuple                                                               */

pk_val pk_tuple_new(struct pk_vm *vm, size_t len)
{
	struct pk_tuple *t;
	size_t i;

	if (pk_check_size(vm, len, sizeof(pk_val)) < 0)
		return pk_undef();
	t = pk_obj_alloc(&pk_type_tuple, sizeof(*t) + len * sizeof(pk_val));
	if (!t) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	t->len = len;
	for (i = 0; i < len; i++)
		t->items[i] = pk_none();
	return pk_obj_take(t);
}

/*
 * Most tuples hold ints and strings (call arguments, dict items, field
 * pairs) and can be in no cycle: a tuple is tracked by the collector only
 * once an item that can be (a tracked type) is put in it.
 */
static inline void tuple_note(pk_val t, pk_val item)
{
	pk_gc_note_(t, item);
}

void pk_tuple_note_all(pk_val t)
{
	size_t i;

	for (i = 0; i < pk_as_tuple(t)->len; i++)
		tuple_note(t, pk_as_tuple(t)->items[i]);
}

void pk_tuple_set_take(pk_val tuple, size_t i, pk_val item)
{
	struct pk_tuple *t = pk_as_tuple(tuple);

	pk_decref(t->items[i]);
	t->items[i] = item;
	tuple_note(tuple, item);
}

pk_val pk_tuple_pair(struct pk_vm *vm, pk_val a, pk_val b)
{
	pk_val t = pk_tuple_new(vm, 2);

	if (pk_is_undef(t))
		return t;
	pk_as_tuple(t)->items[0] = pk_incref(a);
	pk_as_tuple(t)->items[1] = pk_incref(b);
	tuple_note(t, a);
	tuple_note(t, b);
	return t;
}

pk_val pk_tuple_from(struct pk_vm *vm, const pk_val *v, size_t n)
{
	pk_val t = pk_tuple_new(vm, n);
	size_t i;

	if (pk_is_undef(t))
		return t;
	for (i = 0; i < n; i++) {
		pk_as_tuple(t)->items[i] = pk_incref(v[i]);
		tuple_note(t, v[i]);
	}
	return t;
}

static void tuple_release(struct pk_obj *o)
{
	struct pk_tuple *t = (struct pk_tuple *)o;
	size_t i;

	for (i = 0; i < t->len; i++)
		pk_decref(t->items[i]);
	pk_xfree(t);
}

static void tuple_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_tuple *t = (struct pk_tuple *)o;
	size_t i;

	for (i = 0; i < t->len; i++)
		visit(t->items[i], ctx);
}

static void tuple_clear(struct pk_obj *o)
{
	struct pk_tuple *t = (struct pk_tuple *)o;
	size_t i;

	for (i = 0; i < t->len; i++) {
		pk_val v = t->items[i];

		t->items[i] = pk_none();
		pk_decref(v);
	}
}

static int tuple_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_tuple *t = pk_as_tuple(self);

	return seq_repr(vm, self, t->items, t->len, "(", ")", true, out);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t tuple_hash(pk_val v)
{
	/* unhashable items were rejected by pk_hash before we get here */
	struct pk_tuple *t = pk_as_tuple(v);
	uint64_t h = 0x345678, x;
	size_t i;

	for (i = 0; i < t->len; i++) {
		if (pk_hash(NULL, t->items[i], &x) < 0)
			x = 0;
		h = mix64(h ^ x) + i;
	}
	return h;
}

const struct pk_type pk_type_tuple = {
    .name = "tuple",
    .release = tuple_release,
    .repr = tuple_repr,
    .len = seq_len,
    .iter = seq_iter,
    .getitem = seq_getitem,
    .hash = tuple_hash,
    .methods = pk_tuple_methods,
    .traverse = tuple_traverse,
    .clear = tuple_clear,
};

/* ------------------------------------------------------------------ */
/* dict: compact ordered entries plus an open-addressing index          */

pk_val pk_dict_new(struct pk_vm *vm)
{
	struct pk_dict *d = pk_obj_alloc(&pk_type_dict, sizeof(*d));

	if (!d) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	return pk_obj_take(d);
}

static void dict_release(struct pk_obj *o)
{
	struct pk_dict *d = (struct pk_dict *)o;
	size_t i;

	for (i = 0; i < d->nent; i++) {
		pk_decref(d->ent[i].key);
		pk_decref(d->ent[i].val);
	}
	pk_xfree(d->ent);
	pk_xfree(d->idx);
	pk_xfree(d);
}

static void dict_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_dict *d = (struct pk_dict *)o;
	size_t i;

	for (i = 0; i < d->nent; i++) {
		visit(d->ent[i].key, ctx);
		visit(d->ent[i].val, ctx);
	}
}

/* every entry becomes a deleted one, so the dict stays consistent */
static void dict_clear(struct pk_obj *o)
{
	struct pk_dict *d = (struct pk_dict *)o;
	size_t i;

	for (i = 0; i < d->nent; i++) {
		pk_val k = d->ent[i].key, v = d->ent[i].val;

		d->ent[i].key = pk_undef();
		d->ent[i].val = pk_undef();
		if (!pk_is_undef(k))
			d->n--;
		pk_decref(k);
		pk_decref(v);
	}
}

static int key_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	if (a.kind == b.kind && a.u.i == b.u.i) {
		*out = true;
		return 0;
	}
	if (pk_is_str(a) && pk_is_str(b)) {
		struct pk_str *x = pk_as_str(a), *y = pk_as_str(b);

		*out = x->len == y->len && !memcmp(x->s, y->s, x->len);
		return 0;
	}
	return pk_eq(vm, a, b, out);
}

/* entry index, -1 absent (*slot: where to insert), -2 error */
static long dict_find(struct pk_vm *vm, struct pk_dict *d, pk_val key,
                      uint64_t h, size_t *slot)
{
	size_t mask, i, perturb = h;
	long tomb = -1;

	if (!d->idxcap) {
		*slot = 0;
		return -1;
	}
	mask = d->idxcap - 1;
	i = h & mask;
	for (;;) {
		int32_t e = d->idx[i];

		if (e == -1) {
			*slot = tomb >= 0 ? (size_t)tomb : i;
			return -1;
		}
		if (e == -2) {
			if (tomb < 0)
				tomb = (long)i;
		} else if (d->ent[e].hash == h) {
			bool eq;

			if (key_eq(vm, d->ent[e].key, key, &eq) < 0)
				return -2;
			if (eq) {
				*slot = i;
				return e;
			}
		}
		perturb >>= 5;
		i = (i * 5 + perturb + 1) & mask;
	}
}

static int dict_rebuild(struct pk_vm *vm, struct pk_dict *d, size_t want)
{
	size_t cap = 8, i, j, n = 0;
	int32_t *idx;

	while (cap * 2 < want * 3)
		cap *= 2;
	if (cap > ((size_t)1 << 30))
		return pk_raise_nomem(vm);
	idx = pk_xmalloc(cap * sizeof(int32_t));
	if (!idx)
		return pk_raise_nomem(vm);
	memset(idx, 0xff, cap * sizeof(int32_t));
	/* compact entries, dropping deleted ones */
	for (i = 0; i < d->nent; i++) {
		if (pk_is_undef(d->ent[i].key))
			continue;
		d->ent[n] = d->ent[i];
		j = d->ent[n].hash & (cap - 1);
		{
			size_t perturb = d->ent[n].hash;

			while (idx[j] != -1) {
				perturb >>= 5;
				j = (j * 5 + perturb + 1) & (cap - 1);
			}
		}
		idx[j] = (int32_t)n;
		n++;
	}
	d->nent = n;
	pk_xfree(d->idx);
	d->idx = idx;
	d->idxcap = cap;
	return 0;
}

int pk_dict_get(struct pk_vm *vm, pk_val dv, pk_val key, pk_val *out)
{
	struct pk_dict *d = (struct pk_dict *)dv.u.o;
	uint64_t h;
	size_t slot;
	long e;

	if (pk_hash(vm, key, &h) < 0)
		return -1;
	e = dict_find(vm, d, key, h, &slot);
	if (e == -2)
		return -1;
	if (e < 0)
		return 0;
	*out = d->ent[e].val;
	return 1;
}

int pk_dict_set(struct pk_vm *vm, pk_val dv, pk_val key, pk_val v)
{
	struct pk_dict *d = (struct pk_dict *)dv.u.o;
	uint64_t h;
	size_t slot;
	long e;

	if (pk_hash(vm, key, &h) < 0)
		return -1;
	e = dict_find(vm, d, key, h, &slot);
	if (e == -2)
		return -1;
	if (e >= 0) {
		pk_val_set(&d->ent[e].val, v);
		return 0;
	}
	if (d->nent == d->entcap) {
		size_t ncap = d->entcap ? d->entcap * 2 : 8;
		struct pk_dentry *ne;

		if (d->n < d->nent / 2) {
			/* many deleted entries: compact instead of growing */
			if (dict_rebuild(vm, d, d->n + 1) < 0)
				return -1;
		} else {
			if (pk_check_size(vm, ncap, sizeof(*ne)) < 0)
				return -1;
			ne = pk_xrealloc(d->ent, ncap * sizeof(*ne));
			if (!ne)
				return pk_raise_nomem(vm);
			d->ent = ne;
			d->entcap = ncap;
		}
		e = dict_find(vm, d, key, h, &slot);
		if (e == -2)
			return -1;
	}
	if ((d->nent + 1) * 3 > d->idxcap * 2) {
		if (dict_rebuild(vm, d, d->nent + 1) < 0)
			return -1;
		e = dict_find(vm, d, key, h, &slot);
		if (e == -2)
			return -1;
	}
	d->ent[d->nent].hash = h;
	d->ent[d->nent].key = pk_incref(key);
	d->ent[d->nent].val = pk_incref(v);
	d->idx[slot] = (int32_t)d->nent;
	d->nent++;
	d->n++;
	return 0;
}

int pk_dict_del(struct pk_vm *vm, pk_val dv, pk_val key)
{
	struct pk_dict *d = (struct pk_dict *)dv.u.o;
	uint64_t h;
	size_t slot;
	long e;
	pk_val k, v;

	if (pk_hash(vm, key, &h) < 0)
		return -1;
	e = dict_find(vm, d, key, h, &slot);
	if (e == -2)
		return -1;
	if (e < 0)
		return pk_raise_key(vm, key);
	k = d->ent[e].key;
	v = d->ent[e].val;
	d->ent[e].key = pk_undef();
	d->ent[e].val = pk_undef();
	d->idx[slot] = -2;
	d->n--;
	pk_decref(k);
	pk_decref(v);
	return 0;
}

int64_t pk_dict_len(pk_val d)
{
	return (int64_t)((struct pk_dict *)d.u.o)->n;
}

bool pk_dict_next(pk_val dv, size_t *pos, pk_val *k, pk_val *v)
{
	struct pk_dict *d = (struct pk_dict *)dv.u.o;

	while (*pos < d->nent) {
		struct pk_dentry *e = &d->ent[(*pos)++];

		if (pk_is_undef(e->key))
			continue;
		if (k)
			*k = e->key;
		if (v)
			*v = e->val;
		return true;
	}
	return false;
}

static int dict_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	size_t pos = 0;
	pk_val k, v;
	bool first = true;
	int entered = repr_enter(self.u.o);

	if (entered == 1) {
		pk_buf_addstr(out, "{...}");
		return 0;
	}
	if (pk_vm_enter(vm) < 0) {
		repr_leave(entered);
		return -1;
	}
	pk_buf_addch(out, '{');
	while (pk_dict_next(self, &pos, &k, &v)) {
		if (!first)
			pk_buf_addstr(out, ", ");
		first = false;
		if (pk_repr(vm, k, out) < 0)
			goto fail;
		pk_buf_addstr(out, ": ");
		if (pk_repr(vm, v, out) < 0)
			goto fail;
	}
	pk_buf_addch(out, '}');
	pk_vm_leave(vm);
	repr_leave(entered);
	return 0;
fail:
	pk_vm_leave(vm);
	repr_leave(entered);
	return -1;
}

static int dict_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	pk_val v;
	int r = pk_dict_get(vm, self, key, &v);

	if (r < 0)
		return -1;
	if (!r)
		return pk_raise_key(vm, key);
	*out = pk_incref(v);
	return 0;
}

static int dict_setitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val v)
{
	if (pk_is_undef(v))
		return pk_dict_del(vm, self, key);
	return pk_dict_set(vm, self, key, v);
}

static int dict_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	*out = pk_dict_len(self);
	return 0;
}

static int dict_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	pk_val v;
	int r = pk_dict_get(vm, self, item, &v);

	if (r < 0)
		return -1;
	*out = r == 1;
	return 0;
}

const struct pk_type pk_type_dict = {
    .name = "dict",
    .release = dict_release,
    .repr = dict_repr,
    .getitem = dict_getitem,
    .setitem = dict_setitem,
    .len = dict_len,
    .iter = seq_iter,
    .contains = dict_contains,
    .methods = pk_dict_methods,
    .traverse = dict_traverse,
    .clear = dict_clear,
};

/* ------------------------------------------------------------------ */
/* range                                                               */

uint64_t pk_range_len(const struct pk_range *r)
{
	if (r->step > 0 && r->start < r->stop)
		return ((uint64_t)r->stop - (uint64_t)r->start - 1) /
		           (uint64_t)r->step +
		       1;
	if (r->step < 0 && r->start > r->stop)
		return ((uint64_t)r->start - (uint64_t)r->stop - 1) /
		           ((uint64_t) - (r->step + 1) + 1) +
		       1;
	return 0;
}

pk_val pk_range_new(struct pk_vm *vm, int64_t start, int64_t stop, int64_t step)
{
	struct pk_range *r;

	if (step == 0) {
		pk_raise(vm, &pk_exc_ValueError,
		         "range() arg 3 must not be zero");
		return pk_undef();
	}
	r = pk_obj_alloc(&pk_type_range, sizeof(*r));
	if (!r) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	r->start = start;
	r->stop = stop;
	r->step = step;
	return pk_obj_take(r);
}

static int range_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_range *r = (struct pk_range *)self.u.o;

	if (r->step == 1)
		pk_buf_addf(out, "range(%lld, %lld)", (long long)r->start,
		            (long long)r->stop);
	else
		pk_buf_addf(out, "range(%lld, %lld, %lld)", (long long)r->start,
		            (long long)r->stop, (long long)r->step);
	return 0;
}

static int range_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	uint64_t n = pk_range_len((struct pk_range *)self.u.o);

	if (n > (uint64_t)INT64_MAX)
		return pk_raise(vm, &pk_exc_OverflowError,
		                "Python int too large to convert to C ssize_t");
	*out = (int64_t)n;
	return 0;
}

static int range_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	struct pk_range *r = (struct pk_range *)self.u.o;
	uint64_t un = pk_range_len(r), ui;
	int64_t n = un > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)un, i;

	if (pk_is_type(key, &pk_type_slice)) {
		struct pk_slice *s = (struct pk_slice *)key.u.o;
		int64_t st, sp, step, cnt;

		if (pk_slice_indices(vm, s->start, s->stop, s->step, n, &st,
		                     &sp, &step, &cnt) < 0)
			return -1;
		*out = pk_range_new(vm, r->start + st * r->step,
		                    r->start + sp * r->step, r->step * step);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (pk_to_index(vm, key, &i) < 0)
		return -1;
	/* in unsigned arithmetic: a range may hold more than 2**63 items,
	 * and start + i * step is in range whenever i is */
	if (i < 0 ? (uint64_t)0 - (uint64_t)i > un : (uint64_t)i >= un)
		return pk_raise(vm, &pk_exc_IndexError,
		                "range object index out of range");
	ui = i < 0 ? un - ((uint64_t)0 - (uint64_t)i) : (uint64_t)i;
	*out = pk_int((int64_t)((uint64_t)r->start + ui * (uint64_t)r->step));
	return 0;
}

static int range_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	struct pk_range *r = (struct pk_range *)self.u.o;
	int64_t x;

	if (!pk_is_intlike(item)) {
		*out = false;
		return 0;
	}
	x = item.u.i;
	if (r->step > 0)
		*out =
		    x >= r->start && x < r->stop &&
		    ((uint64_t)x - (uint64_t)r->start) % (uint64_t)r->step == 0;
	else
		*out = x <= r->start && x > r->stop &&
		       ((uint64_t)r->start - (uint64_t)x) %
		               (uint64_t)(-(r->step + 1) + 1) ==
		           0;
	return 0;
}

struct rangeiter {
	struct pk_obj h;
	int64_t cur, step;
	uint64_t left;
};

static int range_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct pk_range *r = (struct pk_range *)self.u.o;
	struct rangeiter *it = pk_obj_alloc(&pk_type_rangeiter, sizeof(*it));

	if (!it)
		return pk_raise_nomem(vm);
	it->cur = r->start;
	it->left = pk_range_len(r);
	it->step = r->step;
	*out = pk_obj_take(it);
	return 0;
}

static int rangeiter_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct rangeiter *it = (struct rangeiter *)self.u.o;

	if (!it->left)
		return 0;
	*out = pk_int(it->cur);
	it->left--;
	if (it->left)
		it->cur = (int64_t)((uint64_t)it->cur + (uint64_t)it->step);
	return 1;
}

static int iter_self(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

const struct pk_type pk_type_range = {
    .name = "range",
    .repr = range_repr,
    .len = range_len,
    .getitem = range_getitem,
    .contains = range_contains,
    .iter = range_iter,
};

const struct pk_type pk_type_rangeiter = {
    .name = "range_iterator",
    .iter = iter_self,
    .next = rangeiter_next,
};

/* ------------------------------------------------------------------ */
/* Sequence iterators (list, tuple, str, bytes, dict keys)             */

struct seqiter {
	struct pk_obj h;
	pk_val seq;
	size_t i;
	int mode; /* dict views: 0 keys, 1 values, 2 items */
};

static void seqiter_release(struct pk_obj *o)
{
	pk_decref(((struct seqiter *)o)->seq);
	pk_xfree(o);
}

/* iterators, views and bound methods hold one value */
static void one_traverse(pk_val v, pk_visit_fn visit, void *ctx)
{
	visit(v, ctx);
}

static void one_clear(pk_val *slot)
{
	pk_val v = *slot;

	*slot = pk_none();
	pk_decref(v);
}

static void seqiter_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	one_traverse(((struct seqiter *)o)->seq, visit, ctx);
}

static void seqiter_clear(struct pk_obj *o)
{
	one_clear(&((struct seqiter *)o)->seq);
}

static int seqiter_new(struct pk_vm *vm, pk_val seq, int mode, pk_val *out)
{
	struct seqiter *it = pk_obj_alloc(&pk_type_seqiter, sizeof(*it));

	if (!it)
		return pk_raise_nomem(vm);
	it->seq = pk_incref(seq);
	it->mode = mode;
	*out = pk_obj_take(it);
	return 0;
}

static int seq_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return seqiter_new(vm, self, 0, out);
}

static int seqiter_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct seqiter *it = (struct seqiter *)self.u.o;
	pk_val s = it->seq;

	if (pk_is_list(s)) {
		if (it->i >= pk_as_list(s)->len)
			return 0;
		*out = pk_incref(pk_as_list(s)->items[it->i++]);
		return 1;
	}
	if (pk_is_tuple(s)) {
		if (it->i >= pk_as_tuple(s)->len)
			return 0;
		*out = pk_incref(pk_as_tuple(s)->items[it->i++]);
		return 1;
	}
	if (pk_is_str(s)) {
		if (it->i >= pk_as_str(s)->len)
			return 0;
		*out = pk_str_new(vm, pk_as_str(s)->s + it->i++, 1);
		return pk_is_undef(*out) ? -1 : 1;
	}
	if (pk_is_bytes(s)) {
		if (it->i >= pk_as_bytes(s)->len)
			return 0;
		*out = pk_int(pk_as_bytes(s)->b[it->i++]);
		return 1;
	}
	if (pk_is_dict(s)) {
		pk_val k, v;

		if (!pk_dict_next(s, &it->i, &k, &v))
			return 0;
		if (it->mode == 0)
			*out = pk_incref(k);
		else if (it->mode == 1)
			*out = pk_incref(v);
		else {
			*out = pk_tuple_pair(vm, k, v);
			if (pk_is_undef(*out))
				return -1;
		}
		return 1;
	}
	return 0;
}

const struct pk_type pk_type_seqiter = {
    .name = "iterator",
    .release = seqiter_release,
    .iter = iter_self,
    .next = seqiter_next,
    .traverse = seqiter_traverse,
    .clear = seqiter_clear,
};

static int seq_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	if (pk_is_list(self))
		*out = (int64_t)pk_as_list(self)->len;
	else if (pk_is_tuple(self))
		*out = (int64_t)pk_as_tuple(self)->len;
	else if (pk_is_str(self))
		*out = (int64_t)pk_as_str(self)->len;
	else
		*out = (int64_t)pk_as_bytes(self)->len;
	return 0;
}

static int seq_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	int64_t n, i;

	if (pk_is_type(key, &pk_type_slice)) {
		struct pk_slice *s = (struct pk_slice *)key.u.o;

		return pk_seq_slice(vm, self, s->start, s->stop, s->step, out);
	}
	if (!pk_is_intlike(key)) {
		if (pk_is_obj(key) || pk_is_float(key) || pk_is_none(key))
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s indices must be integers or slices, not %s",
			    pk_typename(self), pk_typename(key));
	}
	i = key.u.i;
	seq_len(vm, self, &n);
	if (i < 0)
		i += n;
	if (i < 0 || i >= n) {
		const char *tn = pk_typename(self);

		if (pk_is_str(self))
			return pk_raise(vm, &pk_exc_IndexError,
			                "string index out of range");
		if (pk_is_bytes(self))
			return pk_raise(vm, &pk_exc_IndexError,
			                "index out of range");
		return pk_raise(vm, &pk_exc_IndexError, "%s index out of range",
		                tn);
	}
	if (pk_is_list(self))
		*out = pk_incref(pk_as_list(self)->items[i]);
	else if (pk_is_tuple(self))
		*out = pk_incref(pk_as_tuple(self)->items[i]);
	else if (pk_is_str(self)) {
		*out = pk_str_new(vm, pk_as_str(self)->s + i, 1);
		if (pk_is_undef(*out))
			return -1;
	} else
		*out = pk_int(pk_as_bytes(self)->b[i]);
	return 0;
}

/* dict views: keys(), values(), items() */
struct dictview {
	struct pk_obj h;
	pk_val d;
	int mode;
};

static void dictview_release(struct pk_obj *o)
{
	pk_decref(((struct dictview *)o)->d);
	pk_xfree(o);
}

static void dictview_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	one_traverse(((struct dictview *)o)->d, visit, ctx);
}

static void dictview_clear(struct pk_obj *o)
{
	one_clear(&((struct dictview *)o)->d);
}

static int dictview_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct dictview *v = (struct dictview *)self.u.o;

	return seqiter_new(vm, v->d, v->mode, out);
}

static int dictview_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	*out = pk_dict_len(((struct dictview *)self.u.o)->d);
	return 0;
}

static int dictview_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	static const char *const names[] = {"dict_keys", "dict_values",
	                                    "dict_items"};
	struct dictview *v = (struct dictview *)self.u.o;
	pk_val l;
	int r;

	if (pk_to_list(vm, self, &l) < 0)
		return -1;
	pk_buf_addf(out, "%s(", names[v->mode]);
	r = pk_repr(vm, l, out);
	pk_buf_addch(out, ')');
	pk_decref(l);
	return r;
}

static int dictview_contains(struct pk_vm *vm, pk_val self, pk_val item,
                             bool *out)
{
	struct dictview *v = (struct dictview *)self.u.o;
	size_t pos = 0;
	pk_val k, x;

	if (v->mode == 0)
		return dict_contains(vm, v->d, item, out);
	*out = false;
	while (pk_dict_next(v->d, &pos, &k, &x)) {
		bool eq;
		pk_val t;
		int r;

		if (v->mode == 1) {
			if (pk_eq(vm, x, item, &eq) < 0)
				return -1;
		} else {
			t = pk_tuple_pair(vm, k, x);
			if (pk_is_undef(t))
				return -1;
			r = pk_eq(vm, t, item, &eq);
			pk_decref(t);
			if (r < 0)
				return -1;
		}
		if (eq) {
			*out = true;
			break;
		}
	}
	return 0;
}

const struct pk_type pk_type_dictview = {
    .name = "dict_view",
    .release = dictview_release,
    .repr = dictview_repr,
    .iter = dictview_iter,
    .len = dictview_len,
    .contains = dictview_contains,
    .traverse = dictview_traverse,
    .clear = dictview_clear,
};

pk_val pk_dictview_new(struct pk_vm *vm, pk_val d, int mode);
pk_val pk_dictview_new(struct pk_vm *vm, pk_val d, int mode)
{
	struct dictview *v = pk_obj_alloc(&pk_type_dictview, sizeof(*v));

	if (!v) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	v->d = pk_incref(d);
	v->mode = mode;
	return pk_obj_take(v);
}

/* ------------------------------------------------------------------ */
/* slices                                                              */

static void slice_release(struct pk_obj *o)
{
	struct pk_slice *s = (struct pk_slice *)o;

	pk_decref(s->start);
	pk_decref(s->stop);
	pk_decref(s->step);
	pk_xfree(s);
}

static int slice_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_slice *s = (struct pk_slice *)self.u.o;
	pk_val v[3] = {s->start, s->stop, s->step};
	int i;

	pk_buf_addstr(out, "slice(");
	for (i = 0; i < 3; i++) {
		if (i)
			pk_buf_addstr(out, ", ");
		if (pk_repr(vm, pk_is_undef(v[i]) ? pk_none() : v[i], out) < 0)
			return -1;
	}
	pk_buf_addch(out, ')');
	return 0;
}

const struct pk_type pk_type_slice = {
    .name = "slice",
    .release = slice_release,
    .repr = slice_repr,
};

pk_val pk_slice_new(struct pk_vm *vm, pk_val a, pk_val b, pk_val c)
{
	struct pk_slice *s = pk_obj_alloc(&pk_type_slice, sizeof(*s));

	if (!s) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	s->start = pk_is_undef(a) ? pk_none() : pk_incref(a);
	s->stop = pk_is_undef(b) ? pk_none() : pk_incref(b);
	s->step = pk_is_undef(c) ? pk_none() : pk_incref(c);
	return pk_obj_take(s);
}

static int slice_bound(struct pk_vm *vm, pk_val v, int64_t *out, bool *set)
{
	*set = false;
	if (pk_is_undef(v) || pk_is_none(v))
		return 0;
	if (!pk_is_intlike(v))
		return pk_raise(vm, &pk_exc_TypeError,
		                "slice indices must be integers or None");
	*out = v.u.i;
	*set = true;
	return 0;
}

int pk_slice_indices(struct pk_vm *vm, pk_val a, pk_val b, pk_val c,
                     int64_t len, int64_t *start, int64_t *stop, int64_t *step,
                     int64_t *count)
{
	int64_t st = 0, sp = 0, sx = 1;
	bool hs, hp, hx;

	if (slice_bound(vm, a, &st, &hs) < 0 ||
	    slice_bound(vm, b, &sp, &hp) < 0 ||
	    slice_bound(vm, c, &sx, &hx) < 0)
		return -1;
	if (sx == 0)
		return pk_raise(vm, &pk_exc_ValueError,
		                "slice step cannot be zero");
	if (sx == INT64_MIN)
		sx = -INT64_MAX;
	if (!hs)
		st = sx < 0 ? len - 1 : 0;
	else if (st < 0) {
		st += len;
		if (st < 0)
			st = sx < 0 ? -1 : 0;
	} else if (st >= len)
		st = sx < 0 ? len - 1 : len;
	if (!hp)
		sp = sx < 0 ? -1 : len;
	else if (sp < 0) {
		sp += len;
		if (sp < 0)
			sp = sx < 0 ? -1 : 0;
	} else if (sp >= len)
		sp = sx < 0 ? len - 1 : len;
	*start = st;
	*stop = sp;
	*step = sx;
	if (sx > 0)
		*count = sp > st ? (sp - st - 1) / sx + 1 : 0;
	else
		*count = st > sp ? (st - sp - 1) / (-sx) + 1 : 0;
	return 0;
}

int pk_seq_slice(struct pk_vm *vm, pk_val seq, pk_val a, pk_val b, pk_val c,
                 pk_val *out)
{
	int64_t len, st, sp, step, cnt, i;
	pk_val r;

	if (!(pk_is_list(seq) || pk_is_tuple(seq) || pk_is_str(seq) ||
	      pk_is_bytes(seq)))
		return PK_NOTIMPL;
	seq_len(vm, seq, &len);
	if (pk_slice_indices(vm, a, b, c, len, &st, &sp, &step, &cnt) < 0)
		return -1;
	if (pk_is_str(seq) || pk_is_bytes(seq)) {
		const char *p = pk_is_str(seq)
		                    ? pk_as_str(seq)->s
		                    : (const char *)pk_as_bytes(seq)->b;

		if (step == 1) {
			r = pk_is_str(seq)
			        ? pk_str_new(vm, p + st, (size_t)cnt)
			        : pk_bytes_new(vm, p + st, (size_t)cnt);
		} else {
			struct pk_buf bb = PK_BUF_INIT;

			for (i = 0; i < cnt; i++)
				pk_buf_addch(&bb, p[st + i * step]);
			r = pk_is_str(seq) ? pk_str_from_buf(vm, &bb)
			                   : pk_bytes_from_buf(vm, &bb);
		}
	} else {
		const pk_val *items = pk_is_list(seq) ? pk_as_list(seq)->items
		                                      : pk_as_tuple(seq)->items;

		if (pk_is_list(seq)) {
			r = pk_list_new(vm, (size_t)cnt);
			if (!pk_is_undef(r)) {
				for (i = 0; i < cnt; i++)
					pk_as_list(r)->items[i] =
					    pk_incref(items[st + i * step]);
				pk_as_list(r)->len = (size_t)cnt;
				pk_list_note_all(r);
			}
		} else {
			r = pk_tuple_new(vm, (size_t)cnt);
			if (!pk_is_undef(r)) {
				for (i = 0; i < cnt; i++)
					pk_as_tuple(r)->items[i] =
					    pk_incref(items[st + i * step]);
				pk_tuple_note_all(r);
			}
		}
	}
	if (pk_is_undef(r))
		return -1;
	*out = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* C functions and bound methods                                       */

pk_val pk_cfunc_new(struct pk_vm *vm, const struct pk_method *m, pk_val self)
{
	struct pk_cfunc *f = pk_obj_alloc(&pk_type_cfunc, sizeof(*f));

	if (!f) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	f->m = m;
	f->self = pk_incref(self);
	return pk_obj_take(f);
}

static void cfunc_release(struct pk_obj *o)
{
	pk_decref(((struct pk_cfunc *)o)->self);
	pk_xfree(o);
}

static void cfunc_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	one_traverse(((struct pk_cfunc *)o)->self, visit, ctx);
}

static void cfunc_clear(struct pk_obj *o)
{
	one_clear(&((struct pk_cfunc *)o)->self);
}

static int cfunc_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	struct pk_cfunc *f = (struct pk_cfunc *)self.u.o;

	return f->m->fn(vm, f->self, a, out);
}

static int cfunc_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_cfunc *f = (struct pk_cfunc *)self.u.o;

	if (pk_is_undef(f->self) || pk_is_none(f->self))
		pk_buf_addf(out, "<built-in function %s>", f->m->name);
	else
		pk_buf_addf(out, "<built-in method %s of %s object>",
		            f->m->name, pk_typename(f->self));
	return 0;
}

static int cfunc_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                         pk_val *out)
{
	struct pk_cfunc *f = (struct pk_cfunc *)self.u.o;

	if (!strcmp(name->s, "__name__")) {
		*out = pk_str_cstr(vm, f->m->name);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (!strcmp(name->s, "__doc__")) {
		*out = f->m->doc ? pk_str_cstr(vm, f->m->doc) : pk_none();
		return pk_is_undef(*out) ? -1 : 0;
	}
	return PK_NOTIMPL;
}

static uint64_t ptr_hash(pk_val v)
{
	return mix64((uint64_t)(uintptr_t)v.u.o);
}

const struct pk_type pk_type_cfunc = {
    .name = "builtin_function_or_method",
    .release = cfunc_release,
    .repr = cfunc_repr,
    .call = cfunc_call,
    .getattr = cfunc_getattr,
    .hash = ptr_hash,
    .traverse = cfunc_traverse,
    .clear = cfunc_clear,
};
