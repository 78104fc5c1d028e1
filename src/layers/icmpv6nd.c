/*
 * icmpv6nd.c - IPv6 Neighbor Discovery (RFC 4861): Router Solicitation and
 * Advertisement, Neighbor Solicitation and Advertisement, Redirect, and
 * the options that follow them (link-layer addresses, prefix information,
 * redirected header, MTU; RDNSS from RFC 8106).
 *
 *  Neighbor Solicitation (135) / Advertisement (136):
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Code      |          Checksum             |
 *  +---------------+---------------+-------------------------------+
 *  |R|S|O|                     Reserved                            |
 *  +---------------------------------------------------------------+
 *  |                     Target Address (128 bits)                 |
 *  +---------------------------------------------------------------+
 *  |   Options: Type | Length (units of 8 bytes) | ...
 *
 * Options are layers stacked after the message (as scapy does), each
 * picking the next by its type byte.
 */
#include <string.h>

#include "engine.h"
#include "layers6.h"

#define F_TYPE(d) PK_F_ENUM("type", 8, d, PK_FMT_ENUM, &pk_icmp6_type_enum)
#define F_CODE    PK_F_INT("code", 8, 0, PK_FMT_DEC)
#define F_CKSUM   PK_F_AUTO("cksum", 16, PK_FMT_HEX)

/* The option after an ND message or option: by its type byte. */
static const struct pk_proto *ndopt_class(const struct pk_cursor *pay)
{
	if (pk_cur_left(pay) <= 1)
		return &pk_proto_raw;
	switch (pay->p[0]) {
	case 1:
		return &pk_proto_ndopt_srcll;
	case 2:
		return &pk_proto_ndopt_dstll;
	case 3:
		return &pk_proto_ndopt_prefix;
	case 4:
		return &pk_proto_ndopt_redirhdr;
	case 5:
		return &pk_proto_ndopt_mtu;
	case 25:
		return &pk_proto_ndopt_rdnss;
	case 6:
		return &pk_proto_ndopt_shortcut;
	case 7:
		return &pk_proto_ndopt_advint;
	case 8:
		return &pk_proto_ndopt_hainfo;
	case 24:
		return &pk_proto_ndopt_routeinfo;
	case 26:
		return &pk_proto_ndopt_efa;
	case 31:
		return &pk_proto_ndopt_dnssl;
	case 9:
		return &pk_proto_ndopt_srcaddrlist;
	case 10:
		return &pk_proto_ndopt_tgtaddrlist;
	/* options scapy knows by a class of its own, not written here */
	case 17:
	case 18:
	case 19:
	case 23:
		return &pk_proto_ndopt_unknown;
	default:
		return &pk_proto_raw;
	}
}

