/*
 * The console's text: UTF-8 decoding that shows whatever the daemon
 * sends without letting it steer the terminal, widths of é, ë, emoji and
 * combining accents, fitting and wrapping, times; the prompt's editor and
 * the command line's word splitting.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "tui/edit.h"
#include "tui/text.h"

static void
test_decode(void **state)
{
	size_t   n;
	wchar_t *w;

	(void)state;
	w = text_wide("é ë 🎉", strlen("é ë 🎉"), &n);
	assert_int_equal(n, 5);
	assert_int_equal(w[0], 0xE9);
	assert_int_equal(w[2], 0xEB);
	assert_int_equal(w[4], 0x1F389);
	free(w);
	/* Bad bytes, an overlong '/', a surrogate, a cut sequence. */
	w = text_wide("a\xff\xc0\xaf\xed\xa0\x80z\xe2\x82", 11, &n);
	assert_int_equal(w[0], 'a');
	assert_int_equal(w[1], 0xFFFD);
	assert_int_equal(w[n - 1], 0xFFFD);
	assert_true(memchr(w, '/', n * sizeof *w) == NULL);
	free(w);
	/* Escape sequences and controls cannot reach the terminal; tabs and
	 * newlines stay usable. */
	w = text_wide("\x1b[2Jx\ty\nz\r", 10, &n);
	assert_int_equal(w[0], 0xFFFD);
	assert_int_equal(n, 9);
	assert_int_equal(w[5], ' ');
	assert_int_equal(w[7], '\n');
	free(w);
}

static void
test_widths(void **state)
{
	size_t   n, k;
	wchar_t *w;
	int      used;

	(void)state;
	assert_int_equal(text_width("Été"), 3);
	assert_int_equal(text_width("e\xcc\x81"), 1); /* e + combining acute */
	assert_int_equal(text_width("🎉"), 2);
	assert_int_equal(text_width("日本"), 4);
	assert_int_equal(text_width(NULL), 0);
	/* A wide character never straddles the edge. */
	w = text_wide("ab🎉c", strlen("ab🎉c"), &n);
	k = text_fit(w, n, 3, &used);
	assert_int_equal(k, 2);
	assert_int_equal(used, 2);
	k = text_fit(w, n, 4, &used);
	assert_int_equal(k, 3);
	assert_int_equal(used, 4);
	free(w);
	/* A combining accent stays with its letter. */
	w = text_wide("ae\xcc\x81z", 5, &n);
	k = text_fit(w, n, 2, &used);
	assert_int_equal(k, 3);
	assert_int_equal(used, 2);
	free(w);
}

static void
wrap_case(const char *s, int cols, const char *const *want, size_t nwant)
{
	struct text_line *lines;
	size_t            n, nl, i, j;
	wchar_t          *w = text_wide(s, strlen(s), &n);

	nl = text_wrap(w, n, cols, &lines);
	assert_int_equal(nl, nwant);
	for (i = 0; i < nl; i++) {
		size_t   wn;
		wchar_t *ww = text_wide(want[i], strlen(want[i]), &wn);

		assert_int_equal(lines[i].len, wn);
		for (j = 0; j < wn; j++)
			assert_int_equal(w[lines[i].off + j], ww[j]);
		free(ww);
	}
	free(lines);
	free(w);
}

static void
test_wrap(void **state)
{
	static const char *const a[] = { "Nieuw bij", "Pomandi: één", "jas 🎉" };
	static const char *const b[] = { "", "#mode #été" };
	static const char *const c[] = { "abcd", "efgh", "ij" };
	static const char *const d[] = { "" };
	static const char *const e[] = { "x", "", "y" };

	(void)state;
	wrap_case("Nieuw bij Pomandi: één jas 🎉", 12, a, 3);
	wrap_case("\n#mode #été\n", 12, b, 2);
	wrap_case("abcdefghij", 4, c, 3);
	wrap_case("", 10, d, 1);
	wrap_case("x\n\ny", 10, e, 3);
}

