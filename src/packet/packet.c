/*
 * packet.c - packets and layer classes as language values: constructors,
 * attributes, `/`, p[TCP], iteration over implicit sets, methods, and the
 * builtins (raw, hexdump, ls, ...) registered in a VM.
 */
#include <string.h>

#include "engine.h"

/* lang's slice object, read through its public layout (lang.h is private
 * to src/lang): start, stop, step after the object header. */
struct slice_view {
	struct pk_obj h;
	pk_val start, stop, step;
};

static struct pk_layer *L(pk_val v)
{
	return pk_as_layer(v);
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */

/* One swap of adjacent letters ('dts' for 'dst'): the typo the edit
 * distance of short names misses. */
static bool adjacent_swap(const char *a, const char *b)
{
	size_t n = strlen(a), i;

	if (n != strlen(b))
		return false;
	for (i = 0; i + 1 < n; i++) {
		if (a[i] != b[i]) {
			return a[i] == b[i + 1] && a[i + 1] == b[i] &&
			       !strcmp(a + i + 2, b + i + 2);
		}
	}
	return false;
}

static int no_such_field(struct pk_vm *vm, const struct pk_proto *p,
                         const char *name)
{
	struct pk_buf m = PK_BUF_INIT;
	struct pk_suggest sg;
	int i;

	pk_suggest_init(&sg, name);
	for (i = 0; i < p->nfields; i++)
		pk_suggest_add(&sg, p->fields[i].name);
	pk_suggest_finish(&sg, &m);
	for (i = 0; i < p->nfields && !m.len; i++)
		if (adjacent_swap(name, p->fields[i].name))
			pk_buf_addf(&m, " (did you mean '%s'?)",
			            p->fields[i].name);
	pk_raise(vm, &pk_exc_AttributeError, "no such field '%s' in %s%s", name,
	         p->name, m.buf);
	pk_buf_release(&m);
	return -1;
}

static int construct(struct pk_vm *vm, const struct pk_proto *p,
                     const struct pk_args *a, pk_val *out)
{
	struct pk_layer *l = NULL;
	int k;

	if (a->n > 1)
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() takes at most 1 positional argument "
		                "(%d given)",
		                p->name, a->n);
	if (a->n == 1) {
		pk_val b = a->v[0];
		pk_val pv;

		if (pk_is_str(b)) {
			if (pk_packet_dissect(vm, p, pk_as_str(b)->s,
			                      pk_as_str(b)->len, &pv) < 0)
				return -1;
		} else if (pk_is_bytes(b)) {
			if (pk_packet_dissect(vm, p, pk_as_bytes(b)->b,
			                      pk_as_bytes(b)->len, &pv) < 0)
				return -1;
		} else if (pk_is_packet(b)) {
			struct pk_buf buf = PK_BUF_INIT;

			if (pk_packet_build(vm, b, &buf) < 0 ||
			    pk_packet_dissect(vm, p, buf.buf, buf.len, &pv) <
			        0) {
				pk_buf_release(&buf);
				return -1;
			}
			pk_buf_release(&buf);
		} else {
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s() expects bytes to dissect, got '%s'", p->name,
			    pk_typename(b));
		}
		if (!a->nkw) {
			/* stays lazy until a field is read */
			*out = pv;
			return 0;
		}
		l = L(pv);
	} else {
		l = pk_layer_new(vm, p);
		if (!l)
			return -1;
	}
	for (k = 0; k < a->nkw; k++) {
		const char *name = a->kwnames[k]->s;
		int idx = -1;

		if (a->site && a->site->key == p && k < PK_CALLSITE_MAX_KW)
			idx = a->site->idx[k];
		else
			idx = pk_proto_field_index(p, name);
		if (idx < 0 && strcmp(name, "time") == 0) {
			double t = 0;

			if (pk_arg_float(vm, a->kwv[k], p->name, "time", &t) <
			    0)
				goto fail;
			l->time = t;
			continue;
		}
		if (idx < 0) {
			no_such_field(vm, p, name);
			goto fail;
		}
		if (pk_layer_set(vm, l, idx, a->kwv[k]) < 0)
			goto fail;
	}
	if (a->site && a->nkw <= PK_CALLSITE_MAX_KW && a->site->key != p) {
		for (k = 0; k < a->nkw; k++)
			a->site->idx[k] =
			    (int16_t)pk_proto_field_index(p, a->kwnames[k]->s);
		a->site->key = p;
	}
	*out = pk_obj_take(l);
	return 0;
fail:
	pk_decref(pk_obj_take(l));
	return -1;
}

/* ------------------------------------------------------------------ */
/* Layer classes                                                       */

static int proto_call(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	return construct(vm, ((struct pk_protoval *)self.u.o)->p, a, out);
}

static int proto_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addf(out, "<class 'pktsh.%s'>",
	            ((struct pk_protoval *)self.u.o)->p->name);
	return 0;
}

static uint64_t proto_hash(pk_val self)
{
	return (uint64_t)(uintptr_t)((struct pk_protoval *)self.u.o)->p;
}

