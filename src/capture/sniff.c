/*
 * sniff.c - sniff() and AsyncSniffer: live capture through libpcap.
 *
 * sniff() runs in the interpreter's thread: it polls the selectable fds
 * of its pcap handles in slices of at most 200 ms, so a Ctrl-C (which only
 * sets pk_interrupted and calls pcap_breakloop through the interrupt hook)
 * and the timeout (CLOCK_MONOTONIC) are seen promptly. A Ctrl-C stops the
 * capture and returns what was captured, as scapy does.
 *
 * AsyncSniffer keeps the interpreter single-threaded: its capture thread
 * only copies raw records (bytes, timestamp, source) into a locked queue
 * and never touches a VM value. The main thread turns records into packets
 * and runs lfilter/prn/stop_filter when the user calls stop(), join() or
 * reads .results. The thread allocates with malloc(), not pk_xmalloc():
 * the allocation hook's counters are not thread-safe.
 *
 * Kernel drops (pcap_stats) are reported as warnings when they happen,
 * never hidden.
 *
 * The network may fail under a capture: an interface taken down, or
 * deleted (with its namespace or its veth peer). libpcap says nothing
 * when an interface goes down (it waits for it to come back) and fails
 * only when it disappears, so each source is also checked every slice.
 * A lost source is drained of what it had already captured, closed with
 * a warning, and the capture goes on with the others; with none left it
 * ends and returns what it has, as scapy's sniff() closes a failed socket
 * and stops when no socket is left.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pktsh/alloc.h"
#include "pktsh/capture.h"
#include "pktsh/packet.h"
#include "pktsh/plist.h"
#include "pktsh/vm.h"

#include "capint.h"

#define SNAPLEN  262144
#define SLICE_MS 200

/* ------------------------------------------------------------------ */
/* Options                                                             */

struct sopts {
	int64_t count;
	bool store, quiet;
	pk_val prn, lfilter, stop_filter, started_cb; /* owned, or UNDEF */
	pk_val offline;                               /* owned, or UNDEF */
	double timeout;                               /* < 0: none */
	char *filter;                                 /* NULL: none */
	char **ifaces;                                /* NULL: "any" */
	size_t nifaces;
};

static void sopts_release(struct sopts *o)
{
	size_t i;

	pk_decref(o->prn);
	pk_decref(o->lfilter);
	pk_decref(o->stop_filter);
	pk_decref(o->started_cb);
	pk_decref(o->offline);
	pk_xfree(o->filter);
	for (i = 0; i < o->nifaces; i++)
		pk_xfree(o->ifaces[i]);
	pk_xfree(o->ifaces);
	memset(o, 0, sizeof(*o));
}

static pk_val opt_fn(pk_val v)
{
	if (pk_is_undef(v) || pk_is_none(v))
		return pk_undef();
	return pk_incref(v);
}

static int add_iface(struct pk_vm *vm, struct sopts *o, pk_val v,
                     const char *fname)
{
	const char *s;
	size_t n;
	char **ni;

	if (pk_arg_str(vm, v, fname, "iface", &s, &n) < 0)
		return -1;
	ni = pk_xrealloc(o->ifaces, (o->nifaces + 1) * sizeof(*ni));
	if (!ni)
		return pk_raise_nomem(vm);
	o->ifaces = ni;
	ni[o->nifaces] = pk_xstrndup(s, n);
	if (!ni[o->nifaces])
		return pk_raise_nomem(vm);
	o->nifaces++;
	return 0;
}

struct iface_ctx {
	struct sopts *o;
	const char *fname;
};

static int iface_cb(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct iface_ctx *c = ctx;

	return add_iface(vm, c->o, item, c->fname);
}

/* sniff(count=0, store=True, offline=None, prn=None, lfilter=None,
 *       L2socket=None, timeout=None, opened_socket=None, stop_filter=None,
 *       iface=None, started_callback=None, session=None, filter=None,
 *       quiet=False, monitor=False) -- scapy's order */
