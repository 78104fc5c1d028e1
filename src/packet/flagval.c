/*
 * flagval.c - the value of a flags field (p.flags): prints as "SA" or
 * "MF+DF", compares with ints and strings, supports 'S' in p.flags and
 * int() through __int__.
 */
#include <string.h>

#include "engine.h"

struct flagval {
	struct pk_obj h;
	const struct pk_field *f;
	uint64_t v;
};

static struct flagval *FV(pk_val v)
{
	return (struct flagval *)v.u.o;
}

pk_val pk_flagval_new(struct pk_vm *vm, const struct pk_field *f, uint64_t v)
{
	struct flagval *o = pk_obj_alloc(&pk_type_flagval, sizeof(*o));

	if (!o) {
		pk_raise_nomem(vm);
		return pk_undef();
	}
	o->f = f;
	o->v = v;
	return pk_obj_take(o);
}

bool pk_flagval_get(pk_val v, uint64_t *out)
{
	if (!pk_is_type(v, &pk_type_flagval))
		return false;
	*out = FV(v)->v;
	return true;
}

/* str(): "SA"; repr(): "<Flag 18 (SA)>", as scapy's FlagValue */
static int fv_str(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_fmt_flags(out, FV(self)->f->enm, FV(self)->v);
	return 0;
}

static int fv_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addf(out, "<Flag %llu (", (unsigned long long)FV(self)->v);
	pk_fmt_flags(out, FV(self)->f->enm, FV(self)->v);
	pk_buf_addstr(out, ")>");
	return 0;
}

/* The other operand as flag bits: int, flag value, or flag letters. */
static int other_bits(struct pk_vm *vm, const struct pk_field *f, pk_val o,
                      uint64_t *out)
{
	if (pk_is_intlike(o)) {
		*out = (uint64_t)o.u.i;
		return 0;
	}
	if (pk_flagval_get(o, out))
		return 0;
	if (pk_is_str(o)) {
		struct pk_layer dummy;
		union pk_fval s;
		uint8_t st = 0;
		static const struct pk_proto flags_proto = {.name = "flags"};

		memset(&dummy, 0, sizeof(dummy));
		dummy.proto = &flags_proto;
		if (pk_field_scalar(vm, &dummy, f, o, &s, &st) < 0)
			return -1;
		*out = s.u;
		return 0;
	}
	return PK_NOTIMPL;
}

static int fv_eq(struct pk_vm *vm, pk_val a, pk_val b, bool *out)
{
	uint64_t x = 0, y = 0;
	int r;

	if (!pk_flagval_get(a, &x)) {
		pk_val t = a;

		a = b;
		b = t;
		pk_flagval_get(a, &x);
	}
	r = other_bits(vm, FV(a)->f, b, &y);
	if (r < 0) {
		pk_vm_clear_error(vm);
		*out = false;
		return 0;
	}
	if (r == PK_NOTIMPL)
		return PK_NOTIMPL;
	*out = x == y;
	return 0;
}

static int fv_cmp(struct pk_vm *vm, pk_val a, pk_val b, int *out)
{
	uint64_t x = 0, y = 0;
	bool swapped = false;

	if (!pk_flagval_get(a, &x)) {
		pk_val t = a;

		a = b;
		b = t;
		swapped = true;
		pk_flagval_get(a, &x);
	}
	if (!pk_is_intlike(b) && !pk_flagval_get(b, &y))
		return PK_NOTIMPL;
	if (pk_is_intlike(b))
		y = (uint64_t)b.u.i;
	*out = x < y ? -1 : x > y;
	if (swapped)
		*out = -*out;
	return 0;
}

static int fv_contains(struct pk_vm *vm, pk_val self, pk_val item, bool *out)
{
	uint64_t y;
	int r = other_bits(vm, FV(self)->f, item, &y);

	if (r < 0) {
		pk_vm_clear_error(vm);
		*out = false;
		return 0;
	}
	if (r == PK_NOTIMPL)
		return pk_raise(vm, &pk_exc_TypeError,
		                "'in <flags>' requires a str or int");
	*out = (FV(self)->v & y) == y;
	return 0;
}

static int fv_truth(struct pk_vm *vm, pk_val self, bool *out)
{
	*out = FV(self)->v != 0;
	return 0;
}

static uint64_t fv_hash(pk_val self)
{
	return FV(self)->v;
}

static int fv_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                      pk_val *out)
{
	uint64_t bit;

	if (pk_enum_lookup(FV(self)->f->enm, name->s, &bit) == 0) {
		*out = pk_bool((FV(self)->v >> bit) & 1);
		return 0;
	}
	if (!strcmp(name->s, "value")) {
		*out = pk_int((int64_t)FV(self)->v);
		return 0;
	}
	return PK_NOTIMPL;
}

static int fv_binop(struct pk_vm *vm, enum pk_binop op, pk_val a, pk_val b,
                    bool right, pk_val *out)
{
	uint64_t x = 0, y = 0;
	const struct pk_field *f;

	if (right) {
		pk_val t = a;

		a = b;
		b = t;
	}
	if (!pk_flagval_get(a, &x))
		return PK_NOTIMPL;
	f = FV(a)->f;
	if (other_bits(vm, f, b, &y) != 0) {
		pk_vm_clear_error(vm);
		return PK_NOTIMPL;
	}
	switch (op) {
	case PK_OP_AND:
		*out = pk_flagval_new(vm, f, x & y);
		break;
	case PK_OP_OR:
		*out = pk_flagval_new(vm, f, x | y);
		break;
	case PK_OP_XOR:
		*out = pk_flagval_new(vm, f, x ^ y);
		break;
	case PK_OP_ADD:
		*out = pk_int((int64_t)(x + y));
		return 0;
	case PK_OP_SUB:
		*out = pk_int(right ? (int64_t)(y - x) : (int64_t)(x - y));
		return 0;
	default:
		return PK_NOTIMPL;
	}
	return pk_is_undef(*out) ? -1 : 0;
}

static int m_int(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	*out = pk_int((int64_t)FV(self)->v);
	return 0;
}

static const struct pk_method fv_methods[] = {
    {"__int__", m_int, "__int__() -> int"},
    {"__index__", m_int, "__index__() -> int"},
    {NULL, NULL, NULL},
};

const struct pk_type pk_type_flagval = {
    .name = "FlagValue",
    .doc = "the value of a flags field",
    .repr = fv_repr,
    .str = fv_str,
    .getattr = fv_getattr,
    .contains = fv_contains,
    .binop = fv_binop,
    .eq = fv_eq,
    .cmp = fv_cmp,
    .hash = fv_hash,
    .truth = fv_truth,
    .methods = fv_methods,
};
