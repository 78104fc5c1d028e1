/*
 * lexer.c - Python's tokens, INDENT/DEDENT from indentation, implicit
 * line joining inside brackets, backslash continuation. No allocation.
 */
#include <stdio.h>
#include <string.h>

#include "lexer.h"

static const struct {
	const char *s;
	enum tok t;
} keywords[] = {
    {"False", T_FALSE}, {"None", T_NONE},     {"True", T_TRUE},
    {"and", T_AND},     {"as", T_AS},         {"assert", T_ASSERT},
    {"break", T_BREAK}, {"class", T_CLASS},   {"continue", T_CONTINUE},
    {"def", T_DEF},     {"del", T_DEL},       {"elif", T_ELIF},
    {"else", T_ELSE},   {"except", T_EXCEPT}, {"finally", T_FINALLY},
    {"for", T_FOR},     {"from", T_FROM},     {"global", T_GLOBAL},
    {"if", T_IF},       {"import", T_IMPORT}, {"in", T_IN},
    {"is", T_IS},       {"lambda", T_LAMBDA}, {"nonlocal", T_NONLOCAL},
    {"not", T_NOT},     {"or", T_OR},         {"pass", T_PASS},
    {"raise", T_RAISE}, {"return", T_RETURN}, {"try", T_TRY},
    {"while", T_WHILE}, {"with", T_WITH},     {"yield", T_YIELD},
};

/* operators, longest first within each leading character */
static const struct {
	const char *s;
	enum tok t;
} ops[] = {
    {"**=", T_DSTAREQ},  {"//=", T_DSLASHEQ}, {"<<=", T_LSHIFTEQ},
    {">>=", T_RSHIFTEQ}, {"**", T_DSTAR},     {"//", T_DSLASH},
    {"<<", T_LSHIFT},    {">>", T_RSHIFT},    {"<=", T_LE},
    {">=", T_GE},        {"==", T_EQ},        {"!=", T_NE},
    {"->", T_ARROW},     {":=", T_WALRUS},    {"+=", T_PLUSEQ},
    {"-=", T_MINUSEQ},   {"*=", T_STAREQ},    {"/=", T_SLASHEQ},
    {"%=", T_PERCENTEQ}, {"&=", T_AMPEQ},     {"|=", T_PIPEEQ},
    {"^=", T_CARETEQ},   {"(", T_LPAREN},     {")", T_RPAREN},
    {"[", T_LBRACK},     {"]", T_RBRACK},     {"{", T_LBRACE},
    {"}", T_RBRACE},     {",", T_COMMA},      {":", T_COLON},
    {".", T_DOT},        {";", T_SEMI},       {"@", T_AT},
    {"=", T_ASSIGN},     {"+", T_PLUS},       {"-", T_MINUS},
    {"*", T_STAR},       {"/", T_SLASH},      {"%", T_PERCENT},
    {"&", T_AMP},        {"|", T_PIPE},       {"^", T_CARET},
    {"~", T_TILDE},      {"<", T_LT},         {">", T_GT},
};

const char *tok_name(enum tok t)
{
	size_t i;

	switch (t) {
	case T_EOF:
		return "end of input";
	case T_NEWLINE:
		return "newline";
	case T_INDENT:
		return "indent";
	case T_DEDENT:
		return "dedent";
	case T_NAME:
		return "name";
	case T_INT:
	case T_FLOAT:
		return "number";
	case T_STRING:
		return "string";
	default:
		break;
	}
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].t == t)
			return keywords[i].s;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].t == t)
			return ops[i].s;
	return "token";
}

void lex_init(struct lexer *lx, const char *src, size_t len, int line0)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = lx->p = lx->line_start = src;
	lx->end = src + len;
	lx->line = line0 > 0 ? line0 : 1;
	lx->nind = 1;
	lx->indents[0] = 0;
	lx->at_bol = true;
	lx->last_content = src;
}

