/*
 * io_loop.c - an in-memory backend: what is sent goes to a responder
 * callback, whose replies are queued and received. The matcher and the
 * send/receive loop are unit-tested with it, without root or a network.
 * An eventfd stands for the queue so the loop can poll() it like a pcap
 * handle.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pktsh/alloc.h"
#include "netio.h"

struct frame {
	struct frame *next;
	size_t len;
	double ts;
	uint8_t data[];
};

struct loop_priv {
	int efd;
	struct frame *head, **tail;
	int (*respond)(void *ctx, const uint8_t *data, size_t len,
	               struct pk_netio *io);
	int (*lost)(void *ctx);
	void *respond_ctx;
};

static int loop_open(struct pk_netio *io, const struct pk_netio_cfg *cfg)
{
	struct loop_priv *lp = pk_xcalloc(1, sizeof(*lp));

	if (!lp) {
		io->err = ENOMEM;
		snprintf(io->errbuf, sizeof(io->errbuf), "out of memory");
		return -1;
	}
	lp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (lp->efd < 0) {
		io->err = errno;
		snprintf(io->errbuf, sizeof(io->errbuf), "eventfd: %s",
		         strerror(errno));
		pk_xfree(lp);
		return -1;
	}
	lp->tail = &lp->head;
	lp->respond = cfg->respond;
	lp->lost = cfg->lost;
	lp->respond_ctx = cfg->respond_ctx;
	snprintf(io->iface, sizeof(io->iface), "%s",
	         cfg->iface ? cfg->iface : "loop");
	io->priv = lp;
	io->dlt = 1; /* DLT_EN10MB, whatever the test puts in */
	return 0;
}

int pk_netio_loop_inject(struct pk_netio *io, const void *data, size_t len)
{
	struct loop_priv *lp = io->priv;
	struct frame *f = pk_xmalloc(sizeof(*f) + len);
	uint64_t one = 1;

	if (!f)
		return -1;
	f->next = NULL;
	f->len = len;
	f->ts = pk_net_now();
	memcpy(f->data, data, len);
	*lp->tail = f;
	lp->tail = &f->next;
	if (write(lp->efd, &one, sizeof(one)) < 0)
		return -1;
	return 0;
}

static int loop_send(struct pk_netio *io, const void *data, size_t len,
                     int ifindex)
{
	struct loop_priv *lp = io->priv;

	io->err = 0;
	if (lp->respond && lp->respond(lp->respond_ctx, data, len, io) < 0) {
		if (!io->err) {
			io->err = EIO;
			snprintf(io->errbuf, sizeof(io->errbuf),
			         "responder failed");
		} else {
			snprintf(io->errbuf, sizeof(io->errbuf), "%s",
			         strerror(io->err));
		}
		return -1;
	}
	return 0;
}

static int loop_recv(struct pk_netio *io, pk_netio_rx_fn cb, void *ctx)
{
	struct loop_priv *lp = io->priv;
	uint64_t cnt;
	int n = 0;

	if (read(lp->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return -1;
	while (lp->head) {
		struct frame *f = lp->head;

		lp->head = f->next;
		if (!lp->head)
			lp->tail = &lp->head;
		cb(ctx, f->data, f->len, f->ts);
		pk_xfree(f);
		n++;
	}
	return n;
}

static int loop_fd(struct pk_netio *io)
{
	struct loop_priv *lp = io->priv;

	return lp->efd;
}

static void loop_close(struct pk_netio *io)
{
	struct loop_priv *lp = io->priv;

	if (!lp)
		return;
	while (lp->head) {
		struct frame *f = lp->head;

		lp->head = f->next;
		pk_xfree(f);
	}
	close(lp->efd);
	pk_xfree(lp);
	io->priv = NULL;
}

static int loop_check(struct pk_netio *io)
{
	struct loop_priv *lp = io->priv;
	int e = lp->lost ? lp->lost(lp->respond_ctx) : 0;

	if (!e)
		return 0;
	io->err = e;
	snprintf(io->errbuf, sizeof(io->errbuf), "interface '%s' went down",
	         io->iface);
	return -1;
}

const struct pk_netio_ops pk_netio_loop = {
    .name = "loop",
    .open = loop_open,
    .send = loop_send,
    .recv = loop_recv,
    .fd = loop_fd,
    .close = loop_close,
    .check = loop_check,
};
