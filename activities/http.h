/*
 * http: the only libcurl user. One handle per worker thread (made by
 * http_thread_new in the pool's init), requests bounded by the step's
 * deadline and a response size cap, aborted when the step is cancelled,
 * and one place that turns an outcome into the engine's error classes.
 * Never logs a URL or a header: they may carry secrets.
 */
#ifndef HERALD_HTTP_H
#define HERALD_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "activities/activity.h"

struct http;

/* libcurl itself is loaded and initialised at the first request (see
 * http.c); http_global_fini releases it at exit. */
int  http_global_init(char **cause);
void http_global_fini(void);

struct http *http_thread_new(void);
void         http_thread_free(struct http *);

struct http_req {
	const char        *method; /* "GET", "POST", "PUT", "HEAD", ... */
	const char        *url;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const void        *body;
	size_t             body_len;
	int64_t            deadline;     /* wall-clock ms */
	const atomic_int  *cancel;       /* may be NULL */
	size_t             max_response; /* 0: 8 MiB */
	/* A response header to keep whole (its name, any case), for APIs
	 * that put state in one (Meta's X-Business-Use-Case-Usage). */
	const char *keep_header;
	/* Not idempotent (a publish): sent on a new connection. libcurl
	 * re-sends a request by itself when a reused connection dies before
	 * any answer, which for a publish could post twice. */
	int once;
};

struct http_resp {
	long    status; /* 0 when no response came */
	char   *body;   /* NUL-terminated; caller frees */
	size_t  len;
	int64_t retry_after_ms; /* from Retry-After / retry-after-ms, or 0 */
	int     should_retry;   /* x-should-retry: 1 true, 0 false, -1 absent */
	int     sent;           /* the request may have reached the server */
	int     broken;         /* libcurl itself is unusable: no retry */
	char   *kept;           /* req.keep_header's value, or NULL */
	const char *keep_;      /* internal */
};

/* Performs req. Returns 0 when a response arrived (whatever its status),
 * or -1 with *cause for a transport failure: then resp->sent says whether
 * the request may have gone out (a timeout after connecting) or surely
 * did not (refused, DNS, TLS). resp is filled either way; free it with
 * http_resp_fini. */
int  http_do(struct http *, const struct http_req *, struct http_resp *,
             char **cause);
void http_resp_fini(struct http_resp *);

/* One response header line, as libcurl hands it over (CRLF included),
 * into resp: Retry-After, retry-after-ms, x-should-retry and the kept
 * header (resp->keep_ names it; http_do sets it from req.keep_header). A
 * status line ("HTTP/1.1 ...") starts a new response. Pure: http_do's
 * header callback, and the fuzz targets' way to build a response. */
void http_header_line(struct http_resp *, const char *line, size_t len);

/* The engine's error class for an outcome: ok for 2xx; retry for network
 * failures before sending, 408, 409, 429, 5xx, 529 (honouring
 * x-should-retry; Retry-After is in resp); unknown when a call that is not
 * idempotent failed after it went out (a timeout, a 5xx); fail for the
 * other 4xx. */
enum act_status http_class(int rc, const struct http_resp *, int idempotent);

/* An application/x-www-form-urlencoded body or query (RFC 3986 encoding)
 * from npairs name/value pairs in a flat array; a NULL value skips its
 * pair. The caller frees the result. */
char *http_form(const char *const *pairs, int npairs);

#endif
