/*
 * packet.h - packets as values: the layer engine's public face.
 *
 * A packet is a linked list of layer instances (Ether -> IP -> TCP -> Raw),
 * each an instance of a protocol (struct pk_proto), itself a table of
 * fields. This header is what the rest of pktsh (I/O, capture files, the
 * shell) uses; the field tables and the engine's internals are declared in
 * include/pktsh/proto.h.
 *
 * Ownership follows value.h: packet values are ordinary refcounted pk_val
 * objects.
 */
#ifndef PKTSH_PACKET_H
#define PKTSH_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/value.h"
#include "pktsh/volatile.h" /* field values may be volatile */

struct pk_vm;
struct pk_proto;

/* Register the layer classes, ls(), hexdump() and friends in a VM. */
int pk_packet_register(struct pk_vm *vm);

/* The type of packet values, and of layer classes (IP, TCP, ...). */
extern const struct pk_type pk_type_packet;
extern const struct pk_type pk_type_proto;
static inline bool pk_is_packet(pk_val v)
{
	return pk_is_type(v, &pk_type_packet);
}

/* A layer class by scapy name ("IP", "Ether"), or NULL. */
const struct pk_proto *pk_proto_find(struct pk_vm *vm, const char *name);
const char *pk_proto_name(const struct pk_proto *p);

/*
 * The first layer for a libpcap link type (DLT_EN10MB -> Ether,
 * DLT_RAW -> IP or IPv6 by version nibble, DLT_LINUX_SLL -> CookedLinux,
 * DLT_NULL -> Loopback...). Unknown link types dissect as Raw.
 */
const struct pk_proto *pk_proto_for_linktype(struct pk_vm *vm, int dlt);
/* The link type to write for a packet whose first layer is p. */
int pk_linktype_for_proto(const struct pk_proto *p);

/*
 * Dissect bytes into a new packet value starting at layer `first`. Never
 * fails on bad bytes (what cannot be parsed becomes Raw); -1 only on OOM.
 * The packet may dissect lazily: the bytes are copied and fields decoded
 * when first read.
 */
int pk_packet_dissect(struct pk_vm *vm, const struct pk_proto *first,
                      const void *data, size_t len, pk_val *out);

/*
 * Build the wire bytes of one packet (not a set: see pk_packet_expand),
 * computing every field the user left unset, and append them to `out`.
 * -1 with an exception (ValueError naming layer and field) on failure.
 */
int pk_packet_build(struct pk_vm *vm, pk_val pkt, struct pk_buf *out);

/* Number of packets an implicit set stands for (1 for a plain packet). */
int pk_packet_count(struct pk_vm *vm, pk_val pkt, uint64_t *out);
/*
 * Call cb once per packet of the implicit set, in scapy's order (the
 * lower layer is the outer loop; within a layer the earlier field varies
 * fastest). `one` is borrowed for the duration of the call. cb returns
 * 0 to go on, 1 to stop, -1 on error.
 */
int pk_packet_expand(struct pk_vm *vm, pk_val pkt,
                     int (*cb)(struct pk_vm *vm, pk_val one, void *ctx),
                     void *ctx);

/*
 * Whether x (a packet, or a list of packets) holds a volatile value
 * (RandShort() and the like) anywhere, so that each build draws anew:
 * send(count=) builds such packets again for every round, as scapy.
 */
bool pk_packet_is_volatile(pk_val x);

/* Capture or send time (seconds since the epoch), 0 if never set. */
double pk_packet_time(pk_val pkt);
void pk_packet_set_time(pk_val pkt, double t);
/* Sent time of the probe a reply answers (scapy's sent_time). */

/* Layer queries. */
bool pk_packet_haslayer(struct pk_vm *vm, pk_val pkt, const struct pk_proto *p);
/* The first layer's protocol. */
const struct pk_proto *pk_packet_first_proto(struct pk_vm *vm, pk_val pkt);

/* p.summary(), as scapy prints it. */
int pk_packet_summary(struct pk_vm *vm, pk_val pkt, struct pk_buf *out);

/*
 * Reply matching, scapy's hashret()/answers(). The hash is written as
 * bytes to `key`: a probe and every reply that may answer it have the same
 * key. answers() then decides.
 */
int pk_packet_hashret(struct pk_vm *vm, pk_val pkt, struct pk_buf *key);
int pk_packet_answers(struct pk_vm *vm, pk_val reply, pk_val probe, bool *out);

/* For a summary of a result list: which of TCP/UDP/ICMP (or Other) a
 * packet counts as in `<Sniffed: TCP:n UDP:n ICMP:n Other:n>`. */
enum pk_pkt_class { PK_CLASS_TCP, PK_CLASS_UDP, PK_CLASS_ICMP, PK_CLASS_OTHER };
enum pk_pkt_class pk_packet_class(struct pk_vm *vm, pk_val pkt);

#endif
