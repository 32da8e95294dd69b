/*
 * fuzz-anthropic: libFuzzer over Messages API answers (activities/
 * claude.c's claude_answer, with http.c's header parser in front): any
 * status, headers and body give the model's text or a classified error,
 * never a crash, a leak or a hang. Input: see fuzz.h. Checked on every
 * input: text only from a 2xx, trimmed, non-empty, valid UTF-8, with
 * token counts that are whole numbers and a finite cost; otherwise retry
 * or fail (the call has no side effect, so never unknown) with a short
 * error line in valid UTF-8 and a sane wait.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activities/claude.h"
#include "common/redact.h"
#include "common/util.h"
#include "tests/fuzz/fuzz.h"

#define WAIT_MAX  (3600LL * 1000)
#define ERROR_MAX 1024
/* The key as heraldd registers it (seed echo-key quotes it). */
#define KEY "sk-ant-fuzzKEYfuzz0123456789"

static cJSON *prices;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	redact_add("ANTHROPIC_API_KEY", KEY);
	prices = cJSON_Parse("{\"claude-sonnet-4-6\": {\"input\": 3, "
	                     "\"output\": 15}, \"claude-haiku-4-5\": "
	                     "{\"input\": 1, \"output\": 5}}");
	return 0;
}

/* A token count: a whole number from 0 to 2^53. */
static int
count_ok(const cJSON *v)
{
	double d = cJSON_GetNumberValue(v);

	return d >= 0 && d <= 9007199254740992.0 && d == floor(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp r;
	struct act_out   out;
	char             flags[32], *text;
	cJSON           *res = cJSON_CreateObject();
	double           cost;
	size_t           n;

	fuzz_resp(data, size, NULL, &r, flags, sizeof flags);
	memset(&out, 0, sizeof out);
	text = claude_answer(&r, prices, "claude-sonnet-4-6", res, &out);
	if (text != NULL) {
		n = strlen(text);
		FUZZ_CHECK(r.status >= 200 && r.status < 300, "status %ld",
		           r.status);
		FUZZ_CHECK(out.status == ACT_OK && out.error == NULL,
		           "status %d", out.status);
		FUZZ_CHECK(n > 0 && utf8_valid(text, n), "text not UTF-8");
		FUZZ_CHECK(text[0] != ' ' && text[0] != '\n' &&
		               text[n - 1] != ' ' && text[n - 1] != '\n',
		           "untrimmed");
	} else {
		FUZZ_CHECK(out.error != NULL, "no error");
		FUZZ_CHECK(out.status == ACT_RETRY || out.status == ACT_FAIL,
		           "status %d", out.status);
		FUZZ_CHECK(strlen(out.error) <= ERROR_MAX, "%zu bytes of error",
		           strlen(out.error));
		FUZZ_CHECK(utf8_valid(out.error, strlen(out.error)),
		           "invalid UTF-8: %s", out.error);
		/* Not the key, nor its head (a field cut to size). */
		FUZZ_CHECK(strstr(out.error, KEY) == NULL &&
		               !FUZZ_HEAD_LEAKS(data, size, out.error,
		                                "sk-ant-fuzzKEY", KEY),
		           "the key: %s", out.error);
		FUZZ_CHECK(out.retry_after_ms >= 0 &&
		               out.retry_after_ms <= WAIT_MAX,
		           "wait %lld", (long long)out.retry_after_ms);
	}
	/* Once a message came, what it cost is known, usable or not. */
	if (cJSON_GetObjectItem(res, "model") != NULL) {
		const char *m =
		    cJSON_GetStringValue(cJSON_GetObjectItem(res, "model"));

		FUZZ_CHECK(m != NULL && *m != '\0' && strlen(m) <= 100 &&
		               strspn(m, "abcdefghijklmnopqrstuvwxyz"
		                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                         "0123456789-_.:@/") == strlen(m),
		           "model %.200s", m ? m : "(none)");
		cost =
		    cJSON_GetNumberValue(cJSON_GetObjectItem(res, "cost_usd"));
		FUZZ_CHECK(
		    count_ok(cJSON_GetObjectItem(res, "input_tokens")) &&
		        count_ok(cJSON_GetObjectItem(res, "output_tokens")),
		    "token counts %g %g",
		    cJSON_GetNumberValue(
		        cJSON_GetObjectItem(res, "input_tokens")),
		    cJSON_GetNumberValue(
		        cJSON_GetObjectItem(res, "output_tokens")));
		FUZZ_CHECK(isfinite(cost) && cost >= 0, "cost %g", cost);
	}
	free(text);
	free(out.error);
	cJSON_Delete(res);
	http_resp_fini(&r);
	return 0;
}
