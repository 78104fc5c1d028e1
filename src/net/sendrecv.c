/*
 * sendrecv.c - send(), sendp(), sr(), sr1(), srp(), srp1().
 *
 * Every probe is expanded and built before anything is sent, so a bad
 * packet fails before the wire sees the first one, and the receivers can
 * be opened (with a BPF filter narrowed to what could answer) before the
 * first probe leaves. The loop itself is sndrcv.c; this file turns
 * packets into bytes and bytes back into packets.
 *
 * Layer 3 (send, sr) goes out through raw IP sockets (io_raw.c): the
 * kernel routes and resolves the next hop, so loopback, on-link and
 * routed destinations all work. Layer 2 (sendp, srp) goes out through
 * pcap_inject() on the interface. Answers are always read with libpcap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pktsh/alloc.h"
#include "pktsh/packet.h"
#include "pktsh/plist.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"
#include "netvm.h"

/* ------------------------------------------------------------------ */
/* Probes: expanded packets and their bytes                             */

struct probes {
	size_t n, cap;
	pk_val *pkt; /* the expanded packets (new references) */
	size_t *off, *len;
	struct pk_buf wire; /* all built bytes, back to back */
	const char *fname;
};

static void probes_release(struct probes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		pk_decref(p->pkt[i]);
	pk_xfree(p->pkt);
	pk_xfree(p->off);
	pk_xfree(p->len);
	pk_buf_release(&p->wire);
}

static int add_one(struct pk_vm *vm, pk_val one, void *ctx)
{
	struct probes *p = ctx;
	size_t before = p->wire.len;

	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		pk_val *a = pk_xrealloc(p->pkt, nc * sizeof(*a));
		size_t *o, *l;

		if (a)
			p->pkt = a;
		o = pk_xrealloc(p->off, nc * sizeof(*o));
		if (o)
			p->off = o;
		l = pk_xrealloc(p->len, nc * sizeof(*l));
		if (l)
			p->len = l;
		if (!a || !o || !l)
			return pk_raise_nomem(vm);
		p->cap = nc;
	}
	if (pk_packet_build(vm, one, &p->wire) < 0)
		return -1;
	if (pk_buf_failed(&p->wire))
		return pk_raise_nomem(vm);
	p->pkt[p->n] = pk_incref(one);
	p->off[p->n] = before;
	p->len[p->n] = p->wire.len - before;
	p->n++;
	return 0;
}

static int add_item(struct pk_vm *vm, pk_val item, void *ctx)
{
	struct probes *p = ctx;

	if (!pk_is_packet(item))
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() sends packets, not '%s'", p->fname,
		                pk_typename(item));
	return pk_packet_expand(vm, item, add_one, ctx) < 0 ? -1 : 0;
}

static int collect(struct pk_vm *vm, pk_val x, const char *fname,
                   struct probes *p)
{
	memset(p, 0, sizeof(*p));
	pk_buf_init(&p->wire, 0);
	p->fname = fname;
	if (pk_is_packet(x))
		return pk_packet_expand(vm, x, add_one, p);
	if (pk_is_str(x) || pk_is_bytes(x) || !pk_is_obj(x))
		return pk_raise(vm, &pk_exc_TypeError,
		                "%s() sends packets, not '%s'", fname,
		                pk_typename(x));
	return pk_foreach(vm, x, add_item, p);
}

static const uint8_t *wire_of(const struct probes *p, size_t i)
{
	return (const uint8_t *)p->wire.buf + p->off[i];
}

/* ------------------------------------------------------------------ */
/* Common arguments                                                    */

enum {
	A_X,
	A_FILTER,
	A_IFACE,
	A_NOFILTER,
	A_TIMEOUT,
	A_RETRY,
	A_INTER,
	A_MULTI,
	A_VERBOSE,
	A_THREADED,
	A_PROMISC,
	A_CHAINCC,
	A_PREBUILD,
	A_COUNT
};

static const char *const sr_names[A_COUNT] = {
    "x",     "filter",  "iface",    "nofilter", "timeout", "retry",    "inter",
    "multi", "verbose", "threaded", "promisc",  "chainCC", "prebuild",
};

static int arg_num(struct pk_vm *vm, pk_val v, const char *fname,
                   const char *pname, double dflt, double *out)
{
	if (pk_is_undef(v) || pk_is_none(v)) {
		*out = dflt;
		return 0;
	}
	if (pk_is_intlike(v)) {
		*out = (double)v.u.i;
		return 0;
	}
	return pk_arg_float(vm, v, fname, pname, out);
}

static int arg_bool(struct pk_vm *vm, pk_val v, bool *out)
{
	if (pk_is_undef(v)) {
		*out = false;
		return 0;
	}
	return pk_truth(vm, v, out);
}

static int arg_optstr(struct pk_vm *vm, pk_val v, const char *fname,
                      const char *pname, const char **out)
{
	size_t len;

	*out = NULL;
	if (pk_is_undef(v) || pk_is_none(v))
		return 0;
	return pk_arg_str(vm, v, fname, pname, out, &len);
}

/* ------------------------------------------------------------------ */
/* The sr() machinery                                                   */

#define MAX_RX 8

