/*
 * test_exporter: what Langfuse's answers to an OTLP/HTTP export mean for
 * the batch (exporter_verdict): taken only with OTLP's JSON answer, a
 * 200 with anything else (a proxy's page, garbage, an empty body) kept
 * and retried; partial success as OTLP's JSON mapping writes it; the
 * reason fit for `herald status` whatever bytes came.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "daemon/exporter.h"

struct row {
	const char           *what;
	long                  status;
	const char           *body;
	enum exporter_verdict want;
	int64_t               rejected;
	const char           *why; /* a part of the reason, or NULL */
};

static const struct row rows[] = {
	{ "Langfuse's answer", 200, "{}", EXPORTER_OK, 0, NULL },
	{ "blanks around it", 200, " {}\n", EXPORTER_OK, 0, NULL },
	{ "an unknown field", 200, "{\"next\": 1}", EXPORTER_OK, 0, NULL },
	{ "partial, int64 as a string", 200,
	  "{\"partialSuccess\": {\"rejectedSpans\": \"2\", "
	  "\"errorMessage\": \"2 spans had no name\"}}",
	  EXPORTER_OK, 2, "2 spans had no name" },
	{ "partial, a number", 200,
	  "{\"partialSuccess\": {\"rejectedSpans\": 1}}", EXPORTER_OK, 1,
	  NULL },
	{ "a warning", 200,
	  "{\"partialSuccess\": {\"errorMessage\": \"clock skew\"}}",
	  EXPORTER_OK, 0, "clock skew" },
	{ "partial, null", 200, "{\"partialSuccess\": null}", EXPORTER_OK, 0,
	  NULL },
	{ "a proxy's page", 200, "<html><body>upstream hiccup</body></html>",
	  EXPORTER_RETRY, 0, "not an OTLP ExportTraceServiceResponse" },
	{ "an empty body", 200, "", EXPORTER_RETRY, 0, "(0 bytes" },
	{ "204, nothing", 204, "", EXPORTER_RETRY, 0, "HTTP 204" },
	{ "truncated", 200, "{\"partialSucc", EXPORTER_RETRY, 0, NULL },
	{ "an array", 200, "[]", EXPORTER_RETRY, 0, NULL },
	{ "a bad count", 200, "{\"partialSuccess\": {\"rejectedSpans\": -1}}",
	  EXPORTER_RETRY, 0, "malformed partialSuccess" },
	{ "a bad count string", 200,
	  "{\"partialSuccess\": {\"rejectedSpans\": \"2x\"}}", EXPORTER_RETRY,
	  0, "malformed partialSuccess" },
	{ "partial, not an object", 200, "{\"partialSuccess\": 3}",
	  EXPORTER_RETRY, 0, "malformed partialSuccess" },
	{ "bad payload", 400, "{\"error\": \"Failed to parse OTel JSON\"}",
	  EXPORTER_BAD, 0, "HTTP 400:" },
	{ "unprocessable", 422, "{}", EXPORTER_BAD, 0, NULL },
	{ "keys refused", 401, "{\"message\": \"Invalid credentials\"}",
	  EXPORTER_RETRY, 0, "Invalid credentials" },
	{ "busy", 503, "", EXPORTER_RETRY, 0, "HTTP 503" },
	{ "a redirect", 302, "", EXPORTER_RETRY, 0, NULL },
};

static void
test_verdicts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(rows); i++) {
		const struct row     *r = &rows[i];
		enum exporter_verdict v;
		char                  why[256];
		int64_t               rejected = -1;

		v = exporter_verdict(r->status, r->body, strlen(r->body),
		                     &rejected, why, sizeof why);
		if (v != r->want || rejected != r->rejected ||
		    (r->why != NULL && strstr(why, r->why) == NULL) ||
		    (v != EXPORTER_OK && why[0] == '\0'))
			fail_msg("%s: verdict %d rejected %lld why \"%s\"",
			         r->what, (int)v, (long long)rejected, why);
	}
}

/* Found by fuzz-otlp: the reason kept the answer's bytes, invalid UTF-8
 * included, and was cut at its buffer's end inside a character; it is
 * shown by `herald status --json`. */
static void
test_reason_text(void **state)
{
	char                  body[600], why[64];
	int64_t               rejected;
	enum exporter_verdict v;
	size_t                i;

	(void)state;
	strcpy(body, "<html><body>ups\xb5tream</body></html>");
	v = exporter_verdict(200, body, strlen(body), &rejected, why,
	                     sizeof why);
	assert_int_equal(v, EXPORTER_RETRY);
	assert_true(utf8_valid(why, strlen(why)));
	for (i = 0; i + 2 < sizeof body; i += 2)
		memcpy(body + i, "\xc3\xa9", 2);
	body[i] = '\0';
	v = exporter_verdict(503, body, strlen(body), &rejected, why,
	                     sizeof why);
	assert_int_equal(v, EXPORTER_RETRY);
	assert_true(strlen(why) < sizeof why);
	assert_true(utf8_valid(why, strlen(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_reason_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
