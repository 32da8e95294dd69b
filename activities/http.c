/*
 * http: libcurl easy handles, one per worker thread (libcurl-thread(3):
 * a handle is never shared; CURLOPT_NOSIGNAL for threads).
 *
 * libcurl is loaded (dlopen) and initialised at the first request, once:
 * it and the libraries it brings (TLS, HTTP/2, IDN, ...) would otherwise
 * triple an idle daemon's memory. pthread_once makes every other thread
 * wait for that, so curl_global_init still runs before any other libcurl
 * call, as libcurl wants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dlfcn.h>
#include <pthread.h>

#include <curl/curl.h>

#include "activities/http.h"
#include "activities/sigv4.h"
#include "common/util.h"

#define HTTP_MAX_DEFAULT   (8 * 1024 * 1024)
#define RETRY_AFTER_MAX_MS (3600.0 * 1000)

struct http {
	CURL *curl;
};

struct sink {
	struct http_resp *resp;
	size_t            cap, max;
	int               too_big;
};

/* The libcurl calls we make, found in the loaded library. */
static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} cu;
static void          *cu_lib;
static char           cu_error[256];
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;

#define CU_SYM(field, name)                                                    \
	if ((*(void **)&cu.field = dlsym(cu_lib, name)) == NULL)               \
	goto missing

static void
cu_load(void)
{
	CURLcode rc;

	if ((cu_lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(cu_error, sizeof cu_error, "cannot load libcurl: %s",
		         dlerror());
		return;
	}
	CU_SYM(global_init, "curl_global_init");
	CU_SYM(global_cleanup, "curl_global_cleanup");
	CU_SYM(easy_init, "curl_easy_init");
	CU_SYM(easy_cleanup, "curl_easy_cleanup");
	CU_SYM(easy_reset, "curl_easy_reset");
	CU_SYM(easy_setopt, "curl_easy_setopt");
	CU_SYM(easy_perform, "curl_easy_perform");
	CU_SYM(easy_getinfo, "curl_easy_getinfo");
	CU_SYM(easy_strerror, "curl_easy_strerror");
	CU_SYM(slist_append, "curl_slist_append");
	CU_SYM(slist_free_all, "curl_slist_free_all");
	if ((rc = cu.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(cu_error, sizeof cu_error, "curl_global_init: %s",
		         cu.easy_strerror(rc));
		goto fail;
	}
	return;
missing:
	snprintf(cu_error, sizeof cu_error, "libcurl lacks %s", dlerror());
fail:
	dlclose(cu_lib);
	cu_lib = NULL;
}

/* 0 once libcurl is usable, or -1 with *cause. */
static int
cu_ready(char **cause)
{
	pthread_once(&cu_once, cu_load);
	if (cu_lib == NULL) {
		xasprintf(cause, "%s", cu_error);
		return -1;
	}
	return 0;
}

int
http_global_init(char **cause)
{
	(void)cause; /* libcurl is loaded at the first request */
	return 0;
}

void
http_global_fini(void)
{
	if (cu_lib != NULL)
		cu.global_cleanup();
}

struct http *
http_thread_new(void)
{
	/* The handle is made at the first request: a worker that never
	 * talks HTTP (the demo, diagnostics) costs no memory for it. */
	return xcalloc(1, sizeof(struct http));
}

void
http_thread_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		cu.easy_cleanup(h->curl);
	free(h);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t       len = size * n;

	if (s->resp->len + len > s->max) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (s->resp->len + len + 1 > s->cap) {
		s->cap = (s->resp->len + len + 1) * 2;
		if (s->cap > s->max + 1)
			s->cap = s->max + 1;
		s->resp->body = xrealloc(s->resp->body, s->cap);
	}
	memcpy(s->resp->body + s->resp->len, data, len);
	s->resp->len += len;
	s->resp->body[s->resp->len] = '\0';
	return len;
}

void
http_header_line(struct http_resp *r, const char *data, size_t len)
{
	char   line[256];
	double v;

	if (r->keep_ != NULL && len > strlen(r->keep_) + 1 &&
	    strncasecmp(data, r->keep_, strlen(r->keep_)) == 0 &&
	    data[strlen(r->keep_)] == ':' && len < 16384) {
		size_t a = strlen(r->keep_) + 1, b = len;

		while (a < b && (data[a] == ' ' || data[a] == '\t'))
			a++;
		while (b > a && (data[b - 1] == '\r' || data[b - 1] == '\n' ||
		                 data[b - 1] == ' '))
			b--;
		free(r->kept);
		r->kept = xstrndup(data + a, b - a);
	}
	if (len >= sizeof line)
		return;
	memcpy(line, data, len);
	line[len] = '\0';
	if (strncasecmp(line, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100): reset. */
		r->retry_after_ms = 0;
		r->should_retry = -1;
	} else if (strncasecmp(line, "retry-after-ms:", 15) == 0) {
		v = strtod(line + 15, NULL);
		if (v > 0 && v <= RETRY_AFTER_MAX_MS)
			r->retry_after_ms = (int64_t)v;
	} else if (strncasecmp(line, "retry-after:", 12) == 0) {
		/* Seconds; an HTTP date is rare for these APIs and ignored.
		 * Absurd values (inf, years) are ignored too. */
		v = strtod(line + 12, NULL);
		if (v > 0 && v * 1000 <= RETRY_AFTER_MAX_MS &&
		    r->retry_after_ms == 0)
			r->retry_after_ms = (int64_t)(v * 1000);
	} else if (strncasecmp(line, "x-should-retry:", 15) == 0) {
		const char *p = line + 15;

		while (*p == ' ')
			p++;
		r->should_retry = strncasecmp(p, "true", 4) == 0    ? 1
		                  : strncasecmp(p, "false", 5) == 0 ? 0
		                                                    : -1;
	}
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	http_header_line(arg, data, size * n);
	return size * n;
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const atomic_int *cancel = arg;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return cancel != NULL && atomic_load(cancel) ? 1 : 0;
}

int
http_do(struct http *h, const struct http_req *q, struct http_resp *r,
        char **cause)
{
	struct curl_slist *list = NULL;
	struct sink        sink;
	CURL              *c;
	CURLcode           rc;
	curl_off_t         pretransfer = 0;
	int64_t            left = q->deadline - clock_ms();
	int                i;

	memset(r, 0, sizeof *r);
	r->should_retry = -1;
	r->body = xstrdup("");
	if (cu_ready(cause) != 0) {
		r->broken = 1; /* trying again will not load it */
		return -1;
	}
	if (h->curl == NULL && (h->curl = cu.easy_init()) == NULL) {
		xasprintf(cause, "curl_easy_init failed");
		return -1;
	}
	c = h->curl;
	memset(&sink, 0, sizeof sink);
	sink.resp = r;
	sink.cap = 1;
	sink.max = q->max_response ? q->max_response : HTTP_MAX_DEFAULT;
	if (left <= 0) {
		xasprintf(cause, "no time left before the step's deadline");
		return -1;
	}
	cu.easy_reset(c);
	cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(c, CURLOPT_URL, q->url);
	cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body != NULL) {
		cu.easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		               (curl_off_t)q->body_len);
	} else if (strcmp(q->method, "GET") == 0)
		cu.easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(q->method, "HEAD") == 0)
		/* Else libcurl waits for the body Content-Length announces. */
		cu.easy_setopt(c, CURLOPT_NOBODY, 1L);
	for (i = 0; q->headers != NULL && q->headers[i] != NULL; i++)
		list = cu.slist_append(list, q->headers[i]);
	cu.easy_setopt(c, CURLOPT_HTTPHEADER, list);
	/* The whole request must end by the step's deadline. */
	cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
	cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	               (long)(left < 10000 ? left : 10000));
	cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	cu.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	cu.easy_setopt(c, CURLOPT_HEADERDATA, r);
	r->keep_ = q->keep_header;
	cu.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	cu.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu.easy_setopt(c, CURLOPT_XFERINFODATA, (void *)q->cancel);
	cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* Signed paths (S3) go out exactly as signed. */
	cu.easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (q->once)
		cu.easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	rc = cu.easy_perform(c);
	cu.slist_free_all(list);
	cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	cu.easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	/* Did anything go out? Only once the connection (and TLS) was up
	 * and the transfer began: refused connections, DNS, TLS failures
	 * and connect timeouts happen before the request is written. */
	r->sent =
	    rc == CURLE_OK ||
	    (pretransfer > 0 && rc != CURLE_COULDNT_CONNECT &&
	     rc != CURLE_COULDNT_RESOLVE_HOST &&
	     rc != CURLE_COULDNT_RESOLVE_PROXY &&
	     rc != CURLE_SSL_CONNECT_ERROR &&
	     rc != CURLE_PEER_FAILED_VERIFICATION &&
	     rc != CURLE_URL_MALFORMAT && rc != CURLE_UNSUPPORTED_PROTOCOL);
	if (rc == CURLE_OK)
		return 0;
	if (sink.too_big)
		xasprintf(cause, "response larger than %zu bytes", sink.max);
	else if (rc == CURLE_ABORTED_BY_CALLBACK)
		xasprintf(cause, "cancelled");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		xasprintf(cause, "timed out (step deadline)");
	else
		xasprintf(cause, "%s", cu.easy_strerror(rc));
	if (sink.too_big)
		r->status = 0; /* a response, but not one we can use */
	return -1;
}

