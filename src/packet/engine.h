/*
 * engine.h - private to src/packet and src/layers: the layer engine's
 * insides (registry, field kinds, show/repr helpers).
 */
#ifndef PKTSH_ENGINE_H
#define PKTSH_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "pktsh/packet.h"
#include "pktsh/proto.h"
#include "pktsh/vm.h"

#define PK_MAX_DEPTH 64

/* A binding row with its field names resolved to indices. */
struct pk_rbind {
	const struct pk_proto *lower, *upper;
	uint8_t dir, nc;
	int16_t idx[PK_BIND_MAXC];
	uint64_t val[PK_BIND_MAXC];
};

struct pk_protoval; /* a layer class as a value */

/* Direct-mapped cache of the build row of a (lower, upper) pair. */
#define PK_BCACHE_SIZE 256
struct pk_bcache {
	const struct pk_proto *lower, *upper; /* lower NULL: empty */
	const struct pk_rbind *row;           /* NULL: the pair has none */
};

/* The dissect rows of one lower class, in registration order. */
struct pk_gcache {
	const struct pk_proto *lower; /* NULL: empty */
	uint32_t *rows;               /* indices into binds */
	size_t n;
};

struct pk_registry {
	const struct pk_proto **protos;
	struct pk_protoval **classes; /* parallel to protos */
	size_t n, cap;
	struct pk_rbind *binds;
	size_t nb, capb;
	/* every build looks its pairs up: emptied whenever a row is added */
	struct pk_bcache bcache[PK_BCACHE_SIZE];
	struct pk_gcache gcache[PK_BCACHE_SIZE]; /* the same, for guesses */
	struct pk_route_hooks hooks;
	/* pk_registry_in_field()'s answers, direct-mapped; valid while the
	 * registry holds infield_n protos */
	struct pk_infield {
		const struct pk_proto *p;
		bool r;
	} infield[64];
	size_t infield_n;
	struct pk_brec *rec;          /* build.c: recording a template build */
	struct pk_prebuilt *prebuilt; /* build_set.c: a set member's bytes */
	struct {
		void (*fn)(void *);
		void *arg;
	} * frees;
	size_t nfrees;
};

struct pk_protoval {
	struct pk_obj h;
	const struct pk_proto *p;
};
extern const struct pk_type pk_type_proto;

struct pk_registry *pk_registry(struct pk_vm *vm);
/* The class value of p (borrowed), creating it if needed. */
struct pk_protoval *pk_registry_class(struct pk_vm *vm,
                                      const struct pk_proto *p);
/* Payload class by binding rows, NULL if none. */
const struct pk_proto *pk_registry_guess(struct pk_registry *r,
                                         const struct pk_layer *l);
/*
 * The build row for `lower` carrying `upper` (the last one registered
 * wins, as scapy's overload_fields dict update), NULL if none.
 */
const struct pk_rbind *pk_registry_build_row(struct pk_registry *r,
                                             const struct pk_proto *lower,
                                             const struct pk_proto *upper);
/* The value a build binding gives field i of l (stacked on l->payload). */
bool pk_binding_overload(struct pk_registry *r, const struct pk_layer *l, int i,
                         uint64_t *val);

/*
 * A boolean setting of the net module's `conf` object (conf.checkIPaddr),
 * read when needed so the user can change it at any time; `def` when there
 * is no `conf` global or it lacks the setting (the packet module alone).
 */
bool pk_conf_flag(struct pk_vm *vm, const char *name, bool def);

/* layer.c: the packet type's release hook */
void pk_layer_release(struct pk_obj *o);

/* field.c */
void pk_field_default(const struct pk_field *f, union pk_fval *slot,
                      uint8_t *st);
void pk_slot_clear(union pk_fval *slot, uint8_t *st);
int pk_field_set(struct pk_vm *vm, const struct pk_layer *l,
                 const struct pk_field *f, pk_val v, union pk_fval *slot,
                 uint8_t *st);
int pk_field_get(struct pk_vm *vm, const struct pk_layer *l,
                 const struct pk_field *f, const union pk_fval *slot,
                 uint8_t st, pk_val *out);
/* i2repr text; `slot` may hold an implicit set. */
int pk_field_repr(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f, const union pk_fval *slot,
                  uint8_t st, struct pk_buf *out);
