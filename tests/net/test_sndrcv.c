/*
 * test_sndrcv.c - the matcher and the send/receive loop, over the
 * in-memory loopback backend: no root, no network, no timing.
 *
 * Toy protocol: a frame is [id_hi, id_lo, kind]; kind 1 is a probe,
 * kind 2 an answer, kind 3 noise. The key is the id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pktsh/alloc.h"
#include "net/netio.h"

struct world {
	int copies;        /* answers per probe */
	int skip_odd;      /* first time, odd ids get no answer */
	int noise;         /* noise frames per probe */
	unsigned *seen;    /* sends per id */
	size_t stop_after; /* stop() says yes after this many pairs */
	size_t npairs;
	size_t pair_probe[4096];
	uint16_t pair_id[4096];
	struct pk_buf out;
	bool want_progress; /* every update, no rate limit */
	struct pk_buf prog;
	/* the network failing under the loop */
	size_t fail_at;     /* this send (1-based) and later fail... */
	int fail_err;       /* ...with this errno */
	size_t answer_upto; /* only ids below it are answered (0: all) */
	size_t lost_after;  /* the receiver is lost after this many sends */
	size_t nsends;
	bool forever; /* timeout=None */
};

static int respond(void *ctx, const uint8_t *d, size_t len, struct pk_netio *io)
{
	struct world *w = ctx;
	unsigned id = (unsigned)(d[0] << 8 | d[1]);
	uint8_t rep[3] = {d[0], d[1], 2}, junk[3] = {0xff, 0xff, 3};
	int i;

	w->nsends++;
	if (w->fail_at && w->nsends >= w->fail_at) {
		io->err = w->fail_err;
		return -1;
	}
	w->seen[id]++;
	if (w->answer_upto && id >= w->answer_upto)
		return 0;
	for (i = 0; i < w->noise; i++)
		pk_netio_loop_inject(io, junk, 3);
	if (w->skip_odd && (id & 1) && w->seen[id] == 1)
		return 0;
	for (i = 0; i < w->copies; i++)
		pk_netio_loop_inject(io, rep, 3);
	return 0;
}

static int lost(void *ctx)
{
	struct world *w = ctx;

	return w->lost_after && w->nsends >= w->lost_after ? ENETDOWN : 0;
}

static uint8_t probes_data[4096][3];

static int probe_key(void *ctx, size_t probe, struct pk_buf *key)
{
	return pk_buf_add(key, probes_data[probe], 2);
}

static int reply(void *ctx, size_t receiver, const uint8_t *data, size_t len,
                 double ts, void **handle, struct pk_buf *key)
{
	uint8_t *h = malloc(3);

	memcpy(h, data, 3);
	*handle = h;
	return pk_buf_add(key, data, 2);
}

static int answers(void *ctx, void *handle, size_t probe, bool *out)
{
	const uint8_t *r = handle, *p = probes_data[probe];

	*out = r[2] == 2 && p[2] == 1 && r[0] == p[0] && r[1] == p[1];
	return 0;
}

static int pair(void *ctx, size_t probe, void *handle)
{
	struct world *w = ctx;
	const uint8_t *r = handle;

	w->pair_probe[w->npairs] = probe;
	w->pair_id[w->npairs] = (uint16_t)(r[0] << 8 | r[1]);
	w->npairs++;
	free(handle);
	return 0;
}

static void drop(void *ctx, void *handle)
{
	free(handle);
}

static void write_out(void *ctx, const char *s, size_t len)
{
	struct world *w = ctx;

	pk_buf_add(&w->out, s, len);
}

static void write_progress(void *ctx, const char *s, size_t len)
{
	struct world *w = ctx;

	pk_buf_add(&w->prog, s, len);
}

static int stop(void *ctx)
{
	struct world *w = ctx;

	return w->stop_after && w->npairs >= w->stop_after;
}

