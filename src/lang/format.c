/*
 * format.c - text forms of values: Python's repr of floats, strings and
 * bytes (scapy's output embeds them, so they must match byte for byte),
 * printf-style `%` formatting, format specs and str.format().
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------ */
/* repr                                                                */

/* Python's repr(float): the shortest string that reads back the same,
 * fixed notation for exponents in [-4, 16), else d.ddde+XX. */
int pk_float_repr(struct pk_buf *b, double d)
{
	char tmp[40], digits[24];
	int prec, exp, nd = 0, i;
	char *p;

	if (d != d) {
		pk_buf_addstr(b, "nan");
		return 0;
	}
	if (isinf(d)) {
		pk_buf_addstr(b, d < 0 ? "-inf" : "inf");
		return 0;
	}
	if (d == 0) {
		pk_buf_addstr(b, signbit(d) ? "-0.0" : "0.0");
		return 0;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	p = tmp;
	if (*p == '-') {
		pk_buf_addch(b, '-');
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			pk_buf_addstr(b, "0.");
			pk_buf_addchars(b, '0', (size_t)(-exp - 1));
			pk_buf_add(b, digits, (size_t)nd);
		} else {
			for (i = 0; i <= exp; i++)
				pk_buf_addch(b, i < nd ? digits[i] : '0');
			pk_buf_addch(b, '.');
			if (nd > exp + 1)
				pk_buf_add(b, digits + exp + 1,
				           (size_t)(nd - exp - 1));
			else
				pk_buf_addch(b, '0');
		}
	} else {
		pk_buf_addch(b, digits[0]);
		if (nd > 1) {
			pk_buf_addch(b, '.');
			pk_buf_add(b, digits + 1, (size_t)(nd - 1));
		}
		pk_buf_addf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	}
	return 0; /* a failed buffer is reported by whoever takes it */
}

static char pick_quote(const char *s, size_t len)
{
	return memchr(s, '\'', len) && !memchr(s, '"', len) ? '"' : '\'';
}

int pk_str_repr(struct pk_buf *b, const char *s, size_t len)
{
	char q = pick_quote(s, len);
	size_t i;

	pk_buf_addch(b, q);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == (unsigned char)q) {
			pk_buf_addch(b, '\\');
			pk_buf_addch(b, c);
		} else if (c == '\n') {
			pk_buf_addstr(b, "\\n");
		} else if (c == '\t') {
			pk_buf_addstr(b, "\\t");
		} else if (c == '\r') {
			pk_buf_addstr(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			pk_buf_addf(b, "\\x%02x", c);
		} else {
			pk_buf_addch(b, c);
		}
	}
	pk_buf_addch(b, q);
	return 0; /* a failed buffer is reported by whoever takes it */
}

int pk_bytes_repr(struct pk_buf *b, const uint8_t *s, size_t len)
{
	char q = pick_quote((const char *)s, len);
	size_t i;

	pk_buf_addch(b, 'b');
	pk_buf_addch(b, q);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\\' || c == (unsigned char)q) {
			pk_buf_addch(b, '\\');
			pk_buf_addch(b, c);
		} else if (c == '\n') {
			pk_buf_addstr(b, "\\n");
		} else if (c == '\t') {
			pk_buf_addstr(b, "\\t");
		} else if (c == '\r') {
			pk_buf_addstr(b, "\\r");
		} else if (c < 0x20 || c >= 0x7f) {
			pk_buf_addf(b, "\\x%02x", c);
		} else {
			pk_buf_addch(b, c);
		}
	}
	pk_buf_addch(b, q);
	return 0; /* a failed buffer is reported by whoever takes it */
}

/* ------------------------------------------------------------------ */
/* Format specs: [[fill]align][sign][#][0][width][,|_][.precision][type] */

struct spec {
	char fill, align, sign, group, type;
	bool alt, zero;
	int width, prec; /* -1: none */
};

/*
 * Digits of a width or precision at s[*i]. A value past INT_MAX cannot be
 * honoured: 2 GiB of padding is a MemoryError (as in Python), a precision
 * that large a ValueError; anything below is honoured, within the memory
 * ceiling.
 */
static int parse_num(struct pk_vm *vm, const char *s, size_t n, size_t *i,
                     bool prec, int *out)
{
	int64_t v = 0;
	bool big = false;

	while (*i < n && isdigit((unsigned char)s[*i])) {
		if (v <= INT_MAX)
			v = v * 10 + (s[*i] - '0');
		if (v > INT_MAX)
			big = true;
		(*i)++;
	}
	if (big)
		return prec ? pk_raise(vm, &pk_exc_ValueError,
		                       "precision too big")
		            : pk_raise_nomem(vm);
	*out = (int)v;
	return 0;
}

