/*
 * model: the console's state, built from replies and events.
 *
 * DESIGN
 * Every fetched thing carries the seq of the last event it reflects (a
 * list page's and describe's "seq", the history's own seqs), and an event
 * changes it only when the event is newer, so the race between a fetch
 * and the stream never counts an event twice (retries would). What the
 * model cannot work out from an event alone (a step's result, a
 * schedule's next fire, whether a row now passes the filter, the Claude
 * spend a completed step may have added) marks that thing stale, and the
 * console fetches it again.
 *
 * The executions list is a window of at most MODEL_WINDOW rows with
 * cursors past both ends, so 100,000 executions scroll with a few pages
 * held. A new execution is inserted only when the window is at the top;
 * otherwise it is counted, so the rows under the operator never move.
 *
 * last_seq detects gaps in the stream: an event more than one past it
 * means some were missed, and the console refreshes everything.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/model.h"
#include "tui/text.h"

static const char *const status_cycle[] = {
	"running",   "waiting_approval", "in_doubt", "failed",
	"completed", "cancelled",        "rejected",
};

/* Helpers for JSON from the daemon, which the model never trusts to have
 * the right types. */

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int64_t
jint(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	/* Out of int64_t's range (or NaN) the cast is undefined. */
	return cJSON_IsNumber(v) && v->valuedouble > -9e15 &&
	               v->valuedouble < 9e15
	           ? (int64_t)v->valuedouble
	           : 0;
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int64_t
jtime(const cJSON *o, const char *key)
{
	int64_t ms;

	return text_time(jstr(o, key), &ms) == 0 ? ms : 0;
}

static void
set_str(char **dst, const char *v)
{
	char *tmp = xstrdup(v);

	free(*dst);
	*dst = tmp;
}

/* Replaces (or adds) o[key] with a string or null. */
static void
jset_str(cJSON *o, const char *key, const char *v)
{
	cJSON *item = v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull();

	if (cJSON_GetObjectItemCaseSensitive(o, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
	else
		cJSON_AddItemToObject(o, key, item);
}

static void
jset_num(cJSON *o, const char *key, double v)
{
	cJSON *item = cJSON_CreateNumber(v);

	if (cJSON_GetObjectItemCaseSensitive(o, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
	else
		cJSON_AddItemToObject(o, key, item);
}

struct model *
model_new(void)
{
	struct model *m = xcalloc(1, sizeof *m);

	m->stale = STALE_ALL;
	m->refreshing = 1;
	m->execs.height = m->d_info.height = m->d_hist.height = 10;
	m->appr.height = m->sched.height = m->pubs_pane.height = 10;
	return m;
}

static void
row_fini(struct exec_row *r)
{
	free(r->id);
	free(r->type);
	free(r->brand);
	free(r->status);
	free(r->step);
	free(r->error);
	free(r->schedule);
	memset(r, 0, sizeof *r);
}

static void
rows_clear(struct model *m)
{
	int i;

	for (i = 0; i < m->nrows; i++)
		row_fini(&m->rows[i]);
	free(m->rows);
	m->rows = NULL;
	m->nrows = 0;
}

static void
spend_clear(struct model *m)
{
	int i;

	for (i = 0; i < m->nspend; i++)
		free(m->spend[i].brand);
	free(m->spend);
	m->spend = NULL;
	m->nspend = 0;
	set_str(&m->spend_day, NULL);
	set_str(&m->spend_month, NULL);
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	rows_clear(m);
	spend_clear(m);
	free(m->daemon);
	cJSON_Delete(m->counts);
	free(m->f_status);
	free(m->f_match);
	free(m->detail_id);
	cJSON_Delete(m->detail);
	cJSON_Delete(m->history);
	free(m->detail_error);
	cJSON_Delete(m->approvals);
	cJSON_Delete(m->schedules);
	cJSON_Delete(m->pubs);
	free(m->message);
	free(m);
}

void
model_connected(struct model *m, int up)
{
	if (up && !m->connected)
		model_refresh(m);
	m->connected = up;
	if (up)
		m->ever_connected = 1;
}

void
model_refresh(struct model *m)
{
	m->stale = STALE_ALL;
	m->refreshing = 1;
}

/* status's spend: {day, month, brands: {<brand>: {...}}}. A reply
 * without it (an older daemon) says so rather than showing nothing. */
static void
spend_from(struct model *m, const cJSON *sp, int64_t now_ms)
{
	const cJSON *brands = cJSON_GetObjectItemCaseSensitive(sp, "brands");
	const cJSON *b;
	int          n = 0;

	spend_clear(m);
	m->spend_at = now_ms;
	if (!cJSON_IsObject(brands)) {
		m->spend_state = SPEND_UNREPORTED;
		return;
	}
	m->spend_state = SPEND_OK;
	m->spend_day = xstrdup(jstr(sp, "day"));
	m->spend_month = xstrdup(jstr(sp, "month"));
	m->spend =
	    xcalloc((size_t)cJSON_GetArraySize(brands) + 1, sizeof *m->spend);
	cJSON_ArrayForEach(b, brands)
	{
		struct spend_row *row = &m->spend[n];

		if (!cJSON_IsObject(b) || b->string == NULL)
			continue;
		row->brand = xstrdup(b->string);
		row->today_usd = jnum(b, "today_usd");
		row->today_calls = jint(b, "today_calls");
		row->month_usd = jnum(b, "month_usd");
		row->month_calls = jint(b, "month_calls");
		row->month_in = jint(b, "month_input_tokens");
		row->month_out = jint(b, "month_output_tokens");
		n++;
	}
	m->nspend = n;
}

void
model_status_reply(struct model *m, const cJSON *r, int64_t now_ms)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "executions");
	char        *d;

	xasprintf(&d, "heraldd %s",
	          jstr(r, "version") ? jstr(r, "version") : "?");
	free(m->daemon);
	m->daemon = d;
	cJSON_Delete(m->counts);
	m->counts = cJSON_IsObject(ex) ? cJSON_Duplicate(ex, 1) : NULL;
	spend_from(m, cJSON_GetObjectItemCaseSensitive(r, "spend"), now_ms);
	m->stale &= ~(STALE_STATUS | STALE_SPEND);
}

#define DAY_MS (24 * 60 * 60 * 1000LL)

void
model_clock(struct model *m, int64_t now_ms)
{
	/* Our clock, not the daemon's day: a console whose clock is a
	 * little off asks once after its midnight, never again and again. */
	if (m->spend_state != SPEND_UNKNOWN &&
	    now_ms / DAY_MS != m->spend_at / DAY_MS)
		m->stale |= STALE_SPEND;
}

void
model_spend_total(const struct model *m, struct spend_row *out)
{
	int i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < m->nspend; i++) {
		out->today_usd += m->spend[i].today_usd;
		out->today_calls += m->spend[i].today_calls;
		out->month_usd += m->spend[i].month_usd;
		out->month_calls += m->spend[i].month_calls;
		out->month_in += m->spend[i].month_in;
		out->month_out += m->spend[i].month_out;
	}
}

void
model_baseline(struct model *m, int64_t seq)
{
	/* The daemon's word, even backwards: a daemon back with a new
	 * store counts from its own seq, and keeping ours would drop its
	 * every event as already seen. */
	m->last_seq = seq;
	m->refreshing = 0;
}

/* Filters. */

int
model_row_matches(const struct model *m, const char *id, const char *type,
                  const char *brand, const char *status)
{
	const char *t = m->f_match;

	if (m->f_status != NULL &&
	    (status == NULL || strcmp(status, m->f_status) != 0))
		return 0;
	if (t == NULL)
		return 1;
	return (id != NULL && strcasestr(id, t) != NULL) ||
	       (type != NULL && strcasestr(type, t) != NULL) ||
	       (brand != NULL && strcasestr(brand, t) != NULL);
}

static void
filter_changed(struct model *m)
{
	m->want = PAGE_TOP;
	m->newer = 0;
}

void
model_filter_status(struct model *m, const char *status)
{
	set_str(&m->f_status, status);
	filter_changed(m);
}

void
model_filter_match(struct model *m, const char *text)
{
	set_str(&m->f_match, text != NULL && *text != '\0' ? text : NULL);
	filter_changed(m);
}

const char *
model_next_status(const char *status, int dir)
{
	int n = (int)nitems(status_cycle), i;

	/* Positions: -1 is "any", then the cycle. */
	for (i = 0; i < n && status != NULL; i++)
		if (strcmp(status_cycle[i], status) == 0)
			break;
	if (status == NULL)
		i = -1;
	i += dir > 0 ? 1 : -1;
	if (i == n)
		i = -1;
	else if (i < -1)
		i = n - 1;
	return i < 0 ? NULL : status_cycle[i];
}

/* The executions window. */

static struct exec_row *
find_row(const struct model *m, const char *id)
{
	int i;

	for (i = 0; id != NULL && i < m->nrows; i++)
		if (strcmp(m->rows[i].id, id) == 0)
			return &m->rows[i];
	return NULL;
}

static int
row_from_json(struct exec_row *r, const cJSON *o, int64_t seq)
{
	memset(r, 0, sizeof *r);
	if (jstr(o, "id") == NULL)
		return -1;
	r->id = xstrdup(jstr(o, "id"));
	r->type = xstrdup(jstr(o, "type"));
	r->brand = xstrdup(jstr(o, "brand"));
	r->status = xstrdup(jstr(o, "status"));
	r->step = xstrdup(jstr(o, "step"));
	r->error = xstrdup(jstr(o, "error"));
	r->schedule = xstrdup(jstr(o, "schedule"));
	r->created_at = jtime(o, "created_at");
	r->closed_at = jtime(o, "closed_at");
	r->cursor = jint(o, "cursor");
	r->retries = (int)jint(o, "retries");
	r->in_doubt =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "in_doubt"));
	r->seq = seq;
	return 0;
}

