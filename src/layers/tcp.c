/*
 * tcp.c - TCP (RFC 793, options RFC 7323, RFC 2018) and TCPerror (the TCP
 * header quoted in an ICMP error).
 *
 *   | sport:16 | dport:16 | seq:32 | ack:32 |
 *   | dataofs:4 | reserved:3 | flags:9 | window:16 |
 *   | chksum:16 | urgptr:16 | options (dataofs*4 - 20) |
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "layers6.h"

enum {
	F_SPORT,
	F_DPORT,
	F_SEQ,
	F_ACK,
	F_DATAOFS,
	F_RES,
	F_FLAGS,
	F_WINDOW,
	F_CHKSUM,
	F_URG,
	F_OPTIONS
};

static const struct pk_enum_entry tcp_flags_e[] = {
    {0, "F"}, {1, "S"}, {2, "R"}, {3, "P"}, {4, "A"},
    {5, "U"}, {6, "E"}, {7, "C"}, {8, "N"},
};
static const struct pk_enum tcp_flags = PK_ENUM(tcp_flags_e);

struct optname {
	uint8_t kind;
	const char *name;
};
static const struct optname optnames[] = {
    {0, "EOL"},           {1, "NOP"},   {2, "MSS"},       {3, "WScale"},
    {4, "SAckOK"},        {5, "SAck"},  {8, "Timestamp"}, {14, "AltChkSum"},
    {15, "AltChkSumOpt"}, {25, "Mood"}, {28, "UTO"},      {30, "MPTCP"},
    {34, "TFO"},
};

static const char *opt_name(unsigned k)
{
	size_t i;

	for (i = 0; i < sizeof(optnames) / sizeof(optnames[0]); i++)
		if (optnames[i].kind == k)
			return optnames[i].name;
	return NULL;
}

static int opt_kind(const char *n)
{
	size_t i;

	for (i = 0; i < sizeof(optnames) / sizeof(optnames[0]); i++)
		if (!strcmp(optnames[i].name, n))
			return optnames[i].kind;
	return -1;
}

static int opt_err(struct pk_vm *vm, const struct pk_layer *l,
                   const struct pk_field *f, const char *what)
{
	return pk_field_error(vm, &pk_exc_ValueError, l->proto, f, "%s", what);
}

static int int_of(pk_val v, int64_t *out)
{
	if (!pk_is_intlike(v))
		return -1;
	*out = v.u.i;
	return 0;
}

/* One option tuple to wire bytes. */
static int build_opt(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, pk_val t, struct pk_buf *out)
{
	pk_val kv, vv;
	int kind;
	int64_t x, y;
	size_t start;

	if (!pk_is_tuple(t) || pk_as_tuple(t)->len != 2)
		return opt_err(vm, l, f,
		               "options must be (name, value) tuples");
	kv = pk_as_tuple(t)->items[0];
	vv = pk_as_tuple(t)->items[1];
	if (pk_is_str(kv)) {
		kind = opt_kind(pk_as_str(kv)->s);
		if (kind < 0)
			return pk_field_error(vm, &pk_exc_ValueError, l->proto,
			                      f, "unknown option '%s'",
			                      pk_as_str(kv)->s);
	} else if (pk_is_intlike(kv) && kv.u.i >= 0 && kv.u.i < 256) {
		kind = (int)kv.u.i;
	} else {
		return opt_err(vm, l, f,
		               "option kind must be a name or 0..255");
	}
	/* (kind, None): the kind byte alone, as dissect reads one that ends
	 * the option area before its length byte (scapy rejects or skips
	 * None, so the spelling is free) */
	if (kind == 0 || kind == 1 || pk_is_none(vv)) {
		pk_buf_addch(out, kind);
		return 0;
	}
	pk_buf_addch(out, kind);
	start = out->len;
	pk_buf_addch(out, 0);
	/* raw bytes for any kind: what a malformed option dissects to */
	switch (pk_is_bytes(vv) ? -1 : kind) {
	case 2:
		if (int_of(vv, &x) < 0 || x < 0 || x > 0xffff)
			return opt_err(vm, l, f, "MSS takes an int of 16 bits");
		pk_buf_add_be16(out, (uint16_t)x);
		break;
	case 3:
		if (int_of(vv, &x) < 0 || x < 0 || x > 0xff)
			return opt_err(vm, l, f,
			               "WScale takes an int of 8 bits");
		pk_buf_addch(out, (int)x);
		break;
	case 8:
		if (!pk_is_tuple(vv) || pk_as_tuple(vv)->len != 2 ||
		    int_of(pk_as_tuple(vv)->items[0], &x) < 0 ||
		    int_of(pk_as_tuple(vv)->items[1], &y) < 0)
			return opt_err(vm, l, f,
			               "Timestamp takes (tsval, tsecr)");
		pk_buf_add_be32(out, (uint32_t)x);
		pk_buf_add_be32(out, (uint32_t)y);
		break;
	case 5:
		if (pk_is_tuple(vv)) {
			size_t i;

			for (i = 0; i < pk_as_tuple(vv)->len; i++) {
				if (int_of(pk_as_tuple(vv)->items[i], &x) < 0)
					return opt_err(vm, l, f,
					               "SAck takes ints");
				pk_buf_add_be32(out, (uint32_t)x);
			}
			break;
		}
		__attribute__((fallthrough));
	default:
		if (pk_is_bytes(vv))
			pk_buf_add(out, pk_as_bytes(vv)->b,
			           pk_as_bytes(vv)->len);
		else if (pk_is_str(vv))
			pk_buf_add(out, pk_as_str(vv)->s, pk_as_str(vv)->len);
		else
			return opt_err(vm, l, f, "option value must be bytes");
		break;
	}
	/* a failed buffer may be the shared empty string: never write it */
	if (pk_buf_failed(out))
		return pk_raise_nomem(vm);
	out->buf[start] = (char)(out->len - start + 1);
	return 0;
}

