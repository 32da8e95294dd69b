/*
 * The engine's state machine, driven through engine_call as the protocol
 * would, observed through a read-only store connection as queries would:
 * dependencies, parallel steps, retry timing, non-retryable failures,
 * timeouts with late results discarded, cancel, retry/reset, unique ids,
 * in-doubt steps, outcome checks, and recovery after a stop mid-run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "db/store.h"

/* Test workflow types. */

static atomic_int healed; /* "flaky" fails until this is set */

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Fails the first input.fail attempts, retryably. */
static void
act_fast(const struct act_call *c, struct act_out *out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(c->input, "fail");

	if (cJSON_IsNumber(f) && c->attempt <= f->valueint) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "attempt %d fails", c->attempt);
		return;
	}
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"attempt\":%d}", c->attempt);
}

/* Attempt 1 outlives its timeout and ignores cancellation; later attempts
 * answer at once. */
static void
act_slow(const struct act_call *c, struct act_out *out)
{
	if (c->attempt == 1)
		sleep_ms(400);
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"attempt\":%d}", c->attempt);
}

static void
act_flaky(const struct act_call *c, struct act_out *out)
{
	(void)c;
	if (!atomic_load(&healed)) {
		out->status = ACT_RETRY;
		out->error = xstrdup("not healed yet");
		return;
	}
	out->status = ACT_OK;
	out->result = xstrdup("{\"healed\":true}");
}

static void
act_ok(const struct act_call *c, struct act_out *out)
{
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"step\":\"%s\"}", c->step);
}

static void
act_unknown(const struct act_call *c, struct act_out *out)
{
	(void)c;
	out->status = ACT_UNKNOWN;
	out->error = xstrdup("connection reset after the request went out");
}

static atomic_int runs;

/* Ignores cancellation: the first run takes 300 ms, later ones 600. */
static void
act_run_count(const struct act_call *c, struct act_out *out)
{
	int n = atomic_fetch_add(&runs, 1) + 1;

	(void)c;
	sleep_ms(n == 1 ? 300 : 600);
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"run\":%d}", n);
}

/* A publish that outlives its timeout and ignores the abort: input.ok
 * says whether it then reports success. */
static void
act_slow_publish(const struct act_call *c, struct act_out *out)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(c->input, "ok");

	sleep_ms(300);
	if (cJSON_IsTrue(ok)) {
		out->status = ACT_OK;
		out->result = xstrdup("{\"post\":\"p-1\"}");
	} else {
		out->status = ACT_RETRY;
		out->error = xstrdup("connection reset");
	}
}

static void
check_found(const struct act_call *c, struct act_out *out)
{
	assert_true(c->check);
	out->status = ACT_OK;
	out->result = xstrdup("{\"found\":\"post-42\"}");
}

/* Asks to be called again (ACT_WAIT) until its third call, counting calls
 * in its progress: what an Instagram publish does while its container is
 * processed. */
static void
act_poll(const struct act_call *c, struct act_out *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(c->progress, "n");
	int          calls = cJSON_IsNumber(n) ? n->valueint + 1 : 1;

	assert_int_equal(c->attempt, 1); /* waiting uses no attempt */
	assert_true(c->created_at > 0);
	xasprintf(&out->progress, "{\"n\":%d}", calls);
	if (calls < 3) {
		out->status = ACT_WAIT;
		out->retry_after_ms = 300;
		out->error = xstrdup("the container is IN_PROGRESS");
		return;
	}
	out->status = ACT_OK;
	xasprintf(&out->result, "{\"calls\":%d}", calls);
}

#define FAST_RETRY                                                             \
	{                                                                      \
		50, 2.0, 1000, 4                                               \
	}
#define TWO_TRIES                                                              \
	{                                                                      \
		10, 2.0, 100, 2                                                \
	}
#define STEP(n, fn, chk, timeout, retry_, effect, ...)                         \
	{                                                                      \
		.name = n, .run = fn, .check = chk, .deps = { __VA_ARGS__ },   \
		.timeout_ms = timeout, .retry = retry_, .side_effect = effect, \
	}
#define WORKFLOW(n, steps_)                                                    \
	{                                                                      \
		.name = n, .steps = steps_, .nsteps = (int)nitems(steps_),     \
	}

static const struct step_def fast_steps[] = {
	STEP("only", act_fast, NULL, 5000, FAST_RETRY, 0, NULL),
};
static const struct workflow wf_fast = WORKFLOW("fast", fast_steps);

static const struct step_def slow_steps[] = {
	STEP("slow", act_slow, NULL, 100, FAST_RETRY, 0, NULL),
};
static const struct workflow wf_slow = WORKFLOW("slow", slow_steps);

static const struct step_def flaky_steps[] = {
	STEP("first", act_ok, NULL, 5000, FAST_RETRY, 0, NULL),
	STEP("second", act_flaky, NULL, 5000, TWO_TRIES, 0, "first", NULL),
};
static const struct workflow wf_flaky = WORKFLOW("flaky", flaky_steps);

static const struct step_def checked_steps[] = {
	STEP("publish", act_unknown, check_found, 5000, FAST_RETRY, 1, NULL),
};
static const struct workflow wf_checked = WORKFLOW("checked", checked_steps);

static const struct step_def rerun_steps[] = {
	STEP("work", act_run_count, NULL, 5000, FAST_RETRY, 0, NULL),
};
static const struct workflow wf_rerun = WORKFLOW("rerun", rerun_steps);

static const struct step_def overdue_steps[] = {
	STEP("publish", act_slow_publish, NULL, 100, FAST_RETRY, 1, NULL),
};
static const struct workflow wf_overdue = WORKFLOW("overdue", overdue_steps);

