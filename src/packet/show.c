/*
 * show.c - the text forms of packets, as scapy 2.5 prints them: show(),
 * repr(), command(), summary(), sprintf(), hexdump().
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static bool holds_packets(const struct pk_field *f, const union pk_fval *v,
                          uint8_t st)
{
	if (st & PK_FS_GEN)
		return false;
	if (f->kind == PK_FK_PKTLIST)
		return true;
	if ((f->kind == PK_FK_PKT || f->kind == PK_FK_CUSTOM) &&
	    (st & PK_FS_OBJ)) {
		if (pk_is_packet(v->v))
			return true;
		if (f->sub && pk_is_list(v->v))
			return true;
	}
	return false;
}

/* "\\name \\" and each packet of x (a packet or a list) as a nested block */
static int show_nested(struct pk_vm *vm, const struct pk_field *f, pk_val x,
                       struct pk_buf *out, const char *lvl, const char *label)
{
	struct pk_buf nl = PK_BUF_INIT;
	int rc = 0;

	pk_buf_addf(out, "%s%s  \\%-10s\\\n", label, lvl, f->name);
	pk_buf_addf(&nl, "%s%s   |", label, lvl);
	if (pk_buf_failed(&nl)) {
		rc = pk_raise_nomem(vm);
	} else if (pk_is_list(x)) {
		struct pk_list *li = pk_as_list(x);
		size_t k;

		for (k = 0; k < li->len && !rc; k++)
			if (pk_is_packet(li->items[k]))
				rc =
				    pk_layer_show(vm, pk_as_layer(li->items[k]),
				                  out, "", nl.buf);
	} else if (pk_is_packet(x)) {
		rc = pk_layer_show(vm, pk_as_layer(x), out, "", nl.buf);
	}
	pk_buf_release(&nl);
	return rc;
}

static int show_one(struct pk_vm *vm, struct pk_layer *l, struct pk_buf *out,
                    const char *lvl, const char *label)
{
	int i;

	pk_buf_addf(out, "%s###[ %s ]### \n", label, l->proto->title);
	for (i = 0; i < l->proto->nfields; i++) {
		const struct pk_field *f = &l->proto->fields[i];
		union pk_fval v;
		uint8_t st;
		int pr = pk_field_present(vm, l, f);

		if (pr < 0)
			return -1;
		if (!pr)
			continue;
		if (pk_layer_display(vm, l, i, &v, &st) < 0)
			return -1;
		if (!holds_packets(f, &v, st) && f->sub &&
		    (f->kind == PK_FK_PKT || f->kind == PK_FK_CUSTOM) &&
		    !(st & PK_FS_GEN)) {
			/* an unset packet field may still hold a packet (DNS qd
			 * defaults to a DNSQR): ask the field */
			pk_val x;

			if (pk_field_get(vm, l, f, &v, st, &x) < 0)
				return -1;
			if (pk_is_packet(x)) {
				int r = show_nested(vm, f, x, out, lvl, label);

				pk_decref(x);
				if (r < 0)
					return -1;
				continue;
			}
			pk_decref(x);
		}
		if (holds_packets(f, &v, st)) {
			if (show_nested(vm, f,
			                (st & PK_FS_OBJ) ? v.v : pk_undef(),
			                out, lvl, label) < 0)
				return -1;
			continue;
		}
		pk_buf_addf(out, "%s%s  %-10s= ", label, lvl, f->name);
		if (pk_field_repr(vm, l, f, &v, st, out) < 0)
			return -1;
		pk_buf_addch(out, '\n');
	}
	return 0;
}

int pk_layer_show(struct pk_vm *vm, struct pk_layer *l, struct pk_buf *out,
                  const char *lvl, const char *label)
{
	struct pk_buf cur = PK_BUF_INIT;
	int rc = 0;

	if (pk_vm_enter(vm) < 0)
		return -1;
	pk_buf_addstr(&cur, lvl);
	for (; l; l = l->payload) {
		/* a failed indent would print short: MemoryError instead */
		if (pk_buf_failed(&cur)) {
			rc = pk_raise_nomem(vm);
			break;
		}
		if (show_one(vm, l, out, cur.buf, label) < 0) {
			rc = -1;
			break;
		}
		pk_buf_addstr(&cur, "   ");
	}
	pk_buf_release(&cur);
	pk_vm_leave(vm);
	return rc;
}

