/*
 * dissect_skim.c - haslayer() on a lazy packet without building it.
 *
 * rdpcap() keeps each packet as its bytes (pk_packet_dissect); a question
 * such as `p.haslayer(TCP)` used to dissect the whole chain into layers,
 * look, and free them again: two thirds of the time of a loop over a
 * capture, most of it in malloc and free. The skim walks the same chain
 * with the same code - the field tables through pk_dissect_skim_header(),
 * the protos' extract_padding and guess_payload hooks, the binding rows -
 * but on layers made in a buffer on the stack, and it steps over the
 * values that nothing reads while dissecting (payload bytes, IP and TCP
 * options) instead of making objects of them. It stops as soon as the
 * answer is known: at the first final layer of the class asked for, or
 * when no class that may come next can lead to it (pk_registry_may_reach),
 * so a DNS query is not decoded to learn that it holds no TCP.
 *
 * The walk is dissect_chain()'s, step for step (keep the two in step).
 * What the skim cannot decide alone it leaves to the full path (-1): a
 * layer with its own dissect hook on the way to the class, Raw or Padding
 * asked for, a chain too deep for the buffer. tests/packet/test_skim.c
 * checks that both give the same answer for every class, over the layer
 * vectors, a generated capture, and truncated and random bytes.
 */
#include <stddef.h>
#include <string.h>

#include "engine.h"

/*
 * What the skim needs of a proto, made once per VM: which fields it may
 * step over, the values of a new layer, and the leading fields that sit
 * at fixed bit offsets (IP's first 20 bytes, TCP's, Ether, UDP, IPv6),
 * which are decoded straight from one copy of their bytes when all of
 * them are there.
 */
#define PLAN_SIZE 128
#define FIX_MAX   24
struct fixf {
	uint16_t bit; /* offset in the prefix */
	uint8_t bits; /* width */
	uint8_t kind; /* PK_FK_INT, _MAC, _IP4, _IP6 */
	uint8_t le, sgn;
};
struct plan {
	const struct pk_proto *p; /* NULL: empty */
	uint64_t skip;            /* bit i: field i is stepped over */
	union pk_fval *def;       /* a new layer's values and states */
	uint8_t *defst;
	uint8_t nfix, fixbytes; /* fields [0, nfix): fix[], fixbytes bytes */
	bool tail_skips;        /* every field after them is stepped over */
	bool objs;              /* some field may be read into an object */
	struct fixf fix[FIX_MAX];
	/* pk_registry_may_reach(p, want) for the last want asked */
	const struct pk_proto *want;
	unsigned gen;
	bool reach;
};
struct skim_state {
	unsigned gen; /* moves on when a binding row is added */
	struct plan plans[PLAN_SIZE];
};

static const char skim_key; /* module data key */

/*
 * IP's and TCP's options (IPerror and TCPerror share the tables): their
 * protos' hooks read only the header lengths (ip_extract_padding), and
 * both option dissectors read exactly their length-sized window and never
 * run out of bytes (ip.c and tcp.c opts_dissect), which is what
 * skip_field() in dissect.c does.
 */
static bool options_exempt(const struct pk_proto *p, const struct pk_field *f)
{
	return (p->fields == pk_proto_ip.fields ||
	        p->fields == pk_proto_tcp.fields) &&
	       f->rel == PK_REL_LEN && !strcmp(f->name, "options");
}

/*
 * A value may be left undecoded when no code that runs during dissection
 * can look at it: a byte string, or a list sized by a length field, in a
 * proto with no hook at all (no present, field dissect, extract_padding or
 * guess_payload hook besides the field's own), plus the options above.
 */
