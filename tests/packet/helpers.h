/*
 * helpers.h - build packets from C in the packet unit tests, the way the
 * shell would: call a layer class with keyword arguments, stack with `/`.
 */
#ifndef PKTSH_TEST_PACKET_HELPERS_H
#define PKTSH_TEST_PACKET_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pktsh/packet.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"

/*
 * Every test group's VM, with the layers registered, and cmocka's group
 * setup and teardown for it. A macro, used after the last #include: a
 * global `vm` declared earlier would shadow the headers' parameters.
 */
#define PK_TEST_VM_FIXTURE                                                     \
	static struct pk_vm *vm;                                               \
	static int setup(void **state)                                         \
	{                                                                      \
		vm = pk_vm_new();                                              \
		return !vm || pk_packet_register(vm) < 0 ? -1 : 0;             \
	}                                                                      \
	static int teardown(void **state)                                      \
	{                                                                      \
		pk_vm_free(vm);                                                \
		return 0;                                                      \
	}

/* Keyword value constructors for mk(). */
enum { A_END, A_INT, A_STR, A_BYTES, A_VAL };

/*
 * mk(vm, "IP", "dst", A_STR, "1.2.3.4", "ttl", A_INT, 5, NULL): call the
 * class with keywords; returns UNDEF with the exception pending on error.
 */
static inline pk_val mk(struct pk_vm *vm, const char *cls, ...)
{
	pk_val kwv[16], fn = pk_vm_get_global(vm, cls), out = pk_undef();
	struct pk_str *names[16];
	struct pk_args a;
	const char *name;
	va_list ap;
	int n = 0, i;

	va_start(ap, cls);
	while ((name = va_arg(ap, const char *)) != NULL && n < 16) {
		int kind = va_arg(ap, int);

		names[n] = pk_intern(name, strlen(name));
		if (kind == A_INT) {
			kwv[n] = pk_int(va_arg(ap, int));
		} else if (kind == A_STR) {
			kwv[n] = pk_str_cstr(vm, va_arg(ap, const char *));
		} else if (kind == A_BYTES) {
			const char *s = va_arg(ap, const char *);
			int len = va_arg(ap, int);

			kwv[n] = pk_bytes_new(vm, s, (size_t)len);
		} else {
			kwv[n] = pk_incref(va_arg(ap, pk_val));
		}
		n++;
	}
	va_end(ap);
	memset(&a, 0, sizeof(a));
	a.nkw = n;
	a.kwnames = names;
	a.kwv = kwv;
	if (pk_call(vm, fn, &a, &out) < 0)
		out = pk_undef();
	for (i = 0; i < n; i++)
		pk_decref(kwv[i]);
	return out;
}

/* a / b, consuming both. */
static inline pk_val stack(struct pk_vm *vm, pk_val a, pk_val b)
{
	pk_val out = pk_undef();

	if (pk_binop(vm, PK_OP_DIV, a, b, &out) < 0)
		out = pk_undef();
	pk_decref(a);
	pk_decref(b);
	return out;
}

/* Hex of the built packet into buf (NUL terminated); -1 on error. */
static inline int build_hex(struct pk_vm *vm, pk_val p, char *hex, size_t cap)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i;

	if (pk_packet_build(vm, p, &b) < 0) {
		pk_buf_release(&b);
		return -1;
	}
	for (i = 0; i < b.len && 2 * i + 2 < cap; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)b.buf[i]);
	hex[2 * (i < b.len ? i : b.len)] = 0;
	pk_buf_release(&b);
	return 0;
}

/* Run src as a script in vm; fail the test with pktsh's error message if
 * it raises (the includer has included cmocka.h). */
static inline void run_ok(struct pk_vm *vm, const char *src)
{
	enum pk_run_status rc =
	    pk_vm_run(vm, src, strlen(src), "<test>", 1, PK_RUN_FILE);

	if (rc != PK_RUN_OK) {
		static char msg[512];
		struct pk_buf b = PK_BUF_INIT;

		pk_vm_format_error(vm, &b);
		snprintf(msg, sizeof(msg), "%s", b.buf ? b.buf : "");
		pk_buf_release(&b);
		fail_msg("%s: %s", src, msg);
	}
}

/* Capture of everything the VM writes. */
struct capture {
	struct pk_buf b;
};
static inline void capture_fn(void *ctx, const char *s, size_t len)
{
	pk_buf_add(&((struct capture *)ctx)->b, s, len);
}

#endif