int pk_layer_repr(struct pk_vm *vm, const struct pk_layer *l,
                  struct pk_buf *out)
{
	struct pk_registry *r = pk_registry(vm);
	int depth = 0, i;

	if (pk_vm_enter(vm) < 0)
		return -1;
	for (; l; l = l->payload, depth++) {
		pk_buf_addf(out, "<%s ", l->proto->name);
		for (i = 0; i < l->proto->nfields; i++) {
			const struct pk_field *f = &l->proto->fields[i];
			union pk_fval v;
			uint8_t st;
			int pr = pk_field_present(vm, l, f);

			if (pr < 0)
				goto fail;
			if (!pr || (f->flags & PK_FF_NOREPR))
				continue;
			pk_layer_effective(r, l, i, &v, &st);
			if (!(st & PK_FS_SET))
				continue;
			if ((st & PK_FS_OBJ) && pk_is_list(v.v) &&
			    pk_as_list(v.v)->len == 0)
				continue;
			pk_buf_addf(out, " %s=", f->name);
			if (pk_field_repr(vm, l, f, &v, st, out) < 0)
				goto fail;
		}
		pk_buf_addstr(out, " |");
	}
	while (depth--)
		pk_buf_addch(out, '>');
	pk_vm_leave(vm);
	return 0;
fail:
	pk_vm_leave(vm);
	return -1;
}

static int command_chain(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	bool first_layer = true;
	int i;

	for (; l; l = l->payload) {
		bool first = true;

		if (!first_layer)
			pk_buf_addch(out, '/');
		first_layer = false;
		pk_buf_addf(out, "%s(", l->proto->name);
		for (i = 0; i < l->proto->nfields; i++) {
			const struct pk_field *f = &l->proto->fields[i];
			uint8_t st = l->st[i];
			pk_val v;

			if (!(st & PK_FS_SET))
				continue;
			if ((st & PK_FS_OBJ) && pk_is_list(l->f[i].v) &&
			    pk_as_list(l->f[i].v)->len == 0)
				continue;
			pk_buf_addf(out, "%s%s=", first ? "" : ", ", f->name);
			first = false;
			if (f->kind == PK_FK_INT && !(st & PK_FS_GEN)) {
				pk_buf_addf(out, "%lld", (long long)l->f[i].i);
				continue;
			}
			if ((st & PK_FS_OBJ) && pk_is_packet(l->f[i].v)) {
				if (pk_layer_command(vm, pk_as_layer(l->f[i].v),
				                     out) < 0)
					return -1;
				continue;
			}
			if (f->kind == PK_FK_PKTLIST && (st & PK_FS_OBJ) &&
			    pk_is_list(l->f[i].v)) {
				struct pk_list *li = pk_as_list(l->f[i].v);
				size_t k;

				pk_buf_addch(out, '[');
				for (k = 0; k < li->len; k++) {
					if (k)
						pk_buf_addch(out, ',');
					if (pk_is_packet(li->items[k]) &&
					    pk_layer_command(
					        vm, pk_as_layer(li->items[k]),
					        out) < 0)
						return -1;
				}
				pk_buf_addch(out, ']');
				continue;
			}
			if (pk_field_get(vm, l, f, &l->f[i], st, &v) < 0)
				return -1;
			/* RandShort(), not <RandShort>: command() is code */
			if (pk_volatile_command(vm, v, out) < 0) {
				pk_decref(v);
				return -1;
			}
			pk_decref(v);
		}
		pk_buf_addch(out, ')');
	}
	return 0;
}

/* pk_vm_enter: a field may hold the packet itself (p.options.append(p)) */
int pk_layer_command(struct pk_vm *vm, const struct pk_layer *l,
                     struct pk_buf *out)
{
	int rc;