/* The cursor of the window's first row, or of the first below it that
 * has one (a row an event put on top has none until the next reload). */
static int64_t
first_cursor(const struct model *m)
{
	int i;

	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].cursor > 0)
			return m->rows[i].cursor;
	return 0;
}

cJSON *
model_list_params(const struct model *m, enum page p)
{
	cJSON  *o = cJSON_CreateObject();
	int     limit = MODEL_PAGE;
	int64_t first = first_cursor(m);

	if (m->f_status != NULL)
		cJSON_AddStringToObject(o, "status", m->f_status);
	if (m->f_match != NULL)
		cJSON_AddStringToObject(o, "match", m->f_match);
	switch (p) {
	case PAGE_NONE:
		cJSON_Delete(o);
		return NULL;
	case PAGE_TOP:
		break;
	case PAGE_BOTTOM:
		cJSON_AddNumberToObject(o, "before", 0);
		break;
	case PAGE_OLDER:
		if (m->next <= 0) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddNumberToObject(o, "after", (double)m->next);
		break;
	case PAGE_NEWER:
		if (m->prev <= 0) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddNumberToObject(o, "before", (double)m->prev);
		break;
	case PAGE_RELOAD:
		/* The same rows again: from the first (or the top, where new
		 * executions come in). */
		limit = m->nrows < MODEL_PAGE     ? MODEL_PAGE
		        : m->nrows > MODEL_WINDOW ? MODEL_WINDOW
		                                  : m->nrows;
		if (m->prev > 0 && first > 0)
			cJSON_AddNumberToObject(o, "after",
			                        (double)(first + 1));
		break;
	}
	cJSON_AddNumberToObject(o, "limit", limit);
	return o;
}

