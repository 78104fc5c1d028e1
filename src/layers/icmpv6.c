/*
 * icmpv6.c - ICMPv6 (RFC 4443): echo, the error messages quoting the
 * offending packet (as IPerror6), MLD (RFC 2710) and MLDv2 (RFC 3810).
 * Neighbor Discovery is in icmpv6nd.c.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Message Body                          |
 *  +                                                               +
 *
 * The checksum covers the IPv6 pseudo-header (RFC 8200 8.1) and is filled
 * at build when unset. When dissecting, the class comes from the type
 * byte, and only when the message is at least that type's minimum length
 * (scapy's icmp6typesminhdrlen); a 130 of 28 bytes or more is MLDv2.
 */
#include <string.h>

#include "engine.h"
#include "layers6.h"

static const struct pk_enum_entry icmp6_type_names[] = {
    {1, "Destination unreachable"},
    {2, "Packet too big"},
    {3, "Time exceeded"},
    {4, "Parameter problem"},
    {100, "Private Experimentation"},
    {101, "Private Experimentation"},
    {128, "Echo Request"},
    {129, "Echo Reply"},
    {130, "MLD Query"},
    {131, "MLD Report"},
    {132, "MLD Done"},
    {133, "Router Solicitation"},
    {134, "Router Advertisement"},
    {135, "Neighbor Solicitation"},
    {136, "Neighbor Advertisement"},
    {137, "Redirect Message"},
    {138, "Router Renumbering"},
    {139, "ICMP Node Information Query"},
    {140, "ICMP Node Information Response"},
    {141, "Inverse Neighbor Discovery Solicitation Message"},
    {142, "Inverse Neighbor Discovery Advertisement Message"},
    {143, "MLD Report Version 2"},
    {144, "Home Agent Address Discovery Request Message"},
    {145, "Home Agent Address Discovery Reply Message"},
    {146, "Mobile Prefix Solicitation"},
    {147, "Mobile Prefix Advertisement"},
    {148, "Certification Path Solicitation"},
    {149, "Certification Path Advertisement"},
    {151, "Multicast Router Advertisement"},
    {152, "Multicast Router Solicitation"},
    {153, "Multicast Router Termination"},
    {155, "RPL Control Message"},
    {200, "Private Experimentation"},
    {201, "Private Experimentation"},
};
const struct pk_enum pk_icmp6_type_enum = PK_ENUM(icmp6_type_names);

static const struct pk_enum_entry unreach_codes[] = {
    {0, "No route to destination"},
    {1, "Communication with destination administratively prohibited"},
    {2, "Beyond scope of source address"},
    {3, "Address unreachable"},
    {4, "Port unreachable"},
};
static const struct pk_enum unreach_enum = PK_ENUM(unreach_codes);

static const struct pk_enum_entry timex_codes[] = {
    {0, "hop limit exceeded in transit"},
    {1, "fragment reassembly time exceeded"},
};
static const struct pk_enum timex_enum = PK_ENUM(timex_codes);

static const struct pk_enum_entry param_codes[] = {
    {0, "erroneous header field encountered"},
    {1, "unrecognized Next Header type encountered"},
    {2, "unrecognized IPv6 option encountered"},
    {3, "first fragment has incomplete header chain"},
};
static const struct pk_enum param_enum = PK_ENUM(param_codes);

/* ------------------------------------------------------------------ */
/* Shared hooks                                                        */

int pk_icmp6_post_build(struct pk_build *b, const struct pk_layer *l,
                        size_t off, size_t hlen, size_t len)
{
	int ci = pk_proto_field_index(l->proto, "cksum");
	uint16_t ck;
	uint8_t *p;

	if (ci < 0 || pk_layer_isset(l, ci) || len < 4)
		return 0;
	if (pk_cksum_l4(b, l, 58, off, len, &ck) < 0)
		return -1;
	p = (uint8_t *)b->out->buf + off;
	p[2] = (uint8_t)(ck >> 8);
	p[3] = (uint8_t)ck;
	return 0;
}

static bool under_ext(const struct pk_layer *l)
{
	const struct pk_proto *u = l->under ? l->under->proto : NULL;

	return u == &pk_proto_hbh || u == &pk_proto_destopt ||
	       u == &pk_proto_routing || u == &pk_proto_fragment;
}