	if (pk_vm_enter(vm) < 0)
		return -1;
	rc = command_chain(vm, l, out);
	pk_vm_leave(vm);
	return rc;
}

void pk_hexdump(struct pk_buf *out, const uint8_t *p, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += 16) {
		size_t m = n - i < 16 ? n - i : 16;

		pk_buf_addf(out, "%04zx  ", i);
		for (k = 0; k < 16; k++) {
			if (k < m)
				pk_buf_addf(out, "%02X ", p[i + k]);
			else
				pk_buf_addstr(out, "   ");
		}
		pk_buf_addch(out, ' ');
		for (k = 0; k < m; k++) {
			uint8_t c = p[i + k];

			pk_buf_addch(out, c >= 32 && c < 127 ? c : '.');
		}
		pk_buf_addch(out, '\n');
	}
}

/* ------------------------------------------------------------------ */
/* sprintf                                                             */

static struct pk_layer *find_by_name(struct pk_layer *l, const char *name,
                                     size_t n, int nth)
{
	for (; l; l = l->payload) {
		if (strlen(l->proto->name) == n &&
		    !strncmp(l->proto->name, name, n) && --nth <= 0)
			return l;
	}
	return NULL;
}

/* One %...% directive: [fmt,][Layer[:n].]field */
static int sprintf_directive(struct pk_vm *vm, struct pk_layer *l,
                             const char *d, size_t n, struct pk_buf *out)
{
	const char *comma = memchr(d, ',', n), *dot, *fld;
	char fmt[32] = "%s";
	struct pk_layer *t = l;
	struct pk_buf val = PK_BUF_INIT;
	union pk_fval v;
	uint8_t st;
	int i, nth = 1;

	if (comma) {
		size_t fl = (size_t)(comma - d);

		if (fl + 2 < sizeof(fmt)) {
			fmt[0] = '%';
			memcpy(fmt + 1, d, fl);
			fmt[fl + 1] = 0;
		}
		n -= fl + 1;
		d = comma + 1;
	}
	dot = memchr(d, '.', n);
	fld = d;
	if (dot) {
		const char *colon = memchr(d, ':', (size_t)(dot - d));
		size_t ln = (size_t)((colon ? colon : dot) - d);

		if (colon)
			nth = atoi(colon + 1);
		t = find_by_name(l, d, ln, nth);
		fld = dot + 1;
		n -= (size_t)(fld - d);
		if (!t) {
			pk_buf_addstr(out, "??");
			return 0;
		}
	}
	{
		char name[64];

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, fld, n);
		name[n] = 0;
		i = pk_proto_field_index(t->proto, name);
		if (i < 0) {
			pk_buf_addstr(out, "??");
			return 0;
		}
	}
	if (pk_layer_display(vm, t, i, &v, &st) < 0)
		return -1;
	if (pk_field_repr(vm, t, &t->proto->fields[i], &v, st, &val) < 0) {
		pk_buf_release(&val);
		return -1;
	}
	if (!strcmp(fmt, "%s")) {
		pk_buf_add(out, val.buf, val.len);
	} else {
		/* [-][0]width conversion, padded by hand */
		const char *q = fmt + 1;
		bool left = false, zero = false;
		size_t width = 0, fl = strlen(fmt), tl;
		char conv = fmt[fl - 1];
		struct pk_buf tb = PK_BUF_INIT;

		if (*q == '-')
			left = true, q++;
		if (*q == '0')
			zero = true, q++;
		while (*q >= '0' && *q <= '9')
			width = width * 10 + (size_t)(*q++ - '0');
		if (strchr("dixX", conv) &&
		    t->proto->fields[i].kind == PK_FK_INT) {
			if (conv == 'x')
				pk_buf_addf(&tb, "%llx",
				            (unsigned long long)v.u);
			else if (conv == 'X')
				pk_buf_addf(&tb, "%llX",
				            (unsigned long long)v.u);
			else
				pk_buf_addf(&tb, "%lld", (long long)v.u);
		} else {
			pk_buf_add(&tb, val.buf, val.len);
		}
		tl = tb.len;
		if (!left && tl < width)
			pk_buf_addchars(out, zero ? '0' : ' ', width - tl);
		pk_buf_add(out, tb.buf, tb.len);
		if (left && tl < width)
			pk_buf_addchars(out, ' ', width - tl);
		pk_buf_release(&tb);
	}
	pk_buf_release(&val);
	return 0;
}