static int opts_wire(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	size_t start = out->len;

	if ((st & PK_FS_OBJ) && pk_is_list(slot->v)) {
		struct pk_list *li = pk_as_list(slot->v);
		size_t i;

		for (i = 0; i < li->len; i++)
			if (build_opt(vm, l, f, li->items[i], out) < 0)
				return -1;
	} else if ((st & PK_FS_OBJ) && pk_is_bytes(slot->v)) {
		pk_buf_add(out, pk_as_bytes(slot->v)->b,
		           pk_as_bytes(slot->v)->len);
	}
	/* a header cut inside its options builds back to what was read */
	while ((out->len - start) % 4 && !l->partial)
		pk_buf_addch(out, 0);
	return 0;
}

static int opts_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	return opts_wire(b->vm, l, f, slot, st, out);
}

static int opts_size(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, enum pk_frel rel, uint64_t *out)
{
	struct pk_buf b = PK_BUF_INIT;
	int r = opts_wire(vm, l, f, slot, st, &b);

	*out = b.len;
	pk_buf_release(&b);
	return r;
}

static int opts_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	struct pk_buf b = PK_BUF_INIT;
	union pk_fval t;
	int r;

	if (pk_is_bytes(v)) {
		slot->v = pk_incref(v);
		*st = PK_FS_OBJ;
		return 0;
	}
	if (!pk_is_list(v) && !pk_is_tuple(v))
		return pk_field_error(
		    vm, &pk_exc_TypeError, l->proto, f,
		    "expected a list of (name, value), got '%s'",
		    pk_typename(v));
	if (pk_to_list(vm, v, &t.v) < 0)
		return -1;
	/* check it builds now: errors belong to the assignment */
	r = opts_wire(vm, l, f, &t, PK_FS_OBJ, &b);
	pk_buf_release(&b);
	if (r < 0) {
		pk_decref(t.v);
		return -1;
	}
	slot->v = t.v;
	*st = PK_FS_OBJ;
	return 0;
}

static pk_val tuple2(struct pk_vm *vm, pk_val a, pk_val b)
{
	pk_val t = pk_tuple_pair(vm, a, b);

	pk_decref(a);
	pk_decref(b);
	return t;
}

