/*
 * fuzz-tzif: libFuzzer over the TZif reader (common/tz.c's tz_parse, the
 * whole of tz_load but the read), footer rules included: any bytes give a
 * zone or a cause, never a crash, a leak or a hang. A zone that loads is
 * asked about instants from 1800 to 2200 (the transition table's and the
 * footer's), and answers consistently: each local time resolves to 0, 1
 * or 2 instants, in order, each of which shows that local time, and a
 * local time that does not exist has the end of its gap after it.
 */
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "tests/fuzz/fuzz.h"

#define Y1800 (-5364662400LL)
#define SPAN  (12623040000LL) /* 400 years of seconds */

static void
probe(const struct tz *z, int64_t t)
{
	int64_t out[2], gap = INT64_MIN;
	int     n, k, off = tz_offset(z, t);

	n = tz_resolve(z, t + off, out, &gap);
	FUZZ_CHECK(n >= 0 && n <= 2, "%d instants", n);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(out[k] + tz_offset(z, out[k]) == t + off,
		           "instant %lld does not show %lld", (long long)out[k],
		           (long long)(t + off));
	FUZZ_CHECK(n < 2 || out[0] < out[1], "out of order");
	if (n == 0)
		FUZZ_CHECK(gap != INT64_MIN, "a gap without its end");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *z;
	char      *cause = NULL;
	uint64_t   h = 1469598103934665603ULL;
	size_t     i;

	z = tz_parse("Fuzz/Zone", data, size, &cause);
	if (z == NULL) {
		FUZZ_CHECK(cause != NULL, "neither a zone nor a cause");
		free(cause);
		return 0;
	}
	FUZZ_CHECK(cause == NULL && strcmp(tz_name(z), "Fuzz/Zone") == 0,
	           "cause %s", cause);
	/* Fixed instants (the epoch, 2026, after 2037 where the footer
	 * speaks), then some the input picks. */
	probe(z, 0);
	probe(z, 1795000000);
	probe(z, 2200000000LL);
	probe(z, 4102444800LL);
	for (i = 0; i < size; i++) {
		h = (h ^ data[i]) * 1099511628211ULL;
		if (i % 64 == 63)
			probe(z, Y1800 + (int64_t)(h % (uint64_t)SPAN));
	}
	tz_free(z);
	return 0;
}
