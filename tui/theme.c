/*
 * theme: roles to curses attributes. The colour pairs are numbered by
 * role; the terminal's own background is kept (use_default_colors).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/theme.h"

struct theme {
	int    colour;
	attr_t attr[ROLE_COUNT];
};

/* Colour and monochrome looks of each role: foreground (-1: the
 * terminal's), background, extra attributes, and the monochrome
 * attributes. */
static const struct look {
	short  fg, bg;
	attr_t extra, mono;
} looks[ROLE_COUNT] = {
	[ROLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_DIM] = { -1, -1, A_DIM, A_DIM },
	[ROLE_TITLE] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ROLE_HEADER] = { -1, -1, A_BOLD | A_UNDERLINE, A_UNDERLINE },
	[ROLE_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_TAB] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TAB_ON] = { COLOR_BLACK, COLOR_WHITE, A_BOLD,
	                  A_REVERSE | A_BOLD },
	[ROLE_BADGE] = { COLOR_WHITE, COLOR_MAGENTA, A_BOLD,
	                 A_BOLD | A_UNDERLINE },
	[ROLE_BAR] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
	[ROLE_BAR_BAD] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_MESSAGE] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ROLE_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_KEY] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_RUNNING] = { COLOR_BLUE, -1, A_BOLD, A_BOLD },
	[ROLE_WAITING] = { COLOR_MAGENTA, -1, A_BOLD, A_UNDERLINE },
	[ROLE_COMPLETED] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[ROLE_FAILED] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE },
	[ROLE_CANCELLED] = { COLOR_YELLOW, -1, A_NORMAL, A_DIM },
	[ROLE_IN_DOUBT] = { COLOR_RED, COLOR_YELLOW, A_BOLD,
	                    A_BOLD | A_REVERSE | A_UNDERLINE },
	[ROLE_PAUSED] = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
};

struct theme *
theme_new(void)
{
	struct theme *t = xcalloc(1, sizeof *t);
	const char   *nc = getenv("NO_COLOR");
	int           i;

	t->colour = has_colors() && (nc == NULL || *nc == '\0');
	if (t->colour && start_color() == ERR)
		t->colour = 0;
	if (t->colour)
		use_default_colors();
	for (i = 0; i < ROLE_COUNT; i++) {
		if (!t->colour) {
			t->attr[i] = looks[i].mono;
			continue;
		}
		if (looks[i].fg == -1 && looks[i].bg == -1) {
			t->attr[i] = looks[i].extra;
			continue;
		}
		init_pair((short)(i + 1), looks[i].fg, looks[i].bg);
		t->attr[i] = COLOR_PAIR(i + 1) | looks[i].extra;
	}
	return t;
}

void
theme_free(struct theme *t)
{
	free(t);
}

int
theme_colour(const struct theme *t)
{
	return t->colour;
}

attr_t
theme_attr(const struct theme *t, enum role r)
{
	return r < ROLE_COUNT ? t->attr[r] : A_NORMAL;
}

enum role
theme_status(const char *s)
{
	static const struct {
		const char *status;
		enum role   role;
	} map[] = {
		{ "running", ROLE_RUNNING },
		{ "pending", ROLE_DIM },
		{ "waiting_approval", ROLE_WAITING },
		{ "retry_wait", ROLE_WAITING },
		{ "completed", ROLE_COMPLETED },
		{ "failed", ROLE_FAILED },
		{ "cancelled", ROLE_CANCELLED },
		{ "rejected", ROLE_CANCELLED },
		{ "in_doubt", ROLE_IN_DOUBT },
		{ "paused", ROLE_PAUSED },
		{ "active", ROLE_COMPLETED },
	};
	size_t i;

	for (i = 0; s != NULL && i < nitems(map); i++)
		if (strcmp(map[i].status, s) == 0)
			return map[i].role;
	return ROLE_NORMAL;
}
