/*
 * value.h - the values of the pktsh language.
 *
 * OWNERSHIP RULE (stated once, for the whole code base, as jq's jv.h does):
 *
 *   - A pk_val passed to a function is BORROWED. The callee does not
 *     decref it; if it keeps it, it calls pk_incref().
 *   - A pk_val handed back to the caller (through `pk_val *out` or as a
 *     return value) is a NEW reference: the caller owns it and must
 *     pk_decref() it.
 *   - A function that steals a reference says so with `_take` in its name
 *     (pk_list_append_take(), pk_tuple_set_take(), ...).
 *   - Accessors named `_get`/`_item` return BORROWED values that stay valid
 *     as long as the container does and is not mutated.
 *   - On error a function returns -1 (or NULL), sets the VM's pending
 *     exception, and leaves every `*out` untouched (callers need not clear
 *     it).
 *
 * CYCLES: reference counting alone never frees a cycle (`l.append(l)`,
 * `d['x'] = d`, a closure that names itself), so a cycle collector runs
 * as CPython's does, by trial deletion:
 *
 *   - An object whose type has a `traverse` hook is TRACKED from its
 *     pk_obj_alloc() until it is freed. traverse must report every pk_val
 *     the object owns (a reference it would pk_decref in `release`), and
 *     `clear` must drop those same references, leaving the object valid
 *     for `release`. Types that cannot hold other objects (str, bytes,
 *     int ranges) or only hold untracked values leave both NULL and cost
 *     nothing.
 *   - A collection subtracts, for every tracked object, the references
 *     other tracked objects hold to it. What still has references left is
 *     held from outside (a global, the value stack, C code): it and all
 *     it reaches survive. The rest is garbage: every such object is
 *     cleared, then freed by the ordinary decref.
 *   - It follows that C code must own (pk_incref) what it keeps across a
 *     call that may run user code, which the rule above already demands;
 *     a borrowed pointer into a container is valid only while that
 *     container is held.
 *   - Collections run at the evaluator's poll points (loops and calls)
 *     once enough tracked objects were made since the last one, and in
 *     pk_vm_free(); pk_gc_collect() runs one at once.
 *   - On LP64 the 4 bytes after `refcnt` in struct pk_obj (padding)
 *     belong to the collector; never copy a pk_obj header by value.
 *
 * Immediate kinds (None, bool, int, float) carry no reference: pk_incref
 * and pk_decref are no-ops on them, so code can treat every pk_val alike.
 *
 * Ints are 64-bit signed; arithmetic that overflows raises OverflowError
 * rather than wrapping.
 */
#ifndef PKTSH_VALUE_H
#define PKTSH_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"

struct pk_vm;
struct pk_obj;
struct pk_type;

enum pk_kind {
	PK_K_UNDEF = 0, /* "no value": unset slot, missing argument */
	PK_K_NONE,
	PK_K_BOOL,
	PK_K_INT,
	PK_K_FLOAT,
	PK_K_OBJ,
};

typedef struct pk_val {
	uint32_t kind;
	union {
		int64_t i; /* BOOL (0/1) and INT */
		double f;
		struct pk_obj *o;
	} u;
} pk_val;

/*
 * Header of every heap value. `type` says what the rest is. refcnt starts
 * at 1 for a new object.
 */
struct pk_obj {
	uint32_t refcnt;
	const struct pk_type *type;
};

/* ------------------------------------------------------------------ */
/* Immediates and reference counting                                   */

static inline pk_val pk_undef(void)
{
	pk_val v = {PK_K_UNDEF, {0}};
	return v;
}
static inline pk_val pk_none(void)
{
	pk_val v = {PK_K_NONE, {0}};
	return v;
}
static inline pk_val pk_bool(bool b)
{
	pk_val v = {PK_K_BOOL, {.i = b ? 1 : 0}};
	return v;
}
static inline pk_val pk_int(int64_t i)
{
	pk_val v = {PK_K_INT, {.i = i}};
	return v;
}
static inline pk_val pk_float(double f)
{
	pk_val v = {PK_K_FLOAT, {.f = f}};
	return v;
}
/* Wrap an object pointer (takes the caller's reference, no incref). */
static inline pk_val pk_obj_take(void *o)
{
	pk_val v = {PK_K_OBJ, {.o = (struct pk_obj *)o}};
	return v;
}

