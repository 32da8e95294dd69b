/*
 * view_publications: the Claude spend per brand, today and this month
 * (UTC, as the daemon counts every call), then what went out, newest
 * first, per brand and channel, with permalinks, tokens and cost; below,
 * the selected post's caption.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tui/view.h"

/* The spend block's column widths: brand, today, calls, month, calls,
 * tokens. */
static const int spend_w[6] = { 16, 12, 6, 14, 6, 16 };

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The brands the block lists on a screen h lines high: it takes at most
 * a third of it, so the publications keep the most room; the brands not
 * listed count in its total line. 0: no room for a block. */
static int
spend_shown(const struct model *m, int h)
{
	int room = h / 3 - 1 - (m->nspend > 1);

	if (m->spend_state != SPEND_OK || room < 1)
		return 0;
	return m->nspend < room ? m->nspend : room;
}

int
view_pubs_spend_lines(const struct model *m, int h)
{
	int shown = spend_shown(m, h);

	/* The column names, the brands, and their total when several. */
	return shown > 0 ? 1 + shown + (m->nspend > 1) : 0;
}

/* One line of the block: six cells from x, cut at the area's edge. */
static void
spend_line(WINDOW *win, int y, struct area a, const char *const cell[6],
           attr_t attr)
{
	int x = a.x + 2, i, w;

	for (i = 0; i < 6 && x < a.x + a.w; i++) {
		w = spend_w[i] < a.x + a.w - x ? spend_w[i] : a.x + a.w - x;
		view_cell(win, y, x, w, cell[i], attr, i > 0);
		x += spend_w[i] + 1;
	}
}

static void
spend_row_line(WINDOW *win, int y, struct area a, const char *label,
               const struct spend_row *r, attr_t attr)
{
	char        today[32], tc[24], month[32], mc[24], tok[48];
	const char *cell[6] = { label, today, tc, month, mc, tok };

	snprintf(today, sizeof today, "$%.4f", r->today_usd);
	snprintf(tc, sizeof tc, "%lld", (long long)r->today_calls);
	snprintf(month, sizeof month, "$%.4f", r->month_usd);
	snprintf(mc, sizeof mc, "%lld", (long long)r->month_calls);
	snprintf(tok, sizeof tok, "%lld/%lld", (long long)r->month_in,
	         (long long)r->month_out);
	spend_line(win, y, a, cell, attr);
}

/* The title line's spend part (from x), and the block below it. */
static void
spend_draw(WINDOW *win, struct area a, int x, const struct view_ctx *c)
{
	const struct model *m = c->m;
	struct spend_row    total;
	char                buf[96], today[32], month[32], label[48];
	const char         *head[6] = { "BRAND", today,   "CALLS",
		                        month,   "CALLS", "TOKENS IN/OUT" };
	int                 i, shown = spend_shown(m, a.h), y = a.y + 1;

	switch (m->spend_state) {
	case SPEND_UNKNOWN:
		view_text(win, a.y, x, a.x + a.w - x, "Claude spend: …",
		          theme_attr(c->t, ROLE_DIM));
		return;
	case SPEND_UNREPORTED:
		view_text(win, a.y, x, a.x + a.w - x,
		          "Claude spend: not reported by this daemon",
		          theme_attr(c->t, ROLE_DIM));
		return;
	case SPEND_OK:
		break;
	}
	if (m->nspend == 0) {
		snprintf(buf, sizeof buf, "Claude spend (UTC): none in %s",
		         m->spend_month ? m->spend_month : "this month");
		view_text(win, a.y, x, a.x + a.w - x, buf,
		          theme_attr(c->t, ROLE_KEY));
		return;
	}
	model_spend_total(m, &total);
	if (shown == 0) {
		/* No room for the block: the total on the title line. */
		snprintf(buf, sizeof buf,
		         "Claude spend (UTC): today $%.4f, month $%.4f",
		         total.today_usd, total.month_usd);
		view_text(win, a.y, x, a.x + a.w - x, buf,
		          theme_attr(c->t, ROLE_KEY));
		return;
	}
	view_text(win, a.y, x, a.x + a.w - x, "Claude spend per brand (UTC)",
	          theme_attr(c->t, ROLE_KEY));
	/* "TODAY 11-28", "MONTH 2026-11": which day and month the daemon
	 * counted. */
	snprintf(today, sizeof today, "TODAY %s",
	         m->spend_day && strlen(m->spend_day) == 10 ? m->spend_day + 5
	                                                    : "");
	snprintf(month, sizeof month, "MONTH %s",
	         m->spend_month ? m->spend_month : "");
	spend_line(win, y++, a, head, theme_attr(c->t, ROLE_HEADER));
	for (i = 0; i < shown; i++)
		spend_row_line(win, y++, a,
		               *m->spend[i].brand ? m->spend[i].brand
		                                  : "(no brand)",
		               &m->spend[i], A_NORMAL);
	if (m->nspend > 1) {
		snprintf(label, sizeof label, "all %d brands", m->nspend);
		spend_row_line(win, y, a, label, &total, A_BOLD);
	}
}

