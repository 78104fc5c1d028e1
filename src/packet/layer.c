/*
 * layer.c - layer instances: allocation (one per layer: values and state
 * bytes share it), copies, field access by index, lookups along a chain.
 */
#include <string.h>

#include "engine.h"

struct pk_layer *pk_layer_new(struct pk_vm *vm, const struct pk_proto *p)
{
	size_t n = p->nfields, i;
	struct pk_layer *l;

	l = pk_obj_alloc(&pk_type_packet,
	                 sizeof(*l) + n * sizeof(union pk_fval) + n);
	if (!l) {
		pk_raise_nomem(vm);
		return NULL;
	}
	l->proto = p;
	l->st = (uint8_t *)(l->f + n);
	/* pk_field_default() on memory pk_obj_alloc() already zeroed: every
	 * constructor call makes a few of these */
	for (i = 0; i < n; i++) {
		const struct pk_field *f = &p->fields[i];

		switch (f->kind) {
		case PK_FK_INT:
			if (!(f->flags & PK_FF_AUTO))
				l->f[i].u = f->def;
			break;
		case PK_FK_MAC:
		case PK_FK_IP4:
		case PK_FK_IP6:
			if (f->defp)
				memcpy(l->f[i].b, f->defp,
				       f->kind == PK_FK_MAC   ? 6
				       : f->kind == PK_FK_IP4 ? 4
				                              : 16);
			break;
		default:
			l->f[i].v = pk_undef();
			break;
		}
	}
	return l;
}

void pk_layer_release(struct pk_obj *o)
{
	struct pk_layer *l = (struct pk_layer *)o;

	/* iterative over the payload chain: long chains cannot blow the stack */
	while (l) {
		struct pk_layer *next = l->payload;
		size_t i;

		for (i = 0; !l->lazy && i < l->proto->nfields; i++)
			if (l->st[i] & PK_FS_OBJ)
				pk_decref(l->f[i].v);
		/* the payloads freed here skip pk_decref's untracking */
		pk_gc_untrack(&l->h);
		pk_xfree(l);
		if (!next)
			break;
		/* a payload someone still holds outlives us: it has no
		 * underlayer any more (a dangling one crashed underlayer and
		 * read freed memory in raw()) */
		next->under = NULL;
		if (--next->h.refcnt)
			break;
		l = next;
	}
}

/* Deep copy of one slot: lists of packets are copied packet by packet. */
static int copy_slot(struct pk_vm *vm, const struct pk_field *f,
                     union pk_fval *dst, uint8_t *dst_st,
                     const union pk_fval *src, uint8_t st)
{
	*dst = *src;
	*dst_st = st;
	if (!(st & PK_FS_OBJ))
		return 0;
	if (pk_is_list(src->v) && !(st & PK_FS_GEN)) {
		struct pk_list *li = pk_as_list(src->v);
		pk_val nl = pk_list_new(vm, li->len);
		size_t i;

		if (pk_is_undef(nl))
			return -1;
		for (i = 0; i < li->len; i++) {
			pk_val it = li->items[i];

			if (pk_is_packet(it)) {
				struct pk_layer *c =
				    pk_layer_copy(vm, pk_as_layer(it));

				if (!c || pk_list_append_take(
				              vm, nl, pk_obj_take(c)) < 0) {
					pk_decref(nl);
					return -1;
				}
			} else if (pk_list_append(vm, nl, it) < 0) {
				pk_decref(nl);
				return -1;
			}
		}
		dst->v = nl;
		return 0;
	}
	if (pk_is_packet(src->v)) {
		struct pk_layer *c = pk_layer_copy(vm, pk_as_layer(src->v));

		if (!c)
			return -1;
		dst->v = pk_obj_take(c);
		return 0;
	}
	pk_incref(dst->v);
	return 0;
}

/* Packets nested in fields copied at most (a field may hold a list that
 * holds the packet: p.options.append(p)); values never cross threads. */
#define COPY_DEPTH_MAX 100
static int copy_depth;

static struct pk_layer *copy_chain(struct pk_vm *vm, const struct pk_layer *l);

struct pk_layer *pk_layer_copy(struct pk_vm *vm, const struct pk_layer *l)
{
	struct pk_layer *head;

	if (copy_depth >= COPY_DEPTH_MAX) {
		pk_raise(vm, &pk_exc_RecursionError,
		         "maximum recursion depth exceeded while copying '%s' "
		         "(does a field hold the packet itself?)",
		         l->proto->name);
		return NULL;
	}
	copy_depth++;
	head = copy_chain(vm, l);
	copy_depth--;
	return head;
}

