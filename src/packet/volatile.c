/*
 * volatile.c - scapy's volatile values (RandShort(), RandIP(), ...): one
 * object kind per scapy class, all sharing the hooks below, and a
 * per-VM xoshiro256** generator (Blackman and Vigna, 2018; seeded
 * through splitmix64). Behaviour checked against scapy 2.5; see
 * include/pktsh/volatile.h and docs/language.md "Volatile values".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pktsh/alloc.h"
#include "pktsh/vm.h"
#include "pktsh/volatile.h"

/* ------------------------------------------------------------------ */
/* The generator                                                       */

struct rng {
	uint64_t s[4];
};

static const int rng_key; /* module data slot of the VM's generator */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	/* splitmix64 never yields an all-zero state from any seed */
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n) for n >= 1, without modulo bias (rejection). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t lim = -n % n, x;

	do
		x = rng_next(r);
	while (x < lim);
	return x % n;
}

/* Uniform in [lo, hi], any int64 bounds with lo <= hi. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo;

	if (span == UINT64_MAX)
		return (int64_t)rng_next(r);
	return (int64_t)((uint64_t)lo + rng_below(r, span + 1));
}

static uint64_t os_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	       (uint64_t)(uintptr_t)&s;
}

static void rng_free(void *p)
{
	pk_xfree(p);
}

static struct rng *vm_rng(struct pk_vm *vm)
{
	struct rng *r = pk_vm_module_data(vm, &rng_key);

	if (r)
		return r;
	r = pk_xmalloc(sizeof(*r));
	if (!r) {
		pk_raise_nomem(vm);
		return NULL;
	}
	rng_seed(r, os_seed());
	if (pk_vm_set_module_data(vm, &rng_key, r, rng_free) < 0) {
		pk_xfree(r);
		return NULL;
	}
	return r;
}

int pk_volatile_seed(struct pk_vm *vm, uint64_t seed)
{
	struct rng *r = vm_rng(vm);

	if (!r)
		return -1;
	rng_seed(r, seed);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The objects                                                         */

enum vkind {
	V_NUM,      /* RandNum and its fixed-range forms */
	V_IP,       /* RandIP: a prefix */
	V_IP6,      /* RandIP6: scapy's template, or a prefix (pktsh) */
	V_MAC,      /* RandMAC: a range per octet */
	V_STRING,   /* RandString / RandBin */
	V_CHOICE,   /* RandChoice */
	V_ENUMKEYS, /* RandEnumKeys */
};

/* One scapy class: its name and how its numbers are bounded. */
enum vclass {
	C_NUM,
	C_BYTE,
	C_SBYTE,
	C_SHORT,
	C_SSHORT,
	C_INT,
	C_SINT,
	C_LONG,
	C_SLONG,
	C_IP,
	C_IP6,
	C_MAC,
	C_STRING,
	C_BIN,
	C_CHOICE,
	C_ENUMKEYS,
	C__COUNT
};

/* One part of a RandIP6 template ("2001", "*", "0-ff", "", "**"). */
struct ip6part {
	uint8_t what; /* P_FIXED, P_RANGE, P_EMPTY, P_MULTI */
	uint16_t lo, hi;
};
enum { P_FIXED, P_RANGE, P_EMPTY, P_MULTI };
#define IP6_MAXPARTS 9 /* "1::2:3:4:5:6:7" splits into 9 */

struct vol {
	struct pk_obj h;
	uint8_t kind;   /* enum vkind */
	uint8_t cls;    /* enum vclass */
	int64_t lo, hi; /* V_NUM */
	/* V_IP, V_IP6 prefix form: network and prefix length */
	uint8_t addr[16];
	int plen;
	/* V_IP6 template form (nparts > 0) */
	struct ip6part parts[IP6_MAXPARTS];
	int nparts, nmulti;
	bool has_empty;
	/* V_MAC */
	uint8_t mlo[6], mhi[6];
	pk_val tmpl; /* str template as given (IP, IP6, MAC), or UNDEF */
	/* V_STRING: size is an int or a V_NUM volatile, UNDEF for scapy's
	 * default (exponential, mean 100); chars a bytes, UNDEF: all 256 */
	pk_val size, chars;
	/* V_CHOICE, V_ENUMKEYS: a tuple of the values */
	pk_val items;
	size_t *perm, pos; /* V_ENUMKEYS: the order keys are drawn in */
};

static struct vol *VO(pk_val v)
{
	return (struct vol *)v.u.o;
}

static void vol_release(struct pk_obj *o)
{
	struct vol *x = (struct vol *)o;

	pk_decref(x->tmpl);
	pk_decref(x->size);
	pk_decref(x->chars);
	pk_decref(x->items);
	pk_xfree(x->perm);
	pk_xfree(x);
}

static const struct pk_type vol_types[C__COUNT];

bool pk_is_volatile(pk_val v)
{
	return pk_is_obj(v) && v.u.o->type->release == vol_release;
}

static struct vol *vol_new(struct pk_vm *vm, enum vkind k, enum vclass c)
{
	struct vol *x = pk_obj_alloc(&vol_types[c], sizeof(*x));

	if (!x) {
		pk_raise_nomem(vm);
		return NULL;
	}
	x->kind = (uint8_t)k;
	x->cls = (uint8_t)c;
	x->tmpl = x->size = x->chars = x->items = pk_undef();
	return x;
}