static inline bool pk_is_undef(pk_val v)
{
	return v.kind == PK_K_UNDEF;
}
static inline bool pk_is_none(pk_val v)
{
	return v.kind == PK_K_NONE;
}
static inline bool pk_is_bool(pk_val v)
{
	return v.kind == PK_K_BOOL;
}
static inline bool pk_is_int(pk_val v)
{
	return v.kind == PK_K_INT;
}
static inline bool pk_is_float(pk_val v)
{
	return v.kind == PK_K_FLOAT;
}
static inline bool pk_is_obj(pk_val v)
{
	return v.kind == PK_K_OBJ;
}
/* bool counts as int, as in Python */
static inline bool pk_is_intlike(pk_val v)
{
	return v.kind == PK_K_INT || v.kind == PK_K_BOOL;
}
static inline bool pk_is_type(pk_val v, const struct pk_type *t)
{
	return v.kind == PK_K_OBJ && v.u.o->type == t;
}

void pk_obj_free_(struct pk_obj *o); /* called when refcnt reaches 0 */

static inline pk_val pk_incref(pk_val v)
{
	if (v.kind == PK_K_OBJ)
		v.u.o->refcnt++;
	return v;
}
static inline void pk_decref(pk_val v)
{
	if (v.kind == PK_K_OBJ && --v.u.o->refcnt == 0)
		pk_obj_free_(v.u.o);
}
/* Replace *slot with v (v borrowed), dropping the old value. */
static inline void pk_val_set(pk_val *slot, pk_val v)
{
	pk_val old = *slot;
	*slot = pk_incref(v);
	pk_decref(old);
}

/* Allocate a zeroed object of `size` bytes with refcnt 1, or NULL (no
 * exception is set: callers raise MemoryError through pk_raise_nomem).
 * Objects of a type with a `traverse` hook are tracked by the cycle
 * collector (see CYCLES above). */
void *pk_obj_alloc(const struct pk_type *type, size_t size);

/* Callback of the `traverse` hook: called once per owned reference. */
typedef void (*pk_visit_fn)(pk_val v, void *ctx);

/*
 * Free the unreachable cycles now; returns how many objects were freed.
 * Safe wherever user code could run (a poll point); does nothing if a
 * collection is already under way.
 */
size_t pk_gc_collect(void);
/* Tracked objects alive (for tests). */
size_t pk_gc_tracked(void);
/*
 * Start tracking o, of a type with `gc_explicit` (no-op if it is
 * tracked already), and stop: an object freed other than by its last
 * pk_decref (a layer freed inside its chain's release) must be
 * untracked first.
 */
void pk_gc_track(struct pk_obj *o);
void pk_gc_untrack(struct pk_obj *o);
bool pk_gc_is_tracked(struct pk_obj *o);
/* Whether a container holding v may be part of a cycle through it (v is
 * an object of a tracked kind: a list, a dict, a packet, ...). */
bool pk_gc_trackable(pk_val v);

/* ------------------------------------------------------------------ */
/* Calls                                                               */

/*
 * A per-call-site cache that callees may use to remember how they resolved
 * keyword names (for example a layer constructor mapping names to field
 * indices). The evaluator owns it, zeroes it once, and passes the same
 * one on every call from that site. `key` is whatever the callee wants to
 * check (typically the callee's own identity); `idx` its answers.
 */
#define PK_CALLSITE_MAX_KW 24
struct pk_callsite {
	const void *key;
	int16_t idx[PK_CALLSITE_MAX_KW];
};

struct pk_str;

struct pk_args {
	int n; /* positional arguments */
	const pk_val *v;
	int nkw;                       /* keyword arguments */
	struct pk_str *const *kwnames; /* interned names */
	const pk_val *kwv;
	struct pk_callsite *site; /* may be NULL */
};

typedef int (*pk_cfunc)(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out);

/* A method or builtin function, as data: feeds help() and completion. */
struct pk_method {
	const char *name;
	pk_cfunc fn;
	const char *doc; /* first line: signature, e.g. "summary() -> str" */
};

