/*
 * pcapio.c - rdpcap, wrpcap, PcapReader and PcapWriter: capture files as
 * packets.
 *
 * Reading keeps nothing but the packet being made: PcapReader holds one
 * libpcap handle (one record buffer) and hands each record to
 * pk_packet_dissect(), which copies the bytes; the engine may decode
 * fields lazily. `for p in PcapReader(f)` therefore runs in constant
 * memory whatever the file size.
 *
 * A file that ends inside a record, or has a corrupt record, is not an
 * error for rdpcap() and PcapReader: like scapy, they return what came
 * before and print a warning naming the file and the record number. A
 * file that cannot be opened or whose header is not pcap/pcapng raises.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pktsh/alloc.h"
#include "pktsh/capture.h"
#include "pktsh/cursor.h"
#include "pktsh/packet.h"
#include "pktsh/plist.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"

#include "capint.h"

/* Python has EOFError; the language core does not need it, we do
 * (PcapReader.read_packet() at the end of the file, as scapy). */
static struct pk_exctype pk_exc_EOFError = {
    {1u << 30, &pk_type_exctype}, "EOFError", &pk_exc_Exception};

int pk_cap_raise(struct pk_vm *vm, const char *fname,
                 const struct pk_caperr *err)
{
	const struct pk_exctype *t;

	switch (err->errnum) {
	case 0:
		t = &pk_exc_Scapy_Exception;
		break;
	case ENOENT:
		t = &pk_exc_FileNotFoundError;
		break;
	case EACCES:
	case EPERM:
		t = &pk_exc_PermissionError;
		break;
	case ENOMEM:
		return pk_raise_nomem(vm);
	default:
		t = &pk_exc_OSError;
		break;
	}
	return pk_raise(vm, t, "%s: %s", fname, err->msg);
}

int pk_cap_packet(struct pk_vm *vm, const struct pk_proto *first,
                  const struct pk_caprec *rec, pk_val *out)
{
	if (pk_packet_dissect(vm, first, rec->data, rec->caplen, out) < 0)
		return -1;
	pk_packet_set_time(*out, pk_caprec_time(rec));
	return 0;
}

const char *pk_cap_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* ------------------------------------------------------------------ */
/* Writing values                                                      */

struct wv {
	const struct pk_cap_sink *sink;
	bool hinted;
	struct pk_buf b;
};

static int write_one(struct pk_vm *vm, pk_val one, void *ctx)
{
	struct wv *w = ctx;
	double t;

	pk_buf_reset(&w->b);
	if (pk_packet_build(vm, one, &w->b) < 0)
		return -1;
	t = pk_packet_time(one);
	return w->sink->write(vm, w->sink->ctx, w->b.buf, w->b.len, t);
}

static int write_val(struct pk_vm *vm, pk_val v, void *ctx)
{
	struct wv *w = ctx;

	if (pk_check_interrupt(vm) < 0)
		return -1;
	if (pk_is_tuple(v) && pk_as_tuple(v)->len == 2 &&
	    pk_is_packet(pk_as_tuple(v)->items[0])) {
		/* a SndRcvList: both packets, in order (as scapy's wrpcap) */
		if (write_val(vm, pk_as_tuple(v)->items[0], ctx) < 0)
			return -1;
		return write_val(vm, pk_as_tuple(v)->items[1], ctx);
	}
	if (pk_is_bytes(v)) {
		if (!w->hinted) {
			w->hinted = true;
			if (w->sink->hint(vm, w->sink->ctx, -1) < 0)
				return -1;
		}
		return w->sink->write(vm, w->sink->ctx, pk_as_bytes(v)->b,
		                      pk_as_bytes(v)->len, 0);
	}
	if (!pk_is_packet(v))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "cannot write a %s to a pcap file (packets or bytes expected)",
		    pk_typename(v));
	if (!w->hinted) {
		const struct pk_proto *p = pk_packet_first_proto(vm, v);

		w->hinted = true;
		if (w->sink->hint(vm, w->sink->ctx,
		                  p ? pk_linktype_for_proto(p) : -1) < 0)
			return -1;
	}
	return pk_packet_expand(vm, v, write_one, w) < 0 ? -1 : 0;
}

