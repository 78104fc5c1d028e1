/*
 * io_pcap.c - the libpcap backend: live capture, and pcap_inject() for
 * sending whole frames (layer 2).
 *
 * Receiving must never lose an answer, so the handle is opened in
 * immediate mode (frames are handed over as they come, not when a ring
 * block fills), with a large kernel buffer, and non-blocking: the
 * send/receive loop drains it between two sends and polls its fd.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "pktsh/alloc.h"
#include "pktsh/capture.h"
#include "netio.h"

struct pcap_priv {
	pcap_t *p;
	int ifindex; /* when opened (0: "any" and other pseudo-devices) */
	pk_netio_rx_fn cb;
	void *ctx;
};

static int fail(struct pk_netio *io, int err, const char *what, const char *why)
{
	io->err = err;
	snprintf(io->errbuf, sizeof(io->errbuf), "%s '%s': %.180s", what,
	         io->iface, why);
	return -1;
}

static int pcapio_open(struct pk_netio *io, const struct pk_netio_cfg *cfg)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct pcap_priv *pp;
	pcap_t *p;
	int r;

	snprintf(io->iface, sizeof(io->iface), "%s", cfg->iface);
	p = pcap_create(cfg->iface, eb);
	if (!p)
		return fail(io, ENODEV, "cannot open interface", eb);
	pcap_set_snaplen(p, !cfg->capture      ? 128
	                    : cfg->snaplen > 0 ? cfg->snaplen
	                                       : 262144);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 1);
	if (cfg->capture)
		pcap_set_buffer_size(p, cfg->bufsize > 0 ? cfg->bufsize
		                                         : 32 << 20);
	r = pcap_activate(p);
	if (r < 0) {
		int e = r == PCAP_ERROR_PERM_DENIED      ? EPERM
		        : r == PCAP_ERROR_NO_SUCH_DEVICE ? ENODEV
		        : r == PCAP_ERROR_IFACE_NOT_UP   ? ENETDOWN
		                                         : EIO;
		char why[PCAP_ERRBUF_SIZE + 64];

		snprintf(why, sizeof(why), "%s", pcap_geterr(p));
		if (!why[0])
			snprintf(why, sizeof(why), "%s", pcap_statustostr(r));
		pcap_close(p);
		return fail(io, e, "cannot open interface", why);
	}
	if (cfg->capture) {
		struct bpf_program prog;

		/* not our own probes (on loopback they still show: there
		 * every frame is incoming) */
		pcap_setdirection(p, PCAP_D_IN);
		if (cfg->filter && cfg->filter[0]) {
			if (pcap_compile(p, &prog, cfg->filter, 1,
			                 PCAP_NETMASK_UNKNOWN) < 0) {
				char why[PCAP_ERRBUF_SIZE + 64];

				snprintf(why, sizeof(why), "%s",
				         pcap_geterr(p));
				pcap_close(p);
				io->err = EINVAL;
				snprintf(io->errbuf, sizeof(io->errbuf),
				         "bad filter '%.60s': %.150s",
				         cfg->filter, why);
				return -1;
			}
			r = pcap_setfilter(p, &prog);
			pcap_freecode(&prog);
			if (r < 0) {
				pcap_close(p);
				return fail(io, EIO, "cannot set filter on",
				            "pcap_setfilter failed");
			}
		}
	}
	if (pcap_setnonblock(p, 1, eb) < 0) {
		pcap_close(p);
		return fail(io, EIO, "cannot set non-blocking mode on", eb);
	}
	pp = pk_xcalloc(1, sizeof(*pp));
	if (!pp) {
		pcap_close(p);
		io->err = ENOMEM;
		snprintf(io->errbuf, sizeof(io->errbuf), "out of memory");
		return -1;
	}
	pp->p = p;
	pp->ifindex = pk_iface_index(cfg->iface);
	io->priv = pp;
	io->dlt = pcap_datalink(p);
	return 0;
}

static int pcapio_send(struct pk_netio *io, const void *data, size_t len,
                       int ifindex)
{
	struct pcap_priv *pp = io->priv;

	if (pcap_inject(pp->p, data, len) < 0) {
		io->err = errno ? errno : EIO;
		snprintf(io->errbuf, sizeof(io->errbuf), "%s",
		         pcap_geterr(pp->p));
		return -1;
	}
	return 0;
}

