/*
 * trace: the OTLP JSON built from an execution's history: derived ids,
 * which event ends which span, parent links, Langfuse attributes (level,
 * usage, cost, prompt on or off), long values clipped, no secrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "daemon/trace.h"

#define MAX_SPANS 16

struct got {
	cJSON *span[MAX_SPANS];
	int    n;
	char  *text; /* everything emitted, for searching */
};

static void
collect(void *arg, char *span)
{
	struct got *g = arg;
	char       *t;

	assert_true(g->n < MAX_SPANS);
	g->span[g->n] = cJSON_Parse(span);
	assert_non_null(g->span[g->n]);
	g->n++;
	xasprintf(&t, "%s%s\n", g->text ? g->text : "", span);
	free(g->text);
	g->text = t;
	cJSON_free(span);
}

static void
got_free(struct got *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		cJSON_Delete(g->span[i]);
	free(g->text);
	memset(g, 0, sizeof *g);
}

/* The value of attribute key of span s, as a cJSON AnyValue, or NULL. */
static const cJSON *
attr(const cJSON *s, const char *key)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(s, "attributes"))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "key")),
		           key) == 0)
			return cJSON_GetObjectItem(a, "value");
	}
	return NULL;
}

static const char *
attr_s(const cJSON *s, const char *key)
{
	return cJSON_GetStringValue(
	    cJSON_GetObjectItem(attr(s, key), "stringValue"));
}

static const char *
str(const cJSON *s, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(s, key));
}

#define EV(TYPE, STEP, ATTEMPT, AT, DATA)                                      \
	{                                                                      \
		.seq = 0, .at = (AT), .exec_n = 1, .topic = NULL,              \
		.type = (TYPE), .step = (STEP), .attempt = (ATTEMPT),          \
		.data = (DATA), .exec_id = NULL, .workflow = NULL,             \
		.brand = NULL                                                  \
	}

static struct store_step       steps[2];
static struct store_exec       x;
static const struct trace_opts opts = { .export = 1,
	                                .prompts = 1,
	                                .max_outbox = 100 };

static int
setup(void **state)
{
	(void)state;
	memset(steps, 0, sizeof steps);
	steps[0].idx = 0;
	steps[0].name = "view";
	steps[0].status = "completed";
	steps[1].idx = 1;
	steps[1].name = "write";
	steps[1].status = "completed";
	memset(&x, 0, sizeof x);
	x.n = 1;
	x.id = "run-1";
	x.type = "FeedPublisherWorkflow";
	x.brand = "pomandi";
	x.status = "completed";
	x.input = "\"pomandi\"";
	x.schedule = "pomandi-daily";
	x.nsteps = 2;
	x.steps = steps;
	return 0;
}

static void
test_ids(void **state)
{
	char t1[33], t2[33], a[17], b[17], c[17], d[17];

	(void)state;
	trace_id("run-1", t1);
	trace_id("run-2", t2);
	assert_int_equal(strlen(t1), 32);
	assert_int_equal(strspn(t1, "0123456789abcdef"), 32);
	assert_string_not_equal(t1, t2);
	trace_id("run-1", t2);
	assert_string_equal(t1, t2); /* derived, not random */
	trace_span_id("run-1", "attempt", "view", 1, a);
	trace_span_id("run-1", "attempt", "view", 2, b);
	trace_span_id("run-1", "generation", "view", 1, c);
	trace_span_id("run-1", "run", NULL, 1, d);
	assert_int_equal(strlen(a), 16);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	/* The parts are separated: ("ab", "c") is not ("a", "bc"). */
	trace_span_id("run-1", "attempt", "ab", 1, a);
	trace_span_id("run-1", "attempta", "b", 1, b);
	assert_string_not_equal(a, b);
}

/* A failed attempt, its retry that succeeds with a Claude call, then the
 * run's end: each event ends exactly what it should. */
