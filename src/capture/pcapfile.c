/*
 * pcapfile.c - pcap/pcapng records in and out (see capture.h).
 *
 * Reading goes through libpcap, which knows pcapng, both byte orders and
 * both precisions, and has been fuzzed for years; we only count records
 * and turn its messages into ours. Writing is done here: the pcap format
 * is 24 + 16 bytes of headers, and doing it ourselves lets append= read
 * and keep an existing header, which pcap_dump_open_append() can only do
 * for files of the same link type and precision as a live handle.
 *
 * File format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-00):
 *
 *    0                   1                   2                   3
 *   +---------------------------------------------------------------+
 *   |            magic 0xa1b2c3d4 (us) or 0xa1b23c4d (ns)           |
 *   +-------------------------------+-------------------------------+
 *   |     major version (2)         |     minor version (4)         |
 *   +-------------------------------+-------------------------------+
 *   |                 thiszone (0)  /  sigfigs (0)                  |
 *   |                           snaplen                             |
 *   |                           linktype                            |
 *   +---------------------------------------------------------------+
 *   then per record: sec, usec|nsec, caplen, len, caplen bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pktsh/alloc.h"
#include "pktsh/capture.h"

#define MAGIC_US        0xa1b2c3d4u
#define MAGIC_NS        0xa1b23c4du
#define MAGIC_NG        0x0a0d0d0au
#define DEFAULT_SNAPLEN 262144u

__attribute__((format(printf, 3, 4))) static int
caperr(struct pk_caperr *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

double pk_caprec_time(const struct pk_caprec *r)
{
	return (double)r->sec + (double)r->nsec / 1e9;
}

void pk_time_split(double t, int prec, int64_t *sec, uint32_t *nsec)
{
	double s, scale = prec == 9 ? 1e9 : 1e6;
	int64_t frac;

	if (!isfinite(t) || t < 0)
		t = 0;
	s = floor(t);
	frac = (int64_t)llround((t - s) * scale);
	if (frac >= (int64_t)scale) {
		s += 1;
		frac = 0;
	}
	*sec = (int64_t)s;
	*nsec = (uint32_t)(prec == 9 ? frac : frac * 1000);
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */

struct pk_pcap_reader {
	pcap_t *p;
	char *path;
	uint64_t count;
	bool done;
};

/* What libpcap says about a file it cannot open, in our words. */
static int open_error(const char *path, const char *msg, struct pk_caperr *err)
{
	size_t want, got;

	if (sscanf(
	        msg,
	        "truncated dump file; tried to read %zu file header bytes, only got %zu",
	        &want, &got) == 2) {
		/* libpcap reads the 4-byte magic first, and then counts only
		 * what it got of the rest of the header */
		if (want > 4)
			got += 4;
		if (got == 0)
			return caperr(
			    err, 0,
			    "'%s': empty file, not a pcap or pcapng file",
			    path);
		return caperr(err, 0,
		              "'%s': truncated file header (%zu of %zu bytes)",
		              path, got, want);
	}
	if (strstr(msg, "unknown file format"))
		return caperr(
		    err, 0,
		    "'%s': not a pcap or pcapng file (unknown file format)",
		    path);
	return caperr(err, 0, "'%s': %s", path, msg);
}

