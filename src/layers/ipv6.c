/*
 * ipv6.c - IPv6 (RFC 8200) and IPerror6, the IPv6 quoted in ICMPv6 errors.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Source Address (128 bits)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination Address (128 bits)               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * As in scapy: plen and nh are filled at build (nh from the payload's
 * class), src from the route toward dst, bytes past plen are Padding, and
 * the payload class comes from nh (ICMPv6 by its type byte). ND and MLD
 * messages also overload hlim (binding rows) and dst (pre_build).
 */
#include <string.h>

#include "engine.h"
#include "layers6.h"

enum { F_VER, F_TC, F_FL, F_PLEN, F_NH, F_HLIM, F_SRC, F_DST };

static const struct pk_enum_entry nh_names[] = {
    {0, "Hop-by-Hop Option Header"},
    {4, "IP"},
    {6, "TCP"},
    {17, "UDP"},
    {41, "IPv6"},
    {43, "Routing Header"},
    {44, "Fragment Header"},
    {47, "GRE"},
    {50, "ESP Header"},
    {51, "AH Header"},
    {58, "ICMPv6"},
    {59, "No Next Header"},
    {60, "Destination Option Header"},
    {112, "VRRP"},
    {132, "SCTP"},
    {135, "Mobility Header"},
};
const struct pk_enum pk_ipv6_nh_enum = PK_ENUM(nh_names);

static const uint8_t ip6_loopback[16] = {[15] = 1};

/* ------------------------------------------------------------------ */
/* Source address: from the route toward dst, as scapy's SourceIP6Field */

static bool is_ipv6_family(const struct pk_proto *p)
{
	return p == &pk_proto_ipv6 || p == &pk_proto_iperror6;
}

/*
 * The destination an unset dst takes from the payload: ND and MLD
 * messages name theirs, and mDNS (UDP to 5353) goes to ff02::fb.
 */
static bool overload_dst(const struct pk_layer *l, uint8_t dst[16])
{
	static const uint8_t mdns[16] = {0xff, 0x02, [15] = 0xfb};
	const struct pk_layer *p = l->payload;

	if (l->proto != &pk_proto_ipv6 || !p)
		return false;
	if (p->proto == &pk_proto_udp && pk_layer_uint(p, 1) == 5353) {
		memcpy(dst, mdns, 16);
		return true;
	}
	return pk_icmp6_dst_overload(p->proto, dst);
}

/* The destination the build will use: set, else an overload. */
static void eff_dst(const struct pk_layer *l, uint8_t dst[16])
{
	memcpy(dst, l->f[F_DST].b, 16);
	if (!pk_layer_isset(l, F_DST))
		overload_dst(l, dst);
}

static int route_src(struct pk_vm *vm, const uint8_t dst[16], uint8_t src[16])
{
	const struct pk_route_hooks *h = pk_packet_route_hooks(vm);
	int r = 1;

	if (h && h->src6)
		r = h->src6(vm, h->ctx, dst, src);
	if (r < 0)
		return -1;
	if (r == 1) {
		if (!memcmp(dst, ip6_loopback, 16))
			memcpy(src, ip6_loopback, 16);
		else
			memset(src, 0, 16);
	}
	return 0;
}

static void eff_src(struct pk_vm *vm, const struct pk_layer *l, uint8_t src[16])
{
	uint8_t dst[16];

	if (pk_layer_isset(l, F_SRC)) {
		memcpy(src, l->f[F_SRC].b, 16);
		return;
	}
	eff_dst(l, dst);
	if (route_src(vm, dst, src) < 0) {
		pk_vm_clear_error(vm);
		memset(src, 0, 16);
	}
}

static int src_repr(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, struct pk_buf *out)
{
	uint8_t a[16];

	if (st & PK_FS_SET)
		memcpy(a, slot->b, 16);
	else
		eff_src(vm, l, a);
	pk_fmt_ip6(out, a);
	return 0;
}

