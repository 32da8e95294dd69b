/*
 * view_chrome: what surrounds the screens: the tab bar (with the count
 * of approvals waiting, seen from every view), the status bar (the
 * daemon's state and the last action's outcome), the help, the pager for
 * a command's output, and the prompt line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/keys.h"
#include "tui/text.h"
#include "tui/view.h"

void
view_tabs_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	const struct model *m = c->m;
	int                 x = a.x, v, wait = model_approvals_waiting(m);
	char                buf[64];

	view_fill(win, a.y, a.x, a.w, theme_attr(c->t, ROLE_TAB));
	if (a.w >= 90)
		x += view_text(win, a.y, x, a.w, "herald ",
		               theme_attr(c->t, ROLE_TITLE));
	for (v = 0; v < VIEW_COUNT && x < a.x + a.w; v++) {
		enum role r = v == (int)m->view ? ROLE_TAB_ON : ROLE_TAB;

		snprintf(buf, sizeof buf, " %d %s ", v + 1,
		         keys_view_name((enum view)v));
		x += view_text(win, a.y, x, a.x + a.w - x, buf,
		               theme_attr(c->t, r));
		if (v == VIEW_APPROVALS && wait > 0) {
			snprintf(buf, sizeof buf, " %d ", wait);
			x += view_text(win, a.y, x, a.x + a.w - x, buf,
			               theme_attr(c->t, ROLE_BADGE));
		}
		x += view_text(win, a.y, x, a.x + a.w - x, " ", A_NORMAL);
	}
}

void
view_status_draw(WINDOW *win, struct area a, const struct view_ctx *c,
                 const char *where)
{
	const struct model *m = c->m;
	const char         *keys = "? help  : command  q quit";
	char                buf[512];
	int                 x = a.x, kw = text_width(keys), bad = !m->connected;
	attr_t bar = theme_attr(c->t, bad ? ROLE_BAR_BAD : ROLE_BAR);

	view_fill(win, a.y, a.x, a.w, bar);
	if (bad)
		snprintf(buf, sizeof buf, "%s heraldd %s at %s, reconnecting…",
		         view_g_bad,
		         m->ever_connected ? "disconnected" : "not reachable",
		         where);
	else
		snprintf(buf, sizeof buf, "%s %s", view_g_ok,
		         m->daemon ? m->daemon : "heraldd");
	x += view_text(win, a.y, x, a.w, buf, bar);
	if (m->message != NULL && m->message_until > c->now) {
		x += view_text(win, a.y, x, a.x + a.w - x, "  ", bar);
		x += view_text(
		    win, a.y, x, a.x + a.w - x - (kw + 2), m->message,
		    theme_attr(c->t,
		               m->message_error ? ROLE_ERROR : ROLE_MESSAGE) |
		        A_REVERSE);
	}
	if (a.x + a.w - kw - 1 > x)
		view_text(win, a.y, a.x + a.w - kw - 1, kw, keys, bar);
}

/* A global key the view binds to something else ("g" in Approvals). */
static int
shadowed(enum view v, int key)
{
	size_t                    n, i;
	const struct key_binding *k = keys_view(v, &n);

	for (i = 0; i < n; i++)
		if (k[i].key == key)
			return 1;
	return 0;
}

static int
help_list(WINDOW *win, int y, int x, int w, int ymax, const struct view_ctx *c,
          const struct key_binding *k, size_t n, int global)
{
	size_t i, j;
	char   label[64];

	for (i = 0; i < n && y < ymax; i++) {
		int hidden = 0;

		if (k[i].label == NULL)
			continue;
		/* A global group whose keys the view took shows what is
		 * left of it. */
		if (global) {
			hidden = shadowed(c->m->view, k[i].key);
			for (j = i + 1; j < n && k[j].label == NULL; j++)
				if (!shadowed(c->m->view, k[j].key))
					hidden = 0;
		}
		if (hidden)
			continue;
		snprintf(label, sizeof label, "%s", k[i].label);
		if (global && shadowed(c->m->view, k[i].key))
			snprintf(label, sizeof label, "%s*", k[i].label);
		view_cell(win, y, x, 12, label, theme_attr(c->t, ROLE_KEY), 0);
		view_text(win, y, x + 12, w - 12, k[i].help, A_NORMAL);
		y++;
	}
	return y;
}

