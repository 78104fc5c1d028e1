/*
 * plist.c - PacketList and SndRcvList (scapy's plist.py, as facts: names,
 * reprs and output formats are scapy 2.5's; the code is ours).
 *
 * One C structure serves both types. A SndRcvList holds (sent, received)
 * tuples; where scapy's _elt2pkt() picks a packet out of an element (the
 * repr's counts, sessions(), `res[TCP]`), a pair stands for its RECEIVED
 * packet, as in scapy.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "pktsh/alloc.h"
#include "pktsh/packet.h"
#include "pktsh/plist.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"

#include "capint.h"

/*
 * rdpcap() keeps its packets as records - time, length, bytes - one after
 * the other in one block, and makes a packet value of a record only when
 * it is asked for: a capture costs its bytes plus 16 per record, and is
 * one allocation to grow and to free instead of one per packet. An item
 * not made yet is UNDEF holding its record's offset (no other item is
 * ever UNDEF). Going through the list (the iterator) makes each value in
 * turn and takes it back once nobody else holds it and it is still lazy
 * (nothing read or changed: it is its record), so a loop over a large
 * capture touches little more memory than one packet; everything else
 * that reads items makes them all values first (all_values()).
 */
struct recs {
	struct pk_vm *vm;
	const struct pk_proto *first; /* class of every record's first layer */
	uint8_t *buf;                 /* records, each 8-aligned */
	size_t len, cap;
};
#define REC_HEAD 12 /* double time, uint32 length */

struct plist {
	struct pk_obj h;
	char *name;
	size_t len, cap;
	pk_val *items;     /* packets, or (sent, recv) tuples, or records */
	struct recs *recs; /* NULL: no record ever added */
	/* moves on whenever code may hold items without a reference: the
	 * iterator takes back only what it made since */
	unsigned epoch;
};

static struct plist *as_plist(pk_val v)
{
	return (struct plist *)v.u.o;
}

static bool is_rec(pk_val v)
{
	return v.kind == PK_K_UNDEF;
}

/* A new packet value of the record at `off` (lazy, time set). */
static int rec_value(struct pk_vm *vm, const struct plist *l, size_t off,
                     pk_val *out)
{
	const uint8_t *r = l->recs->buf + off;
	uint32_t n;
	double t;

	memcpy(&t, r, sizeof(t));
	memcpy(&n, r + sizeof(t), sizeof(n));
	if (pk_packet_dissect(vm, l->recs->first, r + REC_HEAD, n, out) < 0)
		return -1;
	pk_packet_set_time(*out, t);
	return 0;
}

/* Item i as a value (borrowed), made from its record if need be. */
static int item_at(struct pk_vm *vm, struct plist *l, size_t i, pk_val *out)
{
	if (is_rec(l->items[i]) &&
	    rec_value(vm, l, (size_t)l->items[i].u.i, &l->items[i]) < 0)
		return -1;
	*out = l->items[i];
	return 0;
}

/*
 * Every item a value, for the code that reads items[] as they are (and
 * may hold them across callbacks without a reference).
 */
static int all_values(struct pk_vm *vm, struct plist *l)
{
	pk_val v;
	size_t i;

	l->epoch++;
	for (i = 0; l->recs && i < l->len; i++)
		if (item_at(vm, l, i, &v) < 0)
			return -1;
	return 0;
}

static bool is_pairs(pk_val v)
{
	return pk_is_type(v, &pk_type_sndrcv);
}

static bool is_any_plist(pk_val v)
{
	return pk_is_type(v, &pk_type_plist) || pk_is_type(v, &pk_type_sndrcv);
}

/* The packet an element stands for (borrowed). */
static pk_val elt2pkt(pk_val elt)
{
	if (pk_is_tuple(elt) && pk_as_tuple(elt)->len == 2)
		return pk_as_tuple(elt)->items[1];
	return elt;
}

static pk_val new_list(struct pk_vm *vm, const struct pk_type *t,
                       const char *name)
{
	struct plist *l = pk_obj_alloc(t, sizeof(*l));

	if (!l) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	l->name = pk_xstrndup(name, strlen(name));
	if (!l->name) {
		pk_xfree(l);
		pk_raise_nomem(vm);
		return pk_undef();
	}
	return pk_obj_take(l);
}

__attribute__((format(printf, 3, 4))) static pk_val
new_like(struct pk_vm *vm, pk_val self, const char *fmt, ...)
{
	struct pk_buf name = PK_BUF_INIT;
	va_list ap;
	pk_val v;

	va_start(ap, fmt);
	pk_buf_vaddf(&name, fmt, ap);
	va_end(ap);
	if (pk_buf_failed(&name)) {
		pk_buf_release(&name);
		pk_raise_nomem(vm);
		return pk_undef();
	}
	v = new_list(vm, self.u.o->type, name.buf);
	pk_buf_release(&name);
	return v;
}

static int push(struct pk_vm *vm, struct plist *l, pk_val item)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		pk_val *n = pk_xrealloc(l->items, cap * sizeof(*n));

		if (!n)
			return pk_raise_nomem(vm);
		l->items = n;
		l->cap = cap;
	}
	l->items[l->len++] = pk_incref(item);
	return 0;
}

/* Ask for huge pages for a large record block: a capture's worth of
 * fresh memory costs a page fault per 4 KiB otherwise. */
