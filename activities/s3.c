/*
 * s3: ListObjectsV2, GetObject, PutObject, HeadObject and DeleteObject over
 * http_do, signed by sigv4, and presigned GET URLs. The XML answers are read
 * by s3_xml.c. Worker threads; nothing here keeps state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activities/http.h"
#include "activities/s3.h"
#include "activities/sigv4.h"
#include "common/redact.h"
#include "common/util.h"

#define S3_PAGE_KEYS "1000"
#define S3_LIST_MAX  (16 * 1024 * 1024) /* one page of 1,000 keys */

int
s3_bucket_from(const cJSON *photos, struct s3_bucket *b, char **cause)
{
	memset(b, 0, sizeof *b);
	b->name = cJSON_GetStringValue(cJSON_GetObjectItem(photos, "bucket"));
	b->region = cJSON_GetStringValue(cJSON_GetObjectItem(photos, "region"));
	b->endpoint =
	    cJSON_GetStringValue(cJSON_GetObjectItem(photos, "endpoint"));
	b->path_style = cJSON_IsTrue(cJSON_GetObjectItem(photos, "path_style"));
	if (b->name == NULL || *b->name == '\0') {
		xasprintf(cause, "the brand's photos have no S3 bucket");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Requests */

struct target {
	char *scheme; /* "https" */
	char *host;   /* what Host says, with a port when not the default */
	char *path;   /* raw (not encoded): what is signed */
};

static void
target_fini(struct target *t)
{
	free(t->scheme);
	free(t->host);
	free(t->path);
	memset(t, 0, sizeof *t);
}

/* Where key (NULL: the bucket itself) lives. */
static int
target_of(const struct s3_bucket *b, const char *key, struct target *t,
          char **cause)
{
	const char *region = b->region != NULL ? b->region : "us-east-1";
	const char *ep = b->endpoint, *rest, *slash;
	char       *hostport, *base;

	memset(t, 0, sizeof *t);
	if (ep == NULL) {
		t->scheme = xstrdup("https");
		xasprintf(&hostport, "s3.%s.amazonaws.com", region);
		base = xstrdup("");
	} else {
		if (strncmp(ep, "https://", 8) == 0) {
			t->scheme = xstrdup("https");
			rest = ep + 8;
		} else if (strncmp(ep, "http://", 7) == 0) {
			t->scheme = xstrdup("http");
			rest = ep + 7;
		} else {
			xasprintf(cause,
			          "S3 endpoint %s: not http:// or "
			          "https://",
			          ep);
			return -1;
		}
		slash = strchr(rest, '/');
		hostport = slash ? xstrndup(rest, (size_t)(slash - rest))
		                 : xstrdup(rest);
		base = xstrdup(slash ? slash : "");
		while (*base != '\0' && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = '\0';
		if (*hostport == '\0' || strpbrk(hostport, "@?#") != NULL ||
		    strpbrk(base, "?#") != NULL) {
			xasprintf(cause, "S3 endpoint %s: not a base URL", ep);
			free(hostport);
			free(base);
			free(t->scheme);
			t->scheme = NULL;
			return -1;
		}
	}
	if (b->path_style) {
		t->host = hostport;
		xasprintf(&t->path, "%s/%s%s%s", base, b->name, key ? "/" : "",
		          key ? key : "");
	} else {
		xasprintf(&t->host, "%s.%s", b->name, hostport);
		free(hostport);
		xasprintf(&t->path, "%s/%s", base, key ? key : "");
	}
	free(base);
	return 0;
}

/* The URL of t, with query (already encoded) if not NULL. */
static char *
target_url(const struct target *t, const char *query)
{
	char *enc = sigv4_encode(t->path, strlen(t->path), 1), *url;

	xasprintf(&url, "%s://%s%s%s%s", t->scheme, t->host, enc,
	          query ? "?" : "", query ? query : "");
	free(enc);
	return url;
}

static void
creds(struct sigv4_params *p, const struct s3_bucket *b, int64_t now)
{
	const char *tok = getenv("AWS_SESSION_TOKEN");

	memset(p, 0, sizeof *p);
	p->access_key = getenv("AWS_ACCESS_KEY_ID");
	p->secret_key = getenv("AWS_SECRET_ACCESS_KEY");
	p->session_token = tok != NULL && *tok != '\0' ? tok : NULL;
	p->region = b->region != NULL ? b->region : "us-east-1";
	p->service = "s3";
	p->time = now;
}

static int
have_creds(const struct sigv4_params *p)
{
	return p->access_key != NULL && *p->access_key != '\0' &&
	       p->secret_key != NULL && *p->secret_key != '\0';
}

/* S3 codes worth another try whatever their status says. */
static int
retry_code(const char *code)
{
	static const char *const codes[] = { "SlowDown", "InternalError",
		                             "ServiceUnavailable",
		                             "RequestTimeout", NULL };
	int                      i;

	for (i = 0; code != NULL && codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* One request. */
struct s3_req {
	const char *method;
	const char *key;   /* NULL: the bucket itself */
	const char *query; /* encoded, or NULL */
	const void *body;  /* NULL: none */
	size_t      len;
	const char *content_type; /* sent and signed when not NULL */
	size_t      max;          /* the response's cap */
	const char *keep_header;  /* a response header to keep */
	const char *what;         /* names the request in errors; no secret */
};

/* Signs and sends q. 0 when an answer came, whatever its status (r then
 * holds it: the caller finis it), or -1 with out set. */
static int
s3_send(const struct act_call *c, const struct s3_bucket *b,
        const struct s3_req *q, struct http_resp *r, struct act_out *out)
{
	struct sigv4_params p;
	struct sigv4_out    sig;
	struct sigv4_header h[2];
	struct target       t;
	struct http_req     hq;
	const char         *headers[9];
	char               *hdr[8], *url = NULL, *cause = NULL;
	int                 i, n = 0, nh = 0, rc;

	memset(r, 0, sizeof *r);
	memset(hdr, 0, sizeof hdr);
	creds(&p, b, (int64_t)time(NULL));
	if (!have_creds(&p)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "%s: AWS_ACCESS_KEY_ID and "
		          "AWS_SECRET_ACCESS_KEY are not set",
		          q->what);
		return -1;
	}
	if (target_of(b, q->key, &t, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: %s", q->what, cause);
		free(cause);
		return -1;
	}
	/* The payload's hash, signed and sent: S3 checks the body against
	 * it (an empty body's for a GET, as AWS's SDKs send over http). */
	p.add_content_sha256 = 1;
	h[nh].name = "Host";
	h[nh++].value = t.host;
	if (q->content_type != NULL) {
		h[nh].name = "Content-Type";
		h[nh++].value = q->content_type;
	}
	if (sigv4_sign_headers(q->method, t.path, q->query, h, nh, q->body,
	                       q->len, &p, &sig, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: %s", q->what, cause);
		free(cause);
		target_fini(&t);
		return -1;
	}
	for (i = 0; i < nh; i++)
		xasprintf(&hdr[n++], "%s: %s", h[i].name, h[i].value);
	for (i = 0; i < sig.nadd && n < 8; i++)
		xasprintf(&hdr[n++], "%s: %s", sig.add[i].name,
		          sig.add[i].value);
	for (i = 0; i < n; i++)
		headers[i] = hdr[i];
	headers[n] = NULL;
	url = target_url(&t, q->query);
	memset(&hq, 0, sizeof hq);
	hq.method = q->method;
	hq.url = url;
	hq.headers = headers;
	/* A PUT sends its body even when it is empty (Content-Length: 0). */
	hq.body = q->body;
	if (hq.body == NULL && strcmp(q->method, "PUT") == 0)
		hq.body = "";
	hq.body_len = q->len;
	hq.deadline = c->deadline;
	hq.cancel = c->cancel;
	hq.max_response = q->max;
	hq.keep_header = q->keep_header;
	rc = http_do(c->http, &hq, r, &cause);
	for (i = 0; i < n; i++) {
		explicit_bzero(hdr[i], strlen(hdr[i]));
		free(hdr[i]);
	}
	sigv4_out_fini(&sig);
	target_fini(&t);
	free(url);
	if (rc != 0) {
		/* Every S3 call here is idempotent: see s3.h. */
		out->status = http_class(rc, r, 1);
		out->retry_after_ms = r->retry_after_ms;
		xasprintf(&out->error, "%s: %s", q->what, cause);
		free(cause);
		http_resp_fini(r);
		return -1;
	}
	return 0;
}

/* s3_send, then the answer classed: 0 with r holding a 2xx response
 * (caller finis it), or -1 with out set. */
static int
s3_do(const struct act_call *c, const struct s3_bucket *b,
      const struct s3_req *q, struct http_resp *r, struct act_out *out)
{
	if (s3_send(c, b, q, r, out) != 0)
		return -1;
	if (s3_answer(r, q->what, out) == 0)
		return 0;
	http_resp_fini(r);
	return -1;
}

int
s3_answer(const struct http_resp *r, const char *what, struct act_out *out)
{
	char *s3err, *code;

	/* Every S3 call here is idempotent (see s3.h). */
	out->status = http_class(0, r, 1);
	out->retry_after_ms = r->retry_after_ms;
	if (out->status == ACT_OK)
		return 0;
	if ((s3err = s3_parse_error(r->body, r->len, &code)) != NULL) {
		/* Whole, before it is cut to size: see common/redact.h. */
		redact_str(&s3err);
		if (retry_code(code))
			out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: S3 %ld %.300s", what, r->status,
		          s3err);
		/* Cut at a byte count, maybe inside a character: the error
		 * goes into JSON, which must stay valid. */
		utf8_scrub(out->error);
		free(s3err);
		free(code);
	} else
		xasprintf(&out->error, "%s: S3 %ld (no S3 error in the body)",
		          what, r->status);
	return -1;
}

int
s3_list_all(const struct act_call *c, const struct s3_bucket *b,
            const char *prefix, struct s3_list *l, struct act_out *out)
{
	struct http_resp r;
	struct s3_req    q;
	char            *what, *query, *enc_prefix, *enc_tok, *prev = NULL;
	char            *cause = NULL;
	int              rc = -1;

	memset(l, 0, sizeof *l);
	xasprintf(&what, "S3 listing s3://%s/%s", b->name, prefix);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.max = S3_LIST_MAX;
	q.what = what;
	enc_prefix = sigv4_encode(prefix, strlen(prefix), 0);
	for (;;) {
		if (l->next_token != NULL) {
			enc_tok = sigv4_encode(l->next_token,
			                       strlen(l->next_token), 0);
			xasprintf(&query,
			          "continuation-token=%s&list-type=2&"
			          "max-keys=" S3_PAGE_KEYS "&prefix=%s",
			          enc_tok, enc_prefix);
			free(enc_tok);
			free(prev);
			prev = l->next_token;
			l->next_token = NULL;
		} else
			xasprintf(&query,
			          "list-type=2&max-keys=" S3_PAGE_KEYS
			          "&prefix=%s",
			          enc_prefix);
		q.query = query;
		if (s3_do(c, b, &q, &r, out) != 0) {
			free(query);
			goto out;
		}
		free(query);
		if (s3_parse_list(r.body, r.len, l, &cause) != 0) {
			/* A proxy's hiccup as much as a server's bug. */
			out->status = ACT_RETRY;
			xasprintf(&out->error, "%s: %s", what, cause);
			free(cause);
			http_resp_fini(&r);
			goto out;
		}
		http_resp_fini(&r);
		if (!l->truncated)
			break;
		if (prev != NULL && strcmp(prev, l->next_token) == 0) {
			out->status = ACT_RETRY;
			xasprintf(&out->error,
			          "%s: S3 gave the same continuation token "
			          "twice",
			          what);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		s3_list_fini(l);
	free(prev);
	free(enc_prefix);
	free(what);
	return rc;
}

int
s3_get(const struct act_call *c, const struct s3_bucket *b, const char *key,
       size_t max, unsigned char **data, size_t *len, struct act_out *out)
{
	struct http_resp r;
	struct s3_req    q;
	char            *what;

	xasprintf(&what, "S3 getting s3://%s/%s", b->name, key);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.key = key;
	q.max = max;
	q.what = what;
	if (s3_do(c, b, &q, &r, out) != 0) {
		free(what);
		return -1;
	}
	if (r.len == 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: the object is empty", what);
		http_resp_fini(&r);
		free(what);
		return -1;
	}
	*data = (unsigned char *)r.body;
	*len = r.len;
	free(what);
	return 0;
}

int
s3_put(const struct act_call *c, const struct s3_bucket *b, const char *key,
       const void *data, size_t len, const char *content_type,
       struct act_out *out)
{
	struct http_resp r;
	struct s3_req    q;
	char            *what;
	int              rc;

	xasprintf(&what, "S3 putting s3://%s/%s", b->name, key);
	memset(&q, 0, sizeof q);
	q.method = "PUT";
	q.key = key;
	q.body = data;
	q.len = len;
	q.content_type =
	    content_type != NULL ? content_type : "application/octet-stream";
	q.what = what;
	if ((rc = s3_do(c, b, &q, &r, out)) == 0)
		http_resp_fini(&r);
	free(what);
	return rc;
}

/* A Content-Length: a decimal int64 and nothing else. */
static int
parse_length(const char *s, int64_t *out)
{
	char     *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
s3_head(const struct act_call *c, const struct s3_bucket *b, const char *key,
        int *exists, int64_t *size, struct act_out *out)
{
	struct http_resp r;
	struct s3_req    q;
	char            *what;
	int64_t          n = 0;
	int              rc = -1;

	xasprintf(&what, "S3 looking up s3://%s/%s", b->name, key);
	memset(&q, 0, sizeof q);
	q.method = "HEAD";
	q.key = key;
	q.keep_header = "Content-Length";
	q.what = what;
	if (s3_send(c, b, &q, &r, out) != 0)
		goto out;
	if (r.status == 404) {
		out->status = ACT_OK;
		*exists = 0;
		if (size != NULL)
			*size = 0;
		rc = 0;
	} else if (s3_answer(&r, what, out) == 0) {
		if (r.kept == NULL || parse_length(r.kept, &n) != 0) {
			/* A 2xx without a length is no answer to rely on. */
			out->status = ACT_RETRY;
			xasprintf(&out->error,
			          "%s: S3 %ld without a Content-Length", what,
			          r.status);
		} else {
			*exists = 1;
			if (size != NULL)
				*size = n;
			rc = 0;
		}
	}
	http_resp_fini(&r);
out:
	free(what);
	return rc;
}

int
s3_delete(const struct act_call *c, const struct s3_bucket *b, const char *key,
          struct act_out *out)
{
	struct http_resp r;
	struct s3_req    q;
	char            *what;
	int              rc;

	xasprintf(&what, "S3 deleting s3://%s/%s", b->name, key);
	memset(&q, 0, sizeof q);
	q.method = "DELETE";
	q.key = key;
	q.what = what;
	if ((rc = s3_do(c, b, &q, &r, out)) == 0)
		http_resp_fini(&r);
	free(what);
	return rc;
}

int
s3_presign_get(const struct s3_bucket *b, const char *key, int64_t expires,
               int64_t now, char **url, char **cause)
{
	struct sigv4_params p;
	struct sigv4_out    sig;
	struct sigv4_header host;
	struct target       t;

	creds(&p, b, now);
	if (!have_creds(&p)) {
		xasprintf(cause, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
		                 "are not set");
		return -1;
	}
	if (target_of(b, key, &t, cause) != 0)
		return -1;
	p.payload_hash = "UNSIGNED-PAYLOAD";
	p.expires = expires;
	host.name = "Host";
	host.value = t.host;
	if (sigv4_presign("GET", t.path, NULL, &host, 1, NULL, 0, &p, &sig,
	                  cause) != 0) {
		target_fini(&t);
		return -1;
	}
	*url = target_url(&t, sig.query);
	sigv4_out_fini(&sig);
	target_fini(&t);
	return 0;
}
