/*
 * trace: spend rows and Langfuse spans from history events, on the engine
 * thread, inside the turn's transaction (see trace.h).
 *
 * DESIGN
 * Nothing is kept in memory between events: when an event ends something
 * (an attempt, a run), the span is built from the execution's rows and
 * its history, which the same transaction has just written. So a restart,
 * a failed commit (rolled back with the spans) or a reset changes nothing.
 *
 * What ends what:
 *  - step_completed, step_failed, step_in_doubt, step_waiting and
 *    step_interrupted (heraldd's stop or crash cut it short) end the
 *    attempt they name;
 *  - a step_started of attempt N ends attempt N - 1 of that step if
 *    nothing else did (the engine went straight to a check of an unknown
 *    outcome);
 *  - workflow_completed, _failed, _cancelled end the run (the root span)
 *    and every attempt of the run still open (a cancel aborts them).
 * A run starts at workflow_started or workflow_reset; its root span id
 * carries the run's number, so a retried execution has one root per run,
 * all in the execution's one trace.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/trace.h"

/* Longest text put in one attribute (input, output): Langfuse takes more,
 * but a span stays a small row and a batch a small request. */
#define TEXT_MAX (32 * 1024)

#define DROP_LOG_MS 60000

struct trace {
	struct trace_opts opts;
	atomic_llong      dropped;
	int64_t           dropped_logged; /* at the last warning */
	int64_t           drop_log_at;
};

struct trace *
trace_new(const struct trace_opts *o)
{
	struct trace *t = xcalloc(1, sizeof *t);

	t->opts = *o;
	atomic_init(&t->dropped, 0);
	return t;
}

void
trace_free(struct trace *t)
{
	free(t);
}

int64_t
trace_dropped(struct trace *t)
{
	return atomic_load(&t->dropped);
}

/* Ids. */

/* The first n bytes of SHA-256 over the parts (NUL-separated), never all
 * zero (OTLP reads that as "no id"). */
static void
derive(const char *const *parts, size_t n, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char         *buf = NULL;
	size_t        i, len = 0, zero = 1, k;

	for (i = 0; parts[i] != NULL; i++) {
		k = strlen(parts[i]) + 1;
		buf = xrealloc(buf, len + k);
		memcpy(buf + len, parts[i], k);
		len += k;
	}
	SHA256((unsigned char *)buf, len, md);
	free(buf);
	for (i = 0; i < n; i++)
		if (md[i] != 0)
			zero = 0;
	if (zero)
		md[n - 1] = 1;
	hex_encode(md, n, out);
}

void
trace_id(const char *exec_id, char out[33])
{
	const char *parts[] = { "herald-trace", exec_id, NULL };

	derive(parts, 16, out);
}

void
trace_span_id(const char *exec_id, const char *kind, const char *step, int n,
              char out[17])
{
	char        num[16];
	const char *parts[] = { "herald-span",    exec_id, kind,
		                step ? step : "", num,     NULL };

	snprintf(num, sizeof num, "%d", n);
	derive(parts, 8, out);
}

/* OTLP attributes: [{"key": k, "value": {"stringValue": v}}, ...]. */

static cJSON *
attr_add(cJSON *attrs, const char *key)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "key", key);
	cJSON_AddItemToArray(attrs, a);
	return cJSON_AddObjectToObject(a, "value");
}

/* Cuts text to TEXT_MAX bytes on a character boundary. */
static char *
clip(const char *s)
{
	size_t n = strlen(s);
	char  *out;

	if (n <= TEXT_MAX)
		return xstrdup(s);
	n = TEXT_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	xasprintf(&out, "%.*s...(%zu bytes cut)", (int)n, s, strlen(s) - n);
	return out;
}

static void
attr_str(cJSON *attrs, const char *key, const char *v)
{
	char *c;

	if (v == NULL)
		return;
	c = clip(v);
	cJSON_AddStringToObject(attr_add(attrs, key), "stringValue", c);
	free(c);
}

/* Integers as JSON numbers: Langfuse reads those, not the int64 strings
 * of strict OTLP JSON. */
static void
attr_int(cJSON *attrs, const char *key, int64_t v)
{
	cJSON_AddNumberToObject(attr_add(attrs, key), "intValue", (double)v);
}

static void
attr_double(cJSON *attrs, const char *key, double v)
{
	cJSON_AddNumberToObject(attr_add(attrs, key), "doubleValue", v);
}