int pk_cap_write_values(struct pk_vm *vm, pk_val pkts,
                        const struct pk_cap_sink *sink)
{
	struct wv w = {sink, false, PK_BUF_INIT};
	int rc;

	if (pk_is_packet(pkts) || pk_is_bytes(pkts))
		rc = write_val(vm, pkts, &w);
	else
		rc = pk_foreach(vm, pkts, write_val, &w);
	pk_buf_release(&w.b);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* PcapWriter                                                          */

struct pwriter {
	struct pk_obj h;
	const char *fname; /* "wrpcap" or "PcapWriter": what errors name */
	char *path;
	struct pk_pcap_wopts o;
	bool linktype_given;
	struct pk_pcap_writer *w; /* NULL until the first write, or closed */
	bool closed;
	uint64_t written;
};

extern const struct pk_type pk_type_pcapwriter;

static int writer_open(struct pk_vm *vm, struct pwriter *pw, int dlt)
{
	struct pk_caperr err;

	if (pw->w)
		return 0;
	if (!pw->linktype_given)
		pw->o.linktype = dlt >= 0 ? dlt : DLT_EN10MB;
	if (pk_pcap_writer_open(pw->path, &pw->o, &pw->w, &err) < 0)
		return pk_cap_raise(vm, pw->fname, &err);
	if (pk_pcap_writer_appending(pw->w) && pw->linktype_given &&
	    pk_pcap_writer_linktype(pw->w) != pw->o.linktype)
		pk_vm_warn(
		    vm, "%s: '%s' has link type %d; appending with it, not %d",
		    pw->fname, pw->path, pk_pcap_writer_linktype(pw->w),
		    pw->o.linktype);
	return 0;
}

static int sink_hint(struct pk_vm *vm, void *ctx, int dlt)
{
	struct pwriter *pw = ctx;
	int have;

	if (writer_open(vm, pw, dlt) < 0)
		return -1;
	/* an existing file's link type wins; say so when the packets are
	 * of another kind (raw IP is DLT 12 or 14 in memory, 101 on disk) */
	have = pk_pcap_writer_linktype(pw->w);
	if (have == 12 || have == 14)
		have = 101;
	if (dlt == 12 || dlt == 14)
		dlt = 101;
	if (dlt >= 0 && pk_pcap_writer_appending(pw->w) && have != dlt)
		pk_vm_warn(
		    vm,
		    "%s: '%s' has link type %d; writing packets of link type %d into it",
		    pw->fname, pw->path, pk_pcap_writer_linktype(pw->w), dlt);
	return 0;
}

static int sink_write(struct pk_vm *vm, void *ctx, const void *data, size_t len,
                      double t)
{
	struct pwriter *pw = ctx;
	struct pk_caperr err;
	int64_t sec;
	uint32_t nsec;

	if (writer_open(vm, pw, -1) < 0)
		return -1;
	if (t <= 0) {
		/* never stamped (built, not captured): now, as scapy's
		 * packets carry their creation time */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sec = ts.tv_sec;
		nsec = (uint32_t)ts.tv_nsec;
	} else {
		pk_time_split(t, 9, &sec, &nsec);
	}
	if (pk_pcap_writer_write(pw->w, data, len, sec, nsec, &err) < 0)
		return pk_cap_raise(vm, pw->fname, &err);
	pw->written++;
	return 0;
}

static int writer_close(struct pk_vm *vm, struct pwriter *pw)
{
	struct pk_caperr err;
	int rc = 0;

	if (pw->closed)
		return 0;
	/* nothing written: still leave a valid (empty) capture file */
	if (!pw->w && vm && writer_open(vm, pw, -1) < 0)
		rc = -1;
	pw->closed = true;
	if (pw->w && pk_pcap_writer_close(pw->w, &err) < 0 && vm)
		rc = pk_cap_raise(vm, pw->fname, &err);
	pw->w = NULL;
	return rc;
}

static void pwriter_release(struct pk_obj *o)
{
	struct pwriter *pw = (struct pwriter *)o;

	if (pw->w)
		pk_pcap_writer_close(pw->w, NULL);
	pk_xfree(pw->path);
	pk_xfree(pw);
}

static int pwriter_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pwriter *pw = (struct pwriter *)self.u.o;

	pk_buf_addf(out, "<PcapWriter '%s' %s, %llu packets written>", pw->path,
	            pw->closed ? "closed" : "open",
	            (unsigned long long)pw->written);
	return 0;
}

static struct pwriter *writer_of(struct pk_vm *vm, pk_val self)
{
	struct pwriter *pw = (struct pwriter *)self.u.o;

