/*
 * ast.h - the syntax tree, its arena, and name resolution data.
 *
 * Each top-level statement is parsed into its own arena; functions made
 * by `def` or `lambda` keep their arena alive by holding a reference to
 * it. Names are resolved once, at parse time, to global slots (stable
 * pointers into the VM's table), local slot indices, or (depth, index)
 * pairs for variables of enclosing functions.
 */
#ifndef PKTSH_AST_H
#define PKTSH_AST_H

#include "lang.h"

enum nkind {
	/* expressions */
	E_CONST,
	E_NAME, /* unresolved: only during parsing */
	E_GLOBAL,
	E_LOCAL,
	E_CELL, /* a local that closures share: its slot holds a cell */
	E_FREE, /* a variable of an enclosing function: closure cell */
	E_ATTR,
	E_INDEX,
	E_SLICE,
	E_CALL,
	E_BINOP,
	E_UNARY,
	E_NOT,
	E_AND,
	E_OR,
	E_CMP,
	E_IFEXP,
	E_LAMBDA,
	E_LIST,
	E_TUPLE,
	E_DICT,
	E_LISTCOMP,
	E_DICTCOMP,
	E_FSTRING,
	E_FMT, /* one {expr!c:spec} of an f-string */
	E_STARRED,
	E_OVERFLOW, /* integer literal too big */
	/* statements */
	S_EXPR,
	S_ASSIGN,
	S_AUG,
	S_DEL,
	S_PASS,
	S_BREAK,
	S_CONTINUE,
	S_RETURN,
	S_IF,
	S_WHILE,
	S_FOR,
	S_DEF,
	S_TRY,
	S_WITH, /* a: context expression, b: target or NULL, v: body */
	S_RAISE,
	S_ASSERT,
	S_NOP,
};

enum cmpkind {
	C_LT,
	C_LE,
	C_GT,
	C_GE,
	C_EQ,
	C_NE,
	C_IN,
	C_NOTIN,
	C_IS,
	C_ISNOT,
};

struct scope;

struct node {
	uint8_t kind;
	uint8_t op;
	uint16_t flags;
	int line, col;
	struct node *a, *b, *c;
	struct node **v;
	int n;
	struct node **v2;
	int n2;
	struct pk_str *name; /* names, attributes, def names */
	union {
		pk_val val;          /* E_CONST */
		struct scope *scope; /* E_NAME before resolution */
		struct pk_gslot *g;  /* E_GLOBAL */
		struct {
			int depth, idx;
		} loc; /* E_LOCAL, E_CELL: idx = slot; E_FREE: idx = cell */
	} u;
	void *extra;
	struct node *next_name; /* E_NAME: creation order list */
};

/* node flags */
#define NF_STARARGS    1 /* call has *args */
#define NF_KWARGS      2 /* call has **kwargs */
#define NF_SIMPLE_CALL 4 /* positional only, no stars */

struct callinfo {
	struct pk_str **kwnames; /* n2 entries; NULL for **expr */
	struct pk_callsite site;
	const struct pk_type *mtype; /* method cache for obj.meth(...) */
	const struct pk_method *meth;
};

struct handler {
	struct node *type; /* NULL: bare except */
	struct node *target;
	struct node **body;
	int n;
	int line, col;
};

struct tryinfo {
	struct handler *h;
	int nh;
	struct node **final;
	int nfinal;
	bool has_final;
};

struct compgen {
	struct node *target, *iter;
	struct node **ifs;
	int nifs;
};

struct compinfo {
	struct compgen *g;
	int ng;
};

struct fndef {
	struct pk_str *name;
	int nparams;
	struct pk_str **params;
	struct node **defaults; /* for the last ndefaults params */
	int ndefaults;
	int vararg, kwarg; /* slot or -1 */
	int nslots;
	struct node **body;
	int nbody;
	struct node *expr; /* lambda body */
	struct scope *scope;
	int line, col;
};

/* scopes */
enum { SC_MODULE, SC_FUNC, SC_COMP };

struct namelist {
	struct pk_str **names;
	int *slots;
	int n, cap;
};

struct scope {
	int kind;
	struct scope *parent;
	struct scope *frame; /* the scope owning the slots */
	struct namelist locals;
	struct namelist globals;
	int nslots;
	struct scope *next_created;
	/* frame scopes: which slots are shared with closures (cells) */
	bool *captured;
	/* functions: free variables; slots[k] = 2 * index + from, where
	 * from is FREE_FROM_SLOT (a cell slot of the enclosing frame) or
	 * FREE_FROM_FREE (a free variable of the enclosing function) */
	struct namelist frees;
};

#define FREE_FROM_SLOT 0
#define FREE_FROM_FREE 1

/* the arena: an object so functions can hold it */
struct arena {
	struct pk_obj h;
	struct chunk *chunks;
	pk_val *vals; /* constants to release */
	size_t nvals, capvals;
	char file[];
};

struct arena *arena_new(const char *file);
void *arena_alloc(struct arena *ar, size_t n); /* zeroed, NULL on OOM */
int arena_keep(struct arena *ar, pk_val v);    /* takes v */

/* parser.c */
struct toplevel {
	struct arena *ar;
	struct node *stmt;
	int nslots; /* locals of the statement (comprehension variables) */
	struct scope *scope;
};

struct parse_result {
	struct toplevel *stmts;
	int n;
	bool error, eof, nomem;
	int line, col;
	char msg[200];
	bool last_compound;
	const char *rest; /* source after the last real token */
	bool in_bracket;
};

void pk_parse(struct pk_vm *vm, const char *src, size_t len, const char *file,
              int line0, struct parse_result *res);
void pk_parse_release(struct parse_result *res);

/* eval.c */
extern const struct pk_type pk_type_arena;

#endif
