/*
 * build.c - layers to wire bytes, into one buffer, outermost header first;
 * post_build hooks then run innermost first, so a checksum sees its
 * payload's final bytes (scapy's do_build/post_build order).
 */
#include <string.h>

#include "engine.h"

#define STACK_FIELDS 64

struct bitacc {
	uint64_t acc;
	unsigned n;
};

static void put_bits(struct pk_buf *out, struct bitacc *ba, unsigned bits,
                     uint64_t v)
{
	if (bits < 64)
		v &= ((uint64_t)1 << bits) - 1;
	while (bits) {
		/* feed at most 8 bits at a time so acc never overflows */
		unsigned take = bits > 8 ? 8 : bits;
		uint64_t part = (v >> (bits - take)) & ((1u << take) - 1);

		ba->acc = (ba->acc << take) | part;
		ba->n += take;
		bits -= take;
		while (ba->n >= 8) {
			pk_buf_addch(out,
			             (int)((ba->acc >> (ba->n - 8)) & 0xff));
			ba->n -= 8;
		}
	}
}

static void put_int(struct pk_buf *out, struct bitacc *ba,
                    const struct pk_field *f, uint64_t v)
{
	unsigned bits = f->bits, i;

	if (ba->n || bits % 8) {
		put_bits(out, ba, bits, v);
		return;
	}
	{
		uint8_t b[8];
		unsigned n = bits / 8 <= 8 ? bits / 8 : 8;

		/* one append per field: the build's most frequent call */
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(f->flags & PK_FF_LE
			                     ? v >> (8 * i)
			                     : v >> (8 * (n - 1 - i)));
		pk_buf_add(out, b, n);
	}
}

static int build_list_item(struct pk_build *b, pk_val it)
{
	if (pk_is_packet(it))
		return pk_build_layer(b, pk_as_layer(it));
	if (pk_is_bytes(it))
		return pk_buf_add(b->out, pk_as_bytes(it)->b,
		                  pk_as_bytes(it)->len);
	return pk_raise(b->vm, &pk_exc_TypeError,
	                "cannot build a '%s' inside a packet list",
	                pk_typename(it));
}

static int build_field(struct pk_build *b, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *v,
                       uint8_t st, struct bitacc *ba)
{
	struct pk_buf *out = b->out;

	if (f->ops && f->ops->build)
		return f->ops->build(b, l, f, v, st, out);
	switch (f->kind) {
	case PK_FK_INT:
		put_int(out, ba, f, v->u);
		return 0;
	case PK_FK_MAC:
		return pk_buf_add(out, v->b, 6);
	case PK_FK_IP4:
		return pk_buf_add(out, v->b, 4);
	case PK_FK_IP6:
		return pk_buf_add(out, v->b, 16);
	case PK_FK_BYTES: {
		const uint8_t *p = f->defp;
		size_t n = f->deflen;

		if (st & PK_FS_OBJ) {
			p = pk_as_bytes(v->v)->b;
			n = pk_as_bytes(v->v)->len;
		}
		if (f->bits) {
			size_t want = f->bits / 8;

			pk_buf_add(out, p, n < want ? n : want);
			if (n < want)
				pk_buf_addchars(out, 0, want - n);
			return 0;
		}
		return pk_buf_add(out, p, n);
	}
	case PK_FK_PKTLIST:
		if ((st & PK_FS_OBJ) && pk_is_list(v->v)) {
			struct pk_list *li = pk_as_list(v->v);
			size_t i;

			for (i = 0; i < li->len; i++)
				if (build_list_item(b, li->items[i]) < 0)
					return -1;
		}
		return 0;
	case PK_FK_PKT:
		if ((st & PK_FS_OBJ) && !pk_is_none(v->v))
			return build_list_item(b, v->v);
		return 0;
	default:
		return pk_field_error(b->vm, &pk_exc_TypeError, l->proto, f,
		                      "field has no build hook");
	}
}

