/*
 * test_meta: the class of every Graph API error herald knows (api-notes
 * §2), for a call that publishes and one that does not, and Graph's
 * answers (status, headers, body) as meta_answer reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activities/http.h"
#include "activities/meta.h"
#include "common/util.h"

struct row {
	const char     *what;
	long            http;
	int             code, subcode, transient;
	int64_t         hint;
	int             publishes;
	enum act_status want;
	int64_t         want_wait;
	int             want_pause;
};

#define W 60000 /* meta.throttle_wait */

static const struct row rows[] = {
	{ "expired token", 400, 190, 463, 0, 0, 1, ACT_FAIL, 0, 1 },
	{ "invalid token", 400, 190, 0, 0, 0, 0, ACT_FAIL, 0, 1 },
	{ "session", 400, 102, 0, 0, 0, 0, ACT_FAIL, 0, 1 },
	{ "permission 10", 403, 10, 0, 0, 0, 1, ACT_FAIL, 0, 1 },
	{ "permission 200", 403, 200, 0, 0, 0, 1, ACT_FAIL, 0, 1 },
	{ "permission 299", 403, 299, 0, 0, 0, 0, ACT_FAIL, 0, 1 },
	{ "no token", 400, 104, 0, 0, 0, 1, ACT_FAIL, 0, 0 },
	{ "app throttle", 403, 4, 0, 1, 0, 1, ACT_RETRY, W, 0 },
	{ "user throttle", 400, 17, 0, 1, 0, 1, ACT_RETRY, W, 0 },
	{ "page throttle", 400, 32, 0, 1, 0, 1, ACT_RETRY, 5 * W, 0 },
	{ "custom throttle", 400, 613, 0, 1, 0, 0, ACT_RETRY, 5 * W, 0 },
	{ "app limit", 400, 341, 0, 0, 0, 0, ACT_RETRY, W, 0 },
	{ "business limit", 400, 80001, 0, 1, 0, 1, ACT_RETRY, 5 * W, 0 },
	{ "business limit, estimate", 400, 80014, 0, 1, 120000, 1, ACT_RETRY,
	  120000, 0 },
	{ "quota", 400, 9, 2207042, 0, 0, 1, ACT_RETRY, 3600000, 0 },
	{ "blocked", 400, 368, 0, 0, 0, 1, ACT_RETRY, 3600000, 0 },
	{ "duplicate, publishing", 400, 506, 0, 0, 0, 1, ACT_UNKNOWN, 0, 0 },
	{ "duplicate photos", 400, 100, 1366051, 0, 0, 1, ACT_UNKNOWN, 0, 0 },
	{ "builder gone, publishing", 400, 24, 2207008, 0, 0, 1, ACT_UNKNOWN, 0,
	  0 },
	{ "not ready, publishing", 400, 9007, 2207027, 0, 0, 1, ACT_UNKNOWN, 0,
	  0 },
	{ "unknown error, publishing", 500, 1, 99, 0, 0, 1, ACT_UNKNOWN, 0, 0 },
	{ "service, publishing", 400, 2, 0, 1, 0, 1, ACT_UNKNOWN, 0, 0 },
	{ "html 503, publishing", 503, 0, 0, 0, 0, 1, ACT_UNKNOWN, 0, 0 },
	{ "unknown error", 500, 1, 99, 0, 0, 0, ACT_RETRY, 0, 0 },
	{ "service", 500, 2, 0, 1, 5000, 0, ACT_RETRY, 5000, 0 },
	{ "media fetch failed", 400, 9004, 2207052, 0, 0, 0, ACT_RETRY, 0, 0 },
	{ "transient", 400, 100, 0, 1, 0, 0, ACT_RETRY, 0, 0 },
	{ "bad parameter", 400, 100, 0, 0, 0, 0, ACT_FAIL, 0, 0 },
	{ "bad parameter, publishing", 400, 100, 0, 0, 0, 1, ACT_FAIL, 0, 0 },
	{ "photo too big", 400, 100, 1366046, 0, 0, 1, ACT_FAIL, 0, 0 },
	{ "builder gone, reading", 400, 24, 2207006, 0, 0, 0, ACT_FAIL, 0, 0 },
};

