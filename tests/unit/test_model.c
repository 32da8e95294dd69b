/*
 * The console's model without a terminal: events applied to the list and
 * the detail (each exactly once, whatever the race with a fetch), seq gap
 * detection, paging through a window, filters, approvals, publications,
 * the Claude spend.
 * Replies are built as the daemon sends them.
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
#include "tui/keys.h"
#include "tui/model.h"

/* A workflow.list result: rows named <prefix><cursor> for cursors from
 * first down to last (newest first), next/prev as given (0: null). */
static cJSON *
page(const char *prefix, int first, int last, int next, int prev, int seq)
{
	cJSON *r = cJSON_CreateObject(),
	      *a = cJSON_AddArrayToObject(r, "executions");
	int n;

	for (n = first; n >= last; n--) {
		cJSON *o = cJSON_CreateObject();
		char   id[64];

		snprintf(id, sizeof id, "%s%d", prefix, n);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "type", "diagnostic");
		cJSON_AddStringToObject(o, "brand", "pomandi");
		cJSON_AddStringToObject(o, "status", "running");
		cJSON_AddStringToObject(o, "created_at",
		                        "2026-11-28T09:00:00.000Z");
		cJSON_AddNullToObject(o, "closed_at");
		cJSON_AddNumberToObject(o, "cursor", n);
		cJSON_AddStringToObject(o, "step", "s2");
		cJSON_AddNumberToObject(o, "retries", 1);
		cJSON_AddFalseToObject(o, "in_doubt");
		cJSON_AddItemToArray(a, o);
	}
	if (next > 0)
		cJSON_AddNumberToObject(r, "next", next);
	else
		cJSON_AddNullToObject(r, "next");
	if (prev > 0)
		cJSON_AddNumberToObject(r, "prev", prev);
	else
		cJSON_AddNullToObject(r, "prev");
	cJSON_AddNumberToObject(r, "seq", seq);
	return r;
}

static cJSON *
event(int seq, const char *type, const char *exec, const char *step,
      int attempt, const char *data)
{
	cJSON      *e = cJSON_CreateObject();
	const char *topic = strncmp(type, "step_", 5) == 0       ? "step"
	                    : strncmp(type, "schedule_", 9) == 0 ? "schedule"
	                    : strncmp(type, "approval_", 9) == 0 ? "approval"
	                    : strncmp(type, "daemon_", 7) == 0   ? "daemon"
	                                                         : "execution";

	cJSON_AddNumberToObject(e, "seq", seq);
	cJSON_AddStringToObject(e, "at", "2026-11-28T09:00:05.000Z");
	cJSON_AddStringToObject(e, "topic", topic);
	cJSON_AddStringToObject(e, "type", type);
	if (exec != NULL)
		cJSON_AddStringToObject(e, "execution", exec);
	cJSON_AddStringToObject(e, "workflow", "diagnostic");
	cJSON_AddStringToObject(e, "brand", "pomandi");
	if (step != NULL)
		cJSON_AddStringToObject(e, "step", step);
	if (attempt > 0)
		cJSON_AddNumberToObject(e, "attempt", attempt);
	cJSON_AddItemToObject(e, "data",
	                      data ? cJSON_Parse(data) : cJSON_CreateNull());
	return e;
}

/* Feeds one event; returns model_event's answer. */
static int
feed(struct model *m, int seq, const char *type, const char *exec,
     const char *step, int attempt, const char *data)
{
	cJSON *e = event(seq, type, exec, step, attempt, data);
	int    gap = model_event(m, e);

	cJSON_Delete(e);
	return gap;
}

/* A model after a refresh: baseline seq, a top page of `rows` rows. */
static struct model *
loaded(int rows, int seq)
{
	struct model *m = model_new();
	cJSON        *p = page("x", rows, 1, 0, 0, seq);

	model_baseline(m, seq);
	model_list_reply(m, PAGE_TOP, p);
	cJSON_Delete(p);
	return m;
}

/* Puts the window back to a top page of n rows. */
static void
rows_reset(struct model *m, int n, int seq)
{
	cJSON *p = page("x", n, 1, 0, 0, seq);

	model_list_reply(m, PAGE_TOP, p);
	cJSON_Delete(p);
}

static const struct exec_row *
row(const struct model *m, const char *id)
{
	int i;

	for (i = 0; i < m->nrows; i++)
		if (strcmp(m->rows[i].id, id) == 0)
			return &m->rows[i];
	return NULL;
}

static void
test_retries_counted_once(void **state)
{
	struct model *m = loaded(3, 10);

	(void)state;
	assert_int_equal(row(m, "x2")->retries, 1);
	/* An attempt after the page: counted. */
	assert_int_equal(feed(m, 11, "step_started", "x2", "s2", 3, NULL), 0);
	assert_int_equal(row(m, "x2")->retries, 2);
	assert_string_equal(row(m, "x2")->step, "s2");
	/* The same event again (a catch-up repeating it): not counted. */
	feed(m, 11, "step_started", "x2", "s2", 3, NULL);
	assert_int_equal(row(m, "x2")->retries, 2);
	/* A first attempt is no retry. */
	feed(m, 12, "step_started", "x2", "s3", 1, NULL);
	assert_int_equal(row(m, "x2")->retries, 2);
	assert_string_equal(row(m, "x2")->step, "s3");
	model_free(m);
}

