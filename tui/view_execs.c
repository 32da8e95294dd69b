/*
 * view_execs: the home screen, the executions newest first, live: id,
 * type, brand, status (coloured), the step to look at (marked when in
 * doubt), retries, age and duration. Columns give way on narrow
 * terminals (under 120 columns, type and duration go, so the ids fit).
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tui/text.h"
#include "tui/view.h"

struct cols {
	int id, type, brand, status, step, rt, age, dur;
};

static struct cols
layout(int w)
{
	struct cols c;

	if (w >= 140)
		c = (struct cols){ 0, 22, 10, 16, 24, 3, 9, 9 };
	else if (w >= 120)
		c = (struct cols){ 0, 14, 9, 16, 14, 3, 8, 8 };
	else /* the status keeps its 16: waiting_approval */
		c = (struct cols){ 0, 0, 8, 16, 12, 3, 7, 0 };
	/* 2 for the in-doubt mark, a space after each column. */
	c.id = w - 2 - (c.type ? c.type + 1 : 0) - (c.brand + 1) -
	       (c.status + 1) - (c.step + 1) - (c.rt + 1) - c.age -
	       (c.dur ? c.dur + 1 : 0) - 1;
	if (c.id < 8)
		c.id = 8;
	return c;
}

/* Draws one line of cells; texts NULL are blank. */
static void
draw_row(WINDOW *win, int y, int x, const struct cols *c, const char *mark,
         attr_t mark_attr, const char *const cell[8], const attr_t attr[8],
         attr_t base)
{
	int widths[8] = { c->id,   c->type, c->brand, c->status,
		          c->step, c->rt,   c->age,   c->dur };
	int i;

	view_fill(win, y, x, 2, base);
	view_text(win, y, x, 2, mark, mark_attr);
	x += 2;
	for (i = 0; i < 8; i++) {
		if (widths[i] == 0)
			continue;
		view_cell(win, y, x, widths[i], cell[i], attr[i], i >= 5);
		x += widths[i];
		view_fill(win, y, x, 1, base);
		x++;
	}
}

static void
title_line(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	const cJSON        *it;
	char                buf[256];
	int                 x = a.x, total = 0;

	x += view_text(win, a.y, x, a.w, "Executions",
	               theme_attr(c->t, ROLE_TITLE));
	if (m->f_status != NULL) {
		snprintf(buf, sizeof buf, "  status=%s", m->f_status);
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, ROLE_KEY));
	}
	if (m->f_match != NULL) {
		snprintf(buf, sizeof buf, "  /%s", m->f_match);
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, ROLE_KEY));
	}
	cJSON_ArrayForEach(it, m->counts) if (cJSON_IsNumber(it)) total +=
	    it->valueint;
	if (m->counts != NULL) {
		snprintf(buf, sizeof buf, "  %d in all", total);
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, ROLE_DIM));
	}
	cJSON_ArrayForEach(it, m->counts)
	{
		if (!cJSON_IsNumber(it) || strcmp(it->string, "completed") == 0)
			continue;
		snprintf(buf, sizeof buf, "  %s %d", it->string, it->valueint);
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, theme_status(it->string)));
	}
	if (m->newer > 0) {
		snprintf(buf, sizeof buf, "  %s %d newer (g)", view_g_up,
		         m->newer);
		view_text(win, a.y, x, a.x + a.w - x, buf,
		          theme_attr(c->t, ROLE_MESSAGE));
	}
}

void
view_execs_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	static const char *const head[8] = { "ID",   "TYPE", "BRAND", "STATUS",
		                             "STEP", "RT",   "AGE",   "DUR" };
	const struct model      *m = c->m;
	struct cols              cl = layout(a.w);
	attr_t                   ha[8];
	int                      i, y;

	if (a.h < 3)
		return;
	title_line(win, a, c);
	for (i = 0; i < 8; i++)
		ha[i] = theme_attr(c->t, ROLE_HEADER);
	draw_row(win, a.y + 1, a.x, &cl, NULL, A_NORMAL, head, ha, A_NORMAL);
	if (m->nrows == 0) {
		const char *why =
		    !m->ever_connected ? "Waiting for heraldd…"
		    : !m->loaded       ? "Loading…"
		    : m->f_status != NULL || m->f_match != NULL
		        ? "No executions match the filters (Esc clears them)."
		        : "No executions yet. Start one with :workflow start "
		          "--type diagnostic";
		view_text(win, a.y + 3, a.x + 2, a.w - 2, why,
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	for (i = m->execs.top, y = a.y + 2; i < m->nrows && y < a.y + a.h;
	     i++, y++) {
		const struct exec_row *r = &m->rows[i];
		const char            *cell[8];
		attr_t                 at[8];
		char                   rt[16], age[32], dur[32];
		int                    sel = i == m->execs.sel, k;
		attr_t  base = sel ? theme_attr(c->t, ROLE_SELECTED) : A_NORMAL;
		int64_t end = r->closed_at > 0 ? r->closed_at : c->now;

		snprintf(rt, sizeof rt, "%d", r->retries);
		text_duration(c->now - r->created_at, age, sizeof age);
		text_duration(end - r->created_at, dur, sizeof dur);
		cell[0] = r->id;
		cell[1] = r->type;
		cell[2] = r->brand != NULL ? r->brand : "-";
		cell[3] = r->status;
		cell[4] = r->step != NULL ? r->step : "";
		cell[5] = r->retries > 0 ? rt : "";
		cell[6] = r->created_at > 0 ? age : "";
		cell[7] = r->created_at > 0 ? dur : "";
		for (k = 0; k < 8; k++)
			at[k] = base;
		if (!sel) {
			at[3] = theme_attr(c->t, theme_status(r->status));
			if (r->retries > 0)
				at[5] = theme_attr(c->t, ROLE_WAITING);
			at[6] = at[7] = theme_attr(c->t, ROLE_DIM);
		}
		if (r->in_doubt && !sel)
			at[4] = theme_attr(c->t, ROLE_IN_DOUBT);
		draw_row(win, y, a.x, &cl, r->in_doubt ? view_g_doubt : NULL,
		         theme_attr(c->t, ROLE_IN_DOUBT), cell, at, base);
	}
}
