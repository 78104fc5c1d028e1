/*
 * repl.c - statements one at a time: the interactive shell and pipes.
 *
 * Both read lines and hand them to a feeder, which decides when a
 * statement is whole (Python's REPL rules, as lua.c's incomplete()):
 *
 *  - A line that opens a compound statement (if/for/while/def/class/try/
 *    with, or a decorator) starts a block. A block ends at an empty line,
 *    as in Python's REPL, or at a line that is not indented and does not
 *    go on with the statement (elif/else/except/finally): that line then
 *    starts the next statement. (Python's REPL reports a SyntaxError
 *    there; accepting it lets ordinary scripts be piped in.)
 *  - Any other line runs at once, unless the VM says the input ends inside
 *    a bracket or a string (PK_RUN_INCOMPLETE): then the next lines are
 *    added until it is whole.
 *
 * Statements run in PK_RUN_SINGLE mode, so expression values are echoed.
 * Line numbers in messages count every line read since the start.
 *
 * On a terminal an error is shown under the line that was typed, a caret
 * in the column the VM reports, then "ExcName: message":
 *
 *     >>> x = Ehter()
 *             ^
 *     NameError: name 'Ehter' is not defined (did you mean 'Ether'?)
 *
 * If the error is on an earlier line (in a block, or in a function
 * defined before) that line is printed again first, indented by four
 * like the prompt. Errors from code read from elsewhere (a script run
 * with -i) get a "FILE:LINE:COL: " prefix instead. The message (and
 * caret) are red when stderr is a terminal, unless NO_COLOR is set or
 * TERM is "dumb". From a pipe an error is the one line
 * "<stdin>:LINE:COL: error: ExcName: message" on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "pktsh/alloc.h"
#include "pktsh/buf.h"
#include "pktsh/vm.h"

#include "cli.h"

enum feed_result {
	FEED_DONE, /* statement finished: show ">>> " */
	FEED_MORE, /* statement goes on: show "... " */
	FEED_EXIT, /* exit()/quit() */
};

struct feeder {
	struct pk_vm *vm;
	struct pk_buf src; /* the statement read so far */
	int start;         /* line number of its first line */
	int lineno;        /* lines read so far */
	bool block;        /* src opens a compound statement */
	bool deco;         /* its last line is a decorator */
	bool interactive;
	bool color;
	int nerrors;
	int exit_code;
	/* interactive: every line read, to show the one an error is on */
	char **lines;
	size_t nlines, alloc;
};

static void feeder_init(struct feeder *f, struct pk_vm *vm, bool interactive)
{
	memset(f, 0, sizeof(*f));
	f->vm = vm;
	pk_buf_init(&f->src, 0);
	f->interactive = interactive;
}

static void feeder_release(struct feeder *f)
{
	size_t i;

	for (i = 0; i < f->nlines; i++)
		pk_xfree(f->lines[i]);
	pk_xfree(f->lines);
	pk_buf_release(&f->src);
}

static void remember_line(struct feeder *f, const char *line)
{
	char *copy;

	if (f->nlines == f->alloc) {
		size_t n = f->alloc ? 2 * f->alloc : 64;
		char **p = pk_xrealloc(f->lines, n * sizeof(*p));

		if (!p)
			return;
		f->lines = p;
		f->alloc = n;
	}
	copy = pk_xstrndup(line, strlen(line));
	if (copy)
		f->lines[f->nlines++] = copy;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\f' || *s == '\r')
		s++;
	return s;
}

static bool is_blank(const char *s)
{
	return *skip_ws(s) == '\0';
}

static bool is_comment_or_blank(const char *s)
{
	s = skip_ws(s);
	return *s == '\0' || *s == '#';
}

static bool first_word_in(const char *s, const char *const *words)
{
	size_t n = 0;

	s = skip_ws(s);
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
		n++;
	for (; *words; words++)
		if (strlen(*words) == n && !strncmp(*words, s, n))
			return true;
	return false;
}

static bool starts_block(const char *s)
{
	static const char *const kw[] = {"if",  "for",  "while", "def", "class",
	                                 "try", "with", "async", NULL};

	return *skip_ws(s) == '@' || first_word_in(s, kw);
}

static bool continues_block(const char *s)
{
	static const char *const kw[] = {"elif", "else", "except", "finally",
	                                 NULL};

	return first_word_in(s, kw);
}

