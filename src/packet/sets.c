/*
 * sets.c - implicit packet sets: fields holding lists, (lo, hi) ranges or
 * networks expand in scapy's order: the lower layer is the outer loop and,
 * within a layer, the field earlier in the table varies fastest (checked
 * against scapy 2.5: the keyword order does not matter).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct gen {
	int layer, field;
	uint64_t count;
};

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

static int gen_elem(struct pk_vm *vm, struct pk_layer *l, int i, uint64_t k)
{
	union pk_fval nv;
	uint8_t nst;

	if (pk_gen_value(vm, l, i, k, &nv, &nst) < 0)
		return -1;
	pk_slot_clear(&l->f[i], &l->st[i]);
	l->f[i] = nv;
	l->st[i] = nst;
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

/* The iteration state of an implicit set (an odometer over its fields). */
struct setiter {
	struct pk_obj h;
	pk_val tmpl;
	int ng;
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
	/* digits slowest first while collecting: outer layer first, and in
	 * a layer the later field first; reversed below */
	for (l = pk_as_layer(pkt); l; l = l->payload, depth++) {
		int i;

		for (i = l->proto->nfields; i-- > 0;) {
			struct gen *g = &it->gens[it->ng];

			if (!(l->st[i] & PK_FS_GEN))
				continue;
			if (it->ng == 64)
				return pk_raise(vm, &pk_exc_ValueError,
				                "too many implicit set fields");
			g->layer = depth;
			g->field = i;
			g->count = gen_count(&l->proto->fields[i], l->f[i].v);
			if (g->count > ((uint64_t)1 << 32))
				return pk_field_error(
				    vm, &pk_exc_ValueError, l->proto,
				    &l->proto->fields[i],
				    "too many values to iterate");
			if (!g->count)
				it->done = true;
			it->ng++;
		}
	}
	for (k = 0; k < it->ng / 2; k++) {
		struct gen t = it->gens[k];

		it->gens[k] = it->gens[it->ng - 1 - k];
		it->gens[it->ng - 1 - k] = t;
	}
	memset(it->idx, 0, sizeof(it->idx));
	it->tmpl = pk_incref(pkt);
	return 0;
}

/* 1 and *out a new packet, 0 at the end, -1 on error */
static int setiter_step(struct pk_vm *vm, struct setiter *it, pk_val *out)
{
	struct pk_layer *c;
	int k;

	if (it->done)
		return 0;
	c = pk_layer_copy(vm, pk_as_layer(it->tmpl));
	if (!c)
		return -1;
	for (k = 0; k < it->ng; k++) {
		struct pk_layer *t = c;
		int d;

		for (d = 0; d < it->gens[k].layer; d++)
			t = t->payload;
		if (gen_elem(vm, t, it->gens[k].field, it->idx[k]) < 0) {
			pk_decref(pk_obj_take(c));
			return -1;
		}
	}
	for (k = 0; k < it->ng; k++) {
		if (++it->idx[k] < it->gens[k].count)
			break;
		it->idx[k] = 0;
	}
	if (k == it->ng)
		it->done = true;
	*out = pk_obj_take(c);
	return 1;
}

static void setiter_release(struct pk_obj *o)
{
	pk_decref(((struct setiter *)o)->tmpl);
	pk_xfree(o);
}

static int setiter_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return setiter_step(vm, (struct setiter *)self.u.o, out);
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

	if (setiter_init(vm, &it, pkt) < 0)
		return -1;
	for (;;) {
		pk_val one;

		r = setiter_step(vm, &it, &one);
		if (r <= 0)
			break;
		r = cb(vm, one, ctx);
		pk_decref(one);
		if (r)
			break;
		r = pk_check_interrupt(vm);
		if (r < 0)
			break;
	}
	pk_decref(it.tmpl);
	return r < 0 ? -1 : 0;
}
