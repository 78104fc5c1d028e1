/*
 * dns.c - DNS (RFC 1035; AD/CD bits RFC 4035, SRV RFC 2782) over UDP and
 * TCP port 53 and mDNS (RFC 6762) port 5353.
 *
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |          QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |  question, answer, authority, additional RRs  |
 *
 * As scapy 2.5 does: counts are filled at build from the record lists,
 * names are stored decompressed with their final dot and never compressed
 * at build, records are dissected with the class scapy picks for their
 * type (MX, SOA, SRV; DNSRR otherwise), and the message is dissected as
 * scapy does even when it is garbage: a count larger than the bytes left
 * gives '' (and the bytes are read again for the next section), a record
 * that does not fit makes the whole layer Raw. Over TCP a 2-byte length
 * comes first and must cover a whole message.
 *
 * The sections qd/an/ns/ar hold a list of records; scapy chains them as
 * payloads, and repr() prints them so.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "layers6.h"

/* ------------------------------------------------------------------ */
/* Tables                                                              */

#define T(v, n)                                                                \
	{                                                                      \
		v, n                                                           \
	}
#define DNSTYPES                                                               \
	T(0, "ANY"), T(1, "A"), T(2, "NS"), T(3, "MD"), T(4, "MF"),            \
	    T(5, "CNAME"), T(6, "SOA"), T(7, "MB"), T(8, "MG"), T(9, "MR"),    \
	    T(10, "NULL"), T(11, "WKS"), T(12, "PTR"), T(13, "HINFO"),         \
	    T(14, "MINFO"), T(15, "MX"), T(16, "TXT"), T(17, "RP"),            \
	    T(18, "AFSDB"), T(19, "X25"), T(20, "ISDN"), T(21, "RT"),          \
	    T(22, "NSAP"), T(23, "NSAP-PTR"), T(24, "SIG"), T(25, "KEY"),      \
	    T(26, "PX"), T(27, "GPOS"), T(28, "AAAA"), T(29, "LOC"),           \
	    T(30, "NXT"), T(31, "EID"), T(32, "NIMLOC"), T(33, "SRV"),         \
	    T(34, "ATMA"), T(35, "NAPTR"), T(36, "KX"), T(37, "CERT"),         \
	    T(38, "A6"), T(39, "DNAME"), T(40, "SINK"), T(41, "OPT"),          \
	    T(42, "APL"), T(43, "DS"), T(44, "SSHFP"), T(45, "IPSECKEY"),      \
	    T(46, "RRSIG"), T(47, "NSEC"), T(48, "DNSKEY"), T(49, "DHCID"),    \
	    T(50, "NSEC3"), T(51, "NSEC3PARAM"), T(52, "TLSA"),                \
	    T(53, "SMIMEA"), T(55, "HIP"), T(56, "NINFO"), T(57, "RKEY"),      \
	    T(58, "TALINK"), T(59, "CDS"), T(60, "CDNSKEY"),                   \
	    T(61, "OPENPGPKEY"), T(62, "CSYNC"), T(63, "ZONEMD"),              \
	    T(64, "SVCB"), T(65, "HTTPS"), T(99, "SPF"), T(100, "UINFO"),      \
	    T(101, "UID"), T(102, "GID"), T(103, "UNSPEC"), T(104, "NID"),     \
	    T(105, "L32"), T(106, "L64"), T(107, "LP"), T(108, "EUI48"),       \
	    T(109, "EUI64"), T(249, "TKEY"), T(250, "TSIG"), T(256, "URI"),    \
	    T(257, "CAA"), T(258, "AVC"), T(259, "DOA"), T(260, "AMTRELAY"),   \
	    T(32768, "TA"), T(32769, "DLV"), T(65535, "RESERVED")

static const struct pk_enum_entry dnstypes_e[] = {DNSTYPES};
static const struct pk_enum dnstypes = PK_ENUM(dnstypes_e);
static const struct pk_enum_entry dnsqtypes_e[] = {
    DNSTYPES,        T(251, "IXFR"),  T(252, "AXFR"),
    T(253, "MAILB"), T(254, "MAILA"), T(255, "ALL"),
};
static const struct pk_enum dnsqtypes = PK_ENUM(dnsqtypes_e);
static const struct pk_enum_entry dnsclasses_e[] = {
    T(1, "IN"), T(2, "CS"), T(3, "CH"), T(4, "HS"), T(255, "ANY"),
};
static const struct pk_enum dnsclasses = PK_ENUM(dnsclasses_e);
static const struct pk_enum_entry opcodes_e[] = {
    T(0, "QUERY"),
    T(1, "IQUERY"),
    T(2, "STATUS"),
};
static const struct pk_enum opcodes = PK_ENUM(opcodes_e);
static const struct pk_enum_entry rcodes_e[] = {
    T(0, "ok"),         T(1, "format-error"),    T(2, "server-failure"),
    T(3, "name-error"), T(4, "not-implemented"), T(5, "refused"),
};
static const struct pk_enum rcodes = PK_ENUM(rcodes_e);

/* Fields of the DNS layer. */
enum {
	D_LENGTH,
	D_ID,
	D_QR,
	D_OPCODE,
	D_AA,
	D_TC,
	D_RD,
	D_RA,
	D_Z,
	D_AD,
	D_CD,
	D_RCODE,
	D_QDCOUNT,
	D_ANCOUNT,
	D_NSCOUNT,
	D_ARCOUNT,
	D_QD,
	D_AN,
	D_NS,
	D_AR,
	D_CACHE,
};

/*
 * Where DNS and LLMNR (RFC 4795: the same message with other flag bits)
 * keep their fields; the proto's ud points at one.
 */
struct dns_layout {
	int8_t id, qr, qdcount, qd, cache;
	const uint8_t *flag_bits; /* widths of the flag fields from qr on */
	uint8_t nflags;
	bool default_qd; /* an unset qd is a DNSQR() (DNS), else None */
};
static const uint8_t dns_flag_bits[] = {1, 4, 1, 1, 1, 1, 1, 1, 1, 4};
static const struct dns_layout dns_layout = {
    D_ID, D_QR, D_QDCOUNT, D_QD, D_CACHE, dns_flag_bits, 10, true};
#define LAY(l) ((const struct dns_layout *)(l)->proto->ud)

/* ------------------------------------------------------------------ */
/* Names (scapy's DNSStrField)                                         */

/* A value that is already wire form (ends in a root label or pointer). */
static bool is_wire_name(const uint8_t *s, size_t n)
{
	if (memchr(s, '.', n))
		return false;
	return (n && s[n - 1] == 0) || (n >= 2 && (s[n - 2] & 0xc0) == 0xc0);
}

/* scapy's dns_encode(check_built=True). */
static void name_encode(struct pk_buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0;

	if (!n || (n == 1 && s[0] == '.')) {
		pk_buf_addch(out, 0);
		return;
	}
	if (is_wire_name(s, n)) {
		pk_buf_add(out, s, n);
		return;
	}
	for (;;) {
		const uint8_t *dot = memchr(s + i, '.', n - i);
		size_t ln = dot ? (size_t)(dot - (s + i)) : n - i;

		if (ln > 63)
			ln = 63, pk_buf_addch(out, 63),
			pk_buf_add(out, s + i, 63);
		else
			pk_buf_addch(out, (int)ln), pk_buf_add(out, s + i, ln);
		if (!dot)
			break;
		i = (size_t)(dot - s) + 1;
	}
	if (out->len == 0 || out->buf[out->len - 1] != 0)
		pk_buf_addch(out, 0);
}

static void name_value(const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, const uint8_t **p, size_t *n)
{
	if ((st & PK_FS_OBJ) && pk_is_bytes(slot->v)) {
		*p = pk_as_bytes(slot->v)->b;
		*n = pk_as_bytes(slot->v)->len;
	} else {
		*p = f->defp ? f->defp : (const uint8_t *)"";
		*n = f->deflen;
	}
}

/* h2i: a final dot is added unless the value is already wire form. */
static pk_val name_from_user(struct pk_vm *vm, const char *s, size_t n)
{
	struct pk_buf b = PK_BUF_INIT;

	if (!n) {
		pk_buf_addch(&b, '.');
	} else {
		pk_buf_add(&b, s, n);
		if (s[n - 1] != '.' && !is_wire_name((const uint8_t *)s, n))
			pk_buf_addch(&b, '.');
	}
	return pk_bytes_from_buf(vm, &b);
}

static int name_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	if (pk_is_str(v))
		slot->v =
		    name_from_user(vm, pk_as_str(v)->s, pk_as_str(v)->len);
	else if (pk_is_bytes(v))
		slot->v = name_from_user(vm, (const char *)pk_as_bytes(v)->b,
		                         pk_as_bytes(v)->len);
	else
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "expected a name, got '%s'",
		                      pk_typename(v));
	if (pk_is_undef(slot->v))
		return -1;
	*st |= PK_FS_OBJ;
	return 0;
}

static int name_get(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, pk_val *out)
{
	const uint8_t *p;
	size_t n;

	name_value(f, slot, st, &p, &n);
	*out = pk_bytes_new(vm, p, n);
	return pk_is_undef(*out) ? -1 : 0;
}

static int name_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	const uint8_t *p;
	size_t n;
	struct pk_buf t = PK_BUF_INIT;

	name_value(f, slot, st, &p, &n);
	name_encode(&t, p, n);
	pk_buf_add(out, t.buf, t.len);
	pk_buf_release(&t);
	return 0;
}

static int name_repr(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	const uint8_t *p;
	size_t n;

	name_value(f, slot, st, &p, &n);
	pk_repr_scapy_bytes(out, p, n);
	return 0;
}

static const struct pk_field_ops name_ops = {
    .set = name_set,
    .get = name_get,
    .build = name_build,
    .repr = name_repr,
};

#define F_NAME(n, d)                                                           \
	{                                                                      \
		.name = n, .kind = PK_FK_CUSTOM, .fmt = PK_FMT_BYTES,          \
		.ref = -1, .defp = d, .deflen = sizeof(d) - 1,                 \
		.ops = &name_ops                                               \
	}

/* ------------------------------------------------------------------ */
/* Decompression (RFC 1035 4.1.4), as scapy's dns_get_str              */

/*
 * `s` is the buffer being read (a record's bytes, or the message after its
 * header); `full` the message after its header, for pointers. Pointer
 * values are offsets in the message, so 12 is taken off; like Python,
 * a small negative offset counts from the end. Each pointer target is
 * followed once (loops stop), and the name is capped so a hostile chain
 * of pointers cannot grow it without bound.
 */
struct dns_src {
	const uint8_t *full;
	size_t nfull;
};

struct name_res {
	size_t next;   /* index in the buffer where the caller goes on */
	bool switched; /* the rest is `full` from `next` (after a pointer) */
	bool compressed;
	bool fail; /* a pointer with no message to point into */
};

#define NAME_MAX_LEN 4096

static int64_t py_index(int64_t i, size_t n)
{
	return i < 0 ? (int64_t)n + i : i;
}

/* Python's s[a:b] clamped, for non-negative-step slices. */
static void py_slice(const uint8_t *s, size_t n, int64_t a, int64_t b,
                     struct pk_buf *out)
{
	a = py_index(a, n);
	b = py_index(b, n);
	if (a < 0)
		a = 0;
	if (b > (int64_t)n)
		b = (int64_t)n;
	if (a < b)
		pk_buf_add(out, s + a, (size_t)(b - a));
}

