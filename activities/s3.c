/*
 * s3: ListObjectsV2 and GetObject over http_do, signed by sigv4, and
 * presigned GET URLs. Responses are XML, read with expat: no DOCTYPE or
 * entity declarations are accepted (S3 never sends them), names and
 * texts are bounded, and anything that is not the expected document is an
 * error, never a guess. Worker threads; nothing here keeps state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "activities/http.h"
#include "activities/s3.h"
#include "activities/sigv4.h"
#include "common/redact.h"
#include "common/util.h"

#define S3_PAGE_KEYS  "1000"
#define XML_TEXT_MAX  4096 /* S3 keys are at most 1,024 bytes */
#define XML_DEPTH_MAX 16
#define S3_LIST_MAX   (16 * 1024 * 1024) /* one page of 1,000 keys */

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

void
s3_list_fini(struct s3_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	free(l->next_token);
	memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------ */
/* XML */

/* The elements we read, by where they are; everything else is skipped. */
enum xel {
	X_OTHER,
	X_LIST,     /* ListBucketResult */
	X_CONTENTS, /* ListBucketResult/Contents */
	X_KEY,      /* .../Contents/Key */
	X_SIZE,     /* .../Contents/Size */
	X_TRUNC,    /* ListBucketResult/IsTruncated */
	X_NEXT,     /* ListBucketResult/NextContinuationToken */
	X_ERROR,    /* Error */
	X_CODE,     /* Error/Code */
	X_MESSAGE,  /* Error/Message */
};

struct xp {
	XML_Parser      p;
	enum xel        stack[XML_DEPTH_MAX];
	int             depth;
	enum xel        root;
	char           *text; /* the current leaf's text */
	size_t          tlen;
	char           *why; /* set once: the first problem */
	struct s3_list *list;
	char           *key; /* the current Contents */
	int64_t         size;
	int             have_size, have_trunc;
	char           *code, *message;
};

static void
xp_fail(struct xp *x, const char *why)
{
	if (x->why == NULL)
		x->why = xstrdup(why);
	XML_StopParser(x->p, XML_FALSE);
}

static int
is_leaf(enum xel e)
{
	return e == X_KEY || e == X_SIZE || e == X_TRUNC || e == X_NEXT ||
	       e == X_CODE || e == X_MESSAGE;
}

static enum xel
classify(enum xel parent, int depth, const char *name)
{
	if (depth == 0)
		return strcmp(name, "ListBucketResult") == 0 ? X_LIST
		       : strcmp(name, "Error") == 0          ? X_ERROR
		                                             : X_OTHER;
	switch (parent) {
	case X_LIST:
		return strcmp(name, "Contents") == 0                ? X_CONTENTS
		       : strcmp(name, "IsTruncated") == 0           ? X_TRUNC
		       : strcmp(name, "NextContinuationToken") == 0 ? X_NEXT
		                                                    : X_OTHER;
	case X_CONTENTS:
		return strcmp(name, "Key") == 0    ? X_KEY
		       : strcmp(name, "Size") == 0 ? X_SIZE
		                                   : X_OTHER;
	case X_ERROR:
		return strcmp(name, "Code") == 0      ? X_CODE
		       : strcmp(name, "Message") == 0 ? X_MESSAGE
		                                      : X_OTHER;
	default:
		return X_OTHER;
	}
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xp *x = arg;
	enum xel   e;

	(void)attrs;
	if (x->depth >= XML_DEPTH_MAX) {
		xp_fail(x, "elements nested too deep");
		return;
	}
	e = classify(x->depth > 0 ? x->stack[x->depth - 1] : X_OTHER, x->depth,
	             name);
	if (x->depth == 0)
		x->root = e;
	if (e == X_CONTENTS) {
		free(x->key);
		x->key = NULL;
		x->have_size = 0;
	}
	x->stack[x->depth++] = e;
	x->tlen = 0;
	x->text[0] = '\0';
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xp *x = arg;

	if (x->depth == 0 || !is_leaf(x->stack[x->depth - 1]))
		return;
	if (x->tlen + (size_t)len > XML_TEXT_MAX) {
		xp_fail(x, "a text longer than 4096 bytes");
		return;
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
	x->text[x->tlen] = '\0';
}

/* A decimal int64 and nothing else. */
static int
parse_size(const char *s, int64_t *out)
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

static void
add_object(struct s3_list *l, char *key, int64_t size)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].key = key;
	l->v[l->n].size = size;
	l->n++;
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xp *x = arg;
	enum xel   e = x->stack[--x->depth];

	(void)name;
	switch (e) {
	case X_KEY:
		free(x->key);
		x->key = xstrndup(x->text, x->tlen);
		break;
	case X_SIZE:
		if (parse_size(x->text, &x->size) != 0) {
			xp_fail(x, "a Size that is not a number");
			return;
		}
		x->have_size = 1;
		break;
	case X_TRUNC:
		if (strcmp(x->text, "true") == 0)
			x->list->truncated = 1;
		else if (strcmp(x->text, "false") == 0)
			x->list->truncated = 0;
		else {
			xp_fail(x, "IsTruncated is neither true nor false");
			return;
		}
		x->have_trunc = 1;
		break;
	case X_NEXT:
		free(x->list->next_token);
		x->list->next_token = xstrndup(x->text, x->tlen);
		break;
	case X_CONTENTS:
		if (x->key == NULL || *x->key == '\0' || !x->have_size) {
			xp_fail(x, "an object without a Key or a Size");
			return;
		}
		add_object(x->list, x->key, x->size);
		x->key = NULL;
		break;
	case X_CODE:
		free(x->code);
		x->code = xstrndup(x->text, x->tlen);
		break;
	case X_MESSAGE:
		free(x->message);
		x->message = xstrndup(x->text, x->tlen);
		break;
	default:
		break;
	}
}