static int done(struct vol *x, pk_val *out)
{
	*out = pk_obj_take(x);
	return 0;
}

static void vol_free(struct vol *x)
{
	pk_decref(pk_obj_take(x));
}

/* ------------------------------------------------------------------ */
/* Drawing                                                             */

/* Python's str of bytes as scapy's plain_str: UTF-8, bad bytes \xNN. */
static void plain_str(struct pk_buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, k;
		uint32_t c = s[i];

		if (c < 0x80) {
			pk_buf_addch(out, (int)c);
			i++;
			continue;
		}
		if (c >= 0xc2 && c < 0xe0)
			len = 2, c &= 0x1f;
		else if (c >= 0xe0 && c < 0xf0)
			len = 3, c &= 0x0f;
		else if (c >= 0xf0 && c < 0xf5)
			len = 4, c &= 0x07;
		for (k = 1; len && k < len; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (len && ((len == 3 && c < 0x800) ||
		            (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		            (c >= 0xd800 && c <= 0xdfff)))
			len = 0;
		if (!len) {
			pk_buf_addf(out, "\\x%02x", s[i]);
			i++;
			continue;
		}
		pk_buf_add(out, s + i, len);
		i += len;
	}
}

static const char default_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static int draw(struct pk_vm *vm, struct rng *r, pk_val v, pk_val *out);

static int draw_size(struct pk_vm *vm, struct rng *r, struct vol *x, int64_t *n)
{
	if (pk_is_undef(x->size)) {
		/* scapy's RandNumExpo(0.01): exponential, mean 100; u < 1
		 * bounds it by 100 * 53 * ln 2, about 3700 */
		double u = (double)(rng_next(r) >> 11) * 0x1.0p-53;

		*n = (int64_t)llround(-log1p(-u) / 0.01);
		return 0;
	}
	if (pk_is_intlike(x->size)) {
		*n = x->size.u.i;
		return 0;
	}
	*n = rng_range(r, VO(x->size)->lo, VO(x->size)->hi);
	return 0;
}

static int draw_string(struct pk_vm *vm, struct rng *r, struct vol *x,
                       pk_val *out)
{
	const uint8_t *cs = (const uint8_t *)default_chars;
	size_t nc = sizeof(default_chars) - 1, i;
	int64_t n;
	pk_val b;
	uint8_t *p;

	if (draw_size(vm, r, x, &n) < 0)
		return -1;
	if (n < 0)
		n = 0;
	b = pk_bytes_new(vm, NULL, (size_t)n);
	if (pk_is_undef(b))
		return -1;
	/* ours alone until returned: filled in place */
	p = pk_as_bytes(b)->b;
	if (x->cls == C_BIN) {
		for (i = 0; i < (size_t)n; i++)
			p[i] = (uint8_t)rng_next(r);
	} else {
		if (!pk_is_undef(x->chars)) {
			cs = pk_as_bytes(x->chars)->b;
			nc = pk_as_bytes(x->chars)->len;
		}
		for (i = 0; i < (size_t)n; i++)
			p[i] = cs[rng_below(r, nc)];
	}
	*out = b;
	return 0;
}

static void draw_ip6_template(struct rng *r, const struct vol *x,
                              struct pk_buf *b)
{
	/* scapy's RandIP6 text: a list of groups joined by ':'. Fixed and
	 * random groups are %04x, a fixed 0 is "0", an empty part stays
	 * empty (so "::" appears), "**" gives as many random groups as fill
	 * eight (a random count when the template also has "::" or several
	 * "**"); nine groups lose their first empty one, and a final empty
	 * group becomes "0" */
	char g[IP6_MAXPARTS * 8][5];
	int i, k, n = 0, nbm = x->nmulti;

	for (i = 0; i < x->nparts; i++) {
		const struct ip6part *p = &x->parts[i];

		if (p->what == P_MULTI) {
			int64_t remain;

			nbm--;
			remain = 8 - (x->nparts - i - 1) - n + nbm;
			if (x->has_empty)
				remain++;
			if (remain < 0)
				remain = 0;
			if (nbm || x->has_empty)
				remain = rng_range(r, 0, remain);
			for (k = 0; k < remain && n < (int)(sizeof(g) / 5); k++)
				snprintf(g[n++], 5, "%04x",
				         (unsigned)rng_below(r, 65536));
			continue;
		}
		if (n == (int)(sizeof(g) / 5))
			break;
		if (p->what == P_EMPTY)
			g[n][0] = 0;
		else if (p->what == P_RANGE)
			snprintf(g[n], 5, "%04x",
			         (unsigned)rng_range(r, p->lo, p->hi));
		else if (p->lo == 0)
			strcpy(g[n], "0");
		else
			snprintf(g[n], 5, "%04x", p->lo);
		n++;
	}
	if (n == 9) {
		for (i = 0; i < n && g[i][0]; i++)
			;
		if (i < n) {
			memmove(g[i], g[i + 1], (size_t)(n - i - 1) * 5);
			n--;
		}
	}
	if (n && !g[n - 1][0])
		strcpy(g[n - 1], "0");
	for (i = 0; i < n; i++) {
		if (i)
			pk_buf_addch(b, ':');
		pk_buf_addstr(b, g[i]);
	}
}

/* `bytes` bytes: the first plen bits of net, the rest random. */
static void draw_prefix(struct rng *r, const uint8_t *net, int plen, int bytes,
                        uint8_t *out)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int keep = plen - 8 * i;
		uint8_t rnd = (uint8_t)rng_next(r), mask;

		mask = keep >= 8   ? 0xff
		       : keep <= 0 ? 0
		                   : (uint8_t)(0xff << (8 - keep));
		out[i] = (uint8_t)((net[i] & mask) | (rnd & ~mask));
	}
}

