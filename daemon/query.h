/*
 * query: answers the read-only methods (status, lists, describe, history)
 * on a small pool of threads, each with its own read-only store
 * connection, so a slow query never stalls the engine.
 */
#ifndef HERALD_QUERY_H
#define HERALD_QUERY_H

#include "ipc/proto.h"

struct engine;
struct exporter;
struct query;
struct trace;
struct workflow;

struct query_info {
	const char                   *db_path;
	const char                   *state_dir;
	int                           workers;
	int64_t                       started_at;
	struct engine                *engine;   /* for its stats */
	struct trace                 *trace;    /* for its stats */
	struct exporter              *exporter; /* NULL when Langfuse is off */
	const struct workflow *const *types;    /* for the steps' policies */
};

/* Starts n threads. info is borrowed and must outlive the pool. */
struct query *query_start(const struct query_info *, int n, char **cause);
void          query_stop(struct query *);

/* Queues a read-only call (takes params); any thread. */
void query_call(struct query *, enum method_id, cJSON *params,
                struct reply_to rt);

#endif