int pk_pcap_reader_open(const char *path, struct pk_pcap_reader **out,
                        struct pk_caperr *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pk_pcap_reader *r;
	FILE *f;

	/* fopen ourselves so the caller gets errno (ENOENT, EACCES, EISDIR)
	 * rather than a sentence to parse. */
	f = fopen(path, "rb");
	if (!f)
		return caperr(err, errno, "'%s': %s", path, strerror(errno));
	errbuf[0] = '\0';
	r = pk_xcalloc(1, sizeof(*r));
	if (!r || !(r->path = pk_xstrndup(path, strlen(path)))) {
		pk_xfree(r);
		fclose(f);
		return caperr(err, ENOMEM, "out of memory");
	}
	r->p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->p) {
		int errnum = errno == EISDIR ? EISDIR : 0;
		fclose(f);
		if (errnum)
			caperr(err, errnum, "'%s': %s", path, strerror(errnum));
		else
			open_error(path, errbuf, err);
		pk_xfree(r->path);
		pk_xfree(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* A record libpcap refused, in our words, with its number. */
static int record_error(struct pk_pcap_reader *r, const char *msg,
                        struct pk_caperr *err)
{
	unsigned long long rec = (unsigned long long)r->count + 1;
	size_t want, got;
	unsigned int caplen, max;

	if (sscanf(
	        msg,
	        "truncated dump file; tried to read %zu header bytes, only got %zu",
	        &want, &got) == 2)
		return caperr(
		    err, 0,
		    "'%s': record %llu: truncated record header (%zu of %zu bytes)",
		    r->path, rec, got, want);
	if (sscanf(
	        msg,
	        "truncated dump file; tried to read %u captured bytes, only got %zu",
	        &caplen, &got) == 2)
		return caperr(
		    err, 0,
		    "'%s': record %llu: truncated packet record (caplen %u, %zu bytes left)",
		    r->path, rec, caplen, got);
	if (sscanf(
	        msg,
	        "truncated pcapng dump file; tried to read %zu bytes, only got %zu",
	        &want, &got) == 2)
		return caperr(
		    err, 0,
		    "'%s': record %llu: truncated pcapng block (%zu bytes needed, %zu left)",
		    r->path, rec, want, got);
	if (sscanf(
	        msg,
	        "invalid packet capture length %u, bigger than maximum of %u",
	        &caplen, &max) == 2)
		return caperr(
		    err, 0,
		    "'%s': record %llu: corrupt record (caplen %u, larger than the maximum %u)",
		    r->path, rec, caplen, max);
	if (sscanf(
	        msg,
	        "invalid packet capture length %u, bigger than snaplen of %u",
	        &caplen, &max) == 2)
		return caperr(
		    err, 0,
		    "'%s': record %llu: corrupt record (caplen %u, larger than the snaplen %u)",
		    r->path, rec, caplen, max);
	return caperr(err, 0, "'%s': record %llu: %s", r->path, rec, msg);
}

int pk_pcap_reader_next(struct pk_pcap_reader *r, struct pk_caprec *rec,
                        struct pk_caperr *err)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (r->done)
		return 0;
	rc = pcap_next_ex(r->p, &h, &data);
	if (rc == PCAP_ERROR_BREAK) {
		r->done = true;
		return 0;
	}
	if (rc != 1) {
		r->done = true;
		return record_error(r, pcap_geterr(r->p), err);
	}
	r->count++;
	rec->data = data;
	rec->caplen = h->caplen;
	rec->len = h->len;
	rec->sec = (int64_t)h->ts.tv_sec;
	/* opened with nanosecond precision: tv_usec holds nanoseconds */
	rec->nsec = (uint32_t)h->ts.tv_usec;
	return 1;
}

int pk_pcap_reader_linktype(const struct pk_pcap_reader *r)
{
	return pcap_datalink(r->p);
}

const char *pk_pcap_reader_path(const struct pk_pcap_reader *r)
{
	return r->path;
}

uint64_t pk_pcap_reader_count(const struct pk_pcap_reader *r)
{
	return r->count;
}

void pk_pcap_reader_close(struct pk_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p); /* closes the FILE too */
	pk_xfree(r->path);
	pk_xfree(r);
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

/*
 * The writer keeps its own buffer of whole records rather than stdio's,
 * so that when a write fails (the disk is full) it knows where the last
 * whole record ends in what reached the file and can cut the file back
 * to it: the file stays a valid pcap, with every packet before the
 * failure.
 */
#define WBUF 65536

struct pk_pcap_writer {
	int fd;
	char *path;
	int linktype;
	uint32_t snaplen;
	bool swap; /* existing file in the other byte order */
	bool nano;
	bool sync;
	bool appending;
	uint8_t *buf; /* the file header (new files) and whole records */
	size_t len, cap;
	size_t hdr;              /* file header bytes at the start of buf */
	uint64_t ondisk;         /* bytes of the file written before buf */
	uint64_t nrec;           /* records handed to the writer */
	uint64_t nbuf;           /* of which in buf, not yet written */
	struct pk_caperr failed; /* errnum != 0 or msg[0]: a write failed */
};

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) |
	       (v << 24);
}

/*
 * Files hold LINKTYPE_* values, the API speaks DLT_* (what libpcap's
 * readers return). They differ only for a few BSD-born numbers; raw IP is
 * the one that matters: DLT_RAW is 12 on Linux (14 on OpenBSD), LINKTYPE_RAW
 * is 101.
 */
static uint32_t dlt_to_linktype(int dlt)
{
	if (dlt == DLT_RAW || dlt == 12 || dlt == 14)
		return 101;
	return (uint32_t)dlt;
}

static int linktype_to_dlt(uint32_t lt)
{
	if (lt == 101)
		return DLT_RAW;
	return (int)lt;
}

static uint32_t file32(const struct pk_pcap_writer *w, uint32_t v)
{
	return w->swap ? bswap32(v) : v;
}

static int failed(const struct pk_pcap_writer *w, struct pk_caperr *err)
{
	if (err)
		*err = w->failed;
	return -1;
}

/*
 * write() failed after `done` bytes of buf reached the file: cut the file
 * back to the end of the last whole record in them and remember why.
 */
static int write_failed(struct pk_pcap_writer *w, size_t done, int e,
                        struct pk_caperr *err)
{
	size_t at = 0, keep = 0;
	uint64_t whole = 0, kept;

