/*
 * netio.h - the net module's private interfaces: interfaces and routes,
 * the I/O backends, the reply matcher and the send/receive loop.
 *
 * Everything here is independent of the VM (no pk_val), so the matcher
 * and the send/receive loop are unit-tested with the in-memory loopback
 * backend, without root or a network. Errors follow libpcap: functions
 * return -1 and leave a message in an error buffer of PK_NET_ERRBUF bytes,
 * plus an errno value where the caller needs to tell causes apart
 * (EPERM, EMSGSIZE, ENODEV).
 */
#ifndef PKTSH_NET_NETIO_H
#define PKTSH_NET_NETIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"

#define PK_NET_ERRBUF 256
#define PK_IFNAME_MAX 16

/* ------------------------------------------------------------------ */
/* Interfaces (intf.c, libdnet's intf)                                  */

struct pk_ifaddr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int plen; /* prefix length */
};

struct pk_intf {
	char name[PK_IFNAME_MAX];
	int index;
	unsigned mtu;
	bool up, loopback, has_mac;
	uint8_t mac[6];
	size_t naddr;
	struct pk_ifaddr *addrs; /* IPv4 first (primary first), then IPv6 */
};

struct pk_intf_list {
	size_t n;
	struct pk_intf *v;
};

/* snprintf(dst, PK_IFNAME_MAX, "%s", src) without its cost: it runs for
 * every packet an sr() builds and sends. */
void pk_ifname_copy(char dst[PK_IFNAME_MAX], const char *src);
/* Read every interface. A fresh libdnet handle is opened per call. */
int pk_intf_list_load(struct pk_intf_list *l, char *err);
void pk_intf_list_release(struct pk_intf_list *l);
const struct pk_intf *pk_intf_find(const struct pk_intf_list *l,
                                   const char *name);
/* The first address of `family` on the interface, or NULL. */
const struct pk_ifaddr *pk_intf_addr(const struct pk_intf *i, int family);
/* Is `addr` one of the host's own addresses? */
bool pk_intf_is_local(const struct pk_intf_list *l, int family,
                      const uint8_t *addr);

/* ------------------------------------------------------------------ */
/* Routes (route.c)                                                     */

struct pk_route4 {
	uint32_t net, mask, gw; /* host byte order */
	char iface[PK_IFNAME_MAX];
	uint32_t src;
	int metric;
};

struct pk_route6 {
	uint8_t dst[16];
	int plen;
	uint8_t gw[16];
	char iface[PK_IFNAME_MAX];
	size_t ncand;
	uint8_t (*cand)[16]; /* source candidates */
	int metric;
};

struct pk_rtable {
	struct pk_intf_list intf;
	size_t n4, n6;
	struct pk_route4 *r4;
	struct pk_route6 *r6;
};

/* Where a packet to some destination leaves. */
struct pk_nexthop {
	int family;
	char iface[PK_IFNAME_MAX];
	int ifindex;
	uint8_t src[16];
	uint8_t gw[16]; /* all zero when directly connected */
	bool found;     /* false: no route (iface is conf.iface) */
	bool local;     /* destination is one of our own addresses */
};

int pk_rtable_load(struct pk_rtable *t, char *err);
void pk_rtable_release(struct pk_rtable *t);
/* Longest prefix, then lowest metric, as scapy's conf.route.route(). */
void pk_rtable_lookup(const struct pk_rtable *t, int family, const uint8_t *dst,
                      struct pk_nexthop *out);
/* conf.route.add(): append a route (pktsh's table only, not the
 * kernel's). 0, or -1 on OOM. */
int pk_rtable_add4(struct pk_rtable *t, const struct pk_route4 *r);
/* conf.route.delt(): remove the first route equal to `r` in every field
 * as scapy's list.index() does. 1 removed, 0 none matched. */
int pk_rtable_del4(struct pk_rtable *t, const struct pk_route4 *r);
/* The tables as scapy prints conf.route and conf.route6. */
void pk_rtable_format4(const struct pk_rtable *t, struct pk_buf *out);
void pk_rtable_format6(const struct pk_rtable *t, struct pk_buf *out);
/* The interface of the default route (scapy's conf.iface), else lo. */
void pk_rtable_default_iface(const struct pk_rtable *t, char *name);

/*
 * A table of text cells printed as scapy's pretty_list(): rows stably
 * sorted by column `sortby`, columns padded to their widest cell and
 * joined by two spaces. cells[r * ncol + c]; row 0 is the header.
 * sortby >= ncol keeps the given order.
 */
void pk_net_pretty_table(struct pk_buf *out, const char **cells, size_t nrows,
                         size_t ncol, size_t sortby);

/* ------------------------------------------------------------------ */
/* I/O backends: a small table of operations, one file per backend      */

typedef int (*pk_netio_rx_fn)(void *ctx, const uint8_t *data, size_t len,
                              double ts);

