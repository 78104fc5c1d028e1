/*
 * capint.h - private to src/capture: helpers shared by the list types,
 * the pcap file builtins and sniff.
 */
#ifndef PKTSH_CAPTURE_CAPINT_H
#define PKTSH_CAPTURE_CAPINT_H

#include <stdbool.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/capture.h"
#include "pktsh/value.h"

struct pk_vm;
struct pk_proto;

/* Raise the exception a struct pk_caperr stands for: FileNotFoundError for
 * ENOENT, PermissionError for EACCES/EPERM, OSError for other errnos,
 * Scapy_Exception for format errors. `fname` prefixes the message. */
int pk_cap_raise(struct pk_vm *vm, const char *fname,
                 const struct pk_caperr *err);

/* The packet for one record: dissected from `first`, time set. */
int pk_cap_packet(struct pk_vm *vm, const struct pk_proto *first,
                  const struct pk_caprec *rec, pk_val *out);

/*
 * Call a user callback on a list element: f(p) for packets, f(s, r) for
 * the pairs of a SndRcvList (scapy's lambda_tuple_converter: a function
 * of one parameter gets the (s, r) tuple instead).
 */
int pk_cap_call_elt(struct pk_vm *vm, pk_val fn, pk_val elt, pk_val *out);
/* The same, for a truth test. */
int pk_cap_test_elt(struct pk_vm *vm, pk_val fn, pk_val elt, bool *out);

/* Print str(v) and a newline to the VM's output. */
int pk_cap_print_val(struct pk_vm *vm, pk_val v);

/* hexdump(p) as scapy prints it (the engine's hexdump() if registered). */
int pk_cap_hexdump(struct pk_vm *vm, pk_val v);
/* p.sprintf("%.time%"): "HH:MM:SS.uuuuuu" in local time. */
void pk_cap_fmt_time(double t, struct pk_buf *out);

/* Basename of a path, for list names ("<x.pcap: TCP:1 ...>"). */
const char *pk_cap_basename(const char *path);

/*
 * Write `pkts` (a packet, an implicit set, any iterable of packets or
 * bytes; SndRcvList pairs write both packets) through sink->write(); sets
 * expand as scapy's wrpcap does. Before the first record, sink->hint()
 * gets the first packet's link type (-1 for bytes) so the file header can
 * be written. p.time 0 (never stamped) is passed as 0.
 */
struct pk_cap_sink {
	int (*hint)(struct pk_vm *vm, void *ctx, int dlt);
	int (*write)(struct pk_vm *vm, void *ctx, const void *data, size_t len,
	             double t);
	void *ctx;
};
int pk_cap_write_values(struct pk_vm *vm, pk_val pkts,
                        const struct pk_cap_sink *sink);

/*
 * plist.c: keep a record (time t, len bytes at data, first layer class
 * `first`) at the end of rdpcap()'s list without making a packet of it
 * yet. `hint`: the size of the file the records come from (0: unknown),
 * an upper bound of what they take, so the block is made once.
 */
int pk_plist_add_record(struct pk_vm *vm, pk_val plist,
                        const struct pk_proto *first, const void *data,
                        size_t len, double t, size_t hint);

/* Registration of each file's builtins (called by pk_plist_register). */
int pk_pcapio_register(struct pk_vm *vm);
int pk_sniff_register(struct pk_vm *vm);

#endif
