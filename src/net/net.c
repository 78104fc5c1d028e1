/*
 * net.c - the net module in a VM: conf (iface, route, route6, verb,
 * checkIPaddr), get_if_*(), getmacbyip(), and the hooks through which the
 * packet engine fills unset source addresses from the routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktsh/alloc.h"
#include "pktsh/net.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"
#include "netvm.h"

static const int state_key;

static void state_free(void *p)
{
	struct pk_netstate *st = p;

	if (st->rt_loaded)
		pk_rtable_release(&st->rt);
	pk_decref(st->extra);
	pk_decref(st->conf);
	pk_decref(st->route);
	pk_decref(st->route6);
	pk_xfree(st);
}

static struct pk_netstate *raw_state(struct pk_vm *vm)
{
	return pk_vm_module_data(vm, &state_key);
}

static int load_routes(struct pk_vm *vm, struct pk_netstate *st)
{
	char err[PK_NET_ERRBUF];
	struct pk_rtable t;

	if (pk_rtable_load(&t, err) < 0) {
		if (errno == ENOMEM)
			return pk_raise_nomem(vm);
		return pk_raise(vm, &pk_exc_OSError, "%s", err);
	}
	if (st->rt_loaded)
		pk_rtable_release(&st->rt);
	st->rt = t;
	st->rt_loaded = true;
	st->last.valid = false;
	return 0;
}

void pk_net_route(struct pk_netstate *st, int family, const uint8_t *dst,
                  struct pk_nexthop *nh)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (st->last.valid && st->last.family == family &&
	    !memcmp(st->last.dst, dst, n)) {
		*nh = st->last.nh;
		return;
	}
	pk_rtable_lookup(&st->rt, family, dst, nh);
	st->last.valid = true;
	st->last.family = family;
	memcpy(st->last.dst, dst, n);
	st->last.nh = *nh;
}

struct pk_netstate *pk_net_state(struct pk_vm *vm)
{
	struct pk_netstate *st = raw_state(vm);

	if (!st) {
		pk_raise(vm, &pk_exc_RuntimeError, "net module not registered");
		return NULL;
	}
	if (!st->rt_loaded && load_routes(vm, st) < 0)
		return NULL;
	return st;
}

const struct pk_intf *
pk_net_find_iface(struct pk_vm *vm, struct pk_netstate *st, const char *name)
{
	const struct pk_intf *i = pk_intf_find(&st->rt.intf, name);

	if (!i && load_routes(vm, st) == 0)
		i = pk_intf_find(&st->rt.intf, name);
	return i; /* NULL: the caller raises, replacing any OSError */
}

const char *pk_net_iface(struct pk_vm *vm, struct pk_netstate *st)
{
	if (!st->iface[0])
		pk_rtable_default_iface(&st->rt, st->iface);
	return st->iface;
}

int pk_net_verbose(struct pk_vm *vm, struct pk_netstate *st, pk_val v,
                   const char *fname, int *out)
{
	int64_t x;

	if (pk_is_undef(v) || pk_is_none(v)) {
		*out = (int)st->verb;
		return 0;
	}
	if (pk_arg_int(vm, v, fname, "verbose", &x) < 0)
		return -1;
	*out = x > 100 ? 100 : x < 0 ? 0 : (int)x;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void suggest_iface(struct pk_netstate *st, const char *name,
                          struct pk_buf *b)
{
	struct pk_suggest s;
	size_t i;

	pk_suggest_init(&s, name);
	for (i = 0; i < st->rt.intf.n; i++)
		pk_suggest_add(&s, st->rt.intf.v[i].name);
	pk_suggest_finish(&s, b);
}

static int no_such_iface(struct pk_vm *vm, struct pk_netstate *st,
                         const struct pk_exctype *t, const char *name)
{
	struct pk_buf b = PK_BUF_INIT;
	int r;

	pk_buf_addf(&b, "no such interface '%s'", name);
	suggest_iface(st, name, &b);
	r = pk_raise(vm, t, "%s", b.buf);
	pk_buf_release(&b);
	return r;
}

int pk_net_io_error(struct pk_vm *vm, struct pk_netstate *st, const char *what,
                    const char *iface, int err, const char *msg, size_t len)
{
	if (err == EPERM || err == EACCES) {
		char exe[512];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n <= 0)
			snprintf(exe, sizeof(exe), "pktsh");
		else
			exe[n] = '\0';
		return pk_raise(
		    vm, &pk_exc_PermissionError,
		    "%s needs CAP_NET_RAW: run as root (sudo) or grant it with 'setcap cap_net_raw,cap_net_admin+eip %s'",
		    what, exe);
	}
	if (err == EMSGSIZE) {
		const struct pk_intf *i =
		    iface ? pk_intf_find(&st->rt.intf, iface) : NULL;

		if (i && i->mtu)
			return pk_raise(
			    vm, &pk_exc_OSError,
			    "packet of %zu bytes is larger than the MTU of '%s' (%u bytes): split it with fragment() or send less",
			    len, iface, i->mtu);
		return pk_raise(
		    vm, &pk_exc_OSError,
		    "packet of %zu bytes is larger than the MTU: split it with fragment() or send less",
		    len);
	}
	if (err == ENODEV && iface)
		return no_such_iface(vm, st, &pk_exc_OSError, iface);
	if (err == ENOMEM)
		return pk_raise_nomem(vm);
	if (iface)
		return pk_raise(vm, &pk_exc_OSError, "%s on '%s' failed: %s",
		                what, iface, msg);
	return pk_raise(vm, &pk_exc_OSError, "%s failed: %s", what, msg);
}