static int opts_dissect(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c,
                        size_t len, union pk_fval *slot, uint8_t *st)
{
	struct pk_cursor s = pk_layer_window(l, c, len == SIZE_MAX ? 0 : len);
	pk_val list = pk_list_new(d->vm, 0);
	struct pk_vm *vm = d->vm;

	if (pk_is_undef(list))
		return -1;
	while (pk_cur_left(&s)) {
		unsigned kind = pk_get_u8(&s), olen;
		const char *name = opt_name(kind);
		pk_val k, v = pk_none(), t;
		struct pk_cursor o;

		k = name ? pk_str_cstr(vm, name) : pk_int(kind);
		if (kind == 0 || kind == 1) {
			t = tuple2(vm, k, pk_none());
			if (pk_is_undef(t) ||
			    pk_list_append_take(vm, list, t) < 0)
				goto fail;
			if (kind == 0)
				break;
			continue;
		}
		if (!pk_cur_left(&s)) {
			/* no length byte: (kind, None) builds the kind alone */
			t = tuple2(vm, k, pk_none());
			if (pk_is_undef(t) ||
			    pk_list_append_take(vm, list, t) < 0)
				goto fail;
			break;
		}
		/* a short length counts as 2, as scapy does */
		olen = pk_get_u8(&s);
		if (olen < 2)
			olen = 2;
		o = pk_cur_sub(&s, olen - 2, NULL);
		if (kind == 2 && pk_cur_left(&o) == 2) {
			v = pk_int(pk_get_be16(&o));
		} else if (kind == 3 && pk_cur_left(&o) == 1) {
			v = pk_int(pk_get_u8(&o));
		} else if (kind == 8 && pk_cur_left(&o) == 8) {
			pk_val a = pk_int(pk_get_be32(&o));
			pk_val b = pk_int(pk_get_be32(&o));

			v = pk_tuple_pair(vm, a, b);
		} else if (kind == 5 && pk_cur_left(&o) % 4 == 0) {
			size_t n = pk_cur_left(&o) / 4, i;

			v = pk_tuple_new(vm, n);
			for (i = 0; i < n && !pk_is_undef(v); i++)
				pk_tuple_set_take(v, i,
				                  pk_int(pk_get_be32(&o)));
		} else {
			v = pk_bytes_new(vm, o.p, pk_cur_left(&o));
		}
		if (pk_is_undef(v)) {
			pk_decref(k);
			goto fail;
		}
		t = tuple2(vm, k, v);
		if (pk_is_undef(t) || pk_list_append_take(vm, list, t) < 0)
			goto fail;
	}
	slot->v = list;
	*st = PK_FS_OBJ;
	return 0;
fail:
	pk_decref(list);
	return -1;
}

/* scapy's default is b''; a dissected empty list shows as [] */
static int opts_repr(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	if (!(st & PK_FS_OBJ)) {
		pk_buf_addstr(out, "''");
		return 0;
	}
	if (pk_is_bytes(slot->v)) {
		pk_repr_scapy_bytes(out, pk_as_bytes(slot->v)->b,
		                    pk_as_bytes(slot->v)->len);
		return 0;
	}
	return pk_repr(vm, slot->v, out);
}

static int opts_get(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, pk_val *out)
{
	if (!(st & PK_FS_OBJ)) {
		*out = pk_list_new(vm, 0); /* scapy's i2h of the b'' default */
		return pk_is_undef(*out) ? -1 : 0;
	}
	*out = pk_incref(slot->v);
	return 0;
}

static const struct pk_field_ops opts_ops = {
    .set = opts_set,
    .get = opts_get,
    .repr = opts_repr,
    .build = opts_build,
    .dissect = opts_dissect,
    .size = opts_size,
};

static const struct pk_field tcp_fields[] = {
    PK_F_INT("sport", 16, 20, PK_FMT_TCPPORT),
    PK_F_INT("dport", 16, 80, PK_FMT_TCPPORT),
    PK_F_INT("seq", 32, 0, PK_FMT_DEC),
    PK_F_INT("ack", 32, 0, PK_FMT_DEC),
    PK_F_AUTO("dataofs", 4, PK_FMT_DEC),
    PK_F_INT("reserved", 3, 0, PK_FMT_DEC),
    PK_F_ENUM("flags", 9, 2, PK_FMT_FLAGS, &tcp_flags),
    PK_F_INT("window", 16, 8192, PK_FMT_DEC),
    PK_F_AUTO("chksum", 16, PK_FMT_HEX),
    PK_F_INT("urgptr", 16, 0, PK_FMT_DEC),
    {.name = "options",
     .kind = PK_FK_CUSTOM,
     .rel = PK_REL_LEN,
     .ref = F_DATAOFS,
     .mul = 4,
     .add = -20,
     .ops = &opts_ops,
     .cls = "TCPOptionsField"},
    PK_F_END};

