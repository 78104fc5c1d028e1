/*
 * buf.c - growable byte buffers (see buf.h for the invariants).
 */
#include <stdio.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "pktsh/buf.h"

char pk_buf_empty[1];

void pk_buf_init(struct pk_buf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = pk_buf_empty;
	sb->oom = 0;
	if (hint)
		pk_buf_grow(sb, hint);
}

void pk_buf_release(struct pk_buf *sb)
{
	if (sb->alloc)
		pk_xfree(sb->buf);
	pk_buf_init(sb, 0);
}

int pk_buf_grow(struct pk_buf *sb, size_t extra)
{
	size_t want, nalloc;
	char *nb;

	if (sb->oom)
		return -1;
	if (extra > SIZE_MAX - sb->len - 1)
		goto fail;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	nalloc = sb->alloc ? sb->alloc : 32;
	while (nalloc < want)
		nalloc = nalloc > SIZE_MAX / 2 ? want : nalloc * 2;
	nb = pk_xrealloc(sb->alloc ? sb->buf : NULL, nalloc);
	if (!nb)
		goto fail;
	if (!sb->alloc)
		nb[0] = '\0';
	sb->buf = nb;
	sb->alloc = nalloc;
	return 0;
fail:
	sb->oom = 1;
	return -1;
}

char *pk_buf_detach(struct pk_buf *sb, size_t *len)
{
	char *r;

	if (len)
		*len = sb->len;
	if (!sb->alloc) {
		r = pk_xmalloc(1);
		if (r)
			r[0] = '\0';
	} else {
		r = sb->buf;
	}
	pk_buf_init(sb, 0);
	return r;
}

int pk_buf_setlen(struct pk_buf *sb, size_t len)
{
	if (len > sb->len && pk_buf_grow(sb, len - sb->len) < 0)
		return -1;
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
	return 0;
}

int pk_buf_add(struct pk_buf *sb, const void *data, size_t len)
{
	if (!len)
		return sb->oom ? -1 : 0;
	if (pk_buf_grow(sb, len) < 0)
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int pk_buf_addstr(struct pk_buf *sb, const char *s)
{
	return pk_buf_add(sb, s, strlen(s));
}

int pk_buf_addch(struct pk_buf *sb, int c)
{
	if (pk_buf_grow(sb, 1) < 0)
		return -1;
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
	return 0;
}

int pk_buf_addchars(struct pk_buf *sb, int c, size_t n)
{
	if (!n)
		return 0;
	if (pk_buf_grow(sb, n) < 0)
		return -1;
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int pk_buf_vaddf(struct pk_buf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (pk_buf_grow(sb, 64) < 0)
		return -1;
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n >= sb->alloc - sb->len) {
		if (pk_buf_grow(sb, (size_t)n) < 0)
			return -1;
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
	return 0;
}

int pk_buf_addf(struct pk_buf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pk_buf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

int pk_buf_add_be16(struct pk_buf *sb, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return pk_buf_add(sb, b, 2);
}

int pk_buf_add_be32(struct pk_buf *sb, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 8), (uint8_t)v};

	return pk_buf_add(sb, b, 4);
}

int pk_buf_addhex(struct pk_buf *sb, const void *data, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *p = data;
	size_t i;

	if (pk_buf_grow(sb, len * 2) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		sb->buf[sb->len++] = hx[p[i] >> 4];
		sb->buf[sb->len++] = hx[p[i] & 15];
	}
	sb->buf[sb->len] = '\0';
	return 0;
}