static void
test_attempts_and_run(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, "\"pomandi\""),
		EV("step_started", "view", 1, 1100, NULL),
		EV("step_failed", "view", 1, 1200,
		   "{\"error\":\"anthropic 529 overloaded_error: Overloaded\","
		   "\"retry_in_ms\":1000}"),
		EV("step_started", "view", 2, 2200, NULL),
		EV("step_completed", "view", 2, 2500, "{\"duration_ms\":300}"),
		EV("step_started", "write", 1, 2600, NULL),
		EV("step_completed", "write", 1, 2700, NULL),
		EV("workflow_completed", NULL, 0, 2800, NULL),
	};
	struct got   g = { 0 };
	char         tid[33], root[17], a1[17], a2[17];
	const cJSON *u;

	(void)state;
	steps[0].result =
	    "{\"description\":\"a navy coat\",\"model\":\"claude-x\","
	    "\"input_tokens\":1200,\"output_tokens\":40,\"cost_usd\":0.0042,"
	    "\"input_cost_usd\":0.0036,\"output_cost_usd\":0.0006,"
	    "\"prompt\":[{\"role\":\"user\",\"content\":\"Describe\"}]}";
	steps[1].result = "{\"publications\":2}";
	trace_id("run-1", tid);
	trace_span_id("run-1", "run", NULL, 1, root);
	trace_span_id("run-1", "attempt", "view", 1, a1);
	trace_span_id("run-1", "attempt", "view", 2, a2);

	/* Nothing ends at a start or at the first attempt's start. */
	trace_spans(&opts, &x, ev, 1, collect, &g);
	trace_spans(&opts, &x, ev, 2, collect, &g);
	assert_int_equal(g.n, 0);

	/* The failure: an ERROR span under the root, with the message. */
	trace_spans(&opts, &x, ev, 3, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(str(g.span[0], "traceId"), tid);
	assert_string_equal(str(g.span[0], "spanId"), a1);
	assert_string_equal(str(g.span[0], "parentSpanId"), root);
	assert_string_equal(str(g.span[0], "name"), "view");
	assert_string_equal(str(g.span[0], "startTimeUnixNano"), "1100000000");
	assert_string_equal(str(g.span[0], "endTimeUnixNano"), "1200000000");
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.level"),
	                    "ERROR");
	assert_string_equal(
	    attr_s(g.span[0], "langfuse.observation.status_message"),
	    "anthropic 529 overloaded_error: Overloaded");
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(
	                     cJSON_GetObjectItem(g.span[0], "status"), "code")),
	                 2);
	/* Trace-level attributes on every span. */
	assert_string_equal(attr_s(g.span[0], "langfuse.trace.name"),
	                    "FeedPublisherWorkflow");
	assert_string_equal(
	    attr_s(g.span[0], "langfuse.trace.metadata.schedule"),
	    "pomandi-daily");
	u = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(attr(g.span[0], "langfuse.trace.tags"),
	                        "arrayValue"),
	    "values");
	assert_int_equal(cJSON_GetArraySize(u), 2);
	assert_string_equal(str(cJSON_GetArrayItem(u, 0), "stringValue"),
	                    "pomandi");
	assert_string_equal(str(cJSON_GetArrayItem(u, 1), "stringValue"),
	                    "schedule:pomandi-daily");
	got_free(&g);

	/* The second attempt's start ends nothing: the first has ended. */
	trace_spans(&opts, &x, ev, 4, collect, &g);
	assert_int_equal(g.n, 0);

	/* Its success: the span, and the generation under it. */
	trace_spans(&opts, &x, ev, 5, collect, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(str(g.span[0], "spanId"), a2);
	assert_null(attr(g.span[0], "langfuse.observation.level"));
	/* The attempt's output is the result without the prompt. */
	assert_null(strstr(attr_s(g.span[0], "langfuse.observation.output"),
	                   "Describe"));
	assert_string_equal(str(g.span[1], "parentSpanId"), a2);
	assert_string_equal(attr_s(g.span[1], "langfuse.observation.type"),
	                    "generation");
	assert_string_equal(
	    attr_s(g.span[1], "langfuse.observation.model.name"), "claude-x");
	assert_string_equal(
	    attr_s(g.span[1], "langfuse.observation.usage_details"),
	    "{\"input\":1200,\"output\":40,\"total\":1240}");
	assert_string_equal(
	    attr_s(g.span[1], "langfuse.observation.cost_details"),
	    "{\"input\":0.0036,\"output\":0.0006,\"total\":0.0042}");
	assert_int_equal(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(
	        attr(g.span[1], "gen_ai.usage.input_tokens"), "intValue")),
	    1200);
	assert_string_equal(attr_s(g.span[1], "langfuse.observation.input"),
	                    "[{\"role\":\"user\",\"content\":\"Describe\"}]");
	assert_string_equal(attr_s(g.span[1], "langfuse.observation.output"),
	                    "a navy coat");
	got_free(&g);

	/* A result without a model makes no generation. */
	trace_spans(&opts, &x, ev, 7, collect, &g);
	assert_int_equal(g.n, 1);
	got_free(&g);

	/* The end: the root, no parent, from the start to the end. */
	trace_spans(&opts, &x, ev, 8, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(str(g.span[0], "spanId"), root);
	assert_null(cJSON_GetObjectItem(g.span[0], "parentSpanId"));
	assert_string_equal(str(g.span[0], "name"), "FeedPublisherWorkflow");
	assert_string_equal(str(g.span[0], "startTimeUnixNano"), "1000000000");
	assert_string_equal(str(g.span[0], "endTimeUnixNano"), "2800000000");
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.input"),
	                    "\"pomandi\"");
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.output"),
	                    "{\"publications\":2}");
	assert_string_equal(attr_s(g.span[0], "langfuse.trace.metadata.status"),
	                    "completed");
	got_free(&g);
}