static int src_get(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f, const union pk_fval *slot,
                   uint8_t st, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	src_repr(vm, l, f, slot, st, &b);
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static const struct pk_field_ops src_ops = {
    .repr = src_repr,
    .get = src_get,
};

static int dst_repr(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, struct pk_buf *out)
{
	uint8_t a[16];

	memcpy(a, slot->b, 16);
	if (!(st & PK_FS_SET))
		overload_dst(l, a);
	pk_fmt_ip6(out, a);
	return 0;
}

static int dst_get(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f, const union pk_fval *slot,
                   uint8_t st, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	dst_repr(vm, l, f, slot, st, &b);
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static const struct pk_field_ops dst_ops = {
    .repr = dst_repr,
    .get = dst_get,
};

static const struct pk_field ipv6_fields[] = {
    PK_F_INT("version", 4, 6, PK_FMT_DEC),
    PK_F_INT("tc", 8, 0, PK_FMT_DEC),
    PK_F_INT("fl", 20, 0, PK_FMT_DEC),
    PK_F_AUTO("plen", 16, PK_FMT_DEC),
    PK_F_ENUM("nh", 8, 59, PK_FMT_ENUM, &pk_ipv6_nh_enum),
    PK_F_INT("hlim", 8, 64, PK_FMT_DEC),
    {.name = "src", .kind = PK_FK_IP6, .ref = -1, .ops = &src_ops},
    {.name = "dst",
     .kind = PK_FK_IP6,
     .ref = -1,
     .defp = ip6_loopback,
     .ops = &dst_ops},
    PK_F_END};

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static int ipv6_pre_build(struct pk_build *b, const struct pk_layer *l,
                          union pk_fval *v, uint8_t *st)
{
	if (!(st[F_DST] & PK_FS_SET) && overload_dst(l, v[F_DST].b))
		st[F_DST] |= PK_FS_SET;
	if (!(st[F_SRC] & PK_FS_SET)) {
		if (route_src(b->vm, v[F_DST].b, v[F_SRC].b) < 0)
			return -1;
		st[F_SRC] |= PK_FS_SET;
	}
	return 0;
}

/* Write a jumbogram's length into the built Hop-by-Hop header at `hbh`:
 * the first Jumbo Payload option (type 0xc2, 4 bytes) in its TLVs. */
static void put_jumboplen(struct pk_build *b, size_t hbh, size_t pl)
{
	uint8_t *buf = (uint8_t *)b->out->buf;
	struct pk_cursor c, h = pk_cur_make(buf + hbh, b->out->len - hbh);
	uint8_t t, n;

	pk_cur_skip(&h, 1);
	n = pk_get_u8(&h);
	c = pk_cur_sub(&h, (size_t)n * 8 + 6, NULL);
	while (pk_cur_left(&c) >= 2) {
		t = pk_get_u8(&c);
		if (t == 0) /* Pad1 */
			continue;
		n = pk_get_u8(&c);
		if (t == 0xc2 && n == 4 && pk_cur_left(&c) >= 4) {
			uint8_t *w = buf + (c.p - buf);

			w[0] = (uint8_t)(pl >> 24);
			w[1] = (uint8_t)(pl >> 16);
			w[2] = (uint8_t)(pl >> 8);
			w[3] = (uint8_t)pl;
			return;
		}
		if (!pk_cur_skip(&c, n))
			return;
	}
}

static int ipv6_post_build(struct pk_build *b, const struct pk_layer *l,
                           size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, F_PLEN) && len >= 40) {
		size_t pl = len - 40;

		/* a jumbogram's payload length is 0 (RFC 2675) and its Jumbo
		 * option says the length */
		if (pl > 0xffff && pk_ipv6_jumbo(l)) {
			if (!pk_layer_isset(pk_ipv6_jumbo(l), 2))
				put_jumboplen(b, off + 40, pl);
			pl = 0;
		}
		if (pk_build_put_len(
		        b, l, F_PLEN, off + 4, 2, pl,
		        "a longer payload needs a Hop-by-Hop Jumbo option, "
		        "RFC 2675") < 0)
			return -1;
	}
	return 0;
}

const struct pk_layer *pk_ipv6_jumbo(const struct pk_layer *l)
{
	const struct pk_layer *h = l->payload;
	const pk_val *items;
	size_t n, i;

	if (!h || h->proto != &pk_proto_hbh)
		return false;
	for (i = 0; i < h->proto->nfields; i++) {
		if (h->proto->fields[i].kind != PK_FK_PKTLIST ||
		    !(h->st[i] & PK_FS_OBJ) ||
		    !pk_seq_items(h->f[i].v, &items, &n))
			continue;
		while (n--)
			if (pk_is_packet(items[n]) &&
			    ((struct pk_layer *)items[n].u.o)->proto ==
			        &pk_proto_jumbo)
				return (struct pk_layer *)items[n].u.o;
	}
	return NULL;
}

static void ipv6_extract_padding(const struct pk_layer *l,
                                 struct pk_cursor *pay)
{
	size_t plen = pk_layer_uint(l, F_PLEN);

	/* plen 0 with a Hop-by-Hop header is a jumbogram: keep it all */
	if (plen == 0 && pk_layer_uint(l, F_NH) == 0)
		return;
	if (plen < pk_cur_left(pay))
		pay->end = pay->p + plen;
}

/* The payload class for next header nh (scapy's ipv6nhcls). */
static const struct pk_proto *nh_class(unsigned nh, const struct pk_cursor *pay,
                                       const struct pk_layer *l)
{
	switch (nh) {
	case 0:
		return &pk_proto_hbh;
	case 4:
		return &pk_proto_ip;
	case 6:
		return l->proto == &pk_proto_iperror6 ? &pk_proto_tcperror
		                                      : &pk_proto_tcp;
	case 17:
		return l->proto == &pk_proto_iperror6 ? &pk_proto_udperror
		                                      : &pk_proto_udp;
	case 43:
		/* scapy reads the routing type: Segment Routing is type 4 */
		if (pk_cur_left(pay) < 3)
			return NULL;
		return pay->p[2] == 4 ? &pk_proto_srh : &pk_proto_routing;
	case 44:
		return &pk_proto_fragment;
	case 58:
		return pk_icmp6_class(pay->p, pk_cur_left(pay));
	case 60:
		return &pk_proto_destopt;
	default:
		return NULL;
	}
}