static const struct step_def poll_steps[] = {
	STEP("publish", act_poll, NULL, 5000, TWO_TRIES, 1, NULL),
};
static const struct workflow wf_poll = WORKFLOW("poll", poll_steps);

/* A publish that waits (ACT_WAIT) once, then publishes slowly in its
 * continuation (as Instagram's media_publish after the container's wait);
 * its check finds it did not go out. */
static void
act_wait_then_slow(const struct act_call *c, struct act_out *out)
{
	int k;

	if (!cJSON_IsNumber(
	        cJSON_GetObjectItemCaseSensitive(c->progress, "n"))) {
		out->progress = xstrdup("{\"n\":1}");
		out->status = ACT_WAIT;
		out->retry_after_ms = 50;
		out->error = xstrdup("container IN_PROGRESS");
		return;
	}
	for (k = 0; k < 300 && !atomic_load(c->cancel); k++)
		sleep_ms(10);
	out->status = ACT_OK;
	out->result = xstrdup("{\"post\":\"ok\"}");
}

static void
check_not_out(const struct act_call *c, struct act_out *out)
{
	(void)c;
	out->status = ACT_RETRY;
	out->error = xstrdup("container is FINISHED, not PUBLISHED: it did not "
	                     "go out");
	out->progress = xstrdup("null");
}

static const struct step_def waitchk_steps[] = {
	STEP("publish", act_wait_then_slow, check_not_out, 5000, TWO_TRIES, 1,
	     NULL),
};
static const struct workflow wf_waitchk = WORKFLOW("waitchk", waitchk_steps);

/* A publish and its check, both slow (until cancelled). */
static void
act_slow_until_cancel(const struct act_call *c, struct act_out *out)
{
	int k;

	for (k = 0; k < 500 && !atomic_load(c->cancel); k++)
		sleep_ms(10);
	out->status = ACT_RETRY;
	out->error = xstrdup("cancelled");
}

static const struct step_def slowchk_steps[] = {
	STEP("publish", act_slow_until_cancel, act_slow_until_cancel, 60000,
	     TWO_TRIES, 1, NULL),
};
static const struct workflow wf_slowchk = WORKFLOW("slowchk", slowchk_steps);

static const struct workflow *const test_types[] = {
	&wf_waitchk, &wf_slowchk, &workflow_diagnostic,
	&wf_fast,    &wf_slow,    &wf_flaky,
	&wf_checked, &wf_rerun,   &wf_overdue,
	&wf_poll,    NULL,
};

/* Harness. */

static char            dir[64], db[192];
static struct engine  *E;
static pthread_mutex_t rlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  rcond = PTHREAD_COND_INITIALIZER;

struct pending {
	char *text;
};

static void
collect(void *arg, char *text)
{
	struct pending *p = arg;

	pthread_mutex_lock(&rlock);
	p->text = text;
	pthread_cond_broadcast(&rcond);
	pthread_mutex_unlock(&rlock);
}

/* How long engine_stop lets activities finish: by default not at all
 * (they are aborted), so tests stop fast. */
static int64_t drain_ms = -1;

static void
stop_engine_now(void)
{
	engine_stop(E);
	E = NULL;
}

static void
start_engine(void)
{
	struct engine_opts o = { 0 };
	char              *cause = NULL;

	o.db_path = db;
	o.sync_full = 0;
	o.workers = 4;
	o.drain_ms = drain_ms;
	o.types = test_types;
	E = engine_start(&o, &cause);
	if (E == NULL)
		fail_msg("engine_start: %s", cause);
}

/* Sends a call and waits for its reply (as parsed JSON). */
static cJSON *
call(enum method_id m, const char *params)
{
	struct pending  p = { NULL };
	struct reply_to rt = { collect, &p };
	cJSON          *reply;

	engine_call(E, m, cJSON_Parse(params), NULL, rt);
	pthread_mutex_lock(&rlock);
	while (p.text == NULL)
		pthread_cond_wait(&rcond, &rlock);
	pthread_mutex_unlock(&rlock);
	reply = cJSON_Parse(p.text);
	free(p.text);
	assert_non_null(reply);
	return reply;
}

static int
reply_ok(cJSON *r)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
}

static const char *
reply_code(cJSON *r)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");

	return cJSON_GetObjectItemCaseSensitive(e, "code")->valuestring;
}

static void
call_ok(enum method_id m, const char *params)
{
	cJSON *r = call(m, params);

	if (!reply_ok(r)) {
		char *s = cJSON_PrintUnformatted(r);

		fail_msg("%s %s: %s", proto_methods[m].name, params, s);
	}
	cJSON_Delete(r);
}

static void
expect_error(enum method_id m, const char *params, const char *code)
{
	cJSON *r = call(m, params);

	assert_false(reply_ok(r));
	assert_string_equal(reply_code(r), code);
	cJSON_Delete(r);
}

static cJSON *
describe(const char *id)
{
	struct store_reader *r;
	cJSON               *out = NULL;
	char                *cause = NULL;

	r = store_reader_open(db, &cause);
	assert_non_null(r);
	assert_int_equal(store_describe(r, id, &out, &cause), 0);
	store_reader_close(r);
	return out;
}

static cJSON *
events(const char *id)
{
	struct store_reader *r;
	cJSON               *out = NULL, *arr;
	char                *cause = NULL;

	r = store_reader_open(db, &cause);
	assert_non_null(r);
	assert_int_equal(store_history(r, id, 0, 10000, &out, &cause), 0);
	store_reader_close(r);
	arr = cJSON_DetachItemFromObject(out, "events");
	cJSON_Delete(out);
	return arr;
}