static void
attr_bool(cJSON *attrs, const char *key, int v)
{
	cJSON_AddBoolToObject(attr_add(attrs, key), "boolValue", v);
}

/* A JSON value, as the JSON text Langfuse expects for input and output. */
static void
attr_json(cJSON *attrs, const char *key, const cJSON *v)
{
	char *text;

	if (v == NULL)
		return;
	text = cJSON_PrintUnformatted(v);
	attr_str(attrs, key, text);
	cJSON_free(text);
}

/* Building spans. */

struct build {
	const struct trace_opts  *opts;
	const struct store_exec  *x;
	const struct store_event *ev; /* all of the execution's, in order */
	int                       n;
	void (*fn)(void *, char *);
	void *arg;
};

enum outcome {
	O_COMPLETED,
	O_WAITING, /* the call ended asking to be called again */
	O_FAILED,
	O_IN_DOUBT,
	O_SUPERSEDED,
	O_INTERRUPTED, /* heraldd's stop or crash cut it short */
	O_CLOSED,      /* still open when its run ended */
};

static int
is(const struct store_event *e, const char *type)
{
	return strcmp(e->type, type) == 0;
}

static int
same_step(const struct store_event *e, const char *step)
{
	return e->step != NULL && step != NULL && strcmp(e->step, step) == 0;
}

static int
ends_attempt(const struct store_event *e)
{
	return is(e, "step_completed") || is(e, "step_failed") ||
	       is(e, "step_in_doubt") || is(e, "step_waiting") ||
	       is(e, "step_interrupted");
}

/* The events that end a run. */
static int
ends_run(const struct store_event *e)
{
	return is(e, "workflow_completed") || is(e, "workflow_failed") ||
	       is(e, "workflow_cancelled") || is(e, "workflow_rejected");
}

static int
starts_run(const struct store_event *e)
{
	return is(e, "workflow_started") || is(e, "workflow_reset");
}

/* The run (from 1) that event i belongs to. */
static int
run_of(const struct build *b, int i)
{
	int k, run = 0;

	for (k = 0; k <= i; k++)
		if (starts_run(&b->ev[k]))
			run++;
	return run > 0 ? run : 1;
}

/* The index of the step_started event of (step, attempt), or -1. */
static int
find_start(const struct build *b, const char *step, int attempt)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (is(&b->ev[i], "step_started") &&
		    same_step(&b->ev[i], step) && b->ev[i].attempt == attempt)
			return i;
	return -1;
}

/* Whether attempt (step, attempt) was ended by one of the events before
 * index limit: one of its own, a later attempt of its step, or the end of
 * its run (whose close wrote the attempts it left open). */
static int
attempt_ended(const struct build *b, const char *step, int attempt, int limit)
{
	int i, si = find_start(b, step, attempt);

	for (i = 0; i < limit; i++) {
		const struct store_event *e = &b->ev[i];

		if (si >= 0 && i > si && ends_run(e))
			return 1;
		if (!same_step(e, step))
			continue;
		if (ends_attempt(e) && e->attempt == attempt)
			return 1;
		if (is(e, "step_started") && e->attempt > attempt)
			return 1;
	}
	return 0;
}

static const struct store_step *
find_step(const struct store_exec *x, const char *name)
{
	int i;

	for (i = 0; i < x->nsteps; i++)
		if (strcmp(x->steps[i].name, name) == 0)
			return &x->steps[i];
	return NULL;
}

static char *
unix_nano(int64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%lld000000", (long long)ms);
	return buf;
}

static void
tag_add(cJSON *values, const char *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "stringValue", v);
	cJSON_AddItemToArray(values, o);
}

/* Trace-level attributes, on every span (Langfuse v4 reads them from any
 * span, not only the root). status: the run's, on the root span only. */
static void
trace_attrs(const struct build *b, cJSON *attrs, const char *status)
{
	const struct store_exec *x = b->x;
	cJSON                   *tags;
	char                    *t;

	attr_str(attrs, "langfuse.trace.name", x->type);
	tags = cJSON_AddArrayToObject(
	    cJSON_AddObjectToObject(attr_add(attrs, "langfuse.trace.tags"),
	                            "arrayValue"),
	    "values");
	if (x->brand != NULL)
		tag_add(tags, x->brand);
	if (x->schedule != NULL) {
		xasprintf(&t, "schedule:%s", x->schedule);
		tag_add(tags, t);
		free(t);
	}
	if (status != NULL)
		tag_add(tags, status);
	attr_str(attrs, "langfuse.trace.metadata.execution", x->id);
	attr_str(attrs, "langfuse.trace.metadata.workflow", x->type);
	attr_str(attrs, "langfuse.trace.metadata.brand", x->brand);
	attr_str(attrs, "langfuse.trace.metadata.schedule", x->schedule);
	attr_str(attrs, "langfuse.trace.metadata.status", status);
}

