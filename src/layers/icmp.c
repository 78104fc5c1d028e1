/*
 * icmp.c - ICMP (RFC 792, timestamps, address masks RFC 950) and
 * ICMPerror. Which fields exist depends on the type, exactly as scapy
 * 2.5's conditional fields; error types quote the offending IP header,
 * dissected as IPerror / TCPerror / UDPerror / ICMPerror.
 */
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "engine.h"
#include "tables.h"

enum {
	F_TYPE,
	F_CODE,
	F_CHKSUM,
	F_ID,
	F_SEQ,
	F_TSO,
	F_TSR,
	F_TST,
	F_GW,
	F_PTR,
	F_RES,
	F_LENGTH,
	F_MASK,
	F_MTU,
	F_UNUSED
};

static bool type_in(const struct pk_layer *l, const unsigned *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l->f[F_TYPE].u == set[i])
			return true;
	return false;
}
#define TYPE_IN(l, ...)                                                        \
	type_in(l, (const unsigned[]){__VA_ARGS__},                            \
	        sizeof((const unsigned[]){__VA_ARGS__}) / sizeof(unsigned))

static int has_idseq(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f)
{
	return TYPE_IN(l, 0, 8, 13, 14, 15, 16, 17, 18, 37, 38);
}
static int has_ts(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f)
{
	return TYPE_IN(l, 13, 14);
}
static int has_gw(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f)
{
	return TYPE_IN(l, 5);
}
static int has_ptr(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f)
{
	return TYPE_IN(l, 12);
}
static int has_res(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f)
{
	return TYPE_IN(l, 3, 11);
}
static int has_length(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f)
{
	return TYPE_IN(l, 3, 11, 12);
}
static int has_mask(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f)
{
	return TYPE_IN(l, 17, 18);
}
static int has_mtu(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f)
{
	return TYPE_IN(l, 3);
}

/* `unused`: 2 bytes for types 11/12, none for the types whose other fields
 * fill the word, else 4 bytes (scapy's MultipleTypeField). */
static unsigned unused_width(const struct pk_layer *l)
{
	if (TYPE_IN(l, 11, 12))
		return 2;
	if (TYPE_IN(l, 0, 3, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18))
		return 0;
	return 4;
}

static int unused_set(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, pk_val v, union pk_fval *slot,
                      uint8_t *st)
{
	if (pk_is_intlike(v) && v.u.i >= 0 && v.u.i <= 0xffffffffLL) {
		slot->u = (uint64_t)v.u.i;
		return 0;
	}
	if ((pk_is_bytes(v) && pk_as_bytes(v)->len == 0) ||
	    (pk_is_str(v) && pk_as_str(v)->len == 0)) {
		slot->u = 0;
		return 0;
	}
	return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
	                      "expected an int of 32 bits");
}

static int unused_get(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, pk_val *out)
{
	if (!unused_width(l)) {
		*out = pk_bytes_new(vm, "", 0);
		return pk_is_undef(*out) ? -1 : 0;
	}
	*out = pk_int((int64_t)slot->u);
	return 0;
}

static int unused_build(struct pk_build *b, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	unsigned w = unused_width(l);

	if (w == 2)
		return pk_buf_add_be16(out, (uint16_t)slot->u);
	if (w == 4)
		return pk_buf_add_be32(out, (uint32_t)slot->u);
	return 0;
}

static int unused_dissect(struct pk_dissect *d, struct pk_layer *l,
                          const struct pk_field *f, struct pk_cursor *c,
                          size_t len, union pk_fval *slot, uint8_t *st)
{
	unsigned w = unused_width(l);

	slot->u = w == 2 ? pk_get_be16(c) : w == 4 ? pk_get_be32(c) : 0;
	return 0;
}

static int unused_repr(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, struct pk_buf *out)
{
	if (!unused_width(l))
		pk_buf_addstr(out, "''");
	else
		pk_buf_addf(out, "%llu", (unsigned long long)slot->u);
	return 0;
}

static int unused_size(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, enum pk_frel rel, uint64_t *out)
{
	*out = unused_width(l);
	return 0;
}

static const struct pk_field_ops unused_ops = {
    .set = unused_set,
    .get = unused_get,
    .build = unused_build,
    .dissect = unused_dissect,
    .repr = unused_repr,
    .size = unused_size,
};