void
view_pubs_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	int                 n = cJSON_GetArraySize(m->pubs), i, y, x, list_h;
	int          wwhen = 11, wbrand = 10, wch = 9, wtok = 11, wcost = 8;
	attr_t       h = theme_attr(c->t, ROLE_HEADER);
	char         buf[256];
	const cJSON *sel;

	x = a.x + view_text(win, a.y, a.x, a.w, "Publications",
	                    theme_attr(c->t, ROLE_TITLE));
	if (m->pubs != NULL && m->pubs_full) {
		snprintf(buf, sizeof buf, " (the newest %d)", n);
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, ROLE_DIM));
	}
	spend_draw(win, a, x + 3, c);
	/* The publications below the spend block. */
	i = view_pubs_spend_lines(m, a.h);
	a.y += i;
	a.h -= i;
	if (m->pubs == NULL) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2, "Loading…",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	if (n == 0) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2,
		          "Nothing published yet.", theme_attr(c->t, ROLE_DIM));
		return;
	}
	list_h = view_list_rows(VIEW_PUBS, a.h) + 1;
	y = a.y + 1;
	x = a.x;
	view_cell(win, y, x, wwhen, "PUBLISHED", h, 0);
	x += wwhen + 1;
	view_cell(win, y, x, wbrand, "BRAND", h, 0);
	x += wbrand + 1;
	view_cell(win, y, x, wch, "CHANNEL", h, 0);
	x += wch + 1;
	view_cell(win, y, x, wtok, "TOKENS", h, 1);
	x += wtok + 1;
	view_cell(win, y, x, wcost, "COST", h, 1);
	x += wcost + 1;
	view_cell(win, y, x, a.x + a.w - x, "PERMALINK", h, 0);
	for (i = m->pubs_pane.top, y = a.y + 2; i < n && y < a.y + 1 + list_h;
	     i++, y++) {
		const cJSON *p = cJSON_GetArrayItem(m->pubs, i);
		int          s = i == m->pubs_pane.sel;
		attr_t base = s ? theme_attr(c->t, ROLE_SELECTED) : A_NORMAL;
		char   ago[48];

		x = a.x;
		view_fill(win, y, a.x, a.w, base);
		view_cell(win, y, x, wwhen,
		          view_ago(c, jstr(p, "published_at"), ago, sizeof ago),
		          base, 0);
		x += wwhen + 1;
		view_cell(win, y, x, wbrand, jstr(p, "brand"), base, 0);
		x += wbrand + 1;
		view_cell(win, y, x, wch, jstr(p, "channel"), base, 0);
		x += wch + 1;
		snprintf(buf, sizeof buf, "%.0f/%.0f", jnum(p, "input_tokens"),
		         jnum(p, "output_tokens"));
		view_cell(win, y, x, wtok, buf, base, 1);
		x += wtok + 1;
		snprintf(buf, sizeof buf, "$%.4f", jnum(p, "cost_usd"));
		view_cell(win, y, x, wcost, buf, base, 1);
		x += wcost + 1;
		view_cell(win, y, x, a.x + a.w - x,
		          jstr(p, "permalink") ? jstr(p, "permalink")
		                               : jstr(p, "post_id"),
		          base, 0);
	}
	sel = model_pub_selected(m);
	if (sel != NULL && list_h < a.h - 1) {
		y = a.y + 2 + list_h;
		view_fill(win, y, a.x, a.w, h);
		snprintf(buf, sizeof buf, "%s  photo %s  model %s",
		         jstr(sel, "execution") ? jstr(sel, "execution") : "",
		         jstr(sel, "photo_key") ? jstr(sel, "photo_key") : "-",
		         jstr(sel, "model") ? jstr(sel, "model") : "-");
		view_text(win, y++, a.x, a.w, buf, h);
		view_wrap(win, y, a.x, a.w, a.y + a.h - y, 0,
		          jstr(sel, "caption") ? jstr(sel, "caption") : "",
		          A_NORMAL);
	}
}