/*
 * Argument parsing. `names` lists the parameter names in positional order;
 * the first `nreq` are required. Matching values (borrowed, or UNDEF when
 * absent) are written to out[0..count). Unknown keywords, duplicates, too
 * many or too few arguments raise TypeError with a "did you mean".
 * `fname` is the function's name for messages.
 */
int pk_args_parse(struct pk_vm *vm, const struct pk_args *a, const char *fname,
                  const char *const *names, int count, int nreq, pk_val *out);

/* Typed extraction with TypeError naming the function and parameter. */
int pk_arg_int(struct pk_vm *vm, pk_val v, const char *fname, const char *pname,
               int64_t *out);
int pk_arg_float(struct pk_vm *vm, pk_val v, const char *fname,
                 const char *pname, double *out);
/* str only; *s points into the borrowed value */
int pk_arg_str(struct pk_vm *vm, pk_val v, const char *fname, const char *pname,
               const char **s, size_t *len);

/* ------------------------------------------------------------------ */
/* Types                                                               */

enum pk_binop {
	PK_OP_ADD,
	PK_OP_SUB,
	PK_OP_MUL,
	PK_OP_DIV,
	PK_OP_FLOORDIV,
	PK_OP_MOD,
	PK_OP_POW,
	PK_OP_LSHIFT,
	PK_OP_RSHIFT,
	PK_OP_AND,
	PK_OP_OR,
	PK_OP_XOR,
	PK_OP__COUNT
};
enum pk_unop { PK_OP_NEG, PK_OP_POS, PK_OP_INVERT };
enum pk_cmpop { PK_CMP_LT, PK_CMP_LE, PK_CMP_GT, PK_CMP_GE };

#define PK_NOTIMPL 1 /* returned by binop/eq hooks: "not mine, try the other" */

/*
 * A type is a table of operations (Python's type objects in miniature).
 * Every hook may be NULL: the generic operation then raises TypeError
 * ("object of type 'X' has no len()" and so on). Hooks return 0 on
 * success, -1 with an exception set, or PK_NOTIMPL where stated.
 *
 * Modules outside the language (packets, sockets, pcap files) define their
 * own types with this table; the evaluator never needs to know them.
 */
