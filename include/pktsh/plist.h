/*
 * plist.h - packet lists: PacketList (rdpcap, sniff, unans) and
 * SndRcvList (the answered pairs of sr()).
 *
 * A PacketList has a name used by its repr: "<Sniffed: TCP:1 UDP:0 ICMP:0
 * Other:0>", "<Unanswered: ...>", "<Results: ...>" (scapy's `res` name).
 */
#ifndef PKTSH_PLIST_H
#define PKTSH_PLIST_H

#include "pktsh/value.h"

struct pk_vm;

extern const struct pk_type pk_type_plist;
extern const struct pk_type pk_type_sndrcv;

/* A new empty list named `name` ("PacketList", "Sniffed", "Unanswered"). */
pk_val pk_plist_new(struct pk_vm *vm, const char *name);
int pk_plist_append(struct pk_vm *vm, pk_val plist, pk_val pkt); /* borrowed */
int64_t pk_plist_len(pk_val plist);
pk_val pk_plist_get(pk_val plist, int64_t i); /* borrowed */
/* The name its repr shows ("Sniffed"). Borrowed. */
const char *pk_plist_name(pk_val plist);

/* Answered pairs: "<Results: ...>". */
pk_val pk_sndrcv_new(struct pk_vm *vm, const char *name);
/* Appends the tuple (sent, recv); both borrowed. Works on a list from
 * pk_sndrcv_new() only. pk_plist_len/get work on both kinds (get gives
 * the tuple). */
int pk_sndrcv_append(struct pk_vm *vm, pk_val list, pk_val sent, pk_val recv);

/* Registers PacketList, rdpcap/wrpcap, PcapReader/PcapWriter, hexdump of
 * lists... in a VM. */
int pk_plist_register(struct pk_vm *vm);

#endif