static int draw(struct pk_vm *vm, struct rng *r, pk_val v, pk_val *out)
{
	struct vol *x;
	struct pk_buf b = PK_BUF_INIT;
	uint8_t a[16];
	int i, rc;

	if (!pk_is_volatile(v)) {
		*out = pk_incref(v);
		return 0;
	}
	x = VO(v);
	switch ((enum vkind)x->kind) {
	case V_NUM:
		*out = pk_int(rng_range(r, x->lo, x->hi));
		return 0;
	case V_IP:
		draw_prefix(r, x->addr, x->plen, 4, a);
		pk_buf_addf(&b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		break;
	case V_IP6:
		if (x->nparts) {
			draw_ip6_template(r, x, &b);
		} else {
			char t[INET6_ADDRSTRLEN];

			/* glibc's text is RFC 5952's */
			draw_prefix(r, x->addr, x->plen, 16, a);
			if (inet_ntop(AF_INET6, a, t, sizeof(t)))
				pk_buf_addstr(&b, t);
		}
		break;
	case V_MAC:
		for (i = 0; i < 6; i++)
			pk_buf_addf(
			    &b, "%s%02x", i ? ":" : "",
			    (unsigned)rng_range(r, x->mlo[i], x->mhi[i]));
		break;
	case V_STRING:
		return draw_string(vm, r, x, out);
	case V_CHOICE:
	case V_ENUMKEYS: {
		struct pk_tuple *t = pk_as_tuple(x->items);
		size_t k;

		if (x->kind == V_CHOICE) {
			k = (size_t)rng_below(r, t->len);
		} else {
			k = x->perm[x->pos];
			x->pos = (x->pos + 1) % t->len;
		}
		/* a volatile among the choices is drawn in turn; nesting is
		 * bounded like any recursion */
		if (pk_vm_enter(vm) < 0)
			return -1;
		rc = draw(vm, r, t->items[k], out);
		pk_vm_leave(vm);
		return rc;
	}
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

int pk_volatile_draw(struct pk_vm *vm, pk_val v, pk_val *out)
{
	struct rng *r;

	if (!pk_is_volatile(v)) {
		*out = pk_incref(v);
		return 0;
	}
	r = vm_rng(vm);
	if (!r)
		return -1;
	return draw(vm, r, v, out);
}

/* ------------------------------------------------------------------ */
/* Constructors                                                        */

static const struct {
	const char *name;
	int64_t lo, hi;
} num_class[] = {
    [C_NUM] = {"RandNum", 0, 0},
    [C_BYTE] = {"RandByte", 0, 255},
    [C_SBYTE] = {"RandSByte", -128, 127},
    [C_SHORT] = {"RandShort", 0, 65535},
    [C_SSHORT] = {"RandSShort", -32768, 32767},
    [C_INT] = {"RandInt", 0, 4294967295},
    [C_SINT] = {"RandSInt", -2147483648, 2147483647},
    /* scapy's RandLong is 0..2**64-1; pktsh ints stop at 2**63-1 */
    [C_LONG] = {"RandLong", 0, INT64_MAX},
    [C_SLONG] = {"RandSLong", INT64_MIN, INT64_MAX},
};

static int no_args(struct pk_vm *vm, const struct pk_args *a, const char *fn)
{
	if (a->n || a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() takes no arguments (%d given)", fn,
		                a->n + a->nkw);
	return 0;
}

static int fixed_num(struct pk_vm *vm, const struct pk_args *a, enum vclass c,
                     pk_val *out)
{
	struct vol *x;

	if (no_args(vm, a, num_class[c].name) < 0)
		return -1;
	x = vol_new(vm, V_NUM, c);
	if (!x)
		return -1;
	x->lo = num_class[c].lo;
	x->hi = num_class[c].hi;
	return done(x, out);
}

#define FIXED_NUM(fn, c)                                                       \
	static int fn(struct pk_vm *vm, pk_val self, const struct pk_args *a,  \
	              pk_val *out)                                             \
	{                                                                      \
		return fixed_num(vm, a, c, out);                               \
	}
FIXED_NUM(b_randbyte, C_BYTE)
FIXED_NUM(b_randsbyte, C_SBYTE)
FIXED_NUM(b_randshort, C_SHORT)
FIXED_NUM(b_randsshort, C_SSHORT)
FIXED_NUM(b_randint, C_INT)
FIXED_NUM(b_randsint, C_SINT)
FIXED_NUM(b_randlong, C_LONG)
FIXED_NUM(b_randslong, C_SLONG)

static int b_randnum(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"min", "max"};
	pk_val av[2];
	int64_t lo, hi;
	struct vol *x;

	if (pk_args_parse(vm, a, "RandNum", names, 2, 2, av) < 0 ||
	    pk_arg_int(vm, av[0], "RandNum", "min", &lo) < 0 ||
	    pk_arg_int(vm, av[1], "RandNum", "max", &hi) < 0)
		return -1;
	if (lo > hi)
		return pk_raise(vm, &pk_exc_ValueError,
		                "empty range for RandNum(%lld, %lld)",
		                (long long)lo, (long long)hi);
	x = vol_new(vm, V_NUM, C_NUM);
	if (!x)
		return -1;
	x->lo = lo;
	x->hi = hi;
	return done(x, out);
}

/* "a.b.c.d" or "a.b.c.d/n" into x->addr, x->plen (host bits cleared). */
static int parse_ip4net(const char *s, struct vol *x)
{
	unsigned v[4];
	int i, k = 0, n = 0;

	for (i = 0; i < 4; i++) {
		int d = 0;

		v[i] = 0;
		while (s[k] >= '0' && s[k] <= '9' && d < 3)
			v[i] = v[i] * 10 + (unsigned)(s[k++] - '0'), d++;
		if (!d || v[i] > 255 || (i < 3 && s[k++] != '.'))
			return -1;
	}
	x->plen = 32;
	if (s[k] == '/') {
		int d = 0;

		k++;
		while (s[k] >= '0' && s[k] <= '9' && d < 3)
			n = n * 10 + (s[k++] - '0'), d++;
		if (!d || n > 32)
			return -1;
		x->plen = n;
	}
	if (s[k])
		return -1;
	for (i = 0; i < 4; i++)
		x->addr[i] = (uint8_t)v[i];
	return 0;
}

static int take_template(struct pk_vm *vm, pk_val v, const char *fn,
                         const char *pname, const char *def, struct vol *x,
                         const char **s)
{
	size_t n;

	if (pk_is_undef(v)) {
		*s = def;
		return 0;
	}
	if (pk_arg_str(vm, v, fn, pname, s, &n) < 0)
		return -1;
	if (strlen(*s) != n || n > 256)
		return pk_raise(vm, &pk_exc_ValueError,
		                "invalid %s template: too long or holds NUL",
		                fn);
	x->tmpl = pk_incref(v);
	return 0;
}

static int b_randip(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"iptemplate"};
	pk_val av[1];
	struct vol *x;
	const char *s;

	if (pk_args_parse(vm, a, "RandIP", names, 1, 0, av) < 0)
		return -1;
	x = vol_new(vm, V_IP, C_IP);
	if (!x)
		return -1;
	if (take_template(vm, av[0], "RandIP", "iptemplate", "0.0.0.0/0", x,
	                  &s) < 0)
		goto fail;
	if (parse_ip4net(s, x) < 0) {
		pk_raise(vm, &pk_exc_ValueError,
		         "invalid network '%s' (expected 'a.b.c.d' or "
		         "'a.b.c.d/n')",
		         s);
		goto fail;
	}
	return done(x, out);
fail:
	vol_free(x);
	return -1;
}

static int hexval(const char *s, size_t n, unsigned max, uint16_t *out)
{
	unsigned v = 0;
	size_t i;

	if (!n || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v * 16 + d;
	}
	if (v > max)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* One template part: "*", "lo-hi" (either side may be empty), or hex. */
static int parse_part(const char *s, size_t n, unsigned max, uint16_t *lo,
                      uint16_t *hi)
{
	const char *dash = memchr(s, '-', n);

	if (n == 1 && s[0] == '*') {
		*lo = 0;
		*hi = (uint16_t)max;
		return 0;
	}
	if (dash) {
		size_t nl = (size_t)(dash - s), nh = n - nl - 1;

		*lo = 0;
		*hi = (uint16_t)max;
		if ((nl && hexval(s, nl, max, lo) < 0) ||
		    (nh && hexval(dash + 1, nh, max, hi) < 0) || *lo > *hi)
			return -1;
		return 0;
	}
	if (hexval(s, n, max, lo) < 0)
		return -1;
	*hi = *lo;
	return 0;
}

static int b_randmac(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"template"};
	pk_val av[1];
	struct vol *x;
	const char *s, *p;
	int i;

	if (pk_args_parse(vm, a, "RandMAC", names, 1, 0, av) < 0)
		return -1;
	x = vol_new(vm, V_MAC, C_MAC);
	if (!x)
		return -1;
	if (take_template(vm, av[0], "RandMAC", "template", "*", x, &s) < 0)
		goto fail;
	/* as scapy: missing octets are random, extra ones ignored */
	for (i = 0, p = s; i < 6; i++) {
		size_t n = strcspn(p, ":");
		uint16_t lo = 0, hi = 255;

		if (*p || n) {
			if (parse_part(p, n, 255, &lo, &hi) < 0) {
				pk_raise(vm, &pk_exc_ValueError,
				         "invalid MAC template '%s' (octets "
				         "are 'xx', '*' or 'xx-yy')",
				         s);
				goto fail;
			}
			p += n;
			if (*p == ':')
				p++;
		}
		x->mlo[i] = (uint8_t)lo;
		x->mhi[i] = (uint8_t)hi;
	}
	return done(x, out);
fail:
	vol_free(x);
	return -1;
}

static int parse_ip6(const char *s, struct vol *x)
{
	const char *sl = strchr(s, '/');
	char tmp[64];
	size_t n = sl ? (size_t)(sl - s) : strlen(s);
	int plen = 128, d = 0;

	if (sl) {
		const char *q = sl + 1;

		plen = 0;
		while (*q >= '0' && *q <= '9' && d < 3)
			plen = plen * 10 + (*q++ - '0'), d++;
		if (!d || *q || plen > 128)
			return -1;
	}
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (inet_pton(AF_INET6, tmp, x->addr) != 1)
		return -1;
	x->plen = plen;
	return 0;
}

/* scapy's template: parts split on ':' ("2001:db8:**", "fe80::*"). */
static int parse_ip6_template(const char *s, struct vol *x)
{
	const char *p = s;

	x->nparts = 0;
	for (;;) {
		size_t n = strcspn(p, ":");
		struct ip6part *pt;

		if (x->nparts == IP6_MAXPARTS)
			return -1;
		pt = &x->parts[x->nparts++];
		if (!n) {
			pt->what = P_EMPTY;
			x->has_empty = true;
		} else if (n == 2 && p[0] == '*' && p[1] == '*') {
			pt->what = P_MULTI;
			x->nmulti++;
		} else {
			if (parse_part(p, n, 0xffff, &pt->lo, &pt->hi) < 0)
				return -1;
			pt->what = pt->lo == pt->hi && !(n == 1 && *p == '*')
			               ? P_FIXED
			               : P_RANGE;
		}
		p += n;
		if (!*p)
			break;
		p++;
	}
	return 0;
}

static int b_randip6(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"ip6template"};
	pk_val av[1];
	struct vol *x;
	const char *s;
	int r;

	if (pk_args_parse(vm, a, "RandIP6", names, 1, 0, av) < 0)
		return -1;
	x = vol_new(vm, V_IP6, C_IP6);
	if (!x)
		return -1;
	if (take_template(vm, av[0], "RandIP6", "ip6template", "**", x, &s) < 0)
		goto fail;
	/* 'addr/n' is pktsh's own form (scapy's Net6 syntax) */
	r = strchr(s, '/') ? parse_ip6(s, x) : parse_ip6_template(s, x);
	if (r < 0) {
		pk_raise(vm, &pk_exc_ValueError,
		         "invalid IPv6 template '%s' (expected 'x::/n' or "
		         "groups of 'xxxx', '*', 'lo-hi', '**')",
		         s);
		goto fail;
	}
	return done(x, out);
fail:
	vol_free(x);
	return -1;
}