static void
test_row_newer_than_event(void **state)
{
	struct model *m = loaded(3, 10);
	cJSON        *p;

	(void)state;
	/* A page fetched later (seq 20) holds x3; an event from before it
	 * (seq 15) reaches the model afterwards: x3 already reflects it. */
	m->rows[2].seq = 20; /* x1 */
	feed(m, 11, "step_started", "x1", "s2", 2, NULL);
	assert_int_equal(row(m, "x1")->retries, 1);
	feed(m, 21, "step_started", "x1", "s2", 3, NULL);
	assert_int_equal(row(m, "x1")->retries, 2);
	/* A reload replaces the rows with the daemon's view. */
	p = page("x", 3, 1, 0, 0, 30);
	model_list_reply(m, PAGE_RELOAD, p);
	cJSON_Delete(p);
	assert_int_equal(row(m, "x1")->retries, 1);
	assert_int_equal(row(m, "x1")->seq, 30);
	model_free(m);
}

static void
test_status_events(void **state)
{
	struct model *m = loaded(3, 10);

	(void)state;
	feed(m, 11, "workflow_failed", "x3", NULL, 0,
	     "{\"error\":\"s5: told to fail non-retryably\"}");
	assert_string_equal(row(m, "x3")->status, "failed");
	assert_string_equal(row(m, "x3")->error,
	                    "s5: told to fail non-retryably");
	assert_true(row(m, "x3")->closed_at > 0);
	feed(m, 12, "workflow_reset", "x3", NULL, 0, "{\"steps\":[\"s5\"]}");
	assert_string_equal(row(m, "x3")->status, "running");
	assert_null(row(m, "x3")->error);
	assert_int_equal(row(m, "x3")->closed_at, 0);
	feed(m, 13, "step_in_doubt", "x2", "s4", 1, "{\"error\":\"unknown\"}");
	assert_true(row(m, "x2")->in_doubt);
	assert_string_equal(row(m, "x2")->step, "s4");
	feed(m, 14, "step_resolved", "x2", "s4", 1, "{\"outcome\":\"done\"}");
	assert_false(row(m, "x2")->in_doubt);
	assert_true(m->stale & STALE_LIST);
	feed(m, 15, "workflow_completed", "x1", NULL, 0, NULL);
	assert_string_equal(row(m, "x1")->status, "completed");
	assert_null(row(m, "x1")->step);
	/* Closing marks what depends on it. */
	assert_true(m->stale & STALE_SCHEDULES);
	assert_true(m->stale & STALE_PUBS);
	feed(m, 16, "approval_requested", "x2", NULL, 0, "{}");
	assert_string_equal(row(m, "x2")->status, "waiting_approval");
	feed(m, 17, "approval_decided", "x2", NULL, 0,
	     "{\"decision\":\"rejected\",\"by\":\"ann\"}");
	assert_string_equal(row(m, "x2")->status, "rejected");
	model_free(m);
}

static void
test_gap_detection(void **state)
{
	struct model *m = loaded(1, 10);

	(void)state;
	assert_int_equal(feed(m, 11, "step_started", "x1", "s1", 1, NULL), 0);
	assert_int_equal(feed(m, 12, "step_completed", "x1", "s1", 1, NULL), 0);
	/* Old and repeated events are no gap. */
	assert_int_equal(feed(m, 5, "step_started", "x1", "s1", 1, NULL), 0);
	assert_int_equal(feed(m, 12, "step_completed", "x1", "s1", 1, NULL), 0);
	/* 13 and 14 missed. */
	assert_int_equal(feed(m, 15, "step_started", "x1", "s2", 1, NULL), 1);
	assert_int_equal(m->last_seq, 15);
	/* While refreshing, the stream is not judged... */
	model_refresh(m);
	assert_int_equal(m->stale, STALE_ALL);
	assert_int_equal(feed(m, 40, "step_started", "x1", "s3", 1, NULL), 0);
	/* ...until the baseline, after which gaps count again. */
	model_baseline(m, 41);
	assert_int_equal(feed(m, 41, "step_started", "x1", "s3", 1, NULL), 0);
	assert_int_equal(feed(m, 42, "step_started", "x1", "s3", 1, NULL), 0);
	assert_int_equal(feed(m, 44, "step_started", "x1", "s3", 1, NULL), 1);
	/* A daemon restart marks everything stale. */
	m->stale = 0;
	feed(m, 45, "daemon_started", NULL, NULL, 0, "{}");
	assert_int_equal(m->stale, STALE_ALL);
	/* Reconnecting refreshes; disconnecting keeps what is shown. */
	model_connected(m, 1);
	model_baseline(m, 45);
	model_connected(m, 0);
	assert_int_equal(m->nrows, 1);
	assert_false(m->refreshing);
	model_connected(m, 1);
	assert_true(m->refreshing);
	model_free(m);
}

