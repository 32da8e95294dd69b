/*
 * diagnostic: a workflow with the feed publisher's shape and no network,
 * s1 -> s2 -> s3 -> (s4, s5) -> s6, for tests, benchmarks and health
 * checks. s4 counts as side-effecting, so crash recovery's in_doubt path
 * can be exercised. The input steers each step:
 *   {"sleep_ms": {"s4": 200},        sleep before finishing
 *    "fail": {"s2": 2},              fail (retryably) the first N attempts
 *    "fail_non_retryable": ["s5"],   fail for good
 *    "unknown": {"s4": 1},           report an unknown outcome N times
 *    "brand": "pomandi"}             shown in lists, not used otherwise
 * Runs on worker threads.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "daemon/workflow.h"

static const char *const step_names[] = { "s1", "s2", "s3", "s4", "s5", "s6" };

static int
known_step(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(step_names); i++)
		if (strcmp(step_names[i], name) == 0)
			return 1;
	return 0;
}

/* {"sN": integer within [0, max]} */
static int
check_counts(const cJSON *o, const char *key, double max, char **cause)
{
	const cJSON *it;

	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o)) {
		xasprintf(cause, "input.%s: expected an object", key);
		return -1;
	}
	cJSON_ArrayForEach(it, o)
	{
		if (!known_step(it->string)) {
			xasprintf(cause, "input.%s.%s: no such step", key,
			          it->string);
			return -1;
		}
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
		    it->valuedouble > max ||
		    it->valuedouble != (double)(int)it->valuedouble) {
			xasprintf(cause,
			          "input.%s.%s: expected an integer in 0..%.0f",
			          key, it->string, max);
			return -1;
		}
	}
	return 0;
}

static int
diagnostic_check_input(const cJSON *in, char **cause)
{
	static const char *const keys[] = { "sleep_ms", "fail",
		                            "fail_non_retryable", "unknown",
		                            "brand" };
	const cJSON             *it;
	size_t                   i;

	if (cJSON_IsNull(in))
		return 0;
	if (!cJSON_IsObject(in)) {
		xasprintf(cause, "input: expected an object or null");
		return -1;
	}
	cJSON_ArrayForEach(it, in)
	{
		for (i = 0; i < nitems(keys); i++)
			if (strcmp(keys[i], it->string) == 0)
				break;
		if (i == nitems(keys)) {
			xasprintf(cause, "input.%s: unknown key", it->string);
			return -1;
		}
	}
	if (check_counts(cJSON_GetObjectItemCaseSensitive(in, "sleep_ms"),
	                 "sleep_ms", 600000, cause) != 0 ||
	    check_counts(cJSON_GetObjectItemCaseSensitive(in, "fail"), "fail",
	                 1000, cause) != 0 ||
	    check_counts(cJSON_GetObjectItemCaseSensitive(in, "unknown"),
	                 "unknown", 1000, cause) != 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(in, "fail_non_retryable");
	if (it != NULL) {
		const cJSON *s;

		if (!cJSON_IsArray(it)) {
			xasprintf(cause,
			          "input.fail_non_retryable: expected an "
			          "array of step names");
			return -1;
		}
		cJSON_ArrayForEach(s, it)
		{
			if (!cJSON_IsString(s) || !known_step(s->valuestring)) {
				xasprintf(cause,
				          "input.fail_non_retryable: "
				          "expected an array of step names");
				return -1;
			}
		}
	}
	it = cJSON_GetObjectItemCaseSensitive(in, "brand");
	if (it != NULL && !cJSON_IsString(it)) {
		xasprintf(cause, "input.brand: expected a string");
		return -1;
	}
	return 0;
}

static int
count_for(const cJSON *input, const char *key, const char *step)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(input, key);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, step);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static int
listed(const cJSON *input, const char *key, const char *step)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(input, key), *s;

	cJSON_ArrayForEach(s,
	                   a) if (cJSON_IsString(s) &&
	                          strcmp(s->valuestring, step) == 0) return 1;
	return 0;
}

/* Sleeps ms, waking early on cancel or at the deadline. 0 if it slept
 * through, -1 if cancelled, -2 at the deadline. */
static int
nap(const struct act_call *c, int ms)
{
	int64_t end = mono_ms() + ms;

	for (;;) {
		int64_t         now = mono_ms(), left = end - now;
		struct timespec ts;

		if (atomic_load(c->cancel))
			return -1;
		if (clock_ms() >= c->deadline)
			return -2;
		if (left <= 0)
			return 0;
		if (left > 10)
			left = 10;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
}

static void
diagnostic_step(const struct act_call *c, struct act_out *out)
{
	int ms = count_for(c->input, "sleep_ms", c->step);

	if (ms > 0) {
		switch (nap(c, ms)) {
		case -1:
			out->status = ACT_RETRY;
			out->error = xstrdup("cancelled");
			return;
		case -2:
			out->status = ACT_RETRY;
			out->error = xstrdup("deadline exceeded");
			return;
		}
	}
	if (listed(c->input, "fail_non_retryable", c->step)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: told to fail non-retryably",
		          c->step);
		return;
	}
	if (c->attempt <= count_for(c->input, "fail", c->step)) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: told to fail attempt %d of %d",
		          c->step, c->attempt,
		          count_for(c->input, "fail", c->step));
		return;
	}
	if (c->attempt <= count_for(c->input, "unknown", c->step)) {
		out->status = ACT_UNKNOWN;
		xasprintf(&out->error, "%s: told to report an unknown outcome",
		          c->step);
		return;
	}
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"step\":\"%s\",\"attempt\":%d}", c->step,
	          c->attempt);
}

#define DIAG_STEP(n, effect, ...)                                              \
	{                                                                      \
		.name = n, .run = diagnostic_step, .deps = { __VA_ARGS__ },    \
		.timeout_ms = 60000, .retry = { 1000, 2.0, 100000, 5 },        \
		.side_effect = effect,                                         \
	}

static const struct step_def diagnostic_steps[] = {
	DIAG_STEP("s1", 0, NULL),       DIAG_STEP("s2", 0, "s1", NULL),
	DIAG_STEP("s3", 0, "s2", NULL), DIAG_STEP("s4", 1, "s3", NULL),
	DIAG_STEP("s5", 0, "s3", NULL), DIAG_STEP("s6", 0, "s4", "s5", NULL),
};

const struct workflow workflow_diagnostic = {
	.name = "diagnostic",
	.steps = diagnostic_steps,
	.nsteps = (int)nitems(diagnostic_steps),
	.check_input = diagnostic_check_input,
};