/* size: None (scapy's default), an int, or a RandNum-like volatile. */
static int take_size(struct pk_vm *vm, pk_val v, const char *fn, struct vol *x)
{
	int64_t lo, hi;

	if (pk_is_undef(v) || pk_is_none(v))
		return 0;
	if (pk_is_volatile(v) && VO(v)->kind == V_NUM) {
		lo = VO(v)->lo;
		hi = VO(v)->hi;
	} else if (pk_is_intlike(v)) {
		lo = hi = v.u.i;
	} else {
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() argument 'size' must be int or RandNum, "
		                "not %s",
		                fn, pk_typename(v));
	}
	if (lo < 0)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s() size %lld is negative", fn,
		                (long long)lo);
	if (hi > PK_VOLATILE_MAX_SIZE)
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "%s() size %lld is larger than the maximum %lld", fn,
		    (long long)hi, (long long)PK_VOLATILE_MAX_SIZE);
	x->size = pk_incref(v);
	return 0;
}

static int b_randstring(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	static const char *const names[] = {"size", "chars"};
	pk_val av[2];
	struct vol *x;

	if (pk_args_parse(vm, a, "RandString", names, 2, 0, av) < 0)
		return -1;
	x = vol_new(vm, V_STRING, C_STRING);
	if (!x)
		return -1;
	if (take_size(vm, av[0], "RandString", x) < 0)
		goto fail;
	if (!pk_is_undef(av[1])) {
		if (pk_is_str(av[1])) {
			x->chars = pk_bytes_new(vm, pk_as_str(av[1])->s,
			                        pk_as_str(av[1])->len);
			if (pk_is_undef(x->chars))
				goto fail;
		} else if (pk_is_bytes(av[1])) {
			x->chars = pk_incref(av[1]);
		} else {
			pk_raise(vm, &pk_exc_TypeError,
			         "RandString() argument 'chars' must be bytes, "
			         "not %s",
			         pk_typename(av[1]));
			goto fail;
		}
		if (!pk_as_bytes(x->chars)->len) {
			pk_raise(vm, &pk_exc_ValueError,
			         "RandString() chars is empty");
			goto fail;
		}
	}
	return done(x, out);
fail:
	vol_free(x);
	return -1;
}

