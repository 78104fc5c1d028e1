/*
 * test_layers6.c - the IPv6, ICMPv6 and DNS layers against scapy 2.5,
 * through the C API alone (no language needed).
 *
 * Reads tests/layers6/vectors.jsonl (made by tools/gen_vectors_layers6.py)
 * and runs the cases that only dissect bytes, in their three fixed shapes:
 *
 *   p = CLS(hex_bytes('HEX'))\nprint(p.summary())\np.show()     (dissect)
 *   print(repr(CLS(hex_bytes('HEX'))))                          (repr)
 *   print(raw(CLS(hex_bytes('HEX'))).hex())                     (roundtrip)
 *
 * Output is compared line by line with trailing blanks ignored, as the
 * conformance runner does. Set L6_VERBOSE=1 to see every failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktsh/alloc.h"
#include "pktsh/packet.h"
#include "pktsh/vm.h"
#include "packet/engine.h"

#ifndef L6_VECTORS
#define L6_VECTORS "tests/layers6/vectors.jsonl"
#endif
#ifndef L6_XFAIL
#define L6_XFAIL "tests/layers6/xfail.txt"
#endif

/* Is case `id` listed in xfail.txt ("ID reason" lines)? */
static bool is_xfail(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	while ((p = strstr(p, id)) != NULL) {
		if ((p == list || p[-1] == '\n') &&
		    (p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	struct pk_buf b = PK_BUF_INIT;
	char tmp[4096];
	size_t n;

	if (!f)
		return pk_buf_detach(&b, NULL);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		pk_buf_add(&b, tmp, n);
	fclose(f);
	return pk_buf_detach(&b, NULL);
}

/* A JSON string starting at the opening quote; *end after the closing. */
static char *json_str(const char *s, const char **end)
{
	struct pk_buf b = PK_BUF_INIT;

	if (*s != '"')
		return NULL;
	for (s++; *s && *s != '"'; s++) {
		if (*s != '\\') {
			pk_buf_addch(&b, *s);
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			pk_buf_addch(&b, '\n');
			break;
		case 't':
			pk_buf_addch(&b, '\t');
			break;
		case 'r':
			pk_buf_addch(&b, '\r');
			break;
		case 'b':
			pk_buf_addch(&b, '\b');
			break;
		case 'f':
			pk_buf_addch(&b, '\f');
			break;
		case 'u': {
			unsigned cp = 0;

			sscanf(s + 1, "%4x", &cp);
			s += 4;
			if (cp < 0x80) {
				pk_buf_addch(&b, (int)cp);
			} else if (cp < 0x800) {
				pk_buf_addch(&b, (int)(0xc0 | (cp >> 6)));
				pk_buf_addch(&b, (int)(0x80 | (cp & 0x3f)));
			} else {
				pk_buf_addch(&b, (int)(0xe0 | (cp >> 12)));
				pk_buf_addch(&b,
				             (int)(0x80 | ((cp >> 6) & 0x3f)));
				pk_buf_addch(&b, (int)(0x80 | (cp & 0x3f)));
			}
			break;
		}
		default:
			pk_buf_addch(&b, *s);
		}
	}
	*end = *s ? s + 1 : s;
	return pk_buf_detach(&b, NULL);
}

static char *json_field(const char *line, const char *key)
{
	char pat[32];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	return json_str(p + strlen(pat), &end);
}

/* Lines with trailing blanks removed, trailing empty lines dropped. */
static void norm(const char *s, struct pk_buf *out)
{
	size_t n;

	while (*s) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		pk_buf_add(out, s, len);
		pk_buf_addch(out, '\n');
		s += e ? (size_t)(e - s) + 1 : strlen(s);
	}
	n = out->len;
	while (n && out->buf[n - 1] == '\n')
		n--;
	pk_buf_setlen(out, n);
}

static size_t unhex(const char *h, size_t n, uint8_t *o)
{
	size_t k = 0;

	while (n >= 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		o[k++] = (uint8_t)v;
		h += 2;
		n -= 2;
	}
	return k;
}

enum shape { S_DISSECT, S_REPR, S_ROUNDTRIP, S_HASHRET, S_ANSWERS, S_NONE };
#define NSHAPES 5

static enum shape parse_script(const char *s, char *cls, size_t ncls,
                               const char **hex, size_t *nhex)
{
	static const struct {
		const char *pre, *post;
		enum shape sh;
	} shapes[] = {
	    {"p = ", "'))\nprint(p.summary())\np.show()", S_DISSECT},
	    {"print(repr(", "'))))", S_REPR},
	    {"print(raw(", "'))).hex())", S_ROUNDTRIP},
	    {"print(", "')).hashret().hex())", S_HASHRET},
	    {"print(", "'))))", S_ANSWERS},
	};
	size_t i;

	for (i = 0; i < NSHAPES; i++) {
		size_t pl = strlen(shapes[i].pre), sl = strlen(shapes[i].post);
		const char *p = s + pl, *h, *q;
		size_t n = strlen(s);

		if (strncmp(s, shapes[i].pre, pl) || n < sl ||
		    strcmp(s + n - sl, shapes[i].post))
			continue;
		h = strstr(p, "(hex_bytes('");
		if (!h || (size_t)(h - p) >= ncls)
			continue;
		if ((shapes[i].sh == S_ANSWERS) !=
		    (strstr(s, ".answers(") != NULL))
			continue;
		memcpy(cls, p, (size_t)(h - p));
		cls[h - p] = 0;
		h += strlen("(hex_bytes('");
		q = s + n - sl;
		*hex = h;
		*nhex = (size_t)(q - h);
		return shapes[i].sh;
	}
	return S_NONE;
}

static int dissect_hex(struct pk_vm *vm, const char *cls, const char *hex,
                       size_t nhex, pk_val *v)
{
	const struct pk_proto *p = pk_proto_find(vm, cls);
	uint8_t *bytes = malloc(nhex / 2 + 1);
	size_t n = unhex(hex, nhex, bytes);
	int rc = p ? pk_packet_dissect(vm, p, bytes, n, v) : -1;

	free(bytes);
	return rc;
}

/* "R')).answers(Q(hex_bytes('QHEX" after the first packet's hex */
static int run_answers(struct pk_vm *vm, const char *cls, const char *hex,
                       size_t nhex, struct pk_buf *out)
{
	const char *q = memchr(hex, '\'', nhex), *qc, *qh;
	char cls2[64];
	pk_val r, p;
	bool yes = false;
	int rc;

	if (!q || strncmp(q, "')).answers(", 12))
		return -1;
	qc = q + 12;
	qh = strstr(qc, "(hex_bytes('");
	if (!qh || (size_t)(qh - qc) >= sizeof(cls2))
		return -1;
	memcpy(cls2, qc, (size_t)(qh - qc));
	cls2[qh - qc] = 0;
	qh += strlen("(hex_bytes('");
	if (dissect_hex(vm, cls, hex, (size_t)(q - hex), &r) < 0)
		return -1;
	if (dissect_hex(vm, cls2, qh, (size_t)(hex + nhex - qh), &p) < 0) {
		pk_decref(r);
		return -1;
	}
	rc = pk_packet_answers(vm, r, p, &yes);
	pk_buf_addstr(out, yes ? "True" : "False");
	pk_decref(r);
	pk_decref(p);
	return rc;
}

static int run_case(struct pk_vm *vm, enum shape sh, const char *cls,
                    const char *hex, size_t nhex, struct pk_buf *out)
{
	const struct pk_proto *p = pk_proto_find(vm, cls);
	uint8_t *bytes = malloc(nhex / 2 + 1);
	size_t n = unhex(hex, nhex, bytes), i;
	pk_val v;
	int rc = -1;

	if (sh == S_ANSWERS) {
		free(bytes);
		return run_answers(vm, cls, hex, nhex, out);
	}
	if (!p || pk_packet_dissect(vm, p, bytes, n, &v) < 0) {
		free(bytes);
		return -1;
	}
	switch (sh) {
	case S_DISSECT:
		if (pk_packet_summary(vm, v, out) < 0)
			break;
		pk_buf_addch(out, '\n');
		rc = pk_layer_show(vm, pk_as_layer(v), out, "", "");
		break;
	case S_REPR:
		rc = pk_layer_repr(vm, pk_as_layer(v), out);
		break;
	case S_ROUNDTRIP: {
		struct pk_buf b = PK_BUF_INIT;

		rc = pk_packet_build(vm, v, &b);
		for (i = 0; rc == 0 && i < b.len; i++)
			pk_buf_addf(out, "%02x", (uint8_t)b.buf[i]);
		pk_buf_release(&b);
		break;
	}
	case S_HASHRET: {
		struct pk_buf b = PK_BUF_INIT;

		rc = pk_packet_hashret(vm, v, &b);
		for (i = 0; rc == 0 && i < b.len; i++)
			pk_buf_addf(out, "%02x", (uint8_t)b.buf[i]);
		pk_buf_release(&b);
		break;
	}
	default:
		break;
	}
	pk_decref(v);
	free(bytes);
	return rc;
}

static void test_vectors(void **state)
{
	FILE *f = fopen(L6_VECTORS, "r");
	struct pk_vm *vm = pktsh_open();
	char *line = NULL;
	size_t cap = 0;
	int total[NSHAPES] = {0}, ok[NSHAPES] = {0};
	static const char *const names[] = {"dissect", "repr", "roundtrip",
	                                    "hashret", "answers"};
	bool verbose = getenv("L6_VERBOSE") != NULL;
	char *xfail = read_all(L6_XFAIL);
	int k, nxfail = 0;

	assert_non_null(f);
	assert_non_null(vm);
	while (getline(&line, &cap, f) > 0) {
		char *id = json_field(line, "id");
		char *script = json_field(line, "script");
		char *exp = json_field(line, "expected");
		struct pk_buf got = PK_BUF_INIT, a = PK_BUF_INIT,
		              b = PK_BUF_INIT;
		char cls[64];
		const char *hex;
		size_t nhex;
		enum shape sh = S_NONE;

		if (script && exp)
			sh =
			    parse_script(script, cls, sizeof(cls), &hex, &nhex);
		if (sh != S_NONE) {
			total[sh]++;
			if (run_case(vm, sh, cls, hex, nhex, &got) < 0) {
				struct pk_buf e = PK_BUF_INIT;

				pk_vm_format_error(vm, &e);
				pk_buf_addf(&got, "\n<error %s>", e.buf);
				pk_buf_release(&e);
				pk_vm_clear_error(vm);
			}
			norm(got.buf, &a);
			/* scapy's answers() may return 0/1 rather than bools */
			norm(!strcmp(exp, "1\n")   ? "True"
			     : !strcmp(exp, "0\n") ? "False"
			                           : exp,
			     &b);
			if (a.len == b.len && !memcmp(a.buf, b.buf, a.len)) {
				ok[sh]++;
			} else if (is_xfail(xfail, id)) {
				/* a known difference: see the reason there */
				ok[sh]++;
				nxfail++;
			} else if (verbose)
				printf("--- FAIL %s\n%s\n--- expected\n%s\n"
				       "--- got\n%s\n",
				       id, script, b.buf, a.buf);
		}
		pk_buf_release(&got);
		pk_buf_release(&a);
		pk_buf_release(&b);
		pk_xfree(id);
		pk_xfree(script);
		pk_xfree(exp);
	}
	free(line);
	fclose(f);
	pk_vm_free(vm);
	pk_xfree(xfail);
	for (k = 0; k < NSHAPES; k++)
		printf("%-9s %4d / %4d\n", names[k], ok[k], total[k]);
	printf("(%d of them known differences, tests/layers6/xfail.txt)\n",
	       nxfail);
	for (k = 0; k < NSHAPES; k++) {
		assert_true(total[k] > 0);
		assert_int_equal(ok[k], total[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