/* A new span object with its ids, name and times; *attrs is its
 * attribute array. */
static cJSON *
span_new(const struct build *b, const char *span_id, const char *parent,
         const char *name, int64_t start, int64_t end, cJSON **attrs)
{
	cJSON *s = cJSON_CreateObject();
	char   tid[33], ns[32];

	trace_id(b->x->id, tid);
	cJSON_AddStringToObject(s, "traceId", tid);
	cJSON_AddStringToObject(s, "spanId", span_id);
	if (parent != NULL)
		cJSON_AddStringToObject(s, "parentSpanId", parent);
	cJSON_AddStringToObject(s, "name", name);
	cJSON_AddNumberToObject(s, "kind", 1); /* SPAN_KIND_INTERNAL */
	cJSON_AddStringToObject(s, "startTimeUnixNano",
	                        unix_nano(start, ns, sizeof ns));
	/* A span never ends before it starts (clock steps back). */
	cJSON_AddStringToObject(
	    s, "endTimeUnixNano",
	    unix_nano(end > start ? end : start, ns, sizeof ns));
	*attrs = cJSON_AddArrayToObject(s, "attributes");
	return s;
}

/* code: 0 unset, 1 ok, 2 error (OTLP status codes). */
static void
span_status(cJSON *s, int code, const char *message)
{
	cJSON *st = cJSON_AddObjectToObject(s, "status");

	cJSON_AddNumberToObject(st, "code", code);
	if (message != NULL)
		cJSON_AddStringToObject(st, "message", message);
}

static void
emit(const struct build *b, cJSON *s)
{
	char *text = cJSON_PrintUnformatted(s);

	cJSON_Delete(s);
	if (text == NULL)
		fatal("cJSON_PrintUnformatted: out of memory");
	b->fn(b->arg, text);
}

/* A result without its prompt (that goes on the generation, if
 * prompts are on). */
static cJSON *
result_json(const char *text)
{
	cJSON *r = text != NULL ? cJSON_Parse(text) : NULL;

	if (cJSON_IsObject(r))
		cJSON_DeleteItemFromObjectCaseSensitive(r, "prompt");
	return r;
}

static double
num(const cJSON *o, const char *key, int *found)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (found != NULL)
		*found = cJSON_IsNumber(v);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The Claude call behind a completed attempt, when its result says it
 * made one (model and tokens). */
static void
generation(const struct build *b, const struct store_event *start,
           const struct store_event *end, const char *parent, const cJSON *r)
{
	const char *model =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "model"));
	const char *out;
	cJSON      *s, *attrs, *o;
	char        id[17], *name;
	int         has_in, has_out, has_ci, has_co;
	double      in, outt, cost, ci, co;

	in = num(r, "input_tokens", &has_in);
	outt = num(r, "output_tokens", &has_out);
	/* Only model calls: the offline writer's template is none. */
	if (model == NULL || !has_in || !has_out ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "offline")))
		return;
	cost = num(r, "cost_usd", NULL);
	ci = num(r, "input_cost_usd", &has_ci);
	co = num(r, "output_cost_usd", &has_co);
	trace_span_id(b->x->id, "generation", end->step, end->attempt, id);
	xasprintf(&name, "%s: %s", end->step, model);
	s = span_new(b, id, parent, name, start->at, end->at, &attrs);
	free(name);
	trace_attrs(b, attrs, NULL);
	attr_str(attrs, "langfuse.observation.type", "generation");
	attr_str(attrs, "langfuse.observation.model.name", model);
	attr_str(attrs, "gen_ai.system", "anthropic");
	attr_str(attrs, "gen_ai.request.model", model);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "input", in);
	cJSON_AddNumberToObject(o, "output", outt);
	cJSON_AddNumberToObject(o, "total", in + outt);
	attr_json(attrs, "langfuse.observation.usage_details", o);
	cJSON_Delete(o);
	o = cJSON_CreateObject();
	if (has_ci && has_co) {
		cJSON_AddNumberToObject(o, "input", ci);
		cJSON_AddNumberToObject(o, "output", co);
	}
	cJSON_AddNumberToObject(o, "total", cost);
	attr_json(attrs, "langfuse.observation.cost_details", o);
	cJSON_Delete(o);
	/* The same in OpenTelemetry's GenAI terms, for older servers. */
	attr_int(attrs, "gen_ai.usage.input_tokens", (int64_t)in);
	attr_int(attrs, "gen_ai.usage.output_tokens", (int64_t)outt);
	attr_double(attrs, "gen_ai.usage.cost", cost);
	if (b->opts->prompts)
		attr_json(attrs, "langfuse.observation.input",
		          cJSON_GetObjectItemCaseSensitive(r, "prompt"));
	out = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(r, "caption"));
	if (out == NULL)
		out = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "description"));
	attr_str(attrs, "langfuse.observation.output", out);
	span_status(s, 1, NULL);
	emit(b, s);
}