static const char *
sget(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *
step_of(const cJSON *x, const char *name)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
	                          x, "steps")) if (strcmp(sget(s, "name"),
	                                                  name) == 0) return s;
	fail_msg("no step %s", name);
	return NULL;
}

static int
step_attempt(const cJSON *x, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(step_of(x, name), "attempt")
	    ->valueint;
}

static int
step_int(const cJSON *x, const char *name, const char *key)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(step_of(x, name), key);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

/* Waits up to ms for execution id to reach status. */
static cJSON *
wait_status(const char *id, const char *status, int ms)
{
	int64_t end = mono_ms() + ms;
	cJSON  *x;

	for (;;) {
		x = describe(id);
		if (strcmp(sget(x, "status"), status) == 0)
			return x;
		if (mono_ms() > end) {
			char *s = cJSON_PrintUnformatted(x);

			fail_msg("%s: want %s, have %s", id, status, s);
		}
		cJSON_Delete(x);
		sleep_ms(10);
	}
}

static cJSON *
wait_step(const char *id, const char *step, const char *status, int ms)
{
	int64_t end = mono_ms() + ms;
	cJSON  *x;

	for (;;) {
		x = describe(id);
		if (strcmp(sget(step_of(x, step), "status"), status) == 0)
			return x;
		if (mono_ms() > end)
			fail_msg("%s %s: want %s, have %s", id, step, status,
			         sget(step_of(x, step), "status"));
		cJSON_Delete(x);
		sleep_ms(10);
	}
}

/* How many events of type (for step, if not NULL) the history has. */
static int
count_events(const cJSON *evs, const char *type, const char *step)
{
	const cJSON *ev;
	int          n = 0;

	cJSON_ArrayForEach(ev, evs)
	{
		if (strcmp(sget(ev, "type"), type) != 0)
			continue;
		if (step != NULL && (sget(ev, "step") == NULL ||
		                     strcmp(sget(ev, "step"), step)))
			continue;
		n++;
	}
	return n;
}

