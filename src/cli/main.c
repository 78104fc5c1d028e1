/*
 * main.c - the pktsh command line.
 *
 *   pktsh                  interactive shell when stdin is a terminal,
 *                          else read statements from the pipe
 *   pktsh FILE [ARG...]    run a script
 *   pktsh -c STATEMENTS    run the statements (named "<string>")
 *
 * Exit status: 0, or 1 after an error (a script stops at its first error;
 * piped input goes on and reports 1 at the end), 2 for a bad command line
 * or an unreadable file, 130 after an uncaught KeyboardInterrupt, n after
 * exit(n).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktsh/alloc.h"
#include "pktsh/buf.h"
#include "pktsh/net.h"
#include "pktsh/vm.h"

#include "cli.h"

static const char usage[] =
    "usage: pktsh [-q] [-i] [--memory-limit SIZE] [-c STATEMENTS | FILE | -] "
    "[ARG...]\n";

static const char help_text[] =
    "pktsh " PKTSH_VERSION " - the packet shell (scapy's language in C)\n"
    "\n"
    "  pktsh                 interactive shell (statements from a pipe when\n"
    "                        stdin is not a terminal: no prompt, values\n"
    "                        echoed, errors reported and skipped)\n"
    "  pktsh FILE [ARG...]   run the script FILE (- reads it from stdin)\n"
    "  pktsh -c STATEMENTS   run STATEMENTS\n"
    "\n"
    "options:\n"
    "  -c STATEMENTS   run STATEMENTS; the rest of the line is ARGs\n"
    "  -i              stay interactive after FILE or -c\n"
    "  -q              no banner\n"
    "  --memory-limit SIZE\n"
    "                  fail with MemoryError past SIZE bytes held (\"512M\",\n"
    "                  \"4G\", \"none\"); default PKTSH_MEMORY_LIMIT, else half\n"
    "                  the physical memory, at most 8G\n"
    "  -h, --help      this text\n"
    "  -V, --version   print the version\n"
    "\n"
    "Exit status: 0; 1 after an error (a script stops at its first error,\n"
    "piped statements go on and give 1 at the end); 2 for a bad command\n"
    "line; 130 after an uncaught Ctrl-C; n after exit(n).\n"
    "History is kept in ~/.pktsh_history. Colours follow NO_COLOR.\n";

static void write_out(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

static void write_err(void *ctx, const char *s, size_t len)
{
	cli_write_err(s, len);
}

void cli_write_err(const char *s, size_t len)
{
	fflush(stdout);
	fwrite(s, 1, len, stderr);
	fflush(stderr);
}

void cli_report_error(struct pk_vm *vm)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_vm_format_error(vm, &b);
	if (!b.len) {
		struct pk_error_info e;

		pk_vm_error(vm, &e);
		pk_buf_addf(&b, "%s:%d:%d: error: %s", e.file ? e.file : "?",
		            e.line, e.col, e.exc_name ? e.exc_name : "error");
		if (e.message && *e.message)
			pk_buf_addf(&b, ": %s", e.message);
	}
	if (!b.len || b.buf[b.len - 1] != '\n')
		pk_buf_addch(&b, '\n');
	cli_write_err(b.buf, b.len);
	pk_buf_release(&b);
}

static bool is_interrupt(struct pk_vm *vm)
{
	struct pk_error_info e;

	pk_vm_error(vm, &e);
	return e.exc_name && !strcmp(e.exc_name, "KeyboardInterrupt");
}

int cli_run_program(struct pk_vm *vm, const char *src, size_t len,
                    const char *name, bool *exited)
{
	enum pk_run_status st;
	int code;

	*exited = false;
	pk_interrupted = 0;
	st = pk_vm_run(vm, src, len, name, 1, PK_RUN_FILE);
	fflush(stdout);
	switch (st) {
	case PK_RUN_OK:
		return -1;
	case PK_RUN_EXIT:
		*exited = true;
		return pk_vm_exit_code(vm);
	default:
		code = is_interrupt(vm) ? 130 : 1;
		cli_report_error(vm);
		pk_vm_clear_error(vm);
		return code;
	}
}

static int read_all(FILE *f, struct pk_buf *b)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pk_buf_add(b, chunk, n) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}

/* SIGINT only raises the flag the evaluator polls (see vm.h). */
static void on_sigint(int sig)
{
	pk_interrupt();
}

