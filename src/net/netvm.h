/*
 * netvm.h - the net module's state in a VM, shared by net.c (conf,
 * interfaces, routes, address hooks) and sendrecv.c (the builtins).
 */
#ifndef PKTSH_NET_NETVM_H
#define PKTSH_NET_NETVM_H

#include "pktsh/value.h"
#include "pktsh/vm.h"
#include "netio.h"

struct pk_vm;

struct pk_arp_slot {
	int family;
	uint8_t ip[16];
	uint8_t mac[6];
	bool neg; /* nobody answered */
	double t;
};

#define PK_ARP_SLOTS   64
#define PK_ARP_TTL     120.0 /* seconds, as scapy's conf.netcache.arp_cache */
#define PK_ARP_NEG_TTL 10.0

struct pk_netstate {
	struct pk_rtable rt;
	bool rt_loaded;
	char iface[PK_IFNAME_MAX]; /* conf.iface; "" until routes load */
	int64_t verb;
	bool checkIPaddr;
	pk_val extra; /* dict: attributes other modules or users add to conf */
	pk_val conf, route, route6;
	struct pk_arp_slot arp[PK_ARP_SLOTS];
	size_t arp_next;
	pk_write_fn progress; /* live sr() progress (pk_net_set_progress) */
	void *progress_ctx;
	/* the last route looked up (pk_net_route); forgotten whenever the
	 * table changes */
	struct {
		bool valid;
		int family;
		uint8_t dst[16];
		struct pk_nexthop nh;
	} last;
};

/* The VM's net state, routes loaded (OSError if they cannot be read). */
struct pk_netstate *pk_net_state(struct pk_vm *vm);
/*
 * pk_rtable_lookup() on the VM's table, remembering the last answer: a
 * set's packets (65535 probes to one host) ask for the same destination
 * one after the other.
 */
void pk_net_route(struct pk_netstate *st, int family, const uint8_t *dst,
                  struct pk_nexthop *nh);
/* An interface by name, reading the interfaces again if it is not known
 * (it may have appeared since), or NULL. */
const struct pk_intf *
pk_net_find_iface(struct pk_vm *vm, struct pk_netstate *st, const char *name);
/* conf.iface, resolved. */
const char *pk_net_iface(struct pk_vm *vm, struct pk_netstate *st);
/* A verbose= argument (UNDEF: conf.verb) as an int. */
int pk_net_verbose(struct pk_vm *vm, struct pk_netstate *st, pk_val v,
                   const char *fname, int *out);
/*
 * The MAC to reach `ip` (scapy's getmacbyip): the next hop's, from the
 * cache, the kernel's ARP table, or a request on the wire. 1 found,
 * 0 unknown, -1 error (exception set). `quiet`: a request that cannot
 * be made (no privilege) counts as unknown, for the build hooks.
 */
int pk_net_resolve_mac(struct pk_vm *vm, struct pk_netstate *st, int family,
                       const uint8_t *ip, uint8_t mac[6], bool quiet);
/* Raise the exception for a failed I/O open or send (PermissionError
 * naming the capability, OSError explaining EMSGSIZE). `what` is
 * "sending" or "receiving". Returns -1. */
int pk_net_io_error(struct pk_vm *vm, struct pk_netstate *st, const char *what,
                    const char *iface, int err, const char *msg, size_t len);

/* The send/receive builtins (sendrecv.c). */
extern const struct pk_method pk_net_sr_builtins[];

#endif
