/*
 * methods.c - methods of the built-in types (str, bytes, list, tuple,
 * dict, int, float), as data tables: the same tables feed help(),
 * dir() and completion.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"

pk_val pk_dictview_new(struct pk_vm *vm, pk_val d, int mode);

#define ARGS(fname, ...)                                                       \
	static const char *const names_[] = {__VA_ARGS__};                     \
	pk_val av[sizeof(names_) / sizeof(names_[0])];                         \
	if (pk_args_parse(vm, a, fname, names_,                                \
	                  (int)(sizeof(names_) / sizeof(names_[0])), NREQ,     \
	                  av) < 0)                                             \
	return -1

static int noargs(struct pk_vm *vm, const struct pk_args *a, const char *f)
{
	if (a->n || a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() takes no arguments (%d given)", f,
		                a->n + a->nkw);
	return 0;
}

static int ret(pk_val v, pk_val *out)
{
	if (pk_is_undef(v))
		return -1;
	*out = v;
	return 0;
}

/* text helpers shared by str and bytes */
struct text {
	const char *p;
	size_t n;
	bool bytes;
};

static struct text text_of(pk_val v)
{
	struct text t;

	if (pk_is_str(v)) {
		t.p = pk_as_str(v)->s;
		t.n = pk_as_str(v)->len;
		t.bytes = false;
	} else {
		t.p = (const char *)pk_as_bytes(v)->b;
		t.n = pk_as_bytes(v)->len;
		t.bytes = true;
	}
	return t;
}

static pk_val text_new(struct pk_vm *vm, bool bytes, const char *p, size_t n)
{
	return bytes ? pk_bytes_new(vm, p, n) : pk_str_new(vm, p, n);
}

static int text_arg(struct pk_vm *vm, pk_val v, bool bytes, const char *fname,
                    struct text *t)
{
	if (bytes ? !pk_is_bytes(v) : !pk_is_str(v)) {
		if (bytes)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "a bytes-like object is required, not '%s'",
			    pk_typename(v));
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() argument must be str, not %s", fname,
		                pk_typename(v));
	}
	*t = text_of(v);
	return 0;
}

static int text_case(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out, int mode, const char *fname)
{
	struct text t = text_of(self);
	struct pk_buf b = PK_BUF_INIT;
	size_t i;
	bool start = true;

	if (noargs(vm, a, fname) < 0)
		return -1;
	pk_buf_add(&b, t.p, t.n);
	for (i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.buf[i];

		switch (mode) {
		case 0:
			b.buf[i] = (char)toupper(c);
			break;
		case 1:
			b.buf[i] = (char)tolower(c);
			break;
		case 2: /* title */
			b.buf[i] = (char)(start ? toupper(c) : tolower(c));
			start = !isalpha(c);
			break;
		case 3: /* capitalize */
			b.buf[i] = (char)(i == 0 ? toupper(c) : tolower(c));
			break;
		default:
			b.buf[i] = (char)(isupper(c) ? tolower(c) : toupper(c));
			break;
		}
	}
	return ret(
	    t.bytes ? pk_bytes_from_buf(vm, &b) : pk_str_from_buf(vm, &b), out);
}

static int m_upper(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_case(vm, s, a, o, 0, "upper");
}
static int m_lower(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_case(vm, s, a, o, 1, "lower");
}
static int m_title(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_case(vm, s, a, o, 2, "title");
}
static int m_capitalize(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                        pk_val *o)
{
	return text_case(vm, s, a, o, 3, "capitalize");
}
static int m_swapcase(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                      pk_val *o)
{
	return text_case(vm, s, a, o, 4, "swapcase");
}

static int text_strip(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out, int which, const char *fname)
{
	struct text t = text_of(self), chars = {" \t\n\r\v\f", 6, t.bytes};
	size_t i = 0, j = t.n;
#define NREQ 0
	ARGS(fname, "chars");
#undef NREQ
	if (!pk_is_undef(av[0]) && !pk_is_none(av[0]) &&
	    text_arg(vm, av[0], t.bytes, fname, &chars) < 0)
		return -1;
	if (which & 1)
		while (i < j && memchr(chars.p, t.p[i], chars.n))
			i++;
	if (which & 2)
		while (j > i && memchr(chars.p, t.p[j - 1], chars.n))
			j--;
	return ret(text_new(vm, t.bytes, t.p + i, j - i), out);
}

