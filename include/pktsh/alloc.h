/*
 * alloc.h - the one allocation hook of pktsh.
 *
 * Every allocation in the core goes through pk_xmalloc() and friends, so a
 * test build can make the N-th allocation fail (SQLite's and Lua's trick)
 * and show that out-of-memory is a clean MemoryError, never a crash.
 *
 * pk_xmalloc() returns NULL on failure; callers check and report. There is
 * no abort-on-failure variant in the core: the shell must survive.
 */
#ifndef PKTSH_ALLOC_H
#define PKTSH_ALLOC_H

#include <stddef.h>

void *pk_xmalloc(size_t n);
void *pk_xcalloc(size_t nmemb, size_t size);
void *pk_xrealloc(void *p, size_t n);
void pk_xfree(void *p);
char *pk_xstrndup(const char *s, size_t n);

/*
 * Fault injection for tests: after `n` more successful allocations, every
 * allocation fails until pk_alloc_fail_after(-1) is called. Returns the
 * number of allocations that failed since the last call.
 */
long pk_alloc_fail_after(long n);

/* Allocations made so far (for leak and cost accounting in tests). */
unsigned long pk_alloc_count(void);

#endif
