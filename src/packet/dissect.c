/*
 * dissect.c - wire bytes to layers, every read through a cursor.
 *
 * A layer reads its fields until the bytes end (later fields keep their
 * defaults, as scapy's do_dissect). A read cut short inside a field makes
 * a payload layer Raw as a whole (scapy turns the exception into Raw);
 * the first layer keeps what it read and the rest becomes Raw. Otherwise extract_padding cuts the trailer
 * (bytes past IP's total length) that becomes Padding at the end of the
 * chain, and the payload class comes from the proto's guess hook, the
 * binding rows, or Raw. The chain is walked in a loop, not by recursion,
 * so hostile nesting cannot exhaust the stack.
 */
#include <string.h>

#include "engine.h"

struct bitrd {
	unsigned n;
	uint8_t cur;
};

static uint64_t read_bits(struct pk_cursor *c, struct bitrd *br, unsigned bits)
{
	uint64_t v = 0;

	while (bits) {
		unsigned take;

		if (!br->n) {
			int b = pk_cur_peek(c, 0);

			if (b < 0 || c->truncated) {
				c->truncated = true;
				return 0;
			}
			pk_cur_skip(c, 1);
			br->cur = (uint8_t)b;
			br->n = 8;
		}
		take = bits < br->n ? bits : br->n;
		v = (v << take) | ((uint64_t)(br->cur >> (br->n - take)) &
		                   ((1u << take) - 1));
		br->n -= take;
		bits -= take;
	}
	return v;
}

static struct pk_layer *dissect_fields_only(struct pk_dissect *d,
                                            const struct pk_proto *p,
                                            struct pk_cursor *c);

static int64_t rel_size(const struct pk_layer *l, const struct pk_field *f)
{
	int64_t v;

	if (f->ref < 0 || f->ref >= l->proto->nfields)
		return -1;
	v = (int64_t)l->f[f->ref].u * (f->mul ? f->mul : 1) + f->add;
	return v < 0 ? 0 : v;
}

static int read_list(struct pk_dissect *d, struct pk_layer *l,
                     const struct pk_field *f, struct pk_cursor *c,
                     union pk_fval *slot, uint8_t *st)
{
	pk_val list = pk_list_new(d->vm, 0);
	struct pk_cursor sub;
	int64_t count = -1;

	if (pk_is_undef(list))
		return -1;
	if (f->rel == PK_REL_LEN)
		sub = pk_cur_sub(c, (size_t)rel_size(l, f), NULL);
	else
		sub = *c;
	if (f->rel == PK_REL_COUNT)
		count = rel_size(l, f);
	while (pk_cur_left(&sub) && count != 0 && !sub.truncated) {
		struct pk_layer *it;
		const uint8_t *before = sub.p;

		it = dissect_fields_only(d, f->sub, &sub);
		if (!it) {
			pk_decref(list);
			return -1;
		}
		if (pk_list_append_take(d->vm, list, pk_obj_take(it)) < 0) {
			pk_decref(list);
			return -1;
		}
		if (sub.p == before)
			break; /* no progress: stop rather than loop */
		if (count > 0)
			count--;
	}
	if (f->rel != PK_REL_LEN) {
		bool tr = sub.truncated;

		sub.truncated = false;
		*c = sub;
		c->truncated = tr && count > 0;
	}
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

static int read_field(struct pk_dissect *d, struct pk_layer *l,
                      const struct pk_field *f, struct pk_cursor *c,
                      struct bitrd *br, union pk_fval *slot, uint8_t *st)
{
	if (f->ops && f->ops->dissect) {
		size_t len = SIZE_MAX;

		if (f->rel == PK_REL_LEN)
			len = (size_t)rel_size(l, f);
		pk_slot_clear(slot, st);
		if (f->ops->dissect(d, l, f, c, len, slot, st) < 0)
			return -1;
		*st |= PK_FS_SET;
		return 0;
	}
	switch (f->kind) {
	case PK_FK_INT:
		if (br->n || f->bits % 8) {
			slot->u = read_bits(c, br, f->bits);
		} else if (f->flags & PK_FF_LE) {
			slot->u = pk_get_len(c, f->bits / 8);
		} else {
			slot->u = pk_get_ben(c, f->bits / 8);
		}
		if ((f->flags & PK_FF_SIGNED) && f->bits < 64 &&
		    (slot->u >> (f->bits - 1)) & 1)
			slot->u |= ~(((uint64_t)1 << f->bits) - 1);
		break;
	case PK_FK_MAC:
		pk_get_bytes(c, slot->b, 6);
		break;
	case PK_FK_IP4:
		pk_get_bytes(c, slot->b, 4);
		break;
	case PK_FK_IP6:
		pk_get_bytes(c, slot->b, 16);
		break;
	case PK_FK_BYTES: {
		size_t n = pk_cur_left(c);
		pk_val bv;

		if (f->bits && f->bits / 8 < n)
			n = f->bits / 8;
		else if (f->rel == PK_REL_LEN && (size_t)rel_size(l, f) < n)
			n = (size_t)rel_size(l, f);
		bv = pk_bytes_new(d->vm, c->p, n);
		if (pk_is_undef(bv))
			return -1;
		pk_cur_skip(c, n);
		pk_slot_clear(slot, st);
		slot->v = bv;
		*st = PK_FS_OBJ;
		break;
	}
	case PK_FK_PKTLIST:
		pk_slot_clear(slot, st);
		return read_list(d, l, f, c, slot, st);
	case PK_FK_PKT: {
		struct pk_layer *it;

		if (!pk_cur_left(c))
			return 0;
		it = dissect_fields_only(d, f->sub, c);
		if (!it)
			return -1;
		pk_slot_clear(slot, st);
		slot->v = pk_obj_take(it);
		*st = PK_FS_OBJ;
		break;
	}
	default:
		return 0;
	}
	if (c->truncated)
		return 0;
	*st |= PK_FS_SET;
	return 0;
}

static int dissect_header(struct pk_dissect *d, struct pk_layer *l,
                          struct pk_cursor *c)
{
	const struct pk_proto *p = l->proto;

