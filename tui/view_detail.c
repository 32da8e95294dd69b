/*
 * view_detail: one execution. The upper pane (or the left one, on a wide
 * terminal) has its header, the steps as a table (status, attempt/max,
 * next retry in, duration, last error) and what the steps produced: the
 * photo's key and description, the caption in full, the posts, tokens
 * and cost. The other pane has the full event history. Both scroll; the
 * focused one is the one with the highlighted title.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/text.h"
#include "tui/view.h"

/* Draws logical lines into an area from line `top` on: lines above or
 * below the area are only counted. */
struct pen {
	WINDOW     *win;
	struct area a;
	int         top, line;
};

static int
pen_row(const struct pen *p)
{
	if (p->line < p->top || p->line >= p->top + p->a.h)
		return -1;
	return p->a.y + p->line - p->top;
}

static int
pen_text(struct pen *p, int x, int cols, const char *s, attr_t at)
{
	int y = pen_row(p);

	if (y < 0 || x >= p->a.w)
		return 0;
	if (x + cols > p->a.w)
		cols = p->a.w - x;
	return view_text(p->win, y, p->a.x + x, cols, s, at);
}

static void
pen_cell(struct pen *p, int x, int cols, const char *s, attr_t at, int right)
{
	int y = pen_row(p);

	if (y < 0 || x >= p->a.w)
		return;
	if (x + cols > p->a.w)
		cols = p->a.w - x;
	view_cell(p->win, y, p->a.x + x, cols, s, at, right);
}

/* Text wrapped from column x, each line on its own logical line. */
static void
pen_wrap(struct pen *p, int x, const char *s, attr_t at)
{
	struct text_line *lines;
	size_t            n, nl, i;
	wchar_t          *w = text_wide(s, strlen(s), &n);
	int               cols = p->a.w - x > 10 ? p->a.w - x : 10;

	nl = text_wrap(w, n, cols, &lines);
	for (i = 0; i < nl; i++) {
		int y = pen_row(p);

		if (y >= 0)
			view_wtext(p->win, y, p->a.x + x, p->a.w - x,
			           w + lines[i].off, lines[i].len, at);
		p->line++;
	}
	free(lines);
	free(w);
}

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double
jnum(const cJSON *o, const char *key, int *found)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		return 0;
	*found = 1;
	return v->valuedouble;
}

static void
labelled(struct pen *p, const struct view_ctx *c, const char *label,
         const char *text, attr_t at)
{
	pen_text(p, 0, 13, label, theme_attr(c->t, ROLE_HEADER));
	pen_wrap(p, 13, text, at);
}

/* What the steps produced, from the results' well-known keys. */
static void
content(struct pen *p, const struct view_ctx *c, const cJSON *steps)
{
	const cJSON *s, *r;
	const char  *photo = NULL, *desc = NULL, *caption = NULL, *model = NULL;
	double       in = 0, out = 0, cost = 0;
	int          tokens = 0, posts = 0, has;
	char         buf[512];

	cJSON_ArrayForEach(s, steps)
	{
		r = cJSON_GetObjectItemCaseSensitive(s, "result");
		if (!cJSON_IsObject(r))
			continue;
		if (jstr(r, "photo_key") != NULL)
			photo = jstr(r, "photo_key");
		else if (jstr(r, "key") != NULL && photo == NULL)
			photo = jstr(r, "key");
		if (jstr(r, "description") != NULL)
			desc = jstr(r, "description");
		if (jstr(r, "caption") != NULL)
			caption = jstr(r, "caption");
		has = 0;
		in += jnum(r, "input_tokens", &has);
		out += jnum(r, "output_tokens", &has);
		cost += jnum(r, "cost_usd", &has);
		/* The model named is the one that used tokens. */
		if (has) {
			tokens = 1;
			if (jstr(r, "model") != NULL)
				model = jstr(r, "model");
		}
	}
	if (photo != NULL)
		labelled(p, c, "Photo", photo, A_NORMAL);
	if (desc != NULL)
		labelled(p, c, "Description", desc, A_NORMAL);
	if (caption != NULL)
		labelled(p, c, "Caption", caption, A_BOLD);
	cJSON_ArrayForEach(s, steps)
	{
		r = cJSON_GetObjectItemCaseSensitive(s, "result");
		if (jstr(r, "post_id") == NULL && jstr(r, "permalink") == NULL)
			continue;
		snprintf(buf, sizeof buf, "%s  %s",
		         jstr(r, "post_id") ? jstr(r, "post_id") : "-",
		         jstr(r, "permalink") ? jstr(r, "permalink") : "");
		pen_text(p, 0, 13, posts++ == 0 ? "Posts" : "",
		         theme_attr(c->t, ROLE_HEADER));
		pen_text(p, 13, 11,
		         jstr(r, "channel") ? jstr(r, "channel")
		                            : jstr(s, "name"),
		         theme_attr(c->t, ROLE_KEY));
		pen_wrap(p, 24, buf, A_NORMAL);
	}
	if (tokens) {
		snprintf(buf, sizeof buf, "in %.0f, out %.0f, cost $%.4f%s%s%s",
		         in, out, cost, model ? " (" : "", model ? model : "",
		         model ? ")" : "");
		labelled(p, c, "Tokens", buf, A_NORMAL);
	}
}