static int parse_opts(struct pk_vm *vm, const struct pk_args *a,
                      const char *fname, struct sopts *o)
{
	static const char *const names[] = {
	    "count",       "store",    "offline",          "prn",
	    "lfilter",     "L2socket", "timeout",          "opened_socket",
	    "stop_filter", "iface",    "started_callback", "session",
	    "filter",      "quiet",    "monitor",          "promisc",
	};
	enum {
		COUNT,
		STORE,
		OFFLINE,
		PRN,
		LFILTER,
		L2SOCK,
		TIMEOUT,
		OPENED,
		STOPF,
		IFACE,
		STARTED,
		SESSION,
		FILTER,
		QUIET,
		MONITOR,
		PROMISC,
		NOPT
	};
	pk_val v[NOPT];
	bool b;

	memset(o, 0, sizeof(*o));
	o->prn = o->lfilter = o->stop_filter = o->started_cb = o->offline =
	    pk_undef();
	o->store = true;
	o->timeout = -1;
	if (pk_args_parse(vm, a, fname, names, NOPT, 0, v) < 0)
		return -1;
	if (!pk_is_undef(v[L2SOCK]) && !pk_is_none(v[L2SOCK]))
		return pk_raise(vm, &pk_exc_NotImplementedError,
		                "%s: L2socket= is not supported (use iface=)",
		                fname);
	if (!pk_is_undef(v[OPENED]) && !pk_is_none(v[OPENED]))
		return pk_raise(
		    vm, &pk_exc_NotImplementedError,
		    "%s: opened_socket= is not supported (use iface=)", fname);
	if (!pk_is_undef(v[COUNT]) && !pk_is_none(v[COUNT]) &&
	    pk_arg_int(vm, v[COUNT], fname, "count", &o->count) < 0)
		return -1;
	if (!pk_is_undef(v[STORE])) {
		if (pk_truth(vm, v[STORE], &b) < 0)
			return -1;
		o->store = b;
	}
	if (!pk_is_undef(v[QUIET])) {
		if (pk_truth(vm, v[QUIET], &b) < 0)
			return -1;
		o->quiet = b;
	}
	if (!pk_is_undef(v[TIMEOUT]) && !pk_is_none(v[TIMEOUT])) {
		if (pk_arg_float(vm, v[TIMEOUT], fname, "timeout",
		                 &o->timeout) < 0)
			return -1;
		if (o->timeout < 0)
			o->timeout = 0;
	}
	o->prn = opt_fn(v[PRN]);
	o->lfilter = opt_fn(v[LFILTER]);
	o->stop_filter = opt_fn(v[STOPF]);
	o->started_cb = opt_fn(v[STARTED]);
	o->offline = opt_fn(v[OFFLINE]);
	if (!pk_is_undef(v[FILTER]) && !pk_is_none(v[FILTER])) {
		const char *s;
		size_t n;

		if (pk_arg_str(vm, v[FILTER], fname, "filter", &s, &n) < 0)
			return -1;
		o->filter = pk_xstrndup(s, n);
		if (!o->filter)
			return pk_raise_nomem(vm);
	}
	if (!pk_is_undef(v[IFACE]) && !pk_is_none(v[IFACE])) {
		struct iface_ctx c = {o, fname};

		if (pk_is_str(v[IFACE])) {
			if (add_iface(vm, o, v[IFACE], fname) < 0)
				return -1;
		} else if (!pk_is_list(v[IFACE]) && !pk_is_tuple(v[IFACE])) {
			return pk_raise(
			    vm, &pk_exc_TypeError,
			    "%s: iface must be a name or a list of names, not %s",
			    fname, pk_typename(v[IFACE]));
		} else if (pk_foreach(vm, v[IFACE], iface_cb, &c) < 0) {
			return -1;
		}
		if (o->nifaces == 0)
			return pk_raise(
			    vm, &pk_exc_ValueError,
			    "%s: iface=[] names no interface (leave it out to sniff on all)",
			    fname);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Processing one packet (main thread)                                 */

struct sstate {
	const struct sopts *o;
	pk_val list; /* the Sniffed list (always made; empty if !store) */
	int64_t matched;
	bool stop;
};

/* lfilter, store, prn, stop_filter and count, in scapy's order. */
static int process(struct pk_vm *vm, struct sstate *st, pk_val p)
{
	const struct sopts *o = st->o;
	bool b;

	if (!pk_is_undef(o->lfilter)) {
		if (pk_cap_test_elt(vm, o->lfilter, p, &b) < 0)
			return -1;
		if (!b)
			return 0;
	}
	st->matched++;
	if (o->store && pk_plist_append(vm, st->list, p) < 0)
		return -1;
	if (!pk_is_undef(o->prn)) {
		pk_val r;
		int rc = 0;

		if (pk_cap_call_elt(vm, o->prn, p, &r) < 0)
			return -1;
		if (!pk_is_none(r))
			rc = pk_cap_print_val(vm, r);
		pk_decref(r);
		if (rc < 0)
			return -1;
	}
	if (!pk_is_undef(o->stop_filter)) {
		if (pk_cap_test_elt(vm, o->stop_filter, p, &b) < 0)
			return -1;
		if (b)
			st->stop = true;
	}
	if (o->count > 0 && st->matched >= o->count)
		st->stop = true;
	return 0;
}

static int process_rec(struct pk_vm *vm, struct sstate *st,
                       const struct pk_proto *first,
                       const struct pk_caprec *rec)
{
	pk_val p;
	int rc;

	if (pk_cap_packet(vm, first, rec, &p) < 0)
		return -1;
	rc = process(vm, st, p);
	pk_decref(p);
	return rc;
}

/* A KeyboardInterrupt while sniffing ends the capture, not the command. */
static bool take_interrupt(struct pk_vm *vm)
{
	pk_val e = pk_vm_exception(vm);

	if (pk_is_type(e, &pk_type_exc) &&
	    ((struct pk_exc *)e.u.o)->type == &pk_exc_KeyboardInterrupt) {
		pk_vm_clear_error(vm);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* BPF filters                                                         */

/*
 * libpcap says "syntax error" without a position. Compile growing
 * prefixes (whole words) to find the longest one that is a valid filter:
 * the error is at or after the word that follows it.
 */
static size_t filter_column(int dlt, const char *f)
{
	pcap_t *dead = pcap_open_dead(dlt, SNAPLEN);
	size_t best = 0, i = 0, n = strlen(f);
	char *buf;

	if (!dead)
		return 0;
	buf = pk_xmalloc(n + 1);
	if (!buf) {
		pcap_close(dead);
		return 0;
	}
	while (i < n) {
		struct bpf_program prog;

		while (i < n && f[i] != ' ')
			i++;
		memcpy(buf, f, i);
		buf[i] = '\0';
		if (i < n && pcap_compile(dead, &prog, buf, 1,
		                          PCAP_NETMASK_UNKNOWN) == 0) {
			pcap_freecode(&prog);
			best = i;
		}
		while (i < n && f[i] == ' ')
			i++;
	}
	pk_xfree(buf);
	pcap_close(dead);
	while (best < n && f[best] == ' ')
		best++;
	return best + 1;
}

static int bad_filter(struct pk_vm *vm, const char *fname, int dlt,
                      const char *f, const char *msg)
{
	size_t col = filter_column(dlt, f);

	if (col > 1)
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "%s: bad filter '%s': %s (at or after column %zu: '%s')",
		    fname, f, msg, col, f + col - 1);
	return pk_raise(vm, &pk_exc_ValueError, "%s: bad filter '%s': %s",
	                fname, f, msg);
}

/* A compiled filter for records of link type dlt (offline use). */
static int compile_dead(struct pk_vm *vm, const char *fname, int dlt,
                        const char *f, struct bpf_program *prog)
{
	pcap_t *dead = pcap_open_dead(dlt, SNAPLEN);
	int rc = 0;

	if (!dead)
		return pk_raise_nomem(vm);
	if (pcap_compile(dead, prog, f, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		char msg[PCAP_ERRBUF_SIZE];

		snprintf(msg, sizeof(msg), "%s", pcap_geterr(dead));
		rc = bad_filter(vm, fname, dlt, f, msg);
	}
	pcap_close(dead);
	return rc;
}

static bool bpf_match(const struct bpf_program *prog, const void *data,
                      size_t caplen, size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)len;
	return pcap_offline_filter(prog, &h, data) != 0;
}

/* ------------------------------------------------------------------ */
/* Offline                                                             */

static int sniff_file(struct pk_vm *vm, struct sstate *st, const char *fname,
                      const char *path)
{
	struct pk_pcap_reader *r;
	struct pk_caperr err;
	struct pk_caprec rec;
	struct bpf_program prog;
	bool have_prog = false;
	const struct pk_proto *first;
	int rc = 0, n;

	if (pk_pcap_reader_open(path, &r, &err) < 0)
		return pk_cap_raise(vm, fname, &err);
	first = pk_proto_for_linktype(vm, pk_pcap_reader_linktype(r));
	if (st->o->filter) {
		if (compile_dead(vm, fname, pk_pcap_reader_linktype(r),
		                 st->o->filter, &prog) < 0) {
			pk_pcap_reader_close(r);
			return -1;
		}
		have_prog = true;
	}
	while (!st->stop) {
		if (pk_interrupted) {
			pk_interrupted = 0;
			st->stop = true;
			break;
		}
		n = pk_pcap_reader_next(r, &rec, &err);
		if (n < 0) {
			pk_vm_warn(
			    vm, "%s: %s (keeping the %llu packet%s before it)",
			    fname, err.msg,
			    (unsigned long long)pk_pcap_reader_count(r),
			    pk_pcap_reader_count(r) == 1 ? "" : "s");
			break;
		}
		if (n == 0)
			break;
		if (have_prog &&
		    !bpf_match(&prog, rec.data, rec.caplen, rec.len))
			continue;
		if (process_rec(vm, st, first, &rec) < 0) {
			rc = take_interrupt(vm) ? 0 : -1;
			break;
		}
	}
	if (have_prog)
		pcap_freecode(&prog);
	pk_pcap_reader_close(r);
	return rc;
}

struct offl {
	struct sstate *st;
	const char *fname;
	struct bpf_program prog;
	int prog_dlt; /* -2: no filter, -1: not compiled yet */
	struct pk_buf b;
};

static int offline_item(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct offl *c = ctx;

	if (pk_is_str(item))
		return sniff_file(vm, c->st, c->fname, pk_as_str(item)->s) < 0
		           ? -1
		           : (c->st->stop ? 1 : 0);
	if (!pk_is_packet(item))
		return pk_raise(
		    vm, &pk_exc_TypeError,
		    "%s: offline= takes a file name or packets, not %s",
		    c->fname, pk_typename(item));
	if (c->prog_dlt != -2) {
		const struct pk_proto *p = pk_packet_first_proto(vm, item);
		int dlt = p ? pk_linktype_for_proto(p) : DLT_EN10MB;

		if (c->prog_dlt != dlt) {
			if (c->prog_dlt >= 0)
				pcap_freecode(&c->prog);
			c->prog_dlt = -1;
			if (compile_dead(vm, c->fname, dlt, c->st->o->filter,
			                 &c->prog) < 0)
				return -1;
			c->prog_dlt = dlt;
		}
		pk_buf_reset(&c->b);
		if (pk_packet_build(vm, item, &c->b) < 0)
			return -1;
		if (!bpf_match(&c->prog, c->b.buf, c->b.len, c->b.len))
			return 0;
	}
	if (process(vm, c->st, item) < 0)
		return take_interrupt(vm) ? 1 : -1;
	return c->st->stop ? 1 : 0;
}

static int sniff_offline(struct pk_vm *vm, struct sstate *st, const char *fname)
{
	struct offl c = {
	    st, fname, {0, NULL}, st->o->filter ? -1 : -2, PK_BUF_INIT};
	pk_val off = st->o->offline;
	int rc;

	if (pk_is_str(off))
		rc = sniff_file(vm, st, fname, pk_as_str(off)->s);
	else if (pk_is_packet(off))
		rc = offline_item(vm, off, &c) < 0 ? -1 : 0;
	else
		rc = pk_foreach(vm, off, offline_item, &c);
	if (c.prog_dlt >= 0)
		pcap_freecode(&c.prog);
	pk_buf_release(&c.b);
	if (rc < 0 && take_interrupt(vm))
		rc = 0;
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Live sources                                                        */

struct src {
	pcap_t *p;
	char name[64];
	int dlt;
	const struct pk_proto *first;
	bool nano;
	int fd;
	int ifindex;        /* when opened; 0: not a kernel interface */
	unsigned int drops; /* ps_drop already reported */
	unsigned int total; /* ps_drop, all of it */
	bool lost;          /* went down or away: no longer polled */
};

static void close_srcs(struct src *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].p)
			pcap_close(s[i].p);
	pk_xfree(s);
}

static int open_error(struct pk_vm *vm, const char *fname, struct src *s,
                      int rc)
{
	char exe[256];
	ssize_t n;

	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			snprintf(exe, sizeof(exe), "build/pktsh");
		else
			exe[n] = '\0';
		return pk_raise(
		    vm, &pk_exc_PermissionError,
		    "%s: capturing on '%s' needs CAP_NET_RAW: run as root (sudo) or grant it with 'setcap cap_net_raw,cap_net_admin+eip %s'",
		    fname, s->name, exe);
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return pk_raise(vm, &pk_exc_OSError,
		                "%s: no such interface '%s'", fname, s->name);
	case PCAP_ERROR_IFACE_NOT_UP:
		return pk_raise(vm, &pk_exc_OSError,
		                "%s: interface '%s' is down", fname, s->name);
	default:
		return pk_raise(vm, &pk_exc_OSError, "%s: '%s': %s", fname,
		                s->name, pcap_geterr(s->p));
	}
}

static int open_one(struct pk_vm *vm, const char *fname, const char *filter,
                    struct src *s)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	int rc;

	s->p = pcap_create(s->name, errbuf);
	if (!s->p)
		return pk_raise(vm, &pk_exc_OSError, "%s: '%s': %s", fname,
		                s->name, errbuf);
	pcap_set_snaplen(s->p, SNAPLEN);
	/* scapy sniffs promiscuously; "any" cannot be */
	pcap_set_promisc(s->p, strcmp(s->name, "any") != 0);
	pcap_set_immediate_mode(s->p, 1);
	pcap_set_timeout(s->p, SLICE_MS);
	pcap_set_tstamp_precision(s->p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(s->p);
	if (rc < 0)
		return open_error(vm, fname, s, rc);
	if (rc > 0 && rc != PCAP_WARNING_PROMISC_NOTSUP)
		pk_vm_warn(vm, "%s: '%s': %s", fname, s->name,
		           pcap_statustostr(rc));
	s->dlt = pcap_datalink(s->p);
	s->first = pk_proto_for_linktype(vm, s->dlt);
	s->nano = pcap_get_tstamp_precision(s->p) == PCAP_TSTAMP_PRECISION_NANO;
	if (filter) {
		if (pcap_compile(s->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) <
		    0) {
			char msg[PCAP_ERRBUF_SIZE];

			snprintf(msg, sizeof(msg), "%s", pcap_geterr(s->p));
			return bad_filter(vm, fname, s->dlt, filter, msg);
		}
		rc = pcap_setfilter(s->p, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return pk_raise(vm, &pk_exc_OSError, "%s: '%s': %s",
			                fname, s->name, pcap_geterr(s->p));
	}
	if (pcap_setnonblock(s->p, 1, errbuf) < 0)
		return pk_raise(vm, &pk_exc_OSError, "%s: '%s': %s", fname,
		                s->name, errbuf);
	s->fd = pcap_get_selectable_fd(s->p);
	if (s->fd < 0)
		return pk_raise(vm, &pk_exc_OSError,
		                "%s: '%s' cannot be polled", fname, s->name);
	s->ifindex = pk_iface_index(s->name);
	return 0;
}

int pk_iface_index(const char *name)
{
	return (int)if_nametoindex(name);
}

int pk_iface_lost(const char *name, int ifindex, char *why, size_t n)
{
	struct ifreq ifr;
	int fd, r, e;

	if (ifindex <= 0)
		return 0;
	/* a failure to ask (no socket, no memory) is not a lost interface:
	 * only the kernel saying "no such device" or a new index is */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(fd, SIOCGIFINDEX, &ifr);
	e = errno;
	/* deleted, or deleted and made again (a new index): what was
	 * captured on is gone either way */
	if ((r < 0 && (e == ENODEV || e == ENXIO)) ||
	    (r == 0 && ifr.ifr_ifindex != ifindex)) {
		close(fd);
		snprintf(why, n, "interface '%s' disappeared", name);
		return ENODEV;
	}
	r = r < 0 ? r : ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
		snprintf(why, n, "interface '%s' went down", name);
		return ENETDOWN;
	}
	return 0;
}

static int open_srcs(struct pk_vm *vm, const char *fname, const struct sopts *o,
                     struct src **out, size_t *nout)
{
	size_t n = o->nifaces ? o->nifaces : 1, i;
	struct src *s = pk_xcalloc(n, sizeof(*s));

	if (!s)
		return pk_raise_nomem(vm);
	for (i = 0; i < n; i++) {
		snprintf(s[i].name, sizeof(s[i].name), "%s",
		         o->nifaces ? o->ifaces[i] : "any");
		if (open_one(vm, fname, o->filter, &s[i]) < 0) {
			close_srcs(s, n);
			return -1;
		}
	}
	*out = s;
	*nout = n;
	return 0;
}

/* New kernel drops since the last call (0 if none or unknown). */
static unsigned int new_drops(struct src *s)
{
	struct pcap_stat st;
	unsigned int d;

	if (pcap_stats(s->p, &st) < 0 || st.ps_drop <= s->drops)
		return 0;
	d = st.ps_drop - s->drops;
	s->drops = st.ps_drop;
	s->total = st.ps_drop;
	return d;
}

static void rec_from(const struct src *s, const struct pcap_pkthdr *h,
                     const u_char *data, struct pk_caprec *rec)
{
	rec->data = data;
	rec->caplen = h->caplen;
	rec->len = h->len;
	rec->sec = (int64_t)h->ts.tv_sec;
	rec->nsec =
	    s->nano ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll timeout in ms until `deadline` (< 0: none), at most SLICE_MS. */
static int slice_ms(double deadline)
{
	double left;

	if (deadline < 0)
		return SLICE_MS;
	left = deadline - mono_now();
	if (left <= 0)
		return 0;
	if (left * 1000 < SLICE_MS)
		return (int)(left * 1000) + 1;
	return SLICE_MS;
}

/* The interrupt hook: async-signal-safe (pcap_breakloop sets a flag). */
struct hookctx {
	struct src *s;
	size_t n;
};

static void break_all(void *ctx)
{
	struct hookctx *h = ctx;
	size_t i;

	for (i = 0; i < h->n; i++)
		pcap_breakloop(h->s[i].p);
}

struct live {
	struct pk_vm *vm;
	struct sstate *st;
	struct src *s;
	int err;
};

static void live_cb(u_char *user, const struct pcap_pkthdr *h,
                    const u_char *data)
{
	struct live *l = (struct live *)user;
	struct pk_caprec rec;

	if (l->err || l->st->stop)
		return;
	rec_from(l->s, h, data, &rec);
	if (process_rec(l->vm, l->st, l->s->first, &rec) < 0)
		l->err = 1;
	if (l->err || l->st->stop)
		pcap_breakloop(l->s->p);
}

static void warn_drops(struct pk_vm *vm, const char *fname, struct src *s,
                       unsigned int d)
{
	if (d)
		pk_vm_warn(
		    vm,
		    "%s: %u packets dropped by the kernel on '%s' (the capture did not keep up)",
		    fname, d, s->name);
}

/*
 * Source s failed (`why`, from pcap) or its interface went down or away:
 * keep what it had already captured, stop polling it, say so. Returns -1
 * if a callback failed while draining it.
 */
static int lose_src(struct pk_vm *vm, struct sstate *st, const char *fname,
                    struct src *s, struct pollfd *pf, size_t *nlive,
                    const char *why)
{
	char msg[PCAP_ERRBUF_SIZE + 64];
	struct live l = {vm, st, s, 0};
	int k;

	if (!pk_iface_lost(s->name, s->ifindex, msg, sizeof(msg)))
		snprintf(msg, sizeof(msg), "'%s': %s", s->name,
		         why ? why : "capture failed");
	/* the ring still holds what came before: bounded, it was full at
	 * most */
	for (k = 0; k < 1000 && !l.err && !st->stop; k++)
		if (pcap_dispatch(s->p, -1, live_cb, (u_char *)&l) <= 0)
			break;
	s->lost = true;
	pf->fd = -1; /* poll() skips it */
	(*nlive)--;
	if (*nlive)
		pk_vm_warn(vm, "%s: %s: capture on it stopped", fname, msg);
	else
		pk_vm_warn(vm,
		           "%s: %s: capture stopped, returning the %lld "
		           "packet%s sniffed",
		           fname, msg, (long long)st->matched,
		           st->matched == 1 ? "" : "s");
	return l.err ? -1 : 0;
}

static int sniff_live(struct pk_vm *vm, struct sstate *st, const char *fname)
{
	const struct sopts *o = st->o;
	struct src *s;
	size_t n, i, nlive;
	struct pollfd *pf;
	struct hookctx hc;
	double deadline = -1, next_stats, next_check;
	int rc = 0;

	if (open_srcs(vm, fname, o, &s, &n) < 0)
		return -1;
	pf = pk_xcalloc(n, sizeof(*pf));
	if (!pf) {
		close_srcs(s, n);
		return pk_raise_nomem(vm);
	}
	for (i = 0; i < n; i++) {
		pf[i].fd = s[i].fd;
		pf[i].events = POLLIN;
	}
	hc.s = s;
	hc.n = n;
	pk_set_interrupt_hook(break_all, &hc);
	if (o->timeout >= 0)
		deadline = mono_now() + o->timeout;
	next_stats = next_check = mono_now() + 1;
	nlive = n;
	if (!pk_is_undef(o->started_cb)) {
		pk_val r;

		if (pk_call_n(vm, o->started_cb, 0, NULL, &r) < 0) {
			rc = -1;
			goto out;
		}
		pk_decref(r);
	}
	while (!st->stop && nlive) {
		int ms = slice_ms(deadline), pr;
		bool check;

		if (pk_interrupted) {
			pk_interrupted = 0;
			break;
		}
		if (deadline >= 0 && ms == 0)
			break;
		pr = poll(pf, n, ms);
		if (pr < 0 && errno != EINTR) {
			rc = pk_raise(vm, &pk_exc_OSError, "%s: poll: %s",
			              fname, strerror(errno));
			break;
		}
		check = mono_now() >= next_check;
		if (check)
			next_check = mono_now() + SLICE_MS / 1000.0;
		for (i = 0; i < n && !st->stop; i++) {
			struct live l = {vm, st, &s[i], 0};
			char why[PCAP_ERRBUF_SIZE];
			int x = 0;

			if (s[i].lost)
				continue;
			if (pr > 0 &&
			    (pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
				x = pcap_dispatch(s[i].p, -1, live_cb,
				                  (u_char *)&l);
			if (l.err) {
				if (!take_interrupt(vm))
					rc = -1;
				st->stop = true;
				break;
			}
			if (x == PCAP_ERROR) {
				snprintf(why, sizeof(why), "%s",
				         pcap_geterr(s[i].p));
			} else if ((check ||
			            (pr > 0 &&
			             (pf[i].revents & (POLLERR | POLLHUP)))) &&
			           pk_iface_lost(s[i].name, s[i].ifindex, why,
			                         sizeof(why))) {
				x = PCAP_ERROR;
			}
			if (x == PCAP_ERROR &&
			    lose_src(vm, st, fname, &s[i], &pf[i], &nlive,
			             why) < 0) {
				if (!take_interrupt(vm))
					rc = -1;
				st->stop = true;
			}
		}
		if (mono_now() >= next_stats) {
			for (i = 0; i < n; i++)
				warn_drops(vm, fname, &s[i], new_drops(&s[i]));
			next_stats = mono_now() + 1;
		}
	}
out:
	pk_set_interrupt_hook(NULL, NULL);
	for (i = 0; i < n; i++)
		warn_drops(vm, fname, &s[i], new_drops(&s[i]));
	pk_xfree(pf);
	close_srcs(s, n);
	return rc;
}

static int b_sniff(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	struct sopts o;
	struct sstate st;
	int rc;

	if (parse_opts(vm, a, "sniff", &o) < 0) {
		sopts_release(&o);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	st.o = &o;
	st.list = pk_plist_new(vm, "Sniffed");
	if (pk_is_undef(st.list)) {
		sopts_release(&o);
		return -1;
	}
	if (!pk_is_undef(o.offline))
		rc = sniff_offline(vm, &st, "sniff");
	else
		rc = sniff_live(vm, &st, "sniff");
	sopts_release(&o);
	if (rc < 0) {
		pk_decref(st.list);
		return -1;
	}
	*out = st.list;
	return 0;
}

/* ------------------------------------------------------------------ */
/* AsyncSniffer                                                        */

struct rawrec {
	struct rawrec *next;
	size_t src;
	struct pk_caprec r; /* r.data points after the struct */
};

struct asniffer {
	struct pk_obj h;
	struct sopts o;
	struct sstate st;
	struct src *s;
	size_t n;
	int wake[2];
	pthread_t th;
	bool started, joined;
	atomic_bool stop_req, done;
	pthread_mutex_t mu;
	struct rawrec *head, **tail;       /* under mu */
	uint64_t seen;                     /* thread only */
	unsigned int drops_pending;        /* under mu */
	char thread_err[PCAP_ERRBUF_SIZE]; /* under mu */
	double deadline;
	/* store=False and no callback: nothing would look at the records,
	 * so the thread only counts them (memory stays flat) */
	bool discard;
};

extern const struct pk_type pk_type_asniffer;

struct thrctx {
	struct asniffer *as;
	const struct src *s;
	size_t idx;
};

static void thr_cb(u_char *user, const struct pcap_pkthdr *h,
                   const u_char *data)
{
	struct thrctx *c = (struct thrctx *)user;
	struct asniffer *as = c->as;
	struct rawrec *r;

	as->seen++;
	if (as->discard)
		return;
	r = malloc(sizeof(*r) + h->caplen);
	if (!r) {
		pthread_mutex_lock(&as->mu);
		as->drops_pending++;
		pthread_mutex_unlock(&as->mu);
		return;
	}
	r->next = NULL;
	r->src = c->idx;
	memcpy(r + 1, data, h->caplen);
	rec_from(c->s, h, (const u_char *)(r + 1), &r->r);
	pthread_mutex_lock(&as->mu);
	*as->tail = r;
	as->tail = &r->next;
	pthread_mutex_unlock(&as->mu);
}

static void thr_error(struct asniffer *as, const char *what, const char *msg)
{
	pthread_mutex_lock(&as->mu);
	if (!as->thread_err[0])
		snprintf(as->thread_err, sizeof(as->thread_err), "%.200s%.50s",
		         what, msg);
	pthread_mutex_unlock(&as->mu);
}

/* Kernel drops since the last look, queued for the main thread to warn. */
static void thr_drops(struct asniffer *as)
{
	unsigned int d = 0;
	size_t i;

	for (i = 0; i < as->n; i++)
		d += new_drops(&as->s[i]);
	pthread_mutex_lock(&as->mu);
	as->drops_pending += d;
	pthread_mutex_unlock(&as->mu);
}

static void *thr_main(void *arg)
{
	struct asniffer *as = arg;
	struct pollfd *pf = calloc(as->n + 1, sizeof(*pf));
	size_t i, nlive = as->n;
	double next_stats = mono_now() + 1, next_check = next_stats;
	/* without lfilter every record counts toward count= */
	bool can_count = as->o.count > 0 && pk_is_undef(as->o.lfilter);

	if (!pf) {
		thr_error(as, "out of memory", "");
		atomic_store(&as->done, true);
		return NULL;
	}
	for (i = 0; i < as->n; i++) {
		pf[i].fd = as->s[i].fd;
		pf[i].events = POLLIN;
	}
	pf[as->n].fd = as->wake[0];
	pf[as->n].events = POLLIN;
	while (!atomic_load(&as->stop_req) && nlive) {
		int ms = slice_ms(as->deadline), pr;
		bool check;

		if (as->deadline >= 0 && ms == 0)
			break;
		if (can_count && as->seen >= (uint64_t)as->o.count)
			break;
		pr = poll(pf, as->n + 1, ms);
		if (pr < 0 && errno != EINTR) {
			thr_error(as, "poll: ", strerror(errno));
			break;
		}
		check = mono_now() >= next_check;
		if (check)
			next_check = mono_now() + SLICE_MS / 1000.0;
		for (i = 0; i < as->n; i++) {
			struct thrctx c = {as, &as->s[i], i};
			char why[PCAP_ERRBUF_SIZE + 64];
			int cnt = -1, x = 0;

			if (as->s[i].lost)
				continue;
			if (can_count)
				cnt = (int)((uint64_t)as->o.count - as->seen);
			if (pr > 0 &&
			    (pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
				x = pcap_dispatch(as->s[i].p, cnt, thr_cb,
				                  (u_char *)&c);
			if (x != PCAP_ERROR &&
			    !((check || (pr > 0 && (pf[i].revents &
			                            (POLLERR | POLLHUP)))) &&
			      pk_iface_lost(as->s[i].name, as->s[i].ifindex,
			                    why, sizeof(why))))
				continue;
			if (!pk_iface_lost(as->s[i].name, as->s[i].ifindex, why,
			                   sizeof(why)))
				snprintf(
				    why, sizeof(why), "'%s': %s", as->s[i].name,
				    x == PCAP_ERROR ? pcap_geterr(as->s[i].p)
				                    : "capture failed");
			/* what the ring still holds came before the loss */
			while (pcap_dispatch(as->s[i].p, -1, thr_cb,
			                     (u_char *)&c) > 0)
				;
			as->s[i].lost = true;
			pf[i].fd = -1;
			nlive--;
			thr_error(as, why,
			          nlive ? ": capture on it stopped"
			                : ": capture stopped");
		}
		if (mono_now() >= next_stats) {
			thr_drops(as);
			next_stats = mono_now() + 1;
		}
	}
	thr_drops(as);
	free(pf);
	atomic_store(&as->done, true);
	return NULL;
}

/* Turn the queued records into packets (main thread). */
static int drain(struct pk_vm *vm, struct asniffer *as)
{
	struct rawrec *r, *next;
	unsigned int drops;
	char err[sizeof(as->thread_err)];
	int rc = 0;

	pthread_mutex_lock(&as->mu);
	r = as->head;
	as->head = NULL;
	as->tail = &as->head;
	drops = as->drops_pending;
	as->drops_pending = 0;
	memcpy(err, as->thread_err, sizeof(err));
	as->thread_err[0] = '\0';
	pthread_mutex_unlock(&as->mu);
	if (drops)
		pk_vm_warn(
		    vm,
		    "AsyncSniffer: %u packets dropped (the capture did not keep up)",
		    drops);
	if (err[0])
		pk_vm_warn(vm, "AsyncSniffer: %s", err);
	for (; r; r = next) {
		next = r->next;
		if (rc == 0 && !as->st.stop &&
		    process_rec(vm, &as->st, as->s[r->src].first, &r->r) < 0)
			rc = -1;
		free(r);
	}
	if (as->st.stop && !atomic_load(&as->done)) {
		/* count= or stop_filter met: the thread can end */
		atomic_store(&as->stop_req, true);
		if (write(as->wake[1], "x", 1) < 0) {
			/* the poll slice ends it anyway */
		}
	}
	return rc;
}

static void thread_end(struct asniffer *as)
{
	if (!as->started || as->joined)
		return;
	atomic_store(&as->stop_req, true);
	if (write(as->wake[1], "x", 1) < 0) {
		/* the poll slice ends it anyway */
	}
	pthread_join(as->th, NULL);
	as->joined = true;
}

static void asniffer_release(struct pk_obj *o)
{
	struct asniffer *as = (struct asniffer *)o;
	struct rawrec *r, *next;

	thread_end(as);
	for (r = as->head; r; r = next) {
		next = r->next;
		free(r);
	}
	if (as->s)
		close_srcs(as->s, as->n);
	if (as->wake[0] >= 0) {
		close(as->wake[0]);
		close(as->wake[1]);
	}
	pthread_mutex_destroy(&as->mu);
	pk_decref(as->st.list);
	sopts_release(&as->o);
	pk_xfree(as);
}

static int asniffer_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct asniffer *as = (struct asniffer *)self.u.o;
	const char *state = !as->started              ? "not started"
	                    : !atomic_load(&as->done) ? "running"
	                                              : "stopped";

	pk_buf_addf(out, "<AsyncSniffer %s>", state);
	return 0;
}

static int b_asniffer(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	struct asniffer *as = pk_obj_alloc(&pk_type_asniffer, sizeof(*as));
	pk_val v;

	if (!as)
		return pk_raise_nomem(vm);
	as->wake[0] = as->wake[1] = -1;
	as->tail = &as->head;
	as->deadline = -1;
	as->st.list = pk_undef();
	pthread_mutex_init(&as->mu, NULL);
	v = pk_obj_take(as);
	if (parse_opts(vm, a, "AsyncSniffer", &as->o) < 0) {
		pk_decref(v);
		return -1;
	}
	as->st.o = &as->o;
	as->st.list = pk_plist_new(vm, "Sniffed");
	if (pk_is_undef(as->st.list)) {
		pk_decref(v);
		return -1;
	}
	*out = v;
	return 0;
}

static int m_start(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	struct asniffer *as = (struct asniffer *)self.u.o;
	int rc;

	if (pk_args_parse(vm, a, "start", NULL, 0, 0, NULL) < 0)
		return -1;
	if (as->started)
		return pk_raise(vm, &pk_exc_Scapy_Exception,
		                "AsyncSniffer: already started");
	if (!pk_is_undef(as->o.offline)) {
		/* a file or a list needs no thread: read it now */
		as->started = as->joined = true;
		atomic_store(&as->done, true);
		if (sniff_offline(vm, &as->st, "AsyncSniffer") < 0)
			return -1;
		*out = pk_none();
		return 0;
	}
	if (open_srcs(vm, "AsyncSniffer", &as->o, &as->s, &as->n) < 0)
		return -1;
	if (pipe(as->wake) < 0) {
		as->wake[0] = as->wake[1] = -1;
		return pk_raise(vm, &pk_exc_OSError, "AsyncSniffer: pipe: %s",
		                strerror(errno));
	}
	if (as->o.timeout >= 0)
		as->deadline = mono_now() + as->o.timeout;
	as->discard = !as->o.store && pk_is_undef(as->o.prn) &&
	              pk_is_undef(as->o.lfilter) &&
	              pk_is_undef(as->o.stop_filter);
	rc = pthread_create(&as->th, NULL, thr_main, as);
	if (rc != 0)
		return pk_raise(vm, &pk_exc_OSError,
		                "AsyncSniffer: cannot start a thread: %s",
		                strerror(rc));
	as->started = true;
	if (!pk_is_undef(as->o.started_cb)) {
		pk_val r;

		if (pk_call_n(vm, as->o.started_cb, 0, NULL, &r) < 0)
			return -1;
		pk_decref(r);
	}
	*out = pk_none();
	return 0;
}

static int m_stop(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	static const char *const names[] = {"join"};
	struct asniffer *as = (struct asniffer *)self.u.o;
	pk_val j;

	if (pk_args_parse(vm, a, "stop", names, 1, 0, &j) < 0)
		return -1;
	if (!as->started)
		return pk_raise(
		    vm, &pk_exc_Scapy_Exception,
		    "AsyncSniffer: not running (call start() first)");
	thread_end(as);
	if (drain(vm, as) < 0)
		return -1;
	*out = pk_incref(as->st.list);
	return 0;
}

static int m_join(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	static const char *const names[] = {"timeout"};
	struct asniffer *as = (struct asniffer *)self.u.o;
	double limit = -1;
	pk_val t;

	if (pk_args_parse(vm, a, "join", names, 1, 0, &t) < 0)
		return -1;
	if (!pk_is_undef(t) && !pk_is_none(t) &&
	    pk_arg_float(vm, t, "join", "timeout", &limit) < 0)
		return -1;
	if (limit >= 0)
		limit += mono_now();
	while (as->started && !atomic_load(&as->done)) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		if (pk_interrupted) {
			thread_end(as);
			if (drain(vm, as) < 0)
				return -1;
			return pk_check_interrupt(vm);
		}
		/* results flow while waiting, so count=/stop_filter with an
		 * lfilter can end the capture */
		if (drain(vm, as) < 0)
			return -1;
		if (limit >= 0 && mono_now() >= limit) {
			*out = pk_none();
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	thread_end(as);
	if (drain(vm, as) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static int asniffer_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                            pk_val *out)
{
	struct asniffer *as = (struct asniffer *)self.u.o;

	if (strcmp(name->s, "results") == 0) {
		if (drain(vm, as) < 0)
			return -1;
		*out = pk_incref(as->st.list);
		return 0;
	}
	if (strcmp(name->s, "running") == 0) {
		*out = pk_bool(as->started && !atomic_load(&as->done));
		return 0;
	}
	return PK_NOTIMPL;
}

static void asniffer_attrnames(pk_val self, void (*add)(void *, const char *),
                               void *ctx)
{
	add(ctx, "results");
	add(ctx, "running");
}

static const struct pk_method asniffer_methods[] = {
    {"start", m_start, "start(): begin capturing in the background"},
    {"stop", m_stop, "stop() -> the Sniffed list; ends the capture"},
    {"join", m_join,
     "join(timeout=None): wait until count= or timeout= ends the capture"},
    {NULL, NULL, NULL}};

const struct pk_type pk_type_asniffer = {
    .name = "AsyncSniffer",
    .doc = "sniff() in the background: start(), stop(), join(), results",
    .release = asniffer_release,
    .repr = asniffer_repr,
    .getattr = asniffer_getattr,
    .attrnames = asniffer_attrnames,
    .methods = asniffer_methods,
};

static const struct pk_method sniff_builtins[] = {
    {"sniff", b_sniff,
     "sniff(count=0, store=True, offline=None, prn=None, lfilter=None, timeout=None, stop_filter=None, iface=None, filter=None) -> Sniffed list"},
    {"AsyncSniffer", b_asniffer,
     "AsyncSniffer(**sniff_args): t.start(), t.stop() -> results, t.join()"},
    {NULL, NULL, NULL}};

int pk_sniff_register(struct pk_vm *vm)
{
	return pk_vm_add_builtins(vm, sniff_builtins);
}