/* Drops n rows from the top (top != 0) or the bottom of the window. */
static void
evict(struct model *m, int n, int top)
{
	int i;

	if (n <= 0)
		return;
	if (top) {
		for (i = 0; i < n; i++)
			row_fini(&m->rows[i]);
		memmove(m->rows, m->rows + n,
		        (size_t)(m->nrows - n) * sizeof *m->rows);
		m->nrows -= n;
		m->execs.sel -= n;
		m->execs.top -= n;
		m->prev = first_cursor(m);
	} else {
		for (i = m->nrows - n; i < m->nrows; i++)
			row_fini(&m->rows[i]);
		m->nrows -= n;
		m->next = m->rows[m->nrows - 1].cursor;
	}
}

void
model_list_reply(struct model *m, enum page p, const cJSON *res)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "executions");
	const cJSON *it;
	struct exec_row *rows, r;
	int64_t          seq = jint(res, "seq");
	int              n = 0, cap = cJSON_GetArraySize(arr), i, k;
	char            *keep = NULL;
	int              old_sel = m->execs.sel;

	rows = xcalloc((size_t)cap + 1, sizeof *rows);
	cJSON_ArrayForEach(it, arr)
	{
		/* A page never repeats a row the window holds. */
		if (row_from_json(&r, it, seq) != 0)
			continue;
		if ((p == PAGE_OLDER || p == PAGE_NEWER) &&
		    find_row(m, r.id) != NULL) {
			row_fini(&r);
			continue;
		}
		rows[n++] = r;
	}
	switch (p) {
	case PAGE_NONE:
		break;
	case PAGE_TOP:
	case PAGE_BOTTOM:
	case PAGE_RELOAD:
		/* The operator's place: the same execution, unless the
		 * operator watches the newest (the top row at the top). */
		if (p == PAGE_RELOAD && model_selected(m) != NULL &&
		    (m->execs.sel > 0 || m->execs.top > 0 || m->prev > 0))
			keep = xstrdup(model_selected(m)->id);
		rows_clear(m);
		m->rows = rows;
		m->nrows = n;
		rows = NULL;
		m->next = jint(res, "next");
		m->prev = jint(res, "prev");
		if (m->prev <= 0)
			m->newer = 0;
		if (p == PAGE_TOP)
			m->execs.sel = m->execs.top = 0;
		else if (p == PAGE_BOTTOM)
			m->execs.sel = n - 1;
		else {
			/* The same execution if it is still there, else the
			 * same line. */
			m->execs.sel = old_sel;
			for (i = 0; keep != NULL && i < n; i++)
				if (strcmp(m->rows[i].id, keep) == 0)
					m->execs.sel = i;
		}
		m->loaded = 1;
		m->stale &= ~STALE_LIST;
		break;
	case PAGE_OLDER:
		m->rows = xrealloc(m->rows, (size_t)(m->nrows + n + 1) *
		                                sizeof *m->rows);
		memcpy(m->rows + m->nrows, rows, (size_t)n * sizeof *rows);
		m->nrows += n;
		m->next = jint(res, "next");
		if (m->nrows > MODEL_WINDOW)
			evict(m, m->nrows - MODEL_WINDOW, 1);
		break;
	case PAGE_NEWER:
		m->rows = xrealloc(m->rows, (size_t)(m->nrows + n + 1) *
		                                sizeof *m->rows);
		memmove(m->rows + n, m->rows,
		        (size_t)m->nrows * sizeof *m->rows);
		memcpy(m->rows, rows, (size_t)n * sizeof *rows);
		m->nrows += n;
		m->execs.sel += n;
		m->execs.top += n;
		m->prev = jint(res, "prev");
		if (m->prev <= 0)
			m->newer = 0;
		k = m->nrows - MODEL_WINDOW;
		if (k > 0)
			evict(m, k, 0);
		break;
	}
	free(rows);
	free(keep);
	model_pane_fix(&m->execs, m->nrows);
}

