/*
 * field.c - field kinds: conversion of user values, defaults, i2repr text,
 * sizes. Building and dissecting are in build.c and dissect.c, where the
 * bit-field packing state lives.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "services.h"

int pk_field_error(struct pk_vm *vm, const struct pk_exctype *t,
                   const struct pk_proto *p, const struct pk_field *f,
                   const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;
	int r;

	pk_buf_addf(&b, "%s.%s: ", p->name, f->name);
	va_start(ap, fmt);
	pk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r = pk_raise(vm, t, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

void pk_field_default(const struct pk_field *f, union pk_fval *slot,
                      uint8_t *st)
{
	memset(slot, 0, sizeof(*slot));
	*st = 0;
	switch (f->kind) {
	case PK_FK_INT:
		slot->u = (f->flags & PK_FF_AUTO) ? 0 : f->def;
		break;
	case PK_FK_MAC:
		if (f->defp)
			memcpy(slot->b, f->defp, 6);
		break;
	case PK_FK_IP4:
		if (f->defp)
			memcpy(slot->b, f->defp, 4);
		break;
	case PK_FK_IP6:
		if (f->defp)
			memcpy(slot->b, f->defp, 16);
		break;
	default:
		slot->v = pk_undef();
		break;
	}
}

void pk_slot_clear(union pk_fval *slot, uint8_t *st)
{
	if (*st & PK_FS_OBJ)
		pk_decref(slot->v);
	*st = 0;
}

/* ------------------------------------------------------------------ */
/* Text forms                                                          */

void pk_fmt_mac(struct pk_buf *out, const uint8_t a[6])
{
	pk_buf_addf(out, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2],
	            a[3], a[4], a[5]);
}

/*
 * scapy keeps the MAC text the user typed ("AB:AC:DD:9F:3C:AB" shows and
 * reads back upper case; after a build and dissect it is lower case). The
 * 10 bytes of the slot after the address record that spelling, so no
 * object is allocated: all zero (defaults, dissection, route hooks) is the
 * canonical lower-case form.
 */
enum {
	MAC_UPPER = 6, /* 2 bytes: bit 2*g+k, digit k of group g upper case */
	MAC_SHORT = 8, /* bit g: group g typed as one digit */
	MAC_DASH = 9,  /* bit g: separator after group g is '-' */
};

void pk_fmt_mac_text(struct pk_buf *out, const uint8_t a[16])
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	unsigned upper = a[MAC_UPPER] | (unsigned)a[MAC_UPPER + 1] << 8;
	int g;

	for (g = 0; g < 6; g++) {
		unsigned hi = a[g] >> 4, low = a[g] & 15;

		if (!(a[MAC_SHORT] >> g & 1) || hi)
			pk_buf_addch(out,
			             (upper >> (2 * g) & 1) ? up[hi] : lo[hi]);
		pk_buf_addch(out,
		             (upper >> (2 * g + 1) & 1) ? up[low] : lo[low]);
		if (g < 5)
			pk_buf_addch(out, (a[MAC_DASH] >> g & 1) ? '-' : ':');
	}
}

void pk_fmt_ip4(struct pk_buf *out, const uint8_t a[4])
{
	pk_buf_addf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

void pk_fmt_ip6(struct pk_buf *out, const uint8_t a[16])
{
	char s[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, a, s, sizeof(s)))
		pk_buf_addstr(out, s);
}

int pk_parse_ip4(const char *s, size_t n, uint8_t out[4])
{
	unsigned v[4], i = 0;
	size_t k = 0;

	for (i = 0; i < 4; i++) {
		size_t d = 0;

		v[i] = 0;
		while (k < n && s[k] >= '0' && s[k] <= '9' && d < 3) {
			v[i] = v[i] * 10 + (unsigned)(s[k] - '0');
			k++, d++;
		}
		if (!d || v[i] > 255)
			return -1;
		if (i < 3) {
			if (k >= n || s[k] != '.')
				return -1;
			k++;
		}
	}
	if (k != n)
		return -1;
	for (i = 0; i < 4; i++)
		out[i] = (uint8_t)v[i];
	return 0;
}

/* Parse into out[0..5]; with `spell` (10 bytes) also record the spelling
 * for pk_fmt_mac_text. */
