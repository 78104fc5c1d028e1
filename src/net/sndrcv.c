/*
 * sndrcv.c - send probes and match their answers, receiving WHILE sending.
 *
 * scapy 2.5 sends every probe before it reads the first reply, so the
 * replies of a large sr() pile up in the socket buffer and most are lost.
 * Here the receivers are opened before the first probe leaves and drained
 * (non-blocking) after every send, so the kernel buffer only ever holds
 * what arrived since the last send. A probe is filed in the matcher
 * before it is sent, so even an instant answer finds it.
 *
 * Rounds and counters follow scapy's SndRcvHandler: retry > 0 resends the
 * unanswered up to `retry` more times, retry < 0 resends while a round
 * still brings new answers; "remaining" is the last round's sent count
 * minus the answered probes.
 *
 * When the network fails under the loop (an interface goes down or away,
 * a route is removed), what was already answered is kept: a send that
 * fails that way after the first probe left ends the sending, as scapy's
 * sending thread logs the error and stops, and a receiver whose interface
 * is lost is dropped (libpcap does not notice an interface going down,
 * so receivers are also checked every CHECK_EVERY seconds). With no
 * receiver left nothing more can come, so the wait ends at once instead
 * of at the timeout, or never without one.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "netio.h"

#define CHECK_EVERY 0.2 /* seconds between checks of the receivers */

struct run {
	struct pk_sr *sr;
	struct pk_match m;
	struct pk_buf key;
	size_t receiver;
	size_t pending;  /* probes without an answer */
	size_t answered; /* probes with at least one answer */
	bool failed;
	bool *dead;   /* per receiver: lost, no longer read */
	size_t alive; /* receivers not dead */
	double next_check;
	bool hold; /* while sending, progress marks wait */
	struct pk_buf marks;
	/* the live progress line (sr->progress) */
	double t0, shown; /* start of the round, last update */
	size_t width;     /* characters on screen, 0 if none */
};

struct test_ctx {
	struct pk_sr *sr;
	void *handle;
	bool failed;
};

static void say(struct pk_sr *sr, const char *s)
{
	if (sr->write)
		sr->write(sr->ctx, s, strlen(s));
}

static void mark(struct run *r, char c)
{
	if (r->sr->verbose <= 1)
		return;
	if (r->hold)
		pk_buf_addch(&r->marks, c);
	else if (r->sr->write)
		r->sr->write(r->sr->ctx, &c, 1);
}

static int test_answer(void *ctx, size_t probe)
{
	struct test_ctx *t = ctx;
	bool yes = false;

	if (t->sr->answers(t->sr->ctx, t->handle, probe, &yes) < 0)
		return -1;
	return yes;
}

static int on_frame(void *ctx, const uint8_t *data, size_t len, double ts)
{
	struct run *r = ctx;
	struct pk_sr *sr = r->sr;
	struct test_ctx t = {sr, NULL, false};
	long probe;
	int x;

	if (r->failed)
		return -1;
	pk_buf_reset(&r->key);
	x = sr->reply(sr->ctx, r->receiver, data, len, ts, &t.handle, &r->key);
	if (x < 0)
		goto cbfail;
	if (x > 0)
		return 0;
	if (pk_buf_failed(&r->key)) {
		sr->drop(sr->ctx, t.handle);
		goto oom;
	}
	probe = pk_match_find(&r->m, r->key.buf, r->key.len, sr->multi,
	                      test_answer, &t);
	if (probe == -2) {
		sr->drop(sr->ctx, t.handle);
		goto cbfail;
	}
	if (probe < 0) {
		sr->drop(sr->ctx, t.handle);
		sr->nrecv++;
		mark(r, '.');
		return 0;
	}
	if (!sr->probes[probe].answered) {
		sr->probes[probe].answered = true;
		r->pending--;
		r->answered++;
	}
	sr->nans++;
	if (sr->pair(sr->ctx, (size_t)probe, t.handle) < 0)
		goto cbfail;
	mark(r, '*');
	return 0;
oom:
	r->failed = true;
	sr->err = ENOMEM;
	snprintf(sr->errbuf, sizeof(sr->errbuf), "out of memory");
	return -1;
cbfail:
	r->failed = true;
	sr->cb_error = true;
	return -1;
}

