/*
 * test_pcapfile.c - the record level of capture files: no packets, no VM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pktsh/capture.h"

static char tmpdir[] = "/tmp/pktsh-pcapfile-XXXXXX";

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return (size_t)n;
}

static const uint8_t frame1[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06};
static const uint8_t frame2[] = {1, 2,  3,  4,  5,    6,    7,   8,
                                 9, 10, 11, 12, 0x86, 0xdd, 0x60};

static void write_two(const char *path, const struct pk_pcap_wopts *o)
{
	struct pk_pcap_writer *w;
	struct pk_caperr err;

	assert_int_equal(pk_pcap_writer_open(path, o, &w, &err), 0);
	assert_int_equal(pk_pcap_writer_write(w, frame1, sizeof(frame1),
	                                      1700000000, 123456000, &err),
	                 0);
	assert_int_equal(pk_pcap_writer_write(w, frame2, sizeof(frame2),
	                                      1700000001, 999999000, &err),
	                 0);
	assert_int_equal(pk_pcap_writer_close(w, &err), 0);
}

static void test_roundtrip_us(void **state)
{
	struct pk_pcap_wopts o = {.linktype = DLT_EN10MB};
	struct pk_pcap_reader *r;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256];

	path_of(path, sizeof(path), "us.pcap");
	write_two(path, &o);
	assert_int_equal(file_size(path),
	                 24 + 16 + sizeof(frame1) + 16 + sizeof(frame2));

	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_linktype(r), DLT_EN10MB);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_int_equal(rec.caplen, sizeof(frame1));
	assert_int_equal(rec.len, sizeof(frame1));
	assert_memory_equal(rec.data, frame1, sizeof(frame1));
	assert_int_equal(rec.sec, 1700000000);
	assert_int_equal(rec.nsec, 123456000);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_memory_equal(rec.data, frame2, sizeof(frame2));
	assert_int_equal(rec.nsec, 999999000);
	assert_true(pk_caprec_time(&rec) > 1700000001.999998 &&
	            pk_caprec_time(&rec) < 1700000002.0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 0);
	assert_int_equal(pk_pcap_reader_count(r), 2);
	pk_pcap_reader_close(r);
}

static void test_roundtrip_ns_and_snaplen(void **state)
{
	struct pk_pcap_wopts o = {
	    .linktype = DLT_RAW, .nano = true, .snaplen = 10};
	struct pk_pcap_reader *r;
	struct pk_caprec rec;
	struct pk_caperr err;
	struct pk_pcap_writer *w;
	char path[256];

	path_of(path, sizeof(path), "ns.pcap");
	assert_int_equal(pk_pcap_writer_open(path, &o, &w, &err), 0);
	assert_int_equal(
	    pk_pcap_writer_write(w, frame2, sizeof(frame2), 5, 123456789, &err),
	    0);
	assert_int_equal(pk_pcap_writer_close(w, &err), 0);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_linktype(r), DLT_RAW);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_int_equal(rec.nsec, 123456789);
	assert_int_equal(rec.caplen, 10);
	assert_int_equal(rec.len, sizeof(frame2));
	pk_pcap_reader_close(r);
}

static void test_append_keeps_header(void **state)
{
	struct pk_pcap_wopts o = {.linktype = DLT_LINUX_SLL, .nano = true};
	struct pk_pcap_wopts a = {.linktype = DLT_EN10MB, .append = true};
	struct pk_pcap_reader *r;
	struct pk_pcap_writer *w;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256];
	int n = 0;

	path_of(path, sizeof(path), "append.pcap");
	write_two(path, &o);
	assert_int_equal(pk_pcap_writer_open(path, &a, &w, &err), 0);
	assert_true(pk_pcap_writer_appending(w));
	assert_int_equal(pk_pcap_writer_linktype(w), DLT_LINUX_SLL);
	assert_int_equal(
	    pk_pcap_writer_write(w, frame1, sizeof(frame1), 7, 1, &err), 0);
	assert_int_equal(pk_pcap_writer_close(w, &err), 0);

	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_linktype(r), DLT_LINUX_SLL);
	while (pk_pcap_reader_next(r, &rec, &err) == 1)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(rec.sec, 7);
	assert_int_equal(rec.nsec, 1); /* nano precision kept */
	pk_pcap_reader_close(r);

	/* append to a missing file creates it */
	path_of(path, sizeof(path), "new-append.pcap");
	a.linktype = DLT_RAW;
	assert_int_equal(pk_pcap_writer_open(path, &a, &w, &err), 0);
	assert_false(pk_pcap_writer_appending(w));
	assert_int_equal(pk_pcap_writer_close(w, &err), 0);
	assert_int_equal(file_size(path), 24);
}

