/*
 * fuzz-config: libFuzzer over the configuration loader (daemon/config.c's
 * config_parse, the whole of config_load but the read): any bytes give a
 * config or a cause naming the file, never both, never a crash, a leak or
 * a hang. A config that loads has what its readers count on: every brand
 * named and found by its name, every schedule with an id, a workflow and
 * at least one cron (its input may be absent: NULL, which daemon.c reads
 * as null).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config_brand    *b;
	const struct config_schedule *s;
	struct config                *c;
	char                         *cause = NULL;
	int                           i;

	c = config_parse((const char *)data, size, "fuzz.json", &cause);
	if (c == NULL) {
		FUZZ_CHECK(cause != NULL && strncmp(cause, "fuzz.json", 9) == 0,
		           "cause %s", cause ? cause : "(none)");
		free(cause);
		return 0;
	}
	FUZZ_CHECK(cause == NULL, "a config and a cause: %s", cause);
	b = c->brands.v;
	for (i = 0; i < c->brands.n; i++) {
		FUZZ_CHECK(b[i].name != NULL && *b[i].name != '\0',
		           "brand %d unnamed", i);
		FUZZ_CHECK(config_brand(c, b[i].name) == &b[i],
		           "brand %s not found by name", b[i].name);
	}
	s = c->schedules.v;
	for (i = 0; i < c->schedules.n; i++)
		FUZZ_CHECK(s[i].id != NULL && s[i].workflow != NULL &&
		               s[i].cron.n > 0,
		           "schedule %d incomplete", i);
	config_free(c);
	return 0;
}