const struct exec_row *
model_selected(const struct model *m)
{
	if (m->execs.sel < 0 || m->execs.sel >= m->nrows)
		return NULL;
	return &m->rows[m->execs.sel];
}

/* A new execution at the top of the window. */
static void
insert_top(struct model *m, const cJSON *ev, int64_t seq)
{
	struct exec_row r;

	memset(&r, 0, sizeof r);
	r.id = xstrdup(jstr(ev, "execution"));
	r.type = xstrdup(jstr(ev, "workflow"));
	r.brand = xstrdup(jstr(ev, "brand"));
	r.status = xstrdup("running");
	r.created_at = jtime(ev, "at");
	r.seq = seq;
	m->rows = xrealloc(m->rows, (size_t)(m->nrows + 2) * sizeof *m->rows);
	memmove(m->rows + 1, m->rows, (size_t)m->nrows * sizeof *m->rows);
	m->rows[0] = r;
	m->nrows++;
	/* An operator watching the top (the newest selected) keeps
	 * watching it; otherwise the selection stays on its execution, and
	 * a list scrolled down does not move under the operator. */
	if (m->nrows > 1 && (m->execs.sel > 0 || m->execs.top > 0)) {
		m->execs.sel++;
		if (m->execs.top > 0)
			m->execs.top++;
	}
	if (m->nrows > MODEL_WINDOW)
		evict(m, m->nrows - MODEL_WINDOW, 0);
	model_pane_fix(&m->execs, m->nrows);
}

/* Applies an event of the execution and step topics to its row. */
static void
apply_row(struct model *m, struct exec_row *r, const char *type,
          const cJSON *ev)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
	const char  *step = jstr(ev, "step");
	int64_t      at = jtime(ev, "at");

	if (strcmp(type, "workflow_completed") == 0 ||
	    strcmp(type, "workflow_cancelled") == 0) {
		set_str(&r->status, type + strlen("workflow_"));
		r->closed_at = at;
		set_str(&r->step, NULL);
	} else if (strcmp(type, "workflow_failed") == 0) {
		set_str(&r->status, "failed");
		r->closed_at = at;
		set_str(&r->error, jstr(data, "error"));
	} else if (strcmp(type, "workflow_reset") == 0) {
		set_str(&r->status, "running");
		r->closed_at = 0;
		set_str(&r->error, NULL);
	} else if (strcmp(type, "step_started") == 0) {
		set_str(&r->step, step);
		if (jint(ev, "attempt") >= 2)
			r->retries++;
	} else if (strcmp(type, "step_failed") == 0)
		set_str(&r->step, step);
	else if (strcmp(type, "step_in_doubt") == 0) {
		set_str(&r->step, step);
		r->in_doubt = 1;
	} else if (strcmp(type, "step_completed") == 0) {
		/* Which step to show next (a parallel one may be running) is
		 * for the daemon to say. */
		if (r->step != NULL && step != NULL &&
		    strcmp(r->step, step) == 0) {
			set_str(&r->step, NULL);
			m->stale |= STALE_LIST;
		}
	} else if (strcmp(type, "step_resolved") == 0) {
		r->in_doubt = 0;
		m->stale |= STALE_LIST; /* another step may still be in doubt */
	} else if (strcmp(type, "approval_requested") == 0)
		set_str(&r->status, "waiting_approval");
	else if (strcmp(type, "approval_decided") == 0) {
		const char *d = jstr(data, "decision");

		if (d != NULL && strcmp(d, "rejected") == 0) {
			set_str(&r->status, "rejected");
			r->closed_at = at;
		} else if (d != NULL && (strcmp(d, "approved") == 0 ||
		                         strcmp(d, "regenerate") == 0))
			set_str(&r->status, "running");
		else
			m->stale |=
			    STALE_LIST; /* expired: the brand's action */
	} else if (strcmp(type, "step_timed_out") != 0)
		m->stale |= STALE_LIST; /* a type this console does not know */
}