static int parse_mac(const char *s, size_t n, uint8_t out[6], uint8_t *spell)
{
	size_t k = 0, i;
	unsigned upper = 0, shrt = 0, dash = 0;

	for (i = 0; i < 6; i++) {
		unsigned v = 0, d = 0, up = 0;

		while (k < n && d < 2) {
			char c = s[k];
			unsigned x;

			if (c >= '0' && c <= '9')
				x = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				x = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				x = (unsigned)(c - 'A' + 10), up |= 1u << d;
			else
				break;
			v = v * 16 + x;
			k++, d++;
		}
		if (!d)
			return -1;
		out[i] = (uint8_t)v;
		/* one digit typed is the low digit of the group */
		if (d == 1)
			shrt |= 1u << i, up <<= 1;
		upper |= up << (2 * i);
		if (i < 5) {
			if (k >= n || (s[k] != ':' && s[k] != '-'))
				return -1;
			if (s[k] == '-')
				dash |= 1u << i;
			k++;
		}
	}
	if (k != n)
		return -1;
	if (spell) {
		memset(spell, 0, 10);
		spell[MAC_UPPER - 6] = (uint8_t)upper;
		spell[MAC_UPPER - 5] = (uint8_t)(upper >> 8);
		spell[MAC_SHORT - 6] = (uint8_t)shrt;
		spell[MAC_DASH - 6] = (uint8_t)dash;
	}
	return 0;
}

int pk_parse_mac(const char *s, size_t n, uint8_t out[6])
{
	return parse_mac(s, n, out, NULL);
}

int pk_parse_ip6(const char *s, size_t n, uint8_t out[16])
{
	char tmp[64];

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

/* Python's repr() of a str (UTF-8 text): quote choice and escapes. */
static void repr_text(struct pk_buf *out, const uint8_t *s, size_t n,
                      bool high_escaped)
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
		} else if (c < 0x20 || c == 0x7f) {
			pk_buf_addf(out, "\\x%02x", c);
		} else if (c < 0x80) {
			pk_buf_addch(out, c);
		} else if (high_escaped) {
			/* a byte that was not UTF-8: backslashreplace, then
			 * repr doubles the backslash */
			pk_buf_addf(out, "\\\\x%02x", c);
		} else {
			pk_buf_addch(out, c);
		}
	}
	pk_buf_addch(out, q);
}

void pk_repr_pystr(struct pk_buf *out, const char *s, size_t n)
{
	repr_text(out, (const uint8_t *)s, n, false);
}

/* Length of a valid UTF-8 sequence at s, 0 if none; *cp the code point. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] < 0xf0)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] < 0xf5)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* Python's str.isprintable() for one non-ASCII code point, roughly. */
static bool cp_printable(uint32_t c)
{
	if (c < 0xa0)
		return false;
	if (c == 0xa0 || c == 0xad)
		return false;
	if (c >= 0x2000 && c <= 0x200f)
		return c < 0x200b && false;
	if (c >= 0x2028 && c <= 0x202f)
		return false;
	if (c >= 0x205f && c <= 0x206f)
		return false;
	if (c == 0x3000 || c == 0xfeff || (c >= 0xfff0 && c <= 0xfffb))
		return false;
	if (c >= 0xe000 && c <= 0xf8ff)
		return false;
	if (c >= 0xf0000)
		return false;
	if ((c & 0xfffe) == 0xfffe)
		return false;
	if (c >= 0x1680 && c == 0x1680)
		return false;
	return true;
}

/*
 * scapy 2.5 shows StrField values as repr(bytes.decode('utf8',
 * 'backslashreplace')): valid UTF-8 shows as text, other high bytes as a
 * doubled-backslash escape.
 */