static int proto_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                         pk_val *out)
{
	const struct pk_proto *p = ((struct pk_protoval *)self.u.o)->p;

	if (!strcmp(name->s, "name")) {
		*out = pk_str_cstr(vm, p->title);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (!strcmp(name->s, "__name__")) {
		*out = pk_str_cstr(vm, p->name);
		return pk_is_undef(*out) ? -1 : 0;
	}
	return PK_NOTIMPL;
}

/* Field names only: the CLI offers them as keywords (`IP(d<TAB>` -> dst=). */
static void proto_attrnames(pk_val self,
                            void (*add)(void *ctx, const char *name), void *ctx)
{
	const struct pk_proto *p = ((struct pk_protoval *)self.u.o)->p;
	int i;

	for (i = 0; i < p->nfields; i++)
		add(ctx, p->fields[i].name);
}

/* isinstance(p, IP): the packet's own class is its first layer's. */
static int proto_instancecheck(struct pk_vm *vm, pk_val self, pk_val x,
                               bool *out)
{
	*out = pk_is_packet(x) && pk_packet_first_proto(vm, x) ==
	                              ((struct pk_protoval *)self.u.o)->p;
	return 0;
}

const struct pk_type pk_type_proto = {
    .name = "Packet_metaclass",
    .instancecheck = proto_instancecheck,
    .doc = "a layer class: call it to make a layer",
    .repr = proto_repr,
    .getattr = proto_getattr,
    .attrnames = proto_attrnames,
    .call = proto_call,
    .hash = proto_hash,
};

static const struct pk_proto *as_proto(pk_val v)
{
	if (pk_is_type(v, &pk_type_proto))
		return ((struct pk_protoval *)v.u.o)->p;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Packet values                                                       */

static int pkt_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	return pk_layer_repr(vm, L(self), out);
}

/* str(p) is the summary line in scapy 2.5 */
static int pkt_str(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	return pk_packet_summary(vm, self, out);
}

/* scapy's NoPayload: the payload of the last layer, empty and false */
static int nop_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	return 0;
}

static int nop_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	*out = 0;
	return 0;
}

static int nop_truth(struct pk_vm *vm, pk_val self, bool *out)
{
	*out = false;
	return 0;
}

static const struct pk_type pk_type_nopayload = {
    .name = "NoPayload",
    .doc = "the payload of the last layer",
    .repr = nop_repr,
    .len = nop_len,
    .truth = nop_truth,
};

/* static: its count never reaches zero */
static struct pk_obj nopayload = {1u << 30, &pk_type_nopayload};

/* The class name Python gives a packet in messages: its first layer's
 * ('IP' for IP()/TCP()), not the name of the type table. */
static const char *class_name(pk_val v)
{
	if (pk_is_packet(v))
		return ((struct pk_layer *)v.u.o)->proto->name;
	return pk_typename(v);
}

/* Python's AttributeError, naming the class (E7 in docs/robustness.md). */
static int no_attr(struct pk_vm *vm, pk_val self, const char *name)
{
	struct pk_buf b = PK_BUF_INIT;
	struct pk_suggest sg;
	int r;

	pk_suggest_init(&sg, name);
	pk_attrnames(self, pk_suggest_add, &sg);
	pk_buf_addf(&b, "'%s' object has no attribute '%s'", class_name(self),
	            name);
	pk_suggest_finish(&sg, &b);
	r = pk_raise(vm, &pk_exc_AttributeError, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

static int pkt_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                       pk_val *out)
{
	struct pk_layer *l = L(self), *t;
	const char *n = name->s;
	int idx;

	if (!strcmp(n, "payload")) {
		if (l->payload) {
			*out = pk_layer_val(l->payload);
			return 0;
		}
		*out = pk_incref(pk_obj_take(&nopayload));
		return 0;
	}
	if (!strcmp(n, "underlayer")) {
		*out = l->under ? pk_layer_val(l->under) : pk_none();
		return 0;
	}
	if (!strcmp(n, "name")) {
		*out = pk_str_cstr(vm, l->proto->title);
		return pk_is_undef(*out) ? -1 : 0;
	}
	if (!strcmp(n, "time") || !strcmp(n, "sent_time")) {
		*out = pk_float(l->time);
		return 0;
	}
	if (!strcmp(n, "fields")) {
		pk_val d = pk_dict_new(vm);
		int i;

		if (pk_is_undef(d))
			return -1;
		/* scapy puts list defaults ([]) in fields first, then the
		 * values given */
		for (i = 0; i < 2 * l->proto->nfields; i++) {
			int fi = i % l->proto->nfields;
			bool listdef =
			    l->proto->fields[fi].kind == PK_FK_PKTLIST &&
			    !(l->st[fi] & PK_FS_SET);
			pk_val k, v;
			int r;

			if (i < l->proto->nfields ? !listdef
			                          : !(l->st[fi] & PK_FS_SET))
				continue;
			k = pk_str_cstr(vm, l->proto->fields[fi].name);
			pk_layer_expose(l, fi);
			if (pk_is_undef(k) ||
			    pk_field_get(vm, l, &l->proto->fields[fi],
			                 &l->f[fi], l->st[fi], &v) < 0) {
				pk_decref(k);
				pk_decref(d);
				return -1;
			}
			r = pk_dict_set(vm, d, k, v);
			pk_decref(k);
			pk_decref(v);
			if (r < 0) {
				pk_decref(d);
				return -1;
			}
		}
		*out = d;
		return 0;
	}
	t = pk_layer_find_field(l, n, &idx);
	if (!t)
		return no_attr(vm, self, n);
	return pk_layer_get(vm, t, idx, out);
}

static int pkt_setattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                       pk_val v)
{
	struct pk_layer *l = L(self), *t;
	int idx;

	if (!strcmp(name->s, "time") || !strcmp(name->s, "sent_time")) {
		double d = 0;

		if (pk_arg_float(vm, v, "time", "time", &d) < 0)
			return -1;
		l->time = d;
		return 0;
	}
	t = pk_layer_find_field(l, name->s, &idx);
	if (!t)
		return no_such_field(vm, l->proto, name->s);
	return pk_layer_set(vm, t, idx, v);
}

/* Was `name` a field of a layer above `upto` (listed already)? */
static bool named_above(const struct pk_layer *top, const struct pk_layer *upto,
                        const char *name)
{
	for (; top != upto; top = top->payload)
		if (pk_proto_field_index(top->proto, name) >= 0)
			return true;
	return false;
}

/* Fields of every layer, each name once (IP's and TCP's chksum are one
 * completion), then the attributes that are no methods. */