static int m_strip(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_strip(vm, s, a, o, 3, "strip");
}
static int m_lstrip(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_strip(vm, s, a, o, 1, "lstrip");
}
static int m_rstrip(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_strip(vm, s, a, o, 2, "rstrip");
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int text_split(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out, bool right)
{
	struct text t = text_of(self), sep = {"", 0, false};
	int64_t maxsplit = -1, nsplit = 0;
	pk_val l;
	bool ws;
#define NREQ 0
	ARGS(right ? "rsplit" : "split", "sep", "maxsplit");
#undef NREQ
	ws = pk_is_undef(av[0]) || pk_is_none(av[0]);
	if (!ws) {
		if (text_arg(vm, av[0], t.bytes, "split", &sep) < 0)
			return -1;
		if (!sep.n)
			return pk_raise(vm, &pk_exc_ValueError,
			                "empty separator");
	}
	if (!pk_is_undef(av[1]) &&
	    pk_arg_int(vm, av[1], "split", "maxsplit", &maxsplit) < 0)
		return -1;
	l = pk_list_new(vm, 0);
	if (pk_is_undef(l))
		return -1;
	if (!right) {
		size_t i = 0;

		for (;;) {
			size_t j;

			if (ws) {
				while (i < t.n && is_ws(t.p[i]))
					i++;
				if (i >= t.n)
					break;
				if (maxsplit >= 0 && nsplit >= maxsplit) {
					j = t.n;
					while (j > i && is_ws(t.p[j - 1]))
						j--;
				} else {
					j = i;
					while (j < t.n && !is_ws(t.p[j]))
						j++;
				}
			} else {
				const char *f = NULL;

				if (!(maxsplit >= 0 && nsplit >= maxsplit))
					f = memmem(t.p + i, t.n - i, sep.p,
					           sep.n);
				j = f ? (size_t)(f - t.p) : t.n;
			}
			if (pk_list_append_take(
			        vm, l, text_new(vm, t.bytes, t.p + i, j - i)) <
			    0)
				goto fail;
			nsplit++;
			if (ws) {
				i = j;
				if (i >= t.n)
					break;
			} else {
				if (j >= t.n)
					break;
				i = j + sep.n;
			}
		}
	} else {
		size_t j = t.n;
		struct pk_list *pl;
		size_t x, y;

		for (;;) {
			size_t i;

			if (ws) {
				while (j > 0 && is_ws(t.p[j - 1]))
					j--;
				if (j == 0)
					break;
				if (maxsplit >= 0 && nsplit >= maxsplit) {
					i = 0;
					while (i < j && is_ws(t.p[i]))
						i++;
				} else {
					i = j;
					while (i > 0 && !is_ws(t.p[i - 1]))
						i--;
				}
			} else {
				size_t k;

				i = 0;
				if (!(maxsplit >= 0 && nsplit >= maxsplit) &&
				    j >= sep.n) {
					for (k = j - sep.n + 1; k-- > 0;)
						if (!memcmp(t.p + k, sep.p,
						            sep.n)) {
							i = k + sep.n;
							break;
						}
					if (k == (size_t)-1)
						i = 0;
				}
				if (i == 0) {
					/* no more separators */
				}
			}
			if (pk_list_append_take(
			        vm, l, text_new(vm, t.bytes, t.p + i, j - i)) <
			    0)
				goto fail;
			nsplit++;
			if (ws) {
				j = i;
				if (j == 0)
					break;
			} else {
				if (i == 0)
					break;
				j = i - sep.n;
			}
		}
		pl = pk_as_list(l);
		for (x = 0, y = pl->len ? pl->len - 1 : 0; x < y; x++, y--) {
			pk_val tmp = pl->items[x];

			pl->items[x] = pl->items[y];
			pl->items[y] = tmp;
		}
	}
	*out = l;
	return 0;
fail:
	pk_decref(l);
	return -1;
}

static int m_split(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_split(vm, s, a, o, false);
}
static int m_rsplit(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_split(vm, s, a, o, true);
}

static int m_splitlines(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	struct text t = text_of(self);
	size_t i = 0;
	pk_val l;
	bool keep;
#define NREQ 0
	ARGS("splitlines", "keepends");
#undef NREQ
	keep = !pk_is_undef(av[0]) && av[0].u.i;
	l = pk_list_new(vm, 0);
	if (pk_is_undef(l))
		return -1;
	while (i < t.n) {
		size_t j = i, e;

		while (j < t.n && t.p[j] != '\n' && t.p[j] != '\r')
			j++;
		e = j;
		if (j < t.n) {
			if (t.p[j] == '\r' && j + 1 < t.n && t.p[j + 1] == '\n')
				j++;
			j++;
		}
		if (pk_list_append_take(vm, l,
		                        text_new(vm, t.bytes, t.p + i,
		                                 (keep ? j : e) - i)) < 0) {
			pk_decref(l);
			return -1;
		}
		i = j;
	}
	*out = l;
	return 0;
}

struct join_ctx {
	struct pk_buf *b;
	struct text sep;
	size_t n;
};

static int join_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct join_ctx *j = ctx;
	struct text t;

	if (j->sep.bytes ? !pk_is_bytes(item) : !pk_is_str(item))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "sequence item %zu: expected %s instance, %s found", j->n,
		    j->sep.bytes ? "a bytes-like object" : "str",
		    pk_typename(item));
	t = text_of(item);
	if (j->n++)
		pk_buf_add(j->b, j->sep.p, j->sep.n);
	pk_buf_add(j->b, t.p, t.n);
	return 0;
}

