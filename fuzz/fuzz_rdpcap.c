/*
 * fuzz_rdpcap.c - rdpcap() against libpcap on arbitrary file contents.
 *
 * rdpcap() reads a classic Ethernet pcap file with its own block reader
 * (read_fast() in src/capture/pcapio.c) and gives every other file to
 * libpcap through pk_pcap_reader. The two must not be told apart, so this
 * harness is differential: the input is written to a memfd (a regular
 * file, which the block reader takes) and read both by rdpcap(path) in a
 * VM with pk_plist_register() and, as the reference, record by record
 * with pk_pcap_reader_open()/pk_pcap_reader_next(). Checked:
 *  - libpcap cannot open it: rdpcap raises "rdpcap: <reader message>";
 *  - otherwise rdpcap returns as many packets as libpcap gave records,
 *    each with the same timestamp and the same bytes (the list keeps
 *    them undissected, so they are compared as the packets they dissect
 *    to, built back: equal records build equal, and build failures match);
 *  - a record libpcap refuses ends both with what came before: rdpcap
 *    warns once, with the reader's message; a file read whole gives no
 *    warning at all;
 *  - indexing the list and iterating over it give the same packets;
 *  - rdpcap(path, count=N), N = size % 5, is the first N of those, and
 *    warns only if libpcap refused a record before it had N.
 * By design the two paths differ in nothing visible. Where libpcap's
 * reading is odd the block reader leaves the file to it rather than
 * copy the oddity: seconds past 2^31 come out signed from a file in the
 * host's byte order and unsigned from a swapped one (found here,
 * corpus file crash-sec-swapped-2038). The block reader taking a file
 * and then meeting a record it does not take (cut short, longer than the
 * snapshot length, a fraction of a second too large) reads the file again
 * through libpcap, which is invisible except for the time spent.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "pktsh/capture.h"
#include "pktsh/packet.h"
#include "pktsh/plist.h"

struct ref {
	struct pk_buf *bytes; /* built packets, or empty if build failed */
	bool *built;
	double *time;
	size_t n, cap;
	bool failed; /* a record was refused after the n first */
	char msg[sizeof(((struct pk_caperr *)0)->msg)];
};

static struct pk_buf warnings = PK_BUF_INIT;

static void warn_sink(void *ctx, const char *s, size_t len)
{
	pk_buf_add(&warnings, s, len);
}

/* Built bytes of a packet, or false if it does not build (the
 * exception is cleared: both sides must agree on it, not on its text). */
static bool build(struct pk_vm *vm, pk_val p, struct pk_buf *out)
{
	pk_buf_reset(out);
	if (pk_packet_build(vm, p, out) < 0) {
		FUZZ_CHECK(!fuzz_exc_is(vm, "MemoryError"));
		pk_vm_clear_error(vm);
		pk_buf_reset(out);
		return false;
	}
	return true;
}

static void ref_push(struct pk_vm *vm, struct ref *r,
                     const struct pk_proto *first, const struct pk_caprec *rec)
{
	pk_val p;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->bytes = realloc(r->bytes, r->cap * sizeof(*r->bytes));
		r->built = realloc(r->built, r->cap * sizeof(*r->built));
		r->time = realloc(r->time, r->cap * sizeof(*r->time));
		FUZZ_CHECK(r->bytes && r->built && r->time);
	}
	pk_buf_init(&r->bytes[r->n], 0);
	FUZZ_CHECK(pk_packet_dissect(vm, first, rec->data, rec->caplen, &p) ==
	           0);
	r->built[r->n] = build(vm, p, &r->bytes[r->n]);
	r->time[r->n] = pk_caprec_time(rec);
	pk_decref(p);
	r->n++;
}

static void ref_release(struct ref *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		pk_buf_release(&r->bytes[i]);
	free(r->bytes);
	free(r->built);
	free(r->time);
}

/* One packet of the list is record i of the reference. */
static void check_packet(struct pk_vm *vm, const struct ref *r, size_t i,
                         pk_val p, struct pk_buf *tmp)
{
	FUZZ_CHECK(pk_is_packet(p));
	if (pk_packet_time(p) != r->time[i])
		fprintf(stderr, "record %zu: time %.9f, libpcap %.9f\n", i + 1,
		        pk_packet_time(p), r->time[i]);
	FUZZ_CHECK(pk_packet_time(p) == r->time[i]);
	FUZZ_CHECK(build(vm, p, tmp) == r->built[i]);
	FUZZ_CHECK(tmp->len == r->bytes[i].len);
	FUZZ_CHECK(!tmp->len || !memcmp(tmp->buf, r->bytes[i].buf, tmp->len));
}

