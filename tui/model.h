/*
 * model: what the console shows, as plain data built from the daemon's
 * replies and events. No curses and no sockets, so the state logic
 * (events, seq gaps, paging, filters, the operator's place) is
 * unit-tested without a terminal.
 *
 * The console (tui/console.c) feeds it replies (model_*_reply) and events
 * (model_event) and asks it what to fetch (model->stale, model->want);
 * the views (tui/view_*.c) only read it. Console thread only.
 *
 * The struct is visible so the views can read it; only model.c writes
 * it, except the panes' heights, which the console sets from the layout.
 */
#ifndef HERALD_MODEL_H
#define HERALD_MODEL_H

#include <stdint.h>

#include <cjson/cJSON.h>

enum view {
	VIEW_EXECS,
	VIEW_DETAIL,
	VIEW_APPROVALS,
	VIEW_SCHEDULES,
	VIEW_PUBS,
	VIEW_COUNT
};

/* What is out of date, for the console to fetch (bits of model->stale).
 * The console fetches what the current view shows, and the approvals
 * (the tab bar's badge) always. */
enum stale {
	STALE_STATUS = 1,
	STALE_LIST = 2,
	STALE_DETAIL = 4, /* describe; the history follows events */
	STALE_HISTORY = 8,
	STALE_SCHEDULES = 16,
	STALE_PUBS = 32,
	STALE_APPROVALS = 64,
	STALE_SPEND = 128, /* status again, for its spend (Publications) */
	STALE_ALL = 255
};

/* Which page of executions to fetch (model->want, model_list_params). */
enum page {
	PAGE_NONE,
	PAGE_TOP,    /* the newest */
	PAGE_BOTTOM, /* the oldest */
	PAGE_OLDER,  /* below the window */
	PAGE_NEWER,  /* above the window */
	PAGE_RELOAD  /* the window again, from its first row */
};

/* The rows fetched per page, and the most the window keeps: scrolling on
 * drops rows from the far end and fetches them again when needed. */
#define MODEL_PAGE   100
#define MODEL_WINDOW 300

struct exec_row {
	char   *id, *type, *brand, *status, *step, *error, *schedule;
	int64_t created_at, closed_at; /* UTC ms; 0: none */
	int64_t cursor;                /* its place for paging; 0: unknown */
	int64_t seq;                   /* the last event the row reflects */
	int     retries;               /* attempts beyond each step's first */
	int     in_doubt;              /* a step waits for an operator */
};

/* A scrolling list: the selected row, the first one shown, and how many
 * fit (set by the console from the layout). */
struct pane {
	int sel, top, height;
	int count; /* rows, for panes the model does not hold (wrapped text) */
};

enum appr_state { APPR_UNKNOWN, APPR_OK, APPR_UNAVAILABLE };

/* One brand's Claude spend, as status's spend.brands has it: every
 * Claude call of the UTC day and month, counted by the daemon. */
struct spend_row {
	char   *brand; /* "": runs without a brand */
	double  today_usd, month_usd;
	int64_t today_calls, month_calls;
	int64_t month_in, month_out; /* tokens */
};

enum spend_state { SPEND_UNKNOWN, SPEND_OK, SPEND_UNREPORTED };

struct model {
	enum view view;

	/* The daemon. */
	int     connected;
	int     ever_connected;
	char   *daemon;     /* "heraldd 0.1.0", from status */
	cJSON  *counts;     /* executions by status, from status */
	int64_t last_seq;   /* newest event applied or covered by a refresh */
	int     refreshing; /* from model_refresh to model_baseline */
	int     stale;      /* enum stale */

	/* Executions: a window of the daemon's list, newest first. */
	struct exec_row *rows;
	int              nrows;
	int64_t          next, prev; /* cursors past the window; 0: none */
	int              loaded;     /* the window holds a fetched page */
	int              newer;      /* started above a window not at the top */
	enum page        want;       /* a page navigation asked for */
	struct pane      execs;
	char            *f_status; /* filters; NULL: any */
	char            *f_match;

	/* The execution opened with Enter. */
	char       *detail_id;
	cJSON      *detail;  /* workflow.describe's result */
	cJSON      *history; /* its events, oldest first */
	char       *detail_error;
	struct pane d_info, d_hist;
	int         d_focus;  /* 0: steps and content, 1: history */
	int         d_follow; /* the history shows its newest events */

	/* Approvals (the tab bar's badge counts them). */
	enum appr_state appr_state;
	cJSON          *approvals; /* array, oldest first */
	struct pane     appr;