static void want_huge_pages(uint8_t *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)4095;

	if (n >= ((size_t)4 << 20) && e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

/*
 * `hint`: the size of the file the records come from (0: unknown), an
 * upper bound of what they take here, so the block and the item array
 * are made once at their size (memory not touched is not memory used).
 */
int pk_plist_add_record(struct pk_vm *vm, pk_val plist,
                        const struct pk_proto *first, const void *data,
                        size_t len, double t, size_t hint)
{
	struct plist *l = as_plist(plist);
	struct recs *r = l->recs;
	size_t need = (REC_HEAD + len + 7) & ~(size_t)7;
	uint32_t n = (uint32_t)len;
	pk_val marker = pk_undef();

	if (len > UINT32_MAX || (r && r->first != first)) {
		/* a record the block cannot say: keep it as a value */
		pk_val v;
		int rc;

		if (pk_packet_dissect(vm, first, data, len, &v) < 0)
			return -1;
		pk_packet_set_time(v, t);
		rc = push(vm, l, v);
		pk_decref(v);
		return rc;
	}
	if (!r) {
		r = pk_xcalloc(1, sizeof(*r));
		if (!r)
			return pk_raise_nomem(vm);
		r->vm = vm;
		r->first = first;
		l->recs = r;
	}
	if (!r->cap && hint && l->len == l->cap) {
		/* a pcap record is 16 bytes of header and at least 14 of frame */
		size_t cap = l->len + hint / 30 + 16;
		pk_val *ni = pk_xrealloc(l->items, cap * sizeof(*ni));

		if (ni) {
			l->items = ni;
			l->cap = cap;
		}
	}
	if (need > r->cap - r->len) {
		size_t cap = r->cap ? r->cap * 2 : (size_t)1 << 16;
		uint8_t *nb = NULL;

		/* a record takes at most 3 bytes more here than in a pcap
		 * file (12 bytes of header, padding to 8, against 16): the
		 * file's size and an eighth hold all but the tiniest, and
		 * past that (or if that much is refused) the block doubles */
		if (!r->cap && hint > need)
			nb = pk_xmalloc(hint + hint / 8 + ((size_t)1 << 16));
		if (nb) {
			cap = hint + hint / 8 + ((size_t)1 << 16);
		} else {
			while (cap - r->len < need)
				cap *= 2;
			nb = pk_xrealloc(r->buf, cap);
		}
		if (!nb)
			return pk_raise_nomem(vm);
		want_huge_pages(nb, cap);
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, &t, sizeof(t));
	memcpy(r->buf + r->len + sizeof(t), &n, sizeof(n));
	if (len)
		memcpy(r->buf + r->len + REC_HEAD, data, len);
	marker.u.i = (int64_t)r->len;
	if (push(vm, l, marker) < 0)
		return -1;
	r->len += need;
	return 0;
}

pk_val pk_plist_new(struct pk_vm *vm, const char *name)
{
	return new_list(vm, &pk_type_plist, name);
}

int pk_plist_append(struct pk_vm *vm, pk_val plist, pk_val pkt)
{
	return push(vm, as_plist(plist), pkt);
}

int64_t pk_plist_len(pk_val plist)
{
	return (int64_t)as_plist(plist)->len;
}

pk_val pk_plist_get(pk_val plist, int64_t i)
{
	struct plist *l = as_plist(plist);
	pk_val v;

	/* out of memory: UNDEF, with MemoryError pending in the list's VM */
	l->epoch++;
	if (is_rec(l->items[i]) && item_at(l->recs->vm, l, (size_t)i, &v) < 0)
		return pk_undef();
	return l->items[i];
}

const char *pk_plist_name(pk_val plist)
{
	return as_plist(plist)->name;
}

pk_val pk_sndrcv_new(struct pk_vm *vm, const char *name)
{
	return new_list(vm, &pk_type_sndrcv, name);
}

int pk_sndrcv_append(struct pk_vm *vm, pk_val list, pk_val sent, pk_val recv)
{
	pk_val t = pk_tuple_pair(vm, sent, recv);
	int rc;

	if (pk_is_undef(t))
		return -1;
	rc = push(vm, as_plist(list), t);
	pk_decref(t);
	return rc;
}

static void plist_release(struct pk_obj *o)
{
	struct plist *l = (struct plist *)o;
	size_t i;

	for (i = 0; i < l->len; i++)
		pk_decref(l->items[i]);
	pk_xfree(l->items);
	if (l->recs) {
		pk_xfree(l->recs->buf);
		pk_xfree(l->recs);
	}
	pk_xfree(l->name);
	pk_xfree(l);
}

/* Cycle collection (value.h, CYCLES): a list may hold itself or a
 * container that holds it. Records (UNDEF) are no references. */
static void plist_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct plist *l = (struct plist *)o;
	size_t i;

	for (i = 0; i < l->len; i++)
		visit(l->items[i], ctx);
}

static void plist_clear(struct pk_obj *o)
{
	struct plist *l = (struct plist *)o;
	size_t i, n = l->len;

	/* emptied first: the decrefs below must not see the items again */
	l->len = 0;
	l->epoch++;
	for (i = 0; i < n; i++)
		pk_decref(l->items[i]);
}

/* ------------------------------------------------------------------ */
/* repr, len, iteration, indexing, +                                    */

static void count_classes(struct pk_vm *vm, const struct plist *l, int64_t n[4])
{
	size_t i;

	n[0] = n[1] = n[2] = n[3] = 0;
	for (i = 0; i < l->len; i++) {
		pk_val p = elt2pkt(l->items[i]), tmp = pk_undef();

		/* a record is looked at, not kept: a repr must not double the
		 * memory of a capture */
		if (is_rec(p) && rec_value(vm, l, (size_t)p.u.i, &tmp) < 0) {
			pk_vm_clear_error(vm);
			n[PK_CLASS_OTHER]++;
			continue;
		}
		if (is_rec(p))
			p = tmp;
		if (pk_is_packet(p))
			n[pk_packet_class(vm, p)]++;
		else
			n[PK_CLASS_OTHER]++;
		pk_decref(tmp);
	}
}

static int plist_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct plist *l = as_plist(self);
	int64_t n[4];

	count_classes(vm, l, n);
	pk_buf_addf(out, "<%s: TCP:%lld UDP:%lld ICMP:%lld Other:%lld>",
	            l->name, (long long)n[PK_CLASS_TCP],
	            (long long)n[PK_CLASS_UDP], (long long)n[PK_CLASS_ICMP],
	            (long long)n[PK_CLASS_OTHER]);
	return pk_buf_failed(out) ? pk_raise_nomem(vm) : 0;
}

static int plist_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	*out = (int64_t)as_plist(self)->len;
	return 0;
}

struct plist_iter {
	struct pk_obj h;
	pk_val list;
	size_t i;
	/* the last two items it made from records, to take back */
	size_t made[2], off[2];
	unsigned epoch[2];
	int nmade;
};

/*
 * Item i back to its record, when it is as it was made: nobody else holds
 * it, and it is still lazy (nothing read or set: the engine decodes a lazy
 * packet before any field is touched, see pk_as_layer()).
 */
static void take_back(struct plist *l, size_t i, size_t off, unsigned epoch)
{
	pk_val v;

	if (i >= l->len || epoch != l->epoch)
		return;
	v = l->items[i];
	if (!pk_is_packet(v) || v.u.o->refcnt != 1 ||
	    !((struct pk_layer *)v.u.o)->lazy)
		return;
	pk_decref(v);
	l->items[i].kind = PK_K_UNDEF;
	l->items[i].u.i = (int64_t)off;
}

static void plist_iter_release(struct pk_obj *o)
{
	struct plist_iter *it = (struct plist_iter *)o;
	int k;

	for (k = 0; k < it->nmade; k++)
		take_back(as_plist(it->list), it->made[k], it->off[k],
		          it->epoch[k]);
	pk_decref(it->list);
	pk_xfree(o);
}

static int iter_self(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

static int plist_iter_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct plist_iter *it = (struct plist_iter *)self.u.o;
	struct plist *l = as_plist(it->list);

	if (it->i >= l->len)
		return 0;
	if (is_rec(l->items[it->i])) {
		size_t off = (size_t)l->items[it->i].u.i;

		/* the one before last is no longer the loop's variable */
		if (it->nmade == 2) {
			take_back(l, it->made[0], it->off[0], it->epoch[0]);
			it->made[0] = it->made[1];
			it->off[0] = it->off[1];
			it->epoch[0] = it->epoch[1];
			it->nmade = 1;
		}
		if (rec_value(vm, l, off, &l->items[it->i]) < 0) {
			l->items[it->i].kind = PK_K_UNDEF;
			l->items[it->i].u.i = (int64_t)off;
			return -1;
		}
		it->made[it->nmade] = it->i;
		it->epoch[it->nmade] = l->epoch;
		it->off[it->nmade++] = off;
	}
	*out = pk_incref(l->items[it->i++]);
	return 1;
}

static const struct pk_type plist_iter_type = {
    .name = "PacketList_iterator",
    .release = plist_iter_release,
    .iter = iter_self,
    .next = plist_iter_next,
};

static int plist_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct plist_iter *it = pk_obj_alloc(&plist_iter_type, sizeof(*it));

	if (!it)
		return pk_raise_nomem(vm);
	it->list = pk_incref(self);
	*out = pk_obj_take(it);
	return 0;
}

