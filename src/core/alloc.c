/*
 * alloc.c - allocation hook with fault injection and a memory ceiling
 * (see alloc.h).
 *
 * The ceiling costs one compare and one subtraction per allocation and
 * nothing per free: each allocation spends its size from an allowance,
 * and only when the allowance runs out (or for one big block) is the
 * heap measured (glibc's mallinfo2, or the sanitizer allocator's own
 * count in ASan builds) and the allowance renewed. The allowance is at
 * most ALLOWANCE_MAX and half the room left under the limit, so the
 * heap passes the limit by at most that much before an allocation
 * fails. Exact per-block counting (malloc_usable_size on every malloc
 * and free) cost 3% of the build benchmark's instructions; this is
 * below 0.1%.
 */
#include <malloc.h>
#include <stdint.h>
#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define PK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(PK_ASAN)
#define PK_ASAN 1
#endif
#ifndef PK_ASAN
#define PK_ASAN 0
#endif
#if PK_ASAN
/* from the sanitizer runtime (sanitizer/allocator_interface.h, which gcc
 * does not install) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#define PK_MALLINFO2 1
#else
#define PK_MALLINFO2 0
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktsh/alloc.h"

static long fail_countdown = -1; /* -1: never fail */
static long failed;
static unsigned long allocs;

static size_t limit;      /* 0: not decided yet; SIZE_MAX: none */
static size_t allowance;  /* bytes allocatable before the next measure */
static bool limit_hit;    /* an allocation failed on the ceiling */
static unsigned bypassed; /* > 0: the ceiling is lifted */

#define ALLOWANCE_MAX ((size_t)4 << 20)
#define ALLOWANCE_MIN ((size_t)64 << 10)

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		failed++;
		return 1;
	}
	fail_countdown--;
	return 0;
}

long pk_alloc_fail_after(long n)
{
	long f = failed;

	fail_countdown = n;
	failed = 0;
	return f;
}

unsigned long pk_alloc_count(void)
{
	return allocs;
}

int pk_alloc_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!strcmp(s, "none") || !strcmp(s, "unlimited")) {
		*out = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (*end && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
		return -1;
	if (v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static size_t default_limit(void)
{
	const char *env = getenv("PKTSH_MEMORY_LIMIT");
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	size_t v, cap = (size_t)8 << 30;

	if (env && *env && pk_alloc_parse_size(env, &v) == 0)
		return v ? v : SIZE_MAX;
	if (pages > 0 && psz > 0 &&
	    (unsigned long long)pages * (unsigned long long)psz / 2 < cap)
		cap = (size_t)((unsigned long long)pages *
		               (unsigned long long)psz / 2);
	return cap;
}

void pk_alloc_set_limit(size_t bytes)
{
	limit = bytes ? bytes : SIZE_MAX;
	allowance = 0; /* measure at the next allocation */
}

size_t pk_alloc_limit(void)
{
	if (!limit)
		limit = default_limit();
	return limit == SIZE_MAX ? 0 : limit;
}

/* Bytes the heap holds now, as its allocator counts them. */
static size_t heap_in_use(void)
{
#if PK_ASAN
	return __sanitizer_get_current_allocated_bytes();
#elif PK_MALLINFO2
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

size_t pk_alloc_held(void)
{
	return heap_in_use();
}

bool pk_alloc_limit_hit(void)
{
	bool h = limit_hit;

	limit_hit = false;
	return h;
}

void pk_alloc_bypass_limit(bool on)
{
	if (on)
		bypassed++;
	else if (bypassed)
		bypassed--;
	allowance = 0;
}

/*
 * The allowance ran out or `n` is big: measure the heap, fail if n would
 * pass the limit, else renew the allowance.
 */
static bool over_limit_slow(size_t n)
{
	size_t used, room;

	if (!limit)
		limit = default_limit();
	if (limit == SIZE_MAX) {
		allowance = SIZE_MAX;
		return false;
	}
	used = heap_in_use();
	if (!bypassed && (n > limit || used > limit - n)) {
		limit_hit = true;
		allowance = 0;
		return true;
	}
	room = used + n <= limit ? limit - used - n : 0;
	allowance = room / 2;
	if (allowance > ALLOWANCE_MAX)
		allowance = ALLOWANCE_MAX;
	if (allowance < ALLOWANCE_MIN)
		allowance = ALLOWANCE_MIN;
	return false;
}

/*
 * The fast paths below are leaves that tail-call malloc; fault injection
 * and a spent allowance go to cold functions that do the whole job.
 */
static __attribute__((noinline, cold)) bool refuse(size_t n)
{
	if (fail_countdown >= 0 && should_fail())
		return true;
	if (n >= allowance)
		return over_limit_slow(n);
	allowance -= n;
	return false;
}

static __attribute__((noinline, cold)) void *xmalloc_slow(size_t n)
{
	if (refuse(n))
		return NULL;
	allocs++;
	return malloc(n ? n : 1);
}

static __attribute__((noinline, cold)) void *xcalloc_slow(size_t nmemb,
                                                          size_t size)
{
	if (refuse(nmemb * size))
		return NULL;
	allocs++;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

static __attribute__((noinline, cold)) void *xrealloc_slow(void *p, size_t n)
{
	if (refuse(n))
		return NULL;
	allocs++;
	return realloc(p, n ? n : 1);
}

void *pk_xmalloc(size_t n)
{
	if (__builtin_expect(fail_countdown >= 0 || n >= allowance, 0))
		return xmalloc_slow(n);
	allowance -= n;
	allocs++;
	return malloc(n ? n : 1);
}

/* the product is only a charge: a wrapped one is caught by calloc */
void *pk_xcalloc(size_t nmemb, size_t size)
{
	size_t n = nmemb * size;

	if (__builtin_expect(fail_countdown >= 0 || n >= allowance, 0))
		return xcalloc_slow(nmemb, size);
	allowance -= n;
	allocs++;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

/* A growing block is charged its whole new size: the measure is exact,
 * the charge only decides when to measure. */
void *pk_xrealloc(void *p, size_t n)
{
	if (__builtin_expect(fail_countdown >= 0 || n >= allowance, 0))
		return xrealloc_slow(p, n);
	allowance -= n;
	allocs++;
	return realloc(p, n ? n : 1);
}

void pk_xfree(void *p)
{
	free(p);
}

char *pk_xstrndup(const char *s, size_t n)
{
	char *d = pk_xmalloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

int pk_alloc_format_size(char *buf, size_t len, size_t n)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB",
	                                    "TiB"};
	int u = 0;

	while (u < 4 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u == 0 && n >= 1024 * 1024) {
		double d = (double)n;

		for (u = 0; u < 4 && d >= 1024; u++)
			d /= 1024;
		return snprintf(buf, len, "%.1f %s", d, units[u]);
	}
	return snprintf(buf, len, "%zu %s", n, units[u]);
}