/* Receiver i lost its interface (io->errbuf says how): stop reading it. */
static void lose(struct run *r, size_t i)
{
	struct pk_sr *sr = r->sr;

	r->dead[i] = true;
	r->alive--;
	if (!sr->nlost++)
		snprintf(sr->lostbuf, sizeof(sr->lostbuf), "%s",
		         sr->receivers[i]->errbuf);
}

/* Every CHECK_EVERY seconds: are the receivers' interfaces still there?
 * `now` is the time, or 0 to read the clock. */
static void check_receivers(struct run *r, double now)
{
	struct pk_sr *sr = r->sr;
	size_t i;

	if (now <= 0)
		now = pk_net_now();
	if (now < r->next_check)
		return;
	r->next_check = now + CHECK_EVERY;
	for (i = 0; i < sr->nreceivers; i++)
		if (!r->dead[i] && pk_netio_check(sr->receivers[i]) < 0)
			lose(r, i);
}

static int drain(struct run *r)
{
	struct pk_sr *sr = r->sr;
	size_t i;

	for (i = 0; i < sr->nreceivers && !r->failed; i++) {
		struct pk_netio *io = sr->receivers[i];
		int n;

		if (r->dead[i])
			continue;
		r->receiver = i;
		do {
			n = io->ops->recv(io, on_frame, r);
		} while (n > 0 && !r->failed);
		if (n < 0 && !r->failed &&
		    (pk_net_err_is_gone(io->err) || pk_netio_check(io) < 0)) {
			lose(r, i);
		} else if (n < 0 && !r->failed) {
			sr->err = io->err;
			snprintf(sr->errbuf, sizeof(sr->errbuf),
			         "receiving on '%s': %.200s", io->iface,
			         io->errbuf);
			r->failed = true;
		}
	}
	return r->failed ? -1 : 0;
}

/* Receive until `deadline` (INFINITY: no limit), the stop flag, or, if
 * `early`, until no probe waits any more. */
static int wait_until(struct run *r, double deadline, bool early)
{
	struct pk_sr *sr = r->sr;
	struct pollfd fds[16];
	size_t at[16];
	size_t i, n = 0;

	for (i = 0; i < sr->nreceivers && n < 16; i++) {
		int fd = sr->receivers[i]->ops->fd(sr->receivers[i]);

		if (fd >= 0) {
			fds[n].fd = fd;
			fds[n].events = POLLIN;
			at[n] = i;
			n++;
		}
	}
	for (;;) {
		double now = pk_net_now(), left = deadline - now;
		int ms;

		if (drain(r) < 0)
			return -1;
		check_receivers(r, 0);
		if (sr->nreceivers && !r->alive)
			return 0; /* nothing more can come */
		for (i = 0; i < n; i++)
			if (r->dead[at[i]])
				fds[i].fd = -1;
		if (early && !sr->multi && r->pending == 0)
			return 0;
		if (sr->stop && sr->stop(sr->ctx)) {
			sr->stopped = true;
			return 0;
		}
		if (left <= 0)
			return 0;
		/* short slices keep Ctrl-C responsive even if no signal
		 * interrupts poll() */
		ms = left > 0.2 ? 200 : (int)ceil(left * 1000);
		if (n)
			poll(fds, (nfds_t)n, ms);
		else
			poll(NULL, 0, ms);
	}
}