/* ------------------------------------------------------------------ */
/* Neighbour resolution with scapy's cache                              */

/*
 * PKTSH_OFFLINE=1 forbids the one packet pktsh would otherwise send on
 * its own: the ARP or neighbour request that resolves an unset Ether dst.
 * The test suite sets it for every test that runs outside the namespaces
 * it makes, so building a frame there can never reach a real network;
 * the kernel's cache and scapy's broadcast fallback still apply.
 */
static bool offline(void)
{
	const char *e = getenv("PKTSH_OFFLINE");

	return e && *e && strcmp(e, "0") != 0;
}

int pk_net_resolve_mac(struct pk_vm *vm, struct pk_netstate *st, int family,
                       const uint8_t *ip, uint8_t mac[6], bool quiet)
{
	static const uint8_t zero[16];
	size_t alen = family == AF_INET ? 4 : 16, i;
	const struct pk_intf *ifc;
	struct pk_nexthop nh;
	const uint8_t *hop = ip;
	struct pk_netio io;
	double now = pk_net_now();
	int r;

	if (family == AF_INET && ip[0] >= 224 && ip[0] < 240) {
		uint8_t m[6] = {0x01,  0x00, 0x5e, (uint8_t)(ip[1] & 0x7f),
		                ip[2], ip[3]};

		memcpy(mac, m, 6);
		return 1;
	}
	if (family == AF_INET6 && ip[0] == 0xff) {
		mac[0] = mac[1] = 0x33;
		memcpy(mac + 2, ip + 12, 4);
		return 1;
	}
	pk_rtable_lookup(&st->rt, family, ip, &nh);
	ifc = pk_intf_find(&st->rt.intf, nh.iface);
	if (!ifc || ifc->loopback || nh.local) {
		memset(mac, 0xff, 6);
		return 1;
	}
	if (family == AF_INET && (!memcmp(ip, "\xff\xff\xff\xff", 4))) {
		memset(mac, 0xff, 6);
		return 1;
	}
	if (memcmp(nh.gw, zero, alen))
		hop = nh.gw;
	for (i = 0; i < PK_ARP_SLOTS; i++) {
		struct pk_arp_slot *s = &st->arp[i];

		if (s->family == family && !memcmp(s->ip, hop, alen) &&
		    now - s->t < (s->neg ? PK_ARP_NEG_TTL : PK_ARP_TTL)) {
			memcpy(mac, s->mac, 6);
			return s->neg ? 0 : 1;
		}
	}
	r = 0;
	if (family == AF_INET && pk_neigh_cache4(hop, mac) == 0)
		r = 1;
	if (!r && ifc->has_mac && !offline()) {
		r = pk_neigh_ask(nh.iface, family, ifc->mac, nh.src, hop, 2.0,
		                 mac, &io);
		if (r < 0 && quiet)
			r = 0; /* crafting must not need privilege */
		if (r < 0)
			return pk_net_io_error(vm, st,
			                       "resolving a MAC address",
			                       nh.iface, io.err, io.errbuf, 0);
	}
	{
		/* failures are remembered briefly: building many frames for
		 * a silent host must not wait 2 s each */
		struct pk_arp_slot *s = &st->arp[st->arp_next++ % PK_ARP_SLOTS];

		s->neg = r == 0;
		s->family = family;
		memset(s->ip, 0, sizeof(s->ip));
		memcpy(s->ip, hop, alen);
		memcpy(s->mac, mac, 6);
		s->t = now;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* The engine's hooks: unset IP/IPv6 src and Ether addresses            */

static int hook_src(struct pk_vm *vm, int family, const uint8_t *dst,
                    uint8_t *src)
{
	struct pk_netstate *st = pk_net_state(vm);
	struct pk_nexthop nh;

	if (!st)
		return -1;
	pk_net_route(st, family, dst, &nh);
	if (!nh.found)
		return 1;
	memcpy(src, nh.src, family == AF_INET ? 4 : 16);
	return 0;
}

static int hook_src4(struct pk_vm *vm, void *ctx, const uint8_t dst[4],
                     uint8_t src[4])
{
	return hook_src(vm, AF_INET, dst, src);
}

static int hook_src6(struct pk_vm *vm, void *ctx, const uint8_t dst[16],
                     uint8_t src[16])
{
	return hook_src(vm, AF_INET6, dst, src);
}

static const uint8_t *field_bytes(const struct pk_layer *l, const char *name)
{
	int i = pk_proto_field_index(l->proto, name);

	/* an implicit set (dst="198.18.0.0/24") has no one address yet */
	return i < 0 || (l->st[i] & PK_FS_OBJ) ? NULL : l->f[i].b;
}

static int hook_ether(struct pk_vm *vm, void *ctx, const struct pk_layer *pay,
                      uint8_t src[6], uint8_t dst[6])
{
	struct pk_netstate *st = pk_net_state(vm);
	const char *name = pay ? pk_proto_name(pay->proto) : "";
	const struct pk_intf *ifc;
	struct pk_nexthop nh;
	const uint8_t *ip = NULL;
	int family = AF_INET, r;
	bool bcast = false;

	if (!st)
		return -1;
	if (!strcmp(name, "IP")) {
		ip = field_bytes(pay, "dst");
	} else if (!strcmp(name, "IPv6")) {
		ip = field_bytes(pay, "dst");
		family = AF_INET6;
	} else if (!strcmp(name, "ARP")) {
		ip = field_bytes(pay, "pdst");
		/* who-has goes to everybody */
		bcast = pk_layer_uint(
		            pay, pk_proto_field_index(pay->proto, "op")) == 1;
	}
	if (!ip) {
		ifc = pk_intf_find(&st->rt.intf, pk_net_iface(vm, st));
		if (ifc && ifc->has_mac)
			memcpy(src, ifc->mac, 6);
		else
			memset(src, 0, 6);
		if (dst)
			memset(dst, 0xff, 6);
		return 0;
	}
	pk_rtable_lookup(&st->rt, family, ip, &nh);
	ifc = pk_intf_find(&st->rt.intf, nh.iface);
	if (ifc && ifc->has_mac)
		memcpy(src, ifc->mac, 6);
	else
		memset(src, 0, 6);
	if (!dst)
		return 0;
	if (bcast) {
		memset(dst, 0xff, 6);
		return 0;
	}
	r = pk_net_resolve_mac(vm, st, family, ip, dst, true);
	if (r < 0)
		return -1;
	if (r == 0) {
		pk_vm_warn(
		    vm,
		    "Mac address to reach destination not found. Using broadcast.");
		memset(dst, 0xff, 6);
	}
	return 0;
}

static const struct pk_route_hooks route_hooks = {
    .src4 = hook_src4,
    .src6 = hook_src6,
    .ether = hook_ether,
    .ctx = NULL,
};

/* ------------------------------------------------------------------ */
/* conf.route and conf.route6                                           */

struct route_obj {
	struct pk_obj h;
	int family;
};

static void route_release(struct pk_obj *o)
{
	pk_xfree(o);
}

static int route_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct route_obj *r = (struct route_obj *)self.u.o;
	struct pk_netstate *st = pk_net_state(vm);

	if (!st)
		return -1;
	if (r->family == AF_INET)
		pk_rtable_format4(&st->rt, out);
	else
		pk_rtable_format6(&st->rt, out);
	return pk_buf_failed(out) ? pk_raise_nomem(vm) : 0;
}

static int parse_addr(struct pk_vm *vm, int family, pk_val v, const char *fname,
                      uint8_t *out)
{
	const char *s;
	size_t len;
	char tmp[64];
	char *slash;

	if (pk_arg_str(vm, v, fname, "dst", &s, &len) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(len < 63 ? len : 63), s);
	slash = strchr(tmp, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(family, tmp, out) != 1)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s: '%s' is not an %s address", fname, tmp,
		                family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

/* scapy's Route.route(): our own IPv4 addresses through loopback, and
 * a warning when nothing matches. */
static void scapy_route(struct pk_vm *vm, struct pk_netstate *st, int family,
                        const uint8_t *dst, struct pk_nexthop *nh)
{
	pk_rtable_lookup(&st->rt, family, dst, nh);
	if (nh->local && family == AF_INET) {
		/* scapy: our own IPv4 addresses are reached through
		 * loopback (its IPv6 table keeps them on their interface) */
		size_t i;

		for (i = 0; i < st->rt.intf.n; i++)
			if (st->rt.intf.v[i].loopback) {
				snprintf(nh->iface, sizeof(nh->iface), "%s",
				         st->rt.intf.v[i].name);
				break;
			}
		memcpy(nh->src, dst, 16);
		memset(nh->gw, 0, 16);
	}
	if (!nh->found && !nh->local) {
		pk_vm_warn(vm, "No route found%s",
		           family == AF_INET ? " (no default route?)"
		                             : " for IPv6 destination");
		snprintf(nh->iface, sizeof(nh->iface), "%s",
		         pk_net_iface(vm, st));
	}
}

static int route_route(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                       pk_val *out)
{
	static const char *const names[] = {"dst", "dev", "verbose"};
	struct route_obj *r = (struct route_obj *)self.u.o;
	struct pk_netstate *st = pk_net_state(vm);
	pk_val argv[3], t;
	uint8_t dst[16] = {0};
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	struct pk_nexthop nh;

	if (!st || pk_args_parse(vm, a, "route", names, 3, 0, argv) < 0)
		return -1;
	if (!pk_is_undef(argv[0]) && !pk_is_none(argv[0]) &&
	    parse_addr(vm, r->family, argv[0], "route", dst) < 0)
		return -1;
	scapy_route(vm, st, r->family, dst, &nh);
	inet_ntop(r->family, nh.src, s, sizeof(s));
	inet_ntop(r->family, nh.gw, g, sizeof(g));
	t = pk_tuple_new(vm, 3);
	if (pk_is_undef(t))
		return -1;
	pk_tuple_set_take(t, 0, pk_str_cstr(vm, nh.iface));
	pk_tuple_set_take(t, 1, pk_str_cstr(vm, s));
	pk_tuple_set_take(t, 2, pk_str_cstr(vm, g));
	if (pk_is_undef(pk_as_tuple(t)->items[0]) ||
	    pk_is_undef(pk_as_tuple(t)->items[1]) ||
	    pk_is_undef(pk_as_tuple(t)->items[2])) {
		pk_decref(t);
		return -1;
	}
	*out = t;
	return 0;
}

static int route_resync(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                        pk_val *out)
{
	struct pk_netstate *st = raw_state(vm);

	if (pk_args_parse(vm, a, "resync", NULL, 0, 0, NULL) < 0)
		return -1;
	if (load_routes(vm, st) < 0)
		return -1;
	*out = pk_none();
	return 0;
}

static bool given(pk_val v)
{
	return !pk_is_undef(v) && !pk_is_none(v);
}

/* "a.b.c.d/len" (net=) or "a.b.c.d" (host=, len 32) */
static int parse_net4(struct pk_vm *vm, pk_val v, const char *fname,
                      const char *pname, bool need_len, struct pk_route4 *r)
{
	const char *s, *slash;
	size_t len;
	char a[32];
	uint32_t n;
	int plen = 32;

	if (pk_arg_str(vm, v, fname, pname, &s, &len) < 0)
		return -1;
	slash = memchr(s, '/', len);
	if (need_len && !slash)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s: net '%.*s' has no prefix length (write "
		                "'%.*s/24')",
		                fname, (int)len, s, (int)len, s);
	if (slash) {
		const char *p = slash + 1, *end = s + len;

		plen = 0;
		if (p == end || end - p > 2)
			plen = -1;
		for (; p < end && plen >= 0; p++)
			plen = *p >= '0' && *p <= '9' ? plen * 10 + (*p - '0')
			                              : -1;
		if (plen < 0 || plen > 32)
			return pk_raise(vm, &pk_exc_ValueError,
			                "%s: bad prefix length in '%.*s'",
			                fname, (int)len, s);
		len = (size_t)(slash - s);
	}
	snprintf(a, sizeof(a), "%.*s", (int)(len < 31 ? len : 31), s);
	if (len > 31 || inet_pton(AF_INET, a, &n) != 1)
		return pk_raise(vm, &pk_exc_ValueError,
		                "%s: '%s' is not an IPv4 address", fname, a);
	r->net = ntohl(n);
	r->mask = plen ? ~0u << (32 - plen) : 0;
	return 0;
}

/*
 * scapy's Route.make_route(host=, net=, gw=, dev=, metric=1): without
 * dev, the interface and source are where the gateway (0.0.0.0 when not
 * given, as in scapy) is routed; with dev, its first IPv4 address.
 */
static int make_route4(struct pk_vm *vm, struct pk_netstate *st,
                       const struct pk_args *a, const char *fname,
                       struct pk_route4 *r)
{
	static const char *const names[] = {"host", "net", "gw", "dev",
	                                    "metric"};
	pk_val v[5];
	uint8_t gw[16] = {0};
	int64_t metric = 1;
	uint32_t x;

	memset(r, 0, sizeof(*r));
	if (pk_args_parse(vm, a, fname, names, 5, 0, v) < 0)
		return -1;
	if (given(v[0])) {
		if (parse_net4(vm, v[0], fname, "host", false, r) < 0)
			return -1;
		r->mask = 0xffffffffu;
	} else if (given(v[1])) {
		if (parse_net4(vm, v[1], fname, "net", true, r) < 0)
			return -1;
	} else {
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "%s() needs a host or a net: %s(net='198.18.5.0/24', gw='198.18.0.1')",
		    fname, fname);
	}
	if (given(v[2]) && parse_addr(vm, AF_INET, v[2], fname, gw) < 0)
		return -1;
	if (given(v[4]) && pk_arg_int(vm, v[4], fname, "metric", &metric) < 0)
		return -1;
	memcpy(&x, gw, 4);
	r->gw = ntohl(x);
	r->metric = (int)metric;
	if (given(v[3])) {
		const char *dev;
		size_t len;
		const struct pk_intf *ifc;
		const struct pk_ifaddr *ia;

		if (pk_arg_str(vm, v[3], fname, "dev", &dev, &len) < 0)
			return -1;
		ifc = pk_net_find_iface(vm, st, dev);
		if (!ifc)
			return no_such_iface(vm, st, &pk_exc_ValueError, dev);
		snprintf(r->iface, sizeof(r->iface), "%s", ifc->name);
		ia = pk_intf_addr(ifc, AF_INET);
		if (ia) {
			memcpy(&x, ia->addr, 4);
			r->src = ntohl(x);
		}
	} else {
		struct pk_nexthop nh;

		scapy_route(vm, st, AF_INET, gw, &nh);
		snprintf(r->iface, sizeof(r->iface), "%s", nh.iface);
		memcpy(&x, nh.src, 4);
		r->src = ntohl(x);
	}
	return 0;
}

static int route_add(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                     pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	struct pk_route4 r;

	if (!st || make_route4(vm, st, a, "add", &r) < 0)
		return -1;
	st->last.valid = false;
	if (pk_rtable_add4(&st->rt, &r) < 0)
		return pk_raise_nomem(vm);
	*out = pk_none();
	return 0;
}

static int route_delt(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                      pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	struct pk_route4 r;

	if (!st || make_route4(vm, st, a, "delt", &r) < 0)
		return -1;
	st->last.valid = false;
	if (!pk_rtable_del4(&st->rt, &r))
		return pk_raise(
		    vm, &pk_exc_ValueError,
		    "no matching route in conf.route (delt() compares every column, metric included)");
	*out = pk_none();
	return 0;
}

static const struct pk_method route_methods[] = {
    {"route", route_route,
     "route(dst) -> (iface, src, gateway): where a packet to dst leaves"},
    {"add", route_add,
     "add(host=None, net=None, gw=None, dev=None, metric=1): add a route to pktsh's table (not the kernel's)"},
    {"delt", route_delt,
     "delt(host=None, net=None, gw=None, dev=None, metric=1): remove the route add() would make"},
    {"resync", route_resync,
     "resync(): read the kernel's routes again (drops added routes)"},
    {NULL, NULL, NULL},
};

static const struct pk_method route6_methods[] = {
    {"route", route_route,
     "route(dst) -> (iface, src, gateway): where a packet to dst leaves"},
    {"resync", route_resync, "resync(): read the kernel's routes again"},
    {NULL, NULL, NULL},
};

static const struct pk_type route_type = {
    .name = "Route",
    .doc = "the IPv4 routing table (conf.route)",
    .release = route_release,
    .repr = route_repr,
    .methods = route_methods,
};

static const struct pk_type route6_type = {
    .name = "Route6",
    .doc = "the IPv6 routing table (conf.route6)",
    .release = route_release,
    .repr = route_repr,
    .methods = route6_methods,
};

/* ------------------------------------------------------------------ */
/* conf                                                                */

static void conf_release(struct pk_obj *o)
{
	pk_xfree(o);
}

static const char *const conf_names[] = {"checkIPaddr", "iface", "route",
                                         "route6", "verb"};

static int conf_getattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                        pk_val *out)
{
	struct pk_netstate *st = raw_state(vm);
	pk_val v;
	int r;

	if (!strcmp(name->s, "verb")) {
		*out = pk_int(st->verb);
		return 0;
	}
	if (!strcmp(name->s, "checkIPaddr")) {
		*out = pk_bool(st->checkIPaddr);
		return 0;
	}
	if (!strcmp(name->s, "route") || !strcmp(name->s, "route6")) {
		*out = pk_incref(name->s[5] ? st->route6 : st->route);
		return 0;
	}
	if (!strcmp(name->s, "iface")) {
		if (!pk_net_state(vm))
			return -1;
		*out = pk_str_cstr(vm, pk_net_iface(vm, st));
		return pk_is_undef(*out) ? -1 : 0;
	}
	r = pk_dict_get(vm, st->extra, pk_obj_take(name), &v);
	if (r < 0)
		return -1;
	if (r == 0)
		return PK_NOTIMPL;
	*out = pk_incref(v);
	return 0;
}