/* The daemon came back with a new store: its seq starts again below
 * ours, and its events still show. */
static void
test_seq_goes_back(void **state)
{
	struct model *m = loaded(1, 500);
	cJSON        *p;

	(void)state;
	assert_int_equal(feed(m, 501, "step_started", "x1", "s1", 1, NULL), 0);
	model_connected(m, 0);
	model_connected(m, 1);
	model_baseline(m, 3);
	assert_int_equal(m->last_seq, 3);
	p = page("y", 1, 1, 0, 0, 3);
	model_list_reply(m, PAGE_RELOAD, p);
	cJSON_Delete(p);
	assert_string_equal(m->rows[0].id, "y1");
	assert_int_equal(feed(m, 4, "step_started", "y1", "s9", 1, NULL), 0);
	assert_int_equal(m->last_seq, 4);
	assert_string_equal(m->rows[0].step, "s9");
	/* and gaps count from there */
	assert_int_equal(feed(m, 6, "step_started", "y1", "s9", 1, NULL), 1);
	/* A seq no int64_t holds is no event. */
	p = event(7, "step_started", "y1", "s10", 1, NULL);
	cJSON_SetNumberValue(cJSON_GetObjectItem(p, "seq"), 1e300);
	assert_int_equal(model_event(m, p), 0);
	assert_int_equal(m->last_seq, 6);
	cJSON_Delete(p);
	model_free(m);
}

static void
test_new_executions(void **state)
{
	struct model *m = loaded(3, 10);

	(void)state;
	m->execs.height = 10;
	m->execs.sel = 1; /* x2 */
	feed(m, 11, "workflow_started", "x4", NULL, 0, "null");
	assert_int_equal(m->nrows, 4);
	assert_string_equal(m->rows[0].id, "x4");
	assert_string_equal(m->rows[0].status, "running");
	/* The selection stays on its execution. */
	assert_string_equal(model_selected(m)->id, "x2");
	/* Its cursor comes with the next reload. */
	assert_true(m->stale & STALE_LIST);
	/* Watching the newest: the selection stays on top, on the new one. */
	m->execs.sel = 0;
	feed(m, 12, "workflow_started", "x7", NULL, 0, "null");
	assert_int_equal(m->execs.sel, 0);
	assert_int_equal(m->execs.top, 0);
	assert_string_equal(model_selected(m)->id, "x7");
	/* Scrolled down: the rows under the operator stay where they are. */
	m->execs.height = 2;
	m->execs.sel = 3;
	model_pane_fix(&m->execs, m->nrows);
	assert_int_equal(m->execs.top, 2);
	feed(m, 13, "workflow_started", "x8", NULL, 0, "null");
	assert_int_equal(m->execs.top, 3);
	assert_string_equal(model_selected(m)->id, "x2");
	assert_string_equal(m->rows[m->execs.top].id, "x3");
	/* A reload with more rows above: watching the top stays on top;
	 * a selection further down stays on its execution. */
	m->execs.sel = m->execs.top = 0;
	{
		cJSON *p = page("x", 12, 1, 0, 0, 20);

		model_list_reply(m, PAGE_RELOAD, p);
		assert_int_equal(m->execs.sel, 0);
		m->execs.sel = 2; /* x10 */
		model_list_reply(m, PAGE_RELOAD, p);
		assert_string_equal(model_selected(m)->id, "x10");
		cJSON_Delete(p);
		p = page("x", 14, 1, 0, 0, 21);
		model_list_reply(m, PAGE_RELOAD, p);
		assert_string_equal(model_selected(m)->id, "x10");
		assert_int_equal(m->execs.sel, 4);
		cJSON_Delete(p);
	}
	rows_reset(m, 3, 10);
	/* Started twice (a replay): one row. */
	m->last_seq = 10;
	feed(m, 11, "workflow_started", "x4", NULL, 0, "null");
	m->last_seq = 10;
	feed(m, 11, "workflow_started", "x4", NULL, 0, "null");
	assert_int_equal(m->nrows, 4);
	/* Not for this filter: not shown. */
	model_filter_match(m, "zzz");
	feed(m, 14, "workflow_started", "x5", NULL, 0, "null");
	assert_int_equal(m->nrows, 4);
	model_filter_match(m, NULL);
	/* A window scrolled away from the top counts them instead. */
	m->prev = 7;
	feed(m, 15, "workflow_started", "x6", NULL, 0, "null");
	assert_int_equal(m->nrows, 4);
	assert_int_equal(m->newer, 1);
	model_free(m);
}