	if (pw->closed) {
		pk_raise(vm, &pk_exc_ValueError, "PcapWriter: '%s' is closed",
		         pw->path);
		return NULL;
	}
	return pw;
}

static int m_w_write(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	static const char *const names[] = {"pkt"};
	struct pwriter *pw = writer_of(vm, self);
	struct pk_cap_sink sink = {sink_hint, sink_write, pw};
	pk_val v;

	if (!pw || pk_args_parse(vm, a, "write", names, 1, 1, &v) < 0)
		return -1;
	if (pk_cap_write_values(vm, v, &sink) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_w_flush(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pwriter *pw = writer_of(vm, self);
	struct pk_caperr err;

	if (!pw || pk_args_parse(vm, a, "flush", NULL, 0, 0, NULL) < 0)
		return -1;
	if (pw->w && pk_pcap_writer_flush(pw->w, &err) < 0)
		return pk_cap_raise(vm, "PcapWriter", &err);
	*out = pk_none();
	return 0;
}

static int m_w_close(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	if (pk_args_parse(vm, a, "close", NULL, 0, 0, NULL) < 0 ||
	    writer_close(vm, (struct pwriter *)self.u.o) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

/* `with` passes (type, value, traceback); closing ignores them and never
 * suppresses the exception. */
static int m_w_exit(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	if (writer_close(vm, (struct pwriter *)self.u.o) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int m_enter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

static const struct pk_method pwriter_methods[] = {
    {"write", m_w_write, "write(pkt): write a packet or a list of packets"},
    {"flush", m_w_flush, "flush(): push buffered records to the file"},
    {"close", m_w_close, "close(): flush and close the file"},
    {"__enter__", m_enter, "__enter__() -> self"},
    {"__exit__", m_w_exit, "__exit__(*exc): close()"},
    {NULL, NULL, NULL}};

const struct pk_type pk_type_pcapwriter = {
    .name = "PcapWriter",
    .doc = "a pcap file open for writing",
    .release = pwriter_release,
    .repr = pwriter_repr,
    .methods = pwriter_methods,
};

static int get_linktype(struct pk_vm *vm, pk_val v, const char *fname, int *out,
                        bool *given)
{
	int64_t lt;

	*given = false;
	if (pk_is_undef(v) || pk_is_none(v))
		return 0;
	if (pk_arg_int(vm, v, fname, "linktype", &lt) < 0)
		return -1;
	if (lt < 0 || lt > 0xffff)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s: linktype %lld out of range (0..65535)",
		                fname, (long long)lt);
	*out = (int)lt;
	*given = true;
	return 0;
}

static int truth_arg(struct pk_vm *vm, pk_val v, bool *out)
{
	*out = false;
	if (pk_is_undef(v))
		return 0;
	return pk_truth(vm, v, out);
}

/* PcapWriter(filename, linktype=None, gz=False, endianness="",
 *            append=False, sync=False, nano=False, snaplen=65535) */
static int make_writer(struct pk_vm *vm, const struct pk_args *a,
                       const char *fname, struct pwriter **out)
{
	static const char *const names[] = {"filename",   "linktype", "gz",
	                                    "endianness", "append",   "sync",
	                                    "nano",       "snaplen"};
	pk_val v[8];
	struct pwriter *pw;
	const char *path;
	size_t plen;
	bool b;
	int64_t snap = 0;

	if (pk_args_parse(vm, a, fname, names, 8, 1, v) < 0 ||
	    pk_arg_str(vm, v[0], fname, "filename", &path, &plen) < 0)
		return -1;
	if (truth_arg(vm, v[2], &b) < 0)
		return -1;
	if (b)
		return pk_raise(
		    vm, &pk_exc_NotImplementedError,
		    "%s: gz=True is not supported (compress the file afterwards)",
		    fname);
	if (!pk_is_undef(v[7]) && !pk_is_none(v[7]) &&
	    pk_arg_int(vm, v[7], fname, "snaplen", &snap) < 0)
		return -1;
	if (snap < 0 || snap > 0x7fffffff)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s: snaplen %lld out of range", fname,
		                (long long)snap);
	pw = pk_obj_alloc(&pk_type_pcapwriter, sizeof(*pw));
	if (!pw)
		return pk_raise_nomem(vm);
	pw->fname = fname;
	pw->path = pk_xstrndup(path, plen);
	if (!pw->path) {
		pk_xfree(pw);
		return pk_raise_nomem(vm);
	}
	pw->o.snaplen = (uint32_t)snap;
	if (get_linktype(vm, v[1], fname, &pw->o.linktype,
	                 &pw->linktype_given) < 0 ||
	    truth_arg(vm, v[4], &pw->o.append) < 0 ||
	    truth_arg(vm, v[5], &pw->o.sync) < 0 ||
	    truth_arg(vm, v[6], &pw->o.nano) < 0) {
		pk_decref(pk_obj_take(pw));
		return -1;
	}
	/* with a known link type the file is created now, so a bad path
	 * fails at the constructor, not at the first write */
	if (pw->linktype_given && writer_open(vm, pw, -1) < 0) {
		pk_decref(pk_obj_take(pw));
		return -1;
	}
	*out = pw;
	return 0;
}

static int b_pcapwriter(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	struct pwriter *pw;

	if (make_writer(vm, a, "PcapWriter", &pw) < 0)
		return -1;
	*out = pk_obj_take(pw);
	return 0;
}

/* wrpcap(filename, pkt, linktype=None, append=False, sync=False, nano=False) */
static int b_wrpcap(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {
	    "filename", "pkt",  "linktype", "gz",     "endianness",
	    "append",   "sync", "nano",     "snaplen"};
	pk_val v[9];
	struct pk_args wa = *a;
	struct pwriter *pw;
	struct pk_cap_sink sink;
	pk_val wv, pos[1];
	int rc;

	if (pk_args_parse(vm, a, "wrpcap", names, 9, 2, v) < 0)
		return -1;
	/* the writer takes the same arguments minus `pkt` */
	{
		pk_val kv[16];
		struct pk_str *kn[16];
		int i, nk = 0;

		if (a->nkw > 16)
			return pk_raise(vm, &pk_exc_TypeError,
			                "wrpcap: too many keyword arguments");
		for (i = 0; i < a->nkw; i++) {
			if (strcmp(a->kwnames[i]->s, "pkt") == 0)
				continue;
			kn[nk] = a->kwnames[i];
			kv[nk++] = a->kwv[i];
		}
		pos[0] = v[0];
		wa.n = 1;
		wa.v = pos;
		wa.nkw = nk;
		wa.kwnames = kn;
		wa.kwv = kv;
		wa.site = NULL;
		/* positional linktype etc. after pkt are rare; keywords
		 * carry them */
		if (a->n > 2)
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "wrpcap: pass linktype=, append=... as keywords");
		if (make_writer(vm, &wa, "wrpcap", &pw) < 0)
			return -1;
	}
	wv = pk_obj_take(pw);
	sink.hint = sink_hint;
	sink.write = sink_write;
	sink.ctx = pw;
	rc = pk_cap_write_values(vm, v[1], &sink);
	if (writer_close(vm, pw) < 0)
		rc = -1;
	pk_decref(wv);
	if (rc < 0)
		return -1;
	*out = pk_none();
	return 0;
}

/* ------------------------------------------------------------------ */
/* PcapReader                                                          */

struct preader {
	struct pk_obj h;
	struct pk_pcap_reader *r; /* NULL once closed */
	char *path;
	const struct pk_proto *first;
	int linktype;
	bool warned;
};

extern const struct pk_type pk_type_pcapreader;

static void preader_release(struct pk_obj *o)
{
	struct preader *pr = (struct preader *)o;

	pk_pcap_reader_close(pr->r);
	pk_xfree(pr->path);
	pk_xfree(pr);
}

static int reader_new(struct pk_vm *vm, const char *fname, const char *path,
                      size_t plen, struct preader **out)
{
	struct preader *pr = pk_obj_alloc(&pk_type_pcapreader, sizeof(*pr));
	struct pk_caperr err;

	if (!pr)
		return pk_raise_nomem(vm);
	pr->path = pk_xstrndup(path, plen);
	if (!pr->path) {
		pk_xfree(pr);
		return pk_raise_nomem(vm);
	}
	if (pk_pcap_reader_open(pr->path, &pr->r, &err) < 0) {
		pk_decref(pk_obj_take(pr));
		return pk_cap_raise(vm, fname, &err);
	}
	pr->linktype = pk_pcap_reader_linktype(pr->r);
	pr->first = pk_proto_for_linktype(vm, pr->linktype);
	*out = pr;
	return 0;
}

/*
 * The next record: 1, 0 at the end (or after a bad record, with a
 * warning: what came before stays valid), -1 on error.
 */
static int reader_rec(struct pk_vm *vm, struct preader *pr, const char *fname,
                      struct pk_caprec *rec)
{
	struct pk_caperr err;
	int rc;

	if (!pr->r)
		return pk_raise(vm, &pk_exc_ValueError, "%s: '%s' is closed",
		                fname, pr->path);
	rc = pk_pcap_reader_next(pr->r, rec, &err);
	if (rc < 0) {
		if (!pr->warned)
			pk_vm_warn(
			    vm, "%s: %s (keeping the %llu packet%s before it)",
			    fname, err.msg,
			    (unsigned long long)pk_pcap_reader_count(pr->r),
			    pk_pcap_reader_count(pr->r) == 1 ? "" : "s");
		pr->warned = true;
		return 0;
	}
	return rc;
}

/* The next packet: as reader_rec(). */
static int reader_next(struct pk_vm *vm, struct preader *pr, const char *fname,
                       pk_val *out)
{
	struct pk_caprec rec;
	int rc = reader_rec(vm, pr, fname, &rec);

	if (rc <= 0)
		return rc;
	if (pk_cap_packet(vm, pr->first, &rec, out) < 0)
		return -1;
	return 1;
}

static int preader_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct preader *pr = (struct preader *)self.u.o;

	pk_buf_addf(out, "<PcapReader '%s' linktype=%d %s>", pr->path,
	            pr->linktype, pr->r ? "open" : "closed");
	return 0;
}

static int preader_iter(struct pk_vm *vm, pk_val self, pk_val *out)
{
	*out = pk_incref(self);
	return 0;
}

static int preader_next(struct pk_vm *vm, pk_val self, pk_val *out)
{
	struct preader *pr = (struct preader *)self.u.o;

	if (pk_check_interrupt(vm) < 0)
		return -1;
	return reader_next(vm, pr, "PcapReader", out);
}

static int m_r_read_packet(struct pk_vm *vm, pk_val self,
                           const struct pk_args *a, pk_val *out)
{
	struct preader *pr = (struct preader *)self.u.o;
	int rc;

	if (pk_args_parse(vm, a, "read_packet", NULL, 0, 0, NULL) < 0)
		return -1;
	rc = reader_next(vm, pr, "PcapReader", out);
	if (rc == 0)
		return pk_raise(vm, &pk_exc_EOFError, "end of '%s'", pr->path);
	return rc < 0 ? -1 : 0;
}

/* The size of a regular file, 0 if unknown: what a list of its records
 * will about take (pk_plist_add_record's hint). */
static size_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		return (size_t)st.st_size;
	return 0;
}

/* Read up to `count` packets (all if count < 0) into a new list. */
static int read_list(struct pk_vm *vm, struct preader *pr, const char *fname,
                     int64_t count, pk_val *out)
{
	pk_val l = pk_plist_new(vm, pk_cap_basename(pr->path));
	struct pk_caprec rec;
	size_t hint = 0;
	int64_t n = 0;
	int rc;

	if (pk_is_undef(l))
		return -1;
	if (count < 0)
		hint = file_size(pr->path);
	while (count < 0 || n < count) {
		if ((n & 1023) == 0 && pk_check_interrupt(vm) < 0)
			goto fail;
		rc = reader_rec(vm, pr, fname, &rec);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			break;
		/* kept as bytes until asked for (plist.c) */
		if (pk_plist_add_record(vm, l, pr->first, rec.data, rec.caplen,
		                        pk_caprec_time(&rec), hint) < 0)
			goto fail;
		n++;
	}
	*out = l;
	return 0;
fail:
	pk_decref(l);
	return -1;
}

static int count_arg(struct pk_vm *vm, pk_val v, const char *fname,
                     int64_t *out)
{
	*out = -1;
	if (pk_is_undef(v) || pk_is_none(v))
		return 0;
	return pk_arg_int(vm, v, fname, "count", out);
}

static int m_r_read_all(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	static const char *const names[] = {"count"};
	pk_val v;
	int64_t count;

	if (pk_args_parse(vm, a, "read_all", names, 1, 0, &v) < 0 ||
	    count_arg(vm, v, "read_all", &count) < 0)
		return -1;
	return read_list(vm, (struct preader *)self.u.o, "PcapReader", count,
	                 out);
}

static int m_r_close(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct preader *pr = (struct preader *)self.u.o;

	pk_pcap_reader_close(pr->r);
	pr->r = NULL;
	*out = pk_none();
	return 0;
}

static int preader_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                           pk_val *out)
{
	struct preader *pr = (struct preader *)self.u.o;

	if (strcmp(name->s, "linktype") == 0) {
		*out = pk_int(pr->linktype);
		return 0;
	}
	if (strcmp(name->s, "filename") == 0) {
		*out = pk_str_cstr(vm, pr->path);
		return pk_is_undef(*out) ? -1 : 0;
	}
	return PK_NOTIMPL;
}