/* A layer class's name, for "TCP from Sniffed". */
static void class_name(struct pk_vm *vm, pk_val cls, struct pk_buf *out)
{
	struct pk_str *n = pk_intern("__name__", 8);
	struct pk_buf r = PK_BUF_INIT;
	pk_val v;
	const char *s, *e;

	if (n && pk_getattr(vm, cls, n, &v) == 0) {
		if (pk_is_str(v)) {
			pk_buf_add(out, pk_as_str(v)->s, pk_as_str(v)->len);
			pk_decref(v);
			return;
		}
		pk_decref(v);
	}
	pk_vm_clear_error(vm);
	/* "<class 'scapy.layers.inet.TCP'>" or "TCP": the last dotted part */
	if (pk_repr(vm, cls, &r) < 0) {
		pk_buf_addstr(out, "?");
		return;
	}
	s = r.buf;
	if (strncmp(s, "<class '", 8) == 0)
		s += 8;
	e = strchr(s, '\'');
	if (!e)
		e = s + strlen(s);
	for (const char *q = s; q < e; q++)
		if (*q == '.')
			s = q + 1;
	pk_buf_add(out, s, (size_t)(e - s));
	pk_buf_release(&r);
}

/* All items as a new tuple (to reuse the language's slicing). */
static pk_val items_tuple(struct pk_vm *vm, const struct plist *l)
{
	pk_val t = pk_tuple_new(vm, l->len);
	size_t i;

	if (pk_is_undef(t))
		return t;
	for (i = 0; i < l->len; i++)
		pk_tuple_set_take(t, i, pk_incref(l->items[i]));
	return t;
}

static int fill_from(struct pk_vm *vm, pk_val dst, pk_val seq)
{
	size_t i, n = 0;
	const pk_val *v = NULL;

	pk_seq_items(seq, &v, &n);
	for (i = 0; i < n; i++)
		if (push(vm, as_plist(dst), v[i]) < 0)
			return -1;
	return 0;
}

static int plist_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	struct plist *l = as_plist(self);
	const char *tn = pk_typename(key);

	if (pk_is_intlike(key)) {
		int64_t i = key.u.i;

		if (i < 0)
			i += (int64_t)l->len;
		if (i < 0 || i >= (int64_t)l->len)
			return pk_raise(vm, &pk_exc_IndexError,
			                "list index out of range");
		if (item_at(vm, l, (size_t)i, out) < 0)
			return -1;
		pk_incref(*out);
		return 0;
	}
	if (all_values(vm, l) < 0)
		return -1;
	if (strcmp(tn, "slice") == 0) {
		pk_val t = items_tuple(vm, l), part, res;

		if (pk_is_undef(t))
			return -1;
		if (pk_getitem(vm, t, key, &part) < 0) {
			pk_decref(t);
			return -1;
		}
		pk_decref(t);
		res = new_like(vm, self, "mod %s", l->name);
		if (pk_is_undef(res) || fill_from(vm, res, part) < 0) {
			pk_decref(part);
			pk_decref(res);
			return -1;
		}
		pk_decref(part);
		*out = res;
		return 0;
	}
	if (pk_is_type(key, &pk_type_proto)) {
		struct pk_buf cn = PK_BUF_INIT;
		pk_val res;
		size_t i;

		class_name(vm, key, &cn);
		res = new_like(vm, self, "%s from %s", cn.buf, l->name);
		pk_buf_release(&cn);
		if (pk_is_undef(res))
			return -1;
		for (i = 0; i < l->len; i++) {
			bool has;

			if (pk_contains(vm, elt2pkt(l->items[i]), key, &has) <
			        0 ||
			    (has && push(vm, as_plist(res), l->items[i]) < 0)) {
				pk_decref(res);
				return -1;
			}
		}
		*out = res;
		return 0;
	}
	return pk_raise(
	    vm, &pk_exc_TypeError,
	    "%s indices must be integers, slices or layer classes, not %s",
	    l->h.type->name, tn);
}

static int plist_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
                       bool right, pk_val *out)
{
	pk_val res;
	size_t i;

	if (op != PK_OP_ADD || !is_any_plist(a) || !is_any_plist(b) ||
	    a.u.o->type != b.u.o->type)
		return PK_NOTIMPL;
	if (all_values(vm, as_plist(a)) < 0 || all_values(vm, as_plist(b)) < 0)
		return -1;
	res = new_like(vm, a, "%s+%s", as_plist(a)->name, as_plist(b)->name);
	if (pk_is_undef(res))
		return -1;
	for (i = 0; i < as_plist(a)->len; i++)
		if (push(vm, as_plist(res), as_plist(a)->items[i]) < 0)
			goto fail;
	for (i = 0; i < as_plist(b)->len; i++)
		if (push(vm, as_plist(res), as_plist(b)->items[i]) < 0)
			goto fail;
	*out = res;
	return 0;
fail:
	pk_decref(res);
	return -1;
}

static int plist_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	struct plist *l = as_plist(self);
	size_t i;

	*out = false;
	if (all_values(vm, l) < 0)
		return -1;
	for (i = 0; i < l->len; i++) {
		if (pk_eq(vm, l->items[i], item, out) < 0)
			return -1;
		if (*out)
			return 0;
	}
	return 0;
}

static int plist_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                         pk_val *out)
{
	struct plist *l = as_plist(self);

	if (strcmp(name->s, "listname") == 0) {
		*out = pk_str_cstr(vm, l->name);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (strcmp(name->s, "res") == 0) {
		pk_val t;
		size_t i;

		if (all_values(vm, l) < 0)
			return -1;
		t = pk_list_new(vm, l->len);
		if (pk_is_undef(t))
			return -1;
		for (i = 0; i < l->len; i++)
			if (pk_list_append(vm, t, l->items[i]) < 0) {
				pk_decref(t);
				return -1;
			}
		*out = t;
		return 0;
	}
	return PK_NOTIMPL;
}

static int plist_setattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                         pk_val v)
{
	struct plist *l = as_plist(self);
	char *n;

	if (strcmp(name->s, "listname") != 0 || !pk_is_str(v))
		return pk_raise(vm, &pk_exc_AttributeError,
		                "cannot set '%s' on %s", name->s,
		                l->h.type->name);
	n = pk_xstrndup(pk_as_str(v)->s, pk_as_str(v)->len);
	if (!n)
		return pk_raise_nomem(vm);
	pk_xfree(l->name);
	l->name = n;
	return 0;
}