/* The seq of the first event of type for step. */
static double
seq_of(const cJSON *evs, const char *type, const char *step)
{
	const cJSON *ev;

	cJSON_ArrayForEach(
	    ev,
	    evs) if (strcmp(sget(ev, "type"), type) == 0 && sget(ev, "step") &&
	             strcmp(sget(ev, "step"), step) ==
	                 0) return cJSON_GetObjectItemCaseSensitive(ev, "seq")
	    ->valuedouble;
	fail_msg("no %s for %s", type, step);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/herald-engine-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/herald.db", dir);
	start_engine();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	engine_stop(E);
	E = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Tests. */

static void
test_dependencies_and_parallel(void **state)
{
	cJSON *x, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START,
	        "{\"type\":\"diagnostic\",\"id\":\"dep\","
	        "\"input\":{\"sleep_ms\":{\"s4\":300,\"s5\":300}}}");
	x = wait_status("dep", "completed", 5000);
	evs = events("dep");
	/* Each step starts only after its dependencies completed. */
	assert_true(seq_of(evs, "step_completed", "s1") <
	            seq_of(evs, "step_started", "s2"));
	assert_true(seq_of(evs, "step_completed", "s3") <
	            seq_of(evs, "step_started", "s4"));
	assert_true(seq_of(evs, "step_completed", "s4") <
	            seq_of(evs, "step_started", "s6"));
	assert_true(seq_of(evs, "step_completed", "s5") <
	            seq_of(evs, "step_started", "s6"));
	/* s4 and s5 ran side by side. */
	assert_true(seq_of(evs, "step_started", "s5") <
	            seq_of(evs, "step_completed", "s4"));
	assert_int_equal(count_events(evs, "step_completed", NULL), 6);
	assert_int_equal(count_events(evs, "workflow_completed", NULL), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

static void
test_retry_timing(void **state)
{
	const cJSON *ev;
	cJSON       *x, *evs;
	int          k = 0;
	int          want[] = { 50, 100 };

	(void)state;
	call_ok(M_WORKFLOW_START,
	        "{\"type\":\"fast\",\"id\":\"rt\",\"input\":{\"fail\":2}}");
	x = wait_status("rt", "completed", 5000);
	assert_int_equal(step_attempt(x, "only"), 3);
	assert_string_equal(sget(step_of(x, "only"), "last_error"),
	                    "attempt 2 fails");
	evs = events("rt");
	/* Backoff: 50 ms, then 50 x 2. retry_at is stored, and the next
	 * attempt starts at it. */
	cJSON_ArrayForEach(ev, evs)
	{
		const cJSON *data =
		    cJSON_GetObjectItemCaseSensitive(ev, "data");

		if (strcmp(sget(ev, "type"), "step_failed") != 0)
			continue;
		assert_non_null(sget(data, "retry_at"));
		assert_int_equal(
		    cJSON_GetObjectItem(data, "retry_in_ms")->valueint,
		    want[k]);
		k++;
	}
	assert_int_equal(k, 2);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

static void
test_attempts_exhausted(void **state)
{
	cJSON *x, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START,
	        "{\"type\":\"fast\",\"id\":\"ex\",\"input\":{\"fail\":10}}");
	x = wait_status("ex", "failed", 5000);
	assert_int_equal(step_attempt(x, "only"), 4);
	assert_string_equal(sget(step_of(x, "only"), "status"), "failed");
	assert_non_null(strstr(sget(x, "error"), "after 4 attempts"));
	evs = events("ex");
	assert_int_equal(count_events(evs, "step_failed", "only"), 4);
	assert_int_equal(count_events(evs, "workflow_failed", NULL), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

static void
test_non_retryable(void **state)
{
	cJSON *x;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"nr\","
	                          "\"input\":{\"fail_non_retryable\":[\"s5\"],"
	                          "\"sleep_ms\":{\"s4\":100}}}");
	x = wait_status("nr", "failed", 5000);
	assert_string_equal(sget(step_of(x, "s5"), "status"), "failed");
	assert_int_equal(step_attempt(x, "s5"), 1);
	/* Its running sibling was let finish; nothing new started. */
	assert_string_equal(sget(step_of(x, "s4"), "status"), "completed");
	assert_string_equal(sget(step_of(x, "s6"), "status"), "pending");
	assert_non_null(strstr(sget(x, "error"), "s5"));
	cJSON_Delete(x);
}

static void
test_timeout_fences_late_result(void **state)
{
	cJSON *x, *evs, *res;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"slow\",\"id\":\"to\"}");
	x = wait_status("to", "completed", 5000);
	res = cJSON_GetObjectItemCaseSensitive(step_of(x, "slow"), "result");
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(res, "attempt")->valueint, 2);
	cJSON_Delete(x);
	/* Let attempt 1's late result arrive: it must be dropped. */
	sleep_ms(450);
	x = describe("to");
	res = cJSON_GetObjectItemCaseSensitive(step_of(x, "slow"), "result");
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(res, "attempt")->valueint, 2);
	evs = events("to");
	assert_int_equal(count_events(evs, "step_timed_out", "slow"), 1);
	assert_int_equal(count_events(evs, "step_completed", "slow"), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

static void
test_cancel(void **state)
{
	cJSON  *x;
	int64_t t0;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"ca\","
	                          "\"input\":{\"sleep_ms\":{\"s2\":10000}}}");
	cJSON_Delete(wait_step("ca", "s2", "running", 5000));
	t0 = mono_ms();
	call_ok(M_WORKFLOW_CANCEL, "{\"id\":\"ca\",\"reason\":\"test\"}");
	x = describe("ca");
	assert_string_equal(sget(x, "status"), "cancelled");
	assert_string_equal(sget(step_of(x, "s2"), "status"), "cancelled");
	assert_string_equal(sget(step_of(x, "s3"), "status"), "cancelled");
	assert_string_equal(sget(step_of(x, "s1"), "status"), "completed");
	assert_string_equal(sget(x, "error"), "cancelled: test");
	cJSON_Delete(x);
	expect_error(M_WORKFLOW_CANCEL, "{\"id\":\"ca\"}", "invalid_state");
	expect_error(M_WORKFLOW_CANCEL, "{\"id\":\"nope\"}", "not_found");
	/* The aborted activity frees its worker: a new run does not wait
	 * the 10 s behind it (the bound is loose: slow machines, valgrind). */
	call_ok(M_WORKFLOW_EXECUTE, "{\"type\":\"diagnostic\",\"id\":\"ca2\"}");
	assert_true(mono_ms() - t0 < 8000);
}

static void
test_retry_reset(void **state)
{
	cJSON *x, *evs;

	(void)state;
	atomic_store(&healed, 0);
	call_ok(M_WORKFLOW_START, "{\"type\":\"flaky\",\"id\":\"rr\"}");
	x = wait_status("rr", "failed", 5000);
	assert_int_equal(step_attempt(x, "second"), 2);
	cJSON_Delete(x);
	expect_error(M_WORKFLOW_RESOLVE,
	             "{\"id\":\"rr\",\"step\":\"second\",\"outcome\":\"done\"}",
	             "invalid_state");

	atomic_store(&healed, 1);
	call_ok(M_WORKFLOW_RETRY, "{\"id\":\"rr\"}");
	x = wait_status("rr", "completed", 5000);
	/* The completed step kept its result and was not run again; the
	 * retried one goes on counting (attempt numbers fence results). */
	assert_int_equal(step_attempt(x, "first"), 1);
	assert_int_equal(step_attempt(x, "second"), 3);
	evs = events("rr");
	assert_int_equal(count_events(evs, "step_completed", "first"), 1);
	assert_int_equal(count_events(evs, "workflow_reset", NULL), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
	expect_error(M_WORKFLOW_RETRY, "{\"id\":\"rr\"}", "invalid_state");
	expect_error(M_WORKFLOW_RETRY, "{\"id\":\"nope\"}", "not_found");
}

static void
test_already_exists(void **state)
{
	cJSON *r;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"dup\"}");
	expect_error(M_WORKFLOW_START,
	             "{\"type\":\"diagnostic\",\"id\":\"dup\"}",
	             "already_exists");
	cJSON_Delete(wait_status("dup", "completed", 5000));
	/* Closed executions count too. */
	expect_error(M_WORKFLOW_START, "{\"type\":\"fast\",\"id\":\"dup\"}",
	             "already_exists");
	expect_error(M_WORKFLOW_START, "{\"type\":\"nosuch\"}", "bad_request");
	expect_error(
	    M_WORKFLOW_START,
	    "{\"type\":\"diagnostic\",\"input\":{\"fail\":{\"s9\":1}}}",
	    "bad_request");
	r = call(M_WORKFLOW_EXECUTE, "{\"type\":\"diagnostic\"}");
	assert_true(reply_ok(r));
	assert_string_equal(
	    sget(cJSON_GetObjectItemCaseSensitive(r, "result"), "status"),
	    "completed");
	cJSON_Delete(r);
}

static void
test_in_doubt_and_resolve(void **state)
{
	cJSON *x;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"idb\","
	                          "\"input\":{\"unknown\":{\"s4\":1}}}");
	cJSON_Delete(wait_step("idb", "s4", "in_doubt", 5000));
	/* Once nothing else can go on, the run waits for a person. */
	x = wait_status("idb", "in_doubt", 5000);
	cJSON_Delete(x);
	/* Nothing moves. */
	sleep_ms(100);
	x = describe("idb");
	assert_string_equal(sget(step_of(x, "s6"), "status"), "pending");
	cJSON_Delete(x);
	expect_error(M_WORKFLOW_RESOLVE,
	             "{\"id\":\"idb\",\"step\":\"s5\",\"outcome\":\"done\"}",
	             "invalid_state");
	expect_error(M_WORKFLOW_RESOLVE,
	             "{\"id\":\"idb\",\"step\":\"s9\",\"outcome\":\"done\"}",
	             "not_found");
	call_ok(M_WORKFLOW_RESOLVE,
	        "{\"id\":\"idb\",\"step\":\"s4\",\"outcome\":\"retry\"}");
	x = wait_status("idb", "completed", 5000);
	assert_int_equal(step_attempt(x, "s4"), 2);
	cJSON_Delete(x);

	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"idb2\","
	                          "\"input\":{\"unknown\":{\"s4\":5}}}");
	cJSON_Delete(wait_step("idb2", "s4", "in_doubt", 5000));
	call_ok(M_WORKFLOW_RESOLVE,
	        "{\"id\":\"idb2\",\"step\":\"s4\",\"outcome\":\"done\"}");
	x = wait_status("idb2", "completed", 5000);
	assert_int_equal(step_attempt(x, "s4"), 1);
	cJSON_Delete(x);
}

