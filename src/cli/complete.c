/*
 * complete.c - tab completion for the interactive shell.
 *
 *   pri<TAB>          globals (builtins, variables, layers) and keywords
 *   p.pay<TAB>        attributes of p: the text before the last dot is
 *                     looked up only if it is a name or a dotted name;
 *                     completion never calls a function
 *   IP(d<TAB>         "dst=": field names of the layer class whose
 *                     parenthesis is the innermost one still open
 *   <TAB> on an empty line indents by four spaces
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "pktsh/packet.h"
#include "pktsh/proto.h"
#include "pktsh/value.h"
#include "pktsh/vm.h"

#include "cli.h"

static struct pk_vm *cvm;

static const char *const keywords[] = {
    "and",  "as",       "assert", "break",  "class", "continue", "def",
    "del",  "elif",     "else",   "except", "False", "finally",  "for",
    "from", "global",   "if",     "import", "in",    "is",       "lambda",
    "None", "nonlocal", "not",    "or",     "pass",  "raise",    "return",
    "True", "try",      "while",  "with",   "yield", NULL};

/* The candidates of one completion (malloc'ed: readline frees them). */
struct cands {
	char **v;
	size_t n, alloc;
	const char *prefix; /* what the name must start with */
	size_t plen;
	const char *head; /* put before each name ("p." for attributes) */
	size_t hlen;
	const char *tail; /* put after it ("=" for fields) */
};

static struct cands cur;

static void cands_reset(void)
{
	size_t i;

	for (i = 0; i < cur.n; i++)
		free(cur.v[i]);
	free(cur.v);
	memset(&cur, 0, sizeof(cur));
}

static void add_cand(void *ctx, const char *name)
{
	struct cands *c = ctx;
	size_t nlen = strlen(name), tlen = c->tail ? strlen(c->tail) : 0;
	char *s;

	if (strncmp(name, c->prefix, c->plen))
		return;
	/* private names only when asked for */
	if (name[0] == '_' && c->prefix[0] != '_')
		return;
	if (c->n == c->alloc) {
		size_t n = c->alloc ? 2 * c->alloc : 32;
		char **v = realloc(c->v, n * sizeof(*v));

		if (!v)
			return;
		c->v = v;
		c->alloc = n;
	}
	s = malloc(c->hlen + nlen + tlen + 1);
	if (!s)
		return;
	memcpy(s, c->head, c->hlen);
	memcpy(s + c->hlen, name, nlen);
	if (tlen)
		memcpy(s + c->hlen + nlen, c->tail, tlen);
	s[c->hlen + nlen + tlen] = '\0';
	c->v[c->n++] = s;
}

static bool is_ident_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/*
 * The value of a plain or dotted name, as a new reference, or UNDEF.
 * Only names are looked up: nothing is called.
 */
static pk_val resolve(const char *s, size_t len)
{
	pk_val v = pk_undef(), next;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		char name[256];

		if (isdigit((unsigned char)s[i]))
			goto fail;
		while (j < len && is_ident_char(s[j]))
			j++;
		if (j == i || j - i >= sizeof(name) || (j < len && s[j] != '.'))
			goto fail;
		memcpy(name, s + i, j - i);
		name[j - i] = '\0';
		if (pk_is_undef(v)) {
			v = pk_incref(pk_vm_get_global(cvm, name));
			if (pk_is_undef(v))
				return v;
		} else {
			struct pk_str *k = pk_intern(name, j - i);

			if (!k || pk_getattr(cvm, v, k, &next) < 0) {
				pk_vm_clear_error(cvm);
				goto fail;
			}
			pk_decref(v);
			v = next;
		}
		i = j + 1;
		if (j == len - 1) /* trailing dot */
			goto fail;
	}
	return v;
fail:
	pk_decref(v);
	return pk_undef();
}

/*
 * The name before the innermost '(' still open in line[0..end), or NULL.
 * Strings are skipped so that "f(')'" still counts as open.
 */
