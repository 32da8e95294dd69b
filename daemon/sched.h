/*
 * sched: one schedule as the engine keeps it: its spec (cron expressions
 * in a time zone, overlap policy, catch-up window, jitter) and its runtime
 * state (paused and why, the cursor up to which fires are handled, a fire
 * buffered behind a running one). Pure data and arithmetic; whoever owns a
 * schedule uses it from one thread (the engine; a query thread for its
 * own copies).
 */
#ifndef HERALD_SCHED_H
#define HERALD_SCHED_H

#include <stdint.h>

#include "daemon/cron.h"
#include "daemon/workflow.h"

struct store_sched;
struct tz;

enum overlap { OVERLAP_SKIP, OVERLAP_BUFFER_ONE, OVERLAP_ALLOW_ALL };
extern const char *const overlap_names[]; /* NULL-terminated */

struct schedule {
	char                  *id;
	char                  *workflow;
	const struct workflow *wf;    /* NULL if this daemon lacks the type */
	char                  *input; /* JSON text */
	char                  *cron;  /* JSON array of the expressions */
	int                    ncron;
	char                 **exprs;
	struct cron           *crons;
	char                  *timezone;
	struct tz             *tz;
	enum overlap           overlap;
	int64_t                catchup_ms, jitter_ms;
	char                  *source; /* "config" or "api" */
	int                    paused;
	char                  *note;
	int64_t                cursor_at;   /* ms; fires up to it handled */
	int64_t                buffered_at; /* ms, or 0 */
	int64_t                created_at;
	int64_t                next_at; /* the next fire after cursor, or -1 */
	int                    open_runs; /* its executions not yet closed */
};

/* Builds a schedule from a stored row, checking the spec. NULL with *cause
 * (naming the field) if a cron expression, the zone or the overlap is
 * bad. types may be NULL (then wf stays NULL). */
struct schedule *schedule_from_row(const struct store_sched *,
                                   const struct workflow *const *types,
                                   char                        **cause);
void             schedule_free(struct schedule *);

/* The first fire strictly after `after` (UTC ms), or -1. */
int64_t schedule_next(const struct schedule *, int64_t after);

/* When the fire at t is actually started: t plus this schedule's jitter
 * for t (stable across restarts: derived from the id and t). */
int64_t schedule_due(const struct schedule *, int64_t t);

/* "<id>-20261128T090000Z": the execution a fire at t starts. */
char *schedule_exec_id(const struct schedule *, int64_t t);

/* The row to store (pointers into s). */
void schedule_to_row(const struct schedule *, struct store_sched *);

#endif