static void preader_attrnames(pk_val self, void (*add)(void *, const char *),
                              void *ctx)
{
	add(ctx, "linktype");
	add(ctx, "filename");
}

static const struct pk_method preader_methods[] = {
    {"read_packet", m_r_read_packet,
     "read_packet() -> the next packet (EOFError at the end)"},
    {"read_all", m_r_read_all,
     "read_all(count=-1) -> PacketList of the next packets"},
    {"close", m_r_close, "close(): close the file"},
    {"__enter__", m_enter, "__enter__() -> self"},
    {"__exit__", m_r_close, "__exit__(*exc): close()"},
    {NULL, NULL, NULL}};

const struct pk_type pk_type_pcapreader = {
    .name = "PcapReader",
    .doc = "a pcap or pcapng file read one packet at a time",
    .release = preader_release,
    .repr = preader_repr,
    .getattr = preader_getattr,
    .attrnames = preader_attrnames,
    .iter = preader_iter,
    .next = preader_next,
    .methods = preader_methods,
};

static int b_pcapreader(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	static const char *const names[] = {"filename"};
	struct preader *pr;
	const char *path;
	size_t plen;
	pk_val v;

	if (pk_args_parse(vm, a, "PcapReader", names, 1, 1, &v) < 0 ||
	    pk_arg_str(vm, v, "PcapReader", "filename", &path, &plen) < 0 ||
	    reader_new(vm, "PcapReader", path, plen, &pr) < 0)
		return -1;
	*out = pk_obj_take(pr);
	return 0;
}