void pk_repr_scapy_bytes(struct pk_buf *out, const uint8_t *s, size_t n)
{
	struct pk_buf t = PK_BUF_INIT;
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
	pk_buf_addch(out, q);
	for (i = 0; i < n;) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			if (c == (uint8_t)q || c == '\\') {
				pk_buf_addch(out, '\\');
				pk_buf_addch(out, c);
			} else if (c == '\t') {
				pk_buf_addstr(out, "\\t");
			} else if (c == '\n') {
				pk_buf_addstr(out, "\\n");
			} else if (c == '\r') {
				pk_buf_addstr(out, "\\r");
			} else if (c < 0x20 || c == 0x7f) {
				pk_buf_addf(out, "\\x%02x", c);
			} else {
				pk_buf_addch(out, c);
			}
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i, &cp);
		if (!k) {
			pk_buf_addf(out, "\\\\x%02x", c);
			i++;
			continue;
		}
		if (cp_printable(cp))
			pk_buf_add(out, s + i, k);
		else if (cp < 0x100)
			pk_buf_addf(out, "\\x%02x", cp);
		else if (cp < 0x10000)
			pk_buf_addf(out, "\\u%04x", cp);
		else
			pk_buf_addf(out, "\\U%08x", cp);
		i += k;
	}
	pk_buf_addch(out, q);
	pk_buf_release(&t);
}

const char *pk_enum_name(const struct pk_enum *e, uint64_t v)
{
	size_t i;

	if (!e)
		return NULL;
	for (i = 0; i < e->n; i++)
		if (e->e[i].value == v)
			return e->e[i].name;
	return NULL;
}

int pk_enum_lookup(const struct pk_enum *e, const char *s, uint64_t *out)
{
	size_t i;

	if (!e)
		return -1;
	for (i = 0; i < e->n; i++) {
		if (!strcmp(e->e[i].name, s)) {
			*out = e->e[i].value;
			return 0;
		}
	}
	return -1;
}

void pk_fmt_flags(struct pk_buf *out, const struct pk_enum *e, uint64_t v)
{
	bool multi = false, first = true;
	size_t i;
	unsigned bit;

	for (i = 0; i < e->n; i++)
		if (strlen(e->e[i].name) > 1)
			multi = true;
	for (bit = 0; bit < 64; bit++) {
		const char *n;

		if (!(v & ((uint64_t)1 << bit)))
			continue;
		n = pk_enum_name(e, bit);
		if (multi && !first)
			pk_buf_addch(out, '+');
		if (n)
			pk_buf_addstr(out, n);
		else
			pk_buf_addf(out, "bit%u", bit);
		first = false;
	}
}

static void int_text(struct pk_buf *out, const struct pk_field *f, uint64_t u)
{
	const char *n = NULL;

	switch (f->fmt) {
	case PK_FMT_HEX:
		pk_buf_addf(out, "0x%llx", (unsigned long long)u);
		return;
	case PK_FMT_ENUM:
	case PK_FMT_XENUM:
		n = pk_enum_name(f->enm, u);
		break;
	case PK_FMT_FLAGS:
		if (f->enm) {
			pk_fmt_flags(out, f->enm, u);
			return;
		}
		break;
	case PK_FMT_TCPPORT:
		n = pk_service_name(false, (unsigned)u);
		break;
	case PK_FMT_UDPPORT:
		n = pk_service_name(true, (unsigned)u);
		break;
	default:
		break;
	}
	if (n)
		pk_buf_addstr(out, n);
	else if (f->fmt == PK_FMT_XENUM)
		pk_buf_addf(out, "0x%llx", (unsigned long long)u);
	else if (f->flags & PK_FF_SIGNED)
		pk_buf_addf(out, "%lld", (long long)u);
	else
		pk_buf_addf(out, "%llu", (unsigned long long)u);
}

/* Whether an int element of a set shows as a quoted name (enum lists). */
static void set_elem_repr(struct pk_vm *vm, const struct pk_layer *l,
                          const struct pk_field *f, pk_val e,
                          struct pk_buf *out)
{
	union pk_fval s;
	uint8_t st = 0;
	struct pk_buf t = PK_BUF_INIT;

	if (pk_field_scalar(vm, l, f, e, &s, &st) < 0) {
		pk_vm_clear_error(vm);
		pk_repr(vm, e, out);
		return;
	}
	st |= PK_FS_SET;
	pk_field_repr(vm, l, f, &s, st, &t);
	if (f->kind == PK_FK_INT &&
	    !(f->fmt == PK_FMT_DEC || (f->fmt == PK_FMT_HEX))) {
		pk_repr_pystr(out, t.buf, t.len);
	} else if (f->kind == PK_FK_MAC || f->kind == PK_FK_IP4 ||
	           f->kind == PK_FK_IP6) {
		pk_repr_pystr(out, t.buf, t.len);
	} else {
		pk_buf_add(out, t.buf, t.len);
	}
	pk_buf_release(&t);
	pk_slot_clear(&s, &st);
}

