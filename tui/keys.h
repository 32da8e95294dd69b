/*
 * keys: which key does what, per view, as tables (the help screen lists
 * them, so what the help says is what the keys do). A view's own keys
 * come before the global ones, so `g` regenerates in Approvals and goes
 * to the top elsewhere. No curses calls; console thread only.
 */
#ifndef HERALD_KEYS_H
#define HERALD_KEYS_H

#include <stddef.h>

#include "tui/model.h"

/* A function key (curses KEY_*), kept apart from characters. */
#define KEYS_FN(k) ((int)(k) | 0x1000000)

enum action {
	A_NONE,
	A_QUIT,
	A_HELP,
	A_COMMAND,
	A_REFRESH,
	A_TAB_NEXT,
	A_TAB_PREV,
	A_VIEW_EXECS,
	A_VIEW_DETAIL,
	A_VIEW_APPROVALS,
	A_VIEW_SCHEDULES,
	A_VIEW_PUBS,
	A_UP,
	A_DOWN,
	A_PGUP,
	A_PGDN,
	A_HOME,
	A_END,
	A_OPEN,
	A_BACK,
	A_FILTER,
	A_STATUS_NEXT,
	A_STATUS_PREV,
	A_CANCEL,
	A_RETRY,
	A_RESOLVE,
	A_PANE,
	A_APPROVE,
	A_EDIT,
	A_REJECT,
	A_REGENERATE,
	A_PAUSE,
	A_TRIGGER,
	A_DELETE,
	A_PREVIEW,
};

struct key_binding {
	int         key; /* a character, or KEYS_FN(KEY_...) */
	enum action action;
	const char *label; /* for the help; NULL: listed under the one above */
	const char *help;
};

/* The action of key in view, or A_NONE. */
enum action keys_lookup(enum view, int key);

/* A view's own bindings, and the global ones (*n set). */
const struct key_binding *keys_view(enum view, size_t *n);
const struct key_binding *keys_global(size_t *n);

/* The view's name for the tab bar and the help. */
const char *keys_view_name(enum view);

#endif
