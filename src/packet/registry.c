/*
 * registry.c - the per-VM registry of protocols and binding rows.
 *
 * Built-in protos (static const tables) and run-time ones (user classes)
 * go through pk_registry_add_proto(); binding rows through
 * pk_registry_bind(), which resolves field names to indices once.
 */
#include <string.h>

#include "engine.h"

static const char reg_key; /* module data key */

/* pk_registry_may_reach()'s answers, direct-mapped by (from, to) */
#define REACH_SIZE 256
static const char reach_key;
struct reach_cache {
	struct {
		const struct pk_proto *from, *to; /* from NULL: empty */
		bool r;
	} e[REACH_SIZE];
};

static void reach_clear(struct pk_vm *vm)
{
	struct reach_cache *rc = pk_vm_module_data(vm, &reach_key);

	if (rc)
		memset(rc, 0, sizeof(*rc));
}

static void gcache_clear(struct pk_registry *r)
{
	size_t i;

	for (i = 0; i < PK_BCACHE_SIZE; i++)
		pk_xfree(r->gcache[i].rows);
	memset(r->gcache, 0, sizeof(r->gcache));
}

static void reg_free(void *p)
{
	struct pk_registry *r = p;
	size_t i;

	gcache_clear(r);
	for (i = 0; i < r->n; i++)
		if (r->classes[i])
			pk_decref(pk_obj_take(r->classes[i]));
	for (i = 0; i < r->nfrees; i++)
		r->frees[i].fn(r->frees[i].arg);
	pk_xfree(r->frees);
	pk_xfree(r->protos);
	pk_xfree(r->classes);
	pk_xfree(r->binds);
	pk_xfree(r);
}

static int add_builtins(struct pk_vm *vm);

struct pk_registry *pk_registry(struct pk_vm *vm)
{
	struct pk_registry *r = pk_vm_module_data(vm, &reg_key);

	if (r)
		return r;
	r = pk_xcalloc(1, sizeof(*r));
	if (!r) {
		pk_raise_nomem(vm);
		return NULL;
	}
	if (pk_vm_set_module_data(vm, &reg_key, r, reg_free) < 0) {
		reg_free(r);
		return NULL;
	}
	if (add_builtins(vm) < 0)
		return NULL;
	return r;
}

static int add_proto_nobind(struct pk_vm *vm, struct pk_registry *r,
                            const struct pk_proto *p)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->protos[i] == p)
			return 0;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		const struct pk_proto **np =
		    pk_xrealloc(r->protos, nc * sizeof(*np));
		struct pk_protoval **ncl;

		if (!np)
			return pk_raise_nomem(vm);
		r->protos = np;
		ncl = pk_xrealloc(r->classes, nc * sizeof(*ncl));
		if (!ncl)
			return pk_raise_nomem(vm);
		r->classes = ncl;
		r->cap = nc;
	}
	r->protos[r->n] = p;
	r->classes[r->n] = NULL;
	r->n++;
	return 0;
}

int pk_registry_add_proto(struct pk_vm *vm, const struct pk_proto *p,
                          void (*free_fn)(void *), void *free_arg)
{
	struct pk_registry *r = pk_registry(vm);
	const struct pk_binding *b;

	if (!r)
		return -1;
	if (p->nfields && !p->fields)
		return pk_raise(vm, &pk_exc_ValueError,
		                "protocol '%s' has no field table", p->name);
	if (add_proto_nobind(vm, r, p) < 0)
		return -1;
	if (free_fn) {
		void *nf =
		    pk_xrealloc(r->frees, (r->nfrees + 1) * sizeof(*r->frees));

		if (!nf) {
			free_fn(free_arg);
			return pk_raise_nomem(vm);
		}
		r->frees = nf;
		r->frees[r->nfrees].fn = free_fn;
		r->frees[r->nfrees].arg = free_arg;
		r->nfrees++;
	}
	for (b = p->binds; b && b->lower; b++)
		if (pk_registry_bind(vm, b) < 0)
			return -1;
	return 0;
}