struct pk_type {
	const char *name;
	const char *doc;
	/* Free what the object owns and the object itself (pk_xfree). */
	void (*release)(struct pk_obj *o);
	int (*repr)(struct pk_vm *vm, pk_val self, struct pk_buf *out);
	int (*str)(struct pk_vm *vm, pk_val self,
	           struct pk_buf *out); /* NULL: repr */
	/*
	 * Attribute lookup that is not a method of `methods`. Return 0 with
	 * *out set, -1 on error, or PK_NOTIMPL if there is no such attribute
	 * (the generic code then raises AttributeError with a suggestion).
	 * Methods in `methods` are found before getattr is called.
	 */
	int (*getattr)(struct pk_vm *vm, pk_val self, struct pk_str *name,
	               pk_val *out);
	/* v is UNDEF for `del self.name` */
	int (*setattr)(struct pk_vm *vm, pk_val self, struct pk_str *name,
	               pk_val v);
	/* Names for completion and "did you mean" (fields, attributes).
	 * Append C strings to `names` via callback; may be NULL. */
	void (*attrnames)(pk_val self, void (*add)(void *ctx, const char *name),
	                  void *ctx);
	int (*call)(struct pk_vm *vm, pk_val self, const struct pk_args *a,
	            pk_val *out);
	int (*getitem)(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out);
	/* v is UNDEF for `del self[key]` */
	int (*setitem)(struct pk_vm *vm, pk_val self, pk_val key, pk_val v);
	int (*len)(struct pk_vm *vm, pk_val self, int64_t *out);
	/* Return a new iterator object. */
	int (*iter)(struct pk_vm *vm, pk_val self, pk_val *out);
	/* For iterator objects: 1 = produced *out, 0 = exhausted, -1 = error. */
	int (*next)(struct pk_vm *vm, pk_val self, pk_val *out);
	int (*contains)(struct pk_vm *vm, pk_val self, pk_val item, bool *out);
	/* Called with self as the left operand (`right` = false) and, if that
	 * gave PK_NOTIMPL, on the right operand's type with `right` = true. */
	int (*binop)(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
	             bool right, pk_val *out);
	int (*unop)(struct pk_vm *vm, enum pk_unop op, pk_val a, pk_val *out);
	/* Equality: *out set and 0, or PK_NOTIMPL (identity is then used). */
	int (*eq)(struct pk_vm *vm, pk_val a, pk_val b, bool *out);
	/* Ordering: *out = <0, 0, >0, or PK_NOTIMPL (TypeError). */
	int (*cmp)(struct pk_vm *vm, pk_val a, pk_val b, int *out);
	/* NULL: unhashable (TypeError when used as a dict key). */
	uint64_t (*hash)(pk_val self);
	/* NULL: true unless len() is 0 (if len exists), else true. */
	int (*truth)(struct pk_vm *vm, pk_val self, bool *out);
	const struct pk_method *methods; /* { NULL } terminated, may be NULL */
	/*
	 * For values that act as classes (layer classes): isinstance(x, self)
	 * asks the class. *out = whether x is an instance. NULL: false
	 * unless x's type is self's type.
	 */
	int (*instancecheck)(struct pk_vm *vm, pk_val self, pk_val x,
	                     bool *out);
	/*
	 * type(self), for values that have a class of their own beyond this
	 * table (a packet's layer class: type(IP()/TCP()) is IP). Return 0
	 * with *out a new reference, -1 on error, or PK_NOTIMPL for the
	 * default. Return the very value the class's global name holds, so
	 * that `type(p) is IP` and `type(p) == IP` hold. NULL (the default):
	 * a class named after this table, `<class 'name'>`.
	 */
	int (*classof)(struct pk_vm *vm, pk_val self, pk_val *out);
	/*
	 * Cycle collection (see CYCLES at the top). traverse calls
	 * visit(v, ctx) for each reference the object owns; clear drops them
	 * (sets the slots to None or empties the container) so the object can
	 * be released afterwards. A type that can hold lists, dicts or other
	 * tracked values must define both, or cycles through it leak.
	 */
	void (*traverse)(struct pk_obj *o, pk_visit_fn visit, void *ctx);
	void (*clear)(struct pk_obj *o);
	/*
	 * Objects of this type are tracked only from pk_gc_track() on, not
	 * from their allocation: packets, of which most never hold anything
	 * a cycle could go through (a dissected packet still in its bytes).
	 */
	bool gc_explicit;
};

/* The kind of any value as a type name ("int", "str", "IP", ...). */
const char *pk_typename(pk_val v);

/* ------------------------------------------------------------------ */
/* Built-in object types                                               */

extern const struct pk_type pk_type_str;
extern const struct pk_type pk_type_bytes;
extern const struct pk_type pk_type_list;
extern const struct pk_type pk_type_tuple;
extern const struct pk_type pk_type_dict;
extern const struct pk_type pk_type_range;
extern const struct pk_type pk_type_cfunc; /* builtin function / bound method */
extern const struct pk_type pk_type_exc;   /* exception instances */
extern const struct pk_type pk_type_exctype; /* exception classes */

/* str: immutable UTF-8 (indexing by byte is acceptable for our users,
 * who type ASCII), NUL terminated, hash cached. */
struct pk_str {
	struct pk_obj h;
	uint32_t hash;
	uint8_t interned;
	size_t len;
	char s[];
};

/* bytes: immutable, NUL terminated for convenience (not part of len). */
struct pk_bytes {
	struct pk_obj h;
	size_t len;
	uint8_t b[];
};

struct pk_list {
	struct pk_obj h;
	size_t len, cap;
	pk_val *items;
};

struct pk_tuple {
	struct pk_obj h;
	size_t len;
	pk_val items[];
};

pk_val pk_str_new(struct pk_vm *vm, const char *s,
                  size_t len); /* UNDEF on OOM (exception set) */
