/*
 * The SigV4 signer against the aws-c-auth test suite (tests/data/aws-sigv4,
 * Apache 2.0): for every case, the canonical request, the string to sign
 * and the signature, for the Authorization header and for presigning (when
 * the case has query-* files: AWS's S3 PUT Object example, s3-put-object,
 * has only the header form).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "activities/sigv4.h"
#include "common/json.h"
#include "common/util.h"

#define VECTORS HERALD_SRC "/tests/data/aws-sigv4"

static char *
slurp(const char *dir, const char *name)
{
	char  path[512], *buf;
	FILE *f;
	long  n;

	snprintf(path, sizeof path, "%s/%s/%s", VECTORS, dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct req {
	char               *method, *path, *query, *body;
	struct sigv4_header h[16];
	int                 nh;
	char               *storage;
	char               *owned[16]; /* joined folded values */
	int                 nowned;
};

/* request.txt: "METHOD target HTTP/1.1", headers (a line starting with
 * a blank continues the previous one), a blank line, the body. */
static void
parse_request(char *text, struct req *r)
{
	char *line, *next, *sp, *colon;
	int   in_body = 0;

	memset(r, 0, sizeof *r);
	r->storage = text;
	for (line = text; line != NULL && !in_body; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (r->method == NULL) {
			r->method = line;
			sp = strchr(line, ' ');
			*sp = '\0';
			r->path = sp + 1;
			*strrchr(r->path, ' ') = '\0';
			if ((sp = strchr(r->path, '?')) != NULL) {
				*sp = '\0';
				r->query = sp + 1;
			}
			continue;
		}
		if (*line == '\0') {
			r->body = next != NULL ? next : (char *)"";
			in_body = 1;
			break;
		}
		if ((*line == ' ' || *line == '\t') && r->nh > 0) {
			char *joined;

			xasprintf(&joined, "%s %s", r->h[r->nh - 1].value,
			          line);
			r->h[r->nh - 1].value = joined;
			r->owned[r->nowned++] = joined;
			continue;
		}
		colon = strchr(line, ':');
		*colon = '\0';
		r->h[r->nh].name = line;
		r->h[r->nh].value = colon + 1;
		r->nh++;
	}
	if (r->body == NULL)
		r->body = (char *)"";
}

static int64_t
parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (int64_t)timegm(&tm);
}

static void
trim_nl(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
}

static void
expect_file(const char *dir, const char *file, const char *got)
{
	char *want = slurp(dir, file);

	assert_non_null(want);
	trim_nl(want);
	if (strcmp(want, got) != 0)
		fail_msg("%s/%s:\n--- want\n%s\n--- got\n%s", dir, file, want,
		         got);
	free(want);
}

/* 0: dir is no case; 1: a header case; 2: a header and presign case. */
static int
run_case(const char *dir)
{
	struct sigv4_params p;
	struct sigv4_out    out;
	struct req          r;
	cJSON              *ctx, *cred;
	char               *text, *ctxt, *cause = NULL, *signed_req, *auth;
	char               *query_canon;
	int                 i, found, n = 1;

	ctxt = slurp(dir, "context.json");
	text = slurp(dir, "request.txt");
	if (ctxt == NULL || text == NULL) {
		free(ctxt);
		free(text);
		return 0;
	}
	ctx = json_parse(ctxt, strlen(ctxt), NULL);
	assert_non_null(ctx);
	cred = cJSON_GetObjectItem(ctx, "credentials");
	memset(&p, 0, sizeof p);
	p.access_key =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cred, "access_key_id"));
	p.secret_key = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cred, "secret_access_key"));
	p.session_token =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cred, "token"));
	p.region = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "region"));
	p.service = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "service"));
	p.time = parse_time(
	    cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "timestamp")));
	p.normalize = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "normalize"));
	p.add_content_sha256 =
	    cJSON_IsTrue(cJSON_GetObjectItem(ctx, "sign_body"));
	p.omit_session_token =
	    cJSON_IsTrue(cJSON_GetObjectItem(ctx, "omit_session_token"));
	p.expires = (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItem(ctx, "expiration_in_seconds"));
	parse_request(text, &r);

	assert_int_equal(sigv4_sign_headers(r.method, r.path, r.query, r.h,
	                                    r.nh, r.body, strlen(r.body), &p,
	                                    &out, &cause),
	                 0);
	expect_file(dir, "header-canonical-request.txt", out.canonical);
	expect_file(dir, "header-string-to-sign.txt", out.string_to_sign);
	expect_file(dir, "header-signature.txt", out.signature);
	/* The Authorization header we add is the one in the signed request. */
	signed_req = slurp(dir, "header-signed-request.txt");
	for (found = 0, i = 0; i < out.nadd; i++) {
		if (strcmp(out.add[i].name, "Authorization") != 0)
			continue;
		xasprintf(&auth, "\nAuthorization:%s\n", out.add[i].value);
		found = strstr(signed_req, auth) != NULL;
		free(auth);
	}
	if (!found)
		fail_msg("%s: Authorization header differs", dir);
	free(signed_req);
	sigv4_out_fini(&out);

	query_canon = slurp(dir, "query-canonical-request.txt");
	if (query_canon != NULL) {
		free(query_canon);
		assert_int_equal(sigv4_presign(r.method, r.path, r.query, r.h,
		                               r.nh, r.body, strlen(r.body), &p,
		                               &out, &cause),
		                 0);
		expect_file(dir, "query-canonical-request.txt", out.canonical);
		expect_file(dir, "query-string-to-sign.txt",
		            out.string_to_sign);
		expect_file(dir, "query-signature.txt", out.signature);
		sigv4_out_fini(&out);
		n = 2;
	}
	cJSON_Delete(ctx);
	free(ctxt);
	free(r.storage);
	for (i = 0; i < r.nowned; i++)
		free(r.owned[i]);
	return n;
}

static void
test_vectors(void **state)
{
	DIR           *d = opendir(VECTORS);
	struct dirent *de;
	int            n = 0, both = 0, rc;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			rc = run_case(de->d_name);
			n += rc > 0;
			both += rc == 2;
		}
	closedir(d);
	/* Every case of the suite that has a request (all presigned too),
	 * and S3's PUT Object example (header only). */
	assert_int_equal(n, 39);
	assert_int_equal(both, 38);
}

static void
test_encode(void **state)
{
	char *e;

	(void)state;
	e = sigv4_encode("a b/c~d+e=f", 11, 1);
	assert_string_equal(e, "a%20b/c~d%2Be%3Df");
	free(e);
	e = sigv4_encode("a/b", 3, 0);
	assert_string_equal(e, "a%2Fb");
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