static void
test_filters(void **state)
{
	struct model *m = loaded(3, 10);
	cJSON        *p;

	(void)state;
	assert_true(model_row_matches(m, "pomandi-daily-1",
	                              "FeedPublisherWorkflow", "pomandi",
	                              "failed"));
	model_filter_match(m, "DAILY");
	assert_int_equal(m->want, PAGE_TOP);
	assert_true(
	    model_row_matches(m, "pomandi-daily-1", "x", NULL, "running"));
	assert_false(
	    model_row_matches(m, "costume-1", "x", "costume", "running"));
	assert_true(model_row_matches(m, "c", "x", "daily-brand", "running"));
	model_filter_status(m, "failed");
	assert_false(
	    model_row_matches(m, "pomandi-daily-1", "x", NULL, "running"));
	p = model_list_params(m, PAGE_TOP);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(p, "status")), "failed");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(p, "match")), "DAILY");
	assert_null(cJSON_GetObjectItem(p, "after"));
	cJSON_Delete(p);
	/* An execution that fails outside the window may pass the filter
	 * now: the list is fetched again. */
	m->stale = 0;
	feed(m, 11, "workflow_failed", "elsewhere", NULL, 0,
	     "{\"error\":\"e\"}");
	assert_true(m->stale & STALE_LIST);
	/* A row that leaves the status filter goes at the next reload. */
	{
		cJSON *f = page("x", 3, 1, 0, 0, 11);

		model_list_reply(m, PAGE_TOP, f);
		cJSON_Delete(f);
		m->stale = 0;
		feed(m, 12, "workflow_reset", "x2", NULL, 0, "{}");
		assert_string_equal(row(m, "x2")->status, "running");
		assert_true(m->stale & STALE_LIST);
	}
	/* The status cycle: any, each status, any again. */
	assert_string_equal(model_next_status(NULL, 1), "running");
	assert_string_equal(model_next_status("running", 1),
	                    "waiting_approval");
	assert_null(model_next_status("rejected", 1));
	assert_string_equal(model_next_status(NULL, -1), "rejected");
	assert_null(model_next_status("running", -1));
	model_free(m);
}

static void
test_paging_window(void **state)
{
	struct model *m = model_new();
	cJSON        *p;
	int           first = 100000, i;

	(void)state;
	m->execs.height = 20;
	/* The newest page of 100,000 executions. */
	p = page("e", first, first - MODEL_PAGE + 1, first - MODEL_PAGE + 1, 0,
	         1);
	model_list_reply(m, PAGE_TOP, p);
	cJSON_Delete(p);
	assert_int_equal(m->nrows, MODEL_PAGE);
	/* Going down fetches the next page two screens before the end. */
	for (i = 0; i < MODEL_PAGE - 41; i++)
		model_nav(m, NAV_DOWN);
	assert_int_equal(m->want, PAGE_NONE);
	model_nav(m, NAV_DOWN);
	assert_int_equal(m->want, PAGE_OLDER);
	/* Scroll down far: the window never holds more than its size, and
	 * the selection stays on its execution as the top is dropped. */
	while (m->next > 0 && first > 5 * MODEL_PAGE) {
		const char *sel = model_selected(m)->id;
		char       *keep = xstrdup(sel);
		int64_t     after = m->next;
		cJSON      *params = model_list_params(m, PAGE_OLDER);

		assert_int_equal((int64_t)cJSON_GetNumberValue(
		                     cJSON_GetObjectItem(params, "after")),
		                 after);
		cJSON_Delete(params);
		p = page("e", (int)after - 1, (int)after - MODEL_PAGE,
		         (int)after - MODEL_PAGE, 0, 1);
		model_list_reply(m, PAGE_OLDER, p);
		cJSON_Delete(p);
		assert_true(m->nrows <= MODEL_WINDOW);
		assert_string_equal(model_selected(m)->id, keep);
		free(keep);
		first = (int)after - MODEL_PAGE;
		if (m->nrows == MODEL_WINDOW)
			break;
	}
	assert_int_equal(m->nrows, MODEL_WINDOW);
	/* Another page drops the oldest-fetched rows from the top, and the
	 * window can page up again from its new first row. */
	p = page("e", (int)m->next - 1, (int)m->next - MODEL_PAGE,
	         (int)m->next - MODEL_PAGE, 0, 1);
	model_list_reply(m, PAGE_OLDER, p);
	cJSON_Delete(p);
	assert_int_equal(m->nrows, MODEL_WINDOW);
	assert_int_equal(m->prev, m->rows[0].cursor);
	assert_true(m->prev > 0);
	p = model_list_params(m, PAGE_NEWER);
	assert_int_equal(
	    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "before")),
	    m->rows[0].cursor);
	cJSON_Delete(p);
	/* Up a page: rows come back on top, the bottom goes. */
	{
		int64_t top = m->rows[0].cursor;
		char   *keep = xstrdup(model_selected(m)->id);

		p = page("e", (int)top + MODEL_PAGE, (int)top + 1, 0,
		         (int)top + MODEL_PAGE, 1);
		model_list_reply(m, PAGE_NEWER, p);
		cJSON_Delete(p);
		assert_int_equal(m->nrows, MODEL_WINDOW);
		assert_int_equal(m->rows[0].cursor, top + MODEL_PAGE);
		assert_int_equal(m->next, m->rows[m->nrows - 1].cursor);
		assert_string_equal(model_selected(m)->id, keep);
		free(keep);
	}
	/* G: the oldest page, selected at its end; g: the newest. */
	model_nav(m, NAV_END);
	assert_int_equal(m->want, PAGE_BOTTOM);
	p = model_list_params(m, PAGE_BOTTOM);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "before")),
	                 0);
	cJSON_Delete(p);
	p = page("e", MODEL_PAGE, 1, 0, MODEL_PAGE, 1);
	model_list_reply(m, PAGE_BOTTOM, p);
	cJSON_Delete(p);
	assert_string_equal(model_selected(m)->id, "e1");
	assert_int_equal(m->next, 0);
	m->want = PAGE_NONE;
	model_nav(m, NAV_END);
	assert_int_equal(m->want, PAGE_NONE); /* already at the end */
	model_nav(m, NAV_HOME);
	assert_int_equal(m->want, PAGE_TOP);
	/* Reload in place: from the window's first row, same selection. */
	m->want = PAGE_NONE;
	m->execs.sel = 40;
	p = model_list_params(m, PAGE_RELOAD);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "after")),
	                 MODEL_PAGE + 1);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "limit")),
	                 MODEL_PAGE);
	cJSON_Delete(p);
	p = page("e", MODEL_PAGE - 1, 1, 0, MODEL_PAGE - 1, 2); /* e100 gone */
	model_list_reply(m, PAGE_RELOAD, p);
	cJSON_Delete(p);
	assert_string_equal(model_selected(m)->id, "e60");
	model_free(m);
}

