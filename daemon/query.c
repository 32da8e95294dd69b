/*
 * query: read-only protocol methods, on the query pool's threads. Each
 * thread's context is its own struct store_reader.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "daemon/exporter.h"
#include "daemon/pool.h"
#include "daemon/query.h"
#include "daemon/sched.h"
#include "daemon/trace.h"
#include "db/store.h"

struct query {
	const struct query_info *info;
	struct pool             *pool;
};

struct query_job {
	struct job      job;
	struct query   *q;
	enum method_id  method;
	cJSON          *params;
	struct reply_to rt;
};

static void *
reader_init(void *arg, char **cause)
{
	struct query *q = arg;

	return store_reader_open(q->info->db_path, cause);
}

static void
reader_fini(void *ctx)
{
	store_reader_close(ctx);
}

static char *
result_or_error(int rc, cJSON *out, char *cause, const char *id)
{
	char *reply;

	if (rc == 0)
		return proto_reply_ok(out);
	if (rc == 1)
		return proto_reply_err(E_NOT_FOUND, "no execution %s", id);
	reply = proto_reply_err(E_INTERNAL, "store: %s", cause);
	free(cause);
	return reply;
}

/* Model spend per brand, today and this month (UTC). */
static int
spend_json(struct store_reader *r, cJSON *o, char **cause)
{
	time_t    now = (time_t)(clock_ms() / 1000);
	struct tm tm;
	int64_t   day, month;
	cJSON    *brands = NULL, *sp;
	char      buf[16];

	gmtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	day = (int64_t)timegm(&tm) * 1000;
	sp = cJSON_AddObjectToObject(o, "spend");
	strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	cJSON_AddStringToObject(sp, "day", buf);
	strftime(buf, sizeof buf, "%Y-%m", &tm);
	cJSON_AddStringToObject(sp, "month", buf);
	tm.tm_mday = 1;
	month = (int64_t)timegm(&tm) * 1000;
	if (store_spend_since(r, day, month, &brands, cause) != 0)
		return -1;
	cJSON_AddItemToObject(sp, "brands", brands);
	return 0;
}

/* The trace export: off, or its outbox and counters. */
static int
langfuse_json(struct query *q, struct store_reader *r, cJSON *o, char **cause)
{
	struct exporter_stats st;
	cJSON                *lf = cJSON_AddObjectToObject(o, "langfuse");
	int64_t               n = 0;
	char                  ts[32];

	cJSON_AddBoolToObject(lf, "enabled", q->info->exporter != NULL);
	if (q->info->exporter == NULL)
		return 0;
	if (store_outbox_size(r, &n, cause) != 0)
		return -1;
	exporter_stats(q->info->exporter, &st);
	cJSON_AddNumberToObject(lf, "outbox", (double)n);
	cJSON_AddNumberToObject(lf, "exported", (double)st.exported);
	cJSON_AddNumberToObject(lf, "rejected", (double)st.rejected);
	cJSON_AddNumberToObject(lf, "dropped",
	                        (double)trace_dropped(q->info->trace));
	cJSON_AddNumberToObject(lf, "failures", (double)st.failures);
	json_add_str(lf, "last_error", st.error[0] ? st.error : NULL);
	if (st.retry_at > 0)
		cJSON_AddStringToObject(lf, "retry_at",
		                        iso8601(st.retry_at, ts, sizeof ts));
	else
		cJSON_AddNullToObject(lf, "retry_at");
	return 0;
}

