/*
 * ip.c - IPv4 (RFC 791), its options, and IPerror (the IP header quoted
 * in an ICMP error, RFC 792).
 *
 *   0       4       8              16    19                     31
 *   +-------+-------+---------------+-----+-----------------------+
 *   |version|  ihl  |      tos      |         total length        |
 *   |          identification       |flags|    fragment offset    |
 *   |     ttl       |   protocol    |        header checksum      |
 *   |                       source address                        |
 *   |                    destination address                      |
 *   |                    options (ihl*4 - 20)                     |
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "layers6.h"
#include "tables.h"

enum {
	F_VERSION,
	F_IHL,
	F_TOS,
	F_LEN,
	F_ID,
	F_FLAGS,
	F_FRAG,
	F_TTL,
	F_PROTO,
	F_CHKSUM,
	F_SRC,
	F_DST,
	F_OPTIONS
};

static const struct pk_enum_entry ip_flags_e[] = {
    {0, "MF"},
    {1, "DF"},
    {2, "evil"},
};
static const struct pk_enum ip_flags = PK_ENUM(ip_flags_e);
static const uint8_t localhost[4] = {127, 0, 0, 1};

/*
 * Options (RFC 791 3.1): a class per common option, chosen by the type
 * octet (scapy's dispatch_hook), and the generic IPOption for the rest.
 */
static const struct pk_enum_entry opt_class_e[] = {
    {0, "control"},
    {2, "debug"},
};
static const struct pk_enum opt_class = PK_ENUM(opt_class_e);
static const struct pk_enum_entry opt_names_e[] = {
    {0, "end_of_list"},
    {1, "nop"},
    {2, "security"},
    {3, "loose_source_route"},
    {4, "timestamp"},
    {5, "extended_security"},
    {6, "commercial_security"},
    {7, "record_route"},
    {8, "stream_id"},
    {9, "strict_source_route"},
    {10, "experimental_measurement"},
    {11, "mtu_probe"},
    {12, "mtu_reply"},
    {13, "flow_control"},
    {14, "access_control"},
    {15, "encode"},
    {16, "imi_traffic_descriptor"},
    {17, "extended_IP"},
    {18, "traceroute"},
    {19, "address_extension"},
    {20, "router_alert"},
    {21, "selective_directed_broadcast_mode"},
    {23, "dynamic_packet_state"},
    {24, "upstream_multicast_packet"},
    {25, "quick_start"},
    {30, "rfc4727_experiment"},
};
static const struct pk_enum opt_names = PK_ENUM(opt_names_e);
static const struct pk_enum_entry alert_e[] = {
    {0, "router_shall_examine_packet"},
};
static const struct pk_enum alert_names = PK_ENUM(alert_e);

#define OPT_HEAD3(copy, cls, opt)                                              \
	PK_F_INT("copy_flag", 1, copy, PK_FMT_DEC),                            \
	    PK_F_ENUM("optclass", 2, cls, PK_FMT_ENUM, &opt_class),            \
	    PK_F_ENUM("option", 5, opt, PK_FMT_ENUM, &opt_names)
#define OPT_HEAD(copy, opt) OPT_HEAD3(copy, 0, opt)

static int opt_has_len(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f)
{
	return (l->f[2].u | (l->f[1].u << 5) | (l->f[0].u << 7)) > 1;
}

/* routers: a list of IPv4 addresses shown as [a, b] (FieldListField) */
static int routers_set(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f, pk_val v, union pk_fval *slot,
                       uint8_t *st)
{
	pk_val list;
	size_t i;

	if (!pk_is_list(v) && !pk_is_tuple(v))
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "expected a list of addresses");
	if (pk_to_list(vm, v, &list) < 0)
		return -1;
	for (i = 0; i < pk_as_list(list)->len; i++) {
		pk_val a = pk_as_list(list)->items[i];
		uint8_t b[4];

		if (!pk_is_str(a) ||
		    pk_parse_ip4(pk_as_str(a)->s, pk_as_str(a)->len, b) < 0) {
			pk_decref(list);
			return pk_field_error(vm, &pk_exc_ValueError, l->proto,
			                      f,
			                      "invalid IPv4 address in list");
		}
	}
	slot->v = list;
	*st = PK_FS_OBJ;
	return 0;
}