/* An attempt whose outcome is unknown, ended by a check; then a cancel
 * that ends the check still running. */
static void
test_superseded_and_cancelled(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, NULL),
		EV("step_started", "write", 1, 1100, NULL),
		EV("step_timed_out", "write", 1, 1200, NULL),
		EV("step_started", "write", 2, 1300, "{\"check\":true}"),
		EV("workflow_cancelled", NULL, 0, 1400, "{\"reason\":\"r\"}"),
	};
	struct got g = { 0 };
	char       a1[17], a2[17];

	(void)state;
	steps[1].last_error = "timed out after 100 ms";
	x.status = "cancelled";
	x.error = "cancelled: r";
	trace_span_id("run-1", "attempt", "write", 1, a1);
	trace_span_id("run-1", "attempt", "write", 2, a2);
	trace_spans(&opts, &x, ev, 3, collect, &g);
	assert_int_equal(g.n, 0);
	trace_spans(&opts, &x, ev, 4, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(str(g.span[0], "spanId"), a1);
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.level"),
	                    "WARNING");
	assert_non_null(
	    strstr(attr_s(g.span[0], "langfuse.observation.status_message"),
	           "timed out after 100 ms"));
	got_free(&g);
	/* The cancel ends the check (not attempt 1 again) and the run. */
	trace_spans(&opts, &x, ev, 5, collect, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(str(g.span[0], "spanId"), a2);
	assert_string_equal(str(g.span[0], "name"), "write (check)");
	assert_string_equal(str(g.span[0], "endTimeUnixNano"), "1400000000");
	assert_null(cJSON_GetObjectItem(g.span[1], "parentSpanId"));
	assert_string_equal(attr_s(g.span[1], "langfuse.observation.level"),
	                    "WARNING");
	assert_string_equal(
	    attr_s(g.span[1], "langfuse.observation.status_message"),
	    "cancelled: r");
	got_free(&g);
}

/* A retried execution: one root per run, each attempt under its run. */
static void
test_reset_runs(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, NULL),
		EV("step_started", "view", 1, 1100, NULL),
		EV("step_failed", "view", 1, 1200,
		   "{\"error\":\"bad\",\"final\":true}"),
		EV("workflow_failed", NULL, 0, 1300, "{\"error\":\"e\"}"),
		EV("workflow_reset", NULL, 0, 5000, NULL),
		EV("step_started", "view", 2, 5100, NULL),
		EV("step_completed", "view", 2, 5200, NULL),
		EV("workflow_completed", NULL, 0, 5300, NULL),
	};
	struct got g = { 0 };
	char       r1[17], r2[17];

	(void)state;
	steps[0].result = "{}";
	x.status = "failed";
	x.error = "step view failed";
	trace_span_id("run-1", "run", NULL, 1, r1);
	trace_span_id("run-1", "run", NULL, 2, r2);
	trace_spans(&opts, &x, ev, 4, collect, &g);
	assert_int_equal(g.n, 1); /* the attempt ended at its failure */
	assert_string_equal(str(g.span[0], "spanId"), r1);
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.level"),
	                    "ERROR");
	got_free(&g);
	x.status = "completed";
	x.error = NULL;
	trace_spans(&opts, &x, ev, 7, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(str(g.span[0], "parentSpanId"), r2);
	got_free(&g);
	trace_spans(&opts, &x, ev, 8, collect, &g);
	assert_int_equal(g.n, 1); /* nothing of run 1 again */
	assert_string_equal(str(g.span[0], "spanId"), r2);
	assert_string_equal(str(g.span[0], "startTimeUnixNano"), "5000000000");
	got_free(&g);
}