static int parse_spec(struct pk_vm *vm, const char *s, size_t n,
                      struct spec *sp)
{
	size_t i = 0;

	memset(sp, 0, sizeof(*sp));
	sp->fill = ' ';
	sp->width = sp->prec = -1;
	if (n >= 2 && strchr("<>=^", s[1])) {
		sp->fill = s[0];
		sp->align = s[1];
		i = 2;
	} else if (n >= 1 && strchr("<>=^", s[0])) {
		sp->align = s[0];
		i = 1;
	}
	if (i < n && strchr("+- ", s[i]))
		sp->sign = s[i++];
	if (i < n && s[i] == '#') {
		sp->alt = true;
		i++;
	}
	if (i < n && s[i] == '0') {
		sp->zero = true;
		i++;
	}
	if (i < n && isdigit((unsigned char)s[i]) &&
	    parse_num(vm, s, n, &i, false, &sp->width) < 0)
		return -1;
	if (i < n && (s[i] == ',' || s[i] == '_'))
		sp->group = s[i++];
	if (i < n && s[i] == '.') {
		i++;
		sp->prec = 0;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return pk_raise(vm, &pk_exc_ValueError,
			                "format specifier missing precision");
		if (parse_num(vm, s, n, &i, true, &sp->prec) < 0)
			return -1;
	}
	if (i < n)
		sp->type = s[i++];
	if (i < n)
		return pk_raise(vm, &pk_exc_ValueError,
		                "invalid format specifier");
	if (sp->zero && !sp->align) {
		sp->fill = '0';
		sp->align = '=';
	}
	return 0;
}

/* Lay out prefix (sign, 0x) and body in the field. */
static void emit(struct pk_buf *out, const char *pre, size_t npre,
                 const char *body, size_t nbody, const struct spec *sp,
                 char defalign)
{
	size_t len = npre + nbody, padn;
	char align = sp->align ? sp->align : defalign;

	padn = sp->width > 0 && (size_t)sp->width > len
	           ? (size_t)sp->width - len
	           : 0;
	switch (align) {
	case '<':
		pk_buf_add(out, pre, npre);
		pk_buf_add(out, body, nbody);
		pk_buf_addchars(out, sp->fill, padn);
		break;
	case '^':
		pk_buf_addchars(out, sp->fill, padn / 2);
		pk_buf_add(out, pre, npre);
		pk_buf_add(out, body, nbody);
		pk_buf_addchars(out, sp->fill, padn - padn / 2);
		break;
	case '=':
		pk_buf_add(out, pre, npre);
		pk_buf_addchars(out, sp->fill, padn);
		pk_buf_add(out, body, nbody);
		break;
	default:
		pk_buf_addchars(out, sp->fill, padn);
		pk_buf_add(out, pre, npre);
		pk_buf_add(out, body, nbody);
		break;
	}
}

static void group_digits(char *dst, const char *src, size_t n, char sep)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		dst[k++] = src[i];
		if (sep && (n - i - 1) % 3 == 0 && i + 1 < n)
			dst[k++] = sep;
	}
	dst[k] = 0;
}

