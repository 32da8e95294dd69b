/*
 * exporter: the thread that delivers the trace outbox to Langfuse (OTLP
 * over HTTP, JSON) in batches, oldest first, and deletes what was taken.
 * It has its own store connection and HTTP handle and never waits for the
 * engine, nor the engine for it: the engine only writes spans into the
 * outbox (daemon/trace.c).
 *
 * Delivery: at least once. A batch is deleted after Langfuse accepted it
 * (a 2xx carrying OTLP's JSON answer), so a crash between the two sends it
 * again; span ids are stable. A 2xx with any other body (a proxy's page,
 * garbage, nothing) is a failure like a 503.
 * While Langfuse is unreachable or answers 5xx, 429, 408, 401 or 403, the
 * batch stays and is tried again with exponential backoff (Retry-After is
 * a minimum); any other 4xx means the batch itself is bad: it is logged
 * once with the answer and dropped.
 *
 * exporter_start/stop: main thread. exporter_kick, exporter_stats: any.
 */
#ifndef HERALD_EXPORTER_H
#define HERALD_EXPORTER_H

#include <stdint.h>

struct exporter_opts {
	const char *db_path;
	const char *url;         /* the OTLP traces endpoint */
	const char *public_key;  /* copied; wiped at stop */
	const char *secret_key;  /* copied; wiped at stop */
	int         batch;       /* spans per request at most */
	int64_t     flush_ms;    /* how long new spans wait to share a batch */
	int64_t     max_backoff; /* ms between retries at most */
};

struct exporter_stats {
	int64_t exported;   /* spans Langfuse took */
	int64_t rejected;   /* spans in batches it refused (4xx), dropped */
	int64_t failures;   /* failed requests in a row now */
	int64_t retry_at;   /* wall-clock ms of the next try, 0 if none */
	char    error[256]; /* the last failure, "" once it works again */
};

struct exporter;

/* Opens the outbox and starts the thread. NULL with *cause. */
struct exporter *exporter_start(const struct exporter_opts *, char **cause);
/* Stops the thread (an HTTP request in flight is aborted) and frees. */
void exporter_stop(struct exporter *);

/* New spans may be in the outbox: export them within flush_ms. */
void exporter_kick(struct exporter *);

void exporter_stats(struct exporter *, struct exporter_stats *);

enum exporter_verdict {
	EXPORTER_OK,    /* taken: delete the batch */
	EXPORTER_RETRY, /* keep the batch, try again after a backoff */
	EXPORTER_BAD,   /* the batch itself is refused: drop it */
};

/* What an answer to an export request (status and the len bytes of its
 * body, NUL-terminated) says about the batch. A 2xx is OK only with an
 * OTLP ExportTraceServiceResponse in JSON (see exporter.c): then
 * *rejected holds its partialSuccess.rejectedSpans (0 when none) and why
 * its errorMessage ("" when none); otherwise why (whylen bytes, one log
 * line) says what was wrong. Pure; any thread. */
enum exporter_verdict exporter_verdict(long status, const char *body,
                                       size_t len, int64_t *rejected, char *why,
                                       size_t whylen);

#endif