static void install_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the REPL's select() must wake up on Ctrl-C */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
}

/*
 * `sys`: scripts written for scapy read sys.argv and call sys.exit();
 * `import sys` is skipped by the language, so the name is a global that
 * holds this small module value.
 */
struct sysmod {
	struct pk_obj h;
	pk_val argv;
};

static void sys_release(struct pk_obj *o)
{
	pk_decref(((struct sysmod *)o)->argv);
	pk_xfree(o);
}

static int sys_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	pk_buf_addstr(out, "<module 'sys'>");
	return 0;
}

static int sys_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                       pk_val *out)
{
	struct sysmod *m = (struct sysmod *)self.u.o;
	pk_val v;

	if (!strcmp(name->s, "argv")) {
		*out = pk_incref(m->argv);
		return 0;
	}
	if (!strcmp(name->s, "exit")) {
		v = pk_vm_get_global(vm, "exit");
		if (pk_is_undef(v))
			return PK_NOTIMPL;
		*out = pk_incref(v);
		return 0;
	}
	return PK_NOTIMPL;
}

static void sys_attrnames(pk_val self, void (*add)(void *ctx, const char *name),
                          void *ctx)
{
	add(ctx, "argv");
	add(ctx, "exit");
}

/*
 * sys.setmemorylimit(size): the ceiling of alloc.h from a program, as
 * sys.setrecursionlimit() sets the depth one. size is bytes (int) or a
 * string as --memory-limit takes ("64M"); 0 or None: no limit.
 */
static int sys_setmemorylimit(struct pk_vm *vm, pk_val self,
                              const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {"size"};
	pk_val v;
	size_t lim;

	if (pk_args_parse(vm, a, "setmemorylimit", names, 1, 1, &v) < 0)
		return -1;
	if (pk_is_none(v)) {
		lim = 0;
	} else if (pk_is_str(v)) {
		if (pk_alloc_parse_size(pk_as_str(v)->s, &lim) < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "invalid memory size '%s' (want e.g. "
			                "'512M', '4G' or 'none')",
			                pk_as_str(v)->s);
	} else {
		int64_t n;

		if (pk_arg_int(vm, v, "setmemorylimit", "size", &n) < 0)
			return -1;
		if (n < 0)
			return pk_raise(vm, &pk_exc_ValueError,
			                "memory limit must be >= 0");
		lim = (size_t)n;
	}
	pk_alloc_set_limit(lim);
	*out = pk_none();
	return 0;
}

static int sys_getmemorylimit(struct pk_vm *vm, pk_val self,
                              const struct pk_args *a, pk_val *out)
{
	static const char *const names[] = {""};
	pk_val unused;

	if (pk_args_parse(vm, a, "getmemorylimit", names, 0, 0, &unused) < 0)
		return -1;
	*out = pk_int((int64_t)pk_alloc_limit());
	return 0;
}

static const struct pk_method sys_methods[] = {
    {"setmemorylimit", sys_setmemorylimit,
     "setmemorylimit(size) -> None: fail with MemoryError past size bytes"},
    {"getmemorylimit", sys_getmemorylimit,
     "getmemorylimit() -> int: the memory limit in bytes, 0 for none"},
    {.name = NULL},
};

static const struct pk_type sys_type = {
    .name = "module",
    .methods = sys_methods,
    .release = sys_release,
    .repr = sys_repr,
    .getattr = sys_getattr,
    .attrnames = sys_attrnames,
};