static int fmt_int(struct pk_vm *vm, struct pk_buf *out, int64_t v,
                   const struct spec *sp)
{
	char body[160], raw[80], pre[4];
	size_t npre = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int i = 0, base = 10;
	const char *dig = "0123456789abcdef";
	char t = sp->type;

	if (t == 'c') {
		struct pk_buf cb = PK_BUF_INIT;

		if (v < 0 || v > 0x10ffff)
			return pk_raise(vm, &pk_exc_OverflowError,
			                "%%c arg not in range(0x110000)");
		pk_utf8_put(&cb, (uint32_t)v);
		emit(out, "", 0, cb.buf, cb.len, sp, '<');
		pk_buf_release(&cb);
		return 0;
	}
	switch (t) {
	case 'x':
		base = 16;
		break;
	case 'X':
		base = 16;
		dig = "0123456789ABCDEF";
		break;
	case 'o':
		base = 8;
		break;
	case 'b':
		base = 2;
		break;
	case 0:
	case 'd':
	case 'n':
		break;
	default:
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "unknown format code '%c' for object of type 'int'", t);
	}
	do {
		raw[i++] = dig[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	if (sp->prec > 0)
		while (i < sp->prec && i < 70)
			raw[i++] = '0';
	{
		char tmp[80];
		int j;

		for (j = 0; j < i; j++)
			tmp[j] = raw[i - 1 - j];
		group_digits(body, tmp, (size_t)i, base == 10 ? sp->group : 0);
	}
	if (v < 0)
		pre[npre++] = '-';
	else if (sp->sign == '+' || sp->sign == ' ')
		pre[npre++] = sp->sign;
	if (sp->alt && base != 10) {
		pre[npre++] = '0';
		pre[npre++] = t == 'X'   ? 'X'
		              : t == 'o' ? 'o'
		              : t == 'b' ? 'b'
		                         : 'x';
	}
	emit(out, pre, npre, body, strlen(body), sp, '>');
	return 0;
}

static int fmt_float(struct pk_vm *vm, struct pk_buf *out, double v,
                     const struct spec *sp)
{
	char body[400], *f, pre[2];
	size_t npre = 0;
	int prec = sp->prec < 0 ? 6 : sp->prec;
	char t = sp->type;
	double a = fabs(v);

	if (prec > 300)
		prec = 300;
	if (signbit(v) && v == v)
		pre[npre++] = '-';
	else if (sp->sign == '+' || sp->sign == ' ')
		pre[npre++] = sp->sign;
	switch (t) {
	case 0:
		if (sp->prec < 0) {
			struct pk_buf b = PK_BUF_INIT;

			pk_float_repr(&b, a);
			snprintf(body, sizeof(body), "%s", b.buf);
			pk_buf_release(&b);
		} else {
			snprintf(body, sizeof(body), "%.*g", prec ? prec : 1,
			         a);
			if (!strpbrk(body, ".en"))
				strcat(body, ".0");
		}
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
		if (t == 'f' || t == 'F')
			snprintf(body, sizeof(body), sp->alt ? "%#.*f" : "%.*f",
			         prec, a);
		else if (t == 'e')
			snprintf(body, sizeof(body), sp->alt ? "%#.*e" : "%.*e",
			         prec, a);
		else if (t == 'E')
			snprintf(body, sizeof(body), sp->alt ? "%#.*E" : "%.*E",
			         prec, a);
		else if (t == 'g')
			snprintf(body, sizeof(body), sp->alt ? "%#.*g" : "%.*g",
			         prec ? prec : 1, a);
		else
			snprintf(body, sizeof(body), sp->alt ? "%#.*G" : "%.*G",
			         prec ? prec : 1, a);
		if (t == 'F')
			for (f = body; *f; f++)
				*f = (char)toupper((unsigned char)*f);
		break;
	case '%':
		snprintf(body, sizeof(body), "%.*f%%", prec, a * 100);
		break;
	default:
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "unknown format code '%c' for object of type 'float'", t);
	}
	if (sp->group && (t == 'f' || t == 'F' || t == 0)) {
		char g[1024];
		size_t n = strcspn(body, ".eE%");

		group_digits(g, body, n, sp->group);
		strncat(g, body + n, sizeof(g) - strlen(g) - 1);
		emit(out, pre, npre, g, strlen(g), sp, '>');
		return 0;
	}
	emit(out, pre, npre, body, strlen(body), sp, '>');
	return 0;
}

int pk_format_spec(struct pk_vm *vm, pk_val v, const char *s, size_t n,
                   struct pk_buf *out)
{
	struct spec sp;
	struct pk_buf tmp = PK_BUF_INIT;
	int r;

	if (!n)
		return pk_str_of(vm, v, out);
	if (parse_spec(vm, s, n, &sp) < 0)
		return -1;
	if (pk_is_intlike(v) && !(pk_is_bool(v) && !sp.type)) {
		if (sp.type && strchr("eEfFgG%", sp.type))
			return fmt_float(vm, out, (double)v.u.i, &sp);
		return fmt_int(vm, out, v.u.i, &sp);
	}
	if (pk_is_float(v))
		return fmt_float(vm, out, v.u.f, &sp);
	if (sp.type && sp.type != 's')
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "unknown format code '%c' for object of type '%s'", sp.type,
		    pk_typename(v));
	r = pk_str_of(vm, v, &tmp);
	if (r == 0) {
		size_t len = tmp.len;

		if (sp.prec >= 0 && (size_t)sp.prec < len)
			len = (size_t)sp.prec;
		emit(out, "", 0, tmp.buf, len, &sp, '<');
	}
	pk_buf_release(&tmp);
	return r;
}