static void get_name(const uint8_t *s, size_t n, size_t start,
                     const struct dns_src *src, bool fullpacket,
                     struct pk_buf *name, struct name_res *r)
{
	uint8_t seen[(16384 + 16) / 8];
	int64_t ptr = (int64_t)start, after = -1;
	size_t steps = 0;

	memset(seen, 0, sizeof(seen));
	memset(r, 0, sizeof(*r));
	for (;;) {
		int64_t i, m = (int64_t)n;
		uint8_t cur;

		if ((ptr < 0 ? -ptr : ptr) >= m || ++steps > 65536)
			break;
		i = py_index(ptr, n);
		cur = s[i];
		ptr++;
		if (cur & 0xc0) {
			int64_t target;

			if (after < 0)
				after = ptr + 1;
			if (ptr >= m)
				break;
			target = ((int64_t)(cur & 0x3f) << 8) +
			         s[py_index(ptr, n)] - 12;
			if (seen[(target + 12) / 8] &
			    (1u << ((target + 12) % 8)))
				break;
			if (!fullpacket) {
				if (!src || !src->full) {
					r->fail = true;
					return;
				}
				r->switched = true;
				r->next = (size_t)after;
				s = src->full;
				n = src->nfull;
				fullpacket = true;
			}
			seen[(target + 12) / 8] |=
			    (uint8_t)(1u << ((target + 12) % 8));
			r->compressed = true;
			ptr = target;
			continue;
		}
		if (!cur)
			break;
		py_slice(s, n, ptr, ptr + cur, name);
		pk_buf_addch(name, '.');
		ptr += cur;
		if (name->len > NAME_MAX_LEN)
			break;
	}
	if (!r->switched)
		r->next = (size_t)(after >= 0 ? after : (ptr < 0 ? 0 : ptr));
	if (r->switched)
		r->next = (size_t)after;
}

/* ------------------------------------------------------------------ */
/* Record classes                                                      */

enum { Q_QNAME, Q_QTYPE, Q_QCLASS };

static const struct pk_field dnsqr_fields[] = {
    F_NAME("qname", "www.example.com."),
    PK_F_ENUM("qtype", 16, 1, PK_FMT_ENUM, &dnsqtypes),
    PK_F_ENUM("qclass", 16, 1, PK_FMT_ENUM, &dnsclasses), PK_F_END};

enum { R_NAME, R_TYPE, R_CLASS, R_TTL, R_RDLEN, R_DATA };

static bool type_is_name(uint64_t t)
{
	return t == 2 || t == 3 || t == 4 || t == 5 || t == 12;
}

/*
 * rdata (scapy's MultipleTypeField): A and AAAA hold address text, the
 * name types a name, TXT a list of strings, others bytes. The user's value
 * is kept as given and read by the type the record has when it is used.
 */
static int rdata_set(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, pk_val v, union pk_fval *slot,
                     uint8_t *st)
{
	uint64_t t = pk_layer_uint(l, R_TYPE);

	if (type_is_name(t) && (pk_is_str(v) || pk_is_bytes(v)))
		return name_set(vm, l, f, v, slot, st);
	if (t == 16 && (pk_is_str(v) || pk_is_bytes(v))) {
		/* one TXT string becomes a list of one, as scapy's any2i */
		slot->v = pk_list_new(vm, 1);
		if (pk_is_undef(slot->v))
			return -1;
		if (pk_list_append(vm, slot->v, v) < 0) {
			pk_decref(slot->v);
			return -1;
		}
		*st |= PK_FS_OBJ;
		return 0;
	}
	if (pk_is_str(v) && !(t == 1 || t == 28))
		slot->v = pk_bytes_new(vm, pk_as_str(v)->s, pk_as_str(v)->len);
	else if (pk_is_str(v) || pk_is_bytes(v) || pk_is_list(v) ||
	         pk_is_tuple(v))
		slot->v = pk_incref(v);
	else
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "unsupported value of type '%s'",
		                      pk_typename(v));
	if (pk_is_undef(slot->v))
		return -1;
	*st |= PK_FS_OBJ;
	return 0;
}

static int rdata_get(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, pk_val *out)
{
	uint64_t t = pk_layer_uint(l, R_TYPE);

	if (st & PK_FS_OBJ) {
		*out = pk_incref(slot->v);
		return 0;
	}
	if (t == 1)
		*out = pk_str_cstr(vm, "0.0.0.0");
	else if (t == 28)
		*out = pk_str_cstr(vm, "::");
	else if (t == 16)
		*out = pk_list_new(vm, 0);
	else
		*out = pk_bytes_new(vm, "", 0);
	return pk_is_undef(*out) ? -1 : 0;
}

static int txt_encode(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, pk_val v, struct pk_buf *out)
{
	size_t i, n;
	const pk_val *items;

	if (pk_is_str(v) || pk_is_bytes(v)) {
		items = &v;
		n = 1;
	} else if (!pk_seq_items(v, &items, &n)) {
		return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		                      "TXT data must be strings");
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p;
		size_t k;

		if (pk_is_str(items[i])) {
			p = (const uint8_t *)pk_as_str(items[i])->s;
			k = pk_as_str(items[i])->len;
		} else if (pk_is_bytes(items[i])) {
			p = pk_as_bytes(items[i])->b;
			k = pk_as_bytes(items[i])->len;
		} else {
			return pk_field_error(vm, &pk_exc_TypeError, l->proto,
			                      f, "TXT data must be strings");
		}
		/* character-strings hold 255 bytes at most */
		while (k >= 255) {
			pk_buf_addch(out, 255);
			pk_buf_add(out, p, 255);
			p += 255;
			k -= 255;
		}
		if (k) {
			pk_buf_addch(out, (int)k);
			pk_buf_add(out, p, k);
		}
	}
	return 0;
}

static int rdata_encode(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	uint64_t t = pk_layer_uint(l, R_TYPE);
	pk_val v = (st & PK_FS_OBJ) ? slot->v : pk_undef();
	uint8_t a[16] = {0};

	if (t == 1 || t == 28) {
		size_t alen = t == 1 ? 4 : 16;

		if (pk_is_str(v)) {
			int r = t == 1 ? pk_parse_ip4(pk_as_str(v)->s,
			                              pk_as_str(v)->len, a)
			               : pk_parse_ip6(pk_as_str(v)->s,
			                              pk_as_str(v)->len, a);

			if (r < 0)
				return pk_field_error(
				    vm, &pk_exc_ValueError, l->proto, f,
				    "invalid address '%s'", pk_as_str(v)->s);
		} else if (pk_is_bytes(v)) {
			/* raw bytes go out as they are */
			return pk_buf_add(out, pk_as_bytes(v)->b,
			                  pk_as_bytes(v)->len);
		}
		return pk_buf_add(out, a, alen);
	}
	if (type_is_name(t)) {
		const uint8_t *p = (const uint8_t *)"";
		size_t n = 0;

		if (pk_is_bytes(v)) {
			p = pk_as_bytes(v)->b;
			n = pk_as_bytes(v)->len;
		} else if (pk_is_str(v)) {
			p = (const uint8_t *)pk_as_str(v)->s;
			n = pk_as_str(v)->len;
		}
		name_encode(out, p, n);
		return 0;
	}
	if (t == 16) {
		if (pk_is_undef(v))
			return 0;
		return txt_encode(vm, l, f, v, out);
	}
	if (pk_is_bytes(v))
		return pk_buf_add(out, pk_as_bytes(v)->b, pk_as_bytes(v)->len);
	if (pk_is_str(v))
		return pk_buf_add(out, pk_as_str(v)->s, pk_as_str(v)->len);
	return 0;
}

static int rdata_build(struct pk_build *b, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, struct pk_buf *out)
{
	return rdata_encode(b->vm, l, f, slot, st, out);
}

/* The text of rdata: show() form, or str() form for summaries. */
static int rdata_text(struct pk_vm *vm, const struct pk_layer *l,
                      const union pk_fval *slot, uint8_t st, bool py_str,
                      struct pk_buf *out)
{
	uint64_t t = pk_layer_uint(l, R_TYPE);
	pk_val v = (st & PK_FS_OBJ) ? slot->v : pk_undef();

	if (pk_is_undef(v)) {
		if (t == 1)
			pk_buf_addstr(out, "0.0.0.0");
		else if (t == 28)
			pk_buf_addstr(out, "::");
		else if (t == 16)
			pk_buf_addstr(out, "[]");
		else
			pk_buf_addstr(out, py_str ? "b''" : "''");
		return 0;
	}
	if (pk_is_str(v) && (t == 1 || t == 28)) {
		pk_buf_add(out, pk_as_str(v)->s, pk_as_str(v)->len);
		return 0;
	}
	if (pk_is_bytes(v) || pk_is_str(v)) {
		const uint8_t *p = pk_is_bytes(v)
		                       ? pk_as_bytes(v)->b
		                       : (const uint8_t *)pk_as_str(v)->s;
		size_t n =
		    pk_is_bytes(v) ? pk_as_bytes(v)->len : pk_as_str(v)->len;

		if (py_str)
			pk_repr_pybytes(out, p, n);
		else
			pk_repr_scapy_bytes(out, p, n);
		return 0;
	}
	if (pk_is_list(v)) {
		struct pk_list *li = pk_as_list(v);
		size_t i;

		pk_buf_addch(out, '[');
		for (i = 0; i < li->len; i++) {
			if (i)
				pk_buf_addstr(out, ", ");
			if (pk_is_bytes(li->items[i]))
				pk_repr_pybytes(out,
				                pk_as_bytes(li->items[i])->b,
				                pk_as_bytes(li->items[i])->len);
			else if (pk_repr(vm, li->items[i], out) < 0)
				return -1;
		}
		pk_buf_addch(out, ']');
		return 0;
	}
	return pk_repr(vm, v, out);
}

static int rdata_repr(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	return rdata_text(vm, l, slot, st, false, out);
}

static const struct pk_field_ops rdata_ops = {
    .set = rdata_set,
    .get = rdata_get,
    .build = rdata_build,
    .repr = rdata_repr,
};

static const struct pk_field dnsrr_fields[] = {
    F_NAME("rrname", "."),
    PK_F_ENUM("type", 16, 1, PK_FMT_ENUM, &dnstypes),
    PK_F_ENUM("rclass", 16, 1, PK_FMT_ENUM, &dnsclasses),
    PK_F_INT("ttl", 32, 0, PK_FMT_DEC),
    PK_F_AUTO("rdlen", 16, PK_FMT_DEC),
    {.name = "rdata",
     .kind = PK_FK_CUSTOM,
     .fmt = PK_FMT_BYTES,
     .ref = -1,
     .ops = &rdata_ops},
    PK_F_END};

#define RR_HEAD(t)                                                             \
	F_NAME("rrname", "."),                                                 \
	    PK_F_ENUM("type", 16, t, PK_FMT_ENUM, &dnstypes),                  \
	    PK_F_ENUM("rclass", 16, 1, PK_FMT_ENUM, &dnsclasses),              \
	    PK_F_INT("ttl", 32, 0, PK_FMT_DEC),                                \
	    PK_F_AUTO("rdlen", 16, PK_FMT_DEC)

/* scapy's MX record class defaults its type to 6, as it does */
static const struct pk_field mx_fields[] = {
    RR_HEAD(6), PK_F_INT("preference", 16, 0, PK_FMT_DEC),
    F_NAME("exchange", "."), PK_F_END};