static const char *open_call(const char *line, size_t end, size_t *namelen)
{
	size_t stack[64], depth = 0, i, p, j;
	char quote = 0;

	for (i = 0; i < end; i++) {
		char c = line[i];

		if (quote) {
			if (c == '\\')
				i++;
			else if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '#') {
			break;
		} else if (c == '(' || c == '[' || c == '{') {
			if (depth == sizeof(stack) / sizeof(stack[0]))
				return NULL;
			stack[depth++] = i;
		} else if ((c == ')' || c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	if (!depth || line[stack[depth - 1]] != '(')
		return NULL;
	p = stack[depth - 1];
	while (p > 0 && line[p - 1] == ' ')
		p--;
	j = p;
	while (j > 0 && (is_ident_char(line[j - 1]) || line[j - 1] == '.'))
		j--;
	if (j == p)
		return NULL;
	*namelen = p - j;
	return line + j;
}

/* Is the word at `start` where a keyword argument may go? */
static bool at_argument(const char *line, size_t start)
{
	while (start > 0 && line[start - 1] == ' ')
		start--;
	return start > 0 && (line[start - 1] == '(' || line[start - 1] == ',');
}

static void add_fields(const char *line, size_t start)
{
	size_t nlen, i;
	const char *name = open_call(line, start, &nlen);
	char cname[64];
	pk_val cls;

	if (!name || !at_argument(line, start))
		return;
	cls = resolve(name, nlen);
	/* field names of a layer class only: methods are no keywords */
	if (!pk_is_type(cls, &pk_type_proto))
		goto out;
	cur.tail = "=";
	if (cls.u.o->type->attrnames) {
		cls.u.o->type->attrnames(cls, add_cand, &cur);
	} else if (nlen < sizeof(cname) && !memchr(name, '.', nlen)) {
		/* no hook: the field table of the class of that name */
		const struct pk_proto *p;

		memcpy(cname, name, nlen);
		cname[nlen] = '\0';
		p = pk_proto_find(cvm, cname);
		for (i = 0; p && i < p->nfields; i++)
			add_cand(&cur, p->fields[i].name);
	}
	cur.tail = NULL;
out:
	pk_decref(cls);
}

static void collect(const char *text, size_t start)
{
	const char *dot = strrchr(text, '.');
	size_t i;

	cands_reset();
	if (dot) {
		pk_val v = resolve(text, (size_t)(dot - text));

		if (pk_is_undef(v))
			return;
		cur.prefix = dot + 1;
		cur.plen = strlen(dot + 1);
		cur.head = text;
		cur.hlen = (size_t)(dot + 1 - text);
		pk_attrnames(v, add_cand, &cur);
		pk_decref(v);
		return;
	}
	cur.prefix = text;
	cur.plen = strlen(text);
	cur.head = "";
	add_fields(rl_line_buffer, start);
	pk_vm_globals(cvm, add_cand, &cur);
	for (i = 0; keywords[i]; i++)
		add_cand(&cur, keywords[i]);
}

static char *generate(const char *text, int state)
{
	static size_t next;

	if (!state)
		next = 0;
	if (next < cur.n) {
		char *s = cur.v[next];

		cur.v[next++] = NULL;
		return s;
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	size_t i;
	char **m;

	rl_attempted_completion_over = 1; /* never file names */
	rl_completion_append_character = '\0';
	for (i = 0; i < (size_t)start; i++)
		if (rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t')
			break;
	if (i == (size_t)start && !*text) {
		m = calloc(2, sizeof(*m));
		if (m)
			m[0] = strdup("    ");
		return m;
	}
	collect(text, (size_t)start);
	m = rl_completion_matches(text, generate);
	cands_reset();
	return m;
}

void cli_complete_init(struct pk_vm *vm)
{
	cvm = vm;
	/* no '.': "p.pay" is one word, completed as a whole */
	rl_completer_word_break_characters =
	    " \t\n\"\\'`@$><=;|&{}()[],+-*/%^~!:";
	rl_attempted_completion_function = complete;
}