int pk_registry_bind(struct pk_vm *vm, const struct pk_binding *b)
{
	struct pk_registry *r = pk_registry(vm);
	struct pk_rbind rb;
	int i;

	if (!r)
		return -1;
	memset(&rb, 0, sizeof(rb));
	rb.lower = b->lower;
	rb.upper = b->upper;
	rb.dir = b->dir;
	for (i = 0; i < PK_BIND_MAXC && b->c[i].field; i++) {
		int idx = pk_proto_field_index(b->lower, b->c[i].field);

		if (idx < 0) {
			struct pk_buf m = PK_BUF_INIT;
			struct pk_suggest sg;
			int k;

			pk_suggest_init(&sg, b->c[i].field);
			for (k = 0; k < b->lower->nfields; k++)
				pk_suggest_add(&sg, b->lower->fields[k].name);
			pk_suggest_finish(&sg, &m);
			pk_raise(vm, &pk_exc_AttributeError,
			         "no such field '%s' in %s%s", b->c[i].field,
			         b->lower->name, m.buf);
			pk_buf_release(&m);
			return -1;
		}
		rb.idx[i] = (int16_t)idx;
		rb.val[i] = b->c[i].value;
	}
	rb.nc = (uint8_t)i;
	if (r->nb == r->capb) {
		size_t nc = r->capb ? r->capb * 2 : 64;
		struct pk_rbind *nb = pk_xrealloc(r->binds, nc * sizeof(*nb));

		if (!nb)
			return pk_raise_nomem(vm);
		r->binds = nb;
		r->capb = nc;
	}
	r->binds[r->nb++] = rb;
	/* a new row may win a pair, and the rows may have moved */
	memset(r->bcache, 0, sizeof(r->bcache));
	gcache_clear(r);
	reach_clear(vm);
	pk_dissect_skim_forget(vm);
	/* both ends become known classes */
	if (add_proto_nobind(vm, r, b->lower) < 0 ||
	    add_proto_nobind(vm, r, b->upper) < 0)
		return -1;
	return 0;
}

size_t pk_registry_protos(struct pk_vm *vm, const struct pk_proto ***out)
{
	struct pk_registry *r = pk_registry(vm);

	if (!r) {
		*out = NULL;
		return 0;
	}
	*out = r->protos;
	return r->n;
}

static bool row_matches(const struct pk_rbind *b, const struct pk_layer *l)
{
	int k;

	for (k = 0; k < b->nc; k++)
		if (l->f[b->idx[k]].u != b->val[k])
			return false;
	return true;
}