static int routers_build(struct pk_build *b, const struct pk_layer *l,
                         const struct pk_field *f, const union pk_fval *slot,
                         uint8_t st, struct pk_buf *out)
{
	size_t i;

	if (!(st & PK_FS_OBJ))
		return 0;
	for (i = 0; i < pk_as_list(slot->v)->len; i++) {
		pk_val a = pk_as_list(slot->v)->items[i];
		uint8_t x[4];

		pk_parse_ip4(pk_as_str(a)->s, pk_as_str(a)->len, x);
		pk_buf_add(out, x, 4);
	}
	return 0;
}

static int routers_dissect(struct pk_dissect *d, struct pk_layer *l,
                           const struct pk_field *f, struct pk_cursor *c,
                           size_t len, union pk_fval *slot, uint8_t *st)
{
	int64_t want = (int64_t)l->f[f->ref].u + f->add;
	size_t left = pk_cur_left(c);
	struct pk_cursor s = pk_cur_sub(c, len, NULL);
	pk_val list = pk_list_new(d->vm, 0);

	if (pk_is_undef(list))
		return -1;
	/* a length below the fixed part is python's s[:want] */
	if (want < 0)
		left = left > (size_t)-want ? left - (size_t)-want : 0;
	else
		left = pk_cur_left(&s);
	/* scapy fails on a part address (the option becomes Raw) */
	if (left % 4)
		c->truncated = true;
	while (pk_cur_left(&s) >= 4) {
		struct pk_buf t = PK_BUF_INIT;
		uint8_t x[4];

		pk_get_bytes(&s, x, 4);
		pk_fmt_ip4(&t, x);
		if (pk_list_append_take(d->vm, list,
		                        pk_str_from_buf(d->vm, &t)) < 0) {
			pk_decref(list);
			return -1;
		}
	}
	slot->v = list;
	*st = PK_FS_OBJ;
	return 0;
}

static int routers_repr(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	size_t i;

	pk_buf_addch(out, '[');
	for (i = 0; (st & PK_FS_OBJ) && i < pk_as_list(slot->v)->len; i++)
		pk_buf_addf(out, "%s%s", i ? ", " : "",
		            pk_as_str(pk_as_list(slot->v)->items[i])->s);
	pk_buf_addch(out, ']');
	return 0;
}

static int routers_size(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, enum pk_frel rel, uint64_t *out)
{
	*out = (st & PK_FS_OBJ) ? 4 * pk_as_list(slot->v)->len : 0;
	return 0;
}

static const struct pk_field_ops routers_ops = {
    .set = routers_set,
    .build = routers_build,
    .dissect = routers_dissect,
    .repr = routers_repr,
    .size = routers_size,
};

static const struct pk_field ipopt_fields[] = {OPT_HEAD(0, 0),
                                               {.name = "length",
                                                .kind = PK_FK_INT,
                                                .bits = 8,
                                                .flags = PK_FF_AUTO,
                                                .present = opt_has_len,
                                                .cls = "FieldLenField"},
                                               {.name = "value",
                                                .kind = PK_FK_BYTES,
                                                .fmt = PK_FMT_BYTES,
                                                .rel = PK_REL_LEN,
                                                .ref = 3,
                                                .add = -2,
                                                .present = opt_has_len},
                                               PK_F_END};
static const struct pk_field eol_fields[] = {OPT_HEAD(0, 0), PK_F_END};
static const struct pk_field nop_fields[] = {OPT_HEAD(0, 1), PK_F_END};
#define ROUTE_FIELDS(copy, opt)                                                \
	OPT_HEAD(copy, opt),                                                   \
	    {.name = "length",                                                 \
	     .kind = PK_FK_INT,                                                \
	     .bits = 8,                                                        \
	     .flags = PK_FF_AUTO,                                              \
	     .cls = "FieldLenField"},                                          \
	    PK_F_INT("pointer", 8, 4, PK_FMT_DEC),                             \
	    {.name = "routers",                                                \
	     .kind = PK_FK_CUSTOM,                                             \
	     .rel = PK_REL_LEN,                                                \
	     .ref = 3,                                                         \
	     .add = -3,                                                        \
	     .ops = &routers_ops,                                              \
	     .cls = "FieldListField"},                                         \
	    PK_F_END