/* rdpcap(path) (count < 0) or rdpcap(path, count) against the reference. */
static void check_rdpcap(struct pk_vm *vm, pk_val fn, const char *path,
                         const struct ref *r, int64_t count)
{
	size_t want = r->n, i;
	bool warned;
	struct pk_buf tmp = PK_BUF_INIT;
	pk_val argv[2], l, it, p;
	int64_t len;

	if (count >= 0 && (size_t)count < want)
		want = (size_t)count;
	/* libpcap's list stops at count before it reads a refused record */
	warned = r->failed && (count < 0 || (size_t)count > r->n);

	argv[0] = pk_str_cstr(vm, path);
	argv[1] = pk_int(count);
	FUZZ_CHECK(!pk_is_undef(argv[0]));
	pk_buf_reset(&warnings);
	FUZZ_CHECK(pk_call_n(vm, fn, count < 0 ? 1 : 2, argv, &l) == 0);
	pk_decref(argv[0]);
	if (warned) {
		pk_buf_addch(&warnings, '\0');
		FUZZ_CHECK(strstr(warnings.buf, "WARNING: rdpcap: ") ==
		           warnings.buf);
		FUZZ_CHECK(strstr(warnings.buf, r->msg) != NULL);
		/* once */
		FUZZ_CHECK(strstr(warnings.buf + 1, "WARNING") == NULL);
	} else {
		FUZZ_CHECK(warnings.len == 0);
	}

	FUZZ_CHECK(pk_len(vm, l, &len) == 0);
	FUZZ_CHECK(len == (int64_t)want);
	FUZZ_CHECK(pk_plist_len(l) == (int64_t)want);
	for (i = 0; i < want; i++) {
		FUZZ_CHECK(pk_getitem(vm, l, pk_int((int64_t)i), &p) == 0);
		check_packet(vm, r, i, p, &tmp);
		pk_decref(p);
		check_packet(vm, r, i, pk_plist_get(l, (int64_t)i), &tmp);
	}
	/* negative indexes count from the end, as in Python */
	if (want) {
		FUZZ_CHECK(pk_getitem(vm, l, pk_int(-1), &p) == 0);
		check_packet(vm, r, want - 1, p, &tmp);
		pk_decref(p);
	}
	FUZZ_CHECK(pk_iter(vm, l, &it) == 0);
	for (i = 0;; i++) {
		int rc = pk_next(vm, it, &p);

		FUZZ_CHECK(rc >= 0);
		if (rc == 0)
			break;
		FUZZ_CHECK(i < want);
		check_packet(vm, r, i, p, &tmp);
		pk_decref(p);
	}
	FUZZ_CHECK(i == want);
	pk_decref(it);
	pk_decref(l);
	pk_buf_release(&tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pk_vm *vm;
	struct pk_pcap_reader *rd;
	struct pk_caperr err;
	struct pk_caprec rec;
	struct ref r = {0};
	char path[64];
	pk_val fn, argv[1], l, x;
	int fd, rc;

	if (!vm) {
		vm = fuzz_vm_new(); /* kept: the readers are what is fuzzed */
		FUZZ_CHECK(pk_plist_register(vm) == 0);
		pk_vm_set_errout(vm, warn_sink, NULL);
	}
	fn = pk_vm_get_global(vm, "rdpcap");
	FUZZ_CHECK(!pk_is_undef(fn));
	fd = memfd_create("fuzz.pcap", 0);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	memset(&err, 0, sizeof(err));
	if (pk_pcap_reader_open(path, &rd, &err) < 0) {
		char want[sizeof(err.msg) + 16];

		argv[0] = pk_str_cstr(vm, path);
		FUZZ_CHECK(pk_call_n(vm, fn, 1, argv, &l) < 0);
		pk_decref(argv[0]);
		snprintf(want, sizeof(want), "rdpcap: %s", err.msg);
		x = pk_vm_exception(vm);
		FUZZ_CHECK(!pk_is_undef(x));
		x = ((struct pk_exc *)x.u.o)->msg;
		FUZZ_CHECK(pk_is_str(x) && strcmp(pk_as_str(x)->s, want) == 0);
		pk_vm_clear_error(vm);
		close(fd);
		return 0;
	}
	{
		const struct pk_proto *first =
		    pk_proto_for_linktype(vm, pk_pcap_reader_linktype(rd));

		while ((rc = pk_pcap_reader_next(rd, &rec, &err)) == 1)
			ref_push(vm, &r, first, &rec);
		if (rc < 0) {
			r.failed = true;
			snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
		}
	}
	pk_pcap_reader_close(rd);

	check_rdpcap(vm, fn, path, &r, -1);
	check_rdpcap(vm, fn, path, &r, (int64_t)(size % 5));

	ref_release(&r);
	close(fd);
	return 0;
}
