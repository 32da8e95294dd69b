/*
 * sigv4: canonical request, string to sign, signing key, signature.
 * Checked byte for byte against the aws-c-auth test suite
 * (tests/unit/test_sigv4.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "activities/sigv4.h"
#include "common/util.h"

struct buf {
	char  *s;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256(data, n, d);
	hex_encode(d, sizeof d, out);
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;

	if (HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	         strlen(msg), out, &len) == NULL)
		fatal("HMAC-SHA256 failed");
}

char *
sigv4_encode(const char *s, size_t n, int keep_slash)
{
	struct buf b = { NULL, 0, 0 };
	char       esc[4];
	size_t     i;

	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~' || (c == '/' && keep_slash))
			buf_add(&b, (const char *)&s[i], 1);
		else {
			snprintf(esc, sizeof esc, "%%%02X", c);
			buf_add(&b, esc, 3);
		}
	}
	return b.s;
}

/* Removes dot segments and empty segments, keeping a trailing slash. */
static char *
normalize_path(const char *path)
{
	char     **segs = NULL, *copy = xstrdup(path), *p, *save = NULL;
	struct buf b = { NULL, 0, 0 };
	size_t     n = 0, i, len = strlen(path);
	int        trailing = len > 1 && path[len - 1] == '/';

	for (p = strtok_r(copy, "/", &save); p != NULL;
	     p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		segs = xrealloc(segs, (n + 1) * sizeof *segs);
		segs[n++] = p;
	}
	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		buf_str(&b, "/");
		buf_str(&b, segs[i]);
	}
	if (n == 0 || trailing)
		buf_str(&b, "/");
	free(segs);
	free(copy);
	return b.s;
}

struct kv {
	char *k, *v; /* encoded */
};

static int
kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int              c = strcmp(x->k, y->k);

	return c != 0 ? c : strcmp(x->v, y->v);
}

/* The canonical query: each name and value decoded then encoded, sorted. */
static char *
canonical_query(const char *query, const struct kv *extra, int nextra)
{
	struct kv  *kv = NULL;
	struct buf  b = { NULL, 0, 0 };
	size_t      n = 0, i, klen, vlen;
	const char *p = query, *amp, *eq;
	char       *k, *v;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		klen = amp ? (size_t)(amp - p) : strlen(p);
		if (klen > 0) {
			eq = memchr(p, '=', klen);
			k = pct_decode(p, eq ? (size_t)(eq - p) : klen, &vlen);
			kv = xrealloc(kv, (n + 1) * sizeof *kv);
			kv[n].k = sigv4_encode(k, vlen, 0);
			free(k);
			v = eq ? pct_decode(eq + 1, klen - (size_t)(eq + 1 - p),
			                    &vlen)
			       : xstrdup("");
			if (!eq)
				vlen = 0;
			kv[n].v = sigv4_encode(v, vlen, 0);
			free(v);
			n++;
		}
		p = amp ? amp + 1 : NULL;
	}
	for (i = 0; i < (size_t)nextra; i++) {
		kv = xrealloc(kv, (n + 1) * sizeof *kv);
		kv[n].k = sigv4_encode(extra[i].k, strlen(extra[i].k), 0);
		kv[n].v = sigv4_encode(extra[i].v, strlen(extra[i].v), 0);
		n++;
	}
	if (n > 1)
		qsort(kv, n, sizeof *kv, kv_cmp);
	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_str(&b, "&");
		buf_str(&b, kv[i].k);
		buf_str(&b, "=");
		buf_str(&b, kv[i].v);
		free(kv[i].k);
		free(kv[i].v);
	}
	free(kv);
	return b.s;
}

struct hdr {
	char *name;  /* lower case */
	char *value; /* trimmed, spaces collapsed, repeats joined by ',' */
};

static int
hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name,
	              ((const struct hdr *)b)->name);
}

