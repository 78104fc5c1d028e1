/*
 * intf.c - the host's interfaces, their addresses and MACs, via libdnet.
 *
 * libdnet's intf handle caches state between calls (after the first
 * intf_get_dst() it keeps answering with the same source address), so
 * every load opens a fresh handle and closes it again.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include PKTSH_DNET_HEADER

#include "pktsh/alloc.h"
#include "netio.h"

struct load_ctx {
	struct pk_intf_list *l;
	int oom;
};

static int add_addr(struct pk_intf *i, const struct addr *a)
{
	struct pk_ifaddr *na, *x;

	if (a->addr_type != ADDR_TYPE_IP && a->addr_type != ADDR_TYPE_IP6)
		return 0;
	na = pk_xrealloc(i->addrs, (i->naddr + 1) * sizeof(*na));
	if (!na)
		return -1;
	i->addrs = na;
	x = &na[i->naddr++];
	memset(x, 0, sizeof(*x));
	if (a->addr_type == ADDR_TYPE_IP) {
		x->family = AF_INET;
		memcpy(x->addr, &a->addr_ip, 4);
	} else {
		x->family = AF_INET6;
		memcpy(x->addr, &a->addr_ip6, 16);
	}
	x->plen = a->addr_bits;
	return 0;
}

static int load_one(const struct intf_entry *e, void *arg)
{
	struct load_ctx *c = arg;
	struct pk_intf_list *l = c->l;
	struct pk_intf *nv, *i;
	unsigned k;

	nv = pk_xrealloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		goto oom;
	l->v = nv;
	i = &nv[l->n++];
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", e->intf_name);
	i->index = (int)if_nametoindex(e->intf_name);
	i->mtu = e->intf_mtu;
	i->up = (e->intf_flags & INTF_FLAG_UP) != 0;
	i->loopback = (e->intf_flags & INTF_FLAG_LOOPBACK) != 0 ||
	              e->intf_type == INTF_TYPE_LOOPBACK;
	if (e->intf_link_addr.addr_type == ADDR_TYPE_ETH) {
		i->has_mac = true;
		memcpy(i->mac, &e->intf_link_addr.addr_eth, 6);
	}
	/* IPv4 first, the primary address first: get_if_addr() takes it */
	if (e->intf_addr.addr_type == ADDR_TYPE_IP &&
	    add_addr(i, &e->intf_addr) < 0)
		goto oom;
	for (k = 0; k < e->intf_alias_num; k++)
		if (e->intf_alias_addrs[k].addr_type == ADDR_TYPE_IP &&
		    add_addr(i, &e->intf_alias_addrs[k]) < 0)
			goto oom;
	for (k = 0; k < e->intf_alias_num; k++)
		if (e->intf_alias_addrs[k].addr_type == ADDR_TYPE_IP6 &&
		    add_addr(i, &e->intf_alias_addrs[k]) < 0)
			goto oom;
	return 0;
oom:
	c->oom = 1;
	return -1;
}

int pk_intf_list_load(struct pk_intf_list *l, char *err)
{
	struct load_ctx c = {l, 0};
	intf_t *h;
	int r;

	l->n = 0;
	l->v = NULL;
	h = intf_open();
	if (!h) {
		snprintf(err, PK_NET_ERRBUF, "cannot list interfaces: %s",
		         strerror(errno));
		return -1;
	}
	r = intf_loop(h, load_one, &c);
	intf_close(h);
	if (c.oom) {
		pk_intf_list_release(l);
		snprintf(err, PK_NET_ERRBUF, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	if (r < 0 && l->n == 0) {
		snprintf(err, PK_NET_ERRBUF, "cannot list interfaces: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

void pk_intf_list_release(struct pk_intf_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		pk_xfree(l->v[i].addrs);
	pk_xfree(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct pk_intf *pk_intf_find(const struct pk_intf_list *l,
                                   const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

const struct pk_ifaddr *pk_intf_addr(const struct pk_intf *i, int family)
{
	size_t k;

	for (k = 0; k < i->naddr; k++)
		if (i->addrs[k].family == family)
			return &i->addrs[k];
	return NULL;
}

bool pk_intf_is_local(const struct pk_intf_list *l, int family,
                      const uint8_t *addr)
{
	size_t i, k, n = family == AF_INET ? 4 : 16;

	for (i = 0; i < l->n; i++)
		for (k = 0; k < l->v[i].naddr; k++)
			if (l->v[i].addrs[k].family == family &&
			    !memcmp(l->v[i].addrs[k].addr, addr, n))
				return true;
	return false;
}
