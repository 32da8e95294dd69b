/*
 * fuzz-dotenv: libFuzzer over the .env reader (daemon/dotenv.c's
 * dotenv_parse, the whole of dotenv_load but the read and the setenv):
 * any bytes give the variables or a cause, never a crash, a leak or a
 * hang. Every name handed over is a shell name ([A-Za-z_][A-Za-z0-9_]*);
 * a cause names the file and the line, never what is on it (it may be a
 * secret); a parse that fails hands over only variables before that line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/dotenv.h"
#include "tests/fuzz/fuzz.h"

struct seen {
	int    n;
	size_t bytes;
};

static int
take(void *arg, const char *key, const char *value, char **cause)
{
	struct seen *s = arg;
	size_t       k = strlen(key);

	(void)cause;
	FUZZ_CHECK(k > 0 &&
	               strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "abcdefghijklmnopqrstuvwxyz"
	                           "0123456789_") == k &&
	               !(key[0] >= '0' && key[0] <= '9'),
	           "name %s", key);
	s->n++;
	s->bytes += k + strlen(value);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	char       *cause = NULL, want[64];
	int         rc, line;

	rc = dotenv_parse((const char *)data, size, "fuzz.env", take, &s,
	                  &cause);
	FUZZ_CHECK(s.bytes <= size, "%zu bytes out of %zu", s.bytes, size);
	if (rc == 0) {
		FUZZ_CHECK(cause == NULL, "a cause too: %s", cause);
		return 0;
	}
	FUZZ_CHECK(rc == -1 && cause != NULL, "rc %d", rc);
	FUZZ_CHECK(sscanf(cause, "fuzz.env:%d:", &line) == 1 && line >= 1 &&
	               line > s.n,
	           "cause %s", cause);
	snprintf(want, sizeof want,
	         "fuzz.env:%d: malformed line (expected KEY=VALUE)", line);
	FUZZ_CHECK(strcmp(cause, want) == 0, "the cause says more: %s", cause);
	free(cause);
	return 0;
}