static const struct pk_proto *ipv6_guess(struct pk_dissect *d,
                                         const struct pk_layer *l,
                                         const struct pk_cursor *pay)
{
	const struct pk_proto *p = pk_registry_guess(d->reg, l);

	if (!p)
		p = nh_class((unsigned)pk_layer_uint(l, F_NH), pay, l);
	return pk_guess_checked(p, pay);
}

bool pk_cut_in_field(const struct pk_proto *p, size_t n)
{
	const struct pk_field *f;
	size_t bit = 0;

	if (!p || p->dissect)
		return false;
	for (f = p->fields; f->name; f++) {
		size_t w, first, end;

		if (f->present || (f->ops && f->ops->dissect))
			return false;
		if (f->kind == PK_FK_INT)
			w = f->bits;
		else if (f->kind == PK_FK_IP6)
			w = 128;
		else if (f->kind == PK_FK_MAC)
			w = 48;
		else if (f->kind == PK_FK_IP4)
			w = 32;
		else
			return false; /* bytes take what is there */
		first = bit / 8;
		end = (bit + w + 7) / 8;
		if (n < end)
			return n > first || (n == first && bit % 8);
		bit += w;
	}
	return false;
}

const struct pk_proto *pk_guess_checked(const struct pk_proto *p,
                                        const struct pk_cursor *pay)
{
	/* scapy raises on a field cut short, and the payload is then Raw */
	if (p && pk_cut_in_field(p, pk_cur_left(pay)))
		return &pk_proto_raw;
	return p;
}

/* Extension headers have no binding rows of their own for dissection:
 * scapy goes by nh alone there. */
const struct pk_proto *pk_ipv6_ext_guess(struct pk_dissect *d,
                                         const struct pk_layer *l,
                                         const struct pk_cursor *pay)
{
	return pk_guess_checked(nh_class((unsigned)pk_layer_uint(l, 0), pay, l),
	                        pay);
}

static int ipv6_summary(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *out)
{
	uint8_t a[16];
	union pk_fval v;
	uint8_t st;

	eff_src(vm, l, a);
	pk_fmt_ip6(out, a);
	pk_buf_addstr(out, " > ");
	eff_dst(l, a);
	pk_fmt_ip6(out, a);
	pk_layer_effective(pk_registry(vm), l, F_NH, &v, &st);
	pk_buf_addf(out, " (%u)", (unsigned)v.u);
	return 0;
}

static bool is_mcast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static int ipv6_hashret(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *key)
{
	const struct pk_layer *pay = l->payload;
	unsigned nh = (unsigned)pk_layer_uint(l, F_NH);
	uint8_t sd[16], ss[16], t;
	int i;

	if (nh == 58 && pay && pk_icmp6_is(pay->proto, &t)) {
		uint8_t ty = (uint8_t)pk_layer_uint(pay, 0);

		if (ty < 128)
			return 0; /* the quoted packet decides */
		if (ty == 133 || ty == 134 || ty == 135 || ty == 136) {
			pk_buf_addch(key, (int)nh);
			return 0;
		}
	}
	eff_dst(l, sd);
	eff_src(vm, l, ss);
	if (nh == 43 && pay && pay->proto == &pk_proto_routing) {
		int ai = pk_proto_field_index(pay->proto, "addresses");
		pk_val lst = pay->f[ai].v;

		nh = (unsigned)pk_layer_uint(pay, 0);
		memcpy(sd, ip6_loopback, 16);
		if ((pay->st[ai] & PK_FS_OBJ) && pk_is_list(lst)) {
			struct pk_list *li = pk_as_list(lst);
			size_t k;

			if (li->len && pk_is_str(li->items[li->len - 1]))
				pk_parse_ip6(
				    pk_as_str(li->items[li->len - 1])->s,
				    pk_as_str(li->items[li->len - 1])->len, sd);
			for (k = 0; k < li->len; k++) {
				uint8_t a[16];

				if (!pk_is_str(li->items[k]) ||
				    pk_parse_ip6(pk_as_str(li->items[k])->s,
				                 pk_as_str(li->items[k])->len,
				                 a) < 0)
					continue;
				for (i = 0; i < 16; i++)
					sd[i] ^= a[i];
			}
		}
	}
	if (nh == 43 && pay && pay->proto == &pk_proto_srh) {
		/* Segment Routing: the first segment is the destination */
		int ai = pk_proto_field_index(pay->proto, "addresses");
		pk_val lst = pay->f[ai].v;

		if (!(pay->st[ai] & PK_FS_OBJ))
			memcpy(sd, ip6_loopback, 16);
		else if (pk_is_list(lst) && pk_as_list(lst)->len &&
		         pk_is_str(pk_as_list(lst)->items[0]))
			pk_parse_ip6(pk_as_str(pk_as_list(lst)->items[0])->s,
			             pk_as_str(pk_as_list(lst)->items[0])->len,
			             sd);
	}
	if ((nh == 44 && pay && pay->proto == &pk_proto_fragment) ||
	    (nh == 0 && pay && pay->proto == &pk_proto_hbh))
		nh = (unsigned)pk_layer_uint(pay, 0);
	if (!is_mcast(sd)) {
		for (i = 0; i < 16; i++)
			pk_buf_addch(key, sd[i] ^ ss[i]);
	}
	pk_buf_addch(key, (int)(nh & 0xff));
	return 0;
}