/* scapy's _ICMPv6.answers: only inside an error quote or behind an
 * extension header, by type and code. */
int pk_icmp6_answers(struct pk_vm *vm, const struct pk_layer *self,
                     const struct pk_layer *other, bool *out)
{
	uint8_t t;

	*out = false;
	if ((self->under && self->under->proto == &pk_proto_iperror6) ||
	    (under_ext(self) && pk_icmp6_is(other->proto, &t)))
		*out = pk_layer_uint(self, 0) == pk_layer_uint(other, 0) &&
		       pk_layer_uint(self, 1) == pk_layer_uint(other, 1);
	return 0;
}

/* "%name% (id: %id% seq: %seq%)" and friends: the title, then text. */
int pk_icmp6_sprintf_summary(struct pk_vm *vm, const struct pk_layer *l,
                             const char *fmt, struct pk_buf *out)
{
	/* %name% is the layer's title, whatever the engine's sprintf does */
	if (!strncmp(fmt, "%name%", 6)) {
		pk_buf_addstr(out, l->proto->title);
		fmt += 6;
	}
	return pk_layer_sprintf(vm, (struct pk_layer *)l, fmt, strlen(fmt),
	                        out);
}

static const struct pk_proto *error_guess(struct pk_dissect *d,
                                          const struct pk_layer *l,
                                          const struct pk_cursor *pay)
{
	return pk_guess_checked(&pk_proto_iperror6, pay);
}

#define F_TYPE(d) PK_F_ENUM("type", 8, d, PK_FMT_ENUM, &pk_icmp6_type_enum)
#define F_CODE    PK_F_INT("code", 8, 0, PK_FMT_DEC)
#define F_CKSUM   PK_F_AUTO("cksum", 16, PK_FMT_HEX)

/* ------------------------------------------------------------------ */
/* Unknown and errors                                                  */

/* An ICMPv6 message class: checksum at build, scapy's answers(), and the
 * hooks that set it apart (designated initializers). */
#define ICMP6_PROTO(sym, nm, ttl, fl, ...)                                     \
	const struct pk_proto sym = {.name = nm,                               \
	                             .title = ttl,                             \
	                             .fields = fl,                             \
	                             .nfields = PK_NFIELDS(fl),                \
	                             .post_build = pk_icmp6_post_build,        \
	                             .answers = pk_icmp6_answers,              \
	                             __VA_ARGS__}
static const struct pk_field unknown_fields[] = {
    F_TYPE(1), F_CODE, F_CKSUM, PK_F_BYTES("msgbody", "", 0), PK_F_END};

ICMP6_PROTO(pk_proto_icmp6unknown, "ICMPv6Unknown",
            "Scapy6 ICMPv6 fallback class", unknown_fields, .flags = 0);

static const struct pk_field unreach_fields[] = {
    F_TYPE(1),
    PK_F_ENUM("code", 8, 0, PK_FMT_ENUM, &unreach_enum),
    F_CKSUM,
    PK_F_INT("length", 8, 0, PK_FMT_DEC),
    PK_F_INT("unused", 24, 0, PK_FMT_HEX),
    PK_F_END};