static void
test_unknown_outcome_checked(void **state)
{
	cJSON *x, *res, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"checked\",\"id\":\"chk\"}");
	x = wait_status("chk", "completed", 5000);
	res = cJSON_GetObjectItemCaseSensitive(step_of(x, "publish"), "result");
	assert_string_equal(sget(res, "found"), "post-42");
	evs = events("chk");
	assert_int_equal(count_events(evs, "step_started", "publish"), 2);
	assert_int_equal(count_events(evs, "step_in_doubt", "publish"), 0);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* What a crash would leave on disk right now: a consistent copy of the
 * store as of its last commit. */
static void
snapshot(const char *to)
{
	sqlite3        *src = NULL, *dst = NULL;
	sqlite3_backup *b;

	assert_int_equal(sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_open(to, &dst), SQLITE_OK);
	b = sqlite3_backup_init(dst, "main", src, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	sqlite3_backup_finish(b);
	sqlite3_close(dst);
	sqlite3_close(src);
}

/* A crash while s4 (side effect) and s5 run: after a restart s4 is in
 * doubt, s5 runs again, and nothing completes twice. */
static void
test_recovery_after_crash(void **state)
{
	char   crashed[160];
	cJSON *x, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START,
	        "{\"type\":\"diagnostic\",\"id\":\"rec\","
	        "\"input\":{\"sleep_ms\":{\"s4\":3000,\"s5\":3000}}}");
	cJSON_Delete(wait_step("rec", "s4", "running", 5000));
	cJSON_Delete(wait_step("rec", "s5", "running", 5000));
	snprintf(crashed, sizeof crashed, "%s/crashed.db", dir);
	snapshot(crashed);
	stop_engine_now();
	snprintf(db, sizeof db, "%s", crashed);
	start_engine();
	/* s4 has side effects (and no check): in doubt. s5 is idempotent:
	 * run again, using no attempt. */
	x = wait_step("rec", "s4", "in_doubt", 5000);
	assert_non_null(
	    strstr(sget(step_of(x, "s4"), "last_error"), "interrupted"));
	cJSON_Delete(x);
	cJSON_Delete(wait_step("rec", "s5", "completed", 8000));
	call_ok(M_WORKFLOW_RESOLVE,
	        "{\"id\":\"rec\",\"step\":\"s4\",\"outcome\":\"done\"}");
	x = wait_status("rec", "completed", 5000);
	assert_int_equal(step_attempt(x, "s5"), 2);
	assert_int_equal(step_int(x, "s5", "attempts_used"), 1);
	assert_int_equal(step_int(x, "s5", "interrupted"), 1);
	evs = events("rec");
	assert_int_equal(count_events(evs, "step_interrupted", "s5"), 1);
	assert_int_equal(count_events(evs, "step_failed", "s5"), 0);
	assert_int_equal(count_events(evs, "step_completed", "s5"), 1);
	assert_int_equal(count_events(evs, "step_completed", "s6"), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* A step that waits (ACT_WAIT) is called again later with what it kept,
 * uses no attempt, and keeps waiting across a crash: the restarted engine
 * resumes it from its stored progress instead of doubting it. */
static void
test_wait_resumes_across_crash(void **state)
{
	char         crashed[160];
	cJSON       *x, *evs;
	const cJSON *st;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"poll\",\"id\":\"pl\"}");
	x = wait_step("pl", "publish", "waiting", 5000);
	st = step_of(x, "publish");
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(st, "progress"), "n")
	        ->valueint,
	    1);
	assert_non_null(sget(st, "next_attempt_at"));
	cJSON_Delete(x);
	snprintf(crashed, sizeof crashed, "%s/crashed.db", dir);
	snapshot(crashed);
	stop_engine_now();
	snprintf(db, sizeof db, "%s", crashed);
	start_engine();
	x = wait_status("pl", "completed", 5000);
	st = step_of(x, "publish");
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(st, "result"), "calls")
	        ->valueint,
	    3);
	assert_null(
	    cJSON_GetObjectItemCaseSensitive(st, "last_error")->valuestring);
	evs = events("pl");
	assert_int_equal(count_events(evs, "step_waiting", "publish"), 2);
	assert_int_equal(count_events(evs, "step_in_doubt", "publish"), 0);
	assert_int_equal(count_events(evs, "step_failed", "publish"), 0);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* A cancelled attempt still on a worker must not complete the attempt
 * that a retry started. */