int pk_l6_answers(struct pk_vm *vm, const struct pk_layer *reply,
                  const struct pk_layer *probe, bool *out)
{
	/* a reply's own answers() decides even against another class (an
	 * Echo Reply answers an Echo Request) */
	if (reply && probe && reply->proto->answers)
		return reply->proto->answers(vm, reply, probe, out);
	return pk_layer_answers(vm, reply, probe, out);
}

static bool is_ext(const struct pk_layer *l, const struct pk_proto *p)
{
	return l && l->proto == p;
}

static int ipv6_answers(struct pk_vm *vm, const struct pk_layer *self,
                        const struct pk_layer *other, bool *out)
{
	uint8_t sd[16], os[16], od[16], t;
	unsigned snh, onh;

	*out = false;
	if (!is_ipv6_family(other->proto))
		return 0;
	eff_dst(self, sd);
	eff_src(vm, other, os);
	eff_dst(other, od);
	if (is_mcast(od)) {
		if (is_mcast(sd)) {
			static const uint8_t llnodes[16] = {0xff, 2, [15] = 1};
			static const uint8_t llsrv[16] = {
			    0xff, 2, [13] = 1, [15] = 2};

			if (!memcmp(od, sd, 16) || (!memcmp(sd, llnodes, 16) &&
			                            !memcmp(od, llsrv, 16)))
				goto payloads;
			return 0;
		}
		if (!memcmp(os, sd, 16))
			goto payloads;
		return 0;
	}
	if (memcmp(sd, os, 16))
		return 0;
payloads:
	snh = (unsigned)pk_layer_uint(self, F_NH);
	onh = (unsigned)pk_layer_uint(other, F_NH);
	if (!self->payload || !other->payload)
		return 0;
	if (snh == 58 && pk_icmp6_is(self->payload->proto, &t) &&
	    pk_layer_uint(self->payload, 0) < 128) {
		if (!self->payload->payload)
			return 0;
		return pk_l6_answers(vm, self->payload->payload, other, out);
	}
	if (onh == 0 && is_ext(other->payload, &pk_proto_hbh))
		return pk_l6_answers(vm, self->payload, other->payload, out);
	if ((onh == 44 && is_ext(other->payload, &pk_proto_fragment)) ||
	    (onh == 43 && is_ext(other->payload, &pk_proto_routing))) {
		if (!other->payload->payload)
			return 0;
		return pk_l6_answers(vm, self->payload, other->payload->payload,
		                     out);
	}
	if (onh == 60 && is_ext(other->payload, &pk_proto_destopt)) {
		if (!self->payload->payload || !other->payload->payload)
			return 0;
		return pk_l6_answers(vm, self->payload->payload,
		                     other->payload->payload, out);
	}
	if (snh == 60 && is_ext(self->payload, &pk_proto_destopt)) {
		if (!self->payload->payload)
			return 0;
		return pk_l6_answers(vm, self->payload->payload, other->payload,
		                     out);
	}
	if (snh != onh)
		return 0;
	return pk_l6_answers(vm, self->payload, other->payload, out);
}

/* Bytes of layer chain l as built alone (for IPerror6's comparison). */
static int build_alone(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	struct pk_build b;

	b.vm = vm;
	b.out = out;
	b.reg = pk_registry(vm);
	if (!b.reg)
		return -1;
	return pk_build_layer(&b, (struct pk_layer *)l);
}

static const struct pk_layer *skip_ext(const struct pk_layer *l, bool *rh)
{
	while (l &&
	       (l->proto == &pk_proto_hbh || l->proto == &pk_proto_destopt ||
	        l->proto == &pk_proto_routing ||
	        l->proto == &pk_proto_fragment)) {
		if (rh && l->proto == &pk_proto_routing)
			*rh = true;
		l = l->payload;
	}
	return l;
}

static int iperror6_answers(struct pk_vm *vm, const struct pk_layer *self,
                            const struct pk_layer *other, bool *out)
{
	uint8_t ss[16], sd[16], os[16], od[16], t;
	const struct pk_layer *su, *ou;
	bool rh = false;
	struct pk_buf s1 = PK_BUF_INIT, s2 = PK_BUF_INIT;
	int rc = 0;

	*out = false;
	if (!is_ipv6_family(other->proto))
		return 0;
	if (!self->under || !pk_icmp6_is(self->under->proto, &t) ||
	    pk_layer_uint(self->under, 0) >= 128)
		return 0;
	eff_src(vm, self, ss);
	eff_dst(self, sd);
	eff_src(vm, other, os);
	eff_dst(other, od);
	su = skip_ext(self->payload, NULL);
	ou = skip_ext(other->payload, &rh);
	if (memcmp(ss, os, 16) || (memcmp(sd, od, 16) && !rh))
		return 0;
	if (su && build_alone(vm, su, &s1) < 0)
		rc = -1;
	else if (ou && build_alone(vm, ou, &s2) < 0)
		rc = -1;
	if (rc == 0) {
		size_t n = s1.len < s2.len ? s1.len : s2.len;

		*out = !memcmp(s1.buf, s2.buf, n);
	}
	pk_buf_release(&s1);
	pk_buf_release(&s2);
	return rc;
}

