/*
 * ipv6ext.c - IPv6 extension headers (RFC 8200 section 4): Hop-by-Hop and
 * Destination Options with their options (Pad1, PadN, Router Alert RFC
 * 2711, Jumbo Payload RFC 2675, Home Address RFC 6275), Routing, Fragment.
 *
 *  Hop-by-Hop / Destination Options:      Routing:
 *  +-------+-------+----------------+     +-------+-------+-------+-------+
 *  |  nh   |  len  |    options     |     |  nh   |  len  | type  |segleft|
 *  +-------+-------+                |     +-------+-------+-------+-------+
 *  |   ... (8 * (len + 1) bytes)    |     |           reserved            |
 *  +--------------------------------+     +-------------------------------+
 *                                         |      addresses (16 each)      |
 *  Fragment:
 *  +-------+-------+-------------------------+-----+-+
 *  |  nh   | res1  |   offset (13 bits)      |res2 |M|
 *  +-------+-------+-------------------------+-----+-+
 *  |                 identification                  |
 *  +-------------------------------------------------+
 *
 * As scapy does, options are padded at build (autopad) to their alignment
 * and the header to a multiple of 8 bytes with Pad1/PadN.
 */
#include <string.h>

#include "engine.h"
#include "layers6.h"

/* ------------------------------------------------------------------ */
/* Options                                                             */

static const struct pk_enum_entry hbhopt_names[] = {
    {0x00, "Pad1"},
    {0x01, "PadN"},
    {0x04, "Tunnel Encapsulation Limit"},
    {0x05, "Router Alert"},
    {0x06, "Quick-Start"},
    {0xc2, "Jumbo Payload"},
    {0xc9, "Home Address Option"},
};
static const struct pk_enum hbhopt_enum = PK_ENUM(hbhopt_names);

/* "Router Alert [00: skip, 0: Don't change en-route]" */
static int otype_repr(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	static const char *const pol[] = {"00: skip", "01: discard",
	                                  "10: discard+ICMP",
	                                  "11: discard+ICMP not mcast"};
	unsigned x = (unsigned)(slot->u & 0xff);
	const char *n = pk_enum_name(&hbhopt_enum, x);

	if (n)
		pk_buf_addstr(out, n);
	else
		pk_buf_addf(out, "%u", x);
	pk_buf_addf(out, " [%s, %s]", pol[x >> 6],
	            (x & 0x20) ? "1: May change en-route"
	                       : "0: Don't change en-route");
	return 0;
}

static const struct pk_field_ops otype_ops = {.repr = otype_repr};

#define F_OTYPE(d)                                                             \
	{                                                                      \
		.name = "otype", .kind = PK_FK_INT, .fmt = PK_FMT_DEC,         \
		.bits = 8, .def = d, .enm = &hbhopt_enum, .ref = -1,           \
		.ops = &otype_ops                                              \
	}
#define F_OPTLEN_AUTO                                                          \
	{                                                                      \
		.name = "optlen", .kind = PK_FK_INT, .fmt = PK_FMT_DEC,        \
		.bits = 8, .flags = PK_FF_AUTO, .ref = -1                      \
	}
#define F_OPTDATA                                                              \
	{                                                                      \
		.name = "optdata", .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES,   \
		.rel = PK_REL_LEN, .ref = 1, .defp = "", .deflen = 0           \
	}

static const struct pk_field pad1_fields[] = {F_OTYPE(0), PK_F_END};
static const struct pk_field padn_fields[] = {F_OTYPE(1), F_OPTLEN_AUTO,
                                              F_OPTDATA, PK_F_END};
static const struct pk_field unk_fields[] = {F_OTYPE(1), F_OPTLEN_AUTO,
                                             F_OPTDATA, PK_F_END};

static const struct pk_enum_entry ra_names[] = {
    {0, "Datagram contains a MLD message"},
    {1, "Datagram contains RSVP message"},
    {2, "Datagram contains an Active Network message"},
    {68, "NSIS NATFW NSLP"},
    {69, "MPLS OAM"},
    {65535, "Reserved"},
};
static const struct pk_enum ra_enum = PK_ENUM(ra_names);