static cJSON *
find_step(const cJSON *detail, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it,
	                   cJSON_GetObjectItemCaseSensitive(detail, "steps"))
	{
		const char *n = jstr(it, "name");

		if (n != NULL && name != NULL && strcmp(n, name) == 0)
			return it;
	}
	return NULL;
}

/* Applies an event to the open detail: at once what the event says, and
 * a fetch for what it does not (a step's result, steps a reset or a
 * cancel changed). */
static void
apply_detail(struct model *m, const char *type, const cJSON *ev, int64_t seq)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
	cJSON       *d = m->detail, *s = find_step(d, jstr(ev, "step"));
	const char  *at = jstr(ev, "at");

	if (d == NULL || seq <= jint(d, "seq"))
		return;
	jset_num(d, "seq", (double)seq);
	if (strncmp(type, "workflow_", 9) == 0) {
		if (strcmp(type, "workflow_reset") == 0)
			jset_str(d, "status", "running");
		else if (strcmp(type, "workflow_started") != 0)
			jset_str(d, "status", type + 9);
		if (strcmp(type, "workflow_failed") == 0)
			jset_str(d, "error", jstr(data, "error"));
		m->stale |= STALE_DETAIL;
		return;
	}
	if (strncmp(type, "approval_", 9) == 0) {
		m->stale |= STALE_DETAIL;
		return;
	}
	if (s == NULL)
		return;
	if (strcmp(type, "step_started") == 0) {
		jset_str(s, "status", "running");
		jset_num(s, "attempt", (double)jint(ev, "attempt"));
		jset_num(s, "attempts_used",
		         (double)jint(s, "attempts_used") + 1);
		jset_str(s, "started_at", at);
		jset_str(s, "finished_at", NULL);
		jset_str(s, "next_attempt_at", NULL);
	} else if (strcmp(type, "step_failed") == 0) {
		int final = cJSON_IsTrue(cJSON_GetObjectItem(data, "final"));

		jset_str(s, "status", final ? "failed" : "retry_wait");
		jset_str(s, "last_error", jstr(data, "error"));
		jset_str(s, "finished_at", at);
		jset_str(s, "next_attempt_at",
		         final ? NULL : jstr(data, "retry_at"));
	} else if (strcmp(type, "step_in_doubt") == 0) {
		jset_str(s, "status", "in_doubt");
		jset_str(s, "last_error", jstr(data, "error"));
	} else if (strcmp(type, "step_completed") == 0) {
		jset_str(s, "status", "completed");
		jset_str(s, "finished_at", at);
		m->stale |= STALE_DETAIL; /* its result */
	} else if (strcmp(type, "step_resolved") == 0) {
		const char *o = jstr(data, "outcome");

		jset_str(s, "status",
		         o != NULL && strcmp(o, "done") == 0 ? "completed"
		                                             : "pending");
		m->stale |= STALE_DETAIL;
	} else if (strcmp(type, "step_timed_out") != 0)
		m->stale |= STALE_DETAIL;
}

static void
append_history(struct model *m, const cJSON *ev, int64_t seq)
{
	const cJSON *last;
	cJSON       *e;

	if (m->history == NULL)
		return;
	last =
	    cJSON_GetArrayItem(m->history, cJSON_GetArraySize(m->history) - 1);
	if (last != NULL && seq <= jint(last, "seq"))
		return;
	e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "seq", (double)seq);
	jset_str(e, "at", jstr(ev, "at"));
	jset_str(e, "type", jstr(ev, "type"));
	jset_str(e, "step", jstr(ev, "step"));
	if (jint(ev, "attempt") > 0)
		cJSON_AddNumberToObject(e, "attempt",
		                        (double)jint(ev, "attempt"));
	else
		cJSON_AddNullToObject(e, "attempt");
	cJSON_AddItemToObject(
	    e, "data",
	    cJSON_GetObjectItem(ev, "data") != NULL
	        ? cJSON_Duplicate(cJSON_GetObjectItem(ev, "data"), 1)
	        : cJSON_CreateNull());
	cJSON_AddItemToArray(m->history, e);
	m->d_hist.count++;
}

