/*
 * layers6.h - private to src/layers: the IPv6 family (IPv6 and its
 * extension headers, ICMPv6 with ND and MLD) and DNS, and the helpers
 * their files share.
 */
#ifndef PKTSH_LAYERS6_H
#define PKTSH_LAYERS6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktsh/proto.h"

extern const struct pk_proto pk_proto_ipv6, pk_proto_iperror6, pk_proto_hbh,
    pk_proto_destopt, pk_proto_routing, pk_proto_fragment, pk_proto_pad1,
    pk_proto_padn, pk_proto_routeralert, pk_proto_jumbo, pk_proto_hao,
    pk_proto_hbhoptunknown, pk_proto_srh, pk_proto_srtlv, pk_proto_srpad1,
    pk_proto_srpadn, pk_proto_sringress, pk_proto_sregress;

extern const struct pk_proto pk_proto_icmp6unknown, pk_proto_icmp6destunreach,
    pk_proto_icmp6toobig, pk_proto_icmp6timeexceeded,
    pk_proto_icmp6paramproblem, pk_proto_icmp6echoreq, pk_proto_icmp6echorep,
    pk_proto_icmp6mlquery, pk_proto_icmp6mlreport, pk_proto_icmp6mldone,
    pk_proto_icmp6mlquery2, pk_proto_icmp6mlreport2, pk_proto_icmp6mladdrrec,
    pk_proto_nd_rs, pk_proto_nd_ra, pk_proto_nd_ns, pk_proto_nd_na,
    pk_proto_nd_redirect, pk_proto_ndopt_unknown, pk_proto_ndopt_srcll,
    pk_proto_ndopt_dstll, pk_proto_ndopt_prefix, pk_proto_ndopt_mtu,
    pk_proto_ndopt_rdnss, pk_proto_ndopt_redirhdr, pk_proto_ndopt_shortcut,
    pk_proto_ndopt_advint, pk_proto_ndopt_hainfo, pk_proto_ndopt_efa,
    pk_proto_ndopt_routeinfo, pk_proto_ndopt_dnssl, pk_proto_nd_indsol,
    pk_proto_nd_indadv, pk_proto_nd_mpadv, pk_proto_icmp6haadreq,
    pk_proto_icmp6haadrep, pk_proto_icmp6mpsol, pk_proto_icmp6mrdadv,
    pk_proto_icmp6mrdsol, pk_proto_icmp6mrdterm, pk_proto_icmp6rpl,
    pk_proto_ndopt_srcaddrlist, pk_proto_ndopt_tgtaddrlist;

extern const struct pk_proto pk_proto_dns, pk_proto_dnsqr, pk_proto_dnsrr,
    pk_proto_dnsrrmx, pk_proto_dnsrrsoa, pk_proto_dnsrrsrv, pk_proto_dnsrropt,
    pk_proto_edns0tlv, pk_proto_llmnrquery, pk_proto_llmnrresp,
    pk_proto_dnsrrrsig, pk_proto_dnsrrnsec, pk_proto_dnsrrdnskey,
    pk_proto_dnsrrds, pk_proto_dnsrrdlv, pk_proto_dnsrrnsec3,
    pk_proto_dnsrrnsec3param;

/* Export lists (registered by src/layers/registry.c). */
extern const struct pk_proto *const pk_layers_ipv6[];
/* The Jumbo Payload option of IPv6 layer l when l is a jumbogram (a
 * Hop-by-Hop header holding one right after it, RFC 2675), else NULL. */
const struct pk_layer *pk_ipv6_jumbo(const struct pk_layer *l);
extern const struct pk_proto *const pk_layers_icmpv6[];
extern const struct pk_proto *const pk_layers_dns[];

/* Payload class of an extension header: by its nh field (field 0). */
const struct pk_proto *pk_ipv6_ext_guess(struct pk_dissect *d,
                                         const struct pk_layer *l,
                                         const struct pk_cursor *pay);
extern const struct pk_enum pk_ipv6_nh_enum;

/*
 * The ICMPv6 class for a message (scapy dispatches on the type byte, and
 * only when the message is at least that type's minimum header length);
 * NULL when it stays Raw.
 */
const struct pk_proto *pk_icmp6_class(const uint8_t *p, size_t n);
/* Is p one of the ICMPv6 message classes? *type gets its type default. */
bool pk_icmp6_is(const struct pk_proto *p, uint8_t *type);
/* The destination scapy overloads into IPv6 for an ND/MLD message; false
 * when p overloads none. */