/* A failed attempt whose model call was billed gets its generation. */
static void
test_failed_generation(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, NULL),
		EV("step_started", "write", 1, 1100, NULL),
		EV("step_failed", "write", 1, 1200,
		   "{\"error\":\"anthropic: stop_reason refusal\",\"final\":"
		   "true,\"usage\":{\"model\":\"claude-x\",\"input_tokens\":"
		   "300,\"output_tokens\":20,\"cost_usd\":0.0012}}"),
	};
	struct got g = { 0 };

	(void)state;
	trace_spans(&opts, &x, ev, 3, collect, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(attr_s(g.span[0], "langfuse.observation.level"),
	                    "ERROR");
	assert_string_equal(attr_s(g.span[1], "langfuse.observation.type"),
	                    "generation");
	assert_string_equal(str(g.span[1], "name"), "write: claude-x");
	got_free(&g);
}

/* Each span goes once: an attempt the cancel closed is not written again
 * when a retry starts the next attempt, nor when its publish turns out
 * to have completed after the close. */
static void
test_once_after_cancel(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, NULL),
		EV("step_started", "view", 1, 1100, NULL),
		EV("step_in_doubt", "write", 0, 1150, NULL), /* unrelated */
		EV("workflow_cancelled", NULL, 0, 1200, NULL),
		EV("step_completed", "view", 1, 1300, "{\"after_close\":true}"),
		EV("workflow_reset", NULL, 0, 5000, NULL),
		EV("step_started", "view", 2, 5100, NULL),
	};
	struct got g = { 0 };
	char       a1[17];
	int        k, n1 = 0;

	(void)state;
	steps[0].result = "{}";
	x.status = "cancelled";
	x.error = "cancelled";
	trace_span_id("run-1", "attempt", "view", 1, a1);
	for (k = 1; k <= 7; k++)
		trace_spans(&opts, &x, ev, k, collect, &g);
	for (k = 0; k < g.n; k++)
		if (strcmp(str(g.span[k], "spanId"), a1) == 0)
			n1++;
	assert_int_equal(n1, 1);
	got_free(&g);
}

/* Prompts off; long values clipped on a character boundary. (That no key
 * reaches a span or the log is checked end to end by otel_trace.) */
static void
test_prompts_clip_secrets(void **state)
{
	struct store_event ev[] = {
		EV("workflow_started", NULL, 0, 1000, NULL),
		EV("step_started", "write", 1, 1100, NULL),
		EV("step_completed", "write", 1, 1200, NULL),
	};
	struct trace_opts off = opts;
	struct got        g = { 0 };
	cJSON            *r = cJSON_CreateObject();
	char             *big = xmalloc(100001), *text;
	const char       *out;
	size_t            i;

	(void)state;
	/* One ASCII byte first, so that a cut at an even byte count would
	 * fall inside an é. */
	big[0] = 'x';
	for (i = 1; i + 2 <= 100000; i += 2)
		memcpy(big + i, "\xc3\xa9", 2); /* é */
	big[i] = '\0';
	cJSON_AddStringToObject(r, "caption", big);
	cJSON_AddStringToObject(r, "model", "claude-x");
	cJSON_AddNumberToObject(r, "input_tokens", 1);
	cJSON_AddNumberToObject(r, "output_tokens", 2);
	cJSON_AddNumberToObject(r, "cost_usd", 0.5);
	cJSON_AddStringToObject(r, "prompt", "the system prompt");
	text = cJSON_PrintUnformatted(r);
	steps[1].result = text;
	off.prompts = 0;
	trace_spans(&off, &x, ev, 3, collect, &g);
	assert_int_equal(g.n, 2);
	assert_null(attr(g.span[1], "langfuse.observation.input"));
	assert_null(strstr(g.text, "the system prompt"));
	/* Cost without the split: the total only. */
	assert_string_equal(
	    attr_s(g.span[1], "langfuse.observation.cost_details"),
	    "{\"total\":0.5}");
	out = attr_s(g.span[1], "langfuse.observation.output");
	assert_true(strlen(out) < 33 * 1024);
	assert_non_null(strstr(out, "bytes cut)"));
	assert_true(utf8_valid(out, strlen(out)));
	got_free(&g);
	cJSON_free(text);
	cJSON_Delete(r);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup(test_attempts_and_run, setup),
		cmocka_unit_test_setup(test_superseded_and_cancelled, setup),
		cmocka_unit_test_setup(test_reset_runs, setup),
		cmocka_unit_test_setup(test_once_after_cancel, setup),
		cmocka_unit_test_setup(test_failed_generation, setup),
		cmocka_unit_test_setup(test_prompts_clip_secrets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