/* Run n probes with ids 0..n-1 (probe i has id ids[i] if given). */
static int run(struct world *w, struct pk_sr *sr, size_t n, int retry,
               bool multi, int verbose)
{
	static struct pk_sr_probe probes[4096];
	static unsigned seen[65536];
	struct pk_netio io, *iop = &io;
	struct pk_netio_cfg cfg = {0};
	size_t i;
	int r;

	memset(seen, 0, sizeof(seen));
	w->seen = seen;
	pk_buf_init(&w->out, 0);
	pk_buf_init(&w->prog, 0);
	cfg.respond = respond;
	cfg.respond_ctx = w;
	cfg.lost = lost;
	assert_int_equal(pk_netio_open(&io, &pk_netio_loop, &cfg), 0);
	for (i = 0; i < n; i++) {
		probes_data[i][0] = (uint8_t)(i >> 8);
		probes_data[i][1] = (uint8_t)i;
		probes_data[i][2] = 1;
		memset(&probes[i], 0, sizeof(probes[i]));
		probes[i].data = probes_data[i];
		probes[i].len = 3;
	}
	memset(sr, 0, sizeof(*sr));
	sr->probes = probes;
	sr->nprobes = n;
	sr->senders = &iop;
	sr->nsenders = 1;
	sr->receivers = &iop;
	sr->nreceivers = 1;
	sr->timeout = w->forever ? -1 : 0;
	sr->retry = retry;
	sr->multi = multi;
	sr->verbose = verbose;
	sr->ctx = w;
	sr->probe_key = probe_key;
	sr->reply = reply;
	sr->answers = answers;
	sr->pair = pair;
	sr->drop = drop;
	sr->write = write_out;
	sr->stop = stop;
	if (w->want_progress)
		sr->progress = write_progress; /* progress_every 0: each send */
	r = pk_sr_run(sr);
	pk_netio_close(&io);
	return r;
}

static void all_answered_in_order(void **state)
{
	struct world w = {.copies = 1};
	struct pk_sr sr;
	size_t i;

	assert_int_equal(run(&w, &sr, 4000, 0, false, 0), 0);
	assert_int_equal(sr.nans, 4000);
	assert_int_equal(sr.nrecv, 0);
	assert_int_equal(w.npairs, 4000);
	for (i = 0; i < 4000; i++) {
		assert_int_equal(w.pair_probe[i], i);
		assert_int_equal(w.pair_id[i], i);
		assert_true(sr.probes[i].answered);
		assert_true(sr.probes[i].sent > 0);
	}
	assert_int_equal(w.out.len, 0);
	pk_buf_release(&w.out);
}

static void duplicates_only_with_multi(void **state)
{
	struct world w = {.copies = 2};
	struct pk_sr sr;

	assert_int_equal(run(&w, &sr, 100, 0, false, 0), 0);
	assert_int_equal(sr.nans, 100);
	assert_int_equal(sr.nrecv, 100); /* the second copy answers nothing */
	pk_buf_release(&w.out);

	memset(&w, 0, sizeof(w));
	w.copies = 2;
	assert_int_equal(run(&w, &sr, 100, 0, true, 0), 0);
	assert_int_equal(sr.nans, 200);
	assert_int_equal(sr.nrecv, 0);
	pk_buf_release(&w.out);
}

static void noise_is_counted_not_matched(void **state)
{
	struct world w = {.copies = 1, .noise = 2};
	struct pk_sr sr;

	assert_int_equal(run(&w, &sr, 10, 0, false, 0), 0);
	assert_int_equal(sr.nans, 10);
	assert_int_equal(sr.nrecv, 20);
	pk_buf_release(&w.out);
}

