/*
 * parser.c - recursive descent over the lexer's tokens, one top-level
 * statement per arena, names resolved when each top-level statement is
 * complete. Errors unwind with longjmp (as Lua's parser does): every
 * allocation is in the arena, so there is nothing else to undo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "lexer.h"

#define MAX_DEPTH 400 /* two per bracket level: 200 brackets */
#define MAX_OPEN  64

/* ------------------------------------------------------------------ */
/* arena                                                               */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

static void arena_release(struct pk_obj *o)
{
	struct arena *ar = (struct arena *)o;
	struct chunk *c, *n;
	size_t i;

	for (i = 0; i < ar->nvals; i++)
		pk_decref(ar->vals[i]);
	pk_xfree(ar->vals);
	for (c = ar->chunks; c; c = n) {
		n = c->next;
		pk_xfree(c);
	}
	pk_xfree(ar);
}

const struct pk_type pk_type_arena = {
    .name = "code",
    .release = arena_release,
};

struct arena *arena_new(const char *file)
{
	size_t n = strlen(file);
	struct arena *ar = pk_obj_alloc(&pk_type_arena, sizeof(*ar) + n + 1);

	if (ar)
		memcpy(ar->file, file, n + 1);
	return ar;
}

void *arena_alloc(struct arena *ar, size_t n)
{
	struct chunk *c = ar->chunks;
	size_t units = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t);
	void *p;

	if (!units)
		units = 1;
	if (!c || c->cap - c->used < units) {
		size_t cap = units > 256 ? units : 256;

		c = pk_xmalloc(sizeof(*c) + cap * sizeof(max_align_t));
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		if (units > 256 && ar->chunks) {
			/* a big block: keep filling the current chunk */
			c->next = ar->chunks->next;
			ar->chunks->next = c;
		} else {
			c->next = ar->chunks;
			ar->chunks = c;
		}
	}
	p = c->data + c->used;
	c->used += units;
	memset(p, 0, units * sizeof(max_align_t));
	return p;
}

int arena_keep(struct arena *ar, pk_val v)
{
	if (!pk_is_obj(v))
		return 0;
	if (ar->nvals == ar->capvals) {
		size_t ncap = ar->capvals ? ar->capvals * 2 : 8;
		pk_val *nv = pk_xrealloc(ar->vals, ncap * sizeof(pk_val));

		if (!nv) {
			pk_decref(v);
			return -1;
		}
		ar->vals = nv;
		ar->capvals = ncap;
	}
	ar->vals[ar->nvals++] = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* parser state                                                        */

struct parser {
	struct pk_vm *vm;
	struct lexer lx;
	struct token tok, prev;
	struct arena *ar;
	struct scope *scope;
	struct node *names_head, *names_tail;
	struct scope *scopes_tail;
	int depth, loop_depth, func_depth;
	struct token open[MAX_OPEN]; /* open brackets, for "never closed" */
	int nopen;
	/* string buffers: in the parser, so an error can release them */
	struct pk_buf bufs[16];
	int nbufs;
	int stmts_cap; /* of res->stmts */
	jmp_buf jb;
	struct parse_result *res;
};

struct vec {
	struct node **v;
	int n, cap;
};

static struct node *parse_bitor_entry(struct parser *p);

static _Noreturn void nomem(struct parser *p)
{
	p->res->error = true;
	p->res->nomem = true;
	longjmp(p->jb, 1);
}

static _Noreturn void __attribute__((format(printf, 3, 4)))
error_at(struct parser *p, const struct token *t, const char *fmt, ...)
{
	va_list ap;
	struct parse_result *r = p->res;

	r->error = true;
	if (t->type == T_EOF && p->nopen > 0 && p->lx.depth > 0) {
		const struct token *o =
		    &p->open[p->nopen - 1 < MAX_OPEN ? p->nopen - 1
		                                     : MAX_OPEN - 1];

		r->line = o->line;
		r->col = o->col;
		r->eof = true;
		r->in_bracket = true;
		r->rest = p->lx.last_content;
		snprintf(r->msg, sizeof(r->msg), "'%.*s' was never closed",
		         (int)o->len, o->start);
		longjmp(p->jb, 1);
	}
	r->line = t->line;
	r->col = t->col;
	r->eof = t->type == T_EOF || (t->type == T_ERROR && p->lx.err_eof);
	r->in_bracket =
	    p->lx.depth > 0 || (t->type == T_ERROR && p->lx.err_eof);
	r->rest = p->lx.last_content;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	longjmp(p->jb, 1);
}

static void *alloc(struct parser *p, size_t n)
{
	void *m = arena_alloc(p->ar, n);

	if (!m)
		nomem(p);
	return m;
}

static struct pk_buf *buf_get(struct parser *p)
{
	struct pk_buf *b;

	if (p->nbufs >= (int)(sizeof(p->bufs) / sizeof(p->bufs[0])))
		error_at(p, &p->tok, "too many nested f-strings");
	b = &p->bufs[p->nbufs++];
	pk_buf_init(b, 0);
	return b;
}

static void buf_put(struct parser *p, struct pk_buf *b)
{
	pk_buf_release(b);
	p->nbufs--;
}

static void next(struct parser *p)
{
	p->prev = p->tok;
	lex_next(&p->lx, &p->tok);
	switch (p->tok.type) {
	case T_LPAREN:
	case T_LBRACK:
	case T_LBRACE:
		if (p->nopen < MAX_OPEN)
			p->open[p->nopen] = p->tok;
		p->nopen++;
		break;
	case T_RPAREN:
	case T_RBRACK:
	case T_RBRACE:
		if (p->nopen > 0)
			p->nopen--;
		break;
	default:
		break;
	}
	if (p->tok.type == T_ERROR)
		error_at(p, &p->tok, "%s",
		         p->lx.err ? p->lx.err : "invalid syntax");
}

static bool check(struct parser *p, enum tok t)
{
	return p->tok.type == t;
}

static bool accept(struct parser *p, enum tok t)
{
	if (p->tok.type != t)
		return false;
	next(p);
	return true;
}

static _Noreturn void syntax(struct parser *p)
{
	if (p->tok.type == T_INDENT)
		error_at(p, &p->tok, "unexpected indent");
	if (p->tok.type == T_EOF)
		error_at(p, &p->tok, "unexpected EOF while parsing");
	error_at(p, &p->tok, "invalid syntax");
}

static void expect(struct parser *p, enum tok t)
{
	if (!accept(p, t)) {
		if (p->tok.type == T_EOF || p->tok.type == T_NEWLINE ||
		    t == T_COLON)
			error_at(p, &p->tok, "expected '%s'", tok_name(t));
		syntax(p);
	}
}

/* close a bracket opened by `open` */
static void expect_close(struct parser *p, enum tok t, const struct token *open)
{
	if (accept(p, t))
		return;
	if (p->tok.type == T_EOF)
		error_at(p, &p->tok, "'%.*s' was never closed", (int)open->len,
		         open->start);
	error_at(p, &p->tok, "expected '%s' (to close '%.*s' at %d:%d)",
	         tok_name(t), (int)open->len, open->start, open->line,
	         open->col);
}

static bool is_open(enum tok t)
{
	return t == T_LPAREN || t == T_LBRACK || t == T_LBRACE;
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		/* brackets or a chain of operators (`- - - 1`, `not not x`) */
		if (is_open(p->tok.type) || is_open(p->prev.type))
			error_at(p, &p->tok, "too many nested parentheses");
		error_at(p, &p->tok, "expression nested too deeply");
	}
}

static void leave(struct parser *p)
{
	p->depth--;
}

static void vec_push(struct parser *p, struct vec *v, struct node *x)
{
	if (v->n == v->cap) {
		int ncap = v->cap ? v->cap * 2 : 4;
		struct node **nv = alloc(p, (size_t)ncap * sizeof(*nv));

		if (v->n)
			memcpy(nv, v->v, (size_t)v->n * sizeof(*nv));
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = x;
}

static struct node *new_node(struct parser *p, int kind, const struct token *t)
{
	struct node *n = alloc(p, sizeof(*n));

	n->kind = (uint8_t)kind;
	n->line = t->line;
	n->col = t->col;
	return n;
}

static struct node *new_at(struct parser *p, int kind, const struct node *at)
{
	struct node *n = alloc(p, sizeof(*n));

	n->kind = (uint8_t)kind;
	n->line = at->line;
	n->col = at->col;
	return n;
}

static struct pk_str *intern_tok(struct parser *p, const struct token *t)
{
	struct pk_str *s = pk_intern(t->start, t->len);

	if (!s)
		nomem(p);
	return s;
}

static struct node *const_node(struct parser *p, const struct token *t,
                               pk_val v)
{
	struct node *n;

	if (pk_is_undef(v))
		nomem(p);
	if (arena_keep(p->ar, v) < 0)
		nomem(p);
	n = new_node(p, E_CONST, t);
	n->u.val = v;
	return n;
}

/* ------------------------------------------------------------------ */
/* scopes                                                              */

static struct scope *new_scope(struct parser *p, int kind)
{
	struct scope *s = alloc(p, sizeof(*s));

	s->kind = kind;
	s->parent = p->scope;
	s->frame = kind == SC_COMP && p->scope ? p->scope->frame : s;
	if (p->scopes_tail)
		p->scopes_tail->next_created = s;
	p->scopes_tail = s;
	return s;
}

static int nl_find(const struct namelist *l, const struct pk_str *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->names[i] == name)
			return i;
	return -1;
}