static int b_randbin(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"size"};
	pk_val av[1];
	struct vol *x;

	if (pk_args_parse(vm, a, "RandBin", names, 1, 0, av) < 0)
		return -1;
	x = vol_new(vm, V_STRING, C_BIN);
	if (!x)
		return -1;
	if (take_size(vm, av[0], "RandBin", x) < 0) {
		vol_free(x);
		return -1;
	}
	return done(x, out);
}

static int b_randchoice(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	struct vol *x;
	int i;

	if (a->nkw)
		return pk_raise(vm, &pk_exc_TypeError,
		                "RandChoice() takes no keyword arguments");
	if (!a->n)
		return pk_raise(vm, &pk_exc_TypeError,
		                "RandChoice needs at least one choice");
	x = vol_new(vm, V_CHOICE, C_CHOICE);
	if (!x)
		return -1;
	x->items = pk_tuple_new(vm, (size_t)a->n);
	if (pk_is_undef(x->items)) {
		vol_free(x);
		return -1;
	}
	for (i = 0; i < a->n; i++)
		pk_tuple_set_take(x->items, (size_t)i, pk_incref(a->v[i]));
	return done(x, out);
}

static int b_randenumkeys(struct pk_vm *vm, pk_val self,
                          const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {"enum", "seed"};
	pk_val av[2], keys;
	struct vol *x;
	struct rng own, *r;
	size_t n, i;
	int64_t seed;

	if (pk_args_parse(vm, a, "RandEnumKeys", names, 2, 1, av) < 0)
		return -1;
	r = vm_rng(vm);
	if (!r)
		return -1;
	if (!pk_is_undef(av[1]) && !pk_is_none(av[1])) {
		/* a seed gives the same order every time, as in scapy */
		if (pk_arg_int(vm, av[1], "RandEnumKeys", "seed", &seed) < 0)
			return -1;
		rng_seed(&own, (uint64_t)seed);
		r = &own;
	}
	if (pk_to_list(vm, av[0], &keys) < 0)
		return -1;
	n = pk_as_list(keys)->len;
	if (!n) {
		pk_decref(keys);
		return pk_raise(vm, &pk_exc_ValueError,
		                "RandEnumKeys() needs at least one key");
	}
	x = vol_new(vm, V_ENUMKEYS, C_ENUMKEYS);
	if (!x) {
		pk_decref(keys);
		return -1;
	}
	x->items = pk_tuple_new(vm, n);
	x->perm = pk_xmalloc(n * sizeof(*x->perm));
	if (pk_is_undef(x->items) || !x->perm) {
		bool raised = pk_is_undef(x->items);

		pk_decref(keys);
		vol_free(x);
		return raised ? -1 : pk_raise_nomem(vm);
	}
	for (i = 0; i < n; i++) {
		pk_tuple_set_take(x->items, i,
		                  pk_incref(pk_as_list(keys)->items[i]));
		x->perm[i] = i;
	}
	pk_decref(keys);
	/* every key once per round, in one random order (Fisher-Yates) */
	for (i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i), t = x->perm[i - 1];

		x->perm[i - 1] = x->perm[j];
		x->perm[j] = t;
	}
	return done(x, out);
}

