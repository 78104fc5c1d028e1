/*
 * io_raw.c - raw IP sockets for layer 3 sending.
 *
 * IPv4: AF_INET/SOCK_RAW/IPPROTO_RAW, which implies IP_HDRINCL: the kernel
 * sends our header as built (filling only a zero id and the checksum) and
 * resolves the next hop's MAC itself, on any interface type, loopback
 * included. IPv6: AF_INET6/SOCK_RAW/IPPROTO_RAW, the same contract for
 * IPv6 headers; link-local and multicast destinations take their scope
 * from the route's interface index. With an interface given, the socket
 * is bound to it (SO_BINDTODEVICE). Neither fragments: a packet larger
 * than the path MTU fails with EMSGSIZE, which the caller explains.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netio.h"

static int raw_open(struct pk_netio *io, int family, const char *iface)
{
	int one = 1, fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0) {
		io->err = errno;
		snprintf(io->errbuf, sizeof(io->errbuf),
		         "cannot open a raw %s socket: %s",
		         family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
		return -1;
	}
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	}
	/* iface= pins the way out, as scapy's socket bound to it */
	if (iface && iface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface,
	               (socklen_t)strlen(iface) + 1) < 0) {
		io->err = errno == ENODEV ? ENODEV : errno;
		snprintf(io->errbuf, sizeof(io->errbuf),
		         "cannot bind to interface '%s': %s", iface,
		         strerror(errno));
		close(fd);
		return -1;
	}
	io->priv = (void *)(intptr_t)(fd + 1);
	return 0;
}

static int raw4_open(struct pk_netio *io, const struct pk_netio_cfg *cfg)
{
	return raw_open(io, AF_INET, cfg->iface);
}

static int raw6_open(struct pk_netio *io, const struct pk_netio_cfg *cfg)
{
	return raw_open(io, AF_INET6, cfg->iface);
}

static int rawfd(struct pk_netio *io)
{
	return (int)(intptr_t)io->priv - 1;
}

static int raw_sent(struct pk_netio *io, ssize_t r, size_t len)
{
	if (r < 0) {
		io->err = errno;
		snprintf(io->errbuf, sizeof(io->errbuf), "%s", strerror(errno));
		return -1;
	}
	return 0;
}

static int raw4_send(struct pk_netio *io, const void *data, size_t len,
                     int ifindex)
{
	struct sockaddr_in sin;
	const uint8_t *b = data;

	if (len < 20 || (b[0] >> 4) != 4) {
		io->err = EINVAL;
		snprintf(io->errbuf, sizeof(io->errbuf),
		         "not an IPv4 packet (%zu bytes)", len);
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, b + 16, 4);
	return raw_sent(io,
	                sendto(rawfd(io), data, len, 0, (struct sockaddr *)&sin,
	                       sizeof(sin)),
	                len);
}

static int raw6_send(struct pk_netio *io, const void *data, size_t len,
                     int ifindex)
{
	struct sockaddr_in6 sin6;
	const uint8_t *b = data;

	if (len < 40 || (b[0] >> 4) != 6) {
		io->err = EINVAL;
		snprintf(io->errbuf, sizeof(io->errbuf),
		         "not an IPv6 packet (%zu bytes)", len);
		return -1;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, b + 24, 16);
	if ((b[24] == 0xfe && (b[25] & 0xc0) == 0x80) || b[24] == 0xff)
		sin6.sin6_scope_id = (uint32_t)ifindex;
	return raw_sent(io,
	                sendto(rawfd(io), data, len, 0,
	                       (struct sockaddr *)&sin6, sizeof(sin6)),
	                len);
}

static int raw_recv(struct pk_netio *io, pk_netio_rx_fn cb, void *ctx)
{
	return 0; /* send only: answers come through a pcap receiver */
}

static int raw_fd(struct pk_netio *io)
{
	return -1;
}

static void raw_close(struct pk_netio *io)
{
	if (io->priv)
		close(rawfd(io));
	io->priv = NULL;
}

const struct pk_netio_ops pk_netio_raw4 = {
    .name = "raw4",
    .open = raw4_open,
    .send = raw4_send,
    .recv = raw_recv,
    .fd = raw_fd,
    .close = raw_close,
};

const struct pk_netio_ops pk_netio_raw6 = {
    .name = "raw6",
    .open = raw6_open,
    .send = raw6_send,
    .recv = raw_recv,
    .fd = raw_fd,
    .close = raw_close,
};