/* One frame of a batch (pk_netio_ops.send_many). */
struct pk_frame {
	const void *data;
	size_t len;
};

struct pk_netio;

struct pk_netio_cfg {
	const char *iface;  /* pcap: the interface; raw: bind to it */
	const char *filter; /* pcap: BPF program, NULL for none */
	bool capture;       /* pcap: open for receiving too */
	int bufsize;        /* pcap: kernel buffer in bytes, 0 default */
	int snaplen;        /* pcap: bytes kept per frame, 0 default */
	/* loopback: turns each sent frame into zero or more replies; it
	 * may fail the send (-1, with io->err set: ENETUNREACH...) */
	int (*respond)(void *ctx, const uint8_t *data, size_t len,
	               struct pk_netio *io);
	/* loopback, optional: an errno once the "interface" is lost */
	int (*lost)(void *ctx);
	void *respond_ctx;
};

struct pk_netio_ops {
	const char *name;
	int (*open)(struct pk_netio *io, const struct pk_netio_cfg *cfg);
	/* ifindex: where the route leaves (IPv6 link-local scope), or 0 */
	int (*send)(struct pk_netio *io, const void *data, size_t len,
	            int ifindex);
	/* Deliver what is waiting without blocking: number of frames, or -1 */
	int (*recv)(struct pk_netio *io, pk_netio_rx_fn cb, void *ctx);
	int (*fd)(struct pk_netio *io); /* for poll(), -1 if none */
	void (*close)(struct pk_netio *io);
	/* Optional: 0 while the way in still works; -1 with io->err
	 * (ENETDOWN, ENODEV) and errbuf once its interface went down or
	 * away (libpcap does not say when an interface goes down). */
	int (*check)(struct pk_netio *io);
	/* Optional: send n frames in as few system calls as it can.
	 * Returns how many left; fewer than n (maybe 0) with io->err and
	 * errbuf set when one failed. NULL: the caller loops on send(). */
	size_t (*send_many)(struct pk_netio *io, const struct pk_frame *f,
	                    size_t n);
};

struct pk_netio {
	const struct pk_netio_ops *ops;
	void *priv;
	int dlt;        /* link type of received frames */
	int err;        /* errno-like cause of the last failure */
	unsigned drops; /* kernel drops reported at close (pcap ps_drop) */
	char iface[PK_IFNAME_MAX];
	char errbuf[PK_NET_ERRBUF];
};

extern const struct pk_netio_ops pk_netio_pcap; /* live capture + inject */
extern const struct pk_netio_ops pk_netio_raw4; /* IPv4 IP_HDRINCL */
extern const struct pk_netio_ops pk_netio_raw6; /* IPv6 IPPROTO_RAW */
extern const struct pk_netio_ops pk_netio_loop; /* in memory */

/* Open: 0, or -1 with io->err and io->errbuf set. */
int pk_netio_open(struct pk_netio *io, const struct pk_netio_ops *ops,
                  const struct pk_netio_cfg *cfg);
void pk_netio_close(struct pk_netio *io);
/* The backend's check(): 0 if the way in still works (or it cannot
 * tell), -1 with io->err and io->errbuf if it is lost. */
int pk_netio_check(struct pk_netio *io);
/* Is err a sign that the network changed under us (interface down or
 * gone, route removed), rather than a fault of the packet or of the
 * privileges? */
bool pk_net_err_is_gone(int err);
/* pcap_breakloop() on a pcap backend (async-signal-safe), else nothing. */
void pk_netio_breakloop(struct pk_netio *io);
/* Loopback backend: queue a frame to be received (from a responder). */
int pk_netio_loop_inject(struct pk_netio *io, const void *data, size_t len);
/* Current time as pcap stamps it (seconds since the epoch). */
double pk_net_now(void);

/* ------------------------------------------------------------------ */
/* Neighbours (neigh.c)                                                 */

/* The kernel's ARP cache entry for ip: 0 and mac set, else -1. */
int pk_neigh_cache4(const uint8_t ip[4], uint8_t mac[6]);
/*
 * Ask on `iface` who has `tip` (ARP who-has for AF_INET, a Neighbor
 * Solicitation for AF_INET6) from smac/sip, waiting up to `timeout`
 * seconds. 1 and mac set, 0 without an answer, -1 with io->err/errbuf
 * (io is scratch space for the capture).
 */
int pk_neigh_ask(const char *iface, int family, const uint8_t smac[6],
                 const uint8_t *sip, const uint8_t *tip, double timeout,
                 uint8_t mac[6], struct pk_netio *io);

/* ------------------------------------------------------------------ */
/* The matcher (match.c): hashret bytes -> probes waiting for answers   */

struct pk_match_group;
struct pk_match_chunk;