static const struct pk_proto *ndopt_guess(struct pk_dissect *d,
                                          const struct pk_layer *l,
                                          const struct pk_cursor *pay)
{
	return pk_guess_checked(ndopt_class(pay), pay);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static const struct pk_field rs_fields[] = {
    F_TYPE(133), F_CODE, F_CKSUM, PK_F_INT("res", 32, 0, PK_FMT_DEC), PK_F_END};

static const struct pk_enum_entry prf_names[] = {
    {0, "Medium (default)"},
    {1, "High"},
    {2, "Reserved"},
    {3, "Low"},
};
static const struct pk_enum prf_enum = PK_ENUM(prf_names);

static const struct pk_field ra_fields[] = {
    F_TYPE(134),
    F_CODE,
    F_CKSUM,
    PK_F_INT("chlim", 8, 0, PK_FMT_DEC),
    PK_F_INT("M", 1, 0, PK_FMT_DEC),
    PK_F_INT("O", 1, 0, PK_FMT_DEC),
    PK_F_INT("H", 1, 0, PK_FMT_DEC),
    PK_F_ENUM("prf", 2, 1, PK_FMT_ENUM, &prf_enum),
    PK_F_INT("P", 1, 0, PK_FMT_DEC),
    PK_F_INT("res", 2, 0, PK_FMT_DEC),
    PK_F_INT("routerlifetime", 16, 1800, PK_FMT_DEC),
    PK_F_INT("reachabletime", 32, 0, PK_FMT_DEC),
    PK_F_INT("retranstimer", 32, 0, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field ns_fields[] = {
    F_TYPE(135),           F_CODE,  F_CKSUM, PK_F_INT("res", 32, 0, PK_FMT_DEC),
    PK_F_IP6("tgt", NULL), PK_F_END};

static const struct pk_field na_fields[] = {F_TYPE(136),
                                            F_CODE,
                                            F_CKSUM,
                                            PK_F_INT("R", 1, 1, PK_FMT_DEC),
                                            PK_F_INT("S", 1, 0, PK_FMT_DEC),
                                            PK_F_INT("O", 1, 1, PK_FMT_DEC),
                                            PK_F_INT("res", 29, 0, PK_FMT_HEX),
                                            PK_F_IP6("tgt", NULL),
                                            PK_F_END};

static const struct pk_field redirect_fields[] = {
    F_TYPE(137),
    F_CODE,
    F_CKSUM,
    PK_F_INT("res", 32, 0, PK_FMT_HEX),
    PK_F_IP6("tgt", NULL),
    PK_F_IP6("dst", NULL),
    PK_F_END};

static int ra_summary(struct pk_vm *vm, const struct pk_layer *l,
                      struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(
	    vm, l,
	    "%name% Lifetime %routerlifetime% Hop Limit %chlim% "
	    "Preference %prf% Managed %M% Other %O% Home %H%",
	    out);
}

static int tgt_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(vm, l, "%name% (tgt: %tgt%)", out);
}

/* scapy hashes the target's text */
static int tgt_hashret(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *key)
{
	int i = pk_proto_field_index(l->proto, "tgt");

	pk_fmt_ip6(key, l->f[i].b);
	return 0;
}

static int ra_answers(struct pk_vm *vm, const struct pk_layer *self,
                      const struct pk_layer *other, bool *out)
{
	*out = other->proto == &pk_proto_nd_rs;
	return 0;
}

static int na_answers(struct pk_vm *vm, const struct pk_layer *self,
                      const struct pk_layer *other, bool *out)
{
	int a = pk_proto_field_index(self->proto, "tgt");
	int b = pk_proto_field_index(&pk_proto_nd_ns, "tgt");

	*out = other->proto == &pk_proto_nd_ns &&
	       !memcmp(self->f[a].b, other->f[b].b, 16);
	return 0;
}

#define ND_PROTO(sym, nm, ttl, fl, ...)                                        \
	const struct pk_proto sym = {.name = nm,                               \
	                             .title = ttl,                             \
	                             .fields = fl,                             \
	                             .nfields = PK_NFIELDS(fl),                \
	                             .post_build = pk_icmp6_post_build,        \
	                             .guess_payload = ndopt_guess,             \
	                             __VA_ARGS__}

ND_PROTO(pk_proto_nd_rs, "ICMPv6ND_RS",
         "ICMPv6 Neighbor Discovery - Router Solicitation", rs_fields,
         .answers = pk_icmp6_answers);
ND_PROTO(pk_proto_nd_ra, "ICMPv6ND_RA",
         "ICMPv6 Neighbor Discovery - Router Advertisement", ra_fields,
         .summary = ra_summary, .answers = ra_answers);
ND_PROTO(pk_proto_nd_ns, "ICMPv6ND_NS",
         "ICMPv6 Neighbor Discovery - Neighbor Solicitation", ns_fields,
         .summary = tgt_summary, .hashret = tgt_hashret,
         .answers = pk_icmp6_answers);
ND_PROTO(pk_proto_nd_na, "ICMPv6ND_NA",
         "ICMPv6 Neighbor Discovery - Neighbor Advertisement", na_fields,
         .summary = tgt_summary, .hashret = tgt_hashret, .answers = na_answers);
static const struct pk_field indsol_fields[] = {
    F_TYPE(141), F_CODE, F_CKSUM, PK_F_INT("reserved", 32, 0, PK_FMT_HEX),
    PK_F_END};
static const struct pk_field indadv_fields[] = {
    F_TYPE(142), F_CODE, F_CKSUM, PK_F_INT("reserved", 32, 0, PK_FMT_HEX),
    PK_F_END};
static const struct pk_enum_entry mo_names[] = {{2, "M"}, {1, "O"}};
static const struct pk_enum mo_enum = PK_ENUM(mo_names);
static const struct pk_field mpadv_fields[] = {
    F_TYPE(147),
    F_CODE,
    F_CKSUM,
    PK_F_AUTO("id", 16, PK_FMT_HEX),
    PK_F_ENUM("flags", 2, 2, PK_FMT_ENUM, &mo_enum),
    PK_F_INT("res", 14, 0, PK_FMT_HEX),
    PK_F_END};

static int mpadv_hashret(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *key)
{
	return pk_buf_add_be16(key, (uint16_t)pk_layer_uint(l, 3));
}

static int mpadv_answers(struct pk_vm *vm, const struct pk_layer *self,
                         const struct pk_layer *other, bool *out)
{
	*out = other->proto == &pk_proto_icmp6mpsol;
	return 0;
}

ND_PROTO(pk_proto_nd_indsol, "ICMPv6ND_INDSol",
         "ICMPv6 Inverse Neighbor Discovery Solicitation", indsol_fields,
         .answers = pk_icmp6_answers);
ND_PROTO(pk_proto_nd_indadv, "ICMPv6ND_INDAdv",
         "ICMPv6 Inverse Neighbor Discovery Advertisement", indadv_fields,
         .answers = pk_icmp6_answers);
ND_PROTO(pk_proto_nd_mpadv, "ICMPv6MPAdv", "ICMPv6 Mobile Prefix Advertisement",
         mpadv_fields, .hashret = mpadv_hashret, .answers = mpadv_answers);
ND_PROTO(pk_proto_nd_redirect, "ICMPv6ND_Redirect",
         "ICMPv6 Neighbor Discovery - Redirect", redirect_fields,
         .answers = pk_icmp6_answers);

/* ------------------------------------------------------------------ */
/* Options                                                             */

static const struct pk_field optunk_fields[] = {
    PK_F_AUTO("type", 8, PK_FMT_DEC),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    /* len counts bytes here, type and len included (scapy's adjust) */
    {.name = "data",
     .kind = PK_FK_BYTES,
     .fmt = PK_FMT_BYTES,
     .rel = PK_REL_LEN,
     .ref = 1,
     .add = -2,
     .defp = ""},
    PK_F_END};

static const struct pk_field srcll_fields[] = {
    PK_F_INT("type", 8, 1, PK_FMT_DEC), PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_MAC("lladdr", NULL), PK_F_END};

static const struct pk_field dstll_fields[] = {
    PK_F_INT("type", 8, 2, PK_FMT_DEC), PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_MAC("lladdr", NULL), PK_F_END};

static const struct pk_field prefix_fields[] = {
    PK_F_INT("type", 8, 3, PK_FMT_DEC),
    PK_F_INT("len", 8, 4, PK_FMT_DEC),
    PK_F_INT("prefixlen", 8, 64, PK_FMT_DEC),
    PK_F_INT("L", 1, 1, PK_FMT_DEC),
    PK_F_INT("A", 1, 1, PK_FMT_DEC),
    PK_F_INT("R", 1, 0, PK_FMT_DEC),
    PK_F_INT("res1", 5, 0, PK_FMT_DEC),
    PK_F_INT("validlifetime", 32, 0xffffffff, PK_FMT_HEX),
    PK_F_INT("preferredlifetime", 32, 0xffffffff, PK_FMT_HEX),
    PK_F_INT("res2", 32, 0, PK_FMT_HEX),
    PK_F_IP6("prefix", NULL),
    PK_F_END};

static const struct pk_field mtu_fields[] = {
    PK_F_INT("type", 8, 5, PK_FMT_DEC), PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_INT("res", 16, 0, PK_FMT_HEX), PK_F_INT("mtu", 32, 1280, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field rdnss_fields[] = {
    PK_F_INT("type", 8, 25, PK_FMT_DEC),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    PK_F_AUTO("res", 16, PK_FMT_DEC),
    PK_F_INT("lifetime", 32, 0xffffffff, PK_FMT_DEC),
    /* 8 * (len - 1) bytes of addresses */
    {.name = "dns",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_LEN,
     .ref = 1,
     .mul = 8,
     .add = -8,
     .ops = &pk_ip6list_ops},
    PK_F_END};

static int lladdr_summary(struct pk_vm *vm, const struct pk_layer *l,
                          struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(vm, l, "%name% %lladdr%", out);
}

static int prefix_summary(struct pk_vm *vm, const struct pk_layer *l,
                          struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(
	    vm, l,
	    "%name% %prefix%/%prefixlen% On-link %L% Autonomous Address "
	    "%A% Router Address %R%",
	    out);
}

static int mtu_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(vm, l, "%name% %mtu%", out);
}

static int rdnss_summary(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	pk_val v = l->f[4].v;

	pk_buf_addstr(out, l->proto->title);
	pk_buf_addch(out, ' ');
	if ((l->st[4] & PK_FS_OBJ) && pk_is_list(v)) {
		struct pk_list *li = pk_as_list(v);
		size_t i;

		for (i = 0; i < li->len; i++) {
			if (i)
				pk_buf_addstr(out, ", ");
			if (pk_is_str(li->items[i]))
				pk_buf_addstr(out, pk_as_str(li->items[i])->s);
		}
	}
	return 0;
}

/* scapy shows fixed-size bytes without their trailing NULs */
static int fixed_repr(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	const uint8_t *p = f->defp;
	size_t n = f->deflen;

	if (st & PK_FS_OBJ) {
		p = pk_as_bytes(slot->v)->b;
		n = pk_as_bytes(slot->v)->len;
	}
	while (n && !p[n - 1])
		n--;
	pk_repr_scapy_bytes(out, p, n);
	return 0;
}

static const struct pk_field_ops fixed_ops = {.repr = fixed_repr};

/* Redirected Header: the quoted IPv6 packet, cut to a multiple of 8. */
enum { RH_TYPE, RH_LEN, RH_RES, RH_PKT };

static int redir_pkt_set(struct pk_vm *vm, const struct pk_layer *l,
                         const struct pk_field *f, pk_val v,
                         union pk_fval *slot, uint8_t *st)
{
	if (pk_is_str(v)) {
		slot->v = pk_bytes_new(vm, pk_as_str(v)->s, pk_as_str(v)->len);
		if (pk_is_undef(slot->v))
			return -1;
	} else if (pk_is_bytes(v) || pk_is_packet(v)) {
		slot->v = pk_incref(v);
	} else {
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "expected a packet or bytes, got '%s'",
		                      pk_typename(v));
	}
	*st |= PK_FS_OBJ;
	return 0;
}

static int redir_pkt_encode(struct pk_build *b, const union pk_fval *slot,
                            uint8_t st, struct pk_buf *out)
{
	size_t start = out->len, n;

	if (!(st & PK_FS_OBJ))
		return 0;
	if (pk_is_packet(slot->v)) {
		if (pk_build_layer(b, pk_as_layer(slot->v)) < 0)
			return -1;
	} else if (pk_is_bytes(slot->v)) {
		pk_buf_add(out, pk_as_bytes(slot->v)->b,
		           pk_as_bytes(slot->v)->len);
	}
	n = out->len - start;
	pk_buf_setlen(out, start + n - (n + 8) % 8);
	return 0;
}

static int redir_pkt_build(struct pk_build *b, const struct pk_layer *l,
                           const struct pk_field *f, const union pk_fval *slot,
                           uint8_t st, struct pk_buf *out)
{
	return redir_pkt_encode(b, slot, st, out);
}

static int redir_pkt_dissect(struct pk_dissect *d, struct pk_layer *l,
                             const struct pk_field *f, struct pk_cursor *c,
                             size_t len, union pk_fval *slot, uint8_t *st)
{
	size_t want = 8 * (size_t)l->f[RH_LEN].u;
	struct pk_cursor sub = pk_cur_sub(c, want >= 8 ? want - 8 : 0, NULL);
	struct pk_layer *q;

	/* scapy keeps a quoted packet it cannot read as Raw */
	q = pk_dissect_layer(d,
	                     pk_cut_in_field(&pk_proto_ipv6, pk_cur_left(&sub))
	                         ? &pk_proto_raw
	                         : &pk_proto_ipv6,
	                     &sub);
	if (!q)
		return -1;
	slot->v = pk_obj_take(q);
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

static const struct pk_field_ops redir_pkt_ops = {
    .set = redir_pkt_set,
    .build = redir_pkt_build,
    .dissect = redir_pkt_dissect,
};

static const struct pk_field redirhdr_fields[] = {
    PK_F_INT("type", 8, 4, PK_FMT_DEC),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    {.name = "res",
     .kind = PK_FK_BYTES,
     .fmt = PK_FMT_BYTES,
     .bits = 48,
     .defp = "\0\0\0\0\0\0",
     .deflen = 6,
     .ref = -1,
     .ops = &fixed_ops},
    {.name = "pkt",
     .kind = PK_FK_CUSTOM,
     .fmt = PK_FMT_BYTES,
     .ref = -1,
     .ops = &redir_pkt_ops},
    PK_F_END};

static int redirhdr_post_build(struct pk_build *b, const struct pk_layer *l,
                               size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, RH_LEN) && hlen >= 2)
		((uint8_t *)b->out->buf)[off + 1] = (uint8_t)(hlen / 8);
	return 0;
}

#define OPT_PROTO(sym, nm, ttl, fl, ...)                                       \
	const struct pk_proto sym = {.name = nm,                               \
	                             .title = ttl,                             \
	                             .fields = fl,                             \
	                             .nfields = PK_NFIELDS(fl),                \
	                             .guess_payload = ndopt_guess,             \
	                             __VA_ARGS__}

OPT_PROTO(pk_proto_ndopt_unknown, "ICMPv6NDOptUnknown",
          "ICMPv6 Neighbor Discovery Option - Scapy Unimplemented",
          optunk_fields, .flags = 0);
OPT_PROTO(pk_proto_ndopt_srcll, "ICMPv6NDOptSrcLLAddr",
          "ICMPv6 Neighbor Discovery Option - Source Link-Layer Address",
          srcll_fields, .summary = lladdr_summary);
OPT_PROTO(pk_proto_ndopt_dstll, "ICMPv6NDOptDstLLAddr",
          "ICMPv6 Neighbor Discovery Option - Destination Link-Layer Address",
          dstll_fields, .summary = lladdr_summary);
OPT_PROTO(pk_proto_ndopt_prefix, "ICMPv6NDOptPrefixInfo",
          "ICMPv6 Neighbor Discovery Option - Prefix Information",
          prefix_fields, .summary = prefix_summary);
OPT_PROTO(pk_proto_ndopt_mtu, "ICMPv6NDOptMTU",
          "ICMPv6 Neighbor Discovery Option - MTU", mtu_fields,
          .summary = mtu_summary);
OPT_PROTO(pk_proto_ndopt_rdnss, "ICMPv6NDOptRDNSS",
          "ICMPv6 Neighbor Discovery Option - Recursive DNS Server Option",
          rdnss_fields, .summary = rdnss_summary);
OPT_PROTO(pk_proto_ndopt_redirhdr, "ICMPv6NDOptRedirectedHdr",
          "ICMPv6 Neighbor Discovery Option - Redirected Header",
          redirhdr_fields, .post_build = redirhdr_post_build);

/* ------------------------------------------------------------------ */
/* More options: RFC 2491, RFC 6275, RFC 4191, RFC 5175, RFC 8106      */

static const struct pk_field shortcut_fields[] = {
    PK_F_INT("type", 8, 6, PK_FMT_DEC),
    PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_INT("shortcutlim", 8, 40, PK_FMT_DEC),
    PK_F_INT("res1", 8, 0, PK_FMT_DEC),
    PK_F_INT("res2", 32, 0, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field advint_fields[] = {
    PK_F_INT("type", 8, 7, PK_FMT_DEC), PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_INT("res", 16, 0, PK_FMT_DEC), PK_F_INT("advint", 32, 0, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field hainfo_fields[] = {
    PK_F_INT("type", 8, 8, PK_FMT_DEC),
    PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_INT("res", 16, 0, PK_FMT_DEC),
    PK_F_INT("pref", 16, 0, PK_FMT_DEC),
    PK_F_INT("lifetime", 16, 1, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field efa_fields[] = {
    PK_F_INT("type", 8, 26, PK_FMT_DEC), PK_F_INT("len", 8, 1, PK_FMT_DEC),
    PK_F_INT("res", 48, 0, PK_FMT_DEC), PK_F_END};

static int advint_summary(struct pk_vm *vm, const struct pk_layer *l,
                          struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(vm, l, "%name% %advint% milliseconds",
	                                out);
}

static int hainfo_summary(struct pk_vm *vm, const struct pk_layer *l,
                          struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(
	    vm, l, "%name% %pref% %lifetime% seconds", out);
}

/* Route Information: a prefix of 0, 8 or 16 bytes as len says. */
enum { RI_TYPE, RI_LEN, RI_PLEN, RI_RES1, RI_PRF, RI_RES2, RI_LIFE, RI_PREFIX };

static int riprefix_build(struct pk_build *b, const struct pk_layer *l,
                          const struct pk_field *f, const union pk_fval *slot,
                          uint8_t st, struct pk_buf *out)
{
	uint64_t n;

	/* scapy reads the user's len, not the one the build fills */
	if (!pk_layer_isset(l, RI_LEN))
		return pk_buf_add(out, slot->b, 16);
	n = pk_layer_uint(l, RI_LEN);
	if (n <= 1)
		return 0;
	if (n <= 3)
		return pk_buf_add(out, slot->b, (size_t)(8 * (n - 1)));
	pk_buf_add(out, slot->b, 16);
	return pk_buf_addchars(out, 0, (size_t)(8 * (n - 3)));
}

static int riprefix_dissect(struct pk_dissect *d, struct pk_layer *l,
                            const struct pk_field *f, struct pk_cursor *c,
                            size_t len, union pk_fval *slot, uint8_t *st)
{
	uint64_t n = pk_layer_uint(l, RI_LEN);
	size_t want = n >= 1 ? (size_t)(8 * (n - 1)) : 0, k;
	size_t take = want < pk_cur_left(c) ? want : pk_cur_left(c);

	/* scapy fails on a prefix cut short, and on one longer than an
	 * address (len > 3; inet_ntop takes 16 bytes): the option is Raw.
	 * Kept, a long one cut short grew by its padding at each round. */
	if ((take < want && want <= 16) || want > 16)
		return pk_field_become_raw(d, l, f, c);
	memset(slot->b, 0, 16);
	for (k = 0; k < take && k < 16; k++)
		slot->b[k] = c->p[k];
	pk_cur_skip(c, take);
	*st = PK_FS_SET;
	return 0;
}

/* scapy's default prefix is None, shown so until one is set or read */
static int riprefix_repr(struct pk_vm *vm, const struct pk_layer *l,
                         const struct pk_field *f, const union pk_fval *slot,
                         uint8_t st, struct pk_buf *out)
{
	if (!(st & PK_FS_SET))
		pk_buf_addstr(out, "None");
	else
		pk_fmt_ip6(out, slot->b);
	return 0;
}

static const struct pk_field_ops riprefix_ops = {
    .build = riprefix_build,
    .dissect = riprefix_dissect,
    .repr = riprefix_repr,
};

static const struct pk_field routeinfo_fields[] = {
    PK_F_INT("type", 8, 24, PK_FMT_DEC),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    PK_F_AUTO("plen", 8, PK_FMT_DEC),
    PK_F_INT("res1", 3, 0, PK_FMT_DEC),
    PK_F_ENUM("prf", 2, 0, PK_FMT_ENUM, &prf_enum),
    PK_F_INT("res2", 3, 0, PK_FMT_DEC),
    PK_F_INT("rtlifetime", 32, 0xffffffff, PK_FMT_DEC),
    {.name = "prefix", .kind = PK_FK_IP6, .ref = -1, .ops = &riprefix_ops},
    PK_F_END};

/* the prefix goes out whole when len is unset: len 3 */
static int routeinfo_post_build(struct pk_build *b, const struct pk_layer *l,
                                size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, RI_LEN) && hlen >= 2)
		((uint8_t *)b->out->buf)[off + 1] = 3;
	return 0;
}

static int routeinfo_summary(struct pk_vm *vm, const struct pk_layer *l,
                             struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(
	    vm, l, "%name% %prefix%/%plen% Preference %prf%", out);
}

/* DNS Search List: names as RFC 1035 labels, padded to 8 bytes. */
enum { SL_TYPE, SL_LEN, SL_RES, SL_LIFE, SL_LIST, SL_RAW };

static int names_set(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, pk_val v, union pk_fval *slot,
                     uint8_t *st)
{
	pk_val list;
	size_t i;

	if (pk_is_str(v)) {
		list = pk_list_new(vm, 1);
		if (pk_is_undef(list) || pk_list_append(vm, list, v) < 0) {
			pk_decref(list);
			return -1;
		}
	} else if (pk_is_list(v) || pk_is_tuple(v)) {
		if (pk_to_list(vm, v, &list) < 0)
			return -1;
	} else {
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "expected a list of names, got '%s'",
		                      pk_typename(v));
	}
	for (i = 0; i < pk_as_list(list)->len; i++) {
		if (!pk_is_str(pk_as_list(list)->items[i])) {
			pk_decref(list);
			return pk_field_error(vm, &pk_exc_TypeError, l->proto,
			                      f, "names must be str");
		}
	}
	slot->v = list;
	*st |= PK_FS_OBJ;
	return 0;
}

static void names_encode(const union pk_fval *slot, uint8_t st, bool pad,
                         struct pk_buf *out)
{
	size_t start = out->len, i;
	struct pk_list *li = NULL;

	if ((st & PK_FS_OBJ) && pk_is_list(slot->v))
		li = pk_as_list(slot->v);
	for (i = 0; li && i < li->len; i++) {
		struct pk_str *n;
		size_t k = 0, first = out->len;

		n = pk_as_str(li->items[i]);

		for (;;) {
			const char *dot = memchr(n->s + k, '.', n->len - k);
			size_t ln =
			    dot ? (size_t)(dot - (n->s + k)) : n->len - k;

			pk_buf_addch(out, (int)(ln & 0xff));
			pk_buf_add(out, n->s + k, ln);
			if (!dot)
				break;
			k = (size_t)(dot - n->s) + 1;
		}
		if (out->len == first || out->buf[out->len - 1] != 0)
			pk_buf_addch(out, 0);
	}
	if ((out->len - start) % 8 && pad)
		pk_buf_addchars(out, 0, 8 - (out->len - start) % 8);
}

/*
 * Names with lying label lengths, or cut short, do not encode back to the
 * bytes they came from (scapy reads '\x07e' as 'e.'), and a list that
 * grows at each build is no list. As scapy's raw cache, and as DNS does,
 * the hidden last field keeps [bytes as read, their encoding then, the
 * other fields then]: while nothing changed, the bytes as read go out.
 */
static void sl_key(const struct pk_layer *l, struct pk_buf *out)
{
	int i;

	for (i = SL_TYPE; i < SL_LIST; i++) {
		pk_buf_addch(out, l->st[i] & PK_FS_SET);
		pk_buf_add(out, &l->f[i].u, sizeof(l->f[i].u));
	}
}

static int names_build(struct pk_build *b, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, struct pk_buf *out)
{
	struct pk_buf enc = PK_BUF_INIT, key = PK_BUF_INIT;
	const struct pk_bytes *hit = NULL;

	sl_key(l, &key);
	if (pk_rawcache_key_ok(l, SL_RAW, &key)) {
		names_encode(slot, st, false, &enc);
		hit = pk_rawcache_hit(l, SL_RAW, &enc, &key);
	}
	pk_buf_release(&enc);
	pk_buf_release(&key);
	if (hit)
		return pk_buf_add(out, hit->b, hit->len);
	/* an option cut short builds back to what it has */
	names_encode(slot, st, !l->partial, out);
	return 0;
}

/* The cache of names_build(), from the bytes the names were read from. */
static int sl_remember(struct pk_dissect *d, struct pk_layer *l,
                       const uint8_t *p, size_t n)
{
	struct pk_buf enc = PK_BUF_INIT, key = PK_BUF_INIT;

	names_encode(&l->f[SL_LIST], l->st[SL_LIST], false, &enc);
	sl_key(l, &key);
	return pk_rawcache_set(d->vm, l, SL_RAW, p, n, &enc, &key);
}

static int names_dissect(struct pk_dissect *d, struct pk_layer *l,
                         const struct pk_field *f, struct pk_cursor *c,
                         size_t len, union pk_fval *slot, uint8_t *st)
{
	uint64_t n = pk_layer_uint(l, SL_LEN);
	size_t want = n >= 1 ? (size_t)(8 * n - 8) : 0;
	struct pk_cursor s = pk_layer_window(l, c, want);
	const uint8_t *from = s.p;
	pk_val list = pk_list_new(d->vm, 0);

	if (pk_is_undef(list))
		return -1;
	while (pk_cur_left(&s)) {
		struct pk_buf name = PK_BUF_INIT;
		bool any = false;
		pk_val str;

		while (pk_cur_left(&s) && s.p[0]) {
			size_t ln = s.p[0], take;

			pk_cur_skip(&s, 1);
			take = ln < pk_cur_left(&s) ? ln : pk_cur_left(&s);
			if (any)
				pk_buf_addch(&name, '.');
			pk_buf_add(&name, s.p, take);
			pk_cur_skip(&s, take);
			any = true;
		}
		if (pk_cur_left(&s))
			pk_cur_skip(&s, 1); /* the root label */
		if (!any) {
			pk_buf_release(&name);
			continue; /* padding */
		}
		pk_buf_addch(&name, '.');
		str = pk_str_from_buf(d->vm, &name);
		if (pk_is_undef(str) ||
		    pk_list_append_take(d->vm, list, str) < 0) {
			pk_decref(list);
			return -1;
		}
	}
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return sl_remember(d, l, from, (size_t)(s.end - from));
}

static const struct pk_field_ops names_ops = {
    .set = names_set,
    .build = names_build,
    .dissect = names_dissect,
};

static const struct pk_field dnssl_fields[] = {
    PK_F_INT("type", 8, 31, PK_FMT_DEC),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    PK_F_AUTO("res", 16, PK_FMT_DEC),
    PK_F_INT("lifetime", 32, 0xffffffff, PK_FMT_DEC),
    {.name = "searchlist", .kind = PK_FK_CUSTOM, .ref = -1, .ops = &names_ops},
    PK_F_RAWCACHE, /* see names_build() */
    PK_F_END};

static int dnssl_post_build(struct pk_build *b, const struct pk_layer *l,
                            size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, SL_LEN) && hlen >= 8)
		return pk_build_put_len(b, l, SL_LEN, off + 1, 1,
		                        1 + (hlen - 8) / 8, NULL);
	return 0;
}

static int dnssl_summary(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	pk_val v = l->f[SL_LIST].v;
	size_t i;

	pk_buf_addstr(out, l->proto->title);
	pk_buf_addch(out, ' ');
	if ((l->st[SL_LIST] & PK_FS_OBJ) && pk_is_list(v))
		for (i = 0; i < pk_as_list(v)->len; i++) {
			pk_val it = pk_as_list(v)->items[i];

			if (i)
				pk_buf_addstr(out, ", ");
			if (pk_is_str(it))
				pk_buf_addstr(out, pk_as_str(it)->s);
			else
				pk_repr_pybytes(out, pk_as_bytes(it)->b,
				                pk_as_bytes(it)->len);
		}
	return 0;
}

OPT_PROTO(pk_proto_ndopt_shortcut, "ICMPv6NDOptShortcutLimit",
          "ICMPv6 Neighbor Discovery Option - NBMA Shortcut Limit",
          shortcut_fields, .flags = 0);
OPT_PROTO(pk_proto_ndopt_advint, "ICMPv6NDOptAdvInterval",
          "ICMPv6 Neighbor Discovery - Interval Advertisement", advint_fields,
          .summary = advint_summary);
OPT_PROTO(pk_proto_ndopt_hainfo, "ICMPv6NDOptHAInfo",
          "ICMPv6 Neighbor Discovery - Home Agent Information", hainfo_fields,
          .summary = hainfo_summary);
OPT_PROTO(pk_proto_ndopt_efa, "ICMPv6NDOptEFA",
          "ICMPv6 Neighbor Discovery Option - Expanded Flags Option",
          efa_fields, .flags = 0);
OPT_PROTO(pk_proto_ndopt_routeinfo, "ICMPv6NDOptRouteInfo",
          "ICMPv6 Neighbor Discovery Option - Route Information Option",
          routeinfo_fields, .post_build = routeinfo_post_build,
          .summary = routeinfo_summary);
OPT_PROTO(pk_proto_ndopt_dnssl, "ICMPv6NDOptDNSSL",
          "ICMPv6 Neighbor Discovery Option - DNS Search List Option",
          dnssl_fields, .post_build = dnssl_post_build,
          .summary = dnssl_summary);

/* Inverse ND address lists (RFC 3122): 8 * (len - 1) bytes of addresses */
#define ADDRLIST_FIELDS(t)                                                     \
	{                                                                      \
		PK_F_INT("type", 8, t, PK_FMT_DEC),                            \
		    PK_F_AUTO("len", 8, PK_FMT_DEC),                           \
		    {.name = "res",                                            \
		     .kind = PK_FK_BYTES,                                      \
		     .fmt = PK_FMT_BYTES,                                      \
		     .bits = 48,                                               \
		     .defp = "\0\0\0\0\0\0",                                   \
		     .deflen = 6,                                              \
		     .ref = -1,                                                \
		     .ops = &fixed_ops},                                       \
		    {.name = "addrlist",                                       \
		     .kind = PK_FK_CUSTOM,                                     \
		     .rel = PK_REL_LEN,                                        \
		     .ref = 1,                                                 \
		     .mul = 8,                                                 \
		     .add = -8,                                                \
		     .ops = &pk_ip6list_ops},                                  \
		    PK_F_END                                                   \
	}
static const struct pk_field srcaddrlist_fields[] = ADDRLIST_FIELDS(9);
static const struct pk_field tgtaddrlist_fields[] = ADDRLIST_FIELDS(10);

OPT_PROTO(pk_proto_ndopt_srcaddrlist, "ICMPv6NDOptSrcAddrList",
          "ICMPv6 Inverse Neighbor Discovery Option - Source Address List",
          srcaddrlist_fields, .flags = 0);
OPT_PROTO(pk_proto_ndopt_tgtaddrlist, "ICMPv6NDOptTgtAddrList",
          "ICMPv6 Inverse Neighbor Discovery Option - Target Address List",
          tgtaddrlist_fields, .flags = 0);
