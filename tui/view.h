/*
 * view: drawing. Each view_*.c draws one screen from the model into an
 * area of a curses window; views never change the model or talk to the
 * daemon. This header also has the drawing helpers they share (text in
 * columns, wide characters measured by text.c). Console thread only.
 */
#ifndef HERALD_VIEW_H
#define HERALD_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

#include "tui/model.h"
#include "tui/theme.h"

struct area {
	int y, x, h, w;
};

/* What the views need besides the model: the clock and the theme. */
struct view_ctx {
	const struct model *m;
	const struct theme *t;
	int64_t             now; /* UTC ms */
};

/* Glyphs: Unicode in a UTF-8 locale, ASCII otherwise. Call once after
 * setlocale. */
void               view_glyphs_init(void);
extern const char *view_g_ellipsis, *view_g_bar, *view_g_up, *view_g_down,
    *view_g_doubt, *view_g_ok, *view_g_bad, *view_g_sel;

/* Draws UTF-8 s at (y, x) in at most cols columns, cut with an ellipsis
 * when longer; returns the columns used. Newlines show as spaces. */
int view_text(WINDOW *, int y, int x, int cols, const char *s, attr_t);
/* The same for n wide characters. */
int view_wtext(WINDOW *, int y, int x, int cols, const wchar_t *w, size_t n,
               attr_t);
/* The same, padded with attr-coloured spaces to cols (right-aligned when
 * right is set). */
void view_cell(WINDOW *, int y, int x, int cols, const char *s, attr_t,
               int right);
void view_fill(WINDOW *, int y, int x, int cols, attr_t);
/* Draws UTF-8 s wrapped to cols columns from line `skip` on, in at most
 * rows lines; returns the lines the whole text takes. */
int view_wrap(WINDOW *, int y, int x, int cols, int rows, int skip,
              const char *s, attr_t);

/* The lines view_wrap would take. */
int view_wrap_lines(int cols, const char *s);

/* "3m05s ago" / "in 2h10m" from a protocol time, or "-". */
char *view_ago(const struct view_ctx *, const char *iso, char *buf, size_t len);
char *view_in(const struct view_ctx *, const char *iso, char *buf, size_t len);

/* How many rows of a screen h lines high its scrolling list shows
 * (approvals: about how many entries), for the model's panes. */
int view_list_rows(enum view, int h);

/* The screens. The detail returns its panes' line counts (the console
 * keeps them in the model for scrolling). */
void view_execs_draw(WINDOW *, struct area, const struct view_ctx *);
void view_detail_draw(WINDOW *, struct area, const struct view_ctx *,
                      int *info_lines, int *info_height, int *hist_lines,
                      int *hist_height);
void view_approvals_draw(WINDOW *, struct area, const struct view_ctx *);
void view_schedules_draw(WINDOW *, struct area, const struct view_ctx *);
void view_pubs_draw(WINDOW *, struct area, const struct view_ctx *);
/* The lines the Publications screen's spend block takes on a screen h
 * lines high (below its title line), for the list's height. */
int view_pubs_spend_lines(const struct model *, int h);

/* The frame: the tab bar (with the approvals badge), the status bar. */
void view_tabs_draw(WINDOW *, struct area, const struct view_ctx *);
void view_status_draw(WINDOW *, struct area, const struct view_ctx *,
                      const char *where);
/* The help over the content area, for the current view. */
void view_help_draw(WINDOW *, struct area, const struct view_ctx *);
/* A scrolling text over the content area (a command's output). Returns
 * its line count. */
int view_pager_draw(WINDOW *, struct area, const struct view_ctx *,
                    const char *title, const char *text, int top);

/* A prompt on the bottom line(s): the question and the text being typed
 * (wrapped over up to rows lines), with the cursor placed in it. Returns
 * the lines it took. */
int view_prompt_draw(WINDOW *, struct area, const struct view_ctx *,
                     const char *question, const wchar_t *text, size_t len,
                     size_t cursor, const char *hint);

/* The photo screen (the console's `p`), over the whole terminal: the
 * header (key, execution, the variant's size and what was done to it),
 * the picture (written straight to the terminal once curses is done),
 * and a footer with the keys and note (NULL: none). */
struct preview;
struct preview_mode;
void view_preview_draw(WINDOW *, const struct view_ctx *, struct preview *,
                       const char *note);
/* How a picture would be drawn now, and the cells it would get at most
 * (what to ask the daemon for). */
void view_preview_area(struct preview_mode *, int *cols, int *rows);
/* Before the screen shows anything else: what the terminal keeps of the
 * picture goes (kitty's images; symbols go with any redraw). */
void view_preview_leave(void);

#endif