static const struct pk_field rr_fields[] = {ROUTE_FIELDS(0, 7)};
static const struct pk_field lsrr_fields[] = {ROUTE_FIELDS(1, 3)};
static const struct pk_field ssrr_fields[] = {ROUTE_FIELDS(1, 9)};
static const struct pk_field ra_fields[] = {
    OPT_HEAD(1, 20), PK_F_INT("length", 8, 4, PK_FMT_DEC),
    PK_F_ENUM("alert", 16, 0, PK_FMT_ENUM, &alert_names), PK_F_END};
#define SHORT_OPT(copy, opt, name)                                             \
	OPT_HEAD(copy, opt), PK_F_INT("length", 8, 4, PK_FMT_DEC),             \
	    PK_F_INT(name, 16, 0, PK_FMT_DEC), PK_F_END
static const struct pk_field mtup_fields[] = {SHORT_OPT(0, 11, "mtu")};
static const struct pk_field mtur_fields[] = {SHORT_OPT(0, 12, "mtu")};
static const struct pk_field sid_fields[] = {SHORT_OPT(1, 8, "security")};

static const struct pk_proto *ipopt_dispatch(struct pk_dissect *d,
                                             const struct pk_cursor *c);

static const struct pk_enum_entry ts_flg_e[] = {
    {0, "timestamp_only"},
    {1, "timestamp_and_ip_addr"},
    {3, "prespecified_ip_addr"},
};
static const struct pk_enum ts_flg = PK_ENUM(ts_flg_e);

static int ts_has_addr(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f)
{
	return l->f[6].u != 0; /* flg */
}

static const struct pk_field tstamp_fields[] = {
    OPT_HEAD3(0, 2, 4),
    PK_F_AUTO("length", 8, PK_FMT_DEC),
    PK_F_INT("pointer", 8, 9, PK_FMT_DEC),
    PK_F_INT("oflw", 4, 0, PK_FMT_DEC),
    PK_F_ENUM("flg", 4, 1, PK_FMT_ENUM, &ts_flg),
    {.name = "internet_address", .kind = PK_FK_IP4, .present = ts_has_addr},
    PK_F_INT("timestamp", 32, 0, PK_FMT_DEC),
    PK_F_END};
static const uint8_t xxx[3] = {'x', 'x', 'x'};
static const struct pk_field security_fields[] = {
    OPT_HEAD(1, 2),
    PK_F_INT("length", 8, 11, PK_FMT_DEC),
    PK_F_INT("security", 16, 0, PK_FMT_DEC),
    PK_F_INT("compartment", 16, 0, PK_FMT_DEC),
    PK_F_INT("handling_restrictions", 16, 0, PK_FMT_DEC),
    {.name = "transmission_control_code",
     .kind = PK_FK_BYTES,
     .fmt = PK_FMT_BYTES,
     .bits = 24,
     .defp = xxx,
     .deflen = 3},
    PK_F_END};
static const struct pk_field traceroute_fields[] = {
    OPT_HEAD(0, 18),
    PK_F_INT("length", 8, 12, PK_FMT_DEC),
    PK_F_INT("id", 16, 0, PK_FMT_DEC),
    PK_F_INT("outbound_hops", 16, 0, PK_FMT_DEC),
    PK_F_INT("return_hops", 16, 0, PK_FMT_DEC),
    PK_F_IP4("originator_ip", NULL),
    PK_F_END};
static const struct pk_field addrext_fields[] = {
    OPT_HEAD(1, 19), PK_F_INT("length", 8, 10, PK_FMT_DEC),
    PK_F_IP4("src_ext", NULL), PK_F_IP4("dst_ext", NULL), PK_F_END};