static void
steps_table(struct pen *p, const struct view_ctx *c, const cJSON *steps)
{
	const cJSON *s;
	int          wname = 24, wide = p->a.w >= 100;
	int          xs = wname + 1, xa = xs + 11, xn = xa + 8, xd = xn + 12,
	    xe = xd + 9;
	char buf[64], nb[48];

	if (!wide) {
		wname = 18;
		xs = wname + 1;
		xa = xs + 11;
		xn = xa + 6;
		xd = xn + 11;
		xe = xd + 8;
	}
	pen_cell(p, 0, wname, "STEP", theme_attr(c->t, ROLE_HEADER), 0);
	pen_cell(p, xs, 10, "STATUS", theme_attr(c->t, ROLE_HEADER), 0);
	pen_cell(p, xa, xn - xa - 1, "TRY", theme_attr(c->t, ROLE_HEADER), 1);
	pen_cell(p, xn, xd - xn - 1, "NEXT TRY", theme_attr(c->t, ROLE_HEADER),
	         0);
	pen_cell(p, xd, xe - xd - 1, "TOOK", theme_attr(c->t, ROLE_HEADER), 1);
	pen_cell(p, xe, p->a.w - xe, "LAST ERROR",
	         theme_attr(c->t, ROLE_HEADER), 0);
	p->line++;
	cJSON_ArrayForEach(s, steps)
	{
		const char  *st = jstr(s, "status");
		const cJSON *max = cJSON_GetObjectItem(s, "max_attempts");
		int          found = 0;
		int64_t      t0, t1;
		double       used = jnum(s, "attempts_used", &found);

		if (!found)
			used = jnum(s, "attempt", &found);
		pen_text(p, 0, wname, jstr(s, "name"), A_NORMAL);
		pen_text(p, xs, 10, st, theme_attr(c->t, theme_status(st)));
		if (cJSON_IsNumber(max))
			snprintf(buf, sizeof buf, "%.0f/%d", used,
			         max->valueint);
		else
			snprintf(buf, sizeof buf, "%.0f", used);
		pen_cell(p, xa, xn - xa - 1, used > 0 ? buf : "", A_NORMAL, 1);
		if (jstr(s, "next_attempt_at") != NULL && st != NULL &&
		    strcmp(st, "retry_wait") == 0)
			pen_text(p, xn, xd - xn - 1,
			         view_in(c, jstr(s, "next_attempt_at"), nb,
			                 sizeof nb),
			         theme_attr(c->t, ROLE_WAITING));
		if (text_time(jstr(s, "started_at"), &t0) == 0) {
			if (st != NULL && strcmp(st, "running") == 0)
				t1 = c->now;
			else if (text_time(jstr(s, "finished_at"), &t1) != 0)
				t1 = t0;
			pen_cell(p, xd, xe - xd - 1,
			         text_duration(t1 - t0, nb, sizeof nb),
			         A_NORMAL, 1);
		}
		if (jstr(s, "last_error") != NULL)
			pen_text(p, xe, p->a.w - xe, jstr(s, "last_error"),
			         theme_attr(c->t,
			                    st != NULL &&
			                            strcmp(st, "completed") == 0
			                        ? ROLE_DIM
			                        : ROLE_ERROR));
		p->line++;
	}
}

