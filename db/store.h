/*
 * store: herald's durable state in SQLite (WAL). Two kinds of handle:
 *  - the writer (struct store): the engine thread's only connection; every
 *    change goes through it, inside store_begin/store_commit;
 *  - readers (struct store_reader): read-only connections, one per query
 *    thread, answering list/describe/history without stalling the engine.
 * All SQL lives behind this header, so the engine stays free of SQLite.
 * Times are UTC milliseconds; 0 stands for NULL.
 */
#ifndef HERALD_STORE_H
#define HERALD_STORE_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct store;
struct store_reader;

struct store_step {
	int         idx;
	const char *name;
	const char *status;
	int         attempt;
	int         attempt_base; /* attempts not counted by the policy */
	int64_t     next_attempt_at;
	int64_t     started_at;
	int64_t     finished_at;
	const char *last_error; /* may be NULL */
	const char *result;     /* JSON text, may be NULL */
	const char *progress;   /* JSON text carried between calls, or NULL */
	int         mode;       /* how the attempt started: 0 run, 1 check,
	                           2 a call after a wait */
	int     interrupted;    /* attempts cut by heraldd's stop or crash */
	int64_t check_from;     /* a check: when the checked attempt began */
};

struct store_exec {
	int64_t            n; /* the row's number, set by store_exec_insert */
	const char        *id;
	const char        *type;
	const char        *brand; /* may be NULL */
	const char        *status;
	const char        *input; /* JSON text */
	int64_t            created_at;
	int64_t            closed_at;
	const char        *error;    /* may be NULL */
	const char        *schedule; /* the schedule that started it, or NULL */
	int                nsteps;
	struct store_step *steps;
};

/* Opens (creating and migrating) the database at path for writing.
 * sync_full selects synchronous=FULL, else NORMAL. NULL with *cause. */
struct store *store_open(const char *path, int sync_full, char **cause);
void          store_close(struct store *);

int  store_begin(struct store *, char **cause);
int  store_commit(struct store *, char **cause);
void store_rollback(struct store *);

/* The last event seq in the store (0 when empty). */
int64_t store_last_seq(struct store *);

/* Inserts the execution and its steps. Returns 0 and sets x->n, 1 when the
 * id already exists, -1 with *cause. */
int store_exec_insert(struct store *, struct store_exec *x, char **cause);
/* Saves status, closed_at and error of execution n. */
int store_exec_update(struct store *, int64_t n, const char *status,
                      int64_t closed_at, const char *error, char **cause);
/* Saves every column of one step of execution n. */
int store_step_update(struct store *, int64_t n, const struct store_step *,
                      char **cause);
/* One history event. exec_n 0: not about an execution (daemon events).
 * When read back, exec_id, workflow and brand come from the execution. */
struct store_event {
	int64_t     seq;
	int64_t     at;
	int64_t     exec_n;
	const char *topic;
	const char *type;
	const char *step;
	int         attempt;
	const char *data; /* JSON text */
	const char *exec_id, *workflow, *brand;
};

/* Appends one history event. */
int store_event_add(struct store *, const struct store_event *, char **cause);

/* Remembered requests (by client request id), so a repeat gets the first
 * answer. reply is NULL for a workflow.execute, answered from exec_id. */
int store_request_add(struct store *, const char *rid, int64_t at,
                      const char *method, const char *exec_id,
                      const char *reply, char **cause);
/* 0 found (caller frees the strings), 1 not found, -1 error. */
int store_request_get(struct store *, const char *rid, char **method,
                      char **exec_id, char **reply, char **cause);
/* Forgets requests older than before. */
int store_request_prune(struct store *, int64_t before, char **cause);

/* Calls fn for each execution whose status is one of statuses (NULL
 * terminated), oldest first, with its steps. The pointers in x are valid
 * during the call only. Returns 0, or -1 with *cause. */