/* ------------------------------------------------------------------ */
/* The type: every operation acts on a value drawn for it              */

static int vol_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addf(out, "<%s>", self.u.o->type->name);
	return 0;
}

static int vol_str(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_val d;
	int rc = 0;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	if (pk_is_bytes(d))
		plain_str(out, pk_as_bytes(d)->b, pk_as_bytes(d)->len);
	else
		rc = pk_str_of(vm, d, out);
	pk_decref(d);
	return rc;
}

/* command(): the constructor call that makes the same value. */
static int vol_command_text(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct vol *x = VO(self);
	const char *name = self.u.o->type->name;
	size_t i;
	int rc = 0;

	pk_buf_addf(out, "%s(", name);
	switch ((enum vkind)x->kind) {
	case V_NUM:
		if (x->cls == C_NUM)
			pk_buf_addf(out, "min=%lld, max=%lld", (long long)x->lo,
			            (long long)x->hi);
		break;
	case V_IP:
		if (x->plen || memcmp(x->addr, "\0\0\0\0", 4))
			pk_buf_addf(out, "iptemplate='%u.%u.%u.%u/%d'",
			            x->addr[0], x->addr[1], x->addr[2],
			            x->addr[3], x->plen);
		break;
	case V_IP6:
	case V_MAC:
		if (!pk_is_undef(x->tmpl)) {
			pk_buf_addstr(out, x->kind == V_MAC ? "template="
			                                    : "ip6template=");
			rc = pk_repr(vm, x->tmpl, out);
		}
		break;
	case V_STRING:
		if (!pk_is_undef(x->size) && !pk_is_none(x->size)) {
			pk_buf_addstr(out, "size=");
			if (pk_is_volatile(x->size))
				rc = vol_command_text(vm, x->size, out);
			else
				rc = pk_repr(vm, x->size, out);
		}
		if (!rc && !pk_is_undef(x->chars)) {
			pk_buf_addstr(out, pk_is_undef(x->size) ? "chars="
			                                        : ", chars=");
			rc = pk_repr(vm, x->chars, out);
		}
		break;
	case V_CHOICE:
	case V_ENUMKEYS:
		if (x->kind == V_ENUMKEYS)
			pk_buf_addstr(out, "enum=[");
		for (i = 0; !rc && i < pk_as_tuple(x->items)->len; i++) {
			if (i)
				pk_buf_addstr(out, ", ");
			rc = pk_repr(vm, pk_as_tuple(x->items)->items[i], out);
		}
		if (x->kind == V_ENUMKEYS)
			pk_buf_addch(out, ']');
		break;
	}
	pk_buf_addch(out, ')');
	return rc;
}

int pk_volatile_command(struct pk_vm *vm, pk_val v, struct pk_buf *out)
{
	if (!pk_is_volatile(v))
		return pk_repr(vm, v, out);
	return vol_command_text(vm, v, out);
}