static char *
do_status(struct query *q, struct store_reader *r)
{
	struct engine_stats st;
	cJSON              *o, *counts = NULL, *eng;
	char               *cause = NULL, ts[32];

	if (store_counts(r, &counts, &cause) != 0)
		return result_or_error(-1, NULL, cause, "");
	engine_stats(q->info->engine, &st);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", HERALD_VERSION);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	cJSON_AddStringToObject(o, "state_dir", q->info->state_dir);
	cJSON_AddStringToObject(o, "started_at",
	                        iso8601(q->info->started_at, ts, sizeof ts));
	cJSON_AddNumberToObject(
	    o, "uptime_s", (double)((clock_ms() - q->info->started_at) / 1000));
	cJSON_AddNumberToObject(o, "workers", q->info->workers);
	eng = cJSON_AddObjectToObject(o, "engine");
	cJSON_AddNumberToObject(eng, "open_executions", (double)st.active);
	cJSON_AddNumberToObject(eng, "running_steps", (double)st.running);
	cJSON_AddNumberToObject(eng, "commits", (double)st.commits);
	cJSON_AddNumberToObject(eng, "last_seq", (double)st.last_seq);
	cJSON_AddItemToObject(o, "executions", counts);
	if (spend_json(r, o, &cause) != 0 ||
	    langfuse_json(q, r, o, &cause) != 0) {
		cJSON_Delete(o);
		return result_or_error(-1, NULL, cause, "");
	}
	return proto_reply_ok(o);
}

static void
add_event(void *arg, const struct store_event *se)
{
	struct proto_event ev;

	memset(&ev, 0, sizeof ev);
	ev.seq = se->seq;
	ev.at = se->at;
	ev.topic = se->topic;
	ev.type = se->type;
	ev.execution = se->exec_id;
	ev.workflow = se->workflow;
	ev.brand = se->brand;
	ev.step = se->step;
	ev.attempt = se->attempt;
	ev.data = se->data;
	cJSON_AddItemToArray(arg, proto_event_json(&ev));
}

static char *
do_since(struct store_reader *r, const cJSON *params)
{
	cJSON *res = cJSON_CreateObject(), *arr;
	char  *cause = NULL;
	int    more = 0;

	arr = cJSON_AddArrayToObject(res, "events");
	if (store_events_since(r, proto_int(params, "seq", 0),
	                       (int)proto_int(params, "limit", 500),
	                       proto_str(params, "topic"), add_event, arr,
	                       &more, &cause) != 0) {
		cJSON_Delete(res);
		return result_or_error(-1, NULL, cause, "");
	}
	cJSON_AddBoolToObject(res, "more", more);
	return proto_reply_ok(res);
}

struct sched_ctx {
	struct store_reader *r;
	cJSON               *arr;
	int                  full; /* describe: next fires and history */
	char                *cause;
};

/* A schedule as the protocol shows it: its row, and what its spec says
 * about the future (computed here, from the same code the engine uses). */