static bool is_id_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static bool is_id(unsigned char c)
{
	return is_id_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void set_tok(struct lexer *lx, struct token *t, enum tok type,
                    const char *start, size_t len)
{
	t->type = type;
	t->start = start;
	t->len = len;
	t->line = lx->line;
	t->col = (int)(start - lx->line_start) + 1;
}

static void error(struct lexer *lx, struct token *t, const char *start,
                  const char *msg, bool eof)
{
	snprintf(lx->errbuf, sizeof(lx->errbuf), "%s", msg);
	lx->err = lx->errbuf;
	lx->err_eof = eof;
	set_tok(lx, t, T_ERROR, start, 1);
}

static void newline_at(struct lexer *lx, const char *nl)
{
	lx->line++;
	lx->line_start = nl + 1;
}

static bool at_end(struct lexer *lx)
{
	return lx->p >= lx->end || !*lx->p;
}

/* after the prefix: the quote at lx->p */
static void lex_string(struct lexer *lx, struct token *t, const char *start)
{
	char q = *lx->p;
	bool triple = lx->p[1] == q && lx->p[2] == q;
	int sline = lx->line;
	const char *sline_start = lx->line_start;
	bool cont = false; /* just after a backslash-newline */

	lx->p += triple ? 3 : 1;
	for (;;) {
		if (at_end(lx)) {
			char msg[96];

			snprintf(
			    msg, sizeof(msg),
			    triple
			        ? "unterminated triple-quoted string literal (detected at line %d)"
			        : "unterminated string literal (detected at line %d)",
			    lx->line);
			lx->line = sline;
			lx->line_start = sline_start;
			/* input ending in a string continued with a backslash
			 * is unfinished, like an open triple quote */
			error(lx, t, start, msg, triple || cont);
			return;
		}
		if (*lx->p == '\\') {
			lx->p++;
			if (at_end(lx)) {
				cont = true;
				continue;
			}
			cont = *lx->p == '\n';
			if (cont)
				newline_at(lx, lx->p);
			lx->p++;
			continue;
		}
		cont = false;
		if (*lx->p == '\n') {
			if (!triple) {
				char msg[96];

				snprintf(
				    msg, sizeof(msg),
				    "unterminated string literal (detected at line %d)",
				    lx->line);
				error(lx, t, start, msg, false);
				return;
			}
			newline_at(lx, lx->p);
			lx->p++;
			continue;
		}
		if (*lx->p == q) {
			if (!triple) {
				lx->p++;
				break;
			}
			if (lx->p[1] == q && lx->p[2] == q) {
				lx->p += 3;
				break;
			}
		}
		lx->p++;
	}
	t->type = T_STRING;
	t->start = start;
	t->len = (size_t)(lx->p - start);
	t->line = sline;
	t->col = (int)(start - sline_start) + 1;
}

static void lex_number(struct lexer *lx, struct token *t)
{
	const char *s = lx->p;
	bool isfloat = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' ||
	                    s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
		lx->p += 2;
		while (is_id((unsigned char)*lx->p))
			lx->p++;
	} else {
		while (is_digit(*lx->p) || *lx->p == '_')
			lx->p++;
		if (*lx->p == '.' && lx->p[1] != '.') {
			isfloat = true;
			lx->p++;
			while (is_digit(*lx->p) || *lx->p == '_')
				lx->p++;
		}
		if ((*lx->p == 'e' || *lx->p == 'E') &&
		    (is_digit(lx->p[1]) ||
		     ((lx->p[1] == '+' || lx->p[1] == '-') &&
		      is_digit(lx->p[2])))) {
			isfloat = true;
			lx->p += 2;
			while (is_digit(*lx->p) || *lx->p == '_')
				lx->p++;
		}
		if (*lx->p == 'j' || *lx->p == 'J') {
			error(lx, t, s, "complex numbers are not supported",
			      false);
			return;
		}
		if (is_id_start((unsigned char)*lx->p)) {
			error(lx, t, s, "invalid decimal literal", false);
			return;
		}
	}
	set_tok(lx, t, isfloat ? T_FLOAT : T_INT, s, (size_t)(lx->p - s));
}

static bool string_prefix(const char *s, size_t n)
{
	char a, b;

	if (n == 1) {
		a = (char)(s[0] | 32);
		return a == 'r' || a == 'b' || a == 'f' || a == 'u';
	}
	if (n == 2) {
		a = (char)(s[0] | 32);
		b = (char)(s[1] | 32);
		return (a == 'r' && (b == 'b' || b == 'f')) ||
		       (b == 'r' && (a == 'b' || a == 'f'));
	}
	return false;
}