/* ------------------------------------------------------------------ */
/* printf-style: "fmt" % args                                          */

int pk_percent_format(struct pk_vm *vm, pk_val fmtv, pk_val args, pk_val *out)
{
	const char *f = pk_as_str(fmtv)->s;
	size_t n = pk_as_str(fmtv)->len, i = 0;
	const pk_val *argv;
	size_t argc, ai = 0;
	bool is_map =
	    pk_is_dict(args) ||
	    (pk_is_obj(args) && !pk_is_tuple(args) && !pk_is_str(args) &&
	     args.u.o->type->getitem && !pk_is_list(args) &&
	     !pk_is_bytes(args) && args.u.o->type == &pk_type_dict);
	struct pk_buf b = PK_BUF_INIT;
	pk_val key = pk_undef(); /* of the %(name)s being formatted */

	if (pk_is_tuple(args)) {
		argv = pk_as_tuple(args)->items;
		argc = pk_as_tuple(args)->len;
	} else {
		argv = &args;
		argc = 1;
	}
	while (i < n) {
		struct spec sp;
		pk_val arg;
		char c;
		int r = 0;
		int64_t w;

		if (f[i] != '%') {
			size_t j = i;

			while (j < n && f[j] != '%')
				j++;
			pk_buf_add(&b, f + i, j - i);
			i = j;
			continue;
		}
		i++;
		memset(&sp, 0, sizeof(sp));
		sp.fill = ' ';
		sp.width = sp.prec = -1;
		if (i < n && f[i] == '(') {
			size_t j = ++i;
			int depth = 1;

			while (j < n && depth) {
				if (f[j] == '(')
					depth++;
				else if (f[j] == ')')
					depth--;
				if (depth)
					j++;
			}
			if (j >= n) {
				pk_raise(vm, &pk_exc_ValueError,
				         "incomplete format key");
				goto fail;
			}
			if (!pk_is_dict(args)) {
				pk_raise(vm, &pk_exc_TypeError,
				         "format requires a mapping");
				goto fail;
			}
			key = pk_str_new(vm, f + i, j - i);
			if (pk_is_undef(key))
				goto fail;
			i = j + 1;
		}
		for (; i < n && strchr("-+ #0", f[i]); i++) {
			switch (f[i]) {
			case '-':
				sp.align = '<';
				break;
			case '+':
			case ' ':
				if (sp.sign != '+')
					sp.sign = f[i];
				break;
			case '#':
				sp.alt = true;
				break;
			default:
				sp.zero = true;
				break;
			}
		}
		if (i < n && f[i] == '*') {
			i++;
			if (ai >= argc || !pk_is_intlike(argv[ai])) {
				pk_raise(vm, &pk_exc_TypeError, "* wants int");
				goto fail_key;
			}
			w = argv[ai++].u.i;
			if (w < -(int64_t)INT_MAX || w > INT_MAX) {
				pk_raise_nomem(vm);
				goto fail_key;
			}
			sp.width = (int)w;
			if (sp.width < 0) {
				sp.align = '<';
				sp.width = -sp.width;
			}
		} else if (i < n && isdigit((unsigned char)f[i])) {
			if (parse_num(vm, f, n, &i, false, &sp.width) < 0)
				goto fail_key;
		}
		if (i < n && f[i] == '.') {
			i++;
			sp.prec = 0;
			if (i < n && f[i] == '*') {
				i++;
				if (ai >= argc || !pk_is_intlike(argv[ai])) {
					pk_raise(vm, &pk_exc_TypeError,
					         "* wants int");
					goto fail_key;
				}
				w = argv[ai++].u.i;
				if (w > INT_MAX) {
					pk_raise(vm, &pk_exc_OverflowError,
					         "precision too big");
					goto fail_key;
				}
				sp.prec = w < 0 ? 0 : (int)w;
			} else if (parse_num(vm, f, n, &i, true, &sp.prec) <
			           0) {
				goto fail_key;
			}
		}
		while (i < n && strchr("hlL", f[i]))
			i++;
		if (i >= n) {
			pk_raise(vm, &pk_exc_ValueError, "incomplete format");
			goto fail_key;
		}
		c = f[i++];
		if (c == '%') {
			pk_buf_addch(&b, '%');
			pk_decref(key);
			key = pk_undef();
			continue;
		}
		if (!pk_is_undef(key)) {
			int g = pk_dict_get(vm, args, key, &arg);

			if (g <= 0) {
				if (g == 0)
					pk_raise_key(vm, key);
				goto fail_key;
			}
			pk_decref(key);
			key = pk_undef();
		} else if (is_map) {
			arg = args;
		} else {
			if (ai >= argc) {
				pk_raise(
				    vm, &pk_exc_TypeError,
				    "not enough arguments for format string");
				goto fail;
			}
			arg = argv[ai++];
		}
		if (sp.zero && sp.align != '<' && !strchr("sra", c)) {
			sp.fill = '0';
			sp.align = '=';
		}
		if (!sp.align)
			sp.align = '>';
		switch (c) {
		case 's':
		case 'r':
		case 'a': {
			struct pk_buf t = PK_BUF_INIT;
			size_t len;

			r = c == 's' ? pk_str_of(vm, arg, &t)
			             : pk_repr(vm, arg, &t);
			len = t.len;
			if (sp.prec >= 0 && (size_t)sp.prec < len)
				len = (size_t)sp.prec;
			if (!r)
				emit(&b, "", 0, t.buf, len, &sp, '>');
			pk_buf_release(&t);
			break;
		}
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			int64_t iv;

			if (pk_is_str(arg) ||
			    !(pk_is_intlike(arg) || pk_is_float(arg) ||
			      pk_is_obj(arg))) {
				if (c == 'd' || c == 'i' || c == 'u')
					pk_raise(
					    vm, &pk_exc_TypeError,
					    "%%%c format: a real number is required, not %s",
					    c, pk_typename(arg));
				else
					pk_raise(
					    vm, &pk_exc_TypeError,
					    "%%%c format: an integer is required, not %s",
					    c, pk_typename(arg));
				goto fail;
			}
			if (pk_is_float(arg) && c != 'd' && c != 'i' &&
			    c != 'u') {
				pk_raise(
				    vm, &pk_exc_TypeError,
				    "%%%c format: an integer is required, not float",
				    c);
				goto fail;
			}
			if (pk_to_int(vm, arg, &iv) < 0)
				goto fail;
			sp.type = (c == 'i' || c == 'u') ? 'd' : c;
			r = fmt_int(vm, &b, iv, &sp);
			break;
		}
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G': {
			double dv;

			if (pk_arg_float(vm, arg, "format", "x", &dv) < 0) {
				pk_vm_clear_error(vm);
				pk_raise(vm, &pk_exc_TypeError,
				         "must be real number, not %s",
				         pk_typename(arg));
				goto fail;
			}
			sp.type = c;
			r = fmt_float(vm, &b, dv, &sp);
			break;
		}
		case 'c':
			if (pk_is_str(arg) && pk_as_str(arg)->len == 1) {
				emit(&b, "", 0, pk_as_str(arg)->s, 1, &sp, '>');
			} else if (pk_is_intlike(arg)) {
				sp.type = 'c';
				r = fmt_int(vm, &b, arg.u.i, &sp);
			} else {
				pk_raise(vm, &pk_exc_TypeError,
				         "%%c requires int or char");
				goto fail;
			}
			break;
		default:
			pk_raise(
			    vm, &pk_exc_ValueError,
			    "unsupported format character '%c' (0x%x) at index %zu",
			    c, (unsigned char)c, i - 1);
			goto fail;
		}
		if (r < 0)
			goto fail;
	}
	if (!is_map && ai < argc) {
		pk_raise(
		    vm, &pk_exc_TypeError,
		    "not all arguments converted during string formatting");
		goto fail;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
fail_key:
fail:
	pk_decref(key);
	pk_buf_release(&b);
	return -1;
}