static const struct pk_field soa_fields[] = {
    RR_HEAD(6),
    F_NAME("mname", "."),
    F_NAME("rname", "."),
    PK_F_INT("serial", 32, 0, PK_FMT_DEC),
    PK_F_INT("refresh", 32, 0, PK_FMT_DEC),
    PK_F_INT("retry", 32, 0, PK_FMT_DEC),
    PK_F_INT("expire", 32, 0, PK_FMT_DEC),
    PK_F_INT("minimum", 32, 0, PK_FMT_DEC),
    PK_F_END};

static const struct pk_field srv_fields[] = {
    RR_HEAD(33),
    PK_F_INT("priority", 16, 0, PK_FMT_DEC),
    PK_F_INT("weight", 16, 0, PK_FMT_DEC),
    PK_F_INT("port", 16, 0, PK_FMT_DEC),
    F_NAME("target", "."),
    PK_F_END};

/* EDNS(0) (RFC 6891): the OPT pseudo-record and its options. */
static const struct pk_enum_entry edns0types_e[] = {
    T(0, "Reserved"),
    T(1, "LLQ"),
    T(2, "UL"),
    T(3, "NSID"),
    T(4, "Reserved"),
    T(5, "PING"),
    T(8, "edns-client-subnet"),
};
static const struct pk_enum edns0types = PK_ENUM(edns0types_e);
static const struct pk_enum_entry dozero_e[] = {T(32768, "D0")};
static const struct pk_enum dozero = PK_ENUM(dozero_e);

enum { T_CODE, T_LEN, T_DATA };

static const struct pk_field tlv_fields[] = {
    PK_F_ENUM("optcode", 16, 0, PK_FMT_ENUM, &edns0types),
    PK_F_AUTO("optlen", 16, PK_FMT_DEC),
    {.name = "optdata",
     .kind = PK_FK_BYTES,
     .fmt = PK_FMT_BYTES,
     .rel = PK_REL_LEN,
     .ref = T_LEN,
     .defp = ""},
    PK_F_END};

const struct pk_proto pk_proto_edns0tlv = {
    .name = "EDNS0TLV",
    .title = "DNS EDNS0 TLV",
    .fields = tlv_fields,
    .nfields = PK_NFIELDS(tlv_fields),
    .flags = PK_PF_NOPAYLOAD_GUESS,
};

enum { O_NAME, O_TYPE, O_CLASS, O_EXTRCODE, O_VERSION, O_Z, O_RDLEN, O_DATA };

static const struct pk_field opt_fields[] = {
    F_NAME("rrname", "."),
    PK_F_ENUM("type", 16, 41, PK_FMT_ENUM, &dnstypes),
    PK_F_INT("rclass", 16, 4096, PK_FMT_DEC),
    PK_F_INT("extrcode", 8, 0, PK_FMT_DEC),
    PK_F_INT("version", 8, 0, PK_FMT_DEC),
    PK_F_ENUM("z", 16, 32768, PK_FMT_ENUM, &dozero),
    PK_F_AUTO("rdlen", 16, PK_FMT_DEC),
    {.name = "rdata",
     .kind = PK_FK_PKTLIST,
     .ref = -1,
     .sub = &pk_proto_edns0tlv},
    PK_F_END};

/* DNSSEC records (RFC 4034, RFC 5155, RFC 4431). */
static const struct pk_enum_entry algos_e[] = {
    T(0, "Reserved"),
    T(1, "RSA/MD5"),
    T(2, "Diffie-Hellman"),
    T(3, "DSA/SHA-1"),
    T(4, "Reserved"),
    T(5, "RSA/SHA-1"),
    T(6, "DSA-NSEC3-SHA1"),
    T(7, "RSASHA1-NSEC3-SHA1"),
    T(8, "RSA/SHA-256"),
    T(9, "Reserved"),
    T(10, "RSA/SHA-512"),
    T(11, "Reserved"),
    T(12, "GOST R 34.10-2001"),
    T(13, "ECDSA Curve P-256 with SHA-256"),
    T(14, "ECDSA Curve P-384 with SHA-384"),
    T(252, "Reserved for Indirect Keys"),
    T(253, "Private algorithms - domain name"),
    T(254, "Private algorithms - OID"),
    T(255, "Reserved"),
};
static const struct pk_enum algos = PK_ENUM(algos_e);
static const struct pk_enum_entry digests_e[] = {
    T(0, "Reserved"),        T(1, "SHA-1"),   T(2, "SHA-256"),
    T(3, "GOST R 34.11-94"), T(4, "SHA-384"),
};
static const struct pk_enum digests = PK_ENUM(digests_e);
static const struct pk_enum_entry keyflags_e[] = {
    T(0, "S"),  T(1, "?"),  T(2, "?"),  T(3, "?"),  T(4, "?"),  T(5, "?"),
    T(6, "?"),  T(7, "?"),  T(8, "Z"),  T(9, "?"),  T(10, "?"), T(11, "?"),
    T(12, "?"), T(13, "?"), T(14, "?"), T(15, "?"),
};
static const struct pk_enum keyflags = PK_ENUM(keyflags_e);
static const struct pk_enum_entry optout_e[] = {T(1, "Opt-Out")};
static const struct pk_enum optout = PK_ENUM(optout_e);

/* Signature times: "Tue, 14 Nov 2023 22:13:20 +0000 (1700000000)". */
static int utc_repr(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, struct pk_buf *out)
{
	time_t t = (time_t)(slot->u & 0xffffffff);
	struct tm tm;
	char s[64];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S +0000", &tm))
		s[0] = 0;
	pk_buf_addf(out, "%s (%lld)", s, (long long)t);
	return 0;
}

static const struct pk_field_ops utc_ops = {.repr = utc_repr};

#define F_UTC(n)                                                               \
	{                                                                      \
		.name = n, .kind = PK_FK_INT, .fmt = PK_FMT_DEC, .bits = 32,   \
		.ref = -1, .ops = &utc_ops                                     \
	}

/*
 * NSEC type bit maps (RFC 4034 4.1.2): kept as wire bytes, set from a
 * list of types, shown as the list of type names.
 */
static int bitmap_set(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, pk_val v, union pk_fval *slot,
                      uint8_t *st)
{
	uint8_t win[256][32];
	int maxb[256];
	struct pk_buf b = PK_BUF_INIT;
	pk_val list;
	size_t i;
	int w;

	if (pk_is_bytes(v) || pk_is_str(v)) {
		slot->v = pk_is_bytes(v) ? pk_incref(v)
		                         : pk_bytes_new(vm, pk_as_str(v)->s,
		                                        pk_as_str(v)->len);
		if (pk_is_undef(slot->v))
			return -1;
		*st |= PK_FS_OBJ;
		return 0;
	}
	if (pk_to_list(vm, v, &list) < 0)
		return -1;
	memset(win, 0, sizeof(win));
	for (w = 0; w < 256; w++)
		maxb[w] = -1;
	for (i = 0; i < pk_as_list(list)->len; i++) {
		pk_val it = pk_as_list(list)->items[i];
		uint64_t t;

		if (pk_is_str(it)) {
			if (pk_enum_lookup(&dnstypes, pk_as_str(it)->s, &t) <
			    0) {
				pk_field_error(vm, &pk_exc_ValueError, l->proto,
				               f, "unknown type '%s'",
				               pk_as_str(it)->s);
				pk_decref(list);
				return -1;
			}
		} else if (pk_is_intlike(it) && it.u.i >= -65535 &&
		           it.u.i <= 65535) {
			t = (uint64_t)(it.u.i < 0 ? -it.u.i : it.u.i);
		} else {
			pk_decref(list);
			return pk_field_error(vm, &pk_exc_TypeError, l->proto,
			                      f, "expected a list of types");
		}
		w = (int)(t >> 8);
		win[w][(t & 0xff) / 8] |= (uint8_t)(0x80 >> (t & 7));
		if ((int)((t & 0xff) / 8) > maxb[w])
			maxb[w] = (int)((t & 0xff) / 8);
	}
	pk_decref(list);
	for (w = 0; w < 256; w++) {
		if (maxb[w] < 0)
			continue;
		pk_buf_addch(&b, w);
		pk_buf_addch(&b, maxb[w] + 1);
		pk_buf_add(&b, win[w], (size_t)maxb[w] + 1);
	}
	slot->v = pk_bytes_from_buf(vm, &b);
	if (pk_is_undef(slot->v))
		return -1;
	*st |= PK_FS_OBJ;
	return 0;
}

static int bitmap_build(struct pk_build *b, const struct pk_layer *l,
                        const struct pk_field *f, const union pk_fval *slot,
                        uint8_t st, struct pk_buf *out)
{
	if ((st & PK_FS_OBJ) && pk_is_bytes(slot->v))
		return pk_buf_add(out, pk_as_bytes(slot->v)->b,
		                  pk_as_bytes(slot->v)->len);
	return 0;
}

static int bitmap_repr(struct pk_vm *vm, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, struct pk_buf *out)
{
	const uint8_t *p = (const uint8_t *)"";
	size_t n = 0, k = 0, nt = 0;
	struct pk_buf t = PK_BUF_INIT;
	bool bad = false;

	if ((st & PK_FS_OBJ) && pk_is_bytes(slot->v)) {
		p = pk_as_bytes(slot->v)->b;
		n = pk_as_bytes(slot->v)->len;
	}
	while (k < n) {
		size_t blen, j;
		unsigned base;

		if (n - k < 2 || p[k + 1] == 0 || p[k + 1] > 32) {
			bad = true; /* scapy gives up and shows the bytes */
			break;
		}
		base = 256u * p[k];
		blen = p[k + 1];
		for (j = 0; j < blen && k + 2 + j < n; j++) {
			unsigned bit;

			for (bit = 0; bit < 8; bit++) {
				unsigned ty = base + (unsigned)j * 8 + bit;
				const char *nm;

				if (!(p[k + 2 + j] & (0x80 >> bit)))
					continue;
				pk_buf_addstr(&t, nt++ ? ", " : "");
				nm = pk_enum_name(&dnstypes, ty);
				if (nm)
					pk_buf_addf(&t, "'%s'", nm);
				else
					pk_buf_addf(&t, "%u", ty);
			}
		}
		k += 2 + blen;
	}
	if (bad || !nt)
		pk_repr_pybytes(out, p, n);
	else
		pk_buf_addf(out, "[%s]", t.buf);
	pk_buf_release(&t);
	return 0;
}

static const struct pk_field_ops bitmap_ops = {
    .set = bitmap_set,
    .build = bitmap_build,
    .repr = bitmap_repr,
};

#define F_BITMAP                                                               \
	{                                                                      \
		.name = "typebitmaps", .kind = PK_FK_CUSTOM, .ref = -1,        \
		.ops = &bitmap_ops                                             \
	}
#define F_REST(n)                                                              \
	{                                                                      \
		.name = n, .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES,           \
		.ref = -1, .defp = ""                                          \
	}
/* scapy's length fields here default to 0, not to the data's length:
 * no relation, so the build leaves them; `ref` only sizes the dissect */
#define F_LENBYTES(n, r)                                                       \
	{                                                                      \
		.name = n, .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES, .ref = r, \
		.defp = ""                                                     \
	}

static const struct pk_field rrsig_fields[] = {
    RR_HEAD(46),
    PK_F_ENUM("typecovered", 16, 1, PK_FMT_ENUM, &dnstypes),
    PK_F_ENUM("algorithm", 8, 5, PK_FMT_ENUM, &algos),
    PK_F_INT("labels", 8, 0, PK_FMT_DEC),
    PK_F_INT("originalttl", 32, 0, PK_FMT_DEC),
    F_UTC("expiration"),
    F_UTC("inception"),
    PK_F_INT("keytag", 16, 0, PK_FMT_DEC),
    F_NAME("signersname", "."),
    F_REST("signature"),
    PK_F_END};