static cJSON *
find_approval(const struct model *m, const char *exec, int *index)
{
	cJSON *it;
	int    i = 0;

	cJSON_ArrayForEach(it, m->approvals)
	{
		const char *x = jstr(it, "execution");

		if (x != NULL && exec != NULL && strcmp(x, exec) == 0) {
			if (index != NULL)
				*index = i;
			return it;
		}
		i++;
	}
	return NULL;
}

/* The selection follows its execution when the approvals change (one
 * added, one decided, the list fetched again); when it went, the
 * selection stays in place. keep: the execution selected before (caller
 * frees; NULL: none). */
static void
approvals_reselect(struct model *m, const char *keep)
{
	int i;

	if (keep != NULL && find_approval(m, keep, &i) != NULL)
		m->appr.sel = i;
	model_pane_fix(&m->appr, cJSON_GetArraySize(m->approvals));
}

/* The approvals list from its two events: idempotent, so a replayed
 * event changes nothing. */
static void
apply_approval(struct model *m, const char *type, const cJSON *ev)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
	const char  *exec = jstr(ev, "execution");
	cJSON       *a;
	int          i = -1;
	char        *keep;

	if (m->appr_state != APPR_OK || exec == NULL)
		return;
	keep = xstrdup(jstr(model_approval_selected(m), "execution"));
	if (strcmp(type, "approval_requested") == 0) {
		/* The event's attempt is the approval's round: a new round
		 * (a regenerated caption) replaces the old one in place. */
		if ((a = find_approval(m, exec, &i)) != NULL) {
			if (jint(ev, "attempt") <= jint(a, "round"))
				goto out;
			cJSON_DeleteItemFromArray(m->approvals, i);
		}
		a = cJSON_CreateObject();
		jset_str(a, "execution", exec);
		if (jint(ev, "attempt") > 0)
			jset_num(a, "round", (double)jint(ev, "attempt"));
		jset_str(a, "brand", jstr(ev, "brand"));
		jset_str(a, "caption", jstr(data, "caption"));
		jset_str(a, "photo_key", jstr(data, "photo_key"));
		jset_str(a, "description", jstr(data, "description"));
		jset_str(a, "since", jstr(ev, "at"));
		jset_str(a, "expires_at", jstr(data, "expires_at"));
		if (i >= 0 && i < cJSON_GetArraySize(m->approvals))
			cJSON_InsertItemInArray(m->approvals, i, a);
		else
			cJSON_AddItemToArray(m->approvals, a);
	} else if (strcmp(type, "approval_decided") == 0) {
		if (find_approval(m, exec, &i) != NULL)
			cJSON_DeleteItemFromArray(m->approvals, i);
	} else
		m->stale |= STALE_APPROVALS;
out:
	approvals_reselect(m, keep);
	free(keep);
}

int
model_event(struct model *m, const cJSON *ev)
{
	const char      *type = jstr(ev, "type"), *topic = jstr(ev, "topic");
	const char      *exec = jstr(ev, "execution");
	const cJSON     *seqv = cJSON_GetObjectItemCaseSensitive(ev, "seq");
	struct exec_row *r;
	int64_t          seq;
	int              gap = 0;

	if (!cJSON_IsNumber(seqv) || type == NULL ||
	    !(seqv->valuedouble >= 0 && seqv->valuedouble < 9e15))
		return 0;
	seq = (int64_t)seqv->valuedouble;
	if (topic == NULL)
		topic = "";
	/* During a refresh the stream is not checked for gaps: the fetches
	 * will cover what it misses. */
	if (!m->refreshing) {
		if (seq <= m->last_seq)
			return 0;
		gap = seq > m->last_seq + 1;
		m->last_seq = seq;
	}

	if (strcmp(topic, "schedule") == 0) {
		m->stale |= STALE_SCHEDULES;
		return gap;
	}
	if (strcmp(topic, "daemon") == 0) {
		/* A restart: anything may have changed while it was down. */
		if (strcmp(type, "daemon_started") == 0)
			m->stale = STALE_ALL;
		return gap;
	}
	if (exec == NULL)
		return gap;
	m->stale |= STALE_STATUS;
	/* Spend is recorded with a step's completion (a Claude call's
	 * cost is in its result), which the event does not carry. */
	if (strcmp(type, "step_completed") == 0)
		m->stale |= STALE_SPEND;
	r = find_row(m, exec);
	if (strcmp(type, "workflow_started") == 0) {
		if (r == NULL &&
		    model_row_matches(m, exec, jstr(ev, "workflow"),
		                      jstr(ev, "brand"), "running")) {
			if (m->loaded && m->prev <= 0) {
				insert_top(m, ev, seq);
				m->stale |= STALE_LIST; /* for its cursor */
			} else
				m->newer++;
		}
	} else if (r != NULL && seq > r->seq) {
		apply_row(m, r, type, ev);
		r->seq = seq;
		/* Left the status filter: gone at the next reload. */
		if (m->f_status != NULL && strcmp(r->status, m->f_status) != 0)
			m->stale |= STALE_LIST;
	} else if (r == NULL && m->f_status != NULL &&
	           (strncmp(type, "workflow_", 9) == 0 ||
	            strncmp(type, "approval_", 9) == 0))
		m->stale |= STALE_LIST; /* it may pass the filter now */
	if (strcmp(type, "workflow_completed") == 0 ||
	    strcmp(type, "workflow_failed") == 0 ||
	    strcmp(type, "workflow_cancelled") == 0) {
		m->stale |= STALE_SCHEDULES; /* last fire's outcome */
		if (jstr(ev, "brand") != NULL)
			m->stale |= STALE_PUBS | STALE_SPEND;
	}
	if (strcmp(topic, "approval") == 0)
		apply_approval(m, type, ev);
	if (m->detail_id != NULL && strcmp(m->detail_id, exec) == 0) {
		append_history(m, ev, seq);
		apply_detail(m, type, ev, seq);
	}
	return gap;
}