	if (done >= w->hdr) {
		at = keep = w->hdr;
		while (at + 16 <= w->len) {
			uint32_t caplen;

			memcpy(&caplen, w->buf + at + 8, 4);
			caplen = file32(w, caplen);
			if (at + 16 + caplen > done)
				break;
			at += 16 + caplen;
			keep = at;
			whole++;
		}
	}
	kept = w->nrec - w->nbuf + whole;
	if (ftruncate(w->fd, (off_t)(w->ondisk + keep)) < 0)
		caperr(&w->failed, e,
		       "'%s': write failed after %llu packet%s: %s (and "
		       "cutting off the partial record failed: %s)",
		       w->path, (unsigned long long)kept, kept == 1 ? "" : "s",
		       strerror(e), strerror(errno));
	else if (done < w->hdr)
		caperr(&w->failed, e,
		       "'%s': write failed: %s (not even the file header "
		       "fit: the file is empty)",
		       w->path, strerror(e));
	else
		caperr(&w->failed, e,
		       "'%s': write failed after %llu packet%s: %s (the file "
		       "keeps %s and is a valid pcap)",
		       w->path, (unsigned long long)kept, kept == 1 ? "" : "s",
		       strerror(e), kept == 1 ? "it" : "them");
	if (!w->failed.errnum)
		w->failed.errnum = EIO;
	w->ondisk += keep;
	w->len = w->hdr = 0;
	w->nbuf = 0;
	w->nrec = kept;
	return failed(w, err);
}

/* Write out the buffer. */
static int wflush(struct pk_pcap_writer *w, struct pk_caperr *err)
{
	size_t done = 0;

	if (w->failed.errnum)
		return failed(w, err);
	while (done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return write_failed(w, done, n < 0 ? errno : ENOSPC,
			                    err);
		done += (size_t)n;
	}
	w->ondisk += w->len;
	w->len = w->hdr = 0;
	w->nbuf = 0;
	return 0;
}

/* Room for n more bytes in the buffer (a record larger than it grows
 * it: records are never split across writes). */
static int wroom(struct pk_pcap_writer *w, size_t n, struct pk_caperr *err)
{
	uint8_t *nb;
	size_t nc;

	if (w->len + n <= w->cap)
		return 0;
	if (w->len && wflush(w, err) < 0)
		return -1;
	if (n <= w->cap)
		return 0;
	nc = n > WBUF ? n : WBUF;
	nb = pk_xrealloc(w->buf, nc);
	if (!nb)
		return caperr(err, ENOMEM, "out of memory");
	w->buf = nb;
	w->cap = nc;
	return 0;
}

