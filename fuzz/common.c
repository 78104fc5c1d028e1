/*
 * common.c - shared pieces of the fuzz harnesses (see fuzz.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "pktsh/alloc.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
	abort();
}

static void sink(void *ctx, const char *s, size_t len)
{
}

struct pk_vm *fuzz_vm_new(void)
{
	struct pk_vm *vm = pk_vm_new();

	FUZZ_CHECK(vm != NULL);
	FUZZ_CHECK(pk_packet_register(vm) == 0);
	pk_vm_set_output(vm, sink, NULL);
	pk_vm_set_errout(vm, sink, NULL);
	return vm;
}

/* ------------------------------------------------------------------ */
/* Watchdog                                                            */

static _Atomic long long deadline_ns; /* 0: disarmed */
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *watchdog(void *arg)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};

	for (;;) {
		long long d = atomic_load(&deadline_ns);

		if (d && now_ns() > d) {
			atomic_store(&deadline_ns, 0);
			pk_interrupt();
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t t;

	FUZZ_CHECK(pthread_create(&t, NULL, watchdog, NULL) == 0);
	pthread_detach(t);
}

void fuzz_deadline_start(unsigned ms)
{
	pthread_once(&watchdog_once, watchdog_start);
	atomic_store(&deadline_ns, now_ns() + (long long)ms * 1000000LL);
}

void fuzz_deadline_stop(void)
{
	atomic_store(&deadline_ns, 0);
	pk_interrupted = 0;
}

/* ------------------------------------------------------------------ */

int fuzz_exc_is(struct pk_vm *vm, const char *name)
{
	struct pk_error_info e;

	pk_vm_error(vm, &e);
	return e.exc_name && !strcmp(e.exc_name, name);
}

int fuzz_repr(struct pk_vm *vm, pk_val v, struct pk_buf *out)
{
	pk_buf_reset(out);
	return pk_repr(vm, v, out);
}

int fuzz_call_method(struct pk_vm *vm, pk_val v, const char *name)
{
	struct pk_str *s = pk_intern(name, strlen(name));
	pk_val m, r;
	int rc;

	if (!s)
		return pk_raise_nomem(vm);
	if (pk_getattr(vm, v, s, &m) < 0)
		return -1;
	rc = pk_call_n(vm, m, 0, NULL, &r);
	pk_decref(m);
	if (rc == 0)
		pk_decref(r);
	return rc;
}

const struct pk_proto *fuzz_pick_proto(struct pk_vm *vm, uint8_t sel)
{
	static const int dlts[] = {1, 101, 0, 108, 113, 276, 147};
	const struct pk_proto **all;
	size_t n;

	if (sel < 0x80)
		return pk_proto_for_linktype(
		    vm, dlts[sel % (sizeof(dlts) / sizeof(dlts[0]))]);
	n = pk_registry_protos(vm, &all);
	FUZZ_CHECK(n > 0);
	return all[(sel - 0x80) % n];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}
