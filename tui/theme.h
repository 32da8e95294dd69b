/*
 * theme: what each role on the screen looks like. Views ask for a role
 * (ROLE_FAILED, ROLE_SELECTED), never a colour; the theme maps roles to
 * curses attributes: colours when the terminal has them and NO_COLOR is
 * not set, bold, reverse and underline otherwise, so a monochrome
 * terminal shows the same distinctions. Console thread only.
 */
#ifndef HERALD_THEME_H
#define HERALD_THEME_H

#include <curses.h>

enum role {
	ROLE_NORMAL,
	ROLE_DIM,      /* secondary text: times, hints */
	ROLE_TITLE,    /* a section's title */
	ROLE_HEADER,   /* a table's column names */
	ROLE_SELECTED, /* the selected row */
	ROLE_TAB,      /* a tab in the tab bar */
	ROLE_TAB_ON,   /* the current tab */
	ROLE_BADGE,    /* approvals waiting, on the tab bar */
	ROLE_BAR,      /* the status bar */
	ROLE_BAR_BAD,  /* the status bar when the daemon is away */
	ROLE_MESSAGE,  /* an action's outcome */
	ROLE_ERROR,    /* an error */
	ROLE_KEY,      /* a key in the help */
	ROLE_RUNNING,  /* statuses: */
	ROLE_WAITING,  /* waiting_approval, retry_wait */
	ROLE_COMPLETED,
	ROLE_FAILED,
	ROLE_CANCELLED, /* cancelled, rejected */
	ROLE_IN_DOUBT,
	ROLE_PAUSED,
	ROLE_COUNT
};

struct theme;

/* After initscr. Colours unless the terminal has none or NO_COLOR is set
 * (to anything but ""). */
struct theme *theme_new(void);
void          theme_free(struct theme *);
int           theme_colour(const struct theme *);

attr_t theme_attr(const struct theme *, enum role);
/* The role of an execution or step status ("failed" -> ROLE_FAILED). */
enum role theme_status(const char *status);

#endif