static uint64_t skip_mask(const struct pk_proto *p)
{
	bool hooks = p->extract_padding || p->guess_payload;
	int ndis = 0, i;
	uint64_t skip = 0;

	for (i = 0; i < p->nfields; i++) {
		if (p->fields[i].present)
			hooks = true;
		if (p->fields[i].ops && p->fields[i].ops->dissect)
			ndis++;
	}
	for (i = 0; i < p->nfields && i < 64; i++) {
		const struct pk_field *f = &p->fields[i];
		bool own = f->ops && f->ops->dissect;
		bool plain = !hooks && ndis == (own ? 1 : 0);

		if (options_exempt(p, f) &&
		    (f->kind == PK_FK_PKTLIST || f->kind == PK_FK_CUSTOM))
			skip |= (uint64_t)1 << i;
		else if (plain && !own &&
		         (f->kind == PK_FK_BYTES ||
		          (f->kind == PK_FK_PKTLIST && f->rel == PK_REL_LEN)))
			skip |= (uint64_t)1 << i;
	}
	return skip;
}

/*
 * The fixed prefix: the leading fields read_field() decodes with no hook
 * and no say of earlier values (integers, addresses), up to a whole byte.
 * An address that would start inside a byte ends it (read_field() reads
 * those from the next whole byte), as does an integer spanning more than
 * 8 bytes.
 */
static void fixed_prefix(struct plan *pl, const struct pk_proto *p)
{
	unsigned bit = 0, i, whole = 0, nwhole = 0;

	for (i = 0; i < p->nfields && i < FIX_MAX; i++) {
		const struct pk_field *f = &p->fields[i];
		struct fixf *x = &pl->fix[i];
		unsigned w;

		if (f->present || (f->ops && f->ops->dissect) ||
		    ((pl->skip >> i) & 1))
			break;
		if (f->kind == PK_FK_INT)
			w = f->bits;
		else if (f->kind == PK_FK_MAC)
			w = 48;
		else if (f->kind == PK_FK_IP4)
			w = 32;
		else if (f->kind == PK_FK_IP6)
			w = 128;
		else
			break;
		if (!w ||
		    (f->kind == PK_FK_INT && (w > 64 || bit % 8 + w > 64)) ||
		    (f->kind != PK_FK_INT && bit % 8) || bit + w > 255 * 8)
			break;
		x->bit = (uint16_t)bit;
		x->bits = (uint8_t)(w > 255 ? 0 : w);
		x->kind = f->kind;
		x->le = (f->flags & PK_FF_LE) && bit % 8 == 0 && w % 8 == 0;
		x->sgn = (f->flags & PK_FF_SIGNED) && w < 64;
		bit += w;
		if (bit % 8 == 0) {
			whole = bit / 8;
			nwhole = i + 1;
		}
	}
	pl->nfix = (uint8_t)nwhole;
	pl->fixbytes = (uint8_t)whole;
}

static void plan_clear(struct plan *pl)
{
	pk_xfree(pl->def);
	memset(pl, 0, sizeof(*pl));
}

/* The plan of p; NULL when out of memory (no exception left). */
static struct plan *plan_of(struct skim_state *s, const struct pk_proto *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15u;
	struct plan *pl = &s->plans[(h >> 32) % PLAN_SIZE];
	size_t n = p->nfields, i;

	if (pl->p == p)
		return pl;
	plan_clear(pl);
	pl->def = pk_xmalloc(n * sizeof(union pk_fval) + n + 1);
	if (!pl->def)
		return NULL;
	pl->defst = (uint8_t *)(pl->def + n);
	for (i = 0; i < n; i++)
		pk_field_default(&p->fields[i], &pl->def[i], &pl->defst[i]);
	pl->skip = skip_mask(p);
	fixed_prefix(pl, p);
	pl->tail_skips = true;
	for (i = pl->nfix; i < n; i++) {
		bool skipped = i < 64 && ((pl->skip >> i) & 1);

		if (!skipped || p->fields[i].present)
			pl->tail_skips = false;
		if (!skipped)
			pl->objs = true;
	}
	pl->p = p;
	return pl;
}

static void skim_state_free(void *arg)
{
	struct skim_state *s = arg;
	size_t i;

	for (i = 0; i < PLAN_SIZE; i++)
		plan_clear(&s->plans[i]);
	pk_xfree(s);
}

