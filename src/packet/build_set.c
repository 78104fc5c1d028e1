/*
 * build_set.c - the packets of an implicit set built from a template, as
 * masscan builds its probes: the first packet is built once, recording
 * where each field went; every other packet is those bytes with the
 * varying fields written over, and the post_build hooks (lengths,
 * checksums) rerun on the result. That is exactly what a full build
 * does when every header write but the varying fields' stays the same,
 * which tmpl_prepare() checks field by field; a set that does not qualify
 * (a varying field that changes a length, sits among fields built by
 * hooks, or decides another field's presence) takes the general path.
 */
#include <string.h>

#include "engine.h"

#define MAX_FIELDS 64

enum { T_UNTRIED, T_READY, T_NO };

struct pk_tmpl {
	unsigned refs;
	int state; /* T_*: the first build prepares it */
	struct pk_vm *vm;
	struct pk_registry *reg;
	int n;         /* layers */
	int ng;        /* varying fields */
	size_t nb, np; /* registry rows and classes it was made with */
	int gens[2 * 64];
	const struct pk_proto *protos[PK_MAX_DEPTH];
	uint64_t genmask[PK_MAX_DEPTH]; /* per layer: its varying fields */
	uint64_t ok[PK_MAX_DEPTH];      /* per layer: fields we can patch */
	uint64_t fill;                  /* layers whose pre_build may vary */
	uint64_t pres;                  /* layers with presence hooks */
	struct pk_brec rec;
	struct pk_buf bytes; /* the first packet, padding included */
	struct pk_buf probe; /* scratch for the self-check */
	/* every layer's slots and state bytes as first offered: the fixed
	 * fields of every packet of the set (see pk_tmpl_offer) */
	struct pk_buf base;
	int bn; /* its layers, 0: none yet */
	const struct pk_proto *bprotos[PK_MAX_DEPTH];
	size_t boff[PK_MAX_DEPTH]; /* where each layer starts in base */
	union pk_fval v[MAX_FIELDS];
	uint8_t st[MAX_FIELDS];
};

/* The offer of pk_tmpl_offer: a packet and a copy of its values. */
struct pk_prebuilt {
	struct pk_layer *pkt; /* owned reference, NULL: none */
	struct pk_tmpl *t;    /* owned reference */
	int n;
	const struct pk_layer *chain[PK_MAX_DEPTH];
};

static const char prebuilt_key;

void pk_tmpl_unref(struct pk_tmpl *t)
{
	if (!t || --t->refs)
		return;
	pk_brec_release(&t->rec);
	pk_buf_release(&t->bytes);
	pk_buf_release(&t->probe);
	pk_buf_release(&t->base);
	pk_xfree(t);
}

static bool immutable(pk_val v)
{
	return pk_is_bytes(v) || pk_is_str(v);
}

/* Field j of layer d can be written over in place. */
static bool patchable(const struct pk_brec_layer *rl, const struct pk_field *f,
                      int j)
{
	int32_t w = rl->end[j] - rl->pos[j];

	/* a conditional field is patchable: each member's presence is
	 * checked against the template's first (t->pres) */
	if (rl->pos[j] < 0 || f->rel != PK_REL_NONE ||
	    (f->ops && f->ops->build))
		return false;
	switch (f->kind) {
	case PK_FK_INT:
		return f->bits >= 1 && f->bits <= 64 && w == f->bits;
	case PK_FK_MAC:
		return rl->pos[j] % 8 == 0 && w == 48;
	case PK_FK_IP4:
		return rl->pos[j] % 8 == 0 && w == 32;
	case PK_FK_IP6:
		return rl->pos[j] % 8 == 0 && w == 128;
	default:
		return false;
	}
}

/*
 * A layer whose fields may be patched: no field built by a hook (TCP
 * options, ICMP's code) wrote anything, since such a hook may read its
 * neighbours' values.
 */
static bool clean(const struct pk_brec_layer *rl, const struct pk_proto *p)
{
	int k;

	for (k = 0; k < p->nfields; k++) {
		const struct pk_field *f = &p->fields[k];

		if (!f->ops || !f->ops->build || rl->pos[k] < 0)
			continue;
		if (rl->end[k] != rl->pos[k] || (rl->st[k] & PK_FS_SET))
			return false;
	}
	return true;
}

_Static_assert(sizeof(union pk_fval) == 16, "fval_eq compares 16 bytes");

