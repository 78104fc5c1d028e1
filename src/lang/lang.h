/*
 * lang.h - private to src/lang: the VM's insides and the helpers the
 * language files share. Nothing outside src/lang includes this.
 */
#ifndef PKTSH_LANG_H
#define PKTSH_LANG_H

#include <stdbool.h>
#include <stdint.h>

#include "pktsh/alloc.h"
#include "pktsh/buf.h"
#include "pktsh/value.h"
#include "pktsh/vm.h"

/* Static objects never reach refcount 0. */
#define PK_STATIC_REF (1u << 30)

/* A global variable: slots are never freed nor moved while the VM lives,
 * so the AST caches pointers to them. */
struct pk_gslot {
	struct pk_str *name;
	pk_val v;
};

struct pk_modslot {
	const void *key;
	void *data;
	void (*free_fn)(void *);
};

#define PK_STACK_MAX 65536

struct pk_vm {
	pk_write_fn out;
	void *out_ctx;
	pk_write_fn errout;
	void *err_ctx;

	struct pk_gslot **gtab; /* open addressing, by interned pointer */
	size_t gcap, gcount;
	struct pk_gslot **gorder; /* insertion order */
	size_t gorder_cap;

	pk_val exc;   /* pending exception (pk_exc instance) or UNDEF */
	bool exc_pos; /* position of the pending exception known */
	int exc_line, exc_col;
	const char *exc_file;
	pk_val nomem; /* preallocated MemoryError instance */

	int depth, maxdepth;
	char *stack_base;
	size_t stack_budget;
	int exit_code;

	/* the error of the last run */
	bool has_error, err_syntax;
	int err_line, err_col;
	char err_file[128];
	char err_exc[48];
	struct pk_buf err_msg;

	struct pk_modslot *mods;
	size_t nmods;

	/* argument value stack: calls push their arguments here */
	pk_val *stk;
	size_t sp;

	pk_val handling; /* exception an except block handles (bare raise) */
	int run_mode;
	int fn_depth; /* >0 while executing a def body */

	/* step counting (pk_vm_tick): ticks counts down from tick_period */
	int64_t ticks, tick_period;
	uint64_t steps, step_budget; /* budget 0: unlimited */
};

#define PK_TICK_PERIOD 1024

int pk_vm_poll(struct pk_vm *vm);
/*
 * One step of a loop or a call: the evaluator's poll point. Cheap (a
 * decrement); every PK_TICK_PERIOD steps, or on Ctrl-C, pk_vm_poll()
 * checks the interrupt, the step budget and the cycle collector.
 */
static inline int pk_vm_tick(struct pk_vm *vm)
{
	if (__builtin_expect(pk_interrupted || --vm->ticks <= 0, 0))
		return pk_vm_poll(vm);
	return 0;
}

/* --- cycle collector (gc.c) --- */
void pk_gc_track_(struct pk_obj *o); /* o must not be tracked yet */
void pk_gc_untrack_(struct pk_obj *o);
bool pk_gc_is_tracked_(struct pk_obj *o);
/* The collector's index of o (0: not tracked), in the padding after
 * refcnt (value.h, CYCLES): read without touching o's type. */
static inline uint32_t *pk_gc_slot_(struct pk_obj *o)
{
	return (uint32_t *)(void *)((char *)o + sizeof(uint32_t));
}
bool pk_gc_due(void); /* enough tracked objects made for a collection */
/*
 * Tuples and lists are tracked lazily: only once they hold an item that
 * can lead to a cycle. Untracked tuples never change (so they never can);
 * any other value of a tracked type can, lists included.
 */
static inline bool pk_gc_trackable_(pk_val v)
{
	return v.kind == PK_K_OBJ && v.u.o->type->traverse &&
	       (v.u.o->type != &pk_type_tuple || *pk_gc_slot_(v.u.o));
}
static inline void pk_gc_note_(pk_val container, pk_val item)
{
	if (!*pk_gc_slot_(container.u.o) && pk_gc_trackable_(item))
		pk_gc_track_(container.u.o);
}
/* A tuple or list filled by hand (items[] written directly). */
void pk_tuple_note_all(pk_val t);
void pk_list_note_all(pk_val l);

/* --- globals --- */
struct pk_gslot *pk_vm_gslot(struct pk_vm *vm, struct pk_str *name);

/* --- types private to the language --- */
extern const struct pk_type pk_type_slice;
extern const struct pk_type pk_type_seqiter;
extern const struct pk_type pk_type_rangeiter;
extern const struct pk_type pk_type_class;
extern const struct pk_type pk_type_function;
extern const struct pk_type pk_type_dictview;

struct pk_range {
	struct pk_obj h;
	int64_t start, stop, step;
};
/* may exceed INT64_MAX: range(-2**63, 2**63 - 1) */
uint64_t pk_range_len(const struct pk_range *r);
pk_val pk_range_new(struct pk_vm *vm, int64_t start, int64_t stop,
                    int64_t step);

struct pk_slice {
	struct pk_obj h;
	pk_val start, stop, step;
};
pk_val pk_slice_new(struct pk_vm *vm, pk_val a, pk_val b, pk_val c);
/* Resolve a slice against a length: Python's PySlice_AdjustIndices. */
int pk_slice_indices(struct pk_vm *vm, pk_val a, pk_val b, pk_val c,
                     int64_t len, int64_t *start, int64_t *stop, int64_t *step,
                     int64_t *count);