static void
test_pages_never_repeat_rows(void **state)
{
	struct model *m = loaded(5, 1);
	cJSON        *p;

	(void)state;
	m->next = 3;
	p = page("x", 3, 1, 0, 0, 2); /* overlaps x3 */
	model_list_reply(m, PAGE_OLDER, p);
	cJSON_Delete(p);
	assert_int_equal(m->nrows, 5);
	assert_int_equal(m->next, 0);
	assert_null(model_list_params(m, PAGE_OLDER));
	assert_null(model_list_params(m, PAGE_NEWER));
	model_free(m);
}

static void
test_detail(void **state)
{
	struct model *m = loaded(1, 10);
	cJSON        *d = cJSON_Parse(
	           "{\"id\":\"x1\",\"status\":\"running\",\"seq\":10,\"steps\":["
	                  "{\"name\":\"s1\",\"status\":\"completed\",\"attempt\":1,"
	                  "\"attempts_used\":1,\"max_attempts\":5},"
	                  "{\"name\":\"s2\",\"status\":\"running\",\"attempt\":1,"
	                  "\"attempts_used\":1,\"max_attempts\":5}]}");
	cJSON *h =
	    cJSON_Parse("{\"events\":[{\"seq\":9,\"type\":\"step_started\"},"
	                "{\"seq\":10,\"type\":\"step_started\"}]}");
	cJSON *s2;

	(void)state;
	model_open_detail(m, "x1");
	assert_true(m->stale & STALE_DETAIL);
	assert_true(m->stale & STALE_HISTORY);
	model_detail_reply(m, d);
	model_history_reply(m, h);
	assert_false(m->stale & (STALE_DETAIL | STALE_HISTORY));
	feed(m, 11, "step_failed", "x1", "s2", 1,
	     "{\"error\":\"s2: told to fail\",\"retry_at\":"
	     "\"2026-11-28T09:00:06.000Z\",\"retry_in_ms\":1000}");
	s2 = cJSON_GetArrayItem(cJSON_GetObjectItem(m->detail, "steps"), 1);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(s2, "status")),
	    "retry_wait");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(s2, "next_attempt_at")),
	    "2026-11-28T09:00:06.000Z");
	assert_int_equal(cJSON_GetArraySize(m->history), 3);
	feed(m, 12, "step_started", "x1", "s2", 2, NULL);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(s2, "status")), "running");
	assert_int_equal(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(s2, "attempt")), 2);
	assert_int_equal(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(s2, "attempts_used")), 2);
	/* Replayed: neither history nor steps change. */
	feed(m, 12, "step_started", "x1", "s2", 2, NULL);
	m->last_seq = 11;
	feed(m, 12, "step_started", "x1", "s2", 2, NULL);
	assert_int_equal(cJSON_GetArraySize(m->history), 4);
	assert_int_equal(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(s2, "attempts_used")), 2);
	/* A completion's result comes from describe. */
	m->stale = 0;
	feed(m, 13, "step_completed", "x1", "s2", 2, "{\"duration_ms\":3}");
	assert_true(m->stale & STALE_DETAIL);
	/* Another execution's events leave it alone. */
	feed(m, 14, "step_started", "other", "s1", 1, NULL);
	assert_int_equal(cJSON_GetArraySize(m->history), 5);
	model_open_detail(m, NULL);
	assert_null(m->detail);
	cJSON_Delete(d);
	cJSON_Delete(h);
	model_free(m);
}

