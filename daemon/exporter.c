/*
 * exporter: one thread, the trace outbox to Langfuse (see exporter.h).
 *
 * Threads: the exporter thread owns everything here but the lock-guarded
 * fields (pending, next_at, stopping, the stats), which exporter_kick and
 * exporter_stats touch from other threads under the lock. The lock is
 * never held across SQLite or HTTP.
 *
 * The loop: wait until there may be spans (a kick, or the hourly look)
 * and the backoff has passed; read the oldest batch; send it; on success
 * delete it and go on at once if more may wait; on failure wait longer.
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "activities/http.h"
#include "common/json.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/util.h"
#include "daemon/exporter.h"
#include "db/store.h"

#define BATCH_BYTES                                                            \
	(768 * 1024) /* a request body, about: under the                       \
	                 1 MB proxies often allow */
#define REQUEST_MS     30000
#define IDLE_LOOK_MS   (3600 * 1000) /* a look even without a kick */
#define DRAIN_MS       2000          /* at stop, to send the last spans */
#define FIRST_BACKOFF  1000
#define RESPONSE_MAX   (64 * 1024)
#define LOG_BODY_CHARS 300

struct exporter {
	struct exporter_opts opts;
	char                *url;
	char                *auth; /* "Authorization: Basic ..." */
	struct store_outbox *outbox;
	struct http         *http;
	pthread_t            thread;
	atomic_int           cancel; /* aborts a request at stop */
	unsigned int         seed;   /* jitter */

	pthread_mutex_t lock;
	pthread_cond_t  cond;
	int             stopping;
	int             draining;      /* stopping soon: send without
	                                  waiting for company */
	int                   pending; /* spans may be waiting */
	uint64_t              kicks;   /* commits announced so far */
	int64_t               next_at; /* monotonic ms: not before */
	int64_t               backoff; /* ms; 0 after a success */
	struct exporter_stats stats;
};

/* The batch being built: the spans' numbers and the request body. */
struct batch {
	int64_t first, last;
	int     count;
	char   *body;
	size_t  len, cap;
};

static void
batch_put(struct batch *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->body = xrealloc(b->body, b->cap);
	}
	memcpy(b->body + b->len, s, n);
	b->len += n;
	b->body[b->len] = '\0';
}

static void
batch_span(void *arg, int64_t n, const char *span, size_t len)
{
	struct batch *b = arg;
	char         *clean = NULL;

	/* The spans are made of texts already redacted where they came in
	 * (an activity's output); this is the last door before Langfuse for
	 * anything else (a client's input, say). */
	if (redact_found(span, len)) {
		clean = xstrndup(span, len);
		redact_json(&clean);
		span = clean;
		len = strlen(clean);
	}
	if (b->count == 0)
		b->first = n;
	else
		batch_put(b, ",", 1);
	batch_put(b, span, len);
	b->last = n;
	b->count++;
	free(clean);
}

/* The spans, already OTLP JSON, inside one ExportTraceServiceRequest. */
static void
batch_read(struct exporter *x, struct batch *b, char **cause)
{
	static const char head[] =
	    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
	    "{\"key\":\"service.name\",\"value\":{\"stringValue\":"
	    "\"heraldd\"}},"
	    "{\"key\":\"service.version\",\"value\":{\"stringValue\":"
	    "\"" HERALD_VERSION "\"}}]},"
	    "\"scopeSpans\":[{\"scope\":{\"name\":\"herald\",\"version\":"
	    "\"" HERALD_VERSION "\"},\"spans\":[";
	static const char tail[] = "]}]}]}";
	int               n;

	memset(b, 0, sizeof *b);
	batch_put(b, head, sizeof head - 1);
	n = store_outbox_read(x->outbox, x->opts.batch, BATCH_BYTES, batch_span,
	                      b, cause);
	if (n < 0)
		b->count = -1;
	batch_put(b, tail, sizeof tail - 1);
}

/* A response body fit for one log line: its first bytes, without the
 * secrets Langfuse may echo (redacted whole, before it is cut: a key cut in
 * two would no longer be found, and its head would show), quotes and
 * control characters blanked, not ending inside a character. */
static char *
log_body(const char *body, size_t len)
{
	char  *raw = xstrndup(body, len), *all = redact_dup(raw), *out, *p;
	size_t n;

	out = xstrndup(all, strnlen(all, LOG_BODY_CHARS));
	free(all);
	free(raw);

	for (p = out; *p != '\0'; p++)
		if (*p == '"' || *p == '\n' || *p == '\r' || *p == '\\' ||
		    (unsigned char)*p < 0x20)
			*p = ' ';
	/* Do not end inside a character. */
	n = strlen(out);
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
		out[--n] = '\0';
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
		out[--n] = '\0';
	return out;
}