/* S3 never sends a DOCTYPE; refusing one rules out entity tricks. */
static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	xp_fail(arg, "a DOCTYPE (not allowed)");
}

/* Parses xml into x; 0, or -1 with x->why set. */
static int
xp_run(struct xp *x, const char *xml, size_t len)
{
	char buf[160];
	int  rc = 0;

	x->p = XML_ParserCreate("UTF-8");
	if (x->p == NULL)
		fatal("XML_ParserCreate failed");
	x->text = xmalloc(XML_TEXT_MAX + 1);
	x->text[0] = '\0';
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (len > INT_MAX) {
		x->why = xstrdup("too large");
		rc = -1;
	} else if (XML_Parse(x->p, xml, (int)len, 1) != XML_STATUS_OK) {
		if (x->why == NULL) {
			snprintf(buf, sizeof buf, "%s at line %lu",
			         XML_ErrorString(XML_GetErrorCode(x->p)),
			         (unsigned long)XML_GetCurrentLineNumber(x->p));
			x->why = xstrdup(buf);
		}
		rc = -1;
	}
	XML_ParserFree(x->p);
	x->p = NULL;
	free(x->text);
	x->text = NULL;
	free(x->key);
	x->key = NULL;
	return rc;
}

int
s3_parse_list(const char *xml, size_t len, struct s3_list *l, char **cause)
{
	struct xp x;
	size_t    before = l->n, i;
	int       rc = -1;

	memset(&x, 0, sizeof x);
	x.list = l;
	free(l->next_token);
	l->next_token = NULL;
	l->truncated = 0;
	if (xp_run(&x, xml, len) != 0)
		xasprintf(cause, "S3 listing: malformed XML: %s", x.why);
	else if (x.root == X_ERROR)
		xasprintf(cause, "S3 listing: an error instead: %s: %s",
		          x.code ? x.code : "?", x.message ? x.message : "");
	else if (x.root != X_LIST)
		xasprintf(cause, "S3 listing: not a ListBucketResult");
	else if (!x.have_trunc)
		xasprintf(cause, "S3 listing: no IsTruncated");
	else if (l->truncated &&
	         (l->next_token == NULL || *l->next_token == '\0'))
		xasprintf(cause, "S3 listing: truncated without a "
		                 "NextContinuationToken");
	else
		rc = 0;
	if (rc != 0) {
		/* Nothing of a bad page stays. */
		for (i = before; i < l->n; i++)
			free(l->v[i].key);
		l->n = before;
		free(l->next_token);
		l->next_token = NULL;
		l->truncated = 0;
	}
	free(x.why);
	free(x.code);
	free(x.message);
	return rc;
}