static void
test_classes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(rows); i++) {
		const struct row *r = &rows[i];
		struct meta_error e = {
			.http_status = r->http,
			.code = r->code,
			.subcode = r->subcode,
			.transient = r->transient,
			.wait_hint_ms = r->hint,
			.throttle_wait_ms = W,
		};
		int64_t wait = -1;
		int     pause = -1;

		if (meta_class(&e, r->publishes, &wait, &pause) != r->want ||
		    wait != r->want_wait || pause != r->want_pause)
			fail_msg(
			    "%s: got class %d wait %lld pause %d", r->what,
			    (int)meta_class(&e, r->publishes, &wait, &pause),
			    (long long)wait, pause);
	}
}

static cJSON *
answer(long status, const char *headers, const char *body, int publishes,
       struct act_out *out, struct meta_call *mc)
{
	struct http_resp r;
	const char      *h, *nl;
	cJSON           *ans;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	memset(mc, 0, sizeof *mc);
	r.status = status;
	r.should_retry = -1;
	r.keep_ = "x-business-use-case-usage";
	for (h = headers; *h != '\0'; h = nl + 1) {
		nl = strchr(h, '\n');
		http_header_line(&r, h, (size_t)(nl - h + 1));
	}
	r.body = xstrdup(body);
	r.len = strlen(body);
	mc->publishes = publishes;
	ans = meta_answer(&r, mc, "EAAsecretTOKEN", W, out);
	http_resp_fini(&r);
	return ans;
}

/* Graph's answers through meta_answer: headers and body together. */
static void
test_answers(void **state)
{
	struct act_out   out;
	struct meta_call mc;
	cJSON           *ans;

	(void)state;
	ans = answer(200, "", "{\"id\": \"1\", \"post_id\": \"1234_5\"}", 1,
	             &out, &mc);
	assert_non_null(ans);
	assert_null(out.error);
	cJSON_Delete(ans);
	/* The business-use-case estimate (minutes) is the wait. */
	assert_null(answer(400,
	                   "X-Business-Use-Case-Usage: {\"1234\": "
	                   "[{\"type\": \"pages\", "
	                   "\"estimated_time_to_regain_access\": 3}]}\r\n",
	                   "{\"error\": {\"message\": \"(#80001) Too many "
	                   "calls\", \"type\": \"OAuthException\", \"code\": "
	                   "80001, \"is_transient\": true}}",
	                   0, &out, &mc));
	assert_int_equal(out.status, ACT_RETRY);
	assert_int_equal(out.retry_after_ms, 3 * 60000);
	assert_int_equal(mc.code, 80001);
	free(out.error);
	/* Not Graph speaking: unknown for a publish, retried otherwise. */
	assert_null(answer(200, "", "<html>", 1, &out, &mc));
	assert_int_equal(out.status, ACT_UNKNOWN);
	free(out.error);
	assert_null(answer(503, "Retry-After: 7\r\n", "<html>", 0, &out, &mc));
	assert_int_equal(out.status, ACT_RETRY);
	assert_int_equal(out.retry_after_ms, 7000);
	free(out.error);
}

/* Found by fuzz-graph: the error kept Graph's bytes, invalid UTF-8 and all,
 * and cut its message at 300 bytes inside a character; the text goes into
 * JSON (history, events, traces). The token stays masked. */
static void
test_answer_text(void **state)
{
	struct act_out   out;
	struct meta_call mc;
	char            *body, *msg;
	size_t           i;

	(void)state;
	assert_null(answer(400, "",
	                   "{\"error\": {\"message\": \"(#100) Tried "
	                   "accessing nonexisting field\", \"type\": "
	                   "\"OAu\xcfthException\", \"code\": 100, "
	                   "\"fbtrace_id\": \"Kwdyt_kfGZ8\"}}",
	                   0, &out, &mc));
	assert_int_equal(out.status, ACT_FAIL);
	assert_true(utf8_valid(out.error, strlen(out.error)));
	free(out.error);
	msg = xmalloc(1000);
	strcpy(msg, "a EAAsecretTOKEN ");
	for (i = 0; i < 300; i++)
		strcat(msg, "\xc3\xa9");
	xasprintf(&body,
	          "{\"error\": {\"message\": \"%s\", \"type\": "
	          "\"OAuthException\", \"code\": 2, \"is_transient\": "
	          "true}}",
	          msg);
	assert_null(answer(500, "", body, 0, &out, &mc));
	assert_int_equal(out.status, ACT_RETRY);
	assert_true(utf8_valid(out.error, strlen(out.error)));
	assert_null(strstr(out.error, "EAAsecretTOKEN"));
	free(out.error);
	free(body);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_answer_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