/*
 * rdpcap() of a plain pcap file of Ethernet frames, read here in large
 * blocks instead of a record at a time through libpcap and stdio (which
 * copy every byte twice): a third of the time of reading a capture. Any
 * file this does not take whole - another format, link type or version,
 * a record cut short or longer than the snapshot length, a timestamp
 * out of range or past 2038 - is read by libpcap from the start as
 * before, so the list and the warnings are libpcap's (fuzz_rdpcap checks
 * the two agree). 1 done, 0 not taken, -1 error.
 */
#define FAST_BLOCK  ((size_t)1 << 20)
#define FAST_MAXREC 262144u /* libpcap's largest caplen for Ethernet */

static uint32_t get32(const uint8_t *p, bool swap)
{
	struct pk_cursor c = pk_cur_make(p, 4);

	return swap ? (uint32_t)pk_get_len(&c, 4) : (uint32_t)pk_get_be32(&c);
}

static uint32_t get16(const uint8_t *p, bool swap)
{
	struct pk_cursor c = pk_cur_make(p, 2);

	return swap ? pk_get_le16(&c) : pk_get_be16(&c);
}

static int read_fast(struct pk_vm *vm, struct preader *pr, int64_t count,
                     size_t hint, pk_val *out)
{
	uint8_t *buf = NULL;
	size_t have = 0, at = 0;
	uint32_t snap = 0;
	bool swap = false, nano = false, eof = false;
	int64_t n = 0;
	pk_val l = pk_undef();
	struct stat st;
	int fd, rc = 0;

	/* a second reader only of a regular file: a FIFO's bytes are
	 * libpcap's (and opening it again could wait for a writer) */
	fd = open(pr->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	buf = pk_xmalloc(FAST_BLOCK + FAST_MAXREC + 16);
	if (!buf) {
		close(fd);
		return pk_raise_nomem(vm);
	}
	for (;;) {
		size_t left = have - at;

		/* refill so that a whole record (or the header) is there */
		if (!eof && left < FAST_MAXREC + 24) {
			ssize_t got;

			memmove(buf, buf + at, left);
			have = left;
			at = 0;
			while (!eof && have < FAST_BLOCK) {
				got = read(fd, buf + have, FAST_BLOCK - have);
				if (got < 0 && errno == EINTR)
					continue;
				if (got <= 0) {
					eof = true;
					break;
				}
				have += (size_t)got;
			}
			left = have;
		}
		if (pk_is_undef(l)) {
			uint32_t magic;

			/* the file header: big- or little-endian pcap 2.4 */
			if (left < 24)
				goto not_taken;
			magic = get32(buf, false);
			swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
			nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
			if (!swap && magic != 0xa1b2c3d4u &&
			    magic != 0xa1b23c4du)
				goto not_taken;
			snap = get32(buf + 16, swap);
			if (get16(buf + 4, swap) != 2 ||
			    get16(buf + 6, swap) != 4 ||
			    get32(buf + 20, swap) != 1 || snap == 0 ||
			    snap > FAST_MAXREC || pr->first != &pk_proto_ether)
				goto not_taken;
			l = pk_plist_new(vm, pk_cap_basename(pr->path));
			if (pk_is_undef(l)) {
				rc = -1;
				goto done;
			}
			at = 24;
			continue;
		}
		if (count >= 0 && n >= count)
			break;
		if (left == 0 && eof)
			break;
		if ((n & 1023) == 0 && pk_check_interrupt(vm) < 0) {
			rc = -1;
			goto done;
		}
		{
			const uint8_t *h = buf + at;
			uint32_t sec, frac, caplen;
			double t;

			if (left < 16)
				goto not_taken; /* cut short: libpcap says how */
			sec = get32(h, swap);
			frac = get32(h + 4, swap);
			caplen = get32(h + 8, swap);
			/* seconds from 2038 on are libpcap's: it reads them
			 * signed from a file in the host's byte order and
			 * unsigned from a swapped one (fuzz_rdpcap) */
			if (caplen > snap || left - 16 < caplen ||
			    frac >= (nano ? 1000000000u : 1000000u) ||
			    sec > INT32_MAX)
				goto not_taken;
			/* as libpcap gives it (nanoseconds) and pk_caprec_time()
			 * makes it a float */
			t = (double)sec +
			    (double)(nano ? frac : frac * 1000u) / 1e9;
			if (pk_plist_add_record(vm, l, pr->first, h + 16,
			                        caplen, t, hint) < 0) {
				rc = -1;
				goto done;
			}
			at += 16 + (size_t)caplen;
			n++;
		}
	}
	*out = l;
	l = pk_undef();
	rc = 1;
	goto done;
not_taken:
	rc = 0;
done:
	pk_decref(l);
	pk_xfree(buf);
	close(fd);
	return rc;
}

/* rdpcap(filename, count=-1) */
static int b_rdpcap(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	static const char *const names[] = {"filename", "count"};
	struct preader *pr;
	const char *path;
	size_t plen;
	pk_val v[2], rv;
	int64_t count;
	int rc;

	if (pk_args_parse(vm, a, "rdpcap", names, 2, 1, v) < 0 ||
	    pk_arg_str(vm, v[0], "rdpcap", "filename", &path, &plen) < 0 ||
	    count_arg(vm, v[1], "rdpcap", &count) < 0 ||
	    reader_new(vm, "rdpcap", path, plen, &pr) < 0)
		return -1;
	rv = pk_obj_take(pr);
	rc = read_fast(vm, pr, count, count < 0 ? file_size(pr->path) : 0, out);
	if (rc == 0)
		rc = read_list(vm, pr, "rdpcap", count, out);
	pk_decref(rv);
	return rc < 0 ? -1 : 0;
}

static const struct pk_method pcapio_builtins[] = {
    {"rdpcap", b_rdpcap,
     "rdpcap(filename, count=-1) -> PacketList of a pcap/pcapng file"},
    {"wrpcap", b_wrpcap,
     "wrpcap(filename, pkt, linktype=None, append=False, sync=False, nano=False)"},
    {"PcapReader", b_pcapreader,
     "PcapReader(filename): iterate over a capture file in constant memory"},
    {"PcapWriter", b_pcapwriter,
     "PcapWriter(filename, linktype=None, append=False, sync=False, nano=False)"},
    {NULL, NULL, NULL}};

int pk_pcapio_register(struct pk_vm *vm)
{
	if (pk_vm_add_builtins(vm, pcapio_builtins) < 0)
		return -1;
	if (pk_is_undef(pk_vm_get_global(vm, "EOFError")))
		return pk_vm_set_global(vm, "EOFError",
		                        pk_obj_take(&pk_exc_EOFError));
	return 0;
}
