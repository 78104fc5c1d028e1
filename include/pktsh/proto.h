/*
 * proto.h - the layer engine's contract: protocols as field tables.
 *
 * DESIGN
 *
 * A protocol (struct pk_proto, scapy's Packet subclass) is data: a table of
 * field descriptors (struct pk_field, Wireshark's hf_register_info) plus a
 * few optional hooks for what a table cannot say (checksums over the
 * payload, payload guessing, padding, summaries, reply matching). A generic
 * engine in src/packet/ walks the table to build, dissect, show and compare.
 *
 * A packet is a chain of layer instances (struct pk_layer), each a
 * refcounted pk_obj of type pk_type_packet: `IP()/TCP()` is an IP layer
 * whose `payload` is a TCP layer. p[TCP] is that TCP object itself, as in
 * scapy, so `p[TCP].dport = 80` changes p.
 *
 * Field values live INLINE in the layer (one union pk_fval of 16 bytes per
 * field: integers, MAC, IPv4 and IPv6 addresses need no allocation); only
 * strings, lists and implicit sets hold a pk_val object. Each value has a
 * state byte: PK_FS_SET means the user gave it ("explicitly set"); a field
 * without it holds its default, and a field whose default is PK_AUTO
 * (scapy's None) is computed at build time. "Unset" is never 0.
 *
 * Bindings (struct pk_binding, scapy's bind_layers) are rows read in both
 * directions: lower->upper to pick the payload class when dissecting, and
 * upper->lower to fill the lower layer's unset fields at build (IP.proto
 * from a TCP payload, Ether.type from IP).
 *
 * The registry is per VM. The built-in protocols are `static const` tables
 * listed once in src/layers/registry.c (tcpdump's printers[]): adding a
 * protocol is its file plus one line there. Protocols, fields and bindings
 * made at run time (user classes, bind_layers()) enter through the SAME
 * functions (pk_registry_add_proto, pk_registry_bind) as the built-ins, so
 * the engine never distinguishes them. Names are resolved to indices once,
 * at registration (bindings) or at the call site (constructor keywords,
 * through pk_callsite).
 *
 * A packet fresh from pk_packet_dissect() is lazy: one allocation holding
 * its bytes, decoded in place the first time pk_as_layer() sees it (see
 * struct pk_layer), so a stored capture costs little more than its bytes.
 *
 * Bytes are read only through cursor.h. As in scapy, fields after the last
 * byte keep their defaults (the layer is marked `partial` and builds back
 * to exactly what it read); a read cut short INSIDE a field makes a payload
 * layer Raw as a whole, while the first layer keeps what it read and the
 * rest becomes Raw. Nothing is ever read past the end.
 */
#ifndef PKTSH_PROTO_H
#define PKTSH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/cursor.h"
#include "pktsh/value.h"

struct pk_vm;
struct pk_proto;
struct pk_layer;
struct pk_field;
struct pk_build;
struct pk_dissect;

/* ------------------------------------------------------------------ */
/* Field values                                                        */

/* One field's value, inline in the layer. */
union pk_fval {
	uint64_t u;    /* unsigned ints, flags, enums */
	int64_t i;     /* signed ints */
	uint8_t b[16]; /* MAC (6), IPv4 (4), IPv6 (16), in network order */
	pk_val v;      /* PK_FS_OBJ: bytes, lists, packets, implicit sets */
};

/* State byte of each field value. */
enum {
	PK_FS_SET = 1 << 0, /* given by the user or read from the wire */
	PK_FS_OBJ = 1 << 1, /* slot holds an owned pk_val in .v */
	PK_FS_GEN = 1 << 2, /* .v is an implicit set (list, (lo,hi), net) */
};

/* ------------------------------------------------------------------ */
/* Field descriptors                                                   */