/* Draws the pane from line top (with a.h 0: only counts the lines). */
static int
info_pane(WINDOW *win, struct area a, const struct view_ctx *c, int top)
{
	const struct model *m = c->m;
	const cJSON        *d = m->detail;
	struct pen          p = { win, a, top, 0 };
	char                buf[512], ago[48], took[48], *in;
	int64_t             t0, t1;

	if (d == NULL) {
		pen_text(
		    &p, 0, a.w,
		    m->detail_error != NULL ? m->detail_error : "Loading…",
		    theme_attr(c->t, m->detail_error ? ROLE_ERROR : ROLE_DIM));
		return 1;
	}
	pen_text(&p, 0, a.w - 18, jstr(d, "id"), A_BOLD);
	pen_text(&p,
	         text_width(jstr(d, "id")) + 2 < a.w - 18
	             ? text_width(jstr(d, "id")) + 2
	             : a.w - 17,
	         17, jstr(d, "status"),
	         theme_attr(c->t, theme_status(jstr(d, "status"))));
	p.line++;
	*took = '\0';
	if (text_time(jstr(d, "created_at"), &t0) == 0) {
		if (text_time(jstr(d, "closed_at"), &t1) != 0)
			t1 = c->now;
		snprintf(took, sizeof took, ", %s %s",
		         jstr(d, "closed_at") ? "took" : "running for",
		         text_duration(t1 - t0, ago, sizeof ago));
	}
	snprintf(buf, sizeof buf, "%s, brand %s, started %s%s%s%s",
	         jstr(d, "type") ? jstr(d, "type") : "?",
	         jstr(d, "brand") ? jstr(d, "brand") : "-",
	         view_ago(c, jstr(d, "created_at"), ago, sizeof ago), took,
	         jstr(d, "schedule") ? ", from schedule " : "",
	         jstr(d, "schedule") ? jstr(d, "schedule") : "");
	pen_wrap(&p, 0, buf, theme_attr(c->t, ROLE_DIM));
	if (jstr(d, "error") != NULL) {
		labelled(&p, c, "Error", jstr(d, "error"),
		         theme_attr(c->t, ROLE_ERROR));
	}
	p.line++;
	steps_table(&p, c, cJSON_GetObjectItem(d, "steps"));
	p.line++;
	content(&p, c, cJSON_GetObjectItem(d, "steps"));
	in = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "input"));
	labelled(&p, c, "Input", in != NULL ? in : "null",
	         theme_attr(c->t, ROLE_DIM));
	cJSON_free(in);
	return p.line;
}

static void
event_line(WINDOW *win, int y, int x, int w, const struct view_ctx *c,
           const cJSON *ev)
{
	const cJSON *data = cJSON_GetObjectItem(ev, "data");
	const char  *type = jstr(ev, "type"), *at = jstr(ev, "at");
	char         head[160], *d = NULL;
	const char  *tail = NULL;
	int          used;
	enum role    role = ROLE_NORMAL;

	if (type != NULL && (strstr(type, "failed") || strstr(type, "doubt")))
		role = strstr(type, "doubt") ? ROLE_IN_DOUBT : ROLE_FAILED;
	else if (type != NULL && strstr(type, "completed"))
		role = ROLE_COMPLETED;
	else if (type != NULL && strncmp(type, "approval", 8) == 0)
		role = ROLE_WAITING;
	snprintf(head, sizeof head, "%5.0f %.12s ",
	         cJSON_IsNumber(cJSON_GetObjectItem(ev, "seq"))
	             ? cJSON_GetObjectItem(ev, "seq")->valuedouble
	             : 0,
	         at != NULL && strlen(at) > 11 ? at + 11 : "");
	used = view_text(win, y, x, w, head, theme_attr(c->t, ROLE_DIM));
	used +=
	    view_text(win, y, x + used, w - used, type, theme_attr(c->t, role));
	if (jstr(ev, "step") != NULL) {
		const cJSON *att = cJSON_GetObjectItem(ev, "attempt");

		snprintf(head, sizeof head, " %s#%d", jstr(ev, "step"),
		         cJSON_IsNumber(att) ? att->valueint : 0);
		used += view_text(win, y, x + used, w - used, head, A_BOLD);
	}
	if (cJSON_IsObject(data) && jstr(data, "error") != NULL)
		tail = jstr(data, "error");
	else if (data != NULL && !cJSON_IsNull(data))
		tail = d = cJSON_PrintUnformatted(data);
	if (tail != NULL) {
		used += view_text(win, y, x + used, w - used, " ", A_NORMAL);
		view_text(win, y, x + used, w - used, tail, A_NORMAL);
	}
	cJSON_free(d);
}