/* seq[a:b:c] for list/tuple/str/bytes; PK_NOTIMPL for other types */
int pk_seq_slice(struct pk_vm *vm, pk_val seq, pk_val a, pk_val b, pk_val c,
                 pk_val *out);

struct pk_cfunc {
	struct pk_obj h;
	const struct pk_method *m;
	pk_val self;
};

/* Builtin classes: int, str, ... as callable values. */
struct pk_class {
	struct pk_obj h;
	const char *name;
	int kind;                   /* PK_K_* for immediates, PK_K_OBJ else */
	const struct pk_type *type; /* for PK_K_OBJ */
	pk_cfunc ctor;
	const struct pk_method *statics; /* bytes.fromhex, dict.fromkeys */
};
extern struct pk_class pk_class_int, pk_class_float, pk_class_bool,
    pk_class_str, pk_class_bytes, pk_class_list, pk_class_tuple, pk_class_dict,
    pk_class_range, pk_class_none, pk_class_object;
extern struct pk_class *const pk_class_all[];
/* type(v): a borrowed class value */
pk_val pk_class_of(struct pk_vm *vm, pk_val v);

/* The entry `name` of t's methods table (__enter__, __int__...), or NULL. */
const struct pk_method *pk_type_method(const struct pk_type *t,
                                       const char *name);

/* The type table of any value, immediates included. */
const struct pk_type *pk_type_of(pk_val v);
extern const struct pk_type pk_type_none, pk_type_bool, pk_type_int,
    pk_type_float, pk_type_undef;

/* --- dict internals --- */
struct pk_dentry {
	uint64_t hash;
	pk_val key, val; /* key UNDEF: deleted */
};
struct pk_dict {
	struct pk_obj h;
	size_t n;    /* live entries */
	size_t nent; /* used entries (incl. deleted) */
	size_t entcap;
	struct pk_dentry *ent;
	int32_t *idx;  /* -1 empty, -2 deleted */
	size_t idxcap; /* power of two or 0 */
};

/* --- method tables (methods.c) --- */
extern const struct pk_method pk_str_methods[], pk_bytes_methods[],
    pk_list_methods[], pk_tuple_methods[], pk_dict_methods[], pk_int_methods[],
    pk_float_methods[], pk_exc_methods[];
extern const struct pk_method pk_bytes_statics[], pk_dict_statics[],
    pk_str_statics[], pk_int_statics[];
pk_val pk_dictview_new(struct pk_vm *vm, pk_val d, int mode);
void pk_utf8_put(struct pk_buf *b, uint32_t c);
int pk_decode(struct pk_vm *vm, const uint8_t *p, size_t n, const char *enc,
              const char *errors, pk_val *out);
int pk_encode(struct pk_vm *vm, const char *s, size_t n, const char *enc,
              const char *errors, pk_val *out);
int pk_hex_decode(struct pk_vm *vm, const char *s, size_t n, pk_val *out);
int pk_dict_update(struct pk_vm *vm, pk_val d, pk_val src,
                   const struct pk_args *a);

/* --- builtins (builtins.c) --- */
extern const struct pk_method pk_builtins[];
int pk_lang_register(struct pk_vm *vm);

/* --- formatting (format.c) --- */
int pk_float_repr(struct pk_buf *b, double d);
int pk_str_repr(struct pk_buf *b, const char *s, size_t len);
int pk_bytes_repr(struct pk_buf *b, const uint8_t *s, size_t len);
int pk_percent_format(struct pk_vm *vm, pk_val fmt, pk_val args, pk_val *out);
int pk_format_spec(struct pk_vm *vm, pk_val v, const char *spec, size_t slen,
                   struct pk_buf *out);
int pk_str_format(struct pk_vm *vm, const char *f, size_t flen,
                  const struct pk_args *a, struct pk_buf *out);

/* --- misc helpers --- */
#define pk_raise_type(vm, fmt, v)                                              \
	pk_raise(vm, &pk_exc_TypeError, fmt, pk_typename(v))
int pk_exc_set(struct pk_vm *vm, pk_val exc);   /* takes a new ref */
int pk_raise_key(struct pk_vm *vm, pk_val key); /* KeyError(key) */
pk_val pk_exc_new(struct pk_vm *vm, const struct pk_exctype *t,
                  const struct pk_args *a);
/* int(v) for any value (with base 10 for str) */
int pk_to_int(struct pk_vm *vm, pk_val v, int64_t *out);
int pk_to_index(struct pk_vm *vm, pk_val v, int64_t *out);
int pk_str_to_int(struct pk_vm *vm, const char *s, size_t len, int base,
                  int64_t *out);
int pk_str_to_float(struct pk_vm *vm, const char *s, size_t len, double *out);
bool pk_val_is(pk_val a, pk_val b);
/* size guard for building big strings/lists: MemoryError if too big */
int pk_check_size(struct pk_vm *vm, uint64_t n, uint64_t elsize);
pk_val pk_list_from(struct pk_vm *vm, const pk_val *v, size_t n);
pk_val pk_tuple_from(struct pk_vm *vm, const pk_val *v, size_t n);
int pk_list_sort(struct pk_vm *vm, pk_val list, pk_val key, bool reverse);
bool pk_stack_overflow(struct pk_vm *vm);

#define PK_MAX_ALLOC ((uint64_t)1 << 31)

#endif