pk_val pk_str_cstr(struct pk_vm *vm, const char *s);
pk_val pk_str_fmt(struct pk_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Take the buffer's contents as a new str (the buffer is released). */
pk_val pk_str_from_buf(struct pk_vm *vm, struct pk_buf *b);
/*
 * Interned strings: one object per distinct text, for identifiers and
 * keyword names, so they compare by pointer. The returned pointer is
 * BORROWED from the intern table and lives as long as the process.
 * Returns NULL on OOM.
 */
struct pk_str *pk_intern(const char *s, size_t len);
static inline struct pk_str *pk_as_str(pk_val v)
{
	return (struct pk_str *)v.u.o;
}
static inline bool pk_is_str(pk_val v)
{
	return pk_is_type(v, &pk_type_str);
}

pk_val pk_bytes_new(struct pk_vm *vm, const void *data, size_t len);
pk_val pk_bytes_from_buf(struct pk_vm *vm, struct pk_buf *b);
static inline struct pk_bytes *pk_as_bytes(pk_val v)
{
	return (struct pk_bytes *)v.u.o;
}
static inline bool pk_is_bytes(pk_val v)
{
	return pk_is_type(v, &pk_type_bytes);
}

pk_val pk_list_new(struct pk_vm *vm, size_t cap);
int pk_list_append(struct pk_vm *vm, pk_val list, pk_val item);
int pk_list_append_take(struct pk_vm *vm, pk_val list,
                        pk_val item); /* item consumed even on error */
static inline struct pk_list *pk_as_list(pk_val v)
{
	return (struct pk_list *)v.u.o;
}
static inline bool pk_is_list(pk_val v)
{
	return pk_is_type(v, &pk_type_list);
}

pk_val pk_tuple_new(struct pk_vm *vm, size_t len); /* items are None */
void pk_tuple_set_take(pk_val tuple, size_t i, pk_val item);
pk_val pk_tuple_pair(struct pk_vm *vm, pk_val a, pk_val b); /* borrowed a, b */
static inline struct pk_tuple *pk_as_tuple(pk_val v)
{
	return (struct pk_tuple *)v.u.o;
}
static inline bool pk_is_tuple(pk_val v)
{
	return pk_is_type(v, &pk_type_tuple);
}
/* The items of a list or tuple (borrowed, valid while v is not changed):
 * true, or false for any other value (*items, *n untouched). */
static inline bool pk_seq_items(pk_val v, const pk_val **items, size_t *n)
{
	if (pk_is_list(v)) {
		*items = pk_as_list(v)->items;
		*n = pk_as_list(v)->len;
		return true;
	}
	if (pk_is_tuple(v)) {
		*items = pk_as_tuple(v)->items;
		*n = pk_as_tuple(v)->len;
		return true;
	}
	return false;
}

/* dict: insertion ordered, keys hashable (str, bytes, int, tuple, ...). */
pk_val pk_dict_new(struct pk_vm *vm);
/* *out borrowed; returns 1 found, 0 not found, -1 error (unhashable key) */
int pk_dict_get(struct pk_vm *vm, pk_val d, pk_val key, pk_val *out);
int pk_dict_set(struct pk_vm *vm, pk_val d, pk_val key, pk_val v);
int pk_dict_del(struct pk_vm *vm, pk_val d,
                pk_val key); /* KeyError if absent */
int64_t pk_dict_len(pk_val d);
/* Iterate: *pos starts at 0; returns false at the end. Borrowed k, v. */
bool pk_dict_next(pk_val d, size_t *pos, pk_val *k, pk_val *v);
static inline bool pk_is_dict(pk_val v)
{
	return pk_is_type(v, &pk_type_dict);
}

/* A C function as a value; `self` is kept (incref) and passed to fn. */
pk_val pk_cfunc_new(struct pk_vm *vm, const struct pk_method *m, pk_val self);

/* Iterate any iterable with a callback: cb returns 0 to go on, 1 to stop
 * early (not an error), -1 on error. */
int pk_foreach(struct pk_vm *vm, pk_val iterable,
               int (*cb)(struct pk_vm *vm, pk_val item, void *ctx), void *ctx);
/* Collect any iterable into a new list. */
int pk_to_list(struct pk_vm *vm, pk_val iterable, pk_val *out);

/* ------------------------------------------------------------------ */
/* Generic operations (dispatch through the type table)                 */

int pk_repr(struct pk_vm *vm, pk_val v, struct pk_buf *out);
int pk_str_of(struct pk_vm *vm, pk_val v, struct pk_buf *out); /* str(v) */
int pk_getattr(struct pk_vm *vm, pk_val v, struct pk_str *name, pk_val *out);
int pk_setattr(struct pk_vm *vm, pk_val v, struct pk_str *name, pk_val x);
int pk_delattr(struct pk_vm *vm, pk_val v, struct pk_str *name);
int pk_call(struct pk_vm *vm, pk_val fn, const struct pk_args *a, pk_val *out);
/* Convenience: positional only. */
int pk_call_n(struct pk_vm *vm, pk_val fn, int n, const pk_val *argv,
              pk_val *out);
int pk_getitem(struct pk_vm *vm, pk_val v, pk_val key, pk_val *out);
int pk_setitem(struct pk_vm *vm, pk_val v, pk_val key, pk_val x);
int pk_delitem(struct pk_vm *vm, pk_val v, pk_val key);
int pk_len(struct pk_vm *vm, pk_val v, int64_t *out);
int pk_iter(struct pk_vm *vm, pk_val v, pk_val *out);
int pk_next(struct pk_vm *vm, pk_val it, pk_val *out); /* 1, 0 (end), -1 */
int pk_contains(struct pk_vm *vm, pk_val container, pk_val item, bool *out);
int pk_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
             pk_val *out);