static void
test_approvals(void **state)
{
	struct model *m = loaded(1, 10);
	cJSON        *r = cJSON_Parse(
	           "{\"approvals\":[{\"execution\":\"a1\",\"brand\":\"pomandi\","
	                  "\"caption\":\"Été 🎉\",\"photo_key\":\"k.jpg\"}]}");

	(void)state;
	assert_int_equal(model_approvals_waiting(m), 0);
	model_approvals_unavailable(m);
	assert_int_equal(m->appr_state, APPR_UNAVAILABLE);
	/* Events change nothing while the daemon has no approvals. */
	feed(m, 11, "approval_requested", "a2", NULL, 0, "{\"caption\":\"c\"}");
	assert_int_equal(model_approvals_waiting(m), 0);
	model_approvals_reply(m, r);
	assert_int_equal(model_approvals_waiting(m), 1);
	feed(m, 12, "approval_requested", "a2", NULL, 0,
	     "{\"caption\":\"c2\",\"photo_key\":\"p.jpg\","
	     "\"expires_at\":\"2026-11-28T10:00:00.000Z\"}");
	assert_int_equal(model_approvals_waiting(m), 2);
	/* Oldest first: the new one last. */
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetArrayItem(m->approvals, 1), "expires_at")),
	    "2026-11-28T10:00:00.000Z");
	m->last_seq = 11;
	feed(m, 12, "approval_requested", "a2", NULL, 0,
	     "{\"caption\":\"c2\"}");
	assert_int_equal(model_approvals_waiting(m), 2);
	m->appr.sel = 1;
	feed(m, 13, "approval_decided", "a2", NULL, 0,
	     "{\"decision\":\"approved\",\"by\":\"ann\"}");
	assert_int_equal(model_approvals_waiting(m), 1);
	assert_int_equal(m->appr.sel, 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	                        model_approval_selected(m), "execution")),
	                    "a1");
	cJSON_Delete(r);
	model_free(m);
}

/* Each approval knows its round (which caption it shows): from the list,
 * from approval_requested's attempt, and a new round replaces the old
 * one in place. */
static void
test_approval_round(void **state)
{
	struct model *m = loaded(1, 10);
	cJSON        *r =
	    cJSON_Parse("{\"approvals\":[{\"execution\":\"a1\",\"round\":3,"
	                "\"caption\":\"c3\"},{\"execution\":\"a0\","
	                "\"caption\":\"c\"}]}");

	(void)state;
	model_approvals_reply(m, r);
	assert_int_equal(model_approval_round(model_approval_selected(m)), 3);
	assert_int_equal(
	    model_approval_round(cJSON_GetArrayItem(m->approvals, 1)), 0);
	assert_int_equal(model_approval_round(NULL), 0);
	feed(m, 11, "approval_requested", "a2", NULL, 2,
	     "{\"caption\":\"c2\"}");
	assert_int_equal(
	    model_approval_round(cJSON_GetArrayItem(m->approvals, 2)), 2);
	/* A regenerated caption for a1: round 4, same place in the list. */
	feed(m, 12, "approval_requested", "a1", NULL, 4,
	     "{\"caption\":\"c4\"}");
	assert_int_equal(model_approvals_waiting(m), 3);
	assert_int_equal(
	    model_approval_round(cJSON_GetArrayItem(m->approvals, 0)), 4);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetArrayItem(m->approvals, 0), "caption")),
	    "c4");
	/* An older round (a replay) changes nothing. */
	feed(m, 13, "approval_requested", "a1", NULL, 3,
	     "{\"caption\":\"c3\"}");
	assert_int_equal(
	    model_approval_round(cJSON_GetArrayItem(m->approvals, 0)), 4);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetArrayItem(m->approvals, 0), "caption")),
	    "c4");
	cJSON_Delete(r);
	model_free(m);
}

static const char *
appr_selected(const struct model *m)
{
	return cJSON_GetStringValue(
	    cJSON_GetObjectItem(model_approval_selected(m), "execution"));
}

/* The approvals' selection stays on its execution, whatever comes or
 * goes before it. */
static void
test_approvals_keep_selection(void **state)
{
	struct model *m = loaded(1, 10);
	cJSON        *a = cJSON_Parse("{\"approvals\":[{\"execution\":\"a1\"},"
	                                     "{\"execution\":\"a2\"},"
	                                     "{\"execution\":\"a3\"}]}");
	cJSON        *b = cJSON_Parse("{\"approvals\":[{\"execution\":\"a0\"},"
	                                     "{\"execution\":\"a1\"},"
	                                     "{\"execution\":\"a2\"},"
	                                     "{\"execution\":\"a3\"}]}");

	(void)state;
	model_approvals_reply(m, a);
	m->view = VIEW_APPROVALS;
	m->appr.height = 10;
	model_nav(m, NAV_DOWN);
	assert_string_equal(appr_selected(m), "a2");
	/* One older came in the list fetched again. */
	model_approvals_reply(m, b);
	assert_string_equal(appr_selected(m), "a2");
	/* One before it decided. */
	feed(m, 11, "approval_decided", "a0", NULL, 0,
	     "{\"decision\":\"approved\"}");
	assert_string_equal(appr_selected(m), "a2");
	feed(m, 12, "approval_decided", "a1", NULL, 0,
	     "{\"decision\":\"rejected\"}");
	assert_string_equal(appr_selected(m), "a2");
	/* One added after it. */
	feed(m, 13, "approval_requested", "a4", NULL, 1, "{}");
	assert_string_equal(appr_selected(m), "a2");
	/* The selected one decided: the selection stays in place. */
	feed(m, 14, "approval_decided", "a2", NULL, 0,
	     "{\"decision\":\"approved\"}");
	assert_string_equal(appr_selected(m), "a3");
	cJSON_Delete(a);
	cJSON_Delete(b);
	model_free(m);
}