enum pk_fkind {
	/*
	 * Integer of `bits` bits (1..64). Consecutive fields whose widths are
	 * not whole bytes pack MSB first (scapy's BitField); byte-aligned
	 * widths 8/16/24/32/64 are big endian unless PK_FF_LE.
	 */
	PK_FK_INT,
	/*
	 * 6 bytes, shown 02:00:00:00:00:01. The slot's bytes 6..15 keep how
	 * the user spelt it (case, one-digit groups, '-'), as scapy keeps the
	 * typed string; all zero is the lower-case form.
	 */
	PK_FK_MAC,
	PK_FK_IP4, /* 4 bytes, shown dotted */
	PK_FK_IP6, /* 16 bytes, shown as RFC 5952 text */
	/*
	 * Bytes: fixed length `bits`/8 when bits > 0 (padded with NULs at
	 * build, as scapy's StrFixedLenField), else variable: length from the
	 * `ref` field (PK_REL_LEN), or the rest of the layer.
	 */
	PK_FK_BYTES,
	/*
	 * A list of packets of class `sub` (scapy's PacketListField): count
	 * from `ref` (PK_REL_COUNT), byte length from `ref` (PK_REL_LEN), or
	 * until the layer ends. The value is a pk list of packet values.
	 */
	PK_FK_PKTLIST,
	PK_FK_PKT,    /* one packet of class `sub` (scapy's PacketField) */
	PK_FK_CUSTOM, /* everything through `ops` (TCP options, DNS names) */
};
/*
 * show() prints a PKTLIST/PKT/CUSTOM field whose value holds packets (a
 * packet, or a list of them) as nested "|###[ ... ]###" blocks under a
 * "\name      \" line (list kinds always use that line, even when empty);
 * any other value prints as "name      = <repr hook text>".
 */

/* How a value prints in show()/repr() (scapy's i2repr). */
enum pk_ffmt {
	PK_FMT_DEC,   /* 64 */
	PK_FMT_HEX,   /* 0x40 */
	PK_FMT_ENUM,  /* name from `enm`, else decimal */
	PK_FMT_XENUM, /* name from `enm`, else 0x hex (XShortEnumField) */
	PK_FMT_FLAGS, /* `enm` names bits (value = bit index): "SA", "MF+DF" */
	PK_FMT_TCPPORT, /* name from the built-in TCP services table */
	PK_FMT_UDPPORT, /* name from the built-in UDP services table */
	PK_FMT_BYTES,   /* python bytes repr without b: '\x00ab' */
};

/* Field flags. */
enum {
	PK_FF_LE = 1 << 0,     /* little endian (byte-aligned ints) */
	PK_FF_SIGNED = 1 << 1, /* signed int */
	PK_FF_AUTO = 1 << 2,   /* default is None: computed at build */
	PK_FF_NOREPR = 1 << 3, /* never printed by repr() (scapy hides it) */
};

/* Relations between a variable field and the integer that sizes it. */
enum pk_frel {
	PK_REL_NONE,
	PK_REL_LEN,   /* byte length = ref value * mul + add */
	PK_REL_COUNT, /* element count = ref value * mul + add */
};

/* A value->name table (enum fields) or bit->name table (flags fields).
 * Entries need not be sorted. Run-time tables are heap made. */
struct pk_enum_entry {
	uint64_t value;
	const char *name;
};
struct pk_enum {
	const struct pk_enum_entry *e;
	size_t n;
};
#define PK_ENUM(arr)                                                           \
	{                                                                      \
		arr, sizeof(arr) / sizeof(arr[0])                              \
	}

/*
 * Per-field hooks for odd fields. Each may be NULL: the kind's generic
 * code runs instead. `f->ud` carries per-field data (a run-time field's
 * lambda, a DNS name's compression rules, ...). Errors name the layer and
 * field (pk_field_error()).
 */