/* A big-endian file, as written on another machine. */
static void test_append_other_byte_order(void **state)
{
	static const uint8_t be[] = {0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4,
	                             0,    0,    0,    0,    0, 0, 0, 0,
	                             0,    0,    0xff, 0xff, 0, 0, 0, 101};
	struct pk_pcap_wopts a = {.linktype = DLT_EN10MB, .append = true};
	struct pk_pcap_reader *r;
	struct pk_pcap_writer *w;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256];

	path_of(path, sizeof(path), "be.pcap");
	write_bytes(path, be, sizeof(be));
	assert_int_equal(pk_pcap_writer_open(path, &a, &w, &err), 0);
	assert_int_equal(pk_pcap_writer_linktype(w), DLT_RAW);
	assert_int_equal(pk_pcap_writer_write(w, frame2, sizeof(frame2),
	                                      1700000000, 500000000, &err),
	                 0);
	assert_int_equal(pk_pcap_writer_close(w, &err), 0);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_int_equal(rec.sec, 1700000000);
	assert_int_equal(rec.nsec, 500000000);
	assert_int_equal(rec.caplen, sizeof(frame2));
	pk_pcap_reader_close(r);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void test_pcapng(void **state)
{
	uint8_t f[28 + 20 + 32 + 16];
	uint64_t ts = 1700000000123456ull; /* microseconds (default tsresol) */
	struct pk_pcap_reader *r;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256];

	memset(f, 0, sizeof(f));
	/* Section Header Block */
	put32(f + 0, 0x0a0d0d0a);
	put32(f + 4, 28);
	put32(f + 8, 0x1a2b3c4d);
	f[12] = 1;               /* major 1, minor 0 (host order 16-bit) */
	memset(f + 16, 0xff, 8); /* section length: unknown */
	put32(f + 24, 28);
	/* Interface Description Block */
	put32(f + 28, 1);
	put32(f + 32, 20);
	put32(f + 36, DLT_EN10MB); /* linktype 16 bits + reserved 16 */
	put32(f + 40, 65535);
	put32(f + 44, 20);
	/* Enhanced Packet Block with 14 bytes padded to 16 */
	put32(f + 48, 6);
	put32(f + 52, 32 + 16);
	put32(f + 56, 0);
	put32(f + 60, (uint32_t)(ts >> 32));
	put32(f + 64, (uint32_t)ts);
	put32(f + 68, sizeof(frame1));
	put32(f + 72, sizeof(frame1));
	memcpy(f + 76, frame1, sizeof(frame1));
	put32(f + 92, 32 + 16);

	path_of(path, sizeof(path), "hand.pcapng");
	write_bytes(path, f, sizeof(f));
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_linktype(r), DLT_EN10MB);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_memory_equal(rec.data, frame1, sizeof(frame1));
	assert_int_equal(rec.sec, 1700000000);
	assert_int_equal(rec.nsec, 123456000);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 0);
	pk_pcap_reader_close(r);

	/* appending to pcapng is refused, the file is untouched */
	{
		struct pk_pcap_wopts a = {.linktype = DLT_EN10MB,
		                          .append = true};
		struct pk_pcap_writer *w;

		assert_int_equal(pk_pcap_writer_open(path, &a, &w, &err), -1);
		assert_non_null(
		    strstr(err.msg, "cannot append to a pcapng file"));
		assert_int_equal(file_size(path), sizeof(f));
	}
}