static struct skim_state *skim_state(struct pk_vm *vm)
{
	struct skim_state *s = pk_vm_module_data(vm, &skim_key);

	if (s)
		return s;
	s = pk_xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (pk_vm_set_module_data(vm, &skim_key, s, skim_state_free) < 0) {
		pk_xfree(s);
		pk_vm_clear_error(vm);
		return NULL;
	}
	return s;
}

void pk_dissect_skim_forget(struct pk_vm *vm)
{
	struct skim_state *s = pk_vm_module_data(vm, &skim_key);

	if (s)
		s->gen++;
}

static bool may_reach(struct pk_vm *vm, struct skim_state *s, struct plan *pl,
                      const struct pk_proto *want)
{
	if (pl->want != want || pl->gen != s->gen) {
		pl->want = want;
		pl->gen = s->gen;
		pl->reach = pk_registry_may_reach(vm, pl->p, want);
	}
	return pl->reach;
}

/* Byte k of a window that holds it (the caller checked the length). */
static inline uint8_t at(const struct pk_cursor *w, unsigned k)
{
	return (uint8_t)pk_cur_peek(w, k);
}

/* Decode the fixed prefix (c holds all of its bytes). */
static void read_fixed(const struct plan *pl, struct pk_layer *l,
                       struct pk_cursor *c)
{
	struct pk_cursor w = pk_cur_sub(c, pl->fixbytes, NULL);
	unsigned i, k;

	for (i = 0; i < pl->nfix; i++) {
		const struct fixf *x = &pl->fix[i];
		unsigned o = x->bit / 8;
		union pk_fval *v = &l->f[i];

		switch (x->kind) {
		case PK_FK_MAC:
			for (k = 0; k < 6; k++)
				v->b[k] = at(&w, o + k);
			break;
		case PK_FK_IP4:
			for (k = 0; k < 4; k++)
				v->b[k] = at(&w, o + k);
			break;
		case PK_FK_IP6:
			for (k = 0; k < 16; k++)
				v->b[k] = at(&w, o + k);
			break;
		default: {
			unsigned sh = x->bit % 8, nb = (sh + x->bits + 7) / 8;
			uint64_t acc = 0;

			if (x->le) {
				for (k = nb; k > 0; k--)
					acc = (acc << 8) | at(&w, o + k - 1);
			} else {
				for (k = 0; k < nb; k++)
					acc = (acc << 8) | at(&w, o + k);
				acc >>= nb * 8 - sh - x->bits;
				if (x->bits < 64)
					acc &= ((uint64_t)1 << x->bits) - 1;
			}
			if (x->sgn && ((acc >> (x->bits - 1)) & 1))
				acc |= ~(((uint64_t)1 << x->bits) - 1);
			v->u = acc;
			break;
		}
		}
		/* a plain store: the state bytes were just copied in */
		l->st[i] = (uint8_t)(pl->defst[i] | PK_FS_SET);
	}
}

/* The layers of one skim: a stack buffer, nothing to free but values. */
#define SKIM_BYTES  4096
#define SKIM_LAYERS 16
struct skim {
	union {
		max_align_t align;
		unsigned char b[SKIM_BYTES];
	} buf;
	size_t used;
	struct pk_layer *ls[SKIM_LAYERS]; /* those that may hold objects */
	int nl;
};

/* A layer of defaults, as pk_layer_new() makes, in the buffer; NULL when
 * the buffer is full (the caller goes the full way). */
static struct pk_layer *skim_layer(struct skim *s, const struct plan *pl)
{
	size_t n = pl->p->nfields;
	size_t sz = sizeof(struct pk_layer) + n * sizeof(union pk_fval) + n;
	struct pk_layer *l;