int pk_build_fill(struct pk_build *b, const struct pk_layer *l,
                  union pk_fval *v, uint8_t *st, union pk_fval *v0,
                  uint8_t *st0)
{
	const struct pk_proto *p = l->proto;
	struct pk_registry *r = b->reg;
	int n = p->nfields, i;

	/* binding rows fill the lower layer from the upper (IP.proto) */
	if (l->payload && r) {
		const struct pk_rbind *bd =
		    pk_registry_build_row(r, p, l->payload->proto);
		int c;

		for (c = 0; bd && c < bd->nc; c++) {
			if (st[bd->idx[c]] & PK_FS_SET)
				continue;
			v[bd->idx[c]].u = bd->val[c];
			st[bd->idx[c]] = PK_FS_SET;
		}
	}
	/* length and count fields from the fields they size */
	for (i = 0; i < n; i++) {
		const struct pk_field *f = &p->fields[i];
		uint64_t size;
		int ref = f->ref;

		if (f->rel == PK_REL_NONE || ref < 0 || ref >= n ||
		    (st[ref] & PK_FS_SET))
			continue;
		if (pk_field_size(b->vm, l, f, &v[i], st[i], f->rel, &size) < 0)
			return -1;
		{
			int64_t x = (int64_t)size - f->add;

			if (f->mul > 1)
				x /= f->mul;
			v[ref].u = (uint64_t)(x < 0 ? 0 : x);
			st[ref] |= PK_FS_SET;
		}
	}
	if (v0) {
		memcpy(v0, v, (size_t)n * sizeof(*v));
		memcpy(st0, st, (size_t)n);
	}
	if (p->pre_build && p->pre_build(b, l, v, st) < 0)
		return -1;
	return 0;
}

/* The record of layer l when a template build records it, else NULL. */
static struct pk_brec_layer *rec_layer(struct pk_build *b,
                                       const struct pk_layer *l)
{
	struct pk_registry *r = b->reg;
	struct pk_brec *rec = r ? r->rec : NULL;
	struct pk_brec_layer *rl;
	int n;

	if (!rec || rec->bad)
		return NULL;
	/* only the top chain, not packets built inside fields (options) */
	if (rec->n && rec->layers[rec->n - 1].l != l->under)
		return NULL;
	if (!rec->n && l->under)
		return NULL;
	if (rec->n == PK_MAX_DEPTH) {
		rec->bad = true;
		return NULL;
	}
	n = l->proto->nfields;
	rl = &rec->layers[rec->n];
	memset(rl, 0, sizeof(*rl));
	rl->l = l;
	rl->v = pk_xmalloc(
	    (size_t)n * (2 * sizeof(*rl->v) + 2 * sizeof(int32_t) + 2) + 1);
	if (!rl->v) {
		rec->bad = true;
		return NULL;
	}
	rl->v0 = rl->v + n;
	rl->pos = (int32_t *)(rl->v0 + n);
	rl->end = rl->pos + n;
	rl->st = (uint8_t *)(rl->end + n);
	rl->st0 = rl->st + n;
	rec->n++;
	return rl;
}

static void rec_snap(struct pk_build *b, struct pk_brec_layer *rl)
{
	struct pk_brec *rec = ((struct pk_registry *)b->reg)->rec;

	if (!rl || rec->snapped)
		return;
	rec->snapped = true;
	if (pk_buf_add(&rec->image, b->out->buf, b->out->len) < 0)
		rec->bad = true;
}

int pk_build_put_len(struct pk_build *b, const struct pk_layer *l, int i,
                     size_t at, unsigned bytes, uint64_t v, const char *limit)
{
	uint8_t *p = (uint8_t *)b->out->buf + at;

	if (bytes < 8 && v >> (8 * bytes))
		return pk_field_error(
		    b->vm, &pk_exc_ValueError, l->proto, &l->proto->fields[i],
		    "%llu does not fit in %u bits%s%s%s", (unsigned long long)v,
		    8 * bytes, limit ? " (" : "", limit ? limit : "",
		    limit ? ")" : "");
	while (bytes--) {
		p[bytes] = (uint8_t)v;
		v >>= 8;
	}
	return 0;
}

