/*
 * engine: the durable state machine of executions, on one thread that is
 * the only writer of the store. Everything that changes state (protocol
 * calls, activity results, timers) arrives in its inbox; each turn applies
 * all that is queued in ONE transaction, commits, and only then dispatches
 * steps to the workers, sends replies and publishes events (DESIGN.md,
 * "Durable execution", rule 1).
 *
 * engine_start/engine_stop: main thread. engine_call: any thread.
 */
#ifndef HERALD_ENGINE_H
#define HERALD_ENGINE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "daemon/workflow.h"
#include "db/store.h"
#include "ipc/proto.h"

struct engine_opts {
	const char *db_path;
	int         sync_full;
	int         workers;
	/* On engine_stop, how long running activities may finish before
	 * they are interrupted: 0 for the default (ENGINE_DRAIN_MS),
	 * negative for no wait (a caller that drains by itself, with
	 * engine_drain, as heraldd does). */
	int64_t drain_ms;
	/* What activities may know of the config, as JSON text:
	 * {"state_dir": ..., "brands": {...}} (borrowed during start). */
	const char *settings;
	/* Where the config's schedules are declared, for messages: the
	 * config file's absolute path, or what the demo's is; NULL: none.
	 * Borrowed for the engine's life. */
	const char *config_path;
	/* The config's schedules (borrowed during engine_start). */
	const struct store_sched     *scheds;
	int                           nscheds;
	const struct workflow *const *types; /* NULL-terminated, static */
	/* Called on the engine thread after each commit, once per event, in
	 * seq order; takes json. May be NULL. */
	void (*publish)(void *arg, const char *topic, char *json);
	void *publish_arg;
	/* Sees every history event inside its transaction (spend, Langfuse
	 * spans: daemon/trace.h); borrowed, may be NULL. */
	struct trace *trace;
};

struct trace;

struct engine_stats {
	int64_t active;   /* executions not yet closed */
	int64_t running;  /* step attempts on workers */
	int64_t commits;  /* transactions since start */
	int64_t last_seq; /* the newest event */
};

struct engine;

/* How long a stop lets running steps finish by default. */
#define ENGINE_DRAIN_MS 60000

/* Opens the store, recovers what a previous run left (steps caught
 * running are retried, or put in doubt when they have side effects), and
 * starts the engine thread and the worker pool. NULL with *cause. */
struct engine *engine_start(const struct engine_opts *, char **cause);

/* Starts draining for a stop: running attempts go on and their results
 * are stored as usual, but nothing new starts (no attempt, retry, fire or
 * change: calls get "unavailable"). engine_stats().running says how many
 * attempts are left. Returns at once; any thread. */
void engine_drain(struct engine *);

/* Drains for opts.drain_ms, then interrupts what still runs (DESIGN rule
 * 5: an interrupted attempt uses no retry budget; the next start runs it
 * again, or checks it if it publishes), stores what the workers return,
 * replies "unavailable" to what is queued, and frees everything. */
void engine_stop(struct engine *);

/* Queues a mutating call of method (its params already checked against the
 * method table; the engine takes them). rid, the client's request id, may
 * be NULL; a repeat of a known rid gets the first answer. rt.fn is called
 * exactly once, after the call's changes are committed, or with an
 * error. */
void engine_call(struct engine *, enum method_id, cJSON *params,
                 const char *rid, struct reply_to rt);

/* Records what the photo methods found (daemon/photo_ops.c), as the one
 * writer does: records is {"brand", "aside": [{"key", "identity",
 * "reason"}], "back": ["<key>"] (set-aside photos usable again),
 * "removed": ["<variant location>"], "used": ["<key>"] (marked used by
 * an operator) with "marked": {by, new, known, unknown, held} for the
 * history, "reply": "<reply text>"}; rt gets
 * that reply once it is committed, or an error. Takes records; any
 * thread. */
void engine_record_photos(struct engine *, cJSON *records, struct reply_to rt);

/* The config was reloaded: these are its schedules now (borrowed). Main
 * thread. */
void engine_reload(struct engine *, const struct store_sched *rows, int n,
                   const char *settings);

/* A snapshot of counters; any thread. */
void engine_stats(struct engine *, struct engine_stats *);

#endif