static const struct pk_field sdbm_fields[] = {OPT_HEAD(1, 21),
                                              {.name = "length",
                                               .kind = PK_FK_INT,
                                               .bits = 8,
                                               .flags = PK_FF_AUTO,
                                               .cls = "FieldLenField"},
                                              {.name = "addresses",
                                               .kind = PK_FK_CUSTOM,
                                               .rel = PK_REL_LEN,
                                               .ref = 3,
                                               .add = -2,
                                               .ops = &routers_ops,
                                               .cls = "FieldListField"},
                                              PK_F_END};

/* Timestamp's length, when unset, is the option's own size */
static int tstamp_post_build(struct pk_build *b, const struct pk_layer *l,
                             size_t off, size_t hlen, size_t len)
{
	if (!pk_layer_isset(l, 3) && hlen >= 2)
		b->out->buf[off + 1] = (char)hlen;
	return 0;
}

#define IPOPT(var, cls, ttl, tab)                                              \
	const struct pk_proto var = {                                          \
	    .name = cls,                                                       \
	    .title = ttl,                                                      \
	    .fields = tab,                                                     \
	    .nfields = PK_NFIELDS(tab),                                        \
	    .flags = PK_PF_NOPAYLOAD_GUESS,                                    \
	    .dispatch = ipopt_dispatch,                                        \
	}

IPOPT(pk_proto_ipoption, "IPOption", "IP Option", ipopt_fields);
static IPOPT(opt_eol, "IPOption_EOL", "IP Option End of Options List",
             eol_fields);
static IPOPT(opt_nop, "IPOption_NOP", "IP Option No Operation", nop_fields);
static IPOPT(opt_rr, "IPOption_RR", "IP Option Record Route", rr_fields);
static IPOPT(opt_lsrr, "IPOption_LSRR",
             "IP Option Loose Source and Record Route", lsrr_fields);
static IPOPT(opt_ssrr, "IPOption_SSRR",
             "IP Option Strict Source and Record Route", ssrr_fields);
static IPOPT(opt_ra, "IPOption_Router_Alert", "IP Option Router Alert",
             ra_fields);
static IPOPT(opt_mtup, "IPOption_MTU_Probe", "IP Option MTU Probe",
             mtup_fields);
static IPOPT(opt_mtur, "IPOption_MTU_Reply", "IP Option MTU Reply",
             mtur_fields);
static IPOPT(opt_sid, "IPOption_Stream_Id", "IP Option Stream ID", sid_fields);
static const struct pk_proto opt_tstamp = {
    .name = "IPOption_Timestamp",
    .title = "IP Option Timestamp",
    .fields = tstamp_fields,
    .nfields = PK_NFIELDS(tstamp_fields),
    .flags = PK_PF_NOPAYLOAD_GUESS,
    .dispatch = ipopt_dispatch,
    .post_build = tstamp_post_build,
};
static IPOPT(opt_security, "IPOption_Security", "IP Option Security",
             security_fields);
static IPOPT(opt_traceroute, "IPOption_Traceroute", "IP Option Traceroute",
             traceroute_fields);
static IPOPT(opt_addrext, "IPOption_Address_Extension",
             "IP Option Address Extension", addrext_fields);
static IPOPT(opt_sdbm, "IPOption_SDBM",
             "IP Option Selective Directed Broadcast Mode", sdbm_fields);

/* by the option number alone, whatever the copy flag and class say (as
 * scapy: 0x61 is a NOP of class 3) */
static const struct pk_proto *ipopt_dispatch(struct pk_dissect *d,
                                             const struct pk_cursor *c)
{
	int t = pk_cur_peek(c, 0);

	switch (t < 0 ? -1 : t & 0x1f) {
	case 0:
		return &opt_eol;
	case 1:
		return &opt_nop;
	case 7:
		return &opt_rr;
	case 3:
		return &opt_lsrr;
	case 9:
		return &opt_ssrr;
	case 20:
		return &opt_ra;
	case 11:
		return &opt_mtup;
	case 12:
		return &opt_mtur;
	case 8:
		return &opt_sid;
	case 4:
		return &opt_tstamp;
	case 2:
		return &opt_security;
	case 18:
		return &opt_traceroute;
	case 19:
		return &opt_addrext;
	case 21:
		return &opt_sdbm;
	default:
		return &pk_proto_ipoption;
	}
}

