/*
 * gc.c - the cycle collector (trial deletion; the rule is in value.h,
 * "CYCLES").
 *
 * Tracked objects sit in one process-wide table, like the intern table
 * and the free trashcan: values never cross threads. Each object keeps
 * its table index (plus one; 0 is "not tracked") in the padding after
 * its refcnt, so tracking and untracking are O(1) without a bigger
 * header; on ABIs without that padding nothing is tracked and cycles
 * leak as they did before.
 *
 * A collection costs one pass over the tracked objects and their
 * references. It runs when the tracked objects made since the last one
 * exceed GC_MIN plus those that survived it, so its cost is amortised
 * over the allocations (Lua's "pause") and a program without containers
 * never pays it.
 */
#include <stddef.h>
#include <stdint.h>

#include "lang.h"

#define GC_MIN       10000
#define GC_REACHABLE 0x80000000u

#if UINTPTR_MAX > 0xffffffffu
_Static_assert(offsetof(struct pk_obj, type) >= 2 * sizeof(uint32_t),
               "pk_obj has no padding for the collector's index");
#define GC_ENABLED 1
#else
#define GC_ENABLED 0
#endif

/*
 * The table grows by small pages that never move. A doubling array left
 * holes in the heap, and 64 KiB pages (glibc's consolidation threshold)
 * made glibc consolidate its free lists on about every later free: +8%
 * and +15% of the dissect benchmark's instructions.
 */
#define PAGE_BITS 8
#define PAGE_N    ((size_t)1 << PAGE_BITS)
#define NONE      UINT32_MAX

struct gc_ent {
	struct pk_obj *o;
	uint32_t refs;
	uint32_t next; /* the mark stack, threaded through the table */
};

static struct gc_ent **pages;
static size_t npages, cappages, ntab;
static size_t made_since, threshold = GC_MIN;
static bool collecting;
/* garbage of a collection; kept between collections (no heap holes) */
static struct pk_obj **garbage;
static size_t capgarbage;

static inline struct gc_ent *ent(size_t i)
{
	return &pages[i >> PAGE_BITS][i & (PAGE_N - 1)];
}

static uint32_t *slot_of(struct pk_obj *o)
{
	return pk_gc_slot_(o);
}

/* table index of o, or SIZE_MAX if o is not tracked */
static size_t index_of(struct pk_obj *o)
{
	uint32_t i = *slot_of(o);

	if (i == 0 || i > ntab || ent(i - 1)->o != o)
		return SIZE_MAX;
	return i - 1;
}

void pk_gc_track_(struct pk_obj *o)
{
	struct gc_ent *e;

	if (!GC_ENABLED || ntab >= UINT32_MAX - 1)
		return;
	if (ntab == npages * PAGE_N) {
		struct gc_ent *pg;

		if (npages == cappages) {
			size_t nc = cappages ? cappages * 2 : 16;
			struct gc_ent **np =
			    pk_xrealloc(pages, nc * sizeof(*np));

			if (!np)
				return; /* untracked: a cycle through it leaks */
			pages = np;
			cappages = nc;
		}
		pg = pk_xmalloc(PAGE_N * sizeof(*pg));
		if (!pg)
			return;
		pages[npages++] = pg;
	}
	e = ent(ntab);
	e->o = o;
	e->refs = 0;
	*slot_of(o) = (uint32_t)++ntab;
	made_since++;
}

void pk_gc_untrack_(struct pk_obj *o)
{
	size_t i;

	if (!GC_ENABLED)
		return;
	i = index_of(o);
	if (i == SIZE_MAX)
		return;
	*slot_of(o) = 0;
	if (i != --ntab) {
		*ent(i) = *ent(ntab);
		*slot_of(ent(i)->o) = (uint32_t)i + 1;
	}
	/* keep one spare page: no free/alloc churn at a page boundary */
	while (npages > 1 && ntab + 2 * PAGE_N <= npages * PAGE_N)
		pk_xfree(pages[--npages]);
}

bool pk_gc_is_tracked_(struct pk_obj *o)
{
	return GC_ENABLED && index_of(o) != SIZE_MAX;
}

void pk_gc_track(struct pk_obj *o)
{
	if (!*slot_of(o))
		pk_gc_track_(o);
}

void pk_gc_untrack(struct pk_obj *o)
{
	if (*slot_of(o))
		pk_gc_untrack_(o);
}

bool pk_gc_is_tracked(struct pk_obj *o)
{
	return *slot_of(o) != 0;
}

bool pk_gc_trackable(pk_val v)
{
	return pk_gc_trackable_(v);
}

bool pk_gc_due(void)
{
	return made_since >= threshold;
}

size_t pk_gc_tracked(void)
{
	return ntab;
}

static void visit_subtract(pk_val v, void *ctx)
{
	size_t i;

	if (!pk_is_obj(v))
		return;
	i = index_of(v.u.o);
	if (i != SIZE_MAX && ent(i)->refs)
		ent(i)->refs--;
}

static void visit_mark(pk_val v, void *ctx)
{
	uint32_t *head = ctx;
	size_t i;
	struct gc_ent *e;

	if (!pk_is_obj(v))
		return;
	i = index_of(v.u.o);
	if (i == SIZE_MAX)
		return;
	e = ent(i);
	if (e->refs & GC_REACHABLE)
		return;
	e->refs |= GC_REACHABLE;
	e->next = *head;
	*head = (uint32_t)i;
}

size_t pk_gc_collect(void)
{
	size_t i, n = ntab, ngarbage = 0;
	uint32_t head = NONE;

	if (collecting || !n)
		return 0;
	collecting = true;
	/* 1. references from outside = refcnt - references from tracked */
	for (i = 0; i < n; i++)
		ent(i)->refs = ent(i)->o->refcnt & ~GC_REACHABLE;
	for (i = 0; i < n; i++)
		ent(i)->o->type->traverse(ent(i)->o, visit_subtract, NULL);
	/* 2. what is held from outside, and all it reaches, survives */
	for (i = 0; i < n; i++) {
		struct gc_ent *e = ent(i);

		if (e->refs && !(e->refs & GC_REACHABLE)) {
			e->refs |= GC_REACHABLE;
			e->next = head;
			head = (uint32_t)i;
		}
	}
	while (head != NONE) {
		struct gc_ent *e = ent(head);

		head = e->next;
		e->o->type->traverse(e->o, visit_mark, &head);
	}
	/* 3. the rest is garbage: hold it, clear it, let go of it. The
	 * pointers are copied out first: freeing may reorder the table. */
	for (i = 0; i < n; i++)
		if (!(ent(i)->refs & GC_REACHABLE))
			ngarbage++;
	if (ngarbage > capgarbage) {
		struct pk_obj **ng =
		    pk_xrealloc(garbage, ngarbage * sizeof(*ng));

		if (!ng) {
			ngarbage = 0;
			goto out;
		}
		garbage = ng;
		capgarbage = ngarbage;
	}
	ngarbage = 0;
	for (i = 0; i < n; i++)
		if (!(ent(i)->refs & GC_REACHABLE)) {
			garbage[ngarbage] = ent(i)->o;
			pk_incref(pk_obj_take(garbage[ngarbage]));
			ngarbage++;
		}
	for (i = 0; i < ngarbage; i++)
		if (garbage[i]->type->clear)
			garbage[i]->type->clear(garbage[i]);
	for (i = 0; i < ngarbage; i++)
		pk_decref(pk_obj_take(garbage[i]));
out:
	threshold = GC_MIN + ntab;
	made_since = 0;
	collecting = false;
	return ngarbage;
}