/* Address i of an address list field (-1: the last); false if none. */
static bool list_addr(const struct pk_layer *l, const char *name, long i,
                      uint8_t out[16])
{
	int ai = pk_proto_field_index(l->proto, name);
	struct pk_list *li;
	pk_val v;

	if (ai < 0)
		return false;
	if (!(l->st[ai] & PK_FS_OBJ)) {
		const char *d = l->proto->fields[ai].defp;

		return d && pk_parse_ip6(d, strlen(d), out) == 0;
	}
	if (!pk_is_list(l->f[ai].v) || !pk_as_list(l->f[ai].v)->len)
		return false;
	li = pk_as_list(l->f[ai].v);
	v = li->items[i < 0 ? (long)li->len - 1 : i];
	return pk_is_str(v) &&
	       pk_parse_ip6(pk_as_str(v)->s, pk_as_str(v)->len, out) == 0;
}

/*
 * RFC 8200 8.1, as scapy's in6_pseudoheader: the destination is the
 * final one of a routing header with segments left (its last address;
 * Segment Routing's first), the source a Home Address option's when a
 * Destination Options header holds only that. An unset segleft counts as
 * segments left (it will be the address count).
 */
static int ipv6_l4_pseudo(struct pk_build *b, const struct pk_layer *l,
                          size_t off, uint8_t nh, size_t l4len, uint32_t *sum)
{
	const uint8_t *p = (const uint8_t *)b->out->buf + off;
	const struct pk_layer *e;
	uint8_t src[16], dst[16];
	bool hao = false;

	if (b->out->len < off + 40)
		return pk_raise(b->vm, &pk_exc_ValueError,
		                "IPv6 header is not built");
	memcpy(src, p + 8, 16);
	memcpy(dst, p + 24, 16);
	for (e = l->payload; e; e = e->payload) {
		const struct pk_proto *ep = e->proto;

		if (ep == &pk_proto_routing || ep == &pk_proto_srh) {
			int si = pk_proto_field_index(ep, "segleft");

			if (!pk_layer_isset(e, si) || pk_layer_uint(e, si))
				list_addr(e, "addresses",
				          ep == &pk_proto_srh ? 0 : -1, dst);
		} else if (ep == &pk_proto_destopt) {
			int oi = pk_proto_field_index(ep, "options");
			pk_val o = e->f[oi].v;

			if (!hao && (e->st[oi] & PK_FS_OBJ) && pk_is_list(o) &&
			    pk_as_list(o)->len == 1 &&
			    pk_is_packet(pk_as_list(o)->items[0]) &&
			    pk_as_layer(pk_as_list(o)->items[0])->proto ==
			        &pk_proto_hao) {
				memcpy(src,
				       pk_as_layer(pk_as_list(o)->items[0])
				           ->f[2]
				           .b,
				       16);
				hao = true;
			}
		} else if (ep != &pk_proto_hbh && ep != &pk_proto_fragment) {
			break;
		}
	}
	*sum = pk_cksum_pseudo6(src, dst, nh, (uint32_t)l4len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bindings                                                            */

#define NH_ROW(lo, up, v)                                                      \
	{                                                                      \
		.lower = lo, .upper = up, .dir = PK_BIND_BOTH,                 \
		.c = { {"nh", v} }                                             \
	}
#define NH_BUILD(lo, up, v)                                                    \
	{                                                                      \
		.lower = lo, .upper = up, .dir = PK_BIND_BUILD,                \
		.c = { {"nh", v} }                                             \
	}
/* ND/MLD messages overload hlim too, on IPv6 only */
#define NH_HLIM(up, h)                                                         \
	{                                                                      \
		.lower = &pk_proto_ipv6, .upper = up, .dir = PK_BIND_BUILD,    \
		.c = { {"nh", 58},                                             \
		       {"hlim", h} }                                           \
	}
#define EXT_ROWS(lo)                                                           \
	NH_BUILD(lo, &pk_proto_tcp, 6), NH_BUILD(lo, &pk_proto_udp, 17),       \
	    NH_BUILD(lo, &pk_proto_hbh, 0),                                    \
	    NH_BUILD(lo, &pk_proto_routing, 43),                               \
	    NH_BUILD(lo, &pk_proto_srh, 43),                                   \
	    NH_BUILD(lo, &pk_proto_fragment, 44),                              \
	    NH_BUILD(lo, &pk_proto_destopt, 60),                               \
	    NH_BUILD(lo, &pk_proto_icmp6unknown, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6destunreach, 58),                      \
	    NH_BUILD(lo, &pk_proto_icmp6toobig, 58),                           \
	    NH_BUILD(lo, &pk_proto_icmp6timeexceeded, 58),                     \
	    NH_BUILD(lo, &pk_proto_icmp6paramproblem, 58),                     \
	    NH_BUILD(lo, &pk_proto_icmp6echoreq, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6echorep, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6mlreport2, 58),                        \
	    NH_BUILD(lo, &pk_proto_icmp6mlquery, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6mlreport, 58),                         \
	    NH_BUILD(lo, &pk_proto_icmp6mldone, 58),                           \
	    NH_BUILD(lo, &pk_proto_icmp6mlquery2, 58),                         \
	    NH_BUILD(lo, &pk_proto_nd_rs, 58),                                 \
	    NH_BUILD(lo, &pk_proto_nd_ra, 58),                                 \
	    NH_BUILD(lo, &pk_proto_nd_ns, 58),                                 \
	    NH_BUILD(lo, &pk_proto_nd_na, 58),                                 \
	    NH_BUILD(lo, &pk_proto_nd_redirect, 58),                           \
	    NH_BUILD(lo, &pk_proto_nd_indsol, 58),                             \
	    NH_BUILD(lo, &pk_proto_nd_indadv, 58),                             \
	    NH_BUILD(lo, &pk_proto_nd_mpadv, 58),                              \
	    NH_BUILD(lo, &pk_proto_icmp6haadreq, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6haadrep, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6mpsol, 58),                            \
	    NH_BUILD(lo, &pk_proto_icmp6mrdadv, 58),                           \
	    NH_BUILD(lo, &pk_proto_icmp6mrdsol, 58),                           \
	    NH_BUILD(lo, &pk_proto_icmp6mrdterm, 58),                          \
	    NH_BUILD(lo, &pk_proto_icmp6rpl, 58)

static const struct pk_binding ipv6_binds[] = {
    {.lower = &pk_proto_ether,
     .upper = &pk_proto_ipv6,
     .dir = PK_BIND_BOTH,
     .c = {{"type", 0x86dd}}},
    {.lower = &pk_proto_ip,
     .upper = &pk_proto_ipv6,
     .dir = PK_BIND_BOTH,
     .c = {{"proto", 41}}},
    NH_ROW(&pk_proto_ipv6, &pk_proto_tcp, 6),
    NH_ROW(&pk_proto_ipv6, &pk_proto_udp, 17),
    NH_ROW(&pk_proto_ipv6, &pk_proto_ipv6, 41),
    NH_ROW(&pk_proto_ipv6, &pk_proto_ip, 4),
    NH_ROW(&pk_proto_iperror6, &pk_proto_tcperror, 6),
    NH_ROW(&pk_proto_iperror6, &pk_proto_udperror, 17),
    EXT_ROWS(&pk_proto_ipv6),
    EXT_ROWS(&pk_proto_hbh),
    EXT_ROWS(&pk_proto_destopt),
    EXT_ROWS(&pk_proto_routing),
    EXT_ROWS(&pk_proto_fragment),
    EXT_ROWS(&pk_proto_srh),
    /* later rows win at build: these carry hlim as well */
    NH_HLIM(&pk_proto_icmp6mlquery, 1),
    NH_HLIM(&pk_proto_icmp6mlreport, 1),
    NH_HLIM(&pk_proto_icmp6mldone, 1),
    NH_HLIM(&pk_proto_icmp6mlquery2, 1),
    NH_HLIM(&pk_proto_icmp6mlreport2, 1),
    NH_HLIM(&pk_proto_nd_rs, 255),
    NH_HLIM(&pk_proto_nd_ra, 255),
    NH_HLIM(&pk_proto_nd_ns, 255),
    NH_HLIM(&pk_proto_nd_na, 255),
    NH_HLIM(&pk_proto_nd_redirect, 255),
    NH_HLIM(&pk_proto_nd_indsol, 255),
    NH_HLIM(&pk_proto_nd_indadv, 255),
    NH_HLIM(&pk_proto_icmp6mrdadv, 1),
    NH_HLIM(&pk_proto_icmp6mrdsol, 1),
    NH_HLIM(&pk_proto_icmp6mrdterm, 1),
    {.lower = NULL}};

const struct pk_proto pk_proto_ipv6 = {
    .name = "IPv6",
    .title = "IPv6",
    .fields = ipv6_fields,
    .nfields = PK_NFIELDS(ipv6_fields),
    .binds = ipv6_binds,
    .pre_build = ipv6_pre_build,
    .post_build = ipv6_post_build,
    .extract_padding = ipv6_extract_padding,
    .guess_payload = ipv6_guess,
    .summary = ipv6_summary,
    .hashret = ipv6_hashret,
    .answers = ipv6_answers,
    .l4_pseudo = ipv6_l4_pseudo,
};

const struct pk_proto pk_proto_iperror6 = {
    .name = "IPerror6",
    .title = "IPv6 in ICMPv6",
    .fields = ipv6_fields,
    .nfields = PK_NFIELDS(ipv6_fields),
    .pre_build = ipv6_pre_build,
    .post_build = ipv6_post_build,
    .extract_padding = ipv6_extract_padding,
    .guess_payload = ipv6_guess,
    .hashret = ipv6_hashret,
    .answers = iperror6_answers,
    .l4_pseudo = ipv6_l4_pseudo,
};

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */

int pk_layer_become_raw(struct pk_dissect *d, struct pk_layer *l,
                        struct pk_cursor *c, const uint8_t *start)
{
	size_t i, n;
	pk_val bv;

	n = (size_t)(c->end - start);
	bv = pk_bytes_new(d->vm, start, n);
	if (pk_is_undef(bv))
		return -1;
	for (i = 0; i < l->proto->nfields; i++)
		pk_slot_clear(&l->f[i], &l->st[i]);
	/* Raw's one field sits in the first slot of the bigger layer */
	l->proto = &pk_proto_raw;
	l->f[0].v = bv;
	l->st[0] = PK_FS_OBJ | PK_FS_SET;
	c->p = c->end;
	c->truncated = false;
	return 0;
}

struct pk_cursor pk_layer_window(struct pk_layer *l, struct pk_cursor *c,
                                 size_t len)
{
	bool cut;
	struct pk_cursor s = pk_cur_sub(c, len, &cut);

	if (cut)
		l->partial = true;
	return s;
}

int pk_never_present(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f)
{
	return 0;
}

int pk_rawcache_set(struct pk_vm *vm, struct pk_layer *l, int fi,
                    const uint8_t *orig, size_t n, struct pk_buf *enc,
                    struct pk_buf *key)
{
	pk_val c = pk_list_new(vm, 3);
	pk_val a = pk_bytes_new(vm, orig, n);
	pk_val e = pk_bytes_from_buf(vm, enc);
	pk_val k = pk_bytes_from_buf(vm, key);

	if (pk_is_undef(c) || pk_is_undef(a) || pk_is_undef(e) ||
	    pk_is_undef(k)) {
		pk_decref(c);
		pk_decref(a);
		pk_decref(e);
		pk_decref(k);
		return -1;
	}
	/* room for three was made: these cannot fail */
	pk_list_append_take(vm, c, a);
	pk_list_append_take(vm, c, e);
	pk_list_append_take(vm, c, k);
	pk_slot_clear(&l->f[fi], &l->st[fi]);
	l->f[fi].v = c;
	l->st[fi] = PK_FS_OBJ; /* not SET: no value of the user's */
	return 0;
}

static const struct pk_list *rawcache(const struct pk_layer *l, int fi)
{
	const struct pk_list *c;

	if (!(l->st[fi] & PK_FS_OBJ) || !pk_is_list(l->f[fi].v))
		return NULL;
	c = pk_as_list(l->f[fi].v);
	if (c->len != 3 || !pk_is_bytes(c->items[0]) ||
	    !pk_is_bytes(c->items[1]) || !pk_is_bytes(c->items[2]))
		return NULL;
	return c;
}

static bool same_as(pk_val v, const struct pk_buf *b)
{
	const struct pk_bytes *x = pk_as_bytes(v);

	return !pk_buf_failed(b) && x->len == b->len &&
	       !memcmp(x->b, b->buf, b->len);
}

bool pk_rawcache_key_ok(const struct pk_layer *l, int fi,
                        const struct pk_buf *key)
{
	const struct pk_list *c = rawcache(l, fi);

	return c && same_as(c->items[2], key);
}

const struct pk_bytes *pk_rawcache_hit(const struct pk_layer *l, int fi,
                                       const struct pk_buf *enc,
                                       const struct pk_buf *key)
{
	const struct pk_list *c = rawcache(l, fi);

	if (!c || !same_as(c->items[1], enc) || !same_as(c->items[2], key))
		return NULL;
	return pk_as_bytes(c->items[0]);
}

int pk_field_become_raw(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c)
{
	const struct pk_field *g;
	size_t bits = 0;
	int rc;

	for (g = l->proto->fields; g < f; g++) {
		if (g->kind == PK_FK_INT)
			bits += g->bits;
		else if (g->kind == PK_FK_IP6)
			bits += 128;
		else if (g->kind == PK_FK_MAC)
			bits += 48;
		else if (g->kind == PK_FK_IP4)
			bits += 32;
	}
	rc = pk_layer_become_raw(d, l, c, c->p - bits / 8);
	/* stops the engine's field loop; nothing is left to make Raw */
	c->truncated = true;
	return rc;
}

void pk_repr_pybytes(struct pk_buf *out, const uint8_t *s, size_t n)
{
	bool sq = false, dq = false;
	char q;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			sq = true;
		else if (s[i] == '"')
			dq = true;
	}
	q = (sq && !dq) ? '"' : '\'';
	pk_buf_addch(out, 'b');
	pk_buf_addch(out, q);
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == (uint8_t)q || c == '\\') {
			pk_buf_addch(out, '\\');
			pk_buf_addch(out, c);
		} else if (c == '\t') {
			pk_buf_addstr(out, "\\t");
		} else if (c == '\n') {
			pk_buf_addstr(out, "\\n");
		} else if (c == '\r') {
			pk_buf_addstr(out, "\\r");
		} else if (c < 0x20 || c >= 0x7f) {
			pk_buf_addf(out, "\\x%02x", c);
		} else {
			pk_buf_addch(out, c);
		}
	}
	pk_buf_addch(out, q);
}