static int conf_setattr(struct pk_vm *vm, pk_val self, struct pk_str *name,
                        pk_val v)
{
	struct pk_netstate *st = raw_state(vm);

	if (!strcmp(name->s, "verb")) {
		int64_t x;

		if (pk_arg_int(vm, v, "conf", "verb", &x) < 0)
			return -1;
		st->verb = x;
		return 0;
	}
	if (!strcmp(name->s, "checkIPaddr")) {
		bool b;

		if (pk_truth(vm, v, &b) < 0)
			return -1;
		st->checkIPaddr = b;
		return 0;
	}
	if (!strcmp(name->s, "route") || !strcmp(name->s, "route6"))
		return pk_raise(
		    vm, &pk_exc_AttributeError,
		    "conf.%s cannot be replaced: use conf.%s.resync()", name->s,
		    name->s);
	if (!strcmp(name->s, "iface")) {
		const char *s;
		size_t len;

		if (!pk_net_state(vm))
			return -1;
		if (pk_arg_str(vm, v, "conf", "iface", &s, &len) < 0)
			return -1;
		if (len >= PK_IFNAME_MAX || !pk_intf_find(&st->rt.intf, s))
			return no_such_iface(vm, st, &pk_exc_ValueError, s);
		snprintf(st->iface, sizeof(st->iface), "%s", s);
		return 0;
	}
	if (pk_is_undef(v))
		return pk_dict_del(vm, st->extra, pk_obj_take(name));
	return pk_dict_set(vm, st->extra, pk_obj_take(name), v);
}