/* Convert one scalar (not a set) into slot for kind INT/MAC/IP4/IP6/BYTES. */
int pk_field_scalar(struct pk_vm *vm, const struct pk_layer *l,
                    const struct pk_field *f, pk_val v, union pk_fval *slot,
                    uint8_t *st);
int pk_field_size(struct pk_vm *vm, const struct pk_layer *l,
                  const struct pk_field *f, const union pk_fval *slot,
                  uint8_t st, enum pk_frel rel, uint64_t *out);
/* The field's value for the build: is it "present"? */
int pk_field_present(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f);
/* Append python's repr of bytes as scapy's StrField shows it. */
void pk_repr_scapy_bytes(struct pk_buf *out, const uint8_t *s, size_t n);
/* Python repr of a str. */
void pk_repr_pystr(struct pk_buf *out, const char *s, size_t n);
void pk_fmt_ip6(struct pk_buf *out, const uint8_t a[16]);
void pk_fmt_mac(struct pk_buf *out, const uint8_t a[6]);
/* A MAC field slot as the user spelt it (upper case kept, as scapy). */
void pk_fmt_mac_text(struct pk_buf *out, const uint8_t a[16]);
void pk_fmt_ip4(struct pk_buf *out, const uint8_t a[4]);
int pk_parse_ip4(const char *s, size_t n, uint8_t out[4]);
int pk_parse_mac(const char *s, size_t n, uint8_t out[6]);
int pk_parse_ip6(const char *s, size_t n, uint8_t out[16]);
/* Flags value text ("SA", "MF+DF"). */
void pk_fmt_flags(struct pk_buf *out, const struct pk_enum *e, uint64_t v);
/* Value of the enum name, or -1 with no exception. */
int pk_enum_lookup(const struct pk_enum *e, const char *s, uint64_t *out);
const char *pk_enum_name(const struct pk_enum *e, uint64_t v);

/* Values of layer l for the build: set value, else overload, else default. */
bool pk_layer_effective(struct pk_registry *r, const struct pk_layer *l, int i,
                        union pk_fval *v, uint8_t *st);

/*
 * As pk_layer_effective, and an unset automatic field that the proto's
 * pre_build resolves and marks PK_FS_SET (IP src, Ether src/dst, ICMP
 * timestamps) shows what the build would put there, as scapy's show()
 * and p.src do.
 */
int pk_layer_display(struct pk_vm *vm, const struct pk_layer *l, int i,
                     union pk_fval *v, uint8_t *st);

/* Integer value of field i as the build would use it (set, bound from
 * the payload, or default). */
static inline uint64_t pk_layer_u(struct pk_vm *vm, const struct pk_layer *l,
                                  int i)
{
	union pk_fval v;
	uint8_t st;

	pk_layer_effective(pk_registry(vm), l, i, &v, &st);
	return v.u;
}

/* show.c */
int pk_layer_show(struct pk_vm *vm, struct pk_layer *l, struct pk_buf *out,
                  const char *lvl, const char *label);
int pk_layer_repr(struct pk_vm *vm, const struct pk_layer *l,
                  struct pk_buf *out);
int pk_layer_command(struct pk_vm *vm, const struct pk_layer *l,
                     struct pk_buf *out);
void pk_hexdump(struct pk_buf *out, const uint8_t *p, size_t n);
int pk_layer_sprintf(struct pk_vm *vm, struct pk_layer *l, const char *fmt,
                     size_t n, struct pk_buf *out);

#define PK_SPRINTF(vm, l, s, out)                                              \
	pk_layer_sprintf(vm, (struct pk_layer *)(l), s, strlen(s), out)

/* flagval.c: the value of flags fields (p.flags). */
extern const struct pk_type pk_type_flagval;
pk_val pk_flagval_new(struct pk_vm *vm, const struct pk_field *f, uint64_t v);
bool pk_flagval_get(pk_val v, uint64_t *out);