	sz = (sz + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (sz > SKIM_BYTES - s->used || (pl->objs && s->nl == SKIM_LAYERS))
		return NULL;
	l = (struct pk_layer *)(s->buf.b + s->used);
	s->used += sz;
	memset(l, 0, sizeof(*l));
	/* a count no reference a hook might take can bring to zero */
	l->h.refcnt = 1u << 30;
	l->h.type = &pk_type_packet;
	l->proto = pl->p;
	l->st = (uint8_t *)(l->f + n);
	memcpy(l->f, pl->def, n * sizeof(union pk_fval) + n);
	if (pl->objs)
		s->ls[s->nl++] = l;
	return l;
}

static void skim_release(struct skim *s)
{
	int k;

	for (k = 0; k < s->nl; k++) {
		struct pk_layer *l = s->ls[k];
		size_t i;

		for (i = 0; i < l->proto->nfields; i++)
			if (l->st[i] & PK_FS_OBJ)
				pk_slot_clear(&l->f[i], &l->st[i]);
	}
}

int pk_dissect_skim_has(struct pk_vm *vm, const struct pk_proto *first,
                        const uint8_t *data, size_t len,
                        const struct pk_proto *want)
{
	struct pk_cursor c = pk_cur_make(data, len);
	struct pk_layer *head = NULL, *tail = NULL, *l;
	const struct pk_proto *p = first;
	struct skim_state *st;
	struct pk_dissect d;
	struct skim s;
	int depth = 0, r = -1;

	if (want->flags & PK_PF_RAW)
		return -1; /* Raw and Padding come from anywhere */
	st = skim_state(vm);
	d.reg = pk_registry(vm);
	if (!st || !d.reg) {
		pk_vm_clear_error(vm);
		return -1;
	}
	d.vm = vm;
	d.start = data;
	d.end = data + len;
	d.depth = 0;
	s.used = 0;
	s.nl = 0;
	/* each `break` leaves r: 1 found, 0 not in the chain, -1 ask the
	 * full path; the layers before the current one are final */
	while (p) {
		struct pk_cursor pay;
		struct plan *pl;
		int from = 0;

		if (p->flags & PK_PF_RAW) {
			r = 0; /* nothing but Padding follows Raw */
			break;
		}
		pl = plan_of(st, p);
		if (!pl)
			break;
		if (!may_reach(vm, st, pl, want)) {
			r = 0; /* only Raw and Padding can follow */
			break;
		}
		if (p->dissect)
			break;
		l = skim_layer(&s, pl);
		if (!l)
			break;
		if (pl->fixbytes && pk_cur_left(&c) >= pl->fixbytes) {
			read_fixed(pl, l, &c);
			from = pl->nfix;
		}
		if (from && pl->tail_skips) {
			/* the rest of pk_dissect_skim_header()'s loop */
			for (; from < p->nfields && pk_cur_left(&c); from++)
				pk_dissect_skip_field(l, &p->fields[from], &c);
		} else if (pk_dissect_skim_header(&d, l, &c, pl->skip, from) <
		           0) {
			pk_vm_clear_error(vm);
			break;
		}
		if (c.truncated && head) {
			r = 0; /* cut inside a field: this layer is Raw */
			break;
		}
		if (tail)
			tail->payload = l;
		else
			head = l;
		l->under = tail;
		tail = l;
		if (c.truncated) {
			r = l->proto ==
			    want; /* the first layer; the rest Raw */
			break;
		}
		p = l->proto;
		if (p->extract_padding) {
			pay = c;
			p->extract_padding(l, &pay);
			if (pay.truncated) {
				/* a payload layer is redone as Raw; the first
				 * stays, with the rest as Raw */
				r = l == head && l->proto == want;
				break;
			}
			c.end = pay.end;
		}
		if (l->proto == want) {
			r = 1;
			break;
		}
		if (!pk_cur_left(&c) || ++depth >= PK_MAX_DEPTH) {
			r = 0;
			break;
		}
		if (p->guess_payload)
			p = p->guess_payload(&d, l, &c);
		else
			p = pk_registry_guess(d.reg, l);
		if (!p)
			r = 0; /* Raw */
	}
	skim_release(&s);
	return r;
}