struct pk_field_ops {
	/* Convert a user value into *slot (and *st's PK_FS_OBJ bit). */
	int (*set)(struct pk_vm *vm, const struct pk_layer *l,
	           const struct pk_field *f, pk_val v, union pk_fval *slot,
	           uint8_t *st);
	/* The value as the language sees it (p.options): new reference. */
	int (*get)(struct pk_vm *vm, const struct pk_layer *l,
	           const struct pk_field *f, const union pk_fval *slot,
	           uint8_t st, pk_val *out);
	/* Append the wire form. */
	int (*build)(struct pk_build *b, const struct pk_layer *l,
	             const struct pk_field *f, const union pk_fval *slot,
	             uint8_t st, struct pk_buf *out);
	/*
	 * Read the wire form into *slot. `len` is the byte length from a
	 * PK_REL_LEN relation or SIZE_MAX. Truncation: keep what was read and
	 * leave c->truncated set; return -1 only for OOM.
	 */
	int (*dissect)(struct pk_dissect *d, struct pk_layer *l,
	               const struct pk_field *f, struct pk_cursor *c,
	               size_t len, union pk_fval *slot, uint8_t *st);
	/* The text show() and repr() print (scapy's i2repr). */
	int (*repr)(struct pk_vm *vm, const struct pk_layer *l,
	            const struct pk_field *f, const union pk_fval *slot,
	            uint8_t st, struct pk_buf *out);
	/* For relations: wire bytes (PK_REL_LEN) or elements (PK_REL_COUNT). */
	int (*size)(struct pk_vm *vm, const struct pk_layer *l,
	            const struct pk_field *f, const union pk_fval *slot,
	            uint8_t st, enum pk_frel rel, uint64_t *out);
};

/*
 * Conditional presence (scapy's ConditionalField): 1 present, 0 absent,
 * -1 error. An absent field is neither built, dissected nor shown.
 */
typedef int (*pk_present_fn)(struct pk_vm *vm, const struct pk_layer *l,
                             const struct pk_field *f);

struct pk_field {
	const char *name;
	uint8_t kind; /* enum pk_fkind */
	uint8_t fmt;  /* enum pk_ffmt */
	uint8_t rel;  /* enum pk_frel: how this field is sized */
	int8_t ref;   /* index of the sizing field (read only if rel != NONE) */
	uint16_t bits;  /* width in bits (ints, fixed bytes); 0 = variable */
	uint16_t flags; /* PK_FF_* */
	int16_t add;    /* relation: size = ref * (mul ? mul : 1) + add */
	uint8_t mul;
	uint64_t def; /* default of ints */
	const void
	    *defp;     /* default bytes of MAC/IP/fixed bytes (NULL: zeros) */
	size_t deflen; /* PK_FK_BYTES default length */
	const struct pk_enum *enm;
	const struct pk_proto *sub; /* PKTLIST / PKT element class */
	pk_present_fn present;      /* NULL: always present */
	const struct pk_field_ops *ops;
	const void *ud;
	const char *cls; /* scapy's field class for ls(); NULL: derived */
};

/* Table-building helpers (designated initializers: unnamed members 0). */
#define PK_AUTO 0 /* with PK_FF_AUTO: default None */
#define PK_F_INT(n, w, d, f)                                                   \
	{                                                                      \
		.name = n, .kind = PK_FK_INT, .fmt = f, .bits = w, .def = d,   \
		.ref = -1                                                      \
	}
#define PK_F_AUTO(n, w, f)                                                     \
	{                                                                      \
		.name = n, .kind = PK_FK_INT, .fmt = f, .bits = w,             \
		.flags = PK_FF_AUTO, .ref = -1                                 \
	}
#define PK_F_ENUM(n, w, d, f, tab)                                             \
	{                                                                      \
		.name = n, .kind = PK_FK_INT, .fmt = f, .bits = w, .def = d,   \
		.enm = tab, .ref = -1                                          \
	}
#define PK_F_MAC(n, d)                                                         \
	{                                                                      \
		.name = n, .kind = PK_FK_MAC, .defp = d, .ref = -1             \
	}
