/*
 * test_claude: the Messages API's answers as claude_answer reads them,
 * the API's own and the bad ones the Anthropic fuzz target found: an error
 * in invalid UTF-8 or too long, token counts that are not counts, a model
 * that is not an id, and answers whose text took quadratic time to join
 * and trim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activities/claude.h"
#include "activities/http.h"
#include "common/util.h"

static void
resp(struct http_resp *r, long status, const char *body)
{
	memset(r, 0, sizeof *r);
	r->status = status;
	r->should_retry = -1;
	r->body = xstrdup(body);
	r->len = strlen(body);
}

/* claude_answer on status and body; out and res are the caller's. */
static char *
ask(long status, const char *body, cJSON *res, struct act_out *out)
{
	static const char prices[] = "{\"claude-sonnet-4-6\": "
	                             "{\"input\": 3, \"output\": 15}}";
	struct http_resp  r;
	cJSON            *p = cJSON_Parse(prices);
	char             *text;

	memset(out, 0, sizeof *out);
	resp(&r, status, body);
	text = claude_answer(&r, p, NULL, res, out);
	http_resp_fini(&r);
	cJSON_Delete(p);
	return text;
}

static void
test_message(void **state)
{
	cJSON         *res = cJSON_CreateObject();
	struct act_out out;
	char          *text;

	(void)state;
	text = ask(200,
	           "{\"type\": \"message\", \"model\": \"claude-sonnet-4-6\", "
	           "\"content\": [{\"type\": \"text\", \"text\": \"\\n Ontdek "
	           "\"}, {\"type\": \"text\", \"text\": \"onze jas. \"}], "
	           "\"stop_reason\": \"end_turn\", \"usage\": "
	           "{\"input_tokens\": 300, \"output_tokens\": 60}}",
	           res, &out);
	assert_non_null(text);
	assert_string_equal(text, "Ontdek onze jas.");
	assert_int_equal(out.status, ACT_OK);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "model")),
	    "claude-sonnet-4-6");
	assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(
	                res, "cost_usd")) == (300 * 3 + 60 * 15) / 1e6);
	free(text);
	cJSON_Delete(res);
}

/* Found by fuzz-anthropic: the error's type kept the API's bytes, invalid
 * UTF-8 included, and its length; the text goes into JSON everywhere. */
static void
test_error_text(void **state)
{
	static const char *const bodies[] = {
		"{\"type\": \"error\", \"error\": {\"type\": \"authenticat"
		"\x97\x90\x27\xd2\xbe\x92\x85r\", \"message\": \"invalid "
		"x-api-key\"}}",
		"{\"type\": \"error\", \"error\": {\"type\": \"api_error\", "
		"\"message\": \"",
	};
	cJSON         *res = cJSON_CreateObject();
	struct act_out out;
	char          *body, *type;
	size_t         i;

	(void)state;
	assert_null(ask(401, bodies[0], res, &out));
	assert_int_equal(out.status, ACT_FAIL);
	assert_true(utf8_valid(out.error, strlen(out.error)));
	assert_non_null(strstr(out.error, "invalid x-api-key"));
	free(out.error);
	/* A message of 2-byte characters cut at 300 bytes... */
	body = xstrdup(bodies[1]);
	for (i = 0; i < 400; i++) {
		char *tmp;

		xasprintf(&tmp, "%s%s", body, i == 0 ? "a" : "\xc3\xa9");
		free(body);
		body = tmp;
	}
	/* ...and a type of 5,000 bytes. */
	type = xmalloc(5001);
	memset(type, 'x', 5000);
	type[5000] = '\0';
	{
		char *tmp;

		xasprintf(&tmp, "%s\"}}", body);
		assert_null(ask(500, tmp, res, &out));
		assert_int_equal(out.status, ACT_RETRY);
		assert_true(utf8_valid(out.error, strlen(out.error)));
		free(out.error);
		free(tmp);
		xasprintf(&tmp,
		          "{\"type\": \"error\", \"error\": {\"type\": \"%s\", "
		          "\"message\": \"m\"}}",
		          type);
		assert_null(ask(529, tmp, res, &out));
		assert_true(strlen(out.error) < 200);
		free(out.error);
		free(tmp);
	}
	free(type);
	free(body);
	cJSON_Delete(res);
}

/* Found by fuzz-anthropic's check on a crafted answer: counts that are not
 * whole numbers (1e300 overflowed the int64 casts in the trace and the
 * spend table) and a model that is not an id. */