int pk_build_layer(struct pk_build *b, struct pk_layer *l)
{
	const struct pk_proto *p = l->proto;
	union pk_fval vs[STACK_FIELDS], *v = vs;
	uint8_t sts[STACK_FIELDS], *st = sts;
	struct bitacc ba = {0, 0};
	struct pk_brec_layer *rl = NULL;
	size_t off = b->out->len, hlen;
	int n = p->nfields, i, rc = -1;

	if (b->reg && ((struct pk_registry *)b->reg)->rec)
		rl = rec_layer(b, l);
	if (p->flags & PK_PF_PADDING) {
		/* padding is outside every length and checksum: written at
		 * the very end by pk_packet_build (scapy's build_padding) */
		l->boff = off;
		l->blen = 0;
		if (rl) {
			rl->off = off;
			memcpy(rl->v, l->f, (size_t)n * sizeof(*v));
			memcpy(rl->st, l->st, (size_t)n);
			memcpy(rl->v0, l->f, (size_t)n * sizeof(*v));
			memcpy(rl->st0, l->st, (size_t)n);
			for (i = 0; i < n; i++)
				rl->pos[i] = rl->end[i] = -1;
		}
		return l->payload ? pk_build_layer(b, l->payload) : 0;
	}
	if (pk_vm_enter(b->vm) < 0)
		return -1;
	if (n > STACK_FIELDS) {
		v = pk_xmalloc((size_t)n * (sizeof(*v) + 1));
		if (!v) {
			pk_vm_leave(b->vm);
			return pk_raise_nomem(b->vm);
		}
		st = (uint8_t *)(v + n);
	}
	memcpy(v, l->f, (size_t)n * sizeof(*v));
	memcpy(st, l->st, (size_t)n);
	/* a set builds as its first packet, as scapy's raw() does */
	for (i = 0; i < n; i++) {
		if (!(st[i] & PK_FS_GEN))
			continue;
		if (rl)
			((struct pk_registry *)b->reg)->rec->bad = true;
		if (pk_gen_value(b->vm, l, i, 0, &v[i], &st[i]) < 0) {
			for (; i < n; i++)
				st[i] &= (uint8_t)~PK_FS_GEN;
			goto out;
		}
		st[i] |= PK_FS_GEN; /* marks a slot to release below */
	}
	if (l->partial) {
		if (rl)
			((struct pk_registry *)b->reg)->rec->bad = true;
		/* exactly the bytes it was read from */
		for (i = 0; i < n; i++) {
			if (!(st[i] & PK_FS_SET))
				continue;
			if (build_field(b, l, &p->fields[i], &v[i], st[i],
			                &ba) < 0)
				goto fail;
		}
		if (ba.n)
			put_bits(b->out, &ba, 8 - ba.n, 0);
		if (pk_buf_failed(b->out))
			goto fail;
		l->boff = off;
		l->blen = b->out->len - off;
		if (l->payload && pk_build_layer(b, l->payload) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	if (pk_build_fill(b, l, v, st, rl ? rl->v0 : NULL,
	                  rl ? rl->st0 : NULL) < 0)
		goto out;
	if (rl) {
		memcpy(rl->v, v, (size_t)n * sizeof(*v));
		memcpy(rl->st, st, (size_t)n);
	}
	for (i = 0; i < n; i++) {
		const struct pk_field *f = &p->fields[i];
		int pr = f->present ? f->present(b->vm, l, f) : 1;

		if (pr < 0)
			goto out;
		if (rl)
			rl->pos[i] = rl->end[i] = -1;
		if (!pr)
			continue;
		if (rl)
			rl->pos[i] = (int32_t)((b->out->len - off) * 8 + ba.n);
		if (build_field(b, l, f, &v[i], st[i], &ba) < 0)
			goto fail;
		if (rl)
			rl->end[i] = (int32_t)((b->out->len - off) * 8 + ba.n);
	}
	if (ba.n)
		put_bits(b->out, &ba, 8 - ba.n, 0);
	if (pk_buf_failed(b->out))
		goto fail;
	hlen = b->out->len - off;
	l->boff = off;
	l->blen = hlen;
	if (l->payload && pk_build_layer(b, l->payload) < 0)
		goto out;
	l->blen = b->out->len - off;
	if (rl) {
		rl->off = off;
		rl->hlen = hlen;
		rl->len = l->blen;
		if (p->post_build)
			rec_snap(b, rl);
	}
	if (p->post_build &&
	    p->post_build(b, l, off, hlen, b->out->len - off) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	/* a field write that ran out of memory raises nothing itself */
	if (pk_buf_failed(b->out) || pk_is_undef(pk_vm_exception(b->vm)))
		pk_raise_nomem(b->vm);
out:
	for (i = 0; i < n; i++)
		if ((st[i] & PK_FS_GEN) && (st[i] & PK_FS_OBJ))
			pk_decref(v[i].v);
	if (v != vs)
		pk_xfree(v);
	pk_vm_leave(b->vm);
	return rc;
}

void pk_build_put(uint8_t *buf, int32_t pos, const struct pk_field *f,
                  const union pk_fval *v)
{
	unsigned bits = f->bits, i;
	uint64_t x = v->u;

	switch (f->kind) {
	case PK_FK_MAC:
		memcpy(buf + pos / 8, v->b, 6);
		return;
	case PK_FK_IP4:
		memcpy(buf + pos / 8, v->b, 4);
		return;
	case PK_FK_IP6:
		memcpy(buf + pos / 8, v->b, 16);
		return;
	default:
		break;
	}
	if (bits < 64)
		x &= ((uint64_t)1 << bits) - 1;
	if (pos % 8 == 0 && bits % 8 == 0) {
		uint8_t *q = buf + pos / 8;

		if (f->flags & PK_FF_LE) {
			for (i = 0; i < bits / 8; i++)
				q[i] = (uint8_t)(x >> (8 * i));
		} else {
			for (i = 0; i < bits / 8; i++)
				q[i] = (uint8_t)(x >> (bits - 8 * (i + 1)));
		}
		return;
	}
	/* MSB first, as put_bits packs it */
	for (i = 0; i < bits; i++) {
		unsigned at = (unsigned)pos + i;
		uint8_t m = (uint8_t)(0x80u >> (at % 8));

		if ((x >> (bits - 1 - i)) & 1)
			buf[at / 8] |= m;
		else
			buf[at / 8] &= (uint8_t)~m;
	}
}

void pk_brec_release(struct pk_brec *rec)
{
	int i;

	for (i = 0; i < rec->n; i++)
		pk_xfree(rec->layers[i].v);
	rec->n = 0;
	pk_buf_release(&rec->image);
}

/* Padding layers' bytes go after everything else (scapy's build_padding). */
static int add_padding(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	for (; l; l = l->payload) {
		if (!(l->proto->flags & PK_PF_PADDING) ||
		    !(l->st[0] & PK_FS_OBJ) || !pk_is_bytes(l->f[0].v))
			continue;
		if (pk_buf_add(out, pk_as_bytes(l->f[0].v)->b,
		               pk_as_bytes(l->f[0].v)->len) < 0)
			return pk_raise_nomem(vm);
	}
	return 0;
}

int pk_packet_build(struct pk_vm *vm, pk_val pkt, struct pk_buf *out)
{
	struct pk_build b;

	if (!pk_is_packet(pkt))
		return pk_raise(vm, &pk_exc_TypeError,
		                "expected a packet, got '%s'",
		                pk_typename(pkt));
	if (((struct pk_layer *)pkt.u.o)->lazy) {
		/* untouched since dissection: its bytes (scapy's raw cache) */
		const struct pk_layer *l = (struct pk_layer *)pkt.u.o;

		if (pk_buf_add(out, l->f, l->raw.len) < 0)
			return pk_raise_nomem(vm);
		return 0;
	}
	b.vm = vm;
	b.out = out;
	b.reg = pk_registry(vm);
	if (!b.reg)
		return -1;
	if (((struct pk_registry *)b.reg)->prebuilt) {
		int rc = pk_tmpl_build(vm, b.reg, pk_as_layer(pkt), out);

		if (rc)
			return rc < 0 ? -1 : 0;
	}
	if (pk_build_layer(&b, pk_as_layer(pkt)) < 0)
		return -1;
	return add_padding(vm, pk_as_layer(pkt), out);
}

int pk_build_record(struct pk_vm *vm, pk_val pkt, struct pk_brec *rec,
                    struct pk_buf *out)
{
	struct pk_registry *r = pk_registry(vm);
	struct pk_brec *saved;
	int rc;

	if (!r)
		return -1;
	saved = r->rec;
	r->rec = rec;
	rc = pk_build_layer(&(struct pk_build){vm, out, r}, pk_as_layer(pkt));
	r->rec = saved;
	if (rc < 0)
		return -1;
	if (!rec->snapped) {
		rec->snapped = true;
		if (pk_buf_add(&rec->image, out->buf, out->len) < 0)
			rec->bad = true;
	}
	return add_padding(vm, pk_as_layer(pkt), out);
}