static void retry_resends_only_unanswered(void **state)
{
	struct world w = {.copies = 1, .skip_odd = 1};
	struct pk_sr sr;
	size_t i;

	/* no retry: the odd half stays unanswered */
	assert_int_equal(run(&w, &sr, 10, 0, false, 0), 0);
	assert_int_equal(sr.nans, 5);
	for (i = 0; i < 10; i++)
		assert_int_equal(sr.probes[i].answered, !(i & 1));
	pk_buf_release(&w.out);

	memset(&w, 0, sizeof(w));
	w.copies = 1;
	w.skip_odd = 1;
	assert_int_equal(run(&w, &sr, 10, 2, false, 0), 0);
	assert_int_equal(sr.nans, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(w.seen[i], (i & 1) ? 2 : 1);
	assert_int_equal(sr.nsent, 5); /* the last round sent the odd half */
	pk_buf_release(&w.out);

	/* negative retry: repeat while rounds bring answers */
	memset(&w, 0, sizeof(w));
	w.copies = 1;
	w.skip_odd = 1;
	assert_int_equal(run(&w, &sr, 10, -1, false, 0), 0);
	assert_int_equal(sr.nans, 10);
	pk_buf_release(&w.out);
}

static void scapy_verbose_text(void **state)
{
	struct world w = {.copies = 1, .skip_odd = 1, .noise = 0};
	struct pk_sr sr;
	const char *want =
	    "Begin emission:\n"
	    "Finished sending 3 packets.\n"
	    "**\n"
	    "Received 2 packets, got 2 answers, remaining 1 packets\n";

	assert_int_equal(run(&w, &sr, 3, 0, false, 2), 0);
	assert_string_equal(w.out.buf, want);
	pk_buf_release(&w.out);

	memset(&w, 0, sizeof(w));
	w.copies = 1;
	w.noise = 1;
	assert_int_equal(run(&w, &sr, 2, 0, false, 1), 0);
	assert_string_equal(
	    w.out.buf,
	    "Begin emission:\n"
	    "Finished sending 2 packets.\n"
	    "\nReceived 4 packets, got 2 answers, remaining 0 packets\n");
	pk_buf_release(&w.out);
}

/* The live line goes to its own stream, "\r"-led, one update per send
 * here (no rate limit), then blanked; the scapy text is untouched. */
static void progress_line_apart_and_erased(void **state)
{
	struct world w = {.copies = 1, .skip_odd = 1, .want_progress = true};
	struct pk_sr sr;
	const char *p,
	    *want[3] = {"sent 1/3, answered 1, ", "sent 2/3, answered 1, ",
	                "sent 3/3, answered 2, "};
	size_t i, len, width = 0;

	assert_int_equal(run(&w, &sr, 3, 0, false, 2), 0);
	assert_string_equal(
	    w.out.buf,
	    "Begin emission:\n"
	    "Finished sending 3 packets.\n"
	    "**\n"
	    "Received 2 packets, got 2 answers, remaining 1 packets\n");
	p = w.prog.buf;
	for (i = 0; i < 3; i++) {
		assert_true(p[0] == '\r');
		assert_memory_equal(p + 1, want[i], strlen(want[i]));
		len = strcspn(p + 1, "\r");
		assert_true(strstr(p, " packets/s") < p + 1 + len);
		if (len > width)
			width = len;
		p += 1 + len;
	}
	/* erased: "\r", blanks over the widest line, "\r" */
	assert_int_equal(strlen(p), width + 2);
	assert_true(p[0] == '\r' && p[width + 1] == '\r');
	for (i = 1; i <= width; i++)
		assert_true(p[i] == ' ');
	assert_null(memchr(w.prog.buf, '\n', w.prog.len));
	pk_buf_release(&w.out);
	pk_buf_release(&w.prog);

	/* verbose=0: no line at all */
	memset(&w, 0, sizeof(w));
	w.copies = 1;
	w.want_progress = true;
	assert_int_equal(run(&w, &sr, 3, 0, false, 0), 0);
	assert_int_equal(w.prog.len, 0);
	pk_buf_release(&w.out);
	pk_buf_release(&w.prog);
}

static void stop_keeps_partial_results(void **state)
{
	struct world w = {.copies = 1, .stop_after = 5};
	struct pk_sr sr;

	assert_int_equal(run(&w, &sr, 100, 0, false, 0), 0);
	assert_true(sr.stopped);
	assert_int_equal(sr.nans, 5);
	assert_int_equal(w.npairs, 5);
	pk_buf_release(&w.out);
}

/* A send failing because the network went away, after the first probe
 * left: the sending stops, the answers so far are kept, and the wait for
 * answers (forever here) ends once the probes that left are answered. */
static void send_failure_keeps_answers(void **state)
{
	struct world w = {.copies = 1,
	                  .fail_at = 11,
	                  .fail_err = ENETUNREACH,
	                  .forever = true};
	struct pk_sr sr;
	size_t i;

	assert_int_equal(run(&w, &sr, 100, 0, false, 1), 0);
	assert_true(sr.sendfail);
	assert_string_equal(sr.sendbuf, "Network is unreachable");
	assert_int_equal(sr.ntotal, 10);
	assert_int_equal(sr.nans, 10);
	for (i = 0; i < 100; i++)
		assert_int_equal(sr.probes[i].answered, i < 10);
	/* scapy's "remaining" counts the round's probes, sent or not */
	assert_string_equal(
	    w.out.buf,
	    "Begin emission:\n\nReceived 10 packets, got 10 answers, "
	    "remaining 90 packets\n");
	pk_buf_release(&w.out);
}

/* Before anything left, or for a fault of the packet (EMSGSIZE), a failed
 * send is an error, as before. */
static void send_failure_errors(void **state)
{
	struct world w = {.copies = 1, .fail_at = 1, .fail_err = ENETUNREACH};
	struct pk_sr sr;

	assert_int_equal(run(&w, &sr, 100, 0, false, 0), -1);
	assert_int_equal(sr.err, ENETUNREACH);
	assert_false(sr.sendfail);
	pk_buf_release(&w.out);

	memset(&w, 0, sizeof(w));
	w.copies = 1;
	w.fail_at = 5;
	w.fail_err = EMSGSIZE;
	assert_int_equal(run(&w, &sr, 100, 0, false, 0), -1);
	assert_int_equal(sr.err, EMSGSIZE);
	assert_false(sr.sendfail);
	pk_buf_release(&w.out);
}

/* The receiver's interface goes down while sr() waits forever for
 * answers that will never come: the wait ends, results kept. */
static void lost_receiver_ends_wait(void **state)
{
	struct world w = {
	    .copies = 1, .answer_upto = 5, .lost_after = 20, .forever = true};
	struct pk_sr sr;

	assert_int_equal(run(&w, &sr, 20, 0, false, 0), 0);
	assert_int_equal(sr.nlost, 1);
	assert_string_equal(sr.lostbuf, "interface 'loop' went down");
	assert_int_equal(sr.nans, 5);
	assert_int_equal(sr.ntotal, 20);
	pk_buf_release(&w.out);
}

static int first_true(void *ctx, size_t probe)
{
	return probe >= *(size_t *)ctx;
}

static void matcher_order_and_removal(void **state)
{
	struct pk_match m;
	size_t from = 0, i;

	assert_int_equal(pk_match_init(&m, 4), 0);
	/* enough keys to force the table to grow */
	for (i = 0; i < 1000; i++) {
		uint32_t k = (uint32_t)(i % 300);

		assert_int_equal(pk_match_add(&m, &k, sizeof(k), i), 0);
	}
	assert_int_equal(m.nentries, 1000);
	assert_int_equal(m.ngroups, 300);
	{
		uint32_t k = 7;

		/* probes 7, 307, 607, 907 share key 7: earliest first */
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), 7);
		assert_int_equal(
		    pk_match_find(&m, &k, 4, true, first_true, &from), 307);
		from = 600;
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), 607);
		from = 0;
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), 307);
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), 907);
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), -1);
		/* the emptied group is gone; adding again works */
		assert_int_equal(pk_match_add(&m, &k, 4, 5000), 0);
		assert_int_equal(
		    pk_match_find(&m, &k, 4, false, first_true, &from), 5000);
	}
	{
		uint8_t other[3] = {1, 2, 3};

		assert_int_equal(
		    pk_match_find(&m, other, 3, false, first_true, &from), -1);
	}
	assert_int_equal(m.nentries, 1000 - 4);
	pk_match_release(&m);
}