/* memcmp of two slots, without the call (it runs per field per packet) */
static inline bool fval_eq(const union pk_fval *a, const union pk_fval *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return x[0] == y[0] && x[1] == y[1];
}

static int chain_of(const struct pk_tmpl *t, struct pk_layer *w,
                    struct pk_layer **ls)
{
	int d = 0;

	for (; w; w = w->payload, d++) {
		if (d == t->n || w->proto != t->protos[d])
			return -1;
		ls[d] = w;
	}
	return d == t->n ? 0 : -1;
}

/*
 * Append packet w of t's set to out: 1 done, 0 when this packet cannot
 * come from the template (out unchanged), -1 error.
 */
static int tmpl_make(struct pk_vm *vm, struct pk_tmpl *t, struct pk_layer *w,
                     struct pk_buf *out)
{
	struct pk_layer *ls[PK_MAX_DEPTH];
	struct pk_build b = {vm, out, t->reg};
	size_t base = out->len;
	uint8_t *buf;
	int d;

	if (chain_of(t, w, ls) < 0)
		return 0;
	if (pk_buf_add(out, t->rec.image.buf, t->rec.image.len) < 0)
		return pk_raise_nomem(vm);
	for (d = 0; d < t->n; d++) {
		const struct pk_brec_layer *rl = &t->rec.layers[d];
		const struct pk_proto *p = t->protos[d];
		struct pk_layer *l = ls[d];
		uint64_t m;
		int j, nf = p->nfields;

		if (t->pres >> d & 1) {
			for (j = 0; j < nf; j++) {
				const struct pk_field *f = &p->fields[j];
				int pr;

				if (!f->present)
					continue;
				pr = f->present(vm, l, f);
				if (pr < 0)
					goto fail;
				if (pr != (rl->pos[j] >= 0))
					goto fallback;
			}
		}
		buf = (uint8_t *)out->buf + base + rl->off;
		if (t->fill >> d & 1) {
			/* binding rows and relations do not depend on the
			 * varying fields (set, fixed size): only pre_build */
			memcpy(t->v, rl->v0, (size_t)nf * sizeof(t->v[0]));
			memcpy(t->st, rl->st0, (size_t)nf);
			for (m = t->genmask[d], j = 0; m; m >>= 1, j++) {
				if (m & 1) {
					t->v[j] = l->f[j];
					t->st[j] = l->st[j];
				}
			}
			if (p->pre_build(&b, l, t->v, t->st) < 0)
				goto fail;
			buf = (uint8_t *)out->buf + base + rl->off;
			for (j = 0; j < nf; j++) {
				bool gen = t->genmask[d] >> j & 1;

				if (!gen && t->st[j] == rl->st[j] &&
				    fval_eq(&t->v[j], &rl->v[j]))
					continue;
				if (!(t->ok[d] >> j & 1))
					goto fallback;
				pk_build_put(buf, rl->pos[j], &p->fields[j],
				             &t->v[j]);
			}
			continue;
		}
		for (m = t->genmask[d], j = 0; m; m >>= 1, j++)
			if (m & 1)
				pk_build_put(buf, rl->pos[j], &p->fields[j],
				             &l->f[j]);
	}
	/* checksums read the pseudo-header at the lower layer's boff */
	for (d = 0; d < t->n; d++) {
		ls[d]->boff = base + t->rec.layers[d].off;
		ls[d]->blen = t->rec.layers[d].len;
	}
	for (d = t->n; d-- > 0;) {
		const struct pk_brec_layer *rl = &t->rec.layers[d];
		const struct pk_proto *p = t->protos[d];

		if (!p->post_build || (p->flags & PK_PF_PADDING))
			continue;
		if (p->post_build(&b, ls[d], base + rl->off, rl->hlen,
		                  rl->len) < 0)
			goto fail;
	}
	if (pk_buf_add(out, t->bytes.buf + t->rec.image.len,
	               t->bytes.len - t->rec.image.len) < 0)
		return pk_raise_nomem(vm);
	return 1;
fallback:
	pk_buf_setlen(out, base);
	return 0;
fail:
	pk_buf_setlen(out, base);
	return -1;
}

