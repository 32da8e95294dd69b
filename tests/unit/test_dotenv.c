/*
 * .env loading: the formats people write, the environment winning, and
 * malformed lines refused by line number without echoing their content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "daemon/dotenv.h"

static char *
write_temp(const char *text)
{
	char  tmpl[] = "/tmp/herald-env-XXXXXX";
	int   fd = mkstemp(tmpl);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return xstrdup(tmpl);
}

static void
test_formats(void **state)
{
	char *path = write_temp("# comment\n"
	                        "\n"
	                        "HT_PLAIN=abc\n"
	                        "export HT_EXPORTED = spaced value  # note\n"
	                        "HT_SINGLE='a #b \\n'\n"
	                        "HT_DOUBLE=\"x\\ny \\\"q\\\"\"\n"
	                        "HT_EMPTY=\n"
	                        "HT_HASH=a#b\n"
	                        "HT_KEPT=from-file\n");
	char *cause = NULL;

	(void)state;
	setenv("HT_KEPT", "from-env", 1);
	assert_int_equal(dotenv_load(path, &cause), 6);
	assert_string_equal(getenv("HT_PLAIN"), "abc");
	assert_string_equal(getenv("HT_EXPORTED"), "spaced value");
	assert_string_equal(getenv("HT_SINGLE"), "a #b \\n");
	assert_string_equal(getenv("HT_DOUBLE"), "x\ny \"q\"");
	assert_string_equal(getenv("HT_EMPTY"), "");
	assert_string_equal(getenv("HT_HASH"), "a#b");
	assert_string_equal(getenv("HT_KEPT"), "from-env");
	unlink(path);
	free(path);
}

static void
test_missing_is_fine(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_int_equal(dotenv_load("/nonexistent/.env", &cause), 0);
	assert_null(cause);
}

static void
test_malformed(void **state)
{
	const char *bad[] = { "HT_OK=1\nsecret-value-without-key\n",
		              "HT_OK=1\nHT_Q=\"unterminated\n",
		              "HT_OK=1\n1HT=x\n", "HT_OK=1\nHT_T='a' junk\n" };
	size_t      i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		char *path = write_temp(bad[i]), *cause = NULL;

		assert_int_equal(dotenv_load(path, &cause), -1);
		assert_non_null(strstr(cause, ":2: malformed line"));
		assert_null(strstr(cause, "secret"));
		assert_null(strstr(cause, "unterminated"));
		free(cause);
		unlink(path);
		free(path);
	}
}

static int
collect(void *arg, const char *key, const char *value, char **cause)
{
	char **seen = arg, *tmp;

	(void)cause;
	xasprintf(&tmp, "%s%s=%s;", *seen, key, value);
	free(*seen);
	*seen = tmp;
	return 0;
}

/* The reader on a buffer, as the .env fuzz target drives it: no final
 * newline, CRLF, and a NUL, which no environment variable can hold. */
static void
test_parse_buffer(void **state)
{
	static const char text[] = "A=1\r\nexport B='x y'\n# c\nC=\"q\\n\"";
	static const char nul[] = "A=1\nB=se\0cret\n";
	char             *seen = xstrdup(""), *cause = NULL;

	(void)state;
	assert_int_equal(dotenv_parse(text, sizeof text - 1, "t.env", collect,
	                              &seen, &cause),
	                 0);
	assert_string_equal(seen, "A=1;B=x y;C=q\n;");
	free(seen);
	seen = xstrdup("");
	assert_int_equal(
	    dotenv_parse(nul, sizeof nul - 1, "t.env", collect, &seen, &cause),
	    -1);
	assert_string_equal(cause, "t.env:2: malformed line (expected "
	                           "KEY=VALUE)");
	assert_string_equal(seen, "A=1;");
	free(cause);
	free(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_missing_is_fine),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_parse_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