void
view_help_draw(WINDOW *win, struct area a, const struct view_ctx *c)
{
	size_t                    n;
	const struct key_binding *k;
	char                      buf[128];
	int                       y, i;

	for (i = 0; i < a.h; i++)
		view_fill(win, a.y + i, a.x, a.w, A_NORMAL);
	snprintf(buf, sizeof buf, "Keys in %s", keys_view_name(c->m->view));
	view_text(win, a.y, a.x + 1, a.w - 1, buf,
	          theme_attr(c->t, ROLE_TITLE));
	k = keys_view(c->m->view, &n);
	y = help_list(win, a.y + 1, a.x + 2, a.w - 2, a.y + a.h, c, k, n, 0);
	if (y + 2 < a.y + a.h)
		view_text(win, ++y, a.x + 1, a.w - 1, "Everywhere",
		          theme_attr(c->t, ROLE_TITLE));
	k = keys_global(&n);
	y = help_list(win, y + 1, a.x + 2, a.w - 2, a.y + a.h, c, k, n, 1);
	if (y + 1 < a.y + a.h)
		view_text(win, y + 1, a.x + 1, a.w - 1,
		          "* the view uses the key for something else. "
		          "Esc or ? closes this help.",
		          theme_attr(c->t, ROLE_DIM));
}

int
view_pager_draw(WINDOW *win, struct area a, const struct view_ctx *c,
                const char *title, const char *text, int top)
{
	int i, n;

	for (i = 0; i < a.h; i++)
		view_fill(win, a.y + i, a.x, a.w, A_NORMAL);
	view_fill(win, a.y, a.x, a.w, theme_attr(c->t, ROLE_HEADER));
	view_text(win, a.y, a.x, a.w, title, theme_attr(c->t, ROLE_HEADER));
	n = view_wrap_lines(a.w, text);
	if (top > n - (a.h - 1))
		top = n - (a.h - 1);
	if (top < 0)
		top = 0;
	view_wrap(win, a.y + 1, a.x, a.w, a.h - 1, top, text, A_NORMAL);
	return n;
}

int
view_prompt_draw(WINDOW *win, struct area a, const struct view_ctx *c,
                 const char *question, const wchar_t *text, size_t len,
                 size_t cursor, const char *hint)
{
	int qw = text_width(question) + 1, i, used;

	for (i = 0; i < a.h; i++)
		view_fill(win, a.y + i, a.x, a.w, A_NORMAL);
	view_text(win, a.y, a.x, a.w, question, theme_attr(c->t, ROLE_KEY));
	if (a.h == 1) {
		/* One line: scroll sideways so the cursor shows. */
		size_t start = 0;
		int    avail = a.w - qw - 1, before;

		if (avail < 4)
			avail = 4;
		for (;;) {
			text_fit(text + start, cursor - start, a.w, &before);
			if (before < avail || start >= cursor)
				break;
			start++;
		}
		view_wtext(win, a.y, a.x + qw, avail, text + start, len - start,
		           A_BOLD);
		text_fit(text + start, cursor - start, a.w, &before);
		if (hint != NULL && len == 0)
			view_text(win, a.y, a.x + qw + 1, avail - 1, hint,
			          theme_attr(c->t, ROLE_DIM));
		wmove(win, a.y, a.x + qw + before);
		return 1;
	}
	/* Several lines (a caption): the question and hint on the first,
	 * the text wrapped below, scrolled to the cursor's line. */
	{
		struct text_line *lines;
		size_t nl = text_wrap(text, len, a.w, &lines), k, cl = 0;
		int    rows = a.h - 1, first, col;

		if (hint != NULL)
			view_text(win, a.y, a.x + qw, a.w - qw, hint,
			          theme_attr(c->t, ROLE_DIM));
		for (k = 0; k < nl; k++)
			if (lines[k].off <= cursor)
				cl = k;
		first = (int)cl - rows + 1 > 0 ? (int)cl - rows + 1 : 0;
		for (k = (size_t)first; k < nl && (int)k - first < rows; k++)
			view_wtext(win, a.y + 1 + (int)k - first, a.x, a.w,
			           text + lines[k].off, lines[k].len, A_BOLD);
		used = cursor - lines[cl].off > lines[cl].len
		           ? (int)lines[cl].len
		           : (int)(cursor - lines[cl].off);
		text_fit(text + lines[cl].off, (size_t)used, a.w, &col);
		wmove(win, a.y + 1 + (int)cl - first, a.x + col);
		free(lines);
	}
	return a.h;
}