/* build.c: what a build records for replaying it as a template */
struct pk_brec_layer {
	const struct pk_layer *l;
	size_t off, hlen, len; /* where the layer went (post_build's args) */
	int32_t *pos;      /* nfields: bit offset of each field, -1 absent */
	int32_t *end;      /* nfields: bit offset after it */
	union pk_fval *v;  /* nfields: the values written */
	uint8_t *st;       /* nfields */
	union pk_fval *v0; /* nfields: the same before pre_build */
	uint8_t *st0;      /* nfields */
};
struct pk_brec {
	int n;        /* layers of the top chain recorded */
	bool bad;     /* the chain holds something a replay cannot redo */
	bool snapped; /* image taken */
	struct pk_buf image; /* the chain's bytes before any post_build */
	struct pk_brec_layer layers[PK_MAX_DEPTH];
};
/*
 * Build pkt into out (as pk_packet_build) while recording, into rec
 * (zeroed by the caller, released with pk_brec_release), every top-chain
 * layer's field offsets and values.
 */
int pk_build_record(struct pk_vm *vm, pk_val pkt, struct pk_brec *rec,
                    struct pk_buf *out);
void pk_brec_release(struct pk_brec *rec);
/*
 * The values field by field as layer l builds them (its slots, then
 * binding rows, length relations and pre_build). v/st hold l's slots on
 * entry; l holds no implicit set. v0/st0 (may be NULL) get the values as
 * they were before pre_build.
 */
int pk_build_fill(struct pk_build *b, const struct pk_layer *l,
                  union pk_fval *v, uint8_t *st, union pk_fval *v0,
                  uint8_t *st0);
/* Write field f's value v at bit offset pos of buf, as the build does
 * (ints of any width and byte order, MAC, IPv4, IPv6). */
void pk_build_put(uint8_t *buf, int32_t pos, const struct pk_field *f,
                  const union pk_fval *v);

/*
 * build_set.c: a set built from a template. The first packet is built
 * and recorded once; every other one is those bytes with the varying
 * fields (and whatever pre_build derives from them) patched in, then the
 * post_build hooks (lengths, checksums) rerun. Only chains where that is
 * exactly what a build would give qualify.
 */
struct pk_tmpl;
/*
 * A template for a set whose varying fields are gens[2*k], gens[2*k+1]
 * (layer depth, field index). Nothing is built until the first offered
 * packet is (that build is recorded); a set that does not qualify then
 * builds in the general way. *out NULL when there are too many fields.
 */
int pk_tmpl_new(struct pk_vm *vm, const int *gens, int ng,
                struct pk_tmpl **out);
void pk_tmpl_unref(struct pk_tmpl *t);
/*
 * Say that the next pk_packet_build of w (another packet of t's set,
 * with only the varying fields changed) may use t. Holds a reference to
 * w until pk_tmpl_withdraw or the next offer. w's values are copied: a
 * build uses t only while w's chain and values are unchanged.
 */
void pk_tmpl_offer(struct pk_tmpl *t, struct pk_layer *w);
void pk_tmpl_withdraw(struct pk_tmpl *t);
/* From pk_packet_build: 1 built from the offer, 0 not offered (or the
 * packet changed since), -1 error. */
int pk_tmpl_build(struct pk_vm *vm, struct pk_registry *r, struct pk_layer *l,
                  struct pk_buf *out);

/* sets.c */
bool pk_layer_is_set(const struct pk_layer *l);
/* The k-th value of implicit set field i (a new slot, owning any object). */
int pk_gen_value(struct pk_vm *vm, const struct pk_layer *l, int i, uint64_t k,
                 union pk_fval *out, uint8_t *st);
/* A lazy iterator over the packets of an implicit set. */
int pk_packet_iter(struct pk_vm *vm, pk_val pkt, pk_val *out);

/* dissect.c */
struct pk_layer *pk_dissect_chain(struct pk_dissect *d,
                                  const struct pk_proto *p,
                                  struct pk_cursor *c);

/*
 * The layers of pkt for a quick look (haslayer, summary) that leaves a
 * lazy packet lazy: a lazy one is decoded into a temporary chain, given
 * back in *tmp for pk_packet_peek_done(). NULL only on OOM (no exception
 * left pending).
 */
struct pk_layer *pk_packet_peek(struct pk_vm *vm, pk_val pkt,
                                struct pk_layer **tmp);
void pk_packet_peek_done(struct pk_layer *tmp);
/*
 * Whether pkt has a layer of class p, as pk_layer_find() on the peeked
 * chain says, but a lazy packet is decoded only up to that layer.
 */
bool pk_packet_peek_has(struct pk_vm *vm, pk_val pkt, const struct pk_proto *p);