/* The span of one step attempt, from its step_started event to end_at. */
static void
attempt_span(const struct build *b, int si, int64_t end_at,
             const struct store_event *end, enum outcome how)
{
	const struct store_event *start = &b->ev[si];
	const struct store_step  *row = find_step(b->x, start->step);
	cJSON                    *s, *attrs, *data = NULL, *r = NULL;
	char                      id[17], root[17], *msg = NULL, *name;
	int                       check;

	data = start->data != NULL ? cJSON_Parse(start->data) : NULL;
	check = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "check"));
	cJSON_Delete(data);
	trace_span_id(b->x->id, "attempt", start->step, start->attempt, id);
	trace_span_id(b->x->id, "run", NULL, run_of(b, si), root);
	xasprintf(&name, "%s%s", start->step, check ? " (check)" : "");
	s = span_new(b, id, root, name, start->at, end_at, &attrs);
	free(name);
	trace_attrs(b, attrs, NULL);
	attr_str(attrs, "langfuse.observation.type", "span");
	attr_str(attrs, "langfuse.observation.metadata.step", start->step);
	attr_int(attrs, "langfuse.observation.metadata.attempt",
	         start->attempt);
	if (check)
		attr_bool(attrs, "langfuse.observation.metadata.check", 1);
	data = end != NULL && end->data != NULL ? cJSON_Parse(end->data) : NULL;
	switch (how) {
	case O_COMPLETED: {
		cJSON *shown = result_json(row != NULL ? row->result : NULL);

		attr_json(attrs, "langfuse.observation.output", shown);
		cJSON_Delete(shown);
		if (row != NULL && row->result != NULL)
			r = cJSON_Parse(row->result);
		span_status(s, 1, NULL);
		break;
	}
	case O_WAITING:
		attr_json(attrs, "langfuse.observation.output", data);
		span_status(s, 1, NULL);
		break;
	case O_FAILED:
		msg = xstrdup(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(data, "error")));
		attr_str(attrs, "langfuse.observation.level", "ERROR");
		attr_json(attrs, "langfuse.observation.output", data);
		break;
	case O_IN_DOUBT:
		xasprintf(&msg, "outcome unknown: %s",
		          cJSON_IsString(
		              cJSON_GetObjectItemCaseSensitive(data, "error"))
		              ? cJSON_GetObjectItemCaseSensitive(data, "error")
		                    ->valuestring
		              : "no error recorded");
		attr_str(attrs, "langfuse.observation.level", "WARNING");
		break;
	case O_SUPERSEDED:
		xasprintf(&msg,
		          "outcome unknown, checked by the next attempt: %s",
		          row != NULL && row->last_error != NULL
		              ? row->last_error
		              : "no error recorded");
		attr_str(attrs, "langfuse.observation.level", "WARNING");
		break;
	case O_INTERRUPTED:
		xasprintf(&msg, "%s",
		          cJSON_IsString(
		              cJSON_GetObjectItemCaseSensitive(data, "error"))
		              ? cJSON_GetObjectItemCaseSensitive(data, "error")
		                    ->valuestring
		              : "interrupted");
		attr_str(attrs, "langfuse.observation.level", "WARNING");
		break;
	case O_CLOSED:
		xasprintf(&msg, "still running when the execution ended (%s)",
		          b->x->status);
		attr_str(attrs, "langfuse.observation.level", "WARNING");
		break;
	}
	if (msg != NULL) {
		attr_str(attrs, "langfuse.observation.status_message", msg);
		span_status(s, how == O_FAILED ? 2 : 0, msg);
	}
	free(msg);
	emit(b, s);
	if (how == O_COMPLETED && r != NULL && end != NULL)
		generation(b, start, end, id, r);
	if (how == O_FAILED && end != NULL &&
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(data, "usage")))
		generation(b, start, end, id,
		           cJSON_GetObjectItemCaseSensitive(data, "usage"));
	cJSON_Delete(data);
	cJSON_Delete(r);
}

