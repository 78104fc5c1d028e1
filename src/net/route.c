/*
 * route.c - the routing tables behind conf.route and conf.route6.
 *
 * Interfaces and addresses come from libdnet (intf.c). The routes
 * themselves are read from /proc/net/route and /proc/net/ipv6_route:
 * libdumbnet 1.16's struct route_entry has no interface and no metric,
 * and its route_get() answers ESRCH for on-link destinations, so neither
 * can print scapy's table nor pick the outgoing interface. The lookup is
 * scapy's: longest prefix, then lowest metric, over this table, which
 * also makes it predictable from what conf.route prints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pktsh/alloc.h"
#include "netio.h"

#ifndef RTF_REJECT
#define RTF_REJECT 0x0200
#endif

static uint32_t plen_mask(int plen)
{
	return plen <= 0 ? 0 : plen >= 32 ? 0xffffffffu : ~0u << (32 - plen);
}

/* The address of `ifc` inside net/mask, else its first IPv4 address. */
static uint32_t src4_for(const struct pk_intf *ifc, uint32_t net, uint32_t mask)
{
	const struct pk_ifaddr *first = NULL;
	uint32_t a;
	size_t k;

	if (!ifc)
		return 0;
	for (k = 0; k < ifc->naddr; k++) {
		if (ifc->addrs[k].family != AF_INET)
			continue;
		memcpy(&a, ifc->addrs[k].addr, 4);
		a = ntohl(a);
		if (!first)
			first = &ifc->addrs[k];
		if (mask && (a & mask) == net)
			return a;
	}
	if (!first)
		return 0;
	memcpy(&a, first->addr, 4);
	return ntohl(a);
}

static int push4(struct pk_rtable *t, const struct pk_route4 *r)
{
	struct pk_route4 *n = pk_xrealloc(t->r4, (t->n4 + 1) * sizeof(*n));

	if (!n)
		return -1;
	t->r4 = n;
	n[t->n4++] = *r;
	return 0;
}