static void wput(struct pk_pcap_writer *w, const void *p, size_t n)
{
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/*
 * Read the header of an existing file for append. Returns 1 when there is
 * a usable pcap header (w filled), 0 when the file is empty, -1 on error.
 */
static int read_existing_header(struct pk_pcap_writer *w, struct pk_caperr *err)
{
	uint8_t hdr[24];
	uint32_t magic, v;
	size_t n;

	{
		ssize_t got;

		do
			got = pread(w->fd, hdr, sizeof(hdr), 0);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return caperr(err, errno, "'%s': %s", w->path,
			              strerror(errno));
		n = (size_t)got;
	}
	if (n == 0)
		return 0;
	if (n >= 4) {
		/* The header is in its writer's byte order: compare the
		 * magic read natively and swapped. */
		memcpy(&magic, hdr, 4);
		if (magic == MAGIC_NG)
			return caperr(
			    err, 0,
			    "'%s': cannot append to a pcapng file (write a new pcap file)",
			    w->path);
		if (bswap32(magic) == MAGIC_US || bswap32(magic) == MAGIC_NS) {
			w->swap = true;
			magic = bswap32(magic);
		}
		if (magic != MAGIC_US && magic != MAGIC_NS)
			return caperr(
			    err, 0,
			    "'%s': cannot append: not a pcap file (unknown magic 0x%02x%02x%02x%02x)",
			    w->path, hdr[0], hdr[1], hdr[2], hdr[3]);
		w->nano = magic == MAGIC_NS;
	}
	if (n < sizeof(hdr))
		return caperr(
		    err, 0,
		    "'%s': cannot append: truncated file header (%zu of 24 bytes)",
		    w->path, n);
	memcpy(&v, hdr + 16, 4);
	w->snaplen = file32(w, v);
	if (w->snaplen == 0)
		w->snaplen = DEFAULT_SNAPLEN;
	memcpy(&v, hdr + 20, 4);
	/* the low 16 bits are the link type, the rest FCS flags */
	w->linktype = linktype_to_dlt(file32(w, v) & 0xffff);
	return 1;
}

static int write_header(struct pk_pcap_writer *w, struct pk_caperr *err)
{
	uint32_t h32[6];
	uint16_t ver[2] = {2, 4};

	h32[0] = w->nano ? MAGIC_NS : MAGIC_US;
	h32[1] = 0; /* placeholder for the version pair */
	h32[2] = 0; /* thiszone */
	h32[3] = 0; /* sigfigs */
	h32[4] = w->snaplen;
	h32[5] = dlt_to_linktype(w->linktype);
	memcpy(&h32[1], ver, sizeof(ver));
	if (wroom(w, sizeof(h32), err) < 0)
		return -1;
	wput(w, h32, sizeof(h32));
	w->hdr = sizeof(h32);
	return 0;
}

int pk_pcap_writer_open(const char *path, const struct pk_pcap_wopts *o,
                        struct pk_pcap_writer **out, struct pk_caperr *err)
{
	struct pk_pcap_writer *w;
	int rc = 0;

	w = pk_xcalloc(1, sizeof(*w));
	if (!w || !(w->path = pk_xstrndup(path, strlen(path)))) {
		pk_xfree(w);
		return caperr(err, ENOMEM, "out of memory");
	}
	w->fd = -1;
	w->linktype = o->linktype;
	w->snaplen = o->snaplen ? o->snaplen : DEFAULT_SNAPLEN;
	w->nano = o->nano;
	w->sync = o->sync;
	w->buf = pk_xmalloc(WBUF);
	if (!w->buf) {
		caperr(err, ENOMEM, "out of memory");
		goto fail;
	}
	w->cap = WBUF;
	if (o->append) {
		w->fd = open(path, O_RDWR | O_CLOEXEC);
		if (w->fd < 0 && errno != ENOENT) {
			caperr(err, errno, "'%s': %s", path, strerror(errno));
			goto fail;
		}
		if (w->fd >= 0) {
			off_t end;

			rc = read_existing_header(w, err);
			if (rc < 0)
				goto fail;
			end = lseek(w->fd, 0, SEEK_END);
			if (end < 0) {
				caperr(err, errno, "'%s': %s", path,
				       strerror(errno));
				goto fail;
			}
			w->ondisk = (uint64_t)end;
			w->appending = rc == 1;
		}
	}
	if (w->fd < 0) {
		w->fd =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (w->fd < 0) {
			caperr(err, errno, "'%s': %s", path, strerror(errno));
			goto fail;
		}
	}
	if (!w->appending && write_header(w, err) < 0)
		goto fail;
	if (w->sync && pk_pcap_writer_flush(w, err) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	pk_xfree(w->buf);
	pk_xfree(w->path);
	pk_xfree(w);
	return -1;
}

int pk_pcap_writer_write(struct pk_pcap_writer *w, const void *data, size_t len,
                         int64_t sec, uint32_t nsec, struct pk_caperr *err)
{
	uint32_t h[4];
	size_t caplen = len;

	if (w->failed.errnum)
		return failed(w, err);
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (len > UINT32_MAX)
		return caperr(err, 0,
		              "'%s': packet of %zu bytes is too long for pcap",
		              w->path, len);
	if (sec < 0 || sec > (int64_t)UINT32_MAX)
		sec = 0;
	h[0] = file32(w, (uint32_t)sec);
	h[1] = file32(w, w->nano ? nsec : nsec / 1000);
	h[2] = file32(w, (uint32_t)caplen);
	h[3] = file32(w, (uint32_t)len);
	if (wroom(w, sizeof(h) + caplen, err) < 0)
		return -1;
	wput(w, h, sizeof(h));
	wput(w, data, caplen);
	w->nrec++;
	w->nbuf++;
	if (w->sync)
		return pk_pcap_writer_flush(w, err);
	return 0;
}

int pk_pcap_writer_linktype(const struct pk_pcap_writer *w)
{
	return w->linktype;
}

bool pk_pcap_writer_appending(const struct pk_pcap_writer *w)
{
	return w->appending;
}

uint64_t pk_pcap_writer_count(const struct pk_pcap_writer *w)
{
	return w->nrec;
}

int pk_pcap_writer_flush(struct pk_pcap_writer *w, struct pk_caperr *err)
{
	return wflush(w, err);
}

int pk_pcap_writer_close(struct pk_pcap_writer *w, struct pk_caperr *err)
{
	int rc = 0;

	if (!w)
		return 0;
	/* a failure was reported when it happened */
	if (!w->failed.errnum)
		rc = wflush(w, err);
	if (close(w->fd) != 0 && rc == 0 && !w->failed.errnum)
		rc = caperr(err, errno, "'%s': write failed: %s", w->path,
		            strerror(errno));
	pk_xfree(w->buf);
	pk_xfree(w->path);
	pk_xfree(w);
	return rc;
}