static int
sched_json(void *arg, const struct store_sched *row)
{
	struct sched_ctx *c = arg;
	struct schedule  *s;
	cJSON            *o = cJSON_CreateObject(), *fires = NULL, *next, *it;
	char             *why = NULL, *desc = NULL, *tmp;
	int64_t           t, now = clock_ms();
	int               i;

	cJSON_AddStringToObject(o, "id", row->id);
	cJSON_AddStringToObject(o, "workflow", row->workflow);
	cJSON_AddItemToObject(o, "input", cJSON_Parse(row->input));
	cJSON_AddItemToObject(o, "cron", cJSON_Parse(row->cron));
	cJSON_AddStringToObject(o, "timezone", row->timezone);
	cJSON_AddStringToObject(o, "overlap", row->overlap);
	cJSON_AddNumberToObject(o, "catchup_ms", (double)row->catchup_ms);
	cJSON_AddNumberToObject(o, "jitter_ms", (double)row->jitter_ms);
	cJSON_AddStringToObject(o, "source", row->source);
	cJSON_AddBoolToObject(o, "paused", row->paused);
	if (row->note != NULL)
		cJSON_AddStringToObject(o, "note", row->note);
	else
		cJSON_AddNullToObject(o, "note");
	json_add_time(o, "created_at", row->created_at);
	json_add_time(o, "buffered_fire", row->buffered_at);
	s = schedule_from_row(row, NULL, &why);
	if (s != NULL) {
		for (i = 0; i < s->ncron; i++) {
			char *d = cron_describe(s->exprs[i]);

			xasprintf(&tmp, "%s%s%s", desc ? desc : "",
			          desc ? "; " : "", d);
			free(d);
			free(desc);
			desc = tmp;
		}
		xasprintf(&tmp, "%s (%s)", desc, s->timezone);
		free(desc);
		desc = tmp;
		cJSON_AddStringToObject(o, "description", desc);
		free(desc);
		t = schedule_next(s, s->cursor_at > now ? s->cursor_at : now);
		json_add_time(o, "next_fire", row->paused ? 0 : t);
		if (c->full) {
			next = cJSON_AddArrayToObject(o, "next_fires");
			for (i = 0; i < 5 && t >= 0; i++) {
				char ts[32];

				cJSON_AddItemToArray(
				    next, cJSON_CreateString(
				              iso8601(t, ts, sizeof ts)));
				t = schedule_next(s, t);
			}
		}
		schedule_free(s);
	} else {
		cJSON_AddStringToObject(o, "description", why);
		cJSON_AddNullToObject(o, "next_fire");
		free(why);
	}
	if (store_sched_fires(c->r, row->id, c->full ? 100 : 1, &fires,
	                      &c->cause) != 0) {
		cJSON_Delete(o);
		return -1;
	}
	it = cJSON_GetArrayItem(fires, 0);
	cJSON_AddItemToObject(o, "last_fire",
	                      it != NULL ? cJSON_Duplicate(it, 1)
	                                 : cJSON_CreateNull());
	if (c->full) {
		cJSON *missed = cJSON_CreateArray(), *recent;

		cJSON_ArrayForEach(it, fires) if (strcmp(
		                                      cJSON_GetStringValue(
		                                          cJSON_GetObjectItem(
		                                              it, "outcome")),
		                                      "missed") == 0)
		    cJSON_AddItemToArray(missed, cJSON_Duplicate(it, 1));
		recent = cJSON_CreateArray();
		for (i = 0; i < 20 && i < cJSON_GetArraySize(fires); i++)
			cJSON_AddItemToArray(
			    recent,
			    cJSON_Duplicate(cJSON_GetArrayItem(fires, i), 1));
		cJSON_AddItemToObject(o, "fires", recent);
		cJSON_AddItemToObject(o, "missed", missed);
	}
	cJSON_Delete(fires);
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

static char *
do_schedules(struct store_reader *r, const char *id)
{
	struct sched_ctx c = { r, cJSON_CreateArray(), id != NULL, NULL };
	cJSON           *res;
	char            *reply;
	int              rc;

	rc = store_sched_read(r, id, sched_json, &c, &c.cause);
	if (rc != 0) {
		cJSON_Delete(c.arr);
		if (rc == 1)
			return proto_reply_err(E_NOT_FOUND, "no schedule %s",
			                       id);
		reply = proto_reply_err(E_INTERNAL, "store: %s", c.cause);
		free(c.cause);
		return reply;
	}
	if (id != NULL) {
		res = cJSON_DetachItemFromArray(c.arr, 0);
		cJSON_Delete(c.arr);
		return proto_reply_ok(res);
	}
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "schedules", c.arr);
	return proto_reply_ok(res);
}

/* Each step's max_attempts (null: unlimited), from the workflow's table:
 * the store keeps what happened, the table what is allowed. */
static void
add_policies(struct query *q, cJSON *x)
{
	const struct workflow *wf = NULL;
	cJSON                 *it;
	int                    i;

	if (q->info->types != NULL)
		wf = workflow_find(
		    q->info->types,
		    cJSON_GetStringValue(cJSON_GetObjectItem(x, "type")));
	if (wf == NULL)
		return;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(x, "steps"))
	{
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));

		for (i = 0; i < wf->nsteps; i++)
			if (name != NULL &&
			    strcmp(wf->steps[i].name, name) == 0)
				break;
		if (i == wf->nsteps || wf->steps[i].retry.max_attempts == 0)
			cJSON_AddNullToObject(it, "max_attempts");
		else
			cJSON_AddNumberToObject(
			    it, "max_attempts",
			    wf->steps[i].retry.max_attempts);
	}
}