int pk_layer_sprintf(struct pk_vm *vm, struct pk_layer *l, const char *fmt,
                     size_t n, struct pk_buf *out)
{
	size_t i = 0;

	while (i < n) {
		char c = fmt[i];

		if (c == '%') {
			const char *e = memchr(fmt + i + 1, '%', n - i - 1);

			if (!e)
				return pk_raise(vm, &pk_exc_ValueError,
				                "bad format string '%s'", fmt);
			if (e == fmt + i + 1) {
				pk_buf_addch(out, '%');
			} else if (sprintf_directive(vm, l, fmt + i + 1,
			                             (size_t)(e - fmt - i - 1),
			                             out) < 0) {
				return -1;
			}
			i = (size_t)(e - fmt) + 1;
		} else if (c == '{') {
			/* {Layer:text} or {!Layer:text}, nesting allowed */
			size_t j = i + 1, depth = 1, colon = 0;
			bool neg = false;
			struct pk_layer *t;

			while (j < n && depth) {
				if (fmt[j] == '{')
					depth++;
				else if (fmt[j] == '}')
					depth--;
				else if (fmt[j] == ':' && depth == 1 && !colon)
					colon = j;
				if (depth)
					j++;
			}
			if (depth || !colon)
				return pk_raise(vm, &pk_exc_ValueError,
				                "bad format string '%s'", fmt);
			if (fmt[i + 1] == '!')
				neg = true;
			t = find_by_name(l, fmt + i + 1 + neg,
			                 colon - i - 1 - neg, 1);
			if ((t != NULL) != neg &&
			    pk_layer_sprintf(vm, l, fmt + colon + 1,
			                     j - colon - 1, out) < 0)
				return -1;
			i = j + 1;
		} else {
			pk_buf_addch(out, c);
			i++;
		}
	}
	return 0;
}

static int summary_of(struct pk_vm *vm, struct pk_layer *top,
                      struct pk_buf *out)
{
	struct pk_layer *chain[PK_MAX_DEPTH * 2], *l;
	struct pk_buf *parts;
	int n = 0, i;
	bool found = false;
	int rc = 0;

	for (l = top; l && n < PK_MAX_DEPTH * 2; l = l->payload)
		chain[n++] = l;
	parts = pk_xcalloc((size_t)n, sizeof(*parts));
	if (!parts)
		return pk_raise_nomem(vm);
	for (i = n; i-- > 0;) {
		l = chain[i];
		pk_buf_init(&parts[i], 0);
		if (!found && l->proto->summary) {
			if (l->proto->summary(vm, l, &parts[i]) < 0) {
				rc = -1;
				break;
			}
		}
		if (parts[i].len)
			found = true;
		else
			pk_buf_addstr(&parts[i], l->proto->name);
	}
	if (!rc) {
		for (i = 0; i < n; i++) {
			if (i)
				pk_buf_addstr(out, " / ");
			pk_buf_add(out, parts[i].buf, parts[i].len);
		}
	}
	for (i = 0; i < n; i++)
		pk_buf_release(&parts[i]);
	pk_xfree(parts);
	return rc;
}

/* pl.summary() of a large capture: lazy packets stay lazy */
int pk_packet_summary(struct pk_vm *vm, pk_val pkt, struct pk_buf *out)
{
	struct pk_layer *tmp, *l = pk_packet_peek(vm, pkt, &tmp);
	int rc;

	if (!l)
		return pk_raise_nomem(vm);
	rc = summary_of(vm, l, out);
	pk_packet_peek_done(tmp);
	return rc;
}
