/*
 * registry.c - THE list of built-in protocol files (tcpdump's printers[]):
 * adding a protocol file is one line here (its pk_layers_<file> array).
 */
#include "engine.h"

extern const struct pk_proto *const pk_layers_ether[],
    *const pk_layers_raw[], *const pk_layers_arp[],
                                *const pk_layers_ip[],
                                    *const pk_layers_tcp[],
                                        *const pk_layers_udp[],
                                            *const pk_layers_icmp[],
                                                *const pk_layers_ipv6[],
                                                    *const pk_layers_icmpv6[],
                                                        *const pk_layers_dns[];

size_t pk_builtin_lists(const struct pk_proto *const *const **out)
{
	static const struct pk_proto *const *lists[10];
	size_t n = 0;

	/* order matters: binding rows register in this order, and the first
	 * matching row picks the payload class */
	lists[n++] = pk_layers_raw;
	lists[n++] = pk_layers_ether;
	lists[n++] = pk_layers_arp;
	lists[n++] = pk_layers_ip;
	lists[n++] = pk_layers_tcp;
	lists[n++] = pk_layers_udp;
	lists[n++] = pk_layers_icmp;
	lists[n++] = pk_layers_ipv6;
	lists[n++] = pk_layers_icmpv6;
	lists[n++] = pk_layers_dns;
	*out = (const struct pk_proto *const *const *)lists;
	return n;
}

/* Not a class: pk_packet_dissect() reads the version nibble and starts
 * with IP or IPv6 (DLT_RAW carries both). */
const struct pk_proto pk_proto_rawip = {
    .name = "RawIP",
    .title = "Raw IP",
};

const struct pk_proto *pk_proto_for_linktype(struct pk_vm *vm, int dlt)
{
	switch (dlt) {
	case 1: /* DLT_EN10MB */
		return &pk_proto_ether;
	case 0:   /* DLT_NULL */
	case 108: /* DLT_LOOP */
		return &pk_proto_loopback;
	case 101: /* DLT_RAW */
	case 12:
	case 14:
		return &pk_proto_rawip; /* IP or IPv6 by the version nibble */
	case 113:                       /* DLT_LINUX_SLL */
		return &pk_proto_cooked;
	case 276: /* DLT_LINUX_SLL2 */
		return &pk_proto_cooked2;
	default:
		return &pk_proto_raw;
	}
}

int pk_linktype_for_proto(const struct pk_proto *p)
{
	if (p == &pk_proto_ether || p == &pk_proto_dot1q ||
	    p == &pk_proto_dot1ad)
		return 1;
	if (p == &pk_proto_loopback)
		return 0;
	if (p == &pk_proto_cooked)
		return 113;
	if (p == &pk_proto_cooked2)
		return 276;
	if (p == &pk_proto_ip || p == &pk_proto_rawip ||
	    !__builtin_strcmp(p->name, "IPv6"))
		return 101;
	return 147; /* DLT_USER0 */
}