struct srctx {
	struct pk_vm *vm;
	struct pk_netstate *st;
	struct probes pr;
	bool l2, multi;
	const struct pk_proto *ip4, *ip6;
	pk_val *wirepkt; /* the probes as dissected from their bytes */
	/* plain IPv4/TCP matched from the bytes (fastkey.c): `fast` is 0
	 * until a probe qualifies and the VM's dissection is checked to
	 * agree, then 1 (or -1: the general way only) */
	int fast;
	bool checkaddr; /* conf.checkIPaddr, read once per call */
	uint8_t *fastp; /* per probe: keyed from its bytes */
	void *cur;      /* the last reply, when keyed from its bytes */
	struct pk_tcp4 curt;
	pk_val ans, unans;
	/* pk_sr plumbing */
	struct pk_sr_probe *sp;
	struct pk_netio *rx[MAX_RX];
	struct pk_netio rxio[MAX_RX];
	size_t nrx;
	struct pk_netio *tx[2];
	struct pk_netio txio[2];
	size_t ntx;
	int rxdlt[MAX_RX];
	char (*rxname)[PK_IFNAME_MAX]; /* layer 3: where each answer comes */
};

static void sr_write(void *ctx, const char *s, size_t len)
{
	struct srctx *c = ctx;

	pk_vm_write(c->vm, s, len);
}

static void sr_progress(void *ctx, const char *s, size_t len)
{
	struct srctx *c = ctx;

	c->st->progress(c->st->progress_ctx, s, len);
}

static int sr_stop(void *ctx)
{
	return pk_interrupted != 0;
}

/* Dissect a probe's bytes: what matching compares is what was sent. */
static int dissect_l3(struct srctx *c, const uint8_t *d, size_t len,
                      pk_val *out)
{
	const struct pk_proto *p = NULL;

	if (len && (d[0] >> 4) == 4)
		p = c->ip4;
	else if (len && (d[0] >> 4) == 6)
		p = c->ip6;
	if (!p)
		return 1;
	return pk_packet_dissect(c->vm, p, d, len, out);
}

/* The probe as dissected from its bytes (borrowed), made when first
 * needed: probes keyed from their bytes never need it unless a reply
 * that is not plain IPv4/TCP is tested against them. */
static int probe_wire(struct srctx *c, size_t i, pk_val *out)
{
	pk_val w;
	int r;

	if (!pk_is_undef(c->wirepkt[i])) {
		*out = c->wirepkt[i];
		return 0;
	}
	if (c->l2)
		r = pk_packet_dissect(c->vm,
		                      pk_proto_for_linktype(c->vm, c->rxdlt[0]),
		                      wire_of(&c->pr, i), c->pr.len[i], &w);
	else
		r = dissect_l3(c, wire_of(&c->pr, i), c->pr.len[i], &w);
	if (r < 0)
		return -1;
	if (r > 0) {
		/* unknown network layer: keep the packet itself */
		w = pk_incref(c->pr.pkt[i]);
	}
	c->wirepkt[i] = w;
	*out = w;
	return 0;
}

/* conf.checkIPaddr as the IP layer's hooks read it */
static bool conf_checkaddr(struct pk_vm *vm)
{
	pk_val conf = pk_vm_get_global(vm, "conf"), v;
	bool b = true;

	if (pk_is_undef(conf))
		return true;
	if (pk_getattr(vm, conf, pk_intern("checkIPaddr", 11), &v) < 0) {
		pk_vm_clear_error(vm);
		return true;
	}
	if (pk_truth(vm, v, &b) < 0) {
		pk_vm_clear_error(vm);
		b = true;
	}
	pk_decref(v);
	return b;
}

/*
 * The first probe that qualifies for keying from its bytes is also
 * dissected: only if that gives IP/TCP and the same key (the binding
 * rows are the user's to change) are the others keyed from their bytes.
 */
static int fast_check(struct srctx *c, size_t i, const struct pk_tcp4 *t)
{
	const struct pk_proto *tcp = pk_proto_find(c->vm, "TCP");
	struct pk_buf a = PK_BUF_INIT, b = PK_BUF_INIT;
	struct pk_layer *l;
	pk_val w;
	int r = 0;

	c->fast = -1;
	if (probe_wire(c, i, &w) < 0)
		return -1;
	l = pk_as_layer(w);
	if (!tcp || l->proto != c->ip4 || !l->payload ||
	    l->payload->proto != tcp || l->payload->payload)
		return 0;
	c->checkaddr = conf_checkaddr(c->vm);
	if (pk_packet_hashret(c->vm, w, &a) < 0)
		r = -1;
	pk_tcp4_hashret(t, c->checkaddr, &b);
	if (r == 0 && (pk_buf_failed(&a) || pk_buf_failed(&b)))
		r = pk_raise_nomem(c->vm);
	if (r == 0 && a.len == b.len && !memcmp(a.buf, b.buf, a.len))
		c->fast = 1;
	pk_buf_release(&a);
	pk_buf_release(&b);
	return r;
}