static void show_error(struct feeder *f)
{
	struct pk_error_info e;
	struct pk_buf b = PK_BUF_INIT;
	const char *red = f->color ? "\033[1;31m" : "";
	const char *off = f->color ? "\033[0m" : "";

	pk_vm_error(f->vm, &e);
	if (e.exc_name && !strcmp(e.exc_name, "KeyboardInterrupt")) {
		cli_write_err("KeyboardInterrupt\n", 18);
		return;
	}
	if (e.file && !strcmp(e.file, "<stdin>") && e.line >= 1 &&
	    (size_t)e.line <= f->nlines && e.col >= 1) {
		const char *text = f->lines[e.line - 1];
		size_t len = strlen(text), i;
		int col = 0;

		if (e.line != f->lineno)
			pk_buf_addf(&b, "    %s\n", text);
		pk_buf_addstr(&b, "    ");
		/* keep tabs so the caret lines up; UTF-8 continuation bytes
		 * take no column */
		for (i = 0; col < e.col - 1; i++) {
			if (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
				continue;
			pk_buf_addch(&b,
			             i < len && text[i] == '\t' ? '\t' : ' ');
			col++;
		}
		pk_buf_addf(&b, "%s^%s\n", red, off);
	} else if (e.file && e.line >= 1) {
		pk_buf_addf(&b, "%s:%d:%d: ", e.file, e.line, e.col);
	}
	pk_buf_addstr(&b, red);
	if (e.is_syntax)
		pk_buf_addstr(&b, "SyntaxError");
	else
		pk_buf_addstr(&b, e.exc_name ? e.exc_name : "Error");
	if (e.message && *e.message)
		pk_buf_addf(&b, ": %s", e.message);
	pk_buf_addf(&b, "%s\n", off);
	cli_write_err(b.buf, b.len);
	pk_buf_release(&b);
}

static void clear_statement(struct feeder *f)
{
	pk_buf_reset(&f->src);
	f->block = false;
	f->deco = false;
}

/* What to do after a run that did not ask for more input. */
static enum feed_result finish(struct feeder *f, enum pk_run_status st)
{
	clear_statement(f);
	switch (st) {
	case PK_RUN_OK:
	case PK_RUN_INCOMPLETE:
		return FEED_DONE;
	case PK_RUN_EXIT:
		f->exit_code = pk_vm_exit_code(f->vm);
		return FEED_EXIT;
	case PK_RUN_ERROR:
		break;
	}
	f->nerrors++;
	if (f->interactive)
		show_error(f);
	else
		cli_report_error(f->vm);
	pk_vm_clear_error(f->vm);
	return FEED_DONE;
}

static enum feed_result run_statement(struct feeder *f)
{
	enum pk_run_status st;

	pk_interrupted = 0;
	st = pk_vm_run(f->vm, f->src.buf, f->src.len, "<stdin>", f->start,
	               PK_RUN_SINGLE);
	fflush(stdout);
	if (st == PK_RUN_INCOMPLETE)
		return FEED_MORE;
	return finish(f, st);
}

static void add_line(struct feeder *f, const char *line)
{
	pk_buf_addstr(&f->src, line);
	pk_buf_addch(&f->src, '\n');
	f->deco = *skip_ws(line) == '@';
}

/* `line` is the current line (f->lineno), without its newline. */
static enum feed_result feed_at(struct feeder *f, const char *line)
{
	enum feed_result r;
	size_t keep;

	if (!f->src.len) {
		if (is_comment_or_blank(line))
			return FEED_DONE;
		f->start = f->lineno;
		f->block = starts_block(line);
		add_line(f, line);
		return f->block ? FEED_MORE : run_statement(f);
	}
	if (!f->block) {
		/* inside brackets, a string or after a backslash */
		add_line(f, line);
		return run_statement(f);
	}
	if (is_blank(line)) {
		pk_buf_addch(&f->src, '\n');
		return run_statement(f);
	}
	if (line[0] == ' ' || line[0] == '\t' || line[0] == '#' ||
	    continues_block(line) || f->deco) {
		add_line(f, line);
		return FEED_MORE;
	}
	/* A dedented line: the block is over, unless it is still open. */
	keep = f->src.len;
	pk_buf_addch(&f->src, '\n');
	r = run_statement(f);
	if (r == FEED_MORE) {
		pk_buf_setlen(&f->src, keep);
		add_line(f, line);
		return FEED_MORE;
	}
	if (r == FEED_EXIT)
		return r;
	return feed_at(f, line);
}

static enum feed_result feed(struct feeder *f, const char *line)
{
	f->lineno++;
	if (f->interactive)
		remember_line(f, line);
	return feed_at(f, line);
}

/* A pasted block (bracketed paste) comes as one line with newlines. */
static enum feed_result feed_lines(struct feeder *f, char *text)
{
	enum feed_result r;
	char *nl;

	while ((nl = strchr(text, '\n'))) {
		*nl = '\0';
		r = feed(f, text);
		if (r == FEED_EXIT)
			return r;
		text = nl + 1;
	}
	return feed(f, text);
}

/* End of input with a statement pending. */
static enum feed_result feed_eof(struct feeder *f)
{
	enum pk_run_status st;

	if (!f->src.len)
		return FEED_DONE;
	if (f->block) {
		enum feed_result r;

		pk_buf_addch(&f->src, '\n');
		r = run_statement(f);
		if (r != FEED_MORE)
			return r;
	}
	/* Still incomplete: let the parser say what is missing. */
	pk_interrupted = 0;
	st = pk_vm_run(f->vm, f->src.buf, f->src.len, "<stdin>", f->start,
	               PK_RUN_FILE);
	fflush(stdout);
	return finish(f, st);
}

/* Strip the newline (and a CR before it) that getline keeps. */
static void chomp(char *s, ssize_t *n)
{
	while (*n > 0 && (s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		s[--*n] = '\0';
}

int cli_run_piped(struct pk_vm *vm, FILE *in, bool failed_before)
{
	struct feeder f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum feed_result r = FEED_DONE;
	int status;

	feeder_init(&f, vm, false);
	while ((n = getline(&line, &cap, in)) >= 0) {
		chomp(line, &n);
		r = feed(&f, line);
		if (r == FEED_EXIT)
			break;
	}
	if (r != FEED_EXIT)
		r = feed_eof(&f);
	free(line);
	if (r == FEED_EXIT)
		status = f.exit_code;
	else
		status = f.nerrors || failed_before ? 1 : 0;
	feeder_release(&f);
	return status;
}

/* ------------------------------------------------------------------ */
/* The terminal                                                        */

static char *rl_line;
static bool rl_got;

static void on_line(char *line)
{
	rl_line = line;
	rl_got = true;
	/* no new prompt until the statement has run */
	rl_callback_handler_remove();
}

enum read_result { READ_LINE, READ_EOF, READ_INTR };

/*
 * readline's callback interface under pselect(), as Python's REPL does:
 * SIGINT stays blocked except while waiting for a key, so Ctrl-C can only
 * land in pselect(), which returns EINTR; the line is then dropped.
 */
static enum read_result read_line(const char *prompt, char **out)
{
	sigset_t block, old;
	enum read_result res = READ_LINE;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* a Ctrl-C that came after the statement ended is not for the line */
	pk_interrupted = 0;
	rl_got = false;
	rl_line = NULL;
	rl_callback_handler_install(prompt, on_line);
	while (!rl_got) {
		fd_set fds;
		int n;

		if (pk_interrupted) {
			pk_interrupted = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			res = READ_INTR;
			break;
		}
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		n = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL, &old);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rl_callback_handler_remove();
			res = READ_EOF;
			break;
		}
		rl_callback_read_char();
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (res != READ_LINE)
		return res;
	*out = rl_line;
	return rl_line ? READ_LINE : READ_EOF;
}

static bool want_color(void)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (!term || !strcmp(term, "dumb"))
		return false;
	return isatty(STDERR_FILENO);
}

/* ~/.pktsh_history, or NULL when there is no usable HOME. */
static char *history_path(void)
{
	const char *home = getenv("HOME");
	struct pk_buf b = PK_BUF_INIT;

	if (!home || !*home)
		return NULL;
	pk_buf_addf(&b, "%s/.pktsh_history", home);
	if (pk_buf_failed(&b)) {
		pk_buf_release(&b);
		return NULL;
	}
	return pk_buf_detach(&b, NULL);
}

int cli_run_repl(struct pk_vm *vm, bool banner)
{
	struct feeder f;
	char *hist = history_path();
	enum feed_result r = FEED_DONE;
	int status = 0;

	feeder_init(&f, vm, true);
	f.color = want_color();
	rl_readline_name = "pktsh";
	rl_catch_signals = 0;
	using_history();
	stifle_history(1000);
	if (hist)
		read_history(hist); /* a missing file is fine */
	cli_complete_init(vm);

	if (banner)
		printf(
		    "pktsh %s \xe2\x80\x94 the packet shell. Type help() for "
		    "help, Ctrl-D to exit.\n",
		    PKTSH_VERSION);
	for (;;) {
		char *line = NULL;
		enum read_result rr;

		fflush(stdout);
		rr = read_line(r == FEED_MORE ? "... " : ">>> ", &line);
		if (rr == READ_INTR) {
			/* as Python: drop the line (and any open block) */
			cli_write_err("\nKeyboardInterrupt\n", 19);
			clear_statement(&f);
			r = FEED_DONE;
			continue;
		}
		if (rr == READ_EOF) {
			fputs("\n", stdout);
			r = feed_eof(&f);
			break;
		}
		if (!is_blank(line))
			add_history(line);
		r = feed_lines(&f, line);
		free(line);
		if (r == FEED_EXIT)
			break;
	}
	if (r == FEED_EXIT)
		status = f.exit_code;
	if (hist) {
		write_history(hist); /* HOME may be read-only: ignore */
		pk_xfree(hist);
	}
	rl_callback_handler_remove();
	fflush(stdout);
	feeder_release(&f);
	return status;
}