/* The root span of the run that the close event ci ends, and the attempts
 * it leaves open. */
static void
close_run(const struct build *b, int ci)
{
	const struct store_event *end = &b->ev[ci];
	const struct store_exec  *x = b->x;
	cJSON                    *s, *attrs, *out;
	char                      id[17];
	int                       i, rs = 0, failed;

	for (i = 0; i < ci; i++)
		if (starts_run(&b->ev[i]))
			rs = i;
	for (i = rs; i < ci; i++)
		if (is(&b->ev[i], "step_started") &&
		    !attempt_ended(b, b->ev[i].step, b->ev[i].attempt, ci))
			attempt_span(b, i, end->at, NULL, O_CLOSED);
	trace_span_id(x->id, "run", NULL, run_of(b, ci), id);
	s = span_new(b, id, NULL, x->type, b->ev[rs].at, end->at, &attrs);
	trace_attrs(b, attrs, x->status);
	attr_str(attrs, "langfuse.observation.type", "span");
	attr_str(attrs, "langfuse.observation.input", x->input);
	failed = !is(end, "workflow_completed");
	if (!failed) {
		/* What the last step reported: for a feed run, what went
		 * out. */
		out = x->nsteps > 0
		          ? result_json(x->steps[x->nsteps - 1].result)
		          : NULL;
		attr_json(attrs, "langfuse.observation.output", out);
		cJSON_Delete(out);
		span_status(s, 1, NULL);
	} else {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "status", x->status);
		json_add_str(out, "error", x->error);
		attr_json(attrs, "langfuse.observation.output", out);
		cJSON_Delete(out);
		attr_str(attrs, "langfuse.observation.level",
		         is(end, "workflow_failed") ? "ERROR" : "WARNING");
		attr_str(attrs, "langfuse.observation.status_message",
		         x->error != NULL ? x->error : x->status);
		span_status(s, is(end, "workflow_failed") ? 2 : 0,
		            x->error != NULL ? x->error : x->status);
	}
	emit(b, s);
}

void
trace_spans(const struct trace_opts *opts, const struct store_exec *x,
            const struct store_event *events, int n, void (*fn)(void *, char *),
            void *arg)
{
	struct build              b = { opts, x, events, n, fn, arg };
	const struct store_event *cur;
	int                       si;

	if (n == 0)
		return;
	cur = &events[n - 1];
	if (ends_attempt(cur)) {
		/* A step that waits (step_waiting) ended its call well. An
		 * attempt already written (its run closed; a publish in doubt
		 * that completed after the close) is not written again: each
		 * span goes once. */
		if ((si = find_start(&b, cur->step, cur->attempt)) < 0 ||
		    attempt_ended(&b, cur->step, cur->attempt, n - 1))
			return;
		attempt_span(&b, si, cur->at, cur,
		             is(cur, "step_failed")        ? O_FAILED
		             : is(cur, "step_in_doubt")    ? O_IN_DOUBT
		             : is(cur, "step_waiting")     ? O_WAITING
		             : is(cur, "step_interrupted") ? O_INTERRUPTED
		                                           : O_COMPLETED);
	} else if (is(cur, "step_started") && cur->attempt > 1) {
		/* Unless something before this one ended it. */
		si = find_start(&b, cur->step, cur->attempt - 1);
		if (si >= 0 &&
		    !attempt_ended(&b, cur->step, cur->attempt - 1, n - 1))
			attempt_span(&b, si, cur->at, NULL, O_SUPERSEDED);
	} else if (ends_run(cur))
		close_run(&b, n - 1);
}

/* The store side. */

struct evlist {
	struct store_event *v;
	int                 n, cap;
};

static void
evlist_add(void *arg, const struct store_event *e)
{
	struct evlist      *l = arg;
	struct store_event *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	c = &l->v[l->n++];
	*c = *e;
	c->type = xstrdup(e->type);
	c->step = xstrdup(e->step);
	c->data = xstrdup(e->data);
}