/* An int64 of an OTLP JSON message: proto3's JSON mapping writes 64-bit
 * integers as decimal strings and accepts numbers too (the OTLP
 * specification, "JSON Protobuf Encoding"). Absent is 0. 0, or -1 for
 * anything else or a negative count. */
static int
otlp_count(const cJSON *v, int64_t *out)
{
	const char *s;
	char       *end;
	long long   n;

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble >= 0 &&
		      v->valuedouble <= 9007199254740992.0) ||
		    v->valuedouble != (double)(int64_t)v->valuedouble)
			return -1;
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if ((s = cJSON_GetStringValue(v)) == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

enum exporter_verdict
exporter_verdict(long status, const char *body, size_t len, int64_t *rejected,
                 char *why, size_t whylen)
{
	enum exporter_verdict v;
	const cJSON          *ps, *msg;
	cJSON                *reply = NULL;
	char                 *shown = log_body(body, len), *m;

	*rejected = 0;
	why[0] = '\0';
	if (status < 200 || status > 299) {
		snprintf(why, whylen, "HTTP %ld: %s", status, shown);
		/* 400 and 422: the payload itself is refused, sending it
		 * again would not help. Anything else (away, busy, refusing
		 * the keys, a redirect, a wrong path, 413 from a proxy's
		 * limit) is something an operator can fix: keep the spans. */
		v = status == 400 || status == 422 ? EXPORTER_BAD
		                                   : EXPORTER_RETRY;
		goto out;
	}
	/* A 2xx is Langfuse's word only when its body is the answer OTLP
	 * defines: "The response body MUST be the appropriate serialized
	 * Protobuf message" in the request's encoding ("The server MUST use
	 * the same Content-Type in the response as it received in the
	 * request"), an ExportTraceServiceResponse (OTLP specification,
	 * OTLP/HTTP Response, Full Success). We send JSON, so the answer is
	 * a JSON object, "{}" when all went well. Anything else (a proxy's
	 * or a captive portal's HTML page, a truncated body, and an empty
	 * one, which is no JSON value at all, though it would be a valid
	 * empty message in the binary encoding we do not use) did not come
	 * from an OTLP endpoint that took the batch: keep it and retry, at
	 * the risk of a duplicate, which OTLP accepts ("Duplicate Data"). */
	reply = json_parse(body, len, NULL);
	ps = cJSON_GetObjectItem(reply, "partialSuccess");
	msg = cJSON_GetObjectItem(ps, "errorMessage");
	if (!cJSON_IsObject(reply)) {
		snprintf(why, whylen,
		         "HTTP %ld: the answer is not an OTLP "
		         "ExportTraceServiceResponse (%zu bytes: %s)",
		         status, len, shown);
		v = EXPORTER_RETRY;
	} else if ((ps != NULL && !cJSON_IsNull(ps) && !cJSON_IsObject(ps)) ||
	           otlp_count(cJSON_GetObjectItem(ps, "rejectedSpans"),
	                      rejected) != 0 ||
	           (msg != NULL && !cJSON_IsNull(msg) &&
	            !cJSON_IsString(msg))) {
		*rejected = 0;
		snprintf(why, whylen,
		         "HTTP %ld: a malformed partialSuccess in the answer "
		         "(%s)",
		         status, shown);
		v = EXPORTER_RETRY;
	} else {
		/* Taken; a partial success (spans refused, or a warning)
		 * must not be retried (Partial Success). */
		if ((m = cJSON_GetStringValue(msg)) != NULL) {
			m = log_body(m, strlen(m));
			snprintf(why, whylen, "%s", m);
			free(m);
		}
		v = EXPORTER_OK;
	}
out:
	/* The answer's bytes, cut where the buffer ends: the reason is
	 * shown by `herald status`, in JSON, which must stay valid. */
	utf8_scrub(why);
	cJSON_Delete(reply);
	free(shown);
	return v;
}

/* Sends one batch. *retry_after: what the server asked for, or 0. */
static enum exporter_verdict
send_batch(struct exporter *x, const struct batch *b, int64_t *retry_after,
           char *error, size_t errlen)
{
	const char     *headers[] = { "Content-Type: application/json", x->auth,
		                      "x-langfuse-ingestion-version: 4",
		                      "User-Agent: heraldd/" HERALD_VERSION, NULL };
	struct http_req q;
	struct http_resp      r;
	enum exporter_verdict how;
	char                 *cause = NULL;
	int64_t               rejected = 0;
	int                   rc;

	memset(&q, 0, sizeof q);
	q.method = "POST";
	q.url = x->url;
	q.headers = headers;
	q.body = b->body;
	q.body_len = b->len;
	q.deadline = clock_ms() + REQUEST_MS;
	q.cancel = &x->cancel;
	q.max_response = RESPONSE_MAX;
	rc = http_do(x->http, &q, &r, &cause);
	*retry_after = r.retry_after_ms;
	redact_str(&cause);
	if (rc != 0) {
		snprintf(error, errlen, "%s", cause);
		how = EXPORTER_RETRY;
	} else
		how = exporter_verdict(r.status, r.body, r.len, &rejected,
		                       error, errlen);
	if (how == EXPORTER_OK && (rejected > 0 || error[0] != '\0'))
		log_warn("langfuse_spans_rejected",
		         "spans=%lld of=%d message=\"%s\"", (long long)rejected,
		         b->count, error);
	free(cause);
	http_resp_fini(&r);
	return how;
}

/* The next wait after a failure: doubled, capped, with some jitter so
 * many daemons do not come back at once; at least what the server asked.
 */
static int64_t
next_backoff(struct exporter *x, int64_t retry_after)
{
	int64_t d = x->backoff == 0 ? FIRST_BACKOFF : 2 * x->backoff;

	if (d > x->opts.max_backoff)
		d = x->opts.max_backoff;
	x->backoff = d;
	d = d * 4 / 5 + (int64_t)(rand_r(&x->seed) % (unsigned)(d / 5 + 1));
	return d > retry_after ? d : retry_after;
}

/* Waits until there may be spans and the backoff has passed. 0, or -1
 * when stopping. */
static int
wait_turn(struct exporter *x)
{
	struct timespec ts;
	int64_t         now, until;
	int             stopping;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		now = mono_ms();
		if (x->stopping)
			break;
		if (x->pending && now >= x->next_at)
			break;
		until = x->pending ? x->next_at : now + IDLE_LOOK_MS;
		if (!x->pending && now >= x->next_at + IDLE_LOOK_MS) {
			x->pending = 1; /* the hourly look */
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (until - now) / 1000;
		ts.tv_nsec += ((until - now) % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	stopping = x->stopping;
	pthread_mutex_unlock(&x->lock);
	return stopping ? -1 : 0;
}

/* The next look in delay ms; failed: it is a retry. */
static void
set_next(struct exporter *x, int64_t delay, int failed)
{
	pthread_mutex_lock(&x->lock);
	x->pending = 1;
	if (x->draining && !failed)
		delay = 0;
	x->next_at = mono_ms() + delay;
	x->stats.retry_at = failed ? clock_ms() + delay : 0;
	pthread_mutex_unlock(&x->lock);
}

static void
one_batch(struct exporter *x)
{
	struct batch          b;
	char                  error[sizeof x->stats.error] = "", *cause = NULL;
	int64_t               retry_after = 0, delay, failures;
	uint64_t              kicks;
	enum exporter_verdict how;

	/* A kick that comes while the outbox is read must not be lost:
	 * pending is cleared below only if none came. */
	pthread_mutex_lock(&x->lock);
	kicks = x->kicks;
	pthread_mutex_unlock(&x->lock);
	batch_read(x, &b, &cause);
	if (b.count <= 0) {
		if (b.count < 0) {
			log_error("langfuse_outbox_failed", "error=\"%s\"",
			          cause);
			free(cause);
			set_next(x, next_backoff(x, 0), 1);
		} else {
			pthread_mutex_lock(&x->lock);
			if (x->kicks == kicks) {
				x->pending = 0; /* until the next kick */
				pthread_cond_broadcast(&x->cond); /* a drain */
			}
			pthread_mutex_unlock(&x->lock);
		}
		free(b.body);
		return;
	}
	how = send_batch(x, &b, &retry_after, error, sizeof error);
	if (how != EXPORTER_RETRY &&
	    store_outbox_delete(x->outbox, b.first, b.last, &cause) != 0) {
		/* Sent, but still there: it goes again (at least once). */
		log_error("langfuse_outbox_failed", "error=\"%s\"", cause);
		free(cause);
	}
	pthread_mutex_lock(&x->lock);
	failures = x->stats.failures;
	if (how == EXPORTER_OK) {
		x->stats.exported += b.count;
		x->stats.failures = 0;
		x->stats.error[0] = '\0';
	} else if (how == EXPORTER_BAD) {
		x->stats.rejected += b.count;
		snprintf(x->stats.error, sizeof x->stats.error, "%s", error);
	} else {
		x->stats.failures++;
		snprintf(x->stats.error, sizeof x->stats.error, "%s", error);
	}
	pthread_mutex_unlock(&x->lock);
	switch (how) {
	case EXPORTER_OK:
		if (failures > 0)
			log_info("langfuse_export_recovered",
			         "failed_requests=%lld", (long long)failures);
		x->backoff = 0;
		/* A full batch: more may wait, go on at once. */
		set_next(x, b.count == x->opts.batch ? 0 : x->opts.flush_ms, 0);
		break;
	case EXPORTER_BAD:
		log_error("langfuse_batch_rejected",
		          "spans=%d error=\"%s\" action=dropped "
		          "reason=\"Langfuse refused the batch itself; "
		          "sending it again would not help\"",
		          b.count, error);
		set_next(x, 0, 0);
		break;
	case EXPORTER_RETRY:
		delay = next_backoff(x, retry_after);
		/* Once per outage at warn level; the rest at debug. A
		 * request aborted by the stop is not a failure to report. */
		if (atomic_load(&x->cancel))
			break;
		if (failures == 0)
			log_warn("langfuse_export_failed",
			         "error=\"%s\" spans_kept=1 retry_in_ms=%lld",
			         error, (long long)delay);
		else
			log_debug("langfuse_export_failed",
			          "error=\"%s\" failures=%lld retry_in_ms=%lld",
			          error, (long long)failures + 1,
			          (long long)delay);
		set_next(x, delay, 1);
		break;
	}
	free(b.body);
}

static void *
exporter_main(void *arg)
{
	struct exporter *x = arg;

	pthread_setname_np(pthread_self(), "exporter");
	while (wait_turn(x) == 0)
		one_batch(x);
	return NULL;
}

struct exporter *
exporter_start(const struct exporter_opts *o, char **cause)
{
	struct exporter   *x = xcalloc(1, sizeof *x);
	pthread_condattr_t ca;
	char              *pair;
	unsigned char     *b64;
	size_t             n;

	x->opts = *o;
	x->opts.db_path = NULL;
	x->opts.public_key = x->opts.secret_key = NULL;
	x->url = xstrdup(o->url);
	xasprintf(&pair, "%s:%s", o->public_key, o->secret_key);
	n = strlen(pair);
	b64 = xmalloc((n + 2) / 3 * 4 + 1);
	EVP_EncodeBlock(b64, (unsigned char *)pair, (int)n);
	xasprintf(&x->auth, "Authorization: Basic %s", b64);
	explicit_bzero(pair, n);
	explicit_bzero(b64, strlen((char *)b64));
	free(pair);
	free(b64);
	if ((x->outbox = store_outbox_open(o->db_path, cause)) == NULL) {
		explicit_bzero(x->auth, strlen(x->auth));
		free(x->auth);
		free(x->url);
		free(x);
		return NULL;
	}
	x->http = http_thread_new();
	if (getrandom(&x->seed, sizeof x->seed, 0) != sizeof x->seed)
		x->seed = (unsigned)clock_ms();
	atomic_init(&x->cancel, 0);
	pthread_mutex_init(&x->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x->cond, &ca);
	pthread_condattr_destroy(&ca);
	x->pending = 1; /* what a previous run left */
	x->next_at = mono_ms();
	if (pthread_create(&x->thread, NULL, exporter_main, x) != 0)
		fatal("pthread_create failed");
	return x;
}

void
exporter_stop(struct exporter *x)
{
	if (x == NULL)
		return;
	/* The last turns' spans go now, if Langfuse answers: a short grace,
	 * none while it is failing (the outbox keeps them for the next
	 * start anyway). */
	pthread_mutex_lock(&x->lock);
	if (x->stats.failures == 0) {
		int64_t until = mono_ms() + DRAIN_MS;

		x->draining = 1;
		x->pending = 1; /* the final turn may not have kicked */
		x->next_at = mono_ms();
		pthread_cond_broadcast(&x->cond);
		while (x->pending && mono_ms() < until &&
		       x->stats.failures == 0) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&x->cond, &x->lock, &ts);
		}
	}
	x->stopping = 1;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	atomic_store(&x->cancel, 1);
	pthread_join(x->thread, NULL);
	http_thread_free(x->http);
	store_outbox_close(x->outbox);
	explicit_bzero(x->auth, strlen(x->auth));
	free(x->auth);
	free(x->url);
	pthread_mutex_destroy(&x->lock);
	pthread_cond_destroy(&x->cond);
	free(x);
}

void
exporter_kick(struct exporter *x)
{
	pthread_mutex_lock(&x->lock);
	x->kicks++;
	if (!x->pending) {
		/* The first new span waits flush_ms for company. */
		x->pending = 1;
		if (x->next_at < mono_ms() + x->opts.flush_ms)
			x->next_at = mono_ms() + x->opts.flush_ms;
		pthread_cond_signal(&x->cond);
	}
	pthread_mutex_unlock(&x->lock);
}

void
exporter_stats(struct exporter *x, struct exporter_stats *st)
{
	pthread_mutex_lock(&x->lock);
	*st = x->stats;
	pthread_mutex_unlock(&x->lock);
}
