/*
 * harness.h - run pktsh programs in a fresh VM and capture what they
 * print, for the language unit tests.
 */
#ifndef PKTSH_LANG_HARNESS_H
#define PKTSH_LANG_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "pktsh/buf.h"
#include "pktsh/vm.h"

struct run {
	enum pk_run_status st;
	struct pk_buf out; /* what the program printed */
	struct pk_buf err; /* pk_vm_format_error() after PK_RUN_ERROR */
};

static inline void capture(void *ctx, const char *s, size_t len)
{
	pk_buf_add(ctx, s, len);
}

/* Run src in vm; the result's buffers must be released by the caller. */
static inline void run_in(struct pk_vm *vm, const char *src,
                          enum pk_run_mode mode, struct run *r)
{
	pk_buf_init(&r->out, 0);
	pk_buf_init(&r->err, 0);
	pk_vm_set_output(vm, capture, &r->out);
	r->st = pk_vm_run(vm, src, strlen(src), "<string>", 1, mode);
	if (r->st == PK_RUN_ERROR)
		pk_vm_format_error(vm, &r->err);
	pk_vm_set_output(vm, NULL, NULL);
}

static inline void run_release(struct run *r)
{
	pk_buf_release(&r->out);
	pk_buf_release(&r->err);
}

/* Run a program in a new VM: expect success and this output. */
static inline void expect_output(const char *src, const char *want)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	assert_non_null(vm);
	run_in(vm, src, PK_RUN_FILE, &r);
	if (r.st != PK_RUN_OK)
		print_error("program:\n%s\nfailed: %s\n", src, r.err.buf);
	assert_int_equal(r.st, PK_RUN_OK);
	if (strcmp(r.out.buf, want))
		print_error("program:\n%s\n", src);
	assert_string_equal(r.out.buf, want);
	run_release(&r);
	pk_vm_free(vm);
}

/* Run a program in a new VM: expect this error line (and output). */
static inline void expect_error(const char *src, const char *want)
{
	struct pk_vm *vm = pk_vm_new();
	struct run r;

	assert_non_null(vm);
	run_in(vm, src, PK_RUN_FILE, &r);
	if (r.st != PK_RUN_ERROR || strcmp(r.err.buf, want))
		print_error("program:\n%s\n", src);
	assert_int_equal(r.st, PK_RUN_ERROR);
	assert_string_equal(r.err.buf, want);
	run_release(&r);
	pk_vm_free(vm);
}

#endif
