/*
 * sets.c - implicit packet sets: fields holding lists, (lo, hi) ranges or
 * networks expand in scapy's order: the lower layer is the outer loop and,
 * within a layer, the field earlier in the table varies fastest (checked
 * against scapy 2.5: the keyword order does not matter).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

bool pk_layer_is_set(const struct pk_layer *l)
{
	for (; l; l = l->payload) {
		int i;

		for (i = 0; i < l->proto->nfields; i++)
			if (l->st[i] & PK_FS_GEN)
				return true;
	}
	return false;
}

static bool value_volatile(pk_val v, int depth);

static bool chain_volatile(const struct pk_layer *l, int depth)
{
	for (; l; l = l->payload) {
		int i;

		for (i = 0; i < l->proto->nfields; i++)
			if ((l->st[i] & PK_FS_OBJ) &&
			    value_volatile(l->f[i].v, depth))
				return true;
	}
	return false;
}

/* A volatile value, or packets holding one (depth-capped: a value may
 * hold itself). */
static bool value_volatile(pk_val v, int depth)
{
	size_t i;

	if (pk_is_volatile(v))
		return true;
	if (depth >= 16)
		return false;
	if (pk_is_packet(v) && !((struct pk_layer *)v.u.o)->lazy)
		return chain_volatile((struct pk_layer *)v.u.o, depth + 1);
	if (pk_is_list(v))
		for (i = 0; i < pk_as_list(v)->len; i++)
			if (value_volatile(pk_as_list(v)->items[i], depth + 1))
				return true;
	return false;
}

bool pk_packet_is_volatile(pk_val x)
{
	return value_volatile(x, 0);
}