/* ------------------------------------------------------------------ */
/* IP6ListField                                                        */

static int ip6l_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	pk_val list;
	struct pk_list *li;
	size_t i;

	if (pk_is_str(v)) {
		list = pk_list_new(vm, 1);
		if (pk_is_undef(list))
			return -1;
		if (pk_list_append(vm, list, v) < 0) {
			pk_decref(list);
			return -1;
		}
	} else if (pk_is_list(v) || pk_is_tuple(v)) {
		if (pk_to_list(vm, v, &list) < 0)
			return -1;
	} else {
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "expected a list of IPv6 addresses, got "
		                      "'%s'",
		                      pk_typename(v));
	}
	li = pk_as_list(list);
	for (i = 0; i < li->len; i++) {
		uint8_t a[16];
		struct pk_buf b = PK_BUF_INIT;
		pk_val s;

		if (!pk_is_str(li->items[i]) ||
		    pk_parse_ip6(pk_as_str(li->items[i])->s,
		                 pk_as_str(li->items[i])->len, a) < 0) {
			pk_decref(list);
			return pk_field_error(vm, &pk_exc_ValueError, l->proto,
			                      f,
			                      "invalid IPv6 address in list");
		}
		/* keep the canonical text, as scapy shows what it parsed */
		pk_fmt_ip6(&b, a);
		s = pk_str_from_buf(vm, &b);
		if (pk_is_undef(s)) {
			pk_decref(list);
			return -1;
		}
		pk_decref(li->items[i]);
		li->items[i] = s;
	}
	slot->v = list;
	*st |= PK_FS_OBJ;
	return 0;
}