static const struct pk_field ra_fields[] = {
    F_OTYPE(5),
    PK_F_INT("optlen", 8, 2, PK_FMT_DEC),
    {.name = "value",
     .kind = PK_FK_INT,
     .fmt = PK_FMT_ENUM,
     .bits = 16,
     .flags = PK_FF_AUTO,
     .enm = &ra_enum,
     .ref = -1},
    PK_F_END};

static const struct pk_field jumbo_fields[] = {
    F_OTYPE(0xc2), PK_F_INT("optlen", 8, 4, PK_FMT_DEC),
    PK_F_AUTO("jumboplen", 32, PK_FMT_DEC), PK_F_END};

static const struct pk_field hao_fields[] = {
    F_OTYPE(0xc9), PK_F_INT("optlen", 8, 16, PK_FMT_DEC), PK_F_IP6("hoa", NULL),
    PK_F_END};

#define OPT_PROTO(sym, nm, ttl, fl)                                            \
	const struct pk_proto sym = {                                          \
	    .name = nm,                                                        \
	    .title = ttl,                                                      \
	    .fields = fl,                                                      \
	    .nfields = PK_NFIELDS(fl),                                         \
	    .flags = PK_PF_NOPAYLOAD_GUESS,                                    \
	}

OPT_PROTO(pk_proto_pad1, "Pad1", "Pad1", pad1_fields);
OPT_PROTO(pk_proto_padn, "PadN", "PadN", padn_fields);
OPT_PROTO(pk_proto_routeralert, "RouterAlert", "Router Alert", ra_fields);
OPT_PROTO(pk_proto_jumbo, "Jumbo", "Jumbo Payload", jumbo_fields);
OPT_PROTO(pk_proto_hao, "HAO", "Home Address Option", hao_fields);
OPT_PROTO(pk_proto_hbhoptunknown, "HBHOptUnknown", "Scapy6 Unknown Option",
          unk_fields);

/* Alignment xn+y of each option (RFC 8200 4.2): padding needed at pos. */
static size_t align_delta(const struct pk_proto *p, size_t pos)
{
	size_t x, y;

	if (p == &pk_proto_routeralert)
		x = 2, y = 0;
	else if (p == &pk_proto_jumbo)
		x = 4, y = 2;
	else if (p == &pk_proto_hao)
		x = 8, y = 6;
	else
		return 0;
	return x * ((pos - y + x - 1) / x) + y - pos;
}

static void add_pad(struct pk_buf *out, size_t d)
{
	if (d == 1) {
		pk_buf_addch(out, 0);
	} else if (d > 1) {
		pk_buf_addch(out, 1);
		pk_buf_addch(out, (int)(d - 2));
		pk_buf_addchars(out, 0, d - 2);
	}
}

static const struct pk_proto *opt_class(uint8_t t)
{
	switch (t) {
	case 0x00:
		return &pk_proto_pad1;
	case 0x01:
		return &pk_proto_padn;
	case 0x05:
		return &pk_proto_routeralert;
	case 0xc2:
		return &pk_proto_jumbo;
	case 0xc9:
		return &pk_proto_hao;
	default:
		return &pk_proto_hbhoptunknown;
	}
}

/* Wire size of an option starting at p (n bytes left). */
static size_t opt_size(const struct pk_proto *cls, const uint8_t *p, size_t n)
{
	if (cls == &pk_proto_pad1)
		return 1;
	if (cls == &pk_proto_routeralert)
		return 4;
	if (cls == &pk_proto_jumbo)
		return 6;
	if (cls == &pk_proto_hao)
		return 18;
	return n >= 2 ? 2 + (size_t)p[1] : n;
}

static bool fixed_size(const struct pk_proto *cls)
{
	return cls == &pk_proto_routeralert || cls == &pk_proto_jumbo ||
	       cls == &pk_proto_hao;
}

enum { X_NH, X_LEN, X_AUTOPAD, X_OPTIONS };

static bool autopad_on(const struct pk_layer *l)
{
	return !pk_layer_isset(l, X_AUTOPAD) || l->f[X_AUTOPAD].u;
}

static int opts_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	pk_val list;

	if (pk_is_packet(v)) {
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
		                      "expected a list of options, got '%s'",
		                      pk_typename(v));
	}
	slot->v = list;
	*st |= PK_FS_OBJ;
	return 0;
}