static void
test_times(void **state)
{
	int64_t ms;
	char    buf[32];

	(void)state;
	assert_int_equal(text_time("2026-11-28T09:00:00.250Z", &ms), 0);
	assert_int_equal(ms, 1795856400250LL);
	assert_int_equal(text_time("2026-11-28T09:00:00Z", &ms), 0);
	assert_int_equal(ms, 1795856400000LL);
	assert_int_equal(text_time("2026-11-28 09:00", &ms), -1);
	assert_int_equal(text_time(NULL, &ms), -1);
	assert_string_equal(text_duration(0, buf, sizeof buf), "0s");
	assert_string_equal(text_duration(59999, buf, sizeof buf), "59s");
	assert_string_equal(text_duration(245000, buf, sizeof buf), "4m05s");
	assert_string_equal(text_duration(-7800000, buf, sizeof buf), "2h10m");
	assert_string_equal(text_duration(273600000, buf, sizeof buf), "3d04h");
	assert_string_equal(text_clock(1795856400250LL, buf, sizeof buf),
	                    "2026-11-28 09:00");
}

static void
test_edit(void **state)
{
	struct edit   *e = edit_new("café", 64);
	char          *s;
	size_t         len, cur;
	const wchar_t *w;

	(void)state;
	edit_apply(e, EDIT_LEFT);
	edit_apply(e, EDIT_BACKSPACE); /* the f */
	edit_insert(e, 0x1F389);
	s = edit_utf8(e);
	assert_string_equal(s, "ca🎉é");
	free(s);
	w = edit_text(e, &len, &cur);
	assert_int_equal(len, 4);
	assert_int_equal(cur, 3);
	assert_int_equal(w[3], 0xE9);
	edit_apply(e, EDIT_HOME);
	edit_apply(e, EDIT_DELETE);
	edit_apply(e, EDIT_END);
	edit_insert(e, ' ');
	edit_insert(e, 'x');
	edit_insert(e, 'y');
	edit_apply(e, EDIT_WORD);
	s = edit_utf8(e);
	assert_string_equal(s, "a🎉é ");
	free(s);
	/* Lines: ^U kills to the start of the line only. */
	edit_insert(e, '\n');
	edit_insert(e, 'z');
	edit_apply(e, EDIT_KILL);
	s = edit_utf8(e);
	assert_string_equal(s, "a🎉é \n");
	free(s);
	/* Controls are refused; so is passing the byte limit. */
	assert_int_equal(edit_insert(e, 0x1b), -1);
	edit_set(e, "");
	for (len = 0; len < 64; len++)
		assert_int_equal(edit_insert(e, 'a'), 0);
	assert_int_equal(edit_insert(e, 'a'), -1);
	edit_set(e, "");
	for (len = 0; len < 32; len++)
		assert_int_equal(edit_insert(e, 0xE9), 0);
	assert_int_equal(edit_insert(e, 0xE9), -1);
	edit_free(e);
}

static void
test_split(void **state)
{
	int    argc;
	char **argv, *cause = NULL;

	(void)state;
	assert_int_equal(
	    edit_split("  schedule pause  pomandi-daily --note 'sold out: été'",
	               &argc, &argv, &cause),
	    0);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[0], "schedule");
	assert_string_equal(argv[3], "--note");
	assert_string_equal(argv[4], "sold out: été");
	assert_null(argv[5]);
	edit_split_free(argc, argv);
	assert_int_equal(edit_split("a \"b \\\"c\\\"\" d\\ e '' x'y'z", &argc,
	                            &argv, &cause),
	                 0);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[1], "b \"c\"");
	assert_string_equal(argv[2], "d e");
	assert_string_equal(argv[3], "");
	assert_string_equal(argv[4], "xyz");
	edit_split_free(argc, argv);
	assert_int_equal(edit_split("", &argc, &argv, &cause), 0);
	assert_int_equal(argc, 0);
	edit_split_free(argc, argv);
	assert_int_equal(edit_split("a 'b", &argc, &argv, &cause), -1);
	assert_non_null(strstr(cause, "unclosed"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode), cmocka_unit_test(test_widths),
		cmocka_unit_test(test_wrap),   cmocka_unit_test(test_times),
		cmocka_unit_test(test_edit),   cmocka_unit_test(test_split),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_text: no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