static int send_one(struct run *r, size_t i)
{
	struct pk_sr *sr = r->sr;
	struct pk_sr_probe *p = &sr->probes[i];
	struct pk_netio *io = sr->senders[p->sender];
	double was = p->sent;

	p->sent = pk_net_now();
	if (io->ops->send(io, p->data, p->len, p->ifindex) < 0) {
		p->sent = was; /* sent in an earlier round, or never */
		if (sr->ntotal > 0 && pk_net_err_is_gone(io->err)) {
			/* the network failed under us: keep what we have */
			sr->sendfail = true;
			snprintf(sr->sendbuf, sizeof(sr->sendbuf), "%s",
			         io->errbuf);
			return 1;
		}
		sr->err = io->err;
		snprintf(sr->errbuf, sizeof(sr->errbuf), "%s", io->errbuf);
		r->failed = true;
		return -1;
	}
	sr->ntotal++;
	return 0;
}

/*
 * The live line is a separate stream (stderr on a tty, set by the shell)
 * so the scapy text stays byte for byte what it was. It is only drawn
 * while sending: afterwards the '*' and '.' marks go on the same screen
 * line, and a "\r" would overwrite them.
 */
static void progress(struct run *r, size_t sent, size_t total)
{
	struct pk_sr *sr = r->sr;
	double now, dt;
	char line[128];
	int n;

	if (!sr->progress || !sr->verbose)
		return;
	now = pk_net_now();
	if (now - r->shown < sr->progress_every)
		return;
	r->shown = now;
	dt = now - r->t0;
	n = snprintf(line, sizeof(line),
	             "\rsent %zu/%zu, answered %zu, %.0f packets/s", sent,
	             total, r->answered, dt > 0 ? (double)sent / dt : 0.0);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	/* blank what is left of a longer previous line */
	while ((size_t)n - 1 < r->width && (size_t)n < sizeof(line) - 1)
		line[n++] = ' ';
	line[n] = '\0';
	r->width = (size_t)n - 1;
	sr->progress(sr->ctx, line, (size_t)n);
}

static void progress_erase(struct run *r)
{
	struct pk_sr *sr = r->sr;
	char line[130];
	size_t w = r->width < sizeof(line) - 2 ? r->width : sizeof(line) - 2;

	if (!r->width)
		return;
	line[0] = '\r';
	memset(line + 1, ' ', w);
	line[w + 1] = '\r';
	sr->progress(sr->ctx, line, w + 2);
	r->width = 0;
}

static int round_(struct run *r, size_t *todo, size_t ntodo, bool first)
{
	struct pk_sr *sr = r->sr;
	size_t k, sent = 0;
	int ret = 0, x;

	if (sr->verbose)
		say(sr, "Begin emission:\n");
	r->hold = true;
	r->t0 = r->shown = pk_net_now();
	for (k = 0; k < ntodo; k++) {
		size_t i = todo[k];

		if (sr->stop && sr->stop(sr->ctx)) {
			sr->stopped = true;
			break;
		}
		if (first) {
			pk_buf_reset(&r->key);
			if (sr->probe_key(sr->ctx, i, &r->key) < 0) {
				sr->cb_error = true;
				ret = -1;
				break;
			}
			if (pk_buf_failed(&r->key) ||
			    pk_match_add(&r->m, r->key.buf, r->key.len, i) <
			        0) {
				sr->err = ENOMEM;
				snprintf(sr->errbuf, sizeof(sr->errbuf),
				         "out of memory");
				ret = -1;
				break;
			}
		}
		x = send_one(r, i);
		if (x < 0) {
			ret = -1;
			break;
		}
		if (x > 0) {
			/* never sent in the first round: cannot be answered */
			for (; first && k < ntodo; k++)
				if (!sr->probes[todo[k]].answered)
					r->pending--;
			break;
		}
		sent++;
		if (drain(r) < 0) {
			ret = -1;
			break;
		}
		/* the send's stamp is recent enough: a clock read less per
		 * probe */
		check_receivers(r, sr->probes[i].sent);
		if (sr->nreceivers && !r->alive)
			break; /* no answer could be read */
		progress(r, sent, ntodo);
		if (sr->inter > 0 &&
		    wait_until(r, pk_net_now() + sr->inter, false) < 0) {
			ret = -1;
			break;
		}
		if (sr->stopped)
			break;
	}
	/* scapy counts a round's probes as "remaining" until answered,
	 * sent or not */
	sr->nsent = sr->sendfail ? ntodo : sent;
	r->hold = false;
	progress_erase(r);
	if (sr->verbose && ret == 0 && !sr->sendfail) {
		char line[64];

		snprintf(line, sizeof(line), "Finished sending %zu packets.\n",
		         sent);
		say(sr, line);
	}
	if (r->marks.len && sr->write)
		sr->write(sr->ctx, r->marks.buf, r->marks.len);
	pk_buf_reset(&r->marks);
	if (ret < 0 || sr->stopped)
		return ret;
	return wait_until(
	    r, sr->timeout < 0 ? INFINITY : pk_net_now() + sr->timeout, true);
}