static void
test_usage(void **state)
{
	cJSON         *res = cJSON_CreateObject();
	struct act_out out;
	char          *text;

	(void)state;
	text = ask(200,
	           "{\"model\": \"claude\\n\\u00e9\", \"content\": [{\"text\": "
	           "\"hi\"}], \"usage\": {\"input_tokens\": 1e300, "
	           "\"output_tokens\": 2.5}}",
	           res, &out);
	assert_non_null(text);
	assert_true(cJSON_GetNumberValue(
	                cJSON_GetObjectItem(res, "input_tokens")) == 0);
	assert_true(cJSON_GetNumberValue(
	                cJSON_GetObjectItem(res, "output_tokens")) == 0);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "model")), "unknown");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "price_unknown")));
	free(text);
	cJSON_Delete(res);
}

/* An answer of 4 MiB of blanks around a word, and one of 200,000 blocks:
 * the join and the trim took minutes (quadratic); now milliseconds. The
 * test's timeout is the check. */
static void
test_big_answers(void **state)
{
	const size_t   n = 4 * 1024 * 1024, blocks = 200000;
	cJSON         *res = cJSON_CreateObject(), *msg, *content, *b;
	struct act_out out;
	char          *big = xmalloc(n + 1), *body, *text;
	int64_t        t0 = mono_ms();
	size_t         i;

	(void)state;
	memset(big, ' ', n);
	memcpy(big + n / 2, "word", 4);
	big[n] = '\0';
	msg = cJSON_CreateObject();
	content = cJSON_AddArrayToObject(msg, "content");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "text", big);
	cJSON_AddItemToArray(content, b);
	body = cJSON_PrintUnformatted(msg);
	text = ask(200, body, res, &out);
	assert_non_null(text);
	assert_string_equal(text, "word");
	free(text);
	cJSON_free(body);
	cJSON_Delete(msg);
	msg = cJSON_CreateObject();
	content = cJSON_AddArrayToObject(msg, "content");
	for (i = 0; i < blocks; i++) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "text", "ab");
		cJSON_AddItemToArray(content, b);
	}
	body = cJSON_PrintUnformatted(msg);
	text = ask(200, body, res, &out);
	assert_non_null(text);
	assert_int_equal(strlen(text), 2 * blocks);
	free(text);
	cJSON_free(body);
	cJSON_Delete(msg);
	assert_true(mono_ms() - t0 < 20000);
	free(big);
	cJSON_Delete(res);
}

/* The answer names a dated model ("claude-haiku-4-5-20251001" for the
 * alias asked for): priced by the model asked for when the config prices
 * only that; unpriced (said so) when neither is. */
static void
test_price_of_alias(void **state)
{
	static const char body[] =
	    "{\"type\": \"message\", \"model\": "
	    "\"claude-haiku-4-5-20251001\", \"content\": [{\"type\": "
	    "\"text\", \"text\": \"Ontdek\"}], \"stop_reason\": "
	    "\"end_turn\", \"usage\": {\"input_tokens\": 1000000, "
	    "\"output_tokens\": 1000000}}";
	cJSON           *p = cJSON_Parse("{\"claude-haiku-4-5\": {\"input\": "
	                                           "1, \"output\": 5}}");
	cJSON           *res = cJSON_CreateObject();
	struct http_resp r;
	struct act_out   out;
	char            *text;

	(void)state;
	memset(&out, 0, sizeof out);
	resp(&r, 200, body);
	text = claude_answer(&r, p, "claude-haiku-4-5", res, &out);
	assert_non_null(text);
	assert_float_equal(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(res, "cost_usd")), 6.0,
	    1e-9);
	assert_null(cJSON_GetObjectItem(res, "price_unknown"));
	free(text);
	cJSON_Delete(res);
	res = cJSON_CreateObject();
	text = claude_answer(&r, p, "claude-opus-4-1", res, &out);
	assert_non_null(text);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "price_unknown")));
	free(text);
	cJSON_Delete(res);
	http_resp_fini(&r);
	cJSON_Delete(p);
}

static void
test_not_a_message(void **state)
{
	static const char *const bodies[] = {
		"<html>upstream hiccup</html>",
		"",
		"{\"content\": \"x\"}",
		"{\"content\": []}",
		"{\"content\": [{\"type\": \"image\"}, {\"text\": \" \\n\"}]}",
	};
	cJSON         *res = cJSON_CreateObject();
	struct act_out out;
	size_t         i;

	(void)state;
	for (i = 0; i < nitems(bodies); i++) {
		assert_null(ask(200, bodies[i], res, &out));
		assert_int_equal(out.status, ACT_RETRY);
		assert_non_null(out.error);
		free(out.error);
	}
	cJSON_Delete(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_big_answers),
		cmocka_unit_test(test_not_a_message),
		cmocka_unit_test(test_price_of_alias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
