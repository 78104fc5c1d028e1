/*
 * cursor.h - the only way dissectors read packet bytes (tcpdump's lesson).
 *
 * A cursor is a window [p, end) over bytes that the caller keeps alive.
 * Reads never go past `end`: the check is `n <= (size_t)(end - p)`, never
 * `p + n <= end`. Truncation is sticky: the first short read sets
 * `truncated`, consumes nothing more, and every later read returns 0 (or
 * copies zeros). A dissector reads its whole header, then checks
 * `truncated` once and keeps what is left as Raw.
 *
 * Length fields read from the wire are clamped with pk_cur_sub() before a
 * sub-cursor is made, so a lying length can never widen the window.
 */
#ifndef PKTSH_CURSOR_H
#define PKTSH_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pk_cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool truncated;
};

static inline struct pk_cursor pk_cur_make(const void *data, size_t len)
{
	struct pk_cursor c;

	c.p = data;
	c.end = c.p + len;
	c.truncated = false;
	return c;
}

static inline size_t pk_cur_left(const struct pk_cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool pk_cur_need(struct pk_cursor *c, size_t n)
{
	if (c->truncated)
		return false;
	if (n <= (size_t)(c->end - c->p))
		return true;
	c->truncated = true;
	return false;
}

static inline uint8_t pk_get_u8(struct pk_cursor *c)
{
	if (!pk_cur_need(c, 1))
		return 0;
	return *c->p++;
}

static inline uint16_t pk_get_be16(struct pk_cursor *c)
{
	uint16_t v;

	if (!pk_cur_need(c, 2))
		return 0;
	v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	return v;
}

static inline uint16_t pk_get_le16(struct pk_cursor *c)
{
	uint16_t v;

	if (!pk_cur_need(c, 2))
		return 0;
	v = (uint16_t)((c->p[1] << 8) | c->p[0]);
	c->p += 2;
	return v;
}

static inline uint32_t pk_get_be32(struct pk_cursor *c)
{
	uint32_t v;

	if (!pk_cur_need(c, 4))
		return 0;
	v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
	    ((uint32_t)c->p[2] << 8) | c->p[3];
	c->p += 4;
	return v;
}

/* Big-endian unsigned of `n` bytes (1..8). */
static inline uint64_t pk_get_ben(struct pk_cursor *c, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n > 8 || !pk_cur_need(c, n))
		return 0;
	for (i = 0; i < n; i++)
		v = (v << 8) | c->p[i];
	c->p += n;
	return v;
}

/* Little-endian unsigned of `n` bytes (1..8). */
static inline uint64_t pk_get_len(struct pk_cursor *c, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n > 8 || !pk_cur_need(c, n))
		return 0;
	for (i = n; i > 0; i--)
		v = (v << 8) | c->p[i - 1];
	c->p += n;
	return v;
}

/* Copy n bytes out; on truncation copies zeros and returns false. */
static inline bool pk_get_bytes(struct pk_cursor *c, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t i;

	if (!pk_cur_need(c, n)) {
		for (i = 0; i < n; i++)
			d[i] = 0;
		return false;
	}
	for (i = 0; i < n; i++)
		d[i] = c->p[i];
	c->p += n;
	return true;
}

/* Skip n bytes (sticky truncation as for reads). */
static inline bool pk_cur_skip(struct pk_cursor *c, size_t n)
{
	if (!pk_cur_need(c, n))
		return false;
	c->p += n;
	return true;
}

/*
 * A sub-cursor over the next min(n, left) bytes, and advance past them.
 * `*clamped` (may be NULL) tells whether n was larger than what was left.
 */
static inline struct pk_cursor pk_cur_sub(struct pk_cursor *c, size_t n,
                                          bool *clamped)
{
	struct pk_cursor s;
	size_t left = pk_cur_left(c);

	if (clamped)
		*clamped = n > left;
	if (n > left)
		n = left;
	s.p = c->p;
	s.end = c->p + n;
	s.truncated = false;
	c->p += n;
	return s;
}

/* Peek without consuming: byte at offset `off`, or -1 if out of range. */
static inline int pk_cur_peek(const struct pk_cursor *c, size_t off)
{
	if (off >= (size_t)(c->end - c->p))
		return -1;
	return c->p[off];
}

#endif