static int opts_encode(struct pk_build *b, const struct pk_layer *l,
                       const union pk_fval *slot, uint8_t st,
                       struct pk_buf *out)
{
	size_t start = out->len, pos = 2, i;
	/* a header cut short builds back to the options it has */
	bool pad = autopad_on(l) && !l->partial;
	struct pk_list *li = NULL;

	if ((st & PK_FS_OBJ) && pk_is_list(slot->v))
		li = pk_as_list(slot->v);
	for (i = 0; li && i < li->len; i++) {
		pk_val it = li->items[i];
		size_t before;

		if (pad && pk_is_packet(it)) {
			size_t d = align_delta(pk_as_layer(it)->proto, pos);

			add_pad(out, d);
			pos += d;
		}
		before = out->len;
		if (pk_is_packet(it)) {
			if (pk_build_layer(b, pk_as_layer(it)) < 0)
				return -1;
		} else if (pk_is_bytes(it)) {
			pk_buf_add(out, pk_as_bytes(it)->b,
			           pk_as_bytes(it)->len);
		} else {
			return pk_raise(b->vm, &pk_exc_TypeError,
			                "cannot build a '%s' as an IPv6 option",
			                pk_typename(it));
		}
		pos += out->len - before;
	}
	if (pad && pos % 8)
		add_pad(out, 8 - pos % 8);
	(void)start;
	return 0;
}

static int opts_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	return opts_encode(b, l, slot, st, out);
}

static int opts_dissect(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c,
                        size_t len, union pk_fval *slot, uint8_t *st)
{
	size_t want = 8 * ((size_t)l->f[X_LEN].u + 1) - 2;
	struct pk_cursor sub = pk_layer_window(l, c, want);
	pk_val list = pk_list_new(d->vm, 0);

	if (pk_is_undef(list))
		return -1;
	while (pk_cur_left(&sub)) {
		const struct pk_proto *cls = opt_class(sub.p[0]);
		size_t n = opt_size(cls, sub.p, pk_cur_left(&sub));
		struct pk_cursor one;
		struct pk_layer *o;

		/* an option cut inside a field: scapy keeps the rest as Raw */
		if (n > pk_cur_left(&sub) && fixed_size(cls) &&
		    pk_cur_left(&sub) > 2 &&
		    !(cls == &pk_proto_routeralert && pk_cur_left(&sub) == 2))
			cls = &pk_proto_raw;
		one = pk_cur_sub(
		    &sub, cls == &pk_proto_raw ? pk_cur_left(&sub) : n, NULL);
		o = pk_dissect_layer(d, cls, &one);

		if (!o ||
		    pk_list_append_take(d->vm, list, pk_obj_take(o)) < 0) {
			pk_decref(list);
			return -1;
		}
	}
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

static const struct pk_field_ops opts_ops = {
    .set = opts_set,
    .build = opts_build,
    .dissect = opts_dissect,
};

/* The phantom 'autopad' switch: never on the wire, shown On/Off. */
static int autopad_build(struct pk_build *b, const struct pk_layer *l,
                         const struct pk_field *f, const union pk_fval *slot,
                         uint8_t st, struct pk_buf *out)
{
	return 0;
}

static int autopad_dissect(struct pk_dissect *d, struct pk_layer *l,
                           const struct pk_field *f, struct pk_cursor *c,
                           size_t len, union pk_fval *slot, uint8_t *st)
{
	slot->u = 1;
	*st = PK_FS_SET;
	return 0;
}

static int autopad_repr(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	pk_buf_addstr(out, slot->u ? "On" : "Off");
	return 0;
}

static const struct pk_field_ops autopad_ops = {
    .build = autopad_build,
    .dissect = autopad_dissect,
    .repr = autopad_repr,
};

static const struct pk_field optshdr_fields[] = {
    PK_F_ENUM("nh", 8, 59, PK_FMT_ENUM, &pk_ipv6_nh_enum),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    {.name = "autopad",
     .kind = PK_FK_INT,
     .fmt = PK_FMT_DEC,
     .bits = 8,
     .def = 1,
     .ref = -1,
     .ops = &autopad_ops},
    {.name = "options",
     .kind = PK_FK_PKTLIST,
     .ref = -1,
     .sub = &pk_proto_hbhoptunknown,
     .ops = &opts_ops},
    PK_F_END};

/* len counts 8-byte units past the first (show() keeps None) */
static int optshdr_post_build(struct pk_build *b, const struct pk_layer *l,
                              size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, X_LEN) && hlen >= 2)
		return pk_build_put_len(
		    b, l, X_LEN, off + 1, 1, (hlen + 7) / 8 - 1,
		    "an options header is at most 2048 bytes");
	return 0;
}

