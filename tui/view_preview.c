/*
 * view_preview: the photo screen (the console's `p`), over the whole
 * terminal: a header (the photo's key and execution; the variant's size
 * and what was done to it), the picture, and a footer with the keys and
 * a note (why a variant could not be shown).
 *
 * The header and footer are curses text like any screen's. The picture
 * is written straight to the terminal after curses has cleared the
 * screen and drawn the rest (doupdate), row by row at absolute
 * positions: curses believes the area blank, and the console's next
 * full redraw (clearok) replaces it. Console thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tui/preview.h"
#include "tui/text.h"
#include "tui/view.h"

#define FACTS_ROWS 2 /* the variant's facts wrap over at most this */

/* Kitty keeps an image until told: drop it when the screen goes. */
static int kitty_shown;

/* The terminal's colours for chafa: terminfo's, since curses knows
 * them only after start_color (which NO_COLOR skips). */
static int
term_colours(void)
{
	int n = tigetnum("colors");

	return n > 0 ? n : -1;
}

void
view_preview_area(struct preview_mode *m, int *cols, int *rows)
{
	struct preview_term t;

	preview_term_detect(&t, term_colours(), STDOUT_FILENO);
	preview_choose(&t, m);
	*cols = COLS;
	*rows = LINES - 2 - FACTS_ROWS; /* the title, the facts, the footer */
	if (*rows < 1)
		*rows = 1;
}

static void
put_picture(const struct preview_picture *pic, int top, int colour)
{
	int i;

	for (i = 0; i < pic->nlines; i++)
		printf("\033[%d;%dH%s", top + pic->y + i + 1, pic->x + 1,
		       pic->lines[i]);
	if (colour)
		fputs("\033[0m", stdout); /* what curses believes is set */
	fflush(stdout);
}

void
view_preview_draw(WINDOW *win, const struct view_ctx *c, struct preview *pv,
                  const char *note)
{
	struct preview_mode    mode;
	struct preview_picture pic;
	char                  *facts, *cause = NULL, keys[96];
	int                    x, top, cols, rows, kw, drawn = 0;

	view_preview_leave();
	werase(win);
	curs_set(0);
	x = view_text(win, 0, 0, COLS, preview_key(pv),
	              theme_attr(c->t, ROLE_TITLE));
	x += view_text(win, 0, x, COLS - x, "  run ",
	               theme_attr(c->t, ROLE_DIM));
	view_text(win, 0, x, COLS - x, preview_execution(pv),
	          theme_attr(c->t, ROLE_DIM));
	facts = preview_facts(pv);
	top = 1 + view_wrap(win, 1, 0, COLS, FACTS_ROWS, 0, facts,
	                    theme_attr(c->t, ROLE_NORMAL));
	if (top > 1 + FACTS_ROWS)
		top = 1 + FACTS_ROWS;
	free(facts);
	snprintf(keys, sizeof keys, "Tab: %s  any other key: close",
	         preview_next_channel(preview_channel(pv), 1));
	view_fill(win, LINES - 1, 0, COLS, theme_attr(c->t, ROLE_BAR));
	kw = text_width(keys);
	x = 0;
	if (note != NULL)
		x = view_text(win, LINES - 1, 0, COLS - kw - 2, note,
		              theme_attr(c->t, ROLE_ERROR) | A_REVERSE);
	if (COLS - kw - 1 > x)
		view_text(win, LINES - 1, COLS - kw - 1, kw, keys,
		          theme_attr(c->t, ROLE_BAR));
	else if (x == 0)
		view_text(win, LINES - 1, 0, COLS, keys,
		          theme_attr(c->t, ROLE_BAR));
	view_preview_area(&mode, &cols, &rows);
	rows = LINES - 1 - top;
	if (rows >= 2 && cols >= 4) {
		if (preview_render(pv, &mode, cols, rows, &pic, &cause) == 0)
			drawn = 1;
		else {
			view_wrap(win, top + rows / 2, 0, COLS, rows - rows / 2,
			          0, cause, theme_attr(c->t, ROLE_ERROR));
			free(cause);
		}
	} else
		view_text(win, top, 0, COLS, "(no room for the picture)",
		          theme_attr(c->t, ROLE_DIM));
	/* Everything curses had on the screen goes, the old picture's
	 * cells included, which curses never knew of. */
	clearok(curscr, TRUE);
	wnoutrefresh(win);
	doupdate();
	if (drawn) {
		put_picture(&pic, top, mode.colours != PREVIEW_MONO);
		kitty_shown = mode.pixels == PREVIEW_KITTY;
		preview_picture_fini(&pic);
	}
}

void
view_preview_leave(void)
{
	if (!kitty_shown)
		return;
	/* Every placement, and the image data with it; no id, so kitty
	 * answers nothing that would arrive as keys. */
	fputs("\033_Ga=d,d=A\033\\", stdout);
	fflush(stdout);
	kitty_shown = 0;
}
