/*
 * view_schedules: every schedule: id, workflow, state (paused with its
 * note), next fire, last fire and its outcome; below, the selected one in
 * full: its spec in words, input and note.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tui/view.h"

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void
last_fire(const struct view_ctx *c, const cJSON *f, char *buf, size_t len)
{
	char ago[48];

	if (!cJSON_IsObject(f)) {
		snprintf(buf, len, "never");
		return;
	}
	snprintf(buf, len, "%s %s%s%s",
	         view_ago(c, jstr(f, "fire_at"), ago, sizeof ago),
	         jstr(f, "outcome") ? jstr(f, "outcome") : "?",
	         jstr(f, "execution_status") ? ", " : "",
	         jstr(f, "execution_status") ? jstr(f, "execution_status")
	                                     : "");
}

static void
details(WINDOW *win, struct area a, const struct view_ctx *c, const cJSON *s)
{
	char         buf[640], *in;
	int          y = a.y;
	int          paused = cJSON_IsTrue(cJSON_GetObjectItem(s, "paused"));
	const cJSON *lf = cJSON_GetObjectItem(s, "last_fire");

	view_fill(win, y, a.x, a.w, theme_attr(c->t, ROLE_HEADER));
	view_text(win, y++, a.x, a.w, jstr(s, "id"),
	          theme_attr(c->t, ROLE_HEADER));
	snprintf(buf, sizeof buf, "when   %s",
	         jstr(s, "description") ? jstr(s, "description") : "-");
	y += view_wrap(win, y, a.x, a.w, a.y + a.h - y, 0, buf, A_NORMAL);
	in = cJSON_PrintUnformatted(cJSON_GetObjectItem(s, "input"));
	snprintf(buf, sizeof buf, "input  %s, overlap %s", in ? in : "null",
	         jstr(s, "overlap") ? jstr(s, "overlap") : "-");
	cJSON_free(in);
	if (y < a.y + a.h)
		view_text(win, y++, a.x, a.w, buf, theme_attr(c->t, ROLE_DIM));
	if (cJSON_IsObject(lf) && y < a.y + a.h) {
		snprintf(buf, sizeof buf, "last   %s %s %s%s%s",
		         jstr(lf, "fire_at") ? jstr(lf, "fire_at") : "",
		         jstr(lf, "outcome") ? jstr(lf, "outcome") : "",
		         jstr(lf, "execution") ? jstr(lf, "execution") : "",
		         jstr(lf, "detail") ? ": " : "",
		         jstr(lf, "detail") ? jstr(lf, "detail") : "");
		view_text(win, y++, a.x, a.w, buf, theme_attr(c->t, ROLE_DIM));
	}
	if (jstr(s, "note") != NULL && y < a.y + a.h) {
		snprintf(buf, sizeof buf, "%s %s",
		         paused ? "paused:" : "note:  ", jstr(s, "note"));
		view_wrap(win, y, a.x, a.w, a.y + a.h - y, 0, buf,
		          theme_attr(c->t, paused ? ROLE_PAUSED : ROLE_NORMAL));
	}
}

void
view_schedules_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	int                 n = cJSON_GetArraySize(m->schedules), i, y, list_h;
	int    wid, wwf = 14, wst = 7, wnext = 12, wlast = a.w >= 100 ? 30 : 22;
	int    wnote;
	attr_t h = theme_attr(c->t, ROLE_HEADER);

	view_text(win, a.y, a.x, a.w, "Schedules",
	          theme_attr(c->t, ROLE_TITLE));
	if (m->schedules == NULL) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2, "Loading…",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	if (n == 0) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2,
		          "No schedules. Add one in the config or with "
		          ":schedule create.",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	wnote = a.w >= 140 ? 30 : 0;
	wid = a.w - wwf - wst - wnext - wlast - (wnote ? wnote + 1 : 0) - 4;
	if (wid < 10)
		wid = 10;
	list_h = view_list_rows(VIEW_SCHEDULES, a.h) + 1;
	y = a.y + 1;
	{
		int x = a.x;

		view_cell(win, y, x, wid, "ID", h, 0);
		x += wid + 1;
		view_cell(win, y, x, wwf, "WORKFLOW", h, 0);
		x += wwf + 1;
		view_cell(win, y, x, wst, "STATE", h, 0);
		x += wst + 1;
		view_cell(win, y, x, wnext, "NEXT", h, 0);
		x += wnext + 1;
		view_cell(win, y, x, wlast, "LAST", h, 0);
		x += wlast + 1;
		if (wnote)
			view_cell(win, y, x, wnote, "NOTE", h, 0);
	}
	for (i = m->sched.top, y = a.y + 2; i < n && y < a.y + 1 + list_h;
	     i++, y++) {
		const cJSON *s = cJSON_GetArrayItem(m->schedules, i);
		int          sel = i == m->sched.sel, x = a.x;
		int    paused = cJSON_IsTrue(cJSON_GetObjectItem(s, "paused"));
		attr_t base = sel ? theme_attr(c->t, ROLE_SELECTED) : A_NORMAL;
		char   buf[160];

		view_fill(win, y, a.x, a.w, base);
		view_cell(win, y, x, wid, jstr(s, "id"), base, 0);
		x += wid + 1;
		view_cell(win, y, x, wwf, jstr(s, "workflow"), base, 0);
		x += wwf + 1;
		view_cell(win, y, x, wst, paused ? "paused" : "active",
		          sel ? base
		              : theme_attr(c->t, paused ? ROLE_PAUSED
		                                        : ROLE_COMPLETED),
		          0);
		x += wst + 1;
		view_cell(
		    win, y, x, wnext,
		    paused ? "-"
		           : view_in(c, jstr(s, "next_fire"), buf, sizeof buf),
		    base, 0);
		x += wnext + 1;
		last_fire(c, cJSON_GetObjectItem(s, "last_fire"), buf,
		          sizeof buf);
		view_cell(win, y, x, wlast, buf, base, 0);
		x += wlast + 1;
		if (wnote && jstr(s, "note") != NULL)
			view_cell(win, y, x, a.x + a.w - x, jstr(s, "note"),
			          base, 0);
	}
	if (list_h < a.h - 1 && model_schedule_selected(m) != NULL)
		details(win,
		        (struct area){ a.y + 2 + list_h, a.x, a.h - 2 - list_h,
		                       a.w },
		        c, model_schedule_selected(m));
}
