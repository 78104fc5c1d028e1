/*
 * fuzz_pcap.c - the pcap/pcapng file reader on arbitrary file contents.
 *
 * The input is written to a memfd and opened by its /proc path with
 * pk_pcap_reader_open(), as rdpcap would. Invariants: open and next either
 * succeed or fail with a message naming the file (and, for a bad record,
 * the record number); a record never claims more bytes than it holds
 * beyond its caplen; every record dissects for the file's link type, and
 * is decoded (repr): a dissected packet is lazy, so without it the
 * records were never decoded and the harness covered only the reader.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "pktsh/capture.h"
#include "pktsh/packet.h"

#define MAX_RECORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pk_vm *vm;
	struct pk_pcap_reader *r;
	struct pk_caperr err;
	struct pk_caprec rec;
	char path[64];
	int fd, n = 0, rc;

	if (!vm)
		vm = fuzz_vm_new(); /* kept: the reader is what is fuzzed */
	fd = memfd_create("fuzz.pcap", 0);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	memset(&err, 0, sizeof(err));
	if (pk_pcap_reader_open(path, &r, &err) < 0) {
		FUZZ_CHECK(strstr(err.msg, path) != NULL);
		close(fd);
		return 0;
	}
	while (n < MAX_RECORDS &&
	       (rc = pk_pcap_reader_next(r, &rec, &err)) == 1) {
		struct pk_buf b = PK_BUF_INIT;
		pk_val p;

		n++;
		FUZZ_CHECK(rec.caplen <= size);
		FUZZ_CHECK(
		    pk_packet_dissect(
		        vm,
		        pk_proto_for_linktype(vm, pk_pcap_reader_linktype(r)),
		        rec.data, rec.caplen, &p) == 0);
		FUZZ_CHECK(fuzz_repr(vm, p, &b) == 0);
		pk_buf_release(&b);
		pk_decref(p);
	}
	if (n < MAX_RECORDS && rc < 0) {
		char recno[32];

		snprintf(recno, sizeof(recno), "record %d", n + 1);
		FUZZ_CHECK(strstr(err.msg, path) != NULL);
		FUZZ_CHECK(strstr(err.msg, recno) != NULL);
	}
	FUZZ_CHECK(pk_pcap_reader_count(r) == (uint64_t)n);
	pk_pcap_reader_close(r);
	close(fd);
	return 0;
}
