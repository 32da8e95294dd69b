/*
 * view_approvals: the captions waiting for an operator, oldest first:
 * the execution and brand, how long it waits and the time left, the
 * photo's key and description, and the caption in full.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tui/text.h"
#include "tui/view.h"

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Draws one approval from row y (at most rows lines); returns the lines
 * it takes when drawn in full. */
static int
entry(WINDOW *win, struct area a, int y, int rows, const struct view_ctx *c,
      const cJSON *ap, int sel)
{
	char    buf[256], waited[48], left[48];
	attr_t  head = theme_attr(c->t, sel ? ROLE_SELECTED : ROLE_WAITING);
	int     used = 0, n;
	int64_t since;

	if (rows <= 0)
		return 0;
	view_fill(win, y, a.x, a.w, sel ? head : A_NORMAL);
	if (text_time(jstr(ap, "since"), &since) == 0)
		text_duration(c->now - since, waited, sizeof waited);
	else
		snprintf(waited, sizeof waited, "?");
	snprintf(buf, sizeof buf, "%s %s  %s  waiting %s",
	         sel ? view_g_sel : " ",
	         jstr(ap, "execution") ? jstr(ap, "execution") : "?",
	         jstr(ap, "brand") ? jstr(ap, "brand") : "-", waited);
	if (jstr(ap, "expires_at") != NULL)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
		         ", expires %s",
		         view_in(c, jstr(ap, "expires_at"), left, sizeof left));
	view_text(win, y, a.x, a.w, buf, head);
	used++;
	snprintf(buf, sizeof buf, "photo %s",
	         jstr(ap, "photo_key") ? jstr(ap, "photo_key") : "-");
	if (used < rows)
		view_text(win, y + used, a.x + 4, a.w - 4, buf,
		          theme_attr(c->t, ROLE_DIM));
	used++;
	if (jstr(ap, "description") != NULL) {
		n = view_wrap(win, y + used, a.x + 4, a.w - 4, rows - used, 0,
		              jstr(ap, "description"),
		              theme_attr(c->t, ROLE_DIM));
		used += n;
	}
	n = view_wrap(
	    win, y + used, a.x + 4, a.w - 4, rows - used, 0,
	    jstr(ap, "caption") ? jstr(ap, "caption") : "(no caption)", A_BOLD);
	used += n;
	return used + 1; /* a blank line after each */
}

static int
entry_lines(const cJSON *ap, int w)
{
	return 2 +
	       (jstr(ap, "description") != NULL
	            ? view_wrap_lines(w - 4, jstr(ap, "description"))
	            : 0) +
	       view_wrap_lines(w - 4, jstr(ap, "caption") ? jstr(ap, "caption")
	                                                  : "(no caption)") +
	       1;
}

void
view_approvals_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	int                 n = cJSON_GetArraySize(m->approvals), i, y, top;
	char                buf[128];

	view_text(win, a.y, a.x, a.w, "Approvals",
	          theme_attr(c->t, ROLE_TITLE));
	if (m->appr_state == APPR_UNAVAILABLE) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2,
		          "Approvals are not available from this daemon.",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	if (m->appr_state == APPR_UNKNOWN) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2, "Loading…",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	snprintf(buf, sizeof buf, "  %d waiting, oldest first", n);
	view_text(win, a.y, a.x + 9, a.w - 9, buf, theme_attr(c->t, ROLE_DIM));
	if (n == 0) {
		view_text(win, a.y + 2, a.x + 2, a.w - 2,
		          "Nothing waits for approval.",
		          theme_attr(c->t, ROLE_DIM));
		return;
	}
	/* From the pane's top, but far enough down that the selected
	 * entry shows. */
	top = m->appr.top;
	if (top > m->appr.sel)
		top = m->appr.sel;
	for (;;) {
		int need = 0;

		for (i = top; i < m->appr.sel; i++)
			need += entry_lines(cJSON_GetArrayItem(m->approvals, i),
			                    a.w);
		if (top >= m->appr.sel || need + 3 <= a.h - 2)
			break;
		top++;
	}
	y = a.y + 2;
	for (i = top; i < n && y < a.y + a.h; i++)
		y += entry(win, a, y, a.y + a.h - y, c,
		           cJSON_GetArrayItem(m->approvals, i),
		           i == m->appr.sel);
}