/*
 * Many frames per system call: sendmmsg() on pcap's packet socket, which
 * is bound to the interface, as pcap_inject() uses it. The kernel's
 * per-frame work (an skb, the veth delivering it to the peer) is the same
 * for every tool; the system call per frame is what batching saves.
 * (A PACKET_TX_RING, what trafgen uses, was tried and measured slower
 * on a veth: 20% more system time, likely because its frames reach the
 * stack as page fragments the receiver must pull.) Only where pcap_inject()
 * would be a plain send(): an Ethernet interface, not "any"; elsewhere
 * frames go one by one through pcap_inject().
 */
#define BATCH 64

static size_t pcapio_send_many(struct pk_netio *io, const struct pk_frame *f,
                               size_t n)
{
	struct pcap_priv *pp = io->priv;
	struct mmsghdr m[BATCH];
	struct iovec v[BATCH];
	size_t done = 0, k;
	int fd = pcap_get_selectable_fd(pp->p);

	if (pp->ifindex <= 0 || io->dlt != DLT_EN10MB || fd < 0) {
		for (; done < n; done++)
			if (pcapio_send(io, f[done].data, f[done].len, 0) < 0)
				break;
		return done;
	}
	while (done < n) {
		size_t b = n - done < BATCH ? n - done : BATCH;
		int r;

		for (k = 0; k < b; k++) {
			v[k].iov_base = (void *)f[done + k].data;
			v[k].iov_len = f[done + k].len;
			memset(&m[k], 0, sizeof(m[k]));
			m[k].msg_hdr.msg_iov = &v[k];
			m[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, m, (unsigned)b, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			io->err = r < 0 ? errno : EIO;
			snprintf(io->errbuf, sizeof(io->errbuf), "send: %s",
			         strerror(io->err));
			return done;
		}
		done += (size_t)r;
	}
	return done;
}

static void handler(u_char *user, const struct pcap_pkthdr *h,
                    const u_char *bytes)
{
	struct pcap_priv *pp = (struct pcap_priv *)user;

	pp->cb(pp->ctx, bytes, h->caplen,
	       (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6);
}

static int pcapio_recv(struct pk_netio *io, pk_netio_rx_fn cb, void *ctx)
{
	struct pcap_priv *pp = io->priv;
	int r;

	pp->cb = cb;
	pp->ctx = ctx;
	r = pcap_dispatch(pp->p, -1, handler, (u_char *)pp);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r < 0) {
		/* libpcap fails when the interface disappears ("The
		 * interface disappeared"): say it our way if we can tell */
		if (pk_iface_lost(io->iface, pp->ifindex, io->errbuf,
		                  sizeof(io->errbuf)) == 0) {
			io->err = EIO;
			snprintf(io->errbuf, sizeof(io->errbuf), "%s",
			         pcap_geterr(pp->p));
		} else {
			io->err = ENODEV;
		}
		return -1;
	}
	return r;
}

static int pcapio_check(struct pk_netio *io)
{
	struct pcap_priv *pp = io->priv;
	int e = pk_iface_lost(io->iface, pp->ifindex, io->errbuf,
	                      sizeof(io->errbuf));

	if (!e)
		return 0;
	io->err = e;
	return -1;
}

static int pcapio_fd(struct pk_netio *io)
{
	struct pcap_priv *pp = io->priv;

	return pcap_get_selectable_fd(pp->p);
}

static void pcapio_close(struct pk_netio *io)
{
	struct pcap_priv *pp = io->priv;
	struct pcap_stat st;

	if (!pp)
		return;
	if (pcap_stats(pp->p, &st) == 0)
		io->drops = st.ps_drop;
	pcap_close(pp->p);
	pk_xfree(pp);
	io->priv = NULL;
}

void pk_netio_breakloop(struct pk_netio *io)
{
	struct pcap_priv *pp = io->priv;

	if (io->ops == &pk_netio_pcap && pp)
		pcap_breakloop(pp->p);
}

const struct pk_netio_ops pk_netio_pcap = {
    .name = "pcap",
    .open = pcapio_open,
    .send = pcapio_send,
    .recv = pcapio_recv,
    .fd = pcapio_fd,
    .close = pcapio_close,
    .check = pcapio_check,
    .send_many = pcapio_send_many,
};