/* Options are padded with zeros to a multiple of 4 (scapy pads the same). */
static int opts_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	size_t start = out->len;

	if ((st & PK_FS_OBJ) && pk_is_list(slot->v)) {
		struct pk_list *li = pk_as_list(slot->v);
		size_t i;

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
	/* a header cut inside its options builds back to what was read */
	while ((out->len - start) % 4 && !l->partial)
		pk_buf_addch(out, 0);
	return 0;
}

/* Reads one option as a table-driven packet field would (the holder's
 * only field): a read cut inside it leaves the field unset. */
static const struct pk_field holder_fields[] = {
    {.name = "option", .kind = PK_FK_PKT, .sub = &pk_proto_ipoption}, PK_F_END};
static const struct pk_proto opts_holder = {
    .name = "IPOptions",
    .fields = holder_fields,
    .nfields = PK_NFIELDS(holder_fields),
};

/*
 * Does option `opt`, read from `used` bytes, build within them? A fixed
 * field cut by the end of the area (Security's 3-byte code) builds
 * longer; the bytes it pushes out would be read as the next layer's, so
 * such an option stays Raw. *err on OOM.
 */
static bool builds_within(struct pk_dissect *d, pk_val opt, size_t used,
                          bool *err)
{
	struct pk_buf t = PK_BUF_INIT;
	struct pk_build b = {d->vm, &t, d->reg};
	bool ok;

	*err = pk_build_layer(&b, pk_as_layer(opt)) < 0;
	ok = !*err && t.len <= used;
	pk_buf_release(&t);
	return ok;
}

static int opts_dissect(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c,
                        size_t len, union pk_fval *slot, uint8_t *st)
{
	struct pk_cursor s = pk_layer_window(l, c, len);
	pk_val list = pk_list_new(d->vm, 0);

	if (pk_is_undef(list))
		return -1;
	while (pk_cur_left(&s)) {
		struct pk_cursor one = s;
		size_t left = pk_cur_left(&s), used = left;
		struct pk_layer *h = pk_dissect_layer(d, &opts_holder, &one);
		bool err = false;
		pk_val it;

		if (!h)
			goto fail;
		/* what the option left is its holder's Raw payload */
		if (h->payload && (h->payload->st[0] & PK_FS_OBJ) &&
		    pk_is_bytes(h->payload->f[0].v))
			used = left - pk_as_bytes(h->payload->f[0].v)->len;
		if (h->proto == &opts_holder && (h->st[0] & PK_FS_SET) &&
		    used > 0 && builds_within(d, h->f[0].v, used, &err)) {
			it = pk_incref(h->f[0].v);
		} else if (err) {
			pk_decref(pk_obj_take(h));
			goto fail;
		} else {
			/* cut inside a field: scapy keeps the rest as Raw */
			it = pk_bytes_new(d->vm, s.p, left);
			if (!pk_is_undef(it)) {
				struct pk_layer *r =
				    pk_layer_new(d->vm, &pk_proto_raw);

				if (r) {
					r->f[0].v = it;
					r->st[0] = PK_FS_OBJ | PK_FS_SET;
					it = pk_obj_take(r);
				} else {
					pk_decref(it);
					it = pk_undef();
				}
			}
			used = left;
		}
		pk_decref(pk_obj_take(h));
		if (pk_is_undef(it) || pk_list_append_take(d->vm, list, it) < 0)
			goto fail;
		pk_cur_skip(&s, used);
	}
	slot->v = list;
	*st = PK_FS_OBJ;
	return 0;
fail:
	pk_decref(list);
	return -1;
}

/* The size is that of the build (the sizes of option layers are computed) */
static int opts_size(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, enum pk_frel rel, uint64_t *out)
{
	struct pk_buf b = PK_BUF_INIT;
	struct pk_build bb;
	int r;

	*out = 0;
	if (!(st & PK_FS_OBJ) || !pk_is_list(slot->v))
		return 0;
	bb.vm = vm;
	bb.out = &b;
	bb.reg = pk_registry(vm);
	r = opts_build(&bb, l, f, slot, st, &b);
	*out = b.len;
	pk_buf_release(&b);
	return r;
}