/* Trims and collapses runs of blanks (a folded header's newlines too). */
static char *
tidy_value(const char *v)
{
	struct buf b = { NULL, 0, 0 };
	int        space = 0;

	buf_add(&b, "", 0);
	for (; *v != '\0'; v++) {
		if (isspace((unsigned char)*v)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_add(&b, " ", 1);
		space = 0;
		buf_add(&b, v, 1);
	}
	return b.s;
}

/* Canonical headers and the signed header list, from h plus extra. */
static void
canonical_headers(const struct sigv4_header *h, int nh,
                  const struct sigv4_header *extra, int nextra,
                  struct buf *canon, struct buf *signed_list)
{
	struct hdr *hs = xcalloc((size_t)(nh + nextra) + 1, sizeof *hs);
	size_t      n = 0, i, k;
	int         j;

	for (j = 0; j < nh + nextra; j++) {
		const struct sigv4_header *src =
		    j < nh ? &h[j] : &extra[j - nh];
		char *name = xstrdup(src->name),
		     *value = tidy_value(src->value);

		for (i = 0; name[i] != '\0'; i++)
			name[i] = (char)tolower((unsigned char)name[i]);
		for (k = 0; k < n; k++)
			if (strcmp(hs[k].name, name) == 0)
				break;
		if (k < n) {
			char *joined;

			xasprintf(&joined, "%s,%s", hs[k].value, value);
			free(hs[k].value);
			hs[k].value = joined;
			free(name);
			free(value);
		} else {
			hs[n].name = name;
			hs[n].value = value;
			n++;
		}
	}
	qsort(hs, n, sizeof *hs, hdr_cmp);
	for (i = 0; i < n; i++) {
		buf_str(canon, hs[i].name);
		buf_str(canon, ":");
		buf_str(canon, hs[i].value);
		buf_str(canon, "\n");
		if (i > 0)
			buf_str(signed_list, ";");
		buf_str(signed_list, hs[i].name);
		free(hs[i].name);
		free(hs[i].value);
	}
	free(hs);
}

static void
amz_dates(int64_t t, char stamp[17], char day[9])
{
	time_t    tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(stamp, 17, "%Y%m%dT%H%M%SZ", &tm);
	strftime(day, 9, "%Y%m%d", &tm);
}

/* From the canonical request on: string to sign and signature. */
static void
finish(const struct sigv4_params *p, const char *stamp, const char *day,
       struct sigv4_out *out)
{
	unsigned char k[32];
	char          h[65], *secret;

	sha256_hex(out->canonical, strlen(out->canonical), h);
	xasprintf(&out->string_to_sign,
	          "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", stamp, day,
	          p->region, p->service, h);
	xasprintf(&secret, "AWS4%s", p->secret_key);
	hmac(secret, strlen(secret), day, k);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	hmac(k, 32, p->region, k);
	hmac(k, 32, p->service, k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, out->string_to_sign, k);
	out->signature = xmalloc(65);
	hex_encode(k, 32, out->signature);
}

static char *
canonical_uri(const char *path, int normalize)
{
	char *p = normalize ? normalize_path(path) : xstrdup(path), *enc;

	if (*p == '\0') {
		free(p);
		p = xstrdup("/");
	}
	enc = sigv4_encode(p, strlen(p), 1);
	free(p);
	return enc;
}

/* The payload's hash: the one given (or UNSIGNED-PAYLOAD), else the
 * body's. */
static void
payload_of(const struct sigv4_params *p, const void *body, size_t len,
           char out[65])
{
	if (p->payload_hash != NULL)
		snprintf(out, 65, "%s", p->payload_hash);
	else
		sha256_hex(body != NULL ? body : "", len, out);
}

static int
check(const char *method, const char *path, const struct sigv4_params *p,
      char **cause)
{
	if (method == NULL || path == NULL || p->access_key == NULL ||
	    p->secret_key == NULL || p->region == NULL || p->service == NULL) {
		xasprintf(cause, "sigv4: a method, path, keys, region and "
		                 "service are needed");
		return -1;
	}
	return 0;
}

int
sigv4_sign_headers(const char *method, const char *path, const char *query,
                   const struct sigv4_header *h, int nh, const void *body,
                   size_t body_len, const struct sigv4_params *p,
                   struct sigv4_out *out, char **cause)
{
	struct sigv4_header extra[3];
	struct buf          canon = { NULL, 0, 0 }, list = { NULL, 0, 0 };
	char                stamp[17], day[9], payload[65], *uri, *q;
	int                 nextra = 0;

	memset(out, 0, sizeof *out);
	if (check(method, path, p, cause) != 0)
		return -1;
	amz_dates(p->time, stamp, day);
	payload_of(p, body, body_len, payload);
	extra[nextra].name = "X-Amz-Date";
	extra[nextra++].value = stamp;
	if (p->add_content_sha256) {
		extra[nextra].name = "x-amz-content-sha256";
		extra[nextra++].value = payload;
	}
	if (p->session_token != NULL && !p->omit_session_token) {
		extra[nextra].name = "X-Amz-Security-Token";
		extra[nextra++].value = p->session_token;
	}
	buf_add(&canon, "", 0);
	buf_add(&list, "", 0);
	canonical_headers(h, nh, extra, nextra, &canon, &list);
	uri = canonical_uri(path, p->normalize);
	q = canonical_query(query, NULL, 0);
	xasprintf(&out->canonical, "%s\n%s\n%s\n%s\n%s\n%s", method, uri, q,
	          canon.s, list.s, payload);
	finish(p, stamp, day, out);
	for (nh = 0; nh < nextra; nh++)
		out->add[out->nadd++] = extra[nh];
	if (p->session_token != NULL && p->omit_session_token) {
		out->add[out->nadd].name = "X-Amz-Security-Token";
		out->add[out->nadd++].value = p->session_token;
	}
	/* The added values point into out, which outlives this call. */
	for (nh = 0; nh < out->nadd; nh++)
		out->add[nh].value = xstrdup(out->add[nh].value);
	out->add[out->nadd].name = "Authorization";
	xasprintf((char **)&out->add[out->nadd].value,
	          "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
	          "SignedHeaders=%s, Signature=%s",
	          p->access_key, day, p->region, p->service, list.s,
	          out->signature);
	out->nadd++;
	free(uri);
	free(q);
	free(canon.s);
	free(list.s);
	return 0;
}

int
sigv4_presign(const char *method, const char *path, const char *query,
              const struct sigv4_header *h, int nh, const void *body,
              size_t body_len, const struct sigv4_params *p,
              struct sigv4_out *out, char **cause)
{
	struct kv  extra[6];
	struct buf canon = { NULL, 0, 0 }, list = { NULL, 0, 0 };
	char       stamp[17], day[9], payload[65], expires[24], *cred, *uri;
	char      *q, *sig_q;
	int        n = 0;

	memset(out, 0, sizeof *out);
	if (check(method, path, p, cause) != 0)
		return -1;
	if (p->expires < 1 || p->expires > 604800) {
		xasprintf(cause, "sigv4: a presigned URL lives 1 s to 7 days");
		return -1;
	}
	amz_dates(p->time, stamp, day);
	payload_of(p, body, body_len, payload);
	buf_add(&canon, "", 0);
	buf_add(&list, "", 0);
	canonical_headers(h, nh, NULL, 0, &canon, &list);
	xasprintf(&cred, "%s/%s/%s/%s/aws4_request", p->access_key, day,
	          p->region, p->service);
	snprintf(expires, sizeof expires, "%lld", (long long)p->expires);
	extra[n++] = (struct kv){ (char *)"X-Amz-Algorithm",
		                  (char *)"AWS4-HMAC-SHA256" };
	extra[n++] = (struct kv){ (char *)"X-Amz-Credential", cred };
	extra[n++] = (struct kv){ (char *)"X-Amz-Date", stamp };
	extra[n++] = (struct kv){ (char *)"X-Amz-Expires", expires };
	if (p->session_token != NULL && !p->omit_session_token)
		extra[n++] = (struct kv){ (char *)"X-Amz-Security-Token",
			                  (char *)p->session_token };
	extra[n++] = (struct kv){ (char *)"X-Amz-SignedHeaders", list.s };
	uri = canonical_uri(path, p->normalize);
	q = canonical_query(query, extra, n);
	xasprintf(&out->canonical, "%s\n%s\n%s\n%s\n%s\n%s", method, uri, q,
	          canon.s, list.s, payload);
	finish(p, stamp, day, out);
	/* The query to send: the canonical one (any order would do) and
	 * the signature. */
	sig_q = sigv4_encode(out->signature, strlen(out->signature), 0);
	xasprintf(&out->query, "%s&X-Amz-Signature=%s", q, sig_q);
	free(sig_q);
	if (p->session_token != NULL && p->omit_session_token) {
		char *tok =
		    sigv4_encode(p->session_token, strlen(p->session_token), 0);
		char *signed_q = out->query;

		xasprintf(&out->query, "%s&X-Amz-Security-Token=%s", signed_q,
		          tok);
		free(signed_q);
		free(tok);
	}
	free(uri);
	free(q);
	free(cred);
	free(canon.s);
	free(list.s);
	return 0;
}

void
sigv4_out_fini(struct sigv4_out *out)
{
	int i;

	free(out->canonical);
	free(out->string_to_sign);
	free(out->signature);
	free(out->query);
	for (i = 0; i < out->nadd; i++)
		free((char *)out->add[i].value);
	memset(out, 0, sizeof *out);
}