static int m_command(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (vol_command_text(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_int(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	pk_val d;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	if (pk_is_intlike(d)) {
		*out = pk_int(d.u.i);
		return 0;
	}
	pk_decref(d);
	return pk_raise(vm, &pk_exc_TypeError,
	                "int() argument must be a string, a bytes-like object "
	                "or a real number, not '%s'",
	                pk_typename(self));
}

/* bytes(): the drawn bytes, a drawn str encoded, or, as Python's
 * bytes(n) does for an int, n zero bytes. */
static int m_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	pk_val d;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	if (pk_is_bytes(d)) {
		*out = d;
		return 0;
	}
	if (pk_is_str(d)) {
		*out = pk_bytes_new(vm, pk_as_str(d)->s, pk_as_str(d)->len);
		pk_decref(d);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (pk_is_intlike(d)) {
		if (d.u.i < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "negative count");
		/* the language's size limit for bytes (docs/language.md) */
		if (d.u.i > ((int64_t)1 << 31))
			return pk_raise_nomem(vm);
		*out = pk_bytes_new(vm, NULL, (size_t)d.u.i);
		return pk_is_undef(*out) ? -1 : 0;
	}
	pk_decref(d);
	return pk_raise(vm, &pk_exc_TypeError,
	                "cannot convert '%s' object to bytes",
	                pk_typename(self));
}

static const struct pk_method vol_methods[] = {
    {"command", m_command,
     "command() -> str: the call that makes this value, as scapy prints it"},
    {"__int__", m_int, "__int__() -> int: a drawn value"},
    {"__index__", m_int, "__index__() -> int: a drawn value"},
    {"__bytes__", m_bytes, "__bytes__() -> bytes: a drawn value"},
    {NULL, NULL, NULL},
};

static int vol_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                       pk_val *out)
{
	struct vol *x = VO(self);
	pk_val d;
	int rc;

	if (x->kind == V_NUM && !strcmp(name->s, "min")) {
		*out = pk_int(x->lo);
		return 0;
	}
	if (x->kind == V_NUM && !strcmp(name->s, "max")) {
		*out = pk_int(x->hi);
		return 0;
	}
	if (x->kind == V_STRING && !strcmp(name->s, "size")) {
		*out = pk_is_undef(x->size) ? pk_none() : pk_incref(x->size);
		return 0;
	}
	if (x->kind == V_STRING && !strcmp(name->s, "chars")) {
		if (!pk_is_undef(x->chars)) {
			*out = pk_incref(x->chars);
		} else if (x->cls == C_BIN) {
			uint8_t all[256];
			int i;

			for (i = 0; i < 256; i++)
				all[i] = (uint8_t)i;
			*out = pk_bytes_new(vm, all, sizeof(all));
		} else {
			*out = pk_bytes_new(vm, default_chars,
			                    sizeof(default_chars) - 1);
		}
		return pk_is_undef(*out) ? -1 : 0;
	}
	/* as scapy: any other attribute is the drawn value's
	 * (RandIP().split('.')) */
	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	rc = pk_getattr(vm, d, name, out);
	pk_decref(d);
	return rc;
}

static void vol_attrnames(pk_val self, void (*add)(void *, const char *),
                          void *ctx)
{
	if (VO(self)->kind == V_NUM) {
		add(ctx, "min");
		add(ctx, "max");
	} else if (VO(self)->kind == V_STRING) {
		add(ctx, "size");
		add(ctx, "chars");
	}
}

/* Draw both sides (either may be volatile) for a binary operation. */
static int draw2(struct pk_vm *vm, pk_val a, pk_val b, pk_val *da, pk_val *db)
{
	if (pk_volatile_draw(vm, a, da) < 0)
		return -1;
	if (pk_volatile_draw(vm, b, db) < 0) {
		pk_decref(*da);
		return -1;
	}
	return 0;
}

static int vol_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
                     bool right, pk_val *out)
{
	pk_val da, db;
	int rc;

	if (draw2(vm, a, b, &da, &db) < 0)
		return -1;
	rc = pk_binop(vm, op, da, db, out);
	pk_decref(da);
	pk_decref(db);
	return rc;
}

static int vol_unop(struct pk_vm *vm, enum pk_unop op, pk_val a, pk_val *out)
{
	pk_val d;
	int rc;

	if (pk_volatile_draw(vm, a, &d) < 0)
		return -1;
	rc = pk_unop(vm, op, d, out);
	pk_decref(d);
	return rc;
}

static int vol_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	pk_val da, db;
	int rc;

	if (draw2(vm, a, b, &da, &db) < 0)
		return -1;
	rc = pk_eq(vm, da, db, out);
	pk_decref(da);
	pk_decref(db);
	return rc;
}

static int vol_cmp(struct pk_vm *vm, pk_val a, pk_val b, int *out)
{
	pk_val da, db;
	bool lt = false, gt = false;
	int rc;

	if (draw2(vm, a, b, &da, &db) < 0)
		return -1;
	rc = pk_compare(vm, PK_CMP_LT, da, db, &lt);
	if (!rc && !lt)
		rc = pk_compare(vm, PK_CMP_GT, da, db, &gt);
	pk_decref(da);
	pk_decref(db);
	*out = lt ? -1 : gt ? 1 : 0;
	return rc;
}

