/*
 * io_flood.c - the I/O layer alone against the kernel: 65535 TCP SYNs
 * through the raw IPv4 backend, every answer read back with the pcap
 * backend and matched by the send/receive loop. No packet engine and no
 * interpreter: the probes are built by hand and the matching is a toy
 * (key: our port; answer: from the peer's probed port to ours).
 *
 * Run by nstest.sh inside the namespace pair (198.18.0.1 on v-c, the
 * peer 198.18.0.2 listening on port 80): usage io_flood [scenario].
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netio.h"

#define NPROBES 65535

static uint8_t probes[NPROBES][40];
static size_t nsa, nra;

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	return s;
}

static void make_syn(uint8_t *p, const uint8_t *src, const uint8_t *dst,
                     unsigned dport)
{
	uint8_t *t = p + 20;
	uint16_t c;

	memset(p, 0, 40);
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	c = fold(sum(p, 20, 0));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	t[0] = 0;
	t[1] = 20;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	t[12] = 0x50;
	t[13] = 0x02; /* SYN */
	t[14] = 0x20;
	/* pseudo-header: addresses, protocol, TCP length */
	c = fold(sum(t, 20, sum(p + 12, 8, 6 + 20)));
	t[16] = (uint8_t)(c >> 8);
	t[17] = (uint8_t)c;
}

static int probe_key(void *ctx, size_t i, struct pk_buf *key)
{
	return pk_buf_add(key, probes[i] + 22, 2);
}

static int reply(void *ctx, size_t rx, const uint8_t *d, size_t len, double ts,
                 void **handle, struct pk_buf *key)
{
	uint8_t *copy;

	/* Ether / IPv4 (no options) / TCP */
	if (len < 14 + 40 || d[12] != 0x08 || d[13] != 0x00 || d[14] != 0x45 ||
	    d[14 + 9] != 6)
		return 1;
	copy = malloc(40);
	if (!copy)
		return -1;
	memcpy(copy, d + 14, 40);
	*handle = copy;
	return pk_buf_add(key, d + 14 + 20, 2);
}

static int answers(void *ctx, void *handle, size_t i, bool *out)
{
	const uint8_t *r = handle;

	*out = !memcmp(r + 12, probes[i] + 16, 4) &&
	       !memcmp(r + 20, probes[i] + 22, 2) && (r[33] & 0x10);
	return 0;
}

static int pair(void *ctx, size_t i, void *handle)
{
	const uint8_t *r = handle;

	if ((r[33] & 0x12) == 0x12)
		nsa++;
	else if (r[33] & 0x04)
		nra++;
	free(handle);
	return 0;
}

static void drop(void *ctx, void *handle)
{
	free(handle);
}

int main(int argc, char **argv)
{
	static struct pk_sr_probe sp[NPROBES];
	struct pk_netio tx, rx, *txp = &tx, *rxp = &rx;
	struct pk_netio_cfg cfg = {0};
	struct pk_sr sr;
	uint8_t src[4] = {198, 18, 0, 1}, dst[4] = {198, 18, 0, 2};
	size_t i;

	for (i = 0; i < NPROBES; i++) {
		make_syn(probes[i], src, dst, (unsigned)i + 1);
		sp[i].data = probes[i];
		sp[i].len = 40;
	}
	if (pk_netio_open(&tx, &pk_netio_raw4, &cfg) < 0) {
		fprintf(stderr, "raw socket: %s\n", tx.errbuf);
		return 1;
	}
	cfg.iface = "v-c";
	cfg.capture = true;
	cfg.filter = "ip dst 198.18.0.1";
	cfg.bufsize = 128 << 20;
	if (pk_netio_open(&rx, &pk_netio_pcap, &cfg) < 0) {
		fprintf(stderr, "pcap: %s\n", rx.errbuf);
		return 1;
	}
	memset(&sr, 0, sizeof(sr));
	sr.probes = sp;
	sr.nprobes = NPROBES;
	sr.senders = &txp;
	sr.nsenders = 1;
	sr.receivers = &rxp;
	sr.nreceivers = 1;
	sr.timeout = 2;
	sr.probe_key = probe_key;
	sr.reply = reply;
	sr.answers = answers;
	sr.pair = pair;
	sr.drop = drop;
	if (pk_sr_run(&sr) < 0) {
		fprintf(stderr, "sr: %s\n", sr.errbuf);
		return 1;
	}
	pk_netio_close(&rx);
	pk_netio_close(&tx);
	printf("answers %zu of %d\n", sr.nans, NPROBES);
	printf("SA %zu RA %zu\n", nsa, nra);
	printf("unmatched %zu\n", sr.nrecv);
	printf("kernel drops %u\n", rx.drops);
	return 0;
}