/* code: names depend on the type (scapy's MultiEnumField) */
static int code_repr(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	const char *n =
	    pk_enum_name(pk_icmp_codes((unsigned)l->f[F_TYPE].u), slot->u);

	if (n)
		pk_buf_addstr(out, n);
	else
		pk_buf_addf(out, "%llu", (unsigned long long)slot->u);
	return 0;
}

static int code_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	if (pk_is_str(v)) {
		uint64_t x;

		if (pk_enum_lookup(pk_icmp_codes((unsigned)l->f[F_TYPE].u),
		                   pk_as_str(v)->s, &x) == 0) {
			slot->u = x;
			return 0;
		}
		return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
		                      "unknown value '%s'", pk_as_str(v)->s);
	}
	if (pk_is_intlike(v) && v.u.i >= 0 && v.u.i < 256) {
		slot->u = (uint64_t)v.u.i;
		return 0;
	}
	if (pk_is_intlike(v))
		return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
		                      "%lld does not fit in 8 bits",
		                      (long long)v.u.i);
	return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
	                      "unsupported value of type '%s'", pk_typename(v));
}

static int code_get(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, pk_val *out)
{
	*out = pk_int((int64_t)slot->u);
	return 0;
}

static int code_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	return pk_buf_addch(out, (int)slot->u);
}

static int code_dissect(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c,
                        size_t len, union pk_fval *slot, uint8_t *st)
{
	slot->u = pk_get_u8(c);
	return 0;
}

/* milliseconds since midnight UT, shown as scapy's H:M:S.ms */
static int ts_repr(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f, const union pk_fval *slot,
                   uint8_t st, struct pk_buf *out)
{
	uint64_t v = slot->u, ms = v % 1000, s = v / 1000;

	pk_buf_addf(out, "%llu:%llu:%llu.%llu", (unsigned long long)(s / 3600),
	            (unsigned long long)(s / 60 % 60),
	            (unsigned long long)(s % 60), (unsigned long long)ms);
	return 0;
}

static const struct pk_field_ops ts_ops = {
    .repr = ts_repr,
};

static const struct pk_field_ops code_ops = {
    .set = code_set,
    .get = code_get,
    .build = code_build,
    .dissect = code_dissect,
    .repr = code_repr,
};

static const struct pk_field icmp_fields[] = {
    PK_F_ENUM("type", 8, 8, PK_FMT_ENUM, &pk_icmp_types),
    {.name = "code",
     .kind = PK_FK_CUSTOM,
     .bits = 8,
     .ops = &code_ops,
     .cls = "MultiEnumField (Depends on 8)"},
    PK_F_AUTO("chksum", 16, PK_FMT_HEX),
    {.name = "id",
     .kind = PK_FK_INT,
     .fmt = PK_FMT_HEX,
     .bits = 16,
     .present = has_idseq},
    {.name = "seq",
     .kind = PK_FK_INT,
     .fmt = PK_FMT_HEX,
     .bits = 16,
     .present = has_idseq},
    {.name = "ts_ori",
     .kind = PK_FK_INT,
     .flags = PK_FF_AUTO,
     .bits = 32,
     .present = has_ts,
     .ops = &ts_ops,
     .cls = "ICMPTimeStampField"},
    {.name = "ts_rx",
     .kind = PK_FK_INT,
     .flags = PK_FF_AUTO,
     .bits = 32,
     .present = has_ts,
     .ops = &ts_ops,
     .cls = "ICMPTimeStampField"},
    {.name = "ts_tx",
     .kind = PK_FK_INT,
     .flags = PK_FF_AUTO,
     .bits = 32,
     .present = has_ts,
     .ops = &ts_ops,
     .cls = "ICMPTimeStampField"},
    {.name = "gw", .kind = PK_FK_IP4, .present = has_gw},
    {.name = "ptr", .kind = PK_FK_INT, .bits = 8, .present = has_ptr},
    {.name = "reserved", .kind = PK_FK_INT, .bits = 8, .present = has_res},
    {.name = "length", .kind = PK_FK_INT, .bits = 8, .present = has_length},
    {.name = "addr_mask", .kind = PK_FK_IP4, .present = has_mask},
    {.name = "nexthopmtu", .kind = PK_FK_INT, .bits = 16, .present = has_mtu},
    {.name = "unused",
     .kind = PK_FK_CUSTOM,
     .ops = &unused_ops,
     .cls = "MultipleTypeField (ShortField, IntField, StrFixedLenField)"},
    PK_F_END};