static void
test_fence_after_retry(void **state)
{
	cJSON *x, *res;

	(void)state;
	atomic_store(&runs, 0);
	call_ok(M_WORKFLOW_START, "{\"type\":\"rerun\",\"id\":\"fr\"}");
	cJSON_Delete(wait_step("fr", "work", "running", 5000));
	call_ok(M_WORKFLOW_CANCEL, "{\"id\":\"fr\"}");
	call_ok(M_WORKFLOW_RETRY, "{\"id\":\"fr\"}");
	x = wait_status("fr", "completed", 5000);
	res = cJSON_GetObjectItemCaseSensitive(step_of(x, "work"), "result");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(res, "run")->valueint,
	                 2);
	assert_int_equal(step_attempt(x, "work"), 2);
	cJSON_Delete(x);
}

/* A side effect past its timeout is aborted, and the engine waits for the
 * worker instead of racing it with a retry or a check. */
static void
test_overdue_side_effect(void **state)
{
	cJSON *x, *evs;

	(void)state;
	call_ok(
	    M_WORKFLOW_START,
	    "{\"type\":\"overdue\",\"id\":\"od1\",\"input\":{\"ok\":true}}");
	x = wait_status("od1", "completed", 5000);
	assert_int_equal(step_attempt(x, "publish"), 1);
	evs = events("od1");
	assert_int_equal(count_events(evs, "step_timed_out", "publish"), 1);
	assert_int_equal(count_events(evs, "step_started", "publish"), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);

	call_ok(
	    M_WORKFLOW_START,
	    "{\"type\":\"overdue\",\"id\":\"od2\",\"input\":{\"ok\":false}}");
	x = wait_step("od2", "publish", "in_doubt", 5000);
	assert_int_equal(step_attempt(x, "publish"), 1);
	assert_non_null(strstr(sget(step_of(x, "publish"), "last_error"),
	                       "timed out after 100 ms, then: connection "
	                       "reset"));
	cJSON_Delete(x);
}

/* SIGTERM with steps running: they may finish, and what they did is
 * stored, so nothing is in doubt at the next start. */
static void
test_stop_drains(void **state)
{
	cJSON *x, *evs;

	(void)state;
	engine_stop(E);
	drain_ms = 0; /* the daemon's default */
	start_engine();
	drain_ms = -1;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"dr\","
	                          "\"input\":{\"sleep_ms\":{\"s4\":300}}}");
	cJSON_Delete(wait_step("dr", "s4", "running", 5000));
	engine_stop(E);
	x = describe("dr");
	assert_string_equal(sget(step_of(x, "s4"), "status"), "completed");
	cJSON_Delete(x);
	start_engine();
	x = wait_status("dr", "completed", 5000);
	assert_int_equal(step_attempt(x, "s4"), 1);
	evs = events("dr");
	assert_int_equal(count_events(evs, "step_in_doubt", NULL), 0);
	assert_int_equal(count_events(evs, "step_completed", "s6"), 1);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* Crashes id (while step runs) n times: each time the store is copied as
 * it is and the engine restarted on the copy, as after a kill -9. */
static void
crash_while_running(const char *id, const char *step, int n)
{
	char crashed[160];
	int  k;

	for (k = 0; k < n; k++) {
		cJSON_Delete(wait_step(id, step, "running", 5000));
		snprintf(crashed, sizeof crashed, "%s/crashed-%d.db", dir, k);
		snapshot(crashed);
		stop_engine_now();
		snprintf(db, sizeof db, "%s", crashed);
		start_engine();
	}
}

/* An attempt cut short by heraldd's crash uses none of the retry budget:
 * a pure step with one attempt left survives any number of crashes (up to
 * the bound), each recorded as step_interrupted, none as step_failed. */
static void
test_interrupted_uses_no_budget(void **state)
{
	cJSON *x, *evs;

	(void)state;
	/* s5 sleeps: each crash cuts it short. Were those attempts counted,
	 * the fifth would have used the whole budget (5). */
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"ib\","
	                          "\"input\":{"
	                          "\"sleep_ms\":{\"s5\":2000}}}");
	/* s4 (a side effect, no check) runs beside s5: let it finish first,
	 * or a crash would leave it in doubt. */
	cJSON_Delete(wait_step("ib", "s4", "completed", 5000));
	crash_while_running("ib", "s5", 5);
	x = wait_status("ib", "completed", 8000);
	assert_int_equal(step_int(x, "s5", "attempts_used"), 1);
	assert_int_equal(step_int(x, "s5", "interrupted"), 5);
	assert_int_equal(step_attempt(x, "s5"), 6);
	evs = events("ib");
	assert_int_equal(count_events(evs, "step_interrupted", "s5"), 5);
	assert_int_equal(count_events(evs, "step_failed", NULL), 0);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* A step cut short more than 20 times is given up: a pure one fails for
 * good saying why (and the run carries that error). */
