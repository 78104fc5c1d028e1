/*
 * test_lexer.c - tokens: kinds, positions, INDENT/DEDENT, implicit line
 * joining in brackets, backslash continuation, strings, errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lang/lexer.h"

/* the token stream of src as "TYPE:text@line:col" words */
static void tokens(const char *src, char *out, size_t n)
{
	struct lexer lx;
	struct token t;
	size_t len = 0;

	lex_init(&lx, src, strlen(src), 1);
	out[0] = 0;
	do {
		lex_next(&lx, &t);
		switch (t.type) {
		case T_NEWLINE:
			len += (size_t)snprintf(out + len, n - len, "NL ");
			break;
		case T_INDENT:
			len += (size_t)snprintf(out + len, n - len, "IN ");
			break;
		case T_DEDENT:
			len += (size_t)snprintf(out + len, n - len, "DE ");
			break;
		case T_EOF:
			len += (size_t)snprintf(out + len, n - len, "EOF");
			break;
		case T_ERROR:
			len += (size_t)snprintf(
			    out + len, n - len, "ERR(%s)@%d:%d%s", lx.err,
			    t.line, t.col, lx.err_eof ? "+eof" : "");
			return;
		default:
			len += (size_t)snprintf(out + len, n - len,
			                        "%.*s@%d:%d ", (int)t.len,
			                        t.start, t.line, t.col);
			break;
		}
	} while (t.type != T_EOF && len < n - 1);
}

static void expect_tokens(const char *src, const char *want)
{
	char got[2048];

	tokens(src, got, sizeof(got));
	if (strcmp(got, want))
		print_error("source: %s\n", src);
	assert_string_equal(got, want);
}

static void test_simple(void **state)
{
	expect_tokens("x = 1 + foo(2, 'a')",
	              "x@1:1 =@1:3 1@1:5 +@1:7 foo@1:9 (@1:12 2@1:13 ,@1:14 "
	              "'a'@1:16 )@1:19 NL EOF");
	expect_tokens("a<<=b**2//3!=4", "a@1:1 <<=@1:2 b@1:5 **@1:6 2@1:8 "
	                                "//@1:9 3@1:11 !=@1:12 4@1:14 NL EOF");
	expect_tokens("", "EOF");
	expect_tokens("# only a comment\n\n", "EOF");
	expect_tokens("#!/usr/bin/pktsh\nx", "x@2:1 NL EOF");
}

static void test_numbers(void **state)
{
	expect_tokens("0x1F 0o17 0b1 1_000 1.5 .5 1e10 1.5e-3 5.",
	              "0x1F@1:1 0o17@1:6 0b1@1:11 1_000@1:15 1.5@1:21 .5@1:25 "
	              "1e10@1:28 1.5e-3@1:33 5.@1:40 NL EOF");
	expect_tokens("1abc", "ERR(invalid decimal literal)@1:1");
	expect_tokens("x = 1j",
	              "x@1:1 =@1:3 ERR(complex numbers are not supported)@1:5");
}

static void test_strings(void **state)
{
	expect_tokens("'a' \"b\" r'\\n' b'x' rb'y' f'{x}' '''t\n'''",
	              "'a'@1:1 \"b\"@1:5 r'\\n'@1:9 b'x'@1:15 rb'y'@1:20 "
	              "f'{x}'@1:26 '''t\n'''@1:33 NL EOF");
	expect_tokens("'it\\'s'", "'it\\'s'@1:1 NL EOF");
	expect_tokens(
	    "x = 'abc\n",
	    "x@1:1 =@1:3 ERR(unterminated string literal (detected at line 1))@1:5");
	expect_tokens(
	    "x = '''abc\n\n",
	    "x@1:1 =@1:3 ERR(unterminated triple-quoted string literal (detected at line 3))@1:5+eof");
	/* line numbers continue after a multi-line string */
	expect_tokens("s = '''a\nb'''\ny",
	              "s@1:1 =@1:3 '''a\nb'''@1:5 NL y@3:1 NL EOF");
}

static void test_indentation(void **state)
{
	expect_tokens(
	    "if x:\n    y\n    z\nw",
	    "if@1:1 x@1:4 :@1:5 NL IN y@2:5 NL z@3:5 NL DE w@4:1 NL EOF");
	expect_tokens("if a:\n  if b:\n    c\nd",
	              "if@1:1 a@1:4 :@1:5 NL IN if@2:3 b@2:6 :@2:7 NL IN c@3:5 "
	              "NL DE DE d@4:1 NL EOF");
	/* blank and comment lines do not count */
	expect_tokens("if a:\n\n  # c\n  b\n",
	              "if@1:1 a@1:4 :@1:5 NL IN b@4:3 NL DE EOF");
	/* DEDENTs at the end of input */
	expect_tokens("if a:\n  b", "if@1:1 a@1:4 :@1:5 NL IN b@2:3 NL DE EOF");
	expect_tokens(
	    "if a:\n    b\n  c",
	    "if@1:1 a@1:4 :@1:5 NL IN b@2:5 NL ERR(unindent does not match any outer indentation level)@3:3");
	/* tabs go to the next multiple of 8 */
	expect_tokens("if a:\n\tb\n        c",
	              "if@1:1 a@1:4 :@1:5 NL IN b@2:2 NL c@3:9 NL DE EOF");
}

static void test_joining(void **state)
{
	expect_tokens("f(1,\n  2)\nx",
	              "f@1:1 (@1:2 1@1:3 ,@1:4 2@2:3 )@2:4 NL x@3:1 NL EOF");
	expect_tokens("[\n\n]", "[@1:1 ]@3:1 NL EOF");
	expect_tokens("x = 1 + \\\n    2",
	              "x@1:1 =@1:3 1@1:5 +@1:7 2@2:5 NL EOF");
	/* inside brackets at the end of input: no NEWLINE, the statement
	 * is unfinished */
	expect_tokens("f(1,", "f@1:1 (@1:2 1@1:3 ,@1:4 EOF");
	expect_tokens("x = \\",
	              "x@1:1 =@1:3 ERR(unexpected EOF while parsing)@1:5+eof");
	expect_tokens("x = $", "x@1:1 =@1:3 ERR(invalid character '$')@1:5");
}

static void test_keywords(void **state)
{
	struct lexer lx;
	struct token t;
	const char *src =
	    "if elif else for in not is and or lambda def return None True False iff";
	enum tok want[] = {T_IF,   T_ELIF,    T_ELSE, T_FOR,  T_IN,
	                   T_NOT,  T_IS,      T_AND,  T_OR,   T_LAMBDA,
	                   T_DEF,  T_RETURN,  T_NONE, T_TRUE, T_FALSE,
	                   T_NAME, T_NEWLINE, T_EOF};
	size_t i;

	lex_init(&lx, src, strlen(src), 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		lex_next(&lx, &t);
		assert_int_equal(t.type, want[i]);
	}
}

static void test_line0(void **state)
{
	struct lexer lx;
	struct token t;

	lex_init(&lx, "\n  \nx", 5, 40);
	lex_next(&lx, &t);
	assert_int_equal(t.type, T_NAME);
	assert_int_equal(t.line, 42);
	assert_int_equal(t.col, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),  cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_strings), cmocka_unit_test(test_indentation),
	    cmocka_unit_test(test_joining), cmocka_unit_test(test_keywords),
	    cmocka_unit_test(test_line0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
