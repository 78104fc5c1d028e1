/*
 * cli.h - the pktsh command-line client (private to src/cli).
 *
 * The shell is a thin client of include/pktsh: main.c parses the command
 * line and runs scripts, repl.c feeds lines to the VM (from a terminal
 * through readline, or from a pipe), complete.c does tab completion.
 */
#ifndef PKTSH_CLI_H
#define PKTSH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "pktsh/vm.h"

/*
 * Flush stdout, then write `s` to stderr: stdout and stderr may be the
 * same pipe, and what the script printed must come before its error.
 */
void cli_write_err(const char *s, size_t len);

/* Print the pending error as "FILE:LINE:COL: error: ..." on stderr. */
void cli_report_error(struct pk_vm *vm);

/*
 * Run `src` as a program (PK_RUN_FILE). Returns -1 if it ran to the end,
 * otherwise the exit status the process should end with (1 for an error,
 * 130 for KeyboardInterrupt, n for exit(n)). `*exited` is set for
 * exit()/quit().
 */
int cli_run_program(struct pk_vm *vm, const char *src, size_t len,
                    const char *name, bool *exited);

/*
 * Read statements from `in` until end of input, the way Python's REPL
 * reads a pipe: no prompt, expression values echoed, errors reported as
 * "<stdin>:LINE:COL: error: ..." and the next statement read. Returns the
 * exit status: n after exit(n), else 1 if any statement failed, else 0
 * (or 1 if `failed_before`, an error in a script run before with -i).
 */
int cli_run_piped(struct pk_vm *vm, FILE *in, bool failed_before);

/*
 * The interactive shell on a terminal (GNU readline). Returns the exit
 * status: 0 at Ctrl-D, n after exit(n).
 */
int cli_run_repl(struct pk_vm *vm, bool banner);

/* Install readline's completion for `vm`. */
void cli_complete_init(struct pk_vm *vm);

#endif