static void
test_interrupt_bound(void **state)
{
	cJSON      *x;
	const char *err;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"ibd\","
	                          "\"input\":{\"sleep_ms\":{\"s2\":3000}}}");
	crash_while_running("ibd", "s2", 21);
	x = wait_status("ibd", "failed", 5000);
	assert_int_equal(step_int(x, "s2", "interrupted"), 21);
	err = sget(x, "error");
	assert_non_null(err);
	assert_non_null(strstr(err, "step s2 failed"));
	assert_non_null(strstr(err, "interrupted 21 times, more than 20"));
	cJSON_Delete(x);
}

/* heraldd's stop interrupts what still runs after the drain: the result
 * the aborted attempt returns ("cancelled") is not a failure; the next
 * start runs the step again, using no attempt. */
static void
test_stop_interrupts(void **state)
{
	cJSON *x, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"si\","
	                          "\"input\":{\"sleep_ms\":{\"s2\":3000}}}");
	cJSON_Delete(wait_step("si", "s2", "running", 5000));
	stop_engine_now(); /* drain_ms -1: no drain */
	x = describe("si");
	assert_string_equal(sget(step_of(x, "s2"), "status"), "running");
	cJSON_Delete(x);
	start_engine();
	x = wait_status("si", "completed", 8000);
	assert_int_equal(step_int(x, "s2", "attempts_used"), 1);
	evs = events("si");
	assert_int_equal(count_events(evs, "step_interrupted", "s2"), 1);
	assert_int_equal(count_events(evs, "step_failed", NULL), 0);
	cJSON_Delete(x);
	cJSON_Delete(evs);
}

/* A run whose other step failed for good does not close while a step is
 * in doubt: it waits (in_doubt) with the failure's error, resolve works on
 * it, and then it closes failed with that error. */
static void
test_doubt_keeps_failing_run_open(void **state)
{
	cJSON      *x;
	const char *err;

	(void)state;
	/* workflow.execute answers once the run waits for a person. */
	x = call(M_WORKFLOW_EXECUTE, "{\"type\":\"diagnostic\",\"id\":\"dk\","
	                             "\"input\":{\"unknown\":{\"s4\":1},"
	                             "\"fail_non_retryable\":[\"s5\"]}}");
	assert_true(reply_ok(x));
	assert_string_equal(
	    sget(cJSON_GetObjectItemCaseSensitive(x, "result"), "status"),
	    "in_doubt");
	cJSON_Delete(x);
	x = wait_status("dk", "in_doubt", 5000);
	assert_string_equal(sget(step_of(x, "s4"), "status"), "in_doubt");
	assert_string_equal(sget(step_of(x, "s5"), "status"), "failed");
	err = sget(x, "error");
	assert_non_null(err);
	assert_non_null(strstr(err, "step s5 failed"));
	cJSON_Delete(x);
	/* It stays so: nothing closes it behind the operator's back. */
	sleep_ms(100);
	x = describe("dk");
	assert_string_equal(sget(x, "status"), "in_doubt");
	cJSON_Delete(x);
	call_ok(M_WORKFLOW_RESOLVE,
	        "{\"id\":\"dk\",\"step\":\"s4\",\"outcome\":\"done\"}");
	x = wait_status("dk", "failed", 5000);
	assert_string_equal(sget(step_of(x, "s4"), "status"), "completed");
	assert_non_null(strstr(sget(x, "error"), "told to fail non-retryably"));
	cJSON_Delete(x);
}

/* A cancel during a publish leaves it in doubt in a closed run: resolve
 * still works there, and says what the step and the run are. */
static void
test_resolve_in_closed_run(void **state)
{
	cJSON *x, *r;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"rc\","
	                          "\"input\":{\"sleep_ms\":{\"s4\":3000}}}");
	cJSON_Delete(wait_step("rc", "s4", "running", 5000));
	call_ok(M_WORKFLOW_CANCEL, "{\"id\":\"rc\"}");
	cJSON_Delete(wait_step("rc", "s4", "in_doubt", 5000));
	r = call(M_WORKFLOW_RESOLVE,
	         "{\"id\":\"rc\",\"step\":\"s4\",\"outcome\":\"done\"}");
	assert_true(reply_ok(r));
	assert_string_equal(sget(cJSON_GetObjectItemCaseSensitive(r, "result"),
	                         "execution_status"),
	                    "cancelled");
	cJSON_Delete(r);
	x = describe("rc");
	assert_string_equal(sget(x, "status"), "cancelled");
	assert_string_equal(sget(step_of(x, "s4"), "status"), "completed");
	cJSON_Delete(x);
	/* Again: the step is no longer in doubt, and the message says so
	 * plainly. */
	r = call(M_WORKFLOW_RESOLVE,
	         "{\"id\":\"rc\",\"step\":\"s4\",\"outcome\":\"done\"}");
	assert_false(reply_ok(r));
	assert_non_null(strstr(
	    sget(cJSON_GetObjectItemCaseSensitive(r, "error"), "message"),
	    "step s4 of rc is completed, not in doubt (the run is "
	    "cancelled)"));
	cJSON_Delete(r);
}

/* The engine says what happens next, from its decision: a retry names
 * the delay and the attempt, a final failure says it is final. */
static void
test_next_in_messages(void **state)
{
	cJSON      *x, *evs, *ev;
	const char *next;
	int         retrying = 0, final = 0;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"nx\","
	                          "\"input\":{\"fail\":{\"s2\":1},"
	                          "\"fail_non_retryable\":[\"s5\"]}}");
	x = wait_status("nx", "failed", 8000);
	cJSON_Delete(x);
	evs = events("nx");
	cJSON_ArrayForEach(ev, evs)
	{
		if (strcmp(sget(ev, "type"), "step_failed") != 0)
			continue;
		next =
		    sget(cJSON_GetObjectItemCaseSensitive(ev, "data"), "next");
		assert_non_null(next);
		if (strcmp(sget(ev, "step"), "s2") == 0) {
			assert_non_null(strstr(next, "retrying in 1 s "
			                             "(attempt 2 of 5)"));
			retrying++;
		} else {
			assert_non_null(strstr(next, "failed for good"));
			final++;
		}
	}
	assert_int_equal(retrying, 1);
	assert_int_equal(final, 1);
	cJSON_Delete(evs);
}

