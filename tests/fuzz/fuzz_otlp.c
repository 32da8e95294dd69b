/*
 * fuzz-otlp: libFuzzer over Langfuse's answers to an OTLP/HTTP export
 * (daemon/exporter.c's exporter_verdict): any status and body give a
 * verdict, never a crash, a leak or a hang. Input: see fuzz.h (headers
 * are read but the verdict does not use them). Checked on every input:
 * a batch counts as taken only for a 2xx whose body is a JSON object, with
 * a count of refused spans that is not negative; a 400 or 422 drops it,
 * anything else keeps it; the reason is one line of valid UTF-8 that fits
 * its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "daemon/exporter.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp      r;
	enum exporter_verdict v;
	char                  flags[32], why[256];
	int64_t               rejected = -1;
	cJSON                *j;
	size_t                n;

	fuzz_resp(data, size, NULL, &r, flags, sizeof flags);
	memset(why, 'x', sizeof why);
	v = exporter_verdict(r.status, r.body, r.len, &rejected, why,
	                     sizeof why);
	n = strnlen(why, sizeof why);
	FUZZ_CHECK(n < sizeof why, "why not terminated");
	FUZZ_CHECK(utf8_valid(why, n), "invalid UTF-8: %s", why);
	FUZZ_CHECK(strchr(why, '\n') == NULL && strchr(why, '"') == NULL,
	           "not one log line: %s", why);
	FUZZ_CHECK(rejected >= 0, "rejected %lld", (long long)rejected);
	switch (v) {
	case EXPORTER_OK:
		j = json_parse(r.body, r.len, NULL);
		FUZZ_CHECK(r.status >= 200 && r.status < 300 &&
		               cJSON_IsObject(j),
		           "taken: status %ld, %zu bytes", r.status, r.len);
		cJSON_Delete(j);
		break;
	case EXPORTER_BAD:
		FUZZ_CHECK(r.status == 400 || r.status == 422, "dropped: %ld",
		           r.status);
		FUZZ_CHECK(n > 0 && rejected == 0, "no reason");
		break;
	case EXPORTER_RETRY:
		FUZZ_CHECK(r.status != 400 && r.status != 422, "kept: %ld",
		           r.status);
		FUZZ_CHECK(n > 0 && rejected == 0, "no reason");
		break;
	default:
		FUZZ_CHECK(0, "verdict %d", (int)v);
	}
	http_resp_fini(&r);
	return 0;
}
