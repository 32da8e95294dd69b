/*
 * meta: one Graph API call, classified (see meta.h).
 */
#include <sys/random.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activities/http.h"
#include "activities/meta.h"
#include "activities/photo.h"
#include "common/json.h"
#include "common/redact.h"
#include "common/util.h"

#define GRAPH_BASE    "https://graph.facebook.com"
#define GRAPH_VERSION "v26.0"

/* When Meta throttles and says nothing about how long: meta.throttle_wait
 * (default a minute) for app and user limits, five times that for page
 * and business-use-case limits, which last longer. */
#define THROTTLE_WAIT_MS (60 * 1000)
#define QUOTA_WAIT_MS    (60 * 60 * 1000)
/* A check reads again after a transient failure meta.check_retry (default
 * a second) later, doubling each time up to CHECK_RETRY_MAX_MS; a read
 * is started only with CHECK_READ_MS left before the deadline. */
#define CHECK_RETRY_MS     1000
#define CHECK_RETRY_MAX_MS (30 * 1000)
#define CHECK_READ_MS      2000

static const cJSON *
brand_publish(const struct act_call *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                           "publish");
}

const char *
meta_setting(const struct act_call *c, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(brand_publish(c), key));
}

static const char *
global(const struct act_call *c, const char *key, const char *def)
{
	const char *v = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "meta"), key));

	return v != NULL && *v != '\0' ? v : def;
}

double
meta_number(const struct act_call *c, const char *key, double def)
{
	const cJSON *v =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "meta"), key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

void
meta_fail(struct act_out *out, enum act_status st, const char *fmt, ...)
{
	va_list ap;

	out->status = st;
	free(out->error);
	va_start(ap, fmt);
	if (vasprintf(&out->error, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
}

/* Equal but for white space at the ends and runs of it inside (Meta may
 * trim a caption or fold its spaces). */
static int
same_text(const char *a, const char *b)
{
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	while (*a != '\0' && *b != '\0') {
		if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
			while (isspace((unsigned char)*a))
				a++;
			while (isspace((unsigned char)*b))
				b++;
		} else if (*a++ != *b++)
			return 0;
	}
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	return *a == '\0' && *b == '\0';
}

const cJSON *
meta_find(const cJSON *answer, const char *field, const char *value)
{
	const cJSON *it;
	const char  *v;

	if (value == NULL)
		return NULL;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(answer, "data"))
	{
		v = cJSON_GetStringValue(cJSON_GetObjectItem(it, field));
		if (v != NULL && same_text(v, value) &&
		    cJSON_IsString(cJSON_GetObjectItem(it, "id")))
			return it;
	}
	return NULL;
}

void
meta_result(struct act_out *out, const char *channel, const char *post_id,
            const char *permalink, const char *key, const char *value,
            int found)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "channel", channel);
	cJSON_AddStringToObject(r, "publisher", "meta");
	json_add_str(r, "post_id", post_id);
	json_add_str(r, "permalink", permalink);
	if (key != NULL && value != NULL)
		cJSON_AddStringToObject(r, key, value);
	if (found)
		cJSON_AddTrueToObject(r, "found_by_check");
	out->status = ACT_OK;
	free(out->result);
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
}

int
meta_skipped(const struct act_call *c, struct act_out *out, const char *channel,
             const char *setting)
{
	cJSON *r;
	char  *why;

	if (meta_setting(c, setting) != NULL)
		return 0;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "channel", channel);
	xasprintf(&why, "the brand has no %s", setting);
	cJSON_AddStringToObject(r, "skipped", why);
	free(why);
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return 1;
}