#define PK_F_IP4(n, d)                                                         \
	{                                                                      \
		.name = n, .kind = PK_FK_IP4, .defp = d, .ref = -1             \
	}
#define PK_F_IP6(n, d)                                                         \
	{                                                                      \
		.name = n, .kind = PK_FK_IP6, .defp = d, .ref = -1             \
	}
#define PK_F_BYTES(n, d, dl)                                                   \
	{                                                                      \
		.name = n, .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES,           \
		.defp = d, .deflen = dl, .ref = -1                             \
	}
#define PK_F_END                                                               \
	{                                                                      \
		.name = NULL                                                   \
	}

/* ------------------------------------------------------------------ */
/* Protocols                                                           */

/*
 * A binding row: when every condition holds on the lower layer, the
 * payload is `upper` (dissect); when `upper` is stacked on `lower`, every
 * unset condition field of the lower layer takes the condition's value
 * (build). Conditions name fields; the registry resolves them once.
 */
#define PK_BIND_MAXC 3
enum { PK_BIND_BOTH = 0, PK_BIND_DISSECT = 1, PK_BIND_BUILD = 2 };
struct pk_bind_cond {
	const char *field;
	uint64_t value;
};
struct pk_binding {
	const struct pk_proto *lower, *upper;
	uint8_t dir;                         /* PK_BIND_* */
	struct pk_bind_cond c[PK_BIND_MAXC]; /* field NULL ends the list */
};

/* Build context: the one output buffer of a whole packet. */
struct pk_build {
	struct pk_vm *vm;
	struct pk_buf *out;
	void *reg; /* engine private: the VM's registry */
};

/* Dissect context: the whole input, for fields that point back into it
 * (DNS compression). */
struct pk_dissect {
	struct pk_vm *vm;
	const uint8_t *start, *end; /* the bytes given to pk_packet_dissect */
	int depth;                  /* nesting, capped against hostile input */
	void *reg;                  /* engine private: the VM's registry */
};

enum {
	PK_PF_RAW = 1 << 0,     /* Raw/Padding: payload-less byte holder */
	PK_PF_PADDING = 1 << 1, /* Padding: excluded from the payload length */
	PK_PF_NOPAYLOAD_GUESS = 1 << 2, /* list elements: never take payload */
};

struct pk_proto {
	const char *name; /* class name: "IP", "Dot1Q", "DNSQR" */
	const char
	    *title; /* show() title: "IP", "802.1Q", "DNS Question Record" */
	const struct pk_field *fields; /* PK_F_END terminated */
	uint16_t nfields;              /* entries before PK_F_END */
	uint16_t flags;                /* PK_PF_* */
	const struct pk_binding
	    *binds; /* rows this file defines, {NULL} ends */