int pk_tmpl_new(struct pk_vm *vm, const int *gens, int ng, struct pk_tmpl **out)
{
	struct pk_tmpl *t;
	int k;

	*out = NULL;
	if (ng > 64)
		return 0;
	t = pk_xcalloc(1, sizeof(*t));
	if (!t)
		return pk_raise_nomem(vm);
	t->refs = 1;
	t->vm = vm;
	t->reg = pk_registry(vm);
	if (!t->reg) {
		pk_xfree(t);
		return -1;
	}
	t->ng = ng;
	memcpy(t->gens, gens, (size_t)ng * 2 * sizeof(int));
	for (k = 0; k < ng; k++)
		if (gens[2 * k] >= PK_MAX_DEPTH) {
			pk_xfree(t);
			return 0;
		}
	pk_buf_init(&t->rec.image, 0);
	pk_buf_init(&t->base, 0);
	*out = t;
	return 0;
}

/*
 * Build w (a packet of the set) recording it, and decide whether the
 * other packets can be made from it: T_READY or T_NO. Errors are left to
 * the general build, which meets them again.
 */
static int tmpl_prepare(struct pk_vm *vm, struct pk_tmpl *t, struct pk_layer *w)
{
	struct pk_layer *l;
	int d, k, rc;

	for (l = w, d = 0; l; l = l->payload, d++) {
		if (d == PK_MAX_DEPTH || l->proto->nfields > MAX_FIELDS ||
		    l->partial)
			return T_NO;
		t->protos[d] = l->proto;
		for (k = 0; k < l->proto->nfields; k++)
			if ((l->st[k] & PK_FS_GEN) ||
			    ((l->st[k] & PK_FS_OBJ) && !immutable(l->f[k].v)))
				return T_NO;
	}
	t->n = d;
	t->nb = t->reg->nb;
	t->np = t->reg->n;
	rc = pk_build_record(vm, pk_obj_take(w), &t->rec, &t->bytes);
	if (rc < 0) {
		pk_vm_clear_error(vm);
		return T_NO;
	}
	if (t->rec.bad || t->rec.n != t->n || !t->rec.snapped ||
	    t->rec.image.len > t->bytes.len)
		return T_NO;
	for (d = 0; d < t->n; d++) {
		const struct pk_brec_layer *rl = &t->rec.layers[d];
		const struct pk_proto *p = t->protos[d];

		if (p->pre_build)
			t->fill |= (uint64_t)1 << d;
		for (k = 0; k < p->nfields; k++)
			if (p->fields[k].present)
				t->pres |= (uint64_t)1 << d;
		if (!clean(rl, p))
			continue;
		for (k = 0; k < p->nfields; k++)
			if (patchable(rl, &p->fields[k], k))
				t->ok[d] |= (uint64_t)1 << k;
	}
	for (k = 0; k < t->ng; k++) {
		d = t->gens[2 * k];
		if (d >= t->n || !(t->ok[d] >> t->gens[2 * k + 1] & 1))
			return T_NO;
		t->genmask[d] |= (uint64_t)1 << t->gens[2 * k + 1];
	}
	/* the replay must give back the packet just built */
	t->state = T_READY;
	rc = tmpl_make(vm, t, w, &t->probe);
	if (rc < 0)
		pk_vm_clear_error(vm);
	if (rc > 0 && t->probe.len == t->bytes.len &&
	    !memcmp(t->probe.buf, t->bytes.buf, t->bytes.len))
		rc = T_READY;
	else
		rc = T_NO;
	pk_buf_release(&t->probe);
	return rc;
}

/* Packet l of t's set into out, preparing t on first use. */
static int tmpl_use(struct pk_vm *vm, struct pk_tmpl *t, struct pk_layer *l,
                    struct pk_buf *out)
{
	if (t->state == T_UNTRIED) {
		t->state = tmpl_prepare(vm, t, l);
		if (t->state != T_READY) {
			pk_brec_release(&t->rec);
			pk_buf_release(&t->bytes);
			return 0;
		}
		/* what was just built is l's bytes */
		if (pk_buf_add(out, t->bytes.buf, t->bytes.len) < 0)
			return pk_raise_nomem(vm);
		return 1;
	}
	return tmpl_make(vm, t, l, out);
}

static void prebuilt_clear(struct pk_prebuilt *pb)
{
	if (pb->pkt)
		pk_decref(pk_obj_take(pb->pkt));
	pk_tmpl_unref(pb->t);
	pb->pkt = NULL;
	pb->t = NULL;
}

static void prebuilt_free(void *p)
{
	struct pk_prebuilt *pb = p;

	prebuilt_clear(pb);
	pk_xfree(pb);
}

void pk_tmpl_withdraw(struct pk_tmpl *t)
{
	if (t->reg->prebuilt)
		prebuilt_clear(t->reg->prebuilt);
}