static const struct pk_field nsec_fields[] = {
    RR_HEAD(47), F_NAME("nextname", "."), F_BITMAP, PK_F_END};

static const struct pk_field dnskey_fields[] = {
    RR_HEAD(48),
    PK_F_ENUM("flags", 16, 256, PK_FMT_FLAGS, &keyflags),
    PK_F_INT("protocol", 8, 3, PK_FMT_DEC),
    PK_F_ENUM("algorithm", 8, 5, PK_FMT_ENUM, &algos),
    F_REST("publickey"),
    PK_F_END};

#define DS_FIELDS(t)                                                           \
	{                                                                      \
		RR_HEAD(t), PK_F_INT("keytag", 16, 0, PK_FMT_DEC),             \
		    PK_F_ENUM("algorithm", 8, 5, PK_FMT_ENUM, &algos),         \
		    PK_F_ENUM("digesttype", 8, 5, PK_FMT_ENUM, &digests),      \
		    F_REST("digest"), PK_F_END                                 \
	}
static const struct pk_field ds_fields[] = DS_FIELDS(43);
static const struct pk_field dlv_fields[] = DS_FIELDS(32769);

static const struct pk_field nsec3_fields[] = {
    RR_HEAD(50),
    PK_F_INT("hashalg", 8, 0, PK_FMT_DEC),
    PK_F_ENUM("flags", 8, 0, PK_FMT_ENUM, &optout),
    PK_F_INT("iterations", 16, 0, PK_FMT_DEC),
    PK_F_INT("saltlength", 8, 0, PK_FMT_DEC),
    F_LENBYTES("salt", 8),
    PK_F_INT("hashlength", 8, 0, PK_FMT_DEC),
    F_LENBYTES("nexthashedownername", 10),
    F_BITMAP,
    PK_F_END};

static const struct pk_field nsec3param_fields[] = {
    RR_HEAD(51),
    PK_F_INT("hashalg", 8, 0, PK_FMT_DEC),
    PK_F_INT("flags", 8, 0, PK_FMT_DEC),
    PK_F_INT("iterations", 16, 0, PK_FMT_DEC),
    PK_F_INT("saltlength", 8, 0, PK_FMT_DEC),
    F_LENBYTES("salt", 8),
    PK_F_END};

/* rdlen of a record: what follows the fixed part (scapy's post_build). */
static int rr_post_build(struct pk_build *b, const struct pk_layer *l,
                         size_t off, size_t hlen, size_t len)
{
	struct pk_buf t = PK_BUF_INIT;
	const uint8_t *p;
	size_t n, at;

	int ri = pk_proto_field_index(l->proto, "rdlen");

	if (pk_layer_isset(l, ri))
		return 0;
	name_value(&l->proto->fields[R_NAME], &l->f[R_NAME], l->st[R_NAME], &p,
	           &n);
	name_encode(&t, p, n);
	at = t.len + 8;
	pk_buf_release(&t);
	if (hlen < at + 2)
		return 0;
	return pk_build_put_len(b, l, ri, off + at, 2, hlen - at - 2, NULL);
}

/* ------------------------------------------------------------------ */
/* Dissection of records                                               */

/* A scapy field read failed on short bytes: the whole DNS becomes Raw
 * (-DNS_FAIL, apart from -1 for OOM). */
#define DNS_FAIL 2

struct rd {
	const uint8_t *s; /* the bytes being read */
	size_t n, i;
	const struct dns_src *src;
	bool compressed;
};

static bool rd_done(const struct rd *r)
{
	return r->i >= r->n;
}

/* Read an integer field; 0 read, 1 no bytes left (stop), DNS_FAIL short. */
static int rd_int(struct rd *r, struct pk_layer *l, int fi, size_t w)
{
	uint64_t v = 0;
	size_t k;

	if (rd_done(r))
		return 1;
	if (r->n - r->i < w)
		return -DNS_FAIL;
	for (k = 0; k < w; k++)
		v = (v << 8) | r->s[r->i + k];
	r->i += w;
	pk_layer_set_uint(l, fi, v);
	return 0;
}

static int set_bytes(struct pk_vm *vm, struct pk_layer *l, int fi,
                     const void *p, size_t n)
{
	pk_val v = pk_bytes_new(vm, p, n);

	if (pk_is_undef(v))
		return -1;
	pk_slot_clear(&l->f[fi], &l->st[fi]);
	l->f[fi].v = v;
	l->st[fi] = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

/* A name field: 0 read, 1 nothing left, -1 OOM, -DNS_FAIL. */
static int rd_name(struct pk_vm *vm, struct rd *r, struct pk_layer *l, int fi)
{
	struct pk_buf name = PK_BUF_INIT;
	struct name_res res;
	int rc;

	if (rd_done(r))
		return 1;
	get_name(r->s, r->n, r->i, r->src, false, &name, &res);
	if (res.fail) {
		pk_buf_release(&name);
		return -DNS_FAIL;
	}
	if (res.compressed)
		r->compressed = true;
	if (res.switched) {
		/* the rest of the record is what followed the pointer */
		r->i = res.next > r->n ? r->n : res.next;
	} else {
		r->i = res.next > r->n ? r->n : res.next;
	}
	rc = set_bytes(vm, l, fi, name.buf, name.len);
	pk_buf_release(&name);
	return rc;
}

/* The options of an OPT record: a list of TLVs; one cut short is Raw. */
static int opt_body(struct pk_vm *vm, struct rd *r, struct pk_layer *l)
{
	pk_val list = pk_list_new(vm, 0);

	if (pk_is_undef(list))
		return -1;
	while (!rd_done(r)) {
		size_t left = r->n - r->i, dl;
		const uint8_t *q = r->s + r->i;
		struct pk_layer *t;
		pk_val data;

		if (left == 1 || left == 3) {
			t = pk_layer_new(vm, &pk_proto_raw);
			if (!t)
				goto oom;
			data = pk_bytes_new(vm, q, left);
			if (pk_is_undef(data)) {
				pk_decref(pk_obj_take(t));
				goto oom;
			}
			t->f[0].v = data;
			t->st[0] = PK_FS_OBJ | PK_FS_SET;
			r->i = r->n;
		} else {
			t = pk_layer_new(vm, &pk_proto_edns0tlv);
			if (!t)
				goto oom;
			pk_layer_set_uint(t, T_CODE,
			                  (uint64_t)q[0] << 8 | q[1]);
			r->i += 2;
			if (left >= 4) {
				dl = (size_t)q[2] << 8 | q[3];
				pk_layer_set_uint(t, T_LEN, dl);
				if (dl > left - 4)
					dl = left - 4;
				data = pk_bytes_new(vm, q + 4, dl);
				if (pk_is_undef(data)) {
					pk_decref(pk_obj_take(t));
					goto oom;
				}
				t->f[T_DATA].v = data;
				t->st[T_DATA] = PK_FS_OBJ | PK_FS_SET;
				r->i += 2 + dl;
			}
		}
		if (pk_list_append_take(vm, list, pk_obj_take(t)) < 0)
			goto oom;
	}
	pk_slot_clear(&l->f[O_DATA], &l->st[O_DATA]);
	l->f[O_DATA].v = list;
	l->st[O_DATA] = PK_FS_OBJ | PK_FS_SET;
	return 0;
oom:
	pk_decref(list);
	return -1;
}

/*
 * The fields after the fixed part of a record of class p, from r. Returns
 * 0, -1 (OOM) or -DNS_FAIL.
 */
static int rr_body(struct pk_vm *vm, struct rd *r, struct pk_layer *l)
{
	const struct pk_proto *p = l->proto;
	int rc = 0, i;

	if (p == &pk_proto_dnsrr) {
		uint64_t t = pk_layer_uint(l, R_TYPE);
		size_t rdlen = (size_t)pk_layer_uint(l, R_RDLEN);
		size_t left = r->n - r->i;

		if (rd_done(r)) {
			l->partial = true;
			return 0;
		}
		if (t == 1 || t == 28) {
			size_t w = t == 1 ? 4 : 16;
			struct pk_buf txt = PK_BUF_INIT;
			pk_val sv;

			if (left < w)
				return -DNS_FAIL;
			if (t == 1)
				pk_fmt_ip4(&txt, r->s + r->i);
			else
				pk_fmt_ip6(&txt, r->s + r->i);
			sv = pk_str_from_buf(vm, &txt);
			if (pk_is_undef(sv))
				return -1;
			pk_slot_clear(&l->f[R_DATA], &l->st[R_DATA]);
			l->f[R_DATA].v = sv;
			l->st[R_DATA] = PK_FS_OBJ | PK_FS_SET;
			r->i += w;
			return 0;
		}
		if (rdlen < left)
			left = rdlen;
		if (type_is_name(t)) {
			struct rd sub = {r->s + r->i, left, 0, r->src, false};

			rc = rd_name(vm, &sub, l, R_DATA);
			if (sub.compressed)
				r->compressed = true;
			r->i += left;
			return rc < 0 ? rc : 0;
		}
		if (t == 16) {
			pk_val list = pk_list_new(vm, 0);
			const uint8_t *q = r->s + r->i;
			size_t k = 0;

			if (pk_is_undef(list))
				return -1;
			while (k < left) {
				size_t sl = (size_t)q[k] + 1;
				size_t end = k + sl < left ? k + sl : left;
				pk_val it =
				    pk_bytes_new(vm, q + k + 1, end - k - 1);

				if (pk_is_undef(it) ||
				    pk_list_append_take(vm, list, it) < 0) {
					pk_decref(list);
					return -1;
				}
				k = end;
			}
			pk_slot_clear(&l->f[R_DATA], &l->st[R_DATA]);
			l->f[R_DATA].v = list;
			l->st[R_DATA] = PK_FS_OBJ | PK_FS_SET;
			r->i += left;
			return 0;
		}
		rc = set_bytes(vm, l, R_DATA, r->s + r->i, left);
		r->i += left;
		return rc;
	}
	if (p == &pk_proto_dnsrropt)
		return opt_body(vm, r, l);
	for (i = R_DATA; i < p->nfields && rc == 0; i++) {
		const struct pk_field *f = &p->fields[i];

		if (f->ops == &name_ops) {
			rc = rd_name(vm, r, l, i);
		} else if (f->kind == PK_FK_BYTES || f->kind == PK_FK_CUSTOM) {
			/* the rest, or as many bytes as a length field says */
			size_t n = r->n - r->i;

			if (rd_done(r)) {
				rc = 1;
				break;
			}
			if (f->ref >= 0 && pk_layer_uint(l, f->ref) < n)
				n = (size_t)pk_layer_uint(l, f->ref);
			rc = set_bytes(vm, l, i, r->s + r->i, n);
			r->i += n;
		} else {
			rc = rd_int(r, l, i, f->bits / 8);
		}
	}
	/* the fields after the last byte are not built (scapy's raw cache) */
	if (rc == 1)
		l->partial = true;
	return rc == 1 ? 0 : rc;
}

static const struct pk_proto *rr_class(uint64_t t)
{
	switch (t) {
	case 6:
		return &pk_proto_dnsrrsoa;
	case 15:
		return &pk_proto_dnsrrmx;
	case 33:
		return &pk_proto_dnsrrsrv;
	case 41:
		return &pk_proto_dnsrropt;
	case 43:
		return &pk_proto_dnsrrds;
	case 46:
		return &pk_proto_dnsrrrsig;
	case 47:
		return &pk_proto_dnsrrnsec;
	case 48:
		return &pk_proto_dnsrrdnskey;
	case 50:
		return &pk_proto_dnsrrnsec3;
	case 51:
		return &pk_proto_dnsrrnsec3param;
	case 32769:
		return &pk_proto_dnsrrdlv;
	default:
		return &pk_proto_dnsrr;
	}
}

/* ------------------------------------------------------------------ */
/* Sections: lists of records                                          */

/* Is f DNS's qd, whose unset value is a DNSQR()? */
static bool is_default_qd(const struct pk_layer *l, const struct pk_field *f)
{
	return LAY(l)->default_qd && f == &l->proto->fields[LAY(l)->qd];
}

/* The records of a section value, or NULL (None, '' or unset). */
static struct pk_list *rr_list(const union pk_fval *slot, uint8_t st)
{
	if ((st & PK_FS_OBJ) && pk_is_list(slot->v))
		return pk_as_list(slot->v);
	return NULL;
}

/*
 * Add record rr (reference taken) to a section's list. scapy chains the
 * records and shows the one after a record of any class but DNSQR and
 * DNSRR (show_indent) one step further in: such a record keeps the next
 * ones as payloads, so show() indents them as scapy does.
 */
static int sect_append(struct pk_vm *vm, pk_val list, struct pk_layer *rr)
{
	struct pk_list *li = pk_as_list(list);

	if (li->len && pk_is_packet(li->items[li->len - 1])) {
		struct pk_layer *last = pk_as_layer(li->items[li->len - 1]);

		if (last->payload || (last->proto != &pk_proto_dnsqr &&
		                      last->proto != &pk_proto_dnsrr)) {
			pk_layer_append(last, rr);
			pk_decref(pk_obj_take(rr));
			return 0;
		}
	}
	return pk_list_append_take(vm, list, pk_obj_take(rr));
}

/* Records in a section's list (chains count each record). */
static size_t records_in(struct pk_list *li)
{
	size_t n = 0, i;

	for (i = 0; i < li->len; i++) {
		const struct pk_layer *r;

		if (!pk_is_packet(li->items[i])) {
			n++;
			continue;
		}
		for (r = pk_as_layer(li->items[i]); r; r = r->payload)
			n++;
	}
	return n;
}

/* A chain (DNSRR()/DNSRR()) becomes a section's list. */
static int chain_to_list(struct pk_vm *vm, struct pk_layer *head, pk_val list)
{
	struct pk_layer *c = pk_layer_copy(vm, head), *l;

	if (!c)
		return -1;
	l = c;
	while (l) {
		struct pk_layer *next = l->payload;

		l->payload = NULL;
		l->under = NULL;
		if (next)
			next->under = NULL;
		if (sect_append(vm, list, l) < 0) {
			if (next)
				pk_decref(pk_obj_take(next));
			return -1;
		}
		l = next;
	}
	return 0;
}

static int sect_set(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	pk_val list;

	if (pk_is_none(v) || pk_is_bytes(v) || pk_is_str(v)) {
		if (pk_is_str(v))
			slot->v = pk_bytes_new(vm, pk_as_str(v)->s,
			                       pk_as_str(v)->len);
		else
			slot->v = pk_incref(v);
		if (pk_is_undef(slot->v))
			return -1;
		*st |= PK_FS_OBJ;
		return 0;
	}
	list = pk_list_new(vm, 1);
	if (pk_is_undef(list))
		return -1;
	if (pk_is_packet(v)) {
		if (chain_to_list(vm, pk_as_layer(v), list) < 0)
			goto fail;
	} else if (pk_is_list(v) || pk_is_tuple(v)) {
		/*
		 * scapy keeps a Python list as it is, shows it as a list and
		 * builds its first record only: a tuple here marks that.
		 */
		pk_val items, tup;
		struct pk_list *li;
		size_t i;

		pk_decref(list);
		if (pk_to_list(vm, v, &items) < 0)
			return -1;
		li = pk_as_list(items);
		tup = pk_tuple_new(vm, li->len);
		if (pk_is_undef(tup)) {
			pk_decref(items);
			return -1;
		}
		for (i = 0; i < li->len; i++) {
			struct pk_layer *c;

			if (!pk_is_packet(li->items[i])) {
				pk_field_error(vm, &pk_exc_TypeError, l->proto,
				               f, "expected records, got '%s'",
				               pk_typename(li->items[i]));
				pk_decref(items);
				pk_decref(tup);
				return -1;
			}
			c = pk_layer_copy(vm, pk_as_layer(li->items[i]));
			if (!c) {
				pk_decref(items);
				pk_decref(tup);
				return -1;
			}
			pk_tuple_set_take(tup, i, pk_obj_take(c));
		}
		pk_decref(items);
		slot->v = tup;
		*st |= PK_FS_OBJ;
		return 0;
	} else {
		pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
		               "expected records, got '%s'", pk_typename(v));
		goto fail;
	}
	slot->v = list;
	*st |= PK_FS_OBJ;
	return 0;
fail:
	pk_decref(list);
	return -1;
}