static int net_prefix(const struct pk_field *f, pk_val v, uint8_t base[16],
                      unsigned *hostbits)
{
	const char *s = pk_as_str(v)->s, *sl = strchr(s, '/');
	long n = strtol(sl + 1, NULL, 10);
	unsigned len = f->kind == PK_FK_IP4 ? 4 : 16, i;

	memset(base, 0, 16);
	if (f->kind == PK_FK_IP4)
		pk_parse_ip4(s, (size_t)(sl - s), base);
	else
		pk_parse_ip6(s, (size_t)(sl - s), base);
	*hostbits = len * 8 - (unsigned)n;
	for (i = 0; i < len * 8; i++)
		if (i >= (unsigned)n)
			base[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

static uint64_t gen_count(const struct pk_field *f, pk_val v)
{
	if (pk_is_list(v))
		return pk_as_list(v)->len;
	if (pk_is_tuple(v)) {
		int64_t lo = pk_as_tuple(v)->items[0].u.i;
		int64_t hi = pk_as_tuple(v)->items[1].u.i;

		return hi >= lo ? (uint64_t)(hi - lo + 1) : 0;
	}
	if (pk_is_str(v)) {
		uint8_t b[16];
		unsigned hb;

		net_prefix(f, v, b, &hb);
		return hb >= 63 ? (uint64_t)1 << 63 : (uint64_t)1 << hb;
	}
	return 1;
}

int pk_gen_value(struct pk_vm *vm, const struct pk_layer *l, int i, uint64_t k,
                 union pk_fval *out, uint8_t *st)
{
	const struct pk_field *f = &l->proto->fields[i];
	pk_val v = l->f[i].v;
	union pk_fval nv;
	uint8_t nst = 0;

	memset(&nv, 0, sizeof(nv));
	if (k >= gen_count(f, v)) {
		pk_field_default(f, out, st);
		return 0;
	}
	if (pk_is_list(v)) {
		if (pk_field_scalar(vm, l, f, pk_as_list(v)->items[k], &nv,
		                    &nst) < 0)
			return -1;
	} else if (pk_is_tuple(v)) {
		nv.u = (uint64_t)(pk_as_tuple(v)->items[0].u.i + (int64_t)k);
	} else if (pk_is_volatile(v)) {
		pk_val x;
		int r;

		if (pk_volatile_draw(vm, v, &x) < 0)
			return -1;
		r = f->ops && f->ops->set
		        ? f->ops->set(vm, l, f, x, &nv, &nst)
		        : pk_field_scalar(vm, l, f, x, &nv, &nst);
		pk_decref(x);
		if (r < 0)
			return -1;
	} else {
		unsigned hb, len = f->kind == PK_FK_IP4 ? 4 : 16, j;
		uint64_t add = k;

		net_prefix(f, v, nv.b, &hb);
		for (j = len; j-- > 0 && add;) {
			uint64_t s = nv.b[j] + (add & 0xff);

			nv.b[j] = (uint8_t)s;
			add = (add >> 8) + (s >> 8);
		}
	}
	*out = nv;
	*st = nst | PK_FS_SET;
	return 0;
}

int pk_packet_count(struct pk_vm *vm, pk_val pkt, uint64_t *out)
{
	const struct pk_layer *l;
	uint64_t n = 1;

	for (l = pk_as_layer(pkt); l; l = l->payload) {
		int i;

		for (i = 0; i < l->proto->nfields; i++)
			if (l->st[i] & PK_FS_GEN)
				n *= gen_count(&l->proto->fields[i], l->f[i].v);
	}
	*out = n;
	return 0;
}

/* How a varying field's k-th value is made. */
enum { G_LIST, G_RANGE, G_NET, G_VOL };

/* One varying field: a digit of the odometer. */
struct gen {
	int layer, field;
	uint64_t count;
	int how;
	int64_t lo;       /* G_RANGE: the first value */
	uint8_t base[16]; /* G_NET: the network address */
	unsigned alen;    /* G_NET: its bytes */
};

/* The iteration state of an implicit set (an odometer over its fields). */
struct setiter {
	struct pk_obj h;
	pk_val tmpl;
	struct pk_layer *cur; /* the last packet made (owned), or NULL */
	/* the last two copies handed out (owned references), older first */
	struct pk_layer *given[2];
	struct pk_tmpl *fast; /* building from a template, or NULL */
	bool tried;           /* fast was looked for */
	int ng, changed;      /* digits, how many moved since cur */
	bool done;
	struct gen gens[64];
	uint64_t idx[64];
};

static int setiter_init(struct pk_vm *vm, struct setiter *it, pk_val pkt)
{
	const struct pk_layer *l;
	int depth = 0, k;

	it->ng = 0;
	it->done = false;
	it->cur = NULL;
	it->given[0] = it->given[1] = NULL;
	it->fast = NULL;
	it->tried = false;
	/* digits slowest first while collecting: outer layer first, and in
	 * a layer the later field first; reversed below */
	for (l = pk_as_layer(pkt); l; l = l->payload, depth++) {
		int i;

		for (i = l->proto->nfields; i-- > 0;) {
			const struct pk_field *f = &l->proto->fields[i];
			struct gen *g = &it->gens[it->ng];
			pk_val v = l->f[i].v;

			if (!(l->st[i] & PK_FS_GEN))
				continue;
			if (it->ng == 64)
				return pk_raise(vm, &pk_exc_ValueError,
				                "too many implicit set fields");
			memset(g, 0, sizeof(*g));
			g->layer = depth;
			g->field = i;
			g->count = gen_count(f, v);
			if (g->count > ((uint64_t)1 << 32))
				return pk_field_error(
				    vm, &pk_exc_ValueError, l->proto, f,
				    "too many values to iterate");
			if (!g->count)
				it->done = true;
			if (pk_is_tuple(v)) {
				g->how = G_RANGE;
				g->lo = pk_as_tuple(v)->items[0].u.i;
			} else if (pk_is_str(v)) {
				unsigned hb;

				g->how = G_NET;
				g->alen = f->kind == PK_FK_IP4 ? 4 : 16;
				net_prefix(f, v, g->base, &hb);
			} else {
				g->how = pk_is_volatile(v) ? G_VOL : G_LIST;
			}
			it->ng++;
		}
	}
	for (k = 0; k < it->ng / 2; k++) {
		struct gen t = it->gens[k];

		it->gens[k] = it->gens[it->ng - 1 - k];
		it->gens[it->ng - 1 - k] = t;
	}
	memset(it->idx, 0, sizeof(it->idx));
	it->changed = it->ng;
	it->tmpl = pk_incref(pkt);
	return 0;
}

static struct pk_layer *at_depth(struct pk_layer *l, int d)
{
	while (d-- > 0)
		l = l->payload;
	return l;
}

/* Put digit g's k-th value into its field of packet c. */
static int gen_put(struct pk_vm *vm, struct setiter *it, const struct gen *g,
                   struct pk_layer *c, uint64_t k)
{
	struct pk_layer *t = at_depth(c, g->layer);
	union pk_fval nv, *slot = &t->f[g->field];
	uint8_t nst = PK_FS_SET;

	/* written in place: a copy of a value just written byte by byte
	 * would wait on the store buffer */
	if (g->how == G_RANGE) {
		pk_slot_clear(slot, &t->st[g->field]);
		memset(slot, 0, sizeof(*slot));
		slot->u = (uint64_t)(g->lo + (int64_t)k);
		t->st[g->field] = nst;
		return 0;
	}
	if (g->how == G_NET) {
		uint64_t add = k;
		unsigned j;

		pk_slot_clear(slot, &t->st[g->field]);
		memcpy(slot->b, g->base, sizeof(slot->b));
		for (j = g->alen; j-- > 0 && add;) {
			uint64_t s = slot->b[j] + (add & 0xff);

			slot->b[j] = (uint8_t)s;
			add = (add >> 8) + (s >> 8);
		}
		t->st[g->field] = nst;
		return 0;
	}
	memset(&nv, 0, sizeof(nv));
	if (pk_gen_value(vm, at_depth(pk_as_layer(it->tmpl), g->layer),
	                 g->field, k, &nv, &nst) < 0)
		return -1;
	pk_slot_clear(slot, &t->st[g->field]);
	*slot = nv;
	t->st[g->field] = nst;
	return 0;
}

/*
 * Packet g, handed out two steps ago, made c's copy in place when nobody
 * but the iterator holds any of its layers any more (the loop's variable
 * has moved on to the one handed out last, which is why two are kept, as
 * the rdpcap iterator does): the copy without its two allocations. False,
 * g untouched, when it is shared, has another shape (the user changed
 * its chain) or c holds values that copy deep (lists, packets).
 */
static bool any_obj(const uint8_t *st, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, st + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= st[i];
	return acc & 0x0101010101010101ull * PK_FS_OBJ;
}

static bool refill(struct pk_layer *g, const struct pk_layer *c)
{
	const struct pk_layer *a, *b;

	if (g->h.refcnt != 1 || g->under)
		return false;
	for (a = g, b = c; a && b; a = a->payload, b = b->payload) {
		int i;

		if (a->h.refcnt != 1 || a->proto != b->proto || a->lazy)
			return false;
		if (!any_obj(b->st, (size_t)b->proto->nfields))
			continue;
		for (i = 0; i < b->proto->nfields; i++)
			if ((b->st[i] & PK_FS_OBJ) &&
			    (pk_is_packet(b->f[i].v) ||
			     (pk_is_list(b->f[i].v) &&
			      !(b->st[i] & PK_FS_GEN))))
				return false;
	}
	if (a || b)
		return false;
	for (a = g, b = c; a; a = a->payload, b = b->payload) {
		struct pk_layer *w = (struct pk_layer *)a;
		size_t n = b->proto->nfields, i;
		bool objs = any_obj(b->st, n);

		if (any_obj(w->st, n))
			for (i = 0; i < n; i++)
				if (w->st[i] & PK_FS_OBJ)
					pk_decref(w->f[i].v);
		memcpy(w->f, b->f, n * sizeof(w->f[0]));
		memcpy(w->st, b->st, n);
		if (objs)
			for (i = 0; i < n; i++)
				if (w->st[i] & PK_FS_OBJ)
					pk_incref(w->f[i].v);
		w->time = b->time;
		w->partial = b->partial;
	}
	return true;
}

/* A copy of c for the user: the one before last made again if it can be. */
static struct pk_layer *hand_out(struct pk_vm *vm, struct setiter *it,
                                 const struct pk_layer *c)
{
	struct pk_layer *g = it->given[0];

	it->given[0] = it->given[1];
	it->given[1] = NULL;
	if (!g || !refill(g, c)) {
		if (g)
			pk_decref(pk_obj_take(g));
		g = pk_layer_copy(vm, c);
		if (!g)
			return NULL;
	}
	it->given[1] = g;
	g->h.refcnt++;
	return g;
}

/*
 * 1 and *out a new reference to the next packet, 0 at the end, -1 on
 * error. The iterator keeps its own packet, changed in place from one
 * step to the next: with `lend` that packet itself is handed out (to C
 * code that builds it at once; if it keeps it, the next step works on a
 * copy), else a copy the caller may change as it likes.
 */
static int setiter_step(struct pk_vm *vm, struct setiter *it, pk_val *out,
                        bool lend)
{
	struct pk_layer *c = it->cur;
	int k;

	if (it->done)
		return 0;
	if (!c || c->h.refcnt > 1) {
		const struct pk_layer *t = pk_as_layer(it->tmpl);

		c = pk_layer_copy(vm, c ? c : t);
		if (!c)
			return -1;
		c->time = t->time;
		if (it->cur)
			pk_decref(pk_obj_take(it->cur));
		else
			it->changed = it->ng;
		it->cur = c;
	}
	/* a volatile digit never moves but draws anew for every packet */
	for (k = 0; k < it->ng; k++)
		if ((k < it->changed || it->gens[k].how == G_VOL) &&
		    gen_put(vm, it, &it->gens[k], c, it->idx[k]) < 0) {
			/* a half-made packet must not be the base of another */
			pk_decref(pk_obj_take(c));
			it->cur = NULL;
			return -1;
		}
	if (!it->tried) {
		int gens[2 * 64];
		uint64_t total = 1;

		it->tried = true;
		for (k = 0; k < it->ng; k++) {
			gens[2 * k] = it->gens[k].layer;
			gens[2 * k + 1] = it->gens[k].field;
			if (total < 4)
				total *= it->gens[k].count;
		}
		/* a template costs about two builds: not worth it for a few */
		if (total >= 4 && pk_tmpl_new(vm, gens, it->ng, &it->fast) < 0)
			return -1;
	}
	for (k = 0; k < it->ng; k++) {
		if (++it->idx[k] < it->gens[k].count)
			break;
		it->idx[k] = 0;
	}
	it->changed = k < it->ng ? k + 1 : it->ng;
	if (k == it->ng)
		it->done = true;
	if (!lend) {
		c = hand_out(vm, it, c);
		if (!c)
			return -1;
	} else {
		c->h.refcnt++;
	}
	if (it->fast)
		pk_tmpl_offer(it->fast, c);
	*out = pk_obj_take(c);
	return 1;
}

static void setiter_clear(struct setiter *it)
{
	pk_decref(it->tmpl);
	int k;

	if (it->cur)
		pk_decref(pk_obj_take(it->cur));
	for (k = 0; k < 2; k++)
		if (it->given[k])
			pk_decref(pk_obj_take(it->given[k]));
	pk_tmpl_unref(it->fast);
}

static void setiter_release(struct pk_obj *o)
{
	setiter_clear((struct setiter *)o);
	pk_xfree(o);
}

static int setiter_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return setiter_step(vm, (struct setiter *)self.u.o, out, false);
}

static int setiter_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

static const struct pk_type pk_type_setiter = {
    .name = "packet_iterator",
    .doc = "the packets of an implicit set, one at a time",
    .release = setiter_release,
    .iter = setiter_iter,
    .next = setiter_next,
};

int pk_packet_iter(struct pk_vm *vm, pk_val pkt, pk_val *out)
{
	struct setiter *it = pk_obj_alloc(&pk_type_setiter, sizeof(*it));

	if (!it)
		return pk_raise_nomem(vm);
	it->tmpl = pk_undef();
	if (setiter_init(vm, it, pkt) < 0) {
		pk_decref(pk_obj_take(it));
		return -1;
	}
	*out = pk_obj_take(it);
	return 0;
}

int pk_packet_expand(struct pk_vm *vm, pk_val pkt,
                     int (*cb)(struct pk_vm *vm, pk_val one, void *ctx),
                     void *ctx)
{
	struct setiter it;
	int r;

	it.tmpl = pk_undef();
	it.cur = NULL;
	it.given[0] = it.given[1] = NULL;
	it.fast = NULL;
	if (setiter_init(vm, &it, pkt) < 0) {
		setiter_clear(&it);
		return -1;
	}
	for (;;) {
		pk_val one;

		r = setiter_step(vm, &it, &one, true);
		if (r <= 0)
			break;
		r = cb(vm, one, ctx);
		if (it.fast)
			pk_tmpl_withdraw(it.fast);
		pk_decref(one);
		if (r)
			break;
		r = pk_check_interrupt(vm);
		if (r < 0)
			break;
	}
	setiter_clear(&it);
	return r < 0 ? -1 : 0;
}
