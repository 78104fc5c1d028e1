/*
 * netio.c - what every backend shares: opening, closing, the clock.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <sys/time.h>

#include "netio.h"

double pk_net_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int pk_netio_open(struct pk_netio *io, const struct pk_netio_ops *ops,
                  const struct pk_netio_cfg *cfg)
{
	memset(io, 0, sizeof(*io));
	io->ops = ops;
	if (cfg->iface)
		snprintf(io->iface, sizeof(io->iface), "%s", cfg->iface);
	if (ops->open(io, cfg) < 0) {
		io->priv = NULL;
		return -1;
	}
	return 0;
}

void pk_netio_close(struct pk_netio *io)
{
	if (io->ops && io->priv)
		io->ops->close(io);
}

int pk_netio_check(struct pk_netio *io)
{
	if (!io->ops || !io->priv || !io->ops->check)
		return 0;
	return io->ops->check(io);
}

bool pk_net_err_is_gone(int err)
{
	switch (err) {
	case ENETDOWN:    /* interface down (packet sockets) */
	case ENETUNREACH: /* its routes went with it (raw IP) */
	case EHOSTUNREACH:
	case ENODEV: /* interface deleted */
	case ENXIO:
	case EADDRNOTAVAIL:
		return true;
	default:
		return false;
	}
}