static size_t bucket(const struct pk_proto *p)
{
	return (size_t)((((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15u) >> 32) %
	                PK_BCACHE_SIZE);
}

/* The dissect rows of `lower` in order; NULL when out of memory. */
static const struct pk_gcache *guess_rows(struct pk_registry *r,
                                          const struct pk_proto *lower)
{
	struct pk_gcache *e = &r->gcache[bucket(lower)];
	size_t i, n = 0;

	if (e->lower == lower)
		return e;
	pk_xfree(e->rows);
	memset(e, 0, sizeof(*e));
	for (i = 0; i < r->nb; i++)
		if (r->binds[i].lower == lower &&
		    r->binds[i].dir != PK_BIND_BUILD)
			n++;
	e->rows = pk_xmalloc((n ? n : 1) * sizeof(*e->rows));
	if (!e->rows)
		return NULL;
	for (i = 0; i < r->nb; i++)
		if (r->binds[i].lower == lower &&
		    r->binds[i].dir != PK_BIND_BUILD)
			e->rows[e->n++] = (uint32_t)i;
	e->lower = lower;
	return e;
}

const struct pk_proto *pk_registry_guess(struct pk_registry *r,
                                         const struct pk_layer *l)
{
	const struct pk_gcache *g = guess_rows(r, l->proto);
	size_t i;

	if (g) {
		for (i = 0; i < g->n; i++)
			if (row_matches(&r->binds[g->rows[i]], l))
				return r->binds[g->rows[i]].upper;
		return NULL;
	}
	/* no memory for the index: the same answer the long way */
	for (i = 0; i < r->nb; i++) {
		const struct pk_rbind *b = &r->binds[i];

		if (b->lower == l->proto && b->dir != PK_BIND_BUILD &&
		    row_matches(b, l))
			return b->upper;
	}
	return NULL;
}

static const struct pk_rbind *scan_build_row(const struct pk_registry *r,
                                             const struct pk_proto *lower,
                                             const struct pk_proto *upper)
{
	size_t k;

	for (k = r->nb; k-- > 0;) {
		const struct pk_rbind *b = &r->binds[k];

		if (b->lower == lower && b->upper == upper &&
		    b->dir != PK_BIND_DISSECT)
			return b;
	}
	return NULL;
}

const struct pk_rbind *pk_registry_build_row(struct pk_registry *r,
                                             const struct pk_proto *lower,
                                             const struct pk_proto *upper)
{
	uint64_t h = ((uint64_t)(uintptr_t)lower * 0x9e3779b97f4a7c15u) ^
	             ((uint64_t)(uintptr_t)upper * 0xc2b2ae3d27d4eb4fu);
	struct pk_bcache *e = &r->bcache[(size_t)((h >> 32) % PK_BCACHE_SIZE)];

	if (e->lower != lower || e->upper != upper) {
		e->lower = lower;
		e->upper = upper;
		e->row = scan_build_row(r, lower, upper);
	}
	return e->row;
}

bool pk_binding_overload(struct pk_registry *r, const struct pk_layer *l, int i,
                         uint64_t *val)
{
	const struct pk_rbind *found;
	int c;

	if (!r || !l->payload)
		return false;
	found = pk_registry_build_row(r, l->proto, l->payload->proto);
	if (!found)
		return false;
	for (c = 0; c < found->nc; c++) {
		if (found->idx[c] == i) {
			*val = found->val[c];
			return true;
		}
	}
	return false;
}

void pk_packet_set_route_hooks(struct pk_vm *vm, const struct pk_route_hooks *h)
{
	struct pk_registry *r = pk_registry(vm);

	if (!r)
		return;
	if (h)
		r->hooks = *h;
	else
		memset(&r->hooks, 0, sizeof(r->hooks));
}

const struct pk_route_hooks *pk_packet_route_hooks(struct pk_vm *vm)
{
	struct pk_registry *r = pk_registry(vm);

	return r ? &r->hooks : NULL;
}

static int add_builtins(struct pk_vm *vm)
{
	const struct pk_proto *const *const *lists;
	size_t n = pk_builtin_lists(&lists), i;

	for (i = 0; i < n; i++) {
		const struct pk_proto *const *p;

		if (!lists[i])
			continue;
		for (p = lists[i]; *p; p++)
			if (pk_registry_add_proto(vm, *p, NULL, NULL) < 0)
				return -1;
	}
	return 0;
}

const struct pk_proto *pk_proto_find(struct pk_vm *vm, const char *name)
{
	struct pk_registry *r = pk_registry(vm);
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->protos[i]->name, name))
			return r->protos[i];
	return NULL;
}

const char *pk_proto_name(const struct pk_proto *p)
{
	return p->name;
}

struct pk_protoval *pk_registry_class(struct pk_vm *vm,
                                      const struct pk_proto *p)
{
	struct pk_registry *r = pk_registry(vm);
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < r->n; i++) {
		if (r->protos[i] != p)
			continue;
		if (!r->classes[i]) {
			struct pk_protoval *c =
			    pk_obj_alloc(&pk_type_proto, sizeof(*c));

			if (!c) {
				pk_raise_nomem(vm);
				return NULL;
			}
			c->p = p;
			r->classes[i] = c;
		}
		return r->classes[i];
	}
	pk_raise(vm, &pk_exc_NameError, "protocol '%s' is not registered",
	         p->name);
	return NULL;
}

