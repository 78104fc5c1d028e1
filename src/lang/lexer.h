/*
 * lexer.h - tokens of the scapy-Python language. The lexer allocates
 * nothing: a token is a slice of the source. Input must be NUL
 * terminated, so one byte of look-ahead is always safe.
 */
#ifndef PKTSH_LEXER_H
#define PKTSH_LEXER_H

#include <stdbool.h>
#include <stddef.h>

enum tok {
	T_EOF = 0,
	T_NEWLINE,
	T_INDENT,
	T_DEDENT,
	T_NAME,
	T_INT,
	T_FLOAT,
	T_STRING,
	T_ERROR,
	/* keywords */
	T_FALSE,
	T_NONE,
	T_TRUE,
	T_AND,
	T_AS,
	T_ASSERT,
	T_BREAK,
	T_CLASS,
	T_CONTINUE,
	T_DEF,
	T_DEL,
	T_ELIF,
	T_ELSE,
	T_EXCEPT,
	T_FINALLY,
	T_FOR,
	T_FROM,
	T_GLOBAL,
	T_IF,
	T_IMPORT,
	T_IN,
	T_IS,
	T_LAMBDA,
	T_NONLOCAL,
	T_NOT,
	T_OR,
	T_PASS,
	T_RAISE,
	T_RETURN,
	T_TRY,
	T_WHILE,
	T_WITH,
	T_YIELD,
	/* operators */
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_LBRACE,
	T_RBRACE,
	T_COMMA,
	T_COLON,
	T_DOT,
	T_SEMI,
	T_AT,
	T_ASSIGN,
	T_ARROW,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_DSLASH,
	T_PERCENT,
	T_DSTAR,
	T_LSHIFT,
	T_RSHIFT,
	T_AMP,
	T_PIPE,
	T_CARET,
	T_TILDE,
	T_LT,
	T_GT,
	T_LE,
	T_GE,
	T_EQ,
	T_NE,
	T_WALRUS,
	/* augmented assignment: same order as the plain operators */
	T_PLUSEQ,
	T_MINUSEQ,
	T_STAREQ,
	T_SLASHEQ,
	T_DSLASHEQ,
	T_PERCENTEQ,
	T_DSTAREQ,
	T_LSHIFTEQ,
	T_RSHIFTEQ,
	T_AMPEQ,
	T_PIPEEQ,
	T_CARETEQ,
	T__COUNT
};

struct token {
	enum tok type;
	const char *start;
	size_t len;
	int line, col;
};

#define LEX_MAX_INDENT 100

struct lexer {
	const char *src, *p, *end;
	const char *line_start;
	int line;
	int indents[LEX_MAX_INDENT];
	int nind;
	int pending; /* >0: INDENTs to emit... we emit one at a time */
	int dedents; /* DEDENTs still to emit */
	int depth;   /* bracket nesting: newlines are insignificant inside */
	bool at_bol; /* at the beginning of a logical line */
	bool emitted_any;         /* a token on the current logical line */
	bool eof_newline;         /* final NEWLINE emitted */
	const char *last_content; /* end of the last real token */
	/* error */
	const char *err;
	bool err_eof; /* the error is "input ended too early" */
	char errbuf[96];
};

void lex_init(struct lexer *lx, const char *src, size_t len, int line0);
void lex_next(struct lexer *lx, struct token *t);
const char *tok_name(enum tok t);

#endif