static int m_join(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	struct join_ctx j = {&b, text_of(self), 0};
#define NREQ 1
	ARGS("join", "iterable");
#undef NREQ
	if (pk_foreach(vm, av[0], join_cb, &j) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(j.sep.bytes ? pk_bytes_from_buf(vm, &b)
	                       : pk_str_from_buf(vm, &b),
	           out);
}

static int text_affix(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out, bool end)
{
	struct text t = text_of(self), x = {"", 0, false};
	const pk_val *cands;
	size_t nc, i;
#define NREQ 1
	ARGS(end ? "endswith" : "startswith", "prefix");
#undef NREQ
	if (pk_is_tuple(av[0])) {
		cands = pk_as_tuple(av[0])->items;
		nc = pk_as_tuple(av[0])->len;
	} else {
		cands = &av[0];
		nc = 1;
	}
	for (i = 0; i < nc; i++) {
		if (text_arg(vm, cands[i], t.bytes,
		             end ? "endswith" : "startswith", &x) < 0)
			return -1;
		if (x.n <= t.n &&
		    !memcmp(end ? t.p + t.n - x.n : t.p, x.p, x.n)) {
			*out = pk_bool(true);
			return 0;
		}
	}
	*out = pk_bool(false);
	return 0;
}

static int m_startswith(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                        pk_val *o)
{
	return text_affix(vm, s, a, o, false);
}
static int m_endswith(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                      pk_val *o)
{
	return text_affix(vm, s, a, o, true);
}

/* find family: mode 0 find, 1 rfind, 2 index, 3 rindex, 4 count */
static int text_find(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out, int mode)
{
	static const char *const fn[] = {"find", "rfind", "index", "rindex",
	                                 "count"};
	struct text t = text_of(self), x = {"", 0, false};
	int64_t start = 0, end, n;
	uint8_t ch;
	size_t i;
	long found = -1;
#define NREQ 1
	ARGS(fn[mode], "sub", "start", "end");
#undef NREQ
	if (t.bytes && pk_is_intlike(av[0])) {
		ch = (uint8_t)av[0].u.i;
		x.p = (const char *)&ch;
		x.n = 1;
	} else if (text_arg(vm, av[0], t.bytes, fn[mode], &x) < 0) {
		return -1;
	}
	n = (int64_t)t.n;
	end = n;
	if (!pk_is_undef(av[1]) && !pk_is_none(av[1]) &&
	    pk_arg_int(vm, av[1], fn[mode], "start", &start) < 0)
		return -1;
	if (!pk_is_undef(av[2]) && !pk_is_none(av[2]) &&
	    pk_arg_int(vm, av[2], fn[mode], "end", &end) < 0)
		return -1;
	if (start < 0)
		start = start + n < 0 ? 0 : start + n;
	if (end < 0)
		end = end + n < 0 ? 0 : end + n;
	if (end > n)
		end = n;
	if (mode == 4) {
		int64_t c = 0;

		if (start > end) {
			*out = pk_int(0);
			return 0;
		}
		if (!x.n) {
			*out = pk_int(end - start + 1);
			return 0;
		}
		for (i = (size_t)start; i + x.n <= (size_t)end;) {
			if (!memcmp(t.p + i, x.p, x.n)) {
				c++;
				i += x.n;
			} else {
				i++;
			}
		}
		*out = pk_int(c);
		return 0;
	}
	if (start <= end && (size_t)(end - start) >= x.n) {
		if (mode == 0 || mode == 2) {
			for (i = (size_t)start; i + x.n <= (size_t)end; i++)
				if (!memcmp(t.p + i, x.p, x.n)) {
					found = (long)i;
					break;
				}
		} else {
			for (i = (size_t)end - x.n + 1; i-- > (size_t)start;)
				if (!memcmp(t.p + i, x.p, x.n)) {
					found = (long)i;
					break;
				}
		}
	}
	if (found < 0 && mode >= 2)
		return pk_raise(vm, &pk_exc_ValueError, "%s",
		                t.bytes ? "subsection not found"
		                        : "substring not found");
	*out = pk_int(found);
	return 0;
}

static int m_find(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                  pk_val *o)
{
	return text_find(vm, s, a, o, 0);
}
static int m_rfind(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_find(vm, s, a, o, 1);
}
static int m_sindex(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_find(vm, s, a, o, 2);
}
static int m_rindex(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_find(vm, s, a, o, 3);
}
static int m_scount(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_find(vm, s, a, o, 4);
}

static int m_replace(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct text t = text_of(self), from = {"", 0, false},
	            to = {"", 0, false};
	struct pk_buf b = PK_BUF_INIT;
	int64_t count = -1, done = 0;
	size_t i = 0;
#define NREQ 2
	ARGS("replace", "old", "new", "count");
#undef NREQ
	if (text_arg(vm, av[0], t.bytes, "replace", &from) < 0 ||
	    text_arg(vm, av[1], t.bytes, "replace", &to) < 0)
		return -1;
	if (!pk_is_undef(av[2]) &&
	    pk_arg_int(vm, av[2], "replace", "count", &count) < 0)
		return -1;
	while (i <= t.n) {
		const char *f = NULL;

		if (count < 0 || done < count) {
			if (!from.n)
				f = t.p + i;
			else
				f = memmem(t.p + i, t.n - i, from.p, from.n);
		}
		if (!f) {
			pk_buf_add(&b, t.p + i, t.n - i);
			break;
		}
		pk_buf_add(&b, t.p + i, (size_t)(f - (t.p + i)));
		pk_buf_add(&b, to.p, to.n);
		done++;
		if (!from.n) {
			if ((size_t)(f - t.p) < t.n)
				pk_buf_addch(&b, *f);
			i = (size_t)(f - t.p) + 1;
		} else {
			i = (size_t)(f - t.p) + from.n;
		}
	}
	return ret(
	    t.bytes ? pk_bytes_from_buf(vm, &b) : pk_str_from_buf(vm, &b), out);
}

static int m_partition_common(struct pk_vm *vm, pk_val self,
                              const struct pk_args *a, pk_val *out, bool right)
{
	struct text t = text_of(self), sep = {"", 0, false};
	const char *f = NULL;
	pk_val r, x, y, z;
	size_t k;
#define NREQ 1
	ARGS(right ? "rpartition" : "partition", "sep");
#undef NREQ
	if (text_arg(vm, av[0], t.bytes, "partition", &sep) < 0)
		return -1;
	if (!sep.n)
		return pk_raise(vm, &pk_exc_ValueError, "empty separator");
	if (!right) {
		f = memmem(t.p, t.n, sep.p, sep.n);
	} else if (t.n >= sep.n) {
		for (k = t.n - sep.n + 1; k-- > 0;)
			if (!memcmp(t.p + k, sep.p, sep.n)) {
				f = t.p + k;
				break;
			}
	}
	if (!f) {
		x = right ? text_new(vm, t.bytes, "", 0) : pk_incref(self);
		y = text_new(vm, t.bytes, "", 0);
		z = right ? pk_incref(self) : text_new(vm, t.bytes, "", 0);
	} else {
		x = text_new(vm, t.bytes, t.p, (size_t)(f - t.p));
		y = pk_incref(av[0]);
		z = text_new(vm, t.bytes, f + sep.n,
		             t.n - (size_t)(f - t.p) - sep.n);
	}
	r = pk_tuple_new(vm, 3);
	if (pk_is_undef(r) || pk_is_undef(x) || pk_is_undef(y) ||
	    pk_is_undef(z)) {
		pk_decref(r);
		pk_decref(x);
		pk_decref(y);
		pk_decref(z);
		return -1;
	}
	pk_tuple_set_take(r, 0, x);
	pk_tuple_set_take(r, 1, y);
	pk_tuple_set_take(r, 2, z);
	*out = r;
	return 0;
}

static int m_partition(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                       pk_val *o)
{
	return m_partition_common(vm, s, a, o, false);
}
static int m_rpartition(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                        pk_val *o)
{
	return m_partition_common(vm, s, a, o, true);
}

/* classification: 0 digit, 1 alpha, 2 alnum, 3 space, 4 upper, 5 lower */
static int text_is(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out, int mode)
{
	struct text t = text_of(self);
	size_t i;
	bool r = t.n > 0, cased = false;

	for (i = 0; i < t.n && r; i++) {
		unsigned char c = (unsigned char)t.p[i];

		switch (mode) {
		case 0:
			r = isdigit(c);
			break;
		case 1:
			r = isalpha(c);
			break;
		case 2:
			r = isalnum(c);
			break;
		case 3:
			r = is_ws((char)c);
			break;
		case 4:
			r = !islower(c);
			cased |= isupper(c) != 0;
			break;
		default:
			r = !isupper(c);
			cased |= islower(c) != 0;
			break;
		}
	}
	if (mode >= 4)
		r = r && cased;
	*out = pk_bool(r);
	return 0;
}

static int m_isdigit(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 0);
}
static int m_isalpha(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 1);
}
static int m_isalnum(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 2);
}
static int m_isspace(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 3);
}
static int m_isupper(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 4);
}
static int m_islower(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                     pk_val *o)
{
	return text_is(vm, s, a, o, 5);
}

static int text_pad(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out, char align, const char *fname)
{
	struct text t = text_of(self);
	struct pk_buf b = PK_BUF_INIT;
	int64_t w;
	char fill = ' ';
	size_t padn;
#define NREQ 1
	ARGS(fname, "width", "fillchar");
#undef NREQ
	if (pk_arg_int(vm, av[0], fname, "width", &w) < 0)
		return -1;
	if (!pk_is_undef(av[1])) {
		struct text f;

		if (text_arg(vm, av[1], t.bytes, fname, &f) < 0)
			return -1;
		if (f.n != 1)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "The fill character must be exactly one character long");
		fill = f.p[0];
	}
	if (pk_check_size(vm, (uint64_t)(w < 0 ? 0 : w), 1) < 0)
		return -1;
	padn = w > (int64_t)t.n ? (size_t)w - t.n : 0;
	if (align == '0') {
		size_t sign = t.n && (t.p[0] == '-' || t.p[0] == '+');

		pk_buf_add(&b, t.p, sign);
		pk_buf_addchars(&b, '0', padn);
		pk_buf_add(&b, t.p + sign, t.n - sign);
	} else if (align == '<') {
		pk_buf_add(&b, t.p, t.n);
		pk_buf_addchars(&b, fill, padn);
	} else if (align == '>') {
		pk_buf_addchars(&b, fill, padn);
		pk_buf_add(&b, t.p, t.n);
	} else {
		/* CPython's centering puts the odd pad char left when the
		 * width is odd */
		size_t left = padn / 2 + (padn & (size_t)w & 1);

		pk_buf_addchars(&b, fill, left);
		pk_buf_add(&b, t.p, t.n);
		pk_buf_addchars(&b, fill, padn - left);
	}
	return ret(
	    t.bytes ? pk_bytes_from_buf(vm, &b) : pk_str_from_buf(vm, &b), out);
}