bool pk_icmp6_dst_overload(const struct pk_proto *p, uint8_t dst[16]);

/* Shared by the ICMPv6 files: the type names, the checksum filled at
 * build, scapy's _ICMPv6.answers, and sprintf-made summaries. */
extern const struct pk_enum pk_icmp6_type_enum;
int pk_icmp6_post_build(struct pk_build *b, const struct pk_layer *l,
                        size_t off, size_t hlen, size_t len);
int pk_icmp6_answers(struct pk_vm *vm, const struct pk_layer *self,
                     const struct pk_layer *other, bool *out);
int pk_icmp6_sprintf_summary(struct pk_vm *vm, const struct pk_layer *l,
                             const char *fmt, struct pk_buf *out);

/*
 * A list of IPv6 addresses (scapy's IP6ListField): the value is a list of
 * str, shown "[ a, b ]". Sized by a PK_REL_LEN or PK_REL_COUNT relation.
 */
extern const struct pk_field_ops pk_ip6list_ops;

/*
 * pk_layer_answers() that lets the reply's hook decide when the classes
 * differ (scapy checks the class only in the default answers()).
 */
int pk_l6_answers(struct pk_vm *vm, const struct pk_layer *reply,
                  const struct pk_layer *probe, bool *out);

/* Python's repr() of bytes (b'..'), as summaries print DNS names. */
void pk_repr_pybytes(struct pk_buf *out, const uint8_t *s, size_t n);

/*
 * Turn layer l, whose dissection failed, into a Raw layer holding the
 * bytes from `start` to the end of c, and consume them: scapy makes a
 * layer that raised while dissecting Raw, from its first byte.
 */
int pk_layer_become_raw(struct pk_dissect *d, struct pk_layer *l,
                        struct pk_cursor *c, const uint8_t *start);

/*
 * Would a layer of class p stop inside one of its fixed fields, given n
 * bytes? scapy raises there and makes the payload Raw; pk_guess_checked()
 * turns such a guess into Raw.
 */
bool pk_cut_in_field(const struct pk_proto *p, size_t n);
const struct pk_proto *pk_guess_checked(const struct pk_proto *p,
                                        const struct pk_cursor *pay);

/*
 * The same from inside field f's dissect hook, for a layer of fixed-size
 * fields before f: the Raw starts where the layer did, and the engine's
 * field loop stops.
 */
int pk_field_become_raw(struct pk_dissect *d, struct pk_layer *l,
                        const struct pk_field *f, struct pk_cursor *c);

/*
 * The next `len` bytes of c as a sub-cursor (pk_cur_sub), for a field
 * whose length comes from the wire. Bytes that end before the length
 * does make l `partial`: it builds back to what it read, with no padding
 * that was not there in front of the next layer (fuzz_roundtrip's rule).
 */
struct pk_cursor pk_layer_window(struct pk_layer *l, struct pk_cursor *c,
                                 size_t len);

/* The hidden field of pk_rawcache_*: never built, shown or dissected. */
int pk_never_present(struct pk_vm *vm, const struct pk_layer *l,
                     const struct pk_field *f);
#define PK_F_RAWCACHE                                                          \
	{                                                                      \
		.name = "_raw", .kind = PK_FK_CUSTOM, .ref = -1,               \
		.flags = PK_FF_NOREPR, .present = pk_never_present             \
	}

/*
 * scapy's raw cache for the bytes of a field that do not encode back to
 * themselves (DNS sections, DNSSL names): hidden field fi of l holds
 * [bytes as read, their encoding then, a key of the fields they depend
 * on]; while a build encodes the same under the same key, the bytes as
 * read go out. pk_rawcache_set() releases enc and key (-1: OOM); the
 * slot is PK_FS_OBJ only, so a partial build never writes it.
 */
int pk_rawcache_set(struct pk_vm *vm, struct pk_layer *l, int fi,
                    const uint8_t *orig, size_t n, struct pk_buf *enc,
                    struct pk_buf *key);
/* The bytes as read when `enc` and `key` are what the cache holds. */
const struct pk_bytes *pk_rawcache_hit(const struct pk_layer *l, int fi,
                                       const struct pk_buf *enc,
                                       const struct pk_buf *key);
/* The key part alone matches (to skip encoding when it cannot hit). */
bool pk_rawcache_key_ok(const struct pk_layer *l, int fi,
                        const struct pk_buf *key);

#endif
