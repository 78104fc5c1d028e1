/* services.h - the built-in port name tables (generated services.c). */
#ifndef PKTSH_SERVICES_H
#define PKTSH_SERVICES_H

#include "pktsh/proto.h"

extern const struct pk_enum pk_tcp_services;
extern const struct pk_enum pk_udp_services;

#endif