static void test_truncated(void **state)
{
	struct pk_pcap_wopts o = {.linktype = DLT_EN10MB};
	struct pk_pcap_reader *r;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256], want[512];
	size_t n;

	path_of(path, sizeof(path), "trunc.pcap");
	write_two(path, &o);
	n = file_size(path);
	assert_int_equal(truncate(path, (off_t)(n - 5)), 0);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), -1);
	snprintf(
	    want, sizeof(want),
	    "'%s': record 2: truncated packet record (caplen %zu, %zu bytes left)",
	    path, sizeof(frame2), sizeof(frame2) - 5);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, 0);
	/* the reader stays at the end */
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 0);
	pk_pcap_reader_close(r);

	/* cut inside the second record header */
	assert_int_equal(truncate(path, (off_t)(24 + 16 + sizeof(frame1) + 3)),
	                 0);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), 1);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), -1);
	assert_non_null(strstr(
	    err.msg, "record 2: truncated record header (3 of 16 bytes)"));
	pk_pcap_reader_close(r);
}

static void test_hostile_caplen(void **state)
{
	uint8_t f[24 + 16];
	uint32_t h32[6] = {0xa1b2c3d4, 0, 0, 0, 65535, 1};
	uint16_t ver[2] = {2, 4};
	struct pk_pcap_reader *r;
	struct pk_caprec rec;
	struct pk_caperr err;
	char path[256];

	memcpy(&h32[1], ver, 4);
	memcpy(f, h32, 24);
	put32(f + 24, 1);
	put32(f + 28, 0);
	put32(f + 32, 0xffffffffu); /* caplen */
	put32(f + 36, 60);
	path_of(path, sizeof(path), "hostile.pcap");
	write_bytes(path, f, sizeof(f));
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), 0);
	assert_int_equal(pk_pcap_reader_next(r, &rec, &err), -1);
	assert_non_null(
	    strstr(err.msg, "record 1: corrupt record (caplen 4294967295"));
	pk_pcap_reader_close(r);
}

static void test_bad_files(void **state)
{
	static const char junk[] = "this is not a capture file at all....";
	struct pk_pcap_reader *r = NULL;
	struct pk_caperr err;
	char path[256], want[512];

	path_of(path, sizeof(path), "missing.pcap");
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	snprintf(want, sizeof(want), "'%s': No such file or directory", path);
	assert_string_equal(err.msg, want);

	path_of(path, sizeof(path), "junk.pcap");
	write_bytes(path, junk, sizeof(junk));
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), -1);
	assert_int_equal(err.errnum, 0);
	snprintf(want, sizeof(want),
	         "'%s': not a pcap or pcapng file (unknown file format)", path);
	assert_string_equal(err.msg, want);

	path_of(path, sizeof(path), "empty.pcap");
	write_bytes(path, junk, 0);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), -1);
	assert_non_null(strstr(err.msg, "empty file"));

	path_of(path, sizeof(path), "short.pcap");
	write_bytes(path, "\xd4\xc3\xb2\xa1\x02\x00", 6);
	assert_int_equal(pk_pcap_reader_open(path, &r, &err), -1);
	assert_non_null(strstr(err.msg, "truncated file header"));

	/* a directory */
	assert_int_equal(pk_pcap_reader_open(tmpdir, &r, &err), -1);
	assert_int_equal(err.errnum, EISDIR);
}

static void test_time_split(void **state)
{
	int64_t s;
	uint32_t ns;

	pk_time_split(1700000000.123456, 6, &s, &ns);
	assert_int_equal(s, 1700000000);
	assert_int_equal(ns, 123456000);
	pk_time_split(1.9999999, 6, &s, &ns); /* rounds up into a carry */
	assert_int_equal(s, 2);
	assert_int_equal(ns, 0);
	pk_time_split(-5, 6, &s, &ns);
	assert_int_equal(s, 0);
	pk_time_split(12.5, 9, &s, &ns);
	assert_int_equal(ns, 500000000);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_us),
	    cmocka_unit_test(test_roundtrip_ns_and_snaplen),
	    cmocka_unit_test(test_append_keeps_header),
	    cmocka_unit_test(test_append_other_byte_order),
	    cmocka_unit_test(test_pcapng),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_hostile_caplen),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_time_split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