static void conf_attrnames(pk_val self, void (*add)(void *, const char *),
                           void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(conf_names) / sizeof(conf_names[0]); i++)
		add(ctx, conf_names[i]);
}

static int conf_repr(struct pk_vm *vm, pk_val self, struct pk_buf *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	size_t pos = 0;
	pk_val k, v;

	if (!st)
		return -1;
	pk_buf_addf(out, "checkIPaddr = %s\n",
	            st->checkIPaddr ? "True" : "False");
	pk_buf_addf(out, "iface       = '%s'\n", pk_net_iface(vm, st));
	pk_buf_addstr(out, "route       = <Route, see conf.route>\n");
	pk_buf_addstr(out, "route6      = <Route6, see conf.route6>\n");
	pk_buf_addf(out, "verb        = %lld", (long long)st->verb);
	while (pk_dict_next(st->extra, &pos, &k, &v)) {
		pk_buf_addf(out, "\n%-11s = ", pk_as_str(k)->s);
		if (pk_repr(vm, v, out) < 0)
			return -1;
	}
	return pk_buf_failed(out) ? pk_raise_nomem(vm) : 0;
}

static const struct pk_type conf_type = {
    .name = "Conf",
    .doc = "session configuration: iface, route, route6, verb, checkIPaddr",
    .release = conf_release,
    .repr = conf_repr,
    .getattr = conf_getattr,
    .setattr = conf_setattr,
    .attrnames = conf_attrnames,
};