const struct pk_proto pk_proto_hbh = {
    .name = "IPv6ExtHdrHopByHop",
    .title = "IPv6 Extension Header - Hop-by-Hop Options Header",
    .fields = optshdr_fields,
    .nfields = PK_NFIELDS(optshdr_fields),
    .post_build = optshdr_post_build,
    .guess_payload = pk_ipv6_ext_guess,
};

const struct pk_proto pk_proto_destopt = {
    .name = "IPv6ExtHdrDestOpt",
    .title = "IPv6 Extension Header - Destination Options Header",
    .fields = optshdr_fields,
    .nfields = PK_NFIELDS(optshdr_fields),
    .post_build = optshdr_post_build,
    .guess_payload = pk_ipv6_ext_guess,
};

/* ------------------------------------------------------------------ */
/* Routing                                                             */

enum { R_NH, R_LEN, R_TYPE, R_SEGLEFT, R_RES, R_ADDRS };

static const struct pk_field routing_fields[] = {
    PK_F_ENUM("nh", 8, 59, PK_FMT_ENUM, &pk_ipv6_nh_enum),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    PK_F_INT("type", 8, 0, PK_FMT_DEC),
    PK_F_AUTO("segleft", 8, PK_FMT_DEC),
    PK_F_INT("reserved", 32, 0, PK_FMT_DEC),
    {.name = "addresses",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_LEN,
     .ref = R_LEN,
     .mul = 8,
     .ops = &pk_ip6list_ops},
    PK_F_END};

/* segleft: every address is left to visit */
static int routing_post_build(struct pk_build *b, const struct pk_layer *l,
                              size_t off, size_t hlen, size_t len)
{
	uint64_t n = 0;

	if (pk_layer_isset(l, R_SEGLEFT) || hlen < 4)
		return 0;
	if ((l->st[R_ADDRS] & PK_FS_OBJ) && pk_is_list(l->f[R_ADDRS].v))
		n = pk_as_list(l->f[R_ADDRS].v)->len;
	return pk_build_put_len(b, l, R_SEGLEFT, off + 3, 1, n, NULL);
}

const struct pk_proto pk_proto_routing = {
    .name = "IPv6ExtHdrRouting",
    .title = "IPv6 Option Header Routing",
    .fields = routing_fields,
    .nfields = PK_NFIELDS(routing_fields),
    .post_build = routing_post_build,
    .guess_payload = pk_ipv6_ext_guess,
};

/* ------------------------------------------------------------------ */
/* Fragment                                                            */

static const struct pk_field fragment_fields[] = {
    PK_F_ENUM("nh", 8, 59, PK_FMT_ENUM, &pk_ipv6_nh_enum),
    PK_F_INT("res1", 8, 0, PK_FMT_DEC),
    PK_F_INT("offset", 13, 0, PK_FMT_DEC),
    PK_F_INT("res2", 2, 0, PK_FMT_DEC),
    PK_F_INT("m", 1, 0, PK_FMT_DEC),
    PK_F_AUTO("id", 32, PK_FMT_DEC),
    PK_F_END};

static const struct pk_proto *fragment_guess(struct pk_dissect *d,
                                             const struct pk_layer *l,
                                             const struct pk_cursor *pay)
{
	/* only the first fragment carries the next header */
	if (pk_layer_uint(l, 2) > 0)
		return &pk_proto_raw;
	return pk_ipv6_ext_guess(d, l, pay);
}