struct pk_match {
	struct pk_match_group **buckets;
	size_t nbuckets, ngroups, nentries;
	struct pk_match_chunk *chunks; /* where groups and entries live */
};

int pk_match_init(struct pk_match *m, size_t hint);
/* Frees everything filed, found or not: filed memory is only given
 * back here. */
void pk_match_release(struct pk_match *m);
/* File probe number `probe` under `key`. 0, or -1 on OOM. */
int pk_match_add(struct pk_match *m, const void *key, size_t len, size_t probe);
/*
 * Find the first probe (in the order they were added) under `key` for
 * which test() says 1. The found probe is removed unless `keep`.
 * Returns the probe number, -1 if none answers, -2 if test() failed.
 */
long pk_match_find(struct pk_match *m, const void *key, size_t len, bool keep,
                   int (*test)(void *ctx, size_t probe), void *ctx);

/* ------------------------------------------------------------------ */
/* Plain IPv4/TCP matched from the bytes (fastkey.c)                    */

/* What hashret() and answers() read of an IPv4/TCP packet. */
struct pk_tcp4 {
	uint8_t src[4], dst[4];
	uint16_t sport, dport, flags;
	uint32_t seq, ack;
};

/*
 * 1 with *t filled when the IPv4 packet at d dissects as exactly IP/TCP
 * (no IP options, not a fragment, proto 6, nothing after the TCP header
 * within the total length, not to 224.0.0.251), so that the functions
 * below give what the layers' hashret()/answers() give; 0 otherwise.
 * `trailer`: bytes past the total length (Padding) are allowed. The
 * caller checks once that the dissection of such bytes is IP/TCP in its
 * VM (the binding rows can be changed).
 */
int pk_tcp4_parse(const uint8_t *d, size_t len, bool trailer,
                  struct pk_tcp4 *t);
/* Append its hashret() key; `checkaddr` is conf.checkIPaddr. */
void pk_tcp4_hashret(const struct pk_tcp4 *t, bool checkaddr,
                     struct pk_buf *key);
/* Does reply r answer probe p (parsed without a trailer)? */
bool pk_tcp4_answers(const struct pk_tcp4 *r, const struct pk_tcp4 *p,
                     bool checkaddr);

/* ------------------------------------------------------------------ */
/* The send/receive loop (sndrcv.c)                                     */

struct pk_sr_probe {
	const uint8_t *data;
	size_t len;
	size_t sender; /* index in pk_sr.senders */
	int ifindex;
	double sent; /* time of the last send */
	bool answered;
};

struct pk_sr {
	struct pk_sr_probe *probes;
	size_t nprobes;
	struct pk_netio **senders;
	size_t nsenders;
	struct pk_netio **receivers;
	size_t nreceivers;
	double timeout; /* after the last send; < 0: until all answered */
	double inter;
	int retry;
	bool multi;
	int verbose;

	void *ctx;
	int (*probe_key)(void *ctx, size_t probe, struct pk_buf *key);
	/* A received frame: its key and a handle, 1 to ignore it, -1 error */
	int (*reply)(void *ctx, size_t receiver, const uint8_t *data,
	             size_t len, double ts, void **handle, struct pk_buf *key);
	int (*answers)(void *ctx, void *handle, size_t probe, bool *out);
	/* A match: the callback takes the handle */
	int (*pair)(void *ctx, size_t probe, void *handle);
	void (*drop)(void *ctx, void *handle);
	void (*write)(void *ctx, const char *s, size_t len);
	/* Non-zero stops the loop (Ctrl-C); results so far are kept. */
	int (*stop)(void *ctx);
	/* Optional, with verbose: the live progress line while sending
	 * ("\r..."), rewritten at most every `progress_every` seconds
	 * and erased before "Finished sending". */
	void (*progress)(void *ctx, const char *s, size_t len);
	double progress_every;

	/* results */
	size_t nrecv; /* frames that matched nothing */
	size_t nans;
	size_t nsent;  /* in the last round */
	size_t ntotal; /* sent, all rounds */
	bool stopped;
	/*
	 * The network failed under the loop (pk_net_err_is_gone errors):
	 * a send failing after at least one probe left stops the sending
	 * (`sendfail`, the unsent probes stay unanswered); a receiver whose
	 * interface went down or away is dropped (`nlost`, the first one's
	 * cause in `lostbuf`), and with none left the wait ends. Both keep
	 * the results so far and return 0: the caller warns.
	 */
	bool sendfail;
	char sendbuf[PK_NET_ERRBUF];
	size_t nlost;
	char lostbuf[PK_NET_ERRBUF];
	int err;
	char errbuf[PK_NET_ERRBUF];
	bool cb_error; /* a callback failed: its exception is pending */
};

/* Run all rounds. 0, or -1 (errbuf/err, or cb_error). */
int pk_sr_run(struct pk_sr *sr);

#endif
