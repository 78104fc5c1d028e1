/*
 * checksum.c - the Internet checksum (RFC 1071) and the pseudo-headers of
 * TCP/UDP over IPv4 (RFC 793) and IPv6 (RFC 8200 8.1), for every layer.
 */
#include <string.h>

#include "engine.h"

uint32_t pk_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	/* 4 bytes at a time into a 64-bit accumulator: no carry handling
	 * needed inside the loop */
	while (len >= 4) {
		s +=
		    ((uint32_t)p[0] << 8 | p[1]) + ((uint32_t)p[2] << 8 | p[3]);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t pk_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t pk_cksum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
                          uint8_t proto, uint32_t len)
{
	uint8_t ph[12];

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return pk_cksum_add(0, ph, sizeof(ph));
}

uint32_t pk_cksum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
                          uint8_t nh, uint32_t len)
{
	uint8_t ph[40];

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nh;
	return pk_cksum_add(0, ph, sizeof(ph));
}

int pk_cksum_l4(struct pk_build *b, const struct pk_layer *l, uint8_t nh,
                size_t off, size_t len, uint16_t *out)
{
	const struct pk_layer *u;
	uint32_t sum = 0;

	for (u = l->under; u; u = u->under) {
		if (u->proto->l4_pseudo) {
			if (u->proto->l4_pseudo(b, u, u->boff, nh, len, &sum) <
			    0)
				return -1;
			break;
		}
	}
	if (!u) {
		*out = 0;
		return 1;
	}
	sum = pk_cksum_add(sum, b->out->buf + off, len);
	*out = pk_cksum_fold(sum);
	return 0;
}
