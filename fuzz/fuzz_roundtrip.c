/*
 * fuzz_roundtrip.c - dissect, build, dissect again, and compare.
 *
 * The first byte picks the first layer as in fuzz_dissect.c. The rule
 * compared (docs/robustness.md tells why it is this one):
 *
 *   p1 = dissect(in), b1 = build(p1)       both must succeed
 *   p(k+1) = dissect(bk), b(k+1) = build(p(k+1)), for k = 1, 2, ...
 *   some b(k+1) == bk and repr(p(k+1)) == repr(pk): dissect and build
 *   reach a fixed point, allowing at most MAX_ROUNDS rounds in which
 *   the packet changes without getting shorter
 *
 * A round may change a packet, as scapy's would without its raw cache:
 * a length field that lies is kept as read while the data it claims is
 * not there (TCP dataofs over an option list that ends at EOL, an IPv6
 * option longer than its header), a first layer cut inside a field
 * builds its defaults, a DNS name read through a compression pointer
 * builds uncompressed. Such changes shrink or settle the packet in a
 * few rounds, or shrink it round after round (a TCP header whose
 * options end at EOL well before dataofs loses 4 bytes of what follows
 * per round). A packet that keeps changing without shrinking (grows
 * without end, or flips between two forms) is a bug: what pktsh built does not read
 * back as itself.
 * FUZZ_STRICT=1 in the environment also requires b1 == in and
 * repr(p2) == repr(p1), to list the first-round differences.
 */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"

static void dump(const char *what, const struct pk_buf *b)
{
	fprintf(stderr, "%s (%zu): %.*s\n", what, b->len, (int)b->len, b->buf);
}

static void build_or_die(struct pk_vm *vm, pk_val p, struct pk_buf *out,
                         const struct pk_buf *r)
{
	if (pk_packet_build(vm, p, out) < 0) {
		struct pk_buf e = PK_BUF_INIT;

		pk_vm_format_error(vm, &e);
		dump("build of a dissected packet failed", &e);
		dump("packet", r);
		FUZZ_CHECK(!"build failed");
	}
}

/* One round: dissect `in` as `first`, repr into r, build into b. */
static pk_val round_trip(struct pk_vm *vm, const struct pk_proto *first,
                         const void *in, size_t len, struct pk_buf *r,
                         struct pk_buf *b)
{
	pk_val p;

	FUZZ_CHECK(pk_packet_dissect(vm, first, in, len, &p) == 0);
	FUZZ_CHECK(fuzz_repr(vm, p, r) == 0);
	build_or_die(vm, p, b, r);
	return p;
}

static bool same(const struct pk_buf *a, const struct pk_buf *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

#define MAX_ROUNDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int strict = -1;
	struct pk_vm *vm;
	const struct pk_proto *first;
	struct pk_buf b[2] = {PK_BUF_INIT, PK_BUF_INIT};
	struct pk_buf r[2] = {PK_BUF_INIT, PK_BUF_INIT};
	pk_val p[2];
	int k, cur, stale = 0;

	if (strict < 0)
		strict = getenv("FUZZ_STRICT") && *getenv("FUZZ_STRICT") == '1';
	if (size < 1)
		return 0;
	vm = fuzz_vm_new();
	first = fuzz_pick_proto(vm, data[0]);

	p[0] = round_trip(vm, first, data + 1, size - 1, &r[0], &b[0]);
	if (strict &&
	    (b[0].len != size - 1 || memcmp(b[0].buf, data + 1, size - 1))) {
		dump("dissected", &r[0]);
		FUZZ_CHECK(!"strict: build(dissect(in)) != in");
	}
	for (k = 1;; k++) {
		int prev = (k - 1) & 1;

		cur = k & 1;
		pk_buf_reset(&b[cur]);
		p[cur] = round_trip(vm, first, b[prev].buf, b[prev].len,
		                    &r[cur], &b[cur]);
		if (strict && k == 1 && !same(&r[0], &r[1])) {
			dump("first", &r[0]);
			dump("second", &r[1]);
			FUZZ_CHECK(
			    !"strict: fields changed in the first round");
		}
		if (same(&b[0], &b[1]) && same(&r[0], &r[1]))
			break;
		if (b[cur].len >= b[prev].len && ++stale == MAX_ROUNDS) {
			dump("one round", &r[prev]);
			dump("the next", &r[cur]);
			FUZZ_CHECK(!"dissect and build reach no fixed point");
		}
		pk_decref(p[prev]);
		p[prev] = pk_undef();
	}

	for (k = 0; k < 2; k++) {
		pk_buf_release(&b[k]);
		pk_buf_release(&r[k]);
		pk_decref(p[k]);
	}
	pk_vm_free(vm);
	return 0;
}