/* A side effect cut while it continues (after a wait) is checked, and
 * when it did not go out, it runs again: still using no attempt. Two
 * crashes on a step with two attempts do not fail it. */
static void
test_interrupted_continuation(void **state)
{
	cJSON *x;
	char   crashed[160];
	int    k;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"waitchk\",\"id\":\"wc\"}");
	for (k = 0; k < 2; k++) {
		/* Running again after its wait: the continuation. */
		cJSON_Delete(wait_step("wc", "publish", "waiting", 5000));
		cJSON_Delete(wait_step("wc", "publish", "running", 5000));
		sleep_ms(100);
		snprintf(crashed, sizeof crashed, "%s/wc-%d.db", dir, k);
		snapshot(crashed);
		stop_engine_now();
		snprintf(db, sizeof db, "%s", crashed);
		start_engine();
	}
	x = wait_status("wc", "completed", 10000);
	assert_int_equal(step_int(x, "publish", "interrupted"), 2);
	assert_true(step_int(x, "publish", "attempts_used") <= 1);
	cJSON_Delete(x);
}

/* A side effect cut short more than 20 times is in doubt, saying why
 * (here a slow check, cut each time); the 20th still goes on; resolve
 * --retry starts the count again. */
static void
test_interrupt_bound_side_effect(void **state)
{
	cJSON *x;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"slowchk\",\"id\":\"ibs\"}");
	crash_while_running("ibs", "publish", 20);
	x = wait_step("ibs", "publish", "running", 5000);
	assert_int_equal(step_int(x, "publish", "interrupted"), 20);
	cJSON_Delete(x);
	crash_while_running("ibs", "publish", 1);
	x = wait_status("ibs", "in_doubt", 5000);
	assert_int_equal(step_int(x, "publish", "interrupted"), 21);
	assert_non_null(strstr(sget(step_of(x, "publish"), "last_error"),
	                       "interrupted 21 times, more than 20"));
	cJSON_Delete(x);
	call_ok(M_WORKFLOW_RESOLVE,
	        "{\"id\":\"ibs\",\"step\":\"publish\",\"outcome\":"
	        "\"retry\"}");
	x = wait_step("ibs", "publish", "running", 5000);
	assert_int_equal(step_int(x, "publish", "interrupted"), 0);
	cJSON_Delete(x);
	call_ok(M_WORKFLOW_CANCEL, "{\"id\":\"ibs\"}");
}

/* resolve in a failing run says what becomes of it: the run closes
 * failed at once, with the error of the step that failed. */
static void
test_resolve_in_failing_run(void **state)
{
	cJSON *r, *x;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"rr\","
	                          "\"input\":{\"unknown\":{\"s4\":1},"
	                          "\"fail_non_retryable\":[\"s5\"]}}");
	cJSON_Delete(wait_status("rr", "in_doubt", 5000));
	r = call(M_WORKFLOW_RESOLVE,
	         "{\"id\":\"rr\",\"step\":\"s4\",\"outcome\":\"retry\"}");
	assert_true(reply_ok(r));
	assert_string_equal(sget(cJSON_GetObjectItemCaseSensitive(r, "result"),
	                         "execution_status"),
	                    "failed");
	cJSON_Delete(r);
	x = describe("rr");
	assert_string_equal(sget(x, "status"), "failed");
	assert_non_null(strstr(sget(x, "error"), "step s5 failed"));
	cJSON_Delete(x);
}

/* A drain lets the running step finish and starts nothing new: the next
 * step stays pending, a call is refused, and the stop interrupts
 * nothing. */
static void
test_drain(void **state)
{
	cJSON *x, *evs;

	(void)state;
	call_ok(M_WORKFLOW_START, "{\"type\":\"diagnostic\",\"id\":\"dn\","
	                          "\"input\":{\"sleep_ms\":{\"s2\":300}}}");
	cJSON_Delete(wait_step("dn", "s2", "running", 5000));
	engine_drain(E);
	expect_error(M_WORKFLOW_START, "{\"type\":\"fast\",\"id\":\"no\"}",
	             "unavailable");
	x = wait_step("dn", "s2", "completed", 5000);
	sleep_ms(100);
	cJSON_Delete(x);
	x = describe("dn");
	assert_string_equal(sget(step_of(x, "s3"), "status"), "pending");
	cJSON_Delete(x);
	stop_engine_now();
	start_engine();
	x = wait_status("dn", "completed", 5000);
	cJSON_Delete(x);
	evs = events("dn");
	assert_int_equal(count_events(evs, "step_interrupted", NULL), 0);
	cJSON_Delete(evs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dependencies_and_parallel,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_timing, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_attempts_exhausted, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_non_retryable, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_timeout_fences_late_result,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_reset, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_already_exists, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_in_doubt_and_resolve,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_outcome_checked,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_after_crash,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_uses_no_budget,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_bound, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_stop_interrupts, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		    test_doubt_keeps_failing_run_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_in_closed_run,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_in_messages, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_continuation,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_interrupt_bound_side_effect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_in_failing_run,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fence_after_retry, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_overdue_side_effect, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_wait_resumes_across_crash,
		                                setup, teardown),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