static const struct pk_field toobig_fields[] = {
    F_TYPE(2), F_CODE, F_CKSUM, PK_F_INT("mtu", 32, 1280, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field timex_fields[] = {
    F_TYPE(3),
    PK_F_ENUM("code", 8, 0, PK_FMT_ENUM, &timex_enum),
    F_CKSUM,
    PK_F_INT("length", 8, 0, PK_FMT_DEC),
    PK_F_INT("unused", 24, 0, PK_FMT_HEX),
    PK_F_END};

static const struct pk_field param_fields[] = {
    F_TYPE(4), PK_F_ENUM("code", 8, 0, PK_FMT_ENUM, &param_enum), F_CKSUM,
    PK_F_INT("ptr", 32, 6, PK_FMT_DEC), PK_F_END};

#define ERR_PROTO(sym, nm, ttl, fl)                                            \
	ICMP6_PROTO(sym, nm, ttl, fl, .guess_payload = error_guess)

ERR_PROTO(pk_proto_icmp6destunreach, "ICMPv6DestUnreach",
          "ICMPv6 Destination Unreachable", unreach_fields);
ERR_PROTO(pk_proto_icmp6toobig, "ICMPv6PacketTooBig", "ICMPv6 Packet Too Big",
          toobig_fields);
ERR_PROTO(pk_proto_icmp6timeexceeded, "ICMPv6TimeExceeded",
          "ICMPv6 Time Exceeded", timex_fields);
ERR_PROTO(pk_proto_icmp6paramproblem, "ICMPv6ParamProblem",
          "ICMPv6 Parameter Problem", param_fields);

/* ------------------------------------------------------------------ */
/* Echo                                                                */

static const struct pk_field echoreq_fields[] = {
    F_TYPE(128),
    F_CODE,
    F_CKSUM,
    PK_F_INT("id", 16, 0, PK_FMT_HEX),
    PK_F_INT("seq", 16, 0, PK_FMT_HEX),
    PK_F_BYTES("data", "", 0),
    PK_F_END};

static const struct pk_field echorep_fields[] = {
    F_TYPE(129),
    F_CODE,
    F_CKSUM,
    PK_F_INT("id", 16, 0, PK_FMT_HEX),
    PK_F_INT("seq", 16, 0, PK_FMT_HEX),
    PK_F_BYTES("data", "", 0),
    PK_F_END};

enum { E_TYPE, E_CODE, E_CKSUM, E_ID, E_SEQ, E_DATA };

static int echo_summary(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *out)
{
	return pk_icmp6_sprintf_summary(vm, l, "%name% (id: %id% seq: %seq%)",
	                                out);
}

static int echo_hashret(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *key)
{
	/* scapy packs "HH" in native order: little endian here */
	uint16_t id = (uint16_t)pk_layer_uint(l, E_ID);
	uint16_t seq = (uint16_t)pk_layer_uint(l, E_SEQ);

	pk_buf_addch(key, id & 0xff);
	pk_buf_addch(key, id >> 8);
	pk_buf_addch(key, seq & 0xff);
	pk_buf_addch(key, seq >> 8);
	return 0;
}

static void echo_data(const struct pk_layer *l, const uint8_t **p, size_t *n)
{
	if (l->st[E_DATA] & PK_FS_OBJ) {
		*p = pk_as_bytes(l->f[E_DATA].v)->b;
		*n = pk_as_bytes(l->f[E_DATA].v)->len;
	} else {
		*p = (const uint8_t *)"";
		*n = 0;
	}
}

static int echorep_answers(struct pk_vm *vm, const struct pk_layer *self,
                           const struct pk_layer *other, bool *out)
{
	const uint8_t *a, *b;
	size_t na, nb;

	*out = false;
	if (other->proto != &pk_proto_icmp6echoreq &&
	    other->proto != &pk_proto_icmp6echorep)
		return 0;
	echo_data(self, &a, &na);
	echo_data(other, &b, &nb);
	*out = pk_layer_uint(self, E_ID) == pk_layer_uint(other, E_ID) &&
	       pk_layer_uint(self, E_SEQ) == pk_layer_uint(other, E_SEQ) &&
	       na == nb && !memcmp(a, b, na);
	return 0;
}

ICMP6_PROTO(pk_proto_icmp6echoreq, "ICMPv6EchoRequest", "ICMPv6 Echo Request",
            echoreq_fields, .summary = echo_summary, .hashret = echo_hashret);

const struct pk_proto pk_proto_icmp6echorep = {
    .name = "ICMPv6EchoReply",
    .title = "ICMPv6 Echo Reply",
    .fields = echorep_fields,
    .nfields = PK_NFIELDS(echorep_fields),
    .post_build = pk_icmp6_post_build,
    .summary = echo_summary,
    .hashret = echo_hashret,
    .answers = echorep_answers,
};

/* ------------------------------------------------------------------ */
/* MLD (RFC 2710) and MLDv2 (RFC 3810)                                 */

#define ML_FIELDS(t, mrd)                                                      \
	{                                                                      \
		F_TYPE(t), F_CODE, F_CKSUM,                                    \
		    PK_F_INT("mrd", 16, mrd, PK_FMT_DEC),                      \
		    PK_F_INT("reserved", 16, 0, PK_FMT_DEC),                   \
		    PK_F_IP6("mladdr", NULL), PK_F_END                         \
	}

static const struct pk_field mlquery_fields[] = ML_FIELDS(130, 10000);
static const struct pk_field mlreport_fields[] = ML_FIELDS(131, 0);
static const struct pk_field mldone_fields[] = ML_FIELDS(132, 0);

static int mlreport_answers(struct pk_vm *vm, const struct pk_layer *self,
                            const struct pk_layer *other, bool *out)
{
	const struct pk_layer *l;

	*out = false;
	for (l = other; l; l = l->payload)
		if (l->proto == &pk_proto_icmp6mlquery)
			*out = true;
	return 0;
}

ICMP6_PROTO(pk_proto_icmp6mlquery, "ICMPv6MLQuery",
            "MLD - Multicast Listener Query", mlquery_fields, .flags = 0);

const struct pk_proto pk_proto_icmp6mlreport = {
    .name = "ICMPv6MLReport",
    .title = "MLD - Multicast Listener Report",
    .fields = mlreport_fields,
    .nfields = PK_NFIELDS(mlreport_fields),
    .post_build = pk_icmp6_post_build,
    .answers = mlreport_answers,
};

ICMP6_PROTO(pk_proto_icmp6mldone, "ICMPv6MLDone",
            "MLD - Multicast Listener Done", mldone_fields, .flags = 0);

static const struct pk_field mlquery2_fields[] = {
    F_TYPE(130),
    F_CODE,
    F_CKSUM,
    PK_F_INT("mrd", 16, 10000, PK_FMT_DEC),
    PK_F_INT("reserved", 16, 0, PK_FMT_DEC),
    PK_F_IP6("mladdr", NULL),
    PK_F_INT("Resv", 4, 0, PK_FMT_DEC),
    PK_F_INT("S", 1, 0, PK_FMT_DEC),
    PK_F_INT("QRV", 3, 0, PK_FMT_DEC),
    PK_F_INT("QQIC", 8, 0, PK_FMT_DEC),
    PK_F_AUTO("sources_number", 16, PK_FMT_DEC),
    {.name = "sources",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_COUNT,
     .ref = 10,
     .ops = &pk_ip6list_ops},
    PK_F_END};

ICMP6_PROTO(pk_proto_icmp6mlquery2, "ICMPv6MLQuery2",
            "MLDv2 - Multicast Listener Query", mlquery2_fields, .flags = 0);

static const struct pk_field addrrec_fields[] = {
    PK_F_INT("rtype", 8, 4, PK_FMT_DEC),
    PK_F_AUTO("auxdata_len", 8, PK_FMT_DEC),
    PK_F_AUTO("sources_number", 16, PK_FMT_DEC),
    PK_F_IP6("dst", NULL),
    {.name = "sources",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_LEN,
     .ref = 2,
     .mul = 16,
     .ops = &pk_ip6list_ops},
    {.name = "auxdata",
     .kind = PK_FK_BYTES,
     .fmt = PK_FMT_BYTES,
     .rel = PK_REL_LEN,
     .ref = 1,
     .defp = ""},
    PK_F_END};

/* a record is followed by the next one, as its payload */
static const struct pk_proto *addrrec_guess(struct pk_dissect *d,
                                            const struct pk_layer *l,
                                            const struct pk_cursor *pay)
{
	return pk_guess_checked(&pk_proto_icmp6mladdrrec, pay);
}

const struct pk_proto pk_proto_icmp6mladdrrec = {
    .name = "ICMPv6MLDMultAddrRec",
    .title = "ICMPv6 MLDv2 - Multicast Address Record",
    .fields = addrrec_fields,
    .nfields = PK_NFIELDS(addrrec_fields),
    .guess_payload = addrrec_guess,
};

/*
 * scapy reads the first record, which takes the others as its payloads:
 * the list holds one chain of records.
 */
static int records_dissect(struct pk_dissect *d, struct pk_layer *l,
                           const struct pk_field *f, struct pk_cursor *c,
                           size_t len, union pk_fval *slot, uint8_t *st)
{
	pk_val list = pk_list_new(d->vm, 1);

	if (pk_is_undef(list))
		return -1;
	if (l->f[f->ref].u > 0 && pk_cur_left(c)) {
		struct pk_layer *r = pk_dissect_layer(
		    d,
		    pk_cut_in_field(&pk_proto_icmp6mladdrrec, pk_cur_left(c))
		        ? &pk_proto_raw
		        : &pk_proto_icmp6mladdrrec,
		    c);

		if (!r ||
		    pk_list_append_take(d->vm, list, pk_obj_take(r)) < 0) {
			pk_decref(list);
			return -1;
		}
	}
	slot->v = list;
	*st = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

static const struct pk_field_ops records_ops = {
    .dissect = records_dissect,
};

static const struct pk_field mlreport2_fields[] = {
    F_TYPE(143),
    PK_F_INT("res", 8, 0, PK_FMT_DEC),
    F_CKSUM,
    PK_F_INT("reserved", 16, 0, PK_FMT_DEC),
    PK_F_AUTO("records_number", 16, PK_FMT_DEC),
    {.name = "records",
     .kind = PK_FK_PKTLIST,
     .rel = PK_REL_COUNT,
     .ref = 4,
     .sub = &pk_proto_icmp6mladdrrec,
     .ops = &records_ops},
    PK_F_END};

static int mlreport2_answers(struct pk_vm *vm, const struct pk_layer *self,
                             const struct pk_layer *other, bool *out)
{
	*out = other->proto == &pk_proto_icmp6mlquery2;
	return 0;
}

const struct pk_proto pk_proto_icmp6mlreport2 = {
    .name = "ICMPv6MLReport2",
    .title = "MLDv2 - Multicast Listener Report",
    .fields = mlreport2_fields,
    .nfields = PK_NFIELDS(mlreport2_fields),
    .post_build = pk_icmp6_post_build,
    .answers = mlreport2_answers,
};

/* ------------------------------------------------------------------ */
/* Multicast Router Discovery (RFC 4286), RPL (RFC 6550), Mobile IPv6  */
/* (RFC 6275), Inverse ND (RFC 3122)                                   */

static const struct pk_field mrdadv_fields[] = {
    F_TYPE(151),
    PK_F_INT("advinter", 8, 20, PK_FMT_DEC),
    F_CKSUM,
    PK_F_INT("queryint", 16, 0, PK_FMT_DEC),
    PK_F_INT("robustness", 16, 0, PK_FMT_DEC),
    PK_F_END};
static const struct pk_field mrdsol_fields[] = {
    F_TYPE(152), PK_F_INT("res", 8, 0, PK_FMT_DEC), F_CKSUM, PK_F_END};
static const struct pk_field mrdterm_fields[] = {
    F_TYPE(153), PK_F_INT("res", 8, 0, PK_FMT_DEC), F_CKSUM, PK_F_END};

/* scapy keeps 8 (advertisement) or 4 bytes after an MRD message as its
 * payload, and the rest as padding */
static void mrd_padding(const struct pk_layer *l, struct pk_cursor *pay)
{
	size_t keep = l->proto == &pk_proto_icmp6mrdadv ? 8 : 4;

	if (keep < pk_cur_left(pay))
		pay->end = pay->p + keep;
}

#define MRD_PROTO(sym, nm, ttl, fl)                                            \
	ICMP6_PROTO(sym, nm, ttl, fl, .extract_padding = mrd_padding)

MRD_PROTO(pk_proto_icmp6mrdadv, "ICMPv6MRD_Advertisement",
          "ICMPv6 Multicast Router Discovery Advertisement", mrdadv_fields);
MRD_PROTO(pk_proto_icmp6mrdsol, "ICMPv6MRD_Solicitation",
          "ICMPv6 Multicast Router Discovery Solicitation", mrdsol_fields);
MRD_PROTO(pk_proto_icmp6mrdterm, "ICMPv6MRD_Termination",
          "ICMPv6 Multicast Router Discovery Termination", mrdterm_fields);

static const struct pk_enum_entry rpl_codes[] = {
    {0, "DIS"},     {1, "DIO"}, {2, "DAO"},
    {3, "DAO-ACK"}, {7, "DCO"}, {8, "DCO-ACK"},
};
static const struct pk_enum rpl_enum = PK_ENUM(rpl_codes);
static const struct pk_field rpl_fields[] = {
    F_TYPE(155), PK_F_ENUM("code", 8, 0, PK_FMT_ENUM, &rpl_enum), F_CKSUM,
    PK_F_END};

ICMP6_PROTO(pk_proto_icmp6rpl, "ICMPv6RPL", "RPL", rpl_fields, .flags = 0);

static const struct pk_enum_entry mr_names[] = {{1, "MR"}};
static const struct pk_enum mr_enum = PK_ENUM(mr_names);

#define HAAD_HEAD(t)                                                           \
	F_TYPE(t), F_CODE, F_CKSUM, PK_F_AUTO("id", 16, PK_FMT_HEX),           \
	    PK_F_ENUM("R", 1, 1, PK_FMT_ENUM, &mr_enum),                       \
	    PK_F_INT("res", 15, 0, PK_FMT_HEX)

static const struct pk_field haadreq_fields[] = {HAAD_HEAD(144), PK_F_END};
static const struct pk_field haadrep_fields[] = {HAAD_HEAD(145),
                                                 {.name = "addresses",
                                                  .kind = PK_FK_CUSTOM,
                                                  .ref = -1,
                                                  .ops = &pk_ip6list_ops},
                                                 PK_F_END};
static const struct pk_field mpsol_fields[] = {
    F_TYPE(146),
    F_CODE,
    F_CKSUM,
    PK_F_AUTO("id", 16, PK_FMT_HEX),
    PK_F_INT("res", 16, 0, PK_FMT_HEX),
    PK_F_END};

/* these four hash on their id, big endian */
static int id_hashret(struct pk_vm *vm, const struct pk_layer *l,
                      struct pk_buf *key)
{
	return pk_buf_add_be16(key, (uint16_t)pk_layer_uint(l, 3));
}

static int haadrep_answers(struct pk_vm *vm, const struct pk_layer *self,
                           const struct pk_layer *other, bool *out)
{
	*out = other->proto == &pk_proto_icmp6haadreq &&
	       pk_layer_uint(self, 3) == pk_layer_uint(other, 3);
	return 0;
}

ICMP6_PROTO(pk_proto_icmp6haadreq, "ICMPv6HAADRequest",
            "ICMPv6 Home Agent Address Discovery Request", haadreq_fields,
            .hashret = id_hashret);

const struct pk_proto pk_proto_icmp6haadrep = {
    .name = "ICMPv6HAADReply",
    .title = "ICMPv6 Home Agent Address Discovery Reply",
    .fields = haadrep_fields,
    .nfields = PK_NFIELDS(haadrep_fields),
    .post_build = pk_icmp6_post_build,
    .hashret = id_hashret,
    .answers = haadrep_answers,
};

/* scapy names MPSol's hash method _hashret: it hashes on nothing */
ICMP6_PROTO(pk_proto_icmp6mpsol, "ICMPv6MPSol",
            "ICMPv6 Mobile Prefix Solicitation", mpsol_fields, .flags = 0);

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

struct icmp6_cls {
	uint8_t type, minlen;
	const struct pk_proto *p;
	const uint8_t *dst; /* IPv6 dst overloaded at build, or NULL */
};

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 2};
static const uint8_t all_mldv2[16] = {0xff, 0x02, [15] = 0x16};
static const uint8_t all_mrd[16] = {0xff, 0x02, [15] = 0x6a};
static const uint8_t all_rpl[16] = {0xff, 0x02, [15] = 0x1a};

static const struct icmp6_cls icmp6_classes[] = {
    {1, 8, &pk_proto_icmp6destunreach, NULL},
    {2, 8, &pk_proto_icmp6toobig, NULL},
    {3, 8, &pk_proto_icmp6timeexceeded, NULL},
    {4, 8, &pk_proto_icmp6paramproblem, NULL},
    {128, 8, &pk_proto_icmp6echoreq, NULL},
    {129, 8, &pk_proto_icmp6echorep, NULL},
    {130, 24, &pk_proto_icmp6mlquery, all_nodes},
    {131, 24, &pk_proto_icmp6mlreport, NULL},
    {132, 24, &pk_proto_icmp6mldone, all_routers},
    {133, 8, &pk_proto_nd_rs, all_routers},
    {134, 16, &pk_proto_nd_ra, all_nodes},
    {135, 24, &pk_proto_nd_ns, all_nodes},
    {136, 24, &pk_proto_nd_na, all_nodes},
    {137, 40, &pk_proto_nd_redirect, all_nodes},
    {141, 8, &pk_proto_nd_indsol, all_nodes},
    {142, 8, &pk_proto_nd_indadv, all_nodes},
    {143, 8, &pk_proto_icmp6mlreport2, all_mldv2},
    {144, 8, &pk_proto_icmp6haadreq, NULL},
    {145, 8, &pk_proto_icmp6haadrep, NULL},
    {146, 8, &pk_proto_icmp6mpsol, NULL},
    {147, 8, &pk_proto_nd_mpadv, NULL},
    {151, 8, &pk_proto_icmp6mrdadv, all_routers},
    {152, 4, &pk_proto_icmp6mrdsol, all_routers},
    {153, 4, &pk_proto_icmp6mrdterm, all_mrd},
    {155, 4, &pk_proto_icmp6rpl, all_rpl},
    /* not dissected to a class: never matched by type */
    {0, 0, &pk_proto_icmp6mlquery2, all_nodes},
    {0, 0, &pk_proto_icmp6unknown, NULL},
};

const struct pk_proto *pk_icmp6_class(const uint8_t *p, size_t n)
{
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < sizeof(icmp6_classes) / sizeof(icmp6_classes[0]); i++) {
		const struct icmp6_cls *c = &icmp6_classes[i];

		if (!c->minlen || c->type != p[0])
			continue;
		if (n < c->minlen)
			return NULL;
		if (p[0] == 130 && n >= 28)
			return &pk_proto_icmp6mlquery2;
		return c->p;
	}
	return NULL;
}

bool pk_icmp6_is(const struct pk_proto *p, uint8_t *type)
{
	size_t i;

	for (i = 0; i < sizeof(icmp6_classes) / sizeof(icmp6_classes[0]); i++) {
		if (icmp6_classes[i].p == p) {
			*type = (uint8_t)p->fields[0].def;
			return true;
		}
	}
	return false;
}

bool pk_icmp6_dst_overload(const struct pk_proto *p, uint8_t dst[16])
{
	size_t i;

	for (i = 0; i < sizeof(icmp6_classes) / sizeof(icmp6_classes[0]); i++) {
		if (icmp6_classes[i].p == p) {
			if (!icmp6_classes[i].dst)
				return false;
			memcpy(dst, icmp6_classes[i].dst, 16);
			return true;
		}
	}
	return false;
}

const struct pk_proto *const pk_layers_icmpv6[] = {&pk_proto_icmp6unknown,
                                                   &pk_proto_icmp6destunreach,
                                                   &pk_proto_icmp6toobig,
                                                   &pk_proto_icmp6timeexceeded,
                                                   &pk_proto_icmp6paramproblem,
                                                   &pk_proto_icmp6echoreq,
                                                   &pk_proto_icmp6echorep,
                                                   &pk_proto_icmp6mlquery,
                                                   &pk_proto_icmp6mlreport,
                                                   &pk_proto_icmp6mldone,
                                                   &pk_proto_icmp6mlquery2,
                                                   &pk_proto_icmp6mladdrrec,
                                                   &pk_proto_icmp6mlreport2,
                                                   &pk_proto_nd_rs,
                                                   &pk_proto_nd_ra,
                                                   &pk_proto_nd_ns,
                                                   &pk_proto_nd_na,
                                                   &pk_proto_nd_redirect,
                                                   &pk_proto_ndopt_unknown,
                                                   &pk_proto_ndopt_srcll,
                                                   &pk_proto_ndopt_dstll,
                                                   &pk_proto_ndopt_prefix,
                                                   &pk_proto_ndopt_mtu,
                                                   &pk_proto_ndopt_rdnss,
                                                   &pk_proto_ndopt_redirhdr,
                                                   &pk_proto_nd_indsol,
                                                   &pk_proto_nd_indadv,
                                                   &pk_proto_nd_mpadv,
                                                   &pk_proto_icmp6haadreq,
                                                   &pk_proto_icmp6haadrep,
                                                   &pk_proto_icmp6mpsol,
                                                   &pk_proto_icmp6mrdadv,
                                                   &pk_proto_icmp6mrdsol,
                                                   &pk_proto_icmp6mrdterm,
                                                   &pk_proto_icmp6rpl,
                                                   &pk_proto_ndopt_srcaddrlist,
                                                   &pk_proto_ndopt_tgtaddrlist,
                                                   &pk_proto_ndopt_shortcut,
                                                   &pk_proto_ndopt_advint,
                                                   &pk_proto_ndopt_hainfo,
                                                   &pk_proto_ndopt_efa,
                                                   &pk_proto_ndopt_routeinfo,
                                                   &pk_proto_ndopt_dnssl,
                                                   NULL};