int pk_field_repr(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f, const union pk_fval *slot,
                  uint8_t st, struct pk_buf *out)
{
	if (st & PK_FS_GEN) {
		pk_val v = slot->v;

		if (pk_is_list(v)) {
			struct pk_list *li = pk_as_list(v);
			size_t i;

			pk_buf_addch(out, '[');
			for (i = 0; i < li->len; i++) {
				if (i)
					pk_buf_addstr(out, ", ");
				set_elem_repr(vm, l, f, li->items[i], out);
			}
			pk_buf_addch(out, ']');
			return 0;
		}
		if (pk_is_str(v)) {
			pk_buf_addstr(out, "Net");
			if (f->kind == PK_FK_IP6)
				pk_buf_addstr(out, "6");
			pk_buf_addf(out, "(\"%s\")", pk_as_str(v)->s);
			return 0;
		}
		return pk_repr(vm, v, out);
	}
	if (f->ops && f->ops->repr)
		return f->ops->repr(vm, l, f, slot, st, out);
	switch (f->kind) {
	case PK_FK_INT:
		if (!(st & PK_FS_SET) && (f->flags & PK_FF_AUTO)) {
			pk_buf_addstr(out, "None");
			return 0;
		}
		int_text(out, f, slot->u);
		return 0;
	case PK_FK_MAC:
		pk_fmt_mac_text(out, slot->b);
		return 0;
	case PK_FK_IP4:
		pk_fmt_ip4(out, slot->b);
		return 0;
	case PK_FK_IP6:
		pk_fmt_ip6(out, slot->b);
		return 0;
	case PK_FK_BYTES:
		if (st & PK_FS_OBJ) {
			struct pk_bytes *b = pk_as_bytes(slot->v);
			size_t n = b->len;

			/* StrFixedLenField shows without its NUL padding */
			while (f->bits && n && !b->b[n - 1])
				n--;
			pk_repr_scapy_bytes(out, b->b, n);
		} else if (f->flags & PK_FF_AUTO) {
			pk_buf_addstr(out, "None");
		} else {
			pk_repr_scapy_bytes(out, f->defp, f->deflen);
		}
		return 0;
	case PK_FK_PKTLIST:
	case PK_FK_PKT:
	case PK_FK_CUSTOM:
		if (!(st & PK_FS_OBJ) || pk_is_undef(slot->v)) {
			pk_buf_addstr(out,
			              f->kind == PK_FK_PKT ? "None" : "[]");
			return 0;
		}
		return pk_repr(vm, slot->v, out);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Conversion of user values                                           */

static int int_from_str(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f, const char *s, uint64_t *out)
{
	struct pk_suggest sg;
	struct pk_buf m = PK_BUF_INIT;
	size_t i;
	int port;

	if (f->fmt == PK_FMT_FLAGS && f->enm) {
		/* 'SA', 'S+A', 'DF', 'MF+DF' */
		const char *p = s;
		uint64_t v = 0;
		bool multi = false;

		for (i = 0; i < f->enm->n; i++)
			if (strlen(f->enm->e[i].name) > 1)
				multi = true;
		while (*p) {
			size_t len;
			bool found = false;

			if (*p == '+') {
				p++;
				continue;
			}
			len = multi ? strcspn(p, "+") : 1;
			for (i = 0; i < f->enm->n; i++) {
				const char *n = f->enm->e[i].name;

				if (strlen(n) == len && !strncmp(n, p, len)) {
					v |= (uint64_t)1 << f->enm->e[i].value;
					found = true;
					break;
				}
			}
			if (!found)
				return pk_field_error(
				    vm, &pk_exc_ValueError, l->proto, f,
				    "unknown flag '%.*s' in '%s'", (int)len, p,
				    s);
			p += len;
		}
		*out = v;
		return 0;
	}
	if (f->fmt == PK_FMT_TCPPORT || f->fmt == PK_FMT_UDPPORT) {
		port = pk_service_port(f->fmt == PK_FMT_UDPPORT, s);
		if (port >= 0) {
			*out = (uint64_t)port;
			return 0;
		}
	}
	if (f->enm && pk_enum_lookup(f->enm, s, out) == 0)
		return 0;
	pk_suggest_init(&sg, s);
	if (f->enm)
		for (i = 0; i < f->enm->n; i++)
			pk_suggest_add(&sg, f->enm->e[i].name);
	pk_suggest_finish(&sg, &m);
	pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
	               "unknown value '%s'%s", s, m.buf);
	pk_buf_release(&m);
	return -1;
}

static int check_int(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, int64_t v, uint64_t *out)
{
	unsigned bits = f->bits ? f->bits : 64;

	if (f->flags & PK_FF_SIGNED) {
		if (bits < 64) {
			int64_t lo = -((int64_t)1 << (bits - 1));
			int64_t hi = ((int64_t)1 << (bits - 1)) - 1;

			if (v < lo || v > hi)
				goto range;
		}
		*out = (uint64_t)v;
		if (bits < 64)
			*out &= ((uint64_t)1 << bits) - 1;
		return 0;
	}
	if (v < 0 || (bits < 64 && (uint64_t)v >> bits))
		goto range;
	*out = (uint64_t)v;
	return 0;
range:
	return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
	                      "%lld does not fit in %u bits", (long long)v,
	                      bits);
}