/* Add p to the set `seen` unless it is there; false when out of memory. */
static bool seen_add(const struct pk_proto ***seen, size_t *n, size_t *cap,
                     const struct pk_proto *p)
{
	size_t k;

	for (k = 0; k < *n; k++)
		if ((*seen)[k] == p)
			return true;
	if (*n == *cap) {
		const struct pk_proto **ns =
		    pk_xrealloc(*seen, 2 * *cap * sizeof(*ns));

		if (!ns)
			return false;
		*seen = ns;
		*cap *= 2;
	}
	(*seen)[(*n)++] = p;
	return true;
}

/* Is `to` among the classes reachable from `from` (see engine.h)? */
static bool reach_search(struct pk_registry *r, const struct pk_proto *from,
                         const struct pk_proto *to)
{
	const struct pk_proto **seen;
	size_t n = 0, next = 0, cap = r->n + 2, i;
	bool found = false;

	seen = pk_xmalloc(cap * sizeof(*seen));
	if (!seen)
		return true; /* cannot tell: say it may */
	seen[n++] = from;
	while (next < n && !found) {
		const struct pk_proto *p = seen[next++];

		if (p == to || p->guess_payload) {
			found = true;
			break;
		}
		if (p->flags & PK_PF_RAW)
			continue;
		/* a dissect hook may rename its layer (DNS over TCP's twin
		 * becomes DNS), never re-shape it: it becomes a class of the
		 * same field table */
		for (i = 0; p->dissect && p->fields && i < r->n && !found; i++)
			if (r->protos[i]->fields == p->fields &&
			    !seen_add(&seen, &n, &cap, r->protos[i]))
				found = true; /* out of memory: it may */
		for (i = 0; i < r->nb && !found; i++) {
			const struct pk_rbind *b = &r->binds[i];

			if (b->lower == p && b->dir != PK_BIND_BUILD &&
			    !seen_add(&seen, &n, &cap, b->upper))
				found = true;
		}
	}
	pk_xfree(seen);
	return found;
}

bool pk_registry_may_reach(struct pk_vm *vm, const struct pk_proto *from,
                           const struct pk_proto *to)
{
	struct pk_registry *r = pk_registry(vm);
	struct reach_cache *rc = pk_vm_module_data(vm, &reach_key);
	uint64_t h = ((uint64_t)(uintptr_t)from * 0x9e3779b97f4a7c15u) ^
	             ((uint64_t)(uintptr_t)to * 0xc2b2ae3d27d4eb4fu);
	size_t k = (size_t)((h >> 32) % REACH_SIZE);

	if (from == to)
		return true;
	if (!r) {
		pk_vm_clear_error(vm);
		return true;
	}
	if (!rc) {
		rc = pk_xcalloc(1, sizeof(*rc));
		if (rc &&
		    pk_vm_set_module_data(vm, &reach_key, rc, pk_xfree) < 0) {
			pk_xfree(rc);
			rc = NULL;
		}
		if (!rc) {
			pk_vm_clear_error(vm);
			return reach_search(r, from, to);
		}
	}
	if (rc->e[k].from != from || rc->e[k].to != to) {
		rc->e[k].from = from;
		rc->e[k].to = to;
		rc->e[k].r = reach_search(r, from, to);
	}
	return rc->e[k].r;
}

bool pk_registry_in_field(struct pk_vm *vm, const struct pk_proto *p)
{
	struct pk_registry *r;
	struct pk_infield *e;
	size_t i;
	int k;

	if (p->flags & PK_PF_NOPAYLOAD_GUESS)
		return true;
	r = pk_registry(vm);
	if (!r) {
		pk_vm_clear_error(vm);
		return true; /* cannot tell: say it may */
	}
	if (r->infield_n != r->n) {
		memset(r->infield, 0, sizeof(r->infield));
		r->infield_n = r->n;
	}
	e = &r->infield[((uintptr_t)p >> 4) % 64];
	if (e->p == p)
		return e->r;
	e->p = p;
	e->r = false;
	for (i = 0; i < r->n && !e->r; i++)
		for (k = 0; k < r->protos[i]->nfields; k++)
			if (r->protos[i]->fields[k].sub == p)
				e->r = true;
	return e->r;
}