static struct pk_layer *copy_chain(struct pk_vm *vm, const struct pk_layer *l)
{
	struct pk_layer *head = NULL, *prev = NULL;

	for (; l; l = l->payload) {
		size_t n = l->proto->nfields, i;
		struct pk_layer *c = pk_obj_alloc(
		    &pk_type_packet, sizeof(*c) + n * sizeof(c->f[0]) + n);

		if (!c) {
			pk_raise_nomem(vm);
			goto fail;
		}
		c->proto = l->proto;
		c->st = (uint8_t *)(c->f + n);
		if (pk_gc_is_tracked((struct pk_obj *)&l->h))
			pk_gc_track(&c->h);
		c->time = l->time;
		c->partial = l->partial;
		/* values are inline: one copy, then the few objects */
		memcpy(c->f, l->f, n * sizeof(c->f[0]));
		memcpy(c->st, l->st, n);
		for (i = 0; i < n; i++) {
			if (!(l->st[i] & PK_FS_OBJ))
				continue;
			if (copy_slot(vm, &l->proto->fields[i], &c->f[i],
			              &c->st[i], &l->f[i], l->st[i]) < 0) {
				/* the slots from i on are not ours yet */
				memset(c->st + i, 0, n - i);
				pk_decref(pk_obj_take(c));
				goto fail;
			}
		}
		if (prev) {
			prev->payload = c;
			c->under = prev;
		} else {
			head = c;
		}
		prev = c;
	}
	return head;
fail:
	if (head)
		pk_decref(pk_obj_take(head));
	return NULL;
}

void pk_layer_append(struct pk_layer *l, struct pk_layer *pay)
{
	while (l->payload)
		l = l->payload;
	pay->h.refcnt++;
	l->payload = pay;
	pay->under = l;
	if (pk_gc_is_tracked(&pay->h))
		pk_layer_track(l);
}

void pk_layer_track(struct pk_layer *l)
{
	for (; l && !pk_gc_is_tracked(&l->h); l = l->under)
		pk_gc_track(&l->h);
}

void pk_layer_expose(struct pk_layer *l, int i)
{
	if ((l->st[i] & PK_FS_OBJ) && pk_gc_trackable(l->f[i].v))
		pk_layer_track(l);
}

int pk_proto_field_index(const struct pk_proto *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		if (!strcmp(p->fields[i].name, name))
			return i;
	return -1;
}

uint64_t pk_layer_uint(const struct pk_layer *l, int i)
{
	return l->f[i].u;
}

void pk_layer_set_uint(struct pk_layer *l, int i, uint64_t v)
{
	pk_slot_clear(&l->f[i], &l->st[i]);
	l->f[i].u = v;
	l->st[i] = PK_FS_SET;
}

int pk_layer_set(struct pk_vm *vm, struct pk_layer *l, int i, pk_val v)
{
	l->partial = false;
	if (pk_field_set(vm, l, &l->proto->fields[i], v, &l->f[i], &l->st[i]) <
	    0)
		return -1;
	pk_layer_expose(l, i);
	return 0;
}

bool pk_layer_effective(struct pk_registry *r, const struct pk_layer *l, int i,
                        union pk_fval *v, uint8_t *st)
{
	uint64_t ov;

	*v = l->f[i];
	*st = l->st[i];
	if (!(*st & PK_FS_SET) && l->payload &&
	    pk_binding_overload(r, l, i, &ov)) {
		v->u = ov;
		*st = PK_FS_SET;
		return true;
	}
	return false;
}

int pk_layer_display(struct pk_vm *vm, const struct pk_layer *l, int i,
                     union pk_fval *v, uint8_t *st)
{
	const struct pk_proto *p = l->proto;
	const struct pk_field *f = &p->fields[i];
	union pk_fval tmp[64];
	uint8_t tst[64];
	struct pk_build b;
	struct pk_buf none = PK_BUF_INIT;
	int n = p->nfields, k;

	pk_layer_effective(pk_registry(vm), l, i, v, st);
	if ((*st & PK_FS_SET) || !(f->flags & PK_FF_AUTO) || !p->pre_build ||
	    n > 64)
		return 0;
	for (k = 0; k < n; k++)
		pk_layer_effective(pk_registry(vm), l, k, &tmp[k], &tst[k]);
	b.vm = vm;
	b.out = &none;
	b.reg = pk_registry(vm);
	if (p->pre_build(&b, l, tmp, tst) < 0)
		return -1;
	pk_buf_release(&none);
	/* only what pre_build marks resolved (addresses, times); lengths it
	 * may fill stay None until built, as in scapy */
	if (tst[i] & PK_FS_SET) {
		*v = tmp[i];
		*st = PK_FS_SET;
	}
	return 0;
}

