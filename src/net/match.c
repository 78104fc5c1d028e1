/*
 * match.c - probes waiting for answers, filed by their hashret() bytes.
 *
 * scapy's hsent dict: a reply's hashret() picks the probes that could be
 * answered by it in O(1), and only those are asked answers(). Probes
 * with the same key form a group kept in sending order, because scapy
 * pairs a reply with the earliest probe it answers.
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

static uint64_t fnv1a(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
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
	return 0;
}

void pk_match_release(struct pk_match *m)
{
	size_t i;

	for (i = 0; i < m->nbuckets; i++) {
		struct pk_match_group *g = m->buckets[i];

		while (g) {
			struct pk_match_group *gn = g->next;
			struct entry *e = g->head;

			while (e) {
				struct entry *en = e->next;

				pk_xfree(e);
				e = en;
			}
			pk_xfree(g);
			g = gn;
		}
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
	uint64_t h = fnv1a(key, len);
	struct pk_match_group **gp, *g;
	struct entry *e;

	if (m->ngroups >= m->nbuckets && grow(m) < 0)
		return -1;
	gp = lookup(m, key, len, h);
	g = *gp;
	if (!g) {
		g = pk_xmalloc(sizeof(*g) + len);
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
	e = pk_xmalloc(sizeof(*e));
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
	uint64_t h = fnv1a(key, len);
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
		pk_xfree(e);
		m->nentries--;
		if (!g->head) {
			*gp = g->next;
			pk_xfree(g);
			m->ngroups--;
		}
		return probe;
	}
	return -1;
}