static const struct pk_field_ops opts_ops = {
    .build = opts_build,
    .dissect = opts_dissect,
    .size = opts_size,
};

#define IP_FIELDS                                                              \
	PK_F_INT("version", 4, 4, PK_FMT_DEC),                                 \
	    PK_F_AUTO("ihl", 4, PK_FMT_DEC),                                   \
	    PK_F_INT("tos", 8, 0, PK_FMT_HEX),                                 \
	    PK_F_AUTO("len", 16, PK_FMT_DEC),                                  \
	    PK_F_INT("id", 16, 1, PK_FMT_DEC),                                 \
	    PK_F_ENUM("flags", 3, 0, PK_FMT_FLAGS, &ip_flags),                 \
	    PK_F_INT("frag", 13, 0, PK_FMT_DEC),                               \
	    PK_F_INT("ttl", 8, 64, PK_FMT_DEC),                                \
	    PK_F_ENUM("proto", 8, 0, PK_FMT_ENUM, &pk_ip_protos),              \
	    PK_F_AUTO("chksum", 16, PK_FMT_HEX),                               \
	    {.name = "src",                                                    \
	     .kind = PK_FK_IP4,                                                \
	     .flags = PK_FF_AUTO,                                              \
	     .cls = "SourceIPField"},                                          \
	    {.name = "dst",                                                    \
	     .kind = PK_FK_IP4,                                                \
	     .defp = localhost,                                                \
	     .cls = "DestIPField"},                                            \
	    {.name = "options",                                                \
	     .kind = PK_FK_PKTLIST,                                            \
	     .sub = &pk_proto_ipoption,                                        \
	     .rel = PK_REL_LEN,                                                \
	     .ref = F_IHL,                                                     \
	     .mul = 4,                                                         \
	     .add = -20,                                                       \
	     .ops = &opts_ops},                                                \
	    PK_F_END

static const struct pk_field ip_fields[] = {IP_FIELDS};

static int ip_pre_build(struct pk_build *b, const struct pk_layer *l,
                        union pk_fval *v, uint8_t *st)
{
	struct pk_registry *r = b->reg;
	int rc = 1;

	if (st[F_SRC] & PK_FS_SET)
		return 0;
	if (r->hooks.src4) {
		rc = r->hooks.src4(b->vm, r->hooks.ctx, v[F_DST].b, v[F_SRC].b);
		if (rc < 0)
			return -1;
	}
	if (rc > 0) {
		/* scapy's fallback without a route */
		if (v[F_DST].b[0] == 127)
			memcpy(v[F_SRC].b, localhost, 4);
		else
			memset(v[F_SRC].b, 0, 4);
	}
	st[F_SRC] |= PK_FS_SET; /* resolved: show() displays it */
	return 0;
}

static int ip_post_build(struct pk_build *b, const struct pk_layer *l,
                         size_t off, size_t hlen, size_t len)
{
	uint8_t *p = (uint8_t *)b->out->buf + off;

	if (hlen < 20)
		return 0;
	if (!pk_layer_isset(l, F_LEN) &&
	    pk_build_put_len(b, l, F_LEN, off + 2, 2, len,
	                     "an IPv4 packet is at most 65535 bytes") < 0)
		return -1;
	if (!pk_layer_isset(l, F_CHKSUM)) {
		uint16_t c;

		p[10] = p[11] = 0;
		c = pk_cksum_fold(pk_cksum_add(0, p, hlen));
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
	}
	return 0;
}

static void ip_extract_padding(const struct pk_layer *l, struct pk_cursor *pay)
{
	uint64_t hl = l->f[F_IHL].u * 4;
	uint64_t tot = l->f[F_LEN].u;
	size_t want = tot > hl ? (size_t)(tot - hl) : 0;

	if (!pk_layer_isset(l, F_LEN)) {
		pay->truncated = true;
		return;
	}
	/* a total length below the header's cuts nothing (as scapy) */
	if (tot >= hl && want < pk_cur_left(pay))
		pay->end = pay->p + want;
}

