/*
 * view_publications: what went out, newest first, per brand and channel,
 * with permalinks, tokens and cost, and this month's cost; below, the
 * selected post's caption.
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

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void
view_pubs_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	int          n = cJSON_GetArraySize(m->pubs), i, y, x, list_h, count;
	int          wwhen = 11, wbrand = 10, wch = 9, wtok = 11, wcost = 8;
	attr_t       h = theme_attr(c->t, ROLE_HEADER);
	char         buf[256];
	double       month;
	const cJSON *sel;

	view_text(win, a.y, a.x, a.w, "Publications",
	          theme_attr(c->t, ROLE_TITLE));
	if (m->pubs == NULL) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2, "Loading…",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	month = model_pubs_month(m, c->now, &count);
	snprintf(buf, sizeof buf, "  this month: $%.4f over %d post%s%s", month,
	         count, count == 1 ? "" : "s",
	         m->pubs_full ? " (of the newest shown; more exist)" : "");
	view_text(win, a.y, a.x + 12, a.w - 12, buf,
	          theme_attr(c->t, ROLE_KEY));
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