char *
s3_parse_error(const char *xml, size_t len, char **code)
{
	struct xp      x;
	struct s3_list unused;
	char          *out = NULL;

	memset(&x, 0, sizeof x);
	memset(&unused, 0, sizeof unused);
	x.list = &unused;
	if (code != NULL)
		*code = NULL;
	if (xp_run(&x, xml, len) == 0 && x.root == X_ERROR && x.code != NULL &&
	    *x.code != '\0') {
		xasprintf(&out, "%s: %s", x.code,
		          x.message ? x.message : "(no message)");
		if (code != NULL) {
			*code = x.code;
			x.code = NULL;
		}
	}
	s3_list_fini(&unused);
	free(x.why);
	free(x.code);
	free(x.message);
	return out;
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

/* One signed GET of key (NULL: the bucket) with query. 0 with r holding a
 * 2xx response (caller finis it), or -1 with out set. what names the
 * request in errors (no secrets in it). */
static int
s3_do(const struct act_call *c, const struct s3_bucket *b, const char *key,
      const char *query, size_t max, const char *what, struct http_resp *r,
      struct act_out *out)
{
	struct sigv4_params p;
	struct sigv4_out    sig;
	struct sigv4_header host;
	struct target       t;
	struct http_req     q;
	const char         *headers[8];
	char               *hdr[6], *url = NULL, *cause = NULL;
	int                 i, n = 0, rc;

	memset(r, 0, sizeof *r);
	memset(hdr, 0, sizeof hdr);
	creds(&p, b, (int64_t)time(NULL));
	if (!have_creds(&p)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "%s: AWS_ACCESS_KEY_ID and "
		          "AWS_SECRET_ACCESS_KEY are not set",
		          what);
		return -1;
	}
	if (target_of(b, key, &t, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: %s", what, cause);
		free(cause);
		return -1;
	}
	/* The payload is empty: its hash, as AWS's SDKs send over http. */
	p.add_content_sha256 = 1;
	host.name = "Host";
	host.value = t.host;
	if (sigv4_sign_headers("GET", t.path, query, &host, 1, NULL, 0, &p,
	                       &sig, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: %s", what, cause);
		free(cause);
		target_fini(&t);
		return -1;
	}
	xasprintf(&hdr[n++], "Host: %s", t.host);
	for (i = 0; i < sig.nadd && n < 6; i++)
		xasprintf(&hdr[n++], "%s: %s", sig.add[i].name,
		          sig.add[i].value);
	for (i = 0; i < n; i++)
		headers[i] = hdr[i];
	headers[n] = NULL;
	url = target_url(&t, query);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.url = url;
	q.headers = headers;
	q.deadline = c->deadline;
	q.cancel = c->cancel;
	q.max_response = max;
	rc = http_do(c->http, &q, r, &cause);
	for (i = 0; i < n; i++) {
		explicit_bzero(hdr[i], strlen(hdr[i]));
		free(hdr[i]);
	}
	sigv4_out_fini(&sig);
	target_fini(&t);
	free(url);
	if (rc != 0) {
		/* Reading has no side effect: always idempotent. */
		out->status = http_class(rc, r, 1);
		out->retry_after_ms = r->retry_after_ms;
		xasprintf(&out->error, "%s: %s", what, cause);
		free(cause);
		http_resp_fini(r);
		return -1;
	}
	if (s3_answer(r, what, out) == 0)
		return 0;
	http_resp_fini(r);
	return -1;
}

int
s3_answer(const struct http_resp *r, const char *what, struct act_out *out)
{
	char *s3err, *code;

	/* Reading has no side effect: always idempotent. */
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
	char            *what, *query, *enc_prefix, *enc_tok, *prev = NULL;
	char            *cause = NULL;
	int              rc = -1;

	memset(l, 0, sizeof *l);
	xasprintf(&what, "S3 listing s3://%s/%s", b->name, prefix);
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
		if (s3_do(c, b, NULL, query, S3_LIST_MAX, what, &r, out) != 0) {
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
	char            *what;

	xasprintf(&what, "S3 getting s3://%s/%s", b->name, key);
	if (s3_do(c, b, key, NULL, max, what, &r, out) != 0) {
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