/* p.an: the first record, or a chained copy when there are several. */
static int sect_get(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, const union pk_fval *slot,
                    uint8_t st, pk_val *out)
{
	struct pk_list *li = rr_list(slot, st);
	struct pk_layer *head = NULL;
	size_t i;

	if (!(st & PK_FS_OBJ)) {
		if (is_default_qd(l, f)) {
			struct pk_layer *q = pk_layer_new(vm, &pk_proto_dnsqr);

			if (!q)
				return -1;
			*out = pk_obj_take(q);
			return 0;
		}
		*out = pk_none();
		return 0;
	}
	if (!li && pk_is_tuple(slot->v)) {
		struct pk_tuple *t = pk_as_tuple(slot->v);

		*out = pk_list_new(vm, t->len);
		if (pk_is_undef(*out))
			return -1;
		for (i = 0; i < t->len; i++)
			if (pk_list_append(vm, *out, t->items[i]) < 0) {
				pk_decref(*out);
				return -1;
			}
		return 0;
	}
	if (!li) {
		*out = pk_incref(slot->v);
		return 0;
	}
	if (li->len == 0) {
		*out = pk_none();
		return 0;
	}
	if (li->len == 1) {
		*out = pk_incref(li->items[0]);
		return 0;
	}
	for (i = 0; i < li->len; i++) {
		struct pk_layer *c;

		if (!pk_is_packet(li->items[i]))
			continue;
		c = pk_layer_copy(vm, pk_as_layer(li->items[i]));
		if (!c) {
			if (head)
				pk_decref(pk_obj_take(head));
			return -1;
		}
		if (head) {
			pk_layer_append(head, c);
			pk_decref(pk_obj_take(c));
		} else {
			head = c;
		}
	}
	*out = head ? pk_obj_take(head) : pk_none();
	return 0;
}

static int sect_encode(struct pk_build *b, const struct pk_layer *l,
                       const struct pk_field *f, const union pk_fval *slot,
                       uint8_t st, struct pk_buf *out)
{
	struct pk_list *li = rr_list(slot, st);
	size_t i;

	if (!(st & PK_FS_OBJ) && is_default_qd(l, f)) {
		struct pk_layer *q = pk_layer_new(b->vm, &pk_proto_dnsqr);
		int rc;

		if (!q)
			return -1;
		rc = pk_build_layer(b, q);
		pk_decref(pk_obj_take(q));
		return rc;
	}
	if ((st & PK_FS_OBJ) && pk_is_bytes(slot->v))
		return pk_buf_add(out, pk_as_bytes(slot->v)->b,
		                  pk_as_bytes(slot->v)->len);
	if ((st & PK_FS_OBJ) && pk_is_tuple(slot->v)) {
		struct pk_tuple *t = pk_as_tuple(slot->v);

		if (t->len && pk_is_packet(t->items[0]))
			return pk_build_layer(b, pk_as_layer(t->items[0]));
		return 0;
	}
	for (i = 0; li && i < li->len; i++) {
		if (pk_is_packet(li->items[i])) {
			if (pk_build_layer(b, pk_as_layer(li->items[i])) < 0)
				return -1;
		} else if (pk_is_bytes(li->items[i])) {
			pk_buf_add(out, pk_as_bytes(li->items[i])->b,
			           pk_as_bytes(li->items[i])->len);
		}
	}
	return 0;
}

/* The four sections of l, encoded (no compression). */
static int sections_encode(struct pk_build *b, const struct pk_layer *l,
                           struct pk_buf *out)
{
	int i;

	for (i = 0; i < 4; i++)
		if (sect_encode(b, l, &l->proto->fields[LAY(l)->qd + i],
		                &l->f[LAY(l)->qd + i], l->st[LAY(l)->qd + i],
		                out) < 0)
			return -1;
	return 0;
}

/*
 * scapy builds a dissected layer from the bytes it was read from until a
 * field changes, so a compressed message comes back compressed. The
 * hidden last field keeps [the sections as read, their encoding then];
 * while the sections still encode the same, the bytes as read go out.
 * Returns the bytes to emit or NULL (encode normally); -1 in *err on OOM.
 */
/* The header fields' values and states: any change clears the cache, as
 * scapy drops a layer's raw cache when one of its fields is set. */
static void header_key(const struct pk_layer *l, struct pk_buf *out)
{
	int i;

	for (i = LAY(l)->id; i <= LAY(l)->qdcount + 3; i++) {
		pk_buf_addch(out, l->st[i] & PK_FS_SET);
		pk_buf_add(out, &l->f[i].u, sizeof(l->f[i].u));
	}
}

static const struct pk_bytes *cache_hit(struct pk_build *b,
                                        const struct pk_layer *l, int *err)
{
	struct pk_buf now = PK_BUF_INIT, key = PK_BUF_INIT;
	struct pk_build tb = *b;
	const struct pk_bytes *hit = NULL;

	*err = 0;
	header_key(l, &key);
	if (pk_rawcache_key_ok(l, LAY(l)->cache, &key)) {
		tb.out = &now;
		if (sections_encode(&tb, l, &now) < 0)
			*err = -1;
		else
			hit = pk_rawcache_hit(l, LAY(l)->cache, &now, &key);
	}
	pk_buf_release(&now);
	pk_buf_release(&key);
	return hit;
}

static int sect_build(struct pk_build *b, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	int err;
	const struct pk_bytes *hit = cache_hit(b, l, &err);

	if (err)
		return -1;
	if (hit) {
		/* all four sections go out at once, with the first */
		if (f == &l->proto->fields[LAY(l)->qd])
			return pk_buf_add(out, hit->b, hit->len);
		return 0;
	}
	return sect_encode(b, l, f, slot, st, out);
}

