/*
 * fastkey.c - hashret() and answers() of plain IPv4/TCP, read from the
 * bytes.
 *
 * A port scan's probes and answers are IPv4/TCP with nothing after the
 * TCP header. Dissecting each into layers only to read six fields was
 * most of sr()'s own time (issue #6), so for exactly those packets the
 * key and the answers() verdict come from the bytes here. Everything
 * else, and anything this file is unsure of, goes the general way
 * (the layers' hashret/answers hooks); tests/net/test_fastkey.c checks
 * the two agree.
 */
#include <string.h>

#include "pktsh/cursor.h"
#include "netio.h"

static const uint8_t mdns4[4] = {224, 0, 0, 251};

int pk_tcp4_parse(const uint8_t *d, size_t len, bool trailer, struct pk_tcp4 *t)
{
	struct pk_cursor c = pk_cur_make(d, len);
	unsigned vihl, tot, frag, proto, doff;

	vihl = pk_get_u8(&c);
	pk_cur_skip(&c, 1);
	tot = pk_get_be16(&c);
	pk_cur_skip(&c, 2);
	frag = pk_get_be16(&c) & 0x1fff;
	pk_cur_skip(&c, 1);
	proto = pk_get_u8(&c);
	pk_cur_skip(&c, 2);
	pk_get_bytes(&c, t->src, 4);
	pk_get_bytes(&c, t->dst, 4);
	t->sport = pk_get_be16(&c);
	t->dport = pk_get_be16(&c);
	t->seq = pk_get_be32(&c);
	t->ack = pk_get_be32(&c);
	doff = pk_get_u8(&c);
	t->flags = (uint16_t)(((doff & 1) << 8) | pk_get_u8(&c));
	doff >>= 4;
	if (c.truncated)
		return 0;
	/* no IP options (their classes dissect on their own), not a
	 * fragment, TCP by the binding row, and the TCP header ends the
	 * total length exactly: no payload layer that could hash */
	if (vihl != 0x45 || frag || proto != 6 || doff < 5 ||
	    tot != 20 + doff * 4 || tot > len || (!trailer && tot != len))
		return 0;
	/* mDNS answers hash and match by their own rule */
	if (!memcmp(t->dst, mdns4, 4))
		return 0;
	return 1;
}

void pk_tcp4_hashret(const struct pk_tcp4 *t, bool checkaddr,
                     struct pk_buf *key)
{
	uint8_t k[7];
	uint16_t p = (uint16_t)(t->sport ^ t->dport);
	int i;

	for (i = 0; i < 4; i++)
		k[i] = t->src[i] ^ t->dst[i];
	k[4] = 6;
	k[5] = (uint8_t)(p >> 8);
	k[6] = (uint8_t)p;
	/* conf.checkIPaddr off: replies from any address meet the probe */
	if (checkaddr)
		pk_buf_add(key, k, 7);
	else
		pk_buf_add(key, k + 4, 3);
}

bool pk_tcp4_answers(const struct pk_tcp4 *r, const struct pk_tcp4 *p,
                     bool checkaddr)
{
	enum { FIN = 1, SYN = 2, RST = 4, ACK = 16 };
	int64_t d;

	/* IP: the reply comes back from where the probe went */
	if (checkaddr &&
	    (memcmp(r->dst, p->src, 4) || memcmp(p->dst, r->src, 4)))
		return false;
	/* TCP, as scapy 2.5's TCP.answers with no probe payload */
	if (p->flags & RST)
		return false;
	if ((r->flags & SYN) && (!(r->flags & ACK) || !(p->flags & SYN)))
		return false;
	if (r->sport != p->dport || r->dport != p->sport)
		return false;
	if (!((p->flags & SYN) && !(p->flags & ACK))) {
		d = (int64_t)p->ack - (int64_t)r->seq;
		if (d > 2 || d < -2)
			return false;
	}
	if ((r->flags & RST) && !(r->flags & ACK))
		return true;
	d = (int64_t)p->seq - (int64_t)r->ack;
	return d <= 2 && -d <= 2;
}