static void
evlist_free(struct evlist *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free((char *)l->v[i].type);
		free((char *)l->v[i].step);
		free((char *)l->v[i].data);
	}
	free(l->v);
}

struct outbox_ctx {
	struct trace *t;
	struct store *store;
	int64_t       at;
	int           rc;
	char        **cause;
	struct evlist events;
};

static void
outbox_add(void *arg, char *span)
{
	struct outbox_ctx *c = arg;
	struct trace      *t = c->t;
	int64_t            dropped = 0, total;

	if (c->rc == 0 &&
	    store_span_add(c->store, c->at, span, t->opts.max_outbox, &dropped,
	                   c->cause) != 0)
		c->rc = -1;
	cJSON_free(span);
	if (dropped == 0)
		return;
	/* Counted, and said at most once a minute: when Langfuse is away
	 * for long, every new span pushes out an old one. */
	total = atomic_fetch_add(&t->dropped, dropped) + dropped;
	if (c->at - t->drop_log_at >= DROP_LOG_MS) {
		log_warn("trace_spans_dropped",
		         "dropped=%lld total=%lld max_outbox=%lld "
		         "reason=\"the outbox is full: Langfuse has not taken "
		         "spans for a while; the oldest go first\"",
		         (long long)(total - t->dropped_logged),
		         (long long)total, (long long)t->opts.max_outbox);
		t->drop_log_at = c->at;
		t->dropped_logged = total;
	}
}

static int
exec_loaded(void *arg, const struct store_exec *x)
{
	struct outbox_ctx *c = arg;

	if (store_exec_events(c->store, x->n, evlist_add, &c->events,
	                      c->cause) != 0) {
		c->rc = -1;
		return 0;
	}
	trace_spans(&c->t->opts, x, c->events.v, c->events.n, outbox_add, c);
	return 0;
}

/* A step's Claude call, from its result, into the spend ledger. */
static int
spend(struct store *store, const struct store_event *ev, const char *result,
      char **cause)
{
	cJSON             *r = cJSON_Parse(result);
	struct store_spend row;
	int                has_cost, rc = 0;

	memset(&row, 0, sizeof row);
	row.cost_usd = num(r, "cost_usd", &has_cost);
	/* The offline writer reports a zero cost for symmetry: it is not a
	 * model call, so not spend. */
	if (has_cost &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "offline"))) {
		row.at = ev->at;
		row.brand = ev->brand;
		row.execution = ev->exec_id;
		row.step = ev->step;
		row.model = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "model"));
		row.input_tokens = (int64_t)num(r, "input_tokens", NULL);
		row.output_tokens = (int64_t)num(r, "output_tokens", NULL);
		rc = store_spend_add(store, &row, cause);
	}
	cJSON_Delete(r);
	return rc;
}

/* The events that may end a span. */
static int
ends_something(const struct store_event *ev)
{
	return ends_attempt(ev) ||
	       (is(ev, "step_started") && ev->attempt > 1) || ends_run(ev);
}

int
trace_event(struct trace *t, struct store *store, const struct store_event *ev,
            const char *result, char **cause)
{
	struct outbox_ctx c;
	int               rc;

	if (ev->exec_n == 0 || ev->exec_id == NULL)
		return 0;
	if (is(ev, "step_completed") && result != NULL &&
	    strstr(result, "\"cost_usd\"") != NULL &&
	    spend(store, ev, result, cause) != 0)
		return -1;
	/* A failed attempt's model call was billed too. */
	if (is(ev, "step_failed") && ev->data != NULL &&
	    strstr(ev->data, "\"usage\"") != NULL) {
		cJSON *d = cJSON_Parse(ev->data);
		char  *u = cJSON_PrintUnformatted(
		     cJSON_GetObjectItemCaseSensitive(d, "usage"));
		int bad = u != NULL && spend(store, ev, u, cause) != 0;

		cJSON_free(u);
		cJSON_Delete(d);
		if (bad)
			return -1;
	}
	if (!t->opts.export || !ends_something(ev))
		return 0;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.store = store;
	c.at = ev->at;
	c.cause = cause;
	rc = store_exec_get(store, ev->exec_n, exec_loaded, &c, cause);
	evlist_free(&c.events);
	if (rc < 0 || c.rc != 0)
		return -1;
	return 0;
}
