/*
 * keys: the key tables. One line per binding; several keys for one
 * action share it, the first carrying the label the help shows.
 */
#include <curses.h>

#include "common/util.h"
#include "tui/keys.h"

#define CTRL(c) ((c)&0x1f)

static const struct key_binding global_keys[] = {
	{ '1', A_VIEW_EXECS, "1-5", "switch to a tab" },
	{ '2', A_VIEW_DETAIL, NULL, NULL },
	{ '3', A_VIEW_APPROVALS, NULL, NULL },
	{ '4', A_VIEW_SCHEDULES, NULL, NULL },
	{ '5', A_VIEW_PUBS, NULL, NULL },
	{ '\t', A_TAB_NEXT, "Tab", "next tab (Shift-Tab: previous)" },
	{ KEYS_FN(KEY_BTAB), A_TAB_PREV, NULL, NULL },
	{ 'k', A_UP, "k/j ↑/↓", "move up / down" },
	{ KEYS_FN(KEY_UP), A_UP, NULL, NULL },
	{ 'j', A_DOWN, NULL, NULL },
	{ KEYS_FN(KEY_DOWN), A_DOWN, NULL, NULL },
	{ KEYS_FN(KEY_PPAGE), A_PGUP, "PgUp/PgDn", "a page up / down" },
	{ CTRL('b'), A_PGUP, NULL, NULL },
	{ KEYS_FN(KEY_NPAGE), A_PGDN, NULL, NULL },
	{ CTRL('f'), A_PGDN, NULL, NULL },
	{ 'g', A_HOME, "g/G", "first / last" },
	{ KEYS_FN(KEY_HOME), A_HOME, NULL, NULL },
	{ 'G', A_END, NULL, NULL },
	{ KEYS_FN(KEY_END), A_END, NULL, NULL },
	{ '?', A_HELP, "?", "this help" },
	{ ':', A_COMMAND, ":",
	  "a command, as the CLI takes it "
	  "(:schedule pause ID --note N)" },
	{ CTRL('l'), A_REFRESH, "^L", "fetch everything again and redraw" },
	{ KEYS_FN(KEY_F(5)), A_REFRESH, NULL, NULL },
	{ 'q', A_QUIT, "q", "quit" },
};

static const struct key_binding execs_keys[] = {
	{ '\n', A_OPEN, "Enter", "open the execution" },
	{ '\r', A_OPEN, NULL, NULL },
	{ KEYS_FN(KEY_ENTER), A_OPEN, NULL, NULL },
	{ '/', A_FILTER, "/", "filter by text (id, type, brand)" },
	{ 's', A_STATUS_NEXT, "s/S", "filter by status: next / previous" },
	{ 'S', A_STATUS_PREV, NULL, NULL },
	{ 27, A_BACK, "Esc", "clear the filters" },
	{ 'c', A_CANCEL, "c", "cancel the execution (asks)" },
	{ 'R', A_RETRY, "R", "retry it from where it failed (asks)" },
};

static const struct key_binding detail_keys[] = {
	{ 27, A_BACK, "Esc", "back to the executions" },
	{ KEYS_FN(KEY_BACKSPACE), A_BACK, NULL, NULL },
	{ 127, A_BACK, NULL, NULL },
	{ 'w', A_PANE, "w ←/→", "the other pane (steps / history)" },
	{ KEYS_FN(KEY_LEFT), A_PANE, NULL, NULL },
	{ KEYS_FN(KEY_RIGHT), A_PANE, NULL, NULL },
	{ 'c', A_CANCEL, "c", "cancel the execution (asks)" },
	{ 'R', A_RETRY, "R", "retry it from where it failed (asks)" },
	{ 'd', A_RESOLVE, "d",
	  "decide an in-doubt step: done or retry (asks)" },
	{ 'p', A_PREVIEW, "p",
	  "its photo, as Instagram gets it (Tab there: the others)" },
};

static const struct key_binding approvals_keys[] = {
	{ 'a', A_APPROVE, "a", "approve the caption (asks)" },
	{ 'e', A_EDIT, "e",
	  "edit the caption in $EDITOR, or here (Enter: new "
	  "line, ^X: done), then approve (asks)" },
	{ 'x', A_REJECT, "x", "reject, with a reason" },
	{ 'g', A_REGENERATE, "g", "regenerate, with a hint" },
	{ 'p', A_PREVIEW, "p",
	  "its photo, as Instagram gets it (Tab there: the others)" },
	{ KEYS_FN(KEY_HOME), A_HOME, "Home/End", "first / last" },
	{ '\n', A_OPEN, "Enter", "open its execution" },
	{ '\r', A_OPEN, NULL, NULL },
	{ KEYS_FN(KEY_ENTER), A_OPEN, NULL, NULL },
};

static const struct key_binding schedules_keys[] = {
	{ 'p', A_PAUSE, "p", "pause (asks for a note) / unpause" },
	{ 't', A_TRIGGER, "t", "trigger a run now" },
	{ 'D', A_DELETE, "D", "delete the schedule (asks)" },
	{ '\n', A_OPEN, "Enter", "describe: next and last fires" },
	{ '\r', A_OPEN, NULL, NULL },
	{ KEYS_FN(KEY_ENTER), A_OPEN, NULL, NULL },
};

static const struct key_binding pubs_keys[] = {
	{ '\n', A_OPEN, "Enter", "open its execution" },
	{ '\r', A_OPEN, NULL, NULL },
	{ KEYS_FN(KEY_ENTER), A_OPEN, NULL, NULL },
};

static const struct {
	const char               *name;
	const struct key_binding *keys;
	size_t                    n;
} views[VIEW_COUNT] = {
	[VIEW_EXECS] = { "Executions", execs_keys, nitems(execs_keys) },
	[VIEW_DETAIL] = { "Detail", detail_keys, nitems(detail_keys) },
	[VIEW_APPROVALS] = { "Approvals", approvals_keys,
	                     nitems(approvals_keys) },
	[VIEW_SCHEDULES] = { "Schedules", schedules_keys,
	                     nitems(schedules_keys) },
	[VIEW_PUBS] = { "Publications", pubs_keys, nitems(pubs_keys) },
};

enum action
keys_lookup(enum view v, int key)
{
	size_t i;

	if (v < VIEW_COUNT)
		for (i = 0; i < views[v].n; i++)
			if (views[v].keys[i].key == key)
				return views[v].keys[i].action;
	for (i = 0; i < nitems(global_keys); i++)
		if (global_keys[i].key == key)
			return global_keys[i].action;
	return A_NONE;
}

const struct key_binding *
keys_view(enum view v, size_t *n)
{
	*n = v < VIEW_COUNT ? views[v].n : 0;
	return v < VIEW_COUNT ? views[v].keys : NULL;
}

const struct key_binding *
keys_global(size_t *n)
{
	*n = nitems(global_keys);
	return global_keys;
}

const char *
keys_view_name(enum view v)
{
	return v < VIEW_COUNT ? views[v].name : "?";
}
