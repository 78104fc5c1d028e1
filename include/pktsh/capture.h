/*
 * capture.h - capture files and live capture at the level of records:
 * bytes, a timestamp and a link type. No packets and no VM here, so the
 * net module (and the unit tests) can use it without the interpreter.
 *
 * Errors are reported in a caller's struct pk_caperr (libpcap's errbuf
 * habit): `msg` is a complete sentence in git's style, `errnum` the errno
 * of a failed system call (ENOENT, EACCES, ...) or 0 for a format error,
 * so the caller can pick FileNotFoundError, PermissionError or a format
 * error. Functions return 0 (or 1 for "got one") on success and -1 on
 * error.
 */
#ifndef PKTSH_CAPTURE_H
#define PKTSH_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pk_caperr {
	int errnum;
	char msg[512];
};

/* One captured record. `data` belongs to the reader and stays valid until
 * the next call on it. */
struct pk_caprec {
	const uint8_t *data;
	uint32_t caplen; /* bytes in data */
	uint32_t len;    /* length on the wire */
	int64_t sec;
	uint32_t nsec;
};

/* Seconds as a double, the form p.time has. */
double pk_caprec_time(const struct pk_caprec *r);
/* Split a p.time value into seconds and nanoseconds (rounded to `prec`
 * digits: 6 for microsecond files, 9 for nanosecond ones). */
void pk_time_split(double t, int prec, int64_t *sec, uint32_t *nsec);

/* ------------------------------------------------------------------ */
/* Reading pcap and pcapng files (through libpcap)                      */

struct pk_pcap_reader;

/*
 * Open `path` (pcap or pcapng, any byte order and precision). Times are
 * read at nanosecond precision. Messages name the file:
 * "'x.pcap': not a pcap or pcapng file (unknown file format)".
 */
int pk_pcap_reader_open(const char *path, struct pk_pcap_reader **out,
                        struct pk_caperr *err);
/*
 * The next record: 1 and *rec filled, 0 at the end of the file, -1 on a
 * truncated or corrupt record, with the record number (1-based) in the
 * message: "'x.pcap': record 17: truncated packet record (caplen 1514,
 * 200 bytes left)". The reader stays at the end after an error.
 */
int pk_pcap_reader_next(struct pk_pcap_reader *r, struct pk_caprec *rec,
                        struct pk_caperr *err);
int pk_pcap_reader_linktype(const struct pk_pcap_reader *r);
const char *pk_pcap_reader_path(const struct pk_pcap_reader *r);
/* Records returned so far. */
uint64_t pk_pcap_reader_count(const struct pk_pcap_reader *r);
void pk_pcap_reader_close(struct pk_pcap_reader *r);

/* ------------------------------------------------------------------ */
/* Writing pcap files (written here, not through libpcap)               */

struct pk_pcap_writer;

struct pk_pcap_wopts {
	int linktype;     /* DLT_*; ignored when appending to a file */
	uint32_t snaplen; /* 0: 262144; longer records are cut to it */
	bool append;      /* keep an existing file and its header */
	bool nano;        /* nanosecond timestamps (new files only) */
	bool sync;        /* flush after every record */
};

/*
 * Create (or, with append, extend) a pcap file. Appending keeps the
 * existing header: its link type, byte order and precision win, and
 * pk_pcap_writer_linktype() tells which. Appending to a pcapng file is an
 * error. An empty or missing file is created as if append were false.
 */
int pk_pcap_writer_open(const char *path, const struct pk_pcap_wopts *o,
                        struct pk_pcap_writer **out, struct pk_caperr *err);
int pk_pcap_writer_write(struct pk_pcap_writer *w, const void *data, size_t len,
                         int64_t sec, uint32_t nsec, struct pk_caperr *err);
int pk_pcap_writer_linktype(const struct pk_pcap_writer *w);
/* Whether the file's header was already there (append to a pcap). */
bool pk_pcap_writer_appending(const struct pk_pcap_writer *w);
int pk_pcap_writer_flush(struct pk_pcap_writer *w, struct pk_caperr *err);
/* Flush and close; reports a failed final write. w is freed either way. */
int pk_pcap_writer_close(struct pk_pcap_writer *w, struct pk_caperr *err);
/*
 * A write that fails (ENOSPC, EIO, EFBIG...) never leaves half a record:
 * the file is cut back to the last whole record, so it stays a valid
 * pcap, and the message says how many packets it keeps. Later writes on
 * that writer fail with the same message; close() then reports nothing
 * new. Records written: pk_pcap_writer_count().
 */
uint64_t pk_pcap_writer_count(const struct pk_pcap_writer *w);

/* ------------------------------------------------------------------ */
/* Live interfaces                                                      */

/*
 * The kernel's index of interface `name`, 0 if it has none (pcap's
 * pseudo-devices such as "any", or no such interface).
 */
int pk_iface_index(const char *name);
/*
 * Is a capture on `name`, opened when the interface had index `ifindex`,
 * still able to receive? 0 if so (and always for ifindex 0); else
 * ENODEV when the interface is gone (deleted, or its namespace with it)
 * or ENETDOWN when it is down, with a sentence in `why`:
 * "interface 'v-c' went down", "interface 'v-c' disappeared".
 */
int pk_iface_lost(const char *name, int ifindex, char *why, size_t n);

#endif