/*
 * With a source route (LSRR/SSRR) the pseudo-header carries the final
 * destination, the route's last address (RFC 791; scapy does the same).
 */
static int ip_l4_pseudo(struct pk_build *b, const struct pk_layer *l,
                        size_t off, uint8_t nh, size_t l4len, uint32_t *sum)
{
	struct pk_cursor c = pk_cur_make(b->out->buf + off, b->out->len - off);
	const uint8_t *src = (const uint8_t *)b->out->buf + off + 12;
	const uint8_t *dst = src + 4;
	struct pk_cursor opts;
	size_t hl;

	hl = (size_t)(pk_cur_peek(&c, 0) & 0x0f) * 4;
	if (hl > 20 && pk_cur_skip(&c, 20)) {
		opts = pk_cur_sub(&c, hl - 20, NULL);
		while (pk_cur_left(&opts)) {
			int t = pk_get_u8(&opts), n;
			struct pk_cursor o;

			if (t == 0)
				break;
			if (t == 1)
				continue;
			n = pk_get_u8(&opts);
			if (opts.truncated || n < 2)
				break;
			o = pk_cur_sub(&opts, (size_t)n - 2, NULL);
			if ((t == 131 || t == 137) && pk_cur_left(&o) >= 5)
				dst = o.end - 4;
		}
	}
	*sum = pk_cksum_pseudo4(src, dst, nh, (uint32_t)l4len);
	return 0;
}

static int ip_summary(struct pk_vm *vm, const struct pk_layer *l,
                      struct pk_buf *out)
{
	const char *n = l->proto->name;
	char fmt[96];

	snprintf(fmt, sizeof(fmt), "%%%s.src%% > %%%s.dst%% %%%s.proto%%", n, n,
	         n);
	if (PK_SPRINTF(vm, l, fmt, out) < 0)
		return -1;
	if (l->f[F_FRAG].u)
		pk_buf_addf(out, " frag:%u", (unsigned)l->f[F_FRAG].u);
	return 0;
}

static const uint8_t mdns4[4] = {224, 0, 0, 251};

static int ip_hashret(struct pk_vm *vm, const struct pk_layer *l,
                      struct pk_buf *key)
{
	union pk_fval src, dst;
	uint8_t x[5], sst, dstt;
	int i;

	/* an ICMP error hashes as the packet it quotes */
	if (l->payload && l->payload->proto == &pk_proto_icmp) {
		unsigned t = (unsigned)l->payload->f[0].u;

		if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
			return 0;
	}
	x[4] = (uint8_t)pk_layer_u(vm, l, F_PROTO);
	/* replies from any address must meet their probe (conf.checkIPaddr
	 * False), and so must mDNS answers to 224.0.0.251 */
	if (!memcmp(l->f[F_DST].b, mdns4, 4) ||
	    !pk_conf_flag(vm, "checkIPaddr", true))
		return pk_buf_add(key, &x[4], 1);
	if (pk_layer_display(vm, l, F_SRC, &src, &sst) < 0 ||
	    pk_layer_display(vm, l, F_DST, &dst, &dstt) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		x[i] = src.b[i] ^ dst.b[i];
	return pk_buf_add(key, x, 5);
}

static int ip_answers(struct pk_vm *vm, const struct pk_layer *reply,
                      const struct pk_layer *probe, bool *out)
{
	const struct pk_layer *pay = reply->payload;
	union pk_fval psrc, rsrc;
	uint8_t st1, st2;
	bool check = pk_conf_flag(vm, "checkIPaddr", true);

	*out = false;
	if (pk_layer_display(vm, probe, F_SRC, &psrc, &st1) < 0 ||
	    pk_layer_display(vm, reply, F_SRC, &rsrc, &st2) < 0)
		return -1;
	if (check && !memcmp(reply->f[F_DST].b, mdns4, 4) &&
	    !memcmp(probe->f[F_DST].b, mdns4, 4))
		return pk_layer_answers(vm, reply->payload, probe->payload,
		                        out);
	if (check && memcmp(reply->f[F_DST].b, psrc.b, 4))
		return 0;
	if (pk_layer_u(vm, reply, F_PROTO) == 1 && pay &&
	    pay->proto == &pk_proto_icmp) {
		unsigned t = (unsigned)pay->f[0].u;

		if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) {
			const struct pk_layer *q = pay->payload;

			if (!q || q->proto != &pk_proto_iperror)
				return 0;
			/* the quoted header must be the probe's */
			if (memcmp(q->f[F_SRC].b, psrc.b, 4) ||
			    memcmp(q->f[F_DST].b, probe->f[F_DST].b, 4) ||
			    q->f[F_PROTO].u != pk_layer_u(vm, probe, F_PROTO))
				return 0;
			if (!q->payload || !probe->payload) {
				*out = true;
				return 0;
			}
			if (q->payload->proto == &pk_proto_tcperror &&
			    probe->payload->proto == &pk_proto_tcp) {
				*out = q->payload->f[0].u ==
				           probe->payload->f[0].u &&
				       q->payload->f[1].u ==
				           probe->payload->f[1].u;
				return 0;
			}
			if (q->payload->proto == &pk_proto_udperror &&
			    probe->payload->proto == &pk_proto_udp) {
				*out = q->payload->f[0].u ==
				           probe->payload->f[0].u &&
				       q->payload->f[1].u ==
				           probe->payload->f[1].u;
				return 0;
			}
			if (q->payload->proto == &pk_proto_icmperror &&
			    probe->payload->proto == &pk_proto_icmp) {
				*out = q->payload->f[0].u ==
				       probe->payload->f[0].u;
				return 0;
			}
			*out = true;
			return 0;
		}
	}
	if ((check && memcmp(probe->f[F_DST].b, rsrc.b, 4)) ||
	    pk_layer_u(vm, reply, F_PROTO) != pk_layer_u(vm, probe, F_PROTO))
		return 0;
	return pk_layer_answers(vm, reply->payload, probe->payload, out);
}