static void
test_pubs_full(void **state)
{
	struct model *m = model_new();
	cJSON        *r = cJSON_Parse(
	           "{\"publications\":[{\"execution\":\"a\"},{\"execution\":\"b\"}]}");

	(void)state;
	model_pubs_reply(m, r, 500);
	assert_false(m->pubs_full);
	assert_false(m->stale & STALE_PUBS);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	                        model_pub_selected(m), "execution")),
	                    "a");
	model_pubs_reply(m, r, 2);
	assert_true(m->pubs_full);
	cJSON_Delete(r);
	model_free(m);
}

/* 2026-11-28T09:00:00Z and the next UTC midnight, in ms. */
#define NOV28_9H 1795856400000LL
#define NOV29_0H 1795910400000LL

static void
status_reply(struct model *m, const char *json, int64_t now)
{
	cJSON *r = cJSON_Parse(json);

	assert_non_null(r);
	model_status_reply(m, r, now);
	cJSON_Delete(r);
}

static void
test_spend(void **state)
{
	struct model    *m = loaded(2, 10);
	struct spend_row t;

	(void)state;
	assert_int_equal(m->spend_state, SPEND_UNKNOWN);
	/* Before any reply the clock marks nothing. */
	m->stale = 0;
	model_clock(m, NOV29_0H);
	assert_int_equal(m->stale, 0);

	/* The daemon's figures as sent: brands in its order, a run
	 * without a brand under "", wrong types read as 0. */
	m->stale = STALE_STATUS | STALE_SPEND | STALE_LIST;
	status_reply(m,
	             "{\"version\":\"0.1.0\",\"executions\":{\"completed\":3},"
	             "\"spend\":{\"day\":\"2026-11-28\",\"month\":\"2026-11\","
	             "\"brands\":{"
	             "\"\":{\"today_usd\":0,\"today_calls\":0,"
	             "\"month_usd\":0.5,\"month_calls\":1,"
	             "\"month_input_tokens\":10,\"month_output_tokens\":1},"
	             "\"costume\":{\"today_usd\":0.0042,\"today_calls\":1,"
	             "\"month_usd\":0.012,\"month_calls\":4,"
	             "\"month_input_tokens\":3000,\"month_output_tokens\":200},"
	             "\"pomandi\":{\"today_usd\":\"lots\",\"today_calls\":2,"
	             "\"month_usd\":0.006,\"month_calls\":2,"
	             "\"month_input_tokens\":1500,\"month_output_tokens\":100},"
	             "\"bad\":7}}}",
	             NOV28_9H);
	assert_int_equal(m->stale, STALE_LIST);
	assert_int_equal(m->spend_state, SPEND_OK);
	assert_string_equal(m->spend_day, "2026-11-28");
	assert_string_equal(m->spend_month, "2026-11");
	assert_int_equal(m->nspend, 3);
	assert_string_equal(m->spend[0].brand, "");
	assert_string_equal(m->spend[1].brand, "costume");
	assert_true(m->spend[1].today_usd > 0.00419 &&
	            m->spend[1].today_usd < 0.00421);
	assert_int_equal(m->spend[1].today_calls, 1);
	assert_int_equal(m->spend[1].month_calls, 4);
	assert_int_equal(m->spend[1].month_in, 3000);
	assert_int_equal(m->spend[1].month_out, 200);
	assert_string_equal(m->spend[2].brand, "pomandi");
	assert_true(m->spend[2].today_usd == 0);
	assert_int_equal(m->spend[2].today_calls, 2);
	model_spend_total(m, &t);
	assert_null(t.brand);
	assert_true(t.month_usd > 0.5179 && t.month_usd < 0.5181);
	assert_int_equal(t.today_calls, 3);
	assert_int_equal(t.month_calls, 7);
	assert_int_equal(t.month_in, 4510);
	assert_int_equal(t.month_out, 301);

	/* A step's end may be a Claude call: the spend is stale; a start
	 * is not; a run's end (the publications) is. */
	feed(m, 11, "step_started", "x1", "generate_caption", 1, NULL);
	assert_false(m->stale & STALE_SPEND);
	feed(m, 12, "step_completed", "x1", "generate_caption", 1,
	     "{\"duration_ms\":5}");
	assert_true(m->stale & STALE_SPEND);
	m->stale = 0;
	feed(m, 13, "workflow_completed", "x1", NULL, 0, NULL);
	assert_true(m->stale & STALE_SPEND);
	assert_true(m->stale & STALE_PUBS);

	/* The same UTC day: nothing to fetch; the next: "today" is
	 * yesterday, so once, until the reply of the new day. */
	m->stale = 0;
	model_clock(m, NOV29_0H - 1);
	assert_int_equal(m->stale, 0);
	model_clock(m, NOV29_0H);
	assert_int_equal(m->stale, STALE_SPEND);
	status_reply(m,
	             "{\"spend\":{\"day\":\"2026-11-29\",\"month\":\"2026-11\","
	             "\"brands\":{}}}",
	             NOV29_0H + 5);
	assert_int_equal(m->stale, 0);
	assert_int_equal(m->spend_state, SPEND_OK);
	assert_int_equal(m->nspend, 0);
	assert_string_equal(m->spend_day, "2026-11-29");
	model_clock(m, NOV29_0H + 60000);
	assert_int_equal(m->stale, 0);
	model_spend_total(m, &t);
	assert_true(t.month_usd == 0);

	/* A daemon that does not report spend says so; nothing is kept. */
	status_reply(m, "{\"version\":\"0.0.9\"}", NOV29_0H + 10);
	assert_int_equal(m->spend_state, SPEND_UNREPORTED);
	assert_int_equal(m->nspend, 0);
	assert_null(m->spend_day);
	status_reply(m, "{\"spend\":{\"brands\":[1,2]}}", NOV29_0H + 10);
	assert_int_equal(m->spend_state, SPEND_UNREPORTED);
	model_free(m);
}