/* w's slots and state bytes, layer after layer, as t's base */
static int take_base(struct pk_tmpl *t, const struct pk_layer *w)
{
	const struct pk_layer *l;
	size_t need = 0;
	char *q;
	int n = 0;

	for (l = w; l; l = l->payload, n++) {
		if (n == PK_MAX_DEPTH)
			return -1;
		t->bprotos[n] = l->proto;
		t->boff[n] = need;
		need += l->proto->nfields * (sizeof(l->f[0]) + 1);
	}
	if (pk_buf_grow(&t->base, need) < 0)
		return -1;
	q = t->base.buf;
	for (l = w; l; l = l->payload) {
		size_t nf = l->proto->nfields;

		memcpy(q, l->f, nf * sizeof(l->f[0]));
		memcpy(q + nf * sizeof(l->f[0]), l->st, nf);
		q += nf * (sizeof(l->f[0]) + 1);
	}
	pk_buf_setlen(&t->base, need);
	t->bn = n;
	return 0;
}

/*
 * Every packet of a set holds the same values but in its varying fields:
 * the first offer copies all of them (t->base), later ones write only
 * the varying fields' over it. pk_tmpl_build then sees a packet changed
 * since its offer as one that differs from the base (a packet whose
 * fixed fields were changed before its offer differs too, and builds the
 * general way: never a false match).
 */
void pk_tmpl_offer(struct pk_tmpl *t, struct pk_layer *w)
{
	struct pk_vm *vm = t->vm;
	struct pk_registry *r = t->reg;
	struct pk_prebuilt *pb;
	const struct pk_layer *l;
	int k;

	pb = r->prebuilt;
	if (!pb) {
		/* a failure only means no offers: the general path builds */
		pb = pk_xcalloc(1, sizeof(*pb));
		if (!pb)
			return;
		if (pk_vm_set_module_data(vm, &prebuilt_key, pb,
		                          prebuilt_free) < 0) {
			prebuilt_free(pb);
			pk_vm_clear_error(vm);
			return;
		}
		r->prebuilt = pb;
	}
	prebuilt_clear(pb);
	for (pb->n = 0, l = w; l; l = l->payload) {
		if (pb->n == PK_MAX_DEPTH)
			return;
		pb->chain[pb->n++] = l;
	}
	if (!t->bn && take_base(t, w) < 0)
		return;
	if (pb->n != t->bn)
		return;
	for (k = 0; k < pb->n; k++)
		if (pb->chain[k]->proto != t->bprotos[k])
			return;
	for (k = 0; k < t->ng; k++) {
		int d = t->gens[2 * k], j = t->gens[2 * k + 1];
		size_t nf;
		char *q;

		if (d >= pb->n || j >= t->bprotos[d]->nfields)
			return;
		nf = (size_t)t->bprotos[d]->nfields;
		q = t->base.buf + t->boff[d];
		memcpy(q + (size_t)j * sizeof(w->f[0]), &pb->chain[d]->f[j],
		       sizeof(w->f[0]));
		q[nf * sizeof(w->f[0]) + (size_t)j] = (char)pb->chain[d]->st[j];
	}
	pb->pkt = w;
	w->h.refcnt++;
	pb->t = t;
	t->refs++;
}

int pk_tmpl_build(struct pk_vm *vm, struct pk_registry *r, struct pk_layer *l,
                  struct pk_buf *out)
{
	struct pk_prebuilt *pb = r->prebuilt;
	struct pk_tmpl *t;
	const struct pk_layer *c;
	const char *s;
	int d = 0;

	if (!pb || pb->pkt != l || pb->t->state == T_NO)
		return 0;
	t = pb->t;
	/* bind_layers() since the template was made: its bytes may be stale */
	if (t->state == T_READY && (t->nb != r->nb || t->np != r->n))
		return 0;
	/* unchanged since the offer: same chain, same values */
	s = t->base.buf;
	for (c = l; c; c = c->payload, d++) {
		size_t nf = c->proto->nfields;

		if (d == pb->n || pb->chain[d] != c ||
		    c->proto != t->bprotos[d] ||
		    memcmp(s, c->f, nf * sizeof(c->f[0])) ||
		    memcmp(s + nf * sizeof(c->f[0]), c->st, nf))
			return 0;
		s += nf * (sizeof(c->f[0]) + 1);
	}
	if (d != pb->n)
		return 0;
	return tmpl_use(vm, t, l, out);
}
