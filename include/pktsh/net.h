/*
 * net.h - interfaces, routes and live I/O: send, sendp, sr*, conf.
 *
 * The module's internals (backends, matcher, send/receive loop) are in
 * src/net/netio.h; docs/sendrecv.md explains how they fit.
 */
#ifndef PKTSH_NET_H
#define PKTSH_NET_H

struct pk_vm;

/*
 * Register in a VM: `conf` (iface, route, route6, verb, checkIPaddr),
 * send/sendp/sr/sr1/srp/srp1, get_if_list/get_if_addr/get_if_addr6/
 * get_if_hwaddr, getmacbyip/getmacbyip6; and install the packet engine's
 * route hooks, which fill unset IP/IPv6 sources and Ether addresses from
 * the routing table. (sniff() belongs to the capture module.)
 */
int pk_net_register(struct pk_vm *vm);

#endif