static void pkt_attrnames(pk_val self, void (*add)(void *ctx, const char *name),
                          void *ctx)
{
	const struct pk_layer *top = L(self), *l;

	for (l = top; l; l = l->payload) {
		int i;

		for (i = 0; i < l->proto->nfields; i++)
			if (!named_above(top, l, l->proto->fields[i].name))
				add(ctx, l->proto->fields[i].name);
	}
	add(ctx, "payload");
	add(ctx, "underlayer");
	add(ctx, "time");
}

static int layer_not_found(struct pk_vm *vm, const struct pk_proto *p)
{
	return pk_raise(vm, &pk_exc_IndexError, "Layer [%s] not found",
	                p->name);
}

static int pkt_getitem(struct pk_vm *vm, pk_val self, pk_val key, pk_val *out)
{
	const struct pk_proto *p = as_proto(key);
	int nth = 1;

	if (!p && key.kind == PK_K_OBJ && !strcmp(pk_typename(key), "slice")) {
		struct slice_view *s = (struct slice_view *)key.u.o;

		p = as_proto(s->start);
		if (pk_is_intlike(s->stop))
			nth = (int)s->stop.u.i;
	}
	if (!p && pk_is_str(key))
		p = pk_proto_find(vm, pk_as_str(key)->s);
	if (!p)
		return pk_raise(vm, &pk_exc_TypeError,
		                "packet indices must be layer classes, not %s",
		                pk_typename(key));
	if (pk_layer_search(vm, L(self), p, nth, out) < 0)
		return -1;
	if (pk_is_none(*out))
		return layer_not_found(vm, p);
	return 0;
}

static int pkt_len(struct pk_vm *vm, pk_val self, int64_t *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_packet_build(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = (int64_t)b.len;
	pk_buf_release(&b);
	return 0;
}

static int pkt_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	return pk_packet_iter(vm, self, out);
}

static int pkt_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	const struct pk_proto *p = as_proto(item);

	if (!p)
		return pk_raise(vm, &pk_exc_TypeError,
		                "'in <packet>' requires a layer class, not %s",
		                pk_typename(item));
	*out = pk_packet_haslayer(vm, self, p);
	return 0;
}

/* A new Raw layer holding str/bytes v, or NULL with *err = 0 if v is
 * neither. */
static struct pk_layer *raw_of(struct pk_vm *vm, pk_val v, int *err)
{
	struct pk_layer *r;

	*err = 0;
	if (!pk_is_str(v) && !pk_is_bytes(v))
		return NULL;
	r = pk_layer_new(vm, &pk_proto_raw);
	if (!r || pk_layer_set(vm, r, 0, v) < 0) {
		if (r)
			pk_decref(pk_obj_take(r));
		*err = -1;
		return NULL;
	}
	return r;
}

/*
 * Whether `/` may link the chain at l as it is instead of copying it: the
 * operand is a temporary (the interpreter holds the only reference, so
 * nobody can see the change), each layer of the chain is held only by the
 * one above it, and no field holds a packet or a list, which a copy would
 * have duplicated (they may be shared with the user's variables).
 */
static bool chain_exclusive(const struct pk_layer *l)
{
	if (l->under)
		return false;
	for (; l; l = l->payload) {
		int i;

		if (l->h.refcnt != 1 || l->lazy)
			return false;
		for (i = 0; i < l->proto->nfields; i++) {
			if (!(l->st[i] & PK_FS_OBJ))
				continue;
			if (pk_is_list(l->f[i].v) || pk_is_packet(l->f[i].v))
				return false;
		}
	}
	return true;
}

/* A packet operand of `/`: itself when it is a temporary, else a copy. */
static struct pk_layer *binop_operand(struct pk_vm *vm, pk_val v)
{
	struct pk_layer *l = L(v);

	if (chain_exclusive(l)) {
		l->h.refcnt++;
		return l;
	}
	return pk_layer_copy(vm, l);
}

/*
 * `a / b`. The operands are borrowed; one whose reference count is 1 is a
 * temporary of the expression (`Ether()/IP()/TCP()`) and is linked in
 * place instead of copied, so a caller must not use an operand it holds
 * the only reference to after the call.
 */
/*
 * Python's TypeError for an operator between a packet and a packet or a
 * plain value (int, float, bool, None), naming the packets' classes as
 * Python does ('IP', not 'Packet'). Other objects may still answer it
 * (PK_NOTIMPL: the language asks them, then says the same).
 */
static int unsupported(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b)
{
	static const char *const sym[PK_OP__COUNT] = {
	    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"};
	pk_val other = pk_is_packet(a) ? b : a;

	if (pk_is_obj(other) && !pk_is_packet(other))
		return PK_NOTIMPL;
	return pk_raise(vm, &pk_exc_TypeError,
	                "unsupported operand type(s) for %s%s: '%s' and '%s'",
	                (unsigned)op < PK_OP__COUNT ? sym[op] : "?",
	                op == PK_OP_POW ? " or pow()" : "", class_name(a),
	                class_name(b));
}

static int pkt_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
                     bool right, pk_val *out)
{
	struct pk_layer *x, *y;
	int err;

	if (op != PK_OP_DIV)
		return unsupported(vm, op, a, b);
	if (!pk_is_packet(a) && !pk_is_obj(a))
		return unsupported(vm, op, a, b);
	if (!pk_is_packet(b) && !pk_is_obj(b))
		return unsupported(vm, op, a, b);
	if (pk_is_packet(a))
		x = binop_operand(vm, a);
	else
		x = raw_of(vm, a, &err);
	if (!x)
		return pk_is_packet(a) || err ? -1 : PK_NOTIMPL;
	if (pk_is_packet(b) && L(b) == x)
		y = pk_layer_copy(vm, x); /* p/p, should p be a temporary */
	else if (pk_is_packet(b))
		y = binop_operand(vm, b);
	else
		y = raw_of(vm, b, &err);
	if (!y) {
		pk_decref(pk_obj_take(x));
		return pk_is_packet(b) || err ? -1 : PK_NOTIMPL;
	}
	pk_layer_append(x, y);
	pk_decref(pk_obj_take(y));
	*out = pk_obj_take(x);
	return 0;
}