static int sr_probe_key(void *ctx, size_t i, struct pk_buf *key)
{
	struct srctx *c = ctx;
	struct pk_tcp4 t;
	pk_val w;

	if (!c->l2 && c->fast >= 0 &&
	    pk_tcp4_parse(wire_of(&c->pr, i), c->pr.len[i], false, &t)) {
		if (c->fast == 0 && fast_check(c, i, &t) < 0)
			return -1;
		if (c->fast > 0) {
			c->fastp[i] = 1;
			pk_tcp4_hashret(&t, c->checkaddr, key);
			return 0;
		}
	}
	if (probe_wire(c, i, &w) < 0)
		return -1;
	return pk_packet_hashret(c->vm, w, key);
}

/* Where the network layer starts in a frame of link type dlt, and
 * which it is; -1 if it carries neither IPv4 nor IPv6. */
static long l3_offset(int dlt, const uint8_t *d, size_t len)
{
	size_t off;
	unsigned et;

	switch (dlt) {
	case DLT_EN10MB:
		off = 12;
		for (;;) {
			if (off + 2 > len)
				return -1;
			et = (unsigned)(d[off] << 8 | d[off + 1]);
			if (et != 0x8100 && et != 0x88a8)
				break;
			off += 4;
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		et = (unsigned)(d[14] << 8 | d[15]);
		off = 16;
		break;
	case DLT_RAW: /* 12 on Linux (14 on OpenBSD) */
	case 14:
	case 101: /* LINKTYPE_RAW */
		return 0;
	case DLT_NULL:
		off = 4;
		et = len > 4 && (d[4] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	default:
		return -1;
	}
	if (et != 0x0800 && et != 0x86dd)
		return -1;
	return off <= len ? (long)off : -1;
}

static int sr_reply(void *ctx, size_t rx, const uint8_t *d, size_t len,
                    double ts, void **handle, struct pk_buf *key)
{
	struct srctx *c = ctx;
	pk_val v;
	int r;

	if (c->l2) {
		r = pk_packet_dissect(
		    c->vm, pk_proto_for_linktype(c->vm, c->rxdlt[rx]), d, len,
		    &v);
	} else {
		long off = l3_offset(c->rxdlt[rx], d, len);

		if (off < 0)
			return 1;
		d += off;
		len -= (size_t)off;
		if (c->fast > 0 && pk_tcp4_parse(d, len, true, &c->curt)) {
			/* kept lazy: decoded if and when it is looked at */
			if (pk_packet_dissect(c->vm, c->ip4, d, len, &v) < 0)
				return -1;
			pk_packet_set_time(v, ts);
			pk_tcp4_hashret(&c->curt, c->checkaddr, key);
			*handle = c->cur = v.u.o;
			return 0;
		}
		r = dissect_l3(c, d, len, &v);
	}
	c->cur = NULL;
	if (r != 0)
		return r;
	pk_packet_set_time(v, ts);
	if (pk_packet_hashret(c->vm, v, key) < 0) {
		pk_decref(v);
		return -1;
	}
	*handle = v.u.o;
	return 0;
}

static int sr_answers(void *ctx, void *h, size_t probe, bool *out)
{
	struct srctx *c = ctx;
	struct pk_tcp4 p;
	pk_val w;

	if (h == c->cur && c->fastp[probe] &&
	    pk_tcp4_parse(wire_of(&c->pr, probe), c->pr.len[probe], false,
	                  &p)) {
		*out = pk_tcp4_answers(&c->curt, &p, c->checkaddr);
		return 0;
	}
	if (probe_wire(c, probe, &w) < 0)
		return -1;
	return pk_packet_answers(c->vm, pk_obj_take(h), w, out);
}

static int sr_pair(void *ctx, size_t probe, void *h)
{
	struct srctx *c = ctx;
	pk_val reply = pk_obj_take(h), sent = c->pr.pkt[probe];
	int r;

	pk_packet_set_time(sent, c->sp[probe].sent);
	if (!c->multi) {
		/* answered for good: its dissected copy is not needed */
		pk_decref(c->wirepkt[probe]);
		c->wirepkt[probe] = pk_undef();
	}
	r = pk_sndrcv_append(c->vm, c->ans, sent, reply);
	pk_decref(reply);
	return r;
}

static void sr_drop(void *ctx, void *h)
{
	pk_decref(pk_obj_take(h));
}

static void breakloop_hook(void *ctx)
{
	struct srctx *c = ctx;
	size_t i;

	for (i = 0; i < c->nrx; i++)
		pk_netio_breakloop(c->rx[i]);
}

/* The receive filter for one interface: replies come to our addresses
 * (ICMP errors from routers included); ARP answers are ARP. */
static void narrow_filter(struct srctx *c, const char *iface, const char *user,
                          bool nofilter, struct pk_buf *f)
{
	struct pk_buf hosts = PK_BUF_INIT;
	size_t i, n = 0;
	bool any = false, arp = false;
	char seen[8][INET6_ADDRSTRLEN + 8];
	uint8_t last[17] = {0}; /* version, address: the previous probe's */

	for (i = 0; i < c->pr.n && !nofilter && !any; i++) {
		const uint8_t *d = wire_of(&c->pr, i);
		size_t len = c->pr.len[i];
		char a[INET6_ADDRSTRLEN], term[INET6_ADDRSTRLEN + 8];
		static const uint8_t zero[16];
		size_t k;
		long off = 0;

		if (c->l2) {
			if (len >= 14 && d[12] == 0x08 && d[13] == 0x06) {
				arp = true;
				continue;
			}
			off = l3_offset(DLT_EN10MB, d, len);
			if (off < 0) {
				any = true;
				break;
			}
		} else if (strcmp(c->rxname[i], iface)) {
			continue;
		}
		d += off;
		len -= (size_t)off;
		/* a set's probes mostly go to one host: no text for those */
		if (len >= 20 && (d[0] >> 4) == 4 && last[0] == 4 &&
		    !memcmp(last + 1, d + 12, 4))
			continue;
		if (len >= 40 && (d[0] >> 4) == 6 && last[0] == 6 &&
		    !memcmp(last + 1, d + 8, 16))
			continue;
		if (len >= 20 && (d[0] >> 4) == 4 && memcmp(d + 12, zero, 4)) {
			last[0] = 4;
			memcpy(last + 1, d + 12, 4);
			inet_ntop(AF_INET, d + 12, a, sizeof(a));
			snprintf(term, sizeof(term), "ip dst %s", a);
		} else if (len >= 40 && (d[0] >> 4) == 6 &&
		           memcmp(d + 8, zero, 16)) {
			last[0] = 6;
			memcpy(last + 1, d + 8, 16);
			inet_ntop(AF_INET6, d + 8, a, sizeof(a));
			snprintf(term, sizeof(term), "ip6 dst %s", a);
		} else {
			any =
			    true; /* unspecified source: answers go anywhere */
			break;
		}
		for (k = 0; k < n; k++)
			if (!strcmp(seen[k], term))
				break;
		if (k < n)
			continue;
		if (n == 8) {
			any = true;
			break;
		}
		snprintf(seen[n++], sizeof(seen[0]), "%s", term);
		pk_buf_addf(&hosts, "%s%s", hosts.len ? " or " : "", term);
	}
	if (!nofilter && !any && arp)
		pk_buf_addf(&hosts, "%sarp", hosts.len ? " or " : "");
	if (!nofilter && !any && hosts.len && user && user[0])
		pk_buf_addf(f, "(%s) and (%s)", hosts.buf, user);
	else if (!nofilter && !any && hosts.len)
		pk_buf_addstr(f, hosts.buf);
	else if (user && user[0])
		pk_buf_addstr(f, user);
	pk_buf_release(&hosts);
}

/*
 * The kernel receive ring for n probes. The loop drains it after every
 * send, so it only has to hold the answers of a burst, not of the whole
 * run; but the kernel zeroes all of it, page by page, before the first
 * probe leaves (a 128 MB ring was half of the CPU time of a 65535-probe
 * sr()), so it is sized to the answers: TPACKET_V3 packs frames, and a
 * small answer (a RST, an ICMP error: ~60 bytes and ~80 of headers) takes
 * under 256 bytes. Room for 65535 of them is 16 MB; at least 2 MB (what
 * libpcap would take), at most 32 MB. PKTSH_RX_RING (bytes) overrides
 * it, for measuring.
 */
static int rx_bufsize(size_t n)
{
	const char *e = getenv("PKTSH_RX_RING");
	size_t b = n * 256;

	if (e && atoi(e) > 0)
		return atoi(e);
	if (b < (2u << 20))
		b = 2u << 20;
	if (b > (32u << 20))
		b = 32u << 20;
	return (int)b;
}

static int open_rx(struct srctx *c, const char *iface, const char *user,
                   bool nofilter, size_t *idx)
{
	struct pk_netio_cfg cfg = {0};
	struct pk_buf f = PK_BUF_INIT;
	size_t i;
	int r;

	for (i = 0; i < c->nrx; i++)
		if (!strcmp(c->rx[i]->iface, iface)) {
			*idx = i;
			return 0;
		}
	if (c->nrx == MAX_RX)
		return pk_raise(
		    c->vm, &pk_exc_ValueError,
		    "probes leave by more than %d interfaces: send them in groups",
		    MAX_RX);
	narrow_filter(c, iface, user, nofilter, &f);
	cfg.iface = iface;
	cfg.capture = true;
	cfg.filter = f.len ? f.buf : NULL;
	cfg.bufsize = rx_bufsize(c->pr.n);
	r = pk_netio_open(&c->rxio[c->nrx], &pk_netio_pcap, &cfg);
	pk_buf_release(&f);
	if (r < 0) {
		struct pk_netio *io = &c->rxio[c->nrx];

		if (io->err == EINVAL)
			return pk_raise(c->vm, &pk_exc_ValueError, "%s",
			                io->errbuf);
		return pk_net_io_error(c->vm, c->st, "receiving", iface,
		                       io->err, io->errbuf, 0);
	}
	c->rx[c->nrx] = &c->rxio[c->nrx];
	c->rxdlt[c->nrx] = c->rxio[c->nrx].dlt;
	*idx = c->nrx++;
	return 0;
}

static int open_tx_raw(struct srctx *c, int family, const char *iface,
                       size_t *idx)
{
	const struct pk_netio_ops *ops =
	    family == AF_INET ? &pk_netio_raw4 : &pk_netio_raw6;
	struct pk_netio_cfg cfg = {0};
	size_t i;

	for (i = 0; i < c->ntx; i++)
		if (c->tx[i]->ops == ops) {
			*idx = i;
			return 0;
		}
	cfg.iface = iface;
	if (pk_netio_open(&c->txio[c->ntx], ops, &cfg) < 0)
		return pk_net_io_error(c->vm, c->st, "sending", iface,
		                       c->txio[c->ntx].err,
		                       c->txio[c->ntx].errbuf, 0);
	snprintf(c->txio[c->ntx].iface, PK_IFNAME_MAX, "%s",
	         family == AF_INET ? "ip" : "ip6");
	c->tx[c->ntx] = &c->txio[c->ntx];
	*idx = c->ntx++;
	return 0;
}

static void sr_cleanup(struct srctx *c)
{
	size_t i;

	pk_set_interrupt_hook(NULL, NULL);
	for (i = 0; i < c->ntx; i++)
		pk_netio_close(c->tx[i]);
	for (i = 0; i < c->nrx; i++) {
		pk_netio_close(c->rx[i]);
		if (c->rx[i]->drops)
			pk_vm_warn(
			    c->vm,
			    "the kernel dropped %u packets on '%s' (pcap ps_drop): answers may be missing",
			    c->rx[i]->drops, c->rx[i]->iface);
	}
	if (c->wirepkt)
		for (i = 0; i < c->pr.n; i++)
			pk_decref(c->wirepkt[i]);
	pk_xfree(c->wirepkt);
	pk_xfree(c->fastp);
	pk_xfree(c->rxname);
	pk_xfree(c->sp);
	probes_release(&c->pr);
}

/*
 * sr()/srp(): returns (ans, unans) in *out. `l2` selects srp.
 */
static int do_sr(struct pk_vm *vm, const struct pk_args *a, const char *fname,
                 bool l2, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	pk_val v[A_COUNT];
	struct srctx c;
	struct pk_sr sr;
	const char *filter, *iface;
	double timeout, inter, retry;
	bool multi, nofilter, dummy;
	int verbose, r = -1;
	size_t i;

	if (!st || pk_args_parse(vm, a, fname, sr_names, A_COUNT, 1, v) < 0)
		return -1;
	if (arg_optstr(vm, v[A_FILTER], fname, "filter", &filter) < 0 ||
	    arg_optstr(vm, v[A_IFACE], fname, "iface", &iface) < 0 ||
	    arg_num(vm, v[A_TIMEOUT], fname, "timeout", -1, &timeout) < 0 ||
	    arg_num(vm, v[A_RETRY], fname, "retry", 0, &retry) < 0 ||
	    arg_num(vm, v[A_INTER], fname, "inter", 0, &inter) < 0 ||
	    arg_bool(vm, v[A_MULTI], &multi) < 0 ||
	    arg_bool(vm, v[A_NOFILTER], &nofilter) < 0 ||
	    arg_bool(vm, v[A_THREADED], &dummy) < 0 ||
	    pk_net_verbose(vm, st, v[A_VERBOSE], fname, &verbose) < 0)
		return -1;
	if (iface && !pk_net_find_iface(vm, st, iface))
		return pk_net_io_error(vm, st, "receiving", iface, ENODEV, "",
		                       0);
	memset(&c, 0, sizeof(c));
	c.vm = vm;
	c.st = st;
	c.l2 = l2;
	c.multi = multi;
	c.ip4 = pk_proto_find(vm, "IP");
	c.ip6 = pk_proto_find(vm, "IPv6");
	c.ans = c.unans = pk_undef();
	if (collect(vm, v[A_X], fname, &c.pr) < 0)
		goto out;
	c.sp = pk_xcalloc(c.pr.n + 1, sizeof(*c.sp));
	c.wirepkt = pk_xcalloc(c.pr.n + 1, sizeof(*c.wirepkt));
	c.rxname = pk_xcalloc(c.pr.n + 1, sizeof(*c.rxname));
	c.fastp = pk_xcalloc(c.pr.n + 1, 1);
	if (!c.sp || !c.wirepkt || !c.rxname || !c.fastp) {
		pk_raise_nomem(vm);
		goto out;
	}
	for (i = 0; i < c.pr.n; i++)
		c.wirepkt[i] = pk_undef();

	/* senders first (they decide where answers come in), then one
	 * receiver per interface, all before the first probe leaves */
	if (l2) {
		size_t k;
		const char *ifn = iface ? iface : pk_net_iface(vm, st);

		if (open_rx(&c, ifn, filter, nofilter, &k) < 0)
			goto out;
		c.tx[0] = c.rx[0];
		c.ntx = 1;
		for (i = 0; i < c.pr.n; i++)
			c.sp[i].sender = 0;
	} else {
		for (i = 0; i < c.pr.n; i++) {
			const uint8_t *d = wire_of(&c.pr, i);
			size_t len = c.pr.len[i];
			int fam = len >= 20 && (d[0] >> 4) == 4   ? AF_INET
			          : len >= 40 && (d[0] >> 4) == 6 ? AF_INET6
			                                          : 0;
			struct pk_nexthop nh;

			if (!fam) {
				pk_raise(
				    vm, &pk_exc_ValueError,
				    "%s() sends at layer 3 and needs an IP or IPv6 packet, not '%s' (use %s() for frames)",
				    fname,
				    pk_proto_name(
				        pk_packet_first_proto(vm, c.pr.pkt[i])),
				    strcmp(fname, "sr1") ? "srp" : "srp1");
				goto out;
			}
			pk_net_route(st, fam, d + (fam == AF_INET ? 16 : 24),
			             &nh);
			if (open_tx_raw(&c, fam, iface, &c.sp[i].sender) < 0)
				goto out;
			c.sp[i].ifindex = nh.ifindex;
			if (iface)
				c.sp[i].ifindex =
				    pk_intf_find(&st->rt.intf, iface)->index;
		}
		/* receive where the answers arrive: the route's interface,
		 * loopback for our own addresses */
		for (i = 0; i < c.pr.n; i++) {
			const uint8_t *d = wire_of(&c.pr, i);
			int fam = (d[0] >> 4) == 4 ? AF_INET : AF_INET6;
			struct pk_nexthop nh;

			pk_net_route(st, fam, d + (fam == AF_INET ? 16 : 24),
			             &nh);
			pk_ifname_copy(c.rxname[i], iface      ? iface
			                            : nh.local ? "lo"
			                                       : nh.iface);
		}
		for (i = 0; i < c.pr.n; i++) {
			size_t k;

			if (open_rx(&c, c.rxname[i], filter, nofilter, &k) < 0)
				goto out;
		}
	}
	for (i = 0; i < c.pr.n; i++) {
		c.sp[i].data = wire_of(&c.pr, i);
		c.sp[i].len = c.pr.len[i];
	}
	c.ans = pk_sndrcv_new(vm, "Results");
	c.unans = pk_plist_new(vm, "Unanswered");
	if (pk_is_undef(c.ans) || pk_is_undef(c.unans))
		goto out;

	memset(&sr, 0, sizeof(sr));
	sr.probes = c.sp;
	sr.nprobes = c.pr.n;
	sr.senders = c.tx;
	sr.nsenders = c.ntx;
	sr.receivers = c.rx;
	sr.nreceivers = c.nrx;
	sr.timeout = timeout;
	sr.inter = inter;
	sr.retry = (int)retry;
	sr.multi = multi;
	sr.verbose = verbose;
	sr.ctx = &c;
	sr.probe_key = sr_probe_key;
	sr.reply = sr_reply;
	sr.answers = sr_answers;
	sr.pair = sr_pair;
	sr.drop = sr_drop;
	sr.write = sr_write;
	sr.stop = sr_stop;
	if (st->progress) {
		sr.progress = sr_progress;
		sr.progress_every = 0.1; /* ten updates a second at most */
	}
	pk_set_interrupt_hook(breakloop_hook, &c);
	if (pk_sr_run(&sr) < 0) {
		if (!sr.cb_error) {
			size_t big = 0, at = 0;

			for (i = 0; i < c.pr.n; i++)
				if (c.pr.len[i] > big) {
					big = c.pr.len[i];
					at = i;
				}
			pk_net_io_error(vm, st, "sending",
			                sr.err != EMSGSIZE ? NULL
			                : l2               ? c.rx[0]->iface
			                                   : c.rxname[at],
			                sr.err, sr.errbuf, big);
		}
		goto out;
	}
	if (sr.stopped)
		pk_interrupted = 0; /* Ctrl-C ends sr(), not the session */
	/* the network failed under us: the results so far, and why */
	if (sr.sendfail)
		pk_vm_warn(vm,
		           "%s: sending stopped after %zu packet%s: %s "
		           "(returning the answers so far)",
		           fname, sr.ntotal, sr.ntotal == 1 ? "" : "s",
		           sr.sendbuf);
	if (sr.nlost)
		pk_vm_warn(vm,
		           "%s: %s: no answer can come in there any more "
		           "(returning the answers so far)",
		           fname, sr.lostbuf);
	for (i = 0; i < c.pr.n; i++) {
		if (c.sp[i].answered)
			continue;
		if (c.sp[i].sent > 0)
			pk_packet_set_time(c.pr.pkt[i], c.sp[i].sent);
		if (pk_plist_append(vm, c.unans, c.pr.pkt[i]) < 0)
			goto out;
	}
	*out = pk_tuple_pair(vm, c.ans, c.unans);
	if (!pk_is_undef(*out))
		r = 0;
out:
	pk_decref(c.ans);
	pk_decref(c.unans);
	sr_cleanup(&c);
	return r;
}

static int bi_sr(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                 pk_val *out)
{
	return do_sr(vm, a, "sr", false, out);
}

static int bi_srp(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	return do_sr(vm, a, "srp", true, out);
}

static int first_answer(struct pk_vm *vm, pk_val res, pk_val *out)
{
	pk_val ans = pk_as_tuple(res)->items[0], pair, reply;
	int64_t n;
	int r;

	if (pk_len(vm, ans, &n) < 0) {
		pk_decref(res);
		return -1;
	}
	if (n == 0) {
		pk_decref(res);
		*out = pk_none();
		return 0;
	}
	r = pk_getitem(vm, ans, pk_int(0), &pair);
	if (r == 0) {
		r = pk_getitem(vm, pair, pk_int(1), &reply);
		pk_decref(pair);
		if (r == 0)
			*out = reply;
	}
	pk_decref(res);
	return r;
}

static int bi_sr1(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                  pk_val *out)
{
	pk_val res;

	if (do_sr(vm, a, "sr1", false, &res) < 0)
		return -1;
	return first_answer(vm, res, out);
}

static int bi_srp1(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	pk_val res;

	if (do_sr(vm, a, "srp1", true, &res) < 0)
		return -1;
	return first_answer(vm, res, out);
}

/* ------------------------------------------------------------------ */
/* send() and sendp()                                                   */

enum {
	S_X,
	S_IFACE,
	S_COUNT_,
	S_INTER,
	S_LOOP,
	S_VERBOSE,
	S_REALTIME,
	S_RETURN,
	S_NARGS
};

static const char *const send_names[S_NARGS] = {
    "x",    "iface",   "count",    "inter",
    "loop", "verbose", "realtime", "return_packets",
};

/* A send failed after n packets left: raise the error. */
static void send_failed(struct pk_vm *vm, struct pk_netstate *st,
                        const char *fname, bool l2, struct pk_netio *io,
                        const uint8_t *d, size_t len, uint64_t n, int verbose)
{
	const char *ifn = l2 ? io->iface : NULL;
	struct pk_nexthop nh;
	bool v6 = !l2 && (d[0] >> 4) == 6;

	if (!l2 && io->err == EMSGSIZE) {
		pk_rtable_lookup(&st->rt, v6 ? AF_INET6 : AF_INET,
		                 d + (v6 ? 24 : 16), &nh);
		ifn = nh.iface;
	}
	if (n > 0 && pk_net_err_is_gone(io->err)) {
		/* the network failed under us: say how far it got */
		if (verbose)
			pk_vm_write(vm, "\n", 1);
		pk_raise(vm, &pk_exc_OSError,
		         "%s: sending%s%s%s stopped after %llu packet%s: %s",
		         fname, ifn ? " on '" : "", ifn ? ifn : "",
		         ifn ? "'" : "", (unsigned long long)n,
		         n == 1 ? "" : "s", io->errbuf);
		return;
	}
	pk_net_io_error(vm, st, "sending", ifn, io->err, io->errbuf, len);
}

#define SEND_BATCH 256

/*
 * sendp() without inter=: the frames (count= repeats, every packet of an
 * implicit set) go out in batches, several per system call. Stamps,
 * return_packets and the progress dots as the one-by-one loop.
 */
static int send_batched(struct pk_vm *vm, struct pk_netstate *st,
                        const char *fname, struct pk_netio *io,
                        const struct probes *pr, bool forever, uint64_t rounds,
                        int verbose, pk_val sent, uint64_t *n)
{
	struct pk_frame f[SEND_BATCH];
	size_t idx[SEND_BATCH], i = 0, b, k, got;
	static const char dots[SEND_BATCH + 1] = {[0 ... SEND_BATCH - 1] = '.'};

	if (!pr->n)
		return 0;
	while (!pk_interrupted && (forever || rounds > 0)) {
		double now;

		for (b = 0; b < SEND_BATCH && (forever || rounds > 0); b++) {
			f[b].data = wire_of(pr, i);
			f[b].len = pr->len[i];
			idx[b] = i;
			if (++i == pr->n) {
				i = 0;
				if (!forever)
					rounds--;
			}
		}
		got = io->ops->send_many(io, f, b);
		now = pk_net_now();
		for (k = 0; k < got; k++) {
			pk_packet_set_time(pr->pkt[idx[k]], now);
			if (!pk_is_undef(sent) &&
			    pk_plist_append(vm, sent, pr->pkt[idx[k]]) < 0)
				return -1;
		}
		*n += got;
		if (verbose && got)
			pk_vm_write(vm, dots, got);
		if (got < b) {
			send_failed(vm, st, fname, true, io, f[got].data,
			            f[got].len, *n, verbose);
			return -1;
		}
	}
	return 0;
}

static int do_send(struct pk_vm *vm, const struct pk_args *a, const char *fname,
                   bool l2, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	struct pk_netio io[2];
	bool open[2] = {false, false};
	struct probes pr;
	pk_val v[S_NARGS];
	const char *iface;
	double inter, count, loop;
	bool forever, ret_pkts, redraw;
	pk_val sent = pk_undef();
	int verbose, r = -1;
	uint64_t n = 0, rounds, round;
	size_t i;

	if (!st || pk_args_parse(vm, a, fname, send_names, S_NARGS, 1, v) < 0)
		return -1;
	if (arg_optstr(vm, v[S_IFACE], fname, "iface", &iface) < 0 ||
	    arg_num(vm, v[S_INTER], fname, "inter", 0, &inter) < 0 ||
	    arg_num(vm, v[S_COUNT_], fname, "count", -1, &count) < 0 ||
	    arg_num(vm, v[S_LOOP], fname, "loop", 0, &loop) < 0 ||
	    arg_bool(vm, v[S_RETURN], &ret_pkts) < 0 ||
	    pk_net_verbose(vm, st, v[S_VERBOSE], fname, &verbose) < 0)
		return -1;
	if (ret_pkts) {
		sent = pk_plist_new(vm, "PacketList");
		if (pk_is_undef(sent))
			return -1;
	}
	/* scapy: count wins; else loop != 0 repeats until Ctrl-C */
	forever = count < 0 && loop != 0;
	rounds = count >= 0 ? (uint64_t)count : 1;
	if (collect(vm, v[S_X], fname, &pr) < 0) {
		probes_release(&pr);
		return -1;
	}
	if (l2) {
		struct pk_netio_cfg cfg = {0};

		cfg.iface = iface ? iface : pk_net_iface(vm, st);
		if (pk_netio_open(&io[0], &pk_netio_pcap, &cfg) < 0) {
			pk_net_io_error(vm, st, "sending", cfg.iface, io[0].err,
			                io[0].errbuf, 0);
			goto out;
		}
		open[0] = true;
	}
	for (i = 0; i < pr.n && !l2; i++) {
		const uint8_t *d = wire_of(&pr, i);
		int k = pr.len[i] >= 20 && (d[0] >> 4) == 4   ? 0
		        : pr.len[i] >= 40 && (d[0] >> 4) == 6 ? 1
		                                              : -1;
		struct pk_netio_cfg cfg = {0};

		if (k < 0) {
			pk_raise(
			    vm, &pk_exc_ValueError,
			    "%s() sends at layer 3 and needs an IP or IPv6 packet, not '%s' (use sendp() for frames)",
			    fname,
			    pk_proto_name(
			        pk_packet_first_proto(vm, pr.pkt[i])));
			goto out;
		}
		if (open[k])
			continue;
		cfg.iface = iface;
		if (pk_netio_open(&io[k], k ? &pk_netio_raw6 : &pk_netio_raw4,
		                  &cfg) < 0) {
			pk_net_io_error(vm, st, "sending", iface, io[k].err,
			                io[k].errbuf, 0);
			goto out;
		}
		open[k] = true;
	}
	/* volatile values are drawn again for every round (scapy builds
	 * each packet it sends); batches repeat the bytes, so they skip */
	redraw = (forever || rounds > 1) && pk_packet_is_volatile(v[S_X]);
	if (l2 && inter <= 0 && io[0].ops->send_many && !redraw) {
		if (send_batched(vm, st, fname, &io[0], &pr, forever, rounds,
		                 verbose, ret_pkts ? sent : pk_undef(), &n) < 0)
			goto out;
		goto done;
	}
	for (round = 0; forever || rounds-- > 0; round++) {
		if (redraw && round > 0) {
			probes_release(&pr);
			if (collect(vm, v[S_X], fname, &pr) < 0)
				goto out;
		}
		for (i = 0; i < pr.n; i++) {
			const uint8_t *d = wire_of(&pr, i);
			int k = l2 ? 0 : (d[0] >> 4) == 4 ? 0 : 1;
			struct pk_nexthop nh;
			int ifindex = 0;

			if (pk_interrupted)
				goto done;
			if (k == 1) {
				const struct pk_intf *ifc =
				    iface ? pk_intf_find(&st->rt.intf, iface)
				          : NULL;

				pk_rtable_lookup(&st->rt, AF_INET6, d + 24,
				                 &nh);
				ifindex = ifc ? ifc->index : nh.ifindex;
			}
			if (io[k].ops->send(&io[k], d, pr.len[i], ifindex) <
			    0) {
				send_failed(vm, st, fname, l2, &io[k], d,
				            pr.len[i], n, verbose);
				goto out;
			}
			pk_packet_set_time(pr.pkt[i], pk_net_now());
			if (ret_pkts &&
			    pk_plist_append(vm, sent, pr.pkt[i]) < 0)
				goto out;
			n++;
			if (verbose)
				pk_vm_write(vm, ".", 1);
			if (inter > 0) {
				struct timespec ts;

				ts.tv_sec = (time_t)inter;
				ts.tv_nsec =
				    (long)((inter - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
done:
	if (pk_interrupted)
		pk_interrupted = 0; /* Ctrl-C ends the sending, as scapy */
	if (verbose)
		pk_vm_printf(vm, "\nSent %llu packets.\n",
		             (unsigned long long)n);
	*out = ret_pkts ? pk_incref(sent) : pk_none();
	r = 0;
out:
	pk_decref(sent);
	for (i = 0; i < 2; i++)
		if (open[i])
			pk_netio_close(&io[i]);
	probes_release(&pr);
	return r;
}

static int bi_send(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                   pk_val *out)
{
	return do_send(vm, a, "send", false, out);
}

static int bi_sendp(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                    pk_val *out)
{
	return do_send(vm, a, "sendp", true, out);
}

const struct pk_method pk_net_sr_builtins[] = {
    {"send", bi_send,
     "send(x, iface=None, count=None, inter=0, loop=0, verbose=None): send packets at layer 3"},
    {"sendp", bi_sendp,
     "sendp(x, iface=None, count=None, inter=0, loop=0, verbose=None): send frames at layer 2"},
    {"sr", bi_sr,
     "sr(x, timeout=None, retry=0, inter=0, multi=False, iface=None, filter=None, nofilter=0, verbose=None) -> (ans, unans): send at layer 3 and match answers"},
    {"sr1", bi_sr1, "sr1(x, ...) -> packet or None: the first answer of sr()"},
    {"srp", bi_srp,
     "srp(x, timeout=None, retry=0, inter=0, multi=False, iface=None, filter=None, nofilter=0, verbose=None) -> (ans, unans): send at layer 2 and match answers"},
    {"srp1", bi_srp1,
     "srp1(x, ...) -> packet or None: the first answer of srp()"},
    {NULL, NULL, NULL},
};
