/*
 * view: drawing helpers shared by the screens. Text goes through
 * text_wide (our UTF-8 decoder) and the wide-character curses calls, so
 * é, ë and emoji take the columns the terminal gives them.
 */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/text.h"
#include "tui/view.h"

const char *view_g_ellipsis = "~", *view_g_bar = "|", *view_g_up = "^",
           *view_g_down = "v", *view_g_doubt = "!", *view_g_ok = "*",
           *view_g_bad = "x", *view_g_sel = ">";
static wchar_t ellipsis_w = '~';

void
view_glyphs_init(void)
{
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		return;
	view_g_ellipsis = "…";
	view_g_bar = "│";
	view_g_up = "↑";
	view_g_down = "↓";
	view_g_doubt = "⚠";
	view_g_ok = "●";
	view_g_bad = "✗";
	view_g_sel = "▶";
	ellipsis_w = 0x2026;
}

/* Characters the locale cannot show are drawn as '?', so the columns
 * counted are the columns drawn. */
static void
showable(wchar_t *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\n')
			w[i] = ' ';
		else if (wcwidth(w[i]) < 0)
			w[i] = '?';
}

static int
put_wide(WINDOW *win, int y, int x, int cols, wchar_t *w, size_t n, attr_t a)
{
	size_t k;
	int    used, ew = text_cwidth(ellipsis_w);

	/* Never past the right edge: curses would wrap it onto the next
	 * row. */
	if (cols > getmaxx(win) - x)
		cols = getmaxx(win) - x;
	if (cols <= 0)
		return 0;
	showable(w, n);
	k = text_fit(w, n, cols, &used);
	if (k < n && cols > ew) {
		/* Cut: leave room for the ellipsis. */
		k = text_fit(w, n, cols - ew, &used);
		wattrset(win, a);
		if (k > 0)
			mvwaddnwstr(win, y, x, w, (int)k);
		mvwaddnwstr(win, y, x + used, &ellipsis_w, 1);
		wattrset(win, A_NORMAL);
		return used + ew;
	}
	wattrset(win, a);
	if (k > 0)
		mvwaddnwstr(win, y, x, w, (int)k);
	wattrset(win, A_NORMAL);
	return used;
}

int
view_wtext(WINDOW *win, int y, int x, int cols, const wchar_t *w, size_t n,
           attr_t a)
{
	wchar_t *copy = xcalloc(n + 1, sizeof *copy);
	int      used;

	memcpy(copy, w, n * sizeof *w);
	used = put_wide(win, y, x, cols, copy, n, a);
	free(copy);
	return used;
}

int
view_text(WINDOW *win, int y, int x, int cols, const char *s, attr_t a)
{
	size_t   n;
	wchar_t *w;
	int      used;

	if (s == NULL || cols <= 0)
		return 0;
	w = text_wide(s, strlen(s), &n);
	used = put_wide(win, y, x, cols, w, n, a);
	free(w);
	return used;
}

void
view_fill(WINDOW *win, int y, int x, int cols, attr_t a)
{
	if (cols <= 0)
		return;
	wattrset(win, a);
	mvwhline(win, y, x, ' ', cols);
	wattrset(win, A_NORMAL);
}

void
view_cell(WINDOW *win, int y, int x, int cols, const char *s, attr_t a,
          int right)
{
	int w;

	if (cols <= 0)
		return;
	view_fill(win, y, x, cols, a);
	if (s == NULL)
		return;
	w = text_width(s);
	if (right && w < cols)
		x += cols - w;
	view_text(win, y, x, cols, s, a);
}

int
view_wrap(WINDOW *win, int y, int x, int cols, int rows, int skip,
          const char *s, attr_t a)
{
	struct text_line *lines;
	size_t            n, nl, i;
	wchar_t          *w;

	if (s == NULL)
		s = "";
	w = text_wide(s, strlen(s), &n);
	nl = text_wrap(w, n, cols, &lines);
	for (i = (size_t)(skip > 0 ? skip : 0); i < nl; i++) {
		int row = (int)i - skip;

		if (row >= rows)
			break;
		put_wide(win, y + row, x, cols, w + lines[i].off, lines[i].len,
		         a);
	}
	free(lines);
	free(w);
	return (int)nl;
}

int
view_wrap_lines(int cols, const char *s)
{
	struct text_line *lines;
	size_t            n, nl;
	wchar_t          *w = text_wide(s, s != NULL ? strlen(s) : 0, &n);

	nl = text_wrap(w, n, cols, &lines);
	free(lines);
	free(w);
	return (int)nl;
}

char *
view_ago(const struct view_ctx *c, const char *iso, char *buf, size_t len)
{
	int64_t t;
	char    d[32];

	if (text_time(iso, &t) != 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	text_duration(c->now - t, d, sizeof d);
	snprintf(buf, len, "%s%s", d, c->now >= t ? " ago" : " ahead");
	return buf;
}

char *
view_in(const struct view_ctx *c, const char *iso, char *buf, size_t len)
{
	int64_t t;
	char    d[32];

	if (text_time(iso, &t) != 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	text_duration(t - c->now, d, sizeof d);
	snprintf(buf, len, "%s%s", t >= c->now ? "in " : "", d);
	if (t < c->now)
		snprintf(buf, len, "%s overdue", d);
	return buf;
}

int
view_list_rows(enum view v, int h)
{
	int list_h;

	switch (v) {
	case VIEW_EXECS:
		return h - 2 > 1 ? h - 2 : 1;
	case VIEW_SCHEDULES:
	case VIEW_PUBS:
		/* The list, and below it the selected one in full. */
		list_h = h - (v == VIEW_SCHEDULES ? 8 : 6);
		if (list_h < 3)
			list_h = h - 1;
		return list_h - 1 > 1 ? list_h - 1 : 1;
	case VIEW_APPROVALS:
		return (h - 2) / 6 > 1 ? (h - 2) / 6 : 1;
	default:
		return h > 1 ? h : 1;
	}
}
