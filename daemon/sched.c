/*
 * sched: schedules' specs and fire-time arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/tz.h"
#include "common/util.h"
#include "daemon/sched.h"
#include "db/store.h"

const char *const overlap_names[] = { "skip", "buffer_one", "allow_all", NULL };

void
schedule_free(struct schedule *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncron; i++)
		free(s->exprs[i]);
	free(s->exprs);
	free(s->crons);
	tz_free(s->tz);
	free(s->id);
	free(s->workflow);
	free(s->input);
	free(s->cron);
	free(s->timezone);
	free(s->source);
	free(s->note);
	free(s);
}

struct schedule *
schedule_from_row(const struct store_sched     *r,
                  const struct workflow *const *types, char **cause)
{
	struct schedule *s = xcalloc(1, sizeof *s);
	cJSON           *arr = NULL, *it;
	char            *why = NULL;
	int              i;

	s->id = xstrdup(r->id);
	s->workflow = xstrdup(r->workflow);
	s->wf = types != NULL ? workflow_find(types, r->workflow) : NULL;
	s->input = xstrdup(r->input);
	s->cron = xstrdup(r->cron);
	s->timezone = xstrdup(r->timezone != NULL ? r->timezone : "UTC");
	s->catchup_ms = r->catchup_ms;
	s->jitter_ms = r->jitter_ms;
	s->source = xstrdup(r->source != NULL ? r->source : "api");
	s->paused = r->paused;
	s->note = xstrdup(r->note);
	s->cursor_at = r->cursor_at;
	s->buffered_at = r->buffered_at;
	s->created_at = r->created_at;
	for (i = 0; overlap_names[i] != NULL; i++)
		if (r->overlap != NULL &&
		    strcmp(r->overlap, overlap_names[i]) == 0)
			break;
	if (overlap_names[i] == NULL) {
		xasprintf(cause, "overlap: expected skip, buffer_one or "
		                 "allow_all");
		goto fail;
	}
	s->overlap = (enum overlap)i;
	arr = json_parse(r->cron, strlen(r->cron), NULL);
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		xasprintf(cause, "cron: expected at least one expression");
		goto fail;
	}
	s->exprs = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof *s->exprs);
	s->crons = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof *s->crons);
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it) ||
		    cron_parse(it->valuestring, &s->crons[s->ncron], &why) !=
		        0) {
			xasprintf(cause, "cron[%d]: %s", s->ncron,
			          why != NULL ? why : "expected a string");
			free(why);
			goto fail;
		}
		s->exprs[s->ncron++] = xstrdup(it->valuestring);
	}
	if ((s->tz = tz_load(s->timezone, &why)) == NULL) {
		xasprintf(cause, "timezone: %s", why);
		free(why);
		goto fail;
	}
	cJSON_Delete(arr);
	s->next_at = schedule_next(s, s->cursor_at);
	return s;
fail:
	cJSON_Delete(arr);
	schedule_free(s);
	return NULL;
}

int64_t
schedule_next(const struct schedule *s, int64_t after)
{
	int64_t best = -1, t;
	int     i;

	/* Cron works in whole seconds; fires are on minute boundaries. */
	for (i = 0; i < s->ncron; i++) {
		t = cron_next(&s->crons[i], s->tz,
		              after >= 0 ? after / 1000
		                         : -((-after + 999) / 1000));
		if (t >= 0 && (best < 0 || t * 1000 < best))
			best = t * 1000;
	}
	return best;
}

int64_t
schedule_due(const struct schedule *s, int64_t t)
{
	uint64_t    h = 1469598103934665603ULL;
	const char *p;
	int         i;

	if (s->jitter_ms <= 0)
		return t;
	for (p = s->id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (i = 0; i < 8; i++)
		h = (h ^ (uint64_t)((t >> (8 * i)) & 0xff)) * 1099511628211ULL;
	return t + (int64_t)(h % (uint64_t)(s->jitter_ms + 1));
}

char *
schedule_exec_id(const struct schedule *s, int64_t t)
{
	time_t    sec = (time_t)(t / 1000);
	struct tm tm;
	char      ts[32], *id;

	gmtime_r(&sec, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	xasprintf(&id, "%s-%s", s->id, ts);
	return id;
}

void
schedule_to_row(const struct schedule *s, struct store_sched *r)
{
	memset(r, 0, sizeof *r);
	r->id = s->id;
	r->workflow = s->workflow;
	r->input = s->input;
	r->cron = s->cron;
	r->timezone = s->timezone;
	r->overlap = overlap_names[s->overlap];
	r->catchup_ms = s->catchup_ms;
	r->jitter_ms = s->jitter_ms;
	r->source = s->source;
	r->paused = s->paused;
	r->note = s->note;
	r->cursor_at = s->cursor_at;
	r->buffered_at = s->buffered_at;
	r->created_at = s->created_at;
	r->updated_at = clock_ms();
}