static int vol_truth(struct pk_vm *vm, pk_val self, bool *out)
{
	pk_val d;
	int rc;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	rc = pk_truth(vm, d, out);
	pk_decref(d);
	return rc;
}

static int vol_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	pk_val d;
	int rc;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	rc = pk_len(vm, d, out);
	pk_decref(d);
	return rc;
}

static int vol_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	pk_val d;
	int rc;

	if (pk_volatile_draw(vm, self, &d) < 0)
		return -1;
	rc = pk_contains(vm, d, item, out);
	pk_decref(d);
	return rc;
}

#define VOL_TYPE(c, nm, what)                                                  \
	[c] = {                                                                \
	    .name = nm,                                                        \
	    .doc = what,                                                       \
	    .release = vol_release,                                            \
	    .repr = vol_repr,                                                  \
	    .str = vol_str,                                                    \
	    .getattr = vol_getattr,                                            \
	    .attrnames = vol_attrnames,                                        \
	    .len = vol_len,                                                    \
	    .contains = vol_contains,                                          \
	    .binop = vol_binop,                                                \
	    .unop = vol_unop,                                                  \
	    .eq = vol_eq,                                                      \
	    .cmp = vol_cmp,                                                    \
	    .truth = vol_truth,                                                \
	    .methods = vol_methods,                                            \
	}

static const struct pk_type vol_types[C__COUNT] = {
    VOL_TYPE(C_NUM, "RandNum", "a random int in [min, max]"),
    VOL_TYPE(C_BYTE, "RandByte", "a random int in [0, 255]"),
    VOL_TYPE(C_SBYTE, "RandSByte", "a random int in [-128, 127]"),
    VOL_TYPE(C_SHORT, "RandShort", "a random int in [0, 65535]"),
    VOL_TYPE(C_SSHORT, "RandSShort", "a random int in [-32768, 32767]"),
    VOL_TYPE(C_INT, "RandInt", "a random int in [0, 2**32-1]"),
    VOL_TYPE(C_SINT, "RandSInt", "a random int in [-2**31, 2**31-1]"),
    VOL_TYPE(C_LONG, "RandLong", "a random int in [0, 2**63-1]"),
    VOL_TYPE(C_SLONG, "RandSLong", "a random int in [-2**63, 2**63-1]"),
    VOL_TYPE(C_IP, "RandIP", "a random IPv4 address in a network"),
    VOL_TYPE(C_IP6, "RandIP6", "a random IPv6 address"),
    VOL_TYPE(C_MAC, "RandMAC", "a random MAC address"),
    VOL_TYPE(C_STRING, "RandString", "random bytes from a set of chars"),
    VOL_TYPE(C_BIN, "RandBin", "random bytes"),
    VOL_TYPE(C_CHOICE, "RandChoice", "one of the given values"),
    VOL_TYPE(C_ENUMKEYS, "RandEnumKeys", "the keys, in a random order"),
};

/* ------------------------------------------------------------------ */
/* Registration                                                        */

static const struct pk_method volatile_builtins[] = {
    {"RandNum", b_randnum, "RandNum(min, max): a random int in [min, max]"},
    {"RandByte", b_randbyte, "RandByte(): a random int in [0, 255]"},
    {"RandSByte", b_randsbyte, "RandSByte(): a random int in [-128, 127]"},
    {"RandShort", b_randshort, "RandShort(): a random int in [0, 65535]"},
    {"RandSShort", b_randsshort,
     "RandSShort(): a random int in [-32768, 32767]"},
    {"RandInt", b_randint, "RandInt(): a random int in [0, 2**32-1]"},
    {"RandSInt", b_randsint, "RandSInt(): a random int in [-2**31, 2**31-1]"},
    {"RandLong", b_randlong, "RandLong(): a random int in [0, 2**63-1]"},
    {"RandSLong", b_randslong,
     "RandSLong(): a random int in [-2**63, 2**63-1]"},
    {"RandIP", b_randip,
     "RandIP(iptemplate='0.0.0.0/0'): a random IPv4 address in a network"},
    {"RandIP6", b_randip6,
     "RandIP6(ip6template='**'): a random IPv6 address ('2001:db8:**', "
     "'2001:db8::/32')"},
    {"RandMAC", b_randmac,
     "RandMAC(template='*'): a random MAC address ('00:11:*')"},
    {"RandString", b_randstring,
     "RandString(size=None, chars=b'A-Za-z0-9'): random bytes"},
    {"RandBin", b_randbin, "RandBin(size=None): random bytes"},
    {"RandChoice", b_randchoice, "RandChoice(*values): one of the values"},
    {"RandEnumKeys", b_randenumkeys,
     "RandEnumKeys(enum, seed=None): the keys of a dict in a random order"},
    {NULL, NULL, NULL},
};

int pk_volatile_register(struct pk_vm *vm)
{
	const char *s = getenv("PKTSH_SEED");

	if (!vm_rng(vm))
		return -1;
	if (s && *s) {
		char *end;
		unsigned long long seed;

		errno = 0;
		seed = strtoull(s, &end, 10);
		if (*end || errno || *s == '-')
			pk_vm_warn(vm,
			           "ignoring PKTSH_SEED '%s': not an "
			           "unsigned decimal number",
			           s);
		else if (pk_volatile_seed(vm, (uint64_t)seed) < 0)
			return -1;
	}
	return pk_vm_add_builtins(vm, volatile_builtins);
}