int store_load(struct store *, const char *const                      *statuses,
               int (*fn)(void *arg, const struct store_exec *x), void *arg,
               char **cause);
/* The same for one execution by id: 0 found, 1 not found, -1 error. */
int store_load_one(struct store *, const char                             *id,
                   int (*fn)(void *arg, const struct store_exec *x), void *arg,
                   char **cause);

/* Schedules: the spec, and runtime state that survives restarts. */
struct store_sched {
	const char *id, *workflow, *input, *cron, *timezone, *overlap;
	int64_t     catchup_ms, jitter_ms;
	const char *source; /* "config" or "api" */
	int         paused;
	const char *note;
	int64_t     cursor_at;   /* fires at or before this are handled */
	int64_t     buffered_at; /* a fire waiting (buffer_one), or 0 */
	int64_t     created_at, updated_at;
};

/* Creates a schedule, or updates its spec keeping its state. */
int store_sched_put(struct store *, const struct store_sched *, char **cause);
/* Saves paused, note, cursor_at, buffered_at. */
int store_sched_state(struct store *, const struct store_sched *, char **cause);
int store_sched_del(struct store *, const char *id, char **cause);
/* Calls fn for every schedule (valid during the call). */
int store_sched_load(struct store *,
                     int (*fn)(void *arg, const struct store_sched *),
                     void *arg, char **cause);
/* outcome: started, skipped, buffered, missed, failed. */
int store_fire_add(struct store *, const char *schedule, int64_t fire_at,
                   int64_t at, const char *outcome, const char *execution,
                   const char *detail, char **cause);

/* Claims: a key (a photo) of a kind, in a scope (a brand), reserved by a
 * run and then used, or released when the run fails or is cancelled. */
/* 0, 1 when someone else holds the key, -1 error. */
int store_claim_add(struct store *, int64_t exec_n, const char *kind,
                    const char *scope, const char *key, int64_t at,
                    char **cause);
/* Every live claim of a run becomes state ("used" or "released"). */
int store_claims_close(struct store *, int64_t exec_n, const char *state,
                       char **cause);
/* A retried run takes its released claims back: 0, 1 if one was taken by
 * another run meanwhile (nothing changed), -1 error. */
int store_claims_reserve(struct store *, int64_t exec_n, char **cause);
/* The live keys of kind in scope, as a JSON array (caller frees). */
int store_claims_taken(struct store *, const char *kind, const char *scope,
                       char **json, char **cause);

struct store_publication {
	const char *execution, *brand, *channel, *post_id, *permalink;
	const char *caption, *photo_key, *model;
	int64_t     input_tokens, output_tokens;
	double      cost_usd;
	int64_t     published_at;
};
/* Once per execution and channel (a repeat is ignored). */
int store_publication_add(struct store *, const struct store_publication *,
                          char **cause);

/* Traces and spend: written by daemon/trace.c on the engine thread, inside
 * the turn's transaction, so they commit with the state change they
 * describe. */

/* Calls fn with execution n and its steps (valid during the call): 0, 1
 * when there is none, -1 with *cause. */
int store_exec_get(struct store *, int64_t                                 n,
                   int (*fn)(void *arg, const struct store_exec *x), void *arg,
                   char **cause);
/* Calls fn for each event of execution exec_n, oldest first (the pointers
 * are valid during the call; exec_id, workflow and brand are NULL). */
int store_exec_events(struct store *, int64_t exec_n,
                      void (*fn)(void *arg, const struct store_event *),
                      void *arg, char **cause);
/* Appends one span (OTLP JSON text) to the outbox. When the outbox then
 * holds more than cap spans, the oldest are deleted: *dropped says how
 * many (0 mostly). */
int store_span_add(struct store *, int64_t at, const char *span, int64_t cap,
                   int64_t *dropped, char **cause);