int
meta_sleep(const struct act_call *c, int64_t ms)
{
	int64_t         until = clock_ms() + ms;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	while (clock_ms() < until) {
		if ((c->cancel != NULL && atomic_load(c->cancel)) ||
		    clock_ms() + 1000 > c->deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int
throttling(int code)
{
	return code == 4 || code == 17 || code == 32 || code == 613 ||
	       code == 341 || (code >= 80000 && code <= 80014);
}

/* The longest estimated_time_to_regain_access (minutes) in an
 * X-Business-Use-Case-Usage header, in ms; 0 if none. */
static int64_t
buc_wait_ms(const char *header)
{
	cJSON       *h = header != NULL ? cJSON_Parse(header) : NULL;
	const cJSON *id, *u;
	double       m, most = 0;

	cJSON_ArrayForEach(id, h)
	{
		cJSON_ArrayForEach(u, id)
		{
			m = cJSON_GetNumberValue(cJSON_GetObjectItem(
			    u, "estimated_time_to_regain_access"));
			if (m == m && m > most && m < 24 * 60)
				most = m;
		}
	}
	cJSON_Delete(h);
	return (int64_t)(most * 60 * 1000);
}

enum act_status
meta_class(const struct meta_error *e, int publishes, int64_t *wait, int *pause)
{
	int code = e->code, sub = e->subcode;

	*wait = 0;
	*pause = 0;
	if (code == 190 || code == 102 || code == 10 ||
	    (code >= 200 && code <= 299)) {
		/* Retrying cannot help; the next fires would fail the same
		 * way until someone renews the token or the permission. */
		*pause = 1;
		return ACT_FAIL;
	}
	if (throttling(code)) {
		/* Refused before anything was done: waiting is enough. */
		*wait =
		    e->wait_hint_ms > 0
		        ? e->wait_hint_ms
		        : (code == 32 || code == 613 || code >= 80000 ? 5 : 1) *
		              e->throttle_wait_ms;
		return ACT_RETRY;
	}
	if (code == 9 || code == 368) {
		/* Instagram's publishing limit; a temporary block. */
		*wait = QUOTA_WAIT_MS;
		return ACT_RETRY;
	}
	if (publishes &&
	    (code == 506 || sub == 1366051 || code == 24 || code == 9007 ||
	     code == 1 || code == 2 || e->http_status >= 500)) {
		/* A duplicate (it may be ours), a media builder that no
		 * longer exists or is not ready (it may have been published
		 * already), or Meta's own trouble while publishing: what
		 * happened is for the check to find out. */
		return ACT_UNKNOWN;
	}
	if (code == 9004 || code == 324 || code == 1 || code == 2 ||
	    e->transient || e->http_status >= 500) {
		/* Meta could not fetch the photo (Instagram's 9004,
		 * Facebook's 324 "Requires upload file" or "Missing or
		 * invalid image file": a presigned URL it failed to reach,
		 * an upload that arrived broken), or Meta's trouble: nothing
		 * was published by this call. */
		*wait = e->wait_hint_ms;
		return ACT_RETRY;
	}
	return ACT_FAIL;
}

int
meta_check_again(const struct act_call *c, struct act_out *out, int n,
                 const char *what)
{
	int64_t wait =
	    (int64_t)meta_number(c, "check_retry_ms", CHECK_RETRY_MS);
	char *last = out->error != NULL ? out->error : xstrdup("no answer");
	int   i, again = 0, pause = out->status == ACT_FAIL && out->pause_brand;

	out->error = NULL;
	for (i = 1; i < n && wait < CHECK_RETRY_MAX_MS; i++)
		wait *= 2;
	if (wait > CHECK_RETRY_MAX_MS)
		wait = CHECK_RETRY_MAX_MS;
	if (out->retry_after_ms > wait)
		wait = out->retry_after_ms; /* Retry-After, the BUC estimate */
	if (out->status != ACT_RETRY)
		/* Reading again cannot help (a token, a permission). */
		meta_fail(out, ACT_UNKNOWN, "%s: %s", what, last);
	else if (n >= META_CHECK_READS)
		meta_fail(out, ACT_UNKNOWN, "%s: %d reads failed, the last: %s",
		          what, n, last);
	else if (clock_ms() + wait + CHECK_READ_MS > c->deadline)
		meta_fail(out, ACT_UNKNOWN,
		          "%s: read %d failed: %s; the next read, %g s later, "
		          "would pass the step's deadline",
		          what, n, last, (double)wait / 1000);
	else if (meta_sleep(c, wait) != 0)
		meta_fail(out, ACT_UNKNOWN,
		          "%s: the check was stopped after %d read%s, the "
		          "last failed: %s",
		          what, n, n == 1 ? "" : "s", last);
	else {
		out->status = ACT_OK;
		again = 1;
	}
	free(last);
	out->retry_after_ms = 0;
	/* An expired token or a missing permission still pauses the brand:
	 * the step is in doubt, and the next fires would fail alike. */
	out->pause_brand = pause;
	return again;
}

/* A number field of Graph's error object, or 0. */
static int
err_int(const cJSON *err, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(err, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9
	           ? (int)v->valuedouble
	           : 0;
}

/* Graph's error object into out: its class and its words (without any
 * presigned URL, should Meta quote one; the token, like every secret, is
 * the redactor's: common/redact.h). */
static void
graph_error(const struct http_resp *r, const cJSON *err, struct meta_call *mc,
            int64_t throttle_wait_ms, struct act_out *out)
{
	/* Each field Graph sent is redacted whole before it is cut to size
	 * below: a token cut in two would no longer be found, and its head
	 * would show. */
	char *msg = redact_dup(
	    cJSON_GetStringValue(cJSON_GetObjectItem(err, "message")));
	char *type =
	    redact_dup(cJSON_GetStringValue(cJSON_GetObjectItem(err, "type")));
	char *trace = redact_dup(
	    cJSON_GetStringValue(cJSON_GetObjectItem(err, "fbtrace_id")));
	struct meta_error e = {
		.http_status = r->status,
		.code = err_int(err, "code"),
		.subcode = err_int(err, "error_subcode"),
		.transient =
		    cJSON_IsTrue(cJSON_GetObjectItem(err, "is_transient")),
		.throttle_wait_ms = throttle_wait_ms,
	};
	char subs[24] = "";
	int  pause;

	e.wait_hint_ms = buc_wait_ms(r->kept);
	if (e.wait_hint_ms < r->retry_after_ms)
		e.wait_hint_ms = r->retry_after_ms;
	if (e.subcode != 0)
		snprintf(subs, sizeof subs, "/%d", e.subcode);
	xasprintf(&out->error, "graph %ld code %d%s %.40s: %.300s%s%.40s%s%s",
	          r->status, e.code, subs, type ? type : "error",
	          msg ? msg : "(no message)", trace ? " (fbtrace_id " : "",
	          trace ? trace : "", trace ? ")" : "",
	          e.transient ? " [transient]" : "");
	free(msg);
	free(type);
	free(trace);
	photo_redact_urls(&out->error);
	/* Cut at a byte count, or invalid as Meta sent it: the error goes
	 * into JSON (history, events, traces), which must stay valid. */
	utf8_scrub(out->error);
	mc->code = e.code;
	out->status =
	    meta_class(&e, mc->publishes, &out->retry_after_ms, &pause);
	out->pause_brand = pause;
}

/* A multipart/form-data body: the params, then the file. */
static char *
multipart(const struct meta_call *mc, size_t *len, char **ctype)
{
	unsigned char rnd[12];
	char          boundary[64], *head = xstrdup(""), *tmp, *body;
	size_t        hl, tl;
	int           i, k;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		fatal("getrandom failed");
	k = snprintf(boundary, sizeof boundary, "herald-");
	for (i = 0; i < (int)sizeof rnd; i++)
		k += snprintf(boundary + k, sizeof boundary - (size_t)k, "%02x",
		              rnd[i]);
	for (i = 0; i + 1 < 2 * mc->nparams; i += 2) {
		if (mc->params[i + 1] == NULL)
			continue;
		xasprintf(&tmp,
		          "%s--%s\r\nContent-Disposition: form-data; "
		          "name=\"%s\"\r\n\r\n%s\r\n",
		          head, boundary, mc->params[i], mc->params[i + 1]);
		free(head);
		head = tmp;
	}
	/* A fixed file name: a photo's own could break the headers. */
	xasprintf(&tmp,
	          "%s--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
	          "filename=\"photo.%s\"\r\nContent-Type: %s\r\n\r\n",
	          head, boundary, mc->file->field,
	          strcmp(mc->file->type, "image/png") == 0 ? "png" : "jpg",
	          mc->file->type);
	free(head);
	head = tmp;
	hl = strlen(head);
	xasprintf(&tmp, "\r\n--%s--\r\n", boundary);
	tl = strlen(tmp);
	*len = hl + mc->file->len + tl;
	body = xmalloc(*len + 1);
	memcpy(body, head, hl);
	memcpy(body + hl, mc->file->data, mc->file->len);
	memcpy(body + hl + mc->file->len, tmp, tl + 1);
	free(head);
	free(tmp);
	xasprintf(ctype, "Content-Type: multipart/form-data; boundary=%s",
	          boundary);
	return body;
}

cJSON *
meta_request(const struct act_call *c, struct meta_call *mc,
             struct act_out *out)
{
	const char      *var = meta_setting(c, "token_env");
	const char      *token = var != NULL ? getenv(var) : NULL;
	const char      *headers[3];
	struct http_req  q;
	struct http_resp r;
	char  *url, *form, *auth, *ctype = NULL, *body = NULL, *cause = NULL;
	size_t len = 0;
	cJSON *ans = NULL;
	int    rc;

	if (token == NULL || *token == '\0') {
		meta_fail(out, ACT_FAIL,
		          "the brand's Meta token is not set (%s is empty "
		          "or missing from the environment)",
		          var ? var : "publish.token_env");
		return NULL;
	}
	form = http_form(mc->params, mc->nparams);
	if (strcmp(mc->method, "GET") == 0)
		xasprintf(&url, "%s/%s/%s%s%s",
		          global(c, "base_url", GRAPH_BASE),
		          global(c, "version", GRAPH_VERSION), mc->path,
		          *form ? "?" : "", form);
	else {
		xasprintf(&url, "%s/%s/%s", global(c, "base_url", GRAPH_BASE),
		          global(c, "version", GRAPH_VERSION), mc->path);
		if (mc->file != NULL)
			body = multipart(mc, &len, &ctype);
		else {
			body = xstrdup(form);
			len = strlen(body);
			ctype = xstrdup("Content-Type: "
			                "application/x-www-form-urlencoded");
		}
	}
	xasprintf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth;
	headers[1] = ctype;
	headers[2] = NULL;
	memset(&q, 0, sizeof q);
	q.method = mc->method;
	q.url = url;
	q.headers = headers;
	q.body = body;
	q.body_len = len;
	q.deadline = c->deadline;
	q.cancel = c->cancel;
	q.max_response = 1024 * 1024;
	q.keep_header = "x-business-use-case-usage";
	q.once = mc->publishes;
	rc = http_do(c->http, &q, &r, &cause);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	free(url);
	free(form);
	free(body);
	free(ctype);
	out->retry_after_ms = 0;
	if (rc != 0) {
		out->status = http_class(rc, &r, !mc->publishes);
		xasprintf(&out->error, "graph: %s%s", cause,
		          out->status == ACT_UNKNOWN ? ", after the request "
		                                       "went out"
		                                     : "");
		free(cause);
		goto done;
	}
	ans = meta_answer(
	    &r, mc,
	    (int64_t)meta_number(c, "throttle_wait_ms", THROTTLE_WAIT_MS), out);
done:
	http_resp_fini(&r);
	return ans;
}

cJSON *
meta_answer(const struct http_resp *r, struct meta_call *mc,
            int64_t throttle_wait_ms, struct act_out *out)
{
	cJSON *ans = json_parse(r->body, r->len, NULL), *err;

	out->retry_after_ms = 0;
	mc->code = 0;
	err = cJSON_GetObjectItem(ans, "error");
	if (r->status >= 200 && r->status < 300 && cJSON_IsObject(ans) &&
	    err == NULL)
		return ans;
	if (cJSON_IsObject(err))
		graph_error(r, err, mc, throttle_wait_ms, out);
	else {
		/* A proxy's page, a truncated body: not Graph speaking. */
		out->status = r->status >= 200 && r->status < 300
		                  ? (mc->publishes ? ACT_UNKNOWN : ACT_RETRY)
		                  : http_class(0, r, !mc->publishes);
		out->retry_after_ms = r->retry_after_ms;
		xasprintf(&out->error,
		          "graph %ld: the answer is not a Graph "
		          "API object (%zu bytes)",
		          r->status, r->len);
	}
	cJSON_Delete(ans);
	return NULL;
}
