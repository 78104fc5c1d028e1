/*
 * fuzz_dissect.c - the dissector on arbitrary bytes, for every link type
 * and every registered layer entered directly (first byte: see
 * fuzz_pick_proto()).
 *
 * Invariants: pk_packet_dissect() never fails on bad bytes; repr(),
 * show(), summary() and hashret of the result never fail (only
 * MemoryError would be allowed, and the harness injects none) and never
 * read past the input (ASan).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_vm *vm;
	const struct pk_proto *first;
	struct pk_buf b = PK_BUF_INIT;
	uint8_t *copy;
	pk_val p;

	if (size < 1)
		return 0;
	vm = fuzz_vm_new();
	first = fuzz_pick_proto(vm, data[0]);
	/* An exact-size heap copy, so ASan sees a read past the end. */
	copy = malloc(size > 1 ? size - 1 : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 1, size - 1);

	FUZZ_CHECK(pk_packet_dissect(vm, first, copy, size - 1, &p) == 0);
	free(copy);
	FUZZ_CHECK(fuzz_repr(vm, p, &b) == 0);
	pk_buf_reset(&b);
	FUZZ_CHECK(pk_packet_summary(vm, p, &b) == 0);
	pk_buf_reset(&b);
	FUZZ_CHECK(pk_packet_hashret(vm, p, &b) == 0);
	FUZZ_CHECK(fuzz_call_method(vm, p, "show") == 0);
	pk_buf_release(&b);
	pk_decref(p);
	pk_vm_free(vm);
	return 0;
}