static void nl_add(struct parser *p, struct namelist *l, struct pk_str *name,
                   int slot)
{
	if (l->n == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 8;
		struct pk_str **nn = alloc(p, (size_t)ncap * sizeof(*nn));
		int *ns = alloc(p, (size_t)ncap * sizeof(*ns));

		if (l->n) {
			memcpy(nn, l->names, (size_t)l->n * sizeof(*nn));
			memcpy(ns, l->slots, (size_t)l->n * sizeof(*ns));
		}
		l->names = nn;
		l->slots = ns;
		l->cap = ncap;
	}
	l->names[l->n] = name;
	l->slots[l->n] = slot;
	l->n++;
}

static void declare(struct parser *p, struct pk_str *name)
{
	struct scope *s = p->scope;

	if (s->kind != SC_FUNC)
		return;
	if (nl_find(&s->globals, name) >= 0 || nl_find(&s->locals, name) >= 0)
		return;
	nl_add(p, &s->locals, name, s->nslots++);
}

static void declare_target(struct parser *p, struct node *t, bool comp)
{
	int i;

	switch (t->kind) {
	case E_NAME:
		if (comp) {
			struct scope *s = p->scope;

			if (nl_find(&s->locals, t->name) < 0)
				nl_add(p, &s->locals, t->name,
				       s->frame->nslots++);
		} else {
			declare(p, t->name);
		}
		break;
	case E_TUPLE:
	case E_LIST:
		for (i = 0; i < t->n; i++)
			declare_target(p, t->v[i], comp);
		break;
	case E_STARRED:
		declare_target(p, t->a, comp);
		break;
	default:
		break;
	}
}

static struct node *name_node(struct parser *p, const struct token *t)
{
	struct node *n = new_node(p, E_NAME, t);

	n->name = intern_tok(p, t);
	n->u.scope = p->scope;
	if (p->names_tail)
		p->names_tail->next_name = n;
	else
		p->names_head = n;
	p->names_tail = n;
	return n;
}

enum { R_GLOBAL, R_LOCAL, R_FREE };

static void mark_captured(struct parser *p, struct scope *frame, int slot)
{
	if (!frame->captured)
		frame->captured =
		    alloc(p, (size_t)(frame->nslots + 1) * sizeof(bool));
	frame->captured[slot] = true;
}

/* Where `name` lives as seen from scope s: a global, a slot of the
 * frame *frame, or free variable *idx of function *frame. Free
 * variables are threaded through every function in between, as CPython
 * does, so a closure holds the cells it needs and not whole frames. */
static int lookup(struct parser *p, struct scope *s, struct pk_str *name,
                  int *idx, struct scope **frame)
{
	int i;

	while (s) {
		if (s->kind == SC_MODULE)
			return R_GLOBAL;
		if (s->kind == SC_FUNC && nl_find(&s->globals, name) >= 0)
			return R_GLOBAL;
		i = nl_find(&s->locals, name);
		if (i >= 0) {
			*frame = s->frame;
			*idx = s->locals.slots[i];
			return R_LOCAL;
		}
		if (s->kind == SC_FUNC) {
			int oidx, r;
			struct scope *oframe;

			i = nl_find(&s->frees, name);
			if (i >= 0) {
				*frame = s;
				*idx = i;
				return R_FREE;
			}
			r = lookup(p, s->parent, name, &oidx, &oframe);
			if (r == R_GLOBAL)
				return R_GLOBAL;
			if (r == R_LOCAL)
				mark_captured(p, oframe, oidx);
			nl_add(p, &s->frees, name,
			       2 * oidx + (r == R_LOCAL ? FREE_FROM_SLOT
			                                : FREE_FROM_FREE));
			*frame = s;
			*idx = s->frees.n - 1;
			return R_FREE;
		}
		s = s->parent;
	}
	return R_GLOBAL;
}

static void resolve(struct parser *p, struct node *n)
{
	struct scope *frame = NULL;
	int idx = 0;

	switch (lookup(p, n->u.scope, n->name, &idx, &frame)) {
	case R_LOCAL:
		n->kind = E_LOCAL;
		n->u.loc.depth = 0;
		n->u.loc.idx = idx;
		n->extra = frame;
		return;
	case R_FREE:
		n->kind = E_FREE;
		n->u.loc.depth = 1;
		n->u.loc.idx = idx;
		return;
	default:
		n->kind = E_GLOBAL;
		n->u.g = pk_vm_gslot(p->vm, n->name);
		if (!n->u.g)
			nomem(p);
	}
}