static int
history_pane(WINDOW *win, struct area a, const struct view_ctx *c, int *topp)
{
	const cJSON *h = c->m->history;
	int          n = cJSON_GetArraySize(h), i, top = c->m->d_hist.top;

	if (c->m->d_follow)
		top = n - a.h;

	if (h == NULL) {
		view_text(win, a.y, a.x, a.w,
		          c->m->detail_error ? "" : "Loading…",
		          theme_attr(c->t, ROLE_DIM));
		return 0;
	}
	if (top > n - a.h)
		top = n - a.h;
	if (top < 0)
		top = 0;
	for (i = top; i < n && i - top < a.h; i++)
		event_line(win, a.y + i - top, a.x, a.w, c,
		           cJSON_GetArrayItem(h, i));
	*topp = top;
	return n;
}

static void
pane_title(WINDOW *win, int y, int x, int w, const struct view_ctx *c,
           const char *title, int focused, int top, int lines, int h)
{
	char buf[160];

	view_fill(win, y, x, w,
	          theme_attr(c->t, focused ? ROLE_TAB_ON : ROLE_HEADER));
	snprintf(buf, sizeof buf, " %s%s%s", title, top > 0 ? "  " : "",
	         top > 0 ? view_g_up : "");
	if (top + h < lines)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
		         "  %s %d more", view_g_down, lines - top - h);
	view_text(win, y, x, w, buf,
	          theme_attr(c->t, focused ? ROLE_TAB_ON : ROLE_HEADER));
}

void
view_detail_draw(WINDOW *win, struct area a, const struct view_ctx *c,
                 int *info_lines, int *info_height, int *hist_lines,
                 int *hist_height)
{
	const struct model *m = c->m;
	struct area         ia, ha, count;
	char                title[192];
	int                 itop = m->d_info.top, htop = 0;

	*info_lines = *hist_lines = 0;
	if (m->detail_id == NULL) {
		view_text(win, a.y + 1, a.x + 2, a.w - 2,
		          "No execution open: select one in Executions (1) "
		          "and press Enter.",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	if (a.w >= 160) {
		ia = (struct area){ a.y + 1, a.x, a.h - 1, a.w * 3 / 5 - 1 };
		ha = (struct area){ a.y + 1, a.x + ia.w + 1, a.h - 1,
			            a.w - ia.w - 1 };
	} else {
		int hi = (a.h - 2) * 3 / 5;

		if (a.h - 2 - hi < 4)
			hi = a.h - 2 - 4;
		if (hi < 3)
			hi = 3;
		ia = (struct area){ a.y + 1, a.x, hi, a.w };
		ha = (struct area){ a.y + 2 + hi, a.x, a.h - 2 - hi, a.w };
	}
	if (ha.h < 1)
		ha.h = 0;
	*info_height = ia.h;
	*hist_height = ha.h;
	/* Counted first, so a pane scrolled past its end shows its last
	 * page rather than blank lines. */
	count = ia;
	count.h = 0;
	*info_lines = info_pane(win, count, c, 0);
	if (itop > *info_lines - ia.h)
		itop = *info_lines - ia.h;
	if (itop < 0)
		itop = 0;
	info_pane(win, ia, c, itop);
	if (ha.h > 0)
		*hist_lines = history_pane(win, ha, c, &htop);
	snprintf(title, sizeof title, "%s", m->detail_id);
	pane_title(win, a.y, a.x, a.w >= 160 ? ia.w : a.w, c, title,
	           m->d_focus == 0, itop, *info_lines, ia.h);
	snprintf(title, sizeof title, "History (%d events)", *hist_lines);
	if (ha.h > 0 || a.w >= 160)
		pane_title(win, a.w >= 160 ? a.y : ha.y - 1, ha.x, ha.w, c,
		           title, m->d_focus == 1, htop, *hist_lines, ha.h);
}