const struct pk_proto pk_proto_fragment = {
    .name = "IPv6ExtHdrFragment",
    .title = "IPv6 Extension Header - Fragmentation header",
    .fields = fragment_fields,
    .nfields = PK_NFIELDS(fragment_fields),
    .guess_payload = fragment_guess,
};

/* ------------------------------------------------------------------ */
/* Segment Routing header (RFC 8754): routing type 4                   */
/*                                                                     */
/*  | nh | len | type=4 | segleft | lastentry | flags | tag (16) |      */
/*  | segment list: (lastentry + 1) * 16 bytes | TLVs ...         |    */

static const struct pk_enum_entry srtlv_names[] = {
    {0, "Pad1 TLV"}, {1, "Ingress Node TLV"}, {2, "Egress Node TLV"},
    {4, "PadN TLV"}, {5, "HMAC TLV"},
};
static const struct pk_enum srtlv_enum = PK_ENUM(srtlv_names);

#define F_SRTYPE(d, fl)                                                        \
	{                                                                      \
		.name = "type", .kind = PK_FK_INT, .fmt = PK_FMT_ENUM,         \
		.bits = 8, .def = d, .flags = fl, .enm = &srtlv_enum,          \
		.ref = -1                                                      \
	}

static const struct pk_field srtlv_fields[] = {
    F_SRTYPE(0, PK_FF_AUTO), PK_F_INT("len", 8, 0, PK_FMT_DEC),
    PK_F_BYTES("value", "", 0), PK_F_END};

#define SR_PAD_FIELDS(t)                                                       \
	{                                                                      \
		F_SRTYPE(t, 0), PK_F_AUTO("len", 8, PK_FMT_DEC),               \
		    {.name = "padding",                                        \
		     .kind = PK_FK_BYTES,                                      \
		     .fmt = PK_FMT_BYTES,                                      \
		     .rel = PK_REL_LEN,                                        \
		     .ref = 1,                                                 \
		     .defp = "",                                               \
		     .deflen = 1},                                             \
		    PK_F_END                                                   \
	}
static const struct pk_field srpad1_fields[] = SR_PAD_FIELDS(0);
static const struct pk_field srpadn_fields[] = SR_PAD_FIELDS(4);

#define SR_NODE_FIELDS(t, n)                                                   \
	{                                                                      \
		F_SRTYPE(t, 0), PK_F_INT("len", 8, 18, PK_FMT_DEC),            \
		    PK_F_INT("reserved", 8, 0, PK_FMT_DEC),                    \
		    PK_F_INT("flags", 8, 0, PK_FMT_DEC), PK_F_IP6(n, ip6_one), \
		    PK_F_END                                                   \
	}
static const uint8_t ip6_one[16] = {[15] = 1};
static const struct pk_field sringress_fields[] =
    SR_NODE_FIELDS(1, "ingress_node");
static const struct pk_field sregress_fields[] =
    SR_NODE_FIELDS(2, "egress_node");

OPT_PROTO(pk_proto_srtlv, "IPv6ExtHdrSegmentRoutingTLV",
          "IPv6 Option Header Segment Routing - Generic TLV", srtlv_fields);
OPT_PROTO(pk_proto_srpad1, "IPv6ExtHdrSegmentRoutingTLVPad1",
          "IPv6 Option Header Segment Routing - Pad1 TLV", srpad1_fields);
OPT_PROTO(pk_proto_srpadn, "IPv6ExtHdrSegmentRoutingTLVPadN",
          "IPv6 Option Header Segment Routing - PadN TLV", srpadn_fields);
OPT_PROTO(pk_proto_sringress, "IPv6ExtHdrSegmentRoutingTLVIngressNode",
          "IPv6 Option Header Segment Routing - Ingress Node TLV",
          sringress_fields);
OPT_PROTO(pk_proto_sregress, "IPv6ExtHdrSegmentRoutingTLVEgressNode",
          "IPv6 Option Header Segment Routing - Egress Node TLV",
          sregress_fields);

enum { S_NH, S_LEN, S_TYPE, S_SEGLEFT, S_LAST, S_TAG = 11, S_ADDRS, S_TLVS };