static void
query_run(struct job *job, void *ctx)
{
	struct query_job    *j = (struct query_job *)job;
	struct store_reader *r = ctx;
	struct store_filter  f;
	cJSON               *out = NULL;
	char                *cause = NULL, *reply;
	const char          *id = proto_str(j->params, "id");
	int                  rc;

	switch (j->method) {
	case M_STATUS:
		reply = do_status(j->q, r);
		break;
	case M_WORKFLOW_LIST:
		if (cJSON_GetObjectItem(j->params, "after") != NULL &&
		    cJSON_GetObjectItem(j->params, "before") != NULL) {
			reply = proto_reply_err(E_BAD_REQUEST,
			                        "params.before: not with "
			                        "params.after");
			break;
		}
		memset(&f, 0, sizeof f);
		f.status = proto_str(j->params, "status");
		f.type = proto_str(j->params, "type");
		f.brand = proto_str(j->params, "brand");
		f.match = proto_str(j->params, "match");
		f.before = proto_int(j->params, "after", 0);
		f.newer_than = proto_int(j->params, "before", -1);
		f.limit = (int)proto_int(j->params, "limit", 50);
		rc = store_list(r, &f, &out, &cause);
		reply = result_or_error(rc, out, cause, "");
		break;
	case M_WORKFLOW_DESCRIBE:
		rc = store_describe(r, id, &out, &cause);
		if (rc == 0)
			add_policies(j->q, out);
		reply = result_or_error(rc, out, cause, id);
		break;
	case M_WORKFLOW_SHOW:
		rc = store_history(r, id, proto_int(j->params, "after", 0),
		                   (int)proto_int(j->params, "limit", 1000),
		                   &out, &cause);
		reply = result_or_error(rc, out, cause, id);
		break;
	case M_EVENTS_SINCE:
		reply = do_since(r, j->params);
		break;
	case M_SCHEDULE_LIST:
		reply = do_schedules(r, NULL);
		break;
	case M_PUBLICATION_LIST:
		rc = store_publications(r, proto_str(j->params, "brand"),
		                        (int)proto_int(j->params, "limit", 50),
		                        &out, &cause);
		reply = result_or_error(rc, out, cause, "");
		break;
	case M_SCHEDULE_DESCRIBE:
		reply = do_schedules(r, id);
		break;
	case M_APPROVAL_LIST:
		rc = store_approvals(r, proto_str(j->params, "brand"), &out,
		                     &cause);
		reply = result_or_error(rc, out, cause, "");
		break;
	default:
		reply = proto_reply_err(E_INTERNAL, "%s is not a query",
		                        proto_methods[j->method].name);
		break;
	}
	j->rt.fn(j->rt.arg, reply);
	cJSON_Delete(j->params);
	free(j);
}

static void
query_drop(struct job *job)
{
	struct query_job *j = (struct query_job *)job;

	j->rt.fn(j->rt.arg,
	         proto_reply_err(E_UNAVAILABLE, "heraldd is stopping"));
	cJSON_Delete(j->params);
	free(j);
}

struct query *
query_start(const struct query_info *info, int n, char **cause)
{
	struct query *q = xcalloc(1, sizeof *q);

	q->info = info;
	q->pool = pool_start("query", n, reader_init, reader_fini, q, cause);
	if (q->pool == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

void
query_stop(struct query *q)
{
	if (q == NULL)
		return;
	pool_stop(q->pool);
	free(q);
}

void
query_call(struct query *q, enum method_id method, cJSON *params,
           struct reply_to rt)
{
	struct query_job *j = xcalloc(1, sizeof *j);

	j->job.run = query_run;
	j->job.drop = query_drop;
	j->q = q;
	j->method = method;
	j->params = params;
	j->rt = rt;
	pool_submit(q->pool, &j->job);
}