	/*
	 * After the layer and its payload are built into b->out, at offset
	 * `off` (header `hlen` bytes, then the payload to `off + len`): fill
	 * what the user left unset and depends on the payload (lengths,
	 * checksums). May overwrite, never resize. Innermost layer first.
	 */
	int (*post_build)(struct pk_build *b, const struct pk_layer *l,
	                  size_t off, size_t hlen, size_t len);
	/*
	 * Before the fields are written: fill unset fields that depend on
	 * neighbours but not on payload bytes (IP src from the route, Ether
	 * addresses). `v`/`st` are the build's private copy of the values.
	 */
	int (*pre_build)(struct pk_build *b, const struct pk_layer *l,
	                 union pk_fval *v, uint8_t *st);
	/*
	 * scapy's dispatch_hook: the class to dissect the bytes at `c` as,
	 * chosen before reading (IP options by their type octet). Used for
	 * list elements and packet fields whose `sub` is this proto.
	 */
	const struct pk_proto *(*dispatch)(struct pk_dissect *d,
	                                   const struct pk_cursor *c);
	/* Custom header dissector; NULL: the field table drives it. */
	int (*dissect)(struct pk_dissect *d, struct pk_layer *l,
	               struct pk_cursor *c);
	/*
	 * Split what follows the header into payload and trailing padding
	 * (IP total length, UDP length): shrink `pay` to the payload; what is
	 * cut off becomes a Padding layer. Setting pay->truncated says the
	 * header cannot tell (its length field was never read): a payload
	 * layer is then kept as Raw, as scapy's exception does.
	 */
	void (*extract_padding)(const struct pk_layer *l,
	                        struct pk_cursor *pay);
	/* The payload class; NULL: binding rows, then Raw. */
	const struct pk_proto *(*guess_payload)(struct pk_dissect *d,
	                                        const struct pk_layer *l,
	                                        const struct pk_cursor *pay);
	/* scapy's mysummary(): append this layer's part; NULL: the name. */
	int (*summary)(struct pk_vm *vm, const struct pk_layer *l,
	               struct pk_buf *out);
	/* scapy's hashret(): append key bytes; NULL: nothing (payload's). */
	int (*hashret)(struct pk_vm *vm, const struct pk_layer *l,
	               struct pk_buf *key);
	/*
	 * scapy's answers(): does `reply` (this proto) answer `probe`? Each
	 * calls pk_layer_answers() on the payloads when it needs to recurse.
	 * NULL: the payloads decide.
	 */
	int (*answers)(struct pk_vm *vm, const struct pk_layer *reply,
	               const struct pk_layer *probe, bool *out);
	/*
	 * The IPv4/IPv6 pseudo-header sum for an upper-layer checksum, read
	 * from this network layer's built header at b->out->buf + off.
	 */
	int (*l4_pseudo)(struct pk_build *b, const struct pk_layer *l,
	                 size_t off, uint8_t nh, size_t l4len, uint32_t *sum);
	const void *ud; /* run-time classes: the user's class object etc. */
};

#define PK_NFIELDS(arr) ((uint16_t)(sizeof(arr) / sizeof(arr[0]) - 1))

/* ------------------------------------------------------------------ */
/* Layer instances                                                     */

struct pk_layer {
	struct pk_obj h; /* type: &pk_type_packet */
	const struct pk_proto *proto;
	struct pk_layer *payload; /* owned reference, NULL: no payload */
	struct pk_layer *under;   /* borrowed back pointer, NULL at top */
	double time;              /* capture/sent time, 0 if never set */
	union {
		/* scratch: where the last build put it */
		struct {
			size_t boff, blen;
		};
		/* while `lazy`: the VM it was dissected in, the byte count */
		struct {
			struct pk_vm *vm;
			size_t len;
		} raw;
	};
	/* Dissected from bytes that ended before its last fields: it builds
	 * back to exactly those bytes (only the fields read, no computed
	 * ones), as scapy's raw cache does, until a field is assigned. */
	bool partial;
	/*
	 * Straight from pk_packet_dissect(): the allocation holds only the
	 * wire bytes (at f, raw.len of them; proto is the first layer's) and
	 * is sized so the first layer can be decoded in place. pk_as_layer()
	 * decodes it (pk_layer_unlazy), so engine code never sees it lazy;
	 * a stored capture costs its bytes plus this header until then.
	 */
	bool lazy;
	uint8_t *st;       /* nfields state bytes (same allocation) */
	union pk_fval f[]; /* proto->nfields values */
};

/*
 * Decode a lazy packet in place (its payload chain as new layers). On
 * failure (MemoryError raised in its VM, -1) it is left as a layer of
 * defaults without payload: never lazy on return.
 */
int pk_layer_unlazy(struct pk_layer *l);