/* The detail. */

void
model_open_detail(struct model *m, const char *id)
{
	if (id != NULL && m->detail_id != NULL && strcmp(id, m->detail_id) == 0)
		return;
	set_str(&m->detail_id, id);
	cJSON_Delete(m->detail);
	cJSON_Delete(m->history);
	m->detail = m->history = NULL;
	set_str(&m->detail_error, NULL);
	memset(&m->d_info, 0, sizeof m->d_info);
	m->d_hist.top = m->d_hist.sel = 0;
	m->d_hist.count = 0;
	m->d_focus = 0;
	m->d_follow = 1;
	m->d_info.height = 10;
	if (id != NULL)
		m->stale |= STALE_DETAIL | STALE_HISTORY;
}

void
model_detail_reply(struct model *m, const cJSON *r)
{
	cJSON_Delete(m->detail);
	m->detail = cJSON_Duplicate(r, 1);
	set_str(&m->detail_error, NULL);
	m->stale &= ~STALE_DETAIL;
}

void
model_history_reply(struct model *m, const cJSON *r)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "events");

	cJSON_Delete(m->history);
	m->history =
	    cJSON_IsArray(ev) ? cJSON_Duplicate(ev, 1) : cJSON_CreateArray();
	m->stale &= ~STALE_HISTORY;
	m->d_hist.count = cJSON_GetArraySize(m->history);
}

void
model_detail_error(struct model *m, const char *message)
{
	set_str(&m->detail_error, message);
	m->stale &= ~(STALE_DETAIL | STALE_HISTORY);
}

/* Approvals, schedules, publications. */

void
model_approvals_reply(struct model *m, const cJSON *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "approvals");
	char *keep = xstrdup(jstr(model_approval_selected(m), "execution"));

	cJSON_Delete(m->approvals);
	m->approvals =
	    cJSON_IsArray(a) ? cJSON_Duplicate(a, 1) : cJSON_CreateArray();
	m->appr_state = APPR_OK;
	m->stale &= ~STALE_APPROVALS;
	approvals_reselect(m, keep);
	free(keep);
}

void
model_approvals_unavailable(struct model *m)
{
	cJSON_Delete(m->approvals);
	m->approvals = NULL;
	m->appr_state = APPR_UNAVAILABLE;
	m->stale &= ~STALE_APPROVALS;
}

int
model_approvals_waiting(const struct model *m)
{
	return m->appr_state == APPR_OK ? cJSON_GetArraySize(m->approvals) : 0;
}

const cJSON *
model_approval_selected(const struct model *m)
{
	return cJSON_GetArrayItem(m->approvals, m->appr.sel);
}

const cJSON *
model_approval_find(const struct model *m, const char *exec)
{
	return find_approval(m, exec, NULL);
}

int
model_approval_round(const cJSON *approval)
{
	int64_t r = jint(approval, "round");

	return r > 0 && r <= INT32_MAX ? (int)r : 0;
}

void
model_schedules_reply(struct model *m, const cJSON *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "schedules");
	const char  *keep = jstr(model_schedule_selected(m), "id");
	char        *k = xstrdup(keep);
	cJSON       *it;
	int          i = 0;

	cJSON_Delete(m->schedules);
	m->schedules =
	    cJSON_IsArray(a) ? cJSON_Duplicate(a, 1) : cJSON_CreateArray();
	cJSON_ArrayForEach(it, m->schedules)
	{
		if (k != NULL && jstr(it, "id") != NULL &&
		    strcmp(jstr(it, "id"), k) == 0)
			m->sched.sel = i;
		i++;
	}
	free(k);
	m->stale &= ~STALE_SCHEDULES;
	model_pane_fix(&m->sched, cJSON_GetArraySize(m->schedules));
}