static void plist_attrnames(pk_val self, void (*add)(void *, const char *),
                            void *ctx)
{
	add(ctx, "listname");
	add(ctx, "res");
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

/*
 * Did the two-argument call fail because the function takes one? Only
 * the call's own arity error qualifies ("f() takes 1 positional argument
 * but 2 were given"), so a TypeError from the function's body is never
 * retried.
 */
static bool arity_error(struct pk_vm *vm)
{
	pk_val e = pk_vm_exception(vm);
	struct pk_exc *x;
	const char *m;

	if (!pk_is_type(e, &pk_type_exc))
		return false;
	x = (struct pk_exc *)e.u.o;
	if (x->type != &pk_exc_TypeError || !pk_is_str(x->msg))
		return false;
	m = pk_as_str(x->msg)->s;
	return strstr(m, "takes 1 positional argument but 2 were given") ||
	       strstr(m, "takes from 0 to 1 positional arguments but 2") ||
	       strstr(m, "takes from 1 to 1 positional arguments but 2");
}

int pk_cap_call_elt(struct pk_vm *vm, pk_val fn, pk_val elt, pk_val *out)
{
	if (pk_is_tuple(elt) && pk_as_tuple(elt)->len == 2) {
		if (pk_call_n(vm, fn, 2, pk_as_tuple(elt)->items, out) == 0)
			return 0;
		if (!arity_error(vm))
			return -1;
		/* a one-parameter function gets the (s, r) tuple */
		pk_vm_clear_error(vm);
	}
	return pk_call_n(vm, fn, 1, &elt, out);
}

int pk_cap_test_elt(struct pk_vm *vm, pk_val fn, pk_val elt, bool *out)
{
	pk_val r;
	int rc;

	if (pk_cap_call_elt(vm, fn, elt, &r) < 0)
		return -1;
	rc = pk_truth(vm, r, out);
	pk_decref(r);
	return rc;
}

/* Write the buffer to the VM's output and release it. */
static int emit(struct pk_vm *vm, struct pk_buf *b)
{
	int rc = 0;

	if (pk_buf_failed(b))
		rc = pk_raise_nomem(vm);
	else
		pk_vm_write(vm, b->buf, b->len);
	pk_buf_release(b);
	return rc;
}

int pk_cap_print_val(struct pk_vm *vm, pk_val v)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_str_of(vm, v, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	pk_buf_addch(&b, '\n');
	return emit(vm, &b);
}

/* scapy's _elt2sum: "summary" or "sent summary ==> recv summary". */
static int elt_summary(struct pk_vm *vm, pk_val elt, struct pk_buf *out)
{
	if (pk_is_tuple(elt) && pk_as_tuple(elt)->len == 2) {
		if (pk_packet_summary(vm, pk_as_tuple(elt)->items[0], out) < 0)
			return -1;
		pk_buf_addstr(out, " ==> ");
		return pk_packet_summary(vm, pk_as_tuple(elt)->items[1], out);
	}
	if (!pk_is_packet(elt))
		return pk_str_of(vm, elt, out);
	return pk_packet_summary(vm, elt, out);
}

static int opt_callable(struct pk_vm *vm, pk_val *v)
{
	if (pk_is_undef(*v) || pk_is_none(*v)) {
		*v = pk_undef();
		return 0;
	}
	return 0;
}

/* summary()/nsummary(): numbered = nsummary's "%04i " prefix. */
static int do_summary(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      const char *fname, bool numbered)
{
	static const char *const names[] = {"prn", "lfilter"};
	struct plist *l = as_plist(self);
	pk_val arg[2];
	struct pk_buf b = PK_BUF_INIT;
	size_t i;

	if (pk_args_parse(vm, a, fname, names, 2, 0, arg) < 0)
		return -1;
	opt_callable(vm, &arg[0]);
	opt_callable(vm, &arg[1]);
	if (all_values(vm, l) < 0)
		return -1;
	/* hold the list: a callback could drop the last other reference */
	pk_incref(self);
	for (i = 0; i < l->len; i++) {
		pk_val elt = l->items[i];

		if (pk_check_interrupt(vm) < 0)
			goto fail;
		if (!pk_is_undef(arg[1])) {
			bool keep;

			if (pk_cap_test_elt(vm, arg[1], elt, &keep) < 0)
				goto fail;
			if (!keep)
				continue;
		}
		pk_buf_reset(&b);
		if (numbered)
			pk_buf_addf(&b, "%04zu ", i);
		if (pk_is_undef(arg[0])) {
			if (elt_summary(vm, elt, &b) < 0)
				goto fail;
		} else {
			pk_val r;
			int rc;

			if (pk_cap_call_elt(vm, arg[0], elt, &r) < 0)
				goto fail;
			rc = pk_str_of(vm, r, &b);
			pk_decref(r);
			if (rc < 0)
				goto fail;
		}
		pk_buf_addch(&b, '\n');
		if (pk_buf_failed(&b)) {
			pk_raise_nomem(vm);
			goto fail;
		}
		pk_vm_write(vm, b.buf, b.len);
	}
	pk_buf_release(&b);
	pk_decref(self);
	return 0;
fail:
	pk_buf_release(&b);
	pk_decref(self);
	return -1;
}

static int m_summary(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	if (do_summary(vm, self, a, "summary", false) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_nsummary(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	if (do_summary(vm, self, a, "nsummary", true) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_show(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	if (do_summary(vm, self, a, "show", true) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_filter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"func"};
	struct plist *l = as_plist(self);
	pk_val f, res;
	size_t i;

	if (pk_args_parse(vm, a, "filter", names, 1, 1, &f) < 0 ||
	    all_values(vm, l) < 0)
		return -1;
	res = new_like(vm, self, "filtered %s", l->name);
	if (pk_is_undef(res))
		return -1;
	for (i = 0; i < l->len; i++) {
		bool keep;

		if (pk_cap_test_elt(vm, f, l->items[i], &keep) < 0 ||
		    (keep && push(vm, as_plist(res), l->items[i]) < 0)) {
			pk_decref(res);
			return -1;
		}
	}
	*out = res;
	return 0;
}

static int m_append(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"item"};
	pk_val v;

	if (pk_args_parse(vm, a, "append", names, 1, 1, &v) < 0)
		return -1;
	if (is_pairs(self) && !(pk_is_tuple(v) && pk_as_tuple(v)->len == 2))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "SndRcvList.append() takes a (sent, received) tuple, not %s",
		    pk_typename(v));
	if (push(vm, as_plist(self), v) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int extend_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	return push(vm, as_plist(*(pk_val *)ctx), item);
}

static int m_extend(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"items"};
	pk_val v;

	if (pk_args_parse(vm, a, "extend", names, 1, 1, &v) < 0)
		return -1;
	if (pk_foreach(vm, v, extend_cb, &self) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

/* ------------------------------------------------------------------ */
/* make_table                                                          */

/* Python's int(str) accepts surrounding blanks, a sign and '_' digits
 * separators; the keys we sort are str() of values, so plain decimal with
 * a sign covers them. */
static bool str_to_int(const char *s, long long *out)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return *end == '\0';
}

/* scapy's atol(): an IPv4 address as a number (no name lookups here). */
static bool str_to_ip(const char *s, long long *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = (long long)ntohl(a.s_addr);
	return true;
}

struct skey {
	pk_val k; /* str, borrowed from the dict */
	long long n;
	pk_val user; /* sortx(k) result, owned */
	size_t pos;
};

static struct pk_vm *sort_vm;
static int sort_err;

static int cmp_num(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_str(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	struct pk_str *s = pk_as_str(x->k), *t = pk_as_str(y->k);
	size_t n = s->len < t->len ? s->len : t->len;
	int c = memcmp(s->s, t->s, n);

	if (c)
		return c;
	if (s->len != t->len)
		return s->len < t->len ? -1 : 1;
	return 0;
}

static int cmp_user(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	bool lt = false, gt = false;

	if (sort_err)
		return 0;
	if (pk_compare(sort_vm, PK_CMP_LT, x->user, y->user, &lt) < 0 ||
	    pk_compare(sort_vm, PK_CMP_GT, x->user, y->user, &gt) < 0) {
		sort_err = 1;
		return 0;
	}
	if (lt)
		return -1;
	if (gt)
		return 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The keys of dict `d` sorted as scapy sorts them: by a user key
 * function, else as ints, else as IPv4 addresses, else as strings. */
static int sorted_keys(struct pk_vm *vm, pk_val d, pk_val keyfn,
                       struct skey **out, size_t *nout)
{
	size_t n = (size_t)pk_dict_len(d), i = 0, pos = 0;
	struct skey *k = pk_xcalloc(n ? n : 1, sizeof(*k));
	pk_val key, val;
	bool ints = true, ips = true;

	if (!k)
		return pk_raise_nomem(vm);
	while (pk_dict_next(d, &pos, &key, &val)) {
		k[i].k = key;
		k[i].pos = i;
		k[i].user = pk_undef();
		i++;
	}
	if (!pk_is_undef(keyfn)) {
		for (i = 0; i < n; i++)
			if (pk_call_n(vm, keyfn, 1, &k[i].k, &k[i].user) < 0)
				goto fail;
		sort_vm = vm;
		sort_err = 0;
		qsort(k, n, sizeof(*k), cmp_user);
		if (sort_err)
			goto fail;
	} else {
		for (i = 0; i < n && ints; i++)
			ints = str_to_int(pk_as_str(k[i].k)->s, &k[i].n);
		if (!ints)
			for (i = 0; i < n && ips; i++)
				ips = str_to_ip(pk_as_str(k[i].k)->s, &k[i].n);
		qsort(k, n, sizeof(*k), ints || ips ? cmp_num : cmp_str);
	}
	*out = k;
	*nout = n;
	return 0;
fail:
	for (i = 0; i < n; i++)
		pk_decref(k[i].user);
	pk_xfree(k);
	return -1;
}

static void free_keys(struct skey *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pk_decref(k[i].user);
	pk_xfree(k);
}

static void pad_to(struct pk_buf *b, const char *s, size_t len, size_t w)
{
	pk_buf_add(b, s, len);
	if (len < w)
		pk_buf_addchars(b, ' ', w - len);
}

static int str_val(struct pk_vm *vm, pk_val v, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_str_of(vm, v, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

/* One table cell: scapy's "%-Ns " (make_table) or "%-Ns | " (lined). */
static void cell(struct pk_buf *b, const char *s, size_t len, size_t w,
                 bool lined)
{
	pad_to(b, s, len, w);
	pk_buf_addstr(b, lined ? " | " : " ");
}

/* make_lined_table's rule: "-----------+------------+" */
static void sepline(struct pk_vm *vm, struct pk_buf *b, pk_val vx,
                    const struct skey *kx, size_t nx, size_t ylen)
{
	size_t i;

	pk_buf_addchars(b, '-', ylen + 1);
	for (i = 0; i < nx; i++) {
		pk_val w;

		pk_dict_get(vm, vx, kx[i].k, &w);
		pk_buf_addch(b, '+');
		pk_buf_addchars(b, '-', (size_t)w.u.i + 2);
	}
	pk_buf_addstr(b, "+\n");
}

static int do_table(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    const char *fname, bool lined, pk_val *out)
{
	static const char *const names[] = {"fxyz", "sortx", "sorty"};
	struct plist *l = as_plist(self);
	pk_val arg[3], vx = pk_undef(), vy = pk_undef(), vz = pk_undef();
	struct skey *kx = NULL, *ky = NULL;
	size_t nx = 0, ny = 0, i, j, ylen = 0;
	struct pk_buf b = PK_BUF_INIT;
	int rc = -1;

	if (pk_args_parse(vm, a, fname, names, 3, 1, arg) < 0 ||
	    all_values(vm, l) < 0)
		return -1;
	opt_callable(vm, &arg[1]);
	opt_callable(vm, &arg[2]);
	vx = pk_dict_new(vm);
	vy = pk_dict_new(vm);
	vz = pk_dict_new(vm);
	if (pk_is_undef(vx) || pk_is_undef(vy) || pk_is_undef(vz))
		goto out;
	for (i = 0; i < l->len; i++) {
		pk_val r, s[3], pair, old;
		int64_t w;
		int k, bad = 0;

		if (pk_cap_call_elt(vm, arg[0], l->items[i], &r) < 0)
			goto out;
		if (!(pk_is_tuple(r) || pk_is_list(r))) {
			pk_raise(
			    vm, &pk_exc_TypeError,
			    "make_table: the function must return (x, y, z), not %s",
			    pk_typename(r));
			pk_decref(r);
			goto out;
		}
		if ((pk_is_tuple(r) ? pk_as_tuple(r)->len
		                    : pk_as_list(r)->len) != 3) {
			pk_raise(
			    vm, &pk_exc_ValueError,
			    "make_table: the function must return 3 values (x, y, z)");
			pk_decref(r);
			goto out;
		}
		for (k = 0; k < 3; k++) {
			pk_val e = pk_is_tuple(r) ? pk_as_tuple(r)->items[k]
			                          : pk_as_list(r)->items[k];
			s[k] = pk_undef();
			if (!bad && str_val(vm, e, &s[k]) < 0)
				bad = 1;
		}
		pk_decref(r);
		if (bad) {
			for (k = 0; k < 3; k++)
				pk_decref(s[k]);
			goto out;
		}
		if (pk_as_str(s[1])->len > ylen)
			ylen = pk_as_str(s[1])->len;
		w = (int64_t)pk_as_str(s[0])->len;
		if ((int64_t)pk_as_str(s[2])->len > w)
			w = (int64_t)pk_as_str(s[2])->len;
		if (pk_dict_get(vm, vx, s[0], &old) == 1 && old.u.i > w)
			w = old.u.i;
		pair = pk_tuple_pair(vm, s[0], s[1]);
		if (pk_is_undef(pair) ||
		    pk_dict_set(vm, vx, s[0], pk_int(w)) < 0 ||
		    pk_dict_set(vm, vy, s[1], pk_none()) < 0 ||
		    pk_dict_set(vm, vz, pair, s[2]) < 0)
			bad = 1;
		pk_decref(pair);
		for (k = 0; k < 3; k++)
			pk_decref(s[k]);
		if (bad)
			goto out;
	}
	if (sorted_keys(vm, vx, arg[1], &kx, &nx) < 0 ||
	    sorted_keys(vm, vy, arg[2], &ky, &ny) < 0)
		goto out;
	if (lined)
		sepline(vm, &b, vx, kx, nx, ylen);
	cell(&b, "", 0, ylen, lined);
	for (i = 0; i < nx; i++) {
		pk_val w;

		pk_dict_get(vm, vx, kx[i].k, &w);
		cell(&b, pk_as_str(kx[i].k)->s, pk_as_str(kx[i].k)->len,
		     (size_t)w.u.i, lined);
	}
	pk_buf_addch(&b, '\n');
	if (lined)
		sepline(vm, &b, vx, kx, nx, ylen);
	for (j = 0; j < ny; j++) {
		pk_val y = ky[j].k;

		cell(&b, pk_as_str(y)->s, pk_as_str(y)->len, ylen, lined);
		for (i = 0; i < nx; i++) {
			pk_val w, z, pair = pk_tuple_pair(vm, kx[i].k, y);
			int found;

			if (pk_is_undef(pair))
				goto out;
			pk_dict_get(vm, vx, kx[i].k, &w);
			found = pk_dict_get(vm, vz, pair, &z);
			pk_decref(pair);
			if (found == 1)
				cell(&b, pk_as_str(z)->s, pk_as_str(z)->len,
				     (size_t)w.u.i, lined);
			else
				cell(&b, "-", 1, (size_t)w.u.i, lined);
		}
		pk_buf_addch(&b, '\n');
	}
	if (lined)
		sepline(vm, &b, vx, kx, nx, ylen);
	if (pk_buf_failed(&b)) {
		pk_raise_nomem(vm);
		goto out;
	}
	pk_vm_write(vm, b.buf, b.len);
	*out = pk_none();
	rc = 0;
out:
	if (kx)
		free_keys(kx, nx);
	if (ky)
		free_keys(ky, ny);
	pk_buf_release(&b);
	pk_decref(vx);
	pk_decref(vy);
	pk_decref(vz);
	return rc;
}

static int m_make_table(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	return do_table(vm, self, a, "make_table", false, out);
}

static int m_make_lined_table(struct pk_vm *vm, pk_val self,
                              const struct pk_args *a, pk_val *out)
{
	return do_table(vm, self, a, "make_lined_table", true, out);
}

/* ------------------------------------------------------------------ */
/* sessions() and conversations()                                      */

static const struct pk_proto *proto(struct pk_vm *vm, const char *name)
{
	return pk_proto_find(vm, name);
}

static bool has(struct pk_vm *vm, pk_val p, const char *name)
{
	const struct pk_proto *pr = proto(vm, name);

	return pr && pk_is_packet(p) && pk_packet_haslayer(vm, p, pr);
}

/* The value of field `field` of layer `layer` in p (new reference). */
static int field_of(struct pk_vm *vm, pk_val p, const char *layer,
                    const char *field, pk_val *out)
{
	pk_val cls = pk_vm_get_global(vm, layer), l;
	struct pk_str *n = pk_intern(field, strlen(field));
	int rc;

	if (pk_is_undef(cls))
		return pk_raise(vm, &pk_exc_NameError, "no layer '%s'", layer);
	if (!n)
		return pk_raise_nomem(vm);
	if (pk_getitem(vm, p, cls, &l) < 0)
		return -1;
	rc = pk_getattr(vm, l, n, out);
	pk_decref(l);
	return rc;
}

/*
 * p.sprintf(fmt) when the engine has it: the human forms (%IP.proto% is
 * "tcp") are its business.
 */
static int psprintf(struct pk_vm *vm, pk_val p, const char *fmt,
                    struct pk_buf *out)
{
	struct pk_str *n = pk_intern("sprintf", 7);
	pk_val m, s, r;
	int rc;

	if (!n)
		return pk_raise_nomem(vm);
	if (pk_getattr(vm, p, n, &m) < 0)
		return -1;
	s = pk_str_cstr(vm, fmt);
	if (pk_is_undef(s)) {
		pk_decref(m);
		return -1;
	}
	rc = pk_call_n(vm, m, 1, &s, &r);
	pk_decref(s);
	pk_decref(m);
	if (rc < 0)
		return -1;
	rc = pk_str_of(vm, r, out);
	pk_decref(r);
	return rc;
}

/* Integer field value as decimal ("%r,TCP.sport%"). */
static int raw_int(struct pk_vm *vm, pk_val p, const char *layer,
                   const char *field, bool hex4, struct pk_buf *out)
{
	pk_val v;
	int64_t i;

	if (field_of(vm, p, layer, field, &v) < 0)
		return -1;
	if (!pk_is_intlike(v)) {
		int rc = pk_str_of(vm, v, out);
		pk_decref(v);
		return rc;
	}
	i = v.u.i;
	if (hex4)
		pk_buf_addf(out, "%04llx", (unsigned long long)i);
	else
		pk_buf_addf(out, "%lld", (long long)i);
	return 0;
}

static int human(struct pk_vm *vm, pk_val p, const char *layer,
                 const char *field, struct pk_buf *out)
{
	char fmt[64];

	snprintf(fmt, sizeof(fmt), "%%%s.%s%%", layer, field);
	return psprintf(vm, p, fmt, out);
}

/* scapy's default session extractor. */
static int session_key(struct pk_vm *vm, pk_val p, struct pk_buf *k)
{
	const char *ip;

	if (!has(vm, p, "Ether")) {
		pk_buf_addstr(k, "Other");
		return 0;
	}
	ip = has(vm, p, "IP") ? "IP" : has(vm, p, "IPv6") ? "IPv6" : NULL;
	if (ip) {
		const char *l4 = has(vm, p, "TCP")      ? "TCP"
		                 : has(vm, p, "UDP")    ? "UDP"
		                 : has(vm, p, "ICMP")   ? "ICMP"
		                 : has(vm, p, "ICMPv6") ? "ICMPv6"
		                                        : NULL;

		if (l4)
			pk_buf_addf(k, "%s ", l4);
		else
			pk_buf_addf(k, "%s ", ip);
		if (human(vm, p, ip, "src", k) < 0)
			return -1;
		if (l4 && (!strcmp(l4, "TCP") || !strcmp(l4, "UDP"))) {
			pk_buf_addch(k, ':');
			if (raw_int(vm, p, l4, "sport", false, k) < 0)
				return -1;
		}
		pk_buf_addstr(k, " > ");
		if (human(vm, p, ip, "dst", k) < 0)
			return -1;
		if (l4 && (!strcmp(l4, "TCP") || !strcmp(l4, "UDP"))) {
			pk_buf_addch(k, ':');
			return raw_int(vm, p, l4, "dport", false, k);
		}
		if (l4) {
			pk_buf_addstr(k, " type=");
			if (raw_int(vm, p, l4, "type", false, k) < 0)
				return -1;
			pk_buf_addstr(k, " code=");
			if (raw_int(vm, p, l4, "code", false, k) < 0)
				return -1;
			if (!strcmp(l4, "ICMP")) {
				pk_buf_addstr(k, " id=");
				return human(vm, p, "ICMP", "id", k);
			}
			return 0;
		}
		if (!strcmp(ip, "IPv6")) {
			pk_buf_addstr(k, " nh=");
			return human(vm, p, "IPv6", "nh", k);
		}
		pk_buf_addstr(k, " proto=");
		return human(vm, p, "IP", "proto", k);
	}
	if (has(vm, p, "ARP")) {
		pk_buf_addstr(k, "ARP ");
		if (human(vm, p, "ARP", "psrc", k) < 0)
			return -1;
		pk_buf_addstr(k, " > ");
		return human(vm, p, "ARP", "pdst", k);
	}
	pk_buf_addstr(k, "Ethernet type=");
	return raw_int(vm, p, "Ether", "type", true, k);
}

static int m_sessions(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	static const char *const names[] = {"session_extractor"};
	struct plist *l = as_plist(self);
	const char *dflt = is_pairs(self) ? "Results" : "PacketList";
	struct pk_buf k = PK_BUF_INIT;
	pk_val fn, d;
	size_t i;

	if (pk_args_parse(vm, a, "sessions", names, 1, 0, &fn) < 0 ||
	    all_values(vm, l) < 0)
		return -1;
	opt_callable(vm, &fn);
	d = pk_dict_new(vm);
	if (pk_is_undef(d))
		return -1;
	for (i = 0; i < l->len; i++) {
		pk_val p = elt2pkt(l->items[i]), key, sub;
		int found;

		if (pk_is_undef(fn)) {
			pk_buf_reset(&k);
			if (session_key(vm, p, &k) < 0)
				goto fail;
			key = pk_str_new(vm, k.buf, k.len);
			if (pk_is_undef(key))
				goto fail;
		} else if (pk_call_n(vm, fn, 1, &p, &key) < 0) {
			goto fail;
		}
		found = pk_dict_get(vm, d, key, &sub);
		if (found < 0) {
			pk_decref(key);
			goto fail;
		}
		if (!found) {
			sub = new_list(vm, self.u.o->type, dflt);
			if (pk_is_undef(sub) ||
			    pk_dict_set(vm, d, key, sub) < 0) {
				pk_decref(sub);
				pk_decref(key);
				goto fail;
			}
			pk_decref(sub); /* the dict holds it */
		}
		pk_decref(key);
		if (push(vm, as_plist(sub), l->items[i]) < 0)
			goto fail;
	}
	pk_buf_release(&k);
	*out = d;
	return 0;
fail:
	pk_buf_release(&k);
	pk_decref(d);
	return -1;
}

/* scapy's default getsrcdst: IP, IPv6, then ARP addresses. */
static int src_dst(struct pk_vm *vm, pk_val p, pk_val *out)
{
	static const char *const l[3][3] = {{"IP", "src", "dst"},
	                                    {"IPv6", "src", "dst"},
	                                    {"ARP", "psrc", "pdst"}};
	int i;

	for (i = 0; i < 3; i++) {
		pk_val s, d;

		if (!has(vm, p, l[i][0]))
			continue;
		if (field_of(vm, p, l[i][0], l[i][1], &s) < 0)
			return -1;
		if (field_of(vm, p, l[i][0], l[i][2], &d) < 0) {
			pk_decref(s);
			return -1;
		}
		*out = pk_tuple_pair(vm, s, d);
		pk_decref(s);
		pk_decref(d);
		return pk_is_undef(*out) ? -1 : 1;
	}
	return 0;
}

static int plist_has(struct pk_vm *vm, pk_val list, pk_val v, bool *out)
{
	size_t q;

	*out = false;
	for (q = 0; q < pk_as_list(list)->len && !*out; q++)
		if (pk_eq(vm, pk_as_list(list)->items[q], v, out) < 0)
			return -1;
	return 0;
}

/*
 * The conversation graph as Graphviz dot source (what scapy hands to
 * dot): printed, or written to `target` (scapy's ">file" form accepted).
 * We do not run dot ourselves: `dot -Tsvg conv.dot` does it.
 */
static int m_conversations(struct pk_vm *vm, pk_val self,
                           const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {"getsrcdst", "target", "type",
	                                    "prog"};
	struct plist *l = as_plist(self);
	pk_val arg[4], conv;
	struct pk_buf g = PK_BUF_INIT;
	size_t i, pos = 0;
	pk_val k, v;
	int rc = -1;

	if (pk_args_parse(vm, a, "conversations", names, 4, 0, arg) < 0 ||
	    all_values(vm, l) < 0)
		return -1;
	opt_callable(vm, &arg[0]);
	conv = pk_dict_new(vm);
	if (pk_is_undef(conv))
		return -1;
	for (i = 0; i < l->len; i++) {
		pk_val p = elt2pkt(l->items[i]), c, key, cur;
		const pk_val *it;
		size_t n;
		int found;

		if (pk_is_undef(arg[0])) {
			int got = src_dst(vm, p, &c);

			if (got < 0)
				goto out;
			if (!got)
				continue;
		} else if (pk_call_n(vm, arg[0], 1, &p, &c) < 0) {
			/* scapy skips elements its function fails on */
			pk_vm_clear_error(vm);
			continue;
		}
		if (!pk_seq_items(c, &it, &n) || n < 2 || n > 3) {
			pk_decref(c);
			continue;
		}
		key = pk_tuple_pair(vm, it[0], it[1]);
		if (pk_is_undef(key)) {
			pk_decref(c);
			goto out;
		}
		found = pk_dict_get(vm, conv, key, &cur);
		if (n == 3) {
			pk_val labels =
			    found == 1 ? pk_incref(cur) : pk_list_new(vm, 4);
			bool dup = false;

			if (!pk_is_undef(labels) && pk_is_list(labels) &&
			    plist_has(vm, labels, it[2], &dup) < 0) {
				pk_decref(labels);
				pk_decref(key);
				pk_decref(c);
				goto out;
			}
			if (pk_is_undef(labels) ||
			    (!dup && pk_list_append(vm, labels, it[2]) < 0) ||
			    pk_dict_set(vm, conv, key, labels) < 0) {
				pk_decref(labels);
				pk_decref(key);
				pk_decref(c);
				goto out;
			}
			pk_decref(labels);
		} else {
			int64_t cnt =
			    found == 1 && pk_is_intlike(cur) ? cur.u.i : 0;

			if (pk_dict_set(vm, conv, key, pk_int(cnt + 1)) < 0) {
				pk_decref(key);
				pk_decref(c);
				goto out;
			}
		}
		pk_decref(key);
		pk_decref(c);
	}
	pk_buf_addstr(&g, "digraph \"conv\" {\n");
	while (pk_dict_next(conv, &pos, &k, &v)) {
		pk_buf_addstr(&g, "\t \"");
		if (pk_str_of(vm, pk_as_tuple(k)->items[0], &g) < 0)
			goto out;
		pk_buf_addstr(&g, "\" -> \"");
		if (pk_str_of(vm, pk_as_tuple(k)->items[1], &g) < 0)
			goto out;
		pk_buf_addstr(&g, "\" [label=\"");
		if (pk_is_list(v)) {
			size_t q;

			for (q = 0; q < pk_as_list(v)->len; q++) {
				if (q)
					pk_buf_addstr(&g, ", ");
				if (pk_str_of(vm, pk_as_list(v)->items[q], &g) <
				    0)
					goto out;
			}
		} else {
			pk_buf_addf(&g, "%lld", (long long)v.u.i);
		}
		pk_buf_addstr(&g, "\"]\n");
	}
	pk_buf_addstr(&g, "}\n");
	if (pk_buf_failed(&g)) {
		pk_raise_nomem(vm);
		goto out;
	}
	if (pk_is_undef(arg[1]) || pk_is_none(arg[1])) {
		pk_vm_write(vm, g.buf, g.len);
	} else {
		const char *path;
		size_t plen;
		FILE *f;

		if (pk_arg_str(vm, arg[1], "conversations", "target", &path,
		               &plen) < 0)
			goto out;
		while (*path == '>' || *path == ' ')
			path++;
		f = fopen(path, "w");
		if (!f) {
			pk_raise(vm,
			         errno == ENOENT ? &pk_exc_FileNotFoundError
			                         : &pk_exc_OSError,
			         "conversations: '%s': %s", path,
			         strerror(errno));
			goto out;
		}
		if (fwrite(g.buf, 1, g.len, f) != g.len || fclose(f) != 0) {
			pk_raise(vm, &pk_exc_OSError,
			         "conversations: '%s': write failed", path);
			goto out;
		}
	}
	*out = pk_none();
	rc = 0;
out:
	pk_buf_release(&g);
	pk_decref(conv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* hexdumps                                                            */

void pk_cap_fmt_time(double t, struct pk_buf *out)
{
	time_t s = (time_t)t;
	struct tm tm;
	char b[32];

	if (!localtime_r(&s, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(b, sizeof(b), "%H:%M:%S", &tm);
	pk_buf_addf(out, "%s.%06d", b, (int)((t - (double)(int64_t)t) * 1e6));
}

/* Our own hexdump, used when the engine registered none. */
static int hexdump_bytes(struct pk_vm *vm, const uint8_t *d, size_t n)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i, j;

	for (i = 0; i < n; i += 16) {
		pk_buf_addf(&b, "%04zx  ", i);
		for (j = i; j < i + 16; j++) {
			if (j < n)
				pk_buf_addf(&b, "%02X ", d[j]);
			else
				pk_buf_addstr(&b, "   ");
		}
		pk_buf_addch(&b, ' ');
		for (j = i; j < i + 16 && j < n; j++)
			pk_buf_addch(&b,
			             d[j] >= 0x20 && d[j] < 0x7f ? d[j] : '.');
		pk_buf_addch(&b, '\n');
	}
	return emit(vm, &b);
}

int pk_cap_hexdump(struct pk_vm *vm, pk_val v)
{
	pk_val fn = pk_vm_get_global(vm, "hexdump"), r;
	struct pk_buf b = PK_BUF_INIT;
	int rc;

	if (!pk_is_undef(fn)) {
		if (pk_call_n(vm, fn, 1, &v, &r) < 0)
			return -1;
		pk_decref(r);
		return 0;
	}
	if (pk_is_bytes(v))
		return hexdump_bytes(vm, pk_as_bytes(v)->b,
		                     pk_as_bytes(v)->len);
	if (pk_packet_build(vm, v, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	rc = hexdump_bytes(vm, (const uint8_t *)b.buf, b.len);
	pk_buf_release(&b);
	return rc;
}

/* The header line of hexdump()/hexraw(): "0000 12:04:42.959736 Ether /..." */
static int dump_head(struct pk_vm *vm, size_t i, pk_val elt)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_buf_addf(&b, "%04zu ", i);
	pk_cap_fmt_time(
	    pk_is_packet(elt2pkt(elt)) ? pk_packet_time(elt2pkt(elt)) : 0, &b);
	pk_buf_addch(&b, ' ');
	if (elt_summary(vm, elt, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	pk_buf_addch(&b, '\n');
	return emit(vm, &b);
}

/* mode 0: hexdump(), 1: hexraw() (the Raw load only), 2: rawhexdump() */
static int do_hexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      const char *fname, int mode, pk_val *out)
{
	static const char *const names[] = {"lfilter"};
	struct plist *l = as_plist(self);
	pk_val lf = pk_undef();
	size_t i;

	if (pk_args_parse(vm, a, fname, names, mode == 2 ? 0 : 1, 0, &lf) < 0 ||
	    all_values(vm, l) < 0)
		return -1;
	opt_callable(vm, &lf);
	for (i = 0; i < l->len; i++) {
		pk_val p = elt2pkt(l->items[i]);

		if (pk_check_interrupt(vm) < 0)
			return -1;
		if (!pk_is_undef(lf)) {
			bool keep;

			if (pk_cap_test_elt(vm, lf, p, &keep) < 0)
				return -1;
			if (!keep)
				continue;
		}
		if (mode == 2) {
			if (pk_cap_hexdump(vm, p) < 0)
				return -1;
			continue;
		}
		if (dump_head(vm, i, l->items[i]) < 0)
			return -1;
		if (mode == 0) {
			if (pk_cap_hexdump(vm, p) < 0)
				return -1;
		} else if (has(vm, p, "Raw")) {
			pk_val load;
			int rc;

			if (field_of(vm, p, "Raw", "load", &load) < 0)
				return -1;
			rc = pk_cap_hexdump(vm, load);
			pk_decref(load);
			if (rc < 0)
				return -1;
		}
	}
	*out = pk_none();
	return 0;
}

static int m_hexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	return do_hexdump(vm, self, a, "hexdump", 0, out);
}

static int m_hexraw(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	return do_hexdump(vm, self, a, "hexraw", 1, out);
}

static int m_rawhexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	return do_hexdump(vm, self, a, "rawhexdump", 2, out);
}

static int m_wrpcap_list(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out);

static const struct pk_method plist_methods[] = {
    {"summary", m_summary,
     "summary(prn=None, lfilter=None): one summary line per packet"},
    {"nsummary", m_nsummary,
     "nsummary(prn=None, lfilter=None): numbered summary lines"},
    {"show", m_show, "show(prn=None, lfilter=None): same as nsummary()"},
    {"filter", m_filter,
     "filter(func) -> PacketList of the packets func is true for"},
    {"make_table", m_make_table,
     "make_table(f, sortx=None, sorty=None): table of f(p) -> (x, y, z)"},
    {"make_lined_table", m_make_lined_table,
     "make_lined_table(f, sortx=None, sorty=None): make_table() with rules"},
    {"sessions", m_sessions,
     "sessions(session_extractor=None) -> dict of name: PacketList"},
    {"conversations", m_conversations,
     "conversations(getsrcdst=None, target=None): Graphviz dot source of who talks to whom"},
    {"hexdump", m_hexdump,
     "hexdump(lfilter=None): nsummary() with each packet hexdumped"},
    {"hexraw", m_hexraw,
     "hexraw(lfilter=None): nsummary() with Raw loads hexdumped"},
    {"rawhexdump", m_rawhexdump, "rawhexdump(): hexdump of each packet"},
    {"append", m_append, "append(pkt): add a packet"},
    {"extend", m_extend, "extend(pkts): add packets"},
    {"wrpcap", m_wrpcap_list,
     "wrpcap(filename, append=False, linktype=None): write the list"},
    {NULL, NULL, NULL}};

const struct pk_type pk_type_plist = {
    .name = "PacketList",
    .doc = "a list of packets (rdpcap, sniff, sr's unanswered)",
    .release = plist_release,
    .traverse = plist_traverse,
    .clear = plist_clear,
    .repr = plist_repr,
    .getattr = plist_getattr,
    .setattr = plist_setattr,
    .attrnames = plist_attrnames,
    .getitem = plist_getitem,
    .len = plist_len,
    .iter = plist_iter,
    .contains = plist_contains,
    .binop = plist_binop,
    .methods = plist_methods,
};

const struct pk_type pk_type_sndrcv = {
    .name = "SndRcvList",
    .doc = "(sent, received) pairs: the answered list of sr()",
    .release = plist_release,
    .traverse = plist_traverse,
    .clear = plist_clear,
    .repr = plist_repr,
    .getattr = plist_getattr,
    .setattr = plist_setattr,
    .attrnames = plist_attrnames,
    .getitem = plist_getitem,
    .len = plist_len,
    .iter = plist_iter,
    .contains = plist_contains,
    .binop = plist_binop,
    .methods = plist_methods,
};

/* pkts.wrpcap(file) = wrpcap(file, pkts) */
static int m_wrpcap_list(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out)
{
	pk_val fn = pk_vm_get_global(vm, "wrpcap");
	pk_val *v;
	struct pk_args b = *a;
	int rc;

	if (pk_is_undef(fn) || a->n < 1)
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "wrpcap() missing required argument 'filename'");
	v = pk_xmalloc((size_t)(a->n + 1) * sizeof(*v));
	if (!v)
		return pk_raise_nomem(vm);
	v[0] = a->v[0];
	v[1] = self;
	memcpy(v + 2, a->v + 1, (size_t)(a->n - 1) * sizeof(*v));
	b.n = a->n + 1;
	b.v = v;
	b.site = NULL;
	rc = pk_call(vm, fn, &b, out);
	pk_xfree(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Constructors as builtins                                            */

static int ctor(struct pk_vm *vm, const struct pk_args *a, pk_val *out,
                bool pairs)
{
	static const char *const names[] = {"res", "name", "stats"};
	const char *fname = pairs ? "SndRcvList" : "PacketList";
	pk_val arg[3], l;
	const char *name = pairs ? "Results" : "PacketList";
	size_t nlen;

	if (pk_args_parse(vm, a, fname, names, 3, 0, arg) < 0)
		return -1;
	if (!pk_is_undef(arg[1]) &&
	    pk_arg_str(vm, arg[1], fname, "name", &name, &nlen) < 0)
		return -1;
	l = new_list(vm, pairs ? &pk_type_sndrcv : &pk_type_plist, name);
	if (pk_is_undef(l))
		return -1;
	if (!pk_is_undef(arg[0]) && !pk_is_none(arg[0]) &&
	    pk_foreach(vm, arg[0], extend_cb, &l) < 0) {
		pk_decref(l);
		return -1;
	}
	*out = l;
	return 0;
}

static int b_plist(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	return ctor(vm, a, out, false);
}

static int b_sndrcv(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	return ctor(vm, a, out, true);
}

static const struct pk_method plist_builtins[] = {
    {"PacketList", b_plist,
     "PacketList(res=None, name='PacketList') -> a packet list"},
    {"SndRcvList", b_sndrcv,
     "SndRcvList(res=None, name='Results') -> a list of (sent, received)"},
    {NULL, NULL, NULL}};

int pk_plist_register(struct pk_vm *vm)
{
	if (pk_vm_add_builtins(vm, plist_builtins) < 0)
		return -1;
	if (pk_pcapio_register(vm) < 0)
		return -1;
	return pk_sniff_register(vm);
}