static int tcp_post_build(struct pk_build *b, const struct pk_layer *l,
                          size_t off, size_t hlen, size_t len)
{
	uint8_t *p;
	uint16_t c;

	if (pk_layer_isset(l, F_CHKSUM) || hlen < 18)
		return 0;
	p = (uint8_t *)b->out->buf + off;
	p[16] = p[17] = 0;
	if (pk_cksum_l4(b, l, 6, off, len, &c) < 0)
		return -1;
	p = (uint8_t *)b->out->buf + off;
	p[16] = (uint8_t)(c >> 8);
	p[17] = (uint8_t)c;
	return 0;
}

static int tcp_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	const struct pk_layer *u = l->under;
	const char *n = l->proto->name;
	char fmt[160];

	if (u && (u->proto == &pk_proto_ip || !strcmp(u->proto->name, "IPv6")))
		snprintf(
		    fmt, sizeof(fmt),
		    "TCP %%%s.src%%:%%%s.sport%% > %%%s.dst%%:%%%s.dport%% %%%s.flags%%",
		    u->proto->name, n, u->proto->name, n, n);
	else
		snprintf(fmt, sizeof(fmt),
		         "TCP %%%s.sport%% > %%%s.dport%% %%%s.flags%%", n, n,
		         n);
	return PK_SPRINTF(vm, u ? u : l, fmt, out);
}

static int tcp_hashret(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *key)
{
	/* symmetric in the ports, so probe and reply hash alike */
	return pk_buf_add_be16(key,
	                       (uint16_t)(l->f[F_SPORT].u ^ l->f[F_DPORT].u));
}

/* scapy 2.5's TCP.answers, rule for rule */
static int tcp_answers(struct pk_vm *vm, const struct pk_layer *reply,
                       const struct pk_layer *probe, bool *out)
{
	uint64_t rfl = reply->f[F_FLAGS].u, pfl = probe->f[F_FLAGS].u;
	int64_t rseq = (int64_t)reply->f[F_SEQ].u,
	        rack = (int64_t)reply->f[F_ACK].u;
	int64_t pseq = (int64_t)probe->f[F_SEQ].u,
	        pack = (int64_t)probe->f[F_ACK].u;
	int64_t plen = 0, d;
	enum { FIN = 1, SYN = 2, RST = 4, ACK = 16 };

	*out = false;
	if (pfl & RST)
		return 0; /* RST packets get no answers */
	if (rfl & SYN) {
		/* a SYN answers nothing; a SYN+ACK answers a SYN */
		if (!(rfl & ACK) || !(pfl & SYN))
			return 0;
	}
	if (reply->f[F_SPORT].u != probe->f[F_DPORT].u ||
	    reply->f[F_DPORT].u != probe->f[F_SPORT].u)
		return 0;
	if (!((pfl & SYN) && !(pfl & ACK))) {
		d = pack - rseq;
		if (d > 2 || d < -2)
			return 0;
	}
	if ((rfl & RST) && !(rfl & ACK)) {
		*out = true;
		return 0;
	}
	if (probe->payload) {
		struct pk_buf b = PK_BUF_INIT;
		struct pk_build bb = {vm, &b, pk_registry(vm)};

		if (pk_build_layer(&bb, probe->payload) < 0) {
			pk_buf_release(&b);
			return -1;
		}
		plen = (int64_t)b.len;
		pk_buf_release(&b);
	}
	d = pseq - rack;
	if (d > 2 + plen || -d > 2 + plen)
		return 0;
	*out = true;
	return 0;
}

const struct pk_proto pk_proto_tcp = {
    .name = "TCP",
    .title = "TCP",
    .fields = tcp_fields,
    .nfields = PK_NFIELDS(tcp_fields),
    .post_build = tcp_post_build,
    .summary = tcp_summary,
    .hashret = tcp_hashret,
    .answers = tcp_answers,
};

const struct pk_proto pk_proto_tcperror = {
    .name = "TCPerror",
    .title = "TCP in ICMP",
    .fields = tcp_fields,
    .nfields = PK_NFIELDS(tcp_fields),
    .post_build = tcp_post_build,
    .hashret = tcp_hashret,
};

const struct pk_proto *const pk_layers_tcp[] = {
    &pk_proto_tcp,
    &pk_proto_tcperror,
    NULL,
};