static int pkt_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	struct pk_buf x = PK_BUF_INIT, y = PK_BUF_INIT;

	if (!pk_is_packet(a) || !pk_is_packet(b))
		return PK_NOTIMPL;
	if (pk_packet_build(vm, a, &x) < 0 || pk_packet_build(vm, b, &y) < 0) {
		pk_buf_release(&x);
		pk_buf_release(&y);
		return -1;
	}
	*out = x.len == y.len && !memcmp(x.buf, y.buf, x.len);
	pk_buf_release(&x);
	pk_buf_release(&y);
	return 0;
}

/*
 * Cycle collection (value.h, CYCLES): a field may hold a list that holds
 * the packet (`p.options = [p]`). A layer is tracked from pk_layer_new()
 * (and pk_layer_unlazy()) on; one still in its bytes owns nothing. Its
 * references are the objects in its slots and its payload.
 */
static void pkt_traverse(struct pk_obj *o, pk_visit_fn visit, void *ctx)
{
	struct pk_layer *l = (struct pk_layer *)o;
	int i;

	if (l->lazy)
		return;
	for (i = 0; i < l->proto->nfields; i++)
		if (l->st[i] & PK_FS_OBJ)
			visit(l->f[i].v, ctx);
	if (l->payload)
		visit(pk_obj_take(l->payload), ctx);
}

static void pkt_clear(struct pk_obj *o)
{
	struct pk_layer *l = (struct pk_layer *)o, *pay = l->payload;
	int i;

	if (l->lazy)
		return;
	for (i = 0; i < l->proto->nfields; i++)
		if (l->st[i] & PK_FS_OBJ) {
			pk_val v = l->f[i].v;

			pk_field_default(&l->proto->fields[i], &l->f[i],
			                 &l->st[i]);
			pk_decref(v);
		}
	if (pay) {
		l->payload = NULL;
		pay->under = NULL;
		pk_decref(pk_obj_take(pay));
	}
}

