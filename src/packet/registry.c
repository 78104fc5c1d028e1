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

static void reg_free(void *p)
{
	struct pk_registry *r = p;
	size_t i;

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

const struct pk_proto *pk_registry_guess(struct pk_registry *r,
                                         const struct pk_layer *l)
{
	size_t i;

	for (i = 0; i < r->nb; i++) {
		const struct pk_rbind *b = &r->binds[i];
		int k;

		if (b->lower != l->proto || b->dir == PK_BIND_BUILD)
			continue;
		for (k = 0; k < b->nc; k++)
			if (l->f[b->idx[k]].u != b->val[k])
				break;
		if (k == b->nc)
			return b->upper;
	}
	return NULL;
}

bool pk_binding_overload(struct pk_registry *r, const struct pk_layer *l, int i,
                         uint64_t *val)
{
	const struct pk_rbind *found = NULL;
	size_t k;
	int c;

	if (!r || !l->payload)
		return false;
	/* the last row registered for the pair wins, as scapy's
	 * overload_fields dict update does */
	for (k = r->nb; k-- > 0;) {
		const struct pk_rbind *b = &r->binds[k];

		if (b->lower == l->proto && b->upper == l->payload->proto &&
		    b->dir != PK_BIND_DISSECT) {
			found = b;
			break;
		}
	}
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