static void pretty_table_like_scapy(void **state)
{
	const char *cells[] = {"Network", "Gw", "Metric", "b.x", "1", "0",
	                       "a.y",     "22", "1",      "b.a", "3", "7"};
	struct pk_buf b = PK_BUF_INIT;

	pk_net_pretty_table(&b, cells, 4, 3, 0);
	assert_string_equal(b.buf, "Network  Gw  Metric\n"
	                           "a.y      22  1     \n"
	                           "b.a      3   7     \n"
	                           "b.x      1   0     ");
	pk_buf_release(&b);
}

/* The host table scapy printed on the development machine. */
static void route_table_and_lookup(void **state)
{
	struct pk_ifaddr lo_a[] = {{AF_INET, {127, 0, 0, 1}, 8},
	                           {AF_INET6, {[15] = 1}, 128}};
	struct pk_ifaddr eth_a[] = {
	    {AF_INET, {192, 0, 2, 2}, 24},
	    {AF_INET6, {0xfd, 0, [15] = 2}, 64},
	};
	struct pk_intf ifs[2] = {
	    {.name = "lo",
	     .index = 1,
	     .up = true,
	     .loopback = true,
	     .naddr = 2,
	     .addrs = lo_a},
	    {.name = "eth0",
	     .index = 4,
	     .up = true,
	     .has_mac = true,
	     .naddr = 2,
	     .addrs = eth_a},
	};
	struct pk_route4 r4[] = {
	    {0x7f000000, 0xff000000, 0, "lo", 0x7f000001, 1},
	    {0, 0, 0xc0000201, "eth0", 0xc0000202, 0},
	    {0xc0000200, 0xffffff00, 0, "eth0", 0xc0000202, 0},
	    /* a worse twin of the connected route: loses on metric */
	    {0xc0000200, 0xffffff00, 0xc0000209, "eth0", 0xc0000202, 5},
	};
	struct pk_rtable t;
	struct pk_nexthop nh;
	struct pk_buf b = PK_BUF_INIT;
	uint8_t a4[4] = {198, 18, 0, 2}, on[4] = {192, 0, 2, 77},
	        me[4] = {192, 0, 2, 2};
	char ifn[PK_IFNAME_MAX];

	memset(&t, 0, sizeof(t));
	t.intf.n = 2;
	t.intf.v = ifs;
	t.r4 = r4;
	t.n4 = 3;
	pk_rtable_format4(&t, &b);
	assert_string_equal(
	    b.buf,
	    "Network    Netmask        Gateway    Iface  Output IP  Metric\n"
	    "0.0.0.0    0.0.0.0        192.0.2.1  eth0   192.0.2.2  0     \n"
	    "127.0.0.0  255.0.0.0      0.0.0.0    lo     127.0.0.1  1     \n"
	    "192.0.2.0  255.255.255.0  0.0.0.0    eth0   192.0.2.2  0     ");
	pk_buf_release(&b);
	t.n4 = 4;
	pk_rtable_lookup(&t, AF_INET, a4, &nh);
	assert_true(nh.found);
	assert_string_equal(nh.iface, "eth0");
	assert_memory_equal(nh.src, me, 4);
	assert_memory_equal(nh.gw, "\xc0\x00\x02\x01", 4);
	assert_int_equal(nh.ifindex, 4);
	pk_rtable_lookup(&t, AF_INET, on, &nh);
	assert_memory_equal(nh.gw, "\0\0\0\0", 4); /* metric 0 beats 5 */
	assert_false(nh.local);
	pk_rtable_lookup(&t, AF_INET, me, &nh);
	assert_true(nh.local);
	pk_rtable_default_iface(&t, ifn);
	assert_string_equal(ifn, "eth0");
	t.n4 = 1; /* no default route: loopback, as scapy */
	pk_rtable_default_iface(&t, ifn);
	assert_string_equal(ifn, "lo");
	t.n4 = 0;
	pk_rtable_lookup(&t, AF_INET, a4, &nh);
	assert_false(nh.found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(all_answered_in_order),
	    cmocka_unit_test(duplicates_only_with_multi),
	    cmocka_unit_test(noise_is_counted_not_matched),
	    cmocka_unit_test(retry_resends_only_unanswered),
	    cmocka_unit_test(scapy_verbose_text),
	    cmocka_unit_test(progress_line_apart_and_erased),
	    cmocka_unit_test(stop_keeps_partial_results),
	    cmocka_unit_test(send_failure_keeps_answers),
	    cmocka_unit_test(send_failure_errors),
	    cmocka_unit_test(lost_receiver_ends_wait),
	    cmocka_unit_test(matcher_order_and_removal),
	    cmocka_unit_test(pretty_table_like_scapy),
	    cmocka_unit_test(route_table_and_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