static int pkt_truth(struct pk_vm *vm, pk_val self, bool *out)
{
	*out = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Methods                                                             */

static int write_buf(struct pk_vm *vm, struct pk_buf *b, pk_val *out)
{
	if (pk_buf_failed(b)) {
		pk_buf_release(b);
		return pk_raise_nomem(vm);
	}
	pk_vm_write(vm, b->buf, b->len);
	pk_buf_release(b);
	*out = pk_none();
	return 0;
}

/* show(dump=False): print, or with dump=True return the text */
static int m_show(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	static const char *const names[] = {"dump"};
	struct pk_buf b = PK_BUF_INIT;
	pk_val v[1];
	bool dump = false;

	if (pk_args_parse(vm, a, "show", names, 1, 0, v) < 0)
		return -1;
	if (!pk_is_undef(v[0]) && pk_truth(vm, v[0], &dump) < 0)
		return -1;
	if (pk_layer_show(vm, L(self), &b, "", "") < 0) {
		pk_buf_release(&b);
		return -1;
	}
	if (dump) {
		*out = pk_str_from_buf(vm, &b);
		return pk_is_undef(*out) ? -1 : 0;
	}
	pk_buf_addch(&b, '\n');
	return write_buf(vm, &b, out);
}

static int rebuilt(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;
	int r;

	if (pk_packet_build(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	r = pk_packet_dissect(vm, L(self)->proto, b.buf, b.len, out);
	pk_buf_release(&b);
	if (r == 0)
		L(*out)->time = L(self)->time;
	return r;
}

static int m_show2(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	pk_val p;
	int r;

	if (rebuilt(vm, self, &p) < 0)
		return -1;
	r = m_show(vm, p, a, out);
	pk_decref(p);
	return r;
}

static int m_summary(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_packet_summary(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_command(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_layer_command(vm, L(self), &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_copy(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	struct pk_layer *c = pk_layer_copy(vm, L(self));

	if (!c)
		return -1;
	*out = pk_obj_take(c);
	return 0;
}

static int m_haslayer(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	static const char *const names[] = {"cls"};
	const struct pk_proto *p;
	pk_val v[1];

	if (pk_args_parse(vm, a, "haslayer", names, 1, 1, v) < 0)
		return -1;
	p = as_proto(v[0]);
	if (!p && pk_is_str(v[0]))
		p = pk_proto_find(vm, pk_as_str(v[0])->s);
	if (!p)
		return pk_raise(vm, &pk_exc_TypeError,
		                "haslayer() expects a layer class, not %s",
		                pk_typename(v[0]));
	/* scapy returns True or 0 */
	*out = pk_packet_haslayer(vm, self, p) ? pk_bool(true) : pk_int(0);
	return 0;
}

static int m_getlayer(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	static const char *const names[] = {"cls", "nb"};
	const struct pk_proto *p;
	struct pk_layer *t;
	pk_val v[2];
	int64_t nb = 1;

	if (pk_args_parse(vm, a, "getlayer", names, 2, 1, v) < 0)
		return -1;
	if (!pk_is_undef(v[1]) &&
	    pk_arg_int(vm, v[1], "getlayer", "nb", &nb) < 0)
		return -1;
	p = as_proto(v[0]);
	if (!p && pk_is_str(v[0]))
		p = pk_proto_find(vm, pk_as_str(v[0])->s);
	if (!p) {
		int64_t i;

		if (pk_arg_int(vm, v[0], "getlayer", "cls", &i) < 0)
			return -1;
		for (t = L(self); t && i > 0; i--)
			t = t->payload;
		*out = t ? pk_layer_val(t) : pk_none();
		return 0;
	}
	return pk_layer_search(vm, L(self), p, (int)nb, out);
}

static int m_lastlayer(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	struct pk_layer *t = L(self);

	while (t->payload)
		t = t->payload;
	*out = pk_layer_val(t);
	return 0;
}

static int m_layers(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	pk_val list = pk_list_new(vm, 0);
	struct pk_layer *t;

	if (pk_is_undef(list))
		return -1;
	for (t = L(self); t; t = t->payload) {
		struct pk_protoval *c = pk_registry_class(vm, t->proto);

		if (!c || pk_list_append(vm, list, pk_obj_take(c)) < 0) {
			pk_decref(list);
			return -1;
		}
	}
	*out = list;
	return 0;
}

static int m_sprintf(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"fmt"};
	struct pk_buf b = PK_BUF_INIT;
	const char *s;
	size_t n;
	pk_val v[1];

	if (pk_args_parse(vm, a, "sprintf", names, 1, 1, v) < 0 ||
	    pk_arg_str(vm, v[0], "sprintf", "fmt", &s, &n) < 0)
		return -1;
	if (pk_layer_sprintf(vm, L(self), s, n, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_str_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_packet_build(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_bytes_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_decode_payload_as(struct pk_vm *vm, pk_val self,
                               const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {"cls"};
	struct pk_layer *l = L(self);
	const struct pk_proto *p;
	struct pk_buf b = PK_BUF_INIT;
	pk_val v[1], np;

	if (pk_args_parse(vm, a, "decode_payload_as", names, 1, 1, v) < 0)
		return -1;
	p = as_proto(v[0]);
	if (!p)
		return pk_raise(vm, &pk_exc_TypeError,
		                "decode_payload_as() expects a layer class");
	if (l->payload &&
	    pk_packet_build(vm, pk_obj_take(l->payload), &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	if (pk_packet_dissect(vm, p, b.buf, b.len, &np) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	pk_buf_release(&b);
	if (l->payload) {
		l->payload->under = NULL;
		pk_decref(pk_obj_take(l->payload));
	}
	l->payload = L(np);
	L(np)->under = l;
	*out = pk_none();
	return 0;
}

static int m_answers(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"other"};
	pk_val v[1];
	bool r;

	if (pk_args_parse(vm, a, "answers", names, 1, 1, v) < 0)
		return -1;
	if (!pk_is_packet(v[0]))
		return pk_raise(vm, &pk_exc_TypeError,
		                "answers() expects a packet, not %s",
		                pk_typename(v[0]));
	if (pk_packet_answers(vm, self, v[0], &r) < 0)
		return -1;
	/* scapy returns 1 or 0 */
	*out = pk_int(r);
	return 0;
}

static int m_hashret(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_buf b = PK_BUF_INIT;

	if (pk_packet_hashret(vm, self, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	*out = pk_bytes_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_hide_defaults(struct pk_vm *vm, pk_val self,
                           const struct pk_args *a, pk_val *out)
{
	*out = pk_none();
	return 0;
}

static const struct pk_method pkt_methods[] = {
    {"show", m_show, "show() -> None: print the fields of every layer"},
    {"show2", m_show2, "show2() -> None: show() after build and dissect"},
    {"summary", m_summary, "summary() -> str: one line"},
    {"command", m_command, "command() -> str: the expression that makes it"},
    {"copy", m_copy, "copy() -> packet: a deep copy"},
    {"haslayer", m_haslayer, "haslayer(cls) -> True or 0"},
    {"getlayer", m_getlayer, "getlayer(cls, nb=1) -> packet or None"},
    {"lastlayer", m_lastlayer, "lastlayer() -> packet"},
    {"layers", m_layers, "layers() -> list of classes"},
    {"sprintf", m_sprintf, "sprintf(fmt) -> str: %IP.src% and {TCP:...}"},
    {"decode_payload_as", m_decode_payload_as,
     "decode_payload_as(cls) -> None: dissect the payload again as cls"},
    {"hide_defaults", m_hide_defaults, "hide_defaults() -> None"},
    {"answers", m_answers, "answers(other) -> 1 or 0: a reply to other?"},
    {"hashret", m_hashret, "hashret() -> bytes: same for probe and reply"},
    {"build", m_bytes, "build() -> bytes"},
    {"__bytes__", m_bytes, "__bytes__() -> bytes: the wire bytes"},
    {NULL, NULL, NULL},
};

/* type(p) is the class value its global name holds, so `type(p) is IP`
 * holds; a class no global names (shadowed by the user) has none. */
static int pkt_classof(struct pk_vm *vm, pk_val self, pk_val *out)
{
	const struct pk_proto *p = pk_packet_first_proto(vm, self);
	pk_val g;

	if (!p)
		return PK_NOTIMPL;
	g = pk_vm_get_global(vm, p->name);
	if (!pk_is_type(g, &pk_type_proto) ||
	    ((struct pk_protoval *)g.u.o)->p != p)
		return PK_NOTIMPL;
	*out = pk_incref(g);
	return 0;
}

const struct pk_type pk_type_packet = {
    .classof = pkt_classof,
    .name = "Packet",
    .doc = "a packet: a chain of layers",
    .release = pk_layer_release,
    .repr = pkt_repr,
    .str = pkt_str,
    .getattr = pkt_getattr,
    .setattr = pkt_setattr,
    .attrnames = pkt_attrnames,
    .getitem = pkt_getitem,
    .len = pkt_len,
    .iter = pkt_iter,
    .contains = pkt_contains,
    .binop = pkt_binop,
    .eq = pkt_eq,
    .truth = pkt_truth,
    .methods = pkt_methods,
    .traverse = pkt_traverse,
    .clear = pkt_clear,
    .gc_explicit = true,
};

/* ------------------------------------------------------------------ */
/* Public API                                                          */

/* time and first class are valid in a lazy packet: no decoding */
double pk_packet_time(pk_val pkt)
{
	return ((struct pk_layer *)pkt.u.o)->time;
}

void pk_packet_set_time(pk_val pkt, double t)
{
	((struct pk_layer *)pkt.u.o)->time = t;
}

bool pk_packet_haslayer(struct pk_vm *vm, pk_val pkt, const struct pk_proto *p)
{
	if (((struct pk_layer *)pkt.u.o)->proto == p)
		return true; /* the first layer: no need to decode */
	return pk_packet_peek_has(vm, pkt, p);
}

const struct pk_proto *pk_packet_first_proto(struct pk_vm *vm, pk_val pkt)
{
	return ((struct pk_layer *)pkt.u.o)->proto;
}

int pk_packet_hashret(struct pk_vm *vm, pk_val pkt, struct pk_buf *key)
{
	const struct pk_layer *l;

	for (l = L(pkt); l; l = l->payload) {
		if (l->proto->hashret && l->proto->hashret(vm, l, key) < 0)
			return -1;
	}
	return 0;
}

/*
 * scapy's answers() defaults: no payload answers only no payload (or
 * padding), Raw answers anything, other layers need the same class and
 * then their hook or their payloads decide.
 */
int pk_layer_answers(struct pk_vm *vm, const struct pk_layer *reply,
                     const struct pk_layer *probe, bool *out)
{
	if (!reply) {
		*out = !probe || (probe->proto->flags & PK_PF_PADDING);
		return 0;
	}
	if (reply->proto->flags & PK_PF_RAW) {
		*out = true;
		return 0;
	}
	if (!probe || reply->proto != probe->proto) {
		*out = false;
		return 0;
	}
	if (reply->proto->answers)
		return reply->proto->answers(vm, reply, probe, out);
	return pk_layer_answers(vm, reply->payload, probe->payload, out);
}

bool pk_conf_flag(struct pk_vm *vm, const char *name, bool def)
{
	pk_val conf = pk_vm_get_global(vm, "conf"), v;
	bool b = def;

	if (pk_is_undef(conf))
		return def;
	if (pk_getattr(vm, conf, pk_intern(name, strlen(name)), &v) < 0) {
		/* a conf without that setting (or a user's own `conf`) */
		pk_vm_clear_error(vm);
		return def;
	}
	if (pk_truth(vm, v, &b) < 0) {
		pk_vm_clear_error(vm);
		b = def;
	}
	pk_decref(v);
	return b;
}

int pk_packet_answers(struct pk_vm *vm, pk_val reply, pk_val probe, bool *out)
{
	return pk_layer_answers(vm, L(reply), L(probe), out);
}

enum pk_pkt_class pk_packet_class(struct pk_vm *vm, pk_val pkt)
{
	struct pk_layer *tmp, *l = pk_packet_peek(vm, pkt, &tmp);
	enum pk_pkt_class c = PK_CLASS_OTHER;

	for (; l; l = l->payload) {
		if (l->proto == &pk_proto_tcp)
			c = PK_CLASS_TCP;
		else if (l->proto == &pk_proto_udp)
			c = PK_CLASS_UDP;
		else if (l->proto == &pk_proto_icmp)
			c = PK_CLASS_ICMP;
		else
			continue;
		break;
	}
	pk_packet_peek_done(tmp);
	return c;
}

/* ------------------------------------------------------------------ */
/* Builtins                                                            */

static int arg_bytes(struct pk_vm *vm, pk_val v, const char *fname,
                     struct pk_buf *b)
{
	if (pk_is_packet(v))
		return pk_packet_build(vm, v, b);
	if (pk_is_bytes(v))
		return pk_buf_add(b, pk_as_bytes(v)->b, pk_as_bytes(v)->len);
	if (pk_is_str(v))
		return pk_buf_add(b, pk_as_str(v)->s, pk_as_str(v)->len);
	return pk_raise(vm, &pk_exc_TypeError,
	                "%s() expects a packet or bytes, not %s", fname,
	                pk_typename(v));
}

static int b_raw(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	static const char *const names[] = {"x"};
	/* kept from call to call: raw() in a loop then allocates only its
	 * result (a build hook calling raw() gets a buffer of its own) */
	static struct pk_buf scratch = PK_BUF_INIT;
	static bool busy;
	struct pk_buf own = PK_BUF_INIT, *b = busy ? &own : &scratch;
	pk_val v[1];
	int r;

	if (pk_args_parse(vm, a, "raw", names, 1, 1, v) < 0)
		return -1;
	pk_buf_reset(b);
	busy = true;
	r = arg_bytes(vm, v[0], "raw", b);
	if (b == &scratch)
		busy = false;
	if (r == 0 && pk_buf_failed(b))
		r = pk_raise_nomem(vm);
	if (r == 0) {
		*out = pk_bytes_new(vm, b->buf, b->len);
		if (pk_is_undef(*out))
			r = -1;
	}
	if (b == &own || b->alloc > 65536 || pk_buf_failed(b))
		pk_buf_release(b);
	return r < 0 ? -1 : 0;
}

static int b_hexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"p", "dump"};
	struct pk_buf b = PK_BUF_INIT, t = PK_BUF_INIT;
	pk_val v[2];
	bool dump = false;

	if (pk_args_parse(vm, a, "hexdump", names, 2, 1, v) < 0)
		return -1;
	if (!pk_is_undef(v[1]) && pk_truth(vm, v[1], &dump) < 0)
		return -1;
	if (arg_bytes(vm, v[0], "hexdump", &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	pk_hexdump(&t, (const uint8_t *)b.buf, b.len);
	pk_buf_release(&b);
	if (dump) {
		if (t.len)
			t.buf[--t.len] = 0; /* no final newline */
		*out = pk_str_from_buf(vm, &t);
		return pk_is_undef(*out) ? -1 : 0;
	}
	return write_buf(vm, &t, out);
}

static int b_linehexdump(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out)
{
	static const char *const names[] = {"p", "onlyasc", "onlyhex", "dump"};
	struct pk_buf b = PK_BUF_INIT, t = PK_BUF_INIT;
	pk_val v[4];
	bool onlyasc = false, onlyhex = false, dump = false;
	size_t i;

	if (pk_args_parse(vm, a, "linehexdump", names, 4, 1, v) < 0)
		return -1;
	if ((!pk_is_undef(v[1]) && pk_truth(vm, v[1], &onlyasc) < 0) ||
	    (!pk_is_undef(v[2]) && pk_truth(vm, v[2], &onlyhex) < 0) ||
	    (!pk_is_undef(v[3]) && pk_truth(vm, v[3], &dump) < 0))
		return -1;
	if (arg_bytes(vm, v[0], "linehexdump", &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	if (!onlyasc) {
		for (i = 0; i < b.len; i++)
			pk_buf_addf(&t, "%02X ", (uint8_t)b.buf[i]);
	}
	if (!onlyhex) {
		if (!onlyasc)
			pk_buf_addch(&t, ' ');
		for (i = 0; i < b.len; i++) {
			uint8_t c = (uint8_t)b.buf[i];

			pk_buf_addch(&t, c >= 32 && c < 127 ? c : '.');
		}
	}
	pk_buf_release(&b);
	if (dump) {
		*out = pk_str_from_buf(vm, &t);
		return pk_is_undef(*out) ? -1 : 0;
	}
	pk_buf_addch(&t, '\n');
	return write_buf(vm, &t, out);
}

static int b_hexstr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"p", "onlyasc", "onlyhex"};
	struct pk_buf b = PK_BUF_INIT, t = PK_BUF_INIT;
	pk_val v[3];
	size_t i;

	if (pk_args_parse(vm, a, "hexstr", names, 3, 1, v) < 0)
		return -1;
	if (arg_bytes(vm, v[0], "hexstr", &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	for (i = 0; i < b.len; i++)
		pk_buf_addf(&t, "%s%02X", i ? " " : "", (uint8_t)b.buf[i]);
	pk_buf_addstr(&t, "  ");
	for (i = 0; i < b.len; i++) {
		uint8_t c = (uint8_t)b.buf[i];

		pk_buf_addch(&t, c >= 32 && c < 127 ? c : '.');
	}
	pk_buf_release(&b);
	*out = pk_str_from_buf(vm, &t);
	return pk_is_undef(*out) ? -1 : 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b_hex_bytes(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	static const char *const names[] = {"x"};
	struct pk_buf b = PK_BUF_INIT;
	const char *s;
	size_t n, i;
	pk_val v[1];

	if (pk_args_parse(vm, a, "hex_bytes", names, 1, 1, v) < 0)
		return -1;
	if (pk_is_bytes(v[0])) {
		s = (const char *)pk_as_bytes(v[0])->b;
		n = pk_as_bytes(v[0])->len;
	} else if (pk_arg_str(vm, v[0], "hex_bytes", "x", &s, &n) < 0) {
		return -1;
	}
	if (n % 2)
		return pk_raise(vm, &pk_exc_ValueError, "Odd-length string");
	for (i = 0; i < n; i += 2) {
		int h = hexval(s[i]), lo = hexval(s[i + 1]);

		if (h < 0 || lo < 0) {
			pk_buf_release(&b);
			return pk_raise(vm, &pk_exc_ValueError,
			                "Non-hexadecimal digit found");
		}
		pk_buf_addch(&b, h * 16 + lo);
	}
	*out = pk_bytes_from_buf(vm, &b);
	return pk_is_undef(*out) ? -1 : 0;
}

static int b_bytes_hex(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	static const char *const names[] = {"x"};
	struct pk_buf b = PK_BUF_INIT, t = PK_BUF_INIT;
	pk_val v[1];

	if (pk_args_parse(vm, a, "bytes_hex", names, 1, 1, v) < 0)
		return -1;
	if (arg_bytes(vm, v[0], "bytes_hex", &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	pk_buf_addhex(&t, b.buf, b.len);
	pk_buf_release(&b);
	*out = pk_bytes_from_buf(vm, &t);
	return pk_is_undef(*out) ? -1 : 0;
}

/* scapy's class name of a field, for ls() */
static void field_class(const struct pk_field *f, struct pk_buf *out)
{
	static const char *const ints[][5] = {
	    /* DEC, HEX, ENUM, XENUM, FLAGS */
	    {"ByteField", "XByteField", "ByteEnumField", "XByteEnumField",
	     "FlagsField"},
	    {"ShortField", "XShortField", "ShortEnumField", "XShortEnumField",
	     "FlagsField"},
	    {"ThreeBytesField", "X3BytesField", "ThreeBytesField",
	     "X3BytesField", "FlagsField"},
	    {"IntField", "XIntField", "IntEnumField", "XIntEnumField",
	     "FlagsField"},
	    {"LongField", "XLongField", "LongField", "XLongField",
	     "FlagsField"},
	};

	if (f->cls) {
		pk_buf_addstr(out, f->cls);
	} else if (f->kind == PK_FK_INT &&
	           (f->bits % 8 || f->bits > 64 || f->bits == 48)) {
		pk_buf_addstr(out, f->fmt == PK_FMT_FLAGS ? "FlagsField"
		                   : f->enm               ? "BitEnumField"
		                                          : "BitField");
	} else if (f->kind == PK_FK_INT) {
		int row = f->bits == 8    ? 0
		          : f->bits == 16 ? 1
		          : f->bits == 24 ? 2
		          : f->bits == 32 ? 3
		                          : 4;
		int col = f->fmt <= PK_FMT_FLAGS ? f->fmt : 2;

		if (f->flags & PK_FF_LE)
			pk_buf_addstr(out, "LE");
		if (f->flags & PK_FF_SIGNED)
			pk_buf_addstr(out, "Signed");
		pk_buf_addstr(out, ints[row][col]);
	} else {
		static const char *const k[] = {
		    "",         "MACField",        "IPField",     "IP6Field",
		    "StrField", "PacketListField", "PacketField", "Field"};

		if (f->kind == PK_FK_BYTES && f->bits)
			pk_buf_addstr(out, "StrFixedLenField");
		else if (f->kind == PK_FK_BYTES && f->rel == PK_REL_LEN)
			pk_buf_addstr(out, "StrLenField");
		else
			pk_buf_addstr(out, f->kind < 8 ? k[f->kind] : "Field");
	}
	if (f->kind == PK_FK_INT && f->bits % 8 && f->fmt != PK_FMT_FLAGS)
		pk_buf_addf(out, "  (%u bit%s)", f->bits,
		            f->bits > 1 ? "s" : "");
	if (f->present)
		pk_buf_addstr(out, " (Cond)");
}

/* The language value of field i of l (or of the default) as repr(). */
static int value_repr(struct pk_vm *vm, const struct pk_layer *l, int i,
                      bool def, struct pk_buf *out)
{
	const struct pk_field *f = &l->proto->fields[i];
	union pk_fval v;
	uint8_t st;
	pk_val x;
	int r;

	if (def) {
		pk_field_default(f, &v, &st);
		if ((f->flags & PK_FF_AUTO) ||
		    (f->kind != PK_FK_INT && !f->defp &&
		     f->kind != PK_FK_BYTES && f->kind != PK_FK_PKTLIST)) {
			if (f->kind != PK_FK_CUSTOM) {
				pk_buf_addstr(out, "None");
				return 0;
			}
		}
	} else {
		pk_layer_effective(pk_registry(vm), l, i, &v, &st);
	}
	if (pk_field_get(vm, l, f, &v, st, &x) < 0)
		return -1;
	r = pk_repr(vm, x, out);
	pk_decref(x);
	return r;
}

static int ls_proto(struct pk_vm *vm, const struct pk_proto *p,
                    const struct pk_layer *l, struct pk_buf *out)
{
	struct pk_layer *tmp = NULL;
	int i, rc = 0;

	if (!l) {
		tmp = pk_layer_new(vm, p);
		if (!tmp)
			return -1;
	}
	for (i = 0; i < p->nfields && !rc; i++) {
		const struct pk_field *f = &p->fields[i];
		struct pk_buf cls = PK_BUF_INIT, d = PK_BUF_INIT,
		              v = PK_BUF_INIT;

		field_class(f, &cls);
		rc = value_repr(vm, l ? l : tmp, i, true, &d);
		if (!rc && l)
			rc = value_repr(vm, l, i, false, &v);
		if (!rc) {
			pk_buf_addf(out, "%-10s : %-35s = ", f->name, cls.buf);
			if (l)
				pk_buf_addf(out, "%-15s ", v.buf);
			pk_buf_addch(out, '(');
			pk_repr_pystr(out, d.buf, d.len);
			pk_buf_addstr(out, ")\n");
		}
		pk_buf_release(&cls);
		pk_buf_release(&d);
		pk_buf_release(&v);
	}
	if (tmp)
		pk_decref(pk_obj_take(tmp));
	return rc;
}

static int b_ls(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                pk_val *out)
{
	static const char *const names[] = {"obj"};
	struct pk_buf b = PK_BUF_INIT;
	pk_val v[1];

	if (pk_args_parse(vm, a, "ls", names, 1, 0, v) < 0)
		return -1;
	if (pk_is_undef(v[0])) {
		const struct pk_proto **ps;
		size_t n = pk_registry_protos(vm, &ps), i;

		for (i = 0; i < n; i++)
			pk_buf_addf(&b, "%-10s : %s\n", ps[i]->name,
			            ps[i]->title);
	} else if (as_proto(v[0])) {
		if (ls_proto(vm, as_proto(v[0]), NULL, &b) < 0) {
			pk_buf_release(&b);
			return -1;
		}
	} else if (pk_is_packet(v[0])) {
		const struct pk_layer *l;

		for (l = L(v[0]); l; l = l->payload) {
			if (ls_proto(vm, l->proto, l, &b) < 0) {
				pk_buf_release(&b);
				return -1;
			}
			if (l->payload)
				pk_buf_addstr(&b, "--\n");
		}
	} else {
		return pk_raise(vm, &pk_exc_TypeError,
		                "ls() expects a layer class or a packet");
	}
	return write_buf(vm, &b, out);
}

static const struct pk_method builtins[] = {
    {"raw", b_raw, "raw(p) -> bytes: the wire bytes of a packet"},
    {"hexdump", b_hexdump, "hexdump(p, dump=False): offsets, hex, ASCII"},
    {"linehexdump", b_linehexdump,
     "linehexdump(p, onlyasc=0, onlyhex=0, dump=False)"},
    {"hexstr", b_hexstr, "hexstr(p) -> str: hex bytes and ASCII"},
    {"hex_bytes", b_hex_bytes, "hex_bytes(s) -> bytes: decode hex text"},
    {"bytes_hex", b_bytes_hex, "bytes_hex(p) -> bytes: hex of the bytes"},
    {"ls", b_ls, "ls(cls_or_packet=None): list layers or fields"},
    {NULL, NULL, NULL},
};

int pk_packet_register(struct pk_vm *vm)
{
	const struct pk_proto **ps;
	size_t n, i;
	const struct pk_method *m;

	if (!pk_registry(vm))
		return -1;
	n = pk_registry_protos(vm, &ps);
	for (i = 0; i < n; i++) {
		struct pk_protoval *c = pk_registry_class(vm, ps[i]);

		if (!c || pk_vm_set_global(vm, ps[i]->name, pk_obj_take(c)) < 0)
			return -1;
	}
	for (m = builtins; m->name; m++) {
		pk_val f;
		int r;

		/* raw/hexdump are ours; the others only if lang has none */
		if (strcmp(m->name, "raw") && strcmp(m->name, "hexdump") &&
		    strcmp(m->name, "ls") && strcmp(m->name, "linehexdump") &&
		    strcmp(m->name, "hexstr") &&
		    !pk_is_undef(pk_vm_get_global(vm, m->name)))
			continue;
		f = pk_cfunc_new(vm, m, pk_none());
		if (pk_is_undef(f))
			return -1;
		r = pk_vm_set_global(vm, m->name, f);
		pk_decref(f);
		if (r < 0)
			return -1;
	}
	return 0;
}
