/*
 * buf.h - growable byte buffers, after git's strbuf.
 *
 * Invariants:
 *  - `buf` is never NULL: an empty buffer points at a shared "" so it can
 *    always be printed as a C string.
 *  - `buf[len]` is always '\0', but the contents may hold NUL bytes too;
 *    `len` is the truth.
 *  - `alloc` is 0 while `buf` points at the shared empty string.
 *  - pk_buf_detach() hands the memory to the caller (free with pk_xfree)
 *    and leaves the buffer empty and reusable.
 *
 * Growth can fail (pk_xrealloc returns NULL). Functions that grow return
 * 0 on success and -1 on allocation failure; a failed buffer keeps what it
 * had. Printing code in the core mostly ignores the result and checks
 * pk_buf_failed() once at the end: a failed buffer sets `oom` and turns
 * later writes into no-ops.
 */
#ifndef PKTSH_BUF_H
#define PKTSH_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct pk_buf {
	size_t alloc;
	size_t len;
	char *buf;
	int oom;
};

extern char pk_buf_empty[];
#define PK_BUF_INIT                                                            \
	{                                                                      \
		0, 0, pk_buf_empty, 0                                          \
	}

void pk_buf_init(struct pk_buf *sb, size_t hint);
void pk_buf_release(struct pk_buf *sb);
/* Make room for `extra` more bytes. */
int pk_buf_grow(struct pk_buf *sb, size_t extra);
char *pk_buf_detach(struct pk_buf *sb, size_t *len);
static inline void pk_buf_reset(struct pk_buf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}
int pk_buf_setlen(struct pk_buf *sb, size_t len);
int pk_buf_add(struct pk_buf *sb, const void *data, size_t len);
int pk_buf_addstr(struct pk_buf *sb, const char *s);
int pk_buf_addch(struct pk_buf *sb, int c);
int pk_buf_addchars(struct pk_buf *sb, int c, size_t n);
int pk_buf_addf(struct pk_buf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pk_buf_vaddf(struct pk_buf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int pk_buf_add_be16(struct pk_buf *sb, uint16_t v);
int pk_buf_add_be32(struct pk_buf *sb, uint32_t v);
/* Lowercase hex of data, two digits per byte. */
int pk_buf_addhex(struct pk_buf *sb, const void *data, size_t len);
static inline int pk_buf_failed(const struct pk_buf *sb)
{
	return sb->oom;
}

#endif