static int addr_from_str(struct pk_vm *vm, const struct pk_layer *l,
                         const struct pk_field *f, const struct pk_str *s,
                         union pk_fval *slot)
{
	const char *what;
	int r;

	switch (f->kind) {
	case PK_FK_MAC:
		r = parse_mac(s->s, s->len, slot->b, slot->b + 6);
		what = "MAC";
		break;
	case PK_FK_IP4:
		r = pk_parse_ip4(s->s, s->len, slot->b);
		what = "IPv4";
		break;
	default:
		r = pk_parse_ip6(s->s, s->len, slot->b);
		what = "IPv6";
		break;
	}
	if (r < 0)
		return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
		                      "invalid %s address '%s'", what, s->s);
	return 0;
}

int pk_field_scalar(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st)
{
	uint64_t fv;

	switch (f->kind) {
	case PK_FK_INT:
		if (pk_is_intlike(v))
			return check_int(vm, l, f, v.u.i, &slot->u);
		if (pk_is_str(v))
			return int_from_str(vm, l, f, pk_as_str(v)->s,
			                    &slot->u);
		if (pk_flagval_get(v, &fv))
			return check_int(vm, l, f, (int64_t)fv, &slot->u);
		if (pk_is_float(v) && v.u.f == (double)(int64_t)v.u.f)
			return check_int(vm, l, f, (int64_t)v.u.f, &slot->u);
		break;
	case PK_FK_MAC:
	case PK_FK_IP4:
	case PK_FK_IP6:
		if (pk_is_str(v))
			return addr_from_str(vm, l, f, pk_as_str(v), slot);
		break;
	case PK_FK_BYTES:
		if (pk_is_bytes(v)) {
			slot->v = pk_incref(v);
			*st |= PK_FS_OBJ;
			return 0;
		}
		if (pk_is_str(v)) {
			slot->v = pk_bytes_new(vm, pk_as_str(v)->s,
			                       pk_as_str(v)->len);
			if (pk_is_undef(slot->v))
				return -1;
			*st |= PK_FS_OBJ;
			return 0;
		}
		if (pk_is_packet(v)) {
			struct pk_buf b = PK_BUF_INIT;

			if (pk_packet_build(vm, v, &b) < 0) {
				pk_buf_release(&b);
				return -1;
			}
			slot->v = pk_bytes_from_buf(vm, &b);
			if (pk_is_undef(slot->v))
				return -1;
			*st |= PK_FS_OBJ;
			return 0;
		}
		break;
	default:
		break;
	}
	return pk_field_error(vm, &pk_exc_TypeError, l->proto, f,
	                      "unsupported value of type '%s'", pk_typename(v));
}

