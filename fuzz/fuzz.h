/*
 * fuzz.h - what the libFuzzer harnesses share.
 *
 * Each harness is one file defining LLVMFuzzerTestOneInput(). The same
 * file is linked either with -fsanitize=fuzzer (clang, -DPKTSH_FUZZ=ON) or
 * with replay.c's main(), which feeds it every file of a corpus folder, so
 * the corpora replay as ordinary ctest cases under gcc and ASan/UBSan.
 *
 * A harness reports a broken invariant with FUZZ_CHECK(), which aborts
 * with the file and line: libFuzzer then saves the input as a crash, and
 * the replay test fails.
 */
#ifndef PKTSH_FUZZ_H
#define PKTSH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/value.h"
#include "pktsh/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

void fuzz_fail(const char *file, int line, const char *what);
#define FUZZ_CHECK(c)                                                          \
	do {                                                                   \
		if (!(c))                                                      \
			fuzz_fail(__FILE__, __LINE__, #c);                     \
	} while (0)

/* A VM with the language and the layers (no live I/O, no files), whose
 * output and warnings go nowhere. Aborts if it cannot be made. */
struct pk_vm *fuzz_vm_new(void);

/*
 * Bound the run time of one input without signals: a watchdog thread
 * calls pk_interrupt() (what SIGINT does) once `ms` milliseconds have
 * passed since fuzz_deadline_start(), so loops end with KeyboardInterrupt
 * as they do when the user presses Ctrl-C. fuzz_deadline_stop() disarms
 * it and clears a pending interrupt.
 */
void fuzz_deadline_start(unsigned ms);
void fuzz_deadline_stop(void);

/* Whether the pending exception is a MemoryError or KeyboardInterrupt,
 * the two a harness accepts from any operation. */
int fuzz_exc_is(struct pk_vm *vm, const char *name);

/* repr(v) into out (reset first); -1 with the exception left set. */
int fuzz_repr(struct pk_vm *vm, pk_val v, struct pk_buf *out);
/* Call method `name` of v with no arguments; result dropped. */
int fuzz_call_method(struct pk_vm *vm, pk_val v, const char *name);

/*
 * The first layer for a packet harness input, from its first byte:
 * 0x00-0x7f pick a link type (pk_proto_for_linktype of DLT_EN10MB,
 * DLT_RAW, DLT_NULL, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2 or an
 * unknown one, by the byte modulo 7); 0x80-0xff pick a registered layer
 * directly (pk_registry_protos, byte - 0x80 modulo their number).
 */
const struct pk_proto *fuzz_pick_proto(struct pk_vm *vm, uint8_t sel);

#endif