/* ------------------------------------------------------------------ */
/* get_if_list(), get_if_addr(), get_if_hwaddr(), getmacbyip()          */

static int cmp_index(const void *a, const void *b)
{
	const struct pk_intf *x = *(const struct pk_intf *const *)a,
	                     *y = *(const struct pk_intf *const *)b;

	return (x->index > y->index) - (x->index < y->index);
}

static int bi_get_if_list(struct pk_vm *vm, pk_val self,
                          const struct pk_args *a, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	const struct pk_intf **v;
	pk_val l;
	size_t i, n;

	if (!st || pk_args_parse(vm, a, "get_if_list", NULL, 0, 0, NULL) < 0)
		return -1;
	/* fresh: interfaces come and go during a session */
	if (load_routes(vm, st) < 0)
		return -1;
	n = st->rt.intf.n;
	v = pk_xcalloc(n + 1, sizeof(*v));
	l = pk_list_new(vm, n);
	if (!v || pk_is_undef(l)) {
		pk_xfree(v);
		pk_decref(l);
		return pk_raise_nomem(vm);
	}
	for (i = 0; i < n; i++)
		v[i] = &st->rt.intf.v[i];
	qsort(v, n, sizeof(*v), cmp_index); /* kernel order, as scapy */
	for (i = 0; i < n; i++)
		if (pk_list_append_take(vm, l, pk_str_cstr(vm, v[i]->name)) <
		    0) {
			pk_xfree(v);
			pk_decref(l);
			return -1;
		}
	pk_xfree(v);
	*out = l;
	return 0;
}

