/*
 * vm.h - the interpreter: run scapy-syntax text, hold the session.
 *
 * A VM holds the global variables, the pending exception and where output
 * goes. It knows nothing of terminals: the CLI gives it an output callback
 * and reads errors back as text.
 *
 * A session survives every error: after a failed pk_vm_run() the globals
 * are as the statements that completed left them.
 */
#ifndef PKTSH_VM_H
#define PKTSH_VM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/value.h"

struct pk_vm;

typedef void (*pk_write_fn)(void *ctx, const char *s, size_t len);

/* A bare VM: language builtins only (no packets). NULL on OOM. */
struct pk_vm *pk_vm_new(void);
void pk_vm_free(struct pk_vm *vm);

/* Where print(), show() and the REPL's echo write. Default: stdout. */
void pk_vm_set_output(struct pk_vm *vm, pk_write_fn fn, void *ctx);
void pk_vm_write(struct pk_vm *vm, const char *s, size_t len);
void pk_vm_printf(struct pk_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Warnings (scapy's "WARNING: ..." lines) go to this stream, default stderr. */
void pk_vm_set_errout(struct pk_vm *vm, pk_write_fn fn, void *ctx);
void pk_vm_warn(struct pk_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Globals. Names are copied/interned; values borrowed. */
int pk_vm_set_global(struct pk_vm *vm, const char *name, pk_val v);
/* Borrowed value or UNDEF. */
pk_val pk_vm_get_global(struct pk_vm *vm, const char *name);
/* Register a table of builtin functions ({NULL} terminated) as globals. */
int pk_vm_add_builtins(struct pk_vm *vm, const struct pk_method *table);
/* Enumerate global names (for completion). */
void pk_vm_globals(struct pk_vm *vm, void (*add)(void *ctx, const char *name),
                   void *ctx);

enum pk_run_mode {
	PK_RUN_FILE,   /* a program: expression statements print nothing */
	PK_RUN_SINGLE, /* interactive/piped: echo repr of non-None results */
};

enum pk_run_status {
	PK_RUN_OK = 0,
	PK_RUN_ERROR = -1,      /* exception or syntax error; see pk_vm_error */
	PK_RUN_INCOMPLETE = -2, /* input ends inside a statement: read more */
	PK_RUN_EXIT = -3, /* exit()/quit()/SystemExit: see pk_vm_exit_code */
};

/*
 * Parse and run `src` (NUL terminated, `len` bytes). `name` is used in
 * messages ("<stdin>", "script.pk", "<string>"); `line0` is the line
 * number of the first line of src (the REPL passes the running count).
 * In PK_RUN_SINGLE mode an input that ends inside an open bracket, a
 * string or a block header returns PK_RUN_INCOMPLETE without running
 * anything.
 */
enum pk_run_status pk_vm_run(struct pk_vm *vm, const char *src, size_t len,
                             const char *name, int line0,
                             enum pk_run_mode mode);

/*
 * After PK_RUN_ERROR: the error. `msg` is "ExcName: message" for
 * exceptions and "message" for syntax errors, line/col are 1-based (0 if
 * unknown), and is_syntax tells which. Valid until the next run.
 */
struct pk_error_info {
	const char *file;
	int line, col;
	const char *exc_name; /* "SyntaxError", "NameError", ... */
	const char *message;  /* without the exception name */
	bool is_syntax;
};
void pk_vm_error(struct pk_vm *vm, struct pk_error_info *info);
/* "FILE:LINE:COL: error: ExcName: message" as scripts print it. */
void pk_vm_format_error(struct pk_vm *vm, struct pk_buf *out);
int pk_vm_exit_code(struct pk_vm *vm);
void pk_vm_clear_error(struct pk_vm *vm);

/* The pending exception (borrowed), or UNDEF. */
pk_val pk_vm_exception(struct pk_vm *vm);

/*
 * Interrupts. The SIGINT handler only calls pk_interrupt(); long-running
 * code polls pk_check_interrupt(), which raises KeyboardInterrupt and
 * clears the flag. Hooks (e.g. pcap_breakloop of an open capture) may be
 * registered to run from the handler: they must be async-signal-safe.
 */
extern volatile sig_atomic_t pk_interrupted;
void pk_interrupt(void);
int pk_check_interrupt(struct pk_vm *vm); /* 0, or -1 with KeyboardInterrupt */
void pk_set_interrupt_hook(void (*hook)(void *), void *ctx);

/*
 * Step budget, for fuzzers and sandboxes: a run may take at most `steps`
 * more steps (loop iterations and function calls, counted across runs
 * until the next call), then every further step raises RuntimeError
 * "step budget exhausted (N steps)", which `except` cannot outrun.
 * 0 (the default) means no limit. pk_vm_steps() tells the steps taken
 * since the budget was last set.
 */
void pk_vm_set_step_budget(struct pk_vm *vm, uint64_t steps);
uint64_t pk_vm_steps(struct pk_vm *vm);

/* Call depth guard used by the evaluator and recursive C code (repr of a
 * self-containing list): -1 with RecursionError past the limit. */
int pk_vm_enter(struct pk_vm *vm);
void pk_vm_leave(struct pk_vm *vm);

/* Per-VM slots for modules (packet registry, net config...): a module
 * stores a pointer under a static key address and gets it back. */
void *pk_vm_module_data(struct pk_vm *vm, const void *key);
int pk_vm_set_module_data(struct pk_vm *vm, const void *key, void *data,
                          void (*free_fn)(void *));

/* The full shell: a VM with every module (layers, I/O, pcap files)
 * registered. Defined in src/pktsh.c. */
struct pk_vm *pktsh_open(void);

#define PKTSH_VERSION "0.1.0"

#endif