/* Keep the probes still unanswered, in sending order; their count. */
static size_t keep_unanswered(const struct pk_sr *sr, size_t *todo, size_t n)
{
	size_t k, left = 0;

	for (k = 0; k < n; k++)
		if (!sr->probes[todo[k]].answered)
			todo[left++] = todo[k];
	return left;
}

int pk_sr_run(struct pk_sr *sr)
{
	struct run r;
	size_t *todo, ntodo, i, n, before;
	int retry = sr->retry, autostop = 0, ret = 0;
	bool first = true;

	memset(&r, 0, sizeof(r));
	r.sr = sr;
	pk_buf_init(&r.key, 64);
	pk_buf_init(&r.marks, 0);
	sr->nrecv = sr->nans = sr->nsent = sr->ntotal = sr->nlost = 0;
	sr->stopped = sr->cb_error = sr->sendfail = false;
	sr->err = 0;
	sr->errbuf[0] = sr->sendbuf[0] = sr->lostbuf[0] = '\0';
	todo = pk_xcalloc(sr->nprobes + 1, sizeof(*todo));
	r.dead = pk_xcalloc(sr->nreceivers + 1, sizeof(*r.dead));
	r.alive = sr->nreceivers;
	r.next_check = pk_net_now() + CHECK_EVERY;
	if (!todo || !r.dead || pk_match_init(&r.m, sr->nprobes) < 0) {
		pk_xfree(todo);
		pk_xfree(r.dead);
		sr->err = ENOMEM;
		snprintf(sr->errbuf, sizeof(sr->errbuf), "out of memory");
		return -1;
	}
	for (i = 0; i < sr->nprobes; i++) {
		todo[i] = i;
		sr->probes[i].answered = false;
	}
	ntodo = sr->nprobes;
	r.pending = sr->nprobes;
	if (retry < 0)
		autostop = retry = -retry;
	while (retry >= 0) {
		before = r.answered;
		if (round_(&r, todo, ntodo, first) < 0) {
			ret = -1;
			break;
		}
		first = false;
		if (sr->stopped || sr->sendfail || (sr->nreceivers && !r.alive))
			break;
		n = keep_unanswered(sr, todo, ntodo);
		if (autostop && n > 0 && r.answered != before)
			retry = autostop; /* new answers: more rounds */
		ntodo = n;
		if (!ntodo)
			break;
		retry--;
	}
	if (sr->verbose && ret == 0) {
		char line[128];
		size_t rem =
		    sr->nsent > r.answered ? sr->nsent - r.answered : 0;

		snprintf(
		    line, sizeof(line),
		    "\nReceived %zu packets, got %zu answers, remaining %zu packets\n",
		    sr->nrecv + sr->nans, sr->nans, rem);
		say(sr, line);
	}
	pk_match_release(&r.m);
	pk_buf_release(&r.key);
	pk_buf_release(&r.marks);
	pk_xfree(todo);
	pk_xfree(r.dead);
	return ret;
}
