/*
 * trace: what the history tells the world outside the store, written in
 * the same transaction as the event that says it:
 *  - the spend ledger: every Claude call's model, tokens and cost, for
 *    the totals `herald status` shows;
 *  - when Langfuse export is on, the execution's spans (OpenTelemetry,
 *    OTLP JSON, with Langfuse's langfuse.* attributes) in the outbox the
 *    exporter drains: a root span per run of an execution, a span per
 *    step attempt, a generation per Claude call. Each span is written
 *    once, complete, when the thing it describes has ended.
 *
 * Ids are derived, not stored: the trace id from the execution id, span
 * ids from (execution, run | step and attempt), so a span written again
 * after a crash has the same id.
 *
 * trace_event: engine thread only. trace_dropped: any thread.
 */
#ifndef HERALD_TRACE_H
#define HERALD_TRACE_H

#include <stdint.h>

#include "db/store.h"

struct trace_opts {
	int export;         /* write spans to the outbox */
	int     prompts;    /* generations carry the prompt text */
	int64_t max_outbox; /* spans kept at most; the oldest go first */
};

struct trace;

struct trace *trace_new(const struct trace_opts *);
void          trace_free(struct trace *);

/* Called for every history event, right after it is written, inside the
 * turn's transaction (ev->exec_id, workflow and brand set; result is the
 * step's result for step events, else NULL). Returns 0, or -1 with *cause
 * when the store failed: the turn must then fail too. */
int trace_event(struct trace *, struct store *, const struct store_event *ev,
                const char *result, char **cause);

/* Spans dropped because the outbox was full, since start. */
int64_t trace_dropped(struct trace *);

/* The pure part, for tests: the spans that events[n - 1] completes, for
 * execution x (its row and steps as stored, after the event), each passed
 * to fn as OTLP JSON text (fn takes it). */
void trace_spans(const struct trace_opts *, const struct store_exec *x,
                 const struct store_event *events, int    n,
                 void (*fn)(void *arg, char *span), void *arg);

/* 32 hex digits: the trace id of an execution. */
void trace_id(const char *exec_id, char out[33]);
/* 16 hex digits: a span id. kind is "run" (n: the run, from 1), "attempt"
 * or "generation" (step and n: its attempt). */
void trace_span_id(const char *exec_id, const char *kind, const char *step,
                   int n, char out[17]);

#endif
