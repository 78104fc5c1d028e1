/*
 * smallmem.c - a machine with little memory, for the language harness.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: one
 * allocation above FUZZ_MAX_ALLOC fails as it would on a small machine,
 * so `"x" * 10**9` must end in MemoryError rather than in libFuzzer's
 * out-of-memory report. Everything else passes through.
 */
#include <stddef.h>

#define FUZZ_MAX_ALLOC ((size_t)256 << 20)

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	return n > FUZZ_MAX_ALLOC ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
	if (b && a > FUZZ_MAX_ALLOC / b)
		return NULL;
	return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
	return n > FUZZ_MAX_ALLOC ? NULL : __real_realloc(p, n);
}