void lex_next(struct lexer *lx, struct token *t)
{
	const char *s;
	size_t i;

	if (lx->err) {
		set_tok(lx, t, T_ERROR, lx->p, 0);
		return;
	}
	if (lx->dedents > 0) {
		lx->dedents--;
		set_tok(lx, t, T_DEDENT, lx->p, 0);
		return;
	}
	for (;;) {
		if (lx->at_bol && lx->depth == 0) {
			int col = 0;

			while (!at_end(lx) &&
			       (*lx->p == ' ' || *lx->p == '\t' ||
			        *lx->p == '\f')) {
				if (*lx->p == '\t')
					col = (col / 8 + 1) * 8;
				else if (*lx->p == ' ')
					col++;
				else
					col = 0;
				lx->p++;
			}
			if (*lx->p == '#') {
				while (!at_end(lx) && *lx->p != '\n')
					lx->p++;
			}
			if (*lx->p == '\r')
				lx->p++;
			if (!at_end(lx) && *lx->p == '\n') {
				newline_at(lx, lx->p);
				lx->p++;
				continue;
			}
			if (at_end(lx))
				break;
			lx->at_bol = false;
			if (col > lx->indents[lx->nind - 1]) {
				if (lx->nind >= LEX_MAX_INDENT) {
					error(lx, t, lx->p,
					      "too many levels of indentation",
					      false);
					return;
				}
				lx->indents[lx->nind++] = col;
				set_tok(lx, t, T_INDENT, lx->p, 0);
				return;
			}
			if (col < lx->indents[lx->nind - 1]) {
				int n = 0;

				while (lx->nind > 1 &&
				       lx->indents[lx->nind - 1] > col) {
					lx->nind--;
					n++;
				}
				if (lx->indents[lx->nind - 1] != col) {
					error(
					    lx, t, lx->p,
					    "unindent does not match any outer indentation level",
					    false);
					return;
				}
				lx->dedents = n - 1;
				set_tok(lx, t, T_DEDENT, lx->p, 0);
				return;
			}
		}
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\f' ||
		       *lx->p == '\r')
			lx->p++;
		if (*lx->p == '#') {
			while (!at_end(lx) && *lx->p != '\n')
				lx->p++;
		}
		if (*lx->p == '\\' &&
		    (lx->p[1] == '\n' ||
		     (lx->p[1] == '\r' && lx->p[2] == '\n'))) {
			if (lx->p[1] == '\r')
				lx->p++;
			newline_at(lx, lx->p + 1);
			lx->p += 2;
			if (at_end(lx)) {
				error(lx, t, lx->p,
				      "unexpected EOF while parsing", true);
				return;
			}
			continue;
		}
		if (*lx->p == '\\' && lx->p + 1 >= lx->end) {
			error(lx, t, lx->p, "unexpected EOF while parsing",
			      true);
			return;
		}
		if (!at_end(lx) && *lx->p == '\n') {
			const char *nl = lx->p;

			if (lx->depth > 0 || !lx->emitted_any) {
				newline_at(lx, nl);
				lx->p++;
				continue;
			}
			set_tok(lx, t, T_NEWLINE, nl, 1);
			newline_at(lx, nl);
			lx->p++;
			lx->at_bol = true;
			lx->emitted_any = false;
			return;
		}
		break;
	}
	if (at_end(lx)) {
		if (lx->depth > 0) {
			/* inside brackets: the statement cannot end here */
			set_tok(lx, t, T_EOF, lx->p, 0);
			return;
		}
		if (lx->emitted_any) {
			lx->emitted_any = false;
			set_tok(lx, t, T_NEWLINE, lx->p, 0);
			return;
		}
		if (lx->nind > 1) {
			lx->nind--;
			set_tok(lx, t, T_DEDENT, lx->p, 0);
			return;
		}
		set_tok(lx, t, T_EOF, lx->p, 0);
		return;
	}
	lx->emitted_any = true;
	s = lx->p;
	if (is_id_start((unsigned char)*s)) {
		while (is_id((unsigned char)*lx->p))
			lx->p++;
		if ((*lx->p == '\'' || *lx->p == '"') &&
		    string_prefix(s, (size_t)(lx->p - s))) {
			lex_string(lx, t, s);
			lx->last_content = lx->p;
			return;
		}
		set_tok(lx, t, T_NAME, s, (size_t)(lx->p - s));
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].s) == t->len &&
			    !memcmp(keywords[i].s, s, t->len)) {
				t->type = keywords[i].t;
				break;
			}
		lx->last_content = lx->p;
		return;
	}
	if (is_digit(*s) || (*s == '.' && is_digit(s[1]))) {
		lex_number(lx, t);
		lx->last_content = lx->p;
		return;
	}
	if (*s == '\'' || *s == '"') {
		lex_string(lx, t, s);
		lx->last_content = lx->p;
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].s);

		if (!strncmp(s, ops[i].s, n)) {
			lx->p += n;
			set_tok(lx, t, ops[i].t, s, n);
			if (t->type == T_LPAREN || t->type == T_LBRACK ||
			    t->type == T_LBRACE)
				lx->depth++;
			else if ((t->type == T_RPAREN || t->type == T_RBRACK ||
			          t->type == T_RBRACE) &&
			         lx->depth > 0)
				lx->depth--;
			lx->last_content = lx->p;
			return;
		}
	}
	{
		char msg[64];

		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			snprintf(msg, sizeof(msg),
			         "invalid character '\\x%02x' in input",
			         (unsigned char)*s);
		else
			snprintf(msg, sizeof(msg), "invalid character '%c'",
			         *s);
		error(lx, t, s, msg, false);
	}
}
