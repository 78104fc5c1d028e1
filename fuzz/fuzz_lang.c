/*
 * fuzz_lang.c - the lexer, parser and evaluator on arbitrary text.
 *
 * Invariants: pk_vm_run() returns one of its statuses (never crashes,
 * leaks or hangs); after an error the VM still runs a statement and keeps
 * the globals of the statements that completed.
 *
 * Bounds, since the language is Turing complete: a step budget of
 * FUZZ_STEPS loop iterations and calls (pk_vm_set_step_budget) ends a
 * run with RuntimeError "step budget exhausted", the same on every run
 * of an input. A watchdog thread still interrupts a run after FUZZ_MS as
 * Ctrl-C would, for the rare input whose time goes into one C operation
 * rather than into steps; a loop that does not poll shows up as a
 * libFuzzer timeout, a real bug. Memory: one allocation above 256 MB
 * fails (smallmem.c) and the ceiling of alloc.h is FUZZ_MEMORY, below
 * libFuzzer's -rss_limit_mb. Nothing else is filtered.
 * The VM has the language and the layer classes but no live I/O and no
 * file functions (pk_net_register and pk_plist_register are not called),
 * so a fuzz input can neither send packets nor write files.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pktsh/alloc.h"

#define FUZZ_MS     1000
#define FUZZ_STEPS  100000
#define FUZZ_MEMORY ((size_t)512 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_vm *vm = fuzz_vm_new();
	char *src = malloc(size + 1);
	enum pk_run_mode mode = PK_RUN_FILE;
	enum pk_run_status st;
	static const char probe[] = "__fuzz_probe = 6 * 7";
	pk_val v;

	FUZZ_CHECK(src != NULL);
	memcpy(src, data, size);
	src[size] = '\0';
	/* A first line "#single" runs it as the REPL does (echo, incomplete
	 * input); everything else is a script. */
	if (size >= 7 && !memcmp(src, "#single", 7))
		mode = PK_RUN_SINGLE;

	pk_alloc_set_limit(FUZZ_MEMORY);
	pk_vm_set_step_budget(vm, FUZZ_STEPS);
	fuzz_deadline_start(FUZZ_MS);
	st = pk_vm_run(vm, src, size, "<fuzz>", 1, mode);
	fuzz_deadline_stop();
	pk_vm_set_step_budget(vm, 0);
	FUZZ_CHECK(st == PK_RUN_OK || st == PK_RUN_ERROR ||
	           st == PK_RUN_INCOMPLETE || st == PK_RUN_EXIT);
	if (st == PK_RUN_ERROR) {
		struct pk_error_info e;
		struct pk_buf b = PK_BUF_INIT;

		pk_vm_error(vm, &e);
		FUZZ_CHECK(e.message != NULL);
		pk_vm_format_error(vm, &b);
		FUZZ_CHECK(b.len > 0);
		pk_buf_release(&b);
		pk_vm_clear_error(vm);
	}

	/* The session survives. */
	st = pk_vm_run(vm, probe, sizeof(probe) - 1, "<probe>", 1, PK_RUN_FILE);
	FUZZ_CHECK(st == PK_RUN_OK);
	v = pk_vm_get_global(vm, "__fuzz_probe");
	FUZZ_CHECK(pk_is_int(v) && v.u.i == 42);

	pk_vm_free(vm);
	free(src);
	return 0;
}
