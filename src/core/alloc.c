/*
 * alloc.c - allocation hook with fault injection (see alloc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pktsh/alloc.h"

static long fail_countdown = -1; /* -1: never fail */
static long failed;
static unsigned long allocs;

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

void *pk_xmalloc(size_t n)
{
	if (should_fail())
		return NULL;
	allocs++;
	return malloc(n ? n : 1);
}

void *pk_xcalloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	allocs++;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *pk_xrealloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
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
