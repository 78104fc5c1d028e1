/*
 * match.c - probes waiting for answers, filed by their hashret() bytes.
 *
 * scapy's hsent dict: a reply's hashret() picks the probes that could be
 * answered by it in O(1), and only those are asked answers(). Probes
 * with the same key form a group kept in sending order, because scapy
 * pairs a reply with the earliest probe it answers.
 *
 * Groups and entries come from an arena released with the matcher (an
 * sr() files every probe once, so nothing is reused): two mallocs per
 * probe were a tenth of a 65535-probe sr()'s own time.
 */
#include <string.h>

#include "pktsh/alloc.h"
#include "netio.h"

struct entry {
	struct entry *next;
	size_t probe;
};

struct pk_match_group {
	struct pk_match_group *next;
	uint64_t hash;
	struct entry *head, **tail;
	size_t len;
	uint8_t key[];
};

#define CHUNK (256u << 10)

struct pk_match_chunk {
	struct pk_match_chunk *next;
	size_t used, cap;
	uint64_t mem[]; /* aligned for any of the nodes */
};

/*
 * FNV-1a of all but the last two bytes, plus those two as a number:
 * keys that differ only at their end (a port scan's: the ports come
 * last) land in neighbouring buckets, so filing probes and finding
 * their answers, both in sending order, walk the table instead of
 * missing the cache on every probe. Keys with other heads still spread
 * as FNV spreads them.
 */
static uint64_t hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, n = len >= 2 ? len - 2 : len;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	if (len >= 2)
		h += (uint64_t)(p[len - 2] << 8 | p[len - 1]);
	return h;
}

static void *arena_alloc(struct pk_match *m, size_t n)
{
	struct pk_match_chunk *c = m->chunks;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;

		c = pk_xmalloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = m->chunks;
		c->used = 0;
		c->cap = cap;
		m->chunks = c;
	}
	c->used += n;
	return (char *)c->mem + c->used - n;
}

int pk_match_init(struct pk_match *m, size_t hint)
{
	size_t n = 64;

	while (n < hint * 2 && n < ((size_t)1 << 30))
		n <<= 1;
	m->buckets = pk_xcalloc(n, sizeof(*m->buckets));
	if (!m->buckets)
		return -1;
	m->nbuckets = n;
	m->ngroups = m->nentries = 0;
	m->chunks = NULL;
	return 0;
}

void pk_match_release(struct pk_match *m)
{
	struct pk_match_chunk *c = m->chunks;

	while (c) {
		struct pk_match_chunk *cn = c->next;

		pk_xfree(c);
		c = cn;
	}
	pk_xfree(m->buckets);
	memset(m, 0, sizeof(*m));
}

static int grow(struct pk_match *m)
{
	size_t n = m->nbuckets * 2, i;
	struct pk_match_group **nb = pk_xcalloc(n, sizeof(*nb));

	if (!nb)
		return -1;
	for (i = 0; i < m->nbuckets; i++) {
		struct pk_match_group *g = m->buckets[i];

		while (g) {
			struct pk_match_group *gn = g->next;
			size_t b = (size_t)(g->hash & (n - 1));

			g->next = nb[b];
			nb[b] = g;
			g = gn;
		}
	}
	pk_xfree(m->buckets);
	m->buckets = nb;
	m->nbuckets = n;
	return 0;
}

static struct pk_match_group **lookup(struct pk_match *m, const void *key,
                                      size_t len, uint64_t h)
{
	struct pk_match_group **gp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *gp; gp = &(*gp)->next)
		if ((*gp)->hash == h && (*gp)->len == len &&
		    !memcmp((*gp)->key, key, len))
			break;
	return gp;
}

int pk_match_add(struct pk_match *m, const void *key, size_t len, size_t probe)
{
	uint64_t h = hash(key, len);
	struct pk_match_group **gp, *g;
	struct entry *e;

	if (m->ngroups >= m->nbuckets && grow(m) < 0)
		return -1;
	gp = lookup(m, key, len, h);
	g = *gp;
	if (!g) {
		g = arena_alloc(m, sizeof(*g) + len);
		if (!g)
			return -1;
		g->next = NULL;
		g->hash = h;
		g->head = NULL;
		g->tail = &g->head;
		g->len = len;
		memcpy(g->key, key, len);
		*gp = g;
		m->ngroups++;
	}
	e = arena_alloc(m, sizeof(*e));
	if (!e)
		return -1;
	e->next = NULL;
	e->probe = probe;
	*g->tail = e;
	g->tail = &e->next;
	m->nentries++;
	return 0;
}

long pk_match_find(struct pk_match *m, const void *key, size_t len, bool keep,
                   int (*test)(void *ctx, size_t probe), void *ctx)
{
	uint64_t h = hash(key, len);
	struct pk_match_group **gp = lookup(m, key, len, h), *g = *gp;
	struct entry **ep, *e;

	if (!g)
		return -1;
	for (ep = &g->head; (e = *ep); ep = &e->next) {
		int r = test(ctx, e->probe);
		long probe = (long)e->probe;

		if (r < 0)
			return -2;
		if (!r)
			continue;
		if (keep)
			return probe;
		*ep = e->next;
		if (g->tail == &e->next)
			g->tail = ep;
		m->nentries--;
		if (!g->head) {
			*gp = g->next;
			m->ngroups--;
		}
		return probe;
	}
	return -1;
}