/* sys.argv is [arg0] + rest, as Python's. */
static int set_sys(struct pk_vm *vm, const char *arg0, char **rest, int n)
{
	struct sysmod *m;
	pk_val list = pk_list_new(vm, (size_t)n + 1), mod;
	int i, r = 0;

	if (pk_is_undef(list))
		return -1;
	if (pk_list_append_take(vm, list, pk_str_cstr(vm, arg0)) < 0)
		r = -1;
	for (i = 0; !r && i < n; i++)
		if (pk_list_append_take(vm, list, pk_str_cstr(vm, rest[i])) < 0)
			r = -1;
	m = r ? NULL : pk_obj_alloc(&sys_type, sizeof(*m));
	if (!m) {
		pk_decref(list);
		return r ? r : pk_raise_nomem(vm);
	}
	m->argv = list;
	mod = pk_obj_take(m);
	r = pk_vm_set_global(vm, "sys", mod);
	pk_decref(mod);
	return r;
}

int main(int argc, char **argv)
{
	const char *cmd = NULL, *file = NULL;
	bool quiet = false, inter = false, exited = false, failed = false;
	struct pk_vm *vm;
	int i, status = 0, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(help_text, stdout);
			return 0;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("pktsh %s\n", PKTSH_VERSION);
			return 0;
		} else if (!strcmp(a, "-q")) {
			quiet = true;
		} else if (!strcmp(a, "-i")) {
			inter = true;
		} else if (!strcmp(a, "--memory-limit") ||
		           !strncmp(a, "--memory-limit=", 15)) {
			const char *v = a[14] == '=' ? a + 15 : argv[i + 1];
			size_t lim;

			if (!v || pk_alloc_parse_size(v, &lim) < 0) {
				fprintf(
				    stderr,
				    "pktsh: option '--memory-limit' needs a "
				    "size such as 512M or 4G\n%s",
				    usage);
				return 2;
			}
			if (a[14] != '=')
				i++;
			pk_alloc_set_limit(lim);
		} else if (!strcmp(a, "-c")) {
			if (i + 1 >= argc) {
				fprintf(
				    stderr,
				    "pktsh: option '-c' needs an argument\n%s",
				    usage);
				return 2;
			}
			cmd = argv[++i];
			i++;
			break;
		} else if (!strcmp(a, "--")) {
			i++;
			if (i < argc)
				file = argv[i++];
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "pktsh: unknown option '%s'\n%s", a,
			        usage);
			return 2;
		} else {
			file = argv[i++];
			break;
		}
	}

	vm = pktsh_open();
	if (!vm) {
		fputs("pktsh: out of memory\n", stderr);
		return 1;
	}
	pk_vm_set_output(vm, write_out, NULL);
	pk_vm_set_errout(vm, write_err, NULL);
	/* sr()'s live progress line: for a person watching, never a pipe */
	if (isatty(STDERR_FILENO))
		pk_net_set_progress(vm, write_err, NULL);
	install_sigint();

	if (set_sys(vm, cmd ? "-c" : file ? file : "", argv + i, argc - i) < 0)
		pk_vm_clear_error(vm);

	if (cmd) {
		r = cli_run_program(vm, cmd, strlen(cmd), "<string>", &exited);
		if (r >= 0)
			status = r;
	} else if (file) {
		struct pk_buf src = PK_BUF_INIT;
		bool is_stdin = !strcmp(file, "-");
		FILE *f = is_stdin ? stdin : fopen(file, "rb");

		if (!f || read_all(f, &src) < 0) {
			fprintf(stderr, "pktsh: cannot read '%s': %s\n", file,
			        strerror(errno));
			if (f && !is_stdin)
				fclose(f);
			pk_buf_release(&src);
			pk_vm_free(vm);
			return 2;
		}
		if (!is_stdin)
			fclose(f);
		r = cli_run_program(vm, src.buf, src.len,
		                    is_stdin ? "<stdin>" : file, &exited);
		if (r >= 0)
			status = r;
		pk_buf_release(&src);
		/* -i after "-": stdin is used up */
		if (is_stdin)
			inter = false;
	}

	if (!exited && (inter || (!cmd && !file))) {
		failed = status != 0;
		if (isatty(STDIN_FILENO))
			status = cli_run_repl(vm, !quiet && !cmd && !file);
		else
			status = cli_run_piped(vm, stdin, failed);
	}

	fflush(stdout);
	pk_vm_free(vm);
	return status;
}