	if (p->dissect)
		return p->dissect(d, l, c);
	/* every field read: the skim's loop with nothing skipped */
	return pk_dissect_skim_header(d, l, c, 0, 0);
}

/*
 * The cursor effect of a field the skim leaves undecoded: exactly what
 * read_field() consumes for it, never a truncation (bytes take what is
 * there, length-sized lists and options a clamped window).
 */
void pk_dissect_skip_field(const struct pk_layer *l, const struct pk_field *f,
                           struct pk_cursor *c)
{
	size_t n = pk_cur_left(c);

	if (f->kind == PK_FK_BYTES) {
		if (f->bits && f->bits / 8 < n)
			n = f->bits / 8;
		else if (f->rel == PK_REL_LEN && (size_t)rel_size(l, f) < n)
			n = (size_t)rel_size(l, f);
		pk_cur_skip(c, n);
		return;
	}
	pk_cur_sub(c, (size_t)rel_size(l, f), NULL);
}

int pk_dissect_skim_header(struct pk_dissect *d, struct pk_layer *l,
                           struct pk_cursor *c, uint64_t skip, int from)
{
	const struct pk_proto *p = l->proto;
	struct bitrd br = {0, 0};
	int i;

	/* also dissect_header()'s loop (skip 0, from 0): one loop, so the
	 * skim reads exactly what the full dissect reads */
	for (i = from; i < p->nfields && !c->truncated; i++) {
		const struct pk_field *f = &p->fields[i];
		int pr;

		if (!pk_cur_left(c) && !br.n) {
			l->partial = true;
			break;
		}
		pr = pk_field_present(d->vm, l, f);
		if (pr < 0)
			return -1;
		if (!pr)
			continue;
		if (i < 64 && ((skip >> i) & 1)) {
			pk_dissect_skip_field(l, f, c);
			continue;
		}
		if (read_field(d, l, f, c, &br, &l->f[i], &l->st[i]) < 0)
			return -1;
	}
	return 0;
}

static struct pk_layer *dissect_fields_only(struct pk_dissect *d,
                                            const struct pk_proto *p,
                                            struct pk_cursor *c)
{
	struct pk_layer *l;

	if (p->dispatch) {
		const struct pk_proto *q = p->dispatch(d, c);

		if (q)
			p = q;
	}
	l = pk_layer_new(d->vm, p);

