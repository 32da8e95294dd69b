/*
 * test_meta: the class of every Graph API error herald knows (api-notes
 * §2), for a call that publishes and one that does not; when a check reads
 * again after a failed read (meta_check_again); and Graph's answers
 * (status, headers, body) as meta_answer reads them.
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
#include "common/redact.h"
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
	{ "photo fetch failed, publishing", 400, 324, 0, 0, 0, 1, ACT_RETRY, 0,
	  0 },
	{ "photo fetch failed", 400, 324, 0, 0, 0, 0, ACT_RETRY, 0, 0 },
	{ "photo fetch failed, hint", 400, 324, 0, 0, 3000, 1, ACT_RETRY, 3000,
	  0 },
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

/* meta_check_again: a failed read of a check, its answer, and how long it
 * took. */
struct again {
	const char     *what;
	enum act_status status; /* the failed read's */
	int             pause;
	int64_t         retry_after_ms;
	int             n;           /* the read that failed */
	int64_t         retry_ms;    /* meta.check_retry_ms */
	int64_t         deadline_in; /* ms from now */
	int             cancel;
	int             want;        /* 1: read again */
	int64_t         want_min_ms; /* slept at least */
	const char     *want_error;  /* when 0: the whole text */
};

#define LAST  "graph 500 code 2 OAuthException: (#2) Service down"
#define WHAT  "could not list the posts of page 1234"
#define BEGIN WHAT ": "

static const struct again agains[] = {
	{ "first failure: the base wait", ACT_RETRY, 0, 0, 1, 100, 60000, 0, 1,
	  100, NULL },
	{ "third failure: doubled twice", ACT_RETRY, 0, 0, 3, 100, 60000, 0, 1,
	  400, NULL },
	{ "Retry-After longer than the backoff", ACT_RETRY, 0, 300, 1, 100,
	  60000, 0, 1, 300, NULL },
	{ "permanent: at once", ACT_FAIL, 1, 0, 1, 100, 60000, 0, 0, 0,
	  BEGIN LAST },
	{ "in doubt already: at once", ACT_UNKNOWN, 0, 0, 1, 100, 60000, 0, 0,
	  0, BEGIN LAST },
	{ "reads used up", ACT_RETRY, 0, 0, META_CHECK_READS, 100, 60000, 0, 0,
	  0, BEGIN "6 reads failed, the last: " LAST },
	{ "throttled past the deadline", ACT_RETRY, 0, 300000, 2, 100, 60000, 0,
	  0, 0,
	  BEGIN "read 2 failed: " LAST "; the next read, 300 s later, "
	        "would pass the step's deadline" },
	{ "the backoff is capped at 30 s", ACT_RETRY, 0, 0, 5, 10000, 20000, 0,
	  0, 0,
	  BEGIN "read 5 failed: " LAST "; the next read, 30 s later, "
	        "would pass the step's deadline" },
	{ "cancelled", ACT_RETRY, 0, 0, 2, 100, 60000, 1, 0, 0,
	  BEGIN "the check was stopped after 2 reads, the last failed: " LAST },
};

static void
test_check_again(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(agains); i++) {
		const struct again *a = &agains[i];
		struct act_call     c;
		struct act_out      out;
		atomic_int          cancel = a->cancel;
		cJSON              *settings = cJSON_CreateObject();
		int64_t             t0, took;
		int                 got;

		cJSON_AddNumberToObject(
		    cJSON_AddObjectToObject(settings, "meta"), "check_retry_ms",
		    (double)a->retry_ms);
		memset(&c, 0, sizeof c);
		c.check = 1;
		c.settings = settings;
		c.cancel = &cancel;
		memset(&out, 0, sizeof out);
		out.status = a->status;
		out.pause_brand = a->pause;
		out.retry_after_ms = a->retry_after_ms;
		out.error = xstrdup(LAST);
		t0 = clock_ms();
		c.deadline = t0 + a->deadline_in;
		got = meta_check_again(&c, &out, a->n, WHAT);
		took = clock_ms() - t0;
		if (got != a->want)
			fail_msg("%s: got %d (%s)", a->what, got,
			         out.error ? out.error : "no error");
		if (got) {
			if (out.status != ACT_OK || out.error != NULL ||
			    took < a->want_min_ms)
				fail_msg("%s: status %d error %s, slept %lld "
				         "ms",
				         a->what, (int)out.status,
				         out.error ? out.error : "none",
				         (long long)took);
		} else if (out.status != ACT_UNKNOWN ||
		           /* an expired token still pauses the brand */
		           out.pause_brand !=
		               (a->status == ACT_FAIL && a->pause) ||
		           out.retry_after_ms != 0 || out.error == NULL ||
		           strcmp(out.error, a->want_error) != 0 || took > 1000)
			fail_msg("%s: status %d pause %d in %lld ms, error "
			         "\"%s\"",
			         a->what, (int)out.status, out.pause_brand,
			         (long long)took, out.error ? out.error : "");
		free(out.error);
		cJSON_Delete(settings);
	}
}

/* A read that failed with no text at all still says so. */
static void
test_check_again_no_text(void **state)
{
	struct act_call c;
	struct act_out  out;

	(void)state;
	memset(&c, 0, sizeof c);
	memset(&out, 0, sizeof out);
	c.deadline = clock_ms() + 60000;
	out.status = ACT_FAIL;
	assert_int_equal(meta_check_again(&c, &out, 1, WHAT), 0);
	assert_string_equal(out.error, BEGIN "no answer");
	free(out.error);
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
	/* The token, as heraldd registers it: the redactor masks it. */
	redact_add("POMANDI_META_TOKEN", "EAAsecretTOKEN");
	ans = meta_answer(&r, mc, W, out);
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
		cmocka_unit_test(test_check_again),
		cmocka_unit_test(test_check_again_no_text),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_answer_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