static const struct pk_binding ip_binds[] = {
    {&pk_proto_ip, &pk_proto_tcp, 0, {{"frag", 0}, {"proto", 6}}},
    {&pk_proto_ip, &pk_proto_udp, 0, {{"frag", 0}, {"proto", 17}}},
    {&pk_proto_ip, &pk_proto_icmp, 0, {{"frag", 0}, {"proto", 1}}},
    {&pk_proto_ip, &pk_proto_ip, 0, {{"frag", 0}, {"proto", 4}}},
    {&pk_proto_iperror, &pk_proto_tcperror, 0, {{"frag", 0}, {"proto", 6}}},
    {&pk_proto_iperror, &pk_proto_udperror, 0, {{"frag", 0}, {"proto", 17}}},
    {&pk_proto_iperror, &pk_proto_icmperror, 0, {{"frag", 0}, {"proto", 1}}},
    {.lower = NULL},
};

const struct pk_proto pk_proto_ip = {
    .name = "IP",
    .title = "IP",
    .fields = ip_fields,
    .nfields = PK_NFIELDS(ip_fields),
    .binds = ip_binds,
    .pre_build = ip_pre_build,
    .post_build = ip_post_build,
    .extract_padding = ip_extract_padding,
    .summary = ip_summary,
    .hashret = ip_hashret,
    .answers = ip_answers,
    .l4_pseudo = ip_l4_pseudo,
};

const struct pk_proto pk_proto_iperror = {
    .name = "IPerror",
    .title = "IP in ICMP",
    .fields = ip_fields,
    .nfields = PK_NFIELDS(ip_fields),
    .pre_build = ip_pre_build,
    .post_build = ip_post_build,
    .extract_padding = ip_extract_padding,
    .l4_pseudo = ip_l4_pseudo,
    .hashret = ip_hashret,
};

const struct pk_proto *const pk_layers_ip[] = {
    &pk_proto_ip, &pk_proto_iperror, &pk_proto_ipoption,
    &opt_eol,     &opt_nop,          &opt_security,
    &opt_lsrr,    &opt_tstamp,       &opt_rr,
    &opt_sid,     &opt_ssrr,         &opt_mtup,
    &opt_mtur,    &opt_traceroute,   &opt_addrext,
    &opt_ra,      &opt_sdbm,         NULL,
};