/* One model call's tokens and cost, for the spend totals. */
struct store_spend {
	int64_t     at;
	const char *brand, *execution, *step, *model;
	int64_t     input_tokens, output_tokens;
	double      cost_usd;
};
int store_spend_add(struct store *, const struct store_spend *, char **cause);

/* The exporter's own connection (its thread only), which reads the oldest
 * spans and deletes them once they are delivered: each delete is one
 * short transaction, waiting (busy timeout) while the engine commits. */
struct store_outbox;
struct store_outbox *store_outbox_open(const char *path, char **cause);
void                 store_outbox_close(struct store_outbox *);
/* Calls fn for the oldest spans, at most max_rows of them and no more
 * than max_bytes of text (but always one), oldest first; the text is valid
 * during the call. Returns how many (0 when the outbox is empty), or -1
 * with *cause. */
int store_outbox_read(struct store_outbox *, int max_rows, size_t max_bytes,
                      void (*fn)(void *arg, int64_t n, const char *span,
                                 size_t len),
                      void *arg, char **cause);
/* Deletes the spans numbered first..last. */
int store_outbox_delete(struct store_outbox *, int64_t first, int64_t last,
                        char **cause);

/* Readers. */
struct store_reader *store_reader_open(const char *path, char **cause);
void                 store_reader_close(struct store_reader *);

struct store_filter {
	const char *status, *type, *brand; /* NULL: any */
	const char *match;      /* NULL, or text in the id, type or brand */
	int64_t     before;     /* cursor: rows with n < before (0: none) */
	int64_t     newer_than; /* cursor: the page just above n (-1: none) */
	int         limit;
};
/* {"executions":[...], "next", "prev": cursors or null, "seq": the last
 * event the rows reflect}, newest first. */
int store_list(struct store_reader *, const struct store_filter *, cJSON **out,
               char **cause);
/* The execution with its steps and the last event's seq they reflect:
 * 0, 1 when not found, -1 error. */
int store_describe(struct store_reader *, const char *id, cJSON **out,
                   char **cause);
/* {"events":[...]} of one execution after seq, at most limit. 0, 1, -1. */
int store_history(struct store_reader *, const char *id, int64_t after,
                  int limit, cJSON **out, char **cause);
/* Calls fn for each event after seq `after` (of topic, if not NULL),
 * oldest first, at most limit; *more says whether more follow. The
 * pointers in the event are valid during the call only. */
int store_events_since(struct store_reader *, int64_t after, int limit,
                       const char *topic,
                       void (*fn)(void *arg, const struct store_event *),
                       void *arg, int *more, char **cause);

/* One schedule (id) or all (NULL): 0, 1 not found, -1 error. */
int store_sched_read(struct store_reader *, const char *id,
                     int (*fn)(void *arg, const struct store_sched *),
                     void *arg, char **cause);
/* The last `limit` fires of a schedule, newest first, as a JSON array. */
int store_sched_fires(struct store_reader *, const char *id, int limit,
                      cJSON **out, char **cause);

/* {"publications": [...]}, newest first, of brand (or all). */
int store_publications(struct store_reader *, const char *brand, int limit,
                       cJSON **out, char **cause);

/* {"approvals": [...]}: runs waiting at the approval gate (of brand, or
 * all), oldest first, with what their approval_requested event said. */
int store_approvals(struct store_reader *, const char *brand, cJSON **out,
                    char **cause);

/* {"running": N, ...}: executions per status. */
int store_counts(struct store_reader *, cJSON **out, char **cause);

/* Model spend per brand since month_start (UTC ms), and of that since
 * day_start: {"<brand>": {today_usd, today_calls, month_usd, month_calls,
 * month_input_tokens, month_output_tokens}}; runs without a brand are
 * under "". */
int store_spend_since(struct store_reader *, int64_t day_start,
                      int64_t month_start, cJSON **out, char **cause);
/* How many spans wait in the outbox. */
int store_outbox_size(struct store_reader *, int64_t *n, char **cause);

#endif