/* scapy chains the records: "<DNSRR  .. |<DNSRR  .. |>>" */
static int sect_repr(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, struct pk_buf *out)
{
	struct pk_list *li = rr_list(slot, st);
	size_t i, depth = 0;

	if (!(st & PK_FS_OBJ)) {
		pk_buf_addstr(out, is_default_qd(l, f) ? "<DNSQR  |>" : "None");
		return 0;
	}
	if (!li && pk_is_tuple(slot->v)) {
		struct pk_tuple *t = pk_as_tuple(slot->v);

		pk_buf_addch(out, '[');
		for (i = 0; i < t->len; i++) {
			if (i)
				pk_buf_addstr(out, ", ");
			if (pk_repr(vm, t->items[i], out) < 0)
				return -1;
		}
		pk_buf_addch(out, ']');
		return 0;
	}
	if (!li) {
		if (pk_is_bytes(slot->v)) {
			pk_repr_scapy_bytes(out, pk_as_bytes(slot->v)->b,
			                    pk_as_bytes(slot->v)->len);
			return 0;
		}
		return pk_repr(vm, slot->v, out);
	}
	if (!li->len) {
		pk_buf_addstr(out, "[]");
		return 0;
	}
	for (i = 0; i < li->len; i++) {
		struct pk_buf t = PK_BUF_INIT;
		size_t k;

		if (!pk_is_packet(li->items[i]))
			continue;
		if (pk_layer_repr(vm, pk_as_layer(li->items[i]), &t) < 0) {
			pk_buf_release(&t);
			return -1;
		}
		k = t.len;
		while (k && t.buf[k - 1] == '>') {
			k--;
			depth++;
		}
		pk_buf_add(out, t.buf, k);
		pk_buf_release(&t);
	}
	pk_buf_addchars(out, '>', depth);
	return 0;
}

static const struct pk_field_ops sect_ops = {
    .set = sect_set,
    .get = sect_get,
    .build = sect_build,
    .repr = sect_repr,
};

/* ------------------------------------------------------------------ */
/* DNS                                                                 */

static bool over_tcp(const struct pk_layer *l)
{
	return l->under && (l->under->proto == &pk_proto_tcp);
}

static int length_present(struct pk_vm *vm, const struct pk_layer *l,
                          const struct pk_field *f)
{
	return over_tcp(l);
}

/* What a count field says when unset: the records its section holds. */
static uint64_t sect_count(const struct pk_layer *l, int sect)
{
	struct pk_list *li = rr_list(&l->f[sect], l->st[sect]);

	if (!(l->st[sect] & PK_FS_OBJ))
		return sect == LAY(l)->qd && LAY(l)->default_qd ? 1 : 0;
	if (pk_is_tuple(l->f[sect].v))
		return pk_as_tuple(l->f[sect].v)->len ? 1 : 0;
	return li ? records_in(li) : 0;
}

static int count_repr(struct pk_vm *vm, const struct pk_layer *l,
                      const struct pk_field *f, const union pk_fval *slot,
                      uint8_t st, struct pk_buf *out)
{
	int i = (int)(f - l->proto->fields),
	    sect = i - LAY(l)->qdcount + LAY(l)->qd;
	uint64_t v = (st & PK_FS_SET) ? slot->u : sect_count(l, sect);

	/* scapy counts no record in a Python list when showing it */
	if (!(st & PK_FS_SET) && (l->st[sect] & PK_FS_OBJ) &&
	    pk_is_tuple(l->f[sect].v))
		v = 0;

	pk_buf_addf(out, "%llu", (unsigned long long)v);
	return 0;
}

static int count_get(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, const union pk_fval *slot,
                     uint8_t st, pk_val *out)
{
	int i = (int)(f - l->proto->fields);

	*out = pk_int(
	    (int64_t)((st & PK_FS_SET)
	                  ? slot->u
	                  : sect_count(l, i - LAY(l)->qdcount + LAY(l)->qd)));
	return 0;
}

static const struct pk_field_ops count_ops = {
    .repr = count_repr,
    .get = count_get,
};

#define F_COUNT(n)                                                             \
	{                                                                      \
		.name = n, .kind = PK_FK_INT, .fmt = PK_FMT_DEC, .bits = 16,   \
		.flags = PK_FF_AUTO, .ref = -1, .ops = &count_ops              \
	}
#define F_SECT(n, cls)                                                         \
	{                                                                      \
		.name = n, .kind = PK_FK_CUSTOM, .ref = -1, .sub = cls,        \
		.ops = &sect_ops                                               \
	}

static const struct pk_field dns_fields[] = {
    {.name = "length",
     .kind = PK_FK_INT,
     .fmt = PK_FMT_DEC,
     .bits = 16,
     .flags = PK_FF_AUTO,
     .ref = -1,
     .present = length_present},
    PK_F_INT("id", 16, 0, PK_FMT_DEC),
    PK_F_INT("qr", 1, 0, PK_FMT_DEC),
    PK_F_ENUM("opcode", 4, 0, PK_FMT_ENUM, &opcodes),
    PK_F_INT("aa", 1, 0, PK_FMT_DEC),
    PK_F_INT("tc", 1, 0, PK_FMT_DEC),
    PK_F_INT("rd", 1, 1, PK_FMT_DEC),
    PK_F_INT("ra", 1, 0, PK_FMT_DEC),
    PK_F_INT("z", 1, 0, PK_FMT_DEC),
    PK_F_INT("ad", 1, 0, PK_FMT_DEC),
    PK_F_INT("cd", 1, 0, PK_FMT_DEC),
    PK_F_ENUM("rcode", 4, 0, PK_FMT_ENUM, &rcodes),
    F_COUNT("qdcount"),
    F_COUNT("ancount"),
    F_COUNT("nscount"),
    F_COUNT("arcount"),
    F_SECT("qd", &pk_proto_dnsqr),
    F_SECT("an", &pk_proto_dnsrr),
    F_SECT("ns", &pk_proto_dnsrr),
    F_SECT("ar", &pk_proto_dnsrr),
    PK_F_RAWCACHE, /* see cache_hit() */
    PK_F_END};

