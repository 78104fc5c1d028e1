/*
 * net.h - interfaces, routes and live I/O: send, sendp, sr*, conf.
 *
 * The module's internals (backends, matcher, send/receive loop) are in
 * src/net/netio.h; docs/sendrecv.md explains how they fit.
 */
#ifndef PKTSH_NET_H
#define PKTSH_NET_H

#include "pktsh/vm.h"

/*
 * Register in a VM: `conf` (iface, route, route6, verb, checkIPaddr),
 * send/sendp/sr/sr1/srp/srp1, get_if_list/get_if_addr/get_if_addr6/
 * get_if_hwaddr, getmacbyip/getmacbyip6; and install the packet engine's
 * route hooks, which fill unset IP/IPv6 sources and Ether addresses from
 * the routing table. (sniff() belongs to the capture module.)
 */
int pk_net_register(struct pk_vm *vm);

/*
 * Give sr()/srp() a stream for a live progress line (sent, answered,
 * rate) while they send: at most ten updates a second, each starting
 * with "\r", the line erased (blanks, then "\r") before "Finished
 * sending", so the scapy text printed through pk_vm_write is unchanged.
 * Shown only when verbose is on. The core knows nothing of terminals:
 * the shell calls this when stderr is a tty and leaves it unset (NULL,
 * the default) for pipes and files. Call after pk_net_register().
 */
void pk_net_set_progress(struct pk_vm *vm, pk_write_fn fn, void *ctx);

#endif