/* ------------------------------------------------------------------ */
/* str.format                                                          */

static int format_field(struct pk_vm *vm, const char *f, size_t n,
                        const struct pk_args *a, int *autoidx,
                        struct pk_buf *out)
{
	size_t i = 0, j;
	pk_val v = pk_undef(), nv;
	char conv = 0;
	const char *spec = "";
	size_t nspec = 0;
	int r;

	/* field name */
	j = 0;
	while (j < n && f[j] != '.' && f[j] != '[' && f[j] != '!' &&
	       f[j] != ':')
		j++;
	if (j == 0) {
		if (*autoidx < 0)
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "cannot switch from manual field specification to automatic field numbering");
		if (*autoidx >= a->n)
			return pk_raise(
			    vm, &pk_exc_IndexError,
			    "Replacement index %d out of range for positional args tuple",
			    *autoidx);
		v = pk_incref(a->v[(*autoidx)++]);
	} else if (isdigit((unsigned char)f[0])) {
		long k = strtol(f, NULL, 10);

		if (*autoidx > 0)
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "cannot switch from automatic field numbering to manual field specification");
		*autoidx = -1;
		if (k >= a->n)
			return pk_raise(
			    vm, &pk_exc_IndexError,
			    "Replacement index %ld out of range for positional args tuple",
			    k);
		v = pk_incref(a->v[k]);
	} else {
		int k;

		for (k = 0; k < a->nkw; k++)
			if (a->kwnames[k]->len == j &&
			    !memcmp(a->kwnames[k]->s, f, j))
				break;
		if (k == a->nkw)
			return pk_raise(vm, &pk_exc_KeyError, "'%.*s'", (int)j,
			                f);
		v = pk_incref(a->kwv[k]);
	}
	i = j;
	while (i < n && (f[i] == '.' || f[i] == '[')) {
		if (f[i] == '.') {
			struct pk_str *name;

			j = ++i;
			while (j < n && f[j] != '.' && f[j] != '[' &&
			       f[j] != '!' && f[j] != ':')
				j++;
			name = pk_intern(f + i, j - i);
			if (!name) {
				pk_decref(v);
				return pk_raise_nomem(vm);
			}
			r = pk_getattr(vm, v, name, &nv);
		} else {
			pk_val key;
			char *end;
			long k;

			j = ++i;
			while (j < n && f[j] != ']')
				j++;
			k = strtol(f + i, &end, 10);
			if (end == f + j && j > i)
				key = pk_int(k);
			else
				key = pk_str_new(vm, f + i, j - i);
			if (pk_is_undef(key)) {
				pk_decref(v);
				return -1;
			}
			r = pk_getitem(vm, v, key, &nv);
			pk_decref(key);
			j++;
		}
		pk_decref(v);
		if (r < 0)
			return -1;
		v = nv;
		i = j;
	}
	if (i < n && f[i] == '!') {
		conv = i + 1 < n ? f[i + 1] : 0;
		i += 2;
	}
	if (i < n && f[i] == ':') {
		spec = f + i + 1;
		nspec = n - i - 1;
	}
	if (conv == 'r' || conv == 's' || conv == 'a') {
		struct pk_buf t = PK_BUF_INIT;

		r = conv == 's' ? pk_str_of(vm, v, &t) : pk_repr(vm, v, &t);
		pk_decref(v);
		if (r < 0) {
			pk_buf_release(&t);
			return -1;
		}
		v = pk_str_from_buf(vm, &t);
		if (pk_is_undef(v))
			return -1;
	} else if (conv) {
		pk_decref(v);
		return pk_raise(vm, &pk_exc_ValueError,
		                "Unknown conversion specifier %c", conv);
	}
	r = pk_format_spec(vm, v, spec, nspec, out);
	pk_decref(v);
	return r;
}