static int load4(struct pk_rtable *t)
{
	const struct pk_intf *lo = NULL;
	char line[512], ifn[PK_IFNAME_MAX];
	unsigned long dst, gw, mask, flags, metric;
	struct pk_route4 r;
	FILE *f;
	size_t i;

	/* scapy lists the loopback network, which only the local table
	 * (absent from /proc/net/route) holds */
	for (i = 0; i < t->intf.n; i++)
		if (t->intf.v[i].loopback &&
		    pk_intf_addr(&t->intf.v[i], AF_INET))
			lo = &t->intf.v[i];
	if (lo) {
		const struct pk_ifaddr *a = pk_intf_addr(lo, AF_INET);
		uint32_t la;

		memset(&r, 0, sizeof(r));
		memcpy(&la, a->addr, 4);
		r.mask = plen_mask(a->plen);
		r.net = ntohl(la) & r.mask;
		r.src = ntohl(la);
		r.metric = 1;
		snprintf(r.iface, sizeof(r.iface), "%s", lo->name);
		if (push4(t, &r) < 0)
			return -1;
	}
	f = fopen("/proc/net/route", "r");
	if (!f)
		return 0; /* no IPv4: an empty table, not an error */
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %lx %lx %lx %*d %*d %lu %lx", ifn, &dst,
		           &gw, &flags, &metric, &mask) != 6)
			continue;
		if (!(flags & RTF_UP) || (flags & RTF_REJECT))
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.iface, sizeof(r.iface), "%s", ifn);
		r.net = ntohl((uint32_t)dst);
		r.gw = ntohl((uint32_t)gw);
		r.mask = ntohl((uint32_t)mask);
		r.metric = (int)metric;
		r.src = src4_for(pk_intf_find(&t->intf, ifn), r.net, r.mask);
		if (push4(t, &r) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static bool is_linklocal6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_multicast6(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool is_loopback6(const uint8_t *a)
{
	static const uint8_t one[16] = {[15] = 1};

	return !memcmp(a, one, 16);
}

/* Addresses of `ifc` of the same scope as dst (scapy's candidate set). */
static int candidates6(const struct pk_intf *ifc, const uint8_t *dst,
                       struct pk_route6 *r)
{
	bool want_ll =
	    is_linklocal6(dst) || (is_multicast6(dst) && (dst[1] & 0x0f) <= 2);
	size_t k;

	for (k = 0; ifc && k < ifc->naddr; k++) {
		const uint8_t *a = ifc->addrs[k].addr;
		uint8_t(*n)[16];

		if (ifc->addrs[k].family != AF_INET6)
			continue;
		if (is_linklocal6(a) != want_ll || is_loopback6(a))
			continue;
		n = pk_xrealloc(r->cand, (r->ncand + 1) * 16);
		if (!n)
			return -1;
		r->cand = n;
		memcpy(n[r->ncand++], a, 16);
	}
	return 0;
}

static int hex16(const char *s, uint8_t *out)
{
	int i;

	for (i = 0; i < 16; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int load6(struct pk_rtable *t)
{
	char line[512], d[40], nh[40], ifn[PK_IFNAME_MAX];
	unsigned plen;
	unsigned long metric, flags;
	struct pk_route6 r, *n;
	FILE *f = fopen("/proc/net/ipv6_route", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%32s %x %*s %*s %32s %lx %*s %*s %lx %15s", d,
		           &plen, nh, &metric, &flags, ifn) != 6)
			continue;
		if (!(flags & RTF_UP) || (flags & RTF_REJECT))
			continue;
		memset(&r, 0, sizeof(r));
		if (hex16(d, r.dst) < 0 || hex16(nh, r.gw) < 0)
			continue;
		r.plen = (int)plen;
		r.metric = (int)metric;
		snprintf(r.iface, sizeof(r.iface), "%s", ifn);
		if (is_loopback6(r.dst) || !strcmp(ifn, "lo")) {
			static const uint8_t any[16];

			if (!memcmp(r.dst, any, 16))
				continue;
			r.cand = pk_xmalloc(16);
			if (!r.cand)
				goto oom;
			memset(r.cand[0], 0, 16);
			r.cand[0][15] = 1;
			r.ncand = 1;
		} else if (candidates6(pk_intf_find(&t->intf, ifn), r.dst, &r) <
		           0) {
			goto oom;
		}
		if (!r.ncand || is_multicast6(r.dst)) {
			pk_xfree(r.cand);
			continue;
		}
		n = pk_xrealloc(t->r6, (t->n6 + 1) * sizeof(*n));
		if (!n) {
			pk_xfree(r.cand);
			goto oom;
		}
		t->r6 = n;
		n[t->n6++] = r;
	}
	fclose(f);
	return 0;
oom:
	fclose(f);
	return -1;
}

int pk_rtable_load(struct pk_rtable *t, char *err)
{
	memset(t, 0, sizeof(*t));
	if (pk_intf_list_load(&t->intf, err) < 0)
		return -1;
	if (load4(t) < 0 || load6(t) < 0) {
		pk_rtable_release(t);
		snprintf(err, PK_NET_ERRBUF, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void pk_rtable_release(struct pk_rtable *t)
{
	size_t i;

	for (i = 0; i < t->n6; i++)
		pk_xfree(t->r6[i].cand);
	pk_xfree(t->r6);
	pk_xfree(t->r4);
	pk_intf_list_release(&t->intf);
	memset(t, 0, sizeof(*t));
}

void pk_rtable_default_iface(const struct pk_rtable *t, char *name)
{
	const struct pk_route4 *best = NULL;
	size_t i;

	for (i = 0; i < t->n4; i++)
		if (t->r4[i].mask == 0 &&
		    (!best || t->r4[i].metric < best->metric))
			best = &t->r4[i];
	if (best) {
		snprintf(name, PK_IFNAME_MAX, "%s", best->iface);
		return;
	}
	for (i = 0; i < t->n6; i++)
		if (t->r6[i].plen == 0) {
			snprintf(name, PK_IFNAME_MAX, "%s", t->r6[i].iface);
			return;
		}
	/* no default route (a test namespace): the loopback, as scapy */
	for (i = 0; i < t->intf.n; i++)
		if (t->intf.v[i].loopback) {
			snprintf(name, PK_IFNAME_MAX, "%s", t->intf.v[i].name);
			return;
		}
	snprintf(name, PK_IFNAME_MAX, "lo");
}

static bool prefix6_match(const uint8_t *a, const uint8_t *net, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, net, (size_t)full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (a[full] & m) == (net[full] & m);
	}
	return true;
}

void pk_ifname_copy(char dst[PK_IFNAME_MAX], const char *src)
{
	size_t n = strnlen(src, PK_IFNAME_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void fill_iface(const struct pk_rtable *t, struct pk_nexthop *out)
{
	const struct pk_intf *i = pk_intf_find(&t->intf, out->iface);

	out->ifindex = i ? i->index : 0;
}

void pk_rtable_lookup(const struct pk_rtable *t, int family, const uint8_t *dst,
                      struct pk_nexthop *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->family = family;
	out->local = pk_intf_is_local(&t->intf, family, dst);
	if (family == AF_INET) {
		const struct pk_route4 *best = NULL;
		int bestlen = -1;
		uint32_t d;

		memcpy(&d, dst, 4);
		d = ntohl(d);
		for (i = 0; i < t->n4; i++) {
			const struct pk_route4 *r = &t->r4[i];
			int len = __builtin_popcount(r->mask);

			/* a route added as "198.18.5.1/24" keeps its host
			 * bits (scapy prints them), so mask both sides */
			if ((d & r->mask) != (r->net & r->mask))
				continue;
			if (len > bestlen ||
			    (len == bestlen && r->metric < best->metric)) {
				best = r;
				bestlen = len;
			}
		}
		if (!best) {
			pk_ifname_copy(out->iface, "lo");
			fill_iface(t, out);
			return;
		}
		out->found = true;
		pk_ifname_copy(out->iface, best->iface);
		d = htonl(best->src);
		memcpy(out->src, &d, 4);
		d = htonl(best->gw);
		memcpy(out->gw, &d, 4);
		fill_iface(t, out);
		return;
	} else {
		const struct pk_route6 *best = NULL;

		if (is_multicast6(dst)) {
			char ifn[PK_IFNAME_MAX];
			const struct pk_intf *ifc;
			struct pk_route6 tmp;

			/* no route covers multicast: scapy sends it on
			 * conf.iface from the address of matching scope.
			 * Without a default route that is loopback, where
			 * no neighbour listens: take the first interface
			 * that can answer instead */
			pk_rtable_default_iface(t, ifn);
			memset(&tmp, 0, sizeof(tmp));
			ifc = pk_intf_find(&t->intf, ifn);
			for (i = 0; ifc && ifc->loopback && i < t->intf.n;
			     i++) {
				const struct pk_intf *x = &t->intf.v[i];

				if (x->up && !x->loopback &&
				    pk_intf_addr(x, AF_INET6)) {
					ifc = x;
					snprintf(ifn, sizeof(ifn), "%s",
					         x->name);
				}
			}
			pk_ifname_copy(out->iface, ifn);
			if (candidates6(ifc, dst, &tmp) == 0 && tmp.ncand) {
				memcpy(out->src, tmp.cand[0], 16);
				out->found = true;
			}
			pk_xfree(tmp.cand);
			fill_iface(t, out);
			return;
		}
		for (i = 0; i < t->n6; i++) {
			const struct pk_route6 *r = &t->r6[i];

			if (!prefix6_match(dst, r->dst, r->plen))
				continue;
			if (!best || r->plen > best->plen ||
			    (r->plen == best->plen && r->metric < best->metric))
				best = r;
		}
		if (!best) {
			pk_ifname_copy(out->iface, "lo");
			fill_iface(t, out);
			return;
		}
		out->found = true;
		pk_ifname_copy(out->iface, best->iface);
		memcpy(out->src, best->cand[0], 16);
		memcpy(out->gw, best->gw, 16);
		fill_iface(t, out);
	}
}

int pk_rtable_add4(struct pk_rtable *t, const struct pk_route4 *r)
{
	return push4(t, r);
}

int pk_rtable_del4(struct pk_rtable *t, const struct pk_route4 *r)
{
	size_t i;

	for (i = 0; i < t->n4; i++) {
		const struct pk_route4 *x = &t->r4[i];

		if (x->net == r->net && x->mask == r->mask && x->gw == r->gw &&
		    x->src == r->src && x->metric == r->metric &&
		    !strcmp(x->iface, r->iface)) {
			memmove(&t->r4[i], &t->r4[i + 1],
			        (t->n4 - i - 1) * sizeof(*x));
			t->n4--;
			return 1;
		}
	}
	return 0;
}

static void swap_rows(const char **cells, size_t ncol, size_t a, size_t b)
{
	size_t c;

	for (c = 0; c < ncol; c++) {
		const char *x = cells[a * ncol + c];

		cells[a * ncol + c] = cells[b * ncol + c];
		cells[b * ncol + c] = x;
	}
}

void pk_net_pretty_table(struct pk_buf *out, const char **cells, size_t nrows,
                         size_t ncol, size_t sortby)
{
	size_t r, c, w[16] = {0};

	/* insertion sort is stable, as Python's sort; sortby >= ncol: none */
	for (r = 2; sortby < ncol && r < nrows; r++) {
		size_t k = r;

		while (k > 1 && strcmp(cells[(k - 1) * ncol + sortby],
		                       cells[k * ncol + sortby]) > 0) {
			swap_rows(cells, ncol, k - 1, k);
			k--;
		}
	}
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncol && c < 16; c++)
			if (strlen(cells[r * ncol + c]) > w[c])
				w[c] = strlen(cells[r * ncol + c]);
	for (r = 0; r < nrows; r++) {
		if (r)
			pk_buf_addch(out, '\n');
		for (c = 0; c < ncol && c < 16; c++) {
			const char *s = cells[r * ncol + c];

			if (c)
				pk_buf_addstr(out, "  ");
			pk_buf_addstr(out, s);
			pk_buf_addchars(out, ' ', w[c] - strlen(s));
		}
	}
}

static const char *ip4s(char (*pool)[48], size_t *np, uint32_t a)
{
	uint32_t n = htonl(a);

	inet_ntop(AF_INET, &n, pool[*np], 48);
	return pool[(*np)++];
}

void pk_rtable_format4(const struct pk_rtable *t, struct pk_buf *out)
{
	static const char *hdr[] = {"Network", "Netmask",   "Gateway",
	                            "Iface",   "Output IP", "Metric"};
	size_t nrows = t->n4 + 1, np = 0, r, c;
	const char **cells = pk_xcalloc(nrows * 6, sizeof(*cells));
	char(*pool)[48] = pk_xcalloc(t->n4 * 5 + 1, 48);

	if (!cells || !pool) {
		out->oom = 1;
		goto done;
	}
	for (c = 0; c < 6; c++)
		cells[c] = hdr[c];
	for (r = 0; r < t->n4; r++) {
		const struct pk_route4 *x = &t->r4[r];
		const char **row = &cells[(r + 1) * 6];

		row[0] = ip4s(pool, &np, x->net);
		row[1] = ip4s(pool, &np, x->mask);
		row[2] = ip4s(pool, &np, x->gw);
		row[3] = x->iface;
		row[4] = ip4s(pool, &np, x->src);
		snprintf(pool[np], 48, "%d", x->metric);
		row[5] = pool[np++];
	}
	pk_net_pretty_table(out, cells, nrows, 6, 0);
done:
	pk_xfree(cells);
	pk_xfree(pool);
}

void pk_rtable_format6(const struct pk_rtable *t, struct pk_buf *out)
{
	static const char *hdr[] = {"Destination", "Next Hop", "Iface",
	                            "Src candidates", "Metric"};
	size_t nrows = 1, np = 0, r, c, k, row;
	const char **cells;
	char(*pool)[48];

	for (r = 0; r < t->n6; r++)
		nrows += t->r6[r].ncand ? t->r6[r].ncand : 1;
	cells = pk_xcalloc(nrows * 5, sizeof(*cells));
	pool = pk_xcalloc(nrows * 5 + 1, 48);
	if (!cells || !pool) {
		out->oom = 1;
		goto done;
	}
	for (c = 0; c < 5; c++)
		cells[c] = hdr[c];
	/* sort the routes first (by next hop, as scapy), then expand the
	 * candidate lists into extra lines */
	{
		size_t *ord = pk_xcalloc(t->n6 + 1, sizeof(*ord));
		char(*nh)[48] = pk_xcalloc(t->n6 + 1, 48);

		if (!ord || !nh) {
			pk_xfree(ord);
			pk_xfree(nh);
			out->oom = 1;
			goto done;
		}
		for (r = 0; r < t->n6; r++) {
			ord[r] = r;
			inet_ntop(AF_INET6, t->r6[r].gw, nh[r], 48);
		}
		for (r = 1; r < t->n6; r++)
			for (k = r;
			     k > 0 && strcmp(nh[ord[k - 1]], nh[ord[k]]) > 0;
			     k--) {
				size_t x = ord[k];

				ord[k] = ord[k - 1];
				ord[k - 1] = x;
			}
		row = 1;
		for (r = 0; r < t->n6; r++) {
			const struct pk_route6 *x = &t->r6[ord[r]];
			const char **cl = &cells[row * 5];

			inet_ntop(AF_INET6, x->dst, pool[np], 48);
			snprintf(pool[np] + strlen(pool[np]),
			         48 - strlen(pool[np]), "/%d", x->plen);
			cl[0] = pool[np++];
			inet_ntop(AF_INET6, x->gw, pool[np], 48);
			cl[1] = pool[np++];
			cl[2] = x->iface;
			snprintf(pool[np], 48, "%d", x->metric);
			cl[4] = pool[np++];
			for (k = 0; k < x->ncand || k == 0; k++) {
				const char **ln = &cells[(row + k) * 5];

				if (k)
					for (c = 0; c < 5; c++)
						ln[c] = " ";
				if (k < x->ncand) {
					inet_ntop(AF_INET6, x->cand[k],
					          pool[np], 48);
					ln[3] = pool[np++];
				} else {
					ln[3] = " ";
				}
			}
			row += x->ncand ? x->ncand : 1;
		}
		pk_xfree(ord);
		pk_xfree(nh);
	}
	/* already sorted: sorting the expanded lines would move them */
	pk_net_pretty_table(out, cells, nrows, 5, 5);
done:
	pk_xfree(cells);
	pk_xfree(pool);
}