	if (!l)
		return NULL;
	if (d->depth > PK_MAX_DEPTH) {
		c->truncated = true;
		return l;
	}
	d->depth++;
	if (dissect_header(d, l, c) < 0) {
		d->depth--;
		pk_decref(pk_obj_take(l));
		return NULL;
	}
	d->depth--;
	return l;
}

static struct pk_layer *bytes_layer(struct pk_vm *vm, const struct pk_proto *p,
                                    const uint8_t *s, size_t n)
{
	struct pk_layer *l = pk_layer_new(vm, p);
	pk_val bv;

	if (!l)
		return NULL;
	bv = pk_bytes_new(vm, s, n);
	if (pk_is_undef(bv)) {
		pk_decref(pk_obj_take(l));
		return NULL;
	}
	l->f[0].v = bv;
	l->st[0] = PK_FS_OBJ | PK_FS_SET;
	return l;
}

struct pad {
	const uint8_t *p;
	size_t n;
};

/*
 * The chain from c; with `want`, it stops once a layer of that class is
 * final (what follows is left undecoded and there is no Padding), which
 * is all haslayer() needs. A layer is final when the next iteration
 * starts: only the layer an iteration makes can be undone (turned Raw).
 */
static struct pk_layer *dissect_chain(struct pk_dissect *d,
                                      const struct pk_proto *p,
                                      struct pk_cursor *c,
                                      const struct pk_proto *want)
{
	struct pk_layer *head = NULL, *tail = NULL, *l;
	struct pad pads[PK_MAX_DEPTH];
	int npads = 0, depth = 0;

	while (p) {
		struct pk_cursor pay;
		const uint8_t *start = c->p;

		if (want && tail && tail->proto == want)
			return head;

		if (p->flags & PK_PF_RAW) {
			l = bytes_layer(d->vm, p, c->p, pk_cur_left(c));
			pk_cur_skip(c, pk_cur_left(c));
		} else {
			l = pk_layer_new(d->vm, p);
			if (l && dissect_header(d, l, c) < 0) {
				pk_decref(pk_obj_take(l));
				l = NULL;
			}
		}
		if (!l)
			goto fail;
		if (c->truncated && head) {
			/* a payload layer that runs out of bytes inside a field
			 * is not that layer: scapy keeps all of it as Raw */
			pk_decref(pk_obj_take(l));
			c->p = start;
			c->truncated = false;
			p = &pk_proto_raw;
			continue;
		}
		if (tail) {
			tail->payload = l;
			l->under = tail;
		} else {
			head = l;
		}
		tail = l;
		p = NULL;
		if (c->truncated) {
			/* the first layer keeps what it read (and builds back
			 * only that); the rest is Raw */
			l->partial = true;
			c->truncated = false;
			if (pk_cur_left(c))
				p = &pk_proto_raw;
			continue;
		}
		if (l->proto->flags & PK_PF_RAW)
			continue;
		pay = *c;
		/* asked even with nothing left: scapy fails a layer whose length
		 * field was never read */
		if (l->proto->extract_padding) {
			l->proto->extract_padding(l, &pay);
			if (pay.truncated && l != head) {
				/* unlink and redo this layer as Raw */
				tail = l->under;
				tail->payload = NULL;
				l->under = NULL;
				pk_decref(pk_obj_take(l));
				c->p = start;
				p = &pk_proto_raw;
				continue;
			}
			if (pay.truncated) {
				p = pk_cur_left(c) ? &pk_proto_raw : NULL;
				continue;
			}
			if (pay.end < c->end && npads < PK_MAX_DEPTH) {
				pads[npads].p = pay.end;
				pads[npads].n = (size_t)(c->end - pay.end);
				npads++;
			}
			c->end = pay.end;
		}
		if (!pk_cur_left(c))
			continue;
		if (++depth >= PK_MAX_DEPTH) {
			p = &pk_proto_raw;
			continue;
		}
		if (l->proto->guess_payload)
			p = l->proto->guess_payload(d, l, c);
		else
			p = pk_registry_guess(d->reg, l);
		if (!p)
			p = &pk_proto_raw;
	}
	/* paddings: the innermost layer's first */
	while (npads-- > 0) {
		l = bytes_layer(d->vm, &pk_proto_padding, pads[npads].p,
		                pads[npads].n);
		if (!l)
			goto fail;
		tail->payload = l;
		l->under = tail;
		tail = l;
	}
	return head;
fail:
	if (head)
		pk_decref(pk_obj_take(head));
	return NULL;
}

struct pk_layer *pk_dissect_chain(struct pk_dissect *d,
                                  const struct pk_proto *p, struct pk_cursor *c)
{
	return dissect_chain(d, p, c, NULL);
}

struct pk_layer *pk_dissect_layer(struct pk_dissect *d,
                                  const struct pk_proto *p, struct pk_cursor *c)
{
	struct pk_layer *l;

	if (d->depth > PK_MAX_DEPTH)
		p = &pk_proto_raw;
	d->depth++;
	l = pk_dissect_chain(d, p, c);
	d->depth--;
	return l;
}

/* Eager dissection of a whole packet (first already resolved), or up
 * to the first layer of class `want` when not NULL. */
static struct pk_layer *dissect_upto(struct pk_vm *vm, const struct pk_proto *p,
                                     const uint8_t *data, size_t len,
                                     const struct pk_proto *want)
{
	struct pk_dissect d;
	struct pk_cursor c = pk_cur_make(data, len);

	d.vm = vm;
	d.start = data;
	d.end = d.start + len;
	d.depth = 0;
	d.reg = pk_registry(vm);
	if (!d.reg)
		return NULL;
	return dissect_chain(&d, p, &c, want);
}

static struct pk_layer *dissect_all(struct pk_vm *vm, const struct pk_proto *p,
                                    const uint8_t *data, size_t len)
{
	return dissect_upto(vm, p, data, len, NULL);
}

int pk_packet_dissect(struct pk_vm *vm, const struct pk_proto *first,
                      const void *data, size_t len, pk_val *out)
{
	struct pk_layer *l;
	size_t n, room;

	if (!first)
		first = &pk_proto_raw;
	if (first == &pk_proto_rawip) {
		const struct pk_proto *v6 = pk_proto_find(vm, "IPv6");
		const uint8_t *b = data;

		first = &pk_proto_ip;
		if (v6 && len && (b[0] >> 4) == 6)
			first = v6;
	}
	/*
	 * Lazy: keep the bytes in one allocation big enough to decode the
	 * first layer in place later, so rdpcap() of a large capture costs
	 * little more than the capture (the target: 150 bytes over
	 * the packet bytes), and raw() of an untouched packet is its bytes.
	 */
	n = first->nfields;
	room = n * sizeof(union pk_fval) + n;
	if (len > room)
		room = len;
	l = pk_obj_alloc(&pk_type_packet, sizeof(*l) + room);
	if (!l)
		return pk_raise_nomem(vm);
	l->proto = first;
	l->lazy = true;
	l->raw.vm = vm;
	l->raw.len = len;
	l->st = (uint8_t *)(l->f + n);
	if (len)
		memcpy(l->f, data, len);
	*out = pk_obj_take(l);
	return 0;
}

int pk_layer_unlazy(struct pk_layer *l)
{
	struct pk_vm *vm = l->raw.vm;
	size_t len = l->raw.len, n = l->proto->nfields, i;
	uint8_t *copy = pk_xmalloc(len ? len : 1);
	struct pk_layer *h = NULL;

	if (copy) {
		memcpy(copy, l->f, len);
		h = dissect_all(vm, l->proto, copy, len);
		pk_xfree(copy);
	}
	l->lazy = false;
	l->boff = l->blen = 0;
	if (!h || h->proto != l->proto) {
		/* the head is always of the first class; OOM is the real case */
		if (h)
			pk_decref(pk_obj_take(h));
		for (i = 0; i < n; i++)
			pk_field_default(&l->proto->fields[i], &l->f[i],
			                 &l->st[i]);
		return pk_raise_nomem(vm);
	}
	/* move the decoded head into place; its shell goes, not its values */
	memcpy(l->f, h->f, n * sizeof(union pk_fval));
	memcpy(l->st, h->st, n);
	l->partial = h->partial;
	l->payload = h->payload;
	if (l->payload)
		l->payload->under = l;
	pk_gc_untrack(&h->h);
	pk_xfree(h);
	return 0;
}

struct pk_layer *pk_packet_peek(struct pk_vm *vm, pk_val pkt,
                                struct pk_layer **tmp)
{
	struct pk_layer *l = (struct pk_layer *)pkt.u.o;