static int iface_arg(struct pk_vm *vm, struct pk_netstate *st,
                     const struct pk_args *a, const char *fname,
                     const struct pk_intf **out)
{
	static const char *const names[] = {"iff"};
	pk_val argv[1];
	const char *s;
	size_t len;

	if (pk_args_parse(vm, a, fname, names, 1, 1, argv) < 0 ||
	    pk_arg_str(vm, argv[0], fname, "iff", &s, &len) < 0)
		return -1;
	*out = pk_intf_find(&st->rt.intf, s);
	if (!*out && load_routes(vm, st) == 0)
		*out = pk_intf_find(&st->rt.intf, s);
	if (!*out)
		return no_such_iface(vm, st, &pk_exc_OSError, s);
	return 0;
}

static int bi_get_if_addr(struct pk_vm *vm, pk_val self,
                          const struct pk_args *a, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	const struct pk_intf *i;
	const struct pk_ifaddr *x;
	char s[INET_ADDRSTRLEN] = "0.0.0.0";

	if (!st || iface_arg(vm, st, a, "get_if_addr", &i) < 0)
		return -1;
	x = pk_intf_addr(i, AF_INET);
	if (x)
		inet_ntop(AF_INET, x->addr, s, sizeof(s));
	*out = pk_str_cstr(vm, s);
	return pk_is_undef(*out) ? -1 : 0;
}