const cJSON *
model_schedule_selected(const struct model *m)
{
	return cJSON_GetArrayItem(m->schedules, m->sched.sel);
}

void
model_pubs_reply(struct model *m, const cJSON *r, int asked)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "publications");

	cJSON_Delete(m->pubs);
	m->pubs =
	    cJSON_IsArray(a) ? cJSON_Duplicate(a, 1) : cJSON_CreateArray();
	m->pubs_full = cJSON_GetArraySize(m->pubs) >= asked;
	m->stale &= ~STALE_PUBS;
	model_pane_fix(&m->pubs_pane, cJSON_GetArraySize(m->pubs));
}

const cJSON *
model_pub_selected(const struct model *m)
{
	return cJSON_GetArrayItem(m->pubs, m->pubs_pane.sel);
}

/* Navigation. */

void
model_pane_fix(struct pane *p, int n)
{
	int h = p->height > 0 ? p->height : 1;

	if (p->sel >= n)
		p->sel = n - 1;
	if (p->sel < 0)
		p->sel = 0;
	if (p->top > p->sel)
		p->top = p->sel;
	if (p->sel >= p->top + h)
		p->top = p->sel - h + 1;
	if (p->top > n - h)
		p->top = n - h;
	if (p->top < 0)
		p->top = 0;
}

/* A pane that only scrolls (wrapped text): its top moves. */
static void
scroll(struct pane *p, enum nav nav)
{
	int h = p->height > 0 ? p->height : 1, max = p->count - h;

	switch (nav) {
	case NAV_UP:
		p->top--;
		break;
	case NAV_DOWN:
		p->top++;
		break;
	case NAV_PGUP:
		p->top -= h;
		break;
	case NAV_PGDN:
		p->top += h;
		break;
	case NAV_HOME:
		p->top = 0;
		break;
	case NAV_END:
		p->top = max;
		break;
	}
	if (p->top > max)
		p->top = max;
	if (p->top < 0)
		p->top = 0;
}

static void
select_move(struct pane *p, enum nav nav, int n)
{
	int h = p->height > 0 ? p->height : 1;

	switch (nav) {
	case NAV_UP:
		p->sel--;
		break;
	case NAV_DOWN:
		p->sel++;
		break;
	case NAV_PGUP:
		p->sel -= h;
		p->top -= h;
		break;
	case NAV_PGDN:
		p->sel += h;
		p->top += h;
		break;
	case NAV_HOME:
		p->sel = 0;
		break;
	case NAV_END:
		p->sel = n - 1;
		break;
	}
	model_pane_fix(p, n);
}

/* How near an end of the window the selection may come before the next
 * page is fetched: two screens, so a page key always finds rows. */
static int
page_ahead(const struct model *m)
{
	return m->execs.height * 2 > 20 ? m->execs.height * 2 : 20;
}

void
model_nav(struct model *m, enum nav nav)
{
	switch (m->view) {
	case VIEW_EXECS:
		if (nav == NAV_HOME && m->prev > 0) {
			m->want = PAGE_TOP;
			return;
		}
		if (nav == NAV_END && m->next > 0) {
			m->want = PAGE_BOTTOM;
			return;
		}
		select_move(&m->execs, nav, m->nrows);
		if (m->next > 0 && m->execs.sel >= m->nrows - page_ahead(m))
			m->want = PAGE_OLDER;
		else if (m->prev > 0 && m->execs.sel < page_ahead(m))
			m->want = PAGE_NEWER;
		break;
	case VIEW_DETAIL:
		scroll(m->d_focus ? &m->d_hist : &m->d_info, nav);
		/* The history keeps following its end while shown to it. */
		if (m->d_focus)
			m->d_follow =
			    m->d_hist.top + m->d_hist.height >= m->d_hist.count;
		break;
	case VIEW_APPROVALS:
		select_move(&m->appr, nav, cJSON_GetArraySize(m->approvals));
		break;
	case VIEW_SCHEDULES:
		select_move(&m->sched, nav, cJSON_GetArraySize(m->schedules));
		break;
	case VIEW_PUBS:
		select_move(&m->pubs_pane, nav, cJSON_GetArraySize(m->pubs));
		break;
	case VIEW_COUNT:
		break;
	}
}

void
model_message(struct model *m, int error, int64_t until_ms, const char *text)
{
	set_str(&m->message, text);
	m->message_error = error;
	m->message_until = until_ms;
}