	*tmp = NULL;
	if (!l->lazy)
		return l;
	*tmp = dissect_all(vm, l->proto, (const uint8_t *)l->f, l->raw.len);
	if (!*tmp)
		pk_vm_clear_error(vm);
	return *tmp;
}

/* A search that finds a layer says yes; an error says no. */
static bool search_has(struct pk_vm *vm, struct pk_layer *l,
                       const struct pk_proto *p)
{
	pk_val v;

	if (pk_layer_search(vm, l, p, 1, &v) < 0) {
		pk_vm_clear_error(vm);
		return false;
	}
	pk_decref(v);
	return !pk_is_none(v);
}

bool pk_packet_peek_has(struct pk_vm *vm, pk_val pkt, const struct pk_proto *p)
{
	struct pk_layer *l = (struct pk_layer *)pkt.u.o, *tmp;
	bool r;

	if (!l->lazy)
		return search_has(vm, l, p);
	switch (pk_dissect_skim_has(vm, l->proto, (const uint8_t *)l->f,
	                            l->raw.len, p)) {
	case 1:
		return true;
	case 0:
		/* the skim looks along the payload chain only */
		if (!pk_registry_in_field(vm, p))
			return false;
		break;
	default:
		break;
	}
	tmp = dissect_upto(vm, l->proto, (const uint8_t *)l->f, l->raw.len, p);
	if (!tmp) {
		pk_vm_clear_error(vm);
		return false;
	}
	r = search_has(vm, tmp, p);
	pk_decref(pk_obj_take(tmp));
	return r;
}

void pk_packet_peek_done(struct pk_layer *tmp)
{
	if (tmp)
		pk_decref(pk_obj_take(tmp));
}