static int bi_get_if_addr6(struct pk_vm *vm, pk_val self,
                           const struct pk_args *a, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	const struct pk_intf *i;
	char s[INET6_ADDRSTRLEN];
	size_t k;

	if (!st || iface_arg(vm, st, a, "get_if_addr6", &i) < 0)
		return -1;
	/* scapy prefers a global address */
	for (k = 0; k < i->naddr; k++)
		if (i->addrs[k].family == AF_INET6 &&
		    !(i->addrs[k].addr[0] == 0xfe &&
		      (i->addrs[k].addr[1] & 0xc0) == 0x80)) {
			inet_ntop(AF_INET6, i->addrs[k].addr, s, sizeof(s));
			*out = pk_str_cstr(vm, s);
			return pk_is_undef(*out) ? -1 : 0;
		}
	*out = pk_none();
	return 0;
}

static pk_val mac_str(struct pk_vm *vm, const uint8_t *m)
{
	return pk_str_fmt(vm, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	                  m[3], m[4], m[5]);
}

static int bi_get_if_hwaddr(struct pk_vm *vm, pk_val self,
                            const struct pk_args *a, pk_val *out)
{
	struct pk_netstate *st = pk_net_state(vm);
	static const uint8_t zero[6];
	const struct pk_intf *i;

	if (!st || iface_arg(vm, st, a, "get_if_hwaddr", &i) < 0)
		return -1;
	*out = mac_str(vm, i->has_mac ? i->mac : zero);
	return pk_is_undef(*out) ? -1 : 0;
}