/* Addresses the header carries (one, ::1, by default). */
static size_t sr_naddr(const struct pk_layer *l)
{
	if (!(l->st[S_ADDRS] & PK_FS_OBJ))
		return 1;
	return pk_is_list(l->f[S_ADDRS].v) ? pk_as_list(l->f[S_ADDRS].v)->len
	                                   : 0;
}

/* One TLV at s (n bytes): its layer, and the bytes it took. */
static struct pk_layer *sr_tlv(struct pk_dissect *d, const uint8_t *s, size_t n,
                               size_t *used)
{
	const struct pk_proto *p;
	struct pk_layer *t;
	size_t dl;

	switch (s[0]) {
	case 0:
		p = &pk_proto_srpad1;
		break;
	case 1:
		p = &pk_proto_sringress;
		break;
	case 2:
		p = &pk_proto_sregress;
		break;
	case 4:
		p = &pk_proto_srpadn;
		break;
	default:
		p = &pk_proto_srtlv;
		break;
	}
	/* a node TLV cut inside a field fails in scapy: Raw */
	if ((p == &pk_proto_sringress || p == &pk_proto_sregress) && n > 4 &&
	    n < 20)
		p = &pk_proto_raw;
	t = pk_layer_new(d->vm, p);
	if (!t)
		return NULL;
	if (p == &pk_proto_raw) {
		t->f[0].v = pk_bytes_new(d->vm, s, n);
		if (pk_is_undef(t->f[0].v)) {
			pk_decref(pk_obj_take(t));
			return NULL;
		}
		t->st[0] = PK_FS_OBJ | PK_FS_SET;
		*used = n;
		return t;
	}
	pk_layer_set_uint(t, 0, s[0]);
	*used = 1;
	/* the fields after the last byte keep their defaults, unbuilt (a
	 * Pad1 TLV's default padding is a byte the wire did not have) */
	t->partial = true;
	if (n < 2)
		return t;
	pk_layer_set_uint(t, 1, s[1]);
	*used = 2;
	if (p == &pk_proto_sringress || p == &pk_proto_sregress) {
		if (n >= 3)
			pk_layer_set_uint(t, 2, s[2]), *used = 3;
		if (n >= 4)
			pk_layer_set_uint(t, 3, s[3]), *used = 4;
		if (n >= 20) {
			memcpy(t->f[4].b, s + 4, 16);
			t->st[4] = PK_FS_SET;
			*used = 20;
			t->partial = false;
		}
		return t;
	}
	dl = s[1] < n - 2 ? s[1] : n - 2;
	if (n > 2) {
		t->partial = false;
		t->f[2].v = pk_bytes_new(d->vm, s + 2, dl);
		if (pk_is_undef(t->f[2].v)) {
			pk_decref(pk_obj_take(t));
			return NULL;
		}
		t->st[2] = PK_FS_OBJ | PK_FS_SET;
		*used = 2 + dl;
	}
	return t;
}