/* A new layer holding the defaults (nothing set). NULL + MemoryError. */
struct pk_layer *pk_layer_new(struct pk_vm *vm, const struct pk_proto *p);
/* The value of layer `l` as a pk_val (new reference to l). */
static inline pk_val pk_layer_val(struct pk_layer *l)
{
	return pk_incref(pk_obj_take(l));
}
static inline struct pk_layer *pk_as_layer(pk_val v)
{
	struct pk_layer *l = (struct pk_layer *)v.u.o;

	if (l->lazy)
		pk_layer_unlazy(l);
	return l;
}
/* Deep copy of l and its payloads (scapy's copy()). */
struct pk_layer *pk_layer_copy(struct pk_vm *vm, const struct pk_layer *l);
/* Append `pay` (a new reference is taken) at the end of l's chain. */
void pk_layer_append(struct pk_layer *l, struct pk_layer *pay);

/* Field index by name, or -1. */
int pk_proto_field_index(const struct pk_proto *p, const char *name);
static inline bool pk_layer_isset(const struct pk_layer *l, int i)
{
	return l->st[i] & PK_FS_SET;
}
/* Integer value: the set value, else the default (0 for PK_AUTO). */
uint64_t pk_layer_uint(const struct pk_layer *l, int i);

/*
 * Set field i from a user value: converts names ('tcp', 'SA'), checks the
 * range (`IP.ttl: 300 does not fit in 8 bits`), accepts implicit sets
 * (lists, (lo, hi), 'a.b.c.d/n'), marks the field set. UNDEF unsets it
 * (`del p.chksum`).
 */
int pk_layer_set(struct pk_vm *vm, struct pk_layer *l, int i, pk_val v);
/* The value of field i as the language sees it (None for unset PK_AUTO).
 * What it hands out may be changed by the caller: see pk_layer_track. */
int pk_layer_get(struct pk_vm *vm, struct pk_layer *l, int i, pk_val *out);
/* Set an integer field directly (dissectors, hooks); no range check. */
void pk_layer_set_uint(struct pk_layer *l, int i, uint64_t v);

/* "IP.ttl: ..." errors with the layer and field named. Returns -1. */
int pk_field_error(struct pk_vm *vm, const struct pk_exctype *t,
                   const struct pk_proto *p, const struct pk_field *f,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Does `reply` answer `probe` (recursing through the hooks)? */
int pk_layer_answers(struct pk_vm *vm, const struct pk_layer *reply,
                     const struct pk_layer *probe, bool *out);

/* Dissect `c` as class p (and its payloads) under `under`: a new layer
 * chain, never NULL except on OOM. For hooks that dissect sub-packets. */
struct pk_layer *pk_dissect_layer(struct pk_dissect *d,
                                  const struct pk_proto *p,
                                  struct pk_cursor *c);

/* Build one layer chain into b->out (for hooks building sub-packets). */
int pk_build_layer(struct pk_build *b, struct pk_layer *l);
/*
 * Write a computed length v of field i of l, `bytes` bytes big endian, at
 * offset `at` of b->out. A length that does not fit is never wrapped: it
 * is a ValueError naming the field, with `limit` saying why (may be NULL):
 * `IP.len: 65536 does not fit in 16 bits (an IPv4 packet is at most 65535
 * bytes)`. 0, or -1.
 */
int pk_build_put_len(struct pk_build *b, const struct pk_layer *l, int i,
                     size_t at, unsigned bytes, uint64_t v, const char *limit);

/* ------------------------------------------------------------------ */
/* Checksums (src/packet/checksum.c)                                   */

/* One's complement sum of data added to `sum` (not folded). */
uint32_t pk_cksum_add(uint32_t sum, const void *data, size_t len);
/* Fold and complement: the value to store. */
uint16_t pk_cksum_fold(uint32_t sum);
/* Pseudo-header sums (RFC 793 / RFC 8200 8.1), not folded. */
uint32_t pk_cksum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
                          uint8_t proto, uint32_t len);
uint32_t pk_cksum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
                          uint8_t nh, uint32_t len);