static struct pk_list *ip6l_list(const union pk_fval *slot, uint8_t st)
{
	if ((st & PK_FS_OBJ) && pk_is_list(slot->v))
		return pk_as_list(slot->v);
	return NULL;
}

static int ip6l_get(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, pk_val *out)
{
	struct pk_list *li = ip6l_list(slot, st);

	if (!li) {
		*out = pk_list_new(vm, 0);
		if (pk_is_undef(*out))
			return -1;
		/* a default address list of one (the Segment Routing header) */
		if (!(st & PK_FS_OBJ) && f->defp &&
		    pk_list_append_take(vm, *out, pk_str_cstr(vm, f->defp)) <
		        0) {
			pk_decref(*out);
			return -1;
		}
		return 0;
	}
	return pk_to_list(vm, slot->v, out);
}

static int ip6l_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	struct pk_list *li = ip6l_list(slot, st);
	size_t i;

	if (!li && !(st & PK_FS_OBJ) && f->defp) {
		uint8_t a[16] = {0};

		pk_parse_ip6(f->defp, strlen(f->defp), a);
		return pk_buf_add(out, a, 16);
	}
	for (i = 0; li && i < li->len; i++) {
		uint8_t a[16];

		if (!pk_is_str(li->items[i]) ||
		    pk_parse_ip6(pk_as_str(li->items[i])->s,
		                 pk_as_str(li->items[i])->len, a) < 0)
			return pk_field_error(b->vm, &pk_exc_ValueError,
			                      l->proto, f,
			                      "invalid IPv6 address in list");
		pk_buf_add(out, a, 16);
	}
	return 0;
}

