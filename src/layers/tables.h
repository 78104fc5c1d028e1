/* tables.h - enum tables shared by the layer files (generated tables.c). */
#ifndef PKTSH_LAYERS_TABLES_H
#define PKTSH_LAYERS_TABLES_H

#include <stddef.h>

#include "pktsh/proto.h"

extern const struct pk_enum pk_ether_types, pk_ip_protos, pk_icmp_types,
    pk_arp_ops;
/* ICMP codes for a type, or NULL. */
const struct pk_enum *pk_icmp_codes(unsigned type);

#endif
