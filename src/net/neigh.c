/*
 * neigh.c - link-layer addresses of neighbours: the kernel's ARP cache
 * (libdnet's arp), else an ARP request on the wire; IPv6 neighbours are
 * asked with a Neighbor Solicitation (RFC 4861 4.3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include PKTSH_DNET_HEADER

#include "netio.h"

int pk_neigh_cache4(const uint8_t ip[4], uint8_t mac[6])
{
	struct arp_entry e;
	arp_t *a = arp_open();
	int r;

	if (!a)
		return -1;
	memset(&e, 0, sizeof(e));
	e.arp_pa.addr_type = ADDR_TYPE_IP;
	e.arp_pa.addr_bits = 32;
	memcpy(&e.arp_pa.addr_ip, ip, 4);
	r = arp_get(a, &e);
	arp_close(a);
	if (r < 0 || e.arp_ha.addr_type != ADDR_TYPE_ETH)
		return -1;
	memcpy(mac, &e.arp_ha.addr_eth, 6);
	/* an incomplete entry reads as all zeros */
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) ? 0 : -1;
}

struct wait_ctx {
	const uint8_t *want; /* the address whose owner we look for */
	bool v6;
	uint8_t mac[6];
	bool found;
};

static int on_reply(void *ctx, const uint8_t *d, size_t len, double ts)
{
	struct wait_ctx *w = ctx;

	if (len < 14)
		return 0;
	if (!w->v6) {
		/* Ether + ARP is-at: sender MAC at 22, sender IP at 28 */
		if (len >= 42 && d[12] == 0x08 && d[13] == 0x06 && d[20] == 0 &&
		    d[21] == 2 && !memcmp(d + 28, w->want, 4)) {
			memcpy(w->mac, d + 22, 6);
			w->found = true;
		}
		return 0;
	}
	/* Ether + IPv6 + ICMPv6 NA (136) with target == want; the MAC is
	 * the target link-layer option, else the frame's source */
	if (len >= 14 + 40 + 24 && d[12] == 0x86 && d[13] == 0xdd &&
	    d[14 + 6] == 58 && d[54] == 136 && !memcmp(d + 62, w->want, 16)) {
		size_t off = 78;

		memcpy(w->mac, d + 6, 6);
		while (off + 8 <= len && d[off + 1]) {
			if (d[off] == 2 && d[off + 1] == 1) {
				memcpy(w->mac, d + off + 2, 6);
				break;
			}
			off += (size_t)d[off + 1] * 8;
		}
		w->found = true;
	}
	return 0;
}

static uint16_t cksum6(const uint8_t *src, const uint8_t *dst,
                       const uint8_t *icmp, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < 16; i += 2)
		s += (uint32_t)(src[i] << 8 | src[i + 1]) +
		     (uint32_t)(dst[i] << 8 | dst[i + 1]);
	s += (uint32_t)len + 58;
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	if (len & 1)
		s += (uint32_t)icmp[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t make_ns(uint8_t *f, const uint8_t smac[6], const uint8_t *sip,
                      const uint8_t *tip)
{
	uint8_t *ip = f + 14, *icmp = f + 54, dst[16] = {0xff, 0x02};
	uint16_t c;

	/* solicited-node multicast ff02::1:ffXX:XXXX (RFC 4291 2.7.1) */
	dst[11] = 1;
	dst[12] = 0xff;
	memcpy(dst + 13, tip + 13, 3);
	f[0] = 0x33;
	f[1] = 0x33;
	memcpy(f + 2, dst + 12, 4);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[5] = 32; /* payload: NS 24 + source link-layer option 8 */
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, sip, 16);
	memcpy(ip + 24, dst, 16);
	memset(icmp, 0, 32);
	icmp[0] = 135;
	memcpy(icmp + 8, tip, 16);
	icmp[24] = 1;
	icmp[25] = 1;
	memcpy(icmp + 26, smac, 6);
	c = cksum6(sip, dst, icmp, 32);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + 40 + 32;
}

static size_t make_arp(uint8_t *f, const uint8_t smac[6], const uint8_t *sip,
                       const uint8_t *tip)
{
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memset(f, 0xff, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, smac, 6);
	memcpy(f + 28, sip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tip, 4);
	return 42;
}

int pk_neigh_ask(const char *iface, int family, const uint8_t smac[6],
                 const uint8_t *sip, const uint8_t *tip, double timeout,
                 uint8_t mac[6], struct pk_netio *io)
{
	struct pk_netio_cfg cfg = {0};
	struct wait_ctx w = {tip, family == AF_INET6, {0}, false};
	uint8_t frame[128];
	size_t flen;
	double end;
	struct pollfd pfd;

	cfg.iface = iface;
	cfg.capture = true;
	cfg.bufsize = 1 << 20;
	cfg.filter = family == AF_INET ? "arp" : "icmp6 and ip6[40] == 136";
	if (pk_netio_open(io, &pk_netio_pcap, &cfg) < 0)
		return -1;
	flen = family == AF_INET ? make_arp(frame, smac, sip, tip)
	                         : make_ns(frame, smac, sip, tip);
	if (io->ops->send(io, frame, flen, 0) < 0) {
		pk_netio_close(io);
		return -1;
	}
	pfd.fd = io->ops->fd(io);
	pfd.events = POLLIN;
	end = pk_net_now() + timeout;
	while (!w.found) {
		double left = end - pk_net_now();

		if (io->ops->recv(io, on_reply, &w) < 0) {
			pk_netio_close(io);
			return -1;
		}
		if (w.found || left <= 0)
			break;
		poll(&pfd, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1);
	}
	pk_netio_close(io);
	if (!w.found)
		return 0;
	memcpy(mac, w.mac, 6);
	return 1;
}