int pk_unop(struct pk_vm *vm, enum pk_unop op, pk_val a, pk_val *out);
int pk_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out);
int pk_compare(struct pk_vm *vm, enum pk_cmpop op, pk_val a, pk_val b,
               bool *out);
int pk_truth(struct pk_vm *vm, pk_val v, bool *out);
int pk_hash(struct pk_vm *vm, pk_val v, uint64_t *out);
/* Names for completion / suggestions: methods + type's attrnames. */
void pk_attrnames(pk_val v, void (*add)(void *ctx, const char *name),
                  void *ctx);

/* ------------------------------------------------------------------ */
/* Exceptions                                                          */

/*
 * Exception classes are static objects of pk_type_exctype; `base` builds
 * the hierarchy used by `except`. The evaluator and builtins raise through
 * pk_raise(), which formats the message and always returns -1, so
 * `return pk_raise(vm, &pk_exc_TypeError, "...")` is the idiom.
 */
struct pk_exctype {
	struct pk_obj h;
	const char *name;
	const struct pk_exctype *base;
};

extern struct pk_exctype pk_exc_BaseException, pk_exc_Exception,
    pk_exc_ArithmeticError, pk_exc_AssertionError, pk_exc_AttributeError,
    pk_exc_IndexError, pk_exc_KeyError, pk_exc_LookupError,
    pk_exc_KeyboardInterrupt, pk_exc_MemoryError, pk_exc_NameError,
    pk_exc_NotImplementedError, pk_exc_OSError, pk_exc_OverflowError,
    pk_exc_PermissionError, pk_exc_RecursionError, pk_exc_RuntimeError,
    pk_exc_StopIteration, pk_exc_SyntaxError, pk_exc_SystemExit,
    pk_exc_TypeError, pk_exc_ValueError, pk_exc_ZeroDivisionError,
    pk_exc_TimeoutError, pk_exc_FileNotFoundError, pk_exc_Scapy_Exception;

/* NULL-terminated list of all exception classes (to register as globals). */
extern struct pk_exctype *const pk_exc_all[];

struct pk_exc {
	struct pk_obj h;
	const struct pk_exctype *type;
	pk_val msg;  /* str */
	pk_val arg;  /* the exit code for SystemExit, else UNDEF */
	pk_val args; /* tuple of the constructor's arguments (e.args) */
};

int pk_raise(struct pk_vm *vm, const struct pk_exctype *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pk_raise_nomem(struct pk_vm *vm); /* MemoryError, allocation-free */
bool pk_exc_matches(const struct pk_exctype *t, const struct pk_exctype *cls);

/* "did you mean": the candidate closest to `name` by edit distance, or
 * NULL if none is close enough. */
struct pk_suggest {
	const char *name;
	const char *best;
	unsigned best_dist;
	char bestbuf[64]; /* copy of best: candidates may be transient */
};
void pk_suggest_init(struct pk_suggest *s, const char *name);
void pk_suggest_add(void *s, const char *candidate); /* fits attrnames' add */
/* Appends " (did you mean 'x'?)" to buf if there is a good candidate. */
void pk_suggest_finish(struct pk_suggest *s, struct pk_buf *buf);

#endif