static int getmac(struct pk_vm *vm, const struct pk_args *a, const char *fname,
                  int family, pk_val *out)
{
	static const char *const names[] = {"ip", "chainCC"};
	struct pk_netstate *st = pk_net_state(vm);
	pk_val argv[2];
	uint8_t ip[16], mac[6];
	int r;

	if (!st || pk_args_parse(vm, a, fname, names, 2, 1, argv) < 0 ||
	    parse_addr(vm, family, argv[0], fname, ip) < 0)
		return -1;
	r = pk_net_resolve_mac(vm, st, family, ip, mac, false);
	if (r < 0)
		return -1;
	if (r == 0) {
		*out = pk_none();
		return 0;
	}
	*out = mac_str(vm, mac);
	return pk_is_undef(*out) ? -1 : 0;
}

static int bi_getmacbyip(struct pk_vm *vm, pk_val self, const struct pk_args *a,
                         pk_val *out)
{
	return getmac(vm, a, "getmacbyip", AF_INET, out);
}

static int bi_getmacbyip6(struct pk_vm *vm, pk_val self,
                          const struct pk_args *a, pk_val *out)
{
	return getmac(vm, a, "getmacbyip6", AF_INET6, out);
}

static const struct pk_method net_builtins[] = {
    {"get_if_list", bi_get_if_list,
     "get_if_list() -> list: the names of the interfaces"},
    {"get_if_addr", bi_get_if_addr,
     "get_if_addr(iff) -> str: the IPv4 address of an interface"},
    {"get_if_addr6", bi_get_if_addr6,
     "get_if_addr6(iff) -> str: the global IPv6 address of an interface"},
    {"get_if_hwaddr", bi_get_if_hwaddr,
     "get_if_hwaddr(iff) -> str: the MAC address of an interface"},
    {"getmacbyip", bi_getmacbyip,
     "getmacbyip(ip) -> str: the MAC to reach ip (ARP cache, then ARP request), or None"},
    {"getmacbyip6", bi_getmacbyip6,
     "getmacbyip6(ip6) -> str: the MAC to reach ip6 (Neighbor Solicitation), or None"},
    {NULL, NULL, NULL},
};

static pk_val new_route(struct pk_vm *vm, const struct pk_type *t, int family)
{
	struct route_obj *r = pk_obj_alloc(t, sizeof(*r));

	if (!r)
		return pk_undef();
	r->family = family;
	return pk_obj_take(r);
}

void pk_net_set_progress(struct pk_vm *vm, pk_write_fn fn, void *ctx)
{
	struct pk_netstate *st = raw_state(vm);

	if (st) {
		st->progress = fn;
		st->progress_ctx = ctx;
	}
}

int pk_net_register(struct pk_vm *vm)
{
	struct pk_netstate *st = pk_xcalloc(1, sizeof(*st));
	struct pk_obj *c;

	if (!st)
		return pk_raise_nomem(vm);
	st->verb = 2;
	st->checkIPaddr = true;
	st->extra = pk_dict_new(vm);
	st->route = new_route(vm, &route_type, AF_INET);
	st->route6 = new_route(vm, &route6_type, AF_INET6);
	c = pk_obj_alloc(&conf_type, sizeof(*c));
	st->conf = c ? pk_obj_take(c) : pk_undef();
	if (pk_is_undef(st->extra) || pk_is_undef(st->route) ||
	    pk_is_undef(st->route6) || pk_is_undef(st->conf)) {
		state_free(st);
		return pk_raise_nomem(vm);
	}
	if (pk_vm_set_module_data(vm, &state_key, st, state_free) < 0) {
		state_free(st);
		return -1;
	}
	if (pk_vm_set_global(vm, "conf", st->conf) < 0 ||
	    pk_vm_add_builtins(vm, net_builtins) < 0 ||
	    pk_vm_add_builtins(vm, pk_net_sr_builtins) < 0)
		return -1;
	pk_packet_set_route_hooks(vm, &route_hooks);
	return 0;
}