/* unset timestamps are now, in milliseconds since midnight UT (scapy) */
static int icmp_pre_build(struct pk_build *b, const struct pk_layer *l,
                          union pk_fval *v, uint8_t *st)
{
	struct timespec ts;
	uint64_t ms;
	int i;

	if (!has_ts(b->vm, l, NULL))
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)(ts.tv_sec % 86400) * 1000 +
	     (uint64_t)ts.tv_nsec / 1000000;
	for (i = F_TSO; i <= F_TST; i++) {
		if (!(st[i] & PK_FS_SET)) {
			v[i].u = ms;
			st[i] |= PK_FS_SET;
		}
	}
	return 0;
}

static int icmp_post_build(struct pk_build *b, const struct pk_layer *l,
                           size_t off, size_t hlen, size_t len)
{
	uint8_t *p = (uint8_t *)b->out->buf + off;
	uint16_t c;

	if (pk_layer_isset(l, F_CHKSUM) || hlen < 4)
		return 0;
	p[2] = p[3] = 0;
	c = pk_cksum_fold(pk_cksum_add(0, p, len));
	p[2] = (uint8_t)(c >> 8);
	p[3] = (uint8_t)c;
	return 0;
}

static bool is_error(const struct pk_layer *l)
{
	return TYPE_IN(l, 3, 4, 5, 11, 12);
}

static const struct pk_proto *icmp_guess(struct pk_dissect *d,
                                         const struct pk_layer *l,
                                         const struct pk_cursor *pay)
{
	return is_error(l) ? &pk_proto_iperror : &pk_proto_raw;
}

static int icmp_summary(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *out)
{
	const struct pk_layer *u = l->under;
	const char *n = l->proto->name;
	char fmt[160];

	if (u && (u->proto == &pk_proto_ip || u->proto == &pk_proto_iperror))
		snprintf(fmt, sizeof(fmt),
		         "ICMP %%%s.src%% > %%%s.dst%% %%%s.type%% %%%s.code%%",
		         u->proto->name, u->proto->name, n, n);
	else
		snprintf(fmt, sizeof(fmt), "ICMP %%%s.type%% %%%s.code%%", n,
		         n);
	return PK_SPRINTF(vm, u ? u : l, fmt, out);
}

static int icmp_hashret(struct pk_vm *vm, const struct pk_layer *l,
                        struct pk_buf *key)
{
	if (has_idseq(vm, l, NULL)) {
		pk_buf_add_be16(key, (uint16_t)l->f[F_ID].u);
		return pk_buf_add_be16(key, (uint16_t)l->f[F_SEQ].u);
	}
	return 0;
}

static int icmp_answers(struct pk_vm *vm, const struct pk_layer *reply,
                        const struct pk_layer *probe, bool *out)
{
	static const unsigned pairs[][2] = {
	    {8, 0}, {13, 14}, {15, 16}, {17, 18}, {33, 34}, {35, 36}, {37, 38}};
	size_t i;

	*out = false;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (probe->f[F_TYPE].u == pairs[i][0] &&
		    reply->f[F_TYPE].u == pairs[i][1] &&
		    reply->f[F_ID].u == probe->f[F_ID].u &&
		    reply->f[F_SEQ].u == probe->f[F_SEQ].u)
			*out = true;
	}
	return 0;
}

const struct pk_proto pk_proto_icmp = {
    .name = "ICMP",
    .title = "ICMP",
    .fields = icmp_fields,
    .nfields = PK_NFIELDS(icmp_fields),
    .pre_build = icmp_pre_build,
    .post_build = icmp_post_build,
    .guess_payload = icmp_guess,
    .summary = icmp_summary,
    .hashret = icmp_hashret,
    .answers = icmp_answers,
};

const struct pk_proto pk_proto_icmperror = {
    .name = "ICMPerror",
    .title = "ICMP in ICMP",
    .fields = icmp_fields,
    .nfields = PK_NFIELDS(icmp_fields),
    .pre_build = icmp_pre_build,
    .post_build = icmp_post_build,
    .hashret = icmp_hashret,
};

const struct pk_proto *const pk_layers_icmp[] = {
    &pk_proto_icmp,
    &pk_proto_icmperror,
    NULL,
};