	cJSON      *schedules; /* array */
	struct pane sched;

	/* Claude spend per brand, from status (fetched with the
	 * Publications tab and after steps end). */
	enum spend_state  spend_state;
	char             *spend_day, *spend_month; /* "2026-11-28", "2026-11" */
	struct spend_row *spend;                   /* by brand, as sent */
	int               nspend;
	int64_t           spend_at; /* UTC ms (our clock) of the reply */

	cJSON      *pubs;      /* array, newest first */
	int         pubs_full; /* the reply held as many as asked for */
	struct pane pubs_pane;

	/* A line for the status bar, until a time. */
	char   *message;
	int     message_error;
	int64_t message_until;
};

struct model *model_new(void);
void          model_free(struct model *);

/* The daemon came (1) or went (0). Going keeps everything shown (and the
 * operator's place); coming marks everything stale. */
void model_connected(struct model *, int up);

/* status's result: the daemon's version, counts and spend; now_ms is
 * when it came (UTC ms), for model_clock. */
void model_status_reply(struct model *, const cJSON *result, int64_t now_ms);

/* The wall clock moved on: the spend is marked stale (STALE_SPEND) when
 * a UTC day began since it was fetched, since its "today" is then
 * yesterday. Cheap; call it on every turn of the loop. */
void model_clock(struct model *, int64_t now_ms);

/* The spend of all brands together, into *out (its brand NULL). */
void model_spend_total(const struct model *, struct spend_row *out);

/* Applies one event (as published or as events.since returns it).
 * Returns 1 when its seq shows events were missed: the caller refreshes
 * (model_refresh) after applying it; 0 otherwise. Events the model has
 * already covered are ignored. */
int model_event(struct model *, const cJSON *ev);

/* Marks everything stale, as after a gap or a reconnect: the console
 * then fetches status first and gives its engine.last_seq to
 * model_baseline (every fetch after it reflects at least that much, so
 * events up to it are skipped; it may be below the model's last_seq,
 * when the daemon came back with a new store), then the rest. The list is
 * reloaded in place (PAGE_RELOAD), keeping the operator's place. */
void model_refresh(struct model *);
void model_baseline(struct model *, int64_t seq);

/* workflow.list's params for page p (caller frees), or NULL when there is
 * nothing to fetch that way. */
cJSON *model_list_params(const struct model *, enum page p);
/* workflow.list's result for page p. */
void model_list_reply(struct model *, enum page p, const cJSON *result);

/* Filters (NULL clears); each marks the list for a fetch from the top. */
void model_filter_status(struct model *, const char *status);
void model_filter_match(struct model *, const char *text);
/* The next status in the filter's cycle (all, running, ... , all). */
const char *model_next_status(const char *status, int dir);

/* The selected execution, or NULL. */
const struct exec_row *model_selected(const struct model *);
/* 1 if the row is the one the filters let through. */
int model_row_matches(const struct model *, const char *id, const char *type,
                      const char *brand, const char *status);

/* Opens the detail of execution id (marks it stale); NULL closes. */
void model_open_detail(struct model *, const char *id);
void model_detail_reply(struct model *, const cJSON *result);
void model_history_reply(struct model *, const cJSON *result);
void model_detail_error(struct model *, const char *message);

/* approval.list's result, or that the daemon has no approvals. */
void         model_approvals_reply(struct model *, const cJSON *result);
void         model_approvals_unavailable(struct model *);
int          model_approvals_waiting(const struct model *);
const cJSON *model_approval_selected(const struct model *);
/* The approval waiting on execution exec, or NULL. */
const cJSON *model_approval_find(const struct model *, const char *exec);
/* Which caption an approval shows (approval.list's round, the
 * approval_requested event's attempt): the approve, reject and
 * regenerate requests name it, so the daemon refuses a decision about a
 * caption it has since replaced. 0: not known. */
int model_approval_round(const cJSON *approval);

void         model_schedules_reply(struct model *, const cJSON *result);
const cJSON *model_schedule_selected(const struct model *);
void         model_pubs_reply(struct model *, const cJSON *result, int asked);
const cJSON *model_pub_selected(const struct model *);

/* Moves in the current view's focused pane. */
enum nav { NAV_UP, NAV_DOWN, NAV_PGUP, NAV_PGDN, NAV_HOME, NAV_END };
void model_nav(struct model *, enum nav);
/* Keeps a pane's selection and top inside n rows and its height. */
void model_pane_fix(struct pane *, int n);

void model_message(struct model *, int error, int64_t until_ms, const char *);

#endif