int pk_layer_get(struct pk_vm *vm, struct pk_layer *l, int i, pk_val *out)
{
	union pk_fval v;
	uint8_t st;

	pk_layer_expose(l, i);
	if (pk_layer_display(vm, l, i, &v, &st) < 0)
		return -1;
	return pk_field_get(vm, l, &l->proto->fields[i], &v, st, out);
}

struct pk_layer *pk_layer_find(struct pk_layer *l, const struct pk_proto *p,
                               int nth)
{
	for (; l; l = l->payload) {
		if (l->proto == p && --nth <= 0)
			return l;
	}
	return NULL;
}

/*
 * Whether field f's value is searched by getlayer()/haslayer(): scapy's
 * packetfields, the fields that hold packets (PacketField,
 * PacketListField, DNS's record sections).
 */
static bool holds_packets(const struct pk_field *f)
{
	return f->kind == PK_FK_PKTLIST || f->kind == PK_FK_PKT ||
	       (f->kind == PK_FK_CUSTOM && f->sub);
}

/* Nesting of packets in fields searched at most: values the user made
 * may nest deeper, or hold themselves. */
#define SEARCH_DEPTH 32

static int search_chain(struct pk_vm *vm, struct pk_layer *l,
                        const struct pk_proto *p, int *nth, int depth,
                        pk_val *out);

/* Search a field's value: a packet, or a list or tuple of them. */
static int search_value(struct pk_vm *vm, pk_val v, const struct pk_proto *p,
                        int *nth, int depth, pk_val *out)
{
	const pk_val *items;
	size_t n, i;

	if (pk_is_packet(v))
		return search_chain(vm, pk_as_layer(v), p, nth, depth, out);
	if (!pk_seq_items(v, &items, &n))
		return 0;
	for (i = 0; i < n && pk_is_undef(*out); i++)
		if (pk_is_packet(items[i]) &&
		    search_chain(vm, pk_as_layer(items[i]), p, nth, depth,
		                 out) < 0)
			return -1;
	return 0;
}

/* scapy's getlayer() order: the layer, its packet fields, its payload. */
static int search_chain(struct pk_vm *vm, struct pk_layer *l,
                        const struct pk_proto *p, int *nth, int depth,
                        pk_val *out)
{
	int i, rc;

	for (; l; l = l->payload) {
		if (l->proto == p && --*nth <= 0) {
			*out = pk_layer_val(l);
			return 0;
		}
		for (i = 0; depth < SEARCH_DEPTH && i < l->proto->nfields;
		     i++) {
			const struct pk_field *f = &l->proto->fields[i];
			pk_val v;

			if (!holds_packets(f))
				continue;
			if (l->st[i] & PK_FS_OBJ) {
				rc = search_value(vm, l->f[i].v, p, nth,
				                  depth + 1, out);
			} else if (f->ops && f->ops->get) {
				/* an unset field whose default is a packet
				 * (DNS's qd is a DNSQR()) */
				if (pk_field_get(vm, l, f, &l->f[i], l->st[i],
				                 &v) < 0)
					return -1;
				rc =
				    search_value(vm, v, p, nth, depth + 1, out);
				pk_decref(v);
			} else {
				continue;
			}
			if (rc < 0)
				return rc;
			if (!pk_is_undef(*out)) {
				/* handed out from inside l: see pk_layer_track */
				pk_layer_track(l);
				return 0;
			}
		}
	}
	return 0;
}

int pk_layer_search(struct pk_vm *vm, struct pk_layer *l,
                    const struct pk_proto *p, int nth, pk_val *out)
{
	*out = pk_undef();
	if (search_chain(vm, l, p, &nth, 0, out) < 0) {
		if (!pk_is_undef(*out))
			pk_decref(*out);
		*out = pk_undef();
		return -1;
	}
	if (pk_is_undef(*out))
		*out = pk_none();
	return 0;
}

struct pk_layer *pk_layer_find_field(struct pk_layer *l, const char *name,
                                     int *idx)
{
	for (; l; l = l->payload) {
		int i = pk_proto_field_index(l->proto, name);

		if (i >= 0) {
			*idx = i;
			return l;
		}
	}
	return NULL;
}