static int m_ljust(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_pad(vm, s, a, o, '<', "ljust");
}
static int m_rjust(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_pad(vm, s, a, o, '>', "rjust");
}
static int m_center(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                    pk_val *o)
{
	return text_pad(vm, s, a, o, '^', "center");
}
static int m_zfill(struct pk_vm *vm, pk_val s, const struct pk_args *a,
                   pk_val *o)
{
	return text_pad(vm, s, a, o, '0', "zfill");
}

static bool enc_is(const char *e, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(e, *names))
			return true;
	return false;
}

static const char *const utf8_names[] = {"utf-8", "utf8", "utf_8", NULL};
static const char *const latin1_names[] = {
    "latin-1", "latin1", "latin_1", "iso-8859-1", "iso8859-1", "l1", NULL};
static const char *const ascii_names[] = {"ascii", "us-ascii", NULL};

/* decode one UTF-8 sequence; returns its length or 0 if invalid */
static size_t utf8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void pk_utf8_put(struct pk_buf *b, uint32_t c);
void pk_utf8_put(struct pk_buf *b, uint32_t c)
{
	if (c < 0x80) {
		pk_buf_addch(b, (int)c);
	} else if (c < 0x800) {
		pk_buf_addch(b, (int)(0xc0 | (c >> 6)));
		pk_buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		pk_buf_addch(b, (int)(0xe0 | (c >> 12)));
		pk_buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		pk_buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else {
		pk_buf_addch(b, (int)(0xf0 | (c >> 18)));
		pk_buf_addch(b, (int)(0x80 | ((c >> 12) & 0x3f)));
		pk_buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		pk_buf_addch(b, (int)(0x80 | (c & 0x3f)));
	}
}

int pk_decode(struct pk_vm *vm, const uint8_t *p, size_t n, const char *enc,
              const char *errors, pk_val *out);
int pk_decode(struct pk_vm *vm, const uint8_t *p, size_t n, const char *enc,
              const char *errors, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i = 0;
	bool strict = !errors || !strcmp(errors, "strict");
	bool ignore = errors && !strcmp(errors, "ignore");

	if (enc_is(enc, latin1_names)) {
		for (i = 0; i < n; i++)
			pk_utf8_put(&b, p[i]);
	} else if (enc_is(enc, utf8_names) || enc_is(enc, ascii_names)) {
		bool ascii = enc_is(enc, ascii_names);

		while (i < n) {
			uint32_t cp;
			size_t l =
			    ascii ? (p[i] < 0x80) : utf8_dec(p + i, n - i, &cp);

			if (l) {
				pk_buf_add(&b, p + i, l);
				i += l;
				continue;
			}
			if (strict) {
				pk_buf_release(&b);
				return pk_raise(
				    vm, &pk_exc_ValueError,
				    "'%s' codec can't decode byte 0x%02x in position %zu: %s",
				    ascii ? "ascii" : "utf-8", p[i], i,
				    ascii ? "ordinal not in range(128)"
				          : "invalid start byte");
			}
			if (!ignore)
				pk_utf8_put(&b, 0xfffd);
			i++;
		}
	} else {
		return pk_raise(vm, &pk_exc_LookupError, "unknown encoding: %s",
		                enc);
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

int pk_encode(struct pk_vm *vm, const char *s, size_t n, const char *enc,
              const char *errors, pk_val *out);
int pk_encode(struct pk_vm *vm, const char *s, size_t n, const char *enc,
              const char *errors, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i = 0;
	bool strict = !errors || !strcmp(errors, "strict");

	if (enc_is(enc, utf8_names))
		return ret(pk_bytes_new(vm, s, n), out);
	if (!enc_is(enc, latin1_names) && !enc_is(enc, ascii_names))
		return pk_raise(vm, &pk_exc_LookupError, "unknown encoding: %s",
		                enc);
	while (i < n) {
		uint32_t cp = (unsigned char)s[i];
		size_t l = utf8_dec((const unsigned char *)s + i, n - i, &cp);
		uint32_t lim = enc_is(enc, ascii_names) ? 0x80 : 0x100;

		if (!l)
			l = 1;
		if (cp >= lim) {
			if (strict) {
				pk_buf_release(&b);
				return pk_raise(
				    vm, &pk_exc_ValueError,
				    "'%s' codec can't encode character in position %zu: ordinal not in range(%u)",
				    lim == 0x80 ? "ascii" : "latin-1", i, lim);
			}
			if (strcmp(errors, "ignore"))
				pk_buf_addch(&b, '?');
		} else {
			pk_buf_addch(&b, (int)cp);
		}
		i += l;
	}
	return ret(pk_bytes_from_buf(vm, &b), out);
}

static int m_encode(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	const char *enc = "utf-8", *errors = NULL;
#define NREQ 0
	ARGS("encode", "encoding", "errors");
#undef NREQ
	if (!pk_is_undef(av[0]) &&
	    pk_arg_str(vm, av[0], "encode", "encoding", &enc, NULL) < 0)
		return -1;
	if (!pk_is_undef(av[1]) &&
	    pk_arg_str(vm, av[1], "encode", "errors", &errors, NULL) < 0)
		return -1;
	return pk_encode(vm, pk_as_str(self)->s, pk_as_str(self)->len, enc,
	                 errors, out);
}

static int m_decode(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	const char *enc = "utf-8", *errors = NULL;
#define NREQ 0
	ARGS("decode", "encoding", "errors");
#undef NREQ
	if (!pk_is_undef(av[0]) &&
	    pk_arg_str(vm, av[0], "decode", "encoding", &enc, NULL) < 0)
		return -1;
	if (!pk_is_undef(av[1]) &&
	    pk_arg_str(vm, av[1], "decode", "errors", &errors, NULL) < 0)
		return -1;
	return pk_decode(vm, pk_as_bytes(self)->b, pk_as_bytes(self)->len, enc,
	                 errors, out);
}

static int m_format(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_str_format(vm, pk_as_str(self)->s, pk_as_str(self)->len, a, &b) <
	    0) {
		pk_buf_release(&b);
		return -1;
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

static int m_bhex(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	struct pk_bytes *by = pk_as_bytes(self);
	struct pk_buf b = PK_BUF_INIT;
	const char *sep = NULL;
	size_t i;
#define NREQ 0
	ARGS("hex", "sep");
#undef NREQ
	if (!pk_is_undef(av[0]) &&
	    pk_arg_str(vm, av[0], "hex", "sep", &sep, NULL) < 0)
		return -1;
	for (i = 0; i < by->len; i++) {
		if (i && sep)
			pk_buf_addstr(&b, sep);
		pk_buf_addhex(&b, by->b + i, 1);
	}
	return ret(pk_str_from_buf(vm, &b), out);
}

int pk_hex_decode(struct pk_vm *vm, const char *s, size_t n, pk_val *out);
int pk_hex_decode(struct pk_vm *vm, const char *s, size_t n, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i = 0;

	while (i < n) {
		int hi, lo;

		if (is_ws(s[i])) {
			i++;
			continue;
		}
		hi = isxdigit((unsigned char)s[i])
		         ? (isdigit((unsigned char)s[i])
		                ? s[i] - '0'
		                : (s[i] | 32) - 'a' + 10)
		         : -1;
		lo = i + 1 < n && isxdigit((unsigned char)s[i + 1])
		         ? (isdigit((unsigned char)s[i + 1])
		                ? s[i + 1] - '0'
		                : (s[i + 1] | 32) - 'a' + 10)
		         : -1;
		if (hi < 0 || lo < 0) {
			pk_buf_release(&b);
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "non-hexadecimal number found in fromhex() arg at position %zu",
			    hi < 0 ? i : i + 1);
		}
		pk_buf_addch(&b, hi * 16 + lo);
		i += 2;
	}
	return ret(pk_bytes_from_buf(vm, &b), out);
}

static int m_fromhex(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	const char *s;
	size_t n;
#define NREQ 1
	ARGS("fromhex", "string");
#undef NREQ
	if (pk_arg_str(vm, av[0], "fromhex", "string", &s, &n) < 0)
		return -1;
	return pk_hex_decode(vm, s, n, out);
}

const struct pk_method pk_str_methods[] = {
    {"upper", m_upper, "upper() -> str"},
    {"lower", m_lower, "lower() -> str"},
    {"title", m_title, "title() -> str"},
    {"capitalize", m_capitalize, "capitalize() -> str"},
    {"swapcase", m_swapcase, "swapcase() -> str"},
    {"strip", m_strip, "strip(chars=None) -> str"},
    {"lstrip", m_lstrip, "lstrip(chars=None) -> str"},
    {"rstrip", m_rstrip, "rstrip(chars=None) -> str"},
    {"split", m_split, "split(sep=None, maxsplit=-1) -> list"},
    {"rsplit", m_rsplit, "rsplit(sep=None, maxsplit=-1) -> list"},
    {"splitlines", m_splitlines, "splitlines(keepends=False) -> list"},
    {"join", m_join, "join(iterable) -> str"},
    {"startswith", m_startswith, "startswith(prefix) -> bool"},
    {"endswith", m_endswith, "endswith(suffix) -> bool"},
    {"find", m_find, "find(sub, start=0, end=len) -> int"},
    {"rfind", m_rfind, "rfind(sub, start=0, end=len) -> int"},
    {"index", m_sindex, "index(sub, start=0, end=len) -> int"},
    {"rindex", m_rindex, "rindex(sub, start=0, end=len) -> int"},
    {"count", m_scount, "count(sub, start=0, end=len) -> int"},
    {"replace", m_replace, "replace(old, new, count=-1) -> str"},
    {"partition", m_partition, "partition(sep) -> (head, sep, tail)"},
    {"rpartition", m_rpartition, "rpartition(sep) -> (head, sep, tail)"},
    {"encode", m_encode, "encode(encoding='utf-8', errors='strict') -> bytes"},
    {"format", m_format, "format(*args, **kwargs) -> str"},
    {"zfill", m_zfill, "zfill(width) -> str"},
    {"ljust", m_ljust, "ljust(width, fillchar=' ') -> str"},
    {"rjust", m_rjust, "rjust(width, fillchar=' ') -> str"},
    {"center", m_center, "center(width, fillchar=' ') -> str"},
    {"isdigit", m_isdigit, "isdigit() -> bool"},
    {"isalpha", m_isalpha, "isalpha() -> bool"},
    {"isalnum", m_isalnum, "isalnum() -> bool"},
    {"isspace", m_isspace, "isspace() -> bool"},
    {"isupper", m_isupper, "isupper() -> bool"},
    {"islower", m_islower, "islower() -> bool"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_bytes_methods[] = {
    {"hex", m_bhex, "hex(sep=None) -> str"},
    {"decode", m_decode, "decode(encoding='utf-8', errors='strict') -> str"},
    {"startswith", m_startswith, "startswith(prefix) -> bool"},
    {"endswith", m_endswith, "endswith(suffix) -> bool"},
    {"find", m_find, "find(sub, start=0, end=len) -> int"},
    {"rfind", m_rfind, "rfind(sub, start=0, end=len) -> int"},
    {"index", m_sindex, "index(sub, start=0, end=len) -> int"},
    {"count", m_scount, "count(sub, start=0, end=len) -> int"},
    {"split", m_split, "split(sep=None, maxsplit=-1) -> list"},
    {"rsplit", m_rsplit, "rsplit(sep=None, maxsplit=-1) -> list"},
    {"join", m_join, "join(iterable) -> bytes"},
    {"replace", m_replace, "replace(old, new, count=-1) -> bytes"},
    {"strip", m_strip, "strip(chars=None) -> bytes"},
    {"lstrip", m_lstrip, "lstrip(chars=None) -> bytes"},
    {"rstrip", m_rstrip, "rstrip(chars=None) -> bytes"},
    {"upper", m_upper, "upper() -> bytes"},
    {"lower", m_lower, "lower() -> bytes"},
    {"ljust", m_ljust, "ljust(width, fillchar=b' ') -> bytes"},
    {"rjust", m_rjust, "rjust(width, fillchar=b' ') -> bytes"},
    {"isdigit", m_isdigit, "isdigit() -> bool"},
    {"isalpha", m_isalpha, "isalpha() -> bool"},
    {"fromhex", m_fromhex, "fromhex(string) -> bytes"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_bytes_statics[] = {
    {"fromhex", m_fromhex, "bytes.fromhex(string) -> bytes"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_str_statics[] = {
    {NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* list                                                                */

static int m_append(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
#define NREQ 1
	ARGS("append", "object");
#undef NREQ
	if (pk_list_append(vm, self, av[0]) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_extend(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	pk_val l;
	size_t i;
	int r = 0;
#define NREQ 1
	ARGS("extend", "iterable");
#undef NREQ
	if (pk_to_list(vm, av[0], &l) < 0)
		return -1;
	for (i = 0; i < pk_as_list(l)->len && !r; i++)
		r = pk_list_append(vm, self, pk_as_list(l)->items[i]);
	pk_decref(l);
	if (r < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_insert(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_list *l = pk_as_list(self);
	int64_t i, n = (int64_t)l->len;
#define NREQ 2
	ARGS("insert", "index", "object");
#undef NREQ
	if (pk_arg_int(vm, av[0], "insert", "index", &i) < 0)
		return -1;
	if (i < 0)
		i = i + n < 0 ? 0 : i + n;
	if (i > n)
		i = n;
	if (pk_list_append(vm, self, av[1]) < 0)
		return -1;
	memmove(l->items + i + 1, l->items + i,
	        (size_t)(n - i) * sizeof(pk_val));
	l->items[i] = pk_incref(av[1]);
	pk_decref(av[1]); /* the reference append took */
	*out = pk_none();
	return 0;
}

static int m_pop(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	struct pk_list *l = pk_as_list(self);
	int64_t i = -1, n = (int64_t)l->len;
#define NREQ 0
	ARGS("pop", "index");
#undef NREQ
	if (!pk_is_undef(av[0]) &&
	    pk_arg_int(vm, av[0], "pop", "index", &i) < 0)
		return -1;
	if (!n)
		return pk_raise(vm, &pk_exc_IndexError, "pop from empty list");
	if (i < 0)
		i += n;
	if (i < 0 || i >= n)
		return pk_raise(vm, &pk_exc_IndexError,
		                "pop index out of range");
	*out = l->items[i];
	memmove(l->items + i, l->items + i + 1,
	        (size_t)(n - i - 1) * sizeof(pk_val));
	l->len--;
	return 0;
}

static int seq_index_of(struct pk_vm *vm, const pk_val *items, size_t n,
                        pk_val x, int64_t *idx, int64_t *count)
{
	size_t i;

	*idx = -1;
	*count = 0;
	for (i = 0; i < n; i++) {
		bool e;

		if (pk_eq(vm, items[i], x, &e) < 0)
			return -1;
		if (e) {
			if (*idx < 0)
				*idx = (int64_t)i;
			++*count;
			if (!count)
				break;
		}
	}
	return 0;
}

static int m_remove(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_list *l = pk_as_list(self);
	int64_t i, c;
#define NREQ 1
	ARGS("remove", "value");
#undef NREQ
	if (seq_index_of(vm, l->items, l->len, av[0], &i, &c) < 0)
		return -1;
	if (i < 0)
		return pk_raise(vm, &pk_exc_ValueError,
		                "list.remove(x): x not in list");
	if (i < (int64_t)l->len) {
		pk_val old = l->items[i];

		memmove(l->items + i, l->items + i + 1,
		        (l->len - (size_t)i - 1) * sizeof(pk_val));
		l->len--;
		pk_decref(old);
	}
	*out = pk_none();
	return 0;
}

static int m_index(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	const pk_val *items = NULL;
	size_t n = 0;
	int64_t i, c;
#define NREQ 1
	ARGS("index", "value");
#undef NREQ
	pk_seq_items(self, &items, &n);
	if (seq_index_of(vm, items, n, av[0], &i, &c) < 0)
		return -1;
	if (i < 0) {
		if (pk_is_list(self)) {
			struct pk_buf b = PK_BUF_INIT;
			int r;

			pk_repr(vm, av[0], &b);
			r = pk_raise(vm, &pk_exc_ValueError,
			             "%s is not in list", b.buf);
			pk_buf_release(&b);
			return r;
		}
		return pk_raise(vm, &pk_exc_ValueError,
		                "tuple.index(x): x not in tuple");
	}
	*out = pk_int(i);
	return 0;
}

static int m_count(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	const pk_val *items = NULL;
	size_t n = 0;
	int64_t i, c;
#define NREQ 1
	ARGS("count", "value");
#undef NREQ
	pk_seq_items(self, &items, &n);
	if (seq_index_of(vm, items, n, av[0], &i, &c) < 0)
		return -1;
	*out = pk_int(c);
	return 0;
}

struct sortent {
	pk_val key, val;
};

static int merge_sort(struct pk_vm *vm, struct sortent *v, struct sortent *tmp,
                      size_t n, bool reverse)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return 0;
	if (merge_sort(vm, v, tmp, mid, reverse) < 0 ||
	    merge_sort(vm, v + mid, tmp, n - mid, reverse) < 0)
		return -1;
	j = mid;
	while (i < mid && j < n) {
		bool take_right;

		/* stable: take from the right only when strictly before */
		if (reverse) {
			if (pk_compare(vm, PK_CMP_LT, v[i].key, v[j].key,
			               &take_right) < 0)
				return -1;
		} else {
			if (pk_compare(vm, PK_CMP_LT, v[j].key, v[i].key,
			               &take_right) < 0)
				return -1;
		}
		tmp[k++] = take_right ? v[j++] : v[i++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
	return 0;
}

int pk_list_sort(struct pk_vm *vm, pk_val list, pk_val key, bool reverse)
{
	struct pk_list *l = pk_as_list(list);
	size_t n = l->len, i;
	struct sortent *v;
	int r = 0;

	if (n < 2)
		return 0;
	v = pk_xmalloc(2 * n * sizeof(*v));
	if (!v)
		return pk_raise_nomem(vm);
	for (i = 0; i < n; i++) {
		v[i].val = pk_incref(l->items[i]);
		v[i].key = pk_undef();
	}
	for (i = 0; i < n && !r; i++) {
		if (pk_is_undef(key) || pk_is_none(key))
			v[i].key = pk_incref(v[i].val);
		else
			r = pk_call_n(vm, key, 1, &v[i].val, &v[i].key);
	}
	if (!r)
		r = merge_sort(vm, v, v + n, n, reverse);
	if (!r && l->len == n)
		for (i = 0; i < n; i++)
			pk_val_set(&l->items[i], v[i].val);
	for (i = 0; i < n; i++) {
		pk_decref(v[i].val);
		pk_decref(v[i].key);
	}
	pk_xfree(v);
	return r < 0 ? -1 : 0;
}

static int m_sort(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	bool rev = false;
#define NREQ 0
	ARGS("sort", "key", "reverse");
#undef NREQ
	if (a->n)
		return pk_raise(vm, &pk_exc_TypeError,
		                "sort() takes no positional arguments");
	if (!pk_is_undef(av[1]) && pk_truth(vm, av[1], &rev) < 0)
		return -1;
	if (pk_list_sort(vm, self, av[0], rev) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_reverse(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_list *l = pk_as_list(self);
	size_t i, j;

	if (noargs(vm, a, "reverse") < 0)
		return -1;
	for (i = 0, j = l->len ? l->len - 1 : 0; i < j; i++, j--) {
		pk_val t = l->items[i];

		l->items[i] = l->items[j];
		l->items[j] = t;
	}
	*out = pk_none();
	return 0;
}

static int m_lcopy(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	if (noargs(vm, a, "copy") < 0)
		return -1;
	return ret(
	    pk_list_from(vm, pk_as_list(self)->items, pk_as_list(self)->len),
	    out);
}

static int m_lclear(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_list *l = pk_as_list(self);

	if (noargs(vm, a, "clear") < 0)
		return -1;
	while (l->len) {
		pk_val v = l->items[--l->len];

		pk_decref(v);
	}
	*out = pk_none();
	return 0;
}

const struct pk_method pk_list_methods[] = {
    {"append", m_append, "append(object) -> None"},
    {"extend", m_extend, "extend(iterable) -> None"},
    {"insert", m_insert, "insert(index, object) -> None"},
    {"pop", m_pop, "pop(index=-1) -> item"},
    {"remove", m_remove, "remove(value) -> None"},
    {"index", m_index, "index(value) -> int"},
    {"count", m_count, "count(value) -> int"},
    {"sort", m_sort, "sort(key=None, reverse=False) -> None"},
    {"reverse", m_reverse, "reverse() -> None"},
    {"copy", m_lcopy, "copy() -> list"},
    {"clear", m_lclear, "clear() -> None"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_tuple_methods[] = {
    {"count", m_count, "count(value) -> int"},
    {"index", m_index, "index(value) -> int"},
    {NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* dict                                                                */

static int m_keys(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	if (noargs(vm, a, "keys") < 0)
		return -1;
	return ret(pk_dictview_new(vm, self, 0), out);
}

static int m_values(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	if (noargs(vm, a, "values") < 0)
		return -1;
	return ret(pk_dictview_new(vm, self, 1), out);
}

static int m_items(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	if (noargs(vm, a, "items") < 0)
		return -1;
	return ret(pk_dictview_new(vm, self, 2), out);
}

static int m_get(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	pk_val v;
	int r;
#define NREQ 1
	ARGS("get", "key", "default");
#undef NREQ
	r = pk_dict_get(vm, self, av[0], &v);
	if (r < 0)
		return -1;
	*out = r                    ? pk_incref(v)
	       : pk_is_undef(av[1]) ? pk_none()
	                            : pk_incref(av[1]);
	return 0;
}

static int m_dpop(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	pk_val v;
	int r;
#define NREQ 1
	ARGS("pop", "key", "default");
#undef NREQ
	r = pk_dict_get(vm, self, av[0], &v);
	if (r < 0)
		return -1;
	if (!r) {
		if (!pk_is_undef(av[1])) {
			*out = pk_incref(av[1]);
			return 0;
		}
		return pk_dict_del(vm, self, av[0]);
	}
	*out = pk_incref(v);
	if (pk_dict_del(vm, self, av[0]) < 0) {
		pk_decref(*out);
		return -1;
	}
	return 0;
}

static int m_popitem(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_dict *d = (struct pk_dict *)self.u.o;
	size_t i;
	pk_val t;

	if (noargs(vm, a, "popitem") < 0)
		return -1;
	for (i = d->nent; i-- > 0;)
		if (!pk_is_undef(d->ent[i].key))
			break;
	if (i == (size_t)-1)
		return pk_raise(vm, &pk_exc_KeyError,
		                "'popitem(): dictionary is empty'");
	t = pk_tuple_pair(vm, d->ent[i].key, d->ent[i].val);
	if (pk_is_undef(t))
		return -1;
	if (pk_dict_del(vm, self, pk_as_tuple(t)->items[0]) < 0) {
		pk_decref(t);
		return -1;
	}
	*out = t;
	return 0;
}

static int m_setdefault(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	pk_val v, d;
	int r;
#define NREQ 1
	ARGS("setdefault", "key", "default");
#undef NREQ
	r = pk_dict_get(vm, self, av[0], &v);
	if (r < 0)
		return -1;
	if (r) {
		*out = pk_incref(v);
		return 0;
	}
	d = pk_is_undef(av[1]) ? pk_none() : av[1];
	if (pk_dict_set(vm, self, av[0], d) < 0)
		return -1;
	*out = pk_incref(d);
	return 0;
}

struct upd_ctx {
	pk_val d;
};

static int update_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct upd_ctx *u = ctx;
	pk_val kv;
	int r;

	if (pk_to_list(vm, item, &kv) < 0)
		return -1;
	if (pk_as_list(kv)->len != 2) {
		r = pk_raise(
		    vm, &pk_exc_ValueError,
		    "dictionary update sequence element has length %zu; 2 is required",
		    pk_as_list(kv)->len);
	} else {
		r = pk_dict_set(vm, u->d, pk_as_list(kv)->items[0],
		                pk_as_list(kv)->items[1]);
	}
	pk_decref(kv);
	return r;
}

int pk_dict_update(struct pk_vm *vm, pk_val d, pk_val src,
                   const struct pk_args *a);
int pk_dict_update(struct pk_vm *vm, pk_val d, pk_val src,
                   const struct pk_args *a)
{
	int k;

	if (!pk_is_undef(src)) {
		if (pk_is_dict(src)) {
			size_t pos = 0;
			pk_val key, v;

			while (pk_dict_next(src, &pos, &key, &v))
				if (pk_dict_set(vm, d, key, v) < 0)
					return -1;
		} else {
			struct upd_ctx u = {d};

			if (pk_foreach(vm, src, update_cb, &u) < 0)
				return -1;
		}
	}
	for (k = 0; a && k < a->nkw; k++)
		if (pk_dict_set(vm, d, pk_obj_take(a->kwnames[k]), a->kwv[k]) <
		    0)
			return -1;
	return 0;
}

static int m_update(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	if (a->n > 1)
		return pk_raise(vm, &pk_exc_TypeError,
		                "update expected at most 1 argument, got %d",
		                a->n);
	if (pk_dict_update(vm, self, a->n ? a->v[0] : pk_undef(), a) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_dcopy(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	pk_val d;

	if (noargs(vm, a, "copy") < 0)
		return -1;
	d = pk_dict_new(vm);
	if (pk_is_undef(d))
		return -1;
	if (pk_dict_update(vm, d, self, NULL) < 0) {
		pk_decref(d);
		return -1;
	}
	*out = d;
	return 0;
}

static int m_dclear(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	struct pk_dict *d = (struct pk_dict *)self.u.o;
	struct pk_dentry *ent = d->ent;
	size_t n = d->nent, i;

	if (noargs(vm, a, "clear") < 0)
		return -1;
	pk_xfree(d->idx);
	d->ent = NULL;
	d->idx = NULL;
	d->n = d->nent = d->entcap = d->idxcap = 0;
	for (i = 0; i < n; i++) {
		pk_decref(ent[i].key);
		pk_decref(ent[i].val);
	}
	pk_xfree(ent);
	*out = pk_none();
	return 0;
}

static int m_fromkeys(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	pk_val d, l;
	size_t i;
	int r = 0;
#define NREQ 1
	ARGS("fromkeys", "iterable", "value");
#undef NREQ
	if (pk_to_list(vm, av[0], &l) < 0)
		return -1;
	d = pk_dict_new(vm);
	for (i = 0; !pk_is_undef(d) && i < pk_as_list(l)->len && !r; i++)
		r = pk_dict_set(vm, d, pk_as_list(l)->items[i],
		                pk_is_undef(av[1]) ? pk_none() : av[1]);
	pk_decref(l);
	if (pk_is_undef(d) || r < 0) {
		pk_decref(d);
		return -1;
	}
	*out = d;
	return 0;
}

const struct pk_method pk_dict_methods[] = {
    {"keys", m_keys, "keys() -> view of the keys"},
    {"values", m_values, "values() -> view of the values"},
    {"items", m_items, "items() -> view of (key, value) pairs"},
    {"get", m_get, "get(key, default=None) -> value"},
    {"pop", m_dpop, "pop(key[, default]) -> value"},
    {"popitem", m_popitem, "popitem() -> (key, value)"},
    {"setdefault", m_setdefault, "setdefault(key, default=None) -> value"},
    {"update", m_update, "update([other], **kwargs) -> None"},
    {"copy", m_dcopy, "copy() -> dict"},
    {"clear", m_dclear, "clear() -> None"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_dict_statics[] = {
    {"fromkeys", m_fromkeys, "dict.fromkeys(iterable, value=None) -> dict"},
    {NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* int, float                                                          */

static int m_bit_length(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	uint64_t u = self.u.i < 0 ? 0 - (uint64_t)self.u.i : (uint64_t)self.u.i;
	int n = 0;

	if (noargs(vm, a, "bit_length") < 0)
		return -1;
	while (u) {
		n++;
		u >>= 1;
	}
	*out = pk_int(n);
	return 0;
}

static int m_to_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	int64_t len = 1, i;
	const char *order = "big";
	bool sign = false;
	uint8_t buf[8];
	uint64_t u = (uint64_t)self.u.i;
#define NREQ 0
	ARGS("to_bytes", "length", "byteorder", "signed");
#undef NREQ
	if (!pk_is_undef(av[0]) &&
	    pk_arg_int(vm, av[0], "to_bytes", "length", &len) < 0)
		return -1;
	if (!pk_is_undef(av[1]) &&
	    pk_arg_str(vm, av[1], "to_bytes", "byteorder", &order, NULL) < 0)
		return -1;
	if (!pk_is_undef(av[2]) && pk_truth(vm, av[2], &sign) < 0)
		return -1;
	if (strcmp(order, "big") && strcmp(order, "little"))
		return pk_raise(vm, &pk_exc_ValueError,
		                "byteorder must be either 'little' or 'big'");
	if (len < 0)
		return pk_raise(vm, &pk_exc_ValueError,
		                "length argument must be non-negative");
	if (self.u.i < 0 && !sign)
		return pk_raise(vm, &pk_exc_OverflowError,
		                "can't convert negative int to unsigned");
	if (len < 8) {
		int64_t lim = (int64_t)1 << (len * 8 - (sign ? 1 : 0));

		if (len == 0 ? self.u.i != 0
		             : (sign ? (self.u.i >= lim || self.u.i < -lim)
		                     : self.u.i >= lim))
			return pk_raise(vm, &pk_exc_OverflowError,
			                "int too big to convert");
	}
	if (pk_check_size(vm, (uint64_t)len, 1) < 0)
		return -1;
	*out = pk_bytes_new(vm, NULL, (size_t)len);
	if (pk_is_undef(*out))
		return -1;
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)(u >> (8 * i));
	for (i = 0; i < len; i++) {
		uint8_t byte = i < 8 ? buf[i] : (self.u.i < 0 ? 0xff : 0);

		if (!strcmp(order, "big"))
			pk_as_bytes(*out)->b[len - 1 - i] = byte;
		else
			pk_as_bytes(*out)->b[i] = byte;
	}
	return 0;
}

static int m_from_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	const char *order = "big";
	bool sign = false;
	uint64_t u = 0;
	const uint8_t *p;
	size_t n, i;
#define NREQ 1
	ARGS("from_bytes", "bytes", "byteorder", "signed");
#undef NREQ
	if (!pk_is_bytes(av[0]))
		return pk_raise(vm, &pk_exc_TypeError,
		                "cannot convert '%s' object to bytes",
		                pk_typename(av[0]));
	if (!pk_is_undef(av[1]) &&
	    pk_arg_str(vm, av[1], "from_bytes", "byteorder", &order, NULL) < 0)
		return -1;
	if (!pk_is_undef(av[2]) && pk_truth(vm, av[2], &sign) < 0)
		return -1;
	p = pk_as_bytes(av[0])->b;
	n = pk_as_bytes(av[0])->len;
	for (i = 0; i < n; i++) {
		uint8_t byte = strcmp(order, "little") ? p[i] : p[n - 1 - i];

		if (u >> 56)
			return pk_raise(vm, &pk_exc_OverflowError,
			                "integer overflow");
		u = (u << 8) | byte;
	}
	if (!sign && u > (uint64_t)INT64_MAX)
		return pk_raise(vm, &pk_exc_OverflowError, "integer overflow");
	if (sign && n && n < 8 && (u >> (n * 8 - 1)) & 1)
		u |= ~(uint64_t)0 << (n * 8);
	*out = pk_int((int64_t)u);
	return 0;
}

static int m_is_integer(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	*out = pk_bool(isfinite(self.u.f) && self.u.f == floor(self.u.f));
	return 0;
}

const struct pk_method pk_int_methods[] = {
    {"bit_length", m_bit_length, "bit_length() -> int"},
    {"to_bytes", m_to_bytes,
     "to_bytes(length=1, byteorder='big', signed=False) -> bytes"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_int_statics[] = {
    {"from_bytes", m_from_bytes,
     "int.from_bytes(bytes, byteorder='big', signed=False) -> int"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_float_methods[] = {
    {"is_integer", m_is_integer, "is_integer() -> bool"},
    {NULL, NULL, NULL},
};

const struct pk_method pk_exc_methods[] = {
    {NULL, NULL, NULL},
};