/* after resolution: locals that closures captured live in cells */
static void mark_cells(struct parser *p)
{
	struct node *n;

	for (n = p->names_head; n; n = n->next_name) {
		struct scope *frame = n->extra;

		if (n->kind == E_LOCAL && frame && frame->captured &&
		    frame->captured[n->u.loc.idx])
			n->kind = E_CELL;
		n->extra = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* literals                                                            */

static struct node *number(struct parser *p)
{
	struct token t = p->tok;
	char buf[128];
	size_t i, k = 0;

	next(p);
	if (t.len >= sizeof(buf))
		error_at(p, &t, "number literal too long");
	for (i = 0; i < t.len; i++) {
		if (t.start[i] == '_') {
			if (i == 0 || i + 1 == t.len || t.start[i + 1] == '_' ||
			    !strchr("0123456789abcdefABCDEFxXoObB",
			            t.start[i - 1]))
				error_at(p, &t, "invalid decimal literal");
			continue;
		}
		buf[k++] = t.start[i];
	}
	buf[k] = 0;
	if (t.type == T_FLOAT)
		return const_node(p, &t, pk_float(strtod(buf, NULL)));
	{
		int base = 10;
		const char *d = buf;
		uint64_t acc = 0;
		bool over = false;

		if (buf[0] == '0' && buf[1] && strchr("xXoObB", buf[1])) {
			char c = (char)(buf[1] | 32);

			base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
			d = buf + 2;
			if (!*d)
				error_at(p, &t, "invalid %s literal",
				         base == 16  ? "hexadecimal"
				         : base == 8 ? "octal"
				                     : "binary");
		} else if (buf[0] == '0' && buf[1]) {
			for (i = 1; buf[i]; i++)
				if (buf[i] != '0')
					error_at(
					    p, &t,
					    "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
		}
		for (; *d; d++) {
			int v;

			if (*d >= '0' && *d <= '9')
				v = *d - '0';
			else if ((*d | 32) >= 'a' && (*d | 32) <= 'f')
				v = (*d | 32) - 'a' + 10;
			else
				v = 99;
			if (v >= base)
				error_at(p, &t,
				         "invalid digit '%c' in %s literal", *d,
				         base == 16  ? "hexadecimal"
				         : base == 8 ? "octal"
				         : base == 2 ? "binary"
				                     : "decimal");
			if (acc > (UINT64_MAX - (uint64_t)v) / (uint64_t)base)
				over = true;
			else
				acc = acc * (uint64_t)base + (uint64_t)v;
		}
		if (over || acc > (uint64_t)INT64_MAX) {
			struct node *n = new_node(p, E_OVERFLOW, &t);

			n->flags = !over && acc == (uint64_t)INT64_MAX + 1;
			return n;
		}
		return const_node(p, &t, pk_int((int64_t)acc));
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

/* decode a literal run of a string body */
static void decode(struct parser *p, const struct token *t, const char *s,
                   size_t n, bool raw, bool bytes, struct pk_buf *b)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (bytes && c >= 0x80)
			error_at(
			    p, t,
			    "bytes can only contain ASCII literal characters");
		if (c != '\\' || raw) {
			pk_buf_addch(b, c);
			i++;
			continue;
		}
		if (++i >= n) {
			pk_buf_addch(b, '\\');
			break;
		}
		c = (unsigned char)s[i++];
		switch (c) {
		case '\n':
			break;
		case '\\':
		case '\'':
		case '"':
			pk_buf_addch(b, c);
			break;
		case 'a':
			pk_buf_addch(b, 7);
			break;
		case 'b':
			pk_buf_addch(b, 8);
			break;
		case 'f':
			pk_buf_addch(b, 12);
			break;
		case 'n':
			pk_buf_addch(b, '\n');
			break;
		case 'r':
			pk_buf_addch(b, '\r');
			break;
		case 't':
			pk_buf_addch(b, '\t');
			break;
		case 'v':
			pk_buf_addch(b, 11);
			break;
		case 'x': {
			int h = i < n ? hexval(s[i]) : -1;
			int l = i + 1 < n ? hexval(s[i + 1]) : -1;

			if (h < 0 || l < 0)
				error_at(
				    p, t,
				    "(%s) can't decode bytes in position %zu-%zu: truncated \\xXX escape",
				    bytes ? "value error" : "unicode error",
				    i - 2, i - 1);
			if (bytes)
				pk_buf_addch(b, h * 16 + l);
			else
				pk_utf8_put(b, (uint32_t)(h * 16 + l));
			i += 2;
			break;
		}
		case 'u':
		case 'U':
			if (!bytes) {
				int nd = c == 'u' ? 4 : 8, k;
				uint32_t cp = 0;

				for (k = 0; k < nd; k++) {
					int h = i + (size_t)k < n
					            ? hexval(s[i + (size_t)k])
					            : -1;

					if (h < 0)
						error_at(
						    p, t,
						    "(unicode error) truncated \\%cXXXX escape",
						    c);
					cp = cp * 16 + (uint32_t)h;
				}
				if (cp > 0x10ffff)
					error_at(
					    p, t,
					    "(unicode error) illegal Unicode character");
				pk_utf8_put(b, cp);
				i += (size_t)nd;
				break;
			}
			pk_buf_addch(b, '\\');
			pk_buf_addch(b, c);
			break;
		case 'N':
			if (!bytes)
				error_at(p, t,
				         "\\N{...} escapes are not supported");
			pk_buf_addch(b, '\\');
			pk_buf_addch(b, c);
			break;
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = c - '0';
				int k;

				for (k = 0; k < 2 && i < n && s[i] >= '0' &&
				            s[i] <= '7';
				     k++)
					v = v * 8 + (unsigned)(s[i++] - '0');
				if (bytes)
					pk_buf_addch(b, (int)(v & 0xff));
				else
					pk_utf8_put(b, v);
			} else {
				pk_buf_addch(b, '\\');
				pk_buf_addch(b, c);
			}
			break;
		}
	}
	if (pk_buf_failed(b))
		nomem(p);
}

static struct node *parse_testlist(struct parser *p);
static struct node *parse_test(struct parser *p);
static struct node *parse_or(struct parser *p);

static struct node *str_node(struct parser *p, const struct token *t,
                             struct pk_buf *b, bool bytes)
{
	pk_val v;

	if (pk_buf_failed(b))
		nomem(p);
	v = bytes ? pk_bytes_new(p->vm, b->buf, b->len)
	          : pk_str_new(p->vm, b->buf, b->len);

	pk_buf_release(b);
	if (pk_is_undef(v)) {
		pk_vm_clear_error(p->vm);
		nomem(p);
	}
	return const_node(p, t, v);
}

/* parse one f-string expression from a copy of its text */
static struct node *sub_expr(struct parser *p, const struct token *t,
                             const char *s, size_t n)
{
	struct lexer save = p->lx;
	struct token stok = p->tok, sprev = p->prev;
	int snopen = p->nopen;
	char *copy = alloc(p, n + 1);
	struct node *e;

	memcpy(copy, s, n);
	copy[n] = 0;
	lex_init(&p->lx, copy, n, t->line);
	p->lx.at_bol = false;
	next(p);
	if (check(p, T_NEWLINE) || check(p, T_EOF))
		error_at(p, t, "f-string: empty expression not allowed");
	e = parse_testlist(p);
	if (!check(p, T_NEWLINE) && !check(p, T_EOF))
		error_at(p, t, "f-string: invalid syntax");
	p->lx = save;
	p->tok = stok;
	p->prev = sprev;
	p->nopen = snopen;
	return e;
}

static void fstring_body(struct parser *p, const struct token *t, const char *s,
                         size_t n, bool raw, struct vec *parts);

static void flush_lit(struct parser *p, const struct token *t, struct pk_buf *b,
                      struct vec *parts)
{
	if (b->len)
		vec_push(p, parts, str_node(p, t, b, false));
	else
		pk_buf_release(b);
}

static void fstring_body(struct parser *p, const struct token *t, const char *s,
                         size_t n, bool raw, struct vec *parts)
{
	struct pk_buf *lit = buf_get(p);
	size_t i = 0;

	while (i < n) {
		if (s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
			pk_buf_addch(lit, '{');
			i += 2;
		} else if (s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
			pk_buf_addch(lit, '}');
			i += 2;
		} else if (s[i] == '}') {
			error_at(p, t, "f-string: single '}' is not allowed");
		} else if (s[i] == '{') {
			size_t j = i + 1, estart = i + 1, eend;
			int depth = 0;
			char q = 0;
			struct node *f;

			while (j < n) {
				char c = s[j];

				if (q) {
					if (c == q)
						q = 0;
				} else if (c == '\'' || c == '"') {
					q = c;
				} else if (c == '(' || c == '[' || c == '{') {
					depth++;
				} else if (c == ')' || c == ']' ||
				           (c == '}' && depth)) {
					depth--;
				} else if (!depth && (c == '}' || c == ':' ||
				                      (c == '!' && j + 1 < n &&
				                       s[j + 1] != '='))) {
					break;
				}
				j++;
			}
			if (j >= n) {
				error_at(p, t, "f-string: expecting '}'");
			}
			flush_lit(p, t, lit, parts);
			eend = j;
			f = new_node(p, E_FMT, t);
			f->a = sub_expr(p, t, s + estart, eend - estart);
			if (s[j] == '!') {
				if (j + 1 >= n || !strchr("rsa", s[j + 1]))
					error_at(
					    p, t,
					    "f-string: invalid conversion character: expected 's', 'r', or 'a'");
				f->op = (uint8_t)s[j + 1];
				j += 2;
			}
			if (j < n && s[j] == ':') {
				size_t k = ++j;
				int d = 0;
				struct vec sp = {0};

				while (k < n && (s[k] != '}' || d)) {
					if (s[k] == '{')
						d++;
					else if (s[k] == '}')
						d--;
					k++;
				}
				fstring_body(p, t, s + j, k - j, true, &sp);
				f->b = new_node(p, E_FSTRING, t);
				f->b->v = sp.v;
				f->b->n = sp.n;
				j = k;
			}
			if (j >= n || s[j] != '}')
				error_at(p, t, "f-string: expecting '}'");
			vec_push(p, parts, f);
			i = j + 1;
		} else {
			size_t k = i;

			while (k < n && s[k] != '{' && s[k] != '}')
				k++;
			decode(p, t, s + i, k - i, raw, false, lit);
			i = k;
		}
	}
	flush_lit(p, t, lit, parts);
	buf_put(p, lit);
}

static struct node *parse_strings(struct parser *p)
{
	struct token first = p->tok;
	struct pk_buf *b = buf_get(p);
	struct vec parts = {0};
	bool bytes = false, any_f = false, firstone = true;
	struct node *n;

	while (check(p, T_STRING)) {
		struct token t = p->tok;
		const char *s = t.start;
		bool raw = false, isb = false, isf = false;
		size_t qlen, blen;

		while (*s != '\'' && *s != '"') {
			char c = (char)(*s | 32);

			raw |= c == 'r';
			isb |= c == 'b';
			isf |= c == 'f';
			s++;
		}
		qlen = s[0] == s[1] && s[1] == s[2] &&
		               (size_t)(t.start + t.len - s) >= 6
		           ? 3
		           : 1;
		blen = (size_t)(t.start + t.len - s) - 2 * qlen;
		if (firstone)
			bytes = isb;
		else if (bytes != isb) {
			error_at(p, &t,
			         "cannot mix bytes and nonbytes literals");
		}
		firstone = false;
		if (isf) {
			any_f = true;
			flush_lit(p, &t, b, &parts);
			fstring_body(p, &t, s + qlen, blen, raw, &parts);
		} else {
			decode(p, &t, s + qlen, blen, raw, isb, b);
		}
		next(p);
	}
	if (!any_f) {
		n = str_node(p, &first, b, bytes);
		buf_put(p, b);
		return n;
	}
	flush_lit(p, &first, b, &parts);
	buf_put(p, b);
	n = new_node(p, E_FSTRING, &first);
	n->v = parts.v;
	n->n = parts.n;
	return n;
}

/* ------------------------------------------------------------------ */
/* expressions                                                         */

static bool starts_expr(enum tok t)
{
	switch (t) {
	case T_NAME:
	case T_INT:
	case T_FLOAT:
	case T_STRING:
	case T_LPAREN:
	case T_LBRACK:
	case T_LBRACE:
	case T_MINUS:
	case T_PLUS:
	case T_TILDE:
	case T_NOT:
	case T_LAMBDA:
	case T_NONE:
	case T_TRUE:
	case T_FALSE:
	case T_STAR:
		return true;
	default:
		return false;
	}
}

/* move names/scopes created since a mark into the comprehension scope */
static void rescope(struct parser *p, struct node *mark_name,
                    struct scope *mark_scope, struct scope *from,
                    struct scope *to)
{
	struct node *n = mark_name ? mark_name->next_name : p->names_head;
	struct scope *s = mark_scope ? mark_scope->next_created : NULL;

	for (; n; n = n->next_name)
		if (n->u.scope == from)
			n->u.scope = to;
	for (; s; s = s->next_created)
		if (s != to && s->parent == from)
			s->parent = to;
}

static struct node *parse_target_list(struct parser *p);

/* comp_for: ('for' targets 'in' or_test ('if' or_test)*)+ */
static struct compinfo *parse_comp(struct parser *p, struct scope *outer,
                                   struct node *mark_name,
                                   struct scope *mark_scope)
{
	struct compinfo *ci = alloc(p, sizeof(*ci));
	struct scope *c = new_scope(p, SC_COMP);
	int cap = 0;

	c->parent = outer;
	c->frame = outer->frame;
	rescope(p, mark_name, mark_scope, outer, c);
	while (check(p, T_FOR)) {
		struct compgen *g;
		struct vec ifs = {0};

		next(p);
		if (ci->ng == cap) {
			struct compgen *ng;

			cap = cap ? cap * 2 : 2;
			ng = alloc(p, (size_t)cap * sizeof(*ng));
			if (ci->ng)
				memcpy(ng, ci->g, (size_t)ci->ng * sizeof(*ng));
			ci->g = ng;
		}
		g = &ci->g[ci->ng++];
		p->scope = c;
		g->target = parse_target_list(p);
		declare_target(p, g->target, true);
		expect(p, T_IN);
		/* the first iterable is evaluated in the enclosing scope */
		p->scope = ci->ng == 1 ? outer : c;
		g->iter = parse_or(p);
		p->scope = c;
		while (accept(p, T_IF))
			vec_push(p, &ifs, parse_or(p));
		g->ifs = ifs.v;
		g->nifs = ifs.n;
	}
	p->scope = outer;
	return ci;
}

/* arguments of a call; the '(' is p->prev */
static struct node *parse_call(struct parser *p, struct node *fn)
{
	struct token open = p->prev;
	struct node *n = new_at(p, E_CALL, fn);
	struct callinfo *ci = alloc(p, sizeof(*ci));
	struct vec pos = {0}, kw = {0};
	struct pk_str **names = NULL;
	int ncap = 0;

	n->a = fn;
	n->extra = ci;
	enter(p);
	while (!check(p, T_RPAREN)) {
		if (accept(p, T_STAR)) {
			struct node *s = new_node(p, E_STARRED, &p->prev);

			s->a = parse_test(p);
			vec_push(p, &pos, s);
			n->flags |= NF_STARARGS;
		} else if (accept(p, T_DSTAR)) {
			if (kw.n == ncap) {
				struct pk_str **nn;

				ncap = ncap ? ncap * 2 : 4;
				nn = alloc(p, (size_t)ncap * sizeof(*nn));
				if (kw.n)
					memcpy(nn, names,
					       (size_t)kw.n * sizeof(*nn));
				names = nn;
			}
			names[kw.n] = NULL;
			vec_push(p, &kw, parse_test(p));
			n->flags |= NF_KWARGS;
		} else {
			struct node *mark = p->names_tail;
			struct scope *smark = p->scopes_tail;
			struct node *e = parse_test(p);

			if (check(p, T_ASSIGN) && e->kind == E_NAME &&
			    p->names_tail == e) {
				int i;

				/* keyword argument: not a variable */
				p->names_tail = mark;
				if (mark)
					mark->next_name = NULL;
				else
					p->names_head = NULL;
				next(p);
				for (i = 0; i < kw.n; i++)
					if (names[i] == e->name) {
						struct token at = {T_NAME, NULL,
						                   0, e->line,
						                   e->col};

						error_at(
						    p, &at,
						    "keyword argument repeated: %s",
						    e->name->s);
					}
				if (kw.n == ncap) {
					struct pk_str **nn;

					ncap = ncap ? ncap * 2 : 4;
					nn = alloc(p,
					           (size_t)ncap * sizeof(*nn));
					if (kw.n)
						memcpy(nn, names,
						       (size_t)kw.n *
						           sizeof(*nn));
					names = nn;
				}
				names[kw.n] = e->name;
				vec_push(p, &kw, parse_test(p));
			} else if (check(p, T_ASSIGN)) {
				error_at(
				    p, &p->tok,
				    "expression cannot contain assignment, perhaps you meant \"==\"?");
			} else if (check(p, T_FOR)) {
				struct node *c = new_at(p, E_LISTCOMP, e);

				if (pos.n || kw.n)
					error_at(
					    p, &p->tok,
					    "Generator expression must be parenthesized");
				c->a = e;
				c->extra = parse_comp(p, p->scope, mark, smark);
				vec_push(p, &pos, c);
				if (!check(p, T_RPAREN))
					error_at(
					    p, &p->tok,
					    "Generator expression must be parenthesized");
			} else {
				if (kw.n && !(n->flags & NF_KWARGS))
					error_at(
					    p, &p->prev,
					    "positional argument follows keyword argument");
				if (n->flags & NF_KWARGS)
					error_at(
					    p, &p->prev,
					    "positional argument follows keyword argument unpacking");
				vec_push(p, &pos, e);
			}
		}
		if (!accept(p, T_COMMA))
			break;
	}
	expect_close(p, T_RPAREN, &open);
	leave(p);
	n->v = pos.v;
	n->n = pos.n;
	n->v2 = kw.v;
	n->n2 = kw.n;
	ci->kwnames = names;
	if (!n->flags && !kw.n)
		n->flags = NF_SIMPLE_CALL;
	return n;
}

/* subscript: test | [test] ':' [test] [':' [test]] */
static struct node *parse_subscript(struct parser *p)
{
	struct token t = p->tok;
	struct node *lo = NULL, *s;

	if (!check(p, T_COLON))
		lo = parse_test(p);
	if (!accept(p, T_COLON))
		return lo;
	s = new_node(p, E_SLICE, &t);
	s->a = lo;
	if (!check(p, T_COLON) && !check(p, T_RBRACK) && !check(p, T_COMMA))
		s->b = parse_test(p);
	if (accept(p, T_COLON) && !check(p, T_RBRACK) && !check(p, T_COMMA))
		s->c = parse_test(p);
	return s;
}

static struct node *parse_atom(struct parser *p);

static struct node *parse_primary(struct parser *p)
{
	struct node *e = parse_atom(p);

	for (;;) {
		if (accept(p, T_LPAREN)) {
			e = parse_call(p, e);
		} else if (accept(p, T_LBRACK)) {
			struct token open = p->prev;
			struct node *n = new_at(p, E_INDEX, e);
			struct node *idx;

			enter(p);
			idx = parse_subscript(p);
			if (check(p, T_COMMA)) {
				struct node *t = new_at(p, E_TUPLE, idx);
				struct vec v = {0};

				vec_push(p, &v, idx);
				while (accept(p, T_COMMA) &&
				       !check(p, T_RBRACK))
					vec_push(p, &v, parse_subscript(p));
				t->v = v.v;
				t->n = v.n;
				idx = t;
			}
			expect_close(p, T_RBRACK, &open);
			leave(p);
			n->a = e;
			n->b = idx;
			e = n;
		} else if (accept(p, T_DOT)) {
			struct node *n = new_at(p, E_ATTR, e);

			if (!check(p, T_NAME))
				error_at(p, &p->tok, "invalid syntax");
			n->a = e;
			n->name = intern_tok(p, &p->tok);
			next(p);
			e = n;
		} else {
			return e;
		}
	}
}

/* the elements of a list/tuple display after the first */
static struct node *parse_display(struct parser *p, int kind,
                                  struct node *first, enum tok close,
                                  const struct token *at)
{
	struct node *n = new_node(p, kind, at);
	struct vec v = {0};

	if (first)
		vec_push(p, &v, first);
	while (accept(p, T_COMMA)) {
		if (check(p, close))
			break;
		if (accept(p, T_STAR)) {
			struct node *s = new_node(p, E_STARRED, &p->prev);

			s->a = parse_bitor_entry(p);
			vec_push(p, &v, s);
		} else {
			vec_push(p, &v, parse_test(p));
		}
	}
	n->v = v.v;
	n->n = v.n;
	return n;
}

static struct node *parse_star_or_test(struct parser *p)
{
	if (accept(p, T_STAR)) {
		struct node *s = new_node(p, E_STARRED, &p->prev);

		s->a = parse_bitor_entry(p);
		return s;
	}
	return parse_test(p);
}

static struct node *parse_atom(struct parser *p)
{
	struct token t = p->tok;
	struct node *n, *first;

	switch (t.type) {
	case T_NAME:
		next(p);
		return name_node(p, &t);
	case T_INT:
	case T_FLOAT:
		return number(p);
	case T_STRING:
		return parse_strings(p);
	case T_NONE:
		next(p);
		return const_node(p, &t, pk_none());
	case T_TRUE:
		next(p);
		return const_node(p, &t, pk_bool(true));
	case T_FALSE:
		next(p);
		return const_node(p, &t, pk_bool(false));
	case T_LPAREN: {
		struct node *mark;
		struct scope *smark;

		next(p);
		enter(p);
		if (accept(p, T_RPAREN)) {
			leave(p);
			n = new_node(p, E_TUPLE, &t);
			return n;
		}
		if (check(p, T_YIELD))
			error_at(p, &p->tok, "'yield' is not supported");
		mark = p->names_tail;
		smark = p->scopes_tail;
		first = parse_star_or_test(p);
		if (check(p, T_FOR)) {
			n = new_node(p, E_LISTCOMP, &t);
			n->a = first;
			n->extra = parse_comp(p, p->scope, mark, smark);
		} else if (check(p, T_COMMA)) {
			n = parse_display(p, E_TUPLE, first, T_RPAREN, &t);
		} else {
			if (first->kind == E_STARRED)
				error_at(p, &t,
				         "cannot use starred expression here");
			n = first;
		}
		expect_close(p, T_RPAREN, &t);
		leave(p);
		return n;
	}
	case T_LBRACK: {
		struct node *mark;
		struct scope *smark;

		next(p);
		enter(p);
		if (accept(p, T_RBRACK)) {
			leave(p);
			return new_node(p, E_LIST, &t);
		}
		mark = p->names_tail;
		smark = p->scopes_tail;
		first = parse_star_or_test(p);
		if (check(p, T_FOR)) {
			n = new_node(p, E_LISTCOMP, &t);
			n->a = first;
			n->extra = parse_comp(p, p->scope, mark, smark);
		} else {
			n = parse_display(p, E_LIST, first, T_RBRACK, &t);
		}
		expect_close(p, T_RBRACK, &t);
		leave(p);
		return n;
	}
	case T_LBRACE: {
		struct node *mark, *k, *v;
		struct scope *smark;
		struct vec keys = {0}, vals = {0};

		next(p);
		enter(p);
		n = new_node(p, E_DICT, &t);
		if (accept(p, T_RBRACE)) {
			leave(p);
			return n;
		}
		mark = p->names_tail;
		smark = p->scopes_tail;
		if (check(p, T_DSTAR))
			error_at(p, &p->tok,
			         "dict unpacking in displays is not supported");
		k = parse_test(p);
		if (!check(p, T_COLON))
			error_at(p, &p->tok, "set displays are not supported");
		next(p);
		v = parse_test(p);
		if (check(p, T_FOR)) {
			n->kind = E_DICTCOMP;
			n->a = k;
			n->b = v;
			n->extra = parse_comp(p, p->scope, mark, smark);
		} else {
			vec_push(p, &keys, k);
			vec_push(p, &vals, v);
			while (accept(p, T_COMMA) && !check(p, T_RBRACE)) {
				vec_push(p, &keys, parse_test(p));
				expect(p, T_COLON);
				vec_push(p, &vals, parse_test(p));
			}
			n->v = keys.v;
			n->n = keys.n;
			n->v2 = vals.v;
			n->n2 = vals.n;
		}
		expect_close(p, T_RBRACE, &t);
		leave(p);
		return n;
	}
	case T_YIELD:
		error_at(p, &t, "'yield' is not supported");
	case T_EOF:
		error_at(p, &t, "unexpected EOF while parsing");
	default:
		syntax(p);
	}
}

static struct node *parse_unary(struct parser *p);

/* power: primary ['**' unary] */
static struct node *parse_power(struct parser *p)
{
	struct node *e = parse_primary(p);

	if (accept(p, T_DSTAR)) {
		struct node *n = new_at(p, E_BINOP, e);

		n->op = PK_OP_POW;
		n->a = e;
		n->b = parse_unary(p);
		return n;
	}
	return e;
}

static struct node *parse_unary(struct parser *p)
{
	struct token t = p->tok;
	struct node *n, *x;
	int op;

	if (t.type == T_MINUS)
		op = PK_OP_NEG;
	else if (t.type == T_PLUS)
		op = PK_OP_POS;
	else if (t.type == T_TILDE)
		op = PK_OP_INVERT;
	else
		return parse_power(p);
	next(p);
	enter(p);
	x = parse_unary(p);
	leave(p);
	if (op == PK_OP_NEG && x->kind == E_OVERFLOW && x->flags == 1 &&
	    x->line == p->prev.line) {
		x->kind = E_CONST;
		x->u.val = pk_int(INT64_MIN);
		x->line = t.line;
		x->col = t.col;
		x->flags = 2; /* folded */
		return x;
	}
	if (op == PK_OP_NEG && x->kind == E_CONST && x->flags != 2 &&
	    ((pk_is_int(x->u.val) && x->u.val.u.i != INT64_MIN) ||
	     pk_is_float(x->u.val))) {
		/* fold negative literals (keeps -1 an immediate) */
		if (pk_is_int(x->u.val))
			x->u.val.u.i = -x->u.val.u.i;
		else
			x->u.val.u.f = -x->u.val.u.f;
		x->line = t.line;
		x->col = t.col;
		return x;
	}
	n = new_node(p, E_UNARY, &t);
	n->op = (uint8_t)op;
	n->a = x;
	return n;
}

static int binprec(enum tok t, int *op)
{
	switch (t) {
	case T_PIPE:
		*op = PK_OP_OR;
		return 1;
	case T_CARET:
		*op = PK_OP_XOR;
		return 2;
	case T_AMP:
		*op = PK_OP_AND;
		return 3;
	case T_LSHIFT:
		*op = PK_OP_LSHIFT;
		return 4;
	case T_RSHIFT:
		*op = PK_OP_RSHIFT;
		return 4;
	case T_PLUS:
		*op = PK_OP_ADD;
		return 5;
	case T_MINUS:
		*op = PK_OP_SUB;
		return 5;
	case T_STAR:
		*op = PK_OP_MUL;
		return 6;
	case T_SLASH:
		*op = PK_OP_DIV;
		return 6;
	case T_DSLASH:
		*op = PK_OP_FLOORDIV;
		return 6;
	case T_PERCENT:
		*op = PK_OP_MOD;
		return 6;
	default:
		return 0;
	}
}

static struct node *parse_binary(struct parser *p, int minprec)
{
	struct node *left = parse_unary(p);
	int op = 0, prec;

	while ((prec = binprec(p->tok.type, &op)) >= minprec) {
		struct node *n = new_at(p, E_BINOP, left);

		next(p);
		n->op = (uint8_t)op;
		n->a = left;
		enter(p);
		n->b = parse_binary(p, prec + 1);
		leave(p);
		left = n;
	}
	return left;
}

static struct node *parse_bitor_entry(struct parser *p)
{
	return parse_binary(p, 1);
}

static int cmpop(struct parser *p)
{
	switch (p->tok.type) {
	case T_LT:
		next(p);
		return C_LT;
	case T_LE:
		next(p);
		return C_LE;
	case T_GT:
		next(p);
		return C_GT;
	case T_GE:
		next(p);
		return C_GE;
	case T_EQ:
		next(p);
		return C_EQ;
	case T_NE:
		next(p);
		return C_NE;
	case T_IN:
		next(p);
		return C_IN;
	case T_NOT:
		next(p);
		expect(p, T_IN);
		return C_NOTIN;
	case T_IS:
		next(p);
		return accept(p, T_NOT) ? C_ISNOT : C_IS;
	default:
		return -1;
	}
}

static struct node *parse_comparison(struct parser *p)
{
	struct node *first = parse_binary(p, 1), *n;
	struct vec v = {0};
	uint8_t *ops = NULL;
	int op, cap = 0, nops = 0;

	op = cmpop(p);
	if (op < 0)
		return first;
	n = new_at(p, E_CMP, first);
	vec_push(p, &v, first);
	while (op >= 0) {
		if (nops == cap) {
			uint8_t *no;

			cap = cap ? cap * 2 : 4;
			no = alloc(p, (size_t)cap);
			if (nops)
				memcpy(no, ops, (size_t)nops);
			ops = no;
		}
		ops[nops++] = (uint8_t)op;
		vec_push(p, &v, parse_binary(p, 1));
		op = cmpop(p);
	}
	n->v = v.v;
	n->n = v.n;
	n->extra = ops;
	return n;
}

static struct node *parse_not(struct parser *p)
{
	if (check(p, T_NOT)) {
		struct node *n = new_node(p, E_NOT, &p->tok);

		next(p);
		enter(p);
		n->a = parse_not(p);
		leave(p);
		return n;
	}
	return parse_comparison(p);
}

static struct node *parse_andor(struct parser *p, bool is_or)
{
	struct node *first = is_or ? parse_andor(p, false) : parse_not(p), *n;
	struct vec v = {0};
	enum tok t = is_or ? T_OR : T_AND;

	if (!check(p, t))
		return first;
	n = new_at(p, is_or ? E_OR : E_AND, first);
	vec_push(p, &v, first);
	while (accept(p, t))
		vec_push(p, &v, is_or ? parse_andor(p, false) : parse_not(p));
	n->v = v.v;
	n->n = v.n;
	return n;
}

static struct node *parse_or(struct parser *p)
{
	return parse_andor(p, true);
}

static struct fndef *parse_params(struct parser *p, enum tok end,
                                  struct pk_str *name, const struct token *at);

static struct node *parse_lambda(struct parser *p)
{
	struct token t = p->tok;
	struct node *n = new_node(p, E_LAMBDA, &t);
	struct fndef *d;
	struct scope *outer = p->scope;
	int saved_loop = p->loop_depth;
	struct pk_str *name = pk_intern("<lambda>", 8);

	if (!name)
		nomem(p);
	next(p);
	d = parse_params(p, T_COLON, name, &t);
	expect(p, T_COLON);
	p->scope = d->scope;
	p->loop_depth = 0;
	p->func_depth++;
	d->expr = parse_test(p);
	p->func_depth--;
	p->loop_depth = saved_loop;
	p->scope = outer;
	n->extra = d;
	return n;
}

/* test: or_test ['if' or_test 'else' test] | lambdef */
static struct node *parse_test(struct parser *p)
{
	struct node *e, *n;

	if (check(p, T_LAMBDA))
		return parse_lambda(p);
	enter(p);
	e = parse_or(p);
	if (check(p, T_IF)) {
		n = new_at(p, E_IFEXP, e);
		next(p);
		n->b = e;
		n->a = parse_or(p);
		if (!accept(p, T_ELSE))
			error_at(p, &p->tok,
			         "expected 'else' after 'if' expression");
		n->c = parse_test(p);
		e = n;
	}
	leave(p);
	return e;
}

/* testlist with optional star expressions: a, *b = ...; x = 1, 2 */
static struct node *parse_testlist_star(struct parser *p)
{
	struct token t = p->tok;
	struct node *first = parse_star_or_test(p);

	if (!check(p, T_COMMA))
		return first;
	{
		struct node *n = new_node(p, E_TUPLE, &t);
		struct vec v = {0};

		vec_push(p, &v, first);
		while (accept(p, T_COMMA) && starts_expr(p->tok.type))
			vec_push(p, &v, parse_star_or_test(p));
		n->v = v.v;
		n->n = v.n;
		return n;
	}
}

static struct node *parse_testlist(struct parser *p)
{
	return parse_testlist_star(p);
}

/* targets of for/comprehensions: stop before 'in' */
static struct node *parse_target_list(struct parser *p)
{
	struct token t = p->tok;
	struct node *first = accept(p, T_STAR) ? NULL : parse_binary(p, 1);
	struct node *n;
	struct vec v = {0};

	if (!first) {
		first = new_node(p, E_STARRED, &t);
		first->a = parse_binary(p, 1);
	}
	if (!check(p, T_COMMA))
		return first;
	n = new_node(p, E_TUPLE, &t);
	vec_push(p, &v, first);
	while (accept(p, T_COMMA) && !check(p, T_IN)) {
		if (accept(p, T_STAR)) {
			struct node *s = new_node(p, E_STARRED, &p->prev);

			s->a = parse_binary(p, 1);
			vec_push(p, &v, s);
		} else {
			vec_push(p, &v, parse_binary(p, 1));
		}
	}
	n->v = v.v;
	n->n = v.n;
	return n;
}

/* ------------------------------------------------------------------ */
/* statements                                                          */

static const char *what_is(const struct node *t)
{
	switch (t->kind) {
	case E_CALL:
		return "function call";
	case E_CONST:
	case E_FSTRING:
	case E_OVERFLOW:
		return "literal";
	case E_LAMBDA:
		return "lambda";
	case E_CMP:
		return "comparison";
	case E_LISTCOMP:
		return "list comprehension";
	case E_DICT:
	case E_DICTCOMP:
		return "dict literal";
	case E_IFEXP:
		return "conditional expression";
	default:
		return "expression";
	}
}

static void check_target(struct parser *p, struct node *t, bool del)
{
	int i, nstar = 0;

	switch (t->kind) {
	case E_NAME:
	case E_ATTR:
	case E_INDEX:
		return;
	case E_TUPLE:
	case E_LIST:
		for (i = 0; i < t->n; i++) {
			if (t->v[i]->kind == E_STARRED) {
				if (del)
					error_at(p, &p->tok,
					         "cannot delete starred");
				nstar++;
				check_target(p, t->v[i]->a, del);
			} else {
				check_target(p, t->v[i], del);
			}
		}
		if (nstar > 1) {
			struct token at = {T_NAME, NULL, 0, t->line, t->col};

			error_at(p, &at,
			         "multiple starred expressions in assignment");
		}
		return;
	default: {
		struct token at = {T_NAME, NULL, 0, t->line, t->col};

		if (del)
			error_at(p, &at, "cannot delete %s", what_is(t));
		if (t->kind == E_STARRED)
			error_at(
			    p, &at,
			    "starred assignment target must be in a list or tuple");
		error_at(
		    p, &at,
		    "cannot assign to %s here. Maybe you meant '==' instead of '='?",
		    what_is(t));
	}
	}
}

static void parse_statement(struct parser *p, struct vec *out);

/* block: simple statements on the same line, or NEWLINE INDENT ... DEDENT */
static void parse_suite(struct parser *p, struct vec *body, const char *what,
                        int line)
{
	expect(p, T_COLON);
	if (accept(p, T_NEWLINE)) {
		if (!check(p, T_INDENT))
			error_at(
			    p, &p->tok,
			    "expected an indented block after %s on line %d",
			    what, line);
		next(p);
		while (!check(p, T_DEDENT) && !check(p, T_EOF))
			parse_statement(p, body);
		accept(p, T_DEDENT);
		return;
	}
	parse_statement(p, body);
}

static struct fndef *parse_params(struct parser *p, enum tok end,
                                  struct pk_str *name, const struct token *at)
{
	struct fndef *d = alloc(p, sizeof(*d));
	struct scope *outer = p->scope, *s;
	struct pk_str *names[256];
	struct vec defs = {0};
	int n = 0, i;
	struct pk_str *vararg = NULL, *kwarg = NULL;

	d->name = name;
	d->line = at->line;
	d->col = at->col;
	d->vararg = d->kwarg = -1;
	while (!check(p, end)) {
		if (accept(p, T_STAR)) {
			if (!check(p, T_NAME))
				error_at(
				    p, &p->tok,
				    "keyword-only parameters are not supported");
			vararg = intern_tok(p, &p->tok);
			next(p);
		} else if (accept(p, T_DSTAR)) {
			if (!check(p, T_NAME))
				syntax(p);
			kwarg = intern_tok(p, &p->tok);
			next(p);
		} else {
			struct pk_str *pn;

			if (!check(p, T_NAME))
				syntax(p);
			if (vararg || kwarg)
				error_at(
				    p, &p->tok,
				    "keyword-only parameters are not supported");
			pn = intern_tok(p, &p->tok);
			for (i = 0; i < n; i++)
				if (names[i] == pn)
					error_at(
					    p, &p->tok,
					    "duplicate argument '%s' in function definition",
					    pn->s);
			if (n >= 255)
				error_at(p, &p->tok, "too many parameters");
			names[n++] = pn;
			next(p);
			if (end == T_RPAREN && accept(p, T_COLON))
				parse_test(p); /* annotation: ignored */
			if (accept(p, T_ASSIGN)) {
				vec_push(p, &defs, parse_test(p));
			} else if (defs.n) {
				error_at(
				    p, &p->prev,
				    "non-default argument follows default argument");
			}
		}
		if (!accept(p, T_COMMA))
			break;
	}
	s = new_scope(p, SC_FUNC);
	s->parent = outer;
	p->scope = s;
	d->params = alloc(p, (size_t)(n ? n : 1) * sizeof(*d->params));
	for (i = 0; i < n; i++) {
		d->params[i] = names[i];
		nl_add(p, &s->locals, names[i], s->nslots++);
	}
	d->nparams = n;
	if (vararg) {
		d->vararg = s->nslots;
		nl_add(p, &s->locals, vararg, s->nslots++);
	}
	if (kwarg) {
		d->kwarg = s->nslots;
		nl_add(p, &s->locals, kwarg, s->nslots++);
	}
	d->defaults = defs.v;
	d->ndefaults = defs.n;
	d->scope = s;
	p->scope = outer;
	return d;
}

static struct node *parse_def(struct parser *p)
{
	struct token t = p->tok;
	struct node *n = new_node(p, S_DEF, &t), *target;
	struct token open;
	struct fndef *d;
	struct scope *outer = p->scope;
	struct vec body = {0};
	int saved_loop = p->loop_depth;
	char what[80];

	next(p);
	if (!check(p, T_NAME))
		syntax(p);
	target = name_node(p, &p->tok);
	declare(p, target->name);
	next(p);
	if (!accept(p, T_LPAREN))
		error_at(p, &p->tok, "expected '('");
	open = p->prev;
	d = parse_params(p, T_RPAREN, target->name, &t);
	expect_close(p, T_RPAREN, &open);
	if (accept(p, T_ARROW))
		parse_test(p);
	p->scope = d->scope;
	p->loop_depth = 0;
	p->func_depth++;
	snprintf(what, sizeof(what), "function definition");
	parse_suite(p, &body, what, t.line);
	p->func_depth--;
	p->loop_depth = saved_loop;
	p->scope = outer;
	d->body = body.v;
	d->nbody = body.n;
	n->a = target;
	n->extra = d;
	return n;
}

static struct node *parse_if(struct parser *p, const char *what)
{
	struct token t = p->tok;
	struct node *n = new_node(p, S_IF, &t);
	struct vec body = {0}, orelse = {0};

	next(p);
	n->a = parse_test(p);
	parse_suite(p, &body, what, t.line);
	n->v = body.v;
	n->n = body.n;
	if (check(p, T_ELIF)) {
		vec_push(p, &orelse, parse_if(p, "'elif' statement"));
	} else if (check(p, T_ELSE)) {
		struct token e = p->tok;

		next(p);
		parse_suite(p, &orelse, "'else' statement", e.line);
	}
	n->v2 = orelse.v;
	n->n2 = orelse.n;
	return n;
}

static void parse_loop_body(struct parser *p, struct node *n, const char *what,
                            int line)
{
	struct vec body = {0}, orelse = {0};

	p->loop_depth++;
	parse_suite(p, &body, what, line);
	p->loop_depth--;
	n->v = body.v;
	n->n = body.n;
	if (check(p, T_ELSE)) {
		struct token e = p->tok;

		next(p);
		parse_suite(p, &orelse, "'else' statement", e.line);
	}
	n->v2 = orelse.v;
	n->n2 = orelse.n;
}

static struct node *parse_try(struct parser *p)
{
	struct token t = p->tok;
	struct node *n = new_node(p, S_TRY, &t);
	struct tryinfo *ti = alloc(p, sizeof(*ti));
	struct vec body = {0}, orelse = {0}, fin = {0};
	int cap = 0;

	next(p);
	parse_suite(p, &body, "'try' statement", t.line);
	while (check(p, T_EXCEPT)) {
		struct token e = p->tok;
		struct handler *h;
		struct vec hb = {0};

		next(p);
		if (ti->nh == cap) {
			struct handler *nh;

			cap = cap ? cap * 2 : 2;
			nh = alloc(p, (size_t)cap * sizeof(*nh));
			if (ti->nh)
				memcpy(nh, ti->h, (size_t)ti->nh * sizeof(*nh));
			ti->h = nh;
		}
		h = &ti->h[ti->nh++];
		h->line = e.line;
		h->col = e.col;
		if (!check(p, T_COLON)) {
			h->type = parse_test(p);
			if (check(p, T_COMMA)) {
				/* except A, B: is Python 2 */
				error_at(
				    p, &p->tok,
				    "multiple exception types must be parenthesized");
			}
			if (accept(p, T_AS)) {
				if (!check(p, T_NAME))
					syntax(p);
				h->target = name_node(p, &p->tok);
				declare(p, h->target->name);
				next(p);
			}
		}
		parse_suite(p, &hb, "'except' statement", e.line);
		h->body = hb.v;
		h->n = hb.n;
	}
	for (cap = 0; cap + 1 < ti->nh; cap++)
		if (!ti->h[cap].type) {
			struct token at = {T_NAME, NULL, 0, ti->h[cap].line,
			                   ti->h[cap].col};

			error_at(p, &at, "default 'except:' must be last");
		}
	if (check(p, T_ELSE)) {
		struct token e = p->tok;

		if (!ti->nh)
			syntax(p);
		next(p);
		parse_suite(p, &orelse, "'else' statement", e.line);
	}
	if (check(p, T_FINALLY)) {
		struct token e = p->tok;

		next(p);
		parse_suite(p, &fin, "'finally' statement", e.line);
		ti->has_final = true;
	}
	if (!ti->nh && !ti->has_final)
		error_at(p, &p->tok, "expected 'except' or 'finally' block");
	n->v = body.v;
	n->n = body.n;
	n->v2 = orelse.v;
	n->n2 = orelse.n;
	ti->final = fin.v;
	ti->nfinal = fin.n;
	n->extra = ti;
	return n;
}

/*
 * with_stmt: 'with' '(' with_item (',' with_item)* [','] ')' ':' suite
 *          | 'with' with_item (',' with_item)* ':' suite
 * with_item: test ['as' target]
 * Several items nest, as Python defines them: each S_WITH holds the next
 * one as its whole body. a = context expression, b = target or NULL,
 * v = body.
 */
/* CPython refuses 20; the limit only keeps the evaluator's recursion
 * bounded, so it can be generous */
#define MAX_WITH_ITEMS 100

/* At '(' after 'with': is it the parenthesized list of items, that is
 * does the matching ')' come right before ':' (CPython tries this form
 * first)? Looks ahead on a copy of the lexer, which allocates nothing. */
static bool paren_items_ahead(struct parser *p)
{
	struct lexer lx = p->lx;
	struct token t;
	int depth = 0, ntok = 0;

	for (;;) {
		lex_next(&lx, &t);
		switch (t.type) {
		case T_LPAREN:
		case T_LBRACK:
		case T_LBRACE:
			depth++;
			break;
		case T_RPAREN:
		case T_RBRACK:
		case T_RBRACE:
			if (depth-- == 0) {
				if (ntok == 0)
					return false; /* with (): a tuple */
				lex_next(&lx, &t);
				return t.type == T_COLON;
			}
			break;
		case T_EOF:
			/* either form ends early: "incomplete" at the REPL */
			return true;
		case T_ERROR:
		case T_NEWLINE:
			return false; /* the real parse reports it */
		default:
			break;
		}
		ntok++;
	}
}

static struct node *parse_with_item(struct parser *p)
{
	struct node *n = new_node(p, S_WITH, &p->tok);

	n->a = parse_test(p);
	if (accept(p, T_AS)) {
		struct node *t = n->b = parse_binary(p, 1);

		if (t->kind != E_NAME && t->kind != E_ATTR &&
		    t->kind != E_INDEX && t->kind != E_TUPLE &&
		    t->kind != E_LIST) {
			/* no "Maybe you meant '=='" here, as CPython */
			struct token at = {T_NAME, NULL, 0, t->line, t->col};

			error_at(p, &at, "cannot assign to %s", what_is(t));
		}
		check_target(p, t, false);
		declare_target(p, t, false);
	}
	return n;
}

static struct node *parse_with(struct parser *p)
{
	struct token t = p->tok;
	struct vec items = {0}, body = {0};
	int i;

	next(p);
	if (check(p, T_LPAREN) && paren_items_ahead(p)) {
		struct token open = p->tok;

		next(p);
		do {
			if (items.n && check(p, T_RPAREN))
				break; /* trailing comma */
			if (items.n >= MAX_WITH_ITEMS)
				error_at(p, &p->tok,
				         "too many statically nested blocks");
			vec_push(p, &items, parse_with_item(p));
		} while (accept(p, T_COMMA));
		expect_close(p, T_RPAREN, &open);
	} else {
		do {
			if (items.n >= MAX_WITH_ITEMS)
				error_at(p, &p->tok,
				         "too many statically nested blocks");
			vec_push(p, &items, parse_with_item(p));
		} while (accept(p, T_COMMA));
	}
	parse_suite(p, &body, "'with' statement", t.line);
	for (i = items.n - 1; i >= 0; i--) {
		items.v[i]->v = body.v;
		items.v[i]->n = body.n;
		/* errors of __exit__ point at the keyword */
		items.v[i]->line = t.line;
		items.v[i]->col = t.col;
		body.v = &items.v[i];
		body.n = 1;
	}
	return items.v[0];
}

/*
 * import / from ... import: checked as Python's grammar has them, then
 * ignored (the modules scapy scripts import are either built in or not
 * available), so a bare `import` is a syntax error as in Python.
 */
static void import_name(struct parser *p)
{
	if (!accept(p, T_NAME))
		syntax(p);
	while (accept(p, T_DOT))
		if (!accept(p, T_NAME))
			syntax(p);
}

static void import_as(struct parser *p)
{
	if (accept(p, T_AS) && !accept(p, T_NAME))
		syntax(p);
}

static void skip_import(struct parser *p)
{
	bool paren;

	if (accept(p, T_IMPORT)) {
		do {
			import_name(p);
			import_as(p);
		} while (accept(p, T_COMMA));
		return;
	}
	expect(p, T_FROM);
	if (accept(p, T_DOT)) {
		while (accept(p, T_DOT))
			;
		if (check(p, T_NAME))
			import_name(p);
	} else {
		import_name(p);
	}
	if (!accept(p, T_IMPORT))
		syntax(p);
	if (accept(p, T_STAR))
		return;
	paren = accept(p, T_LPAREN);
	do {
		if (paren && check(p, T_RPAREN))
			break;
		if (!accept(p, T_NAME))
			syntax(p);
		import_as(p);
	} while (accept(p, T_COMMA));
	if (paren)
		expect(p, T_RPAREN);
}

static int aug_op(enum tok t)
{
	if (t >= T_PLUSEQ && t <= T_CARETEQ)
		return (int)(t - T_PLUSEQ);
	return -1;
}

static struct node *parse_small(struct parser *p)
{
	struct token t = p->tok;
	struct node *n;

	switch (t.type) {
	case T_PASS:
		next(p);
		return new_node(p, S_PASS, &t);
	case T_BREAK:
	case T_CONTINUE:
		next(p);
		if (!p->loop_depth)
			error_at(p, &t,
			         t.type == T_BREAK
			             ? "'break' outside loop"
			             : "'continue' not properly in loop");
		return new_node(p, t.type == T_BREAK ? S_BREAK : S_CONTINUE,
		                &t);
	case T_RETURN:
		next(p);
		if (!p->func_depth)
			error_at(p, &t, "'return' outside function");
		n = new_node(p, S_RETURN, &t);
		if (starts_expr(p->tok.type))
			n->a = parse_testlist(p);
		return n;
	case T_RAISE:
		next(p);
		n = new_node(p, S_RAISE, &t);
		if (starts_expr(p->tok.type)) {
			n->a = parse_test(p);
			if (accept(p, T_FROM))
				n->b = parse_test(p);
		}
		return n;
	case T_GLOBAL:
		next(p);
		do {
			struct pk_str *name;

			if (!check(p, T_NAME))
				syntax(p);
			name = intern_tok(p, &p->tok);
			if (p->scope->kind == SC_FUNC) {
				if (nl_find(&p->scope->locals, name) >= 0)
					error_at(
					    p, &p->tok,
					    "name '%s' is assigned to before global declaration",
					    name->s);
				if (nl_find(&p->scope->globals, name) < 0)
					nl_add(p, &p->scope->globals, name, 0);
			}
			next(p);
		} while (accept(p, T_COMMA));
		return new_node(p, S_NOP, &t);
	case T_NONLOCAL:
		error_at(p, &t, "'nonlocal' is not supported");
	case T_DEL: {
		struct vec v = {0};
		int i;

		next(p);
		n = new_node(p, S_DEL, &t);
		do {
			struct node *x = parse_binary(p, 1);

			check_target(p, x, true);
			vec_push(p, &v, x);
		} while (accept(p, T_COMMA) && starts_expr(p->tok.type));
		for (i = 0; i < v.n; i++)
			declare_target(p, v.v[i], false);
		n->v = v.v;
		n->n = v.n;
		return n;
	}
	case T_ASSERT:
		next(p);
		n = new_node(p, S_ASSERT, &t);
		n->a = parse_test(p);
		if (accept(p, T_COMMA))
			n->b = parse_test(p);
		return n;
	case T_IMPORT:
	case T_FROM:
		skip_import(p);
		return new_node(p, S_NOP, &t);
	case T_YIELD:
		error_at(p, &t, "'yield' is not supported");
	default:
		break;
	}
	{
		struct node *first = parse_testlist_star(p);
		int op = aug_op(p->tok.type);

		if (op >= 0) {
			if (first->kind != E_NAME && first->kind != E_ATTR &&
			    first->kind != E_INDEX) {
				struct token at = {T_NAME, NULL, 0, first->line,
				                   first->col};

				error_at(
				    p, &at,
				    "'%s' is an illegal expression for augmented assignment",
				    what_is(first));
			}
			next(p);
			n = new_at(p, S_AUG, first);
			n->op = (uint8_t)op;
			n->a = first;
			n->b = parse_testlist(p);
			declare_target(p, first, false);
			return n;
		}
		if (check(p, T_ASSIGN)) {
			struct vec targets = {0};
			struct node *value = first;
			int i;

			while (accept(p, T_ASSIGN)) {
				vec_push(p, &targets, value);
				if (check(p, T_YIELD))
					error_at(p, &p->tok,
					         "'yield' is not supported");
				value = parse_testlist_star(p);
			}
			if (value->kind == E_STARRED) {
				struct token at = {T_NAME, NULL, 0, value->line,
				                   value->col};

				error_at(p, &at,
				         "can't use starred expression here");
			}
			for (i = 0; i < targets.n; i++) {
				check_target(p, targets.v[i], false);
				declare_target(p, targets.v[i], false);
			}
			n = new_at(p, S_ASSIGN, first);
			n->v = targets.v;
			n->n = targets.n;
			n->b = value;
			return n;
		}
		if (check(p, T_COLON) && first->kind == E_NAME)
			error_at(p, &p->tok,
			         "variable annotations are not supported");
		if (first->kind == E_STARRED) {
			struct token at = {T_NAME, NULL, 0, first->line,
			                   first->col};

			error_at(p, &at, "can't use starred expression here");
		}
		n = new_at(p, S_EXPR, first);
		n->a = first;
		return n;
	}
}

static void parse_statement(struct parser *p, struct vec *out)
{
	struct token t = p->tok;

	switch (t.type) {
	case T_IF:
		vec_push(p, out, parse_if(p, "'if' statement"));
		return;
	case T_WHILE: {
		struct node *n = new_node(p, S_WHILE, &t);

		next(p);
		n->a = parse_test(p);
		parse_loop_body(p, n, "'while' statement", t.line);
		vec_push(p, out, n);
		return;
	}
	case T_FOR: {
		struct node *n = new_node(p, S_FOR, &t);

		next(p);
		n->a = parse_target_list(p);
		check_target(p, n->a, false);
		declare_target(p, n->a, false);
		expect(p, T_IN);
		n->b = parse_testlist(p);
		parse_loop_body(p, n, "'for' statement", t.line);
		vec_push(p, out, n);
		return;
	}
	case T_TRY:
		vec_push(p, out, parse_try(p));
		return;
	case T_DEF:
		vec_push(p, out, parse_def(p));
		return;
	case T_CLASS:
		error_at(p, &t, "class definitions are not supported");
	case T_WITH:
		vec_push(p, out, parse_with(p));
		return;
	case T_AT:
		error_at(p, &t, "decorators are not supported");
	case T_INDENT:
		error_at(p, &t, "unexpected indent");
	case T_ELSE:
	case T_ELIF:
	case T_EXCEPT:
	case T_FINALLY:
		error_at(p, &t, "invalid syntax");
	default:
		break;
	}
	for (;;) {
		vec_push(p, out, parse_small(p));
		if (!accept(p, T_SEMI))
			break;
		if (check(p, T_NEWLINE) || check(p, T_EOF))
			break;
	}
	if (!accept(p, T_NEWLINE) && !check(p, T_EOF)) {
		if (check(p, T_DEDENT))
			return;
		if (p->tok.type == T_NAME || p->tok.type == T_INT ||
		    p->tok.type == T_STRING || p->tok.type == T_FLOAT)
			error_at(p, &p->tok, "invalid syntax");
		syntax(p);
	}
}

/* ------------------------------------------------------------------ */
/* driver                                                              */

static bool is_compound(const struct node *n)
{
	return n->kind == S_IF || n->kind == S_WHILE || n->kind == S_FOR ||
	       n->kind == S_TRY || n->kind == S_DEF || n->kind == S_WITH;
}

void pk_parse(struct pk_vm *vm, const char *src, size_t len, const char *file,
              int line0, struct parse_result *res)
{
	struct parser p;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.vm = vm;
	p.res = res;
	lex_init(&p.lx, src, len, line0);
	if (setjmp(p.jb)) {
		while (p.nbufs > 0)
			pk_buf_release(&p.bufs[--p.nbufs]);
		if (p.ar)
			pk_decref(pk_obj_take(p.ar));
		return;
	}
	next(&p);
	while (!check(&p, T_EOF)) {
		struct vec stmts = {0};
		struct scope *ms;
		struct node *n;
		int i;

		if (accept(&p, T_NEWLINE))
			continue;
		p.ar = arena_new(file);
		if (!p.ar)
			nomem(&p);
		p.names_head = p.names_tail = NULL;
		p.scopes_tail = NULL;
		p.scope = NULL;
		ms = new_scope(&p, SC_MODULE);
		p.scope = ms;
		parse_statement(&p, &stmts);
		for (n = p.names_head; n; n = n->next_name)
			resolve(&p, n);
		mark_cells(&p);
		if (res->n + stmts.n > p.stmts_cap) {
			struct toplevel *nt;

			p.stmts_cap = (res->n + stmts.n) * 2;
			nt = pk_xrealloc(res->stmts,
			                 (size_t)p.stmts_cap * sizeof(*nt));
			if (!nt)
				nomem(&p);
			res->stmts = nt;
		}
		for (i = 0; i < stmts.n; i++) {
			res->stmts[res->n].ar = p.ar;
			res->stmts[res->n].stmt = stmts.v[i];
			res->stmts[res->n].nslots = ms->nslots;
			res->stmts[res->n].scope = ms;
			res->n++;
			pk_incref(pk_obj_take(p.ar));
			res->last_compound = is_compound(stmts.v[i]);
		}
		pk_decref(pk_obj_take(p.ar));
		p.ar = NULL;
	}
	res->rest = p.lx.last_content;
}

void pk_parse_release(struct parse_result *res)
{
	int i;

	for (i = 0; i < res->n; i++)
		pk_decref(pk_obj_take(res->stmts[i].ar));
	pk_xfree(res->stmts);
	res->stmts = NULL;
	res->n = 0;
}