static int ip6l_dissect(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c,
                        size_t len, union pk_fval *slot, uint8_t *st)
{
	pk_val list = pk_list_new(d->vm, 0);
	const uint8_t *start = c->p;
	struct pk_cursor sub;
	int64_t count = -1;

	if (pk_is_undef(list))
		return -1;
	if (f->rel == PK_REL_LEN && len != SIZE_MAX) {
		sub = pk_cur_sub(c, len, NULL);
	} else {
		sub = *c;
		if (f->rel == PK_REL_COUNT && f->ref >= 0)
			count =
			    (int64_t)l->f[f->ref].u * (f->mul ? f->mul : 1) +
			    f->add;
	}
	while (pk_cur_left(&sub) && count != 0) {
		uint8_t a[16];
		struct pk_buf b = PK_BUF_INIT;
		pk_val s;

		if (pk_cur_left(&sub) < 16) {
			/* scapy fails on a short address: the layer is Raw */
			pk_decref(list);
			c->p = start;
			return pk_field_become_raw(d, l, f, c);
		}
		memcpy(a, sub.p, 16);
		pk_cur_skip(&sub, 16);
		pk_fmt_ip6(&b, a);
		s = pk_str_from_buf(d->vm, &b);
		if (pk_is_undef(s) || pk_list_append_take(d->vm, list, s) < 0) {
			pk_decref(list);
			return -1;
		}
		if (count > 0)
			count--;
	}
	if (!(f->rel == PK_REL_LEN && len != SIZE_MAX))
		*c = sub;
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

static int ip6l_repr(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	struct pk_list *li = ip6l_list(slot, st);
	size_t i;

	pk_buf_addstr(out, "[ ");
	if (!li && !(st & PK_FS_OBJ) && f->defp)
		pk_buf_addstr(out, f->defp);
	for (i = 0; li && i < li->len; i++) {
		if (i)
			pk_buf_addstr(out, ", ");
		if (pk_is_str(li->items[i]))
			pk_buf_add(out, pk_as_str(li->items[i])->s,
			           pk_as_str(li->items[i])->len);
	}
	pk_buf_addstr(out, " ]");
	return 0;
}

static int ip6l_size(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, enum pk_frel rel, uint64_t *out)
{
	struct pk_list *li = ip6l_list(slot, st);
	size_t n = li ? li->len : (!(st & PK_FS_OBJ) && f->defp) ? 1 : 0;

	*out = rel == PK_REL_COUNT ? n : 16 * n;
	return 0;
}

const struct pk_field_ops pk_ip6list_ops = {
    .set = ip6l_set,
    .get = ip6l_get,
    .build = ip6l_build,
    .dissect = ip6l_dissect,
    .repr = ip6l_repr,
    .size = ip6l_size,
};
