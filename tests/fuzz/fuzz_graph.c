/*
 * fuzz-graph: libFuzzer over Graph API answers (activities/meta.c's
 * meta_answer, with http.c's header parser in front): any status, headers
 * and body give the answer object or a classified error, never a crash, a
 * leak or a hang. Input: see fuzz.h; the flag "publish" makes it the
 * answer to a call that publishes. Checked on every input: an object only
 * for a 2xx without an error; otherwise one of retry, fail or unknown
 * (unknown only for a publish), a short error line in valid UTF-8 without
 * the token, a sane wait, and a brand paused only on a final failure.
 */
#include <stdlib.h>
#include <string.h>

#include "activities/meta.h"
#include "common/redact.h"
#include "common/util.h"
#include "tests/fuzz/fuzz.h"

#define TOKEN     "EAAfuzzTOKENfuzz1234"
#define WAIT_MAX  (24LL * 3600 * 1000)
#define ERROR_MAX 1024

static int registered;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp r;
	struct meta_call mc;
	struct act_out   out;
	char             flags[32];
	cJSON           *ans;

	fuzz_resp(data, size, "x-business-use-case-usage", &r, flags,
	          sizeof flags);
	memset(&mc, 0, sizeof mc);
	memset(&out, 0, sizeof out);
	mc.method = "POST";
	mc.path = "1234/photos";
	mc.publishes = strstr(flags, "publish") != NULL;
	/* As heraldd does at start: the redactor knows the token. */
	if (!registered)
		registered = redact_add("POMANDI_META_TOKEN", TOKEN) >= 0;
	ans = meta_answer(&r, &mc, 60000, &out);
	if (ans != NULL) {
		FUZZ_CHECK(r.status >= 200 && r.status < 300, "status %ld",
		           r.status);
		FUZZ_CHECK(cJSON_IsObject(ans) &&
		               cJSON_GetObjectItem(ans, "error") == NULL,
		           "not a Graph object");
		FUZZ_CHECK(out.error == NULL && mc.code == 0, "an error too");
		/* How a check finds a post again by its caption. */
		(void)meta_find(ans, "message", "a caption");
		cJSON_Delete(ans);
	} else {
		FUZZ_CHECK(out.error != NULL, "no error");
		FUZZ_CHECK(out.status == ACT_RETRY || out.status == ACT_FAIL ||
		               (out.status == ACT_UNKNOWN && mc.publishes),
		           "status %d (publishes %d)", out.status,
		           mc.publishes);
		FUZZ_CHECK(strlen(out.error) <= ERROR_MAX, "%zu bytes of error",
		           strlen(out.error));
		FUZZ_CHECK(utf8_valid(out.error, strlen(out.error)),
		           "invalid UTF-8: %s", out.error);
		/* Not the token, nor its head (a field cut to size). */
		FUZZ_CHECK(strstr(out.error, TOKEN) == NULL &&
		               !FUZZ_HEAD_LEAKS(data, size, out.error,
		                                "EAAfuzzTOKEN", TOKEN),
		           "the token: %s", out.error);
		FUZZ_CHECK(out.retry_after_ms >= 0 &&
		               out.retry_after_ms <= WAIT_MAX,
		           "wait %lld", (long long)out.retry_after_ms);
		FUZZ_CHECK(!out.pause_brand || out.status == ACT_FAIL,
		           "pause with status %d", out.status);
	}
	free(out.error);
	http_resp_fini(&r);
	return 0;
}