/* 'a.b.c.d/n' or 'x::/n': an implicit set of addresses. */
static bool is_net(const struct pk_field *f, pk_val v)
{
	return (f->kind == PK_FK_IP4 || f->kind == PK_FK_IP6) && pk_is_str(v) &&
	       strchr(pk_as_str(v)->s, '/');
}

static int check_net(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f, pk_val v)
{
	const char *s = pk_as_str(v)->s;
	const char *sl = strchr(s, '/');
	uint8_t a[16];
	long n;
	char *end;
	int max = f->kind == PK_FK_IP4 ? 32 : 128;

	n = strtol(sl + 1, &end, 10);
	if (*end || end == sl + 1 || n < 0 || n > max ||
	    (f->kind == PK_FK_IP4 ? pk_parse_ip4(s, (size_t)(sl - s), a)
	                          : pk_parse_ip6(s, (size_t)(sl - s), a)) < 0)
		return pk_field_error(vm, &pk_exc_ValueError, l->proto, f,
		                      "invalid network '%s'", s);
	return 0;
}

int pk_field_set(struct pk_vm *vm, const struct pk_layer *l,
                 const struct pk_field *f, pk_val v, union pk_fval *slot,
                 uint8_t *st)
{
	union pk_fval nv;
	uint8_t nst = 0;

	memset(&nv, 0, sizeof(nv));
	if (pk_is_undef(v) || (pk_is_none(v) && f->kind != PK_FK_PKT &&
	                       f->kind != PK_FK_CUSTOM)) {
		pk_slot_clear(slot, st);
		pk_field_default(f, slot, st);
		return 0;
	}
	if (pk_is_volatile(v)) {
		/* kept as is: sets.c draws a value at every build */
		nv.v = pk_incref(v);
		nst = PK_FS_OBJ | PK_FS_GEN;
	} else if (f->ops && f->ops->set) {
		if (f->ops->set(vm, l, f, v, &nv, &nst) < 0)
			return -1;
	} else if (f->kind == PK_FK_PKTLIST) {
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
			return pk_field_error(vm, &pk_exc_TypeError, l->proto,
			                      f, "expected packets, got '%s'",
			                      pk_typename(v));
		}
		nv.v = list;
		nst = PK_FS_OBJ;
	} else if (f->kind == PK_FK_PKT || f->kind == PK_FK_CUSTOM) {
		nv.v = pk_incref(v);
		nst = PK_FS_OBJ;
	} else if (pk_is_list(v) || is_net(f, v) ||
	           (pk_is_tuple(v) && f->kind == PK_FK_INT &&
	            pk_as_tuple(v)->len == 2)) {
		/* an implicit set: check every element now */
		if (pk_is_list(v)) {
			struct pk_list *li = pk_as_list(v);
			size_t i;

			for (i = 0; i < li->len; i++) {
				union pk_fval t;
				uint8_t tst = 0;

				if (pk_field_scalar(vm, l, f, li->items[i], &t,
				                    &tst) < 0)
					return -1;
				pk_slot_clear(&t, &tst);
			}
			if (pk_to_list(vm, v, &nv.v) < 0)
				return -1;
		} else if (pk_is_tuple(v)) {
			struct pk_tuple *t = pk_as_tuple(v);
			union pk_fval a, b;
			uint8_t ast = 0;

			if (!pk_is_intlike(t->items[0]) ||
			    !pk_is_intlike(t->items[1]))
				return pk_field_error(vm, &pk_exc_TypeError,
				                      l->proto, f,
				                      "a range needs two ints");
			if (pk_field_scalar(vm, l, f, t->items[0], &a, &ast) <
			        0 ||
			    pk_field_scalar(vm, l, f, t->items[1], &b, &ast) <
			        0)
				return -1;
			nv.v = pk_incref(v);
		} else {
			if (check_net(vm, l, f, v) < 0)
				return -1;
			nv.v = pk_incref(v);
		}
		nst = PK_FS_OBJ | PK_FS_GEN;
	} else {
		if (pk_field_scalar(vm, l, f, v, &nv, &nst) < 0)
			return -1;
	}
	pk_slot_clear(slot, st);
	*slot = nv;
	*st = nst | PK_FS_SET;
	return 0;
}