static int srtlvs_dissect(struct pk_dissect *d, struct pk_layer *l,
                          const struct pk_field *f, struct pk_cursor *c,
                          size_t len, union pk_fval *slot, uint8_t *st)
{
	int64_t want =
	    8 * (int64_t)l->f[S_LEN].u - 16 * ((int64_t)l->f[S_LAST].u + 1);
	struct pk_cursor s = pk_cur_sub(c, want > 0 ? (size_t)want : 0, NULL);
	pk_val list = pk_list_new(d->vm, 0);

	if (pk_is_undef(list))
		return -1;
	while (pk_cur_left(&s)) {
		size_t used = 0;
		struct pk_layer *t = sr_tlv(d, s.p, pk_cur_left(&s), &used);

		if (!t ||
		    pk_list_append_take(d->vm, list, pk_obj_take(t)) < 0) {
			pk_decref(list);
			return -1;
		}
		pk_cur_skip(&s, used ? used : 1);
	}
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

/* The TLVs, then (len unset) the padding scapy adds to reach 8 bytes. */
static int srtlvs_build(struct pk_build *b, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	size_t start = out->len, i, total, pad;

	if ((st & PK_FS_OBJ) && pk_is_list(slot->v)) {
		struct pk_list *li = pk_as_list(slot->v);

		for (i = 0; i < li->len; i++) {
			if (pk_is_packet(li->items[i])) {
				if (pk_build_layer(
				        b, pk_as_layer(li->items[i])) < 0)
					return -1;
			} else if (pk_is_bytes(li->items[i])) {
				pk_buf_add(out, pk_as_bytes(li->items[i])->b,
				           pk_as_bytes(li->items[i])->len);
			}
		}
	}
	if (pk_layer_isset(l, S_LEN))
		return 0;
	total = 8 + 16 * sr_naddr(l) + (out->len - start);
	pad = (8 - total % 8) % 8;
	if (pad == 1) {
		/* scapy's Pad1 TLV carries one byte of padding: 3 bytes */
		pk_buf_add(out, "\x00\x01\x00", 3);
	} else if (pad >= 2) {
		pk_buf_addch(out, 4);
		pk_buf_addch(out, (int)(pad - 2));
		pk_buf_addchars(out, 0, pad - 2);
	}
	return 0;
}

static const struct pk_field_ops srtlvs_ops = {
    .set = opts_set,
    .build = srtlvs_build,
    .dissect = srtlvs_dissect,
};

static const struct pk_field srh_fields[] = {
    PK_F_ENUM("nh", 8, 59, PK_FMT_ENUM, &pk_ipv6_nh_enum),
    PK_F_AUTO("len", 8, PK_FMT_DEC),
    PK_F_INT("type", 8, 4, PK_FMT_DEC),
    PK_F_AUTO("segleft", 8, PK_FMT_DEC),
    PK_F_AUTO("lastentry", 8, PK_FMT_DEC),
    PK_F_INT("unused1", 1, 0, PK_FMT_DEC),
    PK_F_INT("protected", 1, 0, PK_FMT_DEC),
    PK_F_INT("oam", 1, 0, PK_FMT_DEC),
    PK_F_INT("alert", 1, 0, PK_FMT_DEC),
    PK_F_INT("hmac", 1, 0, PK_FMT_DEC),
    PK_F_INT("unused2", 3, 0, PK_FMT_DEC),
    PK_F_INT("tag", 16, 0, PK_FMT_DEC),
    /* lastentry + 1 addresses; ::1 when none is given */
    {.name = "addresses",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_COUNT,
     .ref = S_LAST,
     .add = 1,
     .defp = "::1",
     .ops = &pk_ip6list_ops},
    {.name = "tlv_objects",
     .kind = PK_FK_PKTLIST,
     .ref = -1,
     .sub = &pk_proto_srtlv,
     .ops = &srtlvs_ops},
    PK_F_END};

static int srh_post_build(struct pk_build *b, const struct pk_layer *l,
                          size_t off, size_t hlen, size_t len)
{
	size_t n = sr_naddr(l);

	if (hlen < 8)
		return 0;
	if (!pk_layer_isset(l, S_LEN) &&
	    pk_build_put_len(b, l, S_LEN, off + 1, 1, (hlen - 8) / 8, NULL) < 0)
		return -1;
	if (!pk_layer_isset(l, S_SEGLEFT) &&
	    pk_build_put_len(b, l, S_SEGLEFT, off + 3, 1, n ? n - 1 : 0, NULL) <
	        0)
		return -1;
	return 0;
}

const struct pk_proto pk_proto_srh = {
    .name = "IPv6ExtHdrSegmentRouting",
    .title = "IPv6 Option Header Segment Routing",
    .fields = srh_fields,
    .nfields = PK_NFIELDS(srh_fields),
    .post_build = srh_post_build,
    .guess_payload = pk_ipv6_ext_guess,
};

const struct pk_proto *const pk_layers_ipv6[] = {
    &pk_proto_ipv6,
    &pk_proto_iperror6,
    &pk_proto_hbh,
    &pk_proto_destopt,
    &pk_proto_routing,
    &pk_proto_fragment,
    &pk_proto_pad1,
    &pk_proto_padn,
    &pk_proto_routeralert,
    &pk_proto_jumbo,
    &pk_proto_hao,
    &pk_proto_hbhoptunknown,
    &pk_proto_srh,
    &pk_proto_srtlv,
    &pk_proto_srpad1,
    &pk_proto_srpadn,
    &pk_proto_sringress,
    &pk_proto_sregress,
    NULL,
};