/*
 * Checksum of an upper-layer segment (TCP, UDP, ICMPv6) at b->out->buf +
 * off, len bytes, with the pseudo-header of the nearest layer under `l`
 * that has an l4_pseudo hook. Without one (a bare TCP()) scapy leaves the
 * checksum 0: *out is 0 and the result 1. 0 on success, -1 on error.
 */
int pk_cksum_l4(struct pk_build *b, const struct pk_layer *l, uint8_t nh,
                size_t off, size_t len, uint16_t *out);

/* ------------------------------------------------------------------ */
/* Registry                                                            */

/*
 * Add a protocol to the VM's registry (its class becomes a global when
 * pk_packet_register has run or runs later). `p` must outlive the VM;
 * run-time protos pass `free_fn` to be released with it (may be NULL).
 */
int pk_registry_add_proto(struct pk_vm *vm, const struct pk_proto *p,
                          void (*free_fn)(void *), void *free_arg);
/* Add one binding row (bind_layers()); names are checked and resolved. */
int pk_registry_bind(struct pk_vm *vm, const struct pk_binding *b);
/* All registered protos in registration order (for ls(), docs). */
size_t pk_registry_protos(struct pk_vm *vm, const struct pk_proto ***out);

/*
 * The built-in protocols. Each layer file exports a NULL-terminated list
 * of the protos it defines, named pk_layers_<file> (pk_layers_tcp, ...);
 * src/layers/registry.c lists those arrays, one line per file.
 */
size_t pk_builtin_lists(const struct pk_proto *const *const **out);

/* Protocols other files bind to (defined in src/layers/). */
extern const struct pk_proto pk_proto_ether, pk_proto_dot1q, pk_proto_dot1ad,
    pk_proto_arp, pk_proto_ip, pk_proto_tcp, pk_proto_udp, pk_proto_icmp,
    pk_proto_raw, pk_proto_padding, pk_proto_ipoption, pk_proto_iperror,
    pk_proto_tcperror, pk_proto_udperror, pk_proto_icmperror, pk_proto_cooked,
    pk_proto_cooked2, pk_proto_loopback;
/* DLT_RAW's first "layer": pk_packet_dissect() picks IP or IPv6 by the
 * version nibble. Not a class, never a layer of a packet. */
extern const struct pk_proto pk_proto_rawip;

/*
 * Address resolution hooks for unset source addresses, set by the net
 * module. NULL (the default) means scapy's fallbacks for a host without a
 * route: IP src 127.0.0.1 toward 127/8, else 0.0.0.0; IPv6 src ::1 toward
 * ::1, else ::; Ether src 00:00:00:00:00:00 and dst ff:ff:ff:ff:ff:ff.
 * Each returns 0 when it filled the output, 1 to use the fallback, -1 on
 * error (exception set).
 */
struct pk_route_hooks {
	int (*src4)(struct pk_vm *vm, void *ctx, const uint8_t dst[4],
	            uint8_t src[4]);
	int (*src6)(struct pk_vm *vm, void *ctx, const uint8_t dst[16],
	            uint8_t src[16]);
	/* Ether addresses for a frame carrying `pay` (may be NULL). `dst`
	 * NULL: only the source is wanted, so nothing is resolved (no
	 * ARP/ND request, no warning). */
	int (*ether)(struct pk_vm *vm, void *ctx, const struct pk_layer *pay,
	             uint8_t src[6], uint8_t dst[6]);
	void *ctx;
};
void pk_packet_set_route_hooks(struct pk_vm *vm,
                               const struct pk_route_hooks *h);
const struct pk_route_hooks *pk_packet_route_hooks(struct pk_vm *vm);

/* Built-in TCP/UDP service names (scapy's TCP_SERVICES/UDP_SERVICES as
 * shipped data, never /etc/services): name or NULL, port or -1. */
const char *pk_service_name(bool udp, unsigned port);
int pk_service_port(bool udp, const char *name);

#endif
