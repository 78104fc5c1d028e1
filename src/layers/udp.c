/*
 * udp.c - UDP (RFC 768) and UDPerror (quoted in ICMP errors).
 *
 *   | sport:16 | dport:16 | len:16 | chksum:16 |
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "layers6.h"

enum { F_SPORT, F_DPORT, F_LEN, F_CHKSUM };

static const struct pk_field udp_fields[] = {
    PK_F_INT("sport", 16, 53, PK_FMT_UDPPORT),
    PK_F_INT("dport", 16, 53, PK_FMT_UDPPORT), PK_F_AUTO("len", 16, PK_FMT_DEC),
    PK_F_AUTO("chksum", 16, PK_FMT_HEX), PK_F_END};

/* Is UDP layer l carried by an IPv6 jumbogram? */
static bool in_jumbogram(const struct pk_layer *l)
{
	const struct pk_layer *u = l->under;

	while (u && u->proto != &pk_proto_ipv6 && u->proto != &pk_proto_ip)
		u = u->under;
	return u && u->proto == &pk_proto_ipv6 && pk_ipv6_jumbo(u);
}

static int udp_post_build(struct pk_build *b, const struct pk_layer *l,
                          size_t off, size_t hlen, size_t len)
{
	uint8_t *p = (uint8_t *)b->out->buf + off;
	uint16_t c;
	int r;

	if (hlen < 8)
		return 0;
	if (!pk_layer_isset(l, F_LEN)) {
		/* in a jumbogram a longer datagram says 0 (RFC 2675) */
		if (pk_build_put_len(
		        b, l, F_LEN, off + 4, 2,
		        len > 0xffff && in_jumbogram(l) ? 0 : len,
		        "a UDP datagram is at most 65535 bytes, except in an IPv6 "
		        "jumbogram") < 0)
			return -1;
	}
	if (pk_layer_isset(l, F_CHKSUM))
		return 0;
	p[6] = p[7] = 0;
	r = pk_cksum_l4(b, l, 17, off, len, &c);
	if (r < 0)
		return -1;
	if (c == 0 && r == 0)
		c = 0xffff; /* RFC 768: 0 means "no checksum" */
	p = (uint8_t *)b->out->buf + off;
	p[6] = (uint8_t)(c >> 8);
	p[7] = (uint8_t)c;
	return 0;
}

static void udp_extract_padding(const struct pk_layer *l, struct pk_cursor *pay)
{
	uint64_t n = l->f[F_LEN].u;
	size_t want = n > 8 ? (size_t)(n - 8) : 0;

	if (!pk_layer_isset(l, F_LEN)) {
		pay->truncated = true;
		return;
	}
	if (n == 0 && in_jumbogram(l))
		return; /* the jumbogram's length holds, RFC 2675 */
	if (want < pk_cur_left(pay))
		pay->end = pay->p + want;
}

static int udp_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	const struct pk_layer *u = l->under;
	const char *n = l->proto->name;
	char fmt[160];

	if (u && (u->proto == &pk_proto_ip || !strcmp(u->proto->name, "IPv6")))
		snprintf(
		    fmt, sizeof(fmt),
		    "UDP %%%s.src%%:%%%s.sport%% > %%%s.dst%%:%%%s.dport%%",
		    u->proto->name, n, u->proto->name, n);
	else
		snprintf(fmt, sizeof(fmt), "UDP %%%s.sport%% > %%%s.dport%%", n,
		         n);
	return PK_SPRINTF(vm, u ? u : l, fmt, out);
}

/* scapy checks the reply's destination port only, then the payloads */
static int udp_answers(struct pk_vm *vm, const struct pk_layer *reply,
                       const struct pk_layer *probe, bool *out)
{
	if (reply->f[F_DPORT].u != probe->f[F_SPORT].u) {
		*out = false;
		return 0;
	}
	return pk_layer_answers(vm, reply->payload, probe->payload, out);
}

const struct pk_proto pk_proto_udp = {
    .name = "UDP",
    .title = "UDP",
    .fields = udp_fields,
    .nfields = PK_NFIELDS(udp_fields),
    .post_build = udp_post_build,
    .extract_padding = udp_extract_padding,
    .summary = udp_summary,
    .answers = udp_answers,
};

const struct pk_proto pk_proto_udperror = {
    .name = "UDPerror",
    .title = "UDP in ICMP",
    .fields = udp_fields,
    .nfields = PK_NFIELDS(udp_fields),
    .post_build = udp_post_build,
};

const struct pk_proto *const pk_layers_udp[] = {
    &pk_proto_udp,
    &pk_proto_udperror,
    NULL,
};
