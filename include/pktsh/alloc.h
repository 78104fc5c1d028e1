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

#include <stdbool.h>
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

/*
 * Memory ceiling. With Linux overcommit malloc rarely fails: a loop that
 * doubles a string reaches gigabytes and the OOM killer ends the session.
 * So pk_xmalloc & co measure the heap (the bytes malloc has handed out,
 * to pktsh or to the libraries it uses) every few MiB allocated and
 * before any big block, and an allocation that would pass the limit
 * fails as if malloc had (callers raise MemoryError; pk_raise_nomem then
 * says which limit was hit). The heap may pass the limit by at most
 * 4 MiB before that happens.
 *
 * The default is half the physical memory, at most 8 GiB, unless the
 * environment variable PKTSH_MEMORY_LIMIT gives a size ("512M", "2G",
 * "1073741824"; "0" or "none": no limit); it is read at the first
 * allocation. pk_alloc_set_limit() overrides both (0: no limit).
 */
void pk_alloc_set_limit(size_t bytes);
size_t pk_alloc_limit(void); /* 0: no limit */
size_t pk_alloc_held(void);  /* bytes the heap holds now */
/* Whether an allocation failed on the ceiling since the last call
 * (cleared by the call). */
bool pk_alloc_limit_hit(void);
/* Lift the ceiling while true (nested): to report it without failing. */
void pk_alloc_bypass_limit(bool on);
/* "512M", "2G", "4096", "none" -> bytes (0 for none); -1 if malformed. */
int pk_alloc_parse_size(const char *s, size_t *out);
/* n as "8 GiB", "512 MiB", "1.5 GiB" or "100 bytes"; snprintf's result. */
int pk_alloc_format_size(char *buf, size_t len, size_t n);

#endif