/*
 * Cycle collection of packets (value.h, CYCLES). A cycle through a
 * packet needs the user to put a value into one of its fields, or to
 * change an object its fields hold, so a layer is tracked only from the
 * first time that can happen: a field set to a list, dict or packet
 * (pk_layer_set), a field's object handed out (pk_layer_get, the
 * `fields` dict, a layer found inside a field by pk_layer_search), or a
 * tracked payload linked under it. The layers it sits on are tracked
 * with it, for the cycle runs through them. A dissected packet nobody
 * changes is never tracked, and costs the collector nothing.
 *
 * pk_layer_track(l): track l and the layers under it.
 * pk_layer_expose(l, i): field i's object is handed out or was set.
 */
void pk_layer_track(struct pk_layer *l);
void pk_layer_expose(struct pk_layer *l, int i);

/* The first layer of chain `l` that is of proto p, nth (1-based). */
struct pk_layer *pk_layer_find(struct pk_layer *l, const struct pk_proto *p,
                               int nth);
/*
 * The nth (1-based) layer of class p in l's packet as scapy's getlayer()
 * finds it: each layer, then the packets inside its fields that hold
 * packets (DNS records, IP options; depth first, a default such as DNS's
 * qd included), then its payload. *out is a new reference, or None when
 * there is none. 0, or -1 with an exception (out of memory).
 */
int pk_layer_search(struct pk_vm *vm, struct pk_layer *l,
                    const struct pk_proto *p, int nth, pk_val *out);
/* The first layer of the chain having field `name`; *idx its index. */
struct pk_layer *pk_layer_find_field(struct pk_layer *l, const char *name,
                                     int *idx);
/* Sub-protos (error classes) count as their base in haslayer/getitem? no:
 * scapy treats IPerror as a different class; kept separate. */

/* dissect fast path (owner: dissect) */

/*
 * dissect_header() for a layer whose values are only looked at while
 * dissecting (the skim of dissect_skim.c), from field `from` on (the
 * fields before it already read, ending on a whole byte): field i with
 * bit i of `skip` set is stepped over as read_field() would consume it,
 * its value left at the default; every other field is read as usual
 * (objects included, for the caller to release). The proto must have no
 * dissect hook. 0, or -1 on OOM (exception set).
 */
int pk_dissect_skim_header(struct pk_dissect *d, struct pk_layer *l,
                           struct pk_cursor *c, uint64_t skip, int from);
/* Step over field f of l as read_field() would consume it, for a field
 * the skim leaves undecoded (a byte string or a length-sized list). */
void pk_dissect_skip_field(const struct pk_layer *l, const struct pk_field *f,
                           struct pk_cursor *c);
/* Forget what the skim knows of the binding rows (a row was added). */
void pk_dissect_skim_forget(struct pk_vm *vm);

/*
 * Whether the chain dissected from `len` bytes at `data` as class `first`
 * has a layer of class `want`, answered without building it: 1 yes, 0 no,
 * -1 when the skim cannot tell (a layer with its own dissect hook that
 * may lead to `want`, want Raw or Padding, out of scratch space or
 * memory: no exception left) and the caller dissects in full. Whenever
 * it answers, the answer is pk_layer_find() on pk_dissect_chain()'s.
 */
int pk_dissect_skim_has(struct pk_vm *vm, const struct pk_proto *first,
                        const uint8_t *data, size_t len,
                        const struct pk_proto *want);

/*
 * Whether a chain whose next layer is of class `from` may contain a layer
 * of class `to` further on (from itself included): a path of dissect
 * binding rows, or a class on the way with a guess_payload hook (which
 * may pick anything); a class with a dissect hook may turn into any class
 * of the same field table (DNS over TCP's twin into DNS). Raw and
 * Padding, which any layer may end in, are not counted. Cached; adding a
 * binding row forgets the cache.
 */
bool pk_registry_may_reach(struct pk_vm *vm, const struct pk_proto *from,
                           const struct pk_proto *to);
/*
 * Whether a dissected packet may hold a layer of class p inside a field
 * rather than along its payload chain: a list element class (IP options,
 * DNS records) or the class of a registered proto's packet field.
 */
bool pk_registry_in_field(struct pk_vm *vm, const struct pk_proto *p);

#endif