int pk_field_get(struct pk_vm *vm, const struct pk_layer *l,
                 const struct pk_field *f, const union pk_fval *slot,
                 uint8_t st, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (st & PK_FS_GEN) {
		if (pk_is_str(slot->v)) {
			pk_field_repr(vm, l, f, slot, st, &b);
			*out = pk_str_from_buf(vm, &b);
			return pk_is_undef(*out) ? -1 : 0;
		}
		*out = pk_incref(slot->v);
		return 0;
	}
	if (f->ops && f->ops->get)
		return f->ops->get(vm, l, f, slot, st, out);
	switch (f->kind) {
	case PK_FK_INT:
		if (!(st & PK_FS_SET) && (f->flags & PK_FF_AUTO)) {
			*out = pk_none();
			return 0;
		}
		if (f->fmt == PK_FMT_FLAGS && f->enm) {
			*out = pk_flagval_new(vm, f, slot->u);
			return pk_is_undef(*out) ? -1 : 0;
		}
		*out = pk_int((f->flags & PK_FF_SIGNED) ? slot->i
		                                        : (int64_t)slot->u);
		if (f->flags & PK_FF_SIGNED && f->bits < 64 &&
		    (slot->u >> (f->bits - 1)) & 1)
			out->u.i = (int64_t)(slot->u |
			                     ~(((uint64_t)1 << f->bits) - 1));
		return 0;
	case PK_FK_MAC:
		pk_fmt_mac_text(&b, slot->b);
		break;
	case PK_FK_IP4:
		pk_fmt_ip4(&b, slot->b);
		break;
	case PK_FK_IP6:
		pk_fmt_ip6(&b, slot->b);
		break;
	case PK_FK_BYTES:
		if (st & PK_FS_OBJ) {
			*out = pk_incref(slot->v);
			return 0;
		}
		if (f->flags & PK_FF_AUTO) {
			*out = pk_none();
			return 0;
		}
		*out = pk_bytes_new(vm, f->defp ? f->defp : "", f->deflen);
		return pk_is_undef(*out) ? -1 : 0;
	default:
		if (st & PK_FS_OBJ) {
			*out = pk_incref(slot->v);
			return 0;
		}
		if (f->kind == PK_FK_PKT) {
			*out = pk_none();
			return 0;
		}
		*out = pk_list_new(vm, 0);
		return pk_is_undef(*out) ? -1 : 0;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

int pk_field_present(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f)
{
	if (!f->present)
		return 1;
	return f->present(vm, l, f);
}

int pk_field_size(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f, const union pk_fval *slot,
                  uint8_t st, enum pk_frel rel, uint64_t *out)
{
	if (f->ops && f->ops->size)
		return f->ops->size(vm, l, f, slot, st, rel, out);
	switch (f->kind) {
	case PK_FK_BYTES:
		if (st & PK_FS_OBJ)
			*out = pk_as_bytes(slot->v)->len;
		else
			*out = f->deflen;
		return 0;
	case PK_FK_PKTLIST:
		if (!(st & PK_FS_OBJ) || !pk_is_list(slot->v)) {
			*out = 0;
			return 0;
		}
		if (rel == PK_REL_COUNT) {
			*out = pk_as_list(slot->v)->len;
			return 0;
		} else {
			struct pk_list *li = pk_as_list(slot->v);
			struct pk_buf b = PK_BUF_INIT;
			size_t i;

			for (i = 0; i < li->len; i++) {
				if (pk_packet_build(vm, li->items[i], &b) < 0) {
					pk_buf_release(&b);
					return -1;
				}
			}
			*out = b.len;
			pk_buf_release(&b);
			return 0;
		}
	case PK_FK_PKT:
		if (!(st & PK_FS_OBJ) || !pk_is_packet(slot->v)) {
			*out = 0;
			return 0;
		} else {
			struct pk_buf b = PK_BUF_INIT;

			if (pk_packet_build(vm, slot->v, &b) < 0) {
				pk_buf_release(&b);
				return -1;
			}
			*out = rel == PK_REL_COUNT ? 1 : b.len;
			pk_buf_release(&b);
			return 0;
		}
	default:
		*out = f->bits / 8;
		return 0;
	}
}