static void
test_schedules_keep_selection(void **state)
{
	struct model *m = model_new();
	cJSON        *a =
	    cJSON_Parse("{\"schedules\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
	cJSON *b = cJSON_Parse(
	    "{\"schedules\":[{\"id\":\"new\"},{\"id\":\"a\"},{\"id\":\"b\"}]}");

	(void)state;
	model_schedules_reply(m, a);
	m->view = VIEW_SCHEDULES;
	model_nav(m, NAV_DOWN);
	assert_int_equal(m->sched.sel, 1);
	model_schedules_reply(m, b);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	                        model_schedule_selected(m), "id")),
	                    "b");
	m->stale = 0;
	feed(m, 1, "schedule_paused", NULL, NULL, 0, "{\"schedule\":\"b\"}");
	assert_true(m->stale & STALE_SCHEDULES);
	cJSON_Delete(a);
	cJSON_Delete(b);
	model_free(m);
}

static void
test_panes(void **state)
{
	struct pane p = { 0, 0, 5, 0 };

	(void)state;
	p.sel = 12;
	model_pane_fix(&p, 20);
	assert_int_equal(p.top, 8);
	p.sel = 30;
	model_pane_fix(&p, 20);
	assert_int_equal(p.sel, 19);
	assert_int_equal(p.top, 15);
	model_pane_fix(&p, 0);
	assert_int_equal(p.sel, 0);
	assert_int_equal(p.top, 0);
}

static void
test_keys(void **state)
{
	size_t                    n, i;
	const struct key_binding *k;
	int                       v;

	(void)state;
	/* g regenerates in Approvals and goes to the top elsewhere. */
	assert_int_equal(keys_lookup(VIEW_APPROVALS, 'g'), A_REGENERATE);
	assert_int_equal(keys_lookup(VIEW_EXECS, 'g'), A_HOME);
	assert_int_equal(keys_lookup(VIEW_SCHEDULES, 't'), A_TRIGGER);
	assert_int_equal(keys_lookup(VIEW_EXECS, 't'), A_NONE);
	assert_int_equal(keys_lookup(VIEW_DETAIL, 27), A_BACK);
	assert_int_equal(keys_lookup(VIEW_PUBS, '5'), A_VIEW_PUBS);
	/* Each view's keys are told apart, and every group has help. */
	for (v = 0; v < VIEW_COUNT; v++) {
		k = keys_view((enum view)v, &n);
		assert_non_null(keys_view_name((enum view)v));
		for (i = 0; i < n; i++) {
			size_t j;

			for (j = i + 1; j < n; j++)
				assert_int_not_equal(k[i].key, k[j].key);
		}
		assert_true(n == 0 || k[0].label != NULL);
		for (i = 0; i < n; i++)
			assert_true(k[i].label == NULL || k[i].help != NULL);
	}
	k = keys_global(&n);
	for (i = 0; i < n; i++)
		assert_true(k[i].label == NULL || k[i].help != NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retries_counted_once),
		cmocka_unit_test(test_row_newer_than_event),
		cmocka_unit_test(test_status_events),
		cmocka_unit_test(test_gap_detection),
		cmocka_unit_test(test_seq_goes_back),
		cmocka_unit_test(test_new_executions),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_paging_window),
		cmocka_unit_test(test_pages_never_repeat_rows),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_approvals),
		cmocka_unit_test(test_approval_round),
		cmocka_unit_test(test_approvals_keep_selection),
		cmocka_unit_test(test_pubs_full),
		cmocka_unit_test(test_spend),
		cmocka_unit_test(test_schedules_keep_selection),
		cmocka_unit_test(test_panes),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