int pk_str_format(struct pk_vm *vm, const char *f, size_t n,
                  const struct pk_args *a, struct pk_buf *out)
{
	size_t i = 0;
	int autoidx = 0;

	while (i < n) {
		if (f[i] == '{') {
			size_t j = i + 1;
			int depth = 1;

			if (j < n && f[j] == '{') {
				pk_buf_addch(out, '{');
				i += 2;
				continue;
			}
			while (j < n && depth) {
				if (f[j] == '{')
					depth++;
				else if (f[j] == '}')
					depth--;
				if (depth)
					j++;
			}
			if (j >= n)
				return pk_raise(
				    vm, &pk_exc_ValueError,
				    "expected '}' before end of string");
			if (memchr(f + i + 1, '{', j - i - 1)) {
				/* nested fields in the spec: expand them */
				struct pk_buf inner = PK_BUF_INIT;
				int r = pk_str_format(vm, f + i + 1, j - i - 1,
				                      a, &inner);

				if (r == 0)
					r = format_field(vm, inner.buf,
					                 inner.len, a, &autoidx,
					                 out);
				pk_buf_release(&inner);
				if (r < 0)
					return -1;
			} else if (format_field(vm, f + i + 1, j - i - 1, a,
			                        &autoidx, out) < 0) {
				return -1;
			}
			i = j + 1;
		} else if (f[i] == '}') {
			if (i + 1 < n && f[i + 1] == '}') {
				pk_buf_addch(out, '}');
				i += 2;
				continue;
			}
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "Single '}' encountered in format string");
		} else {
			pk_buf_addch(out, f[i++]);
		}
	}
	return pk_buf_failed(out) ? pk_raise_nomem(vm) : 0;
}