static int dns_post_build(struct pk_build *b, const struct pk_layer *l,
                          size_t off, size_t hlen, size_t len)
{
	size_t base = 4;
	int i, c = LAY(l)->qdcount;

	if (LAY(l) == &dns_layout && over_tcp(l)) {
		if (!pk_layer_isset(l, D_LENGTH) && hlen >= 2 &&
		    pk_build_put_len(b, l, D_LENGTH, off, 2, hlen - 2,
		                     "a DNS message over TCP is at most "
		                     "65535 bytes") < 0)
			return -1;
		base += 2;
	}
	/* counts after the build, so show() keeps them as scapy shows them */
	for (i = 0; i < 4; i++) {
		uint64_t n;

		if (pk_layer_isset(l, c + i) || hlen < base + 2 * (size_t)i + 2)
			continue;
		n = sect_count(l, LAY(l)->qd + i);
		if (pk_build_put_len(b, l, c + i, off + base + 2 * (size_t)i, 2,
		                     n, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Where a section left the message: scapy passes (bytes, offset) on, or
 * the bytes alone after a count that was too large (offset back to 0). */
struct sect_state {
	size_t p;
	bool passon;
};

static int new_record(struct pk_vm *vm, const struct pk_proto *p,
                      struct pk_layer **out)
{
	*out = pk_layer_new(vm, p);
	return *out ? 0 : -1;
}

/* scapy assigns a decompressed qname/rrname, so h2i runs on it. */
static int set_name(struct pk_vm *vm, struct pk_layer *l, int fi,
                    struct pk_buf *name)
{
	pk_val v = name_from_user(vm, name->buf, name->len);

	if (pk_is_undef(v))
		return -1;
	pk_slot_clear(&l->f[fi], &l->st[fi]);
	l->f[fi].v = v;
	l->st[fi] = PK_FS_OBJ | PK_FS_SET;
	return 0;
}

/* One question: 0, -1, -DNS_FAIL. */
static int read_question(struct pk_vm *vm, const struct dns_src *src, size_t *p,
                         pk_val list)
{
	struct pk_buf name = PK_BUF_INIT;
	struct name_res res;
	struct pk_layer *q;
	struct rd r;
	size_t avail;
	int rc;

	get_name(src->full, src->nfull, *p, src, true, &name, &res);
	*p = res.next;
	if (new_record(vm, &pk_proto_dnsqr, &q) < 0) {
		pk_buf_release(&name);
		return -1;
	}
	avail = *p < src->nfull ? src->nfull - *p : 0;
	r.s = src->full + (*p < src->nfull ? *p : src->nfull);
	r.n = avail < 4 ? avail : 4;
	r.i = 0;
	r.src = src;
	r.compressed = false;
	*p += 4;
	rc = rd_int(&r, q, Q_QTYPE, 2);
	if (rc == 0)
		rc = rd_int(&r, q, Q_QCLASS, 2);
	if (rc == 1)
		q->partial = true; /* the message ends before qtype/qclass */
	if (rc < 0 || set_name(vm, q, Q_QNAME, &name) < 0) {
		pk_buf_release(&name);
		pk_decref(pk_obj_take(q));
		return rc < 0 ? rc : -1;
	}
	pk_buf_release(&name);
	return sect_append(vm, list, q);
}

/* One resource record: 0, -1, -DNS_FAIL. */
static int read_rr(struct pk_vm *vm, const struct dns_src *src, size_t *p,
                   pk_val list)
{
	struct pk_buf name = PK_BUF_INIT;
	struct name_res res;
	const uint8_t *h;
	struct pk_layer *rr;
	uint64_t typ, rdlen;
	size_t avail;
	struct rd r;
	int rc;

	get_name(src->full, src->nfull, *p, src, true, &name, &res);
	*p = res.next;
	if (*p >= src->nfull || src->nfull - *p < 10) {
		pk_buf_release(&name);
		return -DNS_FAIL;
	}
	h = src->full + *p;
	typ = (uint64_t)h[0] << 8 | h[1];
	rdlen = (uint64_t)h[8] << 8 | h[9];
	*p += 10;
	if (new_record(vm, rr_class(typ), &rr) < 0) {
		pk_buf_release(&name);
		return -1;
	}
	pk_layer_set_uint(rr, R_TYPE, typ);
	pk_layer_set_uint(rr, R_CLASS, (uint64_t)h[2] << 8 | h[3]);
	if (rr->proto == &pk_proto_dnsrropt) {
		pk_layer_set_uint(rr, O_EXTRCODE, h[4]);
		pk_layer_set_uint(rr, O_VERSION, h[5]);
		pk_layer_set_uint(rr, O_Z, (uint64_t)h[6] << 8 | h[7]);
		pk_layer_set_uint(rr, O_RDLEN, rdlen);
	} else {
		pk_layer_set_uint(rr, R_TTL,
		                  (uint64_t)h[4] << 24 | (uint64_t)h[5] << 16 |
		                      (uint64_t)h[6] << 8 | h[7]);
		pk_layer_set_uint(rr, R_RDLEN, rdlen);
	}
	avail = *p < src->nfull ? src->nfull - *p : 0;
	r.s = src->full + (*p < src->nfull ? *p : src->nfull);
	r.n = avail < rdlen ? avail : (size_t)rdlen;
	r.i = 0;
	r.src = src;
	r.compressed = false;
	rc = rr_body(vm, &r, rr);
	if (rc == 0 && r.i < r.n && rr->proto != &pk_proto_dnsrr) {
		/* what a record class did not read stays with it as Raw */
		rc = 0;
	}
	if (rc < 0 || set_name(vm, rr, R_NAME, &name) < 0) {
		pk_buf_release(&name);
		pk_decref(pk_obj_take(rr));
		return rc < 0 ? rc : -1;
	}
	pk_buf_release(&name);
	/* a length counted before decompression is wrong after it; the
	 * record then builds whole, with the length it has now */
	if (r.compressed && rr->proto != &pk_proto_dnsrropt) {
		pk_slot_clear(&rr->f[R_RDLEN], &rr->st[R_RDLEN]);
		rr->partial = false;
	}
	*p += (size_t)rdlen;
	return sect_append(vm, list, rr);
}

/* One section field; 0, 1 (stop: no bytes), -1, -DNS_FAIL. */
static int read_section(struct pk_vm *vm, const struct dns_src *src,
                        struct pk_layer *l, int fi, uint64_t count,
                        struct sect_state *ss)
{
	pk_val list;
	int rc = 0;
	size_t p;

	if (!ss->passon && !src->nfull)
		return 1;
	p = ss->passon ? ss->p : 0;
	pk_slot_clear(&l->f[fi], &l->st[fi]);
	if (count > src->nfull) {
		l->f[fi].v = pk_bytes_new(vm, "", 0);
		if (pk_is_undef(l->f[fi].v))
			return -1;
		l->st[fi] = PK_FS_OBJ | PK_FS_SET;
		ss->passon = false;
		ss->p = 0;
		return 0;
	}
	if (!count) {
		l->f[fi].v = pk_none();
		l->st[fi] = PK_FS_OBJ | PK_FS_SET;
		ss->passon = true;
		ss->p = p;
		return 0;
	}
	list = pk_list_new(vm, (size_t)count);
	if (pk_is_undef(list))
		return -1;
	while (count-- && rc == 0)
		rc = fi == LAY(l)->qd ? read_question(vm, src, &p, list)
		                      : read_rr(vm, src, &p, list);
	if (rc < 0) {
		pk_decref(list);
		return rc;
	}
	l->f[fi].v = list;
	l->st[fi] = PK_FS_OBJ | PK_FS_SET;
	ss->passon = true;
	ss->p = p;
	return 0;
}

/* Keep the sections' bytes as read, and how they encode now. */
static int remember(struct pk_dissect *d, struct pk_layer *l,
                    const uint8_t *orig, size_t n)
{
	struct pk_buf enc = PK_BUF_INIT, hk = PK_BUF_INIT;
	struct pk_build b;

	b.vm = d->vm;
	b.out = &enc;
	b.reg = d->reg;
	if (sections_encode(&b, l, &enc) < 0) {
		pk_buf_release(&enc);
		/* a value that cannot be built: no cache, build will say */
		pk_vm_clear_error(d->vm);
		return 0;
	}
	header_key(l, &hk);
	return pk_rawcache_set(d->vm, l, LAY(l)->cache, orig, n, &enc, &hk);
}

static int dns_dissect_body(struct pk_dissect *d, struct pk_layer *l,
                            struct pk_cursor *c, bool tcp)
{
	const uint8_t *flag_bits = LAY(l)->flag_bits;
	const uint8_t *msg = c->p;
	size_t n = pk_cur_left(c), i = 0, k;
	struct rd r = {msg, n, 0, NULL, false};
	struct dns_src src;
	struct sect_state ss = {0, false};
	int rc;

	if (tcp) {
		size_t dl;

		if (n < 2)
			return -DNS_FAIL;
		dl = (size_t)msg[0] << 8 | msg[1];
		if (dl < 14 || n < dl)
			return -DNS_FAIL;
		if ((rc = rd_int(&r, l, D_LENGTH, 2)) != 0)
			return rc;
	}
	if ((rc = rd_int(&r, l, LAY(l)->id, 2)) != 0)
		goto stop;
	/* the flag bits: a lone byte gives the first five of them */
	if (rd_done(&r))
		goto stop;
	{
		unsigned bits = r.n - r.i >= 2 ? 16 : 8, used = 0;
		uint32_t w = r.s[r.i];

		if (bits == 16)
			w = w << 8 | r.s[r.i + 1];
		for (k = 0; k < LAY(l)->nflags && used + flag_bits[k] <= bits;
		     k++) {
			used += flag_bits[k];
			pk_layer_set_uint(l, LAY(l)->qr + (int)k,
			                  (w >> (bits - used)) &
			                      ((1u << flag_bits[k]) - 1));
		}
		r.i += bits / 8;
		if (bits == 8)
			goto stop;
	}
	for (k = 0; k < 4; k++)
		if ((rc = rd_int(&r, l, LAY(l)->qdcount + (int)k, 2)) != 0)
			goto stop;
	i = r.i;
	src.full = msg + i;
	src.nfull = n - i;
	for (k = 0; k < 4; k++) {
		rc = read_section(d->vm, &src, l, LAY(l)->qd + (int)k,
		                  pk_layer_uint(l, LAY(l)->qdcount + (int)k),
		                  &ss);
		if (rc)
			goto stop;
	}
	/* ar does not pass its offset on: the rest is the payload */
	k = ss.passon ? (ss.p < src.nfull ? ss.p : src.nfull) : 0;
	pk_cur_skip(c, i + k);
	return remember(d, l, src.full, k);
stop:
	if (rc == -DNS_FAIL && i) {
		/* a record failed: what is kept is the header, the sections'
		 * bytes become Raw (all of DNS does, when it is a payload) */
		for (k = 0; k < 4; k++)
			pk_slot_clear(&l->f[LAY(l)->qd + (int)k],
			              &l->st[LAY(l)->qd + (int)k]);
		r.i = i;
	} else if (rc == -1) {
		return rc;
	}
	pk_cur_skip(c, r.i);
	/* the header or the sections end early: it builds back to what it
	 * read (-DNS_FAIL: the caller keeps it as a first layer only) */
	l->partial = true;
	if (!(l->st[LAY(l)->qd] & PK_FS_SET) && LAY(l)->default_qd) {
		/* scapy's qd default is a record even when not read */
		pk_val list = pk_list_new(d->vm, 1);
		struct pk_layer *q = pk_layer_new(d->vm, &pk_proto_dnsqr);

		if (pk_is_undef(list) || !q ||
		    pk_list_append_take(d->vm, list, pk_obj_take(q)) < 0) {
			pk_decref(list);
			return -1;
		}
		l->f[LAY(l)->qd].v = list;
		l->st[LAY(l)->qd] = PK_FS_OBJ | PK_FS_SET;
	}
	if (remember(d, l, msg, 0) < 0)
		return -1;
	return rc == -DNS_FAIL ? rc : 0;
}

/*
 * A read cut inside a field: the layer keeps what it read and says the
 * bytes were truncated, so the engine makes a payload layer Raw as a
 * whole and keeps a first layer, the rest Raw (proto.h). A first layer
 * must never change class: the lazy packet is decoded in place.
 */
static int cut_short(struct pk_cursor *c, int rc)
{
	if (rc == -DNS_FAIL)
		c->truncated = true;
	return rc == -1 ? -1 : 0;
}

static int dns_dissect(struct pk_dissect *d, struct pk_layer *l,
                       struct pk_cursor *c)
{
	return cut_short(c, dns_dissect_body(d, l, c, false));
}

/*
 * Over TCP the message starts with its length. The layer's lower layer is
 * not linked yet while it is dissected, so TCP binds to this twin class,
 * which reads the length and then turns the layer into a plain DNS one
 * (its name is never seen: it is registered only as a binding's end).
 */
static int dns_tcp_dissect(struct pk_dissect *d, struct pk_layer *l,
                           struct pk_cursor *c)
{
	int rc = dns_dissect_body(d, l, c, true);

	l->proto = &pk_proto_dns;
	return cut_short(c, rc);
}

static int dns_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	bool qr = pk_layer_uint(l, D_QR) != 0;
	int cnt = qr ? D_ANCOUNT : D_QDCOUNT, sect = qr ? D_AN : D_QD;
	uint64_t n = pk_layer_isset(l, cnt) ? pk_layer_uint(l, cnt)
	                                    : sect_count(l, sect);
	struct pk_list *li = rr_list(&l->f[sect], l->st[sect]);

	pk_buf_addstr(out, qr ? "DNS Ans" : "DNS Qry");
	if (n > 0) {
		if (!qr && !(l->st[sect] & PK_FS_OBJ)) {
			pk_buf_addstr(out, " \"b'www.example.com.'\"");
		} else if (li && li->len && pk_is_packet(li->items[0])) {
			const struct pk_layer *r = pk_as_layer(li->items[0]);

			if (!qr && r->proto == &pk_proto_dnsqr) {
				const uint8_t *p;
				size_t k;

				name_value(&r->proto->fields[Q_QNAME],
				           &r->f[Q_QNAME], r->st[Q_QNAME], &p,
				           &k);
				pk_buf_addstr(out, " \"");
				pk_repr_pybytes(out, p, k);
				pk_buf_addch(out, '"');
			} else if (qr && r->proto == &pk_proto_dnsrr) {
				pk_buf_addstr(out, " \"");
				if (rdata_text(vm, r, &r->f[R_DATA],
				               r->st[R_DATA], true, out) < 0)
					return -1;
				pk_buf_addch(out, '"');
			}
		}
	}
	pk_buf_addch(out, ' ');
	return 0;
}

static int dns_answers(struct pk_vm *vm, const struct pk_layer *self,
                       const struct pk_layer *other, bool *out)
{
	*out = other->proto == &pk_proto_dns &&
	       pk_layer_uint(self, D_ID) == pk_layer_uint(other, D_ID) &&
	       pk_layer_uint(self, D_QR) == 1 &&
	       pk_layer_uint(other, D_QR) == 0;
	return 0;
}

/* A record dissected on its own (DNSRR(bytes)): no message to point in. */
static int rr_dissect(struct pk_dissect *d, struct pk_layer *l,
                      struct pk_cursor *c)
{
	struct rd r = {c->p, pk_cur_left(c), 0, NULL, false};
	int rc, i;

	rc = rd_name(d->vm, &r, l, 0);
	if (l->proto == &pk_proto_dnsqr) {
		for (i = Q_QTYPE; rc == 0 && i <= Q_QCLASS; i++)
			rc = rd_int(&r, l, i, 2);
	} else {
		int last = l->proto == &pk_proto_dnsrropt ? O_RDLEN : R_RDLEN;

		for (i = R_TYPE; rc == 0 && i <= last; i++)
			rc = rd_int(&r, l, i, l->proto->fields[i].bits / 8);
		if (rc == 0) {
			struct rd body = r;

			if (l->proto == &pk_proto_dnsrr) {
				size_t rdlen =
				    (size_t)pk_layer_uint(l, R_RDLEN);

				if (r.n - r.i > rdlen)
					body.n = r.i + rdlen;
			}
			rc = rr_body(d->vm, &body, l);
			r.i = body.i;
		}
	}
	if (rc == -1)
		return -1;
	/* fields left unread keep their defaults and are not built */
	if (rc != 0)
		l->partial = true;
	pk_cur_skip(c, r.i);
	return cut_short(c, rc);
}

static const struct pk_proto dns_tcp;

static const struct pk_binding dns_binds[] = {{.lower = &pk_proto_udp,
                                               .upper = &pk_proto_dns,
                                               .dir = PK_BIND_DISSECT,
                                               .c = {{"dport", 5353}}},
                                              {.lower = &pk_proto_udp,
                                               .upper = &pk_proto_dns,
                                               .dir = PK_BIND_DISSECT,
                                               .c = {{"sport", 5353}}},
                                              {.lower = &pk_proto_udp,
                                               .upper = &pk_proto_dns,
                                               .dir = PK_BIND_DISSECT,
                                               .c = {{"dport", 53}}},
                                              {.lower = &pk_proto_udp,
                                               .upper = &pk_proto_dns,
                                               .dir = PK_BIND_BOTH,
                                               .c = {{"sport", 53}}},
                                              {.lower = &pk_proto_tcp,
                                               .upper = &dns_tcp,
                                               .dir = PK_BIND_DISSECT,
                                               .c = {{"dport", 53}}},
                                              {.lower = &pk_proto_tcp,
                                               .upper = &dns_tcp,
                                               .dir = PK_BIND_DISSECT,
                                               .c = {{"sport", 53}}},
                                              {.lower = &pk_proto_tcp,
                                               .upper = &pk_proto_dns,
                                               .dir = PK_BIND_BUILD,
                                               .c = {{"sport", 53}}},
                                              {.lower = NULL}};

const struct pk_proto pk_proto_dns = {
    .name = "DNS",
    .title = "DNS",
    .fields = dns_fields,
    .nfields = PK_NFIELDS(dns_fields),
    .binds = dns_binds,
    .post_build = dns_post_build,
    .dissect = dns_dissect,
    .summary = dns_summary,
    .answers = dns_answers,
    .ud = &dns_layout,
};

static const struct pk_proto dns_tcp = {
    .name = "_DNSTCP",
    .title = "DNS",
    .fields = dns_fields,
    .nfields = PK_NFIELDS(dns_fields),
    .post_build = dns_post_build,
    .dissect = dns_tcp_dissect,
    .summary = dns_summary,
    .answers = dns_answers,
    .ud = &dns_layout,
};

/* ------------------------------------------------------------------ */
/* LLMNR (RFC 4795) over UDP port 5355                                 */

static const struct pk_enum_entry llmnr_opcodes_e[] = {T(0, "QUERY")};
static const struct pk_enum llmnr_opcodes = PK_ENUM(llmnr_opcodes_e);
static const struct pk_enum_entry llmnr_rcodes_e[] = {T(0, "ok")};
static const struct pk_enum llmnr_rcodes = PK_ENUM(llmnr_rcodes_e);

enum { L_ID, L_QR, L_QDCOUNT = 7, L_QD = 11, L_AN, L_CACHE = 15 };

#define LLMNR_FIELDS(qr)                                                       \
	{                                                                      \
		PK_F_INT("id", 16, 0, PK_FMT_DEC),                             \
		    PK_F_INT("qr", 1, qr, PK_FMT_DEC),                         \
		    PK_F_ENUM("opcode", 4, 0, PK_FMT_ENUM, &llmnr_opcodes),    \
		    PK_F_INT("c", 1, 0, PK_FMT_DEC),                           \
		    PK_F_INT("tc", 2, 0, PK_FMT_DEC),                          \
		    PK_F_INT("z", 4, 0, PK_FMT_DEC),                           \
		    PK_F_ENUM("rcode", 4, 0, PK_FMT_ENUM, &llmnr_rcodes),      \
		    F_COUNT("qdcount"), F_COUNT("ancount"),                    \
		    F_COUNT("nscount"), F_COUNT("arcount"),                    \
		    F_SECT("qd", &pk_proto_dnsqr),                             \
		    F_SECT("an", &pk_proto_dnsrr),                             \
		    F_SECT("ns", &pk_proto_dnsrr),                             \
		    F_SECT("ar", &pk_proto_dnsrr), PK_F_RAWCACHE, PK_F_END     \
	}

static const struct pk_field llmnrq_fields[] = LLMNR_FIELDS(0);
static const struct pk_field llmnrr_fields[] = LLMNR_FIELDS(1);

static const uint8_t llmnr_flag_bits[] = {1, 4, 1, 2, 4, 4};
static const struct dns_layout llmnr_layout = {
    L_ID, L_QR, L_QDCOUNT, L_QD, L_CACHE, llmnr_flag_bits, 6, false};

/* A query and a response share the port: the QR bit tells them apart. */
static int llmnr_dissect(struct pk_dissect *d, struct pk_layer *l,
                         struct pk_cursor *c)
{
	bool resp = pk_cur_left(c) >= 3 && (c->p[2] & 0x80);
	int rc;

	/* scapy's class choice reads the third byte: two bytes fail */
	if (pk_cur_left(c) == 2) {
		l->partial = true;
		return cut_short(c, -DNS_FAIL);
	}
	/* a payload only (the UDP binding's choice, as scapy's guess): a
	 * first layer keeps the class it was asked for, as in scapy, and
	 * is decoded in place under it */
	if (c->p == d->start)
		resp = false;
	rc = dns_dissect_body(d, l, c, false);
	if (rc == 0 && resp)
		l->proto = &pk_proto_llmnrresp;
	return cut_short(c, rc);
}

/* The first record of a section, or NULL. */
static const struct pk_layer *first_rr(const struct pk_layer *l, int sect)
{
	struct pk_list *li = rr_list(&l->f[sect], l->st[sect]);

	if ((l->st[sect] & PK_FS_OBJ) && pk_is_tuple(l->f[sect].v)) {
		struct pk_tuple *t = pk_as_tuple(l->f[sect].v);

		return t->len && pk_is_packet(t->items[0])
		           ? pk_as_layer(t->items[0])
		           : NULL;
	}
	return li && li->len && pk_is_packet(li->items[0])
	           ? pk_as_layer(li->items[0])
	           : NULL;
}

static int llmnr_summary(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	const struct pk_layer *an = first_rr(l, L_AN), *qd = first_rr(l, L_QD);
	const uint8_t *p;
	size_t n;

	if (an) {
		name_value(&an->proto->fields[0], &an->f[0], an->st[0], &p, &n);
		pk_buf_addstr(out, "LLMNRResponse '");
		pk_buf_add(out, p, n);
		pk_buf_addstr(out, "' is at '");
		if (an->proto == &pk_proto_dnsrr &&
		    rdata_text(vm, an, &an->f[R_DATA], an->st[R_DATA], true,
		               out) < 0)
			return -1;
		pk_buf_addch(out, '\'');
		return 0;
	}
	if (qd) {
		name_value(&qd->proto->fields[0], &qd->f[0], qd->st[0], &p, &n);
		pk_buf_addstr(out, "LLMNRQuery who has '");
		pk_buf_add(out, p, n);
		pk_buf_addch(out, '\'');
		return 0;
	}
	pk_buf_addstr(out, l->proto->name);
	return 0;
}

static int llmnr_hashret(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *key)
{
	return pk_buf_add_be16(key, (uint16_t)pk_layer_uint(l, L_ID));
}

static int llmnr_answers(struct pk_vm *vm, const struct pk_layer *self,
                         const struct pk_layer *other, bool *out)
{
	*out = (other->proto == &pk_proto_llmnrquery ||
	        other->proto == &pk_proto_llmnrresp) &&
	       pk_layer_uint(self, L_ID) == pk_layer_uint(other, L_ID) &&
	       pk_layer_uint(self, L_QR) == 1 &&
	       pk_layer_uint(other, L_QR) == 0;
	return 0;
}

static const struct pk_binding llmnr_binds[] = {
    {.lower = &pk_proto_udp,
     .upper = &pk_proto_llmnrquery,
     .dir = PK_BIND_DISSECT,
     .c = {{"dport", 5355}}},
    {.lower = &pk_proto_udp,
     .upper = &pk_proto_llmnrquery,
     .dir = PK_BIND_DISSECT,
     .c = {{"sport", 5355}}},
    {.lower = &pk_proto_udp,
     .upper = &pk_proto_llmnrquery,
     .dir = PK_BIND_BUILD,
     .c = {{"sport", 5355}, {"dport", 5355}}},
    {.lower = &pk_proto_udp,
     .upper = &pk_proto_llmnrresp,
     .dir = PK_BIND_BUILD,
     .c = {{"sport", 5355}, {"dport", 5355}}},
    {.lower = NULL}};

const struct pk_proto pk_proto_llmnrquery = {
    .name = "LLMNRQuery",
    .title = "Link Local Multicast Node Resolution - Query",
    .fields = llmnrq_fields,
    .nfields = PK_NFIELDS(llmnrq_fields),
    .binds = llmnr_binds,
    .post_build = dns_post_build,
    .dissect = llmnr_dissect,
    .summary = llmnr_summary,
    .hashret = llmnr_hashret,
    .ud = &llmnr_layout,
};

const struct pk_proto pk_proto_llmnrresp = {
    .name = "LLMNRResponse",
    .title = "Link Local Multicast Node Resolution - Response",
    .fields = llmnrr_fields,
    .nfields = PK_NFIELDS(llmnrr_fields),
    .post_build = dns_post_build,
    .dissect = llmnr_dissect,
    .summary = llmnr_summary,
    .hashret = llmnr_hashret,
    .answers = llmnr_answers,
    .ud = &llmnr_layout,
};

const struct pk_proto pk_proto_dnsqr = {
    .name = "DNSQR",
    .title = "DNS Question Record",
    .fields = dnsqr_fields,
    .nfields = PK_NFIELDS(dnsqr_fields),
    .flags = PK_PF_NOPAYLOAD_GUESS,
    .dissect = rr_dissect,
};

#define RR_PROTO(sym, nm, ttl, fl)                                             \
	const struct pk_proto sym = {                                          \
	    .name = nm,                                                        \
	    .title = ttl,                                                      \
	    .fields = fl,                                                      \
	    .nfields = PK_NFIELDS(fl),                                         \
	    .flags = PK_PF_NOPAYLOAD_GUESS,                                    \
	    .post_build = rr_post_build,                                       \
	    .dissect = rr_dissect,                                             \
	}

RR_PROTO(pk_proto_dnsrr, "DNSRR", "DNS Resource Record", dnsrr_fields);
RR_PROTO(pk_proto_dnsrrmx, "DNSRRMX", "DNS MX Resource Record", mx_fields);
RR_PROTO(pk_proto_dnsrrsoa, "DNSRRSOA", "DNS SOA Resource Record", soa_fields);
RR_PROTO(pk_proto_dnsrrsrv, "DNSRRSRV", "DNS SRV Resource Record", srv_fields);
RR_PROTO(pk_proto_dnsrropt, "DNSRROPT", "DNS OPT Resource Record", opt_fields);
RR_PROTO(pk_proto_dnsrrrsig, "DNSRRRSIG", "DNS RRSIG Resource Record",
         rrsig_fields);
RR_PROTO(pk_proto_dnsrrnsec, "DNSRRNSEC", "DNS NSEC Resource Record",
         nsec_fields);
RR_PROTO(pk_proto_dnsrrdnskey, "DNSRRDNSKEY", "DNS DNSKEY Resource Record",
         dnskey_fields);
RR_PROTO(pk_proto_dnsrrds, "DNSRRDS", "DNS DS Resource Record", ds_fields);
RR_PROTO(pk_proto_dnsrrdlv, "DNSRRDLV", "DNS DLV Resource Record", dlv_fields);
RR_PROTO(pk_proto_dnsrrnsec3, "DNSRRNSEC3", "DNS NSEC3 Resource Record",
         nsec3_fields);
RR_PROTO(pk_proto_dnsrrnsec3param, "DNSRRNSEC3PARAM",
         "DNS NSEC3PARAM Resource Record", nsec3param_fields);

const struct pk_proto *const pk_layers_dns[] = {
    &pk_proto_dns,         &pk_proto_dnsqr,           &pk_proto_dnsrr,
    &pk_proto_dnsrrmx,     &pk_proto_dnsrrsoa,        &pk_proto_dnsrrsrv,
    &pk_proto_dnsrropt,    &pk_proto_edns0tlv,        &pk_proto_llmnrquery,
    &pk_proto_llmnrresp,   &pk_proto_dnsrrrsig,       &pk_proto_dnsrrnsec,
    &pk_proto_dnsrrdnskey, &pk_proto_dnsrrds,         &pk_proto_dnsrrdlv,
    &pk_proto_dnsrrnsec3,  &pk_proto_dnsrrnsec3param, NULL,
};