void
http_resp_fini(struct http_resp *r)
{
	free(r->body);
	free(r->kept);
	memset(r, 0, sizeof *r);
}

enum act_status
http_class(int rc, const struct http_resp *r, int idempotent)
{
	if (rc != 0 && r->broken)
		return ACT_FAIL;
	if (rc != 0)
		return r->sent && !idempotent ? ACT_UNKNOWN : ACT_RETRY;
	if (r->status >= 200 && r->status < 300)
		return ACT_OK;
	if (r->status >= 500 && !idempotent)
		return ACT_UNKNOWN; /* it reached the server: it may have acted
		                     */
	if (r->should_retry == 1)
		return ACT_RETRY;
	if (r->should_retry == 0)
		return ACT_FAIL;
	if (r->status == 408 || r->status == 409 || r->status == 429 ||
	    r->status >= 500)
		return ACT_RETRY;
	return ACT_FAIL;
}

char *
http_form(const char *const *pairs, int npairs)
{
	char *out = xstrdup(""), *k, *v, *tmp;
	int   i, first = 1;

	for (i = 0; i + 1 < 2 * npairs; i += 2) {
		if (pairs[i + 1] == NULL)
			continue;
		k = sigv4_encode(pairs[i], strlen(pairs[i]), 0);
		v = sigv4_encode(pairs[i + 1], strlen(pairs[i + 1]), 0);
		xasprintf(&tmp, "%s%s%s=%s", out, first ? "" : "&", k, v);
		free(out);
		free(k);
		free(v);
		out = tmp;
		first = 0;
	}
	return out;
}
